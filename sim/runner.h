/*
 * runner: one simulation run from a loaded config to a committed result:
 * build the model, open the database, record the run (one transaction),
 * run, summarize, commit. `spate run` and every sweep worker use it, so a
 * run means the same thing whichever way it was started.
 * The runner reads the wall clock (wall_s, started_at); the model never does.
 * Ownership: everything passed in stays the caller's.
 */
#ifndef SPATE_RUNNER_H
#define SPATE_RUNNER_H

#include <stdint.h>

#include "model.h"

struct config;
struct err;

struct runner_opts {
	const char *db;              /* results database */
	const char *sweep;           /* NULL outside a sweep */
	int64_t sweep_run;           /* index of the run in its sweep */
	int naxes;                   /* values the sweep gave to varied paths */
	const char *const *axis_paths, *const *axis_values;   /* JSON text */
	model_progress_fn progress;  /* may be NULL; nonzero return stops */
	void *progress_ctx;
};

struct runner_result {
	int64_t run_id;
	double wall_s;
	uint64_t events;
	int interrupted;             /* stopped by progress: recorded as such */
};

/* Runs c and records it in o->db. Returns 0 (res filled; the run is
 * committed with status 'done' or 'interrupted'), or -1 and e (nothing of
 * the run is left in the database). If model is not NULL, *model receives
 * the finished model (free it with model_free) for the caller to print. */
int runner_run(const struct config *c, const struct runner_opts *o,
	       struct runner_result *res, struct model **model, struct err *e);

#endif
