import { namespaceOfServiceUrl, NetworkPolicyPlatform, resolveNetworkPolicies } from '../../../lib/core/platform/network-policies';

const PROMETHEUS = { name: 'prometheus', namespace: 'monitoring', podLabels: { app: 'prometheus' } };
const ADAPTER = { name: 'prometheus-adapter', namespace: 'monitoring', podLabels: { app: 'adapter' }, port: 6443 };
const DCGM = { name: 'dcgm-exporter', namespace: 'gpu-system', podLabels: { app: 'dcgm' }, port: 9400 };
const LLM = { name: 'llm', namespace: 'inference', podLabels: { svc: 'llm' }, port: 8000, metricsPort: 8000 };
const EMBED = { name: 'embed', namespace: 'inference', podLabels: { svc: 'embed' }, port: 8080, metricsPort: 9000 };
const PLATFORM: NetworkPolicyPlatform = { prometheus: { mode: 'embedded', server: PROMETHEUS, port: 9090 }, adapter: ADAPTER, dcgmExporter: DCGM, services: [LLM, EMBED] };
const SCRAPER = { namespace: 'monitoring', podLabels: { app: 'prometheus' } };

const policy = (platform: NetworkPolicyPlatform, name: string, props = {}) => {
  const { policies, problems } = resolveNetworkPolicies(props, platform);
  expect(problems).toEqual([]);
  const found = policies!.filter((p) => p.name === name);
  expect(found).toHaveLength(1);
  return found[0];
};

describe('resolveNetworkPolicies', () => {
  test('one policy per part, sorted by namespace and name', () => {
    expect(resolveNetworkPolicies({}, PLATFORM).policies!.map((p) => `${p.namespace}/${p.name}`)).toEqual([
      'gpu-system/dcgm-exporter', 'inference/embed', 'inference/llm', 'monitoring/prometheus', 'monitoring/prometheus-adapter',
    ]);
  });

  test('a separate metrics port answers Prometheus only; the HTTP port its own namespace', () => {
    expect(policy(PLATFORM, 'embed').ingress).toEqual([
      { ports: [8080], from: [{ namespace: 'inference' }] },
      { ports: [9000], from: [SCRAPER] },
    ]);
  });

  test('metrics on the HTTP port: one rule admitting the namespace and Prometheus', () => {
    expect(policy(PLATFORM, 'llm').ingress).toEqual([{ ports: [8000], from: [{ namespace: 'inference' }, SCRAPER] }]);
  });

  test('client namespaces the user names reach the HTTP port, never the metrics port', () => {
    expect(policy(PLATFORM, 'embed', { inferenceClientNamespaces: ['ingress-nginx', 'inference', 'gateway'] }).ingress).toEqual([
      { ports: [8080], from: [{ namespace: 'inference' }, { namespace: 'gateway' }, { namespace: 'ingress-nginx' }] },
      { ports: [9000], from: [SCRAPER] },
    ]);
  });

  test('the DCGM exporter answers Prometheus only', () => {
    expect(policy(PLATFORM, 'dcgm-exporter').ingress).toEqual([{ ports: [9400], from: [SCRAPER] }]);
  });

  test('Prometheus answers the adapter and the namespaces the user names', () => {
    expect(policy(PLATFORM, 'prometheus', { prometheusClientNamespaces: ['grafana'] }).ingress).toEqual([
      { ports: [9090], from: [{ namespace: 'monitoring', podLabels: { app: 'adapter' } }, { namespace: 'grafana' }] },
    ]);
  });

  test('the adapter\'s secure port admits any source, so the API server reaches it from outside the pod network', () => {
    expect(policy(PLATFORM, 'prometheus-adapter').ingress).toEqual([{ ports: [6443], from: [] }]);
  });

  test('metrics-server, when deployed, answers any source on its secure port, like the adapter', () => {
    const withMs: NetworkPolicyPlatform = { ...PLATFORM, metricsServer: { name: 'metrics-server', namespace: 'kube-system', podLabels: { app: 'ms' }, port: 10250 } };
    expect(policy(withMs, 'metrics-server')).toMatchObject({ namespace: 'kube-system', podLabels: { app: 'ms' }, ingress: [{ ports: [10250], from: [] }] });
    expect(resolveNetworkPolicies({}, PLATFORM).policies!.map((p) => p.name)).not.toContain('metrics-server');
  });

  test('an existing Prometheus: its namespace from the Service URL admitted on metrics ports, no Prometheus policy', () => {
    const stack: NetworkPolicyPlatform = { ...PLATFORM, prometheus: { mode: 'external', url: 'http://kube-prometheus-stack-prometheus.observability.svc:9090' } };
    expect(policy(stack, 'dcgm-exporter').ingress).toEqual([{ ports: [9400], from: [{ namespace: 'observability' }] }]);
    expect(resolveNetworkPolicies({}, stack).policies!.map((p) => p.name)).not.toContain('prometheus');
    expect(policy(stack, 'dcgm-exporter', { prometheusNamespace: 'obs' }).ingress).toEqual([{ ports: [9400], from: [{ namespace: 'obs' }] }]);
  });

  test('namespaceOfServiceUrl', () => {
    expect(namespaceOfServiceUrl('http://prometheus.monitoring.svc:9090')).toBe('monitoring');
    expect(namespaceOfServiceUrl('https://p.obs.svc.cluster.local:9090/prom')).toBe('obs');
    expect(namespaceOfServiceUrl('http://prometheus.example.com:9090')).toBeUndefined();
    expect(namespaceOfServiceUrl('http://10.0.0.1:9090')).toBeUndefined();
  });
});

describe('resolveNetworkPolicies problems (one test per message)', () => {
  test('an existing Prometheus outside the cluster and no namespace given', () => {
    expect(resolveNetworkPolicies({}, { ...PLATFORM, prometheus: { mode: 'external', url: 'https://prom.example.com' } }).problems).toEqual([
      { path: 'prometheusNamespace', message: 'is not given, and the Prometheus URL "https://prom.example.com" names no in-cluster Service (http://<service>.<namespace>.svc:<port>); give the namespace whose pods scrape the metrics ports, or turn networkPolicies off' },
    ]);
  });

  test('prometheusNamespace with the embedded server', () => {
    expect(resolveNetworkPolicies({ prometheusNamespace: 'obs' }, PLATFORM).problems).toEqual([
      { path: 'prometheusNamespace', message: 'is "obs", but the platform runs its own Prometheus (in "monitoring"); leave prometheusNamespace out' },
    ]);
  });

  test('a namespace listed twice', () => {
    expect(resolveNetworkPolicies({ inferenceClientNamespaces: ['gw', 'gw'] }, PLATFORM).problems).toEqual([
      { path: 'inferenceClientNamespaces[1]', message: 'is "gw", already listed at inferenceClientNamespaces[0]; list each namespace once' },
    ]);
  });

  test('a namespace that is no DNS-1123 label', () => {
    expect(resolveNetworkPolicies({ prometheusClientNamespaces: ['Grafana'] }, PLATFORM).problems.map((p) => p.path)).toEqual(['prometheusClientNamespaces[0]']);
  });

  test('not a list', () => {
    expect(resolveNetworkPolicies({ inferenceClientNamespaces: 'gw' as unknown as string[] }, PLATFORM).problems).toEqual([
      { path: 'inferenceClientNamespaces', message: 'is "gw"; expected a list of namespace names' },
    ]);
  });
});
