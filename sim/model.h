/*
 * model: the simulated system -- Kafka source topics and their connector, the
 * DAG of functions with their replicas, the monitor and the autoscaler -- and
 * the event loop that runs it.
 *
 * model_new builds everything from a resolved config (opening the workloads);
 * model_run advances simulated time until the configured duration, or until
 * every source is exhausted and the system has drained; the results are then
 * read with model_metric / model_summary_row, or written by model_record.
 * During a run, timeline samples and scaling decisions go to the recorder
 * given to model_run (may be NULL). The model never reads the wall clock: the
 * progress callback is how a caller observes (and may stop) a run.
 * Ownership: the model keeps a pointer to the config, which must outlive it;
 * model_free releases everything else.
 */
#ifndef SPATE_MODEL_H
#define SPATE_MODEL_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct err;
struct cluster;
struct hist;
struct rec;

struct model;

/* Called every few tens of thousands of events. now is simulated time, end
 * the configured duration (INFINITY when none). Return nonzero to stop the
 * run early (it then ends with status "interrupted"). */
typedef int (*model_progress_fn)(void *ctx, double now, double end,
				 uint64_t events);

struct model *model_new(const struct config *cfg, struct err *e);
void model_free(struct model *m);

/* Runs to the end. rec/run_id: where timeline rows and decisions go (rec may
 * be NULL). Returns 0, 1 when the progress callback stopped it, or -1 and e
 * (a trace that turns out bad mid-run is ERR_INPUT naming file and line). */
int model_run(struct model *m, struct rec *rec, int64_t run_id,
	      model_progress_fn progress, void *ctx, struct err *e);

/* Writes latency histograms and the summary rows of a finished run. */
int model_record(const struct model *m, struct rec *rec, int64_t run_id,
		 struct err *e);

uint64_t model_events(const struct model *m);
double model_now(const struct model *m);

/* Summary rows, in a stable order: i from 0 while it returns 1. scope is
 * "e2e" or a function name. */
int model_summary_row(const struct model *m, size_t i, const char **scope,
		      const char **metric, double *value);
/* One summary value; NAN when the scope or metric is unknown. */
double model_metric(const struct model *m, const char *scope,
		    const char *metric);
/* Latency histogram of "e2e" or a function; NULL when unknown. */
const struct hist *model_hist(const struct model *m, const char *scope);
/* The run's nodes (for tests and tools that inspect placement). */
const struct cluster *model_cluster(const struct model *m);

#endif
