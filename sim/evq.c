/*
 * evq: a 4-ary min-heap of 128-bit keys, payloads in a parallel array.
 *
 * Each heap entry's key is one unsigned 128-bit integer: the high 64 bits are
 * the IEEE-754 bits of the event time, the low 64 its insertion sequence. For
 * non-negative doubles the bit pattern orders exactly like the value, so
 * comparing keys as integers orders by (time, insertion sequence), and the
 * comparison compiles to a branch-free cmp/sbb: on the simulator's heaps
 * (tens to thousands of entries) mispredicted branches on the two-field
 * comparison were most of the cost of a pop. Four children per node halve
 * the depth against a binary heap; three sentinel keys (all ones) after the
 * last entry let sift-down compare all four children without bounds checks.
 * The payloads move alongside their keys in a second array (structure of
 * arrays): comparisons touch only keys, and popping reads the payload next
 * to the top instead of through a pool, one dependent cache miss fewer per
 * event (measured +5% messages/s at 3,000 busy replicas). Both arrays grow
 * by doubling and never shrink.
 */
#include "evq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 key_t128;

struct evq {
	key_t128 *key;        /* [0, n) entries, key[n..n+2] = sentinels */
	struct ev *pay;       /* pay[i] belongs to key[i] */
	size_t n, cap;        /* cap counts the sentinel slots */
	uint64_t seq;
};

#define SENTINEL (~(key_t128)0)

struct evq *evq_new(void)
{
	struct evq *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->cap = 1024;
	q->key = malloc(q->cap * sizeof *q->key);
	q->pay = malloc(q->cap * sizeof *q->pay);
	if (!q->key || !q->pay) {
		evq_free(q);
		return NULL;
	}
	q->key[0] = q->key[1] = q->key[2] = SENTINEL;
	return q;
}

void evq_free(struct evq *q)
{
	if (!q)
		return;
	free(q->key);
	free(q->pay);
	free(q);
}

static key_t128 make_key(double t, uint64_t seq)
{
	uint64_t tb;
	t += 0.0;  /* -0.0 becomes +0.0, whose bits order first */
	memcpy(&tb, &t, sizeof tb);
	return (key_t128)tb << 64 | seq;
}

int evq_push(struct evq *q, double t, const struct ev *ev)
{
	if (q->n + 4 >= q->cap) {
		if (q->n >= EVQ_MAX_PENDING)
			return -1;
		key_t128 *k = realloc(q->key, 2 * q->cap * sizeof *k);
		if (!k)
			return -1;
		q->key = k;
		struct ev *p = realloc(q->pay, 2 * q->cap * sizeof *p);
		if (!p)
			return -1;
		q->pay = p;
		q->cap *= 2;
	}
	key_t128 key = make_key(t, q->seq++);
	key_t128 *h = q->key;
	struct ev *pay = q->pay;
	size_t i = q->n++;
	h[q->n] = h[q->n + 1] = h[q->n + 2] = SENTINEL;
	while (i > 0) {
		size_t p = (i - 1) / 4;
		if (key >= h[p])
			break;
		h[i] = h[p];
		pay[i] = pay[p];
		i = p;
	}
	h[i] = key;
	pay[i] = *ev;
	return 0;
}

int evq_pop(struct evq *q, double *t, struct ev *ev)
{
	if (!q->n)
		return 0;
	key_t128 *h = q->key;
	struct ev *pay = q->pay;
	uint64_t tb = (uint64_t)(h[0] >> 64);
	memcpy(t, &tb, sizeof *t);
	*ev = pay[0];
	size_t n = --q->n;
	key_t128 last = h[n];
	struct ev last_pay = pay[n];
	h[n] = SENTINEL;
	size_t i = 0;
	for (;;) {
		size_t c = 4 * i + 1;
		if (c >= n)
			break;
		/* h[n..n+2] are sentinels: all four children compare safely */
		size_t a = c + (h[c + 1] < h[c]);
		size_t b = c + 2 + (h[c + 3] < h[c + 2]);
		c = h[b] < h[a] ? b : a;
		if (h[c] >= last)
			break;
		h[i] = h[c];
		pay[i] = pay[c];
		i = c;
	}
	if (n) {
		h[i] = last;
		pay[i] = last_pay;
	}
	return 1;
}

uint64_t evq_seq_take(struct evq *q)
{
	return q->seq++;
}

int evq_first_before(const struct evq *q, double t, uint64_t seq)
{
	return q->n && q->key[0] < make_key(t, seq);
}

size_t evq_len(const struct evq *q)
{
	return q->n;
}

double evq_peek_time(const struct evq *q)
{
	if (!q->n)
		return INFINITY;
	uint64_t tb = (uint64_t)(q->key[0] >> 64);
	double t;
	memcpy(&t, &tb, sizeof t);
	return t;
}
