/*
 * openfaas: OpenFaaS autoscaling, Community Edition (alert-driven) and the
 * Pro autoscaler's rps, capacity and queue modes, chosen per function.
 *
 * CE is three components, each modelled with its own clock:
 *   Prometheus  evaluates APIHighInvocationRate on a grid of
 *               evaluation_interval_s: sum(rate(invocations{code="200"}
 *               [10s])) > 5 (completions stand for code 200); inactive ->
 *               pending when true, pending -> firing at an evaluation at
 *               least `for` after it went pending, pending -> inactive when
 *               false (nothing sent), firing -> resolved when false. Missed
 *               evaluations are skipped, as Prometheus skips them.
 *   Alertmanager route group_by [alertname, cluster, service]: function_name
 *               is not a grouping label, so every function's alert lives in
 *               ONE aggregation group. A group is created by its first alert
 *               and flushed group_wait later, then every group_interval; a
 *               flush notifies (DedupStage.needsUpdate) when nothing was
 *               notified yet, a firing alert is new to the notification log,
 *               every alert resolved, a resolved alert is new (send_resolved),
 *               or the last notification is strictly older than
 *               repeat_interval -- it is logged after the webhook returns, so
 *               a repeat_interval that is a multiple of group_interval waits
 *               one more tick (30 s / 10 s repeats every 40 s; alertmanager
 *               issues #676, #917). Resolved alerts are dropped after the
 *               flush; an empty group is destroyed (the next alert waits
 *               group_wait again). Each notification carries every alert of
 *               the group, so one function's new alert steps the others too.
 *   gateway     /system/alert (alerthandler.go CalculateReplicas): max =
 *               min(label max, DefaultMaxReplicas), step = ceil(max/100 x
 *               factor) in float64 as Go computes it; firing with step > 0 ->
 *               min(N + step, max), otherwise (resolved, or step 0) -> label
 *               min; N is spec.replicas (the view's target).
 * The decision loop runs every 5 s, the common divisor of the chart's
 * timers, so evaluations and flushes happen at their own times; events due
 * by `now` are replayed in time order (an evaluation before a flush at the
 * same instant), each notification reading the count the previous one set.
 *
 * Pro (autoscaler closed-source; docs/architecture/autoscaling.md and the
 * chart's recording rules): the load is recorded at each evaluation --
 * rps: ceil(rate over 30 s of all responses: completions + drops);
 * capacity: ceil(max over 45 s of in-flight requests at the gateway, busy
 * slots plus messages queued for a slot, sampled at each scrape the loop
 * sees, as the [45s:5s] subquery samples); queue: ceil(pending messages),
 * the consumer lag for a function fed by partitions, else its queue.
 * desired = ceil(ready x (load/ready) / (target x proportion)) clamped to the
 * labels, no change without a ready replica; a scale-down window keeps the
 * highest recommendation of the window (scale-up and zero unaffected); with
 * zero, no new request for zero_duration scales to 0.
 * The autoscaler's loop period is not published: it runs at every decision
 * (5 s) on the load of the latest evaluation (15 s), which is all it reads.
 * Both: a function at 0 with requests held at the gateway goes to max(min,1)
 * at once (scale_from_zero; the gateway blocks meanwhile).
 * Not modelled: Pro's cpu mode (the monitor has no CPU usage), Prometheus'
 * 1-min alert resends (they keep the alert alive, nothing more), the
 * gateway re-setting min when a function has no available replica yet.
 * State: per function the alert and notification-log flags, the Pro load and
 * two short time series (capacity samples, recommendations) pruned to their
 * window; one Alertmanager group for the instance. Each decision is O(nfn)
 * per replayed event, a handful per call at the default timings.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "monitor.h"
#include "policy.h"
#include "tseries.h"

enum of_mode { MODE_CE, MODE_RPS, MODE_CAPACITY, MODE_QUEUE };
enum of_preset { PRESET_CURRENT, PRESET_CLASSIC };
enum prom_state { PROM_INACTIVE, PROM_PENDING, PROM_FIRING };
enum am_state { AM_NONE, AM_ACTIVE, AM_RESOLVED };

enum {
	P_MODE,
	P_PRESET,
	P_MIN,
	P_MAX,
	P_FACTOR,
	P_EVAL,
	P_THRESHOLD,
	P_RATE_WINDOW,
	P_FOR,
	P_GROUP_WAIT,
	P_GROUP_INTERVAL,
	P_REPEAT,
	P_TARGET,
	P_PROPORTION,
	P_DOWN_WINDOW,
	P_ZERO,
	P_ZERO_DURATION,
	P_N
};

static const struct param_def of_params[P_N] = {
	[P_MODE] = {
		.name = "mode", .type = PARAM_ENUM, .def = MODE_CE,
		.choices = "ce|rps|capacity|queue",
		.help = "ce: Community Edition, Prometheus alert -> Alertmanager "
			"-> gateway /system/alert; rps, capacity, queue: the Pro "
			"autoscaler's com.openfaas.scale.type",
	},
	[P_PRESET] = {
		.name = "preset", .type = PARAM_ENUM, .def = PRESET_CURRENT,
		.choices = "current|classic",
		.help = "CE defaults: current = DefaultMaxReplicas 5, factor 10% "
			"(faas 8e1c34e2, 2023); classic = 20 and 20% (earlier "
			"releases, still in the docs)",
	},
	[P_MIN] = {
		.name = "min_replicas_label", .type = PARAM_INT, .def = 1,
		.min = 1, .max = 1000000,
		.help = "com.openfaas.scale.min (default 1): CE's count on a "
			"resolved alert, Pro's lower bound; also the scale-from-"
			"zero count. spate's function min/max still clamp",
	},
	[P_MAX] = {
		.name = "max_replicas_label", .type = PARAM_INT, .def = -1,
		.min = -1, .max = 1000000,
		.help = "com.openfaas.scale.max; -1: CE the preset's "
			"DefaultMaxReplicas (which also caps the label), Pro 20",
	},
	[P_FACTOR] = {
		.name = "scaling_factor", .type = PARAM_NUM, .def = -1,
		.min = -1, .max = 100,
		.help = "CE com.openfaas.scale.factor in %; -1: the preset's; 0 "
			"makes a firing alert set the min (the handler's else branch)",
	},
	[P_EVAL] = {
		.name = "evaluation_interval_s", .type = PARAM_NUM, .def = 15,
		.min = 0.001, .max = 3600,
		.help = "Prometheus evaluation_interval of the chart (alert rule "
			"and Pro recording rules); one Prometheus: same for all "
			"functions",
	},
	[P_THRESHOLD] = {
		.name = "alert_rps", .type = PARAM_NUM, .def = 5,
		.min = 0, .max = 1e12,
		.help = "CE APIHighInvocationRate: sum(rate(...)) > this",
	},
	[P_RATE_WINDOW] = {
		.name = "alert_rate_window_s", .type = PARAM_NUM, .def = 10,
		.min = 0.001, .max = 86400,
		.help = "CE rate() range [10s]; needs two scrapes inside it: set "
			"monitor.scrape_interval_s = 5 (the chart scrapes the "
			"gateway pod every 5 s)",
	},
	[P_FOR] = {
		.name = "alert_for_s", .type = PARAM_NUM, .def = 5,
		.min = 0, .max = 86400,
		.help = "CE alert rule `for:` (pending -> firing)",
	},
	[P_GROUP_WAIT] = {
		.name = "group_wait_s", .type = PARAM_NUM, .def = 5,
		.min = 0, .max = 86400,
		.help = "Alertmanager group_wait (chart alertmanager-cfg.yaml); "
			"one Alertmanager: same for all functions",
	},
	[P_GROUP_INTERVAL] = {
		.name = "group_interval_s", .type = PARAM_NUM, .def = 10,
		.min = 0.001, .max = 86400,
		.help = "Alertmanager group_interval: the group's flush period",
	},
	[P_REPEAT] = {
		.name = "repeat_interval_s", .type = PARAM_NUM, .def = 30,
		.min = 0, .max = 86400,
		.help = "Alertmanager repeat_interval: re-notify a still-firing "
			"group at the first flush strictly later than this",
	},
	[P_TARGET] = {
		.name = "target", .type = PARAM_NUM, .def = 50,
		.min = 1e-9, .max = 1e12,
		.help = "Pro com.openfaas.scale.target, load per replica "
			"(autoscaler.defaultTarget 50)",
	},
	[P_PROPORTION] = {
		.name = "target_proportion", .type = PARAM_NUM, .def = 0.9,
		.min = 1e-6, .max = 100,
		.help = "Pro com.openfaas.scale.target-proportion",
	},
	[P_DOWN_WINDOW] = {
		.name = "scale_down_window_s", .type = PARAM_NUM, .def = 0,
		.min = 0, .max = 300,
		.help = "Pro com.openfaas.scale.down.window: scale down only to "
			"the highest recommendation of this window; 0: off",
	},
	[P_ZERO] = {
		.name = "zero", .type = PARAM_BOOL, .def = 0,
		.help = "Pro com.openfaas.scale.zero: scale to 0 when idle (needs "
			"the function's min_replicas 0, spate's default)",
	},
	[P_ZERO_DURATION] = {
		.name = "zero_duration_s", .type = PARAM_NUM, .def = 900,
		.min = 0, .max = 1e9,
		.help = "Pro com.openfaas.scale.zero-duration: no new request for "
			"this long -> 0 replicas",
	},
};

static const char *const mode_name[] = {
	[MODE_CE] = "ce", [MODE_RPS] = "rps", [MODE_CAPACITY] = "capacity",
	[MODE_QUEUE] = "queue",
};

/* Recording-rule windows of the chart (prometheus-pro-cfg.yaml). */
#define RPS_WINDOW 30.0
#define CAPACITY_WINDOW 45.0
/* Slack for comparing times built by repeated addition. */
#define EPS 1e-6


struct of_fn {
	int mode;
	int min, max;          /* labels; CE max already capped */
	double factor;         /* CE, percent */
	double target, proportion, down_window, zero_duration;
	int zero;
	/* CE: Prometheus alert, Alertmanager alert, notification-log flags */
	int prom, am, log_firing, log_resolved;
	double active_at, rate;
	/* per decide: the count notifications set */
	int spec, changed, nnotes;
	/* Pro */
	int have_load;
	double load, load_t;
	struct tseries samples, recs;
	double last_sample_t;
	int traffic_seen;
	double arrivals, last_traffic;
};

struct of_state {
	int nfn;
	/* one Prometheus and one Alertmanager */
	double eval, rate_window, threshold, for_s;
	double group_wait, group_interval, repeat;
	int started;
	double next_eval;
	int group, logged;      /* group exists; the log has an entry */
	double next_flush, log_t;
	struct of_fn fn[];
};

/* Drops the entries not newer than cutoff (up to float noise). */
static void prune_upto(struct tseries *s, double cutoff)
{
	tseries_prune_before(s, nextafter(cutoff + EPS, INFINITY));
}

/* Largest value in (from, to], up to float noise; -INFINITY when none. */
static double max_in(const struct tseries *s, double from, double to)
{
	return tseries_max_in(s, from + EPS, to + EPS);
}

/* Ceiling that forgives float noise just above an integer (3 replicas x
 * (65/3) / 5 is 13.000000000000002) and never yields -0. */
static double ceil_eps(double x)
{
	return x > 1e-9 ? ceil(x - 1e-9) : 0;
}

/* Whether the monitor has a sample (times may be negative in tests, so
 * mon_last_time's -1 is not a reliable marker). */
static int has_data(const struct mon *m)
{
	return m && mon_count(m, INFINITY) > 0;
}

static int fn_setup(struct of_fn *o, const struct fn_view *f,
		    const union param_val *p, int idx, struct err *e)
{
	const char *name = f->name ? f->name : "?";
	o->mode = (int)p[P_MODE].num;
	int preset = (int)p[P_PRESET].num;
	if (o->mode < MODE_CE || o->mode > MODE_QUEUE ||
	    preset < PRESET_CURRENT || preset > PRESET_CLASSIC)
		return err_set(e, ERR_INPUT, "function %d (%s): mode %d "
			       "or preset %d out of range", idx, name, o->mode,
			       preset);
	o->min = (int)p[P_MIN].num;
	int label_max = (int)p[P_MAX].num;
	if (o->mode == MODE_CE) {
		/* scaling.DefaultMaxReplicas caps the label in CalculateReplicas */
		int cap = preset == PRESET_CLASSIC ? 20 : 5;
		o->max = label_max < 0 || label_max > cap ? cap : label_max;
		o->factor = p[P_FACTOR].num >= 0 ? p[P_FACTOR].num
			    : preset == PRESET_CLASSIC ? 20 : 10;
	} else {
		o->max = label_max < 0 ? 20 : label_max;
	}
	o->target = p[P_TARGET].num;
	o->proportion = p[P_PROPORTION].num;
	o->down_window = p[P_DOWN_WINDOW].num;
	o->zero = p[P_ZERO].num != 0;
	o->zero_duration = p[P_ZERO_DURATION].num;
	if (o->min < 1 || o->max < o->min)
		return err_set(e, ERR_INPUT, "function %d (%s): "
			       "max_replicas_label %d (effective %d) is below "
			       "min_replicas_label %d", idx, name, label_max,
			       o->max, o->min);
	if (!(o->target > 0) || !(o->proportion > 0) ||
	    !(o->down_window >= 0) || !(o->zero_duration >= 0))
		return err_set(e, ERR_INPUT, "function %d (%s): target "
			       "%g, target_proportion %g, scale_down_window_s %g "
			       "or zero_duration_s %g out of range", idx, name,
			       o->target, o->proportion, o->down_window,
			       o->zero_duration);
	o->last_sample_t = -INFINITY;
	return 0;
}

/* Prometheus and Alertmanager are shared: their settings must agree. */
static int global_setup(struct of_state *s, const struct policy_ctx *ctx,
			struct err *e)
{
	static const int idx[] = {P_EVAL, P_RATE_WINDOW, P_THRESHOLD, P_FOR,
				  P_GROUP_WAIT, P_GROUP_INTERVAL, P_REPEAT};
	double *dst[] = {&s->eval, &s->rate_window, &s->threshold, &s->for_s,
			 &s->group_wait, &s->group_interval, &s->repeat};
	for (size_t k = 0; k < sizeof idx / sizeof idx[0]; k++) {
		double v = ctx->nfn ? ctx->params[0][idx[k]].num
				    : of_params[idx[k]].def;
		for (int i = 1; i < ctx->nfn; i++)
			if (ctx->params[i][idx[k]].num != v)
				return err_set(e, ERR_INPUT, "%s differs "
					       "between functions (%g for %s, %g "
					       "for %s): there is one Prometheus "
					       "and one Alertmanager",
					       of_params[idx[k]].name, v,
					       ctx->fn[0].name ? ctx->fn[0].name : "?",
					       ctx->params[i][idx[k]].num,
					       ctx->fn[i].name ? ctx->fn[i].name : "?");
		*dst[k] = v;
	}
	if (!(s->eval > 0) || !(s->group_interval > 0) ||
	    !(s->rate_window > 0) || !(s->for_s >= 0) ||
	    !(s->group_wait >= 0) || !(s->repeat >= 0))
		return err_set(e, ERR_INPUT, "an evaluation, rate or "
			       "Alertmanager interval is out of range");
	return 0;
}

static void of_fini(void *state)
{
	struct of_state *s = state;
	if (!s)
		return;
	for (int i = 0; i < s->nfn; i++) {
		tseries_free(&s->fn[i].samples);
		tseries_free(&s->fn[i].recs);
	}
	free(s);
}

static void *of_init(const struct policy_ctx *ctx, struct err *e)
{
	if (ctx->nfn < 0) {
		err_set(e, ERR_INTERNAL, "%d functions", ctx->nfn);
		return NULL;
	}
	struct of_state *s = calloc(1, sizeof *s +
				    sizeof s->fn[0] * (size_t)ctx->nfn);
	if (!s) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	s->nfn = ctx->nfn;
	if (global_setup(s, ctx, e) < 0) {
		of_fini(s);
		return NULL;
	}
	for (int i = 0; i < ctx->nfn; i++)
		if (fn_setup(&s->fn[i], &ctx->fn[i], ctx->params[i], i, e) < 0) {
			of_fini(s);
			return NULL;
		}
	return s;
}

static int is_ce(const struct of_fn *o, const struct fn_view *f)
{
	return f->managed && o->mode == MODE_CE;
}

/* ---- CE: gateway, Alertmanager, Prometheus ---- */

/* CalculateReplicas for one alert of a notification at time t. */
static void gateway_alert(struct of_fn *o, int firing, double t,
			  struct scale_decision *d)
{
	/* float64(max) / 100 * float64(factor), rounded up, as Go does it */
	double stepf = ceil((double)o->max / 100 * o->factor);
	long step = stepf > 0 ? (long)stepf : 0;
	int want;
	if (firing && step > 0)
		want = o->spec + step > o->max ? o->max : o->spec + (int)step;
	else
		want = o->min;
	policy_say(d, "%st=%g %s: %d -> %d", o->nnotes++ ? "; " : "", t,
	    firing ? "firing" : "resolved", o->spec, want);
	if (firing && step > 0)
		policy_say(d, " (step %ld, max %d)", step, o->max);
	else
		policy_say(d, " (min)");
	if (want != o->spec) {
		o->spec = want;
		o->changed = 1;
	}
}

/* One flush of the aggregation group at tick t (aggrGroup.flush with
 * DedupStage.needsUpdate). */
static void am_flush(struct of_state *s, const struct scale_view *v,
		     struct scale_decision *out, double t)
{
	int nfiring = 0, new_firing = 0, new_resolved = 0, logged_firing = 0;
	for (int i = 0; i < s->nfn; i++) {
		struct of_fn *o = &s->fn[i];
		nfiring += o->am == AM_ACTIVE;
		new_firing |= o->am == AM_ACTIVE && !o->log_firing;
		new_resolved |= o->am == AM_RESOLVED && !o->log_resolved;
		logged_firing |= o->log_firing;
	}
	int notify;
	if (!s->logged)
		notify = nfiring > 0;
	else if (new_firing)
		notify = 1;
	else if (!nfiring)
		notify = logged_firing;
	else if (new_resolved)   /* send_resolved: true */
		notify = 1;
	else   /* logged after the webhook returned: strictly later */
		notify = t - s->log_t > s->repeat + EPS;
	if (notify) {
		for (int i = 0; i < s->nfn && i < v->nfn; i++) {
			struct of_fn *o = &s->fn[i];
			if (o->am != AM_NONE)
				gateway_alert(o, o->am == AM_ACTIVE, t, &out[i]);
			o->log_firing = o->am == AM_ACTIVE;
			o->log_resolved = o->am == AM_RESOLVED;
		}
		s->logged = 1;
		s->log_t = t;
	}
	/* resolved alerts leave the group; an empty group is destroyed */
	for (int i = 0; i < s->nfn; i++)
		if (s->fn[i].am == AM_RESOLVED)
			s->fn[i].am = AM_NONE;
	s->group = nfiring > 0;
	s->next_flush = t + s->group_interval;
}

/* An alert reaches Alertmanager at time t. Prometheus stamps StartsAt with
 * the firing time, so a new group always waits group_wait. */
static void am_receive(struct of_state *s, struct of_fn *o, int firing,
		       double t)
{
	if (firing) {
		o->am = AM_ACTIVE;
		if (!s->group) {
			s->group = 1;
			s->next_flush = t + s->group_wait;
		}
	} else if (o->am == AM_ACTIVE) {
		o->am = AM_RESOLVED;
	}
}

/* ---- Pro: recorded loads ---- */

/* The recording rule's value for one function at an evaluation. */
static double pro_load(const struct of_fn *o, const struct fn_view *f,
		       const struct mon *m, int fn, double t)
{
	switch (o->mode) {
	case MODE_RPS:
		return ceil_eps(mon_rate(m, fn, MON_COMPLETIONS, RPS_WINDOW) +
				mon_rate(m, fn, MON_DROPS, RPS_WINDOW));
	case MODE_CAPACITY: {
		double mx = max_in(&o->samples, t - CAPACITY_WINDOW, t);
		return ceil_eps(mx);
	}
	default:
		return ceil_eps(mon_last(m, fn, f->partitions > 0 ? MON_LAG
								   : MON_QUEUE));
	}
}

/* One rule evaluation at time t: the alert of every CE function and the
 * recorded load of every Pro function. */
static void prom_eval(struct of_state *s, const struct scale_view *v,
		      double t)
{
	for (int i = 0; i < s->nfn && i < v->nfn; i++) {
		struct of_fn *o = &s->fn[i];
		const struct fn_view *f = &v->fn[i];
		if (!f->managed || !has_data(v->mon))
			continue;
		if (o->mode != MODE_CE) {
			o->load = pro_load(o, f, v->mon, i, t);
			o->load_t = t;
			o->have_load = 1;
			continue;
		}
		o->rate = mon_rate(v->mon, i, MON_COMPLETIONS, s->rate_window);
		int cond = o->rate > s->threshold;
		if (!cond) {
			if (o->prom == PROM_FIRING)
				am_receive(s, o, 0, t);
			o->prom = PROM_INACTIVE;
			continue;
		}
		if (o->prom == PROM_INACTIVE) {
			o->prom = PROM_PENDING;
			o->active_at = t;
		}
		if (o->prom == PROM_PENDING && t - o->active_at >= s->for_s - EPS) {
			o->prom = PROM_FIRING;
			am_receive(s, o, 1, t);
		}
	}
}

/* Replays the evaluations and flushes due by now, in time order. Only the
 * latest due evaluation runs (the monitor answers for now only; Prometheus
 * also skips missed iterations). */
static void run_clocks(struct of_state *s, const struct scale_view *v,
		       struct scale_decision *out)
{
	double now = v->now;
	if (!s->started) {
		s->next_eval = ceil(now / s->eval - EPS) * s->eval;
		s->started = 1;
	}
	double te = floor((now + EPS) / s->eval) * s->eval;
	int eval_due = te >= s->next_eval - EPS;
	for (;;) {
		double tf = s->group && s->next_flush <= now + EPS
			    ? s->next_flush : INFINITY;
		if (eval_due && te <= tf + EPS) {
			prom_eval(s, v, te);
			s->next_eval = te + s->eval;
			eval_due = 0;
		} else if (isfinite(tf)) {
			am_flush(s, v, out, tf);
		} else {
			break;
		}
	}
}

/* ---- decisions ---- */

static void decide_ce(const struct of_state *s, const struct of_fn *o,
		      const struct mon *m, struct scale_decision *d)
{
	static const char *const state[] = {
		[PROM_INACTIVE] = "inactive", [PROM_PENDING] = "pending",
		[PROM_FIRING] = "firing",
	};
	policy_observe(d, "rate", o->rate);
	policy_observe(d, "threshold", s->threshold);
	policy_observe(d, "alert", o->prom);
	policy_observe(d, "max", o->max);
	if (o->changed) {
		d->desired = o->spec;
		policy_observe(d, "replicas", o->spec);
		return;
	}
	if (d->reason[0])   /* notified, count unchanged */
		return;
	policy_say(d, "alert %s (rate %.4g at t=%g, > %g?)", state[o->prom], o->rate,
	    s->next_eval - s->eval, s->threshold);
	if (o->prom == PROM_PENDING)
		policy_say(d, " since t=%g", o->active_at);
	if (s->group)
		policy_say(d, "; next flush t=%g", s->next_flush);
	if (m && mon_interval(m) > s->rate_window / 2 + EPS)
		policy_say(d, "; scrape %gs leaves < 2 samples in [%gs]: set "
		    "monitor.scrape_interval_s=5", mon_interval(m),
		    s->rate_window);
}

static void decide_pro(struct of_fn *o, const struct fn_view *f, double now,
		       struct scale_decision *d)
{
	const char *name = mode_name[o->mode];
	int current = f->target;
	double idle = o->traffic_seen ? now - o->last_traffic : 0;
	policy_observe(d, "load", o->have_load ? o->load : NAN);
	policy_observe(d, "ready", f->ready);
	policy_observe(d, "target", o->target);
	policy_observe(d, "idle_s", idle);
	if (o->zero && idle >= o->zero_duration - EPS) {
		policy_say(d, "no request for %gs >= zero-duration %gs -> 0", idle,
		    o->zero_duration);
		d->desired = 0;
		return;
	}
	if (!o->have_load) {
		policy_say(d, "%s: no recorded load yet", name);
		return;
	}
	if (f->ready <= 0) {
		policy_say(d, "%s %g: no ready replica", name, o->load);
		return;
	}
	double per_pod = o->load / f->ready;
	double x = f->ready * (per_pod / (o->target * o->proportion));
	double rawf = ceil_eps(x);
	int raw = rawf > o->max ? o->max : rawf < o->min ? o->min : (int)rawf;
	policy_observe(d, "per_pod", per_pod);
	policy_observe(d, "raw", raw);
	policy_say(d, "%s %g over %d ready: ceil(%d x %.4g/(%g x %g)) = %g", name,
	    o->load, f->ready, f->ready, per_pod, o->target, o->proportion,
	    rawf);
	if (raw != rawf)
		policy_say(d, " -> [%d, %d] %d", o->min, o->max, raw);
	int final = raw;
	if (o->down_window > 0) {
		prune_upto(&o->recs, now - o->down_window);
		tseries_push(&o->recs, now, raw);
		if (raw < current) {
			double hi = max_in(&o->recs, now - o->down_window, now);
			final = hi < current ? (int)hi : current;
			if (final != raw)
				policy_say(d, "; down window %gs keeps %d", o->down_window,
				    final);
		}
		policy_observe(d, "window_max",
			       max_in(&o->recs, now - o->down_window, now));
	}
	d->desired = final;
}

/* Samples and traffic the Pro rules and the idler read, from the latest
 * scrape; called every decision, before the clocks run. The capacity
 * samples are kept for the window before the oldest evaluation that can
 * still be due (one evaluation interval back). */
static void observe(struct of_fn *o, const struct mon *m, int fn, double now,
		    double eval)
{
	if (!has_data(m))
		return;
	double t = mon_last_time(m);
	if (o->mode == MODE_CAPACITY && t > o->last_sample_t + EPS) {
		prune_upto(&o->samples, now - CAPACITY_WINDOW - eval);
		tseries_push(&o->samples, t, mon_last(m, fn, MON_INFLIGHT) +
					     mon_last(m, fn, MON_QUEUE));
		o->last_sample_t = t;
	}
	double a = mon_last(m, fn, MON_ARRIVALS);
	if (!o->traffic_seen) {
		o->traffic_seen = 1;
		o->arrivals = a;
		o->last_traffic = now;
	} else if (a != o->arrivals) {
		o->arrivals = a;
		o->last_traffic = t;
	}
}

static void of_decide(void *state, const struct scale_view *v,
		      struct scale_decision *out)
{
	struct of_state *s = state;
	int n = v->nfn < s->nfn ? v->nfn : s->nfn;
	for (int i = 0; i < n; i++) {
		struct of_fn *o = &s->fn[i];
		o->spec = v->fn[i].target;
		o->changed = 0;
		o->nnotes = 0;
		if (v->fn[i].managed)
			observe(o, v->mon, i, v->now, s->eval);
	}
	run_clocks(s, v, out);
	for (int i = 0; i < n; i++) {
		struct of_fn *o = &s->fn[i];
		const struct fn_view *f = &v->fn[i];
		struct scale_decision *d = &out[i];
		if (!f->managed)
			continue;
		if (f->target == 0) {
			/* the gateway's scale_from_zero: max(min, 1) */
			if (f->held_at_zero > 0) {
				o->last_traffic = v->now;
				o->changed = 0;
				d->reason[0] = '\0';
				policy_say(d, "scale from zero: %ld held -> %d",
				    f->held_at_zero, o->min);
				d->desired = o->min;
				continue;
			}
			if (!is_ce(o, f) || !o->changed) {
				if (!d->reason[0])
					policy_say(d, "at zero, no request held");
				continue;
			}
		}
		if (is_ce(o, f))
			decide_ce(s, o, v->mon, d);
		else
			decide_pro(o, f, v->now, d);
	}
}

const struct policy policy_openfaas = {
	.name = "openfaas",
	.help = "OpenFaaS: CE alert scaling (Prometheus rule, one "
		"Alertmanager group, gateway step of ceil(max x factor/100), "
		"resolved -> min; set monitor.scrape_interval_s=5 as the chart "
		"scrapes the gateway) or the Pro autoscaler (rps, capacity, "
		"queue; target x proportion, scale-down window, scale to zero)",
	.params = of_params,
	.nparams = P_N,
	.interval_s = 5,
	.wake_from_zero = 1,
	.init = of_init,
	.decide = of_decide,
	.fini = of_fini,
};
