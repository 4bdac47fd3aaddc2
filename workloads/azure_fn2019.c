/*
 * azure-functions-2019: replays the invocation counts of the Azure
 * Functions trace 2019 (Azure Public Dataset; Shahrad et al., "Serverless in
 * the Wild", USENIX ATC 2020; CC-BY-4.0), one file per day:
 *
 *     invocations_per_function_md.anon.dNN.csv
 *     HashOwner,HashApp,HashFunction,Trigger,1,2,...,1440
 *     0a1b...,9c8d...,77ee...,http,0,3,1,...
 *
 * Column "m" is the number of invocations of that function in minute m of
 * the day, i.e. in [60 (m - 1), 60 m) seconds after midnight (plus
 * `day_offset_s`, to lay several days end to end). The trace gives counts
 * only, so the `placement` param decides where a minute's N arrivals fall
 * (binfill.h): uniform (N sorted uniform points), poisson (a Poisson process
 * of rate N/60: N is the mean) or even (spaced 60/N apart).
 *
 * Selection. A row is a function (of an app, with one trigger). `app` and
 * `trigger` filter rows; then `function` keeps the rows with that
 * HashFunction, or `rank` = k keeps the k-th busiest remaining row (most
 * invocations over the file; ties go to the earlier row), or, with
 * neither, every remaining row is kept. Kept rows are summed minute by
 * minute and replayed as one stream: `app` alone replays a whole app,
 * `trigger` alone all functions of that trigger, nothing at all the whole
 * region's load. Selecting nothing is an error (a typo in a hash must not
 * replay an empty trace).
 * Memory: the rows are read in a pre-pass at open that keeps only the sum
 * per minute of the kept rows (one double per minute); `rank` adds a first
 * pass keeping one total per candidate row (16 bytes each, ~1 MB for a day
 * of 50,000 functions) and a second pass that reads up to the chosen row.
 * Then the file is closed and arrivals are generated minute by minute.
 * Rows that fail the filters are checked for their field count only, so a
 * day file is read at the speed of the line splitter; kept and candidate
 * rows have every count parsed and checked.
 * Format details: the header is optional (a first line whose first field
 * is "HashOwner" is one, and its columns must be Trigger then 1..M); the
 * number of minute columns M is the header's (or the first row's), 1440 in
 * the real trace, and every row must have 4 + M fields. Counts are whole
 * numbers >= 0 ("3" or "3.0"). Every message is keyless and of size 0: the
 * trace has no payloads (use azfn2019_durations for service times).
 * Access pattern: one or two streaming passes at open, then O(1) per
 * arrival.
 */
#include "workload.h"

#include "azure_fn2019.h"
#include "binfill.h"
#include "dist.h"
#include "err.h"
#include "linereader.h"
#include "tparse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	P_PATH, P_FUNCTION, P_APP, P_RANK, P_TRIGGER, P_PLACEMENT,
	P_DAY_OFFSET, P_N
};

/* More minutes than this is not a per-minute day file (a year is 525,600). */
#define AZ19_MAX_MINUTES 1000000
#define AZ19_MAX_RANK 100000000

static const struct param_def az19_params[P_N] = {
	[P_PATH] = {
		.name = "path", .type = PARAM_STR, .def_str = NULL,
		.help = "invocations_per_function_md.anon.dNN.csv "
			"(HashOwner,HashApp,HashFunction,Trigger,1..1440); plain or "
			"gzip-compressed",
	},
	[P_FUNCTION] = {
		.name = "function", .type = PARAM_STR, .def_str = "",
		.help = "replay the row(s) with this HashFunction; \"\" = no "
			"function filter (see rank)",
	},
	[P_APP] = {
		.name = "app", .type = PARAM_STR, .def_str = "",
		.help = "keep only rows of this HashApp (alone: merge the app's "
			"functions); \"\" = any app",
	},
	[P_RANK] = {
		.name = "rank", .type = PARAM_INT, .def = 0, .min = 0,
		.max = AZ19_MAX_RANK,
		.help = "replay the rank-th busiest row left by app/trigger (1 = "
			"most invocations); 0 = not used; excludes function",
	},
	[P_TRIGGER] = {
		.name = "trigger", .type = PARAM_STR, .def_str = "",
		.help = "keep only rows with this Trigger (http, timer, queue, "
			"event, storage, orchestration, others); \"\" = any",
	},
	[P_PLACEMENT] = {
		.name = "placement", .type = PARAM_ENUM, .def = BINFILL_UNIFORM,
		.choices = BINFILL_CHOICES,
		.help = "where a minute's N arrivals fall: N sorted uniform "
			"points, a Poisson process of rate N/60 (count varies), or "
			"evenly spaced 60/N apart",
	},
	[P_DAY_OFFSET] = {
		.name = "day_offset_s", .type = PARAM_NUM, .def = 0, .min = 0,
		.max = 1e12,
		.help = "seconds added to every arrival (86400 to replay a second "
			"day after a first)",
	},
};

enum { F_OWNER, F_APP, F_FUNC, F_TRIGGER, F_MIN1 };

struct az19 {
	double *counts;       /* per minute, summed over the kept rows */
	size_t minutes;
	size_t m;             /* minute being replayed */
	double offset;
	enum binfill_placement placement;
	struct rng *rng;
	struct binfill bin;
};

/* What a pass over the file needs to share. */
struct scan {
	struct lr *lr;
	char **f;             /* minutes + 4 field pointers */
	size_t minutes;       /* 0 until the header or first row says */
	const char *function, *app, *trigger;   /* NULL: no filter */
};

static void az19_close(void *state)
{
	struct az19 *s = state;
	if (!s)
		return;
	free(s->counts);
	free(s);
}

static int header_minutes_ok(struct scan *sc, size_t nf, struct err *e)
{
	static const char *const names[] = { "HashOwner", "HashApp",
					     "HashFunction", "Trigger" };
	for (size_t i = 0; i < 4 && i < nf; i++)
		if (strcmp(sc->f[i], names[i]) != 0)
			return tparse_fail(e, sc->lr, "header column %zu is \"%.40s\", "
					   "expected \"%s\" (HashOwner,HashApp,"
					   "HashFunction,Trigger,1..1440)", i + 1,
					   sc->f[i], names[i]);
	for (size_t m = 0; m + F_MIN1 < nf; m++) {
		char want[24];
		snprintf(want, sizeof want, "%zu", m + 1);
		if (strcmp(sc->f[m + F_MIN1], want) != 0)
			return tparse_fail(e, sc->lr, "header column %zu is \"%.40s\", "
					   "expected minute \"%s\"", m + F_MIN1 + 1,
					   sc->f[m + F_MIN1], want);
	}
	return 0;
}

/* Splits a line into sc->f, growing it on the first line; learns the
 * minute count there. Returns the field count, or (size_t)-1 on error. */
static size_t scan_split(struct scan *sc, char *line, struct err *e)
{
	if (!sc->minutes) {
		/* first line: count the fields to size the array */
		size_t nf = 1;
		for (const char *c = line; *c; c++)
			nf += *c == ',';
		if (nf < F_MIN1 + 1 || nf - F_MIN1 > AZ19_MAX_MINUTES) {
			tparse_fail(e, sc->lr, "has %zu fields, expected HashOwner,"
				    "HashApp,HashFunction,Trigger and 1 to %d minute "
				    "counts", nf, AZ19_MAX_MINUTES);
			return (size_t)-1;
		}
		free(sc->f);
		if (!(sc->f = malloc(nf * sizeof *sc->f))) {
			err_set(e, ERR_INTERNAL, "%s: out of memory", lr_path(sc->lr));
			return (size_t)-1;
		}
		sc->minutes = nf - F_MIN1;
	}
	size_t nf = lr_split(line, ',', sc->f, sc->minutes + F_MIN1);
	if (nf != sc->minutes + F_MIN1) {
		tparse_fail(e, sc->lr, "expected %zu fields (HashOwner,HashApp,"
			    "HashFunction,Trigger and %zu minutes), got %zu",
			    sc->minutes + F_MIN1, sc->minutes, nf);
		return (size_t)-1;
	}
	return nf;
}

/* Next data row of the file: 1 with sc->f filled, 0 at the end, -1. */
static int scan_row(struct scan *sc, struct err *e)
{
	char *line;
	size_t len;
	int rc;
	while ((rc = lr_next(sc->lr, &line, &len, e)) == 1) {
		if (len == 0)
			continue;
		int first = sc->minutes == 0;
		int header = first && strncmp(line, "HashOwner,", 10) == 0;
		if (scan_split(sc, line, e) == (size_t)-1)
			return -1;
		if (header) {
			if (header_minutes_ok(sc, sc->minutes + F_MIN1, e))
				return -1;
			continue;
		}
		return 1;
	}
	return rc;
}

static int row_passes(const struct scan *sc)
{
	return (!sc->app || strcmp(sc->f[F_APP], sc->app) == 0) &&
	       (!sc->trigger || strcmp(sc->f[F_TRIGGER], sc->trigger) == 0) &&
	       (!sc->function || strcmp(sc->f[F_FUNC], sc->function) == 0);
}

/* Adds the row's counts to acc (may be NULL) and returns their total in
 * *total. */
static int row_counts(struct scan *sc, double *acc, double *total,
		      struct err *e)
{
	double sum = 0;
	for (size_t m = 0; m < sc->minutes; m++) {
		double c;
		const char *text = sc->f[F_MIN1 + m];
		if (tparse_count(text, &c) != TPARSE_OK)
			return tparse_fail(e, sc->lr, "minute %zu count \"%.40s\" is "
					   "not a whole number >= 0", m + 1, text);
		if (acc)
			acc[m] += c;
		sum += c;
	}
	*total = sum;
	return 0;
}

struct cand {
	double total;
	long line;
};

/* Busiest first; ties: earlier row first. */
static int cand_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	return (a->line > b->line) - (a->line < b->line);
}

static const char *or_any(const char *s)
{
	return s ? s : "(any)";
}

/* Fills s->counts from the file; 0 or -1. */
static int az19_load(struct az19 *s, const char *path, struct scan *sc,
		     double rank, struct err *e)
{
	struct cand *cands = NULL;
	size_t ncand = 0, capcand = 0, nkept = 0;
	long chosen = 0;
	int rc;
	if (!(sc->lr = lr_open(path, e)))
		return -1;
	while ((rc = scan_row(sc, e)) == 1) {
		if (!s->counts && !(s->counts = calloc(sc->minutes, sizeof *s->counts))) {
			rc = err_set(e, ERR_INTERNAL, "%s: out of memory", path);
			break;
		}
		if (!row_passes(sc))
			continue;
		double total;
		if (row_counts(sc, rank > 0 ? NULL : s->counts, &total, e)) {
			rc = -1;
			break;
		}
		nkept++;
		if (rank > 0) {
			if (ncand == capcand) {
				size_t nc = capcand ? 2 * capcand : 1024;
				struct cand *c = realloc(cands, nc * sizeof *c);
				if (!c) {
					rc = err_set(e, ERR_INTERNAL, "%s: out of memory",
						     path);
					break;
				}
				cands = c;
				capcand = nc;
			}
			cands[ncand++] = (struct cand){ total, lr_lineno(sc->lr) };
		}
	}
	lr_close(sc->lr);
	sc->lr = NULL;
	if (rc < 0) {
		free(cands);
		return -1;
	}
	if (nkept == 0) {
		free(cands);
		return err_set(e, ERR_INPUT, "%s: no row matches function=%s, app=%s, "
			       "trigger=%s", path, or_any(sc->function),
			       or_any(sc->app), or_any(sc->trigger));
	}
	if (rank > 0) {
		if ((size_t)rank > ncand) {
			free(cands);
			return err_set(e, ERR_INPUT, "%s: rank %.0f but only %zu rows "
				       "match app=%s, trigger=%s", path, rank, ncand,
				       or_any(sc->app), or_any(sc->trigger));
		}
		qsort(cands, ncand, sizeof *cands, cand_cmp);
		chosen = cands[(size_t)rank - 1].line;
		free(cands);
		/* second pass: read up to the chosen row */
		if (!(sc->lr = lr_open(path, e)))
			return -1;
		while ((rc = scan_row(sc, e)) == 1 && lr_lineno(sc->lr) != chosen)
			;
		double total;
		if (rc == 1)
			rc = row_counts(sc, s->counts, &total, e);
		else if (rc == 0)
			rc = err_set(e, ERR_INPUT, "%s: changed while being read "
				     "(line %ld is gone)", path, chosen);
		lr_close(sc->lr);
		sc->lr = NULL;
		if (rc < 0)
			return -1;
	}
	s->minutes = sc->minutes;
	return 0;
}

static void *az19_open(const union param_val *p, struct rng *rng,
		       struct err *e)
{
	const char *path = p[P_PATH].str;
	if (!path || !*path) {
		err_set(e, ERR_INPUT, "path is required");
		return NULL;
	}
	double rank = p[P_RANK].num;
	if (!(rank >= 0 && rank <= AZ19_MAX_RANK) || rank != floor(rank)) {
		err_set(e, ERR_INPUT, "rank must be an integer in [0, %d], got %g",
			AZ19_MAX_RANK, rank);
		return NULL;
	}
	const char *fn = p[P_FUNCTION].str;
	if (fn && *fn && rank > 0) {
		err_set(e, ERR_INPUT, "give function or rank, not both (function "
			"\"%.80s\", rank %.0f)", fn, rank);
		return NULL;
	}
	int placement = (int)p[P_PLACEMENT].num;
	if (placement < BINFILL_UNIFORM || placement > BINFILL_EVEN) {
		err_set(e, ERR_INPUT, "placement must be uniform, poisson or even, "
			"got choice %g", p[P_PLACEMENT].num);
		return NULL;
	}
	double off = p[P_DAY_OFFSET].num;
	if (!(off >= 0) || !isfinite(off)) {
		err_set(e, ERR_INPUT, "day_offset_s must be >= 0 and finite, got %g",
			off);
		return NULL;
	}
	if (placement != BINFILL_EVEN && !rng) {
		err_set(e, ERR_INTERNAL, "azure-functions-2019: no random stream");
		return NULL;
	}
	struct az19 *s = calloc(1, sizeof *s);
	if (!s) {
		err_set(e, ERR_INTERNAL, "%s: out of memory", path);
		return NULL;
	}
	s->placement = (enum binfill_placement)placement;
	s->rng = rng;
	s->offset = off;
	struct scan sc = {
		.function = fn && *fn ? fn : NULL,
		.app = p[P_APP].str && *p[P_APP].str ? p[P_APP].str : NULL,
		.trigger = p[P_TRIGGER].str && *p[P_TRIGGER].str ?
				   p[P_TRIGGER].str : NULL,
	};
	int rc = az19_load(s, path, &sc, rank, e);
	free(sc.f);
	if (rc < 0) {
		az19_close(s);
		return NULL;
	}
	binfill_start(&s->bin, s->placement, s->rng, s->offset, 60,
		      s->counts[0]);
	return s;
}

static int az19_next(void *state, struct arrival *a, struct err *e)
{
	struct az19 *s = state;
	double t;
	while (!binfill_next(&s->bin, &t)) {
		if (++s->m >= s->minutes)
			return 0;
		binfill_start(&s->bin, s->placement, s->rng,
			      s->offset + 60.0 * (double)s->m, 60, s->counts[s->m]);
	}
	*a = (struct arrival){ .t = t };
	return 1;
}

const struct workload workload_azure_fn2019 = {
	.name = "azure-functions-2019",
	.help = "replay per-minute invocation counts of the Azure Functions "
		"2019 trace: one function (by hash or by rank), an app, a trigger "
		"or all, with uniform, Poisson or even placement in each minute",
	.params = az19_params,
	.nparams = P_N,
	.open = az19_open,
	.next = az19_next,
	.close = az19_close,
};

/* ---- durations -------------------------------------------------------- */

enum {
	D_OWNER, D_APP, D_FUNC, D_AVERAGE, D_COUNT, D_MIN, D_MAX, D_P0, D_P1,
	D_P25, D_P50, D_P75, D_P99, D_P100, D_NFIELDS
};

/* Percentile levels of columns D_P0..D_P100, in percent. */
static const int dur_levels[7] = { 0, 1, 25, 50, 75, 99, 100 };

struct dist *azfn2019_durations(const char *path, const char *function,
				struct err *e)
{
	if (!path || !*path || !function || !*function) {
		err_set(e, ERR_INPUT, "azfn2019_durations: path and function are "
			"required");
		return NULL;
	}
	struct lr *lr = lr_open(path, e);
	if (!lr)
		return NULL;
	char *line, *f[D_NFIELDS];
	size_t len;
	int rc, first = 1;
	long found = 0;
	double q[7];
	while ((rc = lr_next(lr, &line, &len, e)) == 1) {
		if (len == 0)
			continue;
		size_t nf = lr_split(line, ',', f, D_NFIELDS);
		if (first) {
			first = 0;
			if (strcmp(f[0], "HashOwner") == 0) {
				if (nf != D_NFIELDS || strcmp(f[D_AVERAGE], "Average") != 0) {
					rc = tparse_fail(e, lr, "header is not HashOwner,HashApp,"
							 "HashFunction,Average,Count,Minimum,"
							 "Maximum,percentile_Average_0,..._100");
					break;
				}
				continue;
			}
		}
		if (nf != D_NFIELDS) {
			rc = tparse_fail(e, lr, "expected 14 fields (HashOwner,HashApp,"
					 "HashFunction,Average,Count,Minimum,Maximum and 7 "
					 "percentiles), got %zu", nf);
			break;
		}
		if (strcmp(f[D_FUNC], function) != 0)
			continue;
		if (found) {
			rc = err_set(e, ERR_INPUT, "%s: HashFunction %.80s is on lines "
				     "%ld and %ld; durations need one row", path,
				     function, found, lr_lineno(lr));
			break;
		}
		found = lr_lineno(lr);
		for (int i = 0; i < 7; i++) {
			const char *text = f[D_P0 + i];
			if (tparse_decimal(text, &q[i]) != TPARSE_OK || q[i] < 0) {
				rc = tparse_fail(e, lr, "percentile_Average_%d \"%.40s\" is "
						 "not a number >= 0", dur_levels[i], text);
				break;
			}
			if (i > 0 && q[i] < q[i - 1]) {
				rc = tparse_fail(e, lr, "percentile_Average_%d %g is below "
						 "percentile_Average_%d %g (percentiles must "
						 "not decrease)", dur_levels[i], q[i],
						 dur_levels[i - 1], q[i - 1]);
				break;
			}
		}
		if (rc < 0)
			break;
	}
	lr_close(lr);
	if (rc < 0)
		return NULL;
	if (!found) {
		err_set(e, ERR_INPUT, "%s: no row has HashFunction %.80s", path,
			function);
		return NULL;
	}
	/* The quantile function at every whole percent, linear between the
	 * trace's percentiles: every knot level is a whole percent, so the
	 * interpolated empirical dist over these 101 points has exactly the
	 * piecewise-linear quantile function through the 7 knots. */
	double x[101];
	int k = 0;
	for (int pct = 0; pct <= 100; pct++) {
		while (k < 5 && pct > dur_levels[k + 1])
			k++;
		double lo = dur_levels[k], hi = dur_levels[k + 1];
		double w = (pct - lo) / (hi - lo);
		x[pct] = (q[k] + w * (q[k + 1] - q[k])) / 1000.0;   /* ms -> s */
	}
	return dist_new_empirical(x, 101, 1, e);
}
