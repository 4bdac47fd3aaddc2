/*
 * workload: the interface of arrival sources, generators and trace readers.
 *
 * A workload is a const struct with a name, a parameter table and three
 * functions; it is listed in workloads/registry.c and chosen by name in a
 * source's "arrivals" object. It yields arrivals one at a time in
 * non-decreasing time order, so a trace of any length is replayed in constant
 * memory. Times are seconds from the start of the workload (a trace's first
 * record is at its own offset from the trace start, usually 0).
 * Ownership: the state returned by open is released by close; param values
 * belong to the config.
 */
#ifndef SPATE_WORKLOAD_H
#define SPATE_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "param.h"

struct err;
struct rng;

struct arrival {
	double t;          /* seconds */
	double size;       /* bytes, or whatever unit stands for work (tokens) */
	uint64_t key;      /* hash of the message key, when keyed */
	int keyed;         /* 0: keyless, partition chosen round robin */
};

struct workload {
	const char *name;
	const char *help;
	const struct param_def *params;
	size_t nparams;
	/* rng is this source's own stream (generators draw from it; readers may
	 * ignore it). Returns the state, or NULL and e (ERR_INPUT naming the
	 * file, e.g. "traces/x.csv: cannot open: No such file"). */
	void *(*open)(const union param_val *p, struct rng *rng, struct err *e);
	/* Returns 1 with *a filled, 0 at the end, -1 and e on bad input
	 * ("file:line: what is wrong"). */
	int (*next)(void *state, struct arrival *a, struct err *e);
	void (*close)(void *state);
};

/* The registry (workloads/registry.c): the i-th workload or NULL past the
 * end, and lookup by name (NULL when unknown). */
const struct workload *workload_at(size_t i);
const struct workload *workload_find(const char *name);

/* FNV-1a 64 of a key, the hash that decides a keyed message's partition. */
uint64_t workload_key_hash(const char *key, size_t len);

#endif
