/**
 * What users saw and what the cluster cost: per-second SLO checks, latency distributions,
 * failures, time to capacity, replica-, GPU- and node-hours against the two bounds.
 * @module
 */
import type { KedaSummary } from './keda';
import type { ResolvedSimulationOptions } from './options';
import type { ServingObserver } from './serving';

/** Per-second series of one simulation (index = second of the trace). */
export interface SimulationTimeline {
  /** Requests arriving. */
  readonly requests: Float64Array;
  /** Requests that failed (timeout, rejected, no ready replica, replica gone). */
  readonly failed: Float32Array;
  /** TTFT of requests whose first token came that second, at the SLO quantile; NaN when none did. */
  readonly ttftSeconds: Float32Array;
  /** Inter-token latency of tokens emitted that second, at the SLO quantile; NaN when none were. */
  readonly interTokenSeconds: Float32Array;
  /** End-to-end latency of requests that finished that second, at the SLO quantile; NaN when none did. */
  readonly e2eSeconds: Float32Array;
  /** Requests waiting for admission over all replicas. */
  readonly waiting: Float32Array;
  /** Age of the oldest request still without a first token at the end of the second, seconds (0 when none). */
  readonly oldestWithoutFirstTokenSeconds: Float32Array;
  /** Age of the oldest request not finished at the end of the second, seconds (0 when none). */
  readonly oldestUnfinishedSeconds: Float32Array;
  /** Requests running over all replicas. */
  readonly running: Float32Array;
  /** Pods that are Ready and receive traffic. */
  readonly readyReplicas: Uint16Array;
  /** `spec.replicas` as the HPA last set it. */
  readonly desiredReplicas: Uint16Array;
  /** Replicas the instant bound runs that second: the demand over what one replica sustains at the SLOs. */
  readonly neededReplicas: Int32Array;
  /** Pods that exist in any phase: Pending, loading, ready or terminating. */
  readonly pods: Uint16Array;
  /** GPU nodes launched (up or provisioning). */
  readonly nodes: Uint16Array;
  /** Mean GPU busy share of the ready replicas, percent (what DCGM reports as GPU utilization). */
  readonly utilizationPercent: Float32Array;
  /** Mean KV-cache usage of the ready replicas, percent. */
  readonly kvUsagePercent: Float32Array;
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

/** A latency distribution over the whole run. */
export interface LatencyStats {
  /** Median, seconds. */
  readonly p50: number;
  /** 95th percentile, seconds. */
  readonly p95: number;
  /** 99th percentile, seconds. */
  readonly p99: number;
  /** Mean, seconds. */
  readonly mean: number;
}

/** Seconds in which an SLO was broken. */
export interface SloSeconds {
  /** The TTFT quantile of the first tokens in that second was above the limit, or a request had waited longer than the limit without one. */
  readonly ttft: number;
  /** The inter-token latency quantile of that second was above the limit. */
  readonly interToken: number;
  /** The end-to-end quantile of the requests that finished in that second was above the limit, or a request had been in the system longer. */
  readonly e2e: number;
  /** Requests failed in that second. */
  readonly failed: number;
}

/** What the HPA did around one injected fault. */
export interface FaultReport {
  /** What happened. */
  readonly kind: 'metricsOutage' | 'podCrash' | 'spotInterruption';
  /** Second it started. */
  readonly atSeconds: number;
  /** Second it ended (the outage's end; the crashed pod or replacement ready again; -1 when never). */
  readonly endSeconds: number;
  /** `spec.replicas` just before. */
  readonly desiredBefore: number;
  /** Highest `spec.replicas` from the fault to five minutes after its end. */
  readonly desiredPeakAfter: number;
  /** Ready replicas just before. */
  readonly readyBefore: number;
  /** Fewest ready replicas from the fault to its end. */
  readonly readyLowest: number;
  /** Syncs whose metric stage was blocked from the fault to five minutes after its end. */
  readonly blockedSyncs: number;
  /** Requests that failed from the fault to five minutes after its end. */
  readonly failedRequests: number;
}

/** The numbers that compare configurations. */
export interface SimulationSummary {
  /** Trace length, seconds. */
  readonly durationSeconds: number;
  /** Requests in the trace. */
  readonly totalRequests: number;
  /** Requests that finished. */
  readonly finishedRequests: number;
  /** Requests that failed. */
  readonly failedRequests: number;
  /**
   * Requests still waiting or running when the trace ended: held at the gateway, queued in an
   * engine or being served. They count as neither finished nor failed, so `totalRequests` is
   * `finishedRequests + failedRequests + inFlightAtEnd` (up to rounding: counts are fluid).
   */
  readonly inFlightAtEnd: number;
  /** Failed requests in percent of all. */
  readonly failedPercent: number;
  /** Highest `spec.replicas`. */
  readonly peakReplicas: number;
  /** Most ready replicas. */
  readonly peakReadyReplicas: number;
  /** Most GPU nodes. */
  readonly peakNodes: number;
  /** The SLOs checked. */
  readonly slo: ResolvedSimulationOptions['slo'];
  /** Seconds in which each SLO was broken. */
  readonly sloViolationSeconds: SloSeconds;
  /** Whether the whole run met the failed-request ratio. */
  readonly failedRatioMet: boolean;
  /** Time to first token over the run. */
  readonly ttft: LatencyStats;
  /** Inter-token latency over the run (per token). */
  readonly interToken: LatencyStats;
  /** End-to-end latency over the run. */
  readonly e2e: LatencyStats;
  /** Queue time over the run. */
  readonly queueTime: LatencyStats;
  /** Requests preempted (KV cache full) and recomputed. */
  readonly preemptions: number;
  /** Time from a shortfall of ready replicas to enough of them. */
  readonly timeToCapacity: TimeToCapacity;
  /** Pod-hours of pods bound to a node (pulling, loading, ready, terminating). */
  readonly replicaHours: number;
  /** GPU-hours held by those pods. */
  readonly gpuHours: number;
  /** Node-hours of the GPU nodes, from provisioning start to removal (what the cloud bills). */
  readonly nodeHours: number;
  /** GPU-hours of those nodes. */
  readonly nodeGpuHours: number;
  /** The two lower bounds, in the units the cloud bills. */
  readonly bounds: {
    /** Replica-hours of the instant bound (each second's need, ready at once). */
    readonly instantReplicaHours: number;
    /** Node-hours of the instant bound (replicas packed onto nodes without waste). */
    readonly instantNodeHours: number;
    /** Replica-hours of the lead-time bound (clairvoyant, each replica started a start-up time ahead). */
    readonly leadTimeReplicaHours: number;
    /** Node-hours of the lead-time bound. */
    readonly leadTimeNodeHours: number;
    /** The start-up time the lead-time bound pays per replica start, seconds. */
    readonly startupSeconds: number;
  };
  /** Mean GPU busy share of the ready replicas, percent. */
  readonly meanUtilizationPercent: number;
  /** HPA syncs. */
  readonly syncs: number;
  /** Syncs that raised `spec.replicas`. */
  readonly scaleUps: number;
  /** Syncs that lowered it. */
  readonly scaleDowns: number;
  /** Syncs the metric stage blocked (no valid metric, or an invalid one on a scale-down). */
  readonly blockedSyncs: number;
  /** What the HPA did around each injected fault. */
  readonly faults: readonly FaultReport[];
  /** What KEDA did (polls, wake-ups, scale to zero, cold starts, fallback), on the KEDA path only. */
  readonly keda?: KedaSummary;
}

/** Log-spaced buckets of the run-wide latency distributions: 1 ms to about 3 hours, 2.5 % wide. */
const STATS_MIN_SECONDS = 1e-3;
const STATS_GROWTH = 1.025;
const STATS_BUCKETS = Math.ceil(Math.log(1e4 / STATS_MIN_SECONDS) / Math.log(STATS_GROWTH)) + 1;
const INVERSE_LOG_GROWTH = 1 / Math.log(STATS_GROWTH);
const LOG_MIN = Math.log(STATS_MIN_SECONDS);

/** Which 32-bit half of a double holds its sign, exponent and top mantissa bits: 1 on a little-endian machine. */
const HIGH_WORD = new Uint32Array(new Float64Array([1]).buffer)[1] === 0x3ff00000 ? 1 : 0;

/** A value's high word shifted by this keeps its exponent and 8 mantissa bits: ranges 0.4 % wide. */
const STATS_KEY_SHIFT = 12;

/** The bucket of `value` by its definition: the bucket whose upper bound is the first at or above it. */
function statsBucketByLog(value: number): number {
  return value <= STATS_MIN_SECONDS ? 0 : Math.min(STATS_BUCKETS - 1, Math.ceil((Math.log(value) - LOG_MIN) * INVERSE_LOG_GROWTH));
}

/**
 * {@link statsBucketByLog} without a logarithm per observation (millions per simulated day):
 * the smallest value of each bucket, found once by bisection over doubles with the definition
 * itself, and a table from a value's binary exponent and top mantissa bits to the bucket its
 * range starts in. A range is far narrower than a bucket, so at most one boundary is crossed;
 * comparing with that boundary gives exactly the bucket the definition gives.
 */
class StatsBucketIndex {
  /** `lowest[i]`: the smallest double in bucket `i` (bucket 0 from -Infinity). */
  private readonly lowest = new Float64Array(STATS_BUCKETS + 1);
  /** Bucket of the smallest value of each (exponent, top mantissa bits) range. */
  private readonly first: Uint16Array;
  private readonly firstKey: number;
  private readonly lastKey: number;
  private readonly scratch = new Float64Array(1);
  private readonly scratchWords = new Uint32Array(this.scratch.buffer);

  public constructor() {
    this.lowest[0] = -Infinity;
    for (let i = 1; i < STATS_BUCKETS; i++) {
      // Bisect between a value below the bucket and one in it until they are adjacent doubles.
      let below = i === 1 ? STATS_MIN_SECONDS : this.lowest[i - 1];
      let inside = STATS_MIN_SECONDS * STATS_GROWTH ** (i + 1);
      while (statsBucketByLog(inside) < i) inside *= STATS_GROWTH;
      for (;;) {
        const mid = below + (inside - below) / 2;
        if (mid === below || mid === inside) break;
        if (statsBucketByLog(mid) >= i) inside = mid;
        else below = mid;
      }
      this.lowest[i] = inside;
    }
    this.lowest[STATS_BUCKETS] = Infinity;
    this.firstKey = this.key(this.lowest[1]);
    this.lastKey = this.key(this.lowest[STATS_BUCKETS - 1]);
    this.first = new Uint16Array(this.lastKey - this.firstKey + 1);
    let b = 0;
    for (let k = this.firstKey; k <= this.lastKey; k++) {
      // The range's smallest value: the key's bits with the rest of the mantissa zero.
      this.scratchWords[1 - HIGH_WORD] = 0;
      this.scratchWords[HIGH_WORD] = (k << STATS_KEY_SHIFT) >>> 0;
      const start = this.scratch[0];
      while (this.lowest[b + 1] <= start) b++;
      this.first[k - this.firstKey] = b;
    }
  }

  /** The bucket of `value`; {@link STATS_BUCKETS} (no bucket) for NaN, as the definition gives none. */
  public bucket(value: number): number {
    if (value < this.lowest[1]) return 0;
    if (!(value >= this.lowest[1])) return STATS_BUCKETS;
    const k = this.key(value);
    if (k > this.lastKey) return STATS_BUCKETS - 1;
    let b = this.first[k - this.firstKey];
    while (value >= this.lowest[b + 1]) b++;
    return b;
  }

  private key(value: number): number {
    this.scratch[0] = value;
    return this.scratchWords[HIGH_WORD] >>> STATS_KEY_SHIFT;
  }
}

const STATS_BUCKET_INDEX = new StatsBucketIndex();

/** A weighted latency distribution on log-spaced buckets. */
class Distribution {
  private readonly weights = new Float64Array(STATS_BUCKETS);
  private total = 0;
  private sum = 0;

  /** Adds every observation of `log`, in the order they were made. */
  public addAll(log: ObservationLog): void {
    const { weights, values, length } = log;
    let total = this.total;
    let sum = this.sum;
    for (let i = 0; i < length; i++) {
      const weight = weights[i];
      const value = values[i];
      const b = STATS_BUCKET_INDEX.bucket(value);
      if (b < STATS_BUCKETS) this.weights[b] += weight;
      total += weight;
      sum += weight * value;
    }
    this.total = total;
    this.sum = sum;
  }

  public quantile(q: number): number {
    if (!(this.total > 0)) return 0;
    const rank = q * this.total;
    let seen = 0;
    for (let i = 0; i < STATS_BUCKETS; i++) {
      seen += this.weights[i];
      if (seen >= rank) return STATS_MIN_SECONDS * STATS_GROWTH ** i;
    }
    return STATS_MIN_SECONDS * STATS_GROWTH ** (STATS_BUCKETS - 1);
  }

  public stats(): LatencyStats {
    return { p50: this.quantile(0.5), p95: this.quantile(0.95), p99: this.quantile(0.99), mean: this.total > 0 ? this.sum / this.total : 0 };
  }
}

/**
 * Weighted observations of one second, in the order they were made (preallocated: a simulated
 * day makes millions). Appending is all an observation costs; the second's quantile and the
 * run-wide distribution take them in one pass when the second closes.
 */
class ObservationLog {
  /** Observed values. */
  public values = new Float64Array(16);
  /** Their weights (requests or tokens), each above 0. */
  public weights = new Float64Array(16);
  /** Observations held. */
  public length = 0;

  /** Appends `weight` observations of `value`; a weight that is not above 0 observes nothing. */
  public add(weight: number, value: number): void {
    if (!(weight > 0)) return;
    const n = this.length;
    if (n === this.values.length) this.grow();
    this.values[n] = value;
    this.weights[n] = weight;
    this.length = n + 1;
  }

  /**
   * The weighted `q` quantile of the observations (NaN when there are none): the smallest value
   * at which the weight of the values up to it reaches `q` of the whole. It takes values from the
   * top while the weight below still reaches `q`: for a high quantile, a pass or two over a
   * second's handful of observations instead of sorting them. Reorders the observations.
   */
  public quantile(q: number): number {
    let n = this.length;
    if (n === 0) return NaN;
    const values = this.values;
    const weights = this.weights;
    // One observation is its own quantile, whatever q (its weight is above 0).
    if (n === 1) return values[0];
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i];
    const rank = q * total;
    // The weight of the values up to and including the largest left.
    let upTo = total;
    for (;;) {
      let top = 0;
      for (let i = 1; i < n; i++) if (values[i] > values[top]) top = i;
      const below = upTo - weights[top];
      if (n === 1 || !(below >= rank)) return values[top];
      // The quantile is below this value: set it aside (the last one left takes its place).
      upTo = below;
      n--;
      values[top] = values[n];
      weights[top] = weights[n];
    }
  }

  /** Empties the log. */
  public clear(): void {
    this.length = 0;
  }

  private grow(): void {
    const v = new Float64Array(this.values.length * 2);
    v.set(this.values);
    this.values = v;
    const w = new Float64Array(this.weights.length * 2);
    w.set(this.weights);
    this.weights = w;
  }
}

/** Collects what requests saw, per second and over the run: the serving model's observer. */
export class RequestStats implements ServingObserver {
  /** Requests finished. */
  public finishedTotal = 0;
  /** Requests failed. */
  public failedTotal = 0;
  /** Requests failed this second. */
  public failedNow = 0;
  /** Preemptions counted by engines that have stopped since. */
  public preemptionsOfStopped = 0;
  private readonly ttftRun = new Distribution();
  private readonly itlRun = new Distribution();
  private readonly e2eRun = new Distribution();
  private readonly queueRun = new Distribution();
  private readonly ttftNow = new ObservationLog();
  private readonly itlNow = new ObservationLog();
  private readonly e2eNow = new ObservationLog();
  private readonly queueNow = new ObservationLog();

  /** {@inheritDoc ServingObserver.queueTime} */
  public queueTime(count: number, seconds: number): void {
    this.queueNow.add(count, seconds);
  }

  /** {@inheritDoc ServingObserver.timeToFirstToken} */
  public timeToFirstToken(count: number, seconds: number): void {
    this.ttftNow.add(count, seconds);
  }

  /** {@inheritDoc ServingObserver.interTokenLatency} */
  public interTokenLatency(tokens: number, seconds: number): void {
    this.itlNow.add(tokens, seconds);
  }

  /** {@inheritDoc ServingObserver.finished} */
  public finished(count: number, seconds: number): void {
    this.finishedTotal += count;
    this.e2eNow.add(count, seconds);
  }

  /** {@inheritDoc ServingObserver.failed} */
  public failed(count: number): void {
    this.failedTotal += count;
    this.failedNow += count;
  }

  /** Closes second `t`: writes its quantiles and failures to the timeline, and adds its observations to the run's. */
  public closeSecond(t: number, q: number, timeline: SimulationTimeline): void {
    // The run's distributions take the observations in the order they were made: before a
    // quantile reorders them.
    this.flush();
    timeline.ttftSeconds[t] = this.ttftNow.quantile(q);
    timeline.interTokenSeconds[t] = this.itlNow.quantile(q);
    timeline.e2eSeconds[t] = this.e2eNow.quantile(q);
    this.clearLogs();
    timeline.failed[t] = this.failedNow;
    this.failedNow = 0;
  }

  /** The run-wide distributions. */
  public distributions(): { ttft: LatencyStats; interToken: LatencyStats; e2e: LatencyStats; queueTime: LatencyStats } {
    this.flush();
    this.clearLogs();
    return { ttft: this.ttftRun.stats(), interToken: this.itlRun.stats(), e2e: this.e2eRun.stats(), queueTime: this.queueRun.stats() };
  }

  /** Adds the logged observations to the run-wide distributions; the logs keep them (for the second's quantiles) until {@link clearLogs}. */
  private flush(): void {
    this.ttftRun.addAll(this.ttftNow);
    this.itlRun.addAll(this.itlNow);
    this.e2eRun.addAll(this.e2eNow);
    this.queueRun.addAll(this.queueNow);
  }

  /** Empties every log, once {@link flush} has added it to the run's. */
  private clearLogs(): void {
    this.ttftNow.clear();
    this.itlNow.clear();
    this.e2eNow.clear();
    this.queueNow.clear();
  }
}

/** Seconds in which each SLO was broken. */
export function sloSeconds(timeline: SimulationTimeline, slo: ResolvedSimulationOptions['slo']): SloSeconds {
  let ttft = 0;
  let interToken = 0;
  let e2e = 0;
  let failed = 0;
  for (let t = 0; t < timeline.requests.length; t++) {
    // A user still waiting past a limit is a broken SLO in that second, first token or not.
    if (timeline.ttftSeconds[t] > slo.ttftSeconds || timeline.oldestWithoutFirstTokenSeconds[t] > slo.ttftSeconds) ttft++;
    if (timeline.interTokenSeconds[t] > slo.interTokenSeconds) interToken++;
    if (timeline.e2eSeconds[t] > slo.e2eSeconds || timeline.oldestUnfinishedSeconds[t] > slo.e2eSeconds) e2e++;
    if (timeline.failed[t] > 1e-9) failed++;
  }
  return { ttft, interToken, e2e, failed };
}

/**
 * Shortfalls of ready replicas against the sustained need (the trailing average of the demand
 * over `demandWindowSeconds`, over what a replica sustains), within min and max replicas.
 */
export function timeToCapacity(
  ready: ArrayLike<number>, demand: ArrayLike<number>, capacity: ArrayLike<number>, min: number, max: number, demandWindowSeconds: number,
): TimeToCapacity {
  const T = ready.length;
  const dw = demandWindowSeconds;
  let windowSum = 0;
  let inShortfall = false;
  let shortStart = 0;
  let peakNeed = 0;
  let secondsShort = 0;
  let aboveMax = 0;
  const shortfalls: { start: number; end: number; need: number }[] = [];
  for (let t = 0; t < T; t++) {
    // Nothing before second 0, so a trace's first seconds are not mistaken for a burst.
    windowSum += demand[t] - (t >= dw ? demand[t - dw] : 0);
    const sustained = capacity[t] > 0 ? Math.ceil(windowSum / dw / capacity[t] - 1e-9) : 0;
    if (sustained > max) aboveMax++;
    const needed = sustained < min ? min : sustained > max ? max : sustained;
    if (ready[t] < needed) {
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
  const list = shortfalls.map((e) => {
    let at = e.end;
    while (at < T && ready[at] < e.need) at++;
    return { start: e.start, replicas: e.need, seconds: at - e.start, reached: at < T };
  });
  return {
    episodes: list.length,
    maxSeconds: list.reduce((m, e) => Math.max(m, e.seconds), 0),
    meanSeconds: list.length ? list.reduce((s, e) => s + e.seconds, 0) / list.length : 0,
    unresolved: list.filter((e) => !e.reached).length,
    secondsShort,
    secondsAboveMaxReplicas: aboveMax,
    list,
  };
}
