/*
 * kpa: the Knative Pod Autoscaler (KPA class), one per function, as
 * knative/serving runs it: the metric collector, the decider
 * (pkg/autoscaler/scaling/autoscaler.go, Scale) and the PodAutoscaler
 * reconciler with its scale-to-zero state machine
 * (pkg/reconciler/autoscaling/kpa/{kpa,scaler}.go). Knative scrapes every
 * second: runs must set monitor.scrape_interval_s to 1 (the help says so).
 *
 * Collector (metrics/collector.go, aggregation/bucketing.go). Knative writes
 * a 1-s bucket per scrape while a pod is ready, plus the activator's stats
 * while it holds requests, and averages a window's buckets since the first
 * write (a whole window without writes restarts that run; gaps inside count
 * as 0; trailing seconds without writes shrink the divisor). Here a write is
 * a monitor sample whose interval saw a ready replica, a queued (held)
 * request or an arrival; the numerator is the windowed increase of busy +
 * queue time (the queue-proxy counts requests served and queued in the pod,
 * the activator those it holds; each request is counted once) or of
 * arrivals (rps), so at a 1-s scrape a window average is Knative's bucket
 * average. Windows are taken in whole scrape intervals (at least one). The
 * activator's stat for requests no scrape has counted yet
 * (fn_view.held_at_zero) is one more 1-s bucket of that many at `now`.
 *
 * Decider: ticks on the decision interval (Knative's tick-interval, 2 s;
 * autoscaler.interval_s sets both), on the lattice of its multiples, so a
 * call that is neither this function's tick nor an activator poke (another
 * function's wake round) leaves it alone. With no write for more than the
 * stable window it has no data and keeps its last answer (an invalid
 * ScaleResult). Otherwise the Scale pseudocode of policies.md §2: dspc/dppc,
 * maxUp = ceil(rate x ready'), maxDown = floor(ready'/rate) with ready' =
 * max(1, ready), activation scale, panic entered or extended at every tick
 * with dppc/ready' >= threshold and left once a stable window has passed
 * since the last such tick, never shrinking while panicking (maxPanicPods),
 * the scale-down-delay maximum (interval-sized buckets) and the excess burst
 * capacity EBC = floor(ready x total - TBC - panic). A decider created with
 * more than one ready replica starts panicking (creation is time 0).
 * Poke (multiscaler.go): a request held at zero while the decider's last
 * answer is 0 runs Scale at once.
 *
 * Reconciler, after every tick or poke (Knative reconciles on each decider
 * change and on timers set for exactly these deadlines; a 2-s tick meets them
 * at most 2 s late): bounds (min, max; initial scale until reached once),
 * then handleScaleToZero for a 0: an Active PA is held at 1 until it has been
 * active for a stable window, then marked Inactive with its scale unchanged;
 * an Inactive PA goes to 0 once the activator is in the path and it has been
 * inactive for max(grace, retention), or for the retention while the SKS
 * has proxied for the grace period; an Activating PA stuck for the progress
 * deadline + 10 s goes to 0. The SKS proxies (activator in the path) when
 * want == 0, EBC < 0, or want is unknown and the PA inactive; mode changes
 * take effect at once and the activator probe succeeds when the mode was
 * already proxy. A PA condition change re-reconciles at once (its status
 * update re-enqueues it), so Active -> Inactive -> 0 happens in one call
 * when the activator has proxied long enough (the default TBC 211 keeps it
 * in the path for small functions, so idle ones reach 0 one stable window
 * after their last request; with TBC 0, a grace period later).
 *
 * Not modelled: pod sampling for large N (the monitor gives exact totals),
 * the weighted-exponential aggregation option, unreachable revisions
 * (maxScaleDown 0), activator capacity and subsetting, the 6-digit rounding
 * of averages, delays in programming the SKS and in probing.
 *
 * Observed values: stable, panic, target, dspc, dppc, ready, panicking,
 * decider (its DesiredScale), ebc, pa (0 activating, 1 active, 2 inactive),
 * pa_for (seconds in that condition), proxy_for (seconds the activator has
 * been in the path, 0 when not).
 * State per function: scalars plus, with a scale-down delay, a ring of
 * ceil(delay/interval) buckets. Each call scans only the monitor samples
 * newer than the last it saw (two per tick at a 1-s scrape).
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "monitor.h"
#include "policy.h"

enum kpa_mode { MODE_CONCURRENCY, MODE_RPS };
enum pa_state { PA_ACTIVATING, PA_ACTIVE, PA_INACTIVE };

enum {
	P_MODE,
	P_CC,
	P_TARGET,
	P_TU,
	P_CC_DEFAULT,
	P_RPS_DEFAULT,
	P_STABLE,
	P_PANIC_PCT,
	P_PANIC_THR,
	P_UP_RATE,
	P_DOWN_RATE,
	P_TBC,
	P_S2Z,
	P_GRACE,
	P_RETENTION,
	P_DELAY,
	P_INITIAL,
	P_ACTIVATION,
	P_N
};

static const struct param_def kpa_params[P_N] = {
	[P_MODE] = {
		.name = "mode", .type = PARAM_ENUM, .def = MODE_CONCURRENCY,
		.choices = "concurrency|rps",
		.help = "scaling metric (autoscaling.knative.dev/metric): "
			"time-averaged in-flight requests (served + queued) or "
			"arrivals per second",
	},
	[P_CC] = {
		.name = "container_concurrency", .type = PARAM_INT, .def = -1,
		.min = -1, .max = 1000,
		.help = "containerConcurrency; -1: the function's `concurrency` "
			"slots (spate's hard per-replica limit is what Knative's "
			"containerConcurrency is); 0: unlimited, the target then "
			"comes from container_concurrency_target_default",
	},
	[P_TARGET] = {
		.name = "target", .type = PARAM_NUM, .def = 0,
		.min = 0, .max = 1e9,
		.help = "autoscaling.knative.dev/target per replica; 0: unset. "
			"Concurrency: total = min(target, containerConcurrency) "
			"when the latter is > 0; rps: total = target",
	},
	[P_TU] = {
		.name = "target_utilization", .type = PARAM_NUM, .def = 0.7,
		.min = 0.001, .max = 1,
		.help = "container-concurrency-target-percentage / 100 (also "
			"applied to rps); target = max(0.01, total x this)",
	},
	[P_CC_DEFAULT] = {
		.name = "container_concurrency_target_default",
		.type = PARAM_NUM, .def = 100, .min = 0.01, .max = 1e9,
		.help = "total per replica when containerConcurrency is 0 "
			"(container-concurrency-target-default)",
	},
	[P_RPS_DEFAULT] = {
		.name = "requests_per_second_target_default",
		.type = PARAM_NUM, .def = 200, .min = 0.01, .max = 1e9,
		.help = "total per replica in rps mode "
			"(requests-per-second-target-default)",
	},
	[P_STABLE] = {
		.name = "stable_window_s", .type = PARAM_NUM, .def = 60,
		.min = 6, .max = 3600,
		.help = "stable-window: averaging window, panic exit delay and "
			"the time a PA must be active before it may go inactive",
	},
	[P_PANIC_PCT] = {
		.name = "panic_window_percentage", .type = PARAM_NUM, .def = 10,
		.min = 1, .max = 100,
		.help = "panic window as % of the stable window (6 s by default)",
	},
	[P_PANIC_THR] = {
		.name = "panic_threshold_percentage", .type = PARAM_NUM,
		.def = 200, .min = 110, .max = 1000,
		.help = "panic when the panic-window pod count reaches this % of "
			"the ready pods",
	},
	[P_UP_RATE] = {
		.name = "max_scale_up_rate", .type = PARAM_NUM, .def = 1000,
		.min = 1, .max = 1e9,
		.help = "max-scale-up-rate (> 1): at most ceil(rate x ready) per "
			"decision",
	},
	[P_DOWN_RATE] = {
		.name = "max_scale_down_rate", .type = PARAM_NUM, .def = 2,
		.min = 1, .max = 1e9,
		.help = "max-scale-down-rate (> 1): at least floor(ready / rate) "
			"per decision",
	},
	[P_TBC] = {
		.name = "target_burst_capacity", .type = PARAM_NUM, .def = 211,
		.min = -1, .max = 1e9,
		.help = "target-burst-capacity: the activator stays in the path "
			"while ready x total - TBC - panic < 0; -1: always; 0: "
			"only at zero. It decides how fast an idle PA reaches 0",
	},
	[P_S2Z] = {
		.name = "enable_scale_to_zero", .type = PARAM_BOOL, .def = 1,
		.help = "enable-scale-to-zero; false: a 0 becomes 1",
	},
	[P_GRACE] = {
		.name = "scale_to_zero_grace_period_s", .type = PARAM_NUM,
		.def = 30, .min = 6, .max = 3600,
		.help = "scale-to-zero-grace-period: an inactive PA goes to 0 "
			"after this long inactive, or once the activator has "
			"been in the path this long",
	},
	[P_RETENTION] = {
		.name = "scale_to_zero_pod_retention_period_s",
		.type = PARAM_NUM, .def = 0, .min = 0, .max = 3600,
		.help = "scale-to-zero-pod-retention-period: the last replica "
			"stays at least this long after the PA went inactive",
	},
	[P_DELAY] = {
		.name = "scale_down_delay_s", .type = PARAM_NUM, .def = 0,
		.min = 0, .max = 3600,
		.help = "scale-down-delay: the decision is the maximum over this "
			"window (buckets of one decision interval); 0: none",
	},
	[P_INITIAL] = {
		.name = "initial_scale", .type = PARAM_INT, .def = 1,
		.min = 0, .max = 1000000,
		.help = "initial-scale: until reached once, the active threshold "
			"and (when > 1) the lower bound. The starting replicas are "
			"the function's initial_replicas",
	},
	[P_ACTIVATION] = {
		.name = "activation_scale", .type = PARAM_INT, .def = 1,
		.min = 1, .max = 1000000,
		.help = "autoscaling.knative.dev/activation-scale: the least "
			"non-zero decision",
	},
};

/* Knative constants: decider tick, collector bucket, progress deadline
 * (600 s) + activationTimeoutBuffer (10 s). */
#define KPA_TICK 2.0
#define KPA_BUCKET 1.0
#define KPA_ACTIVATION_TIMEOUT 610.0
/* Reconcile passes per call: a status change re-enqueues the PA. */
#define KPA_PASSES 3

struct kpa_fn {
	/* settings */
	int mode;
	double target, total;
	double stable_w, panic_w, panic_thr;
	double up_rate, down_rate, tbc;
	int s2z;
	double grace, retention, delay;
	int initial_scale, activation_scale;
	/* collector */
	double seen;             /* newest monitor sample scanned */
	double last_w;           /* latest write */
	double first_s, first_p; /* start of the current run, per window */
	/* decider */
	double next_tick;
	int desired;             /* DesiredScale; -1 unknown */
	double ebc;
	int panicking, max_panic;
	double panic_time;
	int ndelay;              /* delay ring: ceil(delay / tick) slots */
	long *delay_idx;
	int *delay_val;
	/* PodAutoscaler and SKS */
	int pa, initialized, proxy;
	double pa_since, proxy_since;
};

struct kpa {
	int nfn;
	double tick;    /* the decision interval: Knative's tick-interval */
	struct kpa_fn fn[];
};

static const char *fn_name(const struct fn_view *f)
{
	return f->name ? f->name : "?";
}

/* ResolveMetricTarget (reconciler/autoscaling/resources/target.go). */
static void resolve_target(struct kpa_fn *k, const struct fn_view *f,
			   const union param_val *p)
{
	double annot = p[P_TARGET].num;
	if (k->mode == MODE_RPS) {
		k->total = annot > 0 ? annot : p[P_RPS_DEFAULT].num;
	} else {
		int cc = (int)p[P_CC].num;
		if (cc < 0)
			cc = f->concurrency;
		k->total = cc > 0 ? cc : p[P_CC_DEFAULT].num;
		if (annot > 0)
			k->total = cc > 0 ? fmin(annot, cc) : annot;
	}
	k->target = fmax(0.01, k->total * p[P_TU].num);
}

static int fn_setup(struct kpa_fn *k, const struct fn_view *f,
		    const union param_val *p, double tick, int idx,
		    struct err *e)
{
	k->mode = (int)p[P_MODE].num;
	if (k->mode != MODE_CONCURRENCY && k->mode != MODE_RPS)
		return err_set(e, ERR_INPUT, "function %d (%s): mode index "
			       "%d out of range", idx, fn_name(f), k->mode);
	k->stable_w = p[P_STABLE].num;
	k->panic_w = k->stable_w * p[P_PANIC_PCT].num / 100;
	k->panic_thr = p[P_PANIC_THR].num / 100;
	k->up_rate = p[P_UP_RATE].num;
	k->down_rate = p[P_DOWN_RATE].num;
	k->tbc = p[P_TBC].num;
	k->s2z = p[P_S2Z].num != 0;
	k->grace = p[P_GRACE].num;
	k->retention = p[P_RETENTION].num;
	k->delay = p[P_DELAY].num;
	k->initial_scale = (int)p[P_INITIAL].num;
	k->activation_scale = (int)p[P_ACTIVATION].num;
	if (!(k->up_rate > 1) || !(k->down_rate > 1))
		return err_set(e, ERR_INPUT, "function %d (%s): "
			       "max_scale_up_rate and max_scale_down_rate must be "
			       "> 1, got %g and %g", idx, fn_name(f), k->up_rate,
			       k->down_rate);
	if (k->tbc < 0 && k->tbc != -1)
		return err_set(e, ERR_INPUT, "function %d (%s): "
			       "target_burst_capacity must be >= 0 or -1, got %g",
			       idx, fn_name(f), k->tbc);
	if (!(k->stable_w >= 1) || !(k->panic_w > 0) || !(k->grace >= 0) ||
	    !(k->retention >= 0) || !(k->delay >= 0) || !(p[P_TU].num > 0))
		return err_set(e, ERR_INPUT, "function %d (%s): a window, "
			       "period or utilization is out of range", idx,
			       fn_name(f));
	resolve_target(k, f, p);
	if (!isfinite(k->target))
		return err_set(e, ERR_INPUT, "function %d (%s): target %g",
			       idx, fn_name(f), k->target);
	k->seen = k->last_w = k->first_s = k->first_p = -INFINITY;
	k->next_tick = -INFINITY;
	k->desired = -1;
	/* createScaler: TBC -1 or 0 as is, else one pod's total minus TBC */
	k->ebc = k->tbc <= 0 ? k->tbc : floor(k->total - k->tbc);
	/* newAutoscaler: more than one ready pod at creation starts a panic */
	if (f->ready > 1) {
		k->panicking = 1;
		k->panic_time = 0;
		k->max_panic = f->ready;
	}
	if (k->delay > 0) {
		k->ndelay = (int)ceil(k->delay / tick);
		k->delay_idx = malloc(sizeof *k->delay_idx * (size_t)k->ndelay);
		k->delay_val = malloc(sizeof *k->delay_val * (size_t)k->ndelay);
		if (!k->delay_idx || !k->delay_val)
			return err_set(e, ERR_INTERNAL, "out of memory");
		for (int i = 0; i < k->ndelay; i++)
			k->delay_idx[i] = LONG_MIN;
	}
	k->pa = PA_ACTIVATING;
	k->pa_since = 0;
	return 0;
}

static void kpa_fini(void *state)
{
	struct kpa *s = state;
	if (!s)
		return;
	for (int i = 0; i < s->nfn; i++) {
		free(s->fn[i].delay_idx);
		free(s->fn[i].delay_val);
	}
	free(s);
}

static void *kpa_init(const struct policy_ctx *ctx, struct err *e)
{
	if (ctx->nfn < 0) {
		err_set(e, ERR_INTERNAL, "%d functions", ctx->nfn);
		return NULL;
	}
	struct kpa *s = calloc(1, sizeof *s + sizeof s->fn[0] * (size_t)ctx->nfn);
	if (!s) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	s->nfn = ctx->nfn;
	s->tick = ctx->interval > 0 ? ctx->interval : KPA_TICK;
	for (int i = 0; i < ctx->nfn; i++)
		if (fn_setup(&s->fn[i], &ctx->fn[i], ctx->params[i], s->tick,
			     i, e) < 0) {
			kpa_fini(s);
			return NULL;
		}
	return s;
}

/* ------------------------------------------------------------ collector */

/* A write at time t covering the `span` seconds before it (one scrape
 * interval, or a 1-s activator bucket), as TimedFloat64Buckets.Record: a
 * window that saw no write for a whole window starts a new run. */
static void write_at(struct kpa_fn *k, double t, double span)
{
	if (!(t - k->last_w < k->stable_w))
		k->first_s = t - span;
	if (!(t - k->last_w < k->panic_w))
		k->first_p = t - span;
	if (t > k->last_w)
		k->last_w = t;
}

/* Increase of the sum of the activity counters from the i-th newest sample
 * to the newest (samples are periodic, so a window of i intervals plus half
 * an interval ends exactly at sample i). */
static double activity(const struct mon *m, int fn, int i, double g)
{
	if (i == 0)
		return 0;
	double w = i * g + g / 2;
	return mon_delta(m, fn, MON_READY_TIME, w) +
	       mon_delta(m, fn, MON_QUEUE_TIME, w) +
	       mon_delta(m, fn, MON_ARRIVALS, w);
}

/* Scans the samples newer than the last one seen, oldest first, turning
 * each interval with a ready replica, a queued request or an arrival into a
 * write at the sample's time. */
static void collect(struct kpa_fn *k, const struct mon *m, int fn)
{
	double last = mon_last_time(m);
	if (last < 0 || !(last > k->seen))
		return;
	double g = mon_interval(m);
	int total = mon_count(m, INFINITY);
	int n = isinf(k->seen) ? total : mon_count(m, last - k->seen);
	int cap = (int)ceil(k->stable_w / g) + 2;
	if (n > cap)
		n = cap;
	if (n > total - 1)
		n = total - 1;   /* the oldest sample has no interval before it */
	double newer = n > 0 ? activity(m, fn, n, g) : 0;
	for (int j = n - 1; j >= 0; j--) {
		double a = activity(m, fn, j, g);
		if (newer - a > 0)
			write_at(k, last - j * g, g);
		newer = a;
	}
	k->seen = last;
}

/* WindowAverage over window w whose run started at first, evaluated at t,
 * with `extra` (value x seconds) not yet in the monitor. The window is
 * measured in whole scrape intervals, the span the monitor's increase over
 * it covers (w itself at a 1-s scrape); one interval at least, so a panic
 * window shorter than a misconfigured 15-s scrape still sees the latest. */
static double window_avg(const struct kpa_fn *k, const struct mon *m, int fn,
			 double w, double first, double t, double extra)
{
	double g = mon_interval(m);
	w = fmax(g, g * floor(w / g + 1e-9));
	double gap = t - k->last_w;
	if (!(gap < w))
		return 0;
	double nb = fmin(k->last_w - first, w - gap);
	if (!(nb > 0))
		return 0;
	double sum = extra;
	if (k->mode == MODE_RPS) {
		sum += mon_delta(m, fn, MON_ARRIVALS, w);
	} else {
		sum += mon_delta(m, fn, MON_BUSY_TIME, w) +
		       mon_delta(m, fn, MON_QUEUE_TIME, w);
	}
	return sum / nb;
}

/* -------------------------------------------------------------- decider */

static int clamp_count(double x, double lo, double hi)
{
	x = fmin(fmax(x, lo), hi);
	return x < INT_MAX ? (int)x : INT_MAX;
}

/* max.TimeWindow: maximum over the last ndelay tick-sized buckets. */
static int delay_window(struct kpa_fn *k, double now, double tick, int v)
{
	long idx = (long)floor(now / tick);
	int slot = (int)(((idx % k->ndelay) + k->ndelay) % k->ndelay);
	if (k->delay_idx[slot] != idx) {
		k->delay_idx[slot] = idx;
		k->delay_val[slot] = v;
	} else if (v > k->delay_val[slot]) {
		k->delay_val[slot] = v;
	}
	int best = v;
	for (int i = 0; i < k->ndelay; i++)
		if (k->delay_idx[i] > idx - k->ndelay &&
		    k->delay_idx[i] <= idx && k->delay_val[i] > best)
			best = k->delay_val[i];
	return best;
}

struct obs {
	double stable, panic, dspc, dppc;
};

/* Scale(); returns 0 when there is no data (the decider keeps its answer). */
static int scale(struct kpa_fn *k, const struct fn_view *f,
		 const struct mon *m, int fn, double now, double tick,
		 long held_bucket, struct obs *o, struct scale_decision *d)
{
	double t = mon_last_time(m);
	double extra = 0;
	if (held_bucket > 0) {
		write_at(k, now, KPA_BUCKET);
		t = now;
		extra = (double)held_bucket * KPA_BUCKET;
	}
	if (isinf(k->last_w) || t - k->last_w > k->stable_w) {
		policy_say(d, "no data in the last %gs", k->stable_w);
		return 0;
	}
	o->stable = window_avg(k, m, fn, k->stable_w, k->first_s, t, extra);
	o->panic = window_avg(k, m, fn, k->panic_w, k->first_p, t, extra);
	int ready = f->ready > 0 ? f->ready : 0;
	double rp = ready > 1 ? ready : 1;
	double max_up = ceil(k->up_rate * rp);
	double max_down = floor(rp / k->down_rate);
	o->dspc = ceil(o->stable / k->target);
	o->dppc = ceil(o->panic / k->target);
	int dsc = clamp_count(o->dspc, max_down, max_up);
	int dpc = clamp_count(o->dppc, max_down, max_up);
	policy_say(d, "%s stable %.4g panic %.4g / target %.4g: dspc %g dppc %g "
	    "(ready %d, bounds [%g, %g])",
	    k->mode == MODE_RPS ? "rps" : "concurrency", o->stable, o->panic,
	    k->target, o->dspc, o->dppc, ready, max_down, max_up);
	if (k->activation_scale > 1) {
		if (o->dspc > 0 && k->activation_scale > dsc)
			dsc = k->activation_scale;
		if (o->dppc > 0 && k->activation_scale > dpc)
			dpc = k->activation_scale;
		if (dsc == k->activation_scale || dpc == k->activation_scale)
			policy_say(d, "; activation scale %d", k->activation_scale);
	}
	int over = o->dppc / rp >= k->panic_thr;
	if (over) {
		if (!k->panicking)
			policy_say(d, "; panic (dppc/ready %.3g >= %g)", o->dppc / rp,
			    k->panic_thr);
		k->panicking = 1;
		k->panic_time = now;
	} else if (k->panicking && k->panic_time + k->stable_w < now) {
		policy_say(d, "; panic over (last at %gs)", k->panic_time);
		k->panicking = 0;
		k->max_panic = 0;
	}
	int want = dsc;
	if (k->panicking) {
		if (want < dpc)
			want = dpc;
		if (want > k->max_panic) {
			k->max_panic = want;
		} else if (want < k->max_panic) {
			policy_say(d, "; panicking: %d kept, not %d", k->max_panic,
			    want);
		}
		want = k->max_panic;
	}
	if (k->ndelay > 0) {
		int delayed = delay_window(k, now, tick, want);
		if (delayed != want)
			policy_say(d, "; scale-down delay (max over %gs) %d -> %d",
			    k->delay, want, delayed);
		want = delayed;
	}
	policy_say(d, " -> %d", want);
	if (k->tbc == 0)
		k->ebc = 0;
	else if (k->tbc > 0)
		k->ebc = floor(ready * k->total - k->tbc - o->panic);
	else
		k->ebc = -1;
	k->desired = want;
	return 1;
}

/* ----------------------------------------------------------- reconciler */

static const char *const pa_name[] = {
	[PA_ACTIVATING] = "activating", [PA_ACTIVE] = "active",
	[PA_INACTIVE] = "inactive",
};

/* One reconcile: scaler.scale, the SKS mode, computeActiveCondition.
 * Writes what the scaler did into msg; *apply >= 0 is a scale to set.
 * Returns 1 when the PA condition changed. */
static int reconcile(struct kpa_fn *k, const struct fn_view *f, double now,
		     int *apply, char *msg, size_t cap)
{
	int desired = k->desired, want;
	*apply = -1;
	msg[0] = '\0';
	if (desired < 0 && k->pa != PA_ACTIVATING) {
		want = desired;
	} else {
		int lo = f->min_replicas, hi = f->max_replicas;
		if (k->initial_scale > 1 && !k->initialized &&
		    lo < k->initial_scale)
			lo = k->initial_scale;
		int x = desired < lo ? lo : desired;
		if (hi > 0 && x > hi)
			x = hi;
		if (x != desired && desired >= 0)
			snprintf(msg, cap, "; bounds [%d, %d] -> %d", lo, hi, x);
		if (x != 0) {
			want = *apply = x;
		} else if (!k->s2z) {
			want = *apply = 1;
			snprintf(msg, cap, "; scale to zero disabled -> 1");
		} else if (k->pa == PA_ACTIVATING) {
			if (now - k->pa_since >= KPA_ACTIVATION_TIMEOUT) {
				want = *apply = 0;
				snprintf(msg, cap, "; activation timed out -> 0");
			} else {
				want = -1;
			}
		} else if (k->pa == PA_ACTIVE) {
			double af = now - k->pa_since;
			if (af >= k->stable_w) {
				want = 0;
				snprintf(msg, cap, "; active %gs >= %gs: mark "
					 "inactive", af, k->stable_w);
			} else {
				want = *apply = 1;
				snprintf(msg, cap, "; active %gs < %gs: hold 1",
					 af, k->stable_w);
			}
		} else {
			want = 0;
			double inact = now - k->pa_since;
			double proxy_for = k->proxy ? now - k->proxy_since : 0;
			if (!(k->tbc == -1 || k->proxy)) {
				snprintf(msg, cap, "; activator not in path yet");
			} else if (inact >= fmax(k->grace, k->retention)) {
				*apply = 0;
				snprintf(msg, cap, "; inactive %gs -> 0", inact);
			} else if (k->retention > 0 && inact < k->retention) {
				snprintf(msg, cap, "; inactive %gs < retention "
					 "%gs", inact, k->retention);
			} else if (proxy_for >= k->grace) {
				*apply = 0;
				snprintf(msg, cap, "; activator in path %gs -> 0",
					 proxy_for);
			} else {
				snprintf(msg, cap, "; inactive %gs, grace %gs",
					 inact, k->grace);
			}
		}
	}
	int proxy = want == 0 || k->ebc < 0 ||
		    (want < 0 && k->pa == PA_INACTIVE);
	if (proxy && !k->proxy)
		k->proxy_since = now;
	k->proxy = proxy;

	int min = f->min_replicas > 0 ? f->min_replicas : 0;
	int min_ready = k->initialized ? (min > 1 ? min : 1)
				       : (min > k->initial_scale ? min
								 : k->initial_scale);
	if (f->ready >= min_ready)
		k->initialized = 1;
	int pa = k->pa;
	if (want == 0 || min_ready == 0)
		pa = PA_INACTIVE;
	else if (f->ready < min_ready)
		pa = want > 0 || k->pa != PA_INACTIVE ? PA_ACTIVATING
						      : PA_INACTIVE;
	else if (want > 0 || k->pa != PA_INACTIVE)
		pa = PA_ACTIVE;
	if (pa == k->pa)
		return 0;
	k->pa = pa;
	k->pa_since = now;
	return 1;
}

/* -------------------------------------------------------------- decide */

static void decide_one(struct kpa_fn *k, const struct fn_view *f,
		       const struct mon *m, int fn, double now, double interval,
		       struct scale_decision *d)
{
	if (m)
		collect(k, m, fn);
	int tick = now >= k->next_tick - 1e-6;
	int poke = !tick && f->held_at_zero > 0 && k->desired == 0;
	if (!tick && !poke) {
		policy_say(d, "between decider ticks");
		return;
	}
	if (tick)
		k->next_tick = (floor(now / interval + 0.5) + 1) * interval;
	else
		policy_say(d, "activator poke (%ld held): ", f->held_at_zero);
	/* The activator's stat for the requests it holds: on a poke, its
	 * immediate report of a first request (which no scrape can have
	 * counted); on a tick, its periodic report when no scrape at this
	 * instant saw them. */
	long held = 0;
	if (f->ready <= 0 && f->held_at_zero > 0 &&
	    (poke || !(k->last_w >= now - 1e-9)))
		held = f->held_at_zero;
	struct obs o = {NAN, NAN, NAN, NAN};
	if (m)
		scale(k, f, m, fn, now, interval, held, &o, d);
	else
		policy_say(d, "no monitor");
	int final = -1;
	char msg[96], last[96] = "";
	for (int pass = 0; pass < KPA_PASSES; pass++) {
		int apply, from = k->pa;
		int changed = reconcile(k, f, now, &apply, msg, sizeof msg);
		if (apply >= 0)
			final = apply;
		if (strcmp(msg, last) != 0)   /* a re-reconcile repeats itself */
			policy_say(d, "%s", msg);
		memcpy(last, msg, sizeof last);
		if (!changed)
			break;
		policy_say(d, "; PA %s -> %s", pa_name[from], pa_name[k->pa]);
	}
	policy_observe(d, "stable", o.stable);
	policy_observe(d, "panic", o.panic);
	policy_observe(d, "target", k->target);
	policy_observe(d, "dspc", o.dspc);
	policy_observe(d, "dppc", o.dppc);
	policy_observe(d, "ready", f->ready);
	policy_observe(d, "panicking", k->panicking);
	policy_observe(d, "decider", k->desired);
	policy_observe(d, "ebc", k->ebc);
	policy_observe(d, "pa", k->pa);
	policy_observe(d, "pa_for", now - k->pa_since);
	policy_observe(d, "proxy_for", k->proxy ? now - k->proxy_since : 0);
	if (final >= 0)
		policy_say(d, "; scale %d", final);
	d->desired = final;
}

static void kpa_decide(void *state, const struct scale_view *v,
		       struct scale_decision *out)
{
	struct kpa *s = state;
	for (int i = 0; i < v->nfn && i < s->nfn; i++)
		if (v->fn[i].managed)
			decide_one(&s->fn[i], &v->fn[i], v->mon, i, v->now,
				   s->tick, &out[i]);
}

const struct policy policy_kpa = {
	.name = "kpa",
	.help = "Knative Pod Autoscaler: 1-s concurrency (or rps) buckets "
		"averaged over a 60 s stable and 6 s panic window, 2 s decider "
		"tick, panic mode (no scale-down while panicking), max scale "
		"up/down rates, activator poke from zero, scale to zero after "
		"the stable window and grace period. Set "
		"monitor.scrape_interval_s to 1 (Knative scrapes every second; "
		"the policy cannot change it)",
	.params = kpa_params,
	.nparams = P_N,
	.interval_s = KPA_TICK,
	.wake_from_zero = 1,
	.init = kpa_init,
	.decide = kpa_decide,
	.fini = kpa_fini,
};
