/*
 * test_config: the experiment-file loader against its contract (config.h and
 * the schema at the top of config.c).
 *
 * A minimal file must come back with every default in place; a file using
 * every key must come back with every value, distributions checked through
 * their exact moments (so a swapped parameter shows), policy parameters
 * inherited from the autoscaler and overridden per function, and relative
 * paths joined to the file's directory. --set overrides address elements by
 * index and by name. The resolved JSON is a fixed point (resolve, re-parse:
 * the same text and hash) and the hash is FNV-1a of its unformatted text.
 * Bad files live in tests/bad/, one case per file; the table below holds the
 * exact message each must produce, and every file there must be in the
 * table (the suite runs from the repository root).
 * cJSON stays inside config.c, so JSON text is inspected here as text, with
 * insignificant whitespace squeezed out.
 */
#include "config.h"
#include "dist.h"
#include "err.h"
#include "param.h"
#include "policy.h"
#include "testutil.h"
#include "workload.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BAD_DIR "tests/bad"

static const char minimal_json[] =
	"{\"sources\": [{\"topic\": \"in\", \"arrivals\": {\"workload\": \"poisson\", "
	"\"rate\": 5}, \"to\": [\"f\"]}],\n"
	" \"functions\": [{\"name\": \"f\", \"service\": 0.1}]}\n";

/* A copy of json with whitespace outside strings removed: cJSON's
 * unformatted print of the same document. Caller frees. */
static char *squeeze(const char *json)
{
	char *out = malloc(strlen(json) + 1), *o = out;
	int in_str = 0;
	if (!out)
		return NULL;
	for (const char *p = json; *p; p++) {
		if (in_str) {
			*o++ = *p;
			if (*p == '\\' && p[1])
				*o++ = *++p;
			else if (*p == '"')
				in_str = 0;
		} else if (*p == '"') {
			in_str = 1;
			*o++ = *p;
		} else if (!strchr(" \t\r\n", *p)) {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(1099511628211);
	}
	return h;
}

static void check_resolved_contains(const struct config *c, const char *needle)
{
	char *flat = squeeze(c->resolved_json);
	T_STR_CONTAINS(flat, needle);
	free(flat);
}

/* The hash is FNV-1a 64 of the unformatted resolved text, as 16 hex digits. */
static void check_hash(const struct config *c)
{
	char *flat = squeeze(c->resolved_json), want[17];
	snprintf(want, sizeof want, "%016llx", (unsigned long long)fnv1a(flat));
	T_TRUE(strcmp(c->hash, want) == 0, "hash %s, expected %s", c->hash, want);
	T_EQ_INT(strlen(c->hash), 16);
	free(flat);
}

static struct config *parse_ok(const char *text, const char *name,
			       const char *const *sets, int nsets)
{
	struct err e = {0};
	struct config *c = config_parse(text, name, sets, nsets, &e);
	T_TRUE(c != NULL, "config rejected: %s", e.msg);
	if (c)
		T_EQ_INT(e.code, ERR_OK);
	return c;
}

static void expect_error(const char *text, const char *const *sets, int nsets,
			 const char *fragment)
{
	struct err e = {0};
	struct config *c = config_parse(text, "t.json", sets, nsets, &e);
	T_TRUE(c == NULL, "accepted, expected \"%s\"", fragment);
	config_free(c);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, fragment);
}

static int param_index(const struct param_def *defs, size_t n, const char *name)
{
	int i = param_find(defs, n, name);
	T_TRUE(i >= 0, "no parameter '%s'", name);
	return i < 0 ? 0 : i;
}

/* --- temporary directory with files ------------------------------------ */

struct tmpdir {
	char path[64];
	char files[8][160];
	int n;
};

static int tmp_open(struct tmpdir *t)
{
	snprintf(t->path, sizeof t->path, "/tmp/spate-test-config-XXXXXX");
	t->n = 0;
	return mkdtemp(t->path) ? 0 : -1;
}

static const char *tmp_write(struct tmpdir *t, const char *name, const char *text)
{
	char buf[sizeof t->files[0]];
	snprintf(buf, sizeof buf, "%s/%s", t->path, name);
	char *p = memcpy(t->files[t->n++], buf, sizeof buf);
	FILE *f = fopen(p, "w");
	T_TRUE(f != NULL, "cannot write %s", p);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return p;
}

static void tmp_close(struct tmpdir *t)
{
	for (int i = 0; i < t->n; i++)
		remove(t->files[i]);
	rmdir(t->path);
}

/* --- a minimal file: every default -------------------------------------- */

static void test_minimal_defaults(void)
{
	struct config *c = parse_ok(minimal_json, "exp/minimal.json", NULL, 0);
	if (!c)
		return;
	T_TRUE(strcmp(c->path, "exp/minimal.json") == 0, "path %s", c->path);
	T_TRUE(strcmp(c->experiment, "minimal") == 0, "experiment %s", c->experiment);
	T_EQ_INT(c->seed, 1);
	T_EQ_INT(c->replication, 0);
	T_TRUE(strcmp(c->rng_type, "mt19937") == 0, "rng %s", c->rng_type);
	T_TRUE(isinf(c->duration_s) && c->duration_s > 0, "duration %g", c->duration_s);
	T_NEAR(c->warmup_s, 0, 0);

	T_EQ_INT(c->nsources, 1);
	const struct cfg_source *s = &c->sources[0];
	T_TRUE(strcmp(s->topic, "in") == 0, "topic %s", s->topic);
	T_EQ_INT(s->partitions, 1);
	T_EQ_INT(s->keys, KEYS_HASH);
	T_TRUE(s->workload == workload_find("poisson"), "workload %p", (const void *)s->workload);
	T_NEAR(s->time_scale, 1, 0);
	T_NEAR(s->rate_scale, 1, 0);
	T_EQ_INT(s->ntargets, 1);
	T_EQ_INT(s->targets[0], 0);
	T_EQ_INT(s->batch_max, 500);
	T_NEAR(s->batch_wait_s, 0, 0);
	T_EQ_INT(s->max_inflight, 0);
	const struct workload *w = s->workload;
	if (w) {
		/* the given value, and every other parameter at its table default */
		T_NEAR(s->workload_params[param_index(w->params, w->nparams, "rate")].num, 5, 0);
		for (size_t i = 0; i < w->nparams; i++) {
			const struct param_def *d = &w->params[i];
			if (strcmp(d->name, "rate") == 0)
				continue;
			if (d->type == PARAM_NUM || d->type == PARAM_INT || d->type == PARAM_BOOL ||
			    d->type == PARAM_ENUM)
				T_NEAR(s->workload_params[i].num, d->def, 0);
			else if (d->type == PARAM_DIST)
				T_TRUE(s->workload_params[i].dist != NULL, "%s: no dist", d->name);
		}
		/* poisson's size defaults to "0": deterministic 0 */
		const struct dist *size =
			s->workload_params[param_index(w->params, w->nparams, "size")].dist;
		if (size) {
			T_EQ_INT(dist_kind(size), DIST_DETERMINISTIC);
			T_NEAR(dist_mean(size, 0), 0, 0);
		}
	}

	T_EQ_INT(c->nfunctions, 1);
	const struct cfg_function *f = &c->functions[0];
	T_TRUE(strcmp(f->name, "f") == 0, "name %s", f->name);
	T_EQ_INT(dist_kind(f->service), DIST_DETERMINISTIC);
	T_NEAR(dist_mean(f->service, 0), 0.1, 0);
	T_NEAR(dist_mean(f->service, 1e6), 0.1, 0);     /* per_byte 0 */
	T_TRUE(f->cold_start == NULL, "cold start %p", (void *)f->cold_start);
	T_EQ_INT(f->cold_mode, COLD_DELAY);
	T_TRUE(f->outputs == NULL, "outputs %p", (void *)f->outputs);
	T_EQ_INT(f->concurrency, 1);
	T_NEAR(f->memory_mb, 128, 0);
	T_TRUE(isinf(f->keep_alive_s) && f->keep_alive_s > 0, "keep alive %g", f->keep_alive_s);
	T_EQ_INT(f->min_replicas, 0);
	T_EQ_INT(f->max_replicas, 1000);
	T_EQ_INT(f->initial_replicas, 1);
	T_EQ_INT(f->queue_capacity, -1);
	T_EQ_INT(f->on_full, FULL_DROP);
	T_EQ_INT(f->on_demand, 0);
	T_EQ_INT(f->managed, 1);
	T_EQ_INT(f->edge_mode, EDGES_BROADCAST);
	T_EQ_INT(f->nedges, 0);

	T_TRUE(c->policy == policy_find("static"), "policy %s", c->policy ? c->policy->name : "-");
	if (c->policy) {
		T_NEAR(c->decision_interval_s, c->policy->interval_s, 0);
		for (size_t i = 0; i < c->policy->nparams; i++)
			if (c->policy->params[i].type <= PARAM_ENUM)
				T_NEAR(f->policy_params[i].num, c->policy->params[i].def, 0);
	}
	T_NEAR(c->actuation_delay_s, 0, 0);
	T_NEAR(c->scrape_interval_s, 15, 0);
	T_NEAR(c->monitor_retention_s, 900, 0);
	T_EQ_INT(c->cost.model, COST_GB_SECOND);
	T_NEAR(c->cost.usd_per_gb_s, 0.0000166667, 0);
	T_NEAR(c->cost.usd_per_request, 0.0000002, 0);
	T_NEAR(c->cost.usd_per_replica_hour, 0, 0);
	T_EQ_INT(c->cost.bill_execution, 0);
	T_NEAR(c->slo_latency_s, 0, 0);
	T_NEAR(c->timeline_interval_s, 1, 0);

	/* the resolved document spells the defaults out */
	check_resolved_contains(c, "\"experiment\":\"minimal\",\"seed\":1,\"replication\":0,"
				   "\"rng\":\"mt19937\",\"duration_s\":null,\"warmup_s\":0,");
	check_resolved_contains(c, "\"service\":{\"type\":\"deterministic\",\"value\":0.1,"
				   "\"per_byte\":0},\"cold_start\":null,");
	check_resolved_contains(c, "\"keep_alive_s\":\"inf\"");
	check_resolved_contains(c, "\"edges\":{\"mode\":\"broadcast\",\"to\":[]}");
	check_resolved_contains(c, "\"connector\":{\"batch_max\":500,\"batch_wait_s\":0,"
				   "\"max_inflight\":0,\"consumers\":\"connector\","
				   "\"rebalance\":\"eager\",\"rebalance_s\":{\"type\":"
				   "\"deterministic\",\"value\":3,\"per_byte\":0},"
				   "\"session_timeout_s\":45}");
	check_resolved_contains(c, "\"failures\":{\"replica_ttf_s\":null,\"error_p\":0,"
				   "\"restart_s\":0},\"retry\":{\"max_attempts\":3,"
				   "\"backoff_s\":1,\"backoff_factor\":2,\"backoff_max_s\":60,"
				   "\"jitter\":\"none\"}");
	check_resolved_contains(c, "\"failures\":{\"node_ttf_s\":null,\"node_repair_s\":"
				   "{\"type\":\"deterministic\",\"value\":600,\"per_byte\":0},"
				   "\"detect_s\":40,\"schedule\":[]}");
	check_resolved_contains(c, "\"slo\":{\"latency_s\":null}");
	check_resolved_contains(c, "\"policy\":\"static\"");
	T_TRUE(strchr(c->resolved_json, '\n') != NULL, "resolved JSON is not indented");
	check_hash(c);

	T_EQ_INT(config_function_index(c, "f"), 0);
	T_EQ_INT(config_function_index(c, "g"), -1);
	config_free(c);
	config_free(NULL);
}

/* --- a file with every key ---------------------------------------------- */

static const char full_json[] =
	"{\n"
	"  \"experiment\": \"full-example\", \"seed\": 42, \"replication\": 3,\n"
	"  \"rng\": \"taus2\", \"duration_s\": 600, \"warmup_s\": 60,\n"
	"  \"sources\": [\n"
	"    {\"topic\": \"requests\", \"partitions\": 8, \"keys\": \"round_robin\",\n"
	"     \"arrivals\": {\"workload\": \"poisson\", \"time_scale\": 2, \"rate_scale\": 0.5,\n"
	"                  \"rate\": 20, \"size\": {\"type\": \"uniform\", \"min\": 100, \"max\": 300},\n"
	"                  \"key_space\": 50, \"count\": 1000},\n"
	"     \"to\": [\"ingest\"],\n"
	"     \"connector\": {\"batch_max\": 100, \"batch_wait_s\": 0.05, \"max_inflight\": 1}},\n"
	"    {\"topic\": \"replay\", \"arrivals\": {\"workload\": \"spate-csv\", \"path\": \"trace.csv\"},\n"
	"     \"to\": [\"ingest\", \"audit\"]}\n"
	"  ],\n"
	"  \"functions\": [\n"
	"    {\"name\": \"ingest\", \"service\": {\"type\": \"exponential\", \"rate\": 4, \"per_byte\": 0.001},\n"
	"     \"cold_start\": {\"type\": \"lognormal\", \"mean\": 3, \"sd\": 1},\n"
	"     \"cold_start_mode\": \"first_request\",\n"
	"     \"outputs\": {\"type\": \"mixture\", \"components\": [{\"weight\": 1, \"dist\": 1},\n"
	"                                                    {\"weight\": 3, \"dist\": 5}]},\n"
	"     \"concurrency\": 4, \"memory_mb\": 512, \"keep_alive_s\": 600,\n"
	"     \"min_replicas\": 1, \"max_replicas\": 20, \"initial_replicas\": 2,\n"
	"     \"queue_capacity\": 1000, \"on_full\": \"block\", \"on_demand\": true,\n"
	"     \"edges\": {\"mode\": \"branch\", \"to\": [{\"function\": \"infer\", \"p\": 0.25},\n"
	"                                          {\"function\": \"store\", \"p\": 0.75}]},\n"
	"     \"scaling\": {\"managed\": true, \"target_utilization\": 0.5}},\n"
	"    {\"name\": \"infer\", \"service\": {\"type\": \"gamma\", \"mean\": 2, \"sd\": 1},\n"
	"     \"keep_alive_s\": \"inf\", \"edges\": {\"to\": [\"store\"]}, \"scaling\": {\"managed\": false}},\n"
	"    {\"name\": \"store\", \"service\": {\"type\": \"empirical\", \"file\": \"samples.csv\",\n"
	"                                   \"interpolate\": true},\n"
	"     \"keep_alive_s\": null, \"outputs\": 0},\n"
	"    {\"name\": \"audit\", \"service\": {\"type\": \"weibull\", \"shape\": 2, \"scale\": 1},\n"
	"     \"cold_start\": {\"type\": \"pareto\", \"shape\": 3, \"scale\": 1},\n"
	"     \"outputs\": {\"type\": \"deterministic\", \"value\": 2},\n"
	"     \"queue_capacity\": 0, \"edges\": {\"mode\": \"broadcast\", \"to\": [{\"function\": \"extra\"}]}},\n"
	"    {\"name\": \"extra\", \"service\": {\"type\": \"normal\", \"mean\": 10, \"sd\": 2},\n"
	"     \"cold_start\": {\"type\": \"lognormal\", \"mu\": 0, \"sigma\": 0.5},\n"
	"     \"outputs\": {\"type\": \"empirical\", \"samples\": [0, 1, 2, 5]}, \"min_replicas\": 2}\n"
	"  ],\n"
	"  \"autoscaler\": {\"policy\": \"hpa\", \"interval_s\": 30, \"actuation_delay_s\": 2,\n"
	"                 \"target_utilization\": 0.7, \"tolerance\": 0.2},\n"
	"  \"monitor\": {\"scrape_interval_s\": 5, \"retention_s\": 600},\n"
	"  \"cost\": {\"model\": \"replica_hour\", \"usd_per_gb_s\": 0.00002, \"usd_per_request\": 4e-7,\n"
	"           \"usd_per_replica_hour\": 0.05, \"bill\": \"execution_time\"},\n"
	"  \"slo\": {\"latency_s\": 0.5},\n"
	"  \"record\": {\"timeline_interval_s\": 0}\n"
	"}\n";

static void check_dist(const struct dist *d, enum dist_kind kind, double size,
		       double mean, double var)
{
	T_TRUE(d != NULL, "missing dist of kind %s", dist_kind_name(kind));
	if (!d)
		return;
	T_EQ_INT(dist_kind(d), kind);
	T_NEAR(dist_mean(d, size), mean, 1e-9 * (1 + fabs(mean)));
	if (var >= 0)
		T_NEAR(dist_var(d, size), var, 1e-9 * (1 + var));
}

static void test_full(void)
{
	struct tmpdir t;
	if (tmp_open(&t) < 0) {
		CU_FAIL("mkdtemp failed");
		return;
	}
	tmp_write(&t, "samples.csv", "value\n1\n3\n");
	const char *path = tmp_write(&t, "full.json", full_json);
	struct err e = {0};
	struct config *c = config_load(path, NULL, 0, &e);
	T_TRUE(c != NULL, "rejected: %s", e.msg);
	if (!c) {
		tmp_close(&t);
		return;
	}
	char want[200];
	T_TRUE(strcmp(c->experiment, "full-example") == 0, "%s", c->experiment);
	T_EQ_INT(c->seed, 42);
	T_EQ_INT(c->replication, 3);
	T_TRUE(strcmp(c->rng_type, "taus2") == 0, "%s", c->rng_type);
	T_NEAR(c->duration_s, 600, 0);
	T_NEAR(c->warmup_s, 60, 0);

	T_EQ_INT(c->nsources, 2);
	const struct cfg_source *s = &c->sources[0];
	T_EQ_INT(s->partitions, 8);
	T_EQ_INT(s->keys, KEYS_ROUND_ROBIN);
	T_NEAR(s->time_scale, 2, 0);
	T_NEAR(s->rate_scale, 0.5, 0);
	T_EQ_INT(s->batch_max, 100);
	T_NEAR(s->batch_wait_s, 0.05, 0);
	T_EQ_INT(s->max_inflight, 1);
	T_EQ_INT(s->ntargets, 1);
	T_EQ_INT(s->targets[0], 0);
	const struct workload *w = s->workload;
	if (w) {
		T_NEAR(s->workload_params[param_index(w->params, w->nparams, "rate")].num, 20, 0);
		T_NEAR(s->workload_params[param_index(w->params, w->nparams, "key_space")].num, 50, 0);
		T_NEAR(s->workload_params[param_index(w->params, w->nparams, "count")].num, 1000, 0);
		check_dist(s->workload_params[param_index(w->params, w->nparams, "size")].dist,
			   DIST_UNIFORM, 0, 200, 200.0 * 200 / 12);
	}
	s = &c->sources[1];
	T_TRUE(strcmp(s->topic, "replay") == 0, "%s", s->topic);
	T_EQ_INT(s->ntargets, 2);
	T_EQ_INT(s->targets[0], 0);
	T_EQ_INT(s->targets[1], 3);
	w = s->workload;
	T_TRUE(w == workload_find("spate-csv"), "workload %s", w ? w->name : "-");
	if (w) {
		/* a relative path resolves against the config file's directory */
		snprintf(want, sizeof want, "%s/trace.csv", t.path);
		const char *got = s->workload_params[param_index(w->params, w->nparams, "path")].str;
		T_TRUE(got && strcmp(got, want) == 0, "path %s, expected %s", got ? got : "-", want);
	}

	T_EQ_INT(c->nfunctions, 5);
	const struct cfg_function *f = &c->functions[0];
	check_dist(f->service, DIST_EXPONENTIAL, 0, 0.25, 0.0625);
	T_NEAR(dist_mean(f->service, 1000), 0.25 + 0.001 * 1000, 1e-12);
	check_dist(f->cold_start, DIST_LOGNORMAL, 0, 3, 1);
	T_EQ_INT(f->cold_mode, COLD_FIRST_REQUEST);
	check_dist(f->outputs, DIST_MIXTURE, 0, 0.25 * 1 + 0.75 * 5, 0.25 * 0.75 * 16);
	T_EQ_INT(f->concurrency, 4);
	T_NEAR(f->memory_mb, 512, 0);
	T_NEAR(f->keep_alive_s, 600, 0);
	T_EQ_INT(f->min_replicas, 1);
	T_EQ_INT(f->max_replicas, 20);
	T_EQ_INT(f->initial_replicas, 2);
	T_EQ_INT(f->queue_capacity, 1000);
	T_EQ_INT(f->on_full, FULL_BLOCK);
	T_EQ_INT(f->on_demand, 1);
	T_EQ_INT(f->managed, 1);
	T_EQ_INT(f->edge_mode, EDGES_BRANCH);
	T_EQ_INT(f->nedges, 2);
	if (f->nedges == 2) {
		T_EQ_INT(f->edges[0].to, 1);
		T_NEAR(f->edges[0].p, 0.25, 0);
		T_EQ_INT(f->edges[1].to, 2);
		T_NEAR(f->edges[1].p, 0.75, 0);
	}

	f = &c->functions[1];
	check_dist(f->service, DIST_GAMMA, 0, 2, 1);
	T_TRUE(isinf(f->keep_alive_s), "keep alive %g", f->keep_alive_s);
	T_EQ_INT(f->managed, 0);
	T_EQ_INT(f->edge_mode, EDGES_BROADCAST);
	T_EQ_INT(f->nedges, 1);
	if (f->nedges == 1) {
		T_EQ_INT(f->edges[0].to, 2);
		T_NEAR(f->edges[0].p, 1, 0);
	}

	f = &c->functions[2];
	/* interpolated empirical over {1, 3}: uniform on [1, 3] */
	check_dist(f->service, DIST_EMPIRICAL, 0, 2, 4.0 / 12);
	T_TRUE(isinf(f->keep_alive_s), "keep alive %g", f->keep_alive_s);
	check_dist(f->outputs, DIST_DETERMINISTIC, 0, 0, 0);
	T_EQ_INT(f->nedges, 0);

	f = &c->functions[3];
	check_dist(f->service, DIST_WEIBULL, 0, 0.886226925452758, 1 - acos(-1.0) / 4);
	check_dist(f->cold_start, DIST_PARETO, 0, 1.5, 0.75);
	check_dist(f->outputs, DIST_DETERMINISTIC, 0, 2, 0);
	T_EQ_INT(f->queue_capacity, 0);
	T_EQ_INT(f->nedges, 1);

	f = &c->functions[4];
	T_EQ_INT(dist_kind(f->service), DIST_NORMAL);
	T_NEAR(dist_mean(f->service, 0), 10, 1e-5);   /* truncated 5 sd below: +3e-6 */
	check_dist(f->cold_start, DIST_LOGNORMAL, 0, exp(0.125), -1);
	check_dist(f->outputs, DIST_EMPIRICAL, 0, 2, 3.5);
	T_EQ_INT(f->min_replicas, 2);
	T_EQ_INT(f->initial_replicas, 2);   /* max(min, 1) */

	/* policy parameters: autoscaler-level values, overridden per function */
	T_TRUE(c->policy == policy_find("hpa"), "policy %s", c->policy ? c->policy->name : "-");
	T_NEAR(c->decision_interval_s, 30, 0);
	T_NEAR(c->actuation_delay_s, 2, 0);
	if (c->policy) {
		const struct policy *p = c->policy;
		int tu = param_index(p->params, p->nparams, "target_utilization");
		int tol = param_index(p->params, p->nparams, "tolerance");
		int win = param_index(p->params, p->nparams, "metric_window_s");
		T_NEAR(c->functions[0].policy_params[tu].num, 0.5, 0);
		for (int i = 1; i < c->nfunctions; i++)
			T_NEAR(c->functions[i].policy_params[tu].num, 0.7, 0);
		for (int i = 0; i < c->nfunctions; i++) {
			T_NEAR(c->functions[i].policy_params[tol].num, 0.2, 0);
			T_NEAR(c->functions[i].policy_params[win].num, p->params[win].def, 0);
		}
	}
	T_NEAR(c->scrape_interval_s, 5, 0);
	T_NEAR(c->monitor_retention_s, 600, 0);
	T_EQ_INT(c->cost.model, COST_REPLICA_HOUR);
	T_NEAR(c->cost.usd_per_gb_s, 0.00002, 0);
	T_NEAR(c->cost.usd_per_request, 4e-7, 0);
	T_NEAR(c->cost.usd_per_replica_hour, 0.05, 0);
	T_EQ_INT(c->cost.bill_execution, 1);
	T_NEAR(c->slo_latency_s, 0.5, 0);
	T_NEAR(c->timeline_interval_s, 0, 0);

	snprintf(want, sizeof want, "\"file\":\"%s/samples.csv\",", t.path);
	check_resolved_contains(c, want);
	check_resolved_contains(c, "\"to\":[{\"function\":\"infer\",\"p\":0.25},"
				   "{\"function\":\"store\",\"p\":0.75}]");
	check_resolved_contains(c, "\"edges\":{\"mode\":\"broadcast\",\"to\":[\"extra\"]}");
	check_resolved_contains(c, "\"scaling\":{\"managed\":false,");
	check_hash(c);

	/* the resolved document is a fixed point */
	struct config *c2 = parse_ok(c->resolved_json, "resolved", NULL, 0);
	if (c2) {
		T_TRUE(strcmp(c->hash, c2->hash) == 0, "hash %s then %s", c->hash, c2->hash);
		T_TRUE(strcmp(c->resolved_json, c2->resolved_json) == 0, "resolved JSON changed");
		T_NEAR(dist_var(c2->functions[2].service, 0), 4.0 / 12, 1e-12);
	}
	config_free(c2);
	config_free(c);
	tmp_close(&t);
}

/* The default experiment name comes from the file name; a file found
 * through a relative path with no directory resolves against the cwd. */
static void test_experiment_default(void)
{
	struct tmpdir t;
	if (tmp_open(&t) < 0) {
		CU_FAIL("mkdtemp failed");
		return;
	}
	const char *path = tmp_write(&t, "my-exp.json", minimal_json);
	struct err e = {0};
	struct config *c = config_load(path, NULL, 0, &e);
	T_TRUE(c != NULL, "rejected: %s", e.msg);
	if (c)
		T_TRUE(strcmp(c->experiment, "my-exp") == 0, "experiment %s", c->experiment);
	config_free(c);
	tmp_close(&t);

	err_clear(&e);
	c = config_load(BAD_DIR "/no-such-config.json", NULL, 0, &e);
	T_TRUE(c == NULL, "loaded a missing file");
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, BAD_DIR "/no-such-config.json: cannot open: No such file or directory");
}

/* --- --set overrides ---------------------------------------------------- */

static void test_overrides(void)
{
	const char *sets[] = {
		"functions[0].max_replicas=7",           /* by index, number */
		"functions.f.memory_mb=256",             /* by name */
		"sources.in.arrivals.rate=9",            /* by topic */
		"experiment=night-run",                  /* not JSON: a string */
		"autoscaler.policy=\"hpa\"",             /* a JSON string */
		"autoscaler.tolerance=0.3",              /* policy param, creating autoscaler */
		"functions.f.scaling.tolerance=0.05",    /* creating scaling */
		"functions.f.service={\"type\": \"gamma\", \"mean\": 2, \"sd\": 1}",
		"slo.latency_s=0.25",
		"seed=7",
		"functions.0.on_demand=true",            /* a digit segment is an index */
	};
	struct config *c = parse_ok(minimal_json, "t.json", sets, (int)(sizeof sets / sizeof *sets));
	if (c) {
		const struct cfg_function *f = &c->functions[0];
		T_EQ_INT(f->max_replicas, 7);
		T_NEAR(f->memory_mb, 256, 0);
		const struct workload *w = c->sources[0].workload;
		T_NEAR(c->sources[0].workload_params[param_index(w->params, w->nparams, "rate")].num,
		       9, 0);
		T_TRUE(strcmp(c->experiment, "night-run") == 0, "experiment %s", c->experiment);
		T_TRUE(c->policy == policy_find("hpa"), "policy %s", c->policy ? c->policy->name : "-");
		if (c->policy) {
			int tol = param_index(c->policy->params, c->policy->nparams, "tolerance");
			T_NEAR(f->policy_params[tol].num, 0.05, 0);
			check_resolved_contains(c, "\"actuation_delay_s\":0,");
			check_resolved_contains(c, "\"tolerance\":0.3");
		}
		check_dist(f->service, DIST_GAMMA, 0, 2, 1);
		T_NEAR(c->slo_latency_s, 0.25, 0);
		T_EQ_INT(c->seed, 7);
		T_EQ_INT(f->on_demand, 1);
		config_free(c);
	}

	/* the same document with the values written in gives the same hash */
	struct config *a = parse_ok(minimal_json, "t.json", (const char *[]){"seed=9"}, 1);
	struct config *b = parse_ok(
		"{\"seed\": 9, \"functions\": [{\"service\": 0.1, \"name\": \"f\"}],\n"
		" \"sources\": [{\"to\": [\"f\"], \"arrivals\": {\"rate\": 5, \"workload\": \"poisson\"},"
		" \"topic\": \"in\"}]}", "t.json", NULL, 0);
	if (a && b)
		T_TRUE(strcmp(a->hash, b->hash) == 0, "hash %s vs %s", a->hash, b->hash);
	config_free(a);
	config_free(b);

	/* overrides are validated like the file */
	expect_error(minimal_json, (const char *[]){"functions[0].concurrency=0"}, 1,
		     "t.json: functions[0].concurrency: must be >= 1, got 0");
	expect_error(minimal_json, (const char *[]){"functions.f.memroy_mb=1"}, 1,
		     "t.json: functions[0].memroy_mb: unknown key; did you mean 'memory_mb'?");
	/* bad paths name themselves */
	expect_error(minimal_json, (const char *[]){"functions.nope.max_replicas=1"}, 1,
		     "t.json: --set 'functions.nope.max_replicas=1': functions.nope: "
		     "no element with name or topic 'nope'");
	expect_error(minimal_json, (const char *[]){"functions[3].max_replicas=1"}, 1,
		     "--set 'functions[3].max_replicas=1': functions[3]: index 3 out of range "
		     "(1 elements)");
	expect_error(minimal_json, (const char *[]){"sources[0].topic.x=1"}, 1,
		     "--set 'sources[0].topic.x=1': sources[0].topic: not an object or array");
	expect_error(minimal_json, (const char *[]){"functions[x]=1"}, 1,
		     "--set 'functions[x]=1': functions[x]: bad index at '[x]'");
	expect_error(minimal_json, (const char *[]){"seed"}, 1,
		     "--set 'seed': expected PATH=VALUE");
	expect_error(minimal_json, (const char *[]){"functions..x=1"}, 1,
		     "--set 'functions..x=1'");
}

/* --- round trip ----------------------------------------------------------- */

static void test_roundtrip(void)
{
	struct config *c = parse_ok(minimal_json, "t.json", NULL, 0);
	if (!c)
		return;
	struct config *c2 = parse_ok(c->resolved_json, "t2.json", NULL, 0);
	if (c2) {
		T_TRUE(strcmp(c->hash, c2->hash) == 0, "hash %s then %s", c->hash, c2->hash);
		T_TRUE(strcmp(c->resolved_json, c2->resolved_json) == 0, "resolved changed");
		/* the experiment name was resolved from the first name, not the second */
		T_TRUE(strcmp(c2->experiment, "t") == 0, "experiment %s", c2->experiment);
	}
	/* a real change changes the hash */
	struct config *c3 = parse_ok(minimal_json, "t.json", (const char *[]){"seed=2"}, 1);
	if (c3)
		T_TRUE(strcmp(c->hash, c3->hash) != 0, "seed change kept hash %s", c->hash);
	config_free(c);
	config_free(c2);
	config_free(c3);
}

/* --- messages for inline cases ---------------------------------------------- */

static void test_inline_errors(void)
{
	expect_error("{\n\"seed\": 1,,\n}", NULL, 0, "t.json:2:11: JSON syntax error near ','");
	expect_error("", NULL, 0, "t.json: empty file; expected a JSON object");
	expect_error("{\"functions\": [{\"name\": \"a\", \"service\": 1}], \"sources\": 3}", NULL, 0,
		     "t.json: sources: must be an array, got 3");
	expect_error("{\"functions\": [{\"name\": \"a\", \"service\": 1}], "
		     "\"sources\": [{\"topic\": \"t\", \"arrivals\": {\"workload\": \"poisson\"}, "
		     "\"to\": [\"a\"]}], \"autoscaler\": {\"policy\": \"static\", \"replicas\": 1.5}}",
		     NULL, 0, "t.json: autoscaler.replicas: must be an integer, got 1.5");
}

/* --- the catalogue of bad files ------------------------------------------ */

struct bad_case {
	const char *file;       /* in tests/bad */
	const char *message;    /* what follows "tests/bad/FILE" in the error */
};

static const struct bad_case bad_cases[] = {
	/* found by fuzzing (issue 8): a leak, and non-files that exited 1 or
	 * read without bound */
	{"autoscaler_unknown_key_leak.json", ": autoscaler.bogus: unknown key; valid keys: policy, interval_s, actuation_delay_s, replicas"},
	{"dist_file_directory.json", ": functions[0].service.file: tests/bad/.: not a regular file"},
	{"dist_file_dev_zero.json", ": functions[0].service.file: /dev/zero: not a regular file"},
	{"syntax_missing_comma.json", ":3:3: JSON syntax error near '\"functions\": []'"},
	{"syntax_truncated.json", ":3:19: JSON syntax error near ','"},
	{"syntax_bad_literal.json", ":3:16: JSON syntax error near 'tru'"},
	{"empty.json", ": empty file; expected a JSON object"},
	{"whitespace_only.json", ": empty file; expected a JSON object"},
	{"not_an_object.json", ": the document must be a JSON object, got an array"},
	{"unknown_key_typo.json", ": functions[1].memroy_mb: unknown key; did you mean 'memory_mb'?"},
	{"unknown_key_list.json", ": zzzzzz: unknown key; valid keys: experiment, seed, "
	 "replication, rng, duration_s, warmup_s, sources, functions, autoscaler, monitor, "
	 "cost, slo, record"},
	{"duplicate_key.json", ": seed: duplicate key"},
	{"dist_mean_negative.json", ": functions[0].service.mean: must be > 0, got -2"},
	{"huge_number.json", ": functions[0].memory_mb: must be finite"},
	{"huge_negative.json", ": functions[0].service.sd: must be finite"},
	{"not_integer.json", ": functions[0].concurrency: must be an integer, got 2.5"},
	{"seed_string.json", ": seed: must be an integer, got \"1\""},
	{"seed_negative.json", ": seed: must be >= 0, got -1"},
	{"seed_too_big.json", ": seed: must be <= 9007199254740992, got 1e+17"},
	{"partitions_zero.json", ": sources[0].partitions: must be >= 1, got 0"},
	{"partitions_too_many.json", ": sources[0].partitions: must be <= 100000, got 200000"},
	{"unknown_function_source.json",
	 ": sources[0].to[0]: unknown function 'infr'; did you mean 'infer'?"},
	{"unknown_function_edge.json",
	 ": functions[0].edges.to[1]: unknown function 'infr'; did you mean 'infer'?"},
	{"unknown_policy_close.json", ": autoscaler.policy: unknown policy 'hpx'; did you mean 'hpa'?"},
	{"unknown_policy_far.json", ": autoscaler.policy: unknown policy 'zzzzzz'; policies: static"},
	{"unknown_workload.json",
	 ": sources[0].arrivals.workload: unknown workload 'poison'; did you mean 'poisson'?"},
	{"cycle.json", ": functions: cycle: b -> c -> b"},
	{"self_edge.json", ": functions[0].edges.to[0]: self-edge 'a' -> 'a'"},
	{"unreachable.json", ": functions[2] ('orphan'): not reachable from any source"},
	{"branch_sum.json", ": functions[0].edges.to: branch probabilities sum to 0.9, not 1"},
	{"retention_bytes_negative.json", ": sources[0].retention.bytes: must be > 0, got -1"},
	{"retention_typo.json", ": sources[0].retention.ofset_reset: unknown key; did you mean 'offset_reset'?"},
	{"branch_p_range.json", ": functions[0].edges.to[0].p: must be <= 1, got 1.5"},
	{"branch_no_p.json", ": functions[0].edges.to[0]: branch edges need a probability"},
	{"broadcast_with_p.json", ": functions[0].edges.to[0].p: only branch edges"},
	{"duplicate_function.json",
	 ": functions[2].name: duplicate function name 'a' (also functions[0])"},
	{"duplicate_topic.json", ": sources[1].topic: duplicate topic 'in' (also sources[0])"},
	{"empty_sources.json", ": sources: must not be empty"},
	{"missing_functions.json", ": functions: required"},
	{"missing_service.json", ": functions[0].service: required"},
	{"missing_arrivals.json", ": sources[0].arrivals: required"},
	{"empty_to.json", ": sources[0].to: must not be empty"},
	{"min_gt_max.json", ": functions[0].max_replicas: must be >= min_replicas (5), got 3"},
	{"initial_out_of_range.json", ": functions[0].initial_replicas: must be in "
	 "[min_replicas, max_replicas] = [0, 4], got 9"},
	{"dist_unknown_type.json", ": functions[0].service.type: unknown distribution type "
	 "'expnential'; did you mean 'exponential'?"},
	{"dist_both_forms.json",
	 ": functions[0].service: lognormal takes {mean, sd} or {mu, sigma}, not both"},
	{"dist_uniform_order.json", ": functions[0].service.max: must be > 2, got 1"},
	{"dist_unknown_param.json",
	 ": functions[0].service.sd: unknown key; valid keys: type, per_byte, mean, rate"},
	{"dist_mixture_weights.json",
	 ": functions[0].service.components: weights must have a positive sum"},
	{"dist_empirical_none.json",
	 ": functions[0].service: empirical needs either 'samples' or 'file'"},
	/* the samples file is looked for next to the config */
	{"dist_empirical_missing_file.json", ": functions[0].service.file: "
	 "tests/bad/no-such-samples.csv: cannot open"},
	{"dist_wrong_type.json",
	 ": functions[0].service: must be a number or a distribution object, got \"fast\""},
	{"enum_typo.json", ": functions[0].on_full: unknown value 'dorp'; did you mean 'drop'?"},
	{"cost_model_unknown.json",
	 ": cost.model: unknown value 'per_hour'; choices: gb_second, replica_hour"},
	{"bool_as_number.json", ": functions[0].on_demand: must be true or false, got 1"},
	{"keep_alive_negative.json", ": functions[0].keep_alive_s: must be >= 0, got -1"},
	{"queue_capacity_low.json", ": functions[0].queue_capacity: must be >= -1, got -2"},
	{"workload_param_range.json", ": sources[0].arrivals.rate: must be >= 0, got -1"},
	{"workload_param_typo.json", ": sources[0].arrivals.rat: unknown key; did you mean 'rate'?"},
	{"workload_param_required.json", ": sources[0].arrivals.path: required"},
	{"policy_param_range.json", ": autoscaler.replicas: must be >= -1, got -5"},
	{"policy_param_typo_scaling.json",
	 ": functions[0].scaling.replica: unknown key; did you mean 'replicas'?"},
	{"rng_unknown.json", ": rng: unknown GSL generator 'mt1993'"},
	{"warmup_after_end.json", ": warmup_s: must be < duration_s (100), got 200"},
	{"slo_zero.json", ": slo.latency_s: must be > 0, got 0"},
	{"name_with_dot.json", ": functions[0].name: 'a.b' must not contain '.', '[' or ']'"},
};

#define NBAD (sizeof bad_cases / sizeof bad_cases[0])

static void test_bad_catalogue(void)
{
	for (size_t i = 0; i < NBAD; i++) {
		char path[256], want[1024];
		snprintf(path, sizeof path, "%s/%s", BAD_DIR, bad_cases[i].file);
		snprintf(want, sizeof want, "%s%s", path, bad_cases[i].message);
		struct err e = {0};
		struct config *c = config_load(path, NULL, 0, &e);
		T_TRUE(c == NULL, "%s was accepted", path);
		config_free(c);
		T_EQ_INT(e.code, ERR_INPUT);
		/* the message starts with the file and says exactly this */
		T_TRUE(strncmp(e.msg, want, strlen(want)) == 0, "%s:\n    got  %s\n    want %s",
		       bad_cases[i].file, e.msg, want);
	}

	/* every file in the catalogue has its expected message */
	DIR *d = opendir(BAD_DIR);
	T_TRUE(d != NULL, "cannot open %s (run from the repository root)", BAD_DIR);
	if (!d)
		return;
	int nfiles = 0;
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		size_t n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0)
			continue;
		nfiles++;
		int found = 0;
		for (size_t i = 0; i < NBAD; i++)
			found |= strcmp(bad_cases[i].file, de->d_name) == 0;
		T_TRUE(found, "%s/%s has no expected message in test_config.c", BAD_DIR, de->d_name);
	}
	closedir(d);
	T_EQ_INT(nfiles, NBAD);
	T_TRUE(NBAD >= 30, "only %d bad cases", (int)NBAD);
}

/* A distribution from its text alone, as the trace tool's --param reads
 * one: a number, an object; bad ones name the place and the path. */
static void test_dist_text(void)
{
	struct err e = {0};
	struct dist *d = config_dist_text("2.5", "w: param x", &e);
	T_TRUE(d != NULL, "%s", e.msg);
	if (d)
		T_NEAR(dist_mean(d, 0), 2.5, 0);
	dist_free(d);
	d = config_dist_text("{\"type\": \"gamma\", \"shape\": 2, \"scale\": 3,"
			     " \"per_byte\": 0.5}", "w: param x", &e);
	T_TRUE(d != NULL, "%s", e.msg);
	if (d)
		T_NEAR(dist_mean(d, 10), 6 + 5, 1e-12);
	dist_free(d);
	static const struct { const char *text, *msg; } bad[] = {
		{"abc", "w: param x: not a distribution (a number, or a JSON object"},
		{"{\"type\": \"expo\"}", "w: param x: "},
		{"-1", "w: param x: "},
		{"{\"type\": \"exponential\", \"mean\": 1} x", "not a distribution"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		e = (struct err){0};
		d = config_dist_text(bad[i].text, "w: param x", &e);
		T_TRUE(d == NULL, "'%s' was accepted", bad[i].text);
		dist_free(d);
		T_EQ_INT(e.code, ERR_INPUT);
		T_STR_CONTAINS(e.msg, bad[i].msg);
	}
}

int test_config_register(void)
{
	CU_pSuite s = CU_add_suite("config", NULL, NULL);
	if (!s ||
	    !CU_add_test(s, "minimal file: every default", test_minimal_defaults) ||
	    !CU_add_test(s, "full file: every key", test_full) ||
	    !CU_add_test(s, "experiment name and missing file", test_experiment_default) ||
	    !CU_add_test(s, "--set overrides", test_overrides) ||
	    !CU_add_test(s, "resolved JSON round trip", test_roundtrip) ||
	    !CU_add_test(s, "inline error messages", test_inline_errors) ||
	    !CU_add_test(s, "bad-config catalogue", test_bad_catalogue) ||
	    !CU_add_test(s, "a distribution from its text", test_dist_text))
		return -1;
	return 0;
}
