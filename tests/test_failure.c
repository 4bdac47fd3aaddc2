/*
 * Failures through whole runs: invocation errors retried with backoff and
 * dead-lettered after max_attempts, against the geometric law of the
 * attempts (dead-letter fraction p^N, the latency of the k-th attempt
 * exactly); replica and node crashes against hand-computed replica time,
 * unschedulable time and node events; a message that every crash takes
 * until it is dead-lettered; and conservation with everything failing at
 * once (arrivals = completions + dead-lettered + dropped + in flight, per
 * run and per function), with identical results for the same seed.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"
#include "config.h"
#include "model.h"
#include "testutil.h"

static double metric(const struct model *m, const char *scope, const char *k)
{
	return model_metric(m, scope, k);
}

static void done(struct model *m, struct config *c)
{
	model_free(m);
	config_free(c);
}

/* Deterministic 1 s service on replicas enough that nobody queues; each
 * attempt fails with p = 0.3 at its end; 3 attempts, backoff 0.5 s then
 * 1 s. A message completes after 1 s (prob 0.7), 2.5 s (0.21) or 4.5 s
 * (0.063), or is dead-lettered (0.027). */
static void test_retry_dead_letter_by_hand(void)
{
	const double p = 0.3;
	const int n = test_quick() ? 4000 : 20000;
	char json[1024];
	snprintf(json, sizeof json,
		 "{\"seed\": 11, \"sources\": [{\"topic\": \"in\", \"arrivals\":"
		 " {\"workload\": \"poisson\", \"rate\": 20, \"count\": %d}, \"to\": [\"f\"]}],"
		 " \"functions\": [{\"name\": \"f\", \"service\": 1, \"initial_replicas\": 400,"
		 " \"failures\": {\"error_p\": %g}, \"retry\": {\"max_attempts\": 3,"
		 " \"backoff_s\": 0.5, \"backoff_factor\": 2}}]}", n, p);
	struct config *c;
	struct model *m = test_run_json(json, &c);
	if (!m)
		return;
	test_check_laws(m);
	double N = n, p3 = p * p * p;
	double dead = metric(m, "e2e", "dead_lettered");
	T_NEAR(dead / N, p3, 4 * sqrt(p3 * (1 - p3) / N));
	T_NEAR(metric(m, "f", "dead_letters"), dead, 0);
	T_NEAR(metric(m, "e2e", "completions"), N - dead, 0);
	/* failed attempts per message: 0..3 with probs .7 .21 .063 .027 */
	double mean_fail = p + p * p + p3;
	double var_fail = p * (1 - p) * 1 + p * p * (1 - p) * 4 + p3 * 9 - mean_fail * mean_fail;
	double errors = metric(m, "f", "errors");
	T_NEAR(errors / N, mean_fail, 4 * sqrt(var_fail / N));
	T_NEAR(metric(m, "f", "retries"), errors - dead, 0);
	T_NEAR(metric(m, "f", "arrivals"), N, 0);
	/* latency of the completed: 1, 2.5 or 4.5 s (histogram: 1%) */
	double q1 = 1 - p, q2 = p * (1 - p), q3 = p * p * (1 - p), ok = q1 + q2 + q3;
	double mean = (q1 * 1 + q2 * 2.5 + q3 * 4.5) / ok;
	double var = (q1 * 1 + q2 * 6.25 + q3 * 20.25) / ok - mean * mean;
	T_NEAR(metric(m, "e2e", "mean"), mean, 4 * sqrt(var / (N - dead)));
	T_NEAR(metric(m, "e2e", "p50"), 1, 0.01);
	T_NEAR(metric(m, "e2e", "p99"), 4.5, 0.045);   /* P(4.5 s) = 6.5% */
	done(m, c);
}

/* 2 nodes of 2 slots, 4 one-slot replicas (2 per node). Node 0 is down
 * from 100 to 150 s; its 2 replicas die at 100, are replaced at 110
 * (detect_s) but node 1 is full, so they wait until 150. Replica time:
 * 4 x 100 + 2 x 50 + 4 x 150 = 1100 s; unschedulable 2 x 40 = 80 s. */
static void test_node_crash_by_hand(void)
{
	const char *json =
		"{\"seed\": 5, \"duration_s\": 300, \"sources\": [{\"topic\": \"in\","
		" \"arrivals\": {\"workload\": \"poisson\", \"rate\": 0.5}, \"to\": [\"f\"]}],"
		" \"functions\": [{\"name\": \"f\", \"service\": 0.1, \"initial_replicas\": 4}],"
		" \"cluster\": {\"nodes\": [{\"count\": 2, \"slots\": 2}], \"failures\":"
		" {\"detect_s\": 10, \"schedule\": [{\"node\": 0, \"at_s\": 100, \"down_s\": 50}]}}}";
	struct config *c;
	char *db;
	struct model *m = test_run_json_db(json, &c, &db);
	if (!m)
		return;
	T_NEAR(metric(m, "f", "replica_crashes"), 2, 0);
	T_NEAR(metric(m, "f", "replica_seconds"), 1100, 1e-9);
	T_NEAR(metric(m, "f", "unschedulable_s"), 80, 1e-9);
	T_NEAR(metric(m, "cluster", "node_crashes"), 1, 0);
	T_NEAR(metric(m, "cluster", "node_down_frac"), 50.0 / (2 * 300), 1e-12);
	const struct cluster *cl = model_cluster(m);
	T_EQ_INT(cluster_up(cl, 0), 1);
	T_EQ_INT(cluster_replicas(cl, 0), 2);
	T_EQ_INT(cluster_replicas(cl, 1), 2);
	test_check_laws(m);
	sqlite3 *h = NULL;
	if (db && sqlite3_open(db, &h) == SQLITE_OK) {
		T_EQ_INT(test_q_int(h, "select count(*) from node_events where node = 0"
				    " and event = 'down' and t = 100"), 1);
		T_EQ_INT(test_q_int(h, "select count(*) from node_events where node = 0"
				    " and event = 'up' and t = 150"), 1);
		T_EQ_INT(test_q_int(h, "select count(*) from node_events where"
				    " event in ('down', 'up')"), 2);
		T_EQ_INT(test_q_int(h, "select up from node_timeline where node = 0 and t = 120"), 0);
		T_EQ_INT(test_q_int(h, "select up from node_timeline where node = 0 and t = 160"), 1);
		T_EQ_INT(test_q_int(h, "select replicas from node_timeline where node = 0"
				    " and t = 130"), 0);
	}
	sqlite3_close(h);
	test_db_remove(db);
	done(m, c);
}

/* One replica that lives 50 s and is replaced 5 s after each crash: it
 * crashes at 50, 105 and 160 within 200 s, and exists 185 s of them. */
static void test_replica_crash_restart(void)
{
	const char *json =
		"{\"seed\": 5, \"duration_s\": 200, \"sources\": [{\"topic\": \"in\","
		" \"arrivals\": {\"workload\": \"poisson\", \"rate\": 0.2}, \"to\": [\"f\"]}],"
		" \"functions\": [{\"name\": \"f\", \"service\": 0.01,"
		" \"failures\": {\"replica_ttf_s\": 50, \"restart_s\": 5}}]}";
	struct config *c;
	struct model *m = test_run_json(json, &c);
	if (!m)
		return;
	T_NEAR(metric(m, "f", "replica_crashes"), 3, 0);
	T_NEAR(metric(m, "f", "replica_seconds"), 185, 1e-9);
	test_check_laws(m);
	done(m, c);
}

/* A 10 s invocation on replicas that live 5 s: attempt 1 runs from ~0 and
 * dies at 5, is retried at 6 on the replacement (which dies at 10),
 * retried at 12 on the next (dies at 15): three attempts lost, the message
 * is dead-lettered at 15 and the run ends. */
static void test_crash_until_dead_letter(void)
{
	const char *json =
		"{\"seed\": 5, \"sources\": [{\"topic\": \"in\", \"arrivals\":"
		" {\"workload\": \"poisson\", \"rate\": 1000, \"count\": 1}, \"to\": [\"f\"]}],"
		" \"functions\": [{\"name\": \"f\", \"service\": 10,"
		" \"failures\": {\"replica_ttf_s\": 5}, \"retry\": {\"max_attempts\": 3,"
		" \"backoff_s\": 1, \"backoff_factor\": 2}}]}";
	struct config *c;
	struct model *m = test_run_json(json, &c);
	if (!m)
		return;
	T_NEAR(metric(m, "f", "crash_lost"), 3, 0);
	T_NEAR(metric(m, "f", "retries"), 2, 0);
	T_NEAR(metric(m, "f", "dead_letters"), 1, 0);
	T_NEAR(metric(m, "e2e", "dead_lettered"), 1, 0);
	T_NEAR(metric(m, "e2e", "completions"), 0, 0);
	T_NEAR(metric(m, "f", "replica_crashes"), 3, 0);
	T_NEAR(metric(m, "e2e", "duration_s"), 15, 0.02);   /* arrival at ~1 ms */
	test_check_laws(m);
	done(m, c);
}

/* Everything fails at once on a DAG with backpressure and drops: node
 * crashes (random and scheduled), replica crashes, errors at two
 * functions, under central and least-outstanding balancing (replica
 * queues die with their replica), and with speculation. */
static const char *const chaos =
	"{\"seed\": %d, %s \"sources\": [{\"topic\": \"in\", \"partitions\": 4,"
	" \"arrivals\": {\"workload\": \"poisson\", \"rate\": 20, \"duration_s\": %d},"
	" \"to\": [\"a\"] %s}],"
	" \"functions\": ["
	"  {\"name\": \"a\", \"service\": {\"type\": \"exponential\", \"mean\": 0.1},"
	"   \"initial_replicas\": 4, \"queue_capacity\": 50, \"on_full\": \"block\","
	"   \"failures\": {\"replica_ttf_s\": {\"type\": \"exponential\", \"mean\": 300},"
	"   \"error_p\": 0.05}, \"retry\": {\"max_attempts\": 2, \"backoff_s\": 0.5,"
	"   \"jitter\": \"full\"}, \"edges\": {\"to\": [\"b\", \"c\"]}},"
	"  {\"name\": \"b\", \"service\": {\"type\": \"exponential\", \"mean\": 0.05},"
	"   \"initial_replicas\": 2, \"failures\": {\"error_p\": 0.1}},"
	"  {\"name\": \"c\", \"service\": {\"type\": \"exponential\", \"mean\": 0.05},"
	"   \"initial_replicas\": 2, \"queue_capacity\": 5}],"
	" \"cluster\": {\"nodes\": [{\"count\": 4, \"slots\": 4}], \"lb\": \"%s\", %s"
	"  \"failures\": {\"node_ttf_s\": {\"type\": \"exponential\", \"mean\": 500},"
	"  \"node_repair_s\": 60, \"detect_s\": 10,"
	"  \"schedule\": [{\"node\": 0, \"at_s\": 100, \"down_s\": 50}]}}}";

static struct model *chaos_run(int seed, const char *top, int dur, const char *conn,
			       const char *lb, const char *spec, struct config **c)
{
	char json[4096];
	snprintf(json, sizeof json, chaos, seed, top, dur, conn, lb, spec);
	return test_run_json(json, c);
}

static void test_conservation_with_crashes(void)
{
	static const char *const lbs[] = {"central", "least-outstanding"};
	static const char *const fns[] = {"a", "b", "c"};
	int dur = test_quick() ? 600 : 2000;
	for (int k = 0; k < 2; k++)
		for (int drained = 0; drained < 2; drained++) {
			char top[64];
			snprintf(top, sizeof top, drained ? "" : "\"duration_s\": %d,",
				 dur * 3 / 4);
			struct config *c;
			struct model *m = chaos_run(3, top, dur, "", lbs[k], "", &c);
			if (!m)
				return;
			test_check_laws(m);
			if (drained)
				T_NEAR(metric(m, "e2e", "in_flight_end"), 0, 0);
			else
				T_TRUE(metric(m, "e2e", "in_flight_end") > 0, "%s", lbs[k]);
			double lost = 0, dl = 0, crashes = 0;
			for (int i = 0; i < 3; i++) {
				const char *f = fns[i];
				T_NEAR(metric(m, f, "completions") + metric(m, f, "dropped") +
				       metric(m, f, "dead_letters") + metric(m, f, "in_flight_end"),
				       metric(m, f, "arrivals"), 0);
				T_NEAR(metric(m, f, "retries") + metric(m, f, "dead_letters"),
				       metric(m, f, "errors") + metric(m, f, "crash_lost"), 0);
				lost += metric(m, f, "crash_lost");
				dl += metric(m, f, "dead_letters");
				crashes += metric(m, f, "replica_crashes");
			}
			/* every kind of failure happened, so the laws were tested */
			T_TRUE(lost > 0 && dl > 0 && crashes > 0, "lost %g dead %g crashes %g",
			       lost, dl, crashes);
			T_TRUE(metric(m, "cluster", "node_crashes") > 1, "%g",
			       metric(m, "cluster", "node_crashes"));
			T_TRUE(metric(m, "e2e", "dropped") > 0, "%g", metric(m, "e2e", "dropped"));
			/* a job counts once however many of its messages die, and
			 * as dropped if one of them was dropped */
			double jdl = metric(m, "e2e", "dead_lettered");
			T_TRUE(jdl > 0 && jdl <= dl, "jobs %g, messages %g", jdl, dl);
			done(m, c);
		}
	/* with speculation a copy may die while its twin goes on */
	struct config *c;
	struct model *m = chaos_run(3, "", dur, "", "least-outstanding",
				    "\"speculation\": {\"k\": 2},", &c);
	if (m) {
		test_check_laws(m);
		T_TRUE(metric(m, "a", "speculations") > 0, "%g", metric(m, "a", "speculations"));
		done(m, c);
	}
}

static void test_same_seed_same_results(void)
{
	int dur = test_quick() ? 300 : 1000;
	struct config *c1, *c2;
	static const char *const conn =
		", \"connector\": {\"consumers\": \"replicas\", \"max_inflight\": 4}";
	struct model *m1 = chaos_run(9, "", dur, conn, "power-of-two", "", &c1);
	struct model *m2 = chaos_run(9, "", dur, conn, "power-of-two", "", &c2);
	if (m1 && m2) {
		const char *s1, *k1, *s2 = "", *k2 = "";
		double v1, v2 = 0;
		size_t i = 0;
		for (; model_summary_row(m1, i, &s1, &k1, &v1); i++) {
			if (!model_summary_row(m2, i, &s2, &k2, &v2)) {
				T_TRUE(0, "row %zu missing", i);
				break;
			}
			T_TRUE(!strcmp(s1, s2) && !strcmp(k1, k2) && (v1 == v2 ||
			       (isnan(v1) && isnan(v2))), "%s.%s %.17g vs %s.%s %.17g",
			       s1, k1, v1, s2, k2, v2);
		}
		T_TRUE(i > 50, "%zu rows", i);
	}
	if (m1)
		done(m1, c1);
	if (m2)
		done(m2, c2);
}

/* The redelivery case's run; top and src add members to the config's top
 * level and to its source (each "" or starting with ", "). */
static struct model *redelivery_run(const char *top, const char *src,
				    struct config **c, char **db)
{
	char path[] = "/tmp/spate-test-redeliver-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0) {
		CU_FAIL("no temporary file");
		return NULL;
	}
	FILE *fp = fdopen(fd, "w");
	fputs("time_s,topic,key,size_bytes\n0,in,,1000\n0,in,,100\n", fp);
	fclose(fp);
	char json[2048];
	snprintf(json, sizeof json,
		 "{\"seed\": 1%s, \"sources\": [{\"topic\": \"in\", \"arrivals\": {\"workload\":"
		 " \"spate-csv\", \"path\": \"%s\"}, \"to\": [\"f\"], \"connector\":"
		 " {\"consumers\": \"replicas\"}%s}], \"functions\": [{\"name\": \"f\","
		 " \"service\": {\"type\": \"deterministic\", \"value\": 0, \"per_byte\": 0.01},"
		 " \"concurrency\": 2, \"initial_replicas\": 2}], \"cluster\": {\"nodes\":"
		 " [{\"count\": 2, \"slots\": 1}], \"failures\": {\"schedule\": [{\"node\": 0,"
		 " \"at_s\": 8, \"down_s\": 1000}]}}}", top, path, src);
	struct model *m = test_run_json_db(json, c, db);
	unlink(path);
	return m;
}

/* The consumer group of replicas, by hand. One partition, two replicas of
 * two slots on two one-slot nodes; records of 1000 and 100 bytes at t = 0,
 * served in 10 s and 1 s. The first rebalance ends at 3 s: replica 0 owns
 * the partition and starts both; the small one finishes at 4 but cannot
 * be committed behind the big one. Node 0 dies at 8, taking the big one.
 * The group notices at 53 (session timeout 45 s), rebalances until 56; the
 * survivor re-reads from the committed offset: the big record again (66 s
 * end to end) and the small one a second time (a duplicate). */
static void test_redelivery_by_hand(void)
{
	struct config *c;
	char *db;
	struct model *m = redelivery_run("", "", &c, &db);
	if (!m)
		return;
	T_NEAR(metric(m, "e2e", "completions"), 2, 0);
	T_NEAR(metric(m, "e2e", "duplicates"), 1, 0);
	T_NEAR(metric(m, "e2e", "max"), 66, 0.66);
	T_NEAR(metric(m, "e2e", "duration_s"), 66, 1e-9);
	T_NEAR(metric(m, "f", "arrivals"), 3, 0);        /* the duplicate is work */
	T_NEAR(metric(m, "f", "completions"), 3, 0);
	T_NEAR(metric(m, "f", "crash_lost"), 1, 0);
	T_NEAR(metric(m, "f", "redelivered"), 1, 0);
	T_NEAR(metric(m, "f", "redeliveries"), 2, 0);
	T_NEAR(metric(m, "f", "duplicates"), 1, 0);
	T_NEAR(metric(m, "f", "rebalances"), 2, 0);
	T_NEAR(metric(m, "f", "rebalance_s"), 6, 1e-9);
	test_check_laws(m);
	sqlite3 *h = NULL;
	if (db && sqlite3_open(db, &h) == SQLITE_OK) {
		T_EQ_INT(test_q_int(h, "select count(*) from group_events where"
				    " event = 'assigned' and t in (3, 56)"), 2);
		T_EQ_INT(test_q_int(h, "select members from group_events where"
				    " event = 'rebalance' and t = 53"), 1);
		/* the timeline shows the pauses: 0-3 and 53-56 */
		T_EQ_INT(test_q_int(h, "select count(*) from partition_timeline"
				    " where paused and t in (0, 1, 2, 53, 54, 55)"), 6);
		T_EQ_INT(test_q_int(h, "select count(*) from partition_timeline"
				    " where paused"), 6);
	}
	sqlite3_close(h);
	test_db_remove(db);
	done(m, c);
}

/* The same with a 20 s retention (1-s segments, the cleaner every 10 s):
 * the segment holding both records (newest at 0) is deleted at 30, before
 * the survivor re-reads at 56. The big record, which died with node 0, is
 * lost (expired); the small one is not read twice; the committed offset
 * moves past both at 56 (the run goes on to 60 for the timeline rows). */
static void test_redelivery_after_retention(void)
{
	struct config *c;
	char *db;
	struct model *m = redelivery_run(", \"duration_s\": 60",
					 ", \"retention\": {\"time_s\": 20,"
					 " \"segment_s\": 1, \"check_s\": 10}", &c, &db);
	if (!m)
		return;
	T_NEAR(metric(m, "e2e", "completions"), 1, 0);
	T_NEAR(metric(m, "e2e", "expired"), 1, 0);
	T_NEAR(metric(m, "e2e", "duplicates"), 0, 0);
	T_NEAR(metric(m, "e2e", "in_flight_end"), 0, 0);
	T_NEAR(metric(m, "f", "crash_lost"), 1, 0);
	T_NEAR(metric(m, "f", "redeliveries"), 0, 0);
	test_check_laws(m);
	sqlite3 *h = NULL;
	if (db && sqlite3_open(db, &h) == SQLITE_OK) {
		T_EQ_INT(test_q_int(h, "select committed from partition_timeline"
				    " where t = 55"), 0);
		T_EQ_INT(test_q_int(h, "select committed from partition_timeline"
				    " where t = 57"), 2);
		T_EQ_INT(test_q_int(h, "select end_offset from partition_timeline"
				    " where t = 57"), 2);
	}
	sqlite3_close(h);
	test_db_remove(db);
	done(m, c);
}

/* Consumer-as-replica caps useful parallelism at the partition count: 8
 * replicas of one slot, 4 partitions, 6 messages/s of 1 s each. With a
 * connector all 8 replicas serve (6/s go through); with the replicas as
 * the group, 4 own a partition each and 4 idle, so 4/s go through once
 * the first rebalance (3 s) is over. */
static void test_parallelism_capped_by_partitions(void)
{
	static const char *const conns[] = {"", ", \"connector\": {\"consumers\": \"replicas\"}"};
	for (int k = 0; k < 2; k++) {
		char json[1024];
		snprintf(json, sizeof json,
			 "{\"seed\": 2, \"duration_s\": 400, \"sources\": [{\"topic\": \"in\","
			 " \"partitions\": 4, \"arrivals\": {\"workload\": \"poisson\", \"rate\": 6},"
			 " \"to\": [\"f\"] %s}], \"functions\": [{\"name\": \"f\", \"service\": 1,"
			 " \"initial_replicas\": 8}]}", conns[k]);
		struct config *c;
		struct model *m = test_run_json(json, &c);
		if (!m)
			return;
		double done_n = metric(m, "e2e", "completions");
		double arr = metric(m, "e2e", "arrivals");
		if (k == 0)   /* everything but the last second's arrivals */
			T_NEAR(done_n / arr, 1, 0.01);
		else          /* 4 per second over 397 s, less 4 in service */
			T_NEAR(done_n, 4 * 397.0, 8);
		T_NEAR(metric(m, "f", "utilization"), k ? 0.5 * 397 / 400 : 6 / 8.0,
		       k ? 0.01 : 0.03);
		test_check_laws(m);
		done(m, c);
	}
}

/* Eager and cooperative rebalancing: 3 one-slot nodes, 3 replicas, 6
 * partitions (2 each). Node 2 is down from 50 to 60 s: its replica dies
 * (noticed at once: session_timeout_s 0), its 2 partitions move to the
 * others (3 + 3); at 60 the replacement joins and takes one from each
 * (2 + 2 + 2). Cooperative pauses only what moves (2, then 2); eager
 * stops all 6 partitions both times. */
static void test_eager_and_cooperative(void)
{
	static const char *const modes[] = {"eager", "cooperative"};
	for (int k = 0; k < 2; k++) {
		char json[1536];
		snprintf(json, sizeof json,
			 "{\"seed\": 2, \"duration_s\": 100, \"sources\": [{\"topic\": \"in\","
			 " \"partitions\": 6, \"arrivals\": {\"workload\": \"poisson\", \"rate\": 2},"
			 " \"to\": [\"f\"], \"connector\": {\"consumers\": \"replicas\","
			 " \"rebalance\": \"%s\", \"rebalance_s\": 2, \"session_timeout_s\": 0}}],"
			 " \"functions\": [{\"name\": \"f\", \"service\": 0.1, \"initial_replicas\": 3}],"
			 " \"cluster\": {\"nodes\": [{\"count\": 3, \"slots\": 1}], \"failures\":"
			 " {\"detect_s\": 0, \"schedule\": [{\"node\": 2, \"at_s\": 50, \"down_s\": 10}]}}}",
			 modes[k]);
		struct config *c;
		char *db;
		struct model *m = test_run_json_db(json, &c, &db);
		if (!m)
			return;
		T_NEAR(metric(m, "f", "rebalances"), 3, 0);
		T_NEAR(metric(m, "f", "rebalance_s"), 6, 1e-9);
		sqlite3 *h = NULL;
		if (db && sqlite3_open(db, &h) == SQLITE_OK) {
			T_EQ_INT(test_q_int(h, "select paused from group_events where"
					    " event = 'rebalance' and t = 50"), k ? 2 : 6);
			T_EQ_INT(test_q_int(h, "select members from group_events where"
					    " event = 'rebalance' and t = 50"), 2);
			T_EQ_INT(test_q_int(h, "select paused from group_events where"
					    " event = 'rebalance' and t = 60"), k ? 2 : 6);
			T_EQ_INT(test_q_int(h, "select members from group_events where"
					    " event = 'assigned' and t = 62"), 3);
		}
		sqlite3_close(h);
		test_db_remove(db);
		test_check_laws(m);
		done(m, c);
	}
}

/* Conservation with the consumer group of replicas, eager and
 * cooperative, with every failure at once: records re-read after crashes
 * make duplicates, which stay outside the job counts. */
static void test_group_conservation(void)
{
	static const char *const conns[] = {
		", \"connector\": {\"consumers\": \"replicas\", \"max_inflight\": 4,"
		" \"session_timeout_s\": 10}",
		", \"connector\": {\"consumers\": \"replicas\", \"max_inflight\": 4,"
		" \"rebalance\": \"cooperative\"}",
	};
	for (int k = 0; k < 2; k++) {   /* long enough for duplicates */
		struct config *c;
		struct model *m = chaos_run(4, "", 2000, conns[k], "central", "", &c);
		if (!m)
			return;
		test_check_laws(m);
		T_NEAR(metric(m, "e2e", "in_flight_end"), 0, 0);
		T_TRUE(metric(m, "a", "redeliveries") > 0 && metric(m, "e2e", "duplicates") > 0,
		       "redeliveries %g duplicates %g", metric(m, "a", "redeliveries"),
		       metric(m, "e2e", "duplicates"));
		T_NEAR(metric(m, "a", "duplicates"), metric(m, "e2e", "duplicates"), 0);
		T_NEAR(metric(m, "a", "completions") + metric(m, "a", "dropped") +
		       metric(m, "a", "dead_letters") + metric(m, "a", "in_flight_end"),
		       metric(m, "a", "arrivals"), 0);
		T_NEAR(metric(m, "a", "retries") + metric(m, "a", "dead_letters") +
		       metric(m, "a", "redelivered"),
		       metric(m, "a", "errors") + metric(m, "a", "crash_lost"), 0);
		done(m, c);
	}
}

int test_failure_register(void)
{
	CU_pSuite s = CU_add_suite("failure", NULL, NULL);
	if (!s ||
	    !CU_add_test(s, "retries and dead letters by hand", test_retry_dead_letter_by_hand) ||
	    !CU_add_test(s, "node crash by hand", test_node_crash_by_hand) ||
	    !CU_add_test(s, "replica crash and restart", test_replica_crash_restart) ||
	    !CU_add_test(s, "crashes until dead-lettered", test_crash_until_dead_letter) ||
	    !CU_add_test(s, "conservation with crashes", test_conservation_with_crashes) ||
	    !CU_add_test(s, "same seed, same results", test_same_seed_same_results) ||
	    !CU_add_test(s, "redelivery by hand", test_redelivery_by_hand) ||
	    !CU_add_test(s, "redelivery below the log start", test_redelivery_after_retention) ||
	    !CU_add_test(s, "parallelism capped by partitions",
			 test_parallelism_capped_by_partitions) ||
	    !CU_add_test(s, "eager and cooperative", test_eager_and_cooperative) ||
	    !CU_add_test(s, "group conservation", test_group_conservation))
		return -1;
	return 0;
}
