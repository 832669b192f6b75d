import { ApiObject, Chart } from 'cdk8s';
import { DcgmExporter, DcgmExporterProps, DcgmField, DCGM_PROFILING_FIELDS, DEFAULT_DCGM_FIELDS, dcgmMetricsCsv, resolveDcgmExporter } from '../../lib/cdk8s/dcgm-exporter';
import { NvidiaDevicePlugin } from '../../lib/cdk8s/nvidia-device-plugin';
import { gpuNodePool, GpuNodePoolProps, ResolvedGpuNodePool } from '../../lib/core/gpu-node-pool';
import { checkPodSecurity, expectValidManifests } from '../support/manifests';
import { find, K8sObject, newChart, synth } from '../support/synth';

const NAME = 'dcgm-exporter';

function pool(props: Partial<GpuNodePoolProps> = {}): ResolvedGpuNodePool {
  return gpuNodePool({ name: 'a10g', instanceType: 'g5.xlarge', maxNodes: 4, ...props });
}

function render(props: DcgmExporterProps = {}): { objects: K8sObject[]; exporter: DcgmExporter; chart: Chart } {
  const chart = newChart();
  const exporter = new DcgmExporter(chart, 'Dcgm', props);
  const objects = synth(chart);
  expectValidManifests(objects);
  return { objects, exporter, chart };
}

function podSpec(objects: K8sObject[], name = NAME): K8sObject {
  return find(objects, 'DaemonSet', name).spec.template.spec;
}

function container(objects: K8sObject[], name = NAME): K8sObject {
  return podSpec(objects, name).containers[0];
}

function csvLines(objects: K8sObject[], name = `${NAME}-metrics`): string[] {
  return (find(objects, 'ConfigMap', name).data['counters.csv'] as string).split('\n').filter((l) => l && !l.startsWith('#'));
}

function errorOf(props: DcgmExporterProps): string {
  try {
    new DcgmExporter(newChart(), 'Dcgm', props);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected DcgmExporter to reject the props');
}

const UTIL: DcgmField = { name: 'DCGM_FI_DEV_GPU_UTIL', type: 'gauge', help: 'GPU utilization (in %).' };

describe('DcgmExporter', () => {
  test('renders a ServiceAccount, metrics ConfigMap, DaemonSet and Service in gpu-system', () => {
    const { objects, exporter } = render();
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/gpu-system/dcgm-exporter-metrics',
      'DaemonSet/gpu-system/dcgm-exporter',
      'Service/gpu-system/dcgm-exporter',
      'ServiceAccount/gpu-system/dcgm-exporter',
    ]);
    expect(exporter.daemonSet.node.id).toBe('Resource');
    expect(container(objects).image).toBe('nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless');
  });

  test('serves metrics on port 9400 named metrics, on the container and the Service', () => {
    const { objects, exporter } = render();
    expect(container(objects).ports).toEqual([{ name: 'metrics', containerPort: 9400, protocol: 'TCP' }]);
    const svc = find(objects, 'Service', NAME);
    expect(svc.spec.ports).toEqual([{ name: 'metrics', port: 9400, targetPort: 'metrics', protocol: 'TCP' }]);
    expect(svc.spec.selector).toEqual(find(objects, 'DaemonSet', NAME).spec.selector.matchLabels);
    expect(exporter.metricsPort).toBe(9400);
    expect(exporter.serviceName).toBe(NAME);
  });

  test('pod attribution: DCGM_EXPORTER_KUBERNETES=true, the listen address and NODE_NAME from the downward API', () => {
    expect(container(render().objects).env).toEqual([
      { name: 'DCGM_EXPORTER_KUBERNETES', value: 'true' },
      { name: 'DCGM_EXPORTER_LISTEN', value: ':9400' },
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    ]);
  });

  test('pod attribution: the kubelet pod-resources directory is mounted read-only from the host', () => {
    const { objects } = render();
    expect(podSpec(objects).volumes).toContainEqual({ name: 'pod-gpu-resources', hostPath: { path: '/var/lib/kubelet/pod-resources' } });
    expect(container(objects).volumeMounts).toContainEqual({ name: 'pod-gpu-resources', mountPath: '/var/lib/kubelet/pod-resources', readOnly: true });
  });

  test('the metrics list is a ConfigMap CSV mounted and passed with -f', () => {
    const { objects } = render();
    expect(container(objects).args).toEqual(['-f', '/etc/dcgm-exporter/inferscale/counters.csv']);
    expect(container(objects).volumeMounts).toContainEqual({ name: 'metrics-config', mountPath: '/etc/dcgm-exporter/inferscale', readOnly: true });
    expect(podSpec(objects).volumes).toContainEqual({ name: 'metrics-config', configMap: { name: 'dcgm-exporter-metrics' } });
  });

  test('the default list holds GPU utilization and framebuffer used/free, and no profiling field', () => {
    const lines = csvLines(render().objects);
    for (const line of [
      'DCGM_FI_DEV_GPU_UTIL, gauge, GPU utilization (in %).',
      'DCGM_FI_DEV_FB_USED, gauge, Framebuffer memory used (in MiB).',
      'DCGM_FI_DEV_FB_FREE, gauge, Framebuffer memory free (in MiB).',
    ]) {
      expect(lines).toContain(line);
    }
    expect(lines.filter((l) => l.startsWith('DCGM_FI_PROF_'))).toEqual([]);
    expect(lines).toHaveLength(DEFAULT_DCGM_FIELDS.length);
    for (const line of lines) expect(line.split(',')).toHaveLength(3);
  });

  test('exposes the exported metric names, so the platform can check a GPU metric\'s series exists', () => {
    const { exporter } = render();
    expect(exporter.metricNames).toEqual(DEFAULT_DCGM_FIELDS.map((f) => f.name));
    expect(exporter.exportsMetric('DCGM_FI_DEV_GPU_UTIL')).toBe(true);
    expect(exporter.exportsMetric('DCGM_FI_PROF_GR_ENGINE_ACTIVE')).toBe(false);
    expect(exporter.exportsMetric('DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL')).toBe(false);
    expect(render({ requiredFields: ['DCGM_FI_PROF_GR_ENGINE_ACTIVE'] }).exporter.exportsMetric('DCGM_FI_PROF_GR_ENGINE_ACTIVE')).toBe(true);
  });

  test('a custom metrics list replaces the default, in the CSV and the metric names; label fields become series labels', () => {
    const metrics: DcgmField[] = [UTIL, { name: 'DCGM_FI_DEV_POWER_USAGE', type: 'gauge', help: 'Power draw (in W).' }, { name: 'DCGM_FI_DRIVER_VERSION', type: 'label', help: 'Driver Version' }];
    const { objects, exporter } = render({ metrics });
    expect(csvLines(objects)).toEqual(['DCGM_FI_DEV_GPU_UTIL, gauge, GPU utilization (in %).', 'DCGM_FI_DEV_POWER_USAGE, gauge, Power draw (in W).', 'DCGM_FI_DRIVER_VERSION, label, Driver Version']);
    expect(exporter.metricNames).toEqual(['DCGM_FI_DEV_GPU_UTIL', 'DCGM_FI_DEV_POWER_USAGE']);
    expect(exporter.exportsMetric('DCGM_FI_DEV_FB_USED')).toBe(false);
    expect(exporter.seriesLabels).toContain('DCGM_FI_DRIVER_VERSION');
  });

  test('series carry the workload pod\'s namespace, pod and container labels', () => {
    expect(render().exporter.seriesLabels).toEqual(['gpu', 'UUID', 'device', 'modelName', 'Hostname', 'container', 'namespace', 'pod']);
  });

  test('scrape hint: Prometheus must honor the exporter\'s labels, else they become exported_pod/exported_namespace', () => {
    const { objects, exporter } = render();
    const hint = exporter.scrapeJobHint;
    expect(hint).toMatchObject({ honorLabels: true, namespace: 'gpu-system', serviceName: NAME, port: 9400, portName: 'metrics', path: '/metrics' });
    expect(hint.reason).toMatch(/honor_labels.*exported_namespace, exported_pod/);
    expect(hint.podLabels).toEqual(find(objects, 'DaemonSet', NAME).spec.selector.matchLabels);
    const svcLabels = find(objects, 'Service', NAME).metadata.labels;
    for (const [k, v] of Object.entries(hint.serviceLabels)) expect(svcLabels[k]).toBe(v);
  });

  test('the Service is labelled for honor-labels scraping; no prometheus.io annotations invite a generic job', () => {
    const { objects } = render();
    const svc = find(objects, 'Service', NAME);
    expect(svc.metadata.labels['inferscale.io/scrape']).toBe('honor-labels');
    expect(svc.metadata.annotations).toBeUndefined();
    const annotations = find(objects, 'DaemonSet', NAME).spec.template.metadata.annotations;
    expect(Object.keys(annotations).filter((k) => k.startsWith('prometheus.io/'))).toEqual([]);
  });

  test('same GPU-node affinity and tolerations as the device plugin, at system-node-critical', () => {
    const chart = newChart();
    new DcgmExporter(chart, 'Dcgm');
    new NvidiaDevicePlugin(chart, 'DevicePlugin', { skipPreinstalledNodes: false });
    const objects = synth(chart);
    const dcgm = podSpec(objects);
    const plugin = podSpec(objects, 'nvidia-device-plugin');
    expect(dcgm.affinity).toEqual(plugin.affinity);
    expect(dcgm.tolerations).toEqual(plugin.tolerations);
    expect(dcgm.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    expect(dcgm.priorityClassName).toBe('system-node-critical');
    expect(dcgm.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([
      { key: 'nvidia.com/gpu.present', operator: 'In', values: ['true'] },
    ]);
  });

  test('with pools: affinity on every pool, Bottlerocket ones included (they ship a device plugin, not an exporter)', () => {
    const { objects } = render({ pools: [pool(), pool({ name: 'br', ami: 'BOTTLEROCKET_x86_64_NVIDIA' })] });
    expect(podSpec(objects).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'inferscale.io/gpu-pool', operator: 'In', values: ['a10g', 'br'] }] },
    ]);
  });

  test('by default: root (the pod-resources socket), no escalation, every capability dropped, no SYS_ADMIN', () => {
    const { objects, exporter } = render();
    expect(container(objects).securityContext).toEqual({
      runAsNonRoot: false,
      runAsUser: 0,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(exporter.spec.profiling).toBe(false);
  });

  test('a profiling field asked for adds SYS_ADMIN, as upstream\'s manifest does for DCGM_FI_PROF_*', () => {
    for (const props of [{ requiredFields: ['DCGM_FI_PROF_GR_ENGINE_ACTIVE'] }, { metrics: [...DEFAULT_DCGM_FIELDS, ...DCGM_PROFILING_FIELDS] }]) {
      const { objects, exporter } = render(props);
      expect(container(objects).securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['SYS_ADMIN'] });
      expect(exporter.spec.profiling).toBe(true);
    }
  });

  test('needs a privileged namespace: Pod Security baseline rejects it, and the reason says why', () => {
    const { objects, exporter } = render({ requiredFields: ['DCGM_FI_PROF_GR_ENGINE_ACTIVE'] });
    const messages = checkPodSecurity(podSpec(objects), 'spec.template.spec', 'baseline').map((p) => p.message).join('\n');
    expect(messages).toMatch(/hostPath volumes are not allowed/);
    expect(messages).toMatch(/capability "SYS_ADMIN" may not be added/);
    expect(exporter.podSecurityLevel).toBe('privileged');
    expect(DcgmExporter.POD_SECURITY_REASON).toMatch(/pod-resources directory from the host/);
  });

  test('health probes on /health of the metrics port, with startup time for DCGM', () => {
    const c = container(render().objects);
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) expect(probe.httpGet).toEqual({ path: '/health', port: 'metrics' });
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBe(120);
  });

  test('resources: requests and a memory limit, no CPU limit', () => {
    expect(container(render().objects).resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
  });

  test('a ServiceAccount without a token', () => {
    const { objects } = render();
    expect(find(objects, 'ServiceAccount', NAME).automountServiceAccountToken).toBe(false);
    expect(podSpec(objects).automountServiceAccountToken).toBe(false);
    expect(podSpec(objects).serviceAccountName).toBe(NAME);
  });

  test('a custom port moves the listen address, container port, Service port and hint together', () => {
    const { objects, exporter } = render({ port: 9500, name: 'gpu-metrics', namespace: 'monitoring' });
    expect(container(objects, 'gpu-metrics').env).toContainEqual({ name: 'DCGM_EXPORTER_LISTEN', value: ':9500' });
    expect(container(objects, 'gpu-metrics').ports[0].containerPort).toBe(9500);
    expect(find(objects, 'Service', 'gpu-metrics').spec.ports[0].port).toBe(9500);
    expect(exporter.scrapeJobHint).toMatchObject({ port: 9500, namespace: 'monitoring', serviceName: 'gpu-metrics' });
    expect(find(objects, 'ConfigMap', 'gpu-metrics-metrics')).toBeDefined();
  });

  test('a metrics hash on the pod template rolls the DaemonSet when the list changes', () => {
    const hash = (metrics?: DcgmField[]): string => find(render(metrics ? { metrics } : {}).objects, 'DaemonSet', NAME).spec.template.metadata.annotations['inferscale.io/metrics-sha256'];
    expect(hash()).toMatch(/^[0-9a-f]{64}$/);
    expect(hash()).toBe(hash());
    expect(hash([UTIL])).not.toBe(hash());
  });

  test('dcgmMetricsCsv writes the upstream format', () => {
    expect(dcgmMetricsCsv([UTIL])).toBe("# Format\n# If line starts with a '#' it is considered a comment\n# DCGM FIELD, Prometheus metric type, help message\n\nDCGM_FI_DEV_GPU_UTIL, gauge, GPU utilization (in %).\n");
  });

  test('synthesis is deterministic', () => {
    const props: DcgmExporterProps = { pools: [pool()], labels: { b: '1', a: '2' } };
    expect(JSON.stringify(render(props).objects)).toBe(JSON.stringify(render(props).objects));
  });

  test('resolveDcgmExporter is pure and matches the construct', () => {
    expect(resolveDcgmExporter({ port: 9401 }).spec).toEqual(render({ port: 9401 }).exporter.spec);
  });
});

describe('DcgmExporter validation (one test per message)', () => {
  const OWNER = 'DcgmExporter "test/Dcgm": ';

  test('name must be a DNS-1123 label', () => {
    expect(errorOf({ name: 'DCGM' })).toMatch(/^DcgmExporter "test\/Dcgm": name is "DCGM"; expected a DNS-1123 label/);
  });

  test('port must be a port number', () => {
    expect(errorOf({ port: 70000 })).toBe(`${OWNER}port is 70000; expected a port number from 1 to 65535`);
  });

  test('image must be a reference', () => {
    expect(errorOf({ image: '' })).toBe(`${OWNER}image is ""; expected an image reference such as "nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless": [registry[:port]/]repository[:tag][@sha256:digest], the repository in lower case`);
  });

  test('priority class must be a name', () => {
    expect(errorOf({ priorityClassName: 'Critical!' })).toBe(`${OWNER}priorityClassName is "Critical!"; expected a PriorityClass name such as "system-node-critical" (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.')`);
  });

  test('an empty metrics list', () => {
    expect(errorOf({ metrics: [] })).toMatch(/metrics is \[\]; give at least one DCGM field/);
  });

  test('a field name that is not a DCGM field identifier', () => {
    expect(errorOf({ metrics: [{ ...UTIL, name: 'gpu_util' }] })).toBe(`${OWNER}metrics[0].name is "gpu_util"; expected a DCGM field identifier such as "DCGM_FI_DEV_GPU_UTIL"`);
  });

  test('a field listed twice', () => {
    expect(errorOf({ metrics: [UTIL, UTIL] })).toBe(`${OWNER}metrics[1].name is "DCGM_FI_DEV_GPU_UTIL", already listed at metrics[0]; list each field once`);
  });

  test('a field type other than gauge, counter or label', () => {
    expect(errorOf({ metrics: [{ ...UTIL, type: 'histogram' as never }] })).toBe(`${OWNER}metrics[0].type is "histogram"; expected one of "gauge", "counter", "label"`);
  });

  test('help text with a comma would break the CSV', () => {
    expect(errorOf({ metrics: [{ ...UTIL, help: 'GPU utilization, in %' }] })).toMatch(/metrics\[0\].help is "GPU utilization, in %"; expected non-empty help text without commas or line breaks/);
  });

  test('only label fields serve no series', () => {
    expect(errorOf({ metrics: [{ name: 'DCGM_FI_DRIVER_VERSION', type: 'label', help: 'Driver Version' }] })).toBe(`${OWNER}metrics holds only label fields, so the exporter would serve no series; add a gauge or counter such as DCGM_FI_DEV_GPU_UTIL`);
  });

  test('an empty pool list would schedule the DaemonSet nowhere', () => {
    expect(errorOf({ pools: [] })).toBe(`${OWNER}pools is empty, so the DaemonSet would be scheduled nowhere; give at least one pool, or leave pools out to run on every GPU node`);
  });

  test('resource quantities must parse', () => {
    expect(errorOf({ resources: { memory: { limit: 'lots' } } })).toBe(`${OWNER}resources.memory.limit is "lots"; expected a non-negative Kubernetes quantity such as "500m", "2", "16Gi"`);
  });

  test('labels must be valid', () => {
    expect(errorOf({ labels: { '-bad': 'x' } })).toMatch(/labels\["-bad"\] key is not a valid label key/);
  });

  test('deferred: the namespace must not enforce Pod Security baseline or restricted', () => {
    const chart = newChart();
    new ApiObject(chart, 'Ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gpu-system', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } });
    new DcgmExporter(chart, 'Dcgm');
    expect(() => synth(chart)).toThrow(/DcgmExporter "test\/Dcgm": namespace is "gpu-system", whose Namespace enforces Pod Security "baseline", but the DCGM exporter mounts the kubelet pod-resources directory/);
  });
});
