/*
 * Regressions: one test per bug found in review of the core model, each the
 * smallest run that showed it, with the value worked out by hand. Runs are
 * guarded by an event budget, so a reintroduced hang fails the test instead
 * of hanging the suite.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "hist.h"
#include "model.h"
#include "testutil.h"
#include "workload.h"

static char *trace(const char *rows)
{
	char *path = strdup("/tmp/spate-regress-XXXXXX");
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	fputs(rows, f);
	fclose(f);
	return path;
}

static int budget(void *ctx, double now, double end, uint64_t events)
{
	(void)ctx;
	(void)now;
	(void)end;
	return events > 5000000;   /* far beyond any of these runs */
}

/* Runs json (one %s for the trace path) on the rows; NULL after failing. */
static struct model *run(const char *json, const char *rows,
			 struct config **cfg)
{
	char *path = trace(rows);
	char text[4096];
	snprintf(text, sizeof text, json, path);
	struct err e = { 0 };
	struct model *m = NULL;
	*cfg = config_parse(text, "<regress>", NULL, 0, &e);
	if (*cfg)
		m = model_new(*cfg, &e);
	if (!m) {
		fprintf(stderr, "\n  %s\n", e.msg);
		CU_FAIL("setup");
		config_free(*cfg);
		*cfg = NULL;
	} else {
		int rc = model_run(m, NULL, 0, budget, NULL, &e);
		T_TRUE(rc == 0, "run ended with %d (1 = event budget exhausted: a hang)", rc);
	}
	unlink(path);
	free(path);
	return m;
}

#define SRC(extra) "{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":\"spate-csv\"," \
		   "\"path\":\"%s\"},\"to\":[\"a\"]" extra "}],"

static double val(const struct model *m, const char *scope, const char *k)
{
	return model_metric(m, scope, k);
}

static void done(struct model *m, struct config *c)
{
	model_free(m);
	config_free(c);
}

/* A stuck run (a has no replica) stops even when decisions coincide with
 * scrapes, and even when keep-alive timers exist. */
static void test_stuck_runs_stop(void)
{
	const char *cfgs[] = {
		SRC("") "\"functions\":[{\"name\":\"a\",\"service\":1,\"initial_replicas\":0,"
		"\"edges\":{\"to\":[\"b\"]}},{\"name\":\"b\",\"service\":1,\"initial_replicas\":1}],"
		"\"monitor\":{\"scrape_interval_s\":5}}",
		SRC("") "\"functions\":[{\"name\":\"a\",\"service\":1,\"initial_replicas\":0,"
		"\"edges\":{\"to\":[\"b\"]}},{\"name\":\"b\",\"service\":1,\"initial_replicas\":1,"
		"\"keep_alive_s\":5}]}",
	};
	for (size_t i = 0; i < 2; i++) {
		struct config *c;
		struct model *m = run(cfgs[i], "0,in,,0\n", &c);
		if (!m)
			continue;
		test_check_laws(m);
		T_NEAR(val(m, "e2e", "in_flight_end"), 1, 0);
		done(m, c);
	}
}

/* Keep-alive does not reclaim below the policy's decision: no churn of cold
 * starts between two messages 100 s apart. */
static void test_keepalive_respects_policy(void)
{
	struct config *c;
	struct model *m = run(SRC("") "\"functions\":[{\"name\":\"a\",\"service\":1,"
			      "\"cold_start\":1,\"initial_replicas\":1,\"keep_alive_s\":5}]}",
			      "0,in,,0\n100,in,,0\n", &c);
	if (!m)
		return;
	T_NEAR(val(m, "a", "cold_starts"), 1, 0);
	T_NEAR(hist_max(model_hist(m, "e2e")), 2, 1e-9);   /* first waits the cold start */
	done(m, c);
}

/* On-demand starts a replica for a message even when the queue is bounded:
 * three simultaneous messages, capacity 0 or 1, drop or block. */
static void test_on_demand_bounded_queue(void)
{
	const char *cfgs[] = {
		SRC("") "\"functions\":[{\"name\":\"a\",\"service\":1,\"initial_replicas\":1,"
		"\"on_demand\":true,\"queue_capacity\":0,\"max_replicas\":10,"
		"\"scaling\":{\"managed\":false}}]}",
		SRC("") "\"functions\":[{\"name\":\"a\",\"service\":1,\"cold_start\":1,"
		"\"initial_replicas\":0,\"on_demand\":true,\"queue_capacity\":1,\"max_replicas\":10,"
		"\"scaling\":{\"managed\":false}}]}",
		SRC("") "\"functions\":[{\"name\":\"a\",\"service\":1,\"initial_replicas\":0,"
		"\"on_demand\":true,\"queue_capacity\":0,\"on_full\":\"block\",\"max_replicas\":10,"
		"\"scaling\":{\"managed\":false}}]}",
	};
	double want_max[] = { 1, 2, 1 };
	for (size_t i = 0; i < 3; i++) {
		struct config *c;
		struct model *m = run(cfgs[i], "0,in,,0\n0,in,,0\n0,in,,0\n", &c);
		if (!m)
			continue;
		test_check_laws(m);
		T_NEAR(val(m, "e2e", "dropped"), 0, 0);
		T_NEAR(val(m, "e2e", "completions"), 3, 0);
		T_NEAR(hist_max(model_hist(m, "e2e")), want_max[i], 1e-9);
		done(m, c);
	}
}

/* Two partitions under backpressure are served round robin: the message on
 * the second partition does not wait behind 50 on the first. */
static void test_waiting_partitions_fair(void)
{
	/* keys that fall on different partitions of 2 */
	char ka[16] = "k0", kb[16] = "";
	uint64_t ha = workload_key_hash(ka, strlen(ka));
	for (int i = 1; i < 100 && !kb[0]; i++) {
		char k[16];
		snprintf(k, sizeof k, "k%d", i);
		if (workload_key_hash(k, strlen(k)) % 2 != ha % 2)
			strcpy(kb, k);
	}
	char rows[4096] = "";
	for (int i = 0; i < 50; i++)
		snprintf(rows + strlen(rows), sizeof rows - strlen(rows), "0,in,%s,0\n", ka);
	snprintf(rows + strlen(rows), sizeof rows - strlen(rows), "1,in,%s,0\n", kb);
	struct config *c;
	struct model *m = run("{\"warmup_s\":0.5,"
			      "\"sources\":[{\"topic\":\"in\",\"partitions\":2,\"arrivals\":{"
			      "\"workload\":\"spate-csv\",\"path\":\"%s\"},\"to\":[\"a\"]}],"
			      "\"functions\":[{\"name\":\"a\",\"service\":1,\"initial_replicas\":1,"
			      "\"queue_capacity\":1,\"on_full\":\"block\"}]}", rows, &c);
	if (!m)
		return;
	T_NEAR(val(m, "e2e", "completions"), 51, 0);
	/* only the message at t=1 is recorded (warm-up 0.5 s). At t=1 the
	 * first partition has just taken its turn (its 3rd message queued
	 * behind the 2nd in service); round robin then gives the second
	 * partition the next turn at 3, service 4..5: 4 s. Without round
	 * robin it waited for all 50 (~50 s). */
	double lat = hist_max(model_hist(m, "e2e"));
	T_NEAR(lat, 4, 1e-9);
	done(m, c);
}

/* A batch released because it was full does not leave its timer to release
 * the next batch early. */
static void test_batch_timer_generation(void)
{
	struct config *c;
	struct model *m = run(SRC(",\"connector\":{\"batch_max\":2,\"batch_wait_s\":10}")
			      "\"functions\":[{\"name\":\"a\",\"service\":0.001,\"initial_replicas\":3}]}",
			      "0,in,,0\n1,in,,0\n5,in,,0\n", &c);
	if (!m)
		return;
	/* 0 and 1 leave together at 1 (full); 5 waits its own 10 s */
	T_NEAR(hist_max(model_hist(m, "e2e")), 10.001, 1e-9);
	done(m, c);
}

/* Utilization counts ready replicas only, so draining ones cannot push it
 * above 1. */
static void test_utilization_with_draining(void)
{
	struct config *c;
	struct model *m = run(SRC("") "\"functions\":[{\"name\":\"a\",\"service\":20,"
			      "\"initial_replicas\":3,\"max_replicas\":5}],"
			      "\"autoscaler\":{\"policy\":\"static\",\"replicas\":0}}",
			      "0,in,,0\n0,in,,0\n0,in,,0\n", &c);
	if (!m)
		return;
	/* busy 3 slots on 3 ready replicas until 15, then all draining */
	T_NEAR(val(m, "a", "utilization"), 1, 1e-9);
	done(m, c);
}

/* Backpressure time starts when the partition stalls, not at the previous
 * accounting: capacity 1, 10 s service, arrivals 0, 0, 5: the third waits
 * from 5 to 10. */
static void test_backpressure_accounting(void)
{
	struct config *c;
	struct model *m = run(SRC("") "\"functions\":[{\"name\":\"a\",\"service\":10,"
			      "\"initial_replicas\":1,\"queue_capacity\":1,\"on_full\":\"block\"}],"
			      "\"monitor\":{\"scrape_interval_s\":1000},"
			      "\"record\":{\"timeline_interval_s\":0}}",
			      "0,in,,0\n0,in,,0\n5,in,,0\n", &c);
	if (!m)
		return;
	T_NEAR(val(m, "a", "backpressure_s"), 5, 1e-9);
	done(m, c);
}

/* A finished message holding its slot for a blocked output is not counted in
 * flight twice. f's 2nd output waits for g (no queue) when the run ends. */
static void test_in_flight_holding(void)
{
	struct config *c;
	struct model *m = run(SRC("") "\"duration_s\":50,"
			      "\"functions\":[{\"name\":\"a\",\"service\":1,\"initial_replicas\":1,"
			      "\"edges\":{\"to\":[\"g\"]}},"
			      "{\"name\":\"g\",\"service\":100,\"initial_replicas\":1,"
			      "\"queue_capacity\":0,\"on_full\":\"block\"}]}",
			      "0,in,,0\n0,in,,0\n", &c);
	if (!m)
		return;
	T_NEAR(val(m, "a", "completions"), 2, 0);
	T_NEAR(val(m, "a", "in_flight_end"), 0, 0);
	T_NEAR(val(m, "g", "in_flight_end"), 2, 0);
	T_NEAR(val(m, "e2e", "in_flight_end"), 2, 0);
	done(m, c);
}

int test_regress_register(void)
{
	CU_pSuite s = CU_add_suite("regressions", NULL, NULL);
	if (!s || !CU_add_test(s, "stuck drain runs stop", test_stuck_runs_stop) ||
	    !CU_add_test(s, "keep-alive respects the policy", test_keepalive_respects_policy) ||
	    !CU_add_test(s, "on-demand with a bounded queue", test_on_demand_bounded_queue) ||
	    !CU_add_test(s, "waiting partitions are served fairly", test_waiting_partitions_fair) ||
	    !CU_add_test(s, "batch timer generation", test_batch_timer_generation) ||
	    !CU_add_test(s, "utilization with draining replicas", test_utilization_with_draining) ||
	    !CU_add_test(s, "backpressure accounting", test_backpressure_accounting) ||
	    !CU_add_test(s, "in flight with held slots", test_in_flight_holding))
		return -1;
	return 0;
}
