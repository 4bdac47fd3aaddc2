/*
 * config: an experiment file (JSON) loaded, validated and resolved.
 *
 * config_load reads the file, applies --set overrides, checks every key
 * against the schema (an unknown key is an error with a "did you mean"),
 * checks types and ranges, resolves names (functions, policies, workloads),
 * validates the DAG, and fills in every default. The resolved document, with
 * all defaults present, is kept as canonical JSON; its hash identifies the
 * configuration in the results. cJSON is used only inside config.c.
 * Errors are ERR_INPUT and name the place: "path/to/file.json:LINE:COL: ..."
 * for syntax, "file.json: functions[1].service.mean: must be > 0, got -2"
 * for values.
 * Relative file paths in a config (a workload's "path", an empirical
 * distribution's "file") resolve against the directory of the config file.
 * Ownership: everything reachable from a struct config belongs to it and is
 * released by config_free.
 */
#ifndef SPATE_CONFIG_H
#define SPATE_CONFIG_H

#include <stdint.h>

#include "param.h"

struct dist;
struct err;
struct plugin;
struct policy;
struct workload;

enum key_mode { KEYS_HASH, KEYS_ROUND_ROBIN };
enum cold_mode { COLD_DELAY, COLD_FIRST_REQUEST };
enum on_full { FULL_DROP, FULL_BLOCK };
enum edge_mode { EDGES_BROADCAST, EDGES_BRANCH };
enum cost_model { COST_GB_SECOND, COST_REPLICA_HOUR };
enum placement { PLACE_SPREAD, PLACE_PACK, PLACE_RANDOM };
enum lb_mode {
	LB_CENTRAL,             /* one FIFO per function, idle replica first */
	LB_ROUND_ROBIN, LB_RANDOM, LB_LEAST_OUTSTANDING, LB_POWER_OF_TWO,
	LB_JSQ,                 /* fewest waiting (not in service) */
	LB_SPEED_AWARE,         /* least expected wait from observed speed */
};

/* A merged input of a source (see arrivals.h): a workload, or itself a
 * merge, with its own transforms. The fields mean what cfg_source's do. */
struct cfg_arrivals {
	const struct workload *workload;      /* NULL: the merge of merge[] */
	union param_val *workload_params;     /* [workload->nparams] */
	struct cfg_arrivals *merge;
	int nmerge;
	double slice_from_s, slice_to_s;
	int slice_rebase;
	double time_scale, shift_s, rate_scale;
};

struct cfg_source {
	char *topic;
	int partitions;
	enum key_mode keys;
	const struct workload *workload;
	union param_val *workload_params;     /* [workload->nparams] */
	double time_scale;      /* trace times are multiplied by this */
	double rate_scale;      /* >1 replicates arrivals, <1 thins them */
	/* streaming transforms (arrivals.h); the defaults change nothing */
	struct cfg_arrivals *merge;   /* inputs merged by time; workload is
					 NULL when nmerge > 0 */
	int nmerge;
	double slice_from_s, slice_to_s;   /* [from, to) of the input's clock;
					      to INFINITY: no end */
	int slice_rebase;       /* 1: the window starts at 0 */
	double shift_s;         /* added after time_scale */
	int *targets;           /* entry functions it invokes (indices) */
	int ntargets;
	/* connector */
	int batch_max;          /* records released together at most */
	double batch_wait_s;    /* max wait for a batch to fill; 0 = none */
	int max_inflight;       /* per partition; 0 = unlimited */
	/* consumer group: with consumers = replicas (KEDA's deployment) the
	 * entry function's READY replicas are the group's members and each
	 * partition is served by its owner only; a change of membership
	 * pauses consumption for a rebalance_s draw (every partition when
	 * eager, the partitions that move when cooperative); a crashed member
	 * is noticed after session_timeout_s, and its partitions are re-read
	 * from their committed offsets */
	int replicas_group;
	int cooperative;
	struct dist *rebalance_s;
	double session_timeout_s;
	/* topic retention (Kafka's log cleanup policy "delete"), off unless
	 * the source has a "retention" object: the log is cut into segments
	 * that roll after segment_s or segment_bytes, and every check_s the
	 * oldest closed segments go once their newest record is older than
	 * time_s or while the log without them still holds bytes (< 0: no
	 * size limit). Records not yet fetched when their segment goes are
	 * lost ("expired"); the consumer resumes at the new log start
	 * (offset_reset earliest) or at the log end (latest). */
	int retention;
	double retention_s, retention_bytes, segment_s, segment_bytes;
	double retention_check_s;
	int reset_latest;
};

struct cfg_edge {
	int to;                 /* function index */
	double p;               /* branch probability (broadcast: 1) */
};

struct cfg_function {
	char *name;
	int node_slots;             /* slots a replica takes on its node */
	struct dist *service;
	struct dist *cold_start;    /* NULL: no cold start */
	enum cold_mode cold_mode;
	struct dist *outputs;       /* outputs per input; NULL = exactly 1 */
	int concurrency;            /* slots per replica */
	double memory_mb;
	double keep_alive_s;        /* INFINITY: replicas never idle out */
	int min_replicas, max_replicas, initial_replicas;
	long queue_capacity;        /* -1: unbounded */
	enum on_full on_full;
	int on_demand;              /* a message finding no free slot starts a
				       replica at once (Lambda/OpenWhisk) */
	int managed;                /* the autoscaler may change it */
	enum edge_mode edge_mode;
	struct cfg_edge *edges;
	int nedges;
	union param_val *policy_params;   /* [policy->nparams] */
	/* object-store requests per invocation: GETs before the service,
	 * PUTs after it, one after another (io: the section was given) */
	int io;
	struct dist *io_gets, *io_puts, *io_get_bytes, *io_put_bytes;
	/* failures: each replica crashes after a replica_ttf draw from its
	 * placement (NULL: never); each invocation fails with error_p at the
	 * end of its service; a crashed replica is replaced restart_s later */
	struct dist *replica_ttf;
	double error_p, restart_s;
	/* a failed invocation is offered again after backoff_s x
	 * backoff_factor^(n-1) (at most backoff_max_s; full jitter: a uniform
	 * fraction of it), until max_attempts have failed: then dead-lettered */
	int max_attempts, jitter;
	double backoff_s, backoff_factor, backoff_max_s;
};

struct cfg_cost {
	enum cost_model model;
	double usd_per_gb_s;        /* AWS Lambda x86: 0.0000166667 */
	double usd_per_request;     /* AWS Lambda: 0.20 per million */
	double usd_per_replica_hour;
	int bill_execution;         /* 1: GB-s of execution time (Lambda);
				       0: GB-s of replica lifetime */
};

/* An S3-like object store: a request takes a first-byte latency draw plus
 * its bytes over the per-request bandwidth. */
struct cfg_objstore {
	struct dist *get_latency, *put_latency;
	double bytes_per_s;
	double usd_per_get, usd_per_put;
};

struct cfg_node_class {
	char *name;
	int count, slots;
	double memory_mb;
	double speed;               /* service time is divided by it */
};

/* Nodes and what goes wrong with them. No node classes: capacity is
 * unlimited and every replica runs at speed 1 (no placement). */
struct cfg_cluster {
	struct cfg_node_class *classes;
	int nclasses, nnodes;
	enum placement placement;
	enum lb_mode lb;
	/* slow episodes: per node, onset as a Poisson process while the node
	 * is not slow; factor >= 1 multiplies service times */
	double onset_rate_per_s;
	struct dist *slowdown, *episode_s;
	int slow_nodes;             /* persistently slow, chosen at random */
	double slow_factor;
	double inflation_p;         /* per invocation */
	struct dist *inflation;
	/* speculative re-execution: a duplicate on another node once an
	 * invocation has run spec_k x the observed median service time (or the
	 * spec_q quantile, when > 0), after spec_min_samples observations */
	int speculate;
	double spec_k, spec_q;
	int spec_min_samples;
	/* replacing slow replicas: at each scrape, a READY replica whose
	 * observed service time is over replace_ratio x the median is drained
	 * and a new one started on another node (0: off) */
	double replace_ratio;
	int replace_min_samples;
	/* node crashes: per node a renewal process (up for a node_ttf draw,
	 * down for a node_repair draw; NULL: none) and the crashes listed in
	 * the schedule; the replicas of a crashed node are replaced detect_s
	 * later (the time the control plane takes to notice) */
	struct dist *node_ttf, *node_repair;
	struct cfg_crash { int node; double at_s, down_s; } *schedule;
	int nschedule;
	double detect_s;
};

struct config {
	char *path;                 /* file it came from ("<string>" in tests) */
	char *experiment;
	uint64_t seed;
	int replication;
	char *rng_type;             /* GSL generator name */
	double duration_s;          /* INFINITY: until sources end and drain */
	double warmup_s;            /* latencies of jobs arriving earlier are
				       not recorded */
	struct cfg_source *sources;
	int nsources;
	struct cfg_function *functions;
	int nfunctions;
	const struct policy *policy;
	struct plugin *plugin;      /* the shared object it came from, or NULL */
	char *plugin_path, *plugin_symbol;
	double decision_interval_s;
	double actuation_delay_s;
	double scrape_interval_s;
	double monitor_retention_s;
	struct cfg_cost cost;
	struct cfg_cluster cluster;
	struct cfg_objstore objstore;
	double slo_latency_s;       /* 0: no SLO */
	double timeline_interval_s; /* 0: no timeline */
	int partition_timeline;     /* rows per source partition too */
	char *resolved_json;        /* canonical, defaults filled in */
	char hash[17];              /* FNV-1a 64 of resolved_json, hex */
};

/* Loads path, applying overrides "json.path=value" (value is JSON, or a bare
 * string when it does not parse as JSON; paths like functions[1].max_replicas
 * or functions.infer.max_replicas). NULL and e on any error. */
struct config *config_load(const char *path, const char *const *sets,
			   int nsets, struct err *e);
/* The same from text in memory; `name` stands for the file in messages;
 * relative paths resolve against the current directory. */
struct config *config_parse(const char *text, const char *name,
			    const char *const *sets, int nsets, struct err *e);
void config_free(struct config *c);

/* The error for a JSON document that does not parse: "name:LINE:COL: JSON
 * syntax error near '...'", located from cJSON's error pointer `where`
 * into text (a parse error at the end of a line or of the input points at
 * its last real character). Returns -1 with e set, ERR_INPUT. */
int config_syntax_error(const char *name, const char *text, const char *where,
			struct err *e);

/* A distribution from its JSON text, exactly as a config gives one (a bare
 * number, or an object with "type"); `where` names it in messages ("NAME:
 * PATH: ..."), relative sample files resolve against the current
 * directory. NULL and e (ERR_INPUT) when the text is not one. The caller
 * frees it with dist_free. */
struct dist *config_dist_text(const char *text, const char *where, struct err *e);

/* Index of the function called name, or -1. */
int config_function_index(const struct config *c, const char *name);

#endif
