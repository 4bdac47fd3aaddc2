/*
 * err: the one error convention of spate.
 *
 * A function that can fail takes a `struct err *` (which may be NULL when the
 * caller does not care) and returns -1 (or NULL for constructors) after filling
 * it. The code says who is at fault and becomes the process exit status:
 * ERR_INPUT (2) for anything the user supplied (config, trace, command line),
 * ERR_INTERNAL (1) for everything else (out of memory, I/O, SQLite). The
 * message already names the place: "file:line: ..." or "json.path: ...".
 * The first error wins: err_set on an already-set err keeps the original,
 * because the first failure is the cause and later ones are consequences.
 */
#ifndef SPATE_ERR_H
#define SPATE_ERR_H

enum err_code { ERR_OK = 0, ERR_INTERNAL = 1, ERR_INPUT = 2 };

struct err {
	enum err_code code;
	char msg[1024];
};

/* Sets code and a printf-style message unless an error is already recorded.
 * Always returns -1 so callers can write `return err_set(e, ...)`. */
int err_set(struct err *e, enum err_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefixes the recorded message with "prefix: " (used to add a file or a
 * JSON path on the way up). Does nothing when no error is recorded. */
void err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void err_clear(struct err *e);

#endif
