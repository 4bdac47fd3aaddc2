/*
 * test_lambda: AWS Lambda's platform rules run in the real engine (burst
 * bucket, account concurrency, throttling with retries, keep-alive) and the
 * Kafka event-source mapping's poller rule driven with synthetic metrics.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "hist.h"
#include "model.h"
#include "policy.h"
#include "testutil.h"

#define SPIKE 3000

/* SPIKE requests 0.1 ms apart (the spike lasts 0.3 s). */
static char *spike_trace(void)
{
	static double t[SPIKE];
	for (int i = 0; i < SPIKE; i++)
		t[i] = i * 1e-4;
	return test_write_trace(t, SPIKE);
}

static struct model *run_spike(const char *path, const char *policy_params,
			       double service, struct config **cfg)
{
	char json[2048];
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":"
		 "\"spate-csv\",\"path\":\"%s\"},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":%g,"
		 "\"cold_start\":0.001,\"min_replicas\":0,\"max_replicas\":100000,"
		 "\"initial_replicas\":0}],"
		 "\"autoscaler\":{\"policy\":\"lambda\"%s}}",
		 path, service, policy_params);
	return test_run_json(json, cfg);
}

/* Burst 1000 per 10 s = 100 tokens/s on top of 1000. Service 100 s, so no
 * environment is reused during the spike: each request needs its own, and
 * the k-th one can start only once 1000 + 100 t >= k. */
static void test_burst_throttles_spike(void)
{
	char *path = spike_trace();
	CU_ASSERT_PTR_NOT_NULL_FATAL(path);
	struct config *cfg;
	struct model *m = run_spike(path, ",\"account_concurrency\":0,"
				    "\"retry_base_s\":0.5,\"retry_max_s\":0.5",
				    100, &cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	test_check_laws(m);
	T_NEAR(model_metric(m, "e2e", "completions"), SPIKE, 0);
	/* one environment per request, none reused */
	T_NEAR(model_metric(m, "f", "cold_starts"), SPIKE, 0);
	/* request i (arriving at i * 0.1 ms) gets a token on its first try
	 * iff i < 1000 + 100 * i * 1e-4, i.e. i <= 1010: the other 1989 are
	 * throttled at least once */
	double thr = model_metric(m, "f", "throttles");
	T_TRUE(thr >= SPIKE - 1011, "throttles %g, expected >= %d", thr,
	       SPIKE - 1011);
	/* the 3000th environment needs 1000 + 100 t >= 3000: t >= 20 s; its
	 * request arrived by 0.3 s and retries every U(0, 0.5) s, so it
	 * starts within (20, 20.5]: latency in [100 + 19.7, 100 + 20.6] */
	const struct hist *h = model_hist(m, "e2e");
	T_TRUE(hist_max(h) >= 119.7 && hist_max(h) <= 120.6,
	       "max latency %.4f, expected in [119.7, 120.6]", hist_max(h));
	T_NEAR(hist_min(h), 100.001, 1e-6);
	model_free(m);
	config_free(cfg);

	/* without the burst limit nobody waits */
	m = run_spike(path, ",\"burst\":0,\"account_concurrency\":0", 100, &cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	T_NEAR(model_metric(m, "f", "throttles"), 0, 0);
	T_NEAR(hist_max(model_hist(m, "e2e")), 100.001, 1e-6);
	model_free(m);
	config_free(cfg);
	unlink(path);
	free(path);
}

/* Account concurrency 500, no burst limit, 1 s service: at most 500
 * requests in flight, so at most 500 environments ever exist (idle ones
 * are reused: keep-alive 10 min), and the throttled rest is retried, not
 * lost. */
static void test_account_concurrency(void)
{
	char *path = spike_trace();
	CU_ASSERT_PTR_NOT_NULL_FATAL(path);
	struct config *cfg;
	struct model *m = run_spike(path, ",\"burst\":0,"
				    "\"account_concurrency\":500", 1, &cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	test_check_laws(m);
	T_NEAR(model_metric(m, "e2e", "completions"), SPIKE, 0);
	T_NEAR(model_metric(m, "e2e", "dropped"), 0, 0);
	double envs = model_metric(m, "f", "cold_starts");
	T_TRUE(envs <= 500 && envs >= 499, "environments %g, expected 500",
	       envs);
	/* arrivals 500..2999 find 500 in flight on their first try */
	T_TRUE(model_metric(m, "f", "throttles") >= SPIKE - 500,
	       "throttles %g", model_metric(m, "f", "throttles"));
	/* 3000 requests through 500 slots of 1 s: the last finishes no
	 * earlier than 6 s */
	T_TRUE(hist_max(model_hist(m, "e2e")) >= 6 - 0.3,
	       "max latency %g", hist_max(model_hist(m, "e2e")));
	model_free(m);
	config_free(cfg);
	unlink(path);
	free(path);
}

static void test_rejects_concurrency(void)
{
	struct err e = {0};
	struct config *cfg = config_parse(
		"{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":"
		"\"poisson\",\"rate\":1,\"count\":10},\"to\":[\"f\"]}],"
		"\"functions\":[{\"name\":\"f\",\"service\":1,\"concurrency\":4}],"
		"\"autoscaler\":{\"policy\":\"lambda\"}}", "t.json", NULL, 0,
		&e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	struct model *m = model_new(cfg, &e);
	T_TRUE(m == NULL, "a concurrency-4 function was accepted");
	T_STR_CONTAINS(e.msg, "concurrency 4");
	model_free(m);
	config_free(cfg);
}

/* kafka-esm: pollers = ceil((append rate + lag / 60 s) x service time),
 * at most one per partition, removed one per evaluation. */
static void test_esm_pollers(void)
{
	const struct policy *pol = policy_find("lambda");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
	union param_val p[16];
	for (size_t i = 0; i < pol->nparams; i++)
		p[i].num = pol->params[i].def;
	int mode = param_find(pol->params, pol->nparams, "mode");
	p[mode].num = param_choice_index(&pol->params[mode], "kafka-esm");
	const union param_val *pp[1] = { p };
	struct fn_view fv = {
		.name = "f", .managed = 1, .min_replicas = 0, .max_replicas = 100,
		.target = 1, .ready = 1, .concurrency = 1, .partitions = 8,
	};
	struct policy_ctx ctx = { .nfn = 1, .fn = &fv, .params = pp,
				  .interval = 60 };
	struct err e = {0};
	void *st = pol->init(&ctx, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	struct platform_rules rules = {0};
	T_EQ_INT(pol->platform(st, &ctx, &rules, &e), 0);
	T_EQ_INT(rules.per_request, 0);
	T_NEAR(rules.keep_alive_s, 600, 0);

	struct mon *mon = mon_new(1, 15, 600);
	double v[MON_NMETRICS] = {0};
	/* 60 s at 50 appends/s, 300 completions of 0.1 s each; lag 600 */
	for (int k = 0; k <= 4; k++) {
		v[MON_SOURCE_APPENDS] = 50.0 * 15 * k;
		v[MON_COMPLETIONS] = 75.0 * k;
		v[MON_BUSY_TIME] = 7.5 * k;
		v[MON_LAG] = 600;
		mon_push(mon, 15.0 * k, v);
	}
	struct scale_view view = { .now = 60, .nfn = 1, .fn = &fv, .mon = mon };
	struct scale_decision d = { .desired = -1 };
	pol->decide(st, &view, &d);
	/* (50 + 600 / 60) x 0.1 = 6 */
	T_EQ_INT(d.desired, 6);
	/* 4 partitions cap it */
	fv.partitions = 4;
	d = (struct scale_decision){ .desired = -1 };
	pol->decide(st, &view, &d);
	T_EQ_INT(d.desired, 4);
	/* load gone: from 4 pollers, one fewer per evaluation */
	fv.target = fv.ready = 4;
	for (int k = 5; k <= 8; k++) {
		v[MON_LAG] = 0;
		v[MON_COMPLETIONS] += 1;
		v[MON_BUSY_TIME] += 0.1;
		mon_push(mon, 15.0 * k, v);
	}
	view.now = 120;
	d = (struct scale_decision){ .desired = -1 };
	pol->decide(st, &view, &d);
	T_EQ_INT(d.desired, 3);
	pol->fini(st);
	mon_free(mon);
}

int test_lambda_register(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ .name = "burst limit throttles a spike",
		  .fn = test_burst_throttles_spike },
		{ .name = "account concurrency", .fn = test_account_concurrency },
		{ .name = "concurrency must be 1", .fn = test_rejects_concurrency },
		{ .name = "kafka-esm pollers", .fn = test_esm_pollers },
	};
	CU_pSuite s = CU_add_suite("lambda", NULL, NULL);
	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			return -1;
	return 0;
}
