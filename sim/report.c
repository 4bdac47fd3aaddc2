/*
 * report: comparison tables from a results database (see report.h).
 *
 * Design: one read-only pass over the database into memory, then everything
 * in C. Runs are read once (their status counted, 'done' ones kept, sorted
 * by run_id so axis and summary rows find their run by binary search); each
 * --by axis and each metric is one prepared query. The kept runs are then
 * sorted by their key values, and each stretch of equal keys is a row.
 * Pairing sorts the runs a second time by the pairing key (the other keys,
 * replication, sweep, seed) and the policy, so each run's baseline partner
 * sits in the same stretch; a pair is formed only when the key picks exactly
 * one run on each side, since pairing with one of several candidates would
 * silently mix runs that common random numbers do not couple.
 * Invariants: a missing value is NAN and never counted (n is the count of
 * values actually averaged); an undefined statistic is NAN and printed
 * "n/a", never 0; every number a reader sees goes through num_style and
 * fmt_val, so the significant digits follow one rule (two of the
 * half-width, the mean to the same decimal place).
 * Access pattern: reports read at most a few thousand runs times a handful
 * of metrics, so the cost is the summary scans in SQLite; nothing here is
 * on a hot path. sqlite3 stays inside this file (and rec.c); statistics go
 * through stats.h (GSL).
 */
#include "report.h"

#include "err.h"
#include "stats.h"
#include "suggest.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define REPORT_SCHEMA_VERSION "2"   /* must follow rec.c's */
#define REPORT_BUSY_MS 30000
#define REPORT_MISSING "-"

/* ------------------------------------------------------------ strings */

/* A growable string; after a failed allocation it stays empty and oom. */
struct sbuf {
	char *s;
	size_t len, cap;
	int oom;
};

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

static void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if ((size_t)n < sizeof small) {
		sb_putn(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb_putn(b, big, (size_t)n);
	free(big);
}

/* The string so far ("" when empty or out of memory); stays owned by b. */
static const char *sb_str(const struct sbuf *b)
{
	return b->s && !b->oom ? b->s : "";
}

/* Hands the string over (NULL when out of memory) and resets b. */
static char *sb_take(struct sbuf *b)
{
	char *s = b->oom ? NULL : b->s ? b->s : strdup("");
	if (b->oom)
		free(b->s);
	*b = (struct sbuf){ 0 };
	return s;
}

static void sb_free(struct sbuf *b)
{
	free(b->s);
	*b = (struct sbuf){ 0 };
}

static void sb_latex(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\': sb_puts(b, "\\textbackslash{}"); break;
		case '~': sb_puts(b, "\\textasciitilde{}"); break;
		case '^': sb_puts(b, "\\textasciicircum{}"); break;
		case '&': case '%': case '$': case '#': case '_': case '{':
		case '}':
			sb_putn(b, "\\", 1);
			sb_putn(b, s, 1);
			break;
		default: sb_putn(b, s, 1);
		}
	}
}

static void sb_markdown(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '\\')
			sb_putn(b, "\\", 1);
		sb_putn(b, s, 1);
	}
}

/* Terminal columns of UTF-8 text (every code point one column, which holds
 * for the ± and Δ this file prints). */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* The candidate closest to s: the same but for case; else within a third
 * of its length in edits; else one whose last path component is s
 * ("rate" for "workload.rate"); else the first that s is a prefix of.
 * NULL when none is close. */
static const char *did_you_mean(const char *s, const char *const *cand,
				size_t n)
{
	size_t len = strlen(s);
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(cand[i], s) == 0)
			return cand[i];
	const char *best = suggest_closest(s, cand, n);
	for (size_t i = 0; !best && len > 0 && i < n; i++) {
		size_t lc = strlen(cand[i]);
		if (lc > len && cand[i][lc - len - 1] == '.' &&
		    strcmp(cand[i] + lc - len, s) == 0)
			best = cand[i];
	}
	for (size_t i = 0; !best && len > 0 && i < n; i++)
		if (strncmp(cand[i], s, len) == 0)
			best = cand[i];
	return best;
}

/* A growable list of owned strings (names present in the database). */
struct strlist {
	char **v;
	size_t n, cap;
};

static int sl_add(struct strlist *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(s)))
		return -1;
	l->n++;
	return 0;
}

static int sl_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

static void sl_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct strlist){ 0 };
}

static void sb_join(struct sbuf *b, const struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			sb_puts(b, ", ");
		sb_puts(b, l->v[i]);
	}
	if (!l->n)
		sb_puts(b, "(none)");
}

/* ------------------------------------------------------------ numbers */

/* How a number is written: conv 'f' with prec decimals, 'g' with prec
 * significant digits, or 'e' with prec mantissa decimals. */
struct numfmt {
	char conv;
	int prec;
};

/* The one rule for digits: with an interval, two significant digits of the
 * half-width and the mean to the same decimal place (scientific when that
 * would need more than six decimals or the mean is huge); without one, four
 * significant digits. */
static struct numfmt num_style(double x, double hw)
{
	if (!(isfinite(hw) && hw > 0))
		return (struct numfmt){ .conv = 'g', .prec = 4 };
	int ehw = (int)floor(log10(hw));
	int d = 1 - ehw;
	double ax = fabs(x);
	if (d > 6 || (isfinite(ax) && ax >= 1e7)) {
		int ex = isfinite(ax) && ax > hw ? (int)floor(log10(ax)) : ehw;
		int p = ex - ehw + 1;
		return (struct numfmt){ .conv = 'e',
					.prec = p < 1 ? 1 : p > 8 ? 8 : p };
	}
	return (struct numfmt){ .conv = 'f', .prec = d < 0 ? 0 : d };
}

/* The half-width's own format under the mean's. */
static struct numfmt hw_style(struct numfmt f)
{
	return f.conv == 'e' ? (struct numfmt){ .conv = 'e', .prec = 1 } : f;
}

/* Writes x in format f: "n/a" for NAN, a '+' on positives when sign, no sign
 * on a zero that rounding made; LaTeX puts signed or scientific numbers in
 * math mode with a proper minus and "\times10^{k}". */
static void fmt_val(struct sbuf *b, double x, struct numfmt f, int sign,
		    enum report_format style)
{
	if (isnan(x)) {
		sb_puts(b, "n/a");
		return;
	}
	char fmt[16], num[64];
	snprintf(fmt, sizeof fmt, "%%%s.%d%c", sign ? "+" : "", f.prec,
		 f.conv);
	snprintf(num, sizeof num, fmt, x);
	char *p = num;
	if ((*p == '-' || *p == '+') && strtod(p, NULL) == 0)
		p++;   /* "-0.00": the sign of nothing */
	char *ex = strchr(p, 'e');
	if (style != REPORT_LATEX || (!ex && *p != '-' && *p != '+') ||
	    !strcmp(p + (*p == '-' || *p == '+'), "inf")) {
		sb_puts(b, p);
		return;
	}
	sb_putn(b, "$", 1);
	if (ex) {
		*ex = '\0';
		long k = strtol(ex + 1, NULL, 10);
		sb_printf(b, "%s\\times10^{%ld}", p, k);
	} else {
		sb_puts(b, p);
	}
	sb_putn(b, "$", 1);
}

/* CSV numbers: enough digits for plotting and re-analysis, no rounding to
 * the interval. */
static void fmt_csv(struct sbuf *b, double x)
{
	if (isnan(x))
		sb_puts(b, "n/a");
	else
		sb_printf(b, "%.10g", x);
}

/* ------------------------------------------------------------ the report */

struct run {
	const struct report *r;   /* for the sort comparators */
	int64_t id, seed;
	int replication;
	char *experiment, *policy, *sweep;
	char **key;               /* nkeys values; NULL: missing */
	double *val;              /* nmetric values; NAN: missing */
	const struct run *partner;
};

struct metric {
	char *label;   /* as asked */
	char *scope, *name;
};

struct group {
	size_t first, count;   /* a stretch of r->run after sorting */
	int is_base;
	size_t paired;
	int short_cell;        /* some cell of this row has n < count */
};

struct report {
	char *path, *experiment, *baseline;
	double confidence;
	FILE *notes;
	size_t nkeys;
	char **keyname;
	int *numeric;          /* per key: every value is a number */
	int policy_key;        /* index of "policy" in keyname, or -1 */
	size_t nmetric;
	struct metric *metric;
	size_t nrun;
	struct run *run;
	char **keyval;         /* nrun * nkeys, the storage of run[].key */
	double *val;           /* nrun * nmetric, the storage of run[].val */
	size_t ngroup;
	struct group *group;
	struct report_stat *stat;   /* ngroup * nmetric */
	struct report_diff *diff;   /* ngroup * nmetric, when baseline */
	struct report_counts counts;
};

static int oom(struct err *e, const char *where)
{
	return err_set(e, ERR_INTERNAL, "%s: out of memory", where);
}

static int db_fail(sqlite3 *db, const char *path, const char *what,
		   struct err *e)
{
	int rc = sqlite3_extended_errcode(db);
	if (rc == SQLITE_READONLY_ROLLBACK)
		return err_set(e, ERR_INPUT,
			       "%s: a killed writer left a hot journal, which a"
			       " read-only reader cannot roll back; opening"
			       " the database read-write once does (e.g."
			       " sqlite3 '%s' 'SELECT count(*) FROM runs')",
			       path, path);
	if ((rc & 0xff) == SQLITE_NOTADB)
		return err_set(e, ERR_INPUT,
			       "%s: not a spate results database (%s)", path,
			       sqlite3_errmsg(db));
	/* the user's file, damaged (truncated, overwritten): bad input */
	if ((rc & 0xff) == SQLITE_CORRUPT)
		return err_set(e, ERR_INPUT, "%s: %s: damaged database file (%s)",
			       path, what, sqlite3_errmsg(db));
	return err_set(e, ERR_INTERNAL, "%s: %s: %s", path, what,
		       sqlite3_errmsg(db));
}

static int prepare(sqlite3 *db, const char *path, const char *sql,
		   sqlite3_stmt **st, struct err *e)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return db_fail(db, path, "query", e);
	}
	return 0;
}

/* Binds the experiment filter (parameter 1, if the statement has one;
 * NULL matches every run). */
static int bind_experiment(sqlite3_stmt *st, const struct report *r)
{
	if (sqlite3_bind_parameter_count(st) < 1)
		return SQLITE_OK;
	return r->experiment
		       ? sqlite3_bind_text(st, 1, r->experiment, -1,
					   SQLITE_STATIC)
		       : sqlite3_bind_null(st, 1);
}

static char *col_dup(sqlite3_stmt *st, int i, int *bad)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	if (!t)
		return NULL;
	char *s = strdup((const char *)t);
	if (!s)
		*bad = 1;
	return s;
}

/* 1 when the table exists; else -1 and e (which says so). */
static int has_table(sqlite3 *db, const char *path, const char *name,
		     struct err *e)
{
	sqlite3_stmt *st = NULL;
	if (prepare(db, path,
		    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND"
		    " name = ?1", &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return err_set(e, ERR_INPUT,
			       "%s: not a spate results database (no %s"
			       " table)", path, name);
	return db_fail(db, path, "reading schema", e);
}

/* Opens path read-only and checks it is a results database of this schema
 * version. */
static sqlite3 *db_open(const char *path, struct err *e)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		err_set(e, ERR_INPUT, "%s: not a spate results database (%s)",
			path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(sb.st_mode)) {
		err_set(e, ERR_INPUT,
			"%s: not a spate results database (not a file)", path);
		return NULL;
	}
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		err_set(e, ERR_INPUT, "%s: not a spate results database (%s)",
			path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, REPORT_BUSY_MS);

	/* The version first: an older database lacks newer tables, and its
	 * version is what says why. */
	sqlite3_stmt *st = NULL;
	if (has_table(db, path, "meta", e) != 1)
		goto fail;
	if (prepare(db, path,
		    "SELECT value FROM meta WHERE key = 'schema_version'", &st,
		    e) != 0)
		goto fail;
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_fail(db, path, "reading schema_version", e);
		goto fail;
	}
	const unsigned char *v =
		rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	if (!v || strcmp((const char *)v, REPORT_SCHEMA_VERSION) != 0) {
		err_set(e, ERR_INPUT,
			"%s: not a spate results database (schema_version %s,"
			" this spate reads " REPORT_SCHEMA_VERSION ")",
			path, v ? (const char *)v : "missing");
		goto fail;
	}
	static const char *const tables[] = { "runs", "run_axes", "summary" };
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
		if (has_table(db, path, tables[i], e) != 1)
			goto fail;
	sqlite3_finalize(st);
	return db;
fail:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return NULL;
}

static int cmp_id(const void *a, const void *b)
{
	const struct run *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

/* The kept run with this id (runs are in id order while loading). */
static struct run *find_run(struct report *r, int64_t id)
{
	struct run key = { .id = id };
	return bsearch(&key, r->run, r->nrun, sizeof *r->run, cmp_id);
}

static int names_of(sqlite3 *db, const struct report *r, const char *sql,
		    struct strlist *out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	if (prepare(db, r->path, sql, &st, e) != 0)
		return -1;
	bind_experiment(st, r);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		if (sl_add(out, t ? (const char *)t : REPORT_MISSING) != 0) {
			sqlite3_finalize(st);
			return oom(e, r->path);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, r->path, "query", e);
	return 0;
}

static int load_runs(sqlite3 *db, struct report *r, struct err *e)
{
	sqlite3_stmt *st = NULL;
	if (prepare(db, r->path,
		    "SELECT run_id, experiment, policy, seed, replication,"
		    " sweep, status FROM runs"
		    " WHERE ?1 IS NULL OR experiment = ?1 ORDER BY run_id",
		    &st, e) != 0)
		return -1;
	bind_experiment(st, r);
	size_t cap = 0;
	int rc, bad = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *status = sqlite3_column_text(st, 6);
		const char *s = status ? (const char *)status : "";
		if (strcmp(s, "done") != 0) {
			if (!strcmp(s, "interrupted"))
				r->counts.interrupted++;
			else if (!strcmp(s, "failed"))
				r->counts.failed++;
			else
				r->counts.other++;
			continue;
		}
		if (r->nrun == cap) {
			cap = cap ? cap * 2 : 64;
			struct run *v = realloc(r->run, cap * sizeof *v);
			if (!v) {
				bad = 1;
				break;
			}
			r->run = v;
		}
		struct run *u = &r->run[r->nrun++];
		*u = (struct run){
			.r = r,
			.id = sqlite3_column_int64(st, 0),
			.seed = sqlite3_column_int64(st, 3),
			.replication = sqlite3_column_int(st, 4),
		};
		u->experiment = col_dup(st, 1, &bad);
		u->policy = col_dup(st, 2, &bad);
		u->sweep = col_dup(st, 5, &bad);
		if (bad)
			break;
	}
	sqlite3_finalize(st);
	if (bad)
		return oom(e, r->path);
	if (rc != SQLITE_DONE)
		return db_fail(db, r->path, "reading runs", e);
	r->counts.done = r->nrun;
	if (r->nrun > 0)
		return 0;

	size_t total = r->counts.interrupted + r->counts.failed +
		       r->counts.other;
	if (r->experiment && total == 0) {
		struct strlist ex = { 0 };
		struct sbuf b = { 0 };
		if (names_of(db, r,
			     "SELECT DISTINCT experiment FROM runs"
			     " ORDER BY experiment",
			     &ex, e) == 0) {
			sb_join(&b, &ex);
			const char *dym = did_you_mean(
				r->experiment, (const char *const *)ex.v,
				ex.n);
			err_set(e, ERR_INPUT,
				"%s: no runs of experiment '%s'%s%s%s"
				" (experiments: %s)",
				r->path, r->experiment,
				dym ? " (did you mean '" : "", dym ? dym : "",
				dym ? "'?)" : "", sb_str(&b));
		}
		sl_free(&ex);
		sb_free(&b);
		return -1;
	}
	return err_set(e, ERR_INPUT,
		       "%s: no done runs to report%s%s (%zu interrupted, %zu"
		       " failed, %zu other)",
		       r->path, r->experiment ? " of experiment " : "",
		       r->experiment ? r->experiment : "",
		       r->counts.interrupted, r->counts.failed,
		       r->counts.other);
}

/* Checks the --by keys against the axes present and fills each run's key
 * values. */
static int load_keys(sqlite3 *db, struct report *r, struct err *e)
{
	struct strlist axes = { 0 };
	sqlite3_stmt *st = NULL;
	int ret = -1;
	for (size_t k = 0; k < r->nkeys; k++) {
		const char *name = r->keyname[k];
		for (size_t j = 0; j < k; j++)
			if (!strcmp(r->keyname[j], name)) {
				err_set(e, ERR_INPUT, "--by: '%s' given twice",
					name);
				goto out;
			}
		if (!strcmp(name, "replication")) {
			err_set(e, ERR_INPUT,
				"--by: 'replication' is not a grouping key:"
				" replications are what each row averages"
				" over");
			goto out;
		}
	}
	if (names_of(db, r,
		     "SELECT DISTINCT a.axis FROM run_axes a JOIN runs r"
		     " ON a.run_id = r.run_id WHERE r.status = 'done' AND"
		     " (?1 IS NULL OR r.experiment = ?1) ORDER BY a.axis",
		     &axes, e) != 0)
		goto out;

	if (prepare(db, r->path,
		    "SELECT run_id, value,"
		    " CASE WHEN json_valid(value) AND json_type(value) = 'text'"
		    " THEN json_extract(value, '$') END"
		    " FROM run_axes WHERE axis = ?1 ORDER BY rowid",
		    &st, e) != 0)
		goto out;
	for (size_t k = 0; k < r->nkeys; k++) {
		const char *name = r->keyname[k];
		int is_policy = !strcmp(name, "policy");
		if (is_policy || !strcmp(name, "experiment")) {
			for (size_t i = 0; i < r->nrun; i++) {
				const char *v = is_policy
							? r->run[i].policy
							: r->run[i].experiment;
				if (v && !(r->run[i].key[k] = strdup(v))) {
					oom(e, r->path);
					goto out;
				}
			}
			if (is_policy)
				r->policy_key = (int)k;
			continue;
		}
		if (!sl_has(&axes, name)) {
			struct strlist known = { 0 };
			struct sbuf b = { 0 };
			if (sl_add(&known, "policy") || sl_add(&known, "experiment")) {
				sl_free(&known);
				oom(e, r->path);
				goto out;
			}
			for (size_t i = 0; i < axes.n; i++)
				if (sl_add(&known, axes.v[i]) != 0) {
					sl_free(&known);
					oom(e, r->path);
					goto out;
				}
			sb_join(&b, &known);
			const char *dym = did_you_mean(
				name, (const char *const *)known.v, known.n);
			err_set(e, ERR_INPUT,
				"--by: unknown key '%s'%s%s%s in %s (keys:"
				" %s)",
				name, dym ? " (did you mean '" : "",
				dym ? dym : "", dym ? "'?)" : "", r->path,
				sb_str(&b));
			sl_free(&known);
			sb_free(&b);
			goto out;
		}
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct run *u = find_run(r, sqlite3_column_int64(st, 0));
			if (!u || u->key[k])
				continue;   /* not kept, or a duplicate row */
			const unsigned char *t = sqlite3_column_text(st, 2);
			if (!t)
				t = sqlite3_column_text(st, 1);
			if (!t)
				continue;
			if (!(u->key[k] = strdup((const char *)t))) {
				oom(e, r->path);
				goto out;
			}
		}
		if (rc != SQLITE_DONE) {
			db_fail(db, r->path, "reading run_axes", e);
			goto out;
		}
		sqlite3_reset(st);
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	sl_free(&axes);
	return ret;
}

/* The message for a metric no kept run has: what is there instead. */
static void unknown_metric(sqlite3 *db, struct report *r,
			   const struct metric *m, const char *scope0,
			   struct err *e)
{
	sqlite3_stmt *st = NULL;
	struct strlist scopes = { 0 }, e2e = { 0 }, fnm = { 0 }, cand = { 0 };
	struct sbuf b = { 0 }, lab = { 0 };
	if (prepare(db, r->path,
		    "SELECT s.scope, s.metric, min(s.rowid) AS o FROM summary s"
		    " JOIN runs r ON s.run_id = r.run_id WHERE r.status ="
		    " 'done' AND (?1 IS NULL OR r.experiment = ?1)"
		    " GROUP BY s.scope, s.metric ORDER BY o", &st, e) != 0)
		return;
	bind_experiment(st, r);
	int rc = SQLITE_DONE, bad = 0;
	while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *sc = sqlite3_column_text(st, 0);
		const unsigned char *me = sqlite3_column_text(st, 1);
		if (!sc || !me)
			continue;
		const char *s = (const char *)sc, *n = (const char *)me;
		int is_e2e = !strcmp(s, "e2e");
		if (!sl_has(&scopes, s))
			bad |= sl_add(&scopes, s);
		struct strlist *l = is_e2e ? &e2e : &fnm;
		if (!sl_has(l, n))
			bad |= sl_add(l, n);
		if (strcmp(s, scope0) == 0)
			sb_puts(&lab, n);
		else
			sb_printf(&lab, "%s.%s", s, n);
		if (lab.oom)
			bad = 1;
		else
			bad |= sl_add(&cand, sb_str(&lab));
		sb_free(&lab);
	}
	sqlite3_finalize(st);
	if (bad) {
		oom(e, r->path);
		goto out;
	}
	if (rc != SQLITE_DONE) {
		db_fail(db, r->path, "reading summary", e);
		goto out;
	}
	const char *dym = did_you_mean(m->label, (const char *const *)cand.v,
				       cand.n);
	sb_puts(&b, "e2e: ");
	sb_join(&b, &e2e);
	if (fnm.n) {
		sb_puts(&b, "; per function (");
		int first = 1;
		for (size_t i = 0; i < scopes.n; i++)
			if (strcmp(scopes.v[i], "e2e") != 0) {
				sb_printf(&b, "%s%s", first ? "" : ", ",
					  scopes.v[i]);
				first = 0;
			}
		sb_puts(&b, ", as FUNCTION.METRIC): ");
		sb_join(&b, &fnm);
	}
	if (sl_has(&scopes, m->scope) || !strcmp(m->scope, scope0))
		err_set(e, ERR_INPUT,
			"--metrics: unknown metric '%s'%s%s%s in %s; metrics"
			" present: %s",
			m->label, dym ? " (did you mean '" : "",
			dym ? dym : "", dym ? "'?)" : "", r->path, sb_str(&b));
	else
		err_set(e, ERR_INPUT,
			"--metrics: '%s': no function or scope '%s'%s%s%s in"
			" %s; metrics present: %s",
			m->label, m->scope, dym ? " (did you mean '" : "",
			dym ? dym : "", dym ? "'?)" : "", r->path, sb_str(&b));
out:
	sl_free(&scopes);
	sl_free(&e2e);
	sl_free(&fnm);
	sl_free(&cand);
	sb_free(&b);
}

static int load_metrics(sqlite3 *db, struct report *r, const char *scope0,
			struct err *e)
{
	sqlite3_stmt *st = NULL;
	if (prepare(db, r->path,
		    "SELECT run_id, value FROM summary WHERE scope = ?1 AND"
		    " metric = ?2", &st, e) != 0)
		return -1;
	for (size_t m = 0; m < r->nmetric; m++) {
		const struct metric *me = &r->metric[m];
		sqlite3_bind_text(st, 1, me->scope, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, me->name, -1, SQLITE_STATIC);
		size_t found = 0;
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct run *u = find_run(r, sqlite3_column_int64(st, 0));
			if (!u)
				continue;
			found++;
			/* NAN is stored as NULL: it stays missing. */
			if (sqlite3_column_type(st, 1) != SQLITE_NULL &&
			    isnan(u->val[m]))
				u->val[m] = sqlite3_column_double(st, 1);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			sqlite3_finalize(st);
			return db_fail(db, r->path, "reading summary", e);
		}
		if (!found) {
			sqlite3_finalize(st);
			unknown_metric(db, r, me, scope0, e);
			return -1;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

/* ------------------------------------------------------------ grouping */

/* Accepts what a JSON or C number looks like, finite. */
static int is_number(const char *s)
{
	if (!s || !strchr("-+.0123456789", *s) || !*s)
		return 0;
	char *end;
	double v = strtod(s, &end);
	return *end == '\0' && isfinite(v);
}

/* Missing values last; numbers by value when the key is numeric. */
static int cmp_key(const char *a, const char *b, int numeric)
{
	if (!a || !b)
		return (!a) - (!b);
	if (numeric) {
		double x = strtod(a, NULL), y = strtod(b, NULL);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return strcmp(a, b);
}

static int cmp_group(const void *pa, const void *pb)
{
	const struct run *a = pa, *b = pb;
	const struct report *r = a->r;
	for (size_t k = 0; k < r->nkeys; k++) {
		int c = cmp_key(a->key[k], b->key[k], r->numeric[k]);
		if (c)
			return c;
	}
	return (a->id > b->id) - (a->id < b->id);
}

static int same_group(const struct run *a, const struct run *b)
{
	for (size_t k = 0; k < a->r->nkeys; k++) {
		const char *x = a->key[k], *y = b->key[k];
		if ((!x) != (!y) || (x && strcmp(x, y) != 0))
			return 0;
	}
	return 1;
}

/* The pairing key: every key but policy, replication, sweep, seed. */
static int cmp_pairkey(const struct run *a, const struct run *b)
{
	const struct report *r = a->r;
	for (size_t k = 0; k < r->nkeys; k++) {
		if ((int)k == r->policy_key)
			continue;
		int c = cmp_key(a->key[k], b->key[k], 0);
		if (c)
			return c;
	}
	if (a->replication != b->replication)
		return a->replication < b->replication ? -1 : 1;
	int c = cmp_key(a->sweep, b->sweep, 0);
	if (c)
		return c;
	return (a->seed > b->seed) - (a->seed < b->seed);
}

static int cmp_pair(const void *pa, const void *pb)
{
	const struct run *a = *(const struct run *const *)pa;
	const struct run *b = *(const struct run *const *)pb;
	int c = cmp_pairkey(a, b);
	if (!c)
		c = cmp_key(a->policy, b->policy, 0);
	return c ? c : (a->id > b->id) - (a->id < b->id);
}

static int same_policy(const struct run *a, const struct run *b)
{
	return cmp_key(a->policy, b->policy, 0) == 0;
}

static int is_base(const struct report *r, const struct run *u)
{
	return u->policy && !strcmp(u->policy, r->baseline);
}

/* Sets each run's partner, and the counts. */
static int pair_runs(struct report *r, struct err *e)
{
	const struct run **p = malloc(r->nrun * sizeof *p);
	if (!p)
		return oom(e, r->path);
	for (size_t i = 0; i < r->nrun; i++)
		p[i] = &r->run[i];
	qsort(p, r->nrun, sizeof *p, cmp_pair);
	for (size_t i = 0; i < r->nrun;) {
		size_t j = i + 1;
		while (j < r->nrun && cmp_pairkey(p[i], p[j]) == 0)
			j++;
		/* [i, j): one pairing key, runs sorted by policy */
		const struct run *base = NULL;
		size_t nbase = 0;
		for (size_t k = i; k < j; k++)
			if (is_base(r, p[k])) {
				base = p[k];
				nbase++;
			}
		for (size_t k = i; k < j;) {
			size_t l = k + 1;
			while (l < j && same_policy(p[k], p[l]))
				l++;
			if (!is_base(r, p[k])) {
				size_t n = l - k;
				if (nbase == 1 && n == 1) {
					((struct run *)p[k])->partner = base;
					r->counts.paired++;
				} else if (nbase == 0) {
					r->counts.no_partner += n;
				} else {
					r->counts.ambiguous += n;
				}
			}
			k = l;
		}
		i = j;
	}
	free(p);
	return 0;
}

/* Mean, sd and half-width of x[0..n); NAN where undefined. */
static struct report_stat summarize(const double *x, size_t n, double conf)
{
	struct report_stat s = { .n = n, .mean = NAN, .sd = NAN, .hw = NAN };
	if (n == 1)
		s.mean = x[0];
	else if (n >= 2) {
		stats_mean_ci(x, n, conf, &s.mean, &s.hw);
		s.sd = stats_sd(x, n);
	}
	return s;
}

static int compute(struct report *r, struct err *e)
{
	size_t cap = 0;
	for (size_t i = 0; i < r->nrun; i++) {
		if (i == 0 || !same_group(&r->run[i - 1], &r->run[i])) {
			if (r->ngroup == cap) {
				cap = cap ? cap * 2 : 16;
				struct group *g = realloc(r->group,
							  cap * sizeof *g);
				if (!g)
					return oom(e, r->path);
				r->group = g;
			}
			r->group[r->ngroup++] = (struct group){ .first = i };
		}
		struct group *g = &r->group[r->ngroup - 1];
		g->count++;
		if (r->baseline) {
			g->is_base = is_base(r, &r->run[i]);
			g->paired += r->run[i].partner != NULL;
		}
	}
	size_t cells = r->ngroup * r->nmetric;
	r->stat = calloc(cells ? cells : 1, sizeof *r->stat);
	if (r->baseline)
		r->diff = calloc(cells ? cells : 1, sizeof *r->diff);
	double *x = malloc(2 * r->nrun * sizeof *x);
	if (!r->stat || (r->baseline && !r->diff) || !x) {
		free(x);
		return oom(e, r->path);
	}
	double *y = x + r->nrun;
	for (size_t gi = 0; gi < r->ngroup; gi++) {
		struct group *g = &r->group[gi];
		for (size_t m = 0; m < r->nmetric; m++) {
			size_t n = 0;
			for (size_t i = g->first; i < g->first + g->count; i++)
				if (!isnan(r->run[i].val[m]))
					x[n++] = r->run[i].val[m];
			struct report_stat *s = &r->stat[gi * r->nmetric + m];
			*s = summarize(x, n, r->confidence);
			if (n < g->count)
				g->short_cell = 1;
			if (!r->baseline || g->is_base)
				continue;
			n = 0;
			for (size_t i = g->first; i < g->first + g->count; i++) {
				const struct run *u = &r->run[i];
				if (!u->partner || isnan(u->val[m]) ||
				    isnan(u->partner->val[m]))
					continue;
				y[n] = u->partner->val[m];
				x[n++] = u->val[m] - u->partner->val[m];
			}
			struct report_stat d = summarize(x, n, r->confidence);
			struct report_diff *df = &r->diff[gi * r->nmetric + m];
			*df = (struct report_diff){ .n = n, .mean = d.mean,
						    .hw = d.hw,
						    .base_mean = stats_mean(y, n),
						    .rel_pct = NAN };
			if (n > 0 && df->base_mean != 0)
				df->rel_pct = 100 * d.mean / df->base_mean;
			if (n < g->paired)
				g->short_cell = 1;
		}
	}
	free(x);
	return 0;
}

/* ------------------------------------------------------------ building */

static int parse_metric(const char *s, const char *scope0, struct metric *m,
			struct err *e)
{
	const char *dot = strchr(s, '.');
	m->label = strdup(s);
	if (dot) {
		m->scope = strndup(s, (size_t)(dot - s));
		m->name = strdup(dot + 1);
	} else {
		m->scope = strdup(scope0);
		m->name = strdup(s);
	}
	if (!m->label || !m->scope || !m->name)
		return oom(e, "--metrics");
	if (!*m->scope || !*m->name || strchr(m->name, '.'))
		return err_set(e, ERR_INPUT,
			       "--metrics: bad metric name '%s' (METRIC or"
			       " FUNCTION.METRIC)", s);
	return 0;
}

static int setup(struct report *r, const struct report_opts *o,
		 const char *scope0, char ***deflist, struct err *e)
{
	r->confidence = o->confidence == 0 ? 0.95 : o->confidence;
	if (!(r->confidence > 0 && r->confidence < 1))
		return err_set(e, ERR_INPUT,
			       "confidence %g: not in (0, 1)", o->confidence);
	r->notes = o->notes;
	r->policy_key = -1;
	if ((o->baseline && !(r->baseline = strdup(o->baseline))) ||
	    (o->where_experiment &&
	     !(r->experiment = strdup(o->where_experiment))))
		return oom(e, "report");
	if (o->baseline && !*o->baseline)
		return err_set(e, ERR_INPUT, "--baseline: empty policy name");

	static const char *const defby[] = { "policy" };
	const char *const *by = o->nby ? o->by : defby;
	r->nkeys = o->nby ? o->nby : 1;
	r->keyname = calloc(r->nkeys, sizeof *r->keyname);
	r->numeric = calloc(r->nkeys, sizeof *r->numeric);
	if (!r->keyname || !r->numeric)
		return oom(e, "report");
	for (size_t k = 0; k < r->nkeys; k++) {
		if (!by[k] || !*by[k])
			return err_set(e, ERR_INPUT, "--by: empty key name");
		if (!(r->keyname[k] = strdup(by[k])))
			return oom(e, "report");
	}
	if (r->baseline) {
		size_t k = 0;
		while (k < r->nkeys && strcmp(r->keyname[k], "policy") != 0)
			k++;
		if (k == r->nkeys)
			return err_set(e, ERR_INPUT,
				       "--baseline compares policies: add"
				       " policy to --by (e.g. --by policy,%s)",
				       r->keyname[0]);
	}

	const char *const *ms = o->metrics;
	size_t nm = o->nmetrics;
	if (!nm) {
		if (report_parse_list("--metrics", REPORT_DEFAULT_METRICS,
				      deflist, &nm, e) != 0)
			return -1;
		ms = (const char *const *)*deflist;
	}
	r->nmetric = nm;
	r->metric = calloc(nm, sizeof *r->metric);
	if (!r->metric)
		return oom(e, "report");
	for (size_t m = 0; m < nm; m++) {
		if (!ms[m] || !*ms[m])
			return err_set(e, ERR_INPUT,
				       "--metrics: empty metric name");
		if (parse_metric(ms[m], scope0, &r->metric[m], e) != 0)
			return -1;
		for (size_t j = 0; j < m; j++)
			if (!strcmp(r->metric[j].label, ms[m]))
				return err_set(e, ERR_INPUT,
					       "--metrics: '%s' given twice",
					       ms[m]);
	}
	return 0;
}

/* The baseline must have done runs; say which policies do. */
static int check_baseline(struct report *r, struct err *e)
{
	for (size_t i = 0; i < r->nrun; i++)
		if (is_base(r, &r->run[i]))
			return 0;
	struct strlist pol = { 0 };
	struct sbuf b = { 0 };
	for (size_t i = 0; i < r->nrun; i++) {
		const char *p = r->run[i].policy ? r->run[i].policy
						 : REPORT_MISSING;
		if (!sl_has(&pol, p) && sl_add(&pol, p) != 0) {
			sl_free(&pol);
			return oom(e, r->path);
		}
	}
	sb_join(&b, &pol);
	const char *dym = did_you_mean(r->baseline, (const char *const *)pol.v,
				       pol.n);
	err_set(e, ERR_INPUT,
		"--baseline: policy '%s' has no done runs in %s%s%s%s"
		" (policies: %s)",
		r->baseline, r->path, dym ? " (did you mean '" : "",
		dym ? dym : "", dym ? "'?)" : "", sb_str(&b));
	sl_free(&pol);
	sb_free(&b);
	return -1;
}

struct report *report_compute(const char *db_path,
			      const struct report_opts *o, struct err *e)
{
	static const struct report_opts defaults = { .format = REPORT_TABLE };
	if (!o)
		o = &defaults;
	if (!db_path || !*db_path) {
		err_set(e, ERR_INPUT, "report: no database given");
		return NULL;
	}
	struct report *r = calloc(1, sizeof *r);
	char **deflist = NULL;
	sqlite3 *db = NULL;
	if (!r || !(r->path = strdup(db_path))) {
		oom(e, db_path);
		goto fail;
	}
	const char *scope0 = o->scope && *o->scope ? o->scope : "e2e";
	if (o->scope && strchr(o->scope, '.')) {
		err_set(e, ERR_INPUT, "--scope: '%s' cannot contain '.'",
			o->scope);
		goto fail;
	}
	if (setup(r, o, scope0, &deflist, e) != 0)
		goto fail;
	if (!(db = db_open(db_path, e)))
		goto fail;
	if (load_runs(db, r, e) != 0)
		goto fail;
	r->keyval = calloc(r->nrun * r->nkeys, sizeof *r->keyval);
	r->val = malloc(r->nrun * r->nmetric * sizeof *r->val);
	if (!r->keyval || !r->val) {
		oom(e, db_path);
		goto fail;
	}
	for (size_t i = 0; i < r->nrun * r->nmetric; i++)
		r->val[i] = NAN;
	for (size_t i = 0; i < r->nrun; i++) {
		r->run[i].key = r->keyval + i * r->nkeys;
		r->run[i].val = r->val + i * r->nmetric;
	}
	if (load_keys(db, r, e) != 0 || load_metrics(db, r, scope0, e) != 0)
		goto fail;
	sqlite3_close(db);
	db = NULL;
	if (r->baseline && check_baseline(r, e) != 0)
		goto fail;

	for (size_t k = 0; k < r->nkeys; k++) {
		int numeric = 1, any = 0;
		for (size_t i = 0; i < r->nrun && numeric; i++)
			if (r->run[i].key[k]) {
				any = 1;
				numeric = is_number(r->run[i].key[k]);
			}
		r->numeric[k] = numeric && any;
	}
	/* From here on runs move; nothing looks them up by id any more. */
	qsort(r->run, r->nrun, sizeof *r->run, cmp_group);
	if ((r->baseline && pair_runs(r, e) != 0) || compute(r, e) != 0)
		goto fail;
	free(deflist);
	return r;
fail:
	sqlite3_close(db);
	free(deflist);
	report_free(r);
	return NULL;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nrun; i++) {
		free(r->run[i].experiment);
		free(r->run[i].policy);
		free(r->run[i].sweep);
	}
	if (r->keyval)
		for (size_t i = 0; i < r->nrun * r->nkeys; i++)
			free(r->keyval[i]);
	for (size_t k = 0; r->keyname && k < r->nkeys; k++)
		free(r->keyname[k]);
	for (size_t m = 0; r->metric && m < r->nmetric; m++) {
		free(r->metric[m].label);
		free(r->metric[m].scope);
		free(r->metric[m].name);
	}
	free(r->run);
	free(r->keyval);
	free(r->val);
	free(r->keyname);
	free(r->numeric);
	free(r->metric);
	free(r->group);
	free(r->stat);
	free(r->diff);
	free(r->path);
	free(r->experiment);
	free(r->baseline);
	free(r);
}

/* ------------------------------------------------------------ accessors */

size_t report_ngroups(const struct report *r)
{
	return r ? r->ngroup : 0;
}

size_t report_nkeys(const struct report *r)
{
	return r ? r->nkeys : 0;
}

size_t report_nmetrics(const struct report *r)
{
	return r ? r->nmetric : 0;
}

const char *report_key(const struct report *r, size_t g, size_t k)
{
	if (!r || g >= r->ngroup || k >= r->nkeys)
		return NULL;
	const char *v = r->run[r->group[g].first].key[k];
	return v ? v : REPORT_MISSING;
}

size_t report_group_runs(const struct report *r, size_t g)
{
	return r && g < r->ngroup ? r->group[g].count : 0;
}

const struct report_stat *report_stat(const struct report *r, size_t g,
				      size_t m)
{
	if (!r || g >= r->ngroup || m >= r->nmetric)
		return NULL;
	return &r->stat[g * r->nmetric + m];
}

const struct report_diff *report_diff(const struct report *r, size_t g,
				      size_t m)
{
	if (!r || !r->diff || g >= r->ngroup || m >= r->nmetric ||
	    r->group[g].is_base)
		return NULL;
	return &r->diff[g * r->nmetric + m];
}

const struct report_counts *report_counts(const struct report *r)
{
	return r ? &r->counts : NULL;
}

/* ------------------------------------------------------------ printing */

/* The notes under a table (or on r->notes for CSV), one per line. */
static void notes(const struct report *r, enum report_format f,
		  struct strlist *out)
{
	const struct report_counts *c = &r->counts;
	struct sbuf b = { 0 };
	const char *delta = f == REPORT_LATEX ? "Delta" : "Δ";
	sb_printf(&b, "runs: %zu done", c->done);
	if (r->experiment)
		sb_printf(&b, " of experiment %s", r->experiment);
	size_t excl = c->interrupted + c->failed + c->other;
	if (!excl) {
		sb_puts(&b, ", none excluded");
	} else {
		sb_printf(&b, ", %zu excluded (", excl);
		const char *sep = "";
		if (c->interrupted) {
			sb_printf(&b, "%zu interrupted", c->interrupted);
			sep = ", ";
		}
		if (c->failed) {
			sb_printf(&b, "%s%zu failed", sep, c->failed);
			sep = ", ";
		}
		if (c->other)
			sb_printf(&b, "%s%zu with another status", sep,
				  c->other);
		sb_puts(&b, ")");
	}
	sl_add(out, sb_str(&b));
	sb_free(&b);
	sb_printf(&b,
		  "intervals: %g%% Student-t over each row's runs (n/a when"
		  " n = 1)", r->confidence * 100);
	sl_add(out, sb_str(&b));
	sb_free(&b);
	int short_cells = 0;
	for (size_t g = 0; g < r->ngroup; g++)
		short_cells |= r->group[g].short_cell;
	if (short_cells) {
		sl_add(out, "[n=k]: the metric is missing in some of the row's"
			    " runs (or pairs); k values were averaged");
	}
	if (r->baseline) {
		sb_printf(&b,
			  "%s: paired difference against policy %s (same"
			  " replication, seed, sweep and other keys): %zu"
			  " runs paired, %zu without a baseline run",
			  delta, r->baseline, c->paired, c->no_partner);
		if (c->ambiguous)
			sb_printf(&b,
				  ", %zu not paired because several runs"
				  " share their key (add the axis that tells"
				  " them apart to --by)", c->ambiguous);
		sl_add(out, sb_str(&b));
		sb_free(&b);
	}
}

/* Cell text of one statistic. */
static void stat_cell(struct sbuf *b, const struct report_stat *s,
		      size_t of, enum report_format f)
{
	if (s->n == 0) {
		sb_puts(b, REPORT_MISSING);
		return;
	}
	struct numfmt nf = num_style(s->mean, s->hw);
	fmt_val(b, s->mean, nf, 0, f);
	sb_puts(b, f == REPORT_LATEX ? " $\\pm$ " : " ± ");
	if (s->hw == 0)
		sb_puts(b, "0");
	else
		fmt_val(b, s->hw, hw_style(nf), 0, f);
	if (s->n < of)
		sb_printf(b, f == REPORT_LATEX ? " [$n=%zu$]" : " [n=%zu]",
			  s->n);
}

static void diff_cell(struct sbuf *b, const struct report_diff *d,
		      const struct group *g, enum report_format f)
{
	if (!d) {
		sb_puts(b, "baseline");
		return;
	}
	if (d->n == 0) {
		sb_puts(b, REPORT_MISSING);
		return;
	}
	struct numfmt nf = num_style(d->mean, d->hw);
	fmt_val(b, d->mean, nf, 1, f);
	sb_puts(b, f == REPORT_LATEX ? " $\\pm$ " : " ± ");
	if (d->hw == 0)
		sb_puts(b, "0");
	else
		fmt_val(b, d->hw, hw_style(nf), 0, f);
	if (!isnan(d->rel_pct)) {
		struct numfmt pf = fabs(d->rel_pct) >= 1
					   ? (struct numfmt){ .conv = 'f', .prec = 1 }
					   : (struct numfmt){ .conv = 'g', .prec = 2 };
		sb_puts(b, " (");
		fmt_val(b, d->rel_pct, pf, 1, f);
		sb_puts(b, f == REPORT_LATEX ? "\\%)" : "%)");
	}
	if (d->n < g->paired)
		sb_printf(b, f == REPORT_LATEX ? " [$n=%zu$]" : " [n=%zu]",
			  d->n);
}

static void text_cell(struct sbuf *b, const char *s, enum report_format f)
{
	if (f == REPORT_LATEX)
		sb_latex(b, s);
	else if (f == REPORT_MARKDOWN)
		sb_markdown(b, s);
	else
		sb_puts(b, s);
}

/* The table as a grid of cells (row 0 is the header) with per-column
 * right-alignment, shared by the table, markdown and LaTeX printers. */
struct grid {
	size_t nrows, ncols;
	char **cell;
	int *right;
};

static void grid_free(struct grid *gr)
{
	if (gr->cell)
		for (size_t i = 0; i < gr->nrows * gr->ncols; i++)
			free(gr->cell[i]);
	free(gr->cell);
	free(gr->right);
}

static int build_grid(const struct report *r, enum report_format f,
		      struct grid *gr, struct err *e)
{
	int base = r->baseline != NULL;
	gr->ncols = r->nkeys + 1 + (size_t)base + r->nmetric * (1 + (size_t)base);
	gr->nrows = r->ngroup + 1;
	gr->cell = calloc(gr->nrows * gr->ncols, sizeof *gr->cell);
	gr->right = calloc(gr->ncols, sizeof *gr->right);
	if (!gr->cell || !gr->right)
		return oom(e, "report");
	struct sbuf b = { 0 };
	int bad = 0;
	for (size_t row = 0; row < gr->nrows; row++) {
		size_t c = 0;
		const struct group *g = row ? &r->group[row - 1] : NULL;
#define PUT() (bad |= !(gr->cell[row * gr->ncols + c++] = sb_take(&b)))
		for (size_t k = 0; k < r->nkeys; k++) {
			gr->right[c] = r->numeric[k];
			text_cell(&b, row ? report_key(r, row - 1, k)
					  : r->keyname[k], f);
			PUT();
		}
		gr->right[c] = 1;
		if (row)
			sb_printf(&b, "%zu", g->count);
		else
			sb_puts(&b, f == REPORT_LATEX ? "$n$" : "n");
		PUT();
		if (base) {
			gr->right[c] = 1;
			if (!row)
				sb_puts(&b, "paired");
			else if (g->is_base)
				sb_puts(&b, REPORT_MISSING);
			else
				sb_printf(&b, "%zu", g->paired);
			PUT();
		}
		for (size_t m = 0; m < r->nmetric; m++) {
			gr->right[c] = 1;
			if (row)
				stat_cell(&b, report_stat(r, row - 1, m),
					  g->count, f);
			else
				text_cell(&b, r->metric[m].label, f);
			PUT();
			if (!base)
				continue;
			gr->right[c] = 1;
			if (row) {
				diff_cell(&b, report_diff(r, row - 1, m), g,
					  f);
			} else {
				sb_puts(&b, f == REPORT_LATEX ? "$\\Delta$"
							      : "Δ");
				text_cell(&b, r->metric[m].label, f);
			}
			PUT();
		}
#undef PUT
	}
	sb_free(&b);
	return bad ? oom(e, "report") : 0;
}

static void pad(FILE *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fputc(' ', out);
}

static void print_table(const struct grid *gr, const struct strlist *nl,
			FILE *out)
{
	size_t *w = calloc(gr->ncols, sizeof *w);
	if (!w)
		return;
	for (size_t i = 0; i < gr->nrows * gr->ncols; i++) {
		size_t tw = text_width(gr->cell[i]);
		if (tw > w[i % gr->ncols])
			w[i % gr->ncols] = tw;
	}
	for (size_t row = 0; row < gr->nrows; row++) {
		for (size_t c = 0; c < gr->ncols; c++) {
			const char *s = gr->cell[row * gr->ncols + c];
			size_t fill = w[c] - text_width(s);
			int last = c + 1 == gr->ncols;
			if (c)
				fputs("  ", out);
			if (gr->right[c])
				pad(out, fill);
			fputs(s, out);
			if (!gr->right[c] && !last)
				pad(out, fill);
		}
		fputc('\n', out);
		if (row == 0) {
			for (size_t c = 0; c < gr->ncols; c++) {
				if (c)
					fputs("  ", out);
				for (size_t i = 0; i < w[c]; i++)
					fputc('-', out);
			}
			fputc('\n', out);
		}
	}
	free(w);
	fputc('\n', out);
	for (size_t i = 0; i < nl->n; i++)
		fprintf(out, "%s\n", nl->v[i]);
}

static void print_markdown(const struct grid *gr, const struct strlist *nl,
			   FILE *out)
{
	size_t *w = calloc(gr->ncols, sizeof *w);
	if (!w)
		return;
	for (size_t c = 0; c < gr->ncols; c++)
		w[c] = 3;
	for (size_t i = 0; i < gr->nrows * gr->ncols; i++) {
		size_t tw = text_width(gr->cell[i]);
		if (tw > w[i % gr->ncols])
			w[i % gr->ncols] = tw;
	}
	for (size_t row = 0; row < gr->nrows; row++) {
		fputc('|', out);
		for (size_t c = 0; c < gr->ncols; c++) {
			const char *s = gr->cell[row * gr->ncols + c];
			size_t fill = w[c] - text_width(s);
			fputc(' ', out);
			if (gr->right[c])
				pad(out, fill);
			fputs(s, out);
			if (!gr->right[c])
				pad(out, fill);
			fputs(" |", out);
		}
		fputc('\n', out);
		if (row == 0) {
			fputc('|', out);
			for (size_t c = 0; c < gr->ncols; c++) {
				fputc(' ', out);
				for (size_t i = 0; i + 1 < w[c]; i++)
					fputc('-', out);
				fputc(gr->right[c] ? ':' : '-', out);
				fputs(" |", out);
			}
			fputc('\n', out);
		}
	}
	free(w);
	for (size_t i = 0; i < nl->n; i++)
		fprintf(out, "\n%s\n", nl->v[i]);
}

static void print_latex(const struct report *r, const struct grid *gr,
			const struct strlist *nl, FILE *out)
{
	fputs("% spate report of ", out);
	fputs(r->path, out);
	fputc('\n', out);
	for (size_t i = 0; i < nl->n; i++)
		fprintf(out, "%% %s\n", nl->v[i]);
	fputs("\\begin{tabular}{", out);
	for (size_t c = 0; c < gr->ncols; c++)
		fputc(gr->right[c] ? 'r' : 'l', out);
	fputs("}\n\\toprule\n", out);
	for (size_t row = 0; row < gr->nrows; row++) {
		for (size_t c = 0; c < gr->ncols; c++) {
			if (c)
				fputs(" & ", out);
			fputs(gr->cell[row * gr->ncols + c], out);
		}
		fputs(" \\\\\n", out);
		if (row == 0)
			fputs("\\midrule\n", out);
	}
	fputs("\\bottomrule\n\\end{tabular}\n", out);
}

static void csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n") && *s != ' ' &&
	    (!*s || s[strlen(s) - 1] != ' ')) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static int print_csv(const struct report *r, FILE *out, struct err *e)
{
	for (size_t k = 0; k < r->nkeys; k++) {
		csv_field(out, r->keyname[k]);
		fputc(',', out);
	}
	fputs("metric,n,mean,ci_lo,ci_hi", out);
	if (r->baseline)
		fputs(",diff_n,diff_mean,diff_ci_lo,diff_ci_hi,diff_rel_pct,"
		      "unpaired", out);
	fputc('\n', out);
	struct sbuf b = { 0 };
	for (size_t g = 0; g < r->ngroup; g++) {
		const struct group *gp = &r->group[g];
		for (size_t m = 0; m < r->nmetric; m++) {
			for (size_t k = 0; k < r->nkeys; k++) {
				csv_field(out, report_key(r, g, k));
				fputc(',', out);
			}
			csv_field(out, r->metric[m].label);
			const struct report_stat *s = report_stat(r, g, m);
			sb_printf(&b, ",%zu,", s->n);
			fmt_csv(&b, s->mean);
			sb_puts(&b, ",");
			fmt_csv(&b, s->mean - s->hw);
			sb_puts(&b, ",");
			fmt_csv(&b, s->mean + s->hw);
			if (r->baseline) {
				const struct report_diff *d =
					report_diff(r, g, m);
				if (!d) {
					sb_puts(&b, ",0,n/a,n/a,n/a,n/a,0");
				} else {
					sb_printf(&b, ",%zu,", d->n);
					fmt_csv(&b, d->mean);
					sb_puts(&b, ",");
					fmt_csv(&b, d->mean - d->hw);
					sb_puts(&b, ",");
					fmt_csv(&b, d->mean + d->hw);
					sb_puts(&b, ",");
					fmt_csv(&b, d->rel_pct);
					sb_printf(&b, ",%zu",
						  gp->count - gp->paired);
				}
			}
			if (b.oom) {
				sb_free(&b);
				return oom(e, "report");
			}
			fputs(sb_str(&b), out);
			fputc('\n', out);
			sb_free(&b);
		}
	}
	return 0;
}

int report_print(const struct report *r, enum report_format f, FILE *out,
		 struct err *e)
{
	if (!r || !out)
		return err_set(e, ERR_INTERNAL, "report_print: NULL argument");
	if (f != REPORT_TABLE && f != REPORT_CSV && f != REPORT_MARKDOWN &&
	    f != REPORT_LATEX)
		return err_set(e, ERR_INTERNAL, "report_print: format %d",
			       (int)f);
	struct strlist nl = { 0 };
	struct grid gr = { 0 };
	int ret = -1;
	notes(r, f, &nl);
	if (f == REPORT_CSV) {
		if (print_csv(r, out, e) != 0)
			goto out;
		for (size_t i = 0; r->notes && i < nl.n; i++)
			fprintf(r->notes, "%s\n", nl.v[i]);
	} else {
		if (build_grid(r, f, &gr, e) != 0)
			goto out;
		if (f == REPORT_TABLE)
			print_table(&gr, &nl, out);
		else if (f == REPORT_MARKDOWN)
			print_markdown(&gr, &nl, out);
		else
			print_latex(r, &gr, &nl, out);
	}
	if (fflush(out) != 0 || ferror(out)) {
		err_set(e, ERR_INTERNAL, "report: write error: %s",
			strerror(errno));
		goto out;
	}
	ret = 0;
out:
	grid_free(&gr);
	sl_free(&nl);
	return ret;
}

int report_write(const char *db_path, const struct report_opts *o, FILE *out,
		 struct err *e)
{
	struct report *r = report_compute(db_path, o, e);
	if (!r)
		return -1;
	int ret = report_print(r, o ? o->format : REPORT_TABLE, out, e);
	report_free(r);
	return ret;
}

/* ------------------------------------------------------------ parsing */

int report_parse_format(const char *s, enum report_format *f, struct err *e)
{
	static const struct {
		const char *name;
		enum report_format f;
	} known[] = {
		{ .name = "table", .f = REPORT_TABLE },
		{ .name = "csv", .f = REPORT_CSV },
		{ .name = "markdown", .f = REPORT_MARKDOWN },
		{ .name = "md", .f = REPORT_MARKDOWN },
		{ .name = "latex", .f = REPORT_LATEX },
	};
	for (size_t i = 0; s && i < sizeof known / sizeof known[0]; i++)
		if (!strcmp(s, known[i].name)) {
			*f = known[i].f;
			return 0;
		}
	return err_set(e, ERR_INPUT,
		       "--format: unknown format '%s' (known: table, csv,"
		       " markdown, latex)", s ? s : "");
}

int report_parse_list(const char *what, const char *s, char ***items,
		      size_t *n, struct err *e)
{
	*items = NULL;
	*n = 0;
	if (!what)
		what = "list";
	if (!s || !*s)
		return err_set(e, ERR_INPUT, "%s: empty list", what);
	size_t count = 1, len = strlen(s);
	for (const char *p = s; *p; p++)
		count += *p == ',';
	char **v = malloc((count + 1) * sizeof *v + len + 1);
	if (!v)
		return oom(e, what);
	char *buf = (char *)(v + count + 1);
	memcpy(buf, s, len + 1);
	size_t k = 0;
	for (char *p = buf;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		char *end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!*p) {
			free(v);
			return err_set(e, ERR_INPUT, "%s: empty name in '%s'",
				       what, s);
		}
		v[k++] = p;
		if (!comma)
			break;
		p = comma + 1;
	}
	v[k] = NULL;
	*items = v;
	*n = k;
	return 0;
}
