/**
 * The alert rules of a whole platform: which targets, APIServices and services the generic
 * {@link buildAlertRules} watches, decided from what the platform deploys.
 * @module
 */
import { RESOURCE_METRICS_API } from '../platform/metrics-server';
import { Problem, show } from '../problems';
import { API_SERVER_JOB } from '../prometheus-config';
import { AlertedService, AlertRuleGroup, buildAlertRules, WatchedTarget } from './rules';

/** The APIServices the Prometheus Adapter and KEDA register. */
export const METRICS_API_SERVICES = Object.freeze({
  /** custom.metrics.k8s.io (Pods and Object metrics, served by the adapter). */
  custom: 'v1beta1.custom.metrics.k8s.io',
  /** external.metrics.k8s.io (External metrics, the adapter's or KEDA's). */
  external: 'v1beta1.external.metrics.k8s.io',
  /** metrics.k8s.io (CPU and memory, served by metrics-server). */
  resource: RESOURCE_METRICS_API.apiService,
});

/** The metrics APIServices the HPAs read, in a stable order. */
export function metricsApiServices(uses: { readonly adapterCustom: boolean; readonly external: boolean; readonly resource: boolean }): string[] {
  return [
    ...(uses.adapterCustom ? [METRICS_API_SERVICES.custom] : []),
    ...(uses.external ? [METRICS_API_SERVICES.external] : []),
    ...(uses.resource ? [METRICS_API_SERVICES.resource] : []),
  ];
}

/** Tunables of the platform's alerts (seconds). */
export interface PlatformAlertOptions {
  /** Seconds a GPU pod may stay Pending. @default 300 */
  readonly pendingSeconds?: number;
  /** Seconds a metric may be unreadable, a series absent or a target down. @default 300 */
  readonly unreadableSeconds?: number;
  /** Seconds at maxReplicas while limited. @default 600 */
  readonly atMaxSeconds?: number;
}

/** What {@link platformAlertRules} needs to know about the platform. */
export interface PlatformAlertInput {
  /** The tunables, as the user wrote them. */
  readonly options: PlatformAlertOptions;
  /** The services. */
  readonly services: readonly AlertedService[];
  /** Namespace of services that name none. */
  readonly defaultNamespace: string;
  /** Whether inferscale runs Prometheus (then it also scrapes the API server and kube-state-metrics). */
  readonly embedded: boolean;
  /** kube-state-metrics' job, when the platform runs it. @default - none */
  readonly kubeStateMetricsJob?: string;
  /** The DCGM exporter, when deployed. @default - none */
  readonly dcgmExporter?: {
    /** Namespace of its pods. */
    readonly namespace: string;
    /** Name of its DaemonSet (its pods are `<name>-xxxxx`). */
    readonly name: string;
  };
  /** Metrics APIServices the HPAs read. */
  readonly apiServices: readonly string[];
}

/**
 * The platform's alert rules; problems with the tunables are added to `problems` (paths
 * relative to the alert options) and give no rules.
 */
export function platformAlertRules(input: PlatformAlertInput, problems: Problem[]): AlertRuleGroup[] {
  const found: Problem[] = [];
  for (const key of ['pendingSeconds', 'unreadableSeconds', 'atMaxSeconds'] as const) {
    const v = input.options[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 60 || v > 86_400)) {
      found.push({ path: key, message: `is ${show(v)}; expected whole seconds from 60 to 86400` });
    }
  }
  if (found.length) {
    problems.push(...found);
    return [];
  }
  const targets: WatchedTarget[] = [];
  if (input.kubeStateMetricsJob) targets.push({ what: 'kube-state-metrics', matchers: `job=${JSON.stringify(input.kubeStateMetricsJob)}` });
  if (input.embedded) targets.push({ what: 'API server (metrics APIService availability)', matchers: `job=${JSON.stringify(API_SERVER_JOB)}` });
  if (input.dcgmExporter) {
    targets.push({ what: 'DCGM exporter', matchers: `namespace=${JSON.stringify(input.dcgmExporter.namespace)},pod=~${JSON.stringify(`${input.dcgmExporter.name}-[a-z0-9]+`)}` });
  }
  return buildAlertRules({
    services: input.services,
    defaultNamespace: input.defaultNamespace,
    targets,
    apiServices: input.apiServices,
    dcgm: input.dcgmExporter !== undefined,
    ...(input.options.pendingSeconds !== undefined ? { pendingSeconds: input.options.pendingSeconds } : {}),
    ...(input.options.unreadableSeconds !== undefined ? { unreadableSeconds: input.options.unreadableSeconds } : {}),
    ...(input.options.atMaxSeconds !== undefined ? { atMaxSeconds: input.options.atMaxSeconds } : {}),
  });
}
