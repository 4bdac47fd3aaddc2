/*
 * Tests for sweep: expansion order, run counts and values with zip and
 * replications; the sweep hash; every validation message; -j 1 and -j 2
 * giving identical databases (every table, every column but run_id, wall_s
 * and started_at); resume after a SIGKILL of the whole sweep mid-way (every
 * index present once, results equal to an uninterrupted sweep); recovery of
 * finished runs left in shards; merge of two shards equal to one database,
 * idempotent, refusing other schema versions; failed runs reported and the
 * rest committed; common random numbers (two policies, and two replica
 * counts, see the same arrivals and service times at each replication);
 * the steps a driver of its own takes (sweep_job_*, as sweep_mpi.c does).
 * Runs are tiny poisson configs, so the suite stays fast; databases live in
 * a mkdtemp directory removed at the end.
 */
#include "testutil.h"

#include "config.h"
#include "err.h"
#include "policy.h"
#include "rec.h"
#include "runner.h"
#include "sweep.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[256];

/* 300 poisson messages through one autoscaled function. */
#define TINY_BASE                                                              \
	"{\"sources\": [{\"topic\": \"in\", \"arrivals\": {\"workload\": "    \
	"\"poisson\", \"rate\": 20, \"count\": 300}, \"to\": [\"f\"]}],"       \
	" \"functions\": [{\"name\": \"f\", \"service\": {\"type\": "          \
	"\"exponential\", \"mean\": 0.04}, \"cold_start\": {\"type\": "        \
	"\"lognormal\", \"mean\": 0.5, \"sd\": 0.2}, \"min_replicas\": 0,"     \
	" \"max_replicas\": 10, \"initial_replicas\": 1, \"keep_alive_s\": 10}]," \
	" \"autoscaler\": {\"policy\": \"hpa\"},"                              \
	" \"record\": {\"timeline_interval_s\": 1}}"

/* 20 s of rate-20 poisson arrivals: the count is random. No cold start and
 * plenty of replicas, so under the static policy nothing waits and each
 * latency is a service time. */
#define DUR_BASE                                                               \
	"{\"duration_s\": 20, \"sources\": [{\"topic\": \"in\", \"arrivals\":"  \
	" {\"workload\": \"poisson\", \"rate\": 20}, \"to\": [\"f\"]}],"       \
	" \"functions\": [{\"name\": \"f\", \"service\": {\"type\": "          \
	"\"exponential\", \"mean\": 0.04}, \"min_replicas\": 0,"               \
	" \"max_replicas\": 40, \"initial_replicas\": 20}],"                   \
	" \"autoscaler\": {\"policy\": \"static\"},"                           \
	" \"record\": {\"timeline_interval_s\": 0}}"

/* --- files ------------------------------------------------------------- */

static char *path_in(const char *name)
{
	static char buf[8][400];
	static int k;
	char *p = buf[k++ % 8];
	snprintf(p, sizeof buf[0], "%s/%s", dir, name);
	return p;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int bad = fputs(text, f) < 0;
	return fclose(f) != 0 || bad ? -1 : 0;
}

static int copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	int bad = !in || !out;
	char buf[8192];
	size_t n;
	while (!bad && (n = fread(buf, 1, sizeof buf, in)) > 0)
		bad = fwrite(buf, 1, n, out) != n;
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		bad = 1;
	return bad ? -1 : 0;
}

static void rm_tree(const char *p)
{
	struct stat st;
	if (lstat(p, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(p);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			char sub[1024];
			snprintf(sub, sizeof sub, "%s/%s", p, de->d_name);
			rm_tree(sub);
		}
		if (d)
			closedir(d);
		rmdir(p);
	} else {
		unlink(p);
	}
}

static int exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

/* Writes a sweep file with the given body (the text after "base"). */
static const char *sweep_file(const char *name, const char *base,
			      const char *rest)
{
	const char *p = path_in(name);
	char text[8192];
	snprintf(text, sizeof text, "{\"base\": %s%s%s}", base, *rest ? ", " : "",
		 rest);
	return write_file(p, text) == 0 ? p : NULL;
}

/* --- databases --------------------------------------------------------- */

/* One integer from a query, -1 when the database or table is missing. */
static long long q_int(const char *db, const char *sql)
{
	if (!exists(db))
		return -1;
	sqlite3 *h = NULL;
	long long v = -1;
	/* read-write: a hot journal left by a killed writer is rolled back */
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(h, 10000);
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return v;
}

static int q_exec(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	int rc = sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		fprintf(stderr, "\n  %s: %s\n", db, sqlite3_errmsg(h));
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : -1;
}

struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p)
			return;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

/* Everything the database says about its runs except run_id, wall_s and
 * started_at, keyed by sweep_run, in a fixed order: two databases of the
 * same sweep compare equal exactly when their results are the same. */
static char *fingerprint(const char *db)
{
	static const char *const q[] = {
		"SELECT sweep_run, experiment, policy, seed, replication,"
		" config_json, config_hash, events, status, sweep FROM runs"
		" ORDER BY sweep_run",
		"SELECT r.sweep_run, a.axis, a.value FROM run_axes a JOIN runs r"
		" USING (run_id) ORDER BY 1, 2",
		"SELECT r.sweep_run, s.scope, s.metric, s.value FROM summary s"
		" JOIN runs r USING (run_id) ORDER BY 1, 2, 3",
		"SELECT r.sweep_run, h.scope, h.lo, h.hi, h.count FROM latency_hist h"
		" JOIN runs r USING (run_id) ORDER BY 1, 2, 3",
		"SELECT r.sweep_run, t.t, t.function, t.pending, t.ready, t.busy,"
		" t.draining, t.queue_len, t.inflight, t.arrival_rate, t.lag"
		" FROM timeline t JOIN runs r USING (run_id) ORDER BY 1, 2, 3",
		"SELECT r.sweep_run, d.t, d.function, d.from_replicas,"
		" d.to_replicas, d.reason, d.observed FROM decisions d"
		" JOIN runs r USING (run_id) ORDER BY 1, 2, 3, d.rowid",
	};
	struct sbuf b = { 0 };
	sqlite3 *h = NULL;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		return strdup("(cannot open)");
	}
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(h, q[i], -1, &st, NULL) != SQLITE_OK) {
			sb_add(&b, "(bad query)");
			continue;
		}
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				char cell[64];
				if (sqlite3_column_type(st, c) == SQLITE_FLOAT) {
					snprintf(cell, sizeof cell, "%.17g|",
						 sqlite3_column_double(st, c));
					sb_add(&b, cell);
				} else {
					const char *t = (const char *)
						sqlite3_column_text(st, c);
					sb_add(&b, t ? t : "NULL");
					sb_add(&b, "|");
				}
			}
			sb_add(&b, "\n");
		}
		sb_add(&b, "--\n");
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return b.s ? b.s : strdup("");
}

/* Asserts two databases hold the same results, showing where they differ. */
#define T_SAME_DB(a, b)                                                        \
	do {                                                                   \
		char *fa = fingerprint(a), *fb = fingerprint(b);              \
		int same = fa && fb && strcmp(fa, fb) == 0;                   \
		if (!same && fa && fb) {                                       \
			size_t i = 0;                                          \
			while (fa[i] && fa[i] == fb[i])                        \
				i++;                                           \
			size_t from = i > 60 ? i - 60 : 0;                     \
			fprintf(stderr, "\n  %s and %s differ at byte %zu:\n"  \
				"  ...%.120s\n  ...%.120s\n", a, b, i,         \
				fa + from, fb + from);                         \
		}                                                              \
		T_TRUE(same, "databases differ");                              \
		free(fa);                                                      \
		free(fb);                                                      \
	} while (0)

/* The shard directory a sweep of this file keeps beside db. */
static void shard_dir(const char *sweep_path, const char *db, char *out,
		      size_t cap)
{
	struct err e = { 0 };
	struct sweep *s = sweep_load(sweep_path, &e);
	snprintf(out, cap, "%s.sweep-%s", db, s ? sweep_hash(s) : "?");
	sweep_free(s);
}

static int run_sweep(const char *path, const char *db, int jobs, int resume,
		     struct sweep_stats *st, struct err *e)
{
	struct sweep_opts o = { .path = path, .db = db, .jobs = jobs,
				.resume = resume, .quiet = 1, .stats = st };
	return sweep_run(&o, e);
}

/* --- suite ------------------------------------------------------------- */

static int suite_init(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/spate-sweep-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int suite_clean(void)
{
	rm_tree(dir);
	return 0;
}

/* The 8-run sweep the parallel, merge and recovery tests share: 2 policies
 * x 2 rate_scale values x 2 replications. */
static const char *ref_sweep(void)
{
	return sweep_file("ref.json", TINY_BASE,
			  "\"vary\": [{\"path\": \"autoscaler.policy\","
			  " \"values\": [\"hpa\", \"kpa\"]},"
			  " {\"path\": \"sources[0].arrivals.rate_scale\","
			  " \"values\": [1, 2]}], \"replications\": 2,"
			  " \"seed\": 11");
}

/* ref_sweep run once with -j 1, into ref.db. */
static const char *ref_db(void)
{
	static int made;
	const char *db = path_in("ref.db");
	if (!made) {
		struct err e = { 0 };
		const char *sw = ref_sweep();
		if (!sw || run_sweep(sw, db, 1, 0, NULL, &e) != 0) {
			fprintf(stderr, "\n  reference sweep: %s\n", e.msg);
			return NULL;
		}
		made = 1;
	}
	return db;
}

/* --- expansion ----------------------------------------------------------- */

static void test_expansion(void)
{
	struct err e = { 0 };
	const char *text =
		"{\"base\": " TINY_BASE ","
		" \"vary\": [{\"path\": \"functions[0].max_replicas\", \"values\": [10, 20]},"
		"  {\"path\": \"autoscaler.policy\", \"values\": [\"static\", \"hpa\", \"kpa\"]},"
		"  {\"path\": \"sources.in.arrivals.rate\", \"values\": [10, 0.30000000000000004, 30]}],"
		" \"zip\": [[\"sources.in.arrivals.rate\", \"autoscaler.policy\"]],"
		" \"replications\": 2, \"seed\": 7}";
	struct sweep *s = sweep_parse(text, "dir/t.json", &e);
	T_TRUE(s != NULL, "%s", e.msg);
	if (!s)
		return;
	static const char *const mr[] = { "10", "20" };
	static const char *const pol[] = { "\"static\"", "\"hpa\"", "\"kpa\"" };
	static const char *const rate[] = { "10", "0.30000000000000004", "30" };
	T_EQ_INT(sweep_nruns(s), 2 * 3 * 2);
	T_EQ_INT(sweep_naxes(s), 3);
	T_EQ_INT(sweep_replications(s), 2);
	T_TRUE(!strcmp(sweep_axis(s, 2), "sources.in.arrivals.rate"), "%s",
	       sweep_axis(s, 2));
	T_TRUE(sweep_axis(s, 3) == NULL, "axis 3");
	T_TRUE(sweep_value(s, 12, 0) == NULL, "value past the end");
	for (size_t i = 0; i < 12; i++) {
		size_t a = i / 6, bc = i / 2 % 3, r = i % 2;
		T_TRUE(!strcmp(sweep_value(s, i, 0), mr[a]), "run %zu: %s", i,
		       sweep_value(s, i, 0));
		T_TRUE(!strcmp(sweep_value(s, i, 1), pol[bc]), "run %zu: %s", i,
		       sweep_value(s, i, 1));
		T_TRUE(!strcmp(sweep_value(s, i, 2), rate[bc]), "run %zu: %s", i,
		       sweep_value(s, i, 2));
		T_EQ_INT(sweep_replication(s, i), r);
		T_EQ_INT(sweep_seed(s, i), 7 + r);
	}
	/* run 9: max_replicas 20, the zipped pair's second values, rep 1 */
	struct config *c = sweep_config(s, 9, &e);
	T_TRUE(c != NULL, "%s", e.msg);
	if (c) {
		T_EQ_INT(c->functions[0].max_replicas, 20);
		T_TRUE(!strcmp(c->policy->name, "hpa"), "%s", c->policy->name);
		T_EQ_INT(c->seed, 8);
		T_EQ_INT(c->replication, 1);
		/* an inline base is named after the sweep file */
		T_TRUE(!strcmp(c->experiment, "t"), "%s", c->experiment);
		T_STR_CONTAINS(c->resolved_json, "0.30000000000000004");
	}
	config_free(c);
	sweep_free(s);

	/* without the zip: the full product; without vary: replications */
	const char *nozip =
		"{\"base\": " TINY_BASE ","
		" \"vary\": [{\"path\": \"functions[0].max_replicas\", \"values\": [10, 20]},"
		"  {\"path\": \"autoscaler.policy\", \"values\": [\"static\", \"hpa\", \"kpa\"]},"
		"  {\"path\": \"sources.in.arrivals.rate\", \"values\": [10, 20, 30]}],"
		" \"replications\": 2}";
	s = sweep_parse(nozip, "t.json", &e);
	T_TRUE(s != NULL, "%s", e.msg);
	if (s) {
		T_EQ_INT(sweep_nruns(s), 2 * 3 * 3 * 2);
		/* run 17 = ((0 * 3 + 2) * 3 + 2) * 2 + 1 */
		T_TRUE(!strcmp(sweep_value(s, 17, 0), "10"), "%s", sweep_value(s, 17, 0));
		T_TRUE(!strcmp(sweep_value(s, 17, 1), "\"kpa\""), "%s", sweep_value(s, 17, 1));
		T_TRUE(!strcmp(sweep_value(s, 17, 2), "30"), "%s", sweep_value(s, 17, 2));
		T_EQ_INT(sweep_replication(s, 17), 1);
		/* the seed defaults to the base config's (1) */
		T_EQ_INT(sweep_seed(s, 17), 2);
	}
	sweep_free(s);
	s = sweep_parse("{\"base\": " TINY_BASE ", \"replications\": 5}", "t.json", &e);
	T_TRUE(s != NULL, "%s", e.msg);
	if (s) {
		T_EQ_INT(sweep_nruns(s), 5);
		T_EQ_INT(sweep_naxes(s), 0);
		T_EQ_INT(sweep_replication(s, 4), 4);
	}
	sweep_free(s);
}

/* The hash follows the meaning of the sweep, not its spelling or where the
 * base lives; any edit makes a new sweep. */
static void test_hash(void)
{
	struct err e = { 0 };
	const char *basefile = path_in("tiny.json");
	T_EQ_INT(write_file(basefile, TINY_BASE), 0);
	char a[4096], b[4096], c[4096], d[4096];
	snprintf(a, sizeof a, "{\"base\": " TINY_BASE ", \"vary\": [{\"path\":"
		 " \"autoscaler.policy\", \"values\": [\"hpa\", \"kpa\"]}],"
		 " \"replications\": 2, \"experiment\": \"x\"}");
	snprintf(b, sizeof b, "{\"experiment\": \"x\", \"replications\": 2.0,\n"
		 " \"vary\": [ {\"values\": [\"hpa\",\"kpa\"], \"path\":"
		 " \"autoscaler.policy\"} ], \"base\": \"%s\"}", basefile);
	snprintf(c, sizeof c, "{\"base\": \"%s\", \"vary\": [{\"path\":"
		 " \"autoscaler.policy\", \"values\": [\"hpa\", \"kpa\"]}],"
		 " \"replications\": 3, \"experiment\": \"x\"}", basefile);
	snprintf(d, sizeof d, "{\"base\": \"%s\", \"vary\": [{\"path\":"
		 " \"autoscaler.policy\", \"values\": [\"hpa\", \"kpa\"]}],"
		 " \"replications\": 2, \"experiment\": \"x\", \"seed\": 2}",
		 basefile);
	struct sweep *sa = sweep_parse(a, "a.json", &e);
	struct sweep *sb = sweep_parse(b, "b.json", &e);
	struct sweep *sc = sweep_parse(c, "c.json", &e);
	struct sweep *sd = sweep_parse(d, "d.json", &e);
	T_TRUE(sa && sb && sc && sd, "%s", e.msg);
	if (sa && sb && sc && sd) {
		T_EQ_INT(strlen(sweep_hash(sa)), 16);
		T_TRUE(!strcmp(sweep_hash(sa), sweep_hash(sb)), "%s vs %s",
		       sweep_hash(sa), sweep_hash(sb));
		T_TRUE(strcmp(sweep_hash(sa), sweep_hash(sc)) != 0, "%s",
		       sweep_hash(sc));
		T_TRUE(strcmp(sweep_hash(sa), sweep_hash(sd)) != 0, "%s",
		       sweep_hash(sd));
	}
	sweep_free(sa);
	sweep_free(sb);
	sweep_free(sc);
	sweep_free(sd);
	/* the order a zip group is listed in does not matter */
	const char *zp = "{\"base\": " TINY_BASE ", \"vary\": [{\"path\":"
		" \"functions[0].max_replicas\", \"values\": [10, 20]},"
		" {\"path\": \"sources.in.arrivals.rate\", \"values\": [10, 20]}],"
		" \"zip\": [[%s]]}";
	snprintf(a, sizeof a, zp, "\"functions[0].max_replicas\", \"sources.in.arrivals.rate\"");
	snprintf(b, sizeof b, zp, "\"sources.in.arrivals.rate\", \"functions[0].max_replicas\"");
	sa = sweep_parse(a, "a.json", &e);
	sb = sweep_parse(b, "a.json", &e);
	T_TRUE(sa && sb, "%s", e.msg);
	if (sa && sb) {
		T_EQ_INT(sweep_nruns(sa), 2);
		T_TRUE(!strcmp(sweep_hash(sa), sweep_hash(sb)), "%s vs %s",
		       sweep_hash(sa), sweep_hash(sb));
	}
	sweep_free(sa);
	sweep_free(sb);
	/* editing the base config makes a new sweep too */
	snprintf(a, sizeof a, "{\"base\": \"%s\"}", basefile);
	sa = sweep_parse(a, "a.json", &e);
	const char *edited = path_in("tiny2.json");
	char base2[2048];
	snprintf(base2, sizeof base2, "%s", TINY_BASE);
	char *mean = strstr(base2, "0.04");
	if (mean)
		mean[3] = '5';
	T_EQ_INT(write_file(edited, base2), 0);
	snprintf(b, sizeof b, "{\"base\": \"%s\"}", edited);
	sb = sweep_parse(b, "a.json", &e);
	T_TRUE(sa && sb, "%s", e.msg);
	if (sa && sb)
		T_TRUE(strcmp(sweep_hash(sa), sweep_hash(sb)) != 0, "%s",
		       sweep_hash(sb));
	sweep_free(sa);
	sweep_free(sb);
}

/* --- validation ------------------------------------------------------------ */

static void test_validation(void)
{
	static const struct {
		const char *rest, *want;
	} cases[] = {
		{ "\"vary\": [{\"path\": \"functions[x].max_replicas\", \"values\": [1]}]",
		  "t.json: vary[0].path: 'functions[x].max_replicas' has a bad index" },
		{ "\"vary\": [{\"path\": \"a..b\", \"values\": [1]}]",
		  "t.json: vary[0].path: 'a..b' has an empty key" },
		{ "\"vary\": [{\"path\": \"a=b\", \"values\": [1]}]",
		  "vary[0].path: 'a=b' must not contain '='" },
		{ "\"vary\": [{\"path\": 3, \"values\": [1]}]",
		  "t.json: vary[0].path: must be a string, got a number" },
		{ "\"vary\": [{\"values\": [1]}]", "t.json: vary[0].path: required" },
		{ "\"vary\": [{\"path\": \"seed\", \"values\": [1, 2]}]",
		  "vary[0].path: 'seed' is set by the sweep; use the sweep's \"seed\" key" },
		{ "\"vary\": [{\"path\": \"replication\", \"values\": [1, 2]}]",
		  "use the sweep's \"replications\" key" },
		{ "\"vary\": [{\"path\": \"a\", \"values\": [1]}, {\"path\": \"a\", \"values\": [2]}]",
		  "t.json: vary[1].path: 'a' is already vary[0]" },
		{ "\"vary\": [{\"path\": \"a\", \"values\": [1]}, {\"path\": \"b\", \"values\": []}]",
		  "t.json: vary[1].values: must be a non-empty array, got []" },
		{ "\"vary\": [{\"path\": \"a\", \"values\": 1}]",
		  "t.json: vary[0].values: must be a non-empty array, got a number" },
		{ "\"vary\": [{\"path\": \"a\"}]", "t.json: vary[0].values: required" },
		{ "\"vary\": [{\"path\": \"a\", \"values\": [1e999]}]",
		  "t.json: vary[0].values[0]: a number is not finite" },
		{ "\"vary\": {\"path\": \"a\"}", "t.json: vary: must be an array" },
		{ "\"vary\": [{\"path\": \"a\", \"valeus\": [1]}]",
		  "t.json: vary[0].valeus: unknown key; did you mean 'values'?" },
		{ "\"replicatons\": 3",
		  "t.json: replicatons: unknown key; did you mean 'replications'?" },
		{ "\"zzzzzz\": 3",
		  "t.json: zzzzzz: unknown key; valid keys: base, vary, zip,"
		  " replications, seed, experiment" },
		{ "\"seed\": 1, \"seed\": 2", "t.json: seed: duplicate key" },
		{ "\"vary\": [{\"path\": \"a\", \"values\": [1, 2]},"
		  " {\"path\": \"b\", \"values\": [1, 2, 3]}], \"zip\": [[\"a\", \"b\"]]",
		  "t.json: zip[0]: zipped axes must have equal numbers of values:"
		  " 'a' has 2, 'b' has 3" },
		{ "\"vary\": [{\"path\": \"autoscaler.policy\", \"values\": [1, 2]},"
		  " {\"path\": \"b\", \"values\": [1, 2]}],"
		  " \"zip\": [[\"b\", \"autoscaler.polcy\"]]",
		  "t.json: zip[0][1]: 'autoscaler.polcy' is not a vary path;"
		  " did you mean 'autoscaler.policy'?" },
		{ "\"vary\": [{\"path\": \"a\", \"values\": [1, 2]}], \"zip\": [[\"a\"]]",
		  "t.json: zip[0]: must be an array of at least two vary paths" },
		{ "\"vary\": [{\"path\": \"a\", \"values\": [1]}, {\"path\": \"b\","
		  " \"values\": [1]}, {\"path\": \"c\", \"values\": [1]}],"
		  " \"zip\": [[\"a\", \"b\"], [\"c\", \"a\"]]",
		  "t.json: zip[1][1]: 'a' is already in zip[0]" },
		{ "\"zip\": [[\"a\", 1]]",
		  "t.json: zip[0][0]: 'a' is not a vary path; vary paths: (none)" },
		{ "\"replications\": 0",
		  "t.json: replications: must be an integer in [1, 1000000], got 0" },
		{ "\"replications\": 1.5",
		  "t.json: replications: must be an integer in [1, 1000000], got 1.5" },
		{ "\"replications\": \"3\"",
		  "t.json: replications: must be an integer in [1, 1000000], got a string" },
		{ "\"seed\": -1", "t.json: seed: must be an integer in [0, 2^53], got -1" },
		{ "\"seed\": 9007199254740992, \"replications\": 2",
		  "t.json: seed: 9007199254740992 + 2 replications exceeds 2^53" },
		{ "\"experiment\": \"\"",
		  "t.json: experiment: must be a non-empty string, got \"\"" },
		{ "\"vary\": [{\"path\": \"a\", \"values\": [1,2,3,4,5,6,7,8,9,10]},"
		  " {\"path\": \"b\", \"values\": [1,2,3,4,5,6,7,8,9,10]},"
		  " {\"path\": \"c\", \"values\": [1,2,3,4,5,6,7,8,9,10]},"
		  " {\"path\": \"d\", \"values\": [1,2,3,4,5,6,7,8,9,10]}],"
		  " \"replications\": 1001",
		  "t.json: the sweep expands to 10010000 runs, more than 10000000" },
	};
	char text[4096];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct err e = { 0 };
		snprintf(text, sizeof text, "{\"base\": %s, %s}", TINY_BASE,
			 cases[i].rest);
		struct sweep *s = sweep_parse(text, "t.json", &e);
		T_TRUE(s == NULL, "case %zu accepted", i);
		T_EQ_INT(e.code, ERR_INPUT);
		T_STR_CONTAINS(e.msg, cases[i].want);
		sweep_free(s);
	}
	/* the base itself */
	static const struct {
		const char *text, *want;
	} whole[] = {
		{ "{\"replications\": 2}",
		  "t.json: base: required: a config file path or an inline config object" },
		{ "{\"base\": 3}",
		  "t.json: base: must be a config file path or an inline config"
		  " object, got a number" },
		{ "{\"base\": {\"functions\": []}}", "t.json: base: " },
		{ "{\"base\": {\"sources\": [], \"functions\": [], \"x\": 1e999}}",
		  "t.json: base: a number is not finite" },
		{ "{\"base\": \"/nonexistent/spate/base.json\"}",
		  "t.json: base: /nonexistent/spate/base.json: cannot open" },
		{ "{\n  \"base\": ,\n}", "t.json:2:" },
		{ "[1, 2]", "t.json: must be a JSON object, got an array" },
		{ "  \n", "t.json: empty file" },
	};
	for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++) {
		struct err e = { 0 };
		struct sweep *s = sweep_parse(whole[i].text, "t.json", &e);
		T_TRUE(s == NULL, "whole case %zu accepted", i);
		T_EQ_INT(e.code, ERR_INPUT);
		T_STR_CONTAINS(e.msg, whole[i].want);
		sweep_free(s);
	}
	/* a missing sweep file */
	struct err e = { 0 };
	T_TRUE(sweep_load(path_in("nope.json"), &e) == NULL, "loaded");
	T_STR_CONTAINS(e.msg, "nope.json: cannot open");
	/* a relative base path resolves against the sweep file's directory */
	T_EQ_INT(write_file(path_in("tiny.json"), TINY_BASE), 0);
	const char *rel = sweep_file("rel.json", "\"tiny.json\"", "");
	err_clear(&e);
	struct sweep *s = rel ? sweep_load(rel, &e) : NULL;
	T_TRUE(s != NULL, "%s", e.msg);
	sweep_free(s);
}

/* --- running ----------------------------------------------------------- */

/* -j 1 and -j 2 give the same database, whatever ran where. */
static void test_jobs_identical(void)
{
	const char *ref = ref_db();
	T_TRUE(ref != NULL, "no reference");
	if (!ref)
		return;
	const char *db2 = path_in("j2.db");
	struct sweep_stats st;
	struct err e = { 0 };
	T_EQ_INT(run_sweep(ref_sweep(), db2, 2, 0, &st, &e), 0);
	T_TRUE(e.code == ERR_OK, "%s", e.msg);
	T_EQ_INT(st.total, 8);
	T_EQ_INT(st.done, 8);
	T_EQ_INT(st.failed + st.skipped + st.recovered, 0);
	T_EQ_INT(q_int(ref, "SELECT count(*) FROM runs WHERE status = 'done'"), 8);
	T_EQ_INT(q_int(db2, "SELECT count(DISTINCT sweep_run) FROM runs"), 8);
	T_EQ_INT(q_int(db2, "SELECT count(*) FROM run_axes"), 16);
	T_TRUE(q_int(db2, "SELECT count(*) FROM timeline") > 0, "no timeline");
	T_SAME_DB(ref, db2);
	/* the runs record what varied */
	T_EQ_INT(q_int(db2, "SELECT count(*) FROM runs r JOIN run_axes a USING"
		 " (run_id) WHERE r.sweep_run = 5 AND ((a.axis ="
		 " 'autoscaler.policy' AND a.value = '\"kpa\"' AND r.policy ="
		 " 'kpa') OR (a.axis = 'sources[0].arrivals.rate_scale' AND"
		 " a.value = '1')) AND r.replication = 1 AND r.seed = 12"), 2);
	/* nothing is left beside the database */
	char sd[600];
	shard_dir(ref_sweep(), db2, sd, sizeof sd);
	T_TRUE(!exists(sd), "%s left behind", sd);
}

/* The steps of a driver of its own (sweep_mpi.c, one shard per rank): runs
 * left in two shards, in any order, count as done and give the -j 1
 * database; a run reported done but missing from the shards is an internal
 * error. */
static void test_job_steps(void)
{
	const char *ref = ref_db();
	T_TRUE(ref != NULL, "no reference");
	if (!ref)
		return;
	const char *db = path_in("job.db");
	struct sweep_stats st;
	struct err e = { 0 };
	struct sweep_opts o = { .path = ref_sweep(), .db = db, .quiet = 1,
				.stats = &st };
	struct sweep_job *j = sweep_job_start(&o, &e);
	T_TRUE(j != NULL, "%s", e.msg);
	if (!j)
		return;
	const struct sweep *s = sweep_job_sweep(j);
	size_t n = 0;
	const size_t *todo = sweep_job_todo(j, &n);
	T_EQ_INT(n, 8);
	char *sh[2] = { sweep_shard_path(s, db, 0), sweep_shard_path(s, db, 3) };
	T_TRUE(sh[0] && sh[1], "no shard path");
	if (sh[0] && sh[1])
		T_STR_CONTAINS(sh[1], "job.db.sweep-");
	for (size_t k = n; sh[0] && sh[1] && k-- > 0;) {
		struct err re = { 0 };
		T_EQ_INT(sweep_run_one(s, todo[k], sh[todo[k] % 2], NULL, NULL,
				       &re), 0);
		T_TRUE(re.code == ERR_OK, "%s", re.msg);
		sweep_job_result(j, todo[k], 1, ERR_OK, NULL);
	}
	T_EQ_INT(q_int(db, "SELECT count(*) FROM runs"), 0);
	T_EQ_INT(sweep_job_finish(j, 0, 8, "test", &e), 0);
	T_TRUE(e.code == ERR_OK, "%s", e.msg);
	T_EQ_INT(st.done, 8);
	T_EQ_INT(st.recovered + st.skipped + st.failed, 0);
	T_SAME_DB(ref, db);
	char sd[600];
	shard_dir(ref_sweep(), db, sd, sizeof sd);
	T_TRUE(!exists(sd), "%s left behind", sd);
	free(sh[0]);
	free(sh[1]);

	/* one run in a shard, two reported */
	o.db = path_in("job2.db");
	j = sweep_job_start(&o, &e);
	T_TRUE(j != NULL, "%s", e.msg);
	if (!j)
		return;
	s = sweep_job_sweep(j);
	char *one = sweep_shard_path(s, o.db, 1);
	T_EQ_INT(one ? sweep_run_one(s, 0, one, NULL, NULL, &e) : -1, 0);
	sweep_job_result(j, 0, 1, ERR_OK, NULL);
	sweep_job_result(j, 1, 1, ERR_OK, NULL);
	T_EQ_INT(sweep_job_finish(j, 0, 2, "test", &e), -1);
	T_EQ_INT(e.code, ERR_INTERNAL);
	T_STR_CONTAINS(e.msg, "1 of the 2 runs reported done are missing from"
		       " the shards");
	T_EQ_INT(q_int(o.db, "SELECT count(*) FROM runs WHERE sweep_run = 0"), 1);
	free(one);
}

/* A finished sweep is not run again by accident. */
static void test_rerun_needs_resume(void)
{
	const char *ref = ref_db();
	if (!ref) {
		CU_FAIL("no reference");
		return;
	}
	const char *db = path_in("again.db");
	T_EQ_INT(copy_file(ref, db), 0);
	struct sweep_stats st;
	struct err e = { 0 };
	T_EQ_INT(run_sweep(ref_sweep(), db, 1, 0, &st, &e), -1);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, "already holds 8 of the 8 runs of this sweep");
	T_STR_CONTAINS(e.msg, "--resume");
	err_clear(&e);
	T_EQ_INT(run_sweep(ref_sweep(), db, 2, 1, &st, &e), 0);
	T_EQ_INT(st.skipped, 8);
	T_EQ_INT(st.done, 0);
	T_EQ_INT(q_int(db, "SELECT count(*) FROM runs"), 8);
}

static void nap_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* SIGKILL the whole sweep (parent and worker) once a run is committed, then
 * resume: every index ends up present once, and the results are those of
 * an uninterrupted sweep. Runs 0-2 are short and 3-5 long, so the kill
 * lands mid-way. */
static void test_resume_after_kill(void)
{
	char rest[512];
	long long longer = test_quick() ? 60000 : 300000;
	snprintf(rest, sizeof rest,
		 "\"vary\": [{\"path\": \"sources[0].arrivals.count\","
		 " \"values\": [300, %lld]}], \"replications\": 3", longer);
	const char *sw = sweep_file("kill.json", TINY_BASE, rest);
	const char *db = path_in("killed.db"), *whole = path_in("whole.db");
	T_TRUE(sw != NULL, "sweep file");
	if (!sw)
		return;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		struct err e = { 0 };
		struct sweep_opts o = { .path = sw, .db = db, .jobs = 1,
					.quiet = 1 };
		_exit(sweep_run(&o, &e) == 0 ? 0 : 3);
	}
	T_TRUE(pid > 0, "fork");
	if (pid < 0)
		return;
	setpgid(pid, pid);
	long long n = -1;
	int status = 0, gone = 0;
	for (int i = 0; i < 60000 && n < 1; i++) {   /* up to a minute */
		n = q_int(db, "SELECT count(*) FROM runs");
		if (n < 1 && waitpid(pid, &status, WNOHANG) == pid) {
			gone = 1;
			break;
		}
		if (n < 1)
			nap_ms(1);
	}
	if (!gone) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	T_TRUE(!gone && WIFSIGNALED(status), "the sweep ended by itself (%d)",
	       status);
	long long before = q_int(db, "SELECT count(*) FROM runs");
	T_TRUE(before >= 1 && before < 6, "%lld runs before the resume", before);

	struct sweep_stats st;
	struct err e = { 0 };
	T_EQ_INT(run_sweep(sw, db, 1, 1, &st, &e), 0);
	T_TRUE(e.code == ERR_OK, "%s", e.msg);
	T_EQ_INT(st.total, 6);
	/* nothing finished is lost (a run the kill caught between its shard and
	 * the output is recovered) and nothing is repeated */
	T_EQ_INT(st.skipped, before);
	T_EQ_INT(st.done, 6 - (long long)(st.skipped + st.recovered));
	T_EQ_INT(q_int(db, "SELECT count(*) FROM runs"), 6);
	T_EQ_INT(q_int(db, "SELECT count(DISTINCT sweep_run) FROM runs"), 6);
	T_EQ_INT(q_int(db, "SELECT min(sweep_run) + 10 * max(sweep_run) FROM runs"), 50);
	T_EQ_INT(q_int(db, "SELECT count(*) FROM runs WHERE status = 'done'"), 6);
	char sd[600];
	shard_dir(sw, db, sd, sizeof sd);
	T_TRUE(!exists(sd), "%s left behind", sd);

	err_clear(&e);
	T_EQ_INT(run_sweep(sw, whole, 2, 0, &st, &e), 0);
	T_SAME_DB(db, whole);
}

/* Finished runs left in a killed sweep's shard are copied into the output
 * at the next start, and only then does the output say what is done. */
static void test_recover_shard(void)
{
	const char *ref = ref_db();
	if (!ref) {
		CU_FAIL("no reference");
		return;
	}
	const char *db = path_in("recov.db");
	char sd[600], shard[700];
	shard_dir(ref_sweep(), db, sd, sizeof sd);
	T_EQ_INT(mkdir(sd, 0777), 0);
	snprintf(shard, sizeof shard, "%s/shard-3", sd);
	T_EQ_INT(copy_file(ref, shard), 0);
	/* and the empty shard of a run killed before its schema */
	snprintf(shard, sizeof shard, "%s/shard-0", sd);
	T_EQ_INT(write_file(shard, ""), 0);
	struct sweep_stats st;
	struct err e = { 0 };
	T_EQ_INT(run_sweep(ref_sweep(), db, 2, 1, &st, &e), 0);
	T_TRUE(e.code == ERR_OK, "%s", e.msg);
	T_EQ_INT(st.recovered, 8);
	T_EQ_INT(st.done + st.skipped + st.failed, 0);
	T_SAME_DB(ref, db);
	T_TRUE(!exists(sd), "%s left behind", sd);

	/* without --resume the recovered runs are kept, and the sweep stops */
	const char *db2 = path_in("recov2.db");
	shard_dir(ref_sweep(), db2, sd, sizeof sd);
	T_EQ_INT(mkdir(sd, 0777), 0);
	snprintf(shard, sizeof shard, "%s/shard-1", sd);
	T_EQ_INT(copy_file(ref, shard), 0);
	err_clear(&e);
	T_EQ_INT(run_sweep(ref_sweep(), db2, 1, 0, &st, &e), -1);
	T_STR_CONTAINS(e.msg, "--resume");
	T_EQ_INT(q_int(db2, "SELECT count(*) FROM runs"), 8);
}

/* A run the config rejects is reported with its index and values; the
 * others run, and the sweep fails at the end. */
static void test_failed_run(void)
{
	const char *sw = sweep_file("bad.json", TINY_BASE,
				    "\"vary\": [{\"path\": \"functions[0].concurrency\","
				    " \"values\": [1, 0, 2]}]");
	const char *db = path_in("bad.db");
	FILE *log = tmpfile(), *log2 = tmpfile();
	T_TRUE(sw && log && log2, "setup");
	if (!sw || !log || !log2) {
		if (log)
			fclose(log);
		if (log2)
			fclose(log2);
		return;
	}
	struct sweep_stats st;
	struct err e = { 0 };
	struct sweep_opts o = { .path = sw, .db = db, .jobs = 2, .quiet = 1,
				.log = log, .stats = &st };
	T_EQ_INT(sweep_run(&o, &e), -1);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, "bad.json: 1 of 3 runs failed; the first: run 1"
		       " (functions[0].concurrency=0, replication 0): ");
	T_STR_CONTAINS(e.msg, "functions[0].concurrency");
	T_EQ_INT(st.done, 2);
	T_EQ_INT(st.failed, 1);
	T_EQ_INT(q_int(db, "SELECT count(*) FROM runs"), 2);
	T_EQ_INT(q_int(db, "SELECT sum(sweep_run) FROM runs"), 2);
	char text[2048] = "";
	rewind(log);
	size_t n = fread(text, 1, sizeof text - 1, log);
	text[n] = '\0';
	fclose(log);
	T_STR_CONTAINS(text, "run 1 (functions[0].concurrency=0, replication 0) failed: ");
	/* resume runs only the failed one, which fails again */
	err_clear(&e);
	o.resume = 1;
	o.log = log2;
	o.jobs = 1;
	T_EQ_INT(sweep_run(&o, &e), -1);
	T_EQ_INT(st.skipped, 2);
	T_EQ_INT(st.failed, 1);
	/* bad options */
	err_clear(&e);
	o.jobs = 0;
	T_EQ_INT(sweep_run(&o, &e), -1);
	T_STR_CONTAINS(e.msg, "jobs must be >= 1, got 0");
	fclose(log2);
}

/* An interrupt before anything starts stops the sweep with nothing run. */
static void test_interrupt(void)
{
	volatile sig_atomic_t flag = 1;
	struct sweep_stats st;
	struct err e = { 0 };
	const char *db = path_in("intr.db");
	struct sweep_opts o = { .path = ref_sweep(), .db = db, .jobs = 2,
				.quiet = 1, .interrupted = &flag, .stats = &st };
	T_EQ_INT(sweep_run(&o, &e), 1);
	T_EQ_INT(st.done + st.failed, 0);
	T_EQ_INT(q_int(db, "SELECT count(*) FROM runs"), 0);
	char sd[600];
	shard_dir(ref_sweep(), db, sd, sizeof sd);
	T_TRUE(!exists(sd), "%s left behind", sd);
	/* and the same sweep then runs in full */
	flag = 0;
	T_EQ_INT(sweep_run(&o, &e), 0);
	T_EQ_INT(st.done, 8);
	T_SAME_DB(ref_db(), db);
}

/* --- merge ------------------------------------------------------------- */

static int keep_parity(const char *db, int parity)
{
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "CREATE TEMP TABLE gone AS SELECT run_id FROM runs WHERE"
		 " sweep_run %% 2 = %d;"
		 "DELETE FROM run_axes WHERE run_id IN gone;"
		 "DELETE FROM timeline WHERE run_id IN gone;"
		 "DELETE FROM decisions WHERE run_id IN gone;"
		 "DELETE FROM latency_hist WHERE run_id IN gone;"
		 "DELETE FROM summary WHERE run_id IN gone;"
		 "DELETE FROM runs WHERE run_id IN gone;", 1 - parity);
	return q_exec(db, sql);
}

static void test_merge(void)
{
	const char *ref = ref_db();
	if (!ref) {
		CU_FAIL("no reference");
		return;
	}
	const char *a = path_in("even.db"), *b = path_in("odd.db");
	const char *out = path_in("merged.db");
	T_EQ_INT(copy_file(ref, a), 0);
	T_EQ_INT(copy_file(ref, b), 0);
	T_EQ_INT(keep_parity(a, 0), 0);
	T_EQ_INT(keep_parity(b, 1), 0);
	T_EQ_INT(q_int(a, "SELECT count(*) FROM runs"), 4);
	/* the odd shard first: run ids are reassigned, results are not */
	const char *in[] = { b, a };
	struct sweep_merge_counts mc;
	struct err e = { 0 };
	T_EQ_INT(sweep_merge(in, 2, out, &mc, &e), 0);
	T_TRUE(e.code == ERR_OK, "%s", e.msg);
	T_EQ_INT(mc.copied, 8);
	T_EQ_INT(mc.skipped, 0);
	T_EQ_INT(q_int(out, "SELECT count(*) FROM runs"), 8);
	T_EQ_INT(q_int(out, "SELECT count(*) FROM summary"),
		 q_int(ref, "SELECT count(*) FROM summary"));
	T_SAME_DB(ref, out);
	/* every child row points at a run of out */
	T_EQ_INT(q_int(out, "SELECT count(*) FROM timeline WHERE run_id NOT IN"
		 " (SELECT run_id FROM runs)"), 0);

	/* idempotent: merging again copies nothing */
	T_EQ_INT(sweep_merge(in, 2, out, &mc, &e), 0);
	T_EQ_INT(mc.copied, 0);
	T_EQ_INT(mc.skipped, 8);
	T_SAME_DB(ref, out);

	/* a run outside a sweep is copied once too */
	const char *single = path_in("single.db");
	struct config *c = config_parse(TINY_BASE, "single.json", NULL, 0, &e);
	struct runner_opts ro = { .db = single };
	struct runner_result res;
	T_TRUE(c && runner_run(c, &ro, &res, NULL, &e) == 0, "%s", e.msg);
	config_free(c);
	const char *one[] = { single };
	T_EQ_INT(sweep_merge(one, 1, out, &mc, &e), 0);
	T_EQ_INT(mc.copied, 1);
	T_EQ_INT(sweep_merge(one, 1, out, &mc, &e), 0);
	T_EQ_INT(mc.copied, 0);
	T_EQ_INT(mc.skipped, 1);
	T_EQ_INT(q_int(out, "SELECT count(*) FROM runs"), 9);

	/* refusals */
	const char *old = path_in("old.db");
	T_EQ_INT(copy_file(a, old), 0);
	T_EQ_INT(q_exec(old, "UPDATE meta SET value = '1' WHERE key ="
			" 'schema_version'"), 0);
	const char *bad[] = { old };
	err_clear(&e);
	T_EQ_INT(sweep_merge(bad, 1, out, &mc, &e), -1);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, "old.db: schema_version 1, but ");
	T_EQ_INT(q_int(out, "SELECT count(*) FROM runs"), 9);
	const char *missing[] = { path_in("missing.db") };
	err_clear(&e);
	T_EQ_INT(sweep_merge(missing, 1, out, &mc, &e), -1);
	T_STR_CONTAINS(e.msg, "missing.db: cannot open");
	T_TRUE(!exists(path_in("missing.db")), "merge created its input");
	const char *self[] = { out };
	err_clear(&e);
	T_EQ_INT(sweep_merge(self, 1, out, &mc, &e), -1);
	T_STR_CONTAINS(e.msg, "merged.db: is the output database");
	const char *text = path_in("text.db");
	T_EQ_INT(write_file(text, "not a database, just some text that is long"
			    " enough to be a header and then some more"), 0);
	const char *notdb[] = { text };
	err_clear(&e);
	T_EQ_INT(sweep_merge(notdb, 1, out, &mc, &e), -1);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, "text.db");
}

/* --- common random numbers ------------------------------------------------ */

/* The e2e value of metric in the run with this sweep_run (NAN if none). */
static double metric_of(const char *db, long run, const char *metric)
{
	char sql[512];
	snprintf(sql, sizeof sql,
		 "SELECT s.value FROM summary s JOIN runs r USING (run_id)"
		 " WHERE r.sweep_run = %ld AND s.scope = 'e2e' AND s.metric = '%s'",
		 run, metric);
	sqlite3 *h = NULL;
	double v = NAN;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_double(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return v;
}

static void test_common_random_numbers(void)
{
	/* two policies, three replications (innermost): run p * 3 + r */
	const char *sw = sweep_file("crn.json", DUR_BASE,
				    "\"vary\": [{\"path\": \"autoscaler.policy\","
				    " \"values\": [\"static\", \"hpa\"]},"
				    " {\"path\": \"functions[0].initial_replicas\","
				    " \"values\": [1]}], \"replications\": 3");
	const char *db = path_in("crn.db");
	struct sweep_stats st;
	struct err e = { 0 };
	T_EQ_INT(run_sweep(sw, db, 2, 0, &st, &e), 0);
	T_TRUE(e.code == ERR_OK, "%s", e.msg);
	double arr[2][3];
	for (int p = 0; p < 2; p++)
		for (int r = 0; r < 3; r++)
			arr[p][r] = metric_of(db, p * 3 + r, "arrivals");
	for (int r = 0; r < 3; r++) {
		T_TRUE(arr[0][r] > 300 && arr[0][r] < 500, "arrivals %g", arr[0][r]);
		T_NEAR(arr[1][r], arr[0][r], 0);
	}
	/* and the replications differ */
	T_TRUE(arr[0][0] != arr[0][1] || arr[0][1] != arr[0][2],
	       "replications saw %g %g %g arrivals", arr[0][0], arr[0][1],
	       arr[0][2]);
	/* hpa really did something else */
	T_TRUE(q_int(db, "SELECT count(*) FROM decisions d JOIN runs r USING"
		     " (run_id) WHERE r.policy = 'hpa' AND d.from_replicas <>"
		     " d.to_replicas") > 0, "hpa never scaled");

	/* static with 20 or 30 replicas: nothing waits, so each latency is a
	 * service time, and the service streams are common: equal
	 * histograms at each replication */
	const char *sw2 = sweep_file("crn2.json", DUR_BASE,
				     "\"vary\": [{\"path\": \"functions[0].initial_replicas\","
				     " \"values\": [20, 30]}], \"replications\": 2");
	const char *db2 = path_in("crn2.db");
	T_EQ_INT(run_sweep(sw2, db2, 1, 0, &st, &e), 0);
	T_TRUE(e.code == ERR_OK, "%s", e.msg);
	for (int r = 0; r < 2; r++) {
		T_NEAR(metric_of(db2, 2 + r, "arrivals"), metric_of(db2, r, "arrivals"), 0);
		T_NEAR(metric_of(db2, 2 + r, "mean"), metric_of(db2, r, "mean"), 0);
		T_NEAR(metric_of(db2, 2 + r, "p99"), metric_of(db2, r, "p99"), 0);
		char sql[600];
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM (SELECT scope, lo, hi, count FROM"
			 " latency_hist JOIN runs USING (run_id) WHERE sweep_run = %d"
			 " EXCEPT SELECT scope, lo, hi, count FROM latency_hist JOIN"
			 " runs USING (run_id) WHERE sweep_run = %d)", r, 2 + r);
		T_EQ_INT(q_int(db2, sql), 0);
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM latency_hist JOIN runs USING (run_id)"
			 " WHERE sweep_run = %d", r);
		T_TRUE(q_int(db2, sql) > 5, "histogram of run %d", r);
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM summary JOIN runs USING (run_id)"
			 " WHERE sweep_run IN (%d, %d) AND scope = 'f' AND metric ="
			 " 'wait_prob' AND value = 0", r, 2 + r);
		T_EQ_INT(q_int(db2, sql), 2);
	}
	T_TRUE(metric_of(db2, 0, "mean") != metric_of(db2, 1, "mean"),
	       "replications 0 and 1 have the same mean latency");
}

/* The example shipped in experiments/sweeps (found from the repository
 * root, where the tests run). */
static void test_example(void)
{
	const char *p = "experiments/sweeps/example.json";
	struct err e = { 0 };
	if (!exists(p)) {
		fprintf(stderr, "\n  (%s not found from here; skipped)\n", p);
		return;
	}
	struct sweep *s = sweep_load(p, &e);
	T_TRUE(s != NULL, "%s", e.msg);
	if (!s)
		return;
	T_EQ_INT(sweep_nruns(s), 8);
	for (size_t i = 0; i < sweep_nruns(s); i++) {
		struct config *c = sweep_config(s, i, &e);
		T_TRUE(c != NULL, "%s", e.msg);
		if (c)
			T_TRUE(!strcmp(c->experiment, "example-sweep"), "%s",
			       c->experiment);
		config_free(c);
	}
	sweep_free(s);
}

int test_sweep_register(void)
{
	CU_pSuite s = CU_add_suite("sweep", suite_init, suite_clean);
	if (!s)
		return -1;
	if (!CU_add_test(s, "expansion order and values", test_expansion) ||
	    !CU_add_test(s, "sweep hash", test_hash) ||
	    !CU_add_test(s, "validation messages", test_validation) ||
	    !CU_add_test(s, "-j 1 equals -j 2", test_jobs_identical) ||
	    !CU_add_test(s, "driver steps (as --mpi)", test_job_steps) ||
	    !CU_add_test(s, "rerun needs --resume", test_rerun_needs_resume) ||
	    !CU_add_test(s, "resume after SIGKILL", test_resume_after_kill) ||
	    !CU_add_test(s, "recovery of shards", test_recover_shard) ||
	    !CU_add_test(s, "failed runs", test_failed_run) ||
	    !CU_add_test(s, "interrupt", test_interrupt) ||
	    !CU_add_test(s, "merge", test_merge) ||
	    !CU_add_test(s, "common random numbers", test_common_random_numbers) ||
	    !CU_add_test(s, "shipped example", test_example))
		return -1;
	return 0;
}
