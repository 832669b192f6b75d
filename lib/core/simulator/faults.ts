/**
 * Injected faults: Prometheus down for a while (no scrapes, adapter queries fail), a pod's
 * container crashing, a spot node's two-minute interruption notice. And, afterwards, what the
 * HPA did around each.
 * @module
 */
import type { Cluster } from './cluster';
import type { SimulationSyncs } from './controller-loop';
import { SYNC_REASONS } from './controller-loop';
import type { ResolvedSimulationOptions } from './options';
import type { FaultReport, SimulationTimeline } from './summary';

/** How long after a fault the report looks at what the HPA and users saw, seconds. */
export const FAULT_AFTERMATH_SECONDS = 300;

/** A warning for each fault that starts at or after the end of a trace of `duration` seconds: it never happens. */
export function faultWarnings(faults: ResolvedSimulationOptions['faults'], duration: number): string[] {
  const late = (path: string, what: string, list: readonly { readonly atSeconds: number }[]): string[] => list
    .filter((f) => f.atSeconds >= duration)
    .map((f) => `${what} at ${f.atSeconds} s (${path}) starts after the trace ends (${duration} s) and is ignored`);
  return [
    ...late('faults.metricsOutages', 'a metrics outage', faults.metricsOutages),
    ...late('faults.podCrashes', 'a pod crash', faults.podCrashes),
    ...late('faults.spotInterruptions', 'a spot interruption', faults.spotInterruptions),
  ];
}

/** The faults of one run, applied as the loop reaches them. */
export class FaultSchedule {
  private readonly events: { kind: FaultReport['kind']; atSeconds: number; endSeconds: number; done: boolean; hit: boolean }[];

  public constructor(private readonly faults: ResolvedSimulationOptions['faults']) {
    this.events = [
      ...faults.metricsOutages.map((f) => ({ kind: 'metricsOutage' as const, atSeconds: f.atSeconds, endSeconds: f.atSeconds + f.durationSeconds, done: false, hit: true })),
      ...faults.podCrashes.map((f) => ({ kind: 'podCrash' as const, atSeconds: f.atSeconds, endSeconds: -1, done: false, hit: false })),
      ...faults.spotInterruptions.map((f) => ({ kind: 'spotInterruption' as const, atSeconds: f.atSeconds, endSeconds: -1, done: false, hit: false })),
    ].sort((a, b) => a.atSeconds - b.atSeconds);
  }

  /** Whether Prometheus is down at second `t`. */
  public prometheusDown(t: number): boolean {
    const outages = this.faults.metricsOutages;
    for (let i = 0; i < outages.length; i++) if (t >= outages[i].atSeconds && t < outages[i].atSeconds + outages[i].durationSeconds) return true;
    return false;
  }

  /** Applies the crashes and spot notices due at second `t`. */
  public apply(t: number, cluster: Cluster, desired: number): void {
    if (this.events.length === 0) return;
    for (const e of this.events) {
      if (e.done || e.atSeconds !== t) continue;
      e.done = true;
      if (e.kind === 'podCrash') e.hit = cluster.crash(t) !== undefined;
      else if (e.kind === 'spotInterruption') e.hit = cluster.interruptSpot(t, desired) !== undefined;
    }
  }

  /** What the HPA did around each fault that happened within the trace. */
  public report(timeline: SimulationTimeline, syncs: SimulationSyncs, duration: number): FaultReport[] {
    const blockedCode = SYNC_REASONS.indexOf('FailedComputeMetricsReplicas');
    return this.events.filter((e) => e.atSeconds < duration && e.hit).map((e) => {
      const at = e.atSeconds;
      const before = Math.max(0, at - 1);
      const readyBefore = timeline.readyReplicas[before];
      // A crash or an interruption lasts until as many replicas are ready as before it.
      let end = e.endSeconds;
      if (e.kind !== 'metricsOutage') {
        end = -1;
        for (let t = at + 1; t < duration; t++) {
          if (timeline.readyReplicas[t] >= readyBefore) {
            end = t;
            break;
          }
        }
      }
      const until = Math.min(duration, (end < 0 ? duration : end) + FAULT_AFTERMATH_SECONDS);
      let desiredPeakAfter = 0;
      let readyLowest = Infinity;
      let failed = 0;
      for (let t = at; t < until; t++) {
        if (timeline.desiredReplicas[t] > desiredPeakAfter) desiredPeakAfter = timeline.desiredReplicas[t];
        if (t <= (end < 0 ? duration - 1 : end) && timeline.readyReplicas[t] < readyLowest) readyLowest = timeline.readyReplicas[t];
        failed += timeline.failed[t];
      }
      let blocked = 0;
      for (let j = 0; j < syncs.time.length; j++) {
        if (syncs.time[j] >= at && syncs.time[j] < until && syncs.reason[j] === blockedCode) blocked++;
      }
      return {
        kind: e.kind,
        atSeconds: at,
        endSeconds: end,
        desiredBefore: timeline.desiredReplicas[before],
        desiredPeakAfter,
        readyBefore,
        readyLowest: Number.isFinite(readyLowest) ? readyLowest : readyBefore,
        blockedSyncs: blocked,
        failedRequests: failed,
      };
    });
  }
}
