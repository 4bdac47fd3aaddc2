/*
 * test_hpa: the policy registry, parameter tables, the static policy and the
 * Kubernetes HPA, driven directly: a monitor fed with synthetic scrapes of a
 * steady load, one function view, decisions every 15 s, and each decision
 * applied to the view as the engine would (replicas become ready at once
 * unless a test says otherwise). Expected counts are worked out by hand from
 * the rules of horizontal.go / replica_calculator.go and noted beside each
 * check.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "monitor.h"
#include "param.h"
#include "policy.h"
#include "testutil.h"

/* The shared fixture for one function of `policy` in [1, 100] at `ready`
 * replicas of `slots` slots, scraped every 5 s from t = -120 (so a full
 * window lies behind t = 0). */
static void fx_begin(struct test_fx *f, const char *policy, int ready,
		     int slots)
{
	test_fx_begin(f, policy, 1, 5);
	f->fn[0] = (struct fn_view){
		.name = "f", .managed = 1, .min_replicas = 1,
		.max_replicas = 100, .target = ready, .ready = ready,
		.concurrency = slots, .memory_mb = 128,
	};
	f->t = -120;
}

/* One decision at t=0 on a steady cpu load. */
static struct scale_decision cpu_once(int ready, double util, double target,
				      const char *select)
{
	struct test_fx f;
	fx_begin(&f, "hpa", ready, 1);
	test_fx_num(&f, "target_utilization", target);
	if (select)
		test_fx_enum(&f, "scale_up_select", select);
	f.util[0] = util;
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 0);
	test_fx_end(&f);
	return d;
}

static void test_registry(void)
{
	T_TRUE(policy_find("hpa") != NULL, "hpa not registered");
	T_TRUE(policy_find("static") != NULL, "static not registered");
	T_TRUE(policy_find("nope") == NULL, "unknown name found");
	T_TRUE(policy_find(NULL) == NULL, "NULL name found");
	size_t n = 0;
	while (policy_at(n))
		n++;
	T_TRUE(n >= 2, "%zu policies registered", n);
	/* every entry is found by its own name: names are unique */
	for (size_t i = 0; i < n; i++)
		T_TRUE(policy_find(policy_at(i)->name) == policy_at(i),
		       "policy %zu (%s) not found by name", i, policy_at(i)->name);
	T_NEAR(policy_find("hpa")->interval_s, 15, 0);
}

static void test_params(void)
{
	const struct policy *h = policy_find("hpa");
	CU_ASSERT_FATAL(h != NULL);
	int m = param_find(h->params, h->nparams, "metric");
	T_EQ_INT(m, 0);
	T_EQ_INT(param_find(h->params, h->nparams, "nope"), -1);
	const struct param_def *d = &h->params[m];
	T_EQ_INT(param_choice_index(d, "cpu"), 0);
	T_EQ_INT(param_choice_index(d, "lag"), 4);
	T_EQ_INT(param_choice_index(d, "la"), -1);
	T_EQ_INT(param_choice_index(d, "lagx"), -1);
	char buf[16];
	T_STR_CONTAINS(param_choice_name(d, 2, buf, sizeof buf), "rps");
	T_EQ_INT(strlen(param_choice_name(d, 5, buf, sizeof buf)), 0);
	T_EQ_INT(strlen(param_choice_name(d, -1, buf, sizeof buf)), 0);
	T_EQ_INT(strcmp(param_choice_name(d, 1, buf, 4), "con"), 0);
	/* Kubernetes defaults in the table */
	struct { const char *name; double def; } k8s[] = {
		{"tolerance", 0.1}, {"scale_down_stabilization_s", 300},
		{"scale_up_stabilization_s", 0}, {"scale_up_pods", 4},
		{"scale_up_percent", 100}, {"scale_up_period_s", 15},
		{"scale_down_percent", 100}, {"scale_down_period_s", 15},
		{"target_utilization", 0.8}, {"metric_window_s", 15},
	};
	for (size_t i = 0; i < sizeof k8s / sizeof k8s[0]; i++) {
		int k = param_find(h->params, h->nparams, k8s[i].name);
		T_TRUE(k >= 0, "no parameter %s", k8s[i].name);
		if (k >= 0)
			T_NEAR(h->params[k].def, k8s[i].def, 0);
	}
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	CU_ASSERT_FATAL(out != NULL);
	param_print_table(out, h->params, h->nparams);
	fclose(out);
	T_STR_CONTAINS(text, "scale_down_stabilization_s");
	T_STR_CONTAINS(text, "cpu|concurrency|rps|queue|lag");
	T_STR_CONTAINS(text, "kubectl autoscale");
	free(text);
}

static void test_static(void)
{
	struct test_fx f;
	fx_begin(&f, "static", 3, 1);
	test_fx_init(&f);
	f.fn[0].target = f.fn[0].ready = 9;   /* someone else moved it */
	struct scale_decision d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 3);
	T_STR_CONTAINS(d.reason, "target at start");
	test_fx_end(&f);

	fx_begin(&f, "static", 3, 1);
	test_fx_num(&f, "replicas", 7);
	test_fx_init(&f);
	d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 7);
	test_fx_end(&f);
}

static void test_tolerance(void)
{
	/* 4 replicas, target 80%: ratio 85/80 and 75/80 are within 10% */
	struct scale_decision d = cpu_once(4, 0.85, 0.8, NULL);
	T_EQ_INT(d.desired, 4);
	T_STR_CONTAINS(d.reason, "within tolerance");
	d = cpu_once(4, 0.75, 0.8, NULL);
	T_EQ_INT(d.desired, 4);
	/* the bound is inclusive: 88/80 = 1.1 stays, 89/80 -> ceil(4.45) */
	d = cpu_once(4, 0.88, 0.8, NULL);
	T_EQ_INT(d.desired, 4);
	d = cpu_once(4, 0.89, 0.8, NULL);
	T_EQ_INT(d.desired, 5);
	T_NEAR(test_observed(&d, "ratio"), 89.0 / 80, 1e-12);
}

static void test_scale_up(void)
{
	/* utilization twice the target with 2 replicas -> ceil(2 x 2) */
	struct scale_decision d = cpu_once(2, 0.8, 0.4, NULL);
	T_EQ_INT(d.desired, 4);
	/* ratio 10: raw 20, limited to max(2 + 4 pods, 2 x 200%) = 6 */
	d = cpu_once(2, 1.0, 0.1, NULL);
	T_EQ_INT(d.desired, 6);
	T_NEAR(test_observed(&d, "raw"), 20, 0);
	T_NEAR(test_observed(&d, "limited"), 6, 0);
	T_STR_CONTAINS(d.reason, "scale-up limited");
	/* selectPolicy Min picks the smaller bound: min(6, 4) */
	d = cpu_once(2, 1.0, 0.1, "min");
	T_EQ_INT(d.desired, 4);
	d = cpu_once(2, 1.0, 0.1, "disabled");
	T_EQ_INT(d.desired, 2);
	/* from 1 replica: max(1 + 4, 2) = 5 */
	d = cpu_once(1, 1.0, 0.1, NULL);
	T_EQ_INT(d.desired, 5);
}

static void test_scale_down_window(void)
{
	struct test_fx f;
	fx_begin(&f, "hpa", 4, 1);
	test_fx_num(&f, "target_utilization", 0.5);
	test_fx_num(&f, "metric_window_s", 15);
	f.util[0] = 0.5;
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 4);
	f.util[0] = 0.1;   /* ratio 0.2 -> raw ceil(0.8) = 1 */
	for (double t = 15; t < 300; t += 15) {
		d = test_fx_decide(&f, t);
		T_EQ_INT(d.desired, 4);
		T_NEAR(test_observed(&d, "raw"), 1, 0);
		if (d.desired != 4) {
			fprintf(stderr, "  at t=%g: %s\n", t, d.reason);
			break;
		}
	}
	T_STR_CONTAINS(d.reason, "stabilized");
	/* the t=0 recommendation of 4 leaves the window (t > now - 300) */
	d = test_fx_decide(&f, 300);
	T_EQ_INT(d.desired, 1);
	test_fx_end(&f);

	/* a new HPA records the current scale first (recordInitialRecommendation),
	 * so its first decision cannot scale down either */
	fx_begin(&f, "hpa", 4, 1);
	test_fx_num(&f, "target_utilization", 0.5);
	f.util[0] = 0.1;
	test_fx_init(&f);
	d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 4);
	T_NEAR(test_observed(&d, "raw"), 1, 0);
	test_fx_end(&f);
}

static void test_scale_up_window(void)
{
	/* scale_up_stabilization_s 60: the recommendation of 2 made at t=0
	 * holds the scale-up (minimum over the window) until t=60 */
	struct test_fx f;
	fx_begin(&f, "hpa", 2, 1);
	test_fx_num(&f, "scale_up_stabilization_s", 60);
	test_fx_num(&f, "target_utilization", 0.5);
	test_fx_num(&f, "metric_window_s", 15);
	f.util[0] = 0.5;
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 2);
	f.util[0] = 1.0;    /* ratio 2 -> raw 4 */
	for (double t = 15; t < 60; t += 15) {
		d = test_fx_decide(&f, t);
		T_EQ_INT(d.desired, 2);
		T_NEAR(test_observed(&d, "raw"), 4, 0);
	}
	T_STR_CONTAINS(d.reason, "scale-up stabilized");
	d = test_fx_decide(&f, 60);
	T_EQ_INT(d.desired, 4);
	test_fx_end(&f);
}

static void test_scale_down_rate(void)
{
	for (int period = 15; period <= 60; period += 45) {
		struct test_fx f;
		fx_begin(&f, "hpa", 4, 1);
		test_fx_num(&f, "target_utilization", 0.5);
		test_fx_num(&f, "scale_down_stabilization_s", 0);
		test_fx_num(&f, "scale_down_pods", 1);
		test_fx_num(&f, "scale_down_percent", 0);
		test_fx_num(&f, "scale_down_period_s", period);
		f.util[0] = 0.05;   /* ratio 0.1 -> raw 1 */
		test_fx_init(&f);
		/* period 15: one pod per sync; period 60: the event at 0
		 * keeps periodStart at 4 until it ages out at 60 */
		static const int want15[] = {3, 2, 1, 1, 1};
		static const int want60[] = {3, 3, 3, 3, 2};
		for (int k = 0; k < 5; k++) {
			struct scale_decision d = test_fx_decide(&f, 15.0 * k);
			T_EQ_INT(d.desired, period == 15 ? want15[k] : want60[k]);
		}
		test_fx_end(&f);
	}
}

static void test_period_start_up(void)
{
	struct test_fx f;
	fx_begin(&f, "hpa", 2, 1);
	test_fx_num(&f, "target_utilization", 0.1);
	test_fx_num(&f, "scale_up_period_s", 60);
	f.util[0] = 1.0;
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 6);   /* max(2 + 4, 4) */
	for (double t = 15; t < 60; t += 15) {
		/* periodStart = 6 - 4 = 2: bound still 6 */
		d = test_fx_decide(&f, t);
		T_EQ_INT(d.desired, 6);
	}
	T_STR_CONTAINS(d.reason, "scale-up limited");
	d = test_fx_decide(&f, 60);    /* the +4 aged out: max(10, 12) */
	T_EQ_INT(d.desired, 12);
	test_fx_end(&f);
}

static void test_percent_rounding(void)
{
	/* Percent only: up 50% of 3 rounds up to 5; down 50% of 5 rounds
	 * down (truncates) to 2 */
	struct test_fx f;
	fx_begin(&f, "hpa", 3, 1);
	test_fx_num(&f, "scale_up_pods", 0);
	test_fx_num(&f, "scale_up_percent", 50);
	test_fx_num(&f, "target_utilization", 0.1);
	f.util[0] = 1.0;
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 5);
	test_fx_end(&f);

	fx_begin(&f, "hpa", 5, 1);
	test_fx_num(&f, "scale_down_percent", 50);
	test_fx_num(&f, "scale_down_stabilization_s", 0);
	f.util[0] = 0;
	test_fx_init(&f);
	d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 2);
	test_fx_end(&f);
}

static void test_period_start_mixed(void)
{
	/* A scale-down inside the up period raises periodStart:
	 * 6 -> 4 at t=0 (2 pods per 60 s), then at t=15 the scale-up bound is
	 * (4 - 0 + 2) + 1 = 7, not 4 + 1 */
	struct test_fx f;
	fx_begin(&f, "hpa", 6, 1);
	test_fx_num(&f, "target_utilization", 0.1);
	test_fx_num(&f, "scale_down_stabilization_s", 0);
	test_fx_num(&f, "scale_down_pods", 2);
	test_fx_num(&f, "scale_down_percent", 0);
	test_fx_num(&f, "scale_down_period_s", 60);
	test_fx_num(&f, "scale_up_pods", 1);
	test_fx_num(&f, "scale_up_percent", 0);
	test_fx_num(&f, "scale_up_period_s", 60);
	f.util[0] = 0;
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 4);
	f.util[0] = 1.0;
	d = test_fx_decide(&f, 15);
	T_EQ_INT(d.desired, 7);
	d = test_fx_decide(&f, 30);    /* start = 7 - 3 + 2 = 6: bound 7 */
	T_EQ_INT(d.desired, 7);
	test_fx_end(&f);
}

static void test_clamps(void)
{
	struct test_fx f;
	fx_begin(&f, "hpa", 2, 1);
	f.fn[0].max_replicas = 5;
	test_fx_num(&f, "target_utilization", 0.1);
	f.util[0] = 1.0;
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 5);
	T_STR_CONTAINS(d.reason, "max_replicas");
	test_fx_end(&f);

	fx_begin(&f, "hpa", 4, 1);
	f.fn[0].min_replicas = 2;
	test_fx_num(&f, "scale_down_stabilization_s", 0);
	f.util[0] = 0;
	test_fx_init(&f);
	d = test_fx_decide(&f, 0);     /* raw 0, 100% policy allows 0, min 2 */
	T_EQ_INT(d.desired, 2);
	T_STR_CONTAINS(d.reason, "min_replicas");
	test_fx_end(&f);

	/* outside the bounds: straight to them */
	fx_begin(&f, "hpa", 8, 1);
	f.fn[0].max_replicas = 5;
	f.util[0] = 0.8;
	test_fx_init(&f);
	d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 5);
	test_fx_end(&f);
	fx_begin(&f, "hpa", 1, 1);
	f.fn[0].min_replicas = 3;
	f.util[0] = 0.8;
	test_fx_init(&f);
	d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 3);
	test_fx_end(&f);
}

static void test_zero(void)
{
	struct test_fx f;
	fx_begin(&f, "hpa", 0, 1);
	test_fx_enum(&f, "metric", "lag");
	f.gauge[0][MON_LAG] = 1000;
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, -1);
	T_STR_CONTAINS(d.reason, "scaling disabled");
	test_fx_end(&f);

	/* minReplicas 0 (HPAScaleToZero): lag 25 / 10 from 0 -> 3 */
	fx_begin(&f, "hpa", 0, 1);
	f.fn[0].min_replicas = 0;
	test_fx_enum(&f, "metric", "lag");
	f.gauge[0][MON_LAG] = 25;
	test_fx_init(&f);
	d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 3);
	test_fx_end(&f);

	/* unmanaged: left alone */
	fx_begin(&f, "hpa", 2, 1);
	f.fn[0].managed = 0;
	f.util[0] = 1;
	test_fx_init(&f);
	d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, -1);
	test_fx_end(&f);
}

static void test_lag(void)
{
	static const struct { int ready; double lag; int want, raw; } c[] = {
		{4, 55, 6, 6},     /* ceil(55 / 10) */
		{4, 41, 4, 4},     /* 41 / (10 x 4) within tolerance */
		{4, 35, 4, 4},     /* 0.875: raw 4, down stabilized anyway */
		{2, 95, 6, 10},    /* raw 10, up limited to 6 */
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct test_fx f;
		fx_begin(&f, "hpa", c[i].ready, 1);
		test_fx_enum(&f, "metric", "lag");
		f.gauge[0][MON_LAG] = c[i].lag;
		test_fx_init(&f);
		struct scale_decision d = test_fx_decide(&f, 0);
		T_EQ_INT(d.desired, c[i].want);
		T_EQ_INT(test_observed(&d, "raw"), c[i].raw);
		test_fx_end(&f);
	}
}

static void test_pending(void)
{
	/* 2 ready + 2 pending, cpu ratio 2: with the pending at 0 the ratio
	 * is 1, within tolerance -> keep 4 */
	struct test_fx f;
	fx_begin(&f, "hpa", 2, 1);
	f.fn[0].target = 4;
	f.fn[0].pending = 2;
	test_fx_num(&f, "target_utilization", 0.4);
	f.util[0] = 0.8;
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 4);
	T_STR_CONTAINS(d.reason, "pending");
	test_fx_end(&f);

	/* ratio 84/40 = 2.1; with the pending at 0: 42/40 = 1.05, within
	 * tolerance, although ceil(1.05 x 4) = 5 -> keep 4 */
	fx_begin(&f, "hpa", 2, 1);
	f.fn[0].target = 4;
	f.fn[0].pending = 2;
	test_fx_num(&f, "target_utilization", 0.4);
	f.util[0] = 0.84;
	test_fx_init(&f);
	d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 4);
	test_fx_end(&f);

	/* ratio 3: 45/30 = 1.5 over 4 pods -> 6 */
	fx_begin(&f, "hpa", 2, 1);
	f.fn[0].target = 4;
	f.fn[0].pending = 2;
	test_fx_num(&f, "target_utilization", 0.3);
	f.util[0] = 0.9;
	test_fx_init(&f);
	d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 6);
	test_fx_end(&f);
}

static void test_pod_metrics(void)
{
	/* concurrency: 10 slots, default target 8 in flight per replica */
	struct test_fx f;
	fx_begin(&f, "hpa", 2, 10);
	test_fx_enum(&f, "metric", "concurrency");
	f.util[0] = 0.8;    /* 8 per replica: ratio 1 */
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 2);
	T_NEAR(test_observed(&d, "value"), 8, 1e-9);
	test_fx_end(&f);
	fx_begin(&f, "hpa", 2, 10);
	test_fx_enum(&f, "metric", "concurrency");
	f.util[0] = 0.95;   /* 9.5 / 8 -> ceil(2.375) */
	test_fx_init(&f);
	d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 3);
	test_fx_end(&f);

	/* rps: 30/s over 2 replicas, target 5 per replica -> ceil(3 x 2) */
	fx_begin(&f, "hpa", 2, 1);
	test_fx_enum(&f, "metric", "rps");
	test_fx_num(&f, "target_value", 5);
	f.rate[0][MON_ARRIVALS] = 30;
	test_fx_init(&f);
	d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 6);
	T_NEAR(test_observed(&d, "value"), 15, 1e-9);
	test_fx_end(&f);
}

static void test_legacy(void)
{
	/* no behavior block: scale-up capped at max(2N, 4) per sync */
	for (int n = 2; n <= 3; n++) {
		struct test_fx f;
		fx_begin(&f, "hpa", n, 1);
		test_fx_enum(&f, "behavior", "none");
		test_fx_num(&f, "target_utilization", 0.1);
		f.util[0] = 1.0;
		test_fx_init(&f);
		struct scale_decision d = test_fx_decide(&f, 0);
		T_EQ_INT(d.desired, n == 2 ? 4 : 6);
		d = test_fx_decide(&f, 15);   /* no period memory: doubles again */
		T_EQ_INT(d.desired, n == 2 ? 8 : 12);
		test_fx_end(&f);
	}
}

static void test_no_metrics(void)
{
	struct test_fx f;
	fx_begin(&f, "hpa", 0, 1);
	f.fn[0].target = 2;
	f.fn[0].pending = 2;
	f.util[0] = 0;
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, -1);
	T_STR_CONTAINS(d.reason, "no ready replica");
	test_fx_end(&f);
}

int test_hpa_register(void)
{
	CU_pSuite s = CU_add_suite("hpa", NULL, NULL);
	if (!s)
		return -1;
	struct { const char *name; void (*fn)(void); } t[] = {
		{"registry", test_registry},
		{"params", test_params},
		{"static", test_static},
		{"tolerance", test_tolerance},
		{"scale_up", test_scale_up},
		{"scale_down_window", test_scale_down_window},
		{"scale_up_window", test_scale_up_window},
		{"scale_down_rate", test_scale_down_rate},
		{"period_start_up", test_period_start_up},
		{"percent_rounding", test_percent_rounding},
		{"period_start_mixed", test_period_start_mixed},
		{"clamps", test_clamps},
		{"zero", test_zero},
		{"lag", test_lag},
		{"pending", test_pending},
		{"pod_metrics", test_pod_metrics},
		{"legacy", test_legacy},
		{"no_metrics", test_no_metrics},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!CU_add_test(s, t[i].name, t[i].fn))
			return -1;
	return 0;
}
