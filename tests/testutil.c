/*
 * The test runner: registers every suite, runs them verbosely, and exits
 * non-zero when any assertion failed. `spate-tests SUITE...` runs only the
 * named suites.
 */
#include "testutil.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "model.h"

int test_quick(void)
{
	const char *q = getenv("SPATE_TEST_QUICK");
	return q && *q && strcmp(q, "0") != 0;
}

struct model *test_run_json(const char *json, struct config **cfg)
{
	struct err e = { 0 };
	*cfg = config_parse(json, "<test>", NULL, 0, &e);
	if (!*cfg) {
		fprintf(stderr, "\n  config: %s\n", e.msg);
		CU_FAIL("config rejected");
		return NULL;
	}
	struct model *m = model_new(*cfg, &e);
	if (!m) {
		fprintf(stderr, "\n  model: %s\n", e.msg);
		CU_FAIL("model_new failed");
		config_free(*cfg);
		return NULL;
	}
	if (model_run(m, NULL, 0, NULL, NULL, &e) != 0) {
		fprintf(stderr, "\n  run: %s\n", e.msg);
		CU_FAIL("model_run failed");
	}
	return m;
}

char *test_write_trace(const double *t, int n)
{
	char *path = strdup("/tmp/spate-test-trace-XXXXXX");
	if (!path)
		return NULL;
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		free(path);
		return NULL;
	}
	fprintf(f, "time_s,topic,key,size_bytes\n");
	for (int i = 0; i < n; i++)
		fprintf(f, "%.9f,in,,100\n", t[i]);
	fclose(f);
	return path;
}

void test_check_laws(const struct model *m)
{
	double a = model_metric(m, "e2e", "arrivals");
	double c = model_metric(m, "e2e", "completions");
	double d = model_metric(m, "e2e", "dropped");
	double f = model_metric(m, "e2e", "in_flight_end");
	T_NEAR(c + d + f, a, 0);
	double L = model_metric(m, "e2e", "mean_in_system");
	double X = model_metric(m, "e2e", "throughput");
	double W = model_metric(m, "e2e", "mean");
	if (f == 0 && d == 0)   /* exact when the run drained without loss */
		T_NEAR(L, X * W, 1e-6 * L + 1e-12);
}

static int (*const suites[])(void) = {
	test_evq_register,     test_rng_register,      test_dist_register,
	test_hist_register,    test_qtheory_register,  test_config_register,
	test_workloads_register, test_rec_register,    test_hpa_register,
	test_keda_kafka_register, test_kpa_register, test_ds2_register,
	test_lambda_register, test_hybrid_histogram_register, test_contract_register,
	test_lookahead_register, test_oracle_register, test_plugin_register,
	test_cluster_register, test_transforms_register, test_kafkarec_register,
	test_report_register, test_readers_register, test_generators_register,
	test_latency_slo_register, test_predictive_register, test_tracetool_register,
	test_dhalion_register, test_ds2_dhalion_register, test_external_register,
	test_sweep_register,
	test_erlang_c_register, test_openfaas_register,
	test_monitor_register, test_arrivals_register, test_autoscaler_register,
	test_model_register,   test_regress_register,
	test_queueing_register,
};

int main(int argc, char **argv)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
		if (suites[i]() != 0) {
			fprintf(stderr, "suite registration failed: %s\n",
				CU_get_error_msg());
			CU_cleanup_registry();
			return 1;
		}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			CU_pSuite s = CU_get_suite(argv[i]);
			if (!s) {
				fprintf(stderr, "no suite named %s\n", argv[i]);
				CU_cleanup_registry();
				return 2;
			}
			CU_basic_run_suite(s);
		}
	} else {
		CU_basic_run_tests();
	}
	unsigned failed = CU_get_number_of_failures();
	unsigned run = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	return failed || run == 0 ? 1 : 0;
}
