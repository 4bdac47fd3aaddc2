/*
 * sweep: sweep files, their expansion into runs, the worker processes that
 * run them, and the merge of results databases (see sweep.h).
 *
 * Design. A sweep is parsed once into axes of exact JSON value texts; run i
 * is decoded from its index alone (mixed radix over the dimensions, the last
 * fastest, replications innermost), so a worker needs nothing but the index
 * and results cannot depend on which worker ran what. The parent process
 * owns the output database; workers are forked (no exec: they share the
 * parsed sweep) and each talks to the parent over its own socket pair: the
 * parent writes a run index, the worker answers with one fixed-size result
 * record. Indices are handed out one at a time as workers finish, so a few
 * long runs do not leave the other workers idle.
 * A worker runs into a private shard database and then copies the run into
 * the output in one short transaction (merge_from, the same code as `spate
 * merge`): SQLite allows one writer at a time and a run holds its write
 * lock from begin to end, so sharing the output directly would serialise the
 * workers. The shard directory DB.sweep-HASH/ is the sweep's scratch space
 * and its lock; whatever finished runs a killed sweep left in it are copied
 * into the output at the next start, before the output is asked which runs
 * are done, so a kill at any moment loses no finished run and repeats none
 * ((sweep, sweep_run) is unique, and merges skip what is already there).
 * sweep_run is sweep_job_start (lock, recovery, what to run), the forked
 * workers, and sweep_job_finish (last recovery, closing line); sweep_mpi.c
 * drives the same two steps with MPI ranks for workers, whose runs stay in
 * their shards (sweep_run_one) until sweep_job_finish merges them.
 * Invariants: the parent never holds an SQLite connection across fork();
 * a shard is removed with its journal before reuse (a stale hot journal
 * would be replayed into the new file); only runs with status 'done' leave
 * a shard; a worker that loses its parent exits without committing.
 * Access pattern: parsing and expansion are trivial next to the runs; the
 * parent sleeps in poll() and wakes per finished run or every 200 ms for
 * the progress bar and the interrupt flag. cJSON and sqlite3 are used here
 * only for what no shared module offers (the sweep file; reading which runs
 * are done, and merging).
 */
#include "sweep.h"

#include "config.h"
#include "err.h"
#include "rec.h"
#include "runner.h"
#include "suggest.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define SWEEP_MAX_RUNS 10000000
#define SWEEP_MAX_REPLICATIONS 1000000
#define SWEEP_SEED_MAX 9007199254740992.0     /* 2^53, like config's seed */
/* The output is written in short merges, but another program (a long
 * `spate run` into the same database) may hold it for a whole run. */
#define SWEEP_BUSY_MS 600000
#define SWEEP_TICK_MS 200

/* --------------------------------------------------------------- helpers */

static char *sw_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sw_fmt(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static uint64_t sw_fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static double sw_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Reads a whole file into a NUL-terminated buffer. */
static char *sw_read_file(const char *path, struct err *e)
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
		if (!nb)
			free(buf);
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
	if (strlen(buf) != n) {
		free(buf);
		err_set(e, ERR_INPUT, "%s: contains a NUL byte", path);
		return NULL;
	}
	return buf;
}

/* "; did you mean 'x'?" or "; LABEL: a, b, c" into buf. */
static void sw_suggest(const char *given, const char *const *cand, size_t n,
		       const char *label, char *buf, size_t cap)
{
	const char *near = suggest_closest(given, cand, n);
	if (near) {
		snprintf(buf, cap, "; did you mean '%s'?", near);
		return;
	}
	size_t len = (size_t)snprintf(buf, cap, "; %s: ", label);
	for (size_t i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ", " : "",
					cand[i]);
	if (n == 0 && len < cap)
		snprintf(buf + len, cap - len, "(none)");
}

/* A short description of a JSON value for "got ..." in messages. */
static const char *sw_kind(const cJSON *v)
{
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsArray(v))
		return "an array";
	return "an object";
}

/* Shortest %g text that reads back to the same double. */
static void sw_num(double v, char *buf, size_t cap)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, cap, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* cJSON prints numbers with 15 digits; a value passed on to config must
 * read back as the very double the sweep file held, so every number below
 * node becomes raw text in its exact shortest form. -1: out of memory;
 * -2: a number is not finite (1e999 parses as infinity). */
static int sw_exact_tree(cJSON *node)
{
	for (cJSON *it = node ? node->child : NULL; it; it = it->next) {
		if (cJSON_IsNumber(it)) {
			if (!isfinite(it->valuedouble))
				return -2;
			char buf[40];
			sw_num(it->valuedouble, buf, sizeof buf);
			cJSON *raw = cJSON_CreateRaw(buf);
			int ok = raw && (it->string
				? cJSON_ReplaceItemInObjectCaseSensitive(node, it->string, raw)
				: cJSON_ReplaceItemViaPointer(node, it, raw));
			if (!ok) {
				cJSON_Delete(raw);
				return -1;
			}
			it = raw;
		} else {
			int rc = sw_exact_tree(it);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/* v as compact JSON text with exact numbers; NULL and *why (-1 memory, -2
 * not finite). */
static char *sw_print(const cJSON *v, int *why)
{
	*why = -1;
	if (cJSON_IsNumber(v)) {
		if (!isfinite(v->valuedouble)) {
			*why = -2;
			return NULL;
		}
		char buf[40];
		sw_num(v->valuedouble, buf, sizeof buf);
		return strdup(buf);
	}
	cJSON *dup = cJSON_Duplicate(v, 1);
	if (!dup)
		return NULL;
	int rc = sw_exact_tree(dup);
	char *text = NULL;
	if (rc == 0) {
		char *t = cJSON_PrintUnformatted(dup);
		text = t ? strdup(t) : NULL;
		cJSON_free(t);
	} else {
		*why = rc;
	}
	cJSON_Delete(dup);
	return text;
}

/* --------------------------------------------------------------- parsing */

struct sw_axis {
	char *path;
	char **values;     /* exact JSON text */
	int nvalues;
	int zip;           /* zip group, or -1 */
	int dim;           /* dimension of the expansion it moves with */
};

struct sweep {
	char *name;            /* the file as given, for messages */
	char *base_path;       /* NULL: inline base */
	char *base_text;       /* inline base as exact JSON text */
	char *base_name;       /* what config messages call the base */
	char *experiment_set;  /* "experiment=..." or NULL */
	char base_hash[17];
	struct sw_axis *axes;
	int naxes;
	const char **paths;    /* [naxes], for runner_opts */
	int *dim_len;          /* values per dimension */
	int ndims;
	int replications;
	uint64_t seed;
	size_t nruns;
	char hash[17];
};

static int sw_oom(const char *name, struct err *e)
{
	return err_set(e, ERR_INTERNAL, "%s: out of memory", name);
}

/* Checks that obj has only the allowed keys, once each. at: the JSON path
 * of obj ("" for the top). */
static int sw_keys(const char *name, const char *at, const cJSON *obj,
		   const char *const *keys, size_t nkeys, struct err *e)
{
	for (const cJSON *it = obj->child; it; it = it->next) {
		size_t k = 0;
		while (k < nkeys && strcmp(it->string, keys[k]) != 0)
			k++;
		if (k == nkeys) {
			char sug[300];
			sw_suggest(it->string, keys, nkeys, "valid keys", sug,
				   sizeof sug);
			return err_set(e, ERR_INPUT, "%s: %s%s%s: unknown key%s",
				       name, at, *at ? "." : "", it->string, sug);
		}
		for (const cJSON *o = obj->child; o != it; o = o->next)
			if (strcmp(o->string, it->string) == 0)
				return err_set(e, ERR_INPUT,
					       "%s: %s%s%s: duplicate key", name,
					       at, *at ? "." : "", it->string);
	}
	return 0;
}

/* What is wrong with a --set path, or NULL: keys separated by '.', [N]
 * indices after a key, no '=' (it ends the path in a set string). */
static const char *sw_path_problem(const char *p)
{
	if (!*p)
		return "must not be empty";
	if (strchr(p, '='))
		return "must not contain '='";
	if (*p == '[' || *p == '.')
		return "must start with a key";
	while (*p) {
		size_t key = strcspn(p, ".[]");
		if (p[key] == ']')
			return "has a ']' without '['";
		if (key == 0 && *p == '.')
			return "has an empty key";
		p += key;
		while (*p == '[') {
			size_t dig = strspn(p + 1, "0123456789");
			if (dig == 0 || p[1 + dig] != ']')
				return "has a bad index (expected [N])";
			p += dig + 2;
		}
		if (*p == '.') {
			p++;
			if (!*p || *p == '.' || *p == '[')
				return "has an empty key";
		} else if (*p && *p != '[') {
			return "has a bad character after an index";
		}
	}
	return NULL;
}

static int sw_int(const cJSON *v, double lo, double hi, double *out)
{
	if (!cJSON_IsNumber(v))
		return -1;
	double x = v->valuedouble;
	if (!isfinite(x) || x != floor(x) || x < lo || x > hi)
		return -1;
	*out = x;
	return 0;
}

static int sw_parse_vary(struct sweep *s, const cJSON *vary, struct err *e)
{
	static const char *const keys[] = { "path", "values" };
	const char *name = s->name;
	if (!vary)
		return 0;
	if (!cJSON_IsArray(vary))
		return err_set(e, ERR_INPUT,
			       "%s: vary: must be an array of {\"path\", \"values\"}, got %s",
			       name, sw_kind(vary));
	int n = cJSON_GetArraySize(vary);
	s->axes = calloc((size_t)n + 1, sizeof *s->axes);
	s->paths = calloc((size_t)n + 1, sizeof *s->paths);
	if (!s->axes || !s->paths)
		return sw_oom(name, e);
	int a = 0;
	for (const cJSON *it = vary->child; it; it = it->next, a++) {
		struct sw_axis *ax = &s->axes[a];
		char at[32];
		snprintf(at, sizeof at, "vary[%d]", a);
		ax->zip = -1;
		if (!cJSON_IsObject(it))
			return err_set(e, ERR_INPUT,
				       "%s: %s: must be an object {\"path\", \"values\"}, got %s",
				       name, at, sw_kind(it));
		if (sw_keys(name, at, it, keys, 2, e) != 0)
			return -1;
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(it, "path");
		const cJSON *vals = cJSON_GetObjectItemCaseSensitive(it, "values");
		if (!p)
			return err_set(e, ERR_INPUT, "%s: %s.path: required", name, at);
		if (!cJSON_IsString(p))
			return err_set(e, ERR_INPUT,
				       "%s: %s.path: must be a string, got %s",
				       name, at, sw_kind(p));
		const char *why = sw_path_problem(p->valuestring);
		if (why)
			return err_set(e, ERR_INPUT, "%s: %s.path: '%s' %s",
				       name, at, p->valuestring, why);
		static const char *const reserved[] = { "seed", "replication",
							"experiment" };
		for (size_t r = 0; r < 3; r++)
			if (strcmp(p->valuestring, reserved[r]) == 0)
				return err_set(e, ERR_INPUT,
					       "%s: %s.path: '%s' is set by the sweep;"
					       " use the sweep's \"%s\" key",
					       name, at, reserved[r],
					       r == 1 ? "replications" : reserved[r]);
		for (int b = 0; b < a; b++)
			if (strcmp(s->axes[b].path, p->valuestring) == 0)
				return err_set(e, ERR_INPUT,
					       "%s: %s.path: '%s' is already vary[%d]",
					       name, at, p->valuestring, b);
		if (!(ax->path = strdup(p->valuestring)))
			return sw_oom(name, e);
		s->paths[a] = ax->path;
		s->naxes = a + 1;
		if (!vals)
			return err_set(e, ERR_INPUT, "%s: %s.values: required",
				       name, at);
		if (!cJSON_IsArray(vals) || cJSON_GetArraySize(vals) == 0)
			return err_set(e, ERR_INPUT,
				       "%s: %s.values: must be a non-empty array, got %s",
				       name, at,
				       cJSON_IsArray(vals) ? "[]" : sw_kind(vals));
		int nv = cJSON_GetArraySize(vals);
		if (!(ax->values = calloc((size_t)nv, sizeof *ax->values)))
			return sw_oom(name, e);
		int v = 0;
		for (const cJSON *x = vals->child; x; x = x->next, v++) {
			int how;
			if (!(ax->values[v] = sw_print(x, &how)))
				return how == -2
					? err_set(e, ERR_INPUT,
						  "%s: %s.values[%d]: a number is not finite",
						  name, at, v)
					: sw_oom(name, e);
			ax->nvalues = v + 1;
		}
	}
	return 0;
}

static int sw_parse_zip(struct sweep *s, const cJSON *zip, struct err *e)
{
	const char *name = s->name;
	if (!zip)
		return 0;
	if (!cJSON_IsArray(zip))
		return err_set(e, ERR_INPUT,
			       "%s: zip: must be an array of arrays of vary paths, got %s",
			       name, sw_kind(zip));
	int g = 0;
	for (const cJSON *grp = zip->child; grp; grp = grp->next, g++) {
		if (!cJSON_IsArray(grp) || cJSON_GetArraySize(grp) < 2)
			return err_set(e, ERR_INPUT,
				       "%s: zip[%d]: must be an array of at least two vary paths",
				       name, g);
		int k = 0, first = -1;
		for (const cJSON *p = grp->child; p; p = p->next, k++) {
			if (!cJSON_IsString(p))
				return err_set(e, ERR_INPUT,
					       "%s: zip[%d][%d]: must be a vary path (a string), got %s",
					       name, g, k, sw_kind(p));
			int a = 0;
			while (a < s->naxes && strcmp(s->axes[a].path, p->valuestring) != 0)
				a++;
			if (a == s->naxes) {
				char sug[600];
				sw_suggest(p->valuestring, s->paths, (size_t)s->naxes,
					   "vary paths", sug, sizeof sug);
				return err_set(e, ERR_INPUT,
					       "%s: zip[%d][%d]: '%s' is not a vary path%s",
					       name, g, k, p->valuestring, sug);
			}
			struct sw_axis *ax = &s->axes[a];
			if (ax->zip == g)
				return err_set(e, ERR_INPUT,
					       "%s: zip[%d][%d]: '%s' is listed twice",
					       name, g, k, ax->path);
			if (ax->zip >= 0)
				return err_set(e, ERR_INPUT,
					       "%s: zip[%d][%d]: '%s' is already in zip[%d]",
					       name, g, k, ax->path, ax->zip);
			ax->zip = g;
			if (first < 0)
				first = a;
			else if (ax->nvalues != s->axes[first].nvalues)
				return err_set(e, ERR_INPUT,
					       "%s: zip[%d]: zipped axes must have equal numbers"
					       " of values: '%s' has %d, '%s' has %d",
					       name, g, s->axes[first].path,
					       s->axes[first].nvalues, ax->path,
					       ax->nvalues);
		}
	}
	return 0;
}

/* Groups the axes into dimensions (a zip group is one, where its first
 * member stands) and counts the runs. */
static int sw_expand(struct sweep *s, struct err *e)
{
	s->dim_len = calloc((size_t)s->naxes + 1, sizeof *s->dim_len);
	if (!s->dim_len)
		return sw_oom(s->name, e);
	double runs = s->replications;
	for (int a = 0; a < s->naxes; a++) {
		struct sw_axis *ax = &s->axes[a];
		int b = 0;
		if (ax->zip >= 0)
			while (b < a && s->axes[b].zip != ax->zip)
				b++;
		if (ax->zip >= 0 && b < a) {
			ax->dim = s->axes[b].dim;
			continue;
		}
		ax->dim = s->ndims;
		s->dim_len[s->ndims++] = ax->nvalues;
		runs *= ax->nvalues;
	}
	if (runs > SWEEP_MAX_RUNS)
		return err_set(e, ERR_INPUT,
			       "%s: the sweep expands to %.0f runs, more than %d",
			       s->name, runs, SWEEP_MAX_RUNS);
	s->nruns = (size_t)runs;
	return 0;
}

/* The sets that make run i (without the axes when axes == 0): axis values,
 * seed, replication, experiment. *sets is one allocation: pointers then
 * text. */
static int sw_sets(const struct sweep *s, size_t i, const char ***sets,
		   int *nsets)
{
	size_t r = i % (size_t)s->replications, point = i / (size_t)s->replications;
	size_t idx[64], *pidx = s->ndims <= 64 ? idx
				: malloc((size_t)s->ndims * sizeof *pidx);
	if (!pidx)
		return -1;
	for (int d = s->ndims - 1; d >= 0; d--) {
		pidx[d] = point % (size_t)s->dim_len[d];
		point /= (size_t)s->dim_len[d];
	}
	int n = s->naxes + 2 + (s->experiment_set != NULL);
	size_t text = 0;
	for (int a = 0; a < s->naxes; a++)
		text += strlen(s->axes[a].path) + 1 +
			strlen(s->axes[a].values[pidx[s->axes[a].dim]]) + 1;
	text += 2 * 40 + (s->experiment_set ? strlen(s->experiment_set) + 1 : 0);
	char **v = malloc((size_t)n * sizeof *v + text);
	if (!v) {
		if (pidx != idx)
			free(pidx);
		return -1;
	}
	char *p = (char *)(v + n), *end = p + text;
	for (int a = 0; a < s->naxes; a++) {
		v[a] = p;
		p += snprintf(p, (size_t)(end - p), "%s=%s", s->axes[a].path,
			      s->axes[a].values[pidx[s->axes[a].dim]]) + 1;
	}
	v[s->naxes] = p;
	p += snprintf(p, (size_t)(end - p), "seed=%llu",
		      (unsigned long long)(s->seed + r)) + 1;
	v[s->naxes + 1] = p;
	p += snprintf(p, (size_t)(end - p), "replication=%zu", r) + 1;
	if (s->experiment_set) {
		v[s->naxes + 2] = p;
		snprintf(p, (size_t)(end - p), "%s", s->experiment_set);
	}
	if (pidx != idx)
		free(pidx);
	*sets = (const char **)v;
	*nsets = n;
	return 0;
}

static struct config *sw_load_config(const struct sweep *s,
				     const char *const *sets, int nsets,
				     struct err *e)
{
	return s->base_path ? config_load(s->base_path, sets, nsets, e)
			    : config_parse(s->base_text, s->base_name, sets,
					   nsets, e);
}

/* Loads the base alone: it must be valid by itself, and its resolved hash
 * and seed are the sweep's. */
static int sw_base(struct sweep *s, const cJSON *base, const char *dir,
		   int have_seed, struct err *e)
{
	const char *name = s->name;
	if (!base)
		return err_set(e, ERR_INPUT,
			       "%s: base: required: a config file path or an inline config object",
			       name);
	if (cJSON_IsString(base)) {
		const char *p = base->valuestring;
		if (!*p)
			return err_set(e, ERR_INPUT, "%s: base: must not be empty", name);
		s->base_path = p[0] == '/' || !dir ? strdup(p)
			       : sw_fmt("%s/%s", dir, p);
		s->base_name = s->base_path ? strdup(s->base_path) : NULL;
	} else if (cJSON_IsObject(base)) {
		int how;
		s->base_text = sw_print(base, &how);
		if (!s->base_text && how == -2)
			return err_set(e, ERR_INPUT,
				       "%s: base: a number is not finite", name);
		s->base_name = sw_fmt("%s: base", name);
		/* an inline base is named after the sweep file, not after
		 * "name: base" */
		if (s->base_text && !s->experiment_set &&
		    !cJSON_GetObjectItemCaseSensitive(base, "experiment")) {
			const char *b = strrchr(name, '/');
			b = b ? b + 1 : name;
			size_t n = strlen(b);
			if (n > 5 && strcmp(b + n - 5, ".json") == 0)
				n -= 5;
			char *q = strndup(b, n);
			cJSON *str = q ? cJSON_CreateString(q) : NULL;
			char *t = str ? cJSON_PrintUnformatted(str) : NULL;
			s->experiment_set = t ? sw_fmt("experiment=%s", t) : NULL;
			cJSON_free(t);
			cJSON_Delete(str);
			free(q);
			if (!s->experiment_set)
				return sw_oom(name, e);
		}
	} else {
		return err_set(e, ERR_INPUT,
			       "%s: base: must be a config file path or an inline config object, got %s",
			       name, sw_kind(base));
	}
	if (!s->base_name || (!s->base_path && !s->base_text))
		return sw_oom(name, e);
	const char *sets[1] = { s->experiment_set };
	struct config *c = sw_load_config(s, sets, s->experiment_set ? 1 : 0, e);
	if (!c) {
		if (s->base_path)
			err_prefix(e, "%s: base", name);
		return -1;
	}
	memcpy(s->base_hash, c->hash, sizeof s->base_hash);
	if (!have_seed)
		s->seed = c->seed;
	config_free(c);
	return 0;
}

/* Appends a copy of raw JSON text to arr; 0 or -1. */
static int sw_add_raw(cJSON *arr, const char *text)
{
	cJSON *raw = cJSON_CreateRaw(text);
	if (raw && cJSON_AddItemToArray(arr, raw))
		return 0;
	cJSON_Delete(raw);
	return -1;
}

/* FNV-1a of the canonical sweep text (every key, defaults filled in, values
 * exact), then of the base's resolved hash. */
static int sw_hash(struct sweep *s, struct err *e)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *vary = root ? cJSON_AddArrayToObject(root, "vary") : NULL;
	int ok = vary != NULL;
	for (int a = 0; ok && a < s->naxes; a++) {
		cJSON *ax = cJSON_CreateObject();
		if (!ax || !cJSON_AddItemToArray(vary, ax)) {
			cJSON_Delete(ax);
			ok = 0;
			break;
		}
		cJSON *vals;
		ok = cJSON_AddStringToObject(ax, "path", s->axes[a].path) &&
		     (vals = cJSON_AddArrayToObject(ax, "values"));
		for (int v = 0; ok && v < s->axes[a].nvalues; v++)
			ok = sw_add_raw(vals, s->axes[a].values[v]) == 0;
	}
	/* zip groups as the dimensions they make: in axis order, so the
	 * order they were listed in does not matter */
	cJSON *z = ok ? cJSON_AddArrayToObject(root, "zip") : NULL;
	ok = z != NULL;
	for (int a = 0; ok && a < s->naxes; a++) {
		int g = s->axes[a].zip, first = 1;
		for (int b = 0; g >= 0 && b < a; b++)
			first &= s->axes[b].zip != g;
		if (g < 0 || !first)
			continue;
		cJSON *grp = cJSON_CreateArray();
		ok = grp && cJSON_AddItemToArray(z, grp);
		if (!ok) {
			cJSON_Delete(grp);
			break;
		}
		for (int b = a; ok && b < s->naxes; b++)
			if (s->axes[b].zip == g) {
				cJSON *p = cJSON_CreateString(s->axes[b].path);
				ok = p && cJSON_AddItemToArray(grp, p);
				if (!ok)
					cJSON_Delete(p);
			}
	}
	char seed[32];
	snprintf(seed, sizeof seed, "%llu", (unsigned long long)s->seed);
	const char *exp = s->experiment_set ? strchr(s->experiment_set, '=') + 1
					    : "null";
	ok = ok && cJSON_AddNumberToObject(root, "replications", s->replications) &&
	     cJSON_AddRawToObject(root, "seed", seed) &&
	     cJSON_AddRawToObject(root, "experiment", exp);
	char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
	cJSON_Delete(root);
	if (!text)
		return sw_oom(s->name, e);
	uint64_t h = sw_fnv1a(14695981039346656037ULL, text);
	h = sw_fnv1a(h, "\n");
	h = sw_fnv1a(h, s->base_hash);
	cJSON_free(text);
	snprintf(s->hash, sizeof s->hash, "%016llx", (unsigned long long)h);
	return 0;
}

static struct sweep *sw_parse(const char *text, const char *name,
			      const char *dir, struct err *e)
{
	static const char *const keys[] = { "base", "vary", "zip",
					     "replications", "seed",
					     "experiment" };
	struct sweep *s = calloc(1, sizeof *s);
	cJSON *root = NULL;
	if (!s || !(s->name = strdup(name))) {
		free(s);
		sw_oom(name, e);
		return NULL;
	}
	if (strspn(text, " \t\r\n") == strlen(text)) {
		err_set(e, ERR_INPUT, "%s: empty file; expected a JSON object", name);
		goto bad;
	}
	const char *end = NULL;
	root = cJSON_ParseWithOpts(text, &end, 1);
	if (!root) {
		config_syntax_error(name, text, end ? end : cJSON_GetErrorPtr(), e);
		goto bad;
	}
	if (!cJSON_IsObject(root)) {
		err_set(e, ERR_INPUT, "%s: must be a JSON object, got %s", name,
			sw_kind(root));
		goto bad;
	}
	if (sw_keys(name, "", root, keys, sizeof keys / sizeof keys[0], e) != 0 ||
	    sw_parse_vary(s, cJSON_GetObjectItemCaseSensitive(root, "vary"), e) != 0 ||
	    sw_parse_zip(s, cJSON_GetObjectItemCaseSensitive(root, "zip"), e) != 0)
		goto bad;
	const cJSON *reps = cJSON_GetObjectItemCaseSensitive(root, "replications");
	const cJSON *seed = cJSON_GetObjectItemCaseSensitive(root, "seed");
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(root, "experiment");
	double x = 1;
	if (reps && sw_int(reps, 1, SWEEP_MAX_REPLICATIONS, &x) != 0) {
		char got[40] = "";
		if (cJSON_IsNumber(reps))
			sw_num(reps->valuedouble, got, sizeof got);
		err_set(e, ERR_INPUT,
			"%s: replications: must be an integer in [1, %d], got %s",
			name, SWEEP_MAX_REPLICATIONS, *got ? got : sw_kind(reps));
		goto bad;
	}
	s->replications = (int)x;
	if (seed) {
		if (sw_int(seed, 0, SWEEP_SEED_MAX, &x) != 0) {
			char got[40] = "";
			if (cJSON_IsNumber(seed))
				sw_num(seed->valuedouble, got, sizeof got);
			err_set(e, ERR_INPUT,
				"%s: seed: must be an integer in [0, 2^53], got %s",
				name, *got ? got : sw_kind(seed));
			goto bad;
		}
		s->seed = (uint64_t)x;
	}
	if (exp) {
		if (!cJSON_IsString(exp) || !*exp->valuestring) {
			err_set(e, ERR_INPUT,
				"%s: experiment: must be a non-empty string, got %s",
				name, cJSON_IsString(exp) ? "\"\"" : sw_kind(exp));
			goto bad;
		}
		char *t = cJSON_PrintUnformatted(exp);
		s->experiment_set = t ? sw_fmt("experiment=%s", t) : NULL;
		cJSON_free(t);
		if (!s->experiment_set) {
			sw_oom(name, e);
			goto bad;
		}
	}
	if (sw_expand(s, e) != 0 ||
	    sw_base(s, cJSON_GetObjectItemCaseSensitive(root, "base"), dir,
		    seed != NULL, e) != 0)
		goto bad;
	if (s->seed > (uint64_t)SWEEP_SEED_MAX - (uint64_t)(s->replications - 1)) {
		err_set(e, ERR_INPUT,
			"%s: seed: %llu + %d replications exceeds 2^53", name,
			(unsigned long long)s->seed, s->replications);
		goto bad;
	}
	if (sw_hash(s, e) != 0)
		goto bad;
	cJSON_Delete(root);
	return s;
bad:
	cJSON_Delete(root);
	sweep_free(s);
	return NULL;
}

struct sweep *sweep_parse(const char *text, const char *name, struct err *e)
{
	if (!text) {
		err_set(e, ERR_INTERNAL, "sweep_parse: no text");
		return NULL;
	}
	return sw_parse(text, name ? name : "<string>", NULL, e);
}

struct sweep *sweep_load(const char *path, struct err *e)
{
	if (!path) {
		err_set(e, ERR_INTERNAL, "sweep_load: no path");
		return NULL;
	}
	char *text = sw_read_file(path, e);
	if (!text)
		return NULL;
	char *dir = NULL;
	const char *slash = strrchr(path, '/');
	if (slash) {
		dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
		if (!dir) {
			free(text);
			err_set(e, ERR_INTERNAL, "%s: out of memory", path);
			return NULL;
		}
	}
	struct sweep *s = sw_parse(text, path, dir, e);
	free(dir);
	free(text);
	return s;
}

void sweep_free(struct sweep *s)
{
	if (!s)
		return;
	for (int a = 0; s->axes && a < s->naxes; a++) {
		for (int v = 0; v < s->axes[a].nvalues; v++)
			free(s->axes[a].values[v]);
		free(s->axes[a].values);
		free(s->axes[a].path);
	}
	free(s->axes);
	free(s->paths);
	free(s->dim_len);
	free(s->name);
	free(s->base_path);
	free(s->base_text);
	free(s->base_name);
	free(s->experiment_set);
	free(s);
}

const char *sweep_hash(const struct sweep *s)
{
	return s->hash;
}

size_t sweep_nruns(const struct sweep *s)
{
	return s->nruns;
}

int sweep_replications(const struct sweep *s)
{
	return s->replications;
}

int sweep_naxes(const struct sweep *s)
{
	return s->naxes;
}

const char *sweep_axis(const struct sweep *s, int a)
{
	return a >= 0 && a < s->naxes ? s->axes[a].path : NULL;
}

const char *sweep_value(const struct sweep *s, size_t i, int a)
{
	if (i >= s->nruns || a < 0 || a >= s->naxes)
		return NULL;
	size_t point = i / (size_t)s->replications;
	for (int d = s->ndims - 1; d > s->axes[a].dim; d--)
		point /= (size_t)s->dim_len[d];
	return s->axes[a].values[point % (size_t)s->dim_len[s->axes[a].dim]];
}

int sweep_replication(const struct sweep *s, size_t i)
{
	return i < s->nruns ? (int)(i % (size_t)s->replications) : -1;
}

uint64_t sweep_seed(const struct sweep *s, size_t i)
{
	return s->seed + (uint64_t)(i % (size_t)s->replications);
}

/* "run 5 (autoscaler.policy="kpa", replication 1)" */
static void sw_describe(const struct sweep *s, size_t i, char *buf, size_t cap)
{
	size_t len = (size_t)snprintf(buf, cap, "run %zu (", i);
	for (int a = 0; a < s->naxes && len < cap; a++)
		len += (size_t)snprintf(buf + len, cap - len, "%s=%s, ",
					s->axes[a].path, sweep_value(s, i, a));
	if (len < cap)
		snprintf(buf + len, cap - len, "replication %d)",
			 sweep_replication(s, i));
}

static struct config *sw_config(const struct sweep *s, size_t i, struct err *e)
{
	if (i >= s->nruns) {
		err_set(e, ERR_INTERNAL, "%s: run %zu out of range (%zu runs)",
			s->name, i, s->nruns);
		return NULL;
	}
	const char **sets = NULL;
	int nsets = 0;
	if (sw_sets(s, i, &sets, &nsets) != 0) {
		sw_oom(s->name, e);
		return NULL;
	}
	struct config *c = sw_load_config(s, sets, nsets, e);
	free(sets);
	return c;
}

struct config *sweep_config(const struct sweep *s, size_t i, struct err *e)
{
	struct config *c = sw_config(s, i, e);
	if (!c && i < s->nruns) {
		char d[700];
		sw_describe(s, i, d, sizeof d);
		err_prefix(e, "%s", d);
	}
	return c;
}

/* -------------------------------------------------------------- databases */

static int sw_db_fail(sqlite3 *db, const char *path, const char *what,
		      struct err *e)
{
	int rc = sqlite3_errcode(db) & 0xff;
	enum err_code code = rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN ||
			     rc == SQLITE_PERM || rc == SQLITE_NOTADB
		? ERR_INPUT : ERR_INTERNAL;
	return err_set(e, code, "%s: %s: %s", path, what, sqlite3_errmsg(db));
}

static int sw_db_open(const char *path, int readonly, sqlite3 **db,
		      struct err *e)
{
	int rc = sqlite3_open_v2(path, db,
				 readonly ? SQLITE_OPEN_READONLY
					  : SQLITE_OPEN_READWRITE, NULL);
	if (!*db)
		return err_set(e, ERR_INTERNAL, "%s: out of memory", path);
	if (rc != SQLITE_OK) {
		sw_db_fail(*db, path, "cannot open", e);
		sqlite3_close(*db);
		*db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(*db, SWEEP_BUSY_MS);
	return 0;
}

static int sw_exec(sqlite3 *db, const char *path, const char *sql,
		   struct err *e)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sw_db_fail(db, path, sql, e);
	return 0;
}

/* Runs one statement with up to one integer (?1) and one text (?2)
 * parameter; *out (may be NULL) receives the first column of the first row
 * as an integer. */
static int sw_stmt(sqlite3 *db, const char *path, const char *sql, int64_t i1,
		   const char *t2, int64_t *out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return sw_db_fail(db, path, "preparing", e);
	int np = sqlite3_bind_parameter_count(st);
	if (np >= 1)
		sqlite3_bind_int64(st, 1, i1);
	if (np >= 2)
		sqlite3_bind_text(st, 2, t2, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && out)
		*out = sqlite3_column_int64(st, 0);
	int ret = 0;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sw_db_fail(db, path, "merging", e);
	sqlite3_finalize(st);
	return ret;
}

/* Every table a run has rows in, and their columns after run_id. */
static const char *const sw_tables[][2] = {
	{ "runs", "experiment, policy, seed, replication, config_json,"
		  " config_hash, spate_version, started_at, wall_s, events,"
		  " status, sweep, sweep_run" },
	{ "run_axes", "axis, value" },
	{ "timeline", "t, function, pending, ready, busy, draining, queue_len,"
		      " inflight, arrival_rate, lag" },
	{ "decisions", "t, function, from_replicas, to_replicas, reason,"
		       " observed" },
	{ "latency_hist", "scope, lo, hi, count" },
	{ "summary", "scope, metric, value" },
	{ "node_timeline", "t, node, class, up, speed, replicas, slots_used" },
	{ "node_events", "t, node, event, value" },
	{ "group_events", "t, topic, event, members, paused" },
	{ "partition_timeline", "t, topic, partition, end_offset, committed,"
				" lag, paused" },
};

/* Copies the runs of the database at src into the connection db (main, at
 * out_path), with run_ids above main's, in one transaction. A run main
 * already has is skipped (see sweep_merge). only_sweep: copy only that
 * sweep's 'done' runs, and treat a src without a schema (a shard whose
 * first run was killed) as empty. The write lock on main is taken first,
 * so src is only read, under a shared lock, and may be busy with a writer
 * of its own. */
static int merge_from(sqlite3 *db, const char *out_path, const char *src,
		      const char *only_sweep, size_t *copied, size_t *skipped,
		      struct err *e)
{
	struct stat st;
	if (stat(src, &st) != 0)
		return err_set(e, ERR_INPUT, "%s: cannot open: %s", src,
			       strerror(errno));
	if (!S_ISREG(st.st_mode))
		return err_set(e, ERR_INPUT, "%s: not a regular file", src);
	sqlite3_stmt *at = NULL;
	if (sqlite3_prepare_v2(db, "ATTACH ?1 AS src", -1, &at, NULL) != SQLITE_OK)
		return sw_db_fail(db, out_path, "attaching", e);
	sqlite3_bind_text(at, 1, src, -1, SQLITE_STATIC);
	int rc = sqlite3_step(at);
	sqlite3_finalize(at);
	if (rc != SQLITE_DONE)
		return sw_db_fail(db, src, "cannot attach", e);

	int ret = -1;
	int64_t n = 0, nsel = 0, off = 0;
	if (sw_exec(db, out_path, "BEGIN", e) != 0)
		goto detach;
	/* a write first, so the lock taken (and waited for) is main's */
	if (sw_exec(db, out_path,
		    "UPDATE main.meta SET value = value WHERE key = 'schema_version'",
		    e) != 0)
		goto rollback;
	sqlite3_stmt *ver = NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT (SELECT value FROM src.meta WHERE key = 'schema_version'),"
			       " (SELECT value FROM main.meta WHERE key = 'schema_version')",
			       -1, &ver, NULL) != SQLITE_OK) {
		int kind = sqlite3_errcode(db) & 0xff;
		if (kind == SQLITE_ERROR && only_sweep) {   /* no meta: empty */
			ret = 0;
			goto rollback;
		}
		if (kind == SQLITE_ERROR)
			err_set(e, ERR_INPUT, "%s: not a spate results database"
				" (no meta table)", src);
		else
			sw_db_fail(db, src, "reading", e);
		goto rollback;
	}
	rc = sqlite3_step(ver);
	if (rc != SQLITE_ROW) {
		sw_db_fail(db, src, "reading schema_version", e);
		sqlite3_finalize(ver);
		goto rollback;
	}
	const char *sv = (const char *)sqlite3_column_text(ver, 0);
	const char *mv = (const char *)sqlite3_column_text(ver, 1);
	if (!sv || !mv || strcmp(sv, mv) != 0) {
		err_set(e, ERR_INPUT, "%s: schema_version %s, but %s has %s", src,
			sv ? sv : "(none)", out_path, mv ? mv : "(none)");
		sqlite3_finalize(ver);
		goto rollback;
	}
	sqlite3_finalize(ver);
	if (sw_exec(db, out_path,
		    "CREATE TEMP TABLE IF NOT EXISTS sweep_sel(id INTEGER PRIMARY KEY);"
		    "DELETE FROM temp.sweep_sel", e) != 0)
		goto rollback;
	/* ?2: only that sweep's finished runs */
	if (sw_stmt(db, src,
		    "SELECT count(*) FROM src.runs WHERE ?2 IS NULL OR"
		    " (sweep = ?2 AND status = 'done')",
		    0, only_sweep, &n, e) != 0 ||
	    sw_stmt(db, src,
		    "INSERT INTO temp.sweep_sel(id) SELECT s.run_id FROM src.runs s"
		    " WHERE (?2 IS NULL OR (s.sweep = ?2 AND s.status = 'done'))"
		    " AND NOT EXISTS (SELECT 1 FROM main.runs m WHERE"
		    "   m.sweep = s.sweep AND m.sweep_run = s.sweep_run)"
		    " AND NOT (s.sweep IS NULL AND EXISTS (SELECT 1 FROM main.runs m"
		    "   WHERE m.sweep IS NULL AND m.config_hash IS s.config_hash"
		    "   AND m.seed IS s.seed AND m.started_at IS s.started_at"
		    "   AND m.wall_s IS s.wall_s AND m.events IS s.events))",
		    0, only_sweep, NULL, e) != 0 ||
	    sw_stmt(db, src, "SELECT count(*) FROM temp.sweep_sel", 0, NULL,
		    &nsel, e) != 0 ||
	    sw_stmt(db, src,
		    "SELECT coalesce((SELECT max(run_id) FROM main.runs), 0) + 1"
		    " - coalesce((SELECT min(id) FROM temp.sweep_sel), 0)",
		    0, NULL, &off, e) != 0)
		goto rollback;
	for (size_t t = 0; nsel > 0 && t < sizeof sw_tables / sizeof sw_tables[0]; t++) {
		char sql[512];
		int64_t has = 0;
		/* a table added later within the schema version: older
		 * databases have no rows for it */
		snprintf(sql, sizeof sql, "SELECT count(*) FROM src.sqlite_master"
			 " WHERE type = 'table' AND name = '%s'", sw_tables[t][0]);
		if (sw_stmt(db, src, sql, 0, NULL, &has, e) != 0)
			goto rollback;
		if (!has)
			continue;
		snprintf(sql, sizeof sql,
			 "INSERT INTO main.%s(run_id, %s) SELECT run_id + ?1, %s"
			 " FROM src.%s WHERE run_id IN (SELECT id FROM temp.sweep_sel)"
			 " ORDER BY rowid",
			 sw_tables[t][0], sw_tables[t][1], sw_tables[t][1],
			 sw_tables[t][0]);
		if (sw_stmt(db, src, sql, off, NULL, NULL, e) != 0)
			goto rollback;
	}
	if (sw_exec(db, out_path, "COMMIT", e) != 0)
		goto rollback;
	if (copied)
		*copied += (size_t)nsel;
	if (skipped)
		*skipped += (size_t)(n - nsel);
	ret = 0;
	goto detach;
rollback:
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
detach:
	sqlite3_exec(db, "DETACH src", NULL, NULL, NULL);
	return ret;
}

/* Opens out for merging. */
static int merge_open(const char *out, sqlite3 **db, struct err *e)
{
	if (sw_db_open(out, 0, db, e) != 0)
		return -1;
	if (sw_exec(*db, out, "PRAGMA synchronous = NORMAL", e) != 0) {
		sqlite3_close(*db);
		*db = NULL;
		return -1;
	}
	return 0;
}

/* Which runs of a sweep the database holds (read only). done[i] = 1 for the
 * runs with status 'done'; a run with another status is an error, since it
 * would block its index (sweeps never commit one). Proposed for rec.h as
 * rec_sweep_runs(). */
static int sweep_done_runs(const char *path, const char *hash, size_t nruns,
			   unsigned char *done, size_t *ndone, struct err *e)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	*ndone = 0;
	if (sw_db_open(path, 1, &db, e) != 0)
		return -1;
	int ret = 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT sweep_run, status FROM runs WHERE sweep = ?1",
			       -1, &st, NULL) != SQLITE_OK) {
		ret = sw_db_fail(db, path, "reading runs", e);
		goto out;
	}
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t i = sqlite3_column_int64(st, 0);
		const char *status = (const char *)sqlite3_column_text(st, 1);
		if (i < 0 || (uint64_t)i >= nruns)
			continue;
		if (!status || strcmp(status, "done") != 0) {
			ret = err_set(e, ERR_INPUT,
				      "%s: run %lld of sweep %s has status '%s'; delete"
				      " it (from runs and its other tables) to run it again",
				      path, (long long)i, hash,
				      status ? status : "NULL");
			goto out;
		}
		if (!done[i]) {
			done[i] = 1;
			(*ndone)++;
		}
	}
	if (rc != SQLITE_DONE)
		ret = sw_db_fail(db, path, "reading runs", e);
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ret;
}

int sweep_merge(const char *const *inputs, int n, const char *out,
		struct sweep_merge_counts *counts, struct err *e)
{
	struct sweep_merge_counts cnt = { 0 };
	if (counts)
		*counts = cnt;
	if (!out || !*out)
		return err_set(e, ERR_INPUT, "merge: no output database");
	if (n < 1 || !inputs)
		return err_set(e, ERR_INPUT, "merge: no input databases");
	/* rec_open creates the output with the current schema, or checks
	 * the schema_version of an existing one */
	struct rec *r = rec_open(out, e);
	if (!r)
		return -1;
	rec_close(r);
	struct stat so;
	int have_out = stat(out, &so) == 0;
	sqlite3 *db = NULL;
	int ret = -1;
	if (merge_open(out, &db, e) != 0)
		goto done;
	for (int i = 0; i < n; i++) {
		struct stat si;
		if (have_out && stat(inputs[i], &si) == 0 &&
		    si.st_dev == so.st_dev && si.st_ino == so.st_ino) {
			err_set(e, ERR_INPUT, "%s: is the output database", inputs[i]);
			goto done;
		}
		if (merge_from(db, out, inputs[i], NULL, &cnt.copied,
			       &cnt.skipped, e) != 0)
			goto done;
	}
	ret = 0;
done:
	if (counts)
		*counts = cnt;
	sqlite3_close(db);
	return ret;
}

/* ------------------------------------------------------------ shard files */

struct sw_run_ctx {
	const struct sweep *s;
	const char *db;
	char *dir;          /* DB.sweep-HASH */
	int lock_fd;
	pid_t parent;
};

static char *sw_shard(const struct sw_run_ctx *x, int slot)
{
	return sw_fmt("%s/shard-%d", x->dir, slot);
}

char *sweep_shard_path(const struct sweep *s, const char *db, int k)
{
	return sw_fmt("%s.sweep-%s/shard-%d", db, s->hash, k);
}

/* A shard and whatever SQLite may have left beside it. */
static void sw_shard_remove(const char *path)
{
	static const char *const sfx[] = { "", "-journal", "-wal", "-shm" };
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		char *p = sw_fmt("%s%s", path, sfx[i]);
		if (p)
			unlink(p);
		free(p);
	}
}

/* Copies the finished runs of one shard into the output and removes it. */
static int sw_recover_one(const struct sw_run_ctx *x, const char *shard,
			  size_t *copied, size_t *present, struct err *e)
{
	sqlite3 *db = NULL;
	if (merge_open(x->db, &db, e) != 0)
		return -1;
	int rc = merge_from(db, x->db, shard, x->s->hash, copied, present, e);
	sqlite3_close(db);
	if (rc == 0)
		sw_shard_remove(shard);
	return rc;
}

/* Recovers every shard left in the sweep's directory. */
static int sw_recover(const struct sw_run_ctx *x, size_t *copied,
		      struct err *e)
{
	DIR *d = opendir(x->dir);
	if (!d)
		return err_set(e, ERR_INTERNAL, "%s: cannot read: %s", x->dir,
			       strerror(errno));
	int ret = 0;
	struct dirent *de;
	while (ret == 0 && (de = readdir(d))) {
		const char *nm = de->d_name;
		if (strncmp(nm, "shard-", 6) != 0 || !nm[6] ||
		    strspn(nm + 6, "0123456789") != strlen(nm + 6))
			continue;
		char *p = sw_fmt("%s/%s", x->dir, nm);
		if (!p) {
			ret = err_set(e, ERR_INTERNAL, "out of memory");
			break;
		}
		ret = sw_recover_one(x, p, copied, NULL, e);
		free(p);
	}
	closedir(d);
	return ret;
}

/* Makes the directory and takes its lock (a POSIX record lock: released
 * when the process dies, however it dies). */
static int sw_lock(struct sw_run_ctx *x, struct err *e)
{
	if (mkdir(x->dir, 0777) != 0 && errno != EEXIST)
		return err_set(e, ERR_INPUT, "%s: cannot create: %s", x->dir,
			       strerror(errno));
	char *lp = sw_fmt("%s/lock", x->dir);
	if (!lp)
		return err_set(e, ERR_INTERNAL, "out of memory");
	x->lock_fd = open(lp, O_RDWR | O_CREAT, 0666);
	int err = errno;
	free(lp);
	if (x->lock_fd < 0)
		return err_set(e, ERR_INPUT, "%s/lock: cannot open: %s", x->dir,
			       strerror(err));
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fcntl(x->lock_fd, F_SETLK, &fl) != 0) {
		err = errno;
		close(x->lock_fd);
		x->lock_fd = -1;
		if (err == EACCES || err == EAGAIN)
			return err_set(e, ERR_INPUT,
				       "%s: another spate sweep of %s is running on"
				       " this database", x->db, x->s->hash);
		return err_set(e, ERR_INTERNAL, "%s/lock: %s", x->dir,
			       strerror(err));
	}
	return 0;
}

static void sw_unlock(struct sw_run_ctx *x)
{
	if (x->lock_fd < 0)
		return;
	char *lp = sw_fmt("%s/lock", x->dir);
	if (lp)
		unlink(lp);
	free(lp);
	close(x->lock_fd);
	x->lock_fd = -1;
	rmdir(x->dir);
}

/* ---------------------------------------------------------------- workers */

/* What a worker says about one run. Fixed size, one write. */
struct sw_msg {
	int64_t run;
	int32_t ok;         /* 1: done and in the output */
	int32_t code;       /* enum err_code when not ok */
	char msg[1024];
};

/* 1: read n bytes; 0: end of file before any; -1: error or short. */
static int sw_read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return got == 0 && r == 0 ? 0 : -1;
		got += (size_t)r;
	}
	return 1;
}

static int sw_write_full(int fd, const void *buf, size_t n)
{
	size_t put = 0;
	while (put < n) {
		ssize_t w = send(fd, (const char *)buf + put, n - put, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		put += (size_t)w;
	}
	return 0;
}

/* A worker whose parent is gone stops without committing: its run would
 * otherwise race the resumed sweep for the same index. */
static int sw_orphan_check(void *ctx, double now, double end, uint64_t events)
{
	const pid_t *parent = ctx;
	if (getppid() != *parent)
		_exit(1);
	return 0;
}

int sweep_run_one(const struct sweep *s, size_t i, const char *shard,
		  int (*progress)(void *ctx, double now, double end,
				  uint64_t events),
		  void *ctx, struct err *e)
{
	struct config *c = NULL;
	const char **vals = calloc((size_t)s->naxes + 1, sizeof *vals);
	int ret = -1;
	if (!vals) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (!(c = sw_config(s, i, e)))
		goto out;
	for (int a = 0; a < s->naxes; a++)
		vals[a] = sweep_value(s, i, a);
	struct runner_opts o = {
		.db = shard,
		.sweep = s->hash,
		.sweep_run = (int64_t)i,
		.naxes = s->naxes,
		.axis_paths = s->paths,
		.axis_values = vals,
		.progress = progress,
		.progress_ctx = ctx,
	};
	struct runner_result res;
	if (runner_run(c, &o, &res, NULL, e) == 0)
		ret = res.interrupted ? 1 : 0;
out:
	free(vals);
	config_free(c);
	return ret;
}

static void sw_worker_run(const struct sw_run_ctx *x, int slot, int64_t run,
			  struct sw_msg *m)
{
	struct err e = { 0 };
	char *shard = sw_shard(x, slot);
	if (!shard) {
		err_set(&e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	sw_shard_remove(shard);
	/* sw_orphan_check never stops a run: it exits */
	if (sweep_run_one(x->s, (size_t)run, shard, sw_orphan_check,
			  (void *)&x->parent, &e) != 0)
		goto out;
	size_t copied = 0, present = 0;
	if (sw_recover_one(x, shard, &copied, &present, &e) != 0)
		goto out;
	if (copied + present != 1)
		err_set(&e, ERR_INTERNAL, "%s: run %lld did not reach the output",
			x->db, (long long)run);
out:
	if (shard)
		sw_shard_remove(shard);
	free(shard);
	m->run = run;
	m->ok = e.code == ERR_OK;
	m->code = (int32_t)e.code;
	snprintf(m->msg, sizeof m->msg, "%s", e.msg);
}

static void sw_worker(const struct sw_run_ctx *x, int slot, int fd)
	__attribute__((noreturn));
static void sw_worker(const struct sw_run_ctx *x, int slot, int fd)
{
	signal(SIGINT, SIG_DFL);
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	if (getppid() != x->parent)
		_exit(1);
	for (;;) {
		int64_t run;
		int r = sw_read_full(fd, &run, sizeof run);
		if (r != 1)
			_exit(r == 0 ? 0 : 1);
		struct sw_msg m = { 0 };
		sw_worker_run(x, slot, run, &m);
		if (sw_write_full(fd, &m, sizeof m) != 0)
			_exit(1);
	}
}

struct sw_slot {
	pid_t pid;          /* -1: none */
	int fd;             /* parent's end, -1: closed */
	int64_t run;        /* run in progress, -1: idle */
};

/* The parent's state while the workers run. */
struct sw_par {
	struct sw_run_ctx *x;
	const struct sweep_opts *o;
	FILE *log;
	struct sw_slot *w;
	int nw;
	size_t *todo, ntodo, next;
	struct sweep_stats st;
	double t0, last_bar;
	int bar_shown;
	enum err_code first_code;
	char first_msg[1400];
};

static int sw_spawn(struct sw_par *p, int k, struct err *e)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return err_set(e, ERR_INTERNAL, "socketpair: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		close(sv[0]);
		close(sv[1]);
		return err_set(e, ERR_INTERNAL, "fork: %s", strerror(err));
	}
	if (pid == 0) {
		close(sv[0]);
		for (int j = 0; j < p->nw; j++)
			if (p->w[j].fd >= 0)
				close(p->w[j].fd);
		if (p->x->lock_fd >= 0)
			close(p->x->lock_fd);
		sw_worker(p->x, k, sv[1]);
	}
	close(sv[1]);
	p->w[k] = (struct sw_slot){ .pid = pid, .fd = sv[0], .run = -1 };
	return 0;
}

/* Gives worker k the next run, or closes its socket when none is left (it
 * then exits). A failed write shows up as its socket's end of file. */
static void sw_assign(struct sw_par *p, int k)
{
	struct sw_slot *w = &p->w[k];
	if (p->next < p->ntodo) {
		w->run = (int64_t)p->todo[p->next++];
		sw_write_full(w->fd, &w->run, sizeof w->run);
	} else {
		close(w->fd);
		w->fd = -1;
		w->run = -1;
	}
}

static void sw_bar(struct sw_par *p, int force)
{
	if (p->o->quiet)
		return;
	double now = sw_wall();
	if (!force && now - p->last_bar < 0.25)
		return;
	p->last_bar = now;
	const struct sweep_stats *st = &p->st;
	size_t fin = st->skipped + st->recovered + st->done + st->failed;
	size_t now_fin = st->done + st->failed;
	double frac = st->total ? (double)fin / (double)st->total : 1;
	char eta[32] = "--";
	if (now_fin > 0) {
		double left = (double)(p->ntodo - now_fin) * (now - p->t0) /
			      (double)now_fin;
		snprintf(eta, sizeof eta, "%.0f s", left);
	}
	fprintf(p->log, "\r[%-30.*s] %zu/%zu runs  %zu failed  ETA %s   ",
		(int)(frac * 30), "##############################", fin,
		st->total, st->failed, eta);
	fflush(p->log);
	p->bar_shown = 1;
}

static void sw_result(struct sw_par *p, int64_t run, int ok,
		      enum err_code code, const char *msg)
{
	if (ok) {
		p->st.done++;
		return;
	}
	p->st.failed++;
	char d[700];
	sw_describe(p->x->s, (size_t)run, d, sizeof d);
	if (p->first_code == ERR_OK) {
		p->first_code = code == ERR_OK ? ERR_INTERNAL : code;
		snprintf(p->first_msg, sizeof p->first_msg, "%s: %s", d, msg);
	}
	fprintf(p->log, "%s%s: %s failed: %s\n", p->bar_shown ? "\n" : "",
		p->x->s->name, d, msg);
	fflush(p->log);
	p->bar_shown = 0;
}

/* Worker k's socket ended: it died. Its run counts as done if it reached
 * its shard (the shard is recovered), failed otherwise. */
static void sw_died(struct sw_par *p, int k)
{
	struct sw_slot *w = &p->w[k];
	int status = 0;
	close(w->fd);
	w->fd = -1;
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	w->pid = -1;
	if (w->run < 0)
		return;
	int64_t run = w->run;
	w->run = -1;
	size_t copied = 0, present = 0;
	struct err e = { 0 };
	char *shard = sw_shard(p->x, k);
	if (shard)
		sw_recover_one(p->x, shard, &copied, &present, &e);
	free(shard);
	if (copied + present > 0) {
		sw_result(p, run, 1, ERR_OK, "");
		return;
	}
	char why[200];
	if (WIFSIGNALED(status))
		snprintf(why, sizeof why, "worker process killed by signal %d",
			 WTERMSIG(status));
	else
		snprintf(why, sizeof why, "worker process exited with status %d",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	sw_result(p, run, 0, ERR_INTERNAL, why);
}

/* Hands out the runs and collects results until all are done or the
 * interrupt flag is set. Returns 1 when interrupted, 0 otherwise, -1 and e
 * on a failure of the machinery itself. */
static int sw_dispatch(struct sw_par *p, struct err *e)
{
	struct pollfd *pfd = calloc((size_t)p->nw, sizeof *pfd);
	int *who = calloc((size_t)p->nw, sizeof *who);
	int ret = 0;
	if (!pfd || !who) {
		free(pfd);
		free(who);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	if (p->o->interrupted && *p->o->interrupted) {
		free(pfd);
		free(who);
		return 1;
	}
	for (int k = 0; k < p->nw; k++) {
		if (sw_spawn(p, k, e) != 0) {
			ret = -1;
			goto stop;
		}
		sw_assign(p, k);
	}
	for (;;) {
		int busy = 0, n = 0;
		for (int k = 0; k < p->nw; k++) {
			busy += p->w[k].run >= 0;
			if (p->w[k].fd >= 0) {
				pfd[n] = (struct pollfd){ .fd = p->w[k].fd,
							  .events = POLLIN };
				who[n++] = k;
			}
		}
		if (!busy && p->next >= p->ntodo)
			break;
		if (p->o->interrupted && *p->o->interrupted) {
			ret = 1;
			goto stop;
		}
		int r = poll(pfd, (nfds_t)n, SWEEP_TICK_MS);
		if (r < 0 && errno != EINTR) {
			ret = err_set(e, ERR_INTERNAL, "poll: %s", strerror(errno));
			goto stop;
		}
		for (int i = 0; r > 0 && i < n; i++) {
			if (!pfd[i].revents)
				continue;
			int k = who[i];
			struct sw_msg m;
			if (sw_read_full(p->w[k].fd, &m, sizeof m) == 1 &&
			    m.run == p->w[k].run) {
				m.msg[sizeof m.msg - 1] = '\0';
				p->w[k].run = -1;
				sw_result(p, m.run, m.ok, (enum err_code)m.code, m.msg);
				sw_assign(p, k);
				continue;
			}
			sw_died(p, k);
			if (p->next < p->ntodo &&
			    !(p->o->interrupted && *p->o->interrupted)) {
				if (sw_spawn(p, k, e) != 0) {
					ret = -1;
					goto stop;
				}
				sw_assign(p, k);
			}
		}
		sw_bar(p, 0);
	}
stop:
	for (int k = 0; k < p->nw; k++) {
		if (p->w[k].pid > 0 && (ret != 0 || p->w[k].run >= 0))
			kill(p->w[k].pid, SIGKILL);
		if (p->w[k].fd >= 0)
			close(p->w[k].fd);
		p->w[k].fd = -1;
	}
	for (int k = 0; k < p->nw; k++)
		if (p->w[k].pid > 0)
			while (waitpid(p->w[k].pid, NULL, 0) < 0 && errno == EINTR)
				;
	free(pfd);
	free(who);
	return ret;
}

/* ------------------------------------------------------------------ jobs */

/* One sweep between sweep_job_start and sweep_job_finish: what sweep_run
 * and a driver of its own (sweep_mpi.c) share. */
struct sweep_job {
	struct sweep_opts o;
	struct sw_run_ctx x;
	struct sw_par p;
	struct sweep *s;    /* owned; x.s is the same */
	unsigned char *done;
};

static void sw_job_free(struct sweep_job *j)
{
	sw_unlock(&j->x);
	if (j->o.stats)
		*j->o.stats = j->p.st;
	free(j->p.w);
	free(j->p.todo);
	free(j->done);
	free(j->x.dir);
	sweep_free(j->s);
	free(j);
}

struct sweep_job *sweep_job_start(const struct sweep_opts *o, struct err *e)
{
	if (o->stats)
		*o->stats = (struct sweep_stats){ 0 };
	if (!o->path || !o->db || !*o->db) {
		err_set(e, ERR_INPUT, "sweep: %s", !o->path
			? "no sweep file" : "no output database (--db)");
		return NULL;
	}
	struct sweep *s = sweep_load(o->path, e);
	if (!s)
		return NULL;
	struct sweep_job *j = calloc(1, sizeof *j);
	if (!j) {
		sweep_free(s);
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	j->o = *o;
	j->s = s;
	j->x = (struct sw_run_ctx){ .s = s, .db = o->db, .lock_fd = -1,
				    .parent = getpid() };
	j->p = (struct sw_par){ .x = &j->x, .o = &j->o,
				.log = o->log ? o->log : stderr };
	struct sw_par *p = &j->p;
	p->st.total = s->nruns;
	struct rec *r = rec_open(o->db, e);
	if (!r)
		goto fail;
	rec_close(r);
	if (!(j->x.dir = sw_fmt("%s.sweep-%s", o->db, s->hash)) ||
	    !(j->done = calloc(s->nruns, 1)) ||
	    !(p->todo = malloc(s->nruns * sizeof *p->todo))) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto fail;
	}
	if (sw_lock(&j->x, e) != 0 || sw_recover(&j->x, &p->st.recovered, e) != 0)
		goto fail;
	size_t ndone = 0;
	if (sweep_done_runs(o->db, s->hash, s->nruns, j->done, &ndone, e) != 0)
		goto fail;
	if (ndone > 0 && !o->resume) {
		err_set(e, ERR_INPUT,
			"%s: already holds %zu of the %zu runs of this sweep (%s);"
			" use --resume to run the rest, or another --db",
			o->db, ndone, s->nruns, s->hash);
		goto fail;
	}
	p->st.skipped = ndone - (p->st.recovered < ndone ? p->st.recovered : ndone);
	for (size_t i = 0; i < s->nruns; i++)
		if (!j->done[i])
			p->todo[p->ntodo++] = i;
	p->t0 = sw_wall();
	if (p->ntodo > 0)
		sw_bar(p, 1);
	return j;
fail:
	sw_job_free(j);
	return NULL;
}

const struct sweep *sweep_job_sweep(const struct sweep_job *j)
{
	return j->x.s;
}

const size_t *sweep_job_todo(const struct sweep_job *j, size_t *n)
{
	*n = j->p.ntodo;
	return j->p.todo;
}

void sweep_job_result(struct sweep_job *j, size_t i, int ok, int code,
		      const char *msg)
{
	sw_result(&j->p, (int64_t)i, ok, (enum err_code)code, msg ? msg : "");
	sw_bar(&j->p, 0);
}

void sweep_job_tick(struct sweep_job *j)
{
	sw_bar(&j->p, 0);
}

int sweep_job_finish(struct sweep_job *j, int rc, size_t in_shards,
		     const char *how, struct err *e)
{
	struct sw_par *p = &j->p;
	const struct sweep *s = j->x.s;
	/* the driver's runs still in shards, and runs a killed worker
	 * finished but did not copy */
	size_t late = 0;
	struct err e2 = { 0 };
	if (sw_recover(&j->x, &late, rc < 0 ? &e2 : e) != 0 && rc >= 0)
		rc = -1;
	if (rc >= 0 && late < in_shards)
		rc = err_set(e, ERR_INTERNAL,
			     "%s: %zu of the %zu runs reported done are missing"
			     " from the shards", j->x.dir, in_shards - late,
			     in_shards);
	p->st.recovered += late > in_shards ? late - in_shards : 0;
	if (rc < 0)
		goto out;
	if (!j->o.quiet) {
		sw_bar(p, 1);
		fprintf(p->log, "\n%s: sweep %s: %zu runs: %zu done, %zu skipped,"
			" %zu recovered, %zu failed%s in %.1f s (%s)\n",
			s->name, s->hash, s->nruns, p->st.done, p->st.skipped,
			p->st.recovered, p->st.failed,
			rc == 1 ? ", interrupted" : "", sw_wall() - p->t0, how);
	}
	if (rc == 0 && p->st.failed > 0) {
		err_set(e, p->first_code,
			"%s: %zu of %zu runs failed; the first: %s", s->name,
			p->st.failed, s->nruns, p->first_msg);
		rc = -1;
	}
out:
	sw_job_free(j);
	return rc;
}

int sweep_run(const struct sweep_opts *o, struct err *e)
{
	if (o->stats)
		*o->stats = (struct sweep_stats){ 0 };
	if (o->jobs < 1)
		return err_set(e, ERR_INPUT, "sweep: jobs must be >= 1, got %d",
			       o->jobs);
	struct sweep_job *j = sweep_job_start(o, e);
	if (!j)
		return -1;
	struct sw_par *p = &j->p;
	int rc = 0;
	p->nw = (size_t)o->jobs < p->ntodo ? o->jobs : (int)p->ntodo;
	if (p->nw > 0 && !(p->w = calloc((size_t)p->nw, sizeof *p->w)))
		rc = err_set(e, ERR_INTERNAL, "out of memory");
	if (p->nw > 0 && rc == 0) {
		for (int k = 0; k < p->nw; k++)
			p->w[k] = (struct sw_slot){ .pid = -1, .fd = -1, .run = -1 };
		rc = sw_dispatch(p, e);
	}
	char how[32];
	snprintf(how, sizeof how, "-j %d", o->jobs);
	return sweep_job_finish(j, rc, 0, how, e);
}
