/*
 * arrivals: see arrivals.h. One original arrival of lookahead is kept, so
 * the copies of a replicated arrival can be spread over the gap to the next
 * one; the copies' offsets are drawn already sorted (normalized partial sums
 * of exponentials are the order statistics of uniforms), in O(copies).
 */
#include "arrivals.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "err.h"
#include "rng.h"

struct arrivals {
	const struct cfg_source *cfg;
	void *wl;
	struct rng *r_workload, *r_scale;
	struct arrival cur, ahead;
	int have_ahead, exhausted;
	double *copies;
	size_t ncopies, icopy, capcopies;
};

static struct rng *stream(uint64_t seed, const char *topic, const char *what,
			  const char *type)
{
	char name[512];
	snprintf(name, sizeof name, "source/%s/%s", topic, what);
	return rng_new(seed, name, type);
}

struct arrivals *arr_new(const struct cfg_source *c, uint64_t seed,
			 const char *rng_type, struct err *e)
{
	struct arrivals *a = calloc(1, sizeof *a);
	if (!a) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	a->cfg = c;
	a->r_workload = stream(seed, c->topic, "arrivals", rng_type);
	a->r_scale = stream(seed, c->topic, "rate_scale", rng_type);
	if (!a->r_workload || !a->r_scale) {
		err_set(e, ERR_INTERNAL, "cannot create the random streams of source '%s'",
			c->topic);
		arr_free(a);
		return NULL;
	}
	a->wl = c->workload->open(c->workload_params, a->r_workload, e);
	if (!a->wl) {
		err_prefix(e, "source '%s'", c->topic);
		arr_free(a);
		return NULL;
	}
	return a;
}

void arr_free(struct arrivals *a)
{
	if (!a)
		return;
	if (a->wl)
		a->cfg->workload->close(a->wl);
	free(a->copies);
	rng_free(a->r_workload);
	rng_free(a->r_scale);
	free(a);
}

/* The next original arrival, time-scaled: 1, 0 at the end, -1. */
static int read_original(struct arrivals *a, struct arrival *out, struct err *e)
{
	int rc = a->cfg->workload->next(a->wl, out, e);
	if (rc > 0)
		out->t *= a->cfg->time_scale;
	return rc;
}

int arr_next(struct arrivals *a, struct arrival *out, struct err *e)
{
	double r = a->cfg->rate_scale;
	for (;;) {
		if (a->icopy < a->ncopies) {
			*out = a->cur;
			out->t = a->copies[a->icopy++];
			return 1;
		}
		if (!a->have_ahead) {
			if (a->exhausted)
				return 0;
			int rc = read_original(a, &a->ahead, e);
			if (rc <= 0)
				return rc;
			a->have_ahead = 1;
		}
		a->cur = a->ahead;
		a->have_ahead = 0;
		if (r == 1) {
			*out = a->cur;
			return 1;
		}
		size_t n = (size_t)rng_round(a->r_scale, r);
		if (!n)
			continue;
		int rc = read_original(a, &a->ahead, e);
		if (rc < 0)
			return -1;
		double gap = 0;
		if (rc > 0) {
			a->have_ahead = 1;
			gap = a->ahead.t - a->cur.t;
		} else {
			a->exhausted = 1;
		}
		if (n > a->capcopies) {
			double *c = realloc(a->copies, n * sizeof *c);
			if (!c)
				return err_set(e, ERR_INTERNAL, "out of memory");
			a->copies = c;
			a->capcopies = n;
		}
		double sum = 0;
		a->copies[0] = a->cur.t;
		for (size_t k = 1; k < n; k++) {
			sum += rng_exp(a->r_scale, 1.0);
			a->copies[k] = sum;
		}
		sum += rng_exp(a->r_scale, 1.0);
		for (size_t k = 1; k < n; k++)
			a->copies[k] = a->cur.t + gap * (a->copies[k] / sum);
		a->ncopies = n;
		a->icopy = 0;
	}
}
