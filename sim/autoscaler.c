/*
 * autoscaler: the policy host. Policies see only scale_view (control-plane
 * counts and the monitor); the clamp to [min, max] happens here so that no
 * policy can push a function outside its configured bounds, and an
 * unmanaged function keeps its target whatever the policy says.
 * Errors of a policy's hooks (init, platform, failed) get their one
 * "policy NAME: " prefix here, so a policy's own messages never name the
 * policy: a built-in, the external agent and a shared object are reported
 * alike. A hook that fails without a message (a shared object cannot reach
 * err_set) still yields one, and a message that names the policy anyway is
 * not prefixed twice.
 */
#include "autoscaler.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"

struct autoscaler {
	const struct policy *policy;
	void *state;
	double interval;
	const union param_val **params;
	struct platform_rules rules;
	int has_rules;
};

/* Prefixes the error of the hook `what` of policy p with "policy NAME". */
static void policy_failed(struct err *e, const struct policy *p,
			  const char *what)
{
	if (!e)
		return;
	if (e->code == ERR_OK)
		err_set(e, ERR_INTERNAL, "its %s hook failed without a message",
			what);
	size_t n = strlen(p->name);
	if (!strncmp(e->msg, p->name, n) && !strncmp(e->msg + n, ": ", 2))
		memmove(e->msg, e->msg + n + 2, strlen(e->msg + n + 2) + 1);
	err_prefix(e, "policy %s", p->name);
}

struct autoscaler *as_new(const struct config *cfg,
			  const struct fn_view *views, struct err *e)
{
	struct autoscaler *a = calloc(1, sizeof *a);
	if (!a || !(a->params = calloc((size_t)cfg->nfunctions + 1,
				       sizeof *a->params))) {
		free(a);
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	a->policy = cfg->policy;
	a->interval = cfg->decision_interval_s > 0 ? cfg->decision_interval_s
						   : a->policy->interval_s;
	for (int i = 0; i < cfg->nfunctions; i++)
		a->params[i] = cfg->functions[i].policy_params;
	struct policy_ctx ctx = {
		.nfn = cfg->nfunctions,
		.fn = views,
		.params = a->params,
		.interval = a->interval,
		.actuation_delay = cfg->actuation_delay_s,
	};
	a->state = a->policy->init(&ctx, e);
	if (!a->state) {
		policy_failed(e, a->policy, "init");
		free(a->params);
		free(a);
		return NULL;
	}
	if (a->policy->platform) {
		if (a->policy->platform(a->state, &ctx, &a->rules, e) != 0) {
			policy_failed(e, a->policy, "platform");
			as_free(a);
			return NULL;
		}
		a->has_rules = 1;
	}
	return a;
}

void as_free(struct autoscaler *a)
{
	if (!a)
		return;
	if (a->policy->fini)
		a->policy->fini(a->state);
	free(a->params);
	free(a);
}

double as_interval(const struct autoscaler *a)
{
	return a->interval;
}

void as_decide(struct autoscaler *a, const struct scale_view *v,
	       struct scale_decision *out)
{
	for (int i = 0; i < v->nfn; i++) {
		out[i].desired = -1;
		out[i].reason[0] = '\0';
		out[i].nobserved = 0;
	}
	a->policy->decide(a->state, v, out);
	for (int i = 0; i < v->nfn; i++) {
		const struct fn_view *f = &v->fn[i];
		struct scale_decision *d = &out[i];
		if (!f->managed) {
			d->desired = f->target;
			snprintf(d->reason, sizeof d->reason, "not managed");
			continue;
		}
		if (d->desired < 0) {
			/* keeping the target is always allowed, even outside
			 * [min, max] (the HPA leaves 0 replicas alone) */
			d->desired = f->target;
			if (!d->reason[0])
				snprintf(d->reason, sizeof d->reason, "no change");
			continue;
		}
		int want = d->desired;
		if (want < f->min_replicas)
			d->desired = f->min_replicas;
		if (want > f->max_replicas)
			d->desired = f->max_replicas;
		if (d->desired != want) {
			size_t len = strlen(d->reason);
			snprintf(d->reason + len, sizeof d->reason - len,
				 "%sclamped %d -> %d", len ? "; " : "", want,
				 d->desired);
		}
	}
}

int as_failed(const struct autoscaler *a, struct err *e)
{
	if (!a->policy->failed || a->policy->failed(a->state, e) == 0)
		return 0;
	policy_failed(e, a->policy, "failed");
	return 1;
}

const struct platform_rules *as_rules(const struct autoscaler *a)
{
	return a->has_rules ? &a->rules : NULL;
}

int as_has_idle_hooks(const struct autoscaler *a)
{
	return a->policy->idle != NULL;
}

void as_idle(struct autoscaler *a, int fn, double now, struct idle_plan *plan)
{
	if (a->policy->idle)
		a->policy->idle(a->state, fn, now, plan);
}

void as_busy(struct autoscaler *a, int fn, double now)
{
	if (a->policy->busy)
		a->policy->busy(a->state, fn, now);
}

const char *as_observed_json(const struct scale_decision *d, char *buf,
			     size_t cap)
{
	size_t n = 0;
	n += (size_t)snprintf(buf, cap, "{");
	for (int i = 0; i < d->nobserved && n < cap; i++) {
		double x = d->observed[i].value;
		if (isfinite(x))
			n += (size_t)snprintf(buf + n, cap - n, "%s\"%s\":%.10g",
					      i ? "," : "", d->observed[i].name, x);
		else
			n += (size_t)snprintf(buf + n, cap - n, "%s\"%s\":null",
					      i ? "," : "", d->observed[i].name);
	}
	if (n < cap)
		snprintf(buf + n, cap - n, "}");
	return buf;
}
