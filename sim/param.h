/*
 * param: the parameter tables of policies and workloads.
 *
 * A policy or workload declares a const array of param_def; the config loader
 * fills a parallel array of param_val from JSON (applying defaults, checking
 * types and ranges, rejecting unknown names), and `spate policies` /
 * `spate workloads` print the tables. Values are stored by position, so a
 * plugin reads its parameters as p[MY_INDEX].num without any lookup.
 * Ownership: param_val strings and dists belong to the config that filled
 * them and live as long as it.
 */
#ifndef SPATE_PARAM_H
#define SPATE_PARAM_H

#include <stddef.h>
#include <stdio.h>

struct dist;

enum param_type {
	PARAM_NUM,   /* double in [min, max] */
	PARAM_INT,   /* integer in [min, max], stored in .num */
	PARAM_BOOL,  /* true/false, stored in .num as 0/1 */
	PARAM_ENUM,  /* one of `choices` ("a|b|c"), stored as its index in .num */
	PARAM_STR,   /* string, .str; def_str NULL means required */
	PARAM_DIST,  /* distribution, .dist; def_str is its default as JSON */
	PARAM_STRV,  /* non-empty array of strings (a command line), .strv,
			NULL-terminated; def_str is its default as JSON, NULL
			means required */
};

struct param_def {
	const char *name;
	enum param_type type;
	double def;           /* NUM, INT, BOOL; ENUM: index of the default */
	double min, max;      /* inclusive, NUM and INT */
	const char *choices;  /* ENUM */
	const char *def_str;  /* STR, DIST */
	const char *help;
};

union param_val {
	double num;
	const char *str;
	struct dist *dist;
	const char *const *strv;
};

/* Index of `name` in defs, or -1. */
int param_find(const struct param_def *defs, size_t n, const char *name);

/* Index of `choice` among def->choices, or -1. */
int param_choice_index(const struct param_def *def, const char *choice);

/* Writes the name of choice `index` of def->choices into buf (size cap);
 * returns buf, or "" when out of range. */
const char *param_choice_name(const struct param_def *def, int index,
			      char *buf, size_t cap);

/* Prints one line per parameter: name, type, default, range, help. */
void param_print_table(FILE *out, const struct param_def *defs, size_t n);

#endif
