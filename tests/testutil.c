/*
 * The test runner: registers every suite, runs them verbosely, and exits
 * non-zero when any assertion failed. `spate-tests SUITE...` runs only the
 * named suites.
 */
#include "testutil.h"

#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

int test_quick(void)
{
	const char *q = getenv("SPATE_TEST_QUICK");
	return q && *q && strcmp(q, "0") != 0;
}

static int (*const suites[])(void) = {
	test_evq_register,     test_rng_register,      test_dist_register,
	test_hist_register,    test_qtheory_register,  test_config_register,
	test_workloads_register, test_rec_register,    test_hpa_register,
	test_model_register,   test_queueing_register,
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
