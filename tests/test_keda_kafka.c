/*
 * test_keda_kafka: the keda-kafka policy driven directly. One function fed by
 * `partitions` partitions; the monitor is scraped every 5 s with the lag
 * gauge the test sets; decisions every 15 s (the HPA sync), so KEDA's 30-s
 * polls fall on every second decision (t = 0, 30, 60, ...). Each decision is
 * applied as the engine would, with new replicas ready at once. Expected
 * counts are worked out by hand from kafka_scaler.go (getTotalLag), the
 * executor (scale_scaledobjects.go) and the HPA rules, noted beside each
 * check. Defaults: lagThreshold 10, tolerance 0.1, scale-up max(4 pods,
 * 100%) per 15 s, scale-down stabilization 300 s.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "monitor.h"
#include "param.h"
#include "policy.h"
#include "config.h"
#include "model.h"
#include "testutil.h"

/* The shared fixture for one entry function "src" fed by `partitions`,
 * at `replicas`, scraped every 5 s from t = -60; tests set the lag gauge. */
static void kfx_begin(struct test_fx *f, int replicas, int partitions)
{
	test_fx_begin(f, "keda-kafka", 1, 5);
	f->fn[0].name = "src";
	f->fn[0].target = f->fn[0].ready = replicas;
	f->fn[0].partitions = partitions;
	f->t = -60;
}

/* One decision at t = 0 (a poll, and the HPA's first sync). */
static struct scale_decision once(int replicas, int partitions, double lag,
				  const char *flag, double flag_value)
{
	struct test_fx f;
	kfx_begin(&f, replicas, partitions);
	if (flag)
		test_fx_num(&f, flag, flag_value);
	f.gauge[0][MON_LAG] = lag;
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 0);
	test_fx_end(&f);
	return d;
}

static void test_params(void)
{
	const struct policy *p = policy_find("keda-kafka");
	CU_ASSERT_FATAL(p != NULL);
	T_NEAR(p->interval_s, 15, 0);
	T_EQ_INT(p->wake_from_zero, 0);
	struct { const char *name; double def; } keda[] = {
		{"lag_threshold", 10}, {"activation_lag_threshold", 0},
		{"allow_idle_consumers", 0},
		{"ensure_even_distribution_of_partitions", 0},
		{"limit_to_partitions_with_lag", 0}, {"exclude_persistent_lag", 0},
		{"polling_interval_s", 30}, {"cooldown_period_s", 300},
		{"initial_cooldown_period_s", 0}, {"idle_replica_count", -1},
		{"min_replica_count", 0}, {"max_replica_count", 100},
		{"tolerance", 0.1}, {"scale_up_stabilization_s", 0},
		{"scale_down_stabilization_s", 300}, {"scale_up_pods", 4},
		{"scale_up_percent", 100}, {"scale_up_period_s", 15},
		{"scale_down_pods", 0}, {"scale_down_percent", 100},
		{"scale_down_period_s", 15},
	};
	for (size_t i = 0; i < sizeof keda / sizeof keda[0]; i++) {
		int k = param_find(p->params, p->nparams, keda[i].name);
		T_TRUE(k >= 0, "no parameter %s", keda[i].name);
		if (k >= 0)
			T_NEAR(p->params[k].def, keda[i].def, 0);
	}

	/* ScaledObject validation: idle must be below max(min, 1); min <= max */
	struct { const char *name; double v; } bad[] = {
		{"idle_replica_count", 1}, {"min_replica_count", 101},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct test_fx f;
		kfx_begin(&f, 1, 4);
		test_fx_num(&f, bad[i].name, bad[i].v);
		struct err e = {0};
		T_TRUE(test_fx_try_init(&f, &e) < 0, "%s = %g accepted",
		       bad[i].name, bad[i].v);
		T_EQ_INT(e.code, ERR_INPUT);
		T_STR_CONTAINS(e.msg, "src");
		test_fx_end(&f);
	}
}

static void test_lag_95(void)
{
	/* 5 replicas, 16 partitions (no cap): ratio 95 / (10 x 5) = 1.9,
	 * raw ceil(95 / 10) = 10; up limit from 5: max(5 + 4, 2 x 5) = 10 */
	struct scale_decision d = once(5, 16, 95, NULL, 0);
	T_EQ_INT(d.desired, 10);
	T_NEAR(test_observed(&d, "raw"), 10, 0);
	T_NEAR(test_observed(&d, "ratio"), 1.9, 1e-12);
	T_NEAR(test_observed(&d, "active"), 1, 0);
	T_STR_CONTAINS(d.reason, "ceil(95 / 10) = 10");

	/* from 2: raw 10, limit max(2 + 4, 2 x 2) = 6; 15 s later the event
	 * of t = 0 is not after now - 15, so periodStart is 6 and the limit
	 * max(10, 12) lets the raw 10 (95 / 60 = 1.58) through */
	struct test_fx f;
	kfx_begin(&f, 2, 16);
	f.gauge[0][MON_LAG] = 95;
	test_fx_init(&f);
	d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 6);
	T_NEAR(test_observed(&d, "raw"), 10, 0);
	T_STR_CONTAINS(d.reason, "scale-up rate limit");
	d = test_fx_decide(&f, 15);
	T_EQ_INT(d.desired, 10);
	T_TRUE(isnan(test_observed(&d, "active")), "t=15 polled: %s", d.reason);
	test_fx_end(&f);
}

static void test_period_start(void)
{
	/* scale_up_period_s 60: from 2 (lag 1000, 128 partitions) the limit
	 * is max(2 + 4, 2 x 2) = 6; 15 s later the +4 of t = 0 is inside the
	 * period, periodStart = 6 - 4 = 2, so the limit is still 6 */
	struct test_fx f;
	kfx_begin(&f, 2, 128);
	test_fx_num(&f, "scale_up_period_s", 60);
	f.gauge[0][MON_LAG] = 1000;
	test_fx_init(&f);
	T_EQ_INT(test_fx_decide(&f, 0).desired, 6);
	T_EQ_INT(test_fx_decide(&f, 15).desired, 6);
	test_fx_end(&f);

	/* scale-down 50% per 60 s, no stabilization: from 8 with lag 10
	 * (ratio 10 / 80, raw 1) the bound is trunc(8 x 0.5) = 4; at t = 15
	 * periodStart = 4 + 4 = 8 again, so the bound stays 4 */
	kfx_begin(&f, 8, 32);
	test_fx_num(&f, "scale_down_stabilization_s", 0);
	test_fx_num(&f, "scale_down_percent", 50);
	test_fx_num(&f, "scale_down_period_s", 60);
	f.gauge[0][MON_LAG] = 10;
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 4);
	T_NEAR(test_observed(&d, "raw"), 1, 0);
	T_STR_CONTAINS(d.reason, "scale-down rate limit");
	T_EQ_INT(test_fx_decide(&f, 15).desired, 4);
	test_fx_end(&f);
}

static void test_partition_cap(void)
{
	/* 8 partitions, lag 1000: 1000 / 10 = 100 > 8 -> metric 8 x 10 = 80;
	 * from 4: ratio 80 / 40 = 2, raw 8, limit max(8, 8) -> 8 */
	struct scale_decision d = once(4, 8, 1000, NULL, 0);
	T_EQ_INT(d.desired, 8);
	T_NEAR(test_observed(&d, "metric"), 80, 0);
	T_STR_CONTAINS(d.reason, "capped at 8 partitions");

	/* the cap compares lag / threshold in integer division: 85 / 10 = 8
	 * is not above 8, the metric stays 85, and from 5 (ratio 1.7) the
	 * HPA asks ceil(8.5) = 9 > 8 partitions (limit max(9, 10)) */
	d = once(5, 8, 85, NULL, 0);
	T_NEAR(test_observed(&d, "metric"), 85, 0);
	T_EQ_INT(d.desired, 9);

	/* allowIdleConsumers: no cap. From 60, lag 1000: ratio 1000/600,
	 * raw 100; limit max(64, 120) = 120, max_replica_count 100 -> 100 */
	d = once(60, 8, 1000, "allow_idle_consumers", 1);
	T_NEAR(test_observed(&d, "metric"), 1000, 0);
	T_NEAR(test_observed(&d, "raw"), 100, 0);
	T_EQ_INT(d.desired, 100);
	/* lag 2000: raw 200, capped by max_replica_count 100 */
	d = once(60, 8, 2000, "allow_idle_consumers", 1);
	T_NEAR(test_observed(&d, "raw"), 200, 0);
	T_EQ_INT(d.desired, 100);
	T_STR_CONTAINS(d.reason, "max_replica_count");
}

/*
 * Per-partition lag from the topic view: 8 partitions, lag 500 on
 * partitions 0 and 1 (end 600, committed 100), none elsewhere.
 * - default: 1000 / 10 = 100 > 8 partitions -> metric 80;
 * - limitToPartitionsWithLag: 100 > 2 -> metric 2 x 10 = 20; from 1
 *   replica, ratio 2 -> 2;
 * - excludePersistentLag: at 0 nothing is known before, so 1000; at 15
 *   partition 0 has committed 10 more (and 10 more were appended: lag
 *   still 500) and partition 1 has not moved: the metric counts 500, while
 *   activation still sees 1000.
 */
static void test_partition_lag(void)
{
	static const int target0 = 0;
	for (int mode = 0; mode < 3; mode++) {
		int64_t end[8] = {600, 600}, committed[8] = {100, 100};
		struct topic_view tv = {
			.name = "in", .partitions = 8, .end_offset = end,
			.committed = committed, .ntargets = 1,
			.targets = &target0,
		};
		struct test_fx f;
		kfx_begin(&f, 1, 8);
		if (mode == 1)
			test_fx_num(&f, "limit_to_partitions_with_lag", 1);
		if (mode == 2)
			test_fx_num(&f, "exclude_persistent_lag", 1);
		f.ntopics = 1;
		f.topics = &tv;
		f.gauge[0][MON_LAG] = 7;   /* ignored when topics are known */
		test_fx_init(&f);
		struct scale_decision d = test_fx_decide(&f, 0);
		T_NEAR(test_observed(&d, "lag"), 1000, 0);
		T_NEAR(test_observed(&d, "partitions_with_lag"), 2, 0);
		if (mode == 0) {
			T_NEAR(test_observed(&d, "metric"), 80, 0);
			T_STR_CONTAINS(d.reason, "capped at 8 partitions x 10");
		} else if (mode == 1) {
			T_NEAR(test_observed(&d, "metric"), 20, 0);
			T_STR_CONTAINS(d.reason, "capped at 2 partitions with lag");
			T_EQ_INT(d.desired, 2);
		} else {
			end[0] += 10;
			committed[0] += 10;
			d = test_fx_decide(&f, 15);
			T_NEAR(test_observed(&d, "lag"), 500, 0);
			T_NEAR(test_observed(&d, "lag_with_persistent"), 1000, 0);
			T_NEAR(test_observed(&d, "partitions_with_lag"), 1, 0);
		}
		test_fx_end(&f);
	}
}

static void test_even_distribution(void)
{
	/* 12 partitions (factors 1 2 3 4 6 12), lag 45: the first factor with
	 * f x 10 >= 45 is 6 -> metric 60; from 3: ratio 2, raw 6, limit
	 * max(7, 6) = 7 -> 6 */
	const char *even = "ensure_even_distribution_of_partitions";
	struct scale_decision d = once(3, 12, 45, even, 1);
	T_NEAR(test_observed(&d, "metric"), 60, 0);
	T_EQ_INT(d.desired, 6);
	T_STR_CONTAINS(d.reason, "even split");
	/* without it: ratio 45 / 30 = 1.5, raw ceil(4.5) = 5 */
	d = once(3, 12, 45, NULL, 0);
	T_NEAR(test_observed(&d, "metric"), 45, 0);
	T_EQ_INT(d.desired, 5);
	/* lag 130 > 12 x 10: no factor fits, all 12 partitions -> metric 120,
	 * 120 / 10 = 12 is not above 12; from 8: ratio 1.5 -> raw 12 */
	d = once(8, 12, 130, even, 1);
	T_NEAR(test_observed(&d, "metric"), 120, 0);
	T_EQ_INT(d.desired, 12);

	/* evenDist keeps the cap even with allowIdleConsumers (the condition
	 * is !allowIdle || limitToPartitionsWithLag || evenDist): lag 1000 ->
	 * 12 x 10 = 120; at 12 replicas ratio 1 -> within tolerance */
	struct test_fx f;
	kfx_begin(&f, 12, 12);
	test_fx_num(&f, even, 1);
	test_fx_num(&f, "allow_idle_consumers", 1);
	f.gauge[0][MON_LAG] = 1000;
	test_fx_init(&f);
	d = test_fx_decide(&f, 0);
	T_NEAR(test_observed(&d, "metric"), 120, 0);
	T_EQ_INT(d.desired, 12);
	test_fx_end(&f);
}

static void test_tolerance(void)
{
	/* 10 replicas, 32 partitions: lag 105 -> 1.05, lag 110 -> 1.1 (the
	 * bound is inclusive), lag 90 -> 0.9: all keep 10 */
	double keep[] = {105, 110, 90};
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		struct scale_decision d = once(10, 32, keep[i], NULL, 0);
		T_EQ_INT(d.desired, 10);
		T_STR_CONTAINS(d.reason, "within tolerance");
	}
	/* lag 111 -> 1.11: raw ceil(11.1) = 12, limit 20 -> 12 */
	struct scale_decision d = once(10, 32, 111, NULL, 0);
	T_EQ_INT(d.desired, 12);
	/* lag 89 -> 0.89: raw 9, but the initial recommendation (10) holds
	 * the scale-down for 300 s */
	d = once(10, 32, 89, NULL, 0);
	T_NEAR(test_observed(&d, "raw"), 9, 0);
	T_EQ_INT(d.desired, 10);
	/* tolerance 0.2: lag 111 is within */
	d = once(10, 32, 111, "tolerance", 0.2);
	T_EQ_INT(d.desired, 10);
}

static void test_activation(void)
{
	/* activationLagThreshold 50 at 0 replicas: lag 50 is not active
	 * (strictly greater), the HPA is disabled at 0 */
	struct test_fx f;
	kfx_begin(&f, 0, 8);
	test_fx_num(&f, "activation_lag_threshold", 50);
	f.gauge[0][MON_LAG] = 50;
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, -1);
	T_NEAR(test_observed(&d, "active"), 0, 0);
	T_STR_CONTAINS(d.reason, "inactive");
	f.gauge[0][MON_LAG] = 60;
	d = test_fx_decide(&f, 15);   /* no poll: stays 0 */
	T_EQ_INT(d.desired, -1);
	T_STR_CONTAINS(d.reason, "scaling disabled");
	d = test_fx_decide(&f, 30);   /* poll: 60 > 50 -> max(0, 1) */
	T_EQ_INT(d.desired, 1);
	T_NEAR(test_observed(&d, "active"), 1, 0);
	test_fx_end(&f);
}

static void test_scale_from_zero(void)
{
	/* polls at 0, 30, 60; lag appears at the t = 5 scrape */
	struct test_fx f;
	kfx_begin(&f, 0, 16);
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, -1);
	f.gauge[0][MON_LAG] = 95;
	d = test_fx_decide(&f, 15);   /* HPA only, and it is disabled at 0 */
	T_EQ_INT(d.desired, -1);
	T_TRUE(isnan(test_observed(&d, "active")), "t=15 polled: %s", d.reason);
	d = test_fx_decide(&f, 30);   /* KEDA: active at 0 -> 1; the HPA skips */
	T_EQ_INT(d.desired, 1);
	T_STR_CONTAINS(d.reason, "scale from zero");
	T_TRUE(isnan(test_observed(&d, "raw")), "the HPA ran at t=30: %s", d.reason);
	d = test_fx_decide(&f, 45);   /* ratio 9.5, raw 10, limit max(5, 2) */
	T_EQ_INT(d.desired, 5);
	d = test_fx_decide(&f, 60);   /* poll active; HPA raw 10, limit 10 */
	T_EQ_INT(d.desired, 10);
	T_NEAR(test_observed(&d, "since_active"), 0, 0);
	test_fx_end(&f);

	/* minReplicaCount 2: activation goes straight to 2 */
	struct scale_decision d2 = once(0, 16, 1, "min_replica_count", 2);
	T_EQ_INT(d2.desired, 2);
}

static void test_cooldown(void)
{
	/* 1 replica, lag 5 (active) at the polls of 0 and 30; lag 0 from the
	 * t = 35 scrape. Last active poll: 30, so the scale to zero comes at
	 * the first poll with now >= 30 + 300, i.e. t = 330; until then the
	 * HPA holds 1 (its minReplicas, and raw 0 is stabilized at 1) */
	struct test_fx f;
	kfx_begin(&f, 1, 8);
	f.gauge[0][MON_LAG] = 5;
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 1);   /* ceil(5 / 10) = 1 */
	d = test_fx_decide(&f, 15);
	d = test_fx_decide(&f, 30);
	T_NEAR(test_observed(&d, "active"), 1, 0);
	f.gauge[0][MON_LAG] = 0;
	for (double t = 45; t < 300; t += 15) {
		d = test_fx_decide(&f, t);
		T_EQ_INT(d.desired, 1);
		if (d.desired != 1) {
			fprintf(stderr, "  at t=%g: %s\n", t, d.reason);
			break;
		}
	}
	d = test_fx_decide(&f, 300);  /* 270 s since the last active poll */
	T_EQ_INT(d.desired, 1);
	T_STR_CONTAINS(d.reason, "cooling down 270s of 300s");
	T_NEAR(test_observed(&d, "since_active"), 270, 0);
	T_EQ_INT(test_fx_decide(&f, 315).desired, 1);
	d = test_fx_decide(&f, 330);
	T_EQ_INT(d.desired, 0);
	T_STR_CONTAINS(d.reason, "cooldown 300s");
	d = test_fx_decide(&f, 345);  /* HPA disabled at 0 */
	T_EQ_INT(d.desired, -1);
	d = test_fx_decide(&f, 360);  /* inactive at 0: nothing */
	T_EQ_INT(d.desired, -1);
	test_fx_end(&f);
}

static void test_initial_cooldown(void)
{
	/* never active: LastActiveTime is nil and initialCooldownPeriod 0,
	 * so the first poll scales an idle function to zero */
	struct scale_decision d = once(3, 8, 0, NULL, 0);
	T_EQ_INT(d.desired, 0);
	T_STR_CONTAINS(d.reason, "initial cooldown");

	/* initialCooldownPeriod 60: polls at 0 and 30 wait, 60 scales in */
	struct test_fx f;
	kfx_begin(&f, 1, 8);
	test_fx_num(&f, "initial_cooldown_period_s", 60);
	test_fx_init(&f);
	T_EQ_INT(test_fx_decide(&f, 0).desired, 1);
	T_EQ_INT(test_fx_decide(&f, 15).desired, 1);
	T_EQ_INT(test_fx_decide(&f, 30).desired, 1);
	T_EQ_INT(test_fx_decide(&f, 45).desired, 1);
	T_EQ_INT(test_fx_decide(&f, 60).desired, 0);
	test_fx_end(&f);
}

static void test_idle_and_min(void)
{
	/* minReplicaCount 3, idleReplicaCount 0: activation -> 3; the HPA
	 * (minReplicas 3) holds 3 while lag is 0; the poll at 300 (cooldown
	 * from the active poll at 0) goes to the idle count */
	struct test_fx f;
	kfx_begin(&f, 0, 8);
	test_fx_num(&f, "min_replica_count", 3);
	test_fx_num(&f, "idle_replica_count", 0);
	f.gauge[0][MON_LAG] = 20;
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, 3);
	f.gauge[0][MON_LAG] = 0;
	for (double t = 15; t < 300; t += 15) {
		d = test_fx_decide(&f, t);
		T_EQ_INT(d.desired, 3);
	}
	d = test_fx_decide(&f, 300);
	T_EQ_INT(d.desired, 0);
	test_fx_end(&f);

	/* minReplicaCount 3 without idle: inactive at 0 -> raised to 3 */
	d = once(0, 8, 0, "min_replica_count", 3);
	T_EQ_INT(d.desired, 3);
	T_STR_CONTAINS(d.reason, "below min_replica_count");
}

static void test_not_entry(void)
{
	/* no partitions feed it: no Kafka trigger, the target is kept */
	struct scale_decision d = once(4, 0, 1000, NULL, 0);
	T_EQ_INT(d.desired, -1);
	T_STR_CONTAINS(d.reason, "no Kafka trigger");
	/* an unmanaged function is not touched */
	struct test_fx f;
	kfx_begin(&f, 0, 8);
	f.fn[0].managed = 0;
	f.gauge[0][MON_LAG] = 1000;
	test_fx_init(&f);
	d = test_fx_decide(&f, 0);
	T_EQ_INT(d.desired, -1);
	T_EQ_INT(strlen(d.reason), 0);
	test_fx_end(&f);
}

/* In the engine: 100 msg/s into 4 partitions, 0.1 s per message. The lag
 * grows without bound (10 replicas are needed), yet KEDA never asks for
 * more consumers than partitions: the replicas stay at 4, and the drained
 * backlog shows the 40 msg/s that 4 consumers serve. */
static void test_engine_partition_cap(void)
{
	struct config *cfg;
	struct model *m = test_run_json(
		"{\"duration_s\":600,\"sources\":[{\"topic\":\"in\","
		"\"partitions\":4,\"arrivals\":{\"workload\":\"poisson\","
		"\"rate\":100},\"to\":[\"f\"]}],"
		"\"functions\":[{\"name\":\"f\",\"service\":0.1,"
		"\"min_replicas\":0,\"initial_replicas\":1,\"max_replicas\":50}],"
		"\"monitor\":{\"scrape_interval_s\":5},"
		"\"autoscaler\":{\"policy\":\"keda-kafka\"}}", &cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	double reps = model_metric(m, "f", "mean_replicas");
	/* 1 replica until the first decisions, then exactly 4 */
	T_TRUE(reps > 3.5 && reps <= 4.0, "mean replicas %g, expected just "
	       "under 4 (capped at the partition count)", reps);
	double tput = model_metric(m, "f", "completions") / 600;
	T_TRUE(tput > 35 && tput <= 40.0 + 1e-9, "throughput %g/s, 4 consumers "
	       "serve at most 40/s", tput);
	model_free(m);
	config_free(cfg);
}

int test_keda_kafka_register(void)
{
	CU_pSuite s = CU_add_suite("keda_kafka", NULL, NULL);
	if (!s)
		return -1;
	struct { const char *name; void (*fn)(void); } t[] = {
		{"params", test_params},
		{"lag_95", test_lag_95},
		{"period_start", test_period_start},
		{"partition_cap", test_partition_cap},
		{"partition_lag", test_partition_lag},
		{"even_distribution", test_even_distribution},
		{"tolerance", test_tolerance},
		{"activation", test_activation},
		{"scale_from_zero", test_scale_from_zero},
		{"cooldown", test_cooldown},
		{"initial_cooldown", test_initial_cooldown},
		{"idle_and_min", test_idle_and_min},
		{"not_entry", test_not_entry},
		{"engine: capped at the partition count", test_engine_partition_cap},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!CU_add_test(s, t[i].name, t[i].fn))
			return -1;
	return 0;
}
