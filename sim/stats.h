/*
 * stats: summary statistics over replications (GSL underneath).
 */
#ifndef SPATE_STATS_H
#define SPATE_STATS_H

#include <stddef.h>

/* Mean of x[0..n) and the half-width of its two-sided confidence interval at
 * level `level` (0.95) from Student's t with n-1 degrees of freedom.
 * Returns 0, or -1 when n < 2. */
int stats_mean_ci(const double *x, size_t n, double level, double *mean,
		  double *half_width);

double stats_mean(const double *x, size_t n);
double stats_sd(const double *x, size_t n);
/* Median of x[0..n) (n >= 1); sorts x in place. */
double stats_median(double *x, size_t n);
/* Sample correlation of x and y. */
double stats_correlation(const double *x, const double *y, size_t n);

#endif
