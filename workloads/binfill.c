/*
 * binfill: see binfill.h.
 *
 * uniform draws the N sorted points one at a time, in constant memory, by
 * the sequential method for uniform order statistics: given the previous
 * point x, the smallest of the m points still to come is distributed as
 * 1 - (1 - x) * U^(1/m). Sorting N stored draws would give the same law but
 * needs memory proportional to the busiest minute, and a popular function
 * has hundreds of thousands of calls a minute.
 * poisson restarts at every bin: a Poisson process is memoryless, so
 * cutting it at bin edges changes nothing but lets the rate step per bin.
 * A computed time that rounds up to the bin's end is pulled just below it,
 * so a bin never leaks an arrival into the next one.
 * Access pattern: O(1) per arrival, no allocation.
 */
#include "binfill.h"

#include "rng.h"

#include <math.h>

void binfill_start(struct binfill *b, enum binfill_placement placement,
		   struct rng *rng, double start, double width, double count)
{
	*b = (struct binfill){
		.placement = placement, .rng = rng, .start = start,
		.width = width, .count = count > 0 ? count : 0,
	};
}

/* start + offset, kept inside [start, start + width). */
static double inside(const struct binfill *b, double offset)
{
	double end = b->start + b->width;
	double t = b->start + offset;
	return t < end ? t : nextafter(end, b->start);
}

int binfill_next(struct binfill *b, double *t)
{
	switch (b->placement) {
	case BINFILL_UNIFORM: {
		if (b->done >= b->count)
			return 0;
		double left = b->count - b->done;
		double u = rng_uniform_pos(b->rng);
		/* fmax: rounding must not step back by an ulp */
		b->x = fmax(b->x, 1 - (1 - b->x) * exp(log(u) / left));
		b->done++;
		*t = inside(b, b->width * b->x);
		return 1;
	}
	case BINFILL_POISSON:
		if (!(b->count > 0))
			return 0;
		b->x += rng_exp(b->rng, b->width / b->count);
		if (b->x >= b->width) {
			b->count = 0;   /* the bin is over */
			return 0;
		}
		b->done++;
		*t = inside(b, b->x);
		return 1;
	case BINFILL_EVEN:
		if (b->done >= b->count)
			return 0;
		*t = inside(b, b->width * ((b->done + 0.5) / b->count));
		b->done++;
		return 1;
	}
	return 0;
}
