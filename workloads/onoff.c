/*
 * on-off: an ON/OFF source with Pareto (type I) period lengths, the
 * building block of self-similar traffic: superposing many such sources
 * whose ON or OFF shape a lies in (1, 2) gives long-range dependent load
 * with Hurst parameter H = (3 - a) / 2 (Willinger, Taqqu, Sherman, Wilson
 * 1997). The defaults (shape 1.5 for both) give H = 0.75.
 *
 * Messages are generated in "ON time", the clock that only runs while the
 * source is ON: Poisson spacing places them at exponential gaps of mean
 * 1/rate on that clock, deterministic spacing every 1/rate on it starting
 * at a uniformly random phase, and each ON-time point is then mapped to
 * wall time by walking the alternating periods. So a deterministic source
 * is a constant-rate stream paused during OFF (its phase carries over), and
 * E[messages] = rate * E[ON time] exactly in both modes; for Poisson the
 * mapping is the same process as restarting at each ON (memorylessness).
 *
 * start = stationary begins ON with probability E[on]/(E[on]+E[off]) and
 * draws the first period from the equilibrium residual law of its kind,
 * which for Pareto(a, k) is the mixture of uniform(0, k) (weight (a-1)/a)
 * and Pareto(a-1, k) (weight 1/a) -- the residual density is
 * P(X > x)/E[X] -- so the source is stationary from t = 0 and the mean
 * rate is rate*E[on]/(E[on]+E[off]) over any window. That needs a finite
 * mean (shape > 1); start on/off accept any shape > 0.
 *
 * Random draws, in order: open draws the start state (stationary), the
 * first period(s) and the deterministic phase; each message then draws its
 * gap (Poisson), the OFF and ON lengths of every period pair it crosses,
 * its size, then its key. ON-time points increase and the period walk only
 * moves forward, so arrivals are non-decreasing by construction.
 * Constant memory; O(1 + periods crossed) per arrival.
 */
#include "gen.h"
#include "workload.h"

#include "dist.h"
#include "err.h"
#include "rng.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum {
	P_RATE, P_ON_SHAPE, P_ON_SCALE, P_OFF_SHAPE, P_OFF_SCALE, P_SPACING,
	P_START, P_SIZE, P_KEY_SPACE, P_DURATION, P_COUNT, P_N
};

enum { ONOFF_POISSON, ONOFF_DETERMINISTIC };
enum { ONOFF_STATIONARY, ONOFF_START_ON, ONOFF_START_OFF };

static const struct param_def onoff_params[P_N] = {
	[P_RATE] = {
		.name = "rate", .type = PARAM_NUM, .def = 10, .min = 0,
		.max = INFINITY,
		.help = "arrival rate while ON, messages per second (> 0)",
	},
	[P_ON_SHAPE] = {
		.name = "on_shape", .type = PARAM_NUM, .def = 1.5, .min = 0,
		.max = INFINITY,
		.help = "Pareto shape of ON period lengths (> 0; > 1 for a finite "
			"mean, in (1, 2) for self-similar traffic with Hurst "
			"(3 - shape)/2)",
	},
	[P_ON_SCALE] = {
		.name = "on_scale", .type = PARAM_NUM, .def = 1, .min = 0,
		.max = INFINITY,
		.help = "Pareto scale (minimum length) of ON periods, seconds (> 0); "
			"mean ON = shape*scale/(shape-1)",
	},
	[P_OFF_SHAPE] = {
		.name = "off_shape", .type = PARAM_NUM, .def = 1.5, .min = 0,
		.max = INFINITY,
		.help = "Pareto shape of OFF period lengths (> 0; > 1 for a finite "
			"mean, in (1, 2) for self-similar traffic)",
	},
	[P_OFF_SCALE] = {
		.name = "off_scale", .type = PARAM_NUM, .def = 1, .min = 0,
		.max = INFINITY,
		.help = "Pareto scale (minimum length) of OFF periods, seconds (> 0)",
	},
	[P_SPACING] = {
		.name = "spacing", .type = PARAM_ENUM, .def = ONOFF_POISSON,
		.choices = "poisson|deterministic",
		.help = "arrivals while ON: poisson = exponential gaps of mean "
			"1/rate; deterministic = every 1/rate seconds of ON time "
			"(a paused constant-rate stream)",
	},
	[P_START] = {
		.name = "start", .type = PARAM_ENUM, .def = ONOFF_STATIONARY,
		.choices = "stationary|on|off",
		.help = "state at t = 0: stationary = ON with probability "
			"E[on]/(E[on]+E[off]) and an equilibrium residual first "
			"period (needs both shapes > 1); on/off = a full period of "
			"that kind",
	},
	GEN_TAIL_PARAMS(P_SIZE),

};

struct onoff {
	struct gen_tail g;     /* size, keys, end; its stream */
	struct dist *on, *off;         /* period lengths, owned */
	double gap;                    /* mean (Poisson) or exact spacing, s */
	int spacing;
	/* The current ON period: [w0, w0 + len) in wall time, starting at ON
	 * time a0. u is the ON time of the last message; k its index in
	 * deterministic mode. */
	double w0, a0, len, u, phase;
	uint64_t k;
};

static int onoff_check_pos(const char *name, double v, struct err *e)
{
	if (!(v > 0) || !isfinite(v))
		return err_set(e, ERR_INPUT, "%s must be > 0 and finite, got %g",
			       name, v);
	return 0;
}

/* The equilibrium residual of Pareto(a, k): uniform(0, k) with weight
 * (a-1)/a, Pareto(a-1, k) with weight 1/a. a > 1. */
static struct dist *onoff_residual(double a, double k, struct err *e)
{
	struct dist *c[2] = {
		dist_new_uniform(0, k, e),
		dist_new_pareto(a - 1, k, e),
	};
	if (!c[0] || !c[1]) {
		dist_free(c[0]);
		dist_free(c[1]);
		return NULL;
	}
	double w[2] = { (a - 1) / a, 1 / a };
	return dist_new_mixture(c, w, 2, e);
}

static void onoff_close(void *state)
{
	struct onoff *s = state;
	if (!s)
		return;
	dist_free(s->on);
	dist_free(s->off);
	free(s);
}

static void *onoff_open(const union param_val *p, struct rng *rng,
			struct err *e)
{
	double rate = p[P_RATE].num;
	double ash = p[P_ON_SHAPE].num, asc = p[P_ON_SCALE].num;
	double fsh = p[P_OFF_SHAPE].num, fsc = p[P_OFF_SCALE].num;
	int start = (int)p[P_START].num;
	if (onoff_check_pos("rate", rate, e) < 0 ||
	    onoff_check_pos("on_shape", ash, e) < 0 ||
	    onoff_check_pos("on_scale", asc, e) < 0 ||
	    onoff_check_pos("off_shape", fsh, e) < 0 ||
	    onoff_check_pos("off_scale", fsc, e) < 0)
		return NULL;
	if (start == ONOFF_STATIONARY && !(ash > 1 && fsh > 1)) {
		err_set(e, ERR_INPUT,
			"start stationary needs finite mean periods, i.e. on_shape "
			"and off_shape > 1, got on_shape %g, off_shape %g (use "
			"start on or off for heavier tails)", ash, fsh);
		return NULL;
	}
	struct gen_tail tail;
	if (gen_open(&tail, p, P_SIZE, rng, "onoff", e) < 0)
		return NULL;
	struct onoff *s = malloc(sizeof *s);
	if (!s) {
		err_set(e, ERR_INTERNAL, "on-off: out of memory");
		return NULL;
	}
	*s = (struct onoff){
		.g = tail,
		.gap = 1.0 / rate,
		.spacing = (int)p[P_SPACING].num,
	};
	s->on = dist_new_pareto(ash, asc, e);
	s->off = dist_new_pareto(fsh, fsc, e);
	if (!s->on || !s->off) {
		onoff_close(s);
		return NULL;
	}
	/* The first ON period, preceded by an OFF one when starting OFF. */
	int first_on;
	struct dist *res = NULL;
	if (start == ONOFF_STATIONARY) {
		double mon = dist_mean(s->on, 0), moff = dist_mean(s->off, 0);
		first_on = rng_uniform(rng) < mon / (mon + moff);
		res = first_on ? onoff_residual(ash, asc, e)
			       : onoff_residual(fsh, fsc, e);
		if (!res) {
			onoff_close(s);
			return NULL;
		}
	} else {
		first_on = start == ONOFF_START_ON;
	}
	if (first_on) {
		s->w0 = 0;
		s->len = dist_sample(res ? res : s->on, rng, 0);
	} else {
		s->w0 = dist_sample(res ? res : s->off, rng, 0);
		s->len = dist_sample(s->on, rng, 0);
	}
	dist_free(res);
	if (s->spacing == ONOFF_DETERMINISTIC)
		s->phase = rng_uniform(rng);
	return s;
}

static int onoff_next(void *state, struct arrival *a, struct err *e)
{
	struct onoff *s = state;
	if (gen_over(&s->g))
		return 0;
	/* Index arithmetic, not repeated addition, keeps a long deterministic
	 * stream on its grid. */
	double u = s->spacing == ONOFF_DETERMINISTIC
			   ? ((double)s->k++ + s->phase) * s->gap
			   : s->u + rng_exp(s->g.rng, s->gap);
	s->u = u;
	while (u >= s->a0 + s->len) {
		s->a0 += s->len;
		s->w0 += s->len + dist_sample(s->off, s->g.rng, 0);
		s->len = dist_sample(s->on, s->g.rng, 0);
		if (gen_past(&s->g, s->w0))
			return 0;
	}
	double t = s->w0 + (u - s->a0);
	if (gen_past(&s->g, t))
		return 0;
	return gen_emit(&s->g, t, a);
}

const struct workload workload_onoff = {
	.name = "on-off",
	.help = "ON/OFF source with Pareto ON and OFF lengths (self-similar "
		"when shapes are in (1, 2)), Poisson or deterministic arrivals "
		"at a rate while ON",
	.params = onoff_params,
	.nparams = P_N,
	.open = onoff_open,
	.next = onoff_next,
	.close = onoff_close,
};
