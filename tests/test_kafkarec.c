/*
 * test_kafkarec: `spate record` against librdkafka's built-in mock cluster
 * (a real Kafka protocol server inside the process, no broker needed).
 * Known messages are produced with known timestamps, keys and value sizes
 * into several partitions, recorded, and the trace is read back through the
 * spate-csv reader; every row must match exactly: time = (timestamp - the
 * earliest) / 1000, the key's hash of its written form, the size. Also:
 * the written key forms, clamping of a message later than the sort window
 * (counted, never dropped), the errors a user meets (unknown topic listing
 * the topics, an existing output, bad options). Partition and offset: a
 * grid of messages with known timestamps over 3 partitions is recorded in
 * kcat format with --from TIME (each partition from its first offset at or
 * after TIME, then everything: an older CreateTime after it included), with
 * --until TIME (each partition up to its first message at or after TIME,
 * exclusive; the recording ends by itself), with --count, and all of it is
 * replayed through the kcat reader (partition_key = same) and compared
 * message by message: timestamp, partition, offset, key and value lengths.
 * TIME parsing (epoch seconds, ISO 8601 with zones, leap years, rounding
 * up below a ms) is checked against `date -u` values. Without librdkafka
 * only the option checks and the "not built" errors run.
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

/* Opens path with the reader `name`, its other params at their defaults
 * but for choice `choice` of the enum param `pname` (NULL: none); *vals is
 * freed by the caller after close. */
static void *open_reader(const char *name, const char *path, const char *pname,
			 const char *choice, union param_val **vals,
			 struct err *e)
{
	const struct workload *w = workload_find(name);
	T_TRUE(w != NULL, "no reader %s", name);
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
	if (pname) {
		int k = param_find(w->params, w->nparams, pname);
		int c = k >= 0 ? param_choice_index(&w->params[k], choice) : -1;
		T_TRUE(c >= 0, "%s: no %s=%s", name, pname, choice);
		if (c >= 0)
			(*vals)[k].num = c;
	}
	return w->open(*vals, NULL, e);
}

static void *open_csv(const char *path, union param_val **vals, struct err *e)
{
	return open_reader("spate-csv", path, NULL, NULL, vals, e);
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

	/* the same in kcat format: the late row keeps its offset, is written
	 * at the previous row's timestamp, and the kcat reader takes it */
	char outk[512];
	snprintf(outk, sizeof outk, "%s/late.kcat", dir);
	o.out_path = outk;
	o.format = KAFKAREC_KCAT;
	rc = kafkarec_run(&o, &r, &e);
	T_TRUE(rc == 0, "%s", e.msg);
	T_EQ_INT(r.late, 1);
	text = slurp(outk);
	T_TRUE(text && strcmp(text, "timestamp_ms,topic,partition,offset,key_len,"
			      "value_len\n1000,t1,0,0,1,5\n3000,t1,0,1,1,5\n"
			      "3000,t1,0,2,1,5\n4000,t1,0,3,1,5\n") == 0,
	       "got:\n%s", text ? text : "");
	free(text);
	union param_val *vals = NULL;
	void *st = open_reader("kcat", outk, NULL, NULL, &vals, &e);
	T_TRUE(st != NULL, "%s", e.msg);
	const struct workload *w = workload_find("kcat");
	struct arrival a;
	int got = 0;
	static const double want_t[] = { 0, 2, 2, 3 };
	while (st && w->next(st, &a, &e) == 1) {
		T_TRUE(got < 4 && a.t == want_t[got], "replayed %d at %g", got, a.t);
		got++;
	}
	T_EQ_INT(got, 4);
	T_TRUE(!e.code, "%s", e.msg);
	if (st)
		w->close(st);
	free(vals);

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
		static const char *const files[] = { "late.csv", "late.kcat",
						     "none.csv" };
		rm_dir(dir, files, 3);
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

/* --- TIME and the new options ------------------------------------------ */

static void test_parse_time(void)
{
	static const struct {
		const char *text;
		int64_t ms;
	} ok[] = {
		/* the values in s are `date -u -d TIME +%s` */
		{ "1795341600", INT64_C(1795341600000) },
		{ "1795341600.25", INT64_C(1795341600250) },
		{ "1795341600.000", INT64_C(1795341600000) },
		{ "1795341600.0001", INT64_C(1795341600001) },   /* rounded up */
		{ "1795341600.9999", INT64_C(1795341601000) },
		{ "2026-11-22T10:00:00Z", INT64_C(1795341600000) },
		{ "2026-11-22T12:00:00+02:00", INT64_C(1795341600000) },
		{ "2026-11-22T06:30:00-03:30", INT64_C(1795341600000) },
		{ "2026-11-22t10:00:00.5z", INT64_C(1795341600500) },
		{ "2026-11-22 10:00:00.123456Z", INT64_C(1795341600124) },
		{ "2024-02-29T00:00:00Z", INT64_C(1709164800000) },
		{ "2000-03-01T00:00:00Z", INT64_C(951868800000) },
		{ "1999-12-31T23:59:59Z", INT64_C(946684799000) },
		{ "2023-11-14T22:13:20Z", INT64_C(1700000000000) },
		{ "1970-01-01T00:00:00.001Z", 1 },
		{ "0.001", 1 },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct err e = { 0 };
		int64_t ms = -7;
		int rc = kafkarec_parse_time("--from", ok[i].text, &ms, &e);
		T_TRUE(rc == 0 && ms == ok[i].ms, "'%s': rc %d ms %" PRId64
		       " want %" PRId64 " (%s)", ok[i].text, rc, ms, ok[i].ms, e.msg);
	}
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "", "--until '': expected a time" },
		{ "abc", "--until 'abc': expected a time" },
		{ "1e9", "--until '1e9': expected a time" },
		{ "-5", "--until '-5': expected a time" },
		{ "+5", "--until '+5': expected a time" },
		{ "17 00", "--until '17 00': expected a time" },
		{ "1795341600.", "--until '1795341600.': expected a time" },
		{ "0", "--until '0': must be after 1970-01-01T00:00:00Z" },
		{ "1700000000000", "--until '1700000000000': out of range" },
		{ "2026-11-22T10:00:00", "no time zone (end it with Z" },
		{ "2026-11-22T10:00Z", "--until '2026-11-22T10:00Z': expected" },
		{ "2026-11-22T10:00:00Zjunk", "expected a time" },
		{ "2026-11-22T10:00:00+2:00", "bad time zone" },
		{ "2026-13-01T00:00:00Z", "'2026-13-01T00:00:00Z': no such date" },
		{ "2023-02-29T00:00:00Z", "no such date" },
		{ "1900-02-29T00:00:00Z", "must be after 1970" },
		{ "2026-11-22T24:00:00Z", "no such time of day" },
		{ "1969-12-31T23:59:59Z", "must be after 1970" },
		{ "1970-01-01T01:00:00+01:00", "must be after 1970" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct err e = { 0 };
		int64_t ms = -7;
		T_EQ_INT(kafkarec_parse_time("--until", bad[i].text, &ms, &e), -1);
		T_EQ_INT(e.code, ERR_INPUT);
		T_STR_CONTAINS(e.msg, bad[i].msg);
		T_TRUE(ms == -7, "'%s': *ms written on failure", bad[i].text);
	}
	struct err e = { 0 };
	int64_t ms;
	T_EQ_INT(kafkarec_parse_time("--from", "soon", &ms, &e), -1);
	T_STR_CONTAINS(e.msg, "or beginning or end");
}

/* Every bad option value fails with ERR_INPUT (exit 2) and a message that
 * names the option and the value, before any connection is tried. */
static void test_bad_option_values(void)
{
	static const struct {
		const char *opt, *val, *opt2, *val2, *msg;
	} cases[] = {
		{ "--from", "yesterday", NULL, NULL,
		  "--from 'yesterday': expected a time" },
		{ "--from", "", NULL, NULL, "--from '': expected a time" },
		{ "--until", "2026-11-22T10:00:00", NULL, NULL,
		  "--until '2026-11-22T10:00:00': no time zone" },
		{ "--until", "2026-02-29T10:00:00Z", NULL, NULL,
		  "--until '2026-02-29T10:00:00Z': no such date" },
		{ "--count", "0", NULL, NULL, "--count: must be >= 1, got '0'" },
		{ "--count", "x", NULL, NULL,
		  "--count: expected a non-negative integer, got 'x'" },
		{ "--max", "-3", NULL, NULL,
		  "--max: expected a non-negative integer, got '-3'" },
		{ "--format", "json", NULL, NULL,
		  "--format: expected spate-csv or kcat, got 'json'" },
		{ "--from", "1700000010", "--until", "1700000005",
		  "--until (1700000005.000 s since the epoch) must be later than "
		  "--from (1700000010.000 s)" },
		{ "--from", "end", "--from", "beginning",
		  "--from 'beginning': the start is already given by --from" },
		{ "--max", "3", "--count", "4",
		  "--count '4': the count is already given by --max" },
		{ "--until", "1700000005", "--until", "1700000006",
		  "--until '1700000006': given twice" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct err e = { 0 };
		char *argv[10] = { "--brokers", "h:1", "--topic", "t", "--out",
				   "/nonexistent/x.csv" };
		int argc = 6;
		argv[argc++] = (char *)cases[i].opt;
		argv[argc++] = (char *)cases[i].val;
		if (cases[i].opt2) {
			argv[argc++] = (char *)cases[i].opt2;
			argv[argc++] = (char *)cases[i].val2;
		}
		T_EQ_INT(kafkarec_cli(argc, argv, stdout, NULL, test_clock, &e), -1);
		T_EQ_INT(e.code, ERR_INPUT);
		T_STR_CONTAINS(e.msg, cases[i].msg);
	}
	struct err e = { 0 };
	char *argv[] = { "--brokers", "h:1", "--topic", "t", "--out", "x",
			 "--from", "beginning", "--from-beginning" };
	T_EQ_INT(kafkarec_cli(9, argv, stdout, NULL, test_clock, &e), -1);
	T_STR_CONTAINS(e.msg, "--from-beginning: the start is already given by "
		       "--from");
}

/* One row of a kcat-format file. */
struct krow {
	int64_t ts, off, klen, vlen;
	int part;
};

/* The rows of a kcat-format recording (header checked), or NULL. */
static struct krow *read_kcat_rows(const char *path, const char *topic,
				   int *n)
{
	FILE *f = fopen(path, "r");
	char line[256];
	*n = 0;
	if (!f)
		return NULL;
	int cap = 64;
	struct krow *r = malloc((size_t)cap * sizeof *r);
	int first = 1;
	while (r && fgets(line, sizeof line, f)) {
		if (first) {
			first = 0;
			T_TRUE(!strcmp(line, "timestamp_ms,topic,partition,offset,"
				       "key_len,value_len\n"), "header: %s", line);
			continue;
		}
		if (*n == cap) {
			struct krow *g = realloc(r, (size_t)(cap *= 2) * sizeof *r);
			if (!g) {
				free(r);
				r = NULL;
				break;
			}
			r = g;
		}
		char t[64];
		long long ts, off, kl, vl;
		int p, end = 0;
		int k = sscanf(line, "%lld,%63[^,],%d,%lld,%lld,%lld%n", &ts, t, &p,
			       &off, &kl, &vl, &end);
		T_TRUE(k == 6 && line[end] == '\n' && !strcmp(t, topic),
		       "row %d: %s", *n + 1, line);
		r[(*n)++] = (struct krow){ .ts = ts, .part = p, .off = off,
					   .klen = kl, .vlen = vl };
	}
	fclose(f);
	return r;
}

/* The grid: partition p's i-th message (offset i) has timestamp
 * GRID_BASE + 1000 i + 10 p, value length 100 p + i, key "k<p>" -- but for
 * one late producer clock: partition 0 offset 12 carries GRID_BASE + 1000. */
enum { GRID_PARTS = 3, GRID_PER = 20 };
#define GRID_BASE INT64_C(1700000000000)   /* 2023-11-14T22:13:20Z */

static int64_t grid_ts(int p, int i)
{
	return p == 0 && i == 12 ? GRID_BASE + 1000 :
	       GRID_BASE + 1000 * (int64_t)i + 10 * p;
}

static struct kafkarec_mock *make_grid(const char *topic, struct err *e)
{
	struct kafkarec_mock *mk = kafkarec_mock_new(1, topic, GRID_PARTS, e);
	T_TRUE(mk != NULL, "%s", e->msg);
	for (int i = 0; mk && i < GRID_PER; i++)
		for (int p = 0; p < GRID_PARTS; p++) {
			char key[8];
			snprintf(key, sizeof key, "k%d", p);
			T_EQ_INT(kafkarec_mock_produce(mk, p, grid_ts(p, i), key,
						       strlen(key), 100 * p + i, e), 0);
		}
	if (mk)
		T_EQ_INT(kafkarec_mock_flush(mk, e), 0);
	return mk;
}

/* Checks that the rows of path are exactly the grid messages of offsets
 * [first[p], last[p]) of each partition p, with their timestamps and
 * lengths, in non-decreasing time. */
static void check_grid_rows(const char *path, const char *topic,
			    const int *first, const int *last, const char *what)
{
	int n = 0, want = 0, bad = 0;
	struct krow *r = read_kcat_rows(path, topic, &n);
	unsigned char seen[GRID_PARTS][GRID_PER] = { { 0 } };
	for (int p = 0; p < GRID_PARTS; p++)
		want += last[p] - first[p];
	T_TRUE(r != NULL || n == 0, "%s: cannot read %s", what, path);
	for (int k = 0; r && k < n; k++) {
		const struct krow *x = &r[k];
		int ok = x->part >= 0 && x->part < GRID_PARTS &&
			 x->off >= first[x->part] && x->off < last[x->part] &&
			 !seen[x->part][x->off] && x->ts == grid_ts(x->part, (int)x->off) &&
			 x->klen == 2 && x->vlen == 100 * x->part + x->off &&
			 (k == 0 || x->ts >= r[k - 1].ts);
		if (ok)
			seen[x->part][x->off] = 1;
		else if (bad++ < 3)
			T_TRUE(ok, "%s: row %d: ts %" PRId64 " partition %d offset %"
			       PRId64 " klen %" PRId64 " vlen %" PRId64, what, k + 1,
			       x->ts, x->part, x->off, x->klen, x->vlen);
	}
	T_EQ_INT(bad, 0);
	T_EQ_INT(n, want);
	free(r);
}

/* --from TIME, with and without a group; --until TIME; both through the
 * command line with an ISO 8601 time; --count. */
static void test_from_until_count(void)
{
	if (!kafkarec_available())
		return;
	struct err e = { 0 };
	char *dir = tmpdir();
	struct kafkarec_mock *mk = dir ? make_grid("grid", &e) : NULL;
	T_TRUE(dir && mk, "setup");
	if (!dir || !mk)
		goto out;
	char out[512];
	const int all_first[GRID_PARTS] = { 0, 0, 0 };
	const int all_last[GRID_PARTS] = { GRID_PER, GRID_PER, GRID_PER };
	/* from GRID_BASE + 7.005 s: partition 0 starts at offset 8 (7000 <
	 * 7005), 1 and 2 at 7 (7010, 7020); partition 0's offset 12, at
	 * +1 s, comes after its start and is recorded */
	const int from_first[GRID_PARTS] = { 8, 7, 7 };
	struct kafkarec_result r;
	struct kafkarec_opts o = {
		.brokers = kafkarec_mock_brokers(mk), .topic = "grid",
		.from_ms = GRID_BASE + 7005, .until_end = 1,
		.format = KAFKAREC_KCAT, .sort_window = 1000, .out_path = out,
		.now = test_clock, .duration_s = 60,   /* a safety net */
	};
	for (int grouped = 0; grouped < 2; grouped++) {
		snprintf(out, sizeof out, "%s/from%d.csv", dir, grouped);
		o.group = grouped ? "spate-from" : NULL;
		err_clear(&e);
		int rc = kafkarec_run(&o, &r, &e);
		T_TRUE(rc == 0, "group %d: %s", grouped, e.msg);
		T_EQ_INT(r.end, KAFKAREC_END_PARTITIONS);
		T_EQ_INT(r.messages, 3 * GRID_PER - 22);
		/* the mock cluster cannot look offsets up by time, so the
		 * partitions were read from their start (a broker that can
		 * skips nothing) */
		T_TRUE(r.skipped == 22 || r.skipped == 0, "skipped %" PRIu64,
		       r.skipped);
		check_grid_rows(out, "grid", from_first, all_last,
				grouped ? "--from, grouped" : "--from");
	}

	/* after every message: nothing, and it still ends */
	snprintf(out, sizeof out, "%s/from_late.csv", dir);
	o.group = NULL;
	o.from_ms = GRID_BASE + 100000;
	err_clear(&e);
	T_TRUE(kafkarec_run(&o, &r, &e) == 0, "%s", e.msg);
	T_EQ_INT(r.messages, 0);
	T_EQ_INT(r.end, KAFKAREC_END_PARTITIONS);

	/* --until GRID_BASE + 15.005 s without --until-end: partition 0 is
	 * finished by offset 16 (15000 < 15005), 1 and 2 by 15; the recording
	 * ends by itself once all three are */
	const int until_last[GRID_PARTS] = { 16, 15, 15 };
	snprintf(out, sizeof out, "%s/until.csv", dir);
	o.from_ms = 0;
	o.from_beginning = 1;
	o.until_end = 0;
	o.until_ms = GRID_BASE + 15005;
	err_clear(&e);
	int rc = kafkarec_run(&o, &r, &e);
	T_TRUE(rc == 0, "%s", e.msg);
	T_EQ_INT(r.end, KAFKAREC_END_PARTITIONS);
	T_EQ_INT(r.messages, 16 + 15 + 15);
	T_TRUE(r.skipped >= 3, "skipped %" PRIu64, r.skipped);
	check_grid_rows(out, "grid", all_first, until_last, "--until");

	/* the command line: ISO --from, epoch --until, both */
	char summary[512] = "";
	snprintf(out, sizeof out, "%s/cli.csv", dir);
	FILE *sf = tmpfile();
	char *argv[] = { "--brokers", (char *)kafkarec_mock_brokers(mk),
			 "--topic", "grid", "--out", out, "--format", "kcat",
			 "--from", "2023-11-14T22:13:27.005Z",
			 "--until", "1700000015.005", "--duration", "60" };
	err_clear(&e);
	T_TRUE(sf && kafkarec_cli(14, argv, sf, NULL, test_clock, &e) == 0,
	       "%s", e.msg);
	if (sf) {
		rewind(sf);
		summary[fread(summary, 1, sizeof summary - 1, sf)] = '\0';
		fclose(sf);
	}
	T_STR_CONTAINS(summary, "recorded 24 messages of grid to ");
	T_STR_CONTAINS(summary, "(kcat)");
	T_STR_CONTAINS(summary, "ended: every partition finished");
	check_grid_rows(out, "grid", from_first, until_last, "cli --from --until");

	/* --count 5 (the --max alias), in spate-csv */
	snprintf(out, sizeof out, "%s/count.csv", dir);
	sf = tmpfile();
	char *argv2[] = { "--brokers", (char *)kafkarec_mock_brokers(mk),
			  "--topic", "grid", "--out", out, "--from", "beginning",
			  "--count", "5", "--duration", "60" };
	err_clear(&e);
	T_TRUE(sf && kafkarec_cli(12, argv2, sf, NULL, test_clock, &e) == 0,
	       "%s", e.msg);
	summary[0] = '\0';
	if (sf) {
		rewind(sf);
		summary[fread(summary, 1, sizeof summary - 1, sf)] = '\0';
		fclose(sf);
	}
	T_STR_CONTAINS(summary, "recorded 5 messages of grid to ");
	T_STR_CONTAINS(summary, "(spate-csv)");
	T_STR_CONTAINS(summary, "ended: the count reached");
	int partial;
	T_EQ_INT(count_lines(out, &partial), 1 + 5);
	char *text = slurp(out);
	T_TRUE(text && !strncmp(text, "time_s,topic,key,size_bytes\n0.000,grid,k",
				40), "got:\n%s", text ? text : "");
	free(text);
out:
	kafkarec_mock_free(mk);
	if (dir) {
		static const char *const files[] = { "from0.csv", "from1.csv",
			"from_late.csv", "until.csv", "cli.csv", "count.csv" };
		rm_dir(dir, files, 6);
	}
}

/* The round trip of issue 4 in kcat format: every message comes back
 * through the kcat reader with its timestamp, partition (partition_key =
 * same), value size; offsets and key lengths from the file itself. */
static void test_kcat_round_trip(void)
{
	if (!kafkarec_available())
		return;
	struct err e = { 0 };
	int n = test_quick() ? 60 : 300;
	struct msg *m = calloc((size_t)n, sizeof *m);
	int64_t *off = calloc((size_t)n, sizeof *off);
	char *dir = tmpdir();
	struct kafkarec_mock *mk = NULL;
	T_TRUE(m && off && dir, "setup");
	if (!m || !off || !dir)
		goto out;
	make_messages(m, n);
	mk = kafkarec_mock_new(3, "orders", 3, &e);
	T_TRUE(mk != NULL, "%s", e.msg);
	if (!mk)
		goto out;
	int64_t next[3] = { 0, 0, 0 };
	for (int i = 0; i < n; i++) {
		T_EQ_INT(kafkarec_mock_produce(mk, m[i].part, m[i].ts, m[i].key,
					       m[i].klen, m[i].size, &e), 0);
		off[i] = next[m[i].part]++;
	}
	T_EQ_INT(kafkarec_mock_flush(mk, &e), 0);
	char out[512];
	snprintf(out, sizeof out, "%s/rec.kcat", dir);
	struct kafkarec_opts o = {
		.brokers = kafkarec_mock_brokers(mk), .topic = "orders",
		.from_beginning = 1, .until_end = 1, .format = KAFKAREC_KCAT,
		.sort_window = n, .out_path = out, .now = test_clock,
		.duration_s = 60,
	};
	struct kafkarec_result r;
	int rc = kafkarec_run(&o, &r, &e);
	T_TRUE(rc == 0, "%s", e.msg);
	T_EQ_INT(r.messages, n);
	T_EQ_INT(r.late, 0);

	/* the file: each row is its message, in time order */
	int nrows = 0, bad = 0;
	struct krow *rows = read_kcat_rows(out, "orders", &nrows);
	T_EQ_INT(nrows, n);
	for (int k = 0; rows && k < nrows && k < n; k++) {
		const struct krow *x = &rows[k];
		int i = 0;
		while (i < n && m[i].ts != x->ts)   /* timestamps are distinct */
			i++;
		int ok = i < n && x->part == m[i].part && x->off == off[i] &&
			 x->klen == (m[i].key ? (int64_t)m[i].klen : -1) &&
			 x->vlen == m[i].size && (k == 0 || x->ts > rows[k - 1].ts);
		if (!ok && bad++ < 3)
			T_TRUE(ok, "row %d: ts %" PRId64 " partition %d offset %"
			       PRId64 " klen %" PRId64 " vlen %" PRId64, k + 1, x->ts,
			       x->part, x->off, x->klen, x->vlen);
	}
	T_EQ_INT(bad, 0);
	free(rows);

	/* replayed by the kcat reader */
	qsort(m, (size_t)n, sizeof *m, by_ts);
	const struct workload *w = workload_find("kcat");
	union param_val *vals = NULL;
	void *st = open_reader("kcat", out, "partition_key", "same", &vals, &e);
	T_TRUE(st != NULL, "%s", e.msg);
	struct arrival a;
	int got = 0;
	bad = 0;
	while (st && (rc = w->next(st, &a, &e)) == 1) {
		if (got < n) {
			const struct msg *x = &m[got];
			double t = (double)(x->ts - m[0].ts) / 1000.0;
			int ok = a.t == t && a.size == (x->size < 0 ? 0 : x->size) &&
				 a.keyed && a.key == (uint64_t)x->part;
			if (!ok && bad++ < 3)
				T_TRUE(ok, "replayed %d: t %.17g want %.17g, size %g "
				       "want %ld, key %" PRIu64 " want %d", got + 1, a.t,
				       t, a.size, x->size, a.key, x->part);
		}
		got++;
	}
	T_EQ_INT(rc, 0);
	T_TRUE(rc == 0, "%s", e.msg);
	T_EQ_INT(got, n);
	T_EQ_INT(bad, 0);
	if (st)
		w->close(st);
	free(vals);
out:
	kafkarec_mock_free(mk);
	free(m);
	free(off);
	if (dir) {
		static const char *const files[] = { "rec.kcat" };
		rm_dir(dir, files, 1);
	}
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
	    !CU_add_test(s, "TIME: epoch seconds and ISO 8601", test_parse_time) ||
	    !CU_add_test(s, "bad option values name the option",
			 test_bad_option_values) ||
	    !CU_add_test(s, "--from TIME, --until TIME, --count",
			 test_from_until_count) ||
	    !CU_add_test(s, "kcat format round trip through the kcat reader",
			 test_kcat_round_trip) ||
	    !CU_add_test(s, "a killed recorder keeps every row it wrote",
			 test_killed_recorder_keeps_rows))
		return -1;
	return 0;
}
