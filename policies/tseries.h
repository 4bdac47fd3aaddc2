/*
 * tseries: a short time-ordered history of (t, value) pairs, the memory
 * real autoscalers keep: recommendations for stabilization windows, scale
 * events for rate limits, samples for max-over-time.
 *
 * Entries are appended in time order and pruned from the front once no
 * window reads them, so a series holds about window/interval entries. A push
 * never fails: without memory the oldest entry makes room (the policy
 * forgets early history rather than failing a decision). Values are doubles;
 * replica counts and changes are exact in them.
 * Ownership: the struct is the caller's (embed it, zero-initialized);
 * tseries_free releases the storage.
 */
#ifndef SPATE_TSERIES_H
#define SPATE_TSERIES_H

struct tseries {
	double *t, *v;
	int n, cap;
};

void tseries_push(struct tseries *s, double t, double v);
/* Drops the entries with t < cutoff. */
void tseries_prune_before(struct tseries *s, double cutoff);
void tseries_free(struct tseries *s);

/* Sum of the values with t > cutoff. */
double tseries_sum_after(const struct tseries *s, double cutoff);
/* Largest value with from < t <= to; -INFINITY when there is none. */
double tseries_max_in(const struct tseries *s, double from, double to);

#endif
