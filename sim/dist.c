/*
 * dist: distributions as a tagged struct sampled with GSL.
 *
 * Design: one struct for every kind, a switch in dist_sample. The base
 * moments (of X without the per-byte term) are computed once by the
 * constructor, which also rejects parameters whose moments would overflow,
 * so dist_mean/dist_var are lookups; a mixture's moments depend on the
 * message size through its components' per-byte terms and are combined at
 * call time (law of total variance, which avoids the cancellation of
 * E[X^2] - E[X]^2).
 * Invariants: every dist is immutable after construction (dist_set_per_byte
 * aside), so dists are shared freely; all randomness comes from the struct
 * rng argument. Samples of the shipped kinds are never negative: parameters
 * that would allow negative draws are rejected, and the normal is
 * truncated at 0 by resampling, never by clamping.
 * Access pattern: dist_sample runs once per service time, cold start,
 * message size, ... on the simulator's hot path; it does one switch and one
 * GSL call (a few for the truncated normal and mixtures), no allocation.
 * Empirical samples are kept sorted; the mixture keeps GSL's Walker alias
 * table so picking a component is O(1).
 */
#define HAVE_INLINE 1 /* GSL's inline gsl_rng_uniform & co. */

#include "dist.h"
#include "err.h"
#include "rng.h"
#include "rng_gsl.h"

#include <errno.h>
#include <float.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct dist {
	enum dist_kind kind;
	double per_byte;
	double a, b;        /* the kind's two parameters, GSL's meaning */
	double mean, var;   /* of the base X; unused for mixtures */
	double *xs;         /* empirical: sorted copy of the samples */
	size_t n;           /* empirical: samples; mixture: components */
	int interpolate;    /* empirical */
	struct dist **comps; /* mixture */
	double *w;          /* mixture: weights normalized to sum 1 */
	gsl_ran_discrete_t *table; /* mixture: alias table over w */
};

/* ---- parameter checks: each names the kind, the parameter and the value */

static int dist_need_pos(double x, const char *kind, const char *what,
			 struct err *e)
{
	if (!(x > 0))
		return err_set(e, ERR_INPUT, "%s %s must be > 0, got %g", kind,
			       what, x);
	if (isinf(x))
		return err_set(e, ERR_INPUT, "%s %s must be finite, got %g",
			       kind, what, x);
	return 0;
}

static int dist_need_nonneg(double x, const char *kind, const char *what,
			    struct err *e)
{
	if (!(x >= 0))
		return err_set(e, ERR_INPUT, "%s %s must be >= 0, got %g", kind,
			       what, x);
	if (isinf(x))
		return err_set(e, ERR_INPUT, "%s %s must be finite, got %g",
			       kind, what, x);
	return 0;
}

static int dist_need_finite(double x, const char *kind, const char *what,
			    struct err *e)
{
	if (!isfinite(x))
		return err_set(e, ERR_INPUT, "%s %s must be finite, got %g",
			       kind, what, x);
	return 0;
}

static struct dist *dist_alloc(enum dist_kind kind, double a, double b,
			       struct err *e)
{
	struct dist *d = malloc(sizeof *d);
	if (!d) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	*d = (struct dist){ .kind = kind, .a = a, .b = b };
	return d;
}

/* Moments that overflow double would poison every statistic derived from
 * them; such parameters are far outside anything a latency model needs. */
static struct dist *dist_finish(struct dist *d, double mean, double var,
				struct err *e)
{
	if (!isfinite(mean) || !isfinite(var)) {
		err_set(e, ERR_INPUT,
			"%s(%g, %g): mean or variance beyond double range",
			dist_kind_name(d->kind), d->a, d->b);
		dist_free(d);
		return NULL;
	}
	d->mean = mean;
	d->var = var;
	return d;
}

/* ---- constructors ------------------------------------------------------ */

struct dist *dist_new_deterministic(double value, struct err *e)
{
	if (dist_need_nonneg(value, "deterministic", "value", e))
		return NULL;
	struct dist *d = dist_alloc(DIST_DETERMINISTIC, value, 0, e);
	return d ? dist_finish(d, value, 0, e) : NULL;
}

struct dist *dist_new_exponential(double mean, struct err *e)
{
	if (dist_need_pos(mean, "exponential", "mean", e))
		return NULL;
	struct dist *d = dist_alloc(DIST_EXPONENTIAL, mean, 0, e);
	return d ? dist_finish(d, mean, mean * mean, e) : NULL;
}

struct dist *dist_new_uniform(double min, double max, struct err *e)
{
	if (dist_need_nonneg(min, "uniform", "min", e) ||
	    dist_need_finite(max, "uniform", "max", e))
		return NULL;
	if (!(max > min)) {
		err_set(e, ERR_INPUT, "uniform max must be > min (%g), got %g",
			min, max);
		return NULL;
	}
	struct dist *d = dist_alloc(DIST_UNIFORM, min, max, e);
	double w = max - min;
	return d ? dist_finish(d, min + w / 2, w * w / 12, e) : NULL;
}

struct dist *dist_new_normal(double mean, double sd, struct err *e)
{
	if (dist_need_finite(mean, "normal", "mean", e) ||
	    dist_need_pos(sd, "normal", "sd", e))
		return NULL;
	/* Truncation at 0 = truncation of the standard normal at alpha. The
	 * inverse Mills ratio pdf/Q is the mean shift in sd units. */
	double alpha = -mean / sd;
	double q = gsl_cdf_ugaussian_Q(alpha);
	if (!(q >= DBL_MIN)) {
		err_set(e, ERR_INPUT,
			"normal mean %g is %g sd below 0: almost no mass is left "
			"after truncation at 0", mean, alpha);
		return NULL;
	}
	double lambda = gsl_ran_ugaussian_pdf(alpha) / q;
	struct dist *d = dist_alloc(DIST_NORMAL, mean, sd, e);
	return d ? dist_finish(d, mean + sd * lambda,
			       sd * sd * (1 + alpha * lambda - lambda * lambda), e)
		 : NULL;
}

struct dist *dist_new_lognormal(double mu, double sigma, struct err *e)
{
	if (dist_need_finite(mu, "lognormal", "mu", e) ||
	    dist_need_pos(sigma, "lognormal", "sigma", e))
		return NULL;
	double s2 = sigma * sigma;
	struct dist *d = dist_alloc(DIST_LOGNORMAL, mu, sigma, e);
	return d ? dist_finish(d, exp(mu + s2 / 2),
			       expm1(s2) * exp(2 * mu + s2), e)
		 : NULL;
}

struct dist *dist_new_lognormal_ms(double mean, double sd, struct err *e)
{
	if (dist_need_pos(mean, "lognormal", "mean", e) ||
	    dist_need_pos(sd, "lognormal", "sd", e))
		return NULL;
	double r = sd / mean;
	double s2 = log1p(r * r);
	if (!(s2 > 0) || !isfinite(s2)) {
		err_set(e, ERR_INPUT,
			"lognormal sd/mean ratio %g is outside double range", r);
		return NULL;
	}
	struct dist *d = dist_alloc(DIST_LOGNORMAL, log(mean) - s2 / 2,
				    sqrt(s2), e);
	/* The moments are the given ones; recomputing them from (mu, sigma)
	 * would only add rounding. */
	return d ? dist_finish(d, mean, sd * sd, e) : NULL;
}

struct dist *dist_new_gamma(double shape, double scale, struct err *e)
{
	if (dist_need_pos(shape, "gamma", "shape", e) ||
	    dist_need_pos(scale, "gamma", "scale", e))
		return NULL;
	struct dist *d = dist_alloc(DIST_GAMMA, shape, scale, e);
	return d ? dist_finish(d, shape * scale, shape * scale * scale, e)
		 : NULL;
}

struct dist *dist_new_weibull(double shape, double scale, struct err *e)
{
	if (dist_need_pos(shape, "weibull", "shape", e) ||
	    dist_need_pos(scale, "weibull", "scale", e))
		return NULL;
	/* var = scale^2 (G(1+2/k) - G(1+1/k)^2), written with lngamma and
	 * expm1 so large shapes (where the difference is tiny) keep their
	 * digits and small shapes overflow to inf instead of aborting in
	 * gsl_sf_gamma's error handler. */
	double l1 = gsl_sf_lngamma(1 + 1 / shape);
	double l2 = gsl_sf_lngamma(1 + 2 / shape);
	double mean = scale * exp(l1);
	double var = scale * scale * exp(2 * l1) * expm1(l2 - 2 * l1);
	struct dist *d = dist_alloc(DIST_WEIBULL, shape, scale, e);
	return d ? dist_finish(d, mean, var, e) : NULL;
}

struct dist *dist_new_pareto(double shape, double scale, struct err *e)
{
	if (dist_need_pos(shape, "pareto", "shape", e) ||
	    dist_need_pos(scale, "pareto", "scale", e))
		return NULL;
	struct dist *d = dist_alloc(DIST_PARETO, shape, scale, e);
	if (!d)
		return NULL;
	/* Infinite moments are legitimate here, so dist_finish's overflow
	 * check does not apply. */
	d->mean = shape > 1 ? shape * scale / (shape - 1) : INFINITY;
	d->var = shape > 2 ? scale * scale * shape /
			     ((shape - 1) * (shape - 1) * (shape - 2))
			   : INFINITY;
	return d;
}

struct dist *dist_new_empirical(const double *samples, size_t n,
				int interpolate, struct err *e)
{
	if (n == 0 || !samples) {
		err_set(e, ERR_INPUT, "empirical needs at least 1 sample");
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (dist_need_nonneg(samples[i], "empirical", "sample", e)) {
			err_prefix(e, "samples[%zu]", i);
			return NULL;
		}
	struct dist *d = dist_alloc(DIST_EMPIRICAL, 0, 0, e);
	if (!d)
		return NULL;
	d->interpolate = interpolate != 0;
	d->n = n;
	d->xs = malloc(n * sizeof *d->xs);
	if (!d->xs) {
		dist_free(d);
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	memcpy(d->xs, samples, n * sizeof *d->xs);
	gsl_sort(d->xs, 1, n);

	if (!d->interpolate || n == 1) {
		double m = gsl_stats_mean(d->xs, 1, n);
		return dist_finish(
			d, m, gsl_stats_variance_with_fixed_mean(d->xs, 1, n, m),
			e);
	}
	/* Interpolated: an equal-weight mixture of the n-1 uniforms on
	 * [x_i, x_i+1]; total variance = mean of the segments' variances
	 * (w^2/12) + variance of their midpoints. */
	double *mid = malloc((n - 1) * sizeof *mid);
	if (!mid) {
		dist_free(d);
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	double within = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		double w = d->xs[i + 1] - d->xs[i];
		mid[i] = d->xs[i] + w / 2;
		within += w * w / 12;
	}
	double m = gsl_stats_mean(mid, 1, n - 1);
	double var = within / (double)(n - 1) +
		     gsl_stats_variance_with_fixed_mean(mid, 1, n - 1, m);
	free(mid);
	return dist_finish(d, m, var, e);
}

struct dist *dist_new_mixture(struct dist **comps, const double *weights,
			      size_t n, struct err *e)
{
	struct dist *d = NULL;
	if (n == 0 || !comps) {
		err_set(e, ERR_INPUT, "mixture needs at least 1 component");
		goto fail;
	}
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		if (!comps[i]) {
			err_set(e, ERR_INPUT, "mixture component %zu is missing",
				i);
			goto fail;
		}
		double w = weights ? weights[i] : 1;
		if (dist_need_nonneg(w, "mixture", "weight", e)) {
			err_prefix(e, "weights[%zu]", i);
			goto fail;
		}
		sum += w;
	}
	if (!(sum > 0) || !isfinite(sum)) {
		err_set(e, ERR_INPUT,
			"mixture weights must have a finite sum > 0, got %g", sum);
		goto fail;
	}
	d = dist_alloc(DIST_MIXTURE, 0, 0, e);
	if (!d)
		goto fail;
	d->comps = malloc(n * sizeof *d->comps);
	d->w = malloc(n * sizeof *d->w);
	if (!d->comps || !d->w) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		d->w[i] = (weights ? weights[i] : 1) / sum;
	/* The weights were checked above: GSL's own check would call its
	 * error handler, which aborts by default. */
	d->table = gsl_ran_discrete_preproc(n, d->w);
	if (!d->table) {
		err_set(e, ERR_INTERNAL, "mixture: cannot build alias table");
		goto fail;
	}
	memcpy(d->comps, comps, n * sizeof *d->comps);
	d->n = n;
	return d;
fail:
	/* Ownership of comps passed to us even on failure. */
	if (d) {
		free(d->comps);
		free(d->w);
		free(d);
	}
	for (size_t i = 0; comps && i < n; i++)
		dist_free(comps[i]);
	return NULL;
}

void dist_free(struct dist *d)
{
	if (!d)
		return;
	for (size_t i = 0; d->comps && i < d->n; i++)
		dist_free(d->comps[i]);
	free(d->comps);
	free(d->w);
	if (d->table)
		gsl_ran_discrete_free(d->table);
	free(d->xs);
	free(d);
}

void dist_set_per_byte(struct dist *d, double per_byte)
{
	d->per_byte = per_byte;
}

enum dist_kind dist_kind(const struct dist *d)
{
	return d->kind;
}

const char *dist_kind_name(enum dist_kind k)
{
	switch (k) {
	case DIST_DETERMINISTIC: return "deterministic";
	case DIST_EXPONENTIAL:   return "exponential";
	case DIST_UNIFORM:       return "uniform";
	case DIST_NORMAL:        return "normal";
	case DIST_LOGNORMAL:     return "lognormal";
	case DIST_GAMMA:         return "gamma";
	case DIST_WEIBULL:       return "weibull";
	case DIST_PARETO:        return "pareto";
	case DIST_EMPIRICAL:     return "empirical";
	case DIST_MIXTURE:       return "mixture";
	}
	return "unknown";
}

/* ---- sampling and moments ---------------------------------------------- */

static double dist_sample_empirical(const struct dist *d, struct rng *r)
{
	if (!d->interpolate || d->n == 1)
		return d->xs[rng_below(r, d->n)];
	double t = gsl_rng_uniform(rng_gsl(r)) * (double)(d->n - 1);
	size_t i = (size_t)t;
	if (i > d->n - 2) /* u * (n-1) can round up to n-1 for huge n */
		i = d->n - 2;
	return d->xs[i] + (t - (double)i) * (d->xs[i + 1] - d->xs[i]);
}

double dist_sample(const struct dist *d, struct rng *r, double size)
{
	gsl_rng *g = rng_gsl(r);
	double x;
	switch (d->kind) {
	case DIST_DETERMINISTIC:
		x = d->a;
		break;
	case DIST_EXPONENTIAL:
		x = rng_exp(r, d->a);
		break;
	case DIST_UNIFORM:
		x = gsl_ran_flat(g, d->a, d->b);
		break;
	case DIST_NORMAL:
		if (d->a >= 0) {
			/* At least half the mass is >= 0: fewer than 2 tries. */
			do
				x = d->a + gsl_ran_gaussian_ziggurat(g, d->b);
			while (x < 0);
		} else {
			/* Mostly negative: draw the tail beyond -mean directly. */
			x = d->a + gsl_ran_gaussian_tail(g, -d->a, d->b);
			if (x < 0) /* rounding only */
				x = 0;
		}
		break;
	case DIST_LOGNORMAL:
		/* GSL's lognormal sampler uses the polar method (a
		 * rejection loop with log and sqrt); the ziggurat is ~3x
		 * faster and the law is the same */
		x = exp(d->a + d->b * gsl_ran_gaussian_ziggurat(g, 1.0));
		break;
	case DIST_GAMMA:
		x = gsl_ran_gamma(g, d->a, d->b);
		break;
	case DIST_WEIBULL:
		x = gsl_ran_weibull(g, d->b, d->a); /* GSL: (scale, shape) */
		break;
	case DIST_PARETO:
		x = gsl_ran_pareto(g, d->a, d->b); /* GSL: (shape, scale) */
		break;
	case DIST_EMPIRICAL:
		x = dist_sample_empirical(d, r);
		break;
	case DIST_MIXTURE:
		x = dist_sample(d->comps[gsl_ran_discrete(g, d->table)], r,
				size);
		break;
	default:
		x = 0;
		break;
	}
	return x + d->per_byte * size;
}

double dist_mean(const struct dist *d, double size)
{
	double m;
	if (d->kind == DIST_MIXTURE) {
		m = 0;
		for (size_t i = 0; i < d->n; i++)
			if (d->w[i] > 0)
				m += d->w[i] * dist_mean(d->comps[i], size);
	} else {
		m = d->mean;
	}
	return m + d->per_byte * size;
}

double dist_var(const struct dist *d, double size)
{
	if (d->kind != DIST_MIXTURE)
		return d->var;
	double m = dist_mean(d, size) - d->per_byte * size;
	if (isinf(m))
		return INFINITY;
	double v = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!(d->w[i] > 0))
			continue;
		double dm = dist_mean(d->comps[i], size) - m;
		v += d->w[i] * (dist_var(d->comps[i], size) + dm * dm);
	}
	return v;
}

/* ---- reading samples --------------------------------------------------- */

static char *dist_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
			   s[len - 1] == '\r' || s[len - 1] == '\n'))
		s[--len] = '\0';
	return s;
}

int dist_read_samples(const char *path, double **out, size_t *n,
		      struct err *e)
{
	*out = NULL;
	*n = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(e, ERR_INPUT, "%s: cannot open: %s", path,
			       strerror(errno));
	/* a directory or a device (/dev/zero) is the user's mistake, and
	 * reading one line of /dev/zero would never end */
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(f);
		return err_set(e, ERR_INPUT, "%s: not a regular file", path);
	}
	char *line = NULL;
	size_t cap = 0, count = 0, alloc = 0, lineno = 0;
	double *xs = NULL;
	int seen_content = 0, rc = -1;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (memchr(line, '\0', (size_t)len)) {
			err_set(e, ERR_INPUT, "%s:%zu: line contains a NUL byte",
				path, lineno);
			goto out;
		}
		char *s = dist_trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *comma = strchr(s, ',');
		if (comma)
			*comma = '\0';
		s = dist_trim(s);
		char *end;
		double x = strtod(s, &end);
		if (end == s || *end != '\0') {
			if (!seen_content) { /* the one header line */
				seen_content = 1;
				continue;
			}
			err_set(e, ERR_INPUT, "%s:%zu: not a number: '%s'", path,
				lineno, s);
			goto out;
		}
		seen_content = 1;
		if (!isfinite(x)) {
			err_set(e, ERR_INPUT, "%s:%zu: not a finite number: '%s'",
				path, lineno, s);
			goto out;
		}
		if (x < 0) {
			err_set(e, ERR_INPUT, "%s:%zu: negative sample: '%s'",
				path, lineno, s);
			goto out;
		}
		if (count == alloc) {
			size_t na = alloc ? 2 * alloc : 256;
			double *nx = realloc(xs, na * sizeof *nx);
			if (!nx) {
				err_set(e, ERR_INTERNAL, "%s: out of memory", path);
				goto out;
			}
			xs = nx;
			alloc = na;
		}
		xs[count++] = x;
	}
	if (ferror(f) || !feof(f)) { /* getline also fails on ENOMEM */
		err_set(e, ERR_INTERNAL, "%s:%zu: read error: %s", path,
			lineno + 1, strerror(errno));
		goto out;
	}
	if (count == 0) {
		err_set(e, ERR_INPUT, "%s: no samples%s", path,
			lineno == 0 ? " (empty file)" : "");
		goto out;
	}
	*out = xs;
	*n = count;
	xs = NULL;
	rc = 0;
out:
	free(xs);
	free(line);
	fclose(f);
	return rc;
}
