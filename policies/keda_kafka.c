/*
 * keda_kafka: KEDA's Apache Kafka scaler driving the HPA that KEDA creates,
 * one ScaledObject per function fed by partitions (an entry function).
 *
 * Two loops share one decision tick (the policy's interval, the HPA's 15-s
 * sync period):
 *   KEDA's scale loop (pkg/scaling/scale_handler.go, executor/
 *   scale_scaledobjects.go) polls the trigger at the first tick at or after
 *   last poll + pollingInterval (the first tick polls at once, as
 *   startScaleLoop does), so the effective polling period is pollingInterval
 *   rounded up to a multiple of the tick. The poll computes
 *   active = totalLag > activationLagThreshold and runs RequestScale:
 *     active, and 0 replicas (or idle mode and fewer than minReplicaCount):
 *       scale to max(minReplicaCount, 1); LastActiveTime = now;
 *     active otherwise: LastActiveTime = now (the HPA scales);
 *     inactive, replicas > idleReplicaCount (idle mode) or replicas > 0 with
 *       minReplicaCount 0: once LastActiveTime + cooldownPeriod has passed
 *       (or, never active, creation + initialCooldownPeriod), scale to
 *       idleReplicaCount if set, else minReplicaCount;
 *     inactive, fewer than minReplicaCount and no idle mode: scale to min.
 *   LastActiveTime is a metav1.Time, stored with one-second precision, so a
 *   poll exactly cooldownPeriod after the last active one finds it expired
 *   (the real comparison is strict, but against the truncated stamp): spate
 *   scales in when now >= last active + cooldown.
 *   The HPA (reconcile of horizontal.go with the External AverageValue
 *   metric the scaler exposes, target lagThreshold, minReplicas
 *   max(minReplicaCount, 1), maxReplicas maxReplicaCount) runs on every tick
 *   at which KEDA did not write the scale: at 0 replicas it does nothing
 *   (ScalingDisabled); otherwise desired = ceil(metric / lagThreshold) unless
 *   metric / (lagThreshold x status replicas) is within [1 - tolerance,
 *   1 + tolerance] (status replicas = ready + pending), then the
 *   behavior's stabilization windows and rate policies. A tick at which KEDA
 *   wrote the scale skips the HPA: the two controllers race for the same
 *   scale subresource, and the HPA's next sync sees KEDA's count.
 * The scaler's metric (kafka_scaler.go getTotalLag) is the total lag, capped
 * unless allowIdleConsumers: with ensureEvenDistributionOfPartitions it is
 * first rounded up to the smallest factor f of the partition count with
 * f x lagThreshold >= lag (times lagThreshold); then, if lag / lagThreshold
 * in integer division exceeds the partition count, it becomes partitions x
 * lagThreshold. The integer division is kept: 8 partitions and lag 85 give
 * 85/10 = 8, not above 8, so the metric stays 85 and the HPA asks for 9.
 * KEDA reads the offsets from Kafka at each poll and each HPA metric query;
 * here both read the latest monitor sample of MON_LAG, so the lag is up to
 * monitor.scrape_interval_s old: set it well below 15 s (e.g. 1 s) for
 * KEDA's freshness.
 * Per partition (scale_view.topics, the offsets at the latest scrape, of
 * every topic feeding the function): lag = end - committed.
 * limitToPartitionsWithLag bounds the metric by the partitions with lag > 0
 * instead of all of them. excludePersistentLag counts a partition's lag as
 * 0 when its committed offset has not moved since the previous round (KEDA
 * compares with the previous metric query; here that is the previous
 * decision round), for the metric only: activation still sees it, as in
 * KEDA's totalLagWithPersistent. Without topics (a config with none) the
 * monitor's MON_LAG is used.
 * Not modelled: scaleToZeroOnInvalidOffset and offsetResetPolicy (every
 * partition has a committed offset from the start here: spate's consumer
 * group begins at offset 0), fallback (a trigger never errors here) and
 * pause annotations.
 * State per function: poll phase, LastActiveTime, and the HPA's
 * recommendation and scale-event histories (time-ordered arrays pruned from
 * the front once older than every window that reads them, so they hold
 * about window/tick entries). The HPA's behavior rules (stabilization,
 * rate policies, scale events) are policies/hpa_core.c, shared with hpa.
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

enum {
	P_LAG_THRESHOLD,
	P_ACTIVATION,
	P_ALLOW_IDLE,
	P_EVEN_DIST,
	P_LIMIT_WITH_LAG,
	P_EXCLUDE_PERSISTENT,
	P_POLLING,
	P_COOLDOWN,
	P_INITIAL_COOLDOWN,
	P_IDLE,
	P_MIN,
	P_MAX,
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
	P_N
};

static const struct param_def kk_params[P_N] = {
	[P_LAG_THRESHOLD] = {
		.name = "lag_threshold", .type = PARAM_INT, .def = 10,
		.min = 1, .max = 1e12,
		.help = "lagThreshold: the AverageValue target, lag per replica "
			"(kafka_scaler.go, default 10)",
	},
	[P_ACTIVATION] = {
		.name = "activation_lag_threshold", .type = PARAM_INT, .def = 0,
		.min = 0, .max = 1e12,
		.help = "activationLagThreshold: active when the total lag "
			"exceeds it (default 0)",
	},
	[P_ALLOW_IDLE] = {
		.name = "allow_idle_consumers", .type = PARAM_BOOL, .def = 0,
		.help = "allowIdleConsumers: do not cap the metric at the "
			"partition count (default false)",
	},
	[P_EVEN_DIST] = {
		.name = "ensure_even_distribution_of_partitions",
		.type = PARAM_BOOL, .def = 0,
		.help = "ensureEvenDistributionOfPartitions: round the wanted "
			"consumers up to a factor of the partition count "
			"(default false)",
	},
	[P_LIMIT_WITH_LAG] = {
		.name = "limit_to_partitions_with_lag", .type = PARAM_BOOL,
		.def = 0,
		.help = "limitToPartitionsWithLag: cap the metric at the "
			"partitions with lag > 0 rather than all (default false)",
	},
	[P_EXCLUDE_PERSISTENT] = {
		.name = "exclude_persistent_lag", .type = PARAM_BOOL, .def = 0,
		.help = "excludePersistentLag: a partition whose committed offset "
			"did not move since the previous round adds no lag to "
			"the metric (default false)",
	},
	[P_POLLING] = {
		.name = "polling_interval_s", .type = PARAM_NUM, .def = 30,
		.min = 0.001, .max = 86400,
		.help = "pollingInterval: KEDA's activity poll (default 30 s); "
			"polls fall on decision ticks, so it is rounded up to a "
			"multiple of the decision interval (the HPA sync, 15 s)",
	},
	[P_COOLDOWN] = {
		.name = "cooldown_period_s", .type = PARAM_NUM, .def = 300,
		.min = 0, .max = 86400 * 30,
		.help = "cooldownPeriod: inactive this long after the last "
			"active poll before scaling to zero/idle (default 300 s)",
	},
	[P_INITIAL_COOLDOWN] = {
		.name = "initial_cooldown_period_s", .type = PARAM_NUM, .def = 0,
		.min = 0, .max = 86400 * 30,
		.help = "initialCooldownPeriod: before the first active poll, no "
			"scale-in until this long after the start (default 0)",
	},
	[P_IDLE] = {
		.name = "idle_replica_count", .type = PARAM_INT, .def = -1,
		.min = -1, .max = 1000000,
		.help = "idleReplicaCount: replicas while inactive; -1 unset. "
			"Must be below max(min_replica_count, 1); KEDA documents "
			"0 as the only working value (issue 2314)",
	},
	[P_MIN] = {
		.name = "min_replica_count", .type = PARAM_INT, .def = 0,
		.min = 0, .max = 1000000,
		.help = "minReplicaCount (default 0: scale to zero); the HPA's "
			"minReplicas is max(this, 1). The engine also clamps to "
			"the function's min/max_replicas, so scaling to zero "
			"needs the function's min_replicas = 0",
	},
	[P_MAX] = {
		.name = "max_replica_count", .type = PARAM_INT, .def = 100,
		.min = 1, .max = 1000000,
		.help = "maxReplicaCount: the HPA's maxReplicas (default 100); "
			"the function's max_replicas bounds it again",
	},
	[P_TOLERANCE] = {
		.name = "tolerance", .type = PARAM_NUM, .def = 0.1,
		.min = 0, .max = 10,
		.help = "HPA: no change while |1 - lag/(threshold x replicas)| "
			"<= tolerance (--horizontal-pod-autoscaler-tolerance)",
	},
	[P_UP_STAB] = {
		.name = "scale_up_stabilization_s", .type = PARAM_NUM, .def = 0,
		.min = 0, .max = 3600,
		.help = "HPA behavior (KEDA advanced.horizontalPodAutoscaler"
			"Config): scale-up takes the minimum recommendation of "
			"this window",
	},
	[P_DOWN_STAB] = {
		.name = "scale_down_stabilization_s", .type = PARAM_NUM, .def = 300,
		.min = 0, .max = 3600,
		.help = "HPA behavior: scale-down takes the maximum "
			"recommendation of this window",
	},
	[P_UP_PODS] = {
		.name = "scale_up_pods", .type = PARAM_INT, .def = 4,
		.min = 0, .max = 1000000,
		.help = "HPA behavior: add at most this many per period; 0: no "
			"Pods policy",
	},
	[P_UP_PERCENT] = {
		.name = "scale_up_percent", .type = PARAM_NUM, .def = 100,
		.min = 0, .max = 1000000,
		.help = "HPA behavior: grow at most this % per period (rounded "
			"up); 0: no Percent policy",
	},
	[P_UP_PERIOD] = {
		.name = "scale_up_period_s", .type = PARAM_NUM, .def = 15,
		.min = 1, .max = 1800,
		.help = "HPA behavior: periodSeconds of the scale-up policies",
	},
	[P_UP_SELECT] = {
		.name = "scale_up_select", .type = PARAM_ENUM,
		.def = HPAC_SELECT_MAX,
		.choices = "max|min|disabled",
		.help = "HPA behavior: selectPolicy for scale-up",
	},
	[P_DOWN_PODS] = {
		.name = "scale_down_pods", .type = PARAM_INT, .def = 0,
		.min = 0, .max = 1000000,
		.help = "HPA behavior: remove at most this many per period; 0: "
			"no Pods policy (the default has none)",
	},
	[P_DOWN_PERCENT] = {
		.name = "scale_down_percent", .type = PARAM_NUM, .def = 100,
		.min = 0, .max = 100,
		.help = "HPA behavior: shrink at most this % per period (rounded "
			"down); 0: no Percent policy",
	},
	[P_DOWN_PERIOD] = {
		.name = "scale_down_period_s", .type = PARAM_NUM, .def = 15,
		.min = 1, .max = 1800,
		.help = "HPA behavior: periodSeconds of the scale-down policies",
	},
	[P_DOWN_SELECT] = {
		.name = "scale_down_select", .type = PARAM_ENUM,
		.def = HPAC_SELECT_MAX,
		.choices = "max|min|disabled",
		.help = "HPA behavior: selectPolicy for scale-down",
	},
};


struct kk_fn {
	long long threshold, activation;
	int allow_idle, even, idle, min, max, hpa_min;
	int limit_with_lag, exclude_persistent;
	/* committed offsets at the previous round, over the partitions of the
	 * topics feeding the function in view order; -1: none yet */
	int64_t *prev;
	int nprev;
	double polling, cooldown, initial_cooldown, tolerance;
	double created, last_poll, last_active;   /* NAN: not yet */
	int hpa_seen;
	struct hpac hpa;      /* the HPA's behavior rules and histories */
};

struct kk {
	int nfn;
	struct kk_fn fn[];
};

static void kk_fini(void *state)
{
	struct kk *s = state;
	if (!s)
		return;
	for (int i = 0; i < s->nfn; i++) {
		hpac_free(&s->fn[i].hpa);
		free(s->fn[i].prev);
	}
	free(s);
}

static int fn_setup(struct kk_fn *k, const union param_val *p, int idx,
		    const char *name, struct err *e)
{
	*k = (struct kk_fn){
		.threshold = (long long)p[P_LAG_THRESHOLD].num,
		.activation = (long long)p[P_ACTIVATION].num,
		.allow_idle = p[P_ALLOW_IDLE].num != 0,
		.even = p[P_EVEN_DIST].num != 0,
		.limit_with_lag = p[P_LIMIT_WITH_LAG].num != 0,
		.exclude_persistent = p[P_EXCLUDE_PERSISTENT].num != 0,
		.idle = (int)p[P_IDLE].num,
		.min = (int)p[P_MIN].num,
		.max = (int)p[P_MAX].num,
		.polling = p[P_POLLING].num,
		.cooldown = p[P_COOLDOWN].num,
		.initial_cooldown = p[P_INITIAL_COOLDOWN].num,
		.tolerance = p[P_TOLERANCE].num,
		.hpa = {
			.up = {.pods = (int)p[P_UP_PODS].num,
			       .select = (int)p[P_UP_SELECT].num,
			       .percent = p[P_UP_PERCENT].num,
			       .period = p[P_UP_PERIOD].num,
			       .stab = p[P_UP_STAB].num},
			.down = {.pods = (int)p[P_DOWN_PODS].num,
				 .select = (int)p[P_DOWN_SELECT].num,
				 .percent = p[P_DOWN_PERCENT].num,
				 .period = p[P_DOWN_PERIOD].num,
				 .stab = p[P_DOWN_STAB].num},
		},
		.created = NAN, .last_poll = NAN, .last_active = NAN,
	};
	const struct hpac_rules *up = &k->hpa.up, *down = &k->hpa.down;
	k->hpa_min = k->min > 0 ? k->min : 1;
	if (!(k->threshold >= 1) || !(k->activation >= 0) ||
	    !(k->polling > 0) || !(k->cooldown >= 0) ||
	    !(k->initial_cooldown >= 0) || !(k->tolerance >= 0) ||
	    !(up->period > 0) || !(down->period > 0) ||
	    !(up->stab >= 0) || !(down->stab >= 0) || up->pods < 0 ||
	    down->pods < 0 || !(up->percent >= 0) ||
	    !(down->percent >= 0) || k->min < 0 || k->max < 1 ||
	    k->idle < -1)
		return err_set(e, ERR_INPUT, "function %d (%s): a "
			       "threshold, interval, period or count is out of "
			       "range", idx, name);
	/* ScaledObject validation (CheckReplicaCountBoundsAreValid) */
	if (k->hpa_min > k->max)
		return err_set(e, ERR_INPUT, "function %d (%s): "
			       "min_replica_count %d above max_replica_count %d",
			       idx, name, k->min, k->max);
	if (k->idle >= 0 && k->idle >= k->hpa_min)
		return err_set(e, ERR_INPUT, "function %d (%s): "
			       "idle_replica_count %d must be less than "
			       "min_replica_count (%d)", idx, name, k->idle,
			       k->hpa_min);
	return 0;
}

static void *kk_init(const struct policy_ctx *ctx, struct err *e)
{
	if (ctx->nfn < 0) {
		err_set(e, ERR_INTERNAL, "%d functions", ctx->nfn);
		return NULL;
	}
	struct kk *s = calloc(1, sizeof *s + sizeof s->fn[0] * (size_t)ctx->nfn);
	if (!s) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	s->nfn = ctx->nfn;
	for (int i = 0; i < ctx->nfn; i++) {
		const char *name = ctx->fn[i].name ? ctx->fn[i].name : "?";
		if (fn_setup(&s->fn[i], ctx->params[i], i, name, e) < 0) {
			kk_fini(s);
			return NULL;
		}
	}
	return s;
}

/* getNextFactorThatBalancesConsumersToTopicPartitions: the smallest factor
 * f of parts with f x thr >= lag (tested as f >= ceil(lag / thr), which
 * cannot overflow), else parts. */
static long long even_factor(long long lag, long long parts, long long thr)
{
	long long need = (lag + thr - 1) / thr;
	for (long long f = 1; f <= parts; f++)
		if (parts % f == 0 && f >= need)
			return f;
	return parts;
}

/* The scaler's metric (getTotalLag after the cap); parts: the bound. */
static long long scaler_metric(const struct kk_fn *k, long long lag,
			       long long parts, struct scale_decision *d)
{
	if (k->allow_idle && !k->even && !k->limit_with_lag)
		return lag;
	if (k->even) {
		long long f = even_factor(lag, parts, k->threshold);
		policy_say(d, "even split: lag %lld -> %lld x %lld; ", lag, f,
		    k->threshold);
		lag = f * k->threshold;
	}
	if (lag / k->threshold > parts) {
		policy_say(d, "lag %lld capped at %lld partitions%s x %lld; ", lag,
		    parts, k->limit_with_lag ? " with lag" : "", k->threshold);
		lag = parts * k->threshold;
	}
	return lag;
}

/* RequestScale at a poll. Returns the count KEDA writes, or -1. */
static int poll(struct kk_fn *k, double now, int current, long long lag,
		struct scale_decision *d)
{
	int active = lag > k->activation;
	k->last_poll = now;
	policy_say(d, "poll: lag %lld %s %lld, %s", lag, active ? ">" : "<=",
	    k->activation, active ? "active" : "inactive");
	policy_observe(d, "active", active);
	if (active) {
		k->last_active = now;
		if (current == 0 || (k->idle >= 0 && current < k->min)) {
			int to = k->hpa_min;
			policy_say(d, ", %d replicas -> %d (scale from %s)", current, to,
			    current ? "idle" : "zero");
			return to;
		}
		policy_say(d, "; ");
		return -1;
	}
	if ((k->idle >= 0 && current > k->idle) || (current > 0 && k->min == 0)) {
		int ever = !isnan(k->last_active);
		double since = ever ? now - k->last_active : now - k->created;
		double need = ever ? k->cooldown : k->initial_cooldown;
		if (since + 1e-9 >= need) {
			int to = k->idle >= 0 ? k->idle : k->min;
			policy_say(d, " for %gs (%s %gs): %d -> %d", since,
			    ever ? "cooldown" : "initial cooldown", need,
			    current, to);
			return to;
		}
		policy_say(d, ", cooling down %gs of %gs; ", since, need);
		return -1;
	}
	if (current < k->min && k->idle < 0) {
		policy_say(d, ": %d below min_replica_count -> %d", current, k->min);
		return k->min;
	}
	policy_say(d, "; ");
	return -1;
}


/* One HPA reconcile with the scaler's metric. Returns the new spec.replicas
 * or -1 to keep it. */
static int hpa_sync(struct kk_fn *k, const struct fn_view *f, double now,
		    long long metric, struct scale_decision *d)
{
	int current = f->target;
	if (!k->hpa_seen) {
		hpac_record_initial(&k->hpa, now, current);
		k->hpa_seen = 1;
	}
	if (current == 0) {
		policy_say(d, "HPA: scaling disabled at 0 replicas");
		return -1;
	}
	if (current > k->max || current < k->hpa_min) {
		int to = current > k->max ? k->max : k->hpa_min;
		policy_say(d, "HPA: %d outside [%d, %d] -> %d", current, k->hpa_min,
		    k->max, to);
		hpac_store_event(&k->hpa, now, current, to);
		return to;
	}

	/* GetExternalPerPodMetricReplicas */
	int status = f->ready + f->pending;
	double ratio = (double)metric / ((double)k->threshold * status);
	long long want = status;
	/* Tolerances.isWithin: 1 - tol <= ratio <= 1 + tol, bounds inclusive
	 * (older releases tested |1 - ratio| > tol, which rounds 1.1 out) */
	if (status > 0 && 1 - k->tolerance <= ratio &&
	    ratio <= 1 + k->tolerance) {
		policy_say(d, "HPA: %lld / (%lld x %d) = %.4g within tolerance -> %d",
		    metric, k->threshold, status, ratio, status);
	} else if (status == 0 && metric == 0) {
		want = 0;   /* the ratio is NaN: no change from status 0 */
		policy_say(d, "HPA: no pods, no lag -> 0");
	} else {
		want = (metric + k->threshold - 1) / k->threshold;
		policy_say(d, "HPA: ceil(%lld / %lld) = %lld", metric, k->threshold,
		    want);
	}
	int raw = want > INT_MAX ? INT_MAX : (int)want;
	policy_observe(d, "status_replicas", status);
	policy_observe(d, "ratio", ratio);
	policy_observe(d, "raw", raw);

	int stab = hpac_stabilize(&k->hpa, now, current, raw);
	if (stab != raw)
		policy_say(d, "; %s stabilized over %gs -> %d",
		    raw > current ? "scale-up" : "scale-down",
		    raw > current ? k->hpa.up.stab : k->hpa.down.stab, stab);
	policy_observe(d, "stabilized", stab);

	long bound;
	int final = hpac_limit(&k->hpa, now, current, stab, k->hpa_min, k->max,
			       &bound);
	if (final > stab)
		policy_say(d, "; %s -> %d", bound < k->hpa_min ? "HPA minReplicas"
		    : "scale-down rate limit", final);
	else if (final < stab)
		policy_say(d, "; %s -> %d", bound > k->max ? "max_replica_count"
		    : "scale-up rate limit", final);
	policy_observe(d, "limited", final);
	hpac_store_event(&k->hpa, now, current, final);
	return final;
}

/* Lag over the partitions feeding fn, as getTotalLag sums it: *lag for
 * the metric (persistent lag excluded when asked), *all for activation,
 * *with the partitions with metric lag > 0. Returns 0, or -1 when the view
 * has no topic feeding fn. */
static int topic_lag(struct kk_fn *k, const struct scale_view *v, int fn,
		     long long *lag, long long *all, long long *with)
{
	int n = 0;
	for (int t = 0; t < v->ntopics; t++)
		for (int j = 0; j < v->topics[t].ntargets; j++)
			if (v->topics[t].targets[j] == fn)
				n += v->topics[t].partitions;
	if (n == 0)
		return -1;
	if (k->exclude_persistent && k->nprev != n) {
		free(k->prev);
		k->prev = malloc((size_t)n * sizeof *k->prev);
		k->nprev = k->prev ? n : 0;
		for (int i = 0; i < k->nprev; i++)
			k->prev[i] = -1;
	}
	*lag = *all = *with = 0;
	int i = 0;
	for (int t = 0; t < v->ntopics; t++) {
		const struct topic_view *tv = &v->topics[t];
		int feeds = 0;
		for (int j = 0; j < tv->ntargets; j++)
			feeds |= tv->targets[j] == fn;
		for (int p = 0; feeds && p < tv->partitions; p++, i++) {
			long long l = tv->end_offset[p] - tv->committed[p];
			if (l < 0)
				l = 0;
			*all += l;
			if (k->nprev == n) {
				if (k->prev[i] == tv->committed[p])
					l = 0;   /* persistent: not consuming */
				k->prev[i] = tv->committed[p];
			}
			*lag += l;
			*with += l > 0;
		}
	}
	return 0;
}

static void decide_one(struct kk_fn *k, const struct fn_view *f,
		       const struct scale_view *v, int fn,
		       struct scale_decision *d)
{
	const struct mon *m = v->mon;
	double now = v->now;
	policy_observe(d, "partitions", f->partitions);
	if (f->partitions <= 0) {
		policy_say(d, "no Kafka trigger (no partitions feed it): target kept");
		return;
	}
	if (!m || mon_last_time(m) < 0) {
		policy_say(d, "no lag sample yet");
		return;
	}
	long long lag, all, with;
	long long bound = f->partitions;
	if (topic_lag(k, v, fn, &lag, &all, &with) == 0) {
		if (k->limit_with_lag)
			bound = with;
		if (all != lag)
			policy_observe(d, "lag_with_persistent", (double)all);
		policy_observe(d, "partitions_with_lag", (double)with);
	} else {
		double x = mon_last(m, fn, MON_LAG);
		lag = all = x > 0 ? llround(fmin(x, 1e15)) : 0;
	}
	policy_observe(d, "lag", (double)lag);
	if (isnan(k->created))
		k->created = now;
	int current = f->target;

	if (isnan(k->last_poll) || now + 1e-9 >= k->last_poll + k->polling) {
		int to = poll(k, now, current, all, d);
		if (to >= 0) {
			d->desired = to;
			return;
		}
	}
	if (!isnan(k->last_active))
		policy_observe(d, "since_active", now - k->last_active);
	long long metric = scaler_metric(k, lag, bound, d);
	policy_observe(d, "metric", (double)metric);
	int to = hpa_sync(k, f, now, metric, d);
	if (to >= 0)
		d->desired = to;
}

static void kk_decide(void *state, const struct scale_view *v,
		      struct scale_decision *out)
{
	struct kk *s = state;
	for (int i = 0; i < v->nfn && i < s->nfn; i++)
		if (v->fn[i].managed)
			decide_one(&s->fn[i], &v->fn[i], v, i, &out[i]);
}

const struct policy policy_keda_kafka = {
	.name = "keda-kafka",
	.help = "KEDA Apache Kafka scaler + the HPA it creates: "
		"desired = ceil(total lag / lag_threshold), capped at the "
		"partition count unless allow_idle_consumers, HPA tolerance "
		"and behavior; KEDA polls activity every polling_interval_s "
		"(lag > activation_lag_threshold), scales 0 -> max(min, 1) when "
		"active and to 0 (or idle_replica_count) after cooldown_period_s "
		"inactive. Functions without partitions are left alone. The "
		"engine clamps to each function's min/max_replicas as well "
		"(min_replicas 0 is needed to reach zero). KEDA reads Kafka "
		"offsets directly: set monitor.scrape_interval_s well below "
		"15 s (e.g. 1) so the lag sample is as fresh",
	.params = kk_params,
	.nparams = P_N,
	.interval_s = 15,
	.wake_from_zero = 0,
	.init = kk_init,
	.decide = kk_decide,
	.fini = kk_fini,
};
