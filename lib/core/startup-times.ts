/**
 * How long a new GPU replica takes to start before its model loads, in the default
 * environment's order of magnitude on EKS: what the simulator assumes when not told, what
 * `explain` counts, and what a Deployment's progress deadline allows for.
 * @module
 */

/**
 * Seconds from the cluster autoscaler's decision to a GPU node that takes pods (instance launch,
 * join, driver and device plugin): the default environment's order of magnitude on EKS.
 */
export const DEFAULT_NODE_PROVISIONING_SECONDS = 180;

/** Seconds to pull an inference image (several GB) on a fresh node, when its size is not given. */
export const DEFAULT_IMAGE_PULL_SECONDS = 60;
