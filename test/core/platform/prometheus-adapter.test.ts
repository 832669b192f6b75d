import { PrometheusAdapterConfig } from '../../../lib/core/adapter-config';
import { IMAGES } from '../../../lib/core/images';
import { ScalingMetric } from '../../../lib/core/metric';
import { adapterResourceReaderRules, resolvePrometheusAdapter, ServingCertificate } from '../../../lib/core/platform/prometheus-adapter';

const URL = 'http://prometheus.monitoring.svc:9090';
const RPS = ScalingMetric.requestsPerSecond({ targetPerPod: 4 }).definition!;

const rule = (resources: PrometheusAdapterConfig['rules'][number]['resources']): PrometheusAdapterConfig['rules'][number] => ({
  seriesQuery: 'x{namespace!=""}', resources, name: { matches: '^x$', as: 'x' }, metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
});

describe('resolvePrometheusAdapter', () => {
  test('resolves every default once', () => {
    const { spec, problems } = resolvePrometheusAdapter({ prometheusUrl: URL, services: [{ name: 'llm', namespace: 'inference', metrics: [RPS] }] });
    expect(problems).toEqual([]);
    expect(spec).toMatchObject({
      name: 'prometheus-adapter',
      namespace: 'monitoring',
      replicas: 2,
      image: IMAGES.prometheusAdapter,
      metricsRelistIntervalSeconds: 60,
      servingCertificate: { mode: 'selfSigned' },
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
      servesExternalMetrics: false,
      args: ['--secure-port=6443', '--cert-dir=/tmp/cert', `--prometheus-url=${URL}`, '--metrics-relist-interval=1m', '--config=/etc/adapter/config.yaml'],
      resourceReaderRules: [{ apiGroups: [''], resources: ['namespaces', 'pods'], verbs: ['get', 'list', 'watch'] }],
    });
    expect(spec!.config.rules.map((r) => r.name.as)).toEqual(['ai_inference_requests_per_second']);
  });

  test('cert-manager: the issuer kind and duration defaulted, the serving cert files passed', () => {
    const { spec } = resolvePrometheusAdapter({ prometheusUrl: URL, servingCertificate: ServingCertificate.certManager({ issuer: { name: 'ca' } }) });
    expect(spec!.servingCertificate).toEqual({ mode: 'certManager', issuer: { name: 'ca', kind: 'Issuer' }, duration: '8760h', secretName: 'prometheus-adapter-serving-cert' });
    expect(spec!.args).toContain('--tls-cert-file=/var/run/serving-cert/tls.crt');
  });

  test('an adapter without rules reads nothing', () => {
    expect(resolvePrometheusAdapter({ prometheusUrl: URL }).spec!.resourceReaderRules).toEqual([]);
  });

  test('every problem at once, with paths relative to the props', () => {
    expect(resolvePrometheusAdapter({ prometheusUrl: 'prometheus:9090', replicas: 1, resources: { memory: { request: '1Gi', limit: '512Mi' } } }).problems).toEqual([
      { path: 'prometheusUrl', message: 'is "prometheus:9090"; expected the Prometheus HTTP API URL, such as "http://prometheus.monitoring.svc:9090" (Prometheus.url)' },
      { path: 'replicas', message: 'is 1; expected a whole number, 2 or more (the adapter is not autoscaled, and while no replica answers every HPA on a custom or external metric stalls)' },
      { path: 'resources.memory.limit', message: 'is "512Mi", below the request "1Gi"; the API server rejects a limit under the request' },
    ]);
  });
});

describe('adapterResourceReaderRules', () => {
  test('grants get, list and watch on each mapped resource, in plural, by API group', () => {
    const config: PrometheusAdapterConfig = {
      rules: [
        rule({ overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } }),
        rule({ overrides: { namespace: { resource: 'namespaces' }, service: { resource: 'service' } } }),
        rule({ overrides: { namespace: { resource: 'namespace' }, ingress: { resource: 'ingresses', group: 'networking.k8s.io' } } }),
        rule({ overrides: { namespace: { resource: 'namespace' }, deployment: { resource: 'Deployment' } } }),
        rule({ overrides: { namespace: { resource: 'namespace' }, so: { resource: 'scaledobject', group: 'keda.sh' } } }),
      ],
      externalRules: [rule({ namespaced: false })],
    };
    expect(adapterResourceReaderRules(config)).toEqual([
      { apiGroups: [''], resources: ['namespaces', 'pods', 'services'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['keda.sh'], resources: ['scaledobjects'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
    ]);
  });
});
