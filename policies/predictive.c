/*
 * predictive: forecast each function's arrival rate with Holt-Winters and
 * size it like erlang-c for the rate expected when the replicas ordered now
 * are ready (policies.md section 10: "forecast lambda-hat at horizon =
 * provisioning delay, then apply Erlang-C").
 *
 * Time is counted in steps of the decision interval D (ctx->interval). At
 * each periodic decision ("tick") the monitored arrival rate over the last
 * step, y_n = MON_ARRIVALS rate over max(D, scrape interval) (or the rate
 * appended to the partitions feeding the function when larger, as erlang-c
 * takes the offered load), is one observation of an additive Holt-Winters
 * model with period P = round(season_s / D) steps, in the form of R's
 * stats::HoltWinters:
 *   level  l_n = alpha (y_n - s_{n-P}) + (1 - alpha)(l_{n-1} + b_{n-1})
 *   trend  b_n = beta (l_n - l_{n-1}) + (1 - beta) b_{n-1}
 *   season s_n = gamma (y_n - l_n) + (1 - gamma) s_{n-P}
 *   forecast of step n+k: l_n + k b_n + s_{n+k-P ceil(k/P)}, clamped at 0
 * With season_s = 0 the s terms vanish: Holt's linear method.
 * Initialisation: Holt's method takes l_1 = y_1, b_1 = 0 (forecast = y_1),
 * then l_2 = y_2, b_2 = y_2 - y_1 (R's start values) and updates from step 3
 * on, so a linear ramp is followed exactly from step 2. The seasonal model
 * collects the first season: l_P = mean(y_1..y_P), b_P = 0 (one season says
 * nothing about trend), s_i = y_i - l_P for each phase i; it updates from
 * step P+1 on. Until it is fitted it forecasts the last observation (the
 * naive forecast: the policy then sizes like erlang-c for the current rate).
 * Defaults alpha 0.3, beta 0.1, gamma 0.1 are R's optim.start values.
 *
 * Horizon. A count decided at t is applied at t + a (a = actuation_lead_s,
 * by default the autoscaler's actuation_delay_s, policy_ctx); the
 * replicas it adds are ready at t + a + cs (cs = fn_view.cold_start_s), and
 * it is superseded when the next decision's replicas arrive, at
 * t + D + a + cs. So the count serves [t + a + cs, t + a + cs + D]: the
 * horizon is h = a + cs + D, and the forecast is the largest over the steps
 * overlapping that interval (step n+k covers (t + (k-1) D, t + k D]):
 * k = floor((a+cs)/D) + 1 .. ceil((a+cs)/D) + 1, one step when a + cs is a
 * multiple of D.
 *
 * Sizing (identical to erlang-c, so a stationary load gets erlang-c's count):
 * the least number of slots c meeting w_p + s_p <= slo_latency_s for the
 * M/M/c wait quantile w_p and the exponential service quantile s_p, with
 * c > a = lambda/mu and a/c <= max_utilization as headroom; mu = 1 / mean
 * service time over window_s, remembered while nothing completes; replicas
 * ceil(c / concurrency).
 * Floor (current_floor, default on): desired = max(size(forecast),
 * size(current rate)). Removals take effect after the actuation delay alone,
 * without a cold start, so the count decided now must still carry the load
 * present until the horizon's replicas arrive; and a burst the model has not
 * seen (the level moves only alpha of the way per step) is not starved
 * while the fit catches up. The cost is that scale-down is reactive: the
 * policy never shrinks ahead of a forecast fall, only ahead of a rise.
 * Scale to zero: the function is idle while the current rate is 0 and the
 * forecast of every step up to the horizon is at most idle_arrivals per
 * decision interval (Holt-Winters only approaches 0 geometrically); after
 * idle_s of that the wish is 0, before it at least one replica is kept.
 * A request held at zero wakes the policy (wake_from_zero) and counts as
 * load (held / window), as in erlang-c; such out-of-period rounds do not
 * feed the model, so its steps stay one decision interval apart.
 * Observed: rate (current, with held requests), level, trend (null until
 * fitted), season (the seasonal index of the forecast step), forecast,
 * horizon (s), mu, idle (s), c_forecast, c_current, c and replicas.
 * State: per function, the parameters, the model (P doubles of season) and
 * the last mu; O(P) memory; per decision O(min(P, k)) forecast steps and
 * O(log c) Erlang C evaluations.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "monitor.h"
#include "policy.h"
#include "qtheory.h"

enum {
	P_SLO,
	P_PERCENTILE,
	P_MAX_UTIL,
	P_WINDOW,
	P_SEASON,
	P_ALPHA,
	P_BETA,
	P_GAMMA,
	P_LEAD,
	P_IDLE,
	P_IDLE_ARRIVALS,
	P_FLOOR,
	P_N
};

/* The longest season, in steps: a week at a 1-s interval. */
#define MAX_PERIOD 604800

static const struct param_def pred_params[P_N] = {
	[P_SLO] = {
		.name = "slo_latency_s", .type = PARAM_NUM, .def = 1,
		.min = 1e-6, .max = 1e6,
		.help = "latency target (s) of one function: wait + service at "
			"the percentile (as erlang-c)",
	},
	[P_PERCENTILE] = {
		.name = "percentile", .type = PARAM_NUM, .def = 0.95,
		.min = 0.01, .max = 0.9999,
		.help = "quantile p at which the SLO holds",
	},
	[P_MAX_UTIL] = {
		.name = "max_utilization", .type = PARAM_NUM, .def = 0.95,
		.min = 0.01, .max = 1,
		.help = "cap on a/c (the headroom over ceil(lambda/mu)); the only "
			"rule when the SLO is infeasible",
	},
	[P_WINDOW] = {
		.name = "window_s", .type = PARAM_NUM, .def = 60,
		.min = 1, .max = 86400,
		.help = "window of the mean service time (the rate fed to the "
			"forecast is over one decision interval)",
	},
	[P_SEASON] = {
		.name = "season_s", .type = PARAM_NUM, .def = 0,
		.min = 0, .max = 604800,
		.help = "season length (s), rounded to decision intervals (at "
			"least 2); 0: no seasonality (Holt's linear method). The "
			"first season initialises the seasonal indices",
	},
	[P_ALPHA] = {
		.name = "alpha", .type = PARAM_NUM, .def = 0.3,
		.min = 0, .max = 1,
		.help = "level smoothing (R HoltWinters optim.start 0.3)",
	},
	[P_BETA] = {
		.name = "beta", .type = PARAM_NUM, .def = 0.1,
		.min = 0, .max = 1,
		.help = "trend smoothing (R HoltWinters optim.start 0.1)",
	},
	[P_GAMMA] = {
		.name = "gamma", .type = PARAM_NUM, .def = 0.1,
		.min = 0, .max = 1,
		.help = "seasonal smoothing (R HoltWinters optim.start 0.1)",
	},
	[P_LEAD] = {
		.name = "actuation_lead_s", .type = PARAM_NUM, .def = -1,
		.min = -1, .max = 86400,
		.help = "added to the horizon (horizon = this + cold start + "
			"decision interval); -1: the autoscaler's "
			"actuation_delay_s",
	},
	[P_IDLE] = {
		.name = "idle_s", .type = PARAM_NUM, .def = 60,
		.min = 0, .max = 86400,
		.help = "scale to zero after this long idle: no current arrivals "
			"and no forecast load up to the horizon",
	},
	[P_IDLE_ARRIVALS] = {
		.name = "idle_arrivals", .type = PARAM_NUM, .def = 0.5,
		.min = 0, .max = 1e6,
		.help = "a forecast of at most this many arrivals per decision "
			"interval counts as no load",
	},
	[P_FLOOR] = {
		.name = "current_floor", .type = PARAM_BOOL, .def = 1,
		.help = "never size below what the current rate needs (false: "
			"the forecast alone)",
	},
};

/* ------------------------------------------------------ Holt-Winters */

struct hw {
	double alpha, beta, gamma;
	int period;          /* P steps; 0: Holt's linear method */
	long n;              /* observations taken */
	double level, trend;
	double last;         /* latest observation (the naive forecast) */
	double sum;          /* first season: sum of its observations */
	double *season;      /* [period], indexed by step % period */
};

static int hw_fitted(const struct hw *h)
{
	return h->period ? h->n >= h->period : h->n >= 1;
}

static void hw_reset(struct hw *h)
{
	h->n = 0;
	h->level = h->trend = h->last = h->sum = 0;
	if (h->period)
		memset(h->season, 0, sizeof h->season[0] * (size_t)h->period);
}

static void hw_observe(struct hw *h, double y)
{
	long n = ++h->n;
	h->last = y;
	if (!h->period) {
		if (n == 1) {
			h->level = y;
			h->trend = 0;
			return;
		}
		if (n == 2) {
			h->trend = y - h->level;
			h->level = y;
			return;
		}
		double prev = h->level;
		h->level = h->alpha * y + (1 - h->alpha) * (prev + h->trend);
		h->trend = h->beta * (h->level - prev) + (1 - h->beta) * h->trend;
	} else {
		int j = (int)(n % h->period);
		if (n <= h->period) {
			h->season[j] = y;
			h->sum += y;
			if (n == h->period) {
				h->level = h->sum / h->period;
				h->trend = 0;
				for (int i = 0; i < h->period; i++)
					h->season[i] -= h->level;
			}
			return;
		}
		double prev = h->level;
		h->level = h->alpha * (y - h->season[j]) +
			   (1 - h->alpha) * (prev + h->trend);
		h->trend = h->beta * (h->level - prev) + (1 - h->beta) * h->trend;
		h->season[j] = h->gamma * (y - h->level) +
			       (1 - h->gamma) * h->season[j];
	}
	/* Some corners of [0,1]^3 make additive Holt-Winters unstable on
	 * noisy data; a state that overflowed starts over from this step
	 * rather than turning into an infinite or NaN forecast. */
	if (!isfinite(h->level) || !isfinite(h->trend) ||
	    (h->period && !isfinite(h->season[n % h->period]))) {
		hw_reset(h);
		hw_observe(h, y);
	}
}

/* Forecast of the step k >= 1 steps after the latest, not clamped; *s gets
 * the seasonal index used (0 without one). */
static double hw_forecast(const struct hw *h, long k, double *s)
{
	*s = 0;
	if (!hw_fitted(h))
		return h->last;
	if (h->period)
		*s = h->season[(h->n + k) % h->period];
	return h->level + (double)k * h->trend + *s;
}

/* Largest forecast (clamped to [0, DBL_MAX]) of the steps k1..k2 after the latest,
 * and the seasonal index of the step attaining it. A linear forecast peaks
 * at an end; with a season, each phase's steps form an arithmetic sequence
 * whose linear part peaks at its first or last member, and those lie in the
 * first and the last P steps of the range, so O(P) steps are scanned
 * however far the horizon. */
static double forecast_max(const struct hw *h, long k1, long k2, double *s_at)
{
	long span = h->period && hw_fitted(h) ? h->period : 1;
	double best = -INFINITY, s;
	*s_at = 0;
	for (long k = k1; k <= k2; k++) {
		if (k - k1 >= span && k2 - k >= span)
			k = k2 - span + 1;      /* skip the middle */
		double x = hw_forecast(h, k, &s);
		if (x > best) {
			best = x;
			*s_at = s;
		}
	}
	/* a rate is not negative; a trend times a long horizon may overflow */
	if (!(best > 0))
		return 0;
	return best < DBL_MAX ? best : DBL_MAX;
}

/* ------------------------------------------------- M/M/c sizing */

/*
 * The erlang-c policy's sizing, as a pure function of the queue: the same
 * rules and the same answers. Its loop is static in policies/erlang_c.c;
 * this is the shape a shared helper should take in sim/qtheory.[ch] (e.g.
 * `int qt_mmc_size_slo(double lambda, double mu, double p, double slo,
 * double max_util, int cap, struct qt_mmc_size *out)`) so both call it.
 * Cost: O(log c) Erlang C evaluations of O(c) each, none above cap (a
 * count past the cap is clamped by the engine anyway, so it is not probed:
 * a huge forecast costs no more than max_replicas allows).
 */
struct mmc_size {
	int c;              /* slots wanted; 0 when lambda is 0 */
	int c_slo;          /* the SLO alone (0 when infeasible) */
	int c_util;         /* c > a and a/c <= max_util */
	int met;            /* w_p + s_p <= slo at c_slo within the cap */
	int feasible;       /* s_p <= slo: some c can meet it */
	double a, sp;
};

static int clamp_int(double x)
{
	if (!(x < 1e9))
		return 1000000000;
	return x > 0 ? (int)x : 0;
}

static void mmc_size(double lambda, double mu, double p, double slo,
		     double max_util, int cap, struct mmc_size *r)
{
	*r = (struct mmc_size){.a = lambda / mu, .sp = -log(1 - p) / mu};
	if (!(lambda > 0))
		return;
	double a = r->a;
	r->c_util = clamp_int(fmax(floor(a) + 1, ceil(a / max_util - 1e-9)));
	r->feasible = !(r->sp > slo);
	if (!r->feasible) {
		r->c = r->c_util;
		return;
	}
	/* the fewest slots meeting the SLO (qtheory: doubling, then bisection);
	 * a least stable count already above the cap cannot meet it there */
	int lo = clamp_int(floor(a) + 1), met;
	int c_slo = qt_mmc_min_servers(lo, cap, lambda, mu, p, slo - r->sp, &met);
	r->met = lo <= cap && met;
	r->c_slo = r->met ? c_slo : (lo > cap ? lo : cap);
	r->c = r->c_slo > r->c_util ? r->c_slo : r->c_util;
}

/* ------------------------------------------------------- the policy */

struct pred_fn {
	double slo, p, max_util, window, lead, idle_s, idle_arrivals;
	int floor;
	struct hw hw;
	double mu;            /* last measured service rate per slot; 0: none */
	double next_tick;     /* the next periodic decision */
	double idle_since;    /* start of the current idle spell; NAN: busy */
};

struct pred {
	int nfn;
	double interval;
	struct pred_fn fn[];
};

static void pred_fini(void *state)
{
	struct pred *s = state;
	if (!s)
		return;
	for (int i = 0; i < s->nfn; i++)
		free(s->fn[i].hw.season);
	free(s);
}

static void *pred_init(const struct policy_ctx *ctx, struct err *e)
{
	if (ctx->nfn < 0 || !(ctx->interval > 0)) {
		err_set(e, ERR_INTERNAL, "%d functions, interval %g",
			ctx->nfn, ctx->interval);
		return NULL;
	}
	struct pred *s = calloc(1, sizeof *s + sizeof s->fn[0] * (size_t)ctx->nfn);
	if (!s) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	s->nfn = ctx->nfn;
	s->interval = ctx->interval;
	for (int i = 0; i < ctx->nfn; i++) {
		const union param_val *p = ctx->params[i];
		struct pred_fn *h = &s->fn[i];
		const char *name = ctx->fn[i].name ? ctx->fn[i].name : "?";
		double season = p[P_SEASON].num;
		*h = (struct pred_fn){
			.slo = p[P_SLO].num, .p = p[P_PERCENTILE].num,
			.max_util = p[P_MAX_UTIL].num, .window = p[P_WINDOW].num,
			.lead = p[P_LEAD].num < 0 ? ctx->actuation_delay
						   : p[P_LEAD].num,
			.idle_s = p[P_IDLE].num,
			.idle_arrivals = p[P_IDLE_ARRIVALS].num,
			.floor = p[P_FLOOR].num != 0,
			.hw = {.alpha = p[P_ALPHA].num, .beta = p[P_BETA].num,
			       .gamma = p[P_GAMMA].num},
			.next_tick = -INFINITY, .idle_since = NAN,
		};
		int ok = h->slo > 0 && h->p > 0 && h->p < 1 && h->window > 0 &&
			 h->max_util > 0 && h->max_util <= 1 && h->lead >= 0 &&
			 h->idle_s >= 0 && h->idle_arrivals >= 0 &&
			 h->hw.alpha >= 0 && h->hw.alpha <= 1 &&
			 h->hw.beta >= 0 && h->hw.beta <= 1 &&
			 h->hw.gamma >= 0 && h->hw.gamma <= 1 && season >= 0 &&
			 isfinite(h->lead) && isfinite(h->idle_s);
		if (!ok) {
			err_set(e, ERR_INPUT, "function %d (%s): a "
				"parameter is out of range (slo_latency_s %g, "
				"percentile %g, window_s %g, max_utilization %g, "
				"alpha %g, beta %g, gamma %g, season_s %g, "
				"actuation_lead_s %g, idle_s %g, idle_arrivals %g)",
				i, name, h->slo, h->p, h->window, h->max_util,
				h->hw.alpha, h->hw.beta, h->hw.gamma, season,
				h->lead, h->idle_s, h->idle_arrivals);
			pred_fini(s);
			return NULL;
		}
		if (season > 0) {
			double steps = floor(season / ctx->interval + 0.5);
			if (!(steps >= 2 && steps <= MAX_PERIOD)) {
				err_set(e, ERR_INPUT, "function %d "
					"(%s): season_s %g is %.0f decision "
					"intervals of %gs; need 2..%d", i, name,
					season, steps, ctx->interval, MAX_PERIOD);
				pred_fini(s);
				return NULL;
			}
			h->hw.period = (int)steps;
			h->hw.season = calloc((size_t)h->hw.period,
					      sizeof h->hw.season[0]);
			if (!h->hw.season) {
				err_set(e, ERR_INTERNAL, "out of memory");
				pred_fini(s);
				return NULL;
			}
		}
	}
	return s;
}

/* Replicas for lambda (0 for no load), with the sizing in *r. */
static int replicas_for(const struct pred_fn *h, double lambda, int conc,
			int cap, struct mmc_size *r)
{
	mmc_size(lambda, h->mu, h->p, h->slo, h->max_util, cap, r);
	return clamp_int(ceil((double)r->c / conc));
}

static void decide_one(struct pred_fn *h, const struct fn_view *f,
		       const struct mon *m, int fn, double now, double step,
		       struct scale_decision *d)
{
	int conc = f->concurrency > 0 ? f->concurrency : 1;
	int at_zero = f->ready + f->pending == 0;
	int held = at_zero && f->held_at_zero > 0;
	if (!m || mon_count(m, INFINITY) < 2) {
		if (held) {
			policy_say(d, "predictive: no metrics yet, %ld held at "
				   "zero -> 1", f->held_at_zero);
			d->desired = 1;
		} else {
			policy_say(d, "predictive: no metrics yet");
		}
		return;
	}
	int tick = now >= h->next_tick - 1e-6;
	if (!tick && !held) {
		policy_say(d, "predictive: between decision ticks");
		return;
	}
	double w = fmax(step, mon_interval(m));
	double y = fmax(mon_rate(m, fn, MON_ARRIVALS, w),
			mon_rate(m, fn, MON_SOURCE_APPENDS, w));
	if (!(y >= 0 && y < DBL_MAX))
		y = 0;   /* counters only grow; never feed the fit a NaN */
	if (tick) {
		hw_observe(&h->hw, y);
		h->next_tick = now + step;
	}
	double cur = y;
	if (held && (double)f->held_at_zero / w > cur)
		cur = (double)f->held_at_zero / w;   /* held = load */
	double st = mon_service_time(m, fn, fmax(h->window, mon_interval(m)));
	if (st > 0)
		h->mu = 1 / st;

	/* steps overlapping [t + lead + cs, t + lead + cs + D] */
	double cs = f->cold_start_s > 0 ? f->cold_start_s : 0;
	double horizon = h->lead + cs + step;
	double ahead = (h->lead + cs) / step;
	double near = floor(ahead + 0.5);
	if (fabs(ahead - near) < 1e-9)
		ahead = near;
	long k_lo = (long)fmin(floor(ahead), 1e9) + 1;
	long k_hi = (long)fmin(ceil(ahead), 1e9) + 1;
	double season, s;
	double fc = forecast_max(&h->hw, k_lo, k_hi, &season);
	double path = forecast_max(&h->hw, 1, k_hi, &s);
	int fitted = hw_fitted(&h->hw);
	policy_observe(d, "rate", cur);
	policy_observe(d, "level", fitted ? h->hw.level : NAN);
	policy_observe(d, "trend", fitted ? h->hw.trend : NAN);
	policy_observe(d, "season", season);
	policy_observe(d, "forecast", fc);
	policy_observe(d, "horizon", horizon);
	policy_observe(d, "mu", h->mu);

	int idle = !(cur > 0) && !(path * step > h->idle_arrivals);
	if (!idle)
		h->idle_since = NAN;
	else if (isnan(h->idle_since))
		h->idle_since = now;
	double idle_for = idle ? now - h->idle_since : 0;
	policy_observe(d, "idle", idle_for);
	if (idle && (idle_for >= h->idle_s - 1e-9 || f->target == 0)) {
		policy_say(d, "predictive: idle %gs (no arrivals, forecast %.3g/s "
			   "up to %gs ahead) -> 0", idle_for, path, horizon);
		d->desired = 0;
		return;
	}
	if (!(h->mu > 0)) {
		if (f->target == 0) {
			policy_say(d, "predictive: rate %.4g/s, no service time "
				   "yet: 0 -> 1", cur);
			d->desired = 1;
		} else {
			policy_say(d, "predictive: rate %.4g/s, no service time "
				   "measured yet: keep", cur);
		}
		return;
	}
	double cap = fmin((double)f->max_replicas * conc, 1e9);
	int icap = clamp_int(fmax(cap, 1));
	struct mmc_size rf, rc;
	int n_f = replicas_for(h, fc, conc, icap, &rf);
	int n_c = replicas_for(h, cur, conc, icap, &rc);
	int use_cur = h->floor && n_c > n_f;
	int reps = use_cur ? n_c : n_f;
	const struct mmc_size *r = use_cur ? &rc : &rf;
	policy_observe(d, "c_forecast", rf.c);
	policy_observe(d, "c_current", rc.c);
	policy_observe(d, "c", r->c);
	policy_observe(d, "replicas", reps);
	if (fitted)
		policy_say(d, "predictive: rate %.4g/s, forecast %.4g/s at %gs "
			   "(L %.4g T %.3g S %.3g)", cur, fc, horizon, h->hw.level,
			   h->hw.trend, season);
	else
		policy_say(d, "predictive: rate %.4g/s, warm-up %ld/%d: naive "
			   "forecast %.4g/s", cur, h->hw.n,
			   h->hw.period ? h->hw.period : 1, fc);
	policy_say(d, ", mu %.4g: c %d (forecast %d, current %d%s)", h->mu,
		   r->c, rf.c, rc.c, h->floor ? "" : " ignored");
	if (r->c > 0 && !r->feasible)
		policy_say(d, " SLO infeasible");
	else if (r->c > 0 && !r->met)
		policy_say(d, " not met within max_replicas");
	if (reps < 1) {
		/* load before the horizon, or the idle spell not over yet */
		reps = 1;
		if (idle)
			policy_say(d, "; idle %gs < %gs", idle_for, h->idle_s);
		else
			policy_say(d, "; load before the horizon");
	}
	policy_say(d, " -> %d", reps);
	if (reps > f->max_replicas) {
		reps = f->max_replicas;
		policy_say(d, ", capped at max %d", reps);
	}
	d->desired = reps;
}

static void pred_decide(void *state, const struct scale_view *v,
			struct scale_decision *out)
{
	struct pred *s = state;
	for (int i = 0; i < v->nfn && i < s->nfn; i++)
		if (v->fn[i].managed)
			decide_one(&s->fn[i], &v->fn[i], v->mon, i, v->now,
				   s->interval, &out[i]);
}

const struct policy policy_predictive = {
	.name = "predictive",
	.help = "Holt-Winters forecast of each function's arrival rate "
		"(additive level, trend, season_s seasonality; Holt's linear "
		"method when 0) at the horizon actuation_lead_s + cold start + "
		"decision interval, sized like erlang-c (M/M/c wait + service "
		"quantile <= slo_latency_s), never below the current rate's "
		"size; scale to zero after idle_s without arrivals or forecast "
		"load. Set monitor.scrape_interval_s <= the decision interval "
		"(one rate per interval feeds the fit)",
	.params = pred_params,
	.nparams = P_N,
	.interval_s = 15,
	.wake_from_zero = 1,
	.init = pred_init,
	.decide = pred_decide,
	.fini = pred_fini,
};
