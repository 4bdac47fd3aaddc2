/*
 * rec: results in SQLite.
 *
 * One database holds any number of runs. A run is written inside one
 * transaction, opened by rec_run_begin and committed by rec_run_end, so a run
 * killed at any point leaves nothing behind (SQLite's journal rolls it back
 * on the next open). All inserts use prepared statements.
 * Schema (documented in README.md; later issues add tables and columns):
 *   runs(run_id INTEGER PRIMARY KEY, experiment, policy, seed, replication,
 *        config_json, config_hash, spate_version, started_at, wall_s, events,
 *        status, sweep, sweep_run)  -- status 'running' is never committed;
 *        'done', 'interrupted' (SIGINT) or 'failed'. sweep: the hash of the
 *        sweep file that made the run (NULL for a single run) and sweep_run
 *        its index in the sweep's expansion; (sweep, sweep_run) is unique,
 *        which is what lets a resumed sweep skip finished runs.
 *   run_axes(run_id, axis, value)   -- a sweep run's value of each varied
 *        JSON path, as JSON text ("policy.name" -> "\"kpa\"")
 *   timeline(run_id, t, function, pending, ready, busy, draining, queue_len,
 *        inflight, arrival_rate, lag)
 *   decisions(run_id, t, function, from_replicas, to_replicas, reason,
 *        observed)          -- observed: a JSON object of the policy's inputs
 *   latency_hist(run_id, scope, lo, hi, count)   -- scope 'e2e' or a function
 *   summary(run_id, scope, metric, value)
 *   node_timeline(run_id, t, node, class, up, speed, replicas, slots_used)
 *        -- per cluster node at the timeline cadence; speed is the current
 *        one (class speed over any slowdown)
 *   node_events(run_id, t, node, event, value)  -- 'slow' (value: the
 *        factor) and 'fast' at the start and end of a straggler episode
 *   partition_timeline(run_id, t, topic, partition, end_offset, committed,
 *        lag, paused)  -- per source partition at the timeline cadence
 *        (paused: in a consumer-group rebalance); the view topic_timeline
 *        sums it per topic (with max_partition_lag, partitions_with_lag)
 * Ownership: rec_open's result is closed with rec_close; strings passed in are
 * copied by SQLite.
 */
#ifndef SPATE_REC_H
#define SPATE_REC_H

#include <stdint.h>

struct err;
struct hist;
struct rec;

struct rec_run {
	const char *experiment;
	const char *policy;
	uint64_t seed;
	int replication;
	const char *config_json;
	const char *config_hash;
	const char *spate_version;
	const char *started_at;   /* ISO 8601, UTC */
	const char *sweep;        /* NULL for a run outside a sweep */
	int64_t sweep_run;
};

struct rec_timeline_row {
	double t;
	const char *function;
	int pending, ready, busy, draining;
	long queue_len, inflight;
	double arrival_rate;
	long lag;
};

struct rec_partition_row {
	double t;
	const char *topic;
	int partition;
	int64_t end_offset, committed;   /* lag = end_offset - committed */
	int paused;             /* waiting for a consumer-group rebalance */
};

struct rec_node_row {
	double t;
	int node;
	const char *cls;
	int up;
	double speed;
	int replicas, slots_used;
};

/* Opens (creating if needed) the database and its schema, creating the
 * parent directory if missing. NULL and e (ERR_INPUT for a path that cannot
 * be opened or written, with SQLite's message) on failure. */
struct rec *rec_open(const char *path, struct err *e);
void rec_close(struct rec *r);

/* Begins the run's transaction and inserts its runs row (status 'running').
 * Returns 0 and *run_id, or -1 and e. */
int rec_run_begin(struct rec *r, const struct rec_run *info, int64_t *run_id,
		  struct err *e);
int rec_timeline(struct rec *r, int64_t run_id,
		 const struct rec_timeline_row *row, struct err *e);
int rec_decision(struct rec *r, int64_t run_id, double t, const char *function,
		 int from, int to, const char *reason, const char *observed_json,
		 struct err *e);
/* One row per non-empty bucket of h. */
int rec_latency_hist(struct rec *r, int64_t run_id, const char *scope,
		     const struct hist *h, struct err *e);
int rec_summary(struct rec *r, int64_t run_id, const char *scope,
		const char *metric, double value, struct err *e);
int rec_node_timeline(struct rec *r, int64_t run_id,
		      const struct rec_node_row *row, struct err *e);
int rec_node_event(struct rec *r, int64_t run_id, double t, int node,
		   const char *event, double value, struct err *e);
/* A consumer group's rebalance on topic: "rebalance" when membership
 * changed (members now, partitions paused), "assigned" when it ended. */
int rec_group_event(struct rec *r, int64_t run_id, double t, const char *topic,
		    const char *event, int members, int paused, struct err *e);
int rec_partition_timeline(struct rec *r, int64_t run_id,
			   const struct rec_partition_row *row, struct err *e);
/* Records the value (JSON text) a sweep gave to one varied path. */
int rec_run_axis(struct rec *r, int64_t run_id, const char *axis,
		 const char *value_json, struct err *e);
/* Sets wall_s, events and status, and commits. */
int rec_run_end(struct rec *r, int64_t run_id, double wall_s, uint64_t events,
		const char *status, struct err *e);
/* Rolls the open run back (nothing of it remains). */
void rec_run_abort(struct rec *r);

#endif
