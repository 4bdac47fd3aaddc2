/*
 * suggest: "did you mean" for every place that rejects a name (config keys
 * and choices, sweep keys and paths, report metrics and axes), so that they
 * all judge a typo the same way.
 */
#ifndef SPATE_SUGGEST_H
#define SPATE_SUGGEST_H

#include <stddef.h>

/* Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions, so "memroy" is one edit from "memory"), ignoring ASCII
 * case. Names of 48 bytes or more are compared for equality only (0 or a
 * large number): nothing that long is a key. */
int suggest_distance(const char *a, const char *b);

/* The candidate closest to `given` if it is within a plausible typo (a
 * third of the length, at least one edit), else NULL. Ties go to the
 * earlier candidate. */
const char *suggest_closest(const char *given, const char *const *cand,
			    size_t n);

#endif
