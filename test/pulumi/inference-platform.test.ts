import { installMocks } from '../support/pulumi-mocks';

const registered = installMocks();

let lib: typeof import('../../lib/pulumi');
beforeAll(async () => { lib = await import('../../lib/pulumi'); });

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 100));
const POOL = { name: 'a10g', instanceType: 'g5.xlarge', minNodes: 0, maxNodes: 4 };
const LLM = { image: 'vllm/vllm-openai:v0.11.0', gpu: { count: 1 }, maxReplicas: 4 };

describe('Pulumi InferencePlatform', () => {
  beforeEach(() => { registered.length = 0; });

  test('installs kube-prometheus-stack with typed values before the platform\'s monitors', async () => {
    new lib.InferencePlatform('platform', {
      gpuNodePools: [POOL],
      services: { llm: { ...LLM, metrics: [lib.ScalingMetric.requestsPerSecond({ targetPerPod: 4 })] } },
      prometheus: lib.PrometheusSource.existingKubePrometheusStack({ url: lib.kubePrometheusStackUrl('kps', 'monitoring'), releaseLabel: 'kps' }),
      installKubePrometheusStack: { values: { grafana: { enabled: false }, prometheus: { prometheusSpec: { retention: '7d' } } } },
    });
    await settle();
    const releases = registered.filter((r) => r.type === 'kubernetes:helm.sh/v3:Release');
    expect(releases).toHaveLength(1);
    const r = releases[0].inputs;
    expect(r).toMatchObject({ name: 'kps', namespace: 'monitoring', createNamespace: true, chart: 'kube-prometheus-stack', repositoryOpts: { repo: 'https://prometheus-community.github.io/helm-charts' } });
    expect(r.version).toMatch(/^\d+\.\d+\.\d+$/);
    // fullnameOverride makes the Service kps-prometheus, which is the URL the adapter reads.
    expect(r.values).toEqual({
      fullnameOverride: 'kps',
      grafana: { enabled: false },
      prometheus: { prometheusSpec: { scrapeInterval: '15s', retention: '7d' } },
    });
    const monitors = registered.filter((x) => x.type.startsWith('kubernetes:monitoring.coreos.com/v1:'));
    expect(monitors.length).toBeGreaterThan(0);
    expect(registered.some((x) => x.type === 'kubernetes:core/v1:Namespace' && x.inputs.metadata.name === 'monitoring')).toBe(false);
  });

  test('installing the stack needs the existing-stack source and its URL', () => {
    expect(() => new lib.InferencePlatform('platform', { installKubePrometheusStack: {} }))
      .toThrow('InferencePlatform "platform": installKubePrometheusStack is set, but prometheus is not PrometheusSource.existingKubePrometheusStack(...); the stack to install is described there');
    expect(() => new lib.InferencePlatform('platform', {
      prometheus: lib.PrometheusSource.existingKubePrometheusStack({ url: 'http://prometheus.monitoring.svc:9090', releaseLabel: 'kps' }),
      installKubePrometheusStack: {},
    })).toThrow('InferencePlatform "platform": prometheus.url is "http://prometheus.monitoring.svc:9090", but the kube-prometheus-stack installed as release "kps" in "monitoring" serves "http://kps-prometheus.monitoring.svc:9090"; use that URL');
  });

  test('two platforms installing the same release name never share a logical name; the old name stays an alias', async () => {
    const stackArgs = (): import('../../lib/pulumi').InferencePlatformArgs => ({
      gpuNodePools: [POOL],
      services: { llm: LLM },
      prometheus: lib.PrometheusSource.existingKubePrometheusStack({ url: lib.kubePrometheusStackUrl('kps', 'monitoring'), releaseLabel: 'kps' }),
      installKubePrometheusStack: {},
    });
    new lib.InferencePlatform('blue', stackArgs());
    new lib.InferencePlatform('green', stackArgs());
    await settle();
    const releases = registered.filter((r) => r.type === 'kubernetes:helm.sh/v3:Release');
    expect(releases.map((r) => [r.name, r.inputs.name])).toEqual([['blue-kube-prometheus-stack', 'kps'], ['green-kube-prometheus-stack', 'kps']]);
    const names = registered.map((r) => `${r.type} ${r.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  test('child names are unambiguous: namespace "a-b" with name "c" and namespace "a" with name "b-c" differ', async () => {
    const { kubernetesObjectName, registerObjects } = await import('../../lib/pulumi/kubernetes-objects');
    const objects = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'a-b' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b-c', namespace: 'a' } },
    ];
    const [one, two] = objects.map((o) => kubernetesObjectName('p', o));
    expect(one).toMatch(/^p-configmap-a-b-c-[0-9a-f]{8}$/);
    expect(two).toMatch(/^p-configmap-a-b-c-[0-9a-f]{8}$/);
    expect(one).not.toBe(two);
    // So do components whose names read alike: platform "a-b" with namespace "c", platform "a" with namespace "b-c".
    const config = (namespace: string): import('../../lib/pulumi').KubernetesObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace } });
    expect(kubernetesObjectName('a-b', config('c'))).not.toBe(kubernetesObjectName('a', config('b-c')));
    registerObjects('p', objects, {});
    await settle();
    expect(registered.map((r) => r.name).sort()).toEqual([one, two].sort());
  });

  test('without the install option no Helm release is registered', async () => {
    new lib.InferencePlatform('platform', { gpuNodePools: [POOL], services: { llm: LLM } });
    await settle();
    expect(registered.some((r) => r.type === 'kubernetes:helm.sh/v3:Release')).toBe(false);
    expect(registered.filter((r) => r.type === 'inferscale:inference:InferencePlatform')).toHaveLength(1);
  });
});
