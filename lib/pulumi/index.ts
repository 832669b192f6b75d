export * from './ai-inference-service';
export * from './kubernetes-objects';
export { ScalingMetric, ScalingBehavior, InferscaleValidationError } from '../core';
export type { InferenceServiceProps, ResolvedInferenceService } from '../core';
