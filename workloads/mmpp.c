/*
 * mmpp: a Markov-modulated Poisson process, the standard model of bursty
 * open-loop load. A hidden continuous-time Markov chain over 2..4 states
 * holds each state i for an exponential sojourn of mean mean_sojourn<i>;
 * while in state i, messages arrive as a Poisson process of rate rate<i>.
 * The two-state MMPP (a calm and a burst state) is the classic burst model;
 * its inter-arrival CV exceeds 1 whenever the two rates differ.
 *
 * The list of states is given as fixed slots rate0..rate3 and
 * mean_sojourn0..mean_sojourn3, of which the first `states` are used: the
 * parameter table holds scalars only, and four slots cover the usual 2- and
 * 3-level burst models without a string mini-language.
 * Leaving state i, the chain either cycles (i -> i+1 mod n) or jumps
 * uniformly to one of the n-1 other states. Both embedded chains are doubly
 * stochastic, so in both cases the stationary probability of state i is its
 * share of time, pi_i = mean_sojourn_i / sum_j mean_sojourn_j, and the mean
 * rate is sum_i pi_i rate_i. The start state is fixed or drawn from pi; the
 * first sojourn is a full exponential one either way (memorylessness makes
 * that the stationary residual too), so the stationary start gives a
 * stationary process from t = 0.
 *
 * Generation is exact without thinning: by memorylessness, a Poisson gap
 * drawn in state i that overshoots the end of the sojourn is discarded and
 * redrawn from the switch time in the next state. Random draws happen in
 * simulated-time order: open draws the start state (when stationary) and
 * the first sojourn; each arrival then draws gaps and, for every switch it
 * crosses, the next state (uniform mode) and its sojourn, then the size,
 * then the key. Times only grow (each is the previous time plus a positive
 * gap or a sojourn), so arrivals are non-decreasing by construction.
 * Constant memory; O(1 + switches crossed) per arrival.
 */
#include "gen.h"
#include "workload.h"

#include "err.h"
#include "rng.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum {
	P_STATES, P_TRANSITION, P_START,
	P_RATE0, P_RATE1, P_RATE2, P_RATE3,
	P_SOJ0, P_SOJ1, P_SOJ2, P_SOJ3,
	P_SIZE, P_KEY_SPACE, P_DURATION, P_COUNT, P_N
};

enum { MMPP_MAX_STATES = 4 };
enum { MMPP_CYCLE, MMPP_UNIFORM };

static const struct param_def mmpp_params[P_N] = {
	[P_STATES] = {
		.name = "states", .type = PARAM_INT, .def = 2, .min = 2,
		.max = MMPP_MAX_STATES,
		.help = "number of states of the modulating chain (2..4); states "
			"0..states-1 use rate<i> and mean_sojourn<i>, the other "
			"slots are ignored",
	},
	[P_TRANSITION] = {
		.name = "transition", .type = PARAM_ENUM, .def = MMPP_CYCLE,
		.choices = "cycle|uniform",
		.help = "where the chain goes when a sojourn ends: cycle = state "
			"i+1 (mod states), uniform = one of the other states "
			"uniformly at random (the same for 2 states)",
	},
	[P_START] = {
		.name = "start", .type = PARAM_INT, .def = -1, .min = -1,
		.max = MMPP_MAX_STATES - 1,
		.help = "state at t = 0 (0..states-1); -1 = drawn from the "
			"stationary distribution (pi_i proportional to "
			"mean_sojourn<i>), making the process stationary from 0",
	},
	[P_RATE0] = {
		.name = "rate0", .type = PARAM_NUM, .def = 1, .min = 0,
		.max = INFINITY,
		.help = "arrival rate in state 0, messages per second (>= 0)",
	},
	[P_RATE1] = {
		.name = "rate1", .type = PARAM_NUM, .def = 10, .min = 0,
		.max = INFINITY,
		.help = "arrival rate in state 1, messages per second (>= 0)",
	},
	[P_RATE2] = {
		.name = "rate2", .type = PARAM_NUM, .def = 1, .min = 0,
		.max = INFINITY,
		.help = "arrival rate in state 2, messages per second (>= 0; "
			"used when states >= 3)",
	},
	[P_RATE3] = {
		.name = "rate3", .type = PARAM_NUM, .def = 1, .min = 0,
		.max = INFINITY,
		.help = "arrival rate in state 3, messages per second (>= 0; "
			"used when states = 4)",
	},
	[P_SOJ0] = {
		.name = "mean_sojourn0", .type = PARAM_NUM, .def = 10, .min = 0,
		.max = INFINITY,
		.help = "mean time spent in state 0 per visit, seconds (> 0; "
			"exponential)",
	},
	[P_SOJ1] = {
		.name = "mean_sojourn1", .type = PARAM_NUM, .def = 1, .min = 0,
		.max = INFINITY,
		.help = "mean time spent in state 1 per visit, seconds (> 0; "
			"exponential)",
	},
	[P_SOJ2] = {
		.name = "mean_sojourn2", .type = PARAM_NUM, .def = 1, .min = 0,
		.max = INFINITY,
		.help = "mean time spent in state 2 per visit, seconds (> 0; "
			"used when states >= 3)",
	},
	[P_SOJ3] = {
		.name = "mean_sojourn3", .type = PARAM_NUM, .def = 1, .min = 0,
		.max = INFINITY,
		.help = "mean time spent in state 3 per visit, seconds (> 0; "
			"used when states = 4)",
	},
	GEN_TAIL_PARAMS(P_SIZE),

};

struct mmpp {
	struct gen_tail g;     /* size, keys, end; its stream */
	int n, transition, state;
	double rate[MMPP_MAX_STATES];      /* messages per second */
	double sojourn[MMPP_MAX_STATES];   /* mean, seconds */
	double t;                  /* time of the last arrival or switch */
	double switch_at;          /* end of the current sojourn */
};

static void *mmpp_open(const union param_val *p, struct rng *rng, struct err *e)
{
	double ns = p[P_STATES].num, st = p[P_START].num;
	if (!(ns >= 2 && ns <= MMPP_MAX_STATES) || ns != floor(ns)) {
		err_set(e, ERR_INPUT, "states must be an integer in [2, %d], got %g",
			MMPP_MAX_STATES, ns);
		return NULL;
	}
	int n = (int)ns;
	if (!(st >= -1 && st < ns) || st != floor(st)) {
		err_set(e, ERR_INPUT,
			"start must be -1 (stationary) or a state in [0, %d] "
			"(states is %d), got %g", n - 1, n, st);
		return NULL;
	}
	double total_rate = 0;
	for (int i = 0; i < n; i++) {
		double r = p[P_RATE0 + i].num, m = p[P_SOJ0 + i].num;
		if (!(r >= 0) || !isfinite(r)) {
			err_set(e, ERR_INPUT, "rate%d must be >= 0 and finite, got %g",
				i, r);
			return NULL;
		}
		if (!(m > 0) || !isfinite(m)) {
			err_set(e, ERR_INPUT,
				"mean_sojourn%d must be > 0 and finite, got %g", i, m);
			return NULL;
		}
		total_rate += r;
	}
	if (!(total_rate > 0)) {
		err_set(e, ERR_INPUT,
			"rate0..rate%d are all 0: the %d states used would never "
			"produce a message", n - 1, n);
		return NULL;
	}
	struct gen_tail tail;
	if (gen_open(&tail, p, P_SIZE, rng, "mmpp", e) < 0)
		return NULL;
	struct mmpp *s = malloc(sizeof *s);
	if (!s) {
		err_set(e, ERR_INTERNAL, "mmpp: out of memory");
		return NULL;
	}
	*s = (struct mmpp){
		.g = tail,
		.n = n,
		.transition = (int)p[P_TRANSITION].num,
	};
	double soj_sum = 0;
	for (int i = 0; i < n; i++) {
		s->rate[i] = p[P_RATE0 + i].num;
		s->sojourn[i] = p[P_SOJ0 + i].num;
		soj_sum += s->sojourn[i];
	}
	if (st >= 0) {
		s->state = (int)st;
	} else {
		/* pi_i = share of mean sojourn time; a cumulative walk over at
		 * most 4 states */
		double u = rng_uniform(rng) * soj_sum, acc = 0;
		s->state = n - 1;
		for (int i = 0; i < n - 1; i++) {
			acc += s->sojourn[i];
			if (u < acc) {
				s->state = i;
				break;
			}
		}
	}
	s->switch_at = rng_exp(rng, s->sojourn[s->state]);
	return s;
}

static void mmpp_switch(struct mmpp *s)
{
	s->t = s->switch_at;
	if (s->transition == MMPP_CYCLE) {
		s->state = (s->state + 1) % s->n;
	} else {
		int k = (int)rng_below(s->g.rng, (uint64_t)(s->n - 1));
		s->state = k < s->state ? k : k + 1;
	}
	s->switch_at = s->t + rng_exp(s->g.rng, s->sojourn[s->state]);
}

static int mmpp_next(void *state, struct arrival *a, struct err *e)
{
	struct mmpp *s = state;
	if (gen_over(&s->g))
		return 0;
	for (;;) {
		double r = s->rate[s->state];
		double t = r > 0 ? s->t + rng_exp(s->g.rng, 1.0 / r) : INFINITY;
		if (t < s->switch_at) {
			s->t = t;
			break;
		}
		mmpp_switch(s);
		/* a silent state must not run the chain past the end forever */
		if (gen_past(&s->g, s->t))
			return 0;
	}
	if (gen_past(&s->g, s->t))
		return 0;
	return gen_emit(&s->g, s->t, a);
}

static void mmpp_close(void *state)
{
	free(state);
}

const struct workload workload_mmpp = {
	.name = "mmpp",
	.help = "Markov-modulated Poisson process: 2..4 states with their own "
		"Poisson rates and exponential sojourns (cycling or jumping "
		"uniformly), for bursty load",
	.params = mmpp_params,
	.nparams = P_N,
	.open = mmpp_open,
	.next = mmpp_next,
	.close = mmpp_close,
};
