/*
 * dist: probability distributions for service times, cold starts, message
 * sizes, outputs per input and the like, sampled with GSL.
 *
 * A dist is immutable once built, so one dist can be shared by many samplers;
 * all state lives in the struct rng passed to dist_sample. Any dist may carry a
 * per-byte term: a sample is X + per_byte * size, where X is drawn from the
 * base distribution and size is the message size given by the caller (pass 0
 * where there is no message). This module knows nothing of JSON: the config
 * loader maps JSON onto these constructors.
 * Ownership: constructors return a dist the caller frees with dist_free;
 * dist_new_mixture takes ownership of its components.
 */
#ifndef SPATE_DIST_H
#define SPATE_DIST_H

#include <stddef.h>

struct err;
struct rng;
struct dist;

enum dist_kind {
	DIST_DETERMINISTIC,
	DIST_EXPONENTIAL,
	DIST_UNIFORM,
	DIST_NORMAL,      /* truncated at 0: resampled, never clamped */
	DIST_LOGNORMAL,
	DIST_GAMMA,
	DIST_WEIBULL,
	DIST_PARETO,
	DIST_EMPIRICAL,
	DIST_MIXTURE,
};

/* Constructors return NULL and fill e (ERR_INPUT naming the bad parameter,
 * e.g. "sd must be > 0, got -1") when a parameter is out of its domain. */
struct dist *dist_new_deterministic(double value, struct err *e);
struct dist *dist_new_exponential(double mean, struct err *e);
struct dist *dist_new_uniform(double min, double max, struct err *e);
/* mean and sd of the parent normal, before truncation at 0 */
struct dist *dist_new_normal(double mean, double sd, struct err *e);
struct dist *dist_new_lognormal(double mu, double sigma, struct err *e);
/* lognormal whose own mean and sd are as given */
struct dist *dist_new_lognormal_ms(double mean, double sd, struct err *e);
struct dist *dist_new_gamma(double shape, double scale, struct err *e);
struct dist *dist_new_weibull(double shape, double scale, struct err *e);
/* Pareto type I: P(X > x) = (scale/x)^shape for x >= scale */
struct dist *dist_new_pareto(double shape, double scale, struct err *e);
/* Copies the samples. interpolate = 0: draw one of the samples uniformly
 * (bootstrap); 1: piecewise-linear inverse of the empirical CDF. */
struct dist *dist_new_empirical(const double *samples, size_t n,
				int interpolate, struct err *e);
/* Takes ownership of comps[0..n) (freed even on failure); weights need not
 * sum to 1 but must be >= 0 with a positive sum. */
struct dist *dist_new_mixture(struct dist **comps, const double *weights,
			      size_t n, struct err *e);
void dist_free(struct dist *d);

/* Reads one number per line (first CSV column; '#' comments, blank lines
 * and one header line are skipped) into a malloc'd array. Returns 0, or -1
 * with e naming "path:line". */
int dist_read_samples(const char *path, double **out, size_t *n, struct err *e);

void dist_set_per_byte(struct dist *d, double per_byte);

enum dist_kind dist_kind(const struct dist *d);
const char *dist_kind_name(enum dist_kind k);

/* A draw, X + per_byte * size. Never negative for the shipped kinds. */
double dist_sample(const struct dist *d, struct rng *r, double size);

/* Exact mean and variance of X + per_byte * size (size fixed); INFINITY when
 * the moment does not exist (Pareto with shape <= 1 or <= 2). */
double dist_mean(const struct dist *d, double size);
double dist_var(const struct dist *d, double size);

#endif
