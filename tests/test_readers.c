/*
 * Tests of the trace readers (kcat, kafka-dump-log, azure-functions-2019,
 * azure-functions-2021, huawei-2023) and their helpers (reorder, binfill):
 * exact arrival times, sizes and keys on the hand-written fixtures in
 * tests/fixtures/traces (expected values computed by hand in the comments),
 * filters and rank, the three placements against their definitions, gzip
 * against plain, bad input naming "file:line", and the 2021 reader over the
 * real excerpt in traces/.
 * Fixture paths are relative to the repository root, where `make test`
 * runs; FIXTURE_DIR and AZ2021_EXCERPT can be overridden at compile time.
 * Bad inputs are written to one mkdtemp directory made by the suite's init
 * and removed by its cleanup.
 */
#include "testutil.h"

#include "azure_fn2019.h"
#include "binfill.h"
#include "dist.h"
#include "err.h"
#include "reorder.h"
#include "rng.h"
#include "workload.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "tests/fixtures/traces"
#endif
#ifndef AZ2021_EXCERPT
#define AZ2021_EXCERPT "traces/azure_functions_2021_excerpt.csv"
#endif
#define FX(name) FIXTURE_DIR "/" name


static char tmpdir[256];

static int suite_init(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/spate-readers-XXXXXX",
		 base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int suite_cleanup(void)
{
	DIR *d = opendir(tmpdir);
	if (!d)
		return -1;
	struct dirent *de;
	char p[512];
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", tmpdir, de->d_name);
		unlink(p);
	}
	closedir(d);
	return rmdir(tmpdir);
}

/* Writes text to tmpdir/name; returns the path (static buffer). */
static const char *tmp_file(const char *name, const char *text)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	CU_ASSERT_FATAL(f != NULL);
	size_t n = strlen(text);
	CU_ASSERT_FATAL(fwrite(text, 1, n, f) == n);
	CU_ASSERT_FATAL(fclose(f) == 0);
	return path;
}

static const struct workload *wl(const char *name)
{
	const struct workload *w = workload_find(name);
	CU_ASSERT_FATAL(w != NULL);
	return w;
}

static int pidx(const struct workload *w, const char *name)
{
	for (size_t i = 0; i < w->nparams; i++)
		if (strcmp(w->params[i].name, name) == 0)
			return (int)i;
	T_TRUE(0, "workload %s has no parameter %s", w->name, name);
	CU_FAIL_FATAL("missing parameter");
	return 0;
}

/* Defaults of w's table, then path. */
static void params(const struct workload *w, union param_val *p,
		   const char *path)
{
	for (size_t i = 0; i < w->nparams; i++) {
		const struct param_def *d = &w->params[i];
		if (d->type == PARAM_STR)
			p[i].str = d->def_str;
		else if (d->type == PARAM_DIST)
			p[i].dist = NULL;
		else
			p[i].num = d->def;
	}
	p[pidx(w, "path")].str = path;
}

static void set_str(const struct workload *w, union param_val *p,
		    const char *name, const char *v)
{
	p[pidx(w, name)].str = v;
}

static void set_num(const struct workload *w, union param_val *p,
		    const char *name, double v)
{
	p[pidx(w, name)].num = v;
}

static void set_enum(const struct workload *w, union param_val *p,
		     const char *name, const char *choice)
{
	int i = pidx(w, name);
	int k = param_choice_index(&w->params[i], choice);
	CU_ASSERT_FATAL(k >= 0);
	p[i].num = k;
}

/* Opens w, reads up to max arrivals into out (may be NULL) and returns what
 * the last next returned (0 end, 1 stopped at max, -1 error), or -2 when
 * open failed; *n counts the arrivals. */
static int drain(const struct workload *w, const union param_val *p,
		 struct rng *rng, struct arrival *out, size_t max, size_t *n,
		 struct err *e)
{
	err_clear(e);
	*n = 0;
	void *s = w->open(p, rng, e);
	if (!s)
		return -2;
	int rc = 1;
	struct arrival a;
	while (*n < max && (rc = w->next(s, &a, e)) == 1) {
		if (out)
			out[*n] = a;
		(*n)++;
	}
	w->close(s);
	return rc;
}

/* Drains w fully and checks that it ends cleanly. */
static size_t drain_ok(const struct workload *w, const union param_val *p,
		       struct rng *rng, struct arrival *out, size_t max)
{
	struct err e = { 0 };
	size_t n;
	int rc = drain(w, p, rng, out, max, &n, &e);
	T_TRUE(rc == 0, "%s: rc %d: %s", w->name, rc, e.msg);
	return n;
}

/* Expects the bad input `text` (written to tmpdir/name, other params as
 * already set in p) to fail at open or next with "PATH:LINE: what". */
static void expect_bad(const struct workload *w, union param_val *p,
		       struct rng *rng, const char *name, const char *text,
		       long line, const char *what)
{
	const char *path = tmp_file(name, text);
	p[pidx(w, "path")].str = path;
	struct err e = { 0 };
	size_t n;
	int rc = drain(w, p, rng, NULL, 100000, &n, &e);
	T_TRUE(rc < 0, "%s on %s: rc %d, no error", w->name, name, rc);
	T_EQ_INT(e.code, ERR_INPUT);
	char want[900];
	snprintf(want, sizeof want, "%s:%ld: %s", path, line, what);
	T_STR_CONTAINS(e.msg, want);
}

static uint64_t hs(const char *key)
{
	return workload_key_hash(key, strlen(key));
}

static void same_arrivals(const struct arrival *a, size_t na,
			  const struct arrival *b, size_t nb)
{
	T_EQ_INT(na, nb);
	for (size_t i = 0; i < na && i < nb; i++) {
		T_NEAR(a[i].t, b[i].t, 0);
		T_NEAR(a[i].size, b[i].size, 0);
		T_EQ_INT(a[i].keyed, b[i].keyed);
		T_TRUE(a[i].key == b[i].key, "arrival %zu key differs", i);
	}
}

/* ---- registry ------------------------------------------------------------ */

static void test_registry_entries(void)
{
	static const char *const names[] = {
		"kcat", "kafka-dump-log", "azure-functions-2019",
		"azure-functions-2021", "huawei-2023",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const struct workload *w = wl(names[i]);
		CU_ASSERT_STRING_EQUAL(w->name, names[i]);
		T_TRUE(w->help && strlen(w->help) > 20, "%s help", w->name);
		T_TRUE(w->params[pidx(w, "path")].def_str == NULL,
		       "%s: path must be required", w->name);
		for (size_t j = 0; j < w->nparams; j++) {
			const struct param_def *d = &w->params[j];
			T_TRUE(d->help && strlen(d->help) > 10, "%s.%s help",
			       w->name, d->name);
			if (d->type == PARAM_NUM || d->type == PARAM_INT)
				T_TRUE(d->min <= d->def && d->def <= d->max,
				       "%s.%s default outside range", w->name, d->name);
		}
		/* a missing file names itself */
		union param_val p[16];
		params(w, p, FX("no-such-file.csv"));
		if (strcmp(w->name, "huawei-2023") == 0)
			set_str(w, p, "function", "0");
		struct err e = { 0 };
		struct rng *r = rng_new(1, "readers/registry", NULL);
		CU_ASSERT_PTR_NULL(w->open(p, r, &e));
		T_STR_CONTAINS(e.msg, FX("no-such-file.csv") ": cannot open");
		rng_free(r);
	}
}

/* ---- reorder and binfill --------------------------------------------------- */

static void test_reorder(void)
{
	/* 0..999 with every block of 8 reversed: each row is at most 7 rows
	 * from its place, so a window of 7 restores the order exactly */
	struct reorder *r = reorder_new(7, 0);
	CU_ASSERT_FATAL(r != NULL);
	T_TRUE(isnan(reorder_last(r)), "last before any release");
	size_t out = 0;
	int sorted = 1;
	struct reorder_item it;
	for (int i = 0; i < 1000; i++) {
		int v = (i / 8) * 8 + 7 - i % 8;
		struct arrival a = { .t = v, .size = v };
		T_EQ_INT(reorder_push(r, &a, i + 1, 1), 0);
		while (reorder_pop(r, 0, &it)) {
			sorted &= it.a.t == (double)out && it.a.size == (double)out;
			out++;
		}
	}
	while (reorder_pop(r, 1, &it)) {
		sorted &= it.a.t == (double)out;
		out++;
	}
	T_EQ_INT(out, 1000);
	T_TRUE(sorted, "window 7 must undo blocks of 8 reversed");
	reorder_free(r);

	/* equal times keep their push order; a late row within the tolerance is
	 * raised to the last time; beyond it, push refuses it */
	r = reorder_new(0, 0.5);
	struct arrival a = { .t = 10, .size = 1 };
	T_EQ_INT(reorder_push(r, &a, 1, 1), 0);
	T_EQ_INT(reorder_pop(r, 0, &it), 1);
	T_NEAR(it.a.t, 10, 0);
	T_EQ_INT(it.line, 1);
	a.t = 9.6;
	T_EQ_INT(reorder_push(r, &a, 2, 0), 0);
	T_EQ_INT(reorder_pop(r, 0, &it), 1);
	T_NEAR(it.a.t, 10, 0);
	T_EQ_INT(it.keep, 0);
	a.t = 9.4;
	T_EQ_INT(reorder_push(r, &a, 3, 1), 1);
	T_EQ_INT(reorder_pop(r, 1, &it), 0);
	reorder_free(r);
	r = reorder_new(3, 0);
	for (int i = 0; i < 4; i++) {
		struct arrival b = { .t = 5, .size = i };
		T_EQ_INT(reorder_push(r, &b, i, 1), 0);
	}
	struct arrival b = { .t = 5 };
	T_EQ_INT(reorder_push(r, &b, 9, 1), -1);   /* over its window */
	for (int i = 0; i < 4; i++) {
		T_EQ_INT(reorder_pop(r, 1, &it), 1);
		T_NEAR(it.a.size, i, 0);
	}
	reorder_free(r);
	reorder_free(NULL);
}

static void test_binfill(void)
{
	struct rng *r = rng_new(7, "readers/binfill", NULL);
	CU_ASSERT_FATAL(r != NULL);
	struct binfill b;
	double t, prev;
	/* uniform: exactly N sorted points inside the bin, and the law of a
	 * uniform: mean 30 (sd 60/sqrt(12)), a quarter below 15 s */
	size_t n = test_quick() ? 20000 : 200000, got = 0, below = 0;
	double sum = 0;
	int ok = 1;
	binfill_start(&b, BINFILL_UNIFORM, r, 120, 60, (double)n);
	prev = 120;
	while (binfill_next(&b, &t)) {
		ok &= t >= prev && t < 180;
		prev = t;
		sum += t - 120;
		below += t < 135;
		got++;
	}
	T_EQ_INT(got, n);
	T_TRUE(ok, "uniform points must be sorted and inside [120, 180)");
	double se = 60 / sqrt(12.0) / sqrt((double)n);
	T_NEAR(sum / (double)n, 30, 4 * se);
	T_NEAR((double)below / (double)n, 0.25, 4 * sqrt(0.25 * 0.75 / (double)n));
	/* one point: anywhere in the bin */
	binfill_start(&b, BINFILL_UNIFORM, r, 0, 60, 1);
	T_EQ_INT(binfill_next(&b, &t), 1);
	T_TRUE(t >= 0 && t < 60, "t = %g", t);
	T_EQ_INT(binfill_next(&b, &t), 0);
	/* even: N = 3 in [60, 120) at 70, 90, 110 */
	binfill_start(&b, BINFILL_EVEN, NULL, 60, 60, 3);
	static const double even3[] = { 70, 90, 110 };
	for (int i = 0; i < 3; i++) {
		T_EQ_INT(binfill_next(&b, &t), 1);
		T_NEAR(t, even3[i], 1e-12);
	}
	T_EQ_INT(binfill_next(&b, &t), 0);
	/* zero and poisson with zero rate: nothing */
	binfill_start(&b, BINFILL_POISSON, r, 0, 60, 0);
	T_EQ_INT(binfill_next(&b, &t), 0);
	binfill_start(&b, BINFILL_UNIFORM, r, 0, 60, 0);
	T_EQ_INT(binfill_next(&b, &t), 0);
	rng_free(r);
}

/* ---- kcat -------------------------------------------------------------------- */

static void test_kcat(void)
{
	const struct workload *w = wl("kcat");
	union param_val p[8];
	struct arrival a[16], g[16];
	/* kcat.csv, origin 1700000000000 ms:
	 * t 0, .25, .25, 1.5, 3; size 120, 80, 0 (null value), 0, 1000;
	 * key = hash of the partition text "0", "1", "0", "0", "2" */
	params(w, p, FX("kcat.csv"));
	size_t n = drain_ok(w, p, NULL, a, 16);
	T_EQ_INT(n, 5);
	static const double t[] = { 0, 0.25, 0.25, 1.5, 3 };
	static const double size[] = { 120, 80, 0, 0, 1000 };
	static const char *const part[] = { "0", "1", "0", "0", "2" };
	for (size_t i = 0; i < 5 && i < n; i++) {
		T_NEAR(a[i].t, t[i], 0);
		T_NEAR(a[i].size, size[i], 0);
		T_EQ_INT(a[i].keyed, 1);
		T_TRUE(a[i].key == hs(part[i]), "arrival %zu key", i);
	}
	/* gzip replays exactly the same */
	params(w, p, FX("kcat.csv.gz"));
	size_t ng = drain_ok(w, p, NULL, g, 16);
	same_arrivals(a, n, g, ng);
	/* topic filter: times stay on the capture's clock */
	params(w, p, FX("kcat.csv"));
	set_str(w, p, "topic", "clicks");
	n = drain_ok(w, p, NULL, a, 16);
	T_EQ_INT(n, 1);
	T_NEAR(a[0].t, 0.25, 0);
	T_NEAR(a[0].size, 0, 0);
	set_str(w, p, "topic", "orders");
	T_EQ_INT(drain_ok(w, p, NULL, a, 16), 4);
	T_NEAR(a[3].t, 3, 0);
	set_str(w, p, "topic", "nope");
	T_EQ_INT(drain_ok(w, p, NULL, a, 16), 0);
	/* partition_key = same: the key is the partition number */
	params(w, p, FX("kcat.csv"));
	set_enum(w, p, "partition_key", "same");
	n = drain_ok(w, p, NULL, a, 16);
	T_EQ_INT(n, 5);
	static const uint64_t same[] = { 0, 1, 0, 0, 2 };
	for (size_t i = 0; i < 5 && i < n; i++)
		T_TRUE(a[i].key == same[i] && a[i].keyed, "same key %zu", i);
	/* header, CRLF, no final newline: t 0 and 0.001, partition 3 */
	params(w, p, FX("kcat_header_crlf.csv"));
	n = drain_ok(w, p, NULL, a, 16);
	T_EQ_INT(n, 2);
	T_NEAR(a[0].t, 0, 0);
	T_NEAR(a[1].t, 0.001, 1e-15);
	T_NEAR(a[1].size, 8, 0);
	T_TRUE(a[0].key == hs("3") && a[1].key == hs("3"), "partition 3");

	/* interleaved partitions: 1000,1300,1100,1400,1200 ms */
	struct err e = { 0 };
	params(w, p, FX("kcat_interleaved.csv"));
	T_EQ_INT(drain(w, p, NULL, a, 16, &n, &e), -1);
	T_STR_CONTAINS(e.msg, FX("kcat_interleaved.csv") ":3: timestamp_ms 1100 "
		       "is earlier than 1300");
	set_num(w, p, "sort_window", 1);   /* 1200 is 2 rows late: too far */
	T_EQ_INT(drain(w, p, NULL, a, 16, &n, &e), -1);
	T_STR_CONTAINS(e.msg, FX("kcat_interleaved.csv") ":5: timestamp_ms 1200 "
		       "is earlier than 1300");
	set_num(w, p, "sort_window", 2);
	n = drain_ok(w, p, NULL, a, 16);
	T_EQ_INT(n, 5);
	static const double it[] = { 0, 0.1, 0.2, 0.3, 0.4 };
	static const double isz[] = { 10, 12, 14, 11, 13 };
	for (size_t i = 0; i < 5 && i < n; i++) {
		T_NEAR(a[i].t, it[i], 1e-15);
		T_NEAR(a[i].size, isz[i], 0);
	}

	/* bad input names file:line */
	params(w, p, NULL);
	expect_bad(w, p, NULL, "k1.csv", "1000,t,0,0,1,10\n1001,t,0,1,1\n", 2,
		   "expected 6 fields");
	expect_bad(w, p, NULL, "k2.csv", "ts,topic,p,o,k,v\n1000,t,0,0,1,10\n"
		   "1001,t,0,1,1,1x\n", 3, "value_len \"1x\" is not an integer");
	expect_bad(w, p, NULL, "k3.csv", "1000,t,0,0,1,10\n-1,t,0,1,1,1\n", 2,
		   "timestamp_ms -1 is negative");
	expect_bad(w, p, NULL, "k4.csv", "1000,t,-2,0,1,10\n", 1,
		   "partition -2 is below 0");
	expect_bad(w, p, NULL, "k5.csv", "1000,t,0,0,1,10\n\n999,t,0,1,1,1\n", 3,
		   "timestamp_ms 999 is earlier than 1000");
	expect_bad(w, p, NULL, "k6.csv", "1000,t,0,0,-3,10\n", 1,
		   "key_len -3 is below -1");
	/* an empty first field is a bad row, not a header */
	expect_bad(w, p, NULL, "k7.csv", ",t,0,0,1,10\n", 1,
		   "timestamp_ms \"\" is not an integer");
}

/* ---- kafka-dump-log ---------------------------------------------------------- */

static void test_kafka_dump(void)
{
	const struct workload *w = wl("kafka-dump-log");
	union param_val p[4];
	struct arrival a[16], g[16];
	/* 3.x: records at 0 and 500 ms (CreateTime), a control batch skipped,
	 * then 1000 and 2000 ms (LogAppendTime); sizes 5, 11, 0 (null value),
	 * 27; keys "k17", none, "" (empty, not null), "a b cd" */
	params(w, p, FX("kafka_dump_v3.txt"));
	size_t n = drain_ok(w, p, NULL, a, 16);
	T_EQ_INT(n, 4);
	static const double t[] = { 0, 0.5, 1, 2 };
	static const double size[] = { 5, 11, 0, 27 };
	static const int keyed[] = { 1, 0, 1, 1 };
	static const char *const key[] = { "k17", NULL, "", "a b cd" };
	for (size_t i = 0; i < 4 && i < n; i++) {
		T_NEAR(a[i].t, t[i], 0);
		T_NEAR(a[i].size, size[i], 0);
		T_EQ_INT(a[i].keyed, keyed[i]);
		if (key[i])
			T_TRUE(a[i].key == hs(key[i]), "key %zu", i);
	}
	params(w, p, FX("kafka_dump_v3.txt.gz"));
	size_t ng = drain_ok(w, p, NULL, g, 16);
	same_arrivals(a, n, g, ng);
	/* 2.x spelling (keysize), a pre-v2 batch line, CRLF, no final newline */
	params(w, p, FX("kafka_dump_v2_crlf.txt"));
	n = drain_ok(w, p, NULL, a, 16);
	T_EQ_INT(n, 2);
	T_NEAR(a[0].t, 0, 0);
	T_NEAR(a[1].t, 0.1, 1e-15);
	T_NEAR(a[0].size, 9, 0);
	T_NEAR(a[1].size, 4, 0);
	T_TRUE(a[0].keyed && a[0].key == hs("u1"), "key u1");
	T_EQ_INT(a[1].keyed, 0);
	/* 0.11: records without "|", no batch lines */
	params(w, p, FX("kafka_dump_v011.txt"));
	n = drain_ok(w, p, NULL, a, 16);
	T_EQ_INT(n, 2);
	T_NEAR(a[1].t, 0.042, 1e-15);
	T_NEAR(a[0].size, 3, 0);
	T_NEAR(a[1].size, 2, 0);
	T_TRUE(a[0].key == hs("a") && a[1].key == hs("b"), "keys a, b");

	/* a control batch's records are skipped by the batch's isControl flag
	 * alone, whatever they print; the origin is the first real record */
	params(w, p, tmp_file("ctl.txt",
		"baseOffset: 0 lastOffset: 0 count: 1 isTransactional: false "
		"isControl: true position: 0 CreateTime: 5 size: 70 magic: 2\n"
		"| offset: 0 CreateTime: 5 keySize: 4 valueSize: 6 sequence: -1 "
		"headerKeys: [] KRaftVersion {\"version\":0}\n"
		"baseOffset: 1 lastOffset: 1 count: 1 isTransactional: false "
		"isControl: false position: 70 CreateTime: 7 size: 70 magic: 2\n"
		"| offset: 1 CreateTime: 7 keySize: -1 valueSize: 2 sequence: 0 "
		"headerKeys: [] payload: ab\n"));
	n = drain_ok(w, p, NULL, a, 16);
	T_EQ_INT(n, 1);
	T_NEAR(a[0].t, 0, 0);
	T_NEAR(a[0].size, 2, 0);

	/* CreateTime going back: an error, unless sort_window covers it */
	const char *skew =
		"| offset: 0 CreateTime: 2000 keySize: -1 valueSize: 1 payload: a\n"
		"| offset: 1 CreateTime: 1000 keySize: -1 valueSize: 2 payload: bb\n"
		"| offset: 2 CreateTime: 3000 keySize: -1 valueSize: 3 payload: ccc\n";
	params(w, p, NULL);
	expect_bad(w, p, NULL, "skew.txt", skew, 2,
		   "timestamp 1000 is earlier than 2000");
	set_num(w, p, "sort_window", 1);
	n = drain_ok(w, p, NULL, a, 16);
	T_EQ_INT(n, 3);
	T_NEAR(a[0].t, 0, 0);
	T_NEAR(a[0].size, 2, 0);
	T_NEAR(a[1].t, 1, 0);
	T_NEAR(a[2].t, 2, 0);

	params(w, p, NULL);
	expect_bad(w, p, NULL, "d1.txt",
		   "Dumping x.log\n| offset: 0 keySize: 1 valueSize: 1 key: a payload: b\n",
		   2, "record line has no CreateTime or LogAppendTime");
	expect_bad(w, p, NULL, "d2.txt",
		   "| offset: 0 NoTimestampType: -1 keysize: -1 valuesize: 1 payload: b\n",
		   1, "record has no timestamp (NoTimestampType)");
	expect_bad(w, p, NULL, "d3.txt",
		   "Starting offset: 0\n\n| offset: 0 CreateTime: 17x keySize: -1 "
		   "valueSize: 1 payload: b\n", 3, "CreateTime \"17x\" is not an integer");
	expect_bad(w, p, NULL, "d4.txt", "1700000000000,t,0,0,1,1\n", 1,
		   "\"1700000000000,t,0,0,1,1\" is not a line of kafka-dump-log");
	expect_bad(w, p, NULL, "d5.txt",
		   "| offset: 0 CreateTime: 5 keySize: 2 valueSize: 1 sequence: 0\n", 1,
		   "record has keySize 2 but no key: field");
	expect_bad(w, p, NULL, "d6.txt",
		   "| offset: 0 CreateTime: 5 keySize: -1 payload: x\n", 1,
		   "record line has no valueSize");
	expect_bad(w, p, NULL, "d7.txt",
		   "| offset: 0 CreateTime: -1 keySize: -1 valueSize: 1 payload: x\n", 1,
		   "CreateTime -1 is negative");
}

/* ---- azure-functions-2019 ------------------------------------------------ */

/* Checks arrivals a[0..n) against "even" placement of the minute counts
 * c[0..m) plus offset. */
static void check_even(const struct arrival *a, size_t n, const double *c,
		       size_t m, double offset)
{
	size_t k = 0;
	int ok = 1;
	for (size_t j = 0; j < m; j++)
		for (int i = 0; i < (int)c[j]; i++, k++)
			ok &= k < n && fabs(a[k].t - (offset + 60.0 * (double)j +
					     (i + 0.5) * 60 / c[j])) < 1e-9 &&
			      a[k].size == 0 && !a[k].keyed;
	T_EQ_INT(n, k);
	T_TRUE(ok, "even placement differs from offset + 60 m + (i + 1/2) 60/N");
}

static void test_az2019(void)
{
	const struct workload *w = wl("azure-functions-2019");
	union param_val p[16];
	struct arrival a[64], g[64];
	/* rows (minutes 1..5)           total
	 * f1 appA http   4 0 2 0 1      7
	 * f2 appA timer  1 1 1 1 1      5
	 * f3 appB http   0 10 0 0 0     10
	 * f4 appB queue  3 0 0 0 3      6
	 * f5 appC event  2 2 2 0 0      6 (ties f4; f4 is earlier) */
	static const double f1[] = { 4, 0, 2, 0, 1 }, f2[] = { 1, 1, 1, 1, 1 },
			    f3[] = { 0, 10, 0, 0, 0 }, f4[] = { 3, 0, 0, 0, 3 },
			    f5[] = { 2, 2, 2, 0, 0 }, appA[] = { 5, 1, 3, 1, 2 },
			    http[] = { 4, 10, 2, 0, 1 }, all[] = { 10, 13, 5, 1, 5 };
	params(w, p, FX("azure_fn2019.csv"));
	set_enum(w, p, "placement", "even");
	set_str(w, p, "function", "f1");
	size_t n = drain_ok(w, p, NULL, a, 64);
	check_even(a, n, f1, 5, 0);
	/* f1 by hand: 7.5 22.5 37.5 52.5 | 135 165 | 270 */
	T_NEAR(a[0].t, 7.5, 0);
	T_NEAR(a[3].t, 52.5, 0);
	T_NEAR(a[4].t, 135, 0);
	T_NEAR(a[6].t, 270, 0);
	/* gzip, and headerless CRLF without a final newline, replay the same */
	params(w, p, FX("azure_fn2019.csv.gz"));
	set_enum(w, p, "placement", "even");
	set_str(w, p, "function", "f1");
	size_t ng = drain_ok(w, p, NULL, g, 64);
	same_arrivals(a, n, g, ng);
	params(w, p, FX("azure_fn2019_noheader_crlf.csv"));
	set_enum(w, p, "placement", "even");
	set_str(w, p, "function", "f1");
	ng = drain_ok(w, p, NULL, g, 64);
	same_arrivals(a, n, g, ng);
	/* day offset */
	params(w, p, FX("azure_fn2019.csv"));
	set_enum(w, p, "placement", "even");
	set_str(w, p, "function", "f2");
	set_num(w, p, "day_offset_s", 86400);
	n = drain_ok(w, p, NULL, a, 64);
	check_even(a, n, f2, 5, 86400);
	T_NEAR(a[0].t, 86430, 0);
	/* rank over all rows, with ties going to the earlier row */
	static const double *const by_rank[] = { f3, f1, f4, f5, f2 };
	for (int r = 1; r <= 5; r++) {
		params(w, p, FX("azure_fn2019.csv"));
		set_enum(w, p, "placement", "even");
		set_num(w, p, "rank", r);
		n = drain_ok(w, p, NULL, a, 64);
		check_even(a, n, by_rank[r - 1], 5, 0);
	}
	/* rank within a trigger; trigger alone; app alone; everything */
	params(w, p, FX("azure_fn2019.csv"));
	set_enum(w, p, "placement", "even");
	set_str(w, p, "trigger", "http");
	set_num(w, p, "rank", 2);
	n = drain_ok(w, p, NULL, a, 64);
	check_even(a, n, f1, 5, 0);
	set_num(w, p, "rank", 0);
	n = drain_ok(w, p, NULL, a, 64);
	check_even(a, n, http, 5, 0);
	params(w, p, FX("azure_fn2019.csv"));
	set_enum(w, p, "placement", "even");
	set_str(w, p, "app", "appA");
	n = drain_ok(w, p, NULL, a, 64);
	check_even(a, n, appA, 5, 0);
	set_str(w, p, "app", "");
	n = drain_ok(w, p, NULL, a, 64);
	check_even(a, n, all, 5, 0);
	/* rank and gzip: two passes over a gzip file */
	params(w, p, FX("azure_fn2019.csv.gz"));
	set_enum(w, p, "placement", "even");
	set_num(w, p, "rank", 4);
	n = drain_ok(w, p, NULL, a, 64);
	check_even(a, n, f5, 5, 0);

	/* selection errors */
	struct err e = { 0 };
	params(w, p, FX("azure_fn2019.csv"));
	set_enum(w, p, "placement", "even");
	set_str(w, p, "function", "nope");
	T_EQ_INT(drain(w, p, NULL, a, 64, &n, &e), -2);
	T_STR_CONTAINS(e.msg, FX("azure_fn2019.csv") ": no row matches function=nope");
	set_str(w, p, "function", "f1");
	set_str(w, p, "trigger", "timer");
	T_EQ_INT(drain(w, p, NULL, a, 64, &n, &e), -2);
	T_STR_CONTAINS(e.msg, "no row matches function=f1, app=(any), trigger=timer");
	set_num(w, p, "rank", 1);
	T_EQ_INT(drain(w, p, NULL, a, 64, &n, &e), -2);
	T_STR_CONTAINS(e.msg, "give function or rank, not both");
	params(w, p, FX("azure_fn2019.csv"));
	set_enum(w, p, "placement", "even");
	set_str(w, p, "trigger", "http");
	set_num(w, p, "rank", 3);
	T_EQ_INT(drain(w, p, NULL, a, 64, &n, &e), -2);
	T_STR_CONTAINS(e.msg, "rank 3 but only 2 rows match app=(any), trigger=http");

	/* bad input names file:line */
	struct rng *rng = rng_new(3, "readers/az2019", NULL);
	params(w, p, NULL);
	expect_bad(w, p, rng, "a1.csv", "HashOwner,HashApp,HashFunction,Trigger,1,2\n"
		   "o,a,f,http,1,2\no,a,g,http,1\n", 3, "expected 6 fields");
	expect_bad(w, p, rng, "a2.csv", "o,a,f,http,1,2\no,a,g,http,1,-2\n", 2,
		   "minute 2 count \"-2\" is not a whole number >= 0");
	expect_bad(w, p, rng, "a3.csv", "HashOwner,HashApp,HashFunction,Trigger,1,3\n"
		   "o,a,f,http,1,2\n", 1, "header column 6 is \"3\", expected minute \"2\"");
	expect_bad(w, p, rng, "a4.csv", "HashOwner,HashApp,HashFunction,Average,1\n",
		   1, "header column 4 is \"Average\", expected \"Trigger\"");
	expect_bad(w, p, rng, "a5.csv", "o,a,f\n", 1, "has 3 fields");
	expect_bad(w, p, rng, "a6.csv", "o,a,f,http,1,2.5\n", 1,
		   "minute 2 count \"2.5\" is not a whole number");
	/* a row that fails the filters is still checked for its field count */
	set_str(w, p, "function", "f");
	expect_bad(w, p, rng, "a7.csv", "o,a,f,http,1,2\no,a,g,http,1,2,3\n", 2,
		   "expected 6 fields");
	rng_free(rng);
}

/* A one-row 2019 file with `minutes` minutes of `count` each. */
static const char *flat_2019(size_t minutes, int count)
{
	size_t cap = 32 + minutes * 8;
	char *buf = malloc(cap);
	CU_ASSERT_FATAL(buf != NULL);
	size_t used = (size_t)snprintf(buf, cap, "o,a,f,http");
	for (size_t m = 0; m < minutes; m++)
		used += (size_t)snprintf(buf + used, cap - used, ",%d", count);
	snprintf(buf + used, cap - used, "\n");
	const char *path = tmp_file("flat.csv", buf);
	free(buf);
	return path;
}

static void test_az2019_placement(void)
{
	const struct workload *w = wl("azure-functions-2019");
	struct rng *rng = rng_new(11, "readers/placement", NULL);
	CU_ASSERT_FATAL(rng != NULL);
	size_t minutes = test_quick() ? 100 : 400;
	const int N = 30;
	const char *path = flat_2019(minutes, N);
	union param_val p[16];
	struct err e = { 0 };
	double *cnt = calloc(minutes, sizeof *cnt);
	CU_ASSERT_FATAL(cnt != NULL);
	for (int mode = 0; mode < 3; mode++) {
		static const char *const names[] = { "uniform", "poisson", "even" };
		params(w, p, path);
		set_enum(w, p, "placement", names[mode]);
		void *s = w->open(p, rng, &e);
		CU_ASSERT_FATAL(s != NULL);
		memset(cnt, 0, minutes * sizeof *cnt);
		struct arrival a;
		double prev = 0, sum_off = 0, total = 0;
		int rc, ordered = 1, spaced = 1;
		double prev_even = -1;
		while ((rc = w->next(s, &a, &e)) == 1) {
			ordered &= a.t >= prev && a.t < 60.0 * (double)minutes;
			prev = a.t;
			size_t m = (size_t)(a.t / 60);
			if (m < minutes)
				cnt[m]++;
			sum_off += a.t - 60.0 * floor(a.t / 60);
			if (mode == 2) {   /* spacing 2 s everywhere, first at 1 s */
				spaced &= prev_even < 0 ? fabs(a.t - 1) < 1e-12 :
						 fabs(a.t - prev_even - 2) < 1e-9;
				prev_even = a.t;
			}
			total++;
		}
		T_EQ_INT(rc, 0);
		w->close(s);
		T_TRUE(ordered, "%s: times must not decrease", names[mode]);
		double mean = total / (double)minutes;
		if (mode == 1) {
			/* Poisson(30) per minute: mean within 4 SE, and the
			 * variance of the counts near the mean (dispersion 1) */
			T_NEAR(mean, N, 4 * sqrt(N / (double)minutes));
			double var = 0;
			for (size_t m = 0; m < minutes; m++)
				var += (cnt[m] - mean) * (cnt[m] - mean);
			var /= (double)(minutes - 1);
			/* sd of the sample variance of a Poisson: about
			 * sqrt(2 N^2 / minutes) */
			T_NEAR(var, N, 4 * sqrt(2.0 * N * N / (double)minutes) + 1);
		} else {
			/* exactly N in every minute */
			int exact = 1;
			for (size_t m = 0; m < minutes; m++)
				exact &= cnt[m] == N;
			T_TRUE(exact, "%s: every minute must hold exactly %d", names[mode], N);
			T_NEAR(total, (double)(N * minutes), 0);
		}
		if (mode == 0)   /* offsets uniform on [0, 60): mean 30 */
			T_NEAR(sum_off / total, 30, 4 * 60 / sqrt(12.0) / sqrt(total));
		if (mode == 2)
			T_TRUE(spaced, "even: arrivals every 2 s from 1 s");
	}
	free(cnt);
	rng_free(rng);
}

static void test_az2019_durations(void)
{
	struct err e = { 0 };
	/* f1 percentiles (ms) 10 20 60 100 150 800 900 at 0 1 25 50 75 99 100;
	 * mean of the piecewise-linear quantile function:
	 * .01*15 + .24*40 + .25*80 + .25*125 + .24*475 + .01*850 = 183.5 ms */
	struct dist *d = azfn2019_durations(FX("azure_fn2019_durations.csv"), "f1", &e);
	T_TRUE(d != NULL, "%s", e.msg);
	CU_ASSERT_FATAL(d != NULL);
	T_EQ_INT(dist_kind(d), DIST_EMPIRICAL);
	T_NEAR(dist_mean(d, 0), 0.1835, 1e-12);
	/* the median is 100 ms: half the draws are below 0.1 s; all within
	 * [10, 900] ms */
	struct rng *r = rng_new(5, "readers/durations", NULL);
	int n = test_quick() ? 20000 : 100000, below = 0, inside = 1;
	for (int i = 0; i < n; i++) {
		double x = dist_sample(d, r, 0);
		below += x < 0.1;
		inside &= x >= 0.010 && x <= 0.900;
	}
	T_NEAR((double)below / n, 0.5, 4 * sqrt(0.25 / n));
	T_TRUE(inside, "draws outside [min, max]");
	rng_free(r);
	dist_free(d);
	/* a constant function */
	d = azfn2019_durations(FX("azure_fn2019_durations.csv"), "f2", &e);
	CU_ASSERT_FATAL(d != NULL);
	T_NEAR(dist_mean(d, 0), 0.005, 1e-15);
	T_NEAR(dist_var(d, 0), 0, 1e-15);
	dist_free(d);
	/* errors */
	err_clear(&e);
	CU_ASSERT_PTR_NULL(azfn2019_durations(FX("azure_fn2019_durations.csv"), "f9", &e));
	T_STR_CONTAINS(e.msg, FX("azure_fn2019_durations.csv") ": no row has "
		       "HashFunction f9");
	err_clear(&e);
	const char *path = tmp_file("dur1.csv", "o,a,f,1,1,1,1,1,2,3,4,3,5,6\n");
	CU_ASSERT_PTR_NULL(azfn2019_durations(path, "f", &e));
	char want[600];
	snprintf(want, sizeof want, "%s:1: percentile_Average_75 3 is below "
		 "percentile_Average_50 4", path);
	T_STR_CONTAINS(e.msg, want);
	err_clear(&e);
	path = tmp_file("dur2.csv", "o,a,g,1,1,1,1,1,2,3,4,5,6,7\no,a,f,1\n");
	CU_ASSERT_PTR_NULL(azfn2019_durations(path, "f", &e));
	snprintf(want, sizeof want, "%s:2: expected 14 fields", path);
	T_STR_CONTAINS(e.msg, want);
	err_clear(&e);
	path = tmp_file("dur3.csv", "o,a,f,1,1,1,1,1,2,x,4,5,6,7\n");
	CU_ASSERT_PTR_NULL(azfn2019_durations(path, "f", &e));
	snprintf(want, sizeof want, "%s:1: percentile_Average_25 \"x\" is not a "
		 "number", path);
	T_STR_CONTAINS(e.msg, want);
	err_clear(&e);
	path = tmp_file("dur4.csv", "o,a,f,1,1,1,1,1,2,3,4,5,6,7\n"
			"o,b,f,1,1,1,1,1,2,3,4,5,6,7\n");
	CU_ASSERT_PTR_NULL(azfn2019_durations(path, "f", &e));
	T_STR_CONTAINS(e.msg, "HashFunction f is on lines 1 and 2");
}

/* ---- azure-functions-2021 ------------------------------------------------- */

static void test_az2021(void)
{
	const struct workload *w = wl("azure-functions-2021");
	union param_val p[8];
	struct arrival a[16], g[16];
	/* end - duration: 1.5-.5 = 1, 2-.75 = 1.25, 1.25-0 = 1.25, 3-1 = 2,
	 * 10-2.5 = 7.5; size = duration */
	static const double t[] = { 1, 1.25, 1.25, 2, 7.5 };
	static const double size[] = { 0.5, 0.75, 0, 1, 2.5 };
	params(w, p, FX("azure_fn2021.csv"));
	size_t n = drain_ok(w, p, NULL, a, 16);
	T_EQ_INT(n, 5);
	for (size_t i = 0; i < 5 && i < n; i++) {
		T_NEAR(a[i].t, t[i], 0);
		T_NEAR(a[i].size, size[i], 0);
		T_EQ_INT(a[i].keyed, 0);
	}
	params(w, p, FX("azure_fn2021.csv.gz"));
	size_t ng = drain_ok(w, p, NULL, g, 16);
	same_arrivals(a, n, g, ng);
	params(w, p, FX("azure_fn2021_noheader_crlf.csv"));
	ng = drain_ok(w, p, NULL, g, 16);
	same_arrivals(a, n, g, ng);
	/* filters: app a1 -> rows 1, 2, 4; func f1 -> rows 1, 3, 4 (two apps);
	 * both -> rows 1, 4 */
	params(w, p, FX("azure_fn2021.csv"));
	set_str(w, p, "app", "a1");
	n = drain_ok(w, p, NULL, a, 16);
	T_EQ_INT(n, 3);
	T_NEAR(a[0].t, 1, 0);
	T_NEAR(a[1].t, 1.25, 0);
	T_NEAR(a[1].size, 0.75, 0);
	T_NEAR(a[2].t, 2, 0);
	set_str(w, p, "app", "");
	set_str(w, p, "func", "f1");
	n = drain_ok(w, p, NULL, a, 16);
	T_EQ_INT(n, 3);
	T_NEAR(a[1].t, 1.25, 0);
	T_NEAR(a[1].size, 0, 0);
	set_str(w, p, "app", "a1");
	n = drain_ok(w, p, NULL, a, 16);
	T_EQ_INT(n, 2);
	T_NEAR(a[0].t, 1, 0);
	T_NEAR(a[1].t, 2, 0);

	/* tolerance: 1.4995 after 1.5 is replayed at 1.5; 1.49 is an error */
	const char *late = "a,f,2.0,0.5\na,f,1.9995,0.5\na,f,1.99,0.5\n";
	params(w, p, tmp_file("late.csv", late));
	struct err e = { 0 };
	T_EQ_INT(drain(w, p, NULL, a, 16, &n, &e), -1);
	T_EQ_INT(n, 2);
	T_NEAR(a[0].t, 1.5, 0);
	T_NEAR(a[1].t, 1.5, 0);
	T_NEAR(a[1].size, 0.5, 0);
	T_STR_CONTAINS(e.msg, "late.csv:3: arrival 1.49");
	set_num(w, p, "tolerance_s", 0.02);
	T_EQ_INT(drain_ok(w, p, NULL, a, 16), 3);
	T_NEAR(a[2].t, 1.5, 0);
	/* sort window: arrivals 4, 3, 5, 2 need a window of 3 */
	const char *shuffled = "a,f,5,1\na,f,4,1\na,f,6,1\na,f,3,1\n";
	params(w, p, NULL);
	set_num(w, p, "sort_window", 2);
	expect_bad(w, p, NULL, "shuf.csv", shuffled, 4,
		   "arrival 2 (end_timestamp - duration) is earlier than 3");
	set_num(w, p, "sort_window", 3);
	n = drain_ok(w, p, NULL, a, 16);
	T_EQ_INT(n, 4);
	for (size_t i = 0; i < 4 && i < n; i++)
		T_NEAR(a[i].t, 2.0 + (double)i, 0);

	/* bad input names file:line */
	params(w, p, NULL);
	expect_bad(w, p, NULL, "b1.csv", "app,func,end_timestamp,duration\n"
		   "a,f,1.5,0.5\na,f,2.5,-0.5\n", 3, "duration \"-0.5\" is negative");
	expect_bad(w, p, NULL, "b2.csv", "a,f,1.5,0.5\na,f,2.5\n", 2,
		   "expected 4 fields");
	expect_bad(w, p, NULL, "b3.csv", "a,f,1.5,0.5\n\na,f,2.5x,0.5\n", 3,
		   "end_timestamp \"2.5x\" is not a number");
	expect_bad(w, p, NULL, "b4.csv", "a,f,0.5,1.0\n", 1,
		   "arrival end_timestamp - duration = 0.5 - 1.0 is before the trace start");
	expect_bad(w, p, NULL, "b5.csv", "a,f,5,1\na,f,3,1\n", 2,
		   "arrival 2 (end_timestamp - duration) is earlier than 4");
	expect_bad(w, p, NULL, "b6.csv", "app,func,end\n", 1,
		   "header has 3 fields, expected 4");
	expect_bad(w, p, NULL, "b7.csv", "a,f,,1\n", 1,
		   "end_timestamp \"\" is not a number");
}

static void test_az2021_excerpt(void)
{
	const struct workload *w = wl("azure-functions-2021");
	union param_val p[8];
	size_t cap = 400;
	struct arrival *a = calloc(cap, sizeof *a);
	CU_ASSERT_FATAL(a != NULL);
	params(w, p, AZ2021_EXCERPT);
	size_t n = drain_ok(w, p, NULL, a, cap);
	T_EQ_INT(n, 199);
	int ordered = 1;
	size_t zero = 0;
	double dsum = 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			ordered &= a[i].t >= a[i - 1].t;
		zero += a[i].size == 0;
		dsum += a[i].size;
	}
	T_TRUE(ordered, "arrivals must not decrease");
	T_EQ_INT(zero, 8);
	T_NEAR(dsum, 10599.17, 1e-6);
	/* first and last rows, computed as the reader must: end - duration */
	T_NEAR(a[0].t, 0.07949090003967285 - 0.078, 0);
	T_NEAR(a[0].size, 0.078, 0);
	T_NEAR(a[198].t, 1260.0557980537415 - 60.041, 0);
	/* the busiest (app, func) pair has 32 invocations */
	set_str(w, p, "app", "734272c01926d19690e5ec308bab64ef97950b75b1c7582283e0783fce1751d8");
	set_str(w, p, "func", "556ccf8758c8c2a20082c161e955405e950439f0503522fe129e709a5dc0e58f");
	n = drain_ok(w, p, NULL, a, cap);
	T_EQ_INT(n, 32);
	T_NEAR(a[0].t, 15.33809899139402, 1e-12);
	T_NEAR(a[31].t, 628.4699339160919, 1e-12);
	set_str(w, p, "func", "");
	T_EQ_INT(drain_ok(w, p, NULL, a, cap), 59);
	free(a);
}

/* ---- huawei-2023 --------------------------------------------------------- */

static void test_huawei(void)
{
	const struct workload *w = wl("huawei-2023");
	union param_val p[8];
	struct arrival a[32], g[32];
	/* column "0": 4, (empty), 2.0 at times 86400, 86460, 86520 */
	static const double c0[] = { 4, 0, 2 }, c1[] = { 0, 2, 0 },
			    c2[] = { 1, 0, 3 };
	params(w, p, FX("huawei2023.csv"));
	set_str(w, p, "function", "0");
	set_enum(w, p, "placement", "even");
	size_t n = drain_ok(w, p, NULL, a, 32);
	check_even(a, n, c0, 3, 0);
	T_NEAR(a[4].t, 135, 0);
	params(w, p, FX("huawei2023.csv.gz"));
	set_str(w, p, "function", "0");
	set_enum(w, p, "placement", "even");
	size_t ng = drain_ok(w, p, NULL, g, 32);
	same_arrivals(a, n, g, ng);
	params(w, p, FX("huawei2023_crlf.csv"));
	set_str(w, p, "function", "0");
	set_enum(w, p, "placement", "even");
	ng = drain_ok(w, p, NULL, g, 32);
	same_arrivals(a, n, g, ng);
	/* other columns; the dataset's own clock */
	params(w, p, FX("huawei2023.csv"));
	set_enum(w, p, "placement", "even");
	set_str(w, p, "function", "1");
	n = drain_ok(w, p, NULL, a, 32);
	check_even(a, n, c1, 3, 0);
	set_str(w, p, "function", "2");
	set_num(w, p, "from_zero", 0);
	n = drain_ok(w, p, NULL, a, 32);
	check_even(a, n, c2, 3, 86400);
	T_NEAR(a[0].t, 86430, 0);
	/* uniform: exactly the counts, each inside its minute */
	struct rng *rng = rng_new(9, "readers/huawei", NULL);
	params(w, p, FX("huawei2023.csv"));
	set_str(w, p, "function", "2");
	n = drain_ok(w, p, rng, a, 32);
	T_EQ_INT(n, 4);
	T_TRUE(n == 4 && a[0].t >= 0 && a[0].t < 60 && a[1].t >= 120 &&
	       a[3].t < 180 && a[1].t <= a[2].t && a[2].t <= a[3].t,
	       "uniform placement outside the minutes");
	/* bin_s: rows closer than one bin overlap */
	set_str(w, p, "function", "0");
	set_num(w, p, "bin_s", 61);
	expect_bad(w, p, rng, "h0.csv", "day,time,0\n0,0,1\n0,60,1\n", 3,
		   "time 60 is less than bin_s = 61 after the previous row's 0");

	params(w, p, NULL);
	set_str(w, p, "function", "0");
	expect_bad(w, p, rng, "h1.csv", "day,time,0,1\n0,0,1,2\n0,60,x,2\n", 3,
		   "function 0 count \"x\" is not a whole number >= 0 or empty");
	expect_bad(w, p, rng, "h2.csv", "day,time,0,1\n0,0,1,2\n0,60,1\n", 3,
		   "expected 4 fields like the header, got 3");
	expect_bad(w, p, rng, "h3.csv", "day,time,0,1\n0,60,1,2\n0,60,1,2\n", 3,
		   "time 60 is less than bin_s = 60 after the previous row's 60");
	expect_bad(w, p, rng, "h4.csv", "day,time,1,2\n0,0,1,2\n", 1,
		   "header has no column \"0\"");
	expect_bad(w, p, rng, "h5.csv", "time,day,0\n0,0,1\n", 1,
		   "header must be day,time,<function ids>");
	expect_bad(w, p, rng, "h6.csv", "day,time,0\n0,-60,1\n", 2,
		   "time \"-60\" is not a whole number >= 0");
	expect_bad(w, p, rng, "h7.csv", "day,time,0\n0,0,1.5\n", 2,
		   "function 0 count \"1.5\" is not a whole number");
	rng_free(rng);
}

int test_readers_register(void)
{
	CU_pSuite s = CU_add_suite("readers", suite_init, suite_cleanup);
	if (!s)
		return -1;
	if (!CU_add_test(s, "registry entries", test_registry_entries) ||
	    !CU_add_test(s, "reorder", test_reorder) ||
	    !CU_add_test(s, "binfill", test_binfill) ||
	    !CU_add_test(s, "kcat", test_kcat) ||
	    !CU_add_test(s, "kafka-dump-log", test_kafka_dump) ||
	    !CU_add_test(s, "azure-functions-2019", test_az2019) ||
	    !CU_add_test(s, "azure-functions-2019 placement", test_az2019_placement) ||
	    !CU_add_test(s, "azure-functions-2019 durations", test_az2019_durations) ||
	    !CU_add_test(s, "azure-functions-2021", test_az2021) ||
	    !CU_add_test(s, "azure-functions-2021 excerpt", test_az2021_excerpt) ||
	    !CU_add_test(s, "huawei-2023", test_huawei))
		return -1;
	return 0;
}
