/*
 * policy: the interface every scaling policy implements.
 *
 * A policy is a const struct of function pointers with a name and a parameter
 * table; it is listed in policies/registry.c and chosen by name at run time.
 * Each decision interval the autoscaler passes a view of every function of
 * the graph (graph-aware policies need them all) and the monitor; the policy
 * writes one decision per function. It never sees engine structures or the
 * simulator's ground truth: replica counts by state (what a control plane
 * knows) and monitored, scrape-delayed metrics only.
 * Parameters are per function: the engine resolves the JSON (global policy
 * params overridden by a function's own) into params[fn][i], ordered like
 * the policy's param table.
 * Ownership: the state returned by init belongs to the policy and is released
 * by fini; views, monitors and params belong to the engine.
 */
#ifndef SPATE_POLICY_H
#define SPATE_POLICY_H

/* Version of this interface (struct policy, the views, the hooks) as seen
 * by policies built outside spate: a shared object exports
 *     const int spate_policy_abi = SPATE_POLICY_ABI;
 *     const struct policy spate_policy = { ... };
 * and spate refuses one built against another version. Bump it whenever a
 * struct in this file or monitor.h changes layout or meaning. */
#define SPATE_POLICY_ABI 3

#include <stddef.h>
#include <stdint.h>

#include "monitor.h"
#include "param.h"

struct err;

struct fn_view {
	const char *name;
	int managed;            /* 0: the policy must leave it alone */
	int min_replicas, max_replicas;
	int target;             /* replicas it is scaled to now (spec.replicas) */
	int ready, pending, draining;
	int concurrency;        /* slots per replica */
	double memory_mb;
	int node_slots;         /* node slots one replica takes (cluster_view) */
	/* Mean provisioning delay of a new replica (cold start), s; 0 when
	 * replicas start at once. A platform knows its typical pod start time;
	 * predictive policies forecast this far ahead. */
	double cold_start_s;
	int partitions;         /* partitions of the topics feeding it; 0 if none */
	int nparents, nchildren;
	const int *parents, *children;   /* function indices */
	/* Requests held while the function has no replica, as the component that
	 * holds them (Knative's activator, the OpenFaaS gateway) reports them at
	 * once, not through the scrape. 0 when a replica exists. */
	long held_at_zero;
	/* Replicas started but waiting for a node with room (PENDING,
	 * unschedulable): more of them will not help. */
	int unplaced;
	/* Per-replica speed as a proxy in front of the replicas observes it
	 * (moving averages of response times; only while the function balances
	 * with cluster.lb "speed-aware"): READY replicas slower than twice the
	 * median, and the slowest one's time over the median (1 when unknown);
	 * mean_speed is the READY replicas' capacity in units of a median one,
	 * each slow replica counting median/its time (1 when none is slow or
	 * nothing is known). */
	int slow_replicas;
	double slowest_ratio;
	double mean_speed;
};

/* Capacity the scheduler knows: nodes and their free slots (all 0 when the
 * config has no nodes: capacity is unlimited). */
struct cluster_view {
	int nodes, nodes_up;
	long slots_total, slots_free;
};

/* A source topic as the monitor's latest scrape saw it (so as stale as
 * mon_last): each partition's log end and committed offset, whose
 * difference is the consumer lag Kafka reports (KEDA reads exactly these).
 * All 0 before the first scrape. */
struct topic_view {
	const char *name;
	int partitions;
	const int64_t *end_offset;   /* [partitions] */
	const int64_t *committed;    /* [partitions] */
	int ntargets;
	const int *targets;          /* the entry functions it feeds */
};

/* Ground truth, given only to a policy that asks for it (struct policy
 * lookahead > 0): the oracle, a lower bound for comparisons. */
struct oracle_view {
	const void *ctx;
	/* Expected messages/s reaching function fn over [t0, t1), from the
	 * sources' actual future arrivals propagated through the DAG by the
	 * mean routing gains; now <= t0 < t1 <= now + horizon_s. */
	double (*rate)(const void *ctx, int fn, double t0, double t1);
	const double *service_mean;   /* [nfn], s: the configured mean */
	double horizon_s;
};

struct scale_view {
	double now;
	int nfn;
	const struct fn_view *fn;   /* [nfn] */
	const struct mon *mon;
	const struct oracle_view *oracle;   /* NULL unless lookahead > 0 */
	const struct cluster_view *cluster;
	int ntopics;
	const struct topic_view *topics;   /* [ntopics] */
};

/* What a keep-alive policy (Azure's hybrid histogram) decides when a
 * function goes idle: when its idle replicas are unloaded and whether one is
 * loaded again before the next request is expected. Times are seconds from
 * the moment the function went idle. */
struct idle_plan {
	double unload_after;   /* < 0: the function's own keep_alive_s */
	double prewarm_after;  /* < 0: no pre-warm; else one replica is started
				  then (if none is left) */
	double prewarm_keep;   /* the pre-warmed replica is unloaded this long
				  after it was started, unless used */
};

/* Platform rules a policy may impose on the functions it manages, for
 * platforms where scaling is per request rather than per decision (AWS
 * Lambda). Filled by the policy's platform hook; zeros mean "no rule". */
struct platform_rules {
	int per_request;         /* a request finding no idle environment starts
				    one at once (on demand), subject to: */
	double burst;            /* new environments per function: bucket size */
	double burst_refill;     /* tokens per second, refilled continuously */
	int account_concurrency; /* concurrent environments over all managed
				    functions (busy or starting); 0: no limit */
	double keep_alive_s;     /* idle environments reclaimed after this;
				    0: the function's keep_alive_s */
	double retry_base_s;     /* a throttled request is retried by its event
				    source after base * 2^k (k = attempts so
				    far), at most retry_max_s, with full jitter */
	double retry_max_s;
};

#define POLICY_MAX_OBSERVED 16

struct policy_obs {
	const char *name;   /* a string literal */
	double value;
};

struct scale_decision {
	int desired;        /* replicas wanted; < 0 means keep the current target */
	char reason[200];   /* short, human-readable, says which rule fired */
	struct policy_obs observed[POLICY_MAX_OBSERVED];
	int nobserved;
};

struct policy_ctx {
	int nfn;
	const struct fn_view *fn;                /* structure, as at the start */
	const union param_val *const *params;    /* params[fn][i] */
	double interval;                         /* seconds between decisions */
	/* Seconds from a decision to its new count taking effect (the
	 * autoscaler's actuation_delay_s): a platform knows its own. */
	double actuation_delay;
};

struct policy {
	const char *name;
	const char *help;
	const struct param_def *params;
	size_t nparams;
	double interval_s;   /* default decision interval of the real system */
	/* Nonzero: a message arriving at a managed function that has no replica
	 * triggers a decision round at once (an activator's poke), besides the
	 * periodic ones. */
	int wake_from_zero;
	/* Returns the policy's state (may be any non-NULL pointer), or NULL and e.
	 * Messages put in e must not name the policy: the engine prefixes
	 * "policy NAME: " to every one (here, in failed and in platform). */
	void *(*init)(const struct policy_ctx *ctx, struct err *e);
	/* Fills out[0..v->nfn). out[] arrives with desired = -1, no reason. */
	void (*decide)(void *state, const struct scale_view *v,
		       struct scale_decision *out);
	void (*fini)(void *state);

	/* Optional hooks (NULL when unused). */
	/* Returns -1 and e once the policy cannot go on (an external agent
	 * died); the engine checks after every round and stops the run. */
	int (*failed)(void *state, struct err *e);
	/* Keep-alive control: `idle` runs when a managed function's last
	 * invocation ends with nothing queued (it fills plan, which arrives
	 * with unload_after = prewarm_after = -1); `busy` when a request
	 * reaches a function that was idle, which cancels the plan. */
	void (*idle)(void *state, int fn, double now, struct idle_plan *plan);
	void (*busy)(void *state, int fn, double now);
	/* Platform rules, asked once at the start. Returns 0, or -1 and e
	 * when the functions do not fit the platform (Lambda: concurrency 1). */
	int (*platform)(void *state, const struct policy_ctx *ctx,
			struct platform_rules *rules, struct err *e);
	/* > 0: the policy reads the future this many seconds ahead (oracle). */
	double lookahead;
};

/* Appends an observed value to d (ignored past POLICY_MAX_OBSERVED). */
void policy_observe(struct scale_decision *d, const char *name, double value);

/* Appends printf-style text to d->reason, truncating at its size. */
void policy_say(struct scale_decision *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The registry (policies/registry.c): the i-th shipped policy, or NULL past
 * the end; and lookup by name (NULL when unknown). */
const struct policy *policy_at(size_t i);
const struct policy *policy_find(const char *name);

#endif
