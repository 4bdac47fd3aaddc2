/*
 * test_dhalion: the Dhalion policy (Heron's DynamicResourceAllocationPolicy)
 * driven directly. A monitor is fed synthetic scrapes every 15 s: each
 * function's backpressure counter grows by x dt, x being the fraction of
 * time a sender is blocked on its queue, so over a window the policy sees
 * bp = 1000 x (time-weighted mean of x) ms per second. Decisions come every
 * 60 s (Heron's policy interval) and are applied to the views at once.
 * Expected counts are worked out by hand from ScaleUpResolver:
 *   bp' = min(999, bp), f = min(4, bp' / (1000 - bp')), p' = ceil(p (1 + f)),
 * one function per round, a 180-s pause after an action, and the initiator
 * rule (a backpressured function with a backpressured child is a victim).
 * The convergence tests use a fluid model of a chain src -> A -> B -> C
 * with blocking bounded queues: stage i has capacity c_i = p_i mu_i; its
 * senders offer O_i = min(lambda, c_0..c_{i-1}) and its queue drains at
 * D_i = min(c_i..c_n) (its slots wait for the slowest stage below), so a
 * sender is blocked a fraction x_i = max(0, 1 - D_i / O_i) of the time.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "monitor.h"
#include "param.h"
#include "policy.h"
#include "testutil.h"

#define SCRAPE 15.0
#define INTERVAL 60.0
/* The shared fixture for n functions "A".."D" in [1, 100] at replicas[i],
 * scraped every 15 s from t = -600 (a full 300-s window of history before
 * t = 0); a test sets each backpressure fraction in
 * rate[i][MON_BACKPRESSURE_TIME] and the queue gauges. */
static void fx_begin(struct test_fx *f, int n, const int *replicas)
{
	static const char *const names[TEST_FX_MAXFN] = {"A", "B", "C", "D"};
	test_fx_begin(f, "dhalion", n, SCRAPE);
	f->interval = INTERVAL;
	for (int i = 0; i < n; i++) {
		f->fn[i].name = names[i];
		f->fn[i].min_replicas = 1;
		f->fn[i].max_replicas = 100;
		f->fn[i].target = f->fn[i].ready = replicas[i];
	}
	f->t = -600;
}

/* One function with replicas p, blocked a fraction x of the time since
 * long before t = 0; the decision at t = 0. */
static struct scale_decision one(int p, double x, int max)
{
	struct test_fx f;
	fx_begin(&f, 1, &p);
	f.fn[0].max_replicas = max;
	f.rate[0][MON_BACKPRESSURE_TIME] = x;
	test_fx_init(&f);
	test_fx_decide(&f, 0);
	struct scale_decision d = f.d[0];
	test_fx_end(&f);
	return d;
}

static void test_registry(void)
{
	const struct policy *p = policy_find("dhalion");
	CU_ASSERT_FATAL(p != NULL);
	T_NEAR(p->interval_s, 60, 0);   /* health.policy.interval.ms 60000 */
	T_EQ_INT(p->wake_from_zero, 0);
	struct { const char *name; double def; } heron[] = {
		{"backpressure_threshold_ms", 20}, {"window_s", 300},
		{"wait_s", 180}, {"skew_ratio", 1.5},
		{"queue_skew_ratio", 20}, {"large_queue", 1000},
	};
	for (size_t i = 0; i < sizeof heron / sizeof heron[0]; i++) {
		int k = param_find(p->params, p->nparams, heron[i].name);
		T_TRUE(k >= 0, "no parameter %s", heron[i].name);
		if (k >= 0)
			T_NEAR(p->params[k].def, heron[i].def, 0);
	}
	T_STR_CONTAINS(p->help, "\"block\"");
}

static void test_healthy(void)
{
	/* no backpressure: no symptom, no action */
	struct scale_decision d = one(2, 0, 100);
	T_EQ_INT(d.desired, -1);
	T_STR_CONTAINS(d.reason, "healthy");
	T_NEAR(test_observed(&d, "backpressure_ms"), 0, 0);

	/* the detector is strict: x = 1/64 gives exactly 15.625 ms/s
	 * (20 scrapes of 15 x 1/64 = 4.6875 s over 300 s), equal to the
	 * threshold -> no symptom; 1/32 = 31.25 ms/s -> f = 31.25/968.75
	 * = 0.0323, ceil(2 x 1.0323) = 3 */
	struct test_fx f;
	int p = 2;
	fx_begin(&f, 1, &p);
	test_fx_num(&f, "backpressure_threshold_ms", 15.625);
	f.rate[0][MON_BACKPRESSURE_TIME] = 1.0 / 64;
	test_fx_init(&f);
	test_fx_decide(&f, 0);
	T_NEAR(test_observed(&f.d[0], "backpressure_ms"), 15.625, 0);
	T_EQ_INT(f.d[0].desired, -1);
	T_STR_CONTAINS(f.d[0].reason, "healthy");
	test_fx_end(&f);
	fx_begin(&f, 1, &p);
	test_fx_num(&f, "backpressure_threshold_ms", 15.625);
	f.rate[0][MON_BACKPRESSURE_TIME] = 1.0 / 32;
	test_fx_init(&f);
	test_fx_decide(&f, 0);
	T_EQ_INT(f.d[0].desired, 3);
	test_fx_end(&f);
}

static void test_scale_up(void)
{
	static const struct { int p; double x, bp, fac; int want; } c[] = {
		{3, 0.5, 500, 1, 6},          /* 500/500 = 1: 2p */
		{1, 0.2, 200, 0.25, 2},       /* ceil(1.25) */
		{3, 0.6, 600, 1.5, 8},        /* ceil(3 x 2.5 = 7.5) */
		{7, 0.1, 100, 1.0 / 9, 8},    /* ceil(7 x 10/9 = 7.78) */
		/* 520/480 = 13/12: 12 x 25/12 is exactly 25; the measured
		 * 520.0000000000008 ms/s must not make it 26 */
		{12, 0.52, 520, 13.0 / 12, 25},
		{2, 0.75, 750, 3, 8},         /* 750/250 = 3 */
		{2, 0.8, 800, 4, 10},         /* 800/200 = 4, the fence */
		{2, 0.9, 900, 4, 10},         /* 900/100 = 9, fenced to 4 */
		{2, 1.0, 1000, 4, 10},        /* 1000 -> 999: 999, fenced */
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct scale_decision d = one(c[i].p, c[i].x, 100);
		T_EQ_INT(d.desired, c[i].want);
		T_NEAR(test_observed(&d, "backpressure_ms"), c[i].bp, 1e-9);
		T_NEAR(test_observed(&d, "f"), c[i].fac, 1e-9);
		T_STR_CONTAINS(d.reason, "under-provisioning");
		T_STR_CONTAINS(d.reason, "skew not observable");
	}
}

static void test_one_per_round(void)
{
	/* two independent entry functions, 2 replicas each: A at 300 ms/s,
	 * B at 500 ms/s -> B alone: f 1, 2 -> 4 */
	struct test_fx f;
	int reps[2] = {2, 2};
	fx_begin(&f, 2, reps);
	f.rate[0][MON_BACKPRESSURE_TIME] = 0.3;
	f.rate[1][MON_BACKPRESSURE_TIME] = 0.5;
	test_fx_init(&f);
	test_fx_decide(&f, 0);
	T_EQ_INT(f.d[1].desired, 4);
	T_EQ_INT(f.d[0].desired, -1);
	T_STR_CONTAINS(f.d[0].reason, "one function per round");
	T_STR_CONTAINS(f.d[1].reason, "most backpressure of 2");
	f.rate[1][MON_BACKPRESSURE_TIME] = 0;   /* B now keeps up */
	/* paused for 180 s although A is still backpressured */
	static const double paused[] = {60, 120, 179};
	for (size_t k = 0; k < 3; k++) {
		test_fx_decide(&f, paused[k]);
		T_EQ_INT(f.d[0].desired, -1);
		T_EQ_INT(f.d[1].desired, -1);
		T_STR_CONTAINS(f.d[0].reason, "post-action wait");
		T_NEAR(test_observed(&f.d[0], "wait_left_s"), 180 - paused[k], 1e-9);
	}
	/* t = 180 (!oneTimeDelay.isAfter(now)): window [-120, 180]:
	 * A 300 ms/s; B (120 x 0.5 + 180 x 0) / 300 = 200 ms/s, still a
	 * symptom but less than A -> A: f = 300/700 = 3/7,
	 * ceil(2 x 10/7 = 2.86) = 3 */
	test_fx_decide(&f, 180);
	T_NEAR(test_observed(&f.d[1], "backpressure_ms"), 200, 1e-9);
	T_EQ_INT(f.d[0].desired, 3);
	T_EQ_INT(f.d[1].desired, -1);
	T_STR_CONTAINS(f.d[1].reason, "A (300.0 ms/s) goes first");
	test_fx_end(&f);

	/* a tie goes to the lower index */
	fx_begin(&f, 2, reps);
	f.rate[0][MON_BACKPRESSURE_TIME] = f.rate[1][MON_BACKPRESSURE_TIME] = 0.5;
	test_fx_init(&f);
	test_fx_decide(&f, 0);
	T_EQ_INT(f.d[0].desired, 4);
	T_EQ_INT(f.d[1].desired, -1);
	test_fx_end(&f);
}

static void test_wait(void)
{
	/* without an action there is no pause: t = 0 healthy, t = 60 acts,
	 * then nothing until 240 (a pause from the action, not the start) */
	struct test_fx f;
	int p = 2;
	fx_begin(&f, 1, &p);
	test_fx_num(&f, "window_s", 60);
	test_fx_init(&f);
	test_fx_decide(&f, 0);
	T_EQ_INT(f.d[0].desired, -1);
	f.rate[0][MON_BACKPRESSURE_TIME] = 0.5;    /* from t = 0 on: window [0, 60] all at 0.5 */
	test_fx_decide(&f, 60);
	T_EQ_INT(f.d[0].desired, 4);
	for (double t = 120; t < 240; t += 60) {
		test_fx_decide(&f, t);
		T_EQ_INT(f.d[0].desired, -1);
		T_STR_CONTAINS(f.d[0].reason, "paused until t=240");
	}
	test_fx_decide(&f, 240);   /* still 500 ms/s: 4 -> 8 */
	T_EQ_INT(f.d[0].desired, 8);
	test_fx_end(&f);

	/* wait_s 0: every round may act */
	fx_begin(&f, 1, &p);
	test_fx_num(&f, "wait_s", 0);
	f.rate[0][MON_BACKPRESSURE_TIME] = 0.5;
	test_fx_init(&f);
	test_fx_decide(&f, 0);
	T_EQ_INT(f.d[0].desired, 4);
	test_fx_decide(&f, 60);
	T_EQ_INT(f.d[0].desired, 8);
	test_fx_end(&f);
}

static void test_never_down(void)
{
	/* 10 replicas, no backpressure: Heron has no scale-down resolver */
	struct scale_decision d = one(10, 0, 100);
	T_EQ_INT(d.desired, -1);
	/* over several rounds too */
	struct test_fx f;
	int p = 10;
	fx_begin(&f, 1, &p);
	test_fx_init(&f);
	for (double t = 0; t <= 600; t += 60) {
		test_fx_decide(&f, t);
		T_EQ_INT(f.d[0].desired, -1);
	}
	T_EQ_INT(f.fn[0].target, 10);
	test_fx_end(&f);
}

static void test_bounds(void)
{
	/* 8 at 500 ms/s -> 16, max 10 */
	struct scale_decision d = one(8, 0.5, 10);
	T_EQ_INT(d.desired, 10);
	T_STR_CONTAINS(d.reason, "max_replicas -> 10");
	/* at max already: keep, and no pause */
	d = one(10, 0.5, 10);
	T_EQ_INT(d.desired, -1);
	T_STR_CONTAINS(d.reason, "at max_replicas");

	/* A at its max with more backpressure than B: B is scaled (300 ms/s:
	 * ceil(2 x 10/7) = 3) */
	struct test_fx f;
	int reps[2] = {4, 2};
	fx_begin(&f, 2, reps);
	f.fn[0].max_replicas = 4;
	f.rate[0][MON_BACKPRESSURE_TIME] = 0.8;
	f.rate[1][MON_BACKPRESSURE_TIME] = 0.3;
	test_fx_init(&f);
	test_fx_decide(&f, 0);
	T_EQ_INT(f.d[0].desired, -1);
	T_EQ_INT(f.d[1].desired, 3);
	test_fx_end(&f);

	/* below min: 1 at 500 ms/s -> 2, min 3 */
	int p = 1;
	fx_begin(&f, 1, &p);
	f.fn[0].min_replicas = 3;
	f.rate[0][MON_BACKPRESSURE_TIME] = 0.5;
	test_fx_init(&f);
	test_fx_decide(&f, 0);
	T_EQ_INT(f.d[0].desired, 3);
	T_STR_CONTAINS(f.d[0].reason, "min_replicas -> 3");
	test_fx_end(&f);

	/* no replica: p' = ceil(0) = 0, no scale from zero */
	p = 0;
	fx_begin(&f, 1, &p);
	f.fn[0].min_replicas = 0;
	f.rate[0][MON_BACKPRESSURE_TIME] = 0.5;
	test_fx_init(&f);
	test_fx_decide(&f, 0);
	T_EQ_INT(f.d[0].desired, -1);
	T_STR_CONTAINS(f.d[0].reason, "no replica");
	test_fx_end(&f);
}

static void test_initiator(void)
{
	/* A -> B -> C: A blocked 0.95 (its slots wait on B), B 0.5, C 0:
	 * B initiates, A is a victim although it has more backpressure */
	struct test_fx f;
	int reps[3] = {1, 1, 1};
	fx_begin(&f, 3, reps);
	test_fx_edge(&f, 0, 1);
	test_fx_edge(&f, 1, 2);
	f.rate[0][MON_BACKPRESSURE_TIME] = 0.95;
	f.rate[1][MON_BACKPRESSURE_TIME] = 0.5;
	test_fx_init(&f);
	test_fx_decide(&f, 0);
	T_EQ_INT(f.d[0].desired, -1);
	T_EQ_INT(f.d[1].desired, 2);
	T_EQ_INT(f.d[2].desired, -1);
	T_STR_CONTAINS(f.d[0].reason, "child B");
	T_NEAR(test_observed(&f.d[0], "initiator"), 0, 0);
	T_NEAR(test_observed(&f.d[1], "initiator"), 1, 0);
	test_fx_end(&f);

	/* an unmanaged backpressured child still makes its parent a victim,
	 * and is not scaled itself */
	int r2[2] = {1, 1};
	fx_begin(&f, 2, r2);
	test_fx_edge(&f, 0, 1);
	f.fn[1].managed = 0;
	f.rate[0][MON_BACKPRESSURE_TIME] = 0.9;
	f.rate[1][MON_BACKPRESSURE_TIME] = 0.5;
	test_fx_init(&f);
	test_fx_decide(&f, 0);
	T_EQ_INT(f.d[0].desired, -1);
	T_EQ_INT(f.d[1].desired, -1);
	T_STR_CONTAINS(f.d[0].reason, "child B");
	test_fx_end(&f);

	/* an unmanaged initiator with more backpressure does not take the
	 * round from a managed one: B 2 -> ceil(2 x 10/7) = 3 */
	int r3[2] = {2, 2};
	fx_begin(&f, 2, r3);
	f.fn[0].managed = 0;
	f.rate[0][MON_BACKPRESSURE_TIME] = 0.9;
	f.rate[1][MON_BACKPRESSURE_TIME] = 0.3;
	test_fx_init(&f);
	test_fx_decide(&f, 0);
	T_EQ_INT(f.d[0].desired, -1);
	T_EQ_INT(f.d[1].desired, 3);
	test_fx_end(&f);
}

static void test_large_queue(void)
{
	/* mean queue 1500 > 1000: reported, no action without backpressure */
	struct test_fx f;
	int p = 2;
	fx_begin(&f, 1, &p);
	f.gauge[0][MON_QUEUE] = 1500;
	test_fx_init(&f);
	test_fx_decide(&f, 0);
	T_EQ_INT(f.d[0].desired, -1);
	T_STR_CONTAINS(f.d[0].reason, "large wait queue 1500 > 1000");
	T_NEAR(test_observed(&f.d[0], "queue"), 1500, 1e-9);
	test_fx_end(&f);
	/* 1000 is not large (strict) */
	fx_begin(&f, 1, &p);
	f.gauge[0][MON_QUEUE] = 1000;
	test_fx_init(&f);
	test_fx_decide(&f, 0);
	T_TRUE(strstr(f.d[0].reason, "large") == NULL, "%s", f.d[0].reason);
	test_fx_end(&f);
}

/* Fluid chain lambda -> A -> B -> C (see the file comment). */
static void chain_load(struct test_fx *f, double lambda, const double *mu)
{
	for (int i = 0; i < f->nfn; i++) {
		double offered = lambda, drain = INFINITY;
		for (int j = 0; j < i; j++)
			offered = fmin(offered, f->fn[j].target * mu[j]);
		for (int j = i; j < f->nfn; j++)
			drain = fmin(drain, f->fn[j].target * mu[j]);
		f->rate[i][MON_BACKPRESSURE_TIME] = fmax(0, 1 - drain / offered);
	}
}

/* Runs rounds every 60 s from t = 0 to t_end, the load following the
 * counts; records the actions (time, function, new count). */
struct action { double t; int fn, to; };

static int chain_run(struct test_fx *f, double lambda, const double *mu,
		     double t_end, struct action *log, int cap)
{
	int n = 0;
	for (double t = 0; t <= t_end; t += INTERVAL) {
		test_fx_decide(f, t);
		for (int i = 0; i < f->nfn; i++)
			if (f->d[i].desired >= 0 && n < cap)
				log[n++] = (struct action){t, i, f->d[i].desired};
		chain_load(f, lambda, mu);
	}
	return n;
}

static void test_convergence(void)
{
	/*
	 * lambda 100/s, per-replica rates A 10, B 5, C 20; needed 10, 20, 5;
	 * start 1, 1, 1. window_s 60 (= the interval), so each round sees
	 * only the current counts (the pause is longer than the window):
	 *  t=0    c = 10,5,20:  A 1-5/100 = .95, B 1-5/10 = .5, C 0
	 *         B initiates: f 1 -> B 2
	 *  t=180  c = 10,10,20: A 1-10/100 = .9, B 0 -> A: 9 fenced to 4,
	 *         A 1 -> 5
	 *  t=360  c = 50,10,20: A .9, B 1-10/50 = .8 -> B: 800/200 = 4,
	 *         B 2 -> 10
	 *  t=540  c = 50,50,20: A .8, B 1-20/50 = .6, C 1-20/50 = .6
	 *         -> C: 600/400 = 1.5, ceil(2.5): C 1 -> 3
	 *  t=720  c = 50,50,60: A 1-50/100 = .5, B 0, C 0 -> A 5 -> 10
	 *  t=900  c = 100,50,60: A .5, B 1-50/100 = .5 -> B 10 -> 20
	 *  t=1080 c = 100,100,60: all 1-60/100 = .4 -> C: 400/600 = 2/3,
	 *         3 x 5/3 = 5: C 3 -> 5
	 *  then c = 100,100,100: no backpressure, no more actions.
	 * Seven rounds, 1080 s: the stepwise search DS2 compares against.
	 */
	struct test_fx f;
	int reps[3] = {1, 1, 1};
	double mu[3] = {10, 5, 20};
	fx_begin(&f, 3, reps);
	test_fx_edge(&f, 0, 1);
	test_fx_edge(&f, 1, 2);
	test_fx_num(&f, "window_s", 60);
	chain_load(&f, 100, mu);
	test_fx_init(&f);
	struct action log[32];
	int n = chain_run(&f, 100, mu, 1800, log, 32);
	static const struct action want[] = {
		{0, 1, 2}, {180, 0, 5}, {360, 1, 10}, {540, 2, 3},
		{720, 0, 10}, {900, 1, 20}, {1080, 2, 5},
	};
	T_EQ_INT(n, 7);
	for (int k = 0; k < 7 && k < n; k++) {
		T_NEAR(log[k].t, want[k].t, 0);
		T_EQ_INT(log[k].fn, want[k].fn);
		T_EQ_INT(log[k].to, want[k].to);
	}
	T_EQ_INT(f.fn[0].target, 10);
	T_EQ_INT(f.fn[1].target, 20);
	T_EQ_INT(f.fn[2].target, 5);
	test_fx_end(&f);
}

static void test_convergence_default_window(void)
{
	/*
	 * The same chain with Heron's 300-s sensor window: after the 180-s
	 * pause the window still holds 120 s of the old counts.
	 *  t=0    window all at 1,1,1: A 950, B 500 -> B 1 -> 2
	 *  t=180  window [-120, 180]: B (120 x .5 + 180 x 0)/300 = 200 ms/s,
	 *         A (120 x .95 + 180 x .9)/300 = 920; B still initiates:
	 *         f 200/800 = .25, ceil(2.5) -> B 3 (one more than needed now)
	 *  t=360  window [60, 360]: B 0, A .9 throughout -> A 1 -> 5
	 *  t=540  window [240, 540]: 120 s at 1,3,1 (A .9, B 0), 180 s at
	 *         5,3,1 (c 50,15,20: A .85, B 1-15/50 = .7):
	 *         A (108 + 153)/300 = 870, B 126/300 = 420 -> B:
	 *         f 420/580 = .724, ceil(3 x 1.724 = 5.17) -> 6
	 * and so on, each bp the time-weighted mean of x over the window:
	 *  720 C 1->2, 900 C 2->3, 1080 B 6->10, 1260 B 10->12, 1440 A 5->10,
	 *  1620 B 12->16, 1800 C 3->4, 1980 C 4->5, 2160 B 16->20,
	 *  2340 B 20->22 (stale backpressure overshoots B by two replicas).
	 * Fourteen rounds, 2340 s, against seven with a 60-s window.
	 */
	struct test_fx f;
	int reps[3] = {1, 1, 1};
	double mu[3] = {10, 5, 20};
	fx_begin(&f, 3, reps);
	test_fx_edge(&f, 0, 1);
	test_fx_edge(&f, 1, 2);
	chain_load(&f, 100, mu);
	test_fx_init(&f);
	struct action log[32];
	int n = chain_run(&f, 100, mu, 3600, log, 32);
	static const struct action want[] = {
		{0, 1, 2}, {180, 1, 3}, {360, 0, 5}, {540, 1, 6},
		{720, 2, 2}, {900, 2, 3}, {1080, 1, 10}, {1260, 1, 12},
		{1440, 0, 10}, {1620, 1, 16}, {1800, 2, 4}, {1980, 2, 5},
		{2160, 1, 20}, {2340, 1, 22},
	};
	T_EQ_INT(n, 14);
	for (int k = 0; k < 14 && k < n; k++) {
		T_NEAR(log[k].t, want[k].t, 0);
		T_EQ_INT(log[k].fn, want[k].fn);
		T_EQ_INT(log[k].to, want[k].to);
	}
	T_EQ_INT(f.fn[0].target, 10);
	T_EQ_INT(f.fn[1].target, 22);
	T_EQ_INT(f.fn[2].target, 5);
	test_fx_end(&f);
}

static void test_no_metrics(void)
{
	struct test_fx f;
	int p = 2;
	fx_begin(&f, 1, &p);
	struct err e = {0};
	struct policy_ctx ctx = {
		.nfn = 1, .fn = f.fn, .params = f.pp, .interval = INTERVAL,
	};
	struct mon *mon = mon_new(1, SCRAPE, 1200);   /* no scrape pushed */
	CU_ASSERT_FATAL(mon != NULL);
	f.st = f.pol->init(&ctx, &e);
	CU_ASSERT_FATAL(f.st != NULL);
	struct scale_decision d = {.desired = -1};
	struct scale_view v = {.now = 0, .nfn = 1, .fn = f.fn, .mon = mon};
	f.pol->decide(f.st, &v, &d);
	T_EQ_INT(d.desired, -1);
	T_STR_CONTAINS(d.reason, "no metrics yet");
	d = (struct scale_decision){.desired = -1};
	v.mon = NULL;
	f.pol->decide(f.st, &v, &d);
	T_EQ_INT(d.desired, -1);
	mon_free(mon);
	test_fx_end(&f);
}

static void test_init_errors(void)
{
	struct test_fx f;
	int reps[2] = {1, 1};
	struct err e = {0};
	fx_begin(&f, 2, reps);
	int k = param_find(f.pol->params, f.pol->nparams, "wait_s");
	CU_ASSERT_FATAL(k >= 0);
	f.p[1][k].num = 60;   /* the pause is policy-wide */
	T_EQ_INT(test_fx_try_init(&f, &e), -1);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, "wait_s");
	test_fx_end(&f);

	err_clear(&e);
	fx_begin(&f, 2, reps);
	f.children[0][0] = 5;
	f.fn[0].nchildren = 1;
	T_EQ_INT(test_fx_try_init(&f, &e), -1);
	T_EQ_INT(e.code, ERR_INTERNAL);
	T_STR_CONTAINS(e.msg, "child index 5");
	test_fx_end(&f);

	err_clear(&e);
	fx_begin(&f, 1, reps);
	test_fx_num(&f, "window_s", 0);
	T_EQ_INT(test_fx_try_init(&f, &e), -1);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, "window_s 0");
	test_fx_end(&f);
}

int test_dhalion_register(void)
{
	CU_pSuite s = CU_add_suite("dhalion", NULL, NULL);
	if (!s)
		return -1;
	struct { const char *name; void (*fn)(void); } t[] = {
		{"registry", test_registry},
		{"healthy", test_healthy},
		{"scale_up", test_scale_up},
		{"one_per_round", test_one_per_round},
		{"wait", test_wait},
		{"never_down", test_never_down},
		{"bounds", test_bounds},
		{"initiator", test_initiator},
		{"large_queue", test_large_queue},
		{"convergence", test_convergence},
		{"convergence_default_window", test_convergence_default_window},
		{"no_metrics", test_no_metrics},
		{"init_errors", test_init_errors},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!CU_add_test(s, t[i].name, t[i].fn))
			return -1;
	return 0;
}
