import { ApiObject, Chart } from 'cdk8s';
import { parse } from 'yaml';
import { NvidiaDevicePlugin, NvidiaDevicePluginProps, resolveNvidiaDevicePlugin } from '../../lib/cdk8s/nvidia-device-plugin';
import { gpuNodePool, GpuNodePoolProps, ResolvedGpuNodePool } from '../../lib/core/gpu-node-pool';
import { checkPodSecurity, expectValidManifests } from '../support/manifests';
import { find, K8sObject, newChart, synth } from '../support/synth';

const NAME = 'nvidia-device-plugin';

function pool(props: Partial<GpuNodePoolProps> = {}): ResolvedGpuNodePool {
  return gpuNodePool({ name: 'a10g', instanceType: 'g5.xlarge', maxNodes: 4, ...props });
}

function render(props: NvidiaDevicePluginProps = {}): { objects: K8sObject[]; plugin: NvidiaDevicePlugin; chart: Chart } {
  const chart = newChart();
  const plugin = new NvidiaDevicePlugin(chart, 'DevicePlugin', props);
  const objects = synth(chart);
  // The PriorityClass one test names exists in its cluster.
  expectValidManifests(objects, { externalRefs: ['PriorityClass/gpu-critical'] });
  return { objects, plugin, chart };
}

function podSpec(objects: K8sObject[], name = NAME): K8sObject {
  return find(objects, 'DaemonSet', name).spec.template.spec;
}

function container(objects: K8sObject[], name = NAME): K8sObject {
  return podSpec(objects, name).containers[0];
}

/** The construct's validation error for `props`, as thrown. */
function errorOf(props: NvidiaDevicePluginProps): string {
  try {
    new NvidiaDevicePlugin(newChart(), 'DevicePlugin', props);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected NvidiaDevicePlugin to reject the props');
}

describe('NvidiaDevicePlugin', () => {
  test('renders a ServiceAccount and a DaemonSet in gpu-system, named nvidia-device-plugin; no ConfigMap without time-slicing', () => {
    const { objects, plugin } = render();
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual([
      'DaemonSet/gpu-system/nvidia-device-plugin',
      'ServiceAccount/gpu-system/nvidia-device-plugin',
    ]);
    expect(plugin.namespace).toBe('gpu-system');
    expect(plugin.configMap).toBeUndefined();
    expect(plugin.daemonSet.node.id).toBe('Resource');
  });

  test('runs the pinned upstream image, command and container name', () => {
    const c = container(render().objects);
    expect(c.image).toBe('nvcr.io/nvidia/k8s-device-plugin:v0.20.0');
    expect(c.name).toBe('nvidia-device-plugin-ctr');
    expect(c.command).toEqual(['nvidia-device-plugin']);
    expect(c.args).toBeUndefined();
  });

  test('without pools: required affinity on GPU node labels, skipping nodes whose AMI ships a plugin', () => {
    const terms = podSpec(render().objects).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    const skip = { key: 'inferscale.io/nvidia-device-plugin', operator: 'NotIn', values: ['preinstalled'] };
    expect(terms).toEqual([
      { matchExpressions: [{ key: 'nvidia.com/gpu.present', operator: 'In', values: ['true'] }, skip] },
      { matchExpressions: [{ key: 'feature.node.kubernetes.io/pci-10de.present', operator: 'In', values: ['true'] }, skip] },
    ]);
  });

  test('the affinity matches labels the pools really set, so the plugin is never scheduled nowhere', () => {
    const p = pool();
    const terms = podSpec(render().objects).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    const matches = (labels: Record<string, string>): boolean =>
      terms.some((t: K8sObject) => t.matchExpressions.every((m: K8sObject) => (m.operator === 'In' ? m.values.includes(labels[m.key]) : !m.values.includes(labels[m.key]))));
    expect(matches(p.labels)).toBe(true);
    expect(matches(pool({ ami: 'BOTTLEROCKET_x86_64_NVIDIA' }).labels)).toBe(false);
    expect(matches({ 'kubernetes.io/os': 'linux' })).toBe(false);
  });

  test('skipPreinstalledNodes: false drops the NotIn requirement', () => {
    const terms = podSpec(render({ skipPreinstalledNodes: false }).objects).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms.every((t: K8sObject) => t.matchExpressions.length === 1)).toBe(true);
  });

  test('with pools: affinity on the pool label, Bottlerocket pools left out', () => {
    const { objects, plugin } = render({ pools: [pool({ name: 'l4', instanceType: 'g6.xlarge' }), pool(), pool({ name: 'br', ami: 'BOTTLEROCKET_x86_64_NVIDIA' })] });
    expect(podSpec(objects).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'inferscale.io/gpu-pool', operator: 'In', values: ['a10g', 'l4'] }] },
    ]);
    expect(plugin.spec.poolNames).toEqual(['a10g', 'l4']);
  });

  test('tolerates the GPU taint and CriticalAddonsOnly, at priority system-node-critical', () => {
    const spec = podSpec(render().objects);
    expect(spec.tolerations).toEqual([
      { key: 'CriticalAddonsOnly', operator: 'Exists' },
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    expect(spec.priorityClassName).toBe('system-node-critical');
  });

  test('the tolerations cover the pool taint', () => {
    const taint = pool().taints[0];
    const tolerations = podSpec(render().objects).tolerations;
    expect(tolerations.some((t: K8sObject) => t.key === taint.key && t.operator === 'Exists' && t.effect === taint.effect)).toBe(true);
  });

  test('mounts the kubelet device-plugins directory from the host', () => {
    const { objects } = render();
    expect(podSpec(objects).volumes).toEqual([{ name: 'kubelet-device-plugins-dir', hostPath: { path: '/var/lib/kubelet/device-plugins', type: 'Directory' } }]);
    expect(container(objects).volumeMounts).toEqual([{ name: 'kubelet-device-plugins-dir', mountPath: '/var/lib/kubelet/device-plugins' }]);
  });

  test('upstream security context: no privilege escalation, every capability dropped', () => {
    expect(container(render().objects).securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  test('needs a privileged namespace: Pod Security baseline rejects its hostPath volume, and the reason says so', () => {
    const { objects, plugin } = render();
    const problems = checkPodSecurity(podSpec(objects), 'spec.template.spec', 'baseline');
    expect(problems.map((p) => p.message).join('\n')).toMatch(/hostPath volumes are not allowed/);
    expect(plugin.podSecurityLevel).toBe('privileged');
    expect(NvidiaDevicePlugin.POD_SECURITY_REASON).toMatch(/hostPath volume, forbidden by Pod Security "baseline" and "restricted"/);
  });

  test('a ServiceAccount without a token: the plugin does not call the API server', () => {
    const { objects } = render();
    expect(find(objects, 'ServiceAccount', NAME).automountServiceAccountToken).toBe(false);
    expect(podSpec(objects).serviceAccountName).toBe(NAME);
    expect(podSpec(objects).automountServiceAccountToken).toBe(false);
  });

  test('MIG strategy none by default, as the MIG_STRATEGY environment variable', () => {
    const { objects, plugin } = render();
    expect(container(objects).env).toEqual([{ name: 'MIG_STRATEGY', value: 'none' }]);
    expect(plugin.spec.migStrategy).toBe('none');
  });

  test.each(['single', 'mixed'] as const)('MIG strategy %s: env, MIG device monitoring and the SYS_ADMIN capability upstream adds', (migStrategy) => {
    const c = container(render({ migStrategy }).objects);
    expect(c.env).toEqual([{ name: 'MIG_STRATEGY', value: migStrategy }, { name: 'NVIDIA_MIG_MONITOR_DEVICES', value: 'all' }]);
    expect(c.securityContext).toEqual({ capabilities: { add: ['SYS_ADMIN'] } });
  });

  test('whole GPUs advertise nvidia.com/gpu', () => {
    expect(render().plugin.resourceName).toBe('nvidia.com/gpu');
  });

  test('time-slicing: a ConfigMap in the upstream config format, passed with --config-file, giving nvidia.com/gpu.shared', () => {
    const { objects, plugin } = render({ timeSlicing: { replicas: 4 } });
    const cm = find(objects, 'ConfigMap', 'nvidia-device-plugin-config');
    expect(Object.keys(cm.data)).toEqual(['config.yaml']);
    expect(parse(cm.data['config.yaml'])).toEqual({
      version: 'v1',
      sharing: { timeSlicing: { renameByDefault: true, failRequestsGreaterThanOne: true, resources: [{ name: 'nvidia.com/gpu', replicas: 4 }] } },
    });
    const c = container(objects);
    expect(c.args).toEqual(['--config-file=/etc/nvidia-device-plugin/config.yaml']);
    expect(c.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/nvidia-device-plugin', readOnly: true });
    expect(podSpec(objects).volumes).toContainEqual({ name: 'config', configMap: { name: 'nvidia-device-plugin-config' } });
    expect(plugin.resourceName).toBe('nvidia.com/gpu.shared');
    expect(plugin.configMap).toBeDefined();
  });

  test('time-slicing with renameByDefault: false keeps nvidia.com/gpu', () => {
    const { objects, plugin } = render({ timeSlicing: { replicas: 2, renameByDefault: false, failRequestsGreaterThanOne: false } });
    expect(parse(find(objects, 'ConfigMap', 'nvidia-device-plugin-config').data['config.yaml']).sharing.timeSlicing).toMatchObject({ renameByDefault: false, failRequestsGreaterThanOne: false });
    expect(plugin.resourceName).toBe('nvidia.com/gpu');
  });

  test('time-slicing is taken from the pools when not given', () => {
    const { plugin, objects } = render({ pools: [pool({ timeSlicing: { replicas: 3 } }), pool({ name: 'b', timeSlicing: { replicas: 3 } })] });
    expect(plugin.resourceName).toBe('nvidia.com/gpu.shared');
    expect(plugin.resourceName).toBe(pool({ timeSlicing: { replicas: 3 } }).resourceName);
    expect(parse(find(objects, 'ConfigMap', 'nvidia-device-plugin-config').data['config.yaml']).sharing.timeSlicing.resources).toEqual([{ name: 'nvidia.com/gpu', replicas: 3 }]);
  });

  test('a config hash on the pod template rolls the DaemonSet when the config changes', () => {
    const hash = (replicas: number): string => find(render({ timeSlicing: { replicas } }).objects, 'DaemonSet', NAME).spec.template.metadata.annotations['inferscale.io/config-sha256'];
    expect(hash(4)).toMatch(/^[0-9a-f]{64}$/);
    expect(hash(4)).toBe(hash(4));
    expect(hash(4)).not.toBe(hash(8));
    expect(find(render().objects, 'DaemonSet', NAME).spec.template.metadata.annotations).toBeUndefined();
  });

  test('labels: stable selector on name and instance, extra labels on objects and pods only', () => {
    const { objects } = render({ name: 'gpu-plugin', namespace: 'kube-system', labels: { team: 'ml' } });
    const ds = find(objects, 'DaemonSet', 'gpu-plugin');
    expect(ds.metadata.namespace).toBe('kube-system');
    expect(ds.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/instance': 'gpu-plugin', 'app.kubernetes.io/name': 'nvidia-device-plugin' });
    expect(ds.spec.template.metadata.labels).toMatchObject({ team: 'ml', 'app.kubernetes.io/managed-by': 'inferscale', 'app.kubernetes.io/component': 'gpu-device-plugin' });
    expect(find(objects, 'ServiceAccount', 'gpu-plugin').metadata.labels.team).toBe('ml');
  });

  test('resources: requests only by default (no limit to be OOM-killed at); overridable', () => {
    expect(container(render().objects).resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' } });
    expect(container(render({ resources: { cpu: { request: '100m' }, memory: { request: '128Mi', limit: '256Mi' } } }).objects).resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { memory: '256Mi' },
    });
  });

  test('a custom image and priority class', () => {
    const { objects } = render({ image: 'registry.example.com/nvidia/k8s-device-plugin:v0.20.0', priorityClassName: 'gpu-critical' });
    expect(container(objects).image).toBe('registry.example.com/nvidia/k8s-device-plugin:v0.20.0');
    expect(podSpec(objects).priorityClassName).toBe('gpu-critical');
  });

  test('rolling updates, as upstream', () => {
    expect(find(render().objects, 'DaemonSet', NAME).spec.updateStrategy).toEqual({ type: 'RollingUpdate' });
  });

  test('synthesis is deterministic', () => {
    const props: NvidiaDevicePluginProps = { pools: [pool({ timeSlicing: { replicas: 4 } })], migStrategy: 'mixed', labels: { b: '1', a: '2' } };
    expect(JSON.stringify(render(props).objects)).toBe(JSON.stringify(render(props).objects));
  });

  test('two plugins on disjoint pools synthesize side by side', () => {
    const chart = newChart();
    new NvidiaDevicePlugin(chart, 'Shared', { name: 'plugin-shared', pools: [pool({ name: 'shared', timeSlicing: { replicas: 4 } })] });
    new NvidiaDevicePlugin(chart, 'Whole', { name: 'plugin-whole', pools: [pool({ name: 'whole' })] });
    const objects = synth(chart);
    expectValidManifests(objects);
    expect(find(objects, 'ConfigMap', 'plugin-shared-config')).toBeDefined();
  });

  test('pools of two settings: one DaemonSet and config per setting, each on its own pools', () => {
    const { objects, plugin } = render({ pools: [pool({ name: 'shared', timeSlicing: { replicas: 4 } }), pool({ name: 'whole' })] });
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/nvidia-device-plugin-timeslice-4-config',
      'DaemonSet/nvidia-device-plugin',
      'DaemonSet/nvidia-device-plugin-timeslice-4',
      'ServiceAccount/nvidia-device-plugin',
    ]);
    const terms = (name: string): unknown => podSpec(objects, name).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms(NAME)).toEqual([{ matchExpressions: [{ key: 'inferscale.io/gpu-pool', operator: 'In', values: ['whole'] }] }]);
    expect(terms(`${NAME}-timeslice-4`)).toEqual([{ matchExpressions: [{ key: 'inferscale.io/gpu-pool', operator: 'In', values: ['shared'] }] }]);
    expect(container(objects, NAME).args).toBeUndefined();
    expect(container(objects, `${NAME}-timeslice-4`).args).toEqual(['--config-file=/etc/nvidia-device-plugin/config.yaml']);
    expect(podSpec(objects, `${NAME}-timeslice-4`).volumes).toContainEqual({ name: 'config', configMap: { name: `${NAME}-timeslice-4-config` } });
    expect(parse(find(objects, 'ConfigMap', `${NAME}-timeslice-4-config`).data['config.yaml']).sharing.timeSlicing.resources).toEqual([{ name: 'nvidia.com/gpu', replicas: 4 }]);
    expect(plugin.resourceNames).toEqual(['nvidia.com/gpu', 'nvidia.com/gpu.shared']);
    expect(plugin.daemonSet.node.id).toBe('Resource');
  });

  test('resolveNvidiaDevicePlugin is pure and matches the construct', () => {
    const { spec } = resolveNvidiaDevicePlugin({ timeSlicing: { replicas: 2 } });
    expect(spec).toEqual(render({ timeSlicing: { replicas: 2 } }).plugin.spec);
  });
});

describe('NvidiaDevicePlugin validation (one test per message)', () => {
  const OWNER = 'NvidiaDevicePlugin "test/DevicePlugin": ';

  test('name must be a DNS-1123 label', () => {
    expect(errorOf({ name: 'Device_Plugin' })).toBe(`${OWNER}name is "Device_Plugin"; expected a DNS-1123 label: 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit`);
  });

  test('namespace must be a DNS-1123 label', () => {
    expect(errorOf({ namespace: 'GPU' })).toMatch(/^NvidiaDevicePlugin "test\/DevicePlugin": namespace is "GPU"; expected a DNS-1123 label/);
  });

  test('image must be a reference', () => {
    expect(errorOf({ image: 'nvcr.io/nvidia device-plugin' })).toBe(`${OWNER}image is "nvcr.io/nvidia device-plugin"; expected an image reference such as "nvcr.io/nvidia/k8s-device-plugin:v0.20.0": [registry[:port]/]repository[:tag][@sha256:digest], the repository in lower case`);
  });

  test('MIG strategy must be none, single or mixed', () => {
    expect(errorOf({ migStrategy: 'all' as never })).toBe(`${OWNER}migStrategy is "all"; expected one of "none", "single", "mixed"`);
  });

  test('priority class must be a name', () => {
    expect(errorOf({ priorityClassName: 'System Node Critical' })).toBe(`${OWNER}priorityClassName is "System Node Critical"; expected a PriorityClass name such as "system-node-critical" (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.')`);
  });

  test('time-slicing replicas below 2', () => {
    expect(errorOf({ timeSlicing: { replicas: 1 } })).toMatch(/timeSlicing.replicas is 1; time-slicing with fewer than 2 shares per GPU shares nothing/);
  });

  test('resource quantities must parse', () => {
    expect(errorOf({ resources: { memory: { request: '64MB' } } })).toMatch(/resources.memory.request is "64MB"; expected a non-negative Kubernetes quantity/);
  });

  test('a limit below its request', () => {
    expect(errorOf({ resources: { memory: { request: '128Mi', limit: '64Mi' } } })).toMatch(/resources.memory.limit is "64Mi", below the request "128Mi"/);
  });

  test('labels must be valid', () => {
    expect(errorOf({ labels: { team: 'ML team' } })).toMatch(/labels\["team"\] value "ML team" is not a valid label value/);
  });

  test('labels may not override the plugin\'s own', () => {
    expect(errorOf({ labels: { 'app.kubernetes.io/instance': 'other' } })).toBe(`${OWNER}labels["app.kubernetes.io/instance"] is set by the device plugin itself (its selector and component labels); remove it`);
  });

  test('an empty pool list would schedule the DaemonSet nowhere', () => {
    expect(errorOf({ pools: [] })).toBe(`${OWNER}pools is empty, so the DaemonSet would be scheduled nowhere; give at least one pool, or leave pools out to run on every GPU node`);
  });

  test('only Bottlerocket pools: nothing to do, leave the plugin out', () => {
    expect(errorOf({ pools: [pool({ ami: 'BOTTLEROCKET_x86_64_NVIDIA' })] })).toMatch(/pools holds only pools whose AMI runs its own device plugin \(a10g: BOTTLEROCKET_x86_64_NVIDIA\), so the DaemonSet would be scheduled nowhere; leave NvidiaDevicePlugin out/);
  });

  test('a second plugin next to Bottlerocket\'s own is refused', () => {
    expect(errorOf({ skipPreinstalledNodes: false, pools: [pool(), pool({ name: 'br', ami: 'BOTTLEROCKET_x86_64_NVIDIA' })] }))
      .toBe(`${OWNER}pools[1] (br) uses BOTTLEROCKET_x86_64_NVIDIA, whose nodes already run a device plugin; a second one would fight it over the kubelet socket. Leave skipPreinstalledNodes at true`);
  });

  test('explicit time-slicing must agree with the pools', () => {
    expect(errorOf({ timeSlicing: { replicas: 4 }, pools: [pool({ timeSlicing: { replicas: 2 } })] }))
      .toBe(`${OWNER}pools[0] (a10g) promises 2 shares per GPU as nvidia.com/gpu.shared, but timeSlicing gives 4 shares per GPU as nvidia.com/gpu.shared; the plugin would advertise something other than the pool promises. Make them agree, or leave timeSlicing out to take each pool's own`);
  });

  test('a name too long for the DaemonSet of a second setting', () => {
    const name = 'n'.repeat(60);
    expect(errorOf({ name, pools: [pool({ timeSlicing: { replicas: 4 } }), pool({ name: 'whole' })] }))
      .toBe(`${OWNER}name is "${name}", too long for the DaemonSet "${name}-timeslice-4" of a second time-slicing setting: names hold at most 63 characters. Use a shorter name`);
  });

  test('deferred: the namespace must not enforce Pod Security baseline or restricted', () => {
    const chart = newChart();
    new ApiObject(chart, 'Ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gpu-system', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } });
    new NvidiaDevicePlugin(chart, 'DevicePlugin');
    expect(() => synth(chart)).toThrow(/NvidiaDevicePlugin "test\/DevicePlugin": namespace is "gpu-system", whose Namespace enforces Pod Security "restricted", but the NVIDIA device plugin mounts the kubelet device-plugin directory from the host .* Label the namespace pod-security.kubernetes.io\/enforce: privileged/);
  });

  test('deferred: a privileged namespace passes', () => {
    const chart = newChart();
    new ApiObject(chart, 'Ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gpu-system', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } });
    new NvidiaDevicePlugin(chart, 'DevicePlugin');
    expectValidManifests(synth(chart));
  });

  test('deferred: two plugins on the same nodes fight over the kubelet socket', () => {
    const chart = newChart();
    new NvidiaDevicePlugin(chart, 'A', { name: 'plugin-a' });
    new NvidiaDevicePlugin(chart, 'B', { name: 'plugin-b', pools: [pool()] });
    expect(() => synth(chart)).toThrow(/NvidiaDevicePlugin "test\/B": pools overlap NvidiaDevicePlugin "test\/A" on every GPU node; two device plugins on one node fight over the kubelet socket/);
  });

  test('deferred: two plugins sharing a pool', () => {
    const chart = newChart();
    new NvidiaDevicePlugin(chart, 'A', { name: 'plugin-a', pools: [pool(), pool({ name: 'b' })] });
    new NvidiaDevicePlugin(chart, 'B', { name: 'plugin-b', pools: [pool({ name: 'b' })] });
    expect(() => synth(chart)).toThrow(/NvidiaDevicePlugin "test\/B": pools overlap NvidiaDevicePlugin "test\/A" on pools "b"/);
  });
});
