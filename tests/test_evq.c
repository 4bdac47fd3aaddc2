/*
 * evq against a sorted reference under random pushes and pops, with many
 * equal times so that the insertion-order tie rule is exercised; and, at
 * thousands of pending events where the calendar's buckets are in use,
 * against a reference binary heap on a simulator's pattern (pop the
 * earliest, push a few ahead) mixed with what strains a bucket layout:
 * equal times, far timers, events in the past, -0.0 and infinity, bursts
 * in one bucket, times spanning many binades, draining and regrowing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evq.h"
#include "testutil.h"

struct ref {
	double t;
	uint64_t seq;
	uint32_t a;
};

static int ref_cmp(const void *x, const void *y)
{
	const struct ref *p = x, *q = y;
	if (p->t != q->t)
		return p->t < q->t ? -1 : 1;
	return (p->seq > q->seq) - (p->seq < q->seq);
}

/* xorshift: the test's own deterministic choices, independent of GSL */
static uint64_t next_u64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_against_reference(void)
{
	struct evq *q = evq_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	size_t cap = 200000;
	struct ref *ref = malloc(cap * sizeof *ref);
	size_t n = 0;
	uint64_t seq = 0, s = 88172645463325252ull;
	double now = 0;
	int mismatches = 0;
	long ops = test_quick() ? 100000 : 1000000;
	for (long op = 0; op < ops; op++) {
		/* the O(n) reference stays cheap with at most 512 pending; the
		 * large-size behaviour is covered by the bulk drain below */
		int push = n == 0 || (n < 512 && (next_u64(&s) % 100) < 55);
		if (op == ops - 1) /* end with a bulk load */
			for (int k = 0; k < 100000; k++) {
				double t = now + (double)(next_u64(&s) % 1000) * 0.25;
				struct ev ev = { .kind = (uint32_t)(seq % 7), .a = (uint32_t)seq,
						 .b = seq * 3 };
				CU_ASSERT_EQUAL_FATAL(evq_push(q, t, &ev), 0);
				ref[n++] = (struct ref){ t, seq, (uint32_t)seq };
				seq++;
			}
		if (push && n < cap) {
			/* coarse times make ties frequent */
			double t = now + (double)(next_u64(&s) % 50) * 0.5;
			struct ev ev = { .kind = (uint32_t)(seq % 7), .a = (uint32_t)seq,
					 .b = seq * 3 };
			CU_ASSERT_EQUAL_FATAL(evq_push(q, t, &ev), 0);
			ref[n++] = (struct ref){ t, seq, (uint32_t)seq };
			seq++;
		} else if (n) {
			/* reference minimum: linear scan is fine for a test */
			size_t best = 0;
			for (size_t i = 1; i < n; i++)
				if (ref_cmp(&ref[i], &ref[best]) < 0)
					best = i;
			double t;
			struct ev ev;
			CU_ASSERT_EQUAL_FATAL(evq_pop(q, &t, &ev), 1);
			if (t != ref[best].t || ev.a != ref[best].a ||
			    ev.b != ref[best].seq * 3 || ev.kind != ref[best].seq % 7) {
				if (!mismatches++)
					fprintf(stderr, "\n  pop %ld: got (t=%g, a=%u), expected (t=%g, a=%u)\n",
						op, t, ev.a, ref[best].t, ref[best].a);
			}
			now = t;
			ref[best] = ref[--n];
		}
		if (evq_len(q) != n && !mismatches++)
			fprintf(stderr, "\n  len %zu, expected %zu\n", evq_len(q), n);
	}
	T_EQ_INT(mismatches, 0);
	/* drain: must come out sorted by (t, seq) */
	qsort(ref, n, sizeof *ref, ref_cmp);
	for (size_t i = 0; i < n; i++) {
		double t;
		struct ev ev;
		CU_ASSERT_EQUAL_FATAL(evq_pop(q, &t, &ev), 1);
		if ((t != ref[i].t || ev.a != ref[i].a) && !mismatches++)
			fprintf(stderr, "\n  drain %zu: got a=%u, expected a=%u\n", i,
				ev.a, ref[i].a);
	}
	T_EQ_INT(mismatches, 0);
	T_EQ_INT(evq_len(q), 0);
	double t;
	struct ev ev;
	T_EQ_INT(evq_pop(q, &t, &ev), 0);
	T_TRUE(isinf(evq_peek_time(q)), "peek of empty queue is %g", evq_peek_time(q));
	free(ref);
	evq_free(q);
}

static void test_ties_fifo(void)
{
	struct evq *q = evq_new();
	for (uint32_t i = 0; i < 5000; i++) {
		struct ev ev = { .a = i };
		evq_push(q, 1.0, &ev);
	}
	int bad = 0;
	for (uint32_t i = 0; i < 5000; i++) {
		double t;
		struct ev ev;
		evq_pop(q, &t, &ev);
		if (ev.a != i && !bad++)
			fprintf(stderr, "\n  tie %u came out as %u\n", i, ev.a);
	}
	T_EQ_INT(bad, 0);
	evq_free(q);
	evq_free(NULL);
}

/* The reference for the large test: a binary heap ordered by (time bits,
 * sequence), the order evq promises (-0.0 as +0.0). */
struct lref {
	uint64_t tb, seq;
	double t;
};

struct lheap {
	struct lref *h;
	size_t n;
};

static int lref_less(const struct lref *a, const struct lref *b)
{
	return a->tb != b->tb ? a->tb < b->tb : a->seq < b->seq;
}

static void lheap_push(struct lheap *r, double t, uint64_t seq)
{
	double z = t + 0.0;
	struct lref v = { .seq = seq, .t = t };
	memcpy(&v.tb, &z, sizeof v.tb);
	size_t i = r->n++;
	while (i && lref_less(&v, &r->h[(i - 1) / 2])) {
		r->h[i] = r->h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	r->h[i] = v;
}

static struct lref lheap_pop(struct lheap *r)
{
	struct lref top = r->h[0], v = r->h[--r->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= r->n)
			break;
		if (c + 1 < r->n && lref_less(&r->h[c + 1], &r->h[c]))
			c++;
		if (!lref_less(&r->h[c], &v))
			break;
		r->h[i] = r->h[c];
		i = c;
	}
	r->h[i] = v;
	return top;
}

struct large {
	struct evq *q;
	struct lheap ref;
	uint64_t seq, rng;
	double now;
	long pops, bad;
};

static double u01(struct large *L)
{
	return (double)(next_u64(&L->rng) >> 11) * 0x1p-53;
}

static void large_push(struct large *L, double t)
{
	struct ev ev = { .kind = (uint32_t)(L->seq % 7), .a = (uint32_t)L->seq,
			 .b = L->seq * 3 };
	CU_ASSERT_EQUAL_FATAL(evq_push(L->q, t, &ev), 0);
	lheap_push(&L->ref, t, L->seq++);
}

static void large_pop(struct large *L)
{
	double t;
	struct ev ev;
	if (!L->ref.n) {
		if (evq_pop(L->q, &t, &ev) != 0 && !L->bad++)
			fprintf(stderr, "\n  pop of an empty calendar returned an event\n");
		return;
	}
	struct lref e = lheap_pop(&L->ref);
	double peek = evq_peek_time(L->q);
	int peek_ok = memcmp(&peek, &e.t, sizeof peek) == 0 ||
		      (peek == 0 && e.t == 0) || (isnan(peek) && isnan(e.t));
	int before_ok = evq_first_before(L->q, e.t, e.seq + 1) &&
			!evq_first_before(L->q, e.t, e.seq);
	if ((!peek_ok || !before_ok) && !L->bad++)
		fprintf(stderr, "\n  pop %ld: peek %.17g, first_before %d, expected %.17g\n",
			L->pops, peek, before_ok, e.t);
	CU_ASSERT_EQUAL_FATAL(evq_pop(L->q, &t, &ev), 1);
	if ((ev.a != (uint32_t)e.seq || ev.b != e.seq * 3 || ev.kind != e.seq % 7) &&
	    !L->bad++)
		fprintf(stderr, "\n  pop %ld: got a=%u (t=%.17g), expected a=%u (t=%.17g)\n",
			L->pops, ev.a, t, (uint32_t)e.seq, e.t);
	if (evq_len(L->q) != L->ref.n && !L->bad++)
		fprintf(stderr, "\n  pop %ld: len %zu, expected %zu\n", L->pops,
			evq_len(L->q), L->ref.n);
	if (t > L->now && isfinite(t))
		L->now = t;
	L->pops++;
}

static double expo(struct large *L, double mean)
{
	return -log(1 - u01(L)) * mean;
}

static void test_calendar_large(void)
{
	long k = test_quick() ? 1 : 4;
	struct large L = { .q = evq_new(), .rng = 0x9e3779b97f4a7c15ull };
	CU_ASSERT_PTR_NOT_NULL_FATAL(L.q);
	L.ref.h = malloc(400000 * sizeof *L.ref.h);
	CU_ASSERT_PTR_NOT_NULL_FATAL(L.ref.h);
	/* a simulator's hold pattern at growing sizes (heap only, then
	 * buckets), completions a lognormal-ish spread ahead */
	static const size_t sizes[] = { 10, 300, 3000, 20000 };
	for (int s = 0; s < 4; s++) {
		while (L.ref.n < sizes[s])
			large_push(&L, L.now + expo(&L, 0.3));
		for (long i = 0; i < 25000 * k; i++) {
			large_pop(&L);
			large_push(&L, L.now + expo(&L, u01(&L) < 0.5 ? 0.02 : 0.3));
		}
	}
	/* the same with what a bucket layout finds hard */
	for (long i = 0; i < 60000 * k; i++) {
		large_pop(&L);
		uint64_t r = next_u64(&L.rng) % 1000;
		if (r < 5)
			large_push(&L, L.now + 1000 + u01(&L) * 1e4);   /* far timers */
		else if (r < 50)
			large_push(&L, L.now);                           /* this instant */
		else if (r < 60)
			large_push(&L, L.now - u01(&L));                 /* the past */
		else if (r < 70)
			large_push(&L, floor(L.now) + 1);                /* ties ahead */
		else if (r < 72)
			large_push(&L, -0.0);
		else if (r < 73)
			large_push(&L, INFINITY);
		else
			large_push(&L, L.now + expo(&L, r < 500 ? 0.02 : 3.0));
		if (r < 30)
			large_push(&L, L.now + u01(&L));
	}
	/* drain; a burst in one bucket (equal and nearly equal times) */
	while (L.ref.n)
		large_pop(&L);
	L.now += 100;
	for (int i = 0; i < 20000; i++)
		large_push(&L, L.now + 5 + (i % 2 ? 0 : (i % 100) * 1e-9));
	for (long i = 0; i < 20000 * k; i++) {
		large_pop(&L);
		large_push(&L, L.now + u01(&L));
	}
	/* a dense cluster and a wide spread at large times, then times that
	 * span binades down to subnormals */
	while (L.ref.n)
		large_pop(&L);
	L.now = 1e6;
	for (long i = 0; i < 60000 * k; i++) {
		if (L.ref.n < 5000 || next_u64(&L.rng) % 2)
			large_push(&L, L.now + (next_u64(&L.rng) % 4 ? u01(&L) * 1e-6 : u01(&L) * 100));
		else
			large_pop(&L);
	}
	for (long i = 0; i < 20000 * k; i++) {
		large_push(&L, u01(&L) * 1e-300);
		large_push(&L, L.now * u01(&L) * 2);
		large_pop(&L);
	}
	/* down to a handful (heap only) and up again, twice */
	for (int rep = 0; rep < 2; rep++) {
		while (L.ref.n > 60)
			large_pop(&L);
		for (long i = 0; i < 10000 * k; i++) {
			large_pop(&L);
			large_push(&L, L.now + expo(&L, 0.3));
		}
		while (L.ref.n < 8000)
			large_push(&L, L.now + u01(&L) * 2);
		for (long i = 0; i < 10000 * k; i++) {
			large_pop(&L);
			large_push(&L, L.now + expo(&L, 0.3));
		}
	}
	while (L.ref.n)
		large_pop(&L);
	large_pop(&L);
	T_EQ_INT(L.bad, 0);
	T_EQ_INT(evq_len(L.q), 0);
	T_TRUE(evq_peek(L.q) == NULL, "peek of an empty calendar is not NULL");
	T_TRUE(L.pops > 250000 * k, "only %ld pops", L.pops);
	free(L.ref.h);
	evq_free(L.q);
}

int test_evq_register(void)
{
	CU_pSuite s = CU_add_suite("evq", NULL, NULL);
	if (!s || !CU_add_test(s, "random ops vs sorted reference", test_against_reference) ||
	    !CU_add_test(s, "equal times pop in insertion order", test_ties_fifo) ||
	    !CU_add_test(s, "calendar at thousands pending vs reference heap",
			 test_calendar_large))
		return -1;
	return 0;
}
