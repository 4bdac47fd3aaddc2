/*
 * tracetool: summarise or convert any trace the workload registry can read.
 *
 * Design. A trace is opened through its reader (workload.h), so every format
 * the simulator replays is understood here with the same strictness and the
 * same "FILE:LINE: ..." errors; nothing is parsed twice. The reader's
 * parameters come from "name=value" strings typed by the parameter table,
 * with the table's defaults for the rest, much as the config loader does
 * from JSON (config.c keeps its JSON-to-dist parser private, so a DIST
 * parameter is limited to a plain number, a deterministic value).
 *
 * stats is one streaming pass in constant memory: never an array of
 * arrivals. Inter-arrival gaps and sizes go into GSL running statistics.
 * Per-second and per-minute counts are binned on the fly: bins are visited
 * in order, so only the current bin's count is kept, and since every
 * finished bin holds an integer count, the exact sums n = sum c and
 * sum c^2 plus the number of bins give the mean and variance, with a run of
 * empty bins (which adds nothing to either sum) costing O(1) whatever its
 * length. The rate plot needs a fixed number of bins without knowing the
 * span in advance: it starts at 1 s bins and, whenever an arrival falls
 * past the last of its TRACETOOL_PLOT_BINS bins, merges the bins into the
 * next width of a ladder whose every step is an integer factor (1, 5, 10,
 * 30, 60, 300, ... s), so merged counts stay exact and bins stay aligned to
 * the trace clock. One pass means a gzip trace of days is read only once.
 *
 * convert streams arrival by arrival into a temporary file next to the
 * output, renamed into place on success (no partial output on error, and
 * converting a file onto itself is safe).
 */
#include "tracetool.h"

#include "config.h"
#include "dist.h"
#include "err.h"
#include "linereader.h"
#include "param.h"
#include "rng.h"
#include "workload.h"
#include "xform.h"

#include <errno.h>
#include <fcntl.h>
#include <gsl/gsl_rstat.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Beyond ~31,700 years a time is a unit mistake, and bin indices of it must
 * still fit an int64. */
#define TT_MAX_TIME 1e12

/* ---- formats ---------------------------------------------------------- */

static int is_trace_format(const struct workload *w)
{
	return param_find(w->params, w->nparams, "path") >= 0;
}

const char *tracetool_formats(char *buf, size_t cap)
{
	const struct workload *w;
	size_t len = 0;
	if (!buf || cap == 0)
		return "";
	buf[0] = '\0';
	for (size_t i = 0; (w = workload_at(i)); i++) {
		if (!is_trace_format(w))
			continue;
		int n = snprintf(buf + len, cap - len, "%s%s", len ? ", " : "",
				 w->name);
		if (n < 0 || (size_t)n >= cap - len)
			break;
		len += (size_t)n;
	}
	return buf;
}

/* Whole-field decimal number (what the readers accept; no hex, no blanks). */
static int is_number(const char *s)
{
	if (!*s || strchr(" \t+", *s) || strpbrk(s, "xX"))
		return 0;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	return end != s && !*end && isfinite(v);
}

/* Optional '-', then digits only. */
static int is_integer(const char *s)
{
	if (*s == '-')
		s++;
	return *s && strspn(s, "0123456789") == strlen(s);
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The format a first line belongs to, or NULL. line is split in place. */
static const char *guess_line(char *line)
{
	static const struct {
		const char *prefix, *format;
	} heads[] = {
		{ "time_s,topic,key,size_bytes", "spate-csv" },
		{ "TIMESTAMP,ContextTokens,GeneratedTokens", "azure-llm-2023" },
		{ "app,func,end_timestamp,duration", "azure-functions-2021" },
		{ "timestamp_ms,topic,partition,offset,key_len,value_len", "kcat" },
		{ "HashOwner,HashApp,HashFunction,Trigger,", "azure-functions-2019" },
		{ "day,time,", "huawei-2023" },
		/* kafka-dump-log.sh output: its banner, or a batch or record
		 * line of Kafka 0.11 to 3.x */
		{ "Dumping ", "kafka-dump-log" },
		{ "Log starting offset:", "kafka-dump-log" },
		{ "Starting offset:", "kafka-dump-log" },
		{ "baseOffset:", "kafka-dump-log" },
		{ "| offset:", "kafka-dump-log" },
		{ "offset:", "kafka-dump-log" },
	};
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		size_t n = strlen(heads[i].prefix);
		/* a full header must match the whole line; a prefix ending in
		 * ',' or ' ' or ':' opens a longer line */
		char last = heads[i].prefix[n - 1];
		int whole = last != ',' && last != ' ' && last != ':';
		if (whole ? strcmp(line, heads[i].prefix) == 0
			  : starts(line, heads[i].prefix))
			return heads[i].format;
	}
	/* Headerless first rows, by shape. */
	char *f[7];
	size_t nf = lr_split(line, ',', f, 7);
	if (nf == 6 && is_integer(f[0]) && is_integer(f[2]) && is_integer(f[3]) &&
	    is_integer(f[4]) && is_integer(f[5]))
		return "kcat";
	if (nf == 4 && is_number(f[0]))
		return "spate-csv";
	if (nf == 4 && is_number(f[2]) && is_number(f[3]))
		return "azure-functions-2021";
	if (nf == 3 && strlen(f[0]) >= 10 && f[0][4] == '-' && f[0][7] == '-' &&
	    strspn(f[0], "0123456789") == 4)
		return "azure-llm-2023";
	return NULL;
}

const char *tracetool_guess(const char *path, struct err *e)
{
	char names[512];
	struct lr *r = lr_open(path, e);
	if (!r)
		return NULL;
	char *line;
	size_t len;
	int rc;
	while ((rc = lr_next(r, &line, &len, e)) == 1 && len == 0)
		;
	const char *fmt = NULL;
	if (rc == 1) {
		char shown[81];
		snprintf(shown, sizeof shown, "%s", line);
		if (!(fmt = guess_line(line)))
			err_set(e, ERR_INPUT, "%s:%ld: cannot guess the trace format "
				"from \"%s\"; give --format, one of: %s", path,
				lr_lineno(r), shown,
				tracetool_formats(names, sizeof names));
	} else if (rc == 0) {
		err_set(e, ERR_INPUT, "%s: empty file: cannot guess the trace "
			"format; give --format, one of: %s", path,
			tracetool_formats(names, sizeof names));
	}
	lr_close(r);
	return fmt;
}

/* ---- opening a trace --------------------------------------------------- */

/* One reader of the inputs: its parameter values must outlive its state,
 * which the pipeline owns. */
struct tt_input {
	const struct workload *w;
	union param_val *vals;     /* [w->nparams]; strings borrowed */
};

struct tracetool_src {
	struct tt_input *in;       /* [nin]: the FILE, then the merged ones */
	int nin;
	struct xf *x;              /* the readers under the transforms */
	uint64_t n;                /* arrivals returned */
	double prev_t;
};

static void free_vals(const struct workload *w, union param_val *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < w->nparams; i++)
		if (w->params[i].type == PARAM_DIST)
			dist_free(v[i].dist);
	free(v);
}

/* A DIST value from text, written as in a config: a number or a JSON
 * object ('{"type": "exponential", "mean": 2}'). */
static struct dist *dist_from_text(const char *fmt, const struct param_def *d,
				   const char *text, struct err *e)
{
	char where[160];
	snprintf(where, sizeof where, "%s: param %s", fmt, d->name);
	return config_dist_text(text, where, e);
}

static int set_default(const struct workload *w, size_t i, union param_val *v,
		       struct err *e)
{
	const struct param_def *d = &w->params[i];
	switch (d->type) {
	case PARAM_NUM:
	case PARAM_INT:
	case PARAM_BOOL:
	case PARAM_ENUM:
		v->num = d->def;
		return 0;
	case PARAM_STR:
		if (!d->def_str)
			return err_set(e, ERR_INPUT, "%s: param %s is required: give "
				       "--param %s=... (%s)", w->name, d->name,
				       d->name, d->help ? d->help : "");
		v->str = d->def_str;
		return 0;
	case PARAM_DIST:
		if (!d->def_str)
			return err_set(e, ERR_INPUT, "%s: param %s is required: give "
				       "--param %s=NUMBER or a JSON distribution",
				       w->name, d->name, d->name);
		return (v->dist = dist_from_text(w->name, d, d->def_str, e)) ? 0 : -1;
	case PARAM_STRV:
		break;
	}
	return err_set(e, ERR_INTERNAL, "%s: param %s: string-array parameters "
		       "are not supported by the trace tool", w->name, d->name);
}

static int set_value(const struct workload *w, size_t i, const char *text,
		     union param_val *v, struct err *e)
{
	const struct param_def *d = &w->params[i];
	char *end;
	double x;
	switch (d->type) {
	case PARAM_NUM:
	case PARAM_INT:
		if (!is_number(text))
			return err_set(e, ERR_INPUT, "%s: param %s must be %s, got '%s'",
				       w->name, d->name, d->type == PARAM_INT ?
				       "an integer" : "a number", text);
		x = strtod(text, &end) + 0.0;
		if (d->type == PARAM_INT && x != floor(x))
			return err_set(e, ERR_INPUT, "%s: param %s must be an "
				       "integer, got '%s'", w->name, d->name, text);
		if (!(x >= d->min && x <= d->max))
			return err_set(e, ERR_INPUT, "%s: param %s must be in [%g, %g], "
				       "got '%s'", w->name, d->name, d->min, d->max,
				       text);
		v->num = x;
		return 0;
	case PARAM_BOOL:
		if (!strcmp(text, "true") || !strcmp(text, "1"))
			v->num = 1;
		else if (!strcmp(text, "false") || !strcmp(text, "0"))
			v->num = 0;
		else
			return err_set(e, ERR_INPUT, "%s: param %s must be true or "
				       "false, got '%s'", w->name, d->name, text);
		return 0;
	case PARAM_ENUM: {
		int k = param_choice_index(d, text);
		if (k < 0)
			return err_set(e, ERR_INPUT, "%s: param %s: unknown value '%s'; "
				       "choices: %s", w->name, d->name, text,
				       d->choices ? d->choices : "");
		v->num = k;
		return 0;
	}
	case PARAM_STR:
		v->str = text;
		return 0;
	case PARAM_DIST:
		return (v->dist = dist_from_text(w->name, d, text, e)) ? 0 : -1;
	case PARAM_STRV:
		break;
	}
	return err_set(e, ERR_INPUT, "%s: param %s (a string array) cannot be "
		       "set by the trace tool", w->name, d->name);
}

/* "a, b, c": the parameter names a user may set. */
static void param_names(const struct workload *w, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < w->nparams; i++) {
		if (!strcmp(w->params[i].name, "path"))
			continue;
		int n = snprintf(buf + len, cap - len, "%s%s", len ? ", " : "",
				 w->params[i].name);
		if (n < 0 || (size_t)n >= cap - len)
			return;
		len += (size_t)n;
	}
	if (!len)
		snprintf(buf, cap, "(none)");
}

/* Fills vals[] from the k=v strings, then the defaults; tracks which were
 * given so that a name given twice is an error. */
static int fill_params(const struct workload *w, const struct tracetool_opts *o,
		       union param_val *vals, struct err *e)
{
	char given[64] = { 0 };
	char names[512];
	int ipath = param_find(w->params, w->nparams, "path");
	if (w->nparams > sizeof given)
		return err_set(e, ERR_INTERNAL, "%s: too many params", w->name);
	for (int k = 0; k < o->nparams; k++) {
		const char *kv = o->params[k];
		const char *eq = kv ? strchr(kv, '=') : NULL;
		if (!eq || eq == kv)
			return err_set(e, ERR_INPUT, "--param '%s': expected name=value",
				       kv ? kv : "");
		char name[128];
		snprintf(name, sizeof name, "%.*s", (int)(eq - kv), kv);
		int i = param_find(w->params, w->nparams, name);
		if (i == ipath)
			return err_set(e, ERR_INPUT, "--param %s: the path is the FILE "
				       "argument", name);
		if (i < 0) {
			param_names(w, names, sizeof names);
			return err_set(e, ERR_INPUT, "--param %s: %s has no param '%s'; "
				       "valid: %s", name, w->name, name, names);
		}
		if (given[i])
			return err_set(e, ERR_INPUT, "--param %s given twice", name);
		given[i] = 1;
		if (set_value(w, (size_t)i, eq + 1, &vals[i], e) != 0)
			return -1;
	}
	for (size_t i = 0; i < w->nparams; i++) {
		if ((int)i == ipath)
			vals[i].str = o->path;
		else if (!given[i] && set_default(w, i, &vals[i], e) != 0)
			return -1;
	}
	return 0;
}

/* Opens input i (0: o->path, else o->merge[i - 1]) as a pipeline leaf.
 * Input 0 draws from the stream "trace", as before merging existed. */
static struct xf *open_input(struct tracetool_src *s, const struct tracetool_opts *o,
			     int i, struct err *e)
{
	char names[512], sname[64];
	struct tracetool_opts oi = *o;
	if (i > 0)
		oi.path = o->merge[i - 1];
	if (!oi.path || !*oi.path) {
		err_set(e, ERR_INPUT, "missing FILE");
		return NULL;
	}
	const char *fmt = o->format ? o->format : tracetool_guess(oi.path, e);
	if (!fmt)
		return NULL;
	const struct workload *w = workload_find(fmt);
	if (!w || !is_trace_format(w)) {
		err_set(e, ERR_INPUT, "%s: %s '%s'; trace formats: %s", oi.path,
			w ? "not a trace format (a generator):" : "unknown format",
			fmt, tracetool_formats(names, sizeof names));
		return NULL;
	}
	struct tt_input *in = &s->in[i];
	in->w = w;
	if (!(in->vals = calloc(w->nparams ? w->nparams : 1, sizeof *in->vals))) {
		err_set(e, ERR_INTERNAL, "%s: out of memory", oi.path);
		return NULL;
	}
	if (fill_params(w, &oi, in->vals, e) != 0)
		return NULL;
	if (i == 0)
		snprintf(sname, sizeof sname, "trace");
	else
		snprintf(sname, sizeof sname, "trace/merge[%d]", i);
	struct rng *r = rng_new(o->seed, sname, NULL);
	if (!r) {
		err_set(e, ERR_INTERNAL, "%s: out of memory", oi.path);
		return NULL;
	}
	void *st = w->open(in->vals, r, e);
	if (!st) {
		rng_free(r);
		return NULL;
	}
	return xf_leaf(st, w->next, w->close, r, oi.path, e);
}

struct tracetool_src *tracetool_open(const struct tracetool_opts *o,
				     struct err *e)
{
	if (!o || !o->path || !*o->path) {
		err_set(e, ERR_INPUT, "missing FILE");
		return NULL;
	}
	if (o->nmerge < 0 || (o->nmerge > 0 && !o->merge)) {
		err_set(e, ERR_INTERNAL, "bad merge list");
		return NULL;
	}
	struct tracetool_src *s = calloc(1, sizeof *s);
	struct xf **leaves = calloc((size_t)o->nmerge + 1, sizeof *leaves);
	if (!s || !leaves ||
	    !(s->in = calloc((size_t)o->nmerge + 1, sizeof *s->in))) {
		free(s);
		free(leaves);
		err_set(e, ERR_INTERNAL, "%s: out of memory", o->path);
		return NULL;
	}
	s->nin = o->nmerge + 1;
	for (int i = 0; i < s->nin; i++) {
		if (!(leaves[i] = open_input(s, o, i, e))) {
			for (int j = 0; j < i; j++)
				xf_free(leaves[j]);
			free(leaves);
			tracetool_close(s);
			return NULL;
		}
	}
	struct xf *x = s->nin == 1 ? leaves[0] : xf_merge(leaves, (size_t)s->nin, e);
	free(leaves);
	double ts = o->time_scale > 0 ? o->time_scale : 1;
	double rs = o->rate_scale > 0 ? o->rate_scale : 1;
	if (x && o->slice)
		x = xf_slice(x, o->slice_from_s, o->slice_to_s, !o->slice_keep_time, e);
	if (x && (ts != 1 || o->shift_s != 0))
		x = xf_affine(x, ts, o->shift_s, e);
	if (x && rs != 1) {
		struct rng *r = rng_new(o->seed, "trace/rate_scale", NULL);
		if (!r) {
			xf_free(x);
			x = NULL;
			err_set(e, ERR_INTERNAL, "out of memory");
		} else {
			x = xf_rate(x, rs, r, e);
		}
	}
	if (!x) {
		tracetool_close(s);
		return NULL;
	}
	s->x = x;
	return s;
}

int tracetool_next(struct tracetool_src *s, struct arrival *a, struct err *e)
{
	int rc = xf_next(s->x, a, e);
	if (rc != 1)
		return rc;
	s->n++;
	if (!(a->t >= 0 && a->t <= TT_MAX_TIME) || a->t < s->prev_t)
		return err_set(e, ERR_INTERNAL, "%s: arrival %" PRIu64 " at %.17g s "
			       "is out of order or range (previous %.17g s)",
			       s->in[0].w->name, s->n, a->t, s->prev_t);
	if (!(a->size >= 0 && isfinite(a->size)))
		return err_set(e, ERR_INTERNAL, "%s: arrival %" PRIu64 " has size "
			       "%g", s->in[0].w->name, s->n, a->size);
	s->prev_t = a->t;
	return 1;
}

const char *tracetool_format(const struct tracetool_src *s)
{
	return s->in[0].w->name;
}

void tracetool_close(struct tracetool_src *s)
{
	if (!s)
		return;
	xf_free(s->x);     /* the readers first: they borrow the values */
	for (int i = 0; s->in && i < s->nin; i++)
		if (s->in[i].w)
			free_vals(s->in[i].w, s->in[i].vals);
	free(s->in);
	free(s);
}

/* ---- stats -------------------------------------------------------------- */

/* Counts per bin of one width, visited in time order. */
struct binacc {
	double w;
	int64_t cur;          /* index of the current bin */
	uint64_t ncur;        /* its count so far */
	uint64_t nbins;       /* bins from the first to the current */
	uint64_t n, max;
	long double sumsq;    /* sum of squared counts of finished bins; exact
				 up to 2^64 */
	int started;
};

static void bin_close(struct binacc *b)
{
	b->sumsq += (long double)b->ncur * (long double)b->ncur;
	if (b->ncur > b->max)
		b->max = b->ncur;
}

static void bin_add(struct binacc *b, double t)
{
	int64_t k = (int64_t)floor(t / b->w);
	if (b->started && k < b->cur)   /* times never decrease; belt and braces */
		k = b->cur;
	if (!b->started) {
		b->started = 1;
		b->cur = k;
		b->nbins = 1;
	} else if (k != b->cur) {
		bin_close(b);
		b->nbins += (uint64_t)(k - b->cur);
		b->cur = k;
		b->ncur = 0;
	}
	b->ncur++;
	b->n++;
}

static void bin_finish(const struct binacc *b0, struct tracetool_bins *out)
{
	struct binacc b = *b0;
	*out = (struct tracetool_bins){ .width_s = b.w, .cv = NAN,
					.mean = NAN, .peak_mean = NAN };
	if (!b.started)
		return;
	bin_close(&b);
	long double nb = (long double)b.nbins, n = (long double)b.n;
	out->nbins = b.nbins;
	out->max = b.max;
	out->mean = (double)(n / nb);
	out->peak_mean = (double)((long double)b.max * nb / n);
	if (b.nbins >= 2) {
		/* (B sum c^2 - n^2) / (B (B - 1)): integers until the division */
		long double var = (nb * b.sumsq - n * n) / (nb * (nb - 1));
		out->cv = (double)(sqrtl(var > 0 ? var : 0) / (n / nb));
	}
}

/* Plot bin widths: each an integer multiple of the one before, so merging
 * keeps counts exact; past the end the width doubles. */
static const double plot_ladder[] = {
	1, 5, 10, 30, 60, 300, 600, 1800, 3600, 7200, 21600, 43200, 86400,
};
#define NLADDER (sizeof plot_ladder / sizeof plot_ladder[0])

struct plotacc {
	size_t step;          /* position on the ladder, may pass its end */
	double w;
	int64_t base;         /* absolute index (t / w) of bin 0 */
	int n;                /* bins in use */
	uint64_t c[TRACETOOL_PLOT_BINS];
};

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void plot_merge(struct plotacc *p)
{
	int64_t f = p->step + 1 < NLADDER ?
		    (int64_t)(plot_ladder[p->step + 1] / plot_ladder[p->step]) : 2;
	int64_t nbase = floordiv(p->base, f);
	uint64_t c[TRACETOOL_PLOT_BINS] = { 0 };
	int n = 0;
	for (int j = 0; j < p->n; j++) {
		int64_t k = floordiv(p->base + j, f) - nbase;
		c[k] += p->c[j];
		n = (int)k + 1;
	}
	memcpy(p->c, c, sizeof c);
	p->n = n;
	p->base = nbase;
	p->step++;
	p->w *= (double)f;
}

/* Bin index of t at the current width, never before bin 0: a quotient just
 * below an integer can round up to it, so a bin computed at one width may
 * be one later than the merge of the narrower bins put an earlier arrival;
 * clamping keeps every index in range and counts exact. */
static int64_t plot_index(const struct plotacc *p, double t)
{
	int64_t k = (int64_t)floor(t / p->w);
	return p->n > 0 && k < p->base ? p->base : k;
}

static void plot_add(struct plotacc *p, double t)
{
	int64_t k = plot_index(p, t);
	if (p->n == 0)
		p->base = k;
	while (k - p->base >= TRACETOOL_PLOT_BINS) {
		plot_merge(p);
		k = plot_index(p, t);
	}
	if (k - p->base + 1 > p->n)
		p->n = (int)(k - p->base + 1);
	p->c[k - p->base]++;
}

int tracetool_stats(const struct tracetool_opts *o, struct tracetool_stats *st,
		    struct err *e)
{
	*st = (struct tracetool_stats){
		.rate_per_s = NAN, .iat_mean_s = NAN, .iat_cv = NAN,
		.idle_max_s = NAN, .idle_from_s = NAN, .size_mean = NAN,
		.size_min = NAN, .size_max = NAN, .first_s = NAN, .last_s = NAN,
		.span_s = NAN,
	};
	struct tracetool_src *s = tracetool_open(o, e);
	if (!s)
		return -1;
	snprintf(st->format, sizeof st->format, "%s", tracetool_format(s));
	gsl_rstat_workspace *iat = gsl_rstat_alloc(), *sz = gsl_rstat_alloc();
	struct binacc sec = { .w = 1 }, min = { .w = 60 };
	struct plotacc plot = { .w = plot_ladder[0] };
	int rc = -1;
	if (!iat || !sz) {
		err_set(e, ERR_INTERNAL, "%s: out of memory", o->path);
		goto out;
	}
	struct arrival a;
	int r;
	while ((r = tracetool_next(s, &a, e)) == 1) {
		if (st->count == 0) {
			st->first_s = a.t;
		} else {
			double gap = a.t - st->last_s;
			gsl_rstat_add(gap, iat);
			if (!(gap <= st->idle_max_s)) {   /* first longest; NAN start */
				st->idle_max_s = gap;
				st->idle_from_s = st->last_s;
				st->idle_after = st->count;
			}
		}
		st->last_s = a.t;
		st->count++;
		gsl_rstat_add(a.size, sz);
		bin_add(&sec, a.t);
		bin_add(&min, a.t);
		plot_add(&plot, a.t);
	}
	if (r < 0)
		goto out;
	if (st->count) {
		st->span_s = st->last_s - st->first_s;
		if (st->span_s > 0)
			st->rate_per_s = (double)st->count / st->span_s;
		st->size_mean = gsl_rstat_mean(sz);
		st->size_min = gsl_rstat_min(sz);
		st->size_max = gsl_rstat_max(sz);
	}
	if (gsl_rstat_n(iat) >= 1)
		st->iat_mean_s = gsl_rstat_mean(iat);
	if (gsl_rstat_n(iat) >= 2 && st->iat_mean_s > 0)
		st->iat_cv = gsl_rstat_sd(iat) / st->iat_mean_s;
	bin_finish(&sec, &st->sec);
	bin_finish(&min, &st->min);
	st->plot_width_s = plot.w;
	st->plot_start_s = (double)plot.base * plot.w;
	st->plot_nbins = plot.n;
	memcpy(st->plot, plot.c, sizeof st->plot);
	rc = 0;
out:
	gsl_rstat_free(iat);
	gsl_rstat_free(sz);
	tracetool_close(s);
	return rc;
}

/* Shortest %g that reads back as v, into buf (32 bytes); returns buf. */
static const char *fmt_short(char *buf, double v)
{
	for (int p = 15; p <= 17; p++) {
		snprintf(buf, 32, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

#define NAMEW "%-16s "

static void put_num(FILE *out, const char *name, const char *fmt, double v)
{
	fprintf(out, NAMEW, name);
	if (isnan(v))
		fprintf(out, "-\n");
	else {
		fprintf(out, fmt, v);
		fputc('\n', out);
	}
}

static void print_bins(FILE *out, const char *pfx, const struct tracetool_bins *b)
{
	char name[32];
	snprintf(name, sizeof name, "%s_bins", pfx);
	fprintf(out, NAMEW "%" PRIu64 "\n", name, b->nbins);
	snprintf(name, sizeof name, "%s_mean", pfx);
	put_num(out, name, "%.6f", b->mean);
	snprintf(name, sizeof name, "%s_cv", pfx);
	put_num(out, name, "%.6f", b->cv);
	snprintf(name, sizeof name, "%s_max", pfx);
	fprintf(out, NAMEW "%" PRIu64 "\n", name, b->max);
	snprintf(name, sizeof name, "%s_peak_mean", pfx);
	put_num(out, name, "%.6f", b->peak_mean);
}

static void print_plot(FILE *out, const struct tracetool_stats *st)
{
	uint64_t max = 0;
	for (int j = 0; j < st->plot_nbins; j++)
		if (st->plot[j] > max)
			max = st->plot[j];
	fprintf(out, NAMEW "%g s bins from %g s, peak %" PRIu64 " per bin "
		"(%.6g/s)\n", "rate_plot", st->plot_width_s, st->plot_start_s,
		max, (double)max / st->plot_width_s);
	if (max == 0)
		return;
	int cw = TRACETOOL_PLOT_BINS / st->plot_nbins;
	char label[32];
	int lw = snprintf(label, sizeof label, "%" PRIu64, max);
	for (int row = TRACETOOL_PLOT_ROWS; row >= 1; row--) {
		char bar[TRACETOOL_PLOT_BINS + 1];
		int len = 0, end = 0;
		for (int j = 0; j < st->plot_nbins; j++) {
			/* height in rows, rounded up so any arrival shows */
			uint64_t h = (st->plot[j] * TRACETOOL_PLOT_ROWS + max - 1) / max;
			for (int c = 0; c < cw; c++) {
				bar[len++] = h >= (uint64_t)row ? '#' : ' ';
				if (bar[len - 1] == '#')
					end = len;
			}
		}
		bar[end] = '\0';   /* no trailing blanks */
		fprintf(out, "  %*s |%s\n", lw,
			row == TRACETOOL_PLOT_ROWS ? label : "", bar);
	}
	fprintf(out, "  %*s +", lw, "0");
	for (int j = 0; j < st->plot_nbins * cw; j++)
		fputc('-', out);
	fputc('\n', out);
	char lo[32], hi[32];
	snprintf(lo, sizeof lo, "%g s", st->plot_start_s);
	snprintf(hi, sizeof hi, "%g s", st->plot_start_s +
		 st->plot_nbins * st->plot_width_s);
	int pad = st->plot_nbins * cw - (int)strlen(lo) - (int)strlen(hi);
	fprintf(out, "  %*s  %s%*s\n", lw, "", lo,
		(pad > 1 ? pad : 1) + (int)strlen(hi), hi);
}

void tracetool_print_stats(FILE *out, const char *path,
			   const struct tracetool_stats *st)
{
	fprintf(out, NAMEW "%s\n", "file", path ? path : "");
	fprintf(out, NAMEW "%s\n", "format", st->format);
	fprintf(out, NAMEW "%" PRIu64 "\n", "count", st->count);
	put_num(out, "first_s", "%.9f", st->first_s);
	put_num(out, "last_s", "%.9f", st->last_s);
	put_num(out, "span_s", "%.9f", st->span_s);
	put_num(out, "rate_per_s", "%.6f", st->rate_per_s);
	put_num(out, "iat_mean_s", "%.9f", st->iat_mean_s);
	put_num(out, "iat_cv", "%.6f", st->iat_cv);
	print_bins(out, "sec", &st->sec);
	print_bins(out, "min", &st->min);
	fprintf(out, NAMEW, "idle_max_s");
	if (isnan(st->idle_max_s))
		fprintf(out, "-\n");
	else
		fprintf(out, "%.9f from %.9f s, after arrival %" PRIu64 "\n",
			st->idle_max_s, st->idle_from_s, st->idle_after);
	put_num(out, "size_mean", "%.6f", st->size_mean);
	char num[32];
	fprintf(out, NAMEW "%s\n", "size_min",
		isnan(st->size_min) ? "-" : fmt_short(num, st->size_min));
	fprintf(out, NAMEW "%s\n", "size_max",
		isnan(st->size_max) ? "-" : fmt_short(num, st->size_max));
	if (st->count)
		print_plot(out, st);
}

/* ---- convert ------------------------------------------------------------ */

/* Writes v with `dec` decimals if that reads back as v, else with the fewest
 * more decimals that do, else in %.17g (always exact). */
static void put_exact(FILE *f, double v, int dec)
{
	char buf[64];
	for (int d = dec; d <= 17; d++) {
		snprintf(buf, sizeof buf, "%.*f", d, v);
		if (strtod(buf, NULL) == v) {
			fputs(buf, f);
			return;
		}
	}
	fprintf(f, "%.17g", v);
}

int tracetool_convert(const struct tracetool_opts *o, const char *topic,
		      const char *out_path, uint64_t *count, struct err *e)
{
	if (!topic)
		topic = "in";
	if (!*topic || strpbrk(topic, ",\r\n"))
		return err_set(e, ERR_INPUT, "--topic '%s': must be non-empty "
			       "without commas or newlines", topic);
	if (!out_path || !*out_path)
		return err_set(e, ERR_INPUT, "missing --out OUT.csv");
	struct tracetool_src *s = tracetool_open(o, e);
	if (!s)
		return -1;
	size_t tl = strlen(out_path) + 32;
	char *tmp = malloc(tl);
	FILE *f = NULL;
	int fd = -1, rc = -1;
	uint64_t n = 0;
	char num[32];
	if (!tmp) {
		err_set(e, ERR_INTERNAL, "%s: out of memory", out_path);
		goto out;
	}
	snprintf(tmp, tl, "%s.tmp%ld", out_path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		err_set(e, ERR_INPUT, "%s: cannot create: %s", tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		goto out;
	}
	fprintf(f, "time_s,topic,key,size_bytes\n");
	struct arrival a;
	int r;
	while ((r = tracetool_next(s, &a, e)) == 1) {
		put_exact(f, a.t + 0.0, 9);
		fprintf(f, ",%s,", topic);
		if (a.keyed)
			fprintf(f, "%016" PRIx64, a.key);
		fputc(',', f);
		fputs(fmt_short(num, a.size + 0.0), f);
		fputc('\n', f);
		n++;
	}
	int werr = ferror(f);
	if (fclose(f) != 0 || werr) {
		if (r >= 0)
			err_set(e, ERR_INTERNAL, "%s: write failed: %s", tmp,
				strerror(errno));
		r = -1;
	}
	if (r < 0) {
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, out_path) != 0) {
		err_set(e, ERR_INTERNAL, "%s: cannot rename to %s: %s", tmp,
			out_path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (count)
		*count = n;
	rc = 0;
out:
	free(tmp);
	tracetool_close(s);
	return rc;
}

/* ---- the command -------------------------------------------------------- */

/* A whole-argument finite number, > 0 (positive) or >= 0. */
static int cli_num(const char *opt, const char *v, int positive, double *out,
		   struct err *e)
{
	char *end;
	double x = strtod(v, &end);
	if (!*v || *end || !isfinite(x) || strpbrk(v, "xX") ||
	    (positive ? !(x > 0) : !(x >= 0)))
		return err_set(e, ERR_INPUT, "%s: expected a finite number %s 0, "
			       "got '%s'", opt, positive ? ">" : ">=", v);
	*out = x + 0.0;
	return 0;
}

/* FROM:TO, TO empty for no end. */
static int parse_slice(const char *v, struct tracetool_opts *o, struct err *e)
{
	const char *colon = strchr(v, ':');
	char from[64];
	if (!colon || (size_t)(colon - v) >= sizeof from)
		return err_set(e, ERR_INPUT, "--slice: expected FROM:TO (seconds; "
			       "TO may be empty), got '%s'", v);
	snprintf(from, sizeof from, "%.*s", (int)(colon - v), v);
	o->slice_to_s = INFINITY;
	if (cli_num("--slice FROM", from, 0, &o->slice_from_s, e) != 0 ||
	    (colon[1] && cli_num("--slice TO", colon + 1, 1, &o->slice_to_s, e) != 0))
		return -1;
	if (!(o->slice_to_s > o->slice_from_s))
		return err_set(e, ERR_INPUT, "--slice %s: TO must be > FROM", v);
	o->slice = 1;
	return 0;
}

void tracetool_usage(FILE *out)
{
	fprintf(out,
		"usage: spate trace stats FILE [--format F] [--param k=v ...] [--seed N]\n"
		"                   [TRANSFORMS]\n"
		"       spate trace convert FILE [--format F] [--param k=v ...] [--seed N]\n"
		"                   [TRANSFORMS] [--topic T] --out OUT.csv\n"
		"TRANSFORMS (streamed, applied in this order):\n"
		"  --merge FILE2       merge another trace by time (repeatable)\n"
		"  --slice FROM:TO     keep [FROM, TO) seconds (TO empty: no end),\n"
		"                      rebased to 0 unless --keep-time\n"
		"  --time-scale X      multiply times by X > 0\n"
		"  --shift S           add S >= 0 seconds\n"
		"  --rate-scale R      replicate (R > 1) or thin (R < 1) arrivals\n");
}

int tracetool_cli(int argc, char **argv, FILE *out, struct err *e)
{
	if (argc < 1)
		return err_set(e, ERR_INPUT, "trace: missing stats or convert");
	int convert = !strcmp(argv[0], "convert");
	if (!convert && strcmp(argv[0], "stats"))
		return err_set(e, ERR_INPUT, "trace: unknown subcommand '%s' "
			       "(stats or convert)", argv[0]);
	const char **params = calloc((size_t)argc + 1, sizeof *params);
	const char **merge = calloc((size_t)argc + 1, sizeof *merge);
	if (!params || !merge) {
		free(params);
		free(merge);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	struct tracetool_opts o = { .params = params, .seed = 1, .merge = merge };
	const char *topic = NULL, *outp = NULL;
	int rc = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || !a[1]) {
			if (o.path) {
				err_set(e, ERR_INPUT, "trace: unexpected argument '%s'", a);
				goto done;
			}
			o.path = a;
			continue;
		}
		if (!strcmp(a, "--keep-time")) {
			o.slice_keep_time = 1;
			continue;
		}
		if (i + 1 >= argc) {
			err_set(e, ERR_INPUT, "trace: %s needs a value", a);
			goto done;
		}
		const char *v = argv[++i];
		if (!strcmp(a, "--format")) {
			o.format = v;
		} else if (!strcmp(a, "--param")) {
			params[o.nparams++] = v;
		} else if (!strcmp(a, "--seed")) {
			char *end;
			errno = 0;
			o.seed = strtoull(v, &end, 10);
			if (!*v || *end || *v == '-' || errno) {
				err_set(e, ERR_INPUT, "--seed: not a non-negative "
					"integer: '%s'", v);
				goto done;
			}
		} else if (!strcmp(a, "--merge")) {
			merge[o.nmerge++] = v;
		} else if (!strcmp(a, "--slice")) {
			if (parse_slice(v, &o, e) != 0)
				goto done;
		} else if (!strcmp(a, "--time-scale")) {
			if (cli_num(a, v, 1, &o.time_scale, e) != 0)
				goto done;
		} else if (!strcmp(a, "--rate-scale")) {
			if (cli_num(a, v, 1, &o.rate_scale, e) != 0)
				goto done;
		} else if (!strcmp(a, "--shift")) {
			if (cli_num(a, v, 0, &o.shift_s, e) != 0)
				goto done;
		} else if (convert && !strcmp(a, "--out")) {
			outp = v;
		} else if (convert && !strcmp(a, "--topic")) {
			topic = v;
		} else {
			err_set(e, ERR_INPUT, "trace %s: unknown option '%s'", argv[0], a);
			goto done;
		}
	}
	if (!o.path) {
		err_set(e, ERR_INPUT, "trace %s: missing FILE", argv[0]);
		goto done;
	}
	if (o.slice_keep_time && !o.slice) {
		err_set(e, ERR_INPUT, "trace %s: --keep-time needs --slice", argv[0]);
		goto done;
	}
	if (convert) {
		uint64_t n = 0;
		if (!outp) {
			err_set(e, ERR_INPUT, "trace convert: missing --out OUT.csv");
			goto done;
		}
		if (tracetool_convert(&o, topic, outp, &n, e) != 0)
			goto done;
		fprintf(out, "wrote %" PRIu64 " arrivals to %s\n", n, outp);
	} else {
		struct tracetool_stats st;
		if (tracetool_stats(&o, &st, e) != 0)
			goto done;
		tracetool_print_stats(out, o.path, &st);
	}
	rc = 0;
done:
	free(params);
	free(merge);
	return rc;
}
