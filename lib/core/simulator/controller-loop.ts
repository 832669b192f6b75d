/**
 * The HPA controller every sync period: each metric read as the adapter or metrics-server
 * serves it, {@link hpa.sync}, and the new `spec.replicas` handed to the ReplicaSet.
 * @module
 */
import * as hpa from '../hpa';
import { DEFAULT_SERIES } from '../metric';
import { Cluster, Pod, PodPhase } from './cluster';
import { EXPOSED_SERIES, ExposedSeries, histogramBuckets, PodScrapes, ScrapeLayout } from './engine-metrics';
import type { ResolvedSimulationOptions } from './options';
import { floorAt } from '../scheduled-floors';
import { KedaMetricsServer } from './keda';
import { histogramQuantileBetween, promRate, ScrapeClock } from './scrapes';
import type { SimulatedMetric, SimulatedService } from './service';

/**
 * How far back an instant query looks for a sample (Prometheus' default `--query.lookback-delta`):
 * a gauge scraped within the last five minutes still answers.
 * @see https://prometheus.io/docs/prometheus/latest/querying/basics/#staleness
 */
export const LOOKBACK_DELTA_SECONDS = 300;

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

/** What a sync reads besides the pods' own scrapes. */
export interface ControllerInputs {
  /** Prefix sums of the ready replicas' mean GPU busy share (0-1): `[t]` sums the seconds before `t`. */
  readonly busyPrefix: Float64Array;
  /** Requests arrived at the service (an ingress counter), per scrape. */
  readonly arrivals: Float64Array;
  /** Requests waiting over the whole service (an external queue), per scrape. */
  readonly totalWaiting: Float64Array;
  /** Whether scrape `k` happened (false while Prometheus is down). */
  readonly scraped: Uint8Array;
  /** Whether the adapter can query Prometheus at second `t`. */
  readonly prometheusUp: (t: number) => boolean;
  /** Scrapes taken so far. */
  readonly taken: () => number;
}

/** Where a metric's per-pod samples come from, resolved once per run: the same for every pod and sync. */
interface MetricSource {
  /** The series the metric reads, when a simulated pod exposes it. */
  readonly exposed: ExposedSeries | undefined;
  /** Its slot in a scrape row. */
  readonly offset: number;
  /** What a gauge's value is multiplied by: the GPU utilization metric is a percent (the adapter scales the engine-active ratio by 100). */
  readonly gaugeScale: number;
}

/** Where `m`'s samples come from in scrape rows laid out by `layout`. */
function metricSource(m: SimulatedMetric, layout: ScrapeLayout): MetricSource {
  const exposed = m.series !== undefined ? EXPOSED_SERIES.get(m.series) : undefined;
  return {
    exposed,
    offset: m.series !== undefined ? layout.offset(m.series) : -1,
    gaugeScale: m.signal === 'gpuUtilization' && m.series === DEFAULT_SERIES.dcgmEngineActive ? 100 : m.valueScale ?? 1,
  };
}

/** The HPA controller: its state between syncs and the record of every sync. */
export class ControllerLoop {
  /** `spec.replicas`. */
  public desired: number;
  /** Syncs that raised `spec.replicas`. */
  public scaleUps = 0;
  /** Syncs that lowered it. */
  public scaleDowns = 0;
  /** Syncs the metric stage blocked. */
  public blocked = 0;
  /** Second of the next sync. */
  public nextSyncAt: number;
  /** The record of every sync. */
  public readonly syncs: SimulationSyncs;
  private state: hpa.HpaState = { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] };
  private index = 0;
  private readonly tolerance: { scaleUp: number; scaleDown: number };
  private readonly duration: number;
  /** Per metric of the service (same order), where its samples come from. */
  private readonly sources: readonly MetricSource[];
  /** KEDA's metrics server between the HPA and Prometheus, on the KEDA path. */
  public readonly kedaServer: KedaMetricsServer | undefined;

  public constructor(
    private readonly service: SimulatedService,
    private readonly o: ResolvedSimulationOptions,
    private readonly cluster: Cluster,
    private readonly clock: ScrapeClock,
    private readonly layout: ScrapeLayout,
    private readonly inputs: ControllerInputs,
    initialReplicas: number,
    durationSeconds: number,
  ) {
    this.duration = durationSeconds;
    this.desired = initialReplicas;
    const count = o.syncOffsetSeconds < durationSeconds ? Math.floor((durationSeconds - 1 - o.syncOffsetSeconds) / o.syncPeriodSeconds) + 1 : 0;
    this.syncs = {
      time: new Int32Array(count),
      proposed: new Int32Array(count),
      desired: new Int32Array(count),
      reason: new Uint8Array(count),
      metricValues: new Float64Array(count * service.metrics.length),
    };
    this.nextSyncAt = count > 0 ? o.syncOffsetSeconds : Infinity;
    this.tolerance = { scaleUp: o.tolerance, scaleDown: o.tolerance };
    this.sources = service.metrics.map((m) => metricSource(m, layout));
    this.kedaServer = service.keda ? new KedaMetricsServer(service.metrics, service.keda) : undefined;
  }

  /** Every metric as the adapter path would observe it at second `t` (KEDA's triggers run the same queries). */
  public readMetrics(t: number): hpa.HpaMetricObservation[] {
    const tau = t - this.o.adapterDelaySeconds;
    const lastScrape = this.clock.lastAt(tau, this.inputs.taken());
    return this.service.metrics.map((m, i) => this.observe(m, this.sources[i], t, tau, lastScrape));
  }

  /** Runs the sync due at second `t`, if any; returns true when `spec.replicas` changed. */
  public step(t: number): boolean {
    if (t !== this.nextSyncAt) return false;
    const o = this.o;
    const metrics = this.service.metrics;
    const j = this.index;
    let observations = this.readMetrics(t);
    // KEDA's HPA reads its triggers through KEDA's metrics server; at zero replicas it reads nothing.
    if (this.kedaServer && this.desired > 0) observations = this.kedaServer.read(observations, this.inputs.prometheusUp(t), this.cluster.ready, this.desired);
    const result = hpa.sync({
      recommendations: this.state.recommendations,
      scaleUpEvents: this.state.scaleUpEvents,
      scaleDownEvents: this.state.scaleDownEvents,
      currentReplicas: this.desired,
      statusReplicas: this.cluster.liveReplicas(),
      tolerance: this.tolerance,
      metrics: observations,
      minReplicas: this.minReplicasAt(t),
      maxReplicas: this.service.maxReplicas,
      behavior: o.behavior,
      downscaleStabilizationSeconds: o.downscaleStabilizationSeconds,
    });
    // hpa.advanceTime(result, syncPeriod), without copying: the lists in a sync result are
    // fresh copies that nothing else holds, so aging them in place is the same state.
    ageInPlace(result.recommendations, o.syncPeriodSeconds);
    ageInPlace(result.scaleUpEvents, o.syncPeriodSeconds);
    ageInPlace(result.scaleDownEvents, o.syncPeriodSeconds);
    this.state = result;
    const s = this.syncs;
    s.time[j] = t;
    s.proposed[j] = result.proposedReplicas ?? -1;
    s.desired[j] = result.replicas;
    s.reason[j] = Math.max(0, SYNC_REASONS.indexOf((result.reason ?? 'DesiredWithinRange') as (typeof SYNC_REASONS)[number]));
    if (result.reason === 'FailedComputeMetricsReplicas') this.blocked++;
    for (let mi = 0; mi < metrics.length; mi++) s.metricValues[j * metrics.length + mi] = currentValue(metrics[mi], result.metrics[mi]);
    this.index++;
    this.nextSyncAt += o.syncPeriodSeconds;
    if (result.replicas === this.desired) return false;
    if (result.replicas > this.desired) this.scaleUps++;
    else this.scaleDowns++;
    this.desired = result.replicas;
    return true;
  }

  /** `minReplicas` at second `t`: the service's, or the scheduled floor then. */
  private minReplicasAt(t: number): number {
    // KEDA's HPA has max(1, minReplicaCount): KEDA itself owns 0 <-> 1.
    const min = this.service.keda ? Math.max(1, this.service.minReplicas) : this.service.minReplicas;
    const week = this.o.floorWeek;
    if (!week) return min;
    return Math.max(min, floorAt(week, t, this.o.traceStart.day, this.o.traceStart.minute));
  }

  /** One metric as the HPA sees it at sync time `t` (data as of `tau`, last scrape `lastScrape`). */
  private observe(m: SimulatedMetric, source: MetricSource, t: number, tau: number, lastScrape: number): hpa.HpaMetricObservation {
    const ready = this.cluster.ready;
    // With Prometheus down every adapter query fails; metrics-server does not need it.
    const adapterDown = m.type !== 'Resource' && !this.inputs.prometheusUp(t);
    switch (m.signal) {
      case 'objectRequestRate': {
        const v = adapterDown ? undefined : this.globalRate(this.inputs.arrivals, tau, m.rateWindowSeconds, lastScrape);
        if (v === undefined) return { type: 'Object', invalid: true };
        return m.targetType === 'Value'
          ? { type: 'Object', targetValueMilli: m.target, valueMilli: Math.trunc(v * 1000), readyPodCount: ready }
          : { type: 'Object', targetAverageValueMilli: m.target, valueMilli: Math.trunc(v * 1000) };
      }
      case 'externalQueue': {
        const k = adapterDown ? -1 : this.lastPresent(lastScrape, tau);
        if (k < 0) return { type: 'External', invalid: true };
        const v = Math.trunc(this.inputs.totalWaiting[k] * 1000);
        return m.targetType === 'Value'
          ? { type: 'External', targetValueMilli: m.target, valuesMilli: [v], readyPodCount: ready }
          : { type: 'External', targetAverageValueMilli: m.target, valuesMilli: [v] };
      }
      default:
        break;
    }
    if (adapterDown) return { type: 'Pods', invalid: true };
    const pods = this.cluster.pods;
    const samples: hpa.HpaPodSample[] = [];
    for (let i = 0; i < pods.length; i++) samples.push(this.podSample(m, source, pods[i], t, tau, lastScrape));
    if (m.type === 'Resource') {
      return m.targetType === 'Utilization'
        ? { type: 'Resource', name: m.name, targetAverageUtilization: m.target, pods: samples }
        : { type: 'Resource', name: m.name, targetAverageValueMilli: m.target, pods: samples };
    }
    return { type: 'Pods', targetAverageValueMilli: m.target, pods: samples };
  }

  private podSample(m: SimulatedMetric, source: MetricSource, p: Pod, t: number, tau: number, lastScrape: number): hpa.HpaPodSample {
    const signal = m.signal;
    if (signal === 'cpuUtilization' || signal === 'memoryUtilization') return this.resourceSample(signal, p, t, tau);
    if (p.phase === PodPhase.Terminating) return { state: 'ignored' };
    if (p.phase === PodPhase.Unscheduled || p.phase === PodPhase.Pulling) return { state: 'unready' };
    const exposed = source.exposed;
    if (!exposed) return { state: 'missing' };
    // The DCGM exporter reports a loading pod's GPU; the engine's own series exist once it serves.
    if (exposed.source === 'dcgm' && p.phase === PodPhase.Loading) {
      if (lastScrape < 0 || this.clock.time(lastScrape) < p.pullEnd) return { state: 'missing' };
      return { state: 'ready', valueMilli: Math.round(this.o.gpuLoadingPercent * 1000) };
    }
    const scrapes = p.scrapes;
    if (p.phase !== PodPhase.Ready || !scrapes || lastScrape < p.firstScrape) return { state: 'missing' };
    const offset = source.offset;
    const reader = exposed.reader;
    if (reader.type === 'gauge') {
      const k = this.lastPresentOf(scrapes, lastScrape, tau, p.firstScrape);
      if (k < 0) return { state: 'missing' };
      return { state: 'ready', valueMilli: Math.trunc(scrapes.rows[scrapes.at(k) + offset] * source.gaugeScale * 1000) };
    }
    const w = this.window(scrapes, tau, m.rateWindowSeconds, lastScrape, p.firstScrape);
    if (!w) return { state: 'missing' };
    const first = scrapes.at(w.first);
    const last = scrapes.at(w.last);
    const rows = scrapes.rows;
    if (reader.type === 'counter') {
      if (signal === 'errorRate') {
        const failedSlot = this.layout.failedSlot();
        const failed = failedSlot >= 0 ? rows[last + failedSlot] - rows[first + failedSlot] : 0;
        const all = rows[last + offset] - rows[first + offset];
        return { state: 'ready', valueMilli: Math.trunc((all > 1e-9 ? failed / all : 0) * 1000) };
      }
      const v = promRate(rows[first + offset], rows[last + offset], this.clock.time(w.first), this.clock.time(w.last), w.samples, tau - m.rateWindowSeconds, tau, m.rateWindowSeconds);
      return { state: 'ready', valueMilli: Math.trunc(v * 1000) };
    }
    // A histogram: quantile over the bucket increases, or rate(sum) / rate(count) for a mean.
    const buckets = histogramBuckets(reader.histogram);
    const nb = buckets.length + 1;
    const count = rows[last + offset + nb - 1] - rows[first + offset + nb - 1];
    // No request in the window: the catalogue's latency queries, through the adapter or a KEDA
    // trigger, answer 0 for an idle pod (`or sum(rate(count)) == 0`), so an idle service scales down.
    if (!(count > 1e-9)) return { state: 'ready', valueMilli: 0 };
    if (m.quantile === 'mean' || m.quantile === undefined) {
      return { state: 'ready', valueMilli: Math.trunc(((rows[last + offset + nb] - rows[first + offset + nb]) / count) * 1000) };
    }
    return { state: 'ready', valueMilli: Math.trunc(histogramQuantileBetween(m.quantile, buckets, rows, first + offset, last + offset) * 1000) };
  }

  /** The first and last present scrape of a pod inside `(tau - window, tau]`, from its first scrape on, and how many. */
  private window(scrapes: PodScrapes, tau: number, windowSeconds: number, lastScrape: number, firstScrape: number): { first: number; last: number; samples: number } | undefined {
    const lo = tau - windowSeconds;
    const clock = this.clock;
    let k1 = lo < clock.offsetSeconds ? 0 : Math.floor((lo - clock.offsetSeconds) / clock.intervalSeconds) + 1;
    if (k1 < firstScrape) k1 = firstScrape;
    let first = -1;
    let last = -1;
    let samples = 0;
    for (let k = k1; k <= lastScrape; k++) {
      if (scrapes.at(k) < 0) continue;
      if (first < 0) first = k;
      last = k;
      samples++;
    }
    return samples >= 2 ? { first, last, samples } : undefined;
  }

  /** The latest present scrape of a pod within the lookback delta, or -1. */
  private lastPresentOf(scrapes: PodScrapes, lastScrape: number, tau: number, firstScrape: number): number {
    for (let k = lastScrape; k >= firstScrape && k >= 0; k--) {
      if (tau - this.clock.time(k) > LOOKBACK_DELTA_SECONDS) return -1;
      if (scrapes.at(k) >= 0) return k;
    }
    return -1;
  }

  /** The latest scrape that happened, within the lookback delta, or -1. */
  private lastPresent(lastScrape: number, tau: number): number {
    for (let k = lastScrape; k >= 0; k--) {
      if (tau - this.clock.time(k) > LOOKBACK_DELTA_SECONDS) return -1;
      if (this.inputs.scraped[k]) return k;
    }
    return -1;
  }

  /** `rate()` of a service-wide counter. */
  private globalRate(series: Float64Array, tau: number, windowSeconds: number, lastScrape: number): number | undefined {
    const lo = tau - windowSeconds;
    const clock = this.clock;
    const k1 = lo < clock.offsetSeconds ? 0 : Math.floor((lo - clock.offsetSeconds) / clock.intervalSeconds) + 1;
    let first = -1;
    let last = -1;
    let samples = 0;
    for (let k = k1; k <= lastScrape; k++) {
      if (!this.inputs.scraped[k]) continue;
      if (first < 0) first = k;
      last = k;
      samples++;
    }
    if (samples < 2) return undefined;
    return promRate(series[first], series[last], clock.time(first), clock.time(last), samples, lo, tau, windowSeconds);
  }

  /** metrics-server's CPU and memory, with the controller's CPU readiness rules. */
  private resourceSample(signal: 'cpuUtilization' | 'memoryUtilization', p: Pod, t: number, tau: number): hpa.HpaPodSample {
    const o = this.o;
    const service = this.service;
    const request = signal === 'cpuUtilization' ? service.cpuRequestMilli : service.memoryRequestBytes * 1000;
    if (p.phase === PodPhase.Terminating) return { state: 'ignored', requestMilli: request };
    if (p.phase === PodPhase.Unscheduled || p.phase === PodPhase.Pulling) return { state: 'unready', requestMilli: request };
    // metrics-server: the last scrape at or before tau, averaging the window before it.
    const res = o.resourceMetricsIntervalSeconds;
    const sampleAt = Math.floor(tau / res) * res;
    if (sampleAt < p.pullEnd + res) return { state: p.phase === PodPhase.Ready || signal === 'memoryUtilization' ? 'missing' : 'unready', requestMilli: request };
    if (signal === 'memoryUtilization') return { state: 'ready', valueMilli: Math.round((service.memoryRequestBytes * o.memoryPercent) / 100) * 1000, requestMilli: request };
    // CPU readiness (section 4.2 of the controller model). A pod that has not become ready
    // yet has had Ready=False since it started, so it is unready before and after the
    // initialization period alike; a ready one is unready until a full sample window has
    // passed since its Ready transition, within the initialization period.
    if (p.phase !== PodPhase.Ready) return { state: 'unready', requestMilli: request };
    if (t < p.startAt + o.cpuInitializationPeriodSeconds && sampleAt < p.readyAt + res) return { state: 'unready', requestMilli: request };
    const from = Math.max(0, sampleAt - res);
    const to = Math.min(this.duration, Math.max(from, sampleAt));
    if (to > from) {
      const prefix = this.inputs.busyPrefix;
      const readyFrom = Math.min(to, Math.max(from, p.readyAt));
      const busy = (prefix[to] - prefix[readyFrom]) / (to - from);
      const loadingShare = (readyFrom - from) / (to - from);
      const cores = request * (loadingShare * o.cpuLoadingFraction + (1 - loadingShare) * o.cpuIdleFraction + o.cpuBusyFraction * busy);
      return { state: 'ready', valueMilli: Math.round(cores), requestMilli: request };
    }
    return { state: 'ready', valueMilli: Math.round(request * o.cpuIdleFraction), requestMilli: request };
  }
}

function ageInPlace(list: { ageSeconds: number }[], seconds: number): void {
  for (let i = 0; i < list.length; i++) list[i].ageSeconds += seconds;
}

function currentValue(m: SimulatedMetric, r: hpa.HpaMetricResult | undefined): number {
  if (!r || r.replicas === null || !r.current) return NaN;
  if (m.targetType === 'Utilization') return r.current.averageUtilization ?? NaN;
  if (r.current.averageValueMilli !== undefined) return r.current.averageValueMilli / 1000;
  if (r.current.valueMilli !== undefined) return r.current.valueMilli / 1000;
  return NaN;
}
