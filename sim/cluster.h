/*
 * cluster: the nodes replicas run on -- capacity, placement, speed, and
 * straggler episodes.
 *
 * A node has slots and memory; a replica takes node_slots slots and its
 * function's memory while it exists (PENDING included, once placed). A
 * node's current speed is its class speed divided by its slowdown: the
 * persistent factor of a slow node times the factor of a running episode.
 * The model owns time: it asks for the next onset and the episode's length
 * and factor, and calls cluster_slow_begin/end when they come due, so this
 * module holds state and random streams but no calendar.
 * Streams: "cluster/placement", "cluster/slow_nodes", "cluster/onset",
 * "cluster/episode", "cluster/inflation", "cluster/crash",
 * "cluster/repair" -- one per concern, so turning on
 * one does not shift the draws of another.
 * Ownership: the cluster keeps a pointer to the config's cfg_cluster, which
 * must outlive it.
 */
#ifndef SPATE_CLUSTER_H
#define SPATE_CLUSTER_H

#include <stdint.h>

struct cfg_cluster;
struct cluster;
struct err;

/* NULL and e on failure (out of memory, bad GSL generator name). A config
 * without nodes gives a cluster of 0 nodes: cluster_place returns
 * CLUSTER_ANY and every speed is 1. */
struct cluster *cluster_new(const struct cfg_cluster *cfg, uint64_t seed,
			    const char *rng_type, struct err *e);
void cluster_free(struct cluster *c);

#define CLUSTER_ANY (-1)   /* placed, on no node in particular */
#define CLUSTER_NONE (-2)  /* no node has room */

int cluster_nodes(const struct cluster *c);

/* Reserves room for one replica by the configured strategy among the
 * nodes that are up and have room, other than `avoid` (-1: none) while
 * another node has room. Returns the node, CLUSTER_ANY without nodes, or
 * CLUSTER_NONE. */
int cluster_place(struct cluster *c, int slots, double memory_mb, int avoid);
void cluster_release(struct cluster *c, int node, int slots, double memory_mb);

/* Current speed of node (1 for CLUSTER_ANY). */
double cluster_speed(const struct cluster *c, int node);

/* A straggler-free config returns 0: no onsets to schedule. */
int cluster_has_episodes(const struct cluster *c);
/* Time from now to the node's next episode onset (exponential). */
double cluster_next_onset(struct cluster *c);
/* Starts an episode on node: samples its factor and length; returns the
 * length in seconds and sets *factor. */
double cluster_slow_begin(struct cluster *c, int node, double *factor);
void cluster_slow_end(struct cluster *c, int node);
int cluster_is_slow(const struct cluster *c, int node);

/* The multiplier of one invocation's service time: 1, or with the
 * configured probability a sample of the inflation factor (>= 1). */
double cluster_inflation(struct cluster *c);

/* Node crashes. The model owns time here too: it draws each node's time to
 * failure and repair from these, and says when a node goes down and comes
 * back. Down is a count, so a scheduled crash overlapping a random one
 * keeps the node down until both have been repaired. A node that is down
 * takes no replica (its replicas are the model's to kill first). */
int cluster_has_crashes(const struct cluster *c);   /* node_ttf given */
double cluster_next_crash(struct cluster *c);       /* a node_ttf draw */
double cluster_repair_time(struct cluster *c);      /* a node_repair draw */
void cluster_node_down(struct cluster *c, int node, double now);
/* Returns 1 when the node is up again (no crash left unrepaired). */
int cluster_node_up(struct cluster *c, int node, double now);
uint64_t cluster_crashes(const struct cluster *c);   /* outages begun */
double cluster_down_time(const struct cluster *c, double now); /* node-s */

/* What the node timeline shows. */
const char *cluster_class(const struct cluster *c, int node);
int cluster_slots_used(const struct cluster *c, int node);
int cluster_replicas(const struct cluster *c, int node);
int cluster_up(const struct cluster *c, int node);

/* Nodes up, and slots in all and free on them. */
void cluster_capacity(const struct cluster *c, int *nodes_up, long *slots_total,
		      long *slots_free);

/* Totals over the run so far (for the summary). */
uint64_t cluster_episodes(const struct cluster *c);
double cluster_factor_sum(const struct cluster *c);  /* over episodes */

#endif
