import { ResolvedGpuNodePool } from '../gpu-node-pool';
import { parseQuantity } from '../quantity';

/** A DaemonSet with a pod on GPU nodes, and what each of its pods requests. */
export interface GpuNodeDaemon {
  /** Name, for messages (e.g. `dcgm-exporter`). */
  readonly name: string;
  /** Requests of one pod, as Kubernetes quantities (`cpu`, `memory`); missing resources request nothing. */
  readonly requests: Readonly<Record<string, string>>;
  /** The pools it runs on. @default - every GPU pool */
  readonly poolNames?: readonly string[];
}

/**
 * DaemonSets every EKS node runs from the cluster's default add-ons, with their requests: the
 * VPC CNI (`aws-node`, 25m CPU) and kube-proxy (100m CPU); neither requests memory. The node
 * exporter of a kube-prometheus-stack also runs on every node, but its chart requests nothing
 * by default (`resources: {}` in the prometheus-node-exporter chart's values), so it costs the
 * scheduler nothing.
 * @see https://github.com/aws/amazon-vpc-cni-k8s/blob/master/charts/aws-vpc-cni/values.yaml (resources.requests.cpu)
 * @see https://docs.aws.amazon.com/eks/latest/userguide/managing-kube-proxy.html (the add-on's DaemonSet requests cpu 100m)
 */
export const EKS_NODE_DAEMONS: readonly GpuNodeDaemon[] = Object.freeze([
  { name: 'aws-node', requests: { cpu: '25m' } },
  { name: 'kube-proxy', requests: { cpu: '100m' } },
]);

/**
 * Share of an instance's nominal memory the node does not report as capacity (firmware,
 * kernel, hypervisor). Karpenter estimates node capacity with the same default.
 * @see https://karpenter.sh/docs/reference/settings/ (VM_MEMORY_OVERHEAD_PERCENT, default 0.075)
 */
export const VM_MEMORY_OVERHEAD = 0.075;
/**
 * Memory the EKS AMIs keep from pods below the hard eviction threshold (`memory.available<100Mi`).
 * @see https://github.com/awslabs/amazon-eks-ami (kubelet config: evictionHard)
 */
export const EVICTION_HARD_MEMORY_MIB = 100;

/**
 * CPU the EKS AMIs reserve for the kubelet and container runtime (`kubeReserved.cpu`), in
 * millicores: 6 % of the first core, 1 % of the second, 0.5 % of the third and fourth, 0.25 % of
 * every core above four. Bottlerocket uses the same formula.
 * @see https://github.com/awslabs/amazon-eks-ami (nodeadm: kubelet config, kubeReserved)
 * @see https://learnk8s.io/allocatable-resources
 */
export function kubeReservedCpuMillicores(vcpus: number): number {
  const bands: readonly [number, number][] = [[1, 60], [1, 10], [2, 5], [Infinity, 2.5]];
  let left = vcpus;
  let reserved = 0;
  for (const [cores, perCore] of bands) {
    const n = Math.min(left, cores);
    reserved += n * perCore;
    left -= n;
    if (left <= 0) break;
  }
  return reserved;
}

/**
 * Memory the EKS AMIs reserve for the kubelet and container runtime (`kubeReserved.memory`), in
 * MiB: `11 × maxPods + 255`.
 * @see https://github.com/awslabs/amazon-eks-ami (nodeadm: kubelet config, kubeReserved)
 */
export function kubeReservedMemoryMiB(maxPods: number): number {
  return 11 * maxPods + 255;
}

/** What one node of a pool offers pods after the kubelet's reservation and the DaemonSets on it. */
export interface NodeBudget {
  /** Units of the pool's GPU resource. */
  readonly gpus: number;
  /** CPU left for workload pods, in millicores. */
  readonly cpuMillicores: number;
  /** Memory left for workload pods, in bytes. */
  readonly memoryBytes: number;
  /** Pods left for workload pods (max pods minus the DaemonSet pods). */
  readonly pods: number;
  /** The figures and how they were reached, for messages: `3645m of CPU (4 vCPUs − 80m kubelet reservation − 275m DaemonSets: …)`. */
  readonly explain: {
    /** The CPU arithmetic. */
    readonly cpu: string;
    /** The memory arithmetic. */
    readonly memory: string;
  };
}

const MIB = 2 ** 20;
const GIB = 2 ** 30;

/**
 * What one node of `pool` offers workload pods: allocatable (capacity minus the EKS kubelet
 * reservation and eviction threshold, see {@link kubeReservedCpuMillicores} and
 * {@link kubeReservedMemoryMiB}) minus the requests of every DaemonSet on its nodes.
 */
export function nodeBudget(pool: ResolvedGpuNodePool, daemons: readonly GpuNodeDaemon[]): NodeBudget {
  const t = pool.instanceType;
  const here = daemons.filter((d) => !d.poolNames || d.poolNames.includes(pool.name));
  const sum = (resource: string): number => here.reduce((n, d) => n + (parseQuantity(d.requests[resource] ?? '0') ?? 0), 0);
  const daemonCpuMilli = Math.round(sum('cpu') * 1000);
  const daemonMemory = sum('memory');
  const names = here.length ? `: ${here.map((d) => d.name).join(', ')}` : '';

  const cpuReserved = kubeReservedCpuMillicores(t.vcpus);
  const cpu = t.vcpus * 1000 - cpuReserved - daemonCpuMilli;
  const memCapacity = Math.floor(t.memoryGiB * GIB * (1 - VM_MEMORY_OVERHEAD));
  const memReserved = (kubeReservedMemoryMiB(t.maxPods) + EVICTION_HARD_MEMORY_MIB) * MIB;
  const memory = memCapacity - memReserved - daemonMemory;
  const gib = (bytes: number): string => `${(bytes / GIB).toFixed(2)} GiB`;
  return {
    gpus: pool.allocatablePerNode,
    cpuMillicores: cpu,
    memoryBytes: memory,
    pods: t.maxPods - here.length,
    explain: {
      cpu: `${cpu}m of CPU (${t.vcpus} vCPUs − ${cpuReserved}m kubelet reservation − ${daemonCpuMilli}m DaemonSets${names})`,
      memory: `${gib(memory)} of memory (${t.memoryGiB} GiB − ${VM_MEMORY_OVERHEAD * 100} % system − ${kubeReservedMemoryMiB(t.maxPods) + EVICTION_HARD_MEMORY_MIB}Mi kubelet reservation and eviction threshold − ${Math.round(daemonMemory / MIB)}Mi DaemonSets)`,
    },
  };
}

/** Which resource limits how many replicas fit on one node. */
export type BindingResource = 'gpu' | 'cpu' | 'memory' | 'pods';

/**
 * How many replicas needing `gpus` units of the pool's resource, `cpuCores` and `memoryBytes`
 * fit on one node of `budget`, and which resource binds first.
 */
export function replicasPerNode(budget: NodeBudget, need: {
  /** Units of the pool's GPU resource per replica. */
  readonly gpus: number;
  /** CPU request per replica, in cores. */
  readonly cpuCores: number;
  /** Memory request per replica, in bytes. */
  readonly memoryBytes: number;
}): {
  /** Replicas per node. */
  count: number;
  /** The resource that allows the fewest. */
  binding: BindingResource;
} {
  const fit = (have: number, per: number): number => (per > 0 ? Math.max(0, Math.floor(have / per + 1e-9)) : Infinity);
  const options: [BindingResource, number][] = [
    ['gpu', fit(budget.gpus, need.gpus)],
    ['cpu', fit(budget.cpuMillicores, need.cpuCores * 1000)],
    ['memory', fit(budget.memoryBytes, need.memoryBytes)],
    ['pods', Math.max(0, budget.pods)],
  ];
  const [binding, count] = options.reduce((a, b) => (b[1] < a[1] ? b : a));
  return { count, binding };
}
