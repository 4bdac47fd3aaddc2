/*
 * linereader: streams the lines of a text file, plain or gzip-compressed
 * (zlib detects which), in constant memory apart from the longest line.
 *
 * A line is returned without its "\n" or "\r\n" ending; a last line without a
 * newline is still a line. The buffer belongs to the reader and stays valid
 * (and writable, so callers may split it in place) until the next lr_next or
 * lr_close. Line numbers start at 1 and count every line, empty ones too, so
 * they match what an editor shows.
 * Ownership: lr_open returns a reader the caller releases with lr_close.
 */
#ifndef SPATE_LINEREADER_H
#define SPATE_LINEREADER_H

#include <stddef.h>

struct err;
struct lr;

/* Returns a reader, or NULL and e (ERR_INPUT "PATH: cannot open: reason"). */
struct lr *lr_open(const char *path, struct err *e);

/* Returns 1 with *line (NUL-terminated) and *len (may be NULL) set, 0 at the
 * end of the file, or -1 and e ("PATH:LINE: ...") when the file cannot be
 * read (I/O error, corrupt or truncated gzip data, a NUL byte in a line). */
int lr_next(struct lr *r, char **line, size_t *len, struct err *e);

/* Number of the line last returned by lr_next (0 before the first). */
long lr_lineno(const struct lr *r);

/* The path given to lr_open, for error messages. */
const char *lr_path(const struct lr *r);

void lr_close(struct lr *r);

/* Splits line in place at every `sep` (no quoting: fields cannot contain
 * sep). Stores the starts of the first `max` fields in fields[] and returns
 * how many fields the line has, which may exceed max. An empty line is one
 * empty field. */
size_t lr_split(char *line, char sep, char **fields, size_t max);

#endif
