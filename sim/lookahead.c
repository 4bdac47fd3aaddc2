/*
 * lookahead: see lookahead.h. Ground truth for the oracle policy only.
 *
 * Design: each source has a second struct arrivals (same seed, same stream
 * names, hence the model's exact sequence) and a ring of the arrival times
 * it has read but the clock has not passed. la_advance pops the times
 * before the clock and reads until one arrival lies beyond now + horizon, so
 * the ring holds the arrivals of one horizon plus one: a trace of any length
 * is replayed in memory bounded by the busiest horizon, for a fixed horizon.
 * Invariants: ring times are non-decreasing (arr_next yields them in order);
 * every arrival at or before now + horizon has been read (or the source has
 * ended); the capacity is a power of two, so a logical index maps to a slot
 * with a mask.
 * Gains: gain[s][fn], the expected messages at fn per arrival of source s,
 * is one topological pass per source at la_new (the config loader rejects
 * cycles). rng_round keeps the mean of the outputs draw, so the mean of the
 * outputs distribution is the mean fan-out; broadcast sends each output to
 * every child, branch to one child with its probability. When an outputs
 * distribution has a per-byte term, the gains depend on the message's size
 * (a job keeps its size through the graph), so the ring also keeps each
 * arrival's row of gains, worked out when it is read.
 * Access pattern: la_rate is called a few times per function per decision;
 * with size-free gains it is two binary searches per source, O(log n), and
 * with per-byte gains a sum over the window's arrivals.
 */
#include "lookahead.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arrivals.h"
#include "config.h"
#include "dist.h"
#include "err.h"
#include "workload.h"

struct la_src {
	struct arrivals *arr;
	double *t;        /* [cap] arrival times */
	double *g;        /* [cap][nfn] per-arrival gains; NULL unless sized */
	size_t head, n, cap;
	int ended;
};

struct lookahead {
	const struct config *cfg;
	int nsrc, nfn;
	int sized;        /* some fan-out depends on the message size */
	double horizon, now;
	int *order;       /* [nfn] functions, parents before children */
	double *gain;     /* [nsrc][nfn] for size-0 messages */
	struct la_src *src;
};

/* Kahn's algorithm; the loader guarantees a DAG, so a leftover function
 * means a config built by other means, reported rather than looped on. */
static int topo_order(struct lookahead *la, struct err *e)
{
	const struct config *c = la->cfg;
	int n = la->nfn, head = 0, tail = 0;
	int *indeg = calloc((size_t)n, sizeof *indeg);
	if (!indeg)
		return err_set(e, ERR_INTERNAL, "lookahead: out of memory");
	for (int u = 0; u < n; u++)
		for (int k = 0; k < c->functions[u].nedges; k++)
			indeg[c->functions[u].edges[k].to]++;
	for (int u = 0; u < n; u++)
		if (indeg[u] == 0)
			la->order[tail++] = u;
	while (head < tail) {
		const struct cfg_function *f = &c->functions[la->order[head++]];
		for (int k = 0; k < f->nedges; k++)
			if (--indeg[f->edges[k].to] == 0)
				la->order[tail++] = f->edges[k].to;
	}
	free(indeg);
	if (tail != n)
		return err_set(e, ERR_INTERNAL, "lookahead: the function graph has "
			       "a cycle (%d of %d functions ordered)", tail, n);
	return 0;
}

/* Expected messages at every function per arrival of source s of this size. */
static void gains_pass(const struct lookahead *la, int s, double size,
		       double *row)
{
	const struct config *c = la->cfg;
	const struct cfg_source *src = &c->sources[s];
	memset(row, 0, (size_t)la->nfn * sizeof *row);
	for (int k = 0; k < src->ntargets; k++)
		row[src->targets[k]] += 1;
	for (int i = 0; i < la->nfn; i++) {
		int u = la->order[i];
		const struct cfg_function *f = &c->functions[u];
		if (!f->nedges || row[u] == 0)
			continue;
		double out = f->outputs ? dist_mean(f->outputs, size) : 1;
		for (int k = 0; k < f->nedges; k++) {
			double p = f->edge_mode == EDGES_BRANCH ? f->edges[k].p : 1;
			row[f->edges[k].to] += row[u] * out * p;
		}
	}
}

static int size_dependent(const struct config *c)
{
	for (int u = 0; u < c->nfunctions; u++) {
		const struct cfg_function *f = &c->functions[u];
		if (f->nedges && f->outputs &&
		    dist_mean(f->outputs, 0) != dist_mean(f->outputs, 1))
			return 1;
	}
	return 0;
}

void la_free(struct lookahead *la)
{
	if (!la)
		return;
	if (la->src)
		for (int s = 0; s < la->nsrc; s++) {
			arr_free(la->src[s].arr);
			free(la->src[s].t);
			free(la->src[s].g);
		}
	free(la->src);
	free(la->order);
	free(la->gain);
	free(la);
}

struct lookahead *la_new(const struct config *cfg, double horizon_s,
			 struct err *e)
{
	if (!cfg || cfg->nfunctions < 1 || cfg->nsources < 0) {
		err_set(e, ERR_INTERNAL, "lookahead: no config or no functions");
		return NULL;
	}
	if (!(horizon_s > 0) || !isfinite(horizon_s)) {
		err_set(e, ERR_INTERNAL, "lookahead: horizon must be > 0 and "
			"finite, got %g", horizon_s);
		return NULL;
	}
	struct lookahead *la = calloc(1, sizeof *la);
	if (!la) {
		err_set(e, ERR_INTERNAL, "lookahead: out of memory");
		return NULL;
	}
	*la = (struct lookahead){
		.cfg = cfg, .nsrc = cfg->nsources, .nfn = cfg->nfunctions,
		.horizon = horizon_s, .now = 0, .sized = size_dependent(cfg),
	};
	la->order = malloc((size_t)la->nfn * sizeof *la->order);
	la->gain = calloc((size_t)la->nsrc * (size_t)la->nfn + 1,
			  sizeof *la->gain);
	la->src = calloc((size_t)la->nsrc + 1, sizeof *la->src);
	if (!la->order || !la->gain || !la->src) {
		err_set(e, ERR_INTERNAL, "lookahead: out of memory");
		la_free(la);
		return NULL;
	}
	if (topo_order(la, e) < 0) {
		la_free(la);
		return NULL;
	}
	for (int s = 0; s < la->nsrc; s++) {
		gains_pass(la, s, 0, &la->gain[(size_t)s * (size_t)la->nfn]);
		la->src[s].arr = arr_new(&cfg->sources[s], cfg->seed,
					 cfg->rng_type, e);
		if (!la->src[s].arr) {
			err_prefix(e, "lookahead");
			la_free(la);
			return NULL;
		}
	}
	/* the model's clock starts at 0: read the first horizon now */
	la->now = -INFINITY;
	if (la_advance(la, 0, e) < 0) {
		la_free(la);
		return NULL;
	}
	return la;
}

static double ring_t(const struct la_src *r, size_t i)
{
	return r->t[(r->head + i) & (r->cap - 1)];
}

static int ring_push(struct lookahead *la, struct la_src *r, double t,
		     double size, struct err *e)
{
	size_t nfn = (size_t)la->nfn;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		double *t2 = malloc(cap * sizeof *t2);
		double *g2 = la->sized ? malloc(cap * nfn * sizeof *g2) : NULL;
		if (!t2 || (la->sized && !g2)) {
			free(t2);
			free(g2);
			return err_set(e, ERR_INTERNAL, "lookahead: out of memory");
		}
		for (size_t i = 0; i < r->n; i++) {
			size_t from = (r->head + i) & (r->cap - 1);
			t2[i] = r->t[from];
			if (g2)
				memcpy(&g2[i * nfn], &r->g[from * nfn],
				       nfn * sizeof *g2);
		}
		free(r->t);
		free(r->g);
		r->t = t2;
		r->g = g2;
		r->cap = cap;
		r->head = 0;
	}
	size_t slot = (r->head + r->n) & (r->cap - 1);
	r->t[slot] = t;
	if (la->sized)
		gains_pass(la, (int)(r - la->src), size, &r->g[slot * nfn]);
	r->n++;
	return 0;
}

int la_advance(struct lookahead *la, double now, struct err *e)
{
	if (!la)
		return err_set(e, ERR_INTERNAL, "lookahead: NULL");
	if (!(now >= la->now) || !isfinite(now))
		return err_set(e, ERR_INTERNAL, "lookahead: clock moved from %g "
			       "to %g", la->now, now);
	la->now = now;
	double until = now + la->horizon;
	for (int s = 0; s < la->nsrc; s++) {
		struct la_src *r = &la->src[s];
		while (r->n > 0 && r->t[r->head] < now) {
			r->head = (r->head + 1) & (r->cap - 1);
			r->n--;
		}
		while (!r->ended && (r->n == 0 || ring_t(r, r->n - 1) <= until)) {
			struct arrival a;
			int rc = arr_next(r->arr, &a, e);
			if (rc < 0) {
				err_prefix(e, "lookahead");
				return -1;
			}
			if (rc == 0) {
				r->ended = 1;
				break;
			}
			/* the model delivers an arrival dated before its clock
			 * (0 at the start) at once */
			if (ring_push(la, r, a.t > 0 ? a.t : 0, a.size, e) < 0)
				return -1;
		}
	}
	return 0;
}

/* First logical index whose time is >= t. */
static size_t lower_bound(const struct la_src *r, double t)
{
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ring_t(r, mid) < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

double la_rate(const struct lookahead *la, int fn, double t0, double t1)
{
	if (!la || fn < 0 || fn >= la->nfn)
		return NAN;
	double a = fmax(t0, la->now), b = fmin(t1, la->now + la->horizon);
	if (!(b > a))
		return NAN;
	double sum = 0;
	size_t nfn = (size_t)la->nfn;
	for (int s = 0; s < la->nsrc; s++) {
		const struct la_src *r = &la->src[s];
		size_t i0 = lower_bound(r, a), i1 = lower_bound(r, b);
		if (i1 <= i0)
			continue;
		if (!la->sized) {
			sum += (double)(i1 - i0) * la->gain[(size_t)s * nfn +
							    (size_t)fn];
			continue;
		}
		for (size_t i = i0; i < i1; i++)
			sum += r->g[((r->head + i) & (r->cap - 1)) * nfn +
				    (size_t)fn];
	}
	return sum / (b - a);
}

double la_gain(const struct lookahead *la, int src, int fn)
{
	if (!la || src < 0 || src >= la->nsrc || fn < 0 || fn >= la->nfn)
		return NAN;
	return la->gain[(size_t)src * (size_t)la->nfn + (size_t)fn];
}

double la_now(const struct lookahead *la)
{
	return la ? la->now : NAN;
}

double la_horizon(const struct lookahead *la)
{
	return la ? la->horizon : NAN;
}

size_t la_capacity(const struct lookahead *la, int src)
{
	return la && src >= 0 && src < la->nsrc ? la->src[src].cap : 0;
}

size_t la_buffered(const struct lookahead *la, int src)
{
	return la && src >= 0 && src < la->nsrc ? la->src[src].n : 0;
}
