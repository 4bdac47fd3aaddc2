/*
 * evq: a binary min-heap of 16-byte entries over a payload pool.
 *
 * The ordering key is (t, k) with k = seq << 24 | slot: seq grows with every
 * push, so comparing k compares insertion order and ties never reach the slot
 * bits. Sift-up and sift-down move a hole instead of swapping, which halves
 * the stores. The heap and the pool grow by doubling and never shrink; the
 * free list is a stack of slot numbers, so the most recently freed (cache-hot)
 * slot is reused first. A binary heap stays within ~2x of the best calendar
 * structure at every size (DESIGN.md), and this interface lets it be swapped.
 */
#include "evq.h"

#include <math.h>
#include <stdlib.h>

struct entry {
	double t;
	uint64_t k;
};

struct evq {
	struct entry *heap;   /* [0, n) */
	size_t n, cap;
	struct ev *pool;      /* [pool_cap] */
	uint32_t *free;       /* stack of free slots */
	size_t nfree, pool_cap;
	uint64_t seq;
};

#define SLOT_BITS 24
#define SLOT_MASK ((1u << SLOT_BITS) - 1)

struct evq *evq_new(void)
{
	struct evq *q = calloc(1, sizeof *q);
	return q;
}

void evq_free(struct evq *q)
{
	if (!q)
		return;
	free(q->heap);
	free(q->pool);
	free(q->free);
	free(q);
}

static int before(const struct entry *x, const struct entry *y)
{
	return x->t < y->t || (x->t == y->t && x->k < y->k);
}

static int grow_pool(struct evq *q)
{
	size_t cap = q->pool_cap ? q->pool_cap * 2 : 1024;
	if (cap > EVQ_MAX_PENDING)
		cap = EVQ_MAX_PENDING;
	if (cap <= q->pool_cap)
		return -1;
	struct ev *pool = realloc(q->pool, cap * sizeof *pool);
	if (!pool)
		return -1;
	q->pool = pool;
	uint32_t *fr = realloc(q->free, cap * sizeof *fr);
	if (!fr)
		return -1;
	q->free = fr;
	/* push new slots so that the lowest is popped first */
	for (size_t s = cap; s > q->pool_cap; s--)
		q->free[q->nfree++] = (uint32_t)(s - 1);
	q->pool_cap = cap;
	return 0;
}

int evq_push(struct evq *q, double t, const struct ev *ev)
{
	if (!q->nfree && grow_pool(q) != 0)
		return -1;
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 1024;
		struct entry *h = realloc(q->heap, cap * sizeof *h);
		if (!h)
			return -1;
		q->heap = h;
		q->cap = cap;
	}
	uint32_t s = q->free[--q->nfree];
	q->pool[s] = *ev;
	struct entry e = { .t = t, .k = (q->seq++ << SLOT_BITS) | s };
	size_t i = q->n++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!before(&e, &q->heap[p]))
			break;
		q->heap[i] = q->heap[p];
		i = p;
	}
	q->heap[i] = e;
	return 0;
}

int evq_pop(struct evq *q, double *t, struct ev *ev)
{
	if (!q->n)
		return 0;
	struct entry top = q->heap[0];
	struct entry last = q->heap[--q->n];
	size_t n = q->n, i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && before(&q->heap[c + 1], &q->heap[c]))
			c++;
		if (!before(&q->heap[c], &last))
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (n)
		q->heap[i] = last;
	uint32_t s = (uint32_t)(top.k & SLOT_MASK);
	*t = top.t;
	*ev = q->pool[s];
	q->free[q->nfree++] = s;
	return 1;
}

size_t evq_len(const struct evq *q)
{
	return q->n;
}

double evq_peek_time(const struct evq *q)
{
	return q->n ? q->heap[0].t : INFINITY;
}
