/*
 * dhalion: Dhalion (Floratou et al., VLDB'17) as Heron ships it, the
 * DynamicResourceAllocationPolicy of apache/incubator-heron
 * heron/healthmgr (policy/, sensors/, detectors/, diagnosers/, resolvers/)
 * run by Microsoft Dhalion's PoliciesExecutor / HealthPolicyImpl.
 *
 * Each decision is one execution of the policy:
 *   0. after a scale action the whole policy is paused for wait_s
 *      (conf_post_action_wait_interval_min, 180000 ms: setOneTimeDelay);
 *      it runs again at the first decision with now >= action + wait_s;
 *   1. sensors, over the last window_s (BaseSensor's 300-s duration):
 *      backpressure in ms per second (BackPressureSensor: the stream
 *      manager's time in backpressure / the window, capped at 1000) and
 *      the mean wait-queue size;
 *   2. detectors: backpressure > backpressure_threshold_ms
 *      (BackPressureDetector.noiseFilterMillis, 20); processing-rate skew,
 *      max > skew_ratio x min of the per-instance mean execution counts
 *      (ProcessingRateSkewDetector, 1.5); wait-queue skew, the same on
 *      queue sizes with queue_skew_ratio (WaitQueueSkewDetector, formerly
 *      WaitQueueDisparityDetector, 20); large wait queue, mean queue >
 *      large_queue (LargeWaitQueueDetector.limit, 1000; no diagnoser reads
 *      it, so it is reported only);
 *   3. diagnosers, for the backpressured function: under-provisioning (no
 *      rate skew, no queue skew), slow instance (queue skew without rate
 *      skew; instances with queue > max/2), data skew (both; instances
 *      with queue > max/2 and executions > max/1.1);
 *   4. resolver: data skew, then slow instance, have none (Heron only
 *      logs); under-provisioning runs ScaleUpResolver:
 *        bp = min(999, backpressure ms/s), f = min(4, bp / (1000 - bp)),
 *        p' = ceil(p (1 + f)).
 *      It scales one function; any change starts the pause of step 0.
 * Mapping to spate: MON_BACKPRESSURE_TIME is the time some sender (an
 * upstream slot or a partition) was blocked on the function's queue, so
 * 1000 x its rate over the window is Heron's ms per second; it accrues only
 * for a bounded queue (queue_capacity >= 0) with on_full "block". Heron
 * charges backpressure to the instance that initiates it (a stream manager
 * stops the spouts, upstream bolts drain). In spate blocking propagates: a
 * function whose slots are held by a full child fills its own queue and
 * blocks its senders too. Such a function is a victim, not an initiator,
 * and is never scaled while a child of it is backpressured: the initiators
 * are the backpressured functions with no backpressured child, which is
 * the component Heron's metric names. Heron's diagnosers reject two
 * backpressured components (IllegalStateException "Multiple back-pressure
 * symptoms case", which ends the executor); spate takes the initiator with
 * the most backpressure, ties to the lower index. Functions at
 * max_replicas or with no replica are not candidates (Heron has no bounds
 * and no scale from zero). p is the current target (Heron's packing-plan
 * instances). The pause and wait_s are policy-wide, as in Heron.
 * Not observable: per-instance execution counts and queue sizes. spate
 * dispatches from one FIFO per function and the monitor keeps no
 * per-replica counters, so both skew detectors see no instances and find
 * no skew; every diagnosis is under-provisioning ("skew not observable").
 * The detectors and diagnosers are complete and run on whatever
 * instances_of() returns, so per-replica completions and queue lengths in
 * the monitor make slow-instance and data-skew diagnoses reachable.
 * State: per-function detector results in arrays sized at init, the pause
 * deadline and the last action; a decision never allocates.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "monitor.h"
#include "policy.h"

enum {
	P_THRESHOLD,
	P_WINDOW,
	P_WAIT,
	P_RATE_SKEW,
	P_QUEUE_SKEW,
	P_LARGE_QUEUE,
	P_N
};

static const struct param_def dhalion_params[P_N] = {
	[P_THRESHOLD] = {
		.name = "backpressure_threshold_ms", .type = PARAM_NUM,
		.def = 20, .min = 0, .max = 1000,
		.help = "backpressure symptom above this many ms per second "
			"(BackPressureDetector.noiseFilterMillis, default 20)",
	},
	[P_WINDOW] = {
		.name = "window_s", .type = PARAM_NUM, .def = 300,
		.min = 1, .max = 86400,
		.help = "metrics window of the sensors (BaseSensor "
			"DEFAULT_METRIC_DURATION 300 s, <Sensor>.duration); keep "
			"monitor.retention_s above it",
	},
	[P_WAIT] = {
		.name = "wait_s", .type = PARAM_NUM, .def = 180,
		.min = 0, .max = 86400,
		.help = "pause of the whole policy after a scale action "
			"(DynamicResourceAllocationPolicy."
			"conf_post_action_wait_interval_min, 180000 ms); "
			"policy-wide",
	},
	[P_RATE_SKEW] = {
		.name = "skew_ratio", .type = PARAM_NUM, .def = 1.5,
		.min = 1, .max = 1e9,
		.help = "processing-rate skew when the busiest instance executes "
			"more than this x the idlest "
			"(ProcessingRateSkewDetector.skewRatio, 1.5); per-instance "
			"counts are not observable in spate yet",
	},
	[P_QUEUE_SKEW] = {
		.name = "queue_skew_ratio", .type = PARAM_NUM, .def = 20,
		.min = 1, .max = 1e9,
		.help = "wait-queue skew when the largest instance queue exceeds "
			"this x the smallest (WaitQueueSkewDetector.skewRatio, 20); "
			"per-instance queues are not observable in spate yet",
	},
	[P_LARGE_QUEUE] = {
		.name = "large_queue", .type = PARAM_NUM, .def = 1000,
		.min = 0, .max = 1e15,
		.help = "large-wait-queue symptom when the mean queue exceeds "
			"this (LargeWaitQueueDetector.limit, 1000); reported only, "
			"no Heron diagnoser uses it",
	},
};

enum diagnosis { DG_NONE, DG_UNDER, DG_SLOW, DG_DATA_SKEW };

struct dh_fn {
	double threshold, window, rate_skew, queue_skew, large_queue;
	/* this execution's sensors and symptoms */
	double bp;          /* ms of backpressure per second */
	double queue;       /* mean queue over the window */
	int bp_symptom;
	int blamed_child;   /* a backpressured child, or -1 */
};

struct dhalion {
	int nfn;
	double wait;
	int acted;          /* some action happened */
	double paused_until, acted_at;
	int acted_fn;
	struct dh_fn fn[];
};

/* Per-instance means of one function over the window; n = 0 when the
 * monitor has none. */
struct instances {
	int n;
	const double *exec;    /* executions per instance */
	const double *queue;   /* wait-queue size per instance */
};

static const char *fname(const struct fn_view *f)
{
	return f->name ? f->name : "?";
}

static void dhalion_fini(void *state)
{
	free(state);
}

static void *dhalion_init(const struct policy_ctx *ctx, struct err *e)
{
	if (ctx->nfn < 0) {
		err_set(e, ERR_INTERNAL, "%d functions", ctx->nfn);
		return NULL;
	}
	struct dhalion *s = calloc(1, sizeof *s +
				   sizeof s->fn[0] * (size_t)ctx->nfn);
	if (!s) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	s->nfn = ctx->nfn;
	s->wait = dhalion_params[P_WAIT].def;
	s->acted_fn = -1;
	for (int i = 0; i < ctx->nfn; i++) {
		const union param_val *p = ctx->params[i];
		const struct fn_view *f = &ctx->fn[i];
		struct dh_fn *h = &s->fn[i];
		*h = (struct dh_fn){
			.threshold = p[P_THRESHOLD].num,
			.window = p[P_WINDOW].num,
			.rate_skew = p[P_RATE_SKEW].num,
			.queue_skew = p[P_QUEUE_SKEW].num,
			.large_queue = p[P_LARGE_QUEUE].num,
			.blamed_child = -1,
		};
		double wait = p[P_WAIT].num;
		if (!(h->threshold >= 0) || !(h->window > 0) || !(wait >= 0) ||
		    !(h->rate_skew >= 1) || !(h->queue_skew >= 1) ||
		    !(h->large_queue >= 0)) {
			err_set(e, ERR_INPUT, "function %d (%s): "
				"backpressure_threshold_ms %g, window_s %g, wait_s "
				"%g, skew_ratio %g, queue_skew_ratio %g or "
				"large_queue %g out of range", i, fname(f),
				h->threshold, h->window, wait, h->rate_skew,
				h->queue_skew, h->large_queue);
			free(s);
			return NULL;
		}
		/* the pause belongs to the policy, not to a function */
		if (i > 0 && wait != s->wait) {
			err_set(e, ERR_INPUT, "function %d (%s): wait_s "
				"%g differs from %g; it is policy-wide", i,
				fname(f), wait, s->wait);
			free(s);
			return NULL;
		}
		s->wait = wait;
		if (f->nchildren < 0 || (f->nchildren > 0 && !f->children)) {
			err_set(e, ERR_INTERNAL, "function %d (%s): %d "
				"children", i, fname(f), f->nchildren);
			free(s);
			return NULL;
		}
		for (int k = 0; k < f->nchildren; k++)
			if (f->children[k] < 0 || f->children[k] >= ctx->nfn) {
				err_set(e, ERR_INTERNAL, "function %d "
					"(%s): child index %d out of range", i,
					fname(f), f->children[k]);
				free(s);
				return NULL;
			}
	}
	return s;
}

/*
 * The per-instance execution counts and wait-queue sizes Heron's
 * ExecuteCountSensor and BufferSizeSensor read. spate has one queue per
 * function and no per-replica counters in the monitor: none to report.
 * Per-replica completions and per-replica queue lengths (with a dispatch
 * that gives replicas their own queues) would be read here.
 */
static struct instances instances_of(const struct mon *m, int fn,
				     double window)
{
	return (struct instances){.n = 0};
}

/* SkewDetector: the largest instance mean exceeds ratio x the smallest
 * (strictly). The minimum starts at DBL_MAX, as Heron's does. */
static int skewed(const double *v, int n, double ratio, double *max)
{
	double hi = 0, lo = DBL_MAX;
	for (int i = 0; i < n; i++) {
		if (v[i] > hi)
			hi = v[i];
		if (v[i] < lo)
			lo = v[i];
	}
	*max = hi;
	return n > 0 && hi > ratio * lo;
}

/* The three diagnosers for a backpressured function, in the order the
 * policy's executeResolvers weighs them (data skew, slow instance,
 * under-provisioning). DG_NONE: skew without a diagnosis (rate skew only,
 * or data skew with no instance matching both conditions). */
static enum diagnosis diagnose(const struct instances *in,
			       const struct dh_fn *h)
{
	double emax = 0, qmax = 0;
	int rate = skewed(in->exec, in->n, h->rate_skew, &emax);
	int queue = skewed(in->queue, in->n, h->queue_skew, &qmax);
	if (!rate && !queue)
		return DG_UNDER;
	if (!queue)
		return DG_NONE;
	for (int i = 0; i < in->n; i++) {
		int big_queue = qmax < 2 * in->queue[i];
		if (!rate && big_queue)
			return DG_SLOW;
		if (rate && big_queue && emax < 1.1 * in->exec[i])
			return DG_DATA_SKEW;
	}
	return DG_NONE;
}

/* ceil that forgives the rounding of rates computed from deltas, so that an
 * exact 2 x 2 measured as 4.000000000001 stays 4. */
static double ceil_tol(double x)
{
	return ceil(x - 1e-9 * fmax(1, fabs(x)));
}

/* ScaleUpResolver.computeScaleUpFactor; returns p' and f. */
static double scale_up(int p, double bp_ms, double *f)
{
	double bp = bp_ms >= 1000 ? 999 : bp_ms;
	*f = bp / (1000 - bp);
	if (*f > 4)
		*f = 4;     /* scale-up fencing: at most 5x */
	return ceil_tol(p * (1 + *f));
}

/* Sensors and detectors of one function. */
static void sense(struct dh_fn *h, const struct mon *m, int i)
{
	double window = fmax(h->window, mon_interval(m));
	h->bp = 1000 * mon_rate(m, i, MON_BACKPRESSURE_TIME, window);
	if (h->bp > 1000)
		h->bp = 1000;
	if (!(h->bp >= 0))
		h->bp = 0;
	h->queue = mon_avg(m, i, MON_QUEUE, window);
	h->bp_symptom = h->bp > h->threshold;
	h->blamed_child = -1;
}

static void say_queue(const struct dh_fn *h, struct scale_decision *d)
{
	if (h->queue > h->large_queue)
		policy_say(d, "; large wait queue %.0f > %g (no diagnoser uses it)",
		    h->queue, h->large_queue);
}

/* The chosen function: diagnosis and, for under-provisioning, ScaleUp.
 * Returns 1 when it changed the count. */
static int resolve(const struct dh_fn *h, const struct fn_view *f,
		   const struct instances *in, int ninit,
		   struct scale_decision *d)
{
	switch (diagnose(in, h)) {
	case DG_DATA_SKEW:
		policy_say(d, "data skew (backpressure %.1f ms/s): no resolver in "
		    "Heron, keep", h->bp);
		return 0;
	case DG_SLOW:
		policy_say(d, "slow instance (backpressure %.1f ms/s): no resolver "
		    "in Heron, keep", h->bp);
		return 0;
	case DG_NONE:
		policy_say(d, "backpressure %.1f ms/s with skew but no diagnosis: "
		    "keep", h->bp);
		return 0;
	case DG_UNDER:
		break;
	}
	double fac;
	double want = scale_up(f->target, h->bp, &fac);
	policy_observe(d, "f", fac);
	policy_observe(d, "scale_up", want);
	policy_say(d, "under-provisioning%s: backpressure %.1f ms/s -> "
	    "f %.4g, ceil(%d x %.4g) = %.0f", in->n > 0 ? "" :
	    " (skew not observable)", h->bp, fac, f->target, 1 + fac, want);
	int desired;
	if (want > f->max_replicas) {
		desired = f->max_replicas;
		policy_say(d, "; max_replicas -> %d", desired);
	} else if (want < f->min_replicas) {
		desired = f->min_replicas;
		policy_say(d, "; min_replicas -> %d", desired);
	} else {
		desired = (int)want;
	}
	if (ninit > 1)
		policy_say(d, "; most backpressure of %d initiators", ninit);
	if (desired == f->target)
		return 0;
	d->desired = desired;
	return 1;
}

static void dhalion_decide(void *state, const struct scale_view *v,
			   struct scale_decision *out)
{
	struct dhalion *s = state;
	int n = v->nfn < s->nfn ? v->nfn : s->nfn;
	const struct mon *m = v->mon;

	if (s->acted && v->now < s->paused_until - 1e-9) {
		const char *who = s->acted_fn < n ? fname(&v->fn[s->acted_fn])
						  : "?";
		for (int i = 0; i < n; i++)
			if (v->fn[i].managed) {
				policy_say(&out[i], "post-action wait: paused until "
				    "t=%g (%s scaled at t=%g)", s->paused_until,
				    who, s->acted_at);
				policy_observe(&out[i], "wait_left_s",
				    s->paused_until - v->now);
			}
		return;
	}
	if (!m || mon_last_time(m) < 0) {
		for (int i = 0; i < n; i++)
			if (v->fn[i].managed)
				policy_say(&out[i], "no metrics yet");
		return;
	}

	for (int i = 0; i < n; i++)
		sense(&s->fn[i], m, i);
	/* initiators: backpressured, with no backpressured child */
	int best = -1, ninit = 0;
	for (int i = 0; i < n; i++) {
		struct dh_fn *h = &s->fn[i];
		const struct fn_view *f = &v->fn[i];
		if (!h->bp_symptom)
			continue;
		for (int k = 0; k < f->nchildren && h->blamed_child < 0; k++) {
			int c = f->children[k];
			if (c >= 0 && c < n && s->fn[c].bp_symptom)
				h->blamed_child = c;
		}
		if (h->blamed_child >= 0)
			continue;
		ninit++;
		if (!f->managed || f->target <= 0 ||
		    f->target >= f->max_replicas)
			continue;
		if (best < 0 || h->bp > s->fn[best].bp)
			best = i;
	}

	for (int i = 0; i < n; i++) {
		const struct dh_fn *h = &s->fn[i];
		const struct fn_view *f = &v->fn[i];
		struct scale_decision *d = &out[i];
		if (!f->managed)
			continue;
		policy_observe(d, "backpressure_ms", h->bp);
		policy_observe(d, "queue", h->queue);
		policy_observe(d, "initiator",
			       h->bp_symptom && h->blamed_child < 0);
		if (i == best) {
			struct instances in = instances_of(m, i, h->window);
			if (resolve(h, f, &in, ninit, d)) {
				s->acted = 1;
				s->acted_at = v->now;
				s->acted_fn = i;
				s->paused_until = v->now + s->wait;
			}
		} else if (!h->bp_symptom) {
			policy_say(d, "backpressure %.1f ms/s <= %g: healthy",
			    h->bp, h->threshold);
		} else if (h->blamed_child >= 0) {
			policy_say(d, "backpressure %.1f ms/s caused by backpressured "
			    "child %s: not the initiator, keep", h->bp,
			    fname(&v->fn[h->blamed_child]));
		} else if (f->target <= 0) {
			policy_say(d, "backpressure %.1f ms/s with no replica: "
			    "ScaleUp has nothing to multiply (no scale from zero)",
			    h->bp);
		} else if (f->target >= f->max_replicas) {
			policy_say(d, "backpressure %.1f ms/s at max_replicas %d: "
			    "keep", h->bp, f->max_replicas);
		} else {
			policy_say(d, "backpressure %.1f ms/s: one function per "
			    "round, %s (%.1f ms/s) goes first", h->bp,
			    fname(&v->fn[best]), s->fn[best].bp);
		}
		say_queue(h, d);
	}
}

const struct policy policy_dhalion = {
	.name = "dhalion",
	.help = "Dhalion (Floratou et al., VLDB'17) as Heron's "
		"DynamicResourceAllocationPolicy: the function initiating the "
		"most backpressure (ms/s over 300 s) is diagnosed under-"
		"provisioned and scaled to ceil(p(1 + min(4, bp/(1000-bp)))), "
		"one function per round, then a 180-s pause; never scales down "
		"or from zero. Backpressure needs a bounded queue "
		"(queue_capacity >= 0) with on_full \"block\": with \"drop\" "
		"Dhalion never acts. Per-replica skew is not observable yet",
	.params = dhalion_params,
	.nparams = P_N,
	.interval_s = 60,
	.init = dhalion_init,
	.decide = dhalion_decide,
	.fini = dhalion_fini,
};
