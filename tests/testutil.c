/*
 * The test runner: registers every suite, runs them verbosely, and exits
 * non-zero when any assertion failed. `spate-tests SUITE...` runs only the
 * named suites.
 */
#include "testutil.h"

#include <CUnit/Basic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "model.h"
#include "rec.h"

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
	double dl = model_metric(m, "e2e", "dead_lettered");
	double x = model_metric(m, "e2e", "expired");
	T_NEAR(c + d + dl + x + f, a, 0);
	double L = model_metric(m, "e2e", "mean_in_system");
	double X = model_metric(m, "e2e", "throughput");
	double W = model_metric(m, "e2e", "mean");
	if (f == 0 && d == 0 && dl == 0 && x == 0)   /* exact when the run drained without loss */
		T_NEAR(L, X * W, 1e-6 * L + 1e-12);
}

struct model *test_run_json_db(const char *json, struct config **cfg,
			       char **db)
{
	*db = NULL;
	*cfg = NULL;
	char *path = strdup("/tmp/spate-test-db-XXXXXX");
	int fd = path ? mkstemp(path) : -1;
	if (fd < 0) {
		free(path);
		CU_FAIL("no temporary database");
		return NULL;
	}
	close(fd);
	unlink(path);   /* rec_open creates it with its schema */
	struct err e = { 0 };
	struct model *m = NULL;
	struct rec *r = NULL;
	int64_t id = 0;
	struct rec_run info = {
		.experiment = "test", .policy = "test", .config_json = "{}",
		.config_hash = "0", .spate_version = "test", .started_at = "",
	};
	const char *stage = NULL;
	if (!(*cfg = config_parse(json, "<test>", NULL, 0, &e)))
		stage = "config";
	else if (!(m = model_new(*cfg, &e)))
		stage = "model";
	else if (!(r = rec_open(path, &e)))
		stage = "database";
	else if (rec_run_begin(r, &info, &id, &e) != 0)
		stage = "run begin";
	else if (model_run(m, r, id, NULL, NULL, &e) != 0)
		stage = "run";
	else if (rec_run_end(r, id, 0, model_events(m), "done", &e) != 0)
		stage = "run end";
	rec_close(r);
	if (stage) {
		fprintf(stderr, "\n  %s: %s\n", stage, e.msg);
		CU_FAIL("test_run_json_db failed");
		model_free(m);
		config_free(*cfg);
		*cfg = NULL;
		unlink(path);
		free(path);
		return NULL;
	}
	*db = path;
	return m;
}

void test_db_remove(char *db)
{
	if (!db)
		return;
	unlink(db);
	free(db);
}

/* The statement positioned on the first row of sql, or NULL (no row, or an
 * error, which fails the current test). */
static sqlite3_stmt *q_row(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (!db) {
		CU_FAIL("query on no database");
		return NULL;
	}
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "\n  %s: %s\n", sql, sqlite3_errmsg(db));
		CU_FAIL("query rejected");
		sqlite3_finalize(st);
		return NULL;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

long long test_q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = q_row(db, sql);
	long long v = st ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

double test_q_dbl(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = q_row(db, sql);
	double v = st ? sqlite3_column_double(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

void test_fx_begin(struct test_fx *f, const char *policy, int nfn,
		   double scrape)
{
	static const char *const names[TEST_FX_MAXFN] = {"a", "b", "c", "d"};
	memset(f, 0, sizeof *f);
	f->pol = policy_find(policy);
	CU_ASSERT_FATAL(f->pol != NULL);
	CU_ASSERT_FATAL(f->pol->nparams <= TEST_FX_MAXPARAM);
	CU_ASSERT_FATAL(nfn >= 1 && nfn <= TEST_FX_MAXFN);
	f->nfn = nfn;
	f->interval = f->pol->interval_s;
	f->scrape = scrape;
	f->retention = 1200;
	for (int k = 0; k < nfn; k++) {
		for (size_t i = 0; i < f->pol->nparams; i++) {
			const struct param_def *d = &f->pol->params[i];
			if (d->type == PARAM_STR || d->type == PARAM_DIST)
				f->p[k][i].str = d->def_str;
			else
				f->p[k][i].num = d->def;
		}
		f->pp[k] = f->p[k];
		f->fn[k] = (struct fn_view){
			.name = nfn == 1 ? "f" : names[k], .managed = 1,
			.min_replicas = 0, .max_replicas = 1000, .target = 1,
			.ready = 1, .concurrency = 1, .memory_mb = 128,
			.children = f->children[k], .parents = f->parents[k],
		};
	}
}

void test_fx_edge(struct test_fx *f, int from, int to)
{
	struct fn_view *a = &f->fn[from], *b = &f->fn[to];
	CU_ASSERT_FATAL(a->nchildren < TEST_FX_MAXFN &&
			b->nparents < TEST_FX_MAXFN);
	f->children[from][a->nchildren++] = to;
	f->parents[to][b->nparents++] = from;
}

int test_fx_param(const struct test_fx *f, const char *name)
{
	int i = param_find(f->pol->params, f->pol->nparams, name);
	T_TRUE(i >= 0, "no parameter %s", name);
	return i;
}

void test_fx_num(struct test_fx *f, const char *name, double v)
{
	int i = test_fx_param(f, name);
	for (int k = 0; i >= 0 && k < f->nfn; k++)
		f->p[k][i].num = v;
}

void test_fx_enum(struct test_fx *f, const char *name, const char *choice)
{
	int i = test_fx_param(f, name);
	if (i < 0)
		return;
	int c = param_choice_index(&f->pol->params[i], choice);
	T_TRUE(c >= 0, "no choice %s for %s", choice, name);
	for (int k = 0; k < f->nfn; k++)
		f->p[k][i].num = c;
}

/* Busy slots of function k that util asks for. */
static double busy_slots(const struct test_fx *f, int k)
{
	return f->util[k] * f->fn[k].ready * f->fn[k].concurrency;
}

void test_fx_push(struct test_fx *f)
{
	double v[TEST_FX_MAXFN * MON_NMETRICS] = {0};
	for (int k = 0; k < f->nfn; k++) {
		double *x = v + k * MON_NMETRICS;
		for (int j = 0; j < MON_NMETRICS; j++)
			x[j] = mon_is_counter(j) ? f->c[k][j] : f->gauge[k][j];
		x[MON_INFLIGHT] += busy_slots(f, k);
		x[MON_READY] = f->fn[k].ready;
		x[MON_PENDING] = f->fn[k].pending;
	}
	mon_push(f->mon, f->t, v);
}

void test_fx_feed(struct test_fx *f, double t)
{
	double dt = f->scrape;
	while (f->t + dt <= t + 1e-9) {
		if (f->before_scrape)
			f->before_scrape(f);
		for (int k = 0; k < f->nfn; k++) {
			for (int j = 0; j < MON_NMETRICS; j++)
				if (mon_is_counter(j))
					f->c[k][j] += f->rate[k][j] * dt;
			double busy = busy_slots(f, k);
			f->c[k][MON_BUSY_TIME] += busy * dt;
			f->c[k][MON_READY_BUSY_TIME] += busy * dt;
			f->c[k][MON_READY_TIME] += f->fn[k].ready * dt;
		}
		f->t += dt;
		test_fx_push(f);
	}
}

int test_fx_try_init(struct test_fx *f, struct err *e)
{
	memcpy(f->init_fn, f->fn, sizeof f->fn);
	for (int k = 0; f->init_ready_set && k < f->nfn; k++)
		f->init_fn[k].ready = f->init_ready[k];
	struct policy_ctx ctx = {
		.nfn = f->nfn, .fn = f->init_fn, .params = f->pp,
		.interval = f->interval,
	};
	f->mon = mon_new(f->nfn, f->scrape, f->retention);
	CU_ASSERT_FATAL(f->mon != NULL);
	if (f->before_scrape)
		f->before_scrape(f);
	test_fx_push(f);
	f->st = f->pol->init(&ctx, e);
	return f->st ? 0 : -1;
}

void test_fx_init(struct test_fx *f)
{
	struct err e = {0};
	int rc = test_fx_try_init(f, &e);
	T_TRUE(rc == 0, "init failed: %s", e.msg);
	CU_ASSERT_FATAL(rc == 0);
}

struct scale_decision test_fx_decide(struct test_fx *f, double now)
{
	test_fx_feed(f, now);
	for (int k = 0; k < f->nfn; k++)
		f->d[k] = (struct scale_decision){.desired = -1};
	struct scale_view v = {.now = now, .nfn = f->nfn, .fn = f->fn,
			       .mon = f->mon, .ntopics = f->ntopics,
			       .topics = f->topics};
	f->pol->decide(f->st, &v, f->d);
	for (int k = 0; k < f->nfn; k++) {
		int want = f->d[k].desired;
		if (want < 0 || f->frozen)
			continue;
		if (want != f->fn[k].target)
			f->actions++;
		f->fn[k].target = want;
		if (!f->hold_ready)
			f->fn[k].ready = want;
	}
	return f->d[0];
}

void test_fx_end(struct test_fx *f)
{
	if (f->st)
		f->pol->fini(f->st);
	f->st = NULL;
	mon_free(f->mon);
	f->mon = NULL;
}

double test_observed(const struct scale_decision *d, const char *name)
{
	for (int i = 0; i < d->nobserved; i++)
		if (strcmp(d->observed[i].name, name) == 0)
			return d->observed[i].value;
	return NAN;
}

static int (*const suites[])(void) = {
	test_evq_register,     test_rng_register,      test_dist_register,
	test_hist_register,    test_qtheory_register,  test_config_register,
	test_workloads_register, test_rec_register,    test_hpa_register,
	test_keda_kafka_register, test_kpa_register, test_ds2_register,
	test_lambda_register, test_hybrid_histogram_register, test_contract_register,
	test_lookahead_register, test_oracle_register, test_plugin_register,
	test_cluster_register, test_failure_register, test_transforms_register, test_kafkarec_register,
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
	/* each CU_basic_run_suite resets CUnit's counts: sum them */
	unsigned failed = 0, run = 0;
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			CU_pSuite s = CU_get_suite(argv[i]);
			if (!s) {
				fprintf(stderr, "no suite named %s\n", argv[i]);
				CU_cleanup_registry();
				return 2;
			}
			CU_basic_run_suite(s);
			failed += CU_get_number_of_failures();
			run += CU_get_number_of_tests_run();
		}
	} else {
		CU_basic_run_tests();
		failed = CU_get_number_of_failures();
		run = CU_get_number_of_tests_run();
	}
	CU_cleanup_registry();
	return failed || run == 0 ? 1 : 0;
}
