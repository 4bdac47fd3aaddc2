/*
 * fuzz_config: libFuzzer target for the experiment loader (config_parse).
 *
 * Each input is taken as the text of an experiment file named "fuzz.json"
 * and loaded with no --set overrides; a load that fails must leave a
 * message and the ERR_INPUT code (a user's file is never an internal
 * error), and a load that succeeds must leave a canonical document that
 * loads again to itself (same text, same hash: the hash names the
 * configuration in the results, so it must not drift when a resolved
 * config is fed back). Everything else (a crash, a leak, UB) is reported by
 * the sanitizers.
 *
 * Invariant: the harness never touches files itself. Relative paths in a
 * config resolve against the current directory, so run the target from a
 * scratch directory (make fuzz-run does) to keep it from reading the repo's
 * traces. Loading shared objects is switched off (link with
 * -Wl,--wrap=plugin_open): dlopen of whatever path a mutation produced
 * would run foreign constructors inside the fuzzer, which tests the dynamic
 * linker, not spate.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "plugin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
struct plugin *__wrap_plugin_open(const char *path, const char *symbol,
				  struct err *e);

struct plugin *__wrap_plugin_open(const char *path, const char *symbol,
				  struct err *e)
{
	(void)symbol;
	err_set(e, ERR_INPUT, "%s: plugins are not loaded while fuzzing", path);
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* config_parse takes NUL-terminated text; a NUL inside the input just
	 * ends the text early, which is what a C string reader sees anyway. */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct err e = { 0 };
	struct config *c = config_parse(text, "fuzz.json", NULL, 0, &e);
	if (!c) {
		if (e.code != ERR_INPUT || !e.msg[0]) {
			fprintf(stderr, "fuzz_config: failed with code %d, "
				"message '%s'\n", (int)e.code, e.msg);
			abort();
		}
	} else if (!c->resolved_json || strlen(c->hash) != 16) {
		fprintf(stderr, "fuzz_config: loaded without a canonical form\n");
		abort();
	} else {
		struct err e2 = { 0 };
		struct config *c2 = config_parse(c->resolved_json, "fuzz.json",
						 NULL, 0, &e2);
		if (!c2 || strcmp(c->resolved_json, c2->resolved_json) ||
		    strcmp(c->hash, c2->hash)) {
			fprintf(stderr, "fuzz_config: the canonical form does not "
				"load to itself: %s\nfirst:  %s\nsecond: %s\n",
				c2 ? "differs" : e2.msg, c->resolved_json,
				c2 ? c2->resolved_json : "-");
			abort();
		}
		config_free(c2);
	}
	config_free(c);
	free(text);
	return 0;
}
