/**
 * An exact, pure model of one sync of the Kubernetes HorizontalPodAutoscaler
 * controller (autoscaling/v2), for simulators and what-if tools.
 *
 * - {@link proposeReplicas}: the metric stage (one proposal per metric, max, blocking rules).
 * - {@link normalize}: stabilization, rate limits and min/max clamping.
 * - {@link sync}: pre-checks + metric stage + normalization + bookkeeping.
 * - {@link advanceTime}: ages the stored state between syncs.
 *
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
 * @module
 */
export * from './types';
export { DEFAULT_TOLERANCE, defaultTolerances, isWithinTolerance, resolveTolerances } from './tolerance';
export {
  DEFAULT_DOWNSCALE_STABILIZATION_SECONDS,
  DEFAULT_SYNC_PERIOD_SECONDS,
  LEGACY_SCALE_UP_LIMIT_FACTOR,
  LEGACY_SCALE_UP_LIMIT_MINIMUM,
  applyBehaviorDefaults,
  defaultBehavior,
  defaultScaleDownRules,
  defaultScaleUpRules,
} from './behavior';
export type { HpaScalingRulesInput } from './behavior';
export { isInvalidMetric, proposeForMetric, proposeReplicas } from './replica-calculator';
export type { MetricContext } from './replica-calculator';
export { convertDesiredReplicasWithRules, normalize, scaleDownLimit, scaleUpLimit } from './normalize';
export { advanceTime, storeScaleEvent } from './state';
export type { HpaStateInput, StoreScaleEventInput } from './state';
export { sync } from './sync';
export { MAX_PERIOD_SECONDS, MAX_STABILIZATION_WINDOW_SECONDS } from './validation';
