/*
 * test_transforms: the streaming transforms (xform.h) on their own and as a
 * config uses them (arrivals.h), spate-csv's `order` option, and `spate
 * trace convert` with transforms. Expectations are exact: every test knows
 * the arrival times it must see, computed independently of the code under
 * test (a reference stable merge, the slice arithmetic by hand).
 */
#include "testutil.h"

#include "arrivals.h"
#include "config.h"
#include "err.h"
#include "hist.h"
#include "model.h"
#include "param.h"
#include "tracetool.h"
#include "workload.h"
#include "xform.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --- a stream over an array, counting reads ---------------------------- */

struct vec {
	const double *t;
	int n, i;
	double size;
	int *closed;
};

static int vec_next(void *st, struct arrival *a, struct err *e)
{
	struct vec *v = st;
	if (v->i >= v->n)
		return 0;
	*a = (struct arrival){ .t = v->t[v->i++], .size = v->size };
	return 1;
}

static void vec_close(void *st)
{
	struct vec *v = st;
	if (v->closed)
		(*v->closed)++;
}

static struct xf *leaf(struct vec *v, struct err *e)
{
	return xf_leaf(v, vec_next, vec_close, NULL, "vec", e);
}

/* Drains x into out[] (at most cap); returns the count or -1. */
static int drain(struct xf *x, struct arrival *out, int cap, struct err *e)
{
	int n = 0, rc;
	struct arrival a;
	while ((rc = xf_next(x, &a, e)) == 1)
		if (n < cap)
			out[n++] = a;
	return rc < 0 ? -1 : n;
}

static void test_slice(void)
{
	static const double t[] = { 0, 1, 2, 2, 3, 4.5, 5, 6, 7, 100 };
	struct err e = { 0 };
	struct arrival out[16];
	int closed = 0;
	struct vec v = { .t = t, .n = 10, .closed = &closed };
	struct xf *x = xf_slice(leaf(&v, &e), 2, 5, 1, &e);
	T_TRUE(x != NULL, "%s", e.msg);
	int n = drain(x, out, 16, &e);
	/* [2, 5): 2, 2, 3, 4.5, rebased by 2 */
	T_EQ_INT(n, 4);
	T_NEAR(out[0].t, 0, 0);
	T_NEAR(out[1].t, 0, 0);
	T_NEAR(out[2].t, 1, 0);
	T_NEAR(out[3].t, 2.5, 0);
	/* the input is not read past the first arrival at or after to_s */
	T_EQ_INT(v.i, 7);
	T_EQ_INT(xf_next(x, &out[0], &e), 0);
	T_EQ_INT(v.i, 7);
	xf_free(x);
	T_EQ_INT(closed, 1);

	v = (struct vec){ .t = t, .n = 10 };
	x = xf_slice(leaf(&v, &e), 6, INFINITY, 0, &e);
	n = drain(x, out, 16, &e);
	T_EQ_INT(n, 3);
	T_NEAR(out[0].t, 6, 0);
	T_NEAR(out[2].t, 100, 0);
	xf_free(x);

	/* an empty window is refused, and the input is released */
	closed = 0;
	v = (struct vec){ .t = t, .n = 10, .closed = &closed };
	T_TRUE(xf_slice(leaf(&v, &e), 5, 5, 1, &e) == NULL, "empty slice built");
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, "slice [5, 5)");
	T_EQ_INT(closed, 1);
}

static void test_affine_and_order_check(void)
{
	static const double t[] = { 1, 2, 4 };
	static const double bad[] = { 1, 3, 2 };
	struct err e = { 0 };
	struct arrival out[4];
	struct vec v = { .t = t, .n = 3 };
	struct xf *x = xf_affine(leaf(&v, &e), 0.5, 10, &e);
	T_EQ_INT(drain(x, out, 4, &e), 3);
	T_NEAR(out[0].t, 10.5, 0);
	T_NEAR(out[1].t, 11, 0);
	T_NEAR(out[2].t, 12, 0);
	xf_free(x);

	v = (struct vec){ .t = bad, .n = 3 };
	x = leaf(&v, &e);
	T_EQ_INT(drain(x, out, 4, &e), -1);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, "vec: arrival 3 at 2 s is earlier than the previous "
		       "one at 3 s");
	xf_free(x);
}

/* k streams of pseudo-random sorted times with many ties; the merge must
 * equal a stable merge by (time, input index). */
static void test_merge(void)
{
	enum { K = 5, N = 400 };
	static double t[K][N];
	struct vec v[K];
	struct xf *in[K];
	struct err e = { 0 };
	uint64_t s = 12345;
	for (int k = 0; k < K; k++) {
		double x = 0;
		int n = N - 37 * k;   /* different lengths, one empty below */
		for (int i = 0; i < n; i++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			x += (double)((s >> 33) % 4);    /* steps 0..3: ties */
			t[k][i] = x;
		}
		v[k] = (struct vec){ .t = t[k], .n = k == 3 ? 0 : n, .size = k };
		in[k] = leaf(&v[k], &e);
	}
	struct xf *x = xf_merge(in, K, &e);
	T_TRUE(x != NULL, "%s", e.msg);
	static struct arrival out[K * N];
	int n = drain(x, out, K * N, &e);
	/* reference: repeatedly take the smallest head, lowest input first */
	int idx[K] = { 0 }, total = 0, bad = 0;
	for (;;) {
		int best = -1;
		for (int k = 0; k < K; k++)
			if (idx[k] < v[k].n &&
			    (best < 0 || t[k][idx[k]] < t[best][idx[best]]))
				best = k;
		if (best < 0)
			break;
		if (total < n && (out[total].t != t[best][idx[best]] ||
				  out[total].size != best))
			bad++;
		idx[best]++;
		total++;
	}
	T_EQ_INT(n, total);
	T_EQ_INT(bad, 0);
	xf_free(x);

	/* a merge of one failing input fails naming it */
	static const double down[] = { 5, 4 };
	struct vec d = { .t = down, .n = 2 };
	struct xf *one[2] = { leaf(&d, &e), NULL };
	struct vec ok = { .t = t[0], .n = 3 };
	one[1] = leaf(&ok, &e);
	x = xf_merge(one, 2, &e);
	T_EQ_INT(drain(x, out, K * N, &e), -1);
	T_STR_CONTAINS(e.msg, "vec: arrival 2 at 4 s");
	xf_free(x);
}

/* --- through a config -------------------------------------------------- */

static char *write_file(const char *text)
{
	char *p = strdup("/tmp/spate-transforms-XXXXXX");
	int fd = p ? mkstemp(p) : -1;
	if (fd < 0) {
		free(p);
		return NULL;
	}
	FILE *f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return p;
}

static struct config *load(const char *arrivals, struct err *e)
{
	char json[2048];
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"arrivals\":%s,\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":1}]}", arrivals);
	return config_parse(json, "t.json", NULL, 0, e);
}

/* Replays the config's source; returns the count or -1. */
static int replay(const char *arrivals, struct arrival *out, int cap,
		  struct err *e)
{
	struct config *c = load(arrivals, e);
	if (!c)
		return -1;
	struct arrivals *a = arr_new(&c->sources[0], 7, NULL, e);
	int n = -1, rc;
	if (a) {
		struct arrival x;
		n = 0;
		while ((rc = arr_next(a, &x, e)) == 1 && n < 100000)
			if (n < cap)
				out[n++] = x;
		if (rc < 0)
			n = -1;
	}
	arr_free(a);
	config_free(c);
	return n;
}

static void test_config_pipeline(void)
{
	char *a = write_file("time_s,topic,key,size_bytes\n0,in,,1\n1,in,,1\n"
			     "2,in,,1\n3,in,,1\n4,in,,1\n");
	char *b = write_file("0.5,in,,2\n2,in,,2\n9,in,,2\n");
	T_TRUE(a && b, "temp files");
	if (!a || !b)
		goto out;
	struct err e = { 0 };
	struct arrival o[32];
	char arr[1024];

	/* a sliced to [1, 4), not rebased, doubled in speed (time_scale 0.5),
	 * shifted by 10: 10.5, 11, 11.5 */
	snprintf(arr, sizeof arr, "{\"workload\":\"spate-csv\",\"path\":\"%s\","
		 "\"slice\":{\"from_s\":1,\"to_s\":4,\"rebase\":false},"
		 "\"time_scale\":0.5,\"shift_s\":10}", a);
	int n = replay(arr, o, 32, &e);
	T_TRUE(n == 3, "n %d: %s", n, e.msg);
	T_NEAR(o[0].t, 10.5, 0);
	T_NEAR(o[1].t, 11, 0);
	T_NEAR(o[2].t, 11.5, 0);

	/* merge a and b shifted by 1 s (1.5, 3, 10); equal times (3) keep
	 * member order: a's first; then the whole sliced to [1, 10) rebased */
	snprintf(arr, sizeof arr, "{\"merge\":[{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\"},{\"workload\":\"spate-csv\",\"path\":\"%s\","
		 "\"shift_s\":1}],\"slice\":{\"from_s\":1,\"to_s\":10}}", a, b);
	static const double want_t[] = { 0, 0.5, 1, 2, 2, 3 };
	static const double want_size[] = { 1, 2, 1, 1, 2, 1 };
	n = replay(arr, o, 32, &e);
	T_TRUE(n == 6, "n %d: %s", n, e.msg);
	for (int i = 0; i < 6 && i < n; i++) {
		T_NEAR(o[i].t, want_t[i], 0);
		T_NEAR(o[i].size, want_size[i], 0);
	}

	/* a bad row in a member names the member and the file line */
	char *bad = write_file("0,in,,1\n2,in,,1\n1,in,,1\n");
	snprintf(arr, sizeof arr, "{\"merge\":[{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\"},{\"workload\":\"spate-csv\",\"path\":\"%s\"}]}",
		 a, bad ? bad : "");
	err_clear(&e);
	T_EQ_INT(replay(arr, o, 32, &e), -1);
	T_STR_CONTAINS(e.msg, ":3: time_s \"1\" is earlier than the previous row's");
	if (bad) {
		unlink(bad);
		free(bad);
	}
out:
	if (a)
		unlink(a);
	if (b)
		unlink(b);
	free(a);
	free(b);
}

/* Adding a member does not change another member's random draws. */
static void test_merge_streams_independent(void)
{
	struct err e = { 0 };
	static struct arrival x[2000], y[2000];
	const char *p = "{\"workload\":\"poisson\",\"rate\":50,\"size\":1,"
			"\"duration_s\":20}";
	char a1[512], a2[512];
	snprintf(a1, sizeof a1, "{\"merge\":[%s,{\"workload\":\"periodic\","
		 "\"period_s\":0.3,\"size\":2,\"count\":10}]}", p);
	snprintf(a2, sizeof a2, "{\"merge\":[%s,{\"workload\":\"poisson\","
		 "\"rate\":5,\"size\":3,\"duration_s\":20}],\"rate_scale\":1}", p);
	int n1 = replay(a1, x, 2000, &e);
	T_TRUE(n1 > 0, "%s", e.msg);
	int n2 = replay(a2, y, 2000, &e);
	T_TRUE(n2 > 0, "%s", e.msg);
	int i = 0, j = 0, bad = 0, common = 0;
	for (;;) {
		while (i < n1 && x[i].size != 1)
			i++;
		while (j < n2 && y[j].size != 1)
			j++;
		if (i >= n1 || j >= n2)
			break;
		bad += x[i].t != y[j].t;
		common++;
		i++;
		j++;
	}
	T_EQ_INT(bad, 0);
	/* about 1000 poisson arrivals in both */
	T_TRUE(common > 800 && i >= n1 && j >= n2, "common %d", common);
}

static void expect_error(const char *arrivals, const char *msg)
{
	struct err e = { 0 };
	struct config *c = load(arrivals, &e);
	T_TRUE(c == NULL, "accepted %s", arrivals);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, msg);
	config_free(c);
}

static void test_config_errors(void)
{
	expect_error("{\"workload\":\"poisson\",\"rate\":1,\"slice\":{\"from_s\":5,"
		     "\"to_s\":5}}",
		     "t.json: sources[0].arrivals.slice.to_s: must be > from_s (5), "
		     "got 5");
	expect_error("{\"workload\":\"poisson\",\"rate\":1,\"slice\":{\"form_s\":5}}",
		     "sources[0].arrivals.slice.form_s: unknown key; did you mean "
		     "'from_s'?");
	expect_error("{\"workload\":\"poisson\",\"rate\":1,\"shift_s\":-1}",
		     "sources[0].arrivals.shift_s:");
	expect_error("{\"workload\":\"poisson\",\"rate\":1,\"shfit_s\":1}",
		     "did you mean 'shift_s'?");
	expect_error("{\"workload\":\"poisson\",\"merge\":[]}",
		     "sources[0].arrivals.merge: give either \"workload\" or "
		     "\"merge\", not both");
	expect_error("{\"merge\":[]}", "sources[0].arrivals.merge: must not be "
		     "empty");
	expect_error("{\"merge\":[{\"workload\":\"poisson\",\"rate\":1},"
		     "{\"workload\":\"poison\"}]}",
		     "sources[0].arrivals.merge[1].workload: unknown workload "
		     "'poison'; did you mean 'poisson'?");
	expect_error("{\"merge\":[{\"workload\":\"poisson\",\"rate\":1},"
		     "{\"merge\":[{\"workload\":\"poisson\",\"rate\":-1}]}]}",
		     "sources[0].arrivals.merge[1].merge[0].rate:");
	expect_error("{\"slice\":{}}", "sources[0].arrivals.workload: required "
		     "(or \"merge\"");
	expect_error("{\"workload\":\"poisson\",\"rate\":1,\"slice\":3}",
		     "sources[0].arrivals.slice: must be an object, got 3");

	/* the new keys reach the resolved document only when given */
	struct err e = { 0 };
	struct config *c = load("{\"workload\":\"poisson\",\"rate\":1}", &e);
	T_TRUE(c && !strstr(c->resolved_json, "shift_s") &&
	       !strstr(c->resolved_json, "slice"), "%s",
	       c ? c->resolved_json : e.msg);
	config_free(c);
	c = load("{\"workload\":\"poisson\",\"rate\":1,\"shift_s\":2,"
		 "\"slice\":{\"to_s\":\"inf\"}}", &e);
	T_TRUE(c != NULL, "%s", e.msg);
	if (c) {
		T_STR_CONTAINS(c->resolved_json, "\"shift_s\":\t2");
		T_STR_CONTAINS(c->resolved_json, "\"to_s\":\tnull");
		T_STR_CONTAINS(c->resolved_json, "\"rebase\":\ttrue");
		T_NEAR(c->sources[0].shift_s, 2, 0);
		T_TRUE(isinf(c->sources[0].slice_to_s), "to_s %g",
		       c->sources[0].slice_to_s);
	}
	config_free(c);
}

/* --- sources that yield nothing ---------------------------------------- */

/* arr_new of the arrivals object `arr` fails with exactly `want`
 * (ERR_INPUT). */
static void expect_empty(const char *arr, const char *want)
{
	struct err e = { 0 };
	struct config *c = load(arr, &e);
	T_TRUE(c != NULL, "%s", e.msg);
	if (!c)
		return;
	struct arrivals *a = arr_new(&c->sources[0], 7, NULL, &e);
	T_TRUE(a == NULL, "accepted: %s", arr);
	T_EQ_INT(e.code, ERR_INPUT);
	T_TRUE(strcmp(e.msg, want) == 0, "\n    got  %s\n    want %s", e.msg,
	       want);
	arr_free(a);
	config_free(c);
}

/* A trace that yields nothing (empty, header only, a filter or a transform
 * leaving nothing) is an input error at arr_new naming the JSON path, the
 * file and the transform; a generator that yields nothing is not; and the
 * arrival arr_new reads ahead is the first one arr_next returns. */
static void test_empty_sources(void)
{
	char *files[] = {
		write_file(""), write_file("time_s,topic,key,size_bytes\n"),
		write_file("100,in,,1\n105,in,,2\n"), write_file("1,b,,1\n2,b,,1\n"),
	};
	const char *empty = files[0], *header = files[1], *late = files[2],
		   *other = files[3];
	T_TRUE(empty && header && late && other, "temp files");
	if (!empty || !header || !late || !other)
		goto out;
	char arr[1024], want[1024];
	const char *csv = "{\"workload\":\"spate-csv\",\"path\":\"%s\"%s}";

	snprintf(arr, sizeof arr, csv, empty, "");
	snprintf(want, sizeof want, "sources.in.arrivals: trace '%s' has no "
		 "arrivals", empty);
	expect_empty(arr, want);
	snprintf(arr, sizeof arr, csv, header, "");
	snprintf(want, sizeof want, "sources.in.arrivals: trace '%s' has no "
		 "arrivals", header);
	expect_empty(arr, want);
	snprintf(arr, sizeof arr, csv, other, ",\"topic\":\"in\"");
	snprintf(want, sizeof want, "sources.in.arrivals: trace '%s' has no "
		 "arrivals (selecting topic 'in')", other);
	expect_empty(arr, want);

	/* transforms: the slice on the trace's own clock, before time_scale */
	snprintf(arr, sizeof arr, csv, late, ",\"slice\":{\"to_s\":50},"
		 "\"time_scale\":0.1");
	snprintf(want, sizeof want, "sources.in.arrivals.slice: [0, 50) s ends "
		 "before the first arrival of trace '%s', at 100 s", late);
	expect_empty(arr, want);
	snprintf(arr, sizeof arr, csv, late, ",\"slice\":{\"from_s\":101,"
		 "\"to_s\":104}");
	snprintf(want, sizeof want, "sources.in.arrivals.slice: [101, 104) s "
		 "falls between two arrivals of trace '%s', at 100 s and 105 s",
		 late);
	expect_empty(arr, want);
	snprintf(arr, sizeof arr, csv, late, ",\"slice\":{\"from_s\":200}");
	snprintf(want, sizeof want, "sources.in.arrivals.slice: [200, inf) s "
		 "starts after the last of the 2 arrivals of trace '%s', at 105 s",
		 late);
	expect_empty(arr, want);
	/* keeping each of 2 arrivals with probability 1e-9 */
	snprintf(arr, sizeof arr, csv, late, ",\"rate_scale\":1e-9");
	snprintf(want, sizeof want, "sources.in.arrivals.rate_scale: 1e-09 keeps "
		 "none of the 2 arrivals of trace '%s'", late);
	expect_empty(arr, want);

	/* an empty trace merged with a generator; a merge sliced to nothing
	 * names the merge's slice */
	snprintf(arr, sizeof arr, "{\"merge\":[{\"workload\":\"poisson\","
		 "\"rate\":1},{\"workload\":\"spate-csv\",\"path\":\"%s\"}]}",
		 header);
	snprintf(want, sizeof want, "sources.in.arrivals.merge[1]: trace '%s' has "
		 "no arrivals", header);
	expect_empty(arr, want);
	snprintf(arr, sizeof arr, "{\"merge\":[{\"workload\":\"poisson\","
		 "\"rate\":1,\"duration_s\":1e-9},{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\",\"slice\":{\"from_s\":150}}]}", late);
	snprintf(want, sizeof want, "sources.in.arrivals.merge[1].slice: [150, inf) "
		 "s starts after the last of the 2 arrivals of trace '%s', at 105 s",
		 late);
	expect_empty(arr, want);
	snprintf(arr, sizeof arr, "{\"merge\":[{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\"},{\"workload\":\"spate-csv\",\"path\":\"%s\","
		 "\"shift_s\":10}],\"slice\":{\"to_s\":99}}", late, late);
	snprintf(want, sizeof want, "sources.in.arrivals.slice: [0, 99) s ends "
		 "before the first arrival of its merged inputs, at 100 s");
	expect_empty(arr, want);

	/* no error: generators that yield nothing, alone, sliced, or merged
	 * with a generator; a trace sliced to nothing next to arrivals */
	const char *fine[] = {
		"{\"workload\":\"poisson\",\"rate\":1,\"duration_s\":1e-9}",
		"{\"workload\":\"periodic\",\"period_s\":10,\"phase_s\":5,"
		"\"slice\":{\"to_s\":2}}",
		"{\"merge\":[{\"workload\":\"poisson\",\"rate\":1,"
		"\"duration_s\":1e-9},{\"workload\":\"periodic\",\"count\":3}],"
		"\"slice\":{\"from_s\":100}}",
	};
	struct arrival o[8];
	struct err e = { 0 };
	for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
		err_clear(&e);
		int n = replay(fine[i], o, 8, &e);
		T_TRUE(n == 0, "%s: n %d: %s", fine[i], n, e.msg);
	}
	snprintf(arr, sizeof arr, "{\"merge\":[{\"workload\":\"periodic\","
		 "\"period_s\":1,\"count\":2},{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\",\"slice\":{\"from_s\":150}}]}", late);
	err_clear(&e);
	int n = replay(arr, o, 8, &e);
	T_TRUE(n == 2, "n %d: %s", n, e.msg);

	/* the arrival read ahead comes first, then the rest, then the end */
	snprintf(arr, sizeof arr, csv, late, "");
	err_clear(&e);
	n = replay(arr, o, 8, &e);
	T_TRUE(n == 2, "n %d: %s", n, e.msg);
	T_NEAR(o[0].t, 100, 0);
	T_NEAR(o[0].size, 1, 0);
	T_NEAR(o[1].t, 105, 0);
	T_NEAR(o[1].size, 2, 0);

	/* a run that ends before a trace's first arrival, next to a source
	 * that has arrivals, is a run: the trace has arrivals, only later */
	char json[1024];
	snprintf(json, sizeof json,
		 "{\"duration_s\":50,\"sources\":[{\"topic\":\"a\",\"arrivals\":"
		 "{\"workload\":\"periodic\",\"period_s\":10},\"to\":[\"f\"]},"
		 "{\"topic\":\"b\",\"arrivals\":{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\"},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":1}]}", late);
	err_clear(&e);
	struct config *c = config_parse(json, "t.json", NULL, 0, &e);
	struct model *m = c ? model_new(c, &e) : NULL;
	T_TRUE(m != NULL, "%s", e.msg);
	if (m) {
		T_EQ_INT(model_run(m, NULL, 0, NULL, NULL, &e), 0);
		/* periodic at 0, 10, ..., 40 (the one at 50 is after the end) */
		T_EQ_INT((int)hist_count(model_hist(m, "e2e")), 5);
	}
	model_free(m);
	config_free(c);
out:
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (files[i])
			unlink(files[i]);
		free(files[i]);
	}
}

/* --- spate-csv order ---------------------------------------------------- */

static int csv_replay(const char *path, const char *order, int window,
		      struct arrival *out, int cap, struct err *e)
{
	char arr[512];
	snprintf(arr, sizeof arr, "{\"workload\":\"spate-csv\",\"path\":\"%s\","
		 "\"order\":\"%s\",\"sort_window\":%d}", path, order, window);
	return replay(arr, out, cap, e);
}

static void test_csv_order(void)
{
	/* line 4 is 1 row out of place, line 8 (3.5) three rows */
	char *p = write_file("time_s,topic,key,size_bytes\n1,in,,1\n3,in,,3\n"
			     "2,in,,2\n4,in,,4\n5,in,,5\n6,in,,6\n3.5,in,,35\n");
	T_TRUE(p != NULL, "temp file");
	if (!p)
		return;
	struct err e = { 0 };
	struct arrival o[16];
	T_EQ_INT(csv_replay(p, "error", 0, o, 16, &e), -1);
	T_STR_CONTAINS(e.msg, ":4: time_s \"2\" is earlier than the previous "
		       "row's \"3\"");

	err_clear(&e);
	T_EQ_INT(csv_replay(p, "sort", 1, o, 16, &e), -1);
	T_STR_CONTAINS(e.msg, ":8: time_s \"3.5\" is earlier than 5, already "
		       "replayed");

	err_clear(&e);
	int n = csv_replay(p, "sort", 4, o, 16, &e);
	T_TRUE(n == 7, "n %d: %s", n, e.msg);
	static const double sorted[] = { 1, 2, 3, 3.5, 4, 5, 6 };
	for (int i = 0; i < n && i < 7; i++)
		T_NEAR(o[i].t, sorted[i], 0);

	/* clamp with a window of 1: 2 is re-sorted, 3.5 is late by 2.5 rows
	 * and replayed at 5, the last time released before it */
	n = csv_replay(p, "clamp", 1, o, 16, &e);
	static const double clamped[] = { 1, 2, 3, 4, 5, 5, 6 };
	T_TRUE(n == 7, "n %d: %s", n, e.msg);
	for (int i = 0; i < n && i < 7; i++)
		T_NEAR(o[i].t, clamped[i], 0);
	T_NEAR(o[5].size, 35, 0);

	err_clear(&e);
	T_EQ_INT(csv_replay(p, "sort", 0, o, 16, &e), -1);
	T_STR_CONTAINS(e.msg, "sort_window 0: must be an integer in [1, 1000000] "
		       "with order \"sort\"");
	err_clear(&e);
	T_EQ_INT(csv_replay(p, "sorted", 0, o, 16, &e), -1);
	T_STR_CONTAINS(e.msg, "sources[0].arrivals.order: unknown value 'sorted'; "
		       "did you mean 'sort'?");
	unlink(p);
	free(p);
}

/* --- trace convert ------------------------------------------------------ */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *s = calloc(1, 65536);
	if (s)
		s[fread(s, 1, 65535, f)] = '\0';
	fclose(f);
	return s;
}

static void test_convert(void)
{
	char *a = write_file("time_s,topic,key,size_bytes\n0,in,,1\n1,in,,1\n"
			     "2,in,,1\n3,in,,1\n4,in,,1\n");
	char *b = write_file("time_s,topic,key,size_bytes\n0.5,in,,2\n2,in,,2\n"
			     "9,in,,2\n");
	char out[64];
	snprintf(out, sizeof out, "/tmp/spate-transforms-out-%ld.csv",
		 (long)getpid());
	T_TRUE(a && b, "temp files");
	if (!a || !b)
		goto done;
	struct err e = { 0 };
	char *argv[] = { "convert", a, "--merge", b, "--slice", "1:", "--shift",
			 "0.25", "--time-scale", "2", "--out", out };
	FILE *devnull = fopen("/dev/null", "w");
	int rc = tracetool_cli(12, argv, devnull, &e);
	T_TRUE(rc == 0, "%s", e.msg);
	/* merged: 0 .5 1 2 2 3 4 9; from 1 rebased: 0 1 1 2 3 8; x2 +.25 */
	char *text = slurp(out);
	T_TRUE(text && strcmp(text, "time_s,topic,key,size_bytes\n"
			      "0.250000000,in,,1\n2.250000000,in,,1\n"
			      "2.250000000,in,,2\n4.250000000,in,,1\n"
			      "6.250000000,in,,1\n16.250000000,in,,2\n") == 0,
	       "got:\n%s", text ? text : "(none)");
	free(text);
	unlink(out);

	char *bad[] = { "convert", a, "--slice", "5:2", "--out", out };
	err_clear(&e);
	T_EQ_INT(tracetool_cli(6, bad, devnull, &e), -1);
	T_STR_CONTAINS(e.msg, "--slice 5:2: TO must be > FROM");
	char *bad2[] = { "stats", a, "--rate-scale", "0" };
	err_clear(&e);
	T_EQ_INT(tracetool_cli(4, bad2, devnull, &e), -1);
	T_STR_CONTAINS(e.msg, "--rate-scale: expected a finite number > 0, got '0'");
	if (devnull)
		fclose(devnull);
done:
	if (a)
		unlink(a);
	if (b)
		unlink(b);
	free(a);
	free(b);
}

int test_transforms_register(void)
{
	CU_pSuite s = CU_add_suite("transforms", NULL, NULL);
	if (!s ||
	    !CU_add_test(s, "slice", test_slice) ||
	    !CU_add_test(s, "affine and the order check", test_affine_and_order_check) ||
	    !CU_add_test(s, "merge equals a stable merge", test_merge) ||
	    !CU_add_test(s, "config pipeline", test_config_pipeline) ||
	    !CU_add_test(s, "merge members draw independently",
			 test_merge_streams_independent) ||
	    !CU_add_test(s, "config errors", test_config_errors) ||
	    !CU_add_test(s, "sources that yield nothing", test_empty_sources) ||
	    !CU_add_test(s, "spate-csv order", test_csv_order) ||
	    !CU_add_test(s, "trace convert with transforms", test_convert))
		return -1;
	return 0;
}
