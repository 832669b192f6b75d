/**
 * The numbers that compare configurations: latency over target, failures, time to capacity,
 * replica-, GPU- and node-hours, and the bounds.
 * @module
 */
import type { ResolvedSimulationOptions } from './options';
import type { SimulatedService } from './service';
import { instantBoundSeconds } from './bounds';

/** Per-second series of one simulation (index = second of the trace). */
export interface SimulationTimeline {
  /** Requests arriving. */
  readonly requests: Float64Array;
  /** Requests that failed (queue full, or no ready replica). */
  readonly failed: Float32Array;
  /** Latency (the target's quantile, or the mean) of requests arriving in that second, seconds. */
  readonly latencySeconds: Float32Array;
  /** Requests waiting beyond the steady-state queue (the overload backlog). */
  readonly backlog: Float32Array;
  /** Pods that are Ready and receive traffic. */
  readonly readyReplicas: Uint16Array;
  /** `spec.replicas` as the HPA last set it. */
  readonly desiredReplicas: Uint16Array;
  /** Pods that exist in any phase: Pending, loading, ready or terminating. */
  readonly pods: Uint16Array;
  /** GPU nodes launched (up or provisioning). */
  readonly nodes: Uint16Array;
  /** Busy fraction of the ready replicas, percent (what DCGM would report as GPU utilization). */
  readonly utilizationPercent: Float32Array;
}

/**
 * Bursts and the time until enough replicas were ready for them. A shortfall starts when the
 * sustained demand (its trailing average over `demandWindowSeconds`) needs more ready replicas
 * than there are; its time to capacity runs until as many replicas are ready as the highest need
 * seen during the shortfall, even if the demand has fallen by then.
 */
export interface TimeToCapacity {
  /** How many shortfalls there were. */
  readonly episodes: number;
  /** Longest time from the start of a shortfall to enough ready replicas, seconds (an unreached one counts to the end of the trace). */
  readonly maxSeconds: number;
  /** Mean of those times, seconds. */
  readonly meanSeconds: number;
  /** Shortfalls whose capacity never arrived within the trace. */
  readonly unresolved: number;
  /** Seconds with fewer ready replicas than the sustained demand needed. */
  readonly secondsShort: number;
  /** Seconds in which the demand needed more than maxReplicas (no HPA setting alone fixes those). */
  readonly secondsAboveMaxReplicas: number;
  /** Every shortfall: its start, the replicas it needed at most, and the time until they were ready. */
  readonly list: readonly {
    /** Second of the trace at which the shortfall started. */
    readonly start: number;
    /** The most ready replicas the sustained demand needed during the shortfall (within min and max replicas). */
    readonly replicas: number;
    /** Seconds from the start until that many replicas were ready (to the end of the trace when never). */
    readonly seconds: number;
    /** True when that many replicas were ready before the trace ended. */
    readonly reached: boolean;
  }[];
}

/** The numbers that compare configurations. */
export interface SimulationSummary {
  /** Trace length, seconds. */
  readonly durationSeconds: number;
  /** Requests in the trace. */
  readonly totalRequests: number;
  /** Requests that failed. */
  readonly failedRequests: number;
  /** Failed requests in percent of all. */
  readonly failedPercent: number;
  /** Highest `spec.replicas`. */
  readonly peakReplicas: number;
  /** Most ready replicas. */
  readonly peakReadyReplicas: number;
  /** Most GPU nodes. */
  readonly peakNodes: number;
  /** Seconds with requests whose latency was above the target. */
  readonly secondsOverTarget: number;
  /** The latency target, seconds. */
  readonly latencyTargetSeconds: number;
  /** `p95`, `p99`, `mean`, ...: what the latency series holds. */
  readonly latencyStatistic: string;
  /** Worst latency of a second with requests. */
  readonly worstLatencySeconds: number;
  /** Time from a shortfall of ready replicas to enough of them. */
  readonly timeToCapacity: TimeToCapacity;
  /** Pod-hours of pods bound to a node (pulling, loading, ready, terminating). */
  readonly replicaHours: number;
  /** GPU-hours held by those pods. */
  readonly gpuHours: number;
  /** GPU-hours of the nodes launched (what the cloud bills). */
  readonly nodeGpuHours: number;
  /**
   * Replica-hours of a perfect-foresight scaler: each second exactly the replicas that second's
   * load needs at capacity (`ceil(load / capacity)`, within min and max), ready instantly.
   */
  readonly lowerBoundReplicaHours: number;
  /** GPU-hours of that scaler (its replica-hours × GPUs per pod). */
  readonly lowerBoundGpuHours: number;
  /** Served requests over what the ready replicas could have served, percent. */
  readonly meanUtilizationPercent: number;
  /** HPA syncs. */
  readonly syncs: number;
  /** Syncs that raised `spec.replicas`. */
  readonly scaleUps: number;
  /** Syncs that lowered it. */
  readonly scaleDowns: number;
  /** Syncs the metric stage blocked (no valid metric, or an invalid one on a scale-down). */
  readonly blockedSyncs: number;
}

/** Totals the loop gathered, and the series the summary reads. */
export interface Totals {
  /** Failed requests. */
  readonly failedTotal: number;
  /** Latency per second. */
  readonly tlLatency: Float32Array;
  /** Ready replicas per second. */
  readonly tlReady: Uint16Array;
  /** `spec.replicas` per second. */
  readonly tlDesired: Uint16Array;
  /** Live nodes per second. */
  readonly tlNodes: Uint16Array;
  /** Seconds of pods bound to a node, summed over pods. */
  readonly boundPodSeconds: number;
  /** Work served. */
  readonly servedWorkTotal: number;
  /** Work the ready replicas could have served. */
  readonly capacityWorkTotal: number;
  /** HPA syncs. */
  readonly syncs: number;
  /** Syncs that raised `spec.replicas`. */
  readonly scaleUps: number;
  /** Syncs that lowered it. */
  readonly scaleDowns: number;
  /** Syncs the metric stage blocked. */
  readonly blocked: number;
}

/** The summary of one run. */
export function summarize(service: SimulatedService, o: ResolvedSimulationOptions, requests: Float64Array, work: Float64Array, x: Totals): SimulationSummary {
  const T = requests.length;
  let total = 0;
  let over = 0;
  let worst = 0;
  let peakDesired = 0;
  let peakReady = 0;
  let peakNodes = 0;
  let nodeSeconds = 0;
  const boundSeconds = x.boundPodSeconds;
  const min = service.minReplicas;
  const max = service.maxReplicas;
  const cap = o.capacityRps;
  const dw = o.demandWindowSeconds;
  const lowerSeconds = instantBoundSeconds(work, cap, min, max);
  let windowSum = 0;
  let inShortfall = false;
  let shortStart = 0;
  let peakNeed = 0;
  let secondsShort = 0;
  const shortfalls: { start: number; end: number; need: number }[] = [];
  let aboveMax = 0;
  for (let t = 0; t < T; t++) {
    const a = requests[t];
    total += a;
    const lat = x.tlLatency[t];
    if (a > 0) {
      if (lat > o.latencyTargetSeconds + 1e-9) over++;
      if (lat > worst) worst = lat;
    }
    if (x.tlDesired[t] > peakDesired) peakDesired = x.tlDesired[t];
    if (x.tlReady[t] > peakReady) peakReady = x.tlReady[t];
    if (x.tlNodes[t] > peakNodes) peakNodes = x.tlNodes[t];
    nodeSeconds += x.tlNodes[t];
    // Sustained demand: the trailing average over the demand window (nothing before second 0,
    // so a trace's first seconds are not mistaken for a burst).
    windowSum += work[t] - (t >= dw ? work[t - dw] : 0);
    const sustained = Math.ceil(windowSum / dw / cap - 1e-9);
    if (sustained > max) aboveMax++;
    const needed = sustained < min ? min : sustained > max ? max : sustained;
    const short = x.tlReady[t] < needed;
    if (short) {
      secondsShort++;
      if (!inShortfall) {
        inShortfall = true;
        shortStart = t;
        peakNeed = needed;
      } else if (needed > peakNeed) peakNeed = needed;
    } else if (inShortfall) {
      inShortfall = false;
      shortfalls.push({ start: shortStart, end: t, need: peakNeed });
    }
  }
  if (inShortfall) shortfalls.push({ start: shortStart, end: T, need: peakNeed });
  // Time until `need` replicas are ready, searched from the end of each shortfall (during it,
  // ready stays below the need). Starts increase, so one cached answer per level suffices.
  const cache = new Map<number, { from: number; at: number }>();
  const firstReady = (level: number, from: number): number => {
    const c = cache.get(level);
    if (c && from >= c.from && from <= c.at) return c.at;
    let t = from;
    while (t < T && x.tlReady[t] < level) t++;
    cache.set(level, { from, at: t });
    return t;
  };
  const list = shortfalls.map((e) => {
    const at = firstReady(e.need, e.end);
    return { start: e.start, replicas: e.need, seconds: at - e.start, reached: at < T };
  });
  const maxEpisode = list.reduce((m, e) => Math.max(m, e.seconds), 0);
  const meanEpisode = list.length ? list.reduce((sum, e) => sum + e.seconds, 0) / list.length : 0;
  const unresolved = list.filter((e) => !e.reached).length;
  const q = o.latencyQuantile;
  return {
    durationSeconds: T,
    totalRequests: total,
    failedRequests: x.failedTotal,
    failedPercent: total > 0 ? (100 * x.failedTotal) / total : 0,
    peakReplicas: peakDesired,
    peakReadyReplicas: peakReady,
    peakNodes,
    secondsOverTarget: over,
    latencyTargetSeconds: o.latencyTargetSeconds,
    latencyStatistic: q === 'mean' ? 'mean' : `p${String(Math.round(q * 1000) / 10)}`,
    worstLatencySeconds: worst,
    timeToCapacity: {
      episodes: list.length,
      maxSeconds: maxEpisode,
      meanSeconds: meanEpisode,
      unresolved,
      secondsShort,
      secondsAboveMaxReplicas: aboveMax,
      list,
    },
    replicaHours: boundSeconds / 3600,
    gpuHours: (boundSeconds * service.gpusPerPod) / 3600,
    nodeGpuHours: (nodeSeconds * o.gpusPerNode) / 3600,
    lowerBoundReplicaHours: lowerSeconds / 3600,
    lowerBoundGpuHours: (lowerSeconds * service.gpusPerPod) / 3600,
    meanUtilizationPercent: x.capacityWorkTotal > 0 ? (100 * x.servedWorkTotal) / x.capacityWorkTotal : 0,
    syncs: x.syncs,
    scaleUps: x.scaleUps,
    scaleDowns: x.scaleDowns,
    blockedSyncs: x.blocked,
  };
}
