/*
 * runner: see runner.h. The order matters for crash safety: the model is
 * built (and the config's inputs opened) before the run's transaction
 * begins, and the transaction is committed only after every row is written,
 * so a run killed at any point leaves nothing, and a run that fails is
 * rolled back.
 */
#include "runner.h"

#include <stdlib.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "policy.h"
#include "rec.h"

#ifndef SPATE_VERSION
#define SPATE_VERSION "unknown"
#endif

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int runner_run(const struct config *c, const struct runner_opts *o,
	       struct runner_result *res, struct model **model, struct err *e)
{
	struct model *m = NULL;
	struct rec *rec = NULL;
	int rc = -1;
	*res = (struct runner_result){0};
	if (model)
		*model = NULL;
	if (!(m = model_new(c, e)) || !(rec = rec_open(o->db, e)))
		goto out;
	char started[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ",
		 gmtime_r(&now, &tm));
	struct rec_run info = {
		.experiment = c->experiment,
		.policy = c->policy->name,
		.seed = c->seed,
		.replication = c->replication,
		.config_json = c->resolved_json,
		.config_hash = c->hash,
		.spate_version = SPATE_VERSION,
		.started_at = started,
		.sweep = o->sweep,
		.sweep_run = o->sweep_run,
	};
	if (rec_run_begin(rec, &info, &res->run_id, e) != 0)
		goto out;
	for (int i = 0; i < o->naxes; i++)
		if (rec_run_axis(rec, res->run_id, o->axis_paths[i],
				 o->axis_values[i], e) != 0) {
			rec_run_abort(rec);
			goto out;
		}
	double t0 = wall();
	int st = model_run(m, rec, res->run_id, o->progress, o->progress_ctx, e);
	res->wall_s = wall() - t0;
	res->events = model_events(m);
	if (st < 0) {
		rec_run_abort(rec);
		goto out;
	}
	res->interrupted = st == 1;
	if (model_record(m, rec, res->run_id, e) != 0 ||
	    rec_run_end(rec, res->run_id, res->wall_s, res->events,
			st == 1 ? "interrupted" : "done", e) != 0) {
		rec_run_abort(rec);
		goto out;
	}
	rc = 0;
	if (model) {
		*model = m;
		m = NULL;
	}
out:
	rec_close(rec);
	model_free(m);
	return rc;
}
