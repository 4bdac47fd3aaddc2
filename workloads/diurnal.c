/*
 * diurnal: a non-homogeneous Poisson process with a sinusoidal rate,
 *   rate(t) = mean_rate * (1 + amplitude * sin(2 pi t / period_s + phase)),
 * optionally multiplied by a random noise factor that is constant within
 * each bucket [j*noise_interval_s, (j+1)*noise_interval_s) and independent
 * across buckets. The factor is lognormal with mean exactly 1 and
 * coefficient of variation noise_cv: always positive (a rate cannot go
 * negative, which Gaussian noise would need clamping for, biasing the
 * mean) and mean-preserving, so the expected count over any window is the
 * integral of the noiseless rate.
 *
 * Generation is exact by thinning (Lewis and Shedler 1979): candidates come
 * from a homogeneous Poisson process at the bucket's maximum rate
 * mean_rate * (1 + amplitude) * factor, and a candidate at t is kept with
 * probability rate(t) / max = (1 + amplitude sin(...)) / (1 + amplitude).
 * The majorant changes at bucket boundaries; a candidate gap that
 * overshoots the boundary is discarded and redrawn from the boundary at
 * the new bucket's majorant (memorylessness keeps this exact). Without
 * noise there is a single unbounded bucket.
 *
 * Random draws, in order: per candidate the exponential gap, at each
 * bucket boundary crossed the next factor, then the acceptance uniform;
 * per kept message its size, then its key. Candidate times only grow, so
 * arrivals are non-decreasing by construction. Constant memory; expected
 * (1 + amplitude) candidates per message.
 */
#include "gen.h"
#include "workload.h"

#include "dist.h"
#include "err.h"
#include "rng.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum {
	P_MEAN_RATE, P_AMPLITUDE, P_PERIOD, P_PHASE, P_NOISE_CV,
	P_NOISE_INTERVAL, P_SIZE, P_KEY_SPACE, P_DURATION, P_COUNT, P_N
};

/* M_PI is not in C11 nor POSIX. */
#define DIURNAL_TWO_PI 6.28318530717958647692528676655900577

static const struct param_def diurnal_params[P_N] = {
	[P_MEAN_RATE] = {
		.name = "mean_rate", .type = PARAM_NUM, .def = 1, .min = 0,
		.max = INFINITY,
		.help = "rate averaged over a whole period, messages per second "
			"(> 0)",
	},
	[P_AMPLITUDE] = {
		.name = "amplitude", .type = PARAM_NUM, .def = 0.5, .min = 0,
		.max = 1,
		.help = "relative swing of the rate (0..1): it ranges over "
			"mean_rate * [1 - amplitude, 1 + amplitude]",
	},
	[P_PERIOD] = {
		.name = "period_s", .type = PARAM_NUM, .def = 86400, .min = 0,
		.max = INFINITY,
		.help = "length of one cycle, seconds (> 0; 86400 = a day)",
	},
	[P_PHASE] = {
		.name = "phase", .type = PARAM_NUM, .def = 0, .min = -INFINITY,
		.max = INFINITY,
		.help = "phase of the sine at t = 0, radians; the peak is where "
			"2 pi t / period_s + phase = pi/2",
	},
	[P_NOISE_CV] = {
		.name = "noise_cv", .type = PARAM_NUM, .def = 0, .min = 0,
		.max = INFINITY,
		.help = "coefficient of variation of the multiplicative noise "
			"factor (lognormal, mean 1) drawn per noise_interval_s "
			"bucket; 0 = no noise",
	},
	[P_NOISE_INTERVAL] = {
		.name = "noise_interval_s", .type = PARAM_NUM, .def = 60, .min = 0,
		.max = INFINITY,
		.help = "length of a noise bucket, seconds (> 0 when noise_cv > 0); "
			"buckets start at multiples of it from t = 0",
	},
	GEN_TAIL_PARAMS(P_SIZE),

};

struct diurnal {
	struct gen_tail g;     /* size, keys, end; its stream */
	struct dist *noise;        /* owned; NULL: no noise */
	double peak;               /* mean_rate * (1 + amplitude), msg/s */
	double amplitude, omega, phase;   /* omega = 2 pi / period, rad/s */
	double interval;           /* bucket length, s; used when noise */
	uint64_t bucket;           /* index of the current bucket */
	double bucket_end;         /* INFINITY without noise */
	double majorant;           /* peak * this bucket's factor */
	double t;                  /* the last candidate */
};

static void diurnal_close(void *state)
{
	struct diurnal *s = state;
	if (!s)
		return;
	dist_free(s->noise);
	free(s);
}

static void *diurnal_open(const union param_val *p, struct rng *rng,
			  struct err *e)
{
	double rate = p[P_MEAN_RATE].num, amp = p[P_AMPLITUDE].num;
	double period = p[P_PERIOD].num, phase = p[P_PHASE].num;
	double cv = p[P_NOISE_CV].num, iv = p[P_NOISE_INTERVAL].num;
	if (!(rate > 0) || !isfinite(rate)) {
		err_set(e, ERR_INPUT, "mean_rate must be > 0 and finite, got %g",
			rate);
		return NULL;
	}
	if (!(amp >= 0 && amp <= 1)) {
		err_set(e, ERR_INPUT, "amplitude must be in [0, 1], got %g", amp);
		return NULL;
	}
	if (!(period > 0) || !isfinite(period)) {
		err_set(e, ERR_INPUT, "period_s must be > 0 and finite, got %g",
			period);
		return NULL;
	}
	if (!isfinite(phase)) {
		err_set(e, ERR_INPUT, "phase must be finite, got %g", phase);
		return NULL;
	}
	if (!(cv >= 0) || !isfinite(cv)) {
		err_set(e, ERR_INPUT, "noise_cv must be >= 0 and finite, got %g", cv);
		return NULL;
	}
	if (cv > 0 && !(iv > 0 && isfinite(iv))) {
		err_set(e, ERR_INPUT,
			"noise_interval_s must be > 0 and finite when noise_cv is "
			"> 0 (noise_cv %g), got %g", cv, iv);
		return NULL;
	}
	struct gen_tail tail;
	if (gen_open(&tail, p, P_SIZE, rng, "diurnal", e) < 0)
		return NULL;
	struct diurnal *s = malloc(sizeof *s);
	if (!s) {
		err_set(e, ERR_INTERNAL, "diurnal: out of memory");
		return NULL;
	}
	*s = (struct diurnal){
		.g = tail,
		.peak = rate * (1 + amp),
		.amplitude = amp,
		.omega = DIURNAL_TWO_PI / period,
		.phase = phase,
		.interval = iv,
		.bucket_end = INFINITY,
	};
	s->majorant = s->peak;
	if (cv > 0) {
		s->noise = dist_new_lognormal_ms(1, cv, e);
		if (!s->noise) {
			err_prefix(e, "noise_cv");
			diurnal_close(s);
			return NULL;
		}
		s->bucket_end = iv;
		s->majorant = s->peak * dist_sample(s->noise, rng, 0);
	}
	return s;
}

static int diurnal_end(struct diurnal *s)
{
	s->g.done = 1;
	return 0;
}

static int diurnal_next(void *state, struct arrival *a, struct err *e)
{
	struct diurnal *s = state;
	if (gen_over(&s->g))
		return diurnal_end(s);
	for (;;) {
		double t = s->t + rng_exp(s->g.rng, 1.0 / s->majorant);
		if (t >= s->bucket_end) {
			/* bucket ends from the index, so they do not drift */
			s->t = s->bucket_end;
			s->bucket++;
			s->bucket_end = (double)(s->bucket + 1) * s->interval;
			s->majorant = s->peak * dist_sample(s->noise, s->g.rng, 0);
			if (gen_past(&s->g, s->t))
				return diurnal_end(s);
			continue;
		}
		s->t = t;
		if (gen_past(&s->g, t))
			return diurnal_end(s);
		double keep = 1 + s->amplitude * sin(s->omega * t + s->phase);
		if (rng_uniform(s->g.rng) * (1 + s->amplitude) < keep)
			break;
	}
	return gen_emit(&s->g, s->t, a);
}

const struct workload workload_diurnal = {
	.name = "diurnal",
	.help = "sinusoidal-rate (diurnal) Poisson process generated exactly by "
		"thinning, with optional lognormal mean-1 noise per time bucket",
	.params = diurnal_params,
	.nparams = P_N,
	.open = diurnal_open,
	.next = diurnal_next,
	.close = diurnal_close,
};
