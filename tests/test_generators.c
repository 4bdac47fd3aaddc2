/*
 * Tests of the arrival generators mmpp, on-off, diurnal, step, spike and
 * periodic against theory.
 *
 * Counts of a (non-homogeneous) Poisson process over a window are Poisson,
 * so their tolerance is 4 sqrt(expected). Processes with dependent gaps
 * (MMPP, on-off) are measured over independent replications started in
 * their stationary regime, where E[N(T)] = mean rate * T exactly for any T;
 * the tolerance is then 4 standard errors of the replication mean, so no
 * formula for the variance of a long-range dependent count is needed.
 * Every generator is also checked for non-decreasing finite times, the same
 * sequence for the same seed, its sizes, keys and count end, and a
 * parameter combination its table's ranges cannot reject.
 * test_quick() shrinks replication counts and horizons.
 */
#include "testutil.h"

#include "dist.h"
#include "err.h"
#include "rng.h"
#include "workload.h"

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_statistics_double.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Not yet listed in testutil.h. */

#define GEN_TWO_PI 6.28318530717958647692528676655900577

/* ---- helpers ---------------------------------------------------------------- */

static const struct workload *wl(const char *name)
{
	const struct workload *w = workload_find(name);
	T_TRUE(w != NULL, "workload %s is not registered", name);
	CU_ASSERT_FATAL(w != NULL);
	return w;
}

/* Index of a parameter in w's table; fails the test when absent. */
static int pidx(const struct workload *w, const char *name)
{
	for (size_t i = 0; i < w->nparams; i++)
		if (strcmp(w->params[i].name, name) == 0)
			return (int)i;
	T_TRUE(0, "workload %s has no parameter %s", w->name, name);
	CU_FAIL_FATAL("parameter");
	return 0;
}

/* p = the table's defaults (dists NULL, which generators read as 0). */
static void defaults(const struct workload *w, union param_val *p)
{
	for (size_t i = 0; i < w->nparams; i++) {
		const struct param_def *d = &w->params[i];
		if (d->type == PARAM_STR)
			p[i].str = d->def_str;
		else if (d->type == PARAM_DIST)
			p[i].dist = NULL;
		else
			p[i].num = d->def;
	}
}

static void set(const struct workload *w, union param_val *p, const char *name,
		double v)
{
	p[pidx(w, name)].num = v;
}

static void set_enum(const struct workload *w, union param_val *p,
		     const char *name, const char *choice)
{
	int i = pidx(w, name);
	int c = param_choice_index(&w->params[i], choice);
	T_TRUE(c >= 0, "%s.%s has no choice %s", w->name, name, choice);
	p[i].num = c;
}

struct trace {
	double *t;
	size_t n;
	int rc;        /* what the last next returned */
};

/* Opens w on a fresh stream (seed, tag) and reads up to max arrivals,
 * asserting that times are finite and non-decreasing from 0. */
static struct trace run(const struct workload *w, const union param_val *p,
			uint64_t seed, const char *tag, size_t max)
{
	struct trace tr = { 0 };
	struct err e = { 0 };
	struct rng *r = rng_new(seed, tag, NULL);
	CU_ASSERT_FATAL(r != NULL);
	void *s = w->open(p, r, &e);
	T_TRUE(s != NULL, "%s: open failed: %s", w->name, e.msg);
	if (!s) {
		rng_free(r);
		return tr;
	}
	size_t cap = 0;
	double prev = 0;
	int mono = 1;
	struct arrival a;
	while (tr.n < max && (tr.rc = w->next(s, &a, &e)) == 1) {
		if (tr.n == cap) {
			cap = cap ? 2 * cap : 1024;
			double *t = realloc(tr.t, cap * sizeof *t);
			CU_ASSERT_FATAL(t != NULL);
			tr.t = t;
		}
		mono &= isfinite(a.t) && a.t >= prev;
		prev = a.t;
		tr.t[tr.n++] = a.t;
	}
	T_TRUE(tr.rc >= 0, "%s: next failed: %s", w->name, e.msg);
	T_TRUE(mono, "%s: arrival times decrease or are not finite", w->name);
	w->close(s);
	rng_free(r);
	return tr;
}

/* CV of the gaps between consecutive arrivals t[0..n). */
static double gap_cv(const double *t, size_t n)
{
	if (n < 3)
		return NAN;
	double *g = malloc((n - 1) * sizeof *g);
	CU_ASSERT_FATAL(g != NULL);
	for (size_t i = 1; i < n; i++)
		g[i - 1] = t[i] - t[i - 1];
	double cv = gsl_stats_sd(g, 1, n - 1) / gsl_stats_mean(g, 1, n - 1);
	free(g);
	return cv;
}

struct reps {
	double rate, rate_se;   /* mean of N(T)/T and its standard error */
	double cv, cv_se;       /* mean of the per-replication gap CV */
};

/* R independent replications of [0, T): the mean rate and gap CV with the
 * standard errors of their replication means. */
static struct reps replicate(const struct workload *w, union param_val *p,
			     double T, size_t R, const char *tag)
{
	double *rate = malloc(R * sizeof *rate), *cv = malloc(R * sizeof *cv);
	CU_ASSERT_FATAL(rate && cv);
	set(w, p, "duration_s", T);
	for (size_t r = 0; r < R; r++) {
		struct trace tr = run(w, p, 1000 + r, tag, SIZE_MAX);
		rate[r] = (double)tr.n / T;
		cv[r] = gap_cv(tr.t, tr.n);
		free(tr.t);
	}
	double sr = sqrt((double)R);
	struct reps o = {
		.rate = gsl_stats_mean(rate, 1, R),
		.rate_se = gsl_stats_sd(rate, 1, R) / sr,
		.cv = gsl_stats_mean(cv, 1, R),
		.cv_se = gsl_stats_sd(cv, 1, R) / sr,
	};
	free(rate);
	free(cv);
	return o;
}

/* open must fail with ERR_INPUT and a message containing frag. */
static void expect_bad(const struct workload *w, const union param_val *p,
		       const char *frag)
{
	struct err e = { 0 };
	struct rng *r = rng_new(1, "test/gen/bad", NULL);
	CU_ASSERT_FATAL(r != NULL);
	void *s = w->open(p, r, &e);
	T_TRUE(s == NULL, "%s opened with bad parameters (want \"%s\")", w->name,
	       frag);
	if (s)
		w->close(s);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, frag);
	rng_free(r);
}

/* What every generator shares with poisson: the same seed gives the same
 * messages, sizes come from the size dist, keys are "0".."K-1" hashed, a
 * count ends the stream for good, and a missing stream is an internal
 * error. p is a valid, unlimited configuration. */
static void check_common(const struct workload *w, const union param_val *p0)
{
	enum { K = 7 };
	size_t n = test_quick() ? 2000 : 20000;
	union param_val p[32];
	CU_ASSERT_FATAL(w->nparams <= 32);
	memcpy(p, p0, w->nparams * sizeof *p);
	struct err e = { 0 };
	struct dist *ex = dist_new_exponential(100, &e);
	CU_ASSERT_FATAL(ex != NULL);
	p[pidx(w, "size")].dist = ex;
	set(w, p, "key_space", K);
	uint64_t want[K];
	for (int k = 0; k < K; k++) {
		char key[8];
		int len = snprintf(key, sizeof key, "%d", k);
		want[k] = workload_key_hash(key, (size_t)len);
	}
	struct rng *r1 = rng_new(11, "test/gen/same", NULL);
	struct rng *r2 = rng_new(11, "test/gen/same", NULL);
	CU_ASSERT_FATAL(r1 && r2);
	void *s1 = w->open(p, r1, &e), *s2 = w->open(p, r2, &e);
	CU_ASSERT_FATAL(s1 && s2);
	int same = 1, keyed = 1, foreign = 0;
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		struct arrival x, y;
		int rx = w->next(s1, &x, &e), ry = w->next(s2, &y, &e);
		if (rx != 1 || ry != 1) {
			T_TRUE(0, "%s ended at %zu of %zu", w->name, i, n);
			break;
		}
		same &= x.t == y.t && x.size == y.size && x.key == y.key &&
			x.keyed == y.keyed;
		keyed &= x.keyed;
		int k = 0;
		while (k < K && want[k] != x.key)
			k++;
		foreign += k == K;
		sum += x.size;
	}
	w->close(s1);
	w->close(s2);
	rng_free(r1);
	rng_free(r2);
	T_TRUE(same, "%s: same seed, different messages", w->name);
	T_TRUE(keyed, "%s: keyless message with key_space %d", w->name, K);
	T_EQ_INT(foreign, 0);
	/* exponential sizes: sd = mean */
	T_NEAR(sum / n, 100, 4 * 100 / sqrt((double)n));

	/* count 5: five messages, then the end, and it stays ended */
	p[pidx(w, "size")].dist = NULL;
	set(w, p, "key_space", 0);
	set(w, p, "count", 5);
	struct rng *r = rng_new(12, "test/gen/count", NULL);
	void *s = w->open(p, r, &e);
	CU_ASSERT_FATAL(s != NULL);
	struct arrival a;
	int got = 0, rc;
	while ((rc = w->next(s, &a, &e)) == 1)
		got++;
	T_EQ_INT(rc, 0);
	T_EQ_INT(got, 5);
	T_EQ_INT(w->next(s, &a, &e), 0);
	T_TRUE(a.size == 0 && !a.keyed, "%s: size or key without dist/key_space",
	       w->name);
	w->close(s);
	set(w, p, "count", 0);
	err_clear(&e);
	CU_ASSERT_PTR_NULL(w->open(p, NULL, &e));
	T_EQ_INT(e.code, ERR_INTERNAL);
	rng_free(r);
	dist_free(ex);
}

/* ---- mmpp ------------------------------------------------------------------ */

/* Stationary mean rate and inter-arrival CV of an MMPP, a Markovian arrival
 * process with D0 = Q - diag(rate) and D1 = diag(rate): with the
 * arrival-stationary phase vector phi = pi D1 / (pi D1 1),
 * E[X^k] = k! phi (-D0)^-k 1 (Neuts). *mean_gap is E[X], which must equal
 * 1 / *rate. */
static void mmpp_theory(int n, const double *rate, const double *soj,
			int uniform, double *mrate, double *mean_gap, double *cv)
{
	gsl_matrix *A = gsl_matrix_calloc((size_t)n, (size_t)n);
	gsl_vector *one = gsl_vector_alloc((size_t)n);
	gsl_vector *y = gsl_vector_alloc((size_t)n);
	gsl_vector *z = gsl_vector_alloc((size_t)n);
	gsl_permutation *perm = gsl_permutation_alloc((size_t)n);
	CU_ASSERT_FATAL(A && one && y && z && perm);
	double ssum = 0;
	for (int i = 0; i < n; i++)
		ssum += soj[i];
	*mrate = 0;
	for (int i = 0; i < n; i++) {
		*mrate += soj[i] / ssum * rate[i];
		gsl_matrix_set(A, (size_t)i, (size_t)i, 1 / soj[i] + rate[i]);
		for (int j = 0; j < n; j++) {
			double q = 0;
			if (j != i)
				q = uniform ? 1 / (soj[i] * (n - 1))
					    : (j == (i + 1) % n ? 1 / soj[i] : 0);
			if (j != i)
				gsl_matrix_set(A, (size_t)i, (size_t)j, -q);
		}
	}
	gsl_vector_set_all(one, 1);
	int sign;
	gsl_linalg_LU_decomp(A, perm, &sign);
	gsl_linalg_LU_solve(A, perm, one, y);   /* y = (-D0)^-1 1 */
	gsl_linalg_LU_solve(A, perm, y, z);     /* z = (-D0)^-2 1 */
	double m1 = 0, m2 = 0;
	for (int i = 0; i < n; i++) {
		double phi = soj[i] / ssum * rate[i] / *mrate;
		m1 += phi * gsl_vector_get(y, (size_t)i);
		m2 += 2 * phi * gsl_vector_get(z, (size_t)i);
	}
	*mean_gap = m1;
	*cv = sqrt(m2 / (m1 * m1) - 1);
	gsl_permutation_free(perm);
	gsl_vector_free(z);
	gsl_vector_free(y);
	gsl_vector_free(one);
	gsl_matrix_free(A);
}

static void mmpp_set(const struct workload *w, union param_val *p, int n,
		     const double *rate, const double *soj, const char *transition)
{
	char name[32];
	defaults(w, p);
	set(w, p, "states", n);
	set_enum(w, p, "transition", transition);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof name, "rate%d", i);
		set(w, p, name, rate[i]);
		snprintf(name, sizeof name, "mean_sojourn%d", i);
		set(w, p, name, soj[i]);
	}
}

/* Mean rate and gap CV of one MMPP against mmpp_theory. */
static void mmpp_check(const struct workload *w, int n, const double *rate,
		       const double *soj, const char *transition, size_t R,
		       double T)
{
	union param_val p[32];
	mmpp_set(w, p, n, rate, soj, transition);
	double mrate, mgap, cv;
	mmpp_theory(n, rate, soj, strcmp(transition, "uniform") == 0, &mrate,
		    &mgap, &cv);
	T_NEAR(mgap * mrate, 1, 1e-9);   /* the theory is self-consistent */
	char tag[64];
	snprintf(tag, sizeof tag, "test/gen/mmpp/%d/%s", n, transition);
	struct reps o = replicate(w, p, T, R, tag);
	T_NEAR(o.rate, mrate, 4 * o.rate_se);
	T_NEAR(o.cv, cv, 4 * o.cv_se);
	T_TRUE(o.cv > 1, "MMPP gap CV %g must exceed 1", o.cv);
}

static void test_mmpp(void)
{
	const struct workload *w = wl("mmpp");
	int quick = test_quick();
	size_t R = quick ? 20 : 60;
	double T = quick ? 1000 : 2000;
	/* the burst model: calm 2/s for 5 s, burst 20/s for 1 s; mean 5/s */
	static const double r2[] = { 2, 20 }, s2[] = { 5, 1 };
	mmpp_check(w, 2, r2, s2, "cycle", R, T);
	/* Two silent states and a busy one: cycling and uniform jumps have
	 * the same stationary rate (4/s) but the silence between visits of
	 * state 2 is Erlang-2 when cycling and exponential (a geometric number
	 * of sojourns) with uniform jumps, so the gap CVs differ (4.49, 5.16). */
	static const double r3[] = { 0, 0, 20 }, s3[] = { 2, 2, 1 };
	mmpp_check(w, 3, r3, s3, "cycle", R, T);
	mmpp_check(w, 3, r3, s3, "uniform", R, T);
	static const double r4[] = { 1, 5, 20, 2 }, s4[] = { 4, 2, 1, 3 };
	mmpp_check(w, 4, r4, s4, "uniform", R, T);
	mmpp_check(w, 4, r4, s4, "cycle", R, T);

	/* a fixed start state: with 1e9 s sojourns the chain stays there */
	union param_val p[32];
	static const double slow[] = { 1e9, 1e9 };
	mmpp_set(w, p, 2, r2, slow, "cycle");
	set(w, p, "duration_s", 1000);
	for (int st = 0; st < 2; st++) {
		set(w, p, "start", st);
		struct trace tr = run(w, p, 5, "test/gen/mmpp/start", SIZE_MAX);
		T_EQ_INT(tr.rc, 0);
		double want = r2[st] * 1000;
		T_NEAR((double)tr.n, want, 4 * sqrt(want));
		free(tr.t);
	}

	mmpp_set(w, p, 2, r2, s2, "cycle");
	check_common(w, p);

	/* what the table cannot catch */
	set(w, p, "start", 2);
	expect_bad(w, p, "start must be -1 (stationary) or a state in [0, 1]");
	set(w, p, "start", -1);
	set(w, p, "rate0", 0);
	set(w, p, "rate1", 0);
	set(w, p, "rate2", 5);   /* unused with 2 states */
	expect_bad(w, p, "rate0..rate1 are all 0");
	mmpp_set(w, p, 3, r3, s3, "cycle");
	set(w, p, "mean_sojourn2", 0);
	expect_bad(w, p, "mean_sojourn2 must be > 0");
}

/* ---- on-off ---------------------------------------------------------------- */

static void test_onoff(void)
{
	const struct workload *w = wl("on-off");
	int quick = test_quick();
	union param_val p[32];
	/* E[on] = 1.4*0.1/0.4 = 0.35 s, E[off] = 1.6*0.2/0.6 = 0.5333 s */
	double rate = 100, ash = 1.4, asc = 0.1, fsh = 1.6, fsc = 0.2;
	double mon = ash * asc / (ash - 1), moff = fsh * fsc / (fsh - 1);
	double want = rate * mon / (mon + moff);
	defaults(w, p);
	set(w, p, "rate", rate);
	set(w, p, "on_shape", ash);
	set(w, p, "on_scale", asc);
	set(w, p, "off_shape", fsh);
	set(w, p, "off_scale", fsc);
	/* A stationary start makes E[N(T)] / T the long-run rate for any T.
	 * Short windows keep N(T)/T bounded and its replication mean close to
	 * normal; over long windows the infinite-variance periods make the
	 * sample sd an unreliable yardstick. */
	size_t R = quick ? 4000 : 20000;
	struct reps o = replicate(w, p, 2, R, "test/gen/onoff/poisson");
	T_NEAR(o.rate, want, 4 * o.rate_se);
	set_enum(w, p, "spacing", "deterministic");
	o = replicate(w, p, 2, R, "test/gen/onoff/det");
	T_NEAR(o.rate, want, 4 * o.rate_se);
	/* bursts and silences: gaps far more variable than Poisson's */
	set_enum(w, p, "spacing", "poisson");
	set(w, p, "duration_s", quick ? 200 : 2000);
	struct trace tr = run(w, p, 2, "test/gen/onoff/cv", SIZE_MAX);
	double cv = gap_cv(tr.t, tr.n);
	T_TRUE(cv > 1.5, "on-off gap CV %g must exceed 1 (here 1.5)", cv);
	free(tr.t);

	/* Deterministic, starting ON: ON periods (>= 0.1 s) hold >= 9 messages
	 * 0.01 s apart, so each gap is 0.01 s or 0.01 s plus exactly one OFF
	 * period, and those OFF lengths must be Pareto(1.6, 0.2). */
	set_enum(w, p, "spacing", "deterministic");
	set_enum(w, p, "start", "on");
	set(w, p, "duration_s", quick ? 2000 : 10000);
	tr = run(w, p, 3, "test/gen/onoff/off", SIZE_MAX);
	size_t noff = 0, above = 0, odd = 0;
	for (size_t i = 1; i < tr.n; i++) {
		double g = tr.t[i] - tr.t[i - 1];
		if (fabs(g - 1 / rate) <= 1e-9)
			continue;
		if (g < 1 / rate + fsc - 1e-9) {
			odd++;
			continue;
		}
		noff++;
		above += g - 1 / rate > 2 * fsc;
	}
	T_EQ_INT(odd, 0);
	T_TRUE(tr.n > 0 && tr.t[0] < 1 / rate, "first message at %g, want < %g",
	       tr.n ? tr.t[0] : NAN, 1 / rate);
	double q = pow(0.5, fsh);   /* P(OFF > 2 scale) */
	T_TRUE(noff > 100, "only %zu OFF periods", noff);
	T_NEAR((double)above / noff, q, 4 * sqrt(q * (1 - q) / noff));
	free(tr.t);

	/* starting OFF: nothing before a full OFF period (>= off_scale) */
	set_enum(w, p, "spacing", "poisson");
	set_enum(w, p, "start", "off");
	set(w, p, "duration_s", 0);
	int late = 1;
	for (int k = 0; k < 20; k++) {
		tr = run(w, p, 40 + k, "test/gen/onoff/start", 1);
		late &= tr.n == 1 && tr.t[0] >= fsc;
		free(tr.t);
	}
	T_TRUE(late, "start off: a message before off_scale %g", fsc);

	set_enum(w, p, "start", "stationary");
	check_common(w, p);

	/* infinite-mean periods have no stationary start... */
	set(w, p, "on_shape", 1);
	expect_bad(w, p, "start stationary needs finite mean periods");
	/* ...but are fine from a fixed start */
	set_enum(w, p, "start", "on");
	set(w, p, "on_shape", 0.9);
	set(w, p, "count", 100);
	tr = run(w, p, 9, "test/gen/onoff/heavy", SIZE_MAX);
	T_EQ_INT(tr.n, 100);
	free(tr.t);
}

/* ---- diurnal --------------------------------------------------------------- */

/* Integral of mean * (1 + amp sin(2 pi t / P + phi)) over [a, b). */
static double diurnal_integral(double mean, double amp, double P, double phi,
			       double a, double b)
{
	double w = GEN_TWO_PI / P;
	return mean * ((b - a) +
		       amp / w * (cos(w * a + phi) - cos(w * b + phi)));
}

static void test_diurnal(void)
{
	const struct workload *w = wl("diurnal");
	int quick = test_quick();
	union param_val p[32];
	double mean = 20, amp = 0.8, P = 100, phi = 0.3;
	size_t K = quick ? 40 : 200;   /* whole periods */
	defaults(w, p);
	set(w, p, "mean_rate", mean);
	set(w, p, "amplitude", amp);
	set(w, p, "period_s", P);
	set(w, p, "phase", phi);
	set(w, p, "duration_s", K * P);
	struct trace tr = run(w, p, 21, "test/gen/diurnal", SIZE_MAX);
	T_EQ_INT(tr.rc, 0);
	/* whole periods: the sine integrates to 0 */
	double total = mean * P * K;
	T_NEAR((double)tr.n, total, 4 * sqrt(total));
	/* each quarter-period phase bin against the integral of rate(t) */
	double bin[4] = { 0 };
	for (size_t i = 0; i < tr.n; i++) {
		double x = fmod(tr.t[i], P) / (P / 4);
		bin[x < 4 ? (int)x : 3]++;
	}
	for (int q = 0; q < 4; q++) {
		double e = K * diurnal_integral(mean, amp, P, phi, q * P / 4,
						(q + 1) * P / 4);
		T_NEAR(bin[q], e, 4 * sqrt(e));
	}
	free(tr.t);

	/* Lognormal noise of CV c per 10 s bucket: bucket counts are mixed
	 * Poisson, E = mu, Var = mu + c^2 mu^2 (mu = the bucket's integral). */
	double cv = 0.5, iv = 10;
	amp = 0.5;
	set(w, p, "amplitude", amp);
	set(w, p, "noise_cv", cv);
	set(w, p, "noise_interval_s", iv);
	size_t B = (size_t)(K * P / iv);
	tr = run(w, p, 22, "test/gen/diurnal/noise", SIZE_MAX);
	double *c = calloc(B, sizeof *c), *d = malloc(B * sizeof *d);
	CU_ASSERT_FATAL(c && d);
	for (size_t i = 0; i < tr.n; i++) {
		size_t b = (size_t)(tr.t[i] / iv);
		c[b < B ? b : B - 1]++;
	}
	double sum_mu = 0, sum_var = 0;
	for (size_t b = 0; b < B; b++) {
		double mu = diurnal_integral(mean, amp, P, phi, b * iv, (b + 1) * iv);
		double var = mu + cv * cv * mu * mu;
		sum_mu += mu;
		sum_var += var;
		d[b] = (c[b] - mu) * (c[b] - mu) - var;
	}
	T_NEAR((double)tr.n, sum_mu, 4 * sqrt(sum_var));
	/* the spread across buckets is the noise's, not Poisson's alone */
	T_NEAR(gsl_stats_mean(d, 1, B), 0, 4 * gsl_stats_sd(d, 1, B) / sqrt((double)B));
	free(c);
	free(d);
	free(tr.t);

	set(w, p, "duration_s", 0);
	check_common(w, p);

	set(w, p, "noise_interval_s", 0);
	expect_bad(w, p, "noise_interval_s must be > 0 and finite when noise_cv");
}

/* ---- step ------------------------------------------------------------------ */

/* Counts of tr in [0, at) and [at, end), and the gap CVs inside each. */
static void split_at(const struct trace *tr, double at, size_t *n0, size_t *n1,
		     double *cv0, double *cv1)
{
	size_t i = 0;
	while (i < tr->n && tr->t[i] < at)
		i++;
	*n0 = i;
	*n1 = tr->n - i;
	*cv0 = gap_cv(tr->t, i);
	*cv1 = gap_cv(tr->t + i, tr->n - i);
}

static void test_step(void)
{
	const struct workload *w = wl("step");
	int quick = test_quick();
	union param_val p[32];
	double before = 20, after = 50, at = quick ? 100 : 500, end = 3 * at;
	defaults(w, p);
	set(w, p, "before", before);
	set(w, p, "after", after);
	set(w, p, "at_s", at);
	set(w, p, "duration_s", end);
	struct trace tr = run(w, p, 31, "test/gen/step", SIZE_MAX);
	T_EQ_INT(tr.rc, 0);
	size_t n0, n1;
	double cv0, cv1;
	split_at(&tr, at, &n0, &n1, &cv0, &cv1);
	double e0 = before * at, e1 = after * (end - at);
	T_NEAR((double)n0, e0, 4 * sqrt(e0));
	T_NEAR((double)n1, e1, 4 * sqrt(e1));
	/* exponential gaps inside each segment: CV 1 +- 1/sqrt(n) */
	T_NEAR(cv0, 1, 4 / sqrt(e0));
	T_NEAR(cv1, 1, 4 / sqrt(e1));
	free(tr.t);

	/* deterministic: rate * length +- 1 per segment, exact spacing */
	set_enum(w, p, "spacing", "deterministic");
	tr = run(w, p, 32, "test/gen/step/det", SIZE_MAX);
	split_at(&tr, at, &n0, &n1, &cv0, &cv1);
	T_NEAR((double)n0, e0, 1);
	T_NEAR((double)n1, e1, 1);
	double worst = 0;
	for (size_t i = 1; i < tr.n; i++) {
		if (i == n0)
			continue;   /* the gap across the step */
		double g = tr.t[i] - tr.t[i - 1];
		double want = 1 / (i < n0 ? before : after);
		worst = fmax(worst, fabs(g - want));
	}
	T_NEAR(worst, 0, 1e-9);
	free(tr.t);

	/* after = 0: the stream ends at the step */
	set(w, p, "after", 0);
	set(w, p, "duration_s", 0);
	set_enum(w, p, "spacing", "poisson");
	tr = run(w, p, 33, "test/gen/step/end", SIZE_MAX);
	T_EQ_INT(tr.rc, 0);
	T_NEAR((double)tr.n, e0, 4 * sqrt(e0));
	T_TRUE(tr.n && tr.t[tr.n - 1] < at, "a message at %g after the end %g",
	       tr.n ? tr.t[tr.n - 1] : NAN, at);
	free(tr.t);
	/* before = 0: the first message comes after the step */
	set(w, p, "before", 0);
	set(w, p, "after", after);
	tr = run(w, p, 34, "test/gen/step/late", 1);
	T_TRUE(tr.n == 1 && tr.t[0] >= at, "first message at %g before at_s %g",
	       tr.n ? tr.t[0] : NAN, at);
	free(tr.t);

	set(w, p, "before", before);
	check_common(w, p);

	set(w, p, "before", 0);
	set(w, p, "after", 0);
	expect_bad(w, p, "give no message at all");
}

/* ---- spike ----------------------------------------------------------------- */

static void test_spike(void)
{
	const struct workload *w = wl("spike");
	int quick = test_quick();
	union param_val p[32];
	double base = 5, peak = 50, at = 20, len = 5, every = 30;
	size_t K = quick ? 40 : 200;   /* spikes */
	double end = at + K * every;
	defaults(w, p);
	set(w, p, "rate", base);
	set(w, p, "spike_rate", peak);
	set(w, p, "at_s", at);
	set(w, p, "spike_s", len);
	set(w, p, "every_s", every);
	set(w, p, "duration_s", end);
	/* windows: 0 = [0, at), 1 + 2k = spike k, 2 + 2k = the base after it */
	size_t W = 2 * K + 1;
	double *cnt = malloc(W * sizeof *cnt);
	CU_ASSERT_FATAL(cnt != NULL);
	for (int det = 0; det < 2; det++) {
		set_enum(w, p, "spacing", det ? "deterministic" : "poisson");
		struct trace tr = run(w, p, 41 + det, "test/gen/spike", SIZE_MAX);
		T_EQ_INT(tr.rc, 0);
		memset(cnt, 0, W * sizeof *cnt);
		for (size_t i = 0; i < tr.n; i++) {
			double x = tr.t[i];
			size_t k = x < at ? 0 : (size_t)((x - at) / every);
			size_t win = x < at ? 0
					    : 1 + 2 * k + (x - at - k * every >= len);
			cnt[win < W ? win : W - 1]++;
		}
		free(tr.t);
		double nb = cnt[0], ns = 0;
		for (size_t k = 0; k < K; k++) {
			ns += cnt[1 + 2 * k];
			nb += cnt[2 + 2 * k];
		}
		double eb = base * (at + K * (every - len)), es = peak * K * len;
		if (!det) {
			T_NEAR(nb, eb, 4 * sqrt(eb));
			T_NEAR(ns, es, 4 * sqrt(es));
			continue;
		}
		/* evenly spaced: every window holds rate * length +- 1 */
		double worst = fabs(cnt[0] - base * at);
		for (size_t k = 0; k < K; k++) {
			worst = fmax(worst, fabs(cnt[1 + 2 * k] - peak * len));
			worst = fmax(worst, fabs(cnt[2 + 2 * k] - base * (every - len)));
		}
		T_NEAR(worst, 0, 1);
	}
	free(cnt);

	/* one spike on silence: spike_rate * spike_s messages inside the
	 * spike, then the end */
	set(w, p, "rate", 0);
	set(w, p, "every_s", 0);
	set(w, p, "duration_s", 0);
	set_enum(w, p, "spacing", "deterministic");
	struct trace tr = run(w, p, 43, "test/gen/spike/once", SIZE_MAX);
	T_EQ_INT(tr.rc, 0);
	T_NEAR((double)tr.n, peak * len, 1);
	T_TRUE(tr.n && tr.t[0] >= at && tr.t[tr.n - 1] <= at + len,
	       "messages outside the spike [%g, %g]", at, at + len);
	free(tr.t);

	set(w, p, "rate", base);
	set(w, p, "every_s", every);
	set_enum(w, p, "spacing", "poisson");
	check_common(w, p);

	set(w, p, "spike_s", 40);
	expect_bad(w, p, "spike_s (40) must not exceed every_s (30)");
	set(w, p, "spike_s", len);
	set(w, p, "rate", 0);
	set(w, p, "spike_rate", 0);
	expect_bad(w, p, "rate and spike_rate are both 0");
}

/* ---- periodic -------------------------------------------------------------- */

static void test_periodic(void)
{
	const struct workload *w = wl("periodic");
	int quick = test_quick();
	union param_val p[32];
	struct err e = { 0 };
	double P = 0.5, phase = 0.2;
	defaults(w, p);
	set(w, p, "period_s", P);
	set(w, p, "phase_s", phase);
	set(w, p, "per_tick", 3);
	set(w, p, "count", 3000);
	struct trace tr = run(w, p, 51, "test/gen/periodic", SIZE_MAX);
	T_EQ_INT(tr.rc, 0);
	T_EQ_INT(tr.n, 3000);
	double worst = 0, gap_dev = 0;
	for (size_t i = 0; i < tr.n; i++) {
		double due = phase + (double)(i / 3) * P;
		worst = fmax(worst, fabs(tr.t[i] - due));
		if (i % 3)
			gap_dev = fmax(gap_dev, fabs(tr.t[i] - tr.t[i - 1]));
		else if (i)
			gap_dev = fmax(gap_dev, fabs(tr.t[i] - tr.t[i - 1] - P));
	}
	T_NEAR(worst, 0, 1e-12);
	T_NEAR(gap_dev, 0, 1e-9);   /* batches at one time, ticks P apart */
	free(tr.t);
	/* one per tick: the gap CV is 0 */
	set(w, p, "per_tick", 1);
	tr = run(w, p, 52, "test/gen/periodic/cv", SIZE_MAX);
	T_NEAR(gap_cv(tr.t, tr.n), 0, 1e-9);
	T_NEAR((tr.n - 1) / (tr.t[tr.n - 1] - tr.t[0]), 1 / P, 1e-9);
	free(tr.t);

	/* uniform(0, a) jitter below the period: nothing is held back, the
	 * count is exact and the offsets from the due times are the jitter */
	double a = 0.2;
	size_t n = quick ? 4000 : 40000;
	struct dist *u = dist_new_uniform(0, a, &e);
	CU_ASSERT_FATAL(u != NULL);
	set(w, p, "period_s", 1);
	set(w, p, "phase_s", 0);
	set(w, p, "count", 0);
	set(w, p, "duration_s", (double)n);
	p[pidx(w, "jitter")].dist = u;
	tr = run(w, p, 53, "test/gen/periodic/jitter", SIZE_MAX);
	T_EQ_INT(tr.n, n);
	double *off = malloc(n * sizeof *off);
	CU_ASSERT_FATAL(off != NULL);
	for (size_t i = 0; i < tr.n && i < n; i++)
		off[i] = tr.t[i] - (double)i;
	double sn = sqrt((double)n);
	T_NEAR(gsl_stats_mean(off, 1, n), a / 2, 4 * a / sqrt(12) / sn);
	/* variance a^2/12; Var(s^2) ~ (mu4 - sigma^4)/n, mu4 = a^4/80 */
	double v = a * a / 12;
	T_NEAR(gsl_stats_variance(off, 1, n), v, 4 * sqrt(pow(a, 4) / 80 - v * v) / sn);
	free(off);
	free(tr.t);
	dist_free(u);

	/* exponential jitter of mean 2 periods would reorder ticks: they are
	 * held back instead, so some fire together, and the long-run rate
	 * stays 1/period */
	struct dist *ex = dist_new_exponential(2, &e);
	CU_ASSERT_FATAL(ex != NULL);
	p[pidx(w, "jitter")].dist = ex;
	tr = run(w, p, 54, "test/gen/periodic/late", SIZE_MAX);
	size_t held = 0;
	for (size_t i = 1; i < tr.n; i++)
		held += tr.t[i] == tr.t[i - 1];
	T_TRUE(held > n / 10, "only %zu of %zu ticks held back", held, tr.n);
	/* the lag behind the due time is a max of shifted exponentials: a few
	 * periods, so at most a few dozen ticks fall past the end */
	T_NEAR((double)tr.n, (double)n, 50);
	free(tr.t);
	dist_free(ex);
	p[pidx(w, "jitter")].dist = NULL;

	set(w, p, "duration_s", 0);
	check_common(w, p);

	set(w, p, "phase_s", 1.5);
	expect_bad(w, p, "phase_s must be in [0, period_s = 1), got 1.5");
}

/* ---- tables ---------------------------------------------------------------- */

static void test_tables(void)
{
	static const char *const names[] = {
		"mmpp", "on-off", "diurnal", "step", "spike", "periodic",
	};
	static const char *const common[] = {
		"size", "key_space", "duration_s", "count",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const struct workload *w = wl(names[i]);
		T_TRUE(w->help && strlen(w->help) > 20, "%s has no help", w->name);
		T_TRUE(w->nparams <= 32, "%s: %zu params", w->name, w->nparams);
		for (size_t j = 0; j < sizeof common / sizeof common[0]; j++)
			(void)pidx(w, common[j]);
		CU_ASSERT_STRING_EQUAL(w->params[pidx(w, "size")].def_str, "0");
		for (size_t j = 0; j < w->nparams; j++) {
			const struct param_def *d = &w->params[j];
			T_TRUE(d->help && strlen(d->help) > 10, "%s.%s has no help",
			       w->name, d->name);
			if (d->type == PARAM_NUM || d->type == PARAM_INT)
				T_TRUE(d->min <= d->def && d->def <= d->max,
				       "%s.%s default outside range", w->name, d->name);
			if (d->type == PARAM_ENUM)
				T_TRUE(d->choices && d->def >= 0,
				       "%s.%s choices", w->name, d->name);
			for (size_t k = 0; k < j; k++)
				T_TRUE(strcmp(w->params[k].name, d->name) != 0,
				       "%s.%s twice", w->name, d->name);
		}
		/* the defaults open and run */
		union param_val p[32];
		defaults(w, p);
		set(w, p, "count", 100);
		struct trace tr = run(w, p, 61, "test/gen/defaults", SIZE_MAX);
		T_EQ_INT(tr.n, 100);
		free(tr.t);
	}
}

int test_generators_register(void)
{
	CU_pSuite s = CU_add_suite("generators", NULL, NULL);
	if (!s)
		return -1;
	struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "tables", test_tables },
		{ "mmpp", test_mmpp },
		{ "onoff", test_onoff },
		{ "diurnal", test_diurnal },
		{ "step", test_step },
		{ "spike", test_spike },
		{ "periodic", test_periodic },
	};
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			return -1;
	return 0;
}
