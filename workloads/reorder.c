/*
 * reorder: see reorder.h.
 *
 * A binary min-heap in one array of window + 1 slots, allocated up front
 * (the window is the whole memory bound; growing it later would hide a
 * mistaken window size until a big trace ran out of memory). The order is
 * (time, sequence number): the sequence number makes the heap stable, so
 * rows with equal times leave in the order they were read, exactly as an
 * unbuffered reader would emit them.
 * Access pattern: one push and one pop per row, O(log window) each.
 */
#include "reorder.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

struct slot {
	struct reorder_item it;
	uint64_t seq;
};

struct reorder {
	struct slot *h;
	size_t n, window;
	uint64_t seq;
	double tolerance;
	double last;     /* NAN until the first release */
};

struct reorder *reorder_new(size_t window, double tolerance)
{
	if (window >= SIZE_MAX / sizeof(struct slot) - 1)
		return NULL;
	struct reorder *r = malloc(sizeof *r);
	struct slot *h = malloc((window + 1) * sizeof *h);
	if (!r || !h) {
		free(r);
		free(h);
		return NULL;
	}
	*r = (struct reorder){
		.h = h, .window = window, .tolerance = tolerance, .last = NAN,
	};
	return r;
}

void reorder_free(struct reorder *r)
{
	if (!r)
		return;
	free(r->h);
	free(r);
}

static int before(const struct slot *a, const struct slot *b)
{
	return a->it.a.t < b->it.a.t ||
	       (a->it.a.t == b->it.a.t && a->seq < b->seq);
}

int reorder_push(struct reorder *r, const struct arrival *a, long line,
		 int keep)
{
	if (r->n > r->window)
		return -1;
	if (!isnan(r->last) && a->t < r->last - r->tolerance)
		return 1;
	size_t i = r->n++;
	struct slot s = { .it = { .a = *a, .line = line, .keep = keep },
			  .seq = r->seq++ };
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!before(&s, &r->h[p]))
			break;
		r->h[i] = r->h[p];
		i = p;
	}
	r->h[i] = s;
	return 0;
}

int reorder_pop(struct reorder *r, int flush, struct reorder_item *out)
{
	if (r->n == 0 || (r->n <= r->window && !flush))
		return 0;
	*out = r->h[0].it;
	struct slot s = r->h[--r->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= r->n)
			break;
		if (c + 1 < r->n && before(&r->h[c + 1], &r->h[c]))
			c++;
		if (!before(&r->h[c], &s))
			break;
		r->h[i] = r->h[c];
		i = c;
	}
	if (r->n)
		r->h[i] = s;
	if (!isnan(r->last) && out->a.t < r->last)
		out->a.t = r->last;
	r->last = out->a.t;
	return 1;
}

double reorder_last(const struct reorder *r)
{
	return r->last;
}
