export * from './ai-inference-service';
export { ScalingMetric, ScalingBehavior, InferscaleValidationError } from '../core';
export type { InferenceServiceProps, MetricDefinition, HpaBehavior, HpaMetricSpec, ResolvedInferenceService } from '../core';
