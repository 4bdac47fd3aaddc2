/*
 * test_kpa: the Knative Pod Autoscaler driven directly: a monitor scraped
 * every second (what KPA users must configure), one function view, decider
 * ticks every 2 s from t = 2 and activator pokes in between; each decision is
 * applied to the view at once (replicas ready at once unless a test says
 * otherwise). Loads are piecewise constant in whole seconds, so every window
 * average is a short sum; the arithmetic is written beside each check.
 * Notation: target = containerConcurrency x 0.7 (7 for 10 slots), dspc/dppc
 * = ceil(stable/target), ceil(panic/target), ready' = max(1, ready).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "monitor.h"
#include "param.h"
#include "policy.h"
#include "config.h"
#include "hist.h"
#include "model.h"
#include "testutil.h"

enum { PA_ACTIVATING, PA_ACTIVE, PA_INACTIVE };

/* The shared fixture for one function in [0, 1000] at `ready` replicas of
 * `slots` slots, scraped every `scrape` s from t = 0 (900 s kept); the
 * policy is created seeing ready0 ready replicas. */
static void fx_begin_scrape(struct test_fx *f, int ready0, int ready,
			    int slots, double scrape)
{
	test_fx_begin(f, "kpa", 1, scrape);
	f->retention = 900;
	f->fn[0].target = f->fn[0].ready = ready;
	f->fn[0].concurrency = slots;
	f->init_ready[0] = ready0;
	f->init_ready_set = 1;
}

static void fx_begin(struct test_fx *f, int ready0, int ready, int slots)
{
	fx_begin_scrape(f, ready0, ready, slots, 1);
}

/* In-flight requests (busy slots) from now on: the gauge and its time
 * integral. */
static void set_busy(struct test_fx *f, double busy)
{
	f->gauge[0][MON_INFLIGHT] = busy;
	f->rate[0][MON_BUSY_TIME] = busy;
}

static void set_queue(struct test_fx *f, double queue)
{
	f->gauge[0][MON_QUEUE] = queue;
	f->rate[0][MON_QUEUE_TIME] = queue;
}

/* Ticks from `from` to `to` (inclusive, every 2 s), each decision's target
 * checked against want; stops at the first mismatch. */
static struct scale_decision ticks_expect(struct test_fx *f, double from, double to,
					  int want)
{
	struct scale_decision d = {.desired = -1};
	for (double t = from; t <= to + 1e-9; t += 2) {
		d = test_fx_decide(f, t);
		T_EQ_INT(f->fn[0].target, want);
		if (f->fn[0].target != want) {
			fprintf(stderr, "  at t=%g: %s\n", t, d.reason);
			break;
		}
	}
	return d;
}

static void test_params(void)
{
	const struct policy *k = policy_find("kpa");
	CU_ASSERT_FATAL(k != NULL);
	T_NEAR(k->interval_s, 2, 0);
	T_EQ_INT(k->wake_from_zero, 1);
	T_STR_CONTAINS(k->help, "scrape_interval_s");
	struct { const char *name; double def; } kn[] = {
		{"target_utilization", 0.7}, {"stable_window_s", 60},
		{"panic_window_percentage", 10},
		{"panic_threshold_percentage", 200},
		{"max_scale_up_rate", 1000}, {"max_scale_down_rate", 2},
		{"scale_to_zero_grace_period_s", 30},
		{"enable_scale_to_zero", 1}, {"scale_down_delay_s", 0},
		{"initial_scale", 1}, {"activation_scale", 1},
		{"target_burst_capacity", 211},
		{"container_concurrency_target_default", 100},
		{"requests_per_second_target_default", 200},
		{"scale_to_zero_pod_retention_period_s", 0},
	};
	for (size_t i = 0; i < sizeof kn / sizeof kn[0]; i++) {
		int j = param_find(k->params, k->nparams, kn[i].name);
		T_TRUE(j >= 0, "no parameter %s", kn[i].name);
		if (j >= 0)
			T_NEAR(k->params[j].def, kn[i].def, 0);
	}
	int m = param_find(k->params, k->nparams, "mode");
	T_TRUE(m >= 0, "no parameter mode");
	if (m >= 0)
		T_EQ_INT(param_choice_index(&k->params[m], "rps"), 1);

	/* bad rates and burst capacities are refused */
	struct test_fx f;
	fx_begin(&f, 0, 1, 1);
	test_fx_num(&f, "max_scale_down_rate", 1);
	struct err e = {0};
	T_TRUE(test_fx_try_init(&f, &e) < 0, "rate 1 accepted");
	T_STR_CONTAINS(e.msg, "max_scale_down_rate");
	test_fx_end(&f);
	fx_begin(&f, 0, 1, 1);
	test_fx_num(&f, "target_burst_capacity", -0.5);
	err_clear(&e);
	T_TRUE(test_fx_try_init(&f, &e) < 0, "TBC -0.5 accepted");
	T_STR_CONTAINS(e.msg, "target_burst_capacity");
	test_fx_end(&f);
}

/* The target of ResolveMetricTarget, read back from the first decision. */
static double target_of(int slots, int mode_rps, double cc, double annot,
			double tu)
{
	struct test_fx f;
	fx_begin(&f, 0, 1, slots);
	test_fx_num(&f, "mode", mode_rps);
	test_fx_num(&f, "container_concurrency", cc);
	test_fx_num(&f, "target", annot);
	test_fx_num(&f, "target_utilization", tu);
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 2);
	test_fx_end(&f);
	return test_observed(&d, "target");
}

static void test_target(void)
{
	T_NEAR(target_of(10, 0, -1, 0, 0.7), 7, 1e-12);   /* slots x 0.7 */
	T_NEAR(target_of(1, 0, -1, 0, 0.7), 0.7, 1e-12);
	T_NEAR(target_of(10, 0, 0, 0, 0.7), 70, 1e-12);   /* CC 0: 100 x 0.7 */
	T_NEAR(target_of(10, 0, 4, 0, 0.7), 2.8, 1e-12);  /* explicit CC */
	T_NEAR(target_of(10, 0, -1, 5, 0.7), 3.5, 1e-12); /* min(5, 10) x .7 */
	T_NEAR(target_of(10, 0, -1, 50, 0.7), 7, 1e-12);  /* min(50, 10) */
	T_NEAR(target_of(10, 0, 0, 50, 0.7), 35, 1e-12); /* CC 0: annotation */
	T_NEAR(target_of(10, 1, -1, 0, 0.7), 140, 1e-12); /* rps 200 x 0.7 */
	T_NEAR(target_of(10, 1, -1, 100, 0.5), 50, 1e-12);
	T_NEAR(target_of(1, 0, -1, 0, 0.001), 0.01, 1e-12); /* TargetMin */
}

static void test_steady(void)
{
	/* created with 4 ready pods: the decider starts panicking at t = 0
	 * with maxPanicPods 4. Load 28 = 4 x target: stable = panic = 28
	 * (averaged since the first write at t = 0) -> dspc = dppc = 4, 4/4 < 2:
	 * 4 at every tick; the creation panic ends at the first tick with
	 * 0 + 60 < now, t = 62. */
	struct test_fx f;
	fx_begin(&f, 4, 4, 10);
	set_busy(&f, 28);
	test_fx_init(&f);
	struct scale_decision d = ticks_expect(&f, 2, 60, 4);
	T_NEAR(test_observed(&d, "panicking"), 1, 0);
	T_NEAR(test_observed(&d, "stable"), 28, 1e-9);
	T_NEAR(test_observed(&d, "dppc"), 4, 0);
	d = test_fx_decide(&f, 62);
	T_EQ_INT(d.desired, 4);
	T_NEAR(test_observed(&d, "panicking"), 0, 0);
	T_STR_CONTAINS(d.reason, "panic over");
	d = ticks_expect(&f, 64, 120, 4);
	T_NEAR(test_observed(&d, "pa"), PA_ACTIVE, 0);
	/* a call off the tick lattice (another function's wake round) leaves
	 * the decider alone */
	d = test_fx_decide(&f, 121.3);
	T_EQ_INT(d.desired, -1);
	T_STR_CONTAINS(d.reason, "between decider ticks");
	test_fx_end(&f);
}

static void test_panic(void)
{
	struct test_fx f;
	fx_begin(&f, 0, 4, 10);
	set_busy(&f, 28);
	test_fx_init(&f);
	ticks_expect(&f, 2, 60, 4);
	/* burst: 112 in-flight during (60, 62]. At t = 62:
	 * stable = (58 x 28 + 2 x 112)/60 = 30.8 -> dspc 5;
	 * panic = (4 x 28 + 2 x 112)/6 = 56 -> dppc 8, 8/4 = 2 >= 2: panic,
	 * want max(5, 8) = 8 at once */
	set_busy(&f, 112);
	struct scale_decision d = test_fx_decide(&f, 62);
	T_EQ_INT(d.desired, 8);
	T_NEAR(test_observed(&d, "dppc"), 8, 0);
	T_NEAR(test_observed(&d, "dspc"), 5, 0);
	T_NEAR(test_observed(&d, "panicking"), 1, 0);
	T_STR_CONTAINS(d.reason, "panic (dppc/ready 2");
	/* idle after 62. At 64: stable = (56 x 28 + 224)/60 = 29.87 -> 5;
	 * panic = (2 x 28 + 224)/6 = 46.7 -> 7 < maxPanicPods 8: keep 8 */
	set_busy(&f, 0);
	d = test_fx_decide(&f, 64);
	T_EQ_INT(d.desired, 8);
	T_NEAR(test_observed(&d, "dppc"), 7, 0);
	T_STR_CONTAINS(d.reason, "panicking: 8 kept, not 7");
	/* the last panic-level tick was 62: panicking while 62 + 60 >= now */
	d = ticks_expect(&f, 66, 122, 8);
	T_NEAR(test_observed(&d, "panicking"), 1, 0);
	T_NEAR(test_observed(&d, "dspc"), 0, 0);
	/* 124: panic over, dspc 0 clamped to maxDown = floor(8/2) = 4; then
	 * floor(4/2) = 2, floor(2/2) = 1 */
	d = test_fx_decide(&f, 124);
	T_EQ_INT(d.desired, 4);
	T_NEAR(test_observed(&d, "panicking"), 0, 0);
	d = test_fx_decide(&f, 126);
	T_EQ_INT(d.desired, 2);
	d = test_fx_decide(&f, 128);
	T_EQ_INT(d.desired, 1);
	/* 130: maxDown floor(1/2) = 0 -> decider 0; active since t = 2 (>= 60
	 * s): marked inactive; the activator has been in the path since t = 2
	 * (EBC = floor(ready x 10 - 211 - panic) < 0), >= 30 s: 0 at once */
	d = test_fx_decide(&f, 130);
	T_EQ_INT(d.desired, 0);
	T_STR_CONTAINS(d.reason, "mark inactive");
	T_STR_CONTAINS(d.reason, "activator in path 128s -> 0");
	test_fx_end(&f);
}

static void test_panic_extended(void)
{
	/* as test_panic to 62 (panic, 8), then 336 in-flight during (62, 64]:
	 * panic = (2 x 28 + 2 x 112 + 2 x 336)/6 = 158.67 -> dppc 23, 23/8 >=
	 * 2: the panic is extended to 64 and grows to 23. Idle after: still
	 * panicking at 124 (64 + 60 >= 124), over at 126 -> floor(23/2) = 11 */
	struct test_fx f;
	fx_begin(&f, 0, 4, 10);
	set_busy(&f, 28);
	test_fx_init(&f);
	ticks_expect(&f, 2, 60, 4);
	set_busy(&f, 112);
	ticks_expect(&f, 62, 62, 8);
	set_busy(&f, 336);
	struct scale_decision d = test_fx_decide(&f, 64);
	T_EQ_INT(d.desired, 23);
	T_NEAR(test_observed(&d, "dppc"), 23, 0);
	set_busy(&f, 0);
	ticks_expect(&f, 66, 124, 23);
	d = test_fx_decide(&f, 126);
	T_EQ_INT(d.desired, 11);
	T_STR_CONTAINS(d.reason, "panic over (last at 64s)");
	test_fx_end(&f);
}

static void test_writes_stop(void)
{
	/* 7 in-flight on 1 pod during (0, 10], then the pod is gone and
	 * nothing is written. Knative averages over the seconds that have
	 * data: at 12 the panic window (6, 12] has 2 s without writes, so
	 * panic = 4 x 7 / (6 - 2) = 7 (not 28/6); stable = 70 / 10 (the run
	 * is 10 s old). Writes stop for more than the stable window: no data
	 * (t = 72 > 10 + 60). */
	struct test_fx f;
	fx_begin(&f, 0, 1, 10);
	set_busy(&f, 7);
	f.hold_ready = 1;
	test_fx_init(&f);
	ticks_expect(&f, 2, 10, 1);
	set_busy(&f, 0);
	f.fn[0].ready = 0;
	struct scale_decision d = test_fx_decide(&f, 12);
	T_NEAR(test_observed(&d, "panic"), 7, 1e-12);
	T_NEAR(test_observed(&d, "stable"), 7, 1e-12);
	d = test_fx_decide(&f, 16);   /* 6 s without writes: panic 0 */
	T_NEAR(test_observed(&d, "panic"), 0, 0);
	T_NEAR(test_observed(&d, "stable"), 7, 1e-12);
	for (double t = 18; t <= 70; t += 2)
		test_fx_decide(&f, t);
	d = test_fx_decide(&f, 72);
	T_STR_CONTAINS(d.reason, "no data");
	test_fx_end(&f);
}

static void test_coarse_scrape(void)
{
	/* a 5-s scrape (not what KPA users should run, but it must not
	 * distort averages): 7 in-flight on 1 pod from t = 0. At 10 the
	 * samples at 5 and 10 hold data since 0: stable = 70/10 = 7; the 6-s
	 * panic window is measured in whole intervals, (5, 10]: 35/5 = 7.
	 * A 15-s scrape: the panic window widens to one interval. */
	struct test_fx f;
	fx_begin_scrape(&f, 0, 1, 10, 5);
	set_busy(&f, 7);
	test_fx_init(&f);
	struct scale_decision d;
	for (double t = 2; t <= 10; t += 2)
		d = test_fx_decide(&f, t);
	T_NEAR(test_observed(&d, "stable"), 7, 1e-12);
	T_NEAR(test_observed(&d, "panic"), 7, 1e-12);
	T_EQ_INT(d.desired, 1);
	test_fx_end(&f);

	fx_begin_scrape(&f, 0, 1, 10, 15);
	set_busy(&f, 14);
	test_fx_init(&f);
	for (double t = 2; t <= 16; t += 2)
		d = test_fx_decide(&f, t);
	T_NEAR(test_observed(&d, "stable"), 14, 1e-12);
	T_NEAR(test_observed(&d, "panic"), 14, 1e-12);
	T_EQ_INT(d.desired, 2);
	test_fx_end(&f);
}

static void test_scale_up_rate(void)
{
	/* 70 in-flight on 1 pod: dspc = dppc = 10, maxUp = ceil(2 x 1) = 2 */
	struct test_fx f;
	fx_begin(&f, 0, 1, 10);
	test_fx_num(&f, "max_scale_up_rate", 2);
	set_busy(&f, 70);
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 2);
	T_EQ_INT(d.desired, 2);
	T_NEAR(test_observed(&d, "dspc"), 10, 0);
	d = test_fx_decide(&f, 4);   /* ceil(2 x 2) */
	T_EQ_INT(d.desired, 4);
	test_fx_end(&f);
}

/* 1 pod, 5 in-flight during (0, 30], idle after: the stable window is empty
 * of load from t = 90. */
static void idle_after_30(struct test_fx *f, double tbc, double retention)
{
	fx_begin(f, 0, 1, 10);
	test_fx_num(f, "target_burst_capacity", tbc);
	test_fx_num(f, "scale_to_zero_pod_retention_period_s", retention);
	set_busy(f, 5);
	test_fx_init(f);
	/* 2: stable = panic = 5 (two buckets since the first write) -> 1 */
	ticks_expect(f, 2, 30, 1);
	set_busy(f, 0);
	/* up to 88 the window (t-60, t] still holds (28, 30]: dspc 1 */
	ticks_expect(f, 32, 88, 1);
}

static void test_scale_to_zero_grace(void)
{
	/* TBC 0: the activator leaves the path while serving. At 90 the
	 * decider says 0, the PA (active since 2) is marked inactive and the
	 * SKS goes to proxy; 0 only once inactive for the 30 s grace: t = 120
	 * = last load 30 + stable window 60 + grace 30. */
	struct test_fx f;
	idle_after_30(&f, 0, 0);
	struct scale_decision d = test_fx_decide(&f, 90);
	T_EQ_INT(d.desired, -1);
	T_EQ_INT(f.fn[0].target, 1);
	T_NEAR(test_observed(&d, "decider"), 0, 0);
	T_NEAR(test_observed(&d, "pa"), PA_INACTIVE, 0);
	T_STR_CONTAINS(d.reason, "mark inactive");
	d = ticks_expect(&f, 92, 118, 1);
	T_STR_CONTAINS(d.reason, "inactive 28s, grace 30s");
	d = test_fx_decide(&f, 120);
	T_EQ_INT(d.desired, 0);
	T_STR_CONTAINS(d.reason, "inactive 30s -> 0");
	test_fx_end(&f);

	/* default TBC 211: EBC = floor(10 - 211 - panic) < 0 kept the
	 * activator in the path since t = 2, so the fast path scales to 0 in
	 * the reconcile right after the PA goes inactive */
	idle_after_30(&f, 211, 0);
	d = test_fx_decide(&f, 90);
	T_EQ_INT(d.desired, 0);
	T_STR_CONTAINS(d.reason, "activator in path 88s -> 0");
	test_fx_end(&f);

	/* retention 45 s: inactive at 90, the last pod stays until inactive
	 * >= max(30, 45): 90 + 46 = 136 is the first tick */
	idle_after_30(&f, 211, 45);
	ticks_expect(&f, 90, 134, 1);
	d = test_fx_decide(&f, 136);
	T_EQ_INT(d.desired, 0);
	test_fx_end(&f);

	/* scale to zero disabled: a 0 becomes 1, the PA stays active */
	fx_begin(&f, 0, 1, 10);
	test_fx_num(&f, "enable_scale_to_zero", 0);
	test_fx_init(&f);
	d = ticks_expect(&f, 2, 200, 1);
	T_NEAR(test_observed(&d, "decider"), 0, 0);
	T_NEAR(test_observed(&d, "pa"), PA_ACTIVE, 0);
	test_fx_end(&f);
}

static void test_hold_one_stable_window(void)
{
	/* A new function with its first replica starting: no write (no
	 * ready pod, no request) -> no data, no decision. The pod is ready
	 * during (8, 10]: at 10 the decider says 0 (maxDown floor(1/2) = 0) and
	 * the PA turns active; it is held at 1 until active for 60 s (t = 70),
	 * marked inactive then, and with TBC 0 reaches 0 at 70 + 30. */
	struct test_fx f;
	fx_begin(&f, 0, 0, 10);
	test_fx_num(&f, "target_burst_capacity", 0);
	f.fn[0].target = 1;
	f.fn[0].pending = 1;
	f.hold_ready = 1;
	test_fx_init(&f);
	struct scale_decision d;
	for (double t = 2; t <= 8; t += 2) {
		d = test_fx_decide(&f, t);
		T_EQ_INT(d.desired, -1);
		T_NEAR(test_observed(&d, "pa"), PA_ACTIVATING, 0);
	}
	T_STR_CONTAINS(d.reason, "no data");
	f.fn[0].ready = 1;
	f.fn[0].pending = 0;
	d = test_fx_decide(&f, 10);
	T_EQ_INT(d.desired, 1);
	T_NEAR(test_observed(&d, "decider"), 0, 0);
	T_NEAR(test_observed(&d, "pa"), PA_ACTIVE, 0);
	T_STR_CONTAINS(d.reason, "hold 1");
	for (double t = 12; t <= 68; t += 2) {
		d = test_fx_decide(&f, t);
		T_EQ_INT(d.desired, 1);
	}
	d = test_fx_decide(&f, 70);
	T_EQ_INT(d.desired, -1);
	T_STR_CONTAINS(d.reason, "active 60s >= 60s: mark inactive");
	f.hold_ready = 0;
	ticks_expect(&f, 72, 98, 1);
	d = test_fx_decide(&f, 100);
	T_EQ_INT(d.desired, 0);
	test_fx_end(&f);

	/* default TBC 211 and a 65 s grace: the decider was created with
	 * EBC = 10 - 211 < 0, so the activator has been in the path since the
	 * first reconcile (t = 2); at 70 it has proxied 68 >= 65 s: 0 at once */
	fx_begin(&f, 0, 0, 10);
	test_fx_num(&f, "scale_to_zero_grace_period_s", 65);
	f.fn[0].target = 1;
	f.fn[0].pending = 1;
	f.hold_ready = 1;
	test_fx_init(&f);
	for (double t = 2; t <= 8; t += 2)
		test_fx_decide(&f, t);
	f.fn[0].ready = 1;
	f.fn[0].pending = 0;
	d = test_fx_decide(&f, 10);
	T_NEAR(test_observed(&d, "proxy_for"), 8, 0);
	for (double t = 12; t <= 68; t += 2)
		test_fx_decide(&f, t);
	d = test_fx_decide(&f, 70);
	T_EQ_INT(d.desired, 0);
	T_STR_CONTAINS(d.reason, "activator in path 68s -> 0");
	test_fx_end(&f);
}

static void test_wake(void)
{
	/* the grace flow (1 up to 118, 0 at 120), then ticks at zero keep 0 */
	struct test_fx f;
	idle_after_30(&f, 0, 0);
	ticks_expect(&f, 90, 118, 1);
	ticks_expect(&f, 120, 130, 0);
	T_EQ_INT(f.fn[0].ready, 0);
	/* a request reaches the function at 131.5, between ticks: the
	 * activator's first-request stat (1) pokes the decider, whose last
	 * answer was 0. Last write 120: the stable run goes on (11.5 < 60 s),
	 * stable = 1/60 -> dspc 1; the panic run restarts (11.5 >= 6 s),
	 * panic = 1/1 -> dppc 1; 1/ready' 1 < 2: no panic -> 1 at once */
	f.fn[0].held_at_zero = 1;
	f.hold_ready = 1;
	struct scale_decision d = test_fx_decide(&f, 131.5);
	T_EQ_INT(d.desired, 1);
	T_STR_CONTAINS(d.reason, "activator poke (1 held)");
	T_NEAR(test_observed(&d, "stable"), 1.0 / 60, 1e-12);
	T_NEAR(test_observed(&d, "panic"), 1, 1e-12);
	T_NEAR(test_observed(&d, "pa"), PA_ACTIVATING, 0);
	test_fx_end(&f);

	/* 30 requests held after 80 s at zero: both runs restart, stable =
	 * panic = 30 -> dspc = dppc = ceil(30/7) = 5, 5/1 >= 2: panic, 5 */
	idle_after_30(&f, 0, 0);
	ticks_expect(&f, 90, 118, 1);
	ticks_expect(&f, 120, 200, 0);
	f.fn[0].held_at_zero = 30;
	f.hold_ready = 1;
	d = test_fx_decide(&f, 200.5);
	T_EQ_INT(d.desired, 5);
	T_NEAR(test_observed(&d, "stable"), 30, 1e-12);
	T_NEAR(test_observed(&d, "panicking"), 1, 0);
	test_fx_end(&f);
}

static void test_wake_first(void)
{
	/* initial scale 0, one slot (target 0.7): the PA is inactive from the
	 * first tick and the decider has no answer yet (-1), so a request at
	 * t = 3 pokes nothing; it waits in the activator (queue 1 from t = 2)
	 * until the tick at 4: stable = panic = 2/2 = 1 (two queued seconds
	 * since the first write) -> ceil(1/0.7) = 2, and 2/1 >= 2 panics:
	 * Knative brings up 2 pods for one request when containerConcurrency
	 * is 1. */
	struct test_fx f;
	fx_begin(&f, 0, 0, 1);
	test_fx_num(&f, "initial_scale", 0);
	f.fn[0].target = 0;
	f.hold_ready = 1;
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 2);
	T_EQ_INT(d.desired, -1);
	T_NEAR(test_observed(&d, "pa"), PA_INACTIVE, 0);
	set_queue(&f, 1);
	f.fn[0].held_at_zero = 1;
	d = test_fx_decide(&f, 3);
	T_EQ_INT(d.desired, -1);
	T_STR_CONTAINS(d.reason, "between decider ticks");
	d = test_fx_decide(&f, 4);
	T_EQ_INT(d.desired, 2);
	T_NEAR(test_observed(&d, "stable"), 1, 1e-12);
	T_NEAR(test_observed(&d, "panicking"), 1, 0);
	test_fx_end(&f);

	/* activation scale 3, 10 slots: dspc = ceil(1/7) = 1 -> 3 */
	fx_begin(&f, 0, 0, 10);
	test_fx_num(&f, "initial_scale", 0);
	test_fx_num(&f, "activation_scale", 3);
	f.fn[0].target = 0;
	f.hold_ready = 1;
	test_fx_init(&f);
	test_fx_decide(&f, 2);
	set_queue(&f, 1);
	f.fn[0].held_at_zero = 1;
	d = test_fx_decide(&f, 4);
	T_EQ_INT(d.desired, 3);
	T_NEAR(test_observed(&d, "dspc"), 1, 0);
	T_STR_CONTAINS(d.reason, "activation scale 3");
	test_fx_end(&f);
}

static void test_rps(void)
{
	/* 420 arrivals/s on 2 pods, target 200 x 0.7 = 140 per pod:
	 * dspc = dppc = 3, 3/2 < 2 -> 3 */
	struct test_fx f;
	fx_begin(&f, 0, 2, 10);
	test_fx_num(&f, "mode", 1);
	f.rate[0][MON_ARRIVALS] = 420;
	set_busy(&f, 1000);   /* ignored in rps mode */
	test_fx_init(&f);
	struct scale_decision d = test_fx_decide(&f, 2);
	T_EQ_INT(d.desired, 3);
	T_NEAR(test_observed(&d, "stable"), 420, 1e-9);
	T_NEAR(test_observed(&d, "target"), 140, 1e-12);
	ticks_expect(&f, 4, 30, 3);
	test_fx_end(&f);
}

static void test_scale_down_delay(void)
{
	/* 4 pods, 28 in-flight during (0, 10], idle after. Since the first
	 * write at 0, stable = 280/t for t in [10, 60]: dspc = ceil(40/t):
	 * 4 at 12, 3 at 14..18, 2 from 20 (and maxDown = floor(ready/2)). */
	for (int delay = 0; delay <= 10; delay += 10) {
		struct test_fx f;
		fx_begin(&f, 0, 4, 10);
		test_fx_num(&f, "scale_down_delay_s", delay);
		set_busy(&f, 28);
		test_fx_init(&f);
		ticks_expect(&f, 2, 10, 4);
		set_busy(&f, 0);
		struct scale_decision d = test_fx_decide(&f, 12);
		T_EQ_INT(d.desired, 4);
		if (!delay) {
			ticks_expect(&f, 14, 18, 3);
			ticks_expect(&f, 20, 30, 2);
		} else {
			/* the maximum over the last ceil(10/2) = 5 ticks:
			 * 4 while 12 is in it (to 20), then the 3s of 14..18
			 * (to 26), then 2 */
			ticks_expect(&f, 14, 20, 4);
			d = ticks_expect(&f, 22, 26, 3);
			T_STR_CONTAINS(d.reason, "scale-down delay");
			ticks_expect(&f, 28, 30, 2);
		}
		test_fx_end(&f);
	}
}

static void test_bounds(void)
{
	/* min 2, no load: decider floor(2/2) = 1, raised to min 2 by the
	 * reconciler's bounds (never through scale to zero) */
	struct test_fx f;
	fx_begin(&f, 0, 2, 10);
	f.fn[0].min_replicas = 2;
	test_fx_init(&f);
	struct scale_decision d = ticks_expect(&f, 2, 100, 2);
	T_NEAR(test_observed(&d, "decider"), 1, 0);
	test_fx_end(&f);

	/* max 3: 70 in-flight wants 10, the reconciler applies 3 */
	fx_begin(&f, 0, 1, 10);
	f.fn[0].max_replicas = 3;
	set_busy(&f, 70);
	test_fx_init(&f);
	d = test_fx_decide(&f, 2);
	T_EQ_INT(d.desired, 3);
	T_NEAR(test_observed(&d, "decider"), 10, 0);
	test_fx_end(&f);

	/* initial scale 3 not yet reached: the lower bound is 3 */
	fx_begin(&f, 0, 1, 10);
	test_fx_num(&f, "initial_scale", 3);
	f.hold_ready = 1;
	test_fx_init(&f);
	d = test_fx_decide(&f, 2);
	T_EQ_INT(d.desired, 3);
	T_NEAR(test_observed(&d, "pa"), PA_ACTIVATING, 0);
	test_fx_end(&f);
}

/* In the engine: two bursts of 20 requests 380 s apart. Knative scales to
 * zero in between (stable window 60 s + grace 30 s), and the first request
 * of each burst waits at the activator while replicas start: no request is
 * dropped. With containerConcurrency 1 the target is 1 x 0.7 per pod, so
 * one held request asks ceil(1 / 0.7) = 2 pods: two cold starts a burst. */
static void test_engine_zero_and_back(void)
{
	double t[40];
	for (int i = 0; i < 20; i++) {
		t[i] = i;
		t[20 + i] = 400 + i;
	}
	char *path = test_write_trace(t, 40);
	CU_ASSERT_PTR_NOT_NULL_FATAL(path);
	char json[1024];
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":"
		 "\"spate-csv\",\"path\":\"%s\"},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":0.1,\"cold_start\":2,"
		 "\"min_replicas\":0,\"initial_replicas\":0}],"
		 "\"monitor\":{\"scrape_interval_s\":1},"
		 "\"autoscaler\":{\"policy\":\"kpa\"}}", path);
	struct config *cfg;
	struct model *m = test_run_json(json, &cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	test_check_laws(m);
	T_NEAR(model_metric(m, "e2e", "completions"), 40, 0);
	T_NEAR(model_metric(m, "e2e", "dropped"), 0, 0);
	T_NEAR(model_metric(m, "f", "cold_starts"), 4, 0);
	const struct hist *h = model_hist(m, "e2e");
	/* the woken request: cold start 2 s + service 0.1 s, and the wake
	 * round happens at its arrival (no waiting for the 2 s tick) */
	T_NEAR(hist_max(h), 2.1, 1e-9);
	T_NEAR(hist_min(h), 0.1, 1e-9);
	/* scaled to zero between the bursts: per burst two pods for at most
	 * 19 s of traffic + the 60 s stable window + 30 s grace + ticks,
	 * far less than the 2 x 420 s they would hold otherwise */
	double rs = model_metric(m, "f", "replica_seconds");
	T_TRUE(rs < 2 * 2 * (2 + 19 + 60 + 30 + 4), "replica-seconds %g", rs);
	model_free(m);
	config_free(cfg);
	unlink(path);
	free(path);
}

int test_kpa_register(void)
{
	CU_pSuite s = CU_add_suite("kpa", NULL, NULL);
	if (!s)
		return -1;
	struct { const char *name; void (*fn)(void); } t[] = {
		{"params", test_params},
		{"target", test_target},
		{"steady", test_steady},
		{"panic", test_panic},
		{"panic_extended", test_panic_extended},
		{"writes_stop", test_writes_stop},
		{"coarse_scrape", test_coarse_scrape},
		{"scale_up_rate", test_scale_up_rate},
		{"scale_to_zero_grace", test_scale_to_zero_grace},
		{"hold_one_stable_window", test_hold_one_stable_window},
		{"wake", test_wake},
		{"wake_first", test_wake_first},
		{"rps", test_rps},
		{"scale_down_delay", test_scale_down_delay},
		{"bounds", test_bounds},
		{"engine: to zero and back, nothing dropped",
		 test_engine_zero_and_back},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!CU_add_test(s, t[i].name, t[i].fn))
			return -1;
	return 0;
}
