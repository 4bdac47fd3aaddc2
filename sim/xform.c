/*
 * xform: see xform.h.
 *
 * One struct for every stage kind, switched on in xf_next: the pipeline is a
 * handful of stages per source, and a switch keeps each stage's state next
 * to its code without an ops table per kind. Invariant: only a leaf can see
 * time going back (a slice, an increasing affine map, a rate stage that
 * spreads copies inside the gap to the next arrival, and a merge of ordered
 * inputs all preserve order), so the order check lives in the leaf and
 * names the leaf's label and arrival number.
 * The rate stage is the former body of arr_next moved here unchanged: same
 * draws in the same order, so a source without the new transforms replays
 * exactly as before.
 * Access pattern: one xf_next per arrival through a few stages; the merge
 * heap is O(log k) per arrival and keeps one pending arrival per input.
 */
#include "xform.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "rng.h"

enum xf_kind { XF_LEAF, XF_SLICE, XF_AFFINE, XF_RATE, XF_MERGE };

struct xf_head {
	struct arrival a;
	size_t src;          /* input index: the tie-break */
};

struct xf_leafst {
	void *state;
	int (*next)(void *, struct arrival *, struct err *);
	void (*close)(void *);
	struct rng *rng;
	char *label;
	uint64_t n;
	double prev;
};

struct xf_slicest {
	double from, to;
	int rebase;
};

struct xf_affst {
	double scale, shift;
};

struct xf_ratest {
	double r;
	struct rng *rng;
	struct arrival cur, ahead;
	int have_ahead, exhausted;
	double *copies;
	size_t ncopies, icopy, capcopies;
};

struct xf_mergest {
	struct xf **in;
	size_t k;
	struct xf_head *heap;   /* inputs that still have arrivals */
	size_t n;
	int primed;
};

struct xf {
	enum xf_kind kind;
	int done;
	struct xf *in;       /* all but leaf and merge */
	union {
		struct xf_leafst leaf;
		struct xf_slicest slice;
		struct xf_affst aff;
		struct xf_ratest rate;
		struct xf_mergest merge;
	} u;
};

static struct xf *alloc_stage(enum xf_kind kind, struct xf *in, struct err *e)
{
	struct xf *x = calloc(1, sizeof *x);
	if (!x) {
		xf_free(in);
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	x->kind = kind;
	x->in = in;
	return x;
}

struct xf *xf_leaf(void *state, int (*next)(void *, struct arrival *, struct err *),
		   void (*close)(void *), struct rng *rng, const char *label,
		   struct err *e)
{
	struct xf *x = calloc(1, sizeof *x);
	char *l = strdup(label ? label : "arrivals");
	if (!x || !l) {
		free(x);
		free(l);
		if (close)
			close(state);
		rng_free(rng);
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	x->kind = XF_LEAF;
	x->u.leaf.state = state;
	x->u.leaf.next = next;
	x->u.leaf.close = close;
	x->u.leaf.rng = rng;
	x->u.leaf.label = l;
	x->u.leaf.prev = -INFINITY;
	return x;
}

struct xf *xf_slice(struct xf *in, double from_s, double to_s, int rebase,
		    struct err *e)
{
	if (!in)
		return NULL;
	if (!(from_s >= 0 && isfinite(from_s)) || !(to_s > from_s)) {
		xf_free(in);
		err_set(e, ERR_INPUT, "slice [%g, %g) is empty or negative (need "
			"0 <= from_s < to_s)", from_s, to_s);
		return NULL;
	}
	struct xf *x = alloc_stage(XF_SLICE, in, e);
	if (x)
		x->u.slice = (struct xf_slicest){ .from = from_s, .to = to_s,
						   .rebase = rebase };
	return x;
}

struct xf *xf_affine(struct xf *in, double scale, double shift, struct err *e)
{
	if (!in)
		return NULL;
	if (!(scale > 0 && isfinite(scale)) || !isfinite(shift)) {
		xf_free(in);
		err_set(e, ERR_INPUT, "time scale %g must be > 0 and shift %g finite",
			scale, shift);
		return NULL;
	}
	struct xf *x = alloc_stage(XF_AFFINE, in, e);
	if (x) {
		x->u.aff.scale = scale;
		x->u.aff.shift = shift;
	}
	return x;
}

struct xf *xf_rate(struct xf *in, double r, struct rng *rng, struct err *e)
{
	if (!in) {
		rng_free(rng);
		return NULL;
	}
	if (!(r > 0 && isfinite(r)) || !rng) {
		xf_free(in);
		rng_free(rng);
		err_set(e, rng ? ERR_INPUT : ERR_INTERNAL,
			"rate scale %g must be > 0 (with a random stream)", r);
		return NULL;
	}
	struct xf *x = alloc_stage(XF_RATE, in, e);
	if (!x) {
		rng_free(rng);
		return NULL;
	}
	x->u.rate.r = r;
	x->u.rate.rng = rng;
	return x;
}

struct xf *xf_merge(struct xf *const *in, size_t k, struct err *e)
{
	struct xf *x = NULL;
	struct xf **v = k ? malloc(k * sizeof *v) : NULL;
	struct xf_head *h = k ? malloc(k * sizeof *h) : NULL;
	int bad = 0;
	for (size_t i = 0; i < k; i++)
		bad |= in[i] == NULL;
	if (!k || bad || !v || !h || !(x = calloc(1, sizeof *x))) {
		for (size_t i = 0; i < k; i++)
			xf_free(in[i]);
		free(v);
		free(h);
		if (!k)
			err_set(e, ERR_INPUT, "merge of no streams");
		else if (!bad)
			err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	memcpy(v, in, k * sizeof *v);
	x->kind = XF_MERGE;
	x->u.merge.in = v;
	x->u.merge.k = k;
	x->u.merge.heap = h;
	return x;
}

void xf_free(struct xf *x)
{
	if (!x)
		return;
	switch (x->kind) {
	case XF_LEAF:
		if (x->u.leaf.close)
			x->u.leaf.close(x->u.leaf.state);
		rng_free(x->u.leaf.rng);
		free(x->u.leaf.label);
		break;
	case XF_RATE:
		free(x->u.rate.copies);
		rng_free(x->u.rate.rng);
		break;
	case XF_MERGE:
		for (size_t i = 0; i < x->u.merge.k; i++)
			xf_free(x->u.merge.in[i]);
		free(x->u.merge.in);
		free(x->u.merge.heap);
		break;
	default:
		break;
	}
	xf_free(x->in);
	free(x);
}

/* --- stages ------------------------------------------------------------ */

static int leaf_next(struct xf *x, struct arrival *a, struct err *e)
{
	int rc = x->u.leaf.next(x->u.leaf.state, a, e);
	if (rc != 1)
		return rc;
	x->u.leaf.n++;
	if (!(a->t >= x->u.leaf.prev))
		return err_set(e, ERR_INPUT, "%s: arrival %" PRIu64 " at %.17g s is "
			       "earlier than the previous one at %.17g s (arrivals "
			       "must be in time order)", x->u.leaf.label,
			       x->u.leaf.n, a->t, x->u.leaf.prev);
	x->u.leaf.prev = a->t;
	return 1;
}

static int slice_next(struct xf *x, struct arrival *a, struct err *e)
{
	int rc;
	while ((rc = xf_next(x->in, a, e)) == 1) {
		if (a->t < x->u.slice.from)
			continue;
		if (a->t >= x->u.slice.to)
			return 0;
		if (x->u.slice.rebase)
			a->t -= x->u.slice.from;
		return 1;
	}
	return rc;
}

static int affine_next(struct xf *x, struct arrival *a, struct err *e)
{
	int rc = xf_next(x->in, a, e);
	if (rc != 1)
		return rc;
	double t = a->t;
	a->t = t * x->u.aff.scale + x->u.aff.shift;
	if (!(a->t >= 0) || !isfinite(a->t))
		return err_set(e, ERR_INPUT, "time %.17g s becomes %.17g s after "
			       "scaling by %g and shifting by %g s (must stay a "
			       "finite time >= 0)", t, a->t, x->u.aff.scale,
			       x->u.aff.shift);
	return 1;
}

static int rate_next(struct xf *x, struct arrival *out, struct err *e)
{
	struct xf_ratest *s = &x->u.rate;
	double r = s->r;
	for (;;) {
		if (s->icopy < s->ncopies) {
			*out = s->cur;
			out->t = s->copies[s->icopy++];
			return 1;
		}
		if (!s->have_ahead) {
			if (s->exhausted)
				return 0;
			int rc = xf_next(x->in, &s->ahead, e);
			if (rc <= 0)
				return rc;
			s->have_ahead = 1;
		}
		s->cur = s->ahead;
		s->have_ahead = 0;
		if (r == 1) {
			*out = s->cur;
			return 1;
		}
		size_t n = (size_t)rng_round(s->rng, r);
		if (!n)
			continue;
		int rc = xf_next(x->in, &s->ahead, e);
		if (rc < 0)
			return -1;
		double gap = 0;
		if (rc > 0) {
			s->have_ahead = 1;
			gap = s->ahead.t - s->cur.t;
		} else {
			s->exhausted = 1;
		}
		if (n > s->capcopies) {
			double *c = realloc(s->copies, n * sizeof *c);
			if (!c)
				return err_set(e, ERR_INTERNAL, "out of memory");
			s->copies = c;
			s->capcopies = n;
		}
		double sum = 0;
		s->copies[0] = s->cur.t;
		for (size_t k = 1; k < n; k++) {
			sum += rng_exp(s->rng, 1.0);
			s->copies[k] = sum;
		}
		sum += rng_exp(s->rng, 1.0);
		for (size_t k = 1; k < n; k++)
			s->copies[k] = s->cur.t + gap * (s->copies[k] / sum);
		s->ncopies = n;
		s->icopy = 0;
	}
}

static int head_before(const struct xf_head *a, const struct xf_head *b)
{
	return a->a.t < b->a.t || (a->a.t == b->a.t && a->src < b->src);
}

static void heap_down(struct xf_head *h, size_t n, size_t i)
{
	struct xf_head s = h[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && head_before(&h[c + 1], &h[c]))
			c++;
		if (!head_before(&h[c], &s))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = s;
}

/* Every input's first arrival goes in the heap (inputs opened lazily, so an
 * error in any input surfaces at the first xf_next, not at build time). */
static int merge_prime(struct xf *x, struct err *e)
{
	struct xf_mergest *m = &x->u.merge;
	for (size_t i = 0; i < m->k; i++) {
		struct xf_head hd = { .src = i };
		int rc = xf_next(m->in[i], &hd.a, e);
		if (rc < 0)
			return -1;
		if (rc == 1)
			m->heap[m->n++] = hd;
	}
	for (size_t i = m->n / 2; i-- > 0;)
		heap_down(m->heap, m->n, i);
	m->primed = 1;
	return 0;
}

static int merge_next(struct xf *x, struct arrival *a, struct err *e)
{
	struct xf_mergest *m = &x->u.merge;
	if (!m->primed && merge_prime(x, e) < 0)
		return -1;
	if (m->n == 0)
		return 0;
	*a = m->heap[0].a;
	int rc = xf_next(m->in[m->heap[0].src], &m->heap[0].a, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		m->heap[0] = m->heap[--m->n];
	if (m->n)
		heap_down(m->heap, m->n, 0);
	return 1;
}

int xf_next(struct xf *x, struct arrival *a, struct err *e)
{
	if (x->done)
		return 0;
	int rc = -1;
	switch (x->kind) {
	case XF_LEAF:
		rc = leaf_next(x, a, e);
		break;
	case XF_SLICE:
		rc = slice_next(x, a, e);
		break;
	case XF_AFFINE:
		rc = affine_next(x, a, e);
		break;
	case XF_RATE:
		rc = rate_next(x, a, e);
		break;
	case XF_MERGE:
		rc = merge_next(x, a, e);
		break;
	}
	if (rc == 0)
		x->done = 1;
	return rc;
}
