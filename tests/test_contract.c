/*
 * test_contract: every policy in the registry, whatever it is, answers
 * within [min, max] (or keeps the target) and never crashes: with no
 * metrics yet and zero replicas, under zero load, under a huge burst, with
 * every numeric parameter at the ends of its range, and in the real engine
 * on a small DAG where conservation and Little's law must hold.
 * Policies with a required parameter that has no default (the external
 * agent's command) are driven with a value the test supplies when it knows
 * one, else skipped by name so the skip is visible.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "model.h"
#include "monitor.h"
#include "policy.h"
#include "testutil.h"

#define NFN 3
#define MAXP 64

struct cx {
	const struct policy *pol;
	union param_val p[NFN][MAXP];
	const union param_val *pp[NFN];
	struct fn_view fv[NFN];
	int parents[NFN][1], children[NFN][1];
	struct mon *mon;
	void *st;
};

/* Whether the policy can be set up with table defaults alone. */
static int has_defaults(const struct policy *pol)
{
	for (size_t i = 0; i < pol->nparams; i++) {
		const struct param_def *d = &pol->params[i];
		if ((d->type == PARAM_STR || d->type == PARAM_DIST ||
		     d->type == PARAM_STRV) && !d->def_str)
			return 0;
	}
	return 1;
}

static void cx_views(struct cx *c, int replicas)
{
	for (int i = 0; i < NFN; i++) {
		c->parents[i][0] = i - 1;
		c->children[i][0] = i + 1;
		c->fv[i] = (struct fn_view){
			.name = i == 0 ? "a" : i == 1 ? "b" : "c",
			.managed = 1, .min_replicas = 0, .max_replicas = 50,
			.target = replicas, .ready = replicas, .concurrency = 1,
			.memory_mb = 128, .cold_start_s = 1,
			.partitions = i == 0 ? 4 : 0,
			.nparents = i > 0, .parents = c->parents[i],
			.nchildren = i < NFN - 1, .children = c->children[i],
		};
	}
}

/* Sets parameter k of every function to v (all others at defaults). */
static void cx_params(struct cx *c, int k, double v)
{
	for (int f = 0; f < NFN; f++) {
		for (size_t i = 0; i < c->pol->nparams; i++) {
			const struct param_def *d = &c->pol->params[i];
			if (d->type == PARAM_NUM || d->type == PARAM_INT ||
			    d->type == PARAM_BOOL || d->type == PARAM_ENUM)
				c->p[f][i].num = d->def;
			else
				c->p[f][i].str = NULL;
		}
		if (k >= 0)
			c->p[f][k].num = v;
		c->pp[f] = c->p[f];
	}
}

static void check_range(const struct cx *c, const struct scale_decision *d,
			const char *what)
{
	for (int i = 0; i < NFN; i++) {
		int want = d[i].desired;
		T_TRUE(want < 0 || (want >= c->fv[i].min_replicas &&
				    want <= c->fv[i].max_replicas) ||
			       want == c->fv[i].target,
		       "%s: %s: function %d asks %d outside [%d, %d]",
		       c->pol->name, what, i, want, c->fv[i].min_replicas,
		       c->fv[i].max_replicas);
		T_TRUE(memchr(d[i].reason, '\0', sizeof d[i].reason) != NULL,
		       "%s: reason not terminated", c->pol->name);
		/* observed values may be NaN (shown as null: "not known yet")
		 * but must be named, and there can be no more than fit */
		T_TRUE(d[i].nobserved >= 0 &&
			       d[i].nobserved <= POLICY_MAX_OBSERVED,
		       "%s: %d observations", c->pol->name, d[i].nobserved);
		for (int k = 0; k < d[i].nobserved; k++)
			T_TRUE(d[i].observed[k].name && *d[i].observed[k].name,
			       "%s: observation %d unnamed", c->pol->name, k);
	}
}

static void push(struct cx *c, double t, double rate, double backlog,
		 double *acc)
{
	double v[NFN * MON_NMETRICS] = {0};
	for (int i = 0; i < NFN; i++) {
		double *x = v + i * MON_NMETRICS;
		double *a = acc + i * MON_NMETRICS;
		a[MON_ARRIVALS] += rate * 15;
		a[MON_SOURCE_APPENDS] += i == 0 ? rate * 15 : 0;
		a[MON_COMPLETIONS] += fmin(rate, c->fv[i].ready) * 15;
		a[MON_BUSY_TIME] += fmin(rate, c->fv[i].ready) * 15 * 0.9;
		a[MON_READY_BUSY_TIME] = a[MON_USEFUL_TIME] = a[MON_BUSY_TIME];
		a[MON_READY_TIME] += c->fv[i].ready * 15;
		a[MON_QUEUE_TIME] += backlog * 15;
		a[MON_LATENCY_SUM] += fmin(rate, c->fv[i].ready) * 15 *
				      (1 + backlog / (rate + 1));
		a[MON_OUTPUTS] = a[MON_COMPLETIONS];
		a[MON_BACKPRESSURE_TIME] += backlog > 0 ? 15 : 0;
		memcpy(x, a, MON_NMETRICS * sizeof *x);
		x[MON_QUEUE] = backlog;
		x[MON_INFLIGHT] = fmin(rate, c->fv[i].ready);
		x[MON_READY] = c->fv[i].ready;
		x[MON_LAG] = backlog;
		if (rate > 0)
			for (int n = 0; n < 20; n++)
				mon_observe_latency(c->mon, i, 0.5 + backlog / (rate + 1));
	}
	mon_push(c->mon, t, v);
}

/* Runs one scenario; returns 0 when init refused the parameters (allowed,
 * with a message), 1 otherwise. */
static int scenario(struct cx *c, int k, double v, int replicas, double rate,
		    double backlog, const char *what)
{
	cx_params(c, k, v);
	cx_views(c, replicas);
	struct policy_ctx ctx = { .nfn = NFN, .fn = c->fv, .params = c->pp,
				  .interval = c->pol->interval_s };
	struct err e = {0};
	c->st = c->pol->init(&ctx, &e);
	if (!c->st) {
		T_TRUE(e.code != ERR_OK && e.msg[0],
		       "%s: init failed without a message (%s)", c->pol->name,
		       what);
		return 0;
	}
	if (c->pol->platform) {
		struct platform_rules r = {0};
		if (c->pol->platform(c->st, &ctx, &r, &e) != 0)
			T_TRUE(e.msg[0], "%s: platform failed silently",
			       c->pol->name);
	}
	c->mon = mon_new(NFN, 15, 3600);
	double acc[NFN * MON_NMETRICS] = {0};
	struct scale_decision d[NFN];
	double t = 0;
	for (int round = 0; round < 40; round++, t += 15) {
		if (round > 0)   /* round 0: no metrics at all */
			push(c, t, rate, backlog, acc);
		for (int i = 0; i < NFN; i++)
			c->fv[i].held_at_zero = c->fv[i].ready ? 0 : (long)backlog;
		struct scale_view view = { .now = t, .nfn = NFN, .fn = c->fv,
					   .mon = c->mon };
		for (int i = 0; i < NFN; i++)
			d[i] = (struct scale_decision){ .desired = -1 };
		c->pol->decide(c->st, &view, d);
		check_range(c, d, what);
		for (int i = 0; i < NFN; i++)
			if (d[i].desired >= c->fv[i].min_replicas &&
			    d[i].desired <= c->fv[i].max_replicas)
				c->fv[i].target = c->fv[i].ready = d[i].desired;
		if (c->pol->idle) {
			struct idle_plan pl = { -1, -1, 0 };
			c->pol->idle(c->st, round % NFN, t, &pl);
			T_TRUE(!isnan(pl.unload_after) && !isnan(pl.prewarm_after),
			       "%s: NaN idle plan", c->pol->name);
			c->pol->busy(c->st, round % NFN, t + 7);
		}
	}
	if (c->pol->failed)
		c->pol->failed(c->st, &e);
	c->pol->fini(c->st);
	mon_free(c->mon);
	return 1;
}

static void test_every_policy_in_range(void)
{
	int tested = 0;
	for (size_t n = 0; policy_at(n); n++) {
		struct cx c = { .pol = policy_at(n) };
		if (!has_defaults(c.pol) || c.pol->lookahead > 0 ||
		    c.pol->nparams > MAXP) {
			fprintf(stderr, "\n  contract: %s needs a required "
				"parameter or ground truth; covered by its "
				"own suite\n", c.pol->name);
			continue;
		}
		scenario(&c, -1, 0, 0, 0, 0, "no metrics, zero replicas");
		scenario(&c, -1, 0, 3, 0, 0, "zero load");
		scenario(&c, -1, 0, 1, 1e9, 1e12, "huge burst");
		scenario(&c, -1, 0, 0, 1e6, 1e9, "burst at zero");
		for (size_t k = 0; k < c.pol->nparams; k++) {
			const struct param_def *d = &c.pol->params[k];
			if (d->type != PARAM_NUM && d->type != PARAM_INT)
				continue;
			char what[160];
			snprintf(what, sizeof what, "%s = min %g", d->name, d->min);
			scenario(&c, (int)k, d->min, 1, 50, 100, what);
			snprintf(what, sizeof what, "%s = max %g", d->name, d->max);
			scenario(&c, (int)k, d->max, 1, 50, 100, what);
		}
		tested++;
	}
	T_TRUE(tested >= 9, "only %d policies tested", tested);
}

/* Every policy in the engine on a 2-stage chain with a burst in the middle:
 * the run finishes, drains and keeps its laws. */
static void test_every_policy_in_engine(void)
{
	for (size_t n = 0; policy_at(n); n++) {
		const struct policy *pol = policy_at(n);
		if (!has_defaults(pol))
			continue;
		char json[2048];
		snprintf(json, sizeof json,
			 "{\"seed\":5,\"sources\":[{\"topic\":\"in\",\"partitions\":4,"
			 "\"arrivals\":{\"workload\":\"poisson\",\"rate\":20,"
			 "\"count\":%d},\"to\":[\"a\"]}],"
			 "\"functions\":["
			 "{\"name\":\"a\",\"service\":{\"type\":\"exponential\","
			 "\"mean\":0.05},\"cold_start\":0.5,\"min_replicas\":0,"
			 "\"max_replicas\":40,\"edges\":{\"to\":[\"b\"]}},"
			 "{\"name\":\"b\",\"service\":{\"type\":\"exponential\","
			 "\"mean\":0.2},\"cold_start\":1,\"min_replicas\":0,"
			 "\"max_replicas\":40}],"
			 "\"autoscaler\":{\"policy\":\"%s\"},"
			 "\"monitor\":{\"scrape_interval_s\":5}}",
			 test_quick() ? 2000 : 6000, pol->name);
		struct config *cfg;
		struct model *m = test_run_json(json, &cfg);
		T_TRUE(m != NULL, "policy %s did not run", pol->name);
		if (!m)
			continue;
		test_check_laws(m);
		double done = model_metric(m, "e2e", "completions") +
			      model_metric(m, "e2e", "dropped");
		T_NEAR(done, model_metric(m, "e2e", "arrivals"), 0);
		model_free(m);
		config_free(cfg);
	}
}

int test_contract_register(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ .name = "every policy answers within bounds",
		  .fn = test_every_policy_in_range },
		{ .name = "every policy runs in the engine",
		  .fn = test_every_policy_in_engine },
	};
	CU_pSuite s = CU_add_suite("contract", NULL, NULL);
	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			return -1;
	return 0;
}
