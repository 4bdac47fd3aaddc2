/*
 * kafkarec: see kafkarec.h.
 *
 * Design: one consumer polled one message at a time; each message passes a
 * per-partition gate (reading up to --from TIME, finished by --until or
 * the end), then a reorder buffer (reorder.h, tolerance infinite so that a
 * message later than the window is clamped, never refused), and the rows
 * it releases are printed at once to a line-buffered file. What a row needs
 * beyond struct arrival (the key text for spate-csv; partition, offset and
 * lengths for kcat) lives in a slot pool of window + 1 entries whose slot
 * number travels as the reorder item's `line`; a slot is freed when its row
 * is printed.
 * Invariants: rows leave in non-decreasing timestamp order (reorder.h);
 * the time origin is the first row printed, so no time_s is negative;
 * times are whole ms, printed from integers (no rounding through a double);
 * a partition once finished by --until stays finished (its later messages
 * are skipped, whatever the group does with it).
 * Memory: O(sort_window + partitions) whatever the recording length.
 * The wall clock is read only through opts->now (main.c owns the clock).
 */
#include "kafkarec.h"

#include "err.h"
#include "reorder.h"
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_u64(const char *opt, const char *v, uint64_t *out,
		     struct err *e)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (!*v || *end || *v == '-' || *v == '+' || errno)
		return err_set(e, ERR_INPUT, "%s: expected a non-negative integer, "
			       "got '%s'", opt, v);
	*out = x;
	return 0;
}

static int parse_secs(const char *opt, const char *v, double *out,
		      struct err *e)
{
	char *end;
	double x = strtod(v, &end);
	if (!*v || *end || !isfinite(x) || !(x > 0) || strpbrk(v, "xX"))
		return err_set(e, ERR_INPUT, "%s: expected a number of seconds > 0, "
			       "got '%s'", opt, v);
	*out = x;
	return 0;
}

/* --- TIME -------------------------------------------------------------- */

/* 9999-12-31T23:59:59Z: beyond it ISO 8601 needs a 5-digit year, and an
 * epoch "seconds" value that large is almost surely milliseconds. */
#define KAFKAREC_MAX_EPOCH_S INT64_C(253402300799)

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int n[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return n[m - 1] + (m == 2 && is_leap(y));
}

/* Days from 1970-01-01 to y-m-d (1970 <= y <= 9999): a loop over whole
 * years, run once per option, is plainer than a closed form. */
static int64_t days_since_epoch(int y, int m, int d)
{
	int64_t days = 0;
	for (int yy = 1970; yy < y; yy++)
		days += 365 + is_leap(yy);
	for (int mm = 1; mm < m; mm++)
		days += month_days(y, mm);
	return days + d - 1;
}

/* One of the characters of set at *p (not the NUL), advancing past it: 1,
 * else 0. */
static int take_char(const char **p, const char *set)
{
	if (!**p || !strchr(set, **p))
		return 0;
	(*p)++;
	return 1;
}

/* Exactly n digits at *p, advancing it; -1 when they are not there. */
static int take_digits(const char **p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

/* A fraction of a second after the '.', as ms rounded up (so that
 * "timestamp >= TIME" keeps its meaning on whole ms); -1 without digits. */
static int take_fraction_ms(const char **p)
{
	int ms = 0, n = 0, rest = 0;
	for (; **p >= '0' && **p <= '9'; (*p)++, n++) {
		if (n < 3)
			ms = ms * 10 + (**p - '0');
		else
			rest |= **p != '0';
	}
	if (n == 0)
		return -1;
	for (int i = n; i < 3; i++)
		ms *= 10;
	return ms + rest;
}

int kafkarec_parse_time(const char *opt, const char *v, int64_t *out,
			struct err *e)
{
	const char *forms = "expected a time: epoch seconds (1795341600 or "
			    "1795341600.25) or ISO 8601 with its zone "
			    "(2026-11-22T10:00:00Z)";
	const char *more = opt && !strcmp(opt, "--from") ?
			   ", or beginning or end" : "";
	const char *p = v;
	int64_t ms;
	if (!v || !*v)
		return err_set(e, ERR_INPUT, "%s '': %s%s", opt, forms, more);
	if (strlen(v) >= 5 && v[4] == '-') {   /* ISO 8601 */
		int y = take_digits(&p, 4), mo, d, h, mi, sec, frac = 0;
		if (y < 0 || !take_char(&p, "-") || (mo = take_digits(&p, 2)) < 0 ||
		    !take_char(&p, "-") || (d = take_digits(&p, 2)) < 0 ||
		    !take_char(&p, "Tt ") || (h = take_digits(&p, 2)) < 0 ||
		    !take_char(&p, ":") || (mi = take_digits(&p, 2)) < 0 ||
		    !take_char(&p, ":") || (sec = take_digits(&p, 2)) < 0)
			return err_set(e, ERR_INPUT, "%s '%s': %s%s", opt, v, forms,
				       more);
		if (take_char(&p, ".,")) {
			if ((frac = take_fraction_ms(&p)) < 0)
				return err_set(e, ERR_INPUT, "%s '%s': %s%s", opt, v,
					       forms, more);
		}
		int64_t zone_s = 0;
		if (take_char(&p, "Zz")) {
			/* UTC */
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, zh, zm;
			if ((zh = take_digits(&p, 2)) < 0 || !take_char(&p, ":") ||
			    (zm = take_digits(&p, 2)) < 0 || zh > 23 || zm > 59)
				return err_set(e, ERR_INPUT, "%s '%s': bad time zone "
					       "(Z, or +HH:MM / -HH:MM)", opt, v);
			zone_s = sign * (zh * 3600 + zm * 60);
		} else if (!*p) {
			return err_set(e, ERR_INPUT, "%s '%s': no time zone (end it "
				       "with Z for UTC, or +HH:MM)", opt, v);
		}
		if (*p)
			return err_set(e, ERR_INPUT, "%s '%s': %s%s", opt, v, forms,
				       more);
		if (y < 1970)
			return err_set(e, ERR_INPUT, "%s '%s': must be after "
				       "1970-01-01T00:00:00Z", opt, v);
		if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
			return err_set(e, ERR_INPUT, "%s '%s': no such date", opt, v);
		if (h > 23 || mi > 59 || sec > 59)
			return err_set(e, ERR_INPUT, "%s '%s': no such time of day "
				       "(00:00:00 to 23:59:59)", opt, v);
		ms = ((days_since_epoch(y, mo, d) * 86400 + h * 3600 + mi * 60 +
		       sec) - zone_s) * 1000 + frac;
	} else {                                /* epoch seconds */
		int64_t s = 0;
		int n = 0, frac = 0;
		for (; *p >= '0' && *p <= '9'; p++, n++) {
			if (n >= 15)
				break;
			s = s * 10 + (*p - '0');
		}
		if (n == 0 || n >= 15 || (*p && *p != '.'))
			return err_set(e, ERR_INPUT, "%s '%s': %s%s", opt, v, forms,
				       more);
		if (*p == '.') {
			p++;
			if ((frac = take_fraction_ms(&p)) < 0 || *p)
				return err_set(e, ERR_INPUT, "%s '%s': %s%s", opt, v,
					       forms, more);
		}
		if (s > KAFKAREC_MAX_EPOCH_S)
			return err_set(e, ERR_INPUT, "%s '%s': out of range (epoch "
				       "seconds up to %" PRId64 ", 9999-12-31T23:59:59Z;"
				       " is it in milliseconds?)", opt, v,
				       KAFKAREC_MAX_EPOCH_S);
		ms = s * 1000 + frac;
	}
	if (ms <= 0)
		return err_set(e, ERR_INPUT, "%s '%s': must be after "
			       "1970-01-01T00:00:00Z", opt, v);
	*out = ms;
	return 0;
}

/* --- the command ------------------------------------------------------- */

void kafkarec_usage(FILE *out)
{
	fprintf(out,
		"usage: spate record --brokers HOST:PORT[,...] --topic T --out FILE\n"
		"                    [--from beginning|end|TIME] [--until TIME]\n"
		"                    [--count N] [--until-end] [--duration S]\n"
		"                    [--format spate-csv|kcat] [--group G]\n"
		"                    [--sort-window N] [--set PROP=VALUE ...]\n"
		"  records the topic's messages as a trace, from each partition's\n"
		"  first offset at or after --from TIME (or its beginning; default:\n"
		"  new messages only), until every partition has a message at or\n"
		"  after --until TIME (not written) or is read to its end\n"
		"  (--until-end), --count messages, --duration seconds or Ctrl-C;\n"
		"  TIME: epoch seconds (1795341600.5) or ISO 8601 (2026-11-22T10:00:00Z);\n"
		"  --format spate-csv (default): time_s,topic,key,size_bytes;\n"
		"  --format kcat: timestamp_ms,topic,partition,offset,key_len,value_len;\n"
		"  --from-beginning is --from beginning, --max is --count;\n"
		"  --set passes a librdkafka property (e.g. security.protocol=ssl)\n");
}

static const char *end_text(enum kafkarec_end end)
{
	switch (end) {
	case KAFKAREC_END_COUNT:
		return "the count reached";
	case KAFKAREC_END_DURATION:
		return "the duration reached";
	case KAFKAREC_END_PARTITIONS:
		return "every partition finished";
	case KAFKAREC_END_STOP:
		return "interrupted";
	default:
		return "not ended";
	}
}

int kafkarec_cli(int argc, char **argv, FILE *out, volatile sig_atomic_t *stop,
		 double (*now)(void), struct err *e)
{
	const char **props = calloc((size_t)argc + 1, sizeof *props);
	if (!props)
		return err_set(e, ERR_INTERNAL, "out of memory");
	struct kafkarec_opts o = {
		.sort_window = KAFKAREC_DEFAULT_WINDOW, .props = props,
		.stop = stop, .now = now,
	};
	const char *from_opt = NULL, *count_opt = NULL, *until_opt = NULL;
	int rc = -1;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--from-beginning")) {
			if (from_opt) {
				err_set(e, ERR_INPUT, "record: --from-beginning: the "
					"start is already given by %s "
					"(--from-beginning is --from beginning)", from_opt);
				goto done;
			}
			from_opt = a;
			o.from_beginning = 1;
			continue;
		}
		if (!strcmp(a, "--until-end")) {
			o.until_end = 1;
			continue;
		}
		if (a[0] != '-') {
			err_set(e, ERR_INPUT, "record: unexpected argument '%s'", a);
			goto done;
		}
		if (i + 1 >= argc) {
			err_set(e, ERR_INPUT, "record: %s needs a value", a);
			goto done;
		}
		const char *v = argv[++i];
		uint64_t u;
		if (!strcmp(a, "--brokers")) {
			o.brokers = v;
		} else if (!strcmp(a, "--topic")) {
			o.topic = v;
		} else if (!strcmp(a, "--group")) {
			o.group = v;
		} else if (!strcmp(a, "--out")) {
			o.out_path = v;
		} else if (!strcmp(a, "--from")) {
			if (from_opt) {
				err_set(e, ERR_INPUT, "record: --from '%s': the start is "
					"already given by %s", v, from_opt);
				goto done;
			}
			from_opt = a;
			if (!strcmp(v, "beginning"))
				o.from_beginning = 1;
			else if (strcmp(v, "end") != 0 &&
				 kafkarec_parse_time(a, v, &o.from_ms, e) != 0)
				goto done;
		} else if (!strcmp(a, "--until")) {
			if (until_opt) {
				err_set(e, ERR_INPUT, "record: --until '%s': given twice",
					v);
				goto done;
			}
			until_opt = a;
			if (kafkarec_parse_time(a, v, &o.until_ms, e) != 0)
				goto done;
		} else if (!strcmp(a, "--duration")) {
			if (parse_secs(a, v, &o.duration_s, e) != 0)
				goto done;
		} else if (!strcmp(a, "--max") || !strcmp(a, "--count")) {
			if (count_opt) {
				err_set(e, ERR_INPUT, "record: %s '%s': the count is "
					"already given by %s (--max is --count)", a, v,
					count_opt);
				goto done;
			}
			count_opt = a;
			if (parse_u64(a, v, &o.max, e) != 0)
				goto done;
			if (!o.max) {
				err_set(e, ERR_INPUT, "%s: must be >= 1, got '%s'", a, v);
				goto done;
			}
		} else if (!strcmp(a, "--format")) {
			if (!strcmp(v, "spate-csv")) {
				o.format = KAFKAREC_SPATE_CSV;
			} else if (!strcmp(v, "kcat")) {
				o.format = KAFKAREC_KCAT;
			} else {
				err_set(e, ERR_INPUT, "--format: expected spate-csv or "
					"kcat, got '%s'", v);
				goto done;
			}
		} else if (!strcmp(a, "--sort-window")) {
			if (parse_u64(a, v, &u, e) != 0)
				goto done;
			if (u > KAFKAREC_MAX_WINDOW) {
				err_set(e, ERR_INPUT, "--sort-window: at most %d, got "
					"%" PRIu64, KAFKAREC_MAX_WINDOW, u);
				goto done;
			}
			o.sort_window = (long)u;
		} else if (!strcmp(a, "--set")) {
			props[o.nprops++] = v;
		} else {
			err_set(e, ERR_INPUT, "record: unknown option '%s'", a);
			goto done;
		}
	}
	struct kafkarec_result r = { .origin_ms = -1 };
	if (kafkarec_run(&o, &r, e) != 0)
		goto done;
	fprintf(out, "recorded %" PRIu64 " messages of %s to %s (%s)", r.messages,
		o.topic, o.out_path, o.format == KAFKAREC_KCAT ? "kcat" : "spate-csv");
	if (r.late)
		fprintf(out, "; %" PRIu64 " later than the sort window, written at "
			"the previous row's time (raise --sort-window)", r.late);
	if (r.no_timestamp)
		fprintf(out, "; %" PRIu64 " without a timestamp, written at the "
			"previous row's time", r.no_timestamp);
	if (r.skipped)
		fprintf(out, "; %" PRIu64 " read but not written (before --from or "
			"at/after --until)", r.skipped);
	fprintf(out, "; ended: %s\n", end_text(r.end));
	rc = 0;
done:
	free(props);
	return rc;
}

/* Checks the options every build can check. */
static int check_opts(const struct kafkarec_opts *o, struct err *e)
{
	if (!o->brokers || !*o->brokers)
		return err_set(e, ERR_INPUT, "record: missing --brokers HOST:PORT");
	if (!o->topic || !*o->topic)
		return err_set(e, ERR_INPUT, "record: missing --topic T");
	if (!o->out_path || !*o->out_path)
		return err_set(e, ERR_INPUT, "record: missing --out FILE");
	size_t n = strlen(o->topic);
	if (n > 249 || strspn(o->topic, "abcdefghijklmnopqrstuvwxyz"
			      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
		return err_set(e, ERR_INPUT, "--topic '%.80s': a Kafka topic name is "
			       "1-249 characters of [a-zA-Z0-9._-]", o->topic);
	if (o->sort_window < 0 || o->sort_window > KAFKAREC_MAX_WINDOW)
		return err_set(e, ERR_INPUT, "sort window %ld: must be in [0, %d]",
			       o->sort_window, KAFKAREC_MAX_WINDOW);
	if (o->duration_s < 0 || !isfinite(o->duration_s) ||
	    (o->duration_s > 0 && !o->now))
		return err_set(e, ERR_INPUT, "duration %g s: must be >= 0 (and "
			       "needs a clock)", o->duration_s);
	if (o->format != KAFKAREC_SPATE_CSV && o->format != KAFKAREC_KCAT)
		return err_set(e, ERR_INPUT, "record: unknown format %d",
			       (int)o->format);
	if (o->from_ms < 0 || o->until_ms < 0)
		return err_set(e, ERR_INPUT, "record: --from/--until %" PRId64 "/%"
			       PRId64 " ms: must be >= 0 (0: not set)", o->from_ms,
			       o->until_ms);
	if (o->from_ms > 0 && o->until_ms > 0 && o->until_ms <= o->from_ms)
		return err_set(e, ERR_INPUT, "--until (%" PRId64 ".%03d s since the "
			       "epoch) must be later than --from (%" PRId64 ".%03d s)",
			       o->until_ms / 1000, (int)(o->until_ms % 1000),
			       o->from_ms / 1000, (int)(o->from_ms % 1000));
	for (int i = 0; i < o->nprops; i++) {
		const char *eq = strchr(o->props[i], '=');
		if (!eq || eq == o->props[i])
			return err_set(e, ERR_INPUT, "--set '%s': expected "
				       "PROPERTY=VALUE", o->props[i]);
	}
	return 0;
}

#ifndef SPATE_KAFKA

#define NO_KAFKA "spate was built without librdkafka: install librdkafka-dev " \
		 "(make deps) and rebuild"

int kafkarec_available(void)
{
	return 0;
}

int kafkarec_run(const struct kafkarec_opts *o, struct kafkarec_result *res,
		 struct err *e)
{
	if (check_opts(o, e) != 0)
		return -1;
	return err_set(e, ERR_INPUT, "record: " NO_KAFKA);
}

struct kafkarec_mock *kafkarec_mock_new(int brokers, const char *topic,
					int partitions, struct err *e)
{
	err_set(e, ERR_INTERNAL, "mock cluster: " NO_KAFKA);
	return NULL;
}

const char *kafkarec_mock_brokers(const struct kafkarec_mock *m)
{
	return "";
}

int kafkarec_mock_produce(struct kafkarec_mock *m, int partition,
			  int64_t timestamp_ms, const char *key, size_t keylen,
			  long value_len, struct err *e)
{
	return err_set(e, ERR_INTERNAL, "mock cluster: " NO_KAFKA);
}

int kafkarec_mock_flush(struct kafkarec_mock *m, struct err *e)
{
	return err_set(e, ERR_INTERNAL, "mock cluster: " NO_KAFKA);
}

void kafkarec_mock_free(struct kafkarec_mock *m)
{
}

#else /* SPATE_KAFKA */

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/* Metadata wait at start: long enough for a remote broker, short enough to
 * say "unreachable" before a user gives up. */
#define KAFKAREC_CONNECT_MS 10000
#define KAFKAREC_POLL_MS 100

int kafkarec_available(void)
{
	return 1;
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac,
		   const char *buf)
{
	if (level <= 4)    /* syslog warning and worse */
		fprintf(stderr, "spate record: kafka: %s: %s\n", fac, buf);
}

static void quiet_log_cb(const rd_kafka_t *rk, int level, const char *fac,
			 const char *buf)
{
	if (level <= 3)
		fprintf(stderr, "spate mock kafka: %s: %s\n", fac, buf);
}

static int conf_set(rd_kafka_conf_t *c, const char *name, const char *val,
		    struct err *e)
{
	char msg[512];
	if (rd_kafka_conf_set(c, name, val, msg, sizeof msg) != RD_KAFKA_CONF_OK)
		return err_set(e, ERR_INPUT, "kafka property %s=%s: %s", name, val,
			       msg);
	return 0;
}

/* --- the recorder ------------------------------------------------------ */

/* Per partition: where it stands against --from and --until. */
enum part_gate {
	GATE_RECORD = 0,      /* messages are recorded */
	GATE_SCAN,            /* read from the start, skipping up to the first
				 message at or after from_ms */
	GATE_DONE,            /* finished by until_ms: skip everything */
};

struct part_state {
	unsigned char gate;   /* enum part_gate */
	unsigned char at_end; /* read to its end (--until-end); a message
				 clears it */
};

/* What a row needs beyond struct arrival, held while it is reordered. */
struct slot {
	char *key;            /* spate-csv: encoded key, NULL = keyless */
	int64_t offset;       /* kcat: */
	int64_t klen, vlen;   /* -1: null */
	int32_t part;
};

struct rec {
	const struct kafkarec_opts *o;
	struct kafkarec_result *res;
	FILE *f;
	struct reorder *ro;
	struct slot *slots;   /* [window + 1] */
	long *free_slots;     /* stack of unused slot numbers */
	long nfree;
	struct part_state *parts;   /* [nparts], of the topic at start */
	int nparts;
	uint64_t taken;       /* messages through the gate (rows to be) */
	int have_seen;
	double max_seen_ms;
	struct err cb_err;    /* set inside the rebalance callback */
};

/* The key as written (kafkarec.h), malloc'ed; NULL for a null key (also
 * NULL with *oom set when out of memory). */
static char *encode_key(const void *key, size_t len, int *oom)
{
	const unsigned char *k = key;
	*oom = 0;
	if (!key)
		return NULL;
	int plain = len > 0 && !(len >= 4 && memcmp(k, "hex:", 4) == 0);
	for (size_t i = 0; plain && i < len; i++)
		plain = k[i] >= 0x20 && k[i] <= 0x7e && k[i] != ',';
	char *s = malloc(plain ? len + 1 : 4 + 2 * len + 1);
	if (!s) {
		*oom = 1;
		return NULL;
	}
	if (plain) {
		memcpy(s, k, len);
		s[len] = '\0';
		return s;
	}
	memcpy(s, "hex:", 4);
	for (size_t i = 0; i < len; i++)
		snprintf(s + 4 + 2 * i, 3, "%02x", k[i]);
	s[4 + 2 * len] = '\0';
	return s;
}

static int write_row(struct rec *r, const struct reorder_item *it, struct err *e)
{
	int64_t ms = (int64_t)it->a.t;
	if (r->res->origin_ms < 0)
		r->res->origin_ms = ms;
	struct slot *sl = &r->slots[it->line];
	if (r->o->format == KAFKAREC_KCAT) {
		fprintf(r->f, "%" PRId64 ",%s,%" PRId32 ",%" PRId64 ",%" PRId64 ",%"
			PRId64 "\n", ms, r->o->topic, sl->part, sl->offset, sl->klen,
			sl->vlen);
	} else {
		int64_t d = ms - r->res->origin_ms;   /* >= 0: rows leave in order */
		fprintf(r->f, "%" PRId64 ".%03d,%s,%s,%.0f\n", d / 1000,
			(int)(d % 1000), r->o->topic, sl->key ? sl->key : "",
			it->a.size);
	}
	free(sl->key);
	sl->key = NULL;
	r->free_slots[r->nfree++] = it->line;
	r->res->messages++;
	if (ferror(r->f))
		return err_set(e, ERR_INTERNAL, "%s: write failed: %s",
			       r->o->out_path, strerror(errno));
	return 0;
}

static int drain(struct rec *r, int flush, struct err *e)
{
	struct reorder_item it;
	while (reorder_pop(r->ro, flush, &it))
		if (write_row(r, &it, e) != 0)
			return -1;
	return 0;
}

static int take_message(struct rec *r, const rd_kafka_message_t *m,
			int64_t ts, struct err *e)
{
	double t;
	if (ts < 0) {
		if (!r->have_seen)
			return err_set(e, ERR_INPUT, "topic %s partition %" PRId32
				       " offset %" PRId64 ": the first message has "
				       "no timestamp (a broker older than Kafka "
				       "0.10?)", r->o->topic, m->partition,
				       m->offset);
		r->res->no_timestamp++;
		t = r->max_seen_ms;
	} else {
		t = (double)ts;
		if (!r->have_seen || t > r->max_seen_ms)
			r->max_seen_ms = t;
		r->have_seen = 1;
		double last = reorder_last(r->ro);
		if (!isnan(last) && t < last)
			r->res->late++;
	}
	char *key = NULL;
	if (r->o->format == KAFKAREC_SPATE_CSV) {
		int oom;
		key = encode_key(m->key, m->key_len, &oom);
		if (oom)
			return err_set(e, ERR_INTERNAL, "out of memory");
	}
	struct arrival a = { .t = t, .size = m->payload ? (double)m->len : 0,
			     .keyed = key != NULL };
	long slot = r->free_slots[--r->nfree];
	r->slots[slot] = (struct slot){
		.key = key, .offset = m->offset, .part = m->partition,
		.klen = m->key ? (int64_t)m->key_len : -1,
		.vlen = m->payload ? (int64_t)m->len : -1,
	};
	if (reorder_push(r->ro, &a, slot, 1) != 0)
		return err_set(e, ERR_INTERNAL, "reorder buffer overflow");
	return drain(r, 0, e);
}

/* Where --from from_ms starts the partitions of l (all of our topic, with
 * no usable committed offset): each elem's offset becomes the first offset
 * whose timestamp is >= from_ms, or the end where there is none; a broker
 * that cannot look up by time is caught (kafkarec.h) and its partitions are
 * read from their start with GATE_SCAN. Blocks up to KAFKAREC_CONNECT_MS
 * per request. 0, or -1 and e. */
static int place_from_time(struct rec *r, rd_kafka_t *rk,
			   rd_kafka_topic_partition_list_t *l, struct err *e)
{
	const struct kafkarec_opts *o = r->o;
	rd_kafka_topic_partition_list_t *q = rd_kafka_topic_partition_list_copy(l);
	rd_kafka_topic_partition_list_t *zero = rd_kafka_topic_partition_list_new(
		l->cnt > 0 ? l->cnt : 1);
	int64_t *lo = calloc((size_t)l->cnt + 1, sizeof *lo);
	int rc = -1;
	if (!q || !zero || !lo) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	for (int i = 0; i < q->cnt; i++)
		q->elems[i].offset = o->from_ms;
	rd_kafka_resp_err_t err = q->cnt ? rd_kafka_offsets_for_times(
		rk, q, KAFKAREC_CONNECT_MS) : RD_KAFKA_RESP_ERR_NO_ERROR;
	if (err) {
		err_set(e, ERR_INPUT, "topic %s: cannot look up the offsets at --from "
			"%" PRId64 ".%03d s: %s", o->topic, o->from_ms / 1000,
			(int)(o->from_ms % 1000), rd_kafka_err2str(err));
		goto out;
	}
	for (int i = 0; i < q->cnt; i++) {
		rd_kafka_topic_partition_t *x = &q->elems[i];
		int32_t p = x->partition;
		if (x->err) {
			err_set(e, ERR_INPUT, "topic %s partition %" PRId32 ": cannot "
				"look up the offset at --from: %s", o->topic, p,
				rd_kafka_err2str(x->err));
			goto out;
		}
		l->elems[i].offset = x->offset;
		if (p >= 0 && p < r->nparts && r->parts[p].gate != GATE_DONE)
			r->parts[p].gate = GATE_RECORD;
		if (x->offset >= 0)
			continue;
		/* none at or after from_ms, says the broker; believe it when the
		 * partition is empty or the broker does find time 0 in it */
		int64_t hi = 0;
		err = rd_kafka_query_watermark_offsets(rk, o->topic, p, &lo[i], &hi,
						       KAFKAREC_CONNECT_MS);
		if (err) {
			err_set(e, ERR_INPUT, "topic %s partition %" PRId32 ": cannot "
				"get its offsets: %s", o->topic, p,
				rd_kafka_err2str(err));
			goto out;
		}
		l->elems[i].offset = hi;
		if (hi > lo[i])
			rd_kafka_topic_partition_list_add(zero, o->topic, p)->offset = 0;
	}
	err = zero->cnt ? rd_kafka_offsets_for_times(rk, zero, KAFKAREC_CONNECT_MS)
			: RD_KAFKA_RESP_ERR_NO_ERROR;
	if (err) {
		err_set(e, ERR_INPUT, "topic %s: cannot look up offsets by time: %s",
			o->topic, rd_kafka_err2str(err));
		goto out;
	}
	for (int j = 0; j < zero->cnt; j++) {
		const rd_kafka_topic_partition_t *z = &zero->elems[j];
		if (z->err == RD_KAFKA_RESP_ERR_NO_ERROR && z->offset >= 0)
			continue;   /* a real lookup: the end it is */
		for (int i = 0; i < l->cnt; i++) {
			rd_kafka_topic_partition_t *x = &l->elems[i];
			if (x->partition != z->partition)
				continue;
			x->offset = lo[i];
			if (x->partition >= 0 && x->partition < r->nparts &&
			    r->parts[x->partition].gate != GATE_DONE)
				r->parts[x->partition].gate = GATE_SCAN;
		}
	}
	rc = 0;
out:
	if (q)
		rd_kafka_topic_partition_list_destroy(q);
	if (zero)
		rd_kafka_topic_partition_list_destroy(zero);
	free(lo);
	return rc;
}

/* With --group and --from TIME: G's committed offsets win; the partitions
 * without one start at TIME. Runs inside rd_kafka_consumer_poll, so an
 * error is kept in r->cb_err for the loop to raise. */
static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t why,
			 rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct rec *r = opaque;
	int coop = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
	rd_kafka_error_t *x = NULL;
	if (why != RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		if (coop)
			x = rd_kafka_incremental_unassign(rk, parts);
		else
			rd_kafka_assign(rk, NULL);
		if (x)
			rd_kafka_error_destroy(x);
		return;
	}
	rd_kafka_topic_partition_list_t *need = rd_kafka_topic_partition_list_new(
		parts->cnt > 0 ? parts->cnt : 1);
	rd_kafka_resp_err_t err = rd_kafka_committed(rk, parts,
						     KAFKAREC_CONNECT_MS);
	if (err && !r->cb_err.code)
		err_set(&r->cb_err, ERR_INPUT, "group %s: cannot read its committed "
			"offsets: %s", r->o->group, rd_kafka_err2str(err));
	for (int i = 0; need && !err && i < parts->cnt; i++) {
		rd_kafka_topic_partition_t *t = &parts->elems[i];
		if (t->offset < 0 && !strcmp(t->topic, r->o->topic))
			rd_kafka_topic_partition_list_add(need, t->topic, t->partition);
		else if (t->partition >= 0 && t->partition < r->nparts &&
			 r->parts[t->partition].gate != GATE_DONE)
			r->parts[t->partition].gate = GATE_RECORD;
	}
	if (!need) {
		err_set(&r->cb_err, ERR_INTERNAL, "out of memory");
	} else if (!err && need->cnt &&
		   place_from_time(r, rk, need, &r->cb_err) == 0) {
		for (int i = 0; i < need->cnt; i++) {
			rd_kafka_topic_partition_t *t = rd_kafka_topic_partition_list_find(
				parts, need->elems[i].topic, need->elems[i].partition);
			if (t)
				t->offset = need->elems[i].offset;
		}
	}
	if (need)
		rd_kafka_topic_partition_list_destroy(need);
	if (coop)
		x = rd_kafka_incremental_assign(rk, parts);
	else
		err = rd_kafka_assign(rk, parts);
	if (x) {
		err_set(&r->cb_err, ERR_INPUT, "group %s: cannot take its "
			"partitions: %s", r->o->group, rd_kafka_error_string(x));
		rd_kafka_error_destroy(x);
	} else if (!coop && err) {
		err_set(&r->cb_err, ERR_INPUT, "group %s: cannot take its "
			"partitions: %s", r->o->group, rd_kafka_err2str(err));
	}
}

/* Connects, checks that the topic exists, sizes r->parts, subscribes or
 * assigns. */
static rd_kafka_t *open_consumer(struct rec *r, struct err *e)
{
	const struct kafkarec_opts *o = r->o;
	char msg[512];
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	if (!c) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	rd_kafka_conf_set_log_cb(c, log_cb);
	if (o->group && o->from_ms > 0) {
		rd_kafka_conf_set_opaque(c, r);
		rd_kafka_conf_set_rebalance_cb(c, rebalance_cb);
	}
	if (conf_set(c, "bootstrap.servers", o->brokers, e) ||
	    conf_set(c, "client.id", "spate-record", e) ||
	    /* librdkafka wants a group id even for assign(); without --group
	     * it is never joined and nothing is committed under it */
	    conf_set(c, "group.id", o->group ? o->group : "spate-record", e) ||
	    conf_set(c, "enable.auto.commit", o->group ? "true" : "false", e) ||
	    conf_set(c, "enable.partition.eof", o->until_end ? "true" : "false",
		     e) ||
	    conf_set(c, "auto.offset.reset", o->from_beginning && !o->from_ms
		     ? "earliest" : "latest", e)) {
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	for (int i = 0; i < o->nprops; i++) {
		char name[256];
		const char *eq = strchr(o->props[i], '=');
		snprintf(name, sizeof name, "%.*s", (int)(eq - o->props[i]),
			 o->props[i]);
		if (conf_set(c, name, eq + 1, e) != 0) {
			rd_kafka_conf_destroy(c);
			return NULL;
		}
	}
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, msg, sizeof msg);
	if (!rk) {
		rd_kafka_conf_destroy(c);
		err_set(e, ERR_INPUT, "kafka consumer: %s", msg);
		return NULL;
	}
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, NULL, &md,
						    KAFKAREC_CONNECT_MS);
	if (err) {
		err_set(e, ERR_INPUT, "brokers %s: cannot get the cluster's "
			"metadata within %d s: %s", o->brokers,
			KAFKAREC_CONNECT_MS / 1000, rd_kafka_err2str(err));
		rd_kafka_destroy(rk);
		return NULL;
	}
	int found = 0, nparts = 0;
	char list[400] = "";
	size_t len = 0;
	for (int i = 0; i < md->topic_cnt; i++) {
		const char *name = md->topics[i].topic;
		if (!strcmp(name, o->topic) && !md->topics[i].err) {
			found = 1;
			nparts = md->topics[i].partition_cnt;
		}
		if (name[0] != '_' && len + strlen(name) + 8 < sizeof list)
			len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
						len ? ", " : "", name);
	}
	rd_kafka_metadata_destroy(md);
	if (!found) {
		err_set(e, ERR_INPUT, "topic '%s' does not exist on %s (topics: %s)",
			o->topic, o->brokers, len ? list : "none");
		rd_kafka_destroy(rk);
		return NULL;
	}
	if (!(r->parts = calloc(nparts > 0 ? (size_t)nparts : 1,
				sizeof *r->parts))) {
		err_set(e, ERR_INTERNAL, "out of memory");
		rd_kafka_destroy(rk);
		return NULL;
	}
	r->nparts = nparts;
	rd_kafka_poll_set_consumer(rk);
	/* with a group: subscribe (partitions follow the group's rebalances);
	 * without: assign every partition directly, no group protocol at all */
	rd_kafka_topic_partition_list_t *sub =
		rd_kafka_topic_partition_list_new(o->group ? 1 : nparts);
	const char *what = o->group ? "subscribe" : "assign its partitions";
	if (o->group) {
		rd_kafka_topic_partition_list_add(sub, o->topic, RD_KAFKA_PARTITION_UA);
		err = rd_kafka_subscribe(rk, sub);
	} else {
		for (int p = 0; p < nparts; p++)
			rd_kafka_topic_partition_list_add(sub, o->topic, p)->offset =
				o->from_beginning ? RD_KAFKA_OFFSET_BEGINNING
						  : RD_KAFKA_OFFSET_END;
		if (o->from_ms > 0 && place_from_time(r, rk, sub, e) != 0) {
			rd_kafka_topic_partition_list_destroy(sub);
			rd_kafka_destroy(rk);
			return NULL;
		}
		err = rd_kafka_assign(rk, sub);
	}
	rd_kafka_topic_partition_list_destroy(sub);
	if (err) {
		err_set(e, ERR_INPUT, "topic %s: cannot %s: %s", o->topic, what,
			rd_kafka_err2str(err));
		rd_kafka_consumer_close(rk);
		rd_kafka_destroy(rk);
		return NULL;
	}
	return rk;
}

/* Whether every partition of ours is finished (kafkarec.h): by --until, or
 * read to its end with --until-end. Ours: all of them without a group,
 * else the group's current assignment (none: not finished). */
static int all_finished(struct rec *r, rd_kafka_t *rk)
{
	const struct kafkarec_opts *o = r->o;
	int n = 0, fin = 0;
	rd_kafka_topic_partition_list_t *l = NULL;
	if (o->group) {
		if (rd_kafka_assignment(rk, &l) != RD_KAFKA_RESP_ERR_NO_ERROR || !l)
			return 0;
	}
	int cnt = o->group ? l->cnt : r->nparts;
	for (int i = 0; i < cnt; i++) {
		int32_t p = i;
		if (o->group) {
			if (strcmp(l->elems[i].topic, o->topic) != 0)
				continue;
			p = l->elems[i].partition;
		}
		n++;
		if (p < 0 || p >= r->nparts)
			continue;   /* added since we started: not tracked */
		const struct part_state *ps = &r->parts[p];
		fin += ps->gate == GATE_DONE ||
		       (o->until_end && ps->at_end && ps->gate == GATE_RECORD);
	}
	if (l)
		rd_kafka_topic_partition_list_destroy(l);
	return n > 0 && fin == n;
}

static void pause_partition(rd_kafka_t *rk, const char *topic, int32_t p)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	if (!l)
		return;   /* not pausing only costs fetches: its rows are skipped */
	rd_kafka_topic_partition_list_add(l, topic, p);
	rd_kafka_pause_partitions(rk, l);
	rd_kafka_topic_partition_list_destroy(l);
}

/* One message through its partition's gate: 1 when it is to be recorded,
 * 0 when skipped; may finish the partition (*changed set). */
static int gate(struct rec *r, rd_kafka_t *rk, const rd_kafka_message_t *m,
		int64_t ts, int *changed)
{
	const struct kafkarec_opts *o = r->o;
	int32_t p = m->partition;
	struct part_state *ps = p >= 0 && p < r->nparts ? &r->parts[p] : NULL;
	if (ps && ps->at_end) {
		ps->at_end = 0;
		*changed = 1;
	}
	if (ps && ps->gate == GATE_DONE) {
		r->res->skipped++;
		return 0;
	}
	if (ps && ps->gate == GATE_SCAN) {
		if (ts < o->from_ms) {   /* also no timestamp (-1) */
			r->res->skipped++;
			return 0;
		}
		ps->gate = GATE_RECORD;
	}
	if (o->until_ms > 0 && ts >= o->until_ms) {
		r->res->skipped++;
		if (ps) {
			ps->gate = GATE_DONE;
			*changed = 1;
			pause_partition(rk, o->topic, p);
		}
		return 0;
	}
	return 1;
}

static int consume(struct rec *r, rd_kafka_t *rk, struct err *e)
{
	const struct kafkarec_opts *o = r->o;
	double t_end = o->duration_s > 0 ? o->now() + o->duration_s : INFINITY;
	for (;;) {
		if (o->stop && *o->stop) {
			r->res->end = KAFKAREC_END_STOP;
			break;
		}
		if (o->max && r->taken >= o->max) {
			r->res->end = KAFKAREC_END_COUNT;
			break;
		}
		if (o->duration_s > 0 && o->now() >= t_end) {
			r->res->end = KAFKAREC_END_DURATION;
			break;
		}
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, KAFKAREC_POLL_MS);
		if (r->cb_err.code) {
			if (m)
				rd_kafka_message_destroy(m);
			*e = r->cb_err;
			return -1;
		}
		if (!m)
			continue;
		int rc = 0, changed = 0;
		int32_t p = m->partition;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			struct part_state *ps = p >= 0 && p < r->nparts ?
						&r->parts[p] : NULL;
			/* a scan that reaches the end found nothing at or
			 * after from_ms: the end is the start, as a broker's
			 * lookup would have said */
			if (ps && ps->gate == GATE_SCAN)
				ps->gate = GATE_RECORD;
			if (ps && !ps->at_end) {
				ps->at_end = 1;
				changed = 1;
			}
		} else if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
			   m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
			   m->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED ||
			   m->err == RD_KAFKA_RESP_ERR__FATAL) {
			rc = err_set(e, ERR_INPUT, "topic %s: %s", o->topic,
				     rd_kafka_message_errstr(m));
		} else if (m->err) {
			fprintf(stderr, "spate record: kafka: %s\n",
				rd_kafka_message_errstr(m));
		} else {
			rd_kafka_timestamp_type_t tt;
			int64_t ts = rd_kafka_message_timestamp(m, &tt);
			if (tt == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE)
				ts = -1;
			if (gate(r, rk, m, ts, &changed)) {
				rc = take_message(r, m, ts, e);
				r->taken++;
			}
		}
		rd_kafka_message_destroy(m);
		if (rc != 0)
			return -1;
		if (changed && (o->until_end || o->until_ms > 0) &&
		    all_finished(r, rk)) {
			r->res->end = KAFKAREC_END_PARTITIONS;
			break;
		}
	}
	return drain(r, 1, e);
}

int kafkarec_run(const struct kafkarec_opts *o, struct kafkarec_result *res,
		 struct err *e)
{
	struct kafkarec_result local;
	if (!res)
		res = &local;
	*res = (struct kafkarec_result){ .origin_ms = -1 };
	if (check_opts(o, e) != 0)
		return -1;
	struct rec r = { .o = o, .res = res };
	size_t nslots = (size_t)o->sort_window + 1;
	r.ro = reorder_new((size_t)o->sort_window, INFINITY);
	r.slots = calloc(nslots, sizeof *r.slots);
	r.free_slots = malloc(nslots * sizeof *r.free_slots);
	rd_kafka_t *rk = NULL;
	int rc = -1, fd = -1;
	if (!r.ro || !r.slots || !r.free_slots) {
		err_set(e, ERR_INTERNAL, "out of memory (sort window %ld)",
			o->sort_window);
		goto out;
	}
	for (long i = 0; i < (long)nslots; i++)
		r.free_slots[r.nfree++] = (long)nslots - 1 - i;
	/* connect first: a broker or topic error leaves no empty file behind
	 * (O_EXCL below still guards against a file appearing meanwhile) */
	if (access(o->out_path, F_OK) == 0) {
		err_set(e, ERR_INPUT, "%s: cannot create (it exists: recordings "
			"are not overwritten)", o->out_path);
		goto out;
	}
	if (!(rk = open_consumer(&r, e)))
		goto out;
	fd = open(o->out_path, O_WRONLY | O_CREAT | O_EXCL, 0666);
	if (fd < 0 || !(r.f = fdopen(fd, "w"))) {
		err_set(e, ERR_INPUT, "%s: cannot create%s: %s", o->out_path,
			errno == EEXIST ? " (it exists: recordings are not "
			"overwritten)" : "", strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	/* line buffered: a killed recorder loses no row it printed */
	setvbuf(r.f, NULL, _IOLBF, BUFSIZ);
	fprintf(r.f, "%s\n", o->format == KAFKAREC_KCAT
		? "timestamp_ms,topic,partition,offset,key_len,value_len"
		: "time_s,topic,key,size_bytes");
	rc = consume(&r, rk, e);
out:
	if (rk) {
		rd_kafka_consumer_close(rk);
		rd_kafka_destroy(rk);
	}
	if (r.f && fclose(r.f) != 0 && rc == 0)
		rc = err_set(e, ERR_INTERNAL, "%s: write failed: %s", o->out_path,
			     strerror(errno));
	for (size_t i = 0; r.slots && i < nslots; i++)
		free(r.slots[i].key);
	free(r.slots);
	free(r.free_slots);
	free(r.parts);
	reorder_free(r.ro);
	return rc;
}

/* --- mock cluster for tests -------------------------------------------- */

struct kafkarec_mock {
	rd_kafka_t *host;               /* owns the mock cluster */
	rd_kafka_mock_cluster_t *mc;
	rd_kafka_t *prod;
	char *topic;
	char *brokers;
	long failed;                    /* deliveries that failed */
	char first_failure[256];
};

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
	struct kafkarec_mock *m = opaque;
	if (msg->err && m->failed++ == 0)
		snprintf(m->first_failure, sizeof m->first_failure, "%s",
			 rd_kafka_err2str(msg->err));
}

void kafkarec_mock_free(struct kafkarec_mock *m)
{
	if (!m)
		return;
	if (m->prod)
		rd_kafka_destroy(m->prod);
	if (m->mc)
		rd_kafka_mock_cluster_destroy(m->mc);
	if (m->host)
		rd_kafka_destroy(m->host);
	free(m->topic);
	free(m->brokers);
	free(m);
}

static rd_kafka_t *new_producer(const char *brokers, struct kafkarec_mock *m,
				struct err *e)
{
	char msg[512];
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	if (!c) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	rd_kafka_conf_set_log_cb(c, quiet_log_cb);
	if (brokers) {
		rd_kafka_conf_set_opaque(c, m);
		rd_kafka_conf_set_dr_msg_cb(c, dr_cb);
	}
	if ((brokers && conf_set(c, "bootstrap.servers", brokers, e)) ||
	    conf_set(c, "linger.ms", "0", e)) {
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, msg, sizeof msg);
	if (!rk) {
		rd_kafka_conf_destroy(c);
		err_set(e, ERR_INTERNAL, "kafka producer: %s", msg);
	}
	return rk;
}

struct kafkarec_mock *kafkarec_mock_new(int brokers, const char *topic,
					int partitions, struct err *e)
{
	struct kafkarec_mock *m = calloc(1, sizeof *m);
	if (!m || !(m->topic = strdup(topic))) {
		free(m);
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	if (!(m->host = new_producer(NULL, m, e)))
		goto fail;
	if (!(m->mc = rd_kafka_mock_cluster_new(m->host, brokers))) {
		err_set(e, ERR_INTERNAL, "cannot start a mock cluster");
		goto fail;
	}
	rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(m->mc, topic,
							     partitions, 1);
	if (err) {
		err_set(e, ERR_INTERNAL, "mock topic %s: %s", topic,
			rd_kafka_err2str(err));
		goto fail;
	}
	if (!(m->brokers = strdup(rd_kafka_mock_cluster_bootstraps(m->mc)))) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto fail;
	}
	if (!(m->prod = new_producer(m->brokers, m, e)))
		goto fail;
	return m;
fail:
	kafkarec_mock_free(m);
	return NULL;
}

const char *kafkarec_mock_brokers(const struct kafkarec_mock *m)
{
	return m->brokers;
}

int kafkarec_mock_produce(struct kafkarec_mock *m, int partition,
			  int64_t timestamp_ms, const char *key, size_t keylen,
			  long value_len, struct err *e)
{
	void *value = NULL;
	if (value_len >= 0 && !(value = calloc(1, (size_t)value_len + 1)))
		return err_set(e, ERR_INTERNAL, "out of memory");
	if (value)
		memset(value, 'v', (size_t)value_len);
	rd_kafka_resp_err_t err = rd_kafka_producev(
		m->prod, RD_KAFKA_V_TOPIC(m->topic), RD_KAFKA_V_PARTITION(partition),
		RD_KAFKA_V_KEY(key, key ? keylen : 0),
		RD_KAFKA_V_VALUE(value, value ? (size_t)value_len : 0),
		RD_KAFKA_V_TIMESTAMP(timestamp_ms),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
	free(value);
	if (err)
		return err_set(e, ERR_INTERNAL, "mock produce: %s",
			       rd_kafka_err2str(err));
	rd_kafka_poll(m->prod, 0);
	return 0;
}

int kafkarec_mock_flush(struct kafkarec_mock *m, struct err *e)
{
	rd_kafka_resp_err_t err = rd_kafka_flush(m->prod, 10000);
	if (err)
		return err_set(e, ERR_INTERNAL, "mock flush: %s",
			       rd_kafka_err2str(err));
	if (m->failed)
		return err_set(e, ERR_INTERNAL, "mock produce: %ld deliveries "
			       "failed, the first: %s", m->failed, m->first_failure);
	return 0;
}

#endif /* SPATE_KAFKA */
