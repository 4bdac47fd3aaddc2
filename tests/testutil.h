/*
 * testutil: CUnit helpers shared by the suites. Every failed check prints the
 * expression, the actual and the expected value, so a red CI log says what
 * went wrong without a debugger.
 * Each suite file tests/test_NAME.c defines `int test_NAME_register(void)`,
 * adding its suite to the CUnit registry; tests/testutil.c lists them.
 * SPATE_TEST_QUICK=1 in the environment (used for the sanitizer run) asks
 * suites to shrink their sample sizes; they still assert the same things.
 */
#ifndef SPATE_TESTUTIL_H
#define SPATE_TESTUTIL_H

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>

int test_quick(void);   /* 1 under SPATE_TEST_QUICK */

struct config;
struct model;
/* Parses json, builds and runs the model to its end. Returns the model (free
 * it and *cfg) or NULL after failing the current test with the message. */
struct model *test_run_json(const char *json, struct config **cfg);
/* Writes a spate-csv trace of n keyless 100-byte arrivals on topic "in" at
 * times t[] to a new temporary file; returns its path (free it and unlink
 * it), or NULL. */
char *test_write_trace(const double *t, int n);
/* Asserts conservation and Little's law on a finished, drained run. */
void test_check_laws(const struct model *m);

#define T_NEAR(actual, expected, tol)                                         \
	do {                                                                  \
		double t_a = (actual), t_e = (expected), t_t = (tol);         \
		int t_ok = fabs(t_a - t_e) <= t_t;                            \
		if (!t_ok)                                                    \
			fprintf(stderr, "\n  %s:%d: %s = %.9g, expected %.9g +- %.3g\n", \
				__FILE__, __LINE__, #actual, t_a, t_e, t_t);  \
		CU_assertImplementation(t_ok, __LINE__, #actual " near " #expected, \
					__FILE__, "", CU_FALSE);              \
	} while (0)

#define T_EQ_INT(actual, expected)                                            \
	do {                                                                  \
		long long t_a = (long long)(actual), t_e = (long long)(expected); \
		if (t_a != t_e)                                               \
			fprintf(stderr, "\n  %s:%d: %s = %lld, expected %lld\n", \
				__FILE__, __LINE__, #actual, t_a, t_e);       \
		CU_assertImplementation(t_a == t_e, __LINE__, #actual " == " #expected, \
					__FILE__, "", CU_FALSE);              \
	} while (0)

#define T_TRUE(cond, ...)                                                     \
	do {                                                                  \
		int t_ok = !!(cond);                                          \
		if (!t_ok) {                                                  \
			fprintf(stderr, "\n  %s:%d: %s failed: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                         \
			fputc('\n', stderr);                                  \
		}                                                             \
		CU_assertImplementation(t_ok, __LINE__, #cond, __FILE__, "", CU_FALSE); \
	} while (0)

#define T_STR_CONTAINS(haystack, needle)                                      \
	do {                                                                  \
		const char *t_h = (haystack), *t_n = (needle);                \
		int t_ok = t_h && strstr(t_h, t_n) != NULL;                   \
		if (!t_ok)                                                    \
			fprintf(stderr, "\n  %s:%d: \"%s\" does not contain \"%s\"\n", \
				__FILE__, __LINE__, t_h ? t_h : "(null)", t_n); \
		CU_assertImplementation(t_ok, __LINE__, #haystack " contains " #needle, \
					__FILE__, "", CU_FALSE);              \
	} while (0)

/* Each suite's registration function. */
int test_evq_register(void);
int test_rng_register(void);
int test_dist_register(void);
int test_hist_register(void);
int test_qtheory_register(void);
int test_config_register(void);
int test_workloads_register(void);
int test_rec_register(void);
int test_hpa_register(void);
int test_keda_kafka_register(void);
int test_lambda_register(void);
int test_contract_register(void);
int test_sweep_register(void);
int test_external_register(void);
int test_ds2_dhalion_register(void);
int test_dhalion_register(void);
int test_tracetool_register(void);
int test_predictive_register(void);
int test_latency_slo_register(void);
int test_generators_register(void);
int test_readers_register(void);
int test_report_register(void);
int test_plugin_register(void);
int test_lookahead_register(void);
int test_cluster_register(void);
int test_transforms_register(void);
int test_kafkarec_register(void);
int test_oracle_register(void);
int test_hybrid_histogram_register(void);
int test_kpa_register(void);
int test_ds2_register(void);
int test_erlang_c_register(void);
int test_openfaas_register(void);
int test_monitor_register(void);
int test_arrivals_register(void);
int test_autoscaler_register(void);
int test_model_register(void);
int test_regress_register(void);
int test_queueing_register(void);

#endif
