/*
 * plugin: dlopen/dlsym behind plugin.h. The object is opened RTLD_NOW, so
 * a missing symbol fails here with the dynamic linker's message instead of
 * in the middle of a run, and RTLD_LOCAL, so two plugins cannot capture
 * each other's names. The ABI integer is read before the struct is touched.
 */
#include "plugin.h"

#include <dlfcn.h>
#include <stdlib.h>

#include "err.h"
#include "policy.h"

struct plugin {
	void *handle;
	const struct policy *policy;
};

struct plugin *plugin_open(const char *path, const char *symbol,
			   struct err *e)
{
	if (!symbol || !*symbol)
		symbol = "spate_policy";
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		err_set(e, ERR_INPUT, "%s: cannot load policy: %s", path,
			why ? why : "unknown error");
		return NULL;
	}
	const int *abi = dlsym(h, "spate_policy_abi");
	const struct policy *pol = dlsym(h, symbol);
	if (!abi) {
		err_set(e, ERR_INPUT, "%s: no spate_policy_abi symbol (export "
			"const int spate_policy_abi = SPATE_POLICY_ABI;)", path);
	} else if (*abi != SPATE_POLICY_ABI) {
		err_set(e, ERR_INPUT, "%s: built for policy ABI %d, this spate "
			"has %d: rebuild it against this spate's policy.h", path,
			*abi, SPATE_POLICY_ABI);
	} else if (!pol) {
		err_set(e, ERR_INPUT, "%s: no symbol '%s'", path, symbol);
	} else if (!pol->name || !pol->init || !pol->decide ||
		   (pol->nparams && !pol->params)) {
		err_set(e, ERR_INPUT, "%s: '%s' lacks a name, init, decide or its "
			"parameter table", path, symbol);
	} else {
		struct plugin *p = malloc(sizeof *p);
		if (p) {
			p->handle = h;
			p->policy = pol;
			return p;
		}
		err_set(e, ERR_INTERNAL, "out of memory");
	}
	dlclose(h);
	return NULL;
}

const struct policy *plugin_policy(const struct plugin *p)
{
	return p->policy;
}

void plugin_close(struct plugin *p)
{
	if (!p)
		return;
	dlclose(p->handle);
	free(p);
}
