/*
 * sweep: many runs from one file -- the cartesian product of varied config
 * paths, times replications -- run by local worker processes into one
 * results database, resumable after a kill; and the merge of databases.
 *
 * Sweep file (JSON; every key optional unless marked required):
 * {
 *   "base": required: a config file path (relative paths resolve against
 *           the sweep file's directory) or an inline config object. The
 *           base must be a valid config by itself.
 *   "vary": [ {"path": "autoscaler.policy", "values": ["hpa", "kpa"]},
 *             {"path": "sources[0].arrivals.rate_scale", "values": [1, 2]} ]
 *           each path is a config --set path (config.h: dot-separated keys,
 *           [N] indices, or an array element's name/topic as a key); each
 *           value any JSON value. "seed", "replication" and "experiment"
 *           cannot be varied: the sweep sets them. [none]
 *   "zip": [["path a", "path b"], ...]  axes listed together (at least two,
 *           each axis in one group at most, equal numbers of values) advance
 *           together, as one axis placed where its first member is in "vary".
 *   "replications": integer >= 1 [1]
 *   "seed": integer in [0, 2^53]  [the base config's seed]
 *   "experiment": string  [the base config's experiment; for an inline base
 *           without one, the sweep file's name without ".json"]
 * }
 * An inline base's relative file paths (a trace) resolve against the
 * current directory, since config_parse has no directory to resolve them
 * against; a base file resolves them against its own directory. Axis values
 * that are paths resolve the same way.
 * Unknown keys are errors with a "did you mean"; every message names the
 * file and the JSON path ("s.json: vary[1].values: must be a non-empty
 * array").
 *
 * Expansion: run index i enumerates the product of the axes in the order
 * given, the last axis varying fastest, and replications innermost: i =
 * point * replications + r. A run is the base config with, as --set
 * overrides, each axis's value at its point, then "seed" = seed + r and
 * "replication" = r (and "experiment" when given). The axis values are
 * recorded in run_axes, so `spate report --by AXIS` can group by them.
 *
 * Common random numbers: every point of replication r runs with the same
 * seed, seed + r. Each model component draws from its own random stream,
 * named after it and seeded from (run seed, name) (rng.h), so at replication
 * r every policy and every axis value sees the same arrival sequence (gaps,
 * sizes, keys) and each function the same sequence of service, cold-start
 * and output draws: differences between points of one replication are
 * paired, and their confidence intervals (report.h --baseline) are much
 * tighter than those of independent runs. Axes that change a stream's own
 * parameters (a rate, a trace, rate_scale's thinning) change that stream by
 * design; the pairing still holds across the other axes.
 *
 * Identity: the sweep hash (runs.sweep) is FNV-1a 64 of the canonical sweep
 * text (vary, zip groups in axis order, replications, seed and experiment,
 * defaults filled in, numbers exact) followed by the base config's resolved
 * hash. So where the
 * base lives does not matter, but editing the sweep (adding a value, another
 * replication count) or the base config makes a new sweep, whose runs
 * resume does not mix with the old one's. (sweep, sweep_run) is unique in a
 * database.
 *
 * Execution: sweep_run forks `jobs` worker processes and hands them run
 * indices one at a time as each finishes (uneven runs balance themselves).
 * Each worker runs into a private shard database (SQLite serialises writers
 * and a run holds its write lock for its whole length, so workers sharing
 * the output would run one at a time), then copies the finished run into
 * the output in one short transaction. Results do not depend on jobs: a
 * run's config and seed are a function of its index only. Shards live in
 * the directory DB.sweep-HASH/ beside the output ("shard-K" for worker slot
 * K, and a "lock" file, held with a POSIX record lock while a sweep runs,
 * so two sweeps of the same hash cannot share a database at once); it is
 * removed when the sweep ends, and left behind only by a killed sweep.
 * Starting a sweep first copies the finished runs of any leftover shards
 * into the output ("recovered"), so a kill at any moment loses no finished
 * run; a run killed mid-way leaves nothing and runs again.
 * Resume: a run of this sweep already in the output with status 'done' is
 * skipped; without resume, finding one is an error that suggests --resume.
 * A failing run (an axis value the config rejects, a trace that turns bad)
 * is reported with its index and axis values; the other runs go on and the
 * sweep fails at the end.
 * Interruption (*interrupted becomes nonzero, e.g. from a SIGINT handler):
 * no new run starts, running ones are killed (leaving nothing), finished
 * ones are kept. Workers restore SIGINT's default action, so a terminal's
 * Ctrl-C stops them at once too.
 * Ownership: sweep_load's result is released with sweep_free; strings
 * returned by accessors belong to the sweep.
 */
#ifndef SPATE_SWEEP_H
#define SPATE_SWEEP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct config;
struct err;
struct sweep;

/* Reads and validates a sweep file and its base config. NULL and e
 * (ERR_INPUT naming file and JSON path, ERR_INTERNAL for memory) on
 * failure. */
struct sweep *sweep_load(const char *path, struct err *e);
/* The same from text; `name` stands for the file in messages, and a
 * relative base path resolves against the current directory. */
struct sweep *sweep_parse(const char *text, const char *name, struct err *e);
void sweep_free(struct sweep *s);

/* The sweep hash: 16 hex digits. */
const char *sweep_hash(const struct sweep *s);
size_t sweep_nruns(const struct sweep *s);
int sweep_replications(const struct sweep *s);
int sweep_naxes(const struct sweep *s);
/* Path of axis a (in "vary" order), NULL when out of range. */
const char *sweep_axis(const struct sweep *s, int a);
/* Run i's value of axis a as JSON text (numbers in their shortest exact
 * form), NULL when out of range. */
const char *sweep_value(const struct sweep *s, size_t i, int a);
/* Run i's replication (-1 out of range) and seed (seed + replication). */
int sweep_replication(const struct sweep *s, size_t i);
uint64_t sweep_seed(const struct sweep *s, size_t i);
/* Run i's config: the base with its overrides applied. NULL and e (the
 * config's message, prefixed with the run and its axis values). */
struct config *sweep_config(const struct sweep *s, size_t i, struct err *e);

/* What a sweep_run did. total = skipped + recovered + done + failed +
 * (runs not started because of an interruption). */
struct sweep_stats {
	size_t total;       /* runs in the expansion */
	size_t skipped;     /* already done in the output before this start */
	size_t recovered;   /* finished runs copied from leftover shards */
	size_t done;        /* run and committed now */
	size_t failed;
};

struct sweep_opts {
	const char *path;        /* the sweep file */
	const char *db;          /* output database */
	int jobs;                /* worker processes, >= 1 */
	int resume;
	int quiet;               /* no progress bar or closing line */
	volatile sig_atomic_t *interrupted;   /* may be NULL */
	FILE *log;               /* progress and failures; NULL: stderr */
	struct sweep_stats *stats;            /* may be NULL; filled in */
};

/* Runs the sweep at o->path into o->db. Returns 0 when every run of the
 * sweep is done, 1 when interrupted (finished runs are kept; resume runs the
 * rest), -1 and e otherwise: a bad sweep file, options or database (nothing
 * run), or failed runs (the others ran; e counts them and repeats the first
 * one's message, with its code). */
int sweep_run(const struct sweep_opts *o, struct err *e);

/* For a driver that hands out runs itself (sweep_mpi.c): sweep_run in
 * steps, without its worker processes. sweep_run is built on them, so such a
 * driver gets the same directory and lock, recovery, resume rules, failure
 * messages, progress bar and closing line. */
struct sweep_job;

/* What sweep_run does before running anything: loads o->path, creates
 * o->db, takes the lock of DB.sweep-HASH/, recovers leftover shards and
 * lists the runs still to do (finding done ones without o->resume is an
 * error); draws the progress bar. o->jobs is not used. NULL and e. */
struct sweep_job *sweep_job_start(const struct sweep_opts *o, struct err *e);
const struct sweep *sweep_job_sweep(const struct sweep_job *j);
/* The runs to do, ascending; *n of them. */
const size_t *sweep_job_todo(const struct sweep_job *j, size_t *n);
/* Counts run i: ok, or failed with msg (code: its enum err_code), which is
 * printed with the run's axis values; the first failure becomes the
 * sweep's error. Redraws the progress bar. */
void sweep_job_result(struct sweep_job *j, size_t i, int ok, int code,
		      const char *msg);
/* Redraws the progress bar (at most 4 times a second). */
void sweep_job_tick(struct sweep_job *j);
/* Copies the finished runs of every shard into the output and removes the
 * shards, prints the closing line ("... in 2.0 s (how)"), releases the lock
 * and frees j. in_shards: runs reported done that the driver left in
 * shards (they count as done, not recovered; finding fewer is an internal
 * error). rc: the driver's outcome, 0, 1 (interrupted) or -1 (e set).
 * Returns as sweep_run does. */
int sweep_job_finish(struct sweep_job *j, int rc, size_t in_shards,
		     const char *how, struct err *e);

/* DB.sweep-HASH/shard-K: where worker k of a sweep of s into db writes,
 * and where sweep_job_start and sweep_job_finish look. NULL: out of
 * memory. Free it. */
char *sweep_shard_path(const struct sweep *s, const char *db, int k);
/* Runs run i and adds it to the database at shard (created if needed),
 * with status 'done'. progress (may be NULL) is runner_opts.progress: a
 * nonzero return stops the run, recorded as 'interrupted', which merges
 * and sweep_job_finish do not copy. Returns 0, 1 when stopped, -1 and e
 * (the run left nothing in shard). */
int sweep_run_one(const struct sweep *s, size_t i, const char *shard,
		  int (*progress)(void *ctx, double now, double end,
				  uint64_t events),
		  void *ctx, struct err *e);

struct sweep_merge_counts {
	size_t copied;      /* runs copied into out */
	size_t skipped;     /* runs out already had */
};

/* Copies every run of each input database (all tables: runs, run_axes,
 * timeline, decisions, latency_hist, summary) into out (created if needed),
 * with new run_ids, one transaction per input. A run out already has is
 * skipped and counted: a sweep run by its (sweep, sweep_run), any other run
 * when config_hash, seed, started_at, wall_s and events all match (only a
 * copy of it does), so merging again changes nothing. An input of another
 * schema_version, a missing input or out itself as an input is an error
 * (ERR_INPUT); inputs before it stay merged. counts may be NULL. */
int sweep_merge(const char *const *inputs, int n, const char *out,
		struct sweep_merge_counts *counts, struct err *e);

#endif
