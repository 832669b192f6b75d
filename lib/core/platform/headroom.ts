import { checkImage, checkInteger } from '../checks';
import { ResolvedGpuNodePool } from '../gpu-node-pool';
import { IMAGES } from '../images';
import { checkDnsLabel } from '../names';
import { Problem, show } from '../problems';

/**
 * Warm GPU nodes for one pool: placeholder pods that each hold a whole node's GPUs at a
 * negative priority, so the cluster autoscaler keeps (or adds) nodes for them, and the
 * scheduler evicts one the moment a real replica needs its GPUs. The evicted placeholder turns
 * Pending, and the autoscaler adds a node for it: the headroom refills behind the burst.
 *
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/
 * @see https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/FAQ.md#how-can-i-configure-overprovisioning-with-cluster-autoscaler
 */
export interface GpuHeadroomProps {
  /** Name of the GPU node pool (`gpuNodePools[].name`) the warm nodes belong to. */
  readonly pool: string;
  /** Warm nodes: placeholder pods, one per node. 0 renders nothing. */
  readonly nodes: number;
  /** Placeholder image. @default IMAGES.pause */
  readonly image?: string;
}

/** A toleration of a GPU pool's taint. */
export interface PoolToleration {
  /** Taint key. */
  readonly key: string;
  /** Always `Equal`: the taint's value is known. */
  readonly operator: 'Equal';
  /** Taint value. */
  readonly value: string;
  /** Always `NoSchedule`, the pools' taint effect. */
  readonly effect: 'NoSchedule';
}

/** An extended resource and how many units of it. */
export interface ExtendedResourceRequest {
  /** Resource name, e.g. `nvidia.com/gpu`. */
  readonly resourceName: string;
  /** Units requested. */
  readonly count: number;
}

/** What {@link resolveGpuHeadroom} returns. */
export interface GpuHeadroomResult {
  /** The resolved headroom, present exactly when `problems` is empty. */
  readonly spec?: ResolvedGpuHeadroom;
  /** What is wrong, with paths such as `nodes`. */
  readonly problems: Problem[];
}

/** {@link GpuHeadroomProps} resolved against its pool. */
export interface ResolvedGpuHeadroom {
  /** Deployment name: `gpu-headroom-<pool>`. */
  readonly name: string;
  /** The pool. */
  readonly pool: string;
  /** Placeholder replicas (= warm nodes). */
  readonly nodes: number;
  /** Placeholder image. */
  readonly image: string;
  /** Name of the shared PriorityClass. */
  readonly priorityClassName: string;
  /** The extended resource each placeholder requests, and how many: a whole node's worth. */
  readonly gpuRequest: ExtendedResourceRequest;
  /** Node selector of the pool. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Tolerations for the pool's taints. */
  readonly tolerations: readonly PoolToleration[];
  /** Labels of the placeholder pods (and the Deployment's selector). */
  readonly selectorLabels: Readonly<Record<string, string>>;
}

/**
 * The PriorityClass every placeholder uses: below the default 0 of every workload, so any pod
 * preempts it, and `preemptionPolicy: Never`, so a placeholder itself never evicts anything.
 * -1 is the value of cluster-autoscaler's overprovisioning example. Pods with a priority below
 * the autoscaler's `--expendable-pods-priority-cutoff` (default -10) never trigger a scale-up,
 * so the value must stay at -10 or above, or evicted placeholders would never get a new node.
 * @see https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/FAQ.md#how-can-i-configure-overprovisioning-with-cluster-autoscaler
 */
export const HEADROOM_PRIORITY: {
  /** PriorityClass name. */
  readonly name: string;
  /** Its priority value. */
  readonly value: number;
} = {
  /** PriorityClass name. */
  name: 'inferscale-gpu-headroom',
  /** Priority: just below 0. */
  value: -1,
};

/** Label on placeholder pods naming the pool they hold. */
export const HEADROOM_POOL_LABEL = 'inferscale.io/headroom-pool';

/**
 * Resolves the headroom of one pool; `pools` are the platform's resolved pools.
 * Problems name `pool`, `nodes` (from 0 to the pool's maxNodes) and `image`.
 */
export function resolveGpuHeadroom(props: GpuHeadroomProps, pools: readonly ResolvedGpuNodePool[]): GpuHeadroomResult {
  const problems: Problem[] = [];
  const pool = pools.find((p) => p.name === props.pool);
  if (!pool) {
    problems.push({ path: 'pool', message: `is ${show(props.pool)}; expected the name of a GPU node pool: ${pools.length ? pools.map((p) => JSON.stringify(p.name)).join(', ') : 'the platform has none (add gpuNodePools)'}` });
  } else {
    problems.push(...checkDnsLabel('pool', `gpu-headroom-${pool.name}`).map((p) => ({ ...p, message: `${p.message} (as part of the Deployment name gpu-headroom-<pool>)` })));
  }
  // The pool's maxNodes bounds it: placeholders beyond it stay Pending forever and buy nothing.
  problems.push(...checkInteger('nodes', props.nodes, { min: 0, max: pool ? pool.maxNodes : 1000, unit: 'nodes', ...(pool ? { note: `(the pool's maxNodes)` } : {}) }));
  const image = props.image ?? IMAGES.pause;
  problems.push(...checkImage('image', image, IMAGES.pause));
  if (problems.length || !pool) return { problems };
  return {
    problems,
    spec: {
      name: `gpu-headroom-${pool.name}`,
      pool: pool.name,
      nodes: props.nodes,
      image,
      priorityClassName: HEADROOM_PRIORITY.name,
      gpuRequest: { resourceName: pool.resourceName, count: pool.allocatablePerNode },
      nodeSelector: { ...pool.nodeSelector },
      tolerations: pool.taints.map((t) => ({ key: t.key, operator: 'Equal' as const, value: t.value, effect: t.effect })),
      selectorLabels: { 'app.kubernetes.io/name': 'gpu-headroom', 'app.kubernetes.io/managed-by': 'inferscale', [HEADROOM_POOL_LABEL]: pool.name },
    },
  };
}
