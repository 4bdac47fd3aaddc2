/*
 * Validation against queueing theory. The cases (configs, measures, exact
 * values) are sim/validate.c's table, the one `spate validate` runs for the
 * paper. Each case runs the full model (source, connector, function,
 * replicas) for R independent replications (seeds 1..R) and the exact value
 * must lie inside the 95% Student-t confidence interval of the replication
 * means, which must be narrow enough for the check to mean something.
 * Every run also checks conservation (arrivals = completions + dropped + in
 * flight) and Little's law (time-average jobs in system = throughput x mean
 * sojourn; the runs drain, so the identity is exact up to rounding).
 * The last tests run `spate validate`'s path (runner, database, report) on
 * small cases and check that the table read back from the database matches
 * the in-memory runs.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "model.h"
#include "qtheory.h"
#include "stats.h"
#include "testutil.h"
#include "validate.h"

#define REPS 10

static long customers(void)
{
	return test_quick() ? 20000 : 100000;
}

static const struct validate_case *find(const char *name)
{
	struct err e = { 0 };
	const struct validate_case *c = validate_case_find(name, &e);
	T_TRUE(c != NULL, "%s", e.msg);
	return c;
}

/* Runs `reps` replications of case c with n customers and collects every
 * measure per replication: x[j][r]. */
static void replicate(const struct validate_case *c, int reps, long n,
		      double x[][REPS])
{
	for (int r = 0; r < reps; r++) {
		struct err e = { 0 };
		char *json = validate_config_json(c, r, n, &e);
		T_TRUE(json != NULL, "%s", e.msg);
		struct config *cfg;
		struct model *m = json ? test_run_json(json, &cfg) : NULL;
		free(json);
		for (size_t j = 0; j < c->nmeasures; j++)
			x[j][r] = m ? validate_value(&c->measures[j], m) : NAN;
		if (!m)
			continue;
		test_check_laws(m);
		model_free(m);
		config_free(cfg);
	}
}

/* The exact value must lie in the CI; the CI must be tighter than max_rel. */
static void assert_ci(const struct validate_case *c,
		      const struct validate_measure *vm, const double *x)
{
	double mean, hw, exact = vm->exact();
	CU_ASSERT_EQUAL_FATAL(stats_mean_ci(x, REPS, 0.95, &mean, &hw), 0);
	int inside = fabs(mean - exact) <= hw;
	fprintf(stderr, "\n  %-20s %-26s exact %.5g  simulated %.5g +- %.3g (95%% CI, %d reps)  error %+.2f%%",
		c->model, vm->what, exact, mean, hw, REPS, 100 * (mean - exact) / exact);
	T_TRUE(inside, "%s %s: exact %.6g outside %.6g +- %.3g", c->model,
	       vm->what, exact, mean, hw);
	T_TRUE(hw <= vm->max_rel * exact, "%s %s: CI half-width %.3g wider than %.0f%% of %.6g",
	       c->model, vm->what, hw, 100 * vm->max_rel, exact);
}

static void check_case(const char *name)
{
	const struct validate_case *c = find(name);
	if (!c)
		return;
	double x[VALIDATE_MAX_MEASURES][REPS];
	replicate(c, REPS, customers(), x);
	for (size_t j = 0; j < c->nmeasures; j++)
		assert_ci(c, &c->measures[j], x[j]);
}

static void test_mm1(void) { check_case("mm1"); }
static void test_mmc(void) { check_case("mmc"); }
static void test_md1(void) { check_case("md1"); }
static void test_mg1(void) { check_case("mg1"); }
static void test_mmcc(void) { check_case("mmcc"); }
static void test_tandem(void) { check_case("tandem"); }

/* Every case of the table is exercised by one of the tests above. */
static void test_cases_covered(void)
{
	static const char *const tested[] = { "mm1", "mmc", "md1", "mg1",
					      "mmcc", "tandem" };
	T_EQ_INT(validate_ncases(), sizeof tested / sizeof tested[0]);
	for (size_t i = 0; i < validate_ncases(); i++) {
		const struct validate_case *c = validate_case_at(i);
		int found = 0;
		for (size_t k = 0; k < sizeof tested / sizeof tested[0]; k++)
			found |= !strcmp(c->name, tested[k]);
		T_TRUE(found, "case %s has no test", c->name);
		T_TRUE(c->nmeasures >= 1 && c->nmeasures <= VALIDATE_MAX_MEASURES,
		       "case %s: %zu measures", c->name, c->nmeasures);
	}
	T_TRUE(validate_case_at(validate_ncases()) == NULL, "past the end");
	struct err e = { 0 };
	T_TRUE(validate_case_find("mm2", &e) == NULL, "unknown case found");
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, "tandem");
}

/* `spate validate`'s path: runs recorded through the runner, table read
 * back from the database. Its means must equal the in-memory runs of the
 * same replications, its exact values qtheory's; a second call reuses the
 * runs; a larger --replications adds only the missing ones. */
static void test_validate_db(void)
{
	char db[] = "/tmp/spate-test-validate-XXXXXX";
	int fd = mkstemp(db);
	T_TRUE(fd >= 0, "mkstemp");
	if (fd < 0)
		return;
	close(fd);
	unlink(db);   /* validate creates it */
	const char *names[] = { "mmcc", "md1" };
	struct validate_opts o = { .db = db, .replications = 3, .customers = 2000,
				   .cases = names, .ncases = 2 };
	struct err e = { 0 };
	T_EQ_INT(validate_run(&o, &e), 0);
	struct validate_row *rows = NULL;
	size_t n = 0;
	T_EQ_INT(validate_table(&o, &rows, &n, &e), 0);
	T_EQ_INT(n, 2);
	double x[VALIDATE_MAX_MEASURES][REPS];
	for (size_t i = 0; rows && i < n; i++) {
		const struct validate_row *w = &rows[i];
		T_EQ_INT(w->n, 3);
		replicate(w->c, 3, 2000, x);
		double mean, hw;
		stats_mean_ci(x[0], 3, 0.95, &mean, &hw);
		T_NEAR(w->mean, mean, 1e-9 * fabs(mean));
		T_NEAR(w->hw, hw, 1e-9 * fabs(hw));
		T_NEAR(w->exact, w->m->exact(), 0);
		T_EQ_INT(w->inside, fabs(w->mean - w->exact) <= w->hw);
	}
	T_TRUE(rows && !strcmp(rows[0].c->name, "md1"), "table order");
	T_NEAR(rows ? rows[1].exact : NAN, qt_mmcc_block(5, 4, 1), 0);
	free(rows);

	/* printed forms */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	T_EQ_INT(validate_table(&o, &rows, &n, &e), 0);
	T_EQ_INT(validate_print(rows, n, REPORT_LATEX, f, &e), 0);
	T_EQ_INT(validate_print(rows, n, REPORT_CSV, f, &e), 0);
	fclose(f);
	T_STR_CONTAINS(buf, "\\toprule");
	T_STR_CONTAINS(buf, "M/M/5/5, $a=4$ & blocking (Erlang B) &");
	T_STR_CONTAINS(buf, "case,model,measure,metric,n,mean,ci_hw,exact,rel_err,inside\nmd1,");
	free(buf);
	free(rows);

	/* resume: 3 done runs reused, 2 more added */
	o.replications = 5;
	T_EQ_INT(validate_run(&o, &e), 0);
	T_EQ_INT(validate_table(&o, &rows, &n, &e), 0);
	T_EQ_INT(n > 0 ? rows[0].n : 0, 5);
	free(rows);

	/* bad input */
	const char *bad[] = { "mm7" };
	struct validate_opts ob = { .db = db, .cases = bad, .ncases = 1 };
	struct err e2 = { 0 };
	T_EQ_INT(validate_run(&ob, &e2), -1);
	T_EQ_INT(e2.code, ERR_INPUT);
	T_STR_CONTAINS(e2.msg, "mm7");
	const char *other[] = { "mm1" };
	struct validate_opts om = { .db = db, .cases = other, .ncases = 1 };
	struct err e3 = { 0 };
	T_EQ_INT(validate_table(&om, &rows, &n, &e3), -1);
	T_STR_CONTAINS(e3.msg, "validate-mm1");
	unlink(db);
}

static void test_determinism(void)
{
	char json[4096];
	snprintf(json, sizeof json,
		 "{\"experiment\":\"q\",\"seed\":7,\"sources\":[{\"topic\":\"det\","
		 "\"arrivals\":{\"workload\":\"poisson\",\"rate\":3,\"count\":20000},"
		 "\"to\":[\"f\"]}],\"functions\":[{\"name\":\"f\",\"service\":"
		 "{\"type\":\"lognormal\",\"mean\":1,\"sd\":1.5},\"min_replicas\":4,"
		 "\"max_replicas\":4,\"initial_replicas\":4}],"
		 "\"record\":{\"timeline_interval_s\":0}}");
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
	    !CU_add_test(s, "same seed, identical summary", test_determinism) ||
	    !CU_add_test(s, "every validation case is tested", test_cases_covered) ||
	    !CU_add_test(s, "spate validate: runs, database, table", test_validate_db))
		return -1;
	return 0;
}
