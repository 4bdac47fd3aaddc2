/*
 * Tests of the workloads module: the registry and key hash, the line reader,
 * the spate-csv and azure-llm-2023 trace readers (on temporary files written
 * here, plain and gzip, and on the real Azure trace shipped in traces/), and
 * the Poisson generator against theory.
 * Temporary files live in one mkdtemp directory made by the suite's init and
 * removed by its cleanup. The real trace is opened by a path relative to the
 * repository root, where `make test` runs.
 */
#include "testutil.h"

#include "dist.h"
#include "err.h"
#include "linereader.h"
#include "rng.h"
#include "workload.h"

#include <dirent.h>
#include <gsl/gsl_statistics_double.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define REAL_TRACE "traces/azure_llm_2023_conv.csv"

static char tmpdir[256];

static int suite_init(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/spate-wl-XXXXXX",
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

/* Writes len bytes to tmpdir/name (gzip-compressed when gz) and returns the
 * path in a static buffer (one per slot, so two paths can be alive). */
static const char *write_file(int slot, const char *name, const char *data,
			      size_t len, int gz)
{
	static char paths[2][512];
	char *p = paths[slot];
	snprintf(p, sizeof paths[0], "%s/%s", tmpdir, name);
	if (gz) {
		gzFile f = gzopen(p, "wb");
		CU_ASSERT_FATAL(f != NULL);
		if (len)
			CU_ASSERT_FATAL(gzwrite(f, data, (unsigned)len) == (int)len);
		CU_ASSERT_FATAL(gzclose(f) == Z_OK);
	} else {
		FILE *f = fopen(p, "wb");
		CU_ASSERT_FATAL(f != NULL);
		CU_ASSERT_FATAL(fwrite(data, 1, len, f) == len);
		CU_ASSERT_FATAL(fclose(f) == 0);
	}
	return p;
}

static const char *write_str(const char *name, const char *data)
{
	return write_file(0, name, data, strlen(data), 0);
}

/* Index of a parameter in w's table, by name; fails the test when absent. */
static int pidx(const struct workload *w, const char *name)
{
	for (size_t i = 0; i < w->nparams; i++)
		if (strcmp(w->params[i].name, name) == 0)
			return (int)i;
	T_TRUE(0, "workload %s has no parameter %s", w->name, name);
	return 0;
}

/* Fills p with the table's defaults (dists left NULL; tests set them). */
static void defaults(const struct workload *w, union param_val *p)
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
}

/* Opens w, reads up to max arrivals into out (may be NULL), and returns what
 * the last next returned (0 end, 1 stopped at max, -1 error) or -2 when open
 * failed; *n is the number of arrivals read. */
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

static uint64_t hs(const char *key)
{
	return workload_key_hash(key, strlen(key));
}

/* ---- registry and hash ---------------------------------------------------- */

static void test_registry(void)
{
	static const char *const names[] = { "poisson", "spate-csv", "azure-llm-2023" };
	size_t n = 0;
	while (workload_at(n))
		n++;
	T_TRUE(n >= 14, "%zu workloads registered", n);
	for (size_t i = 0; i < n; i++) {
		const struct workload *w = workload_at(i);
		CU_ASSERT_FATAL(w != NULL);
		if (i < 3)
			CU_ASSERT_STRING_EQUAL(w->name, names[i]);
		CU_ASSERT_PTR_EQUAL(workload_find(w->name), w);
		T_TRUE(w->help && strlen(w->help) > 20, "%s has no help", w->name);
		T_TRUE(w->open && w->next && w->close, "%s lacks a function", w->name);
		T_TRUE(w->nparams > 0 && w->params, "%s has no params", w->name);
		for (size_t j = 0; j < w->nparams; j++) {
			const struct param_def *d = &w->params[j];
			T_TRUE(d->name && *d->name, "%s param %zu unnamed", w->name, j);
			T_TRUE(d->help && strlen(d->help) > 10, "%s.%s has no help",
			       w->name, d->name);
			if (d->type == PARAM_ENUM)
				T_TRUE(d->choices != NULL, "%s.%s", w->name, d->name);
			if (d->type == PARAM_NUM || d->type == PARAM_INT)
				T_TRUE(d->min <= d->def && d->def <= d->max,
				       "%s.%s default outside range", w->name, d->name);
			for (size_t k = 0; k < j; k++)
				T_TRUE(strcmp(w->params[k].name, d->name) != 0,
				       "%s.%s twice", w->name, d->name);
		}
	}
	CU_ASSERT_PTR_NULL(workload_at(n));
	CU_ASSERT_PTR_NULL(workload_find("nope"));
	CU_ASSERT_PTR_NULL(workload_find("Poisson"));
	CU_ASSERT_PTR_NULL(workload_find(NULL));
	/* the required paths are required */
	const struct workload *w = workload_find("spate-csv");
	T_TRUE(w->params[pidx(w, "path")].def_str == NULL, "spate-csv path");
	w = workload_find("azure-llm-2023");
	T_TRUE(w->params[pidx(w, "path")].def_str == NULL, "azure path");
}

static void test_key_hash(void)
{
	/* Published FNV-1a 64 test vectors (and "0" recomputed in Python). */
	CU_ASSERT(workload_key_hash("", 0) == UINT64_C(0xcbf29ce484222325));
	CU_ASSERT(hs("a") == UINT64_C(0xaf63dc4c8601ec8c));
	CU_ASSERT(hs("foobar") == UINT64_C(0x85944171f73967e8));
	CU_ASSERT(hs("0") == UINT64_C(0xaf63ad4c86019caf));
	/* length, not NUL, ends the key */
	CU_ASSERT(workload_key_hash("a\0", 2) != hs("a"));
	CU_ASSERT(workload_key_hash("foobar", 3) == hs("foo"));
}

/* ---- linereader ------------------------------------------------------------ */

/* Reads all lines of path and checks them against want[0..n). */
static void check_lines(const char *path, const char *const *want, size_t n)
{
	struct err e = { 0 };
	struct lr *r = lr_open(path, &e);
	CU_ASSERT_FATAL(r != NULL);
	char *line;
	size_t len, i = 0;
	int rc;
	while ((rc = lr_next(r, &line, &len, &e)) == 1) {
		T_TRUE(i < n, "%s: extra line %zu", path, i + 1);
		if (i >= n)
			break;
		T_EQ_INT(len, strlen(want[i]));
		T_EQ_INT(strlen(line), strlen(want[i]));
		T_TRUE(strcmp(line, want[i]) == 0, "%s line %zu differs", path, i + 1);
		T_EQ_INT(lr_lineno(r), (long)i + 1);
		i++;
	}
	T_EQ_INT(rc, 0);
	T_EQ_INT(i, n);
	T_EQ_INT(lr_next(r, &line, &len, &e), 0);   /* EOF is sticky */
	lr_close(r);
}

static void test_linereader(void)
{
	size_t big = 100000;
	char *longl = malloc(big + 1);
	char *buf = malloc(3 * big);
	CU_ASSERT_FATAL(longl && buf);
	memset(longl, 'x', big);
	longl[big] = '\0';
	longl[big / 2] = 'y';
	int len = snprintf(buf, 3 * big, "alpha\r\nbeta\n\n%s\n\r\nlast", longl);
	const char *const want[] = { "alpha", "beta", "", longl, "", "last" };
	check_lines(write_file(0, "lines.txt", buf, (size_t)len, 0), want, 6);
	check_lines(write_file(0, "lines.txt.gz", buf, (size_t)len, 1), want, 6);

	/* lines around power-of-two buffer sizes, with and without a final
	 * newline, so a line ending exactly at the buffer's end is covered */
	static const size_t sizes[] = { 1022, 1023, 1024, 1025, 2047, 2048, 4095 };
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		for (int nl = 0; nl < 2; nl++) {
			size_t m = sizes[k];
			memcpy(buf, longl, m);
			memcpy(buf + m, "\nz\n", 3);
			memcpy(buf + m + 3, longl, m);
			size_t total = 2 * m + 3;
			if (nl)
				buf[total++] = '\n';
			char *first = strndup(longl, m);
			const char *const w2[] = { first, "z", first };
			check_lines(write_file(0, "edge.txt", buf, total, 0), w2, 3);
			free(first);
		}
	}

	/* empty file: no lines at all; a lone newline: one empty line */
	check_lines(write_str("empty.txt", ""), NULL, 0);
	const char *const one_empty[] = { "" };
	check_lines(write_str("nl.txt", "\n"), one_empty, 1);
	free(longl);
	free(buf);

	/* errors */
	struct err e = { 0 };
	char missing[512];
	snprintf(missing, sizeof missing, "%s/no-such-file.csv", tmpdir);
	CU_ASSERT_PTR_NULL(lr_open(missing, &e));
	T_EQ_INT(e.code, ERR_INPUT);
	char want_msg[600];
	snprintf(want_msg, sizeof want_msg, "%s: cannot open: No such file or directory",
		 missing);
	CU_ASSERT_STRING_EQUAL(e.msg, want_msg);
	err_clear(&e);
	CU_ASSERT_PTR_NULL(lr_open(tmpdir, &e));
	T_STR_CONTAINS(e.msg, ": cannot open: Is a directory");

	/* a NUL byte, on line 2 */
	err_clear(&e);
	struct lr *r = lr_open(write_file(0, "nul.txt", "ok\nab\0c\nd\n", 10, 0), &e);
	CU_ASSERT_FATAL(r != NULL);
	char *line;
	T_EQ_INT(lr_next(r, &line, NULL, &e), 1);
	T_EQ_INT(lr_next(r, &line, NULL, &e), -1);
	T_STR_CONTAINS(e.msg, "nul.txt:2: NUL byte");
	T_EQ_INT(e.code, ERR_INPUT);
	lr_close(r);

	/* a truncated gzip file must end in an error, never a silent EOF */
	size_t rows = 5000, cap = rows * 16, used = 0;
	char *data = malloc(cap);
	CU_ASSERT_FATAL(data != NULL);
	for (size_t i = 0; i < rows; i++)
		used += (size_t)snprintf(data + used, cap - used, "%zu,%zu\n", i, i * 7919 % 10007);
	const char *gzp = write_file(0, "trunc.csv.gz", data, used, 1);
	free(data);
	FILE *f = fopen(gzp, "rb");
	CU_ASSERT_FATAL(f != NULL);
	char *gzdata = malloc(cap);
	size_t gzlen = fread(gzdata, 1, cap, f);
	fclose(f);
	gzp = write_file(0, "trunc.csv.gz", gzdata, gzlen / 2, 0);
	free(gzdata);
	err_clear(&e);
	r = lr_open(gzp, &e);
	CU_ASSERT_FATAL(r != NULL);
	int rc;
	size_t got = 0;
	while ((rc = lr_next(r, &line, NULL, &e)) == 1)
		got++;
	T_EQ_INT(rc, -1);
	T_TRUE(got < rows, "read %zu of %zu lines", got, rows);
	T_STR_CONTAINS(e.msg, "trunc.csv.gz:");
	T_STR_CONTAINS(e.msg, "corrupt or truncated gzip data");
	T_EQ_INT(lr_next(r, &line, NULL, &e), -1);   /* errors are sticky */
	lr_close(r);
	lr_close(NULL);
}

static void test_lr_split(void)
{
	char s1[] = "a,,b", s2[] = "", s3[] = "1,2,3,4,5";
	char *f[4];
	T_EQ_INT(lr_split(s1, ',', f, 4), 3);
	CU_ASSERT_STRING_EQUAL(f[0], "a");
	CU_ASSERT_STRING_EQUAL(f[1], "");
	CU_ASSERT_STRING_EQUAL(f[2], "b");
	T_EQ_INT(lr_split(s2, ',', f, 4), 1);
	CU_ASSERT_STRING_EQUAL(f[0], "");
	T_EQ_INT(lr_split(s3, ',', f, 4), 5);
	CU_ASSERT_STRING_EQUAL(f[3], "4");
}

/* ---- spate-csv --------------------------------------------------------------- */

static void csv_params(union param_val *p, const char *path, const char *topic)
{
	const struct workload *w = workload_find("spate-csv");
	defaults(w, p);
	p[pidx(w, "path")].str = path;
	if (topic)
		p[pidx(w, "topic")].str = topic;
}

static void test_spate_csv_formats(void)
{
	const struct workload *w = workload_find("spate-csv");
	CU_ASSERT_FATAL(w != NULL);
	union param_val p[8];
	struct arrival a[8];
	struct err e = { 0 };
	size_t n;
	const char *full = "time_s,topic,key,size_bytes\n"
			   "0.5,orders,k1,100\n"
			   "1.25,orders,,200\n"
			   "\n"
			   "1.25,clicks,k2,0\n"
			   "7,orders,k1,1.5e3\n";
	for (int gz = 0; gz < 2; gz++) {
		csv_params(p, write_file(0, gz ? "a.csv.gz" : "a.csv", full,
					 strlen(full), gz), NULL);
		T_EQ_INT(drain(w, p, NULL, a, 8, &n, &e), 0);
		T_EQ_INT(n, 4);
		T_NEAR(a[0].t, 0.5, 0);
		T_NEAR(a[1].t, 1.25, 0);
		T_NEAR(a[2].t, 1.25, 0);
		T_NEAR(a[3].t, 7, 0);
		T_NEAR(a[0].size, 100, 0);
		T_NEAR(a[1].size, 200, 0);
		T_NEAR(a[2].size, 0, 0);
		T_NEAR(a[3].size, 1500, 0);
		T_EQ_INT(a[0].keyed, 1);
		T_EQ_INT(a[1].keyed, 0);
		T_EQ_INT(a[2].keyed, 1);
		CU_ASSERT(a[0].key == hs("k1"));
		CU_ASSERT(a[2].key == hs("k2"));
		CU_ASSERT(a[3].key == hs("k1"));
	}
	/* topic filter */
	csv_params(p, write_str("b.csv", full), "clicks");
	T_EQ_INT(drain(w, p, NULL, a, 8, &n, &e), 0);
	T_EQ_INT(n, 1);
	T_NEAR(a[0].t, 1.25, 0);
	CU_ASSERT(a[0].key == hs("k2"));
	csv_params(p, write_str("b.csv", full), "orders");
	T_EQ_INT(drain(w, p, NULL, a, 8, &n, &e), 0);
	T_EQ_INT(n, 3);
	csv_params(p, write_str("b.csv", full), "none");
	T_EQ_INT(drain(w, p, NULL, a, 8, &n, &e), 0);
	T_EQ_INT(n, 0);

	/* no header, CRLF, no final newline, times from an offset */
	csv_params(p, write_str("c.csv", "10,t,key with space,1\r\n10.000001,t,k,2"), NULL);
	T_EQ_INT(drain(w, p, NULL, a, 8, &n, &e), 0);
	T_EQ_INT(n, 2);
	T_NEAR(a[0].t, 10, 0);
	T_NEAR(a[1].t, 10.000001, 0);
	T_NEAR(a[1].size, 2, 0);
	CU_ASSERT(a[0].key == hs("key with space"));
	CU_ASSERT(a[1].key == hs("k"));

	/* empty file, header only (with and without newline), blank lines */
	static const char *const nothing[] = {
		"", "time_s,topic,key,size_bytes\n", "time_s,topic,key,size_bytes",
		"\n\n", "time_s,topic,key,size_bytes\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof nothing / sizeof nothing[0]; i++) {
		csv_params(p, write_str("d.csv", nothing[i]), NULL);
		T_EQ_INT(drain(w, p, NULL, a, 8, &n, &e), 0);
		T_EQ_INT(n, 0);
		T_EQ_INT(e.code, ERR_OK);
	}

	/* open errors */
	char missing[512];
	snprintf(missing, sizeof missing, "%s/missing.csv", tmpdir);
	csv_params(p, missing, NULL);
	T_EQ_INT(drain(w, p, NULL, a, 8, &n, &e), -2);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, "missing.csv: cannot open: No such file or directory");
	csv_params(p, NULL, NULL);
	T_EQ_INT(drain(w, p, NULL, a, 8, &n, &e), -2);
	T_STR_CONTAINS(e.msg, "path is required");
}

struct bad_case {
	const char *text;
	const char *frag;   /* expected after "PATH:" */
	size_t ok;          /* arrivals before the error */
};

static void test_spate_csv_errors(void)
{
	static const struct bad_case cases[] = {
		{ "0,a,k,1\n1,a,k\n", "2: expected 4 fields (time_s,topic,key,size_bytes), got 3", 1 },
		{ "0,a,k,1\r\n1,a,k,1,x\r\n", "2: expected 4 fields (time_s,topic,key,size_bytes), got 5", 1 },
		{ "time_s,topic,key,size_bytes\n\n0,a,k,1\n5", "4: expected 4 fields", 1 },
		{ "0,a,k,1\nabc,a,k,1\n", "2: time_s \"abc\" is not a number", 1 },
		{ "0,a,k,1\n0x10,a,k,1\n", "2: time_s \"0x10\" is not a number", 1 },
		{ "0,a,k,1\n 3,a,k,1\n", "2: time_s \" 3\" is not a number", 1 },
		{ ",a,k,1\n", "1: time_s \"\" is not a number", 0 },
		{ "0,a,k,1\n-1,a,k,1\n", "2: time_s \"-1\" is negative", 1 },
		{ "nan,a,k,1\n", "1: time_s \"nan\" is not finite", 0 },
		{ "0,a,k,1\ninf,a,k,1\n", "2: time_s \"inf\" is not finite", 1 },
		{ "0,a,k,1\n1e999,a,k,1\n", "2: time_s \"1e999\" is not finite", 1 },
		{ "0,a,k,xyz\n", "1: size_bytes \"xyz\" is not a number", 0 },
		{ "0,a,k,\n", "1: size_bytes \"\" is not a number", 0 },
		{ "0,a,k,5 \n", "1: size_bytes \"5 \" is not a number", 0 },
		{ "0,a,k,-5\n", "1: size_bytes \"-5\" is negative", 0 },
		{ "0,a,k,NaN\n", "1: size_bytes \"NaN\" is not finite", 0 },
		{ "2,a,k,1\n3,a,k,1\n2.5,a,k,1\n",
		  "3: time_s \"2.5\" is earlier than the previous row's \"3\"", 2 },
		{ "time,topic,size\n0,a,k,1\n", "1: header has 3 fields, expected 4", 0 },
	};
	const struct workload *w = workload_find("spate-csv");
	union param_val p[8];
	struct err e = { 0 };
	size_t n;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *path = write_str("bad.csv", cases[i].text);
		csv_params(p, path, NULL);
		T_EQ_INT(drain(w, p, NULL, NULL, 100, &n, &e), -1);
		T_EQ_INT(n, cases[i].ok);
		T_EQ_INT(e.code, ERR_INPUT);
		char want[600];
		snprintf(want, sizeof want, "%s:%s", path, cases[i].frag);
		T_STR_CONTAINS(e.msg, want);
	}
	/* time order is checked across topics, not only within the selected one */
	const char *path = write_str("bad.csv", "0,a,,1\n5,b,,1\n4,a,,1\n");
	csv_params(p, path, "a");
	T_EQ_INT(drain(w, p, NULL, NULL, 100, &n, &e), -1);
	T_EQ_INT(n, 1);
	T_STR_CONTAINS(e.msg, "bad.csv:3: time_s \"4\" is earlier");
}

/* ---- azure-llm-2023 ------------------------------------------------------- */

static void azure_params(union param_val *p, const char *path, const char *size)
{
	const struct workload *w = workload_find("azure-llm-2023");
	defaults(w, p);
	int i = pidx(w, "path");
	p[i].str = path;
	if (size) {
		i = pidx(w, "size");
		static const char *const kinds[] = { "context", "generated", "total" };
		const char *c = w->params[i].choices;
		/* the choice's index in "context|generated|total", found by hand */
		int idx = -1;
		for (int k = 0; k < 3; k++)
			if (strcmp(size, kinds[k]) == 0)
				idx = k;
		T_TRUE(idx >= 0 && strstr(c, kinds[idx]) != NULL, "choice %s", size);
		CU_ASSERT_STRING_EQUAL(c, "context|generated|total");
		p[i].num = idx;
	}
}

/* Facts about the shipped trace, for the three size choices. */
static void check_real_trace(const char *path, const char *size, double want_sum)
{
	const struct workload *w = workload_find("azure-llm-2023");
	union param_val p[4];
	azure_params(p, path, size);
	struct err e = { 0 };
	void *s = w->open(p, NULL, &e);
	T_TRUE(s != NULL, "%s", e.msg);
	if (!s)
		return;
	struct arrival a;
	size_t n = 0;
	double first = -1, last = 0, sum = 0, prev = 0;
	int rc, ordered = 1, keyless = 1;
	double *gaps = malloc(20000 * sizeof *gaps);
	CU_ASSERT_FATAL(gaps != NULL);
	while ((rc = w->next(s, &a, &e)) == 1) {
		if (n == 0)
			first = a.t;
		else if (n <= 20000)
			gaps[n - 1] = a.t - prev;
		ordered &= a.t >= prev;
		keyless &= !a.keyed;
		sum += a.size;
		prev = last = a.t;
		n++;
	}
	w->close(s);
	T_EQ_INT(rc, 0);
	T_TRUE(e.code == ERR_OK, "%s", e.msg);
	T_EQ_INT(n, 19366);
	T_NEAR(first, 0, 0);
	/* 19:14:08.4025270 - 18:15:46.6805900 */
	T_NEAR(last, 3501.721937, 1e-9);
	T_TRUE(ordered, "times go backwards");
	T_TRUE(keyless, "keyed arrival");
	T_NEAR(sum, want_sum, 0);
	T_NEAR(n / last, 5.5304, 1e-3);
	/* inter-arrival CV; 1.0941982 recomputed in Python from the raw rows
	 * (NOTICE.md: 1.09) */
	size_t ng = n > 1 && n <= 20001 ? n - 1 : 0;
	double cv = ng > 1 ? gsl_stats_sd(gaps, 1, ng) / gsl_stats_mean(gaps, 1, ng) : 0;
	T_NEAR(cv, 1.0941982, 1e-6);
	free(gaps);
}

static void test_azure_real(void)
{
	/* Token sums over the 19,366 rows, from
	 *   awk -F, 'NR>1{c+=$2; g+=$3} END{print c, g}' traces/azure_llm_2023_conv.csv
	 * (22361870 4088665) and cross-checked with Python's csv module. */
	check_real_trace(REAL_TRACE, NULL, 22361870);
	check_real_trace(REAL_TRACE, "generated", 4088665);
	check_real_trace(REAL_TRACE, "total", 22361870 + 4088665);

	/* the same trace gzip-compressed */
	FILE *f = fopen(REAL_TRACE, "rb");
	T_TRUE(f != NULL, "cannot open %s (run from the repository root)", REAL_TRACE);
	if (!f)
		return;
	char *buf = malloc(1 << 20);
	CU_ASSERT_FATAL(buf != NULL);
	size_t len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	T_TRUE(len > 700000 && len < (1 << 20), "trace size %zu", len);
	const char *gz = write_file(1, "azure.csv.gz", buf, len, 1);
	free(buf);
	check_real_trace(gz, "context", 22361870);
}

static void test_azure_synthetic(void)
{
	const struct workload *w = workload_find("azure-llm-2023");
	union param_val p[4];
	struct arrival a[8];
	struct err e = { 0 };
	size_t n;

	/* no header, LF, 0 to 9 fractional digits, across a year end */
	azure_params(p, write_str("s1.csv",
				  "2023-12-31 23:59:59.5,10,2\n"
				  "2024-01-01 00:00:00.25,20,3\n"
				  "2024-01-01T00:00:01,1,1\n"
				  "2024-01-01 00:00:01.123456789,0,0"), "total");
	T_EQ_INT(drain(w, p, NULL, a, 8, &n, &e), 0);
	T_EQ_INT(n, 4);
	T_NEAR(a[0].t, 0, 0);
	T_NEAR(a[1].t, 0.75, 1e-12);
	T_NEAR(a[2].t, 1.5, 1e-12);
	T_NEAR(a[3].t, 1.623456789, 1e-12);
	T_NEAR(a[0].size, 12, 0);
	T_NEAR(a[1].size, 23, 0);
	T_NEAR(a[3].size, 0, 0);

	/* calendar: leap years (2024, 2000 yes; 2023, 1900 no), Unix epoch */
	static const struct { const char *from, *to; double secs; } spans[] = {
		{ "2024-02-28 12:00:00", "2024-03-01 12:00:00", 2 * 86400.0 },
		{ "2023-02-28 12:00:00", "2023-03-01 12:00:00", 86400.0 },
		{ "2000-02-28 00:00:00", "2000-03-01 00:00:00", 2 * 86400.0 },
		{ "1900-02-28 00:00:00", "1900-03-01 00:00:00", 86400.0 },
		{ "1970-01-01 00:00:00", "2000-01-01 00:00:00", 946684800.0 },
		{ "1970-01-01 00:00:00", "2023-11-16 18:15:46", 1700158546.0 },
		{ "0000-01-01 00:00:00", "0001-01-01 00:00:00", 366 * 86400.0 },
	};
	char text[128];
	for (size_t i = 0; i < sizeof spans / sizeof spans[0]; i++) {
		snprintf(text, sizeof text, "TIMESTAMP,ContextTokens,GeneratedTokens\n"
			 "%s,1,2\n%s,3,4\n", spans[i].from, spans[i].to);
		azure_params(p, write_str("s2.csv", text), "generated");
		T_EQ_INT(drain(w, p, NULL, a, 8, &n, &e), 0);
		T_EQ_INT(n, 2);
		T_NEAR(a[1].t, spans[i].secs, 0);
		T_NEAR(a[1].size, 4, 0);
	}

	/* empty and header-only files */
	azure_params(p, write_str("s3.csv", ""), NULL);
	T_EQ_INT(drain(w, p, NULL, a, 8, &n, &e), 0);
	T_EQ_INT(n, 0);
	azure_params(p, write_str("s3.csv", "TIMESTAMP,ContextTokens,GeneratedTokens"), NULL);
	T_EQ_INT(drain(w, p, NULL, a, 8, &n, &e), 0);
	T_EQ_INT(n, 0);

	static const struct bad_case cases[] = {
		{ "2023-02-29 00:00:00,1,1", "1: TIMESTAMP \"2023-02-29 00:00:00\" has a day outside its month", 0 },
		{ "2023-04-31 00:00:00,1,1", "1: TIMESTAMP \"2023-04-31 00:00:00\" has a day outside", 0 },
		{ "2023-13-01 00:00:00,1,1", "1: TIMESTAMP \"2023-13-01 00:00:00\" has a month outside 1..12", 0 },
		{ "2023-11-16 24:00:00,1,1", "1: TIMESTAMP \"2023-11-16 24:00:00\" has a time of day outside", 0 },
		{ "2023-11-16 18:60:00,1,1", "1: TIMESTAMP \"2023-11-16 18:60:00\" has a time of day", 0 },
		{ "2023-11-16 18:15:46.,1,1", "1: TIMESTAMP \"2023-11-16 18:15:46.\" has a bad fraction", 0 },
		{ "2023-11-16 18:15:46.1234567890,1,1", "1: TIMESTAMP \"2023-11-16 18:15:46.1234567890\" has a bad fraction", 0 },
		{ "2023-11-16 18:15:46Z,1,1", "1: TIMESTAMP \"2023-11-16 18:15:46Z\" has a bad fraction", 0 },
		{ "2023/11/16 18:15:46,1,1", "1: TIMESTAMP \"2023/11/16 18:15:46\" is not a timestamp", 0 },
		{ "2023-11-16,1,1", "1: TIMESTAMP \"2023-11-16\" is not a timestamp", 0 },
		{ ",1,1", "1: TIMESTAMP \"\" is not a timestamp", 0 },
		{ "H,C,G\r\n2023-11-16 18:15:46.5,abc,1\r\n", "2: ContextTokens \"abc\" is not a non-negative integer", 0 },
		{ "2023-11-16 18:15:46.5,1.5,1", "1: ContextTokens \"1.5\" is not a non-negative integer", 0 },
		{ "2023-11-16 18:15:46.5,,1", "1: ContextTokens \"\" is not", 0 },
		{ "2023-11-16 18:15:46.5,1,-3", "1: GeneratedTokens \"-3\" is not a non-negative integer", 0 },
		{ "2023-11-16 18:15:46.5,1,99999999999999999999999", "1: GeneratedTokens \"99999999999999999999999\" is not", 0 },
		{ "2023-11-16 18:15:46.5,1", "1: expected 3 fields (TIMESTAMP,ContextTokens,GeneratedTokens), got 2", 0 },
		{ "2023-11-16 18:15:46.5,1,2,3", "1: expected 3 fields (TIMESTAMP,ContextTokens,GeneratedTokens), got 4", 0 },
		{ "time_s,topic,key,size_bytes\n", "1: header has 4 fields, expected 3", 0 },
		{ "TIMESTAMP,ContextTokens,GeneratedTokens\r\n"
		  "2023-11-16 18:15:47,1,1\r\n2023-11-16 18:15:47,1,1\r\n"
		  "2023-11-16 18:15:46.9999999,1,1",
		  "4: TIMESTAMP \"2023-11-16 18:15:46.9999999\" is earlier than the previous "
		  "row's \"2023-11-16 18:15:47\"", 2 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *path = write_str("bad.csv", cases[i].text);
		azure_params(p, path, NULL);
		T_EQ_INT(drain(w, p, NULL, NULL, 100, &n, &e), -1);
		T_EQ_INT(n, cases[i].ok);
		T_EQ_INT(e.code, ERR_INPUT);
		char want[600];
		snprintf(want, sizeof want, "%s:%s", path, cases[i].frag);
		T_STR_CONTAINS(e.msg, want);
	}
	azure_params(p, NULL, NULL);
	T_EQ_INT(drain(w, p, NULL, a, 8, &n, &e), -2);
	T_STR_CONTAINS(e.msg, "path is required");
}

/* ---- poisson --------------------------------------------------------------- */

static void poisson_params(union param_val *p, double rate, struct dist *size,
			   double key_space, double count)
{
	const struct workload *w = workload_find("poisson");
	defaults(w, p);
	p[pidx(w, "rate")].num = rate;
	p[pidx(w, "size")].dist = size;
	p[pidx(w, "key_space")].num = key_space;
	p[pidx(w, "count")].num = count;
}

static void test_poisson_process(void)
{
	const struct workload *w = workload_find("poisson");
	CU_ASSERT_FATAL(w != NULL);
	/* the table's defaults: rate 1, size "0", keyless, unlimited */
	T_NEAR(w->params[pidx(w, "rate")].def, 1, 0);
	CU_ASSERT_STRING_EQUAL(w->params[pidx(w, "size")].def_str, "0");
	T_NEAR(w->params[pidx(w, "key_space")].def, 0, 0);
	T_NEAR(w->params[pidx(w, "count")].def, 0, 0);

	size_t n = test_quick() ? 20000 : 200000;
	double rate = 50;
	struct err e = { 0 };
	struct dist *zero = dist_new_deterministic(0, &e);
	struct rng *rng = rng_new(7, "test/workloads/poisson", NULL);
	CU_ASSERT_FATAL(zero && rng);
	union param_val p[8];
	poisson_params(p, rate, zero, 0, 0);
	void *s = w->open(p, rng, &e);
	CU_ASSERT_FATAL(s != NULL);
	double *gap = malloc(n * sizeof *gap);
	CU_ASSERT_FATAL(gap != NULL);
	struct arrival a;
	double prev = 0;
	size_t above = 0;
	int sizes_zero = 1, keyless = 1;
	for (size_t i = 0; i < n; i++) {
		T_EQ_INT(w->next(s, &a, &e), 1);
		gap[i] = a.t - prev;
		prev = a.t;
		above += gap[i] > 1 / rate;
		sizes_zero &= a.size == 0;
		keyless &= !a.keyed;
	}
	w->close(s);
	T_TRUE(sizes_zero && keyless, "size or key set");
	/* rate = n / t_n; its relative standard error is 1/sqrt(n) */
	double sn = sqrt((double)n);
	T_NEAR(n / prev, rate, 5 * rate / sn);
	/* exponential gaps: CV 1 (standard error of the sample CV is 1/sqrt(n)
	 * by the delta method with mu3 = 2, mu4 = 9) and P(gap > mean) = 1/e */
	double cv = gsl_stats_sd(gap, 1, n) / gsl_stats_mean(gap, 1, n);
	T_NEAR(cv, 1, 5 / sn);
	double q = exp(-1);
	T_NEAR((double)above / n, q, 5 * sqrt(q * (1 - q) / n));
	/* gaps are independent: lag-1 autocorrelation 0 +- 1/sqrt(n) */
	T_NEAR(gsl_stats_lag1_autocorrelation(gap, 1, n), 0, 5 / sn);
	free(gap);

	/* the same seed gives the same arrivals */
	struct rng *r1 = rng_new(11, "x", NULL), *r2 = rng_new(11, "x", NULL);
	void *s1 = w->open(p, r1, &e), *s2 = w->open(p, r2, &e);
	CU_ASSERT_FATAL(s1 && s2);
	int same = 1;
	for (int i = 0; i < 1000; i++) {
		struct arrival x, y;
		w->next(s1, &x, &e);
		w->next(s2, &y, &e);
		same &= x.t == y.t;
	}
	T_TRUE(same, "same seed, different arrivals");
	w->close(s1);
	w->close(s2);
	rng_free(r1);
	rng_free(r2);

	/* sizes come from the dist: exponential with mean 100 bytes */
	struct dist *ex = dist_new_exponential(100, &e);
	CU_ASSERT_FATAL(ex != NULL);
	poisson_params(p, rate, ex, 0, 0);
	s = w->open(p, rng, &e);
	CU_ASSERT_FATAL(s != NULL);
	double sum = 0;
	size_t m = n / 4;
	for (size_t i = 0; i < m; i++) {
		w->next(s, &a, &e);
		sum += a.size;
	}
	w->close(s);
	T_NEAR(sum / m, 100, 5 * 100 / sqrt((double)m));

	/* bad parameters */
	static const double bad_rates[] = { 0, -1, NAN, INFINITY };
	for (size_t i = 0; i < 4; i++) {
		err_clear(&e);
		poisson_params(p, bad_rates[i], zero, 0, 0);
		CU_ASSERT_PTR_NULL(w->open(p, rng, &e));
		T_EQ_INT(e.code, ERR_INPUT);
		T_STR_CONTAINS(e.msg, "rate must be > 0");
	}
	err_clear(&e);
	poisson_params(p, 1, zero, 2.5, 0);
	CU_ASSERT_PTR_NULL(w->open(p, rng, &e));
	T_STR_CONTAINS(e.msg, "key_space must be an integer");
	err_clear(&e);
	poisson_params(p, 1, zero, 0, -1);
	CU_ASSERT_PTR_NULL(w->open(p, rng, &e));
	T_STR_CONTAINS(e.msg, "count must be an integer");
	err_clear(&e);
	poisson_params(p, 1, zero, 0, 0);
	CU_ASSERT_PTR_NULL(w->open(p, NULL, &e));
	T_EQ_INT(e.code, ERR_INTERNAL);
	dist_free(ex);
	dist_free(zero);
	rng_free(rng);
}

static void test_poisson_keys_count(void)
{
	const struct workload *w = workload_find("poisson");
	struct err e = { 0 };
	struct rng *rng = rng_new(3, "test/workloads/keys", NULL);
	CU_ASSERT_FATAL(rng != NULL);
	union param_val p[8];
	size_t n = test_quick() ? 5000 : 50000;
	enum { K = 5 };
	uint64_t want[K];
	char key[16];
	for (int k = 0; k < K; k++) {
		snprintf(key, sizeof key, "%d", k);
		want[k] = hs(key);
	}
	/* size NULL: the generator must treat a missing dist as size 0 */
	poisson_params(p, 1000, NULL, K, (double)n);
	void *s = w->open(p, rng, &e);
	CU_ASSERT_FATAL(s != NULL);
	size_t count[K] = { 0 }, got = 0, foreign = 0;
	struct arrival a;
	int keyed = 1, rc;
	while ((rc = w->next(s, &a, &e)) == 1) {
		got++;
		keyed &= a.keyed;
		int k = 0;
		while (k < K && want[k] != a.key)
			k++;
		if (k < K)
			count[k]++;
		else
			foreign++;
	}
	T_EQ_INT(rc, 0);
	T_EQ_INT(w->next(s, &a, &e), 0);   /* stays at the end */
	w->close(s);
	T_EQ_INT(got, n);
	T_TRUE(keyed, "keyless arrival with key_space %d", K);
	T_EQ_INT(foreign, 0);
	/* each key with probability 1/K: binomial counts */
	double sd = sqrt(n * (1.0 / K) * (1 - 1.0 / K));
	for (int k = 0; k < K; k++)
		T_NEAR(count[k], (double)n / K, 5 * sd);

	/* key_space 1: one key; count 0: unlimited */
	poisson_params(p, 1000, NULL, 1, 0);
	s = w->open(p, rng, &e);
	CU_ASSERT_FATAL(s != NULL);
	int all = 1;
	for (size_t i = 0; i < n; i++)
		all &= w->next(s, &a, &e) == 1 && a.keyed && a.key == want[0];
	T_TRUE(all, "key_space 1 must give key \"0\", without end");
	w->close(s);

	/* count 1: exactly one arrival */
	poisson_params(p, 1000, NULL, 0, 1);
	size_t m;
	T_EQ_INT(drain(w, p, rng, NULL, 10, &m, &e), 0);
	T_EQ_INT(m, 1);
	rng_free(rng);
}

int test_workloads_register(void)
{
	CU_pSuite s = CU_add_suite("workloads", suite_init, suite_cleanup);
	if (!s)
		return -1;
	struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "registry", test_registry },
		{ "key_hash", test_key_hash },
		{ "linereader", test_linereader },
		{ "lr_split", test_lr_split },
		{ "spate_csv_formats", test_spate_csv_formats },
		{ "spate_csv_errors", test_spate_csv_errors },
		{ "azure_real_trace", test_azure_real },
		{ "azure_synthetic", test_azure_synthetic },
		{ "poisson_process", test_poisson_process },
		{ "poisson_keys_count", test_poisson_keys_count },
	};
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			return -1;
	return 0;
}
