/**
 * Alerting rules generated per service from the metric catalogue, for the embedded Prometheus
 * (a rule file) or an existing kube-prometheus-stack (`PrometheusRule` objects): the same groups
 * either way. Each alert carries a runbook line from the troubleshooting table.
 *
 * Cluster state (HPA conditions and replica counts, pod phases, Deployment availability) comes
 * from kube-state-metrics; the metrics APIServices' availability from the API server's
 * `aggregator_unavailable_apiservice`; GPU faults from the DCGM exporter.
 * @see https://github.com/kubernetes/kube-state-metrics/blob/v2.17.0/docs/metrics/workload/horizontalpodautoscaler-metrics.md
 * @see https://github.com/kubernetes/kube-state-metrics/blob/v2.17.0/docs/metrics/workload/pod-metrics.md
 * @module
 */
import { stringify } from 'yaml';
import { promDuration } from '../duration';
import { MetricDefinition, SeriesRequirement } from '../metric';
import { anyOfSeries } from '../metrics/promql';
import { deploymentPodPattern } from '../names';
import { runbookLine, TroubleshootingId } from '../troubleshooting';
import { saturationSignals, SaturationSignal } from './saturation';

/** A service alerts are generated for. `ResolvedInferenceService` fits. */
export interface AlertedService {
  /** Name of the Deployment and of the HPA. */
  readonly name: string;
  /** Namespace. @default - the platform's inference namespace */
  readonly namespace?: string;
  /** GPUs per replica, when it has any. @default - CPU only */
  readonly gpu?: {
    /** GPUs per replica. */
    readonly count: number;
  };
  /** The catalogue entries the HPA scales on. */
  readonly metrics: readonly MetricDefinition[];
}

/** A scrape target the alerts watch with `up == 0`. */
export interface WatchedTarget {
  /** What it is, for the alert text (`DCGM exporter`). */
  readonly what: string;
  /** PromQL label matchers of its `up` series, e.g. `job="kube-state-metrics"`. */
  readonly matchers: string;
}

/** Options of {@link buildAlertRules}. */
export interface AlertRulesOptions {
  /** The services. */
  readonly services: readonly AlertedService[];
  /** Namespace of services that name none. @default "default" */
  readonly defaultNamespace?: string;
  /** The platform's own scrape targets (exporters, kube-state-metrics); each service's pods are added. @default - none */
  readonly targets?: readonly WatchedTarget[];
  /** Names of the metrics APIServices the HPAs read (`v1beta1.custom.metrics.k8s.io`, ...). @default - none */
  readonly apiServices?: readonly string[];
  /** Whether a DCGM exporter runs (XID alerts). @default false */
  readonly dcgm?: boolean;
  /**
   * How long a GPU pod may stay Pending before it alerts: a node start (~180 s on EKS GPU
   * AMIs) plus pulling the image (~60 s) plus a margin.
   * @default 300
   */
  readonly pendingSeconds?: number;
  /** How long a metric may be unreadable (or a series absent) before it alerts. @default 300 */
  readonly unreadableSeconds?: number;
  /** How long the HPA may sit at maxReplicas while limited before it alerts. @default 600 */
  readonly atMaxSeconds?: number;
  /** KV-cache use (0-1) above which a pod is saturated. @default 0.95 */
  readonly kvCacheSaturatedRatio?: number;
  /** Window over which a growing waiting queue alerts. @default 600 */
  readonly queueGrowthSeconds?: number;
}

/**
 * One alerting rule, as Prometheus rule files and `PrometheusRule` objects spell it.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/
 */
export interface AlertRule {
  /** Alert name. */
  readonly alert: string;
  /** The PromQL condition; every result is one firing alert. */
  readonly expr: string;
  /** How long the condition must hold before the alert fires, a Prometheus duration. @default - fires on the first evaluation */
  readonly for?: string;
  /** Labels added to the alert (`severity`, `inferscale_service`). */
  readonly labels: Readonly<Record<string, string>>;
  /** `summary`, `description` and `runbook`. */
  readonly annotations: {
    /** One line. */
    readonly summary: string;
    /** What the condition means. */
    readonly description: string;
    /** The troubleshooting table's cause and first command. */
    readonly runbook: string;
  };
}

/** A group of rules evaluated together. */
export interface AlertRuleGroup {
  /** Group name, unique in the file. */
  readonly name: string;
  /** The rules. */
  readonly rules: readonly AlertRule[];
}

/** The alert names, for tests and docs. */
export const ALERTS = Object.freeze({
  /** The HPA cannot read a metric (ScalingActive False). */
  metricUnreadable: 'InferscaleHpaMetricUnreadable',
  /** A series the HPA scales on is absent while the Deployment has available pods. */
  seriesAbsent: 'InferscaleScalingSeriesAbsent',
  /** The HPA is at maxReplicas and limited (demand above target). */
  atMaxReplicas: 'InferscaleHpaAtMaxReplicas',
  /** A GPU pod is Pending longer than a node start. */
  gpuPodsPending: 'InferscaleGpuPodsPending',
  /** A metrics APIService is unavailable. */
  metricsApiUnavailable: 'InferscaleMetricsApiUnavailable',
  /** A scrape target is down. */
  targetDown: 'InferscaleScrapeTargetDown',
  /** A model server's KV cache is nearly full. */
  kvCacheSaturated: 'InferscaleKvCacheSaturated',
  /** A model server's waiting queue keeps growing. */
  queueGrowing: 'InferscaleWaitingQueueGrowing',
  /** A GPU reported an XID error. */
  gpuXidError: 'InferscaleGpuXidError',
} as const);

/** Name of the group of platform-wide alerts. */
export const PLATFORM_ALERT_GROUP = 'inferscale.platform';

/**
 * The alerting rules: one group per service (its HPA, its series, its pods, its saturation)
 * and one for the platform (metrics APIServices, exporters, GPU faults).
 */
export function buildAlertRules(options: AlertRulesOptions): AlertRuleGroup[] {
  const unreadable = promDuration(options.unreadableSeconds ?? 300);
  const groups: AlertRuleGroup[] = options.services.map((s) => ({
    name: `inferscale.${s.namespace ?? options.defaultNamespace ?? 'default'}.${s.name}`,
    rules: serviceRules(s, s.namespace ?? options.defaultNamespace ?? 'default', options, unreadable),
  }));
  const platform: AlertRule[] = [];
  for (const api of options.apiServices ?? []) {
    platform.push(rule(ALERTS.metricsApiUnavailable, `max by (name) (aggregator_unavailable_apiservice{name=${q(api)}}) == 1`, unreadable, 'critical', 'metricsApiUnavailable', {}, {
      summary: `APIService ${api} is unavailable`,
      description: `The API server cannot reach the provider of ${api}; every HPA metric served by it is unreadable, so those HPAs stop scaling.`,
    }, { name: api }));
  }
  for (const t of options.targets ?? []) {
    platform.push(rule(ALERTS.targetDown, `up{${t.matchers}} == 0`, unreadable, 'warning', 'scrapeDown', {}, {
      summary: `Prometheus cannot scrape the ${t.what}`,
      description: `A target of the ${t.what} ({{ $labels.instance }}) has been down for ${unreadable}.`,
    }));
  }
  if (options.dcgm) {
    platform.push(rule(ALERTS.gpuXidError, 'max by (Hostname, gpu, UUID, namespace, pod) (DCGM_FI_DEV_XID_ERRORS) > 0', undefined, 'critical', 'gpuXidError', {}, {
      summary: 'GPU {{ $labels.gpu }} on {{ $labels.Hostname }} reported XID {{ $value }}',
      description: 'DCGM reports an XID error on this GPU (the value is the last XID code). The pod using it ({{ $labels.namespace }}/{{ $labels.pod }}) may have failed or be serving errors.',
    }));
  }
  if (platform.length) groups.push({ name: PLATFORM_ALERT_GROUP, rules: platform });
  return groups;
}

/** The rules as a Prometheus rule file (YAML). */
export function alertRulesYaml(groups: readonly AlertRuleGroup[]): string {
  return stringify({ groups }, { lineWidth: 0, sortMapEntries: false, aliasDuplicateObjects: false });
}

function serviceRules(s: AlertedService, namespace: string, options: AlertRulesOptions, unreadable: string): AlertRule[] {
  const hpa = `namespace=${q(namespace)},horizontalpodautoscaler=${q(s.name)}`;
  const pods = `namespace=${q(namespace)},pod=~${q(deploymentPodPattern(s.name))}`;
  const available = `kube_deployment_status_replicas_available{namespace=${q(namespace)},deployment=${q(s.name)}} > 0`;
  const ph = { namespace, service: s.name };
  const labels = { namespace, inferscale_service: s.name };
  const rules: AlertRule[] = [
    // A Deployment scaled to zero (KEDA) has ScalingActive False by design (ScalingDisabled).
    rule(ALERTS.metricUnreadable, `(kube_horizontalpodautoscaler_status_condition{${hpa},condition="ScalingActive",status="false"} == 1) and on() (kube_deployment_spec_replicas{namespace=${q(namespace)},deployment=${q(s.name)}} > 0)`, unreadable, 'warning', 'customMetricUnknown', labels, {
      summary: `HPA ${namespace}/${s.name} cannot read a metric (ScalingActive False)`,
      description: `The HPA of ${namespace}/${s.name} has not been able to compute a replica count for ${unreadable}: while any metric is unreadable it never scales down.`,
    }, ph),
  ];
  for (const series of absentCandidates(s)) {
    const absent = `absent(${storedName(series)}{${pods}})`;
    if (series.exportedFrom !== 'firstRequest') {
      rules.push(rule(ALERTS.seriesAbsent, `${absent} and on() (${available})`, unreadable, 'warning', 'seriesMissing', { ...labels, series: series.name }, {
        summary: `${series.name} is absent for ${namespace}/${s.name}`,
        description: `The HPA of ${namespace}/${s.name} scales on ${series.name}, but Prometheus has no such series for its pods while the Deployment has available replicas; the metric reads as unknown.`,
      }, { ...ph, series: series.name }));
      continue;
    }
    // Created at the first request: absent on idle pods by design (the query reads 0 for them).
    // Absent while series the same first request creates exist, it is not the engine's.
    const witnesses = series.createdWith ?? [];
    if (witnesses.length === 0) continue;
    rules.push(rule(ALERTS.seriesAbsent, `${absent} and on() (count(${anyOfSeries(witnesses, pods)}) > 0)`, unreadable, 'warning', 'seriesMissing', { ...labels, series: series.name }, {
      summary: `${series.name} is absent for ${namespace}/${s.name}, which has served requests`,
      description: `The HPA of ${namespace}/${s.name} scales on ${series.name}, which its engine creates at the first request, but its pods export ${witnesses.join(', ')} (so they have served requests) and no ${series.name}: the name is probably wrong, and the metric reads 0 for every pod whatever the load.`,
    }, { ...ph, series: series.name }));
  }
  rules.push(rule(ALERTS.atMaxReplicas,
    `(kube_horizontalpodautoscaler_status_current_replicas{${hpa}} >= on(namespace, horizontalpodautoscaler) kube_horizontalpodautoscaler_spec_max_replicas{${hpa}})`
    + ` and on(namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_condition{${hpa},condition="ScalingLimited",status="true"} == 1)`,
    promDuration(options.atMaxSeconds ?? 600), 'warning', 'atMaxReplicas', labels, {
      summary: `HPA ${namespace}/${s.name} is at maxReplicas and limited`,
      description: `The HPA of ${namespace}/${s.name} wants more replicas than maxReplicas (ScalingLimited True at the maximum): demand is above the target and latency will grow.`,
    }, ph));
  if (s.gpu) {
    rules.push(rule(ALERTS.gpuPodsPending, `max by (namespace, pod) (kube_pod_status_phase{${pods},phase="Pending"}) == 1`, promDuration(options.pendingSeconds ?? 300), 'warning', 'gpuPodsPending', labels, {
      summary: `GPU pod {{ $labels.pod }} of ${namespace}/${s.name} has been Pending longer than a node start`,
      description: `A replica that needs ${s.gpu.count} GPU(s) has not started; the capacity the HPA asked for is not there.`,
    }, ph));
  }
  for (const signal of saturationSignals(s.metrics)) rules.push(saturationRule(signal, s, namespace, pods, labels, options));
  rules.push(rule(ALERTS.targetDown, `up{${pods}} == 0`, unreadable, 'warning', 'scrapeDown', labels, {
    summary: `Prometheus cannot scrape pod {{ $labels.pod }} of ${namespace}/${s.name}`,
    description: `Scrapes of {{ $labels.pod }} have failed for ${unreadable}; the HPA's Prometheus metrics for that pod are missing.`,
  }));
  return rules;
}

function saturationRule(signal: SaturationSignal, s: AlertedService, namespace: string, pods: string, labels: Readonly<Record<string, string>>, options: AlertRulesOptions): AlertRule {
  const selector = `{__name__=~${q(signal.series.join('|'))},${pods}}`;
  const ph = { namespace, service: s.name };
  if (signal.kind === 'kvCache') {
    const ratio = options.kvCacheSaturatedRatio ?? 0.95;
    return rule(ALERTS.kvCacheSaturated, `max by (namespace, pod) (${selector}) > ${ratio}`, '5m', 'warning', 'servingSaturated', labels, {
      summary: `KV cache of {{ $labels.pod }} (${namespace}/${s.name}) is above ${Math.round(ratio * 100)}%`,
      description: `${signal.exporter} reports its KV cache ({{ $value | humanizePercentage }}) nearly full for 5 minutes: new requests wait or preempt running ones.`,
    }, ph);
  }
  const window = promDuration(options.queueGrowthSeconds ?? 600);
  const total = `sum(${selector})`;
  return rule(ALERTS.queueGrowing, `(${total} > 0) and (deriv(${total}[${window}:1m]) > 0)`, window, 'warning', 'servingSaturated', { ...labels, series: signal.series[0] }, {
    summary: `Requests waiting at ${namespace}/${s.name} keep growing`,
    description: `${signal.series[0]} (${signal.exporter}), summed over the pods, has been above 0 and rising for ${window}: the replicas serve less than arrives.`,
  }, ph);
}

/**
 * Series whose absence means a metric cannot be read: the app's and the DCGM exporter's, for
 * this service's pods. Kubelet series (CPU, memory) are not in Prometheus, and external series
 * belong to no pod.
 */
function absentCandidates(s: AlertedService): SeriesRequirement[] {
  const out: SeriesRequirement[] = [];
  for (const m of s.metrics) {
    for (const series of m.series) {
      if (series.source !== 'app' && series.source !== 'dcgm') continue;
      if (!series.labels.includes('pod')) continue;
      if (!out.some((o) => o.name === series.name)) out.push(series);
    }
  }
  return out;
}

/** The stored name of a series: a histogram is checked by its `_count`. */
function storedName(s: SeriesRequirement): string {
  return s.type === 'histogram' ? `${s.name}_count` : s.name;
}

function rule(alert: string, expr: string, forDuration: string | undefined, severity: 'warning' | 'critical', runbook: TroubleshootingId,
  labels: Readonly<Record<string, string>>, text: { summary: string; description: string }, placeholders: Readonly<Record<string, string>> = {}): AlertRule {
  return {
    alert,
    expr,
    ...(forDuration ? { for: forDuration } : {}),
    labels: { severity, ...labels },
    annotations: { ...text, runbook: runbookLine(runbook, placeholders) },
  };
}

/** Quotes a PromQL string. */
function q(value: string): string {
  return JSON.stringify(value);
}
