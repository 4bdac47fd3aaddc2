/*
 * monitor: a ring of scrape samples per run.
 *
 * Each sample is the scrape time plus nfn x MON_NMETRICS doubles, stored in
 * one flat array so a window query walks contiguous memory backwards from the
 * newest sample. The ring holds retention/interval + 2 samples; older ones are
 * overwritten, which is what bounds memory for runs of any length.
 * Window conventions (stated once, used by every query): a counter's rate
 * over window w is measured between the newest sample and the oldest sample
 * no older than w before it (the boundary sample included, so with enough
 * history the span is exactly w); a gauge's average or maximum is over the
 * samples strictly newer than w before the newest, i.e. w/interval samples,
 * as Prometheus' avg_over_time would see them.
 */
#include "monitor.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Latency buckets: [2^-20 s, 2^12 s) in quarter octaves, plus an underflow
 * and an overflow bucket. uint32 counts: windowed differences stay exact
 * modulo 2^32, far more than any window holds. */
#define LB_LO_EXP (-20)
#define LB_OCTAVES 32
#define LB_N (LB_OCTAVES * 4 + 2)

struct mon {
	int nfn;
	double interval;
	int cap;       /* samples the ring holds */
	int len;       /* samples stored, <= cap */
	int head;      /* index of the newest sample */
	double *t;     /* [cap] */
	double *v;     /* [cap][nfn][MON_NMETRICS] */
	uint32_t *lat_now;   /* [nfn][LB_N], cumulative */
	uint32_t *lat;       /* [cap][nfn][LB_N], snapshots */
};

static const char *const metric_names[MON_NMETRICS] = {
	[MON_ARRIVALS] = "arrivals",       [MON_COMPLETIONS] = "completions",
	[MON_DROPS] = "drops",             [MON_COLD_STARTS] = "cold_starts",
	[MON_BUSY_TIME] = "busy_time",     [MON_READY_BUSY_TIME] = "ready_busy_time",     [MON_QUEUE_TIME] = "queue_time",
	[MON_READY_TIME] = "ready_time",   [MON_LATENCY_SUM] = "latency_sum",
	[MON_SOURCE_APPENDS] = "source_appends",
	[MON_OUTPUTS] = "outputs",
	[MON_BACKPRESSURE_TIME] = "backpressure_time",
	[MON_THROTTLES] = "throttles",
	[MON_USEFUL_TIME] = "useful_time",
	[MON_SERVICE_SUM] = "service_sum",
	[MON_SERVICE_SQ_SUM] = "service_sq_sum",
	[MON_QUEUE] = "queue",             [MON_INFLIGHT] = "inflight",
	[MON_READY] = "ready",             [MON_PENDING] = "pending",
	[MON_DRAINING] = "draining",       [MON_LAG] = "lag",
};

int mon_is_counter(enum mon_metric m)
{
	return m < MON_QUEUE;
}

const char *mon_metric_name(enum mon_metric m)
{
	return (unsigned)m < MON_NMETRICS ? metric_names[m] : "?";
}

struct mon *mon_new(int nfn, double interval, double retention)
{
	if (nfn < 0 || !(interval > 0) || !(retention >= 0))
		return NULL;
	struct mon *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->nfn = nfn;
	m->interval = interval;
	m->cap = (int)ceil(retention / interval) + 2;
	m->head = -1;
	m->t = calloc((size_t)m->cap, sizeof *m->t);
	m->v = calloc((size_t)m->cap * (size_t)(nfn ? nfn : 1) * MON_NMETRICS,
		      sizeof *m->v);
	m->lat_now = calloc((size_t)(nfn ? nfn : 1) * LB_N, sizeof *m->lat_now);
	m->lat = calloc((size_t)m->cap * (size_t)(nfn ? nfn : 1) * LB_N,
			sizeof *m->lat);
	if (!m->t || !m->v || !m->lat_now || !m->lat) {
		mon_free(m);
		return NULL;
	}
	return m;
}

void mon_free(struct mon *m)
{
	if (!m)
		return;
	free(m->t);
	free(m->v);
	free(m->lat_now);
	free(m->lat);
	free(m);
}

void mon_push(struct mon *m, double t, const double *values)
{
	m->head = (m->head + 1) % m->cap;
	if (m->len < m->cap)
		m->len++;
	m->t[m->head] = t;
	memcpy(m->v + (size_t)m->head * m->nfn * MON_NMETRICS, values,
	       sizeof *values * (size_t)m->nfn * MON_NMETRICS);
	memcpy(m->lat + (size_t)m->head * m->nfn * LB_N, m->lat_now,
	       sizeof *m->lat_now * (size_t)m->nfn * LB_N);
}

/* Bucket of a latency: from the double's exponent and top two mantissa
 * bits, so no log() on the completion path. */
static int lb_index(double x)
{
	if (!(x >= 0x1p-20))
		return 0;
	if (x >= 0x1p12)
		return LB_N - 1;
	uint64_t b;
	memcpy(&b, &x, sizeof b);
	int e = (int)(b >> 52) - 1023 - LB_LO_EXP;
	return 1 + e * 4 + (int)((b >> 50) & 3);
}

/* Bounds of bucket i (1 .. LB_N-2). */
static double lb_lo(int i)
{
	int e = (i - 1) / 4, k = (i - 1) % 4;
	return ldexp(1.0 + k / 4.0, e + LB_LO_EXP);
}

void mon_observe_latency(struct mon *m, int fn, double latency)
{
	m->lat_now[(size_t)fn * LB_N + lb_index(latency)]++;
}

double mon_last_time(const struct mon *m)
{
	return m->len ? m->t[m->head] : -1;
}

double mon_interval(const struct mon *m)
{
	return m->interval;
}

/* i-th newest sample (0 = newest), i < len */
static int slot(const struct mon *m, int i)
{
	return (m->head - i + m->cap) % m->cap;
}

static double val(const struct mon *m, int s, int fn, enum mon_metric x)
{
	return m->v[((size_t)s * m->nfn + fn) * MON_NMETRICS + x];
}

/* Tolerance for comparing scrape times that were produced by adding the
 * interval repeatedly. */
#define EPS 1e-9

/* Oldest sample no older than window (boundary included): its age index. */
static int oldest_within(const struct mon *m, double window)
{
	double cut = m->t[m->head] - window - EPS;
	int i = 0;
	while (i + 1 < m->len && m->t[slot(m, i + 1)] >= cut)
		i++;
	return i;
}

double mon_delta(const struct mon *m, int fn, enum mon_metric c, double window)
{
	if (m->len < 2 || fn < 0 || fn >= m->nfn)
		return 0;
	int i = oldest_within(m, window);
	return val(m, m->head, fn, c) - val(m, slot(m, i), fn, c);
}

double mon_rate(const struct mon *m, int fn, enum mon_metric c, double window)
{
	if (m->len < 2 || fn < 0 || fn >= m->nfn)
		return 0;
	int i = oldest_within(m, window);
	double span = m->t[m->head] - m->t[slot(m, i)];
	if (span <= 0)
		return 0;
	return (val(m, m->head, fn, c) - val(m, slot(m, i), fn, c)) / span;
}

int mon_count(const struct mon *m, double window)
{
	if (!m->len)
		return 0;
	double cut = m->t[m->head] - window + EPS;
	int n = 0;
	while (n < m->len && m->t[slot(m, n)] > cut)
		n++;
	return n;
}

double mon_avg(const struct mon *m, int fn, enum mon_metric g, double window)
{
	int n = mon_count(m, window);
	if (!n || fn < 0 || fn >= m->nfn)
		return 0;
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += val(m, slot(m, i), fn, g);
	return sum / n;
}

double mon_max(const struct mon *m, int fn, enum mon_metric g, double window)
{
	int n = mon_count(m, window);
	if (!n || fn < 0 || fn >= m->nfn)
		return 0;
	double best = -INFINITY;
	for (int i = 0; i < n; i++)
		best = fmax(best, val(m, slot(m, i), fn, g));
	return best;
}

double mon_last(const struct mon *m, int fn, enum mon_metric x)
{
	if (!m->len || fn < 0 || fn >= m->nfn)
		return 0;
	return val(m, m->head, fn, x);
}

double mon_utilization(const struct mon *m, int fn, int concurrency,
		       double window)
{
	double ready = mon_rate(m, fn, MON_READY_TIME, window) * concurrency;
	return ready > 0 ? mon_rate(m, fn, MON_READY_BUSY_TIME, window) / ready : 0;
}

double mon_service_time(const struct mon *m, int fn, double window)
{
	double n = mon_delta(m, fn, MON_COMPLETIONS, window);
	return n > 0 ? mon_delta(m, fn, MON_BUSY_TIME, window) / n : 0;
}

double mon_service_cv2(const struct mon *m, int fn, double window, int min_n)
{
	double n = mon_delta(m, fn, MON_COMPLETIONS, window);
	if (!(n >= min_n) || !(n >= 2))
		return -1;
	double s = mon_delta(m, fn, MON_SERVICE_SUM, window);
	double s2 = mon_delta(m, fn, MON_SERVICE_SQ_SUM, window);
	if (!(s > 0))
		return -1;
	double cv2 = n * s2 / (s * s) - 1;
	return cv2 > 0 ? cv2 : 0;   /* rounding on constant service times */
}

double mon_quantile(const struct mon *m, int fn, double q, double window)
{
	if (m->len < 2 || fn < 0 || fn >= m->nfn)
		return 0;
	int i = oldest_within(m, window);
	const uint32_t *now = m->lat + ((size_t)m->head * m->nfn + fn) * LB_N;
	const uint32_t *old = m->lat + ((size_t)slot(m, i) * m->nfn + fn) * LB_N;
	uint32_t total = 0;
	for (int b = 0; b < LB_N; b++)
		total += now[b] - old[b];
	if (!total)
		return 0;
	double rank = q * total, seen = 0;
	for (int b = 0; b < LB_N; b++) {
		uint32_t n = now[b] - old[b];
		if (!n || seen + n < rank) {
			seen += n;
			continue;
		}
		if (b == 0)
			return 0x1p-20;
		if (b == LB_N - 1)
			return 0x1p12;
		double lo = lb_lo(b), hi = lb_lo(b + 1);
		return lo + (hi - lo) * (rank - seen) / n;
	}
	return 0x1p12;
}

double mon_latency(const struct mon *m, int fn, double window)
{
	double n = mon_delta(m, fn, MON_COMPLETIONS, window);
	return n > 0 ? mon_delta(m, fn, MON_LATENCY_SUM, window) / n : 0;
}
