/*
 * cluster: node capacity, placement, speed and straggler episodes.
 *
 * Nodes are a flat array, classes expanded in config order (class 0's
 * nodes first). Placement scans every node: it runs once per replica
 * start, not per message, and a scan over a few thousand nodes is cheaper
 * than keeping ordered indexes current under every release. Scores follow
 * the Kubernetes scheduler's resource scoring: spread prefers the node
 * left with the largest free fraction of slots (LeastAllocated), pack the
 * smallest (MostAllocated); ties go to the lowest node index, so placement
 * is deterministic. Memory only constrains (a node must have room), it
 * does not score.
 */
#include "cluster.h"

#include <stdlib.h>

#include "config.h"
#include "dist.h"
#include "err.h"
#include "rng.h"

struct node {
	int cls;
	int slots_free;
	double mem_free;
	int replicas;
	int up;
	int down;            /* crashes not yet repaired */
	double t_down;       /* when it last went down */
	double persistent;   /* slowdown of a slow node, 1 otherwise */
	double episode;      /* slowdown of the running episode, 1 if none */
};

struct cluster {
	const struct cfg_cluster *cfg;
	struct node *node;
	int n;
	struct rng *r_place, *r_onset, *r_episode, *r_inflation, *r_crash, *r_repair;
	uint64_t episodes, crashes;
	double down_s;       /* node-seconds down, over repaired outages */
	double factor_sum;
};

static struct rng *stream(uint64_t seed, const char *name, const char *type,
			  struct err *e)
{
	struct rng *r = rng_new(seed, name, type);
	if (!r)
		err_set(e, ERR_INTERNAL, "cannot create random stream %s", name);
	return r;
}

struct cluster *cluster_new(const struct cfg_cluster *cfg, uint64_t seed,
			    const char *rng_type, struct err *e)
{
	struct cluster *c = calloc(1, sizeof *c);
	if (!c) {
		err_set(e, ERR_INTERNAL, "out of memory (cluster)");
		return NULL;
	}
	c->cfg = cfg;
	c->n = cfg->nnodes;
	c->node = calloc(c->n ? (size_t)c->n : 1, sizeof *c->node);
	if (!c->node) {
		err_set(e, ERR_INTERNAL, "out of memory (%d nodes)", c->n);
		cluster_free(c);
		return NULL;
	}
	int k = 0;
	for (int i = 0; i < cfg->nclasses; i++)
		for (int j = 0; j < cfg->classes[i].count; j++, k++) {
			struct node *nd = &c->node[k];
			nd->cls = i;
			nd->slots_free = cfg->classes[i].slots;
			nd->mem_free = cfg->classes[i].memory_mb;
			nd->up = 1;
			nd->persistent = nd->episode = 1;
		}
	if (!(c->r_place = stream(seed, "cluster/placement", rng_type, e)) ||
	    !(c->r_onset = stream(seed, "cluster/onset", rng_type, e)) ||
	    !(c->r_episode = stream(seed, "cluster/episode", rng_type, e)) ||
	    !(c->r_inflation = stream(seed, "cluster/inflation", rng_type, e)) ||
	    !(c->r_crash = stream(seed, "cluster/crash", rng_type, e)) ||
	    !(c->r_repair = stream(seed, "cluster/repair", rng_type, e))) {
		cluster_free(c);
		return NULL;
	}
	if (cfg->slow_nodes > 0) {
		/* the first slow_nodes of a partial Fisher-Yates shuffle */
		struct rng *r = stream(seed, "cluster/slow_nodes", rng_type, e);
		int *perm = malloc((size_t)c->n * sizeof *perm);
		if (!r || !perm) {
			if (r)
				err_set(e, ERR_INTERNAL, "out of memory (cluster)");
			rng_free(r);
			free(perm);
			cluster_free(c);
			return NULL;
		}
		for (int i = 0; i < c->n; i++)
			perm[i] = i;
		for (int i = 0; i < cfg->slow_nodes; i++) {
			int j = i + (int)rng_below(r, (uint64_t)(c->n - i));
			int t = perm[i];
			perm[i] = perm[j];
			perm[j] = t;
			c->node[perm[i]].persistent = cfg->slow_factor;
		}
		free(perm);
		rng_free(r);
	}
	return c;
}

void cluster_free(struct cluster *c)
{
	if (!c)
		return;
	rng_free(c->r_place);
	rng_free(c->r_onset);
	rng_free(c->r_episode);
	rng_free(c->r_inflation);
	rng_free(c->r_crash);
	rng_free(c->r_repair);
	free(c->node);
	free(c);
}

int cluster_nodes(const struct cluster *c)
{
	return c->n;
}

static int fits(const struct node *nd, int slots, double mem)
{
	return nd->up && nd->slots_free >= slots && nd->mem_free >= mem;
}

int cluster_place(struct cluster *c, int slots, double memory_mb, int avoid)
{
	if (!c->n)
		return CLUSTER_ANY;
	if (avoid >= 0) {
		int saved = c->node[avoid].up;
		c->node[avoid].up = 0;   /* hidden from the search below */
		int got = cluster_place(c, slots, memory_mb, -1);
		c->node[avoid].up = saved;
		if (got != CLUSTER_NONE)
			return got;
	}
	int best = CLUSTER_NONE, nfit = 0;
	double best_score = 0;
	for (int i = 0; i < c->n; i++) {
		const struct node *nd = &c->node[i];
		if (!fits(nd, slots, memory_mb))
			continue;
		nfit++;
		double free_after = (double)(nd->slots_free - slots) /
				    c->cfg->classes[nd->cls].slots;
		double score = c->cfg->placement == PLACE_PACK ? -free_after : free_after;
		if (best == CLUSTER_NONE || score > best_score) {
			best = i;
			best_score = score;
		}
	}
	if (best != CLUSTER_NONE && c->cfg->placement == PLACE_RANDOM) {
		uint64_t k = rng_below(c->r_place, (uint64_t)nfit);
		for (int i = 0; i < c->n; i++)
			if (fits(&c->node[i], slots, memory_mb) && k-- == 0) {
				best = i;
				break;
			}
	}
	if (best >= 0) {
		struct node *nd = &c->node[best];
		nd->slots_free -= slots;
		nd->mem_free -= memory_mb;
		nd->replicas++;
	}
	return best;
}

void cluster_release(struct cluster *c, int node, int slots, double memory_mb)
{
	if (node < 0)
		return;
	struct node *nd = &c->node[node];
	nd->slots_free += slots;
	nd->mem_free += memory_mb;
	nd->replicas--;
}

double cluster_speed(const struct cluster *c, int node)
{
	if (node < 0)
		return 1;
	const struct node *nd = &c->node[node];
	return c->cfg->classes[nd->cls].speed / (nd->persistent * nd->episode);
}

int cluster_has_episodes(const struct cluster *c)
{
	return c->n > 0 && c->cfg->onset_rate_per_s > 0;
}

double cluster_next_onset(struct cluster *c)
{
	return rng_exp(c->r_onset, 1 / c->cfg->onset_rate_per_s);
}

double cluster_slow_begin(struct cluster *c, int node, double *factor)
{
	double f = dist_sample(c->cfg->slowdown, c->r_episode, 0);
	double d = dist_sample(c->cfg->episode_s, c->r_episode, 0);
	if (!(f >= 1))
		f = 1;
	c->node[node].episode = f;
	c->episodes++;
	c->factor_sum += f;
	*factor = f;
	return d > 0 ? d : 0;
}

void cluster_slow_end(struct cluster *c, int node)
{
	c->node[node].episode = 1;
}

int cluster_is_slow(const struct cluster *c, int node)
{
	return node >= 0 && c->node[node].episode > 1;
}

double cluster_inflation(struct cluster *c)
{
	double p = c->cfg->inflation_p;
	if (p <= 0 || !rng_bernoulli(c->r_inflation, p))
		return 1;
	double f = dist_sample(c->cfg->inflation, c->r_inflation, 0);
	return f >= 1 ? f : 1;
}

const char *cluster_class(const struct cluster *c, int node)
{
	return c->cfg->classes[c->node[node].cls].name;
}

int cluster_slots_used(const struct cluster *c, int node)
{
	const struct node *nd = &c->node[node];
	return c->cfg->classes[nd->cls].slots - nd->slots_free;
}

int cluster_replicas(const struct cluster *c, int node)
{
	return c->node[node].replicas;
}

int cluster_up(const struct cluster *c, int node)
{
	return c->node[node].up;
}

void cluster_capacity(const struct cluster *c, int *nodes_up, long *slots_total,
		      long *slots_free)
{
	*nodes_up = 0;
	*slots_total = *slots_free = 0;
	for (int i = 0; i < c->n; i++) {
		const struct node *nd = &c->node[i];
		if (!nd->up)
			continue;
		(*nodes_up)++;
		*slots_total += c->cfg->classes[nd->cls].slots;
		*slots_free += nd->slots_free;
	}
}

uint64_t cluster_episodes(const struct cluster *c)
{
	return c->episodes;
}

double cluster_factor_sum(const struct cluster *c)
{
	return c->factor_sum;
}

int cluster_has_crashes(const struct cluster *c)
{
	return c->cfg->node_ttf != NULL && c->n > 0;
}

double cluster_next_crash(struct cluster *c)
{
	return dist_sample(c->cfg->node_ttf, c->r_crash, 0);
}

double cluster_repair_time(struct cluster *c)
{
	return dist_sample(c->cfg->node_repair, c->r_repair, 0);
}

void cluster_node_down(struct cluster *c, int node, double now)
{
	struct node *nd = &c->node[node];
	if (nd->down++ == 0) {
		nd->t_down = now;
		c->crashes++;
	}
	nd->up = 0;
}

int cluster_node_up(struct cluster *c, int node, double now)
{
	struct node *nd = &c->node[node];
	if (nd->down == 0 || --nd->down > 0)
		return 0;
	nd->up = 1;
	c->down_s += now - nd->t_down;
	return 1;
}

uint64_t cluster_crashes(const struct cluster *c)
{
	return c->crashes;
}

double cluster_down_time(const struct cluster *c, double now)
{
	double s = c->down_s;
	for (int i = 0; i < c->n; i++)
		if (c->node[i].down)
			s += now - c->node[i].t_down;
	return s;
}
