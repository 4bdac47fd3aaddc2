/*
 * test_erlang_c: the M/M/c sizing policy driven directly, one function fed
 * synthetic scrapes of a steady load: lambda arrivals/s, service time 1/mu
 * per slot (busy = lambda/mu slot-seconds per second, completions = lambda).
 * Expected sizes are worked out by hand from
 *   w_p = max(0, ln(C(c,a)/(1-p)) / (c mu - lambda)),  s_p = -ln(1-p)/mu,
 *   c* = min c with w_p + s_p <= SLO and a/c <= max_utilization,
 * with C(c, a) from the Erlang-B recursion (values below to 4 decimals).
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "monitor.h"
#include "param.h"
#include "policy.h"
#include "qtheory.h"
#include "testutil.h"

/* A steady M/M/c load: lambda arrivals/s, all completed when mu > 0,
 * busy lambda/mu slot-seconds per second. */
static void set_load(struct test_fx *f, double lambda, double mu)
{
	f->rate[0][MON_ARRIVALS] = lambda;
	f->rate[0][MON_COMPLETIONS] = mu > 0 ? lambda : 0;
	f->rate[0][MON_BUSY_TIME] = mu > 0 ? lambda / mu : 0;
}

/* One function in [1, 1000] at `ready` replicas of `slots` slots, scraped
 * every 5 s from t = 0 (600 s kept). */
static void fx_begin(struct test_fx *f, int ready, int slots, double lambda,
		     double mu)
{
	test_fx_begin(f, "erlang-c", 1, 5);
	f->retention = 600;
	f->fn[0].min_replicas = 1;
	f->fn[0].target = f->fn[0].ready = ready;
	f->fn[0].concurrency = slots;
	set_load(f, lambda, mu);
}

/* One decision at t=60 (a full default window) for lambda 10/s, mu 1/s. */
static struct scale_decision once(int slots, double slo, double max_util)
{
	struct test_fx f;
	fx_begin(&f, 2, slots, 10, 1);
	test_fx_num(&f, "slo_latency_s", slo);
	if (max_util > 0)
		test_fx_num(&f, "max_utilization", max_util);
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 60);
	test_fx_end(&f);
	return d;
}

/*
 * lambda 10/s, mu 1/s per slot: a = 10; p = 0.95: s_p = ln 20 = 2.9957 s.
 *   c   C(c,10)   w_p = ln(C/0.05)/(c-10)   w_p + s_p
 *   11  0.6821    2.6132                    5.6089
 *   12  0.4494    1.0979                    4.0937
 *   13  0.2853    0.5805                    3.5762
 *   14  0.1741    0.3119                    3.3077
 *   15  0.1020    0.1427                    3.1384
 *   16  0.0573    0.0228                    3.0186
 *   17  0.0309    0 (C < 0.05)              2.9957
 * The utilization cap 0.95 asks c >= 10/0.95 = 10.53, i.e. 11.
 */
static void test_sizing(void)
{
	/* the Erlang C values of the table, from the shared qtheory */
	T_NEAR(qt_erlang_c(12, 10), 0.4494, 5e-5);
	T_NEAR(qt_erlang_c(13, 10), 0.2853, 5e-5);
	T_NEAR(qt_erlang_c(16, 10), 0.0573, 5e-5);
	T_NEAR(qt_erlang_c(17, 10), 0.0309, 5e-5);
	static const struct { double slo; int c; } k[] = {
		{4.0, 13},     /* 12: 4.0937 > 4; 13: 3.5762 */
		{3.5, 14},     /* 13: 3.5762 > 3.5; 14: 3.3077 */
		{3.0, 17},     /* 16: 3.0186 > 3; 17: no wait quantile */
		{6.0, 11},     /* 11: 5.6089 */
	};
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		struct scale_decision d = once(1, k[i].slo, 0);
		T_EQ_INT(d.desired, k[i].c);
		T_NEAR(test_observed(&d, "c"), k[i].c, 0);
		T_NEAR(test_observed(&d, "lambda"), 10, 1e-9);
		T_NEAR(test_observed(&d, "mu"), 1, 1e-9);
		T_NEAR(test_observed(&d, "s_p"), 2.9957, 5e-5);
	}
	struct scale_decision d = once(1, 4.0, 0);
	T_NEAR(test_observed(&d, "C"), 0.2853, 5e-5);
	T_NEAR(test_observed(&d, "w_p"), 0.5805, 5e-5);
	T_STR_CONTAINS(d.reason, "C 0.2853");
}

static void test_service_rate(void)
{
	/* lambda 20/s, mu 2/s: a = 10 again, and every time halves:
	 * s_p = ln 20 / 2 = 1.4979, w_p(c) = ln(C/0.05)/(2c - 20) is half the
	 * table's. SLO 2: budget 0.5021; c 12: 0.5490 > it, c 13: 0.2902 -> 13
	 * (as SLO 4 at mu 1) */
	struct test_fx f;
	fx_begin(&f, 2, 1, 20, 2);
	test_fx_num(&f, "slo_latency_s", 2);
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 60);
	T_EQ_INT(d.desired, 13);
	T_NEAR(test_observed(&d, "s_p"), 1.4979, 5e-5);
	T_NEAR(test_observed(&d, "w_p"), 0.2902, 5e-5);
	test_fx_end(&f);
	/* the SLO cannot be met within max_replicas 6 (12 slots of 2): the
	 * wish is the cap, and the reason says so */
	fx_begin(&f, 2, 2, 20, 2);
	f.fn[0].max_replicas = 6;
	test_fx_num(&f, "slo_latency_s", 2);
	test_fx_init(&f);
	d = test_fx_decide(&f, 60);
	T_EQ_INT(d.desired, 6);
	T_STR_CONTAINS(d.reason, "not met within max_replicas");
	test_fx_end(&f);
}

static void test_concurrency(void)
{
	/* 2 slots per replica: c 13 -> ceil(13/2) = 7; c 14 -> 7; 17 -> 9 */
	struct scale_decision d = once(2, 4.0, 0);
	T_EQ_INT(d.desired, 7);
	T_NEAR(test_observed(&d, "c"), 13, 0);
	d = once(2, 3.5, 0);
	T_EQ_INT(d.desired, 7);
	d = once(2, 3.0, 0);
	T_EQ_INT(d.desired, 9);
}

static void test_utilization_cap(void)
{
	/* SLO 6 needs 11; a/c <= 0.8 needs ceil(12.5) = 13 */
	struct scale_decision d = once(1, 6.0, 0.8);
	T_EQ_INT(d.desired, 13);
	T_NEAR(test_observed(&d, "c_slo"), 11, 0);
	T_STR_CONTAINS(d.reason, "SLO alone: 11");
}

static void test_infeasible(void)
{
	/* SLO 2 s < s_p 2.9957 s: no c meets it; utilization <= 0.95 -> 11 */
	struct scale_decision d = once(1, 2.0, 0);
	T_EQ_INT(d.desired, 11);
	T_STR_CONTAINS(d.reason, "infeasible");
	/* with max_utilization 0.8: ceil(10/0.8) = 13; concurrency 2 -> 7 */
	d = once(1, 2.0, 0.8);
	T_EQ_INT(d.desired, 13);
	d = once(2, 2.0, 0.8);
	T_EQ_INT(d.desired, 7);
	/* max_utilization 1: a = 10 exactly still needs c > a -> 11 */
	d = once(1, 2.0, 1.0);
	T_EQ_INT(d.desired, 11);
}

static void test_idle_and_zero(void)
{
	/* no arrivals: zero servers wanted (the engine clamps to min) */
	struct test_fx f;
	fx_begin(&f, 3, 1, 0, 1);
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 60);
	T_EQ_INT(d.desired, 0);
	T_STR_CONTAINS(d.reason, "no arrivals");
	test_fx_end(&f);

	/* lambda 0.5/s, mu 1/s, SLO 4 s: budget for w_p 4 - 2.9957 = 1.0043;
	 * c 1: C(1,0.5) = 0.5000, w_p = ln(10)/0.5 = 4.6052 > 1.0043;
	 * c 2: C(2,0.5) = 0.1000, w_p = ln(2)/1.5 = 0.4621 -> 2.
	 * Then the load stops and the function is at zero: 0 wanted; 30
	 * requests held at zero count as 30/60 = 0.5/s with the remembered
	 * mu -> 2 again. */
	fx_begin(&f, 1, 1, 0.5, 1);
	test_fx_num(&f, "slo_latency_s", 4);
	test_fx_init(&f);
	d = test_fx_decide(&f, 60);       /* measures mu = 1 */
	T_EQ_INT(d.desired, 2);
	T_NEAR(test_observed(&d, "C"), 0.1, 1e-9);
	set_load(&f, 0, 1);
	f.fn[0].target = f.fn[0].ready = 0;
	d = test_fx_decide(&f, 120);      /* nothing in the last 60 s */
	T_EQ_INT(d.desired, 0);
	f.fn[0].held_at_zero = 30;
	d = test_fx_decide(&f, 125);
	T_NEAR(test_observed(&d, "lambda"), 0.5, 1e-9);
	T_EQ_INT(d.desired, 2);
	test_fx_end(&f);

	/* never measured mu: keep, or one replica from zero */
	fx_begin(&f, 2, 1, 5, 0);
	test_fx_init(&f);
	d = test_fx_decide(&f, 60);
	T_EQ_INT(d.desired, -1);
	T_STR_CONTAINS(d.reason, "no service time");
	f.fn[0].target = f.fn[0].ready = 0;
	d = test_fx_decide(&f, 75);
	T_EQ_INT(d.desired, 1);
	test_fx_end(&f);
}

static void test_source_rate(void)
{
	/* an entry function taking 10/s from partitions appended at 12/s:
	 * lambda = 12, a = 12; SLO 6 at p95 needs c with w_p <= 3.0043:
	 * c 13: C(13,12) = 0.7044 -> w_p = ln(14.09)/1 = 2.6453 <= 3.0043 -> 13;
	 * (c 13 also meets 12/13 = 0.923 <= 0.95) */
	struct test_fx f;
	fx_begin(&f, 2, 1, 10, 1);
	f.rate[0][MON_SOURCE_APPENDS] = 12;
	test_fx_num(&f, "slo_latency_s", 6);
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 60);
	T_NEAR(test_observed(&d, "lambda"), 12, 1e-9);
	T_NEAR(qt_erlang_c(13, 12), 0.7044, 5e-5);
	T_NEAR(test_observed(&d, "w_p"), 2.6453, 5e-5);
	T_EQ_INT(d.desired, 13);
	test_fx_end(&f);
}

static void test_table(void)
{
	const struct policy *p = policy_find("erlang-c");
	CU_ASSERT_FATAL(p != NULL);
	T_EQ_INT(p->wake_from_zero, 1);
	struct { const char *name; double def; } want[] = {
		{"slo_latency_s", 1}, {"percentile", 0.95}, {"window_s", 60},
		{"max_utilization", 0.95},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		int k = param_find(p->params, p->nparams, want[i].name);
		T_TRUE(k >= 0, "no parameter %s", want[i].name);
		if (k >= 0)
			T_NEAR(p->params[k].def, want[i].def, 0);
	}
}

int test_erlang_c_register(void)
{
	CU_pSuite s = CU_add_suite("erlang-c", NULL, NULL);
	if (!s)
		return -1;
	struct { const char *name; void (*fn)(void); } t[] = {
		{"table", test_table},
		{"sizing", test_sizing},
		{"service_rate", test_service_rate},
		{"concurrency", test_concurrency},
		{"utilization_cap", test_utilization_cap},
		{"infeasible", test_infeasible},
		{"idle_and_zero", test_idle_and_zero},
		{"source_rate", test_source_rate},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!CU_add_test(s, t[i].name, t[i].fn))
			return -1;
	return 0;
}
