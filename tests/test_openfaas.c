/*
 * test_openfaas: the OpenFaaS policy driven directly. A monitor fed with
 * synthetic scrapes every 5 s (the chart's gateway scrape), one or two
 * function views, a decision every 5 s (the policy's interval), each
 * decision applied to the view as the engine would (new replicas ready at
 * once). CE timings follow the chart: rule evaluated every 15 s from t=0,
 * `for` 5 s, group_wait 5 s, group_interval 10 s, repeat_interval 30 s.
 * The engine tests then run the same rules inside a model (config JSON,
 * a deterministic trace, cold starts) and read the count changes the run
 * recorded. Expected counts and times are worked out by hand beside each
 * check.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "hist.h"
#include "model.h"
#include "monitor.h"
#include "param.h"
#include "policy.h"
#include "testutil.h"

/* Every response counts as an arrival: arrivals grow by completions +
 * drops, the two rates a test sets. */
static void arrivals_follow(struct test_fx *f)
{
	for (int k = 0; k < f->nfn; k++)
		f->rate[k][MON_ARRIVALS] = f->rate[k][MON_COMPLETIONS] +
					   f->rate[k][MON_DROPS];
}

/* The shared fixture with the chart's 5-s gateway scrape, nfn functions at
 * `ready` replicas, the first scrape at t0. */
static void fx_begin(struct test_fx *f, int nfn, int ready, double t0)
{
	test_fx_begin(f, "openfaas", nfn, 5);
	for (int k = 0; k < nfn; k++)
		f->fn[k].target = f->fn[k].ready = ready;
	f->t = t0;
	f->before_scrape = arrivals_follow;
}

/* Expected desired count at time t from a sparse list; -1 elsewhere. */
struct at { double t; int n; };

static int want_at(const struct at *w, size_t n, double t)
{
	for (size_t i = 0; i < n; i++)
		if (fabs(w[i].t - t) < 1e-9)
			return w[i].n;
	return -1;
}

/* Decides every 5 s over (from, to] for function k and checks each
 * decision against the list; stops at the first mismatch. */
static int run_expect(struct test_fx *f, int k, double from, double to,
		      const struct at *w, size_t n)
{
	for (double t = from + 5; t <= to + 1e-9; t += 5) {
		test_fx_decide(f, t);
		int want = want_at(w, n, t);
		T_EQ_INT(f->d[k].desired, want);
		if (f->d[k].desired != want) {
			fprintf(stderr, "  fn %d at t=%g: %s\n", k, t, f->d[k].reason);
			return -1;
		}
	}
	return 0;
}

static void test_params(void)
{
	const struct policy *p = policy_find("openfaas");
	CU_ASSERT_FATAL(p != NULL);
	T_NEAR(p->interval_s, 5, 0);
	T_EQ_INT(p->wake_from_zero, 1);
	struct { const char *name; double def; } d[] = {
		{"evaluation_interval_s", 15}, {"alert_rps", 5},
		{"alert_rate_window_s", 10}, {"alert_for_s", 5},
		{"group_wait_s", 5}, {"group_interval_s", 10},
		{"repeat_interval_s", 30}, {"target", 50},
		{"target_proportion", 0.9}, {"scale_down_window_s", 0},
		{"zero", 0}, {"zero_duration_s", 900},
		{"min_replicas_label", 1}, {"max_replicas_label", -1},
		{"scaling_factor", -1},
	};
	for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
		int k = param_find(p->params, p->nparams, d[i].name);
		T_TRUE(k >= 0, "no parameter %s", d[i].name);
		if (k >= 0)
			T_NEAR(p->params[k].def, d[i].def, 0);
	}
	int w = param_find(p->params, p->nparams, "scale_down_window_s");
	CU_ASSERT_FATAL(w >= 0);
	T_NEAR(p->params[w].max, 300, 0);   /* the label's 5m maximum */
	int m = param_find(p->params, p->nparams, "mode");
	CU_ASSERT_FATAL(m >= 0);
	T_EQ_INT(param_choice_index(&p->params[m], "ce"), 0);
	T_EQ_INT(param_choice_index(&p->params[m], "queue"), 3);
	T_STR_CONTAINS(p->help, "scrape_interval_s=5");

	/* one Alertmanager: its timers must agree between functions */
	struct test_fx f;
	fx_begin(&f, 2, 1, 0);
	int g = param_find(p->params, p->nparams, "group_wait_s");
	f.p[1][g].num = 30;
	struct err e = {0};
	T_EQ_INT(test_fx_try_init(&f, &e), -1);
	T_STR_CONTAINS(e.msg, "group_wait_s");
	test_fx_end(&f);

	fx_begin(&f, 1, 1, 0);
	test_fx_num(&f, "min_replicas_label", 8);   /* above CE's cap of 5 */
	err_clear(&e);
	T_EQ_INT(test_fx_try_init(&f, &e), -1);
	T_STR_CONTAINS(e.msg, "min_replicas_label");
	test_fx_end(&f);
}

/*
 * CE, current preset (max 5, factor 10% -> step ceil(5/100 x 10) = 1), a
 * steady 10 req/s from t=0. Scrapes at 0, 5, 10: the evaluation at t=15
 * sees rate 10 > 5 -> pending; t=30 (15 s >= for 5 s) -> firing, sent to
 * Alertmanager; a new group waits group_wait: first notification at t=35,
 * 1 -> 2 (35 s = scrape 5 + evaluation alignment 10 + next evaluation 15 +
 * group_wait 5). Flushes every 10 s from 35; a repeat needs strictly more
 * than 30 s since the last one, so 75 (not 65), 115, 155: 3, 4, 5; at 195
 * min(5 + 1, 5) = 5, unchanged. Load stops at t=200: the evaluation at 210
 * sees rate 0 -> resolved; the next flush at 215 notifies it -> min 1.
 * The group is then empty and destroyed: load again from t=230, pending at
 * 240, firing at 255, a new group waits group_wait -> 2 at t=260.
 */
static void test_ce_current(void)
{
	struct test_fx f;
	fx_begin(&f, 1, 1, 0);
	f.rate[0][MON_COMPLETIONS] = 10;
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 5);
	T_EQ_INT(d.desired, -1);
	d = test_fx_decide(&f, 10);
	T_EQ_INT(d.desired, -1);
	d = test_fx_decide(&f, 15);
	T_EQ_INT(d.desired, -1);
	T_NEAR(test_observed(&d, "alert"), 1, 0);     /* pending */
	T_NEAR(test_observed(&d, "rate"), 10, 1e-9);
	T_STR_CONTAINS(d.reason, "since t=15");
	d = test_fx_decide(&f, 20);
	d = test_fx_decide(&f, 25);
	d = test_fx_decide(&f, 30);
	T_EQ_INT(d.desired, -1);
	T_NEAR(test_observed(&d, "alert"), 2, 0);     /* firing, group waits */
	T_STR_CONTAINS(d.reason, "next flush t=35");
	d = test_fx_decide(&f, 35);
	T_EQ_INT(d.desired, 2);
	T_STR_CONTAINS(d.reason, "firing: 1 -> 2 (step 1, max 5)");
	static const struct at w[] = {
		{75, 3}, {115, 4}, {155, 5}, {215, 1},
	};
	if (run_expect(&f, 0, 35, 195, w, 4) == 0) {
		T_STR_CONTAINS(f.d[0].reason, "t=195 firing: 5 -> 5");
		f.rate[0][MON_COMPLETIONS] = 0;
		test_fx_decide(&f, 200);
		if (run_expect(&f, 0, 200, 230, w, 4) == 0) {
			f.rate[0][MON_COMPLETIONS] = 10;
			static const struct at w2[] = {{260, 2}};
			run_expect(&f, 0, 230, 265, w2, 1);
		}
	}
	test_fx_end(&f);
}

/* classic preset: max 20, factor 20% -> step ceil(20/100 x 20) = 4, at the
 * same times: 1 -> 5 -> 9 -> 13 -> 17 -> 20 (capped) -> 20 */
static void test_ce_classic(void)
{
	struct test_fx f;
	fx_begin(&f, 1, 1, 0);
	test_fx_enum(&f, "preset", "classic");
	f.rate[0][MON_COMPLETIONS] = 10;
	test_fx_init(&f);
	static const struct at w[] = {
		{35, 5}, {75, 9}, {115, 13}, {155, 17}, {195, 20},
	};
	run_expect(&f, 0, 0, 240, w, 5);
	test_fx_end(&f);

	/* explicit labels: max 10 (under the classic cap), factor 50 ->
	 * step 5: 1 -> 6 -> 10; with the current preset a max label of 10
	 * is capped at DefaultMaxReplicas 5 -> step ceil(5 x 0.5) = 3: 1 -> 4
	 * -> 5 */
	for (int classic = 1; classic >= 0; classic--) {
		fx_begin(&f, 1, 1, 0);
		if (classic)
			test_fx_enum(&f, "preset", "classic");
		test_fx_num(&f, "max_replicas_label", 10);
		test_fx_num(&f, "scaling_factor", 50);
		f.rate[0][MON_COMPLETIONS] = 10;
		test_fx_init(&f);
		struct at w2[] = {{35, classic ? 6 : 4}, {75, classic ? 10 : 5}};
		run_expect(&f, 0, 0, 120, w2, 2);
		test_fx_end(&f);
	}
}

/* Thresholds and `for`: exactly 5 req/s is not > 5; a burst true at one
 * evaluation only (t=15) is pending, false at t=30 -> inactive, nothing
 * sent; factor 0 makes a firing alert set the min (the handler's else
 * branch); the min label is what a resolved alert restores. */
static void test_ce_rule(void)
{
	struct test_fx f;
	fx_begin(&f, 1, 1, 0);
	f.rate[0][MON_COMPLETIONS] = 5;
	test_fx_init(&f);
	run_expect(&f, 0, 0, 120, NULL, 0);
	T_NEAR(test_observed(&f.d[0], "alert"), 0, 0);
	test_fx_end(&f);

	fx_begin(&f, 1, 1, 0);
	f.rate[0][MON_COMPLETIONS] = 10;
	test_fx_init(&f);
	for (double t = 5; t <= 20; t += 5)
		test_fx_decide(&f, t);
	T_NEAR(test_observed(&f.d[0], "alert"), 1, 0);
	f.rate[0][MON_COMPLETIONS] = 0;
	struct scale_decision d = test_fx_decide(&f, 25);
	d = test_fx_decide(&f, 30);
	T_NEAR(test_observed(&d, "alert"), 0, 0);
	run_expect(&f, 0, 30, 120, NULL, 0);
	test_fx_end(&f);

	/* 3 replicas, factor 0, min label 2: the firing notification at 35
	 * sets 2 */
	fx_begin(&f, 1, 3, 0);
	test_fx_num(&f, "scaling_factor", 0);
	test_fx_num(&f, "min_replicas_label", 2);
	f.rate[0][MON_COMPLETIONS] = 10;
	test_fx_init(&f);
	static const struct at w[] = {{35, 2}};
	run_expect(&f, 0, 0, 80, w, 1);
	test_fx_end(&f);

	/* an evaluation and a flush at the same instant: the alert the
	 * evaluation sends is in the flush. Load stops at 185; the evaluation
	 * at 195 resolves and the tick at 195 (35 + 16 x 10) notifies it:
	 * 5 -> 1 at 195, not a repeat at 195 and the min at 205 */
	fx_begin(&f, 1, 1, 0);
	f.rate[0][MON_COMPLETIONS] = 10;
	test_fx_init(&f);
	static const struct at w2[] = {{35, 2}, {75, 3}, {115, 4}, {155, 5},
				       {195, 1}};
	if (run_expect(&f, 0, 0, 185, w2, 5) == 0) {
		f.rate[0][MON_COMPLETIONS] = 0;
		run_expect(&f, 0, 185, 220, w2, 5);
	}
	test_fx_end(&f);

	/* the monitor's default 15 s scrape leaves one sample in [10s]: the
	 * rate is empty, the alert never fires, and the reason says why */
	fx_begin(&f, 1, 1, 0);
	f.scrape = 15;
	f.rate[0][MON_COMPLETIONS] = 10;
	test_fx_init(&f);
	run_expect(&f, 0, 0, 120, NULL, 0);
	T_STR_CONTAINS(f.d[0].reason, "monitor.scrape_interval_s=5");
	test_fx_end(&f);
}

/*
 * One Alertmanager group for all functions (group_by has no
 * function_name). a: 10 req/s from 0 -> 2 at 35, repeat at 75 -> 3. b: 10
 * req/s from t=55: the evaluation at 60 sees (50 - 0)/10 = 5, not > 5;
 * pending at 75, firing at 90. The group exists, so no group_wait: the
 * next tick, 95, notifies the new alert and carries a's as well -> a 4,
 * b 2. The log entry is then at 95: repeat at 135 -> a 5 (max), b 3;
 * 175 -> b 4 (a stays 5); 215 -> b 5.
 */
static void test_ce_shared_group(void)
{
	struct test_fx f;
	fx_begin(&f, 2, 1, 0);
	f.rate[0][MON_COMPLETIONS] = 10;
	test_fx_init(&f);
	static const struct at wa[] = {{35, 2}, {75, 3}};
	if (run_expect(&f, 0, 0, 55, wa, 2) == 0) {
		f.rate[1][MON_COMPLETIONS] = 10;
		static const struct at wa2[] = {{75, 3}, {95, 4}, {135, 5}};
		static const struct at wb[] = {{95, 2}, {135, 3}, {175, 4},
					       {215, 5}};
		for (double t = 60; t <= 220 + 1e-9; t += 5) {
			test_fx_decide(&f, t);
			T_EQ_INT(f.d[0].desired, want_at(wa2, 3, t));
			T_EQ_INT(f.d[1].desired, want_at(wb, 4, t));
			if (f.d[0].desired != want_at(wa2, 3, t) ||
			    f.d[1].desired != want_at(wb, 4, t)) {
				fprintf(stderr, "  t=%g: a: %s | b: %s\n", t,
					f.d[0].reason, f.d[1].reason);
				break;
			}
		}
	}
	test_fx_end(&f);
}

/* CE has no scale to zero, but the gateway scales a function at 0 with
 * held requests to max(min, 1) at once (a wake round at any time). */
static void test_ce_wake(void)
{
	for (int min = 1; min <= 3; min += 2) {
		struct test_fx f;
		fx_begin(&f, 1, 0, 0);
		test_fx_num(&f, "min_replicas_label", min);
		test_fx_init(&f);
		struct scale_decision d = test_fx_decide(&f, 5);
		T_EQ_INT(d.desired, -1);           /* nothing held */
		f.fn[0].held_at_zero = 4;
		d = test_fx_decide(&f, 7.25);
		T_EQ_INT(d.desired, min);
		T_STR_CONTAINS(d.reason, "scale from zero");
		test_fx_end(&f);
	}
}

/* Pro rps: 3 ready, 150 completions/s, target 50 x 0.9: ceil(150) = 150
 * load, 50 per pod, ceil(3 x 50/45) = ceil(3.33) = 4. The rule counts
 * every response code: 120 completed + 30 dropped gives the same. */
static void test_pro_rps(void)
{
	for (int drops = 0; drops <= 1; drops++) {
		struct test_fx f;
		fx_begin(&f, 1, 3, -120);
		test_fx_enum(&f, "mode", "rps");
		f.rate[0][MON_COMPLETIONS] = drops ? 120 : 150;
		f.rate[0][MON_DROPS] = drops ? 30 : 0;
		test_fx_init(&f);
		struct scale_decision d = test_fx_decide(&f, 0);
		T_EQ_INT(d.desired, 4);
		T_NEAR(test_observed(&d, "load"), 150, 1e-9);
		T_NEAR(test_observed(&d, "per_pod"), 50, 1e-9);
		/* 4 ready now: ceil(4 x 37.5/45) = ceil(3.33) = 4, stable */
		d = test_fx_decide(&f, 5);
		T_EQ_INT(d.desired, 4);
		test_fx_end(&f);
	}

	/* no load: raw 0, clamped to the min label; above the max label: 20 */
	for (int hi = 0; hi <= 1; hi++) {
		struct test_fx f;
		fx_begin(&f, 1, 3, -120);
		test_fx_enum(&f, "mode", "rps");
		f.rate[0][MON_COMPLETIONS] = hi ? 5000 : 0;
		test_fx_init(&f);
		struct scale_decision d = test_fx_decide(&f, 0);
		T_EQ_INT(d.desired, hi ? 20 : 1);
		test_fx_end(&f);
	}
}

/*
 * Pro capacity (docs example): target 5, proportion 1. Load = max over
 * 45 s of in-flight at the gateway (busy + queued), per sample. 1 ready
 * with 15 in flight -> ceil(1 x 15/5) = 3; 3 ready with 25 -> ceil(3 x
 * 8.33/5) = 5. Then, 2 ready: sums 50 at t=-50 (outside (-45, 0]),
 * 16 + 8 = 24 at -20, 20 + 0 at -10, 10 elsewhere: max 24 -> ceil(2 x
 * 12/5) = ceil(4.8) = 5 (maxima summed apart, 20 + 8 = 28, would give 6;
 * the old spike 10).
 */
static void test_pro_capacity(void)
{
	static const struct { int ready; double inflight; int want; } c[] = {
		{1, 15, 3}, {3, 25, 5},
	};
	for (size_t i = 0; i < 2; i++) {
		struct test_fx f;
		fx_begin(&f, 1, c[i].ready, -60);
		test_fx_enum(&f, "mode", "capacity");
		test_fx_num(&f, "target", 5);
		test_fx_num(&f, "target_proportion", 1.0);
		f.gauge[0][MON_INFLIGHT] = c[i].inflight;
		test_fx_init(&f);
		struct scale_decision d = test_fx_decide(&f, 0);
		T_EQ_INT(d.desired, c[i].want);
		test_fx_end(&f);
	}

	struct test_fx f;
	fx_begin(&f, 1, 2, -70);
	test_fx_enum(&f, "mode", "capacity");
	test_fx_num(&f, "target", 5);
	test_fx_num(&f, "target_proportion", 1.0);
	f.frozen = 1;
	test_fx_init(&f);
	struct scale_decision d = {.desired = -1};
	for (double t = -65; t <= 1e-9; t += 5) {
		double *l = f.gauge[0];
		l[MON_INFLIGHT] = 10;
		l[MON_QUEUE] = 0;
		if (fabs(t + 50) < 1e-9) {
			l[MON_INFLIGHT] = 20;
			l[MON_QUEUE] = 30;
		} else if (fabs(t + 20) < 1e-9) {
			l[MON_INFLIGHT] = 16;
			l[MON_QUEUE] = 8;
		} else if (fabs(t + 10) < 1e-9) {
			l[MON_INFLIGHT] = 20;
		}
		d = test_fx_decide(&f, t);
	}
	T_NEAR(test_observed(&d, "load"), 24, 0);
	T_EQ_INT(d.desired, 5);
	test_fx_end(&f);
}

/* Pro queue: pending messages, the queue of an inner function (95, target
 * 10 x 1 -> ceil(1 x 95/10) = 10) or the consumer lag of one fed by
 * partitions (47, not its queue of 3; target 10 x 0.9, 2 ready ->
 * ceil(2 x 23.5/9) = ceil(5.22) = 6). */
static void test_pro_queue(void)
{
	for (int entry = 0; entry <= 1; entry++) {
		struct test_fx f;
		fx_begin(&f, 1, entry ? 2 : 1, -60);
		test_fx_enum(&f, "mode", "queue");
		test_fx_num(&f, "target", 10);
		test_fx_num(&f, "target_proportion", entry ? 0.9 : 1.0);
		f.fn[0].partitions = entry ? 4 : 0;
		f.gauge[0][MON_QUEUE] = entry ? 3 : 95;
		f.gauge[0][MON_LAG] = entry ? 47 : 0;
		test_fx_init(&f);
		struct scale_decision d = test_fx_decide(&f, 0);
		T_EQ_INT(d.desired, entry ? 6 : 10);
		T_NEAR(test_observed(&d, "load"), entry ? 47 : 95, 0);
		test_fx_end(&f);
	}
}

/*
 * Scale-down window 60 s, rps, target 10 x 1, 100 req/s since t=-120.
 * Decisions from t=5; the first evaluation is at 15: raw ceil(1 x 100/10)
 * = 10, a scale-up, not held. The load falls to 20 req/s at t=60: the
 * evaluation at 75 records (15 x 100 + 15 x 20)/30 = 60 -> raw 6, at 90
 * 20 -> raw 2. Scale-down goes only to the highest recommendation newer
 * than now - 60: the last 10 was at t=70, so 10 until 125, 6 from 130
 * (the 6s of 75..85), 2 from 145. Without the window: 6 at 75, 2 at 90.
 */
static void test_pro_down_window(void)
{
	for (int window = 60; window >= 0; window -= 60) {
		struct test_fx f;
		fx_begin(&f, 1, 1, -120);
		test_fx_enum(&f, "mode", "rps");
		test_fx_num(&f, "target", 10);
		test_fx_num(&f, "target_proportion", 1.0);
		test_fx_num(&f, "scale_down_window_s", window);
		f.rate[0][MON_COMPLETIONS] = 100;
		test_fx_init(&f);
		for (double t = 5; t <= 150 + 1e-9; t += 5) {
			if (t > 60 + 1e-9)
				f.rate[0][MON_COMPLETIONS] = 20;
			struct scale_decision d = test_fx_decide(&f, t);
			int want = t < 15 ? -1
				   : window ? (t < 130 ? 10 : t < 145 ? 6 : 2)
				   : (t < 75 ? 10 : t < 90 ? 6 : 2);
			T_EQ_INT(d.desired, want);
			if (d.desired != want) {
				fprintf(stderr, "  window %d t=%g: %s\n", window,
					t, d.reason);
				break;
			}
		}
		test_fx_end(&f);
	}
}

/*
 * Scale to zero: rps, min label 2, 10 req/s until t=100. The last scrape
 * with new requests is at 100; with zero and zero-duration 900 the
 * function goes to 0 at t=1000 (2 until then: ceil(2 x 5/45) = 1, clamped
 * to 2). At zero nothing happens until a request is held: a wake round
 * at 1007.5 scales to the min, 2. Without zero it stays at 2.
 */
static void test_pro_zero(void)
{
	for (int zero = 1; zero >= 0; zero--) {
		struct test_fx f;
		fx_begin(&f, 1, 2, -120);
		test_fx_enum(&f, "mode", "rps");
		test_fx_num(&f, "min_replicas_label", 2);
		test_fx_num(&f, "zero", zero);
		f.rate[0][MON_COMPLETIONS] = 10;
		test_fx_init(&f);
		struct scale_decision d = {.desired = -1};
		for (double t = 5; t <= 1000 + 1e-9; t += 5) {
			if (t > 100 + 1e-9)
				f.rate[0][MON_COMPLETIONS] = 0;
			d = test_fx_decide(&f, t);
			int want = t < 15 ? -1 : zero && t >= 1000 ? 0 : 2;
			T_EQ_INT(d.desired, want);
			if (d.desired != want) {
				fprintf(stderr, "  t=%g: %s\n", t, d.reason);
				break;
			}
		}
		if (zero) {
			T_STR_CONTAINS(d.reason, "zero-duration");
			d = test_fx_decide(&f, 1005);
			T_EQ_INT(d.desired, -1);
			f.fn[0].held_at_zero = 3;
			d = test_fx_decide(&f, 1007.5);
			T_EQ_INT(d.desired, 2);
			T_STR_CONTAINS(d.reason, "scale from zero");
			f.fn[0].held_at_zero = 0;
			d = test_fx_decide(&f, 1010);     /* just woken: not idle */
			T_EQ_INT(d.desired, 2);
		}
		test_fx_end(&f);
	}
}

/* Unmanaged functions are left alone and take no part in the alerts. */
static void test_unmanaged(void)
{
	struct test_fx f;
	fx_begin(&f, 1, 1, 0);
	f.fn[0].managed = 0;
	f.rate[0][MON_COMPLETIONS] = 10;
	test_fx_init(&f);
	run_expect(&f, 0, 0, 60, NULL, 0);
	test_fx_end(&f);
}

/* ---- in the engine ---- */

/*
 * The engine tests run one function f behind a gateway trace: 2 req/s
 * (t = 0.25 + 0.5k, 120 requests to 59.75), then 10 req/s (t = 60.05 +
 * 0.1k, 1400 requests to 199.95), then nothing until the end at 300 s.
 * Service 0.01 s, one slot a replica, cold start 2 s: one replica serves
 * every request as it comes, so each completion is 0.01 s after its
 * arrival and the monitor's counters step exactly with the trace. The
 * monitor scrapes every 5 s (the chart's gateway scrape), the policy
 * decides every 5 s, actuation is immediate.
 */
#define ENG_END 300.0

struct change { double t; int from, to; };

struct eng {
	struct config *cfg;
	struct model *m;
	char *db;
	char *trace;
	struct change ch[64];   /* decisions that changed the count, by time */
	int nch;
};

static int eng_run(struct eng *g, const char *scaling)
{
	memset(g, 0, sizeof *g);
	static double t[120 + 1400];
	int n = 0;
	for (int k = 0; k < 120; k++)
		t[n++] = 0.25 + 0.5 * k;
	for (int k = 0; k < 1400; k++)
		t[n++] = 60.05 + 0.1 * k;
	g->trace = test_write_trace(t, n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g->trace);
	char json[2048];
	snprintf(json, sizeof json,
		 "{\"duration_s\":%g,\"sources\":[{\"topic\":\"in\",\"arrivals\":"
		 "{\"workload\":\"spate-csv\",\"path\":\"%s\"},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":0.01,"
		 "\"cold_start\":2,\"min_replicas\":0,%s}],"
		 "\"monitor\":{\"scrape_interval_s\":5},"
		 "\"autoscaler\":{\"policy\":\"openfaas\"}}", ENG_END, g->trace,
		 scaling);
	g->m = test_run_json_db(json, &g->cfg, &g->db);
	if (!g->m)
		return -1;
	sqlite3 *db;
	if (sqlite3_open(g->db, &db) != SQLITE_OK) {
		CU_FAIL("cannot open the run's database");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT t, from_replicas, to_replicas FROM "
			       "decisions WHERE to_replicas != from_replicas "
			       "ORDER BY t", -1, &st, NULL) == SQLITE_OK)
		while (sqlite3_step(st) == SQLITE_ROW && g->nch < 64) {
			struct change *c = &g->ch[g->nch++];
			c->t = sqlite3_column_double(st, 0);
			c->from = sqlite3_column_int(st, 1);
			c->to = sqlite3_column_int(st, 2);
		}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return 0;
}

static void eng_end(struct eng *g)
{
	model_free(g->m);
	config_free(g->cfg);
	test_db_remove(g->db);
	if (g->trace)
		unlink(g->trace);
	free(g->trace);
}

/* Checks the run's count changes against want[n], in order, exactly. */
static void eng_expect(const struct eng *g, const struct change *want,
		       int n, const char *label)
{
	T_EQ_INT(g->nch, n);
	for (int i = 0; i < n && i < g->nch; i++) {
		const struct change *a = &g->ch[i], *w = &want[i];
		T_NEAR(a->t, w->t, 1e-9);
		T_EQ_INT(a->from, w->from);
		T_EQ_INT(a->to, w->to);
		if (fabs(a->t - w->t) > 1e-9 || a->from != w->from ||
		    a->to != w->to)
			fprintf(stderr, "  %s: change %d\n", label, i);
	}
	if (g->nch != n)
		for (int i = 0; i < g->nch; i++)
			fprintf(stderr, "  %s: t=%g %d -> %d\n", label, g->ch[i].t,
				g->ch[i].from, g->ch[i].to);
}

/* A timeline column of f at time t (the model samples every second). */
static double eng_timeline(const struct eng *g, const char *col, double t)
{
	sqlite3 *db;
	double v = NAN;
	if (sqlite3_open(g->db, &db) == SQLITE_OK) {
		char sql[256];
		snprintf(sql, sizeof sql, "SELECT %s FROM timeline WHERE function"
			 " = 'f' AND abs(t - %.17g) < 1e-6", col, t);
		v = test_q_dbl(db, sql);
	}
	sqlite3_close(db);
	return v;
}

/*
 * CE in the engine, both presets. f starts at 0 replicas.
 *   t=0.25: the first request finds no replica; the gateway holds it and
 *     scales from zero at once: 0 -> 1 (a wake round at 0.25), ready at
 *     2.25 after the cold start; nothing is dropped.
 *   2 req/s is not > 5: the rule stays inactive through the evaluation at
 *     60 (completions in (50, 60]: 20, rate 2).
 *   t=75: completions in (65, 75] = 100, rate 10 > 5 -> pending.
 *   t=90: 90 - 75 = 15 s >= for 5 s -> firing; a new Alertmanager group
 *     waits group_wait 5 s -> notification at 95: +step.
 *   Then a repeat needs strictly more than repeat_interval 30 s since the
 *     last notification, on the group_interval 10 s grid from 95: 135, 175.
 *   The load ends at 199.95: the evaluation at 210 sees no completion in
 *     (200, 210] -> resolved; the flush at 215 notifies it -> label min 1.
 *   CE has no scale to zero: f stays at 1 from 215 to the end (the
 *     function's min_replicas 0 would allow 0).
 * current preset: max 5, factor 10% -> step ceil(5/100 x 10) = 1:
 *   95: 1 -> 2, 135: 2 -> 3, 175: 3 -> 4, 215: 4 -> 1.
 * classic preset: max 20, factor 20% -> step ceil(20/100 x 20) = 4:
 *   95: 1 -> 5, 135: 5 -> 9, 175: 9 -> 13, 215: 13 -> 1.
 */
static void test_engine_ce(void)
{
	for (int classic = 0; classic <= 1; classic++) {
		struct eng g;
		int step = classic ? 4 : 1;
		char scaling[128];
		snprintf(scaling, sizeof scaling, "\"initial_replicas\":0,"
			 "\"scaling\":{\"preset\":\"%s\"}",
			 classic ? "classic" : "current");
		if (eng_run(&g, scaling) == 0) {
			const struct change want[] = {
				{0.25, 0, 1},
				{95, 1, 1 + step},
				{135, 1 + step, 1 + 2 * step},
				{175, 1 + 2 * step, 1 + 3 * step},
				{215, 1 + 3 * step, 1},
			};
			eng_expect(&g, want, 5, classic ? "classic" : "current");
			T_NEAR(model_metric(g.m, "e2e", "completions"), 1520, 0);
			T_NEAR(model_metric(g.m, "e2e", "dropped"), 0, 0);
			/* the held request: cold start 2 s + service 0.01 s */
			T_NEAR(hist_max(model_hist(g.m, "e2e")), 2.01, 1e-9);
			/* the step's replicas start at 95 and are ready at 97 */
			T_NEAR(eng_timeline(&g, "ready", 96), 1, 0);
			T_NEAR(eng_timeline(&g, "pending", 96), step, 0);
			T_NEAR(eng_timeline(&g, "ready", 98), 1 + step, 0);
			/* never back to zero once woken */
			T_NEAR(eng_timeline(&g, "ready", ENG_END - 1), 1, 0);
		}
		eng_end(&g);
	}
}

/*
 * Pro rps in the engine: target 2.5 x proportion 0.9 = 2.25 req/s a
 * replica, 1 replica at start, zero with zero-duration 60 s. The load is
 * recorded at each 15-s evaluation as ceil(responses/s over 30 s; the
 * monitor's span is shorter before t=30), and each 5-s decision sizes
 * ceil(ready x (load/ready) / 2.25) clamped to [min label 1, max 20]:
 *   15..60: load 2 -> ceil(0.89) = 1, unchanged.
 *   75:  (45, 75]: 30 + 150 = 180 / 30 = 6 -> ceil(1 x 6/2.25) =
 *        ceil(2.67) = 3: 1 -> 3.
 *   90:  (60, 90]: 10 -> ceil(3 x 3.33/2.25) = ceil(4.44) = 5: 3 -> 5.
 *   105..195: 10 over 5 ready -> ceil(4.44) = 5, unchanged.
 *   210: (180, 210]: 200 / 30 = 6.67 -> 7 -> ceil(3.11) = 4: 5 -> 4.
 *   225: (195, 225]: 50 / 30 = 1.67 -> 2 -> ceil(0.89) = 1: 4 -> 1.
 *   The last scrape that saw new requests is at 200: idle 60 s at 260
 *   -> 0 (scale to zero).
 * Without the proportion (target 2.5 a replica) 75 would give 3 but 90
 * ceil(4) = 4 and 210 ceil(2.8) = 3.
 * With scale_down_window_s 30, a scale-down goes only to the highest
 * recommendation of (now - 30, now] (one every 5-s decision): the raw 5
 * of 205 holds 5 until 230, 4 at 235 (raws 4 at 210..220), 1 at 250
 * once the last raw 4 (220) is out; 0 at 260 as before (the idler comes
 * first).
 */
static void test_engine_pro_rps(void)
{
	for (int window = 0; window <= 30; window += 30) {
		struct eng g;
		char scaling[256];
		snprintf(scaling, sizeof scaling, "\"initial_replicas\":1,"
			 "\"scaling\":{\"mode\":\"rps\",\"target\":2.5,"
			 "\"zero\":true,\"zero_duration_s\":60,"
			 "\"scale_down_window_s\":%d}", window);
		if (eng_run(&g, scaling) == 0) {
			static const struct change off[] = {
				{75, 1, 3}, {90, 3, 5}, {210, 5, 4}, {225, 4, 1},
				{260, 1, 0},
			};
			static const struct change on[] = {
				{75, 1, 3}, {90, 3, 5}, {235, 5, 4}, {250, 4, 1},
				{260, 1, 0},
			};
			eng_expect(&g, window ? on : off, 5,
				   window ? "window 30" : "no window");
			T_NEAR(model_metric(g.m, "e2e", "dropped"), 0, 0);
			T_NEAR(eng_timeline(&g, "ready", ENG_END - 1), 0, 0);
		}
		eng_end(&g);
	}
}

int test_openfaas_register(void)
{
	CU_pSuite s = CU_add_suite("openfaas", NULL, NULL);
	if (!s)
		return -1;
	struct { const char *name; void (*fn)(void); } t[] = {
		{"params", test_params},
		{"ce_current", test_ce_current},
		{"ce_classic", test_ce_classic},
		{"ce_rule", test_ce_rule},
		{"ce_shared_group", test_ce_shared_group},
		{"ce_wake", test_ce_wake},
		{"pro_rps", test_pro_rps},
		{"pro_capacity", test_pro_capacity},
		{"pro_queue", test_pro_queue},
		{"pro_down_window", test_pro_down_window},
		{"pro_zero", test_pro_zero},
		{"unmanaged", test_unmanaged},
		{"engine: CE steps after the alert delays", test_engine_ce},
		{"engine: Pro rps, down window, zero", test_engine_pro_rps},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!CU_add_test(s, t[i].name, t[i].fn))
			return -1;
	return 0;
}
