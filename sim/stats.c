/*
 * stats: summary statistics over replications (see stats.h), thin wrappers
 * over gsl_stats_* and GSL's Student t quantile so that GSL stays inside this
 * module. Inputs are short arrays (one value per replication), read once.
 * Invariant: a statistic undefined for the given n (mean of nothing, sd or
 * correlation of fewer than two values) is NAN, never a made-up 0.
 */
#include "stats.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort_double.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>

int stats_mean_ci(const double *x, size_t n, double level, double *mean,
		  double *half_width)
{
	if (mean)
		*mean = NAN;
	if (half_width)
		*half_width = NAN;
	if (!x || n < 2 || !(level > 0 && level < 1))
		return -1;
	double m = gsl_stats_mean(x, 1, n);
	double sd = gsl_stats_sd_m(x, 1, n, m);
	double t = gsl_cdf_tdist_Pinv((1 + level) / 2, (double)(n - 1));
	if (mean)
		*mean = m;
	if (half_width)
		*half_width = t * sd / sqrt((double)n);
	return 0;
}

double stats_mean(const double *x, size_t n)
{
	if (!x || n < 1)
		return NAN;
	return gsl_stats_mean(x, 1, n);
}

double stats_sd(const double *x, size_t n)
{
	if (!x || n < 2)
		return NAN;
	return gsl_stats_sd(x, 1, n);
}

double stats_correlation(const double *x, const double *y, size_t n)
{
	if (!x || !y || n < 2)
		return NAN;
	return gsl_stats_correlation(x, 1, y, 1, n);
}

double stats_median(double *x, size_t n)
{
	gsl_sort(x, 1, n);
	return gsl_stats_median_from_sorted_data(x, 1, n);
}
