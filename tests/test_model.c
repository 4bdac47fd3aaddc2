/*
 * Model behaviour in cases small enough to know the answer exactly:
 * broadcast latency is the slowest branch, branch probabilities and
 * selectivity, cold starts in both modes, keep-alive expiry, drops and
 * backpressure, draining on scale-down, the connector's in-flight limit and
 * batching, and the HPA's step response inside the full model.
 * Every run is also checked for conservation and Little's law.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "err.h"
#include "hist.h"
#include "model.h"
#include "pool.h"
#include "rec.h"
#include "testutil.h"

static double metric(const struct model *m, const char *scope, const char *k)
{
	return model_metric(m, scope, k);
}

#define RUN(json)                                                       \
	struct config *cfg;                                             \
	struct model *m = test_run_json(json, &cfg);                    \
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);                                \
	test_check_laws(m)

#define DONE()                                                          \
	do {                                                            \
		model_free(m);                                          \
		config_free(cfg);                                       \
	} while (0)

#define write_trace test_write_trace

static void test_broadcast_waits_for_slowest(void)
{
	RUN("{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":\"poisson\","
	    "\"rate\":0.01,\"count\":200},\"to\":[\"a\"]}],"
	    "\"functions\":["
	    "{\"name\":\"a\",\"service\":1,\"initial_replicas\":3,\"edges\":{\"to\":[\"b\",\"c\"]}},"
	    "{\"name\":\"b\",\"service\":2,\"initial_replicas\":3},"
	    "{\"name\":\"c\",\"service\":3,\"initial_replicas\":3}]}");
	/* a job is done when its last derived message is: 1 + max(2, 3) */
	const struct hist *h = model_hist(m, "e2e");
	T_NEAR(hist_min(h), 4, 1e-9);
	T_NEAR(hist_max(h), 4, 1e-9);
	T_NEAR(metric(m, "e2e", "completions"), 200, 0);
	T_NEAR(metric(m, "b", "completions"), 200, 0);
	T_NEAR(metric(m, "c", "completions"), 200, 0);
	DONE();
}

static void test_branch_and_selectivity(void)
{
	RUN("{\"seed\":3,\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":\"poisson\","
	    "\"rate\":5,\"count\":20000},\"to\":[\"a\"]}],"
	    "\"functions\":["
	    "{\"name\":\"a\",\"service\":0.01,\"initial_replicas\":4,\"outputs\":1.5,"
	    "\"edges\":{\"mode\":\"branch\",\"to\":[{\"function\":\"b\",\"p\":0.3},"
	    "{\"function\":\"c\",\"p\":0.7}]}},"
	    "{\"name\":\"b\",\"service\":0.01,\"initial_replicas\":4,\"outputs\":0,"
	    "\"edges\":{\"to\":[\"d\"]}},"
	    "{\"name\":\"c\",\"service\":0.01,\"initial_replicas\":4},"
	    "{\"name\":\"d\",\"service\":0.01,\"initial_replicas\":1}]}");
	double a = metric(m, "a", "completions");
	double b = metric(m, "b", "arrivals"), c = metric(m, "c", "arrivals");
	T_NEAR(a, 20000, 0);
	/* 1.5 outputs on average (randomized rounding): binomial spread */
	double outs = b + c, n = a;
	T_NEAR(outs / n, 1.5, 4 * sqrt(0.25 / n));
	T_NEAR(b / outs, 0.3, 4 * sqrt(0.21 / outs));
	T_NEAR(metric(m, "a", "outputs"), outs, 0);
	/* b is a filter: nothing reaches d */
	T_NEAR(metric(m, "d", "arrivals"), 0, 0);
	T_NEAR(metric(m, "e2e", "completions"), 20000, 0);
	DONE();
}

static void test_cold_start_delay_and_keepalive(void)
{
	/* arrivals at 0, 5 (warm), 100 (keep-alive 30 s expired: cold again) */
	double t[] = { 0, 5, 100 };
	char *path = write_trace(t, 3);
	char json[2048];
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\"},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":1,\"cold_start\":2,"
		 "\"on_demand\":true,\"initial_replicas\":0,\"min_replicas\":0,"
		 "\"keep_alive_s\":30,\"scaling\":{\"managed\":false}}]}", path);
	RUN(json);
	T_NEAR(metric(m, "f", "cold_starts"), 2, 0);
	const struct hist *h = model_hist(m, "e2e");
	T_NEAR(hist_max(h), 3, 1e-9);     /* cold: 2 + 1 */
	T_NEAR(hist_min(h), 1, 1e-9);     /* warm */
	T_NEAR(hist_mean(h), 7.0 / 3, 1e-9);
	/* replica lifetime: [0,36) (reclaimed 30 s after going idle at 6),
	 * then [100,103): the run ends when the system has drained */
	T_NEAR(metric(m, "f", "replica_seconds"), 36 + 3, 1e-6);
	T_NEAR(metric(m, "e2e", "duration_s"), 103, 1e-9);
	DONE();
	unlink(path);
	free(path);
}

static void test_cold_start_first_request(void)
{
	double t[] = { 0, 10 };
	char *path = write_trace(t, 2);
	char json[2048];
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\"},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":1,\"cold_start\":4,"
		 "\"cold_start_mode\":\"first_request\",\"initial_replicas\":1}]}", path);
	RUN(json);
	T_NEAR(metric(m, "f", "cold_starts"), 1, 0);
	T_NEAR(hist_max(model_hist(m, "f")), 4, 1e-9);
	T_NEAR(hist_min(model_hist(m, "f")), 1, 1e-9);
	DONE();
	unlink(path);
	free(path);
}

static void test_drop_and_block(void)
{
	/* a burst of 100 at t=0 into one slot with a queue of 10 */
	double t[100];
	for (int i = 0; i < 100; i++)
		t[i] = 0;
	char *path = write_trace(t, 100);
	char json[2048];
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\"},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":1,\"initial_replicas\":1,"
		 "\"queue_capacity\":10,\"on_full\":\"drop\"}]}", path);
	{
		RUN(json);
		T_NEAR(metric(m, "e2e", "completions"), 11, 0);
		T_NEAR(metric(m, "e2e", "dropped"), 89, 0);
		DONE();
	}
	/* block: nothing lost, the backlog waits in Kafka; 100 s of work */
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\"},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":1,\"initial_replicas\":1,"
		 "\"queue_capacity\":10,\"on_full\":\"block\",\"edges\":{\"to\":[\"g\"]}},"
		 "{\"name\":\"g\",\"service\":3,\"initial_replicas\":1,\"queue_capacity\":0,"
		 "\"on_full\":\"block\"}]}", path);
	{
		RUN(json);
		T_NEAR(metric(m, "e2e", "completions"), 100, 0);
		T_NEAR(metric(m, "e2e", "dropped"), 0, 0);
		/* g is the bottleneck (3 s each, no queue): f's slot is held
		 * while g is busy, so the last job ends at 1 + 100 * 3 */
		T_NEAR(hist_max(model_hist(m, "e2e")), 301, 1e-6);
		T_NEAR(metric(m, "g", "dropped"), 0, 0);
		/* f's k-th output (k >= 2) waits for g from 3k-4 to 3k-2 */
		T_NEAR(metric(m, "g", "backpressure_s"), 99 * 2, 1e-6);
		T_NEAR(metric(m, "f", "outputs"), 100, 0);
		T_NEAR(metric(m, "g", "outputs"), 0, 0);
		DONE();
	}
	unlink(path);
	free(path);
}

static void test_scale_down_drains(void)
{
	/* 8 replicas busy with long work; the static policy wants 1 at t=15:
	 * busy replicas drain, none of their messages is lost */
	RUN("{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":\"poisson\","
	    "\"rate\":2,\"count\":200},\"to\":[\"f\"]}],"
	    "\"functions\":[{\"name\":\"f\",\"service\":{\"type\":\"exponential\",\"mean\":3},"
	    "\"initial_replicas\":8,\"min_replicas\":1}],"
	    "\"autoscaler\":{\"policy\":\"static\",\"replicas\":1}}");
	T_NEAR(metric(m, "e2e", "completions"), 200, 0);
	T_NEAR(metric(m, "e2e", "dropped"), 0, 0);
	/* after the scale-down one replica serves 3 s jobs at 2/s: the run
	 * must end far beyond the arrivals (~100 s): ~600 s of work */
	T_TRUE(metric(m, "e2e", "duration_s") > 400, "duration %g",
	       metric(m, "e2e", "duration_s"));
	/* 8 replicas until the decision at t=15, then 1 (draining ones are
	 * not counted in mean_replicas) */
	double T = metric(m, "e2e", "duration_s");
	T_NEAR(metric(m, "f", "mean_replicas"), (8 * 15 + (T - 15)) / T, 1e-9);
	DONE();
}

static void test_max_inflight_orders_partition(void)
{
	/* max_inflight 1 on one partition: strictly one at a time even with
	 * 10 replicas, so 50 jobs of 1 s arriving at once take 50 s */
	double t[50];
	for (int i = 0; i < 50; i++)
		t[i] = 0;
	char *path = write_trace(t, 50);
	char json[2048];
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"partitions\":1,\"arrivals\":{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\"},\"to\":[\"f\"],\"connector\":{\"max_inflight\":1}}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":1,\"initial_replicas\":10}]}", path);
	{
		RUN(json);
		T_NEAR(hist_max(model_hist(m, "e2e")), 50, 1e-6);
		T_NEAR(hist_max(model_hist(m, "f")), 1, 1e-9);  /* never queued */
		DONE();
	}
	/* batching: batch of 10 or 2 s wait; 3 arrivals at 0 wait the 2 s */
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"partitions\":1,\"arrivals\":{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\"},\"to\":[\"f\"],\"connector\":{\"batch_max\":10,\"batch_wait_s\":2}}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":1,\"initial_replicas\":100}]}", path);
	{
		RUN(json);
		/* 50 at t=0: five full batches released at once, no wait */
		T_NEAR(hist_max(model_hist(m, "e2e")), 1, 1e-9);
		DONE();
	}
	unlink(path);
	free(path);
	double t3[] = { 0, 0.5, 1 };
	path = write_trace(t3, 3);
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"partitions\":1,\"arrivals\":{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\"},\"to\":[\"f\"],\"connector\":{\"batch_max\":10,\"batch_wait_s\":2}}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":1,\"initial_replicas\":10}]}", path);
	{
		RUN(json);
		/* released together at t=2: latencies 3, 2.5, 2 */
		T_NEAR(hist_max(model_hist(m, "e2e")), 3, 1e-9);
		T_NEAR(hist_min(model_hist(m, "e2e")), 2, 1e-9);
		DONE();
	}
	unlink(path);
	free(path);
}

/* The HPA inside the full model, read back from the recorded decisions:
 * 0.1 s jobs; 10/s until 300 s, 40/s until 600 s, 4/s until 1500 s;
 * target utilization 0.5, 15 s scrape and sync. */
static void test_hpa_step(void)
{
	int n = 0;
	double *t = malloc(30000 * sizeof *t);
	for (int k = 0; k < 3000; k++)
		t[n++] = k * 0.1;
	for (int k = 0; k < 12000; k++)
		t[n++] = 300 + k * 0.025;
	for (int k = 0; k < 3600; k++)
		t[n++] = 600 + k * 0.25;
	char *path = write_trace(t, n);
	free(t);
	char dir[] = "/tmp/spate-hpa-XXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char db[256], json[2048];
	snprintf(db, sizeof db, "%s/hpa.db", dir);
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"partitions\":8,\"arrivals\":{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\"},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":0.1,\"initial_replicas\":2,"
		 "\"min_replicas\":1,\"max_replicas\":50}],"
		 "\"monitor\":{\"scrape_interval_s\":15},"
		 "\"autoscaler\":{\"policy\":\"hpa\",\"target_utilization\":0.5}}", path);
	struct err e = { 0 };
	struct config *cfg = config_parse(json, "<hpa>", NULL, 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	struct model *m = model_new(cfg, &e);
	struct rec *r = rec_open(db, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	struct rec_run info = { .experiment = "hpa", .policy = "hpa", .config_json = "{}",
				.config_hash = "0", .spate_version = "test", .started_at = "" };
	int64_t id;
	CU_ASSERT_EQUAL_FATAL(rec_run_begin(r, &info, &id, &e), 0);
	CU_ASSERT_EQUAL_FATAL(model_run(m, r, id, NULL, NULL, &e), 0);
	CU_ASSERT_EQUAL_FATAL(rec_run_end(r, id, 0, model_events(m), "done", &e), 0);
	test_check_laws(m);
	T_NEAR(metric(m, "e2e", "completions"), n, 0);

	sqlite3 *s;
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(db, &s), SQLITE_OK);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(s, "SELECT t, from_replicas, to_replicas FROM decisions "
			   "WHERE run_id = ? ORDER BY t", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	double first_up = -1, first_below8 = -1;
	int up_from = 0, up_to = 0, changes_before_step = 0, peak = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		double at = sqlite3_column_double(st, 0);
		int from = sqlite3_column_int(st, 1), to = sqlite3_column_int(st, 2);
		if (to > peak)
			peak = to;
		if (at < 300 && to != from)
			changes_before_step++;
		if (at >= 300 && first_up < 0 && to > from) {
			first_up = at;
			up_from = from;
			up_to = to;
		}
		if (at > 600 && first_below8 < 0 && to < 8)
			first_below8 = at;
	}
	sqlite3_finalize(st);
	sqlite3_close(s);
	/* steady at 10/s: 1 busy slot at 2 replicas is exactly the target */
	T_EQ_INT(changes_before_step, 0);
	/* the step at 300 is seen by the first sync after it (15 s window) */
	T_NEAR(first_up, 315, 1e-9);
	/* limited by the rate policies: max(+4 pods, +100%) per 15 s */
	T_TRUE(up_to - up_from <= (up_from > 4 ? up_from : 4),
	       "first scale-up %d -> %d exceeds the rate policies", up_from, up_to);
	/* 40/s x 0.1 s = 4 busy: at least 8 replicas at utilization 0.5 */
	T_TRUE(peak >= 8, "peak %d replicas", peak);
	/* the drop at 600 waits out the 300 s stabilization window: 40/s
	 * needs 8 replicas, the last recommendation of 8 or more is made at
	 * 600 (its 15 s window is all 40/s), and a recommendation leaves the
	 * window 300 s later. Stepping down from an overshoot to 8 may come
	 * earlier; going below 8 happens exactly at 900. */
	T_NEAR(first_below8, 900, 1e-9);
	rec_close(r);
	model_free(m);
	config_free(cfg);
	unlink(db);
	rmdir(dir);
	unlink(path);
	free(path);
}

/* pool_tidy (the model tidies its pools once a backlog has drained): with
 * the items freed in a scattered order, the free stack then hands out the
 * lowest free indices first, in increasing order, never one in use, and
 * fresh indices after them. */
static void test_pool_tidy(void)
{
	enum { N = 1000 };
	struct pool p;
	pool_init(&p, sizeof(double));
	for (uint32_t k = 0; k < N; k++)
		T_EQ_INT(pool_get(&p), k);
	for (uint32_t k = 0; k < N; k++) {
		uint32_t i = k * 389 % N;   /* 389 is prime to N: a permutation */
		if (i % 7)                  /* the multiples of 7 stay in use */
			pool_put(&p, i);
	}
	T_EQ_INT(p.live, (N + 6) / 7);
	pool_tidy(&p);
	T_EQ_INT(p.live, (N + 6) / 7);
	T_EQ_INT(p.nfree, N - (N + 6) / 7);
	for (uint32_t want = 0; want < N; want++)
		if (want % 7)
			T_EQ_INT(pool_get(&p), want);
	T_EQ_INT(pool_get(&p), N);
	pool_fini(&p);
}

/*
 * Topic retention by hand. Arrivals at 0.5, 1.5, ..., 99.5 into one
 * partition; the connector keeps one record in flight (max_inflight 1) and
 * one replica takes 10 s, so records are fetched at 0.5 + 10n. Segments
 * roll every 10 s (segment k holds offsets 10k..10k+9, newest at
 * 10k + 9.5); the cleaner runs every 7 s and deletes a segment once its
 * newest record is over 30 s old: segment k goes at the first multiple of
 * 7 above 10k + 39.5 (42, 56, 63, 70, 84, 91, 105, 112, 126, 133; the
 * last is the active segment, rolled away when all of it is old).
 * earliest: the consumer resumes at the log start. At 42 it is at offset 5
 * (0..4 fetched): 5..9 are lost; then one record per segment is fetched
 * before its segment goes, except at 70 (segment 3 goes while 20 is still
 * in service: all 10 lost) and at 84 (40 and 41 fetched): served
 * 0-4, 10, 20, 40, 41, 50, 60, 70, 80, 90 = 14, expired 86, done at 140.5.
 * latest: the consumer jumps to the log end. At 42 that is offset 42
 * (5..41 lost, 37); 42..45 are fetched by 80.5; at 84 segment 4 goes under
 * offset 46: to 84 (46..83 lost, 38); 84..87 by 120.5; at 126 segment 8
 * goes under 88: to the end, 100 (88..99 lost, 12). Served 13, expired 87,
 * done at 130.5.
 * bytes: nobody consumes (a consumer group with no member), 100-byte
 * records in 500-byte segments, retention 1000 bytes: the cleaner keeps
 * the newest two segments, 10 records, and 90 expire.
 */
static void test_retention(void)
{
	static const char *const fmt =
		"{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":"
		"\"periodic\",\"period_s\":1,\"phase_s\":0.5,\"duration_s\":100%s},"
		"\"to\":[\"f\"],\"connector\":{%s},\"retention\":{%s}}],"
		"\"functions\":[{\"name\":\"f\",\"service\":10,"
		"\"initial_replicas\":%d}]%s}";
	struct {
		const char *size, *conn, *ret, *end;
		int replicas;
		double completions, expired, in_flight, t_end;
	} cases[] = {
		{ "", "\"max_inflight\":1",
		  "\"time_s\":30,\"segment_s\":10,\"check_s\":7", "", 1,
		  14, 86, 0, 140.5 },
		{ "", "\"max_inflight\":1",
		  "\"time_s\":30,\"segment_s\":10,\"check_s\":7,"
		  "\"offset_reset\":\"latest\"", "", 1, 13, 87, 0, 130.5 },
		{ ",\"size\":100", "\"consumers\":\"replicas\"",
		  "\"bytes\":1000,\"segment_bytes\":500,\"check_s\":7", 
		  ",\"duration_s\":200", 0, 0, 90, 10, 200 },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		char json[1024];
		snprintf(json, sizeof json, fmt, cases[k].size, cases[k].conn,
			 cases[k].ret, cases[k].replicas, cases[k].end);
		struct config *cfg;
		struct model *m = test_run_json(json, &cfg);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		test_check_laws(m);
		T_NEAR(model_metric(m, "e2e", "arrivals"), 100, 0);
		T_NEAR(model_metric(m, "e2e", "completions"), cases[k].completions, 0);
		T_NEAR(model_metric(m, "e2e", "expired"), cases[k].expired, 0);
		T_NEAR(model_metric(m, "f", "expired"), cases[k].expired, 0);
		T_NEAR(model_metric(m, "e2e", "in_flight_end"), cases[k].in_flight, 0);
		T_NEAR(model_now(m), cases[k].t_end, 1e-9);
		model_free(m);
		config_free(cfg);
	}
}

int test_model_register(void)
{
	CU_pSuite s = CU_add_suite("model", NULL, NULL);
	if (!s || !CU_add_test(s, "broadcast e2e = slowest branch", test_broadcast_waits_for_slowest) ||
	    !CU_add_test(s, "branch probabilities and selectivity", test_branch_and_selectivity) ||
	    !CU_add_test(s, "cold start delay and keep-alive", test_cold_start_delay_and_keepalive) ||
	    !CU_add_test(s, "cold start as first-request service", test_cold_start_first_request) ||
	    !CU_add_test(s, "drop and backpressure", test_drop_and_block) ||
	    !CU_add_test(s, "scale-down drains, loses nothing", test_scale_down_drains) ||
	    !CU_add_test(s, "connector max_inflight and batching", test_max_inflight_orders_partition) ||
	    !CU_add_test(s, "hpa in the model", test_hpa_step) ||
	    !CU_add_test(s, "pool_tidy hands out the lowest indices", test_pool_tidy) ||
	    !CU_add_test(s, "topic retention by hand", test_retention))
		return -1;
	return 0;
}
