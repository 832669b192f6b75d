import { stringify } from 'yaml';
import { checkDnsSubdomain, checkImage, sortKeys } from '../checks';
import {
  describeTimeSlicing,
  gpuNodeSelectorTerms,
  GpuNodeSelectorTerm,
  ResolvedGpuNodePool,
  ResolvedTimeSlicing,
  resolveTimeSlicing,
  sameTimeSlicing,
  TimeSlicingProps,
} from '../gpu-node-pool';
import { IMAGES } from '../images';
import { DEFAULT_GPU_RESOURCE } from '../inference-service';
import { checkDnsLabel, checkLabels } from '../names';
import { Problem, show } from '../problems';
import { ResolvedResources, resolveResources, ResourcesProps } from '../resources';

/**
 * How the device plugin exposes Multi-Instance GPU partitions: `none` ignores MIG, `single`
 * advertises each MIG slice as `nvidia.com/gpu` (all GPUs of a node partitioned alike), `mixed`
 * advertises slices as `nvidia.com/mig-<g>g.<mem>gb`.
 * @see https://github.com/NVIDIA/k8s-device-plugin#configuration-option-details
 */
export type MigStrategy = 'none' | 'single' | 'mixed';

/** Every {@link MigStrategy}. */
export const MIG_STRATEGIES: readonly MigStrategy[] = Object.freeze(['none', 'single', 'mixed'] as const);

/** Props of the NVIDIA device plugin (the `NvidiaDevicePlugin` construct takes exactly these). */
export interface NvidiaDevicePluginProps {
  /**
   * Name of every object: a DNS-1123 label. With pools of several time-slicing settings, the
   * DaemonSet for whole GPUs keeps this name and each other setting gets
   * `<name>-timeslice-<replicas>` (see {@link ResolvedDevicePluginDaemonSet.name}).
   * @default "nvidia-device-plugin"
   */
  readonly name?: string;
  /**
   * Namespace of every object. It must allow Pod Security level `privileged`: the plugin mounts
   * the kubelet's device-plugin directory from the host.
   * @default "gpu-system"
   */
  readonly namespace?: string;
  /** Container image. @default - IMAGES.nvidiaDevicePlugin (`nvcr.io/nvidia/k8s-device-plugin:v0.20.0`) */
  readonly image?: string;
  /**
   * Run only on these pools' nodes (node affinity on `inferscale.io/gpu-pool`), and take the
   * time-slicing configuration from them: one DaemonSet per distinct setting, each on its own
   * pools, so every node runs exactly one plugin with its pool's configuration.
   * @default - every node labelled `nvidia.com/gpu.present=true` or
   *   `feature.node.kubernetes.io/pci-10de.present=true`
   */
  readonly pools?: readonly ResolvedGpuNodePool[];
  /**
   * Stay off nodes whose AMI runs its own device plugin (Bottlerocket NVIDIA variants, labelled
   * `inferscale.io/nvidia-device-plugin=preinstalled`): two plugins on one node fight over the
   * kubelet's device-plugin socket.
   * @default true
   */
  readonly skipPreinstalledNodes?: boolean;
  /**
   * Share each GPU with CUDA time-slicing, through a config file mounted from a ConfigMap.
   * With `pools`, every pool must have this same setting.
   * @default - each pool's own setting; whole GPUs without pools
   */
  readonly timeSlicing?: TimeSlicingProps;
  /** MIG strategy (the `MIG_STRATEGY` environment variable). @default "none" */
  readonly migStrategy?: MigStrategy;
  /**
   * Priority class. Without the plugin, no GPU pod on the node can start, so it gets the
   * highest one, as NVIDIA's own manifests do.
   * @default "system-node-critical"
   */
  readonly priorityClassName?: string;
  /** Container resources. No limits by default: an OOM-killed plugin takes every GPU off the node. @default { cpu: { request: "50m" }, memory: { request: "64Mi" } } */
  readonly resources?: ResourcesProps;
  /** Extra labels on every object and pod (never in selectors). @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/** One DaemonSet of the device plugin: one time-slicing setting, on its own nodes. */
export interface ResolvedDevicePluginDaemonSet {
  /**
   * Name of the DaemonSet (and of its ConfigMap, with `-config`). The plugin's name for whole
   * GPUs or for its only setting; `<name>-timeslice-<replicas>` for each other setting, with
   * `-keepname` when shares stay `nvidia.com/gpu` and `-multishare` when requests above one
   * share are allowed.
   */
  readonly name: string;
  /** The pools it runs on (names, sorted), when restricted to pools. */
  readonly poolNames?: readonly string[];
  /** Node affinity terms (any one matches). */
  readonly nodeSelectorTerms: readonly GpuNodeSelectorTerm[];
  /** Time-slicing, if its GPUs are shared. */
  readonly timeSlicing?: ResolvedTimeSlicing;
  /** The extended resource it advertises: `nvidia.com/gpu` or `nvidia.com/gpu.shared`. */
  readonly resourceName: string;
  /** Config file content (YAML), when time-slicing is on. */
  readonly configFile?: string;
  /** Selector labels (stable: never change them on a live DaemonSet). */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** Labels on its objects and pods. */
  readonly labels: Readonly<Record<string, string>>;
}

/** Every default of {@link NvidiaDevicePluginProps} resolved. */
export interface ResolvedNvidiaDevicePlugin {
  /** Name of the ServiceAccount and of the first DaemonSet. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Container image. */
  readonly image: string;
  /** Every pool it runs on, if restricted to pools (names, sorted). */
  readonly poolNames?: readonly string[];
  /** Whether nodes with a preinstalled plugin are skipped. */
  readonly skipPreinstalledNodes: boolean;
  /** MIG strategy. */
  readonly migStrategy: MigStrategy;
  /** Priority class. */
  readonly priorityClassName: string;
  /** Requests and limits of every DaemonSet's container. */
  readonly resources: ResolvedResources;
  /** Labels on the ServiceAccount. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * One DaemonSet per time-slicing setting, on disjoint node sets: whole GPUs (or the only
   * setting) first, then by name. Every GPU node the plugin covers matches exactly one.
   */
  readonly daemonSets: readonly ResolvedDevicePluginDaemonSet[];
  /** The extended resources advertised, sorted. */
  readonly resourceNames: readonly string[];
}

/** Labels the plugin sets on its objects itself; user labels may not override them. */
const OWN_LABEL_KEYS = ['app.kubernetes.io/component', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/name', 'app.kubernetes.io/instance'];
const DEFAULT_NAME = 'nvidia-device-plugin';
const DEFAULT_NAMESPACE = 'gpu-system';

/**
 * Resolves every default of the device plugin and validates everything, including agreement
 * with the pools it runs on. Pools of different time-slicing settings get one DaemonSet each:
 * NVIDIA's own answer, a per-node config selected by the `nvidia.com/device-plugin.config`
 * node label, needs the chart's config-manager sidecar reading the Node object through the API
 * server; one DaemonSet per setting needs no API access and no extra node label, and a changed
 * setting rolls only its own pools.
 * @see https://github.com/NVIDIA/k8s-device-plugin#multiple-config-file-example
 */
export function resolveNvidiaDevicePlugin(props: NvidiaDevicePluginProps = {}): {
  /** The plugin with every default filled in; absent when there is any problem. */
  spec?: ResolvedNvidiaDevicePlugin;
  /** Every invalid or inconsistent prop, with its path relative to the props; empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const name = props.name ?? DEFAULT_NAME;
  const namespace = props.namespace ?? DEFAULT_NAMESPACE;
  problems.push(...checkDnsLabel('name', name), ...checkDnsLabel('namespace', namespace));
  const image = props.image ?? IMAGES.nvidiaDevicePlugin;
  problems.push(...checkImage('image', image, IMAGES.nvidiaDevicePlugin));
  const migStrategy = props.migStrategy ?? 'none';
  if (!MIG_STRATEGIES.includes(migStrategy)) {
    problems.push({ path: 'migStrategy', message: `is ${show(migStrategy)}; expected one of ${MIG_STRATEGIES.map((m) => show(m)).join(', ')}` });
  }
  const priorityClassName = props.priorityClassName ?? 'system-node-critical';
  problems.push(...checkDnsSubdomain('priorityClassName', priorityClassName, 'a PriorityClass name such as "system-node-critical"'));
  problems.push(...checkLabels('labels', props.labels));
  for (const key of Object.keys(props.labels ?? {})) {
    if (OWN_LABEL_KEYS.includes(key)) problems.push({ path: `labels[${show(key)}]`, message: 'is set by the device plugin itself (its selector and component labels); remove it' });
  }
  const { resources, problems: resourceProblems } = resolveResources('resources', props.resources, { cpu: { request: '50m' }, memory: { request: '64Mi' } });
  problems.push(...resourceProblems);

  let explicit: ResolvedTimeSlicing | undefined;
  if (props.timeSlicing !== undefined) {
    const ts = resolveTimeSlicing('timeSlicing', props.timeSlicing);
    problems.push(...ts.problems);
    explicit = ts.timeSlicing;
  }

  const skip = props.skipPreinstalledNodes ?? true;
  // Without pools: one DaemonSet on every GPU node, with the explicit setting.
  let groups: { timeSlicing?: ResolvedTimeSlicing; pools?: ResolvedGpuNodePool[] }[] = [{ ...(explicit ? { timeSlicing: explicit } : {}) }];
  if (props.pools) {
    const targets = props.pools.map((pool, index) => ({ pool, index })).filter(({ pool }) => !(skip && pool.devicePluginPreinstalled));
    if (props.pools.length === 0) {
      problems.push({ path: 'pools', message: 'is empty, so the DaemonSet would be scheduled nowhere; give at least one pool, or leave pools out to run on every GPU node' });
    } else if (targets.length === 0) {
      problems.push({
        path: 'pools',
        message: `holds only pools whose AMI runs its own device plugin (${props.pools.map((p) => `${p.name}: ${p.ami}`).join(', ')}), so the DaemonSet would be scheduled nowhere; leave NvidiaDevicePlugin out, or add an AL2023_x86_64_NVIDIA pool`,
      });
    }
    if (!skip) {
      props.pools.forEach((pool, i) => {
        if (pool.devicePluginPreinstalled) {
          problems.push({ path: `pools[${i}] (${pool.name})`, message: `uses ${pool.ami}, whose nodes already run a device plugin; a second one would fight it over the kubelet socket. Leave skipPreinstalledNodes at true` });
        }
      });
    }
    if (explicit) {
      for (const { pool, index } of targets) {
        if (!sameTimeSlicing(explicit, pool.timeSlicing)) {
          problems.push({
            path: `pools[${index}] (${pool.name})`,
            message: `promises ${describeTimeSlicing(pool.timeSlicing)}, but timeSlicing gives ${describeTimeSlicing(explicit)}; the plugin would advertise something other than the pool promises. Make them agree, or leave timeSlicing out to take each pool's own`,
          });
        }
      }
    }
    // One group per distinct setting: the groups partition the pools, so no node gets two plugins.
    groups = [];
    for (const { pool } of targets) {
      const group = groups.find((g) => sameTimeSlicing(g.timeSlicing, pool.timeSlicing));
      if (group) group.pools!.push(pool);
      else groups.push({ ...(pool.timeSlicing ? { timeSlicing: pool.timeSlicing } : {}), pools: [pool] });
    }
  }

  const daemonSetNames = groups.map((g) => (groups.length === 1 || !g.timeSlicing ? name : `${name}-${settingSuffix(g.timeSlicing)}`));
  for (const n of daemonSetNames) {
    if (n !== name && checkDnsLabel('name', n).length > 0) {
      problems.push({ path: 'name', message: `is ${show(name)}, too long for the DaemonSet ${show(n)} of a second time-slicing setting: names hold at most 63 characters. Use a shorter name` });
    }
  }

  if (problems.length > 0) return { problems };

  const ownLabels = (instance: string): Record<string, string> => sortKeys({
    ...(props.labels ?? {}),
    'app.kubernetes.io/component': 'gpu-device-plugin',
    'app.kubernetes.io/managed-by': 'inferscale',
    'app.kubernetes.io/name': 'nvidia-device-plugin',
    'app.kubernetes.io/instance': instance,
  });
  const daemonSets: ResolvedDevicePluginDaemonSet[] = groups.map((g, i) => {
    const dsName = daemonSetNames[i];
    const poolNames = g.pools ? [...new Set(g.pools.map((p) => p.name))].sort() : undefined;
    return {
      name: dsName,
      ...(poolNames ? { poolNames } : {}),
      nodeSelectorTerms: gpuNodeSelectorTerms({ ...(g.pools ? { pools: g.pools } : {}), skipPreinstalledDevicePlugin: skip }),
      ...(g.timeSlicing ? { timeSlicing: g.timeSlicing, configFile: devicePluginConfigFile(g.timeSlicing) } : {}),
      resourceName: g.timeSlicing?.resourceName ?? DEFAULT_GPU_RESOURCE,
      selectorLabels: { 'app.kubernetes.io/name': 'nvidia-device-plugin', 'app.kubernetes.io/instance': dsName },
      labels: ownLabels(dsName),
    };
  });
  daemonSets.sort((a, b) => (a.name === name ? -1 : b.name === name ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const allPools = props.pools ? [...new Set(daemonSets.flatMap((d) => d.poolNames ?? []))].sort() : undefined;

  return {
    problems: [],
    spec: {
      name,
      namespace,
      image,
      ...(allPools ? { poolNames: allPools } : {}),
      skipPreinstalledNodes: skip,
      migStrategy,
      priorityClassName,
      resources,
      labels: ownLabels(name),
      daemonSets,
      resourceNames: [...new Set(daemonSets.map((d) => d.resourceName))].sort(),
    },
  };
}

/**
 * The device plugin's config file for time-slicing, in NVIDIA's `version: v1` format.
 * @see https://github.com/NVIDIA/k8s-device-plugin#with-cuda-time-slicing
 */
export function devicePluginConfigFile(ts: ResolvedTimeSlicing): string {
  return stringify({
    version: 'v1',
    sharing: {
      timeSlicing: {
        renameByDefault: ts.renameByDefault,
        failRequestsGreaterThanOne: ts.failRequestsGreaterThanOne,
        resources: [{ name: DEFAULT_GPU_RESOURCE, replicas: ts.replicas }],
      },
    },
  });
}

/** `timeslice-4`, `timeslice-4-keepname`, `timeslice-4-multishare`: derived from the setting only, so names stay put as pools come and go. */
function settingSuffix(ts: ResolvedTimeSlicing): string {
  return `timeslice-${ts.replicas}${ts.renameByDefault ? '' : '-keepname'}${ts.failRequestsGreaterThanOne ? '' : '-multishare'}`;
}
