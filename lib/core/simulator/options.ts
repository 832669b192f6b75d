/**
 * Options of a simulation, every one with its default, and their resolution.
 * @module
 */
import type * as hpa from '../hpa';
import { DEFAULT_PROFILE_ID, SERVING_PROFILES } from './profiles/catalogue';
import type { ServingProfile } from './profiles/types';
import type { LoadTimeSource, SimulatedService } from './service';
import { parseClock, resolveScheduledFloors, ScheduledFloorsProps, weeklyFloors, Weekday, WEEKDAYS } from '../scheduled-floors';
import { DEFAULT_IMAGE_PULL_SECONDS, DEFAULT_NODE_PROVISIONING_SECONDS } from '../startup-times';

export { DEFAULT_IMAGE_PULL_SECONDS, DEFAULT_NODE_PROVISIONING_SECONDS };

/** Pod start-up. */
export interface PodOptions {
  /** Ready replicas at second 0 (already running, on nodes, with history). @default - what the trace's first five minutes need at the SLOs, within min and max replicas */
  readonly initialReplicas?: number;
  /** From creation to binding when a GPU is free (scheduler queue, binding). @default 2 */
  readonly schedulingSeconds?: number;
  /** Image pull for the first pod on a node; later pods on that node find it cached. @default - imageBytes / pullBytesPerSecond when the image size is given, else 60 */
  readonly imagePullSeconds?: number;
  /** Compressed image size, bytes: with `pullBytesPerSecond` it sets the pull time. */
  readonly imageBytes?: number;
  /** Registry pull throughput, bytes per second. @default 100e6 (100 MB/s) */
  readonly pullBytesPerSecond?: number;
  /** Model load time, from container start to ready. @default - weightBytes / storageBytesPerSecond when that is given, else the service's */
  readonly modelLoadSeconds?: number;
  /** Throughput of the storage the weights load from, bytes per second: the load time becomes the profile's weight bytes over it plus the engine's start-up. */
  readonly storageBytesPerSecond?: number;
  /**
   * Spread of node provisioning, image pull and model load times: each is multiplied by
   * `exp(spread × z)` with `z` standard normal, seeded. 0 gives fixed times.
   * @default 0.1
   */
  readonly startupSpread?: number;
  /** Seed of the start-up spread. @default 1 */
  readonly seed?: number;
}

/** How requests are served: the serving profile and the router. */
export interface ServingOptions {
  /** A shipped profile's id (see `SERVING_PROFILES`) or a profile. @default "qwen2.5-7b/a10g" (the default app's model and GPU) */
  readonly profile?: string | ServingProfile;
  /**
   * How requests are spread over ready replicas. A plain Kubernetes Service (kube-proxy) picks a
   * ready pod at random for each connection: round-robin in expectation. `least-loaded` is a
   * gateway's least-outstanding-requests policy, which counts a prompt still to prefill like a
   * sequence nearly done, so it piles new prompts on the replica that just finished several.
   * @default "round-robin"
   */
  readonly routing?: RoutingPolicy;
  /**
   * What happens to requests that arrive while no replica is ready (a service scaled to zero, or
   * every pod gone): `refuse`, a plain Service without ready endpoints (kube-proxy rejects the
   * connection; a gateway answers 503), so they fail at once; `hold`, a gateway or KEDA's HTTP
   * add-on interceptor that keeps them until a replica is ready or the client timeout, counting
   * them in the service's queue meanwhile.
   * @default "refuse"
   */
  readonly gateway?: GatewayPolicy;
  /** Client timeout: requests not finished this long after arrival fail. @default 600 (the OpenAI Python client's default) */
  readonly requestTimeoutSeconds?: number;
  /** Prompt tokens per request when the trace has no token columns. @default 1155 (the Azure conversation trace's mean) */
  readonly promptTokens?: number;
  /** Output tokens per request when the trace has no token columns. @default 211 (the Azure conversation trace's mean) */
  readonly outputTokens?: number;
}

/** What the way in does with requests while no replica is ready: refuse them, or hold them until one is. */
export type GatewayPolicy = 'refuse' | 'hold';

/** How requests are spread: in turn (a Service, in expectation), or to the replicas with the fewest outstanding requests (a gateway). */
export type RoutingPolicy = 'round-robin' | 'least-loaded';

/** What users were promised: limits on the 95th percentile (or the quantile given) and on failures. */
export interface SloOptions {
  /** Time to first token. @default 2 (MLPerf Inference's server-scenario TTFT limit for Llama 2 70B) */
  readonly ttftSeconds?: number;
  /** Time per output token (inter-token latency). @default 0.2 (MLPerf Inference's TPOT limit for Llama 2 70B) */
  readonly interTokenSeconds?: number;
  /** End-to-end latency. @default - ttftSeconds + 256 × interTokenSeconds: a 256-token answer at both limits */
  readonly e2eSeconds?: number;
  /** Failed requests over all. @default 0.001 */
  readonly failedRatio?: number;
  /** The quantile the latency limits bound. @default 0.95 */
  readonly quantile?: number;
}

/** Faults to inject. */
export interface FaultOptions {
  /** Prometheus down: no scrapes, and every adapter query fails. */
  readonly metricsOutages?: readonly {
    /** Second it starts. */
    readonly atSeconds: number;
    /** How long it lasts. */
    readonly durationSeconds: number;
  }[];
  /** A ready pod's container crashes (the longest-ready pod): its requests fail, it restarts and reloads the model. */
  readonly podCrashes?: readonly {
    /** Second of the crash. */
    readonly atSeconds: number;
  }[];
  /** A spot node gets its two-minute interruption notice (the node of the longest-ready pod): its pods are drained, then the node is gone. */
  readonly spotInterruptions?: readonly {
    /** Second of the notice. */
    readonly atSeconds: number;
  }[];
}

/** The GPU node pool the pods run on (ignored for CPU-only services, which always find room). */
export interface NodePoolOptions {
  /** GPUs (allocatable units) per node. @default - max(1, ceil(GPUs per pod)): one replica per node */
  readonly gpusPerNode?: number;
  /** Fewest nodes the autoscaler keeps. @default 0 */
  readonly minNodes?: number;
  /** Most nodes. @default - enough for maxReplicas */
  readonly maxNodes?: number;
  /** Nodes up at second 0, with the image cached. @default - enough for the initial replicas (at least minNodes) */
  readonly initialNodes?: number;
  /** From the autoscaler's decision to a node that takes GPU pods (launch, join, driver, device plugin). @default 180 */
  readonly provisioningSeconds?: number;
  /** An empty node is removed after this long (cluster-autoscaler `--scale-down-unneeded-time`). @default 600 */
  readonly scaleDownUnneededSeconds?: number;
}

/** The metrics pipeline: Prometheus scrapes, the DCGM exporter, metrics-server, the adapter. */
export interface MetricsPipelineOptions {
  /** Prometheus scrape interval. @default 15 */
  readonly scrapeIntervalSeconds?: number;
  /** Second of the first scrape (its phase against the HPA sync). @default 7 */
  readonly scrapeOffsetSeconds?: number;
  /** DCGM exporter collection interval (`--collect-interval`): GPU samples are this stale at most. @default 30 */
  readonly dcgmIntervalSeconds?: number;
  /** metrics-server resolution: CPU and memory samples average this window. @default 15 */
  readonly resourceMetricsIntervalSeconds?: number;
  /**
   * Extra age of what the HPA reads through the adapter (caching in front of Prometheus).
   * The adapter queries Prometheus per request; its relist interval only delays metric names
   * it has never seen, which a running service does not have.
   * @default 0
   */
  readonly adapterDelaySeconds?: number;
}

/** kube-controller-manager HPA flags. */
export interface ControllerOptions {
  /** `--horizontal-pod-autoscaler-sync-period`. @default 15 */
  readonly syncPeriodSeconds?: number;
  /** Second of the first sync. @default 0 */
  readonly syncOffsetSeconds?: number;
  /** `--horizontal-pod-autoscaler-tolerance`. @default 0.1 */
  readonly tolerance?: number;
  /** `--horizontal-pod-autoscaler-downscale-stabilization`. @default 300 */
  readonly downscaleStabilizationSeconds?: number;
  /** `--horizontal-pod-autoscaler-cpu-initialization-period`. @default 300 */
  readonly cpuInitializationPeriodSeconds?: number;
}

/** How load shows up in GPU, CPU and memory metrics. */
export interface UtilizationOptions {
  /** CPU use of an idle ready pod, as a fraction of its request. @default 0.05 */
  readonly cpuIdleFraction?: number;
  /** Extra CPU at full load, as a fraction of the request. @default 0.3 with GPUs (the GPU does the work), 0.9 without */
  readonly cpuBusyFraction?: number;
  /** CPU while the model loads, as a fraction of the request. @default 0.5 */
  readonly cpuLoadingFraction?: number;
  /** GPU utilization (percent) DCGM reports for a pod while its model loads. @default 0 */
  readonly gpuLoadingPercent?: number;
  /** Memory working set as a percent of the request, constant. @default 60 */
  readonly memoryPercent?: number;
}

/** Cold-start levers: warm nodes, images already on nodes, a weight cache, scheduled floors. */
export interface LeverOptions {
  /** Warm GPU nodes held by placeholder pods (preempted by a replica, then replaced by the cluster autoscaler). @default 0 */
  readonly headroomNodes?: number;
  /** Images pulled on every GPU node as it joins (a pre-pull DaemonSet): a pod on a node that has been up for the pull time skips it. @default false */
  readonly imagePrepull?: boolean;
  /**
   * A weight cache that survives the pod: loads from it take the profile's weight bytes over
   * `storageBytesPerSecond` plus the engine's start-up. `node`: a node-local directory, filled
   * by the first load on each node; `shared`: a read-only volume filled beforehand.
   * @default - none: every load takes pods.modelLoadSeconds
   */
  readonly weightCache?: {
    /** Read throughput of the cache, bytes per second. */
    readonly storageBytesPerSecond: number;
    /** Node-local (filled once per node) or shared (filled beforehand). @default "node" */
    readonly scope?: 'node' | 'shared';
  };
  /** Scheduled floors of `minReplicas`, as the service's `scheduledFloors` prop. */
  readonly scheduledFloors?: ScheduledFloorsProps;
  /** Day and time (`HH:MM`, in the floors' time zone) of the trace's first second. @default { day: "mon", time: "00:00" } */
  readonly traceStart?: {
    /** Day of the week. */
    readonly day: Weekday;
    /** Time of day, `HH:MM`. */
    readonly time: string;
  };
}

/** The trace's first second when `levers.traceStart` is not given: Monday 00:00 in the floors' time zone. */
export const DEFAULT_TRACE_START: NonNullable<LeverOptions['traceStart']> = Object.freeze({ day: 'mon', time: '00:00' });

/** A weight cache as the simulator uses it. */
export interface ResolvedWeightCache {
  /** Seconds a load from the cache takes. */
  readonly loadSeconds: number;
  /** Node-local (filled by the first load on each node) or shared (filled beforehand). */
  readonly scope: 'node' | 'shared';
}

/** When the trace starts, for scheduled floors. */
export interface TraceStart {
  /** Day of the week of the first second. */
  readonly day: Weekday;
  /** Minutes after midnight of the first second. */
  readonly minute: number;
}

/** Everything a simulation can be told; every field is optional. */
export interface SimulationOptions {
  /** The serving profile and the router. */
  readonly serving?: ServingOptions;
  /** The SLOs the report checks. */
  readonly slo?: SloOptions;
  /** Faults to inject. */
  readonly faults?: FaultOptions;
  /** Pod start-up. */
  readonly pods?: PodOptions;
  /** GPU node pool. */
  readonly nodes?: NodePoolOptions;
  /** Metrics pipeline. */
  readonly metrics?: MetricsPipelineOptions;
  /** HPA controller flags. */
  readonly controller?: ControllerOptions;
  /** Utilization model. */
  readonly utilization?: UtilizationOptions;
  /** Replaces the service's `spec.behavior` (`null`: the legacy path). @default - the service's */
  readonly behavior?: hpa.HpaBehavior | null;
  /** Cold-start levers. @default - none */
  readonly levers?: LeverOptions;
  /** Trailing window over which demand must persist to count as needing capacity (time to capacity, the bounds' need). @default 60 */
  readonly demandWindowSeconds?: number;
  /** Called about every simulated hour and at the end with (seconds done, seconds total). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Every option resolved for one service. */
export interface ResolvedSimulationOptions {
  /** The serving profile. */
  readonly profile: ServingProfile;
  /** How requests are spread over ready replicas. */
  readonly routing: RoutingPolicy;
  /** What happens to requests while no replica is ready. */
  readonly gateway: GatewayPolicy;
  /** Client timeout, seconds. */
  readonly requestTimeoutSeconds: number;
  /** Prompt tokens per request when the trace has no token columns. */
  readonly promptTokens: number;
  /** Output tokens per request when the trace has no token columns. */
  readonly outputTokens: number;
  /** The SLOs. */
  readonly slo: Required<SloOptions>;
  /** Faults to inject, each list sorted by time. */
  readonly faults: Required<FaultOptions>;
  /** Spread of start-up times (see {@link PodOptions.startupSpread}). */
  readonly startupSpread: number;
  /** Seed of the spread. */
  readonly seed: number;
  /** Ready replicas at second 0; `undefined`: sized from the trace's first minutes. */
  readonly initialReplicas: number | undefined;
  /** Seconds from pod creation to binding when a GPU is free. */
  readonly schedulingSeconds: number;
  /** Seconds of image pull for the first pod on a node. */
  readonly imagePullSeconds: number;
  /** Seconds from container start until the model is loaded (whole seconds). */
  readonly modelLoadSeconds: number;
  /** Where {@link modelLoadSeconds} came from (`option` when given as `pods.modelLoadSeconds`). */
  readonly modelLoadSource: LoadTimeSource;
  /** GPUs (allocatable units) per node. */
  readonly gpusPerNode: number;
  /** Fewest GPU nodes the cluster autoscaler keeps. */
  readonly minNodes: number;
  /** Most GPU nodes (unused for a CPU-only service). */
  readonly maxNodes: number;
  /** GPU nodes up at second 0, with the image cached; `undefined`: enough for the initial replicas (at least minNodes). */
  readonly initialNodes: number | undefined;
  /** Seconds from the autoscaler's decision to a node that takes GPU pods. */
  readonly provisioningSeconds: number;
  /** Seconds an empty node stays before it is removed. */
  readonly scaleDownUnneededSeconds: number;
  /** Prometheus scrape interval, seconds. */
  readonly scrapeIntervalSeconds: number;
  /** Second of the first scrape. */
  readonly scrapeOffsetSeconds: number;
  /** DCGM exporter collection interval, seconds. */
  readonly dcgmIntervalSeconds: number;
  /** metrics-server resolution, seconds: CPU and memory samples average this window. */
  readonly resourceMetricsIntervalSeconds: number;
  /** Extra age, seconds, of what the HPA reads through the adapter. */
  readonly adapterDelaySeconds: number;
  /** HPA sync period, seconds. */
  readonly syncPeriodSeconds: number;
  /** Second of the first sync. */
  readonly syncOffsetSeconds: number;
  /** HPA tolerance around a usage ratio of 1.0, as a fraction, in both directions. */
  readonly tolerance: number;
  /** The controller's scaleDown stabilization window, seconds, used where `behavior` leaves it unset and on the legacy path. */
  readonly downscaleStabilizationSeconds: number;
  /** The controller's CPU initialization period, seconds. */
  readonly cpuInitializationPeriodSeconds: number;
  /** CPU use of an idle ready pod, as a fraction of its CPU request. */
  readonly cpuIdleFraction: number;
  /** Extra CPU at full load, as a fraction of the CPU request. */
  readonly cpuBusyFraction: number;
  /** CPU while the model loads, as a fraction of the CPU request. */
  readonly cpuLoadingFraction: number;
  /** GPU utilization (percent) DCGM reports for a pod while its model loads. */
  readonly gpuLoadingPercent: number;
  /** Memory working set as a percent of the memory request. */
  readonly memoryPercent: number;
  /** The `spec.behavior` simulated, or `null` for the controller's legacy path. */
  readonly behavior: hpa.HpaBehavior | null;
  /** Trailing window, seconds, over which demand must persist to count as needing capacity. */
  readonly demandWindowSeconds: number;
  /** Warm nodes held by placeholders. */
  readonly headroomNodes: number;
  /** Images pulled on every node as it joins. */
  readonly imagePrepull: boolean;
  /** Load time from the weight cache, seconds, and where the cache lives; `undefined`: no cache. */
  readonly weightCache: ResolvedWeightCache | undefined;
  /** `minReplicas` for every minute of the week (Sunday 00:00 first), when floors are scheduled. */
  readonly floorWeek: Int32Array | undefined;
  /** Day and minute of the day of the trace's first second. */
  readonly traceStart: TraceStart;
}

/** The OpenAI Python client's default timeout: 10 minutes. @see https://github.com/openai/openai-python/blob/main/src/openai/_constants.py */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 600;
/** Mean prompt tokens of the Azure conversation trace shipped in `data/traces`. */
export const DEFAULT_PROMPT_TOKENS = 1155;
/** Mean output tokens of the Azure conversation trace shipped in `data/traces`. */
export const DEFAULT_OUTPUT_TOKENS = 211;
/**
 * MLPerf Inference's server-scenario limits for Llama 2 70B (TTFT 2 s, TPOT 200 ms, at the
 * 99th percentile there; the 95th here, as dashboards state it), and a failed-request budget of 0.1 %.
 * @see https://github.com/mlcommons/inference_policies/blob/master/inference_rules.adoc
 */
export const DEFAULT_SLO: Readonly<Required<Omit<SloOptions, 'e2eSeconds'>>> = { ttftSeconds: 2, interTokenSeconds: 0.2, failedRatio: 0.001, quantile: 0.95 };
/** Output tokens of the answer the default end-to-end limit allows for at the TTFT and TPOT limits. */
export const DEFAULT_E2E_OUTPUT_TOKENS = 256;
/** Registry pull throughput when only the image size is given: 100 MB/s. */
export const DEFAULT_PULL_BYTES_PER_SECOND = 100e6;
/** The engine's own start-up after the weights are read (CUDA graphs, KV-cache allocation), seconds. */
export const ENGINE_START_SECONDS = 30;
/** Default spread of start-up times: about ±10 % (one standard deviation of the log). */
export const DEFAULT_STARTUP_SPREAD = 0.1;

/**
 * Resolves every default of {@link SimulationOptions} for `service`.
 * @throws Error naming the option, e.g. `simulate "llm": slo.ttftSeconds is 0; expected a number greater than 0`.
 */
export function resolveSimulationOptions(service: SimulatedService, options: SimulationOptions = {}): ResolvedSimulationOptions {
  const ctx = `simulate "${service.name}"`;
  const positive = (path: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new Error(`${ctx}: ${path} is ${String(v)}; expected a number greater than 0`);
    return v;
  };
  const nonNegative = (path: string, v: unknown, integer = false): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
      throw new Error(`${ctx}: ${path} is ${String(v)}; expected ${integer ? 'a whole number' : 'a number'}, 0 or more`);
    }
    return v;
  };
  const wholePositive = (path: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${ctx}: ${path} is ${String(v)}; expected a whole number, 1 or more`);
    return v;
  };
  const fraction = (path: string, v: unknown): number => {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`${ctx}: ${path} is ${String(v)}; expected a fraction from 0 to 1`);
    return v;
  };

  const serving = options.serving ?? {};
  let profile: ServingProfile;
  if (serving.profile === undefined || typeof serving.profile === 'string') {
    const id = serving.profile ?? DEFAULT_PROFILE_ID;
    const found = SERVING_PROFILES[id];
    if (!found) throw new Error(`${ctx}: serving.profile is "${id}"; expected one of ${Object.keys(SERVING_PROFILES).join(', ')}, or a ServingProfile object (a fitted one, say)`);
    profile = found;
  } else profile = checkProfile(ctx, serving.profile);
  const routing = serving.routing ?? 'round-robin';
  if (routing !== 'round-robin' && routing !== 'least-loaded') throw new Error(`${ctx}: serving.routing is "${String(routing)}"; expected "round-robin" or "least-loaded"`);
  const gateway = serving.gateway ?? 'refuse';
  if (gateway !== 'refuse' && gateway !== 'hold') throw new Error(`${ctx}: serving.gateway is "${String(gateway)}"; expected "refuse" or "hold"`);
  const requestTimeoutSeconds = positive('serving.requestTimeoutSeconds', serving.requestTimeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_SECONDS);
  const promptTokens = positive('serving.promptTokens', serving.promptTokens ?? DEFAULT_PROMPT_TOKENS);
  const outputTokens = positive('serving.outputTokens', serving.outputTokens ?? DEFAULT_OUTPUT_TOKENS);

  const sloIn = options.slo ?? {};
  const ttftSeconds = positive('slo.ttftSeconds', sloIn.ttftSeconds ?? DEFAULT_SLO.ttftSeconds);
  const interTokenSeconds = positive('slo.interTokenSeconds', sloIn.interTokenSeconds ?? DEFAULT_SLO.interTokenSeconds);
  const slo: Required<SloOptions> = {
    ttftSeconds,
    interTokenSeconds,
    e2eSeconds: positive('slo.e2eSeconds', sloIn.e2eSeconds ?? ttftSeconds + DEFAULT_E2E_OUTPUT_TOKENS * interTokenSeconds),
    failedRatio: fraction('slo.failedRatio', sloIn.failedRatio ?? DEFAULT_SLO.failedRatio),
    quantile: sloIn.quantile ?? DEFAULT_SLO.quantile,
  };
  if (!(slo.quantile > 0 && slo.quantile < 1)) throw new Error(`${ctx}: slo.quantile is ${String(slo.quantile)}; expected a number between 0 and 1`);

  const f = options.faults ?? {};
  const byTime = <T extends { atSeconds: number }>(list: readonly T[] | undefined, path: string): T[] => {
    (list ?? []).forEach((x, i) => nonNegative(`${path}[${i}].atSeconds`, x.atSeconds, true));
    return [...(list ?? [])].sort((x, y) => x.atSeconds - y.atSeconds);
  };
  const faults: Required<FaultOptions> = {
    metricsOutages: byTime(f.metricsOutages, 'faults.metricsOutages'),
    podCrashes: byTime(f.podCrashes, 'faults.podCrashes'),
    spotInterruptions: byTime(f.spotInterruptions, 'faults.spotInterruptions'),
  };
  faults.metricsOutages.forEach((x, i) => wholePositive(`faults.metricsOutages[${i}].durationSeconds`, x.durationSeconds));

  const pods = options.pods ?? {};
  const initialReplicas = pods.initialReplicas;
  if (initialReplicas !== undefined) {
    wholePositive('pods.initialReplicas', initialReplicas);
    if (initialReplicas > service.maxReplicas) throw new Error(`${ctx}: pods.initialReplicas is ${initialReplicas}; expected a whole number from 1 to maxReplicas (${service.maxReplicas})`);
  }
  let modelLoadSeconds = service.modelLoadSeconds;
  let modelLoadSource = service.modelLoadSource;
  if (pods.modelLoadSeconds !== undefined) {
    modelLoadSeconds = positive('pods.modelLoadSeconds', pods.modelLoadSeconds);
    modelLoadSource = 'option';
  } else if (pods.storageBytesPerSecond !== undefined) {
    modelLoadSeconds = profile.weightBytes / positive('pods.storageBytesPerSecond', pods.storageBytesPerSecond) + ENGINE_START_SECONDS;
    modelLoadSource = 'option';
  }
  let imagePullSeconds = DEFAULT_IMAGE_PULL_SECONDS;
  if (pods.imagePullSeconds !== undefined) imagePullSeconds = nonNegative('pods.imagePullSeconds', pods.imagePullSeconds, true);
  else if (pods.imageBytes !== undefined) {
    imagePullSeconds = Math.round(positive('pods.imageBytes', pods.imageBytes) / positive('pods.pullBytesPerSecond', pods.pullBytesPerSecond ?? DEFAULT_PULL_BYTES_PER_SECOND));
  }

  const nodes = options.nodes ?? {};
  const gpus = service.gpusPerPod;
  const gpusPerNode = wholePositive('nodes.gpusPerNode', nodes.gpusPerNode ?? Math.max(1, Math.ceil(gpus)));
  const minNodes = nonNegative('nodes.minNodes', nodes.minNodes ?? 0, true);
  const podsPerNode = gpus > 0 ? Math.floor(gpusPerNode / gpus) : Infinity;
  const maxNodes = nonNegative('nodes.maxNodes', nodes.maxNodes ?? (gpus > 0 && podsPerNode > 0 ? Math.ceil(service.maxReplicas / podsPerNode) : 0), true);
  const neededInitially = gpus > 0 && podsPerNode > 0 ? Math.ceil((initialReplicas ?? service.maxReplicas) / podsPerNode) : 0;
  const initialNodes = nodes.initialNodes === undefined ? undefined : nonNegative('nodes.initialNodes', nodes.initialNodes, true);
  // The nodes the service may use, as the reader should hear of them: given, or the default.
  const usable = nodes.maxNodes !== undefined
    ? `nodes.maxNodes (${maxNodes})`
    : `the nodes the service can use (${maxNodes}, enough for maxReplicas; raise it with nodes.maxNodes)`;
  if (gpus > 0) {
    if (podsPerNode < 1) throw new Error(`${ctx}: nodes.gpusPerNode is ${gpusPerNode}, but a pod of ${service.name} needs ${gpus} GPUs; expected ${Math.ceil(gpus)} or more`);
    if (initialNodes !== undefined && maxNodes < initialNodes) throw new Error(`${ctx}: nodes.initialNodes (${initialNodes}) is above ${usable}`);
    if (initialNodes !== undefined && initialReplicas !== undefined && initialNodes < neededInitially) {
      throw new Error(`${ctx}: nodes.initialNodes (${initialNodes}) cannot hold the ${initialReplicas} replicas of pods.initialReplicas (${podsPerNode} per node); expected ${neededInitially} or more`);
    }
  }

  const levers = options.levers ?? {};
  const headroomNodes = nonNegative('levers.headroomNodes', levers.headroomNodes ?? 0, true);
  if (gpus > 0 && headroomNodes > maxNodes) throw new Error(`${ctx}: levers.headroomNodes (${headroomNodes}) is above ${usable}`);
  let weightCache: ResolvedSimulationOptions['weightCache'];
  if (levers.weightCache !== undefined) {
    const scope = levers.weightCache.scope ?? 'node';
    if (scope !== 'node' && scope !== 'shared') throw new Error(`${ctx}: levers.weightCache.scope is ${JSON.stringify(scope)}; expected "node" or "shared"`);
    const bps = positive('levers.weightCache.storageBytesPerSecond', levers.weightCache.storageBytesPerSecond);
    weightCache = { loadSeconds: Math.round(profile.weightBytes / bps + ENGINE_START_SECONDS), scope };
  }
  let floorWeek: Int32Array | undefined;
  if (levers.scheduledFloors !== undefined) {
    const r = resolveScheduledFloors(levers.scheduledFloors, service.minReplicas, service.maxReplicas);
    if (!r.spec) throw new Error(r.problems.map((p) => `${ctx}: levers.scheduledFloors.${p.path} ${p.message}`).join('\n'));
    floorWeek = weeklyFloors(r.spec.windows, service.minReplicas);
  }
  const startDay = levers.traceStart?.day ?? DEFAULT_TRACE_START.day;
  if (!WEEKDAYS.includes(startDay)) throw new Error(`${ctx}: levers.traceStart.day is ${JSON.stringify(startDay)}; expected one of ${WEEKDAYS.join(', ')}`);
  const startMinute = parseClock(levers.traceStart?.time ?? DEFAULT_TRACE_START.time, false);
  if (startMinute === undefined) throw new Error(`${ctx}: levers.traceStart.time is ${JSON.stringify(levers.traceStart?.time)}; expected "HH:MM"`);

  const m = options.metrics ?? {};
  const c = options.controller ?? {};
  const u = options.utilization ?? {};
  const demand = options.demandWindowSeconds ?? 60;
  wholePositive('demandWindowSeconds', demand);
  return {
    profile,
    routing,
    gateway,
    requestTimeoutSeconds,
    promptTokens,
    outputTokens,
    slo,
    faults,
    startupSpread: nonNegative('pods.startupSpread', pods.startupSpread ?? DEFAULT_STARTUP_SPREAD),
    seed: pods.seed ?? 1,
    initialReplicas,
    schedulingSeconds: nonNegative('pods.schedulingSeconds', pods.schedulingSeconds ?? 2, true),
    imagePullSeconds,
    modelLoadSeconds: Math.round(modelLoadSeconds),
    modelLoadSource,
    gpusPerNode,
    minNodes,
    maxNodes,
    initialNodes,
    provisioningSeconds: nonNegative('nodes.provisioningSeconds', nodes.provisioningSeconds ?? DEFAULT_NODE_PROVISIONING_SECONDS, true),
    scaleDownUnneededSeconds: nonNegative('nodes.scaleDownUnneededSeconds', nodes.scaleDownUnneededSeconds ?? 600, true),
    scrapeIntervalSeconds: wholePositive('metrics.scrapeIntervalSeconds', m.scrapeIntervalSeconds ?? 15),
    scrapeOffsetSeconds: nonNegative('metrics.scrapeOffsetSeconds', m.scrapeOffsetSeconds ?? 7, true),
    dcgmIntervalSeconds: wholePositive('metrics.dcgmIntervalSeconds', m.dcgmIntervalSeconds ?? 30),
    resourceMetricsIntervalSeconds: wholePositive('metrics.resourceMetricsIntervalSeconds', m.resourceMetricsIntervalSeconds ?? 15),
    adapterDelaySeconds: nonNegative('metrics.adapterDelaySeconds', m.adapterDelaySeconds ?? 0, true),
    syncPeriodSeconds: wholePositive('controller.syncPeriodSeconds', c.syncPeriodSeconds ?? 15),
    syncOffsetSeconds: nonNegative('controller.syncOffsetSeconds', c.syncOffsetSeconds ?? 0, true),
    tolerance: nonNegative('controller.tolerance', c.tolerance ?? 0.1),
    downscaleStabilizationSeconds: nonNegative('controller.downscaleStabilizationSeconds', c.downscaleStabilizationSeconds ?? 300, true),
    cpuInitializationPeriodSeconds: nonNegative('controller.cpuInitializationPeriodSeconds', c.cpuInitializationPeriodSeconds ?? 300, true),
    cpuIdleFraction: fraction('utilization.cpuIdleFraction', u.cpuIdleFraction ?? 0.05),
    cpuBusyFraction: nonNegative('utilization.cpuBusyFraction', u.cpuBusyFraction ?? (gpus > 0 ? 0.3 : 0.9)),
    cpuLoadingFraction: nonNegative('utilization.cpuLoadingFraction', u.cpuLoadingFraction ?? 0.5),
    gpuLoadingPercent: nonNegative('utilization.gpuLoadingPercent', u.gpuLoadingPercent ?? 0),
    memoryPercent: nonNegative('utilization.memoryPercent', u.memoryPercent ?? 60),
    behavior: options.behavior === undefined ? service.behavior : options.behavior,
    demandWindowSeconds: demand,
    headroomNodes: gpus > 0 ? headroomNodes : 0,
    imagePrepull: levers.imagePrepull ?? false,
    weightCache,
    floorWeek,
    traceStart: { day: startDay, minute: startMinute },
  };
}

/** Check a profile given as data (a fitted one, say): every number in range. */
function checkProfile(ctx: string, p: ServingProfile): ServingProfile {
  const fields: (keyof ServingProfile)[] = ['prefillTokensPerSecond', 'decodeBaseSeconds', 'kvCacheTokens', 'maxSequences', 'maxModelLength', 'maxBatchedTokens', 'tensorParallel'];
  for (const k of fields) {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new Error(`${ctx}: serving.profile.${k} is ${String(v)}; expected a number greater than 0`);
  }
  for (const k of ['decodePerSequenceSeconds', 'decodePerContextTokenSeconds', 'weightBytes'] as const) {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${ctx}: serving.profile.${k} is ${String(v)}; expected a number, 0 or more`);
  }
  return p;
}
