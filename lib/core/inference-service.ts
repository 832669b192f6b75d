import { AUTOSCALERS, Autoscaler, existsAtZero, KEDA_ZERO_WITHOUT_WAKER } from './platform/keda';
import { checkBehavior, ScalingBehavior } from './behavior';
import { checkHttpPath, checkImage, checkInteger, checkPort, isInteger, sortKeys } from './checks';
import { HpaBehavior, HpaMetricSpec } from './hpa-spec';
import { MetricDefinition, metricIdentity, ScalingMetric } from './metric';
import { ResolvedScheduledFloors, resolveScheduledFloors, ScheduledFloorsProps } from './scheduled-floors';
import { ModelServer } from './metrics/model-servers';
import { defaultModelCacheSize, ModelCache, ResolvedModelCache, ServerVolume, serverRuntime } from './model-cache';
import { checkDnsLabel, checkLabels, isLabelValue } from './names';
import { prefixProblems, Problem, show } from './problems';
import { checkQuantity } from './quantity';
import { resolveResources, ResourcesProps } from './resources';

export type { ResourceRequirementProps, ResourcesProps } from './resources';

/** The model the service loads. */
export interface ModelProps {
  /** Model identifier, recorded as the `inferscale.io/model` annotation. @default - not recorded */
  readonly name?: string;
  /**
   * Seconds from container start until the model is loaded and the readiness endpoint answers.
   * Sizes the startup probe and every preset's scale-down window. At most 3600.
   * @default 300
   */
  readonly loadTimeSeconds?: number;
}

/** GPUs for each replica. Leave `gpu` out for a CPU-only service. */
export interface GpuProps {
  /** Whole GPUs (or time-sliced shares) per replica. */
  readonly count: number;
  /**
   * Extended resource to request: `nvidia.com/gpu`, or `nvidia.com/gpu.shared` for
   * time-sliced GPUs when the device plugin renames shared resources.
   * @default "nvidia.com/gpu"
   */
  readonly resourceName?: string;
  /** GPU product to require, matched on the `nvidia.com/gpu.product` node label (e.g. `NVIDIA-A10G`). @default - any GPU */
  readonly product?: string;
  /**
   * Node labels that mark GPU nodes. inferscale's GPU node pools set the default label, as do
   * NVIDIA GPU feature discovery and the GPU operator.
   * @default { "nvidia.com/gpu.present": "true" }
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
}

/** Health checks. Readiness must mean "model loaded and serving". */
export interface ProbesProps {
  /** HTTP path that answers 200 only once the model is loaded. @default "/health" */
  readonly readinessPath?: string;
  /** HTTP path that answers 200 while the process is healthy. @default - readinessPath */
  readonly livenessPath?: string;
  /** Seconds between startup probes. @default 10 */
  readonly startupPeriodSeconds?: number;
  /**
   * Failed startup probes before the container is restarted.
   * @default - enough for 1.5 × model.loadTimeSeconds
   */
  readonly startupFailureThreshold?: number;
  /** Seconds between readiness probes. @default 5 */
  readonly readinessPeriodSeconds?: number;
  /** Seconds between liveness probes. @default 10 */
  readonly livenessPeriodSeconds?: number;
  /** Failed liveness probes before a restart. @default 6 */
  readonly livenessFailureThreshold?: number;
  /** Probe timeout. @default 5 */
  readonly timeoutSeconds?: number;
}

/** Graceful shutdown. */
export interface ShutdownProps {
  /** Seconds the preStop hook sleeps so endpoints and load balancers stop sending traffic first. 0 disables it. @default 10 */
  readonly preStopSleepSeconds?: number;
  /** Seconds a request may take to finish after SIGTERM. @default 60 */
  readonly drainSeconds?: number;
}

/** Pod disruption budget. */
export interface DisruptionBudgetProps {
  /** Pods that may be down at once during voluntary disruptions: a count or a percent ("25%"). @default 1 */
  readonly maxUnavailable?: number | string;
}

/** Container security settings. Everything else is fixed to pass Pod Security "restricted". */
export interface SecurityProps {
  /** UID to run as; must not be 0. @default 1000 */
  readonly runAsUser?: number;
  /** GID to run as. @default 1000 */
  readonly runAsGroup?: number;
  /** Group owning mounted volumes. @default 1000 */
  readonly fsGroup?: number;
  /**
   * Mount the root filesystem read-only. Every path a model server writes (`/tmp`, its home
   * and caches, the model cache) is a volume, so engines that keep to those paths run with it.
   * Off by default: images that write elsewhere (their own install directory) would crash.
   * @default false
   */
  readonly readOnlyRootFilesystem?: boolean;
}

/**
 * Framework-neutral props of an autoscaled inference service. The cdk8s construct and the
 * Pulumi component take exactly these.
 */
export interface InferenceServiceProps {
  /** Name of every object of the service: a DNS-1123 label. @default - the construct id */
  readonly name?: string;
  /** Namespace of every object. @default - none (the namespace kubectl or the chart applies) */
  readonly namespace?: string;
  /** Container image, pinned by tag or digest. */
  readonly image: string;
  /**
   * The inference server the image runs: its ports, metrics path and probe paths become the
   * defaults, and the catalogue's engine metrics (`ScalingMetric.waitingRequests`,
   * `kvCacheUsage`, `timeToFirstToken`, ...) read its series.
   * @default - none: port 8000, "/metrics", "/health"; engine metrics read vLLM's series
   */
  readonly modelServer?: ModelServer;
  /** HTTP port the server listens on. @default 8000, or the modelServer's port */
  readonly port?: number;
  /** Port serving Prometheus metrics. @default - same as port, or the modelServer's metrics port */
  readonly metricsPort?: number;
  /** Path serving Prometheus metrics. @default "/metrics", or the modelServer's */
  readonly metricsPath?: string;
  /** Container command. @default - the image's entrypoint */
  readonly command?: readonly string[];
  /** Container args. @default - the image's cmd */
  readonly args?: readonly string[];
  /**
   * Environment variables (sorted in the output). They win over the ones inferscale sets for a
   * non-root UID (`USER`, `LOGNAME`, `HOME`, `XDG_CACHE_HOME`, `XDG_CONFIG_HOME`,
   * `VLLM_CACHE_ROOT`, `TRITON_CACHE_DIR`, `TORCHINDUCTOR_CACHE_DIR`, `HF_HOME`,
   * `HUGGINGFACE_HUB_CACHE`; see
   * {@link serverRuntime}).
   * @default - only inferscale's
   */
  readonly env?: Readonly<Record<string, string>>;
  /** Model identity and load time. @default - load time 300 s */
  readonly model?: ModelProps;
  /** GPUs per replica. @default - CPU only */
  readonly gpu?: GpuProps;
  /**
   * CPU and memory. No CPU limit by default: CFS throttling adds tail latency and the GPU is
   * the bottleneck. The memory limit defaults to the memory request, so the pod is never
   * killed for memory it was never promised.
   * @default { cpu: { request: "3" }, memory: { request: "12Gi", limit: "12Gi" } } with a GPU (fits the smallest 4-vCPU, 16 GiB GPU nodes); { cpu: { request: "1" }, memory: { request: "2Gi", limit: "2Gi" } } without
   */
  readonly resources?: ResourcesProps;
  /**
   * Where downloaded weights are kept, mounted at `/model-cache` with `HF_HOME` pointing there;
   * `false` leaves them in the server's home directory (an emptyDir without a size limit).
   * @default ModelCache.emptyDir() - sized from the model name, with a matching ephemeral-storage request
   */
  readonly modelCache?: ModelCache | false;
  /** Size of the in-memory `/dev/shm` volume (PyTorch and NCCL need more than the 64 MiB default). @default "2Gi" with a GPU, none without */
  readonly sharedMemorySize?: string;
  /** Fewest replicas. 0 needs `scaleToZero` and an Object or External metric. @default 1 */
  readonly minReplicas?: number;
  /** Most replicas; bounds GPU spend. */
  readonly maxReplicas: number;
  /**
   * `minReplicas` raised by time of day and weekday, ahead of a known daily peak. With KEDA, a
   * `cron` trigger per window; with the adapter, a CronJob per change of the floor that patches
   * only this HPA's `minReplicas` (a Role allowing `patch` on this HPA by name).
   * @default - the floor is minReplicas at all times
   */
  readonly scheduledFloors?: ScheduledFloorsProps;
  /**
   * Allow `minReplicas: 0`, which the API server accepts only with the alpha `HPAScaleToZero`
   * feature gate on, and only with an Object or External metric.
   * @default false
   */
  readonly scaleToZero?: boolean;
  /**
   * Who scales the service: `adapter`, an HPA reading the Prometheus Adapter, or `keda`, a KEDA
   * ScaledObject whose triggers run the same catalogue queries (KEDA creates and owns the HPA).
   * With `keda`, `minReplicas: 0` needs no alpha feature gate: KEDA scales to zero itself.
   * @default "adapter" (in an AIInferencePlatform: the platform's `autoscaler`)
   */
  readonly autoscaler?: Autoscaler;
  /**
   * Signals to scale on; the HPA follows whichever asks for the most replicas.
   * @default - with a `modelServer`, its saturation signals ({@link defaultEngineMetrics}:
   *   1 waiting request per pod, and KV-cache use 0.8 where the engine reports it); otherwise
   *   GPU utilization 70 % with a GPU, CPU utilization 70 % without
   */
  readonly metrics?: readonly ScalingMetric[];
  /** Scale-up and scale-down rules. @default ScalingBehavior.burst() */
  readonly behavior?: ScalingBehavior;
  /** Health checks. @default - see ProbesProps */
  readonly probes?: ProbesProps;
  /** Graceful shutdown. @default - see ShutdownProps */
  readonly shutdown?: ShutdownProps;
  /** Pod disruption budget; `false` leaves it out. @default { maxUnavailable: 1 } */
  readonly disruptionBudget?: DisruptionBudgetProps | false;
  /** Container security. @default - see SecurityProps */
  readonly security?: SecurityProps;
  /** Spread replicas across zones and nodes (best effort). @default true */
  readonly topologySpread?: boolean;
  /**
   * How a rolling update replaces replicas. `surge` starts each new replica before an old one
   * leaves (`maxSurge: 1`, `maxUnavailable: 0`): capacity never drops, but each step needs room
   * for one replica more, so on GPU nodes that hold exactly `maxReplicas` a rollout at
   * `maxReplicas` waits for a scale-down. `replace` stops an old replica first and starts the new
   * one on the GPU it freed (`maxSurge: 0`, `maxUnavailable: 1`): no GPU beyond `maxReplicas`, but
   * one replica fewer during each model load, and with a single replica none.
   * @default "surge"
   */
  readonly rollout?: RolloutStrategy;
  /** Extra labels on every object and pod (never in selectors). @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * How a rolling update replaces replicas: `surge` (a new replica first) or `replace` (an old
 * replica leaves first). See {@link InferenceServiceProps.rollout}.
 */
export type RolloutStrategy = 'surge' | 'replace';

/** Every {@link RolloutStrategy}. */
export const ROLLOUT_STRATEGIES: readonly RolloutStrategy[] = ['surge', 'replace'];

/** A probe, resolved. */
export interface ResolvedProbe {
  /** HTTP path. */
  readonly path: string;
  /** Seconds between probes. */
  readonly periodSeconds: number;
  /** Failures before acting. */
  readonly failureThreshold: number;
  /** Timeout of one probe. */
  readonly timeoutSeconds: number;
}

/** Every default resolved once; what the renderers read. */
export interface ResolvedInferenceService {
  /** Object name. */
  readonly name: string;
  /** Namespace, if any. */
  readonly namespace?: string;
  /** Container image. */
  readonly image: string;
  /** HTTP port. */
  readonly port: number;
  /** Metrics port (may equal port). */
  readonly metricsPort: number;
  /** Metrics path. */
  readonly metricsPath: string;
  /** Container command. */
  readonly command?: readonly string[];
  /** Container args. */
  readonly args?: readonly string[];
  /** Environment, sorted by name. */
  readonly env: readonly {
    /** Variable name. */
    readonly name: string;
    /** Variable value, verbatim. */
    readonly value: string;
  }[];
  /** Model. */
  readonly model: {
    /** Model identifier, recorded as the `inferscale.io/model` annotation; absent when not given. */
    readonly name?: string;
    /** Seconds from container start until the model is loaded and ready (1 to 3600). */
    readonly loadTimeSeconds: number;
  };
  /** GPU, if any. */
  readonly gpu?: {
    /** Whole GPUs (or time-sliced shares) per replica, 1 or more. */
    readonly count: number;
    /** Extended resource requested, e.g. `nvidia.com/gpu` or `nvidia.com/gpu.shared`. */
    readonly resourceName: string;
    /** GPU product required on the `nvidia.com/gpu.product` node label (e.g. `NVIDIA-A10G`); absent for any GPU. */
    readonly product?: string;
    /** Node labels the pods require, sorted by key: the GPU node labels plus the product label, if any. */
    readonly nodeSelector: Readonly<Record<string, string>>;
  };
  /** Requests and limits, including the GPU limit. */
  readonly resources: {
    /** Kubernetes quantities the scheduler reserves: `cpu` (cores), `memory` and `ephemeral-storage` (bytes), e.g. `"3"`, `"12Gi"` and `"24Gi"`. */
    readonly requests: Readonly<Record<string, string>>;
    /** Kubernetes quantities capping the container: `memory`, `cpu` when given, and the GPU resource (a count). */
    readonly limits: Readonly<Record<string, string>>;
  };
  /** `/dev/shm` size, if mounted. */
  readonly sharedMemorySize?: string;
  /** The model cache, unless turned off. */
  readonly modelCache?: ResolvedModelCache;
  /** Pod volumes and their mounts: `/dev/shm`, `/tmp`, the server's home, the model cache. */
  readonly volumes: readonly ServerVolume[];
  /** HPA bounds. */
  readonly minReplicas: number;
  /** HPA bounds. */
  readonly maxReplicas: number;
  /** Scheduled floors, when given. */
  readonly scheduledFloors?: ResolvedScheduledFloors;
  /** The catalogue entries, in the order given. */
  readonly metrics: readonly MetricDefinition[];
  /** Who scales the service: an HPA on the Prometheus Adapter, or a KEDA ScaledObject. */
  readonly autoscaler: Autoscaler;
  /** `spec.metrics` of the HPA. */
  readonly hpaMetrics: readonly HpaMetricSpec[];
  /** `spec.behavior` of the HPA. */
  readonly behavior: HpaBehavior;
  /** Which preset produced the behavior. */
  readonly behaviorPreset: string;
  /** Probes. */
  readonly probes: {
    /** Startup probe on the readiness path: the kubelet restarts the container if the model is not loaded within period × failure threshold seconds. */
    readonly startup: ResolvedProbe;
    /** Readiness probe: the pod gets traffic only while it answers. */
    readonly readiness: ResolvedProbe;
    /** Liveness probe: the kubelet restarts the container when it keeps failing. */
    readonly liveness: ResolvedProbe;
  };
  /** preStop sleep (0: none). */
  readonly preStopSleepSeconds: number;
  /** Pod termination grace period. */
  readonly terminationGracePeriodSeconds: number;
  /** PDB, if any. */
  readonly disruptionBudget?: {
    /** Pods that may be down at once during voluntary disruptions: a count, or a percent such as `"25%"`. */
    readonly maxUnavailable: number | string;
  };
  /** Security. */
  readonly security: Required<SecurityProps>;
  /** Topology spread on. */
  readonly topologySpread: boolean;
  /** How a rolling update replaces replicas. */
  readonly rollout: RolloutStrategy;
  /** Selector labels (stable: never change them on a live service). */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** Labels on every object and pod. */
  readonly labels: Readonly<Record<string, string>>;
  /** Pod annotations (scrape hints, model). */
  readonly podAnnotations: Readonly<Record<string, string>>;
}

/** Label every inferscale pod selector uses. */
export const SERVICE_LABEL = 'inferscale.io/service';
/**
 * What a service with a model-server preset scales on when it names no metrics: the engine's
 * saturation signals that need no latency SLO to set. One request waiting per pod (the queue
 * only grows once the batch or the KV cache is full), and KV-cache use at 0.8 where the engine
 * reports it (vLLM, SGLang): the share `deriveSaturationTargets`' default headroom holds of
 * a KV-bound replica. Give `metrics` (with a TTFT guard) to hold an SLO; derive the targets from
 * a serving profile with `deriveSaturationTargets`.
 */
export function defaultEngineMetrics(server: ModelServer): ScalingMetric[] {
  const metrics: ScalingMetric[] = [];
  if (server.seriesFor('waitingRequests')) metrics.push(ScalingMetric.waitingRequests({ targetPerPod: 1 }));
  if (server.seriesFor('kvCacheUsage')) metrics.push(ScalingMetric.kvCacheUsage({ targetRatio: 0.8 }));
  return metrics;
}

/** Default node label marking GPU nodes. */
export const GPU_PRESENT_LABEL = 'nvidia.com/gpu.present';
/** Node label holding the GPU product. */
export const GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';
/** Default GPU resource name. */
export const DEFAULT_GPU_RESOURCE = 'nvidia.com/gpu';

const EXTENDED_RESOURCE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/**
 * Resolves every default and validates everything before any output. Returns either the
 * resolved model or the complete list of problems (paths relative to the props).
 */
export function resolveInferenceService(
  props: InferenceServiceProps,
  defaultName: string,
): {
  /** The service with every default filled in; absent when there is any problem. */
  service?: ResolvedInferenceService;
  /** Every invalid or inconsistent prop, with its path relative to the props; empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const name = props.name ?? defaultName;
  problems.push(...checkDnsLabel('name', name));
  if (props.namespace !== undefined) problems.push(...checkDnsLabel('namespace', props.namespace));
  problems.push(...checkImage('image', props.image, 'vllm/vllm-openai:v0.11.0'));
  const server = props.modelServer;
  if (server !== undefined && !(server instanceof ModelServer)) {
    problems.push({ path: 'modelServer', message: `is ${show(server)}; expected a ModelServer: ModelServer.vllm(), .sglang(), .triton(), .tgi() or .tei()` });
  }
  const preset = server instanceof ModelServer ? server.spec : undefined;
  if (server instanceof ModelServer) problems.push(...prefixProblems('modelServer', server.problems));
  const port = props.port ?? preset?.port ?? 8000;
  // A preset's separate metrics port stays; else metrics follow the (possibly overridden) port.
  const metricsPort = props.metricsPort ?? (preset && preset.metricsPort !== preset.port ? preset.metricsPort : port);
  problems.push(...checkPort('port', port));
  // A default derived from an invalid value is not a second problem.
  if (props.metricsPort !== undefined) problems.push(...checkPort('metricsPort', metricsPort));
  const metricsPath = props.metricsPath ?? preset?.metricsPath ?? '/metrics';
  problems.push(...checkHttpPath('metricsPath', metricsPath));
  const userEnv = Object.keys(props.env ?? {}).sort().map((k) => ({ name: k, value: props.env![k] }));
  for (const e of userEnv) {
    if (!ENV_NAME.test(e.name)) problems.push({ path: `env[${show(e.name)}]`, message: 'is not a valid environment variable name: letters, digits, "_", "-" or ".", not starting with a digit' });
    if (typeof e.value !== 'string') problems.push({ path: `env[${show(e.name)}]`, message: `value is ${show(e.value)}; expected a string` });
  }
  problems.push(...checkLabels('labels', props.labels));
  const ownLabels = serviceLabels(name);
  for (const key of Object.keys(props.labels ?? {})) {
    if (Object.keys(ownLabels).includes(key)) {
      const role = key === SERVICE_LABEL ? 'the selector label every object of the service is found by' : 'a label the service sets on every object';
      problems.push({ path: `labels[${show(key)}]`, message: `is set by the service itself (${role}, here ${show(ownLabels[key])}); remove it` });
    }
  }

  // Model
  const loadTimeSeconds = props.model?.loadTimeSeconds ?? 300;
  problems.push(...checkInteger('model.loadTimeSeconds', loadTimeSeconds, { min: 1, max: 3600, unit: 'seconds', note: '(the longest scale-down window the HPA accepts)' }));
  const modelName = props.model?.name;
  if (modelName !== undefined && (typeof modelName !== 'string' || !modelName.trim())) {
    problems.push({ path: 'model.name', message: `is ${show(modelName)}; expected a non-empty string` });
  }
  const load = typeof loadTimeSeconds === 'number' && loadTimeSeconds > 0 ? loadTimeSeconds : 300;

  // GPU
  let gpu: ResolvedInferenceService['gpu'];
  if (props.gpu !== undefined) {
    const g = props.gpu;
    const resourceName = g.resourceName ?? DEFAULT_GPU_RESOURCE;
    if (typeof g.count !== 'number' || !Number.isInteger(g.count) || g.count < 1) {
      problems.push({ path: 'gpu.count', message: `is ${show(g.count)}; GPUs are whole devices: expected a whole number, 1 or more (use a time-sliced resource such as "nvidia.com/gpu.shared" to share one)` });
    }
    if (typeof resourceName !== 'string' || !EXTENDED_RESOURCE.test(resourceName) || resourceName.startsWith('kubernetes.io/')) {
      problems.push({ path: 'gpu.resourceName', message: `is ${show(resourceName)}; expected an extended resource name such as "nvidia.com/gpu" or "nvidia.com/gpu.shared"` });
    }
    if (g.product !== undefined && (typeof g.product !== 'string' || !g.product || !isLabelValue(g.product))) {
      problems.push({ path: 'gpu.product', message: `is ${show(g.product)}; expected a node label value such as "NVIDIA-A10G"` });
    }
    const nodeSelector = { ...(g.nodeSelector ?? { [GPU_PRESENT_LABEL]: 'true' }), ...(g.product ? { [GPU_PRODUCT_LABEL]: g.product } : {}) };
    problems.push(...checkLabels('gpu.nodeSelector', g.nodeSelector));
    gpu = { count: g.count, resourceName, ...(g.product ? { product: g.product } : {}), nodeSelector: sortKeys(nodeSelector) };
  }

  // Resources
  const resolvedResources = resolveResources('resources', props.resources,
    gpu ? { cpu: { request: '3' }, memory: { request: '12Gi' } } : { cpu: { request: '1' }, memory: { request: '2Gi' } },
    { limitFromRequest: ['memory'] });
  problems.push(...resolvedResources.problems);
  const requests: Record<string, string> = { ...resolvedResources.resources.requests };
  const limits: Record<string, string> = { ...resolvedResources.resources.limits };
  if (gpu && Number.isInteger(gpu.count) && gpu.count >= 1) limits[gpu.resourceName] = String(gpu.count);
  const sharedMemorySize = props.sharedMemorySize ?? (gpu ? '2Gi' : undefined);
  if (sharedMemorySize !== undefined) problems.push(...checkQuantity('sharedMemorySize', sharedMemorySize).problems);

  // Model cache, and what the server needs to run as a UID without a passwd entry.
  let modelCache: ResolvedModelCache | undefined;
  if (props.modelCache !== false) {
    const choice = props.modelCache ?? ModelCache.emptyDir();
    if (!(choice instanceof ModelCache)) {
      problems.push({ path: 'modelCache', message: `is ${show(choice)}; expected false or a ModelCache: ModelCache.emptyDir({ sizeLimit }), ModelCache.persistentVolumeClaim({ claimName }) or ModelCache.hostPath({ path })` });
    } else {
      const r = choice.resolve('modelCache', defaultModelCacheSize(typeof modelName === 'string' ? modelName : undefined, props.gpu !== undefined));
      problems.push(...r.problems);
      modelCache = r.cache;
    }
  }
  const runtime = serverRuntime(modelCache, sharedMemorySize);
  requests['ephemeral-storage'] = runtime.ephemeralStorage;
  // The user's variables win over the runtime's.
  const given = new Set(userEnv.map((e) => e.name));
  const env = [...userEnv, ...Object.entries(runtime.env).filter(([k]) => !given.has(k)).map(([name, value]) => ({ name, value }))]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  // Replicas
  const minReplicas = props.minReplicas ?? 1;
  const maxReplicas = props.maxReplicas;
  const minOk = isInteger(minReplicas, { min: 0 });
  if (!minOk) problems.push(...checkInteger('minReplicas', minReplicas, { min: 1, note: '(0 only with scaleToZero)' }));
  const maxProblems = checkInteger('maxReplicas', maxReplicas, { min: 1 });
  problems.push(...maxProblems);
  if (minOk && maxProblems.length === 0 && minReplicas > maxReplicas) {
    problems.push({ path: 'maxReplicas', message: `is ${maxReplicas}, below minReplicas (${minReplicas}); expected maxReplicas >= minReplicas` });
  }
  let scheduledFloors: ResolvedScheduledFloors | undefined;
  if (props.scheduledFloors !== undefined && minOk && maxProblems.length === 0) {
    const r = resolveScheduledFloors(props.scheduledFloors, minReplicas, maxReplicas);
    problems.push(...prefixProblems('scheduledFloors', r.problems));
    scheduledFloors = r.spec;
  }

  // Metrics
  const metricProps = props.metrics
    ?? (server instanceof ModelServer ? defaultEngineMetrics(server) : [gpu ? ScalingMetric.gpuUtilization({ targetPercent: 70 }) : ScalingMetric.cpuUtilization(70)]);
  if (metricProps.length === 0) problems.push({ path: 'metrics', message: 'is empty; give at least one metric to scale on' });
  const metrics: MetricDefinition[] = [];
  const seen = new Map<string, number>();
  metricProps.forEach((given, i) => {
    const at = `metrics[${i}] (${given.kind})`;
    const m = server instanceof ModelServer && given instanceof ScalingMetric ? given.forServer(server) : given;
    problems.push(...prefixProblems(at, m.problems));
    if (!m.definition) return;
    if (m.definition.missing.atZeroTraffic === 'missing') {
      problems.push({ path: at, message: `can vanish while the service serves nothing (${m.definition.missing.description}): the HPA would find it missing on every idle pod and never scale down, and KEDA would count the empty answer as an error and hold its fallback (or, with ignoreNullValues, read 0 and cut replicas at peak). Give the query an idle value (0 when idle) or scale on another metric` });
      return;
    }
    const id = metricIdentity(m.definition.hpa);
    const first = seen.get(id);
    if (first !== undefined) {
      problems.push({ path: at, message: `duplicates metrics[${first}] (${id}); the HPA would read the same metric twice. Keep one` });
      return;
    }
    seen.set(id, i);
    if (!gpu && m.definition.requires.includes('dcgmExporter')) {
      problems.push({ path: at, message: 'reads GPU telemetry, but the service asks for no GPUs (gpu is not set): the DCGM exporter reports nothing for its pods, so the HPA would show <unknown> for this metric forever. Add gpu, or scale on another metric' });
    }
    metrics.push(m.definition);
  });

  const autoscaler = props.autoscaler ?? 'adapter';
  if (!AUTOSCALERS.includes(autoscaler)) problems.push({ path: 'autoscaler', message: `is ${show(autoscaler)}; expected "adapter" or "keda"` });
  if (minReplicas === 0 && autoscaler === 'keda') {
    if (!metrics.some(existsAtZero)) problems.push(KEDA_ZERO_WITHOUT_WAKER);
  } else if (minReplicas === 0) {
    const hasObjectOrExternal = metrics.some((m) => m.hpa.type === 'Object' || m.hpa.type === 'External');
    if (!props.scaleToZero) {
      problems.push({ path: 'minReplicas', message: 'is 0, which the API server accepts only with the alpha HPAScaleToZero feature gate; set scaleToZero: true to confirm the cluster has it, or use 1 or more' });
    } else if (!hasObjectOrExternal) {
      problems.push({ path: 'minReplicas', message: 'is 0, but scaling from zero needs an Object or External metric (pods that do not exist report no Pods metrics); add one such as ScalingMetric.externalQueue' });
    }
  }

  // Behavior
  const behaviorChoice = props.behavior ?? ScalingBehavior.burst();
  const behavior = behaviorChoice.resolve(load);
  problems.push(...checkBehavior('behavior', behavior, load));

  // Probes
  const pr = props.probes ?? {};
  const readinessPath = pr.readinessPath ?? preset?.readinessPath ?? '/health';
  const livenessPath = pr.livenessPath ?? (pr.readinessPath === undefined ? preset?.livenessPath : undefined) ?? readinessPath;
  problems.push(...checkHttpPath('probes.readinessPath', readinessPath));
  if (pr.livenessPath !== undefined) problems.push(...checkHttpPath('probes.livenessPath', livenessPath));
  const timeoutSeconds = checkPositiveInt(problems, 'probes.timeoutSeconds', pr.timeoutSeconds ?? 5);
  const startupPeriod = checkPositiveInt(problems, 'probes.startupPeriodSeconds', pr.startupPeriodSeconds ?? 10);
  const startupFailureThreshold = checkPositiveInt(problems, 'probes.startupFailureThreshold', pr.startupFailureThreshold ?? Math.ceil((1.5 * load) / startupPeriod));
  if (startupPeriod * startupFailureThreshold < load) {
    problems.push({
      path: 'probes.startupFailureThreshold',
      message: `is ${startupFailureThreshold}: ${startupFailureThreshold} × ${startupPeriod} s = ${startupPeriod * startupFailureThreshold} s, so the kubelet would kill the container before its model loads (model.loadTimeSeconds ${load}); use at least ${Math.ceil(load / startupPeriod)}, or leave it unset for 1.5 × the load time`,
    });
  }
  const readinessPeriod = checkPositiveInt(problems, 'probes.readinessPeriodSeconds', pr.readinessPeriodSeconds ?? 5);
  const livenessPeriod = checkPositiveInt(problems, 'probes.livenessPeriodSeconds', pr.livenessPeriodSeconds ?? 10);
  const livenessFailureThreshold = checkPositiveInt(problems, 'probes.livenessFailureThreshold', pr.livenessFailureThreshold ?? 6);

  // Shutdown
  const preStopSleepSeconds = props.shutdown?.preStopSleepSeconds ?? 10;
  const drainSeconds = props.shutdown?.drainSeconds ?? 60;
  problems.push(...checkInteger('shutdown.preStopSleepSeconds', preStopSleepSeconds, { min: 0, max: 300, unit: 'seconds' }));
  problems.push(...checkInteger('shutdown.drainSeconds', drainSeconds, { min: 0, unit: 'seconds' }));

  // Disruption budget
  let disruptionBudget: ResolvedInferenceService['disruptionBudget'];
  if (props.disruptionBudget !== false) {
    const maxUnavailable = props.disruptionBudget?.maxUnavailable ?? 1;
    const okNumber = isInteger(maxUnavailable, { min: 0 });
    const okPercent = typeof maxUnavailable === 'string' && /^(100|[1-9]?[0-9])%$/.test(maxUnavailable);
    if (!okNumber && !okPercent) {
      problems.push({ path: 'disruptionBudget.maxUnavailable', message: `is ${show(maxUnavailable)}; expected a whole number (0 or more) or a percent such as "25%"` });
    }
    disruptionBudget = { maxUnavailable };
  }

  // Rollout
  const rollout = props.rollout ?? 'surge';
  if (!ROLLOUT_STRATEGIES.includes(rollout)) {
    problems.push({ path: 'rollout', message: `is ${show(rollout)}; expected ${ROLLOUT_STRATEGIES.map((r) => `"${r}"`).join(' or ')}` });
  }

  // Security
  const sec = props.security ?? {};
  const security: Required<SecurityProps> = {
    runAsUser: sec.runAsUser ?? 1000,
    runAsGroup: sec.runAsGroup ?? 1000,
    fsGroup: sec.fsGroup ?? 1000,
    readOnlyRootFilesystem: sec.readOnlyRootFilesystem ?? false,
  };
  if (!Number.isInteger(security.runAsUser) || security.runAsUser < 1) {
    problems.push({ path: 'security.runAsUser', message: `is ${show(security.runAsUser)}; Pod Security "restricted" needs a non-root UID: a whole number, 1 or more` });
  }
  for (const field of ['runAsGroup', 'fsGroup'] as const) {
    if (!Number.isInteger(security[field]) || security[field] < 0) problems.push({ path: `security.${field}`, message: `is ${show(security[field])}; expected a whole number, 0 or more` });
  }

  if (problems.length > 0) return { problems };

  const selectorLabels = { [SERVICE_LABEL]: name };
  const labels = sortKeys({ ...(props.labels ?? {}), ...ownLabels });
  const podAnnotations = sortKeys({
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': String(metricsPort),
    'prometheus.io/path': metricsPath,
    ...(modelName ? { 'inferscale.io/model': modelName } : {}),
    // Read back by `inferscale simulate` when it replays synthesized YAML.
    'inferscale.io/model-load-seconds': String(load),
  });
  const probe = (path: string, periodSeconds: number, failureThreshold: number): ResolvedProbe => ({ path, periodSeconds, failureThreshold, timeoutSeconds });

  return {
    problems: [],
    service: {
      name,
      ...(props.namespace !== undefined ? { namespace: props.namespace } : {}),
      image: props.image,
      port,
      metricsPort,
      metricsPath,
      ...(props.command ? { command: [...props.command] } : {}),
      ...(props.args ? { args: [...props.args] } : {}),
      env,
      model: { ...(modelName ? { name: modelName } : {}), loadTimeSeconds: load },
      ...(gpu ? { gpu } : {}),
      resources: { requests: sortKeys(requests), limits: sortKeys(limits) },
      ...(sharedMemorySize ? { sharedMemorySize } : {}),
      ...(modelCache ? { modelCache } : {}),
      volumes: runtime.volumes,
      minReplicas,
      maxReplicas,
      ...(scheduledFloors ? { scheduledFloors } : {}),
      metrics,
      autoscaler,
      hpaMetrics: metrics.map((m) => m.hpa),
      behavior,
      behaviorPreset: behaviorChoice.preset,
      probes: {
        startup: probe(readinessPath, startupPeriod, startupFailureThreshold),
        readiness: probe(readinessPath, readinessPeriod, 3),
        liveness: probe(livenessPath, livenessPeriod, livenessFailureThreshold),
      },
      preStopSleepSeconds,
      terminationGracePeriodSeconds: preStopSleepSeconds + drainSeconds,
      ...(disruptionBudget ? { disruptionBudget } : {}),
      security,
      topologySpread: props.topologySpread ?? true,
      rollout,
      selectorLabels,
      labels,
      podAnnotations,
    },
  };
}

/** The labels a service sets on every object itself; user labels may not override them. */
function serviceLabels(name: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/component': 'inference',
    'app.kubernetes.io/managed-by': 'inferscale',
    [SERVICE_LABEL]: name,
  };
}

function checkPositiveInt(problems: Problem[], path: string, value: unknown): number {
  const found = checkInteger(path, value, { min: 1 });
  problems.push(...found);
  return found.length === 0 ? (value as number) : 1;
}
