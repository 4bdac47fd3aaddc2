/*
 * test_latency_slo: spate's own latency-SLO policy driven directly. A
 * monitor is fed synthetic scrapes of an exact load (per function: lambda(t)
 * arrivals/s, each served in s seconds, so completions = arrivals and busy
 * time = arrivals x s), the DAG is given by fn_view parents/children, and
 * each decision is applied to the views as the engine would (clamped to
 * [min, max], replicas ready at once). Expected counts are worked out by hand
 * from the M/M/c formulas, with C(c, a) from the Erlang-B recursion (tables
 * to 4 decimals in the comments), and checked again against an independent
 * search written here over qt_erlang_c:
 *   w_p = g ln(C/(1-p)) / (c mu - lambda) (0 when C <= 1-p), g = (ca2+cs2)/2
 *   s_p = -ln(1-p)/mu (cs2 = 1), 1/mu (cs2 = 0), gamma quantile otherwise
 *   size = min c with w_p + s_p <= share (min c with C <= 1-p if s_p > share)
 * p = 0.95 throughout: -ln 0.05 = 2.9957.
 * Rules 3a (change point) and 3b (backlog) get a rate step and queue / lag
 * gauges set directly; alpha = Q(4) = 3.167124e-5 there.
 * Model-level cases run the real engine on a 2-stage chain, stationary and
 * under a rate step.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "config.h"
#include "err.h"
#include "model.h"
#include "monitor.h"
#include "param.h"
#include "policy.h"
#include "qtheory.h"
#include "testutil.h"


#define MAXF 4
#define NP 32

struct fx {
	const struct policy *pol;
	int nfn;
	union param_val p[MAXF][NP];
	const union param_val *pp[MAXF];
	struct fn_view fn[MAXF];
	int par[MAXF][MAXF], chi[MAXF][MAXF];
	struct mon *mon;
	void *st;
	double t, scrape;
	double c[MAXF][MON_NMETRICS];
	/* load: lambda(t) = lam + ramp x max(0, t - ramp_t0); s: service time
	 * (0: nothing completes) */
	double lam[MAXF], ramp[MAXF], ramp_t0, s[MAXF];
	struct scale_decision d[MAXF];
	struct cluster_view cl;   /* nodes 0: no cluster */
};

static const char *const names[MAXF] = {"a", "b", "c", "d"};

static void fx_begin(struct fx *f, int nfn, double scrape)
{
	memset(f, 0, sizeof *f);
	f->pol = policy_find("latency-slo");
	CU_ASSERT_FATAL(f->pol != NULL);
	CU_ASSERT_FATAL(f->pol->nparams <= NP);
	f->nfn = nfn;
	f->scrape = scrape;
	for (int i = 0; i < nfn; i++) {
		for (size_t k = 0; k < f->pol->nparams; k++)
			f->p[i][k].num = f->pol->params[k].def;
		f->pp[i] = f->p[i];
		f->fn[i] = (struct fn_view){
			.name = names[i], .managed = 1, .min_replicas = 1,
			.max_replicas = 1000, .target = 1, .ready = 1,
			.concurrency = 1, .memory_mb = 128,
			.parents = f->par[i], .children = f->chi[i],
		};
	}
	f->mon = mon_new(nfn, scrape, 1200);
	CU_ASSERT_FATAL(f->mon != NULL);
}

static void fx_edge(struct fx *f, int from, int to)
{
	struct fn_view *a = &f->fn[from], *b = &f->fn[to];
	f->chi[from][a->nchildren++] = to;
	f->par[to][b->nparents++] = from;
}

static void fx_num(struct fx *f, const char *name, double v)
{
	int k = param_find(f->pol->params, f->pol->nparams, name);
	T_TRUE(k >= 0, "no parameter %s", name);
	for (int i = 0; k >= 0 && i < f->nfn; i++)
		f->p[i][k].num = v;
}

static void fx_set(struct fx *f, int i, int replicas)
{
	f->fn[i].target = f->fn[i].ready = replicas;
}

static double lam_at(const struct fx *f, int i, double t)
{
	return f->lam[i] + f->ramp[i] * fmax(0, t - f->ramp_t0);
}

/* Arrivals over [a, b]: the integral of lambda(t), exact for the ramp. */
static double arrivals(const struct fx *f, int i, double a, double b)
{
	double ua = fmax(0, a - f->ramp_t0), ub = fmax(0, b - f->ramp_t0);
	return f->lam[i] * (b - a) + f->ramp[i] * (ub * ub - ua * ua) / 2;
}

static void fx_push(struct fx *f)
{
	double v[MAXF * MON_NMETRICS] = {0};
	for (int i = 0; i < f->nfn; i++) {
		memcpy(v + i * MON_NMETRICS, f->c[i], sizeof f->c[i]);
		v[i * MON_NMETRICS + MON_READY] = f->fn[i].ready;
		v[i * MON_NMETRICS + MON_INFLIGHT] = lam_at(f, i, f->t) * f->s[i];
	}
	mon_push(f->mon, f->t, v);
}

static void fx_feed(struct fx *f, double t)
{
	while (f->t + f->scrape <= t + 1e-9) {
		double a = f->t, b = f->t + f->scrape;
		for (int i = 0; i < f->nfn; i++) {
			double n = arrivals(f, i, a, b);
			f->c[i][MON_ARRIVALS] += n;
			if (f->s[i] > 0) {
				f->c[i][MON_COMPLETIONS] += n;
				f->c[i][MON_BUSY_TIME] += n * f->s[i];
				f->c[i][MON_READY_BUSY_TIME] += n * f->s[i];
			}
			f->c[i][MON_READY_TIME] += f->fn[i].ready * f->scrape;
		}
		f->t = b;
		fx_push(f);
	}
}

static int fx_init(struct fx *f)
{
	struct err e = {0};
	struct policy_ctx ctx = {
		.nfn = f->nfn, .fn = f->fn, .params = f->pp, .interval = 15,
	};
	fx_push(f);
	f->st = f->pol->init(&ctx, &e);
	T_TRUE(f->st != NULL, "init failed: %s", e.msg);
	return f->st != NULL;
}

/* One round at `now`, applied to the views as the engine would. */
static void fx_decide(struct fx *f, double now)
{
	fx_feed(f, now);
	for (int i = 0; i < f->nfn; i++)
		f->d[i] = (struct scale_decision){.desired = -1};
	struct scale_view v = {.now = now, .nfn = f->nfn, .fn = f->fn,
			       .mon = f->mon, .cluster = &f->cl};
	f->pol->decide(f->st, &v, f->d);
	for (int i = 0; i < f->nfn; i++) {
		int w = f->d[i].desired;
		if (w < 0 || !f->fn[i].managed)
			continue;
		if (w < f->fn[i].min_replicas)
			w = f->fn[i].min_replicas;
		if (w > f->fn[i].max_replicas)
			w = f->fn[i].max_replicas;
		fx_set(f, i, w);
	}
}

static void fx_end(struct fx *f)
{
	if (f->st)
		f->pol->fini(f->st);
	mon_free(f->mon);
}

/* Independent M/G/c size (replicas of one slot): the search the header
 * comment states, over qt_erlang_c. */
static int theory_size(double lambda, double mu, double share, double g,
		       double sp)
{
	double target = sp > share ? sp : share;
	for (int c = (int)floor(lambda / mu) + 1; c < 100000; c++) {
		double C = qt_erlang_c(c, lambda / mu);
		double x = log(C / 0.05);
		double w = x > 0 ? g * x / (c * mu - lambda) : 0;
		if (w + sp <= target)
			return c;
	}
	return -1;
}

static int mmc_size(double lambda, double mu, double share)
{
	return theory_size(lambda, mu, share, 1, -log(0.05) / mu);
}

/* --- rule 1: the budget split -------------------------------------------- */

static void test_budget_chain(void)
{
	/* a -> b -> c with s = 0.1, 0.2, 0.3 s, slo 2 s: S = 0.6 s, so the
	 * shares are 2 x 0.1/0.6 = 1/3, 2 x 0.2/0.6 = 2/3, 2 x 0.3/0.6 = 1 */
	struct fx f;
	fx_begin(&f, 3, 15);
	fx_edge(&f, 0, 1);
	fx_edge(&f, 1, 2);
	double s[] = {0.1, 0.2, 0.3};
	for (int i = 0; i < 3; i++) {
		f.lam[i] = 1;
		f.s[i] = s[i];
	}
	if (fx_init(&f)) {
		fx_decide(&f, 60);
		T_NEAR(test_observed(&f.d[0], "share"), 2.0 / 3 * 0.5, 1e-9);
		T_NEAR(test_observed(&f.d[1], "share"), 2.0 / 3, 1e-9);
		T_NEAR(test_observed(&f.d[2], "share"), 1.0, 1e-9);
		T_NEAR(test_observed(&f.d[1], "service_time"), 0.2, 1e-12);
		T_STR_CONTAINS(f.d[1].reason, "share 0.667s");
	}
	fx_end(&f);
}

static void test_budget_even_and_partial(void)
{
	/* no completion yet: every s_i = 1, an even split, 2/3 each */
	struct fx f;
	fx_begin(&f, 3, 15);
	fx_edge(&f, 0, 1);
	fx_edge(&f, 1, 2);
	for (int i = 0; i < 3; i++)
		f.lam[i] = 1;
	if (fx_init(&f)) {
		fx_decide(&f, 60);
		for (int i = 0; i < 3; i++) {
			T_NEAR(test_observed(&f.d[i], "share"), 2.0 / 3, 1e-12);
			/* nothing to size with: the count is kept */
			T_EQ_INT(f.d[i].desired, -1);
		}
		/* a and b measured (0.1, 0.2), c not: c takes their mean 0.15,
		 * S = 0.45: shares 2x0.1/0.45, 2x0.2/0.45, 2x0.15/0.45 */
		f.s[0] = 0.1;
		f.s[1] = 0.2;
		fx_decide(&f, 75);
		T_NEAR(test_observed(&f.d[0], "share"), 0.2 / 0.45, 1e-9);
		T_NEAR(test_observed(&f.d[1], "share"), 0.4 / 0.45, 1e-9);
		T_NEAR(test_observed(&f.d[2], "share"), 0.3 / 0.45, 1e-9);
	}
	fx_end(&f);
}

static void test_budget_diamond(void)
{
	/* a -> {b, c} -> d, s = 0.1, 0.2, 0.4, 0.1, slo 2. Paths: a-b-d 0.4 s,
	 * a-c-d 0.6 s. The tightest share of each function is over its
	 * heaviest path: a 2x0.1/0.6 = 1/3 (not 2x0.1/0.4 = 1/2), b 2x0.2/0.4
	 * = 1, c 2x0.4/0.6 = 4/3, d 1/3. Both paths stay within the slo:
	 * a-b-d 1/3 + 1 + 1/3 = 5/3, a-c-d 1/3 + 4/3 + 1/3 = 2. */
	struct fx f;
	fx_begin(&f, 4, 15);
	fx_edge(&f, 0, 1);
	fx_edge(&f, 0, 2);
	fx_edge(&f, 1, 3);
	fx_edge(&f, 2, 3);
	double s[] = {0.1, 0.2, 0.4, 0.1};
	for (int i = 0; i < 4; i++) {
		f.lam[i] = 1;
		f.s[i] = s[i];
	}
	if (fx_init(&f)) {
		fx_decide(&f, 60);
		double want[] = {1.0 / 3, 1, 4.0 / 3, 1.0 / 3};
		for (int i = 0; i < 4; i++)
			T_NEAR(test_observed(&f.d[i], "share"), want[i], 1e-9);
		T_NEAR(test_observed(&f.d[0], "share") + test_observed(&f.d[2], "share") +
		       test_observed(&f.d[3], "share"), 2, 1e-9);
	}
	fx_end(&f);
}

/* The chain a (s 0.1) -> b (s 0.5), 10/s into both, one replica each. */
static void chain_begin(struct fx *f)
{
	fx_begin(f, 2, 15);
	fx_edge(f, 0, 1);
	f->lam[0] = f->lam[1] = 10;
	f->s[0] = 0.1;
	f->s[1] = 0.5;
}

/* --- rule 2: sizing ------------------------------------------------------------ */

static void test_stationary_size(void)
{
	/*
	 * a (s 0.1, mu 10) -> b (s 0.5, mu 2), lambda 10/s into both, slo 2:
	 * shares 1/3 and 5/3 s; cs2 = ca2 = 1 (M/M/c).
	 * a: a = 1, s_p = 0.2996, w_p <= 0.0338:
	 *   c 2: C 0.3333, w_p 0.1897, L 0.4893
	 *   c 3: C 0.0909, w_p 0.0299, L 0.3295 <= 0.3333   -> 3
	 * b: a = 5, s_p = 1.4979, w_p <= 0.1688:
	 *   c 7: C 0.3241, w_p 0.4673, L 1.9652
	 *   c 8: C 0.1673, w_p 0.2013, L 1.6991 > 1.6667
	 *   c 9: C 0.0805, w_p 0.0595, L 1.5574              -> 9
	 * From one replica each the first round goes to 3 and 9; the load is
	 * stationary, so every later round keeps them (theory, not theory+1).
	 */
	struct fx f;
	chain_begin(&f);
	if (fx_init(&f)) {
		T_EQ_INT(mmc_size(10, 10, 1.0 / 3), 3);
		T_EQ_INT(mmc_size(10, 2, 5.0 / 3), 9);
		fx_decide(&f, 60);
		T_EQ_INT(f.d[0].desired, 3);
		T_EQ_INT(f.d[1].desired, 9);
		T_NEAR(test_observed(&f.d[1], "pred_p"), 1.5574, 5e-5);
		T_NEAR(test_observed(&f.d[1], "c_needed"), 9, 0);
		T_NEAR(test_observed(&f.d[1], "lambda"), 10, 1e-9);
		for (double t = 75; t <= 900; t += 15) {
			fx_decide(&f, t);
			T_EQ_INT(f.fn[0].target, 3);
			T_EQ_INT(f.fn[1].target, 9);
		}
		T_EQ_INT(f.d[1].desired, -1);
	}
	fx_end(&f);
}

/*
 * Rule 8 on b of test_stationary_size (lambda 10/s, s 0.5, share 5/3 s):
 * 2 slow replicas leave the pool a mean speed of 0.8, so a slot serves
 * 1.6/s, while the service quantile stays the nominal s_p = 1.4979 s:
 *   c  9: C 0.2360, w_p 0.3526, L 1.8505
 *   c 10: C 0.1257, w_p 0.1536, L 1.6514 <= 1.6667   -> 10 (9 at speed 1)
 * With the parameter off, or no slow replica reported, it stays 9.
 */
static void test_stragglers_size(void)
{
	for (int k = 0; k < 3; k++) {
		struct fx f;
		chain_begin(&f);
		f.fn[1].slow_replicas = k == 2 ? 0 : 2;
		f.fn[1].mean_speed = 0.8;
		if (k == 1)
			fx_num(&f, "stragglers", 0);
		if (fx_init(&f)) {
			T_EQ_INT(theory_size(10, 1.6, 5.0 / 3, 1, -log(0.05) / 2),
				 10);
			fx_decide(&f, 60);
			T_EQ_INT(f.d[0].desired, 3);
			T_EQ_INT(f.d[1].desired, k == 0 ? 10 : 9);
			T_NEAR(test_observed(&f.d[1], "pred_p"),
			       k == 0 ? 1.6514 : 1.5574, 5e-5);
			if (k == 0) {
				T_NEAR(test_observed(&f.d[1], "speed_factor"),
				       0.8, 1e-12);
				T_STR_CONTAINS(f.d[1].reason, "(2 slow, speed 0.8)");
			} else {
				T_TRUE(isnan(test_observed(&f.d[1], "speed_factor")),
				       "speed_factor reported at speed 1");
			}
		}
		fx_end(&f);
	}
}

/*
 * Rule 7 with nodes: test_stationary_size's a and b want 3 and 9 replicas,
 * and 8 node slots hold neither 12 (b's replicas taking 1 slot) nor 21
 * (2 slots). Cuts go one replica at a time to the function left with the
 * most relative slack: b's first cuts cost it little (L_b(8) = 1.70 against
 * a share of 1.67), a's one cut to 2 costs -47% (L_a(2) = 0.49 against
 * 0.33), a second would make a unstable. So 2 + 6 = 8 slots, and with 2
 * slots per b replica 2 + 2 x 3 = 8.
 */
static void test_cluster_cap(void)
{
	for (int slots = 1; slots <= 2; slots++) {
		struct fx f;
		chain_begin(&f);
		f.fn[0].node_slots = 1;
		f.fn[1].node_slots = slots;
		f.cl = (struct cluster_view){.nodes = 8, .nodes_up = 8,
					     .slots_total = 8, .slots_free = 6};
		if (fx_init(&f)) {
			fx_decide(&f, 60);
			long used = f.d[0].desired + (long)slots * f.d[1].desired;
			T_EQ_INT((int)used, 8);
			T_EQ_INT(f.d[0].desired, 2);
			T_EQ_INT(f.d[1].desired, slots == 1 ? 6 : 3);
			T_STR_CONTAINS(f.d[1].reason, " node slots: -");
		}
		fx_end(&f);
	}
}

static void test_concurrency(void)
{
	/* b alone (slo 5/3 = its share): 9 slots needed; 4 slots per
	 * replica -> ceil(9/4) = 3 replicas */
	struct fx f;
	fx_begin(&f, 1, 15);
	f.lam[0] = 10;
	f.s[0] = 0.5;
	f.fn[0].concurrency = 4;
	fx_num(&f, "slo_s", 5.0 / 3);
	if (fx_init(&f)) {
		fx_decide(&f, 60);
		T_EQ_INT(f.d[0].desired, 3);
		T_NEAR(test_observed(&f.d[0], "c_needed"), 12, 0);
		/* L at 12 slots: C(12, 5) = 0.0059 < 0.05: no wait, s_p only */
		T_NEAR(test_observed(&f.d[0], "pred_p"), -log(0.05) / 2, 1e-9);
	}
	fx_end(&f);
}

static void test_allen_cunneen(void)
{
	/*
	 * One function, lambda 10, s 0.5 (a = 5), ca2 = 1.
	 * cs2 = 0, slo 0.8: g = 0.5, s_p = 1/mu = 0.5:
	 *   c 6: w_p = 0.5 x 1.2319 = 0.6160, L 1.1160
	 *   c 7: w_p = 0.5 x 0.4673 = 0.2336, L 0.7336 <= 0.8   -> 7
	 * cs2 = 1, slo 0.8: s_p 1.4979 > 0.8, infeasible: min c with C <= 0.05
	 *   C(9, 5) = 0.0805, C(10, 5) = 0.0361                   -> 10
	 * cs2 = 2, slo 3: g = 1.5; the gamma of shape 1/2 is a scaled chi-square
	 *   with 1 degree of freedom: s_p = 0.5 x 3.8415 = 1.9207:
	 *   c 6: w_p = 1.5 x 1.2319 = 1.8479, L 3.7686
	 *   c 7: w_p = 1.5 x 0.4673 = 0.7009, L 2.6217 <= 3      -> 7
	 * and M/M/c (cs2 = 1) at slo 3: c 6: L 1.2319 + 1.4979 = 2.7298 -> 6.
	 */
	struct { double cs2, slo; int want; double sp; } cases[] = {
		{0, 0.8, 7, 0.5}, {1, 0.8, 10, 1.4979}, {2, 3, 7, 1.9207},
		{1, 3, 6, 1.4979},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct fx f;
		fx_begin(&f, 1, 15);
		f.lam[0] = 10;
		f.s[0] = 0.5;
		fx_num(&f, "cs2", cases[k].cs2);
		fx_num(&f, "slo_s", cases[k].slo);
		if (fx_init(&f)) {
			fx_decide(&f, 60);
			T_EQ_INT(f.d[0].desired, cases[k].want);
			double g = (1 + cases[k].cs2) / 2;
			T_EQ_INT(theory_size(10, 2, cases[k].slo, g, cases[k].sp),
				 cases[k].want);
			if (cases[k].want == 10)
				T_STR_CONTAINS(f.d[0].reason, "> share");
		}
		fx_end(&f);
	}
}

/* --- rule 3: the forecast ------------------------------------------------------- */

/*
 * 10/s until t = 300, then +0.2/s per second; s = 0.1 (mu 10), slo 0.35,
 * cold start 60 s. From t = 420 on, every rate point of the 120-s fit lies
 * on the ramp, so the fit is exact and the forecast is lambda(t + 60):
 *   t 420: lambda_now (60-s mean) = lambda(390) = 28, forecast lambda(480) = 46
 *   t 450: lambda_now = 34, forecast lambda(510) = 52
 * Sizes (share 0.35, s_p 0.2996, w_p <= 0.0504):
 *   lambda 28..34: c 6 (34: C 0.1595, w_p 0.0446, L 0.3442; c 5: L 0.4206)
 *   lambda 46: c 8 (C 0.1150, w_p 0.0245; c 7: L 0.3643)
 *   lambda 52: c 8 (C 0.1983, w_p 0.0492, L 0.3488; c 7: L 0.4114)
 * With the forecast the count covers lambda(t + 60) at t: 8 replicas at
 * t = 420, when the rate is 34/s and 6 would do now. Without it (trend
 * window 0) the count follows lambda_now: 6.
 */
static void ramp_run(struct fx *f, int trend)
{
	fx_begin(f, 1, 15);
	f->lam[0] = 10;
	f->ramp[0] = 0.2;
	f->ramp_t0 = 300;
	f->s[0] = 0.1;
	f->fn[0].cold_start_s = 60;
	fx_num(f, "slo_s", 0.35);
	if (!trend)
		fx_num(f, "trend_window_s", 0);
	if (!fx_init(f))
		return;
	for (double t = 15; t <= 405; t += 15)
		fx_decide(f, t);
}

static void test_trend_forecast(void)
{
	struct fx f;
	ramp_run(&f, 1);
	if (f.st) {
		T_EQ_INT(mmc_size(28, 10, 0.35), 6);
		T_EQ_INT(mmc_size(34, 10, 0.35), 6);
		T_EQ_INT(mmc_size(46, 10, 0.35), 8);
		T_EQ_INT(mmc_size(52, 10, 0.35), 8);
		fx_decide(&f, 420);
		T_NEAR(test_observed(&f.d[0], "lambda"), 28, 1e-9);
		T_NEAR(test_observed(&f.d[0], "forecast"), 46, 1e-6);
		T_NEAR(test_observed(&f.d[0], "slope"), 0.2, 1e-9);
		T_EQ_INT(f.fn[0].target, 8);
		fx_decide(&f, 450 - 15);
		fx_decide(&f, 450);
		T_NEAR(test_observed(&f.d[0], "forecast"), 52, 1e-6);
		T_EQ_INT(f.fn[0].target, 8);
	}
	fx_end(&f);
	ramp_run(&f, 0);
	if (f.st) {
		fx_decide(&f, 420);
		T_NEAR(test_observed(&f.d[0], "forecast"), 28, 1e-9);
		T_EQ_INT(f.fn[0].target, 6);
		fx_decide(&f, 435);
		fx_decide(&f, 450);
		T_EQ_INT(f.fn[0].target, 6);
	}
	fx_end(&f);
}

static void test_trend_noise_and_fall(void)
{
	/* Stationary but noisy rate points (+-1/s alternating around 20/s):
	 * the fitted slope is within trend_z standard errors of 0, so the
	 * forecast is lambda_now (window 60 s = 4 points, mean 20). */
	struct fx f;
	fx_begin(&f, 1, 15);
	f.lam[0] = 20;
	f.s[0] = 0.1;
	f.fn[0].cold_start_s = 60;
	if (fx_init(&f)) {
		for (int k = 1; k <= 40; k++) {
			f.lam[0] = 20 + (k % 2 ? 1 : -1);
			fx_decide(&f, 15.0 * k);
		}
		T_NEAR(test_observed(&f.d[0], "forecast"),
		       test_observed(&f.d[0], "lambda"), 0);
		T_NEAR(test_observed(&f.d[0], "lambda"), 20, 1e-9);
	}
	fx_end(&f);
	/* Falling: 40/s at 300 going down 0.2/s; a 2-replica function
	 * (s 0.1, slo 0.35) under-sized for lambda_now but not for the rate
	 * once a new replica could be ready (cold start 60 s): at t = 420,
	 * lambda_now = lambda(390) = 22 (needs 5: c 4 L 0.3836, c 5 L 0.3181),
	 * forecast lambda(480) = 4 (needs 2: C(1, 0.4) = 0.4, c 1 L 0.6461;
	 * c 2: C 0.0667, w_p 0.0180, L 0.3176). A start would land after the
	 * need: nothing is started and the 2 replicas are kept. */
	fx_begin(&f, 1, 15);
	f.lam[0] = 40;
	f.ramp[0] = -0.2;
	f.ramp_t0 = 300;
	f.s[0] = 0.1;
	f.fn[0].cold_start_s = 60;
	fx_set(&f, 0, 8);
	fx_num(&f, "slo_s", 0.35);
	fx_num(&f, "scale_down_delay_s", 1e5);   /* no removal here */
	if (fx_init(&f)) {
		for (double t = 15; t <= 405; t += 15)
			fx_decide(&f, t);
		fx_set(&f, 0, 2);
		fx_decide(&f, 420);
		T_NEAR(test_observed(&f.d[0], "lambda"), 22, 1e-9);
		T_NEAR(test_observed(&f.d[0], "forecast"), 4, 1e-6);
		T_NEAR(test_observed(&f.d[0], "replicas_needed"), 5, 0);
		T_NEAR(test_observed(&f.d[0], "replicas_needed_up"), 2, 0);
		T_EQ_INT(f.d[0].desired, -1);
		T_STR_CONTAINS(f.d[0].reason, "before a start");
		T_EQ_INT(mmc_size(22, 10, 0.35), 5);
		T_EQ_INT(mmc_size(4, 10, 0.35), 2);
	}
	fx_end(&f);
}

/* --- rule 4: the cost of scaling ----------------------------------------------- */

static void test_scale_cost(void)
{
	/*
	 * One function, lambda 10, s 0.5, slo 5/3: needs 9 (L(8) = 1.6991 >
	 * 1.6667, L(9) = 1.5574). At 8 replicas the step to 9 gains 0.1417 s:
	 * with scale_cost_s 0.2 it is not worth it, with 0.1 it is. At 6
	 * replicas (L 2.7298) the gain 1.1724 s beats 0.2; at 5 (c = a) the
	 * function cannot keep up and always scales.
	 */
	struct { double cost; int from, want; } cases[] = {
		{0.2, 8, -1}, {0.1, 8, 9}, {0.2, 6, 9}, {100, 5, 9}, {0, 8, 9},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct fx f;
		fx_begin(&f, 1, 15);
		f.lam[0] = 10;
		f.s[0] = 0.5;
		fx_set(&f, 0, cases[k].from);
		fx_num(&f, "slo_s", 5.0 / 3);
		fx_num(&f, "scale_cost_s", cases[k].cost);
		if (fx_init(&f)) {
			fx_decide(&f, 60);
			T_EQ_INT(f.d[0].desired, cases[k].want);
			if (cases[k].want < 0)
				T_STR_CONTAINS(f.d[0].reason, "gain 0.142s");
		}
		fx_end(&f);
	}
}

/* --- rule 5: hysteresis ---------------------------------------------------------- */

/*
 * s 0.1, slo 0.35, window 15 s (lambda_now = the last interval), no
 * forecast: lambda 20 needs 5 (c 4: L 0.3619, c 5: L 0.3055), lambda 10
 * needs 3 (c 2: L 0.4893, c 3: L 0.3295).
 */
static void test_hysteresis(void)
{
	struct fx f;
	fx_begin(&f, 1, 15);
	f.lam[0] = 20;
	f.s[0] = 0.1;
	fx_num(&f, "slo_s", 0.35);
	fx_num(&f, "window_s", 15);
	fx_num(&f, "trend_window_s", 0);
	if (!fx_init(&f)) {
		fx_end(&f);
		return;
	}
	T_EQ_INT(mmc_size(20, 10, 0.35), 5);
	T_EQ_INT(mmc_size(10, 10, 0.35), 3);
	for (double t = 15; t <= 300; t += 15)
		fx_decide(&f, t);
	T_EQ_INT(f.fn[0].target, 5);
	/* a 30-s dip to 10/s over (300, 330]: rounds 315 and 330 see 10/s */
	f.lam[0] = 10;
	fx_decide(&f, 315);
	T_NEAR(test_observed(&f.d[0], "replicas_needed"), 3, 0);
	T_EQ_INT(f.d[0].desired, -1);
	fx_decide(&f, 330);
	T_EQ_INT(f.d[0].desired, -1);
	f.lam[0] = 20;
	for (double t = 345; t <= 600; t += 15) {
		fx_decide(&f, t);
		T_EQ_INT(f.fn[0].target, 5);
	}
	/* a lasting fall from 600: rounds from 615 need 3; the record of 600
	 * (need 5) leaves the 60-s window after 660, so the first removal is
	 * at 675, one step, then one per round down to 3 */
	f.lam[0] = 10;
	for (double t = 615; t <= 660; t += 15) {
		fx_decide(&f, t);
		T_EQ_INT(f.fn[0].target, 5);
	}
	fx_decide(&f, 675);
	T_EQ_INT(f.d[0].desired, 4);
	T_STR_CONTAINS(f.d[0].reason, "down -> 4");
	fx_decide(&f, 690);
	T_EQ_INT(f.d[0].desired, 3);
	fx_decide(&f, 705);
	T_EQ_INT(f.d[0].desired, -1);
	T_EQ_INT(f.fn[0].target, 3);
	fx_end(&f);

	/* scale_down_step 5: the same fall removes both at once at 675 */
	fx_begin(&f, 1, 15);
	f.lam[0] = 20;
	f.s[0] = 0.1;
	fx_num(&f, "slo_s", 0.35);
	fx_num(&f, "window_s", 15);
	fx_num(&f, "trend_window_s", 0);
	fx_num(&f, "scale_down_step", 5);
	if (fx_init(&f)) {
		for (double t = 15; t <= 600; t += 15)
			fx_decide(&f, t);
		f.lam[0] = 10;
		for (double t = 615; t <= 675; t += 15)
			fx_decide(&f, t);
		T_EQ_INT(f.fn[0].target, 3);
	}
	fx_end(&f);
}

/* --- rule 6: scale to zero and wake ----------------------------------------------- */

static void test_idle_zero_wake(void)
{
	/* lambda 5, s 0.1, slo 0.35: 2 replicas (c 1: L 0.7601; c 2: C 0.1,
	 * w_p 0.0462, L 0.3458). No arrival after 300: the scrape at 300 was
	 * the last with new arrivals (and work in flight), so the function is
	 * idle from 300; it keeps one replica (need floor 1 after the delay)
	 * and goes to 0 at 300 + idle_s = 600. */
	struct fx f;
	fx_begin(&f, 1, 15);
	f.lam[0] = 5;
	f.s[0] = 0.1;
	f.fn[0].min_replicas = 0;
	fx_num(&f, "slo_s", 0.35);
	if (!fx_init(&f)) {
		fx_end(&f);
		return;
	}
	for (double t = 15; t <= 300; t += 15)
		fx_decide(&f, t);
	T_EQ_INT(f.fn[0].target, 2);
	f.lam[0] = 0;
	for (double t = 315; t <= 585; t += 15) {
		fx_decide(&f, t);
		T_TRUE(f.fn[0].target >= 1, "t %g: target %d", t, f.fn[0].target);
	}
	T_EQ_INT(f.fn[0].target, 1);
	fx_decide(&f, 600);
	T_EQ_INT(f.d[0].desired, 0);
	T_STR_CONTAINS(f.d[0].reason, "idle 300s");
	fx_decide(&f, 615);
	T_EQ_INT(f.fn[0].target, 0);
	/* a request at zero: the engine's wake round at 640 (between scrapes)
	 * with 3 held: load 3/60 per s, the remembered s 0.1 -> 1 replica */
	f.fn[0].held_at_zero = 3;
	fx_decide(&f, 640);
	T_EQ_INT(f.d[0].desired, 1);
	T_NEAR(test_observed(&f.d[0], "lambda"), 3.0 / 60, 1e-12);
	f.fn[0].held_at_zero = 0;
	/* woken: not idle again until 640 + 300 */
	fx_decide(&f, 645);
	T_TRUE(f.fn[0].target >= 1, "target %d", f.fn[0].target);
	fx_decide(&f, 930);
	T_EQ_INT(f.fn[0].target, 1);
	fx_decide(&f, 945);
	T_EQ_INT(f.fn[0].target, 0);
	fx_end(&f);
	T_EQ_INT(policy_find("latency-slo")->wake_from_zero, 1);
}

static void test_zero_without_load_stays(void)
{
	/* starting at zero with no load: no replica is started */
	struct fx f;
	fx_begin(&f, 1, 15);
	f.fn[0].min_replicas = 0;
	fx_set(&f, 0, 0);
	f.s[0] = 0.1;
	if (fx_init(&f)) {
		for (double t = 15; t <= 120; t += 15) {
			fx_decide(&f, t);
			T_EQ_INT(f.fn[0].target, 0);
		}
	}
	fx_end(&f);
}

/* --- rule 7: the cluster cap ---------------------------------------------------- */

static void test_capacity_cap(void)
{
	/*
	 * a (s 0.1) -> b (s 0.2) -> c (s 0.1), lambda 20, slo 2: shares 0.5,
	 * 1, 0.5. Needs: a, c 4 (c 3: L 0.5181; c 4: 0.3619); b 6 (c 5: L
	 * 1.0802; c 6: 0.7731). b starts at 9 and has no history, so it keeps
	 * 9: 4 + 9 + 4 = 17 against a cap of 13. Relative slack after removing
	 * one, (share - L(n-1))/share:
	 *   b 9->8: L 0.6075, 0.3925   a, c 4->3: (0.5-0.5181)/0.5 = -0.0362
	 *   b 8->7: L 0.6654, 0.3346
	 *   b 7->6: L 0.7731, 0.2269
	 *   b 6->5: L 1.0802, -0.0802 < -0.0362: a or c; tie, same count:
	 *           the lower index, a -> 3
	 * Result a 3, b 6, c 4.
	 */
	struct fx f;
	fx_begin(&f, 3, 15);
	fx_edge(&f, 0, 1);
	fx_edge(&f, 1, 2);
	double s[] = {0.1, 0.2, 0.1};
	for (int i = 0; i < 3; i++) {
		f.lam[i] = 20;
		f.s[i] = s[i];
	}
	fx_set(&f, 0, 4);
	fx_set(&f, 1, 9);
	fx_set(&f, 2, 4);
	fx_num(&f, "max_total_replicas", 13);
	if (fx_init(&f)) {
		fx_decide(&f, 60);
		T_EQ_INT(f.d[0].desired, 3);
		T_EQ_INT(f.d[1].desired, 6);
		T_EQ_INT(f.d[2].desired, -1);   /* c keeps its 4 */
		T_EQ_INT(f.fn[2].target, 4);
		T_STR_CONTAINS(f.d[1].reason, "cap 13: -3 -> 6");
		T_STR_CONTAINS(f.d[0].reason, "cap 13: -1 -> 3");
	}
	fx_end(&f);

	/* without a cap the same round keeps 4, 9, 4 */
	fx_begin(&f, 3, 15);
	fx_edge(&f, 0, 1);
	fx_edge(&f, 1, 2);
	for (int i = 0; i < 3; i++) {
		f.lam[i] = 20;
		f.s[i] = s[i];
	}
	fx_set(&f, 0, 4);
	fx_set(&f, 1, 9);
	fx_set(&f, 2, 4);
	if (fx_init(&f)) {
		fx_decide(&f, 60);
		T_EQ_INT(f.fn[0].target, 4);
		T_EQ_INT(f.fn[1].target, 9);
		T_EQ_INT(f.fn[2].target, 4);
	}
	fx_end(&f);

	/* ties: two functions without load (slack 1 each, they keep their
	 * counts on a first round) at 2 and 3 against a cap of 4: the larger
	 * count gives up the replica -> 2 and 2 */
	fx_begin(&f, 2, 15);
	fx_edge(&f, 0, 1);
	f.s[0] = f.s[1] = 0.1;
	fx_set(&f, 0, 2);
	fx_set(&f, 1, 3);
	fx_num(&f, "max_total_replicas", 4);
	if (fx_init(&f)) {
		fx_decide(&f, 60);
		T_EQ_INT(f.fn[0].target, 2);
		T_EQ_INT(f.fn[1].target, 2);
	}
	fx_end(&f);

	/* a cap below the minimums: everything at min_replicas 2, said so */
	fx_begin(&f, 2, 15);
	fx_edge(&f, 0, 1);
	for (int i = 0; i < 2; i++) {
		f.lam[i] = 20;
		f.s[i] = 0.1;
		f.fn[i].min_replicas = 2;
	}
	fx_num(&f, "max_total_replicas", 3);
	if (fx_init(&f)) {
		fx_decide(&f, 60);
		T_EQ_INT(f.d[0].desired, 2);
		T_EQ_INT(f.d[1].desired, 2);
		T_STR_CONTAINS(f.d[1].reason, "exceeded by 1");
	}
	fx_end(&f);
}

/* --- rule 3a: the change point ------------------------------------------------ */

/*
 * One function (s 0.1, mu 10, slo 0.35), 5/s until t = 300, then 20/s.
 * Sizes: 5/s needs 2 (c 1: L 0.7601; c 2: L 0.3458), 20/s needs 5
 * (c 4: L 0.3619, c 5: L 0.3055), and the 60-s mean at t = 315,
 * (45 x 5 + 15 x 20)/60 = 8.75/s, needs 3 (c 2: C 0.2579, w_p 0.1021,
 * L 0.4017; c 3: L 0.3079).
 * At 315 the last interval holds N = 300 arrivals; the 7 earlier rate
 * points of the 120-s trend window (midpoints 202.5 .. 292.5) are all 5/s,
 * so the weighted line is flat at 5 and its variance one interval past them
 * is (5/15) x (1/7 + 60^2/6300) = (1/3) x 0.714286: rel = 0.714286,
 *   z = 2 (sqrt(300.375) - sqrt(75.375)) / sqrt(1.714286)
 *     = 2 (17.331330 - 8.681878) / 1.309307 = 13.2123 > change_z 4,
 * so lambda_now is the rate since 300: 20/s, and 5 replicas at once (the
 * window mean would give 3). At 330 and 345 the forecast uses only the
 * post-change points (flat 20/s): no slope, forecast = lambda = 20. A fit
 * through the step would have a significant slope and forecast above 20.
 */
static void test_change_point(void)
{
	struct fx f;
	fx_begin(&f, 1, 15);
	f.lam[0] = 5;
	f.s[0] = 0.1;
	f.fn[0].cold_start_s = 10;
	fx_num(&f, "slo_s", 0.35);
	if (!fx_init(&f)) {
		fx_end(&f);
		return;
	}
	T_EQ_INT(mmc_size(5, 10, 0.35), 2);
	T_EQ_INT(mmc_size(8.75, 10, 0.35), 3);
	T_EQ_INT(mmc_size(20, 10, 0.35), 5);
	for (double t = 15; t <= 300; t += 15) {
		fx_decide(&f, t);
		T_TRUE(test_observed(&f.d[0], "jump_z") < 4, "t %g: z %g", t,
		       test_observed(&f.d[0], "jump_z"));
	}
	T_EQ_INT(f.fn[0].target, 2);
	f.lam[0] = 20;
	fx_decide(&f, 315);
	T_NEAR(test_observed(&f.d[0], "jump_z"), 13.2123, 1e-4);
	T_NEAR(test_observed(&f.d[0], "lambda"), 20, 1e-9);
	T_EQ_INT(f.d[0].desired, 5);
	T_STR_CONTAINS(f.d[0].reason, "step z 13.2");
	fx_decide(&f, 330);
	T_NEAR(test_observed(&f.d[0], "lambda"), 20, 1e-9);
	T_NEAR(test_observed(&f.d[0], "forecast"), 20, 1e-9);
	T_NEAR(test_observed(&f.d[0], "jump_z"), 0, 1e-9);
	fx_decide(&f, 345);
	T_NEAR(test_observed(&f.d[0], "forecast"), 20, 1e-9);
	T_EQ_INT(f.fn[0].target, 5);
	fx_end(&f);
}

/* --- rule 3b: the backlog ---------------------------------------------------- */

/*
 * One function, lambda 10/s, s 0.5 (mu 2), slo 5/3 (its share): the
 * steady size is 9 (test_stationary_size). The stationary queue at 9:
 * C(9, 5) = 0.080510, rho = 5/9, alpha = Q(4) = 3.167124e-5:
 *   Q_alpha = ln(0.080510 / 3.167124e-5) / ln(9/5) = 7.840732 / 0.587787
 *           = 13.3394.
 * T_D = 1 x 5/3, so n_drain = ceil((10 + 0.6 B_ex) / 2) = ceil(0.3 B + 0.998)
 * with B_ex = B - 13.3394 (no cold start: B_tau = B):
 *   B  26: B_ex 12.6606, 17.5963/s, 8.798 slots -> 9: the spare capacity
 *          of the steady 9 drains it, nothing added
 *   B  27: B_ex 13.6606, 18.1963/s, 9.098 -> 10
 *   B 105: B_ex 91.6606, 64.9963/s, 32.498 -> 33
 * While it is there the 33 are kept; then the queue is gone: the 24 replicas
 * added for drains (1 + 23) leave at once, back to 9 (rule 5's delay and
 * step would keep 32).
 */
static void backlog_begin(struct fx *f)
{
	fx_begin(f, 1, 15);
	f->lam[0] = 10;
	f->s[0] = 0.5;
	fx_set(f, 0, 9);
	fx_num(f, "slo_s", 5.0 / 3);
}

static void test_backlog_size(void)
{
	struct fx f;
	backlog_begin(&f);
	if (!fx_init(&f)) {
		fx_end(&f);
		return;
	}
	for (double t = 15; t <= 60; t += 15) {
		fx_decide(&f, t);
		T_EQ_INT(f.fn[0].target, 9);
		T_NEAR(test_observed(&f.d[0], "backlog"), 0, 0);
	}
	f.c[0][MON_QUEUE] = 26;
	fx_decide(&f, 75);
	T_NEAR(test_observed(&f.d[0], "backlog"), 26 - 13.3394, 1e-4);
	T_EQ_INT(f.d[0].desired, -1);
	f.c[0][MON_QUEUE] = 27;
	fx_decide(&f, 90);
	T_NEAR(test_observed(&f.d[0], "backlog"), 27 - 13.3394, 1e-4);
	T_EQ_INT(f.d[0].desired, 10);
	f.c[0][MON_QUEUE] = 105;
	fx_decide(&f, 105);
	T_NEAR(test_observed(&f.d[0], "backlog"), 105 - 13.3394, 1e-4);
	T_NEAR(test_observed(&f.d[0], "replicas_needed"), 9, 0);
	T_NEAR(test_observed(&f.d[0], "replicas_needed_up"), 33, 0);
	T_EQ_INT(f.d[0].desired, 33);
	T_STR_CONTAINS(f.d[0].reason, "backlog 92: 33");
	/* still there a round later: the 33 are kept (rate alone: 9) */
	fx_decide(&f, 120);
	T_EQ_INT(f.d[0].desired, -1);
	T_STR_CONTAINS(f.d[0].reason, "keep 33");
	f.c[0][MON_QUEUE] = 0;
	fx_decide(&f, 135);
	T_EQ_INT(f.d[0].desired, 9);
	T_STR_CONTAINS(f.d[0].reason, "drained: down -> 9");
	for (double t = 150; t <= 300; t += 15) {
		fx_decide(&f, t);
		T_EQ_INT(f.fn[0].target, 9);
	}
	fx_end(&f);
}

/*
 * The same function at 8 replicas, 6 ready and 2 pending, a cold start of
 * 10 s, and the backlog in the partitions: lag 110 with 5 in service
 * (lambda s), no queue: B0 = 110 - 5 = 105. Until the new replicas are
 * ready the 6 ready slots serve all 10 s and the 2 pending ones half of it:
 *   B_tau = 105 + 10 (10 - 2 (6 + 2/2)) = 65, B_ex = 51.6606,
 *   n_drain = ceil(0.3 x 65 + 0.998) = ceil(20.498) = 21.
 * (No projection: 33; pending ignored: 27; the lag with its 5 in service:
 * ceil(0.3 x 70 + 0.998) = 22.)
 */
static void test_backlog_projection(void)
{
	struct fx f;
	backlog_begin(&f);
	f.fn[0].target = 8;
	f.fn[0].ready = 6;
	f.fn[0].pending = 2;
	f.fn[0].cold_start_s = 10;
	if (!fx_init(&f)) {
		fx_end(&f);
		return;
	}
	f.c[0][MON_LAG] = 110;
	fx_decide(&f, 60);
	T_NEAR(test_observed(&f.d[0], "backlog"), 65 - 13.3394, 1e-4);
	T_EQ_INT(f.d[0].desired, 21);
	fx_end(&f);
}

/*
 * At zero replicas the held requests are the backlog (reported at once;
 * the scraped queue is older). The function of backlog_begin, idle since
 * 300 and scaled to 0, gets 50 held requests at a wake round at 640: load
 * 50/60 = 0.8333/s (a = 0.4167), steady size 2 (c 1: C 0.4167, w_p
 * 1.8174, L 3.3152; c 2: C 0.071839, w_p 0.1144, L 1.6123 <= 5/3), and at 2
 *   Q_alpha = ln(0.071839 / 3.167124e-5) / ln(4 / 0.8333)
 *           = 7.726775 / 1.568616 = 4.9259,
 *   B_ex = 45.0741, n_drain = ceil((0.8333 + 0.6 x 45.0741) / 2)
 *        = ceil(13.939) = 14, not 1 or 2.
 */
static void test_backlog_held(void)
{
	struct fx f;
	backlog_begin(&f);
	f.fn[0].min_replicas = 0;
	if (!fx_init(&f)) {
		fx_end(&f);
		return;
	}
	for (double t = 15; t <= 300; t += 15)
		fx_decide(&f, t);
	f.lam[0] = 0;
	fx_set(&f, 0, 0);
	for (double t = 315; t <= 630; t += 15)
		fx_decide(&f, t);
	T_EQ_INT(f.fn[0].target, 0);
	f.fn[0].held_at_zero = 50;
	fx_decide(&f, 640);
	T_NEAR(test_observed(&f.d[0], "lambda"), 50.0 / 60, 1e-12);
	T_NEAR(test_observed(&f.d[0], "backlog"), 45.0741, 1e-4);
	T_EQ_INT(f.d[0].desired, 14);
	fx_end(&f);
}

/*
 * A share below the mean service time: lambda 10, s 0.5, slo 0.3 (s_p 1.4979
 * > 0.3: the steady size is the fewest replicas with no wait at p95,
 * C(10, 5) = 0.0361 <= 0.05 -> 10). The drain time is then one service time,
 * 0.5 s, not the 0.3-s share: with B = 40, Q_alpha(10) = ln(0.036105 /
 * 3.167124e-5) / ln 2 = 7.038788 / 0.693147 = 10.1548, B_ex = 29.8452,
 *   n_drain = ceil((10 + 29.8452 / 0.5) / 2) = ceil(34.845) = 35
 * (over the share: ceil(54.742) = 55, more slots than messages to drain).
 */
static void test_backlog_service_floor(void)
{
	struct fx f;
	backlog_begin(&f);
	fx_set(&f, 0, 10);
	fx_num(&f, "slo_s", 0.3);
	if (fx_init(&f)) {
		f.c[0][MON_QUEUE] = 40;
		fx_decide(&f, 60);
		T_NEAR(test_observed(&f.d[0], "backlog"), 29.8452, 1e-4);
		T_EQ_INT(f.d[0].desired, 35);
	}
	fx_end(&f);
}

/*
 * Rule 4 with a backlog: at 9 replicas the steady model alone is met
 * (L(9) = 1.5574 <= 5/3), so L(9) - L(33) = 1.5574 - 1.4979 = 0.0595 s is
 * all the M/M/c gain; the head-of-line wait of B_ex = 91.6606 falls from
 * 91.6606/18 = 5.0923 s to 91.6606/66 = 1.3888 s. With scale_cost_s 1 the
 * step to 33 pays (3.76 s), with 4 it does not.
 */
static void test_backlog_gain(void)
{
	double cost[] = {1, 4};
	int want[] = {33, -1};
	for (int k = 0; k < 2; k++) {
		struct fx f;
		backlog_begin(&f);
		fx_num(&f, "scale_cost_s", cost[k]);
		if (fx_init(&f)) {
			f.c[0][MON_QUEUE] = 105;
			fx_decide(&f, 60);
			T_EQ_INT(f.d[0].desired, want[k]);
			if (want[k] < 0)
				T_STR_CONTAINS(f.d[0].reason, "gain 3.76s");
		}
		fx_end(&f);
	}
}

/* --- robustness ------------------------------------------------------------------ */

static void check_finite(const struct scale_decision *d)
{
	for (int k = 0; k < d->nobserved; k++)
		T_TRUE(!isnan(d->observed[k].value), "%s is NaN",
		       d->observed[k].name);
	T_TRUE(d->reason[0] != '\0', "no reason");
}

static void test_zero_metrics(void)
{
	struct fx f;
	fx_begin(&f, 2, 15);
	fx_edge(&f, 0, 1);
	fx_num(&f, "max_total_replicas", 1);
	struct err e = {0};
	struct policy_ctx ctx = {
		.nfn = 2, .fn = f.fn, .params = f.pp, .interval = 15,
	};
	f.st = f.pol->init(&ctx, &e);
	CU_ASSERT_FATAL(f.st != NULL);
	/* no monitor at all, then a monitor without samples */
	struct scale_decision d[2] = {{.desired = -1}, {.desired = -1}};
	struct scale_view v = {.now = 0, .nfn = 2, .fn = f.fn, .mon = NULL};
	f.pol->decide(f.st, &v, d);
	for (int i = 0; i < 2; i++) {
		check_finite(&d[i]);
		T_TRUE(d[i].desired == -1 || d[i].desired == 1, "desired %d",
		       d[i].desired);
	}
	v.mon = f.mon;
	d[0] = d[1] = (struct scale_decision){.desired = -1};
	f.pol->decide(f.st, &v, d);
	for (int i = 0; i < 2; i++)
		check_finite(&d[i]);
	/* all-zero scrapes, at 1 replica and at zero */
	for (double t = 0; t <= 600; t += 15) {
		f.t = t;
		fx_push(&f);
		if (t == 300)
			fx_set(&f, 1, 0);
		v.now = t;
		d[0] = d[1] = (struct scale_decision){.desired = -1};
		f.pol->decide(f.st, &v, d);
		for (int i = 0; i < 2; i++) {
			check_finite(&d[i]);
			T_TRUE(d[i].desired <= 1, "t %g: desired %d", t,
			       d[i].desired);
		}
	}
	fx_end(&f);
}

static void test_init_errors(void)
{
	struct fx f;
	fx_begin(&f, 2, 15);
	fx_edge(&f, 0, 1);
	fx_edge(&f, 1, 0);   /* a cycle */
	struct err e = {0};
	struct policy_ctx ctx = {
		.nfn = 2, .fn = f.fn, .params = f.pp, .interval = 15,
	};
	T_TRUE(f.pol->init(&ctx, &e) == NULL, "cycle accepted");
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, "cycle");
	fx_end(&f);

	fx_begin(&f, 1, 15);
	fx_num(&f, "cs2", 50);
	ctx = (struct policy_ctx){
		.nfn = 1, .fn = f.fn, .params = f.pp, .interval = 15,
	};
	err_clear(&e);
	T_TRUE(f.pol->init(&ctx, &e) == NULL, "cs2 50 accepted");
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, "(a)");
	fx_end(&f);
}

static void test_table(void)
{
	const struct policy *p = policy_find("latency-slo");
	CU_ASSERT_FATAL(p != NULL);
	T_EQ_INT(p->wake_from_zero, 1);
	T_NEAR(p->interval_s, 15, 0);
	struct { const char *name; double def; } want[] = {
		{"slo_s", 2}, {"percentile", 0.95}, {"window_s", 60},
		{"trend_window_s", 120}, {"trend_z", 2}, {"change_z", 4},
		{"cs2", 1}, {"cs2_min_samples", 20}, {"ca2", 1}, {"scale_cost_s", 0},
		{"drain_budgets", 1}, {"scale_down_delay_s", 60},
		{"scale_down_step", 1}, {"idle_s", 300},
		{"max_total_replicas", 0}, {"stragglers", 1},
	};
	T_EQ_INT(p->nparams, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		int k = param_find(p->params, p->nparams, want[i].name);
		T_TRUE(k >= 0, "no parameter %s", want[i].name);
		if (k >= 0)
			T_NEAR(p->params[k].def, want[i].def, 0);
	}
}

/* --- the real engine -------------------------------------------------------------- */

/*
 * Poisson 10/s into a (exponential, mean 0.1 s) -> b (exponential, mean
 * 0.5 s), one replica each at the start, slo 2 s at p95: theory says 3 and
 * 9 (test_stationary_size). After a 300-s warm-up the end-to-end p95 must
 * meet 2 s, and each function's mean replica count stay within theory + 1.
 */
static void test_model_chain(void)
{
	int n = test_quick() ? 8000 : 20000;
	char json[2048];
	snprintf(json, sizeof json,
		 "{\"seed\":7,\"warmup_s\":300,"
		 "\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":"
		 "\"poisson\",\"rate\":10,\"count\":%d},\"to\":[\"a\"]}],"
		 "\"functions\":["
		 "{\"name\":\"a\",\"service\":{\"type\":\"exponential\",\"mean\":0.1},"
		 "\"initial_replicas\":1,\"min_replicas\":1,\"edges\":{\"to\":[\"b\"]}},"
		 "{\"name\":\"b\",\"service\":{\"type\":\"exponential\",\"mean\":0.5},"
		 "\"initial_replicas\":1,\"min_replicas\":1}],"
		 "\"slo\":{\"latency_s\":2},"
		 "\"autoscaler\":{\"policy\":\"latency-slo\",\"slo_s\":2}}", n);
	struct config *cfg;
	struct model *m = test_run_json(json, &cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	/* conservation (Little's law is not checked: the warm-up leaves
	 * early jobs out of the latencies but not out of the population) */
	T_NEAR(model_metric(m, "e2e", "completions") +
	       model_metric(m, "e2e", "dropped") +
	       model_metric(m, "e2e", "in_flight_end"),
	       model_metric(m, "e2e", "arrivals"), 0);
	T_NEAR(model_metric(m, "e2e", "completions"), n, 0);
	double p95 = model_metric(m, "e2e", "p95");
	T_TRUE(p95 <= 2, "e2e p95 %g > slo 2", p95);
	double ra = model_metric(m, "a", "mean_replicas");
	double rb = model_metric(m, "b", "mean_replicas");
	T_TRUE(ra <= mmc_size(10, 10, 1.0 / 3) + 1, "a: mean replicas %g", ra);
	T_TRUE(rb <= mmc_size(10, 2, 5.0 / 3) + 1, "b: mean replicas %g", rb);
	/* and not far below theory either: b needs more than 5 (a = 5) */
	T_TRUE(rb > 8, "b: mean replicas %g", rb);
	if (getenv("SLO_VERBOSE"))
		fprintf(stderr, "\n  p95 %g, mean replicas a %g b %g\n", p95, ra, rb);
	model_free(m);
	config_free(cfg);
}

/*
 * The step the steady sizing trailed: the chain above, a cold start of 10 s,
 * 5/s until 300 s then 20/s to 900 s, slo 2 s, 120-s warm-up. Measured over
 * seeds 1..20, the fraction of requests over the SLO was 10.0-13.2% (mean
 * 11.9%, p95 7.4-10.6 s) before rules 3a and 3b and is 5.0-6.2% (mean 5.8%)
 * with them: the rest is the ~2.4% a p95 SLO leaves in the steady state
 * plus the requests reaching b between the step and the first replicas a
 * cold start after the first scrape that sees it. Bounds: < 8% per seed,
 * p95 < 3 s, and b's mean replica count < 15 (12.1 before, 12.9 now: the
 * drain's burst is short).
 */
static void test_model_step(void)
{
	for (int seed = 1; seed <= 3; seed++) {
		char json[2048];
		snprintf(json, sizeof json,
			 "{\"seed\":%d,\"warmup_s\":120,"
			 "\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":"
			 "\"step\",\"before\":5,\"after\":20,\"at_s\":300,"
			 "\"duration_s\":900},\"to\":[\"a\"]}],"
			 "\"functions\":["
			 "{\"name\":\"a\",\"service\":{\"type\":\"exponential\","
			 "\"mean\":0.1},\"cold_start\":10,"
			 "\"initial_replicas\":1,\"min_replicas\":1,"
			 "\"edges\":{\"to\":[\"b\"]}},"
			 "{\"name\":\"b\",\"service\":{\"type\":\"exponential\","
			 "\"mean\":0.5},\"cold_start\":10,"
			 "\"initial_replicas\":1,\"min_replicas\":1}],"
			 "\"slo\":{\"latency_s\":2},"
			 "\"autoscaler\":{\"policy\":\"latency-slo\",\"slo_s\":2}}",
			 seed);
		struct config *cfg;
		struct model *m = test_run_json(json, &cfg);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		T_NEAR(model_metric(m, "e2e", "completions") +
		       model_metric(m, "e2e", "dropped") +
		       model_metric(m, "e2e", "in_flight_end"),
		       model_metric(m, "e2e", "arrivals"), 0);
		double viol = model_metric(m, "e2e", "slo_violation_frac");
		double p95 = model_metric(m, "e2e", "p95");
		double rb = model_metric(m, "b", "mean_replicas");
		T_TRUE(viol < 0.08, "seed %d: %g of requests over the slo", seed,
		       viol);
		T_TRUE(p95 < 3, "seed %d: e2e p95 %g", seed, p95);
		T_TRUE(rb < 15, "seed %d: b: mean replicas %g", seed, rb);
		if (getenv("SLO_VERBOSE"))
			fprintf(stderr, "\n  seed %d: violations %g, p95 %g, mean "
				"replicas a %g b %g\n", seed, viol, p95,
				model_metric(m, "a", "mean_replicas"), rb);
		model_free(m);
		config_free(cfg);
	}
}

/*
 * Rule 8 in the engine: b of the chain alone (Poisson 10/s, exponential
 * 0.5 s, slo 5/3 s at p95) on 20 one-slot nodes placed at random, 4 of
 * them at speed 1/4, balanced by the speed-aware proxy. Each seed is run
 * three ways: no slow node (16 + 4 nodes at speed 1), slow nodes with
 * rule 8, slow nodes without it. The runs measure the balancer as much as
 * the policy (per-replica queues wait longer than the M/M/c the policy
 * sizes for, so even the clean cluster misses p95 <= 5/3 s by ~15%); what
 * rule 8 must do is give the slow cluster the replicas its nodes lack, and
 * with them the clean cluster's latency back. Measured over seeds 1..5:
 * violations 7.8% with, 8.5% without, 7.3% clean; p95 1.96, 2.02, 1.90 s;
 * mean replicas 11.1, 10.0, 10.2 (the clean run sizes on a cleaner
 * service time; without rule 8 the slow run counts its slow replicas as
 * whole ones).
 */
static void test_model_stragglers(void)
{
	int seeds = test_quick() ? 3 : 5;
	double viol[3] = {0}, p95[3] = {0}, reps[3] = {0};
	for (int seed = 1; seed <= seeds; seed++)
		for (int way = 0; way < 3; way++) {
			char json[2048];
			snprintf(json, sizeof json,
				 "{\"seed\":%d,\"warmup_s\":300,\"duration_s\":3000,"
				 "\"sources\":[{\"topic\":\"in\",\"arrivals\":"
				 "{\"workload\":\"poisson\",\"rate\":10},"
				 "\"to\":[\"b\"]}],"
				 "\"functions\":[{\"name\":\"b\",\"service\":"
				 "{\"type\":\"exponential\",\"mean\":0.5},"
				 "\"initial_replicas\":1,\"min_replicas\":1}],"
				 "\"slo\":{\"latency_s\":1.6667},"
				 "\"cluster\":{\"lb\":\"speed-aware\",\"placement\":"
				 "\"random\",\"nodes\":[{\"count\":16,\"slots\":1},"
				 "{\"count\":4,\"slots\":1,\"speed\":%g}]},"
				 "\"autoscaler\":{\"policy\":\"latency-slo\","
				 "\"slo_s\":1.6667,\"stragglers\":%s}}",
				 seed, way == 0 ? 1 : 0.25,
				 way == 2 ? "false" : "true");
			struct config *cfg;
			struct model *m = test_run_json(json, &cfg);
			CU_ASSERT_PTR_NOT_NULL_FATAL(m);
			test_check_laws(m);
			viol[way] += model_metric(m, "e2e", "slo_violation_frac") / seeds;
			p95[way] += model_metric(m, "e2e", "p95") / seeds;
			reps[way] += model_metric(m, "b", "mean_replicas") / seeds;
			model_free(m);
			config_free(cfg);
		}
	if (getenv("SLO_VERBOSE"))
		for (int way = 0; way < 3; way++)
			fprintf(stderr, "\n  %s: violations %.4f, p95 %.4f, "
				"mean replicas %.3f", way == 0 ? "clean" :
				way == 1 ? "rule 8" : "without", viol[way],
				p95[way], reps[way]);
	/* the replicas the slow nodes lack: 4 of 20 nodes at 1/4 speed is a
	 * mean speed near 0.85, so up to 1/0.85 of the count without */
	T_TRUE(reps[1] > reps[2] * 1.06 && reps[1] < reps[2] * 1.25,
	       "replicas: %.3f with rule 8, %.3f without", reps[1], reps[2]);
	/* and with them most of the way back to the clean cluster's latency
	 * (measured: 2.9% above it with rule 8, 6.0% without; 3 seeds: 3.3%
	 * and 7.5%) */
	T_TRUE(p95[1] < p95[2] * 0.985, "p95 %.4f with rule 8, %.4f without",
	       p95[1], p95[2]);
	T_TRUE(p95[1] < p95[0] * 1.05, "p95 %.4f with rule 8, %.4f clean",
	       p95[1], p95[0]);
	T_TRUE(viol[1] < viol[2] - 0.003,
	       "violations %.4f with rule 8, %.4f without", viol[1], viol[2]);
}

/*
 * cs2 measured in the engine: Poisson 10/s into one function, 600 s. With
 * deterministic 0.5-s service the policy sees cs2 0 (and sizes on it:
 * s_p = 0.5 s); with exponential service about 1 (the window's 60 s hold
 * ~600 completions: the estimate's sd is about sqrt(8/600) = 0.12, so
 * 0.5 is over 4 sd). With cs2_min_samples 0 the parameter stays.
 */
static void test_model_cs2(void)
{
	static const char *const svc[] = {
		"0.5", "{\"type\":\"exponential\",\"mean\":0.5}",
		"{\"type\":\"exponential\",\"mean\":0.5}",
	};
	for (int k = 0; k < 3; k++) {
		char json[1024];
		snprintf(json, sizeof json,
			 "{\"seed\":3,\"duration_s\":600,\"sources\":[{\"topic\":"
			 "\"in\",\"arrivals\":{\"workload\":\"poisson\",\"rate\":10},"
			 "\"to\":[\"b\"]}],\"functions\":[{\"name\":\"b\","
			 "\"service\":%s,\"initial_replicas\":8}],"
			 "\"autoscaler\":{\"policy\":\"latency-slo\",\"slo_s\":1.5,"
			 "\"cs2\":0.25%s}}", svc[k],
			 k == 2 ? ",\"cs2_min_samples\":0" : "");
		struct config *cfg;
		char *db;
		struct model *m = test_run_json_db(json, &cfg, &db);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		sqlite3 *h = NULL;
		if (db && sqlite3_open(db, &h) == SQLITE_OK) {
			/* x 1000, rounded: test_q_int reads integers */
			long long c = test_q_int(h, "select round(1000 * json_extract("
						 "observed, '$.cs2')) from decisions"
						 " where t = 585");
			if (k == 0)
				T_EQ_INT((int)c, 0);
			else if (k == 1)
				T_TRUE(c > 500 && c < 1500, "cs2 x 1000 = %lld", c);
			else
				T_EQ_INT((int)c, 250);
		}
		sqlite3_close(h);
		test_db_remove(db);
		model_free(m);
		config_free(cfg);
	}
}

int test_latency_slo_register(void)
{
	CU_pSuite s = CU_add_suite("latency-slo", NULL, NULL);
	if (!s)
		return -1;
	struct { const char *name; void (*fn)(void); } t[] = {
		{"table", test_table},
		{"init_errors", test_init_errors},
		{"budget_chain", test_budget_chain},
		{"budget_even_and_partial", test_budget_even_and_partial},
		{"budget_diamond", test_budget_diamond},
		{"stationary_size", test_stationary_size},
		{"concurrency", test_concurrency},
		{"stragglers_size", test_stragglers_size},
		{"cluster_cap", test_cluster_cap},
		{"allen_cunneen", test_allen_cunneen},
		{"trend_forecast", test_trend_forecast},
		{"trend_noise_and_fall", test_trend_noise_and_fall},
		{"change_point", test_change_point},
		{"backlog_size", test_backlog_size},
		{"backlog_projection", test_backlog_projection},
		{"backlog_held", test_backlog_held},
		{"backlog_service_floor", test_backlog_service_floor},
		{"backlog_gain", test_backlog_gain},
		{"scale_cost", test_scale_cost},
		{"hysteresis", test_hysteresis},
		{"idle_zero_wake", test_idle_zero_wake},
		{"zero_without_load_stays", test_zero_without_load_stays},
		{"capacity_cap", test_capacity_cap},
		{"zero_metrics", test_zero_metrics},
		{"model_chain", test_model_chain},
		{"model_step", test_model_step},
		{"model_stragglers", test_model_stragglers},
		{"model_cs2", test_model_cs2},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!CU_add_test(s, t[i].name, t[i].fn))
			return -1;
	return 0;
}
