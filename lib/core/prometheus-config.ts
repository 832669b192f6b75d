import { stringify } from 'yaml';
import { checkHttpPath, checkPort, sortKeys } from './checks';
import { promDuration } from './duration';
import { SERVICE_LABEL } from './inference-service';
import { MetricDefinition } from './metric';
import { checkDnsLabel, checkLabels } from './names';
import { Problem, show } from './problems';

/** Job scraping inference pods found by their `prometheus.io/*` annotations. */
export const INFERENCE_PODS_JOB = 'inferscale-inference-pods';
/** Job scraping the DCGM exporter, keeping the exporter's pod attribution. */
export const DCGM_EXPORTER_JOB = 'inferscale-dcgm-exporter';
/** Job scraping kube-state-metrics (HPA, pod, Deployment and node state for the alerts and dashboard). */
export const KUBE_STATE_METRICS_JOB = 'inferscale-kube-state-metrics';
/** Job scraping the API server's `/metrics` for the metrics APIServices' availability. */
export const API_SERVER_JOB = 'inferscale-apiserver';
/** Where the embedded Prometheus reads its rule files (a ConfigMap mounted there). */
export const RULES_DIRECTORY = '/etc/prometheus/rules';
/** Series kept from the API server's scrape: its full output is tens of thousands of series. */
export const API_SERVER_KEPT_SERIES: readonly string[] = Object.freeze(['aggregator_unavailable_apiservice']);
/** Default seconds between scrapes. */
export const DEFAULT_SCRAPE_INTERVAL_SECONDS = 15;
/** Default DCGM exporter metrics port. */
export const DCGM_EXPORTER_PORT = 9400;
/** A rate window must hold at least this many scrapes to give a stable `rate()`. */
export const MIN_SCRAPES_PER_RATE_WINDOW = 4;

/** Where the DCGM exporter's pods are, for the scrape configuration. */
export interface DcgmExporterScrapeTarget {
  /** Namespace of the exporter's pods. */
  readonly namespace: string;
  /** Labels that select the exporter's pods (its DaemonSet selector). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Labels of the exporter's Service (ServiceMonitor selector). @default - podLabels */
  readonly serviceLabels?: Readonly<Record<string, string>>;
  /** Container port serving metrics. @default 9400 */
  readonly port?: number;
  /** Name of the Service port serving metrics (ServiceMonitor). @default "metrics" */
  readonly portName?: string;
  /** HTTP path of the metrics. @default "/metrics" */
  readonly path?: string;
}

/** Options of {@link buildPrometheusConfig}. */
export interface PrometheusConfigOptions {
  /** Seconds between scrapes (and rule evaluations), 1 to 300. @default 15 */
  readonly scrapeIntervalSeconds?: number;
  /**
   * Namespaces whose pods are discovered. Restricting discovery also lets RBAC be
   * namespaced Roles instead of a ClusterRole.
   * @default - every namespace
   */
  readonly namespaces?: readonly string[];
  /** The DCGM exporter to scrape for GPU metrics. @default - no GPU metrics job */
  readonly dcgmExporter?: DcgmExporterScrapeTarget;
  /** Labels added to every series when federated or remote-written. @default - none */
  readonly externalLabels?: Readonly<Record<string, string>>;
  /** kube-state-metrics to scrape (with `honor_labels`: its series name other objects' namespaces and pods). @default - no job */
  readonly kubeStateMetrics?: KubeStateMetricsScrapeTarget;
  /**
   * Scrape the API server (through `kubernetes.default.svc`, with the pod's service account
   * token) for `aggregator_unavailable_apiservice` only. Needs `get` on the non-resource URL
   * `/metrics`.
   * @default false
   */
  readonly apiServer?: boolean;
  /** Rule files to load, as paths inside the server's container. @default - none */
  readonly ruleFiles?: readonly string[];
  /** Alertmanagers to send alerts to, `host:port`. @default - none: alerts show on the /alerts page and as the ALERTS series */
  readonly alertmanagers?: readonly string[];
}

/** Where kube-state-metrics' pod is, for the scrape configuration. */
export interface KubeStateMetricsScrapeTarget {
  /** Namespace of its pod. */
  readonly namespace: string;
  /** Labels selecting its pod. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Container port serving the object metrics. */
  readonly port: number;
}

/**
 * One relabeling step.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#relabel_config
 */
export interface RelabelConfig {
  /** Labels whose values are joined with `separator` and matched against `regex`. @default - none */
  readonly source_labels?: readonly string[];
  /** String placed between the joined `source_labels` values. @default ";" */
  readonly separator?: string;
  /** Regular expression (RE2, anchored at both ends) the joined value is matched against. @default "(.*)" */
  readonly regex?: string;
  /** Label the `replace` action writes its result to. */
  readonly target_label?: string;
  /** Value written by `replace`, with `$1`-style references to the regex's capture groups. @default "$1" */
  readonly replacement?: string;
  /** What the step does with a match: rewrite a label, keep or drop the target, or map, drop or keep labels by name. @default "replace" */
  readonly action?: 'replace' | 'keep' | 'drop' | 'labelmap' | 'labeldrop' | 'labelkeep';
}

/** Kubernetes service discovery, as the scrape configuration spells it. */
export interface KubernetesSdConfig {
  /** Kind of Kubernetes object discovered as a target. */
  readonly role: 'pod' | 'endpoints' | 'service' | 'node';
  /** Namespaces searched for targets. @default - every namespace */
  readonly namespaces?: {
    /** Names of the namespaces. */
    readonly names: readonly string[];
  };
}

/** A static target group: addresses and the labels every target of the group carries. */
export interface StaticConfig {
  /** Addresses to scrape, `host:port`. */
  readonly targets: readonly string[];
  /** Labels set on every target of the group (before relabeling). @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * One scrape job.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#scrape_config
 */
export interface ScrapeConfig {
  /** Job name, the `job` label of every series the job scrapes; unique within the configuration. */
  readonly job_name: string;
  /** Whether labels of the scraped series win over the target's labels when they clash. @default false */
  readonly honor_labels?: boolean;
  /** Time between scrapes of this job, a Prometheus duration such as `"15s"`. @default - the global `scrape_interval` */
  readonly scrape_interval?: string;
  /** HTTP path the metrics are fetched from. @default "/metrics" */
  readonly metrics_path?: string;
  /** Kubernetes service discovery of the targets. @default - none */
  readonly kubernetes_sd_configs?: readonly KubernetesSdConfig[];
  /** Fixed target groups. @default - none */
  readonly static_configs?: readonly StaticConfig[];
  /** Relabeling steps applied, in order, to each target (discovered or static) before it is scraped. @default - none */
  readonly relabel_configs?: readonly RelabelConfig[];
  /** Relabeling steps applied to each scraped series before it is stored. @default - none */
  readonly metric_relabel_configs?: readonly RelabelConfig[];
  /** `http` or `https`. @default "http" */
  readonly scheme?: 'http' | 'https';
  /** TLS settings of the scrape. @default - none */
  readonly tls_config?: {
    /** CA certificate file that verifies the target. */
    readonly ca_file: string;
  };
  /** Credentials sent with each scrape. @default - none */
  readonly authorization?: {
    /** File holding the bearer token. */
    readonly credentials_file: string;
  };
}

/**
 * The Prometheus server configuration file (`prometheus.yml`).
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/
 */
export interface PrometheusServerConfig {
  /** Settings every job inherits unless it overrides them. */
  readonly global: {
    /** Time between scrapes, a Prometheus duration such as `"15s"`. */
    readonly scrape_interval: string;
    /** How long a scrape may take before it fails, a Prometheus duration (at most `scrape_interval`). */
    readonly scrape_timeout: string;
    /** Time between rule evaluations, a Prometheus duration. */
    readonly evaluation_interval: string;
    /** Labels added to every series when federated or remote-written. @default - none */
    readonly external_labels?: Readonly<Record<string, string>>;
  };
  /** Rule files (recording and alerting rules) the server evaluates. @default - none */
  readonly rule_files?: readonly string[];
  /** Where alerts are sent. @default - nowhere */
  readonly alerting?: {
    /** Alertmanagers. */
    readonly alertmanagers: readonly {
      /** Fixed Alertmanager addresses. */
      readonly static_configs: readonly StaticConfig[];
    }[];
  };
  /** The scrape jobs. */
  readonly scrape_configs: readonly ScrapeConfig[];
}

/**
 * Builds the embedded Prometheus server's configuration: one job scraping inference pods that
 * carry `prometheus.io/scrape: "true"` (and the `inferscale.io/service` label) on the port and
 * path of their `prometheus.io/port` and `prometheus.io/path` annotations, and one job
 * scraping the DCGM exporter with `honor_labels: true`, so that the `namespace` and `pod`
 * labels the exporter puts on each GPU series (the workload pod using the GPU) win over the
 * exporter pod's own target labels. Both jobs label targets `namespace` and `pod`, as
 * kube-prometheus-stack's PodMonitor and ServiceMonitor do, so adapter rules read the same
 * labels in both modes.
 *
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#kubernetes_sd_config
 */
export function buildPrometheusConfig(options: PrometheusConfigOptions = {}): {
  /** The configuration; absent when there are problems. */
  config?: PrometheusServerConfig;
  /** What is wrong with the options; empty when the configuration was built. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const interval = options.scrapeIntervalSeconds ?? DEFAULT_SCRAPE_INTERVAL_SECONDS;
  problems.push(...checkScrapeInterval('scrapeIntervalSeconds', interval));
  (options.namespaces ?? []).forEach((ns, i) => problems.push(...checkDnsLabel(`namespaces[${i}]`, ns)));
  problems.push(...checkLabels('externalLabels', options.externalLabels));
  const dcgm = options.dcgmExporter;
  if (dcgm) problems.push(...checkDcgmTarget('dcgmExporter', dcgm));
  (options.alertmanagers ?? []).forEach((a, i) => {
    if (typeof a !== 'string' || !/^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(a)) problems.push({ path: `alertmanagers[${i}]`, message: `is ${show(a)}; expected host:port, such as "alertmanager.monitoring.svc:9093"` });
  });
  if (problems.length) return { problems };

  const discovery = (namespaces: readonly string[] | undefined): KubernetesSdConfig[] =>
    [{ role: 'pod', ...(namespaces && namespaces.length ? { namespaces: { names: [...namespaces].sort() } } : {}) }];
  const finished: RelabelConfig = { source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Succeeded|Failed', action: 'drop' };
  const podLabels: RelabelConfig[] = [
    { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace', action: 'replace' },
    { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod', action: 'replace' },
    { source_labels: ['__meta_kubernetes_pod_node_name'], target_label: 'node', action: 'replace' },
  ];

  const inference: ScrapeConfig = {
    job_name: INFERENCE_PODS_JOB,
    kubernetes_sd_configs: discovery(options.namespaces),
    relabel_configs: [
      { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], regex: 'true', action: 'keep' },
      { source_labels: [`__meta_kubernetes_pod_labelpresent_${sanitizeLabelName(SERVICE_LABEL)}`], regex: 'true', action: 'keep' },
      finished,
      // The exporter is scraped by its own job, with honor_labels; never twice.
      ...(dcgm ? [dropPods(dcgm)] : []),
      { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'], regex: '(.+)', target_label: '__metrics_path__', action: 'replace' },
      // One target per pod on the annotated port (IPv4, then IPv6 in brackets).
      { source_labels: ['__meta_kubernetes_pod_ip', '__meta_kubernetes_pod_annotation_prometheus_io_port'], regex: '([^:]+);([0-9]+)', replacement: '$1:$2', target_label: '__address__', action: 'replace' },
      { source_labels: ['__meta_kubernetes_pod_ip', '__meta_kubernetes_pod_annotation_prometheus_io_port'], regex: '(.+:.+);([0-9]+)', replacement: '[$1]:$2', target_label: '__address__', action: 'replace' },
      ...podLabels,
      { source_labels: [`__meta_kubernetes_pod_label_${sanitizeLabelName(SERVICE_LABEL)}`], target_label: 'inferscale_service', action: 'replace' },
    ],
  };
  const jobs: ScrapeConfig[] = [inference];
  if (dcgm) {
    jobs.push({
      job_name: DCGM_EXPORTER_JOB,
      // DCGM attributes each GPU series to the pod using the GPU (namespace, pod, container).
      // Without honor_labels those become exported_namespace/exported_pod and adapter rules on
      // `pod` would read the exporter's own pod instead.
      honor_labels: true,
      metrics_path: dcgm.path ?? '/metrics',
      kubernetes_sd_configs: discovery([dcgm.namespace]),
      relabel_configs: [
        keepPods(dcgm),
        { source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: String(dcgm.port ?? DCGM_EXPORTER_PORT), action: 'keep' },
        finished,
        ...podLabels,
      ],
    });
  }
  const ksm = options.kubeStateMetrics;
  if (ksm) {
    jobs.push({
      job_name: KUBE_STATE_METRICS_JOB,
      // Its series carry the namespace and pod of the objects they describe, which must win
      // over the target's own (as kube-prometheus' ServiceMonitor does).
      honor_labels: true,
      kubernetes_sd_configs: discovery([ksm.namespace]),
      relabel_configs: [
        keepPods({ namespace: ksm.namespace, podLabels: ksm.podLabels }),
        { source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: String(ksm.port), action: 'keep' },
        finished,
      ],
    });
  }
  if (options.apiServer) {
    const serviceAccount = '/var/run/secrets/kubernetes.io/serviceaccount';
    jobs.push({
      job_name: API_SERVER_JOB,
      scheme: 'https',
      // The API server's Service: any one server answers for the APIServices' availability.
      static_configs: [{ targets: ['kubernetes.default.svc:443'] }],
      tls_config: { ca_file: `${serviceAccount}/ca.crt` },
      authorization: { credentials_file: `${serviceAccount}/token` },
      metric_relabel_configs: [{ source_labels: ['__name__'], regex: API_SERVER_KEPT_SERIES.map(escapeRegex).join('|'), action: 'keep' }],
    });
  }
  const timeout = Math.min(10, interval);
  return {
    problems: [],
    config: {
      global: {
        scrape_interval: promDuration(interval),
        scrape_timeout: promDuration(timeout),
        evaluation_interval: promDuration(interval),
        ...(options.externalLabels && Object.keys(options.externalLabels).length ? { external_labels: sortKeys(options.externalLabels) } : {}),
      },
      ...(options.ruleFiles && options.ruleFiles.length ? { rule_files: [...options.ruleFiles] } : {}),
      ...(options.alertmanagers && options.alertmanagers.length ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [...options.alertmanagers] }] }] } } : {}),
      scrape_configs: jobs,
    },
  };
}

/**
 * The same configuration with every job's Kubernetes discovery replaced by static target
 * groups, for `promtool check config` and local servers built without Kubernetes discovery
 * (Debian's). A group's labels may carry the `__meta_kubernetes_*` labels discovery would
 * have set, so that the jobs' relabeling runs exactly as in a cluster.
 *
 * @param targets static groups per job name; jobs not listed get no targets
 */
export function withStaticTargets(config: PrometheusServerConfig, targets: Readonly<Record<string, readonly StaticConfig[]>>): PrometheusServerConfig {
  const unknown = Object.keys(targets).filter((job) => !config.scrape_configs.some((j) => j.job_name === job));
  if (unknown.length) throw new Error(`withStaticTargets: no job named ${unknown.map((j) => show(j)).join(', ')} (jobs: ${config.scrape_configs.map((j) => show(j.job_name)).join(', ')})`);
  return {
    ...config,
    scrape_configs: config.scrape_configs.map((job) => {
      const { kubernetes_sd_configs: _dropped, ...rest } = job;
      return { ...rest, static_configs: (targets[job.job_name] ?? []).map((g) => ({ targets: [...g.targets], ...(g.labels ? { labels: { ...g.labels } } : {}) })) };
    }),
  };
}

/** The configuration as YAML with stable key order. */
export function prometheusConfigYaml(config: PrometheusServerConfig): string {
  return stringify(config, { lineWidth: 0, sortMapEntries: false, aliasDuplicateObjects: false });
}

/** A service's metrics, for {@link checkRateWindows}. {@link ResolvedInferenceService} fits. */
export interface RateWindowOwner {
  /** Service name. */
  readonly name: string;
  /** Namespace. @default - none */
  readonly namespace?: string;
  /** The service's catalogue entries. */
  readonly metrics: readonly MetricDefinition[];
}

/**
 * Checks that every rate window holds at least four scrapes: `rate()` needs two samples in the
 * window, and with fewer than four a single missed scrape makes the value jump or vanish.
 * Problems name the service, the metric and the window.
 */
export function checkRateWindows(services: readonly RateWindowOwner[], scrapeIntervalSeconds: number): Problem[] {
  const problems: Problem[] = [];
  const least = MIN_SCRAPES_PER_RATE_WINDOW * scrapeIntervalSeconds;
  services.forEach((svc, i) => {
    const who = `services[${i}] (${show(svc.namespace ? `${svc.namespace}/${svc.name}` : svc.name)})`;
    svc.metrics.forEach((m, j) => {
      if (m.rateWindowSeconds === undefined || m.rateWindowSeconds >= least) return;
      problems.push({
        path: `${who}.metrics[${j}] (${m.kind}).rateWindowSeconds`,
        message: `is ${m.rateWindowSeconds}, shorter than ${MIN_SCRAPES_PER_RATE_WINDOW} scrapes at a ${scrapeIntervalSeconds} s scrape interval (${least} s); rate() over fewer scrapes jumps or goes missing when one scrape fails. Use a rate window of ${least} s or more, or scrape more often`,
      });
    });
  });
  return problems;
}

/**
 * Checks a Prometheus duration such as `15d` or `12h` (retention, intervals).
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#duration
 */
export function checkPrometheusDuration(path: string, value: unknown): Problem[] {
  if (typeof value !== 'string' || !/^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$/.test(value) || value === '' || /^0+[a-z]+$/.test(value)) {
    return [{ path, message: `is ${show(value)}; expected a Prometheus duration such as "15d", "12h" or "1w"` }];
  }
  return [];
}

/** Label names as Kubernetes discovery spells them: every character outside [a-zA-Z0-9_] becomes `_`. */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** Escapes a literal for an (anchored, RE2) relabel regex. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

function podSelectorRule(target: Pick<DcgmExporterScrapeTarget, 'namespace' | 'podLabels'>, action: 'keep' | 'drop'): RelabelConfig {
  const keys = Object.keys(target.podLabels).sort();
  return {
    source_labels: ['__meta_kubernetes_namespace', ...keys.map((k) => `__meta_kubernetes_pod_label_${sanitizeLabelName(k)}`)],
    regex: [target.namespace, ...keys.map((k) => target.podLabels[k])].map(escapeRegex).join(';'),
    action,
  };
}

function keepPods(target: Pick<DcgmExporterScrapeTarget, 'namespace' | 'podLabels'>): RelabelConfig {
  return podSelectorRule(target, 'keep');
}

function dropPods(target: DcgmExporterScrapeTarget): RelabelConfig {
  return podSelectorRule(target, 'drop');
}

function checkScrapeInterval(path: string, value: unknown): Problem[] {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 300) {
    return [{ path, message: `is ${show(value)}; expected whole seconds from 1 to 300` }];
  }
  return [];
}

function checkDcgmTarget(path: string, t: DcgmExporterScrapeTarget): Problem[] {
  const problems = [...checkDnsLabel(`${path}.namespace`, t.namespace), ...checkLabels(`${path}.podLabels`, t.podLabels), ...checkLabels(`${path}.serviceLabels`, t.serviceLabels)];
  if (!t.podLabels || Object.keys(t.podLabels).length === 0) problems.push({ path: `${path}.podLabels`, message: 'is empty; give the labels of the exporter\'s pods, or every pod in its namespace would be scraped as the exporter' });
  if (t.port !== undefined) problems.push(...checkPort(`${path}.port`, t.port));
  if (t.path !== undefined) problems.push(...checkHttpPath(`${path}.path`, t.path));
  if (t.portName !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(t.portName)) problems.push({ path: `${path}.portName`, message: `is ${show(t.portName)}; expected a port name (lowercase letters, digits and '-')` });
  return problems;
}

