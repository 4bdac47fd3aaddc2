/*
 * arrivals: see arrivals.h. The source's configuration is turned into a
 * pipeline of xform stages once, at arr_new; arr_next pulls from its
 * outermost stage. A stage that would change nothing (no slice, time_scale
 * 1 with shift 0, rate_scale 1) is not built, and the rate stage draws
 * exactly as the pre-transform arr_next did, so existing configs replay
 * bit for bit. Random streams are named by the member's place in the
 * config (arrivals.h), never by build order.
 * arr_new reads the first arrival ahead, so that a source fed by a trace
 * that yields nothing is an input error before the run starts rather than
 * a run that "succeeds" with nothing in it. Only traces (workloads with a
 * "path") are held to it: a generator may yield nothing on purpose (a
 * duration_s or a slice that ends before its first arrival, a zero rate
 * where the generator allows one), and a trace whose first arrival comes
 * after the run's end is not empty. A trace leaf's next goes through a
 * counting tap (one call per arrival), so an empty trace merged with
 * others is caught too; which transform emptied a source is found only on
 * that error path, by rebuilding the source stage by stage (the streams
 * are named, so the rebuilt stages draw exactly as the first build did).
 */
#include "arrivals.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "rng.h"
#include "xform.h"

struct arrivals {
	struct xf *x;
	struct arrival ahead;   /* read by arr_new, returned first */
	int have_ahead;
};

/* A trace leaf's workload behind a counter; owned by its xf leaf. */
struct tap {
	const struct workload *w;
	void *state;
	const union param_val *p;
	uint64_t n;
	char *jpath;            /* the leaf's JSON path */
	struct tap *next;       /* arr_new's list (not owned) */
};

/* How much of a node's pipeline build_node builds: its input (workload or
 * merge) alone, up to its slice, up to its time scale, or all of it. */
enum upto { UP_INPUT, UP_SLICE, UP_AFFINE, UP_ALL };

struct build {
	uint64_t seed;
	const char *rng_type;
	const char *topic;
	struct err *e;
	struct tap **taps;      /* NULL: do not list the taps */
};

/* The index of a workload's "path" parameter: a trace reader has one, a
 * generator does not. -1 for a generator. */
static int trace_path(const struct workload *w)
{
	int i = param_find(w->params, w->nparams, "path");
	return i >= 0 && w->params[i].type == PARAM_STR ? i : -1;
}

static int has_trace(const struct cfg_arrivals *n)
{
	if (n->workload)
		return trace_path(n->workload) >= 0;
	for (int i = 0; i < n->nmerge; i++)
		if (has_trace(&n->merge[i]))
			return 1;
	return 0;
}

static int has_slice(const struct cfg_arrivals *n)
{
	return n->slice_from_s > 0 || n->slice_to_s < INFINITY;
}

static int has_affine(const struct cfg_arrivals *n)
{
	return n->time_scale != 1 || n->shift_s != 0;
}

static int tap_next(void *st, struct arrival *a, struct err *e)
{
	struct tap *t = st;
	int rc = t->w->next(t->state, a, e);
	if (rc == 1)
		t->n++;
	return rc;
}

static void tap_close(void *st)
{
	struct tap *t = st;
	if (t->w->close)
		t->w->close(t->state);
	free(t->jpath);
	free(t);
}

/* "JSON.PATH: trace 'FILE' has no arrivals", with the reader's string
 * parameters that select rows (a topic, a function) when they are set,
 * since a filter matching nothing is the likelier cause then. */
static int trace_empty(struct err *e, const char *jpath,
		       const struct workload *w, const union param_val *p)
{
	int pi = trace_path(w);
	char sel[400] = "";
	for (size_t i = 0; i < w->nparams; i++) {
		const struct param_def *d = &w->params[i];
		if ((int)i == pi || d->type != PARAM_STR || !p[i].str ||
		    !p[i].str[0] || (d->def_str && !strcmp(p[i].str, d->def_str)))
			continue;
		size_t k = strlen(sel);
		snprintf(sel + k, sizeof sel - k, "%s%s '%s'",
			 k ? ", " : " (selecting ", d->name, p[i].str);
	}
	if (sel[0]) {
		size_t k = strlen(sel);
		snprintf(sel + k, sizeof sel - k, ")");
	}
	return err_set(e, ERR_INPUT, "%s: trace '%s' has no arrivals%s", jpath,
		       pi >= 0 && p[pi].str ? p[pi].str : "?", sel);
}

static struct rng *stream(const struct build *b, const char *prefix,
			  const char *what)
{
	char name[512];
	snprintf(name, sizeof name, "%s/%s", prefix, what);
	struct rng *r = rng_new(b->seed, name, b->rng_type);
	if (!r)
		err_set(b->e, ERR_INTERNAL, "cannot create the random stream %s",
			name);
	return r;
}

/* A trace's leaf: its workload's state behind a tap, listed in b->taps. */
static struct xf *trace_leaf(const struct build *b, const struct cfg_arrivals *n,
			     void *st, struct rng *r, const char *where,
			     const char *jpath)
{
	struct tap *t = calloc(1, sizeof *t);
	char *jp = strdup(jpath);
	if (!t || !jp) {
		free(t);
		free(jp);
		if (n->workload->close)
			n->workload->close(st);
		rng_free(r);
		err_set(b->e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	*t = (struct tap){ .w = n->workload, .state = st,
			   .p = n->workload_params, .jpath = jp };
	struct xf *x = xf_leaf(t, tap_next, tap_close, r, where, b->e);
	if (x && b->taps) {
		t->next = *b->taps;
		*b->taps = t;
	}
	return x;
}

/* Names of member i of a merge: stream prefix, place in messages, JSON
 * path. */
static void member_names(const char *prefix, const char *where,
			 const char *jpath, int i, char p[512], char w[512],
			 char j[512])
{
	snprintf(p, 512, "%s/merge[%d]", prefix, i);
	snprintf(w, 512, "%s merge[%d]", where, i);
	snprintf(j, 512, "%s.merge[%d]", jpath, i);
}

/* The pipeline of one node, up to `upto`; prefix is its stream name prefix
 * ("source/T" or "source/T/merge[i]..."), where its place in messages and
 * jpath its JSON path ("sources.T.arrivals.merge[i]..."). */
static struct xf *build_node(const struct build *b, const struct cfg_arrivals *n,
			     const char *prefix, const char *where,
			     const char *jpath, enum upto upto)
{
	struct xf *x;
	if (n->workload) {
		struct rng *r = stream(b, prefix, "arrivals");
		if (!r)
			return NULL;
		void *st = n->workload->open(n->workload_params, r, b->e);
		if (!st) {
			err_prefix(b->e, "%s", where);
			rng_free(r);
			return NULL;
		}
		x = trace_path(n->workload) >= 0
			? trace_leaf(b, n, st, r, where, jpath)
			: xf_leaf(st, n->workload->next, n->workload->close, r,
				  where, b->e);
	} else {
		struct xf **in = calloc((size_t)n->nmerge, sizeof *in);
		if (!in) {
			err_set(b->e, ERR_INTERNAL, "out of memory");
			return NULL;
		}
		for (int i = 0; i < n->nmerge; i++) {
			char p[512], w[512], j[512];
			member_names(prefix, where, jpath, i, p, w, j);
			if (!(in[i] = build_node(b, &n->merge[i], p, w, j, UP_ALL))) {
				for (int k = 0; k < i; k++)
					xf_free(in[k]);
				free(in);
				return NULL;
			}
		}
		x = xf_merge(in, (size_t)n->nmerge, b->e);
		free(in);
	}
	if (x && upto >= UP_SLICE && has_slice(n))
		x = xf_slice(x, n->slice_from_s, n->slice_to_s, n->slice_rebase,
			     b->e);
	if (x && upto >= UP_AFFINE && has_affine(n))
		x = xf_affine(x, n->time_scale, n->shift_s, b->e);
	if (x && upto >= UP_ALL && n->rate_scale != 1) {
		struct rng *r = stream(b, prefix, "rate_scale");
		x = r ? xf_rate(x, n->rate_scale, r, b->e) : (xf_free(x), NULL);
	}
	if (!x)
		err_prefix(b->e, "%s", where);
	return x;
}

/* --- why a source is empty (the error path only) -------------------- */

/* What a probe of a partial pipeline saw. */
struct probe {
	uint64_t n;             /* arrivals before `stop` */
	double last;            /* the last of them */
	int past;               /* one at or after `stop` ended the probe */
	double past_t;
};

/* Builds node n up to `upto` and reads at most `max` arrivals, stopping at
 * the first at or after `stop`. 0, or -1 and e. */
static int probe(const struct build *b, const struct cfg_arrivals *n,
		 const char *prefix, const char *where, const char *jpath,
		 enum upto upto, uint64_t max, double stop, struct probe *out)
{
	*out = (struct probe){ .last = NAN, .past_t = NAN };
	struct xf *x = build_node(b, n, prefix, where, jpath, upto);
	if (!x)
		return -1;
	struct arrival a;
	int rc = 0;
	while (out->n < max && (rc = xf_next(x, &a, b->e)) == 1) {
		if (a.t >= stop) {
			out->past = 1;
			out->past_t = a.t;
			break;
		}
		out->n++;
		out->last = a.t;
	}
	xf_free(x);
	return rc < 0 ? -1 : 0;
}

/* Node n's full pipeline yields nothing: -1 and e naming the trace or the
 * transform responsible, or 0 when no trace is involved (a generator may
 * yield nothing on purpose, and so may a transform of one). */
static int blame(const struct build *b, const struct cfg_arrivals *n,
		 const char *prefix, const char *where, const char *jpath)
{
	if (!has_trace(n))
		return 0;
	struct probe in, pr;
	if (probe(b, n, prefix, where, jpath, UP_INPUT, 1, INFINITY, &in) < 0)
		return -1;
	if (in.n == 0) {
		if (n->workload)
			return trace_empty(b->e, jpath, n->workload,
					   n->workload_params);
		for (int i = 0; i < n->nmerge; i++) {
			char p[512], w[512], j[512];
			member_names(prefix, where, jpath, i, p, w, j);
			if (blame(b, &n->merge[i], p, w, j) < 0)
				return -1;
		}
		return 0;
	}
	/* the input has arrivals (a trace's, or a merge's with a trace among
	 * its inputs): one of n's own transforms dropped them */
	char what[600] = "its merged inputs";
	if (n->workload)
		snprintf(what, sizeof what, "trace '%s'",
			 n->workload_params[trace_path(n->workload)].str);
	if (has_slice(n)) {
		if (probe(b, n, prefix, where, jpath, UP_SLICE, 1, INFINITY,
			  &pr) < 0)
			return -1;
		if (pr.n == 0) {
			/* the slice read its input up to the first arrival at
			 * or after to_s: read as far again */
			if (probe(b, n, prefix, where, jpath, UP_INPUT, UINT64_MAX,
				  n->slice_to_s, &in) < 0)
				return -1;
			double f = n->slice_from_s, t = n->slice_to_s;
			if (in.n == 0)
				return err_set(b->e, ERR_INPUT, "%s.slice: [%g, %g) s "
					       "ends before the first arrival of %s, at "
					       "%.10g s", jpath, f, t, what, in.past_t);
			if (in.past)
				return err_set(b->e, ERR_INPUT, "%s.slice: [%g, %g) s "
					       "falls between two arrivals of %s, at "
					       "%.10g s and %.10g s", jpath, f, t, what,
					       in.last, in.past_t);
			return err_set(b->e, ERR_INPUT, "%s.slice: [%g, %g) s starts "
				       "after the last of the %" PRIu64 " arrivals "
				       "of %s, at %.10g s", jpath, f, t, in.n, what,
				       in.last);
		}
	}
	/* a time scale and shift keep every arrival (or fail): the rate
	 * stage is the only other one that drops */
	if (n->rate_scale != 1) {
		if (probe(b, n, prefix, where, jpath, UP_AFFINE, UINT64_MAX,
			  INFINITY, &pr) < 0)
			return -1;
		return err_set(b->e, ERR_INPUT, "%s.rate_scale: %g keeps none of "
			       "the %" PRIu64 " arrivals of %s", jpath,
			       n->rate_scale, pr.n, what);
	}
	return err_set(b->e, ERR_INTERNAL, "%s: the transforms leave none of "
		       "the arrivals of %s", jpath, what);
}

struct arrivals *arr_new(const struct cfg_source *c, uint64_t seed,
			 const char *rng_type, struct err *e)
{
	struct arrivals *a = calloc(1, sizeof *a);
	if (!a) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	const struct cfg_arrivals root = {
		.workload = c->workload, .workload_params = c->workload_params,
		.merge = c->merge, .nmerge = c->nmerge,
		.slice_from_s = c->slice_from_s, .slice_to_s = c->slice_to_s,
		.slice_rebase = c->slice_rebase, .time_scale = c->time_scale,
		.shift_s = c->shift_s, .rate_scale = c->rate_scale,
	};
	struct tap *taps = NULL;
	struct build b = { .seed = seed, .rng_type = rng_type,
			   .topic = c->topic, .e = e, .taps = &taps };
	char prefix[512], where[512], jpath[512];
	snprintf(prefix, sizeof prefix, "source/%s", c->topic);
	snprintf(where, sizeof where, "source '%s'", c->topic);
	snprintf(jpath, sizeof jpath, "sources.%s.arrivals", c->topic);
	if (!(a->x = build_node(&b, &root, prefix, where, jpath, UP_ALL))) {
		free(a);
		return NULL;
	}
	/* the first arrival pulls every leaf at least once (a merge primes
	 * all its inputs), so a tap that counted nothing is an empty trace */
	int rc = xf_next(a->x, &a->ahead, e);
	a->have_ahead = rc == 1;
	b.taps = NULL;
	if (rc == 0 && blame(&b, &root, prefix, where, jpath) < 0)
		rc = -1;
	for (const struct tap *t = taps; rc == 1 && t; t = t->next)
		if (t->n == 0)
			rc = trace_empty(e, t->jpath, t->w, t->p);
	if (rc < 0) {
		arr_free(a);
		return NULL;
	}
	return a;
}

void arr_free(struct arrivals *a)
{
	if (!a)
		return;
	xf_free(a->x);
	free(a);
}

int arr_next(struct arrivals *a, struct arrival *out, struct err *e)
{
	if (a->have_ahead) {
		*out = a->ahead;
		a->have_ahead = 0;
		return 1;
	}
	return xf_next(a->x, out, e);
}
