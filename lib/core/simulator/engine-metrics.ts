/**
 * What a pod exposes to Prometheus: the engine's own series (vLLM's names, and the catalogue's
 * default `ai_inference_*` names for a server that uses them) and the DCGM exporter's GPU
 * series. A metric of the HPA is read through the series its catalogue entry names, so the
 * simulator needs no mapping from metric kinds to engine internals.
 *
 * Each pod keeps the scrapes of the series the HPA needs in a ring long enough for the longest
 * rate window; a scrape that did not happen (Prometheus down) leaves a gap.
 * @module
 */
import { DEFAULT_SERIES } from '../metric';
import type { Replica, ServingObserver } from './serving';

/**
 * `vllm:time_to_first_token_seconds` buckets.
 * @see https://github.com/vllm-project/vllm/blob/main/vllm/v1/metrics/loggers.py
 */
export const TTFT_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];
/** `vllm:inter_token_latency_seconds` buckets (same source). */
export const INTER_TOKEN_BUCKETS: readonly number[] = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
/** `vllm:e2e_request_latency_seconds` and `vllm:request_queue_time_seconds` buckets (same source). */
export const REQUEST_LATENCY_BUCKETS: readonly number[] = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0];

/** The histograms an engine keeps, by what they observe. */
export type EngineHistogram = 'timeToFirstToken' | 'interTokenLatency' | 'e2eLatency' | 'queueTime';

/** A Prometheus histogram: counts per bucket (the last is `+Inf`) and the sum. */
export class HistogramCounter {
  /** Observations per bucket (not cumulative: {@link cumulative} adds them up as Prometheus exposes them). */
  public readonly perBucket: Float64Array;
  /** Sum of observed values. */
  public sum = 0;

  public constructor(
    /** Upper bounds, without `+Inf`. */
    public readonly buckets: readonly number[],
  ) {
    this.perBucket = new Float64Array(buckets.length + 1);
  }

  /** Records `count` observations of `value`. */
  public observe(count: number, value: number): void {
    if (!(count > 0)) return;
    const b = this.buckets;
    let i = 0;
    while (i < b.length && value > b[i]) i++;
    this.perBucket[i] += count;
    this.sum += count * value;
  }

  /** Writes the cumulative counts (`le` buckets, then `+Inf`) into `row` at `at`. */
  public cumulative(row: Float64Array, at: number): void {
    let c = 0;
    for (let k = 0; k < this.perBucket.length; k++) {
      c += this.perBucket[k];
      row[at + k] = c;
    }
  }
}

/** Every engine histogram. */
const ALL_HISTOGRAMS: ReadonlySet<EngineHistogram> = new Set<EngineHistogram>(['timeToFirstToken', 'interTokenLatency', 'e2eLatency', 'queueTime']);

/**
 * Everything one engine exposes, per pod. It observes its replica's requests into its
 * histograms and passes every observation on (to the run's statistics).
 */
export class EngineExposition implements ServingObserver {
  /** The engine's scheduler state and counters (set once the replica exists). */
  public replica!: Replica;
  /** The histograms, by what they observe. */
  public readonly histograms: Record<EngineHistogram, HistogramCounter> = {
    timeToFirstToken: new HistogramCounter(TTFT_BUCKETS),
    interTokenLatency: new HistogramCounter(INTER_TOKEN_BUCKETS),
    e2eLatency: new HistogramCounter(REQUEST_LATENCY_BUCKETS),
    queueTime: new HistogramCounter(REQUEST_LATENCY_BUCKETS),
  };
  // Which histograms are kept: observing costs a bucket search per cohort, for nothing when
  // no scrape reads the histogram.
  private readonly keepsTimeToFirstToken: boolean;
  private readonly keepsInterTokenLatency: boolean;
  private readonly keepsE2eLatency: boolean;
  private readonly keepsQueueTime: boolean;

  /**
   * @param downstream where every observation goes on to.
   * @param kept the histograms to keep (the others stay empty); all by default.
   */
  public constructor(private readonly downstream: ServingObserver, kept: ReadonlySet<EngineHistogram> = ALL_HISTOGRAMS) {
    this.keepsTimeToFirstToken = kept.has('timeToFirstToken');
    this.keepsInterTokenLatency = kept.has('interTokenLatency');
    this.keepsE2eLatency = kept.has('e2eLatency');
    this.keepsQueueTime = kept.has('queueTime');
  }

  /** {@inheritDoc ServingObserver.queueTime} */
  public queueTime(count: number, seconds: number): void {
    if (this.keepsQueueTime) this.histograms.queueTime.observe(count, seconds);
    this.downstream.queueTime(count, seconds);
  }

  /** {@inheritDoc ServingObserver.timeToFirstToken} */
  public timeToFirstToken(count: number, seconds: number): void {
    if (this.keepsTimeToFirstToken) this.histograms.timeToFirstToken.observe(count, seconds);
    this.downstream.timeToFirstToken(count, seconds);
  }

  /** {@inheritDoc ServingObserver.interTokenLatency} */
  public interTokenLatency(tokens: number, seconds: number): void {
    if (this.keepsInterTokenLatency) this.histograms.interTokenLatency.observe(tokens, seconds);
    this.downstream.interTokenLatency(tokens, seconds);
  }

  /** {@inheritDoc ServingObserver.finished} */
  public finished(count: number, seconds: number, outputTokens: number): void {
    if (this.keepsE2eLatency) this.histograms.e2eLatency.observe(count, seconds);
    this.downstream.finished(count, seconds, outputTokens);
  }

  /** {@inheritDoc ServingObserver.failed} */
  public failed(count: number): void {
    this.downstream.failed(count);
  }
}

/** How a series is read off an exposition. */
export type SeriesReader =
  | {
    /** A counter: cumulative. */
    readonly type: 'counter';
    /** Its value now. */
    readonly read: (e: EngineExposition) => number;
  }
  | {
    /** A gauge: a value now. */
    readonly type: 'gauge';
    /** Its value now. */
    readonly read: (e: EngineExposition) => number;
  }
  | {
    /** A histogram: cumulative buckets and sum. */
    readonly type: 'histogram';
    /** Which of the engine's histograms. */
    readonly histogram: EngineHistogram;
  };

/** Where a pod's series come from. */
export type SeriesSource = 'engine' | 'dcgm';

/** One series a simulated pod exposes. */
export interface ExposedSeries {
  /** Name as Prometheus stores it (histograms without `_bucket`). */
  readonly name: string;
  /** Who exposes it. */
  readonly source: SeriesSource;
  /** How it is read. */
  readonly reader: SeriesReader;
}

const ENGINE_READERS: readonly (readonly [string, SeriesReader])[] = [
  // vLLM's names.
  ['vllm:prompt_tokens_total', { type: 'counter', read: (e) => e.replica.promptTokensTotal }],
  ['vllm:generation_tokens_total', { type: 'counter', read: (e) => e.replica.generationTokensTotal }],
  ['vllm:request_success_total', { type: 'counter', read: (e) => e.replica.requestSuccessTotal }],
  ['vllm:num_preemptions_total', { type: 'counter', read: (e) => e.replica.preemptionsTotal }],
  ['vllm:num_requests_running', { type: 'gauge', read: (e) => e.replica.running() }],
  ['vllm:num_requests_waiting', { type: 'gauge', read: (e) => e.replica.waitingCount() }],
  ['vllm:kv_cache_usage_perc', { type: 'gauge', read: (e) => e.replica.kvUsage() }],
  ['vllm:time_to_first_token_seconds', { type: 'histogram', histogram: 'timeToFirstToken' }],
  ['vllm:inter_token_latency_seconds', { type: 'histogram', histogram: 'interTokenLatency' }],
  ['vllm:e2e_request_latency_seconds', { type: 'histogram', histogram: 'e2eLatency' }],
  ['vllm:request_queue_time_seconds', { type: 'histogram', histogram: 'queueTime' }],
  // vLLM before 0.10 (ModelServer.vllm({ version: '0.9' })).
  ['vllm:gpu_cache_usage_perc', { type: 'gauge', read: (e) => e.replica.kvUsage() }],
  ['vllm:time_per_output_token_seconds', { type: 'histogram', histogram: 'interTokenLatency' }],
  // The other presets' names for the same quantities (lib/core/metrics/model-servers.ts), so
  // every preset can be simulated as shipped. Bucket bounds stay vLLM's.
  ['sglang:num_queue_reqs', { type: 'gauge', read: (e) => e.replica.waitingCount() }],
  ['sglang:num_running_reqs', { type: 'gauge', read: (e) => e.replica.running() }],
  ['sglang:token_usage', { type: 'gauge', read: (e) => e.replica.kvUsage() }],
  ['sglang:time_to_first_token_seconds', { type: 'histogram', histogram: 'timeToFirstToken' }],
  ['sglang:inter_token_latency_seconds', { type: 'histogram', histogram: 'interTokenLatency' }],
  ['sglang:queue_time_seconds', { type: 'histogram', histogram: 'queueTime' }],
  ['sglang:generation_tokens_total', { type: 'counter', read: (e) => e.replica.generationTokensTotal }],
  ['tgi_queue_size', { type: 'gauge', read: (e) => e.replica.waitingCount() }],
  ['tgi_batch_current_size', { type: 'gauge', read: (e) => e.replica.running() }],
  ['tgi_request_mean_time_per_token_duration', { type: 'histogram', histogram: 'interTokenLatency' }],
  ['tgi_request_queue_duration', { type: 'histogram', histogram: 'queueTime' }],
  ['tgi_request_generated_tokens_sum', { type: 'counter', read: (e) => e.replica.generationTokensTotal }],
  ['te_queue_size', { type: 'gauge', read: (e) => e.replica.waitingCount() }],
  ['te_batch_current_size', { type: 'gauge', read: (e) => e.replica.running() }],
  ['te_request_queue_duration', { type: 'histogram', histogram: 'queueTime' }],
  ['nv_inference_pending_request_count', { type: 'gauge', read: (e) => e.replica.waitingCount() }],
  // The catalogue's default names, for a server that exposes them.
  [DEFAULT_SERIES.requestsTotal, { type: 'counter', read: (e) => e.replica.requestSuccessTotal + e.replica.requestFailedTotal }],
  [DEFAULT_SERIES.latencySeconds, { type: 'histogram', histogram: 'e2eLatency' }],
  [DEFAULT_SERIES.requestsInFlight, { type: 'gauge', read: (e) => e.replica.running() }],
  [DEFAULT_SERIES.queueDepth, { type: 'gauge', read: (e) => e.replica.waitingCount() }],
];

/** The DCGM exporter: the share of time a kernel ran, as percent and as a ratio. */
const DCGM_READERS: readonly (readonly [string, SeriesReader])[] = [
  [DEFAULT_SERIES.dcgmGpuUtil, { type: 'gauge', read: (e) => Math.round(e.replica.busyFraction * 100) }],
  [DEFAULT_SERIES.dcgmEngineActive, { type: 'gauge', read: (e) => e.replica.busyFraction }],
];

/** The series the engine and the DCGM exporter expose, by name. */
export const EXPOSED_SERIES: ReadonlyMap<string, ExposedSeries> = new Map<string, ExposedSeries>([
  ...ENGINE_READERS.map(([name, reader]): [string, ExposedSeries] => [name, { name, source: 'engine', reader }]),
  ...DCGM_READERS.map(([name, reader]): [string, ExposedSeries] => [name, { name, source: 'dcgm', reader }]),
]);

/** The series a request counter exposes with a failure label, for error ratios. */
export const FAILED_REQUESTS_SERIES = DEFAULT_SERIES.requestsTotal;

/**
 * Where each needed series sits in a scrape row: one slot for a counter or gauge; buckets + 1
 * counts and the sum for a histogram. The request counter also carries its failed share.
 */
export class ScrapeLayout {
  /** Slots per scrape. */
  public readonly width: number;
  private readonly offsets = new Map<string, number>();
  private readonly entries: { series: ExposedSeries; offset: number }[] = [];
  private failedOffset = -1;
  private readonly histogramsRead = new Set<EngineHistogram>();

  public constructor(names: readonly string[]) {
    let w = 0;
    for (const name of [...new Set(names)]) {
      const series = EXPOSED_SERIES.get(name);
      if (!series) continue;
      this.offsets.set(name, w);
      this.entries.push({ series, offset: w });
      if (series.reader.type === 'histogram') this.histogramsRead.add(series.reader.histogram);
      w += series.reader.type === 'histogram' ? histogramBuckets(series.reader.histogram).length + 2 : 1;
      if (name === FAILED_REQUESTS_SERIES) {
        this.failedOffset = w;
        w++;
      }
    }
    this.width = w;
  }

  /** Slot of a series, -1 when not scraped. */
  public offset(name: string): number {
    return this.offsets.get(name) ?? -1;
  }

  /** The engine histograms a scrape writes. */
  public histograms(): ReadonlySet<EngineHistogram> {
    return this.histogramsRead;
  }

  /** Slot of the failed share of the request counter, -1 when not scraped. */
  public failedSlot(): number {
    return this.failedOffset;
  }

  /** Writes one scrape of `e` into `row` at `at`; the DCGM series only when `dcgm` (a scrape of the exporter). */
  public write(e: EngineExposition, row: Float64Array, at: number): void {
    for (const { series, offset } of this.entries) {
      const r = series.reader;
      if (r.type === 'histogram') {
        const h = e.histograms[r.histogram];
        h.cumulative(row, at + offset);
        row[at + offset + h.perBucket.length] = h.sum;
      } else row[at + offset] = r.read(e);
    }
    if (this.failedOffset >= 0) row[at + this.failedOffset] = e.replica.requestFailedTotal;
  }
}

/** Bucket bounds of an engine histogram. */
export function histogramBuckets(h: EngineHistogram): readonly number[] {
  return h === 'timeToFirstToken' ? TTFT_BUCKETS : h === 'interTokenLatency' ? INTER_TOKEN_BUCKETS : REQUEST_LATENCY_BUCKETS;
}

/**
 * One pod's scrapes: a ring of the last `capacity` scrape rows, each flagged present or not.
 * Scrape `k` lives at `k % capacity`.
 */
export class PodScrapes {
  /** Scrape rows. */
  public readonly rows: Float64Array;
  /** Scrape index held by each slot (-1: none). */
  public readonly held: Int32Array;

  public constructor(public readonly capacity: number, public readonly width: number) {
    this.rows = new Float64Array(capacity * width);
    this.held = new Int32Array(capacity).fill(-1);
  }

  /** Records scrape `k`. */
  public record(k: number, layout: ScrapeLayout, e: EngineExposition): void {
    const slot = k % this.capacity;
    this.held[slot] = k;
    layout.write(e, this.rows, slot * this.width);
  }

  /** Row offset of scrape `k`, -1 when it did not happen or has left the ring. */
  public at(k: number): number {
    if (k < 0) return -1;
    const slot = k % this.capacity;
    return this.held[slot] === k ? slot * this.width : -1;
  }
}
