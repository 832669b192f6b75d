export * from './ai-inference-service';
export * from './inference-platform';
export * from './kubernetes-objects';
export { ScalingMetric, ScalingBehavior, InferscaleValidationError, gpuNodePool, resolveGpuNodePool, ModelServer } from '../core';
export type { InferenceServiceProps, ResolvedInferenceService, GpuNodePoolProps, ResolvedGpuNodePool } from '../core';
export { PrometheusSource, ServingCertificate } from '../cdk8s';
export * from './kube-prometheus-stack';
export * from './keda';
