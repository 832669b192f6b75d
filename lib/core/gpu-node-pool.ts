import { checkInteger, sortKeys } from './checks';
import { checkGpuInstanceType, GpuInstanceType } from './gpu-instances';
import { DEFAULT_GPU_RESOURCE, GPU_PRESENT_LABEL, GPU_PRODUCT_LABEL } from './inference-service';
import { allocatableEphemeralStorageGiB } from './model-cache';
import { checkDnsLabel, checkLabels } from './names';
import { InferscaleValidationError, Problem, show } from './problems';

/**
 * EKS-optimized AMI types with NVIDIA drivers for x86_64 GPU nodes. `AL2_x86_64_GPU` is past
 * end of support. Bottlerocket's NVIDIA variants run their own device plugin; AL2023 ships the
 * driver and container toolkit only, so it needs the NvidiaDevicePlugin construct.
 * @see https://docs.aws.amazon.com/eks/latest/APIReference/API_Nodegroup.html#AmazonEKS-Type-Nodegroup-amiType
 */
export type GpuAmiType = 'AL2023_x86_64_NVIDIA' | 'BOTTLEROCKET_x86_64_NVIDIA';

/** Every supported {@link GpuAmiType}. */
export const GPU_POOL_AMI_TYPES: readonly GpuAmiType[] = Object.freeze(['AL2023_x86_64_NVIDIA', 'BOTTLEROCKET_x86_64_NVIDIA'] as const);

/** EC2 purchase option of a node group, spelled as the EKS API spells it. */
export type GpuCapacityType = 'ON_DEMAND' | 'SPOT';

/** Node label naming the inferscale GPU pool a node belongs to. */
export const GPU_POOL_LABEL = 'inferscale.io/gpu-pool';
/** Node label marking nodes whose AMI runs its own NVIDIA device plugin (value {@link DEVICE_PLUGIN_PREINSTALLED}). */
export const DEVICE_PLUGIN_LABEL = 'inferscale.io/nvidia-device-plugin';
/** Value of {@link DEVICE_PLUGIN_LABEL} on nodes whose AMI ships the device plugin. */
export const DEVICE_PLUGIN_PREINSTALLED = 'preinstalled';
/** Node label with the number of physical GPUs, as GPU feature discovery names it. */
export const GPU_COUNT_LABEL = 'nvidia.com/gpu.count';
/** Node label with the memory of one GPU in MiB, as GPU feature discovery names it. */
export const GPU_MEMORY_LABEL = 'nvidia.com/gpu.memory';
/** Node label the cluster autoscaler reads on AWS to know a node will have GPUs. */
export const AWS_ACCELERATOR_LABEL = 'k8s.amazonaws.com/accelerator';
/** Label node feature discovery sets on nodes with an NVIDIA PCI device (vendor 10de). */
export const NFD_NVIDIA_PCI_LABEL = 'feature.node.kubernetes.io/pci-10de.present';
/** Key of the taint that keeps pods without a GPU toleration off GPU nodes. */
export const GPU_TAINT_KEY = 'nvidia.com/gpu';
/** Resource name of time-sliced GPUs when the device plugin renames shared resources. */
export const SHARED_GPU_RESOURCE = `${DEFAULT_GPU_RESOURCE}.shared`;

const AUTOSCALER_TAG_PREFIX = 'k8s.io/cluster-autoscaler/node-template';

/**
 * CUDA time-slicing: the device plugin advertises each GPU `replicas` times. Workloads that
 * share a GPU share its memory and fault domain; nothing isolates them.
 * @see https://github.com/NVIDIA/k8s-device-plugin#with-cuda-time-slicing
 */
export interface TimeSlicingProps {
  /** Shares advertised per physical GPU: a whole number, 2 or more. */
  readonly replicas: number;
  /**
   * Advertise the shares as `nvidia.com/gpu.shared` instead of `nvidia.com/gpu`, so a pod that
   * asks for a whole GPU can never land on a shared one by accident.
   * @default true
   */
  readonly renameByDefault?: boolean;
  /**
   * Reject containers asking for more than one share: two shares do not mean twice the compute,
   * only access to a GPU other clients also use. NVIDIA recommends it; its own default is off.
   * @default true
   */
  readonly failRequestsGreaterThanOne?: boolean;
}

/** Time-slicing, resolved. */
export interface ResolvedTimeSlicing {
  /** Shares per physical GPU. */
  readonly replicas: number;
  /** Whether shares are advertised as `<resource>.shared`. */
  readonly renameByDefault: boolean;
  /** Whether requests above one share are rejected. */
  readonly failRequestsGreaterThanOne: boolean;
  /** The extended resource pods request: `nvidia.com/gpu.shared` or `nvidia.com/gpu`. */
  readonly resourceName: string;
}

/** Props of a GPU node pool. Framework-neutral: the cdk8s constructs and the Pulumi node group read the same description. */
export interface GpuNodePoolProps {
  /** Pool name: a DNS-1123 label, used as the `inferscale.io/gpu-pool` node label value and in node group names. */
  readonly name: string;
  /** EC2 instance type from the GPU catalogue, e.g. `g5.xlarge`. */
  readonly instanceType: string;
  /**
   * Fewest nodes. 0 lets the pool scale from zero, which needs a cluster autoscaler (the
   * node-template tags it reads are in `autoscalerTags`).
   * @default 1
   */
  readonly minNodes?: number;
  /** Most nodes; bounds GPU capacity and spend. */
  readonly maxNodes: number;
  /** Extra node labels. Keys the pool sets itself, and kubernetes.io / k8s.io keys a kubelet may not set, are rejected. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** EKS AMI type. @default "AL2023_x86_64_NVIDIA" */
  readonly ami?: GpuAmiType;
  /** Share each GPU between pods with CUDA time-slicing. @default - whole GPUs */
  readonly timeSlicing?: TimeSlicingProps;
  /**
   * Taint nodes with `nvidia.com/gpu=true:NoSchedule`, so only pods that tolerate it (GPU
   * workloads and GPU daemons) use the expensive nodes.
   * @default true
   */
  readonly taint?: boolean;
  /** On-demand or spot instances. @default "ON_DEMAND" */
  readonly capacityType?: GpuCapacityType;
  /** Root volume size in GiB; model server images are large. From 20 to 16384. @default 100 */
  readonly diskSizeGiB?: number;
}

/** A node taint in both spellings: Kubernetes (`NoSchedule`) and the EKS API (`NO_SCHEDULE`). */
export interface GpuNodeTaint {
  /** Taint key. */
  readonly key: string;
  /** Taint value. */
  readonly value: string;
  /** Effect as Kubernetes spells it. */
  readonly effect: 'NoSchedule';
  /** Effect as the EKS node group API spells it. */
  readonly awsEffect: 'NO_SCHEDULE';
}

/** A GPU node pool with every default resolved: what schedulers, capacity checks and node groups read. */
export interface ResolvedGpuNodePool {
  /** Pool name. */
  readonly name: string;
  /** The catalogue entry of the instance type. */
  readonly instanceType: GpuInstanceType;
  /** EKS AMI type. */
  readonly ami: GpuAmiType;
  /** On-demand or spot. */
  readonly capacityType: GpuCapacityType;
  /** Root volume size in GiB. */
  readonly diskSizeGiB: number;
  /** Fewest nodes. */
  readonly minNodes: number;
  /** Most nodes. */
  readonly maxNodes: number;
  /** Physical GPUs per node. */
  readonly gpusPerNode: number;
  /** GPU product (`nvidia.com/gpu.product` label value). */
  readonly gpuProduct: string;
  /** Memory of one GPU in MiB. */
  readonly gpuMemoryMiB: number;
  /** Time-slicing, if the GPUs are shared. */
  readonly timeSlicing?: ResolvedTimeSlicing;
  /** The extended resource pods on this pool request: `nvidia.com/gpu` or `nvidia.com/gpu.shared`. */
  readonly resourceName: string;
  /** Units of {@link resourceName} one node advertises: GPUs per node, times time-slicing replicas. */
  readonly allocatablePerNode: number;
  /** Physical GPUs at maxNodes: maxNodes × gpusPerNode. */
  readonly capacityGpus: number;
  /** Units of {@link resourceName} at maxNodes: maxNodes × allocatablePerNode. */
  readonly capacity: number;
  /** Node labels, sorted by key: the user's plus GPU presence, product, count, memory, pool and accelerator. */
  readonly labels: Readonly<Record<string, string>>;
  /** Node selector that pins pods to this pool. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Node taints (empty when `taint: false`). */
  readonly taints: readonly GpuNodeTaint[];
  /** Whether the AMI runs its own NVIDIA device plugin (Bottlerocket NVIDIA variants do). */
  readonly devicePluginPreinstalled: boolean;
  /**
   * Auto Scaling group tags from which the cluster autoscaler learns the labels, taints, GPU
   * resources and ephemeral storage of a node before one exists, so the pool can scale from zero.
   * @see https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/README.md
   */
  readonly autoscalerTags: Readonly<Record<string, string>>;
  /**
   * For Bottlerocket pools: the `settings` that configure its built-in device plugin (time-slicing),
   * to render into the node's TOML user data. `undefined` for other AMIs.
   * @see https://github.com/bottlerocket-os/bottlerocket (settings.kubelet-device-plugins.nvidia)
   */
  readonly bottlerocketSettings?: Readonly<Record<string, unknown>>;
}

const RESERVED_LABELS = [GPU_PRESENT_LABEL, GPU_PRODUCT_LABEL, GPU_COUNT_LABEL, GPU_MEMORY_LABEL, GPU_POOL_LABEL, DEVICE_PLUGIN_LABEL, AWS_ACCELERATOR_LABEL];
const KUBELET_ALLOWED_PREFIXES = ['node.kubernetes.io', 'kubelet.kubernetes.io'];

/**
 * Resolves every default of a GPU node pool and validates everything. Returns either the
 * resolved pool or the complete list of problems (paths relative to the props).
 */
export function resolveGpuNodePool(props: GpuNodePoolProps): {
  /** The pool with every default filled in; absent when there is any problem. */
  pool?: ResolvedGpuNodePool;
  /** Every invalid or inconsistent prop, with its path relative to the props; empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  problems.push(...checkDnsLabel('name', props.name));
  const { type, problems: typeProblems } = checkGpuInstanceType('instanceType', props.instanceType);
  problems.push(...typeProblems);

  const ami = props.ami ?? 'AL2023_x86_64_NVIDIA';
  problems.push(...checkAmi(ami));
  const capacityType = props.capacityType ?? 'ON_DEMAND';
  if (capacityType !== 'ON_DEMAND' && capacityType !== 'SPOT') {
    problems.push({ path: 'capacityType', message: `is ${show(capacityType)}; expected "ON_DEMAND" or "SPOT"` });
  }
  const diskSizeGiB = props.diskSizeGiB ?? 100;
  problems.push(...checkInteger('diskSizeGiB', diskSizeGiB, { min: 20, max: 16384, unit: 'GiB' }));

  const minNodes = props.minNodes ?? 1;
  const maxNodes = props.maxNodes;
  const minOk = checkNodeCount(problems, 'minNodes', minNodes, 0);
  const maxOk = checkNodeCount(problems, 'maxNodes', maxNodes, 1);
  if (minOk && maxOk && minNodes > maxNodes) {
    problems.push({ path: 'minNodes', message: `is ${minNodes}, above maxNodes (${maxNodes}); expected minNodes <= maxNodes` });
  }

  let timeSlicing: ResolvedTimeSlicing | undefined;
  if (props.timeSlicing !== undefined) {
    const ts = resolveTimeSlicing('timeSlicing', props.timeSlicing);
    problems.push(...ts.problems);
    timeSlicing = ts.timeSlicing;
  }

  problems.push(...checkLabels('labels', props.labels));
  for (const key of Object.keys(props.labels ?? {})) {
    const at = `labels[${show(key)}]`;
    if (RESERVED_LABELS.includes(key)) {
      problems.push({ path: at, message: 'is set by the pool itself (from its name, instance type and AMI); remove it' });
    } else if (isKubeletRestricted(key)) {
      problems.push({ path: at, message: `uses the kubernetes.io / k8s.io label namespace, which a kubelet may not set on its own node (only ${KUBELET_ALLOWED_PREFIXES.map((p) => `${p}/`).join(' and ')} keys); use a prefix of your own` });
    } else if (`${AUTOSCALER_TAG_PREFIX}/label/${key}`.length > 128) {
      problems.push({ path: at, message: `key is too long for the cluster-autoscaler node-template tag ${show(`${AUTOSCALER_TAG_PREFIX}/label/${key}`)}: AWS tag keys hold at most 128 characters` });
    }
  }

  if (problems.length > 0 || !type) return { problems };

  const preinstalled = ami === 'BOTTLEROCKET_x86_64_NVIDIA';
  const resourceName = timeSlicing?.resourceName ?? DEFAULT_GPU_RESOURCE;
  const allocatablePerNode = type.gpus * (timeSlicing?.replicas ?? 1);
  const labels = sortKeys({
    ...(props.labels ?? {}),
    [GPU_PRESENT_LABEL]: 'true',
    [GPU_PRODUCT_LABEL]: type.gpuProduct,
    [GPU_COUNT_LABEL]: String(type.gpus),
    [GPU_MEMORY_LABEL]: String(type.gpuMemoryMiB),
    [AWS_ACCELERATOR_LABEL]: type.accelerator,
    [GPU_POOL_LABEL]: props.name,
    ...(preinstalled ? { [DEVICE_PLUGIN_LABEL]: DEVICE_PLUGIN_PREINSTALLED } : {}),
  });
  const taints: GpuNodeTaint[] = props.taint === false ? [] : [{ key: GPU_TAINT_KEY, value: 'true', effect: 'NoSchedule', awsEffect: 'NO_SCHEDULE' }];
  const autoscalerTags = sortKeys({
    ...Object.fromEntries(Object.entries(labels).map(([k, v]) => [`${AUTOSCALER_TAG_PREFIX}/label/${k}`, v])),
    ...Object.fromEntries(taints.map((t) => [`${AUTOSCALER_TAG_PREFIX}/taint/${t.key}`, `${t.value}:${t.effect}`])),
    [`${AUTOSCALER_TAG_PREFIX}/resources/${resourceName}`]: String(allocatablePerNode),
    // The autoscaler's node for an empty group has CPU, memory, pods and GPUs from the instance
    // type, but no ephemeral-storage unless told: a pod that requests any (the model cache does)
    // would never fit it, and the pool would never scale up from zero.
    [`${AUTOSCALER_TAG_PREFIX}/resources/ephemeral-storage`]: `${allocatableEphemeralStorageGiB(diskSizeGiB)}Gi`,
  });

  return {
    problems: [],
    pool: {
      name: props.name,
      instanceType: type,
      ami,
      capacityType,
      diskSizeGiB,
      minNodes,
      maxNodes,
      gpusPerNode: type.gpus,
      gpuProduct: type.gpuProduct,
      gpuMemoryMiB: type.gpuMemoryMiB,
      ...(timeSlicing ? { timeSlicing } : {}),
      resourceName,
      allocatablePerNode,
      capacityGpus: maxNodes * type.gpus,
      capacity: maxNodes * allocatablePerNode,
      labels,
      nodeSelector: { [GPU_POOL_LABEL]: props.name },
      taints,
      devicePluginPreinstalled: preinstalled,
      autoscalerTags,
      ...(preinstalled ? { bottlerocketSettings: bottlerocketSettings(timeSlicing) } : {}),
    },
  };
}

/**
 * Like {@link resolveGpuNodePool}, but throws.
 * @throws InferscaleValidationError listing every problem, owned by `GpuNodePool "<name>"`
 */
export function gpuNodePool(props: GpuNodePoolProps): ResolvedGpuNodePool {
  const { pool, problems } = resolveGpuNodePool(props);
  if (!pool) throw new InferscaleValidationError(`GpuNodePool ${show(props.name)}`, problems);
  return pool;
}

/** Resolves and checks time-slicing props; `path` prefixes the problems (e.g. `timeSlicing`). */
export function resolveTimeSlicing(path: string, props: TimeSlicingProps): {
  /** The time-slicing settings with every default filled in; absent when there is any problem. */
  timeSlicing?: ResolvedTimeSlicing;
  /** Every invalid prop, with its path prefixed by `path`; empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const replicas = props.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas)) {
    problems.push({ path: `${path}.replicas`, message: `is ${show(replicas)}; expected a whole number of shares per GPU, 2 or more` });
  } else if (replicas < 2) {
    problems.push({ path: `${path}.replicas`, message: `is ${replicas}; time-slicing with fewer than 2 shares per GPU shares nothing: expected 2 or more, or leave timeSlicing out` });
  }
  for (const field of ['renameByDefault', 'failRequestsGreaterThanOne'] as const) {
    if (props[field] !== undefined && typeof props[field] !== 'boolean') {
      problems.push({ path: `${path}.${field}`, message: `is ${show(props[field])}; expected true or false` });
    }
  }
  if (problems.length > 0) return { problems };
  const renameByDefault = props.renameByDefault ?? true;
  return {
    problems: [],
    timeSlicing: {
      replicas,
      renameByDefault,
      failRequestsGreaterThanOne: props.failRequestsGreaterThanOne ?? true,
      resourceName: renameByDefault ? SHARED_GPU_RESOURCE : DEFAULT_GPU_RESOURCE,
    },
  };
}

/** True when two time-slicing settings advertise the same resources. `undefined` means whole GPUs. */
export function sameTimeSlicing(a: ResolvedTimeSlicing | undefined, b: ResolvedTimeSlicing | undefined): boolean {
  if (!a || !b) return a === b;
  return a.replicas === b.replicas && a.renameByDefault === b.renameByDefault && a.failRequestsGreaterThanOne === b.failRequestsGreaterThanOne;
}

/** Describes a time-slicing setting for error messages: `whole GPUs` or `4 shares per GPU as nvidia.com/gpu.shared`. */
export function describeTimeSlicing(ts: ResolvedTimeSlicing | undefined): string {
  if (!ts) return `whole GPUs as ${DEFAULT_GPU_RESOURCE}`;
  return `${ts.replicas} shares per GPU as ${ts.resourceName}${ts.failRequestsGreaterThanOne ? '' : ' (requests above one share allowed)'}`;
}

/**
 * How many replicas needing `unitsPerReplica` units of the pool's resource fit on the pool at
 * maxNodes. A replica's GPUs must all sit on one node, so this counts per node:
 * `floor(allocatablePerNode / unitsPerReplica) × maxNodes` (3-GPU replicas on 4-GPU nodes fit once per node).
 */
export function replicasThatFit(pool: ResolvedGpuNodePool, unitsPerReplica: number): number {
  if (!Number.isFinite(unitsPerReplica) || unitsPerReplica <= 0) return 0;
  return Math.floor(pool.allocatablePerNode / unitsPerReplica) * pool.maxNodes;
}

/** A node selector requirement, shaped like Kubernetes' `NodeSelectorRequirement`. */
export interface GpuNodeSelectorRequirement {
  /** Label key. */
  readonly key: string;
  /** `In` or `NotIn` (the latter also matches nodes without the label). */
  readonly operator: 'In' | 'NotIn';
  /** Label values. */
  readonly values: readonly string[];
}

/** One node selector term: all its requirements must hold. */
export interface GpuNodeSelectorTerm {
  /** Requirements, all of which must match. */
  readonly matchExpressions: readonly GpuNodeSelectorRequirement[];
}

/** Options of {@link gpuNodeSelectorTerms}. */
export interface GpuNodeSelectorOptions {
  /**
   * Run only on these pools' nodes (matched on `inferscale.io/gpu-pool`).
   * @default - every node labelled `nvidia.com/gpu.present=true` (inferscale pools, GPU feature discovery)
   *   or `feature.node.kubernetes.io/pci-10de.present=true` (node feature discovery)
   */
  readonly pools?: readonly ResolvedGpuNodePool[];
  /** Leave out nodes whose AMI runs its own NVIDIA device plugin. @default false */
  readonly skipPreinstalledDevicePlugin?: boolean;
}

/**
 * Node affinity terms (any one must match) for DaemonSets that belong on GPU nodes only. Every
 * term uses labels inferscale's pools set, so a GPU daemon is never scheduled nowhere. Returns an
 * empty list when no pool is left, which callers must treat as an error.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity
 */
export function gpuNodeSelectorTerms(options: GpuNodeSelectorOptions = {}): GpuNodeSelectorTerm[] {
  const skip: GpuNodeSelectorRequirement[] = options.skipPreinstalledDevicePlugin
    ? [{ key: DEVICE_PLUGIN_LABEL, operator: 'NotIn', values: [DEVICE_PLUGIN_PREINSTALLED] }]
    : [];
  if (options.pools) {
    const names = [...new Set(options.pools.filter((p) => !(options.skipPreinstalledDevicePlugin && p.devicePluginPreinstalled)).map((p) => p.name))].sort();
    return names.length === 0 ? [] : [{ matchExpressions: [{ key: GPU_POOL_LABEL, operator: 'In', values: names }] }];
  }
  return [
    { matchExpressions: [{ key: GPU_PRESENT_LABEL, operator: 'In', values: ['true'] }, ...skip] },
    { matchExpressions: [{ key: NFD_NVIDIA_PCI_LABEL, operator: 'In', values: ['true'] }, ...skip] },
  ];
}

/**
 * Tolerations of GPU node daemons (device plugin, DCGM exporter): the GPU taint, and
 * `CriticalAddonsOnly` as NVIDIA's chart tolerates it.
 */
export const GPU_DAEMON_TOLERATIONS: readonly {
  /** Taint key tolerated, e.g. `nvidia.com/gpu`. */
  readonly key: string;
  /** Always `Exists`: any value of the taint is tolerated. */
  readonly operator: 'Exists';
  /** Taint effect tolerated. @default - every effect */
  readonly effect?: 'NoSchedule';
}[] = Object.freeze([
  { key: 'CriticalAddonsOnly', operator: 'Exists' },
  { key: GPU_TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' },
]);

function checkAmi(ami: unknown): Problem[] {
  if (GPU_POOL_AMI_TYPES.includes(ami as GpuAmiType)) return [];
  const allowed = GPU_POOL_AMI_TYPES.map((a) => show(a)).join(' or ');
  if (ami === 'AL2_x86_64_GPU') {
    return [{ path: 'ami', message: `is ${show(ami)}, which is past end of support; use ${allowed}` }];
  }
  if (typeof ami === 'string' && /ARM_64/.test(ami)) {
    return [{ path: 'ami', message: `is ${show(ami)}, an arm64 AMI, but every instance type in the GPU catalogue is x86_64; use ${allowed}` }];
  }
  return [{ path: 'ami', message: `is ${show(ami)}; expected ${allowed}` }];
}

function checkNodeCount(problems: Problem[], path: string, value: unknown, min: number): boolean {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    problems.push({ path, message: `is ${show(value)}; expected a whole number of nodes, ${min} or more` });
    return false;
  }
  if (value < min) {
    problems.push({
      path,
      message: min === 0 ? `is ${value}; a node count cannot be negative: expected 0 or more` : `is ${value}; a GPU pool needs room for at least one node: expected 1 or more`,
    });
    return false;
  }
  return true;
}

function isKubeletRestricted(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const prefix = key.slice(0, slash);
  const restricted = (ns: string): boolean => prefix === ns || prefix.endsWith(`.${ns}`);
  if (!restricted('kubernetes.io') && !restricted('k8s.io')) return false;
  return !KUBELET_ALLOWED_PREFIXES.some((allowed) => prefix === allowed || prefix.endsWith(`.${allowed}`));
}

function bottlerocketSettings(ts: ResolvedTimeSlicing | undefined): Record<string, unknown> {
  if (!ts) return {};
  return {
    'kubelet-device-plugins': {
      nvidia: {
        'device-sharing-strategy': 'time-slicing',
        'time-slicing': {
          replicas: ts.replicas,
          'rename-by-default': ts.renameByDefault,
          'fail-requests-greater-than-one': ts.failRequestsGreaterThanOne,
        },
      },
    },
  };
}
