/**
 * The simulation loop: one step per second, an HPA sync every sync period. Each part of the
 * model lives in its own module: `cluster.ts` (pods, nodes, cluster autoscaler, start-up),
 * `serving.ts` (token-aware continuous batching per replica), `routing.ts` (the gateway),
 * `engine-metrics.ts` and `scrapes.ts` (what pods expose, what Prometheus stores, how the
 * adapter reads it), `controller-loop.ts` (the HPA), `faults.ts`, `workload.ts`, `summary.ts`
 * and `bounds.ts`. See `index.ts` for the model as a whole.
 * @module
 */
import { instantBoundSeconds, leadTimeBoundSeconds, replicasNeeded } from './bounds';
import { Cluster, Pod, PodPhase } from './cluster';
import { ControllerLoop, LOOKBACK_DELTA_SECONDS, SimulationSyncs } from './controller-loop';
import { EngineExposition, PodScrapes, ScrapeLayout } from './engine-metrics';
import { faultWarnings, FaultSchedule } from './faults';
import { HeldRequests } from './gateway';
import { KedaScaleLoop, kedaSummary, kedaWarnings } from './keda';
import { ResolvedSimulationOptions, resolveSimulationOptions, SimulationOptions } from './options';
import { route, RoutingCursor } from './routing';
import { ScrapeClock } from './scrapes';
import { Cohort, Replica } from './serving';
import type { SimulatedService } from './service';
import { RequestStats, SimulationSummary, SimulationTimeline, sloSeconds, timeToCapacity } from './summary';
import type { Trace } from './trace';
import { capacitySeries, demandSeries, requestMix } from './workload';

/** How often (simulated seconds) progress is reported. */
const PROGRESS_EVERY_SECONDS = 3600;
const SECONDS_PER_HOUR = 3600;
/** The trace's first minutes size the replicas running at second 0. */
const INITIAL_STATE_SECONDS = 300;

/** Output of {@link simulate}. */
export interface SimulationResult {
  /** The service as simulated (with the behavior actually used). */
  readonly service: SimulatedService;
  /** Every option, resolved. */
  readonly options: ResolvedSimulationOptions;
  /** Name of the trace. */
  readonly traceName: string;
  /** Ready replicas at second 0. */
  readonly initialReplicas: number;
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
 * Replays `trace` against `service`: token-aware continuous batching per replica with the
 * serving profile, pods that start through scheduling, node provisioning, image pull and model
 * load, the engine's and the DCGM exporter's series scraped by Prometheus and read through the
 * adapter's semantics, and the HPA controller model every sync period.
 *
 * Deterministic: the same inputs give the same result.
 *
 * @throws Error naming the option when an option is out of range.
 */
export function simulate(service: SimulatedService, trace: Trace, options: SimulationOptions = {}): SimulationResult {
  const o = resolveSimulationOptions(service, options);
  const T = trace.requests.length;
  const warnings = [...startWarnings(service, o, options), ...faultWarnings(o.faults, T)];
  const requests = trace.requests;
  const mix = requestMix(trace, o);
  const capacity = capacitySeries(o.profile, mix, o.slo.interTokenSeconds);
  const demand = demandSeries(requests, o.demandWindowSeconds);
  const needed = replicasNeeded(demand, capacity);
  const useNodes = service.gpusPerPod > 0;

  // The initial state: what the trace's first minutes need, not minReplicas.
  const initialReplicas = o.initialReplicas ?? initialFromTrace(requests, capacity, service.minReplicas, service.maxReplicas);
  const podsPerNode = useNodes ? Math.floor(o.gpusPerNode / service.gpusPerPod) : Infinity;
  const initialNodes = o.initialNodes ?? (useNodes ? Math.max(o.minNodes, Math.ceil(initialReplicas / podsPerNode)) : 0);
  if (useNodes && initialNodes * podsPerNode < initialReplicas) {
    throw new Error(`simulate "${service.name}": nodes.initialNodes (${initialNodes}) cannot hold the ${initialReplicas} initial replicas; use at least ${Math.ceil(initialReplicas / podsPerNode)}`);
  }

  const timeline: SimulationTimeline = {
    requests,
    failed: new Float32Array(T),
    ttftSeconds: new Float32Array(T),
    interTokenSeconds: new Float32Array(T),
    e2eSeconds: new Float32Array(T),
    waiting: new Float32Array(T),
    oldestWithoutFirstTokenSeconds: new Float32Array(T),
    oldestUnfinishedSeconds: new Float32Array(T),
    running: new Float32Array(T),
    readyReplicas: new Uint16Array(T),
    desiredReplicas: new Uint16Array(T),
    neededReplicas: needed,
    pods: new Uint16Array(T),
    nodes: new Uint16Array(T),
    utilizationPercent: new Float32Array(T),
    kvUsagePercent: new Float32Array(T),
  };
  const stats = new RequestStats();
  const clock = new ScrapeClock(o.scrapeIntervalSeconds, o.scrapeOffsetSeconds, T);
  const layout = new ScrapeLayout(service.metrics.flatMap((m) => (m.series !== undefined ? [m.series] : [])));
  const longestWindow = Math.max(LOOKBACK_DELTA_SECONDS, ...service.metrics.map((m) => m.rateWindowSeconds));
  const ringScrapes = Math.ceil(longestWindow / clock.intervalSeconds) + 2;
  const faults = new FaultSchedule(o.faults);
  const busyPrefix = new Float64Array(T + 1);
  const arrivalsScraped = new Float64Array(clock.count);
  const waitingScraped = new Float64Array(clock.count);
  const scraped = new Uint8Array(clock.count);
  let taken = 0;

  const cluster = new Cluster(service, o, initialReplicas, initialNodes, {
    onReady: (pod: Pod, t: number) => {
      const exposition = new EngineExposition(stats, layout.histograms());
      exposition.replica = new Replica(o.profile, o.requestTimeoutSeconds, exposition);
      pod.engine = exposition;
      pod.scrapes = layout.width > 0 ? new PodScrapes(ringScrapes, layout.width) : null;
      pod.firstScrape = clock.firstFrom(t);
    },
    onStop: (pod: Pod) => {
      if (pod.engine) {
        stats.preemptionsOfStopped += pod.engine.replica.preemptionsTotal;
        pod.engine.replica.abortAll();
      }
      pod.engine = null;
      pod.scrapes = null;
    },
  });
  const controller = new ControllerLoop(service, o, cluster, clock, layout, {
    busyPrefix,
    arrivals: arrivalsScraped,
    totalWaiting: waitingScraped,
    scraped,
    prometheusUp: (t) => !faults.prometheusDown(t),
    taken: () => taken,
  }, initialReplicas, T);
  const kedaLoop = service.keda ? new KedaScaleLoop(service, service.keda, controller, (t) => !faults.prometheusDown(t)) : undefined;

  let nextScrapeAt = clock.count > 0 ? clock.time(0) : Infinity;
  let boundPodSeconds = 0;
  let arrivedTotal = 0;
  let busySum = 0;
  let readySeconds = 0;
  // The pods' engines in pod order (all of them; those of ready pods), rebuilt when the pods change.
  const readyEngines: Replica[] = [];
  const engines: Replica[] = [];
  const engineReady: boolean[] = [];
  let podChangesSeen = -1;
  const shares: number[] = [];
  const cursor = new RoutingCursor();
  const held = o.gateway === 'hold' ? new HeldRequests() : undefined;

  for (let t = 0; t < T; t++) {
    faults.apply(t, cluster, controller.desired);
    cluster.step(t);

    // The gateway spreads this second's arrivals over the ready replicas.
    const pods = cluster.pods;
    if (cluster.podChanges !== podChangesSeen) {
      listEngines(pods, readyEngines, engines, engineReady);
      podChangesSeen = cluster.podChanges;
    }
    const readyCount = readyEngines.length;
    const arriving = requests[t];
    arrivedTotal += arriving;
    if (held && held.count > 0) {
      if (readyCount > 0) held.release(o.routing, readyEngines, shares, cursor);
      else stats.failed(held.expire(t, o.requestTimeoutSeconds));
    }
    if (arriving > 0) {
      const m = mix[t];
      if (readyCount === 0 && held && m.prompt + m.output <= o.profile.maxModelLength) held.hold(t, arriving, m.prompt, m.output);
      else if (readyCount === 0 || m.prompt + m.output > o.profile.maxModelLength) stats.failed(arriving);
      else {
        route(o.routing, readyEngines, arriving, shares, cursor);
        for (let i = 0; i < readyCount; i++) {
          if (!(shares[i] > 0)) continue;
          const c = Cohort.take();
          c.count = shares[i];
          c.arrival = t;
          c.prompt = m.prompt;
          c.output = m.output;
          readyEngines[i].enqueue(c);
        }
      }
    }

    // Every engine serves its second (terminating pods drain what they hold).
    let waiting = 0;
    let running = 0;
    let busy = 0;
    let kv = 0;
    let oldestWithoutFirstToken = Infinity;
    let oldestHeld = Infinity;
    for (let i = 0; i < engines.length; i++) {
      const replica = engines[i];
      replica.step(t);
      waiting += replica.waitingCount();
      running += replica.running();
      const replicaOldestWithoutFirstToken = replica.oldestWithoutFirstToken();
      oldestWithoutFirstToken = Math.min(oldestWithoutFirstToken, replicaOldestWithoutFirstToken);
      oldestHeld = Math.min(oldestHeld, replica.oldestHeld(replicaOldestWithoutFirstToken));
      if (engineReady[i]) {
        busy += replica.busyFraction;
        kv += replica.kvUsage();
      }
    }
    stats.closeSecond(t, o.slo.quantile, timeline);
    const ready = cluster.ready;
    timeline.waiting[t] = waiting;
    // Ages at the end of the second (a request arrives at the start of its second).
    timeline.oldestWithoutFirstTokenSeconds[t] = Number.isFinite(oldestWithoutFirstToken) ? t + 1 - oldestWithoutFirstToken : 0;
    timeline.oldestUnfinishedSeconds[t] = Number.isFinite(oldestHeld) ? t + 1 - oldestHeld : 0;
    timeline.running[t] = running;
    timeline.readyReplicas[t] = ready;
    timeline.desiredReplicas[t] = controller.desired;
    timeline.pods[t] = pods.length;
    const meanBusy = ready > 0 ? busy / ready : 0;
    timeline.utilizationPercent[t] = meanBusy * 100;
    timeline.kvUsagePercent[t] = ready > 0 ? (kv / ready) * 100 : 0;
    busyPrefix[t + 1] = busyPrefix[t] + meanBusy;
    busySum += busy;
    readySeconds += ready;
    boundPodSeconds += cluster.bound;
    if (useNodes) timeline.nodes[t] = cluster.liveNodeCount;

    if (t === nextScrapeAt) {
      const k = taken++;
      if (!faults.prometheusDown(t)) {
        scraped[k] = 1;
        arrivalsScraped[k] = arrivedTotal;
        waitingScraped[k] = waiting + (held?.count ?? 0);
        for (let i = 0; i < pods.length; i++) {
          const p = pods[i];
          if (p.engine && p.scrapes) p.scrapes.record(k, layout, p.engine);
        }
      }
      nextScrapeAt += clock.intervalSeconds;
    }
    if (kedaLoop?.step(t)) cluster.applyReplicas(t, controller.desired);
    if (controller.step(t)) cluster.applyReplicas(t, controller.desired);
    if (options.onProgress && (t + 1) % PROGRESS_EVERY_SECONDS === 0) options.onProgress(t + 1, T);
  }
  if (options.onProgress) options.onProgress(T, T);

  // Nodes: billed from provisioning start to removal; GPU-hours of pods for comparison.
  let nodeSeconds = 0;
  let peakDesired = 0;
  let peakReady = 0;
  let peakNodes = 0;
  for (let t = 0; t < T; t++) {
    nodeSeconds += timeline.nodes[t];
    if (timeline.desiredReplicas[t] > peakDesired) peakDesired = timeline.desiredReplicas[t];
    if (timeline.readyReplicas[t] > peakReady) peakReady = timeline.readyReplicas[t];
    if (timeline.nodes[t] > peakNodes) peakNodes = timeline.nodes[t];
  }
  const startupSeconds = o.provisioningSeconds + o.imagePullSeconds + o.schedulingSeconds + o.modelLoadSeconds;
  const nodesPerReplica = useNodes ? service.gpusPerPod / o.gpusPerNode : 0;
  const instant = instantBoundSeconds(needed);
  const leadTime = leadTimeBoundSeconds(needed, startupSeconds);
  const total = arrivedTotal;
  const failed = stats.failedTotal;
  // Requests still at the gateway or in an engine when the trace ends are neither finished nor failed.
  let inFlightAtEnd = held?.count ?? 0;
  for (const p of cluster.pods) inFlightAtEnd += p.engine?.replica.outstanding() ?? 0;
  let preemptions = stats.preemptionsOfStopped;
  for (const p of cluster.pods) preemptions += p.engine?.replica.preemptionsTotal ?? 0;
  const summary: SimulationSummary = {
    durationSeconds: T,
    totalRequests: total,
    finishedRequests: stats.finishedTotal,
    failedRequests: failed,
    inFlightAtEnd,
    failedPercent: total > 0 ? (100 * failed) / total : 0,
    peakReplicas: peakDesired,
    peakReadyReplicas: peakReady,
    peakNodes,
    slo: o.slo,
    sloViolationSeconds: sloSeconds(timeline, o.slo),
    failedRatioMet: total > 0 ? failed / total <= o.slo.failedRatio : true,
    ...stats.distributions(),
    preemptions,
    timeToCapacity: timeToCapacity(timeline.readyReplicas, requests, capacity, service.minReplicas, service.maxReplicas, o.demandWindowSeconds),
    replicaHours: boundPodSeconds / SECONDS_PER_HOUR,
    gpuHours: (boundPodSeconds * service.gpusPerPod) / SECONDS_PER_HOUR,
    nodeHours: nodeSeconds / SECONDS_PER_HOUR,
    nodeGpuHours: (nodeSeconds * o.gpusPerNode) / SECONDS_PER_HOUR,
    bounds: {
      instantReplicaHours: instant / SECONDS_PER_HOUR,
      instantNodeHours: (instant * nodesPerReplica) / SECONDS_PER_HOUR,
      leadTimeReplicaHours: leadTime / SECONDS_PER_HOUR,
      leadTimeNodeHours: (leadTime * nodesPerReplica) / SECONDS_PER_HOUR,
      startupSeconds,
    },
    meanUtilizationPercent: readySeconds > 0 ? (100 * busySum) / readySeconds : 0,
    syncs: controller.syncs.time.length,
    scaleUps: controller.scaleUps,
    scaleDowns: controller.scaleDowns,
    blockedSyncs: controller.blocked,
    faults: faults.report(timeline, controller.syncs, T),
    ...(kedaLoop && controller.kedaServer ? { keda: kedaSummary(kedaLoop, controller.kedaServer, timeline) } : {}),
  };
  if (peakReady === 0 && total > 0) warnings.push('no replica was ready at any time: every request failed');
  return {
    service: { ...service, behavior: o.behavior, behaviorName: options.behavior === undefined ? service.behaviorName : o.behavior === null ? 'legacy' : 'custom' },
    options: o,
    traceName: trace.name,
    initialReplicas,
    timeline,
    syncs: controller.syncs,
    summary,
    warnings,
  };
}

/**
 * The engines of `pods`, in pod order: every one into `engines` (with whether its pod is Ready
 * in `engineReady`), and those of Ready pods, which receive traffic, into `ready`.
 */
function listEngines(pods: readonly Pod[], ready: Replica[], engines: Replica[], engineReady: boolean[]): void {
  ready.length = 0;
  engines.length = 0;
  engineReady.length = 0;
  for (const p of pods) {
    if (!p.engine) continue;
    const isReady = p.phase === PodPhase.Ready;
    engines.push(p.engine.replica);
    engineReady.push(isReady);
    if (isReady) ready.push(p.engine.replica);
  }
}

/** Replicas for the first minutes' demand at what one replica sustains, within min and max. */
function initialFromTrace(requests: Float64Array, capacity: Float64Array, min: number, max: number): number {
  const n = Math.min(requests.length, INITIAL_STATE_SECONDS);
  let arrivals = 0;
  let perReplica = 0;
  for (let t = 0; t < n; t++) {
    arrivals += requests[t];
    perReplica += capacity[t];
  }
  const need = n > 0 && perReplica > 0 ? Math.ceil(arrivals / perReplica - 1e-9) : min;
  return Math.max(min, Math.min(max, need));
}

/** What the reader should know about the inputs before the run. */
function startWarnings(service: SimulatedService, o: ResolvedSimulationOptions, options: SimulationOptions): string[] {
  const warnings: string[] = [];
  for (const s of service.skippedMetrics) warnings.push(`metric ${s.name} is not simulated: ${s.reason}`);
  if (options.serving?.profile === undefined) {
    warnings.push(service.gpusPerPod > 0
      ? `no serving profile given; simulated ${o.profile.id} (${o.profile.model} on ${o.profile.gpu}); pick one with serving.profile / --profile`
      : `${service.name} runs on no GPU, but no serving profile was given, so its pods serve as ${o.profile.id} (${o.profile.model} on ${o.profile.gpu}), an LLM engine: its TTFT, TPOT and capacity describe that engine, not this service; give a profile fitted to it (serving.profile / --profile, from \`inferscale profile fit\`)`);
  }
  if (o.modelLoadSource === 'default') warnings.push(`the model load time is unknown; assumed ${o.modelLoadSeconds} s (set it with pods.modelLoadSeconds / --load-time)`);
  if (o.modelLoadSource === 'startupProbe') warnings.push(`model load time ${o.modelLoadSeconds} s estimated from the startup probe budget (budget / 1.5)`);
  const probe = service.startupProbe;
  const probeBudget = probe.initialDelaySeconds + probe.periodSeconds * probe.failureThreshold;
  if (o.modelLoadSeconds > probeBudget) {
    warnings.push(`the model takes ${o.modelLoadSeconds} s to load but the startup probe gives up after ${probeBudget} s: new pods restart forever and never become ready`);
  }
  if (service.metrics.length === 0) warnings.push('no simulated metric: the HPA never changes the replica count');
  warnings.push(...kedaWarnings(service, o.gateway, o.requestTimeoutSeconds));
  return warnings;
}
