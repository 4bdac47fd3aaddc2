/*
 * test_predictive: the Holt-Winters + Erlang-C policy driven directly, one
 * function fed synthetic scrapes every 5 s and decided every 15 s (one
 * Holt-Winters step). The arrival rate is constant inside each step, so the
 * rate the policy fits, y_n over (15(n-1), 15n], is exactly the value set for
 * step n; the service time is 1/mu (busy = lambda/mu slot-s per s).
 * Expected values are worked out by hand from the recursions of
 * policies/predictive.c's header (R's additive HoltWinters form) and the
 * erlang-c sizing; the erlang-c policy is run beside it where the two are
 * compared at the same instant. Sizes at mu 1/s, p 0.95, SLO 4 s (s_p =
 * ln 20 = 2.9957, budget for w_p 1.0043), max_utilization 0.95, with
 * w_p = ln(C/0.05)/(c - lambda) and C = C(c, lambda) (Erlang-B recursion):
 *   lambda  c: C, w_p                                   size
 *   10      12: 0.4494, 1.0979 > budget; 13: 0.2853, 0.5805   13
 *   6       7: 0.6138, 2.5077;  8: 0.3570, 0.9828             8
 *   5.12    7: 0.3536, 1.0405;  8: 0.1855, 0.4552             8
 *   4       5: 0.5541, 2.4053;  6: 0.2848, 0.8698             6
 *   2       3: 0.4444, 2.1848;  4: 0.1739, 0.6233             4
 *   1.22    2: 0.4622, 2.8514;  3: 0.1468, 0.6051             3
 *   0.6374  1: 0.6374, 7.0198;  2: 0.1540, 0.8258             2
 *   0.2105  1: 0.2105, 1.8204;  2: 0.0200 (< 0.05, w_p 0)     2
 *   0.2     1: 0.2,    1.7329;  2: 0.0182 (w_p 0)             2
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "monitor.h"
#include "param.h"
#include "policy.h"
#include "qtheory.h"
#include "testutil.h"


#define SCRAPE 5.0
#define STEP 15.0

struct fx {
	const struct policy *pol, *erl;
	union param_val p[16], pe[8];
	const union param_val *pp[1], *ppe[1];
	struct fn_view fn;
	struct mon *mon;
	void *st, *est;
	double t;
	double c[MON_NMETRICS];
	double lambda, mu, appends;
	double scrape;              /* seconds between scrapes */
	struct scale_decision de;   /* erlang-c's decision at the last step */
	double actuation;           /* policy_ctx.actuation_delay */
};

/* A function with `ready` replicas of one slot, cold start cs, SLO 4 s for
 * both policies, and the erlang-c policy beside it when with_erl. */
static void fx_begin(struct fx *f, int ready, double cs, double mu,
		     int with_erl)
{
	memset(f, 0, sizeof *f);
	f->pol = policy_find("predictive");
	CU_ASSERT_FATAL(f->pol != NULL);
	CU_ASSERT_FATAL(f->pol->nparams <= 16);
	for (size_t i = 0; i < f->pol->nparams; i++)
		f->p[i].num = f->pol->params[i].def;
	f->pp[0] = f->p;
	if (with_erl) {
		f->erl = policy_find("erlang-c");
		CU_ASSERT_FATAL(f->erl != NULL && f->erl->nparams <= 8);
		for (size_t i = 0; i < f->erl->nparams; i++)
			f->pe[i].num = f->erl->params[i].def;
		f->ppe[0] = f->pe;
		int k = param_find(f->erl->params, f->erl->nparams,
				   "slo_latency_s");
		CU_ASSERT_FATAL(k >= 0);
		f->pe[k].num = 4;
	}
	f->fn = (struct fn_view){
		.name = "f", .managed = 1, .min_replicas = 0,
		.max_replicas = 1000, .target = ready, .ready = ready,
		.concurrency = 1, .memory_mb = 128, .cold_start_s = cs,
	};
	f->scrape = SCRAPE;
	f->mon = mon_new(1, SCRAPE, 600);
	CU_ASSERT_FATAL(f->mon != NULL);
	f->mu = mu;
	int k = param_find(f->pol->params, f->pol->nparams, "slo_latency_s");
	CU_ASSERT_FATAL(k >= 0);
	f->p[k].num = 4;
}

static void fx_num(struct fx *f, const char *name, double v)
{
	int i = param_find(f->pol->params, f->pol->nparams, name);
	T_TRUE(i >= 0, "no parameter %s", name);
	if (i >= 0)
		f->p[i].num = v;
}

static void fx_push(struct fx *f)
{
	double v[MON_NMETRICS] = {0};
	memcpy(v, f->c, sizeof v);
	v[MON_READY] = f->fn.ready;
	mon_push(f->mon, f->t, v);
}

static void fx_feed(struct fx *f, double t)
{
	double dt = f->scrape;
	while (f->t + dt <= t + 1e-9) {
		f->c[MON_ARRIVALS] += f->lambda * dt;
		f->c[MON_SOURCE_APPENDS] += f->appends * dt;
		if (f->mu > 0) {   /* mu 0: nothing completes */
			f->c[MON_COMPLETIONS] += f->lambda * dt;
			f->c[MON_BUSY_TIME] += f->lambda / f->mu * dt;
		}
		f->c[MON_READY_TIME] += f->fn.ready * dt;
		f->t += dt;
		fx_push(f);
	}
}

static int fx_init(struct fx *f)
{
	struct err e = {0};
	struct policy_ctx ctx = {
		.nfn = 1, .fn = &f->fn, .params = f->pp, .interval = STEP,
		.actuation_delay = f->actuation,
	};
	fx_push(f);
	f->st = f->pol->init(&ctx, &e);
	T_TRUE(f->st != NULL, "init failed: %s", e.msg);
	if (f->erl) {
		ctx.params = f->ppe;
		f->est = f->erl->init(&ctx, &e);
		T_TRUE(f->est != NULL, "erlang-c init failed: %s", e.msg);
	}
	return f->st != NULL && (!f->erl || f->est != NULL);
}

/* Feeds the load up to `now` and decides there (both policies on the same
 * view); the wish becomes the function's replicas at once. */
static struct scale_decision fx_decide(struct fx *f, double now)
{
	fx_feed(f, now);
	struct scale_decision d = {.desired = -1};
	struct scale_view v = {.now = now, .nfn = 1, .fn = &f->fn,
			       .mon = f->mon};
	if (f->est) {
		f->de = (struct scale_decision){.desired = -1};
		f->erl->decide(f->est, &v, &f->de);
	}
	f->pol->decide(f->st, &v, &d);
	if (d.desired >= 0)
		f->fn.target = f->fn.ready = d.desired;
	return d;
}

/* Step n: rate y over (15(n-1), 15n], decided at 15n. */
static struct scale_decision fx_step(struct fx *f, int n, double y)
{
	f->lambda = y;
	return fx_decide(f, STEP * n);
}

static void fx_end(struct fx *f)
{
	if (f->st)
		f->pol->fini(f->st);
	if (f->est)
		f->erl->fini(f->est);
	mon_free(f->mon);
}

static double observed(const struct scale_decision *d, const char *name)
{
	for (int i = 0; i < d->nobserved; i++)
		if (strcmp(d->observed[i].name, name) == 0)
			return d->observed[i].value;
	return -12345;   /* absent: fails any check of a real value */
}

static void test_table(void)
{
	const struct policy *p = policy_find("predictive");
	CU_ASSERT_FATAL(p != NULL);
	T_EQ_INT(p->wake_from_zero, 1);
	T_NEAR(p->interval_s, 15, 0);
	struct { const char *name; double def; } want[] = {
		{"slo_latency_s", 1}, {"percentile", 0.95},
		{"max_utilization", 0.95}, {"window_s", 60}, {"season_s", 0},
		{"alpha", 0.3}, {"beta", 0.1}, {"gamma", 0.1},
		{"actuation_lead_s", -1}, {"idle_s", 60}, {"idle_arrivals", 0.5},
		{"current_floor", 1},
	};
	T_EQ_INT(p->nparams, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		int k = param_find(p->params, p->nparams, want[i].name);
		T_TRUE(k >= 0, "no parameter %s", want[i].name);
		if (k >= 0)
			T_NEAR(p->params[k].def, want[i].def, 0);
	}
}

/*
 * Holt's method (season_s 0), alpha 0.3, beta 0.1; cold start 30 s, step
 * 15 s: the replicas ordered at t serve [t+30, t+45], exactly step n+3, so
 * the horizon is 45 s and the forecast l + 3b.
 *   y1 = 10: l 10, b 0                           forecast 10
 *   y2 = 12: l 12, b 12-10 = 2                   forecast 12 + 6 = 18
 *   y3 = 13: l = .3*13 + .7*(12+2) = 13.7,
 *            b = .1*(13.7-12) + .9*2 = 1.97      forecast 13.7 + 5.91 = 19.61
 * The same with cold start 15 s and actuation_lead_s 15, or the default
 * lead (-1) and the autoscaler's actuation_delay_s 15. With no cold start
 * the horizon is the next step: 13.7 + 1.97 = 15.67.
 * With cold start 22.5 s the interval [t+22.5, t+37.5] overlaps steps n+2
 * and n+3; the forecast is the larger: rising, 19.61 (n+3); for the falling
 * 13, 11, 10: l = .3*10 + .7*9 = 9.3, b = .1*(9.3-11) + .9*(-2) = -1.97,
 * steps n+2: 9.3 - 3.94 = 5.36 > n+3: 3.39.
 */
static void test_holt_hand(void)
{
	struct fx f;
	fx_begin(&f, 2, 30, 1, 0);
	if (!fx_init(&f)) {
		fx_end(&f);
		return;
	}
	struct scale_decision d = fx_step(&f, 1, 10);
	T_NEAR(observed(&d, "level"), 10, 1e-12);
	T_NEAR(observed(&d, "trend"), 0, 1e-12);
	T_NEAR(observed(&d, "forecast"), 10, 1e-12);
	T_NEAR(observed(&d, "horizon"), 45, 1e-12);
	T_NEAR(observed(&d, "season"), 0, 0);
	T_EQ_INT(d.desired, 13);                     /* size(10) */
	d = fx_step(&f, 2, 12);
	T_NEAR(observed(&d, "level"), 12, 1e-12);
	T_NEAR(observed(&d, "trend"), 2, 1e-12);
	T_NEAR(observed(&d, "forecast"), 18, 1e-12);
	/* an out-of-period call without held requests keeps the target and
	 * does not feed the model */
	f.lambda = 13;
	d = fx_decide(&f, 40);
	T_EQ_INT(d.desired, -1);
	T_STR_CONTAINS(d.reason, "between decision ticks");
	d = fx_step(&f, 3, 13);
	T_NEAR(observed(&d, "rate"), 13, 1e-12);
	T_NEAR(observed(&d, "level"), 13.7, 1e-12);
	T_NEAR(observed(&d, "trend"), 1.97, 1e-12);
	T_NEAR(observed(&d, "forecast"), 19.61, 1e-12);
	T_NEAR(observed(&d, "mu"), 1, 1e-12);
	T_STR_CONTAINS(d.reason, "forecast 19.61/s at 45s");
	fx_end(&f);

	static const struct { double cs, lead, act, y[3], fc, h; } k[] = {
		{22.5, 0, 7, {10, 12, 13}, 19.61, 37.5},
		{22.5, 0, 0, {13, 11, 10}, 5.36, 37.5},
		{15, 15, 0, {10, 12, 13}, 19.61, 45},   /* lead + cs = 30 */
		{15, -1, 15, {10, 12, 13}, 19.61, 45},  /* the same, by default */
		{0, 0, 0, {10, 12, 13}, 13.7 + 1.97, 15},
	};
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		fx_begin(&f, 2, k[i].cs, 1, 0);
		fx_num(&f, "actuation_lead_s", k[i].lead);
		f.actuation = k[i].act;
		if (!fx_init(&f)) {
			fx_end(&f);
			return;
		}
		for (int n = 1; n <= 3; n++)
			d = fx_step(&f, n, k[i].y[n - 1]);
		T_NEAR(observed(&d, "horizon"), k[i].h, 1e-12);
		T_NEAR(observed(&d, "forecast"), k[i].fc, 1e-12);
		fx_end(&f);
	}
}

/*
 * Holt's method on a linear ramp, cold start 30 s (3 steps ahead).
 * (a) y_n = 2 + 0.5 n from the start: l_2 = y_2, b_2 = 0.5 make the state
 * exact, and each update keeps it (y_n = l + b), so the forecast is the
 * ramp 3 steps ahead from n = 2 on; only rounding (~1e-15 relative, damped
 * by the update) separates them: tolerance 1e-9.
 * (b) 10/s for 5 steps (l 10, b 0), then the ramp y_n = 10 + 2(n-5). With
 * u = l - y_n, v = b - 2 the errors follow (from the update, y_n = y_{n-1}+2)
 *   u_n = (1-alpha)(u_{n-1} + v_{n-1}),
 *   v_n = beta (u_n - u_{n-1}) + (1-beta) v_{n-1},   u_5 = 0, v_5 = -2,
 * and the forecast error is e = u + 3v. The characteristic polynomial is
 * z^2 - 1.67 z + 0.7 (trace 2 - alpha - alpha beta, det 1 - alpha), roots
 * r e^{+-i theta}, r = sqrt(0.7) = 0.83666, cos theta = 1.67/(2r) = 0.99801,
 * sin theta = 0.06296. From e_5 = -6, e_6 = -1.4 - 3*1.94 = -7.22:
 * e_{5+m} = r^m (A cos m theta + B sin m theta), A = -6,
 * B = (-7.22/r - A cos theta)/sin theta = -41.953, so
 * |e_{5+m}| <= sqrt(A^2 + B^2) r^m = 42.38 r^m: below 1e-3 once m >= 60
 * (42.38 * 0.83666^60 = 9.5e-4).
 */
static void test_holt_ramp(void)
{
	struct fx f;
	fx_begin(&f, 2, 30, 10, 0);
	if (!fx_init(&f)) {
		fx_end(&f);
		return;
	}
	for (int n = 1; n <= 20; n++) {
		struct scale_decision d = fx_step(&f, n, 2 + 0.5 * n);
		if (n >= 2) {
			T_NEAR(observed(&d, "level"), 2 + 0.5 * n, 1e-9);
			T_NEAR(observed(&d, "trend"), 0.5, 1e-9);
			T_NEAR(observed(&d, "forecast"), 2 + 0.5 * (n + 3), 1e-9);
		}
	}
	fx_end(&f);

	fx_begin(&f, 2, 30, 10, 0);
	if (!fx_init(&f)) {
		fx_end(&f);
		return;
	}
	struct scale_decision d;
	for (int n = 1; n <= 5; n++)
		d = fx_step(&f, n, 10);
	T_NEAR(observed(&d, "forecast"), 10, 1e-12);
	double u = 0, v = -2;
	for (int m = 1; m <= 60; m++) {
		int n = 5 + m;
		double y = 10 + 2.0 * m;
		d = fx_step(&f, n, y);
		double u1 = 0.7 * (u + v);
		v = 0.1 * (u1 - u) + 0.9 * v;
		u = u1;
		T_NEAR(observed(&d, "forecast"), y + 6 + u + 3 * v, 1e-9);
		if (m == 1)
			T_NEAR(u + 3 * v, -7.22, 1e-12);
	}
	T_TRUE(fabs(u + 3 * v) <= 42.38 * pow(0.83666, 60),
	       "error %g above its bound", u + 3 * v);
	T_NEAR(observed(&d, "forecast"), 10 + 2.0 * 63, 1e-3);
	fx_end(&f);
}

/*
 * Additive seasonality, season_s 30 = P 2 steps, alpha = beta = gamma = 0.5.
 * Phases by step % 2. Cold start 0 (horizon 15 s, k 1) and 15 s (k 2).
 *   y1 = 2: warm-up, naive forecast 2
 *   y2 = 4: l = mean 3, b 0, s[1] = 2-3 = -1, s[0] = 4-3 = +1;
 *           k 1 (step 3, s[1]): 3 - 1 = 2;  k 2 (step 4, s[0]): 3 + 1 = 4
 *   y3 = 4: l = .5*(4 - s[1]) + .5*(3 + 0) = 2.5 + 1.5 = 4,
 *           b = .5*(4-3) + .5*0 = 0.5, s[1] = .5*(4-4) + .5*(-1) = -0.5;
 *           k 1 (step 4, s[0]): 4 + .5 + 1 = 5.5;
 *           k 2 (step 5, s[1]): 4 + 1 - .5 = 4.5
 */
static void test_seasonal_hand(void)
{
	static const struct { double cs, fc[3], s[3]; } k[] = {
		{0, {2, 2, 5.5}, {0, -1, 1}},
		{15, {2, 4, 4.5}, {0, 1, -0.5}},
	};
	static const double y[3] = {2, 4, 4};
	for (size_t i = 0; i < 2; i++) {
		struct fx f;
		fx_begin(&f, 2, k[i].cs, 1, 0);
		fx_num(&f, "season_s", 30);
		fx_num(&f, "alpha", 0.5);
		fx_num(&f, "beta", 0.5);
		fx_num(&f, "gamma", 0.5);
		if (!fx_init(&f)) {
			fx_end(&f);
			return;
		}
		for (int n = 1; n <= 3; n++) {
			struct scale_decision d = fx_step(&f, n, y[n - 1]);
			T_NEAR(observed(&d, "forecast"), k[i].fc[n - 1], 1e-12);
			T_NEAR(observed(&d, "season"), k[i].s[n - 1], 1e-12);
			T_NEAR(observed(&d, "horizon"), k[i].cs + 15, 1e-12);
			if (n == 1) {
				T_TRUE(isnan(observed(&d, "level")),
				       "level %g during warm-up",
				       observed(&d, "level"));
				T_STR_CONTAINS(d.reason, "warm-up 1/2");
			}
			if (n == 3) {
				T_NEAR(observed(&d, "level"), 4, 1e-12);
				T_NEAR(observed(&d, "trend"), 0.5, 1e-12);
			}
		}
		fx_end(&f);
	}
}

/*
 * A square wave of period 8 steps (season_s 120): steps with (n-1) % 8 < 4
 * at L = 2/s, the others at H = 10/s; cold start 30 s, horizon step n+3.
 * The first season initialises l = 6, b = 0, s = -4 (low phases), +4 (high);
 * the data repeat exactly, so every later update leaves the state as it is
 * and the forecast of step n+3 is that step's rate.
 * Third season: steps 17..20 low, 21..24 high, 25..28 low.
 *   n   y   predictive: fc (step n+3), c_f, c_cur -> size | erlang-c (60 s)
 *   18  2   10 (21): 13, 4 -> 13  | (10+10+2+2)/4 = 6 -> 8
 *   19  2   10 (22): 13, 4 -> 13  | (10+2+2+2)/4 = 4  -> 6
 *   20  2   10 (23): 13, 4 -> 13  | 2 -> 4
 *   22  10  2 (25): 4, 13 -> 13 (the current floor; 4 without it)
 *   25  2   2 (28): 4, 4 -> 4;   26: 10 (29) -> 13
 * The replicas ordered at n = 18 (t 270) are ready at 300, when the rise
 * starts; erlang-c, seeing the past only, asks for 8, 6, 4.
 */
static double square(int n)
{
	return (n - 1) % 8 < 4 ? 2 : 10;
}

static void test_seasonal_anticipates(void)
{
	T_NEAR(qt_erlang_c(8, 6), 0.3570, 5e-5);
	T_NEAR(qt_erlang_c(6, 4), 0.2848, 5e-5);
	T_NEAR(qt_erlang_c(4, 2), 0.1739, 5e-5);
	T_NEAR(qt_erlang_c(13, 10), 0.2853, 5e-5);
	for (int floor_on = 1; floor_on >= 0; floor_on--) {
		struct fx f;
		fx_begin(&f, 4, 30, 1, 1);
		fx_num(&f, "season_s", 120);
		fx_num(&f, "current_floor", floor_on);
		if (!fx_init(&f)) {
			fx_end(&f);
			return;
		}
		for (int n = 1; n <= 26; n++) {
			struct scale_decision d = fx_step(&f, n, square(n));
			if (n == 2) {
				/* warm-up: the naive forecast is the current rate,
				 * as erlang-c sizes it */
				T_NEAR(observed(&d, "forecast"), 2, 0);
				T_EQ_INT(d.desired, 4);
				T_EQ_INT(f.de.desired, 4);
			}
			if (n >= 18 && n <= 20) {
				T_NEAR(observed(&d, "forecast"), 10, 1e-9);
				T_NEAR(observed(&d, "c_forecast"), 13, 0);
				T_NEAR(observed(&d, "c_current"), 4, 0);
				T_EQ_INT(d.desired, 13);
				static const int erl[3] = {8, 6, 4};
				static const double lam[3] = {6, 4, 2};
				T_EQ_INT(f.de.desired, erl[n - 18]);
				T_NEAR(observed(&f.de, "lambda"), lam[n - 18], 1e-9);
			}
			if (n == 20) {
				T_NEAR(observed(&d, "level"), 6, 1e-9);
				T_NEAR(observed(&d, "trend"), 0, 1e-9);
				T_NEAR(observed(&d, "season"), 4, 1e-9);
			}
			if (n == 22) {
				T_NEAR(observed(&d, "forecast"), 2, 1e-9);
				T_NEAR(observed(&d, "c_forecast"), 4, 0);
				T_NEAR(observed(&d, "c_current"), 13, 0);
				T_EQ_INT(d.desired, floor_on ? 13 : 4);
			}
			if (n == 25)
				T_EQ_INT(d.desired, 4);
			if (n == 26)
				T_EQ_INT(d.desired, 13);
		}
		fx_end(&f);
	}
}

/*
 * A steady load: the forecast is the rate, so the size is erlang-c's, with
 * and without a season (season_s 60: P 4), each computed at the same instant:
 *   lambda 10, mu 1 -> 13;  2 slots per replica: ceil(13/2) = 7;
 *   lambda 2 -> 4;
 *   lambda 20, mu 2 (a = 10, all times halved), SLO 2 -> 13; with 2 slots
 *     and max_replicas 6 the SLO is not met within 12 slots -> 6;
 *   SLO 6 needs c 11 (w_p 2.6132 + 2.9957 = 5.6089), max_utilization 0.8
 *     needs ceil(10/0.8) = 13 -> 13;
 *   arrivals 10/s but 12/s appended to the partitions feeding it: the
 *     offered load is 12; SLO 6: c 13, C(13,12) = 0.7044,
 *     w_p = ln(14.09) = 2.6453 <= 3.0043 -> 13 (12 alone, SLO 6: 13 too,
 *     so the check is on the rate observed).
 */
static void test_stationary(void)
{
	static const struct {
		double lambda, mu, slo, season, util, appends;
		int slots, maxr, want;
	} k[] = {
		{10, 1, 4, 0, 0.95, 0, 1, 1000, 13},
		{10, 1, 4, 60, 0.95, 0, 1, 1000, 13},
		{10, 1, 4, 60, 0.95, 0, 2, 1000, 7},
		{2, 1, 4, 0, 0.95, 0, 1, 1000, 4},
		{20, 2, 2, 0, 0.95, 0, 1, 1000, 13},
		{20, 2, 2, 0, 0.95, 0, 2, 6, 6},
		{10, 1, 6, 0, 0.8, 0, 1, 1000, 13},
		{10, 1, 6, 60, 0.95, 12, 1, 1000, 13},
	};
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		struct fx f;
		fx_begin(&f, 3, 30, k[i].mu, 1);
		f.fn.concurrency = k[i].slots;
		f.fn.max_replicas = k[i].maxr;
		f.appends = k[i].appends;
		fx_num(&f, "season_s", k[i].season);
		fx_num(&f, "slo_latency_s", k[i].slo);
		fx_num(&f, "max_utilization", k[i].util);
		f.pe[param_find(f.erl->params, f.erl->nparams,
				"slo_latency_s")].num = k[i].slo;
		f.pe[param_find(f.erl->params, f.erl->nparams,
				"max_utilization")].num = k[i].util;
		if (!fx_init(&f)) {
			fx_end(&f);
			return;
		}
		for (int n = 1; n <= 20; n++) {
			struct scale_decision d = fx_step(&f, n, k[i].lambda);
			if (n >= 4) {   /* erlang-c's 60-s window is full */
				T_EQ_INT(d.desired, k[i].want);
				T_EQ_INT(f.de.desired, k[i].want);
				double offered = fmax(k[i].lambda, k[i].appends);
				T_NEAR(observed(&d, "forecast"), offered, 1e-9);
				T_NEAR(observed(&d, "rate"), offered, 1e-9);
				if (k[i].maxr == 6)
					T_STR_CONTAINS(d.reason,
						       "not met within max_replicas");
			}
		}
		fx_end(&f);
	}
}

/*
 * A scrape (30 s) coarser than the decision interval (15 s): the rate is
 * taken over max(15, 30) = 30 s so it is never 0 between samples; 10/s ->
 * 13 at every decision from t 30 on.
 */
static void test_coarse_scrape(void)
{
	struct fx f;
	fx_begin(&f, 3, 30, 1, 0);
	f.scrape = 30;
	mon_free(f.mon);
	f.mon = mon_new(1, 30, 600);
	CU_ASSERT_FATAL(f.mon != NULL);
	if (!fx_init(&f)) {
		fx_end(&f);
		return;
	}
	for (int n = 2; n <= 8; n++) {
		struct scale_decision d = fx_step(&f, n, 10);
		T_NEAR(observed(&d, "rate"), 10, 1e-9);
		T_EQ_INT(d.desired, 13);
	}
	fx_end(&f);
}

/*
 * Before two scrapes there is nothing to fit: keep, or one replica for a
 * request held at zero. With arrivals but no completion ever (mu unknown):
 * keep a running function, bring one from zero.
 */
static void test_no_metrics(void)
{
	struct fx f;
	fx_begin(&f, 2, 30, 1, 0);
	if (!fx_init(&f)) {
		fx_end(&f);
		return;
	}
	struct scale_decision d = fx_decide(&f, 0);
	T_EQ_INT(d.desired, -1);
	T_STR_CONTAINS(d.reason, "no metrics yet");
	f.fn.target = f.fn.ready = 0;
	f.fn.held_at_zero = 2;
	d = fx_decide(&f, 0);
	T_EQ_INT(d.desired, 1);
	fx_end(&f);

	fx_begin(&f, 2, 30, 0, 0);
	if (!fx_init(&f)) {
		fx_end(&f);
		return;
	}
	d = fx_step(&f, 1, 5);
	T_EQ_INT(d.desired, -1);
	T_STR_CONTAINS(d.reason, "no service time");
	f.fn.target = f.fn.ready = 0;
	d = fx_step(&f, 2, 5);
	T_EQ_INT(d.desired, 1);
	fx_end(&f);
}

/*
 * A burst the model has not seen: Holt, 2/s for 10 steps (l 2, b 0), then
 * 10/s at step 11: l = .3*10 + .7*2 = 4.4, b = .1*2.4 = 0.24, forecast
 * 4.4 + 3*.24 = 5.12 -> 8; the current rate 10 -> 13. With the floor: 13;
 * without: 8. erlang-c (60 s: (2+2+2+10)/4 = 4) -> 6.
 */
static void test_burst_floor(void)
{
	for (int floor_on = 1; floor_on >= 0; floor_on--) {
		struct fx f;
		fx_begin(&f, 4, 30, 1, 1);
		fx_num(&f, "current_floor", floor_on);
		if (!fx_init(&f)) {
			fx_end(&f);
			return;
		}
		struct scale_decision d;
		for (int n = 1; n <= 10; n++)
			d = fx_step(&f, n, 2);
		T_EQ_INT(d.desired, 4);
		d = fx_step(&f, 11, 10);
		T_NEAR(observed(&d, "forecast"), 5.12, 1e-9);
		T_NEAR(observed(&d, "c_forecast"), 8, 0);
		T_NEAR(observed(&d, "c_current"), 13, 0);
		T_NEAR(observed(&d, "c"), floor_on ? 13 : 8, 0);
		T_EQ_INT(d.desired, floor_on ? 13 : 8);
		T_EQ_INT(f.de.desired, 6);
		fx_end(&f);
	}
}

/*
 * Scale to zero. 2/s for steps 1..8, then nothing; cold start 30 s.
 * (a) alpha 1, beta 0: the forecast is the last rate, 0 from step 9 (t 135):
 * idle from 135, one replica kept until idle_s 60 has passed, 0 at t 195
 * and after. Three requests held at zero at t 200 (between ticks) wake
 * the policy: 3/15 = 0.2/s -> 2.
 * (b) defaults (alpha .3, beta .1): l, b decay from (2, 0):
 *   n 9:  l 1.4,        b -0.06        fc(k3) 1.22    -> 3
 *   n 10: l 0.938,      b -0.1002      fc 0.6374      -> 2
 *   n 11: l 0.58646,    b -0.125334    fc 0.210458    -> 2
 *   n 12: l 0.3227882,  b -0.13916778  fc 0 (-0.0947) but step n+1 is
 *         0.18362 (2.75 arrivals per step > 0.5): not idle -> 1
 *   n 13: l 0.12853429, b -0.14467639  all steps up to n+3 <= 0: idle from
 *         195 -> 1 (13..16), 0 at n 17 (t 255).
 *   A wake at t 260 (3 held) -> 2; it does not feed the model, so at n 18
 *   l = .7*(l17 + b17) = -0.23593748 (l17 -0.21415540, b17 -0.12289815).
 * (c) idle_s 0 with alpha 1, beta 0: 0 at the first idle step (n 9).
 * (d) the threshold, idle_s 0, alpha 0.5, beta 0 (b stays 0): l halves from
 * 2 at each empty step, 1, 0.5, 0.25, 0.125, 0.0625, 0.03125 at n 9..14,
 * i.e. 15, 7.5, 3.75, 1.875, 0.9375, 0.46875 arrivals per step: with
 * idle_arrivals 0.5 idle (and 0) first at n 14, with 2 at n 12.
 */
static void test_idle(void)
{
	struct fx f;
	fx_begin(&f, 4, 30, 1, 0);
	fx_num(&f, "alpha", 1);
	fx_num(&f, "beta", 0);
	if (!fx_init(&f)) {
		fx_end(&f);
		return;
	}
	struct scale_decision d;
	for (int n = 1; n <= 8; n++)
		d = fx_step(&f, n, 2);
	T_EQ_INT(d.desired, 4);
	static const int want_a[] = {1, 1, 1, 1, 0, 0};   /* n 9..14 */
	for (int n = 9; n <= 14; n++) {
		d = fx_step(&f, n, 0);
		T_EQ_INT(d.desired, want_a[n - 9]);
		T_NEAR(observed(&d, "idle"), 15.0 * (n - 9), 1e-9);
	}
	T_STR_CONTAINS(d.reason, "idle");
	f.fn.held_at_zero = 3;
	d = fx_decide(&f, 200);
	T_NEAR(observed(&d, "rate"), 0.2, 1e-12);
	T_EQ_INT(d.desired, 2);
	fx_end(&f);

	fx_begin(&f, 4, 30, 1, 0);
	if (!fx_init(&f)) {
		fx_end(&f);
		return;
	}
	for (int n = 1; n <= 8; n++)
		d = fx_step(&f, n, 2);
	static const int want_b[] = {3, 2, 2, 1, 1, 1, 1, 1, 0}; /* n 9..17 */
	static const double fc_b[] = {1.22, 0.6374, 0.210458, 0};
	for (int n = 9; n <= 17; n++) {
		d = fx_step(&f, n, 0);
		T_EQ_INT(d.desired, want_b[n - 9]);
		if (n <= 12)
			T_NEAR(observed(&d, "forecast"), fc_b[n - 9], 1e-9);
	}
	T_NEAR(observed(&d, "level"), -0.21415540, 1e-8);
	f.fn.held_at_zero = 3;
	d = fx_decide(&f, 260);
	T_EQ_INT(d.desired, 2);
	f.fn.held_at_zero = 0;
	d = fx_step(&f, 18, 0);
	T_NEAR(observed(&d, "level"), -0.23593748, 1e-8);
	fx_end(&f);

	fx_begin(&f, 4, 30, 1, 0);
	fx_num(&f, "alpha", 1);
	fx_num(&f, "beta", 0);
	fx_num(&f, "idle_s", 0);
	if (!fx_init(&f)) {
		fx_end(&f);
		return;
	}
	for (int n = 1; n <= 8; n++)
		d = fx_step(&f, n, 2);
	d = fx_step(&f, 9, 0);
	T_EQ_INT(d.desired, 0);
	fx_end(&f);

	for (int i = 0; i < 2; i++) {
		fx_begin(&f, 4, 30, 1, 0);
		fx_num(&f, "alpha", 0.5);
		fx_num(&f, "beta", 0);
		fx_num(&f, "idle_s", 0);
		fx_num(&f, "idle_arrivals", i ? 2 : 0.5);
		if (!fx_init(&f)) {
			fx_end(&f);
			return;
		}
		for (int n = 1; n <= 8; n++)
			d = fx_step(&f, n, 2);
		int zero_at = i ? 12 : 14;
		for (int n = 9; n <= zero_at; n++) {
			d = fx_step(&f, n, 0);
			T_NEAR(observed(&d, "level"), 2 * pow(0.5, n - 8), 1e-12);
			if (n < zero_at)
				T_TRUE(d.desired >= 1, "n %d: desired %d", n,
				       d.desired);
			else
				T_EQ_INT(d.desired, 0);
		}
		fx_end(&f);
	}
}

/*
 * On/off seasonality (0 and 10/s, P 8), cold start 0 (horizon one step),
 * idle_s 30: after the first season l = 5, s = -5 (off), +5 (on), exact
 * thereafter, so the off steps forecast 0. Third season, off at 17..20:
 *   n 17: forecast of step 18 is 0, no arrivals: idle from 255 -> 1
 *   n 18: idle 15 s -> 1;  n 19: idle 30 s -> 0
 *   n 20: step 21 is on: forecast 10 -> 13 from zero, with no arrival yet
 *         (erlang-c at the same instant: no arrivals in 60 s -> 0)
 */
static void test_prewarm_from_zero(void)
{
	struct fx f;
	fx_begin(&f, 4, 0, 1, 1);
	fx_num(&f, "season_s", 120);
	fx_num(&f, "idle_s", 30);
	if (!fx_init(&f)) {
		fx_end(&f);
		return;
	}
	for (int n = 1; n <= 20; n++) {
		struct scale_decision d = fx_step(&f, n, square(n) == 2 ? 0 : 10);
		if (n == 17 || n == 18)
			T_EQ_INT(d.desired, 1);
		if (n == 19)
			T_EQ_INT(d.desired, 0);
		if (n == 20) {
			T_NEAR(observed(&d, "rate"), 0, 0);
			T_NEAR(observed(&d, "forecast"), 10, 1e-9);
			T_EQ_INT(d.desired, 13);
			T_EQ_INT(f.de.desired, 0);
		}
	}
	fx_end(&f);
}

/*
 * Parameter corners: alpha, beta, gamma in {0, 1}, with and without a
 * season, short and very long horizons, over a rough load (a sine, spikes,
 * silences) and a collapse (10, 5, 0: with alpha = beta = 1 the trend -5
 * forecasts below 0, clamped). Every wish must be a count >= 0 (or -1 =
 * keep), and forecast, c and replicas finite and >= 0.
 */
static double rough(int n)
{
	if (n % 11 < 2)
		return 0;
	return 5 + 5 * sin(n) + (n % 7 == 0 ? 40 : 0);
}

static void test_extremes(void)
{
	int steps = test_quick() ? 30 : 80;
	for (int corner = 0; corner < 32; corner++) {
		struct fx f;
		double cs = corner & 16 ? 1e5 : 0;
		fx_begin(&f, 1, cs, 1, 0);
		f.fn.max_replicas = 200;
		fx_num(&f, "alpha", corner & 1);
		fx_num(&f, "beta", (corner >> 1) & 1);
		fx_num(&f, "gamma", (corner >> 2) & 1);
		fx_num(&f, "season_s", corner & 8 ? 45 : 0);
		fx_num(&f, "idle_arrivals", corner & 4 ? 0 : 1e6);
		fx_num(&f, "max_utilization", corner & 2 ? 0.01 : 1);
		fx_num(&f, "percentile", corner & 1 ? 0.9999 : 0.01);
		if (!fx_init(&f)) {
			fx_end(&f);
			return;
		}
		for (int n = 1; n <= steps; n++) {
			double y = n <= 3 ? 10 - 5 * (n - 1) : rough(n);
			struct scale_decision d = fx_step(&f, n, y);
			T_TRUE(d.desired >= -1, "corner %d step %d: desired %d",
			       corner, n, d.desired);
			double fc = observed(&d, "forecast");
			T_TRUE(isfinite(fc) && fc >= 0, "corner %d step %d: "
			       "forecast %g", corner, n, fc);
			if (d.desired > 0) {
				double c = observed(&d, "c");
				T_TRUE(isfinite(c) && c >= 0, "corner %d step %d: "
				       "c %g", corner, n, c);
			}
			if (n == 3 && corner == 3)   /* l 0, b -5 */
				T_NEAR(fc, 0, 0);
		}
		fx_end(&f);
	}
	/* an infeasible SLO sizes by the utilization cap, as erlang-c:
	 * 10/0.95 -> 11 */
	struct fx f;
	fx_begin(&f, 1, 0, 1, 0);
	fx_num(&f, "slo_latency_s", 1);
	if (fx_init(&f)) {
		struct scale_decision d = fx_step(&f, 1, 10);
		T_EQ_INT(d.desired, 11);
		T_STR_CONTAINS(d.reason, "infeasible");
	}
	fx_end(&f);
}

static void test_bad_params(void)
{
	static const struct { const char *name; double v; const char *msg; }
	k[] = {
		{"season_s", 20, "season_s 20 is 1 decision"},
		{"alpha", NAN, "alpha nan"},
		{"gamma", 1.5, "gamma 1.5"},
	};
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		struct fx f;
		fx_begin(&f, 1, 0, 1, 0);
		fx_num(&f, k[i].name, k[i].v);
		struct err e = {0};
		struct policy_ctx ctx = {
			.nfn = 1, .fn = &f.fn, .params = f.pp, .interval = STEP,
		};
		void *st = f.pol->init(&ctx, &e);
		T_TRUE(st == NULL, "init accepted %s %g", k[i].name, k[i].v);
		T_EQ_INT(e.code, ERR_INPUT);
		T_STR_CONTAINS(e.msg, k[i].msg);
		if (st)
			f.pol->fini(st);
		fx_end(&f);
	}
	/* season_s 25 rounds to 2 steps of 15 s: accepted */
	struct fx f;
	fx_begin(&f, 1, 0, 1, 0);
	fx_num(&f, "season_s", 25);
	T_TRUE(fx_init(&f), "season_s 25 rejected");
	fx_end(&f);
	f.pol->fini(NULL);
}

int test_predictive_register(void)
{
	CU_pSuite s = CU_add_suite("predictive", NULL, NULL);
	if (!s)
		return -1;
	struct { const char *name; void (*fn)(void); } t[] = {
		{"table", test_table},
		{"holt_hand", test_holt_hand},
		{"holt_ramp", test_holt_ramp},
		{"seasonal_hand", test_seasonal_hand},
		{"seasonal_anticipates", test_seasonal_anticipates},
		{"stationary", test_stationary},
		{"coarse_scrape", test_coarse_scrape},
		{"no_metrics", test_no_metrics},
		{"burst_floor", test_burst_floor},
		{"idle", test_idle},
		{"prewarm_from_zero", test_prewarm_from_zero},
		{"extremes", test_extremes},
		{"bad_params", test_bad_params},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!CU_add_test(s, t[i].name, t[i].fn))
			return -1;
	return 0;
}
