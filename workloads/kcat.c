/*
 * kcat: replays a Kafka topic captured with kcat, one message per line:
 *
 *     kcat -C -b BROKER -t TOPIC -o beginning -e -q \
 *          -f '%T,%t,%p,%o,%K,%S\n' > capture.csv
 *     timestamp_ms,topic,partition,offset,key_len,value_len
 *     1700000000000,orders,0,0,3,120
 *
 * %T is the message timestamp in ms since the epoch (CreateTime, or
 * LogAppendTime where the topic sets it; -1 when the message has none, which
 * is an error here), %K and %S are the key and value lengths in bytes (-1 for
 * a null key or value). An arrival's time is seconds since the earliest
 * message of the capture (of any topic, so sources replaying two topics of
 * one capture stay aligned); its size is value_len (0 for a null value, a
 * tombstone). The `topic` param keeps one topic of a multi-topic
 * capture. A header line (first field not a number) is optional; empty lines
 * are skipped; CRLF, no final newline and gzip are fine (linereader). Topic
 * names cannot contain commas (Kafka allows only [a-zA-Z0-9._-]).
 *
 * Keys: kcat's %K gives only the key's length, so the key itself is lost;
 * what the capture does keep is each message's source partition. Messages
 * therefore carry their partition identity: keyed = 1 and, by default
 * (partition_key = hash), key = FNV-1a of the partition number as decimal
 * text -- exactly the hash a message keyed "3" would get -- so every
 * message of source partition 3 lands in one simulated partition, whatever
 * the simulated partition count (two source partitions may share one).
 * partition_key = same uses the partition number itself as the key, so with
 * at least as many simulated partitions as the source had, source
 * partition p is simulated partition p. Both keep per-partition order and
 * per-partition load skew, which is what consumer lag depends on.
 *
 * Order: a capture of one partition is in timestamp order only if the topic
 * uses LogAppendTime or its producers' clocks agree; a multi-partition
 * capture interleaves partitions in fetch order. A message earlier than one
 * already replayed is an error naming its line, unless `sort_window` > 0:
 * then messages are re-sorted within a window of that many lines (see
 * reorder.h) and only a message displaced by more than the window fails.
 * Timestamps are kept as integer ms while sorting; only the difference to
 * the first replayed one becomes seconds, so precision does not depend on
 * the epoch.
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

enum { P_PATH, P_TOPIC, P_PARTITION_KEY, P_SORT_WINDOW, P_N };
enum { PK_HASH, PK_SAME };

/* Bounds the reorder buffer, allocated at open (56 bytes a row). */
#define KCAT_MAX_WINDOW 1000000

static const struct param_def kcat_params[P_N] = {
	[P_PATH] = {
		.name = "path", .type = PARAM_STR, .def_str = NULL,
		.help = "kcat capture made with -f '%T,%t,%p,%o,%K,%S\\n' "
			"(timestamp_ms,topic,partition,offset,key_len,value_len); "
			"plain or gzip-compressed; header optional",
	},
	[P_TOPIC] = {
		.name = "topic", .type = PARAM_STR, .def_str = "",
		.help = "replay only messages of this topic; \"\" = every message",
	},
	[P_PARTITION_KEY] = {
		.name = "partition_key", .type = PARAM_ENUM, .def = PK_HASH,
		.choices = "hash|same",
		.help = "message key standing for the source partition p: hash = "
			"FNV-1a of the text of p (as a message keyed \"p\"); same = p "
			"itself, so simulated partition = p mod partitions",
	},
	[P_SORT_WINDOW] = {
		.name = "sort_window", .type = PARAM_INT, .def = 0, .min = 0,
		.max = KCAT_MAX_WINDOW,
		.help = "re-sort messages by timestamp within this many lines "
			"(interleaved partitions, skewed producer clocks; 56 bytes "
			"each); 0 = the file must be in timestamp order",
	},
};

enum { F_TS, F_TOPIC, F_PART, F_OFFSET, F_KLEN, F_VLEN, NFIELDS };

struct kcat {
	struct lr *lr;
	struct reorder *ro;
	char *topic;          /* NULL: every message */
	int same_key;
	int seen_first;       /* header detection done */
	int eof;
	int have_origin;
	double origin_ms;     /* earliest timestamp, any topic */
};

static void kcat_close(void *state)
{
	struct kcat *s = state;
	if (!s)
		return;
	lr_close(s->lr);
	reorder_free(s->ro);
	free(s->topic);
	free(s);
}

static void *kcat_open(const union param_val *p, struct rng *rng, struct err *e)
{
	const char *path = p[P_PATH].str;
	if (!path || !*path) {
		err_set(e, ERR_INPUT, "path is required");
		return NULL;
	}
	double w = p[P_SORT_WINDOW].num;
	if (!(w >= 0 && w <= KCAT_MAX_WINDOW) || w != floor(w)) {
		err_set(e, ERR_INPUT, "sort_window must be an integer in [0, %d], "
			"got %g", KCAT_MAX_WINDOW, w);
		return NULL;
	}
	struct kcat *s = calloc(1, sizeof *s);
	if (!s || !(s->ro = reorder_new((size_t)w, 0)) ||
	    (p[P_TOPIC].str && *p[P_TOPIC].str &&
	     !(s->topic = strdup(p[P_TOPIC].str)))) {
		kcat_close(s);
		err_set(e, ERR_INTERNAL, "%s: out of memory", path);
		return NULL;
	}
	s->same_key = (int)p[P_PARTITION_KEY].num == PK_SAME;
	if (!(s->lr = lr_open(path, e))) {
		kcat_close(s);
		return NULL;
	}
	return s;
}

/* An integer field >= lo; on failure the message names the column. */
static int field_int(struct kcat *s, const char *name, const char *text,
		     int64_t lo, int64_t *out, struct err *e)
{
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

/* Reads lines until one message is pushed (1), the end (0) or an error. */
static int kcat_read(struct kcat *s, struct err *e)
{
	char *line, *f[NFIELDS];
	size_t len;
	int rc;
	while ((rc = lr_next(s->lr, &line, &len, e)) == 1) {
		if (len == 0)
			continue;
		size_t nf = lr_split(line, ',', f, NFIELDS);
		if (!s->seen_first) {
			s->seen_first = 1;
			int64_t dummy;
			if (*f[F_TS] && tparse_int64(f[F_TS], &dummy) == TPARSE_SYNTAX) {
				if (nf != NFIELDS)
					return tparse_fail(e, s->lr, "header has %zu "
						"fields, expected 6 (timestamp_ms,topic,"
						"partition,offset,key_len,value_len)", nf);
				continue;
			}
		}
		if (nf != NFIELDS)
			return tparse_fail(e, s->lr, "expected 6 fields (timestamp_ms,"
					   "topic,partition,offset,key_len,value_len), "
					   "got %zu", nf);
		int64_t ts, part, off, klen, vlen;
		if (field_int(s, "timestamp_ms", f[F_TS], INT64_MIN, &ts, e) ||
		    field_int(s, "partition", f[F_PART], 0, &part, e) ||
		    field_int(s, "offset", f[F_OFFSET], 0, &off, e) ||
		    field_int(s, "key_len", f[F_KLEN], -1, &klen, e) ||
		    field_int(s, "value_len", f[F_VLEN], -1, &vlen, e))
			return -1;
		if (ts < 0)
			return tparse_fail(e, s->lr, "timestamp_ms %" PRId64 " is "
					   "negative (the message has no timestamp)", ts);
		/* 2^53 ms is 285,000 years: beyond it a double loses ms */
		if (ts > INT64_C(9007199254740992))
			return tparse_fail(e, s->lr, "timestamp_ms %" PRId64 " is out "
					   "of range", ts);
		if (part > INT64_C(2147483647))
			return tparse_fail(e, s->lr, "partition %" PRId64 " is out "
					   "of range", part);
		struct arrival a = {
			.t = (double)ts, .size = vlen < 0 ? 0 : (double)vlen,
			.keyed = 1,
		};
		if (s->same_key) {
			a.key = (uint64_t)part;
		} else {
			char key[24];
			int kl = snprintf(key, sizeof key, "%" PRId64, part);
			a.key = workload_key_hash(key, (size_t)kl);
		}
		int keep = !s->topic || strcmp(f[F_TOPIC], s->topic) == 0;
		if (reorder_push(s->ro, &a, lr_lineno(s->lr), keep) != 0)
			return tparse_fail(e, s->lr, "timestamp_ms %" PRId64 " is "
					   "earlier than %.0f, already replayed (messages "
					   "must be in timestamp order; sort the file or "
					   "raise sort_window)", ts, reorder_last(s->ro));
		return 1;
	}
	return rc;
}

static int kcat_next(void *state, struct arrival *a, struct err *e)
{
	struct kcat *s = state;
	for (;;) {
		struct reorder_item it;
		if (reorder_pop(s->ro, s->eof, &it)) {
			if (!s->have_origin) {
				s->have_origin = 1;
				s->origin_ms = it.a.t;
			}
			if (!it.keep)
				continue;
			*a = it.a;
			a->t = (it.a.t - s->origin_ms) / 1000.0;
			return 1;
		}
		if (s->eof)
			return 0;
		int rc = kcat_read(s, e);
		if (rc < 0)
			return -1;
		if (rc == 0)
			s->eof = 1;
	}
}

const struct workload workload_kcat = {
	.name = "kcat",
	.help = "replay a Kafka topic captured with kcat -f '%T,%t,%p,%o,%K,%S\\n': "
		"times from the first message, size = value length, key = the "
		"source partition",
	.params = kcat_params,
	.nparams = P_N,
	.open = kcat_open,
	.next = kcat_next,
	.close = kcat_close,
};
