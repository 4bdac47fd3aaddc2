/*
 * rng: named random streams on top of GSL generators.
 *
 * Seeding scheme (changing it changes every run's numbers, so do it on
 * purpose): the stream seed is
 *     mix(mix(run_seed ^ K) ^ fnv1a64(name))
 * where mix is the splitmix64 finalizer (a bijection on 64 bits with full
 * avalanche) and fnv1a64 is 64-bit FNV-1a over the name's bytes. A stream
 * therefore depends only on (run seed, its own name), never on how many
 * streams exist or the order they were made in. Because mix is a bijection,
 * two names with different FNV hashes get different seeds under one run
 * seed, and one name gets different seeds under different run seeds.
 * GSL seeds are unsigned long and most GSL types (mt19937, taus, ranlux)
 * only use 32 bits of it, so the 64-bit stream seed is folded to 32 bits by
 * xoring its halves; that also keeps results identical where long is 32
 * bits. 0 is never passed to gsl_rng_set, since several types silently map
 * it onto another seed (mt19937: 4357, taus: 1).
 *
 * Access pattern: rng_new runs once per component at model build time; the
 * draw functions run once or more per simulated event, so they are one
 * GSL call each with no checks beyond what GSL does.
 */
#define HAVE_INLINE 1 /* GSL's inline gsl_rng_uniform & co. */

#include "rng.h"

#include <math.h>
#include "rng_gsl.h"

#include <gsl/gsl_randist.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rng_fnv1a64(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h ^= *p;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

uint64_t rng_stream_seed(uint64_t run_seed, const char *name)
{
	uint64_t k = rng_mix64(run_seed ^ UINT64_C(0x9e3779b97f4a7c15));
	return rng_mix64(k ^ rng_fnv1a64(name ? name : ""));
}

static const gsl_rng_type *rng_find_type(const char *type)
{
	if (!type)
		return NULL;
	for (const gsl_rng_type **t = gsl_rng_types_setup(); *t; t++)
		if (strcmp((*t)->name, type) == 0)
			return *t;
	return NULL;
}

int rng_type_valid(const char *type)
{
	return rng_find_type(type) != NULL;
}

struct rng *rng_new(uint64_t run_seed, const char *name, const char *type)
{
	const gsl_rng_type *t = rng_find_type(type ? type : RNG_DEFAULT_TYPE);
	if (!t)
		return NULL;
	struct rng *r = malloc(sizeof *r);
	if (!r)
		return NULL;
	r->g = gsl_rng_alloc(t);
	if (!r->g) {
		free(r);
		return NULL;
	}
	uint64_t s = rng_stream_seed(run_seed, name);
	unsigned long folded = (unsigned long)(uint32_t)(s ^ (s >> 32));
	if (folded == 0)
		folded = 0x9e3779b9UL;
	gsl_rng_set(r->g, folded);

	r->range = t->max - t->min;
	/* Largest b with 2^b <= range + 1, i.e. raw - min < 2^b is uniform. */
	unsigned b = 0;
	while (b < 63 && (((uint64_t)1 << (b + 1)) - 1) <= (uint64_t)r->range)
		b++;
	r->chunk_bits = b;
	return r;
}

void rng_free(struct rng *r)
{
	if (!r)
		return;
	gsl_rng_free(r->g);
	free(r);
}

double rng_uniform(struct rng *r)
{
	return gsl_rng_uniform(r->g);
}

double rng_uniform_pos(struct rng *r)
{
	return gsl_rng_uniform_pos(r->g);
}

/* n above the generator's range: concatenate uniform chunks into the
 * ceil(log2 n) bits n needs and reject values >= n (fewer than 2 tries on
 * average). Each chunk is itself rejection-sampled, so no value is favoured
 * even for types whose range + 1 is not a power of two. */
static uint64_t rng_below_wide(struct rng *r, uint64_t n)
{
	if (n <= 1)
		return 0;
	unsigned bits = 0;
	for (uint64_t m = n - 1; m; m >>= 1)
		bits++;
	uint64_t mask = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
	unsigned long min = r->g->type->min;
	unsigned cb = r->chunk_bits;
	uint64_t w;
	do {
		w = 0;
		for (unsigned got = 0; got < bits; got += cb) {
			uint64_t v;
			do
				v = (uint64_t)(gsl_rng_get(r->g) - min);
			while (v >> cb);
			w = (w << cb) | v;
		}
		w &= mask;
	} while (w >= n);
	return w;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	/* n - 1 < range <=> 1 <= n <= range (n == 0 wraps to the slow path). */
	if (n - 1 < (uint64_t)r->range)
		return gsl_rng_uniform_int(r->g, (unsigned long)n);
	return rng_below_wide(r, n);
}

/* gsl_ran_exponential computes -mean * log1p(-u); glibc's log1p costs
 * about twice log() and was 43% of an engine event (perf, M/M/10). U and
 * 1 - U have the same law on (0, 1), so -mean * log(U) is the same draw. */
double rng_exp(struct rng *r, double mean)
{
	return -mean * log(gsl_rng_uniform_pos(r->g));
}

double rng_round(struct rng *r, double x)
{
	if (!(x > 0))
		return 0;
	double k = floor(x);
	return k + (gsl_rng_uniform(r->g) < x - k ? 1 : 0);
}

int rng_bernoulli(struct rng *r, double p)
{
	return (int)gsl_ran_bernoulli(r->g, p);
}
