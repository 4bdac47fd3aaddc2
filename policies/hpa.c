/*
 * hpa: the Kubernetes Horizontal Pod Autoscaler, one HPA per function.
 *
 * Each decision is one reconcile of kubernetes/kubernetes
 * pkg/controller/podautoscaler/horizontal.go, in its order:
 *   1. the first reconcile records the current scale as a recommendation;
 *   2. spec.replicas == 0 with minReplicas != 0: nothing (ScalingDisabled);
 *      current > max or < min: straight to the bound, no stabilization;
 *   3. the replica calculator (replica_calculator.go) proposes a count;
 *   4. with a behavior block: stabilization over the recommendation history
 *      (scale-up takes the minimum over its window, scale-down the maximum),
 *      then the rate policies from periodStart = current - added + deleted
 *      inside each policy period, selectPolicy, and the clamp to the bounds;
 *      without one (behavior "none"): the legacy normalizeDesiredReplicas
 *      (down-stabilization only, scale-up capped at max(2N, 4) per sync);
 *   5. a changed count is stored as a scale event (up and down kept apart,
 *      changes positive), as storeScaleEvent does.
 * Metrics map onto the HPA's source types:
 *   cpu          Resource, Utilization: the time-averaged busy slots over
 *                the time-averaged ready slots, truncated to an integer
 *                percent as GetResourceUtilizationRatio does;
 *   concurrency  Pods, AverageValue: time-averaged busy slots per ready pod;
 *   rps          Pods, AverageValue: arrival rate per ready pod;
 *   queue, lag   External, AverageValue (KEDA-style): the latest sample of
 *                the total, desired = ceil(total/target) when the total is
 *                outside tolerance of target x status replicas.
 * AverageValue quantities are milli-values, as the metrics APIs carry them.
 * Replica states: pending replicas are Pending pods, which groupPods puts
 * among the unready for every Pods-type metric (they count as 0 on a
 * scale-up, then the direction and tolerance checks are redone); draining
 * replicas carry a deletion timestamp and are ignored; status replicas are
 * ready + pending. Not modelled: pods missing metrics (every ready replica
 * reports), the CPU initialization period and initial readiness delay (the
 * view has no pod start times), several metrics per HPA, and per-direction
 * tolerances (one `tolerance` serves both).
 * State per function: the recommendation and scale-event histories of
 * policies/hpa_core.c (the behavior rules, shared with keda-kafka), each a
 * time-ordered array pruned from the front once it falls out of every window
 * that reads it, so memory stays ~window/interval entries.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hpa_core.h"
#include "monitor.h"
#include "policy.h"
#include "tseries.h"

enum hpa_metric { M_CPU, M_CONCURRENCY, M_RPS, M_QUEUE, M_LAG };
enum hpa_behavior { BEH_EXPLICIT, BEH_NONE };

enum {
	P_METRIC,
	P_TARGET_UTILIZATION,
	P_TARGET_VALUE,
	P_METRIC_WINDOW,
	P_TOLERANCE,
	P_UP_STAB,
	P_DOWN_STAB,
	P_UP_PODS,
	P_UP_PERCENT,
	P_UP_PERIOD,
	P_UP_SELECT,
	P_DOWN_PODS,
	P_DOWN_PERCENT,
	P_DOWN_PERIOD,
	P_DOWN_SELECT,
	P_BEHAVIOR,
	P_N
};

static const struct param_def hpa_params[P_N] = {
	[P_METRIC] = {
		.name = "metric", .type = PARAM_ENUM, .def = M_CPU,
		.choices = "cpu|concurrency|rps|queue|lag",
		.help = "cpu: Resource Utilization (busy/ready slots); "
			"concurrency, rps: Pods AverageValue per ready replica; "
			"queue, lag: External AverageValue (KEDA-style)",
	},
	[P_TARGET_UTILIZATION] = {
		.name = "target_utilization", .type = PARAM_NUM, .def = 0.8,
		.min = 0.01, .max = 100,
		.help = "cpu target (fraction, used as an integer percent); 0.8 is "
			"the API default (DefaultCPUUtilization = 80) that "
			"`kubectl autoscale` gets without --cpu-percent",
	},
	[P_TARGET_VALUE] = {
		.name = "target_value", .type = PARAM_NUM, .def = -1,
		.min = -1, .max = 1e12,
		.help = "AverageValue target per replica; <= 0 picks the metric's "
			"default: concurrency 0.8 x slots (the cpu default), rps "
			"200 (Knative's rps target), queue 5 (KEDA SQS queueLength), "
			"lag 10 (KEDA Kafka lagThreshold)",
	},
	[P_METRIC_WINDOW] = {
		.name = "metric_window_s", .type = PARAM_NUM, .def = 15,
		.min = 1, .max = 86400,
		.help = "window of cpu/concurrency/rps averages; 15 s: the "
			"--metric-resolution of metrics-server's released manifests "
			"(the flag's own default is 60 s)",
	},
	[P_TOLERANCE] = {
		.name = "tolerance", .type = PARAM_NUM, .def = 0.1,
		.min = 0, .max = 10,
		.help = "no change while |1 - ratio| <= tolerance "
			"(--horizontal-pod-autoscaler-tolerance)",
	},
	[P_UP_STAB] = {
		.name = "scale_up_stabilization_s", .type = PARAM_NUM, .def = 0,
		.min = 0, .max = 3600,
		.help = "scale-up uses the minimum recommendation of this window",
	},
	[P_DOWN_STAB] = {
		.name = "scale_down_stabilization_s", .type = PARAM_NUM, .def = 300,
		.min = 0, .max = 3600,
		.help = "scale-down uses the maximum recommendation of this window "
			"(--horizontal-pod-autoscaler-downscale-stabilization)",
	},
	[P_UP_PODS] = {
		.name = "scale_up_pods", .type = PARAM_INT, .def = 4,
		.min = 0, .max = 1000000,
		.help = "Pods policy: add at most this many per period; 0: no such "
			"policy",
	},
	[P_UP_PERCENT] = {
		.name = "scale_up_percent", .type = PARAM_NUM, .def = 100,
		.min = 0, .max = 1000000,
		.help = "Percent policy: grow at most this % per period (rounded "
			"up); 0: no such policy",
	},
	[P_UP_PERIOD] = {
		.name = "scale_up_period_s", .type = PARAM_NUM, .def = 15,
		.min = 1, .max = 1800,
		.help = "periodSeconds of both scale-up policies",
	},
	[P_UP_SELECT] = {
		.name = "scale_up_select", .type = PARAM_ENUM,
		.def = HPAC_SELECT_MAX,
		.choices = "max|min|disabled",
		.help = "selectPolicy: the policy allowing the largest (max) or "
			"smallest (min) change, or no scale-up",
	},
	[P_DOWN_PODS] = {
		.name = "scale_down_pods", .type = PARAM_INT, .def = 0,
		.min = 0, .max = 1000000,
		.help = "Pods policy: remove at most this many per period; 0: no "
			"such policy (the default has none)",
	},
	[P_DOWN_PERCENT] = {
		.name = "scale_down_percent", .type = PARAM_NUM, .def = 100,
		.min = 0, .max = 100,
		.help = "Percent policy: shrink at most this % per period (rounded "
			"down); 0: no such policy",
	},
	[P_DOWN_PERIOD] = {
		.name = "scale_down_period_s", .type = PARAM_NUM, .def = 15,
		.min = 1, .max = 1800,
		.help = "periodSeconds of both scale-down policies",
	},
	[P_DOWN_SELECT] = {
		.name = "scale_down_select", .type = PARAM_ENUM,
		.def = HPAC_SELECT_MAX,
		.choices = "max|min|disabled",
		.help = "selectPolicy for scale-down",
	},
	[P_BEHAVIOR] = {
		.name = "behavior", .type = PARAM_ENUM, .def = BEH_EXPLICIT,
		.choices = "explicit|none",
		.help = "explicit: spec.behavior is set (unset fields take the "
			"defaults above); none: no behavior block, the controller's "
			"legacy path (down-stabilization, scale-up <= max(2N, 4) per "
			"sync; the up-stabilization and rate parameters are ignored)",
	},
};

static const char *const metric_name[] = {
	[M_CPU] = "cpu", [M_CONCURRENCY] = "concurrency", [M_RPS] = "rps",
	[M_QUEUE] = "queue", [M_LAG] = "lag",
};


struct hpa_fn {
	int metric;
	double target;     /* cpu: integer percent; else milli-value per replica */
	double window, tolerance;
	int legacy;
	int seen;          /* the initial recommendation is recorded */
	struct hpac core;  /* behavior rules and histories */
};

struct hpa {
	int nfn;
	struct hpa_fn fn[];
};


static void rules_read(struct hpac_rules *r, const union param_val *p,
		       int pods, int percent, int period, int select, int stab)
{
	*r = (struct hpac_rules){
		.pods = (int)p[pods].num,
		.percent = p[percent].num,
		.period = p[period].num,
		.select = (int)p[select].num,
		.stab = p[stab].num,
	};
}

static int fn_setup(struct hpa_fn *h, const struct fn_view *f,
		    const union param_val *p, int idx, struct err *e)
{
	h->metric = (int)p[P_METRIC].num;
	if (h->metric < M_CPU || h->metric > M_LAG)
		return err_set(e, ERR_INPUT, "function %d (%s): metric index "
			       "%d out of range", idx, f->name ? f->name : "?",
			       h->metric);
	h->window = p[P_METRIC_WINDOW].num;
	h->tolerance = p[P_TOLERANCE].num;
	h->legacy = (int)p[P_BEHAVIOR].num == BEH_NONE;
	struct hpac_rules *up = &h->core.up, *down = &h->core.down;
	rules_read(up, p, P_UP_PODS, P_UP_PERCENT, P_UP_PERIOD, P_UP_SELECT,
		   P_UP_STAB);
	rules_read(down, p, P_DOWN_PODS, P_DOWN_PERCENT, P_DOWN_PERIOD,
		   P_DOWN_SELECT, P_DOWN_STAB);
	if (!(h->window > 0) || !(h->tolerance >= 0) || !(up->period > 0) ||
	    !(down->period > 0) || !(up->stab >= 0) || !(down->stab >= 0) ||
	    up->pods < 0 || down->pods < 0 || !(up->percent >= 0) ||
	    !(down->percent >= 0))
		return err_set(e, ERR_INPUT, "function %d (%s): a window, "
			       "period, tolerance or policy value is negative or "
			       "zero", idx, f->name ? f->name : "?");
	if (h->metric == M_CPU) {
		h->target = round(p[P_TARGET_UTILIZATION].num * 100);
		if (!(h->target >= 1))
			return err_set(e, ERR_INPUT, "function %d (%s): "
				       "target_utilization must be >= 0.01, got %g",
				       idx, f->name ? f->name : "?",
				       p[P_TARGET_UTILIZATION].num);
		return 0;
	}
	double tv = p[P_TARGET_VALUE].num;
	if (!(tv > 0)) {
		switch (h->metric) {
		case M_CONCURRENCY: tv = 0.8 * f->concurrency; break;
		case M_RPS: tv = 200; break;
		case M_QUEUE: tv = 5; break;
		default: tv = 10; break;
		}
	}
	h->target = round(tv * 1000);
	if (!(h->target >= 1) || !isfinite(h->target))
		return err_set(e, ERR_INPUT, "function %d (%s): target_value "
			       "must be >= 0.001, got %g", idx,
			       f->name ? f->name : "?", tv);
	return 0;
}

static void hpa_fini(void *state)
{
	struct hpa *s = state;
	if (!s)
		return;
	for (int i = 0; i < s->nfn; i++)
		hpac_free(&s->fn[i].core);
	free(s);
}

static void *hpa_init(const struct policy_ctx *ctx, struct err *e)
{
	if (ctx->nfn < 0) {
		err_set(e, ERR_INTERNAL, "%d functions", ctx->nfn);
		return NULL;
	}
	struct hpa *s = calloc(1, sizeof *s + sizeof s->fn[0] * (size_t)ctx->nfn);
	if (!s) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	s->nfn = ctx->nfn;
	for (int i = 0; i < ctx->nfn; i++)
		if (fn_setup(&s->fn[i], &ctx->fn[i], ctx->params[i], i, e) < 0) {
			hpa_fini(s);
			return NULL;
		}
	return s;
}

static int within(const struct hpa_fn *h, double ratio)
{
	return 1 - h->tolerance <= ratio && ratio <= 1 + h->tolerance;
}

static int ceil_int(double x)
{
	if (!(x < INT_MAX))
		return INT_MAX;
	return x > 0 ? (int)ceil(x) : 0;
}

/* Milli-value of a non-negative quantity, as the metrics APIs carry it. */
static double milli(double x)
{
	return x > 0 ? floor(x * 1000 + 1e-6) : 0;
}

/*
 * The replica calculator. Returns the proposed count, or -1 when the HPA
 * could not compute one (no metrics), with the reason said either way.
 */
static int propose(const struct hpa_fn *h, const struct fn_view *f,
		   const struct mon *m, int fn, double *value, double *ratio,
		   struct scale_decision *d)
{
	const char *name = metric_name[h->metric];
	int current = f->target, ready = f->ready, unready = f->pending;
	*value = *ratio = NAN;
	if (!m || mon_last_time(m) < 0) {
		policy_say(d, "%s: no metrics yet", name);
		return -1;
	}
	double window = fmax(h->window, mon_interval(m));

	if (h->metric == M_QUEUE || h->metric == M_LAG) {
		/* GetExternalPerPodMetricReplicas */
		enum mon_metric x = h->metric == M_LAG ? MON_LAG : MON_QUEUE;
		double total = milli(mon_last(m, fn, x));
		int status = ready + unready;
		*value = total / 1000;
		*ratio = status ? total / (h->target * status) : INFINITY;
		if (status && within(h, *ratio)) {
			policy_say(d, "%s %.6g vs %.6g x %d replicas: within tolerance -> %d",
			    name, total / 1000, h->target / 1000, status, status);
			return status;
		}
		int want = ceil_int(total / h->target);
		policy_say(d, "%s %.6g / target %.6g -> %d", name, total / 1000,
		    h->target / 1000, want);
		return want;
	}

	/* Pods-type metrics: GetResourceReplicas / calcPlainMetricReplicas */
	if (ready <= 0) {
		policy_say(d, "%s: no ready replica reports metrics", name);
		return -1;
	}
	double usage, usage_all; /* per ready pod; per pod with unready at 0 */
	if (h->metric == M_CPU) {
		double slots = mon_rate(m, fn, MON_READY_TIME, window) *
			       f->concurrency;
		if (!(slots > 0)) {
			policy_say(d, "cpu: no ready replica in the metric window");
			return -1;
		}
		/* draining replicas (terminating pods) report no metrics */
		double busy = mon_rate(m, fn, MON_READY_BUSY_TIME, window) / slots;
		usage = floor(busy * 100 + 1e-6);
		usage_all = floor(busy * 100 * ready / (ready + unready) + 1e-6);
	} else {
		enum mon_metric c = h->metric == M_RPS ? MON_ARRIVALS
						       : MON_READY_BUSY_TIME;
		double total = milli(mon_rate(m, fn, c, window));
		usage = floor(total / ready);
		usage_all = floor(total / (ready + unready));
	}
	double scale = h->metric == M_CPU ? 100 : 1000;
	*value = usage / scale;
	*ratio = usage / h->target;
	if (h->metric == M_CPU)
		policy_say(d, "cpu %.2f vs target %.2f", usage / scale, h->target / scale);
	else
		policy_say(d, "%s %.4g vs target %.4g", name, usage / scale,
		    h->target / scale);

	if (!(unready > 0 && *ratio > 1)) {
		if (within(h, *ratio)) {
			policy_say(d, ": within tolerance -> %d", current);
			return current;
		}
		int want = ceil_int(*ratio * ready);
		policy_say(d, " -> %d", want);
		return want;
	}
	/* Scale-up with unready (pending) pods: they count as using 0. */
	double r2 = usage_all / h->target;
	policy_say(d, ", %d pending as idle: %.4g", unready, usage_all / scale);
	if (within(h, r2) || r2 < 1) {
		policy_say(d, " %s -> %d", r2 < 1 ? "flips direction" : "within tolerance",
		    current);
		return current;
	}
	int want = ceil_int(r2 * (ready + unready));
	if (want < current) {
		policy_say(d, " -> %d < current, keep %d", want, current);
		return current;
	}
	policy_say(d, " -> %d", want);
	return want;
}

static void describe_rules(struct scale_decision *d,
			   const struct hpac_rules *r)
{
	if (r->pods > 0 && r->percent > 0)
		policy_say(d, "%s(%d pods, %g%%)",
		    r->select == HPAC_SELECT_MIN ? "min" : "max", r->pods,
		    r->percent);
	else if (r->pods > 0)
		policy_say(d, "%d pods", r->pods);
	else if (r->percent > 0)
		policy_say(d, "%g%%", r->percent);
	else
		policy_say(d, "no policy");
	policy_say(d, " per %gs", r->period);
}

/* convertDesiredReplicasWithBehaviorRate, with its reasons: a change
 * stopped short of the HPA's bound by a rate policy names the policy. */
static int limit_rate(const struct hpa_fn *h, const struct fn_view *f,
		      double now, int current, int want,
		      struct scale_decision *d)
{
	long bound;
	int final = hpac_limit(&h->core, now, current, want, f->min_replicas,
			       f->max_replicas, &bound);
	if (final == want)
		return want;
	int up = want > current;
	const struct hpac_rules *r = up ? &h->core.up : &h->core.down;
	if (up ? bound >= f->max_replicas : bound <= f->min_replicas) {
		policy_say(d, "; %s -> %d", up ? "max_replicas" : "min_replicas",
		    final);
	} else if (r->select == HPAC_SELECT_DISABLED) {
		policy_say(d, "; scale-%s disabled -> %d", up ? "up" : "down",
		    final);
	} else {
		policy_say(d, "; scale-%s limited by ", up ? "up" : "down");
		describe_rules(d, r);
		policy_say(d, " -> %d", final);
	}
	return final;
}

/* normalizeDesiredReplicas, the path without a behavior block. */
static int normalize_legacy(struct hpa_fn *h, const struct fn_view *f,
			    double now, int current, int raw, int *stab,
			    struct scale_decision *d)
{
	int want = raw;
	struct tseries *recs = &h->core.recs;
	double cutoff = now - h->core.down.stab;
	for (int i = 0; i < recs->n; i++)
		if (!(recs->t[i] < cutoff) && recs->v[i] > want)
			want = (int)recs->v[i];
	tseries_prune_before(recs, cutoff);
	tseries_push(recs, now, raw);
	*stab = want;
	if (want != raw)
		policy_say(d, "; scale-down stabilized (max over %gs) -> %d",
		    h->core.down.stab, want);
	long up_limit = current * 2L > 4 ? current * 2L : 4;
	long max_allowed = f->max_replicas > up_limit ? up_limit
						       : f->max_replicas;
	if (want < f->min_replicas) {
		policy_say(d, "; min_replicas -> %d", f->min_replicas);
		return f->min_replicas;
	}
	if (want > max_allowed) {
		if (max_allowed == up_limit)
			policy_say(d, "; scale-up limited to max(2N, 4) -> %ld", up_limit);
		else
			policy_say(d, "; max_replicas -> %ld", max_allowed);
		return (int)max_allowed;
	}
	return want;
}

/* storeScaleEvent (only with a behavior block, as the controller does) */
static void store_event(struct hpa_fn *h, double now, int from, int to)
{
	if (!h->legacy)
		hpac_store_event(&h->core, now, from, to);
}

static void decide_one(struct hpa_fn *h, const struct fn_view *f,
		       const struct mon *m, int fn, double now,
		       struct scale_decision *d)
{
	int current = f->target;
	if (!h->seen) {
		/* recordInitialRecommendation */
		hpac_record_initial(&h->core, now, current);
		h->seen = 1;
	}
	if (current == 0 && f->min_replicas != 0) {
		policy_say(d, "scaling disabled: 0 replicas");
		return;
	}
	int bound = current > f->max_replicas ? f->max_replicas
		    : current < f->min_replicas ? f->min_replicas : -1;
	if (bound >= 0) {
		policy_say(d, "current %d outside [%d, %d] -> %d", current,
		    f->min_replicas, f->max_replicas, bound);
		store_event(h, now, current, bound);
		d->desired = bound;
		return;
	}
	double value, ratio;
	int raw = propose(h, f, m, fn, &value, &ratio, d);
	policy_observe(d, "value", value);
	policy_observe(d, "target", h->target / (h->metric == M_CPU ? 100 : 1000));
	policy_observe(d, "ratio", ratio);
	policy_observe(d, "ready", f->ready);
	policy_observe(d, "pending", f->pending);
	if (raw < 0)
		return;
	int stab, final;
	if (h->legacy) {
		final = normalize_legacy(h, f, now, current, raw, &stab, d);
	} else {
		stab = hpac_stabilize(&h->core, now, current, raw);
		if (stab != raw)
			policy_say(d, "; %s stabilized (%s over %gs) -> %d",
			    raw > current ? "scale-up" : "scale-down",
			    raw > current ? "min" : "max",
			    raw > current ? h->core.up.stab : h->core.down.stab,
			    stab);
		final = limit_rate(h, f, now, current, stab, d);
	}
	policy_observe(d, "raw", raw);
	policy_observe(d, "stabilized", stab);
	policy_observe(d, "limited", final);
	store_event(h, now, current, final);
	d->desired = final;
}

static void hpa_decide(void *state, const struct scale_view *v,
		       struct scale_decision *out)
{
	struct hpa *s = state;
	for (int i = 0; i < v->nfn && i < s->nfn; i++)
		if (v->fn[i].managed)
			decide_one(&s->fn[i], &v->fn[i], v->mon, i, v->now,
				   &out[i]);
}

const struct policy policy_hpa = {
	.name = "hpa",
	.help = "Kubernetes Horizontal Pod Autoscaler (autoscaling/v2): replica "
		"calculator with tolerance and unready pods, stabilization "
		"windows, rate policies from periodStart, selectPolicy; one HPA "
		"per function",
	.params = hpa_params,
	.nparams = P_N,
	.interval_s = 15,
	.init = hpa_init,
	.decide = hpa_decide,
	.fini = hpa_fini,
};
