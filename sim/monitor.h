/*
 * monitor: what a Prometheus-like scraper would know about each function.
 *
 * Every scrape interval the monitor copies each function's counters and gauges
 * into a ring of samples. Policies query only these samples, so what they see
 * is as stale as the scrape makes it; they never read the simulator's state.
 * Counters only grow; some are time integrals (busy slot-seconds, queue
 * length-seconds), so a windowed rate of them is an exact time average over
 * the window, like a 1-s-averaged concurrency stat.
 * The ring keeps `retention` seconds of samples; queries over a longer window
 * use what there is. Windows are measured back from the latest sample.
 * Latency quantiles come from per-function cumulative bucket counts (4
 * buckets per power of two, like a Prometheus histogram with exponential
 * buckets), snapshotted at each scrape: a windowed quantile is interpolated
 * inside the bucket holding the rank. The buckets split each octave into
 * four equal parts, [2^e (1 + k/4), 2^e (1 + (k+1)/4)), not ratios of
 * 2^(1/4): a bucket is 25% of its lower bound wide at the bottom of an
 * octave and 14% at the top, so a quantile reads up to 25% high (only
 * 1.0 s latencies: the maximum reads 1.25 s) or 20% low -- what a real
 * monitoring stack gives, not the exact results' 0.4%.
 */
#ifndef SPATE_MONITOR_H
#define SPATE_MONITOR_H

#include <stddef.h>

struct err;
struct mon;

enum mon_metric {
	/* counters */
	MON_ARRIVALS,      /* messages that entered the function (queued or dropped) */
	MON_COMPLETIONS,   /* invocations finished */
	MON_DROPS,
	MON_COLD_STARTS,
	MON_BUSY_TIME,     /* integral of busy slots (slot-seconds), draining
			      replicas included: useful time */
	MON_READY_BUSY_TIME, /* the same over ready replicas only: utilization */
	MON_QUEUE_TIME,    /* integral of queue length (message-seconds) */
	MON_READY_TIME,    /* integral of ready replicas (replica-seconds) */
	MON_LATENCY_SUM,   /* sum of per-function latencies of completions (s) */
	MON_SOURCE_APPENDS,/* messages appended to the partitions feeding it */
	MON_OUTPUTS,       /* messages emitted to its children (DS2's records out) */
	MON_BACKPRESSURE_TIME, /* seconds during which some sender (an upstream
				  slot or a partition) was blocked waiting for
				  room in its queue (Dhalion's backpressure) */
	MON_THROTTLES,     /* requests refused by a platform limit (HTTP 429) */
	MON_USEFUL_TIME,   /* integral of slots actually serving (slot-seconds):
			      busy time minus slots held only because outputs
			      wait for room downstream (DS2's useful time) */
	MON_SERVICE_SUM,   /* sum of the service times of completions (s) */
	MON_SERVICE_SQ_SUM,/* sum of their squares (s^2): the second moment */
	/* gauges, instantaneous at the scrape */
	MON_QUEUE,         /* messages waiting */
	MON_INFLIGHT,      /* busy slots */
	MON_READY,         /* ready replicas */
	MON_PENDING,       /* replicas starting */
	MON_DRAINING,
	MON_LAG,           /* sum of consumer lag of the partitions feeding it */
	MON_NMETRICS
};

/* Returns 1 for counters, 0 for gauges. */
int mon_is_counter(enum mon_metric m);
const char *mon_metric_name(enum mon_metric m);

/* Time of the latest sample, or -1 before the first scrape. */
double mon_last_time(const struct mon *m);
double mon_interval(const struct mon *m);

/* Counter: increase over the window divided by the time the samples span
 * (per second); 0 with fewer than two samples. */
double mon_rate(const struct mon *m, int fn, enum mon_metric c, double window);
/* Counter: plain increase over the window. */
double mon_delta(const struct mon *m, int fn, enum mon_metric c, double window);
/* Gauge: mean / max of the samples inside the window (0 when none). */
double mon_avg(const struct mon *m, int fn, enum mon_metric g, double window);
double mon_max(const struct mon *m, int fn, enum mon_metric g, double window);
/* Latest sampled value of any metric (0 before the first scrape). */
double mon_last(const struct mon *m, int fn, enum mon_metric x);
/* Number of samples inside the window. */
int mon_count(const struct mon *m, double window);

/* Derived, each over the window: time-averaged busy slots of ready replicas
 * divided by time-averaged ready slots, so at most 1 (0 when nothing was
 * ready; draining replicas are in neither); mean service time
 * (busy time / completions); mean per-function latency. */
double mon_utilization(const struct mon *m, int fn, int concurrency,
		       double window);
double mon_service_time(const struct mon *m, int fn, double window);
/* Squared coefficient of variation of the service times of the window's
 * completions, Var/mean^2; -1 with fewer than `min_n` of them. */
double mon_service_cv2(const struct mon *m, int fn, double window, int min_n);
double mon_latency(const struct mon *m, int fn, double window);
/* q-quantile (0..1) of the per-function latencies of invocations completed
 * within the window; 0 when there were none. */
double mon_quantile(const struct mon *m, int fn, double q, double window);

/* Engine side. nfn functions; samples kept for `retention` seconds. */
struct mon *mon_new(int nfn, double interval, double retention);
void mon_free(struct mon *m);
/* Appends one sample: values[fn * MON_NMETRICS + metric], plus a snapshot
 * of the latency buckets. */
void mon_push(struct mon *m, double t, const double *values);
/* Counts one completed invocation's latency (s) into fn's buckets; called on
 * every completion, so it is a few instructions. */
void mon_observe_latency(struct mon *m, int fn, double latency);

#endif
