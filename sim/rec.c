/*
 * rec: results in SQLite (see rec.h for the contract and the schema).
 *
 * Design: one connection per struct rec, in SQLite's default rollback-journal
 * (DELETE) mode. A run is one transaction: rec_run_begin issues BEGIN
 * IMMEDIATE (taking the write lock up front, so a busy database is waited on
 * there and not half-way through a run) and rec_run_end commits; there is no
 * other commit. A process killed mid-run leaves a hot journal that the next
 * connection rolls back, so a database only ever holds finished runs (and
 * runs whose caller chose another status).
 * Invariants: every SQL statement is prepared once in rec_open and reset and
 * unbound after each step; at most one run is open per connection, and rows
 * are only accepted for that run's id.
 * Access pattern: a long stream of single-row inserts (timeline samples,
 * decisions) inside one transaction, so inserts cost a bind and a step and no
 * fsync; the busy timeout lets several processes share a database (their runs
 * are serialised, since a run holds the write lock until it ends).
 * rec_open only reads an existing database's schema and never takes the
 * write lock there, so opening does not wait for another process's run.
 * rec_run_end rolls the run back when it fails, so a run is either
 * committed whole or absent.
 * uint64 values (seed, events) are stored as the SQLite INTEGER with the same
 * 64 bits: values below 2^63 read back as themselves, larger seeds read back
 * negative and are recovered by a cast to uint64.
 */
#include "rec.h"

#include "err.h"
#include "hist.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REC_BUSY_MS 30000
#define REC_SCHEMA_VERSION "2"
#define REC_NTABLES 6

struct rec {
	sqlite3 *db;
	char *path;
	int in_run;
	int64_t run_id;
	sqlite3_stmt *begin, *commit, *rollback;
	sqlite3_stmt *ins_ntl, *ins_nev, *ins_gev, *ins_ptl;
	sqlite3_stmt *ins_run, *upd_run, *ins_tl, *ins_dec, *ins_hist, *ins_sum,
		*ins_axis;
};

static const char rec_schema_sql[] =
	"BEGIN IMMEDIATE;"
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
	"CREATE TABLE IF NOT EXISTS runs("
	" run_id INTEGER PRIMARY KEY, experiment TEXT, policy TEXT,"
	" seed INTEGER, replication INTEGER, config_json TEXT,"
	" config_hash TEXT, spate_version TEXT, started_at TEXT,"
	" wall_s REAL, events INTEGER, status TEXT NOT NULL,"
	" sweep TEXT, sweep_run INTEGER);"
	"CREATE UNIQUE INDEX IF NOT EXISTS runs_sweep ON runs(sweep, sweep_run)"
	" WHERE sweep IS NOT NULL;"
	"CREATE TABLE IF NOT EXISTS run_axes("
	" run_id INTEGER NOT NULL REFERENCES runs(run_id), axis TEXT,"
	" value TEXT);"
	"CREATE INDEX IF NOT EXISTS run_axes_run ON run_axes(run_id);"
	"CREATE TABLE IF NOT EXISTS timeline("
	" run_id INTEGER NOT NULL REFERENCES runs(run_id), t REAL,"
	" function TEXT, pending INTEGER, ready INTEGER, busy INTEGER,"
	" draining INTEGER, queue_len INTEGER, inflight INTEGER,"
	" arrival_rate REAL, lag INTEGER);"
	"CREATE INDEX IF NOT EXISTS timeline_run ON timeline(run_id);"
	"CREATE TABLE IF NOT EXISTS decisions("
	" run_id INTEGER NOT NULL REFERENCES runs(run_id), t REAL,"
	" function TEXT, from_replicas INTEGER, to_replicas INTEGER,"
	" reason TEXT, observed TEXT);"
	"CREATE INDEX IF NOT EXISTS decisions_run ON decisions(run_id);"
	"CREATE TABLE IF NOT EXISTS latency_hist("
	" run_id INTEGER NOT NULL REFERENCES runs(run_id), scope TEXT,"
	" lo REAL, hi REAL, count INTEGER);"
	"CREATE INDEX IF NOT EXISTS latency_hist_run ON latency_hist(run_id);"
	"CREATE TABLE IF NOT EXISTS summary("
	" run_id INTEGER NOT NULL REFERENCES runs(run_id), scope TEXT,"
	" metric TEXT, value REAL);"
	"CREATE INDEX IF NOT EXISTS summary_run ON summary(run_id);"
	"CREATE TABLE IF NOT EXISTS node_timeline("
	" run_id INTEGER NOT NULL REFERENCES runs(run_id), t REAL,"
	" node INTEGER, class TEXT, up INTEGER, speed REAL, replicas INTEGER,"
	" slots_used INTEGER);"
	"CREATE INDEX IF NOT EXISTS node_timeline_run ON node_timeline(run_id);"
	"CREATE TABLE IF NOT EXISTS node_events("
	" run_id INTEGER NOT NULL REFERENCES runs(run_id), t REAL,"
	" node INTEGER, event TEXT, value REAL);"
	"CREATE INDEX IF NOT EXISTS node_events_run ON node_events(run_id);"
	"CREATE TABLE IF NOT EXISTS group_events("
	" run_id INTEGER NOT NULL REFERENCES runs(run_id), t REAL,"
	" topic TEXT, event TEXT, members INTEGER, paused INTEGER);"
	"CREATE INDEX IF NOT EXISTS group_events_run ON group_events(run_id);"
	"CREATE TABLE IF NOT EXISTS partition_timeline("
	" run_id INTEGER NOT NULL REFERENCES runs(run_id), t REAL,"
	" topic TEXT, partition INTEGER, end_offset INTEGER,"
	" committed INTEGER, lag INTEGER, paused INTEGER);"
	"CREATE INDEX IF NOT EXISTS partition_timeline_run"
	" ON partition_timeline(run_id);"
	"CREATE VIEW IF NOT EXISTS topic_timeline AS"
	" SELECT run_id, t, topic, count(*) AS partitions,"
	" sum(end_offset) AS end_offset, sum(committed) AS committed,"
	" sum(lag) AS lag, max(lag) AS max_partition_lag,"
	" sum(lag > 0) AS partitions_with_lag, sum(paused) AS paused"
	" FROM partition_timeline GROUP BY run_id, t, topic;"
	"INSERT OR IGNORE INTO meta(key, value)"
	" VALUES('schema_version', '" REC_SCHEMA_VERSION "');"
	"COMMIT;";

/* A database the user pointed at that cannot be used is their problem (bad
 * path, permissions, not a database); anything else is ours or the system's. */
static enum err_code rec_code(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_NOTADB:
	case SQLITE_AUTH:
		return ERR_INPUT;
	default:
		return ERR_INTERNAL;
	}
}

/* Records SQLite's current error on r's connection as "path: what: msg". */
static int rec_fail(struct rec *r, const char *what, struct err *e)
{
	int rc = sqlite3_errcode(r->db);
	const char *how = (rc & 0xff) == SQLITE_READONLY ? "cannot write: "
			  : (rc & 0xff) == SQLITE_CANTOPEN ? "cannot open: "
			  : "";
	return err_set(e, rec_code(rc), "%s: %s%s%s%s", r->path, what,
		       *what ? ": " : "", how, sqlite3_errmsg(r->db));
}

/* Steps a statement that returns no rows, then resets and unbinds it so it
 * keeps no pointer to the caller's strings. */
static int rec_step(struct rec *r, sqlite3_stmt *st, const char *what,
		    struct err *e)
{
	int rc = sqlite3_step(st);
	int ret = 0;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = rec_fail(r, what, e);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

/* The text is only read during the following step (which copies it), so
 * SQLITE_STATIC is safe and saves a copy per row. */
static int rec_text(sqlite3_stmt *st, int i, const char *s)
{
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* mkdir -p of path's directory part. */
static int rec_mkdirs(const char *path, struct err *e)
{
	char *dir = strdup(path);
	if (!dir)
		return err_set(e, ERR_INTERNAL, "%s: out of memory", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		int last = *p == '\0';
		if (*p != '/' && !last)
			continue;
		if (p[-1] == '/') {   /* repeated slash: nothing to make */
			if (last)
				break;
			continue;
		}
		*p = '\0';
		if (mkdir(dir, 0777) != 0) {
			int err = errno;
			struct stat st;
			if (err != EEXIST || stat(dir, &st) != 0 ||
			    !S_ISDIR(st.st_mode)) {
				err_set(e, ERR_INPUT,
					"%s: cannot create directory '%s': %s",
					path, dir,
					strerror(err == EEXIST ? ENOTDIR : err));
				free(dir);
				return -1;
			}
		}
		if (last)
			break;
		*p = '/';
	}
	free(dir);
	return 0;
}

/* A rollback journal is created beside the database, so its directory must
 * be writable even when the database file is; finding that out now gives a
 * clear message instead of a failure at the first run. */
static int rec_dir_writable(struct rec *r, struct err *e)
{
	const char *p = r->path;
	if (strcmp(p, ":memory:") == 0 || strncmp(p, "file:", 5) == 0)
		return 0;
	const char *slash = strrchr(p, '/');
	char *dir = slash ? strndup(p, slash == p ? 1 : (size_t)(slash - p))
			  : strdup(".");
	if (!dir)
		return err_set(e, ERR_INTERNAL, "%s: out of memory", p);
	int ret = 0;
	if (access(dir, W_OK) != 0)
		ret = err_set(e, ERR_INPUT,
			      "%s: cannot write: directory '%s': %s", p, dir,
			      strerror(errno));
	free(dir);
	return ret;
}

/* Creates the schema unless it is all there already (the common case for a
 * shared database, which then needs no write lock), and checks its version. */
static int rec_schema(struct rec *r, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int ntables = 0;
	if (sqlite3_prepare_v2(r->db,
			       "SELECT count(*) FROM sqlite_master WHERE"
			       " type = 'table' AND name IN ('meta', 'runs',"
			       " 'timeline', 'decisions', 'latency_hist',"
			       " 'summary')",
			       -1, &st, NULL) != SQLITE_OK)
		return rec_fail(r, "reading schema", e);
	if (sqlite3_step(st) == SQLITE_ROW)
		ntables = sqlite3_column_int(st, 0);
	else {
		rec_fail(r, "reading schema", e);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);

	/* Tables but no meta: another program's database (or a stray file
	 * that SQLite reads); adding spate's tables to it would mix them in. */
	int nall = 0, has_meta = 0;
	if (sqlite3_prepare_v2(r->db,
			       "SELECT count(*), coalesce(sum(name = 'meta'), 0)"
			       " FROM sqlite_master WHERE type = 'table'",
			       -1, &st, NULL) != SQLITE_OK)
		return rec_fail(r, "reading schema", e);
	if (sqlite3_step(st) == SQLITE_ROW) {
		nall = sqlite3_column_int(st, 0);
		has_meta = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (nall > 0 && !has_meta)
		return err_set(e, ERR_INPUT, "%s: not a spate results database"
			       " (it has tables, but no meta table); use a"
			       " new file", r->path);

	if (ntables < REC_NTABLES &&
	    sqlite3_exec(r->db, rec_schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
		rec_fail(r, "creating schema", e);
		if (!sqlite3_get_autocommit(r->db))
			sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}

	if (sqlite3_prepare_v2(r->db,
			       "SELECT value FROM meta WHERE key ="
			       " 'schema_version'",
			       -1, &st, NULL) != SQLITE_OK)
		return rec_fail(r, "reading schema_version", e);
	int rc = sqlite3_step(st);
	int ret = 0;
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		if (!v || strcmp(v, REC_SCHEMA_VERSION) != 0)
			ret = err_set(e, ERR_INPUT,
				      "%s: schema_version %s, this spate"
				      " writes " REC_SCHEMA_VERSION,
				      r->path, v ? v : "NULL");
	} else if (rc == SQLITE_DONE) {
		ret = err_set(e, ERR_INPUT, "%s: meta has no schema_version",
			      r->path);
	} else {
		ret = rec_fail(r, "reading schema_version", e);
	}
	sqlite3_finalize(st);
	return ret;
}

static int rec_prepare(struct rec *r, sqlite3_stmt **st, const char *sql,
		       struct err *e)
{
	if (sqlite3_prepare_v3(r->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
			       NULL) != SQLITE_OK)
		return rec_fail(r, "preparing statements", e);
	return 0;
}

static int rec_prepare_all(struct rec *r, struct err *e)
{
	const struct {
		sqlite3_stmt **st;
		const char *sql;
	} s[] = {
		{ .st = &r->begin, .sql = "BEGIN IMMEDIATE" },
		{ .st = &r->commit, .sql = "COMMIT" },
		{ .st = &r->rollback, .sql = "ROLLBACK" },
		{ .st = &r->ins_run,
		  .sql = "INSERT INTO runs(experiment, policy, seed,"
			 " replication, config_json, config_hash,"
			 " spate_version, started_at, status, sweep,"
			 " sweep_run)"
			 " VALUES(?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)" },
		{ .st = &r->upd_run,
		  .sql = "UPDATE runs SET wall_s = ?, events = ?, status = ?"
			 " WHERE run_id = ?" },
		{ .st = &r->ins_tl,
		  .sql = "INSERT INTO timeline(run_id, t, function, pending,"
			 " ready, busy, draining, queue_len, inflight,"
			 " arrival_rate, lag)"
			 " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" },
		{ .st = &r->ins_dec,
		  .sql = "INSERT INTO decisions(run_id, t, function,"
			 " from_replicas, to_replicas, reason, observed)"
			 " VALUES(?, ?, ?, ?, ?, ?, ?)" },
		{ .st = &r->ins_hist,
		  .sql = "INSERT INTO latency_hist(run_id, scope, lo, hi, count)"
			 " VALUES(?, ?, ?, ?, ?)" },
		{ .st = &r->ins_sum,
		  .sql = "INSERT INTO summary(run_id, scope, metric, value)"
			 " VALUES(?, ?, ?, ?)" },
		{ .st = &r->ins_ntl,
		  .sql = "INSERT INTO node_timeline(run_id, t, node, class, up,"
			 " speed, replicas, slots_used)"
			 " VALUES(?, ?, ?, ?, ?, ?, ?, ?)" },
		{ .st = &r->ins_nev,
		  .sql = "INSERT INTO node_events(run_id, t, node, event, value)"
			 " VALUES(?, ?, ?, ?, ?)" },
		{ .st = &r->ins_axis,
		  .sql = "INSERT INTO run_axes(run_id, axis, value)"
			 " VALUES(?, ?, ?)" },
		{ .st = &r->ins_gev,
		  .sql = "INSERT INTO group_events(run_id, t, topic, event, members,"
			 " paused) VALUES(?, ?, ?, ?, ?, ?)" },
		{ .st = &r->ins_ptl,
		  .sql = "INSERT INTO partition_timeline(run_id, t, topic,"
			 " partition, end_offset, committed, lag, paused)"
			 " VALUES(?, ?, ?, ?, ?, ?, ?, ?)" },
	};
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
		if (rec_prepare(r, s[i].st, s[i].sql, e) != 0)
			return -1;
	return 0;
}

struct rec *rec_open(const char *path, struct err *e)
{
	if (!path || !*path) {
		err_set(e, ERR_INPUT, "database path is empty");
		return NULL;
	}
	if (rec_mkdirs(path, e) != 0)
		return NULL;
	struct rec *r = calloc(1, sizeof *r);
	if (!r || !(r->path = strdup(path))) {
		free(r);
		err_set(e, ERR_INTERNAL, "%s: out of memory", path);
		return NULL;
	}
	int rc = sqlite3_open_v2(path, &r->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
				 NULL);
	if (!r->db) {
		err_set(e, ERR_INTERNAL, "%s: out of memory", path);
		goto fail;
	}
	if (rc != SQLITE_OK) {
		rec_fail(r, "", e);
		goto fail;
	}
	sqlite3_busy_timeout(r->db, REC_BUSY_MS);
	/* SQLite falls back to read-only when the file is not writable; say so
	 * now rather than at the first run. */
	if (sqlite3_db_readonly(r->db, "main") == 1) {
		err_set(e, ERR_INPUT, "%s: cannot write: %s", path,
			sqlite3_errstr(SQLITE_READONLY));
		goto fail;
	}
	if (rec_dir_writable(r, e) != 0)
		goto fail;
	/* A run commits once, so NORMAL's fewer fsyncs cost nothing in
	 * atomicity: the journal still rolls back a killed run. */
	if (sqlite3_exec(r->db, "PRAGMA synchronous = NORMAL", NULL, NULL,
			 NULL) != SQLITE_OK) {
		rec_fail(r, "", e);
		goto fail;
	}
	if (rec_schema(r, e) != 0 || rec_prepare_all(r, e) != 0)
		goto fail;
	return r;
fail:
	rec_close(r);
	return NULL;
}

void rec_close(struct rec *r)
{
	if (!r)
		return;
	if (r->db) {
		/* Closing with a run open rolls it back: it never ended. */
		if (!sqlite3_get_autocommit(r->db))
			sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_stmt *all[] = { r->begin,   r->commit,  r->rollback,
					r->ins_run, r->upd_run, r->ins_tl,
					r->ins_dec, r->ins_hist, r->ins_sum,
					r->ins_axis, r->ins_ntl, r->ins_nev,
					r->ins_gev, r->ins_ptl };
		for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
			sqlite3_finalize(all[i]);
		sqlite3_close(r->db);
	}
	free(r->path);
	free(r);
}

/* Rows are accepted only for the run this connection has open. */
static int rec_check_run(struct rec *r, int64_t run_id, const char *what,
			 struct err *e)
{
	if (!r)
		return err_set(e, ERR_INTERNAL, "%s: no database", what);
	if (!r->in_run)
		return err_set(e, ERR_INTERNAL, "%s: %s: no run is open",
			       r->path, what);
	if (run_id != r->run_id)
		return err_set(e, ERR_INTERNAL,
			       "%s: %s: run %lld is not the open run %lld",
			       r->path, what, (long long)run_id,
			       (long long)r->run_id);
	/* After some errors (full disk, I/O) SQLite rolls the transaction
	 * back by itself; rows written after that would each commit alone. */
	if (sqlite3_get_autocommit(r->db)) {
		r->in_run = 0;
		return err_set(e, ERR_INTERNAL,
			       "%s: %s: run %lld was rolled back after an"
			       " earlier error", r->path, what,
			       (long long)run_id);
	}
	return 0;
}

int rec_run_begin(struct rec *r, const struct rec_run *info, int64_t *run_id,
		  struct err *e)
{
	if (!r || !info || !run_id)
		return err_set(e, ERR_INTERNAL, "rec_run_begin: NULL argument");
	if (r->in_run)
		return err_set(e, ERR_INTERNAL,
			       "%s: run %lld is still open", r->path,
			       (long long)r->run_id);
	if (rec_step(r, r->begin, "beginning run", e) != 0)
		return -1;
	sqlite3_stmt *st = r->ins_run;
	int bad = rec_text(st, 1, info->experiment) |
		  rec_text(st, 2, info->policy) |
		  sqlite3_bind_int64(st, 3, (sqlite3_int64)info->seed) |
		  sqlite3_bind_int(st, 4, info->replication) |
		  rec_text(st, 5, info->config_json) |
		  rec_text(st, 6, info->config_hash) |
		  rec_text(st, 7, info->spate_version) |
		  rec_text(st, 8, info->started_at) |
		  rec_text(st, 9, info->sweep) |
		  (info->sweep ? sqlite3_bind_int64(st, 10, info->sweep_run)
			       : sqlite3_bind_null(st, 10));
	if (bad != SQLITE_OK) {
		rec_fail(r, "runs row", e);
		sqlite3_clear_bindings(st);
		rec_step(r, r->rollback, "", NULL);
		return -1;
	}
	if (rec_step(r, st, "runs row", e) != 0) {
		rec_step(r, r->rollback, "", NULL);
		return -1;
	}
	r->run_id = sqlite3_last_insert_rowid(r->db);
	r->in_run = 1;
	*run_id = r->run_id;
	return 0;
}

int rec_timeline(struct rec *r, int64_t run_id,
		 const struct rec_timeline_row *row, struct err *e)
{
	if (rec_check_run(r, run_id, "timeline row", e) != 0)
		return -1;
	if (!row)
		return err_set(e, ERR_INTERNAL, "%s: timeline row is NULL",
			       r->path);
	sqlite3_stmt *st = r->ins_tl;
	int bad = sqlite3_bind_int64(st, 1, run_id) |
		  sqlite3_bind_double(st, 2, row->t) |
		  rec_text(st, 3, row->function) |
		  sqlite3_bind_int(st, 4, row->pending) |
		  sqlite3_bind_int(st, 5, row->ready) |
		  sqlite3_bind_int(st, 6, row->busy) |
		  sqlite3_bind_int(st, 7, row->draining) |
		  sqlite3_bind_int64(st, 8, row->queue_len) |
		  sqlite3_bind_int64(st, 9, row->inflight) |
		  sqlite3_bind_double(st, 10, row->arrival_rate) |
		  sqlite3_bind_int64(st, 11, row->lag);
	if (bad != SQLITE_OK) {
		sqlite3_clear_bindings(st);
		return rec_fail(r, "timeline row", e);
	}
	return rec_step(r, st, "timeline row", e);
}

int rec_decision(struct rec *r, int64_t run_id, double t, const char *function,
		 int from, int to, const char *reason, const char *observed_json,
		 struct err *e)
{
	if (rec_check_run(r, run_id, "decision row", e) != 0)
		return -1;
	sqlite3_stmt *st = r->ins_dec;
	int bad = sqlite3_bind_int64(st, 1, run_id) |
		  sqlite3_bind_double(st, 2, t) |
		  rec_text(st, 3, function) |
		  sqlite3_bind_int(st, 4, from) |
		  sqlite3_bind_int(st, 5, to) |
		  rec_text(st, 6, reason) |
		  rec_text(st, 7, observed_json);
	if (bad != SQLITE_OK) {
		sqlite3_clear_bindings(st);
		return rec_fail(r, "decision row", e);
	}
	return rec_step(r, st, "decision row", e);
}

int rec_latency_hist(struct rec *r, int64_t run_id, const char *scope,
		     const struct hist *h, struct err *e)
{
	if (rec_check_run(r, run_id, "latency_hist rows", e) != 0)
		return -1;
	if (!h)
		return err_set(e, ERR_INTERNAL, "%s: latency_hist: no hist",
			       r->path);
	sqlite3_stmt *st = r->ins_hist;
	size_t pos = 0;
	double lo, hi;
	uint64_t n;
	while (hist_next(h, &pos, &lo, &hi, &n)) {
		int bad = sqlite3_bind_int64(st, 1, run_id) |
			  rec_text(st, 2, scope) |
			  sqlite3_bind_double(st, 3, lo) |
			  sqlite3_bind_double(st, 4, hi) |
			  sqlite3_bind_int64(st, 5, (sqlite3_int64)n);
		if (bad != SQLITE_OK) {
			sqlite3_clear_bindings(st);
			return rec_fail(r, "latency_hist row", e);
		}
		if (rec_step(r, st, "latency_hist row", e) != 0)
			return -1;
	}
	return 0;
}

int rec_summary(struct rec *r, int64_t run_id, const char *scope,
		const char *metric, double value, struct err *e)
{
	if (rec_check_run(r, run_id, "summary row", e) != 0)
		return -1;
	sqlite3_stmt *st = r->ins_sum;
	int bad = sqlite3_bind_int64(st, 1, run_id) |
		  rec_text(st, 2, scope) |
		  rec_text(st, 3, metric) |
		  sqlite3_bind_double(st, 4, value);
	if (bad != SQLITE_OK) {
		sqlite3_clear_bindings(st);
		return rec_fail(r, "summary row", e);
	}
	return rec_step(r, st, "summary row", e);
}

int rec_node_timeline(struct rec *r, int64_t run_id,
		      const struct rec_node_row *row, struct err *e)
{
	if (rec_check_run(r, run_id, "node timeline row", e) != 0)
		return -1;
	sqlite3_stmt *st = r->ins_ntl;
	int bad = sqlite3_bind_int64(st, 1, run_id) |
		  sqlite3_bind_double(st, 2, row->t) |
		  sqlite3_bind_int(st, 3, row->node) |
		  rec_text(st, 4, row->cls) |
		  sqlite3_bind_int(st, 5, row->up) |
		  sqlite3_bind_double(st, 6, row->speed) |
		  sqlite3_bind_int(st, 7, row->replicas) |
		  sqlite3_bind_int(st, 8, row->slots_used);
	if (bad != SQLITE_OK) {
		sqlite3_clear_bindings(st);
		return rec_fail(r, "node timeline row", e);
	}
	return rec_step(r, st, "node timeline row", e);
}

int rec_node_event(struct rec *r, int64_t run_id, double t, int node,
		   const char *event, double value, struct err *e)
{
	if (rec_check_run(r, run_id, "node event", e) != 0)
		return -1;
	sqlite3_stmt *st = r->ins_nev;
	int bad = sqlite3_bind_int64(st, 1, run_id) |
		  sqlite3_bind_double(st, 2, t) |
		  sqlite3_bind_int(st, 3, node) |
		  rec_text(st, 4, event) |
		  sqlite3_bind_double(st, 5, value);
	if (bad != SQLITE_OK) {
		sqlite3_clear_bindings(st);
		return rec_fail(r, "node event", e);
	}
	return rec_step(r, st, "node event", e);
}

int rec_group_event(struct rec *r, int64_t run_id, double t, const char *topic,
		    const char *event, int members, int paused, struct err *e)
{
	if (rec_check_run(r, run_id, "group event", e) != 0)
		return -1;
	sqlite3_stmt *st = r->ins_gev;
	int bad = sqlite3_bind_int64(st, 1, run_id) |
		  sqlite3_bind_double(st, 2, t) |
		  rec_text(st, 3, topic) |
		  rec_text(st, 4, event) |
		  sqlite3_bind_int(st, 5, members) |
		  sqlite3_bind_int(st, 6, paused);
	if (bad != SQLITE_OK) {
		sqlite3_clear_bindings(st);
		return rec_fail(r, "group event", e);
	}
	return rec_step(r, st, "group event", e);
}

int rec_partition_timeline(struct rec *r, int64_t run_id,
			   const struct rec_partition_row *row, struct err *e)
{
	if (rec_check_run(r, run_id, "partition timeline row", e) != 0)
		return -1;
	sqlite3_stmt *st = r->ins_ptl;
	int bad = sqlite3_bind_int64(st, 1, run_id) |
		  sqlite3_bind_double(st, 2, row->t) |
		  rec_text(st, 3, row->topic) |
		  sqlite3_bind_int(st, 4, row->partition) |
		  sqlite3_bind_int64(st, 5, row->end_offset) |
		  sqlite3_bind_int64(st, 6, row->committed) |
		  sqlite3_bind_int64(st, 7, row->end_offset - row->committed) |
		  sqlite3_bind_int(st, 8, row->paused);
	if (bad != SQLITE_OK) {
		sqlite3_clear_bindings(st);
		return rec_fail(r, "partition timeline row", e);
	}
	return rec_step(r, st, "partition timeline row", e);
}

int rec_run_axis(struct rec *r, int64_t run_id, const char *axis,
		 const char *value_json, struct err *e)
{
	if (rec_check_run(r, run_id, "run axis", e) != 0)
		return -1;
	sqlite3_stmt *st = r->ins_axis;
	int bad = sqlite3_bind_int64(st, 1, run_id) |
		  rec_text(st, 2, axis) |
		  rec_text(st, 3, value_json);
	if (bad != SQLITE_OK) {
		sqlite3_clear_bindings(st);
		return rec_fail(r, "run axis", e);
	}
	return rec_step(r, st, "run axis", e);
}

int rec_run_end(struct rec *r, int64_t run_id, double wall_s, uint64_t events,
		const char *status, struct err *e)
{
	if (rec_check_run(r, run_id, "ending run", e) != 0)
		return -1;
	if (!status || !*status) {
		err_set(e, ERR_INTERNAL, "%s: run %lld: empty status",
			r->path, (long long)run_id);
		goto fail;
	}
	sqlite3_stmt *st = r->upd_run;
	int bad = sqlite3_bind_double(st, 1, wall_s) |
		  sqlite3_bind_int64(st, 2, (sqlite3_int64)events) |
		  rec_text(st, 3, status) |
		  sqlite3_bind_int64(st, 4, run_id);
	if (bad != SQLITE_OK) {
		sqlite3_clear_bindings(st);
		rec_fail(r, "updating runs row", e);
		goto fail;
	}
	if (rec_step(r, st, "updating runs row", e) != 0)
		goto fail;
	if (sqlite3_changes(r->db) != 1) {
		err_set(e, ERR_INTERNAL, "%s: run %lld has no runs row",
			r->path, (long long)run_id);
		goto fail;
	}
	if (rec_step(r, r->commit, "committing run", e) != 0)
		goto fail;
	r->in_run = 0;
	return 0;
fail:
	/* A run that cannot be ended leaves nothing, as if killed. */
	rec_run_abort(r);
	return -1;
}

void rec_run_abort(struct rec *r)
{
	if (!r)
		return;
	if (r->db && !sqlite3_get_autocommit(r->db))
		rec_step(r, r->rollback, "", NULL);
	r->in_run = 0;
}
