/*
 * hpa_core: the HPA's stabilization windows and rate policies, once, for
 * every policy that runs an HPA (see hpa_core.h for the controller
 * functions each call stands for).
 * Invariants: both histories are in time order (one push per decision at
 * a non-decreasing time); recs holds every recommendation still inside
 * either stabilization window, events every change still inside either
 * policy period, each pruned from the front when pushed to, so they hold
 * about window/interval entries. Scale events are signed (to - from): the
 * periodStart of both directions is current minus their sum in the period,
 * which is the controller's current - ups + downs.
 * Access pattern: a handful of calls per function per sync (15 s), each a
 * linear pass over a few dozen entries; nothing here allocates besides
 * tseries_push.
 */
#include "hpa_core.h"

#include <math.h>

void hpac_free(struct hpac *h)
{
	if (!h)
		return;
	tseries_free(&h->recs);
	tseries_free(&h->events);
}

void hpac_record_initial(struct hpac *h, double now, int current)
{
	tseries_push(&h->recs, now, current);
}

int hpac_stabilize(struct hpac *h, double now, int current, int raw)
{
	int lo = raw, hi = raw;
	for (int i = 0; i < h->recs.n; i++) {
		int v = (int)h->recs.v[i];
		if (h->recs.t[i] > now - h->up.stab && v < lo)
			lo = v;
		if (h->recs.t[i] > now - h->down.stab && v > hi)
			hi = v;
	}
	int rec = current < lo ? lo : current;
	if (rec > hi)
		rec = hi;
	tseries_prune_before(&h->recs, now - fmax(h->up.stab, h->down.stab));
	tseries_push(&h->recs, now, raw);
	return rec;
}

long hpac_rate_limit(const struct hpac *h, double now, int current, int up)
{
	const struct hpac_rules *r = up ? &h->up : &h->down;
	if (r->select == HPAC_SELECT_DISABLED)
		return current;
	double start = current - tseries_sum_after(&h->events, now - r->period);
	/* up: max picks the highest bound; down: max picks the lowest */
	int high = (r->select == HPAC_SELECT_MAX) == !!up;
	double best = high ? -HUGE_VAL : HUGE_VAL;
	if (r->pods > 0) {
		double b = up ? start + r->pods : start - r->pods;
		best = high ? fmax(best, b) : fmin(best, b);
	}
	if (r->percent > 0) {
		double b = up ? ceil(start * (1 + r->percent / 100))
			      : trunc(start * (1 - r->percent / 100));
		best = high ? fmax(best, b) : fmin(best, b);
	}
	/* every bound is an integer; the clamp keeps the cast defined */
	return (long)fmin(fmax(best, -1e15), 1e15);
}

int hpac_limit(const struct hpac *h, double now, int current, int want,
	       int min, int max, long *bound)
{
	*bound = current;
	if (want > current) {
		long lim = hpac_rate_limit(h, now, current, 1);
		if (lim < current)
			lim = current;
		*bound = lim;
		long top = lim < max ? lim : max;
		return want > top ? (int)top : want;
	}
	if (want < current) {
		long lim = hpac_rate_limit(h, now, current, 0);
		if (lim > current)
			lim = current;
		*bound = lim;
		long bottom = lim > min ? lim : min;
		return want < bottom ? (int)bottom : want;
	}
	return want;
}

void hpac_store_event(struct hpac *h, double now, int from, int to)
{
	if (from == to)
		return;
	tseries_prune_before(&h->events,
			     now - fmax(h->up.period, h->down.period));
	tseries_push(&h->events, now, to - from);
}
