/*
 * hist: log-bucketed histogram of non-negative values (latencies in seconds).
 *
 * Buckets split every power of two into 128 equal parts, so a bucket's width
 * is at most 1/128 of its lower bound and reporting the bucket midpoint is
 * within 0.4% of any value in it: quantiles read from a hist have at most 1%
 * relative error (the requirement) while memory is fixed whatever the
 * number of values. Values below HIST_MIN go to an underflow bucket [0, MIN),
 * values above HIST_MAX to an overflow bucket; exact count, sum, min and max
 * are kept beside the buckets, so the mean is exact.
 * Tuned for hist_add on the per-message hot path: a bucket index is computed
 * from the bits of the double, with no log() and no branch but the range check.
 * Ownership: the caller owns a hist and frees it with hist_free.
 */
#ifndef SPATE_HIST_H
#define SPATE_HIST_H

#include <stddef.h>
#include <stdint.h>

#define HIST_MIN 0x1p-30   /* ~0.93 ns */
#define HIST_MAX 0x1p+30   /* ~34 years */

struct hist;

struct hist *hist_new(void);   /* NULL on OOM */
void hist_free(struct hist *h);
void hist_reset(struct hist *h);

/* Negative and NaN values are counted as 0. */
void hist_add(struct hist *h, double v);
/* Adds every value of src into dst. */
void hist_merge(struct hist *dst, const struct hist *src);

uint64_t hist_count(const struct hist *h);
double hist_sum(const struct hist *h);
double hist_mean(const struct hist *h);   /* 0 when empty */
double hist_min(const struct hist *h);    /* 0 when empty */
double hist_max(const struct hist *h);    /* 0 when empty */
/* q in [0,1]: the value v such that a fraction q of values are <= v, to
 * within the bucket error, clamped to [min, max]; 0 when empty. */
double hist_quantile(const struct hist *h, double q);
/* Fraction of values <= x (bucket containing x counted by linear share). */
double hist_cdf(const struct hist *h, double x);

/* Iterates over non-empty buckets in increasing order. Start with *pos = 0;
 * returns 1 and fills lo, hi, n while there is a bucket, then 0. */
int hist_next(const struct hist *h, size_t *pos, double *lo, double *hi,
	      uint64_t *n);

#endif
