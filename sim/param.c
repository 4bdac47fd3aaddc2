/*
 * param: lookups over the const parameter tables of policies and workloads,
 * and their human-readable listing.
 *
 * Tables are small (tens of entries) and read at configuration time only, so
 * every lookup is a plain linear scan; no index is built. Enum choices live in
 * one "a|b|c" string, so choice lookups walk it segment by segment and never
 * allocate.
 */
#include "param.h"

#include <string.h>

int param_find(const struct param_def *defs, size_t n, const char *name)
{
	if (!defs || !name)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (defs[i].name && strcmp(defs[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The index-th "|"-separated segment of choices: start and length, or -1. */
static int choice_span(const char *choices, int index, const char **start,
		       size_t *len)
{
	if (!choices || index < 0)
		return -1;
	const char *p = choices;
	for (int i = 0;; i++) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		if (i == index) {
			*start = p;
			*len = n;
			return 0;
		}
		if (!bar)
			return -1;
		p = bar + 1;
	}
}

int param_choice_index(const struct param_def *def, const char *choice)
{
	if (!def || !choice)
		return -1;
	size_t want = strlen(choice);
	const char *s;
	size_t n;
	for (int i = 0; choice_span(def->choices, i, &s, &n) == 0; i++)
		if (n == want && strncmp(s, choice, n) == 0)
			return i;
	return -1;
}

const char *param_choice_name(const struct param_def *def, int index,
			      char *buf, size_t cap)
{
	const char *s;
	size_t n;
	if (!buf || cap == 0)
		return "";
	buf[0] = '\0';
	if (!def || choice_span(def->choices, index, &s, &n) != 0)
		return buf;
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

static const char *type_name(enum param_type t)
{
	switch (t) {
	case PARAM_NUM: return "number";
	case PARAM_INT: return "integer";
	case PARAM_BOOL: return "bool";
	case PARAM_ENUM: return "enum";
	case PARAM_STR: return "string";
	case PARAM_DIST: return "dist";
	case PARAM_STRV: return "strings";
	}
	return "?";
}

void param_print_table(FILE *out, const struct param_def *defs, size_t n)
{
	if (!out || !defs)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct param_def *d = &defs[i];
		char def[128], range[160], name[64];
		switch (d->type) {
		case PARAM_NUM:
			snprintf(def, sizeof def, "%g", d->def);
			snprintf(range, sizeof range, "[%g, %g]", d->min, d->max);
			break;
		case PARAM_INT:
			snprintf(def, sizeof def, "%.0f", d->def);
			snprintf(range, sizeof range, "[%.0f, %.0f]", d->min,
				 d->max);
			break;
		case PARAM_BOOL:
			snprintf(def, sizeof def, "%s",
				 d->def != 0 ? "true" : "false");
			snprintf(range, sizeof range, "true|false");
			break;
		case PARAM_ENUM:
			snprintf(def, sizeof def, "%s",
				 param_choice_name(d, (int)d->def, name,
						   sizeof name));
			snprintf(range, sizeof range, "%s",
				 d->choices ? d->choices : "");
			break;
		case PARAM_STR:
		case PARAM_DIST:
		case PARAM_STRV:
			snprintf(def, sizeof def, "%s",
				 d->def_str ? d->def_str : "(required)");
			range[0] = '\0';
			break;
		default:
			def[0] = range[0] = '\0';
			break;
		}
		fprintf(out, "  %-28s %-8s default %-12s %-20s %s\n",
			d->name ? d->name : "?", type_name(d->type), def, range,
			d->help ? d->help : "");
	}
}
