export * from './ai-inference-service';
export { NvidiaDevicePlugin, resolveNvidiaDevicePlugin, devicePluginConfigFile, MIG_STRATEGIES } from './nvidia-device-plugin';
export type { NvidiaDevicePluginProps, ResolvedNvidiaDevicePlugin, MigStrategy } from './nvidia-device-plugin';
export { DcgmExporter, resolveDcgmExporter, dcgmMetricsCsv, DEFAULT_DCGM_FIELDS, DCGM_PROFILING_FIELDS, DCGM_SERIES_LABELS, DCGM_POD_ATTRIBUTION_LABELS } from './dcgm-exporter';
export type { DcgmExporterProps, ResolvedDcgmExporter, DcgmField, DcgmFieldType, DcgmScrapeJobHint } from './dcgm-exporter';
export { ScalingMetric, ScalingBehavior, InferscaleValidationError, gpuNodePool, resolveGpuNodePool, IMAGES, ModelCache, PrometheusStorage, ModelServer } from '../core';
export type {
  InferenceServiceProps, MetricDefinition, HpaBehavior, HpaMetricSpec, ResolvedInferenceService,
  GpuNodePoolProps, ResolvedGpuNodePool, TimeSlicingProps,
  EmptyDirModelCacheOptions, PersistentVolumeClaimModelCacheOptions, HostPathModelCacheOptions, ResolvedModelCache,
  PersistentPrometheusStorageOptions, ClusterDefaultPrometheusStorageOptions, EphemeralPrometheusStorageOptions, ResolvedPrometheusStorage,
  EbsStorageClassProps, ResolvedStorageClass,
} from '../core';
export * from './ai-inference-platform';
export { MetricsServer } from './metrics-server';
export type { MetricsServerProps, ResolvedMetricsServer } from './metrics-server';
export { resolveMetricsServer, RESOURCE_METRICS_API, AGGREGATED_METRICS_READER } from '../core';
export { Prometheus, PrometheusSource, PROMETHEUS_PORT, STACK_RELEASE_LABEL } from './prometheus';
export type { PrometheusProps, EmbeddedPrometheusOptions, KubePrometheusStackOptions, PrometheusScrapedService } from './prometheus';
export type { DcgmExporterScrapeTarget } from '../core';
export { PrometheusAdapter, ServingCertificate, ADAPTER_SECURE_PORT } from './prometheus-adapter';
export type { PrometheusAdapterProps, CertManagerServingOptions } from './prometheus-adapter';
export * from './network-policies';
export { GpuHeadroom } from './gpu-headroom';
export type { GpuHeadroomProps, ResolvedGpuHeadroom } from './gpu-headroom';
export { ImagePrepull } from './image-prepull';
export type { ImagePrepullProps, ResolvedImagePrepull } from './image-prepull';
export { ScheduledFloorJobs, floorCronJobName, floorCronJobDeadlineSeconds } from './scheduled-floors';
export type { ScheduledFloor, ScheduledFloorsProps, Weekday } from '../core/scheduled-floors';
export { KubeStateMetrics } from './kube-state-metrics';
export type { KubeStateMetricsProps, ResolvedKubeStateMetrics } from './kube-state-metrics';
export { buildAlertRules, alertRulesYaml, ALERTS, resolveKubeStateMetrics, buildDashboard, GRAFANA_DASHBOARD_LABEL } from '../core';
export type { GrafanaDashboard, DashboardOptions } from '../core';
export type { AlertRuleGroup, AlertRule, AlertRulesOptions, AlertedService, WatchedTarget } from '../core';
