/*
 * test_hybrid_histogram: the plans of Azure's hybrid histogram policy for
 * each pattern (hand-computed), and in the real engine its defining result:
 * on a timer-like workload it gives fewer cold starts with less wasted
 * memory than a fixed 10-minute keep-alive.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "model.h"
#include "policy.h"
#include "rng.h"
#include "testutil.h"

struct hx {
	const struct policy *pol;
	union param_val p[16];
	const union param_val *pp[1];
	struct fn_view fv;
	void *st;
};

static void hx_begin(struct hx *h)
{
	memset(h, 0, sizeof *h);
	h->pol = policy_find("hybrid-histogram");
	CU_ASSERT_PTR_NOT_NULL_FATAL(h->pol);
	for (size_t i = 0; i < h->pol->nparams; i++)
		h->p[i].num = h->pol->params[i].def;
	h->pp[0] = h->p;
	h->fv = (struct fn_view){ .name = "f", .managed = 1, .max_replicas = 10,
				  .concurrency = 1 };
	struct policy_ctx ctx = { .nfn = 1, .fn = &h->fv, .params = h->pp,
				  .interval = 60 };
	struct err e = {0};
	h->st = h->pol->init(&ctx, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h->st);
}

/* One idle period: idle at t, next request after `it` seconds; returns the
 * plan made when it went idle. */
static struct idle_plan hx_period(struct hx *h, double *t, double it)
{
	struct idle_plan plan = { .unload_after = -1, .prewarm_after = -1 };
	h->pol->idle(h->st, 0, *t, &plan);
	*t += it;
	h->pol->busy(h->st, 0, *t);
	*t += 1;   /* one second of service */
	return plan;
}

static void test_plans(void)
{
	struct hx h;
	hx_begin(&h);
	double t = 0;
	/* no idle time seen: not representative -> keep 4 h, no pre-warm */
	struct idle_plan pl = hx_period(&h, &t, 1750);
	T_NEAR(pl.unload_after, 14400, 0);
	T_NEAR(pl.prewarm_after, -1, 0);
	/* one IT of 1750 s (bin 29): bin counts CV = sqrt(240) > 2, so
	 * head = tail = 29: pre-warm 29 x 60 x 0.9 = 1566 s, loaded until
	 * 30 x 60 x 1.1 = 1980 s after the end: kept 414 s */
	pl = hx_period(&h, &t, 1750);
	T_NEAR(pl.unload_after, 0, 0);
	T_NEAR(pl.prewarm_after, 1566, 1e-9);
	T_NEAR(pl.prewarm_keep, 414, 1e-9);
	/* 19 more ITs in bin 29, then one of 150 s (bin 2): 1 of 22 ITs is
	 * 4.5% < 5%, so the head stays at bin 29 */
	for (int k = 0; k < 19; k++)
		hx_period(&h, &t, 1750);
	hx_period(&h, &t, 150);
	pl = hx_period(&h, &t, 1750);
	T_NEAR(pl.prewarm_after, 1566, 1e-9);   /* 1/22 < 5%: head 29 */
	hx_period(&h, &t, 150);
	pl = hx_period(&h, &t, 1750);
	/* a second short one: 2 of 24 = 8.3% >= 5%, head = bin 2 ->
	 * 2 x 60 x 0.9 = 108 s */
	T_NEAR(pl.prewarm_after, 108, 1e-9);
	T_NEAR(pl.prewarm_keep, 1980 - 108, 1e-9);
	h.pol->fini(h.st);

	/* a head of bin 0 means no unloading: keep to 1.1 x the tail bin */
	hx_begin(&h);
	t = 0;
	hx_period(&h, &t, 10);
	pl = hx_period(&h, &t, 10);
	T_NEAR(pl.prewarm_after, -1, 0);
	T_NEAR(pl.unload_after, 60 * 1.1, 1e-9);
	h.pol->fini(h.st);
}

/* Idle times beyond the 4 h range: the AR forecast of a constant series is
 * that constant; pre-warm 0.85 IT, keep 0.3 IT. */
static void test_out_of_bounds(void)
{
	struct hx h;
	hx_begin(&h);
	double t = 0;
	hx_period(&h, &t, 18000);
	struct idle_plan pl = hx_period(&h, &t, 18000);
	/* one sample: its value */
	T_NEAR(pl.prewarm_after, 18000 * 0.85, 1e-6);
	T_NEAR(pl.prewarm_keep, 18000 * 0.3, 1e-6);
	for (int k = 0; k < 10; k++)
		pl = hx_period(&h, &t, 18000);
	T_NEAR(pl.prewarm_after, 18000 * 0.85, 1e-3);
	/* a linear trend in the ITs is extrapolated by the AR(2) fit:
	 * x_t = x_{t-1} + 600 is exactly representable (c = 600, a1 = 1) */
	h.pol->fini(h.st);
	hx_begin(&h);
	t = 0;
	double it = 15000;
	for (int k = 0; k < 12; k++, it += 600)
		pl = hx_period(&h, &t, it);
	/* the last plan, made before the 12th IT (it - 600), predicted it */
	T_NEAR(pl.prewarm_after, (it - 600) * 0.85, 1);
	h.pol->fini(h.st);
}

static struct model *run_timer(const char *path, int hybrid,
			       struct config **cfg)
{
	char json[2048];
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":"
		 "\"spate-csv\",\"path\":\"%s\"},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":1,\"cold_start\":10,"
		 "\"memory_mb\":1024,\"min_replicas\":0,\"initial_replicas\":0,"
		 "\"keep_alive_s\":%s,\"on_demand\":true%s}],"
		 "\"autoscaler\":{\"policy\":\"%s\"}}",
		 path, hybrid ? "\"inf\"" : "600",
		 hybrid ? "" : ",\"scaling\":{\"managed\":false}",
		 hybrid ? "hybrid-histogram" : "static");
	return test_run_json(json, cfg);
}

/* A timer every 30 min (+-20 s jitter) for two days. Fixed 10-min
 * keep-alive: every request is cold and each idle period wastes 10 min
 * of a loaded replica. Hybrid: after one IT it pre-warms at 0.9 x the
 * head bin, so only the first request is cold, and each period wastes
 * only the time from the pre-warm to the request. */
static void test_beats_fixed_keepalive(void)
{
	enum { N = 96 };
	double t[N];
	struct rng *r = rng_new(7, "test/timer", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (int k = 0; k < N; k++)
		t[k] = 1800.0 * k + 20 + (rng_uniform(r) * 40 - 20);
	rng_free(r);
	char *path = test_write_trace(t, N);
	CU_ASSERT_PTR_NOT_NULL_FATAL(path);

	struct config *cfg;
	struct model *m = run_timer(path, 0, &cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	double fixed_cold = model_metric(m, "f", "cold_requests");
	double fixed_waste = model_metric(m, "f", "wasted_gb_seconds");
	T_NEAR(fixed_cold, N, 0);
	/* 96 cold starts of 10 s and 95 idle periods of 600 s (the last
	 * one ends the run when the replica idles out) at 1 GB */
	T_NEAR(fixed_waste, N * 10 + (N - 1) * 600, 1e-6);
	model_free(m);
	config_free(cfg);

	m = run_timer(path, 1, &cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	test_check_laws(m);
	double hy_cold = model_metric(m, "f", "cold_requests");
	double hy_waste = model_metric(m, "f", "wasted_gb_seconds");
	T_NEAR(model_metric(m, "e2e", "completions"), N, 0);
	/* only the first request finds nothing loaded */
	T_NEAR(hy_cold, 1, 0);
	if (getenv("SPATE_TEST_VERBOSE"))
		fprintf(stderr, "\n  fixed: %g cold, %.0f GB-s; hybrid: %g cold, %.0f GB-s\n",
			fixed_cold, fixed_waste, hy_cold, hy_waste);
	T_TRUE(hy_waste < 0.5 * fixed_waste,
	       "hybrid wastes %.0f GB-s, fixed 10 min %.0f", hy_waste,
	       fixed_waste);
	T_TRUE(model_metric(m, "f", "prewarms") >= N - 3,
	       "prewarms %g", model_metric(m, "f", "prewarms"));
	model_free(m);
	config_free(cfg);
	unlink(path);
	free(path);
}

int test_hybrid_histogram_register(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ .name = "plans per pattern", .fn = test_plans },
		{ .name = "out of bounds: AR forecast", .fn = test_out_of_bounds },
		{ .name = "beats a fixed 10-min keep-alive on a timer",
		  .fn = test_beats_fixed_keepalive },
	};
	CU_pSuite s = CU_add_suite("hybrid_histogram", NULL, NULL);
	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			return -1;
	return 0;
}
