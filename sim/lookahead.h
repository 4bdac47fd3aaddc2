/*
 * lookahead: ground-truth future arrival rates per function, for the oracle
 * policy only (a lower bound for comparisons, not a realizable policy: it
 * reads the future).
 *
 * For every source of a config the lookahead opens a second instance of the
 * source's arrivals with the run's seed and the same stream names as the
 * model, so it yields exactly the sequence the model will replay (scaling
 * included), and reads it ahead of the simulation clock. A source arrival
 * becomes, at function fn, gain[source][fn] expected messages: one for each
 * entry function of the source, then through the DAG by the mean routing
 * gains (per edge: the parent's mean outputs per input, 1 without an
 * outputs distribution, times the branch probability in branch mode; a
 * broadcast sends to every child). When an outputs distribution has a
 * per-byte term the gain depends on the message size and is worked out per
 * arrival. The rate is what the sources append; the connector's batching
 * and the time messages spend upstream are not modelled.
 * Ownership: la_new's result is freed with la_free; the config must outlive
 * it.
 */
#ifndef SPATE_LOOKAHEAD_H
#define SPATE_LOOKAHEAD_H

#include <stddef.h>

struct config;
struct err;
struct lookahead;

/* Opens every source's arrivals; horizon_s > 0 (finite) is how far ahead of
 * the clock la_rate may look. The clock starts at the model's 0, with the
 * first horizon read. NULL and e on failure (a workload that cannot open, a
 * trace bad within the first horizon, a bad horizon, out of memory). */
struct lookahead *la_new(const struct config *cfg, double horizon_s,
			 struct err *e);
void la_free(struct lookahead *la);

/* Moves the clock to now (never backwards: ERR_INTERNAL): forgets arrivals
 * before now and reads every source until its next arrival is after
 * now + horizon_s or it ends. -1 and e when a trace turns out bad. */
int la_advance(struct lookahead *la, double now, struct err *e);

/* Expected messages per second arriving at function fn over [t0, t1), from
 * the sources' arrivals in that window times their gains. Only
 * [now, now + horizon_s] is known: the window is clamped to it and the rate
 * is taken over the part that remains (so a window reaching past the horizon
 * assumes the rest is like the known part). NAN when fn is out of range or
 * nothing of the window remains. */
double la_rate(const struct lookahead *la, int fn, double t0, double t1);

/* Expected messages at fn per arrival of source src (the precomputed gain of
 * size-0 messages; the size-dependent part, if any, is not in it). NAN when
 * an index is out of range. */
double la_gain(const struct lookahead *la, int src, int fn);

double la_now(const struct lookahead *la);
double la_horizon(const struct lookahead *la);

/* Arrival times the ring of source src can hold now, and how many it holds
 * (memory checks and diagnostics); 0 when src is out of range. */
size_t la_capacity(const struct lookahead *la, int src);
size_t la_buffered(const struct lookahead *la, int src);

#endif
