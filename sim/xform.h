/*
 * xform: streaming transforms of a stream of arrivals -- slice, time scale
 * and shift, rate scale, and the merge of several streams into one.
 *
 * A struct xf is a pull stream: xf_next yields arrivals in non-decreasing
 * time order, one at a time, so a pipeline over a trace of any length runs
 * in memory that does not grow with the trace (a leaf keeps nothing, a
 * slice and an affine stage O(1), a rate stage ceil(r) copies, a merge of k
 * streams one pending arrival each). Stages are built inside out: every
 * constructor takes ownership of its input(s), also when it fails (it then
 * frees them), so a pipeline is built with one NULL check per step and
 * released by one xf_free of the outermost stage.
 *
 * Stage semantics, in the order a source applies them (see arrivals.h):
 *   slice [from_s, to_s): arrivals before from_s are dropped; the first at
 *     or after to_s ends the stream (the input is not read further, so the
 *     tail of a long trace costs nothing); rebase subtracts from_s, so the
 *     window starts at 0.
 *   affine: t -> t * scale + shift (time_scale, then shift_s).
 *   rate r: r > 1 replicates each arrival into floor(r) or ceil(r) (mean r),
 *     the copies spread uniformly over the gap to the next arrival; r < 1
 *     keeps each with probability r (see arrivals.h).
 *   merge: the union of k streams by time, O(log k) per arrival (a binary
 *     heap on (time, input index)): equal times leave in input order, so
 *     the result is deterministic.
 * A leaf checks that its workload does not go back in time and fails with
 * ERR_INPUT naming the stream ("LABEL: arrival N at T s is earlier than the
 * previous one at P s") -- never a silent reorder; the other stages keep
 * order by construction. (Trace readers check order themselves first, with
 * FILE:LINE, and offer their own bounded re-sorting; see spate_csv.c.)
 */
#ifndef SPATE_XFORM_H
#define SPATE_XFORM_H

#include <stddef.h>

#include "workload.h"

struct err;
struct rng;
struct xf;

/* A stream from a workload's state (open already done): next/close are the
 * workload's; rng (may be NULL) is the stream the workload draws from, freed
 * after close. label names the stream in messages (copied). On failure (out
 * of memory) close(state) and rng_free(rng) are done here. */
struct xf *xf_leaf(void *state, int (*next)(void *, struct arrival *, struct err *),
		   void (*close)(void *), struct rng *rng, const char *label,
		   struct err *e);

/* from_s >= 0, to_s > from_s (INFINITY: no end); rebase: subtract from_s. */
struct xf *xf_slice(struct xf *in, double from_s, double to_s, int rebase,
		    struct err *e);
/* scale > 0, finite shift; times must stay >= 0. */
struct xf *xf_affine(struct xf *in, double scale, double shift, struct err *e);
/* r > 0; rng is owned by the stage. */
struct xf *xf_rate(struct xf *in, double r, struct rng *rng, struct err *e);
/* k >= 1 inputs (the array is copied, the streams are owned). */
struct xf *xf_merge(struct xf *const *in, size_t k, struct err *e);

/* 1 with *a, 0 at the end (and ever after), -1 and e. */
int xf_next(struct xf *x, struct arrival *a, struct err *e);
void xf_free(struct xf *x);

#endif
