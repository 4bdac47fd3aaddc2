/*
 * test_hist: the histogram against exact answers. Quantiles are compared with
 * the exact order statistic of the sorted sample (same rank ceil(q n)), so
 * the only error allowed is the bucket's: half a bucket width, at most 1/256
 * of the value, which is inside the 1% of hist.h. Count, sum, min and max
 * must be exact; iteration must account for every value exactly once.
 * Random samples come from GSL directly (fixed seeds) so this suite does not
 * depend on the rng module.
 */
#include "hist.h"
#include "testutil.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Half a bucket over the bucket's binade floor: the worst relative error of a
 * reported midpoint. The extra term is rounding slack only. */
#define MAX_REL_ERR (1.0 / 256 + 1e-12)

static size_t sample_n(void)
{
	return test_quick() ? 20000 : 200000;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Exact order statistic of rank ceil(q n) (1-based), as hist_quantile defines. */
static double order_stat(const double *sorted, size_t n, double q)
{
	if (q <= 0)
		return sorted[0];
	double r = ceil(q * (double)n);
	size_t rank = r < 1 ? 1 : (size_t)r;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

enum sample_kind { S_EXP, S_LOGNORMAL, S_EDGES, S_EXTREME, S_UNIFORM };

static const char *const kind_name[] = {
	[S_EXP] = "exponential", [S_LOGNORMAL] = "lognormal",
	[S_EDGES] = "bucket edges", [S_EXTREME] = "tiny and huge",
	[S_UNIFORM] = "uniform[1,2)",
};

/* A value next to a random bucket edge 2^k (1 + j/128), k in [-29, 29]. */
static double edge_value(gsl_rng *r)
{
	int k = (int)gsl_rng_uniform_int(r, 59) - 29;
	int j = (int)gsl_rng_uniform_int(r, 128);
	double edge = ldexp(1 + j / 128.0, k);
	switch (gsl_rng_uniform_int(r, 3)) {
	case 0:
		return nextafter(edge, 0);
	case 1:
		return edge;
	default:
		return nextafter(edge, INFINITY);
	}
}

static double draw(gsl_rng *r, enum sample_kind k)
{
	switch (k) {
	case S_EXP:
		return gsl_ran_exponential(r, 1e-3);
	case S_LOGNORMAL:
		/* median 10 ms, sigma 3: about 12 decades, all inside the range */
		return gsl_ran_lognormal(r, log(1e-2), 3);
	case S_EDGES:
		return edge_value(r);
	case S_EXTREME:
		/* just above HIST_MIN or just below HIST_MAX, half each */
		return gsl_rng_uniform_int(r, 2)
			       ? HIST_MIN * (1 + 3 * gsl_rng_uniform(r))
			       : HIST_MAX * (0.25 + 0.75 * gsl_rng_uniform(r));
	case S_UNIFORM:
		return 1 + gsl_rng_uniform(r);
	}
	return 0;
}

static double *make_sample(enum sample_kind k, size_t n, unsigned long seed)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	CU_ASSERT_FATAL(r != NULL);
	gsl_rng_set(r, seed);
	double *x = malloc(n * sizeof *x);
	CU_ASSERT_FATAL(x != NULL);
	for (size_t i = 0; i < n; i++)
		x[i] = draw(r, k);
	gsl_rng_free(r);
	return x;
}

static void test_quantiles(void)
{
	static const double qs[] = { 0.5, 0.9, 0.95, 0.99, 0.999 };
	static const double low_qs[] = { 0.001, 0.01, 0.1, 0.25 };
	size_t n = sample_n();
	struct hist *h = hist_new();
	CU_ASSERT_FATAL(h != NULL);
	for (int k = S_EXP; k <= S_UNIFORM; k++) {
		double *x = make_sample((enum sample_kind)k, n, 1000 + (unsigned)k);
		hist_reset(h);
		double sum = 0;
		for (size_t i = 0; i < n; i++) {
			hist_add(h, x[i]);
			sum += x[i];
		}
		qsort(x, n, sizeof *x, cmp_double);
		T_EQ_INT(hist_count(h), n);
		/* same additions in the same order: bit-identical */
		T_TRUE(hist_sum(h) == sum, "%s: sum %.17g != %.17g", kind_name[k],
		       hist_sum(h), sum);
		T_TRUE(hist_mean(h) == sum / (double)n, "%s: mean %.17g",
		       kind_name[k], hist_mean(h));
		T_TRUE(hist_min(h) == x[0], "%s: min %.17g != %.17g", kind_name[k],
		       hist_min(h), x[0]);
		T_TRUE(hist_max(h) == x[n - 1], "%s: max %.17g != %.17g",
		       kind_name[k], hist_max(h), x[n - 1]);
		T_TRUE(hist_quantile(h, 0) == x[0], "%s: q=0", kind_name[k]);
		T_TRUE(hist_quantile(h, 1) == x[n - 1], "%s: q=1", kind_name[k]);
		for (size_t j = 0; j < sizeof qs / sizeof qs[0]; j++) {
			double want = order_stat(x, n, qs[j]);
			double got = hist_quantile(h, qs[j]);
			double rel = fabs(got - want) / want;
			T_TRUE(rel <= MAX_REL_ERR,
			       "%s q=%g: hist %.9g exact %.9g rel err %.3g",
			       kind_name[k], qs[j], got, want, rel);
		}
		/* low quantiles too: every sample here is inside the range */
		for (size_t j = 0; j < sizeof low_qs / sizeof low_qs[0]; j++) {
			double want = order_stat(x, n, low_qs[j]);
			double got = hist_quantile(h, low_qs[j]);
			T_TRUE(want >= HIST_MIN, "%s: sample below HIST_MIN",
			       kind_name[k]);
			double rel = fabs(got - want) / want;
			T_TRUE(rel <= MAX_REL_ERR,
			       "%s q=%g: hist %.9g exact %.9g rel err %.3g",
			       kind_name[k], low_qs[j], got, want, rel);
		}
		free(x);
	}
	hist_free(h);
}

/* Every value in exactly one listed bucket, lo <= v < hi, and the regular
 * buckets at most 1/128 wide relative to their lower bound. */
static void check_coverage(const double *sorted, size_t n, const char *what)
{
	struct hist *h = hist_new();
	CU_ASSERT_FATAL(h != NULL);
	for (size_t i = 0; i < n; i++)
		hist_add(h, sorted[i]);
	size_t pos = 0, i = 0, buckets = 0;
	double lo, hi, prev_hi = 0;
	uint64_t c;
	int bad = 0;
	while (hist_next(h, &pos, &lo, &hi, &c)) {
		buckets++;
		if (c == 0 || lo < prev_hi || !(lo < hi)) {
			bad++;
			fprintf(stderr, "\n  %s: bucket [%.17g, %.17g) n=%llu out of order\n",
				what, lo, hi, (unsigned long long)c);
		}
		if (lo >= HIST_MIN && hi <= HIST_MAX && (hi - lo) / lo > 1.0 / 128) {
			bad++;
			fprintf(stderr, "\n  %s: bucket [%.17g, %.17g) too wide\n",
				what, lo, hi);
		}
		prev_hi = hi;
		for (uint64_t j = 0; j < c; j++, i++) {
			if (i >= n || !(lo <= sorted[i] && sorted[i] < hi)) {
				if (bad++ < 5)
					fprintf(stderr, "\n  %s: value %.17g not in [%.17g, %.17g)\n",
						what, i < n ? sorted[i] : NAN, lo, hi);
			}
		}
	}
	T_EQ_INT(i, n);
	T_EQ_INT(bad, 0);
	T_TRUE(buckets > 0, "%s: no buckets", what);
	/* the iterator stays finished */
	T_EQ_INT(hist_next(h, &pos, &lo, &hi, &c), 0);
	hist_free(h);
}

static void test_iteration_covers(void)
{
	size_t n = sample_n() / 4;
	for (int k = S_EXP; k <= S_UNIFORM; k++) {
		double *x = make_sample((enum sample_kind)k, n, 2000 + (unsigned)k);
		qsort(x, n, sizeof *x, cmp_double);
		check_coverage(x, n, kind_name[k]);
		free(x);
	}
	/* log-uniform over the whole regular range plus both outer buckets */
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	CU_ASSERT_FATAL(r != NULL);
	gsl_rng_set(r, 77);
	double *x = malloc(n * sizeof *x);
	CU_ASSERT_FATAL(x != NULL);
	for (size_t i = 0; i < n; i++)
		x[i] = exp2(-34 + 68 * gsl_rng_uniform(r));
	gsl_rng_free(r);
	qsort(x, n, sizeof *x, cmp_double);
	check_coverage(x, n, "log-uniform 2^-34..2^34");
	free(x);
}

/* One value at a time: the single non-empty bucket holds it and is narrow.
 * Powers of two and their neighbours are where a bit-level index goes wrong. */
static void test_single_values(void)
{
	struct hist *h = hist_new();
	CU_ASSERT_FATAL(h != NULL);
	int bad = 0, checked = 0;
	for (int e = -31; e <= 31; e++) {
		for (int j = 0; j < 128; j += 9) {
			double edge = ldexp(1 + j / 128.0, e);
			double vs[3] = { nextafter(edge, 0), edge,
					 nextafter(edge, INFINITY) };
			for (int t = 0; t < 3; t++) {
				double v = vs[t];
				hist_reset(h);
				hist_add(h, v);
				size_t pos = 0, nb = 0;
				double lo = NAN, hi = NAN;
				uint64_t c = 0;
				while (hist_next(h, &pos, &lo, &hi, &c))
					nb++;
				checked++;
				int ok = nb == 1 && c == 1 && lo <= v && v < hi;
				if (v >= HIST_MIN && v < HIST_MAX)
					ok = ok && (hi - lo) / lo <= 1.0 / 128 &&
					     hist_quantile(h, 0.5) == v;
				if (!ok && bad++ < 5)
					fprintf(stderr, "\n  value %a: %zu buckets, [%a, %a)\n",
						v, nb, lo, hi);
			}
		}
	}
	T_EQ_INT(bad, 0);
	T_TRUE(checked > 1000, "only %d values", checked);
	hist_free(h);
}

static void test_edge_values(void)
{
	struct hist *h = hist_new();
	CU_ASSERT_FATAL(h != NULL);
	/* 7 values counted in the underflow bucket, 0 in the sum for the bad ones */
	double under[] = { 0.0, -0.0, -1.0, NAN, -INFINITY, 1e-300,
			   nextafter(HIST_MIN, 0) };
	for (size_t i = 0; i < sizeof under / sizeof under[0]; i++)
		hist_add(h, under[i]);
	hist_add(h, HIST_MIN);        /* first regular bucket */
	hist_add(h, HIST_MAX);        /* overflow */
	hist_add(h, 1e300);           /* overflow */
	T_EQ_INT(hist_count(h), 10);
	T_TRUE(hist_min(h) == 0 && !signbit(hist_min(h)), "min %g", hist_min(h));
	T_TRUE(hist_max(h) == 1e300, "max %g", hist_max(h));
	double want_sum = 1e-300 + nextafter(HIST_MIN, 0) + HIST_MIN + HIST_MAX + 1e300;
	T_NEAR(hist_sum(h) / want_sum, 1.0, 1e-15);
	T_TRUE(!isnan(hist_mean(h)), "mean is NaN");

	size_t pos = 0;
	double lo = -1, hi = -1;
	uint64_t c = 0;
	T_EQ_INT(hist_next(h, &pos, &lo, &hi, &c), 1);
	T_TRUE(lo == 0 && hi == HIST_MIN, "underflow [%g, %g)", lo, hi);
	T_EQ_INT(c, 7);
	T_EQ_INT(hist_next(h, &pos, &lo, &hi, &c), 1);
	T_TRUE(lo == HIST_MIN && hi == HIST_MIN * (1 + 1.0 / 128),
	       "first regular [%a, %a)", lo, hi);
	T_EQ_INT(c, 1);
	T_EQ_INT(hist_next(h, &pos, &lo, &hi, &c), 1);
	T_TRUE(lo == HIST_MAX && isinf(hi) && hi > 0, "overflow [%g, %g)", lo, hi);
	T_EQ_INT(c, 2);
	T_EQ_INT(hist_next(h, &pos, &lo, &hi, &c), 0);

	/* quantiles in the outer buckets stay within [min, max] */
	T_TRUE(hist_quantile(h, 0.5) >= 0 && hist_quantile(h, 0.5) < HIST_MIN,
	       "median %g", hist_quantile(h, 0.5));
	T_TRUE(hist_quantile(h, 0.95) == 1e300, "p95 %g", hist_quantile(h, 0.95));
	T_TRUE(hist_quantile(h, 0) == 0, "q0 %g", hist_quantile(h, 0));
	T_TRUE(hist_quantile(h, 1) == 1e300, "q1 %g", hist_quantile(h, 1));
	T_NEAR(hist_cdf(h, 1e300), 1.0, 0);
	T_NEAR(hist_cdf(h, 1.0), 0.8, 1e-15);   /* 8 of 10 are below 1 */

	/* +inf goes to overflow too */
	hist_add(h, INFINITY);
	T_EQ_INT(hist_count(h), 11);
	T_TRUE(isinf(hist_max(h)), "max %g", hist_max(h));

	/* empty and reset */
	hist_reset(h);
	T_EQ_INT(hist_count(h), 0);
	T_NEAR(hist_sum(h), 0, 0);
	T_NEAR(hist_mean(h), 0, 0);
	T_NEAR(hist_min(h), 0, 0);
	T_NEAR(hist_max(h), 0, 0);
	T_NEAR(hist_quantile(h, 0.5), 0, 0);
	T_NEAR(hist_cdf(h, 1.0), 0, 0);
	pos = 0;
	T_EQ_INT(hist_next(h, &pos, &lo, &hi, &c), 0);
	/* after a reset min is again the smallest value, not a stale 0 */
	hist_add(h, 5.0);
	hist_add(h, 3.0);
	T_NEAR(hist_min(h), 3.0, 0);
	T_NEAR(hist_max(h), 5.0, 0);
	hist_free(h);
	hist_free(NULL);
}

static void test_merge(void)
{
	size_t n = sample_n() / 2;
	double *x = make_sample(S_LOGNORMAL, n, 3001);
	struct hist *all = hist_new(), *a = hist_new(), *b = hist_new(),
		    *empty = hist_new();
	CU_ASSERT_FATAL(all && a && b && empty);
	for (size_t i = 0; i < n; i++) {
		hist_add(all, x[i]);
		hist_add(i % 3 ? a : b, x[i]);
	}
	hist_add(b, -2.0);   /* a zero only b has */
	hist_add(all, 0.0);
	hist_merge(a, empty);     /* no-op, must not disturb min */
	hist_merge(a, b);
	T_EQ_INT(hist_count(a), hist_count(all));
	T_NEAR(hist_sum(a), hist_sum(all), 1e-9 * hist_sum(all));   /* other order */
	T_TRUE(hist_min(a) == hist_min(all), "min %g vs %g", hist_min(a),
	       hist_min(all));
	T_TRUE(hist_max(a) == hist_max(all), "max %g vs %g", hist_max(a),
	       hist_max(all));
	size_t pa = 0, pb = 0;
	double la = 0, ha = 0, lb = 0, hb = 0;
	uint64_t ca = 0, cb = 0;
	int diffs = 0, buckets = 0;
	for (;;) {
		int ra = hist_next(a, &pa, &la, &ha, &ca);
		int rb = hist_next(all, &pb, &lb, &hb, &cb);
		if (ra != rb || (ra && (la != lb || ha != hb || ca != cb)))
			diffs++;
		if (!ra || !rb)
			break;
		buckets++;
	}
	T_EQ_INT(diffs, 0);
	T_TRUE(buckets > 500, "only %d buckets", buckets);
	static const double qs[] = { 0.01, 0.5, 0.9, 0.99, 0.999 };
	for (size_t j = 0; j < sizeof qs / sizeof qs[0]; j++)
		T_NEAR(hist_quantile(a, qs[j]), hist_quantile(all, qs[j]), 0);
	/* merging into an empty hist copies */
	hist_merge(empty, all);
	T_EQ_INT(hist_count(empty), hist_count(all));
	T_TRUE(hist_min(empty) == hist_min(all), "min after merge into empty %g",
	       hist_min(empty));
	T_NEAR(hist_quantile(empty, 0.99), hist_quantile(all, 0.99), 0);
	hist_free(all);
	hist_free(a);
	hist_free(b);
	hist_free(empty);
	free(x);
}

static void test_cdf(void)
{
	size_t n = sample_n();
	double *x = make_sample(S_EXP, n, 4001);
	struct hist *h = hist_new();
	CU_ASSERT_FATAL(h != NULL);
	for (size_t i = 0; i < n; i++)
		hist_add(h, x[i]);
	qsort(x, n, sizeof *x, cmp_double);
	/* The linear share is wrong by at most one bucket's mass, which for an
	 * exponential is below 1/(128 e) ~ 0.0029 of the total. */
	const double tol = 0.004;
	static const double qs[] = { 0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999 };
	for (size_t j = 0; j < sizeof qs / sizeof qs[0]; j++) {
		double v = hist_quantile(h, qs[j]);
		T_NEAR(hist_cdf(h, v), qs[j], tol);
	}
	/* against the exact empirical cdf, and monotone */
	double prev = 0;
	int nonmono = 0;
	for (int i = 0; i <= 400; i++) {
		double t = 1e-3 * 8.0 * i / 400;
		/* count of x <= t by binary search on the sorted sample */
		size_t lo = 0, hi = n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (x[mid] <= t)
				lo = mid + 1;
			else
				hi = mid;
		}
		double emp = (double)lo / (double)n, got = hist_cdf(h, t);
		T_NEAR(got, emp, tol);
		if (got < prev)
			nonmono++;
		prev = got;
	}
	T_EQ_INT(nonmono, 0);
	/* Exactly, inside the range: at a bucket's lower edge the cdf is the mass
	 * of the buckets below, at its midpoint that plus half its own (buckets
	 * holding min or max are narrowed by them, so they are skipped). */
	size_t pos = 0;
	double lo, hi;
	uint64_t c, before = 0;
	int edges = 0;
	while (hist_next(h, &pos, &lo, &hi, &c)) {
		if (lo > x[0] && hi <= x[n - 1]) {
			T_NEAR(hist_cdf(h, lo), (double)before / (double)n, 1e-12);
			T_NEAR(hist_cdf(h, lo + (hi - lo) / 2),
			       ((double)before + 0.5 * (double)c) / (double)n, 1e-12);
			edges++;
		}
		before += c;
	}
	T_TRUE(edges > 500, "only %d buckets checked", edges);
	T_NEAR(hist_cdf(h, x[0] / 2), 0, 0);
	T_NEAR(hist_cdf(h, x[n - 1]), 1, 0);
	T_NEAR(hist_cdf(h, 1e9), 1, 0);
	T_NEAR(hist_cdf(h, -1), 0, 0);
	hist_free(h);
	free(x);
}

int test_hist_register(void)
{
	CU_pSuite s = CU_add_suite("hist", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "quantiles vs exact order statistics", test_quantiles) ||
	    !CU_add_test(s, "iteration covers every value once", test_iteration_covers) ||
	    !CU_add_test(s, "single values at bucket edges", test_single_values) ||
	    !CU_add_test(s, "underflow, overflow, NaN, negatives, reset",
			 test_edge_values) ||
	    !CU_add_test(s, "merge equals one hist", test_merge) ||
	    !CU_add_test(s, "cdf vs empirical and quantile", test_cdf))
		return -1;
	return 0;
}
