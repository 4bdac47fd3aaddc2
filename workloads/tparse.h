/*
 * tparse: the field parsers and the error helper shared by the trace
 * readers (kcat, kafka-dump-log, azure-functions-2019/2021, huawei-2023).
 *
 * Every parser takes a whole NUL-terminated field (as lr_split leaves it) and
 * rejects anything around the number: blanks, trailing text, hex, "inf",
 * "nan". A reader that silently took "12abc" for 12 would bias every result
 * built on the trace, so strictness is the point. The parsers only say
 * whether the text is acceptable; the reader words the message, because only
 * it knows the column's name.
 */
#ifndef SPATE_TPARSE_H
#define SPATE_TPARSE_H

#include <stdint.h>

struct err;
struct lr;

enum tparse_rc {
	TPARSE_OK = 0,
	TPARSE_SYNTAX,     /* not a number at all */
	TPARSE_RANGE,      /* a number, but out of the accepted range */
};

/* A finite decimal number ("12", "-0.5", "1e3"). */
enum tparse_rc tparse_decimal(const char *s, double *out);

/* A decimal integer with an optional leading '-', within int64_t. */
enum tparse_rc tparse_int64(const char *s, int64_t *out);

/* A count: a whole number >= 0 and <= 2^53, written as digits ("12") or as
 * a decimal with a zero fraction ("12.0", as pandas writes integer columns
 * that hold missing values). */
enum tparse_rc tparse_count(const char *s, double *out);

/* err_set(e, ERR_INPUT, "PATH:LINE: <fmt...>") for the line r returned
 * last. Returns -1. */
int tparse_fail(struct err *e, const struct lr *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
