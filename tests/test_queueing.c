/*
 * Validation against queueing theory. Each case runs the full model (source,
 * connector, function, replicas) on a config written as JSON, for R
 * independent replications (seeds 1..R), and asserts that the exact value
 * lies inside the 95% Student-t confidence interval of the replication means,
 * and that the interval is narrow enough for the check to mean something.
 * Every run also checks conservation (arrivals = completions + dropped + in
 * flight) and Little's law (time-average jobs in system = throughput x mean
 * sojourn; the runs drain, so the identity is exact up to rounding).
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "model.h"
#include "qtheory.h"
#include "stats.h"
#include "testutil.h"

#define REPS 10

static long customers(void)
{
	return test_quick() ? 20000 : 100000;
}

struct metric_ref {
	const char *scope, *metric;
};

/* Runs REPS replications of the template and collects one metric per
 * replication, optionally divided by another (for fractions). The template
 * takes the seed (%d), the source topic (%s) and the customer count (%ld).
 * Each case names its own topic, so its arrival streams are independent of
 * every other case's: with one shared stream, one unlucky set of seeds
 * would fail (or pass) every case together. */
static void replicate(const char *tmpl, const char *topic,
		      struct metric_ref num, struct metric_ref den, double *out)
{
	for (int r = 0; r < REPS; r++) {
		char json[4096];
		snprintf(json, sizeof json, tmpl, r + 1, topic, customers());
		struct config *cfg;
		struct model *m = test_run_json(json, &cfg);
		if (!m) {
			out[r] = NAN;
			continue;
		}
		test_check_laws(m);
		out[r] = model_metric(m, num.scope, num.metric);
		if (den.scope)
			out[r] /= model_metric(m, den.scope, den.metric);
		model_free(m);
		config_free(cfg);
	}
}

/* The exact value must lie in the CI; the CI must be tighter than max_rel. */
static void assert_ci(const char *what, const double *x, double exact,
		      double max_rel)
{
	double mean, hw;
	CU_ASSERT_EQUAL_FATAL(stats_mean_ci(x, REPS, 0.95, &mean, &hw), 0);
	int inside = fabs(mean - exact) <= hw;
	fprintf(stderr, "\n  %-28s exact %.5g  simulated %.5g +- %.3g (95%% CI, %d reps)  error %+.2f%%",
		what, exact, mean, hw, REPS, 100 * (mean - exact) / exact);
	T_TRUE(inside, "%s: exact %.6g outside %.6g +- %.3g", what, exact, mean, hw);
	T_TRUE(hw <= max_rel * exact, "%s: CI half-width %.3g wider than %.0f%% of %.6g",
	       what, hw, 100 * max_rel, exact);
}

/* One function "f" fed by a Poisson source; %%d seed, %%s topic, %%ld
 * customers. */
#define ONE_STATION(rate, service, replicas, extra)                            \
	"{\"experiment\":\"q\",\"seed\":%d,"                                   \
	"\"sources\":[{\"topic\":\"%s\",\"arrivals\":{\"workload\":\"poisson\"," \
	"\"rate\":" rate ",\"count\":%ld},\"to\":[\"f\"]}],"                    \
	"\"functions\":[{\"name\":\"f\",\"service\":" service ","              \
	"\"min_replicas\":" replicas ",\"max_replicas\":" replicas ","         \
	"\"initial_replicas\":" replicas extra "}],"                           \
	"\"record\":{\"timeline_interval_s\":0}}"

static void test_mm1(void)
{
	double x[REPS];
	replicate(ONE_STATION("0.8", "{\"type\":\"exponential\",\"mean\":1}", "1", ""),
		  "mm1", (struct metric_ref){ "f", "mean" }, (struct metric_ref){ 0 }, x);
	assert_ci("M/M/1 rho=0.8 mean sojourn", x, qt_mmc_w(1, 0.8, 1.0), 0.10);
	replicate(ONE_STATION("0.8", "{\"type\":\"exponential\",\"mean\":1}", "1", ""),
		  "mm1", (struct metric_ref){ "e2e", "mean" }, (struct metric_ref){ 0 }, x);
	assert_ci("M/M/1 end-to-end mean", x, qt_mmc_w(1, 0.8, 1.0), 0.10);
}

static void test_mmc(void)
{
	double x[REPS];
	const char *cfg = ONE_STATION("3", "{\"type\":\"exponential\",\"mean\":1}", "4", "");
	replicate(cfg, "mmc", (struct metric_ref){ "f", "mean_wait" }, (struct metric_ref){ 0 }, x);
	assert_ci("M/M/4 rho=0.75 mean wait", x, qt_mmc_wq(4, 3, 1), 0.10);
	replicate(cfg, "mmc", (struct metric_ref){ "f", "wait_prob" }, (struct metric_ref){ 0 }, x);
	assert_ci("M/M/4 P(wait) (Erlang C)", x, qt_erlang_c(4, 3), 0.05);
}

static void test_md1(void)
{
	double x[REPS];
	replicate(ONE_STATION("0.7", "1", "1", ""),
		  "md1", (struct metric_ref){ "f", "mean_wait" }, (struct metric_ref){ 0 }, x);
	assert_ci("M/D/1 rho=0.7 mean wait", x, qt_md1_wq(0.7, 1.0), 0.10);
}

static void test_mg1(void)
{
	/* gamma shape 0.5 scale 2: E[S]=1, Var=2, E[S^2]=3 */
	double x[REPS];
	replicate(ONE_STATION("0.6", "{\"type\":\"gamma\",\"shape\":0.5,\"scale\":2}", "1", ""),
		  "mg1", (struct metric_ref){ "f", "mean_wait" }, (struct metric_ref){ 0 }, x);
	assert_ci("M/G/1 (gamma cv^2=2) mean wait", x, qt_mg1_wq(0.6, 1.0, 3.0), 0.10);
}

static void test_mmcc(void)
{
	double x[REPS];
	replicate(ONE_STATION("4", "{\"type\":\"exponential\",\"mean\":1}", "5",
			      ",\"queue_capacity\":0,\"on_full\":\"drop\""),
		  "mmcc", (struct metric_ref){ "e2e", "dropped" },
		  (struct metric_ref){ "e2e", "arrivals" }, x);
	assert_ci("M/M/5/5 blocking (Erlang B)", x, qt_mmcc_block(5, 4, 1), 0.05);
}

static void test_tandem(void)
{
	const char *tmpl =
		"{\"experiment\":\"jackson\",\"seed\":%d,"
		"\"sources\":[{\"topic\":\"%s\",\"partitions\":4,\"arrivals\":{\"workload\":\"poisson\","
		"\"rate\":1,\"count\":%ld},\"to\":[\"a\"]}],"
		"\"functions\":["
		"{\"name\":\"a\",\"service\":{\"type\":\"exponential\",\"mean\":0.6667},"
		"\"initial_replicas\":1,\"min_replicas\":1,\"max_replicas\":1,\"edges\":{\"to\":[\"b\"]}},"
		"{\"name\":\"b\",\"service\":{\"type\":\"exponential\",\"mean\":1.6},"
		"\"initial_replicas\":2,\"min_replicas\":2,\"max_replicas\":2,\"edges\":{\"to\":[\"c\"]}},"
		"{\"name\":\"c\",\"service\":{\"type\":\"exponential\",\"mean\":2.5},"
		"\"initial_replicas\":3,\"min_replicas\":3,\"max_replicas\":3}],"
		"\"record\":{\"timeline_interval_s\":0}}";
	int c[3] = { 1, 2, 3 };
	double mu[3] = { 1 / 0.6667, 1 / 1.6, 1 / 2.5 };
	double x[REPS];
	replicate(tmpl, "tandem", (struct metric_ref){ "e2e", "mean" }, (struct metric_ref){ 0 }, x);
	assert_ci("Jackson tandem M/M/1-2-3 e2e", x, qt_jackson_tandem_w(3, c, 1.0, mu), 0.10);
}

static void test_determinism(void)
{
	char json[4096];
	snprintf(json, sizeof json,
		 ONE_STATION("3", "{\"type\":\"lognormal\",\"mean\":1,\"sd\":1.5}", "4", ""),
		 7, "det", 20000L);
	struct config *c1, *c2;
	struct model *m1 = test_run_json(json, &c1), *m2 = test_run_json(json, &c2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m2);
	const char *s1, *k1, *s2, *k2;
	double v1 = 0, v2 = 0;
	size_t i = 0, diff = 0;
	for (; model_summary_row(m1, i, &s1, &k1, &v1); i++) {
		T_TRUE(model_summary_row(m2, i, &s2, &k2, &v2), "row %zu missing", i);
		if (memcmp(&v1, &v2, sizeof v1) != 0 && !diff++)
			fprintf(stderr, "\n  %s.%s: %.17g vs %.17g\n", s1, k1, v1, v2);
	}
	T_TRUE(i > 20, "only %zu summary rows", i);
	T_EQ_INT(diff, 0);
	T_EQ_INT(model_events(m1), model_events(m2));
	model_free(m1);
	model_free(m2);
	config_free(c1);
	config_free(c2);
}

int test_queueing_register(void)
{
	CU_pSuite s = CU_add_suite("queueing", NULL, NULL);
	if (!s || !CU_add_test(s, "M/M/1", test_mm1) ||
	    !CU_add_test(s, "M/M/c: Erlang C wait and P(wait)", test_mmc) ||
	    !CU_add_test(s, "M/D/1: Pollaczek-Khinchine", test_md1) ||
	    !CU_add_test(s, "M/G/1: Pollaczek-Khinchine", test_mg1) ||
	    !CU_add_test(s, "M/M/c/c: Erlang B", test_mmcc) ||
	    !CU_add_test(s, "Jackson tandem of M/M/c", test_tandem) ||
	    !CU_add_test(s, "same seed, identical summary", test_determinism))
		return -1;
	return 0;
}
