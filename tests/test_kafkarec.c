/*
 * test_kafkarec: `spate record` against librdkafka's built-in mock cluster
 * (a real Kafka protocol server inside the process, no broker needed).
 * Known messages are produced with known timestamps, keys and value sizes
 * into several partitions, recorded, and the trace is read back through the
 * spate-csv reader; every row must match exactly: time = (timestamp - the
 * earliest) / 1000, the key's hash of its written form, the size. Also:
 * the written key forms, clamping of a message later than the sort window
 * (counted, never dropped), the errors a user meets (unknown topic listing
 * the topics, an existing output, bad options). Without librdkafka only
 * the "not built" errors are checked.
 */
#include "testutil.h"

#include "err.h"
#include "kafkarec.h"
#include "param.h"
#include "workload.h"

#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double test_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A fresh directory; out paths inside it do not exist yet. */
static char *tmpdir(void)
{
	char *d = strdup("/tmp/spate-kafkarec-XXXXXX");
	if (d && !mkdtemp(d)) {
		free(d);
		return NULL;
	}
	return d;
}

static void rm_dir(char *d, const char *const *files, int n)
{
	char p[512];
	for (int i = 0; i < n; i++) {
		snprintf(p, sizeof p, "%s/%s", d, files[i]);
		unlink(p);
	}
	rmdir(d);
	free(d);
}

/* Opens path with the spate-csv reader, its other params at their
 * defaults; *vals is freed by the caller after close. */
static void *open_csv(const char *path, union param_val **vals, struct err *e)
{
	const struct workload *w = workload_find("spate-csv");
	T_TRUE(w != NULL, "no spate-csv");
	if (!w || !(*vals = calloc(w->nparams, sizeof **vals)))
		return NULL;
	for (size_t i = 0; i < w->nparams; i++) {
		const struct param_def *d = &w->params[i];
		if (d->type == PARAM_STR)
			(*vals)[i].str = d->def_str;
		else
			(*vals)[i].num = d->def;
	}
	(*vals)[param_find(w->params, w->nparams, "path")].str = path;
	return w->open(*vals, NULL, e);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *s = calloc(1, 1 << 20);
	if (s)
		s[fread(s, 1, (1 << 20) - 1, f)] = '\0';
	fclose(f);
	return s;
}

static void test_not_built_or_options(void)
{
	struct err e = { 0 };
	char *argv[] = { "--topic", "t", "--out", "/nonexistent/x.csv" };
	T_EQ_INT(kafkarec_cli(4, argv, stdout, NULL, test_clock, &e), -1);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, "missing --brokers");
	err_clear(&e);
	char *argv2[] = { "--brokers", "h:1", "--topic", "a,b", "--out", "x" };
	T_EQ_INT(kafkarec_cli(6, argv2, stdout, NULL, test_clock, &e), -1);
	T_STR_CONTAINS(e.msg, "[a-zA-Z0-9._-]");
	err_clear(&e);
	char *argv3[] = { "--brokers", "h:1", "--topic", "t", "--max", "-3" };
	T_EQ_INT(kafkarec_cli(6, argv3, stdout, NULL, test_clock, &e), -1);
	T_STR_CONTAINS(e.msg, "--max: expected a non-negative integer, got '-3'");
	err_clear(&e);
	char *argv4[] = { "--brokers", "h:1", "--topic", "t", "--out", "x",
			  "--set", "novalue" };
	T_EQ_INT(kafkarec_cli(8, argv4, stdout, NULL, test_clock, &e), -1);
	T_STR_CONTAINS(e.msg, "--set 'novalue'");
	if (!kafkarec_available()) {
		err_clear(&e);
		char *argv5[] = { "--brokers", "h:1", "--topic", "t", "--out", "x" };
		T_EQ_INT(kafkarec_cli(6, argv5, stdout, NULL, test_clock, &e), -1);
		T_STR_CONTAINS(e.msg, "install librdkafka-dev");
	}
}

struct msg {
	int part;
	int64_t ts;
	const char *key;    /* NULL: null key */
	size_t klen;
	long size;          /* -1: null value */
};

/* Distinct timestamps, increasing within each partition, interleaved
 * across partitions (as several producers write them). */
static int make_messages(struct msg *m, int n)
{
	static const char *const keys[] = { "user-7", "a,b", "hex:zz", "\x01\x02",
					    NULL, "orders/eu" };
	static const size_t klens[] = { 6, 3, 6, 2, 0, 9 };
	int64_t last[3] = { 0, 0, 0 };
	for (int i = 0; i < n; i++) {
		int p = (i * 7) % 3;
		/* partition p runs ahead of the others by p * 5 s, so
		 * consumption order is not time order */
		int64_t ts = INT64_C(1700000000000) + (int64_t)i * 37 + p * 5000 +
			     (i % 5);
		if (ts <= last[p])
			ts = last[p] + 1;
		last[p] = ts;
		int k = i % 6;
		m[i] = (struct msg){ .part = p, .ts = ts * 3 + p, .key = keys[k],
				     .klen = klens[k], .size = i % 11 == 0 ? -1 : 10 + i };
	}
	return n;
}

static int by_ts(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/* The key as the recorder writes it (kafkarec.h). */
static void written_key(const struct msg *m, char *buf, size_t cap)
{
	int plain = m->key && m->klen > 0 && strncmp(m->key, "hex:", 4) != 0;
	for (size_t i = 0; plain && i < m->klen; i++)
		plain = m->key[i] >= 0x20 && m->key[i] <= 0x7e && m->key[i] != ',';
	if (!m->key) {
		buf[0] = '\0';
	} else if (plain) {
		snprintf(buf, cap, "%.*s", (int)m->klen, m->key);
	} else {
		size_t o = (size_t)snprintf(buf, cap, "hex:");
		for (size_t i = 0; i < m->klen && o + 3 < cap; i++)
			o += (size_t)snprintf(buf + o, cap - o, "%02x",
					      (unsigned char)m->key[i]);
	}
}

static void test_round_trip(void)
{
	if (!kafkarec_available())
		return;
	struct err e = { 0 };
	int n = test_quick() ? 60 : 300;
	struct msg *m = calloc((size_t)n, sizeof *m);
	char *dir = tmpdir();
	T_TRUE(m && dir, "setup");
	if (!m || !dir)
		goto out0;
	make_messages(m, n);
	struct kafkarec_mock *mk = kafkarec_mock_new(3, "orders", 3, &e);
	T_TRUE(mk != NULL, "%s", e.msg);
	if (!mk)
		goto out0;
	for (int i = 0; i < n; i++)
		T_EQ_INT(kafkarec_mock_produce(mk, m[i].part, m[i].ts, m[i].key,
					       m[i].klen, m[i].size, &e), 0);
	T_EQ_INT(kafkarec_mock_flush(mk, &e), 0);

	char out[512];
	snprintf(out, sizeof out, "%s/rec.csv", dir);
	struct kafkarec_opts o = {
		.brokers = kafkarec_mock_brokers(mk), .topic = "orders",
		.group = "spate-test", .from_beginning = 1, .until_end = 1,
		.sort_window = n, .out_path = out, .now = test_clock,
		.duration_s = 60,   /* a safety net only; not asserted */
	};
	struct kafkarec_result r;
	int rc = kafkarec_run(&o, &r, &e);
	T_EQ_INT(rc, 0);
	T_TRUE(rc == 0, "%s", e.msg);
	T_EQ_INT(r.messages, n);
	T_EQ_INT(r.late, 0);
	T_EQ_INT(r.no_timestamp, 0);

	qsort(m, (size_t)n, sizeof *m, by_ts);
	T_EQ_INT(r.origin_ms, m[0].ts);
	const struct workload *w = workload_find("spate-csv");
	union param_val *vals = NULL;
	void *st = open_csv(out, &vals, &e);
	T_TRUE(st != NULL, "%s", e.msg);
	int got = 0, bad = 0;
	struct arrival a;
	while (st && (rc = w->next(st, &a, &e)) == 1) {
		if (got < n) {
			const struct msg *x = &m[got];
			char key[64];
			written_key(x, key, sizeof key);
			double t = (double)(x->ts - m[0].ts) / 1000.0;
			int ok = a.t == t && a.size == (x->size < 0 ? 0 : x->size) &&
				 a.keyed == (x->key != NULL) &&
				 (!a.keyed || a.key == workload_key_hash(key, strlen(key)));
			if (!ok && bad++ < 3)
				T_TRUE(ok, "row %d: t %.17g want %.17g, size %g want %ld, "
				       "keyed %d key '%s'", got + 1, a.t, t, a.size,
				       x->size, a.keyed, key);
		}
		got++;
	}
	T_EQ_INT(rc, 0);
	T_EQ_INT(got, n);
	T_EQ_INT(bad, 0);
	if (st)
		w->close(st);
	free(vals);

	/* the written forms of the awkward keys */
	char *text = slurp(out);
	T_TRUE(text && strncmp(text, "time_s,topic,key,size_bytes\n", 28) == 0,
	       "header: %.40s", text ? text : "(none)");
	T_STR_CONTAINS(text, ",orders,hex:612c62,");       /* "a,b" */
	T_STR_CONTAINS(text, ",orders,hex:6865783a7a7a,"); /* "hex:zz" */
	T_STR_CONTAINS(text, ",orders,hex:0102,");
	T_STR_CONTAINS(text, ",orders,user-7,");
	T_STR_CONTAINS(text, ",orders,orders/eu,");
	T_STR_CONTAINS(text, "\n0.000,orders,");
	free(text);

	/* recording again onto it is refused */
	o.max = 1;
	err_clear(&e);
	T_EQ_INT(kafkarec_run(&o, NULL, &e), -1);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, "it exists");

	/* an unknown topic names the ones there are */
	char out2[512];
	snprintf(out2, sizeof out2, "%s/none.csv", dir);
	o.topic = "ordres";
	o.out_path = out2;
	err_clear(&e);
	T_EQ_INT(kafkarec_run(&o, NULL, &e), -1);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, "topic 'ordres' does not exist");
	T_STR_CONTAINS(e.msg, "topics: orders");
	kafkarec_mock_free(mk);
out0:
	free(m);
	if (dir) {
		static const char *const files[] = { "rec.csv", "none.csv" };
		rm_dir(dir, files, 2);
	}
}

/* One partition in offset order 1000, 3000, 2000, 4000 ms with no sort
 * window: the 2000 ms message is late, written at 3000 ms, and counted. */
static void test_late_is_clamped(void)
{
	if (!kafkarec_available())
		return;
	struct err e = { 0 };
	char *dir = tmpdir();
	struct kafkarec_mock *mk = kafkarec_mock_new(1, "t1", 1, &e);
	T_TRUE(dir && mk, "%s", e.msg);
	if (!dir || !mk)
		goto out;
	static const int64_t ts[] = { 1000, 3000, 2000, 4000 };
	for (int i = 0; i < 4; i++)
		T_EQ_INT(kafkarec_mock_produce(mk, 0, ts[i], "k", 1, 5, &e), 0);
	T_EQ_INT(kafkarec_mock_flush(mk, &e), 0);
	char out[512];
	snprintf(out, sizeof out, "%s/late.csv", dir);
	struct kafkarec_opts o = {
		.brokers = kafkarec_mock_brokers(mk), .topic = "t1",
		.from_beginning = 1, .max = 4, .sort_window = 0, .out_path = out,
		.now = test_clock, .duration_s = 60,
	};
	struct kafkarec_result r;
	int rc = kafkarec_run(&o, &r, &e);
	T_TRUE(rc == 0, "%s", e.msg);
	T_EQ_INT(r.messages, 4);
	T_EQ_INT(r.late, 1);
	char *text = slurp(out);
	T_TRUE(text && strcmp(text, "time_s,topic,key,size_bytes\n"
			      "0.000,t1,k,5\n2.000,t1,k,5\n2.000,t1,k,5\n"
			      "3.000,t1,k,5\n") == 0, "got:\n%s", text ? text : "");
	free(text);

	/* from the end, until the end: nothing new, so no rows, and it ends */
	char out2[512];
	snprintf(out2, sizeof out2, "%s/none.csv", dir);
	o = (struct kafkarec_opts){
		.brokers = kafkarec_mock_brokers(mk), .topic = "t1",
		.until_end = 1, .sort_window = 10, .out_path = out2,
		.now = test_clock, .duration_s = 60,
	};
	rc = kafkarec_run(&o, &r, &e);
	T_TRUE(rc == 0, "%s", e.msg);
	T_EQ_INT(r.messages, 0);
	text = slurp(out2);
	T_TRUE(text && strcmp(text, "time_s,topic,key,size_bytes\n") == 0,
	       "got:\n%s", text ? text : "");
	free(text);
out:
	kafkarec_mock_free(mk);
	if (dir) {
		static const char *const files[] = { "late.csv", "none.csv" };
		rm_dir(dir, files, 2);
	}
}

static long count_lines(const char *path, int *partial)
{
	char *text = slurp(path);
	long n = 0;
	*partial = 0;
	for (const char *c = text; c && *c; c++)
		n += *c == '\n';
	if (text && *text && text[strlen(text) - 1] != '\n')
		*partial = 1;
	free(text);
	return n;
}

/* The recorder runs in a child killed with SIGKILL once the rows are in
 * the file: every row must be there, whole. The child is forked before
 * this test makes any librdkafka handle (the earlier tests destroyed
 * theirs, so no librdkafka thread exists at the fork) and learns the
 * brokers through a pipe. */
static void test_killed_recorder_keeps_rows(void)
{
	if (!kafkarec_available())
		return;
	enum { N = 40 };
	struct err e = { 0 };
	char *dir = tmpdir();
	int fds[2];
	T_TRUE(dir && pipe(fds) == 0, "setup");
	if (!dir)
		return;
	char out[512];
	snprintf(out, sizeof out, "%s/killed.csv", dir);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		char brokers[256] = "";
		close(fds[1]);
		ssize_t r = read(fds[0], brokers, sizeof brokers - 1);
		if (r <= 0)
			_exit(3);
		brokers[r] = '\0';
		struct kafkarec_opts o = {
			.brokers = brokers, .topic = "k", .from_beginning = 1,
			.sort_window = 0, .out_path = out, .now = test_clock,
			.duration_s = 60,   /* safety net if the parent dies */
		};
		_exit(kafkarec_run(&o, NULL, &e) == 0 ? 0 : 4);
	}
	close(fds[0]);
	T_TRUE(pid > 0, "fork failed");
	struct kafkarec_mock *mk = pid > 0 ? kafkarec_mock_new(1, "k", 1, &e) : NULL;
	T_TRUE(mk != NULL, "%s", e.msg);
	for (int i = 0; mk && i < N; i++)
		T_EQ_INT(kafkarec_mock_produce(mk, 0, 5000 + 250 * i, "key", 3, i, &e), 0);
	if (mk) {
		T_EQ_INT(kafkarec_mock_flush(mk, &e), 0);
		const char *b = kafkarec_mock_brokers(mk);
		T_TRUE(write(fds[1], b, strlen(b)) == (ssize_t)strlen(b), "pipe");
	}
	close(fds[1]);
	/* wait (bounded; not a timing assertion) for the header and N rows */
	long lines = 0;
	int partial = 0;
	double t0 = test_clock();
	while (pid > 0 && mk && test_clock() - t0 < 30) {
		lines = count_lines(out, &partial);
		if (lines >= N + 1)
			break;
		struct timespec ts = { 0, 20000000 };
		nanosleep(&ts, NULL);
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	lines = count_lines(out, &partial);
	T_EQ_INT(lines, N + 1);
	T_EQ_INT(partial, 0);
	char *text = slurp(out);
	T_STR_CONTAINS(text, "\n0.000,k,key,0\n0.250,k,key,1\n");
	T_STR_CONTAINS(text, "\n9.750,k,key,39\n");
	free(text);
	kafkarec_mock_free(mk);
	static const char *const files[] = { "killed.csv" };
	rm_dir(dir, files, 1);
}

int test_kafkarec_register(void)
{
	CU_pSuite s = CU_add_suite("kafkarec", NULL, NULL);
	if (!s ||
	    !CU_add_test(s, "options and errors", test_not_built_or_options) ||
	    !CU_add_test(s, "mock cluster round trip", test_round_trip) ||
	    !CU_add_test(s, "late messages are clamped and counted",
			 test_late_is_clamped) ||
	    !CU_add_test(s, "a killed recorder keeps every row it wrote",
			 test_killed_recorder_keeps_rows))
		return -1;
	return 0;
}
