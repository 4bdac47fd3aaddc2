/*
 * kafka-dump-log: replays a Kafka log segment from the text that
 *
 *     kafka-dump-log.sh --files 00000000000000000000.log --print-data-log
 *
 * prints (kafka.tools.DumpLogSegments). Since Kafka 2.x the output is a
 * batch line followed by one "| "-prefixed line per record:
 *
 *   Dumping /data/orders-0/00000000000000000000.log
 *   Log starting offset: 0
 *   baseOffset: 0 lastOffset: 1 count: 2 ... isControl: false ...
 *       position: 0 CreateTime: 1700000000250 size: 90 magic: 2 ...
 *   | offset: 0 CreateTime: 1700000000000 keySize: 3 valueSize: 5
 *       sequence: 0 headerKeys: [] key: k17 payload: hello
 *
 * (each shown on one line in the real output). Kafka 2.x spells the sizes
 * "keysize"/"valuesize", 3.x "keySize"/"valueSize"; both are accepted, the
 * name compared without case. The timestamp is "CreateTime: ms" or
 * "LogAppendTime: ms" (the topic's message.timestamp.type); a record line
 * with neither, with "NoTimestampType: -1" or with a negative time is an
 * error, because its arrival time is unknown. Kafka 0.11 printed records
 * without the "| " and without batch lines ("offset: 0 position: 0
 * CreateTime: ... keysize: 3 valuesize: 5 ..."); such lines are records too
 * (a line starting "offset:" is a record when it has a keysize field, else
 * a pre-v2 batch line).
 * Skipped: batch lines, the "Dumping", "Log starting offset" / "Starting
 * offset" and "Found N invalid bytes" lines, empty lines, and the records of
 * control batches (transaction markers: "isControl: true" on the batch line,
 * or an endTxnMarker / controlType field on the record), which are not
 * messages. A payload holding a newline continues on lines of arbitrary
 * text; such lines are skipped only right after a record that has a
 * payload. Any other line is an error naming it, so a wrong file fails at
 * its first line instead of replaying nothing.
 *
 * An arrival's time is seconds since the earliest record (times are kept as
 * integer ms until then); its size is valueSize (0 for a null value, -1).
 * Keys: a record with a key (keySize >= 0) is keyed by the FNV-1a hash of
 * the key text as printed (the first keySize bytes after "key: ", which is
 * the key itself for UTF-8 keys, the default StringDecoder); a record with
 * a null key is keyless. A keyed record without the key text (a dump made
 * without --print-data-log) is an error rather than silently keyless.
 * Order: CreateTime comes from producers' clocks and can step back; a record
 * earlier than one already replayed is an error unless `sort_window` > 0
 * re-sorts within that many records (reorder.h). A dump of several segments
 * of one partition, in offset order, is one timeline; dumps of several
 * partitions must be merged by time first.
 * Access pattern: one streaming pass; memory is O(sort_window).
 */
#include "workload.h"

#include "err.h"
#include "linereader.h"
#include "reorder.h"
#include "tparse.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { P_PATH, P_SORT_WINDOW, P_N };

/* Bounds the reorder buffer, allocated at open (56 bytes a record). */
#define KDUMP_MAX_WINDOW 1000000

static const struct param_def kdump_params[P_N] = {
	[P_PATH] = {
		.name = "path", .type = PARAM_STR, .def_str = NULL,
		.help = "output of kafka-dump-log.sh --files X.log --print-data-log "
			"(Kafka 0.11 to 3.x); plain or gzip-compressed",
	},
	[P_SORT_WINDOW] = {
		.name = "sort_window", .type = PARAM_INT, .def = 0, .min = 0,
		.max = KDUMP_MAX_WINDOW,
		.help = "re-sort records by timestamp within this many records "
			"(CreateTime from skewed producer clocks); 0 = the dump must "
			"be in timestamp order",
	},
};

struct kdump {
	struct lr *lr;
	struct reorder *ro;
	int eof;
	int control;          /* the current batch is a control batch */
	int after_payload;    /* last line was a record with a payload */
	int have_origin;
	double origin_ms;
};

static void kdump_close(void *state)
{
	struct kdump *s = state;
	if (!s)
		return;
	lr_close(s->lr);
	reorder_free(s->ro);
	free(s);
}

static void *kdump_open(const union param_val *p, struct rng *rng,
			struct err *e)
{
	const char *path = p[P_PATH].str;
	if (!path || !*path) {
		err_set(e, ERR_INPUT, "path is required");
		return NULL;
	}
	double w = p[P_SORT_WINDOW].num;
	if (!(w >= 0 && w <= KDUMP_MAX_WINDOW) || w != floor(w)) {
		err_set(e, ERR_INPUT, "sort_window must be an integer in [0, %d], "
			"got %g", KDUMP_MAX_WINDOW, w);
		return NULL;
	}
	struct kdump *s = calloc(1, sizeof *s);
	if (!s || !(s->ro = reorder_new((size_t)w, 0))) {
		kdump_close(s);
		err_set(e, ERR_INTERNAL, "%s: out of memory", path);
		return NULL;
	}
	if (!(s->lr = lr_open(path, e))) {
		kdump_close(s);
		return NULL;
	}
	return s;
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The next space-separated token of *p (advanced past it), or NULL. The
 * token is NUL-terminated in place. */
static char *token(char **p)
{
	char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s) {
		*p = s;
		return NULL;
	}
	char *t = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return t;
}

/* A batch line: is it a control batch ("isControl: true")? */
static int batch_is_control(const char *line)
{
	const char *c = strstr(line, "isControl: ");
	return c && starts(c + 11, "true");
}

/* Does a pre-2.x "offset: ..." line describe a record (it has a size)? */
static int has_keysize(const char *line)
{
	for (const char *p = line; (p = strchr(p, ' ')) != NULL; p++)
		if (strncasecmp(p + 1, "keysize:", 8) == 0)
			return 1;
	return 0;
}

/* One integer value of a record field, >= lo. */
static int rec_int(struct kdump *s, const char *name, const char *text,
		   int64_t lo, int64_t *out, struct err *e)
{
	if (!text)
		return tparse_fail(e, s->lr, "%s has no value", name);
	switch (tparse_int64(text, out)) {
	case TPARSE_OK:
		break;
	case TPARSE_RANGE:
		return tparse_fail(e, s->lr, "%s \"%.80s\" is out of range",
				   name, text);
	default:
		return tparse_fail(e, s->lr, "%s \"%.80s\" is not an integer",
				   name, text);
	}
	if (*out < lo)
		return tparse_fail(e, s->lr, "%s %" PRId64 " is below %" PRId64,
				   name, *out, lo);
	return 0;
}

/* Parses a record line (rec: the text after the "|", or the whole 0.11
 * line). Returns 1 and fills *a (t in ms), 0 for a control record to
 * skip, -1 on error. */
static int parse_record(struct kdump *s, char *rec, struct arrival *a,
			struct err *e)
{
	int64_t ts = -1, ksize = -2, vsize = -2;
	int ts_kind = 0;             /* 0 none, 1 a time, 2 NoTimestampType */
	const char *ts_name = "CreateTime";
	char *p = rec, *tok, *key = NULL;
	int payload = 0;
	while ((tok = token(&p)) != NULL) {
		if (strcmp(tok, "key:") == 0) {
			/* free text from here: exactly one space follows "key:" */
			key = p;
			break;
		}
		if (strcmp(tok, "payload:") == 0) {
			payload = 1;
			break;
		}
		size_t tl = strlen(tok);
		if (tl < 2 || tok[tl - 1] != ':')
			continue;            /* a value we do not use */
		if (strcmp(tok, "CreateTime:") == 0 ||
		    strcmp(tok, "LogAppendTime:") == 0) {
			ts_name = strcmp(tok, "CreateTime:") == 0 ? "CreateTime" :
				  "LogAppendTime";
			if (rec_int(s, ts_name, token(&p), INT64_MIN, &ts, e))
				return -1;
			ts_kind = 1;
		} else if (strcmp(tok, "NoTimestampType:") == 0) {
			token(&p);
			ts_kind = 2;
		} else if (strcasecmp(tok, "keysize:") == 0) {
			if (rec_int(s, "keySize", token(&p), -1, &ksize, e))
				return -1;
		} else if (strcasecmp(tok, "valuesize:") == 0) {
			if (rec_int(s, "valueSize", token(&p), -1, &vsize, e))
				return -1;
		} else if (strcmp(tok, "endTxnMarker:") == 0 ||
			   strcmp(tok, "controlType:") == 0) {
			return 0;
		} else {
			token(&p);           /* offset, position, sequence, ... */
		}
	}
	if (ts_kind == 2)
		return tparse_fail(e, s->lr, "record has no timestamp "
				   "(NoTimestampType)");
	if (ts_kind == 0)
		return tparse_fail(e, s->lr, "record line has no CreateTime or "
				   "LogAppendTime");
	if (ts < 0)
		return tparse_fail(e, s->lr, "%s %" PRId64 " is negative (the "
				   "record has no timestamp)", ts_name, ts);
	if (ts > INT64_C(9007199254740992))
		return tparse_fail(e, s->lr, "%s %" PRId64 " is out of range",
				   ts_name, ts);
	if (vsize == -2)
		return tparse_fail(e, s->lr, "record line has no valueSize");
	*a = (struct arrival){ .t = (double)ts, .size = vsize < 0 ? 0 :
							(double)vsize };
	if (key) {
		if (ksize == -1)
			return tparse_fail(e, s->lr, "record has keySize -1 (null "
					   "key) but a key: field");
		/* key holds the rest of the line; the key text ends after
		 * keySize bytes when that is where " payload: " or the line
		 * ends, else (a non-UTF-8 key printed with replacement
		 * characters) at the first " payload:". */
		size_t rest = strlen(key), klen;
		char *pl = strstr(key, " payload:");
		if (ksize >= 0 && (size_t)ksize <= rest &&
		    (key[ksize] == '\0' || strncmp(key + ksize, " payload:", 9) == 0))
			klen = (size_t)ksize;
		else
			klen = pl ? (size_t)(pl - key) : rest;
		payload = strstr(key + klen, " payload:") == key + klen;
		a->key = workload_key_hash(key, klen);
		a->keyed = 1;
	} else if (ksize >= 0) {
		return tparse_fail(e, s->lr, "record has keySize %" PRId64 " but "
				   "no key: field (dump with --print-data-log)", ksize);
	}
	s->after_payload = payload;
	return 1;
}

/* Reads lines until one record is pushed (1), the end (0) or an error. */
static int kdump_read(struct kdump *s, struct err *e)
{
	char *line;
	size_t len;
	int rc;
	while ((rc = lr_next(s->lr, &line, &len, e)) == 1) {
		char *l = line;
		while (*l == ' ' || *l == '\t')
			l++;
		int after_payload = s->after_payload;
		s->after_payload = 0;
		char *rec = NULL;
		if (!*l)
			continue;
		if (*l == '|') {
			rec = l + 1;
		} else if (starts(l, "offset:")) {
			if (!has_keysize(l)) {
				s->control = 0;     /* pre-v2 batch: no control */
				continue;
			}
			rec = l;
		} else if (starts(l, "baseOffset:")) {
			s->control = batch_is_control(l);
			continue;
		} else if (starts(l, "Dumping ")) {
			s->control = 0;
			continue;
		} else if (starts(l, "Log starting offset:") ||
			   starts(l, "Starting offset:") ||
			   (starts(l, "Found ") && strstr(l, " invalid bytes at the end"))) {
			continue;
		} else if (after_payload) {
			s->after_payload = 1;   /* a payload may span many lines */
			continue;
		} else {
			return tparse_fail(e, s->lr, "\"%.60s\" is not a line of "
					   "kafka-dump-log --print-data-log output", l);
		}
		if (s->control)
			continue;   /* not a message, whatever it prints */
		struct arrival a;
		int pr = parse_record(s, rec, &a, e);
		if (pr < 0)
			return -1;
		if (pr == 0)
			continue;
		if (reorder_push(s->ro, &a, lr_lineno(s->lr), 1) != 0)
			return tparse_fail(e, s->lr, "timestamp %.0f is earlier than "
					   "%.0f, already replayed (records must be in "
					   "timestamp order; raise sort_window)", a.t,
					   reorder_last(s->ro));
		return 1;
	}
	return rc;
}

static int kdump_next(void *state, struct arrival *a, struct err *e)
{
	struct kdump *s = state;
	for (;;) {
		struct reorder_item it;
		if (reorder_pop(s->ro, s->eof, &it)) {
			if (!s->have_origin) {
				s->have_origin = 1;
				s->origin_ms = it.a.t;
			}
			*a = it.a;
			a->t = (it.a.t - s->origin_ms) / 1000.0;
			return 1;
		}
		if (s->eof)
			return 0;
		int rc = kdump_read(s, e);
		if (rc < 0)
			return -1;
		if (rc == 0)
			s->eof = 1;
	}
}

const struct workload workload_kafka_dump = {
	.name = "kafka-dump-log",
	.help = "replay a Kafka log segment dumped with kafka-dump-log.sh "
		"--print-data-log: times from the first record, size = valueSize, "
		"key = the record key",
	.params = kdump_params,
	.nparams = P_N,
	.open = kdump_open,
	.next = kdump_next,
	.close = kdump_close,
};
