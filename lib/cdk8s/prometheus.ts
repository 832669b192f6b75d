import { createHash } from 'node:crypto';
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AlertRuleGroup, alertRulesYaml } from '../core/alerts/rules';
import { IMAGES } from '../core/images';
import { MetricDefinition } from '../core/metric';
import { checkDnsLabel, checkLabels, isDnsSubdomain } from '../core/names';
import { InferscaleValidationError, Problem, show } from '../core/problems';
import {
  buildPrometheusConfig,
  checkPrometheusDuration,
  checkRateWindows,
  DcgmExporterScrapeTarget,
  DEFAULT_SCRAPE_INTERVAL_SECONDS,
  KubeStateMetricsScrapeTarget,
  PrometheusServerConfig,
  prometheusConfigYaml,
  RULES_DIRECTORY,
} from '../core/prometheus-config';
import { resolveResources, ResourcesProps } from '../core/resources';
import { PrometheusStorage, ResolvedPrometheusStorage } from '../core/platform/prometheus-storage';
import { restrictedContainerSecurityContext } from './security';
import { containerResources } from './resources';

/** Options of {@link PrometheusSource.embedded}. */
export interface EmbeddedPrometheusOptions {
  /** Seconds between scrapes, 1 to 300. Every rate window must be at least four of them. @default 15 */
  readonly scrapeIntervalSeconds?: number;
  /** How long samples are kept (`--storage.tsdb.retention.time`). @default "15d" */
  readonly retentionTime?: string;
  /**
   * Where the TSDB lives: `PrometheusStorage.persistent({ storageClassName, size })`,
   * `PrometheusStorage.clusterDefault({ size })` or `PrometheusStorage.ephemeral({ sizeLimit })`.
   * HPAs read only the last minutes, so an emptyDir serves autoscaling anywhere; a claim keeps
   * history across reschedules but binds only with a StorageClass that exists and provisions.
   * @default - `storageClassName` given: a claim of that class; otherwise PrometheusStorage.ephemeral() (as kube-prometheus-stack without a storageSpec)
   */
  readonly storage?: PrometheusStorage;
  /** Shorthand for `storage: PrometheusStorage.persistent({ storageClassName, size: storageSize })`. @default - see storage */
  readonly storageClassName?: string;
  /** Size of the claim with `storageClassName`; alone it is an error, since a claim without a class may never bind. @default "50Gi" */
  readonly storageSize?: string;
  /**
   * PriorityClass of the server. Every HPA with a Prometheus metric depends on this one pod, so
   * it should preempt ordinary workloads rather than wait behind them.
   * @default - a PriorityClass `<namespace>-<name>` of value 1000000 rendered with the server
   */
  readonly priorityClassName?: string;
  /** Container image. @default - the pinned `IMAGES.prometheus` */
  readonly image?: string;
  /** CPU and memory. @default { cpu: { request: "500m" }, memory: { request: "2Gi", limit: "4Gi" } } */
  readonly resources?: ResourcesProps;
  /**
   * Namespaces whose pods are discovered. When given, the server gets a Role in each (and in
   * the DCGM exporter's namespace) instead of a ClusterRole.
   * @default - every namespace, with a ClusterRole that can list and watch pods
   */
  readonly discoveryNamespaces?: readonly string[];
  /**
   * Scrape the API server's `/metrics` (keeping `aggregator_unavailable_apiservice` only), so the
   * alert on an unavailable metrics APIService has its series. Adds a ClusterRole allowing
   * `get` on the non-resource URL `/metrics`.
   * @default true
   */
  readonly scrapeApiServer?: boolean;
  /** Alertmanagers to send the alerts to, `host:port`. @default - none: alerts show on Prometheus' /alerts page and as the ALERTS series */
  readonly alertmanagers?: readonly string[];
}

/** Options of {@link PrometheusSource.existingKubePrometheusStack}. */
export interface KubePrometheusStackOptions {
  /** URL of the stack's Prometheus as the adapter reaches it, e.g. `http://kube-prometheus-stack-prometheus.monitoring.svc:9090`. */
  readonly url: string;
  /**
   * The Helm release name of the stack: its Prometheus selects only ServiceMonitors and
   * PodMonitors labelled `release: <name>` by default.
   */
  readonly releaseLabel: string;
  /**
   * Scrape interval set on every monitor. The stack's own default is 30 s, which would make
   * the catalogue's 60 s rate windows too short; this keeps the interval inferscale checks.
   * @default 15
   */
  readonly scrapeIntervalSeconds?: number;
}

/**
 * Where the Prometheus the adapter reads comes from: an embedded server (the default) or an
 * existing kube-prometheus-stack.
 */
export class PrometheusSource {
  /**
   * A Prometheus server run by inferscale: ServiceAccount, RBAC to discover pods, generated
   * scrape configuration, Deployment with persistent storage, Service on 9090.
   */
  public static embedded(options: EmbeddedPrometheusOptions = {}): PrometheusSource {
    return new PrometheusSource('embedded', options, undefined);
  }

  /**
   * An existing kube-prometheus-stack installation: no server; ServiceMonitor and PodMonitor
   * objects labelled for the stack to pick up.
   * @see https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack
   */
  public static existingKubePrometheusStack(options: KubePrometheusStackOptions): PrometheusSource {
    return new PrometheusSource('kubePrometheusStack', undefined, options);
  }

  /** Which kind of source. */
  public readonly mode: 'embedded' | 'kubePrometheusStack';
  /** Options of an embedded server. */
  public readonly embeddedOptions?: EmbeddedPrometheusOptions;
  /** Options of an existing stack. */
  public readonly stackOptions?: KubePrometheusStackOptions;

  private constructor(mode: PrometheusSource['mode'], embedded: EmbeddedPrometheusOptions | undefined, stack: KubePrometheusStackOptions | undefined) {
    this.mode = mode;
    this.embeddedOptions = embedded;
    this.stackOptions = stack;
  }
}

/**
 * An inference service Prometheus scrapes. {@link ResolvedInferenceService} (the `spec` of an
 * `AIInferenceService`) fits as it is.
 */
export interface PrometheusScrapedService {
  /** Service name. */
  readonly name: string;
  /** Namespace. @default - the chart's namespace */
  readonly namespace?: string;
  /** Labels selecting the service's pods. */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** HTTP port. */
  readonly port: number;
  /** Metrics port (may equal `port`). */
  readonly metricsPort: number;
  /** Metrics path. */
  readonly metricsPath: string;
  /** Catalogue entries, for the rate-window check. */
  readonly metrics: readonly MetricDefinition[];
}

/** Props of {@link Prometheus}. */
export interface PrometheusProps {
  /** Embedded server or existing kube-prometheus-stack. @default PrometheusSource.embedded() */
  readonly source?: PrometheusSource;
  /** Name of the server's objects (embedded). @default "prometheus" */
  readonly name?: string;
  /** Namespace of the server (embedded). @default "monitoring" */
  readonly namespace?: string;
  /** Inference services to scrape; their rate windows are checked against the scrape interval. @default - none */
  readonly services?: readonly PrometheusScrapedService[];
  /** The DCGM exporter to scrape for GPU metrics. @default - no GPU metrics */
  readonly dcgmExporter?: DcgmExporterScrapeTarget;
  /** kube-state-metrics to scrape (embedded). @default - none */
  readonly kubeStateMetrics?: KubeStateMetricsScrapeTarget;
  /**
   * Alerting rules: a rule file in a ConfigMap mounted into the embedded server, or a
   * `PrometheusRule` labelled for an existing stack.
   * @default - none
   */
  readonly alertRules?: readonly AlertRuleGroup[];
}

/** Key of the alerting rule file in the rules ConfigMap (and its file name under the rules directory). */
export const ALERT_RULE_FILE = 'inferscale-alerts.yml';
/** Port of the Prometheus web API. */
export const PROMETHEUS_PORT = 9090;
/** The label kube-prometheus-stack selects monitors by. */
export const STACK_RELEASE_LABEL = 'release';
/** Container port names of `AIInferenceService` pods. */
const INFERENCE_PORT_NAMES = { http: 'http', metrics: 'metrics' } as const;
/**
 * Priority of the embedded Prometheus. Above every workload without a class (0) and the
 * cluster autoscaler's default cutoff for expendable pods (-10), far below the system classes
 * (`system-cluster-critical` is 2000000000). inferscale renders its own class rather than use
 * `system-cluster-critical`: that class is meant for components the cluster itself cannot run
 * without, and distributions may limit it to `kube-system` with a ResourceQuota.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/
 * @see https://kubernetes.io/docs/concepts/policy/resource-quotas/#limit-priority-class-consumption-by-default
 * @see https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/FAQ.md#how-does-cluster-autoscaler-work-with-pod-priority-and-preemption (expendable cutoff -10)
 */
export const PROMETHEUS_PRIORITY = 1_000_000;
/** UID and GID of `nobody`, which the upstream image runs as. */
const NOBODY = 65534;

/**
 * The Prometheus the Prometheus Adapter reads, in one of two modes.
 *
 * Embedded (the default): a single-replica Prometheus with the generated scrape configuration
 * ({@link buildPrometheusConfig}), RBAC that can only list and watch pods, a
 * PersistentVolumeClaim for the TSDB and a Service on 9090. The pod runs as `nobody` with a
 * read-only root filesystem and passes Pod Security "restricted".
 *
 * Existing kube-prometheus-stack: no server; a PodMonitor per inference service (its named
 * metrics port and path) and a ServiceMonitor for the DCGM exporter with `honorLabels: true`,
 * all labelled `release: <releaseLabel>` so the stack's Prometheus selects them.
 *
 * Either way {@link Prometheus.url} is what the adapter's `--prometheus-url` gets, and every
 * rate window of every service is checked to span at least four scrapes.
 */
export class Prometheus extends Construct {
  /** Which mode. */
  public readonly mode: PrometheusSource['mode'];
  /** URL of the Prometheus HTTP API, for the adapter. */
  public readonly url: string;
  /** Seconds between scrapes of inference pods and the DCGM exporter. */
  public readonly scrapeIntervalSeconds: number;
  /** Name of the server's objects (embedded). */
  public readonly name: string;
  /** Namespace of the server (embedded). */
  public readonly namespace: string;
  /** The generated server configuration (embedded). */
  public readonly config?: PrometheusServerConfig;
  /** Retention (embedded). */
  public readonly retentionTime?: string;
  /** Storage size (embedded): the claim's size or the emptyDir's limit. */
  public readonly storageSize?: string;
  /** The TSDB storage, resolved (embedded). */
  public readonly storage?: ResolvedPrometheusStorage;
  /** PriorityClass of the server's pod (embedded). */
  public readonly priorityClassName?: string;
  /** The PriorityClass rendered for the server, unless `priorityClassName` names an existing one (embedded). */
  public readonly priorityClass?: k8s.KubePriorityClass;
  /** Image (embedded). */
  public readonly image?: string;
  /** Labels selecting the server's pods (embedded). */
  public readonly selectorLabels?: Readonly<Record<string, string>>;
  /** ServiceAccount (embedded). */
  public readonly serviceAccount?: k8s.KubeServiceAccount;
  /** ClusterRole, when discovery spans every namespace (embedded). */
  public readonly clusterRole?: k8s.KubeClusterRole;
  /** Roles, one per discovered namespace, when discovery is restricted (embedded). */
  public readonly roles: readonly k8s.KubeRole[];
  /** ConfigMap with `prometheus.yml` (embedded). */
  public readonly configMap?: k8s.KubeConfigMap;
  /** TSDB storage, when it is persistent (embedded). */
  public readonly persistentVolumeClaim?: k8s.KubePersistentVolumeClaim;
  /** The server (embedded). */
  public readonly deployment?: k8s.KubeDeployment;
  /** Service on 9090 (embedded). */
  public readonly service?: k8s.KubeService;
  /** ServiceMonitor for the DCGM exporter (existing stack, when an exporter is given). */
  public readonly serviceMonitor?: ApiObject;
  /** PodMonitors, one per inference service (existing stack). */
  public readonly podMonitors: readonly ApiObject[];
  /** ConfigMap holding the alerting rule file (embedded, with alert rules). */
  public readonly rulesConfigMap?: k8s.KubeConfigMap;
  /** PrometheusRule holding the alerting rules (existing stack, with alert rules). */
  public readonly prometheusRule?: ApiObject;
  /** Whether the embedded server scrapes the API server. */
  public readonly scrapesApiServer: boolean;

  /**
   * @throws InferscaleValidationError listing every problem in `props`, prefixed with the construct path
   */
  public constructor(scope: Construct, id: string, props: PrometheusProps = {}) {
    super(scope, id);
    const owner = `Prometheus "${this.node.path}"`;
    const source = props.source ?? PrometheusSource.embedded();
    const problems: Problem[] = [];
    this.mode = source.mode;
    this.name = props.name ?? 'prometheus';
    this.namespace = props.namespace ?? 'monitoring';
    problems.push(...checkDnsLabel('name', this.name), ...checkDnsLabel('namespace', this.namespace));
    const services = props.services ?? [];
    services.forEach((s, i) => {
      problems.push(...checkDnsLabel(`services[${i}].name`, s.name));
      if (s.namespace !== undefined) problems.push(...checkDnsLabel(`services[${i}].namespace`, s.namespace));
    });
    this.roles = [];
    this.podMonitors = [];
    this.scrapesApiServer = false;
    const alertGroups = props.alertRules ?? [];

    if (source.mode === 'embedded') {
      const o = source.embeddedOptions ?? {};
      this.scrapeIntervalSeconds = o.scrapeIntervalSeconds ?? DEFAULT_SCRAPE_INTERVAL_SECONDS;
      this.retentionTime = o.retentionTime ?? '15d';
      this.image = o.image ?? IMAGES.prometheus;
      problems.push(...checkPrometheusDuration('source.retentionTime', this.retentionTime));
      const storage = resolveStorage(o, problems);
      this.storage = storage;
      this.storageSize = storage?.size;
      this.priorityClassName = o.priorityClassName ?? `${this.namespace}-${this.name}`;
      if (o.priorityClassName !== undefined && (typeof o.priorityClassName !== 'string' || !isDnsSubdomain(o.priorityClassName))) {
        problems.push({ path: 'source.priorityClassName', message: `is ${show(o.priorityClassName)}; expected the name of an existing PriorityClass (a DNS-1123 subdomain) such as "system-cluster-critical"` });
      }
      if (typeof this.image !== 'string' || !this.image || /\s/.test(this.image)) problems.push({ path: 'source.image', message: `is ${show(this.image)}; expected an image reference such as "quay.io/prometheus/prometheus:v3.5.0"` });
      const resolvedResources = resolveResources('source.resources', o.resources, { cpu: { request: '500m' }, memory: { request: '2Gi', limit: '4Gi' } });
      problems.push(...resolvedResources.problems);
      const requested = containerResources(resolvedResources.resources);
      this.scrapesApiServer = o.scrapeApiServer ?? true;
      const built = buildPrometheusConfig({
        scrapeIntervalSeconds: this.scrapeIntervalSeconds,
        namespaces: o.discoveryNamespaces,
        dcgmExporter: props.dcgmExporter,
        ...(props.kubeStateMetrics ? { kubeStateMetrics: props.kubeStateMetrics } : {}),
        apiServer: this.scrapesApiServer,
        ...(alertGroups.length ? { ruleFiles: [`${RULES_DIRECTORY}/*.yml`] } : {}),
        ...(o.alertmanagers ? { alertmanagers: o.alertmanagers } : {}),
      });
      // The option is `discoveryNamespaces` here; the config builder calls it `namespaces`.
      problems.push(...built.problems.map((p) => ({ ...p, path: p.path.startsWith('dcgmExporter') ? p.path : `source.${p.path.replace(/^namespaces\[/, 'discoveryNamespaces[')}` })));
      problems.push(...rateWindowProblems(services, this.scrapeIntervalSeconds));
      if (problems.length) throw new InferscaleValidationError(owner, problems);
      this.config = built.config!;
      this.url = `http://${this.name}.${this.namespace}.svc:${PROMETHEUS_PORT}`;

      const discovery = o.discoveryNamespaces && o.discoveryNamespaces.length
        ? [...new Set([...o.discoveryNamespaces, ...(props.dcgmExporter ? [props.dcgmExporter.namespace] : [])])].sort()
        : undefined;
      const selectorLabels = { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/instance': this.name };
      this.selectorLabels = { ...selectorLabels };
      const labels = { ...selectorLabels, 'app.kubernetes.io/component': 'monitoring', 'app.kubernetes.io/managed-by': 'inferscale' };
      const metadata = { name: this.name, namespace: this.namespace, labels };
      const configYaml = prometheusConfigYaml(this.config);
      const rulesYaml = alertGroups.length ? alertRulesYaml(alertGroups) : undefined;

      this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata });
      // Pod discovery lists and watches pods; nothing else is read (no endpoints, nodes or /metrics).
      const rules: k8s.PolicyRule[] = [{ apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] }];
      const subjects: k8s.Subject[] = [{ kind: 'ServiceAccount', name: this.name, namespace: this.namespace }];
      const clusterName = `${this.namespace}-${this.name}`;
      if (discovery) {
        this.roles = discovery.map((ns) => {
          const roleMeta = { name: clusterName, namespace: ns, labels };
          const role = new k8s.KubeRole(this, `Role-${ns}`, { metadata: roleMeta, rules });
          new k8s.KubeRoleBinding(this, `RoleBinding-${ns}`, { metadata: roleMeta, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: clusterName }, subjects });
          return role;
        });
      } else {
        this.clusterRole = new k8s.KubeClusterRole(this, 'ClusterRole', { metadata: { name: clusterName, labels }, rules });
        new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', { metadata: { name: clusterName, labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName }, subjects });
      }
      if (this.scrapesApiServer) {
        // Non-resource URLs can only be granted by a ClusterRole.
        const apiServerRole = `${clusterName}-apiserver-metrics`;
        new k8s.KubeClusterRole(this, 'ApiServerMetricsClusterRole', { metadata: { name: apiServerRole, labels }, rules: [{ nonResourceUrLs: ['/metrics'], verbs: ['get'] }] });
        new k8s.KubeClusterRoleBinding(this, 'ApiServerMetricsClusterRoleBinding', { metadata: { name: apiServerRole, labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: apiServerRole }, subjects });
      }
      this.configMap = new k8s.KubeConfigMap(this, 'ConfigMap', { metadata: { ...metadata, name: `${this.name}-config` }, data: { 'prometheus.yml': configYaml } });
      if (rulesYaml) {
        this.rulesConfigMap = new k8s.KubeConfigMap(this, 'RulesConfigMap', { metadata: { ...metadata, name: `${this.name}-rules` }, data: { [ALERT_RULE_FILE]: rulesYaml } });
      }
      const store = this.storage!;
      if (store.kind === 'persistent') {
        this.persistentVolumeClaim = new k8s.KubePersistentVolumeClaim(this, 'PersistentVolumeClaim', {
          metadata: { ...metadata, name: `${this.name}-data` },
          spec: {
            accessModes: ['ReadWriteOnce'],
            ...(store.storageClassName ? { storageClassName: store.storageClassName } : {}),
            resources: { requests: { storage: k8s.Quantity.fromString(store.size) } },
          },
        });
      }
      // An emptyDir is on the node's disk: the scheduler needs to know how much.
      const resources: k8s.ResourceRequirements = store.kind === 'ephemeral'
        ? { ...requested, requests: { ...requested.requests, 'ephemeral-storage': k8s.Quantity.fromString(store.size) } }
        : requested;
      if (o.priorityClassName === undefined) {
        this.priorityClass = new k8s.KubePriorityClass(this, 'PriorityClass', {
          metadata: { name: this.priorityClassName, labels },
          value: PROMETHEUS_PRIORITY,
          globalDefault: false,
          preemptionPolicy: 'PreemptLowerPriority',
          description: `Prometheus ${this.namespace}/${this.name}: every HPA with a Prometheus metric reads it, so it preempts ordinary workloads rather than waiting behind them.`,
        });
      }
      const probe = (path: string, failureThreshold: number): k8s.Probe => ({
        httpGet: { path, port: k8s.IntOrString.fromString('web') }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold,
      });
      this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
        metadata,
        spec: {
          // Not autoscaled: one server owns the volume.
          replicas: 1,
          // The ReadWriteOnce volume cannot be mounted by two pods during a rolling update.
          strategy: { type: 'Recreate' },
          selector: { matchLabels: selectorLabels },
          template: {
            metadata: {
              labels,
              // A changed configuration rolls the pod, since nothing reloads it in place.
              annotations: { 'inferscale.io/config-sha256': createHash('sha256').update(configYaml).update(rulesYaml ?? '').digest('hex') },
            },
            spec: {
              serviceAccountName: this.name,
              priorityClassName: this.priorityClassName,
              securityContext: { runAsNonRoot: true, runAsUser: NOBODY, runAsGroup: NOBODY, fsGroup: NOBODY, seccompProfile: { type: 'RuntimeDefault' } },
              containers: [{
                name: 'prometheus',
                image: this.image,
                args: [
                  '--config.file=/etc/prometheus/prometheus.yml',
                  '--storage.tsdb.path=/prometheus',
                  `--storage.tsdb.retention.time=${this.retentionTime}`,
                  `--storage.tsdb.retention.size=${store.retentionSize}`,
                  `--web.listen-address=:${PROMETHEUS_PORT}`,
                ],
                ports: [{ name: 'web', containerPort: PROMETHEUS_PORT, protocol: 'TCP' }],
                readinessProbe: probe('/-/ready', 3),
                livenessProbe: probe('/-/healthy', 6),
                // WAL replay after a restart can take minutes on a large TSDB.
                startupProbe: probe('/-/ready', 60),
                resources,
                securityContext: restrictedContainerSecurityContext(true),
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/prometheus', readOnly: true },
                  ...(rulesYaml ? [{ name: 'rules', mountPath: RULES_DIRECTORY, readOnly: true }] : []),
                  { name: 'data', mountPath: '/prometheus' },
                ],
              }],
              volumes: [
                { name: 'config', configMap: { name: `${this.name}-config` } },
                ...(rulesYaml ? [{ name: 'rules', configMap: { name: `${this.name}-rules` } }] : []),
                store.kind === 'persistent'
                  ? { name: 'data', persistentVolumeClaim: { claimName: `${this.name}-data` } }
                  : { name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString(store.size) } },
              ],
            },
          },
        },
      });
      this.service = new k8s.KubeService(this, 'Service', {
        metadata,
        spec: {
          type: 'ClusterIP',
          selector: selectorLabels,
          ports: [{ name: 'web', port: PROMETHEUS_PORT, targetPort: k8s.IntOrString.fromString('web'), protocol: 'TCP' }],
        },
      });
      return;
    }

    // Existing kube-prometheus-stack.
    const o = source.stackOptions!;
    this.scrapeIntervalSeconds = o.scrapeIntervalSeconds ?? DEFAULT_SCRAPE_INTERVAL_SECONDS;
    this.url = o.url;
    if (typeof o.url !== 'string' || !/^https?:\/\/[^\s/?#]+(\/[^\s]*)?$/.test(o.url)) {
      problems.push({ path: 'source.url', message: `is ${show(o.url)}; expected the stack's Prometheus URL, such as "http://kube-prometheus-stack-prometheus.monitoring.svc:9090"` });
    }
    if (typeof o.releaseLabel !== 'string' || !o.releaseLabel) {
      problems.push({ path: 'source.releaseLabel', message: `is ${show(o.releaseLabel)}; expected the stack's Helm release name, which its Prometheus selects monitors by (label "release")` });
    } else {
      problems.push(...checkLabels('source.releaseLabel', { [STACK_RELEASE_LABEL]: o.releaseLabel }));
    }
    const built = buildPrometheusConfig({ scrapeIntervalSeconds: this.scrapeIntervalSeconds, dcgmExporter: props.dcgmExporter });
    problems.push(...built.problems.map((p) => ({ ...p, path: p.path.startsWith('dcgmExporter') ? p.path : `source.${p.path}` })));
    problems.push(...rateWindowProblems(services, this.scrapeIntervalSeconds));
    if (problems.length) throw new InferscaleValidationError(owner, problems);

    const interval = `${this.scrapeIntervalSeconds}s`;
    const monitorLabels = { 'app.kubernetes.io/managed-by': 'inferscale', [STACK_RELEASE_LABEL]: o.releaseLabel };
    this.podMonitors = services.map((s) => new ApiObject(this, `PodMonitor-${s.namespace ?? ''}-${s.name}`, {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: s.name, ...(s.namespace ? { namespace: s.namespace } : {}), labels: monitorLabels },
      spec: {
        selector: { matchLabels: { ...s.selectorLabels } },
        // The operator labels targets namespace, pod and container, as the embedded job does.
        podMetricsEndpoints: [{
          port: s.metricsPort !== s.port ? INFERENCE_PORT_NAMES.metrics : INFERENCE_PORT_NAMES.http,
          path: s.metricsPath,
          interval,
        }],
      },
    }));
    if (alertGroups.length) {
      // kube-prometheus-stack's Prometheus selects rules by the release label, in every namespace by default.
      this.prometheusRule = new ApiObject(this, 'PrometheusRule', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: { name: 'inferscale-alerts', namespace: this.namespace, labels: monitorLabels },
        spec: { groups: alertGroups.map((g) => ({ name: g.name, rules: g.rules.map((r) => ({ ...r, labels: { ...r.labels }, annotations: { ...r.annotations } })) })) },
      });
    }
    const dcgm = props.dcgmExporter;
    if (dcgm) {
      this.serviceMonitor = new ApiObject(this, 'DcgmServiceMonitor', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: 'inferscale-dcgm-exporter', namespace: dcgm.namespace, labels: monitorLabels },
        spec: {
          selector: { matchLabels: { ...(dcgm.serviceLabels ?? dcgm.podLabels) } },
          namespaceSelector: { matchNames: [dcgm.namespace] },
          endpoints: [{
            port: dcgm.portName ?? 'metrics',
            path: dcgm.path ?? '/metrics',
            interval,
            // Keep the exporter's namespace/pod labels (the workload pod using each GPU);
            // without this they become exported_namespace/exported_pod.
            honorLabels: true,
          }],
        },
      });
    }
  }
}

function rateWindowProblems(services: readonly PrometheusScrapedService[], interval: number): Problem[] {
  if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < 1) return [];
  return checkRateWindows(services, interval);
}

/** The storage choice: `storage`, or the `storageClassName`/`storageSize` shorthand, or an emptyDir. */
function resolveStorage(o: EmbeddedPrometheusOptions, problems: Problem[]): ResolvedPrometheusStorage | undefined {
  const shorthand = o.storageClassName !== undefined || o.storageSize !== undefined;
  if (o.storage !== undefined) {
    if (shorthand) {
      problems.push({ path: 'source.storage', message: `is given together with ${o.storageClassName !== undefined ? 'storageClassName' : 'storageSize'}; give the storage choice once, in storage` });
      return undefined;
    }
    if (!(o.storage instanceof PrometheusStorage)) {
      problems.push({ path: 'source.storage', message: `is ${show(o.storage)}; expected PrometheusStorage.persistent({ storageClassName, size }), PrometheusStorage.clusterDefault({ size }) or PrometheusStorage.ephemeral({ sizeLimit })` });
      return undefined;
    }
    const r = o.storage.resolve('source.storage');
    problems.push(...r.problems);
    return r.storage;
  }
  if (o.storageClassName === undefined && o.storageSize !== undefined) {
    problems.push({
      path: 'source.storageSize',
      message: `is ${show(o.storageSize)}, but no StorageClass is named: a claim without storageClassName binds only where the cluster has a default StorageClass (a new EKS cluster has none) and otherwise stays Pending. Use storage: PrometheusStorage.persistent({ storageClassName, size }), or PrometheusStorage.clusterDefault({ size }) when the cluster has a default class`,
    });
    return undefined;
  }
  const choice = o.storageClassName !== undefined
    ? PrometheusStorage.persistent({ storageClassName: o.storageClassName, ...(o.storageSize !== undefined ? { size: o.storageSize } : {}) })
    : PrometheusStorage.ephemeral();
  const r = choice.resolve('source');
  problems.push(...r.problems.map((p) => (p.path === 'source.size' ? { ...p, path: 'source.storageSize' } : p)));
  return r.storage;
}
