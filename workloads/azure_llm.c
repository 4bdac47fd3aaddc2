/*
 * azure-llm-2023: replays the Azure LLM inference traces (Azure Public
 * Dataset, Patel et al., ISCA 2024), one request per row:
 *
 *     TIMESTAMP,ContextTokens,GeneratedTokens
 *     2023-11-16 18:15:46.6805900,374,44
 *
 * Timestamps are wall-clock "YYYY-MM-DD HH:MM:SS.fffffff" without a time zone
 * (0 to 9 fractional digits accepted, 'T' accepted for the space). An arrival's
 * time is seconds since the first row, so the replay starts at 0. The dates
 * are turned into day numbers with a closed-form proleptic Gregorian count,
 * not mktime: no time zone or DST may shift a trace. Seconds and nanoseconds
 * are kept as integers and only the difference to the first row becomes a
 * double, so precision does not decay with the epoch.
 * The header is optional (a first line starting with neither a digit nor a
 * comma), empty lines are skipped, CRLF and a missing final newline are fine
 * (linereader).
 * Every request is keyless; a token count stands for its size. Validation
 * is strict (calendar ranges included) because a mis-parsed timestamp would
 * silently distort the arrival process; errors name PATH:LINE, the column
 * and its text.
 * Access pattern: one streaming pass, constant memory.
 */
#include "workload.h"

#include "err.h"
#include "linereader.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_PATH, P_SIZE, P_N };
enum { SIZE_CONTEXT, SIZE_GENERATED, SIZE_TOTAL };

static const struct param_def azure_llm_params[P_N] = {
	[P_PATH] = {
		.name = "path", .type = PARAM_STR, .def_str = NULL,
		.help = "trace file (TIMESTAMP,ContextTokens,GeneratedTokens), e.g. "
			"traces/azure_llm_2023_conv.csv; plain or gzip-compressed",
	},
	[P_SIZE] = {
		.name = "size", .type = PARAM_ENUM, .def = SIZE_CONTEXT,
		.choices = "context|generated|total",
		.help = "token count used as the message size: prompt (context) "
			"tokens, generated (output) tokens, or their sum",
	},
};

enum { F_TS, F_CTX, F_GEN, NFIELDS };

/* A timestamp as whole seconds since a fixed day plus nanoseconds. */
struct stamp {
	int64_t sec;
	int32_t ns;
};

struct azure_llm {
	struct lr *lr;
	int size_kind;
	int seen_first;      /* header detection done */
	int have_origin;
	struct stamp origin; /* first row */
	struct stamp prev;
	char prev_text[64];  /* previous row's TIMESTAMP as written */
};

/* Days since 0000-03-01 (proleptic Gregorian) shifted by 400 years, which
 * keeps every division on non-negative numbers; only differences are used.
 * Years start in March so that a leap day is the last day of its year. */
static int64_t civil_days(int y, int m, int d)
{
	if (m <= 2) {
		y -= 1;
		m += 12;
	}
	int64_t yy = (int64_t)y + 400;
	/* (153 * months + 2) / 5 counts the days of the months March.. before m
	 * (31, 30, 31, 30, 31 repeating). */
	return 365 * yy + yy / 4 - yy / 100 + yy / 400 +
	       (153 * (m - 3) + 2) / 5 + d - 1;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Parses n digits at s into *v. */
static int digits(const char *s, int n, int *v)
{
	int x = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}

/* "YYYY-MM-DD HH:MM:SS[.f{1,9}]"; NULL on success, else what is wrong. */
static const char *parse_stamp(const char *s, struct stamp *out)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, se;
	size_t len = strlen(s);
	if (len < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') ||
	    s[13] != ':' || s[16] != ':' || digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
	    digits(s + 8, 2, &d) || digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
	    digits(s + 17, 2, &se))
		return "is not a timestamp of the form YYYY-MM-DD HH:MM:SS.fffffff";
	int32_t ns = 0;
	if (len > 19) {
		size_t nf = len - 20;
		int frac;
		if (s[19] != '.' || nf < 1 || nf > 9 || digits(s + 20, (int)nf, &frac))
			return "has a bad fraction of a second (expected '.' and 1 to 9 "
			       "digits)";
		ns = frac;
		for (size_t i = nf; i < 9; i++)
			ns *= 10;
	}
	if (mo < 1 || mo > 12)
		return "has a month outside 1..12";
	int dim = mdays[mo - 1] + (mo == 2 && is_leap(y));
	if (d < 1 || d > dim)
		return "has a day outside its month";
	if (h > 23 || mi > 59 || se > 59)
		return "has a time of day outside 00:00:00..23:59:59";
	out->sec = civil_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	out->ns = ns;
	return NULL;
}

/* A non-negative decimal integer, digits only. */
static int parse_count(const char *s, double *out)
{
	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, NULL, 10);
	if (errno == ERANGE)
		return -1;
	*out = (double)v;
	return 0;
}

static void *azure_llm_open(const union param_val *p, struct rng *rng,
			    struct err *e)
{
	const char *path = p[P_PATH].str;
	if (!path || !*path) {
		err_set(e, ERR_INPUT, "path is required");
		return NULL;
	}
	int kind = (int)p[P_SIZE].num;
	if (kind < SIZE_CONTEXT || kind > SIZE_TOTAL) {
		err_set(e, ERR_INPUT, "size must be context, generated or total, "
			"got choice %g", p[P_SIZE].num);
		return NULL;
	}
	struct azure_llm *s = calloc(1, sizeof *s);
	if (!s) {
		err_set(e, ERR_INTERNAL, "%s: out of memory", path);
		return NULL;
	}
	s->size_kind = kind;
	if (!(s->lr = lr_open(path, e))) {
		free(s);
		return NULL;
	}
	return s;
}

static int azure_llm_next(void *state, struct arrival *a, struct err *e)
{
	struct azure_llm *s = state;
	char *line, *f[NFIELDS];
	size_t len;
	int rc;
	while ((rc = lr_next(s->lr, &line, &len, e)) == 1) {
		if (len == 0)
			continue;
		const char *path = lr_path(s->lr);
		long ln = lr_lineno(s->lr);
		size_t nf = lr_split(line, ',', f, NFIELDS);
		if (!s->seen_first) {
			s->seen_first = 1;
			char c = f[F_TS][0];
			if (c && (c < '0' || c > '9')) {
				if (nf != NFIELDS)
					return err_set(e, ERR_INPUT,
						       "%s:%ld: header has %zu fields, expected 3 "
						       "(TIMESTAMP,ContextTokens,GeneratedTokens)",
						       path, ln, nf);
				continue;
			}
		}
		if (nf != NFIELDS)
			return err_set(e, ERR_INPUT,
				       "%s:%ld: expected 3 fields (TIMESTAMP,"
				       "ContextTokens,GeneratedTokens), got %zu",
				       path, ln, nf);
		struct stamp ts;
		const char *bad = parse_stamp(f[F_TS], &ts);
		if (bad)
			return err_set(e, ERR_INPUT, "%s:%ld: TIMESTAMP \"%.80s\" %s",
				       path, ln, f[F_TS], bad);
		double ctx, gen;
		if (parse_count(f[F_CTX], &ctx) != 0)
			return err_set(e, ERR_INPUT, "%s:%ld: ContextTokens \"%.80s\" "
				       "is not a non-negative integer", path, ln, f[F_CTX]);
		if (parse_count(f[F_GEN], &gen) != 0)
			return err_set(e, ERR_INPUT, "%s:%ld: GeneratedTokens \"%.80s\" "
				       "is not a non-negative integer", path, ln, f[F_GEN]);
		if (!s->have_origin) {
			s->have_origin = 1;
			s->origin = s->prev = ts;
		} else if (ts.sec < s->prev.sec ||
			   (ts.sec == s->prev.sec && ts.ns < s->prev.ns)) {
			return err_set(e, ERR_INPUT,
				       "%s:%ld: TIMESTAMP \"%.80s\" is earlier than the "
				       "previous row's \"%s\" (rows must be in time order)",
				       path, ln, f[F_TS], s->prev_text);
		}
		s->prev = ts;
		snprintf(s->prev_text, sizeof s->prev_text, "%s", f[F_TS]);
		double size = s->size_kind == SIZE_CONTEXT ? ctx :
			      s->size_kind == SIZE_GENERATED ? gen : ctx + gen;
		/* within 9e6 s (whole nanoseconds exact in a double), one
		 * correctly rounded division: sec + ns * 1e-9 is 1 ulp off
		 * for some rows */
		int64_t dsec = ts.sec - s->origin.sec;
		int64_t dns = ts.ns - s->origin.ns;
		*a = (struct arrival){
			.t = dsec < 9000000 && dsec > -9000000
				? (double)(dsec * 1000000000 + dns) / 1e9
				: (double)dsec + (double)dns * 1e-9,
			.size = size,
		};
		return 1;
	}
	return rc;
}

static void azure_llm_close(void *state)
{
	struct azure_llm *s = state;
	if (!s)
		return;
	lr_close(s->lr);
	free(s);
}

const struct workload workload_azure_llm = {
	.name = "azure-llm-2023",
	.help = "replay an Azure LLM inference trace (2023): one keyless request "
		"per row, times from the first row, size = a token count",
	.params = azure_llm_params,
	.nparams = P_N,
	.open = azure_llm_open,
	.next = azure_llm_next,
	.close = azure_llm_close,
};
