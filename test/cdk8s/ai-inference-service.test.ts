import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AIInferenceService, AIInferenceServiceProps, InferscaleValidationError, ModelCache, ScalingBehavior, ScalingMetric } from '../../lib/cdk8s';
import { checkRestrictedPodSecurity, expectValidManifests } from '../support/manifests';
import { find, newChart, synth, K8sObject } from '../support/synth';

const LLM: AIInferenceServiceProps = {
  image: 'vllm/vllm-openai:v0.11.0',
  gpu: { count: 2 },
  model: { name: 'Qwen/Qwen2.5-7B-Instruct', loadTimeSeconds: 240 },
  maxReplicas: 6,
  metrics: [
    ScalingMetric.requestsPerSecond({ targetPerPod: 4 }),
    ScalingMetric.gpuUtilization({ targetPercent: 75 }),
    ScalingMetric.latency({ quantile: 0.95, targetSeconds: 0.5 }),
    ScalingMetric.cpuUtilization(80),
  ],
};

function render(props: AIInferenceServiceProps = LLM, id = 'llm'): { objects: K8sObject[]; svc: AIInferenceService; chart: Chart } {
  const chart = newChart();
  const svc = new AIInferenceService(chart, id, props);
  const objects = synth(chart);
  // The claim the model cache tests name exists in the cluster.
  expectValidManifests(objects, { externalRefs: ['PersistentVolumeClaim/*/models'] });
  return { objects, svc, chart };
}

describe('AIInferenceService', () => {
  test('renders exactly a ServiceAccount, Deployment, Service, PodDisruptionBudget and HPA, all named after the service', () => {
    const { objects } = render();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Deployment/llm', 'HorizontalPodAutoscaler/llm', 'PodDisruptionBudget/llm', 'Service/llm', 'ServiceAccount/llm',
    ]);
  });

  test('the Deployment has no replicas field: the HPA owns the count', () => {
    const { objects } = render();
    expect(find(objects, 'Deployment', 'llm').spec).not.toHaveProperty('replicas');
  });

  test('GPU pods request whole GPUs as a limit, tolerate the GPU taint and require GPU nodes', () => {
    const { objects } = render({ ...LLM, gpu: { count: 2, product: 'NVIDIA-A10G' } });
    const pod = find(objects, 'Deployment', 'llm').spec.template.spec;
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe('2');
    expect(pod.containers[0].resources.requests).not.toHaveProperty('nvidia.com/gpu');
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([
      { key: 'nvidia.com/gpu.present', operator: 'In', values: ['true'] },
      { key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-A10G'] },
    ]);
  });

  test('time-sliced GPUs use the shared resource name', () => {
    const { objects } = render({ ...LLM, gpu: { count: 1, resourceName: 'nvidia.com/gpu.shared' } });
    const limits = find(objects, 'Deployment', 'llm').spec.template.spec.containers[0].resources.limits;
    expect(limits['nvidia.com/gpu.shared']).toBe('1');
    expect(limits).not.toHaveProperty('nvidia.com/gpu');
  });

  test('a CPU-only service has no GPU resources, toleration, affinity or /dev/shm volume', () => {
    const { objects } = render({ image: 'ghcr.io/acme/embed:1.0', maxReplicas: 4 }, 'embed');
    const pod = find(objects, 'Deployment', 'embed').spec.template.spec;
    expect(Object.keys(pod.containers[0].resources.limits)).toEqual(['memory']);
    expect(pod.tolerations).toBeUndefined();
    expect(pod.affinity).toBeUndefined();
    expect(pod.volumes.map((v: { name: string }) => v.name)).toEqual(['tmp', 'home', 'model-cache']);
  });

  test('the startup probe allows 1.5 x the model load time before the kubelet restarts the container', () => {
    const { objects } = render();
    const c = find(objects, 'Deployment', 'llm').spec.template.spec.containers[0];
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(1.5 * 240);
    expect(c.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(c.readinessProbe.httpGet.path).toBe('/health');
    expect(c.livenessProbe.httpGet.path).toBe('/health');
  });

  test('a rollout reports failure only after a surge pod had time for a new GPU node, the image pull and the model load', () => {
    const deadline = (props: AIInferenceServiceProps, id: string): number => find(render(props, id).objects, 'Deployment', id).spec.progressDeadlineSeconds;
    // 36 × 10 s of startup probe (1.5 × 240 s), 180 s for a node, 60 s to pull, 120 s to spare.
    expect(deadline(LLM, 'llm')).toBe(360 + 180 + 60 + 120);
    // A 20-minute load: the probe allows 1,800 s.
    expect(deadline({ ...LLM, model: { loadTimeSeconds: 1200 } }, 'big')).toBe(1800 + 180 + 60 + 120);
    // A CPU service waits for no GPU node; never below the API's 600 s.
    expect(deadline({ image: 'ghcr.io/acme/embed:1.0', maxReplicas: 4, model: { loadTimeSeconds: 30 } }, 'embed')).toBe(600);
  });

  test('a rollout surges one replica at a time by default; `replace` frees a GPU first and needs no new node', () => {
    const spec = (props: AIInferenceServiceProps): Record<string, any> => find(render(props).objects, 'Deployment', 'llm').spec;
    expect(spec(LLM).strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const replace = spec({ ...LLM, rollout: 'replace' });
    expect(replace.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    // 360 s of startup probe and 120 s to spare, raised to the API's 600 s.
    expect(replace.progressDeadlineSeconds).toBe(600);
    expect(() => render({ ...LLM, rollout: 'recreate' as never })).toThrow('rollout is "recreate"; expected "surge" or "replace"');
  });

  test('graceful shutdown: preStop sleep action and a grace period covering sleep plus drain', () => {
    const { objects } = render({ ...LLM, shutdown: { preStopSleepSeconds: 15, drainSeconds: 120 } });
    const pod = find(objects, 'Deployment', 'llm').spec.template.spec;
    expect(pod.containers[0].lifecycle).toEqual({ preStop: { sleep: { seconds: 15 } } });
    expect(pod.terminationGracePeriodSeconds).toBe(135);
  });

  test('preStopSleepSeconds 0 leaves the hook out', () => {
    const { objects } = render({ ...LLM, shutdown: { preStopSleepSeconds: 0 } });
    expect(find(objects, 'Deployment', 'llm').spec.template.spec.containers[0].lifecycle).toBeUndefined();
  });

  test('pods pass Pod Security "restricted" and mount no service account token', () => {
    const { objects } = render();
    const pod = find(objects, 'Deployment', 'llm').spec.template.spec;
    expect(checkRestrictedPodSecurity(pod, 'spec.template.spec')).toEqual([]);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('llm');
    expect(find(objects, 'ServiceAccount', 'llm').automountServiceAccountToken).toBe(false);
  });

  test('replicas spread across zones and nodes without blocking scheduling', () => {
    const { objects } = render();
    const constraints = find(objects, 'Deployment', 'llm').spec.template.spec.topologySpreadConstraints;
    expect(constraints.map((c: K8sObject) => [c.topologyKey, c.whenUnsatisfiable])).toEqual([
      ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
      ['kubernetes.io/hostname', 'ScheduleAnyway'],
    ]);
    expect(constraints[0].labelSelector.matchLabels).toEqual({ 'inferscale.io/service': 'llm' });
  });

  test('the metrics port is annotated for scraping and served by the Service when separate', () => {
    const { objects } = render({ ...LLM, port: 8080, metricsPort: 9000, metricsPath: '/prom' });
    const template = find(objects, 'Deployment', 'llm').spec.template;
    expect(template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9000', 'prometheus.io/path': '/prom' });
    expect(template.spec.containers[0].ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9000, protocol: 'TCP' },
    ]);
    expect(find(objects, 'Service', 'llm').spec.ports.map((p: K8sObject) => p.name)).toEqual(['http', 'metrics']);
  });

  test('the HPA targets the Deployment with every metric in order and the explicit behavior', () => {
    const { objects, svc } = render();
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'llm');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'llm' });
    expect(hpa.spec.minReplicas).toBe(1);
    expect(hpa.spec.maxReplicas).toBe(6);
    expect(hpa.spec.metrics.map((m: K8sObject) => m.type)).toEqual(['Pods', 'Pods', 'Pods', 'Resource']);
    expect(hpa.spec.metrics[0].pods).toEqual({ metric: { name: 'ai_inference_requests_per_second' }, target: { type: 'AverageValue', averageValue: '4' } });
    expect(hpa.spec.metrics[2].pods.target.averageValue).toBe('500m');
    expect(hpa.spec.behavior).toEqual(svc.spec.behavior);
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(240);
  });

  test('the behavior is always explicit, even when left to the default preset', () => {
    const { objects } = render({ image: 'ghcr.io/acme/embed:1.0', maxReplicas: 3 }, 'embed');
    const behavior = find(objects, 'HorizontalPodAutoscaler', 'embed').spec.behavior;
    expect(behavior).toEqual(ScalingBehavior.burst().resolve(300));
  });

  test('the PodDisruptionBudget lets at most one pod go and lets drains evict unhealthy pods', () => {
    const { objects } = render();
    const pdb = find(objects, 'PodDisruptionBudget', 'llm');
    expect(pdb.spec).toEqual({ selector: { matchLabels: { 'inferscale.io/service': 'llm' } }, maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  });

  test('disruptionBudget false leaves the PodDisruptionBudget out', () => {
    const { objects, svc } = render({ ...LLM, disruptionBudget: false });
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
    expect(svc.podDisruptionBudget).toBeUndefined();
  });

  test('a namespace prop puts every object in that namespace', () => {
    const { objects } = render({ ...LLM, namespace: 'serving' });
    expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set(['serving']));
  });

  test('the underlying objects are exposed for escape hatches', () => {
    const chart = newChart();
    const svc = new AIInferenceService(chart, 'llm', LLM);
    svc.deployment.metadata.addAnnotation('team', 'ml-platform');
    const objects = synth(chart);
    expect(find(objects, 'Deployment', 'llm').metadata.annotations).toEqual({ team: 'ml-platform' });
  });

  test('invalid props throw one error naming the construct path and every field', () => {
    const chart = newChart();
    let error: unknown;
    try {
      new AIInferenceService(chart, 'llm', { ...LLM, gpu: { count: 0.5 }, minReplicas: 5, maxReplicas: 2 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InferscaleValidationError);
    const message = (error as Error).message;
    expect(message).toMatch(/^AIInferenceService "test\/llm": gpu\.count is 0\.5; GPUs are whole devices/m);
    expect(message).toMatch(/^AIInferenceService "test\/llm": maxReplicas is 2, below minReplicas \(5\)/m);
  });

  test('a metric with bad options is reported with its index and kind', () => {
    expect(() => new AIInferenceService(newChart(), 'llm', { ...LLM, metrics: [ScalingMetric.cpuUtilization(70), ScalingMetric.gpuUtilization({ targetPercent: 150 })] }))
      .toThrow('AIInferenceService "test/llm": metrics[1] (gpuUtilization).targetPercent is 150; expected a whole percent from 1 to 100');
  });

  test('two services with one name in one namespace fail at synth, naming both', () => {
    const chart = newChart();
    new AIInferenceService(chart, 'a', { ...LLM, name: 'llm' });
    new AIInferenceService(chart, 'b', { ...LLM, name: 'llm' });
    expect(() => synth(chart)).toThrow(/name is "llm", already used by AIInferenceService "test\/a"/);
  });

  test('validating twice answers as once, also for a service added after the first validation', () => {
    const chart = newChart();
    const validate = (): string[] => chart.node.findAll().flatMap((c) => c.node.validate());
    new AIInferenceService(chart, 'a', { ...LLM, name: 'llm' });
    expect(validate()).toEqual([]);
    new AIInferenceService(chart, 'b', { ...LLM, name: 'embed' });
    new AIInferenceService(chart, 'c', { ...LLM, name: 'embed' });
    const message = 'AIInferenceService "test/c": name is "embed", already used by AIInferenceService "test/b" in the same namespace; give each service its own name';
    expect(validate()).toEqual([message]);
    expect(validate()).toEqual([message]);
  });

  test('the same name in two namespaces is fine', () => {
    const chart = newChart();
    new AIInferenceService(chart, 'a', { ...LLM, name: 'llm', namespace: 'one' });
    new AIInferenceService(chart, 'b', { ...LLM, name: 'llm', namespace: 'two' });
    expect(synth(chart)).toHaveLength(10);
  });

  test('names are stable: the construct id picks the name, the path does not', () => {
    const a = render(LLM, 'llm').objects;
    const chart = newChart();
    new AIInferenceService(new Construct(chart, 'nested'), 'llm', LLM);
    expect(synth(chart).map((o) => o.metadata.name)).toEqual(a.map((o) => o.metadata.name));
  });

  test('changing one service changes nothing about another, and renames nothing', () => {
    const build = (llmMax: number): K8sObject[] => {
      const chart = newChart();
      new AIInferenceService(chart, 'llm', { ...LLM, maxReplicas: llmMax });
      new AIInferenceService(chart, 'embed', { image: 'ghcr.io/acme/embed:1.0', maxReplicas: 4 });
      return synth(chart);
    };
    const before = build(6);
    const after = build(12);
    expect(after.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(before.map((o) => `${o.kind}/${o.metadata.name}`));
    const embed = (objs: K8sObject[]): string => JSON.stringify(objs.filter((o) => o.metadata.name === 'embed'));
    expect(embed(after)).toBe(embed(before));
    expect(find(after, 'HorizontalPodAutoscaler', 'llm').spec.maxReplicas).toBe(12);
  });

  test('synthesizing twice gives identical output', () => {
    expect(JSON.stringify(render().objects)).toBe(JSON.stringify(render().objects));
  });

  describe('non-root runtime and model cache', () => {
    const container = (objects: K8sObject[]): K8sObject => find(objects, 'Deployment', 'llm').spec.template.spec.containers[0];
    const envOf = (objects: K8sObject[]): Record<string, string> => Object.fromEntries(container(objects).env.map((e: { name: string; value: string }) => [e.name, e.value]));

    test('USER, LOGNAME and HOME for a UID without a passwd entry; every cache below a writable volume', () => {
      const { objects } = render();
      const env = envOf(objects);
      expect(env).toMatchObject({ USER: 'inferscale', LOGNAME: 'inferscale', HOME: '/home/inferscale', HF_HOME: '/model-cache', XDG_CACHE_HOME: '/home/inferscale/.cache' });
      expect(container(objects).volumeMounts).toEqual([
        { name: 'dshm', mountPath: '/dev/shm' },
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'home', mountPath: '/home/inferscale' },
        { name: 'model-cache', mountPath: '/model-cache' },
      ]);
    });

    test('the default cache: an emptyDir sized from the model (7B × 2 bytes × 1.5 = 20Gi) and requested with scratch as ephemeral-storage', () => {
      const { objects } = render();
      expect(find(objects, 'Deployment', 'llm').spec.template.spec.volumes).toContainEqual({ name: 'model-cache', emptyDir: { sizeLimit: '20Gi' } });
      expect(container(objects).resources.requests['ephemeral-storage']).toBe('22Gi');
      expect(container(objects).resources.limits).not.toHaveProperty('ephemeral-storage');
    });

    test('a read-only shared claim: mounted read-only, and the hub client told to stay offline', () => {
      const { objects } = render({ ...LLM, modelCache: ModelCache.persistentVolumeClaim({ claimName: 'models', readOnly: true }) });
      expect(find(objects, 'Deployment', 'llm').spec.template.spec.volumes).toContainEqual({ name: 'model-cache', persistentVolumeClaim: { claimName: 'models', readOnly: true } });
      expect(container(objects).volumeMounts).toContainEqual({ name: 'model-cache', mountPath: '/model-cache', readOnly: true });
      expect(envOf(objects).HF_HUB_OFFLINE).toBe('1');
      expect(container(objects).resources.requests['ephemeral-storage']).toBe('2Gi');
    });

    test('a node directory', () => {
      const { objects } = render({ ...LLM, modelCache: ModelCache.hostPath({ path: '/mnt/models' }) });
      expect(find(objects, 'Deployment', 'llm').spec.template.spec.volumes).toContainEqual({ name: 'model-cache', hostPath: { path: '/mnt/models', type: 'DirectoryOrCreate' } });
    });

    test('modelCache false: no cache volume and no HF_HOME; weights go to the home emptyDir', () => {
      const { objects } = render({ ...LLM, modelCache: false });
      expect(find(objects, 'Deployment', 'llm').spec.template.spec.volumes.map((v: { name: string }) => v.name)).toEqual(['dshm', 'tmp', 'home']);
      expect(envOf(objects)).not.toHaveProperty('HF_HOME');
      expect(container(objects).resources.requests['ephemeral-storage']).toBe('2Gi');
    });

    test('the user\'s variables win over the runtime\'s', () => {
      expect(envOf(render({ ...LLM, env: { HOME: '/tmp', HF_HOME: '/tmp/hf' } }).objects)).toMatchObject({ HOME: '/tmp', HF_HOME: '/tmp/hf', USER: 'inferscale' });
    });

    test('readOnlyRootFilesystem: every path the engine is told to write is a writable volume (the manifest checker agrees)', () => {
      for (const modelCache of [undefined, ModelCache.persistentVolumeClaim({ claimName: 'models', readOnly: true }), false] as const) {
        const { objects } = render({ ...LLM, ...(modelCache === undefined ? {} : { modelCache }), security: { readOnlyRootFilesystem: true } });
        expect(container(objects).securityContext.readOnlyRootFilesystem).toBe(true);
        expect(checkRestrictedPodSecurity(find(objects, 'Deployment', 'llm').spec.template.spec)).toEqual([]);
      }
    });

    const cacheErrors: readonly [string, ModelCache, string][] = [
      ['size limit not a quantity', ModelCache.emptyDir({ sizeLimit: 'big' }), 'modelCache.sizeLimit is "big"; expected a non-negative Kubernetes quantity such as "500m", "2", "16Gi"'],
      ['size limit 0', ModelCache.emptyDir({ sizeLimit: '0' }), 'modelCache.sizeLimit is "0"; a model cache needs room for the weights, expected a size such as "20Gi"'],
      ['claim name', ModelCache.persistentVolumeClaim({ claimName: 'Models' }), 'modelCache.claimName is "Models"; expected the name of a PersistentVolumeClaim in the service\'s namespace (a DNS-1123 subdomain)'],
      ['read-only flag', ModelCache.persistentVolumeClaim({ claimName: 'models', readOnly: 'yes' as never }), 'modelCache.readOnly is "yes"; expected true or false'],
      ['relative node path', ModelCache.hostPath({ path: 'models' }), 'modelCache.path is "models"; expected an absolute directory on the node other than "/", without ".." or spaces, such as "/mnt/models"'],
      ['node path climbing out', ModelCache.hostPath({ path: '/mnt/../etc' }), 'modelCache.path is "/mnt/../etc"; expected an absolute directory on the node other than "/", without ".." or spaces, such as "/mnt/models"'],
      ['not a ModelCache', { kind: 'emptyDir' } as never, 'modelCache is {"kind":"emptyDir"}; expected false or a ModelCache: ModelCache.emptyDir({ sizeLimit }), ModelCache.persistentVolumeClaim({ claimName }) or ModelCache.hostPath({ path })'],
    ];
    test.each(cacheErrors)('model cache error: %s', (_what, modelCache, message) => {
      let error: unknown;
      try {
        render({ ...LLM, modelCache });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InferscaleValidationError);
      expect((error as Error).message).toBe(`AIInferenceService "test/llm": ${message}`);
    });
  });
});
