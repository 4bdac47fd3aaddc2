/*
 * periodic: timer-driven arrivals, like a cron job, a sensor or a batch
 * export: tick j is due at phase_s + j * period_s (j = 0, 1, ...) and
 * fires late by a jitter drawn from a distribution (default: none), then
 * emits per_tick messages at once.
 *
 * Jitter is a delay, never an advance (timers fire late, not early; dists
 * are non-negative); a symmetric +-j jitter is uniform(0, 2j) with every
 * tick shifted by j, which only moves the phase. Order is guaranteed by
 * construction: a tick fires at max(due + jitter, previous tick's firing
 * time), i.e. a tick that would overtake a later-firing predecessor fires
 * together with it, as a single-threaded timer would. With a jitter always
 * below period_s nothing is ever clamped, and the long-run rate is
 * per_tick / period_s whatever the jitter.
 * The per-tick batch is `per_tick` rather than `count`, because `count`
 * is the total that ends the stream, as in every generator.
 *
 * Random draws, in order: per tick its jitter (before its first message),
 * then per message its size and its key. Due times are computed from the
 * tick index, so a long run does not drift. Constant memory, O(1) per
 * arrival.
 */
#include "workload.h"

#include "dist.h"
#include "err.h"
#include "rng.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum {
	P_PERIOD, P_PHASE, P_JITTER, P_PER_TICK, P_SIZE, P_KEY_SPACE,
	P_DURATION, P_COUNT, P_N
};

/* Integers stored in a double are exact up to 2^53. */
#define PERIODIC_INT_MAX 9007199254740992.0

static const struct param_def periodic_params[P_N] = {
	[P_PERIOD] = {
		.name = "period_s", .type = PARAM_NUM, .def = 1, .min = 0,
		.max = INFINITY,
		.help = "time between the due times of two ticks, seconds (> 0)",
	},
	[P_PHASE] = {
		.name = "phase_s", .type = PARAM_NUM, .def = 0, .min = 0,
		.max = INFINITY,
		.help = "due time of the first tick, seconds (in [0, period_s))",
	},
	[P_JITTER] = {
		.name = "jitter", .type = PARAM_DIST, .def_str = "0",
		.help = "delay of each tick after its due time, seconds, a "
			"distribution drawn once per tick; a tick never fires "
			"before the previous one (it is held back to it); "
			"default: always 0",
	},
	[P_PER_TICK] = {
		.name = "per_tick", .type = PARAM_INT, .def = 1, .min = 1,
		.max = PERIODIC_INT_MAX,
		.help = "messages emitted at once by each tick (>= 1)",
	},
	[P_SIZE] = {
		.name = "size", .type = PARAM_DIST, .def_str = "0",
		.help = "message size in bytes (or work units), a distribution drawn "
			"once per message; default: always 0",
	},
	[P_KEY_SPACE] = {
		.name = "key_space", .type = PARAM_INT, .def = 0, .min = 0,
		.max = PERIODIC_INT_MAX,
		.help = "number of distinct message keys, each message taking one "
			"uniformly at random (keyed partitioning); 0 = keyless, "
			"round robin over partitions",
	},
	[P_DURATION] = {
		.name = "duration_s", .type = PARAM_NUM, .def = 0, .min = 0,
		.max = INFINITY,
		.help = "seconds of arrivals: messages are generated in "
			"[0, duration_s); 0 = unlimited (the run's duration ends it)",
	},
	[P_COUNT] = {
		.name = "count", .type = PARAM_INT, .def = 0, .min = 0,
		.max = PERIODIC_INT_MAX,
		.help = "stop after this many messages; 0 = unlimited (the run's "
			"duration ends it)",
	},
};

struct periodic {
	struct rng *rng;
	const struct dist *size;   /* NULL: size 0 */
	const struct dist *jitter; /* NULL: none */
	double period, phase;      /* s */
	uint64_t per_tick;
	uint64_t tick;             /* index of the next tick */
	uint64_t left;             /* messages left in the current tick */
	double t;                  /* firing time of the current tick */
	double duration;           /* 0: unlimited */
	uint64_t key_space;        /* 0: keyless */
	uint64_t count;            /* 0: unlimited */
	uint64_t emitted;
	int done;
};

static int periodic_check_int(const char *name, double v, double lo,
			      struct err *e)
{
	if (!(v >= lo && v <= PERIODIC_INT_MAX) || v != floor(v))
		return err_set(e, ERR_INPUT,
			       "%s must be an integer in [%g, 2^53], got %g", name,
			       lo, v);
	return 0;
}

static void *periodic_open(const union param_val *p, struct rng *rng,
			   struct err *e)
{
	double period = p[P_PERIOD].num, phase = p[P_PHASE].num;
	if (!(period > 0) || !isfinite(period)) {
		err_set(e, ERR_INPUT, "period_s must be > 0 and finite, got %g",
			period);
		return NULL;
	}
	if (!(phase >= 0 && phase < period)) {
		err_set(e, ERR_INPUT,
			"phase_s must be in [0, period_s = %g), got %g", period,
			phase);
		return NULL;
	}
	double dur = p[P_DURATION].num;
	if (!(dur >= 0) || isnan(dur)) {
		err_set(e, ERR_INPUT, "duration_s must be >= 0, got %g", dur);
		return NULL;
	}
	if (periodic_check_int("per_tick", p[P_PER_TICK].num, 1, e) < 0 ||
	    periodic_check_int("key_space", p[P_KEY_SPACE].num, 0, e) < 0 ||
	    periodic_check_int("count", p[P_COUNT].num, 0, e) < 0)
		return NULL;
	if (!rng) {
		err_set(e, ERR_INTERNAL, "periodic: no random stream given");
		return NULL;
	}
	struct periodic *s = malloc(sizeof *s);
	if (!s) {
		err_set(e, ERR_INTERNAL, "periodic: out of memory");
		return NULL;
	}
	*s = (struct periodic){
		.rng = rng,
		.size = p[P_SIZE].dist,
		.jitter = p[P_JITTER].dist,
		.period = period,
		.phase = phase,
		.per_tick = (uint64_t)p[P_PER_TICK].num,
		.duration = isinf(dur) ? 0 : dur,
		.key_space = (uint64_t)p[P_KEY_SPACE].num,
		.count = (uint64_t)p[P_COUNT].num,
	};
	return s;
}

static int periodic_next(void *state, struct arrival *a, struct err *e)
{
	struct periodic *s = state;
	if (s->done || (s->count && s->emitted >= s->count)) {
		s->done = 1;
		return 0;
	}
	if (!s->left) {
		double due = s->phase + (double)s->tick++ * s->period;
		double late = s->jitter ? dist_sample(s->jitter, s->rng, 0) : 0;
		/* held back to the previous tick: order over fidelity */
		s->t = fmax(due + late, s->t);
		s->left = s->per_tick;
	}
	if (s->duration > 0 && s->t >= s->duration) {
		s->done = 1;
		return 0;
	}
	s->left--;
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

static void periodic_close(void *state)
{
	free(state);
}

const struct workload workload_periodic = {
	.name = "periodic",
	.help = "timer-like arrivals: a batch of per_tick messages every "
		"period_s, each tick delayed by a jitter distribution without "
		"ever overtaking the previous one",
	.params = periodic_params,
	.nparams = P_N,
	.open = periodic_open,
	.next = periodic_next,
	.close = periodic_close,
};
