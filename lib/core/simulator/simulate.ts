/**
 * The simulation loop: one step per second, an HPA sync every sync period.
 * See `index.ts` for the model as a whole.
 * @module
 */
import * as hpa from '../hpa';
import { erlangC } from './queueing';
import { ResolvedSimulationOptions, resolveSimulationOptions, SimulationOptions } from './options';
import type { SimulatedMetric, SimulatedService } from './service';
import type { Trace } from './trace';

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

/** Why a sync ended as it did, one code per sync (see `SYNC_REASONS`). */
export const SYNC_REASONS = [
  'DesiredWithinRange', 'TooFewReplicas', 'TooManyReplicas', 'ScaleUpLimit', 'ScaleDownLimit',
  'ScalingDisabled', 'CurrentReplicasAboveMax', 'CurrentReplicasBelowMin', 'FailedComputeMetricsReplicas',
] as const;

/** Per-sync series of one simulation. */
export interface SimulationSyncs {
  /** Second of each sync. */
  readonly time: Int32Array;
  /** The metric stage's proposal; -1 when no metric was valid or metrics were not read. */
  readonly proposed: Int32Array;
  /** `spec.replicas` after the sync. */
  readonly desired: Int32Array;
  /** Index into {@link SYNC_REASONS}. */
  readonly reason: Uint8Array;
  /**
   * The value the HPA saw for each metric (row-major, `syncs × metrics`): percent for
   * Utilization targets, the per-pod average (AverageValue) or total (Value) in the metric's
   * units; NaN when the metric was invalid in that sync.
   */
  readonly metricValues: Float64Array;
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

/** Output of {@link simulate}. */
export interface SimulationResult {
  /** The service as simulated (with the behavior actually used). */
  readonly service: SimulatedService;
  /** Every option, resolved. */
  readonly options: ResolvedSimulationOptions;
  /** Name of the trace. */
  readonly traceName: string;
  /** Per-second series. */
  readonly timeline: SimulationTimeline;
  /** Per-sync series. */
  readonly syncs: SimulationSyncs;
  /** Headline numbers. */
  readonly summary: SimulationSummary;
  /** Things the reader should know about the model of this run. */
  readonly warnings: readonly string[];
}

/** Upper bounds (seconds) of the simulated latency histogram, as an inference server exposes it. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 15, 20, 30, 60, 120];

const UNSCHEDULED = 0;
const PULLING = 1;
const LOADING = 2;
const READY = 3;
const TERMINATING = 4;
/** Erlang C is evaluated up to this utilization; beyond it the fluid backlog carries the overload. */
const RHO_MAX = 0.995;
/** Utilization levels of the latency histogram's lookup table. */
const HISTOGRAM_STEPS = 2048;
/** Time constant (s) of the arrival rate the steady-state queue sees. */
const QUEUE_RELAXATION_SECONDS = 30;

class Pod {
  public phase = UNSCHEDULED;
  public createdAt = 0;
  /** `status.startTime`: bound to a node and seen by the kubelet. */
  public startAt = Infinity;
  public pullEnd = Infinity;
  public readyAt = Infinity;
  public endAt = Infinity;
  public node = -1;
  /** Per-pod request counter value (global cumulative) when the pod started serving. */
  public reqBase = 0;
  /** First Prometheus scrape index at or after the pod became ready. */
  public firstScrape = 0;
}

class Node {
  public up = false;
  public readyAt = 0;
  public gpusUsed = 0;
  /** When the image is on the node (Infinity: never pulled, -Infinity: cached from the start). */
  public imageAt = Infinity;
  public idleSince = 0;
  public gone = false;
}

/**
 * Replays `trace` against `service`: a fluid M/M/c queue per replica pool, pods that start
 * through scheduling, node provisioning, image pull and model load, a Prometheus / DCGM /
 * metrics-server pipeline, and the HPA controller model ({@link hpa.sync}) every sync period.
 *
 * Deterministic: the same inputs give the same result.
 *
 * @throws Error naming the option when an option is out of range.
 */
export function simulate(service: SimulatedService, trace: Trace, options: SimulationOptions = {}): SimulationResult {
  const o = resolveSimulationOptions(service, options);
  const T = trace.requests.length;
  const warnings: string[] = [];
  for (const s of service.skippedMetrics) warnings.push(`metric ${s.name} is not simulated: ${s.reason}`);
  if (o.modelLoadSource === 'default') warnings.push(`the model load time is unknown; assumed ${o.modelLoadSeconds} s (set it with pods.modelLoadSeconds / --load-time)`);
  if (o.modelLoadSource === 'startupProbe') warnings.push(`model load time ${o.modelLoadSeconds} s estimated from the startup probe budget (budget / 1.5)`);
  const probe = service.startupProbe;
  const probeBudget = probe.initialDelaySeconds + probe.periodSeconds * probe.failureThreshold;
  const neverReady = o.modelLoadSeconds > probeBudget;
  if (neverReady) {
    warnings.push(`the model takes ${o.modelLoadSeconds} s to load but the startup probe gives up after ${probeBudget} s: new pods restart forever and never become ready`);
  }
  const metrics = service.metrics;
  if (metrics.length === 0) warnings.push('no simulated metric: the HPA never changes the replica count');

  // Constants of the queueing model.
  const S0 = o.baseLatencySeconds;
  const c = o.slots;
  const mu = o.maxRps;
  const timeout = o.requestTimeoutSeconds;
  const qLimit = o.queueLimitPerReplica;
  const maxWait = timeout - S0;
  const quantile = o.latencyQuantile;
  const qLog = quantile === 'mean' ? 0 : 1 - quantile;
  const gpusPerPod = service.gpusPerPod;
  const useNodes = gpusPerPod > 0;

  // Load per second: requests, and work (requests weighted by tokens when asked).
  const requests = trace.requests;
  const work = tokenWork(trace, o);

  // Timeline.
  const tlFailed = new Float32Array(T);
  const tlLatency = new Float32Array(T);
  const tlBacklog = new Float32Array(T);
  const tlReady = new Uint16Array(T);
  const tlDesired = new Uint16Array(T);
  const tlPods = new Uint16Array(T);
  const tlNodes = new Uint16Array(T);
  const tlUtil = new Float32Array(T);
  /** Prefix sums of the ready pods' busy fraction, for CPU averages over a window. */
  const utilPrefix = new Float64Array(T + 1);

  // Scrapes: cumulative per-pod counters and gauges at each scrape time.
  const scrapeInterval = o.scrapeIntervalSeconds;
  const scrapeOffset = o.scrapeOffsetSeconds;
  const nScrapes = scrapeOffset < T ? Math.floor((T - 1 - scrapeOffset) / scrapeInterval) + 1 : 0;
  const sReq = new Float64Array(nScrapes);
  const sFail = new Float64Array(nScrapes);
  const sInflight = new Float64Array(nScrapes);
  const sQueue = new Float64Array(nScrapes);
  const sArrivals = new Float64Array(nScrapes);
  const sTotalQueue = new Float64Array(nScrapes);
  const needsHistogram = metrics.some((m) => m.signal === 'latency');
  const buckets = LATENCY_BUCKETS_SECONDS;
  const nb = buckets.length + 1;
  const sBuckets = needsHistogram ? new Float64Array(nScrapes * nb) : new Float64Array(0);
  const sLatSum = needsHistogram ? new Float64Array(nScrapes) : new Float64Array(0);
  const latCum = new Float64Array(nb);
  const cdfTable = new Float64Array(needsHistogram ? (HISTOGRAM_STEPS + 1) * (nb - 1) : 0);
  const cdfReady = new Uint8Array(needsHistogram ? HISTOGRAM_STEPS + 1 : 0);
  let latSumCum = 0;

  // Pods and nodes.
  const pods: Pod[] = [];
  const nodes: Node[] = [];
  const podsPerNode = useNodes ? Math.floor(o.gpusPerNode / gpusPerPod) : Infinity;
  for (let i = 0; i < o.initialNodes && useNodes; i++) {
    const n = new Node();
    n.up = true;
    n.readyAt = -Infinity;
    n.imageAt = -Infinity;
    n.idleSince = 0;
    nodes.push(n);
  }
  for (let i = 0; i < o.initialReplicas; i++) {
    const p = new Pod();
    p.phase = READY;
    p.createdAt = -7200;
    p.startAt = -7200;
    p.pullEnd = -7200;
    p.readyAt = -3600;
    if (useNodes) {
      const node = Math.floor(i / podsPerNode);
      p.node = node;
      nodes[node].gpusUsed += gpusPerPod;
    }
    pods.push(p);
  }
  let desired = o.initialReplicas;
  let nextEvent = -Infinity;

  // HPA state.
  const syncPeriod = o.syncPeriodSeconds;
  const nSyncs = o.syncOffsetSeconds < T ? Math.floor((T - 1 - o.syncOffsetSeconds) / syncPeriod) + 1 : 0;
  const syTime = new Int32Array(nSyncs);
  const syProposed = new Int32Array(nSyncs);
  const syDesired = new Int32Array(nSyncs);
  const syReason = new Uint8Array(nSyncs);
  const syValues = new Float64Array(nSyncs * metrics.length);
  let hpaState: hpa.HpaState = { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] };
  const tolerance = { scaleUp: o.tolerance, scaleDown: o.tolerance };
  let scaleUps = 0;
  let scaleDowns = 0;
  let blocked = 0;

  // Queue state.
  let backlogWork = 0;
  let backlogReq = 0;
  let cumReqPerPod = 0;
  let cumFailPerPod = 0;
  let cumArrivals = 0;
  let lastRho = -1;
  let lastPw = 0;
  // Smoothed load: the queue relaxes towards its steady state over tens of seconds, and a GPU
  // is busy for the service time of each request, so neither follows single-second counts.
  const alphaQueue = 1 - Math.exp(-1 / QUEUE_RELAXATION_SECONDS);
  const alphaBusy = 1 - Math.exp(-1 / Math.max(1, S0));
  let rateQueue = meanOf(work, 0, Math.min(T, 60));
  let rateBusy = Math.min(rateQueue, o.initialReplicas * mu);
  let failedTotal = 0;
  let servedWorkTotal = 0;
  let capacityWorkTotal = 0;
  let nextScrapeIdx = 0;
  let nextScrapeAt = nScrapes > 0 ? scrapeOffset : Infinity;
  let nextSyncIdx = 0;
  let nextSyncAt = nSyncs > 0 ? o.syncOffsetSeconds : Infinity;
  let ready = 0;
  let bound = 0;
  let boundPodSeconds = 0;
  const progressEvery = 3600;

  const countPods = (): void => {
    ready = 0;
    bound = 0;
    for (let i = 0; i < pods.length; i++) {
      const ph = pods[i].phase;
      if (ph === READY) ready++;
      if (ph !== UNSCHEDULED) bound++;
    }
  };

  /** Brings pods and nodes up to second `t` and returns the next second anything changes. */
  const advance = (t: number): number => {
    let next = Infinity;
    // Nodes finishing provisioning, and empty nodes the autoscaler removes.
    let liveNodes = 0;
    for (let i = 0; i < nodes.length; i++) if (!nodes[i].gone) liveNodes++;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      if (n.gone) continue;
      if (!n.up && t >= n.readyAt) {
        n.up = true;
        n.idleSince = t;
      }
      if (n.up && n.gpusUsed === 0 && liveNodes > o.minNodes && t >= n.idleSince + o.scaleDownUnneededSeconds) {
        n.gone = true;
        liveNodes--;
        continue;
      }
      if (!n.up) next = Math.min(next, n.readyAt);
      else if (n.gpusUsed === 0) next = Math.min(next, n.idleSince + o.scaleDownUnneededSeconds);
    }
    // Pod phase changes.
    for (let i = 0; i < pods.length; i++) {
      const p = pods[i];
      if (p.phase === PULLING && t >= p.pullEnd) {
        p.phase = LOADING;
        p.readyAt = neverReady ? Infinity : readyTime(p.pullEnd, o.modelLoadSeconds, probe);
      }
      if (p.phase === LOADING && t >= p.readyAt) {
        p.phase = READY;
        p.reqBase = cumReqPerPod;
        p.firstScrape = t <= scrapeOffset ? 0 : Math.ceil((t - scrapeOffset) / scrapeInterval);
      }
      if (p.phase === TERMINATING && t >= p.endAt) {
        if (p.node >= 0) {
          const n = nodes[p.node];
          n.gpusUsed -= gpusPerPod;
          if (n.gpusUsed === 0) n.idleSince = t;
        }
        pods[i] = pods[pods.length - 1];
        pods.pop();
        i--;
      }
    }
    // Scheduling, oldest pod first; nodes that already have the image first, then the emptiest.
    let unschedulableGpus = 0;
    for (let i = 0; i < pods.length; i++) {
      const p = pods[i];
      if (p.phase !== UNSCHEDULED) continue;
      const eligible = p.createdAt + o.schedulingSeconds;
      if (t < eligible) {
        next = Math.min(next, eligible);
        continue;
      }
      let best = -1;
      if (useNodes) {
        for (let j = 0; j < nodes.length; j++) {
          const n = nodes[j];
          if (!n.up || n.gone || o.gpusPerNode - n.gpusUsed < gpusPerPod) continue;
          if (best < 0) best = j;
          else {
            const b = nodes[best];
            const cached = n.imageAt <= t ? 1 : 0;
            const bCached = b.imageAt <= t ? 1 : 0;
            if (cached > bCached || (cached === bCached && n.gpusUsed < b.gpusUsed)) best = j;
          }
        }
        if (best < 0) {
          unschedulableGpus += gpusPerPod;
          continue;
        }
        const n = nodes[best];
        n.gpusUsed += gpusPerPod;
        if (n.imageAt === Infinity) n.imageAt = t + o.imagePullSeconds;
        p.pullEnd = Math.max(t, n.imageAt);
      } else {
        p.pullEnd = t;
      }
      p.node = best;
      p.startAt = t;
      p.phase = PULLING;
    }
    // The cluster autoscaler launches nodes for pods that fit nowhere.
    if (unschedulableGpus > 0 && useNodes) {
      let provisioningFree = 0;
      let live = 0;
      for (let j = 0; j < nodes.length; j++) {
        if (nodes[j].gone) continue;
        live++;
        if (!nodes[j].up) provisioningFree += o.gpusPerNode - nodes[j].gpusUsed;
      }
      let missing = unschedulableGpus - provisioningFree;
      while (missing > 0 && live < o.maxNodes) {
        const n = new Node();
        n.readyAt = t + o.provisioningSeconds;
        nodes.push(n);
        next = Math.min(next, n.readyAt);
        missing -= Math.floor(o.gpusPerNode / gpusPerPod) * gpusPerPod;
        live++;
      }
    }
    for (let i = 0; i < pods.length; i++) {
      const p = pods[i];
      if (p.phase === PULLING) next = Math.min(next, p.pullEnd);
      else if (p.phase === LOADING) next = Math.min(next, p.readyAt);
      else if (p.phase === TERMINATING) next = Math.min(next, p.endAt);
    }
    countPods();
    return next;
  };

  /** Applies a new `spec.replicas`: the Deployment creates pods, or deletes the lowest-ranked ones. */
  const applyReplicas = (t: number, target: number): void => {
    let live = 0;
    for (let i = 0; i < pods.length; i++) if (pods[i].phase !== TERMINATING) live++;
    for (; live < target; live++) {
      const p = new Pod();
      p.createdAt = t;
      pods.push(p);
    }
    while (live > target) {
      // ReplicaSet deletion order: unscheduled, then Pending, then not ready, then most recently ready, then newest.
      let victim = -1;
      for (let i = 0; i < pods.length; i++) {
        const p = pods[i];
        if (p.phase === TERMINATING) continue;
        if (victim < 0 || deleteBefore(p, pods[victim])) victim = i;
      }
      const v = pods[victim];
      if (v.phase === UNSCHEDULED) {
        pods[victim] = pods[pods.length - 1];
        pods.pop();
      } else {
        // preStop runs in a started container; a ready one also finishes its requests.
        const stop = v.phase === PULLING ? 0 : service.preStopSleepSeconds + (v.phase === READY ? S0 : 0);
        v.endAt = t + Math.min(service.terminationGracePeriodSeconds, stop);
        v.phase = TERMINATING;
      }
      live--;
    }
    nextEvent = t;
  };

  // Reusable per-sync buffers.
  const win = { k1: 0, k2: 0, n: 0 };

  for (let t = 0; t < T; t++) {
    if (t >= nextEvent) nextEvent = advance(t);

    // Queueing: the M/M/c steady state of each ready replica at the recent arrival rate, plus a
    // fluid backlog for whatever arrives beyond what the ready replicas complete each second.
    const a = requests[t];
    const w = work[t];
    cumArrivals += a;
    rateQueue += (w - rateQueue) * alphaQueue;
    let latency: number;
    let util = 0;
    let inflight = 0;
    let waiting = 0;
    let dropReq = 0;
    if (ready > 0) {
      const K = ready * mu;
      const offered = backlogWork + w;
      const offeredReq = backlogReq + a;
      const served = offered < K ? offered : K;
      let rest = offered - served;
      const limit = ready * qLimit;
      let drop = 0;
      if (rest > limit) {
        drop = rest - limit;
        rest = limit;
      }
      const perWork = offered > 0 ? offeredReq / offered : 0;
      const servedReq = served * perWork;
      dropReq = drop * perWork;
      backlogWork = rest;
      backlogReq = rest * perWork;
      rateBusy += (served - rateBusy) * alphaBusy;
      util = rateBusy < K ? rateBusy / K : 1;
      const lambda = rateQueue / ready;
      const rho = lambda / mu < RHO_MAX ? lambda / mu : RHO_MAX;
      if (rho !== lastRho) {
        lastRho = rho;
        lastPw = erlangC(c, rho * c);
      }
      const pw = lastPw;
      const theta = mu * (1 - rho);
      const delay = backlogWork / K;
      let wait = quantile === 'mean' ? pw / theta : pw > qLog ? Math.log(pw / qLog) / theta : 0;
      wait += delay;
      latency = S0 + (wait < maxWait ? wait : maxWait);
      const perPodServed = servedReq / ready;
      cumReqPerPod += perPodServed;
      cumFailPerPod += dropReq / ready;
      // Little's law: busy slots = completion rate × service time; waiting = arrival rate × wait.
      inflight = util * c;
      waiting = (rho * mu * pw) / theta + backlogReq / ready;
      if (needsHistogram && perPodServed > 0) {
        if (delay === 0) {
          // Without a backlog the bucket fractions depend on utilization alone: look them up on
          // a grid of HISTOGRAM_STEPS utilization levels (the histogram quantises far more).
          const level = Math.round((rho / RHO_MAX) * HISTOGRAM_STEPS);
          const row = level * (nb - 1);
          if (cdfReady[level] === 0) {
            const r = (level / HISTOGRAM_STEPS) * RHO_MAX;
            const p = erlangC(c, r * c);
            const th = mu * (1 - r);
            for (let b = 0; b < nb - 1; b++) cdfTable[row + b] = bucketFraction(buckets[b], S0, timeout, p, th);
            cdfReady[level] = 1;
          }
          for (let b = 0; b < nb - 1; b++) latCum[b] += perPodServed * cdfTable[row + b];
        } else {
          for (let b = 0; b < nb - 1; b++) latCum[b] += perPodServed * bucketFraction(buckets[b], S0 + delay, timeout, pw, theta);
        }
        latCum[nb - 1] += perPodServed;
        latSumCum += perPodServed * (quantile === 'mean' ? latency : S0 + Math.min(maxWait, delay + pw / theta));
      }
      capacityWorkTotal += K;
      servedWorkTotal += served;
    } else {
      dropReq = backlogReq + a;
      backlogWork = 0;
      backlogReq = 0;
      rateBusy = 0;
      latency = a > 0 ? timeout : S0;
    }
    failedTotal += dropReq;

    tlFailed[t] = dropReq;
    tlLatency[t] = latency;
    tlBacklog[t] = backlogReq;
    tlReady[t] = ready;
    tlDesired[t] = desired;
    tlPods[t] = pods.length;
    boundPodSeconds += bound;
    tlUtil[t] = util * 100;
    utilPrefix[t + 1] = utilPrefix[t] + util;
    if (useNodes) {
      let live = 0;
      for (let i = 0; i < nodes.length; i++) if (!nodes[i].gone) live++;
      tlNodes[t] = live;
    }

    if (t === nextScrapeAt) {
      const k = nextScrapeIdx;
      sReq[k] = cumReqPerPod;
      sFail[k] = cumFailPerPod;
      sInflight[k] = inflight;
      sQueue[k] = waiting;
      sArrivals[k] = cumArrivals;
      sTotalQueue[k] = waiting * ready + (ready === 0 ? backlogReq : 0);
      if (needsHistogram) {
        sBuckets.set(latCum, k * nb);
        sLatSum[k] = latSumCum;
      }
      nextScrapeIdx++;
      nextScrapeAt += scrapeInterval;
    }

    if (t === nextSyncAt) {
      const j = nextSyncIdx;
      const tau = t - o.adapterDelaySeconds;
      const kTau = tau < scrapeOffset ? -1 : Math.min(nextScrapeIdx - 1, Math.floor((tau - scrapeOffset) / scrapeInterval));
      let statusReplicas = 0;
      for (let i = 0; i < pods.length; i++) if (pods[i].phase !== TERMINATING) statusReplicas++;
      const observations: hpa.HpaMetricObservation[] = metrics.map((m) => observe(m, t, tau, kTau));
      const result = hpa.sync({
        recommendations: hpaState.recommendations,
        scaleUpEvents: hpaState.scaleUpEvents,
        scaleDownEvents: hpaState.scaleDownEvents,
        currentReplicas: desired,
        statusReplicas,
        tolerance,
        metrics: observations,
        minReplicas: service.minReplicas,
        maxReplicas: service.maxReplicas,
        behavior: o.behavior,
        downscaleStabilizationSeconds: o.downscaleStabilizationSeconds,
      });
      // hpa.advanceTime(result, syncPeriod), without copying: the lists in a sync result are
      // fresh copies that nothing else holds, so aging them in place is the same state.
      ageInPlace(result.recommendations, syncPeriod);
      ageInPlace(result.scaleUpEvents, syncPeriod);
      ageInPlace(result.scaleDownEvents, syncPeriod);
      hpaState = result;
      syTime[j] = t;
      syProposed[j] = result.proposedReplicas ?? -1;
      syDesired[j] = result.replicas;
      syReason[j] = Math.max(0, SYNC_REASONS.indexOf((result.reason ?? 'DesiredWithinRange') as (typeof SYNC_REASONS)[number]));
      if (result.reason === 'FailedComputeMetricsReplicas') blocked++;
      for (let mi = 0; mi < metrics.length; mi++) syValues[j * metrics.length + mi] = currentValue(metrics[mi], result.metrics[mi]);
      if (result.replicas !== desired) {
        if (result.replicas > desired) scaleUps++;
        else scaleDowns++;
        desired = result.replicas;
        applyReplicas(t, desired);
      }
      nextSyncIdx++;
      nextSyncAt += syncPeriod;
    }
    if (options.onProgress && (t + 1) % progressEvery === 0) options.onProgress(t + 1, T);
  }
  if (options.onProgress) options.onProgress(T, T);

  /** One metric as the HPA sees it at sync time `t` (data as of `tau`, last scrape `kTau`). */
  function observe(m: SimulatedMetric, t: number, tau: number, kTau: number): hpa.HpaMetricObservation {
    switch (m.signal) {
      case 'objectRequestRate': {
        const v = rateOfGlobal(sArrivals, tau, m.rateWindowSeconds, kTau);
        const readyPodCount = ready;
        if (v === undefined) return { type: 'Object', invalid: true };
        return m.targetType === 'Value'
          ? { type: 'Object', targetValueMilli: m.target, valueMilli: Math.trunc(v * 1000), readyPodCount }
          : { type: 'Object', targetAverageValueMilli: m.target, valueMilli: Math.trunc(v * 1000) };
      }
      case 'externalQueue': {
        if (kTau < 0) return { type: 'External', invalid: true };
        const v = Math.trunc(sTotalQueue[kTau] * 1000);
        return m.targetType === 'Value'
          ? { type: 'External', targetValueMilli: m.target, valuesMilli: [v], readyPodCount: ready }
          : { type: 'External', targetAverageValueMilli: m.target, valuesMilli: [v] };
      }
      default:
        break;
    }
    const samples: hpa.HpaPodSample[] = [];
    for (let i = 0; i < pods.length; i++) samples.push(podSample(m, pods[i], t, tau, kTau));
    if (m.type === 'Resource') {
      return m.targetType === 'Utilization'
        ? { type: 'Resource', name: m.name, targetAverageUtilization: m.target, pods: samples }
        : { type: 'Resource', name: m.name, targetAverageValueMilli: m.target, pods: samples };
    }
    return { type: 'Pods', targetAverageValueMilli: m.target, pods: samples };
  }

  function podSample(m: SimulatedMetric, p: Pod, t: number, tau: number, kTau: number): hpa.HpaPodSample {
    const signal = m.signal;
    if (signal === 'cpuUtilization' || signal === 'memoryUtilization') {
      const request = signal === 'cpuUtilization' ? service.cpuRequestMilli : service.memoryRequestBytes * 1000;
      if (p.phase === TERMINATING) return { state: 'ignored', requestMilli: request };
      if (p.phase === UNSCHEDULED || p.phase === PULLING) return { state: 'unready', requestMilli: request };
      // metrics-server: the last scrape at or before tau, averaging the window before it.
      const res = o.resourceMetricsIntervalSeconds;
      const sampleAt = Math.floor(tau / res) * res;
      if (sampleAt < p.pullEnd + res) return { state: p.phase === READY || signal === 'memoryUtilization' ? 'missing' : 'unready', requestMilli: request };
      if (signal === 'memoryUtilization') return { state: 'ready', valueMilli: Math.round((service.memoryRequestBytes * o.memoryPercent) / 100) * 1000, requestMilli: request };
      // CPU readiness (section 4.2 of the controller model). A pod that has not become ready
      // yet has had Ready=False since it started, so it is unready before and after the
      // initialization period alike; a ready one is unready until a full sample window has
      // passed since its Ready transition, within the initialization period.
      if (p.phase !== READY) return { state: 'unready', requestMilli: request };
      if (t < p.startAt + o.cpuInitializationPeriodSeconds && sampleAt < p.readyAt + res) return { state: 'unready', requestMilli: request };
      const from = Math.max(0, sampleAt - res);
      const to = Math.min(T, Math.max(from, sampleAt));
      let busy = 0;
      if (to > from) {
        const readyFrom = Math.min(to, Math.max(from, p.readyAt));
        busy = (utilPrefix[to] - utilPrefix[readyFrom]) / (to - from);
        const loadingShare = (readyFrom - from) / (to - from);
        const cores = request * (loadingShare * o.cpuLoadingFraction + (1 - loadingShare) * o.cpuIdleFraction + o.cpuBusyFraction * busy);
        return { state: 'ready', valueMilli: Math.round(cores), requestMilli: request };
      }
      return { state: 'ready', valueMilli: Math.round(request * o.cpuIdleFraction), requestMilli: request };
    }
    if (p.phase === TERMINATING) return { state: 'ignored' };
    if (p.phase === UNSCHEDULED || p.phase === PULLING) return { state: 'unready' };
    if (signal === 'gpuUtilization') {
      // DCGM collects every dcgmInterval; Prometheus scrapes the exporter; the HPA reads the last scrape.
      if (kTau < 0) return { state: 'missing' };
      const scrapedAt = scrapeOffset + kTau * scrapeInterval;
      const d = o.dcgmIntervalSeconds;
      const collectedAt = Math.floor(scrapedAt / d) * d;
      if (collectedAt < p.pullEnd) return { state: 'missing' };
      const percent = p.readyAt <= collectedAt ? Math.round(tlUtil[Math.min(T - 1, collectedAt)]) : o.gpuLoadingPercent;
      return { state: 'ready', valueMilli: percent * 1000 };
    }
    // The server's own series exist once it serves (after the model loaded).
    if (p.phase !== READY || kTau < p.firstScrape) return { state: 'missing' };
    switch (signal) {
      case 'inFlightRequests':
        return { state: 'ready', valueMilli: Math.trunc(sInflight[kTau] * 1000) };
      case 'queueDepth':
        return { state: 'ready', valueMilli: Math.trunc(sQueue[kTau] * 1000) };
      default:
        break;
    }
    if (!scrapeWindow(tau, m.rateWindowSeconds, kTau, p.firstScrape, win)) return { state: 'missing' };
    const { k1, k2, n } = win;
    if (signal === 'requestsPerSecond') {
      const v = promRate(sReq[k1] - p.reqBase, sReq[k2] - p.reqBase, scrapeTime(k1), scrapeTime(k2), n, tau - m.rateWindowSeconds, tau, m.rateWindowSeconds);
      return { state: 'ready', valueMilli: Math.trunc(v * 1000) };
    }
    if (signal === 'errorRate') {
      const failed = sFail[k2] - sFail[k1];
      const all = sReq[k2] - sReq[k1] + failed;
      return { state: 'ready', valueMilli: Math.trunc((all > 1e-9 ? failed / all : 0) * 1000) };
    }
    // latency
    const count = sBuckets[k2 * nb + nb - 1] - sBuckets[k1 * nb + nb - 1];
    if (!(count > 1e-9)) return { state: 'missing' };
    if (m.quantile === 'mean' || m.quantile === undefined) {
      return { state: 'ready', valueMilli: Math.trunc(((sLatSum[k2] - sLatSum[k1]) / count) * 1000) };
    }
    const rank = m.quantile * count;
    let prev = 0;
    let value = buckets[buckets.length - 1];
    for (let b = 0; b < nb; b++) {
      const cum = sBuckets[k2 * nb + b] - sBuckets[k1 * nb + b];
      if (cum >= rank) {
        if (b === nb - 1) break;
        const lower = b === 0 ? 0 : buckets[b - 1];
        value = cum - prev > 0 ? lower + ((buckets[b] - lower) * (rank - prev)) / (cum - prev) : buckets[b];
        break;
      }
      prev = cum;
    }
    return { state: 'ready', valueMilli: Math.trunc(value * 1000) };
  }

  function scrapeTime(k: number): number {
    return scrapeOffset + k * scrapeInterval;
  }

  /** Samples of a pod's series inside the range `(tau - w, tau]`: first and last index and count. */
  function scrapeWindow(tau: number, w: number, kTau: number, first: number, out: { k1: number; k2: number; n: number }): boolean {
    const lo = tau - w;
    // First scrape strictly after lo.
    let k1 = lo < scrapeOffset ? 0 : Math.floor((lo - scrapeOffset) / scrapeInterval) + 1;
    if (k1 < first) k1 = first;
    const k2 = kTau;
    if (k2 - k1 < 1) return false;
    out.k1 = k1;
    out.k2 = k2;
    out.n = k2 - k1 + 1;
    return true;
  }

  function rateOfGlobal(series: Float64Array, tau: number, w: number, kTau: number): number | undefined {
    if (!scrapeWindow(tau, w, kTau, 0, win)) return undefined;
    const { k1, k2, n } = win;
    return promRate(series[k1], series[k2], scrapeTime(k1), scrapeTime(k2), n, tau - w, tau, w);
  }

  const summary = summarize(service, o, requests, work, {
    failedTotal, tlLatency, tlReady, tlDesired, tlNodes, boundPodSeconds, servedWorkTotal, capacityWorkTotal, syncs: nSyncs, scaleUps, scaleDowns, blocked,
  });
  if (summary.lowerBoundReplicaHours > summary.replicaHours + 1e-9) {
    warnings.push('the perfect-foresight bound is above the simulated replica-hours: the configuration served less than the load needed (see failed requests and seconds over target)');
  }
  return {
    service: { ...service, behavior: o.behavior, behaviorName: options.behavior === undefined ? service.behaviorName : o.behavior === null ? 'legacy' : 'custom' },
    options: o,
    traceName: trace.name,
    timeline: {
      requests,
      failed: tlFailed,
      latencySeconds: tlLatency,
      backlog: tlBacklog,
      readyReplicas: tlReady,
      desiredReplicas: tlDesired,
      pods: tlPods,
      nodes: tlNodes,
      utilizationPercent: tlUtil,
    },
    syncs: { time: syTime, proposed: syProposed, desired: syDesired, reason: syReason, metricValues: syValues },
    summary,
    warnings,
  };
}

/** Fraction of requests with latency at most `bound`: none below `start`, all at the timeout, an exponential tail between. */
function bucketFraction(bound: number, start: number, timeout: number, pw: number, theta: number): number {
  if (bound < start) return 0;
  if (bound >= timeout) return 1;
  const f = 1 - pw * Math.exp(-theta * (bound - start));
  return f > 0 ? f : 0;
}

function ageInPlace(list: { ageSeconds: number }[], seconds: number): void {
  for (let i = 0; i < list.length; i++) list[i].ageSeconds += seconds;
}

function meanOf(a: Float64Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += a[i];
  return to > from ? sum / (to - from) : 0;
}

/** Seconds after the container starts at which the startup probe first succeeds. */
function readyTime(containerStart: number, load: number, probe: SimulatedService['startupProbe']): number {
  const delay = probe.initialDelaySeconds;
  const period = probe.periodSeconds;
  const probesNeeded = load <= delay ? 0 : Math.ceil((load - delay) / period);
  return containerStart + delay + probesNeeded * period;
}

/** True when the ReplicaSet controller deletes `a` before `b`. */
function deleteBefore(a: Pod, b: Pod): boolean {
  const rank = (p: Pod): number => (p.phase === UNSCHEDULED ? 0 : p.phase === PULLING ? 1 : p.phase === LOADING ? 2 : 3);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb;
  if (ra === 3 && a.readyAt !== b.readyAt) return a.readyAt > b.readyAt;
  return a.createdAt > b.createdAt;
}

/**
 * Prometheus `rate()` of a counter from the first and last sample in the range
 * (`extrapolatedRate`): extrapolates to the range edges when the samples come close to them,
 * by half an interval otherwise, and never below the counter's zero.
 * @see https://github.com/prometheus/prometheus/blob/main/promql/functions.go
 */
export function promRate(first: number, last: number, t1: number, t2: number, samples: number, rangeStart: number, rangeEnd: number, window: number): number {
  const delta = last - first;
  const sampled = t2 - t1;
  if (sampled <= 0 || samples < 2) return 0;
  const avg = sampled / (samples - 1);
  const threshold = avg * 1.1;
  let toStart = t1 - rangeStart;
  let toEnd = rangeEnd - t2;
  if (toStart >= threshold) toStart = avg / 2;
  if (delta > 0 && first >= 0) {
    const toZero = sampled * (first / delta);
    if (toZero < toStart) toStart = toZero;
  }
  if (toEnd >= threshold) toEnd = avg / 2;
  return (delta * ((sampled + toStart + toEnd) / sampled)) / window;
}

function currentValue(m: SimulatedMetric, r: hpa.HpaMetricResult | undefined): number {
  if (!r || r.replicas === null || !r.current) return NaN;
  if (m.targetType === 'Utilization') return r.current.averageUtilization ?? NaN;
  if (r.current.averageValueMilli !== undefined) return r.current.averageValueMilli / 1000;
  if (r.current.valueMilli !== undefined) return r.current.valueMilli / 1000;
  return NaN;
}

/** Work per second: requests, or requests weighted by tokens (normalised to a mean of 1 per request). */
function tokenWork(trace: Trace, o: ResolvedSimulationOptions): Float64Array {
  const w = o.tokenWeights;
  if (!w || (!trace.contextTokens && !trace.generatedTokens)) return trace.requests;
  const T = trace.requests.length;
  const cost = new Float64Array(T);
  let totalCost = 0;
  let totalReq = 0;
  for (let t = 0; t < T; t++) {
    cost[t] = (trace.contextTokens?.[t] ?? 0) * w.context + (trace.generatedTokens?.[t] ?? 0) * w.generated;
    totalCost += cost[t];
    totalReq += trace.requests[t];
  }
  if (!(totalCost > 0)) return trace.requests;
  const perRequest = totalCost / totalReq;
  for (let t = 0; t < T; t++) cost[t] /= perRequest;
  return cost;
}

interface Totals {
  failedTotal: number;
  tlLatency: Float32Array;
  tlReady: Uint16Array;
  tlDesired: Uint16Array;
  tlNodes: Uint16Array;
  boundPodSeconds: number;
  servedWorkTotal: number;
  capacityWorkTotal: number;
  syncs: number;
  scaleUps: number;
  scaleDowns: number;
  blocked: number;
}

function summarize(service: SimulatedService, o: ResolvedSimulationOptions, requests: Float64Array, work: Float64Array, x: Totals): SimulationSummary {
  const T = requests.length;
  let total = 0;
  let over = 0;
  let worst = 0;
  let peakDesired = 0;
  let peakReady = 0;
  let peakNodes = 0;
  let nodeSeconds = 0;
  const boundSeconds = x.boundPodSeconds;
  let lowerSeconds = 0;
  const min = service.minReplicas;
  const max = service.maxReplicas;
  const cap = o.capacityRps;
  const dw = o.demandWindowSeconds;
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
    const need = Math.ceil(work[t] / cap - 1e-9);
    lowerSeconds += need < min ? min : need > max ? max : need;
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
