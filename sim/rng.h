/*
 * rng: independent random streams, one per model component.
 *
 * A stream is named ("source/requests/arrivals", "fn/infer/service", ...) and
 * its seed is a hash of (run seed, name). Streams therefore do not depend on
 * how many other components exist or in what order they were created: adding
 * a function to a DAG does not shift the arrivals of a source, which is what
 * makes common random numbers across policies and configs possible.
 * The generator itself comes from GSL; the type is chosen by name at run time.
 * Ownership: the caller owns what rng_new returns and frees it with rng_free.
 */
#ifndef SPATE_RNG_H
#define SPATE_RNG_H

#include <stdint.h>

struct rng;

/* Default GSL generator type used when rng_new gets type == NULL. */
#define RNG_DEFAULT_TYPE "mt19937"

/* The 64-bit seed a stream of this name gets under this run seed. */
uint64_t rng_stream_seed(uint64_t run_seed, const char *name);

/* Returns a new stream, or NULL when the type name is unknown to GSL or memory
 * runs out. */
struct rng *rng_new(uint64_t run_seed, const char *name, const char *type);
void rng_free(struct rng *r);

/* Nonzero when `type` names a GSL generator. */
int rng_type_valid(const char *type);

double rng_uniform(struct rng *r);          /* [0, 1) */
double rng_uniform_pos(struct rng *r);      /* (0, 1) */
uint64_t rng_below(struct rng *r, uint64_t n); /* uniform in [0, n), n >= 1 */
double rng_exp(struct rng *r, double mean);
int rng_bernoulli(struct rng *r, double p);
/* Randomized rounding: floor(x) or floor(x) + 1, with mean exactly x (used
 * for fractional counts: outputs per input, copies per arrival). 0 for
 * x <= 0 or NaN. */
double rng_round(struct rng *r, double x);

#endif
