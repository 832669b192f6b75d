import { installMocks, settle as settleRegistered } from '../support/pulumi-mocks';

const registered = installMocks();

let lib: typeof import('../../lib/pulumi');
beforeAll(async () => { lib = await import('../../lib/pulumi'); });

/** Waits until the mocked engine has registered everything (a fixed delay is too short on a busy machine). */
const settle = (): Promise<void> => settleRegistered(registered);
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

  test('with autoscaler keda, installs the pinned KEDA chart and registers each ScaledObject after it', async () => {
    const platform = new lib.InferencePlatform('platform', {
      autoscaler: 'keda',
      gpuNodePools: [POOL],
      services: { llm: { ...LLM, metrics: [lib.ScalingMetric.queueDepth({ targetPerPod: 4 })] } },
    });
    await settle();
    const releases = registered.filter((r) => r.type === 'kubernetes:helm.sh/v3:Release');
    expect(releases.map((r) => [r.name, r.inputs.name, r.inputs.namespace, r.inputs.chart, r.inputs.version, r.inputs.repositoryOpts.repo, r.inputs.createNamespace]))
      .toEqual([['platform-keda', 'keda', 'keda', 'keda', '2.17.2', 'https://kedacore.github.io/charts', true]]);
    const scaledObjects = registered.filter((r) => r.type === 'kubernetes:keda.sh/v1alpha1:ScaledObject');
    expect(scaledObjects.map((r) => r.inputs.metadata.name)).toEqual(['llm']);
    expect(scaledObjects[0].dependencies).toContain(releases[0].urn);
    expect(registered.filter((r) => r.type === 'kubernetes:autoscaling/v2:HorizontalPodAutoscaler')).toEqual([]);
    expect(platform.keda).toBeDefined();
  });

  test('the cold-start levers register as typed resources, the same objects cdk8s renders', async () => {
    const platform = new lib.InferencePlatform('platform', {
      gpuNodePools: [POOL],
      gpuHeadroom: [{ pool: 'a10g', nodes: 1 }],
      imagePrepull: true,
      services: { llm: { ...LLM, metrics: [lib.ScalingMetric.queueDepth({ targetPerPod: 4 })], scheduledFloors: { floors: [{ from: '08:00', to: '20:00', minReplicas: 3 }] } } },
    });
    await settle();
    const named = (type: string): string[] => registered.filter((r) => r.type === type).map((r) => r.inputs.metadata.name).sort();
    expect(named('kubernetes:scheduling.k8s.io/v1:PriorityClass')).toContain('inferscale-gpu-headroom');
    expect(named('kubernetes:apps/v1:DaemonSet')).toContain('model-image-prepull');
    expect(named('kubernetes:apps/v1:Deployment')).toContain('gpu-headroom-a10g');
    expect(named('kubernetes:batch/v1:CronJob')).toEqual(['llm-floor-0800-3', 'llm-floor-2000-1']);
    const cron = registered.find((r) => r.type === 'kubernetes:batch/v1:CronJob' && r.inputs.metadata.name === 'llm-floor-0800-3')!;
    expect(cron.inputs.spec).toEqual(platform.objects.find((o) => o.kind === 'CronJob' && o.metadata.name === 'llm-floor-0800-3')!.spec);
  });

  test('installKeda: false leaves KEDA to the cluster', async () => {
    new lib.InferencePlatform('platform', { autoscaler: 'keda', installKeda: false, gpuNodePools: [POOL], services: { llm: { ...LLM, metrics: [lib.ScalingMetric.queueDepth({ targetPerPod: 4 })] } } });
    await settle();
    expect(registered.filter((r) => r.type === 'kubernetes:helm.sh/v3:Release')).toEqual([]);
    expect(registered.filter((r) => r.type === 'kubernetes:keda.sh/v1alpha1:ScaledObject')).toHaveLength(1);
  });

  test('a platform on the adapter installs no KEDA', async () => {
    new lib.InferencePlatform('platform', { gpuNodePools: [POOL], services: { llm: { ...LLM, metrics: [lib.ScalingMetric.queueDepth({ targetPerPod: 4 })] } } });
    await settle();
    expect(registered.filter((r) => r.type === 'kubernetes:helm.sh/v3:Release')).toEqual([]);
  });

  test('installing the stack needs the existing-stack source and its URL', () => {
    expect(() => new lib.InferencePlatform('platform', { installKubePrometheusStack: {} }))
      .toThrow('InferencePlatform "platform": installKubePrometheusStack is set, but prometheus is not PrometheusSource.existingKubePrometheusStack(...); the stack to install is described there');
    expect(() => new lib.InferencePlatform('platform', {
      prometheus: lib.PrometheusSource.existingKubePrometheusStack({ url: 'http://prometheus.monitoring.svc:9090', releaseLabel: 'kps' }),
      installKubePrometheusStack: {},
    })).toThrow('InferencePlatform "platform": prometheus.url is "http://prometheus.monitoring.svc:9090", but the kube-prometheus-stack installed as release "kps" in "monitoring" serves "http://kps-prometheus.monitoring.svc:9090"; use that URL');
  });

  test('two platforms installing the same release name never share a logical name', async () => {
    const stackArgs = (): import('../../lib/pulumi').InferencePlatformArgs => ({
      metricsServer: false,
      devicePlugin: false,
      dcgmExporter: false,
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

  test('registers metrics-server by default; its APIService last, depending on its Service and Deployment', async () => {
    const created = new Map<unknown, string>();
    const dependsOn = new Map<string, string[]>();
    new lib.InferencePlatform('platform', { services: { embed: { image: 'ghcr.io/acme/embed:1', maxReplicas: 3, metrics: [lib.ScalingMetric.cpuUtilization(70)] } } }, {
      transformations: [(a) => {
        created.set(a.resource, a.name);
        const deps = a.opts.dependsOn;
        dependsOn.set(a.name, (Array.isArray(deps) ? deps : deps ? [deps] : []).map((d) => created.get(d) ?? '?'));
        return undefined;
      }],
    });
    await settle();
    const names = registered.map((r) => r.name);
    const { kubernetesObjectName } = await import('../../lib/pulumi/kubernetes-objects');
    const nameOf = (kind: string, namespace: string | undefined, name: string): string => kubernetesObjectName('platform', { apiVersion: 'v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) } });
    const apiService = nameOf('APIService', undefined, 'v1beta1.metrics.k8s.io');
    const service = nameOf('Service', 'kube-system', 'metrics-server');
    const deployment = nameOf('Deployment', 'kube-system', 'metrics-server');
    expect(registered.find((r) => r.name === apiService)?.type).toBe('kubernetes:apiregistration.k8s.io/v1:APIService');
    expect(registered.find((r) => r.name === deployment)?.inputs.spec.replicas).toBe(2);
    expect(dependsOn.get(apiService)).toEqual([service, deployment]);
    expect(names.indexOf(apiService)).toBeGreaterThan(Math.max(names.indexOf(service), names.indexOf(deployment)));
    // The adapter's APIService waits for its own Service and Deployment the same way.
    expect(dependsOn.get(nameOf('APIService', undefined, 'v1beta1.custom.metrics.k8s.io'))).toEqual([nameOf('Service', 'monitoring', 'prometheus-adapter'), nameOf('Deployment', 'monitoring', 'prometheus-adapter')]);
  });

  test('metricsServer: false registers none of it', async () => {
    new lib.InferencePlatform('platform', { metricsServer: false, services: { embed: { image: 'ghcr.io/acme/embed:1', maxReplicas: 3, metrics: [lib.ScalingMetric.cpuUtilization(70)] } } });
    await settle();
    expect(registered.filter((r) => /metrics-server|v1beta1\.metrics\.k8s\.io|aggregated-metrics-reader/.test(r.inputs.metadata?.name ?? '')).map((r) => r.name)).toEqual([]);
    expect(registered.some((r) => r.type === 'kubernetes:apiregistration.k8s.io/v1:APIService')).toBe(true);
  });
});
