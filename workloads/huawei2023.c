/*
 * huawei-2023: replays one function of the Huawei Cloud 2023 request
 * tables (sir-lab/data-release; Joosen et al., "How Does It Function?
 * Characterizing Long-term Trends in Production Serverless Workloads",
 * SoCC 2023; CC-BY-4.0): requests_minute/day_NN.csv, a wide table
 *
 *     day,time,0,1,2,...,5092
 *     0,0,12,,3,...
 *     0,60,9,,0,...
 *
 * with one row per minute and one column of request counts per function.
 * `time` is seconds since the start of the whole dataset (day 3 starts at
 * 259200), in steps of 60; an empty cell means no data for that function
 * and minute and replays as no requests. The `function` param names the
 * column (the header's text, e.g. "42"). Arrivals of a row fall in
 * [time, time + bin_s) by `placement` (binfill.h: uniform, poisson, even,
 * as in azure-functions-2019); bin_s = 1 reads the per-second tables of the
 * private dataset the same way. By default (`from_zero`) times are counted
 * from the file's first row, so a day file replays from 0; false keeps the
 * dataset's own seconds, which lines several day files up on one clock.
 * Validation: the header is required and must start with day,time; every
 * row has the header's field count; day and time are whole numbers >= 0;
 * a row's time is at least bin_s after the previous row's (gaps are fine,
 * overlapping bins are not); the chosen column holds a whole number >= 0
 * ("3" or "3.0": pandas writes counts of columns with gaps as floats) or
 * nothing. Other columns are not parsed, only counted.
 * Every request is keyless and of size 0.
 * Access pattern: one streaming pass, a row at a time; memory is the field
 * array of one row (5095 pointers).
 */
#include "workload.h"

#include "binfill.h"
#include "err.h"
#include "linereader.h"
#include "tparse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_PATH, P_FUNCTION, P_PLACEMENT, P_BIN, P_FROM_ZERO, P_N };

/* A wider table is not one of these files. */
#define HW_MAX_COLUMNS 10000000

static const struct param_def hw_params[P_N] = {
	[P_PATH] = {
		.name = "path", .type = PARAM_STR, .def_str = NULL,
		.help = "requests_minute/day_NN.csv (day,time,0,1,...: one count "
			"column per function); plain or gzip-compressed",
	},
	[P_FUNCTION] = {
		.name = "function", .type = PARAM_STR, .def_str = NULL,
		.help = "the function's column name in the header, e.g. \"42\"",
	},
	[P_PLACEMENT] = {
		.name = "placement", .type = PARAM_ENUM, .def = BINFILL_UNIFORM,
		.choices = BINFILL_CHOICES,
		.help = "where a row's N requests fall in its bin: N sorted "
			"uniform points, a Poisson process of rate N/bin_s (count "
			"varies), or evenly spaced bin_s/N apart",
	},
	[P_BIN] = {
		.name = "bin_s", .type = PARAM_NUM, .def = 60, .min = 1e-6,
		.max = 86400,
		.help = "seconds covered by one row (60 for requests_minute, 1 for "
			"the per-second tables)",
	},
	[P_FROM_ZERO] = {
		.name = "from_zero", .type = PARAM_BOOL, .def = 1,
		.help = "true: times from the file's first row; false: the "
			"dataset's own seconds (the time column)",
	},
};

enum { F_DAY, F_TIME };

struct hw {
	struct lr *lr;
	char **f;
	size_t nfields;
	size_t col;           /* index of the chosen column */
	char *colname;        /* for messages */
	enum binfill_placement placement;
	struct rng *rng;
	double bin;
	int from_zero;
	int have_prev;
	double first_time, prev_time;
	struct binfill b;
};

static void hw_close(void *state)
{
	struct hw *s = state;
	if (!s)
		return;
	lr_close(s->lr);
	free(s->f);
	free(s->colname);
	free(s);
}

/* Reads the header: sizes the field array and finds the column. */
static int hw_header(struct hw *s, const char *function, struct err *e)
{
	char *line;
	size_t len;
	int rc;
	while ((rc = lr_next(s->lr, &line, &len, e)) == 1 && len == 0)
		;
	if (rc < 0)
		return -1;
	if (rc == 0)
		return err_set(e, ERR_INPUT, "%s: empty file, expected a header "
			       "day,time,<function ids>", lr_path(s->lr));
	size_t nf = 1;
	for (const char *c = line; *c; c++)
		nf += *c == ',';
	if (nf > HW_MAX_COLUMNS)
		return tparse_fail(e, s->lr, "header has %zu fields, more than %d",
				   nf, HW_MAX_COLUMNS);
	if (!(s->f = malloc(nf * sizeof *s->f)))
		return err_set(e, ERR_INTERNAL, "%s: out of memory", lr_path(s->lr));
	s->nfields = lr_split(line, ',', s->f, nf);
	if (nf < 3 || strcmp(s->f[F_DAY], "day") != 0 ||
	    strcmp(s->f[F_TIME], "time") != 0)
		return tparse_fail(e, s->lr, "header must be day,time,<function "
				   "ids> (got \"%.40s,%.40s%s\")", s->f[F_DAY],
				   nf > 1 ? s->f[F_TIME] : "", nf > 2 ? ",..." : "");
	for (size_t i = 2; i < nf; i++)
		if (strcmp(s->f[i], function) == 0) {
			s->col = i;
			return 0;
		}
	return tparse_fail(e, s->lr, "header has no column \"%.80s\" (the "
			   "function columns are %.40s..%.40s)", function, s->f[2],
			   s->f[nf - 1]);
}

static void *hw_open(const union param_val *p, struct rng *rng, struct err *e)
{
	const char *path = p[P_PATH].str, *fn = p[P_FUNCTION].str;
	if (!path || !*path) {
		err_set(e, ERR_INPUT, "path is required");
		return NULL;
	}
	if (!fn || !*fn) {
		err_set(e, ERR_INPUT, "function is required (a column name of %s)",
			path);
		return NULL;
	}
	int placement = (int)p[P_PLACEMENT].num;
	if (placement < BINFILL_UNIFORM || placement > BINFILL_EVEN) {
		err_set(e, ERR_INPUT, "placement must be uniform, poisson or even, "
			"got choice %g", p[P_PLACEMENT].num);
		return NULL;
	}
	double bin = p[P_BIN].num;
	if (!(bin > 0) || !isfinite(bin)) {
		err_set(e, ERR_INPUT, "bin_s must be > 0 and finite, got %g", bin);
		return NULL;
	}
	if (placement != BINFILL_EVEN && !rng) {
		err_set(e, ERR_INTERNAL, "huawei-2023: no random stream");
		return NULL;
	}
	struct hw *s = calloc(1, sizeof *s);
	if (!s || !(s->colname = strdup(fn))) {
		free(s);
		err_set(e, ERR_INTERNAL, "%s: out of memory", path);
		return NULL;
	}
	s->placement = (enum binfill_placement)placement;
	s->rng = rng;
	s->bin = bin;
	s->from_zero = p[P_FROM_ZERO].num != 0;
	if (!(s->lr = lr_open(path, e)) || hw_header(s, fn, e) < 0) {
		hw_close(s);
		return NULL;
	}
	return s;
}

static int whole(struct hw *s, const char *name, const char *text,
		 double *out, struct err *e)
{
	if (tparse_count(text, out) != TPARSE_OK)
		return tparse_fail(e, s->lr, "%s \"%.80s\" is not a whole number >= 0",
				   name, text);
	return 0;
}

/* Reads the next row and starts its bin: 1, 0 at the end, -1. */
static int hw_row(struct hw *s, struct err *e)
{
	char *line;
	size_t len;
	int rc;
	while ((rc = lr_next(s->lr, &line, &len, e)) == 1) {
		if (len == 0)
			continue;
		size_t nf = lr_split(line, ',', s->f, s->nfields);
		if (nf != s->nfields)
			return tparse_fail(e, s->lr, "expected %zu fields like the "
					   "header, got %zu", s->nfields, nf);
		double day, time, count = 0;
		if (whole(s, "day", s->f[F_DAY], &day, e) ||
		    whole(s, "time", s->f[F_TIME], &time, e))
			return -1;
		const char *cell = s->f[s->col];
		if (*cell && tparse_count(cell, &count) != TPARSE_OK)
			return tparse_fail(e, s->lr, "function %.40s count \"%.40s\" is "
					   "not a whole number >= 0 or empty",
					   s->colname, cell);
		if (!s->have_prev) {
			s->have_prev = 1;
			s->first_time = time;
		} else if (time < s->prev_time + s->bin) {
			return tparse_fail(e, s->lr, "time %s is less than bin_s = %g "
					   "after the previous row's %.0f (rows must be "
					   "in time order, one per bin)", s->f[F_TIME],
					   s->bin, s->prev_time);
		}
		s->prev_time = time;
		double start = s->from_zero ? time - s->first_time : time;
		binfill_start(&s->b, s->placement, s->rng, start, s->bin, count);
		return 1;
	}
	return rc;
}

static int hw_next(void *state, struct arrival *a, struct err *e)
{
	struct hw *s = state;
	double t;
	while (!binfill_next(&s->b, &t)) {
		int rc = hw_row(s, e);
		if (rc <= 0)
			return rc;
	}
	*a = (struct arrival){ .t = t };
	return 1;
}

const struct workload workload_huawei2023 = {
	.name = "huawei-2023",
	.help = "replay one function's column of the Huawei Cloud 2023 "
		"requests_minute tables (day,time,0..N), with uniform, Poisson or "
		"even placement in each minute",
	.params = hw_params,
	.nparams = P_N,
	.open = hw_open,
	.next = hw_next,
	.close = hw_close,
};
