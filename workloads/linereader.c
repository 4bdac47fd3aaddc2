/*
 * linereader: see linereader.h.
 *
 * Built on zlib's gz* stream, which reads plain files as they are and
 * inflates gzip ones, so every trace reader gets .csv.gz for free. Access
 * pattern: one sequential pass over files of up to millions of short lines;
 * a 128 KiB zlib buffer keeps system calls rare and gzgets copies each line
 * once into our buffer, which only grows (doubling) when a line does not fit
 * and is then kept for the rest of the file.
 * Invariant: buf[0..cap) with cap >= 2, so gzgets always has room for one
 * character and the terminating NUL.
 * gzgets reports no length, so a NUL byte inside a line would silently cut
 * it; comparing strlen with how far gztell moved catches that exactly.
 */
#include "linereader.h"

#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

enum {
	LR_INITIAL_CAP = 1024,
	LR_ZBUF = 128 * 1024,
	/* A "line" this long means a binary file or a missing newline
	 * convention; refusing it bounds memory. Below INT_MAX for gzgets. */
	LR_MAX_LINE = 1 << 30,
};

struct lr {
	gzFile f;
	char *path;
	char *buf;
	size_t cap;
	long line;
	int failed;   /* sticky: after an error, every later call fails too */
};

struct lr *lr_open(const char *path, struct err *e)
{
	if (!path) {
		err_set(e, ERR_INTERNAL, "lr_open: no path");
		return NULL;
	}
	/* open + fstat first: gzopen would accept a directory and only fail at
	 * the first read, with a less helpful message. */
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		err_set(e, ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	int code = 0;
	if (fstat(fd, &st) != 0)
		code = errno;
	else if (S_ISDIR(st.st_mode))
		code = EISDIR;
	if (code) {
		close(fd);
		err_set(e, ERR_INPUT, "%s: cannot open: %s", path, strerror(code));
		return NULL;
	}
	struct lr *r = calloc(1, sizeof *r);
	char *p = strdup(path);
	char *buf = malloc(LR_INITIAL_CAP);
	if (!r || !p || !buf) {
		free(r);
		free(p);
		free(buf);
		close(fd);
		err_set(e, ERR_INTERNAL, "%s: cannot open: out of memory", path);
		return NULL;
	}
	gzFile f = gzdopen(fd, "rb");
	if (!f) {
		free(r);
		free(p);
		free(buf);
		close(fd);
		err_set(e, ERR_INTERNAL, "%s: cannot open: out of memory", path);
		return NULL;
	}
	gzbuffer(f, LR_ZBUF);
	*r = (struct lr){ .f = f, .path = p, .buf = buf, .cap = LR_INITIAL_CAP };
	return r;
}

/* Records a zlib read error; line is the number of the line being read. */
static int lr_read_error(struct lr *r, struct err *e)
{
	int errnum = Z_OK;
	const char *msg = gzerror(r->f, &errnum);
	r->failed = 1;
	if (errnum == Z_ERRNO)
		return err_set(e, ERR_INTERNAL, "%s:%ld: read error: %s", r->path,
			       r->line + 1, strerror(errno));
	if (errnum == Z_MEM_ERROR)
		return err_set(e, ERR_INTERNAL, "%s:%ld: out of memory", r->path,
			       r->line + 1);
	/* gzerror prefixes the name given to gzdopen ("<fd:3>: "), which
	 * means nothing to the user: the path is already in front */
	if (msg && !strncmp(msg, "<fd:", 4) && strstr(msg, ": "))
		msg = strstr(msg, ": ") + 2;
	return err_set(e, ERR_INPUT, "%s:%ld: corrupt or truncated gzip data: %s",
		       r->path, r->line + 1, msg && *msg ? msg : "unknown zlib error");
}

int lr_next(struct lr *r, char **line, size_t *len, struct err *e)
{
	if (!r || r->failed)
		return err_set(e, ERR_INTERNAL, "%s: read after an error",
			       r ? r->path : "(no reader)");
	size_t off = 0;
	for (;;) {
		if (r->cap - off < 2) {
			if (r->cap >= LR_MAX_LINE) {
				r->failed = 1;
				return err_set(e, ERR_INPUT,
					       "%s:%ld: line longer than %d bytes "
					       "(not a text file?)",
					       r->path, r->line + 1, LR_MAX_LINE);
			}
			char *nb = realloc(r->buf, r->cap * 2);
			if (!nb) {
				r->failed = 1;
				return err_set(e, ERR_INTERNAL, "%s:%ld: out of memory",
					       r->path, r->line + 1);
			}
			r->buf = nb;
			r->cap *= 2;
		}
		int chunk = (int)(r->cap - off);
		z_off_t before = gztell(r->f);
		if (!gzgets(r->f, r->buf + off, chunk)) {
			int errnum = Z_OK;
			gzerror(r->f, &errnum);
			if (errnum != Z_OK)
				return lr_read_error(r, e);
			if (off == 0)
				return 0;
			break;   /* the file ended exactly at a buffer boundary */
		}
		size_t n = strlen(r->buf + off);
		if ((z_off_t)n != gztell(r->f) - before) {
			r->failed = 1;
			return err_set(e, ERR_INPUT,
				       "%s:%ld: NUL byte in line (not a text file?)",
				       r->path, r->line + 1);
		}
		off += n;
		if (r->buf[off - 1] == '\n')
			break;
		if (n < (size_t)chunk - 1) {
			/* short read without newline: end of file, or a gzip
			 * stream cut short, whose last partial line gzgets
			 * returns before reporting the cut; that line must not
			 * be parsed (it may be a valid row with a wrong number) */
			int errnum = Z_OK;
			gzerror(r->f, &errnum);
			if (errnum != Z_OK)
				return lr_read_error(r, e);
			break;
		}
	}
	r->line++;
	if (off > 0 && r->buf[off - 1] == '\n')
		off--;
	if (off > 0 && r->buf[off - 1] == '\r')
		off--;
	r->buf[off] = '\0';
	*line = r->buf;
	if (len)
		*len = off;
	return 1;
}

long lr_lineno(const struct lr *r)
{
	return r ? r->line : 0;
}

const char *lr_path(const struct lr *r)
{
	return r ? r->path : "";
}

void lr_close(struct lr *r)
{
	if (!r)
		return;
	gzclose(r->f);
	free(r->path);
	free(r->buf);
	free(r);
}

size_t lr_split(char *line, char sep, char **fields, size_t max)
{
	size_t n = 0;
	for (char *p = line;;) {
		if (n < max)
			fields[n] = p;
		n++;
		char *q = sep ? strchr(p, sep) : NULL;
		if (!q)
			return n;
		*q = '\0';
		p = q + 1;
	}
}
