/*
 * tparse: see tparse.h.
 *
 * strtod and strtoll do the conversions; the wrappers add what they lack for
 * trace fields: the whole field must be consumed, no leading blank, no hex
 * or infinities. tparse_count has a digits-only fast path because the wide
 * per-minute tables (1440 or 5000 columns a row) are almost all small
 * integers and strtod would dominate their reading time.
 * Access pattern: called once per field on every row; no state, no memory.
 */
#include "tparse.h"

#include "err.h"
#include "linereader.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Integers stored in a double are exact up to 2^53. */
#define TPARSE_EXACT 9007199254740992.0

enum tparse_rc tparse_decimal(const char *s, double *out)
{
	if (!*s || isspace((unsigned char)*s) || strpbrk(s, "xXpP"))
		return TPARSE_SYNTAX;
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end)
		return TPARSE_SYNTAX;
	if (!isfinite(v))
		return isdigit((unsigned char)s[*s == '-' || *s == '+']) ?
			       TPARSE_RANGE : TPARSE_SYNTAX;
	*out = v + 0.0;   /* -0 becomes 0 */
	return TPARSE_OK;
}

enum tparse_rc tparse_int64(const char *s, int64_t *out)
{
	const char *d = *s == '-' ? s + 1 : s;
	if (!*d || strspn(d, "0123456789") != strlen(d))
		return TPARSE_SYNTAX;
	errno = 0;
	long long v = strtoll(s, NULL, 10);
	if (errno == ERANGE)
		return TPARSE_RANGE;
	*out = (int64_t)v;
	return TPARSE_OK;
}

enum tparse_rc tparse_count(const char *s, double *out)
{
	size_t n = strspn(s, "0123456789");
	if (n && !s[n] && n <= 15) {
		double v = 0;
		for (size_t i = 0; i < n; i++)
			v = v * 10 + (s[i] - '0');
		*out = v;
		return TPARSE_OK;
	}
	double v;
	enum tparse_rc rc = tparse_decimal(s, &v);
	if (rc != TPARSE_OK)
		return rc;
	if (v < 0 || v != floor(v) || v > TPARSE_EXACT)
		return TPARSE_RANGE;
	*out = v;
	return TPARSE_OK;
}

int tparse_fail(struct err *e, const struct lr *r, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(e, ERR_INPUT, "%s:%ld: %s", lr_path(r), lr_lineno(r), msg);
}
