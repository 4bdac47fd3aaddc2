/*
 * ds2: DS2 (Kalavri et al., OSDI'18), the scaling manager of
 * strymon-system/ds2 (controller/src/bin/manager.rs) around its policy
 * (controller/src/policy/scaling.rs, evaluate_scaling_policy_at_epoch).
 *
 * Each decision is one DS2 epoch (policy_interval, 10 s in config/ds2.toml)
 * over the whole graph at once:
 *   1. warm-up: the first warm_up_time epochs after a reconfiguration (and
 *      after the start: the manager's counter starts at 0) are ignored;
 *   2. the policy visits the functions in topological order (computed once
 *      in init; the graph must be a DAG, as toposort requires). A function's
 *      target input rate is the externally measured source rate (the rate
 *      of appends to the partitions feeding it) plus the estimated output of
 *      its parents; with the true processing rate per instance
 *      lambda_p/p = records in / useful time, its optimal parallelism is
 *      ceil(input / (lambda_p/p) x (1 + scaling_factor)), and its estimated
 *      true output at that parallelism, lambda_o x opt/p = input x
 *      lambda_o/lambda_p, is what its children get;
 *   3. the manager reconfigures when it has evaluated at least
 *      activation_time epochs since the last reconfiguration and the new
 *      configuration is a significant change (consider_change: some
 *      function grows, or some function shrinks by more than one); the whole
 *      configuration is then applied and both counters restart.
 * Mapping to spate: an instance is a slot (replicas x concurrency); useful
 * time is MON_USEFUL_TIME (slots serving, not those held while outputs wait
 * for room downstream: DS2's "window minus time waiting for buffers"),
 * records in MON_COMPLETIONS, records out MON_OUTPUTS,
 * all as deltas over the epoch; the optimal slots become
 * ceil(slots / concurrency) replicas, and the significance test compares
 * replicas (what is reconfigured), each proposal first clamped to [min, max]
 * so a bound the engine would impose anyway does not count as a change.
 * A parent's output is split evenly over its children: spate counts a
 * broadcast output once per edge, so the split is exact for broadcast edges
 * and single children, and an approximation for branch edges with unequal
 * probabilities (the view does not carry them).
 * A function without useful time or completions in the epoch has no true
 * rate: it keeps its count (DS2 needs measurements); its output is 0 when
 * its input is 0 and unknown otherwise, and a function whose input is
 * unknown keeps its count too. DS2 never scales to zero: a proposal is at
 * least one slot; a function at zero with input gets one replica, since it
 * cannot be measured without one.
 * target_rate_ratio_threshold is the final adjustment of
 * evaluate_scaling_policy (the manager's at-epoch path ignores it): when no
 * function grows and the largest ratio of a source's target rate to the rate
 * the entry function takes in exceeds it, every proposal is multiplied by
 * that ratio. Its default, f64::MAX, disables it.
 * Not modelled: DS2's useful time excludes waiting for output buffers; the
 * monitor's busy time includes the time a slot is held until its outputs
 * are admitted downstream (on_full "block") and a first-request cold start,
 * so under backpressure the true rate is underestimated and the proposal
 * too high. Skew across instances is assumed absent, as in DS2.
 * State: the two manager counters, the order and per-function scratch, all
 * allocated in init, so a decision never allocates.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "monitor.h"
#include "policy.h"

enum {
	P_SCALING_FACTOR,
	P_ACTIVATION,
	P_WARM_UP,
	P_RATIO_THRESHOLD,
	P_N
};

static const struct param_def ds2_params[P_N] = {
	[P_SCALING_FACTOR] = {
		.name = "scaling_factor", .type = PARAM_NUM, .def = 0,
		.min = 0, .max = 100,
		.help = "over-provision each function by this fraction of its "
			"optimal instances (scaling_manager.scaling_factor, "
			"default 0)",
	},
	[P_ACTIVATION] = {
		.name = "activation_time", .type = PARAM_INT, .def = 1,
		.min = 1, .max = 100000,
		.help = "policy evaluations since the last reconfiguration "
			"needed before one is issued "
			"(scaling_manager.activation_time, default 1); "
			"manager-wide",
	},
	[P_WARM_UP] = {
		.name = "warm_up_time", .type = PARAM_INT, .def = 2,
		.min = 0, .max = 100000,
		.help = "epochs ignored after a reconfiguration and at the start "
			"(scaling_manager.warm_up_time, 2 in config/ds2.toml); "
			"manager-wide",
	},
	[P_RATIO_THRESHOLD] = {
		.name = "target_rate_ratio_threshold", .type = PARAM_NUM,
		.def = DBL_MAX, .min = 1, .max = DBL_MAX,
		.help = "when no function grows and a source's target/observed "
			"rate ratio exceeds this, multiply every proposal by the "
			"ratio (evaluate_scaling_policy's final adjustment; "
			"default f64::MAX: never); manager-wide",
	},
};

/* One function's estimate in the current epoch. */
struct est {
	double input;       /* target input rate, records/s */
	double rate;        /* true processing rate per slot */
	double sel;         /* true output per record (lambda_o / lambda_p) */
	double opt;         /* input / rate, unrounded */
	double out;         /* estimated output at the optimal parallelism */
	int unknown_from;   /* a parent whose output is unknown, or -1 */
	int measured;       /* rate and sel are known */
	int out_known;
	int slots, want;    /* proposal; want < 0: keep */
	double adjust;      /* final adjustment factor applied, 1 if none */
};

struct ds2 {
	int nfn;
	double interval;
	int activation, warm_up;
	double threshold;
	int since;          /* epochs since the last reconfiguration */
	int evaluations;    /* policy evaluations since then */
	int *order;         /* [nfn] topological order */
	double *factor;     /* [nfn] scaling_factor */
	struct est *est;    /* [nfn] */
};

static void ds2_fini(void *state)
{
	struct ds2 *s = state;
	if (!s)
		return;
	free(s->order);
	free(s->factor);
	free(s->est);
	free(s);
}

static const char *fname(const struct fn_view *f)
{
	return f->name ? f->name : "?";
}

/* Kahn's algorithm over the children lists; fails on a cycle or a bad
 * index, naming the function. */
static int topo_sort(struct ds2 *s, const struct fn_view *fn, struct err *e)
{
	int n = s->nfn;
	int *indeg = calloc((size_t)n + 1, sizeof *indeg);
	if (!indeg)
		return err_set(e, ERR_INTERNAL, "out of memory");
	for (int i = 0; i < n; i++) {
		if (fn[i].nchildren < 0 ||
		    (fn[i].nchildren > 0 && !fn[i].children)) {
			free(indeg);
			return err_set(e, ERR_INTERNAL, "function %d (%s): "
				       "%d children", i, fname(&fn[i]),
				       fn[i].nchildren);
		}
		for (int k = 0; k < fn[i].nchildren; k++) {
			int c = fn[i].children[k];
			if (c < 0 || c >= n) {
				free(indeg);
				return err_set(e, ERR_INTERNAL, "function %d "
					       "(%s): child index %d out of range",
					       i, fname(&fn[i]), c);
			}
			indeg[c]++;
		}
	}
	int head = 0, tail = 0;
	for (int i = 0; i < n; i++)
		if (!indeg[i])
			s->order[tail++] = i;
	while (head < tail) {
		int j = s->order[head++];
		for (int k = 0; k < fn[j].nchildren; k++)
			if (--indeg[fn[j].children[k]] == 0)
				s->order[tail++] = fn[j].children[k];
	}
	if (tail < n) {
		int bad = 0;
		while (bad < n && !indeg[bad])
			bad++;
		free(indeg);
		return err_set(e, ERR_INPUT, "the graph has a cycle through "
			       "function %d (%s); DS2 needs a DAG", bad,
			       fname(&fn[bad < n ? bad : 0]));
	}
	free(indeg);
	return 0;
}

static void *ds2_init(const struct policy_ctx *ctx, struct err *e)
{
	if (ctx->nfn < 0) {
		err_set(e, ERR_INTERNAL, "%d functions", ctx->nfn);
		return NULL;
	}
	struct ds2 *s = calloc(1, sizeof *s);
	size_t n = (size_t)ctx->nfn + 1;
	if (s) {
		s->order = calloc(n, sizeof *s->order);
		s->factor = calloc(n, sizeof *s->factor);
		s->est = calloc(n, sizeof *s->est);
	}
	if (!s || !s->order || !s->factor || !s->est) {
		ds2_fini(s);
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	s->nfn = ctx->nfn;
	s->interval = ctx->interval;
	s->activation = (int)ds2_params[P_ACTIVATION].def;
	s->warm_up = (int)ds2_params[P_WARM_UP].def;
	s->threshold = ds2_params[P_RATIO_THRESHOLD].def;
	for (int i = 0; i < ctx->nfn; i++) {
		const union param_val *p = ctx->params[i];
		const char *fnm = fname(&ctx->fn[i]);
		s->factor[i] = p[P_SCALING_FACTOR].num;
		if (!(s->factor[i] >= 0)) {
			err_set(e, ERR_INPUT, "function %d (%s): "
				"scaling_factor must be >= 0, got %g", i, fnm,
				s->factor[i]);
			ds2_fini(s);
			return NULL;
		}
		int act = (int)p[P_ACTIVATION].num, warm = (int)p[P_WARM_UP].num;
		double thr = p[P_RATIO_THRESHOLD].num;
		if (act < 1 || warm < 0 || !(thr >= 1)) {
			err_set(e, ERR_INPUT, "function %d (%s): "
				"activation_time %d (>= 1), warm_up_time %d (>= 0) "
				"or target_rate_ratio_threshold %g (>= 1) out of "
				"range", i, fnm, act, warm, thr);
			ds2_fini(s);
			return NULL;
		}
		/* one manager drives the whole job */
		if (i > 0 && (act != s->activation || warm != s->warm_up ||
			      thr != s->threshold)) {
			err_set(e, ERR_INPUT, "function %d (%s): "
				"activation_time, warm_up_time and "
				"target_rate_ratio_threshold are manager-wide and "
				"must not differ between functions", i, fnm);
			ds2_fini(s);
			return NULL;
		}
		s->activation = act;
		s->warm_up = warm;
		s->threshold = thr;
	}
	if (topo_sort(s, ctx->fn, e) < 0) {
		ds2_fini(s);
		return NULL;
	}
	return s;
}

/* ceil that forgives the rounding of rates computed from deltas, so that an
 * exact 5 measured as 5.000000000001 stays 5. */
static double ceil_tol(double x)
{
	return ceil(x - 1e-9 * fmax(1, fabs(x)));
}

static int clamp_int(double x, int lo, int hi)
{
	if (!(x < hi))
		return hi;
	if (x < lo)
		return lo;
	return (int)x;
}

/* Proposal in replicas from optimal slots, clamped to the bounds. */
static void propose(struct est *x, const struct fn_view *f, double slots)
{
	int conc = f->concurrency > 0 ? f->concurrency : 1;
	x->slots = clamp_int(slots, 1, 2000000000);
	double reps = ceil_tol((double)x->slots / conc);
	x->want = clamp_int(reps, f->min_replicas, f->max_replicas);
}

/* Step 2 for one function, in topological order; then pushes its output to
 * its children (step 3). */
static void estimate(struct ds2 *s, const struct scale_view *v, int i,
		     double window)
{
	const struct fn_view *f = &v->fn[i];
	struct est *x = &s->est[i];
	const struct mon *m = v->mon;
	x->input += mon_rate(m, i, MON_SOURCE_APPENDS, window);
	double busy = mon_delta(m, i, MON_USEFUL_TIME, window);
	double done = mon_delta(m, i, MON_COMPLETIONS, window);
	double outs = mon_delta(m, i, MON_OUTPUTS, window);
	x->measured = busy > 0 && done > 0;
	if (x->measured) {
		x->rate = done / busy;
		x->sel = outs / done;
	}
	if (x->unknown_from >= 0) {
		x->out_known = 0;
	} else if (x->measured) {
		x->opt = x->input / x->rate;
		x->out = x->input * x->sel;
		x->out_known = 1;
		propose(x, f, ceil_tol(x->opt * (1 + s->factor[i])));
	} else {
		x->out_known = !(x->input > 0);
		if (f->target == 0 && x->input > 0)
			x->want = f->max_replicas >= 1 ? 1 : f->max_replicas;
	}
	for (int k = 0; k < f->nchildren; k++) {
		struct est *c = &s->est[f->children[k]];
		if (!x->out_known) {
			if (c->unknown_from < 0)
				c->unknown_from = i;
		} else {
			c->input += x->out / f->nchildren;
		}
	}
}

/* Target/observed rate ratio of the sources feeding entry function i: the
 * rate appended to its partitions over the rate it took from them (its
 * arrivals less what its parents sent, measured). 0 when not an entry or
 * not measurable. */
static double source_ratio(const struct ds2 *s, const struct scale_view *v,
			   int i, double window)
{
	const struct mon *m = v->mon;
	double target = mon_rate(m, i, MON_SOURCE_APPENDS, window);
	if (!(target > 0))
		return 0;
	double taken = mon_rate(m, i, MON_ARRIVALS, window);
	for (int j = 0; j < v->nfn && j < s->nfn; j++)
		for (int k = 0; k < v->fn[j].nchildren; k++)
			if (v->fn[j].children[k] == i)
				taken -= mon_rate(m, j, MON_OUTPUTS, window) /
					 v->fn[j].nchildren;
	return taken > 0 ? target / taken : 0;
}

/* evaluate_scaling_policy's final adjustment; returns the factor used
 * (1 when none). */
static double adjust(struct ds2 *s, const struct scale_view *v, int n,
		     double window)
{
	if (!(s->threshold < DBL_MAX))
		return 1;
	double ratio = 0;
	for (int i = 0; i < n; i++) {
		const struct est *x = &s->est[i];
		if (v->fn[i].managed && x->want > v->fn[i].target)
			return 1;   /* an epoch with a scale-up */
		double r = source_ratio(s, v, i, window);
		if (isfinite(r) && r > ratio)
			ratio = r;
	}
	if (!(ratio > s->threshold))
		return 1;
	for (int i = 0; i < n; i++) {
		struct est *x = &s->est[i];
		if (x->measured && x->unknown_from < 0) {
			propose(x, &v->fn[i], ceil_tol(ratio * x->slots));
			x->adjust = ratio;
		}
	}
	return ratio;
}

static void keep_all(const struct ds2 *s, const struct scale_view *v, int n,
		     struct scale_decision *out, const char *why)
{
	for (int i = 0; i < n; i++)
		if (v->fn[i].managed) {
			policy_say(&out[i], "ds2: %s", why);
			policy_observe(&out[i], "since", s->since);
			policy_observe(&out[i], "evaluations", s->evaluations);
		}
}

/* The reason and observed values of one function's estimate. */
static void describe(const struct ds2 *s, const struct scale_view *v, int i,
		     struct scale_decision *d)
{
	const struct est *x = &s->est[i];
	const struct fn_view *f = &v->fn[i];
	policy_observe(d, "input", x->input);
	policy_observe(d, "slots_now", (double)f->target *
			(f->concurrency > 0 ? f->concurrency : 1));
	if (x->measured) {
		policy_observe(d, "true_rate", x->rate);
		policy_observe(d, "selectivity", x->sel);
	}
	if (x->unknown_from >= 0) {
		policy_say(d, "ds2: input unknown (%s has no true rate): keep",
		    fname(&v->fn[x->unknown_from]));
		return;
	}
	if (!x->measured) {
		if (x->want >= 0)
			policy_say(d, "ds2: no instance to measure, input %.4g/s: "
			    "0 -> %d", x->input, x->want);
		else
			policy_say(d, "ds2: no useful time in the epoch, no true rate "
			    "(input %.4g/s): keep", x->input);
		return;
	}
	policy_observe(d, "optimal", x->opt);
	policy_observe(d, "slots", x->slots);
	policy_observe(d, "replicas", x->want);
	policy_say(d, "ds2: input %.4g/s / true rate %.4g/s per slot = %.4g",
	    x->input, x->rate, x->opt);
	if (s->factor[i] > 0)
		policy_say(d, " x %g", 1 + s->factor[i]);
	if (x->adjust != 1)
		policy_say(d, ", target rate ratio x %.4g", x->adjust);
	if (ceil_tol(x->opt * (1 + s->factor[i])) < 1)
		policy_say(d, ", at least one");
	policy_say(d, " -> %d slots -> %d replicas", x->slots, x->want);
}

static void ds2_decide(void *state, const struct scale_view *v,
		       struct scale_decision *out)
{
	struct ds2 *s = state;
	int n = v->nfn < s->nfn ? v->nfn : s->nfn;
	const struct mon *m = v->mon;
	if (!m || mon_count(m, INFINITY) < 2) {
		keep_all(s, v, n, out, "no metrics yet");
		return;
	}
	if (s->since < s->warm_up) {
		s->since++;
		char why[96];
		snprintf(why, sizeof why, "warm-up, epoch %d of %d ignored",
			 s->since, s->warm_up);
		keep_all(s, v, n, out, why);
		return;
	}
	s->evaluations++;
	double window = fmax(s->interval, mon_interval(m));
	for (int i = 0; i < n; i++)
		s->est[i] = (struct est){.unknown_from = -1, .want = -1,
					 .adjust = 1};
	for (int k = 0; k < s->nfn; k++)
		if (s->order[k] < n)
			estimate(s, v, s->order[k], window);
	adjust(s, v, n, window);

	/* consider_change */
	int change = 0;
	for (int i = 0; i < n; i++) {
		const struct est *x = &s->est[i];
		if (v->fn[i].managed && x->want >= 0 &&
		    (x->want > v->fn[i].target ||
		     x->want < v->fn[i].target - 1))
			change = 1;
	}
	int apply = change && s->evaluations >= s->activation;
	for (int i = 0; i < n; i++) {
		if (!v->fn[i].managed)
			continue;
		struct scale_decision *d = &out[i];
		const struct est *x = &s->est[i];
		describe(s, v, i, d);
		policy_observe(d, "since", s->since);
		policy_observe(d, "evaluations", s->evaluations);
		if (x->want < 0)
			continue;
		if (apply) {
			policy_say(d, "; reconfigure");
			d->desired = x->want;
		} else if (!change) {
			policy_say(d, x->want == v->fn[i].target - 1
			    ? "; no significant change (one fewer ignored)"
			    : "; no significant change");
		} else {
			policy_say(d, "; activation %d of %d", s->evaluations,
			    s->activation);
		}
	}
	if (apply) {
		s->since = 0;
		s->evaluations = 0;
	} else {
		s->since++;
	}
}

const struct policy policy_ds2 = {
	.name = "ds2",
	.help = "DS2 (Kalavri et al., OSDI'18): true processing and output "
		"rates from useful time (busy slot-seconds), one pass over the "
		"DAG in topological order from the measured source rates, the "
		"optimal parallelism of every function in one decision; "
		"activation and warm-up epochs. DS2 logs rates every 10-s epoch: "
		"set monitor.scrape_interval_s <= the decision interval",
	.params = ds2_params,
	.nparams = P_N,
	.interval_s = 10,
	.init = ds2_init,
	.decide = ds2_decide,
	.fini = ds2_fini,
};
