/**
 * The simulation loop: one step per second, an HPA sync every sync period. Each part of the
 * model lives in its own module: `cluster.ts` (pods, nodes, cluster autoscaler), `serving.ts`
 * (the replicas' queues), `engine-metrics.ts` and `scrapes.ts` (what Prometheus stores and how
 * the adapter reads it), `controller-loop.ts` (the HPA), `summary.ts` and `bounds.ts`.
 * See `index.ts` for the model as a whole.
 * @module
 */
import { Cluster } from './cluster';
import { ControllerLoop, SimulationSyncs } from './controller-loop';
import { ScrapedSeries } from './engine-metrics';
import { ResolvedSimulationOptions, resolveSimulationOptions, SimulationOptions } from './options';
import { ScrapeClock } from './scrapes';
import { QueueingServing, ServingSecond } from './serving';
import type { SimulatedService } from './service';
import { SimulationSummary, SimulationTimeline, summarize } from './summary';
import type { Trace } from './trace';

/** Seconds of load averaged for the queue's state at second 0. */
const INITIAL_RATE_SECONDS = 60;
/** How often (simulated seconds) progress is reported. */
const PROGRESS_EVERY_SECONDS = 3600;

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

/**
 * Replays `trace` against `service`: a fluid M/M/c queue per replica pool, pods that start
 * through scheduling, node provisioning, image pull and model load, a Prometheus / DCGM /
 * metrics-server pipeline, and the HPA controller model every sync period.
 *
 * Deterministic: the same inputs give the same result.
 *
 * @throws Error naming the option when an option is out of range.
 */
export function simulate(service: SimulatedService, trace: Trace, options: SimulationOptions = {}): SimulationResult {
  const o = resolveSimulationOptions(service, options);
  const T = trace.requests.length;
  const warnings = startWarnings(service, o);
  const requests = trace.requests;
  const work = tokenWork(trace, o);
  const useNodes = service.gpusPerPod > 0;

  const timeline = {
    requests,
    failed: new Float32Array(T),
    latencySeconds: new Float32Array(T),
    backlog: new Float32Array(T),
    readyReplicas: new Uint16Array(T),
    desiredReplicas: new Uint16Array(T),
    pods: new Uint16Array(T),
    nodes: new Uint16Array(T),
    utilizationPercent: new Float32Array(T),
  };
  const busyPrefix = new Float64Array(T + 1);
  const clock = new ScrapeClock(o.scrapeIntervalSeconds, o.scrapeOffsetSeconds, T);
  const needsHistogram = service.metrics.some((m) => m.signal === 'latency');
  const scraped = new ScrapedSeries(clock.count, needsHistogram);
  const serving = new QueueingServing(o, meanOf(work, 0, Math.min(T, INITIAL_RATE_SECONDS)), needsHistogram);
  const cluster = new Cluster(service, o, (pod, t) => {
    pod.servedBase = serving.servedPerPod;
    pod.firstScrape = clock.firstFrom(t);
  });
  const controller = new ControllerLoop(service, o, cluster, clock, scraped, { utilizationPercent: timeline.utilizationPercent, busyPrefix }, T);
  const second: ServingSecond = { latencySeconds: 0, busyFraction: 0, inFlightPerReplica: 0, waitingPerReplica: 0, failed: 0 };
  let nextScrapeAt = clock.count > 0 ? clock.time(0) : Infinity;
  let boundPodSeconds = 0;

  for (let t = 0; t < T; t++) {
    cluster.step(t);
    const ready = cluster.ready;
    serving.step(requests[t], work[t], ready, second);
    timeline.failed[t] = second.failed;
    timeline.latencySeconds[t] = second.latencySeconds;
    timeline.backlog[t] = serving.backlogRequests;
    timeline.readyReplicas[t] = ready;
    timeline.desiredReplicas[t] = controller.desired;
    timeline.pods[t] = cluster.pods.length;
    boundPodSeconds += cluster.bound;
    timeline.utilizationPercent[t] = second.busyFraction * 100;
    busyPrefix[t + 1] = busyPrefix[t] + second.busyFraction;
    if (useNodes) timeline.nodes[t] = cluster.liveNodes();
    if (t === nextScrapeAt) {
      scraped.scrape(serving, second, ready);
      nextScrapeAt += clock.intervalSeconds;
    }
    if (controller.step(t)) cluster.applyReplicas(t, controller.desired, o.baseLatencySeconds);
    if (options.onProgress && (t + 1) % PROGRESS_EVERY_SECONDS === 0) options.onProgress(t + 1, T);
  }
  if (options.onProgress) options.onProgress(T, T);

  const summary = summarize(service, o, requests, work, {
    failedTotal: serving.failedTotal,
    tlLatency: timeline.latencySeconds,
    tlReady: timeline.readyReplicas,
    tlDesired: timeline.desiredReplicas,
    tlNodes: timeline.nodes,
    boundPodSeconds,
    servedWorkTotal: serving.servedWork,
    capacityWorkTotal: serving.capacityWork,
    syncs: controller.syncs.time.length,
    scaleUps: controller.scaleUps,
    scaleDowns: controller.scaleDowns,
    blocked: controller.blocked,
  });
  if (summary.lowerBoundReplicaHours > summary.replicaHours + 1e-9) {
    warnings.push('the perfect-foresight bound is above the simulated replica-hours: the configuration served less than the load needed (see failed requests and seconds over target)');
  }
  return {
    service: { ...service, behavior: o.behavior, behaviorName: options.behavior === undefined ? service.behaviorName : o.behavior === null ? 'legacy' : 'custom' },
    options: o,
    traceName: trace.name,
    timeline,
    syncs: controller.syncs,
    summary,
    warnings,
  };
}

/** What the reader should know about the inputs before the run. */
function startWarnings(service: SimulatedService, o: ResolvedSimulationOptions): string[] {
  const warnings: string[] = [];
  for (const s of service.skippedMetrics) warnings.push(`metric ${s.name} is not simulated: ${s.reason}`);
  if (o.modelLoadSource === 'default') warnings.push(`the model load time is unknown; assumed ${o.modelLoadSeconds} s (set it with pods.modelLoadSeconds / --load-time)`);
  if (o.modelLoadSource === 'startupProbe') warnings.push(`model load time ${o.modelLoadSeconds} s estimated from the startup probe budget (budget / 1.5)`);
  const probe = service.startupProbe;
  const probeBudget = probe.initialDelaySeconds + probe.periodSeconds * probe.failureThreshold;
  if (o.modelLoadSeconds > probeBudget) {
    warnings.push(`the model takes ${o.modelLoadSeconds} s to load but the startup probe gives up after ${probeBudget} s: new pods restart forever and never become ready`);
  }
  if (service.metrics.length === 0) warnings.push('no simulated metric: the HPA never changes the replica count');
  return warnings;
}

function meanOf(a: Float64Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += a[i];
  return to > from ? sum / (to - from) : 0;
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

