/*
 * test_ds2: the DS2 policy driven directly. A monitor is fed synthetic
 * scrapes (every 5 s) of steady per-function rates -- useful (busy)
 * slot-seconds, completions, outputs, arrivals and source appends per second
 * -- and the policy decides every 10 s (DS2's policy_interval), each decision
 * applied to the views as the engine would (new replicas ready at once).
 * Expected parallelisms are worked out by hand from scaling.rs's formulas,
 * with the true processing rate per instance = completions / busy time:
 *   pi_i = ceil(input_i / (lambda_p/p) x (1 + scaling_factor)),
 *   o_i  = input_i x outputs/completions, split over the children.
 */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "monitor.h"
#include "param.h"
#include "policy.h"
#include "testutil.h"

#define SCRAPE 5.0
#define INTERVAL 10.0

/* Per-second rates of one function; busy in slot-seconds per second. */
struct rates {
	double busy, done, outs, arrivals, appends;
};

/* The rates a test sets, into the fixture: busy slot-seconds count as
 * useful time too (no backpressure here). */
static void set_rates(struct test_fx *f, int i, struct rates r)
{
	f->rate[i][MON_BUSY_TIME] = r.busy;
	f->rate[i][MON_USEFUL_TIME] = r.busy;
	f->rate[i][MON_COMPLETIONS] = r.done;
	f->rate[i][MON_OUTPUTS] = r.outs;
	f->rate[i][MON_ARRIVALS] = r.arrivals;
	f->rate[i][MON_SOURCE_APPENDS] = r.appends;
}

/* The shared fixture for n functions in [1, 1000] at replicas[i] of
 * `slots` slots, function 0 fed by 4 partitions, scraped every 5 s from
 * t = 0 (600 s kept), DS2 deciding every 10 s. */
static void fx_begin(struct test_fx *f, int n, const int *replicas, int slots)
{
	test_fx_begin(f, "ds2", n, SCRAPE);
	f->retention = 600;
	f->interval = INTERVAL;
	for (int i = 0; i < n; i++) {
		f->fn[i].min_replicas = 1;
		f->fn[i].target = f->fn[i].ready = replicas[i];
		f->fn[i].concurrency = slots;
	}
	f->fn[0].partitions = 4;   /* the entry function */
}

/*
 * The 3-stage chain f0 -> f1 -> f2, source 100 msg/s into f0; true rates
 * per instance 20, 50, 10 records/s; selectivities 1, 2, 0.5. Parallelism
 * 2, 3, 2 (one slot per replica), so f0 and f2 are saturated:
 *   f0: takes 40/s (2 x 20): busy 2, done 40, outs 40;
 *   f1: gets 40/s: busy 40/50 = 0.8, done 40, outs 80;
 *   f2: gets 80/s, does 20/s (2 x 10): busy 2, done 20, outs 10.
 * DS2 in one pass:
 *   f0: input 100 (source), rate 40/2 = 20 -> pi 100/20 = 5; o 100 x 1 = 100
 *   f1: input 100, rate 40/0.8 = 50 -> pi 2; o 100 x 80/40 = 200
 *   f2: input 200, rate 20/2 = 10 -> pi 20
 * so 2,3,2 -> 5,2,20 at once (f1's one-fewer is applied with the rest).
 */
static void chain_begin(struct test_fx *f, int r0, int r1, int r2)
{
	int reps[3] = {r0, r1, r2};
	fx_begin(f, 3, reps, 1);
	test_fx_edge(f, 0, 1);
	test_fx_edge(f, 1, 2);
}

static void chain_load(struct test_fx *f, double src, int p0, int p1, int p2)
{
	/* each stage processes min(input, capacity) */
	double in0 = src, do0 = fmin(in0, 20.0 * p0);
	double in1 = do0, do1 = fmin(in1, 50.0 * p1);
	double in2 = 2 * do1, do2 = fmin(in2, 10.0 * p2);
	set_rates(f, 0, (struct rates){.busy = do0 / 20, .done = do0,
		  .outs = do0, .arrivals = do0, .appends = src});
	set_rates(f, 1, (struct rates){.busy = do1 / 50, .done = do1,
		  .outs = 2 * do1, .arrivals = in1});
	set_rates(f, 2, (struct rates){.busy = do2 / 10, .done = do2,
		  .outs = 0.5 * do2, .arrivals = in2});
}

static void test_one_step(void)
{
	struct test_fx f;
	chain_begin(&f, 2, 3, 2);
	test_fx_num(&f, "warm_up_time", 0);
	chain_load(&f, 100, 2, 3, 2);
	test_fx_init(&f);
	test_fx_decide(&f, 10);
	T_EQ_INT(f.d[0].desired, 5);
	T_EQ_INT(f.d[1].desired, 2);
	T_EQ_INT(f.d[2].desired, 20);
	T_NEAR(test_observed(&f.d[0], "input"), 100, 1e-9);
	T_NEAR(test_observed(&f.d[0], "true_rate"), 20, 1e-9);
	T_NEAR(test_observed(&f.d[1], "input"), 100, 1e-9);
	T_NEAR(test_observed(&f.d[1], "true_rate"), 50, 1e-9);
	T_NEAR(test_observed(&f.d[1], "selectivity"), 2, 1e-9);
	T_NEAR(test_observed(&f.d[2], "input"), 200, 1e-9);
	T_NEAR(test_observed(&f.d[2], "true_rate"), 10, 1e-9);
	T_NEAR(test_observed(&f.d[2], "selectivity"), 0.5, 1e-9);
	T_STR_CONTAINS(f.d[2].reason, "-> 20 slots -> 20 replicas");
	T_STR_CONTAINS(f.d[2].reason, "reconfigure");
	/* converged: at 5,2,20 the measured rates give the same answer, no
	 * change (f0 busy 5 done 100, f1 busy 2 done 100, f2 busy 20 done 200) */
	chain_load(&f, 100, 5, 2, 20);
	test_fx_decide(&f, 20);
	test_fx_decide(&f, 30);
	for (int i = 0; i < 3; i++) {
		T_EQ_INT(f.d[i].desired, -1);
		T_STR_CONTAINS(f.d[i].reason, "no significant change");
	}
	T_NEAR(test_observed(&f.d[2], "slots"), 20, 0);
	test_fx_end(&f);
}

static void test_warm_up(void)
{
	/* default warm_up_time 2: the manager ignores the first two epochs
	 * (its counter starts at 0) and two after each reconfiguration */
	struct test_fx f;
	chain_begin(&f, 2, 3, 2);
	chain_load(&f, 100, 2, 3, 2);
	test_fx_init(&f);
	for (int k = 1; k <= 2; k++) {
		test_fx_decide(&f, 10.0 * k);
		for (int i = 0; i < 3; i++)
			T_EQ_INT(f.d[i].desired, -1);
		T_STR_CONTAINS(f.d[0].reason, "warm-up");
	}
	test_fx_decide(&f, 30);
	T_EQ_INT(f.d[0].desired, 5);
	T_EQ_INT(f.d[1].desired, 2);
	T_EQ_INT(f.d[2].desired, 20);
	/* the source doubles: 200/s into 5,2,20 (f0 saturated at 100):
	 * f0 busy 5 done 100; f1 busy 2 done 100 outs 200; f2 busy 20 done 200.
	 * t=40, 50 are warm-up epochs, ignored although the rates call for
	 * f0 200/20 = 10, f1 200/50 = 4, f2 400/10 = 40 */
	chain_load(&f, 200, 5, 2, 20);
	for (int k = 4; k <= 5; k++) {
		test_fx_decide(&f, 10.0 * k);
		for (int i = 0; i < 3; i++)
			T_EQ_INT(f.d[i].desired, -1);
		T_STR_CONTAINS(f.d[2].reason, "warm-up");
	}
	test_fx_decide(&f, 60);
	T_EQ_INT(f.d[0].desired, 10);
	T_EQ_INT(f.d[1].desired, 4);
	T_EQ_INT(f.d[2].desired, 40);
	test_fx_end(&f);
}

static void test_activation(void)
{
	struct test_fx f;
	chain_begin(&f, 2, 3, 2);
	test_fx_num(&f, "warm_up_time", 0);
	test_fx_num(&f, "activation_time", 2);
	chain_load(&f, 100, 2, 3, 2);
	test_fx_init(&f);
	test_fx_decide(&f, 10);   /* first evaluation: proposes, does not act */
	for (int i = 0; i < 3; i++)
		T_EQ_INT(f.d[i].desired, -1);
	T_STR_CONTAINS(f.d[0].reason, "activation 1 of 2");
	T_NEAR(test_observed(&f.d[2], "replicas"), 20, 0);
	test_fx_decide(&f, 20);   /* second: acts */
	T_EQ_INT(f.d[0].desired, 5);
	T_EQ_INT(f.d[1].desired, 2);
	T_EQ_INT(f.d[2].desired, 20);
	/* the count restarts at the reconfiguration: a steady epoch (no
	 * change) is evaluation 1; at t=40 the source doubles and, as
	 * manager.rs counts evaluations since the reconfiguration rather than
	 * identical proposals, evaluation 2 acts at once -> 10, 4, 40 */
	chain_load(&f, 100, 5, 2, 20);
	test_fx_decide(&f, 30);
	T_EQ_INT(f.d[0].desired, -1);
	chain_load(&f, 200, 5, 2, 20);
	test_fx_decide(&f, 40);
	T_EQ_INT(f.d[0].desired, 10);
	T_EQ_INT(f.d[1].desired, 4);
	T_EQ_INT(f.d[2].desired, 40);
	/* and after it, a change needs two evaluations again:
	 * 200/s into 10,4,40 -> f0 busy 10 done 200 etc.; at 400/s the
	 * proposal 20, 8, 80 waits one epoch */
	chain_load(&f, 400, 10, 4, 40);
	test_fx_decide(&f, 50);
	T_EQ_INT(f.d[0].desired, -1);
	T_NEAR(test_observed(&f.d[0], "replicas"), 20, 0);
	test_fx_decide(&f, 60);
	T_EQ_INT(f.d[0].desired, 20);
	T_EQ_INT(f.d[1].desired, 8);
	T_EQ_INT(f.d[2].desired, 80);
	test_fx_end(&f);
}

/* A single entry function: source `src`, true rate 20/slot, taking in
 * `took`/s with `reps` replicas of `slots` slots. */
static void single(struct test_fx *f, int reps, int slots, double src,
		   double took)
{
	fx_begin(f, 1, &reps, slots);
	test_fx_num(f, "warm_up_time", 0);
	set_rates(f, 0, (struct rates){.busy = took / 20, .done = took,
		  .outs = 0, .arrivals = took, .appends = src});
}

static void test_significance(void)
{
	/* consider_change: 3 -> 2 (input 40/s, 20 per slot) is ignored ... */
	struct test_fx f;
	single(&f, 3, 1, 40, 40);
	test_fx_init(&f);
	test_fx_decide(&f, 10);
	T_EQ_INT(f.d[0].desired, -1);
	T_NEAR(test_observed(&f.d[0], "replicas"), 2, 0);
	T_STR_CONTAINS(f.d[0].reason, "one fewer ignored");
	test_fx_end(&f);
	/* ... 4 -> 2 is not */
	single(&f, 4, 1, 40, 40);
	test_fx_init(&f);
	test_fx_decide(&f, 10);
	T_EQ_INT(f.d[0].desired, 2);
	test_fx_end(&f);
	/* any growth is: 1 -> 2 (input 40, the one slot saturated at 20) */
	single(&f, 1, 1, 40, 20);
	test_fx_init(&f);
	test_fx_decide(&f, 10);
	T_EQ_INT(f.d[0].desired, 2);
	test_fx_end(&f);
}

static void test_slots_and_factor(void)
{
	/* concurrency 4: 1 replica = 4 slots saturated (busy 4, done 80 ->
	 * 20 per slot); input 100 -> 5 slots -> ceil(5/4) = 2 replicas */
	struct test_fx f;
	single(&f, 1, 4, 100, 80);
	test_fx_init(&f);
	test_fx_decide(&f, 10);
	T_EQ_INT(f.d[0].desired, 2);
	T_NEAR(test_observed(&f.d[0], "slots"), 5, 0);
	T_NEAR(test_observed(&f.d[0], "slots_now"), 4, 0);
	test_fx_end(&f);
	/* scaling_factor 0.5: ceil(100/20 x 1.5) = ceil(7.5) = 8 slots */
	single(&f, 2, 1, 100, 40);
	test_fx_num(&f, "scaling_factor", 0.5);
	test_fx_init(&f);
	test_fx_decide(&f, 10);
	T_EQ_INT(f.d[0].desired, 8);
	T_NEAR(test_observed(&f.d[0], "optimal"), 5, 1e-9);
	test_fx_end(&f);
	/* no scale-to-zero, even with min_replicas 0: no input -> 1 slot
	 * (from 4, a significant drop) */
	single(&f, 4, 1, 0, 0);
	f.fn[0].min_replicas = 0;
	/* draining backlog */
	set_rates(&f, 0, (struct rates){.busy = 0.5, .done = 10});
	test_fx_init(&f);
	test_fx_decide(&f, 10);
	T_EQ_INT(f.d[0].desired, 1);
	T_STR_CONTAINS(f.d[0].reason, "at least one");
	test_fx_end(&f);
	/* a proposal is clamped to the bounds before the significance test:
	 * at max_replicas 5, a wish for 10 (input 200, 20 per slot) is no
	 * change, so no reconfiguration (and no warm-up) follows */
	single(&f, 5, 1, 200, 100);
	f.fn[0].max_replicas = 5;
	test_fx_init(&f);
	test_fx_decide(&f, 10);
	T_EQ_INT(f.d[0].desired, -1);
	T_NEAR(test_observed(&f.d[0], "optimal"), 10, 1e-9);
	T_STR_CONTAINS(f.d[0].reason, "no significant change");
	test_fx_end(&f);
}

static void test_idle(void)
{
	/* chain: f1 has no useful time although 40/s reach it (say it is
	 * blocked): it keeps its count, its output is unknown, so f2 keeps
	 * too; f0 is still decided (100/20 = 5 from 2) */
	struct test_fx f;
	chain_begin(&f, 2, 3, 2);
	test_fx_num(&f, "warm_up_time", 0);
	chain_load(&f, 100, 2, 3, 2);
	set_rates(&f, 1, (struct rates){.arrivals = 40});
	test_fx_init(&f);
	test_fx_decide(&f, 10);
	T_EQ_INT(f.d[0].desired, 5);
	T_EQ_INT(f.d[1].desired, -1);
	T_STR_CONTAINS(f.d[1].reason, "no useful time");
	T_EQ_INT(f.d[2].desired, -1);
	T_STR_CONTAINS(f.d[2].reason, "input unknown");
	test_fx_end(&f);

	/* a function at zero cannot be measured: with input it gets one */
	single(&f, 0, 1, 100, 0);
	f.fn[0].min_replicas = 0;
	test_fx_init(&f);
	test_fx_decide(&f, 10);
	T_EQ_INT(f.d[0].desired, 1);
	T_STR_CONTAINS(f.d[0].reason, "no instance to measure");
	test_fx_end(&f);

	/* idle with no input: output known to be 0, and f1 keeps its 3 */
	chain_begin(&f, 2, 3, 2);
	test_fx_num(&f, "warm_up_time", 0);
	chain_load(&f, 0, 2, 3, 2);
	test_fx_init(&f);
	test_fx_decide(&f, 10);
	for (int i = 0; i < 3; i++) {
		T_EQ_INT(f.d[i].desired, -1);
		T_STR_CONTAINS(f.d[i].reason, "no useful time");
	}
	test_fx_end(&f);
}

static void test_fan_out(void)
{
	/* f0 broadcasts to f1 and f2: spate counts one output per edge, so
	 * outs 2 x done and selectivity 2; o0 = 100 x 2 = 200, 100 per child.
	 * f1, f2: 25/s per slot (busy 1.6, done 40) -> ceil(100/25) = 4 */
	int reps[3] = {5, 2, 2};
	struct test_fx f;
	fx_begin(&f, 3, reps, 1);
	test_fx_edge(&f, 0, 1);
	test_fx_edge(&f, 0, 2);
	test_fx_num(&f, "warm_up_time", 0);
	set_rates(&f, 0, (struct rates){.busy = 5, .done = 100, .outs = 200,
		  .arrivals = 100, .appends = 100});
	for (int i = 1; i <= 2; i++)
		set_rates(&f, i, (struct rates){.busy = 1.6, .done = 40,
			  .arrivals = 100});
	test_fx_init(&f);
	test_fx_decide(&f, 10);
	T_EQ_INT(f.d[0].desired, 5);
	T_EQ_INT(f.d[1].desired, 4);
	T_EQ_INT(f.d[2].desired, 4);
	T_NEAR(test_observed(&f.d[2], "input"), 100, 1e-9);
	test_fx_end(&f);
}

static void test_rate_ratio(void)
{
	/* 5 replicas at 20/slot, source 100/s, but the connector lets only
	 * 50/s in (busy 2.5, done 50): the proposal ceil(100/20) = 5 is no
	 * scale-up; the target/observed ratio 100/50 = 2 exceeds the
	 * threshold 1.5 -> ceil(2 x 5) = 10. With the default (f64::MAX)
	 * there is no adjustment and no change. */
	struct test_fx f;
	single(&f, 5, 1, 100, 50);
	test_fx_init(&f);
	test_fx_decide(&f, 10);
	T_EQ_INT(f.d[0].desired, -1);
	T_NEAR(test_observed(&f.d[0], "replicas"), 5, 0);
	test_fx_end(&f);
	single(&f, 5, 1, 100, 50);
	test_fx_num(&f, "target_rate_ratio_threshold", 1.5);
	test_fx_init(&f);
	test_fx_decide(&f, 10);
	T_EQ_INT(f.d[0].desired, 10);
	T_STR_CONTAINS(f.d[0].reason, "target rate ratio x 2");
	test_fx_end(&f);
	/* an epoch with a scale-up is not adjusted: 2 replicas taking 40/s
	 * (ratio 100/40 = 2.5 > 1.5) -> plain ceil(100/20) = 5, not 13 */
	single(&f, 2, 1, 100, 40);
	test_fx_num(&f, "target_rate_ratio_threshold", 1.5);
	test_fx_init(&f);
	test_fx_decide(&f, 10);
	T_EQ_INT(f.d[0].desired, 5);
	test_fx_end(&f);
	/* threshold 2.5 > 2: none */
	single(&f, 5, 1, 100, 50);
	test_fx_num(&f, "target_rate_ratio_threshold", 2.5);
	test_fx_init(&f);
	test_fx_decide(&f, 10);
	T_EQ_INT(f.d[0].desired, -1);
	test_fx_end(&f);
}

static void test_init_errors(void)
{
	/* a cycle f0 -> f1 -> f0 */
	int reps[2] = {1, 1};
	struct test_fx f;
	fx_begin(&f, 2, reps, 1);
	test_fx_edge(&f, 0, 1);
	test_fx_edge(&f, 1, 0);
	struct err e = {0};
	T_EQ_INT(test_fx_try_init(&f, &e), -1);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, "cycle");
	test_fx_end(&f);
	/* manager-wide parameters must agree */
	fx_begin(&f, 2, reps, 1);
	test_fx_edge(&f, 0, 1);
	int k = param_find(f.pol->params, f.pol->nparams, "warm_up_time");
	CU_ASSERT_FATAL(k >= 0);
	f.p[1][k].num = 3;
	e = (struct err){0};
	T_EQ_INT(test_fx_try_init(&f, &e), -1);
	T_STR_CONTAINS(e.msg, "manager-wide");
	test_fx_end(&f);
	/* no metrics yet: nothing decided, counters untouched */
	fx_begin(&f, 2, reps, 1);
	test_fx_edge(&f, 0, 1);
	test_fx_num(&f, "warm_up_time", 0);
	test_fx_init(&f);
	struct scale_view v = {.now = 0, .nfn = 2, .fn = f.fn, .mon = f.mon};
	f.d[0] = f.d[1] = (struct scale_decision){.desired = -1};
	f.pol->decide(f.st, &v, f.d);
	T_EQ_INT(f.d[0].desired, -1);
	T_STR_CONTAINS(f.d[0].reason, "no metrics");
	test_fx_end(&f);
}

static void test_table(void)
{
	const struct policy *p = policy_find("ds2");
	CU_ASSERT_FATAL(p != NULL);
	T_NEAR(p->interval_s, 10, 0);
	T_EQ_INT(p->wake_from_zero, 0);
	struct { const char *name; double def; } want[] = {
		{"scaling_factor", 0}, {"activation_time", 1},
		{"warm_up_time", 2}, {"target_rate_ratio_threshold", DBL_MAX},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		int k = param_find(p->params, p->nparams, want[i].name);
		T_TRUE(k >= 0, "no parameter %s", want[i].name);
		if (k >= 0)
			T_TRUE(p->params[k].def == want[i].def, "%s default %g",
			       want[i].name, p->params[k].def);
	}
}

int test_ds2_register(void)
{
	CU_pSuite s = CU_add_suite("ds2", NULL, NULL);
	if (!s)
		return -1;
	struct { const char *name; void (*fn)(void); } t[] = {
		{"table", test_table},
		{"one_step", test_one_step},
		{"warm_up", test_warm_up},
		{"activation", test_activation},
		{"significance", test_significance},
		{"slots_and_factor", test_slots_and_factor},
		{"idle", test_idle},
		{"fan_out", test_fan_out},
		{"rate_ratio", test_rate_ratio},
		{"init_errors", test_init_errors},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!CU_add_test(s, t[i].name, t[i].fn))
			return -1;
	return 0;
}
