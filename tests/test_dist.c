/*
 * test_dist: every kind's exact mean and variance against hand-computed
 * closed forms (these catch formula errors a sampler would share), every
 * kind's sampler against those moments (mean within 4 standard errors,
 * variance within 5 standard errors of the sample variance, derived from
 * the exact fourth central moment where it has a closed form and from the
 * sample's otherwise), parameter validation messages, and the samples-file
 * reader. Seeds are fixed, so the checks are deterministic.
 */
#include "dist.h"
#include "err.h"
#include "rng.h"
#include "testutil.h"

#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_statistics_double.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t nq(size_t n)
{
	return test_quick() ? n / 10 : n;
}

/* ---- exact moments ----------------------------------------------------- */

static void check_moments(struct dist *d, double size, double mean, double var)
{
	T_TRUE(d != NULL, "constructor failed");
	if (!d)
		return;
	double m = dist_mean(d, size), v = dist_var(d, size);
	if (isinf(mean))
		T_TRUE(isinf(m) && m > 0, "mean %g, expected inf", m);
	else
		T_NEAR(m, mean, 1e-12 * (1 + fabs(mean)));
	if (isinf(var))
		T_TRUE(isinf(v) && v > 0, "var %g, expected inf", v);
	else
		T_NEAR(v, var, 1e-12 * (1 + fabs(var)));
}

static void test_closed_forms(void)
{
	struct err e = { 0 };
	struct dist *d;

	d = dist_new_deterministic(2.5, &e);
	check_moments(d, 0, 2.5, 0);
	dist_free(d);
	d = dist_new_exponential(2, &e);
	check_moments(d, 0, 2, 4);
	dist_free(d);
	d = dist_new_uniform(1, 3, &e);
	check_moments(d, 0, 2, 1.0 / 3);
	dist_free(d);

	/* Truncated normal: mean mu + sd*l, var sd^2 (1 + a l - l^2) with
	 * a = -mu/sd, l = phi(a)/(1 - Phi(a)). mu = 0 is the half-normal:
	 * sqrt(2/pi), 1 - 2/pi. Others evaluated with erfc in double. */
	d = dist_new_normal(0, 1, &e);
	check_moments(d, 0, 0.797884560802865, 0.363380227632419);
	dist_free(d);
	d = dist_new_normal(0, 3, &e);
	check_moments(d, 0, 3 * 0.797884560802865, 9 * 0.363380227632419);
	dist_free(d);
	d = dist_new_normal(1, 1, &e);
	check_moments(d, 0, 1.28759997093918, 0.629686285776605);
	dist_free(d);
	d = dist_new_normal(-1, 2, &e);
	check_moments(d, 0, 1.28215554073613, 1.07392162862351);
	dist_free(d);
	d = dist_new_normal(100, 1, &e); /* truncation invisible */
	check_moments(d, 0, 100, 1);
	dist_free(d);

	/* lognormal: e^(mu + s^2/2), (e^(s^2) - 1) e^(2mu + s^2) */
	d = dist_new_lognormal(0, 1, &e);
	check_moments(d, 0, 1.64872127070013, 4.67077427047161);
	dist_free(d);
	d = dist_new_lognormal_ms(2, 1, &e);
	check_moments(d, 0, 2, 1);
	T_EQ_INT(dist_kind(d), DIST_LOGNORMAL);
	dist_free(d);

	d = dist_new_gamma(2, 3, &e); /* k theta, k theta^2 */
	check_moments(d, 0, 6, 18);
	dist_free(d);

	/* weibull: scale G(1+1/k), scale^2 (G(1+2/k) - G(1+1/k)^2) */
	d = dist_new_weibull(2, 1, &e); /* sqrt(pi)/2, 1 - pi/4 */
	check_moments(d, 0, 0.886226925452758, 0.214601836602552);
	dist_free(d);
	d = dist_new_weibull(1, 2, &e); /* exponential */
	check_moments(d, 0, 2, 4);
	dist_free(d);
	d = dist_new_weibull(0.5, 3, &e); /* 3*G(3), 9*(G(5) - G(3)^2) */
	check_moments(d, 0, 6, 180);
	dist_free(d);

	/* pareto: a s/(a-1), s^2 a/((a-1)^2 (a-2)) */
	d = dist_new_pareto(3, 1, &e);
	check_moments(d, 0, 1.5, 0.75);
	dist_free(d);
	d = dist_new_pareto(2, 1, &e);
	check_moments(d, 0, 2, INFINITY);
	dist_free(d);
	d = dist_new_pareto(1, 1, &e);
	check_moments(d, 0, INFINITY, INFINITY);
	dist_free(d);
	d = dist_new_pareto(0.5, 4, &e);
	check_moments(d, 0, INFINITY, INFINITY);
	dist_free(d);

	/* bootstrap: sample mean, population variance */
	const double four[] = { 4, 1, 3, 2 };
	d = dist_new_empirical(four, 4, 0, &e);
	check_moments(d, 0, 2.5, 1.25);
	dist_free(d);
	/* interpolated {0,1,3}: U(0,1) and U(1,3) with weight 1/2 each:
	 * mean 1.25, E[X^2] = (1/3 + 13/3)/2 = 7/3, var 7/3 - 25/16 = 37/48 */
	const double three[] = { 3, 0, 1 };
	d = dist_new_empirical(three, 3, 1, &e);
	check_moments(d, 0, 1.25, 37.0 / 48);
	dist_free(d);
	const double one[] = { 5 };
	d = dist_new_empirical(one, 1, 1, &e);
	check_moments(d, 0, 5, 0);
	dist_free(d);

	/* mixture 1/4 det(1) + 3/4 exp(2): mean 1.75, E[X^2] 0.25 + 0.75*8 */
	struct dist *c[2] = { dist_new_deterministic(1, &e),
			      dist_new_exponential(2, &e) };
	d = dist_new_mixture(c, (const double[]){ 1, 3 }, 2, &e);
	check_moments(d, 0, 1.75, 6.25 - 1.75 * 1.75);
	dist_free(d);

	/* per-byte: exp(1) + 0.5 * 4 */
	d = dist_new_exponential(1, &e);
	dist_set_per_byte(d, 0.5);
	check_moments(d, 4, 3, 1);
	check_moments(d, 0, 1, 1);
	dist_free(d);

	/* a mixture's moments follow its components' per-byte terms:
	 * det(1) + 1*size and det(3), equal weights (NULL weights) */
	c[0] = dist_new_deterministic(1, &e);
	dist_set_per_byte(c[0], 1);
	c[1] = dist_new_deterministic(3, &e);
	d = dist_new_mixture(c, NULL, 2, &e);
	check_moments(d, 0, 2, 1);
	check_moments(d, 2, 3, 0);
	dist_set_per_byte(d, 0.25);
	check_moments(d, 4, 0.5 * (5 + 3) + 1, 1);
	dist_free(d);

	/* a one-component mixture is that component */
	c[0] = dist_new_gamma(2, 3, &e);
	d = dist_new_mixture(c, (const double[]){ 0.2 }, 1, &e);
	check_moments(d, 0, 6, 18);
	struct rng *r = rng_new(3, "mix1", NULL);
	T_TRUE(d && dist_sample(d, r, 0) > 0, "one-component mixture draw");
	rng_free(r);
	dist_free(d);

	/* an infinite-mean component makes the mixture's moments infinite */
	c[0] = dist_new_deterministic(1, &e);
	c[1] = dist_new_pareto(1, 1, &e);
	d = dist_new_mixture(c, (const double[]){ 1, 1 }, 2, &e);
	check_moments(d, 0, INFINITY, INFINITY);
	dist_free(d);

	T_EQ_INT(e.code, ERR_OK);
}

static void test_kind_names(void)
{
	static const char *const names[] = {
		"deterministic", "exponential", "uniform", "normal", "lognormal",
		"gamma", "weibull", "pareto", "empirical", "mixture",
	};
	for (int k = DIST_DETERMINISTIC; k <= DIST_MIXTURE; k++)
		T_TRUE(strcmp(dist_kind_name((enum dist_kind)k), names[k]) == 0,
		       "kind %d: %s", k, dist_kind_name((enum dist_kind)k));
	struct err e = { 0 };
	struct dist *d = dist_new_weibull(1, 1, &e);
	T_EQ_INT(dist_kind(d), DIST_WEIBULL);
	dist_free(d);
	dist_free(NULL);
}

/* ---- samplers against the moments --------------------------------------- */

/* Central fourth moment from raw moments E[X^k], k = 1..4. */
static double central4(const double r[5])
{
	double m = r[1];
	return r[4] - 4 * m * r[3] + 6 * m * m * r[2] - 3 * m * m * m * m;
}

struct scase {
	const char *label;
	struct dist *d;
	double size;
	double mu4; /* exact central fourth moment, 0 = estimate from sample */
};

static void check_sampler(const struct scase *c, size_t n)
{
	T_TRUE(c->d != NULL, "%s: constructor failed", c->label);
	if (!c->d)
		return;
	struct rng *r = rng_new(2024, c->label, NULL);
	double *x = malloc(n * sizeof *x);
	for (size_t i = 0; i < n; i++)
		x[i] = dist_sample(c->d, r, c->size);
	double mean = dist_mean(c->d, c->size), var = dist_var(c->d, c->size);
	double m = gsl_stats_mean(x, 1, n);
	double v = gsl_stats_variance_with_fixed_mean(x, 1, n, m);
	double mu4 = c->mu4;
	if (mu4 == 0) {
		mu4 = 0;
		for (size_t i = 0; i < n; i++) {
			double t = (x[i] - m) * (x[i] - m);
			mu4 += t * t;
		}
		mu4 /= (double)n;
	}
	double lo = gsl_stats_min(x, 1, n);
	T_TRUE(lo >= 0, "%s: negative sample %g", c->label, lo);
	double se_m = sqrt(var / (double)n);
	double se_v = sqrt(fmax(mu4 - var * var, 0) / (double)n);
	if (fabs(m - mean) > 4 * se_m + 1e-12 ||
	    fabs(v - var) > 5 * se_v + 1e-12)
		fprintf(stderr, "\n  sampler %s:", c->label);
	T_NEAR(m, mean, 4 * se_m + 1e-12);
	T_NEAR(v, var, 5 * se_v + 1e-12);
	free(x);
	rng_free(r);
}

static void test_samplers(void)
{
	size_t n = nq(200000);
	struct err e = { 0 };
	double rm[5];

	/* raw moments for the closed-form mu4 */
#define RAW(expr)                                                             \
	do {                                                                  \
		for (int k = 1; k <= 4; k++)                                  \
			rm[k] = (expr);                                       \
		rm[0] = 1;                                                    \
	} while (0)

	struct scase cases[32];
	size_t nc = 0;

	cases[nc++] = (struct scase){ "deterministic",
				      dist_new_deterministic(2.5, &e), 0, 0 };
	RAW(gsl_sf_fact((unsigned)k) * pow(2, k)); /* k! theta^k */
	cases[nc++] = (struct scase){ "exponential", dist_new_exponential(2, &e),
				      0, central4(rm) };
	cases[nc++] = (struct scase){ "uniform", dist_new_uniform(1, 3, &e), 0,
				      16.0 / 80 }; /* w^4/80 */
	cases[nc++] = (struct scase){ "normal+", dist_new_normal(1, 1, &e), 0, 0 };
	cases[nc++] = (struct scase){ "normal0", dist_new_normal(0, 2, &e), 0, 0 };
	cases[nc++] = (struct scase){ "normal-", dist_new_normal(-1, 2, &e), 0, 0 };
	cases[nc++] = (struct scase){ "normal--", dist_new_normal(-6, 1, &e), 0, 0 };
	RAW(exp(k * 0.5 + k * k * 0.25 * 0.5)); /* mu .5, sigma .5 */
	cases[nc++] = (struct scase){ "lognormal", dist_new_lognormal(0.5, 0.5, &e),
				      0, central4(rm) };
	{
		double s2 = log1p(0.25), mu = log(2.0) - s2 / 2; /* m 2, sd 1 */
		RAW(exp(k * mu + k * k * s2 / 2));
	}
	cases[nc++] = (struct scase){ "lognormal_ms",
				      dist_new_lognormal_ms(2, 1, &e), 0,
				      central4(rm) };
	RAW(pow(3, k) * gsl_sf_poch(2, k)); /* theta^k G(k+j)/G(k) */
	cases[nc++] = (struct scase){ "gamma", dist_new_gamma(2, 3, &e), 0,
				      central4(rm) };
	RAW(pow(0.5, k) * gsl_sf_poch(0.7, k));
	cases[nc++] = (struct scase){ "gamma<1", dist_new_gamma(0.7, 0.5, &e), 0,
				      central4(rm) };
	RAW(pow(2, k) * gsl_sf_gamma(1 + k / 1.5)); /* scale^k G(1+k/shape) */
	cases[nc++] = (struct scase){ "weibull", dist_new_weibull(1.5, 2, &e), 0,
				      central4(rm) };
	RAW(5.0 / (5 - k)); /* a s^k/(a-k), s = 1 */
	cases[nc++] = (struct scase){ "pareto", dist_new_pareto(5, 1, &e), 0,
				      central4(rm) };

	double data[50];
	for (int i = 0; i < 50; i++)
		data[i] = (double)((i * 37) % 23) * 0.5 + (i % 3 == 0 ? 10 : 0);
	struct dist *boot = dist_new_empirical(data, 50, 0, &e);
	{
		double m = gsl_stats_mean(data, 1, 50), c4 = 0;
		for (int i = 0; i < 50; i++)
			c4 += pow(data[i] - m, 4) / 50;
		cases[nc++] = (struct scase){ "empirical", boot, 0, c4 };
	}
	cases[nc++] = (struct scase){ "empirical-interp",
				      dist_new_empirical(data, 50, 1, &e), 0, 0 };

	struct dist *c2[2] = { dist_new_uniform(0, 1, &e),
			       dist_new_exponential(4, &e) };
	cases[nc++] = (struct scase){ "mixture",
				      dist_new_mixture(c2, (const double[]){ 1, 3 },
						       2, &e),
				      0, 0 };
	c2[0] = dist_new_gamma(3, 1, &e);
	c2[1] = dist_new_normal(10, 2, &e);
	dist_set_per_byte(c2[1], 0.01);
	struct dist *mixb = dist_new_mixture(c2, (const double[]){ 2, 1 }, 2, &e);
	dist_set_per_byte(mixb, 0.001);
	cases[nc++] = (struct scase){ "mixture-per-byte", mixb, 500, 0 };

	struct dist *pb = dist_new_exponential(1, &e);
	dist_set_per_byte(pb, 0.5);
	RAW(gsl_sf_fact((unsigned)k));
	cases[nc++] = (struct scase){ "per_byte", pb, 4, central4(rm) };
	struct dist *pbd = dist_new_deterministic(2, &e);
	dist_set_per_byte(pbd, 0.001);
	cases[nc++] = (struct scase){ "per_byte-det", pbd, 1000, 0 };
#undef RAW

	T_EQ_INT(e.code, ERR_OK);
	for (size_t i = 0; i < nc; i++) {
		check_sampler(&cases[i], n);
		dist_free(cases[i].d);
	}
}

static void test_sample_support(void)
{
	struct err e = { 0 };
	const double data[] = { 7, 0.5, 3, 3, 12 };
	const double sorted[] = { 0.5, 3, 7, 12 };
	struct dist *boot = dist_new_empirical(data, 5, 0, &e);
	struct dist *lin = dist_new_empirical(data, 5, 1, &e);
	struct dist *det = dist_new_deterministic(4, &e);
	dist_set_per_byte(det, 0.5);
	struct dist *par = dist_new_pareto(1.5, 2, &e);
	struct dist *uni = dist_new_uniform(2, 5, &e);
	struct rng *r = rng_new(1, "support", NULL);
	size_t n = nq(50000), bad_boot = 0, bad_lin = 0, bad_det = 0,
	       bad_par = 0, bad_uni = 0, seen[4] = { 0 };
	for (size_t i = 0; i < n; i++) {
		double x = dist_sample(boot, r, 0);
		int hit = 0;
		for (int k = 0; k < 4; k++)
			if (x == sorted[k]) {
				seen[k]++;
				hit = 1;
			}
		bad_boot += !hit;
		x = dist_sample(lin, r, 0);
		bad_lin += !(x >= 0.5 && x <= 12);
		bad_det += dist_sample(det, r, 10) != 9;
		bad_par += !(dist_sample(par, r, 0) >= 2);
		x = dist_sample(uni, r, 0);
		bad_uni += !(x >= 2 && x <= 5);
	}
	T_EQ_INT(bad_boot, 0);
	T_EQ_INT(bad_lin, 0);
	T_EQ_INT(bad_det, 0);
	T_EQ_INT(bad_par, 0);
	T_EQ_INT(bad_uni, 0);
	/* 3 appears twice in the data, so it is drawn with probability 2/5 */
	T_NEAR((double)seen[1] / n, 0.4, 4 * sqrt(0.24 / n));
	T_NEAR((double)seen[0] / n, 0.2, 4 * sqrt(0.16 / n));
	rng_free(r);
	dist_free(boot);
	dist_free(lin);
	dist_free(det);
	dist_free(par);
	dist_free(uni);
}

/* ---- validation ------------------------------------------------------- */

static void expect_bad(struct dist *d, struct err *e, const char *needle)
{
	T_TRUE(d == NULL, "accepted, expected error containing '%s'", needle);
	dist_free(d);
	T_EQ_INT(e->code, ERR_INPUT);
	T_STR_CONTAINS(e->msg, needle);
	err_clear(e);
}

static void test_bad_parameters(void)
{
	struct err e = { 0 };
	expect_bad(dist_new_deterministic(-1, &e), &e, "value must be >= 0, got -1");
	expect_bad(dist_new_deterministic(NAN, &e), &e, "value must be >= 0, got nan");
	expect_bad(dist_new_exponential(-2, &e), &e, "mean must be > 0, got -2");
	expect_bad(dist_new_exponential(0, &e), &e, "mean must be > 0, got 0");
	expect_bad(dist_new_exponential(NAN, &e), &e, "mean must be > 0, got nan");
	expect_bad(dist_new_exponential(INFINITY, &e), &e, "mean must be finite, got inf");
	expect_bad(dist_new_uniform(-1, 2, &e), &e, "uniform min must be >= 0, got -1");
	expect_bad(dist_new_uniform(2, 1, &e), &e, "uniform max must be > min (2), got 1");
	expect_bad(dist_new_uniform(1, INFINITY, &e), &e, "uniform max must be finite, got inf");
	expect_bad(dist_new_normal(1, -1, &e), &e, "normal sd must be > 0, got -1");
	expect_bad(dist_new_normal(NAN, 1, &e), &e, "normal mean must be finite, got nan");
	expect_bad(dist_new_normal(-100, 1, &e), &e, "100 sd below 0");
	expect_bad(dist_new_lognormal(0, 0, &e), &e, "lognormal sigma must be > 0, got 0");
	expect_bad(dist_new_lognormal(-INFINITY, 1, &e), &e, "lognormal mu must be finite, got -inf");
	expect_bad(dist_new_lognormal(800, 1, &e), &e, "beyond double range");
	expect_bad(dist_new_lognormal_ms(-2, 1, &e), &e, "lognormal mean must be > 0, got -2");
	expect_bad(dist_new_lognormal_ms(2, 0, &e), &e, "lognormal sd must be > 0, got 0");
	expect_bad(dist_new_gamma(0, 1, &e), &e, "gamma shape must be > 0, got 0");
	expect_bad(dist_new_gamma(1, -3, &e), &e, "gamma scale must be > 0, got -3");
	expect_bad(dist_new_weibull(-1, 1, &e), &e, "weibull shape must be > 0, got -1");
	expect_bad(dist_new_weibull(1, NAN, &e), &e, "weibull scale must be > 0, got nan");
	expect_bad(dist_new_weibull(0.001, 1, &e), &e, "beyond double range");
	expect_bad(dist_new_pareto(0, 1, &e), &e, "pareto shape must be > 0, got 0");
	expect_bad(dist_new_pareto(2, -1, &e), &e, "pareto scale must be > 0, got -1");

	expect_bad(dist_new_empirical((const double[]){ 1 }, 0, 0, &e), &e,
		   "at least 1 sample");
	expect_bad(dist_new_empirical((const double[]){ 1, -2 }, 2, 1, &e), &e,
		   "samples[1]: empirical sample must be >= 0, got -2");
	expect_bad(dist_new_empirical((const double[]){ 1, 2, NAN }, 3, 0, &e), &e,
		   "samples[2]");

	/* mixtures own their components even when they fail: ASan's leak
	 * check in the sanitizer run verifies they are freed */
	struct dist *c[2];
	c[0] = dist_new_exponential(1, &e);
	c[1] = dist_new_exponential(2, &e);
	expect_bad(dist_new_mixture(c, (const double[]){ 1, -0.5 }, 2, &e), &e,
		   "weights[1]: mixture weight must be >= 0, got -0.5");
	c[0] = dist_new_exponential(1, &e);
	c[1] = dist_new_exponential(2, &e);
	expect_bad(dist_new_mixture(c, (const double[]){ 0, 0 }, 2, &e), &e,
		   "finite sum > 0, got 0");
	c[0] = dist_new_exponential(1, &e);
	c[1] = NULL;
	expect_bad(dist_new_mixture(c, NULL, 2, &e), &e, "component 1 is missing");
	expect_bad(dist_new_mixture(c, NULL, 0, &e), &e, "at least 1 component");
}

/* ---- dist_read_samples ------------------------------------------------- */

/* Writes text to a new temporary file; path receives its name. */
static void write_tmp(char path[64], const char *text)
{
	strcpy(path, "/tmp/spate-test-dist-XXXXXX");
	int fd = mkstemp(path);
	T_TRUE(fd >= 0, "mkstemp failed");
	if (fd < 0)
		return;
	size_t len = strlen(text);
	T_TRUE(write(fd, text, len) == (ssize_t)len, "short write");
	close(fd);
}

static void read_ok(const char *text, const double *want, size_t nwant)
{
	char path[64];
	struct err e = { 0 };
	double *xs = NULL;
	size_t n = 0;
	write_tmp(path, text);
	int rc = dist_read_samples(path, &xs, &n, &e);
	T_EQ_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s\n", e.msg);
	T_EQ_INT(n, nwant);
	for (size_t i = 0; i < n && i < nwant; i++)
		T_NEAR(xs[i], want[i], 0);
	free(xs);
	unlink(path);
}

static void read_bad(const char *text, const char *needle)
{
	char path[64], full[128];
	struct err e = { 0 };
	double *xs = (double *)&e; /* must be reset to NULL */
	size_t n = 99;
	write_tmp(path, text);
	T_EQ_INT(dist_read_samples(path, &xs, &n, &e), -1);
	T_EQ_INT(e.code, ERR_INPUT);
	T_TRUE(xs == NULL && n == 0, "outputs not reset");
	snprintf(full, sizeof full, "%s%s", path, needle);
	T_STR_CONTAINS(e.msg, full);
	unlink(path);
}

static void test_read_samples(void)
{
	read_ok("latency_ms,host\r\n1.5,a\r\n# comment\r\n\r\n2.5\r\n  3 \r\n",
		(const double[]){ 1.5, 2.5, 3 }, 3);
	read_ok("1\n2\n3.25", (const double[]){ 1, 2, 3.25 }, 3);
	read_ok("# exported\n\nvalue\n4e-3\n0\n", (const double[]){ 0.004, 0 }, 2);
	read_ok("7\n", (const double[]){ 7 }, 1);

	read_bad("x\n1\n\n# c\nabc\n", ":5: not a number: 'abc'");
	read_bad("h\n1\nh2\n", ":3: not a number: 'h2'");
	read_bad("1\n2x\n", ":2: not a number: '2x'");
	read_bad("1\r\n\r\n1.5.2,7\r\n", ":3: not a number: '1.5.2'");
	read_bad("1\nnan\n", ":2: not a finite number: 'nan'");
	read_bad("1\n1e999\n", ":2: not a finite number: '1e999'");
	read_bad("1\n-3\n", ":2: negative sample: '-3'");
	read_bad("", ": no samples");
	read_bad("# only\n\nheader\n", ": no samples");

	struct err e = { 0 };
	double *xs = NULL;
	size_t n = 0;
	T_EQ_INT(dist_read_samples("/nonexistent/spate/samples.csv", &xs, &n, &e), -1);
	T_STR_CONTAINS(e.msg, "/nonexistent/spate/samples.csv: cannot open");
	T_EQ_INT(e.code, ERR_INPUT);
}

int test_dist_register(void)
{
	CU_pSuite s = CU_add_suite("dist", NULL, NULL);
	if (!s ||
	    !CU_add_test(s, "closed-form moments", test_closed_forms) ||
	    !CU_add_test(s, "kind names", test_kind_names) ||
	    !CU_add_test(s, "samplers match moments", test_samplers) ||
	    !CU_add_test(s, "sample support", test_sample_support) ||
	    !CU_add_test(s, "bad parameters", test_bad_parameters) ||
	    !CU_add_test(s, "read samples", test_read_samples))
		return -1;
	return 0;
}
