/**
 * Options of a simulation, every one with its default, and their resolution.
 * @module
 */
import type * as hpa from '../hpa';
import { latencyMean, slotsForTarget } from './queueing';
import type { LoadTimeSource, SimulatedService } from './service';

/** Per-replica capacity and the queueing model (see `queueing.ts`). */
export interface CapacityOptions {
  /**
   * Requests per second one replica serves at the latency target.
   * @default - the service's requests-per-second metric target (the catalogue defines that target as exactly this)
   */
  readonly requestsPerSecond?: number;
  /** Latency target in seconds. @default - the service's latency metric target, else 2 × baseLatencySeconds, else 1 */
  readonly latencyTargetSeconds?: number;
  /** Which latency the target bounds: a quantile in (0, 1) or `mean`. @default - the latency metric's, else 0.95 */
  readonly latencyQuantile?: number | 'mean';
  /** Latency of one request on an idle replica. @default - half the latency target (0.5 s when neither is known) */
  readonly baseLatencySeconds?: number;
  /** Requests a replica processes at once (batch slots). @default - the fewest that meet the target at capacity */
  readonly slots?: number;
  /** Client or gateway timeout: latency never exceeds it, and requests that would wait longer fail. @default 60 */
  readonly requestTimeoutSeconds?: number;
  /** Requests that may wait per ready replica before new ones fail. @default - what a replica works off within the timeout */
  readonly queueLimitPerReplica?: number;
  /**
   * Charge requests by tokens when the trace has token columns: a request costs
   * `contextWeight × context + generatedWeight × generated` tokens, normalised so the trace's
   * average request costs 1. Requests are still counted one by one for metrics and failures.
   * @default false
   */
  readonly tokenWeighting?:
    | boolean
    | {
        /** Weight of one context (prompt) token. @default 1 */
        readonly contextWeight?: number;
        /** Weight of one generated token. @default 10 */
        readonly generatedWeight?: number;
      };
}

/** Pod start-up. */
export interface PodOptions {
  /** Ready replicas at second 0 (already running, on nodes, with history). @default - minReplicas */
  readonly initialReplicas?: number;
  /** From creation to binding when a GPU is free (scheduler queue, binding). @default 2 */
  readonly schedulingSeconds?: number;
  /** Image pull for the first pod on a node; later pods on that node find it cached. @default 60 */
  readonly imagePullSeconds?: number;
  /** Model load time, from container start to ready. @default - the service's */
  readonly modelLoadSeconds?: number;
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

/** Everything a simulation can be told; every field is optional. */
export interface SimulationOptions {
  /** Capacity and queueing. */
  readonly capacity?: CapacityOptions;
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
  /** Trailing window over which demand must persist to count as needing capacity (time-to-capacity). @default 60 */
  readonly demandWindowSeconds?: number;
  /** Called about every simulated hour and at the end with (seconds done, seconds total). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Every option resolved for one service. */
export interface ResolvedSimulationOptions {
  /** Requests per second one replica serves at the latency target. */
  readonly capacityRps: number;
  /** Latency target, seconds. */
  readonly latencyTargetSeconds: number;
  /** Which latency the target bounds: a quantile in (0, 1) or `mean`. */
  readonly latencyQuantile: number | 'mean';
  /** Latency of one request on an idle replica, seconds. */
  readonly baseLatencySeconds: number;
  /** Requests a replica processes at once (batch slots). */
  readonly slots: number;
  /** Requests per second a replica completes at 100 % utilization: slots / base latency. */
  readonly maxRps: number;
  /** Client or gateway timeout, seconds: latency never exceeds it, and requests that would wait longer fail. */
  readonly requestTimeoutSeconds: number;
  /** Requests that may wait per ready replica before new ones fail. */
  readonly queueLimitPerReplica: number;
  /**
   * Token weights of a request's cost (`context × context tokens + generated × generated tokens`,
   * normalised so the trace's average request costs 1); absent when token weighting is off.
   */
  readonly tokenWeights?: {
    /** Weight of one context (prompt) token. */
    readonly context: number;
    /** Weight of one generated token. */
    readonly generated: number;
  };
  /** Ready replicas at second 0. */
  readonly initialReplicas: number;
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
  /** GPU nodes up at second 0, with the image cached. */
  readonly initialNodes: number;
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
}

/**
 * Resolves every default of {@link SimulationOptions} for `service`.
 * @throws Error naming the option, e.g. `simulate "llm": capacity.requestsPerSecond is -1; expected a number greater than 0`.
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

  const cap = options.capacity ?? {};
  const rps = cap.requestsPerSecond ?? service.capacityRps;
  if (rps === undefined) {
    throw new Error(`${ctx}: no per-replica capacity; the service has no requests-per-second metric to take it from, so give capacity.requestsPerSecond (the CLI's --capacity)`);
  }
  const capacityRps = positive('capacity.requestsPerSecond', rps);
  const quantile = cap.latencyQuantile ?? service.latencyQuantile ?? 0.95;
  if (quantile !== 'mean' && !(typeof quantile === 'number' && quantile > 0 && quantile < 1)) {
    throw new Error(`${ctx}: capacity.latencyQuantile is ${String(quantile)}; expected a number between 0 and 1, or "mean"`);
  }
  let target = cap.latencyTargetSeconds ?? service.latencyTargetSeconds;
  let base = cap.baseLatencySeconds;
  if (target === undefined) target = base !== undefined ? 2 * base : 1;
  positive('capacity.latencyTargetSeconds', target);
  base = positive('capacity.baseLatencySeconds', base ?? target / 2);
  if (!(target > base)) {
    throw new Error(`${ctx}: capacity.latencyTargetSeconds (${target}) must be above capacity.baseLatencySeconds (${base}): a request alone already takes the base latency`);
  }
  const q = quantile === 'mean' ? 0.5 : quantile;
  let slots: number;
  if (cap.slots !== undefined) {
    slots = wholePositive('capacity.slots', cap.slots);
    if (slots / base <= capacityRps) {
      throw new Error(`${ctx}: capacity.slots (${slots}) over baseLatencySeconds (${base}) allows ${slots / base} requests/s, not more than requestsPerSecond (${capacityRps}); use more slots`);
    }
  } else {
    slots = quantile === 'mean' ? slotsForMean(capacityRps, base, target) : slotsForTarget(capacityRps, base, target, q);
  }
  const maxRps = slots / base;
  const timeout = positive('capacity.requestTimeoutSeconds', cap.requestTimeoutSeconds ?? 60);
  if (!(timeout > target)) throw new Error(`${ctx}: capacity.requestTimeoutSeconds (${timeout}) must be above the latency target (${target})`);
  const queueLimit = cap.queueLimitPerReplica !== undefined
    ? nonNegative('capacity.queueLimitPerReplica', cap.queueLimitPerReplica)
    : maxRps * (timeout - base);
  let tokenWeights: ResolvedSimulationOptions['tokenWeights'];
  if (cap.tokenWeighting) {
    const tw = typeof cap.tokenWeighting === 'object' ? cap.tokenWeighting : {};
    tokenWeights = {
      context: nonNegative('capacity.tokenWeighting.contextWeight', tw.contextWeight ?? 1),
      generated: nonNegative('capacity.tokenWeighting.generatedWeight', tw.generatedWeight ?? 10),
    };
  }

  const pods = options.pods ?? {};
  const initialReplicas = pods.initialReplicas ?? service.minReplicas;
  wholePositive('pods.initialReplicas', initialReplicas);
  if (initialReplicas > service.maxReplicas) throw new Error(`${ctx}: pods.initialReplicas (${initialReplicas}) is above maxReplicas (${service.maxReplicas})`);
  const modelLoadSeconds = pods.modelLoadSeconds !== undefined ? positive('pods.modelLoadSeconds', pods.modelLoadSeconds) : service.modelLoadSeconds;

  const nodes = options.nodes ?? {};
  const gpus = service.gpusPerPod;
  const gpusPerNode = wholePositive('nodes.gpusPerNode', nodes.gpusPerNode ?? Math.max(1, Math.ceil(gpus)));
  const minNodes = nonNegative('nodes.minNodes', nodes.minNodes ?? 0, true);
  const podsPerNode = gpus > 0 ? Math.floor(gpusPerNode / gpus) : Infinity;
  const maxNodes = nonNegative('nodes.maxNodes', nodes.maxNodes ?? (gpus > 0 && podsPerNode > 0 ? Math.ceil(service.maxReplicas / podsPerNode) : 0), true);
  const neededInitially = gpus > 0 && podsPerNode > 0 ? Math.ceil(initialReplicas / podsPerNode) : 0;
  const initialNodes = nonNegative('nodes.initialNodes', nodes.initialNodes ?? Math.max(minNodes, neededInitially), true);
  if (gpus > 0) {
    if (podsPerNode < 1) throw new Error(`${ctx}: a pod needs ${gpus} GPUs but nodes.gpusPerNode is ${gpusPerNode}; no node can run it`);
    if (initialNodes < neededInitially) throw new Error(`${ctx}: nodes.initialNodes (${initialNodes}) cannot hold the ${initialReplicas} initial replicas; use at least ${neededInitially}`);
    if (maxNodes < initialNodes) throw new Error(`${ctx}: nodes.maxNodes (${maxNodes}) is below nodes.initialNodes (${initialNodes})`);
  }

  const m = options.metrics ?? {};
  const c = options.controller ?? {};
  const u = options.utilization ?? {};
  const demand = options.demandWindowSeconds ?? 60;
  wholePositive('demandWindowSeconds', demand);
  return {
    capacityRps,
    latencyTargetSeconds: target,
    latencyQuantile: quantile,
    baseLatencySeconds: base,
    slots,
    maxRps,
    requestTimeoutSeconds: timeout,
    queueLimitPerReplica: queueLimit,
    ...(tokenWeights ? { tokenWeights } : {}),
    initialReplicas,
    schedulingSeconds: nonNegative('pods.schedulingSeconds', pods.schedulingSeconds ?? 2, true),
    imagePullSeconds: nonNegative('pods.imagePullSeconds', pods.imagePullSeconds ?? 60, true),
    modelLoadSeconds: Math.round(modelLoadSeconds),
    modelLoadSource: pods.modelLoadSeconds !== undefined ? 'option' : service.modelLoadSource,
    gpusPerNode,
    minNodes,
    maxNodes,
    initialNodes,
    provisioningSeconds: nonNegative('nodes.provisioningSeconds', nodes.provisioningSeconds ?? 180, true),
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
  };
}

/** Slots for a mean-latency target: the fewest `c` whose mean latency at capacity is within target. */
function slotsForMean(capacityRps: number, base: number, target: number): number {
  for (let c = Math.max(1, Math.floor(capacityRps * base) + 1); c <= 100_000; c++) {
    if (latencyMean(c, base, capacityRps) <= target) return c;
  }
  throw new Error(`no replica size serves ${capacityRps} requests/s within a mean of ${target} s`);
}
