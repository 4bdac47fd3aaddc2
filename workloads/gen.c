/*
 * gen: see gen.h. Keys are "0".."key_space-1" as decimal text hashed like
 * any trace key, so a generator and a trace with the same keys land on the
 * same partitions.
 */
#include "gen.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "dist.h"
#include "err.h"
#include "rng.h"

int gen_check_int(const char *name, double v, struct err *e)
{
	if (!(v >= 0 && v <= GEN_INT_MAX) || v != floor(v))
		return err_set(e, ERR_INPUT,
			       "%s must be an integer in [0, 2^53], got %g", name, v);
	return 0;
}

int gen_open(struct gen_tail *g, const union param_val *p, int size_i,
	     struct rng *rng, const char *who, struct err *e)
{
	double dur = p[size_i + 2].num;
	if (!(dur >= 0) || isnan(dur))
		return err_set(e, ERR_INPUT, "duration_s must be >= 0, got %g", dur);
	if (gen_check_int("key_space", p[size_i + 1].num, e) < 0 ||
	    gen_check_int("count", p[size_i + 3].num, e) < 0)
		return -1;
	if (!rng)
		return err_set(e, ERR_INTERNAL, "%s: no random stream given", who);
	*g = (struct gen_tail){
		.rng = rng,
		.size = p[size_i].dist,
		.duration = isinf(dur) ? 0 : dur,
		.key_space = (uint64_t)p[size_i + 1].num,
		.count = (uint64_t)p[size_i + 3].num,
	};
	return 0;
}

int gen_over(struct gen_tail *g)
{
	if (g->count && g->emitted >= g->count)
		g->done = 1;
	return g->done;
}

int gen_past(struct gen_tail *g, double t)
{
	if (g->duration > 0 && t >= g->duration)
		g->done = 1;
	return g->done;
}

int gen_emit(struct gen_tail *g, double t, struct arrival *a)
{
	double size = g->size ? dist_sample(g->size, g->rng, 0) : 0;
	*a = (struct arrival){ .t = t, .size = size };
	if (g->key_space) {
		char key[24];
		int len = snprintf(key, sizeof key, "%" PRIu64,
				   rng_below(g->rng, g->key_space));
		a->key = workload_key_hash(key, (size_t)len);
		a->keyed = 1;
	}
	g->emitted++;
	return 1;
}
