/**
 * Normalization of a metric proposal: stabilization, rate limits and
 * min/max clamping, on the legacy path (`behavior == nil`) and on the
 * behavior path.
 * @module
 */
import {
  DEFAULT_DOWNSCALE_STABILIZATION_SECONDS,
  LEGACY_SCALE_UP_LIMIT_FACTOR,
  LEGACY_SCALE_UP_LIMIT_MINIMUM,
} from './behavior';
import { MAX_INT32, MIN_INT32, toInt32 } from './numeric';
import { storeRecommendation, storeScaleEventUnchecked } from './state';
import type {
  HpaBehavior,
  HpaLimitReason,
  HpaRecommendation,
  HpaScaleEvent,
  HpaScalingRules,
  HpaStabilizationReason,
  NormalizeInput,
  NormalizeResult,
} from './types';
import {
  checkBehavior,
  checkEvents,
  checkMinMax,
  checkNumber,
  checkPositive,
  checkRecommendations,
  checkReplicas,
} from './validation';

/** Validated, defaulted normalization arguments. */
export interface NormalizeArgs {
  currentReplicas: number;
  proposedReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  behavior: HpaBehavior | null;
  recommendations: readonly HpaRecommendation[];
  scaleUpEvents: readonly HpaScaleEvent[];
  scaleDownEvents: readonly HpaScaleEvent[];
  downscaleStabilizationSeconds: number;
  legacyScaleUpLimitFactor: number;
}

/** Result of normalization before any scale event is stored. */
export interface NormalizeCoreResult {
  replicas: number;
  reason: HpaLimitReason;
  stabilizedReplicas: number;
  stabilizationReason: HpaStabilizationReason;
  recommendations: HpaRecommendation[];
}

/**
 * Legacy clamp (`convertDesiredReplicasWithRules`): at most
 * `trunc(max(factor × current, 4))` and `maxReplicas`, at least `minReplicas`.
 */
export function convertDesiredReplicasWithRules(
  currentReplicas: number,
  desiredReplicas: number,
  minReplicas: number,
  maxReplicas: number,
  legacyScaleUpLimitFactor: number = LEGACY_SCALE_UP_LIMIT_FACTOR,
): {
  /** The desired replica count after the clamp. */
  replicas: number;
  /** `ScalingLimited` reason: which bound, if any, changed it. */
  reason: HpaLimitReason;
} {
  const scaleUpLimit = toInt32(Math.max(legacyScaleUpLimitFactor * currentReplicas, LEGACY_SCALE_UP_LIMIT_MINIMUM));
  let maximumAllowed: number;
  let limitReason: HpaLimitReason;
  if (maxReplicas > scaleUpLimit) {
    maximumAllowed = scaleUpLimit;
    limitReason = 'ScaleUpLimit';
  } else {
    maximumAllowed = maxReplicas;
    limitReason = 'TooManyReplicas';
  }
  if (desiredReplicas < minReplicas) return { replicas: minReplicas, reason: 'TooFewReplicas' };
  if (desiredReplicas > maximumAllowed) return { replicas: maximumAllowed, reason: limitReason };
  return { replicas: desiredReplicas, reason: 'DesiredWithinRange' };
}

/** Legacy path: inclusive rolling max over the window, then the legacy clamp. */
function normalizeLegacy(a: NormalizeArgs): NormalizeCoreResult {
  const window = a.downscaleStabilizationSeconds;
  let stabilized = a.proposedReplicas;
  for (const r of a.recommendations) {
    // `timestamp.Before(now - window)` is "old"; everything else counts.
    if (!(r.ageSeconds > window) && r.replicas > stabilized) stabilized = r.replicas;
  }
  const recommendations = storeRecommendation(a.recommendations, a.proposedReplicas, (r) => r.ageSeconds > window);
  const stabilizationReason: HpaStabilizationReason =
    stabilized !== a.proposedReplicas ? 'ScaleDownStabilized' : 'ReadyForNewScale';
  const { replicas, reason } = convertDesiredReplicasWithRules(
    a.currentReplicas,
    stabilized,
    a.minReplicas,
    a.maxReplicas,
    a.legacyScaleUpLimitFactor,
  );
  return { replicas, reason, stabilizedReplicas: stabilized, stabilizationReason, recommendations };
}

/** Replicas added/removed by events younger than `periodSeconds` (`getReplicasChangePerPeriod`). */
function changeInPeriod(periodSeconds: number, events: readonly HpaScaleEvent[]): number {
  let sum = 0;
  for (const e of events) if (e.ageSeconds < periodSeconds) sum += e.replicaChange;
  return sum;
}

/**
 * `calculateScaleUpLimitWithScalingRules`: per policy,
 * `periodStart = current − Σup + Σdown` (events younger than the period);
 * Pods → `periodStart + value`, Percent → `ceil(periodStart × (1 + value/100))`;
 * `Max`/`Min` select among the proposals, `Disabled` returns `current`.
 */
export function scaleUpLimit(
  currentReplicas: number,
  scaleUpEvents: readonly HpaScaleEvent[],
  scaleDownEvents: readonly HpaScaleEvent[],
  rules: HpaScalingRules,
): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const pickMin = rules.selectPolicy === 'Min';
  let result = pickMin ? MAX_INT32 : MIN_INT32;
  for (const p of rules.policies) {
    const start = currentReplicas - changeInPeriod(p.periodSeconds, scaleUpEvents) + changeInPeriod(p.periodSeconds, scaleDownEvents);
    const proposed = p.type === 'Pods' ? start + p.value : toInt32(Math.ceil(start * (1 + p.value / 100)));
    result = pickMin ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/**
 * `calculateScaleDownLimitWithBehaviors`: per policy, Pods →
 * `periodStart − value`, Percent → `trunc(periodStart × (1 − value/100))`;
 * `Max` (biggest change) takes the smallest floor, `Min` the largest,
 * `Disabled` returns `current`.
 */
export function scaleDownLimit(
  currentReplicas: number,
  scaleUpEvents: readonly HpaScaleEvent[],
  scaleDownEvents: readonly HpaScaleEvent[],
  rules: HpaScalingRules,
): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const pickMax = rules.selectPolicy === 'Min';
  let result = pickMax ? MIN_INT32 : MAX_INT32;
  for (const p of rules.policies) {
    const start = currentReplicas - changeInPeriod(p.periodSeconds, scaleUpEvents) + changeInPeriod(p.periodSeconds, scaleDownEvents);
    const proposed = p.type === 'Pods' ? start - p.value : toInt32(start * (1 - p.value / 100));
    result = pickMax ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/** Behavior path: strict stabilization windows, then the rate limits. */
function normalizeWithBehavior(a: NormalizeArgs, behavior: HpaBehavior): NormalizeCoreResult {
  const desired = a.proposedReplicas;
  const current = a.currentReplicas;
  const upWindow = behavior.scaleUp.stabilizationWindowSeconds ?? 0;
  const downWindow = behavior.scaleDown.stabilizationWindowSeconds ?? a.downscaleStabilizationSeconds;

  let upRec = desired;
  let downRec = desired;
  for (const r of a.recommendations) {
    if (r.ageSeconds < upWindow) upRec = Math.min(r.replicas, upRec);
    if (r.ageSeconds < downWindow) downRec = Math.max(r.replicas, downRec);
  }
  let stabilized = current;
  if (stabilized < upRec) stabilized = upRec;
  if (stabilized > downRec) stabilized = downRec;
  const recommendations = storeRecommendation(
    a.recommendations,
    desired,
    (r) => r.ageSeconds > upWindow && r.ageSeconds > downWindow,
  );
  let stabilizationReason: HpaStabilizationReason = 'ReadyForNewScale';
  if (stabilized !== desired) stabilizationReason = desired >= current ? 'ScaleUpStabilized' : 'ScaleDownStabilized';

  // convertDesiredReplicasWithBehaviorRate
  let replicas = stabilized;
  let reason: HpaLimitReason = 'DesiredWithinRange';
  if (stabilized > current) {
    let limit = scaleUpLimit(current, a.scaleUpEvents, a.scaleDownEvents, behavior.scaleUp);
    if (limit < current) limit = current;
    let maximumAllowed = a.maxReplicas;
    let limitReason: HpaLimitReason = 'TooManyReplicas';
    if (maximumAllowed > limit) {
      maximumAllowed = limit;
      limitReason = 'ScaleUpLimit';
    }
    if (stabilized > maximumAllowed) {
      replicas = maximumAllowed;
      reason = limitReason;
    }
  } else if (stabilized < current) {
    let limit = scaleDownLimit(current, a.scaleUpEvents, a.scaleDownEvents, behavior.scaleDown);
    if (limit > current) limit = current;
    let minimumAllowed = a.minReplicas;
    let limitReason: HpaLimitReason = 'TooFewReplicas';
    if (minimumAllowed < limit) {
      minimumAllowed = limit;
      limitReason = 'ScaleDownLimit';
    }
    if (stabilized < minimumAllowed) {
      replicas = minimumAllowed;
      reason = limitReason;
    }
  }
  return { replicas, reason, stabilizedReplicas: stabilized, stabilizationReason, recommendations };
}

/** Normalization on validated arguments; stores the recommendation but no scale event. */
export function normalizeCore(a: NormalizeArgs): NormalizeCoreResult {
  return a.behavior === null ? normalizeLegacy(a) : normalizeWithBehavior(a, a.behavior);
}

/** Validates and defaults the normalization fields shared by {@link normalize} and {@link sync}. */
export function checkNormalizeOptions(
  ctx: string,
  input: Pick<
    NormalizeInput,
    'behavior' | 'scaleUpEvents' | 'scaleDownEvents' | 'downscaleStabilizationSeconds' | 'legacyScaleUpLimitFactor'
  >,
): Pick<
  NormalizeArgs,
  'behavior' | 'scaleUpEvents' | 'scaleDownEvents' | 'downscaleStabilizationSeconds' | 'legacyScaleUpLimitFactor'
> {
  checkBehavior(ctx, input.behavior);
  const scaleUpEvents = input.scaleUpEvents ?? [];
  const scaleDownEvents = input.scaleDownEvents ?? [];
  checkEvents(ctx, 'scaleUpEvents', scaleUpEvents);
  checkEvents(ctx, 'scaleDownEvents', scaleDownEvents);
  const downscaleStabilizationSeconds =
    input.downscaleStabilizationSeconds === undefined
      ? DEFAULT_DOWNSCALE_STABILIZATION_SECONDS
      : checkNumber(ctx, 'downscaleStabilizationSeconds', input.downscaleStabilizationSeconds, 0);
  const legacyScaleUpLimitFactor =
    input.legacyScaleUpLimitFactor === undefined
      ? LEGACY_SCALE_UP_LIMIT_FACTOR
      : checkPositive(ctx, 'legacyScaleUpLimitFactor', input.legacyScaleUpLimitFactor);
  return { behavior: input.behavior, scaleUpEvents, scaleDownEvents, downscaleStabilizationSeconds, legacyScaleUpLimitFactor };
}

/**
 * Normalizes a metric proposal the way the controller does after the metric
 * stage, and returns the state to keep for the next sync.
 *
 * **Legacy path** (`behavior: null`): `S = max(proposal, every stored
 * recommendation with age <= downscaleStabilizationSeconds)` (inclusive; a
 * rolling max in both directions), then clamp to
 * `[minReplicas, min(maxReplicas, trunc(max(factor × current, 4)))]`.
 * No scale-down rate limit and no event memory.
 *
 * **Behavior path**: scale up only to the lowest proposal younger than the
 * scaleUp window, down only to the highest proposal younger than the
 * scaleDown window (`age < window`, strict; an unset scaleDown window is
 * `downscaleStabilizationSeconds`); then the policy rate limits, where events
 * of both directions younger than each policy's period (`age < period`)
 * shift the period's starting count; then `maxReplicas` on the way up and
 * `minReplicas` on the way down.
 *
 * On both paths the raw `proposedReplicas` is stored with age 0,
 * overwriting the LAST old entry (legacy: older than the window; behavior:
 * older than both windows, strictly), else appended.
 *
 * If the result differs from `currentReplicas` (a rescale) and `behavior`
 * is set, the returned event lists already contain the scale event the
 * controller would store (see {@link storeScaleEvent}). Before the next
 * sync, add the elapsed seconds to every age ({@link advanceTime}).
 *
 * `normalize` does not apply the sync pre-checks; {@link sync} guarantees
 * `minReplicas <= currentReplicas <= maxReplicas` before calling it.
 *
 * @throws Error naming the field for nonsensical input, e.g.
 *   `hpa.normalize: maxReplicas (2) must be >= minReplicas (3)`.
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#stabilization-window
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#scaling-policies
 */
export function normalize(input: NormalizeInput): NormalizeResult {
  const ctx = 'hpa.normalize';
  if (input === null || typeof input !== 'object') throw new Error(`${ctx}: input must be an object`);
  const currentReplicas = checkReplicas(ctx, 'currentReplicas', input.currentReplicas);
  const proposedReplicas = checkReplicas(ctx, 'proposedReplicas', input.proposedReplicas);
  checkMinMax(ctx, input.minReplicas, input.maxReplicas);
  checkRecommendations(ctx, 'recommendations', input.recommendations);
  const opts = checkNormalizeOptions(ctx, input);
  const core = normalizeCore({
    ...opts,
    currentReplicas,
    proposedReplicas,
    minReplicas: input.minReplicas,
    maxReplicas: input.maxReplicas,
    recommendations: input.recommendations,
  });
  const events = storeScaleEventUnchecked(
    opts.behavior,
    opts.scaleUpEvents,
    opts.scaleDownEvents,
    currentReplicas,
    core.replicas,
  );
  return { ...core, ...events };
}
