/*
 * test_openfaas: the OpenFaaS policy driven directly. A monitor fed with
 * synthetic scrapes every 5 s (the chart's gateway scrape), one or two
 * function views, a decision every 5 s (the policy's interval), each
 * decision applied to the view as the engine would (new replicas ready at
 * once). CE timings follow the chart: rule evaluated every 15 s from t=0,
 * `for` 5 s, group_wait 5 s, group_interval 10 s, repeat_interval 30 s.
 * Expected counts and times are worked out by hand beside each check.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "monitor.h"
#include "param.h"
#include "policy.h"
#include "testutil.h"

#define NFN 2

struct load {
	double rps;       /* completions (and arrivals) per second */
	double drops;     /* dropped per second */
	double inflight, queue, lag;
};

struct fx {
	const struct policy *pol;
	union param_val p[NFN][32];
	const union param_val *pp[NFN];
	struct fn_view fn[NFN];
	int nfn;
	int apply;        /* apply decisions to the views */
	double scrape;
	struct mon *mon;
	void *st;
	double t;         /* time of the latest scrape */
	double c[NFN][MON_NMETRICS];
	struct load load[NFN];
	struct scale_decision d[NFN];
};

static void fx_begin(struct fx *f, int nfn, int ready, double t0)
{
	memset(f, 0, sizeof *f);
	f->pol = policy_find("openfaas");
	CU_ASSERT_FATAL(f->pol != NULL);
	CU_ASSERT_FATAL(f->pol->nparams <= 32);
	f->nfn = nfn;
	f->apply = 1;
	f->scrape = 5;
	for (int k = 0; k < nfn; k++) {
		for (size_t i = 0; i < f->pol->nparams; i++) {
			const struct param_def *d = &f->pol->params[i];
			if (d->type == PARAM_STR || d->type == PARAM_DIST)
				f->p[k][i].str = d->def_str;
			else
				f->p[k][i].num = d->def;
		}
		f->pp[k] = f->p[k];
		/* spate's function defaults: min 0, max 1000 */
		f->fn[k] = (struct fn_view){
			.name = k ? "b" : "a", .managed = 1, .min_replicas = 0,
			.max_replicas = 1000, .target = ready, .ready = ready,
			.concurrency = 1, .memory_mb = 128,
		};
	}
	f->t = t0;
}

static void fx_num(struct fx *f, const char *name, double v)
{
	int i = param_find(f->pol->params, f->pol->nparams, name);
	T_TRUE(i >= 0, "no parameter %s", name);
	for (int k = 0; i >= 0 && k < f->nfn; k++)
		f->p[k][i].num = v;
}

static void fx_enum(struct fx *f, const char *name, const char *choice)
{
	int i = param_find(f->pol->params, f->pol->nparams, name);
	T_TRUE(i >= 0, "no parameter %s", name);
	if (i < 0)
		return;
	int c = param_choice_index(&f->pol->params[i], choice);
	T_TRUE(c >= 0, "no choice %s for %s", choice, name);
	for (int k = 0; k < f->nfn; k++)
		f->p[k][i].num = c;
}

static void fx_push(struct fx *f)
{
	double v[NFN * MON_NMETRICS] = {0};
	for (int k = 0; k < f->nfn; k++) {
		double *x = v + k * MON_NMETRICS;
		memcpy(x, f->c[k], sizeof f->c[k]);
		x[MON_READY] = f->fn[k].ready;
		x[MON_INFLIGHT] = f->load[k].inflight;
		x[MON_QUEUE] = f->load[k].queue;
		x[MON_LAG] = f->load[k].lag;
	}
	mon_push(f->mon, f->t, v);
}

/* Scrapes the current load every scrape seconds up to time t. */
static void fx_feed(struct fx *f, double t)
{
	while (f->t + f->scrape <= t + 1e-9) {
		double dt = f->scrape;
		for (int k = 0; k < f->nfn; k++) {
			const struct load *l = &f->load[k];
			f->c[k][MON_COMPLETIONS] += l->rps * dt;
			f->c[k][MON_DROPS] += l->drops * dt;
			f->c[k][MON_ARRIVALS] += (l->rps + l->drops) * dt;
			f->c[k][MON_READY_TIME] += f->fn[k].ready * dt;
		}
		f->t += dt;
		fx_push(f);
	}
}

/* Creates the monitor, scrapes once at the start time, starts the policy;
 * returns 0 on success, -1 with the error message in msg. */
static int fx_try_init(struct fx *f, char *msg, size_t cap)
{
	struct err e = {0};
	struct policy_ctx ctx = {
		.nfn = f->nfn, .fn = f->fn, .params = f->pp,
		.interval = f->pol->interval_s,
	};
	f->mon = mon_new(f->nfn, f->scrape, 1200);
	CU_ASSERT_FATAL(f->mon != NULL);
	fx_push(f);
	f->st = f->pol->init(&ctx, &e);
	if (!f->st && msg)
		snprintf(msg, cap, "%s", e.msg);
	return f->st ? 0 : -1;
}

static void fx_init(struct fx *f)
{
	char msg[1024] = "";
	int rc = fx_try_init(f, msg, sizeof msg);
	T_TRUE(rc == 0, "init failed: %s", msg);
	CU_ASSERT_FATAL(rc == 0);
}

/* Feeds up to now, decides for every function, applies the decisions;
 * returns the first function's. */
static struct scale_decision fx_decide(struct fx *f, double now)
{
	fx_feed(f, now);
	for (int k = 0; k < f->nfn; k++)
		f->d[k] = (struct scale_decision){.desired = -1};
	struct scale_view v = {.now = now, .nfn = f->nfn, .fn = f->fn,
			       .mon = f->mon};
	f->pol->decide(f->st, &v, f->d);
	for (int k = 0; f->apply && k < f->nfn; k++)
		if (f->d[k].desired >= 0)
			f->fn[k].target = f->fn[k].ready = f->d[k].desired;
	return f->d[0];
}

static void fx_end(struct fx *f)
{
	if (f->st)
		f->pol->fini(f->st);
	mon_free(f->mon);
}

static double observed(const struct scale_decision *d, const char *name)
{
	for (int i = 0; i < d->nobserved; i++)
		if (strcmp(d->observed[i].name, name) == 0)
			return d->observed[i].value;
	return NAN;
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
static int run_expect(struct fx *f, int k, double from, double to,
		      const struct at *w, size_t n)
{
	for (double t = from + 5; t <= to + 1e-9; t += 5) {
		fx_decide(f, t);
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
	struct fx f;
	fx_begin(&f, 2, 1, 0);
	int g = param_find(p->params, p->nparams, "group_wait_s");
	f.p[1][g].num = 30;
	char msg[1024] = "";
	T_EQ_INT(fx_try_init(&f, msg, sizeof msg), -1);
	T_STR_CONTAINS(msg, "group_wait_s");
	fx_end(&f);

	fx_begin(&f, 1, 1, 0);
	fx_num(&f, "min_replicas_label", 8);   /* above CE's cap of 5 */
	T_EQ_INT(fx_try_init(&f, msg, sizeof msg), -1);
	T_STR_CONTAINS(msg, "min_replicas_label");
	fx_end(&f);
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
	struct fx f;
	fx_begin(&f, 1, 1, 0);
	f.load[0].rps = 10;
	fx_init(&f);
	struct scale_decision d = fx_decide(&f, 5);
	T_EQ_INT(d.desired, -1);
	d = fx_decide(&f, 10);
	T_EQ_INT(d.desired, -1);
	d = fx_decide(&f, 15);
	T_EQ_INT(d.desired, -1);
	T_NEAR(observed(&d, "alert"), 1, 0);     /* pending */
	T_NEAR(observed(&d, "rate"), 10, 1e-9);
	T_STR_CONTAINS(d.reason, "since t=15");
	d = fx_decide(&f, 20);
	d = fx_decide(&f, 25);
	d = fx_decide(&f, 30);
	T_EQ_INT(d.desired, -1);
	T_NEAR(observed(&d, "alert"), 2, 0);     /* firing, group waits */
	T_STR_CONTAINS(d.reason, "next flush t=35");
	d = fx_decide(&f, 35);
	T_EQ_INT(d.desired, 2);
	T_STR_CONTAINS(d.reason, "firing: 1 -> 2 (step 1, max 5)");
	static const struct at w[] = {
		{75, 3}, {115, 4}, {155, 5}, {215, 1},
	};
	if (run_expect(&f, 0, 35, 195, w, 4) == 0) {
		T_STR_CONTAINS(f.d[0].reason, "t=195 firing: 5 -> 5");
		f.load[0].rps = 0;
		fx_decide(&f, 200);
		if (run_expect(&f, 0, 200, 230, w, 4) == 0) {
			f.load[0].rps = 10;
			static const struct at w2[] = {{260, 2}};
			run_expect(&f, 0, 230, 265, w2, 1);
		}
	}
	fx_end(&f);
}

/* classic preset: max 20, factor 20% -> step ceil(20/100 x 20) = 4, at the
 * same times: 1 -> 5 -> 9 -> 13 -> 17 -> 20 (capped) -> 20 */
static void test_ce_classic(void)
{
	struct fx f;
	fx_begin(&f, 1, 1, 0);
	fx_enum(&f, "preset", "classic");
	f.load[0].rps = 10;
	fx_init(&f);
	static const struct at w[] = {
		{35, 5}, {75, 9}, {115, 13}, {155, 17}, {195, 20},
	};
	run_expect(&f, 0, 0, 240, w, 5);
	fx_end(&f);

	/* explicit labels: max 10 (under the classic cap), factor 50 ->
	 * step 5: 1 -> 6 -> 10; with the current preset a max label of 10
	 * is capped at DefaultMaxReplicas 5 -> step ceil(5 x 0.5) = 3: 1 -> 4
	 * -> 5 */
	for (int classic = 1; classic >= 0; classic--) {
		fx_begin(&f, 1, 1, 0);
		if (classic)
			fx_enum(&f, "preset", "classic");
		fx_num(&f, "max_replicas_label", 10);
		fx_num(&f, "scaling_factor", 50);
		f.load[0].rps = 10;
		fx_init(&f);
		struct at w2[] = {{35, classic ? 6 : 4}, {75, classic ? 10 : 5}};
		run_expect(&f, 0, 0, 120, w2, 2);
		fx_end(&f);
	}
}

/* Thresholds and `for`: exactly 5 req/s is not > 5; a burst true at one
 * evaluation only (t=15) is pending, false at t=30 -> inactive, nothing
 * sent; factor 0 makes a firing alert set the min (the handler's else
 * branch); the min label is what a resolved alert restores. */
static void test_ce_rule(void)
{
	struct fx f;
	fx_begin(&f, 1, 1, 0);
	f.load[0].rps = 5;
	fx_init(&f);
	run_expect(&f, 0, 0, 120, NULL, 0);
	T_NEAR(observed(&f.d[0], "alert"), 0, 0);
	fx_end(&f);

	fx_begin(&f, 1, 1, 0);
	f.load[0].rps = 10;
	fx_init(&f);
	for (double t = 5; t <= 20; t += 5)
		fx_decide(&f, t);
	T_NEAR(observed(&f.d[0], "alert"), 1, 0);
	f.load[0].rps = 0;
	struct scale_decision d = fx_decide(&f, 25);
	d = fx_decide(&f, 30);
	T_NEAR(observed(&d, "alert"), 0, 0);
	run_expect(&f, 0, 30, 120, NULL, 0);
	fx_end(&f);

	/* 3 replicas, factor 0, min label 2: the firing notification at 35
	 * sets 2 */
	fx_begin(&f, 1, 3, 0);
	fx_num(&f, "scaling_factor", 0);
	fx_num(&f, "min_replicas_label", 2);
	f.load[0].rps = 10;
	fx_init(&f);
	static const struct at w[] = {{35, 2}};
	run_expect(&f, 0, 0, 80, w, 1);
	fx_end(&f);

	/* an evaluation and a flush at the same instant: the alert the
	 * evaluation sends is in the flush. Load stops at 185; the evaluation
	 * at 195 resolves and the tick at 195 (35 + 16 x 10) notifies it:
	 * 5 -> 1 at 195, not a repeat at 195 and the min at 205 */
	fx_begin(&f, 1, 1, 0);
	f.load[0].rps = 10;
	fx_init(&f);
	static const struct at w2[] = {{35, 2}, {75, 3}, {115, 4}, {155, 5},
				       {195, 1}};
	if (run_expect(&f, 0, 0, 185, w2, 5) == 0) {
		f.load[0].rps = 0;
		run_expect(&f, 0, 185, 220, w2, 5);
	}
	fx_end(&f);

	/* the monitor's default 15 s scrape leaves one sample in [10s]: the
	 * rate is empty, the alert never fires, and the reason says why */
	fx_begin(&f, 1, 1, 0);
	f.scrape = 15;
	f.load[0].rps = 10;
	fx_init(&f);
	run_expect(&f, 0, 0, 120, NULL, 0);
	T_STR_CONTAINS(f.d[0].reason, "monitor.scrape_interval_s=5");
	fx_end(&f);
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
	struct fx f;
	fx_begin(&f, 2, 1, 0);
	f.load[0].rps = 10;
	fx_init(&f);
	static const struct at wa[] = {{35, 2}, {75, 3}};
	if (run_expect(&f, 0, 0, 55, wa, 2) == 0) {
		f.load[1].rps = 10;
		static const struct at wa2[] = {{75, 3}, {95, 4}, {135, 5}};
		static const struct at wb[] = {{95, 2}, {135, 3}, {175, 4},
					       {215, 5}};
		for (double t = 60; t <= 220 + 1e-9; t += 5) {
			fx_decide(&f, t);
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
	fx_end(&f);
}

/* CE has no scale to zero, but the gateway scales a function at 0 with
 * held requests to max(min, 1) at once (a wake round at any time). */
static void test_ce_wake(void)
{
	for (int min = 1; min <= 3; min += 2) {
		struct fx f;
		fx_begin(&f, 1, 0, 0);
		fx_num(&f, "min_replicas_label", min);
		fx_init(&f);
		struct scale_decision d = fx_decide(&f, 5);
		T_EQ_INT(d.desired, -1);           /* nothing held */
		f.fn[0].held_at_zero = 4;
		d = fx_decide(&f, 7.25);
		T_EQ_INT(d.desired, min);
		T_STR_CONTAINS(d.reason, "scale from zero");
		fx_end(&f);
	}
}

/* Pro rps: 3 ready, 150 completions/s, target 50 x 0.9: ceil(150) = 150
 * load, 50 per pod, ceil(3 x 50/45) = ceil(3.33) = 4. The rule counts
 * every response code: 120 completed + 30 dropped gives the same. */
static void test_pro_rps(void)
{
	for (int drops = 0; drops <= 1; drops++) {
		struct fx f;
		fx_begin(&f, 1, 3, -120);
		fx_enum(&f, "mode", "rps");
		f.load[0].rps = drops ? 120 : 150;
		f.load[0].drops = drops ? 30 : 0;
		fx_init(&f);
		struct scale_decision d = fx_decide(&f, 0);
		T_EQ_INT(d.desired, 4);
		T_NEAR(observed(&d, "load"), 150, 1e-9);
		T_NEAR(observed(&d, "per_pod"), 50, 1e-9);
		/* 4 ready now: ceil(4 x 37.5/45) = ceil(3.33) = 4, stable */
		d = fx_decide(&f, 5);
		T_EQ_INT(d.desired, 4);
		fx_end(&f);
	}

	/* no load: raw 0, clamped to the min label; above the max label: 20 */
	for (int hi = 0; hi <= 1; hi++) {
		struct fx f;
		fx_begin(&f, 1, 3, -120);
		fx_enum(&f, "mode", "rps");
		f.load[0].rps = hi ? 5000 : 0;
		fx_init(&f);
		struct scale_decision d = fx_decide(&f, 0);
		T_EQ_INT(d.desired, hi ? 20 : 1);
		fx_end(&f);
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
		struct fx f;
		fx_begin(&f, 1, c[i].ready, -60);
		fx_enum(&f, "mode", "capacity");
		fx_num(&f, "target", 5);
		fx_num(&f, "target_proportion", 1.0);
		f.load[0].inflight = c[i].inflight;
		fx_init(&f);
		struct scale_decision d = fx_decide(&f, 0);
		T_EQ_INT(d.desired, c[i].want);
		fx_end(&f);
	}

	struct fx f;
	fx_begin(&f, 1, 2, -70);
	fx_enum(&f, "mode", "capacity");
	fx_num(&f, "target", 5);
	fx_num(&f, "target_proportion", 1.0);
	f.apply = 0;
	fx_init(&f);
	struct scale_decision d = {.desired = -1};
	for (double t = -65; t <= 1e-9; t += 5) {
		struct load *l = &f.load[0];
		l->inflight = 10;
		l->queue = 0;
		if (fabs(t + 50) < 1e-9) {
			l->inflight = 20;
			l->queue = 30;
		} else if (fabs(t + 20) < 1e-9) {
			l->inflight = 16;
			l->queue = 8;
		} else if (fabs(t + 10) < 1e-9) {
			l->inflight = 20;
		}
		d = fx_decide(&f, t);
	}
	T_NEAR(observed(&d, "load"), 24, 0);
	T_EQ_INT(d.desired, 5);
	fx_end(&f);
}

/* Pro queue: pending messages, the queue of an inner function (95, target
 * 10 x 1 -> ceil(1 x 95/10) = 10) or the consumer lag of one fed by
 * partitions (47, not its queue of 3; target 10 x 0.9, 2 ready ->
 * ceil(2 x 23.5/9) = ceil(5.22) = 6). */
static void test_pro_queue(void)
{
	for (int entry = 0; entry <= 1; entry++) {
		struct fx f;
		fx_begin(&f, 1, entry ? 2 : 1, -60);
		fx_enum(&f, "mode", "queue");
		fx_num(&f, "target", 10);
		fx_num(&f, "target_proportion", entry ? 0.9 : 1.0);
		f.fn[0].partitions = entry ? 4 : 0;
		f.load[0].queue = entry ? 3 : 95;
		f.load[0].lag = entry ? 47 : 0;
		fx_init(&f);
		struct scale_decision d = fx_decide(&f, 0);
		T_EQ_INT(d.desired, entry ? 6 : 10);
		T_NEAR(observed(&d, "load"), entry ? 47 : 95, 0);
		fx_end(&f);
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
		struct fx f;
		fx_begin(&f, 1, 1, -120);
		fx_enum(&f, "mode", "rps");
		fx_num(&f, "target", 10);
		fx_num(&f, "target_proportion", 1.0);
		fx_num(&f, "scale_down_window_s", window);
		f.load[0].rps = 100;
		fx_init(&f);
		for (double t = 5; t <= 150 + 1e-9; t += 5) {
			if (t > 60 + 1e-9)
				f.load[0].rps = 20;
			struct scale_decision d = fx_decide(&f, t);
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
		fx_end(&f);
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
		struct fx f;
		fx_begin(&f, 1, 2, -120);
		fx_enum(&f, "mode", "rps");
		fx_num(&f, "min_replicas_label", 2);
		fx_num(&f, "zero", zero);
		f.load[0].rps = 10;
		fx_init(&f);
		struct scale_decision d = {.desired = -1};
		for (double t = 5; t <= 1000 + 1e-9; t += 5) {
			if (t > 100 + 1e-9)
				f.load[0].rps = 0;
			d = fx_decide(&f, t);
			int want = t < 15 ? -1 : zero && t >= 1000 ? 0 : 2;
			T_EQ_INT(d.desired, want);
			if (d.desired != want) {
				fprintf(stderr, "  t=%g: %s\n", t, d.reason);
				break;
			}
		}
		if (zero) {
			T_STR_CONTAINS(d.reason, "zero-duration");
			d = fx_decide(&f, 1005);
			T_EQ_INT(d.desired, -1);
			f.fn[0].held_at_zero = 3;
			d = fx_decide(&f, 1007.5);
			T_EQ_INT(d.desired, 2);
			T_STR_CONTAINS(d.reason, "scale from zero");
			f.fn[0].held_at_zero = 0;
			d = fx_decide(&f, 1010);     /* just woken: not idle */
			T_EQ_INT(d.desired, 2);
		}
		fx_end(&f);
	}
}

/* Unmanaged functions are left alone and take no part in the alerts. */
static void test_unmanaged(void)
{
	struct fx f;
	fx_begin(&f, 1, 1, 0);
	f.fn[0].managed = 0;
	f.load[0].rps = 10;
	fx_init(&f);
	run_expect(&f, 0, 0, 60, NULL, 0);
	fx_end(&f);
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
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!CU_add_test(s, t[i].name, t[i].fn))
			return -1;
	return 0;
}
