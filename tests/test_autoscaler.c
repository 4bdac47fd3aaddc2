/*
 * The autoscaler glue, with a scripted policy in place of a real one: when
 * decisions run (periodic, and at once on a wake from zero), what the policy
 * sees (the decided target at once, replica counts after the actuation
 * delay, requests held at zero), and how its answers are applied (clamped to
 * [min, max]; "keep" left alone even outside the bounds). Errors of a
 * policy's hooks carry one "policy NAME: " prefix, the engine's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "hist.h"
#include "model.h"
#include "policy.h"
#include "testutil.h"

/* What the scripted policy does and what it saw. */
struct script {
	int mode;             /* see the tests */
	int calls;
	double t[64];
	int target[64], ready[64], pending[64];
	long held[64];
	/* mode 3: the straggler signals and the cluster at the last call */
	int slow, unplaced, nodes, nodes_up;
	double ratio, speed;
	long slots_total, slots_free;
	/* mode 4: the first topic's offsets at each call */
	int ntopics, topic_parts, topic_target;
	long long end[64][2], committed[64][2];
};

static struct script sc;

static void *script_init(const struct policy_ctx *ctx, struct err *e)
{
	(void)ctx;
	(void)e;
	return &sc;
}

static void script_decide(void *state, const struct scale_view *v,
			  struct scale_decision *out)
{
	struct script *s = state;
	int k = s->calls < 64 ? s->calls : 63;
	s->t[k] = v->now;
	s->target[k] = v->fn[0].target;
	s->ready[k] = v->fn[0].ready;
	s->pending[k] = v->fn[0].pending;
	s->held[k] = v->fn[0].held_at_zero;
	s->calls++;
	switch (s->mode) {
	case 0: /* scale from zero when requests are held */
		out[0].desired = v->fn[0].held_at_zero > 0 ? 1 : -1;
		break;
	case 1: /* +1 at every decision */
		out[0].desired = v->fn[0].target + 1;
		break;
	case 2: /* way above max, then keep */
		out[0].desired = s->calls == 1 ? 1000 : -1;
		break;
	case 4: /* watch the topic */
		s->ntopics = v->ntopics;
		s->topic_parts = v->topics[0].partitions;
		s->topic_target = v->topics[0].targets[0];
		for (int p = 0; p < 2 && p < v->topics[0].partitions; p++) {
			s->end[k][p] = v->topics[0].end_offset[p];
			s->committed[k][p] = v->topics[0].committed[p];
		}
		break;
	case 3: /* watch the straggler signals */
		s->slow = v->fn[0].slow_replicas;
		s->ratio = v->fn[0].slowest_ratio;
		s->speed = v->fn[0].mean_speed;
		s->unplaced = v->fn[0].unplaced;
		s->nodes = v->cluster->nodes;
		s->nodes_up = v->cluster->nodes_up;
		s->slots_total = v->cluster->slots_total;
		s->slots_free = v->cluster->slots_free;
		break;
	}
	snprintf(out[0].reason, sizeof out[0].reason, "script mode %d", s->mode);
}

static void script_fini(void *state)
{
	(void)state;
}

static struct policy script_policy = {
	.name = "script",
	.help = "scripted policy for tests",
	.interval_s = 15,
	.init = script_init,
	.decide = script_decide,
	.fini = script_fini,
};

static char *one_arrival_trace(double t)
{
	char *path = strdup("/tmp/spate-as-XXXXXX");
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	fprintf(f, "%.6f,in,,0\n", t);
	fclose(f);
	return path;
}

/* Runs the config with the scripted policy swapped in. */
static struct model *run_scripted(const char *json, struct config **cfg)
{
	struct err e = { 0 };
	*cfg = config_parse(json, "<autoscaler>", NULL, 0, &e);
	if (!*cfg) {
		fprintf(stderr, "\n  %s\n", e.msg);
		CU_FAIL("config");
		return NULL;
	}
	(*cfg)->policy = &script_policy;
	struct model *m = model_new(*cfg, &e);
	if (!m || model_run(m, NULL, 0, NULL, NULL, &e) != 0) {
		fprintf(stderr, "\n  %s\n", e.msg);
		CU_FAIL("run");
	}
	return m;
}

static void test_wake_from_zero(void)
{
	char *path = one_arrival_trace(7.25);
	char json[1024];
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\"},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":2,\"cold_start\":0.5,"
		 "\"initial_replicas\":0,\"min_replicas\":0,\"max_replicas\":5}]}", path);
	for (int wake = 0; wake <= 1; wake++) {
		memset(&sc, 0, sizeof sc);
		script_policy.wake_from_zero = wake;
		struct config *cfg;
		struct model *m = run_scripted(json, &cfg);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		test_check_laws(m);
		double lat = hist_max(model_hist(m, "e2e"));
		if (wake) {
			/* decided at the arrival: cold start 0.5 + service 2 */
			T_NEAR(sc.t[0], 7.25, 1e-9);
			T_EQ_INT(sc.held[0], 1);
			T_EQ_INT(sc.target[0], 0);
			T_NEAR(lat, 2.5, 1e-9);
		} else {
			/* waits for the periodic decision at 15 */
			T_NEAR(lat, 15 - 7.25 + 2.5, 1e-9);
		}
		model_free(m);
		config_free(cfg);
	}
	script_policy.wake_from_zero = 0;
	unlink(path);
	free(path);
}

static void test_actuation_delay(void)
{
	char *path = one_arrival_trace(100);
	char json[1024];
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\"},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":1,\"initial_replicas\":1,"
		 "\"max_replicas\":50}],"
		 "\"autoscaler\":{\"interval_s\":10,\"actuation_delay_s\":25}}", path);
	memset(&sc, 0, sizeof sc);
	sc.mode = 1;
	struct config *cfg;
	struct model *m = run_scripted(json, &cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	/* decisions at 10, 20, 30, ...: the decided target is seen at once,
	 * the replicas only 25 s after each decision */
	T_TRUE(sc.calls >= 9, "only %d decisions", sc.calls);
	for (int k = 0; k < 9 && k < sc.calls; k++) {
		T_NEAR(sc.t[k], 10.0 * (k + 1), 1e-9);
		T_EQ_INT(sc.target[k], 1 + k);
		/* decision k, made at 10(k+1), is applied at 10(k+1) + 25: by
		 * the j-th decision max(0, j - 2) of them have been applied */
		int applied = k >= 2 ? k - 2 : 0;
		T_EQ_INT(sc.ready[k] + sc.pending[k], 1 + applied);
	}
	model_free(m);
	config_free(cfg);
	unlink(path);
	free(path);
}

static void test_clamp_and_keep(void)
{
	char *path = one_arrival_trace(40);
	char json[1024];
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\"},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":1,\"initial_replicas\":2,"
		 "\"min_replicas\":2,\"max_replicas\":7}]}", path);
	memset(&sc, 0, sizeof sc);
	sc.mode = 2;
	struct config *cfg;
	struct model *m = run_scripted(json, &cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	T_TRUE(sc.calls >= 2, "only %d decisions", sc.calls);
	T_EQ_INT(sc.target[1], 7);   /* 1000 clamped to max */
	T_EQ_INT(sc.ready[1], 7);
	model_free(m);
	config_free(cfg);
	unlink(path);
	free(path);
}

/* --- one "policy NAME: " before a policy's errors ----------------------- */

/* A policy whose hooks fail as a shared object or a careless author
 * might: no message at all, or a message that names the policy. */
static int fail_mode;

static void *failing_init(const struct policy_ctx *ctx, struct err *e)
{
	(void)ctx;
	if (fail_mode == 1)
		return NULL;
	if (fail_mode == 2) {
		err_set(e, ERR_INPUT, "failing: window_s 0 out of range");
		return NULL;
	}
	return &sc;
}

static int failing_platform(void *state, const struct policy_ctx *ctx,
			    struct platform_rules *rules, struct err *e)
{
	(void)state;
	(void)ctx;
	(void)rules;
	return fail_mode == 3 ? err_set(e, ERR_INPUT, "needs concurrency 1") : 0;
}

static const struct policy failing_policy = {
	.name = "failing",
	.help = "fails on purpose",
	.interval_s = 15,
	.init = failing_init,
	.decide = script_decide,
	.platform = failing_platform,
};

/* model_new of json with policy pol fails with a message starting with
 * want (ERR_INPUT unless internal). */
static void expect_policy_error(const char *json, const struct policy *pol,
				const char *want, enum err_code code)
{
	struct err e = { 0 };
	struct config *cfg = config_parse(json, "<autoscaler>", NULL, 0, &e);
	T_TRUE(cfg != NULL, "%s", e.msg);
	if (!cfg)
		return;
	if (pol)
		cfg->policy = pol;
	struct model *m = model_new(cfg, &e);
	T_TRUE(m == NULL, "accepted: %s", json);
	T_EQ_INT(e.code, code);
	T_TRUE(strncmp(e.msg, want, strlen(want)) == 0,
	       "\n    got  %s\n    want %s...", e.msg, want);
	model_free(m);
	config_free(cfg);
}

/*
 * What the speed-aware proxy shows a policy: 4 replicas spread over 4
 * one-slot nodes, one node at speed 1/4, deterministic 1 s service. Each
 * replica's observed time is exact (1 s, or 4 s on the slow node), so the
 * median is 1: one slow replica, the slowest 4x, and the pool worth
 * 3 + 1/4 replicas, mean speed 3.25/4 = 0.8125. A fifth replica asked for
 * has no node: unplaced 1, no free slot. Round-robin balancing keeps no
 * per-replica estimate: every signal stays "unknown".
 */
static void test_straggler_signals(void)
{
	const char *fmt =
		"{\"duration_s\":300,\"sources\":[{\"topic\":\"in\",\"arrivals\":"
		"{\"workload\":\"poisson\",\"rate\":2},\"to\":[\"f\"]}],"
		"\"functions\":[{\"name\":\"f\",\"service\":1,\"initial_replicas\":%d}],"
		"\"cluster\":{\"lb\":\"%s\",\"nodes\":[{\"count\":3,\"slots\":1},"
		"{\"count\":1,\"slots\":1,\"speed\":0.25}]}}";
	char json[1024];
	for (int k = 0; k < 3; k++) {
		int replicas = k == 1 ? 5 : 4;
		snprintf(json, sizeof json, fmt, replicas,
			 k == 2 ? "round-robin" : "speed-aware");
		memset(&sc, 0, sizeof sc);
		sc.mode = 3;
		struct config *cfg;
		struct model *m = run_scripted(json, &cfg);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		T_EQ_INT(sc.calls, 19);   /* at 15, 30, ..., 285 */
		T_EQ_INT(sc.nodes, 4);
		T_EQ_INT(sc.nodes_up, 4);
		T_EQ_INT((int)sc.slots_total, 4);
		T_EQ_INT((int)sc.slots_free, 0);
		T_EQ_INT(sc.unplaced, replicas - 4);
		if (k < 2) {
			T_EQ_INT(sc.slow, 1);
			T_NEAR(sc.ratio, 4, 1e-9);
			T_NEAR(sc.speed, 0.8125, 1e-9);
		} else {
			T_EQ_INT(sc.slow, 0);
			T_NEAR(sc.ratio, 1, 0);
			T_NEAR(sc.speed, 1, 0);
		}
		model_free(m);
		config_free(cfg);
	}
	sc.mode = 0;
}

/*
 * Per-partition offsets as the last scrape saw them: arrivals at 0, 1, ...,
 * 9 s, round robin over 2 partitions, one replica taking 12 s each, so
 * they complete one at a time at 12, 24, ... At the decision at 15 (it
 * sees the scrape at 15): 5 appended to each partition, and the first
 * completion (12 s) has committed partition 0's offset 1.
 * Scrapes every 5 s, decisions every 15 s, so a decision sees the scrape
 * at its own time.
 */
static void test_topic_view(void)
{
	const char *json =
		"{\"monitor\":{\"scrape_interval_s\":5},"
		"\"sources\":[{\"topic\":\"in\",\"partitions\":2,"
		"\"keys\":\"round_robin\",\"arrivals\":{\"workload\":"
		"\"periodic\",\"period_s\":1,\"duration_s\":10},"
		"\"to\":[\"f\"]}],"
		"\"functions\":[{\"name\":\"f\",\"service\":12,"
		"\"initial_replicas\":1}]}";
	memset(&sc, 0, sizeof sc);
	sc.mode = 4;
	struct config *cfg;
	struct model *m = run_scripted(json, &cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	T_EQ_INT(sc.ntopics, 1);
	T_EQ_INT(sc.topic_parts, 2);
	T_EQ_INT(sc.topic_target, 0);
	T_NEAR(sc.t[0], 15, 1e-9);
	T_EQ_INT((int)sc.end[0][0], 5);
	T_EQ_INT((int)sc.end[0][1], 5);
	T_EQ_INT((int)sc.committed[0][0], 1);
	T_EQ_INT((int)sc.committed[0][1], 0);
	/* at 105: the completions at 12, 24, ..., 96 */
	T_NEAR(sc.t[6], 105, 1e-9);
	T_EQ_INT((int)(sc.committed[6][0] + sc.committed[6][1]), 8);
	T_EQ_INT((int)(sc.end[6][0] + sc.end[6][1]), 10);
	model_free(m);
	config_free(cfg);
	sc.mode = 0;
}

static void test_error_prefix(void)
{
	/* real input errors of shipped policies, from init and platform */
	const char *base = "{\"sources\":[{\"topic\":\"in\",\"arrivals\":"
		"{\"workload\":\"poisson\",\"rate\":1,\"count\":3},"
		"\"to\":[\"f\"]}],\"functions\":[{\"name\":\"f\",\"service\":1,"
		"\"concurrency\":4}],\"autoscaler\":%s}";
	static const struct { const char *as, *want; } cases[] = {
		{ "{\"policy\":\"lambda\"}",
		  "policy lambda: function f has concurrency 4; a Lambda "
		  "environment serves one request at a time" },
		{ "{\"policy\":\"openfaas\",\"min_replicas_label\":8}",
		  "policy openfaas: function 0 (f): max_replicas_label -1 "
		  "(effective 5) is below min_replicas_label 8" },
		{ "{\"policy\":\"hybrid-histogram\",\"head_percentile\":0.9,"
		  "\"tail_percentile\":0.5}",
		  "policy hybrid-histogram: function f: head_percentile 0.9 "
		  "above tail_percentile 0.5" },
		{ "{\"policy\":\"keda-kafka\",\"idle_replica_count\":1}",
		  "policy keda-kafka: function 0 (f): idle_replica_count 1 must "
		  "be less than min_replica_count (1)" },
	};
	char json[1024];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(json, sizeof json, base, cases[i].as);
		expect_policy_error(json, NULL, cases[i].want, ERR_INPUT);
	}

	/* the engine's prefix on a hook without a message, once on a message
	 * that names the policy, and on the platform hook */
	snprintf(json, sizeof json, base, "{}");
	fail_mode = 1;
	expect_policy_error(json, &failing_policy, "policy failing: its init "
			    "hook failed without a message", ERR_INTERNAL);
	fail_mode = 2;
	expect_policy_error(json, &failing_policy, "policy failing: window_s 0 "
			    "out of range", ERR_INPUT);
	fail_mode = 3;
	expect_policy_error(json, &failing_policy, "policy failing: needs "
			    "concurrency 1", ERR_INPUT);
	fail_mode = 0;

	/* every shipped policy's own message for an impossible context (a
	 * negative number of functions, no interval) says what is wrong
	 * without naming the policy: the engine does that */
	int refused = 0;
	for (size_t i = 0; policy_at(i); i++) {
		const struct policy *p = policy_at(i);
		const struct policy_ctx ctx = { .nfn = -1 };
		struct err e = { 0 };
		void *st = p->init(&ctx, &e);
		if (st) {
			if (p->fini)
				p->fini(st);
			continue;
		}
		refused++;
		char own[64];
		snprintf(own, sizeof own, "%s:", p->name);
		T_TRUE(e.code != ERR_OK && e.msg[0], "%s: no message", p->name);
		T_TRUE(strstr(e.msg, own) == NULL, "%s", e.msg);
	}
	T_TRUE(refused >= 13, "only %d policies refused", refused);
}

int test_autoscaler_register(void)
{
	CU_pSuite s = CU_add_suite("autoscaler", NULL, NULL);
	if (!s || !CU_add_test(s, "wake from zero decides at the arrival", test_wake_from_zero) ||
	    !CU_add_test(s, "actuation delay: target now, replicas later", test_actuation_delay) ||
	    !CU_add_test(s, "clamp to max, keep is kept", test_clamp_and_keep) ||
	    !CU_add_test(s, "one policy prefix on errors", test_error_prefix) ||
	    !CU_add_test(s, "straggler signals from the speed-aware proxy",
			 test_straggler_signals) ||
	    !CU_add_test(s, "topic offsets per partition, as scraped",
			 test_topic_view))
		return -1;
	return 0;
}
