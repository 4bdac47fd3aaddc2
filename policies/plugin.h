/*
 * plugin: policies built outside spate, loaded from a shared object at run
 * time. The object exports the same const struct policy as a built-in one
 * (symbol `spate_policy` unless the config names another) and an int
 * `spate_policy_abi` equal to SPATE_POLICY_ABI (policy.h); it may call the
 * policy_* and mon_* functions, which the spate binary exports (-rdynamic).
 * Ownership: plugin_open's result is released with plugin_close, which
 * unloads the object: the policy it returned must not be used after that.
 */
#ifndef SPATE_PLUGIN_H
#define SPATE_PLUGIN_H

struct err;
struct plugin;
struct policy;

/* Loads path and checks its ABI version and policy. Returns the plugin, or
 * NULL and e (ERR_INPUT naming the path and what is wrong: cannot be
 * loaded, missing symbol, ABI mismatch, a policy without name or decide). */
struct plugin *plugin_open(const char *path, const char *symbol,
			   struct err *e);
const struct policy *plugin_policy(const struct plugin *p);
void plugin_close(struct plugin *p);

#endif
