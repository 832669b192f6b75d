import { createHash } from 'node:crypto';
import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { GPU_DAEMON_TOLERATIONS, GpuNodeSelectorTerm } from '../core/gpu-node-pool';
import { resolveNvidiaDevicePlugin, NvidiaDevicePluginProps, ResolvedDevicePluginDaemonSet, ResolvedNvidiaDevicePlugin } from '../core/platform/device-plugin';
import { formatProblems, InferscaleValidationError, show } from '../core/problems';
import { containerResources } from './resources';

export { resolveNvidiaDevicePlugin, devicePluginConfigFile, MIG_STRATEGIES } from '../core/platform/device-plugin';
export type { NvidiaDevicePluginProps, ResolvedNvidiaDevicePlugin, ResolvedDevicePluginDaemonSet, MigStrategy } from '../core/platform/device-plugin';

const CONTAINER_NAME = 'nvidia-device-plugin-ctr';
const DEVICE_PLUGIN_DIR = '/var/lib/kubelet/device-plugins';
const CONFIG_DIR = '/etc/nvidia-device-plugin';
const CONFIG_KEY = 'config.yaml';
const CONFIG_HASH_ANNOTATION = 'inferscale.io/config-sha256';

/**
 * The NVIDIA Kubernetes device plugin: a DaemonSet on GPU nodes that registers the GPUs with
 * the kubelet as `nvidia.com/gpu` (or `nvidia.com/gpu.shared` with time-slicing), plus its
 * ServiceAccount and, with time-slicing, the ConfigMap holding its config file. Pools of
 * different time-slicing settings get one DaemonSet (and ConfigMap) per setting, each with node
 * affinity on its own pools, so every node runs exactly one plugin with its pool's configuration
 * (see {@link resolveNvidiaDevicePlugin} for why not NVIDIA's per-node config label).
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
 *
 * @example
 * // A whole-GPU pool and a time-sliced pool: DaemonSets nvidia-device-plugin and nvidia-device-plugin-timeslice-4.
 * new NvidiaDevicePlugin(chart, 'DevicePlugin', { pools: [wholePool, slicedPool] });
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
  /**
   * The extended resource GPU pods request on the first DaemonSet's nodes: `nvidia.com/gpu` or
   * `nvidia.com/gpu.shared`. With pools of several settings, {@link resourceNames} lists them all.
   */
  public readonly resourceName: string;
  /** Every extended resource the plugin advertises, sorted. */
  public readonly resourceNames: readonly string[];
  /** Namespace of every object. */
  public readonly namespace: string;
  /** Pod Security level the namespace must allow. */
  public readonly podSecurityLevel = 'privileged' as const;
  /** The first DaemonSet (construct id `Resource`): whole GPUs, or the only setting. */
  public readonly daemonSet: k8s.KubeDaemonSet;
  /** Every DaemonSet, one per time-slicing setting, in the order of `spec.daemonSets`. */
  public readonly daemonSets: readonly k8s.KubeDaemonSet[];
  /** ServiceAccount shared by the DaemonSets, without an automounted token: the plugin does not call the API server. */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** ConfigMap with the first DaemonSet's config file, when its GPUs are time-sliced. */
  public readonly configMap?: k8s.KubeConfigMap;
  /** Every ConfigMap, one per time-sliced DaemonSet. */
  public readonly configMaps: readonly k8s.KubeConfigMap[];

  /**
   * @throws InferscaleValidationError listing every problem in `props`, prefixed with the construct path
   */
  public constructor(scope: Construct, id: string, props: NvidiaDevicePluginProps = {}) {
    super(scope, id);
    const { spec, problems } = resolveNvidiaDevicePlugin(props);
    if (!spec) throw new InferscaleValidationError(this.owner, problems);
    this.spec = spec;
    this.resourceName = spec.daemonSets[0].resourceName;
    this.resourceNames = spec.resourceNames;
    this.namespace = spec.namespace;

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: spec.name, namespace: spec.namespace, labels: { ...spec.labels } },
      automountServiceAccountToken: false,
    });
    const rendered = spec.daemonSets.map((ds, i) => renderDaemonSet(this, spec, ds, i === 0 ? 'Resource' : `DaemonSet-${ds.name}`, i === 0 ? 'ConfigMap' : `ConfigMap-${ds.name}`));
    this.daemonSets = rendered.map((r) => r.daemonSet);
    this.daemonSet = this.daemonSets[0];
    this.configMap = rendered[0].configMap;
    this.configMaps = rendered.flatMap((r) => (r.configMap ? [r.configMap] : []));

    this.node.addValidation({ validate: () => [...checkPrivilegedNamespace(this, spec.namespace, this.owner, NvidiaDevicePlugin.POD_SECURITY_REASON), ...this.checkOverlap()] });
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

/** One DaemonSet of the plugin, with its ConfigMap when time-sliced. */
function renderDaemonSet(
  scope: Construct, p: ResolvedNvidiaDevicePlugin, ds: ResolvedDevicePluginDaemonSet, id: string, configId: string,
): { daemonSet: k8s.KubeDaemonSet; configMap?: k8s.KubeConfigMap } {
  const metadata = { name: ds.name, namespace: p.namespace, labels: { ...ds.labels } };
  const configName = `${ds.name}-config`;
  const configMap = ds.configFile
    ? new k8s.KubeConfigMap(scope, configId, { metadata: { ...metadata, name: configName }, data: { [CONFIG_KEY]: ds.configFile } })
    : undefined;
  const mig = p.migStrategy !== 'none';
  const env: k8s.EnvVar[] = [{ name: 'MIG_STRATEGY', value: p.migStrategy }];
  // As NVIDIA's chart: MIG monitoring needs every device visible to the plugin.
  if (mig) env.push({ name: 'NVIDIA_MIG_MONITOR_DEVICES', value: 'all' });
  const mounts: k8s.VolumeMount[] = [{ name: 'kubelet-device-plugins-dir', mountPath: DEVICE_PLUGIN_DIR }];
  const volumes: k8s.Volume[] = [{ name: 'kubelet-device-plugins-dir', hostPath: { path: DEVICE_PLUGIN_DIR, type: 'Directory' } }];
  if (ds.configFile) {
    mounts.push({ name: 'config', mountPath: CONFIG_DIR, readOnly: true });
    volumes.push({ name: 'config', configMap: { name: configName } });
  }
  const daemonSet = new k8s.KubeDaemonSet(scope, id, {
    metadata,
    spec: {
      selector: { matchLabels: { ...ds.selectorLabels } },
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        metadata: {
          labels: { ...ds.labels },
          // No config-manager sidecar reloads the file: a new hash rolls the pods instead.
          ...(ds.configFile ? { annotations: { [CONFIG_HASH_ANNOTATION]: sha256(ds.configFile) } } : {}),
        },
        spec: {
          serviceAccountName: p.name,
          automountServiceAccountToken: false,
          priorityClassName: p.priorityClassName,
          tolerations: GPU_DAEMON_TOLERATIONS.map((t) => ({ ...t })),
          affinity: gpuDaemonAffinity(ds.nodeSelectorTerms),
          containers: [{
            name: CONTAINER_NAME,
            image: p.image,
            command: ['nvidia-device-plugin'],
            ...(ds.configFile ? { args: [`--config-file=${CONFIG_DIR}/${CONFIG_KEY}`] } : {}),
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
  return { daemonSet, ...(configMap ? { configMap } : {}) };
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

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

