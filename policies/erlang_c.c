/*
 * erlang-c: the M/M/c sizing baseline (policies.md section 10): each function
 * is an M/M/c queue whose servers are its slots (replicas x concurrency),
 * sized to the smallest c that meets a latency SLO at a percentile.
 *
 * With lambda the offered load (arrivals per second over window_s; for a
 * function fed by partitions, the larger of that and the rate appended to
 * them, since a consumer that falls behind takes in less than is offered),
 * mu = 1 / mean service time per slot (mon_service_time) and a = lambda/mu:
 *   C(c, a)  Erlang C, P(wait) (qt_erlang_c)
 *   w_p      = max(0, ln(C / (1 - p)) / (c mu - lambda)), the p-quantile of
 *              the wait, from P(Wq > t) = C e^{-(c mu - lambda) t}
 *   s_p      = -ln(1 - p) / mu, the p-quantile of an exponential service
 *   c*       = min c with w_p + s_p <= slo_latency_s, and a/c <=
 *              max_utilization (a margin for the error of the estimates)
 * The sum of the two quantiles bounds the sojourn quantile from above, so the
 * size is conservative. When s_p alone exceeds the SLO no c meets it; the
 * policy then sizes for the utilization cap alone and says so.
 * w_p falls monotonically in c once c > a, so c* is found by doubling and
 * bisection: O(log c) Erlang C evaluations of O(c) each.
 * The replica count is ceil(c* / concurrency). No arrivals: the model needs
 * no server, so the wish is 0 and the engine's clamp gives min_replicas; a
 * request held at zero wakes the policy, and the held requests count as
 * load over the window, so a function at zero is brought back. mu is
 * remembered from the last window with completions, since a function with
 * no replica completes nothing; without any measurement yet, the count is
 * kept (or set to one replica from zero).
 * Not modelled: the service-time distribution (the monitor has latency
 * quantiles, which include queueing, but no service-time histogram), so the
 * service quantile is the exponential one.
 * State: per-function parameters and the last measured mu.
 */
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
	P_WINDOW,
	P_MAX_UTIL,
	P_N
};

static const struct param_def erlang_params[P_N] = {
	[P_SLO] = {
		.name = "slo_latency_s", .type = PARAM_NUM, .def = 1,
		.min = 1e-6, .max = 1e6,
		.help = "latency target (s) of one function: wait + service at "
			"the percentile",
	},
	[P_PERCENTILE] = {
		.name = "percentile", .type = PARAM_NUM, .def = 0.95,
		.min = 0.01, .max = 0.9999,
		.help = "quantile p at which the SLO holds",
	},
	[P_WINDOW] = {
		.name = "window_s", .type = PARAM_NUM, .def = 60,
		.min = 1, .max = 86400,
		.help = "window of the arrival rate and the mean service time",
	},
	[P_MAX_UTIL] = {
		.name = "max_utilization", .type = PARAM_NUM, .def = 0.95,
		.min = 0.01, .max = 1,
		.help = "cap on a/c (the headroom); the only rule when the SLO is "
			"infeasible (service quantile alone above it)",
	},
};

struct erl_fn {
	double slo, p, window, max_util;
	double mu;          /* last measured service rate per slot; 0: none */
};

struct erl {
	int nfn;
	struct erl_fn fn[];
};

static void *erl_init(const struct policy_ctx *ctx, struct err *e)
{
	if (ctx->nfn < 0) {
		err_set(e, ERR_INTERNAL, "%d functions", ctx->nfn);
		return NULL;
	}
	struct erl *s = calloc(1, sizeof *s + sizeof s->fn[0] * (size_t)ctx->nfn);
	if (!s) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	s->nfn = ctx->nfn;
	for (int i = 0; i < ctx->nfn; i++) {
		const union param_val *p = ctx->params[i];
		struct erl_fn *h = &s->fn[i];
		*h = (struct erl_fn){
			.slo = p[P_SLO].num, .p = p[P_PERCENTILE].num,
			.window = p[P_WINDOW].num, .max_util = p[P_MAX_UTIL].num,
		};
		if (!(h->slo > 0) || !(h->p > 0 && h->p < 1) ||
		    !(h->window > 0) || !(h->max_util > 0 && h->max_util <= 1)) {
			err_set(e, ERR_INPUT, "function %d (%s): "
				"slo_latency_s %g (> 0), percentile %g (0..1), "
				"window_s %g (> 0) or max_utilization %g (0..1] out "
				"of range", i,
				ctx->fn[i].name ? ctx->fn[i].name : "?", h->slo,
				h->p, h->window, h->max_util);
			free(s);
			return NULL;
		}
	}
	return s;
}

static void erl_fini(void *state)
{
	free(state);
}

/* p-quantile of the M/M/c wait (0 when P(wait) <= 1 - p), and P(wait). */
static double wait_quantile(int c, double lambda, double mu, double p,
			    double *pwait)
{
	*pwait = qt_erlang_c(c, lambda / mu);
	return qt_mmc_wait_quantile(c, lambda, mu, p);
}

static int to_int(double x)
{
	if (!(x < 1e9))
		return 1000000000;
	return x > 0 ? (int)x : 0;
}

static void decide_one(struct erl_fn *h, const struct fn_view *f,
		       const struct mon *m, int fn, struct scale_decision *d)
{
	int conc = f->concurrency > 0 ? f->concurrency : 1;
	int at_zero = f->ready + f->pending == 0;
	if (!m || mon_count(m, INFINITY) < 2) {
		if (at_zero && f->held_at_zero > 0) {
			policy_say(d, "erlang-c: no metrics yet, %ld held at zero -> 1",
			    f->held_at_zero);
			d->desired = 1;
		} else {
			policy_say(d, "erlang-c: no metrics yet");
		}
		return;
	}
	double window = fmax(h->window, mon_interval(m));
	double lambda = mon_rate(m, fn, MON_ARRIVALS, window);
	double appends = mon_rate(m, fn, MON_SOURCE_APPENDS, window);
	if (appends > lambda)
		lambda = appends;
	if (at_zero && (double)f->held_at_zero / window > lambda)
		lambda = (double)f->held_at_zero / window;  /* held = load */
	double st = mon_service_time(m, fn, window);
	if (st > 0)
		h->mu = 1 / st;
	policy_observe(d, "lambda", lambda);
	policy_observe(d, "mu", h->mu);
	if (!(lambda > 0)) {
		policy_say(d, "erlang-c: no arrivals in %gs -> 0", window);
		d->desired = 0;
		return;
	}
	if (!(h->mu > 0)) {
		if (f->target == 0) {
			policy_say(d, "erlang-c: lambda %.4g/s, no service time yet: "
			    "0 -> 1", lambda);
			d->desired = 1;
		} else {
			policy_say(d, "erlang-c: lambda %.4g/s, no service time "
			    "measured yet: keep", lambda);
		}
		return;
	}
	double mu = h->mu, a = lambda / mu;
	double sp = -log(1 - h->p) / mu;
	/* c > a for a steady state, and a/c <= max_utilization */
	double cu = fmax(floor(a) + 1, ceil(a / h->max_util - 1e-9));
	int c_util = to_int(cu);
	policy_observe(d, "a", a);
	policy_observe(d, "s_p", sp);
	int c;
	if (sp > h->slo) {
		c = c_util;
		policy_say(d, "erlang-c: SLO infeasible, service p%g %.4gs > %gs; "
		    "a %.4g, utilization <= %g -> c %d", h->p * 100, sp, h->slo,
		    a, h->max_util, c);
	} else {
		/* the answer past max_replicas would be clamped anyway */
		double cap = fmin((double)f->max_replicas * conc, 1e9);
		int met, c_slo = qt_mmc_min_servers(to_int(floor(a) + 1),
					    to_int(fmax(cap, 1)), lambda, mu,
					    h->p, h->slo - sp, &met);
		c = c_slo > c_util ? c_slo : c_util;
		double pw, wp = wait_quantile(c, lambda, mu, h->p, &pw);
		policy_observe(d, "C", pw);
		policy_observe(d, "w_p", wp);
		policy_observe(d, "c_slo", c_slo);
		policy_say(d, "erlang-c: lambda %.4g/s, mu %.4g/s, a %.4g: c %d, "
		    "C %.4f, w_p %.4gs + s_p %.4gs %s %gs", lambda, mu, a, c,
		    pw, wp, sp, met ? "<=" : ">", h->slo);
		if (!met)
			policy_say(d, " (not met within max_replicas)");
		if (c > c_slo)
			policy_say(d, " (SLO alone: %d; utilization <= %g)", c_slo,
			    h->max_util);
	}
	int reps = to_int(ceil((double)c / conc));
	policy_observe(d, "c", c);
	policy_observe(d, "replicas", reps);
	if (conc > 1)
		policy_say(d, ", %d slots/replica", conc);
	policy_say(d, " -> %d", reps);
	if (reps > f->max_replicas) {
		reps = f->max_replicas;
		policy_say(d, ", capped at max %d", reps);
	}
	d->desired = reps;
}

static void erl_decide(void *state, const struct scale_view *v,
		       struct scale_decision *out)
{
	struct erl *s = state;
	for (int i = 0; i < v->nfn && i < s->nfn; i++)
		if (v->fn[i].managed)
			decide_one(&s->fn[i], &v->fn[i], v->mon, i, &out[i]);
}

const struct policy policy_erlang_c = {
	.name = "erlang-c",
	.help = "M/M/c sizing: the smallest number of slots whose Erlang-C "
		"wait quantile plus exponential service quantile meets "
		"slo_latency_s at the percentile, under a utilization cap; "
		"lambda and mu measured over window_s",
	.params = erlang_params,
	.nparams = P_N,
	.interval_s = 15,
	.wake_from_zero = 1,
	.init = erl_init,
	.decide = erl_decide,
	.fini = erl_fini,
};
