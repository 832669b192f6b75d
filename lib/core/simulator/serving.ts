/**
 * Serving: what the ready replicas do with the requests of one second. Each ready replica is an
 * M/M/c queue (see `queueing.ts`) at the recent arrival rate, plus a fluid backlog for whatever
 * arrives beyond what the ready replicas complete; requests that would wait past the timeout,
 * and requests with no ready replica, fail.
 * @module
 */
import { erlangC } from './queueing';
import type { ResolvedSimulationOptions } from './options';

/** Upper bounds (seconds) of the simulated latency histogram, as an inference server exposes it. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 15, 20, 30, 60, 120];

/** Erlang C is evaluated up to this utilization; beyond it the fluid backlog carries the overload. */
const MAX_STEADY_UTILIZATION = 0.995;
/** Utilization levels of the latency histogram's lookup table (the histogram's buckets quantise far more). */
const HISTOGRAM_STEPS = 2048;
/** Time constant (s) of the arrival rate the steady-state queue sees: a queue relaxes over tens of seconds. */
const QUEUE_RELAXATION_SECONDS = 30;

/** Fraction of requests with latency at most `bound`: none below `start`, all at the timeout, an exponential tail between. */
function bucketFraction(bound: number, start: number, timeout: number, waitProbability: number, decay: number): number {
  if (bound < start) return 0;
  if (bound >= timeout) return 1;
  const f = 1 - waitProbability * Math.exp(-decay * (bound - start));
  return f > 0 ? f : 0;
}

/** What one second of serving gave. */
export interface ServingSecond {
  /** Latency (the target's quantile, or the mean) of requests arriving this second. */
  latencySeconds: number;
  /** Busy fraction of the ready replicas (0-1). */
  busyFraction: number;
  /** Requests being processed per ready replica. */
  inFlightPerReplica: number;
  /** Requests waiting per ready replica. */
  waitingPerReplica: number;
  /** Requests that failed this second. */
  failed: number;
}

/** The queueing state of the ready replicas, advanced one second at a time. */
export class QueueingServing {
  /** Work waiting beyond the steady-state queue. */
  public backlogWork = 0;
  /** Requests waiting beyond the steady-state queue. */
  public backlogRequests = 0;
  /** Requests served per ready pod, cumulative (every ready pod gets the same share). */
  public servedPerPod = 0;
  /** Requests failed per ready pod, cumulative. */
  public failedPerPod = 0;
  /** Requests arrived, cumulative. */
  public arrivals = 0;
  /** Cumulative latency histogram per pod: `buckets + 1` counts (the last is `+Inf`). */
  public readonly latencyCumulative: Float64Array;
  /** Cumulative latency sum per pod. */
  public latencySum = 0;
  /** Work served, cumulative. */
  public servedWork = 0;
  /** Work the ready replicas could have served, cumulative. */
  public capacityWork = 0;
  /** Failed requests, cumulative. */
  public failedTotal = 0;

  private queueRate: number;
  private busyRate: number;
  private lastUtilization = -1;
  private lastWaitProbability = 0;
  private readonly queueAlpha = 1 - Math.exp(-1 / QUEUE_RELAXATION_SECONDS);
  private readonly busyAlpha: number;
  private readonly cdfTable: Float64Array;
  private readonly cdfReady: Uint8Array;
  private readonly waitQuantileTail: number;
  private readonly maxWait: number;
  private readonly bucketCount = LATENCY_BUCKETS_SECONDS.length + 1;

  public constructor(private readonly o: ResolvedSimulationOptions, initialWorkRate: number, private readonly needsHistogram: boolean) {
    this.queueRate = initialWorkRate;
    this.busyRate = Math.min(initialWorkRate, o.initialReplicas * o.maxRps);
    // A GPU is busy for the service time of each request, so busy time does not follow single-second counts.
    this.busyAlpha = 1 - Math.exp(-1 / Math.max(1, o.baseLatencySeconds));
    this.latencyCumulative = new Float64Array(this.bucketCount);
    this.cdfTable = new Float64Array(needsHistogram ? (HISTOGRAM_STEPS + 1) * (this.bucketCount - 1) : 0);
    this.cdfReady = new Uint8Array(needsHistogram ? HISTOGRAM_STEPS + 1 : 0);
    this.waitQuantileTail = o.latencyQuantile === 'mean' ? 0 : 1 - o.latencyQuantile;
    this.maxWait = o.requestTimeoutSeconds - o.baseLatencySeconds;
  }

  /** Serves the `requests` (costing `work`) arriving in one second on `ready` replicas. */
  public step(requests: number, work: number, ready: number, out: ServingSecond): void {
    const o = this.o;
    const base = o.baseLatencySeconds;
    const slots = o.slots;
    const perReplicaMax = o.maxRps;
    const buckets = LATENCY_BUCKETS_SECONDS;
    const nb = this.bucketCount;
    this.arrivals += requests;
    this.queueRate += (work - this.queueRate) * this.queueAlpha;
    let dropped = 0;
    if (ready > 0) {
      const capacity = ready * perReplicaMax;
      const offered = this.backlogWork + work;
      const offeredRequests = this.backlogRequests + requests;
      const served = offered < capacity ? offered : capacity;
      let rest = offered - served;
      const limit = ready * o.queueLimitPerReplica;
      let drop = 0;
      if (rest > limit) {
        drop = rest - limit;
        rest = limit;
      }
      const requestsPerWork = offered > 0 ? offeredRequests / offered : 0;
      const servedRequests = served * requestsPerWork;
      dropped = drop * requestsPerWork;
      this.backlogWork = rest;
      this.backlogRequests = rest * requestsPerWork;
      this.busyRate += (served - this.busyRate) * this.busyAlpha;
      const busy = this.busyRate < capacity ? this.busyRate / capacity : 1;
      const lambda = this.queueRate / ready;
      const rho = lambda / perReplicaMax < MAX_STEADY_UTILIZATION ? lambda / perReplicaMax : MAX_STEADY_UTILIZATION;
      if (rho !== this.lastUtilization) {
        this.lastUtilization = rho;
        this.lastWaitProbability = erlangC(slots, rho * slots);
      }
      const pw = this.lastWaitProbability;
      const decay = perReplicaMax * (1 - rho);
      const delay = this.backlogWork / capacity;
      const tail = this.waitQuantileTail;
      let wait = o.latencyQuantile === 'mean' ? pw / decay : pw > tail ? Math.log(pw / tail) / decay : 0;
      wait += delay;
      out.latencySeconds = base + (wait < this.maxWait ? wait : this.maxWait);
      const perPodServed = servedRequests / ready;
      this.servedPerPod += perPodServed;
      this.failedPerPod += dropped / ready;
      // Little's law: busy slots = completion rate × service time; waiting = arrival rate × wait.
      out.inFlightPerReplica = busy * slots;
      out.waitingPerReplica = (rho * perReplicaMax * pw) / decay + this.backlogRequests / ready;
      out.busyFraction = busy;
      const cum = this.latencyCumulative;
      if (this.needsHistogram && perPodServed > 0) {
        if (delay === 0) {
          // Without a backlog the bucket fractions depend on utilization alone: look them up on
          // a grid of utilization levels.
          const level = Math.round((rho / MAX_STEADY_UTILIZATION) * HISTOGRAM_STEPS);
          const row = level * (nb - 1);
          if (this.cdfReady[level] === 0) {
            const r = (level / HISTOGRAM_STEPS) * MAX_STEADY_UTILIZATION;
            const p = erlangC(slots, r * slots);
            const th = perReplicaMax * (1 - r);
            for (let b = 0; b < nb - 1; b++) this.cdfTable[row + b] = bucketFraction(buckets[b], base, o.requestTimeoutSeconds, p, th);
            this.cdfReady[level] = 1;
          }
          for (let b = 0; b < nb - 1; b++) cum[b] += perPodServed * this.cdfTable[row + b];
        } else {
          for (let b = 0; b < nb - 1; b++) cum[b] += perPodServed * bucketFraction(buckets[b], base + delay, o.requestTimeoutSeconds, pw, decay);
        }
        cum[nb - 1] += perPodServed;
        this.latencySum += perPodServed * (o.latencyQuantile === 'mean' ? out.latencySeconds : base + Math.min(this.maxWait, delay + pw / decay));
      }
      this.capacityWork += capacity;
      this.servedWork += served;
    } else {
      dropped = this.backlogRequests + requests;
      this.backlogWork = 0;
      this.backlogRequests = 0;
      this.busyRate = 0;
      out.latencySeconds = requests > 0 ? o.requestTimeoutSeconds : base;
      out.busyFraction = 0;
      out.inFlightPerReplica = 0;
      out.waitingPerReplica = 0;
    }
    this.failedTotal += dropped;
    out.failed = dropped;
  }
}
