/*
 * evq against a sorted reference under random pushes and pops, with many
 * equal times so that the insertion-order tie rule is exercised.
 */
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

int test_evq_register(void)
{
	CU_pSuite s = CU_add_suite("evq", NULL, NULL);
	if (!s || !CU_add_test(s, "random ops vs sorted reference", test_against_reference) ||
	    !CU_add_test(s, "equal times pop in insertion order", test_ties_fifo))
		return -1;
	return 0;
}
