/**
 * Plain data shapes of the autoscaling/v2 HorizontalPodAutoscaler fields inferscale emits.
 * They mirror the Kubernetes API one to one, so they serialize to YAML unchanged.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/
 */

/** A label selector with equality requirements only. */
export interface HpaLabelSelector {
  /** Labels the series must carry. */
  readonly matchLabels: Readonly<Record<string, string>>;
}

/** `MetricIdentifier`: a metric name and an optional selector. */
export interface HpaMetricIdentifier {
  /** Metric name as served by the metrics API (the adapter rule's `name.as`). */
  readonly name: string;
  /** Narrows the series the metrics API returns. */
  readonly selector?: HpaLabelSelector;
}

/** `MetricTarget`: exactly one of the three values, matching `type`. */
export interface HpaMetricTarget {
  /** `Utilization` (resource metrics only), `AverageValue` or `Value`. */
  readonly type: 'Utilization' | 'AverageValue' | 'Value';
  /** Percent of the pods' requests (1 or more). */
  readonly averageUtilization?: number;
  /** Per-pod target as a Kubernetes quantity. */
  readonly averageValue?: string;
  /** Total target as a Kubernetes quantity. */
  readonly value?: string;
}

/** `CrossVersionObjectReference` for Object metrics. */
export interface HpaObjectReference {
  /** API version of the described object, e.g. `networking.k8s.io/v1`. */
  readonly apiVersion: string;
  /** Kind of the described object, e.g. `Ingress`. */
  readonly kind: string;
  /** Name of the described object, in the HPA's namespace. */
  readonly name: string;
}

/** `ResourceMetricSource`: a resource of the pods' containers, as the resource metrics API (metrics-server) reports it. */
export interface HpaResourceMetricSource {
  /** Resource name, e.g. `cpu` or `memory`. */
  readonly name: string;
  /** Target: `Utilization` (percent of the pods' requests) or `AverageValue` (per pod). */
  readonly target: HpaMetricTarget;
}

/** `PodsMetricSource`: a custom metric of each pod, averaged over the pods. */
export interface HpaPodsMetricSource {
  /** The metric, as the custom metrics API serves it for each pod. */
  readonly metric: HpaMetricIdentifier;
  /** Target: `AverageValue` (per pod). */
  readonly target: HpaMetricTarget;
}

/** `ObjectMetricSource`: a custom metric describing one object in the HPA's namespace. */
export interface HpaObjectMetricSource {
  /** The object the metric is about, e.g. an Ingress. */
  readonly describedObject: HpaObjectReference;
  /** The metric, as the custom metrics API serves it for that object. */
  readonly metric: HpaMetricIdentifier;
  /** Target: `Value` (the object's total) or `AverageValue` (the total divided by the pods). */
  readonly target: HpaMetricTarget;
}

/** `ExternalMetricSource`: a metric not tied to any Kubernetes object, e.g. a queue's length. */
export interface HpaExternalMetricSource {
  /** The metric, as the external metrics API serves it. */
  readonly metric: HpaMetricIdentifier;
  /** Target: `Value` (the total) or `AverageValue` (the total divided by the pods). */
  readonly target: HpaMetricTarget;
}

/** A `spec.metrics` entry of type `Resource`. */
export interface HpaResourceMetricSpec {
  /** Always `Resource`. */
  readonly type: 'Resource';
  /** The resource and its target. */
  readonly resource: HpaResourceMetricSource;
}

/** A `spec.metrics` entry of type `Pods`. */
export interface HpaPodsMetricSpec {
  /** Always `Pods`. */
  readonly type: 'Pods';
  /** The per-pod metric and its target. */
  readonly pods: HpaPodsMetricSource;
}

/** A `spec.metrics` entry of type `Object`. */
export interface HpaObjectMetricSpec {
  /** Always `Object`. */
  readonly type: 'Object';
  /** The described object, its metric and the target. */
  readonly object: HpaObjectMetricSource;
}

/** A `spec.metrics` entry of type `External`. */
export interface HpaExternalMetricSpec {
  /** Always `External`. */
  readonly type: 'External';
  /** The external metric and its target. */
  readonly external: HpaExternalMetricSource;
}

/** One entry of `spec.metrics`. */
export type HpaMetricSpec = HpaResourceMetricSpec | HpaPodsMetricSpec | HpaObjectMetricSpec | HpaExternalMetricSpec;

/** `HPAScalingPolicy`: at most `value` pods or percent per `periodSeconds`. */
export interface HpaScalingPolicy {
  /** `Pods` (absolute) or `Percent` (of the replicas at the start of the period). */
  readonly type: 'Pods' | 'Percent';
  /** Greater than zero. */
  readonly value: number;
  /** In (0, 1800]. */
  readonly periodSeconds: number;
}

/** `HPAScalingRules` for one direction, every field set. */
export interface HpaScalingRules {
  /** In [0, 3600]. */
  readonly stabilizationWindowSeconds: number;
  /** Which policy wins: `Max` (largest change), `Min` (smallest change), `Disabled` (no scaling this way). */
  readonly selectPolicy: 'Max' | 'Min' | 'Disabled';
  /** At least one. */
  readonly policies: readonly HpaScalingPolicy[];
}

/** `HorizontalPodAutoscalerBehavior`, both directions fully specified. */
export interface HpaBehavior {
  /** Rules when the proposal is above the current replicas. */
  readonly scaleUp: HpaScalingRules;
  /** Rules when the proposal is below the current replicas. */
  readonly scaleDown: HpaScalingRules;
}

/** Validation limits the API server enforces on HPA objects. */
export const HPA_LIMITS = {
  /** `MaxStabilizationWindowSeconds`. */
  maxStabilizationWindowSeconds: 3600,
  /** `MaxPeriodSeconds`. */
  maxPeriodSeconds: 1800,
} as const;
