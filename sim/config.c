/*
 * config: the experiment file, loaded, checked and resolved (see config.h).
 *
 * Design: one pass over the parsed cJSON tree that, key by key, checks the
 * value against the schema below, stores it in struct config and appends its
 * canonical form to a second cJSON tree (the resolved document). The resolved
 * tree is therefore built from exactly what was validated, in schema order,
 * with every default written out, so two files that mean the same thing give
 * the same text and the same hash whatever their key order or spelling of a
 * default. Distributions keep the parameterization the user chose (mean/sd or
 * mu/sigma), because struct dist is opaque and the choice is meaningful.
 * Invariants: the first error aborts the load (err keeps the first message);
 * every allocation hangs off struct config (or a local freed on the same
 * path) as soon as it is made, so config_free on a half-built config is the
 * one cleanup path. The JSON path of the value being checked is kept in a
 * fixed buffer that grows and shrinks like a stack, so messages can name
 * "functions[1].service.mean" without allocating.
 * Access pattern: loaded once per run, never on a hot path; clarity wins over
 * speed (linear name lookups, O(n^2) duplicate-key checks per object).
 *
 * Schema (every key optional unless marked required; [default]):
 * {
 *   "experiment": string  [the file's base name without ".json"]
 *   "seed": integer 0..2^53 [1]      "replication": integer >= 0 [0]
 *   "rng": GSL generator name ["mt19937"]
 *   "duration_s": number > 0, or null / "inf" [null: run until the sources
 *                 end and the system drains]
 *   "warmup_s": number >= 0, < duration_s [0]
 *   "sources": required, non-empty array of {
 *     "topic": string, required, unique
 *     "partitions": integer 1..100000 [1]
 *     "keys": "hash" | "round_robin" ["hash"]
 *     "arrivals": required {
 *       "workload": name from the workload registry, required
 *       or instead "merge": non-empty array of arrivals objects (each a
 *         workload or a merge, with its own transforms), merged by time
 *       "time_scale": number > 0 [1]    "rate_scale": number > 0 [1]
 *       "shift_s": number >= 0 [0]
 *       "slice": { "from_s": number >= 0 [0], "to_s": number > from_s, null
 *                  or "inf" [null], "rebase": bool [true] } [no slice]
 *       (order: slice on the input's clock, time_scale, shift_s,
 *       rate_scale; shift_s and slice appear in the resolved document only
 *       when given, so older configs keep their hash)
 *       ...the workload's own parameters by name (see `spate workloads`);
 *       a string parameter named "path"/"file" (or ending in "_path"/"_file")
 *       is resolved against the config file's directory }
 *     "to": required, non-empty array of function names (entry functions)
 *     "connector": { "batch_max": integer >= 1 [500],
 *                    "batch_wait_s": number >= 0 [0],
 *                    "max_inflight": integer >= 0 [0 = unlimited],
 *                    "consumers": "connector" | "replicas" ["connector"],
 *                    "rebalance": "eager" | "cooperative" ["eager"],
 *                    "rebalance_s": distribution [3],
 *                    "session_timeout_s": number >= 0 [45] }
 *     "retention": { "time_s": number > 0 [604800] (retention.ms),
 *                    "bytes": number > 0 or null [null: none]
 *                    (retention.bytes, per partition),
 *                    "segment_s": number > 0 [604800] (segment.ms),
 *                    "segment_bytes": number > 0 [1073741824],
 *                    "check_s": number > 0 [300]
 *                    (log.retention.check.interval.ms),
 *                    "offset_reset": "earliest" | "latest" ["earliest"] }
 *                  [absent: records are kept for ever; appears in the
 *                  resolved document only when given] }
 *   "functions": required, non-empty array of {
 *     "name": string, required, unique, non-empty, without '.', '[' or ']'
 *     "service": distribution, required
 *     "cold_start": distribution or null [null: no cold start]
 *     "cold_start_mode": "delay" | "first_request" ["delay"]
 *     "outputs": distribution or null [null: exactly 1 output per input;
 *                samples are rounded to the nearest integer by the model]
 *     "concurrency": integer 1..1000000 [1]    "memory_mb": number > 0 [128]
 *     "keep_alive_s": number >= 0, or null / "inf" ["inf"]
 *     "min_replicas": integer >= 0 [0]
 *     "max_replicas": integer >= max(min_replicas, 1) [max(1000, min_replicas)]
 *     "initial_replicas": integer in [min_replicas, max_replicas]
 *                         [max(min_replicas, 1)]
 *     "queue_capacity": integer >= -1 [-1 = unbounded]
 *     "on_full": "drop" | "block" ["drop"]    "on_demand": bool [false]
 *     "edges": { "mode": "broadcast" | "branch" ["broadcast"],
 *                "to": required array of function names (broadcast) or of
 *                      {"function": name, "p": probability} (branch; the p
 *                      must sum to 1 within 1e-9) } [no edges: a sink]
 *     "scaling": { "managed": bool [true], ...overrides of the policy's
 *                  parameters for this function }
 *     "node_slots": integer 1..1000000 [1]
 *     "object_store": { "gets": distribution [0], "puts": distribution [0]
 *                       (requests per invocation, rounded at random),
 *                       "get_bytes": distribution [0], "put_bytes":
 *                       distribution [0] (per request) } [none]
 *     "failures": { "replica_ttf_s": distribution or null [null: replicas do
 *                   not crash] (from placement), "error_p": number in [0, 1)
 *                   [0] (per attempt, at the end of its service),
 *                   "restart_s": number >= 0 [0] (a crashed replica is
 *                   replaced this long after) }
 *     "retry": { "max_attempts": integer 1..65535 [3] (then dead-lettered),
 *                "backoff_s": number >= 0 [1], "backoff_factor": number >= 1
 *                [2], "backoff_max_s": number >= 0 [60],
 *                "jitter": "none" | "full" ["none"] } }
 *   "autoscaler": { "policy": name from the policy registry ["static"],
 *                     or {"name": name, ...params} or {"so": path to a
 *                     shared object, "symbol": string ["spate_policy"],
 *                     ...params} (see policies/plugin.h),
 *                   "interval_s": number > 0 [the policy's own interval],
 *                   "actuation_delay_s": number >= 0 [0],
 *                   ...the policy's parameters by name, here or inside the
 *                   policy object but not both (defaults for every
 *                   function; a function's "scaling" overrides them) }
 *   "monitor": { "scrape_interval_s": number > 0 [15],
 *                "retention_s": number > 0 [900] }
 *   "cost": { "model": "gb_second" | "replica_hour" ["gb_second"],
 *             "usd_per_gb_s": number >= 0 [0.0000166667],
 *             "usd_per_request": number >= 0 [0.0000002],
 *             "usd_per_replica_hour": number >= 0 [0],
 *             "bill": "replica_time" | "execution_time" ["replica_time"] }
 *   "slo": { "latency_s": number > 0 or null [null: no SLO] }
 *   "record": { "timeline_interval_s": number >= 0 [1; 0 = no timeline],
 *               "partitions": bool [true] (partition_timeline rows; in the
 *               resolved document only when given) }
 *   "object_store": { "get_latency_s": distribution [0.015],
 *                     "put_latency_s": distribution [0.03],
 *                     "bandwidth_mb_s": number > 0 [90] (per request, MB = 1e6 B),
 *                     "usd_per_get": number >= 0 [0.0000004],
 *                     "usd_per_put": number >= 0 [0.000005] }
 *   "cluster": {
 *     "nodes": array of {"class": string [node class N], "count": integer
 *              1..100000 [1], "slots": integer >= 1 [16], "memory_mb":
 *              number > 0 [65536], "speed": number > 0 [1]}
 *              [empty: unlimited capacity, speed 1, no placement]
 *     "placement": "spread" | "pack" | "random" ["spread"]
 *     "lb": "central" | "round-robin" | "random" | "least-outstanding" |
 *           "power-of-two" | "jsq" | "speed-aware" ["central"]
 *     "stragglers": { "onset_rate_per_h": number >= 0 [0] (per node),
 *                     "slowdown": distribution [3] (factor; below 1 is 1),
 *                     "duration_s": distribution [60],
 *                     "slow_nodes": integer >= 0, <= nodes [0],
 *                     "slow_factor": number >= 1 [2],
 *                     "inflation_p": number in [0, 1] [0] (per invocation),
 *                     "inflation_factor": distribution [10] }
 *     "speculation": null or { "k": number > 0 [3] (timeout: k x the observed
 *                     median service time), "quantile": number in (0, 1) or
 *                     null [null] (timeout: that quantile instead),
 *                     "min_samples": integer >= 1 [20] } [null: none]
 *     "replace_slow": null or { "ratio": number > 1 [3] (over the median of the
 *                     replicas' observed service times), "min_samples":
 *                     integer >= 1 [10] (per replica) } [null: none]
 *     "failures": { "node_ttf_s": distribution or null [null: no crashes]
 *                   (each node's time up before it crashes),
 *                   "node_repair_s": distribution [600] (time down),
 *                   "schedule": array of {"node": required index, "at_s":
 *                   required number >= 0, "down_s": number > 0 [600]} [],
 *                   "detect_s": number >= 0 [40] (a crashed node's replicas
 *                   are replaced this long after the crash) } }
 * }
 * Distribution: a bare number (deterministic), or an object with "type" and
 * the parameters of that type, plus "per_byte": number >= 0 [0] on any type
 * (a sample is X + per_byte * message size):
 *   deterministic {value >= 0}        exponential {mean > 0} or {rate > 0}
 *   uniform {0 <= min < max}          normal {mean, sd > 0} (truncated at 0)
 *   lognormal {mean > 0, sd > 0} or {mu, sigma > 0}
 *   gamma {shape > 0, scale > 0} or {mean > 0, sd > 0}
 *   weibull {shape > 0, scale > 0}    pareto {shape > 0, scale > 0}
 *   empirical {samples: [numbers >= 0]} or {file: path}, "interpolate": bool
 *             [false] (file: one number per line, first CSV column)
 *   mixture {components: [{"weight": w >= 0, "dist": distribution}, ...]}
 * Numbers must be finite (1e999 overflows to infinity and is rejected);
 * integers must be integral; booleans are true/false. Unknown keys are errors.
 * Overrides (--set PATH=VALUE) are applied to the document before anything
 * is checked: PATH is dot-separated keys with [N] indices; inside an array of
 * objects a segment may be an index or the element's "name"/"topic"
 * (functions.infer.max_replicas); missing object keys are created. VALUE is
 * parsed as JSON, and taken as a string when it is not JSON.
 * The resolved document is printed indented (resolved_json, for people); the
 * hash is FNV-1a 64 of its unformatted text, which ignores layout.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "dist.h"
#include "err.h"
#include "param.h"
#include "plugin.h"
#include "policy.h"
#include "rng.h"
#include "suggest.h"
#include "workload.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))
#define SEED_MAX 9007199254740992.0     /* 2^53: larger integers lose bits */
#define QUEUE_MAX 9007199254740992.0

/* --- loader state ------------------------------------------------------- */

struct ld {
	const char *name;       /* the file as given, for messages */
	char *dir;              /* relative paths resolve against it; NULL = cwd */
	int resolve;            /* 0 while re-reading already resolved values */
	struct err *e;
	struct config *c;
	char path[512];         /* JSON path of the value being checked */
	size_t plen;
};

/* Short text forms, returned by value so they can sit in a printf call. */
struct txt {
	char s[96];
};

static struct txt num_txt(double v)
{
	struct txt t;
	if (isinf(v)) {
		snprintf(t.s, sizeof t.s, "%s", v > 0 ? "inf" : "-inf");
		return t;
	}
	/* shortest of 15..17 digits that reads back as the same double */
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(t.s, sizeof t.s, "%.*g", prec, v);
		if (strtod(t.s, NULL) == v)
			break;
	}
	return t;
}

static struct txt describe(const cJSON *it)
{
	struct txt t;
	if (!it)
		snprintf(t.s, sizeof t.s, "nothing");
	else if (cJSON_IsNumber(it))
		t = num_txt(it->valuedouble);
	else if (cJSON_IsString(it))
		snprintf(t.s, sizeof t.s, "\"%.40s%s\"", it->valuestring,
			 strlen(it->valuestring) > 40 ? "..." : "");
	else if (cJSON_IsTrue(it))
		snprintf(t.s, sizeof t.s, "true");
	else if (cJSON_IsFalse(it))
		snprintf(t.s, sizeof t.s, "false");
	else if (cJSON_IsNull(it))
		snprintf(t.s, sizeof t.s, "null");
	else if (cJSON_IsArray(it))
		snprintf(t.s, sizeof t.s, "an array");
	else
		snprintf(t.s, sizeof t.s, "an object");
	return t;
}

static size_t at_key(struct ld *L, const char *key)
{
	size_t old = L->plen, cap = sizeof L->path - old;
	int n = snprintf(L->path + old, cap, "%s%s", old ? "." : "", key);
	L->plen += n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
	return old;
}

static size_t at_idx(struct ld *L, int i)
{
	size_t old = L->plen, cap = sizeof L->path - old;
	int n = snprintf(L->path + old, cap, "[%d]", i);
	L->plen += n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
	return old;
}

static void at_pop(struct ld *L, size_t old)
{
	L->plen = old;
	L->path[old] = '\0';
}

static int fail(struct ld *L, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct ld *L, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (L->plen)
		return err_set(L->e, ERR_INPUT, "%s: %s: %s", L->name, L->path, msg);
	return err_set(L->e, ERR_INPUT, "%s: %s", L->name, msg);
}

static int oom(struct ld *L)
{
	return err_set(L->e, ERR_INTERNAL, "%s: out of memory", L->name);
}

/* --- names and suggestions ---------------------------------------------- */

/* A list of candidate names, for "did you mean" and for listing choices. */
struct names {
	const char **v;
	size_t n, cap;
	char *store;    /* backing text when the names were split from "a|b" */
};

static void names_add(struct names *nm, const char *s)
{
	if (nm->n == nm->cap) {
		size_t cap = nm->cap ? 2 * nm->cap : 16;
		const char **v = realloc(nm->v, cap * sizeof *v);
		if (!v)
			return;     /* suggestions are best effort */
		nm->v = v;
		nm->cap = cap;
	}
	nm->v[nm->n++] = s;
}

static void names_free(struct names *nm)
{
	free(nm->v);
	free(nm->store);
}

/* The candidate closest to `given`, or NULL (suggest.h judges a typo). */
static const char *closest(const char *given, const struct names *nm)
{
	return suggest_closest(given, nm->v, nm->n);
}

static void names_list(const struct names *nm, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < nm->n && len + 1 < cap; i++) {
		int n = snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", nm->v[i]);
		if (n < 0 || (size_t)n >= cap - len) {
			if (cap > 4)
				memcpy(buf + cap - 4, "...", 4);
			return;
		}
		len += (size_t)n;
	}
	if (nm->n == 0)
		snprintf(buf, cap, "(none)");
}

/* "unknown WHAT 'given'; did you mean 'x'?" or "...; LABEL: a, b, c".
 * given == NULL: the unknown thing is the last path segment (a key). */
static int fail_unknown(struct ld *L, const char *what, const char *given,
			const struct names *nm, const char *label)
{
	const char *key = given;
	if (!key) {
		const char *dot = strrchr(L->path, '.');
		key = dot ? dot + 1 : L->path;
	}
	const char *near = closest(key, nm);
	char list[600];
	if (given) {
		if (near)
			return fail(L, "unknown %s '%s'; did you mean '%s'?", what, given, near);
		names_list(nm, list, sizeof list);
		return fail(L, "unknown %s '%s'; %s: %s", what, given, label, list);
	}
	if (near)
		return fail(L, "unknown %s; did you mean '%s'?", what, near);
	names_list(nm, list, sizeof list);
	return fail(L, "unknown %s; %s: %s", what, label, list);
}

/* Splits a param_def's "a|b|c" into names. */
static void names_from_choices(struct names *nm, const char *choices)
{
	nm->store = strdup(choices ? choices : "");
	if (!nm->store)
		return;
	char *save = NULL;
	for (char *tok = strtok_r(nm->store, "|", &save); tok;
	     tok = strtok_r(NULL, "|", &save))
		names_add(nm, tok);
}

/* --- reading values ----------------------------------------------------- */

enum { LO_NONE, LO_GE, LO_GT };

struct rule {
	int lo_kind;
	int integral;
	double lo, hi;          /* hi inclusive; INFINITY = none */
};

#define R_ANY ((struct rule){.lo_kind = LO_NONE, .hi = INFINITY})
#define R_GT0 ((struct rule){.lo_kind = LO_GT, .lo = 0, .hi = INFINITY})
#define R_GE0 ((struct rule){.lo_kind = LO_GE, .lo = 0, .hi = INFINITY})
#define R_INT(a, b) ((struct rule){.lo_kind = LO_GE, .integral = 1, .lo = (a), .hi = (b)})

static int check_num(struct ld *L, const cJSON *it, struct rule r, double *out)
{
	if (!cJSON_IsNumber(it))
		return fail(L, "must be %s, got %s", r.integral ? "an integer" : "a number",
			    describe(it).s);
	double v = it->valuedouble;
	if (!isfinite(v))
		return fail(L, "must be finite, got a number too large for a double");
	if (r.integral && v != floor(v))
		return fail(L, "must be an integer, got %s", num_txt(v).s);
	if (r.lo_kind == LO_GT && !(v > r.lo))
		return fail(L, "must be > %s, got %s", num_txt(r.lo).s, num_txt(v).s);
	if (r.lo_kind == LO_GE && !(v >= r.lo))
		return fail(L, "must be >= %s, got %s", num_txt(r.lo).s, num_txt(v).s);
	if (v > r.hi)
		return fail(L, "must be <= %s, got %s", num_txt(r.hi).s, num_txt(v).s);
	*out = v + 0.0;     /* -0 becomes 0, so it prints as 0 */
	return 0;
}

static const cJSON *member(const cJSON *obj, const char *key)
{
	return obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

/* Adds item to obj (or to array obj when key is NULL); takes ownership. */
static int put(struct ld *L, cJSON *obj, const char *key, cJSON *item)
{
	if (!item)
		return oom(L);
	int ok = key ? cJSON_AddItemToObject(obj, key, item)
		     : cJSON_AddItemToArray(obj, item);
	if (!ok) {
		cJSON_Delete(item);
		return oom(L);
	}
	return 0;
}

static cJSON *put_obj(struct ld *L, cJSON *obj, const char *key)
{
	cJSON *o = cJSON_CreateObject();
	return put(L, obj, key, o) < 0 ? NULL : o;
}

static cJSON *put_arr(struct ld *L, cJSON *obj, const char *key)
{
	cJSON *a = cJSON_CreateArray();
	return put(L, obj, key, a) < 0 ? NULL : a;
}

static int get_num(struct ld *L, const cJSON *obj, const char *key, double def,
		   struct rule r, double *out, cJSON *res)
{
	const cJSON *it = member(obj, key);
	size_t at = at_key(L, key);
	double v = def;
	if (it && check_num(L, it, r, &v) < 0)
		return -1;
	at_pop(L, at);
	*out = v;
	return put(L, res, key, cJSON_CreateNumber(v));
}

static int get_int(struct ld *L, const cJSON *obj, const char *key, double def,
		   double lo, double hi, int *out, cJSON *res)
{
	double v;
	if (get_num(L, obj, key, def, R_INT(lo, hi), &v, res) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

static int get_bool(struct ld *L, const cJSON *obj, const char *key, int def,
		    int *out, cJSON *res)
{
	const cJSON *it = member(obj, key);
	size_t at = at_key(L, key);
	if (it && !cJSON_IsBool(it))
		return fail(L, "must be true or false, got %s", describe(it).s);
	at_pop(L, at);
	*out = it ? cJSON_IsTrue(it) : def;
	return put(L, res, key, cJSON_CreateBool(*out));
}

static int check_choice(struct ld *L, const cJSON *it, const char *const *choices,
			size_t n, int *out)
{
	if (!cJSON_IsString(it))
		return fail(L, "must be a string, got %s", describe(it).s);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(it->valuestring, choices[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	struct names nm = {0};
	for (size_t i = 0; i < n; i++)
		names_add(&nm, choices[i]);
	fail_unknown(L, "value", it->valuestring, &nm, "choices");
	names_free(&nm);
	return -1;
}

static int get_enum(struct ld *L, const cJSON *obj, const char *key,
		    const char *const *choices, size_t n, int def, int *out, cJSON *res)
{
	const cJSON *it = member(obj, key);
	size_t at = at_key(L, key);
	int v = def;
	if (it && check_choice(L, it, choices, n, &v) < 0)
		return -1;
	at_pop(L, at);
	*out = v;
	return put(L, res, key, cJSON_CreateString(choices[v]));
}

/* An optional object member: NULL when absent, -1 when not an object. */
static int get_section(struct ld *L, const cJSON *obj, const char *key,
		       const cJSON **out)
{
	const cJSON *it = member(obj, key);
	*out = it;
	if (it && !cJSON_IsObject(it)) {
		at_key(L, key);
		return fail(L, "must be an object, got %s", describe(it).s);
	}
	return 0;
}

static int in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

/* Every member of obj must be in keys[] or name a parameter of defs[], and
 * appear once (cJSON keeps duplicates, and the second would be ignored). */
static int check_keys(struct ld *L, const cJSON *obj, const char *const *keys,
		      size_t nk, const struct param_def *defs, size_t nd)
{
	for (const cJSON *it = obj->child; it; it = it->next) {
		const char *k = it->string;
		if (!in_list(k, keys, nk) && !(defs && param_find(defs, nd, k) >= 0)) {
			struct names nm = {0};
			for (size_t i = 0; i < nk; i++)
				names_add(&nm, keys[i]);
			for (size_t i = 0; defs && i < nd; i++)
				names_add(&nm, defs[i].name);
			at_key(L, k);
			fail_unknown(L, "key", NULL, &nm, "valid keys");
			names_free(&nm);
			return -1;
		}
		for (const cJSON *p = obj->child; p != it; p = p->next) {
			if (strcmp(p->string, k) == 0) {
				at_key(L, k);
				return fail(L, "duplicate key");
			}
		}
	}
	return 0;
}

static char *resolve_path(struct ld *L, const char *p)
{
	if (!L->resolve || !L->dir || p[0] == '/' || p[0] == '\0')
		return strdup(p);
	size_t n = strlen(L->dir) + strlen(p) + 2;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s/%s", L->dir, p);
	return s;
}

/* --- distributions ------------------------------------------------------ */

static struct dist *parse_dist(struct ld *L, const cJSON *it, cJSON **canon);
static int get_dist(struct ld *L, const cJSON *obj, const char *key, double def,
		    struct dist **out, cJSON *res);

/* Wraps a dist constructor's error with the JSON path. */
static struct dist *made(struct ld *L, struct dist *d, const struct err *te)
{
	if (!d)
		err_set(L->e, te->code != ERR_OK ? te->code : ERR_INTERNAL, "%s: %s: %s",
			L->name, L->path, te->code != ERR_OK ? te->msg : "out of memory");
	return d;
}

/* A required numeric parameter of a distribution, recorded in canon. */
static int dparam(struct ld *L, const cJSON *obj, const char *key, struct rule r,
		  double *out, cJSON *canon)
{
	const cJSON *it = member(obj, key);
	size_t at = at_key(L, key);
	if (!it)
		return fail(L, "required");
	if (check_num(L, it, r, out) < 0)
		return -1;
	at_pop(L, at);
	return put(L, canon, key, cJSON_CreateNumber(*out));
}

/* Which of two parameterizations {a0, a1} / {b0, b1} obj uses: 0 or 1; -1
 * when it mixes them. b1 may be NULL (exponential: mean or rate). */
static int pick_form(struct ld *L, const cJSON *obj, const char *kind,
		     const char *a0, const char *a1, const char *b0, const char *b1)
{
	int has_a = member(obj, a0) || (a1 && member(obj, a1));
	int has_b = member(obj, b0) || (b1 && member(obj, b1));
	if (has_a && has_b) {
		if (a1)
			return fail(L, "%s takes {%s, %s} or {%s, %s}, not both", kind,
				    a0, a1, b0, b1);
		return fail(L, "%s takes '%s' or '%s', not both", kind, a0, b0);
	}
	if (!has_a && !has_b && !a1)
		return fail(L, "%s needs '%s' or '%s'", kind, a0, b0);
	return has_b;
}

static struct dist *dist_from_samples(struct ld *L, const cJSON *obj, cJSON *canon,
				      int interpolate)
{
	struct err te = {0};
	const cJSON *samples = member(obj, "samples");
	const cJSON *file = member(obj, "file");
	if (!!samples == !!file) {
		fail(L, "empirical needs either 'samples' or 'file'%s",
		     samples ? ", not both" : "");
		return NULL;
	}
	if (file) {
		size_t at = at_key(L, "file");
		if (!cJSON_IsString(file)) {
			fail(L, "must be a string, got %s", describe(file).s);
			return NULL;
		}
		char *path = resolve_path(L, file->valuestring);
		double *v = NULL;
		size_t n = 0;
		if (!path) {
			oom(L);
			return NULL;
		}
		if (dist_read_samples(path, &v, &n, &te) < 0) {
			free(path);
			made(L, NULL, &te);
			return NULL;
		}
		if (n == 0) {
			free(v);
			fail(L, "%s: no samples", path);
			free(path);
			return NULL;
		}
		int rc = put(L, canon, "file", cJSON_CreateString(path));
		free(path);
		struct dist *d = rc < 0 ? NULL : made(L, dist_new_empirical(v, n, interpolate, &te), &te);
		free(v);
		at_pop(L, at);
		return d;
	}
	size_t at = at_key(L, "samples");
	if (!cJSON_IsArray(samples)) {
		fail(L, "must be an array of numbers, got %s", describe(samples).s);
		return NULL;
	}
	int n = cJSON_GetArraySize(samples);
	if (n == 0) {
		fail(L, "must not be empty");
		return NULL;
	}
	double *v = malloc((size_t)n * sizeof *v);
	cJSON *arr = put_arr(L, canon, "samples");
	if (!v || !arr) {
		free(v);
		oom(L);
		return NULL;
	}
	int i = 0;
	for (const cJSON *s = samples->child; s; s = s->next, i++) {
		size_t ai = at_idx(L, i);
		if (check_num(L, s, R_GE0, &v[i]) < 0 ||
		    put(L, arr, NULL, cJSON_CreateNumber(v[i])) < 0) {
			free(v);
			return NULL;
		}
		at_pop(L, ai);
	}
	at_pop(L, at);
	struct dist *d = made(L, dist_new_empirical(v, (size_t)n, interpolate, &te), &te);
	free(v);
	return d;
}

static struct dist *dist_mixture(struct ld *L, const cJSON *obj, cJSON *canon)
{
	static const char *const comp_keys[] = {"weight", "dist"};
	const cJSON *comps = member(obj, "components");
	size_t at = at_key(L, "components");
	if (!comps) {
		fail(L, "required");
		return NULL;
	}
	if (!cJSON_IsArray(comps)) {
		fail(L, "must be an array of {\"weight\": w, \"dist\": ...}, got %s",
		     describe(comps).s);
		return NULL;
	}
	int n = cJSON_GetArraySize(comps);
	if (n == 0) {
		fail(L, "must not be empty");
		return NULL;
	}
	struct dist **d = calloc((size_t)n, sizeof *d);
	double *w = malloc((size_t)n * sizeof *w);
	cJSON *arr = put_arr(L, canon, "components");
	struct err te = {0};
	double sum = 0;
	int i = 0;
	if (!d || !w || !arr) {
		oom(L);
		goto bad;
	}
	for (const cJSON *c = comps->child; c; c = c->next, i++) {
		size_t ai = at_idx(L, i);
		cJSON *cc = put_obj(L, arr, NULL), *dc = NULL;
		if (!cc)
			goto bad;
		if (!cJSON_IsObject(c)) {
			fail(L, "must be {\"weight\": w, \"dist\": ...}, got %s", describe(c).s);
			goto bad;
		}
		if (check_keys(L, c, comp_keys, NKEYS(comp_keys), NULL, 0) < 0 ||
		    dparam(L, c, "weight", R_GE0, &w[i], cc) < 0)
			goto bad;
		const cJSON *dj = member(c, "dist");
		size_t dat = at_key(L, "dist");
		if (!dj) {
			fail(L, "required");
			goto bad;
		}
		d[i] = parse_dist(L, dj, &dc);
		if (!d[i] || put(L, cc, "dist", dc) < 0)
			goto bad;
		at_pop(L, dat);
		sum += w[i];
		at_pop(L, ai);
	}
	if (!(sum > 0)) {
		fail(L, "weights must have a positive sum");
		goto bad;
	}
	at_pop(L, at);
	struct dist *m = made(L, dist_new_mixture(d, w, (size_t)n, &te), &te);
	free(d);
	free(w);
	return m;
bad:
	for (int j = 0; d && j < n; j++)
		dist_free(d[j]);
	free(d);
	free(w);
	return NULL;
}

/* Parses a distribution (number or object) at the current path; *canon gets
 * its object form (caller owns it; NULL on error). */
static struct dist *parse_dist(struct ld *L, const cJSON *it, cJSON **canon)
{
	static const char *const kind_keys[][6] = {
		[DIST_DETERMINISTIC] = {"value"},
		[DIST_EXPONENTIAL] = {"mean", "rate"},
		[DIST_UNIFORM] = {"min", "max"},
		[DIST_NORMAL] = {"mean", "sd"},
		[DIST_LOGNORMAL] = {"mean", "sd", "mu", "sigma"},
		[DIST_GAMMA] = {"shape", "scale", "mean", "sd"},
		[DIST_WEIBULL] = {"shape", "scale"},
		[DIST_PARETO] = {"shape", "scale"},
		[DIST_EMPIRICAL] = {"samples", "file", "interpolate"},
		[DIST_MIXTURE] = {"components"},
	};
	struct err te = {0};
	struct dist *d = NULL;
	cJSON *cn = cJSON_CreateObject();
	*canon = NULL;
	if (!cn) {
		oom(L);
		return NULL;
	}
	if (cJSON_IsNumber(it)) {
		double v;
		if (check_num(L, it, R_GE0, &v) < 0)
			goto bad;
		if (put(L, cn, "type", cJSON_CreateString(dist_kind_name(DIST_DETERMINISTIC))) < 0 ||
		    put(L, cn, "value", cJSON_CreateNumber(v)) < 0 ||
		    put(L, cn, "per_byte", cJSON_CreateNumber(0)) < 0)
			goto bad;
		d = made(L, dist_new_deterministic(v, &te), &te);
		if (!d)
			goto bad;
		*canon = cn;
		return d;
	}
	if (!cJSON_IsObject(it)) {
		fail(L, "must be a number or a distribution object, got %s", describe(it).s);
		goto bad;
	}
	const cJSON *type = member(it, "type");
	size_t at = at_key(L, "type");
	if (!type) {
		fail(L, "required");
		goto bad;
	}
	if (!cJSON_IsString(type)) {
		fail(L, "must be a string, got %s", describe(type).s);
		goto bad;
	}
	int kind = -1;
	struct names kinds = {0};
	for (int k = DIST_DETERMINISTIC; k <= DIST_MIXTURE; k++) {
		names_add(&kinds, dist_kind_name((enum dist_kind)k));
		if (strcmp(type->valuestring, dist_kind_name((enum dist_kind)k)) == 0)
			kind = k;
	}
	if (kind < 0) {
		fail_unknown(L, "distribution type", type->valuestring, &kinds, "types");
		names_free(&kinds);
		goto bad;
	}
	names_free(&kinds);
	at_pop(L, at);

	const char *keys[8] = {"type", "per_byte"};
	size_t nk = 2;
	for (size_t i = 0; i < 6 && kind_keys[kind][i]; i++)
		keys[nk++] = kind_keys[kind][i];
	if (check_keys(L, it, keys, nk, NULL, 0) < 0 ||
	    put(L, cn, "type", cJSON_CreateString(dist_kind_name((enum dist_kind)kind))) < 0)
		goto bad;

	const char *kname = dist_kind_name((enum dist_kind)kind);
	double a, b;
	int form, interp;
	switch ((enum dist_kind)kind) {
	case DIST_DETERMINISTIC:
		if (dparam(L, it, "value", R_GE0, &a, cn) < 0)
			goto bad;
		d = made(L, dist_new_deterministic(a, &te), &te);
		break;
	case DIST_EXPONENTIAL:
		form = pick_form(L, it, kname, "mean", NULL, "rate", NULL);
		if (form < 0 || dparam(L, it, form ? "rate" : "mean", R_GT0, &a, cn) < 0)
			goto bad;
		d = made(L, dist_new_exponential(form ? 1 / a : a, &te), &te);
		break;
	case DIST_UNIFORM:
		if (dparam(L, it, "min", R_GE0, &a, cn) < 0 ||
		    dparam(L, it, "max", (struct rule){.lo_kind = LO_GT, .lo = a, .hi = INFINITY},
			   &b, cn) < 0)
			goto bad;
		d = made(L, dist_new_uniform(a, b, &te), &te);
		break;
	case DIST_NORMAL:
		if (dparam(L, it, "mean", R_ANY, &a, cn) < 0 ||
		    dparam(L, it, "sd", R_GT0, &b, cn) < 0)
			goto bad;
		d = made(L, dist_new_normal(a, b, &te), &te);
		break;
	case DIST_LOGNORMAL:
		form = pick_form(L, it, kname, "mean", "sd", "mu", "sigma");
		if (form < 0)
			goto bad;
		if (form == 0) {
			if (dparam(L, it, "mean", R_GT0, &a, cn) < 0 ||
			    dparam(L, it, "sd", R_GT0, &b, cn) < 0)
				goto bad;
			d = made(L, dist_new_lognormal_ms(a, b, &te), &te);
		} else {
			if (dparam(L, it, "mu", R_ANY, &a, cn) < 0 ||
			    dparam(L, it, "sigma", R_GT0, &b, cn) < 0)
				goto bad;
			d = made(L, dist_new_lognormal(a, b, &te), &te);
		}
		break;
	case DIST_GAMMA:
		form = pick_form(L, it, kname, "shape", "scale", "mean", "sd");
		if (form < 0 ||
		    dparam(L, it, form ? "mean" : "shape", R_GT0, &a, cn) < 0 ||
		    dparam(L, it, form ? "sd" : "scale", R_GT0, &b, cn) < 0)
			goto bad;
		/* mean = shape*scale, var = shape*scale^2 */
		d = form ? made(L, dist_new_gamma(a * a / (b * b), b * b / a, &te), &te)
			 : made(L, dist_new_gamma(a, b, &te), &te);
		break;
	case DIST_WEIBULL:
	case DIST_PARETO:
		if (dparam(L, it, "shape", R_GT0, &a, cn) < 0 ||
		    dparam(L, it, "scale", R_GT0, &b, cn) < 0)
			goto bad;
		d = kind == DIST_WEIBULL ? made(L, dist_new_weibull(a, b, &te), &te)
					 : made(L, dist_new_pareto(a, b, &te), &te);
		break;
	case DIST_EMPIRICAL:
		if (get_bool(L, it, "interpolate", 0, &interp, cn) < 0)
			goto bad;
		d = dist_from_samples(L, it, cn, interp);
		break;
	case DIST_MIXTURE:
		d = dist_mixture(L, it, cn);
		break;
	}
	if (!d)
		goto bad;
	double pb;
	if (get_num(L, it, "per_byte", 0, R_GE0, &pb, cn) < 0)
		goto bad;
	dist_set_per_byte(d, pb);
	*canon = cn;
	return d;
bad:
	dist_free(d);
	cJSON_Delete(cn);
	return NULL;
}

/* An optional distribution member; absent or null gives NULL and a null in
 * the resolved document. */
static int get_opt_dist(struct ld *L, const cJSON *obj, const char *key,
			struct dist **out, cJSON *res)
{
	const cJSON *it = member(obj, key);
	size_t at = at_key(L, key);
	cJSON *canon = NULL;
	if (it && !cJSON_IsNull(it)) {
		*out = parse_dist(L, it, &canon);
		if (!*out)
			return -1;
	}
	at_pop(L, at);
	return put(L, res, key, canon ? canon : cJSON_CreateNull());
}

/* --- parameter tables (policies, workloads) ------------------------------ */

static int is_path_param(const char *name)
{
	size_t n = strlen(name);
	return strcmp(name, "path") == 0 || strcmp(name, "file") == 0 ||
	       (n > 5 && (strcmp(name + n - 5, "_path") == 0 ||
			  strcmp(name + n - 5, "_file") == 0));
}

/* A non-empty array of strings, stored as one block: the pointer array
 * (NULL-terminated) followed by the characters, so one free releases it. */
static int param_strv(struct ld *L, const cJSON *it, union param_val *out,
		      cJSON **canon)
{
	if (!cJSON_IsArray(it))
		return fail(L, "must be an array of strings, got %s",
			    describe(it).s);
	int n = cJSON_GetArraySize(it);
	if (n == 0)
		return fail(L, "must not be empty");
	size_t chars = 0;
	for (int i = 0; i < n; i++) {
		const cJSON *x = cJSON_GetArrayItem(it, i);
		if (!cJSON_IsString(x)) {
			size_t at = at_idx(L, i);
			fail(L, "must be a string, got %s", describe(x).s);
			at_pop(L, at);
			return -1;
		}
		chars += strlen(x->valuestring) + 1;
	}
	*canon = cJSON_Duplicate(it, 1);
	if (!*canon)
		return oom(L);
	if (!out)
		return 0;
	char **v = malloc(((size_t)n + 1) * sizeof *v + chars);
	if (!v)
		return oom(L);
	char *p = (char *)(v + n + 1);
	for (int i = 0; i < n; i++) {
		const char *x = cJSON_GetArrayItem(it, i)->valuestring;
		size_t len = strlen(x) + 1;
		memcpy(p, x, len);
		v[i] = p;
		p += len;
	}
	v[n] = NULL;
	out->strv = (const char *const *)v;
	return 0;
}

/* Checks one parameter value at the current path; fills *out when out is
 * not NULL (the caller then owns its string or dist) and *canon always. */
static int param_value(struct ld *L, const struct param_def *def, const cJSON *it,
		       union param_val *out, cJSON **canon)
{
	double v;
	*canon = NULL;
	switch (def->type) {
	case PARAM_NUM:
	case PARAM_INT: {
		struct rule r = {.lo_kind = LO_GE, .integral = def->type == PARAM_INT,
				 .lo = def->min, .hi = def->max};
		if (check_num(L, it, r, &v) < 0)
			return -1;
		if (out)
			out->num = v;
		*canon = cJSON_CreateNumber(v);
		break;
	}
	case PARAM_BOOL:
		if (!cJSON_IsBool(it))
			return fail(L, "must be true or false, got %s", describe(it).s);
		if (out)
			out->num = cJSON_IsTrue(it);
		*canon = cJSON_CreateBool(cJSON_IsTrue(it));
		break;
	case PARAM_ENUM: {
		if (!cJSON_IsString(it))
			return fail(L, "must be a string, got %s", describe(it).s);
		int idx = param_choice_index(def, it->valuestring);
		if (idx < 0) {
			struct names nm = {0};
			names_from_choices(&nm, def->choices);
			fail_unknown(L, "value", it->valuestring, &nm, "choices");
			names_free(&nm);
			return -1;
		}
		if (out)
			out->num = idx;
		*canon = cJSON_CreateString(it->valuestring);
		break;
	}
	case PARAM_STR: {
		if (!cJSON_IsString(it))
			return fail(L, "must be a string, got %s", describe(it).s);
		char *s = is_path_param(def->name) ? resolve_path(L, it->valuestring)
						   : strdup(it->valuestring);
		if (!s)
			return oom(L);
		*canon = cJSON_CreateString(s);
		if (out)
			out->str = s;
		else
			free(s);
		break;
	}
	case PARAM_DIST: {
		struct dist *d = parse_dist(L, it, canon);
		if (!d)
			return -1;
		if (out)
			out->dist = d;
		else
			dist_free(d);
		return 0;
	}
	case PARAM_STRV:
		return param_strv(L, it, out, canon);
	}
	return *canon ? 0 : oom(L);
}

/* The default of def as a JSON value (caller owns it), or NULL with e set
 * when the parameter is required. */
static cJSON *param_default(struct ld *L, const struct param_def *def)
{
	char buf[128];
	cJSON *v = NULL;
	switch (def->type) {
	case PARAM_NUM:
	case PARAM_INT:
		v = cJSON_CreateNumber(def->def);
		break;
	case PARAM_BOOL:
		v = cJSON_CreateBool(def->def != 0);
		break;
	case PARAM_ENUM:
		v = cJSON_CreateString(param_choice_name(def, (int)def->def, buf, sizeof buf));
		break;
	case PARAM_STR:
		if (!def->def_str) {
			fail(L, "required");
			return NULL;
		}
		v = cJSON_CreateString(def->def_str);
		break;
	case PARAM_DIST:
	case PARAM_STRV:
		if (!def->def_str) {
			fail(L, "required");
			return NULL;
		}
		v = cJSON_Parse(def->def_str);
		if (!v) {
			err_set(L->e, ERR_INTERNAL, "%s: %s: bad built-in default '%s'",
				L->name, L->path, def->def_str);
			return NULL;
		}
		return v;
	}
	if (!v)
		oom(L);
	return v;
}

static void params_free(const struct param_def *defs, size_t n, union param_val *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		if (defs[i].type == PARAM_STR)
			free((void *)v[i].str);
		else if (defs[i].type == PARAM_DIST)
			dist_free(v[i].dist);
		else if (defs[i].type == PARAM_STRV)
			free((void *)v[i].strv);
	}
	free(v);
}

/* Resolves every parameter of defs from obj, else from fallback (already
 * resolved values), else from its default. out may be NULL (check only).
 * Each resolved value is added to res under the parameter's name. */
static int params_fill(struct ld *L, const struct param_def *defs, size_t n,
		       const cJSON *obj, const cJSON *fallback,
		       union param_val *out, cJSON *res)
{
	for (size_t i = 0; i < n; i++) {
		const cJSON *it = member(obj, defs[i].name);
		cJSON *owned = NULL, *canon = NULL;
		int saved = L->resolve;
		size_t at = at_key(L, defs[i].name);
		if (!it && (it = member(fallback, defs[i].name)) != NULL)
			L->resolve = 0;     /* its paths are resolved already */
		if (!it) {
			owned = param_default(L, &defs[i]);
			if (!owned)
				return -1;
			it = owned;
			L->resolve = 0;     /* built-in defaults are not relative to the file */
		}
		int rc = param_value(L, &defs[i], it, out ? &out[i] : NULL, &canon);
		L->resolve = saved;
		cJSON_Delete(owned);
		if (rc < 0 || put(L, res, defs[i].name, canon) < 0)
			return -1;
		at_pop(L, at);
	}
	return 0;
}

/* --- sections ----------------------------------------------------------- */

static const char *const key_modes[] = {"hash", "round_robin"};
static const char *const cold_modes[] = {"delay", "first_request"};
static const char *const full_modes[] = {"drop", "block"};
static const char *const edge_modes[] = {"broadcast", "branch"};
static const char *const cost_models[] = {"gb_second", "replica_hour"};
static const char *const bill_modes[] = {"replica_time", "execution_time"};
static const char *const placements[] = {"spread", "pack", "random"};
static const char *const lb_modes[] = {"central", "round-robin", "random",
				       "least-outstanding", "power-of-two", "jsq",
				       "speed-aware"};

static int require_array(struct ld *L, const cJSON *obj, const char *key,
			 const cJSON **out)
{
	const cJSON *it = member(obj, key);
	size_t at = at_key(L, key);
	if (!it)
		return fail(L, "required");
	if (!cJSON_IsArray(it))
		return fail(L, "must be an array, got %s", describe(it).s);
	if (cJSON_GetArraySize(it) == 0)
		return fail(L, "must not be empty");
	at_pop(L, at);
	*out = it;
	return 0;
}

static int require_string(struct ld *L, const cJSON *obj, const char *key,
			  const cJSON **out)
{
	const cJSON *it = member(obj, key);
	size_t at = at_key(L, key);
	if (!it)
		return fail(L, "required");
	if (!cJSON_IsString(it))
		return fail(L, "must be a string, got %s", describe(it).s);
	at_pop(L, at);
	*out = it;
	return 0;
}

/* Names address elements in --set paths and rng stream names. */
static int check_name(struct ld *L, const char *s)
{
	if (!s[0])
		return fail(L, "must not be empty");
	if (strpbrk(s, ".[]"))
		return fail(L, "'%s' must not contain '.', '[' or ']'", s);
	return 0;
}

static int function_ref(struct ld *L, const cJSON *it, int *out)
{
	const struct config *c = L->c;
	if (!cJSON_IsString(it))
		return fail(L, "must be a function name, got %s", describe(it).s);
	*out = config_function_index(c, it->valuestring);
	if (*out >= 0)
		return 0;
	struct names nm = {0};
	for (int i = 0; i < c->nfunctions; i++)
		names_add(&nm, c->functions[i].name);
	fail_unknown(L, "function", it->valuestring, &nm, "functions");
	names_free(&nm);
	return -1;
}

/* Pass 1 over functions: names only, so sources and edges can refer to any
 * function whatever the order. */
static int load_function_names(struct ld *L, const cJSON *fns)
{
	struct config *c = L->c;
	int n = cJSON_GetArraySize(fns);
	c->functions = calloc((size_t)n, sizeof *c->functions);
	if (!c->functions)
		return oom(L);
	int i = 0;
	for (const cJSON *f = fns->child; f; f = f->next, i++) {
		size_t at = at_idx(L, i);
		if (!cJSON_IsObject(f))
			return fail(L, "must be an object, got %s", describe(f).s);
		const cJSON *name;
		if (require_string(L, f, "name", &name) < 0)
			return -1;
		size_t an = at_key(L, "name");
		if (check_name(L, name->valuestring) < 0)
			return -1;
		int dup = config_function_index(c, name->valuestring);
		if (dup >= 0)
			return fail(L, "duplicate function name '%s' (also functions[%d])",
				    name->valuestring, dup);
		at_pop(L, an);
		c->functions[i].name = strdup(name->valuestring);
		if (!c->functions[i].name)
			return oom(L);
		c->nfunctions = i + 1;
		at_pop(L, at);
	}
	return 0;
}

/* Merges nest at most this deep: deeper is a config bug, not a need. */
#define MERGE_MAX_DEPTH 8

static void arrivals_free(struct cfg_arrivals *m, int n)
{
	for (int i = 0; m && i < n; i++) {
		if (m[i].workload)
			params_free(m[i].workload->params, m[i].workload->nparams,
				    m[i].workload_params);
		else
			free(m[i].workload_params);
		arrivals_free(m[i].merge, m[i].nmerge);
	}
	free(m);
}

/* An optional number written to the resolved document only when given, so
 * that configs without the newer transform keys keep their hash. */
static int get_opt_num(struct ld *L, const cJSON *obj, const char *key,
		       double def, struct rule r, double *out, cJSON *res)
{
	*out = def;
	return member(obj, key) ? get_num(L, obj, key, def, r, out, res) : 0;
}

/* "slice": {"from_s": >= 0 [0], "to_s": > from_s, null or "inf" [null],
 *           "rebase": bool [true]} */
static int load_slice(struct ld *L, struct cfg_arrivals *n, const cJSON *arr,
		      cJSON *res)
{
	static const char *const keys[] = {"from_s", "to_s", "rebase"};
	const cJSON *sl;
	n->slice_from_s = 0;
	n->slice_to_s = INFINITY;
	n->slice_rebase = 1;
	if (get_section(L, arr, "slice", &sl) < 0)
		return -1;
	if (!sl)
		return 0;
	size_t at = at_key(L, "slice");
	cJSON *rs = put_obj(L, res, "slice");
	if (!rs || check_keys(L, sl, keys, NKEYS(keys), NULL, 0) < 0 ||
	    get_num(L, sl, "from_s", 0, R_GE0, &n->slice_from_s, rs) < 0)
		return -1;
	const cJSON *to = member(sl, "to_s");
	size_t at2 = at_key(L, "to_s");
	if (to && !cJSON_IsNull(to) &&
	    !(cJSON_IsString(to) && strcmp(to->valuestring, "inf") == 0)) {
		if (cJSON_IsString(to))
			return fail(L, "must be a number > from_s, null or \"inf\", "
				    "got %s", describe(to).s);
		if (check_num(L, to, R_GE0, &n->slice_to_s) < 0)
			return -1;
		if (!(n->slice_to_s > n->slice_from_s))
			return fail(L, "must be > from_s (%s), got %s",
				    num_txt(n->slice_from_s).s,
				    num_txt(n->slice_to_s).s);
	}
	at_pop(L, at2);
	if (put(L, rs, "to_s", isinf(n->slice_to_s) ? cJSON_CreateNull()
			: cJSON_CreateNumber(n->slice_to_s)) < 0 ||
	    get_bool(L, sl, "rebase", 1, &n->slice_rebase, rs) < 0)
		return -1;
	at_pop(L, at);
	return 0;
}

/* One arrivals object: a workload with its parameters, or "merge": a list
 * of arrivals objects; then the transforms. */
static int load_arrivals(struct ld *L, struct cfg_arrivals *n, const cJSON *arr,
			 cJSON *res, int depth)
{
	static const char *const base_keys[] = {"workload", "merge", "time_scale",
						"rate_scale", "shift_s", "slice"};
	const cJSON *wname = NULL, *merge = member(arr, "merge");
	const struct workload *w = NULL;
	if (!cJSON_IsObject(arr))
		return fail(L, "must be an object, got %s", describe(arr).s);
	if (merge && member(arr, "workload")) {
		at_key(L, "merge");
		return fail(L, "give either \"workload\" or \"merge\", not both");
	}
	if (merge) {
		if (depth >= MERGE_MAX_DEPTH) {
			at_key(L, "merge");
			return fail(L, "merges nest deeper than %d levels",
				    MERGE_MAX_DEPTH);
		}
		if (require_array(L, arr, "merge", &merge) < 0)
			return -1;
	} else {
		if (!member(arr, "workload")) {
			at_key(L, "workload");
			return fail(L, "required (or \"merge\": a list of arrivals "
				    "objects)");
		}
		if (require_string(L, arr, "workload", &wname) < 0)
			return -1;
		w = workload_find(wname->valuestring);
		if (!w) {
			struct names nm = {0};
			for (size_t i = 0; workload_at(i); i++)
				names_add(&nm, workload_at(i)->name);
			at_key(L, "workload");
			fail_unknown(L, "workload", wname->valuestring, &nm, "workloads");
			names_free(&nm);
			return -1;
		}
	}
	if (check_keys(L, arr, base_keys, NKEYS(base_keys), w ? w->params : NULL,
		       w ? w->nparams : 0) < 0)
		return -1;
	if (w) {
		n->workload = w;
		n->workload_params = calloc(w->nparams ? w->nparams : 1,
					    sizeof *n->workload_params);
		if (!n->workload_params)
			return oom(L);
		if (put(L, res, "workload", cJSON_CreateString(w->name)) < 0)
			return -1;
	} else {
		int k = cJSON_GetArraySize(merge);
		n->merge = calloc((size_t)k, sizeof *n->merge);
		cJSON *rm = put_arr(L, res, "merge");
		if (!n->merge || !rm)
			return oom(L);
		n->nmerge = k;
		size_t at = at_key(L, "merge");
		int i = 0;
		for (const cJSON *m = merge->child; m; m = m->next, i++) {
			size_t ai = at_idx(L, i);
			cJSON *ro = cJSON_CreateObject();
			if (put(L, rm, NULL, ro) < 0 ||
			    load_arrivals(L, &n->merge[i], m, ro, depth + 1) < 0)
				return -1;
			at_pop(L, ai);
		}
		at_pop(L, at);
	}
	if (get_num(L, arr, "time_scale", 1, R_GT0, &n->time_scale, res) < 0 ||
	    get_num(L, arr, "rate_scale", 1, R_GT0, &n->rate_scale, res) < 0 ||
	    get_opt_num(L, arr, "shift_s", 0, R_GE0, &n->shift_s, res) < 0 ||
	    load_slice(L, n, arr, res) < 0)
		return -1;
	return w ? params_fill(L, w->params, w->nparams, arr, NULL,
			       n->workload_params, res) : 0;
}

static int load_workload(struct ld *L, struct cfg_source *s, const cJSON *arr, cJSON *res)
{
	struct cfg_arrivals n = { .time_scale = 1, .rate_scale = 1,
				  .slice_to_s = INFINITY, .slice_rebase = 1 };
	int rc = load_arrivals(L, &n, arr, res, 0);
	/* copied on failure too: config_free releases what was built */
	s->workload = n.workload;
	s->workload_params = n.workload_params;
	s->merge = n.merge;
	s->nmerge = n.nmerge;
	s->slice_from_s = n.slice_from_s;
	s->slice_to_s = n.slice_to_s;
	s->slice_rebase = n.slice_rebase;
	s->time_scale = n.time_scale;
	s->shift_s = n.shift_s;
	s->rate_scale = n.rate_scale;
	return rc;
}

static int load_source(struct ld *L, int i, const cJSON *sj, cJSON *res)
{
	static const char *const keys[] = {"topic", "partitions", "keys", "arrivals",
					   "to", "connector", "retention"};
	static const char *const ret_keys[] = {"time_s", "bytes", "segment_s",
					       "segment_bytes", "check_s",
					       "offset_reset"};
	static const char *const conn_keys[] = {"batch_max", "batch_wait_s",
						"max_inflight", "consumers", "rebalance",
						"rebalance_s", "session_timeout_s"};
	struct config *c = L->c;
	struct cfg_source *s = &c->sources[i];
	const cJSON *topic, *arr, *to, *conn;
	int mode;
	if (!cJSON_IsObject(sj))
		return fail(L, "must be an object, got %s", describe(sj).s);
	if (check_keys(L, sj, keys, NKEYS(keys), NULL, 0) < 0 ||
	    require_string(L, sj, "topic", &topic) < 0)
		return -1;
	size_t at = at_key(L, "topic");
	if (check_name(L, topic->valuestring) < 0)
		return -1;
	for (int j = 0; j < i; j++)
		if (strcmp(c->sources[j].topic, topic->valuestring) == 0)
			return fail(L, "duplicate topic '%s' (also sources[%d])",
				    topic->valuestring, j);
	at_pop(L, at);
	s->topic = strdup(topic->valuestring);
	if (!s->topic)
		return oom(L);
	if (put(L, res, "topic", cJSON_CreateString(s->topic)) < 0 ||
	    get_int(L, sj, "partitions", 1, 1, 100000, &s->partitions, res) < 0 ||
	    get_enum(L, sj, "keys", key_modes, NKEYS(key_modes), KEYS_HASH, &mode, res) < 0)
		return -1;
	s->keys = (enum key_mode)mode;

	arr = member(sj, "arrivals");
	at = at_key(L, "arrivals");
	if (!arr)
		return fail(L, "required");
	cJSON *ra = put_obj(L, res, "arrivals");
	if (!ra || load_workload(L, s, arr, ra) < 0)
		return -1;
	at_pop(L, at);

	if (require_array(L, sj, "to", &to) < 0)
		return -1;
	int n = cJSON_GetArraySize(to);
	cJSON *rto = put_arr(L, res, "to");
	s->targets = calloc((size_t)n, sizeof *s->targets);
	if (!rto || !s->targets)
		return oom(L);
	at = at_key(L, "to");
	int k = 0;
	for (const cJSON *t = to->child; t; t = t->next, k++) {
		size_t ak = at_idx(L, k);
		int f;
		if (function_ref(L, t, &f) < 0)
			return -1;
		for (int j = 0; j < k; j++)
			if (s->targets[j] == f)
				return fail(L, "duplicate target '%s'", t->valuestring);
		s->targets[k] = f;
		s->ntargets = k + 1;
		if (put(L, rto, NULL, cJSON_CreateString(t->valuestring)) < 0)
			return -1;
		at_pop(L, ak);
	}
	at_pop(L, at);

	cJSON *rc;
	if (get_section(L, sj, "connector", &conn) < 0 ||
	    !(rc = put_obj(L, res, "connector")))
		return -1;
	at = at_key(L, "connector");
	if ((conn && check_keys(L, conn, conn_keys, NKEYS(conn_keys), NULL, 0) < 0) ||
	    get_int(L, conn, "batch_max", 500, 1, INT_MAX, &s->batch_max, rc) < 0 ||
	    get_num(L, conn, "batch_wait_s", 0, R_GE0, &s->batch_wait_s, rc) < 0 ||
	    get_int(L, conn, "max_inflight", 0, 0, INT_MAX, &s->max_inflight, rc) < 0)
		return -1;
	static const char *const consumers[] = {"connector", "replicas"};
	static const char *const rebalances[] = {"eager", "cooperative"};
	if (get_enum(L, conn, "consumers", consumers, NKEYS(consumers), 0, &mode, rc) < 0)
		return -1;
	s->replicas_group = mode;
	if (get_enum(L, conn, "rebalance", rebalances, NKEYS(rebalances), 0, &mode, rc) < 0 ||
	    get_dist(L, conn, "rebalance_s", 3, &s->rebalance_s, rc) < 0 ||
	    get_num(L, conn, "session_timeout_s", 45, R_GE0, &s->session_timeout_s, rc) < 0)
		return -1;
	s->cooperative = mode;
	if (s->replicas_group && s->ntargets != 1) {
		at_key(L, "consumers");
		return fail(L, "\"replicas\" needs exactly one entry function (the group's"
			    " members are its replicas); this source has %d", s->ntargets);
	}
	at_pop(L, at);

	const cJSON *ret;
	if (get_section(L, sj, "retention", &ret) < 0)
		return -1;
	s->retention = ret != NULL;
	s->retention_bytes = -1;
	if (ret) {
		cJSON *rr = put_obj(L, res, "retention");
		at = at_key(L, "retention");
		static const char *const resets[] = {"earliest", "latest"};
		if (!rr || check_keys(L, ret, ret_keys, NKEYS(ret_keys), NULL, 0) < 0 ||
		    get_num(L, ret, "time_s", 604800, R_GT0, &s->retention_s, rr) < 0)
			return -1;
		const cJSON *b = member(ret, "bytes");
		size_t ab = at_key(L, "bytes");
		if (b && !cJSON_IsNull(b) &&
		    check_num(L, b, R_GT0, &s->retention_bytes) < 0)
			return -1;
		at_pop(L, ab);
		if (put(L, rr, "bytes", s->retention_bytes > 0
			? cJSON_CreateNumber(s->retention_bytes)
			: cJSON_CreateNull()) < 0 ||
		    get_num(L, ret, "segment_s", 604800, R_GT0, &s->segment_s, rr) < 0 ||
		    get_num(L, ret, "segment_bytes", 1073741824.0, R_GT0,
			    &s->segment_bytes, rr) < 0 ||
		    get_num(L, ret, "check_s", 300, R_GT0, &s->retention_check_s,
			    rr) < 0 ||
		    get_enum(L, ret, "offset_reset", resets, NKEYS(resets), 0, &mode,
			     rr) < 0)
			return -1;
		s->reset_latest = mode;
		at_pop(L, at);
	}
	return 0;
}

static int load_edges(struct ld *L, int i, const cJSON *ej, cJSON *res)
{
	static const char *const keys[] = {"mode", "to"};
	static const char *const edge_keys[] = {"function", "p"};
	struct config *c = L->c;
	struct cfg_function *f = &c->functions[i];
	const cJSON *to = NULL;
	int mode = EDGES_BROADCAST;
	if (ej) {
		if (check_keys(L, ej, keys, NKEYS(keys), NULL, 0) < 0)
			return -1;
		to = member(ej, "to");
		size_t at = at_key(L, "to");
		if (!to)
			return fail(L, "required");
		if (!cJSON_IsArray(to))
			return fail(L, "must be an array, got %s", describe(to).s);
		at_pop(L, at);
	}
	if (get_enum(L, ej, "mode", edge_modes, NKEYS(edge_modes), EDGES_BROADCAST,
		     &mode, res) < 0)
		return -1;
	f->edge_mode = (enum edge_mode)mode;
	cJSON *rto = put_arr(L, res, "to");
	if (!rto)
		return -1;
	int n = to ? cJSON_GetArraySize(to) : 0;
	if (n == 0 && mode == EDGES_BROADCAST)
		return 0;
	f->edges = calloc(n ? (size_t)n : 1, sizeof *f->edges);
	if (!f->edges)
		return oom(L);
	size_t at = at_key(L, "to");
	double sum = 0;
	int k = 0;
	for (const cJSON *t = to ? to->child : NULL; t; t = t->next, k++) {
		size_t ak = at_idx(L, k);
		const cJSON *fn = t, *p = NULL;
		double pv = 1;
		int target;
		if (cJSON_IsObject(t)) {
			if (check_keys(L, t, edge_keys, NKEYS(edge_keys), NULL, 0) < 0 ||
			    require_string(L, t, "function", &fn) < 0)
				return -1;
			p = member(t, "p");
		} else if (!cJSON_IsString(t)) {
			return fail(L, "must be a function name or {\"function\": name, \"p\": "
				    "probability}, got %s", describe(t).s);
		}
		if (mode == EDGES_BRANCH && !p)
			return fail(L, "branch edges need a probability: {\"function\": \"%s\", "
				    "\"p\": ...}", fn->valuestring);
		if (mode == EDGES_BROADCAST && p) {
			at_key(L, "p");
			return fail(L, "only branch edges (\"mode\": \"branch\") take a probability");
		}
		size_t af = fn != t ? at_key(L, "function") : L->plen;
		if (function_ref(L, fn, &target) < 0)
			return -1;
		if (target == i)
			return fail(L, "self-edge '%s' -> '%s' (the graph must be acyclic)",
				    f->name, f->name);
		for (int j = 0; j < k; j++)
			if (f->edges[j].to == target)
				return fail(L, "duplicate edge to '%s'", fn->valuestring);
		at_pop(L, af);
		if (p) {
			size_t ap = at_key(L, "p");
			if (check_num(L, p, (struct rule){.lo_kind = LO_GE, .lo = 0, .hi = 1},
				      &pv) < 0)
				return -1;
			at_pop(L, ap);
		}
		f->edges[k] = (struct cfg_edge){.to = target, .p = pv};
		f->nedges = k + 1;
		sum += pv;
		cJSON *re;
		if (mode == EDGES_BRANCH) {
			if (!(re = put_obj(L, rto, NULL)) ||
			    put(L, re, "function", cJSON_CreateString(fn->valuestring)) < 0 ||
			    put(L, re, "p", cJSON_CreateNumber(pv)) < 0)
				return -1;
		} else if (put(L, rto, NULL, cJSON_CreateString(fn->valuestring)) < 0) {
			return -1;
		}
		at_pop(L, ak);
	}
	if (mode == EDGES_BRANCH && fabs(sum - 1) > 1e-9)
		return fail(L, "branch probabilities sum to %.10g, not 1", sum);
	at_pop(L, at);
	return 0;
}

static const char *const jitters[] = {"none", "full"};

/* A function's "failures" and "retry" sections (always resolved: they have
 * defaults that matter once something fails). */
static int load_failures(struct ld *L, struct cfg_function *f, const cJSON *fj,
			 cJSON *res)
{
	static const char *const fail_keys[] = {"replica_ttf_s", "error_p", "restart_s"};
	static const char *const retry_keys[] = {
		"max_attempts", "backoff_s", "backoff_factor", "backoff_max_s", "jitter",
	};
	struct rule prob = {.lo_kind = LO_GE, .lo = 0, .hi = 1};
	struct rule ge1 = {.lo_kind = LO_GE, .lo = 1, .hi = INFINITY};
	const cJSON *fs, *rt;
	cJSON *rf, *rr;
	if (get_section(L, fj, "failures", &fs) < 0 || !(rf = put_obj(L, res, "failures")))
		return -1;
	size_t at = at_key(L, "failures");
	if ((fs && check_keys(L, fs, fail_keys, NKEYS(fail_keys), NULL, 0) < 0) ||
	    get_opt_dist(L, fs, "replica_ttf_s", &f->replica_ttf, rf) < 0 ||
	    get_num(L, fs, "error_p", 0, prob, &f->error_p, rf) < 0 ||
	    get_num(L, fs, "restart_s", 0, R_GE0, &f->restart_s, rf) < 0)
		return -1;
	if (f->error_p >= 1) {
		at_key(L, "error_p");
		return fail(L, "must be < 1 (every attempt would fail), got %s",
			    num_txt(f->error_p).s);
	}
	at_pop(L, at);
	if (get_section(L, fj, "retry", &rt) < 0 || !(rr = put_obj(L, res, "retry")))
		return -1;
	at = at_key(L, "retry");
	int mode;
	if ((rt && check_keys(L, rt, retry_keys, NKEYS(retry_keys), NULL, 0) < 0) ||
	    get_int(L, rt, "max_attempts", 3, 1, 65535, &f->max_attempts, rr) < 0 ||
	    get_num(L, rt, "backoff_s", 1, R_GE0, &f->backoff_s, rr) < 0 ||
	    get_num(L, rt, "backoff_factor", 2, ge1, &f->backoff_factor, rr) < 0 ||
	    get_num(L, rt, "backoff_max_s", 60, R_GE0, &f->backoff_max_s, rr) < 0 ||
	    get_enum(L, rt, "jitter", jitters, NKEYS(jitters), 0, &mode, rr) < 0)
		return -1;
	f->jitter = mode;
	at_pop(L, at);
	return 0;
}

static int load_function(struct ld *L, int i, const cJSON *fj, const cJSON *res_as,
			 cJSON *res)
{
	static const char *const keys[] = {
		"name", "service", "cold_start", "cold_start_mode", "outputs",
		"concurrency", "memory_mb", "keep_alive_s", "min_replicas",
		"max_replicas", "initial_replicas", "queue_capacity", "on_full",
		"on_demand", "edges", "scaling", "node_slots", "object_store",
		"failures", "retry",
	};
	static const char *const io_keys[] = {"gets", "puts", "get_bytes", "put_bytes"};
	static const char *const scaling_keys[] = {"managed"};
	struct config *c = L->c;
	struct cfg_function *f = &c->functions[i];
	const struct policy *pol = c->policy;
	int mode;
	double v;
	if (check_keys(L, fj, keys, NKEYS(keys), NULL, 0) < 0 ||
	    put(L, res, "name", cJSON_CreateString(f->name)) < 0)
		return -1;

	const cJSON *svc = member(fj, "service");
	cJSON *canon = NULL;
	size_t at = at_key(L, "service");
	if (!svc)
		return fail(L, "required");
	f->service = parse_dist(L, svc, &canon);
	if (!f->service || put(L, res, "service", canon) < 0)
		return -1;
	at_pop(L, at);

	if (get_opt_dist(L, fj, "cold_start", &f->cold_start, res) < 0 ||
	    get_enum(L, fj, "cold_start_mode", cold_modes, NKEYS(cold_modes), COLD_DELAY,
		     &mode, res) < 0)
		return -1;
	f->cold_mode = (enum cold_mode)mode;
	if (get_opt_dist(L, fj, "outputs", &f->outputs, res) < 0 ||
	    get_int(L, fj, "concurrency", 1, 1, 1000000, &f->concurrency, res) < 0 ||
	    get_num(L, fj, "memory_mb", 128, R_GT0, &f->memory_mb, res) < 0 ||
	    get_int(L, fj, "node_slots", 1, 1, 1000000, &f->node_slots, res) < 0)
		return -1;
	const cJSON *io;
	if (get_section(L, fj, "object_store", &io) < 0)
		return -1;
	f->io = io != NULL;
	if (io) {
		cJSON *rio = put_obj(L, res, "object_store");
		size_t aio = at_key(L, "object_store");
		if (!rio || check_keys(L, io, io_keys, NKEYS(io_keys), NULL, 0) < 0 ||
		    get_dist(L, io, "gets", 0, &f->io_gets, rio) < 0 ||
		    get_dist(L, io, "puts", 0, &f->io_puts, rio) < 0 ||
		    get_dist(L, io, "get_bytes", 0, &f->io_get_bytes, rio) < 0 ||
		    get_dist(L, io, "put_bytes", 0, &f->io_put_bytes, rio) < 0)
			return -1;
		at_pop(L, aio);
	}
	if (load_failures(L, f, fj, res) < 0)
		return -1;

	const cJSON *ka = member(fj, "keep_alive_s");
	at = at_key(L, "keep_alive_s");
	f->keep_alive_s = INFINITY;
	if (ka && !cJSON_IsNull(ka) &&
	    !(cJSON_IsString(ka) && strcmp(ka->valuestring, "inf") == 0)) {
		if (cJSON_IsString(ka))
			return fail(L, "must be a number >= 0, null or \"inf\", got %s",
				    describe(ka).s);
		if (check_num(L, ka, R_GE0, &f->keep_alive_s) < 0)
			return -1;
	}
	at_pop(L, at);
	if (put(L, res, "keep_alive_s", isinf(f->keep_alive_s)
			? cJSON_CreateString("inf") : cJSON_CreateNumber(f->keep_alive_s)) < 0)
		return -1;

	if (get_int(L, fj, "min_replicas", 0, 0, INT_MAX, &f->min_replicas, res) < 0)
		return -1;
	int lo = f->min_replicas > 1 ? f->min_replicas : 1;
	const cJSON *mx = member(fj, "max_replicas");
	at = at_key(L, "max_replicas");
	f->max_replicas = f->min_replicas > 1000 ? f->min_replicas : 1000;
	/* integral and not too large; the lower bound is checked below, where
	 * the message can name min_replicas */
	struct rule any_int = {.lo_kind = LO_NONE, .integral = 1, .hi = INT_MAX};
	if (mx) {
		if (check_num(L, mx, any_int, &v) < 0)
			return -1;
		if (v < lo && f->min_replicas > 0)
			return fail(L, "must be >= min_replicas (%d), got %s", lo, num_txt(v).s);
		if (v < lo)
			return fail(L, "must be >= 1, got %s", num_txt(v).s);
		f->max_replicas = (int)v;
	}
	at_pop(L, at);
	if (put(L, res, "max_replicas", cJSON_CreateNumber(f->max_replicas)) < 0)
		return -1;
	const cJSON *ini = member(fj, "initial_replicas");
	at = at_key(L, "initial_replicas");
	f->initial_replicas = lo;
	if (ini) {
		if (check_num(L, ini, any_int, &v) < 0)
			return -1;
		if (v < f->min_replicas || v > f->max_replicas)
			return fail(L, "must be in [min_replicas, max_replicas] = [%d, %d], got %s",
				    f->min_replicas, f->max_replicas, num_txt(v).s);
		f->initial_replicas = (int)v;
	}
	at_pop(L, at);
	if (put(L, res, "initial_replicas", cJSON_CreateNumber(f->initial_replicas)) < 0 ||
	    get_num(L, fj, "queue_capacity", -1, R_INT(-1, QUEUE_MAX), &v, res) < 0)
		return -1;
	f->queue_capacity = (long)v;
	if (get_enum(L, fj, "on_full", full_modes, NKEYS(full_modes), FULL_DROP, &mode,
		     res) < 0 ||
	    get_bool(L, fj, "on_demand", 0, &f->on_demand, res) < 0)
		return -1;
	f->on_full = (enum on_full)mode;

	const cJSON *ej, *sc;
	cJSON *re, *rs;
	if (get_section(L, fj, "edges", &ej) < 0 || !(re = put_obj(L, res, "edges")))
		return -1;
	at = at_key(L, "edges");
	if (load_edges(L, i, ej, re) < 0)
		return -1;
	at_pop(L, at);

	if (get_section(L, fj, "scaling", &sc) < 0 || !(rs = put_obj(L, res, "scaling")))
		return -1;
	at = at_key(L, "scaling");
	if (sc && check_keys(L, sc, scaling_keys, NKEYS(scaling_keys), pol->params,
			     pol->nparams) < 0)
		return -1;
	if (get_bool(L, sc, "managed", 1, &f->managed, rs) < 0)
		return -1;
	f->policy_params = calloc(pol->nparams ? pol->nparams : 1, sizeof *f->policy_params);
	if (!f->policy_params)
		return oom(L);
	if (params_fill(L, pol->params, pol->nparams, sc, res_as, f->policy_params, rs) < 0)
		return -1;
	at_pop(L, at);
	return 0;
}

/* "policy": {"name": N} picks a built-in policy; {"so": PATH, "symbol": S}
 * loads one from a shared object (relative to the config's directory). */
static int load_policy_object(struct ld *L, const cJSON *pn, const char **name)
{
	const cJSON *nm = member(pn, "name"), *so = member(pn, "so"),
		    *sym = member(pn, "symbol");
	if (nm && so)
		return fail(L, "give \"name\" (a built-in policy) or \"so\" (a "
			    "shared object), not both");
	if (!nm && !so)
		return fail(L, "needs \"name\" (a built-in policy) or \"so\" "
			    "(a shared object)");
	if (nm) {
		size_t a = at_key(L, "name");
		if (!cJSON_IsString(nm))
			return fail(L, "must be a string, got %s", describe(nm).s);
		at_pop(L, a);
		*name = nm->valuestring;
		if (sym) {
			at_key(L, "symbol");
			return fail(L, "only for a shared object (\"so\")");
		}
		return 0;
	}
	size_t a = at_key(L, "so");
	if (!cJSON_IsString(so) || !*so->valuestring)
		return fail(L, "must be a path to a shared object, got %s",
			    describe(so).s);
	struct config *c = L->c;
	c->plugin_path = resolve_path(L, so->valuestring);
	if (!c->plugin_path)
		return oom(L);
	at_pop(L, a);
	a = at_key(L, "symbol");
	if (sym && (!cJSON_IsString(sym) || !*sym->valuestring))
		return fail(L, "must be a symbol name, got %s", describe(sym).s);
	at_pop(L, a);
	c->plugin_symbol = strdup(sym ? sym->valuestring : "spate_policy");
	if (!c->plugin_symbol)
		return oom(L);
	struct err pe = {0};
	c->plugin = plugin_open(c->plugin_path, c->plugin_symbol, &pe);
	if (!c->plugin)
		return fail(L, "%s", pe.msg);
	c->policy = plugin_policy(c->plugin);
	*name = c->policy->name;
	return 0;
}

static int load_autoscaler(struct ld *L, const cJSON *root, cJSON *res)
{
	static const char *const keys[] = {"policy", "interval_s", "actuation_delay_s"};
	struct config *c = L->c;
	const cJSON *as, *pn;
	if (get_section(L, root, "autoscaler", &as) < 0)
		return -1;
	size_t at = at_key(L, "autoscaler");
	const char *name = "static";
	const cJSON *pobj = NULL;   /* "policy": {...}: its params live in it */
	pn = member(as, "policy");
	if (pn) {
		size_t ap = at_key(L, "policy");
		if (cJSON_IsObject(pn)) {
			pobj = pn;
			if (load_policy_object(L, pn, &name) < 0)
				return -1;
		} else if (!cJSON_IsString(pn)) {
			return fail(L, "must be a policy name or an object "
				    "{\"name\": ...} or {\"so\": ...}, got %s",
				    describe(pn).s);
		} else {
			name = pn->valuestring;
		}
		at_pop(L, ap);
	}
	if (!c->policy)
		c->policy = policy_find(name);
	if (!c->policy) {
		struct names nm = {0};
		for (size_t i = 0; policy_at(i); i++)
			names_add(&nm, policy_at(i)->name);
		at_key(L, "policy");
		fail_unknown(L, "policy", name, &nm, "policies");
		names_free(&nm);
		return -1;
	}
	const struct policy *p = c->policy;
	static const char *const pkeys[] = {"name", "so", "symbol"};
	/* parameters go in the policy object or beside it, not both */
	const cJSON *params_at = as;
	if (pobj && pobj->child) {
		int inside = 0;
		for (const cJSON *it = pobj->child; it; it = it->next)
			inside |= !in_list(it->string, pkeys, NKEYS(pkeys));
		if (inside) {
			for (const cJSON *it = as->child; it; it = it->next)
				if (param_find(p->params, p->nparams, it->string) >= 0) {
					at_key(L, it->string);
					return fail(L, "policy parameters are inside "
						    "\"policy\"; move this one there too");
				}
			params_at = pobj;
			size_t ap = at_key(L, "policy");
			if (check_keys(L, pobj, pkeys, NKEYS(pkeys), p->params,
				       p->nparams) < 0)
				return -1;
			at_pop(L, ap);
		}
	}
	if (as && check_keys(L, as, keys, NKEYS(keys), p->params, p->nparams) < 0)
		return -1;
	cJSON *pres = c->plugin ? cJSON_CreateObject() : cJSON_CreateString(p->name);
	if (c->plugin && pres &&
	    (!cJSON_AddStringToObject(pres, "so", c->plugin_path) ||
	     !cJSON_AddStringToObject(pres, "symbol", c->plugin_symbol))) {
		cJSON_Delete(pres);
		pres = NULL;
	}
	if (!pres)
		return oom(L);
	if (put(L, res, "policy", pres) < 0 ||
	    get_num(L, as, "interval_s", p->interval_s, R_GT0, &c->decision_interval_s,
		    res) < 0 ||
	    get_num(L, as, "actuation_delay_s", 0, R_GE0, &c->actuation_delay_s, res) < 0 ||
	    params_fill(L, p->params, p->nparams, params_at, NULL, NULL, res) < 0)
		return -1;
	at_pop(L, at);
	return 0;
}

/* Rejects cycles (naming one) with an iterative depth-first search. */
static int check_acyclic(struct ld *L)
{
	struct config *c = L->c;
	int n = c->nfunctions, rc = 0;
	char *color = calloc((size_t)n, 1);          /* 0 new, 1 on stack, 2 done */
	int *stack = malloc((size_t)n * sizeof *stack);
	int *next = calloc((size_t)n, sizeof *next);  /* next edge to follow */
	if (!color || !stack || !next) {
		rc = oom(L);
		goto out;
	}
	for (int r = 0; r < n && rc == 0; r++) {
		if (color[r])
			continue;
		int sp = 0;
		stack[sp++] = r;
		color[r] = 1;
		while (sp > 0 && rc == 0) {
			int u = stack[sp - 1];
			if (next[u] == c->functions[u].nedges) {
				color[u] = 2;
				sp--;
				continue;
			}
			int v = c->functions[u].edges[next[u]++].to;
			if (color[v] == 0) {
				color[v] = 1;
				stack[sp++] = v;
			} else if (color[v] == 1) {
				char cyc[700];
				size_t len = 0;
				int from = sp - 1;
				while (stack[from] != v)
					from--;
				for (int j = from; j < sp && len < sizeof cyc; j++) {
					int w = snprintf(cyc + len, sizeof cyc - len, "%s -> ",
							 c->functions[stack[j]].name);
					len += w > 0 ? (size_t)w : 0;
				}
				if (len < sizeof cyc)
					snprintf(cyc + len, sizeof cyc - len, "%s",
						 c->functions[v].name);
				at_key(L, "functions");
				rc = fail(L, "cycle: %s", cyc);
			}
		}
	}
out:
	free(color);
	free(stack);
	free(next);
	return rc;
}

static int check_reachable(struct ld *L)
{
	struct config *c = L->c;
	int n = c->nfunctions, head = 0, tail = 0, rc = 0;
	char *seen = calloc((size_t)n, 1);
	int *queue = malloc((size_t)n * sizeof *queue);
	if (!seen || !queue) {
		rc = oom(L);
		goto out;
	}
	for (int s = 0; s < c->nsources; s++) {
		for (int k = 0; k < c->sources[s].ntargets; k++) {
			int f = c->sources[s].targets[k];
			if (!seen[f]) {
				seen[f] = 1;
				queue[tail++] = f;
			}
		}
	}
	while (head < tail) {
		const struct cfg_function *f = &c->functions[queue[head++]];
		for (int k = 0; k < f->nedges; k++) {
			if (!seen[f->edges[k].to]) {
				seen[f->edges[k].to] = 1;
				queue[tail++] = f->edges[k].to;
			}
		}
	}
	for (int i = 0; i < n; i++) {
		if (!seen[i]) {
			rc = fail(L, "functions[%d] ('%s'): not reachable from any source",
				  i, c->functions[i].name);
			break;
		}
	}
out:
	free(seen);
	free(queue);
	return rc;
}

static int load_cluster(struct ld *L, const cJSON *root, cJSON *res);

static int load_tail_sections(struct ld *L, const cJSON *root, cJSON *res)
{
	static const char *const mon_keys[] = {"scrape_interval_s", "retention_s"};
	static const char *const cost_keys[] = {"model", "usd_per_gb_s", "usd_per_request",
						"usd_per_replica_hour", "bill"};
	static const char *const slo_keys[] = {"latency_s"};
	static const char *const rec_keys[] = {"timeline_interval_s", "partitions"};
	struct config *c = L->c;
	const cJSON *s;
	cJSON *r;
	size_t at;
	int mode;

	if (get_section(L, root, "monitor", &s) < 0 || !(r = put_obj(L, res, "monitor")))
		return -1;
	at = at_key(L, "monitor");
	if ((s && check_keys(L, s, mon_keys, NKEYS(mon_keys), NULL, 0) < 0) ||
	    get_num(L, s, "scrape_interval_s", 15, R_GT0, &c->scrape_interval_s, r) < 0 ||
	    get_num(L, s, "retention_s", 900, R_GT0, &c->monitor_retention_s, r) < 0)
		return -1;
	at_pop(L, at);

	if (get_section(L, root, "cost", &s) < 0 || !(r = put_obj(L, res, "cost")))
		return -1;
	at = at_key(L, "cost");
	if ((s && check_keys(L, s, cost_keys, NKEYS(cost_keys), NULL, 0) < 0) ||
	    get_enum(L, s, "model", cost_models, NKEYS(cost_models), COST_GB_SECOND, &mode,
		     r) < 0)
		return -1;
	c->cost.model = (enum cost_model)mode;
	if (get_num(L, s, "usd_per_gb_s", 0.0000166667, R_GE0, &c->cost.usd_per_gb_s, r) < 0 ||
	    get_num(L, s, "usd_per_request", 0.0000002, R_GE0, &c->cost.usd_per_request, r) < 0 ||
	    get_num(L, s, "usd_per_replica_hour", 0, R_GE0, &c->cost.usd_per_replica_hour,
		    r) < 0 ||
	    get_enum(L, s, "bill", bill_modes, NKEYS(bill_modes), 0, &c->cost.bill_execution,
		     r) < 0)
		return -1;
	at_pop(L, at);

	if (get_section(L, root, "slo", &s) < 0 || !(r = put_obj(L, res, "slo")))
		return -1;
	at = at_key(L, "slo");
	if (s && check_keys(L, s, slo_keys, NKEYS(slo_keys), NULL, 0) < 0)
		return -1;
	const cJSON *lat = member(s, "latency_s");
	size_t al = at_key(L, "latency_s");
	c->slo_latency_s = 0;
	if (lat && !cJSON_IsNull(lat) && check_num(L, lat, R_GT0, &c->slo_latency_s) < 0)
		return -1;
	at_pop(L, al);
	if (put(L, r, "latency_s", c->slo_latency_s > 0 ? cJSON_CreateNumber(c->slo_latency_s)
							 : cJSON_CreateNull()) < 0)
		return -1;
	at_pop(L, at);

	if (get_section(L, root, "record", &s) < 0 || !(r = put_obj(L, res, "record")))
		return -1;
	at = at_key(L, "record");
	if ((s && check_keys(L, s, rec_keys, NKEYS(rec_keys), NULL, 0) < 0) ||
	    get_num(L, s, "timeline_interval_s", 1, R_GE0, &c->timeline_interval_s, r) < 0)
		return -1;
	c->partition_timeline = 1;
	if (member(s, "partitions") &&   /* resolved only when given: hashes */
	    get_bool(L, s, "partitions", 1, &c->partition_timeline, r) < 0)
		return -1;
	at_pop(L, at);

	static const char *const os_keys[] = {"get_latency_s", "put_latency_s",
					      "bandwidth_mb_s", "usd_per_get", "usd_per_put"};
	struct cfg_objstore *os = &c->objstore;
	double mb;
	if (get_section(L, root, "object_store", &s) < 0 ||
	    !(r = put_obj(L, res, "object_store")))
		return -1;
	at = at_key(L, "object_store");
	if ((s && check_keys(L, s, os_keys, NKEYS(os_keys), NULL, 0) < 0) ||
	    get_dist(L, s, "get_latency_s", 0.015, &os->get_latency, r) < 0 ||
	    get_dist(L, s, "put_latency_s", 0.03, &os->put_latency, r) < 0 ||
	    get_num(L, s, "bandwidth_mb_s", 90, R_GT0, &mb, r) < 0 ||
	    get_num(L, s, "usd_per_get", 0.0000004, R_GE0, &os->usd_per_get, r) < 0 ||
	    get_num(L, s, "usd_per_put", 0.000005, R_GE0, &os->usd_per_put, r) < 0)
		return -1;
	os->bytes_per_s = mb * 1e6;
	at_pop(L, at);
	return load_cluster(L, root, res);
}

/* A distribution with a default: the default goes through the same parser,
 * so the resolved document spells it the same way. */
static int get_dist(struct ld *L, const cJSON *obj, const char *key, double def,
		    struct dist **out, cJSON *res)
{
	const cJSON *it = member(obj, key);
	cJSON *tmp = it ? NULL : cJSON_CreateNumber(def), *canon = NULL;
	size_t at = at_key(L, key);
	if (!it && !tmp)
		return oom(L);
	*out = parse_dist(L, it ? it : tmp, &canon);
	cJSON_Delete(tmp);
	if (!*out)
		return -1;
	at_pop(L, at);
	return put(L, res, key, canon);
}

struct dist *config_dist_text(const char *text, const char *where, struct err *e)
{
	struct ld L = {.name = where, .resolve = 1, .e = e};
	const char *end = NULL;
	cJSON *it = cJSON_ParseWithOpts(text, &end, 1);
	if (!it) {
		err_set(e, ERR_INPUT, "%s: not a distribution (a number, or a JSON "
			"object with \"type\"): '%.80s'", where, text);
		return NULL;
	}
	cJSON *canon = NULL;
	struct dist *d = parse_dist(&L, it, &canon);
	cJSON_Delete(canon);
	cJSON_Delete(it);
	return d;
}

static int load_nodes(struct ld *L, const cJSON *nodes, cJSON *res)
{
	static const char *const keys[] = {"class", "count", "slots", "memory_mb",
					   "speed"};
	struct cfg_cluster *cl = &L->c->cluster;
	if (!nodes)
		return 0;
	size_t at = at_key(L, "nodes");
	if (!cJSON_IsArray(nodes))
		return fail(L, "must be an array, got %s", describe(nodes).s);
	int n = cJSON_GetArraySize(nodes), i = 0;
	cl->classes = calloc(n ? (size_t)n : 1, sizeof *cl->classes);
	if (!cl->classes)
		return oom(L);
	for (const cJSON *it = nodes->child; it; it = it->next, i++) {
		struct cfg_node_class *nc = &cl->classes[i];
		size_t ai = at_idx(L, i);
		cJSON *r = put_obj(L, res, NULL);
		if (!r)
			return -1;
		if (!cJSON_IsObject(it))
			return fail(L, "must be an object, got %s", describe(it).s);
		if (check_keys(L, it, keys, NKEYS(keys), NULL, 0) < 0)
			return -1;
		const cJSON *nm = member(it, "class");
		size_t ak = at_key(L, "class");
		if (nm && !cJSON_IsString(nm))
			return fail(L, "must be a string, got %s", describe(nm).s);
		at_pop(L, ak);
		char def[32];
		snprintf(def, sizeof def, "class%d", i);
		nc->name = strdup(nm ? nm->valuestring : def);
		cl->nclasses = i + 1;
		if (!nc->name || put(L, r, "class", cJSON_CreateString(nc->name)) < 0)
			return oom(L);
		if (get_int(L, it, "count", 1, 1, 100000, &nc->count, r) < 0 ||
		    get_int(L, it, "slots", 16, 1, 1000000, &nc->slots, r) < 0 ||
		    get_num(L, it, "memory_mb", 65536, R_GT0, &nc->memory_mb, r) < 0 ||
		    get_num(L, it, "speed", 1, R_GT0, &nc->speed, r) < 0)
			return -1;
		if (cl->nnodes + nc->count > 100000)
			return fail(L, "more than 100000 nodes in all");
		cl->nnodes += nc->count;
		at_pop(L, ai);
	}
	at_pop(L, at);
	return 0;
}

/* cluster.failures: node crashes, as a renewal process and/or a schedule. */
static int load_node_failures(struct ld *L, const cJSON *s, cJSON *r)
{
	static const char *const keys[] = {"node_ttf_s", "node_repair_s", "schedule",
					   "detect_s"};
	static const char *const crash_keys[] = {"node", "at_s", "down_s"};
	struct cfg_cluster *cl = &L->c->cluster;
	const cJSON *fs;
	cJSON *rf, *ra;
	if (get_section(L, s, "failures", &fs) < 0 || !(rf = put_obj(L, r, "failures")))
		return -1;
	size_t at = at_key(L, "failures");
	if ((fs && check_keys(L, fs, keys, NKEYS(keys), NULL, 0) < 0) ||
	    get_opt_dist(L, fs, "node_ttf_s", &cl->node_ttf, rf) < 0 ||
	    get_dist(L, fs, "node_repair_s", 600, &cl->node_repair, rf) < 0 ||
	    get_num(L, fs, "detect_s", 40, R_GE0, &cl->detect_s, rf) < 0)
		return -1;
	if (cl->node_ttf && !cl->nnodes) {
		at_key(L, "node_ttf_s");
		return fail(L, "node crashes need nodes (cluster.nodes is empty)");
	}
	const cJSON *sch = member(fs, "schedule");
	size_t as = at_key(L, "schedule");
	if (!(ra = put_arr(L, rf, "schedule")))
		return -1;
	if (sch && !cJSON_IsArray(sch))
		return fail(L, "must be an array, got %s", describe(sch).s);
	int n = sch ? cJSON_GetArraySize(sch) : 0, i = 0;
	if (n && !(cl->schedule = calloc((size_t)n, sizeof *cl->schedule)))
		return oom(L);
	for (const cJSON *it = sch ? sch->child : NULL; it; it = it->next, i++) {
		struct cfg_crash *cr = &cl->schedule[i];
		size_t ai = at_idx(L, i);
		cJSON *rc = put_obj(L, ra, NULL);
		if (!rc)
			return -1;
		if (!cJSON_IsObject(it))
			return fail(L, "must be an object, got %s", describe(it).s);
		cl->nschedule = i + 1;
		if (!member(it, "node") || !member(it, "at_s")) {
			at_key(L, member(it, "node") ? "at_s" : "node");
			return fail(L, "required");
		}
		if (check_keys(L, it, crash_keys, NKEYS(crash_keys), NULL, 0) < 0 ||
		    get_int(L, it, "node", 0, 0, 99999, &cr->node, rc) < 0 ||
		    get_num(L, it, "at_s", 0, R_GE0, &cr->at_s, rc) < 0 ||
		    get_num(L, it, "down_s", 600, R_GT0, &cr->down_s, rc) < 0)
			return -1;
		if (cr->node >= cl->nnodes) {
			at_key(L, "node");
			return fail(L, "no such node: the cluster has %d nodes (0..%d), got %d",
				    cl->nnodes, cl->nnodes - 1, cr->node);
		}
		at_pop(L, ai);
	}
	at_pop(L, as);
	at_pop(L, at);
	return 0;
}

static int load_cluster(struct ld *L, const cJSON *root, cJSON *res)
{
	static const char *const keys[] = {"nodes", "placement", "lb", "stragglers",
					   "speculation", "replace_slow", "failures"};
	static const char *const spec_keys[] = {"k", "quantile", "min_samples"};
	static const char *const repl_keys[] = {"ratio", "min_samples"};
	static const char *const st_keys[] = {
		"onset_rate_per_h", "slowdown", "duration_s", "slow_nodes",
		"slow_factor", "inflation_p", "inflation_factor",
	};
	struct cfg_cluster *cl = &L->c->cluster;
	const cJSON *s, *st;
	cJSON *r, *rn, *rs;
	int mode;
	double v;
	if (get_section(L, root, "cluster", &s) < 0 || !(r = put_obj(L, res, "cluster")))
		return -1;
	size_t at = at_key(L, "cluster");
	if (s && check_keys(L, s, keys, NKEYS(keys), NULL, 0) < 0)
		return -1;
	if (!(rn = put_arr(L, r, "nodes")) || load_nodes(L, member(s, "nodes"), rn) < 0 ||
	    get_enum(L, s, "placement", placements, NKEYS(placements), PLACE_SPREAD,
		     &mode, r) < 0)
		return -1;
	cl->placement = (enum placement)mode;
	if (get_enum(L, s, "lb", lb_modes, NKEYS(lb_modes), LB_CENTRAL, &mode, r) < 0)
		return -1;
	cl->lb = (enum lb_mode)mode;
	if (get_section(L, s, "stragglers", &st) < 0 || !(rs = put_obj(L, r, "stragglers")))
		return -1;
	size_t as = at_key(L, "stragglers");
	if ((st && check_keys(L, st, st_keys, NKEYS(st_keys), NULL, 0) < 0) ||
	    get_num(L, st, "onset_rate_per_h", 0, R_GE0, &v, rs) < 0)
		return -1;
	cl->onset_rate_per_s = v / 3600;
	if (get_dist(L, st, "slowdown", 3, &cl->slowdown, rs) < 0 ||
	    get_dist(L, st, "duration_s", 60, &cl->episode_s, rs) < 0 ||
	    get_int(L, st, "slow_nodes", 0, 0, 100000, &cl->slow_nodes, rs) < 0)
		return -1;
	if (cl->slow_nodes > cl->nnodes) {
		at_key(L, "slow_nodes");
		return fail(L, "must be <= the number of nodes (%d), got %d", cl->nnodes,
			    cl->slow_nodes);
	}
	struct rule ge1 = {.lo_kind = LO_GE, .lo = 1, .hi = INFINITY};
	struct rule prob = {.lo_kind = LO_GE, .lo = 0, .hi = 1};
	if (get_num(L, st, "slow_factor", 2, ge1, &cl->slow_factor, rs) < 0 ||
	    get_num(L, st, "inflation_p", 0, prob, &cl->inflation_p, rs) < 0 ||
	    get_dist(L, st, "inflation_factor", 10, &cl->inflation, rs) < 0)
		return -1;
	at_pop(L, as);

	const cJSON *sp = member(s, "speculation");
	size_t ap = at_key(L, "speculation");
	if (sp && !cJSON_IsNull(sp) && !cJSON_IsObject(sp))
		return fail(L, "must be an object or null, got %s", describe(sp).s);
	cl->speculate = sp && cJSON_IsObject(sp);
	if (cl->speculate) {
		cJSON *rp = put_obj(L, r, "speculation");
		if (!rp || check_keys(L, sp, spec_keys, NKEYS(spec_keys), NULL, 0) < 0 ||
		    get_num(L, sp, "k", 3, R_GT0, &cl->spec_k, rp) < 0)
			return -1;
		const cJSON *q = member(sp, "quantile");
		size_t aq = at_key(L, "quantile");
		struct rule open01 = {.lo_kind = LO_GT, .lo = 0, .hi = 1};
		cl->spec_q = 0;
		if (q && !cJSON_IsNull(q) && check_num(L, q, open01, &cl->spec_q) < 0)
			return -1;
		if (cl->spec_q >= 1)
			return fail(L, "must be < 1, got %s", num_txt(cl->spec_q).s);
		at_pop(L, aq);
		if (put(L, rp, "quantile", cl->spec_q > 0 ? cJSON_CreateNumber(cl->spec_q)
							 : cJSON_CreateNull()) < 0 ||
		    get_int(L, sp, "min_samples", 20, 1, INT_MAX, &cl->spec_min_samples,
			    rp) < 0)
			return -1;
	} else if (put(L, r, "speculation", cJSON_CreateNull()) < 0) {
		return -1;
	}
	at_pop(L, ap);

	const cJSON *rsl = member(s, "replace_slow");
	size_t arl = at_key(L, "replace_slow");
	if (rsl && !cJSON_IsNull(rsl) && !cJSON_IsObject(rsl))
		return fail(L, "must be an object or null, got %s", describe(rsl).s);
	cl->replace_ratio = 0;
	if (rsl && cJSON_IsObject(rsl)) {
		cJSON *rr = put_obj(L, r, "replace_slow");
		struct rule gt1 = {.lo_kind = LO_GT, .lo = 1, .hi = INFINITY};
		if (!rr || check_keys(L, rsl, repl_keys, NKEYS(repl_keys), NULL, 0) < 0 ||
		    get_num(L, rsl, "ratio", 3, gt1, &cl->replace_ratio, rr) < 0 ||
		    get_int(L, rsl, "min_samples", 10, 1, INT_MAX,
			    &cl->replace_min_samples, rr) < 0)
			return -1;
	} else if (put(L, r, "replace_slow", cJSON_CreateNull()) < 0) {
		return -1;
	}
	at_pop(L, arl);
	if (load_node_failures(L, s, r) < 0)
		return -1;
	/* a replica must fit on some node, or it would wait forever */
	for (int i = 0; cl->nnodes && i < L->c->nfunctions; i++) {
		const struct cfg_function *f = &L->c->functions[i];
		int fits = 0;
		for (int k = 0; k < cl->nclasses; k++)
			fits |= cl->classes[k].slots >= f->node_slots &&
				cl->classes[k].memory_mb >= f->memory_mb;
		if (!fits) {
			return fail(L, "nodes: a replica of '%s' (node_slots %d, memory_mb "
				    "%s) fits on no node class", f->name, f->node_slots,
				    num_txt(f->memory_mb).s);
		}
	}
	at_pop(L, at);
	return 0;
}

static char *default_experiment(const char *name)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	size_t n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".json") == 0)
		n -= 5;
	return strndup(base, n);
}

static int load_top(struct ld *L, const cJSON *root, cJSON *res)
{
	static const char *const keys[] = {
		"experiment", "seed", "replication", "rng", "duration_s", "warmup_s",
		"sources", "functions", "autoscaler", "monitor", "cost", "slo", "record",
		"cluster", "object_store",
	};
	struct config *c = L->c;
	const cJSON *it, *srcs, *fns;
	size_t at;
	double v;
	if (!cJSON_IsObject(root))
		return fail(L, "the document must be a JSON object, got %s", describe(root).s);
	if (check_keys(L, root, keys, NKEYS(keys), NULL, 0) < 0)
		return -1;

	it = member(root, "experiment");
	at = at_key(L, "experiment");
	if (it && !cJSON_IsString(it))
		return fail(L, "must be a string, got %s", describe(it).s);
	if (it && !it->valuestring[0])
		return fail(L, "must not be empty");
	at_pop(L, at);
	c->experiment = it ? strdup(it->valuestring) : default_experiment(L->name);
	if (!c->experiment || put(L, res, "experiment", cJSON_CreateString(c->experiment)) < 0)
		return oom(L);
	if (get_num(L, root, "seed", 1, R_INT(0, SEED_MAX), &v, res) < 0)
		return -1;
	c->seed = (uint64_t)v;
	if (get_int(L, root, "replication", 0, 0, INT_MAX, &c->replication, res) < 0)
		return -1;

	it = member(root, "rng");
	at = at_key(L, "rng");
	if (it && !cJSON_IsString(it))
		return fail(L, "must be a string, got %s", describe(it).s);
	if (it && !rng_type_valid(it->valuestring))
		return fail(L, "unknown GSL generator '%s' (e.g. mt19937, ranlxd2, taus2)",
			    it->valuestring);
	at_pop(L, at);
	c->rng_type = strdup(it ? it->valuestring : RNG_DEFAULT_TYPE);
	if (!c->rng_type || put(L, res, "rng", cJSON_CreateString(c->rng_type)) < 0)
		return oom(L);

	it = member(root, "duration_s");
	at = at_key(L, "duration_s");
	c->duration_s = INFINITY;
	if (it && !cJSON_IsNull(it) &&
	    !(cJSON_IsString(it) && strcmp(it->valuestring, "inf") == 0)) {
		if (cJSON_IsString(it))
			return fail(L, "must be a number > 0, null or \"inf\", got %s",
				    describe(it).s);
		if (check_num(L, it, R_GT0, &c->duration_s) < 0)
			return -1;
	}
	at_pop(L, at);
	if (put(L, res, "duration_s", isinf(c->duration_s) ? cJSON_CreateNull()
			: cJSON_CreateNumber(c->duration_s)) < 0)
		return -1;
	if (get_num(L, root, "warmup_s", 0, R_GE0, &c->warmup_s, res) < 0)
		return -1;
	if (c->warmup_s > 0 && c->warmup_s >= c->duration_s) {
		at = at_key(L, "warmup_s");
		return fail(L, "must be < duration_s (%s), got %s",
			    num_txt(c->duration_s).s, num_txt(c->warmup_s).s);
	}

	cJSON *rsrc = put_arr(L, res, "sources");
	cJSON *rfn = put_arr(L, res, "functions");
	cJSON *ras = put_obj(L, res, "autoscaler");
	if (!rsrc || !rfn || !ras)
		return -1;
	if (require_array(L, root, "sources", &srcs) < 0 ||
	    require_array(L, root, "functions", &fns) < 0)
		return -1;
	at = at_key(L, "functions");
	if (load_function_names(L, fns) < 0)
		return -1;
	at_pop(L, at);

	int n = cJSON_GetArraySize(srcs), i = 0;
	c->sources = calloc((size_t)n, sizeof *c->sources);
	if (!c->sources)
		return oom(L);
	c->nsources = n;
	at = at_key(L, "sources");
	for (const cJSON *s = srcs->child; s; s = s->next, i++) {
		size_t ai = at_idx(L, i);
		cJSON *r = put_obj(L, rsrc, NULL);
		if (!r || load_source(L, i, s, r) < 0)
			return -1;
		at_pop(L, ai);
	}
	at_pop(L, at);

	if (load_autoscaler(L, root, ras) < 0)
		return -1;

	at = at_key(L, "functions");
	i = 0;
	for (const cJSON *f = fns->child; f; f = f->next, i++) {
		size_t ai = at_idx(L, i);
		cJSON *r = put_obj(L, rfn, NULL);
		if (!r || load_function(L, i, f, ras, r) < 0)
			return -1;
		at_pop(L, ai);
	}
	at_pop(L, at);

	if (check_acyclic(L) < 0 || check_reachable(L) < 0)
		return -1;
	return load_tail_sections(L, root, res);
}

/* --- overrides ---------------------------------------------------------- */

/* The element of array arr that seg names: an index, or the element whose
 * "name" or "topic" is seg. */
static cJSON *array_element(cJSON *arr, const char *seg)
{
	if (seg[0] && strspn(seg, "0123456789") == strlen(seg)) {
		long idx = strtol(seg, NULL, 10);
		return idx < cJSON_GetArraySize(arr) ? cJSON_GetArrayItem(arr, (int)idx) : NULL;
	}
	for (cJSON *el = arr->child; el; el = el->next) {
		const cJSON *nm = member(el, "name");
		if (!cJSON_IsString(nm))
			nm = member(el, "topic");
		if (cJSON_IsString(nm) && strcmp(nm->valuestring, seg) == 0)
			return el;
	}
	return NULL;
}

static int set_fail(struct ld *L, const char *set, const char *path, size_t upto,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int set_fail(struct ld *L, const char *set, const char *path, size_t upto,
		    const char *fmt, ...)
{
	char msg[700];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(L->e, ERR_INPUT, "%s: --set '%s': %.*s: %s", L->name, set,
		       (int)upto, path, msg);
}

/* Applies one "a.b[2].c=VALUE" to the document. */
static int apply_set(struct ld *L, cJSON *root, const char *set)
{
	const char *eq = strchr(set, '=');
	if (!eq || eq == set)
		return err_set(L->e, ERR_INPUT, "%s: --set '%s': expected PATH=VALUE",
			       L->name, set);
	char *path = strndup(set, (size_t)(eq - set));
	cJSON *val = cJSON_ParseWithOpts(eq + 1, NULL, 1);
	if (!val)
		val = cJSON_CreateString(eq + 1);
	if (!path || !val) {
		free(path);
		cJSON_Delete(val);
		return oom(L);
	}
	cJSON *cur = root;
	char *p = path;
	size_t before = 0;      /* end of the segment that led to cur */
	int rc = 0;
	while (rc == 0) {
		char seg[256];
		int is_index = *p == '[';
		size_t len;
		if (is_index) {
			char *close = strchr(p, ']');
			len = close ? (size_t)(close - p - 1) : 0;
			if (!close || len == 0 || strspn(p + 1, "0123456789") != len) {
				rc = set_fail(L, set, path, strlen(path), "bad index at '%s'", p);
				break;
			}
			memcpy(seg, p + 1, len < sizeof seg ? len : sizeof seg - 1);
			p = close + 1;
		} else {
			len = strcspn(p, ".[");
			if (len == 0 || len >= sizeof seg) {
				rc = set_fail(L, set, path, strlen(path), "empty or overlong key at '%s'", p);
				break;
			}
			memcpy(seg, p, len);
			p += len;
		}
		seg[len < sizeof seg ? len : sizeof seg - 1] = '\0';
		size_t upto = (size_t)(p - path);
		if (*p == '.' && p[1] == '\0') {
			rc = set_fail(L, set, path, strlen(path), "path ends with '.'");
			break;
		}
		if (*p == '.')
			p++;
		int last = *p == '\0';
		cJSON *child;
		if (cJSON_IsObject(cur) && !is_index) {
			child = cJSON_GetObjectItemCaseSensitive(cur, seg);
			if (last) {
				/* (ReplaceItemViaPointer would drop the key) */
				int ok = child ? cJSON_ReplaceItemInObjectCaseSensitive(cur, seg, val)
					       : cJSON_AddItemToObject(cur, seg, val);
				if (!ok)
					rc = oom(L);
				val = ok ? NULL : val;
				break;
			}
			if (!child) {
				child = cJSON_CreateObject();
				if (!child || !cJSON_AddItemToObject(cur, seg, child)) {
					cJSON_Delete(child);
					rc = oom(L);
					break;
				}
			}
		} else if (cJSON_IsArray(cur)) {
			child = array_element(cur, seg);
			if (!child) {
				if (is_index || strspn(seg, "0123456789") == strlen(seg))
					rc = set_fail(L, set, path, upto,
						      "index %s out of range (%d elements)", seg,
						      cJSON_GetArraySize(cur));
				else
					rc = set_fail(L, set, path, upto,
						      "no element with name or topic '%s'", seg);
				break;
			}
			if (last) {
				if (!cJSON_ReplaceItemViaPointer(cur, child, val))
					rc = oom(L);
				else
					val = NULL;
				break;
			}
		} else {
			rc = set_fail(L, set, path, before ? before : upto, "%s",
				      is_index ? "not an array" : "not an object or array");
			break;
		}
		cur = child;
		before = upto;
	}
	free(path);
	cJSON_Delete(val);
	return rc;
}

/* --- entry points ------------------------------------------------------- */

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

int config_syntax_error(const char *name, const char *text, const char *where,
			struct err *e)
{
	size_t len = strlen(text);
	size_t pos = where && where >= text && where <= text + len ? (size_t)(where - text) : len;
	/* cJSON may point one past the offending character, at the end of the
	 * input (a truncated file) or of the line: show the last real character
	 * instead of nothing. */
	if (pos >= len || text[pos] == '\n' || text[pos] == '\r') {
		while (pos > 0 && strchr(" \t\r\n", text[pos - 1]))
			pos--;
		if (pos > 0)
			pos--;
	}
	int line = 1, col = 1;
	for (size_t i = 0; i < pos; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	size_t n = strcspn(text + pos, "\r\n");
	if (n > 20)
		n = 20;
	return err_set(e, ERR_INPUT, "%s:%d:%d: JSON syntax error near '%.*s'", name, line,
		       col, (int)n, text + pos);
}

/* cJSON prints numbers with 15 significant digits, which loses seeds above
 * 10^15 and doubles like 0.1 + 0.2: a stored config would then not rerun
 * the same experiment. Before printing, every number of the resolved tree
 * becomes raw text in the shortest form that reads back to the same double.
 * Returns 0, or -1 when memory runs out. */
static int exact_numbers(cJSON *node)
{
	for (cJSON *it = node ? node->child : NULL; it; it = it->next) {
		if (cJSON_IsNumber(it)) {
			char buf[40];
			double v = it->valuedouble;
			for (int prec = 15; prec <= 17; prec++) {
				snprintf(buf, sizeof buf, "%.*g", prec, v);
				if (strtod(buf, NULL) == v)
					break;
			}
			cJSON *raw = cJSON_CreateRaw(buf);
			/* object members keep their key only through the
			 * named replacement */
			int ok = raw && (it->string
				? cJSON_ReplaceItemInObjectCaseSensitive(node, it->string, raw)
				: cJSON_ReplaceItemViaPointer(node, it, raw));
			if (!ok) {
				cJSON_Delete(raw);
				return -1;
			}
			it = raw;
		} else if (exact_numbers(it) != 0) {
			return -1;
		}
	}
	return 0;
}

static struct config *load(const char *text, size_t size, const char *name, char *dir,
			   const char *const *sets, int nsets, struct err *e)
{
	struct ld L = {.name = name, .dir = dir, .resolve = 1, .e = e};
	struct config *c = calloc(1, sizeof *c);
	cJSON *root = NULL, *res = NULL;
	char *flat = NULL;
	if (!c || !(c->path = strdup(name))) {
		oom(&L);
		goto bad;
	}
	L.c = c;
	if (strspn(text, " \t\r\n") == size) {
		err_set(e, ERR_INPUT, "%s: empty file; expected a JSON object", name);
		goto bad;
	}
	if (strlen(text) != size) {
		err_set(e, ERR_INPUT, "%s: contains a NUL byte", name);
		goto bad;
	}
	const char *end = NULL;
	root = cJSON_ParseWithOpts(text, &end, 1);
	if (!root) {
		config_syntax_error(L.name, text, end ? end : cJSON_GetErrorPtr(), L.e);
		goto bad;
	}
	for (int i = 0; i < nsets; i++)
		if (apply_set(&L, root, sets[i]) < 0)
			goto bad;
	res = cJSON_CreateObject();
	if (!res) {
		oom(&L);
		goto bad;
	}
	if (load_top(&L, root, res) < 0)
		goto bad;
	if (exact_numbers(res) != 0) {
		oom(&L);
		goto bad;
	}
	c->resolved_json = cJSON_Print(res);
	flat = cJSON_PrintUnformatted(res);
	if (!c->resolved_json || !flat) {
		oom(&L);
		goto bad;
	}
	snprintf(c->hash, sizeof c->hash, "%016llx", (unsigned long long)fnv1a64(flat));
	cJSON_free(flat);
	cJSON_Delete(root);
	cJSON_Delete(res);
	free(dir);
	return c;
bad:
	cJSON_free(flat);
	cJSON_Delete(root);
	cJSON_Delete(res);
	free(dir);
	config_free(c);
	return NULL;
}

struct config *config_parse(const char *text, const char *name,
			    const char *const *sets, int nsets, struct err *e)
{
	if (!text) {
		err_set(e, ERR_INTERNAL, "config_parse: no text");
		return NULL;
	}
	return load(text, strlen(text), name ? name : "<string>", NULL, sets, nsets, e);
}

struct config *config_load(const char *path, const char *const *sets, int nsets,
			   struct err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		err_set(e, ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - 1 - n, f);
		if (n < cap - 1)
			break;
		char *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	int rerr = ferror(f) ? errno : 0;
	fclose(f);
	if (!buf) {
		err_set(e, ERR_INTERNAL, "%s: out of memory", path);
		return NULL;
	}
	if (rerr) {
		free(buf);
		err_set(e, ERR_INPUT, "%s: cannot read: %s", path, strerror(rerr));
		return NULL;
	}
	buf[n] = '\0';
	/* relative paths in the file resolve against its directory */
	char *dir = NULL;
	const char *slash = strrchr(path, '/');
	if (slash && !(slash - path == 1 && path[0] == '.')) {
		dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
		if (!dir) {
			free(buf);
			err_set(e, ERR_INTERNAL, "%s: out of memory", path);
			return NULL;
		}
	}
	struct config *c = load(buf, n, path, dir, sets, nsets, e);
	free(buf);
	return c;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	for (int i = 0; c->sources && i < c->nsources; i++) {
		struct cfg_source *s = &c->sources[i];
		free(s->topic);
		if (s->workload)
			params_free(s->workload->params, s->workload->nparams, s->workload_params);
		else
			free(s->workload_params);
		arrivals_free(s->merge, s->nmerge);
		free(s->targets);
		dist_free(s->rebalance_s);
	}
	for (int i = 0; c->functions && i < c->nfunctions; i++) {
		struct cfg_function *f = &c->functions[i];
		free(f->name);
		dist_free(f->service);
		dist_free(f->cold_start);
		dist_free(f->outputs);
		dist_free(f->io_gets);
		dist_free(f->io_puts);
		dist_free(f->io_get_bytes);
		dist_free(f->io_put_bytes);
		dist_free(f->replica_ttf);
		free(f->edges);
		if (c->policy)
			params_free(c->policy->params, c->policy->nparams, f->policy_params);
		else
			free(f->policy_params);
	}
	free(c->sources);
	free(c->functions);
	for (int i = 0; i < c->cluster.nclasses; i++)
		free(c->cluster.classes[i].name);
	free(c->cluster.classes);
	dist_free(c->cluster.slowdown);
	dist_free(c->cluster.episode_s);
	dist_free(c->cluster.inflation);
	dist_free(c->cluster.node_ttf);
	dist_free(c->cluster.node_repair);
	free(c->cluster.schedule);
	dist_free(c->objstore.get_latency);
	dist_free(c->objstore.put_latency);
	plugin_close(c->plugin);   /* after the params its table describes */
	free(c->plugin_path);
	free(c->plugin_symbol);
	free(c->path);
	free(c->experiment);
	free(c->rng_type);
	free(c->resolved_json);
	free(c);
}

int config_function_index(const struct config *c, const char *name)
{
	for (int i = 0; c && name && i < c->nfunctions; i++)
		if (c->functions[i].name && strcmp(c->functions[i].name, name) == 0)
			return i;
	return -1;
}
