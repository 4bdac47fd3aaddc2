/*
 * poisson: a homogeneous Poisson arrival process, the reference open-loop
 * load of queueing theory (M/x/c results in qtheory apply to it directly).
 *
 * Each arrival draws, in this fixed order, from the source's own stream: the
 * exponential gap, the size, then the key. The order is part of the
 * workload's definition: two runs with the same seed and parameters see the
 * same messages whatever the policy, which is what paired comparisons need.
 * Constant memory, O(1) per arrival.
 * Size, keys and the end (duration or count) are the generators' shared
 * tail (gen.h).
 */
#include "gen.h"
#include "workload.h"

#include "err.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>

enum { P_RATE, P_SIZE, P_KEY_SPACE, P_DURATION, P_COUNT, P_N };

static const struct param_def poisson_params[P_N] = {
	[P_RATE] = {
		.name = "rate", .type = PARAM_NUM, .def = 1, .min = 0, .max = INFINITY,
		.help = "mean arrival rate in messages per second (> 0); gaps are "
			"exponential with mean 1/rate",
	},
	GEN_TAIL_PARAMS(P_SIZE),
};

struct poisson {
	struct gen_tail g;     /* size, keys, end; its stream */
	double mean_gap;
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
	struct gen_tail tail;
	if (gen_open(&tail, p, P_SIZE, rng, "poisson", e) < 0)
		return NULL;
	struct poisson *s = malloc(sizeof *s);
	if (!s) {
		err_set(e, ERR_INTERNAL, "poisson: out of memory");
		return NULL;
	}
	*s = (struct poisson){ .g = tail, .mean_gap = 1.0 / rate };
	return s;
}

static int poisson_next(void *state, struct arrival *a, struct err *e)
{
	struct poisson *s = state;
	if (gen_over(&s->g))
		return 0;
	s->t += rng_exp(s->g.rng, s->mean_gap);
	if (gen_past(&s->g, s->t))
		return 0;
	return gen_emit(&s->g, s->t, a);
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
