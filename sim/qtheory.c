/*
 * qtheory: closed-form queueing results (see qtheory.h).
 *
 * Design: Erlang B comes from the recursion B(k) = a B(k-1) / (k + a B(k-1)),
 * which stays in (0, 1] at every step, so c in the thousands neither
 * overflows (as a^c / c! would) nor cancels; everything M/M/c is derived from
 * it. GSL has no Erlang functions and the rest is a line of arithmetic each,
 * but for the GI/M/1 root, which GSL's Brent solver finds.
 * Invariant: every function checks its arguments first and answers NAN for
 * c < 1, negative or non-finite rates and moments, and rho >= 1 wherever a
 * steady state is needed, so a NAN never hides behind a plausible number.
 * Access pattern: validation tests and policies sizing replicas, a few calls
 * per decision; clarity over speed (Erlang B is O(c)).
 */
#include "qtheory.h"

#include <math.h>
#include <stddef.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

static int rate_ok(double r)
{
	return isfinite(r) && r >= 0;
}

double qt_erlang_b(int c, double a)
{
	if (c < 1 || !rate_ok(a))
		return NAN;
	double b = 1;
	for (int k = 1; k <= c; k++)
		b = a * b / (k + a * b);
	return b;
}

double qt_erlang_c(int c, double a)
{
	if (c < 1 || !rate_ok(a) || a >= c)
		return NAN;
	double rho = a / c;
	double b = qt_erlang_b(c, a);
	return b / (1 - rho * (1 - b));
}

/* Arguments of an M/M/c queue that has a steady state. */
static int mmc_ok(int c, double lambda, double mu)
{
	return c >= 1 && rate_ok(lambda) && rate_ok(mu) && mu > 0 &&
	       lambda < c * mu;
}

double qt_mmc_wq(int c, double lambda, double mu)
{
	if (!mmc_ok(c, lambda, mu))
		return NAN;
	return qt_erlang_c(c, lambda / mu) / (c * mu - lambda);
}

double qt_mmc_w(int c, double lambda, double mu)
{
	return qt_mmc_wq(c, lambda, mu) + 1 / mu;
}

double qt_mmc_wait_tail(int c, double lambda, double mu, double t)
{
	if (!mmc_ok(c, lambda, mu) || isnan(t))
		return NAN;
	if (t < 0)
		return 1;   /* the wait is never negative */
	return qt_erlang_c(c, lambda / mu) * exp(-(c * mu - lambda) * t);
}

double qt_mg1_wq(double lambda, double es, double es2)
{
	if (!rate_ok(lambda) || !rate_ok(es) || !rate_ok(es2))
		return NAN;
	/* E[S^2] >= E[S]^2 for any distribution; the slack absorbs rounding */
	if (es2 < es * es * (1 - 1e-12))
		return NAN;
	double rho = lambda * es;
	if (rho >= 1)
		return NAN;
	return lambda * es2 / (2 * (1 - rho));
}

double qt_md1_wq(double lambda, double d)
{
	return qt_mg1_wq(lambda, d, d * d);
}

double qt_mmcc_block(int c, double lambda, double mu)
{
	if (!rate_ok(lambda) || !rate_ok(mu) || mu <= 0)
		return NAN;
	return qt_erlang_b(c, lambda / mu);
}

double qt_jackson_tandem_w(int n, const int *c, double lambda, const double *mu)
{
	if (n < 1 || !c || !mu)
		return NAN;
	/* Burke: each stable station passes on a Poisson(lambda) stream, so the
	 * stations are independent M/M/c_i queues at the same rate. */
	double w = 0;
	for (int i = 0; i < n; i++)
		w += qt_mmc_w(c[i], lambda, mu[i]);
	return w;
}

double qt_mmc_wait_quantile(int c, double lambda, double mu, double p)
{
	if (!(c > 0 && mu > 0 && lambda >= 0 && c * mu > lambda && p > 0 && p < 1))
		return NAN;
	double x = log(qt_erlang_c(c, lambda / mu) / (1 - p));
	return x > 0 ? x / (c * mu - lambda) : 0;
}

int qt_mmc_min_servers(int lo, int cap, double lambda, double mu, double p,
		       double budget, int *met)
{
	*met = 1;
	if (lo >= cap) {
		*met = !(qt_mmc_wait_quantile(lo, lambda, mu, p) > budget);
		return lo;
	}
	if (qt_mmc_wait_quantile(lo, lambda, mu, p) <= budget)
		return lo;
	long bad = lo, good = lo;
	for (;;) {
		bad = good;
		good = good * 2 + 1 < cap ? good * 2 + 1 : cap;
		if (qt_mmc_wait_quantile((int)good, lambda, mu, p) <= budget)
			break;
		if (good == cap) {
			*met = 0;
			return cap;
		}
	}
	while (good - bad > 1) {
		long mid = bad + (good - bad) / 2;
		if (qt_mmc_wait_quantile((int)mid, lambda, mu, p) <= budget)
			good = mid;
		else
			bad = mid;
	}
	return (int)good;
}

struct ekm1 {
	int k;
	double stage, mu;
};

static double ekm1_f(double s, void *p)
{
	const struct ekm1 *q = p;
	return pow(q->stage / (q->stage + q->mu * (1 - s)), q->k) - s;
}

double qt_ekm1_w(int k, double stage, double mu)
{
	if (k < 1 || !rate_ok(stage) || !rate_ok(mu) || stage <= 0 || mu <= 0 ||
	    stage / k >= mu)
		return NAN;
	/* f(0) > 0 and f(1-) = 0 with f'(1) > 0 when stable: the root in
	 * (0, 1) lies where f turns negative, left of the point 1 - eps. */
	struct ekm1 q = { .k = k, .stage = stage, .mu = mu };
	gsl_function F = { .function = ekm1_f, .params = &q };
	double hi = 1 - 1e-9;
	if (ekm1_f(hi, &q) >= 0)
		return NAN;
	gsl_root_fsolver *sv = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	if (!sv)
		return NAN;
	gsl_error_handler_t *old = gsl_set_error_handler_off();
	double s = NAN;
	if (gsl_root_fsolver_set(sv, &F, 0, hi) == GSL_SUCCESS) {
		for (int it = 0; it < 200; it++) {
			if (gsl_root_fsolver_iterate(sv) != GSL_SUCCESS)
				break;
			double lo = gsl_root_fsolver_x_lower(sv);
			double up = gsl_root_fsolver_x_upper(sv);
			s = gsl_root_fsolver_root(sv);
			if (gsl_root_test_interval(lo, up, 0, 1e-13) == GSL_SUCCESS)
				break;
		}
	}
	gsl_set_error_handler(old);
	gsl_root_fsolver_free(sv);
	return isfinite(s) ? 1 / (mu * (1 - s)) : NAN;
}
