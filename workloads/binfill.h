/*
 * binfill: turns "N arrivals in the bin [start, start + width)" into arrival
 * times, for traces that only give counts per interval (Azure Functions
 * 2019 and Huawei 2023 give requests per minute).
 *
 * The placement says where inside the bin the arrivals go:
 *   uniform  exactly N points, independent and uniform over the bin, emitted
 *            in increasing order (the order statistics of N uniforms);
 *   poisson  a Poisson process of rate N / width over the bin, so the count
 *            in the bin is Poisson(N) and varies (the trace's count is the
 *            mean, not the realized value);
 *   even     exactly N points at start + (i + 1/2) * width / N, i = 0..N-1:
 *            deterministic, spaced width / N apart, centered in the bin.
 * Every time lies in [start, start + width) and times never decrease.
 * uniform and poisson draw from the rng; even draws nothing.
 * Ownership: a plain struct the caller embeds; nothing to free.
 */
#ifndef SPATE_BINFILL_H
#define SPATE_BINFILL_H

struct rng;

enum binfill_placement { BINFILL_UNIFORM, BINFILL_POISSON, BINFILL_EVEN };

/* The choices string of a PARAM_ENUM whose index is a binfill_placement. */
#define BINFILL_CHOICES "uniform|poisson|even"

struct binfill {
	enum binfill_placement placement;
	struct rng *rng;
	double start, width, count;
	double done;    /* points emitted so far */
	double x;       /* last point as a fraction of the bin (uniform),
			 * or as seconds from start (poisson) */
};

/* Starts a bin (any earlier bin is abandoned). count >= 0, width > 0. */
void binfill_start(struct binfill *b, enum binfill_placement placement,
		   struct rng *rng, double start, double width, double count);

/* 1 with *t the next time of the bin, 0 when the bin has no more. */
int binfill_next(struct binfill *b, double *t);

#endif
