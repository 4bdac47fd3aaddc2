/*
 * azure-functions-2021: replays the Azure Functions invocation trace 2021
 * (Azure Public Dataset; Zhang et al., "Faster and Cheaper Serverless
 * Computing on Harvested Resources", SOSP 2021; CC-BY-4.0), one invocation
 * per row:
 *
 *     app,func,end_timestamp,duration
 *     7b2c...,e3cd...,0.07949090003967285,0.078
 *
 * Both numbers are seconds (end_timestamp from the trace start). The
 * invocation arrived at end_timestamp - duration, and that is its time here
 * (already relative to the trace start, so not shifted). `func` is unique
 * only within its `app`: the `app` and `func` params filter rows, and `func`
 * alone keeps that name in every app.
 * Size = duration in seconds. With a service time of
 * {"type": "deterministic", "value": 0, "per_byte": 1} a function then takes
 * exactly the trace's duration for each invocation, so the trace's own
 * execution times are replayed; any other per_byte scales them.
 * Order: rows are in arrival order, but arrivals are computed from a
 * duration rounded to the millisecond, so neighbours can swap by that much.
 * A row earlier than the last replayed one by at most `tolerance_s` is
 * replayed at the last one's time (never earlier); by more it is an error
 * naming the line, unless `sort_window` > 0, where rows are re-sorted
 * within a window of that many rows (reorder.h) and only a row displaced by
 * more than the window fails. The order is checked over all rows, kept or
 * not: the file is one timeline.
 * Validation: 4 fields; finite numbers; end_timestamp >= 0; duration >= 0;
 * an arrival before the trace start (duration > end_timestamp) is an error.
 * The header is optional (a first line whose end_timestamp is not a
 * number); empty lines are skipped; CRLF, no final newline and gzip are
 * fine (linereader). Every invocation is keyless.
 * Access pattern: one streaming pass; memory is O(sort_window).
 */
#include "workload.h"

#include "err.h"
#include "linereader.h"
#include "reorder.h"
#include "tparse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_PATH, P_APP, P_FUNC, P_TOLERANCE, P_SORT_WINDOW, P_N };

/* Bounds the reorder buffer, allocated at open (56 bytes a row). */
#define AZ21_MAX_WINDOW 1000000

static const struct param_def az21_params[P_N] = {
	[P_PATH] = {
		.name = "path", .type = PARAM_STR, .def_str = NULL,
		.help = "trace file with rows app,func,end_timestamp,duration "
			"(seconds); plain or gzip-compressed; header optional",
	},
	[P_APP] = {
		.name = "app", .type = PARAM_STR, .def_str = "",
		.help = "replay only rows of this app; \"\" = every app",
	},
	[P_FUNC] = {
		.name = "func", .type = PARAM_STR, .def_str = "",
		.help = "replay only rows of this func (unique only within an "
			"app); \"\" = every func",
	},
	[P_TOLERANCE] = {
		.name = "tolerance_s", .type = PARAM_NUM, .def = 0.001, .min = 0,
		.max = 86400,
		.help = "a row earlier than the last replayed by at most this many "
			"seconds is replayed at the last one's time (durations are "
			"rounded to 1 ms); more is an error",
	},
	[P_SORT_WINDOW] = {
		.name = "sort_window", .type = PARAM_INT, .def = 0, .min = 0,
		.max = AZ21_MAX_WINDOW,
		.help = "re-sort rows by arrival within this many rows; 0 = rows "
			"must be in arrival order (within tolerance_s)",
	},
};

enum { F_APP, F_FUNC, F_END, F_DUR, NFIELDS };

struct az21 {
	struct lr *lr;
	struct reorder *ro;
	char *app, *func;     /* NULL: no filter */
	int seen_first;
	int eof;
};

static void az21_close(void *state)
{
	struct az21 *s = state;
	if (!s)
		return;
	lr_close(s->lr);
	reorder_free(s->ro);
	free(s->app);
	free(s->func);
	free(s);
}

/* strdup of a non-empty filter; *out NULL for "" or NULL. 0 or -1. */
static int dup_filter(const char *v, char **out)
{
	*out = NULL;
	if (!v || !*v)
		return 0;
	return (*out = strdup(v)) ? 0 : -1;
}

static void *az21_open(const union param_val *p, struct rng *rng,
		       struct err *e)
{
	const char *path = p[P_PATH].str;
	if (!path || !*path) {
		err_set(e, ERR_INPUT, "path is required");
		return NULL;
	}
	double tol = p[P_TOLERANCE].num, w = p[P_SORT_WINDOW].num;
	if (!(tol >= 0) || !isfinite(tol)) {
		err_set(e, ERR_INPUT, "tolerance_s must be >= 0 and finite, got %g",
			tol);
		return NULL;
	}
	if (!(w >= 0 && w <= AZ21_MAX_WINDOW) || w != floor(w)) {
		err_set(e, ERR_INPUT, "sort_window must be an integer in [0, %d], "
			"got %g", AZ21_MAX_WINDOW, w);
		return NULL;
	}
	struct az21 *s = calloc(1, sizeof *s);
	if (!s || !(s->ro = reorder_new((size_t)w, tol)) ||
	    dup_filter(p[P_APP].str, &s->app) ||
	    dup_filter(p[P_FUNC].str, &s->func)) {
		az21_close(s);
		err_set(e, ERR_INTERNAL, "%s: out of memory", path);
		return NULL;
	}
	if (!(s->lr = lr_open(path, e))) {
		az21_close(s);
		return NULL;
	}
	return s;
}

static int field_seconds(struct az21 *s, const char *name, const char *text,
			 double *out, struct err *e)
{
	switch (tparse_decimal(text, out)) {
	case TPARSE_OK:
		break;
	case TPARSE_RANGE:
		return tparse_fail(e, s->lr, "%s \"%.80s\" is not finite", name,
				   text);
	default:
		return tparse_fail(e, s->lr, "%s \"%.80s\" is not a number", name,
				   text);
	}
	if (*out < 0)
		return tparse_fail(e, s->lr, "%s \"%.80s\" is negative", name, text);
	return 0;
}

/* Reads lines until one row is pushed (1), the end (0) or an error. */
static int az21_read(struct az21 *s, struct err *e)
{
	char *line, *f[NFIELDS];
	size_t len;
	int rc;
	while ((rc = lr_next(s->lr, &line, &len, e)) == 1) {
		if (len == 0)
			continue;
		size_t nf = lr_split(line, ',', f, NFIELDS);
		double end, dur;
		if (!s->seen_first) {
			s->seen_first = 1;
			if (nf > F_END && *f[F_END] &&
			    tparse_decimal(f[F_END], &end) == TPARSE_SYNTAX) {
				if (nf != NFIELDS)
					return tparse_fail(e, s->lr, "header has %zu fields, "
							   "expected 4 (app,func,end_timestamp,"
							   "duration)", nf);
				continue;
			}
		}
		if (nf != NFIELDS)
			return tparse_fail(e, s->lr, "expected 4 fields (app,func,"
					   "end_timestamp,duration), got %zu", nf);
		if (field_seconds(s, "end_timestamp", f[F_END], &end, e) ||
		    field_seconds(s, "duration", f[F_DUR], &dur, e))
			return -1;
		double t = end - dur;
		if (t < 0)
			return tparse_fail(e, s->lr, "arrival end_timestamp - duration "
					   "= %s - %s is before the trace start", f[F_END],
					   f[F_DUR]);
		int keep = (!s->app || strcmp(f[F_APP], s->app) == 0) &&
			   (!s->func || strcmp(f[F_FUNC], s->func) == 0);
		struct arrival a = { .t = t, .size = dur };
		if (reorder_push(s->ro, &a, lr_lineno(s->lr), keep) != 0)
			return tparse_fail(e, s->lr, "arrival %.17g (end_timestamp - "
					   "duration) is earlier than %.17g, already "
					   "replayed, by more than tolerance_s (rows must be "
					   "in arrival order; raise sort_window)", t,
					   reorder_last(s->ro));
		return 1;
	}
	return rc;
}

static int az21_next(void *state, struct arrival *a, struct err *e)
{
	struct az21 *s = state;
	for (;;) {
		struct reorder_item it;
		if (reorder_pop(s->ro, s->eof, &it)) {
			if (!it.keep)
				continue;
			*a = it.a;
			return 1;
		}
		if (s->eof)
			return 0;
		int rc = az21_read(s, e);
		if (rc < 0)
			return -1;
		if (rc == 0)
			s->eof = 1;
	}
}

const struct workload workload_azure_fn2021 = {
	.name = "azure-functions-2021",
	.help = "replay the Azure Functions 2021 invocation trace "
		"(app,func,end_timestamp,duration): arrival = end - duration, "
		"size = duration in seconds, optional app/func filter",
	.params = az21_params,
	.nparams = P_N,
	.open = az21_open,
	.next = az21_next,
	.close = az21_close,
};
