/*
 * lookahead: future arrival rates per function, checked against hand counts
 * of spate-csv traces written here (times chosen so every window boundary
 * is exact in binary or falls between rows), exact DAG gains (branch 0.3,
 * outputs mean 2, a broadcast, functions listed out of topological order,
 * and a per-byte fan-out), the identity of the read-ahead sequence with a
 * fresh arr_new of the same seed, and constant memory over a long trace.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arrivals.h"
#include "config.h"
#include "err.h"
#include "lookahead.h"
#include "testutil.h"

/* Listed in testutil.h once the suite is registered there. */

/* Writes rows "t,in,,size" to a new temporary file; path must hold 64. */
static int write_trace(char *path, const double *t, const double *size,
		       int n)
{
	strcpy(path, "/tmp/spate-lookahead-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -1;
	}
	for (int i = 0; i < n; i++)
		fprintf(f, "%.10g,in,,%.10g\n", t[i], size ? size[i] : 0);
	fclose(f);
	return 0;
}

static struct config *load(const char *json)
{
	struct err e = {0};
	struct config *c = config_parse(json, "<lookahead>", NULL, 0, &e);
	T_TRUE(c != NULL, "config: %s", e.msg);
	return c;
}

/* 2/s over [0, 20) (t = 0.5 i), then 10/s over [20, 30) (t = 20 + 0.1 i). */
static int step_trace(char *path)
{
	double t[140];
	int n = 0;
	for (int i = 0; i < 40; i++)
		t[n++] = 0.5 * i;
	for (int i = 0; i < 100; i++)
		t[n++] = 20 + 0.1 * i;
	return write_trace(path, t, NULL, n);
}

static void test_hand_count(void)
{
	char path[64], json[1024];
	CU_ASSERT_FATAL(step_trace(path) == 0);
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":"
		 "\"spate-csv\",\"path\":\"%s\"},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":1}]}", path);
	struct config *c = load(json);
	CU_ASSERT_FATAL(c != NULL);
	struct err e = {0};
	struct lookahead *la = la_new(c, 10, &e);
	T_TRUE(la != NULL, "la_new: %s", e.msg);
	CU_ASSERT_FATAL(la != NULL);
	/* at 0: [0, 5) holds t = 0, 0.5, ..., 4.5: 10 arrivals / 5 s */
	T_NEAR(la_rate(la, 0, 0, 5), 2, 1e-12);
	T_NEAR(la_horizon(la), 10, 0);
	T_EQ_INT(la_advance(la, 15, &e), 0);
	/* [15, 25): 15 .. 19.5 (10 rows) + 20.0 .. 24.9 (50 rows) = 60 / 10 s */
	T_NEAR(la_rate(la, 0, 15, 25), 6, 1e-12);
	/* [20, 25): 50 / 5 */
	T_NEAR(la_rate(la, 0, 20, 25), 10, 1e-12);
	/* clamped to [15, 25] (the horizon): the same 60 / 10 s */
	T_NEAR(la_rate(la, 0, 15, 40), 6, 1e-12);
	/* clamped to [now = 15, 20): 10 / 5 s */
	T_NEAR(la_rate(la, 0, 10, 20), 2, 1e-12);
	T_TRUE(isnan(la_rate(la, 0, 26, 30)), "past the horizon: %g",
	       la_rate(la, 0, 26, 30));
	T_TRUE(isnan(la_rate(la, 1, 15, 20)), "no function 1");
	T_EQ_INT(la_advance(la, 27.5, &e), 0);
	/* [27.5, 30): 27.5 .. 29.9, 25 rows; then the trace has ended */
	T_NEAR(la_rate(la, 0, 27.5, 32.5), 25 / 5.0, 1e-12);
	T_EQ_INT(la_advance(la, 40, &e), 0);
	T_NEAR(la_rate(la, 0, 40, 50), 0, 0);
	T_EQ_INT(la_buffered(la, 0), 0);
	/* the clock never goes back */
	T_EQ_INT(la_advance(la, 39, &e), -1);
	T_EQ_INT(e.code, ERR_INTERNAL);
	la_free(la);
	la_free(NULL);

	e = (struct err){0};
	T_TRUE(la_new(c, 0, &e) == NULL, "horizon 0 accepted");
	T_STR_CONTAINS(e.msg, "horizon");
	config_free(c);
	unlink(path);
}

/*
 * Functions listed sinks first, so a pass in index order would miss edges:
 *   in -> a;  a: outputs mean 2 (exponential), branch b 0.3, c 0.7;
 *   b: outputs 3, broadcast to c and d.
 * Gains per source arrival: a 1; b 1 x 2 x 0.3 = 0.6;
 *   c = 1 x 2 x 0.7 + 0.6 x 3 = 3.2;  d = 0.6 x 3 = 1.8.
 */
static void test_dag_gains(void)
{
	char path[64], json[2048];
	CU_ASSERT_FATAL(step_trace(path) == 0);
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":"
		 "\"spate-csv\",\"path\":\"%s\"},\"to\":[\"a\"]}],"
		 "\"functions\":["
		 "{\"name\":\"c\",\"service\":1},"
		 "{\"name\":\"d\",\"service\":1},"
		 "{\"name\":\"b\",\"service\":1,\"outputs\":3,"
		 "\"edges\":{\"to\":[\"c\",\"d\"]}},"
		 "{\"name\":\"a\",\"service\":1,"
		 "\"outputs\":{\"type\":\"exponential\",\"mean\":2},"
		 "\"edges\":{\"mode\":\"branch\",\"to\":[{\"function\":\"b\","
		 "\"p\":0.3},{\"function\":\"c\",\"p\":0.7}]}}]}", path);
	struct config *c = load(json);
	CU_ASSERT_FATAL(c != NULL);
	struct err e = {0};
	struct lookahead *la = la_new(c, 10, &e);
	T_TRUE(la != NULL, "la_new: %s", e.msg);
	CU_ASSERT_FATAL(la != NULL);
	int a = config_function_index(c, "a"), b = config_function_index(c, "b");
	int cc = config_function_index(c, "c"), d = config_function_index(c, "d");
	T_NEAR(la_gain(la, 0, a), 1, 1e-12);
	T_NEAR(la_gain(la, 0, b), 0.6, 1e-12);
	T_NEAR(la_gain(la, 0, cc), 3.2, 1e-12);
	T_NEAR(la_gain(la, 0, d), 1.8, 1e-12);
	T_TRUE(isnan(la_gain(la, 1, a)), "no source 1");
	/* 2 arrivals/s over [0, 5): rates 2 x gain */
	T_NEAR(la_rate(la, a, 0, 5), 2, 1e-12);
	T_NEAR(la_rate(la, b, 0, 5), 1.2, 1e-12);
	T_NEAR(la_rate(la, cc, 0, 5), 6.4, 1e-12);
	T_NEAR(la_rate(la, d, 0, 5), 3.6, 1e-12);
	la_free(la);
	config_free(c);
	unlink(path);
}

/*
 * A per-byte fan-out: a emits 1 + 0.5 x size outputs to b, so b's gain is
 * per arrival. Rows t = i (i = 0..9), size i mod 4: sizes 0 1 2 3 0 1 2 3 0 1.
 * [0, 5): 5 arrivals, outputs 1 + 1.5 + 2 + 2.5 + 1 = 8 -> b 8/5 = 1.6/s;
 * [5, 10): sizes 1 2 3 0 1 -> 1.5 + 2 + 2.5 + 1 + 1.5 = 8.5 -> 1.7/s.
 * Two sources feed a too: the second (2 rows at 1, 3) adds its own count.
 */
static void test_per_byte_and_two_sources(void)
{
	char p1[64], p2[64], json[2048];
	double t[10], sz[10], t2[2] = {1, 3}, s2[2] = {2, 2};
	for (int i = 0; i < 10; i++) {
		t[i] = i;
		sz[i] = i % 4;
	}
	CU_ASSERT_FATAL(write_trace(p1, t, sz, 10) == 0);
	CU_ASSERT_FATAL(write_trace(p2, t2, s2, 2) == 0);
	snprintf(json, sizeof json,
		 "{\"sources\":["
		 "{\"topic\":\"in\",\"arrivals\":{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\"},\"to\":[\"a\"]},"
		 "{\"topic\":\"in2\",\"arrivals\":{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\"},\"to\":[\"a\"]}],"
		 "\"functions\":["
		 "{\"name\":\"a\",\"service\":1,\"outputs\":{\"type\":"
		 "\"deterministic\",\"value\":1,\"per_byte\":0.5},"
		 "\"edges\":{\"to\":[\"b\"]}},"
		 "{\"name\":\"b\",\"service\":1}]}", p1, p2);
	struct config *c = load(json);
	CU_ASSERT_FATAL(c != NULL);
	struct err e = {0};
	struct lookahead *la = la_new(c, 10, &e);
	T_TRUE(la != NULL, "la_new: %s", e.msg);
	CU_ASSERT_FATAL(la != NULL);
	/* a: 5 + 2 arrivals over [0, 5) */
	T_NEAR(la_rate(la, 0, 0, 5), 7 / 5.0, 1e-12);
	/* b: 8 from the first source + 2 x (1 + 0.5 x 2) = 4 from the second */
	T_NEAR(la_rate(la, 1, 0, 5), 12 / 5.0, 1e-12);
	T_NEAR(la_rate(la, 1, 5, 10), 8.5 / 5, 1e-12);
	T_NEAR(la_gain(la, 0, 1), 1, 1e-12);   /* the size-0 gain */
	la_free(la);
	config_free(c);
	unlink(p1);
	unlink(p2);
}

/*
 * The read-ahead stream is the model's: Poisson 5/s replicated by
 * rate_scale 2.5 (both random streams used) is counted in 0.1 s windows by
 * la_rate and by a fresh arr_new with the run's seed; every window agrees.
 * A different seed must disagree somewhere, or the test could not tell.
 */
static int compare_stream(const struct config *c, uint64_t seed, double end)
{
	struct err e = {0};
	struct lookahead *la = la_new(c, 1, &e);
	struct arrivals *ar = arr_new(&c->sources[0], seed, c->rng_type, &e);
	T_TRUE(la && ar, "open: %s", e.msg);
	if (!la || !ar) {
		la_free(la);
		arr_free(ar);
		return -1;
	}
	struct arrival x;
	int have = arr_next(ar, &x, &e), mismatch = 0;
	for (int k = 0; k * 0.1 < end; k++) {
		double t0 = k * 0.1, t1 = (k + 1) * 0.1;
		if (la_advance(la, t0, &e) < 0)
			break;
		long n = 0;
		while (have == 1 && x.t < t1) {
			n++;
			have = arr_next(ar, &x, &e);
		}
		double got = la_rate(la, 0, t0, t1) * (t1 - t0);
		if (fabs(got - (double)n) > 1e-6)
			mismatch++;
	}
	la_free(la);
	arr_free(ar);
	return mismatch;
}

static void test_same_sequence(void)
{
	struct config *c = load(
		"{\"seed\":7,\"sources\":[{\"topic\":\"in\",\"arrivals\":"
		"{\"workload\":\"poisson\",\"rate\":5,\"rate_scale\":2.5},"
		"\"to\":[\"f\"]}],\"functions\":[{\"name\":\"f\",\"service\":1}]}");
	CU_ASSERT_FATAL(c != NULL);
	double end = test_quick() ? 50 : 200;
	T_EQ_INT(compare_stream(c, c->seed, end), 0);
	T_TRUE(compare_stream(c, c->seed + 1, end) > 0,
	       "another seed gives the same counts");
	config_free(c);
}

/*
 * Rows every 0.1 s; horizon 5 s holds at most 51 arrivals plus the one read
 * beyond it, so the ring's power-of-two capacity is 64 however long the
 * trace. It is the same after 100 s and at the end.
 */
static void test_constant_memory(void)
{
	int n = test_quick() ? 5000 : 20000;
	double *t = malloc((size_t)n * sizeof *t);
	CU_ASSERT_FATAL(t != NULL);
	for (int i = 0; i < n; i++)
		t[i] = i / 10.0;
	char path[64], json[1024];
	int rc = write_trace(path, t, NULL, n);
	free(t);
	CU_ASSERT_FATAL(rc == 0);
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":"
		 "\"spate-csv\",\"path\":\"%s\"},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":1}]}", path);
	struct config *c = load(json);
	CU_ASSERT_FATAL(c != NULL);
	struct err e = {0};
	struct lookahead *la = la_new(c, 5, &e);
	CU_ASSERT_FATAL(la != NULL);
	size_t cap100 = 0;
	int steps = n / 10, bad = 0;
	for (int s = 1; s <= steps; s++) {
		if (la_advance(la, s, &e) < 0)
			break;
		if (s == 100)
			cap100 = la_capacity(la, 0);
		/* 50 rows in [s, s + 5) while the trace lasts */
		if (s + 5 <= n / 10 && fabs(la_rate(la, 0, s, s + 5) - 10) > 1e-9)
			bad++;
	}
	T_EQ_INT(e.code, 0);
	T_EQ_INT(bad, 0);
	T_EQ_INT(cap100, 64);
	T_EQ_INT(la_capacity(la, 0), 64);
	la_free(la);
	config_free(c);
	unlink(path);
}

/* A trace that turns bad past the first horizon fails la_advance, naming
 * the file and line. */
static void test_bad_trace(void)
{
	char path[64], json[1024];
	double t[4] = {0, 1, 30, 20};
	CU_ASSERT_FATAL(write_trace(path, t, NULL, 4) == 0);
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":"
		 "\"spate-csv\",\"path\":\"%s\"},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":1}]}", path);
	struct config *c = load(json);
	CU_ASSERT_FATAL(c != NULL);
	struct err e = {0};
	struct lookahead *la = la_new(c, 10, &e);
	T_TRUE(la != NULL, "la_new: %s", e.msg);
	CU_ASSERT_FATAL(la != NULL);
	T_EQ_INT(la_advance(la, 25, &e), -1);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, ":4");
	la_free(la);
	config_free(c);
	unlink(path);
}

int test_lookahead_register(void)
{
	CU_pSuite s = CU_add_suite("lookahead", NULL, NULL);
	if (!s ||
	    !CU_add_test(s, "hand-counted rates and clamping", test_hand_count) ||
	    !CU_add_test(s, "DAG gains", test_dag_gains) ||
	    !CU_add_test(s, "per-byte fan-out, two sources",
			 test_per_byte_and_two_sources) ||
	    !CU_add_test(s, "same sequence as the model", test_same_sequence) ||
	    !CU_add_test(s, "constant memory", test_constant_memory) ||
	    !CU_add_test(s, "bad trace", test_bad_trace))
		return -1;
	return 0;
}
