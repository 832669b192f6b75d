/**
 * What the inference server exposes per pod, as Prometheus stores it at each scrape: the
 * served and failed request counters, the in-flight and waiting gauges, the latency histogram,
 * and the arrivals an ingress counts.
 * @module
 */
import { LATENCY_BUCKETS_SECONDS, QueueingServing, ServingSecond } from './serving';

/** The series of every scrape, indexed by scrape (histograms: `buckets + 1` per scrape). */
export class ScrapedSeries {
  /** Served requests per pod, cumulative. */
  public readonly served: Float64Array;
  /** Failed requests per pod, cumulative. */
  public readonly failed: Float64Array;
  /** Requests in flight per ready pod. */
  public readonly inFlight: Float64Array;
  /** Requests waiting per ready pod. */
  public readonly waiting: Float64Array;
  /** Requests arrived at the service (the ingress counter), cumulative. */
  public readonly arrivals: Float64Array;
  /** Requests waiting over the whole service (an external queue). */
  public readonly totalWaiting: Float64Array;
  /** Latency histogram per pod, cumulative bucket counts. */
  public readonly latencyBuckets: Float64Array;
  /** Latency sum per pod, cumulative. */
  public readonly latencySum: Float64Array;
  /** Scrapes taken so far. */
  public taken = 0;
  private readonly bucketCount = LATENCY_BUCKETS_SECONDS.length + 1;

  public constructor(scrapes: number, withHistogram: boolean) {
    this.served = new Float64Array(scrapes);
    this.failed = new Float64Array(scrapes);
    this.inFlight = new Float64Array(scrapes);
    this.waiting = new Float64Array(scrapes);
    this.arrivals = new Float64Array(scrapes);
    this.totalWaiting = new Float64Array(scrapes);
    this.latencyBuckets = new Float64Array(withHistogram ? scrapes * this.bucketCount : 0);
    this.latencySum = new Float64Array(withHistogram ? scrapes : 0);
  }

  /** Records one scrape of the serving state. */
  public scrape(serving: QueueingServing, second: ServingSecond, ready: number): void {
    const k = this.taken++;
    this.served[k] = serving.servedPerPod;
    this.failed[k] = serving.failedPerPod;
    this.inFlight[k] = second.inFlightPerReplica;
    this.waiting[k] = second.waitingPerReplica;
    this.arrivals[k] = serving.arrivals;
    this.totalWaiting[k] = second.waitingPerReplica * ready + (ready === 0 ? serving.backlogRequests : 0);
    if (this.latencySum.length > 0) {
      this.latencyBuckets.set(serving.latencyCumulative, k * this.bucketCount);
      this.latencySum[k] = serving.latencySum;
    }
  }
}
