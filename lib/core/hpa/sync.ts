/**
 * One full sync of one HPA (`reconcileAutoscaler`).
 * @module
 */
import { checkNormalizeOptions, normalizeCore } from './normalize';
import { proposeReplicasUnchecked } from './replica-calculator';
import { copyRecommendation, copyScaleEvent, storeScaleEventUnchecked } from './state';
import { defaultTolerances, resolveTolerances } from './tolerance';
import type {
  HpaMetricResult,
  HpaRecommendation,
  HpaScaleEvent,
  HpaScalingActiveCondition,
  HpaStabilizationReason,
  HpaSyncReason,
  SyncInput,
  SyncResult,
} from './types';
import { checkMetric, checkMinMax, checkRecommendations, checkReplicas, checkTolerances } from './validation';

/**
 * Runs one sync of the HorizontalPodAutoscaler controller for one HPA:
 *
 * 1. If there is no stored recommendation (`recommendations` absent, `null`
 *    or empty), record `{replicas: currentReplicas, ageSeconds: 0}` first.
 *    This happens on every path and is why an HPA cannot scale down during
 *    the first downscale window after creation or a controller restart.
 * 2. Pre-checks (no metrics are read, no recommendation is stored):
 *    - `currentReplicas == 0` → autoscaling is disabled (`ScalingDisabled`),
 *      unless `HPAScaleToZero` is on and the HPA scaled itself to zero
 *      (`scaledToZero`) and it has an Object/External metric or `minReplicas > 0`;
 *    - `currentReplicas > maxReplicas` → `maxReplicas` (even with scaleDown `Disabled`);
 *    - `currentReplicas < minReplicas` → `minReplicas` (even with scaleUp `Disabled`).
 * 3. Metric stage ({@link proposeReplicas}) with the tolerances of this HPA
 *    (`behavior.*.tolerance` override the flag value when
 *    `HPAConfigurableTolerance` is on, the default). A metric the controller
 *    cannot use (unreadable, or of an unknown source type) is invalid: its
 *    reason goes to `metrics[i].reason`. If the stage is blocked (every
 *    metric invalid, or some invalid and the proposal below `currentReplicas`)
 *    nothing changes and nothing is stored; `error` is `true` and
 *    `scalingActive` carries the first invalid metric's reason and message.
 * 4. {@link normalize} (legacy path when `behavior` is `null`).
 * 5. If the result differs from `currentReplicas`, the target is rescaled
 *    and, with `behavior` set, the scale event is stored.
 *
 * **Carrying state.** The result holds `recommendations`, `scaleUpEvents`,
 * `scaleDownEvents` (all with ages relative to this sync) and `scaledToZero`.
 * For the next sync pass `currentReplicas: result.replicas` (once the
 * workload has picked it up) and the lists aged by the elapsed time:
 * `{ ...hpa.advanceTime(result, 15), scaledToZero: result.scaledToZero }`.
 *
 * @throws Error naming the field for nonsensical input, e.g.
 *   `hpa.sync: maxReplicas (2) must be >= minReplicas (3)`.
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#implicit-maintenance-mode-deactivation
 */
export function sync(input: SyncInput): SyncResult {
  const ctx = 'hpa.sync';
  if (input === null || typeof input !== 'object') throw new Error(`${ctx}: input must be an object`);
  const current = checkReplicas(ctx, 'currentReplicas', input.currentReplicas);
  const statusReplicas =
    input.statusReplicas === undefined ? current : checkReplicas(ctx, 'statusReplicas', input.statusReplicas);
  const minReplicas = input.minReplicas ?? 1;
  checkMinMax(ctx, minReplicas, input.maxReplicas);
  const maxReplicas = input.maxReplicas;
  checkTolerances(ctx, input.tolerance);
  const opts = checkNormalizeOptions(ctx, input);
  const behavior = opts.behavior;
  const stored = input.recommendations ?? [];
  checkRecommendations(ctx, 'recommendations', stored);
  if (!Array.isArray(input.metrics)) throw new Error(`${ctx}: metrics must be an array`);
  input.metrics.forEach((m, i) => checkMetric(ctx, m, i));

  const gates = input.featureGates ?? {};
  const scaleToZeroGate = gates.HPAScaleToZero ?? false;
  const configurableTolerance = gates.HPAConfigurableTolerance ?? true;
  const hasObjectOrExternal = input.metrics.some((m) => m.type === 'Object' || m.type === 'External');
  const scaledToZeroCondition = scaleToZeroGate && (input.scaledToZero ?? false);

  // Step 2 of section 1: the initial recommendation. The stored lists are read, never
  // changed: the result holds fresh copies, made once, by whichever step writes the list.
  const initial: readonly HpaRecommendation[] = stored.length === 0 ? [{ ageSeconds: 0, replicas: current }] : stored;
  let recommendations: HpaRecommendation[] | undefined;
  let scaleUpEvents: HpaScaleEvent[] | undefined;
  let scaleDownEvents: HpaScaleEvent[] | undefined;

  let desired = 0;
  let rescale = true;
  let needsMetrics = true;
  let reason: HpaSyncReason | undefined;
  let scaledToZero = scaledToZeroCondition;

  if (current === 0) {
    needsMetrics = (minReplicas !== 0 && scaledToZeroCondition) || (scaledToZeroCondition && hasObjectOrExternal);
    if (!needsMetrics) {
      rescale = false;
      reason = 'ScalingDisabled';
      if (!scaleToZeroGate) scaledToZero = false;
    }
  } else if (current > maxReplicas) {
    desired = maxReplicas;
    reason = 'CurrentReplicasAboveMax';
    needsMetrics = false;
  } else if (current < minReplicas) {
    desired = minReplicas;
    reason = 'CurrentReplicasBelowMin';
    needsMetrics = false;
  }

  let proposedReplicas: number | null = null;
  let invalidMetrics = 0;
  let metrics: HpaMetricResult[] = [];
  let stabilizationReason: HpaStabilizationReason | undefined;
  let error = false;
  let scalingActive: HpaScalingActiveCondition | undefined;

  if (needsMetrics) {
    const base = input.tolerance ?? defaultTolerances();
    // The metrics, replica counts and tolerances were validated above.
    const proposal = proposeReplicasUnchecked(
      { currentReplicas: current, statusReplicas, tolerance: resolveTolerances(base, behavior, configurableTolerance) },
      input.metrics,
    );
    proposedReplicas = proposal.replicas;
    invalidMetrics = proposal.invalidMetrics;
    metrics = proposal.metrics;
    error = invalidMetrics > 0 || proposal.blocked;
    scalingActive = proposal.scalingActive;
    if (proposal.blocked) {
      return {
        replicas: current,
        error: true,
        reason: 'FailedComputeMetricsReplicas',
        rescaled: false,
        proposedReplicas,
        invalidMetrics,
        metrics,
        recommendations: initial.map(copyRecommendation),
        scaleUpEvents: opts.scaleUpEvents.map(copyScaleEvent),
        scaleDownEvents: opts.scaleDownEvents.map(copyScaleEvent),
        scaledToZero,
        ...(scalingActive ? { scalingActive } : {}),
      };
    }
    const metricDesired = proposal.replicas ?? 0;
    if (metricDesired > desired) desired = metricDesired;
    const normalized = normalizeCore({
      currentReplicas: current,
      proposedReplicas: desired,
      minReplicas,
      maxReplicas,
      behavior,
      recommendations: initial,
      scaleUpEvents: opts.scaleUpEvents,
      scaleDownEvents: opts.scaleDownEvents,
      downscaleStabilizationSeconds: opts.downscaleStabilizationSeconds,
      legacyScaleUpLimitFactor: opts.legacyScaleUpLimitFactor,
    });
    desired = normalized.replicas;
    reason = normalized.reason;
    stabilizationReason = normalized.stabilizationReason;
    recommendations = normalized.recommendations;
    // Scaling from zero after minReplicas was raised.
    if (current === 0 && minReplicas !== 0 && scaledToZeroCondition && desired < minReplicas) {
      desired = minReplicas;
      reason = 'CurrentReplicasBelowMin';
    }
    rescale = desired !== current;
  }

  if (rescale) {
    const events = storeScaleEventUnchecked(behavior, opts.scaleUpEvents, opts.scaleDownEvents, current, desired);
    scaleUpEvents = events.scaleUpEvents;
    scaleDownEvents = events.scaleDownEvents;
    scaledToZero = scaleToZeroGate && current > 0 && desired === 0 && minReplicas === 0 && hasObjectOrExternal;
  } else {
    desired = current;
  }

  const result: SyncResult = {
    replicas: desired,
    error,
    rescaled: rescale,
    proposedReplicas,
    invalidMetrics,
    metrics,
    recommendations: recommendations ?? initial.map(copyRecommendation),
    scaleUpEvents: scaleUpEvents ?? opts.scaleUpEvents.map(copyScaleEvent),
    scaleDownEvents: scaleDownEvents ?? opts.scaleDownEvents.map(copyScaleEvent),
    scaledToZero,
  };
  if (reason !== undefined) result.reason = reason;
  if (stabilizationReason !== undefined) result.stabilizationReason = stabilizationReason;
  if (scalingActive !== undefined) result.scalingActive = scalingActive;
  return result;
}
