import * as hpa from '../../../lib/core/hpa';

/** A ready pod with a sample (request 1000m unless given). */
export const ready = (valueMilli: number, requestMilli = 1000): hpa.HpaPodSample => ({ valueMilli, requestMilli });
/** An unready pod (Pending, or not yet ready for CPU); its sample is dropped. */
export const unready = (valueMilli?: number, requestMilli = 1000): hpa.HpaPodSample =>
  valueMilli === undefined ? { state: 'unready', requestMilli } : { state: 'unready', valueMilli, requestMilli };
/** A running pod without a sample. */
export const missing = (requestMilli = 1000): hpa.HpaPodSample => ({ state: 'missing', requestMilli });
/** A terminating or finished pod. */
export const ignored = (valueMilli?: number, requestMilli = 1000): hpa.HpaPodSample =>
  valueMilli === undefined ? { state: 'ignored', requestMilli } : { state: 'ignored', valueMilli, requestMilli };

/** CPU Resource metric with a Utilization target. */
export const cpu = (targetAverageUtilization: number, pods: hpa.HpaPodSample[]): hpa.HpaResourceMetric => ({
  type: 'Resource',
  name: 'cpu',
  targetAverageUtilization,
  pods,
});

/** Pods metric with an AverageValue target. */
export const podsMetric = (targetAverageValueMilli: number, pods: hpa.HpaPodSample[]): hpa.HpaPodsMetric => ({
  type: 'Pods',
  targetAverageValueMilli,
  pods,
});

/** Object metric with a Value target. */
export const objectValue = (
  valueMilli: number,
  targetValueMilli: number,
  extra: Partial<hpa.HpaObjectMetric> = {},
): hpa.HpaObjectMetric => ({ type: 'Object', valueMilli, targetValueMilli, ...extra });

/** Object metric with an AverageValue target: proposes ceil(v / target) outside tolerance. */
export const objectAverage = (valueMilli: number, targetAverageValueMilli: number): hpa.HpaObjectMetric => ({
  type: 'Object',
  valueMilli,
  targetAverageValueMilli,
});

/** A metric whose fetch failed. */
export const invalid = (type: hpa.HpaMetricType = 'Pods'): hpa.HpaInvalidMetric => ({ type, invalid: true });

/**
 * A metric of a source type the controller does not know, as in the controller's own test
 * `TestScaleUpBothMetricsEmpty` (`Type: "CheddarCheese"`); typed callers cannot write one.
 */
export const unknownType = (type = 'CheddarCheese'): hpa.HpaMetricObservation => ({ type } as unknown as hpa.HpaMetricObservation);

/** proposeReplicas for one metric; returns its replica proposal. */
export const one = (
  metric: hpa.HpaMetricObservation,
  currentReplicas: number,
  extra: Partial<hpa.ProposeReplicasInput> = {},
): number | null => hpa.proposeReplicas({ currentReplicas, metrics: [metric], ...extra }).replicas;

/** Behavior with the given up/down rules overriding the defaults. */
export const behaviorWith = (
  up: Partial<hpa.HpaScalingRules> = {},
  down: Partial<hpa.HpaScalingRules> = {},
): hpa.HpaBehavior => {
  const b = hpa.defaultBehavior();
  return { scaleUp: { ...b.scaleUp, ...up }, scaleDown: { ...b.scaleDown, ...down } };
};

/** Shorthand for a list of recommendations `[age, replicas]`. */
export const recs = (...pairs: [number, number][]): hpa.HpaRecommendation[] =>
  pairs.map(([ageSeconds, replicas]) => ({ ageSeconds, replicas }));

/** Shorthand for a list of scale events `[age, change]`. */
export const events = (...pairs: [number, number][]): hpa.HpaScaleEvent[] =>
  pairs.map(([ageSeconds, replicaChange]) => ({ ageSeconds, replicaChange }));
