import { Chart } from 'cdk8s';
import { parse } from 'yaml';
import { EmbeddedPrometheusOptions, Prometheus, PrometheusProps, PrometheusScrapedService, PrometheusSource } from '../../lib/cdk8s/prometheus';
import { IMAGES } from '../../lib/core/images';
import { resolveInferenceService } from '../../lib/core/inference-service';
import { ScalingMetric } from '../../lib/core/metric';
import { PrometheusStorage } from '../../lib/core/platform/prometheus-storage';
import { InferscaleValidationError } from '../../lib/core/problems';
import { buildPrometheusConfig, DcgmExporterScrapeTarget } from '../../lib/core/prometheus-config';
import { checkRestrictedPodSecurity, expectValidManifests } from '../support/manifests';
import { find, K8sObject, newChart, synth } from '../support/synth';

const MONITOR_KINDS = ['monitoring.coreos.com/v1/ServiceMonitor', 'monitoring.coreos.com/v1/PodMonitor'];
const DCGM: DcgmExporterScrapeTarget = { namespace: 'gpu-system', podLabels: { 'app.kubernetes.io/name': 'dcgm-exporter' } };

function service(name: string, extra: { metricsPort?: number; metricsPath?: string; namespace?: string; metrics?: ScalingMetric[] } = {}): PrometheusScrapedService {
  const { service: s, problems } = resolveInferenceService({
    name, namespace: extra.namespace ?? 'inference', image: 'vllm/vllm-openai:v0.11.0', maxReplicas: 4,
    ...(extra.metricsPort ? { metricsPort: extra.metricsPort } : {}),
    ...(extra.metricsPath ? { metricsPath: extra.metricsPath } : {}),
    metrics: extra.metrics ?? [ScalingMetric.requestsPerSecond({ targetPerPod: 4 })],
  }, name);
  if (!s) throw new Error(JSON.stringify(problems));
  return s;
}

function render(props: PrometheusProps = {}, cluster: { defaultStorageClass?: boolean } = {}): { objects: K8sObject[]; prom: Prometheus; chart: Chart } {
  const chart = newChart();
  const prom = new Prometheus(chart, 'prometheus', props);
  const objects = synth(chart);
  // The StorageClasses the tests name exist in the cluster.
  expectValidManifests(objects, { crdKinds: MONITOR_KINDS, externalRefs: ['StorageClass/gp3'], ...cluster });
  return { objects, prom, chart };
}

const embedded = (o: EmbeddedPrometheusOptions = {}, props: PrometheusProps = {}) => render({ source: PrometheusSource.embedded(o), ...props });
const stack = (props: PrometheusProps = {}) => render({ source: PrometheusSource.existingKubePrometheusStack({ url: 'http://kube-prometheus-stack-prometheus.monitoring.svc:9090', releaseLabel: 'kube-prometheus-stack' }), ...props });

function expectError(props: PrometheusProps, message: string): void {
  const chart = newChart();
  let error: unknown;
  try {
    new Prometheus(chart, 'prometheus', props);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InferscaleValidationError);
  expect((error as Error).message).toBe(`Prometheus "test/prometheus": ${message}`);
}

describe('Prometheus, embedded (the default)', () => {
  test('renders a ServiceAccount, ClusterRole and binding, ConfigMap, PriorityClass, Deployment and Service; no claim by default', () => {
    const { objects } = render({ services: [service('llm')], dcgmExporter: DCGM });
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole//monitoring-prometheus',
      'ClusterRole//monitoring-prometheus-apiserver-metrics',
      'ClusterRoleBinding//monitoring-prometheus',
      'ClusterRoleBinding//monitoring-prometheus-apiserver-metrics',
      'ConfigMap/monitoring/prometheus-config',
      'Deployment/monitoring/prometheus',
      'PriorityClass//monitoring-prometheus',
      'Service/monitoring/prometheus',
      'ServiceAccount/monitoring/prometheus',
    ]);
  });

  test('resolves its defaults once', () => {
    const { prom } = render();
    expect(prom.mode).toBe('embedded');
    expect(prom.url).toBe('http://prometheus.monitoring.svc:9090');
    expect(prom.scrapeIntervalSeconds).toBe(15);
    expect(prom.retentionTime).toBe('15d');
    expect(prom.storageSize).toBe('10Gi');
    expect(prom.storage).toEqual({ kind: 'ephemeral', size: '10Gi', retentionSize: '8192MB' });
    expect(prom.priorityClassName).toBe('monitoring-prometheus');
    expect(prom.image).toBe(IMAGES.prometheus);
    expect(prom.name).toBe('prometheus');
    expect(prom.namespace).toBe('monitoring');
  });

  test('the ConfigMap holds the generated configuration', () => {
    const { objects, prom } = render({ dcgmExporter: DCGM, source: PrometheusSource.embedded({ scrapeIntervalSeconds: 10 }) });
    const yaml = find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml'];
    expect(parse(yaml)).toEqual(JSON.parse(JSON.stringify(buildPrometheusConfig({ scrapeIntervalSeconds: 10, dcgmExporter: DCGM, apiServer: true }).config)));
    expect(prom.config!.scrape_configs.find((j) => j.job_name === 'inferscale-dcgm-exporter')!.honor_labels).toBe(true);
  });

  test('RBAC: list and watch pods, nothing else', () => {
    const { objects } = render();
    expect(find(objects, 'ClusterRole', 'monitoring-prometheus').rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] }]);
    const binding = find(objects, 'ClusterRoleBinding', 'monitoring-prometheus');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'monitoring-prometheus' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'prometheus', namespace: 'monitoring' }]);
  });

  test('restricted discovery: a Role per namespace (with the exporter\'s), no ClusterRole reading objects', () => {
    const { objects, prom } = embedded({ discoveryNamespaces: ['search', 'inference'] }, { dcgmExporter: DCGM });
    // Only the API server's /metrics, which no Role can grant.
    expect(objects.filter((o) => o.kind === 'ClusterRole').map((o) => o.rules)).toEqual([[{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]]);
    expect(objects.filter((o) => o.kind === 'Role').map((o) => o.metadata.namespace)).toEqual(['gpu-system', 'inference', 'search']);
    expect(objects.filter((o) => o.kind === 'RoleBinding').map((o) => o.metadata.namespace)).toEqual(['gpu-system', 'inference', 'search']);
    expect(prom.roles).toHaveLength(3);
    expect(prom.config!.scrape_configs[0].kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: ['inference', 'search'] } }]);
  });

  test('the server: one replica, Recreate, retention, pinned image, probes, volumes', () => {
    const { objects } = embedded({ retentionTime: '30d' });
    const d = find(objects, 'Deployment', 'prometheus');
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    const c = d.spec.template.spec.containers[0];
    expect(c.image).toBe(IMAGES.prometheus);
    expect(c.args).toEqual([
      '--config.file=/etc/prometheus/prometheus.yml',
      '--storage.tsdb.path=/prometheus',
      '--storage.tsdb.retention.time=30d',
      // 80 % of the 10Gi emptyDir, so old blocks go before the kubelet evicts the pod.
      '--storage.tsdb.retention.size=8192MB',
      '--web.listen-address=:9090',
    ]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/-/ready', port: 'web' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/-/healthy', port: 'web' });
    expect(d.spec.template.spec.volumes).toEqual([
      { name: 'config', configMap: { name: 'prometheus-config' } },
      { name: 'data', emptyDir: { sizeLimit: '10Gi' } },
    ]);
    expect(c.resources.requests['ephemeral-storage']).toBe('10Gi');
    expect(d.spec.template.spec.serviceAccountName).toBe('prometheus');
  });

  test('passes Pod Security "restricted"', () => {
    const { objects } = render();
    expect(checkRestrictedPodSecurity(find(objects, 'Deployment', 'prometheus').spec.template.spec)).toEqual([]);
  });

  test('a changed configuration changes the pod template (rolls the pod)', () => {
    const hash = (o: K8sObject[]) => find(o, 'Deployment', 'prometheus').spec.template.metadata.annotations['inferscale.io/config-sha256'];
    expect(hash(embedded().objects)).toMatch(/^[0-9a-f]{64}$/);
    expect(hash(embedded().objects)).toBe(hash(embedded().objects));
    expect(hash(embedded({ scrapeIntervalSeconds: 10 }).objects)).not.toBe(hash(embedded().objects));
  });

  test('storage size and class (shorthand)', () => {
    const { objects } = embedded({ storageSize: '200Gi', storageClassName: 'gp3' });
    const pvc = find(objects, 'PersistentVolumeClaim', 'prometheus-data');
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '200Gi' } } });
    const pod = find(objects, 'Deployment', 'prometheus').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'prometheus-data' } });
    expect(pod.containers[0].args).toContain('--storage.tsdb.retention.size=163840MB');
    expect(pod.containers[0].resources.requests).not.toHaveProperty('ephemeral-storage');
  });

  test('PrometheusStorage.persistent: a claim of the named class, 50Gi by default', () => {
    const { objects, prom } = embedded({ storage: PrometheusStorage.persistent({ storageClassName: 'gp3' }) });
    expect(find(objects, 'PersistentVolumeClaim', 'prometheus-data').spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '50Gi' } } });
    expect(prom.storage).toEqual({ kind: 'persistent', storageClassName: 'gp3', size: '50Gi', retentionSize: '40960MB' });
  });

  test('PrometheusStorage.clusterDefault: a claim without a class, said explicitly', () => {
    const { objects } = render({ source: PrometheusSource.embedded({ storage: PrometheusStorage.clusterDefault({ size: '20Gi' }) }) }, { defaultStorageClass: true });
    expect(find(objects, 'PersistentVolumeClaim', 'prometheus-data').spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } });
  });

  test('PrometheusStorage.ephemeral: an emptyDir with its limit requested as ephemeral-storage', () => {
    const { objects } = embedded({ storage: PrometheusStorage.ephemeral({ sizeLimit: '4Gi' }) });
    expect(objects.filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
    const pod = find(objects, 'Deployment', 'prometheus').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'data', emptyDir: { sizeLimit: '4Gi' } });
    expect(pod.containers[0].resources.requests['ephemeral-storage']).toBe('4Gi');
  });

  test('a PriorityClass above ordinary workloads, below the system classes', () => {
    const { objects } = render();
    const pc = find(objects, 'PriorityClass', 'monitoring-prometheus');
    expect(pc.value).toBe(1000000);
    expect(pc.globalDefault).toBe(false);
    expect(pc.preemptionPolicy).toBe('PreemptLowerPriority');
    expect(find(objects, 'Deployment', 'prometheus').spec.template.spec.priorityClassName).toBe('monitoring-prometheus');
  });

  test('an existing PriorityClass is used as it is, and none is rendered', () => {
    const { objects } = embedded({ priorityClassName: 'system-cluster-critical' });
    expect(objects.filter((o) => o.kind === 'PriorityClass')).toEqual([]);
    expect(find(objects, 'Deployment', 'prometheus').spec.template.spec.priorityClassName).toBe('system-cluster-critical');
  });

  test('Service on 9090', () => {
    expect(find(render().objects, 'Service', 'prometheus').spec.ports).toEqual([{ name: 'web', port: 9090, targetPort: 'web', protocol: 'TCP' }]);
  });

  test('name and namespace', () => {
    const { prom, objects } = render({ name: 'metrics', namespace: 'observability' });
    expect(prom.url).toBe('http://metrics.observability.svc:9090');
    expect(find(objects, 'ClusterRole', 'observability-metrics')).toBeDefined();
  });

  test('synthesizing twice gives the same objects', () => {
    const props = { services: [service('llm')], dcgmExporter: DCGM };
    expect(JSON.stringify(render(props).objects)).toBe(JSON.stringify(render(props).objects));
  });
});

describe('Prometheus, existing kube-prometheus-stack', () => {
  test('no server; a PodMonitor per service and a ServiceMonitor for the exporter, labelled for the stack', () => {
    const { objects, prom } = stack({ services: [service('llm'), service('embed', { metricsPort: 9100, metricsPath: '/stats', namespace: 'search' })], dcgmExporter: DCGM });
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual([
      'PodMonitor/inference/llm', 'PodMonitor/search/embed', 'ServiceMonitor/gpu-system/inferscale-dcgm-exporter',
    ]);
    expect(prom.mode).toBe('kubePrometheusStack');
    expect(prom.url).toBe('http://kube-prometheus-stack-prometheus.monitoring.svc:9090');
    for (const o of objects) expect(o.metadata.labels.release).toBe('kube-prometheus-stack');
  });

  test('PodMonitors scrape the named metrics port and path at the checked interval', () => {
    const { objects } = stack({ services: [service('llm'), service('embed', { metricsPort: 9100, metricsPath: '/stats', namespace: 'search' })] });
    expect(find(objects, 'PodMonitor', 'llm').spec).toEqual({
      selector: { matchLabels: { 'inferscale.io/service': 'llm' } },
      podMetricsEndpoints: [{ port: 'http', path: '/metrics', interval: '15s' }],
    });
    expect(find(objects, 'PodMonitor', 'embed').spec.podMetricsEndpoints).toEqual([{ port: 'metrics', path: '/stats', interval: '15s' }]);
  });

  test('the DCGM ServiceMonitor honors the exporter\'s pod labels', () => {
    const { objects, prom } = stack({ dcgmExporter: { ...DCGM, serviceLabels: { app: 'dcgm' }, portName: 'gpu-metrics' } });
    expect(find(objects, 'ServiceMonitor', 'inferscale-dcgm-exporter').spec).toEqual({
      selector: { matchLabels: { app: 'dcgm' } },
      namespaceSelector: { matchNames: ['gpu-system'] },
      endpoints: [{ port: 'gpu-metrics', path: '/metrics', interval: '15s', honorLabels: true }],
    });
    expect(prom.serviceMonitor).toBeDefined();
  });

  test('the monitors carry the scrape interval the rate windows were checked against', () => {
    const { objects } = render({
      source: PrometheusSource.existingKubePrometheusStack({ url: 'http://p.monitoring.svc:9090', releaseLabel: 'kps', scrapeIntervalSeconds: 10 }),
      services: [service('llm')],
    });
    expect(find(objects, 'PodMonitor', 'llm').spec.podMetricsEndpoints[0].interval).toBe('10s');
  });
});

describe('Prometheus errors', () => {
  test('rate window shorter than four scrapes', () => {
    expectError({ services: [service('llm', { metrics: [ScalingMetric.requestsPerSecond({ targetPerPod: 4, rateWindowSeconds: 30 })] })] },
      'services[0] ("inference/llm").metrics[0] (requestsPerSecond).rateWindowSeconds is 30, shorter than 4 scrapes at a 15 s scrape interval (60 s); rate() over fewer scrapes jumps or goes missing when one scrape fails. Use a rate window of 60 s or more, or scrape more often');
  });

  test('rate window against the stack\'s scrape interval', () => {
    expectError({ source: PrometheusSource.existingKubePrometheusStack({ url: 'http://p.monitoring.svc:9090', releaseLabel: 'kps', scrapeIntervalSeconds: 30 }), services: [service('llm')] },
      'services[0] ("inference/llm").metrics[0] (requestsPerSecond).rateWindowSeconds is 60, shorter than 4 scrapes at a 30 s scrape interval (120 s); rate() over fewer scrapes jumps or goes missing when one scrape fails. Use a rate window of 120 s or more, or scrape more often');
  });

  test('scrape interval', () => {
    expectError({ source: PrometheusSource.embedded({ scrapeIntervalSeconds: 0 }) }, 'source.scrapeIntervalSeconds is 0; expected whole seconds from 1 to 300');
  });

  test('retention', () => {
    expectError({ source: PrometheusSource.embedded({ retentionTime: '15 days' }) }, 'source.retentionTime is "15 days"; expected a Prometheus duration such as "15d", "12h" or "1w"');
  });

  test('storage size', () => {
    expectError({ source: PrometheusSource.embedded({ storageClassName: 'gp3', storageSize: 'lots' }) }, 'source.storageSize is "lots"; expected a non-negative Kubernetes quantity such as "500m", "2", "16Gi"');
  });

  test('storage size 0', () => {
    expectError({ source: PrometheusSource.embedded({ storageClassName: 'gp3', storageSize: '0' }) }, 'source.storageSize is "0"; the TSDB needs at least "1Gi"');
  });

  test('storage size without a class', () => {
    expectError({ source: PrometheusSource.embedded({ storageSize: '200Gi' }) },
      'source.storageSize is "200Gi", but no StorageClass is named: a claim without storageClassName binds only where the cluster has a default StorageClass (a new EKS cluster has none) and otherwise stays Pending. Use storage: PrometheusStorage.persistent({ storageClassName, size }), or PrometheusStorage.clusterDefault({ size }) when the cluster has a default class');
  });

  test('storage class', () => {
    expectError({ source: PrometheusSource.embedded({ storageClassName: 'GP3' }) }, 'source.storageClassName is "GP3"; expected a StorageClass name (a DNS-1123 subdomain) such as "gp3", or PrometheusStorage.clusterDefault() when the cluster has a default StorageClass');
  });

  test('storage class of PrometheusStorage.persistent', () => {
    expectError({ source: PrometheusSource.embedded({ storage: PrometheusStorage.persistent({ storageClassName: '' }) }) },
      'source.storage.storageClassName is ""; expected a StorageClass name (a DNS-1123 subdomain) such as "gp3", or PrometheusStorage.clusterDefault() when the cluster has a default StorageClass');
  });

  test('emptyDir size limit', () => {
    expectError({ source: PrometheusSource.embedded({ storage: PrometheusStorage.ephemeral({ sizeLimit: '512Mi' }) }) }, 'source.storage.sizeLimit is "512Mi"; the TSDB needs at least "1Gi"');
  });

  test('storage given twice', () => {
    expectError({ source: PrometheusSource.embedded({ storage: PrometheusStorage.ephemeral(), storageClassName: 'gp3' }) }, 'source.storage is given together with storageClassName; give the storage choice once, in storage');
  });

  test('storage not a PrometheusStorage', () => {
    expectError({ source: PrometheusSource.embedded({ storage: { kind: 'ephemeral' } as never }) },
      'source.storage is {"kind":"ephemeral"}; expected PrometheusStorage.persistent({ storageClassName, size }), PrometheusStorage.clusterDefault({ size }) or PrometheusStorage.ephemeral({ sizeLimit })');
  });

  test('priority class', () => {
    expectError({ source: PrometheusSource.embedded({ priorityClassName: 'Critical' }) }, 'source.priorityClassName is "Critical"; expected the name of an existing PriorityClass (a DNS-1123 subdomain) such as "system-cluster-critical"');
  });

  test('image', () => {
    expectError({ source: PrometheusSource.embedded({ image: 'prom/prometheus latest' }) }, 'source.image is "prom/prometheus latest"; expected an image reference such as "quay.io/prometheus/prometheus:v3.5.0"');
  });

  test('resources', () => {
    expectError({ source: PrometheusSource.embedded({ resources: { memory: { request: '2 GB' } } }) }, 'source.resources.memory.request is "2 GB"; expected a non-negative Kubernetes quantity such as "500m", "2", "16Gi"');
  });

  test('discovery namespaces', () => {
    expectError({ source: PrometheusSource.embedded({ discoveryNamespaces: ['Inference'] }) },
      'source.discoveryNamespaces[0] is "Inference"; expected a DNS-1123 label: 1-63 lowercase letters, digits or \'-\', starting and ending with a letter or digit');
  });

  test('name and namespace', () => {
    expectError({ name: 'Prom' }, 'name is "Prom"; expected a DNS-1123 label: 1-63 lowercase letters, digits or \'-\', starting and ending with a letter or digit');
    expectError({ namespace: 'mon_itoring' }, 'namespace is "mon_itoring"; expected a DNS-1123 label: 1-63 lowercase letters, digits or \'-\', starting and ending with a letter or digit');
  });

  test('DCGM exporter without pod labels', () => {
    expectError({ dcgmExporter: { namespace: 'gpu-system', podLabels: {} } }, 'dcgmExporter.podLabels is empty; give the labels of the exporter\'s pods, or every pod in its namespace would be scraped as the exporter');
  });

  test('stack URL', () => {
    expectError({ source: PrometheusSource.existingKubePrometheusStack({ url: 'prometheus:9090', releaseLabel: 'kps' }) },
      'source.url is "prometheus:9090"; expected the stack\'s Prometheus URL, such as "http://kube-prometheus-stack-prometheus.monitoring.svc:9090"');
  });

  test('stack release label missing', () => {
    expectError({ source: PrometheusSource.existingKubePrometheusStack({ url: 'http://p:9090', releaseLabel: '' }) },
      'source.releaseLabel is ""; expected the stack\'s Helm release name, which its Prometheus selects monitors by (label "release")');
  });

  test('stack release label not a label value', () => {
    expectError({ source: PrometheusSource.existingKubePrometheusStack({ url: 'http://p:9090', releaseLabel: 'kube prometheus' }) },
      'source.releaseLabel["release"] value "kube prometheus" is not a valid label value: at most 63 letters, digits, \'-\', \'_\' or \'.\', starting and ending alphanumeric');
  });

  test('every problem at once', () => {
    const chart = newChart();
    expect(() => new Prometheus(chart, 'p', { name: 'P', source: PrometheusSource.embedded({ retentionTime: 'x', storageClassName: 'gp3', storageSize: 'y' }) })).toThrow(/name is "P".*\n.*source.retentionTime.*\n.*source.storageSize/);
  });
});
