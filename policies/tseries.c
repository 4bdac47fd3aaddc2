/* tseries: see tseries.h. Linear scans: a series holds a window's worth of
 * decisions (tens of entries), read once per decision. */
#include "tseries.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void drop_front(struct tseries *s, int k)
{
	memmove(s->t, s->t + k, sizeof *s->t * (size_t)(s->n - k));
	memmove(s->v, s->v + k, sizeof *s->v * (size_t)(s->n - k));
	s->n -= k;
}

void tseries_push(struct tseries *s, double t, double v)
{
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 16;
		double *nt = realloc(s->t, sizeof *nt * (size_t)cap);
		if (nt)
			s->t = nt;
		double *nv = nt ? realloc(s->v, sizeof *nv * (size_t)cap) : NULL;
		if (nv)
			s->v = nv;
		if (nt && nv)
			s->cap = cap;
		else if (s->n > 0)
			drop_front(s, 1);
		else
			return;
	}
	s->t[s->n] = t;
	s->v[s->n] = v;
	s->n++;
}

void tseries_prune_before(struct tseries *s, double cutoff)
{
	int k = 0;
	while (k < s->n && s->t[k] < cutoff)
		k++;
	if (k)
		drop_front(s, k);
}

void tseries_free(struct tseries *s)
{
	free(s->t);
	free(s->v);
	memset(s, 0, sizeof *s);
}

double tseries_sum_after(const struct tseries *s, double cutoff)
{
	double sum = 0;
	for (int i = 0; i < s->n; i++)
		if (s->t[i] > cutoff)
			sum += s->v[i];
	return sum;
}

double tseries_max_in(const struct tseries *s, double from, double to)
{
	double best = -INFINITY;
	for (int i = 0; i < s->n; i++)
		if (s->t[i] > from && s->t[i] <= to && s->v[i] > best)
			best = s->v[i];
	return best;
}
