/**
 * Types for the HorizontalPodAutoscaler (autoscaling/v2) controller model.
 *
 * All metric quantities are integer milli-units (the Go controller works on
 * `Quantity.MilliValue()`): 250m CPU is `250`, 1 CPU is `1000`, a custom
 * metric value of 3 is `3000`. Replica counts are non-negative integers.
 *
 * Time is modelled as ages in seconds relative to "now" (the current sync),
 * so a stored recommendation or scale event recorded during this sync has
 * `ageSeconds: 0`. Between two syncs a caller adds the elapsed seconds to
 * every age (see {@link advanceTime}).
 *
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
 * @module
 */

/**
 * Metric source types of autoscaling/v2 `spec.metrics[].type` that the controller knows.
 *
 * An observation whose `type` is any other string (a type from a newer API version, or one that
 * skipped validation) is what the controller calls an unknown metric source type: an invalid
 * metric with reason `InvalidMetricSourceType`. It proposes nothing, the other metrics still
 * scale up, and it blocks scale-down like any invalid metric.
 */
export type HpaMetricType = 'Resource' | 'ContainerResource' | 'Pods' | 'Object' | 'External';

/**
 * The `ScalingActive=False` condition reason the controller records for a metric it cannot use:
 * `FailedGet<Type>Metric` when reading or computing a known metric type fails,
 * `InvalidMetricSourceType` when the type is unknown.
 * @see https://github.com/kubernetes/kubernetes/blob/master/pkg/controller/podautoscaler/horizontal.go
 */
export type HpaMetricFailureReason =
  | 'FailedGetResourceMetric'
  | 'FailedGetContainerResourceMetric'
  | 'FailedGetPodsMetric'
  | 'FailedGetObjectMetric'
  | 'FailedGetExternalMetric'
  | 'InvalidMetricSourceType';

/** The HPA's `ScalingActive` condition after the metric stage, as the controller sets it. */
export interface HpaScalingActiveCondition {
  /** `True` when some metric gave a usable proposal, `False` when the sync was blocked. */
  status: 'True' | 'False';
  /** `ValidMetricFound`, or the failure reason of the first invalid metric. */
  reason: 'ValidMetricFound' | HpaMetricFailureReason;
  /** For `False`: `the HPA was unable to compute the replica count: <the metric's error>`. */
  message?: string;
}

/**
 * How the controller classified one pod selected by the scale target's selector.
 *
 * - `ready`: counted; must carry a `valueMilli` sample.
 * - `unready`: the pod is Pending, or (CPU metrics only) it is not yet ready
 *   according to the controller's CPU readiness rules. The caller classifies
 *   this: for a `cpu` Resource/ContainerResource metric a Running pod counts as
 *   unready if it has no Ready condition or no startTime; or it is within the
 *   CPU initialization period (`--horizontal-pod-autoscaler-cpu-initialization-period`,
 *   5 min) and either Ready is False or its sample is not a full metric window
 *   after the Ready transition; or, after that period, Ready is False and it
 *   never became ready within the initial readiness delay (30 s). For every
 *   other metric (memory, custom Pods metrics) only Pending pods are unready.
 *   Its sample, if any, is dropped; it only matters when scaling up.
 * - `missing`: Running, but no metric sample was returned. Must not carry `valueMilli`.
 * - `ignored`: being deleted, or phase Failed/Succeeded. Counted nowhere.
 */
export type HpaPodState = 'ready' | 'unready' | 'missing' | 'ignored';

/** One pod matched by the target's selector, as seen by one metric. */
export interface HpaPodSample {
  /** Classification of the pod; defaults to `"ready"`. */
  state?: HpaPodState;
  /** The pod's metric sample in milli-units (required for ready pods, absent for missing ones). */
  valueMilli?: number;
  /**
   * The pod's request for the metric's resource in milli-units (sum over its
   * containers, including restartable init containers, or the one named
   * container for ContainerResource). Needed on every pod (ignored and
   * missing pods included) for a Utilization target: the controller treats a
   * missing request on any listed pod as a metric error. Unused otherwise.
   */
  requestMilli?: number;
}

/** Resource or ContainerResource metric (e.g. `cpu`, `memory`). Exactly one target must be set. */
export interface HpaResourceMetric {
  /** Metric source type: `Resource` sums the resource over the pod's containers, `ContainerResource` reads one named container. */
  type: 'Resource' | 'ContainerResource';
  /** Resource name, e.g. `"cpu"`. Informational: CPU readiness is pre-classified by the caller. */
  name: string;
  /** Container name; required for ContainerResource. */
  container?: string;
  /** Target average utilization in percent of the request (integer >= 1). */
  targetAverageUtilization?: number;
  /** Target average value per pod in milli-units (> 0). */
  targetAverageValueMilli?: number;
  /** Every pod matched by the selector. */
  pods: readonly HpaPodSample[];
}

/** Pods metric (a custom per-pod metric) with an AverageValue target. */
export interface HpaPodsMetric {
  /** Metric source type, always `"Pods"`. */
  type: 'Pods';
  /** Target average value per pod in milli-units (> 0). */
  targetAverageValueMilli: number;
  /** Every pod matched by the selector. */
  pods: readonly HpaPodSample[];
}

/** Object metric: one value describing a Kubernetes object. Exactly one target must be set. */
export interface HpaObjectMetric {
  /** Metric source type, always `"Object"`. */
  type: 'Object';
  /** `Value` target in milli-units (> 0). */
  targetValueMilli?: number;
  /** `AverageValue` target in milli-units (> 0); divided by `statusReplicas`. */
  targetAverageValueMilli?: number;
  /** Observed value in milli-units. */
  valueMilli: number;
  /**
   * For a `Value` target: the number of pods matched by the selector whose
   * phase is Running and whose Ready condition is True. Defaults to
   * `currentReplicas` (every desired pod is running and ready).
   * Unused for an `AverageValue` target.
   */
  readyPodCount?: number;
  /**
   * For a `Value` target: the number of pods matched by the selector in any
   * phase. When it is 0 and a rescale would be needed, the metric is invalid
   * ("no pods returned by selector"). Defaults to "some pods exist".
   */
  podCount?: number;
}

/** External metric: the sum of all returned series. Exactly one target must be set. */
export interface HpaExternalMetric {
  /** Metric source type, always `"External"`. */
  type: 'External';
  /** `Value` target in milli-units (> 0). */
  targetValueMilli?: number;
  /** `AverageValue` target in milli-units (> 0); divided by `statusReplicas`. */
  targetAverageValueMilli?: number;
  /** Every series value returned by the external metrics API, in milli-units. Empty means a fetch error. */
  valuesMilli: readonly number[];
  /** As for {@link HpaObjectMetric.readyPodCount}; defaults to `currentReplicas`. */
  readyPodCount?: number;
  /** As for {@link HpaObjectMetric.podCount}. */
  podCount?: number;
}

/** A metric whose fetch (or computation) failed before the replica calculation. */
export interface HpaInvalidMetric {
  /** Source type of the metric that failed. */
  type: HpaMetricType;
  /** Marks the metric as invalid; always `true`. It then proposes no replica count and counts in `invalidMetrics`. */
  invalid: true;
}

/** One metric as observed during a sync. */
export type HpaMetricObservation =
  | HpaResourceMetric
  | HpaPodsMetric
  | HpaObjectMetric
  | HpaExternalMetric
  | HpaInvalidMetric;

/**
 * The tolerance band around a usage ratio of 1.0. A ratio `r` is within when
 * `1 - scaleDown <= r <= 1 + scaleUp` (both ends inclusive).
 */
export interface HpaTolerances {
  /** How far above 1.0 the usage ratio may rise before a scale-up, as a fraction (0.1 = 10 %; >= 0). */
  scaleUp: number;
  /** How far below 1.0 the usage ratio may fall before a scale-down, as a fraction (0.1 = 10 %; >= 0). */
  scaleDown: number;
}

/** Current value of one metric as the controller would write it to `status.currentMetrics`. */
export interface HpaMetricCurrent {
  /** Utilization in whole percent (Utilization targets; before missing/unready pods are filled in). */
  averageUtilization?: number;
  /** Average value per pod in milli-units. */
  averageValueMilli?: number;
  /** Total value in milli-units (Object/External `Value` targets). */
  valueMilli?: number;
}

/** Outcome of one metric. */
export interface HpaMetricResult {
  /** Proposed replica count, or `null` when the metric is invalid. */
  replicas: number | null;
  /** Why the metric is invalid (the controller's error text). */
  error?: string;
  /** For an invalid metric: the `ScalingActive` condition reason the controller records for it. */
  reason?: HpaMetricFailureReason;
  /** The usage ratio the proposal was derived from (first ratio, before filling in pods). */
  usageRatio?: number;
  /** Status values. */
  current?: HpaMetricCurrent;
}

/** Input of {@link proposeReplicas}. */
export interface ProposeReplicasInput {
  /** `scale.spec.replicas`. */
  currentReplicas: number;
  /** `scale.status.replicas`; used only by Object/External `AverageValue` targets. Defaults to `currentReplicas`. */
  statusReplicas?: number;
  /** Defaults to 0.1 in both directions (the controller flag default). */
  tolerance?: HpaTolerances;
  /** The HPA's metrics as observed in this sync, in `spec.metrics` order; the result has one outcome per entry. */
  metrics: readonly HpaMetricObservation[];
}

/** Output of {@link proposeReplicas}. */
export interface ProposeReplicasResult {
  /** Maximum proposal over the valid metrics; `null` if none is valid. */
  replicas: number | null;
  /** Number of invalid metrics. */
  invalidMetrics: number;
  /**
   * True when the controller would stop this sync after the metric stage:
   * every metric is invalid (or there are none), or some are invalid and
   * `replicas < currentReplicas`.
   */
  blocked: boolean;
  /** Per-metric outcome, in input order. */
  metrics: HpaMetricResult[];
  /**
   * The `ScalingActive` condition: `True` (`ValidMetricFound`) unless blocked; when blocked,
   * `False` with the first invalid metric's reason and message. Absent when blocked with no metrics.
   */
  scalingActive?: HpaScalingActiveCondition;
}

/** Scaling policy type of autoscaling/v2. */
export type HpaScalingPolicyType = 'Pods' | 'Percent';

/** `spec.behavior.scaleUp|scaleDown.policies[]` of autoscaling/v2. */
export interface HpaScalingPolicy {
  /** Unit of `value`: `Pods` is a number of pods, `Percent` a percent of the replicas at the start of the period. */
  type: HpaScalingPolicyType;
  /** Pods or percent per period (integer > 0). */
  value: number;
  /** Period length in seconds (integer in (0, 1800]). */
  periodSeconds: number;
}

/** `selectPolicy` of autoscaling/v2 scaling rules. */
export type HpaSelectPolicy = 'Max' | 'Min' | 'Disabled';

/** `spec.behavior.scaleUp` / `spec.behavior.scaleDown` of autoscaling/v2 (after API defaulting). */
export interface HpaScalingRules {
  /**
   * Stabilization window in seconds (integer in [0, 3600]). The API leaves the
   * scaleDown window unset (`null`/absent); the controller then uses
   * `downscaleStabilizationSeconds` (the flag, 300 s). The API always sets the
   * scaleUp window (default 0); an absent scaleUp window is treated as 0.
   */
  stabilizationWindowSeconds?: number | null;
  /**
   * Which policy limits a change when there are several: `Max` the one allowing the biggest
   * change, `Min` the one allowing the smallest; `Disabled` forbids scaling in this direction.
   * The API defaults it to `Max`.
   */
  selectPolicy: HpaSelectPolicy;
  /** At least one policy. */
  policies: readonly HpaScalingPolicy[];
  /**
   * Per-direction tolerance (>= 0), honoured only with the
   * `HPAConfigurableTolerance` feature gate; replaces the flag tolerance on
   * this side only.
   */
  tolerance?: number | null;
}

/** `spec.behavior` of autoscaling/v2 (both directions present, as after API defaulting). */
export interface HpaBehavior {
  /** Rules for scaling up (`spec.behavior.scaleUp`). */
  scaleUp: HpaScalingRules;
  /** Rules for scaling down (`spec.behavior.scaleDown`). */
  scaleDown: HpaScalingRules;
}

/** A stored (un-normalized) metric proposal. */
export interface HpaRecommendation {
  /** Seconds since it was recorded (0 = recorded during this sync). */
  ageSeconds: number;
  /** The replica count the metric stage proposed then, before stabilization, rate limits and clamping. */
  replicas: number;
}

/** A stored scale event; one list per direction. */
export interface HpaScaleEvent {
  /** Seconds since the rescale (0 = this sync). */
  ageSeconds: number;
  /** Magnitude of the change, `|new - previous|` (>= 0). */
  replicaChange: number;
  /** Set once the event was older than every policy period of its direction; sticky, marks a reusable slot. */
  outdated?: boolean;
}

/** The per-HPA memory the controller keeps between syncs. */
export interface HpaState {
  /** Stored metric proposals, read by the stabilization windows; ages in seconds relative to this sync. */
  recommendations: HpaRecommendation[];
  /** Stored scale-ups, read by the scaleUp policy rate limits; ages in seconds (always empty on the legacy path). */
  scaleUpEvents: HpaScaleEvent[];
  /** Stored scale-downs, read by the scaleDown policy rate limits; ages in seconds (always empty on the legacy path). */
  scaleDownEvents: HpaScaleEvent[];
}

/** `ScalingLimited` condition reasons produced by normalization. */
export type HpaLimitReason =
  | 'DesiredWithinRange'
  | 'TooFewReplicas'
  | 'TooManyReplicas'
  | 'ScaleUpLimit'
  | 'ScaleDownLimit';

/** `AbleToScale` condition reasons produced by stabilization. */
export type HpaStabilizationReason = 'ReadyForNewScale' | 'ScaleUpStabilized' | 'ScaleDownStabilized';

/** Input of {@link normalize}. */
export interface NormalizeInput {
  /** `scale.spec.replicas`: the replica count before this sync. */
  currentReplicas: number;
  /** The metric stage's proposal (raw; may lie outside [min, max]). */
  proposedReplicas: number;
  /** `spec.minReplicas`: the fewest replicas the result may have. */
  minReplicas: number;
  /** `spec.maxReplicas`: the most replicas the result may have (>= minReplicas). */
  maxReplicas: number;
  /** `spec.behavior`; `null` selects the legacy path. */
  behavior: HpaBehavior | null;
  /** Stored recommendations, any order (list order matters only for slot reuse). */
  recommendations: readonly HpaRecommendation[];
  /** Stored scale-up events (behavior path only). Defaults to none. */
  scaleUpEvents?: readonly HpaScaleEvent[];
  /** Stored scale-down events (behavior path only). Defaults to none. */
  scaleDownEvents?: readonly HpaScaleEvent[];
  /** `--horizontal-pod-autoscaler-downscale-stabilization` in seconds; default 300. */
  downscaleStabilizationSeconds?: number;
  /** Legacy-path scale-up factor (hard-coded 2 in the controller; 8 in its unit tests). */
  legacyScaleUpLimitFactor?: number;
}

/** Output of {@link normalize}. */
export interface NormalizeResult extends HpaState {
  /** The normalized desired replica count. */
  replicas: number;
  /** `ScalingLimited` reason. */
  reason: HpaLimitReason;
  /** The recommendation after stabilization, before rate limits and clamping. */
  stabilizedReplicas: number;
  /** `AbleToScale` reason from stabilization. */
  stabilizationReason: HpaStabilizationReason;
}

/** Feature gates that change the controller's arithmetic. */
export interface HpaFeatureGates {
  /** `HPAConfigurableTolerance` (beta, on by default from 1.35). Default `true`. */
  HPAConfigurableTolerance?: boolean;
  /** `HPAScaleToZero` (alpha, off). Default `false`. */
  HPAScaleToZero?: boolean;
}

/** Input of {@link sync}. */
export interface SyncInput {
  /** `scale.spec.replicas`. */
  currentReplicas: number;
  /** `scale.status.replicas`; defaults to `currentReplicas`. */
  statusReplicas?: number;
  /** Flag tolerance (`--horizontal-pod-autoscaler-tolerance`), default 0.1 both ways. */
  tolerance?: HpaTolerances;
  /** The HPA's metrics as observed in this sync, in `spec.metrics` order. */
  metrics: readonly HpaMetricObservation[];
  /** `spec.minReplicas`; API default 1. */
  minReplicas?: number;
  /** `spec.maxReplicas`: the most replicas the HPA may set (>= minReplicas). */
  maxReplicas: number;
  /** `spec.behavior` after API defaulting (see {@link defaultBehavior}); `null` selects the legacy path. */
  behavior: HpaBehavior | null;
  /**
   * Stored recommendations from the previous sync (ages advanced). `null`,
   * absent or empty means "no history" (new HPA or controller restart): the
   * controller then records `{replicas: currentReplicas, ageSeconds: 0}` first.
   */
  recommendations?: readonly HpaRecommendation[] | null;
  /**
   * Stored scale-up events from the previous sync (ages advanced); read only on the behavior path.
   * @default - none
   */
  scaleUpEvents?: readonly HpaScaleEvent[];
  /**
   * Stored scale-down events from the previous sync (ages advanced); read only on the behavior path.
   * @default - none
   */
  scaleDownEvents?: readonly HpaScaleEvent[];
  /**
   * `--horizontal-pod-autoscaler-downscale-stabilization` in seconds: the scaleDown stabilization
   * window on the legacy path, and on the behavior path when `behavior.scaleDown` leaves it unset.
   * @default 300
   */
  downscaleStabilizationSeconds?: number;
  /**
   * Legacy-path scale-up factor: without `behavior`, one sync raises the replicas to at most
   * `max(factor × currentReplicas, 4)` (hard-coded 2 in the controller; 8 in its unit tests).
   * @default 2
   */
  legacyScaleUpLimitFactor?: number;
  /** Feature gates that change the controller's arithmetic. @default - each gate at its own default */
  featureGates?: HpaFeatureGates;
  /** Status of the HPA's `ScaledToZero` condition (only read with `HPAScaleToZero`). Default `false`. */
  scaledToZero?: boolean;
}

/** Why a sync ended the way it did. */
export type HpaSyncReason =
  | HpaLimitReason
  /** `currentReplicas == 0`: the HPA is paused (`ScalingActive=False`). */
  | 'ScalingDisabled'
  /** Pre-check: current replicas above `maxReplicas`, clamped without reading metrics. */
  | 'CurrentReplicasAboveMax'
  /** Pre-check: current replicas below `minReplicas`, clamped without reading metrics. */
  | 'CurrentReplicasBelowMin'
  /** The metric stage blocked the sync (all metrics invalid, or some invalid on a scale-down). */
  | 'FailedComputeMetricsReplicas';

/** Output of {@link sync}; spread its state (after {@link advanceTime}) into the next sync. */
export interface SyncResult extends HpaState {
  /** Replica count after this sync (equals `currentReplicas` when nothing changes). */
  replicas: number;
  /** True when any metric was invalid (whether or not scaling went ahead). */
  error: boolean;
  /**
   * Why the sync ended the way it did: the `ScalingLimited` reason of normalization, or the
   * pre-check or metric-stage reason that stopped the sync before it.
   */
  reason?: HpaSyncReason;
  /** True when the controller would write a new `scale.spec.replicas`. */
  rescaled: boolean;
  /** The metric stage proposal; `null` when metrics were not read or none was valid. */
  proposedReplicas: number | null;
  /** Number of invalid metrics in this sync (0 when metrics were not read). */
  invalidMetrics: number;
  /** Per-metric outcomes (empty when metrics were not read). */
  metrics: HpaMetricResult[];
  /** Stabilization reason, when normalization ran. */
  stabilizationReason?: HpaStabilizationReason;
  /** The `ScaledToZero` condition after this sync (always `false` without `HPAScaleToZero`). */
  scaledToZero: boolean;
  /**
   * The `ScalingActive` condition the metric stage sets: `False` with the first invalid metric's
   * reason and message when the sync is blocked, otherwise `True` (`ValidMetricFound`).
   * Absent when metrics were not read.
   */
  scalingActive?: HpaScalingActiveCondition;
}
