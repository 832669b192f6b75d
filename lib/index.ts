/**
 * inferscale core: the framework-neutral model (props, defaults, validation), the metric
 * catalogue, behavior presets, and the HPA controller model as the `hpa` namespace.
 * Loads neither cdk8s nor Pulumi; use `inferscale/cdk8s` or `inferscale/pulumi` for those.
 */
export * from './core';
export * as hpa from './core/hpa';
export * as simulator from './core/simulator';
