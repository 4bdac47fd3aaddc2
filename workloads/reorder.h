/*
 * reorder: puts nearly sorted trace rows back in time order within a bounded
 * window, so a reader can still stream in constant memory.
 *
 * Some traces are sorted only approximately: kcat interleaves partitions as
 * it fetches them, Kafka CreateTime comes from many producers' clocks, and
 * Azure 2021 arrivals are computed from rounded durations. A reorder buffer
 * of `window` rows (a binary min-heap on time, then on push order so equal
 * times keep their file order) releases the earliest row once it holds more
 * than `window` rows; window 0 releases every row at once. A row earlier
 * than one already released cannot be put back in order: push reports it,
 * unless it is late by no more than `tolerance`, in which case it is
 * released at the time of the last released row (times never go back).
 * Times are in whatever unit the reader pushes (ms for Kafka, s for Azure).
 * Ownership: reorder_new returns a buffer the caller frees with
 * reorder_free.
 */
#ifndef SPATE_REORDER_H
#define SPATE_REORDER_H

#include <stddef.h>

#include "workload.h"

struct reorder;

struct reorder_item {
	struct arrival a;
	long line;      /* where the row came from, for messages */
	int keep;       /* 0: the row only takes part in the order check */
};

/* NULL when out of memory. */
struct reorder *reorder_new(size_t window, double tolerance);
void reorder_free(struct reorder *r);

/* Adds a row. Returns 0; 1 (nothing added) when a->t is earlier than the
 * last released time by more than the tolerance; -1 (nothing added) when
 * the buffer is already over its window (callers pop until reorder_pop
 * returns 0 before pushing again). */
int reorder_push(struct reorder *r, const struct arrival *a, long line,
		 int keep);

/* Releases the earliest row when more than `window` are held, or when
 * flush is set and any is held: 1 with *out, else 0. out->a.t is raised to
 * the last released time when the row was late within the tolerance. */
int reorder_pop(struct reorder *r, int flush, struct reorder_item *out);

/* Time of the last released row; NAN before the first. */
double reorder_last(const struct reorder *r);

#endif
