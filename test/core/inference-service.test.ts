import { ScalingBehavior } from '../../lib/core/behavior';
import { InferenceServiceProps, resolveInferenceService, ResolvedInferenceService } from '../../lib/core/inference-service';
import { ScalingMetric } from '../../lib/core/metric';
import { Problem } from '../../lib/core/problems';

const GPU: InferenceServiceProps = { image: 'vllm/vllm-openai:v0.11.0', gpu: { count: 1 }, maxReplicas: 4 };
const CPU: InferenceServiceProps = { image: 'ghcr.io/example/embedder:1.2.0', maxReplicas: 3 };

/** Resolves props that must be valid. */
function resolve(props: InferenceServiceProps, defaultName = 'llm'): ResolvedInferenceService {
  const result = resolveInferenceService(props, defaultName);
  expect(result.problems).toEqual([]);
  expect(result.service).toBeDefined();
  return result.service!;
}

/** The problems of props that must be invalid; nothing is resolved then. */
function problemsOf(props: InferenceServiceProps, defaultName = 'llm'): Problem[] {
  const result = resolveInferenceService(props, defaultName);
  expect(result.service).toBeUndefined();
  expect(result.problems.length).toBeGreaterThan(0);
  return result.problems;
}

/** What every model server gets to run as a UID without a passwd entry, with the default cache. */
const RUNTIME_ENV = [
  { name: 'HF_HOME', value: '/model-cache' },
  { name: 'HOME', value: '/home/inferscale' },
  { name: 'HUGGINGFACE_HUB_CACHE', value: '/model-cache/hub' },
  { name: 'LOGNAME', value: 'inferscale' },
  { name: 'TORCHINDUCTOR_CACHE_DIR', value: '/home/inferscale/.cache/torchinductor' },
  { name: 'TRITON_CACHE_DIR', value: '/home/inferscale/.cache/triton' },
  { name: 'USER', value: 'inferscale' },
  { name: 'VLLM_CACHE_ROOT', value: '/home/inferscale/.cache/vllm' },
  { name: 'XDG_CACHE_HOME', value: '/home/inferscale/.cache' },
  { name: 'XDG_CONFIG_HOME', value: '/home/inferscale/.config' },
];

const problem = (path: string, fragment: string): unknown => ({ path, message: expect.stringContaining(fragment) });

describe('resolveInferenceService defaults', () => {
  test('a minimal GPU service', () => {
    const s = resolve(GPU);
    expect(s).toEqual({
      name: 'llm',
      autoscaler: 'adapter',
      image: 'vllm/vllm-openai:v0.11.0',
      port: 8000,
      metricsPort: 8000,
      metricsPath: '/metrics',
      env: RUNTIME_ENV,
      model: { loadTimeSeconds: 300 },
      gpu: { count: 1, resourceName: 'nvidia.com/gpu', nodeSelector: { 'nvidia.com/gpu.present': 'true' } },
      // 50Gi of model cache (no parameter count in a missing model name) + 2Gi of scratch.
      resources: { requests: { cpu: '3', 'ephemeral-storage': '52Gi', memory: '12Gi' }, limits: { memory: '12Gi', 'nvidia.com/gpu': '1' } },
      sharedMemorySize: '2Gi',
      modelCache: { kind: 'emptyDir', sizeLimit: '50Gi' },
      volumes: [
        { name: 'dshm', mountPath: '/dev/shm', readOnly: false, source: { emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } } },
        { name: 'tmp', mountPath: '/tmp', readOnly: false, source: { emptyDir: {} } },
        { name: 'home', mountPath: '/home/inferscale', readOnly: false, source: { emptyDir: {} } },
        { name: 'model-cache', mountPath: '/model-cache', readOnly: false, source: { emptyDir: { sizeLimit: '50Gi' } } },
      ],
      minReplicas: 1,
      maxReplicas: 4,
      metrics: [ScalingMetric.gpuUtilization({ targetPercent: 70 }).definition],
      hpaMetrics: [{ type: 'Pods', pods: { metric: { name: 'ai_inference_gpu_utilization_percent' }, target: { type: 'AverageValue', averageValue: '70' } } }],
      behavior: ScalingBehavior.burst().resolve(300),
      behaviorPreset: 'burst',
      probes: {
        // 1.5 × 300 s / 10 s
        startup: { path: '/health', periodSeconds: 10, failureThreshold: 45, timeoutSeconds: 5 },
        readiness: { path: '/health', periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 5 },
        liveness: { path: '/health', periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 },
      },
      preStopSleepSeconds: 10,
      terminationGracePeriodSeconds: 70,
      disruptionBudget: { maxUnavailable: 1 },
      security: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, readOnlyRootFilesystem: false },
      topologySpread: true,
      rollout: 'surge',
      selectorLabels: { 'inferscale.io/service': 'llm' },
      labels: {
        'app.kubernetes.io/component': 'inference',
        'app.kubernetes.io/managed-by': 'inferscale',
        'app.kubernetes.io/name': 'llm',
        'inferscale.io/service': 'llm',
      },
      podAnnotations: { 'inferscale.io/model-load-seconds': '300', 'prometheus.io/path': '/metrics', 'prometheus.io/port': '8000', 'prometheus.io/scrape': 'true' },
    });
    // Optional fields are absent, not undefined, so they never reach the output.
    for (const key of ['namespace', 'command', 'args']) expect(Object.keys(s)).not.toContain(key);
    expect(behaviorScaleDownWindow(s)).toBe(600);
  });

  test('the GPU limit is a string quantity', () => {
    expect(typeof resolve(GPU).resources.limits['nvidia.com/gpu']).toBe('string');
  });

  test('a minimal CPU service: smaller requests, no GPU, no /dev/shm, CPU utilization 70 %', () => {
    const s = resolve(CPU, 'embedder');
    expect(s.name).toBe('embedder');
    expect(s.gpu).toBeUndefined();
    expect(Object.keys(s)).not.toContain('gpu');
    expect(Object.keys(s)).not.toContain('sharedMemorySize');
    // 4Gi of model cache for a CPU service + 2Gi of scratch.
    expect(s.resources).toEqual({ requests: { cpu: '1', 'ephemeral-storage': '6Gi', memory: '2Gi' }, limits: { memory: '2Gi' } });
    expect(s.hpaMetrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    expect(s.metrics.map((m) => m.kind)).toEqual(['cpuUtilization']);
    expect(s.behaviorPreset).toBe('burst');
    expect(s.selectorLabels).toEqual({ 'inferscale.io/service': 'embedder' });
    expect(s.disruptionBudget).toEqual({ maxUnavailable: 1 });
    expect(s.probes.startup.failureThreshold).toBe(45);
  });

  test('labels are sorted and user labels are kept beside the service\'s own', () => {
    const s = resolve({ ...GPU, labels: { team: 'ml', 'a.example.com/tier': 'gold' } });
    expect(Object.keys(s.labels)).toEqual([...Object.keys(s.labels)].sort());
    expect(s.labels).toEqual(expect.objectContaining({ team: 'ml', 'a.example.com/tier': 'gold', 'inferscale.io/service': 'llm' }));
    expect(s.selectorLabels).toEqual({ 'inferscale.io/service': 'llm' });
  });

  test('env is sorted by name, user variables win over the runtime ones; command and args are copied', () => {
    const command = ['python3', '-m', 'vllm.entrypoints.openai.api_server'];
    const s = resolve({ ...GPU, env: { VLLM_PORT: '8000', HF_HOME: '/cache' }, command, args: ['--model', 'Qwen/Qwen2.5-7B-Instruct'] });
    const expected = [...RUNTIME_ENV.map((e) => (e.name === 'HF_HOME' ? { name: 'HF_HOME', value: '/cache' } : e)), { name: 'VLLM_PORT', value: '8000' }];
    expect(s.env).toEqual(expected.sort((a, b) => (a.name < b.name ? -1 : 1)));
    expect(s.command).toEqual(command);
    expect(s.command).not.toBe(command);
    expect(s.args).toEqual(['--model', 'Qwen/Qwen2.5-7B-Instruct']);
  });

  test('name, namespace, model name and metrics port flow into labels and scrape annotations', () => {
    const s = resolve({ ...GPU, name: 'qwen', namespace: 'inference', metricsPort: 9090, metricsPath: '/stats/prometheus', model: { name: 'Qwen/Qwen2.5-7B-Instruct' } }, 'ignored');
    expect(s.name).toBe('qwen');
    expect(s.namespace).toBe('inference');
    expect(s.port).toBe(8000);
    expect(s.model).toEqual({ name: 'Qwen/Qwen2.5-7B-Instruct', loadTimeSeconds: 300 });
    expect(s.labels['app.kubernetes.io/name']).toBe('qwen');
    expect(s.podAnnotations).toEqual({
      'inferscale.io/model': 'Qwen/Qwen2.5-7B-Instruct',
      'inferscale.io/model-load-seconds': '300',
      'prometheus.io/path': '/stats/prometheus',
      'prometheus.io/port': '9090',
      'prometheus.io/scrape': 'true',
    });
  });

  test('GPU options: shared resource name, product selector, custom node selector', () => {
    const s = resolve({ ...GPU, gpu: { count: 2, resourceName: 'nvidia.com/gpu.shared', product: 'NVIDIA-A10G', nodeSelector: { 'karpenter.k8s.aws/instance-gpu-manufacturer': 'nvidia' } } });
    expect(s.gpu).toEqual({
      count: 2,
      resourceName: 'nvidia.com/gpu.shared',
      product: 'NVIDIA-A10G',
      nodeSelector: { 'karpenter.k8s.aws/instance-gpu-manufacturer': 'nvidia', 'nvidia.com/gpu.product': 'NVIDIA-A10G' },
    });
    expect(s.resources.limits).toEqual({ memory: '12Gi', 'nvidia.com/gpu.shared': '2' });
  });

  test('a product adds its label to the default GPU node selector', () => {
    expect(resolve({ ...GPU, gpu: { count: 1, product: 'NVIDIA-L4' } }).gpu!.nodeSelector).toEqual({
      'nvidia.com/gpu.present': 'true',
      'nvidia.com/gpu.product': 'NVIDIA-L4',
    });
  });

  test('resources: a CPU limit is added only when given; the memory limit follows the memory request', () => {
    const s = resolve({ ...GPU, resources: { cpu: { request: '8', limit: '8' }, memory: { request: '48Gi' } } });
    expect(s.resources).toEqual({ requests: { cpu: '8', 'ephemeral-storage': '52Gi', memory: '48Gi' }, limits: { cpu: '8', memory: '48Gi', 'nvidia.com/gpu': '1' } });
  });

  test('sharedMemorySize can be set, also for a CPU service', () => {
    expect(resolve({ ...GPU, sharedMemorySize: '8Gi' }).sharedMemorySize).toBe('8Gi');
    expect(resolve({ ...CPU, sharedMemorySize: '1Gi' }).sharedMemorySize).toBe('1Gi');
  });

  test.each`
    load    | period       | threshold
    ${300}  | ${undefined} | ${45}
    ${240}  | ${undefined} | ${36}
    ${301}  | ${undefined} | ${46}
    ${100}  | ${15}        | ${10}
    ${3600} | ${30}        | ${180}
  `('startup probe for load $load s and period $period: failureThreshold $threshold (ceil(1.5 × load / period))', ({ load, period, threshold }) => {
    const s = resolve({ ...GPU, model: { loadTimeSeconds: load }, probes: period === undefined ? undefined : { startupPeriodSeconds: period } });
    expect(s.probes.startup.failureThreshold).toBe(threshold);
    expect(s.probes.startup.periodSeconds).toBe(period ?? 10);
    expect(s.probes.startup.periodSeconds * s.probes.startup.failureThreshold).toBeGreaterThanOrEqual(load);
  });

  test('probe options: liveness path defaults to the readiness path; timeouts are shared', () => {
    const s = resolve({ ...GPU, probes: { readinessPath: '/v1/models', timeoutSeconds: 3, readinessPeriodSeconds: 2, livenessPeriodSeconds: 20, livenessFailureThreshold: 3 } });
    expect(s.probes.readiness).toEqual({ path: '/v1/models', periodSeconds: 2, failureThreshold: 3, timeoutSeconds: 3 });
    expect(s.probes.liveness).toEqual({ path: '/v1/models', periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 3 });
    expect(s.probes.startup.path).toBe('/v1/models');
    expect(resolve({ ...GPU, probes: { livenessPath: '/live' } }).probes.liveness.path).toBe('/live');
  });

  test.each`
    preStop | drain   | grace
    ${5}    | ${120}  | ${125}
    ${0}    | ${30}   | ${30}
    ${300}  | ${0}    | ${300}
  `('termination grace = preStop $preStop + drain $drain = $grace', ({ preStop, drain, grace }) => {
    const s = resolve({ ...GPU, shutdown: { preStopSleepSeconds: preStop, drainSeconds: drain } });
    expect(s.preStopSleepSeconds).toBe(preStop);
    expect(s.terminationGracePeriodSeconds).toBe(grace);
  });

  test('the behavior preset is resolved against the model load time', () => {
    const s = resolve({ ...GPU, model: { loadTimeSeconds: 900 }, behavior: ScalingBehavior.steady() });
    expect(s.behaviorPreset).toBe('steady');
    expect(s.behavior).toEqual(ScalingBehavior.steady().resolve(900));
    expect(behaviorScaleDownWindow(resolve({ ...GPU, model: { loadTimeSeconds: 900 } }))).toBe(1800);
  });

  test('disruption budget: a percent, 0, or none at all', () => {
    expect(resolve({ ...GPU, disruptionBudget: { maxUnavailable: '25%' } }).disruptionBudget).toEqual({ maxUnavailable: '25%' });
    expect(resolve({ ...GPU, disruptionBudget: {} }).disruptionBudget).toEqual({ maxUnavailable: 1 });
    const none = resolve({ ...GPU, disruptionBudget: false });
    expect(none.disruptionBudget).toBeUndefined();
    expect(Object.keys(none)).not.toContain('disruptionBudget');
  });

  test('security and topology spread options are kept', () => {
    const s = resolve({ ...GPU, security: { runAsUser: 2000, readOnlyRootFilesystem: true }, topologySpread: false });
    expect(s.security).toEqual({ runAsUser: 2000, runAsGroup: 1000, fsGroup: 1000, readOnlyRootFilesystem: true });
    expect(s.topologySpread).toBe(false);
  });

  test('metrics keep their order and hpaMetrics mirrors them', () => {
    const metrics = [ScalingMetric.requestsPerSecond({ targetPerPod: 4 }), ScalingMetric.gpuUtilization({ targetPercent: 75 }), ScalingMetric.cpuUtilization(80)];
    const s = resolve({ ...GPU, metrics });
    expect(s.metrics.map((m) => m.kind)).toEqual(['requestsPerSecond', 'gpuUtilization', 'cpuUtilization']);
    expect(s.hpaMetrics).toEqual(metrics.map((m) => m.definition!.hpa));
  });
});

function behaviorScaleDownWindow(s: ResolvedInferenceService): number {
  return s.behavior.scaleDown.stabilizationWindowSeconds;
}

describe('resolveInferenceService problems', () => {
  test.each<[string, InferenceServiceProps, string, string]>([
    ['name not DNS-1123', { ...GPU, name: 'Qwen_7B' }, 'name', 'is "Qwen_7B"; expected a DNS-1123 label'],
    ['namespace not DNS-1123', { ...GPU, namespace: 'ML.Prod' }, 'namespace', 'is "ML.Prod"; expected a DNS-1123 label'],
    ['image with whitespace', { ...GPU, image: 'vllm/vllm-openai: v0.11.0' }, 'image', 'is "vllm/vllm-openai: v0.11.0"; expected an image reference'],
    ['empty image', { ...GPU, image: '' }, 'image', 'is ""; expected an image reference'],
    ['port 0', { ...GPU, port: 0, metricsPort: 9090 }, 'port', 'is 0; expected a port number from 1 to 65535'],
    ['port 70000', { ...GPU, port: 70000, metricsPort: 9090 }, 'port', 'is 70000; expected a port number from 1 to 65535'],
    ['metricsPort 65536', { ...GPU, metricsPort: 65536 }, 'metricsPort', 'is 65536; expected a port number from 1 to 65535'],
    ['metricsPath without /', { ...GPU, metricsPath: 'metrics' }, 'metricsPath', 'is "metrics"; expected an HTTP path starting with "/"'],
    ['env name starting with a digit', { ...GPU, env: { '1TOKEN': 'x' } }, 'env["1TOKEN"]', 'is not a valid environment variable name'],
    ['label value with a space', { ...GPU, labels: { team: 'ml ops' } }, 'labels["team"]', 'value "ml ops" is not a valid label value'],
    ['label key starting with -', { ...GPU, labels: { '-team': 'ml' } }, 'labels["-team"]', 'key is not a valid label key'],
    ['loadTimeSeconds 0', { ...GPU, model: { loadTimeSeconds: 0 } }, 'model.loadTimeSeconds', 'is 0; expected whole seconds from 1 to 3600'],
    ['loadTimeSeconds 3601', { ...GPU, model: { loadTimeSeconds: 3601 } }, 'model.loadTimeSeconds', 'is 3601; expected whole seconds from 1 to 3600'],
    ['empty model name', { ...GPU, model: { name: '' } }, 'model.name', 'is ""; expected a non-empty string'],
    ['gpu.count 1.5', { ...GPU, gpu: { count: 1.5 } }, 'gpu.count', 'is 1.5; GPUs are whole devices: expected a whole number, 1 or more'],
    ['gpu.count 0', { ...GPU, gpu: { count: 0 } }, 'gpu.count', 'is 0; GPUs are whole devices'],
    ['gpu.resourceName without a domain', { ...GPU, gpu: { count: 1, resourceName: 'gpu' } }, 'gpu.resourceName', 'is "gpu"; expected an extended resource name such as "nvidia.com/gpu"'],
    ['gpu.resourceName in kubernetes.io', { ...GPU, gpu: { count: 1, resourceName: 'kubernetes.io/gpu' } }, 'gpu.resourceName', 'is "kubernetes.io/gpu"'],
    ['gpu.product with a space', { ...GPU, gpu: { count: 1, product: 'NVIDIA A10G' } }, 'gpu.product', 'is "NVIDIA A10G"; expected a node label value such as "NVIDIA-A10G"'],
    ['gpu.nodeSelector value', { ...GPU, gpu: { count: 1, nodeSelector: { 'gpu-node': 'yes please' } } }, 'gpu.nodeSelector["gpu-node"]', 'value "yes please" is not a valid label value'],
    ['cpu request "4 cores"', { ...GPU, resources: { cpu: { request: '4 cores' } } }, 'resources.cpu.request', 'is "4 cores"; expected a non-negative Kubernetes quantity'],
    ['memory request "24GB"', { ...GPU, resources: { memory: { request: '24GB', limit: '24Gi' } } }, 'resources.memory.request', 'is "24GB"; expected a non-negative Kubernetes quantity'],
    ['memory limit "lots"', { ...GPU, resources: { memory: { limit: 'lots' } } }, 'resources.memory.limit', 'is "lots"; expected a non-negative Kubernetes quantity'],
    ['cpu limit below request', { ...GPU, resources: { cpu: { request: '4', limit: '2' } } }, 'resources.cpu.limit', 'is "2", below the request "4"; the API server rejects a limit under the request'],
    ['memory limit below request (1000Mi < 1Gi)', { ...GPU, resources: { memory: { request: '1Gi', limit: '1000Mi' } } }, 'resources.memory.limit', 'is "1000Mi", below the request "1Gi"'],
    ['sharedMemorySize "2 GiB"', { ...GPU, sharedMemorySize: '2 GiB' }, 'sharedMemorySize', 'is "2 GiB"; expected a non-negative Kubernetes quantity'],
    ['minReplicas -1', { ...GPU, minReplicas: -1 }, 'minReplicas', 'is -1; expected a whole number, 1 or more'],
    ['maxReplicas 0', { ...GPU, maxReplicas: 0 }, 'maxReplicas', 'is 0; expected a whole number, 1 or more'],
    ['maxReplicas 2**31 (int32 overflow)', { ...GPU, maxReplicas: 2 ** 31 }, 'maxReplicas', 'is 2147483648; expected a whole number from 1 to 2147483647 (the API server stores it as a 32-bit integer)'],
    ['minReplicas 2**31 (int32 overflow)', { ...GPU, minReplicas: 2 ** 31 }, 'minReplicas', 'is 2147483648; expected a whole number from 1 to 2147483647 (the API server stores it as a 32-bit integer) (0 only with scaleToZero)'],
    ['livenessFailureThreshold 2**31 (int32 overflow)', { ...GPU, probes: { livenessFailureThreshold: 2 ** 31 } }, 'probes.livenessFailureThreshold', 'is 2147483648; expected a whole number from 1 to 2147483647'],
    ['image with an upper-case repository', { ...GPU, image: 'ghcr.io/Acme/llm:1' }, 'image', 'is "ghcr.io/Acme/llm:1"; expected an image reference such as "vllm/vllm-openai:v0.11.0": [registry[:port]/]repository[:tag][@sha256:digest], the repository in lower case'],
    ['a label overriding the selector label', { ...GPU, labels: { 'inferscale.io/service': 'other' } }, 'labels["inferscale.io/service"]', 'is set by the service itself (the selector label every object of the service is found by, here "llm"); remove it'],
    ['a label overriding one the service sets', { ...GPU, labels: { 'app.kubernetes.io/name': 'other' } }, 'labels["app.kubernetes.io/name"]', 'is set by the service itself (a label the service sets on every object, here "llm"); remove it'],
    ['a GPU metric on a service without GPUs', { ...CPU, metrics: [ScalingMetric.gpuUtilization({ targetPercent: 70 })] }, 'metrics[0] (gpuUtilization)', 'reads GPU telemetry, but the service asks for no GPUs (gpu is not set): the DCGM exporter reports nothing for its pods, so the HPA would show <unknown> for this metric forever. Add gpu, or scale on another metric'],
    ['minReplicas above maxReplicas', { ...GPU, minReplicas: 5, maxReplicas: 4 }, 'maxReplicas', 'is 4, below minReplicas (5); expected maxReplicas >= minReplicas'],
    ['no metrics', { ...GPU, metrics: [] }, 'metrics', 'is empty; give at least one metric to scale on'],
    ['startupPeriodSeconds 0', { ...GPU, probes: { startupPeriodSeconds: 0 } }, 'probes.startupPeriodSeconds', 'is 0; expected a whole number, 1 or more'],
    ['readinessPeriodSeconds 0', { ...GPU, probes: { readinessPeriodSeconds: 0 } }, 'probes.readinessPeriodSeconds', 'is 0; expected a whole number, 1 or more'],
    ['livenessPath without /', { ...GPU, probes: { livenessPath: 'live' } }, 'probes.livenessPath', 'is "live"; expected an HTTP path starting with "/"'],
    ['preStopSleepSeconds 301', { ...GPU, shutdown: { preStopSleepSeconds: 301 } }, 'shutdown.preStopSleepSeconds', 'is 301; expected whole seconds from 0 to 300'],
    ['drainSeconds -1', { ...GPU, shutdown: { drainSeconds: -1 } }, 'shutdown.drainSeconds', 'is -1; expected whole seconds, 0 or more'],
    ['maxUnavailable "150%"', { ...GPU, disruptionBudget: { maxUnavailable: '150%' } }, 'disruptionBudget.maxUnavailable', 'is "150%"; expected a whole number (0 or more) or a percent such as "25%"'],
    ['maxUnavailable -1', { ...GPU, disruptionBudget: { maxUnavailable: -1 } }, 'disruptionBudget.maxUnavailable', 'is -1; expected a whole number (0 or more) or a percent'],
    ['runAsUser 0 (root)', { ...GPU, security: { runAsUser: 0 } }, 'security.runAsUser', 'is 0; Pod Security "restricted" needs a non-root UID'],
    ['runAsGroup -1', { ...GPU, security: { runAsGroup: -1 } }, 'security.runAsGroup', 'is -1; expected a whole number, 0 or more'],
  ])('%s', (_, props, path, fragment) => {
    expect(problemsOf(props)).toEqual([problem(path, fragment)]);
  });

  test('an invalid default name (the construct id) is reported on "name"', () => {
    expect(problemsOf(GPU, 'My_Service')).toEqual([problem('name', 'is "My_Service"; expected a DNS-1123 label')]);
  });

  test('the same metric twice is a duplicate naming the first one', () => {
    expect(problemsOf({ ...GPU, metrics: [ScalingMetric.gpuUtilization({ targetPercent: 60 }), ScalingMetric.gpuUtilization({ targetPercent: 80 })] })).toEqual([
      problem('metrics[1] (gpuUtilization)', 'duplicates metrics[0] (Pods/ai_inference_gpu_utilization_percent); the HPA would read the same metric twice'),
    ]);
  });

  test('a duplicate further down the list names the right index', () => {
    expect(problemsOf({
      ...GPU,
      metrics: [ScalingMetric.requestsPerSecond({ targetPerPod: 8 }), ScalingMetric.cpuUtilization(80), ScalingMetric.requestsPerSecond({ targetPerPod: 12 })],
    })).toEqual([problem('metrics[2] (requestsPerSecond)', 'duplicates metrics[0] (Pods/ai_inference_requests_per_second)')]);
  });

  test('metric option problems are prefixed with the metric index and kind', () => {
    expect(problemsOf({
      ...GPU,
      metrics: [ScalingMetric.requestsPerSecond({ targetPerPod: 8 }), ScalingMetric.gpuUtilization({ targetPercent: 150 }), ScalingMetric.externalQueue({ series: 'lag' })],
    })).toEqual([
      problem('metrics[1] (gpuUtilization).targetPercent', 'is 150; expected a whole percent from 1 to 100'),
      problem('metrics[2] (externalQueue).targetPerReplica|targetTotal', 'expected exactly one of targetPerReplica'),
    ]);
  });

  test('metric selector problems keep their bracketed key after the prefix', () => {
    expect(problemsOf({ ...GPU, metrics: [ScalingMetric.externalQueue({ series: 'lag', selector: { topic: 'a b' }, targetTotal: 5 })], minReplicas: 1 })).toEqual([
      problem('metrics[0] (externalQueue).selector["topic"]', 'value "a b" is not a valid label value'),
    ]);
  });

  test('minReplicas 0 without scaleToZero names the feature gate', () => {
    expect(problemsOf({ ...GPU, minReplicas: 0, metrics: [ScalingMetric.externalQueue({ series: 'lag', targetPerReplica: 10 })] })).toEqual([
      problem('minReplicas', 'is 0, which the API server accepts only with the alpha HPAScaleToZero feature gate; set scaleToZero: true'),
    ]);
  });

  test('minReplicas 0 with scaleToZero still needs an Object or External metric', () => {
    expect(problemsOf({ ...GPU, minReplicas: 0, scaleToZero: true })).toEqual([
      problem('minReplicas', 'is 0, but scaling from zero needs an Object or External metric'),
    ]);
  });

  test.each([
    ['externalQueue', ScalingMetric.externalQueue({ series: 'kafka_consumergroup_lag', targetPerReplica: 10 })],
    ['objectMetric', ScalingMetric.objectMetric({ describedObject: { apiVersion: 'v1', kind: 'Service', name: 'gw' }, series: 'gw_requests_total', targetValue: 10 })],
  ])('minReplicas 0 is accepted with scaleToZero and an %s metric next to a Pods metric', (_, metric) => {
    const s = resolve({ ...GPU, minReplicas: 0, scaleToZero: true, metrics: [ScalingMetric.gpuUtilization({ targetPercent: 70 }), metric] });
    expect(s.minReplicas).toBe(0);
  });

  test('with autoscaler keda, minReplicas 0 needs no feature gate when an External metric can wake the service', () => {
    const s = resolve({ ...GPU, autoscaler: 'keda', minReplicas: 0, metrics: [ScalingMetric.externalQueue({ series: 'sqs_messages_visible', targetPerReplica: 5 })] });
    expect(s.minReplicas).toBe(0);
    expect(s.autoscaler).toBe('keda');
  });

  test('with autoscaler keda, minReplicas 0 on Pods metrics only is refused', () => {
    expect(problemsOf({ ...GPU, autoscaler: 'keda', minReplicas: 0, metrics: [ScalingMetric.queueDepth({ targetPerPod: 2 })] })).toEqual([
      problem('minReplicas', 'is 0, but no metric still has a value with no pods running: KEDA wakes a service from zero when a trigger rises above its activation threshold, and Pods and Resource metrics have no series without pods. Add an External or Object metric (a queue length, the gateway\'s request rate), or use 1 or more'),
    ]);
  });

  test('an unknown autoscaler is refused', () => {
    expect(problemsOf({ ...GPU, autoscaler: 'hpa' as never })).toEqual([
      problem('autoscaler', 'is "hpa"; expected "adapter" or "keda"'),
    ]);
  });

  test('behavior problems are prefixed with "behavior."', () => {
    expect(problemsOf({ ...GPU, behavior: ScalingBehavior.custom({ scaleUp: { policies: [{ type: 'Pods', value: 4, periodSeconds: 0 }] } }) })).toEqual([
      problem('behavior.scaleUp.policies[0].periodSeconds', 'is 0; expected whole seconds from 1 to 1800'),
    ]);
  });

  test('a custom scale-down window shorter than the model load time is rejected', () => {
    expect(problemsOf({ ...GPU, model: { loadTimeSeconds: 600 }, behavior: ScalingBehavior.custom({}) })).toEqual([
      problem('behavior.scaleDown.stabilizationWindowSeconds', 'is 300, shorter than model.loadTimeSeconds (600)'),
    ]);
  });

  test('a startupFailureThreshold too small for the load time names the load time and the minimum', () => {
    expect(problemsOf({ ...GPU, probes: { startupFailureThreshold: 20 } })).toEqual([{
      path: 'probes.startupFailureThreshold',
      message: 'is 20: 20 × 10 s = 200 s, so the kubelet would kill the container before its model loads (model.loadTimeSeconds 300); use at least 30, or leave it unset for 1.5 × the load time',
    }]);
  });

  test('a startupFailureThreshold that just covers the load time is accepted', () => {
    expect(resolve({ ...GPU, probes: { startupFailureThreshold: 30 } }).probes.startup.failureThreshold).toBe(30);
  });

  test('several problems are all reported together, in field order', () => {
    const problems = problemsOf({
      ...GPU,
      name: 'LLM',
      image: 'a b',
      gpu: { count: 0 },
      maxReplicas: 0,
      metrics: [ScalingMetric.latency({ targetSeconds: 0 })],
      shutdown: { drainSeconds: -5 },
      security: { runAsUser: 0 },
    });
    expect(problems.map((p) => p.path)).toEqual([
      'name',
      'image',
      'gpu.count',
      'maxReplicas',
      'metrics[0] (latency).targetSeconds',
      'shutdown.drainSeconds',
      'security.runAsUser',
    ]);
  });
});
