import { createHash } from 'node:crypto';
import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import {
  describeTimeSlicing,
  GPU_DAEMON_TOLERATIONS,
  gpuNodeSelectorTerms,
  GpuNodeSelectorTerm,
  ResolvedGpuNodePool,
  ResolvedTimeSlicing,
  resolveTimeSlicing,
  sameTimeSlicing,
  TimeSlicingProps,
} from '../core/gpu-node-pool';
import { IMAGES } from '../core/images';
import { DEFAULT_GPU_RESOURCE } from '../core/inference-service';
import { checkDnsLabel, checkLabels, isDnsSubdomain } from '../core/names';
import { formatProblems, InferscaleValidationError, Problem, show } from '../core/problems';
import { ResolvedResources, resolveResources, ResourcesProps } from '../core/resources';
import { containerResources } from './resources';

/**
 * How the device plugin exposes Multi-Instance GPU partitions: `none` ignores MIG, `single`
 * advertises each MIG slice as `nvidia.com/gpu` (all GPUs of a node partitioned alike), `mixed`
 * advertises slices as `nvidia.com/mig-<g>g.<mem>gb`.
 * @see https://github.com/NVIDIA/k8s-device-plugin#configuration-option-details
 */
export type MigStrategy = 'none' | 'single' | 'mixed';

/** Every {@link MigStrategy}. */
export const MIG_STRATEGIES: readonly MigStrategy[] = Object.freeze(['none', 'single', 'mixed'] as const);

/** Props of {@link NvidiaDevicePlugin}. */
export interface NvidiaDevicePluginProps {
  /** Name of every object: a DNS-1123 label. @default "nvidia-device-plugin" */
  readonly name?: string;
  /**
   * Namespace of every object. It must allow Pod Security level `privileged`: see
   * {@link NvidiaDevicePlugin.POD_SECURITY_REASON}.
   * @default "gpu-system"
   */
  readonly namespace?: string;
  /** Container image. @default - IMAGES.nvidiaDevicePlugin (`nvcr.io/nvidia/k8s-device-plugin:v0.20.0`) */
  readonly image?: string;
  /**
   * Run only on these pools' nodes (node affinity on `inferscale.io/gpu-pool`), and take the
   * time-slicing configuration from them.
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
   * With `pools`, it must match the pools' own setting.
   * @default - the pools' setting; whole GPUs without pools
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

/** Every default of {@link NvidiaDevicePluginProps} resolved. */
export interface ResolvedNvidiaDevicePlugin {
  /** Object name. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Container image. */
  readonly image: string;
  /** The pools it runs on, if restricted to pools (names, sorted). */
  readonly poolNames?: readonly string[];
  /** Node affinity terms (any one matches). */
  readonly nodeSelectorTerms: readonly GpuNodeSelectorTerm[];
  /** Whether nodes with a preinstalled plugin are skipped. */
  readonly skipPreinstalledNodes: boolean;
  /** Time-slicing, if the GPUs are shared. */
  readonly timeSlicing?: ResolvedTimeSlicing;
  /** The extended resource the plugin advertises: `nvidia.com/gpu` or `nvidia.com/gpu.shared`. */
  readonly resourceName: string;
  /** MIG strategy. */
  readonly migStrategy: MigStrategy;
  /** Priority class. */
  readonly priorityClassName: string;
  /** Requests and limits. */
  readonly resources: ResolvedResources;
  /** Config file content (YAML), when time-slicing is on. */
  readonly configFile?: string;
  /** Selector labels (stable: never change them on a live DaemonSet). */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** Labels on every object and pod. */
  readonly labels: Readonly<Record<string, string>>;
}

const DEFAULT_NAME = 'nvidia-device-plugin';
const DEFAULT_NAMESPACE = 'gpu-system';
const CONTAINER_NAME = 'nvidia-device-plugin-ctr';
const DEVICE_PLUGIN_DIR = '/var/lib/kubelet/device-plugins';
const CONFIG_DIR = '/etc/nvidia-device-plugin';
const CONFIG_KEY = 'config.yaml';
const CONFIG_HASH_ANNOTATION = 'inferscale.io/config-sha256';

/**
 * Resolves every default of the device plugin and validates everything, including agreement
 * with the pools it runs on. Returns the resolved plugin or every problem (paths relative to
 * the props).
 */
export function resolveNvidiaDevicePlugin(props: NvidiaDevicePluginProps = {}): {
  /** The plugin with every default filled in; absent when there is any problem. */
  plugin?: ResolvedNvidiaDevicePlugin;
  /** Every invalid or inconsistent prop, with its path relative to the props; empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const name = props.name ?? DEFAULT_NAME;
  const namespace = props.namespace ?? DEFAULT_NAMESPACE;
  problems.push(...checkDnsLabel('name', name), ...checkDnsLabel('namespace', namespace));
  const image = props.image ?? IMAGES.nvidiaDevicePlugin;
  problems.push(...checkImage('image', image));
  const migStrategy = props.migStrategy ?? 'none';
  if (!MIG_STRATEGIES.includes(migStrategy)) {
    problems.push({ path: 'migStrategy', message: `is ${show(migStrategy)}; expected one of ${MIG_STRATEGIES.map((m) => show(m)).join(', ')}` });
  }
  const priorityClassName = props.priorityClassName ?? 'system-node-critical';
  problems.push(...checkPriorityClass('priorityClassName', priorityClassName));
  problems.push(...checkLabels('labels', props.labels));
  const { resources, problems: resourceProblems } = resolveResources('resources', props.resources, { cpu: { request: '50m' }, memory: { request: '64Mi' } });
  problems.push(...resourceProblems);

  let explicit: ResolvedTimeSlicing | undefined;
  if (props.timeSlicing !== undefined) {
    const ts = resolveTimeSlicing('timeSlicing', props.timeSlicing);
    problems.push(...ts.problems);
    explicit = ts.timeSlicing;
  }

  const skip = props.skipPreinstalledNodes ?? true;
  let timeSlicing = explicit;
  let poolNames: string[] | undefined;
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
            message: `promises ${describeTimeSlicing(pool.timeSlicing)}, but timeSlicing gives ${describeTimeSlicing(explicit)}; the plugin would advertise something other than the pool promises. Make them agree, or give the pool its own NvidiaDevicePlugin`,
          });
        }
      }
    } else if (targets.length > 0) {
      const first = targets[0].pool.timeSlicing;
      if (targets.some(({ pool }) => !sameTimeSlicing(first, pool.timeSlicing))) {
        problems.push({
          path: 'pools',
          message: `mixes time-slicing settings (${targets.map(({ pool }) => `${pool.name}: ${describeTimeSlicing(pool.timeSlicing)}`).join('; ')}), but one device plugin DaemonSet has one configuration; create one NvidiaDevicePlugin per setting, each with its own name and pools`,
        });
      }
      timeSlicing = first;
    }
    poolNames = [...new Set(targets.map(({ pool }) => pool.name))].sort();
  }

  if (problems.length > 0) return { problems };

  const nodeSelectorTerms = gpuNodeSelectorTerms({ ...(props.pools ? { pools: props.pools } : {}), skipPreinstalledDevicePlugin: skip });
  const selectorLabels = { 'app.kubernetes.io/name': 'nvidia-device-plugin', 'app.kubernetes.io/instance': name };
  const labels = sortKeys({
    ...(props.labels ?? {}),
    'app.kubernetes.io/component': 'gpu-device-plugin',
    'app.kubernetes.io/managed-by': 'inferscale',
    ...selectorLabels,
  });
  return {
    problems: [],
    plugin: {
      name,
      namespace,
      image,
      ...(poolNames ? { poolNames } : {}),
      nodeSelectorTerms,
      skipPreinstalledNodes: skip,
      ...(timeSlicing ? { timeSlicing, configFile: devicePluginConfigFile(timeSlicing) } : {}),
      resourceName: timeSlicing?.resourceName ?? DEFAULT_GPU_RESOURCE,
      migStrategy,
      priorityClassName,
      resources,
      selectorLabels,
      labels,
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

/**
 * The NVIDIA Kubernetes device plugin: a DaemonSet on GPU nodes that registers the GPUs with
 * the kubelet as `nvidia.com/gpu` (or `nvidia.com/gpu.shared` with time-slicing), plus its
 * ServiceAccount and, with time-slicing, the ConfigMap holding its config file.
 *
 * Reproduces NVIDIA's static manifest and Helm chart (v0.20): tolerations for the GPU taint and
 * `CriticalAddonsOnly`, priority class `system-node-critical`, the kubelet's
 * `/var/lib/kubelet/device-plugins` directory mounted from the host, the upstream container
 * security context (no privilege escalation, all capabilities dropped; `SYS_ADMIN` added for a
 * MIG strategy other than `none`, as the chart does). Unlike the chart it has no config-manager
 * sidecar: the config file is passed with `--config-file`, and a hash of it on the pod template
 * rolls the DaemonSet when it changes. It runs only on nodes labelled by inferscale GPU pools (or
 * feature discovery) and stays off Bottlerocket NVIDIA nodes, which run their own plugin. Unlike
 * the static manifest it leaves `FAIL_ON_INIT_ERROR` at the plugin's default (`true`): it never
 * lands on nodes without GPUs, so a failed start is a real fault and should crash-loop visibly.
 *
 * @see https://github.com/NVIDIA/k8s-device-plugin
 * @see https://kubernetes.io/docs/concepts/extend-kubernetes/compute-storage-net/device-plugins/
 *
 * @example
 * const pool = gpuNodePool({ name: 'l4', instanceType: 'g6.xlarge', maxNodes: 4, timeSlicing: { replicas: 4 } });
 * const plugin = new NvidiaDevicePlugin(chart, 'DevicePlugin', { pools: [pool] });
 * plugin.resourceName; // "nvidia.com/gpu.shared"
 */
export class NvidiaDevicePlugin extends Construct {
  /**
   * Why the plugin's namespace must allow Pod Security level `privileged`, for the Namespace
   * annotation and error messages.
   */
  public static readonly POD_SECURITY_REASON =
    'the NVIDIA device plugin mounts the kubelet device-plugin directory from the host (a hostPath volume, forbidden by Pod Security "baseline" and "restricted") to register its socket with the kubelet, and with a MIG strategy it also needs the SYS_ADMIN capability (forbidden by "baseline")';

  /** Every default resolved: what the objects below were rendered from. */
  public readonly spec: ResolvedNvidiaDevicePlugin;
  /** The extended resource GPU pods must request on these nodes: `nvidia.com/gpu` or `nvidia.com/gpu.shared`. */
  public readonly resourceName: string;
  /** Namespace of every object. */
  public readonly namespace: string;
  /** Pod Security level the namespace must allow. */
  public readonly podSecurityLevel = 'privileged' as const;
  /** The DaemonSet (construct id `Resource`). */
  public readonly daemonSet: k8s.KubeDaemonSet;
  /** ServiceAccount without an automounted token: the plugin does not call the API server. */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** ConfigMap with the config file, when time-slicing is on. */
  public readonly configMap?: k8s.KubeConfigMap;

  /**
   * @throws InferscaleValidationError listing every problem in `props`, prefixed with the construct path
   */
  public constructor(scope: Construct, id: string, props: NvidiaDevicePluginProps = {}) {
    super(scope, id);
    const { plugin, problems } = resolveNvidiaDevicePlugin(props);
    if (!plugin) throw new InferscaleValidationError(this.owner, problems);
    this.spec = plugin;
    this.resourceName = plugin.resourceName;
    this.namespace = plugin.namespace;
    const p = plugin;
    const metadata = { name: p.name, namespace: p.namespace, labels: { ...p.labels } };

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    const configName = `${p.name}-config`;
    if (p.configFile) {
      this.configMap = new k8s.KubeConfigMap(this, 'ConfigMap', { metadata: { ...metadata, name: configName }, data: { [CONFIG_KEY]: p.configFile } });
    }

    const mig = p.migStrategy !== 'none';
    const env: k8s.EnvVar[] = [{ name: 'MIG_STRATEGY', value: p.migStrategy }];
    // As NVIDIA's chart: MIG monitoring needs every device visible to the plugin.
    if (mig) env.push({ name: 'NVIDIA_MIG_MONITOR_DEVICES', value: 'all' });
    const mounts: k8s.VolumeMount[] = [{ name: 'kubelet-device-plugins-dir', mountPath: DEVICE_PLUGIN_DIR }];
    const volumes: k8s.Volume[] = [{ name: 'kubelet-device-plugins-dir', hostPath: { path: DEVICE_PLUGIN_DIR, type: 'Directory' } }];
    if (p.configFile) {
      mounts.push({ name: 'config', mountPath: CONFIG_DIR, readOnly: true });
      volumes.push({ name: 'config', configMap: { name: configName } });
    }

    this.daemonSet = new k8s.KubeDaemonSet(this, 'Resource', {
      metadata,
      spec: {
        selector: { matchLabels: { ...p.selectorLabels } },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: {
            labels: { ...p.labels },
            // No config-manager sidecar reloads the file: a new hash rolls the pods instead.
            ...(p.configFile ? { annotations: { [CONFIG_HASH_ANNOTATION]: sha256(p.configFile) } } : {}),
          },
          spec: {
            serviceAccountName: p.name,
            automountServiceAccountToken: false,
            priorityClassName: p.priorityClassName,
            tolerations: GPU_DAEMON_TOLERATIONS.map((t) => ({ ...t })),
            affinity: gpuDaemonAffinity(p.nodeSelectorTerms),
            containers: [{
              name: CONTAINER_NAME,
              image: p.image,
              command: ['nvidia-device-plugin'],
              ...(p.configFile ? { args: [`--config-file=${CONFIG_DIR}/${CONFIG_KEY}`] } : {}),
              env,
              securityContext: mig
                ? { capabilities: { add: ['SYS_ADMIN'] } }
                : { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              resources: containerResources(p.resources),
              volumeMounts: mounts,
            }],
            volumes,
          },
        },
      },
    });

    this.node.addValidation({ validate: () => [...checkPrivilegedNamespace(this, p.namespace, this.owner, NvidiaDevicePlugin.POD_SECURITY_REASON), ...this.checkOverlap()] });
  }

  private get owner(): string {
    return `NvidiaDevicePlugin "${this.node.path}"`;
  }

  /** Two plugins on one node fight over the kubelet socket: their node sets must not overlap. */
  private checkOverlap(): string[] {
    const chart = Chart.of(this);
    const plugins = chart.node.findAll().filter((c): c is NvidiaDevicePlugin => c instanceof NvidiaDevicePlugin);
    for (const other of plugins) {
      if (other === this) return [];
      const a = this.spec.poolNames;
      const b = other.spec.poolNames;
      const shared = a && b ? a.filter((n) => b.includes(n)) : undefined;
      if (shared === undefined || shared.length > 0) {
        const what = shared ? `pools ${shared.map((n) => show(n)).join(', ')}` : 'every GPU node';
        return [formatProblems(this.owner, [{ path: 'pools', message: `overlap NvidiaDevicePlugin "${other.node.path}" on ${what}; two device plugins on one node fight over the kubelet socket. Give each plugin its own pools` }])];
      }
    }
    return [];
  }
}

/**
 * Deferred-validation messages when a Namespace object in the same chart enforces a Pod
 * Security level below `privileged` for a namespace that hosts privileged GPU daemons.
 * Shared by the GPU daemon constructs; not part of the package's public API.
 * @internal
 */
export function checkPrivilegedNamespace(scope: Construct, namespace: string, owner: string, reason: string): string[] {
  for (const c of Chart.of(scope).node.findAll()) {
    if (!(c instanceof ApiObject) || c.kind !== 'Namespace' || c.apiVersion !== 'v1') continue;
    const meta = c.toJson().metadata ?? {};
    if (meta.name !== namespace) continue;
    const level = meta.labels?.['pod-security.kubernetes.io/enforce'];
    if (level === 'baseline' || level === 'restricted') {
      return [formatProblems(owner, [{ path: 'namespace', message: `is ${show(namespace)}, whose Namespace enforces Pod Security ${show(level)}, but ${reason}. Label the namespace pod-security.kubernetes.io/enforce: privileged` }])];
    }
  }
  return [];
}

/**
 * Required node affinity from GPU node selector terms. Shared by the GPU daemon constructs.
 * @internal
 */
export function gpuDaemonAffinity(terms: readonly GpuNodeSelectorTerm[]): k8s.Affinity {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: terms.map((t) => ({ matchExpressions: t.matchExpressions.map((m) => ({ key: m.key, operator: m.operator, values: [...m.values] })) })),
      },
    },
  };
}

function checkImage(path: string, image: unknown): Problem[] {
  if (typeof image !== 'string' || !image || /\s/.test(image)) {
    return [{ path, message: `is ${show(image)}; expected an image reference such as ${show(IMAGES.nvidiaDevicePlugin)}` }];
  }
  return [];
}

function checkPriorityClass(path: string, value: unknown): Problem[] {
  if (typeof value !== 'string' || !isDnsSubdomain(value)) {
    return [{ path, message: `is ${show(value)}; expected a PriorityClass name such as "system-node-critical"` }];
  }
  return [];
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function sortKeys<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(record).sort()) out[k] = record[k];
  return out;
}
