/*
 * oracle: provisions for the future arrival rate, read from the actual
 * arrivals, one cold-start time ahead. A lower bound for comparisons, not a
 * realizable policy (it reads the future): no real system exists behind it,
 * and it is the only policy given scale_view.oracle (struct policy
 * lookahead > 0).
 *
 * At each decision, for each managed function, with h = fn_view.cold_start_s
 * (the mean start time of a new replica) and w = the decision interval:
 *   future  rate over [now + h, now + h + w): replicas started now are ready
 *           at now + h, and the next decision's at now + w + h, so this
 *           window is exactly the one this decision provisions for;
 *   ramp    rate over [now, now + h): only the replicas there now serve it,
 *           and a count removed now cannot come back before now + w + h,
 *           so the decision never goes below what the ramp needs.
 * Each rate is sized to slots c (the service time S per slot):
 *   slo_s = 0   c = ceil(rate x S / target_utilization), the fluid bound
 *               ceil(lambda/mu) at the default target 1;
 *   slo_s > 0   the erlang-c policy's M/M/c rule (qtheory), so the two
 *               differ only in knowing the future: the fewest c > a with
 *               P(Wq > slo_s - s_p) <= 1 - p, s_p = -ln(1 - p) S (the
 *               exponential service quantile), and never below the fluid
 *               c; the fluid c alone when s_p > slo_s.
 * desired = ceil(max(c_future, c_ramp) / concurrency). Nothing due within
 * h + w sizes to 0 (scale to zero), except that a function with work left
 * (held at zero, or queued or in service at the last scrape) keeps one
 * replica so no message is stranded.
 * S: mon_service_time over service_window_s when it has completions (with
 * service_time = measured, the default: it includes per-byte terms and
 * stragglers), else the configured mean the engine passes in the view.
 * Limits, documented rather than hidden: the actuation delay is not in the
 * view, so h is the cold start alone (the delay defaults to 0); the rate is
 * what the sources append times the mean routing gains, without the
 * connector's batching or upstream delays; a window straddling a step is
 * sized for its average; a window past the engine's horizon is clamped to
 * it (the reason says so). State: the interval and each function's parameters.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "monitor.h"
#include "policy.h"
#include "qtheory.h"

enum { P_TARGET_UTIL, P_SLO, P_PERCENTILE, P_SERVICE, P_SERVICE_WINDOW, P_N };
enum { SVC_MEASURED, SVC_TRUTH };

static const struct param_def oracle_params[P_N] = {
	[P_TARGET_UTIL] = {
		.name = "target_utilization", .type = PARAM_NUM, .def = 1.0,
		.min = 0.01, .max = 1,
		.help = "offered load per slot; 1 gives the bare ceil(lambda/mu) "
			"lower bound (no real system: the oracle is a baseline)",
	},
	[P_SLO] = {
		.name = "slo_s", .type = PARAM_NUM, .def = 0, .min = 0, .max = 1e6,
		.help = "0: fluid sizing; > 0: per-function latency target (s) met "
			"at `percentile` by the erlang-c policy's M/M/c rule",
	},
	[P_PERCENTILE] = {
		.name = "percentile", .type = PARAM_NUM, .def = 0.95,
		.min = 0.01, .max = 0.9999,
		.help = "quantile at which slo_s holds (as erlang-c)",
	},
	[P_SERVICE] = {
		.name = "service_time", .type = PARAM_ENUM, .def = SVC_MEASURED,
		.choices = "measured|truth",
		.help = "measured: mon_service_time when the window has "
			"completions, else the configured mean; truth: always the "
			"configured mean",
	},
	[P_SERVICE_WINDOW] = {
		.name = "service_window_s", .type = PARAM_NUM, .def = 60,
		.min = 1, .max = 86400,
		.help = "window of the measured mean service time",
	},
};

struct ofn {
	double util, slo, pct, window;
	int service;
};

struct oracle {
	double interval;
	int nfn;
	struct ofn fn[];
};

static void *oracle_init(const struct policy_ctx *ctx, struct err *e)
{
	if (ctx->nfn < 0 || !(ctx->interval > 0)) {
		err_set(e, ERR_INTERNAL, "%d functions, interval %g",
			ctx->nfn, ctx->interval);
		return NULL;
	}
	for (int i = 0; i < ctx->nfn; i++) {
		const union param_val *p = ctx->params[i];
		double u = p[P_TARGET_UTIL].num, q = p[P_PERCENTILE].num;
		if (!(u > 0 && u <= 1) || !(p[P_SLO].num >= 0) ||
		    !(q > 0 && q < 1) || !(p[P_SERVICE_WINDOW].num > 0)) {
			err_set(e, ERR_INPUT, "function %d (%s): "
				"target_utilization %g (0..1], slo_s %g (>= 0), "
				"percentile %g (0..1) or service_window_s %g (> 0) "
				"out of range", i,
				ctx->fn[i].name ? ctx->fn[i].name : "?", u,
				p[P_SLO].num, q, p[P_SERVICE_WINDOW].num);
			return NULL;
		}
	}
	struct oracle *s = malloc(sizeof *s + sizeof s->fn[0] * (size_t)ctx->nfn);
	if (!s) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	s->interval = ctx->interval;
	s->nfn = ctx->nfn;
	for (int i = 0; i < ctx->nfn; i++) {
		const union param_val *p = ctx->params[i];
		s->fn[i] = (struct ofn){
			.util = p[P_TARGET_UTIL].num, .slo = p[P_SLO].num,
			.pct = p[P_PERCENTILE].num,
			.window = p[P_SERVICE_WINDOW].num,
			.service = (int)p[P_SERVICE].num,
		};
	}
	return s;
}

static void oracle_fini(void *state)
{
	free(state);
}

/* x as a count, saturating; the slack absorbs rounding in rate x S (a
 * rate of exactly 10/s at 0.5 s is 5 slots, not 6). */
static long ceil_count(double x)
{
	if (!(x > 1e-9))
		return 0;
	if (!(x < 1e9))
		return 1000000000;
	return (long)ceil(x - 1e-9);
}

static int slo_met(long c, double lambda, double mu, double budget, double p)
{
	return qt_mmc_wait_tail((int)c, lambda, mu, budget) <= 1 - p;
}

/* Slots for `rate` at service time st; *met = 0 when the SLO rule could not
 * be met within cap (or is infeasible). */
static long size_slots(double rate, double st, const struct ofn *p,
		       long cap, int *met)
{
	*met = 1;
	long fluid = ceil_count(rate * st / p->util);
	double slo = p->slo, q = p->pct;
	if (!(slo > 0) || fluid == 0)
		return fluid;
	double mu = 1 / st, sp = -log(1 - q) * st, budget = slo - sp;
	if (budget < 0) {
		*met = 0;
		return fluid;
	}
	/* the tail falls with c once c > a: double, then bisect */
	long lo = (long)floor(rate * st) + 1;
	if (lo > cap)
		lo = cap;
	long good = lo, bad = lo - 1;
	while (!slo_met(good, rate, mu, budget, q)) {
		if (good >= cap) {
			*met = 0;
			return fluid > cap ? fluid : cap;
		}
		bad = good;
		good = good * 2 < cap ? good * 2 : cap;
	}
	while (good - bad > 1) {
		long mid = bad + (good - bad) / 2;
		if (slo_met(mid, rate, mu, budget, q))
			good = mid;
		else
			bad = mid;
	}
	return good > fluid ? good : fluid;
}

static void decide_one(const struct oracle *s, const struct scale_view *v,
		       int fn, struct scale_decision *d)
{
	const struct fn_view *f = &v->fn[fn];
	const struct ofn *p = &s->fn[fn];
	const struct oracle_view *o = v->oracle;
	if (!o || !o->rate) {
		policy_say(d, "oracle: no ground truth in the view (the engine "
		    "gives it only to policies with lookahead > 0): keep");
		return;
	}
	double now = v->now, h = f->cold_start_s > 0 ? f->cold_start_s : 0;
	double w = s->interval;
	int measured = 0;
	double st = 0;
	if (p->service == SVC_MEASURED && v->mon)
		st = mon_service_time(v->mon, fn,
				      fmax(p->window, mon_interval(v->mon)));
	if (st > 0)
		measured = 1;
	else if (o->service_mean)
		st = o->service_mean[fn];
	if (!(st > 0) || !isfinite(st)) {
		policy_say(d, "oracle: no service time (measured or configured): "
		    "keep");
		return;
	}
	double rf = o->rate(o->ctx, fn, now + h, now + h + w);
	double rr = h > 0 ? o->rate(o->ctx, fn, now, now + h) : 0;
	policy_observe(d, "rate_future", rf);
	policy_observe(d, "rate_ramp", rr);
	policy_observe(d, "service_s", st);
	policy_observe(d, "service_measured", measured);
	policy_observe(d, "lead_s", h);
	policy_observe(d, "window_s", w);
	if (isnan(rf)) {
		policy_say(d, "oracle: [now+%gs, now+%gs) is past the %gs "
		    "horizon: keep", h, h + w, o->horizon_s);
		return;
	}
	if (isnan(rr))
		rr = 0;
	int conc = f->concurrency > 0 ? f->concurrency : 1;
	long cap = f->max_replicas > 0 ? (long)f->max_replicas * conc : conc;
	if (cap > 1000000000)
		cap = 1000000000;
	int met_f, met_r;
	long cf = size_slots(rf, st, p, cap, &met_f);
	long cr = size_slots(rr, st, p, cap, &met_r);
	long slots = cf > cr ? cf : cr;
	long reps = (slots + conc - 1) / conc;
	policy_observe(d, "slots_future", (double)cf);
	policy_observe(d, "slots_ramp", (double)cr);
	policy_say(d, "oracle: [now+%gs, now+%gs) %.4g/s, S %.4gs%s -> %ld "
	    "slots; ramp %.4g/s -> %ld", h, h + w, rf, st,
	    measured ? "" : " (conf)", cf, rr, cr);
	if (h + w > o->horizon_s)
		policy_say(d, " (clamped to %gs horizon)", o->horizon_s);
	if (p->slo > 0 && !(met_f && met_r))
		policy_say(d, " (slo %gs not met)", p->slo);
	if (reps == 0) {
		int zero = f->ready + f->pending == 0;
		double left = zero ? (double)f->held_at_zero
			      : v->mon ? mon_last(v->mon, fn, MON_QUEUE) +
					 mon_last(v->mon, fn, MON_INFLIGHT) : 0;
		if (left > 0) {
			policy_say(d, "; nothing due, %.0f left -> 1", left);
			reps = 1;
		} else {
			policy_say(d, "; nothing due within %gs -> 0", h + w);
		}
	} else {
		policy_say(d, " -> %ld", reps);
	}
	policy_observe(d, "replicas", (double)reps);
	d->desired = reps > 1000000000 ? 1000000000 : (int)reps;
}

static void oracle_decide(void *state, const struct scale_view *v,
			  struct scale_decision *out)
{
	const struct oracle *s = state;
	for (int i = 0; i < v->nfn && i < s->nfn; i++)
		if (v->fn[i].managed)
			decide_one(s, v, i, &out[i]);
}

const struct policy policy_oracle = {
	.name = "oracle",
	.help = "knows future arrivals: sizes each function for the actual "
		"rate one cold-start time ahead, ceil(lambda x S / "
		"target_utilization) or M/M/c with slo_s; a lower bound for "
		"comparisons, not a realizable policy (it reads the future)",
	.params = oracle_params,
	.nparams = P_N,
	.interval_s = 15,
	.wake_from_zero = 1,
	.init = oracle_init,
	.decide = oracle_decide,
	.fini = oracle_fini,
	.lookahead = 120,
};
