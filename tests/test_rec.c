/*
 * Tests for rec: every table written and read back with plain SQL, a run
 * killed by SIGKILL mid-transaction leaving nothing, aborts, two processes
 * sharing a database, and unusable paths giving ERR_INPUT with the path.
 * Databases live in a mkdtemp directory removed after the suite.
 */
#include "testutil.h"

#include "err.h"
#include "hist.h"
#include "rec.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[256];

static const char *in_dir(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
	return buf;
}

static void rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		chmod(path, 0700);
		DIR *d = opendir(path);
		if (d) {
			struct dirent *de;
			char sub[1024];
			while ((de = readdir(d)) != NULL) {
				if (!strcmp(de->d_name, ".") ||
				    !strcmp(de->d_name, ".."))
					continue;
				snprintf(sub, sizeof sub, "%s/%s", path,
					 de->d_name);
				rm_rf(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

static int suite_init(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/spate-rec-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int suite_clean(void)
{
	rm_rf(dir);
	return 0;
}

/* --- reading back with plain SQLite --------------------------------------- */

static sqlite3 *db_open(const char *path)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "\n  cannot open %s: %s\n", path,
			db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 30000);
	return db;
}

/* First column of the first row of sql, as int64 / double / text (into buf).
 * Failures print SQLite's message and give a value no test expects. */
static sqlite3_stmt *q_row(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (!db)
		return NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		fprintf(stderr, "\n  query \"%s\": %s\n", sql,
			sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

static const char *q_text(sqlite3 *db, const char *sql, char *buf, size_t n)
{
	sqlite3_stmt *st = q_row(db, sql);
	const unsigned char *t = st ? sqlite3_column_text(st, 0) : NULL;
	snprintf(buf, n, "%s", t ? (const char *)t : "(none)");
	sqlite3_finalize(st);
	return buf;
}

static const struct rec_run info = {
	.experiment = "exp-a",
	.policy = "hpa",
	.seed = 0xFEDCBA9876543210u,   /* above 2^63: stored by its bits */
	.replication = 3,
	.config_json = "{\"x\":1}",
	.config_hash = "abc123",
	.spate_version = "v0-test",
	.started_at = "2024-05-01T12:00:00Z",
};

static struct rec_timeline_row tl_row(int i)
{
	return (struct rec_timeline_row){
		.t = i * 0.5,
		.function = i % 2 ? "g" : "f",
		.pending = i % 3,
		.ready = i % 5,
		.busy = i % 7,
		.draining = i % 2,
		.queue_len = 10L * i,
		.inflight = i + 1,
		.arrival_rate = i * 0.25,
		.lag = 3L * i,
	};
}

/* Writes n timeline rows of tl_row(0..n-1); returns the number written. */
static int write_timeline(struct rec *r, int64_t id, int n, struct err *e)
{
	for (int i = 0; i < n; i++) {
		struct rec_timeline_row row = tl_row(i);
		if (rec_timeline(r, id, &row, e) != 0)
			return i;
	}
	return n;
}

static long long count_where(sqlite3 *db, const char *table, int64_t id)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE run_id = %lld",
		 table, (long long)id);
	return test_q_int(db, sql);
}

static long long count_all(sqlite3 *db, const char *table)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	return test_q_int(db, sql);
}

/* Column col of run id's runs row, as text. */
static const char *run_col(sqlite3 *db, int64_t id, const char *col,
			   char *buf, size_t n)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT %s FROM runs WHERE run_id = %lld",
		 col, (long long)id);
	return q_text(db, sql, buf, n);
}

/* --- a full run ----------------------------------------------------------- */

static void test_full_run(void)
{
	char path[512], buf[256], sql[160];
	struct err e = { 0 };
	/* Two missing directory levels: rec_open makes them. */
	in_dir(path, sizeof path, "a/b/full.db");
	struct rec *r = rec_open(path, &e);
	T_TRUE(r != NULL, "%s", e.msg);
	if (!r)
		return;
	int64_t id = 0;
	T_EQ_INT(rec_run_begin(r, &info, &id, &e), 0);
	T_TRUE(id > 0, "run_id %lld", (long long)id);

	const int nt = 500;
	T_EQ_INT(write_timeline(r, id, nt, &e), nt);
	T_EQ_INT(rec_decision(r, id, 12.5, "f", 1, 3, "cpu>target",
			      "{\"cpu\":0.93}", &e), 0);
	T_EQ_INT(rec_decision(r, id, 40.0, "g", 4, 2, "idle", "{}", &e), 0);

	struct hist *h = hist_new(), *empty = hist_new();
	T_TRUE(h && empty, "hist_new");
	if (!h || !empty)
		goto out;
	for (int i = 0; i < 3; i++)
		hist_add(h, 0.0015);
	for (int i = 0; i < 2; i++)
		hist_add(h, 0.25);
	hist_add(h, 40.0);
	T_EQ_INT(rec_latency_hist(r, id, "e2e", h, &e), 0);
	T_EQ_INT(rec_latency_hist(r, id, "g", empty, &e), 0);

	T_EQ_INT(rec_summary(r, id, "e2e", "p50", 0.1, &e), 0);
	T_EQ_INT(rec_summary(r, id, "e2e", "p99", 0.5, &e), 0);
	T_EQ_INT(rec_summary(r, id, "f", "cost", 1.5, &e), 0);

	/* Another connection sees nothing of the run before it commits. */
	sqlite3 *db = db_open(path);
	T_EQ_INT(count_all(db, "runs"), 0);
	T_EQ_INT(count_all(db, "timeline"), 0);
	sqlite3_close(db);

	T_EQ_INT(rec_run_end(r, id, 1.25, 987654321u, "done", &e), 0);
	T_EQ_INT(e.code, ERR_OK);
	rec_close(r);
	r = NULL;

	db = db_open(path);
	T_TRUE(db != NULL, "%s", path);
	T_STR_CONTAINS(q_text(db, "SELECT value FROM meta WHERE key ="
			      " 'schema_version'", buf, sizeof buf), "2");
	T_EQ_INT(test_q_int(db, "SELECT count(*) FROM sqlite_master WHERE"
		       " type = 'index' AND sql LIKE '%(run_id)'"), 9);   /* one per table with rows per run */

	/* runs */
	T_EQ_INT(count_all(db, "runs"), 1);
	T_STR_CONTAINS(run_col(db, id, "status", buf, sizeof buf), "done");
	T_EQ_INT(strlen(buf), 4);
	T_STR_CONTAINS(run_col(db, id, "experiment", buf, sizeof buf),
		       "exp-a");
	T_STR_CONTAINS(run_col(db, id, "policy", buf, sizeof buf), "hpa");
	snprintf(sql, sizeof sql, "SELECT seed FROM runs WHERE run_id = %lld",
		 (long long)id);
	T_TRUE((uint64_t)test_q_int(db, sql) == info.seed, "seed");
	T_STR_CONTAINS(run_col(db, id, "typeof(seed)", buf, sizeof buf),
		       "integer");
	T_STR_CONTAINS(run_col(db, id, "replication", buf, sizeof buf), "3");
	T_STR_CONTAINS(run_col(db, id, "config_json", buf, sizeof buf),
		       "{\"x\":1}");
	T_STR_CONTAINS(run_col(db, id, "config_hash", buf, sizeof buf),
		       "abc123");
	T_STR_CONTAINS(run_col(db, id, "spate_version", buf, sizeof buf),
		       "v0-test");
	T_STR_CONTAINS(run_col(db, id, "started_at", buf, sizeof buf),
		       "2024-05-01T12:00:00Z");
	T_STR_CONTAINS(run_col(db, id, "wall_s", buf, sizeof buf), "1.25");
	T_STR_CONTAINS(run_col(db, id, "typeof(wall_s)", buf, sizeof buf),
		       "real");
	T_STR_CONTAINS(run_col(db, id, "events", buf, sizeof buf),
		       "987654321");

	/* timeline: counts, sums of every column, one row exactly, types */
	long long s = (long long)nt * (nt - 1) / 2;
	T_EQ_INT(count_where(db, "timeline", id), nt);
	T_EQ_INT(test_q_int(db, "SELECT count(*) FROM timeline WHERE function = 'f'"),
		 nt / 2);
	T_EQ_INT(test_q_int(db, "SELECT sum(queue_len) FROM timeline"), 10 * s);
	T_EQ_INT(test_q_int(db, "SELECT sum(inflight) FROM timeline"), s + nt);
	T_EQ_INT(test_q_int(db, "SELECT sum(lag) FROM timeline"), 3 * s);
	long long sp = 0, sr = 0, sb = 0, sd = 0;
	for (int i = 0; i < nt; i++)
		sp += i % 3, sr += i % 5, sb += i % 7, sd += i % 2;
	T_EQ_INT(test_q_int(db, "SELECT sum(pending) FROM timeline"), sp);
	T_EQ_INT(test_q_int(db, "SELECT sum(ready) FROM timeline"), sr);
	T_EQ_INT(test_q_int(db, "SELECT sum(busy) FROM timeline"), sb);
	T_EQ_INT(test_q_int(db, "SELECT sum(draining) FROM timeline"), sd);
	T_NEAR(test_q_dbl(db, "SELECT sum(t) FROM timeline"), 0.5 * s, 1e-9);
	T_NEAR(test_q_dbl(db, "SELECT sum(arrival_rate) FROM timeline"), 0.25 * s,
	       1e-9);
	T_EQ_INT(test_q_int(db, "SELECT count(*) FROM timeline WHERE t = 61.5 AND"
		       " function = 'g' AND pending = 0 AND ready = 3 AND"
		       " busy = 4 AND draining = 1 AND queue_len = 1230 AND"
		       " inflight = 124 AND arrival_rate = 30.75 AND"
		       " lag = 369"), 1);
	T_EQ_INT(test_q_int(db, "SELECT count(*) FROM timeline WHERE"
		       " typeof(t) = 'real' AND typeof(queue_len) = 'integer'"
		       " AND typeof(arrival_rate) = 'real'"), nt);

	/* decisions */
	T_EQ_INT(count_where(db, "decisions", id), 2);
	T_EQ_INT(test_q_int(db, "SELECT count(*) FROM decisions WHERE t = 12.5 AND"
		       " function = 'f' AND from_replicas = 1 AND"
		       " to_replicas = 3 AND reason = 'cpu>target' AND"
		       " observed = '{\"cpu\":0.93}'"), 1);
	T_EQ_INT(test_q_int(db, "SELECT count(*) FROM decisions WHERE t = 40 AND"
		       " function = 'g' AND from_replicas = 4 AND"
		       " to_replicas = 2 AND reason = 'idle' AND"
		       " observed = '{}'"), 1);
	T_NEAR(test_q_dbl(db, "SELECT json_extract(observed, '$.cpu') FROM"
		     " decisions WHERE function = 'f'"), 0.93, 0);

	/* latency_hist: three non-empty buckets holding each value; none for
	 * the empty hist */
	T_EQ_INT(count_where(db, "latency_hist", id), 3);
	T_EQ_INT(test_q_int(db, "SELECT count(*) FROM latency_hist WHERE"
		       " scope = 'g'"), 0);
	T_EQ_INT(test_q_int(db, "SELECT sum(count) FROM latency_hist"), 6);
	T_EQ_INT(test_q_int(db, "SELECT count FROM latency_hist WHERE"
		       " lo <= 0.0015 AND 0.0015 <= hi"), 3);
	T_EQ_INT(test_q_int(db, "SELECT count FROM latency_hist WHERE"
		       " lo <= 0.25 AND 0.25 <= hi"), 2);
	T_EQ_INT(test_q_int(db, "SELECT count FROM latency_hist WHERE"
		       " lo <= 40 AND 40 <= hi"), 1);
	T_EQ_INT(test_q_int(db, "SELECT count(*) FROM latency_hist WHERE"
		       " scope = 'e2e' AND lo < hi"), 3);

	/* summary */
	T_EQ_INT(count_where(db, "summary", id), 3);
	T_NEAR(test_q_dbl(db, "SELECT value FROM summary WHERE scope = 'e2e' AND"
		     " metric = 'p99'"), 0.5, 0);
	T_NEAR(test_q_dbl(db, "SELECT value FROM summary WHERE scope = 'f' AND"
		     " metric = 'cost'"), 1.5, 0);
	sqlite3_close(db);
out:
	hist_free(h);
	hist_free(empty);
	rec_close(r);
}

/* --- a killed run leaves nothing ------------------------------------------ */

static void test_killed_run(void)
{
	char path[512], jpath[600];
	struct err e = { 0 };
	in_dir(path, sizeof path, "killed.db");
	snprintf(jpath, sizeof jpath, "%s-journal", path);
	struct rec *r = rec_open(path, &e);   /* schema committed here */
	T_TRUE(r != NULL, "%s", e.msg);
	rec_close(r);
	struct stat st0, st1;
	T_EQ_INT(stat(path, &st0), 0);

	/* Enough rows to overflow SQLite's page cache (2 MB by default), so
	 * the child has written into the database file itself when it dies
	 * and only the hot journal can undo it. */
	const int nt = 60000;
	fflush(NULL);
	pid_t pid = fork();
	T_TRUE(pid >= 0, "fork: %s", strerror(errno));
	if (pid < 0)
		return;
	if (pid == 0) {
		struct err ce = { 0 };
		struct rec *cr = rec_open(path, &ce);
		int64_t id;
		if (!cr || rec_run_begin(cr, &info, &id, &ce) != 0 ||
		    write_timeline(cr, id, nt, &ce) != nt ||
		    rec_decision(cr, id, 1, "f", 1, 2, "x", "{}", &ce) != 0 ||
		    rec_summary(cr, id, "e2e", "p50", 1, &ce) != 0)
			_exit(3);
		raise(SIGKILL);
		_exit(4);
	}
	int status = 0;
	T_EQ_INT(waitpid(pid, &status, 0), pid);
	T_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	       "child status %#x", status);
	/* The child died mid-transaction: a hot journal, and a database file
	 * already holding some of its pages. */
	T_EQ_INT(access(jpath, F_OK), 0);
	T_EQ_INT(stat(path, &st1), 0);
	T_TRUE(st1.st_size > st0.st_size, "db %lld bytes before, %lld after",
	       (long long)st0.st_size, (long long)st1.st_size);

	r = rec_open(path, &e);   /* the next connection rolls it back */
	T_TRUE(r != NULL, "%s", e.msg);
	if (!r)
		return;
	sqlite3 *db = db_open(path);
	T_EQ_INT(count_all(db, "runs"), 0);
	T_EQ_INT(count_all(db, "timeline"), 0);
	T_EQ_INT(count_all(db, "decisions"), 0);
	T_EQ_INT(count_all(db, "summary"), 0);
	sqlite3_close(db);
	T_TRUE(access(jpath, F_OK) != 0, "%s still exists", jpath);

	/* and the database takes a new run */
	int64_t id = 0;
	T_EQ_INT(rec_run_begin(r, &info, &id, &e), 0);
	T_EQ_INT(write_timeline(r, id, 10, &e), 10);
	T_EQ_INT(rec_run_end(r, id, 0.5, 10, "done", &e), 0);
	T_EQ_INT(e.code, ERR_OK);
	rec_close(r);
	db = db_open(path);
	T_EQ_INT(count_all(db, "runs"), 1);
	T_EQ_INT(test_q_int(db, "SELECT count(*) FROM runs WHERE status = 'done'"),
		 1);
	T_EQ_INT(count_where(db, "timeline", id), 10);
	T_EQ_INT(count_all(db, "timeline"), 10);
	sqlite3_close(db);
}

/* --- several runs, aborts, misuse ----------------------------------------- */

static void test_runs_and_abort(void)
{
	char path[512];
	struct err e = { 0 };
	in_dir(path, sizeof path, "runs.db");
	struct rec *r = rec_open(path, &e);
	T_TRUE(r != NULL, "%s", e.msg);
	if (!r)
		return;
	int64_t id1 = 0, id2 = 0, id3 = 0, id4 = 0;
	T_EQ_INT(rec_run_begin(r, &info, &id1, &e), 0);
	T_EQ_INT(write_timeline(r, id1, 7, &e), 7);
	T_EQ_INT(rec_run_end(r, id1, 1, 7, "done", &e), 0);

	/* an aborted run leaves nothing */
	T_EQ_INT(rec_run_begin(r, &info, &id2, &e), 0);
	T_EQ_INT(write_timeline(r, id2, 5, &e), 5);
	T_EQ_INT(rec_summary(r, id2, "e2e", "p50", 2, &e), 0);
	rec_run_abort(r);
	rec_run_abort(r);   /* nothing open: no-op */
	T_EQ_INT(e.code, ERR_OK);

	/* misuse is refused, and names the run */
	struct rec_timeline_row row = tl_row(1);
	T_EQ_INT(rec_timeline(r, id2, &row, &e), -1);
	T_EQ_INT(e.code, ERR_INTERNAL);
	T_STR_CONTAINS(e.msg, "no run is open");
	err_clear(&e);
	T_EQ_INT(rec_run_end(r, id2, 1, 1, "done", &e), -1);
	err_clear(&e);

	T_EQ_INT(rec_run_begin(r, &info, &id3, &e), 0);
	T_TRUE(id3 != id1, "run ids %lld %lld", (long long)id1,
	       (long long)id3);
	T_EQ_INT(rec_run_begin(r, &info, &id4, &e), -1);   /* one at a time */
	T_STR_CONTAINS(e.msg, "still open");
	err_clear(&e);
	T_EQ_INT(rec_timeline(r, id3 + 100, &row, &e), -1);
	T_STR_CONTAINS(e.msg, "is not the open run");
	err_clear(&e);
	T_EQ_INT(write_timeline(r, id3, 3, &e), 3);
	T_EQ_INT(rec_run_end(r, id3, 2, 3, "failed", &e), 0);
	T_EQ_INT(e.code, ERR_OK);

	/* closing with a run open rolls it back */
	T_EQ_INT(rec_run_begin(r, &info, &id4, &e), 0);
	T_EQ_INT(write_timeline(r, id4, 4, &e), 4);
	rec_close(r);

	sqlite3 *db = db_open(path);
	T_EQ_INT(count_all(db, "runs"), 2);
	T_EQ_INT(count_all(db, "summary"), 0);
	T_EQ_INT(count_all(db, "timeline"), 10);
	T_EQ_INT(count_where(db, "timeline", id1), 7);
	T_EQ_INT(count_where(db, "timeline", id3), 3);
	char sql[128], buf[64];
	snprintf(sql, sizeof sql, "SELECT status FROM runs WHERE run_id = %lld",
		 (long long)id3);
	T_STR_CONTAINS(q_text(db, sql, buf, sizeof buf), "failed");
	sqlite3_close(db);
}

/* A sweep's run index is unique, so a resumed sweep that tried to record a
 * finished run again would fail instead of duplicating it; axis values are
 * kept per run. */
static void test_sweep_runs(void)
{
	char path[512];
	struct err e = { 0 };
	in_dir(path, sizeof path, "sweep.db");
	struct rec *r = rec_open(path, &e);
	T_TRUE(r != NULL, "%s", e.msg);
	if (!r)
		return;
	struct rec_run si = info;
	si.sweep = "sw1";
	int64_t ids[3] = { 0 };
	for (int i = 0; i < 2; i++) {
		si.sweep_run = i;
		T_EQ_INT(rec_run_begin(r, &si, &ids[i], &e), 0);
		T_EQ_INT(rec_run_axis(r, ids[i], "policy.name",
				      i ? "\"kpa\"" : "\"hpa\"", &e), 0);
		T_EQ_INT(rec_run_axis(r, ids[i], "sources[0].arrivals.rate_scale",
				      "2", &e), 0);
		T_EQ_INT(rec_run_end(r, ids[i], 1, 1, "done", &e), 0);
	}
	si.sweep_run = 1;
	T_EQ_INT(rec_run_begin(r, &si, &ids[2], &e), -1);
	T_STR_CONTAINS(e.msg, "UNIQUE");
	err_clear(&e);
	si.sweep = "sw2";   /* another sweep may reuse the index */
	T_EQ_INT(rec_run_begin(r, &si, &ids[2], &e), 0);
	T_EQ_INT(rec_run_end(r, ids[2], 1, 1, "done", &e), 0);
	rec_close(r);

	sqlite3 *db = db_open(path);
	T_EQ_INT(count_all(db, "runs"), 3);
	T_EQ_INT(count_all(db, "run_axes"), 4);
	char sql[160], buf[64];
	snprintf(sql, sizeof sql, "SELECT value FROM run_axes WHERE run_id = %lld"
		 " AND axis = 'policy.name'", (long long)ids[1]);
	T_STR_CONTAINS(q_text(db, sql, buf, sizeof buf), "\"kpa\"");
	T_EQ_INT(test_q_int(db, "SELECT count(*) FROM runs WHERE sweep IS NULL"), 0);
	sqlite3_close(db);
}

/* --- two processes, one database ------------------------------------------ */

static void test_shared(void)
{
	char path[512];
	struct err e = { 0 };
	in_dir(path, sizeof path, "shared.db");
	/* the schema is made first; the child must not inherit an open
	 * connection (SQLite connections do not survive fork, and valgrind
	 * would count its memory as the child's leak) */
	struct rec *r = rec_open(path, &e);
	T_TRUE(r != NULL, "%s", e.msg);
	if (!r)
		return;
	rec_close(r);
	int fds[2];
	T_EQ_INT(pipe(fds), 0);
	fflush(NULL);
	pid_t pid = fork();
	T_TRUE(pid >= 0, "fork: %s", strerror(errno));
	if (pid < 0)
		return;
	if (pid == 0) {
		/* Holds a run open for a while, then ends it; the parent's
		 * begin has to wait for it (the busy timeout). */
		close(fds[0]);
		struct err ce = { 0 };
		struct rec *cr = rec_open(path, &ce);
		int64_t id;
		if (!cr || rec_run_begin(cr, &info, &id, &ce) != 0 ||
		    write_timeline(cr, id, 20, &ce) != 20)
			_exit(3);
		char c = 'x';
		if (write(fds[1], &c, 1) != 1)
			_exit(4);
		nanosleep(&(struct timespec){ .tv_nsec = 300000000 }, NULL);
		if (rec_run_end(cr, id, 0.3, 20, "done", &ce) != 0)
			_exit(5);
		rec_close(cr);
		_exit(0);
	}
	close(fds[1]);
	char c = 0;
	T_EQ_INT(read(fds[0], &c, 1), 1);
	close(fds[0]);
	r = rec_open(path, &e);
	T_TRUE(r != NULL, "%s", e.msg);
	if (!r) {
		waitpid(pid, NULL, 0);
		return;
	}
	/* the child's open run is invisible, and opening does not wait */
	struct rec *r2 = rec_open(path, &e);
	T_TRUE(r2 != NULL, "%s", e.msg);
	rec_close(r2);
	sqlite3 *db = db_open(path);
	T_EQ_INT(count_all(db, "runs"), 0);
	sqlite3_close(db);

	int64_t id = 0;
	T_EQ_INT(rec_run_begin(r, &info, &id, &e), 0);   /* waits for child */
	T_TRUE(e.code == ERR_OK, "%s", e.msg);
	T_EQ_INT(write_timeline(r, id, 5, &e), 5);
	T_EQ_INT(rec_run_end(r, id, 0.1, 5, "done", &e), 0);
	rec_close(r);
	int status = 0;
	T_EQ_INT(waitpid(pid, &status, 0), pid);
	T_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "child status %#x", status);

	db = db_open(path);
	T_EQ_INT(count_all(db, "runs"), 2);
	T_EQ_INT(test_q_int(db, "SELECT count(DISTINCT run_id) FROM runs"), 2);
	T_EQ_INT(count_all(db, "timeline"), 25);
	T_EQ_INT(count_where(db, "timeline", id), 5);
	sqlite3_close(db);
}

/* --- unusable paths ------------------------------------------------------- */

static void expect_input_error(const char *path, const char *also)
{
	struct err e = { 0 };
	struct rec *r = rec_open(path, &e);
	T_TRUE(r == NULL, "rec_open(%s) succeeded", path);
	rec_close(r);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, path);
	if (also)
		T_STR_CONTAINS(e.msg, also);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void test_bad_paths(void)
{
	char plain[512], path[600];
	in_dir(plain, sizeof plain, "plain");
	T_EQ_INT(write_file(plain, "not a directory\n"), 0);

	/* a path under a regular file, directly or deeper */
	snprintf(path, sizeof path, "%s/x.db", plain);
	expect_input_error(path, "Not a directory");
	snprintf(path, sizeof path, "%s/sub/x.db", plain);
	expect_input_error(path, "Not a directory");
	/* a directory, and a file that is not a database */
	expect_input_error(dir, "cannot open");
	in_dir(path, sizeof path, "junk.db");
	T_EQ_INT(write_file(path, "this is certainly not an SQLite file, it"
			    " is long enough to hold a header though.\n"), 0);
	expect_input_error(path, "not a database");

	/* a database of another schema version */
	in_dir(path, sizeof path, "v99.db");
	sqlite3 *db = NULL;
	T_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	T_EQ_INT(sqlite3_exec(db, "CREATE TABLE meta(key TEXT PRIMARY KEY,"
			      " value TEXT); INSERT INTO meta"
			      " VALUES('schema_version', '99')",
			      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	expect_input_error(path, "schema_version 99");

	struct err e = { 0 };
	T_TRUE(rec_open("", &e) == NULL, "empty path");
	T_EQ_INT(e.code, ERR_INPUT);
	err_clear(&e);
	T_TRUE(rec_open(NULL, &e) == NULL, "NULL path");
	T_EQ_INT(e.code, ERR_INPUT);
}

/* Read-only cases need a user that permissions apply to: root ignores them,
 * so a child process switches to nobody first (and the case is skipped, with
 * a note, when it cannot). Results come back through a pipe. */
#define RO_CASES 4
struct ro_result {
	int skipped;
	struct err e[RO_CASES];
};

static void test_readonly(void)
{
	char ro[512], rodb[600], paths[RO_CASES][600];
	struct err e = { 0 };
	in_dir(ro, sizeof ro, "ro");
	snprintf(rodb, sizeof rodb, "%s/ro.db", ro);
	snprintf(paths[0], sizeof paths[0], "%s", rodb);
	snprintf(paths[1], sizeof paths[1], "%s/new.db", ro);
	snprintf(paths[2], sizeof paths[2], "%s/sub/x.db", ro);
	snprintf(paths[3], sizeof paths[3], "%s/w.db", ro);
	/* ro/ro.db is read-only; ro/w.db is writable but its directory,
	 * where the journal goes, is not */
	for (int i = 0; i < 4; i += 3) {
		struct rec *r = rec_open(paths[i], &e);
		T_TRUE(r != NULL, "%s", e.msg);
		rec_close(r);
	}
	T_EQ_INT(chmod(dir, 0755), 0);
	T_EQ_INT(chmod(rodb, 0444), 0);
	T_EQ_INT(chmod(paths[3], 0666), 0);
	T_EQ_INT(chmod(ro, 0555), 0);

	int fds[2];
	T_EQ_INT(pipe(fds), 0);
	fflush(NULL);
	pid_t pid = fork();
	T_TRUE(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		struct ro_result res = { 0 };
		close(fds[0]);
		if (geteuid() == 0 && (setgid(65534) != 0 ||
				       setuid(65534) != 0))
			res.skipped = 1;
		else if (access(rodb, R_OK) != 0 || access(ro, W_OK) == 0)
			res.skipped = 2;   /* cannot reach it, or can write */
		for (int i = 0; i < RO_CASES && !res.skipped; i++) {
			struct rec *cr = rec_open(paths[i], &res.e[i]);
			rec_close(cr);
			if (cr)   /* opened: not an error, which fails below */
				res.e[i].code = ERR_OK;
		}
		_exit(write(fds[1], &res, sizeof res) == sizeof res ? 0 : 3);
	}
	close(fds[1]);
	struct ro_result res = { 0 };
	ssize_t n = pid > 0 ? read(fds[0], &res, sizeof res) : -1;
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	chmod(ro, 0755);
	chmod(dir, 0700);
	T_EQ_INT(n, (ssize_t)sizeof res);
	if (n != (ssize_t)sizeof res)
		return;
	if (res.skipped) {
		fprintf(stderr, "\n  note: read-only cases skipped (%s)\n",
			res.skipped == 1 ? "cannot switch to user nobody"
					 : "permissions do not apply");
		return;
	}
	const char *want[RO_CASES] = {
		"cannot write: attempt to write a readonly database",
		"cannot open",
		"Permission denied",
		"cannot write: directory",
	};
	for (int i = 0; i < RO_CASES; i++) {
		T_EQ_INT(res.e[i].code, ERR_INPUT);
		T_STR_CONTAINS(res.e[i].msg, paths[i]);
		T_STR_CONTAINS(res.e[i].msg, want[i]);
	}
}

static void test_null(void)
{
	struct err e = { 0 };
	rec_close(NULL);
	rec_run_abort(NULL);
	int64_t id;
	T_EQ_INT(rec_run_begin(NULL, &info, &id, &e), -1);
	T_EQ_INT(e.code, ERR_INTERNAL);
	err_clear(&e);
	T_EQ_INT(rec_summary(NULL, 1, "e2e", "p50", 1, &e), -1);
	T_EQ_INT(e.code, ERR_INTERNAL);
}

int test_rec_register(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ .name = "full run read back", .fn = test_full_run },
		{ .name = "killed run leaves nothing", .fn = test_killed_run },
		{ .name = "runs, abort, misuse", .fn = test_runs_and_abort },
		{ .name = "sweep runs and axes", .fn = test_sweep_runs },
		{ .name = "two processes share a db", .fn = test_shared },
		{ .name = "bad paths", .fn = test_bad_paths },
		{ .name = "read-only paths", .fn = test_readonly },
		{ .name = "NULL", .fn = test_null },
	};
	CU_pSuite s = CU_add_suite("rec", suite_init, suite_clean);
	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			return -1;
	return 0;
}
