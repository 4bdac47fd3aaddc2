/*
 * evq: a calendar of time buckets in front of a small sorted run (or, when
 * many events share a bucket, a 4-ary min-heap) of 128-bit keys.
 *
 * Each event's key is one unsigned 128-bit integer: the high 64 bits are
 * the IEEE-754 bits of the event time, the low 64 its insertion sequence. For
 * non-negative doubles the bit pattern orders exactly like the value, so
 * comparing keys as integers orders by (time, insertion sequence), and the
 * comparison compiles to a branch-free cmp/sbb.
 *
 * Why buckets: the demo at 516x keeps 3,000 to 18,000 service completions
 * pending, and a heap of that size spent ~300 instructions and ~6 L1 misses
 * per pop sifting down six levels: a quarter of the run's time. Pending
 * events are spread in time, so most of that ordering work can be done by
 * address instead of by comparison.
 *
 * An event's bucket is the high 64 bits of its key shifted right by
 * `shift`: a monotone function of the key, so every event of a lower bucket
 * comes before every event of a higher one, exactly, with no floating-point
 * boundary to round. The bottom holds every event whose bucket is at most
 * `cur`; a window of `nb` buckets [base, base + nb) holds, as lists, the
 * events of the buckets after cur; the overflow array holds those beyond
 * the window. The bottom's first key is therefore the earliest event. When
 * the bottom empties, the next non-empty bucket moves into it (a bitmap
 * finds it); when the window is used up, it is rebuilt around the overflow:
 * its earliest bucket becomes `cur`, and the shift is chosen from a count
 * of the distances to the earliest event, by powers of two, so that the
 * window spans twice the distance within which three quarters of them lie,
 * with nb about eight times their number. A bucket then holds well under
 * one event on average: a push is a list insert, a pop takes a run of one
 * or two. (Fewer, fuller buckets were measured slower: taking a bucket
 * walks its list, one dependent miss per node.) Rebuilds visit each
 * overflow event once and leave at most a quarter of them there.
 *
 * The bottom is a run sorted ascending in key[top, n), popped at top:
 * events of the current bucket mostly arrive after those there, so a push
 * costs a compare or two and a pop none. Past RUN_MAX entries (a bucket of
 * equal times, say) it becomes a heap: four children per node, three
 * sentinel keys (all ones) after the last entry so that sift-down compares
 * all four without bounds checks, payloads moving alongside their keys in
 * a second array, and the key array placed so that each group of four
 * siblings is one cache line.
 *
 * Under SMALL pending events the buckets are off and everything is in the
 * bottom (the engine's M/M/10 keeps a dozen events); LARGE turns them on.
 * A bottom that outgrows `limit` (events pushed into the current bucket,
 * or behind it: times that went back, or a window sized for another
 * spread) has the window rebuilt around everything pending, at a cost of
 * the pending count; the limit keeps that to a few steps per push.
 * Whatever the window, the order is exact; only the speed depends on it.
 * Invariant: the bottom is empty only when nothing is pending, so the
 * earliest event is always key[top] (evq_first_before, evq_peek_time,
 * evq_peek).
 * Every array holds as many entries as can be pending (cap); they grow by
 * doubling in evq_push, never shrink, and nothing is allocated in evq_pop
 * except the window's bucket heads, without which it keeps the old window.
 */
#include "evq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 key_t128;

struct node {
	key_t128 key;
	struct ev pay;
};

#define SENTINEL (~(key_t128)0)
#define NONE UINT32_MAX

enum {
	RUN_MAX = 32,       /* a longer bottom is a heap */
	SMALL = 128,        /* a rebuild with fewer pending: no buckets */
	LARGE = 1024,       /* no buckets with this many pending: buckets */
	NB_MIN = 64,
	NB_MAX = 1 << 22,
};

struct evq {
	/* the bottom: every pending event of bucket <= cur (all if flat)
	 * in key[top, n), a sorted run popped at top, or, past RUN_MAX, a
	 * heap (top = 0, heap set) */
	key_t128 *key;        /* heap: key[n..n+2] = sentinels */
	void *key_mem;        /* the allocation key points into */
	struct ev *pay;       /* pay[i] belongs to key[i] */
	size_t top, n;
	int heap;
	size_t limit;         /* a larger bottom: the window is rebuilt */
	size_t len;           /* pending, everywhere */
	size_t cap;           /* entries of every array, sentinels included */
	uint64_t seq;
	int flat;             /* no buckets: everything in the bottom */
	/* the window: buckets (cur, base + nb) as lists of nodes */
	unsigned shift;
	uint64_t base, cur;
	uint32_t nb, capnb;
	uint32_t *head;       /* [capnb] first node of each bucket, NONE */
	uint64_t *busy;       /* [capnb / 64] bit: bucket not empty */
	size_t nbucketed;
	struct node *node;    /* [cap] */
	uint32_t *next;       /* [cap] list link; free list when unused */
	uint32_t nodes_used, free_node;
	/* beyond the window */
	struct node *over;    /* [cap] */
	size_t nover;
};

static uint64_t bucket_of(const struct evq *q, key_t128 key)
{
	return (uint64_t)(key >> 64) >> q->shift;
}

/* Room for cap keys with &key[1] on a 64-byte boundary; the old keys
 * [0, keep) are copied over and the old block freed. Returns 0 or -1. */
static int keys_alloc(struct evq *q, size_t cap, size_t keep)
{
	unsigned char *mem = malloc(cap * sizeof *q->key + 64);
	if (!mem)
		return -1;
	uintptr_t line = ((uintptr_t)mem + sizeof *q->key + 63) & ~(uintptr_t)63;
	key_t128 *key = (key_t128 *)(line - sizeof *q->key);
	if (keep)
		memcpy(key, q->key, keep * sizeof *key);
	free(q->key_mem);
	q->key_mem = mem;
	q->key = key;
	return 0;
}

/* Every array to cap entries; on failure the queue is as it was (some
 * arrays may be larger, which is harmless). */
static int grow(struct evq *q, size_t cap)
{
	if (keys_alloc(q, cap, q->key ? q->n + 3 < q->cap ? q->n + 3 : q->cap : 0) != 0)
		return -1;
	struct ev *p = realloc(q->pay, cap * sizeof *p);
	if (!p)
		return -1;
	q->pay = p;
	struct node *nd = realloc(q->node, cap * sizeof *nd);
	if (!nd)
		return -1;
	q->node = nd;
	uint32_t *nx = realloc(q->next, cap * sizeof *nx);
	if (!nx)
		return -1;
	q->next = nx;
	struct node *ov = realloc(q->over, cap * sizeof *ov);
	if (!ov)
		return -1;
	q->over = ov;
	q->cap = cap;
	return 0;
}

struct evq *evq_new(void)
{
	struct evq *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->flat = 1;
	q->free_node = NONE;
	if (grow(q, 1024) != 0) {
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
	free(q->key_mem);
	free(q->pay);
	free(q->node);
	free(q->next);
	free(q->over);
	free(q->head);
	free(q->busy);
	free(q);
}

static key_t128 make_key(double t, uint64_t seq)
{
	uint64_t tb;
	t += 0.0;  /* -0.0 becomes +0.0, whose bits order first */
	memcpy(&tb, &t, sizeof tb);
	return (key_t128)tb << 64 | seq;
}

/* ------------------------------------------------------------- the heap */

static void heap_insert(struct evq *q, key_t128 key, const struct ev *ev)
{
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
}

static void heap_pop(struct evq *q, double *t, struct ev *ev)
{
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
}

/* A sorted run is a valid heap. */
static void to_heap(struct evq *q)
{
	size_t m = q->n - q->top;
	memmove(q->key, q->key + q->top, m * sizeof *q->key);
	memmove(q->pay, q->pay + q->top, m * sizeof *q->pay);
	q->top = 0;
	q->n = m;
	q->key[m] = q->key[m + 1] = q->key[m + 2] = SENTINEL;
	q->heap = 1;
}

/* The bottom past a sorted run's reach: the run moves back to the start
 * of the arrays, or becomes a heap. */
static void bottom_insert_slow(struct evq *q, key_t128 key, const struct ev *ev);

/* Events of the current bucket arrive mostly in time order, and a bucket
 * holds a handful: a sorted run takes them with a compare or two and pops
 * them with none, where a heap sifts both ways. */
static inline void bottom_insert(struct evq *q, key_t128 key,
				 const struct ev *ev)
{
	if (q->heap || q->n - q->top >= RUN_MAX || q->n + 1 >= q->cap) {
		bottom_insert_slow(q, key, ev);
		return;
	}
	key_t128 *h = q->key;
	struct ev *pay = q->pay;
	size_t j = q->n++;
	for (; j > q->top && h[j - 1] > key; j--) {
		h[j] = h[j - 1];
		pay[j] = pay[j - 1];
	}
	h[j] = key;
	pay[j] = *ev;
}

static void bottom_insert_slow(struct evq *q, key_t128 key, const struct ev *ev)
{
	if (!q->heap && q->n - q->top < RUN_MAX) {
		size_t m = q->n - q->top;
		memmove(q->key, q->key + q->top, m * sizeof *q->key);
		memmove(q->pay, q->pay + q->top, m * sizeof *q->pay);
		q->top = 0;
		q->n = m;
		bottom_insert(q, key, ev);
		return;
	}
	if (!q->heap)
		to_heap(q);
	heap_insert(q, key, ev);
}

static inline void bottom_pop(struct evq *q, double *t, struct ev *ev)
{
	if (q->heap) {
		heap_pop(q, t, ev);
		q->heap = q->n != 0;
		return;
	}
	uint64_t tb = (uint64_t)(q->key[q->top] >> 64);
	memcpy(t, &tb, sizeof *t);
	*ev = q->pay[q->top];
	if (++q->top == q->n)
		q->top = q->n = 0;
}

/* ---------------------------------------------------------- the buckets */

static inline void bucket_insert(struct evq *q, uint32_t s, key_t128 key,
				 const struct ev *ev)
{
	uint32_t i = q->free_node;
	if (i != NONE)
		q->free_node = q->next[i];
	else
		i = q->nodes_used++;
	q->node[i] = (struct node){ .key = key, .pay = *ev };
	q->next[i] = q->head[s];
	q->head[s] = i;
	q->busy[s >> 6] |= 1ull << (s & 63);
	q->nbucketed++;
}

/* A bottom larger than this after a push means the window no longer fits
 * the pending events (a shift chosen when they were spread otherwise, or
 * times that went back): the window is rebuilt, at a cost of the pending
 * count, which the limit keeps to a few steps per push. */
static void set_limit(struct evq *q)
{
	q->limit = 2 * (q->n - q->top);
	if (q->limit < LARGE)
		q->limit = LARGE;
	if (q->limit < q->len / 8)
		q->limit = q->len / 8;
}

/* The first non-empty bucket after cur (one exists: nbucketed > 0). */
static uint32_t bucket_next(const struct evq *q)
{
	uint32_t s = (uint32_t)(q->cur - q->base) + 1;
	size_t w = s >> 6;
	uint64_t bits = q->busy[w] & (~0ull << (s & 63));
	while (!bits)
		bits = q->busy[++w];
	return (uint32_t)(w << 6) + (uint32_t)__builtin_ctzll(bits);
}

/* Bucket slot s becomes the bottom's: cur = base + s. */
static void bucket_take(struct evq *q, uint32_t s)
{
	uint32_t i = q->head[s];
	q->head[s] = NONE;
	q->busy[s >> 6] &= ~(1ull << (s & 63));
	q->cur = q->base + s;
	while (i != NONE) {
		uint32_t nx = q->next[i];
		bottom_insert(q, q->node[i].key, &q->node[i].pay);
		q->next[i] = q->free_node;
		q->free_node = i;
		q->nbucketed--;
		i = nx;
	}
	set_limit(q);
}

/* Bucket heads for nb buckets, all empty. Returns 0, or -1 (the old window
 * stays). */
static int window_fit(struct evq *q, uint32_t nb)
{
	if (nb <= q->capnb)
		return 0;
	uint32_t *head = malloc((size_t)nb * sizeof *head);
	uint64_t *busy = calloc((size_t)nb / 64, sizeof *busy);
	if (!head || !busy) {
		free(head);
		free(busy);
		return -1;
	}
	memset(head, 0xff, (size_t)nb * sizeof *head);   /* NONE */
	free(q->head);
	free(q->busy);
	q->head = head;
	q->busy = busy;
	q->capnb = nb;
	return 0;
}

static void buckets_off(struct evq *q)
{
	for (size_t k = 0; k < q->nover; k++)
		bottom_insert(q, q->over[k].key, &q->over[k].pay);
	q->nover = 0;
	q->flat = 1;
}

/* The bottom and the buckets are empty, the overflow is not: a new window
 * around what is pending. */
static void rebuild(struct evq *q)
{
	size_t n = q->nover;
	uint32_t nb = NB_MIN;
	while (nb < NB_MAX && nb < 8 * n)
		nb *= 2;
	if (n < SMALL || (window_fit(q, nb) != 0 && (nb = q->capnb) == 0)) {
		buckets_off(q);
		return;
	}
	/* the earliest time (bits); then how far the others are from it, as
	 * powers of two: the window reaches past three quarters of them */
	uint64_t lo = UINT64_MAX;
	for (size_t k = 0; k < n; k++) {
		uint64_t hi = (uint64_t)(q->over[k].key >> 64);
		if (hi < lo)
			lo = hi;
	}
	size_t count[65] = { 0 };
	for (size_t k = 0; k < n; k++) {
		uint64_t d = (uint64_t)(q->over[k].key >> 64) - lo;
		count[d ? 64 - __builtin_clzll(d) : 0]++;
	}
	unsigned bits = 0;   /* 3/4 of the distances are below 2^bits */
	for (size_t below = count[0]; below < n - n / 4; below += count[++bits])
		;
	unsigned shift = 0;   /* the window spans twice that */
	while (bits > shift && (bits - shift) + 1 > (unsigned)__builtin_ctz(nb))
		shift++;
	q->shift = shift;
	q->nb = nb;
	q->base = q->cur = lo >> shift;
	size_t keep = 0;
	for (size_t k = 0; k < n; k++) {
		struct node *o = &q->over[k];
		uint64_t b = bucket_of(q, o->key);
		if (b == q->cur)
			bottom_insert(q, o->key, &o->pay);
		else if (b - q->base < nb)
			bucket_insert(q, (uint32_t)(b - q->base), o->key, &o->pay);
		else
			q->over[keep++] = *o;
	}
	q->nover = keep;
	set_limit(q);
}

/* Everything pending into the overflow, and a new window around it. */
static void rewindow(struct evq *q)
{
	size_t k = q->nover;
	for (size_t i = q->top; i < q->n; i++)
		q->over[k++] = (struct node){ .key = q->key[i], .pay = q->pay[i] };
	q->top = q->n = 0;
	q->heap = 0;
	for (uint32_t w = 0; q->nbucketed && w < q->nb / 64; w++)
		while (q->busy[w]) {
			uint32_t s = (w << 6) + (uint32_t)__builtin_ctzll(q->busy[w]);
			q->busy[w] &= q->busy[w] - 1;
			uint32_t i = q->head[s];
			q->head[s] = NONE;
			while (i != NONE) {
				uint32_t nx = q->next[i];
				q->over[k++] = q->node[i];
				q->next[i] = q->free_node;
				q->free_node = i;
				q->nbucketed--;
				i = nx;
			}
		}
	q->nover = k;
	rebuild(q);
}

/* Enough pending for buckets to pay: a window around what is pending. */
static void buckets_on(struct evq *q)
{
	if (window_fit(q, NB_MIN) != 0)
		return;   /* stays a heap */
	q->flat = 0;
	rewindow(q);
}

/* The bottom is empty, not the calendar: the next bucket, or a new window. */
static void refill(struct evq *q)
{
	if (q->nbucketed)
		bucket_take(q, bucket_next(q));
	else
		rebuild(q);
}

/* ----------------------------------------------------------------- API */

int evq_push(struct evq *q, double t, const struct ev *ev)
{
	if (q->len + 4 >= q->cap) {
		if (q->len >= EVQ_MAX_PENDING)
			return -1;
		if (grow(q, 2 * q->cap) != 0)
			return -1;
	}
	key_t128 key = make_key(t, q->seq++);
	if (q->flat) {
		q->len++;
		bottom_insert(q, key, ev);
		if (q->n - q->top >= LARGE)
			buckets_on(q);
		return 0;
	}
	uint64_t b = bucket_of(q, key);
	if (!q->len++) {   /* the old window may not suit what comes */
		q->base = q->cur = b;
		q->limit = LARGE;
	}
	if (b <= q->cur) {
		bottom_insert(q, key, ev);
		if (q->n - q->top > q->limit)
			rewindow(q);
	} else if (b - q->base < q->nb) {
		bucket_insert(q, (uint32_t)(b - q->base), key, ev);
	} else {
		q->over[q->nover++] = (struct node){ .key = key, .pay = *ev };
	}
	return 0;
}

int evq_pop(struct evq *q, double *t, struct ev *ev)
{
	if (q->n == q->top)
		return 0;
	bottom_pop(q, t, ev);
	if (--q->len && q->n == q->top)
		refill(q);
	return 1;
}

uint64_t evq_seq_take(struct evq *q)
{
	return q->seq++;
}

int evq_first_before(const struct evq *q, double t, uint64_t seq)
{
	return q->n > q->top && q->key[q->top] < make_key(t, seq);
}

size_t evq_len(const struct evq *q)
{
	return q->len;
}

double evq_peek_time(const struct evq *q)
{
	if (q->n == q->top)
		return INFINITY;
	uint64_t tb = (uint64_t)(q->key[q->top] >> 64);
	double t;
	memcpy(&t, &tb, sizeof t);
	return t;
}

const struct ev *evq_peek(const struct evq *q)
{
	return q->n == q->top ? NULL : &q->pay[q->top];
}
