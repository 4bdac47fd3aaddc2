/*
 * gen: what every generator shares after its own timing rule: the message
 * size, the optional uniform keys, and the end by duration or by count.
 *
 * A generator's parameter table ends with the four GEN_TAIL_PARAMS entries,
 * at consecutive indices starting at its P_SIZE; gen_open checks them,
 * gen_over says whether the stream has ended (it stays ended), and gen_emit
 * fills one arrival at the generator's time t. Draws come from the
 * generator's own stream in a fixed order (size, then key), so sequences
 * are reproducible whatever the timing rule.
 */
#ifndef SPATE_GEN_H
#define SPATE_GEN_H

#include <stdint.h>

#include "param.h"
#include "workload.h"

struct dist;
struct err;
struct rng;

/* Integers stored in a double are exact up to 2^53. */
#define GEN_INT_MAX 9007199254740992.0

/* The table entries for indices size, size + 1, size + 2, size + 3. */
#define GEN_TAIL_PARAMS(size_i)                                                \
	[size_i] = {                                                           \
		.name = "size", .type = PARAM_DIST, .def_str = "0",            \
		.help = "message size in bytes (or work units), a distribution " \
			"drawn once per message; default: always 0",           \
	},                                                                     \
	[(size_i) + 1] = {                                                     \
		.name = "key_space", .type = PARAM_INT, .def = 0, .min = 0,    \
		.max = GEN_INT_MAX,                                            \
		.help = "number of distinct message keys, each message taking " \
			"one uniformly at random (keyed partitioning); 0 = "   \
			"keyless, round robin over partitions",                \
	},                                                                     \
	[(size_i) + 2] = {                                                     \
		.name = "duration_s", .type = PARAM_NUM, .def = 0, .min = 0,   \
		.max = INFINITY,                                               \
		.help = "seconds of arrivals: messages are generated in "     \
			"[0, duration_s); 0 = unlimited (the run's duration "  \
			"ends it)",                                            \
	},                                                                     \
	[(size_i) + 3] = {                                                     \
		.name = "count", .type = PARAM_INT, .def = 0, .min = 0,        \
		.max = GEN_INT_MAX,                                            \
		.help = "stop after this many messages; 0 = unlimited (the "  \
			"run's duration ends it)",                             \
	}

struct gen_tail {
	struct rng *rng;
	const struct dist *size;   /* NULL: size 0 */
	double duration;           /* 0: unlimited */
	uint64_t key_space;        /* 0: keyless */
	uint64_t count;            /* 0: unlimited */
	uint64_t emitted;
	int done;
};

/* Checks p[size_i .. size_i + 3] and fills g. Returns 0, or -1 and e
 * (ERR_INPUT naming the parameter; ERR_INTERNAL without a stream). */
int gen_open(struct gen_tail *g, const union param_val *p, int size_i,
	     struct rng *rng, const char *who, struct err *e);

/* Nonzero once the count is reached or the stream was ended; stays so. */
int gen_over(struct gen_tail *g);

/* Ends the stream at time t if t is past the duration; returns nonzero
 * when it did (or it had ended already). */
int gen_past(struct gen_tail *g, double t);

/* Fills *a at time t (size and key drawn) and counts it. Returns 1. */
int gen_emit(struct gen_tail *g, double t, struct arrival *a);

/* Checks that v is an integer in [0, 2^53] (a table's INT range may be
 * wider in a double); -1 and e naming `name` otherwise. */
int gen_check_int(const char *name, double v, struct err *e);

#endif
