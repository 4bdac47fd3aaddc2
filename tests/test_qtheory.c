/*
 * test_qtheory: queueing formulas against values worked out by hand (the
 * arithmetic is in the comments) and against an independent evaluation of
 * Erlang B in log space for large c; plus the stats wrappers against a
 * hand-computed Student t interval.
 */
#include "qtheory.h"
#include "stats.h"
#include "testutil.h"

#include <math.h>

/* Erlang B straight from its definition, (a^c/c!) / sum_k a^k/k!, evaluated
 * with log-sum-exp so it is independent of the recursion under test. */
static double erlang_b_direct(int c, double a)
{
	double top = c * log(a) - lgamma(c + 1.0), m = top;
	for (int k = 0; k <= c; k++) {
		double t = k * log(a) - lgamma(k + 1.0);
		if (t > m)
			m = t;
	}
	double s = 0;
	for (int k = 0; k <= c; k++)
		s += exp(k * log(a) - lgamma(k + 1.0) - m);
	return exp(top - m) / s;
}

static void test_erlang_b(void)
{
	T_NEAR(qt_erlang_b(1, 1), 0.5, 1e-15);       /* 1 / (1 + 1) */
	T_NEAR(qt_erlang_b(2, 1), 0.2, 1e-15);       /* 0.5 / (1 + 1 + 0.5) */
	T_NEAR(qt_erlang_b(3, 2), 4.0 / 19, 1e-15);  /* (8/6) / (1 + 2 + 2 + 8/6) */
	T_NEAR(qt_erlang_b(5, 0), 0, 0);
	/* large c: the naive a^c/c! overflows; the recursion must not */
	double b = qt_erlang_b(1000, 950);
	T_TRUE(isfinite(b) && b > 0 && b < 1, "B(1000, 950) = %g", b);
	T_NEAR(b, erlang_b_direct(1000, 950), 1e-10 * erlang_b_direct(1000, 950));
	T_NEAR(qt_erlang_b(50, 40), erlang_b_direct(50, 40), 1e-13);
	/* overload is still a valid loss system */
	b = qt_erlang_b(10, 20);
	T_NEAR(b, erlang_b_direct(10, 20), 1e-13);
	T_TRUE(b > 0.5 && b < 1, "B(10, 20) = %g", b);
	/* M/M/c/c is Erlang B at a = lambda / mu */
	T_NEAR(qt_mmcc_block(2, 3, 3), 0.2, 1e-15);
	T_NEAR(qt_mmcc_block(3, 4, 2), 4.0 / 19, 1e-15);
	T_TRUE(isnan(qt_erlang_b(0, 1)), "c = 0");
	T_TRUE(isnan(qt_erlang_b(-3, 1)), "c < 0");
	T_TRUE(isnan(qt_erlang_b(2, -1)), "a < 0");
	T_TRUE(isnan(qt_erlang_b(2, NAN)), "a NaN");
	T_TRUE(isnan(qt_mmcc_block(2, 1, 0)), "mu = 0");
	T_TRUE(isnan(qt_mmcc_block(2, -1, 1)), "lambda < 0");
}

static void test_erlang_c(void)
{
	/* c=2, a=1: B = 0.2, rho = 0.5, C = 0.2 / (1 - 0.5 * 0.8) = 1/3 */
	T_NEAR(qt_erlang_c(2, 1), 1.0 / 3, 1e-15);
	/* c=3, a=2: (4/3 * 3) / (1 + 2 + 2 + 4) = 4/9 */
	T_NEAR(qt_erlang_c(3, 2), 4.0 / 9, 1e-15);
	/* M/M/1: P(wait) = rho */
	T_NEAR(qt_erlang_c(1, 0.7), 0.7, 1e-15);
	T_NEAR(qt_erlang_c(4, 0), 0, 0);
	double c = qt_erlang_c(1000, 950);
	T_TRUE(isfinite(c) && c > qt_erlang_b(1000, 950) && c < 1,
	       "C(1000, 950) = %g", c);
	T_TRUE(isnan(qt_erlang_c(2, 2)), "rho = 1");
	T_TRUE(isnan(qt_erlang_c(2, 3)), "rho > 1");
	T_TRUE(isnan(qt_erlang_c(0, 0.5)), "c = 0");
	T_TRUE(isnan(qt_erlang_c(2, -0.5)), "a < 0");
}

static void test_mmc(void)
{
	/* M/M/1, lambda 3, mu 5: W = 1/(mu - lambda) = 0.5,
	 * Wq = rho/(mu - lambda) = 0.6 / 2 = 0.3 */
	T_NEAR(qt_mmc_w(1, 3, 5), 0.5, 1e-15);
	T_NEAR(qt_mmc_wq(1, 3, 5), 0.3, 1e-15);
	/* M/M/2, lambda 1, mu 1: Wq = C / (2 - 1) = 1/3, W = 4/3 */
	T_NEAR(qt_mmc_wq(2, 1, 1), 1.0 / 3, 1e-15);
	T_NEAR(qt_mmc_w(2, 1, 1), 4.0 / 3, 1e-15);
	/* M/M/3, lambda 4, mu 2: C = 4/9, Wq = (4/9) / (6 - 4) = 2/9 */
	T_NEAR(qt_mmc_wq(3, 4, 2), 2.0 / 9, 1e-15);
	T_NEAR(qt_mmc_wq(3, 0, 2), 0, 0);
	T_NEAR(qt_mmc_w(3, 0, 2), 0.5, 1e-15);
	/* tail: P(Wq > t) = C e^{-(c mu - lambda) t} */
	T_NEAR(qt_mmc_wait_tail(1, 3, 5, 0), 0.6, 1e-15);
	T_NEAR(qt_mmc_wait_tail(1, 3, 5, 1), 0.6 * exp(-2), 1e-15);
	T_NEAR(qt_mmc_wait_tail(3, 4, 2, log(2) / 2), 2.0 / 9, 1e-15);
	T_NEAR(qt_mmc_wait_tail(3, 4, 2, -1), 1, 0);
	/* instability and bad arguments */
	T_TRUE(isnan(qt_mmc_wq(1, 5, 5)), "rho = 1");
	T_TRUE(isnan(qt_mmc_w(2, 5, 2)), "rho > 1");
	T_TRUE(isnan(qt_mmc_wq(0, 1, 5)), "c = 0");
	T_TRUE(isnan(qt_mmc_wq(1, -1, 5)), "lambda < 0");
	T_TRUE(isnan(qt_mmc_w(1, 1, 0)), "mu = 0");
	T_TRUE(isnan(qt_mmc_w(1, 1, -2)), "mu < 0");
	T_TRUE(isnan(qt_mmc_wait_tail(1, 5, 5, 1)), "tail rho = 1");
	T_TRUE(isnan(qt_mmc_wait_tail(1, 3, 5, NAN)), "tail t NaN");
}

static void test_mg1(void)
{
	/* M/D/1, lambda 0.5, d 1: rho/(2 mu (1 - rho)) = 0.5 / (2 * 0.5) = 0.5 */
	T_NEAR(qt_md1_wq(0.5, 1), 0.5, 1e-15);
	/* lambda 8, d 0.1: rho 0.8, 0.8 / (2 * 10 * 0.2) = 0.2 */
	T_NEAR(qt_md1_wq(8, 0.1), 0.2, 1e-15);
	/* P-K with exponential S (E[S^2] = 2/mu^2) is M/M/1: lambda 3, mu 5 */
	T_NEAR(qt_mg1_wq(3, 0.2, 2 * 0.04), qt_mmc_wq(1, 3, 5), 1e-15);
	T_NEAR(qt_mg1_wq(3, 0.2, 0.08), 0.3, 1e-15);
	/* M/D/1 waits half as long as M/M/1 at the same load */
	T_NEAR(qt_md1_wq(3, 0.2), 0.15, 1e-15);
	T_TRUE(isnan(qt_md1_wq(2, 0.5)), "rho = 1");
	T_TRUE(isnan(qt_mg1_wq(3, 0.5, 1)), "rho > 1");
	T_TRUE(isnan(qt_mg1_wq(1, 0.5, 0.1)), "E[S^2] < E[S]^2");
	T_TRUE(isnan(qt_mg1_wq(-1, 0.5, 1)), "lambda < 0");
	T_TRUE(isnan(qt_md1_wq(1, -0.5)), "d < 0");
}

static void test_jackson(void)
{
	/* M/M/1 (lambda 1, mu 5): 1/4; M/M/2 (lambda 1, mu 1): 4/3 */
	int c[] = { 1, 2 };
	double mu[] = { 5, 1 };
	T_NEAR(qt_jackson_tandem_w(2, c, 1, mu), 0.25 + 4.0 / 3, 1e-15);
	T_NEAR(qt_jackson_tandem_w(1, c, 1, mu), 0.25, 1e-15);
	double mu_bad[] = { 5, 0.5 };   /* second station rho = 1 */
	T_TRUE(isnan(qt_jackson_tandem_w(2, c, 1, mu_bad)), "unstable station");
	T_TRUE(isnan(qt_jackson_tandem_w(0, c, 1, mu)), "n = 0");
	T_TRUE(isnan(qt_jackson_tandem_w(2, NULL, 1, mu)), "c NULL");
}

static void test_stats(void)
{
	/* mean 17/5 = 3.4; squared deviations 1.69 + 0 + 2.25 + 4.84 + 0.36 =
	 * 9.14, s^2 = 9.14/4; half width t_{0.975,4} s / sqrt(5) */
	const double x[] = { 2.1, 3.4, 1.9, 5.6, 4.0 };
	double m = 0, hw = 0;
	T_EQ_INT(stats_mean_ci(x, 5, 0.95, &m, &hw), 0);
	T_NEAR(m, 3.4, 1e-12);
	T_NEAR(hw, 2.7764451 * sqrt(9.14 / 4 / 5), 1e-6);
	T_NEAR(stats_mean(x, 5), 3.4, 1e-12);
	T_NEAR(stats_sd(x, 5), sqrt(9.14 / 4), 1e-12);
	/* two values, 90%: t_{0.95,1} = 6.3137515; s = sqrt(2) for {1, 3} */
	const double two[] = { 1, 3 };
	T_EQ_INT(stats_mean_ci(two, 2, 0.90, &m, &hw), 0);
	T_NEAR(m, 2, 1e-15);
	T_NEAR(hw, 6.3137515 * sqrt(2) / sqrt(2), 1e-6);
	T_EQ_INT(stats_mean_ci(x, 1, 0.95, &m, &hw), -1);
	T_EQ_INT(stats_mean_ci(x, 0, 0.95, &m, &hw), -1);
	T_EQ_INT(stats_mean_ci(x, 5, 1.5, &m, &hw), -1);
	T_EQ_INT(stats_mean_ci(x, 5, 0, &m, &hw), -1);
	T_TRUE(isnan(stats_sd(x, 1)), "sd of one value");
	T_TRUE(isnan(stats_mean(x, 0)), "mean of nothing");
	/* x {1,2,3}, y {1,3,2}: cov sum 1, var sums 2 and 2 -> r = 0.5 */
	const double cx[] = { 1, 2, 3 }, cy[] = { 1, 3, 2 };
	T_NEAR(stats_correlation(cx, cy, 3), 0.5, 1e-12);
	const double lin[] = { 3, 5, 7 }, neg[] = { -1, -2, -3 };
	T_NEAR(stats_correlation(cx, lin, 3), 1, 1e-12);
	T_NEAR(stats_correlation(cx, neg, 3), -1, 1e-12);
	T_TRUE(isnan(stats_correlation(cx, cy, 1)), "correlation of one pair");
}

/* The wait quantile inverts the tail exactly, and the server search equals
 * a linear scan for every budget on a grid (so doubling and bisection
 * neither skip nor overshoot the answer). */
static void test_mmc_sizing(void)
{
	/* M/M/4, lambda 3, mu 1: P(Wq > t) = C e^{-t}, C = 0.50943 */
	double q = qt_mmc_wait_quantile(4, 3, 1, 0.95);
	T_NEAR(qt_mmc_wait_tail(4, 3, 1, q), 0.05, 1e-12);
	T_NEAR(q, log(qt_erlang_c(4, 3) / 0.05), 1e-12);
	/* P(wait) below 1 - p: the quantile is 0 */
	T_NEAR(qt_mmc_wait_quantile(40, 3, 1, 0.95), 0, 0);
	T_TRUE(isnan(qt_mmc_wait_quantile(3, 3, 1, 0.95)), "unstable gives NAN");
	for (double budget = 0.001; budget < 3; budget *= 1.7) {
		int lin = -1;
		for (int c = 51; c <= 200 && lin < 0; c++)
			if (qt_mmc_wait_quantile(c, 50, 1, 0.99) <= budget)
				lin = c;
		int met;
		int got = qt_mmc_min_servers(51, 200, 50, 1, 0.99, budget, &met);
		T_EQ_INT(got, lin < 0 ? 200 : lin);
		T_EQ_INT(met, lin >= 0);
	}
	int met;
	T_EQ_INT(qt_mmc_min_servers(60, 60, 50, 1, 0.99, 1e-9, &met), 60);
	T_EQ_INT(met, 0);
}

int test_qtheory_register(void)
{
	CU_pSuite s = CU_add_suite("qtheory", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "Erlang B and M/M/c/c", test_erlang_b) ||
	    !CU_add_test(s, "Erlang C", test_erlang_c) ||
	    !CU_add_test(s, "M/M/c waits and tail", test_mmc) ||
	    !CU_add_test(s, "M/M/c sizing for a wait quantile", test_mmc_sizing) ||
	    !CU_add_test(s, "Pollaczek-Khinchine and M/D/1", test_mg1) ||
	    !CU_add_test(s, "Jackson tandem", test_jackson) ||
	    !CU_add_test(s, "stats: t interval, sd, correlation", test_stats))
		return -1;
	return 0;
}
