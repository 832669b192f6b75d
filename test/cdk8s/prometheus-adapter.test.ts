import { Chart } from 'cdk8s';
import { PrometheusAdapter, PrometheusAdapterProps, ServingCertificate } from '../../lib/cdk8s/prometheus-adapter';
import { adapterConfigYaml, AdapterServiceMetrics, buildAdapterConfig } from '../../lib/core/adapter-config';
import { IMAGES } from '../../lib/core/images';
import { MetricDefinition, ScalingMetric } from '../../lib/core/metric';
import { InferscaleValidationError } from '../../lib/core/problems';
import { checkRestrictedPodSecurity, expectValidManifests } from '../support/manifests';
import { find, K8sObject, newChart, synth } from '../support/synth';

const URL = 'http://prometheus.monitoring.svc:9090';
const CERT_MANAGER_KINDS = ['cert-manager.io/v1/Certificate', 'cert-manager.io/v1/Issuer'];
/** Objects every cluster has: the Role the aggregation layer's auth reader binds to, and cert-manager's Secret. */
const EXTERNAL_REFS = ['Role/kube-system/extension-apiserver-authentication-reader', 'Secret/monitoring/prometheus-adapter-serving-cert'];

const def = (m: ScalingMetric): MetricDefinition => {
  if (!m.definition) throw new Error(JSON.stringify(m.problems));
  return m.definition;
};
const RPS = def(ScalingMetric.requestsPerSecond({ targetPerPod: 4 }));
const GPU = def(ScalingMetric.gpuUtilization({ targetPercent: 70 }));
const QUEUE = def(ScalingMetric.externalQueue({ series: 'kafka_consumergroup_lag', selector: { consumergroup: 'llm' }, targetPerReplica: 50 }));
const LLM: AdapterServiceMetrics = { name: 'llm', namespace: 'inference', metrics: [RPS, GPU] };
const WITH_QUEUE: AdapterServiceMetrics = { name: 'batch', namespace: 'inference', metrics: [RPS, QUEUE] };

function render(props: Partial<PrometheusAdapterProps> = {}): { objects: K8sObject[]; adapter: PrometheusAdapter; chart: Chart } {
  const chart = newChart();
  const adapter = new PrometheusAdapter(chart, 'adapter', { prometheusUrl: URL, services: [LLM], ...props });
  const objects = synth(chart);
  expectValidManifests(objects, { crdKinds: CERT_MANAGER_KINDS, externalRefs: EXTERNAL_REFS });
  return { objects, adapter, chart };
}

function expectError(props: Partial<PrometheusAdapterProps>, message: string): void {
  const chart = newChart();
  let error: unknown;
  try {
    new PrometheusAdapter(chart, 'adapter', { prometheusUrl: URL, services: [LLM], ...props });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InferscaleValidationError);
  expect((error as Error).message).toBe(`PrometheusAdapter "test/adapter": ${message}`);
}

const names = (objects: K8sObject[]) => objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();

describe('PrometheusAdapter', () => {
  test('renders the adapter, its RBAC and the custom metrics APIService only, when no metric is External', () => {
    expect(names(render().objects)).toEqual([
      'APIService//v1beta1.custom.metrics.k8s.io',
      'ClusterRole//monitoring-prometheus-adapter-custom-metrics-reader',
      'ClusterRole//monitoring-prometheus-adapter-resource-reader',
      'ClusterRoleBinding//monitoring-prometheus-adapter-auth-delegator',
      'ClusterRoleBinding//monitoring-prometheus-adapter-custom-metrics-reader',
      'ClusterRoleBinding//monitoring-prometheus-adapter-resource-reader',
      'ConfigMap/monitoring/prometheus-adapter-config',
      'Deployment/monitoring/prometheus-adapter',
      'PodDisruptionBudget/monitoring/prometheus-adapter',
      'RoleBinding/kube-system/monitoring-prometheus-adapter-auth-reader',
      'Service/monitoring/prometheus-adapter',
      'ServiceAccount/monitoring/prometheus-adapter',
    ]);
  });

  test('resolves its defaults once', () => {
    const { adapter } = render();
    expect(adapter.name).toBe('prometheus-adapter');
    expect(adapter.namespace).toBe('monitoring');
    expect(adapter.replicas).toBe(2);
    expect(adapter.image).toBe(IMAGES.prometheusAdapter);
    expect(adapter.metricsRelistIntervalSeconds).toBe(60);
    expect(adapter.servingCertificate.mode).toBe('selfSigned');
    expect(adapter.servesExternalMetrics).toBe(false);
  });

  test('the Deployment: two replicas, the documented args, HTTPS probes, config and /tmp mounts', () => {
    const d = find(render().objects, 'Deployment', 'prometheus-adapter');
    expect(d.spec.replicas).toBe(2);
    const c = d.spec.template.spec.containers[0];
    expect(c.image).toBe('registry.k8s.io/prometheus-adapter/prometheus-adapter:v0.12.0');
    expect(c.args).toEqual([
      '--secure-port=6443',
      '--cert-dir=/tmp/cert',
      `--prometheus-url=${URL}`,
      '--metrics-relist-interval=1m',
      '--config=/etc/adapter/config.yaml',
    ]);
    expect(c.ports).toEqual([{ name: 'https', containerPort: 6443, protocol: 'TCP' }]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'https', scheme: 'HTTPS' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/livez', port: 'https', scheme: 'HTTPS' });
    expect(c.volumeMounts).toEqual([{ name: 'config', mountPath: '/etc/adapter', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }]);
    expect(d.spec.template.spec.serviceAccountName).toBe('prometheus-adapter');
    expect(d.spec.template.spec.topologySpreadConstraints.map((t: K8sObject) => t.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
  });

  test('passes Pod Security "restricted"', () => {
    expect(checkRestrictedPodSecurity(find(render().objects, 'Deployment', 'prometheus-adapter').spec.template.spec)).toEqual([]);
  });

  test('the rules ConfigMap is generated from every service\'s metrics', () => {
    const services = [LLM, { name: 'embed', namespace: 'search', metrics: [GPU] }];
    const { objects, adapter } = render({ services });
    expect(find(objects, 'ConfigMap', 'prometheus-adapter-config').data).toEqual({ 'config.yaml': adapterConfigYaml(buildAdapterConfig(services).config) });
    expect(adapter.config.rules.map((r) => r.name.as)).toEqual(['ai_inference_gpu_utilization_percent', 'ai_inference_requests_per_second']);
  });

  test('changed rules change the pod template (the adapter reads its rules only at start)', () => {
    const hash = (o: K8sObject[]) => find(o, 'Deployment', 'prometheus-adapter').spec.template.metadata.annotations['inferscale.io/config-sha256'];
    expect(hash(render().objects)).toBe(hash(render().objects));
    expect(hash(render({ services: [{ ...LLM, metrics: [RPS] }] }).objects)).not.toBe(hash(render().objects));
  });

  test('Service 443 → https, PodDisruptionBudget of one', () => {
    const { objects } = render();
    expect(find(objects, 'Service', 'prometheus-adapter').spec.ports).toEqual([{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }]);
    expect(find(objects, 'PodDisruptionBudget', 'prometheus-adapter').spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus-adapter', 'app.kubernetes.io/instance': 'prometheus-adapter' } },
      maxUnavailable: 1,
    });
  });

  test('the custom metrics APIService: priorities 100, the adapter\'s Service, the self-signed certificate unverified', () => {
    expect(find(render().objects, 'APIService', 'v1beta1.custom.metrics.k8s.io').spec).toEqual({
      group: 'custom.metrics.k8s.io',
      version: 'v1beta1',
      service: { name: 'prometheus-adapter', namespace: 'monitoring', port: 443 },
      groupPriorityMinimum: 100,
      versionPriority: 100,
      insecureSkipTLSVerify: true,
    });
  });

  test('RBAC: delegated auth, a resource reader of exactly what the rules map, the HPA controller reading metrics', () => {
    const { objects } = render();
    const self = [{ kind: 'ServiceAccount', name: 'prometheus-adapter', namespace: 'monitoring' }];
    const hpa = [{ kind: 'ServiceAccount', name: 'horizontal-pod-autoscaler', namespace: 'kube-system' }];
    const ref = (kind: string, name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name });
    expect(find(objects, 'ClusterRoleBinding', 'monitoring-prometheus-adapter-auth-delegator')).toMatchObject({ roleRef: ref('ClusterRole', 'system:auth-delegator'), subjects: self });
    expect(find(objects, 'RoleBinding', 'monitoring-prometheus-adapter-auth-reader')).toMatchObject({ roleRef: ref('Role', 'extension-apiserver-authentication-reader'), subjects: self });
    expect(find(objects, 'ClusterRole', 'monitoring-prometheus-adapter-resource-reader').rules).toEqual([
      { apiGroups: [''], resources: ['namespaces', 'pods'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(find(objects, 'ClusterRoleBinding', 'monitoring-prometheus-adapter-resource-reader')).toMatchObject({ roleRef: ref('ClusterRole', 'monitoring-prometheus-adapter-resource-reader'), subjects: self });
    expect(find(objects, 'ClusterRole', 'monitoring-prometheus-adapter-custom-metrics-reader').rules).toEqual([
      { apiGroups: ['custom.metrics.k8s.io'], resources: ['*'], verbs: ['get', 'list'] },
    ]);
    expect(find(objects, 'ClusterRoleBinding', 'monitoring-prometheus-adapter-custom-metrics-reader')).toMatchObject({ roleRef: ref('ClusterRole', 'monitoring-prometheus-adapter-custom-metrics-reader'), subjects: hpa });
  });

  test('no role of the adapter reads ConfigMaps, Secrets or nodes, or grants a wildcard outside the metrics APIs', () => {
    const withObject = def(ScalingMetric.objectMetric({ describedObject: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'gateway' }, series: 'gateway_queue', targetValue: 10 }));
    const { objects } = render({ services: [LLM, WITH_QUEUE, { name: 'gw', namespace: 'inference', metrics: [withObject] }] });
    const roles = objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role');
    for (const role of roles) {
      for (const rule of role.rules) {
        const metricsApi = rule.apiGroups.every((g: string) => g.endsWith('.metrics.k8s.io'));
        if (!metricsApi) expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
        expect(rule.resources).not.toEqual(expect.arrayContaining(['configmaps']));
        expect(rule.resources).not.toEqual(expect.arrayContaining(['secrets']));
        expect(rule.resources).not.toEqual(expect.arrayContaining(['nodes']));
      }
    }
    expect(find(objects, 'ClusterRole', 'monitoring-prometheus-adapter-resource-reader').rules).toEqual([
      { apiGroups: [''], resources: ['namespaces', 'pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  test('an External metric adds the external metrics APIService and the HPA controller\'s read access', () => {
    const { objects, adapter } = render({ services: [LLM, WITH_QUEUE] });
    expect(adapter.servesExternalMetrics).toBe(true);
    expect(find(objects, 'APIService', 'v1beta1.external.metrics.k8s.io').spec).toMatchObject({
      group: 'external.metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, insecureSkipTLSVerify: true,
    });
    expect(find(objects, 'ClusterRole', 'monitoring-prometheus-adapter-external-metrics-reader').rules).toEqual([
      { apiGroups: ['external.metrics.k8s.io'], resources: ['*'], verbs: ['get', 'list'] },
    ]);
    expect(find(objects, 'ClusterRoleBinding', 'monitoring-prometheus-adapter-external-metrics-reader').subjects).toEqual([{ kind: 'ServiceAccount', name: 'horizontal-pod-autoscaler', namespace: 'kube-system' }]);
    expect(adapter.config.externalRules.map((r) => r.name.as)).toEqual(['kafka_consumergroup_lag']);
  });

  test('another external metrics provider declared, no External metric here: no external APIService', () => {
    const { objects } = render({ externalMetricsOwner: 'keda' });
    expect(objects.filter((o) => o.kind === 'APIService').map((o) => o.metadata.name)).toEqual(['v1beta1.custom.metrics.k8s.io']);
  });

  test('cert-manager: a root CA, a CA Issuer and a serving Certificate; the CA injected into the APIServices', () => {
    const { objects, adapter } = render({ services: [WITH_QUEUE], servingCertificate: ServingCertificate.certManager() });
    expect(names(objects.filter((o) => o.apiVersion === 'cert-manager.io/v1'))).toEqual([
      'Certificate/monitoring/prometheus-adapter-root-ca',
      'Certificate/monitoring/prometheus-adapter-serving-cert',
      'Issuer/monitoring/prometheus-adapter-ca',
      'Issuer/monitoring/prometheus-adapter-self-signed',
    ]);
    expect(find(objects, 'Certificate', 'prometheus-adapter-serving-cert').spec).toEqual({
      secretName: 'prometheus-adapter-serving-cert',
      duration: '8760h',
      dnsNames: ['prometheus-adapter', 'prometheus-adapter.monitoring', 'prometheus-adapter.monitoring.svc', 'prometheus-adapter.monitoring.svc.cluster.local'],
      issuerRef: { name: 'prometheus-adapter-ca', kind: 'Issuer', group: 'cert-manager.io' },
    });
    expect(find(objects, 'Certificate', 'prometheus-adapter-root-ca').spec).toMatchObject({ isCA: true, issuerRef: { name: 'prometheus-adapter-self-signed' } });
    for (const name of ['v1beta1.custom.metrics.k8s.io', 'v1beta1.external.metrics.k8s.io']) {
      const api = find(objects, 'APIService', name);
      expect(api.metadata.annotations).toEqual({ 'cert-manager.io/inject-ca-from': 'monitoring/prometheus-adapter-serving-cert' });
      expect(api.spec).not.toHaveProperty('insecureSkipTLSVerify');
      expect(api.spec).not.toHaveProperty('caBundle');
    }
    const pod = find(objects, 'Deployment', 'prometheus-adapter').spec.template.spec;
    expect(pod.containers[0].args).toContain('--tls-cert-file=/var/run/serving-cert/tls.crt');
    expect(pod.containers[0].args).toContain('--tls-private-key-file=/var/run/serving-cert/tls.key');
    expect(pod.volumes).toContainEqual({ name: 'serving-cert', secret: { secretName: 'prometheus-adapter-serving-cert' } });
    expect(adapter.certificate).toBeDefined();
  });

  test('cert-manager with an existing issuer: only the serving Certificate', () => {
    const { objects } = render({ servingCertificate: ServingCertificate.certManager({ issuer: { name: 'cluster-ca', kind: 'ClusterIssuer' }, duration: '2160h' }) });
    expect(names(objects.filter((o) => o.apiVersion === 'cert-manager.io/v1'))).toEqual(['Certificate/monitoring/prometheus-adapter-serving-cert']);
    expect(find(objects, 'Certificate', 'prometheus-adapter-serving-cert').spec).toMatchObject({ duration: '2160h', issuerRef: { name: 'cluster-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' } });
  });

  test('name, namespace, replicas and relist interval', () => {
    const { objects, adapter } = render({ name: 'metrics-adapter', namespace: 'observability', replicas: 3, metricsRelistIntervalSeconds: 90 });
    const d = find(objects, 'Deployment', 'metrics-adapter');
    expect(d.metadata.namespace).toBe('observability');
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers[0].args).toContain('--metrics-relist-interval=90s');
    expect(find(objects, 'APIService', 'v1beta1.custom.metrics.k8s.io').spec.service).toEqual({ name: 'metrics-adapter', namespace: 'observability', port: 443 });
    expect(adapter.args).toEqual(d.spec.template.spec.containers[0].args);
  });

  test('synthesizing twice gives the same objects', () => {
    expect(JSON.stringify(render({ services: [LLM, WITH_QUEUE] }).objects)).toBe(JSON.stringify(render({ services: [LLM, WITH_QUEUE] }).objects));
  });
});

describe('PrometheusAdapter errors', () => {
  test('one replica', () => {
    expectError({ replicas: 1 }, 'replicas is 1; expected a whole number, 2 or more (the adapter is not autoscaled, and while no replica answers every HPA on a custom or external metric stalls)');
  });

  test('Prometheus URL', () => {
    expectError({ prometheusUrl: 'prometheus.monitoring:9090' }, 'prometheusUrl is "prometheus.monitoring:9090"; expected the Prometheus HTTP API URL, such as "http://prometheus.monitoring.svc:9090" (Prometheus.url)');
  });

  test('another provider owns external metrics, but a service uses one', () => {
    expectError({ services: [LLM, WITH_QUEUE], externalMetricsOwner: 'keda' },
      'externalMetricsOwner is "keda", which owns the external metrics API (APIService v1beta1.external.metrics.k8s.io), but services[1] ("inference/batch").metrics[1] (externalQueue) is an External metric this adapter would have to serve; two providers cannot share that APIService. Serve it through keda, or remove externalMetricsOwner');
  });

  test('external metrics owner empty', () => {
    expectError({ externalMetricsOwner: ' ' }, 'externalMetricsOwner is " "; expected the name of the provider serving external.metrics.k8s.io, such as "keda"');
  });

  test('relist interval', () => {
    expectError({ metricsRelistIntervalSeconds: 0 }, 'metricsRelistIntervalSeconds is 0; expected whole seconds from 1 to 3600');
  });

  test('image', () => {
    expectError({ image: '' }, 'image is ""; expected an image reference such as "registry.k8s.io/prometheus-adapter/prometheus-adapter:v0.12.0": [registry[:port]/]repository[:tag][@sha256:digest], the repository in lower case');
  });

  test('resources', () => {
    expectError({ resources: { cpu: { request: 'fast' } } }, 'resources.cpu.request is "fast"; expected a non-negative Kubernetes quantity such as "500m", "2", "16Gi"');
  });

  test('name', () => {
    expectError({ name: 'Adapter' }, 'name is "Adapter"; expected a DNS-1123 label: 1-63 lowercase letters, digits or \'-\', starting and ending with a letter or digit');
  });

  test('cert-manager issuer name', () => {
    expectError({ servingCertificate: ServingCertificate.certManager({ issuer: { name: 'My CA' } }) }, 'servingCertificate.issuer.name is "My CA"; expected the name of a cert-manager Issuer or ClusterIssuer');
  });

  test('cert-manager issuer kind', () => {
    expectError({ servingCertificate: ServingCertificate.certManager({ issuer: { name: 'ca', kind: 'Vault' as 'Issuer' } }) }, 'servingCertificate.issuer.kind is "Vault"; expected "Issuer" or "ClusterIssuer"');
  });

  test('cert-manager duration', () => {
    expectError({ servingCertificate: ServingCertificate.certManager({ duration: '1y' }) }, 'servingCertificate.duration is "1y"; expected a Go duration such as "8760h"');
  });

  test('wiring problems of the rules (two rules fighting over one name)', () => {
    const a = def(ScalingMetric.custom({ type: 'Pods', name: 'waiting', seriesQuery: 'a{namespace!="",pod!=""}', metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)', targetAverageValue: 1 }));
    const b = def(ScalingMetric.custom({ type: 'Pods', name: 'waiting', seriesQuery: 'b{namespace!="",pod!=""}', metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)', targetAverageValue: 1 }));
    expectError({ services: [{ name: 'x', namespace: 'inference', metrics: [a] }, { name: 'y', namespace: 'inference', metrics: [b] }] },
      'services[1] ("inference/y").metrics[0] (custom) claims adapter metric "waiting" with a different rule than services[0] ("inference/x").metrics[0] (custom) (seriesQuery "a{namespace!=\\"\\",pod!=\\"\\"}" vs "b{namespace!=\\"\\",pod!=\\"\\"}"); the adapter would serve only one of them and the other HPA would read the wrong values. Give one of the metrics another name, or make the rules identical');
  });
});
