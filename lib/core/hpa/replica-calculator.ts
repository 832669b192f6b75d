/**
 * The metric stage of one HPA sync: one replica proposal per metric
 * (the Go `ReplicaCalculator`) and their combination
 * (`computeReplicasForMetrics`).
 * @module
 */
import { intDiv, MAX_INT32, toInt32 } from './numeric';
import { defaultTolerances, isWithinTolerance } from './tolerance';
import type {
  HpaExternalMetric,
  HpaInvalidMetric,
  HpaMetricFailureReason,
  HpaMetricObservation,
  HpaMetricResult,
  HpaObjectMetric,
  HpaPodSample,
  HpaResourceMetric,
  HpaScalingActiveCondition,
  HpaTolerances,
  ProposeReplicasInput,
  ProposeReplicasResult,
} from './types';
import { checkMetric, checkReplicas, checkTolerances, isKnownMetricType } from './validation';

/** Everything a single metric needs besides its own observation. */
export interface MetricContext {
  /** `scale.spec.replicas`: the replica count a proposal starts from. */
  currentReplicas: number;
  /** `scale.status.replicas`: divides Object/External `AverageValue` targets. */
  statusReplicas: number;
  /** The tolerance band: a usage ratio within it proposes no change. */
  tolerance: HpaTolerances;
}

/** Type guard for {@link HpaInvalidMetric}. */
export function isInvalidMetric(m: HpaMetricObservation): m is HpaInvalidMetric {
  return 'invalid' in m && m.invalid === true;
}

/**
 * A metric computation failure; the metric counts as invalid. An ordinary outcome of a sync
 * (a simulated day has thousands) whose stack is never read, so none is captured.
 */
class MetricError extends Error {
  public constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

interface Entry {
  value: number;
  request: number;
}

interface Groups {
  ready: HpaPodSample[];
  unready: HpaPodSample[];
  missing: HpaPodSample[];
}

function groupPods(pods: readonly HpaPodSample[]): Groups {
  const g: Groups = { ready: [], unready: [], missing: [] };
  for (const p of pods) {
    const state = p.state ?? 'ready';
    if (state === 'ready') g.ready.push(p);
    else if (state === 'unready') g.unready.push(p);
    else if (state === 'missing') g.missing.push(p);
  }
  return g;
}

/** `GetResourceUtilizationRatio`: whole-percent utilization of a set of pods. */
function utilizationOf(entries: readonly Entry[]): { utilization: number; rawAverage: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  for (const e of entries) {
    metricsTotal += e.value;
    requestsTotal += e.request;
  }
  if (requestsTotal === 0) throw new MetricError('no metrics returned matched known pods');
  return {
    utilization: toInt32(intDiv(metricsTotal * 100, requestsTotal)),
    rawAverage: intDiv(metricsTotal, entries.length),
  };
}

/** `GetMetricUsageRatio`: truncated integer average of a set of samples. */
function averageOf(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return intDiv(total, values.length);
}

/**
 * The shared flow of `GetResourceReplicas` and `calcPlainMetricReplicas`
 * once the first ratio is known: fast path, filling in missing and unready
 * pods, and the direction-flip guards.
 */
function finishPodRatio(
  ctx: MetricContext,
  r: number,
  readyCount: number,
  groups: Groups,
  secondRatio: (missingFill: 'target' | 'zero' | 'none', unreadyZero: boolean) => { ratio: number; size: number },
): number {
  const current = ctx.currentReplicas;
  const scaleUpWithUnready = groups.unready.length > 0 && r > 1.0;
  if (!scaleUpWithUnready && groups.missing.length === 0) {
    if (isWithinTolerance(r, ctx.tolerance)) return current;
    return toInt32(Math.ceil(r * readyCount));
  }
  let missingFill: 'target' | 'zero' | 'none' = 'none';
  if (groups.missing.length > 0) {
    if (r < 1.0) missingFill = 'target';
    else if (r > 1.0) missingFill = 'zero';
  }
  const { ratio: r2, size } = secondRatio(missingFill, scaleUpWithUnready);
  if (isWithinTolerance(r2, ctx.tolerance) || (r < 1.0 && r2 > 1.0) || (r > 1.0 && r2 < 1.0)) {
    return current;
  }
  const n = toInt32(Math.ceil(r2 * size));
  if ((r2 < 1.0 && n > current) || (r2 > 1.0 && n < current)) return current;
  return n;
}

function requirePods(pods: readonly HpaPodSample[]): void {
  if (pods.length === 0) throw new MetricError('no pods returned by selector while calculating replica count');
}

function noSamples(): never {
  throw new MetricError('did not receive metrics for targeted pods (pods might be unready)');
}

/** A pod's request; every pod has one once {@link utilizationReplicas} has checked them. */
function requestOf(p: HpaPodSample): number {
  return p.requestMilli as number;
}

/**
 * Resource/ContainerResource with a Utilization target (`GetResourceReplicas`).
 * Missing pods enter a scale-down at `max(100, target)`% of their request.
 */
function utilizationReplicas(m: HpaResourceMetric, target: number, ctx: MetricContext): HpaMetricResult {
  requirePods(m.pods);
  const groups = groupPods(m.pods);
  if (groups.ready.length === 0) noSamples();
  for (const p of m.pods) {
    if (p.requestMilli === undefined) throw new MetricError(`missing request for ${m.name}`);
  }
  const readyEntries: Entry[] = groups.ready.map((p) => ({ value: p.valueMilli as number, request: requestOf(p) }));
  const first = utilizationOf(readyEntries);
  const r = first.utilization / target;
  const replicas = finishPodRatio(ctx, r, groups.ready.length, groups, (missingFill, unreadyZero) => {
    const set = readyEntries.slice();
    if (missingFill === 'target') {
      const fallback = Math.max(100, target);
      for (const p of groups.missing) set.push({ value: intDiv(requestOf(p) * fallback, 100), request: requestOf(p) });
    } else if (missingFill === 'zero') {
      for (const p of groups.missing) set.push({ value: 0, request: requestOf(p) });
    }
    if (unreadyZero) for (const p of groups.unready) set.push({ value: 0, request: requestOf(p) });
    return { ratio: utilizationOf(set).utilization / target, size: set.length };
  });
  return {
    replicas,
    usageRatio: r,
    current: { averageUtilization: first.utilization, averageValueMilli: first.rawAverage },
  };
}

/**
 * Pods metrics and Resource/ContainerResource AverageValue targets
 * (`calcPlainMetricReplicas`). Missing pods enter a scale-down at exactly the target.
 */
function plainReplicas(pods: readonly HpaPodSample[], target: number, ctx: MetricContext): HpaMetricResult {
  requirePods(pods);
  const groups = groupPods(pods);
  if (groups.ready.length === 0) noSamples();
  const readyValues = groups.ready.map((p) => p.valueMilli as number);
  const usage = averageOf(readyValues);
  const r = usage / target;
  const replicas = finishPodRatio(ctx, r, groups.ready.length, groups, (missingFill, unreadyZero) => {
    const set = readyValues.slice();
    if (missingFill === 'target') for (let i = 0; i < groups.missing.length; i++) set.push(target);
    else if (missingFill === 'zero') for (let i = 0; i < groups.missing.length; i++) set.push(0);
    if (unreadyZero) for (let i = 0; i < groups.unready.length; i++) set.push(0);
    return { ratio: averageOf(set) / target, size: set.length };
  });
  return { replicas, usageRatio: r, current: { averageValueMilli: usage } };
}

/**
 * Object/External `Value` targets (`getUsageRatioReplicaCount`): the base is
 * the number of Running+Ready pods. With `currentReplicas == 0` the result is
 * `ceil(ratio)` with no tolerance check.
 */
function valueReplicas(
  v: number,
  target: number,
  m: HpaObjectMetric | HpaExternalMetric,
  ctx: MetricContext,
): HpaMetricResult {
  const r = v / target;
  let replicas: number;
  if (ctx.currentReplicas !== 0) {
    if (isWithinTolerance(r, ctx.tolerance)) {
      replicas = ctx.currentReplicas;
    } else {
      if (m.podCount === 0) {
        throw new MetricError('unable to calculate ready pods: no pods returned by selector while calculating replica count');
      }
      const ready = m.readyPodCount ?? ctx.currentReplicas;
      const x = r * ready;
      replicas = x > MAX_INT32 ? MAX_INT32 : toInt32(Math.ceil(x));
    }
  } else {
    replicas = toInt32(Math.ceil(r));
  }
  return { replicas, usageRatio: r, current: { valueMilli: v } };
}

/**
 * Object/External `AverageValue` targets (`GetObjectPerPodMetricReplicas`,
 * `GetExternalPerPodMetricReplicas`): `ratio = v / (target × statusReplicas)`;
 * within tolerance returns statusReplicas, else `ceil(v / target)`.
 */
function perPodReplicas(v: number, target: number, ctx: MetricContext): HpaMetricResult {
  const status = ctx.statusReplicas;
  const r = v / (target * status);
  let replicas = status;
  if (!isWithinTolerance(r, ctx.tolerance)) {
    const x = Math.ceil(v / target);
    replicas = x > MAX_INT32 ? MAX_INT32 : toInt32(x);
  }
  const perPod = status === 0 ? 0 : Math.ceil(v / status);
  return { replicas, usageRatio: r, current: { averageValueMilli: perPod } };
}

function externalTotal(m: HpaExternalMetric): number {
  if (m.valuesMilli.length === 0) throw new MetricError('no metrics returned from external metrics API');
  let total = 0;
  for (const v of m.valuesMilli) total += v;
  return total;
}

function computeMetric(m: Exclude<HpaMetricObservation, HpaInvalidMetric>, ctx: MetricContext): HpaMetricResult {
  switch (m.type) {
    case 'Resource':
    case 'ContainerResource':
      // The controller checks AverageValue first.
      if (m.targetAverageValueMilli !== undefined) return plainReplicas(m.pods, m.targetAverageValueMilli, ctx);
      return utilizationReplicas(m, m.targetAverageUtilization as number, ctx);
    case 'Pods':
      return plainReplicas(m.pods, m.targetAverageValueMilli, ctx);
    case 'Object':
      if (m.targetValueMilli !== undefined) return valueReplicas(m.valueMilli, m.targetValueMilli, m, ctx);
      return perPodReplicas(m.valueMilli, m.targetAverageValueMilli as number, ctx);
    case 'External': {
      const v = externalTotal(m);
      // The controller checks AverageValue first.
      if (m.targetAverageValueMilli !== undefined) return perPodReplicas(v, m.targetAverageValueMilli, ctx);
      return valueReplicas(v, m.targetValueMilli as number, m, ctx);
    }
  }
}

/**
 * Replica proposal of a single metric. Metric failures (fetch error, no pods,
 * no usable samples, missing request …) give `{ replicas: null, error }`.
 * Inputs are assumed validated (see {@link proposeReplicas}).
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details
 */
export function proposeForMetric(m: HpaMetricObservation, ctx: MetricContext): HpaMetricResult {
  // The controller's `default:` branch of computeReplicasForMetric: an unknown source type.
  if (!isKnownMetricType(m.type)) {
    return { replicas: null, error: `unknown metric source type ${JSON.stringify(m.type)}`, reason: 'InvalidMetricSourceType' };
  }
  const reason: HpaMetricFailureReason = `FailedGet${m.type}Metric`;
  if (isInvalidMetric(m)) return { replicas: null, error: `failed to get ${m.type} metric`, reason };
  try {
    return computeMetric(m, ctx);
  } catch (e) {
    if (e instanceof MetricError) return { replicas: null, error: e.message, reason };
    throw e;
  }
}

/**
 * The metric stage of one sync (`computeReplicasForMetrics`): one proposal
 * per metric, then the maximum over the valid ones. A metric of a source type
 * the controller does not know is invalid (`InvalidMetricSourceType`), like
 * one whose value could not be read. A lower proposal never
 * wins, so one metric that wants to scale up beats others that want to
 * scale down. The result is `blocked` when every metric is invalid (or there
 * are none), or when some are invalid and the maximum is below
 * `currentReplicas` — an invalid metric blocks a scale-down but not a scale-up.
 *
 * Per-metric rules (all in milli-units, float64 ratios, `ceil` to int32):
 * - Utilization: `util = trunc(Σusage × 100 / Σrequest)`, `ratio = util / target`;
 *   replica base = ready pod count; missing pods fill in at `max(100, target)`%
 *   of their request on a scale-down and 0 on a scale-up; unready pods fill in
 *   at 0 only on a scale-up; a fill-in that flips direction or lands within
 *   tolerance means no change.
 * - Pods / Resource AverageValue: same flow on `trunc(Σvalue / n)`, missing
 *   pods fill in at exactly the target on a scale-down.
 * - Object/External Value: `ceil(v / target × readyPodCount)`.
 * - Object/External AverageValue: `ceil(v / target)` unless
 *   `v / (target × statusReplicas)` is within tolerance (→ statusReplicas).
 *
 * @throws Error naming the field for inputs that make no sense (negative
 *   replicas, missing or doubled target, a ready pod without a sample …).
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
 */
export function proposeReplicas(input: ProposeReplicasInput): ProposeReplicasResult {
  return proposeReplicasIn('hpa.proposeReplicas', input);
}

/** {@link proposeReplicas} with the caller's name in error messages. */
export function proposeReplicasIn(ctxName: string, input: ProposeReplicasInput): ProposeReplicasResult {
  if (input === null || typeof input !== 'object') throw new Error(`${ctxName}: input must be an object`);
  const currentReplicas = checkReplicas(ctxName, 'currentReplicas', input.currentReplicas);
  const statusReplicas =
    input.statusReplicas === undefined
      ? currentReplicas
      : checkReplicas(ctxName, 'statusReplicas', input.statusReplicas);
  checkTolerances(ctxName, input.tolerance);
  if (!Array.isArray(input.metrics)) throw new Error(`${ctxName}: metrics must be an array`);
  input.metrics.forEach((m, i) => checkMetric(ctxName, m, i));

  const ctx: MetricContext = {
    currentReplicas,
    statusReplicas,
    tolerance: input.tolerance ?? defaultTolerances(),
  };
  return proposeReplicasUnchecked(ctx, input.metrics);
}

/** {@link proposeReplicas} without validation, for callers that validated already. */
export function proposeReplicasUnchecked(
  ctx: MetricContext,
  metrics: readonly HpaMetricObservation[],
): ProposeReplicasResult {
  const results = metrics.map((m) => proposeForMetric(m, ctx));

  // Same loop as the controller: `replicas == 0 || proposal > replicas`.
  let replicas = 0;
  let invalidMetrics = 0;
  for (const res of results) {
    if (res.replicas === null) {
      invalidMetrics++;
      continue;
    }
    if (replicas === 0 || res.replicas > replicas) replicas = res.replicas;
  }
  const anyValid = invalidMetrics < results.length;
  const blocked = invalidMetrics >= results.length || (invalidMetrics > 0 && replicas < ctx.currentReplicas);
  // As the controller: a blocked sync reports the first invalid metric's condition.
  const firstInvalid = results.find((r) => r.replicas === null);
  const scalingActive: HpaScalingActiveCondition | undefined = !blocked
    ? { status: 'True', reason: 'ValidMetricFound' }
    : firstInvalid?.reason
      ? { status: 'False', reason: firstInvalid.reason, message: `the HPA was unable to compute the replica count: ${firstInvalid.error}` }
      : undefined;
  return { replicas: anyValid ? replicas : null, invalidMetrics, blocked, metrics: results, ...(scalingActive ? { scalingActive } : {}) };
}
