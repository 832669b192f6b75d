/**
 * The scaling configuration the simulator replays: the HPA spec plus the Deployment facts that
 * decide how fast capacity arrives, read from a resolved service or from manifests.
 * @module
 */
import { parseAllDocuments } from 'yaml';
import { ScalingBehavior } from '../behavior';
import * as hpa from '../hpa';
import type { HpaMetricSpec, HpaMetricTarget } from '../hpa-spec';
import type { ResolvedInferenceService } from '../inference-service';
import { parseQuantity } from '../quantity';
import { KEDA_FALLBACK_BEHAVIORS, KedaFallbackBehavior, resolveScaledObject } from '../platform/keda';
import { EXPOSED_SERIES } from './engine-metrics';
import { inferscaleKeda, KEDA_UPSTREAM_DEFAULTS, SimulatedKeda, SimulatedKedaTrigger } from './keda';

/**
 * What a metric measures, as far as the simulator is concerned. Each signal is computed from the
 * simulated pods the way Prometheus, the adapter or metrics-server would compute it.
 */
export type MetricSignal =
  /** `rate(requests_total[w])` per pod. */
  | 'requestsPerSecond'
  /** DCGM GPU utilization (percent) per pod. */
  | 'gpuUtilization'
  /** Latency quantile from histogram buckets, or the mean, per pod (seconds). */
  | 'latency'
  /** Requests being processed per pod (gauge). */
  | 'inFlightRequests'
  /** Requests waiting per pod (gauge). */
  | 'queueDepth'
  /** Failed / all requests per pod over the rate window. */
  | 'errorRate'
  /** metrics-server CPU usage against the CPU request. */
  | 'cpuUtilization'
  /** metrics-server memory working set against the memory request. */
  | 'memoryUtilization'
  /** An external queue length (External metric): the service's total waiting requests. */
  | 'externalQueue'
  /** An Object metric carrying the request rate through the described object (an Ingress). */
  | 'objectRequestRate';

/** One HPA metric, with the target as the controller reads it. */
export interface SimulatedMetric {
  /** Metric name (`spec.metrics[].pods.metric.name`, or the resource name). */
  readonly name: string;
  /** HPA metric source type. */
  readonly type: 'Resource' | 'Pods' | 'Object' | 'External';
  /** What the simulator computes for it. */
  readonly signal: MetricSignal;
  /** Target type. */
  readonly targetType: 'Utilization' | 'AverageValue' | 'Value';
  /** Target percent (Utilization) or milli-units (AverageValue, Value), as the controller uses it. */
  readonly target: number;
  /** `rate()` window of rate-based signals, seconds. */
  readonly rateWindowSeconds: number;
  /** Latency signals: quantile in (0, 1), or `mean`. */
  readonly quantile?: number | 'mean';
  /** Factor applied to a gauge's reading (a running batch as a share of max sequences). @default 1 */
  readonly valueScale?: number;
  /**
   * The series the metric is computed from, as the pod exposes it (`vllm:e2e_request_latency_seconds`,
   * `DCGM_FI_DEV_GPU_UTIL`); absent for CPU, memory and service-wide metrics.
   */
  readonly series?: string;
}

/** A metric the simulator cannot compute, left out of the simulated HPA. */
export interface SkippedMetric {
  /** Metric name. */
  readonly name: string;
  /** Why it was left out. */
  readonly reason: string;
}

/** Where the model load time came from. */
export type LoadTimeSource = 'service' | 'annotation' | 'startupProbe' | 'readinessProbe' | 'default' | 'option';

/**
 * Everything the simulator needs to know about one autoscaled service. Build it with
 * {@link serviceFromResolved}, {@link serviceFromManifests} or {@link servicesFromYaml}.
 */
export interface SimulatedService {
  /** Service (HPA) name. */
  readonly name: string;
  /** Namespace, if known. */
  readonly namespace?: string;
  /** `spec.minReplicas`. */
  readonly minReplicas: number;
  /** `spec.maxReplicas`. */
  readonly maxReplicas: number;
  /**
   * `spec.behavior` after API defaulting, or `null` (the controller's legacy path). A scaleDown
   * window left unset is `null` and takes the controller flag (300 s).
   */
  readonly behavior: hpa.HpaBehavior | null;
  /** Label for reports: the preset name, `manifest`, or `legacy`. */
  readonly behaviorName: string;
  /** Metrics the simulated HPA scales on, in spec order. */
  readonly metrics: readonly SimulatedMetric[];
  /** Metrics of the spec the simulator cannot compute. */
  readonly skippedMetrics: readonly SkippedMetric[];
  /** GPUs (or time-sliced shares) per pod; 0 for a CPU-only service. */
  readonly gpusPerPod: number;
  /** CPU request per pod, millicores (sum over containers). */
  readonly cpuRequestMilli: number;
  /** Memory request per pod, bytes (0 when unset). */
  readonly memoryRequestBytes: number;
  /** Seconds from container start until the model is loaded. */
  readonly modelLoadSeconds: number;
  /** Where {@link modelLoadSeconds} came from. */
  readonly modelLoadSource: LoadTimeSource;
  /** Startup probe (or readiness probe when there is none): when the kubelet first sees the pod ready. */
  readonly startupProbe: {
    /** Seconds from container start to the first probe. */
    readonly initialDelaySeconds: number;
    /** Seconds between probes. */
    readonly periodSeconds: number;
    /**
     * Failed probes after which the kubelet restarts the container; `Number.MAX_SAFE_INTEGER`
     * without a startup probe (nothing restarts a pod that is slow to become ready).
     */
    readonly failureThreshold: number;
  };
  /** preStop sleep, seconds. */
  readonly preStopSleepSeconds: number;
  /** `terminationGracePeriodSeconds`. */
  readonly terminationGracePeriodSeconds: number;
  /**
   * The ScaledObject's settings when KEDA scales the service (then `minReplicas` may be 0, and
   * the HPA KEDA creates has max(1, minReplicas)); absent on the Prometheus Adapter path.
   */
  readonly keda?: SimulatedKeda;
}

/** A manifest the simulator cannot use; the message names the file and the object. */
export class ManifestError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/** Default `rate()` window when a metric name carries none (the catalogue's default). */
const DEFAULT_WINDOW = 60;

/**
 * The simulated service of a resolved inference service (`resolveInferenceService(...).service`,
 * or `AIInferenceService.spec`): exact load time, probes, requests and metrics.
 */
export function serviceFromResolved(service: ResolvedInferenceService, scaledObject?: unknown): SimulatedService {
  const metrics: SimulatedMetric[] = [];
  const skipped: SkippedMetric[] = [];
  /** For each simulated metric, the index of its definition (and of its KEDA trigger). */
  const kept: number[] = [];
  for (const [index, def] of service.metrics.entries()) {
    const quantileMatch = def.adapterRule ? /histogram_quantile\(([0-9.]+)/.exec(def.adapterRule.metricsQuery) : null;
    const signal = signalOfKind(def.kind, def.hpa);
    const name = metricName(def.hpa);
    if (signal === undefined) {
      skipped.push({ name, reason: `the simulator has no model for ${def.kind} metrics` });
      continue;
    }
    const m = simulatedMetric(def.hpa, signal, def.rateWindowSeconds ?? windowFromName(name));
    if (m === undefined) {
      skipped.push({ name, reason: 'its target has no value' });
      continue;
    }
    const series = needsSeries(signal) ? def.series[0]?.name : undefined;
    if (needsSeries(signal) && (series === undefined || !EXPOSED_SERIES.has(series))) {
      skipped.push({ name, reason: `the simulated pod exposes no series ${series ?? '(none named)'}; it exposes ${[...EXPOSED_SERIES.keys()].join(', ')}` });
      continue;
    }
    const share = /_share_of_(\d+)$/.exec(name);
    const withSeries = { ...m, ...(series !== undefined ? { series } : {}), ...(share ? { valueScale: 1 / Number(share[1]) } : {}) };
    metrics.push(signal === 'latency' ? { ...withSeries, quantile: quantileMatch ? Number(quantileMatch[1]) : quantileFromName(name) } : withSeries);
    kept.push(index);
  }
  const gpu = service.gpu?.count ?? 0;
  const cpu = parseQuantity(service.resources.requests.cpu ?? '0') ?? 0;
  const memory = parseQuantity(service.resources.requests.memory ?? '0') ?? 0;
  return withDerived({
    name: service.name,
    ...(service.namespace !== undefined ? { namespace: service.namespace } : {}),
    minReplicas: service.minReplicas,
    maxReplicas: service.maxReplicas,
    behavior: copyBehavior(service.behavior),
    behaviorName: service.behaviorPreset,
    metrics,
    skippedMetrics: skipped,
    gpusPerPod: gpu,
    cpuRequestMilli: Math.round(cpu * 1000),
    memoryRequestBytes: memory,
    modelLoadSeconds: service.model.loadTimeSeconds,
    modelLoadSource: 'service',
    startupProbe: { initialDelaySeconds: 0, periodSeconds: service.probes.startup.periodSeconds, failureThreshold: service.probes.startup.failureThreshold },
    preStopSleepSeconds: service.preStopSleepSeconds,
    terminationGracePeriodSeconds: service.terminationGracePeriodSeconds,
    ...(service.autoscaler === 'keda' ? { keda: kedaOfResolved(service, metrics, kept, scaledObject) } : {}),
  });
}

/**
 * KEDA's settings of a resolved service: from its ScaledObject spec when given (the platform's
 * polling, cooldown and fallback), else from the ScaledObject inferscale renders with default
 * options.
 */
function kedaOfResolved(service: ResolvedInferenceService, metrics: readonly SimulatedMetric[], kept: readonly number[], scaledObject: unknown): SimulatedKeda {
  const spec = scaledObject ?? resolveScaledObject(service, { prometheusUrl: 'http://prometheus:9090' }).spec?.spec;
  if (spec === undefined) return inferscaleKeda({ metrics, minReplicas: service.minReplicas, maxReplicas: service.maxReplicas });
  const s = asRecord(spec);
  const triggers = Array.isArray(s.triggers) ? (s.triggers as unknown[]) : [];
  return kedaSettings(s, kept.map((i) => kedaTrigger(asRecord(triggers[i]))));
}

/** A trigger's type, activation and null policy as KEDA parses them (strings, with its defaults). */
function kedaTrigger(trigger: Record<string, unknown>): SimulatedKedaTrigger {
  const metadata = asRecord(trigger.metadata);
  const type = String(trigger.type ?? '');
  const metricType = type === 'cpu' || type === 'memory' ? 'Utilization' : trigger.metricType === 'Value' ? 'Value' : 'AverageValue';
  const activation = Number(metadata.activationThreshold ?? KEDA_UPSTREAM_DEFAULTS.activationThreshold);
  // Go's strconv.ParseBool, which KEDA uses for the flag.
  const ignore = metadata.ignoreNullValues === undefined ? KEDA_UPSTREAM_DEFAULTS.ignoreNullValues : ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(String(metadata.ignoreNullValues));
  return { metricType, activationThreshold: Number.isFinite(activation) ? activation : 0, ignoreNullValues: ignore };
}

/** Polling, cooldown and fallback of a ScaledObject spec, with KEDA's defaults for what it leaves out. */
function kedaSettings(spec: Record<string, unknown>, triggers: readonly SimulatedKedaTrigger[]): SimulatedKeda {
  const whole = (v: unknown, d: number): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : d);
  const fallback = asRecord(spec.fallback);
  const hasFallback = spec.fallback !== undefined && spec.fallback !== null && typeof fallback.replicas === 'number';
  return {
    pollingIntervalSeconds: Math.max(1, whole(spec.pollingInterval, KEDA_UPSTREAM_DEFAULTS.pollingIntervalSeconds)),
    cooldownPeriodSeconds: whole(spec.cooldownPeriod, KEDA_UPSTREAM_DEFAULTS.cooldownPeriodSeconds),
    ...(hasFallback ? { fallback: {
      failureThreshold: whole(fallback.failureThreshold, 3),
      replicas: whole(fallback.replicas, 0),
      ...((KEDA_FALLBACK_BEHAVIORS as readonly unknown[]).includes(fallback.behavior) && fallback.behavior !== 'static' ? { behavior: fallback.behavior as KedaFallbackBehavior } : {}),
    } } : {}),
    triggers,
  };
}

/** Pod template annotation that states the model load time in seconds, when a manifest carries it. */
export const MODEL_LOAD_ANNOTATION = 'inferscale.io/model-load-seconds';

/**
 * The simulated service of an autoscaling/v2 HorizontalPodAutoscaler and the Deployment (or
 * StatefulSet) it scales, as plain objects (synthesized JSON or parsed YAML).
 *
 * The model load time is read, in order, from the pod annotation
 * `inferscale.io/model-load-seconds`; from the startup probe budget divided by 1.5 (inferscale
 * sizes the budget as 1.5 × load time); from the readiness probe's initial delay; else 60 s.
 * {@link SimulatedService.modelLoadSource} says which; override it with the simulation options.
 *
 * @param source name for error messages (a file name).
 * @throws ManifestError naming the object and field.
 */
export function serviceFromManifests(hpaObject: unknown, workload: unknown, source = 'manifest'): SimulatedService {
  const h = asRecord(hpaObject);
  const hpaName = String(asRecord(h.metadata).name ?? '?');
  const at = `${source}: HorizontalPodAutoscaler/${hpaName}`;
  if (h.kind !== 'HorizontalPodAutoscaler') throw new ManifestError(`${source}: ${String(h.kind ?? 'object')}/${hpaName} is not a HorizontalPodAutoscaler`);
  if (h.apiVersion !== 'autoscaling/v2') {
    throw new ManifestError(`${at} is ${String(h.apiVersion)}; the simulator reads autoscaling/v2 (metrics and behavior)`);
  }
  const spec = asRecord(h.spec);
  const minReplicas = spec.minReplicas === undefined ? 1 : spec.minReplicas;
  const maxReplicas = spec.maxReplicas;
  if (typeof maxReplicas !== 'number' || !Number.isInteger(maxReplicas) || maxReplicas < 1) {
    throw new ManifestError(`${at}: spec.maxReplicas is ${JSON.stringify(maxReplicas)}; expected a whole number, 1 or more`);
  }
  if (typeof minReplicas !== 'number' || !Number.isInteger(minReplicas) || minReplicas < 1 || minReplicas > maxReplicas) {
    throw new ManifestError(`${at}: spec.minReplicas is ${JSON.stringify(minReplicas)}; expected a whole number from 1 to maxReplicas (${maxReplicas})`);
  }
  const specMetrics = Array.isArray(spec.metrics) && spec.metrics.length > 0
    ? (spec.metrics as HpaMetricSpec[])
    : [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } } as HpaMetricSpec];
  const metrics: SimulatedMetric[] = [];
  const skipped: SkippedMetric[] = [];
  specMetrics.forEach((m, i) => {
    if (m === null || typeof m !== 'object' || !['Resource', 'Pods', 'Object', 'External', 'ContainerResource'].includes(m.type)) {
      throw new ManifestError(`${at}: spec.metrics[${i}].type is ${JSON.stringify((m as { type?: unknown })?.type)}; expected Resource, Pods, Object or External`);
    }
    const name = metricName(m);
    const signal = signalOfName(m);
    if (signal === undefined) {
      skipped.push({ name, reason: `the simulator cannot tell what ${m.type} metric "${name}" measures` });
      return;
    }
    const sm = simulatedMetric(m, signal, windowFromName(name));
    if (sm === undefined) throw new ManifestError(`${at}: spec.metrics[${i}] (${name}) has no usable target value`);
    const series = needsSeries(signal) ? seriesOfMetricName(name, signal) : undefined;
    if (needsSeries(signal) && series === undefined) {
      skipped.push({ name, reason: `no series the simulated pod exposes is named like ${name}` });
      return;
    }
    const withSeries = series !== undefined ? { ...sm, series } : sm;
    metrics.push(signal === 'latency' ? { ...withSeries, quantile: quantileFromName(name) } : withSeries);
  });
  let behavior: hpa.HpaBehavior | null = null;
  if (spec.behavior !== undefined && spec.behavior !== null) {
    const b = asRecord(spec.behavior);
    behavior = hpa.applyBehaviorDefaults({ scaleUp: b.scaleUp as hpa.HpaScalingRulesInput | undefined, scaleDown: b.scaleDown as hpa.HpaScalingRulesInput | undefined });
  }

  const meta = asRecord(h.metadata);
  const pod = workloadFacts(workload, source);
  return withDerived({
    name: hpaName,
    ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
    minReplicas,
    maxReplicas,
    behavior,
    behaviorName: behavior === null ? 'legacy' : presetNameOf(behavior, pod.modelLoadSeconds) ?? 'manifest',
    metrics,
    skippedMetrics: skipped,
    ...pod,
  });
}

/** The Deployment facts that decide how fast capacity arrives. */
type WorkloadFacts = Pick<SimulatedService, 'gpusPerPod' | 'cpuRequestMilli' | 'memoryRequestBytes' | 'modelLoadSeconds' | 'modelLoadSource' | 'startupProbe' | 'preStopSleepSeconds' | 'terminationGracePeriodSeconds'>;

/** GPUs, requests, probes, load time and shutdown of the workload an autoscaler scales. */
function workloadFacts(workload: unknown, source: string): WorkloadFacts {
  const w = asRecord(workload);
  const wAt = `${source}: ${String(w.kind)}/${String(asRecord(w.metadata).name ?? '?')}`;
  const podSpec = asRecord(asRecord(asRecord(w.spec).template).spec);
  const podMeta = asRecord(asRecord(asRecord(w.spec).template).metadata);
  const containers = Array.isArray(podSpec.containers) ? (podSpec.containers as Record<string, unknown>[]) : [];
  if (containers.length === 0) throw new ManifestError(`${wAt}: spec.template.spec.containers is empty; expected the inference container`);
  let gpus = 0;
  let cpu = 0;
  let memory = 0;
  let startup: Record<string, unknown> | undefined;
  let readiness: Record<string, unknown> | undefined;
  let preStop = 0;
  for (const c of containers) {
    const res = asRecord(c.resources);
    const requests = asRecord(res.requests);
    const limits = asRecord(res.limits);
    for (const [k, v] of Object.entries({ ...requests, ...limits })) {
      if (/(^|\/)gpu(\.|$)/.test(k)) gpus += Number(parseQuantity(String(v)) ?? 0);
    }
    cpu += parseQuantity(String(requests.cpu ?? limits.cpu ?? '0')) ?? 0;
    memory += parseQuantity(String(requests.memory ?? limits.memory ?? '0')) ?? 0;
    startup ??= c.startupProbe as Record<string, unknown> | undefined;
    readiness ??= c.readinessProbe as Record<string, unknown> | undefined;
    const sleep = Number(asRecord(asRecord(asRecord(c.lifecycle).preStop).sleep).seconds ?? 0);
    if (sleep > preStop) preStop = sleep;
  }
  const probe = startup ?? readiness;
  const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
  const startupProbe = {
    initialDelaySeconds: num(probe?.initialDelaySeconds, 0),
    periodSeconds: num(probe?.periodSeconds, 10),
    failureThreshold: startup ? num(startup.failureThreshold, 3) : Number.MAX_SAFE_INTEGER,
  };
  const annotation = asRecord(podMeta.annotations)[MODEL_LOAD_ANNOTATION];
  let load: number;
  let loadSource: LoadTimeSource;
  if (annotation !== undefined && Number(annotation) > 0) {
    load = Number(annotation);
    loadSource = 'annotation';
  } else if (startup) {
    load = Math.max(1, Math.round((startupProbe.initialDelaySeconds + startupProbe.periodSeconds * startupProbe.failureThreshold) / 1.5));
    loadSource = 'startupProbe';
  } else if (readiness && num(readiness.initialDelaySeconds, 0) > 0) {
    load = num(readiness.initialDelaySeconds, 0);
    loadSource = 'readinessProbe';
  } else {
    load = 60;
    loadSource = 'default';
  }
  return {
    gpusPerPod: gpus,
    cpuRequestMilli: Math.round(cpu * 1000),
    memoryRequestBytes: memory,
    modelLoadSeconds: load,
    modelLoadSource: loadSource,
    startupProbe,
    preStopSleepSeconds: preStop,
    terminationGracePeriodSeconds: num(podSpec.terminationGracePeriodSeconds, 30),
  };
}

/**
 * Every autoscaling/v2 HPA in a list of manifest objects, each with the workload it scales.
 *
 * @throws ManifestError when there is no HPA, an HPA is not autoscaling/v2, or its target is missing.
 */
export function servicesFromManifests(objects: readonly unknown[], source = 'manifest'): SimulatedService[] {
  const records = objects.filter((o) => o !== null && typeof o === 'object').map((o) => o as Record<string, unknown>);
  const hpas = records.filter((o) => o.kind === 'HorizontalPodAutoscaler');
  const scaledObjects = records.filter((o) => o.kind === 'ScaledObject');
  if (hpas.length === 0 && scaledObjects.length === 0) {
    // What was there instead: Kubernetes objects by kind and name, and how many values had no kind.
    const kinds = records.filter((o) => typeof o.kind === 'string').map((o) => {
      const name = asRecord(o.metadata).name;
      return name === undefined ? `${String(o.kind)} without a name` : `${String(o.kind)}/${String(name)}`;
    });
    const others = objects.length - kinds.length;
    const found = [
      ...kinds.slice(0, 5),
      ...(kinds.length > 5 ? ['...'] : []),
      ...(others > 0 ? [others === 1 ? 'a YAML value without a kind' : `${others} YAML values without a kind`] : []),
    ];
    throw new ManifestError(`${source}: ${found.length ? `no HorizontalPodAutoscaler or ScaledObject found (found ${found.join(', ')})` : 'no Kubernetes objects found'}; expected an autoscaling/v2 HPA (or a KEDA ScaledObject) and the Deployment it scales`);
  }
  const targetOf = (o: Record<string, unknown>, kind: string): Record<string, unknown> => {
    const meta = asRecord(o.metadata);
    const ref = asRecord(asRecord(o.spec).scaleTargetRef);
    // KEDA's scaleTargetRef defaults to kind Deployment.
    const refKind = ref.kind ?? (kind === 'ScaledObject' ? 'Deployment' : undefined);
    const target = records.find((w) => w.kind === refKind && asRecord(w.metadata).name === ref.name
      && (asRecord(w.metadata).namespace ?? meta.namespace) === meta.namespace && ['Deployment', 'StatefulSet', 'ReplicaSet'].includes(String(w.kind)));
    if (!target) {
      throw new ManifestError(`${source}: ${kind}/${String(meta.name)} scales ${String(refKind)}/${String(ref.name)}, which is not in the manifest; include the Deployment`);
    }
    return target;
  };
  return [
    ...hpas.map((h) => (h.apiVersion !== 'autoscaling/v2' ? serviceFromManifests(h, undefined, source) : serviceFromManifests(h, targetOf(h, 'HorizontalPodAutoscaler'), source))),
    ...scaledObjects.map((so) => serviceFromScaledObject(so, targetOf(so, 'ScaledObject'), source)),
  ];
}

/**
 * The simulated service of a KEDA ScaledObject (keda.sh/v1alpha1) and the Deployment it scales:
 * the HPA KEDA would create (`minReplicas` max(1, minReplicaCount), the behavior from
 * `advanced.horizontalPodAutoscalerConfig`), one metric per trigger, and KEDA's own settings.
 *
 * What a `prometheus` trigger measures is read from its query: a query over the Deployment's pods
 * (`pod=~...`) of a series the simulated pod exposes is that per-pod signal summed over the pods
 * (a histogram quantile, a counter's rate, or a gauge); a query without a pod matcher is the
 * gateway's request rate when it takes a `rate()`, else the service's total queue. `cpu` and
 * `memory` triggers are the Resource metrics. Other triggers are left out with the reason.
 *
 * @throws ManifestError naming the object and field.
 * @see https://keda.sh/docs/2.17/reference/scaledobject-spec/
 */
export function serviceFromScaledObject(scaledObject: unknown, workload: unknown, source = 'manifest'): SimulatedService {
  const so = asRecord(scaledObject);
  const meta = asRecord(so.metadata);
  const name = String(meta.name ?? '?');
  const at = `${source}: ScaledObject/${name}`;
  if (so.kind !== 'ScaledObject') throw new ManifestError(`${source}: ${String(so.kind ?? 'object')}/${name} is not a ScaledObject`);
  if (so.apiVersion !== 'keda.sh/v1alpha1') throw new ManifestError(`${at} is ${String(so.apiVersion)}; the simulator reads keda.sh/v1alpha1`);
  const spec = asRecord(so.spec);
  const min = spec.minReplicaCount ?? KEDA_UPSTREAM_DEFAULTS.minReplicaCount;
  const max = spec.maxReplicaCount ?? KEDA_UPSTREAM_DEFAULTS.maxReplicaCount;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) throw new ManifestError(`${at}: spec.maxReplicaCount is ${JSON.stringify(max)}; expected a whole number, 1 or more`);
  if (typeof min !== 'number' || !Number.isInteger(min) || min < 0 || min > max) throw new ManifestError(`${at}: spec.minReplicaCount is ${JSON.stringify(min)}; expected a whole number from 0 to maxReplicaCount (${max})`);
  const triggers = Array.isArray(spec.triggers) ? (spec.triggers as unknown[]).map(asRecord) : [];
  if (triggers.length === 0) throw new ManifestError(`${at}: spec.triggers is empty; expected at least one trigger`);
  const metrics: SimulatedMetric[] = [];
  const kept: SimulatedKedaTrigger[] = [];
  const skipped: SkippedMetric[] = [];
  triggers.forEach((trigger, i) => {
    const metric = metricOfTrigger(trigger, `s${i}-${String(trigger.type ?? '?')}`);
    if ('reason' in metric) skipped.push(metric);
    else {
      metrics.push(metric);
      kept.push(kedaTrigger(trigger));
    }
  });
  const configured = asRecord(asRecord(asRecord(spec.advanced).horizontalPodAutoscalerConfig).behavior);
  // KEDA's HPA with no behavior gets the API's defaults, as an empty `behavior: {}` does.
  const behavior = hpa.applyBehaviorDefaults({ scaleUp: configured.scaleUp as hpa.HpaScalingRulesInput | undefined, scaleDown: configured.scaleDown as hpa.HpaScalingRulesInput | undefined });
  const pod = workloadFacts(workload, source);
  return withDerived({
    name,
    ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
    minReplicas: min,
    maxReplicas: max,
    behavior,
    behaviorName: presetNameOf(behavior, pod.modelLoadSeconds) ?? 'manifest',
    metrics,
    skippedMetrics: skipped,
    ...pod,
    keda: kedaSettings(spec, kept),
  });
}

/** The simulated metric of one ScaledObject trigger, or why there is none. */
function metricOfTrigger(trigger: Record<string, unknown>, name: string): SimulatedMetric | SkippedMetric {
  const type = String(trigger.type ?? '');
  const metadata = asRecord(trigger.metadata);
  if (type === 'cpu' || type === 'memory') {
    const value = Number(metadata.value);
    if (!(value >= 1)) return { name, reason: `its metadata.value is ${JSON.stringify(metadata.value)}; expected a percent of the request` };
    return { name: type, type: 'Resource', signal: type === 'cpu' ? 'cpuUtilization' : 'memoryUtilization', targetType: 'Utilization', target: Math.round(value), rateWindowSeconds: DEFAULT_WINDOW };
  }
  if (type !== 'prometheus') return { name, reason: `the simulator has no model for KEDA ${type || 'untyped'} triggers` };
  const query = String(metadata.query ?? '');
  const threshold = Number(metadata.threshold);
  if (!(threshold > 0)) return { name, reason: `its metadata.threshold is ${JSON.stringify(metadata.threshold)}; expected a number above 0` };
  const targetType = trigger.metricType === 'Value' ? 'Value' : 'AverageValue';
  const target = Math.ceil(threshold * 1000 - 1e-9);
  const window = windowOfQuery(query);
  if (!/\bpod=~?"/.test(query)) {
    const signal: MetricSignal = /\brate\(/.test(query) ? 'objectRequestRate' : 'externalQueue';
    return { name, type: signal === 'objectRequestRate' ? 'Object' : 'External', signal, targetType, target, rateWindowSeconds: window };
  }
  const series = seriesOfQuery(query);
  if (series === undefined) return { name, reason: `its query reads no series the simulated pod exposes (${[...EXPOSED_SERIES.keys()].join(', ')})` };
  const reader = EXPOSED_SERIES.get(series)!.reader;
  // Per pod as the adapter path reads it; the trigger's metricType decides how the HPA divides the sum.
  const base = { name, type: 'Pods' as const, targetType: 'AverageValue' as const, target, rateWindowSeconds: window, series };
  if (reader.type === 'histogram') {
    const q = /histogram_quantile\(\s*([0-9.]+)/.exec(query);
    return { ...base, signal: 'latency', quantile: q ? Number(q[1]) : 'mean' };
  }
  if (reader.type === 'counter') return { ...base, signal: 'requestsPerSecond' };
  return { ...base, signal: /^DCGM_/.test(series) ? 'gpuUtilization' : 'queueDepth' };
}

/** The longest series the simulated pod exposes that a query reads (`_bucket`, `_count` included). */
function seriesOfQuery(query: string): string | undefined {
  let best: string | undefined;
  for (const series of EXPOSED_SERIES.keys()) {
    const at = query.indexOf(series);
    if (at < 0) continue;
    const next = query.charAt(at + series.length);
    if (/[A-Za-z0-9:]/.test(next) && !/^_(bucket|count|sum)\b/.test(query.slice(at + series.length))) continue;
    if (best === undefined || series.length > best.length) best = series;
  }
  return best;
}

/** The `rate()` window of a query (`[1m]`, `[60s]`), or the catalogue's default. */
function windowOfQuery(query: string): number {
  const m = /\[(\d+)(s|m|h)\]/.exec(query);
  if (!m) return DEFAULT_WINDOW;
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}

/**
 * Every autoscaled service in YAML text (one or more documents, e.g. `charts-out/inference.yaml`).
 *
 * @throws ManifestError for invalid YAML (with its line) or any {@link servicesFromManifests} problem.
 */
export function servicesFromYaml(text: string, source = 'manifest'): SimulatedService[] {
  const docs = parseAllDocuments(text);
  const objects: unknown[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0) {
      const err = doc.errors[0];
      const line = err.linePos?.[0]?.line;
      throw new ManifestError(`${source}${line !== undefined ? ` line ${line}` : ''}: invalid YAML (${err.message.split('\n')[0]})`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) objects.push(...value);
    else if (asRecord(value).kind === 'List' && Array.isArray(asRecord(value).items)) objects.push(...(asRecord(value).items as unknown[]));
    else objects.push(value);
  }
  return servicesFromManifests(objects, source);
}

/** Behavior presets the simulator can compare: the service's own, the three inferscale presets, the API defaults, and the legacy path. */
export const BEHAVIOR_PRESETS = ['configured', 'burst', 'steady', 'queue', 'default', 'legacy'] as const;

/** One of {@link BEHAVIOR_PRESETS}. */
export type BehaviorPresetName = (typeof BEHAVIOR_PRESETS)[number];

/**
 * The service with another `spec.behavior`:
 * `burst`, `steady`, `queue` are inferscale's presets resolved for the service's load time;
 * `default` is what the API fills in for an empty `behavior: {}`; `legacy` is `behavior: null`;
 * `configured` keeps the service's own.
 */
export function withBehaviorPreset(service: SimulatedService, preset: BehaviorPresetName): SimulatedService {
  switch (preset) {
    case 'configured':
      return service;
    case 'burst':
    case 'steady':
    case 'queue':
      return { ...service, behavior: copyBehavior(ScalingBehavior[preset]().resolve(service.modelLoadSeconds)), behaviorName: preset };
    case 'default':
      return { ...service, behavior: hpa.applyBehaviorDefaults({}), behaviorName: 'default' };
    case 'legacy':
      return { ...service, behavior: null, behaviorName: 'legacy' };
    default:
      throw new Error(`behavior preset is "${String(preset)}"; expected one of ${BEHAVIOR_PRESETS.join(', ')}`);
  }
}

/** The inferscale preset a behavior equals for this load time, if any. */
function presetNameOf(behavior: hpa.HpaBehavior, loadSeconds: number): string | undefined {
  const key = (b: hpa.HpaBehavior): string => JSON.stringify(copyBehavior(b));
  const mine = key(behavior);
  return (['burst', 'steady', 'queue'] as const).find((p) => key(copyBehavior(ScalingBehavior[p]().resolve(loadSeconds))) === mine);
}

function withDerived(s: SimulatedService): SimulatedService {
  return s;
}

/** Whether a signal is read from a series the pod exposes. */
function needsSeries(signal: MetricSignal): boolean {
  return signal !== 'cpuUtilization' && signal !== 'memoryUtilization' && signal !== 'externalQueue' && signal !== 'objectRequestRate';
}

/**
 * The exposed series a manifest's metric name was derived from (the catalogue's naming rule:
 * `:` becomes `_`, a counter drops `_total`, then a suffix such as `_per_second_60s` or
 * `_p95`): the longest series whose derived stem starts the name.
 */
function seriesOfMetricName(name: string, signal: MetricSignal): string | undefined {
  if (signal === 'gpuUtilization') return /ENGINE_ACTIVE|engine_active/i.test(name) ? 'DCGM_FI_PROF_GR_ENGINE_ACTIVE' : 'DCGM_FI_DEV_GPU_UTIL';
  let best: string | undefined;
  let bestLength = 0;
  for (const series of EXPOSED_SERIES.keys()) {
    const stem = (series.endsWith('_total') ? series.slice(0, -'_total'.length) : series).replace(/:/g, '_');
    if ((name === stem || name.startsWith(`${stem}_`)) && stem.length > bestLength) {
      best = series;
      bestLength = stem.length;
    }
  }
  return best;
}

function copyBehavior(b: { readonly scaleUp: hpa.HpaScalingRules; readonly scaleDown: hpa.HpaScalingRules }): hpa.HpaBehavior {
  const rules = (r: hpa.HpaScalingRules): hpa.HpaScalingRules => ({
    stabilizationWindowSeconds: r.stabilizationWindowSeconds,
    selectPolicy: r.selectPolicy,
    policies: r.policies.map((p) => ({ type: p.type, value: p.value, periodSeconds: p.periodSeconds })),
  });
  return { scaleUp: rules(b.scaleUp), scaleDown: rules(b.scaleDown) };
}

function asRecord(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function metricName(m: HpaMetricSpec | { type: 'ContainerResource'; containerResource?: { name?: string } }): string {
  switch (m.type) {
    case 'Resource': return m.resource?.name ?? '?';
    case 'Pods': return m.pods?.metric?.name ?? '?';
    case 'Object': return m.object?.metric?.name ?? '?';
    case 'External': return m.external?.metric?.name ?? '?';
    default: return (m as { containerResource?: { name?: string } }).containerResource?.name ?? '?';
  }
}

function metricTarget(m: HpaMetricSpec): HpaMetricTarget | undefined {
  switch (m.type) {
    case 'Resource': return m.resource?.target;
    case 'Pods': return m.pods?.target;
    case 'Object': return m.object?.target;
    case 'External': return m.external?.target;
    default: return (m as { containerResource?: { target?: HpaMetricTarget } }).containerResource?.target;
  }
}

/** `Quantity.MilliValue()`: rounds up to whole milli-units. */
function milli(quantity: string | number | undefined): number | undefined {
  if (quantity === undefined) return undefined;
  const v = typeof quantity === 'number' ? quantity : parseQuantity(String(quantity));
  if (v === undefined || !(v > 0)) return undefined;
  return Math.ceil(v * 1000 - 1e-9);
}

function simulatedMetric(m: HpaMetricSpec, signal: MetricSignal, window: number): SimulatedMetric | undefined {
  const target = metricTarget(m);
  if (!target) return undefined;
  const type = m.type === ('ContainerResource' as string) ? 'Resource' : m.type;
  const name = metricName(m);
  if (target.type === 'Utilization') {
    if (typeof target.averageUtilization !== 'number' || target.averageUtilization < 1) return undefined;
    return { name, type, signal, targetType: 'Utilization', target: target.averageUtilization, rateWindowSeconds: window };
  }
  const value = milli(target.type === 'Value' ? target.value : target.averageValue);
  if (value === undefined) return undefined;
  return { name, type, signal, targetType: target.type, target: value, rateWindowSeconds: window };
}

function signalOfKind(kind: string, spec: HpaMetricSpec): MetricSignal | undefined {
  switch (kind) {
    case 'requestsPerSecond': return 'requestsPerSecond';
    case 'gpuUtilization': return 'gpuUtilization';
    case 'latency': return 'latency';
    case 'inFlightRequests': return 'inFlightRequests';
    case 'queueDepth': return 'queueDepth';
    case 'errorRate': return 'errorRate';
    case 'cpuUtilization': return 'cpuUtilization';
    case 'memoryUtilization': return 'memoryUtilization';
    case 'externalQueue': return 'externalQueue';
    // Engine entries: gauges read as they are, histograms as latencies, token counters as rates.
    case 'waitingRequests': return 'queueDepth';
    case 'runningRequests': return 'inFlightRequests';
    case 'kvCacheUsage': return 'queueDepth';
    case 'timeToFirstToken': case 'interTokenLatency': case 'queueTime': return 'latency';
    case 'tokenThroughput': return 'requestsPerSecond';
    default: return signalOfName(spec);
  }
}

const DURATION_SUFFIX = '(?:_(\\d+)(s|m|h))?$';

/** Recognises the metric catalogue's names (and common server metric names) in a manifest. */
function signalOfName(m: HpaMetricSpec): MetricSignal | undefined {
  const name = metricName(m);
  if (m.type === 'Resource' || m.type === ('ContainerResource' as string)) {
    if (name === 'cpu') return 'cpuUtilization';
    if (name === 'memory') return 'memoryUtilization';
    return undefined;
  }
  if (m.type === 'External') return 'externalQueue';
  if (m.type === 'Object') return new RegExp(`_per_second${DURATION_SUFFIX}`).test(name) ? 'objectRequestRate' : undefined;
  if (/gpu_util|gpu_engine_active|DCGM_FI_DEV_GPU_UTIL|DCGM_FI_PROF_GR_ENGINE_ACTIVE/i.test(name)) return 'gpuUtilization';
  if (new RegExp(`_error_ratio(?:_[0-9a-f]{8})?${DURATION_SUFFIX}`).test(name)) return 'errorRate';
  if (new RegExp(`_per_second${DURATION_SUFFIX}`).test(name)) return 'requestsPerSecond';
  if (new RegExp(`_(p\\d+(?:_\\d+)?|mean)${DURATION_SUFFIX}`).test(name)) return 'latency';
  if (/in_flight|requests_running|num_requests_running/.test(name)) return 'inFlightRequests';
  if (/queue|waiting/.test(name)) return 'queueDepth';
  // Any other gauge the pod exposes (vllm:kv_cache_usage_perc) is read as it is.
  const series = seriesOfMetricName(name, 'queueDepth');
  if (series !== undefined && EXPOSED_SERIES.get(series)?.reader.type === 'gauge') return 'queueDepth';
  return undefined;
}

function windowFromName(name: string): number {
  const m = new RegExp(`_(per_second|mean|p\\d+(?:_\\d+)?|error_ratio(?:_[0-9a-f]{8})?)_(\\d+)(s|m|h)$`).exec(name);
  if (!m) return DEFAULT_WINDOW;
  return Number(m[2]) * (m[3] === 'h' ? 3600 : m[3] === 'm' ? 60 : 1);
}

function quantileFromName(name: string): number | 'mean' {
  const m = new RegExp(`_(p(\\d+)(?:_(\\d+))?|mean)${DURATION_SUFFIX}`).exec(name);
  if (!m || m[1] === 'mean') return 'mean';
  return Number(`${m[2]}${m[3] ? `.${m[3]}` : ''}`) / 100;
}
