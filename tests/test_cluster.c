/*
 * Nodes, placement, stragglers and load balancing, through whole runs:
 * placement against capacity (spread, pack, waiting for room), straggler
 * episodes against their configuration (renewal-reward: the slow fraction
 * is E[D] / (1/rate + E[D])), node speed and per-invocation inflation
 * against hand-computed service times, random and round-robin routing
 * against M/M/1 and E_k/M/1, and least-outstanding against round-robin
 * under straggler episodes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "config.h"
#include "hist.h"
#include "err.h"
#include "model.h"
#include "qtheory.h"
#include "testutil.h"

static double metric(const struct model *m, const char *scope, const char *k)
{
	return model_metric(m, scope, k);
}

/* One function "f" behind one topic; `extra` is spliced into the
 * function object, `top` into the document. */
static struct model *run(const char *arrivals, const char *fn_extra,
			 const char *top, struct config **cfg)
{
	char json[4096];
	snprintf(json, sizeof json,
		 "{\"seed\": 7, %s"
		 " \"sources\": [{\"topic\": \"in\", \"arrivals\": %s, \"to\": [\"f\"]}],"
		 " \"functions\": [{\"name\": \"f\" %s}]}",
		 top, arrivals, fn_extra);
	return test_run_json(json, cfg);
}

static void done(struct model *m, struct config *c)
{
	model_free(m);
	config_free(c);
}

/* 3 equal nodes of 4 slots, 4 replicas of one slot: spread fills the
 * emptiest node first (2,1,1), pack the fullest (4,0,0). */
static void test_spread_pack(void)
{
	static const char *const modes[] = {"spread", "pack"};
	static const int want[2][3] = {{2, 1, 1}, {4, 0, 0}};
	for (int k = 0; k < 2; k++) {
		char top[256];
		snprintf(top, sizeof top,
			 "\"duration_s\": 10, \"cluster\": {\"placement\": \"%s\","
			 " \"nodes\": [{\"count\": 3, \"slots\": 4}]},", modes[k]);
		struct config *c;
		struct model *m = run("{\"workload\": \"poisson\", \"rate\": 1}",
				      ", \"service\": 0.01, \"initial_replicas\": 4", top, &c);
		if (!m)
			return;
		const struct cluster *cl = model_cluster(m);
		T_EQ_INT(cluster_nodes(cl), 3);
		for (int n = 0; n < 3; n++) {
			T_EQ_INT(cluster_replicas(cl, n), want[k][n]);
			T_EQ_INT(cluster_slots_used(cl, n), want[k][n]);
		}
		T_NEAR(metric(m, "f", "unschedulable_s"), 0, 0);
		done(m, c);
	}
}

/* Random placement never exceeds a node's slots or memory: 5 nodes of 3
 * slots and 1000 MB, 8 replicas of 2 slots and 400 MB fit one per node by
 * slots (2+2 > 3) -- so 5 are placed and 3 wait for room. */
static void test_capacity_and_waiting(void)
{
	struct config *c;
	struct model *m = run("{\"workload\": \"poisson\", \"rate\": 0.001}",
			      ", \"service\": 0.01, \"initial_replicas\": 8,"
			      " \"node_slots\": 2, \"memory_mb\": 400",
			      "\"duration_s\": 100, \"cluster\": {\"placement\": \"random\","
			      " \"nodes\": [{\"count\": 5, \"slots\": 3, \"memory_mb\": 1000}]},",
			      &c);
	if (!m)
		return;
	const struct cluster *cl = model_cluster(m);
	for (int n = 0; n < 5; n++) {
		T_EQ_INT(cluster_replicas(cl, n), 1);
		T_EQ_INT(cluster_slots_used(cl, n), 2);
	}
	/* three replicas waited the whole run, and cost nothing meanwhile */
	T_NEAR(metric(m, "f", "unschedulable_s"), 300, 1e-9);
	T_NEAR(metric(m, "f", "replica_seconds"), 500, 1e-9);
	T_NEAR(metric(m, "f", "mean_replicas"), 8, 1e-9);
	done(m, c);
}

/* Room that frees is given to the waiting replicas: 2 nodes of 2 slots,
 * 6 unmanaged replicas with a 10 s keep-alive and no traffic. At t = 10
 * the 4 placed ones are reclaimed and the 2 waiting ones placed; those go
 * at t = 20. Unschedulable time: 2 x 10 s; replica time 4 x 10 + 2 x 10. */
static void test_room_frees(void)
{
	struct config *c;
	struct model *m = run("{\"workload\": \"poisson\", \"rate\": 0.0001}",
			      ", \"service\": 0.001, \"initial_replicas\": 6,"
			      " \"keep_alive_s\": 10, \"scaling\": {\"managed\": false}",
			      "\"duration_s\": 40, \"cluster\": {"
			      " \"nodes\": [{\"count\": 2, \"slots\": 2}]},",
			      &c);
	if (!m)
		return;
	T_NEAR(metric(m, "f", "unschedulable_s"), 20, 1e-9);
	T_NEAR(metric(m, "f", "replica_seconds"), 60, 1e-9);
	T_EQ_INT(cluster_replicas(model_cluster(m), 0) +
		 cluster_replicas(model_cluster(m), 1), 0);
	done(m, c);
}

/* A replica that fits no node class is a config error. */
static void test_unplaceable_config(void)
{
	struct err e = {0};
	const char *json =
		"{\"sources\": [{\"topic\": \"in\", \"arrivals\": {\"workload\":"
		" \"poisson\"}, \"to\": [\"f\"]}], \"functions\": [{\"name\": \"f\","
		" \"service\": 1, \"memory_mb\": 4096}], \"cluster\": {\"nodes\":"
		" [{\"slots\": 4, \"memory_mb\": 2048}]}}";
	struct config *c = config_parse(json, "t.json", NULL, 0, &e);
	T_TRUE(c == NULL, "accepted a replica larger than every node");
	T_STR_CONTAINS(e.msg, "t.json: cluster: nodes: a replica of 'f'");
	config_free(c);
	e = (struct err){0};
	c = config_parse("{\"sources\": [{\"topic\": \"in\", \"arrivals\":"
			 " {\"workload\": \"poisson\"}, \"to\": [\"f\"]}],"
			 " \"functions\": [{\"name\": \"f\", \"service\": 1}],"
			 " \"cluster\": {\"lb\": \"least-outstandng\"}}",
			 "t.json", NULL, 0, &e);
	T_TRUE(c == NULL, "accepted an unknown lb");
	T_STR_CONTAINS(e.msg, "cluster.lb");
	T_STR_CONTAINS(e.msg, "least-outstanding");
	config_free(c);
}

/* Episodes against their configuration: onsets at 6/h per node while
 * fast, exponential lengths of mean 60 s, slowdown uniform on [2, 4]. An
 * alternating renewal process: slow fraction 60 / (600 + 60), episodes
 * per node T / 660, mean factor 3. */
static void test_straggler_statistics(void)
{
	double T = test_quick() ? 100000 : 400000;
	int nodes = 50;
	char top[512];
	snprintf(top, sizeof top,
		 "\"duration_s\": %g, \"cluster\": {\"nodes\": [{\"count\": %d}],"
		 " \"stragglers\": {\"onset_rate_per_h\": 6,"
		 " \"duration_s\": {\"type\": \"exponential\", \"mean\": 60},"
		 " \"slowdown\": {\"type\": \"uniform\", \"min\": 2, \"max\": 4}}},",
		 T, nodes);
	struct config *c;
	struct model *m = run("{\"workload\": \"poisson\", \"rate\": 0.01}",
			      ", \"service\": 0.01", top, &c);
	if (!m)
		return;
	double eps = metric(m, "cluster", "straggler_episodes");
	double want = nodes * T / 660;
	/* a renewal count: variance below Poisson's; 4 sd of Poisson */
	T_NEAR(eps, want, 4 * sqrt(want));
	T_NEAR(metric(m, "cluster", "slow_node_frac"), 60.0 / 660, 0.004);
	T_NEAR(metric(m, "cluster", "mean_slowdown"), 3, 4 * 0.5774 / sqrt(want));
	done(m, c);
}

/* Speeds: a node class at speed 0.5 doubles a deterministic service time,
 * a persistently slow node (factor 2) doubles it again; arrivals 5 s
 * apart never queue. */
static void test_speed(void)
{
	static const char *const setups[] = {
		"\"nodes\": [{\"speed\": 0.5}]",
		"\"nodes\": [{\"speed\": 0.5}], \"stragglers\": {\"slow_nodes\": 1,"
		" \"slow_factor\": 2}",
	};
	static const double want[] = {0.2, 0.4};
	for (int k = 0; k < 2; k++) {
		char top[256];
		snprintf(top, sizeof top, "\"duration_s\": 100, \"cluster\": {%s},",
			 setups[k]);
		struct config *c;
		struct model *m = run("{\"workload\": \"periodic\", \"period_s\": 5}",
				      ", \"service\": 0.1", top, &c);
		if (!m)
			return;
		T_NEAR(metric(m, "f", "mean"), want[k], 1e-9);
		T_NEAR(metric(m, "f", "max"), want[k], 1e-6);
		done(m, c);
	}
}

/* Per-invocation inflation: p = 0.1, factor 10 on a deterministic 0.1 s
 * service: mean 0.1 (0.9 + 0.1 x 10) = 0.19 s; the inflated share is
 * binomial. */
static void test_inflation(void)
{
	int n = test_quick() ? 5000 : 40000;
	char arr[128], top[256];
	snprintf(arr, sizeof arr, "{\"workload\": \"periodic\", \"period_s\": 5,"
		 " \"count\": %d}", n);
	snprintf(top, sizeof top, "\"cluster\": {\"stragglers\": {\"inflation_p\": 0.1,"
		 " \"inflation_factor\": 10}},");
	struct config *c;
	struct model *m = run(arr, ", \"service\": 0.1", top, &c);
	if (!m)
		return;
	double k = metric(m, "f", "inflated"), sd = sqrt(n * 0.1 * 0.9);
	T_NEAR(k, 0.1 * n, 4 * sd);
	T_NEAR(metric(m, "f", "mean"), 0.1 + 0.9 * k / n, 1e-9);
	T_NEAR(metric(m, "f", "p99"), 1.0, 0.03);
	test_check_laws(m);
	done(m, c);
}

/* Routing against theory: Poisson arrivals at 2.4/s over 4 replicas of
 * rate 1. Random routing splits them into 4 Poisson streams: M/M/1 at 0.6,
 * W = 2.5 s. Round robin deals every 4th arrival to a replica: E4/M/1.
 * Central is M/M/4. One long run each; the tolerance covers its noise. */
static void test_routing_theory(void)
{
	static const char *const lbs[] = {"random", "round-robin", "central"};
	long n = test_quick() ? 150000 : 600000;
	double lambda = 2.4, mu = 1;
	double want[] = {
		1 / (mu - lambda / 4), qt_ekm1_w(4, lambda, mu), qt_mmc_w(4, lambda, mu),
	};
	for (int k = 0; k < 3; k++) {
		char arr[256], top[128];
		snprintf(arr, sizeof arr, "{\"workload\": \"poisson\", \"rate\": %g,"
			 " \"count\": %ld}", lambda, n);
		snprintf(top, sizeof top, "\"cluster\": {\"lb\": \"%s\"},",
			 lbs[k]);
		struct config *c;
		struct model *m = run(arr, ", \"service\": {\"type\": \"exponential\","
				      " \"mean\": 1}, \"initial_replicas\": 4", top, &c);
		if (!m)
			return;
		double w = metric(m, "f", "mean");
		fprintf(stderr, "\n  lb %s: mean sojourn %.4f s, theory %.4f s ", lbs[k], w,
			want[k]);
		T_TRUE(fabs(w - want[k]) < (test_quick() ? 0.08 : 0.04) * want[k],
		       "lb %s: mean sojourn %.4f, theory %.4f", lbs[k], w, want[k]);
		test_check_laws(m);
		done(m, c);
	}
}

/* Under straggler episodes, round robin keeps feeding a slow replica its
 * share while least-outstanding sends work where it drains: 8 one-slot
 * nodes, a replica each, utilization 0.625, episodes 10x slower for 30 s
 * about every 2 min per node. */
static void test_lo_beats_rr(void)
{
	static const char *const lbs[] = {"round-robin", "least-outstanding",
					  "power-of-two", "jsq", "speed-aware"};
	double p99[5];
	long n = test_quick() ? 60000 : 200000;
	for (int k = 0; k < 5; k++) {
		char arr[256], top[512];
		snprintf(arr, sizeof arr, "{\"workload\": \"poisson\", \"rate\": 50,"
			 " \"count\": %ld}", n);
		snprintf(top, sizeof top,
			 "\"cluster\": {\"lb\": \"%s\", \"nodes\": [{\"count\": 8, \"slots\": 1}],"
			 " \"stragglers\": {\"onset_rate_per_h\": 40, \"slowdown\": 10,"
			 " \"duration_s\": 30}},", lbs[k]);
		struct config *c;
		struct model *m = run(arr, ", \"service\": {\"type\": \"exponential\","
				      " \"mean\": 0.1}, \"initial_replicas\": 8", top, &c);
		if (!m)
			return;
		p99[k] = metric(m, "f", "p99");
		test_check_laws(m);
		done(m, c);
	}
	fprintf(stderr, "\n  p99 under stragglers: rr %.3f lo %.3f p2c %.3f jsq %.3f"
		" speed-aware %.3f s ", p99[0], p99[1], p99[2], p99[3], p99[4]);
	for (int k = 1; k < 5; k++)
		T_TRUE(p99[k] < p99[0] / 2, "%s p99 %.3f s, round robin %.3f s", lbs[k],
		       p99[k], p99[0]);
}

/* Speculation under tail inflation, by hand: a deterministic 0.1 s
 * service inflated 10x with p = 0.05, one replica on each of two nodes,
 * arrivals 5 s apart (never queued). A duplicate starts on the other node
 * at k = 2 x the median = 0.2 s; it takes 0.1 s (p 0.95) or 1.0 s. So a
 * latency is 0.1 (p 0.95), 0.2 + 0.1 = 0.3 (p 0.0475) or 1.0 (p 0.0025):
 * p99 drops from 1.0 to 0.3, and duplicates win 95% of the races. */
static void test_speculation(void)
{
	int n = test_quick() ? 8000 : 40000;
	double p99[2], above[2];
	for (int k = 0; k < 2; k++) {
		char arr[128], top[512];
		snprintf(arr, sizeof arr, "{\"workload\": \"periodic\", \"period_s\": 5,"
			 " \"count\": %d}", n);
		snprintf(top, sizeof top,
			 "\"cluster\": {\"nodes\": [{\"count\": 2, \"slots\": 1}],"
			 " \"stragglers\": {\"inflation_p\": 0.05, \"inflation_factor\": 10},"
			 " \"speculation\": %s},",
			 k ? "{\"k\": 2, \"min_samples\": 20}" : "null");
		struct config *c;
		struct model *m = run(arr, ", \"service\": 0.1, \"initial_replicas\": 2",
				      top, &c);
		if (!m)
			return;
		const struct hist *h = model_hist(m, "f");
		p99[k] = metric(m, "f", "p99");
		above[k] = 1 - hist_cdf(h, 0.5);
		if (k) {
			double sp = metric(m, "f", "speculations");
			double w = metric(m, "f", "spec_wins");
			T_NEAR(sp, 0.05 * n, 4 * sqrt(n * 0.05 * 0.95) + 3);
			T_NEAR(w / sp, 0.95, 4 * sqrt(0.95 * 0.05 / sp));
			T_NEAR(metric(m, "f", "spec_skipped"), 0, 0);
			T_NEAR(above[k], 0.0025, 4 * sqrt(0.0025 / n) + 3.0 / n);
		}
		test_check_laws(m);
		done(m, c);
	}
	fprintf(stderr, "\n  p99 without speculation %.4f s, with %.4f s ", p99[0], p99[1]);
	T_NEAR(p99[0], 1.0, 0.01);
	T_NEAR(p99[1], 0.3, 0.003);
	T_NEAR(above[0], 0.05, 4 * sqrt(0.05 * 0.95 / n));
}

/* A speculated invocation counts once while both copies run. Every
 * invocation takes 1 s x 10 (inflation p 1); the first, at 0, ends at 10,
 * and the scrape at 15 sets the timeout to 0.5 x the median, 5 s. The
 * second, at 20, is duplicated at 25 on the other node; the run is cut at
 * 27 with both copies in service: one message in flight, not two. */
static void test_speculation_in_flight(void)
{
	struct config *c;
	struct model *m = run("{\"workload\": \"periodic\", \"period_s\": 20,"
			      " \"count\": 2}",
			      ", \"service\": 1, \"initial_replicas\": 2",
			      "\"duration_s\": 27, \"cluster\": {\"nodes\": [{\"count\": 2,"
			      " \"slots\": 1}], \"stragglers\": {\"inflation_p\": 1,"
			      " \"inflation_factor\": 10}, \"speculation\": {\"k\": 0.5,"
			      " \"min_samples\": 1}},", &c);
	if (!m)
		return;
	T_NEAR(metric(m, "f", "speculations"), 1, 0);
	T_NEAR(metric(m, "f", "arrivals"), 2, 0);
	T_NEAR(metric(m, "f", "completions"), 1, 0);
	T_NEAR(metric(m, "f", "in_flight_end"), 1, 0);
	T_NEAR(metric(m, "e2e", "in_flight_end"), 1, 0);
	test_check_laws(m);
	done(m, c);
}

/* Replacing slow replicas: 8 one-slot nodes, 4 of them 10x slow; 4
 * replicas placed at random. Replicas observed slower than 3x the median
 * are drained and re-created on other nodes until none is on a slow node,
 * which cuts the p99 (least-outstanding routing in both runs). */
static void test_replace_slow(void)
{
	double p99[2];
	for (int k = 0; k < 2; k++) {
		char top[512];
		snprintf(top, sizeof top,
			 "\"cluster\": {\"lb\": \"least-outstanding\", \"placement\": \"random\","
			 " \"nodes\": [{\"count\": 8, \"slots\": 1}],"
			 " \"stragglers\": {\"slow_nodes\": 4, \"slow_factor\": 10},"
			 " \"replace_slow\": %s},", k ? "{\"ratio\": 3}" : "null");
		struct config *c;
		struct model *m = run("{\"workload\": \"poisson\", \"rate\": 20, \"count\": 40000}",
				      ", \"service\": {\"type\": \"exponential\", \"mean\": 0.1},"
				      " \"initial_replicas\": 4", top, &c);
		if (!m)
			return;
		p99[k] = metric(m, "f", "p99");
		const struct cluster *cl = model_cluster(m);
		int on_slow = 0;
		for (int n = 0; n < 8; n++)
			on_slow += cluster_replicas(cl, n) * (cluster_speed(cl, n) < 1);
		if (k) {
			T_EQ_INT(on_slow, 0);
			T_TRUE(metric(m, "f", "replaced") >= 1, "replaced %g",
			       metric(m, "f", "replaced"));
		} else {
			T_TRUE(on_slow > 0, "no replica on a slow node without replacement");
		}
		test_check_laws(m);
		done(m, c);
	}
	fprintf(stderr, "\n  p99 without replacement %.3f s, with %.3f s ", p99[0], p99[1]);
	T_TRUE(p99[1] < p99[0] / 2, "p99 %.3f s with replacement, %.3f s without", p99[1],
	       p99[0]);
}

/* Object store by hand: 2 GETs of 1 MB and 1 PUT of 2 MB per invocation
 * at 100 MB/s, first-byte latencies 0.02 and 0.05 s: 2 x (0.02 + 0.01) +
 * (0.05 + 0.02) = 0.13 s on top of a 0.1 s service; requests priced per
 * GET and PUT. */
static void test_object_store(void)
{
	int n = 200;
	char arr[128];
	snprintf(arr, sizeof arr, "{\"workload\": \"periodic\", \"period_s\": 5,"
		 " \"count\": %d}", n);
	struct config *c;
	struct model *m = run(arr, ", \"service\": 0.1, \"object_store\": {\"gets\": 2,"
			      " \"puts\": 1, \"get_bytes\": 1e6, \"put_bytes\": 2e6}",
			      "\"object_store\": {\"get_latency_s\": 0.02, \"put_latency_s\": 0.05,"
			      " \"bandwidth_mb_s\": 100, \"usd_per_get\": 0.001,"
			      " \"usd_per_put\": 0.01}, \"cost\": {\"usd_per_gb_s\": 0,"
			      " \"usd_per_request\": 0},", &c);
	if (!m)
		return;
	T_NEAR(metric(m, "f", "mean"), 0.23, 1e-9);
	T_NEAR(metric(m, "f", "object_gets"), 2 * n, 0);
	T_NEAR(metric(m, "f", "object_puts"), n, 0);
	T_NEAR(metric(m, "f", "object_get_bytes"), 2e6 * n, 0);
	T_NEAR(metric(m, "f", "object_put_bytes"), 2e6 * n, 0);
	T_NEAR(metric(m, "f", "object_store_s"), 0.13 * n, 1e-9 * n);
	T_NEAR(metric(m, "f", "cost_usd"), n * (2 * 0.001 + 0.01), 1e-12);
	done(m, c);
}

/* The same seed gives the same run, with every strategy's own stream. */
static void test_deterministic(void)
{
	double a[2];
	for (int k = 0; k < 2; k++) {
		struct config *c;
		struct model *m = run("{\"workload\": \"poisson\", \"rate\": 20, \"count\": 5000}",
				      ", \"service\": {\"type\": \"exponential\", \"mean\": 0.2},"
				      " \"initial_replicas\": 5",
				      "\"cluster\": {\"lb\": \"power-of-two\", \"placement\": \"random\","
				      " \"nodes\": [{\"count\": 3, \"slots\": 2}, {\"class\": \"big\","
				      " \"slots\": 8, \"speed\": 2}], \"stragglers\":"
				      " {\"onset_rate_per_h\": 100, \"inflation_p\": 0.05}},",
				      &c);
		if (!m)
			return;
		a[k] = metric(m, "f", "mean");
		done(m, c);
	}
	T_TRUE(a[0] == a[1], "mean %.17g then %.17g", a[0], a[1]);
}

int test_cluster_register(void)
{
	CU_pSuite s = CU_add_suite("cluster", NULL, NULL);
	if (!s ||
	    !CU_add_test(s, "spread and pack", test_spread_pack) ||
	    !CU_add_test(s, "capacity and waiting", test_capacity_and_waiting) ||
	    !CU_add_test(s, "room frees", test_room_frees) ||
	    !CU_add_test(s, "unplaceable config", test_unplaceable_config) ||
	    !CU_add_test(s, "straggler statistics", test_straggler_statistics) ||
	    !CU_add_test(s, "node speed", test_speed) ||
	    !CU_add_test(s, "inflation", test_inflation) ||
	    !CU_add_test(s, "routing vs theory", test_routing_theory) ||
	    !CU_add_test(s, "lb under stragglers", test_lo_beats_rr) ||
	    !CU_add_test(s, "speculation", test_speculation) ||
	    !CU_add_test(s, "a speculated invocation is in flight once",
			 test_speculation_in_flight) ||
	    !CU_add_test(s, "object store", test_object_store) ||
	    !CU_add_test(s, "replace slow replicas", test_replace_slow) ||
	    !CU_add_test(s, "deterministic", test_deterministic))
		return -1;
	return 0;
}
