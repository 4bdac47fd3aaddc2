/*
 * spate-csv: replays spate's own trace format, one message per row:
 *
 *     time_s,topic,key,size_bytes
 *
 * time_s is seconds from the trace start (non-decreasing down the file),
 * topic names the Kafka topic (a file may hold several; the `topic` param
 * picks one), an empty key means keyless, size_bytes is a non-negative
 * number. Fields are plain text split at commas, without quoting, so keys
 * cannot contain commas. A first line whose first field is not a number is
 * a header and is skipped; empty lines are skipped everywhere.
 * Parsing is strict on purpose: a trace that silently loses or reorders rows
 * would bias every result built on it, so any doubt is an error naming
 * PATH:LINE, the field and its text. Time order is checked over all rows,
 * not only the selected topic: the file is one timeline.
 * Out-of-order rows (a merged capture, a recording with a small sort
 * window) are the user's choice through `order`: "error" (the default) fails
 * at the first row earlier than the previous one; "sort" re-sorts within
 * `sort_window` rows (reorder.h; equal times keep file order) and fails,
 * naming the line, on a row displaced further; "clamp" re-sorts likewise and
 * replays a row displaced further at the time of the last replayed one.
 * Access pattern: one streaming pass, constant memory (linereader) plus
 * O(sort_window) when sorting.
 */
#include "workload.h"

#include "err.h"
#include "linereader.h"
#include "reorder.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_PATH, P_TOPIC, P_ORDER, P_SORT_WINDOW, P_N };
enum { ORDER_ERROR, ORDER_SORT, ORDER_CLAMP };

/* Bounds the reorder buffer, allocated at open (56 bytes a row). */
#define SPATE_CSV_MAX_WINDOW 1000000

static const struct param_def spate_csv_params[P_N] = {
	[P_PATH] = {
		.name = "path", .type = PARAM_STR, .def_str = NULL,
		.help = "trace file with rows time_s,topic,key,size_bytes (seconds, "
			"text, text, bytes); plain or gzip-compressed; header optional",
	},
	[P_TOPIC] = {
		.name = "topic", .type = PARAM_STR, .def_str = "",
		.help = "replay only rows of this topic; \"\" = every row",
	},
	[P_ORDER] = {
		.name = "order", .type = PARAM_ENUM, .def = ORDER_ERROR,
		.choices = "error|sort|clamp",
		.help = "rows out of time order: error = fail naming the line; "
			"sort = re-sort within sort_window rows, fail beyond; "
			"clamp = re-sort within sort_window rows, replay a row "
			"late beyond it at the last replayed time",
	},
	[P_SORT_WINDOW] = {
		.name = "sort_window", .type = PARAM_INT, .def = 0, .min = 0,
		.max = SPATE_CSV_MAX_WINDOW,
		.help = "rows held for re-sorting with order sort or clamp (56 "
			"bytes each); must be >= 1 for sort and 0 for error",
	},
};

enum { F_TIME, F_TOPIC, F_KEY, F_SIZE, NFIELDS };

struct spate_csv {
	struct lr *lr;
	char *topic;          /* NULL: every row */
	int seen_first;       /* header detection done */
	double prev_t;
	char prev_text[64];   /* previous row's time_s as written, for messages */
	struct reorder *ro;   /* NULL: order "error" */
	int eof;
};

enum { NUM_OK, NUM_SYNTAX, NUM_NONFINITE };

/* Whole-field decimal number: no blanks, no hex (strtod would take both). */
static int parse_decimal(const char *s, double *out)
{
	if (!*s || isspace((unsigned char)*s))
		return NUM_SYNTAX;
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end)
		return NUM_SYNTAX;
	if (!isfinite(v))
		return NUM_NONFINITE;
	if (strpbrk(s, "xX"))
		return NUM_SYNTAX;
	*out = v;
	return NUM_OK;
}

static int field_number(const struct spate_csv *s, const char *name,
			const char *text, double *out, struct err *e)
{
	const char *path = lr_path(s->lr);
	long line = lr_lineno(s->lr);
	switch (parse_decimal(text, out)) {
	case NUM_SYNTAX:
		return err_set(e, ERR_INPUT, "%s:%ld: %s \"%.80s\" is not a number",
			       path, line, name, text);
	case NUM_NONFINITE:
		return err_set(e, ERR_INPUT, "%s:%ld: %s \"%.80s\" is not finite",
			       path, line, name, text);
	default:
		break;
	}
	if (*out < 0)
		return err_set(e, ERR_INPUT, "%s:%ld: %s \"%.80s\" is negative",
			       path, line, name, text);
	*out += 0.0;   /* -0 becomes 0 */
	return 0;
}

static void *spate_csv_open(const union param_val *p, struct rng *rng,
			    struct err *e)
{
	const char *path = p[P_PATH].str;
	if (!path || !*path) {
		err_set(e, ERR_INPUT, "path is required");
		return NULL;
	}
	int order = (int)p[P_ORDER].num;
	double w = p[P_SORT_WINDOW].num;
	if (!(w >= 0 && w <= SPATE_CSV_MAX_WINDOW) || w != floor(w) ||
	    (order == ORDER_SORT && w < 1) || (order == ORDER_ERROR && w != 0)) {
		err_set(e, ERR_INPUT, "%s: sort_window %g: must be an integer in "
			"[%d, %d] with order \"%s\"", path, w,
			order == ORDER_SORT, order == ORDER_ERROR ? 0 :
			SPATE_CSV_MAX_WINDOW, order == ORDER_SORT ? "sort" :
			order == ORDER_CLAMP ? "clamp" : "error");
		return NULL;
	}
	struct spate_csv *s = calloc(1, sizeof *s);
	if (!s) {
		err_set(e, ERR_INTERNAL, "%s: out of memory", path);
		return NULL;
	}
	const char *topic = p[P_TOPIC].str;
	if ((topic && *topic && !(s->topic = strdup(topic))) ||
	    (order != ORDER_ERROR &&
	     !(s->ro = reorder_new((size_t)w, order == ORDER_CLAMP ? INFINITY
							       : 0)))) {
		free(s->topic);
		free(s);
		err_set(e, ERR_INTERNAL, "%s: out of memory", path);
		return NULL;
	}
	if (!(s->lr = lr_open(path, e))) {
		reorder_free(s->ro);
		free(s->topic);
		free(s);
		return NULL;
	}
	return s;
}

/* Reads rows until one is pushed into the reorder buffer (1), or to the
 * end (0), or -1; with no buffer, until a row of the topic is in *a. */
static int read_row(struct spate_csv *s, struct arrival *a, struct err *e)
{
	char *line, *f[NFIELDS];
	size_t len;
	int rc;
	while ((rc = lr_next(s->lr, &line, &len, e)) == 1) {
		if (len == 0)
			continue;
		size_t nf = lr_split(line, ',', f, NFIELDS);
		double t, size;
		if (!s->seen_first) {
			s->seen_first = 1;
			if (*f[F_TIME] && parse_decimal(f[F_TIME], &t) == NUM_SYNTAX) {
				if (nf != NFIELDS)
					return err_set(e, ERR_INPUT,
						       "%s:%ld: header has %zu fields, expected 4 "
						       "(time_s,topic,key,size_bytes)",
						       lr_path(s->lr), lr_lineno(s->lr), nf);
				continue;
			}
		}
		if (nf != NFIELDS)
			return err_set(e, ERR_INPUT,
				       "%s:%ld: expected 4 fields (time_s,topic,key,"
				       "size_bytes), got %zu",
				       lr_path(s->lr), lr_lineno(s->lr), nf);
		if (field_number(s, "time_s", f[F_TIME], &t, e) != 0)
			return -1;
		if (!s->ro && t < s->prev_t)
			return err_set(e, ERR_INPUT,
				       "%s:%ld: time_s \"%.80s\" is earlier than the "
				       "previous row's \"%s\" (rows must be in time order)",
				       lr_path(s->lr), lr_lineno(s->lr), f[F_TIME],
				       s->prev_text);
		if (field_number(s, "size_bytes", f[F_SIZE], &size, e) != 0)
			return -1;
		s->prev_t = t;
		snprintf(s->prev_text, sizeof s->prev_text, "%s", f[F_TIME]);
		int keep = !s->topic || strcmp(f[F_TOPIC], s->topic) == 0;
		if (!keep && !s->ro)
			continue;
		*a = (struct arrival){ .t = t, .size = size };
		size_t klen = strlen(f[F_KEY]);
		if (klen) {
			a->key = workload_key_hash(f[F_KEY], klen);
			a->keyed = 1;
		}
		if (s->ro && reorder_push(s->ro, a, lr_lineno(s->lr), keep) != 0)
			return err_set(e, ERR_INPUT,
				       "%s:%ld: time_s \"%.80s\" is earlier than %.17g, "
				       "already replayed (the row is more than "
				       "sort_window rows out of place; raise sort_window "
				       "or use order \"clamp\")", lr_path(s->lr),
				       lr_lineno(s->lr), f[F_TIME], reorder_last(s->ro));
		return 1;
	}
	return rc;
}

static int spate_csv_next(void *state, struct arrival *a, struct err *e)
{
	struct spate_csv *s = state;
	if (!s->ro)
		return read_row(s, a, e);
	for (;;) {
		struct reorder_item it;
		if (reorder_pop(s->ro, s->eof, &it)) {
			if (!it.keep)
				continue;
			*a = it.a;
			return 1;
		}
		if (s->eof)
			return 0;
		int rc = read_row(s, a, e);
		if (rc < 0)
			return -1;
		if (rc == 0)
			s->eof = 1;
	}
}

static void spate_csv_close(void *state)
{
	struct spate_csv *s = state;
	if (!s)
		return;
	lr_close(s->lr);
	reorder_free(s->ro);
	free(s->topic);
	free(s);
}

const struct workload workload_spate_csv = {
	.name = "spate-csv",
	.help = "replay a CSV trace of time_s,topic,key,size_bytes rows "
		"(optionally one topic of it), streamed in constant memory",
	.params = spate_csv_params,
	.nparams = P_N,
	.open = spate_csv_open,
	.next = spate_csv_next,
	.close = spate_csv_close,
};
