/*
 * test_plugin: a policy built outside spate as a shared object (the example
 * in experiments/plugins/) is loaded from the config, gets its parameters,
 * decides by its own rule and runs in the engine; bad objects and bad policy
 * objects are refused with the path and the reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "model.h"
#include "policy.h"
#include "testutil.h"

#ifndef TEST_PLUGIN_SO
#define TEST_PLUGIN_SO "build/plugins/target_tracking.so"
#endif

static const char *const base =
	"{\"seed\":2,\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":"
	"\"poisson\",\"rate\":8,\"count\":3000},\"to\":[\"f\"]}],"
	"\"functions\":[{\"name\":\"f\",\"service\":{\"type\":\"exponential\","
	"\"mean\":0.25},\"max_replicas\":30}],"
	"\"monitor\":{\"scrape_interval_s\":5},"
	"\"autoscaler\":%s}";

static struct config *load(const char *autoscaler, struct err *e)
{
	char json[2048];
	snprintf(json, sizeof json, base, autoscaler);
	return config_parse(json, "<test>", NULL, 0, e);
}

static void test_loads_and_decides(void)
{
	struct err e = {0};
	struct config *cfg = load("{\"policy\":{\"so\":\"" TEST_PLUGIN_SO "\","
				  "\"target\":0.5}}", &e);
	T_TRUE(cfg != NULL, "%s", e.msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	T_STR_CONTAINS(cfg->policy->name, "target-tracking");
	T_STR_CONTAINS(cfg->resolved_json, "target_tracking.so");
	int ti = param_find(cfg->policy->params, cfg->policy->nparams, "target");
	T_TRUE(ti >= 0, "no target parameter");
	T_NEAR(cfg->functions[0].policy_params[ti].num, 0.5, 0);

	/* its rule: ceil((busy slots + queued) / (concurrency x target)) */
	struct fn_view fv = { .name = "f", .managed = 1, .max_replicas = 30,
			      .target = 2, .ready = 2, .concurrency = 1 };
	const union param_val *pp[1] = { cfg->functions[0].policy_params };
	struct policy_ctx ctx = { .nfn = 1, .fn = &fv, .params = pp,
				  .interval = 15 };
	void *st = cfg->policy->init(&ctx, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	struct mon *mon = mon_new(1, 5, 600);
	double v[MON_NMETRICS] = {0};
	for (int k = 0; k <= 6; k++) {
		v[MON_BUSY_TIME] = 2.2 * 5 * k;   /* 2.2 busy slots */
		v[MON_QUEUE] = 1;
		mon_push(mon, 5.0 * k, v);
	}
	struct scale_view view = { .now = 30, .nfn = 1, .fn = &fv, .mon = mon };
	struct scale_decision d = { .desired = -1 };
	cfg->policy->decide(st, &view, &d);
	T_EQ_INT(d.desired, 7);   /* (2.2 + 1) / 0.5 = 6.4 -> 7 */
	T_STR_CONTAINS(d.reason, "target 0.5");
	cfg->policy->fini(st);
	mon_free(mon);

	/* and in the engine: offered load 2 slots at target 0.5 -> ~4 */
	struct model *m = model_new(cfg, &e);
	T_TRUE(m != NULL, "%s", e.msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	T_EQ_INT(model_run(m, NULL, 0, NULL, NULL, &e), 0);
	test_check_laws(m);
	double reps = model_metric(m, "f", "mean_replicas");
	T_TRUE(reps > 3 && reps < 6, "mean replicas %g, expected about 4", reps);
	model_free(m);
	config_free(cfg);

	/* the same with the parameter beside the policy object's path */
	cfg = load("{\"policy\":{\"so\":\"" TEST_PLUGIN_SO "\"},\"target\":0.25}",
		   &e);
	T_TRUE(cfg != NULL, "%s", e.msg);
	if (cfg)
		T_NEAR(cfg->functions[0].policy_params[ti].num, 0.25, 0);
	config_free(cfg);
}

static void expect_error(const char *autoscaler, const char *what)
{
	struct err e = {0};
	struct config *cfg = load(autoscaler, &e);
	T_TRUE(cfg == NULL, "accepted %s", autoscaler);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, what);
	config_free(cfg);
}

static void test_refusals(void)
{
	expect_error("{\"policy\":{\"so\":\"/nonexistent/x.so\"}}",
		     "/nonexistent/x.so: cannot load policy");
	/* a real shared object that is not a spate policy */
	expect_error("{\"policy\":{\"so\":\"libm.so.6\"}}",
		     "libm.so.6: no spate_policy_abi symbol");
	expect_error("{\"policy\":{\"so\":\"" TEST_PLUGIN_SO "\","
		     "\"symbol\":\"nope\"}}", "no symbol 'nope'");
	expect_error("{\"policy\":{\"so\":\"" TEST_PLUGIN_SO "\","
		     "\"traget\":0.5}}", "traget");
	expect_error("{\"policy\":{\"so\":\"" TEST_PLUGIN_SO "\","
		     "\"target\":0.5},\"window_s\":10}",
		     "autoscaler.window_s: policy parameters are inside");
	expect_error("{\"policy\":{\"name\":\"hpa\",\"so\":\"x.so\"}}",
		     "not both");
	expect_error("{\"policy\":{}}", "needs \"name\"");
	expect_error("{\"policy\":{\"name\":\"hap\"}}", "hpa");
	expect_error("{\"policy\":3}", "must be a policy name or an object");
	/* a built-in policy by object, with its parameters inside */
	struct err e = {0};
	struct config *cfg = load("{\"policy\":{\"name\":\"hpa\","
				  "\"target_utilization\":0.6}}", &e);
	T_TRUE(cfg != NULL, "%s", e.msg);
	config_free(cfg);
}

int test_plugin_register(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ .name = "shared object loads and decides",
		  .fn = test_loads_and_decides },
		{ .name = "refusals", .fn = test_refusals },
	};
	CU_pSuite s = CU_add_suite("plugin", NULL, NULL);
	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			return -1;
	return 0;
}
