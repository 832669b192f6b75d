/**
 * The HPA controller every sync period: each metric read as the adapter or metrics-server
 * serves it, {@link hpa.sync}, and the new `spec.replicas` handed to the ReplicaSet.
 * @module
 */
import * as hpa from '../hpa';
import { Cluster, Pod, PodPhase } from './cluster';
import type { ScrapedSeries } from './engine-metrics';
import type { ResolvedSimulationOptions } from './options';
import { histogramQuantile, ScrapeClock, scrapeWindow } from './scrapes';
import { LATENCY_BUCKETS_SECONDS } from './serving';
import type { SimulatedMetric, SimulatedService } from './service';

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

/** What a sync needs to know of the cluster's GPU and CPU use. */
export interface UsageHistory {
  /** Busy fraction of the ready replicas per second, percent. */
  readonly utilizationPercent: Float32Array;
  /** Prefix sums of the busy fraction (0-1): `[t]` is the sum over seconds before `t`. */
  readonly busyPrefix: Float64Array;
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
  private readonly window = scrapeWindow();
  private readonly duration: number;

  public constructor(
    private readonly service: SimulatedService,
    private readonly o: ResolvedSimulationOptions,
    private readonly cluster: Cluster,
    private readonly clock: ScrapeClock,
    private readonly scraped: ScrapedSeries,
    private readonly usage: UsageHistory,
    durationSeconds: number,
  ) {
    this.duration = durationSeconds;
    this.desired = o.initialReplicas;
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
  }

  /** Runs the sync due at second `t`, if any; returns true when `spec.replicas` changed. */
  public step(t: number): boolean {
    if (t !== this.nextSyncAt) return false;
    const o = this.o;
    const metrics = this.service.metrics;
    const j = this.index;
    const tau = t - o.adapterDelaySeconds;
    const lastScrape = this.clock.lastAt(tau, this.scraped.taken);
    const observations: hpa.HpaMetricObservation[] = metrics.map((m) => this.observe(m, t, tau, lastScrape));
    const result = hpa.sync({
      recommendations: this.state.recommendations,
      scaleUpEvents: this.state.scaleUpEvents,
      scaleDownEvents: this.state.scaleDownEvents,
      currentReplicas: this.desired,
      statusReplicas: this.cluster.liveReplicas(),
      tolerance: this.tolerance,
      metrics: observations,
      minReplicas: this.service.minReplicas,
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

  /** One metric as the HPA sees it at sync time `t` (data as of `tau`, last scrape `lastScrape`). */
  private observe(m: SimulatedMetric, t: number, tau: number, lastScrape: number): hpa.HpaMetricObservation {
    const ready = this.cluster.ready;
    switch (m.signal) {
      case 'objectRequestRate': {
        if (!this.clock.window(tau, m.rateWindowSeconds, lastScrape, 0, this.window)) return { type: 'Object', invalid: true };
        const v = this.clock.rate(this.scraped.arrivals, 0, tau, m.rateWindowSeconds, this.window);
        return m.targetType === 'Value'
          ? { type: 'Object', targetValueMilli: m.target, valueMilli: Math.trunc(v * 1000), readyPodCount: ready }
          : { type: 'Object', targetAverageValueMilli: m.target, valueMilli: Math.trunc(v * 1000) };
      }
      case 'externalQueue': {
        if (lastScrape < 0) return { type: 'External', invalid: true };
        const v = Math.trunc(this.scraped.totalWaiting[lastScrape] * 1000);
        return m.targetType === 'Value'
          ? { type: 'External', targetValueMilli: m.target, valuesMilli: [v], readyPodCount: ready }
          : { type: 'External', targetAverageValueMilli: m.target, valuesMilli: [v] };
      }
      default:
        break;
    }
    const pods = this.cluster.pods;
    const samples: hpa.HpaPodSample[] = [];
    for (let i = 0; i < pods.length; i++) samples.push(this.podSample(m, pods[i], t, tau, lastScrape));
    if (m.type === 'Resource') {
      return m.targetType === 'Utilization'
        ? { type: 'Resource', name: m.name, targetAverageUtilization: m.target, pods: samples }
        : { type: 'Resource', name: m.name, targetAverageValueMilli: m.target, pods: samples };
    }
    return { type: 'Pods', targetAverageValueMilli: m.target, pods: samples };
  }

  private podSample(m: SimulatedMetric, p: Pod, t: number, tau: number, lastScrape: number): hpa.HpaPodSample {
    const o = this.o;
    const signal = m.signal;
    if (signal === 'cpuUtilization' || signal === 'memoryUtilization') return this.resourceSample(signal, p, t, tau);
    if (p.phase === PodPhase.Terminating) return { state: 'ignored' };
    if (p.phase === PodPhase.Unscheduled || p.phase === PodPhase.Pulling) return { state: 'unready' };
    if (signal === 'gpuUtilization') {
      // DCGM collects every dcgmInterval; Prometheus scrapes the exporter; the HPA reads the last scrape.
      if (lastScrape < 0) return { state: 'missing' };
      const scrapedAt = this.clock.time(lastScrape);
      const d = o.dcgmIntervalSeconds;
      const collectedAt = Math.floor(scrapedAt / d) * d;
      if (collectedAt < p.pullEnd) return { state: 'missing' };
      const percent = p.readyAt <= collectedAt ? Math.round(this.usage.utilizationPercent[Math.min(this.duration - 1, collectedAt)]) : o.gpuLoadingPercent;
      return { state: 'ready', valueMilli: percent * 1000 };
    }
    // The server's own series exist once it serves (after the model loaded).
    if (p.phase !== PodPhase.Ready || lastScrape < p.firstScrape) return { state: 'missing' };
    const s = this.scraped;
    switch (signal) {
      case 'inFlightRequests':
        return { state: 'ready', valueMilli: Math.trunc(s.inFlight[lastScrape] * 1000) };
      case 'queueDepth':
        return { state: 'ready', valueMilli: Math.trunc(s.waiting[lastScrape] * 1000) };
      default:
        break;
    }
    const w = this.window;
    if (!this.clock.window(tau, m.rateWindowSeconds, lastScrape, p.firstScrape, w)) return { state: 'missing' };
    if (signal === 'requestsPerSecond') {
      const v = this.clock.rate(s.served, p.servedBase, tau, m.rateWindowSeconds, w);
      return { state: 'ready', valueMilli: Math.trunc(v * 1000) };
    }
    if (signal === 'errorRate') {
      const failed = s.failed[w.last] - s.failed[w.first];
      const all = s.served[w.last] - s.served[w.first] + failed;
      return { state: 'ready', valueMilli: Math.trunc((all > 1e-9 ? failed / all : 0) * 1000) };
    }
    // latency
    const nb = LATENCY_BUCKETS_SECONDS.length + 1;
    const count = s.latencyBuckets[w.last * nb + nb - 1] - s.latencyBuckets[w.first * nb + nb - 1];
    if (!(count > 1e-9)) return { state: 'missing' };
    if (m.quantile === 'mean' || m.quantile === undefined) {
      return { state: 'ready', valueMilli: Math.trunc(((s.latencySum[w.last] - s.latencySum[w.first]) / count) * 1000) };
    }
    return { state: 'ready', valueMilli: Math.trunc(histogramQuantile(m.quantile, LATENCY_BUCKETS_SECONDS, s.latencyBuckets, w.first, w.last) * 1000) };
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
      const prefix = this.usage.busyPrefix;
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
