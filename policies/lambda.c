/*
 * lambda: AWS Lambda's scaling, in its two ways of being fed.
 *
 * direct (default): Lambda scales per request, not per decision. Each
 * concurrent request needs its own execution environment; a request that
 * finds no idle environment starts a new one at once. New environments are
 * limited per function by a token bucket of `burst` tokens refilled
 * continuously over `burst_window_s` (1,000 per 10 s since Nov 2023; the
 * bucket does not bank unused capacity beyond its size), and requests in
 * flight over all managed functions by the account concurrency (1,000 by
 * default). A request refused by either limit is throttled (HTTP 429) and
 * retried by its event source with exponential backoff and full jitter
 * (Lambda's asynchronous queue: from 1 s up to 5 min). Idle environments
 * are reclaimed after the keep-alive (not documented by AWS; measured at
 * about 10 min since 2019). All of this is engine behaviour, so the policy
 * states it as platform rules (policy.h) and its periodic decision keeps
 * every count: there is no control loop to model.
 * kafka-esm: the Kafka event-source mapping's on-demand mode. Every 60 s it
 * evaluates the offset lag and sets the number of pollers, at most one per
 * partition; each poller invokes the function synchronously, one batch at a
 * time, so the function's concurrency is the poller count, which is what
 * this mode decides (replicas = pollers). AWS does not publish the rule; it
 * is modelled as the pollers needed to keep up with the arrival rate and
 * drain the current lag within `lag_drain_s`, at the monitored per-poller
 * throughput (1 / mean invocation time). Scale-up is immediate, scale-down
 * one poller per evaluation (AWS removes pollers gradually). AWS acts
 * "within 3 minutes": model that with the autoscaler's actuation delay.
 * Lambda's BatchSize (100) and MaximumBatchingWindow (0.5 s) are the source
 * connector's batch_max and batch_wait_s; spate invokes per record, so the
 * batch shapes when records are released, not how many an invocation holds.
 * Sources: docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html,
 * lambda-concurrency.html, kafka-scaling-modes.html, msk-esm-parameters.html;
 * keep-alive: mikhail.io/2019/08/aws-lambda-cold-starts-after-10-minutes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "policy.h"

enum {
	P_MODE,
	P_BURST,
	P_BURST_WINDOW,
	P_ACCOUNT,
	P_KEEP_ALIVE,
	P_RETRY_BASE,
	P_RETRY_MAX,
	P_LAG_DRAIN,
	P_N
};

enum { MODE_DIRECT, MODE_ESM };

static const struct param_def lambda_params[P_N] = {
	[P_MODE] = {
		.name = "mode", .type = PARAM_ENUM, .def = MODE_DIRECT,
		.choices = "direct|kafka-esm",
		.help = "direct: per-request environments with burst and account "
			"limits; kafka-esm: pollers from the offset lag every 60 s",
	},
	[P_BURST] = {
		.name = "burst", .type = PARAM_INT, .def = 1000, .min = 0,
		.max = 1e9,
		.help = "new execution environments per function per "
			"burst_window_s (AWS scaling-behavior, 2023); 0: no limit; "
			"legacy preset: 3000 over 360 s (+500/min)",
	},
	[P_BURST_WINDOW] = {
		.name = "burst_window_s", .type = PARAM_NUM, .def = 10,
		.min = 1e-3, .max = 1e9,
		.help = "the burst bucket refills continuously over this time",
	},
	[P_ACCOUNT] = {
		.name = "account_concurrency", .type = PARAM_INT, .def = 1000,
		.min = 0, .max = 1e9,
		.help = "requests in flight over all functions before throttling "
			"(AWS default 1000); 0: no limit",
	},
	[P_KEEP_ALIVE] = {
		.name = "keep_alive_s", .type = PARAM_NUM, .def = 600,
		.min = 0, .max = 1e9,
		.help = "idle environments are reclaimed after this (measured "
			"~10 min; AWS does not document it)",
	},
	[P_RETRY_BASE] = {
		.name = "retry_base_s", .type = PARAM_NUM, .def = 1, .min = 1e-6,
		.max = 1e9,
		.help = "first retry backoff of a throttled request (Lambda's "
			"async queue: 1 s, doubling)",
	},
	[P_RETRY_MAX] = {
		.name = "retry_max_s", .type = PARAM_NUM, .def = 300,
		.min = 1e-6, .max = 1e9,
		.help = "longest retry backoff (Lambda's async queue: 5 min)",
	},
	[P_LAG_DRAIN] = {
		.name = "lag_drain_s", .type = PARAM_NUM, .def = 60,
		.min = 1e-3, .max = 1e9,
		.help = "kafka-esm: pollers aim to drain the lag in this time "
			"(an assumption: AWS does not publish the rule)",
	},
};

struct lambda_state {
	int mode;
	double interval;
	const union param_val *const *params;
};

static void *lambda_init(const struct policy_ctx *ctx, struct err *e)
{
	struct lambda_state *s = calloc(1, sizeof *s);
	if (!s) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	s->interval = ctx->interval;
	s->params = ctx->params;
	/* The mode is one platform's: every managed function uses the same. */
	s->mode = -1;
	for (int i = 0; i < ctx->nfn; i++) {
		if (!ctx->fn[i].managed)
			continue;
		int m = (int)ctx->params[i][P_MODE].num;
		if (s->mode >= 0 && m != s->mode) {
			err_set(e, ERR_INPUT, "function %s sets mode %s, "
				"another function the other; the mode is the "
				"whole platform's", ctx->fn[i].name,
				m == MODE_ESM ? "kafka-esm" : "direct");
			free(s);
			return NULL;
		}
		s->mode = m;
	}
	if (s->mode < 0)
		s->mode = MODE_DIRECT;
	return s;
}

/* Account-wide settings must not differ per function. */
static int same_everywhere(const struct policy_ctx *ctx, int p, int first,
			   struct err *e)
{
	for (int i = 0; i < ctx->nfn; i++)
		if (ctx->fn[i].managed &&
		    ctx->params[i][p].num != ctx->params[first][p].num)
			return err_set(e, ERR_INPUT,
				       "%s is a platform setting; function "
				       "%s overrides it (%g, not %g): set it in the "
				       "policy's global params",
				       lambda_params[p].name, ctx->fn[i].name,
				       ctx->params[i][p].num,
				       ctx->params[first][p].num);
	return 0;
}

static int lambda_platform(void *state, const struct policy_ctx *ctx,
			   struct platform_rules *rules, struct err *e)
{
	struct lambda_state *s = state;
	int first = -1;
	for (int i = 0; i < ctx->nfn && first < 0; i++)
		if (ctx->fn[i].managed)
			first = i;
	if (first < 0)
		return 0;
	static const int global[] = { P_BURST, P_BURST_WINDOW, P_ACCOUNT,
				      P_KEEP_ALIVE, P_RETRY_BASE, P_RETRY_MAX };
	for (size_t k = 0; k < sizeof global / sizeof global[0]; k++)
		if (same_everywhere(ctx, global[k], first, e) != 0)
			return -1;
	const union param_val *p = ctx->params[first];
	if (p[P_RETRY_MAX].num < p[P_RETRY_BASE].num)
		return err_set(e, ERR_INPUT, "retry_max_s (%g) is below "
			       "retry_base_s (%g)", p[P_RETRY_MAX].num,
			       p[P_RETRY_BASE].num);
	*rules = (struct platform_rules){
		.keep_alive_s = p[P_KEEP_ALIVE].num,
		.retry_base_s = p[P_RETRY_BASE].num,
		.retry_max_s = p[P_RETRY_MAX].num,
	};
	if (s->mode == MODE_ESM)
		return 0;   /* pollers bound concurrency; environments per poller */
	for (int i = 0; i < ctx->nfn; i++)
		if (ctx->fn[i].managed && ctx->fn[i].concurrency != 1)
			return err_set(e, ERR_INPUT,
				       "function %s has concurrency %d; a "
				       "Lambda environment serves one request at "
				       "a time (set concurrency 1)",
				       ctx->fn[i].name, ctx->fn[i].concurrency);
	rules->per_request = 1;
	rules->burst = p[P_BURST].num;
	rules->burst_refill = p[P_BURST].num / p[P_BURST_WINDOW].num;
	rules->account_concurrency = (int)p[P_ACCOUNT].num;
	return 0;
}

static void decide_direct(const struct lambda_state *s,
			  const struct scale_view *v, int i,
			  struct scale_decision *d)
{
	const struct fn_view *f = &v->fn[i];
	policy_say(d, "per request: %d environments ready, %d starting",
		   f->ready, f->pending);
	policy_observe(d, "ready", f->ready);
	policy_observe(d, "pending", f->pending);
	policy_observe(d, "throttles_per_s",
		       mon_rate(v->mon, i, MON_THROTTLES, s->interval));
}

static void decide_esm(const struct lambda_state *s,
		       const struct scale_view *v, int i,
		       struct scale_decision *d)
{
	const struct fn_view *f = &v->fn[i];
	const union param_val *p = s->params[i];
	double window = s->interval;
	double rate = mon_rate(v->mon, i, MON_SOURCE_APPENDS, window);
	double lag = mon_last(v->mon, i, MON_LAG);
	double st = mon_service_time(v->mon, i, window);
	int pollers = f->target > 0 ? f->target : 0;
	policy_observe(d, "append_rate", rate);
	policy_observe(d, "lag", lag);
	policy_observe(d, "service_time", st);
	int cap = f->partitions > 0 ? f->partitions : f->max_replicas;
	if (st <= 0) {
		/* nothing completed in the window: no throughput to scale by */
		int want = lag > 0 || rate > 0 ? (pollers > 0 ? pollers : 1) : pollers;
		if (want > cap)
			want = cap;
		d->desired = want;
		policy_say(d, "esm: no completions yet, %d poller(s)", want);
		return;
	}
	double need = (rate + lag / p[P_LAG_DRAIN].num) * st;
	int want = (int)ceil(need - 1e-9);
	if (want < 1 && (lag > 0 || rate > 0))
		want = 1;
	if (want > cap)
		want = cap;
	if (want < pollers - 1)
		want = pollers - 1;   /* removed gradually */
	policy_observe(d, "pollers_needed", need);
	d->desired = want;
	policy_say(d, "esm: (rate %.3g + lag %.0f / %gs) x %.3gs = %.2f -> %d "
		   "poller(s), cap %d", rate, lag, p[P_LAG_DRAIN].num, st, need,
		   want, cap);
}

static void lambda_decide(void *state, const struct scale_view *v,
			  struct scale_decision *out)
{
	const struct lambda_state *s = state;
	for (int i = 0; i < v->nfn; i++) {
		if (!v->fn[i].managed)
			continue;
		if (s->mode == MODE_ESM)
			decide_esm(s, v, i, &out[i]);
		else
			decide_direct(s, v, i, &out[i]);
	}
}

static void lambda_fini(void *state)
{
	free(state);
}

const struct policy policy_lambda = {
	.name = "lambda",
	.help = "AWS Lambda: per-request environments with the burst and "
		"account limits, throttling and retries, 10-min keep-alive; or "
		"the Kafka event-source mapping's pollers (mode kafka-esm)",
	.params = lambda_params,
	.nparams = P_N,
	.interval_s = 60,
	.init = lambda_init,
	.decide = lambda_decide,
	.fini = lambda_fini,
	.platform = lambda_platform,
};
