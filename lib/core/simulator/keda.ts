/**
 * The KEDA path: a service scaled through a ScaledObject instead of an HPA read through the
 * Prometheus Adapter. Two things change against the adapter path, and this module models both
 * as KEDA 2.17 implements them:
 *
 * 1. **The HPA reads every trigger through KEDA's metrics server**, which runs the trigger's
 *    query at each read (no cache unless `useCachedMetrics`). A Pods metric becomes an External
 *    `AverageValue` metric whose query sums the per-pod values over the Deployment's pods, so the
 *    HPA divides that sum by the replica count. An empty answer is an error unless
 *    `ignoreNullValues` (then 0); an error counts towards `fallback.failureThreshold`, and past it
 *    the metrics server answers `fallback.replicas × threshold` so that the HPA asks for the
 *    fallback replicas ({@link KedaMetricsServer}).
 * 2. **KEDA's own scale loop**, every `pollingInterval`, owns 0 ↔ 1: it wakes a service at zero
 *    when a trigger is above its `activationThreshold`, and scales it to zero once no trigger has
 *    been active for `cooldownPeriod` (only with `minReplicaCount: 0`). Between 1 and N the HPA
 *    KEDA created decides, with `minReplicas` = max(1, minReplicaCount); at zero the HPA is
 *    disabled ({@link KedaScaleLoop}).
 *
 * @see https://keda.sh/docs/2.17/concepts/scaling-deployments/
 * @see https://keda.sh/docs/2.17/reference/scaledobject-spec/
 * @module
 */
import type * as hpa from '../hpa';
import {
  DEFAULT_KEDA_COOLDOWN_SECONDS, DEFAULT_KEDA_FAILURE_THRESHOLD, DEFAULT_KEDA_FALLBACK_BEHAVIOR, DEFAULT_KEDA_POLLING_INTERVAL_SECONDS, KedaFallbackBehavior, kedaFallbackOmitted,
} from '../platform/keda';
import type { GatewayPolicy } from './options';
import type { SimulatedMetric, SimulatedService } from './service';
import type { SimulationTimeline } from './summary';

/**
 * KEDA's own defaults for a ScaledObject that leaves a field out (`pollingInterval` 30 s,
 * `cooldownPeriod` 300 s, `minReplicaCount` 0, `maxReplicaCount` 100; a prometheus trigger's
 * `activationThreshold` 0 and `ignoreNullValues` true). inferscale's own ScaledObjects write
 * every field (15 s polling, see `DEFAULT_KEDA_POLLING_INTERVAL_SECONDS`).
 * @see https://github.com/kedacore/keda/blob/v2.17.2/apis/keda/v1alpha1/withtriggers_types.go (defaultPollingInterval = 30)
 * @see https://github.com/kedacore/keda/blob/v2.17.2/pkg/scaling/executor/scale_executor.go (defaultCooldownPeriod = 5 * 60)
 * @see https://github.com/kedacore/keda/blob/v2.17.2/pkg/scalers/prometheus_scaler.go (ignoreNullValues default=true)
 */
export const KEDA_UPSTREAM_DEFAULTS = {
  /** `pollingInterval`, seconds. */
  pollingIntervalSeconds: 30,
  /** `cooldownPeriod`, seconds. */
  cooldownPeriodSeconds: 300,
  /** `minReplicaCount`. */
  minReplicaCount: 0,
  /** `maxReplicaCount`. */
  maxReplicaCount: 100,
  /** A trigger's `activationThreshold`. */
  activationThreshold: 0,
  /** A prometheus trigger's `ignoreNullValues`. */
  ignoreNullValues: true,
} as const;

/** One trigger of a ScaledObject, as the simulator replays it (one per simulated metric). */
export interface SimulatedKedaTrigger {
  /**
   * The trigger's `metricType`: `AverageValue` (the HPA divides the query's answer by the
   * replica count), `Value`, or `Utilization` for `cpu` / `memory` triggers (read from
   * metrics-server, as on the adapter path; they never decide activity).
   */
  readonly metricType: 'AverageValue' | 'Value' | 'Utilization';
  /** KEDA counts the service active while the query's answer is above this. */
  readonly activationThreshold: number;
  /** Whether an empty answer reads as 0 (true) or as an error (false). */
  readonly ignoreNullValues: boolean;
}

/** The replicas a fallback asks for, given the Deployment's current `spec.replicas` (KEDA's `doFallback`). */
export function fallbackReplicas(fallback: NonNullable<SimulatedKeda['fallback']>, currentReplicas: number): number {
  switch (fallback.behavior ?? 'static') {
    case 'currentReplicas': return currentReplicas;
    case 'currentReplicasIfHigher': return Math.max(currentReplicas, fallback.replicas);
    case 'currentReplicasIfLower': return Math.min(currentReplicas, fallback.replicas);
    default: return fallback.replicas;
  }
}

/** What the simulator needs of a ScaledObject besides the HPA it creates. */
export interface SimulatedKeda {
  /** Seconds between KEDA's activity checks (its scale loop). */
  readonly pollingIntervalSeconds: number;
  /** Seconds without an active trigger before KEDA scales to zero (only with `minReplicas` 0). */
  readonly cooldownPeriodSeconds: number;
  /** Replicas while a trigger cannot be read, after `failureThreshold` failed reads in a row. */
  readonly fallback?: {
    /** Failed reads in a row tolerated; the next one falls back. */
    readonly failureThreshold: number;
    /** Replicas meanwhile. */
    readonly replicas: number;
    /**
     * `fallback.behavior` (KEDA 2.17): `static` asks for `replicas`; `currentReplicas` for the
     * Deployment's current count; `currentReplicasIfHigher` / `IfLower` for the higher / lower of
     * the two. @default "static"
     */
    readonly behavior?: KedaFallbackBehavior;
  };
  /** One per metric of the service, in the same order. */
  readonly triggers: readonly SimulatedKedaTrigger[];
}

/** How a service is autoscaled: through the Prometheus Adapter, or through KEDA. */
export type SimulatedAutoscaler = 'adapter' | 'keda';

/**
 * The service scaled through another path. `keda` keeps a service's ScaledObject settings when it
 * has them, and otherwise gives it the ScaledObject inferscale renders for it (15 s polling,
 * 300 s cooldown, `activationThreshold` 0, `ignoreNullValues` false, and a fallback of
 * max(minReplicas, ceil(maxReplicas / 2)) with `behavior: currentReplicasIfHigher` after 3 failed
 * reads where it renders one).
 * `adapter` drops the ScaledObject; a `minReplicas` of 0 becomes 1, since the adapter's HPA cannot
 * scale to zero without the alpha `HPAScaleToZero` gate.
 */
export function withAutoscaler(service: SimulatedService, autoscaler: SimulatedAutoscaler): SimulatedService {
  if (autoscaler === 'adapter') {
    if (service.keda === undefined) return service;
    const { keda: _dropped, ...rest } = service;
    return { ...rest, minReplicas: Math.max(1, service.minReplicas) };
  }
  if (autoscaler !== 'keda') throw new Error(`autoscaler is "${String(autoscaler)}"; expected "adapter" or "keda"`);
  if (service.keda !== undefined) return service;
  return { ...service, keda: inferscaleKeda(service) };
}

/** The ScaledObject settings inferscale renders for a service (see `resolveScaledObject`). */
export function inferscaleKeda(service: Pick<SimulatedService, 'metrics' | 'minReplicas' | 'maxReplicas'>): SimulatedKeda {
  const triggers: SimulatedKedaTrigger[] = service.metrics.map((m) => ({
    metricType: m.type === 'Resource' ? 'Utilization' : m.type === 'Pods' ? 'AverageValue' : (m.targetType === 'Value' ? 'Value' : 'AverageValue'),
    activationThreshold: 0,
    ignoreNullValues: false,
  }));
  // Where the ScaledObject inferscale renders has a fallback, and with which behavior (resolveScaledObject).
  const omitted = kedaFallbackOmitted(service.minReplicas, service.metrics.map((m, i) => ({
    type: m.type === 'Resource' ? 'cpu' : 'prometheus',
    metricType: triggers[i].metricType,
    threshold: m.target / 1000,
  })));
  return {
    pollingIntervalSeconds: DEFAULT_KEDA_POLLING_INTERVAL_SECONDS,
    cooldownPeriodSeconds: DEFAULT_KEDA_COOLDOWN_SECONDS,
    ...(omitted === undefined && service.metrics.length > 0
      ? { fallback: { failureThreshold: DEFAULT_KEDA_FAILURE_THRESHOLD, replicas: Math.max(service.minReplicas, Math.ceil(service.maxReplicas / 2)), behavior: DEFAULT_KEDA_FALLBACK_BEHAVIOR } }
      : {}),
    triggers,
  };
}

/** A metric still has a value with no pods running: only those can wake a service at zero. */
export function existsWithoutPods(m: SimulatedMetric): boolean {
  return m.type === 'Object' || m.type === 'External';
}

/** What a trigger's query answered: a value in the metric's units, or why there is none. */
export type TriggerAnswer =
  | {
    /** The answer, in the metric's units. */
    readonly value: number;
  }
  | {
    /** Why there is none: Prometheus could not be queried, or the query matched no series. */
    readonly error: 'prometheusDown' | 'empty';
  };

/**
 * A trigger's query answer, from the adapter-path observation of the same metric (the same
 * Prometheus data): the SUM over the pods that answered for a Pods metric (a pod whose series is
 * missing is left out, as Prometheus leaves it out of the answer), the value for Object and
 * External metrics. `undefined` for Resource metrics, which KEDA does not query.
 */
export function triggerAnswer(observation: hpa.HpaMetricObservation, prometheusUp: boolean): TriggerAnswer | undefined {
  if (observation.type === 'Resource') return undefined;
  if (!prometheusUp) return { error: 'prometheusDown' };
  if ('invalid' in observation) return { error: 'empty' };
  if (observation.type === 'Pods') {
    let sumMilli = 0;
    let answered = 0;
    for (const p of observation.pods) {
      if (p.state !== 'ready') continue;
      sumMilli += p.valueMilli ?? 0;
      answered++;
    }
    return answered > 0 ? { value: sumMilli / 1000 } : { error: 'empty' };
  }
  if (observation.type === 'Object') return { value: observation.valueMilli / 1000 };
  if (observation.type === 'External') {
    let sumMilli = 0;
    for (const v of observation.valuesMilli) sumMilli += v;
    return { value: sumMilli / 1000 };
  }
  return { error: 'empty' };
}

/** An answer after `ignoreNullValues`: an empty answer reads as 0 when the trigger says so. */
function afterNullPolicy(answer: TriggerAnswer, trigger: SimulatedKedaTrigger): TriggerAnswer {
  return 'error' in answer && answer.error === 'empty' && trigger.ignoreNullValues ? { value: 0 } : answer;
}

/**
 * KEDA's metrics server as the HPA it created reads it: each read runs the trigger's query
 * (`external.metrics.k8s.io`), counts failures in a row per trigger, and past
 * `fallback.failureThreshold` answers the fallback instead of an error.
 *
 * The fallback answer is `trunc(threshold) × 1000 × replicas` milli-units, exactly as KEDA 2.17
 * computes it (`int64(target.AverageValue.AsApproximateFloat64())`): with a threshold below 1
 * (a KV-cache share of 0.8) the answer is 0 and the HPA falls to `minReplicas`, not to the
 * fallback. KEDA 2.18 multiplies the unrounded threshold.
 * @see https://github.com/kedacore/keda/blob/v2.17.2/pkg/fallback/fallback.go
 * @see https://github.com/kedacore/keda/blob/v2.17.2/pkg/scaling/scale_handler.go (GetScaledObjectMetrics)
 */
export class KedaMetricsServer {
  /** HPA reads answered with the fallback. */
  public fallbackReads = 0;
  /** HPA reads that failed (an error to the HPA, or a fallback answer). */
  public failedReads = 0;
  private readonly failures: Int32Array;

  public constructor(private readonly metrics: readonly SimulatedMetric[], private readonly keda: SimulatedKeda) {
    this.failures = new Int32Array(metrics.length);
  }

  /**
   * What the HPA sees for each metric, given the adapter-path observations of the same data, the
   * ready pods (for Value targets) and the Deployment's `spec.replicas` (for the fallback behavior).
   */
  public read(observations: readonly hpa.HpaMetricObservation[], prometheusUp: boolean, readyPodCount: number, currentReplicas: number): hpa.HpaMetricObservation[] {
    return observations.map((o, i) => this.readOne(i, o, prometheusUp, readyPodCount, currentReplicas));
  }

  private readOne(i: number, observation: hpa.HpaMetricObservation, prometheusUp: boolean, readyPodCount: number, currentReplicas: number): hpa.HpaMetricObservation {
    const m = this.metrics[i];
    const trigger = this.keda.triggers[i];
    const raw = triggerAnswer(observation, prometheusUp);
    if (raw === undefined || trigger === undefined) return observation;
    const answer = afterNullPolicy(raw, trigger);
    if ('value' in answer) {
      this.failures[i] = 0;
      const valueMilli = Math.trunc(answer.value * 1000 + 1e-9);
      return trigger.metricType === 'Value'
        ? { type: 'External', targetValueMilli: m.target, valuesMilli: [valueMilli], readyPodCount }
        : { type: 'External', targetAverageValueMilli: m.target, valuesMilli: [valueMilli] };
    }
    this.failedReads++;
    this.failures[i]++;
    const fallback = this.keda.fallback;
    if (fallback && trigger.metricType === 'AverageValue' && this.failures[i] > fallback.failureThreshold) {
      this.fallbackReads++;
      const normalisation = Math.trunc(m.target / 1000);
      return { type: 'External', targetAverageValueMilli: m.target, valuesMilli: [normalisation * 1000 * fallbackReplicas(fallback, currentReplicas)] };
    }
    return { type: 'External', invalid: true };
  }
}

/** What KEDA's scale loop needs from the HPA controller it works beside. */
export interface KedaScaleTarget {
  /** `spec.replicas` of the Deployment; KEDA writes it at 0 ↔ 1. */
  desired: number;
  /** The metrics as the adapter path would observe them at second `t`. */
  readMetrics(t: number): hpa.HpaMetricObservation[];
}

/**
 * KEDA's scale loop (`RequestScale`, every `pollingInterval` from the trace's start): every
 * trigger's query; active when any answers above its `activationThreshold`; then
 * - active at 0 replicas: `spec.replicas` = max(1, minReplicas), the last active time is now;
 * - active with replicas and no trigger failing: the last active time is now (a trigger error
 *   next to an active trigger leaves it, as KEDA does);
 * - not active and some trigger failing: nothing (with or without a fallback; the fallback acts
 *   through the HPA);
 * - not active, replicas above 0 and `minReplicas` 0: 0 once `lastActive + cooldownPeriod` has
 *   passed;
 * - not active, replicas below `minReplicas`: `minReplicas`.
 *
 * The last active time starts at second 0, as if a trigger had been active just before the trace.
 * @see https://github.com/kedacore/keda/blob/v2.17.2/pkg/scaling/executor/scale_scaledobjects.go
 */
export class KedaScaleLoop {
  /** Polls run. */
  public polls = 0;
  /** Times KEDA woke the service from zero. */
  public activations = 0;
  /** Times KEDA scaled it to zero. */
  public deactivations = 0;
  /** Polls with some trigger failing. */
  public erroredPolls = 0;
  private lastActiveAt = 0;
  private nextPollAt = 0;

  public constructor(
    private readonly service: SimulatedService,
    private readonly keda: SimulatedKeda,
    private readonly target: KedaScaleTarget,
    private readonly prometheusUp: (t: number) => boolean,
  ) {}

  /** Runs the poll due at second `t`, if any; returns true when it changed `spec.replicas`. */
  public step(t: number): boolean {
    if (t !== this.nextPollAt) return false;
    this.nextPollAt += this.keda.pollingIntervalSeconds;
    this.polls++;
    const { active, error } = this.activity(t);
    if (error) this.erroredPolls++;
    const current = this.target.desired;
    const min = this.service.minReplicas;
    if (active) {
      if (current === 0) {
        this.target.desired = Math.max(1, min);
        this.lastActiveAt = t;
        this.activations++;
        return true;
      }
      if (!error) this.lastActiveAt = t;
      return false;
    }
    if (error) return false;
    if (current > 0 && min === 0) {
      if (this.lastActiveAt + this.keda.cooldownPeriodSeconds < t) {
        this.target.desired = 0;
        this.deactivations++;
        return true;
      }
      return false;
    }
    if (current < min) {
      this.target.desired = min;
      return true;
    }
    return false;
  }

  /** Whether any trigger is active, and whether any failed (cpu and memory triggers are not asked). */
  private activity(t: number): { active: boolean; error: boolean } {
    const observations = this.target.readMetrics(t);
    const up = this.prometheusUp(t);
    let active = false;
    let error = false;
    let queried = 0;
    observations.forEach((o, i) => {
      const trigger = this.keda.triggers[i];
      const raw = triggerAnswer(o, up);
      if (raw === undefined || trigger === undefined) return;
      queried++;
      const answer = afterNullPolicy(raw, trigger);
      if ('error' in answer) error = true;
      else if (answer.value > trigger.activationThreshold) active = true;
    });
    // Only cpu / memory triggers: KEDA counts the service active (it could never wake otherwise).
    if (queried === 0 && !error) active = true;
    return { active, error };
  }
}

/** One cold start: requests arrived while no replica was ready. */
export interface ColdStart {
  /** Second of the first request with no replica ready. */
  readonly atSeconds: number;
  /** Seconds until a replica was ready (to the trace's end when none became ready). */
  readonly waitSeconds: number;
  /** Requests that arrived meanwhile. */
  readonly requests: number;
  /** Requests that failed meanwhile (refused with no replica ready, or timed out). */
  readonly failedRequests: number;
}

/** What KEDA did in one run. */
export interface KedaSummary {
  /** Activity polls run. */
  readonly polls: number;
  /** Polls with some trigger failing. */
  readonly erroredPolls: number;
  /** Times KEDA woke the service from zero. */
  readonly activations: number;
  /** Times KEDA scaled it to zero. */
  readonly deactivations: number;
  /** Seconds with `spec.replicas` at 0. */
  readonly secondsAtZero: number;
  /** HPA reads that failed. */
  readonly failedReads: number;
  /** HPA reads answered with the fallback. */
  readonly fallbackReads: number;
  /** Every cold start, in order. */
  readonly coldStarts: readonly ColdStart[];
}

/**
 * Every stretch in which requests arrived while no replica was ready: from the first such
 * request to the first second with a ready replica.
 */
export function coldStarts(timeline: Pick<SimulationTimeline, 'requests' | 'readyReplicas' | 'failed'>): ColdStart[] {
  const out: ColdStart[] = [];
  const n = timeline.readyReplicas.length;
  let start = -1;
  let requests = 0;
  let failed = 0;
  for (let t = 0; t < n; t++) {
    const ready = timeline.readyReplicas[t] > 0;
    if (start < 0) {
      if (ready || !(timeline.requests[t] > 0)) continue;
      start = t;
      requests = 0;
      failed = 0;
    }
    if (ready) {
      out.push({ atSeconds: start, waitSeconds: t - start, requests, failedRequests: failed });
      start = -1;
      continue;
    }
    requests += timeline.requests[t];
    failed += timeline.failed[t];
  }
  if (start >= 0) out.push({ atSeconds: start, waitSeconds: n - start, requests, failedRequests: failed });
  return out;
}

/** The summary of a run's KEDA parts. */
export function kedaSummary(loop: KedaScaleLoop, server: KedaMetricsServer, timeline: Pick<SimulationTimeline, 'requests' | 'readyReplicas' | 'failed' | 'desiredReplicas'>): KedaSummary {
  let atZero = 0;
  for (let t = 0; t < timeline.desiredReplicas.length; t++) if (timeline.desiredReplicas[t] === 0) atZero++;
  return {
    polls: loop.polls,
    erroredPolls: loop.erroredPolls,
    activations: loop.activations,
    deactivations: loop.deactivations,
    secondsAtZero: atZero,
    failedReads: server.failedReads,
    fallbackReads: server.fallbackReads,
    coldStarts: coldStarts(timeline),
  };
}

/** What the reader should know about a KEDA run before reading its numbers, given what the gateway does with requests at zero. */
export function kedaWarnings(service: SimulatedService, gateway: GatewayPolicy = 'refuse', requestTimeoutSeconds = 600): string[] {
  const keda = service.keda;
  if (!keda) return [];
  const out: string[] = [];
  const trigger = (i: number): string => `trigger ${i} (${service.metrics[i].name})`;
  if (service.minReplicas === 0) {
    out.push(gateway === 'hold'
      ? `KEDA scales this service to zero: requests that arrive while no replica is ready are held at the gateway until one is, or fail after the client timeout (${requestTimeoutSeconds} s); their TTFT includes the wait`
      : 'KEDA scales this service to zero: requests that arrive while no replica is ready fail at once (a Service without ready endpoints refuses the connection, a gateway answers 503); no client retries them. serving.gateway "hold" (--gateway hold) models a gateway that holds them instead');
    service.metrics.forEach((m, i) => {
      if (existsWithoutPods(m) && keda.triggers[i]?.metricType === 'Value') {
        out.push(`${trigger(i)} has a Value target: the HPA multiplies its ratio by the ready pods, so after a wake-up from zero it adds no replica before the first one is ready; an AverageValue target does not wait`);
      }
    });
  }
  if (keda.fallback) {
    service.metrics.forEach((m, i) => {
      if (keda.triggers[i]?.metricType === 'AverageValue' && m.target < 1000) {
        out.push(`${trigger(i)} has a threshold of ${m.target / 1000}: KEDA 2.17 truncates it to ${Math.trunc(m.target / 1000)} in its fallback answer, so on fallback that trigger asks for 0 replicas and the other triggers decide`);
      }
    });
  }
  return out;
}
