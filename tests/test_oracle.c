/*
 * oracle: the future-knowing lower bound driven directly, its ground truth
 * from a real lookahead over a spate-csv trace with a step:
 *   1/s at t = 0, 1, ..., 99, then 10/s at t = 100.0, 100.1, ..., 199.9.
 * One function, concurrency 1, configured mean service 0.5 s, decisions
 * every w = 5 s, cold start h. The decision at `now` sizes
 *   future = rate over [now + h, now + h + w),  ramp = rate over [now, now + h)
 * to ceil(rate x S / target_utilization) slots each and takes the larger.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "lookahead.h"
#include "monitor.h"
#include "param.h"
#include "policy.h"
#include "testutil.h"

/* Listed in testutil.h once the suite is registered there. */

#define W 5.0

static char trace[64];
static struct config *cfg;

static int setup(void)
{
	strcpy(trace, "/tmp/spate-oracle-XXXXXX");
	int fd = mkstemp(trace);
	if (fd < 0)
		return -1;
	FILE *f = fdopen(fd, "w");
	if (!f)
		return -1;
	for (int i = 0; i < 100; i++)
		fprintf(f, "%d,in,,0\n", i);
	for (int i = 0; i < 1000; i++)
		fprintf(f, "%.1f,in,,0\n", 100 + i / 10.0);
	fclose(f);
	char json[1024];
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":"
		 "\"spate-csv\",\"path\":\"%s\"},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":0.5}]}", trace);
	struct err e = {0};
	cfg = config_parse(json, "<oracle>", NULL, 0, &e);
	if (!cfg)
		fprintf(stderr, "\n  %s\n", e.msg);
	return cfg ? 0 : -1;
}

static int teardown(void)
{
	config_free(cfg);
	unlink(trace);
	return 0;
}

static double rate_cb(const void *ctx, int fn, double t0, double t1)
{
	return la_rate(ctx, fn, t0, t1);
}

struct fx {
	const struct policy *pol;
	union param_val p[8];
	const union param_val *pp[1];
	struct fn_view fn;
	struct mon *mon;
	struct lookahead *la;
	double service_mean[1];
	struct oracle_view ov;
	void *st;
};

static void fx_begin(struct fx *f, double cold, int conc)
{
	memset(f, 0, sizeof *f);
	f->pol = policy_find("oracle");
	CU_ASSERT_FATAL(f->pol != NULL);
	CU_ASSERT_FATAL(f->pol->nparams <= 8);
	for (size_t i = 0; i < f->pol->nparams; i++)
		f->p[i].num = f->pol->params[i].def;
	f->pp[0] = f->p;
	f->fn = (struct fn_view){
		.name = "f", .managed = 1, .min_replicas = 0,
		.max_replicas = 1000, .target = 1, .ready = 1,
		.concurrency = conc, .memory_mb = 128, .cold_start_s = cold,
	};
	f->mon = mon_new(1, W, 600);
	CU_ASSERT_FATAL(f->mon != NULL);
	double zero[MON_NMETRICS] = {0};
	mon_push(f->mon, 0, zero);
	struct err e = {0};
	f->la = la_new(cfg, cold + W, &e);
	T_TRUE(f->la != NULL, "la_new: %s", e.msg);
	CU_ASSERT_FATAL(f->la != NULL);
	f->service_mean[0] = 0.5;
	f->ov = (struct oracle_view){
		.ctx = f->la, .rate = rate_cb, .service_mean = f->service_mean,
		.horizon_s = cold + W,
	};
}

static void fx_num(struct fx *f, const char *name, double v)
{
	int i = param_find(f->pol->params, f->pol->nparams, name);
	T_TRUE(i >= 0, "no parameter %s", name);
	if (i >= 0)
		f->p[i].num = v;
}

static void fx_init(struct fx *f)
{
	struct err e = {0};
	struct policy_ctx ctx = {
		.nfn = 1, .fn = &f->fn, .params = f->pp, .interval = W,
	};
	f->st = f->pol->init(&ctx, &e);
	T_TRUE(f->st != NULL, "init failed: %s", e.msg);
	CU_ASSERT_FATAL(f->st != NULL);
}

static struct scale_decision fx_decide(struct fx *f, double now)
{
	struct err e = {0};
	T_EQ_INT(la_advance(f->la, now, &e), 0);
	struct scale_decision d = {.desired = -1};
	struct scale_view v = {.now = now, .nfn = 1, .fn = &f->fn,
			       .mon = f->mon, .oracle = &f->ov};
	f->pol->decide(f->st, &v, &d);
	if (d.desired >= 0)
		f->fn.target = f->fn.ready = d.desired;
	return d;
}

static void fx_end(struct fx *f)
{
	if (f->st)
		f->pol->fini(f->st);
	mon_free(f->mon);
	la_free(f->la);
}

/*
 * The step at 100 enters the future window [now + h, now + h + 5) first at
 * now = 100 - h: before, both windows see 1/s, ceil(1 x 0.5) = 1 slot; at
 * 100 - h the window [100, 105) holds 50 rows, 10/s, ceil(10 x 0.5) = 5.
 */
static void step_up_at(double h)
{
	struct fx f;
	fx_begin(&f, h, 1);
	fx_init(&f);
	int early = 0;
	for (double now = 0; now < 100 - h - 1e-9; now += W) {
		struct scale_decision d = fx_decide(&f, now);
		if (d.desired != 1) {
			early++;
			fprintf(stderr, "\n  h %g, now %g: %d (%s)", h, now,
				d.desired, d.reason);
		}
	}
	T_EQ_INT(early, 0);
	struct scale_decision d = fx_decide(&f, 100 - h);
	T_EQ_INT(d.desired, 5);
	T_NEAR(test_observed(&d, "rate_future"), 10, 1e-9);
	T_NEAR(test_observed(&d, "rate_ramp"), 1, 1e-9);
	T_STR_CONTAINS(d.reason, "-> 5");
	fx_end(&f);
}

static void test_step(void)
{
	step_up_at(10);
	step_up_at(20);
}

/*
 * h = 10 at the end of the trace (last row 199.9):
 *   now 195: ramp [195, 205) 50 rows = 5/s -> ceil(2.5) = 3; future
 *            [205, 210) 0 -> 0: the ramp keeps 3 (future alone says 0);
 *   now 200: nothing in [200, 215) -> 0;
 *   with 4 messages queued at the last scrape -> 1 to drain them;
 *   at zero with 2 held -> 1.
 */
static void test_ramp_and_zero(void)
{
	struct fx f;
	fx_begin(&f, 10, 1);
	fx_init(&f);
	struct scale_decision d = fx_decide(&f, 195);
	T_EQ_INT(d.desired, 3);
	T_NEAR(test_observed(&d, "slots_future"), 0, 0);
	T_NEAR(test_observed(&d, "slots_ramp"), 3, 0);
	d = fx_decide(&f, 200);
	T_EQ_INT(d.desired, 0);
	T_STR_CONTAINS(d.reason, "nothing due within 15s -> 0");

	double v[MON_NMETRICS] = {0};
	v[MON_QUEUE] = 4;
	mon_push(f.mon, 200, v);
	f.fn.ready = f.fn.target = 1;
	d = fx_decide(&f, 205);
	T_EQ_INT(d.desired, 1);
	T_STR_CONTAINS(d.reason, "4 left -> 1");

	f.fn.ready = f.fn.target = 0;
	f.fn.held_at_zero = 2;
	d = fx_decide(&f, 210);
	T_EQ_INT(d.desired, 1);
	f.fn.held_at_zero = 0;
	v[MON_QUEUE] = 0;
	mon_push(f.mon, 210, v);
	d = fx_decide(&f, 215);
	T_EQ_INT(d.desired, 0);
	fx_end(&f);
}

/*
 * Service time: with no completions in the monitor the configured mean
 * 0.5 s is used (10/s -> 5 slots at now 90, h 10); once the monitor shows
 * 2 completions/s at 0.5 busy slot-s/s (S = 0.25 s) it is 10 x 0.25 ->
 * 3 slots (ceil 2.5); with service_time = truth the 0.5 s again -> 5.
 * Concurrency 2 and target_utilization 0.5 are checked on the same window:
 * 10 x 0.5 / 0.5 = 10 slots -> 5 replicas of 2.
 */
static void test_service_and_sizing(void)
{
	struct fx f;
	fx_begin(&f, 10, 1);
	fx_init(&f);
	struct scale_decision d = fx_decide(&f, 90);
	T_EQ_INT(d.desired, 5);
	T_NEAR(test_observed(&d, "service_s"), 0.5, 0);
	T_NEAR(test_observed(&d, "service_measured"), 0, 0);
	double v[MON_NMETRICS] = {0};
	for (int k = 1; k <= 18; k++) {
		v[MON_COMPLETIONS] = 2 * W * k;
		v[MON_BUSY_TIME] = 0.5 * W * k;
		mon_push(f.mon, W * k, v);
	}
	d = fx_decide(&f, 90);
	T_EQ_INT(d.desired, 3);
	T_NEAR(test_observed(&d, "service_s"), 0.25, 1e-12);
	fx_end(&f);

	fx_begin(&f, 10, 1);
	fx_num(&f, "service_time", 1);   /* truth */
	fx_init(&f);
	for (int k = 1; k <= 18; k++) {
		v[MON_COMPLETIONS] = 2 * W * k;
		v[MON_BUSY_TIME] = 0.5 * W * k;
		mon_push(f.mon, W * k, v);
	}
	d = fx_decide(&f, 90);
	T_EQ_INT(d.desired, 5);
	fx_end(&f);

	fx_begin(&f, 10, 2);
	fx_num(&f, "target_utilization", 0.5);
	fx_init(&f);
	d = fx_decide(&f, 90);
	T_EQ_INT(d.desired, 5);
	T_NEAR(test_observed(&d, "slots_future"), 10, 0);
	fx_end(&f);
}

/*
 * slo_s 2 at p 0.95 on 10/s, S 0.5 (a = 5, mu = 2): s_p = 0.5 ln 20 =
 * 1.4979 s leaves 0.5021 s of wait; P(Wq > 0.5021) = C(c, 5) e^{-(2c - 10)
 * 0.5021}: c 6: 0.5875 x 0.3660 = 0.2152 > 0.05; c 7: 0.3241 x 0.1342 =
 * 0.0435 <= 0.05 -> 7 (the fluid bound says 5). slo_s 1 < s_p: infeasible,
 * the fluid 5, said in the reason.
 */
static void test_slo(void)
{
	struct fx f;
	fx_begin(&f, 10, 1);
	fx_num(&f, "slo_s", 2);
	fx_init(&f);
	struct scale_decision d = fx_decide(&f, 90);
	T_EQ_INT(d.desired, 7);
	fx_end(&f);

	fx_begin(&f, 10, 1);
	fx_num(&f, "slo_s", 1);
	fx_init(&f);
	d = fx_decide(&f, 90);
	T_EQ_INT(d.desired, 5);
	T_STR_CONTAINS(d.reason, "not met");
	fx_end(&f);
}

/* Without ground truth the oracle keeps the count; the help says what it is. */
static void test_no_view_and_help(void)
{
	const struct policy *pol = policy_find("oracle");
	CU_ASSERT_FATAL(pol != NULL);
	T_STR_CONTAINS(pol->help, "a lower bound for comparisons, not a "
		       "realizable policy (it reads the future)");
	T_TRUE(pol->lookahead > 0, "lookahead %g", pol->lookahead);
	struct fx f;
	fx_begin(&f, 10, 1);
	fx_init(&f);
	struct scale_decision d = {.desired = -1};
	struct scale_view v = {.now = 0, .nfn = 1, .fn = &f.fn, .mon = f.mon};
	f.pol->decide(f.st, &v, &d);
	T_EQ_INT(d.desired, -1);
	T_STR_CONTAINS(d.reason, "no ground truth");
	fx_end(&f);
}

int test_oracle_register(void)
{
	CU_pSuite s = CU_add_suite("oracle", setup, teardown);
	if (!s ||
	    !CU_add_test(s, "scale-up one cold start before a step", test_step) ||
	    !CU_add_test(s, "ramp floor and scale to zero", test_ramp_and_zero) ||
	    !CU_add_test(s, "service time and sizing", test_service_and_sizing) ||
	    !CU_add_test(s, "SLO sizing", test_slo) ||
	    !CU_add_test(s, "no view, help", test_no_view_and_help))
		return -1;
	return 0;
}
