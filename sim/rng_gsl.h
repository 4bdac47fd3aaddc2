/*
 * rng_gsl: private bridge between rng and dist. Only rng.c and dist.c include
 * it; everything else sees struct rng as opaque (rng.h). It exists so dist.c
 * can hand the underlying generator to GSL's samplers without rng.h leaking
 * GSL into every module. The accessor is static inline because dist_sample
 * calls it once per draw on the simulator's hot path.
 */
#ifndef SPATE_RNG_GSL_H
#define SPATE_RNG_GSL_H

#include <gsl/gsl_rng.h>

struct rng {
	gsl_rng *g;
	/* type->max - type->min: the largest n gsl_rng_uniform_int accepts. */
	unsigned long range;
	/* Bits one raw draw yields uniformly, after rejecting values >= 2^bits
	 * (32 for mt19937, 24 for ranlxs0); used only when n > range. */
	unsigned chunk_bits;
};

static inline gsl_rng *rng_gsl(struct rng *r)
{
	return r->g;
}

#endif
