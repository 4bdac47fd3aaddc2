/*
 * periodic: timer-driven arrivals, like a cron job, a sensor or a batch
 * export: tick j is due at phase_s + j * period_s (j = 0, 1, ...) and
 * fires late by a jitter drawn from a distribution (default: none), then
 * emits per_tick messages at once.
 *
 * Jitter is a delay, never an advance (timers fire late, not early; dists
 * are non-negative); a symmetric +-j jitter is uniform(0, 2j) with every
 * tick shifted by j, which only moves the phase. Order is guaranteed by
 * construction: a tick fires at max(due + jitter, previous tick's firing
 * time), i.e. a tick that would overtake a later-firing predecessor fires
 * together with it, as a single-threaded timer would. With a jitter always
 * below period_s nothing is ever clamped, and the long-run rate is
 * per_tick / period_s whatever the jitter.
 * The per-tick batch is `per_tick` rather than `count`, because `count`
 * is the total that ends the stream, as in every generator.
 *
 * Random draws, in order: per tick its jitter (before its first message),
 * then per message its size and its key. Due times are computed from the
 * tick index, so a long run does not drift. Constant memory, O(1) per
 * arrival.
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
	P_PERIOD, P_PHASE, P_JITTER, P_PER_TICK, P_SIZE, P_KEY_SPACE,
	P_DURATION, P_COUNT, P_N
};

static const struct param_def periodic_params[P_N] = {
	[P_PERIOD] = {
		.name = "period_s", .type = PARAM_NUM, .def = 1, .min = 0,
		.max = INFINITY,
		.help = "time between the due times of two ticks, seconds (> 0)",
	},
	[P_PHASE] = {
		.name = "phase_s", .type = PARAM_NUM, .def = 0, .min = 0,
		.max = INFINITY,
		.help = "due time of the first tick, seconds (in [0, period_s))",
	},
	[P_JITTER] = {
		.name = "jitter", .type = PARAM_DIST, .def_str = "0",
		.help = "delay of each tick after its due time, seconds, a "
			"distribution drawn once per tick; a tick never fires "
			"before the previous one (it is held back to it); "
			"default: always 0",
	},
	[P_PER_TICK] = {
		.name = "per_tick", .type = PARAM_INT, .def = 1, .min = 1,
		.max = GEN_INT_MAX,
		.help = "messages emitted at once by each tick (>= 1)",
	},
	GEN_TAIL_PARAMS(P_SIZE),

};

struct periodic {
	struct gen_tail g;     /* size, keys, end; its stream */
	const struct dist *jitter; /* NULL: none */
	double period, phase;      /* s */
	uint64_t per_tick;
	uint64_t tick;             /* index of the next tick */
	uint64_t left;             /* messages left in the current tick */
	double t;                  /* firing time of the current tick */
};

static void *periodic_open(const union param_val *p, struct rng *rng,
			   struct err *e)
{
	double period = p[P_PERIOD].num, phase = p[P_PHASE].num;
	if (!(period > 0) || !isfinite(period)) {
		err_set(e, ERR_INPUT, "period_s must be > 0 and finite, got %g",
			period);
		return NULL;
	}
	if (!(phase >= 0 && phase < period)) {
		err_set(e, ERR_INPUT,
			"phase_s must be in [0, period_s = %g), got %g", period,
			phase);
		return NULL;
	}
	double per_tick = p[P_PER_TICK].num;
	if (gen_check_int("per_tick", per_tick, e) < 0)
		return NULL;
	if (per_tick < 1) {
		err_set(e, ERR_INPUT, "per_tick must be >= 1, got %g", per_tick);
		return NULL;
	}
	struct gen_tail tail;
	if (gen_open(&tail, p, P_SIZE, rng, "periodic", e) < 0)
		return NULL;
	struct periodic *s = malloc(sizeof *s);
	if (!s) {
		err_set(e, ERR_INTERNAL, "periodic: out of memory");
		return NULL;
	}
	*s = (struct periodic){
		.g = tail,
		.jitter = p[P_JITTER].dist,
		.period = period,
		.phase = phase,
		.per_tick = (uint64_t)p[P_PER_TICK].num,
	};
	return s;
}

static int periodic_next(void *state, struct arrival *a, struct err *e)
{
	struct periodic *s = state;
	if (gen_over(&s->g))
		return 0;
	if (!s->left) {
		double due = s->phase + (double)s->tick++ * s->period;
		double late = s->jitter ? dist_sample(s->jitter, s->g.rng, 0) : 0;
		/* held back to the previous tick: order over fidelity */
		s->t = fmax(due + late, s->t);
		s->left = s->per_tick;
	}
	if (gen_past(&s->g, s->t))
		return 0;
	s->left--;
	return gen_emit(&s->g, s->t, a);
}

static void periodic_close(void *state)
{
	free(state);
}

const struct workload workload_periodic = {
	.name = "periodic",
	.help = "timer-like arrivals: a batch of per_tick messages every "
		"period_s, each tick delayed by a jitter distribution without "
		"ever overtaking the previous one",
	.params = periodic_params,
	.nparams = P_N,
	.open = periodic_open,
	.next = periodic_next,
	.close = periodic_close,
};
