/*
 * Tests of `spate trace` (sim/tracetool.c): stats on a hand-computed
 * spate-csv fixture (every value derived in the comments), the exact
 * moments of per-second counts across a long run of empty seconds, the rate
 * plot's bin merging, stats of the real Azure LLM trace against the figures
 * in traces/NOTICE.md, convert round trips (times and sizes read back
 * bit-identical), format guessing from each header and headerless shape,
 * and the errors: unknown params and formats listing the valid ones, bad
 * values, bad trace lines named "file:line", no partial output.
 * Paths are relative to the repository root, where `make test` runs.
 * Files are written to one mkdtemp directory made by the suite's init and
 * removed by its cleanup.
 */
#include "testutil.h"

#include "err.h"
#include "tracetool.h"
#include "workload.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef AZURE_LLM_TRACE
#define AZURE_LLM_TRACE "traces/azure_llm_2023_conv.csv"
#endif
#ifndef FIXTURE_DIR
#define FIXTURE_DIR "tests/fixtures/traces"
#endif

/* Declared here until tests/testutil.h lists it. */

static char tmpdir[256];

static int suite_init(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/spate-tracetool-XXXXXX",
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
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", tmpdir, de->d_name);
		unlink(p);
	}
	closedir(d);
	return rmdir(tmpdir);
}

/* tmpdir/name into buf (512 bytes); returns buf. */
static char *tpath(char *buf, const char *name)
{
	snprintf(buf, 512, "%s/%s", tmpdir, name);
	return buf;
}

/* Writes text to tmpdir/name; returns the path in buf, NULL on failure. */
static char *write_file(char *buf, const char *name, const char *text)
{
	FILE *f = fopen(tpath(buf, name), "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	return buf;
}

static int file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The whole file as a malloc'd string, or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	long n;
	if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (s = malloc((size_t)n + 1))) {
		s[fread(s, 1, (size_t)n, f)] = '\0';
	}
	if (f)
		fclose(f);
	return s;
}

/* Six arrivals on topic "in", three keyed. By hand:
 * gaps 0.25 0.5 2.75 0.5 0.25: mean 4.25/5 = 0.85, squared deviations
 *   .36 .1225 3.61 .1225 .36 = 4.575, sample var 4.575/4, longest 2.75
 *   after the 3rd arrival (at 1.25);
 * seconds 0..4 hold 2 1 0 0 3: mean 6/5 = 1.2, squared deviations
 *   .64 .04 1.44 1.44 3.24 = 6.8, sample var 6.8/4 = 1.7, peak 3;
 * one minute bin; sizes sum 3000: mean 500, min 100, max 1500. */
static const char fixture[] =
	"time_s,topic,key,size_bytes\n"
	"0.5,in,,100\n"
	"0.75,in,k1,200\n"
	"1.25,in,,300\n"
	"4.0,in,k2,400\n"
	"4.5,in,,500\n"
	"4.75,in,k1,1500\n";

static void test_stats_fixture(void)
{
	char p[512];
	struct err e = { 0 };
	struct tracetool_stats st;
	T_TRUE(write_file(p, "fix.csv", fixture) != NULL, "cannot write %s", p);
	struct tracetool_opts o = { .path = p };
	T_EQ_INT(tracetool_stats(&o, &st, &e), 0);
	if (e.code)
		fprintf(stderr, "\n  %s\n", e.msg);
	T_TRUE(!strcmp(st.format, "spate-csv"), "format %s", st.format);
	T_EQ_INT(st.count, 6);
	T_NEAR(st.first_s, 0.5, 1e-15);
	T_NEAR(st.last_s, 4.75, 1e-15);
	T_NEAR(st.span_s, 4.25, 1e-15);
	T_NEAR(st.rate_per_s, 6 / 4.25, 1e-12);
	T_NEAR(st.iat_mean_s, 0.85, 1e-12);
	T_NEAR(st.iat_cv, sqrt(4.575 / 4) / 0.85, 1e-12);
	T_NEAR(st.idle_max_s, 2.75, 1e-15);
	T_NEAR(st.idle_from_s, 1.25, 1e-15);
	T_EQ_INT(st.idle_after, 3);
	T_EQ_INT(st.sec.nbins, 5);
	T_NEAR(st.sec.mean, 1.2, 1e-12);
	T_NEAR(st.sec.cv, sqrt(1.7) / 1.2, 1e-12);
	T_EQ_INT(st.sec.max, 3);
	T_NEAR(st.sec.peak_mean, 2.5, 1e-12);
	T_EQ_INT(st.min.nbins, 1);
	T_EQ_INT(st.min.max, 6);
	T_TRUE(isnan(st.min.cv), "one bin has no cv, got %g", st.min.cv);
	T_NEAR(st.size_mean, 500, 1e-9);
	T_NEAR(st.size_min, 100, 0);
	T_NEAR(st.size_max, 1500, 0);
	/* the plot keeps 1 s bins for a 5 s trace */
	T_NEAR(st.plot_width_s, 1, 0);
	T_NEAR(st.plot_start_s, 0, 0);
	T_EQ_INT(st.plot_nbins, 5);
	static const uint64_t want[5] = { 2, 1, 0, 0, 3 };
	for (int i = 0; i < 5; i++)
		T_EQ_INT(st.plot[i], want[i]);

	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	tracetool_print_stats(m, p, &st);
	fclose(m);
	T_STR_CONTAINS(buf, "\ncount            6\n");
	T_STR_CONTAINS(buf, "\nspan_s           4.250000000\n");
	T_STR_CONTAINS(buf, "\nsec_cv           1.086534\n");
	T_STR_CONTAINS(buf, "\nmin_cv           -\n");
	T_STR_CONTAINS(buf, "\nidle_max_s       2.750000000 from 1.250000000 s, "
		       "after arrival 3\n");
	T_STR_CONTAINS(buf, "rate_plot        1 s bins from 0 s, peak 3 per bin");
	/* 5 bins of 12 columns: the top row is the 3-arrival bin only */
	char row[128];
	snprintf(row, sizeof row, "\n  3 |%48s############\n", "");
	T_STR_CONTAINS(buf, row);
	free(buf);

	/* a topic filter through --param */
	const char *ok[] = { "topic=in" }, *none[] = { "topic=zzz" };
	o.params = ok;
	o.nparams = 1;
	T_EQ_INT(tracetool_stats(&o, &st, &e), 0);
	T_EQ_INT(st.count, 6);
	o.params = none;
	T_EQ_INT(tracetool_stats(&o, &st, &e), 0);
	T_EQ_INT(st.count, 0);
	T_TRUE(isnan(st.span_s) && isnan(st.iat_cv), "empty: span %g", st.span_s);
	m = open_memstream(&buf, &len);
	tracetool_print_stats(m, p, &st);
	fclose(m);
	T_STR_CONTAINS(buf, "\ncount            0\n");
	T_STR_CONTAINS(buf, "\nrate_per_s       -\n");
	free(buf);
}

/* Writes n keyless arrivals at t[i] to tmpdir/name. */
static char *write_times(char *p, const char *name, const double *t, int n)
{
	FILE *f = fopen(tpath(p, name), "w");
	if (!f)
		return NULL;
	fprintf(f, "time_s,topic,key,size_bytes\n");
	for (int i = 0; i < n; i++)
		fprintf(f, "%.9f,in,,1\n", t[i]);
	fclose(f);
	return p;
}

static void test_bins_and_plot(void)
{
	char p[512];
	struct err e = { 0 };
	struct tracetool_stats st;
	/* one arrival a second for 200 s: 1 s plot bins overflow at 60, merge
	 * into 5 s bins, 40 of them with 5 arrivals each; every second holds
	 * one arrival, so its cv is 0; minutes 0..3 hold 60 60 60 20 */
	double t[200];
	for (int i = 0; i < 200; i++)
		t[i] = i;
	T_TRUE(write_times(p, "steady.csv", t, 200) != NULL, "write %s", p);
	struct tracetool_opts o = { .path = p };
	T_EQ_INT(tracetool_stats(&o, &st, &e), 0);
	T_NEAR(st.plot_width_s, 5, 0);
	T_EQ_INT(st.plot_nbins, 40);
	int all5 = 1;
	for (int i = 0; i < 40; i++)
		all5 &= st.plot[i] == 5;
	T_TRUE(all5, "5 s bins not all 5 arrivals: %" PRIu64 " %" PRIu64,
	       st.plot[0], st.plot[39]);
	T_EQ_INT(st.sec.nbins, 200);
	T_NEAR(st.sec.cv, 0, 0);
	T_NEAR(st.iat_cv, 0, 1e-12);
	/* minutes 60 60 60 20: mean 50, squared deviations 100*3 + 900 = 1200,
	 * sample var 400 */
	T_EQ_INT(st.min.nbins, 4);
	T_NEAR(st.min.cv, 20.0 / 50, 1e-12);
	T_NEAR(st.min.peak_mean, 60.0 / 50, 1e-12);

	/* 0, 1 and 100000 s: 100001 seconds, three holding one arrival each;
	 * the empty run costs nothing and the moments stay exact:
	 * var = (B * 3 - 9) / (B (B - 1)), mean 3 / B. The plot ends on
	 * 1800 s bins (the narrowest ladder width with 100000 / w < 60). */
	double g[3] = { 0, 1, 100000 };
	T_TRUE(write_times(p, "gap.csv", g, 3) != NULL, "write %s", p);
	T_EQ_INT(tracetool_stats(&o, &st, &e), 0);
	double B = 100001;
	T_EQ_INT(st.sec.nbins, 100001);
	T_NEAR(st.sec.cv, sqrt((B * 3 - 9) / (B * (B - 1))) / (3 / B), 1e-9);
	T_NEAR(st.sec.peak_mean, B / 3, 1e-6);
	T_NEAR(st.idle_max_s, 99999, 0);
	T_NEAR(st.idle_from_s, 1, 0);
	T_EQ_INT(st.idle_after, 2);
	T_NEAR(st.plot_width_s, 1800, 0);
	T_EQ_INT(st.plot_nbins, 56);           /* 100000 / 1800 = 55.6 */
	T_EQ_INT(st.plot[0], 2);
	T_EQ_INT(st.plot[55], 1);
}

/* traces/NOTICE.md: 19,366 rows, mean 5.5 requests/s, inter-arrival CV
 * 1.09, per-second count CV 0.50. The mean rate is given to two digits
 * (measured 19366 / 3501.72 s = 5.530), so it is checked to that rounding
 * and exactly against count / span. */
static void test_azure_llm(void)
{
	struct err e = { 0 };
	struct tracetool_stats st;
	struct tracetool_opts o = { .path = AZURE_LLM_TRACE };
	T_EQ_INT(tracetool_stats(&o, &st, &e), 0);
	if (e.code)
		fprintf(stderr, "\n  %s\n", e.msg);
	T_TRUE(!strcmp(st.format, "azure-llm-2023"), "guessed %s", st.format);
	T_EQ_INT(st.count, 19366);
	T_NEAR(st.first_s, 0, 0);
	T_NEAR(st.rate_per_s, 5.5, 0.05);
	T_NEAR(st.rate_per_s, 19366 / st.span_s, 1e-12);
	T_NEAR(st.iat_cv, 1.09, 0.01);
	T_NEAR(st.sec.cv, 0.50, 0.01);
	T_NEAR(st.iat_mean_s, st.span_s / 19365, 1e-12);
	T_NEAR(st.sec.mean * (double)st.sec.nbins, 19366, 1e-6);
	/* one hour: per-minute plot bins, 59 of them */
	T_NEAR(st.plot_width_s, 60, 0);
	T_EQ_INT(st.plot_nbins, 59);
	uint64_t sum = 0;
	for (int i = 0; i < st.plot_nbins; i++)
		sum += st.plot[i];
	T_EQ_INT(sum, 19366);
	T_EQ_INT(st.min.nbins, 59);
}

/* Reads a and b arrival by arrival and checks equal times and sizes. */
static void same_arrivals(const struct tracetool_opts *a,
			  const struct tracetool_opts *b, uint64_t want)
{
	struct err e = { 0 };
	struct tracetool_src *sa = tracetool_open(a, &e), *sb = tracetool_open(b, &e);
	T_TRUE(sa && sb, "open: %s", e.msg);
	if (!sa || !sb) {
		tracetool_close(sa);
		tracetool_close(sb);
		return;
	}
	struct arrival x, y;
	uint64_t n = 0, bad = 0;
	int ra = -2, rb = -2;
	while ((ra = tracetool_next(sa, &x, &e)) == 1 &&
	       (rb = tracetool_next(sb, &y, &e)) == 1) {
		n++;
		if (x.t != y.t || x.size != y.size) {
			if (!bad++)
				fprintf(stderr, "\n  arrival %" PRIu64 ": %.17g %.17g vs "
					"%.17g %.17g\n", n, x.t, x.size, y.t, y.size);
		}
	}
	if (ra == 0)
		rb = tracetool_next(sb, &y, &e);
	T_EQ_INT(ra, 0);
	T_EQ_INT(rb, 0);
	T_EQ_INT(n, want);
	T_EQ_INT(bad, 0);
	tracetool_close(sa);
	tracetool_close(sb);
}

static void test_convert(void)
{
	char p[512], out[512], buf[640];
	struct err e = { 0 };
	uint64_t n = 0;
	/* the real trace: converted, then read back as spate-csv */
	struct tracetool_opts az = { .path = AZURE_LLM_TRACE };
	T_EQ_INT(tracetool_convert(&az, NULL, tpath(out, "az.csv"), &n, &e), 0);
	if (e.code)
		fprintf(stderr, "\n  %s\n", e.msg);
	T_EQ_INT(n, 19366);
	struct tracetool_opts back = { .path = out, .format = "spate-csv" };
	same_arrivals(&az, &back, 19366);
	/* converting the converted file changes nothing, byte for byte */
	char again[512];
	T_EQ_INT(tracetool_convert(&back, NULL, tpath(again, "az2.csv"), &n, &e), 0);
	char *s1 = slurp(out), *s2 = slurp(again);
	T_TRUE(s1 && s2 && !strcmp(s1, s2), "second conversion differs");
	const char *head = "time_s,topic,key,size_bytes\n"
			   "0.000000000,in,,374\n4.314579000,in,,396\n";
	T_TRUE(s1 && !strncmp(s1, head, strlen(head)), "head: %.68s",
	       s1 ? s1 : "");
	free(s1);
	free(s2);

	/* keys, a topic, and converting a file onto itself */
	T_TRUE(write_file(p, "keys.csv", fixture) != NULL, "write %s", p);
	struct tracetool_opts o = { .path = p };
	T_EQ_INT(tracetool_convert(&o, "events", p, &n, &e), 0);
	T_EQ_INT(n, 6);
	s1 = slurp(p);
	snprintf(buf, sizeof buf, "\n0.750000000,events,%016" PRIx64 ",200\n",
		 workload_key_hash("k1", 2));
	T_STR_CONTAINS(s1, buf);
	T_STR_CONTAINS(s1, "\n0.500000000,events,,100\n");
	T_STR_CONTAINS(s1, "\n4.750000000,events,");
	free(s1);
	struct tracetool_src *s = tracetool_open(&o, &e);
	struct arrival a;
	int keyed = 0, rows = 0;
	while (s && tracetool_next(s, &a, &e) == 1) {
		rows++;
		keyed += a.keyed;
	}
	tracetool_close(s);
	T_EQ_INT(rows, 6);
	T_EQ_INT(keyed, 3);

	/* a time that %.9f would round is written with more decimals */
	T_TRUE(write_file(p, "fine.csv", "0.1234567891234,in,,7.25\n") != NULL,
	       "write %s", p);
	T_EQ_INT(tracetool_convert(&o, NULL, tpath(out, "fine_out.csv"), &n, &e), 0);
	back.path = out;
	same_arrivals(&o, &back, 1);

	/* a bad row: the reader's file:line, and no output left behind */
	T_TRUE(write_file(p, "bad.csv", "time_s,topic,key,size_bytes\n1,in,,5\n"
			  "2,in,,five\n") != NULL, "write %s", p);
	err_clear(&e);
	T_EQ_INT(tracetool_convert(&o, NULL, tpath(out, "bad_out.csv"), &n, &e), -1);
	T_EQ_INT(e.code, ERR_INPUT);
	snprintf(buf, sizeof buf, "%s:3:", p);
	T_STR_CONTAINS(e.msg, buf);
	T_TRUE(!file_exists(out), "%s left behind", out);
	err_clear(&e);
	struct tracetool_stats st;
	T_EQ_INT(tracetool_stats(&o, &st, &e), -1);
	T_STR_CONTAINS(e.msg, buf);
	/* a topic spate-csv could not read back */
	err_clear(&e);
	T_EQ_INT(tracetool_convert(&o, "a,b", out, &n, &e), -1);
	T_EQ_INT(e.code, ERR_INPUT);
}

static void guess_is(const char *name, const char *text, const char *want)
{
	char p[512];
	struct err e = { 0 };
	if (!write_file(p, name, text)) {
		CU_FAIL("cannot write");
		return;
	}
	const char *got = tracetool_guess(p, &e);
	T_TRUE(got && !strcmp(got, want), "%s: guessed %s, want %s (%s)", name,
	       got ? got : "NULL", want, e.msg);
}

static void test_guess(void)
{
	guess_is("g1", "time_s,topic,key,size_bytes\n0,in,,1\n", "spate-csv");
	guess_is("g2", "\n0.25,in,k,10\n", "spate-csv");
	guess_is("g3", "TIMESTAMP,ContextTokens,GeneratedTokens\r\n"
		 "2023-11-16 18:15:46.6805900,374,44\r\n", "azure-llm-2023");
	guess_is("g4", "2023-11-16 18:15:46.6805900,374,44\n", "azure-llm-2023");
	guess_is("g5", "app,func,end_timestamp,duration\na,f,1.5,0.5\n",
		 "azure-functions-2021");
	guess_is("g6", "a1b2,c3d4,1.5,0.5\n", "azure-functions-2021");
	guess_is("g7", "timestamp_ms,topic,partition,offset,key_len,value_len\n",
		 "kcat");
	guess_is("g8", "1700000000000,orders,0,0,-1,120\n", "kcat");
	guess_is("g9", "Dumping /data/orders-0/00000000000000000000.log\n",
		 "kafka-dump-log");
	guess_is("g10", "| offset: 0 CreateTime: 1700000000000 keySize: 3 "
		 "valueSize: 5\n", "kafka-dump-log");
	guess_is("g11", "baseOffset: 0 lastOffset: 1 count: 2\n", "kafka-dump-log");
	guess_is("g12", "HashOwner,HashApp,HashFunction,Trigger,1,2\n",
		 "azure-functions-2019");
	guess_is("g13", "day,time,0,1\n0,0,1,2\n", "huawei-2023");

	/* gzip goes through the same line reader */
	struct err e = { 0 };
	const char *got = tracetool_guess(FIXTURE_DIR "/kafka_dump_v3.txt.gz", &e);
	T_TRUE(got && !strcmp(got, "kafka-dump-log"), "gz: %s (%s)",
	       got ? got : "NULL", e.msg);

	/* nothing fits: the error names file:line and lists the formats */
	char p[512], want[600];
	write_file(p, "unknown.txt", "\nhello world\n");
	err_clear(&e);
	T_TRUE(tracetool_guess(p, &e) == NULL, "guessed something");
	T_EQ_INT(e.code, ERR_INPUT);
	snprintf(want, sizeof want, "%s:2: cannot guess", p);
	T_STR_CONTAINS(e.msg, want);
	T_STR_CONTAINS(e.msg, "spate-csv, azure-llm-2023, kcat, kafka-dump-log");
	T_STR_CONTAINS(e.msg, "azure-functions-2021");
	write_file(p, "empty.txt", "");
	err_clear(&e);
	T_TRUE(tracetool_guess(p, &e) == NULL, "guessed an empty file");
	T_STR_CONTAINS(e.msg, "empty");
	err_clear(&e);
	T_TRUE(tracetool_guess(tpath(p, "missing.csv"), &e) == NULL, "no file");
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, "missing.csv");
}

/* Opens path with the given --param strings; returns the error code and
 * leaves the message in e. */
static int open_with(const char *path, const char *format, const char *kv1,
		     const char *kv2, struct err *e)
{
	const char *kv[2] = { kv1, kv2 };
	struct tracetool_opts o = { .path = path, .format = format, .params = kv,
				    .nparams = kv2 ? 2 : kv1 ? 1 : 0 };
	err_clear(e);
	struct tracetool_src *s = tracetool_open(&o, e);
	tracetool_close(s);
	return s ? 0 : (int)e->code;
}

static void test_params(void)
{
	char p[512];
	struct err e = { 0 };
	write_file(p, "par.csv", fixture);
	T_EQ_INT(open_with(p, NULL, "bogus=1", NULL, &e), ERR_INPUT);
	T_STR_CONTAINS(e.msg, "spate-csv has no param 'bogus'; valid: topic");
	T_EQ_INT(open_with(AZURE_LLM_TRACE, NULL, "bogus=1", NULL, &e), ERR_INPUT);
	T_STR_CONTAINS(e.msg, "valid: size");
	T_EQ_INT(open_with(AZURE_LLM_TRACE, NULL, "size=all", NULL, &e), ERR_INPUT);
	T_STR_CONTAINS(e.msg, "context|generated|total");
	T_EQ_INT(open_with(p, NULL, "path=x", NULL, &e), ERR_INPUT);
	T_EQ_INT(open_with(p, NULL, "topic=a", "topic=b", &e), ERR_INPUT);
	T_STR_CONTAINS(e.msg, "twice");
	T_EQ_INT(open_with(p, NULL, "topic", NULL, &e), ERR_INPUT);
	/* kcat: INT range, ENUM, and a format forced on a file */
	T_EQ_INT(open_with(FIXTURE_DIR "/kcat.csv", "kcat", "sort_window=-1", NULL,
			   &e), ERR_INPUT);
	T_STR_CONTAINS(e.msg, "sort_window");
	T_EQ_INT(open_with(FIXTURE_DIR "/kcat.csv", "kcat", "sort_window=1.5", NULL,
			   &e), ERR_INPUT);
	T_EQ_INT(open_with(FIXTURE_DIR "/kcat.csv", "kcat", "sort_window=10",
			   "partition_key=same", &e), 0);
	/* azure-functions-2021: a NUM parameter */
	T_EQ_INT(open_with(FIXTURE_DIR "/azure_fn2021.csv", NULL, "tolerance_s=abc",
			   NULL, &e), ERR_INPUT);
	T_EQ_INT(open_with(FIXTURE_DIR "/azure_fn2021.csv", NULL, "tolerance_s=0.5",
			   NULL, &e), 0);
	/* a required parameter */
	T_EQ_INT(open_with(FIXTURE_DIR "/huawei2023.csv", NULL, NULL, NULL, &e),
		 ERR_INPUT);
	T_STR_CONTAINS(e.msg, "param function is required");
	/* unknown and generator formats list the trace formats */
	T_EQ_INT(open_with(p, "nope", NULL, NULL, &e), ERR_INPUT);
	T_STR_CONTAINS(e.msg, "unknown format 'nope'; trace formats: spate-csv");
	T_EQ_INT(open_with(p, "poisson", NULL, NULL, &e), ERR_INPUT);
	T_STR_CONTAINS(e.msg, "not a trace format");

	/* size=total: the first request is 374 + 44 tokens */
	const char *kv[] = { "size=total" };
	struct tracetool_opts o = { .path = AZURE_LLM_TRACE, .params = kv,
				    .nparams = 1 };
	err_clear(&e);
	struct tracetool_src *s = tracetool_open(&o, &e);
	struct arrival a = { 0 };
	T_TRUE(s && tracetool_next(s, &a, &e) == 1, "read: %s", e.msg);
	T_NEAR(a.size, 418, 0);
	tracetool_close(s);
}

static void test_cli(void)
{
	char p[512], out[512];
	struct err e = { 0 };
	char *buf = NULL;
	size_t len = 0;
	write_file(p, "cli.csv", fixture);
	tpath(out, "cli_out.csv");
	char *stats[] = { "stats", p, "--param", "topic=in" };
	FILE *m = open_memstream(&buf, &len);
	T_EQ_INT(tracetool_cli(4, stats, m, &e), 0);
	fclose(m);
	T_STR_CONTAINS(buf, "\nformat           spate-csv\n");
	T_STR_CONTAINS(buf, "\ncount            6\n");
	free(buf);
	char *conv[] = { "convert", p, "--format", "spate-csv", "--topic", "t",
			 "--out", out };
	m = open_memstream(&buf, &len);
	T_EQ_INT(tracetool_cli(8, conv, m, &e), 0);
	fclose(m);
	T_STR_CONTAINS(buf, "wrote 6 arrivals to");
	free(buf);
	T_TRUE(file_exists(out), "%s not written", out);

	char *noout[] = { "convert", p };
	char *badsub[] = { "plot", p };
	char *badopt[] = { "stats", p, "--out", out };
	char *twofiles[] = { "stats", p, p };
	char *nofile[] = { "stats" };
	char *noval[] = { "stats", p, "--param" };
	char *bogus[] = { "stats", p, "--param", "bogus=1" };
	struct {
		int argc;
		char **argv;
		const char *msg;
	} bad[] = {
		{ 2, noout, "missing --out" },
		{ 2, badsub, "unknown subcommand 'plot'" },
		{ 4, badopt, "unknown option '--out'" },
		{ 3, twofiles, "unexpected argument" },
		{ 1, nofile, "missing FILE" },
		{ 3, noval, "--param needs a value" },
		{ 4, bogus, "valid: topic" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err_clear(&e);
		T_EQ_INT(tracetool_cli(bad[i].argc, bad[i].argv, stdout, &e), -1);
		T_EQ_INT(e.code, ERR_INPUT);
		T_STR_CONTAINS(e.msg, bad[i].msg);
	}
}

int test_tracetool_register(void)
{
	CU_pSuite s = CU_add_suite("tracetool", suite_init, suite_cleanup);
	if (!s)
		return -1;
	if (!CU_add_test(s, "stats of a hand-computed fixture", test_stats_fixture) ||
	    !CU_add_test(s, "exact bin moments, plot merging", test_bins_and_plot) ||
	    !CU_add_test(s, "stats of the Azure LLM trace", test_azure_llm) ||
	    !CU_add_test(s, "convert round trip", test_convert) ||
	    !CU_add_test(s, "format guessing", test_guess) ||
	    !CU_add_test(s, "params by name and type", test_params) ||
	    !CU_add_test(s, "command line", test_cli))
		return -1;
	return 0;
}
