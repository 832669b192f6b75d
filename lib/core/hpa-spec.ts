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

/** One entry of `spec.metrics`. */
export type HpaMetricSpec =
  | { readonly type: 'Resource'; readonly resource: { readonly name: string; readonly target: HpaMetricTarget } }
  | { readonly type: 'Pods'; readonly pods: { readonly metric: HpaMetricIdentifier; readonly target: HpaMetricTarget } }
  | {
    readonly type: 'Object';
    readonly object: { readonly describedObject: HpaObjectReference; readonly metric: HpaMetricIdentifier; readonly target: HpaMetricTarget };
  }
  | { readonly type: 'External'; readonly external: { readonly metric: HpaMetricIdentifier; readonly target: HpaMetricTarget } };

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
