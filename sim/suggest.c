/*
 * suggest: see suggest.h. A full matrix on the stack: names are short and
 * this runs only on the way to an error message.
 */
#include "suggest.h"

#include <limits.h>
#include <string.h>

enum { SUGGEST_CAP = 48 };

static int lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

int suggest_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la >= SUGGEST_CAP || lb >= SUGGEST_CAP)
		return strcmp(a, b) == 0 ? 0 : INT_MAX;
	int d[SUGGEST_CAP][SUGGEST_CAP];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ca = lower(a[i - 1]), cb = lower(b[j - 1]);
			int best = d[i - 1][j - 1] + (ca != cb);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && ca == lower(b[j - 2]) &&
			    lower(a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

const char *suggest_closest(const char *given, const char *const *cand,
			    size_t n)
{
	int limit = (int)strlen(given) / 3;
	if (limit < 1)
		limit = 1;
	const char *best = NULL;
	int bestd = INT_MAX;
	for (size_t i = 0; i < n; i++) {
		int d = suggest_distance(given, cand[i]);
		if (d < bestd) {
			bestd = d;
			best = cand[i];
		}
	}
	return bestd <= limit ? best : NULL;
}
