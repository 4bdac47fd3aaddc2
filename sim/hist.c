/*
 * hist: log-bucketed histogram (see hist.h).
 *
 * Design: for a positive double, (bits >> 45) is exponent * 128 + the top 7
 * mantissa bits, a monotone key whose unit steps are exactly the buckets that
 * split each power of two into 128 parts. The regular bucket of v is that key
 * minus the key of HIST_MIN, so hist_add is a range check, a shift and a
 * subtraction: no log(), no division, no allocation.
 * Layout of b[]: b[0] underflow [0, HIST_MIN), b[1..NREG] regular buckets in
 * increasing order, b[NREG + 1] overflow [HIST_MAX, inf).
 * Invariants: count == sum of b[]; every added value is >= 0 (NaN and negatives
 * become 0 on entry); when count > 0, min and max are the exact extremes.
 * Access pattern: hist_add is called twice per message at millions of
 * messages/s; the readers (quantile, cdf, iteration) run at report time and
 * may walk all ~7.7k buckets.
 */
#include "hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { SUB_BITS = 7, MANT_SHIFT = 52 - SUB_BITS };

struct hist {
	uint64_t count;
	double sum, min, max;   /* min is +inf while empty */
	size_t nb;              /* NREG + 2 */
	uint64_t b[];
};

/* memcpy, not a pointer cast: the bit view must not break strict aliasing.
 * Calls on the constant bounds fold at compile time. */
static inline uint64_t key_of(double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof u);
	return u >> MANT_SHIFT;
}

static inline double value_of_key(uint64_t k)
{
	uint64_t u = k << MANT_SHIFT;
	double v;
	memcpy(&v, &u, sizeof v);
	return v;
}

static inline size_t n_regular(void)
{
	return (size_t)(key_of(HIST_MAX) - key_of(HIST_MIN));
}

/* Index of a v in [HIST_MIN, HIST_MAX): one subtraction after the shift. */
static inline size_t regular_index(double v)
{
	return (size_t)(key_of(v) - key_of(HIST_MIN)) + 1;
}

/* Index of any non-NaN v >= 0 (hist_add inlines this with its NaN check). */
static size_t bucket_of(double v)
{
	if (v < HIST_MIN)
		return 0;
	if (v >= HIST_MAX)
		return n_regular() + 1;
	return regular_index(v);
}

/* Bounds of bucket i: [lo, hi). */
static void bucket_bounds(size_t i, double *lo, double *hi)
{
	size_t nreg = n_regular();
	if (i == 0) {
		*lo = 0;
		*hi = HIST_MIN;
	} else if (i > nreg) {
		*lo = HIST_MAX;
		*hi = INFINITY;
	} else {
		uint64_t k = key_of(HIST_MIN) + (uint64_t)(i - 1);
		*lo = value_of_key(k);
		*hi = value_of_key(k + 1);
	}
}

struct hist *hist_new(void)
{
	size_t nb = n_regular() + 2;
	struct hist *h = calloc(1, sizeof *h + nb * sizeof h->b[0]);
	if (!h)
		return NULL;
	h->nb = nb;
	h->min = INFINITY;
	return h;
}

void hist_free(struct hist *h)
{
	free(h);
}

void hist_reset(struct hist *h)
{
	memset(h->b, 0, h->nb * sizeof h->b[0]);
	h->count = 0;
	h->sum = 0;
	h->min = INFINITY;
	h->max = 0;
}

void hist_add(struct hist *h, double v)
{
	size_t i;
	if (!(v >= HIST_MIN)) {
		/* NaN fails every comparison, so it and negatives meet here */
		if (!(v > 0))
			v = 0;
		i = 0;
	} else if (v >= HIST_MAX) {
		i = h->nb - 1;
	} else {
		i = regular_index(v);
	}
	h->b[i]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	if (src->count == 0)
		return;
	for (size_t i = 0; i < dst->nb; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t hist_count(const struct hist *h)
{
	return h->count;
}

double hist_sum(const struct hist *h)
{
	return h->sum;
}

double hist_mean(const struct hist *h)
{
	return h->count ? h->sum / (double)h->count : 0;
}

double hist_min(const struct hist *h)
{
	return h->count ? h->min : 0;
}

double hist_max(const struct hist *h)
{
	return h->count ? h->max : 0;
}

double hist_quantile(const struct hist *h, double q)
{
	if (h->count == 0)
		return 0;
	if (isnan(q))
		return NAN;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	/* rank of the order statistic wanted, 1-based: ceil(q n) in [1, n] */
	double r = ceil(q * (double)h->count);
	uint64_t rank = r < 1 ? 1 : (uint64_t)r;
	if (rank > h->count)
		rank = h->count;
	uint64_t seen = 0;
	size_t i = 0;
	for (; i < h->nb; i++) {
		seen += h->b[i];
		if (seen >= rank)
			break;
	}
	double lo, hi;
	bucket_bounds(i, &lo, &hi);
	double mid = isinf(hi) ? hi : lo + (hi - lo) / 2;
	return fmin(fmax(mid, h->min), h->max);
}

double hist_cdf(const struct hist *h, double x)
{
	if (h->count == 0 || isnan(x) || x < h->min)
		return 0;
	if (x >= h->max)
		return 1;
	size_t ix = bucket_of(x);
	uint64_t below = 0;
	for (size_t i = 0; i < ix; i++)
		below += h->b[i];
	double lo, hi;
	bucket_bounds(ix, &lo, &hi);
	/* The extremes are known exactly, so they narrow the bucket: this also
	 * gives the unbounded overflow bucket a finite width. */
	lo = fmax(lo, h->min);
	hi = fmin(hi, h->max);
	double share = hi > lo ? (x - lo) / (hi - lo) : 1;
	share = fmin(fmax(share, 0), 1);
	double c = ((double)below + share * (double)h->b[ix]) / (double)h->count;
	return fmin(c, 1);
}

int hist_next(const struct hist *h, size_t *pos, double *lo, double *hi,
	      uint64_t *n)
{
	for (size_t i = *pos; i < h->nb; i++) {
		if (h->b[i] == 0)
			continue;
		bucket_bounds(i, lo, hi);
		*n = h->b[i];
		*pos = i + 1;
		return 1;
	}
	*pos = h->nb;
	return 0;
}
