import { App } from 'cdk8s';
import { AIInferencePlatform, ModelCache, PrometheusSource, PrometheusStorage, ScalingMetric } from '../../lib/cdk8s';
import { platformErrorOf, renderPlatform } from '../support/platform';
import { find, K8sObject } from '../support/synth';

const LLM = {
  image: 'vllm/vllm-openai:v0.11.0',
  gpu: { count: 1 },
  maxReplicas: 4,
  metrics: [ScalingMetric.requestsPerSecond({ targetPerPod: 4 }), ScalingMetric.gpuUtilization({ targetPercent: 70 })],
};
const POOL = { name: 'a10g', instanceType: 'g5.xlarge', minNodes: 0, maxNodes: 4 };

const render = renderPlatform;
const errorOf = platformErrorOf;

const adapterConfig = (objects: K8sObject[]): string => find(objects, 'ConfigMap', 'prometheus-adapter-config').data['config.yaml'];

describe('AIInferencePlatform', () => {
  test('composes namespaces, device plugin, DCGM exporter, Prometheus, adapter and services', () => {
    const { objects } = render({ gpuNodePools: [POOL], services: { llm: LLM } });
    const kinds = (kind: string): string[] => objects.filter((o) => o.kind === kind).map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();
    expect(kinds('Namespace')).toEqual(['/gpu-system', '/inference', '/monitoring']);
    expect(kinds('DaemonSet')).toEqual(['gpu-system/dcgm-exporter', 'gpu-system/nvidia-device-plugin']);
    expect(kinds('Deployment')).toEqual(['inference/llm', 'kube-system/metrics-server', 'monitoring/kube-state-metrics', 'monitoring/prometheus', 'monitoring/prometheus-adapter']);
    expect(kinds('APIService')).toEqual(['/v1beta1.custom.metrics.k8s.io', '/v1beta1.metrics.k8s.io']);
  });

  test('namespaces carry Pod Security labels, and the privileged one says why', () => {
    const { objects } = render({ gpuNodePools: [POOL], services: { llm: LLM } });
    const level = (name: string): string => find(objects, 'Namespace', name).metadata.labels['pod-security.kubernetes.io/enforce'];
    expect([level('inference'), level('monitoring'), level('gpu-system')]).toEqual(['restricted', 'restricted', 'privileged']);
    expect(find(objects, 'Namespace', 'gpu-system').metadata.annotations['inferscale.io/pod-security-reason']).toMatch(/device-plugins.*pod-resources/);
  });

  test('every namespace warns and audits at its enforced level, each mode pinned to one version', () => {
    const { objects } = render({ gpuNodePools: [POOL], services: { llm: LLM } });
    for (const [name, level] of [['inference', 'restricted'], ['monitoring', 'restricted'], ['gpu-system', 'privileged']]) {
      expect(find(objects, 'Namespace', name).metadata.labels).toEqual({
        'pod-security.kubernetes.io/audit': level,
        'pod-security.kubernetes.io/audit-version': 'v1.33',
        'pod-security.kubernetes.io/enforce': level,
        'pod-security.kubernetes.io/enforce-version': 'v1.33',
        'pod-security.kubernetes.io/warn': level,
        'pod-security.kubernetes.io/warn-version': 'v1.33',
      });
    }
  });

  test('the DCGM exporter gets no SYS_ADMIN unless a service reads a profiling field', () => {
    const exporter = (objects: K8sObject[]): K8sObject => find(objects, 'DaemonSet', 'dcgm-exporter').spec.template.spec.containers[0];
    const csv = (objects: K8sObject[]): string => find(objects, 'ConfigMap', 'dcgm-exporter-metrics').data['counters.csv'];
    const plain = render({ gpuNodePools: [POOL], services: { llm: LLM } }).objects;
    expect(exporter(plain).securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(csv(plain)).not.toContain('DCGM_FI_PROF_');

    const mig = render({ gpuNodePools: [POOL], services: { llm: { ...LLM, metrics: [ScalingMetric.gpuUtilization({ targetPercent: 70, source: 'engineActive' })] } } }).objects;
    expect(exporter(mig).securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['SYS_ADMIN'] });
    expect(csv(mig).split('\n').filter((l) => l.startsWith('DCGM_FI_PROF_'))).toEqual(['DCGM_FI_PROF_GR_ENGINE_ACTIVE, gauge, Ratio of time the graphics engine is active.']);
  });

  test('NetworkPolicies by default: one per part, the metrics ports answering Prometheus only', () => {
    const { objects } = render({ gpuNodePools: [POOL], services: { llm: LLM } });
    expect(objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'gpu-system/dcgm-exporter', 'inference/llm', 'kube-system/metrics-server', 'monitoring/kube-state-metrics', 'monitoring/prometheus', 'monitoring/prometheus-adapter',
    ]);
    const prometheus = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'prometheus', 'app.kubernetes.io/name': 'prometheus' } },
    };
    expect(find(objects, 'NetworkPolicy', 'dcgm-exporter').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'dcgm-exporter', 'app.kubernetes.io/name': 'dcgm-exporter' } },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ protocol: 'TCP', port: 9400 }], from: [prometheus] }],
    });
    expect(find(objects, 'NetworkPolicy', 'llm').spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 8000 }], from: [{ podSelector: {} }, prometheus] }]);
    expect(find(objects, 'NetworkPolicy', 'prometheus').spec.ingress).toEqual([{
      ports: [{ protocol: 'TCP', port: 9090 }],
      from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'prometheus-adapter', 'app.kubernetes.io/name': 'prometheus-adapter' } } }],
    }]);
    // The API server calls the adapter through the aggregation layer, from outside the pod network on EKS.
    expect(find(objects, 'NetworkPolicy', 'prometheus-adapter').spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 6443 }] }]);
    expect(find(objects, 'NetworkPolicy', 'metrics-server').spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 10250 }] }]);
  });

  test('NetworkPolicies admit the client namespaces the user names, and are left out with networkPolicies: false', () => {
    const named = render({ gpuNodePools: [POOL], services: { llm: LLM }, networkPolicies: { inferenceClientNamespaces: ['ingress-nginx'], prometheusClientNamespaces: ['grafana'] } }).objects;
    expect(find(named, 'NetworkPolicy', 'llm').spec.ingress[0].from).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } });
    expect(find(named, 'NetworkPolicy', 'prometheus').spec.ingress[0].from).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'grafana' } } });
    const off = render({ gpuNodePools: [POOL], services: { llm: LLM }, networkPolicies: false });
    expect(off.objects.filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
    expect(off.platform.networkPolicies).toBeUndefined();
  });

  test('with an existing kube-prometheus-stack, metrics ports answer the stack\'s namespace', () => {
    const { objects } = render({
      gpuNodePools: [POOL],
      services: { llm: LLM },
      prometheus: PrometheusSource.existingKubePrometheusStack({ url: 'http://kps-prometheus.observability.svc:9090', releaseLabel: 'kps' }),
    });
    expect(find(objects, 'NetworkPolicy', 'dcgm-exporter').spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }]);
    expect(objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'prometheus')).toEqual([]);
  });

  test('a NetworkPolicy mistake is reported at the path the user wrote', () => {
    expect(() => render({ gpuNodePools: [POOL], services: { llm: LLM }, networkPolicies: { inferenceClientNamespaces: ['gw', 'gw'] } }))
      .toThrow(/^AIInferencePlatform "platform": networkPolicies.inferenceClientNamespaces\[1\] is "gw", already listed at inferenceClientNamespaces\[0\]; list each namespace once$/);
  });

  test('services default to the inference namespace', () => {
    const { objects } = render({ namespaces: { inference: 'serving' }, gpuNodePools: [POOL], services: { llm: LLM } });
    expect(find(objects, 'HorizontalPodAutoscaler', 'llm').metadata.namespace).toBe('serving');
  });

  test('the adapter serves every metric of every service from rules generated from the catalogue', () => {
    const { objects } = render({ gpuNodePools: [POOL], services: { llm: LLM } });
    const config = adapterConfig(objects);
    expect(config).toContain('as: ai_inference_requests_per_second');
    expect(config).toContain('as: ai_inference_gpu_utilization_percent');
    expect(config).toContain('sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)');
  });

  test('the external metrics APIService appears only when a service uses an External metric', () => {
    const { objects } = render({
      gpuNodePools: [POOL],
      services: { llm: { ...LLM, metrics: [...LLM.metrics, ScalingMetric.externalQueue({ series: 'kafka_consumergroup_lag', selector: { consumergroup: 'llm' }, targetPerReplica: 100 })] } },
    });
    expect(objects.filter((o) => o.kind === 'APIService').map((o) => o.metadata.name).sort()).toEqual(['v1beta1.custom.metrics.k8s.io', 'v1beta1.external.metrics.k8s.io', 'v1beta1.metrics.k8s.io']);
  });

  test('the DCGM exporter is scraped with honor_labels so GPU series keep the workload pod', () => {
    const { objects } = render({ gpuNodePools: [POOL], services: { llm: LLM } });
    const config = find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml'];
    expect(config).toMatch(/job_name: inferscale-dcgm-exporter\n\s+honor_labels: true/);
  });

  test('with an existing kube-prometheus-stack: no server, no monitoring namespace, monitors with the release label', () => {
    const { objects, platform } = render({
      gpuNodePools: [POOL],
      services: { llm: LLM },
      prometheus: PrometheusSource.existingKubePrometheusStack({ url: 'http://kps-prometheus.monitoring.svc:9090', releaseLabel: 'kps' }),
    });
    expect(objects.some((o) => o.kind === 'Namespace' && o.metadata.name === 'monitoring')).toBe(false);
    expect(objects.some((o) => o.kind === 'Deployment' && o.metadata.name === 'prometheus')).toBe(false);
    const monitors = objects.filter((o) => o.apiVersion === 'monitoring.coreos.com/v1');
    expect(monitors.length).toBeGreaterThan(0);
    for (const m of monitors) expect(m.metadata.labels.release).toBe('kps');
    expect(platform.adapter!.args).toContain('--prometheus-url=http://kps-prometheus.monitoring.svc:9090');
  });

  test('Bottlerocket pools ship the device plugin, so the platform leaves it out', () => {
    const { objects, platform } = render({ gpuNodePools: [{ ...POOL, ami: 'BOTTLEROCKET_x86_64_NVIDIA' }], services: { llm: LLM } });
    expect(platform.devicePlugin).toBeUndefined();
    expect(objects.some((o) => o.metadata.name === 'nvidia-device-plugin')).toBe(false);
  });

  test('a CPU-only platform has no GPU system namespace or daemons', () => {
    const { objects } = render({ services: { embed: { image: 'ghcr.io/acme/embed:1', maxReplicas: 3 } } });
    expect(objects.some((o) => o.kind === 'DaemonSet')).toBe(false);
    expect(objects.some((o) => o.kind === 'Namespace' && o.metadata.name === 'gpu-system')).toBe(false);
  });

  test('wiring problems throw before output, naming the platform, the service and the field', () => {
    expect(() => new AIInferencePlatform(new App(), 'platform', { gpuNodePools: [POOL], dcgmExporter: false, services: { llm: { ...LLM, maxReplicas: 9 } } }))
      .toThrow(/^AIInferencePlatform "platform": services\.llm\.metrics\[1\] \(gpuUtilization\) needs the DCGM exporter[^\n]*\nAIInferencePlatform "platform": services\.llm\.maxReplicas is 9/);
  });

  test('invalid pools are reported with their index', () => {
    expect(() => new AIInferencePlatform(new App(), 'platform', { gpuNodePools: [{ ...POOL, instanceType: 'm5.large' }] }))
      .toThrow(/AIInferencePlatform "platform": gpuNodePools\[0\]\.instanceType/);
  });

  test('two pools with one name are refused', () => {
    expect(() => new AIInferencePlatform(new App(), 'platform', { gpuNodePools: [POOL, POOL] }))
      .toThrow('AIInferencePlatform "platform": gpuNodePools[1].name is "a10g", already used by gpuNodePools[0].name; give each pool its own name');
  });

  test('a bad namespace name is refused', () => {
    expect(() => new AIInferencePlatform(new App(), 'platform', { namespaces: { monitoring: 'Monitoring' } }))
      .toThrow(/AIInferencePlatform "platform": namespaces\.monitoring is "Monitoring"; expected a DNS-1123 label/);
  });

  test('metrics-server is deployed by default, serving metrics.k8s.io for the CPU and memory metrics', () => {
    const { objects, platform } = render({ services: { embed: { image: 'ghcr.io/acme/embed:1', maxReplicas: 3, metrics: [ScalingMetric.cpuUtilization(70)] } } });
    expect(platform.resourceMetricsProvider).toBe('metricsServer');
    expect(platform.metricsServer?.spec.namespace).toBe('kube-system');
    expect(find(objects, 'APIService', 'v1beta1.metrics.k8s.io').spec.service).toEqual({ name: 'metrics-server', namespace: 'kube-system', port: 443 });
    expect(find(objects, 'Deployment', 'metrics-server').spec.replicas).toBe(2);
    // kube-system exists in every cluster: the platform neither creates nor relabels it.
    expect(objects.some((o) => o.kind === 'Namespace' && o.metadata.name === 'kube-system')).toBe(false);
  });

  test('metricsServer: false leaves every metrics-server object out, trusting the cluster\'s own provider', () => {
    const { objects, platform } = render({ metricsServer: false, services: { embed: { image: 'ghcr.io/acme/embed:1', maxReplicas: 3, metrics: [ScalingMetric.cpuUtilization(70)] } } });
    expect(platform.metricsServer).toBeUndefined();
    expect(platform.resourceMetricsProvider).toBe('cluster');
    const left = objects.filter((o) => o.metadata.name === 'v1beta1.metrics.k8s.io' || /metrics-server|aggregated-metrics-reader/.test(o.metadata.name));
    expect(left.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    // Only the adapter's authentication-reader binding remains in kube-system.
    expect(objects.filter((o) => o.metadata.namespace === 'kube-system').map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['RoleBinding/monitoring-prometheus-adapter-auth-reader']);
  });

  test('metrics-server options pass through; a namespace of its own is created, restricted', () => {
    const { objects } = render({ metricsServer: { namespace: 'metrics', replicas: 3 }, services: { embed: { image: 'ghcr.io/acme/embed:1', maxReplicas: 3 } } });
    expect(find(objects, 'Deployment', 'metrics-server').metadata.namespace).toBe('metrics');
    expect(find(objects, 'Deployment', 'metrics-server').spec.replicas).toBe(3);
    expect(find(objects, 'Namespace', 'metrics').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('a Resource metric with no metrics.k8s.io provider is refused, saying how to fix it', () => {
    expect(() => new AIInferencePlatform(new App(), 'platform', {
      metricsServer: false,
      resourceMetricsProvider: 'none',
      services: { embed: { image: 'ghcr.io/acme/embed:1', maxReplicas: 3, metrics: [ScalingMetric.requestsPerSecond({ targetPerPod: 5 }), ScalingMetric.cpuUtilization(70)] } },
    })).toThrow(new Error('AIInferencePlatform "platform": services.embed.metrics[1] (cpuUtilization) is a Resource metric read from the resource metrics API (metrics.k8s.io), but the platform has no provider of it (metricsServer is false and resourceMetricsProvider is "none"): the HPA could never read this metric, and one metric it cannot read blocks every scale-down. Remove metricsServer: false to deploy metrics-server, set resourceMetricsProvider: "cluster" if the cluster serves metrics.k8s.io (GKE, AKS, the EKS metrics-server add-on), or remove the metric'));
  });

  test('with no provider, services without Resource metrics are fine', () => {
    const { platform } = render({ metricsServer: false, resourceMetricsProvider: 'none', services: { embed: { image: 'ghcr.io/acme/embed:1', maxReplicas: 3, metrics: [ScalingMetric.requestsPerSecond({ targetPerPod: 5 })] } } });
    expect(platform.resourceMetricsProvider).toBe('none');
  });

  test('resourceMetricsProvider next to a deployed metrics-server is refused: never two providers of one APIService', () => {
    expect(() => new AIInferencePlatform(new App(), 'platform', { resourceMetricsProvider: 'cluster' }))
      .toThrow(new Error('AIInferencePlatform "platform": resourceMetricsProvider is "cluster", but metricsServer is not false, so the platform deploys metrics-server and serves metrics.k8s.io itself; two providers cannot share APIService v1beta1.metrics.k8s.io. Set metricsServer: false, or remove resourceMetricsProvider'));
  });

  test('an unknown resourceMetricsProvider is refused', () => {
    expect(() => new AIInferencePlatform(new App(), 'platform', { metricsServer: false, resourceMetricsProvider: 'gke' as 'cluster' }))
      .toThrow(new Error('AIInferencePlatform "platform": resourceMetricsProvider is "gke"; expected "cluster" (the cluster serves metrics.k8s.io) or "none"'));
  });

  test('a bad inference namespace is reported once, where the user wrote it', () => {
    expect(errorOf({ namespaces: { inference: 'Serving' }, services: { embed: { image: 'ghcr.io/acme/embed:1', maxReplicas: 2 } } }).problems.map((p) => p.path)).toEqual(['namespaces.inference']);
  });

  test('a whole-GPU pool and a time-sliced pool: one device plugin DaemonSet per setting, each service on its own pool', () => {
    const { objects, platform } = render({
      gpuNodePools: [POOL, { name: 'l4-shared', instanceType: 'g6.xlarge', minNodes: 0, maxNodes: 2, timeSlicing: { replicas: 4 } }],
      services: {
        llm: LLM,
        small: { image: 'vllm/vllm-openai:v0.11.0', gpu: { count: 1, resourceName: 'nvidia.com/gpu.shared' }, maxReplicas: 8, resources: { cpu: { request: '800m' }, memory: { request: '3Gi' } } },
      },
    });
    const pools = (name: string): unknown => find(objects, 'DaemonSet', name).spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(pools('nvidia-device-plugin')).toEqual([{ matchExpressions: [{ key: 'inferscale.io/gpu-pool', operator: 'In', values: ['a10g'] }] }]);
    expect(pools('nvidia-device-plugin-timeslice-4')).toEqual([{ matchExpressions: [{ key: 'inferscale.io/gpu-pool', operator: 'In', values: ['l4-shared'] }] }]);
    expect(platform.devicePlugin!.resourceNames).toEqual(['nvidia.com/gpu', 'nvidia.com/gpu.shared']);
  });

  test('every problem of every part at once, at the paths the user wrote', () => {
    const error = errorOf({
      gpuNodePools: [POOL],
      devicePlugin: { image: 'nvcr.io/NVIDIA/k8s-device-plugin:v0.20.0' },
      prometheus: PrometheusSource.embedded({ discoveryNamespaces: ['Inference'] }),
      adapter: { replicas: 1 },
      services: {
        llm: { ...LLM, maxReplicas: 2 ** 31 },
        embed: { image: 'ghcr.io/Acme/embed:1', maxReplicas: 3 },
      },
    });
    expect(error.problems.map((p) => p.path)).toEqual([
      'devicePlugin.image',
      'services.llm.maxReplicas',
      'services.embed.image',
      'prometheus.discoveryNamespaces[0]',
      'adapter.replicas',
    ]);
    expect(error.message.split('\n').every((line) => line.startsWith('AIInferencePlatform "platform": '))).toBe(true);
  });

  test('a service named __proto__ is an invalid name, not a broken construct tree', () => {
    expect(() => new AIInferencePlatform(new App(), 'platform', { services: JSON.parse('{"__proto__": {"image": "ghcr.io/acme/embed:1", "maxReplicas": 2}}') }))
      .toThrow('AIInferencePlatform "platform": services.__proto__.name is "__proto__"; expected a DNS-1123 label: 1-63 lowercase letters, digits or \'-\', starting and ending with a letter or digit');
  });

  test('a service named constructor synthesizes like any other', () => {
    const { objects, platform } = render({ services: JSON.parse('{"constructor": {"image": "ghcr.io/acme/embed:1", "maxReplicas": 2}}') });
    expect(find(objects, 'Deployment', 'constructor').metadata.namespace).toBe('inference');
    expect(Object.keys(platform.services)).toEqual(['constructor']);
  });

  test('the monitoring namespace may not be the GPU system namespace', () => {
    expect(() => new AIInferencePlatform(new App(), 'platform', { gpuNodePools: [POOL], namespaces: { monitoring: 'gpu-system' } }))
      .toThrow('AIInferencePlatform "platform": namespaces.monitoring is "gpu-system", the same as namespaces.gpuSystem; the platform creates each with its own Pod Security level (gpuSystem privileged, monitoring restricted). Give each its own namespace');
  });

  test('a service outside Prometheus\' discovery namespaces is refused, naming both', () => {
    expect(() => new AIInferencePlatform(new App(), 'platform', {
      gpuNodePools: [POOL],
      prometheus: PrometheusSource.embedded({ discoveryNamespaces: ['serving'] }),
      services: { llm: LLM },
    })).toThrow('AIInferencePlatform "platform": services.llm.namespace is "inference", where Prometheus does not discover pods (prometheus.discoveryNamespaces: "serving"), so requestsPerSecond would show <unknown> in the HPA forever. Add the namespace to prometheus.discoveryNamespaces, or move the service');
  });

  test('synthesizing twice gives identical output', () => {
    const a = render({ gpuNodePools: [POOL], services: { llm: LLM } }).objects;
    const b = render({ gpuNodePools: [POOL], services: { llm: LLM } }).objects;
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  test('ebsStorageClass renders an encrypted gp3 class binding where the pod lands, and Prometheus stores on it', () => {
    const { objects, platform } = render({ gpuNodePools: [POOL], services: { llm: LLM }, ebsStorageClass: {} });
    const sc = find(objects, 'StorageClass', 'gp3');
    expect(sc).toEqual({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'gp3', labels: { 'app.kubernetes.io/managed-by': 'inferscale' } },
      provisioner: 'ebs.csi.aws.com',
      parameters: { encrypted: 'true', type: 'gp3' },
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Delete',
      allowVolumeExpansion: true,
    });
    expect(find(objects, 'PersistentVolumeClaim', 'prometheus-data').spec.storageClassName).toBe('gp3');
    expect(platform.prometheus.storage).toEqual({ kind: 'persistent', storageClassName: 'gp3', size: '50Gi', retentionSize: '40960MB' });
  });

  test('ebsStorageClass as the default class, and a Prometheus that chose its own storage keeps it', () => {
    const { objects } = render({ ebsStorageClass: { name: 'ebs-gp3', defaultClass: true }, prometheus: PrometheusSource.embedded({ storage: PrometheusStorage.ephemeral() }) });
    expect(find(objects, 'StorageClass', 'ebs-gp3').metadata.annotations).toEqual({ 'storageclass.kubernetes.io/is-default-class': 'true' });
    expect(objects.filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
  });

  test('without ebsStorageClass or a storage choice, Prometheus keeps its TSDB on an emptyDir: nothing to bind', () => {
    const { objects } = render({ gpuNodePools: [POOL], services: { llm: LLM } });
    expect(objects.filter((o) => o.kind === 'PersistentVolumeClaim' || o.kind === 'StorageClass')).toEqual([]);
    expect(find(objects, 'Deployment', 'prometheus').spec.template.spec.volumes).toContainEqual({ name: 'data', emptyDir: { sizeLimit: '10Gi' } });
  });

  test('a bad StorageClass name is refused', () => {
    expect(() => new AIInferencePlatform(new App(), 'platform', { ebsStorageClass: { name: 'GP3' } }))
      .toThrow('AIInferencePlatform "platform": ebsStorageClass.name is "GP3"; expected a StorageClass name (a DNS-1123 subdomain) such as "gp3"');
  });

  test('an emptyDir model cache that does not fit the GPU nodes\' disk is refused', () => {
    expect(() => new AIInferencePlatform(new App(), 'platform', { gpuNodePools: [{ ...POOL, diskSizeGiB: 100 }], services: { llm: { ...LLM, modelCache: ModelCache.emptyDir({ sizeLimit: '90Gi' }) } } }))
      .toThrow('AIInferencePlatform "platform": services.llm.modelCache.sizeLimit needs 92Gi of ephemeral-storage (the model cache (90Gi) and 2Gi of scratch), but the largest disk of the GPU nodes it selects is 100 GiB (pool a10g), of which the kubelet lets pods fill 88 GiB, shared with images and logs: the pod would stay Pending. Raise the pool\'s diskSizeGiB, give a smaller sizeLimit, or use ModelCache.persistentVolumeClaim');
    // At the bound it fits (86Gi + 2Gi of scratch = 88 GiB); the same cache on a larger disk fits.
    expect(render({ gpuNodePools: [{ ...POOL, diskSizeGiB: 100 }], services: { llm: { ...LLM, modelCache: ModelCache.emptyDir({ sizeLimit: '86Gi' }) } } }).objects).toBeDefined();
    expect(() => render({ gpuNodePools: [{ ...POOL, diskSizeGiB: 100 }], services: { llm: { ...LLM, modelCache: ModelCache.emptyDir({ sizeLimit: '87Gi' }) } } })).toThrow('lets pods fill 88 GiB');
    expect(render({ gpuNodePools: [{ ...POOL, diskSizeGiB: 200 }], services: { llm: { ...LLM, modelCache: ModelCache.emptyDir({ sizeLimit: '90Gi' }) } } }).objects).toBeDefined();
  });

  test('a hostPath model cache in the restricted inference namespace is refused', () => {
    expect(() => new AIInferencePlatform(new App(), 'platform', { gpuNodePools: [POOL], services: { llm: { ...LLM, modelCache: ModelCache.hostPath({ path: '/mnt/models' }) } } }))
      .toThrow('AIInferencePlatform "platform": services.llm.modelCache is a hostPath ("/mnt/models"), which Pod Security "restricted" on namespace "inference" forbids: the pods would be refused. Use ModelCache.persistentVolumeClaim with a local or shared PersistentVolume, or ModelCache.emptyDir');
  });
});
