/*
 * monitor: the window conventions of rates and gauge averages, staleness
 * (queries see only scraped samples), ring retention, and windowed latency
 * quantiles against known latencies.
 */
#include <string.h>

#include "monitor.h"
#include "testutil.h"

static void push(struct mon *m, double t, double arrivals, double queue)
{
	double v[MON_NMETRICS] = { 0 };
	v[MON_ARRIVALS] = arrivals;
	v[MON_QUEUE] = queue;
	mon_push(m, t, v);
}

static void test_windows(void)
{
	struct mon *m = mon_new(1, 15, 60);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	T_NEAR(mon_last_time(m), -1, 0);
	T_NEAR(mon_rate(m, 0, MON_ARRIVALS, 60), 0, 0);
	/* arrivals: 10/s for 60 s, then 40/s; queue gauge = t */
	double a = 0;
	for (int k = 0; k <= 8; k++) {
		double t = 15.0 * k;
		push(m, t, a, t);
		a += (t < 60 ? 10 : 40) * 15;
	}
	/* newest sample at 120: rate over 15 s uses samples 105 and 120 */
	T_NEAR(mon_rate(m, 0, MON_ARRIVALS, 15), 40, 1e-9);
	/* over 60 s: samples 60..120 -> 40/s; over 90: 30..120 -> (30*10+60*40)/90 */
	T_NEAR(mon_rate(m, 0, MON_ARRIVALS, 60), 40, 1e-9);
	T_NEAR(mon_rate(m, 0, MON_ARRIVALS, 75), (15 * 10 + 60 * 40) / 75.0, 1e-9);
	T_NEAR(mon_delta(m, 0, MON_ARRIVALS, 30), 1200, 1e-9);
	/* gauge average over 30 s: samples strictly newer than 90: 105, 120 */
	T_NEAR(mon_avg(m, 0, MON_QUEUE, 30), 112.5, 1e-9);
	T_NEAR(mon_max(m, 0, MON_QUEUE, 30), 120, 1e-9);
	T_EQ_INT(mon_count(m, 30), 2);
	/* retention 60 s keeps 60/15 + 2 = 6 samples: a 600 s window sees
	 * 45..120 only */
	T_EQ_INT(mon_count(m, 600), 6);
	T_NEAR(mon_rate(m, 0, MON_ARRIVALS, 600), (15 * 10 + 60 * 40) / 75.0, 1e-9);
	/* unknown function: 0, never a crash */
	T_NEAR(mon_rate(m, 3, MON_ARRIVALS, 60), 0, 0);
	mon_free(m);
	mon_free(NULL);
}

static void test_quantiles(void)
{
	struct mon *m = mon_new(2, 10, 100);
	double v[2 * MON_NMETRICS] = { 0 };
	mon_push(m, 0, v);
	/* first window: latencies uniform over 1..100 ms for fn 0 */
	for (int i = 1; i <= 1000; i++)
		mon_observe_latency(m, 0, 0.001 * (1 + (i % 100)));
	mon_push(m, 10, v);
	/* second window: all 2 s */
	for (int i = 0; i < 500; i++)
		mon_observe_latency(m, 0, 2.0);
	mon_push(m, 20, v);
	/* last 10 s: only the 2 s latencies; bucket [2, 2.5) */
	double q = mon_quantile(m, 0, 0.5, 10);
	T_TRUE(q >= 2.0 && q <= 2.5, "median of the last window %g", q);
	/* both windows: the median of 1000 x U(1..100 ms) + 500 x 2 s is the
	 * 750th value, ~75 ms; bucket error within 25% */
	q = mon_quantile(m, 0, 0.5, 20);
	T_NEAR(q, 0.075, 0.075 * 0.25);
	q = mon_quantile(m, 0, 0.99, 20);
	T_TRUE(q >= 2.0 && q <= 2.5, "p99 %g", q);
	/* nothing completed at fn 1 */
	T_NEAR(mon_quantile(m, 1, 0.5, 20), 0, 0);
	mon_free(m);
}

/* The bucket error's bounds, reached: a quarter-octave bucket [1, 1.25)
 * holding only 1.0 s reads 1 + 0.25 x rank share, so its maximum reads
 * 1.25 (25% high) and its median 1.125; one holding only 1.2499 s reads
 * 1 + 0.25 x 0.001 = 1.00025 at q = 0.001 (20% low). */
/* Service-time cv^2 from the windowed moments: 100 completions in the
 * window of total 50 s; squares 25 (every one 0.5 s: cv^2 0), 50 (the
 * exponential's E[S^2] = 2 E[S]^2: cv^2 1) or 100 (cv^2 3); fewer than
 * min_n completions, or none, give -1. The first sample (before the
 * window) is subtracted. */
static void test_service_cv2(void)
{
	static const double sq[] = {25, 50, 100}, want[] = {0, 1, 3};
	for (int k = 0; k < 3; k++) {
		struct mon *m = mon_new(1, 10, 60);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		double v[MON_NMETRICS] = { 0 };
		v[MON_COMPLETIONS] = 7;
		v[MON_SERVICE_SUM] = 3;
		v[MON_SERVICE_SQ_SUM] = 9;
		mon_push(m, 0, v);
		T_NEAR(mon_service_cv2(m, 0, 60, 1), -1, 0);
		v[MON_COMPLETIONS] += 100;
		v[MON_SERVICE_SUM] += 50;
		v[MON_SERVICE_SQ_SUM] += sq[k];
		mon_push(m, 10, v);
		T_NEAR(mon_service_cv2(m, 0, 60, 20), want[k], 1e-12);
		T_NEAR(mon_service_cv2(m, 0, 60, 101), -1, 0);
		mon_free(m);
	}
}

static void test_quantile_error(void)
{
	for (int top = 0; top <= 1; top++) {
		struct mon *m = mon_new(1, 10, 100);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		double v[MON_NMETRICS] = { 0 };
		mon_push(m, 0, v);
		double x = top ? 1.2499 : 1.0;
		for (int i = 0; i < 1000; i++)
			mon_observe_latency(m, 0, x);
		mon_push(m, 10, v);
		if (top) {
			double q = mon_quantile(m, 0, 0.001, 10);
			T_NEAR(q, 1.00025, 1e-12);
			T_NEAR((x - q) / x, 0.2, 0.001);
		} else {
			T_NEAR(mon_quantile(m, 0, 1.0, 10), 1.25, 1e-12);
			T_NEAR(mon_quantile(m, 0, 0.5, 10), 1.125, 1e-12);
		}
		mon_free(m);
	}
}

int test_monitor_register(void)
{
	CU_pSuite s = CU_add_suite("monitor", NULL, NULL);
	if (!s || !CU_add_test(s, "window conventions and retention", test_windows) ||
	    !CU_add_test(s, "windowed latency quantiles", test_quantiles) ||
	    !CU_add_test(s, "quantile bucket error bounds", test_quantile_error) ||
	    !CU_add_test(s, "service-time cv^2 from the moments", test_service_cv2))
		return -1;
	return 0;
}
