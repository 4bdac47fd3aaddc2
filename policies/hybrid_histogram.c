/*
 * hybrid-histogram: Azure Functions' keep-alive and pre-warm policy
 * (Shahrad et al., "Serverless in the Wild", ATC'20).
 *
 * It decides when a function's replicas are unloaded and loaded back, not
 * how many serve a burst: the platform starts one per request that finds
 * none free (per-request rule), and this policy plans every idle period.
 * Per function it keeps a histogram of idle times (IT: from the end of the
 * function's last invocation to the next request) in bin_s bins over
 * range_s (1-min bins over 4 h: 240 bins); longer ITs count as out of
 * bounds (OOB). When the function goes idle:
 *  - OOB share >= oob_threshold: the histogram cannot say; the next IT is
 *    forecast by an AR(p) model fitted by least squares (GSL) to the recent
 *    ITs: pre-warm at IT (1 - arima_margin), keep for 2 IT arima_margin.
 *  - else, coefficient of variation of the bin counts < cv_threshold: the
 *    pattern is not representative (low confidence, and so with no data):
 *    no pre-warm, keep-alive = range_s, the conservative fixed policy.
 *  - else, head = the head_percentile bin, tail = the tail_percentile bin:
 *    pre-warm = head bin_s (1 - hist_margin); the image stays until
 *    (tail + 1) bin_s (1 + hist_margin) after the invocation ended. When the
 *    pre-warm is 0 the image is never unloaded in between.
 * With a pre-warm the replicas are unloaded at once and one is loaded back
 * (paying its cold start then, not the request) after the pre-warm window.
 * Defaults are the paper's as re-implemented by osukhoroslov/dslab
 * (hybrid_histogram.rs): head 5th and tail 99th percentile, 10% histogram
 * margin, 15% ARIMA margin, CV threshold 2, OOB threshold 0.5. dslab keeps
 * the loaded image for the whole keep-alive window counted from the
 * pre-warm; here, as in the paper, the window ends at the tail, counted
 * from the end of the invocation.
 * An IT is recorded only for real idle periods (nothing in service): a
 * request arriving while others run has no idle time. The AR forecast uses
 * the last `ar_history` ITs; with too few for the order it falls back to
 * their mean, as the paper's ARIMA would degrade to the sample mean.
 * Access pattern: two calls per idle period, O(bins) each; decide() only
 * reports, so the decision interval is irrelevant to behaviour.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_multifit.h>
#include <gsl/gsl_statistics_double.h>

#include "err.h"
#include "policy.h"

enum {
	P_BIN,
	P_RANGE,
	P_HEAD,
	P_TAIL,
	P_HIST_MARGIN,
	P_ARIMA_MARGIN,
	P_CV,
	P_OOB,
	P_AR_ORDER,
	P_AR_HISTORY,
	P_N
};

static const struct param_def hh_params[P_N] = {
	[P_BIN] = { .name = "bin_s", .type = PARAM_NUM, .def = 60, .min = 1e-3,
		    .max = 1e9, .help = "histogram bin width (paper: 1 min)" },
	[P_RANGE] = { .name = "range_s", .type = PARAM_NUM, .def = 14400,
		      .min = 1e-3, .max = 1e9,
		      .help = "histogram range; longer idle times are out of "
			      "bounds (paper: 4 h)" },
	[P_HEAD] = { .name = "head_percentile", .type = PARAM_NUM, .def = 5,
		     .min = 0, .max = 100,
		     .help = "percentile giving the pre-warm window (5)" },
	[P_TAIL] = { .name = "tail_percentile", .type = PARAM_NUM, .def = 99,
		     .min = 0, .max = 100,
		     .help = "percentile giving the keep-alive end (99)" },
	[P_HIST_MARGIN] = { .name = "hist_margin", .type = PARAM_NUM,
			    .def = 0.1, .min = 0, .max = 1,
			    .help = "pre-warm shortened, keep-alive lengthened "
				    "by this fraction (10%)" },
	[P_ARIMA_MARGIN] = { .name = "arima_margin", .type = PARAM_NUM,
			     .def = 0.15, .min = 0, .max = 1,
			     .help = "OOB case: pre-warm IT(1-m), keep 2 IT m "
				     "(15%)" },
	[P_CV] = { .name = "cv_threshold", .type = PARAM_NUM, .def = 2,
		   .min = 0, .max = 1e9,
		   .help = "bin-count CV below this: pattern not representative "
			   "(no pre-warm, keep range_s)" },
	[P_OOB] = { .name = "oob_threshold", .type = PARAM_NUM, .def = 0.5,
		    .min = 0, .max = 1,
		    .help = "share of out-of-bounds idle times above which the "
			    "next one is forecast (AR model)" },
	[P_AR_ORDER] = { .name = "ar_order", .type = PARAM_INT, .def = 2,
			 .min = 0, .max = 16,
			 .help = "order p of the AR(p) forecast of idle times" },
	[P_AR_HISTORY] = { .name = "ar_history", .type = PARAM_INT, .def = 64,
			   .min = 1, .max = 100000,
			   .help = "idle times kept for the AR fit" },
};

struct hh_fn {
	int nbins;
	unsigned long *bins;
	unsigned long in, oob;
	double sumsq;          /* sum over bins of count^2: the CV in O(1) */
	double *raw;           /* ring of the last ar_history ITs */
	int nraw, rawhead;
	double idle_since;     /* < 0: not idle */
	/* last plan, for decide()'s report */
	int pattern;
	double prewarm, keep;
};

enum { PAT_NONE, PAT_UNCERTAIN, PAT_CERTAIN, PAT_OOB };

static const char *const pattern_names[] = {
	[PAT_NONE] = "no idle period yet",
	[PAT_UNCERTAIN] = "uncertain",
	[PAT_CERTAIN] = "histogram",
	[PAT_OOB] = "out of bounds (AR forecast)",
};

struct hh_state {
	int nfn;
	const union param_val *const *params;
	struct hh_fn fn[];
};

static void hh_fini(void *state)
{
	struct hh_state *s = state;
	if (!s)
		return;
	for (int i = 0; i < s->nfn; i++) {
		free(s->fn[i].bins);
		free(s->fn[i].raw);
	}
	free(s);
}

static void *hh_init(const struct policy_ctx *ctx, struct err *e)
{
	if (ctx->nfn < 0) {
		err_set(e, ERR_INTERNAL, "%d functions", ctx->nfn);
		return NULL;
	}
	struct hh_state *s = calloc(1, sizeof *s + (size_t)ctx->nfn * sizeof s->fn[0]);
	if (!s) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	s->nfn = ctx->nfn;
	s->params = ctx->params;
	for (int i = 0; i < ctx->nfn; i++) {
		const union param_val *p = ctx->params[i];
		struct hh_fn *f = &s->fn[i];
		double nb = ceil(p[P_RANGE].num / p[P_BIN].num - 1e-9);
		if (nb > 1e6) {
			err_set(e, ERR_INPUT, "function %s: "
				"range_s / bin_s = %.0f bins, at most 1e6",
				ctx->fn[i].name, nb);
			hh_fini(s);
			return NULL;
		}
		if (p[P_HEAD].num > p[P_TAIL].num) {
			err_set(e, ERR_INPUT, "function %s: "
				"head_percentile %g above tail_percentile %g",
				ctx->fn[i].name, p[P_HEAD].num, p[P_TAIL].num);
			hh_fini(s);
			return NULL;
		}
		f->nbins = nb < 1 ? 1 : (int)nb;
		f->bins = calloc((size_t)f->nbins, sizeof *f->bins);
		f->raw = calloc((size_t)p[P_AR_HISTORY].num, sizeof *f->raw);
		f->idle_since = -1;
		if (!f->bins || !f->raw) {
			err_set(e, ERR_INTERNAL, "out of memory");
			hh_fini(s);
			return NULL;
		}
	}
	return s;
}

static int hh_platform(void *state, const struct policy_ctx *ctx,
		       struct platform_rules *rules, struct err *e)
{
	/* Azure Functions adds an instance for a request no instance can take;
	 * no burst or concurrency limit is part of this policy's study. */
	*rules = (struct platform_rules){ .per_request = 1 };
	return 0;
}

/* The smallest bin whose cumulative count reaches pct% of the in-bounds
 * idle times. */
static int percentile_bin(const struct hh_fn *f, double pct)
{
	unsigned long cum = 0;
	for (int b = 0; b < f->nbins; b++) {
		cum += f->bins[b];
		if ((double)cum >= pct / 100.0 * (double)f->in)
			return b;
	}
	return f->nbins - 1;
}

/* Sample CV (sd with n - 1) of the bin counts; 0 with no data. From the
 * running sums: sum (c - m)^2 = sum c^2 - nbins m^2. */
static double bins_cv(const struct hh_fn *f)
{
	if (f->in == 0 || f->nbins < 2)
		return 0;
	double nb = f->nbins, mean = (double)f->in / nb;
	double ss = f->sumsq - nb * mean * mean;
	return ss > 0 ? sqrt(ss / (nb - 1)) / mean : 0;
}

/* The ITs in time order, oldest first, into out[0..nraw). */
static void raw_series(const struct hh_fn *f, int cap, double *out)
{
	int start = f->nraw < cap ? 0 : f->rawhead;
	for (int k = 0; k < f->nraw; k++)
		out[k] = f->raw[(start + k) % cap];
}

/* One-step AR(p) forecast with intercept, least squares over the series:
 * x_t = c + a_1 x_{t-1} + ... + a_p x_{t-p}. Falls back to the mean when
 * the series is too short or the fit fails; never negative. */
static double ar_forecast(const double *x, int n, int p)
{
	if (n <= 0)
		return 0;
	double mean = gsl_stats_mean(x, 1, (size_t)n);
	int rows = n - p;
	if (p <= 0 || rows < p + 2)
		return mean;
	gsl_matrix *X = gsl_matrix_alloc((size_t)rows, (size_t)p + 1);
	gsl_vector *y = gsl_vector_alloc((size_t)rows);
	gsl_vector *c = gsl_vector_alloc((size_t)p + 1);
	gsl_matrix *cov = gsl_matrix_alloc((size_t)p + 1, (size_t)p + 1);
	gsl_multifit_linear_workspace *w =
		gsl_multifit_linear_alloc((size_t)rows, (size_t)p + 1);
	double f = mean;
	if (X && y && c && cov && w) {
		for (int r = 0; r < rows; r++) {
			gsl_matrix_set(X, (size_t)r, 0, 1.0);
			for (int k = 1; k <= p; k++)
				gsl_matrix_set(X, (size_t)r, (size_t)k,
					       x[p + r - k]);
			gsl_vector_set(y, (size_t)r, x[p + r]);
		}
		double chisq;
		size_t rank;
		/* SVD with a tolerance: a constant series is rank-deficient
		 * and gets the minimum-norm solution, not a failure */
		if (gsl_multifit_linear_tsvd(X, y, 1e-10, c, cov, &chisq, &rank,
					     w) == 0) {
			f = gsl_vector_get(c, 0);
			for (int k = 1; k <= p; k++)
				f += gsl_vector_get(c, (size_t)k) * x[n - k];
		}
	}
	gsl_multifit_linear_free(w);
	gsl_matrix_free(cov);
	gsl_vector_free(c);
	gsl_vector_free(y);
	gsl_matrix_free(X);
	if (!isfinite(f) || f < 0)
		f = mean;
	return f;
}

static void hh_busy(void *state, int fn, double now)
{
	struct hh_state *s = state;
	if (fn < 0 || fn >= s->nfn)
		return;
	struct hh_fn *f = &s->fn[fn];
	const union param_val *p = s->params[fn];
	if (f->idle_since < 0)
		return;
	double it = now - f->idle_since;
	f->idle_since = -1;
	if (it < 0)
		it = 0;
	int cap = (int)p[P_AR_HISTORY].num;
	f->raw[f->rawhead] = it;
	f->rawhead = (f->rawhead + 1) % cap;
	if (f->nraw < cap)
		f->nraw++;
	double b = floor(it / p[P_BIN].num);
	if (b < f->nbins) {
		f->sumsq += 2.0 * (double)f->bins[(int)b]++ + 1;
		f->in++;
	} else {
		f->oob++;
	}
}

static void hh_idle(void *state, int fn, double now, struct idle_plan *plan)
{
	struct hh_state *s = state;
	if (fn < 0 || fn >= s->nfn)
		return;
	struct hh_fn *f = &s->fn[fn];
	const union param_val *p = s->params[fn];
	f->idle_since = now;
	double bin = p[P_BIN].num, hm = p[P_HIST_MARGIN].num;
	unsigned long total = f->in + f->oob;
	double oob_share = total ? (double)f->oob / (double)total : 0;
	if (total && oob_share >= p[P_OOB].num) {
		int cap = (int)p[P_AR_HISTORY].num;
		double *x = malloc((size_t)cap * sizeof *x);
		double it = 0;
		if (x) {
			raw_series(f, cap, x);
			it = ar_forecast(x, f->nraw, (int)p[P_AR_ORDER].num);
			free(x);
		}
		double am = p[P_ARIMA_MARGIN].num;
		f->pattern = PAT_OOB;
		f->prewarm = it * (1 - am);
		f->keep = 2 * it * am;
	} else if (bins_cv(f) < p[P_CV].num) {
		f->pattern = PAT_UNCERTAIN;
		f->prewarm = 0;
		f->keep = p[P_RANGE].num;
	} else {
		int head = percentile_bin(f, p[P_HEAD].num);
		int tail = percentile_bin(f, p[P_TAIL].num);
		f->pattern = PAT_CERTAIN;
		f->prewarm = head * bin * (1 - hm);
		/* the image stays until this long after the invocation ended */
		double until = (tail + 1) * bin * (1 + hm);
		f->keep = until - f->prewarm;
		if (f->keep < 0)
			f->keep = 0;
	}
	if (f->prewarm > 0) {
		plan->unload_after = 0;
		plan->prewarm_after = f->prewarm;
		plan->prewarm_keep = f->keep;
	} else {
		plan->unload_after = f->keep;
	}
}

static void hh_decide(void *state, const struct scale_view *v,
		      struct scale_decision *out)
{
	const struct hh_state *s = state;
	for (int i = 0; i < v->nfn && i < s->nfn; i++) {
		if (!v->fn[i].managed)
			continue;
		const struct hh_fn *f = &s->fn[i];
		struct scale_decision *d = &out[i];
		policy_say(d, "keep-alive policy (%s): pre-warm %.0fs, keep "
			   "%.0fs; replicas per request", pattern_names[f->pattern],
			   f->prewarm, f->keep);
		policy_observe(d, "idle_times", (double)(f->in + f->oob));
		policy_observe(d, "oob", (double)f->oob);
		policy_observe(d, "cv", bins_cv(f));
		policy_observe(d, "prewarm_s", f->prewarm);
		policy_observe(d, "keep_s", f->keep);
	}
}

const struct policy policy_hybrid_histogram = {
	.name = "hybrid-histogram",
	.help = "Azure Functions' hybrid histogram keep-alive and pre-warm "
		"policy (Shahrad et al., ATC'20); replicas start per request",
	.params = hh_params,
	.nparams = P_N,
	.interval_s = 60,
	.init = hh_init,
	.decide = hh_decide,
	.fini = hh_fini,
	.idle = hh_idle,
	.busy = hh_busy,
	.platform = hh_platform,
};
