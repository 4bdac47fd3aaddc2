/*
 * evq: the event calendar.
 *
 * Events are ordered by (time, insertion sequence): two events at the same
 * time come out in the order they were pushed, so runs are deterministic.
 * Pushes and pops allocate nothing once the calendar has reached its working
 * size (its arrays grow by doubling). At most EVQ_MAX_PENDING events may be
 * pending at once, a guard against a model that schedules without bound (a
 * model keeps queued messages in FIFOs, not in the calendar, so pending
 * events grow with busy slots and timers, not with backlog).
 * Ownership: evq_new's result is freed with evq_free.
 */
#ifndef SPATE_EVQ_H
#define SPATE_EVQ_H

#include <stddef.h>
#include <stdint.h>

#define EVQ_MAX_PENDING (1u << 28)

struct ev {
	uint32_t kind;
	uint32_t a;
	uint64_t b;
};

struct evq;

struct evq *evq_new(void);          /* NULL on OOM */
void evq_free(struct evq *q);

/* Schedules *ev at time t. Returns 0, or -1 when memory runs out or
 * EVQ_MAX_PENDING events are already pending. */
int evq_push(struct evq *q, double t, const struct ev *ev);

/* Removes the earliest event: returns 1 with *t and *ev filled, 0 when the
 * calendar is empty. */
int evq_pop(struct evq *q, double *t, struct ev *ev);

/* For an event kept outside the calendar (a source's next arrival) that must
 * still be ordered as if pushed now: takes the next insertion sequence
 * number. evq_first_before then says whether the earliest pending event
 * comes before such an outside event (t, seq); 0 when the calendar is empty.
 * With these, a caller merges one outside stream with the calendar at the
 * same (time, sequence) order a push would give, without the heap work. */
uint64_t evq_seq_take(struct evq *q);
int evq_first_before(const struct evq *q, double t, uint64_t seq);

size_t evq_len(const struct evq *q);
/* Time of the earliest event, INFINITY when empty. */
double evq_peek_time(const struct evq *q);
/* The earliest event's payload, NULL when empty; valid until the next push
 * or pop. For a caller to prefetch what the next event will touch. */
const struct ev *evq_peek(const struct evq *q);

#endif
