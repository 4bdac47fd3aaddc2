/*
 * poisson: a homogeneous Poisson arrival process, the reference open-loop
 * load of queueing theory (M/x/c results in qtheory apply to it directly).
 *
 * Each arrival draws, in this fixed order, from the source's own stream: the
 * exponential gap, the size, then the key. The order is part of the
 * workload's definition: two runs with the same seed and parameters see the
 * same messages whatever the policy, which is what paired comparisons need.
 * Constant memory, O(1) per arrival.
 * Keys: "0".."key_space-1" as decimal text, hashed like any trace key, so a
 * generated keyed stream spreads over partitions exactly as a real one with
 * that many distinct keys would.
 */
#include "workload.h"

#include "dist.h"
#include "err.h"
#include "rng.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { P_RATE, P_SIZE, P_KEY_SPACE, P_COUNT, P_N };

/* Integers stored in a double are exact up to 2^53. */
#define POISSON_INT_MAX 9007199254740992.0

static const struct param_def poisson_params[P_N] = {
	[P_RATE] = {
		.name = "rate", .type = PARAM_NUM, .def = 1, .min = 0, .max = INFINITY,
		.help = "mean arrival rate in messages per second (> 0); gaps are "
			"exponential with mean 1/rate",
	},
	[P_SIZE] = {
		.name = "size", .type = PARAM_DIST, .def_str = "0",
		.help = "message size in bytes (or work units), a distribution drawn "
			"once per message; default: always 0",
	},
	[P_KEY_SPACE] = {
		.name = "key_space", .type = PARAM_INT, .def = 0, .min = 0,
		.max = POISSON_INT_MAX,
		.help = "number of distinct message keys, each message taking one "
			"uniformly at random (keyed partitioning); 0 = keyless, "
			"round robin over partitions",
	},
	[P_COUNT] = {
		.name = "count", .type = PARAM_INT, .def = 0, .min = 0,
		.max = POISSON_INT_MAX,
		.help = "stop after this many messages; 0 = unlimited (the run's "
			"duration ends it)",
	},
};

struct poisson {
	struct rng *rng;
	const struct dist *size;   /* NULL: size 0 */
	double mean_gap;           /* seconds */
	uint64_t key_space;        /* 0: keyless */
	uint64_t count;            /* 0: unlimited */
	uint64_t emitted;
	double t;
};

static void *poisson_open(const union param_val *p, struct rng *rng,
			  struct err *e)
{
	double rate = p[P_RATE].num;
	if (!(rate > 0) || !isfinite(rate)) {
		err_set(e, ERR_INPUT, "rate must be > 0 and finite, got %g", rate);
		return NULL;
	}
	double ks = p[P_KEY_SPACE].num, n = p[P_COUNT].num;
	if (!(ks >= 0 && ks <= POISSON_INT_MAX) || ks != floor(ks)) {
		err_set(e, ERR_INPUT,
			"key_space must be an integer in [0, 2^53], got %g", ks);
		return NULL;
	}
	if (!(n >= 0 && n <= POISSON_INT_MAX) || n != floor(n)) {
		err_set(e, ERR_INPUT,
			"count must be an integer in [0, 2^53], got %g", n);
		return NULL;
	}
	if (!rng) {
		err_set(e, ERR_INTERNAL, "poisson: no random stream given");
		return NULL;
	}
	struct poisson *s = malloc(sizeof *s);
	if (!s) {
		err_set(e, ERR_INTERNAL, "poisson: out of memory");
		return NULL;
	}
	*s = (struct poisson){
		.rng = rng,
		.size = p[P_SIZE].dist,
		.mean_gap = 1.0 / rate,
		.key_space = (uint64_t)ks,
		.count = (uint64_t)n,
	};
	return s;
}

static int poisson_next(void *state, struct arrival *a, struct err *e)
{
	struct poisson *s = state;
	if (s->count && s->emitted >= s->count)
		return 0;
	s->t += rng_exp(s->rng, s->mean_gap);
	double size = s->size ? dist_sample(s->size, s->rng, 0) : 0;
	*a = (struct arrival){ .t = s->t, .size = size };
	if (s->key_space) {
		char key[24];
		int len = snprintf(key, sizeof key, "%" PRIu64,
				   rng_below(s->rng, s->key_space));
		a->key = workload_key_hash(key, (size_t)len);
		a->keyed = 1;
	}
	s->emitted++;
	return 1;
}

static void poisson_close(void *state)
{
	free(state);
}

const struct workload workload_poisson = {
	.name = "poisson",
	.help = "Poisson arrivals: exponential gaps at a constant rate, sizes from "
		"a distribution, optional uniform keys",
	.params = poisson_params,
	.nparams = P_N,
	.open = poisson_open,
	.next = poisson_next,
	.close = poisson_close,
};
