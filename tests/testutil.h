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

#include "monitor.h"
#include "policy.h"

int test_quick(void);   /* 1 under SPATE_TEST_QUICK */

struct config;
struct err;
struct model;
/* Parses json, builds and runs the model to its end. Returns the model (free
 * it and *cfg) or NULL after failing the current test with the message. */
struct model *test_run_json(const char *json, struct config **cfg);
/* Writes a spate-csv trace of n keyless 100-byte arrivals on topic "in" at
 * times t[] to a new temporary file; returns its path (free it and unlink
 * it), or NULL. */
char *test_write_trace(const double *t, int n);
/* Asserts conservation (arrivals = completions + dropped + dead-lettered +
 * in flight) and Little's law on a finished, drained run. */
void test_check_laws(const struct model *m);

/* As test_run_json, recording the run (timeline and decisions) into a new
 * temporary SQLite database: *db is its path (NULL on failure), removed and
 * freed by test_db_remove. */
struct sqlite3;
struct model *test_run_json_db(const char *json, struct config **cfg,
			       char **db);
void test_db_remove(char *db);
/* The first column of the first row of sql on an open database; -1 when
 * there is no row. A query SQLite rejects fails the current test with its
 * message (and returns -1). */
long long test_q_int(struct sqlite3 *db, const char *sql);
double test_q_dbl(struct sqlite3 *db, const char *sql);

/*
 * The policy fixture: one policy driven directly, as the policy suites do.
 * Parameters start at the table's defaults, functions are views the test
 * sets, and a monitor is fed with synthetic scrapes every `scrape` seconds:
 * each counter grows by rate[fn][metric] per second (MON_READY_TIME by the
 * ready replicas), each gauge is gauge[fn][metric] (MON_READY and
 * MON_PENDING are the view's); util[fn], a busy fraction of the ready
 * slots, adds util x ready x concurrency to MON_INFLIGHT and to the growth
 * of MON_BUSY_TIME and MON_READY_BUSY_TIME. A decision is applied as the
 * engine would, new replicas ready at once (only the target moves with
 * hold_ready, nothing with frozen). before_scrape, when set, runs before
 * every synthetic scrape (the first included) so a suite can derive rates
 * and gauges from others or from the views.
 * Use: test_fx_begin; set params, views, rates, t; test_fx_init (creates the
 * monitor, scrapes once at t, starts the policy); test_fx_decide ...;
 * test_fx_end.
 */
#define TEST_FX_MAXFN 4
#define TEST_FX_MAXPARAM 32

struct test_fx {
	const struct policy *pol;
	int nfn;
	union param_val p[TEST_FX_MAXFN][TEST_FX_MAXPARAM];
	const union param_val *pp[TEST_FX_MAXFN];
	struct fn_view fn[TEST_FX_MAXFN];
	int children[TEST_FX_MAXFN][TEST_FX_MAXFN];   /* the views' edges */
	int parents[TEST_FX_MAXFN][TEST_FX_MAXFN];
	int init_ready[TEST_FX_MAXFN];   /* with init_ready_set: the ready
					    replicas init sees (created while
					    replicas start) */
	int init_ready_set;
	struct fn_view init_fn[TEST_FX_MAXFN];   /* the views init saw */
	double interval;     /* policy_ctx.interval: the policy's own */
	double scrape;       /* seconds between synthetic scrapes */
	double retention;    /* monitor retention, s */
	struct mon *mon;
	void *st;
	double t;            /* time of the latest scrape */
	double c[TEST_FX_MAXFN][MON_NMETRICS];      /* counters, cumulative */
	double rate[TEST_FX_MAXFN][MON_NMETRICS];   /* counters' growth /s */
	double gauge[TEST_FX_MAXFN][MON_NMETRICS];  /* gauges' values */
	double util[TEST_FX_MAXFN];                 /* busy fraction of the
						       ready slots */
	int ntopics;         /* the view's topics (set by the test) */
	const struct topic_view *topics;
	int hold_ready;      /* decisions move the target only */
	int frozen;          /* decisions are not applied at all */
	struct scale_decision d[TEST_FX_MAXFN];     /* the latest decisions */
	int actions;         /* decisions that changed a target */
	void (*before_scrape)(struct test_fx *f);
	void *user;          /* the suite's own data, for before_scrape */
};

/* Finds the policy (failing the test fatally when missing); nfn functions
 * named "f" (one) or "a".."d", managed, [0, 1000], target = ready = 1,
 * concurrency 1, 128 MB; scrape every `scrape` s from t = 0, retention
 * 1200 s, the policy's interval. */
void test_fx_begin(struct test_fx *f, const char *policy, int nfn,
		   double scrape);
/* Adds the edge from -> to to the views (children and parents). */
void test_fx_edge(struct test_fx *f, int from, int to);
/* Sets a numeric (or enum by index, bool) parameter for every function. */
void test_fx_num(struct test_fx *f, const char *name, double v);
/* Sets an enum parameter by its choice name for every function. */
void test_fx_enum(struct test_fx *f, const char *name, const char *choice);
/* Index of a parameter (failing the test when missing), or -1. */
int test_fx_param(const struct test_fx *f, const char *name);
/* Creates the monitor, scrapes once at t and starts the policy: 0, or -1
 * with the policy's error in e (may be NULL). */
int test_fx_try_init(struct test_fx *f, struct err *e);
/* The same, failing the test fatally when init fails. */
void test_fx_init(struct test_fx *f);
/* Pushes one scrape of the current counters and gauges at f->t. */
void test_fx_push(struct test_fx *f);
/* Scrapes every `scrape` s up to time t. */
void test_fx_feed(struct test_fx *f, double t);
/* Feeds up to now, decides for every function (decisions in f->d, desired
 * -1 where kept), applies them; returns the first function's. */
struct scale_decision test_fx_decide(struct test_fx *f, double now);
void test_fx_end(struct test_fx *f);
/* A decision's observed value by name, NAN when absent. */
double test_observed(const struct scale_decision *d, const char *name);

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
int test_failure_register(void);
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
