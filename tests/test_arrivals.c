/*
 * arrivals: time and rate scaling of a source's stream. A trace of one
 * arrival per second is replayed with rate_scale 2.5 (copies keep the mean
 * count, stay inside their gap, come out sorted), 0.25 (thinning) and
 * time_scale 0.5 (times halve).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arrivals.h"
#include "config.h"
#include "err.h"
#include "testutil.h"

static char trace[64];

static int make_trace(void)
{
	strcpy(trace, "/tmp/spate-arrivals-XXXXXX");
	int fd = mkstemp(trace);
	if (fd < 0)
		return -1;
	FILE *f = fdopen(fd, "w");
	for (int i = 0; i < 20000; i++)
		fprintf(f, "%d,in,,%d\n", i, i % 7);
	fclose(f);
	return 0;
}

static int drop_trace(void)
{
	unlink(trace);
	return 0;
}

/* Loads a one-source config with the given scaling and counts arrivals,
 * checking order and that copies stay within [t_orig, t_orig + 1). */
static long replay(const char *scaling, double *last_t, int *disorder,
		   int *outside)
{
	char json[1024];
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":\"spate-csv\","
		 "\"path\":\"%s\"%s},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":1}]}", trace, scaling);
	struct err e = { 0 };
	struct config *c = config_parse(json, "<arrivals>", NULL, 0, &e);
	if (!c) {
		fprintf(stderr, "\n  %s\n", e.msg);
		CU_FAIL("config");
		return -1;
	}
	struct arrivals *a = arr_new(&c->sources[0], 42, NULL, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	struct arrival x;
	long n = 0;
	double prev = -1;
	*disorder = *outside = 0;
	int rc;
	while ((rc = arr_next(a, &x, &e)) == 1) {
		if (x.t < prev)
			(*disorder)++;
		/* every original has size t mod 7 and sits at an integer time */
		double orig = floor(x.t * (strstr(scaling, "time_scale") ? 2 : 1) + 1e-9);
		if (fmod(orig, 7) != x.size)
			(*outside)++;
		prev = x.t;
		n++;
	}
	T_EQ_INT(rc, 0);
	*last_t = prev;
	arr_free(a);
	config_free(c);
	return n;
}

static void test_rate_and_time_scale(void)
{
	double last;
	int disorder, outside;
	long n = replay("", &last, &disorder, &outside);
	T_EQ_INT(n, 20000);
	T_NEAR(last, 19999, 0);

	/* 2.5 copies per arrival on average: binomial spread of the halves */
	n = replay(",\"rate_scale\":2.5", &last, &disorder, &outside);
	T_NEAR(n, 50000, 4 * sqrt(20000 * 0.25));
	T_EQ_INT(disorder, 0);
	T_EQ_INT(outside, 0);

	/* thinning keeps each arrival with probability 0.25 */
	n = replay(",\"rate_scale\":0.25", &last, &disorder, &outside);
	T_NEAR(n, 5000, 4 * sqrt(20000 * 0.25 * 0.75));
	T_EQ_INT(disorder, 0);

	n = replay(",\"time_scale\":0.5", &last, &disorder, &outside);
	T_EQ_INT(n, 20000);
	T_NEAR(last, 19999 * 0.5, 1e-9);
	T_EQ_INT(outside, 0);
	arr_free(NULL);
}

int test_arrivals_register(void)
{
	CU_pSuite s = CU_add_suite("arrivals", make_trace, drop_trace);
	if (!s || !CU_add_test(s, "rate and time scaling", test_rate_and_time_scale))
		return -1;
	return 0;
}
