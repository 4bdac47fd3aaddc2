/*
 * arrivals: one source's stream of arrivals, from its workload, with the
 * source's time and rate scaling applied.
 *
 * time_scale multiplies every time. rate_scale r > 1 replicates: each
 * original arrival becomes floor(r) or ceil(r) arrivals (randomized so the
 * mean is r), the first at the original time and the others spread
 * uniformly over the gap to the next original arrival, which keeps the rate
 * profile's shape at the trace's own resolution; copies keep the original's
 * size and key. r < 1 thins: each arrival is kept with probability r. Memory
 * is bounded by ceil(r) copies whatever the trace length.
 * The workload draws from the stream "source/TOPIC/arrivals", the scaling
 * from "source/TOPIC/rate_scale", both derived from the run seed.
 *
 * Transforms (xform.h), applied in this order to the input's own clock:
 * slice [slice_from_s, slice_to_s) (rebased to 0 unless slice_rebase is 0;
 * the input is not read past the window), time_scale, shift_s, rate_scale.
 * The input is the workload, or, when the source has a "merge" list, the
 * union by time of its members, each a workload or a merge with its own
 * transforms; equal times keep member order. Member i of a source draws
 * from "source/TOPIC/merge[i]/arrivals" and ".../merge[i]/rate_scale"
 * (nested: ".../merge[i]/merge[j]/..."), so adding a member does not change
 * the others' draws. Memory stays constant in the trace length: one pending
 * arrival per member, ceil(rate_scale) copies per rate stage.
 * Ownership: arr_new's result is freed with arr_free; the config outlives it.
 */
#ifndef SPATE_ARRIVALS_H
#define SPATE_ARRIVALS_H

#include <stdint.h>

#include "workload.h"

struct cfg_source;
struct err;
struct arrivals;

/* Opens the workload and reads its first arrival (returned by the first
 * arr_next). NULL and e on failure: the workload's message, prefixed with
 * the source's topic, or a bad first record ("file:line: ..."), or
 * ERR_INPUT when a trace yields nothing -- "sources.TOPIC.arrivals: trace
 * 'FILE' has no arrivals", or the transform that kept none of its
 * arrivals ("sources.TOPIC.arrivals.slice: ...", ".rate_scale: ...",
 * ".merge[i]..." for a member). A source of generators only may yield
 * nothing. */
struct arrivals *arr_new(const struct cfg_source *c, uint64_t seed,
			 const char *rng_type, struct err *e);
void arr_free(struct arrivals *a);

/* The next arrival in time order: 1 with *out filled, 0 at the end, -1 and e
 * when the trace turns out bad ("file:line: ..."). */
int arr_next(struct arrivals *a, struct arrival *out, struct err *e);

#endif
