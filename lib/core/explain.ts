/**
 * The whole autoscaling wiring of a service, step by step, as people debug it on a live
 * cluster: metric → series the app must expose → Prometheus scrape → Prometheus Adapter rule
 * and its PromQL → metrics API → HPA metric block and target → behavior, each step with the
 * command that checks it. Pure: no cdk8s, no Pulumi, no I/O. `inferscale explain` prints it.
 * @module
 */
import { DEFAULT_IMAGE_PULL_SECONDS, DEFAULT_NODE_PROVISIONING_SECONDS } from './startup-times';
import { renderMetricsQuery, seriesReadBy, PrometheusAdapterConfig } from './adapter-config';
import { describeBehavior } from './behavior';
import { humanDuration } from './duration';
import { HpaMetricSpec, HpaMetricTarget } from './hpa-spec';
import { ResolvedInferenceService } from './inference-service';
import { show as showValue } from './problems';
import { AdapterRule, firstRequestSeries, IdleReport, MetricDefinition, MetricKind, MissingMeaning, SeriesRequirement } from './metric';
import { firstRequestSeriesCheck } from './metrics/promql';
import { DCGM_EXPORTER_JOB, DEFAULT_SCRAPE_INTERVAL_SECONDS, INFERENCE_PODS_JOB } from './prometheus-config';
import { DEFAULT_TOLERANCE } from './hpa';
import { RESOURCE_METRICS_API } from './platform/metrics-server';
import { DEFAULT_KEDA_COOLDOWN_SECONDS, KedaFallbackBehavior, kedaHpaName, KedaTrigger, ResolvedScaledObject, resolveScaledObject } from './platform/keda';
import { ResourceMetricsProvider } from './platform-checks';

/** The Prometheus that scrapes a service, as {@link explainService} describes it. */
export interface ExplainPrometheus {
  /**
   * `embedded`: inferscale's own server with the jobs of `buildPrometheusConfig`;
   * `kubePrometheusStack`: an existing stack that scrapes inferscale's PodMonitors and ServiceMonitor.
   */
  readonly mode: 'embedded' | 'kubePrometheusStack';
  /** URL of the Prometheus HTTP API, as the adapter reaches it (`http://prometheus.monitoring.svc:9090`). */
  readonly url: string;
  /** Seconds between scrapes. @default 15 */
  readonly scrapeIntervalSeconds?: number;
  /** The stack's Helm release name, which its Prometheus selects monitors by (`kubePrometheusStack` only). @default - not shown */
  readonly releaseLabel?: string;
}

/** The Prometheus Adapter that serves a service's metrics. */
export interface ExplainAdapter {
  /** Name of the adapter's Deployment and Service. */
  readonly name: string;
  /** Namespace of the adapter. */
  readonly namespace: string;
  /** The adapter's configuration, to confirm a rule serves each HPA metric. */
  readonly config: PrometheusAdapterConfig;
  /** Seconds between the adapter's series discoveries (`--metrics-relist-interval`). @default 60 */
  readonly metricsRelistIntervalSeconds?: number;
}

/** The DCGM exporter that exposes GPU series. */
export interface ExplainDcgmExporter {
  /** Namespace of the exporter. */
  readonly namespace: string;
  /** Name of the exporter's DaemonSet and Service (its pods are `<name>-xxxxx`). */
  readonly name: string;
  /** Metrics port. */
  readonly port: number;
}

/** Who serves the resource metrics API (`metrics.k8s.io`) that CPU and memory metrics read. */
export interface ExplainResourceMetrics {
  /** `metricsServer`: inferscale's own; `cluster`: the cluster's (GKE, AKS, the EKS add-on); `none`: nobody. */
  readonly provider: ResourceMetricsProvider;
  /** inferscale's metrics-server (provider `metricsServer`). @default - not shown */
  readonly metricsServer?: {
    /** Namespace of its Deployment. */
    readonly namespace: string;
    /** Name of its Deployment. */
    readonly name: string;
    /** Seconds between its kubelet scrapes (`--metric-resolution`). */
    readonly metricResolutionSeconds: number;
  };
}

/** What surrounds a service: who scrapes it, who serves its metrics. Unknown parts are left out. */
export interface ExplainContext {
  /** Namespace the service's objects live in (its own, or the chart's). @default - the service's namespace, else "default" */
  readonly namespace?: string;
  /** Who declared the service, e.g. `AIInferencePlatform "platform"`. @default - not shown */
  readonly owner?: string;
  /** The Prometheus that scrapes the service. @default - none in the app: the pods' scrape annotations are described */
  readonly prometheus?: ExplainPrometheus;
  /** The Prometheus Adapter that serves custom and external metrics. @default - none in the app: the rules to add are described */
  readonly adapter?: ExplainAdapter;
  /** The DCGM exporter, for GPU metrics. @default - none in the app */
  readonly dcgmExporter?: ExplainDcgmExporter;
  /** Who serves `metrics.k8s.io` for CPU and memory metrics. @default - unknown: the cluster must serve it */
  readonly resourceMetrics?: ExplainResourceMetrics;
  /** KEDA, for a service with `autoscaler: "keda"`. @default - KEDA in namespace "keda", the ScaledObject resolved with default options */
  readonly keda?: ExplainKeda;
}

/**
 * What a new replica of a service at zero waits for besides KEDA's poll and the model load.
 * @see https://keda.sh/docs/2.17/concepts/scaling-deployments/
 */
export interface ExplainColdStart {
  /** Seconds to provision a GPU node when the pool scaled in. @default 180 (the simulator's default) */
  readonly nodeProvisioningSeconds?: number;
  /** Seconds to pull the image on a fresh node. @default 60 (the simulator's default) */
  readonly imagePullSeconds?: number;
}

/**
 * The cold-start warning of a service KEDA scales to zero: KEDA's next poll, a GPU node, the image
 * and the model load, with and without a warm node, and what happens to requests meanwhile.
 */
export function coldStartWarning(pollingIntervalSeconds: number, modelLoadSeconds: number, figures: ExplainColdStart = {}): string {
  const node = figures.nodeProvisioningSeconds ?? DEFAULT_NODE_PROVISIONING_SECONDS;
  const pull = figures.imagePullSeconds ?? DEFAULT_IMAGE_PULL_SECONDS;
  const worst = pollingIntervalSeconds + node + pull + modelLoadSeconds;
  const warm = pollingIntervalSeconds + modelLoadSeconds;
  return `cold start: the first request after scale-to-zero waits for KEDA's next poll (up to ${humanDuration(pollingIntervalSeconds)}), a GPU node if the pool scaled in (${humanDuration(node)}), the image pull on that fresh node (${humanDuration(pull)}) and the model load (${humanDuration(modelLoadSeconds)}): up to ${humanDuration(worst)}, or ${humanDuration(warm)} on a warm node that has the image. Meanwhile requests fail (a Service without ready endpoints refuses them) unless a queue in front of the service holds them (the queue an External trigger reads). \`inferscale simulate --compare adapter,keda\` measures the cost on a trace; use minReplicas: 1 if that wait is not acceptable`;
}

/** KEDA as {@link explainService} describes it. */
export interface ExplainKeda {
  /** Namespace KEDA runs in. @default "keda" */
  readonly namespace?: string;
  /** The service's ScaledObject as rendered. @default - resolved here with default options */
  readonly scaledObject?: ResolvedScaledObject;
  /** Node and image figures for the cold-start cost of scale to zero. @default - the simulator's defaults */
  readonly coldStart?: ExplainColdStart;
}

/** The stages of one metric's data path. */
export type ExplainStepKind = 'series' | 'scrape' | 'adapter' | 'keda' | 'metricsApi' | 'hpa';

/** One stage of a metric's data path and the commands that check it on a cluster. */
export interface ExplainStep {
  /** Which stage. */
  readonly kind: ExplainStepKind;
  /** What happens at this stage, one line each. */
  readonly lines: readonly string[];
  /** Shell commands that show this stage working (or not) on a real cluster. */
  readonly checks: readonly string[];
}

/** One HPA metric, from the app's series to the HPA's decision. */
export interface MetricExplanation {
  /** Position in `spec.metrics` (and in `status.currentMetrics`). */
  readonly index: number;
  /** Catalogue entry. */
  readonly kind: MetricKind;
  /** What it scales on and the target, for people. */
  readonly summary: string;
  /** The HPA metric block. */
  readonly hpa: HpaMetricSpec;
  /** What an idle pod (or object, or queue) reports, so the HPA can still scale down. */
  readonly idle: IdleReport;
  /** What a missing value means for the metric (see {@link MissingMeaning}). */
  readonly missing: MissingMeaning;
  /** The stages, in data-path order. */
  readonly steps: readonly ExplainStep[];
  /** Wiring that would leave the HPA at `<unknown>` for this metric. Empty when sound. */
  readonly problems: readonly string[];
}

/** Everything about one service's autoscaling. */
export interface ServiceExplanation {
  /** Service name. */
  readonly name: string;
  /** Namespace of its objects. */
  readonly namespace: string;
  /** Who declared it. */
  readonly owner?: string;
  /** Replicas, selector, GPUs and model load time, one line each. */
  readonly facts: readonly string[];
  /** Outages the configuration allows on a live cluster, each with its fix; empty when none. */
  readonly warnings: readonly string[];
  /** Behavior preset name. */
  readonly behaviorPreset: string;
  /** The behavior in plain words ({@link describeBehavior}). */
  readonly behavior: string;
  /** Commands to run before the Prometheus checks (a port-forward), if any. */
  readonly setup: readonly string[];
  /** Commands that check the HPA as a whole. */
  readonly checks: readonly string[];
  /** One entry per HPA metric, in order. */
  readonly metrics: readonly MetricExplanation[];
}

/** Local port the Prometheus checks reach through `kubectl port-forward`. */
export const EXPLAIN_PROMETHEUS_LOCAL_PORT = 9090;

/** Placeholder for the HPA's pod names in rendered adapter queries. */
export const PODS_PLACEHOLDER = '<pods>';

import { deploymentPodPattern } from './names';

export { deploymentPodPattern };

/**
 * Explains one resolved service in its context: every HPA metric's data path with a check per
 * step, and the behavior in plain words.
 */
export function explainService(service: ResolvedInferenceService, context: ExplainContext = {}): ServiceExplanation {
  const namespace = context.namespace ?? service.namespace ?? 'default';
  if (service.autoscaler === 'keda') return explainKedaService(service, namespace, context);
  const hpaName = service.name;
  const selector = Object.entries(service.selectorLabels).map(([k, v]) => `${k}=${v}`).join(',');
  const prom = prometheusAccess(context.prometheus);
  const usesPrometheus = service.metrics.some((m) => m.adapterRule !== undefined);

  const facts = [
    `Deployment ${namespace}/${service.name} (pods ${selector}), scaled by HorizontalPodAutoscaler ${namespace}/${hpaName} from ${service.minReplicas} to ${service.maxReplicas} replicas`,
    service.gpu
      ? `each replica: ${service.gpu.count} ${service.gpu.resourceName}${service.gpu.product ? ` (${service.gpu.product})` : ''}, CPU request ${service.resources.requests.cpu ?? 'none'}, memory request ${service.resources.requests.memory ?? 'none'}`
      : `each replica: CPU only, CPU request ${service.resources.requests.cpu ?? 'none'}, memory request ${service.resources.requests.memory ?? 'none'}`,
    `model load ${humanDuration(service.model.loadTimeSeconds)}${service.model.name ? ` (${service.model.name})` : ''}: a pod is ready (and counted) only once the startup and readiness probes on ${service.probes.readiness.path} pass`,
  ];
  const down = service.behavior.scaleDown;
  if (down.selectPolicy !== 'Disabled') {
    facts.push(down.stabilizationWindowSeconds >= service.model.loadTimeSeconds
      ? `the scale-down window (${humanDuration(down.stabilizationWindowSeconds)}) covers the model load time, so a removed replica is not needed back sooner than it could load`
      : `the scale-down window (${humanDuration(down.stabilizationWindowSeconds)}) is shorter than the model load time: a replica removed now takes ${humanDuration(service.model.loadTimeSeconds)} to bring back`);
  }
  if (service.metrics.length > 1) {
    facts.push('the HPA follows whichever metric asks for the most replicas; while any metric cannot be read it does not scale down');
  }

  const metrics = service.metrics.map((def, index) => explainMetric(def, index, { service, namespace, hpaName, context, prom }));
  return {
    name: service.name,
    namespace,
    ...(context.owner ? { owner: context.owner } : {}),
    facts,
    warnings: [...signalWarnings(service), ...disruptionWarnings(service)],
    behaviorPreset: service.behaviorPreset,
    behavior: describeBehavior(service.behavior),
    setup: usesPrometheus && prom.portForward ? [prom.portForward] : [],
    checks: [
      `kubectl describe hpa ${hpaName} -n ${namespace}`,
      `kubectl get hpa ${hpaName} -n ${namespace} -o jsonpath='{.status.conditions}'`,
    ],
    metrics,
  };
}

/**
 * Formats explanations as plain text: a block per service, a numbered block per metric, each
 * step's lines with its checks under them.
 */
export function formatExplanations(explanations: readonly ServiceExplanation[]): string {
  return explanations.map(formatExplanation).join('\n');
}

/** Formats one explanation as plain text (see {@link formatExplanations}). */
export function formatExplanation(e: ServiceExplanation): string {
  const out: string[] = [];
  out.push(`service ${e.namespace}/${e.name}${e.owner ? ` (${e.owner})` : ''}`);
  for (const f of e.facts) out.push(`  ${f}`);
  for (const w of e.warnings) out.push(`  warning: ${w}`);
  out.push(`  behavior (${e.behaviorPreset}): ${e.behavior}`);
  for (const c of e.checks) out.push(`    check: ${c}`);
  if (e.setup.length) {
    out.push('  for the Prometheus checks, keep this running in another terminal:');
    for (const s of e.setup) out.push(`    ${s}`);
  }
  for (const m of e.metrics) {
    out.push('');
    out.push(`  metrics[${m.index}] ${m.kind}: ${m.summary}`);
    out.push(`    ${'when idle'.padEnd(STEP_LABEL_WIDTH)}${m.idle.description}`);
    out.push(`    ${'if missing'.padEnd(STEP_LABEL_WIDTH)}${m.missing.description}`);
    for (const step of m.steps) {
      const label = STEP_LABELS[step.kind];
      step.lines.forEach((line, i) => out.push(`    ${(i === 0 ? label : '').padEnd(STEP_LABEL_WIDTH)}${line}`));
      for (const c of step.checks) out.push(`    ${''.padEnd(STEP_LABEL_WIDTH)}check: ${c}`);
    }
    for (const p of m.problems) out.push(`    problem: ${p}`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * What a voluntary disruption (a node drain for an upgrade, the cluster autoscaler removing a
 * node, a spot interruption notice) does to a service held at one replica: a PodDisruptionBudget
 * that lets one pod go evicts the only one, and the service is down for a model load. The
 * disruption controller rounds a percent `maxUnavailable` up, so any percent above 0 allows it.
 * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/#rounding-logic-when-specifying-percentages
 */
function disruptionWarnings(service: ResolvedInferenceService): string[] {
  if (service.minReplicas !== 1) return [];
  const load = humanDuration(service.model.loadTimeSeconds);
  const budget = service.disruptionBudget;
  const mu = budget?.maxUnavailable;
  if (budget && (mu === 0 || mu === '0%')) {
    return [`minReplicas is 1 and the PodDisruptionBudget allows no pod down (maxUnavailable ${showValue(mu)}): a drain of the node running the only replica waits until the HPA adds a second one, so node upgrades and the cluster autoscaler's scale-in stall on it. Set minReplicas: 2 to let drains proceed without an outage`];
  }
  const why = budget
    ? `the PodDisruptionBudget's maxUnavailable is ${showValue(mu)}, so a node drain (upgrade, cluster autoscaler scale-in, spot interruption) evicts the only replica`
    : 'there is no PodDisruptionBudget, so a node drain (upgrade, cluster autoscaler scale-in, spot interruption) evicts the only replica';
  return [
    `minReplicas is 1 and ${why}: whenever the HPA holds it at one replica, the service is down for one model load (${load}), longer when a new node must start first. `
    + 'Fix: minReplicas: 2, so one replica serves while the other moves (the cost of a second replica at all times); '
    + 'or disruptionBudget { maxUnavailable: 0 } (minAvailable 1), which keeps the replica serving but blocks the drain until the HPA scales up or someone deletes the pod, stalling node upgrades and scale-in',
  ];
}

/**
 * Images of engines that serve LLMs with continuous batching, by repository: vLLM, SGLang,
 * Hugging Face TGI, TensorRT-LLM, llama.cpp's server, Ollama.
 */
const LLM_ENGINE_IMAGE = /(^|\/)(vllm[\w.-]*|sglang[\w.-]*|text-generation-inference|tensorrt[\w.-]*llm[\w.-]*|llama\.cpp|ollama)(:|@|$)/i;

/** Whether a GPU service runs an LLM engine that batches continuously, judged by its image. */
export function servesLlm(service: Pick<ResolvedInferenceService, 'image' | 'gpu'>): boolean {
  return service.gpu !== undefined && LLM_ENGINE_IMAGE.test(service.image);
}

/**
 * Signals that do not measure an LLM server's saturation, and why. GPU utilization
 * (`DCGM_FI_DEV_GPU_UTIL`, or the engine-active ratio) is the share of time any kernel ran: under
 * continuous batching one request keeps it near 100 %, so the HPA holds every replica it has
 * (GKE's guidance on autoscaling LLM inference advises queue size or batch size instead). CPU
 * on a GPU-bound server is the tokenizer and the HTTP loop: noise.
 * @see https://cloud.google.com/kubernetes-engine/docs/best-practices/machine-learning/inference/autoscaling
 */
function signalWarnings(service: ResolvedInferenceService): string[] {
  if (!servesLlm(service)) return [];
  const out: string[] = [];
  const at = (kind: MetricKind): string => service.metrics.map((m, i) => (m.kind === kind ? `metrics[${i}]` : '')).filter(Boolean).join(', ');
  const saturation = 'scale on the engine\'s waiting requests and KV-cache use, with time to first token as the user-facing guard';
  if (at('gpuUtilization')) {
    out.push(`${at('gpuUtilization')} scales this LLM server on GPU utilization, the share of time any kernel ran: under continuous batching a single request keeps it near 100 %, so it asks for more replicas at any load and blocks every scale-down. Instead ${saturation}`);
  }
  if (at('cpuUtilization')) {
    out.push(`${at('cpuUtilization')} scales this LLM server on CPU: the work is on the GPU, so CPU (tokenizing, HTTP) follows neither the queue nor the batch and only adds noise. Instead ${saturation}`);
  }
  return out;
}

const STEP_LABELS: Readonly<Record<ExplainStepKind, string>> = {
  series: 'series',
  scrape: 'scrape',
  adapter: 'adapter',
  keda: 'KEDA',
  metricsApi: 'metrics API',
  hpa: 'HPA',
};
const STEP_LABEL_WIDTH = 13;

// ---------------------------------------------------------------------------------------------

interface PrometheusAccess {
  /** `kubectl port-forward` command, when Prometheus is a Service in the cluster. */
  readonly portForward?: string;
  /** Base URL the curl checks use. */
  readonly baseUrl?: string;
}

interface MetricScope {
  /** The ScaledObject, when KEDA scales the service. */
  readonly scaledObject?: ResolvedScaledObject;
  readonly service: ResolvedInferenceService;
  readonly namespace: string;
  readonly hpaName: string;
  readonly context: ExplainContext;
  readonly prom: PrometheusAccess;
}

/** How to reach Prometheus from a workstation: port-forward its in-cluster Service, or its URL as is. */
function prometheusAccess(p: ExplainPrometheus | undefined): PrometheusAccess {
  if (!p) return {};
  const m = /^https?:\/\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?(:(\d+))?(\/.*)?$/.exec(p.url);
  if (!m) return { baseUrl: p.url.replace(/\/+$/, '') };
  const port = m[7] ?? (p.url.startsWith('https') ? '443' : '80');
  const path = (m[8] ?? '').replace(/\/+$/, '');
  return {
    portForward: `kubectl -n ${m[3]} port-forward svc/${m[1]} ${EXPLAIN_PROMETHEUS_LOCAL_PORT}:${port}`,
    baseUrl: `http://127.0.0.1:${EXPLAIN_PROMETHEUS_LOCAL_PORT}${path}`,
  };
}

/** Single-quotes a word for a POSIX shell. */
function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function promQueryCheck(prom: PrometheusAccess, query: string): string[] {
  if (!prom.baseUrl) return [];
  return [`curl -sG ${prom.baseUrl}/api/v1/query --data-urlencode ${shellQuote(`query=${query}`)}`];
}

/** `k=v,k2=v2` URL-encoded for a `labelSelector` query parameter. */
function selectorParam(labels: Readonly<Record<string, string>>): string {
  return encodeURIComponent(Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(','));
}

function explainMetric(def: MetricDefinition, index: number, scope: MetricScope): MetricExplanation {
  const steps: ExplainStep[] = [];
  const problems: string[] = [];
  const hpa = def.hpa;
  if (hpa.type === 'Resource') {
    steps.push(...resourceSteps(def, hpa.resource.name, scope, problems));
  } else {
    const rule = def.adapterRule;
    steps.push(...seriesAndScrapeSteps(def, scope));
    if (scope.scaledObject) {
      steps.push(...kedaSteps(index, hpa, scope, scope.scaledObject));
      return { index, kind: def.kind, summary: def.summary, hpa, idle: def.idle, missing: def.missing, steps, problems };
    }
    if (rule) steps.push(adapterStep(rule, hpa, scope, problems));
    else problems.push(`no adapter rule serves ${show(metricNameOf(hpa))}: no API would serve it and the HPA would show <unknown>`);
    steps.push(metricsApiStep(hpa, rule, scope));
  }
  steps.push(hpaStep(hpa, index, scope));
  return { index, kind: def.kind, summary: def.summary, hpa, idle: def.idle, missing: def.missing, steps, problems };
}

function resourceSteps(def: MetricDefinition, resource: string, scope: MetricScope, problems: string[]): ExplainStep[] {
  const { namespace, service, context } = scope;
  const series = def.series[0];
  const selector = Object.entries(service.selectorLabels).map(([k, v]) => `${k}=${v}`).join(',');
  const api = RESOURCE_METRICS_API.apiService;
  const what = `${resource} use of each pod of the service`;
  const r = context.resourceMetrics;
  const checks = [
    `kubectl get apiservice ${api}   # AVAILABLE must be True`,
    `kubectl top pods -n ${namespace} -l ${selector}`,
    `kubectl get --raw "/apis/metrics.k8s.io/v1beta1/namespaces/${namespace}/pods?labelSelector=${selectorParam(service.selectorLabels)}"`,
  ];
  let lines: string[];
  if (r?.provider === 'metricsServer' && r.metricsServer) {
    const m = r.metricsServer;
    lines = [`metrics.k8s.io, served by metrics-server ${m.namespace}/${m.name} (APIService ${api}), which reads every kubelet each ${humanDuration(m.metricResolutionSeconds)}: ${what}`];
    checks.splice(1, 0, `kubectl get deployment ${m.name} -n ${m.namespace}`);
  } else if (r?.provider === 'metricsServer') {
    lines = [`metrics.k8s.io, served by inferscale's metrics-server (APIService ${api}): ${what}`];
  } else if (r?.provider === 'cluster') {
    lines = [`metrics.k8s.io, served by the cluster's own provider (metrics-server on GKE and AKS, the metrics-server add-on on EKS; APIService ${api}): ${what}`];
  } else if (r?.provider === 'none') {
    lines = [`metrics.k8s.io: nothing serves it in this platform (metricsServer is false and resourceMetricsProvider is "none")`];
    problems.push(`nothing serves metrics.k8s.io: the HPA shows <unknown> for this metric and never scales down. Deploy metrics-server or remove the metric`);
  } else {
    lines = [
      `metrics.k8s.io (metrics-server): ${what}`,
      `no metrics-server in this app: the cluster must serve metrics.k8s.io (GKE and AKS do; on EKS install the metrics-server add-on or add inferscale's MetricsServer), or this metric stays <unknown> and the HPA never scales down`,
    ];
  }
  return [
    {
      kind: 'series',
      lines: [`${series ? `${series.name} (${series.type}) ` : ''}measured by the kubelet (cAdvisor) for each container and served at the kubelet's /metrics/resource, which metrics-server reads; Prometheus and the adapter are not involved`],
      checks: series
        ? [`kubectl get --raw "/api/v1/nodes/$(kubectl get pods -n ${namespace} -l ${selector} -o jsonpath='{.items[0].spec.nodeName}')/proxy/metrics/resource" | grep ${series.name}`]
        : [],
    },
    { kind: 'metricsApi', lines, checks },
  ];
}

function exposedBy(s: SeriesRequirement, scope: MetricScope): string {
  const { service, context } = scope;
  switch (s.source) {
    case 'app':
      return `exposed by the app on port ${service.metricsPort} at ${service.metricsPath} of each pod`;
    case 'dcgm': {
      const d = context.dcgmExporter;
      return d
        ? `exposed by the DCGM exporter ${d.namespace}/${d.name} on port ${d.port}, labelled with the namespace and pod of the workload using each GPU`
        : 'exposed by a DCGM exporter (none in this app), which must label each GPU with the namespace and pod of the workload using it';
    }
    case 'external':
      return 'exposed by an exporter outside inferscale';
    case 'kubelet':
      return 'measured by the kubelet';
  }
}

function seriesAndScrapeSteps(def: MetricDefinition, scope: MetricScope): ExplainStep[] {
  const { namespace, service, context, prom } = scope;
  const rule = def.adapterRule;
  const pods = deploymentPodPattern(service.name);
  // The series the adapter discovers: for histograms that is `_bucket` (or `_count`), not the base name.
  let stored: string | undefined;
  if (rule) {
    try { stored = seriesReadBy(rule); } catch { stored = undefined; }
  }
  const seriesLines = def.series.length
    ? def.series.map((s) => `${s.name} (${s.type}${s.labels.length ? `; labels ${s.labels.join(', ')}` : ''}), ${exposedBy(s, scope)}: ${s.description}`)
    : [`the series read by ${rule ? show(rule.seriesQuery) : 'the metric'} (not described by the metric)`];
  const matchers = rule ? seriesMatchers(rule, def.hpa, namespace, pods) : [];
  // A series the engine creates at its first request is absent on pods that have not served:
  // the check reads 1 per pod that has it or has not served yet, 0 per pod that served without it.
  const lazy = firstRequestSeries(def);
  const seriesQuery = !stored ? undefined
    : lazy && def.hpa.type === 'Pods' && matchers.length ? firstRequestSeriesCheck(stored, lazy.createdWith, matchers.join(','))
      : `${stored}${matchers.length ? `{${matchers.join(',')}}` : ''}`;
  const seriesChecks = seriesQuery ? promQueryCheck(prom, seriesQuery) : [];
  const steps: ExplainStep[] = [{ kind: 'series', lines: seriesLines, checks: seriesChecks }];

  const sources = new Set(def.series.map((s) => s.source));
  if (def.series.length === 0) sources.add('app');
  const scrapeLines: string[] = [];
  const scrapeChecks: string[] = [];
  const p = context.prometheus;
  const interval = p?.scrapeIntervalSeconds ?? DEFAULT_SCRAPE_INTERVAL_SECONDS;
  const where = p ? `${p.mode === 'embedded' ? 'the embedded Prometheus' : 'the existing kube-prometheus-stack'} (${p.url})` : '';
  if (sources.has('app')) {
    if (!p) {
      scrapeLines.push(`no Prometheus in this app: the pods carry the annotations prometheus.io/scrape "true", prometheus.io/port "${service.metricsPort}" and prometheus.io/path "${service.metricsPath}" for an annotation-based scrape job, which must label the series namespace and pod`);
    } else if (p.mode === 'embedded') {
      scrapeLines.push(`job ${INFERENCE_PODS_JOB} of ${where}, every ${humanDuration(interval)}: pods annotated prometheus.io/scrape "true" with the ${Object.keys(service.selectorLabels)[0]} label, on port ${service.metricsPort} at ${service.metricsPath}; series labelled namespace and pod`);
    } else {
      scrapeLines.push(`PodMonitor ${namespace}/${service.name}${p.releaseLabel ? ` (label release=${p.releaseLabel}, which the stack's Prometheus selects)` : ''} of ${where}, every ${humanDuration(interval)}: scrape pool podMonitor/${namespace}/${service.name}/0, port ${service.metricsPort} at ${service.metricsPath}; series labelled namespace and pod`);
      scrapeChecks.push(`kubectl get podmonitor ${service.name} -n ${namespace} --show-labels`);
    }
    scrapeChecks.push(...promQueryCheck(prom, `up{namespace=${quote(namespace)},pod=~${quote(pods)}}`));
  }
  if (sources.has('dcgm')) {
    const d = context.dcgmExporter;
    if (!p) {
      scrapeLines.push('no Prometheus in this app: scrape the DCGM exporter with honor_labels: true, or its namespace and pod labels become exported_namespace and exported_pod');
    } else if (p.mode === 'embedded') {
      scrapeLines.push(`job ${DCGM_EXPORTER_JOB} of ${where}, every ${humanDuration(interval)}, with honor_labels: true so each GPU series keeps the workload's namespace and pod (not exported_namespace, exported_pod)`);
    } else if (d) {
      scrapeLines.push(`ServiceMonitor ${d.namespace}/inferscale-dcgm-exporter (honorLabels: true) of ${where}, every ${humanDuration(interval)}: scrape pool serviceMonitor/${d.namespace}/inferscale-dcgm-exporter/0`);
      scrapeChecks.push(`kubectl get servicemonitor inferscale-dcgm-exporter -n ${d.namespace} --show-labels`);
    }
    if (d) scrapeChecks.push(...promQueryCheck(prom, `up{namespace=${quote(d.namespace)},pod=~${quote(`${d.name}-[a-z0-9]+`)}}`));
    if (stored) scrapeChecks.push(...promQueryCheck(prom, `count by (exported_namespace, exported_pod) (${stored}{exported_pod=~${quote(pods)}})`).map((c) => `${c}   # must be empty: a result means honor_labels is missing`));
  }
  if (sources.has('external') && !sources.has('app')) {
    scrapeLines.push(p ? `the exporter's own scrape job in ${where}; inferscale does not configure it` : 'the exporter\'s own scrape job; inferscale does not configure it');
  }
  if (scrapeLines.length) steps.push({ kind: 'scrape', lines: scrapeLines, checks: scrapeChecks });
  return steps;
}

/** Label matchers that pick this service's series, as the rule's resources map them. */
function seriesMatchers(rule: AdapterRule, hpa: HpaMetricSpec, namespace: string, podPattern: string): string[] {
  const overrides = 'overrides' in rule.resources ? rule.resources.overrides : {};
  const labelOf = (test: (resource: string) => boolean): string | undefined => Object.keys(overrides).sort().find((k) => !overrides[k].group && test(overrides[k].resource));
  const nsLabel = labelOf((r) => r === 'namespace' || r === 'namespaces');
  const out: string[] = [];
  const selector = hpa.type === 'Pods' ? hpa.pods.metric.selector : hpa.type === 'Object' ? hpa.object.metric.selector : hpa.type === 'External' ? hpa.external.metric.selector : undefined;
  for (const k of Object.keys(selector?.matchLabels ?? {}).sort()) out.push(`${k}=${quote(selector!.matchLabels[k])}`);
  if (nsLabel) out.push(`${nsLabel}=${quote(namespace)}`);
  if (hpa.type === 'Pods') {
    const podLabel = labelOf((r) => r === 'pod' || r === 'pods');
    if (podLabel) out.push(`${podLabel}=~${quote(podPattern)}`);
  } else if (hpa.type === 'Object') {
    const objectLabels = Object.keys(overrides).sort().filter((k) => k !== nsLabel);
    if (objectLabels.length === 1) out.push(`${objectLabels[0]}=${quote(hpa.object.describedObject.name)}`);
  }
  return out;
}

function adapterStep(rule: AdapterRule, hpa: Exclude<HpaMetricSpec, { type: 'Resource' }>, scope: MetricScope, problems: string[]): ExplainStep {
  const { namespace, context, prom, service } = scope;
  const lines: string[] = [];
  const checks: string[] = [];
  const a = context.adapter;
  const section = rule.kind === 'external' ? 'externalRules (external.metrics.k8s.io)' : 'rules (custom.metrics.k8s.io)';
  lines.push(a
    ? `rule in ${section} of PrometheusAdapter ${a.namespace}/${a.name}, series rediscovered every ${humanDuration(a.metricsRelistIntervalSeconds ?? 60)}`
    : `no PrometheusAdapter in this app: your adapter needs this rule in ${section}`);
  lines.push(`seriesQuery: ${rule.seriesQuery}${rule.readsSeries ? ` (the scraped pods, so the metric is served before ${rule.readsSeries} exists: the engine creates it at its first request)` : ''}`);
  lines.push(`resources: ${'overrides' in rule.resources
    ? Object.keys(rule.resources.overrides).sort().map((k) => {
      const o = (rule.resources as { overrides: Record<string, { resource: string; group?: string }> }).overrides[k];
      return `label ${k} → ${o.resource}${o.group ? `.${o.group}` : ''}`;
    }).join(', ')
    : 'not namespaced'}`);
  lines.push(`name: ${rule.name.matches} → ${rule.name.as}`);
  lines.push(`metricsQuery: ${rule.metricsQuery}`);
  const metricSelector = hpa.type === 'Pods' ? hpa.pods.metric.selector : hpa.type === 'Object' ? hpa.object.metric.selector : hpa.external.metric.selector;
  try {
    if (hpa.type === 'Pods') {
      // Two placeholder names make the adapter's `pod=~"a|b"` form; then one placeholder stands for them.
      const rendered = renderMetricsQuery(rule, { namespace, pods: ['\u0001a', '\u0001b'], ...(metricSelector ? { selector: metricSelector.matchLabels } : {}) });
      const generic = rendered.split('"\\x01a|\\x01b"').join(quote(PODS_PLACEHOLDER));
      const concrete = rendered.split('"\\x01a|\\x01b"').join(quote(deploymentPodPattern(service.name)));
      lines.push(`PromQL for the HPA's pods: ${generic}`);
      checks.push(...promQueryCheck(prom, concrete));
    } else if (hpa.type === 'Object') {
      const rendered = renderMetricsQuery(rule, { namespace, objectName: hpa.object.describedObject.name, ...(metricSelector ? { selector: metricSelector.matchLabels } : {}) });
      lines.push(`PromQL for ${hpa.object.describedObject.kind} ${hpa.object.describedObject.name}: ${rendered}`);
      checks.push(...promQueryCheck(prom, rendered));
    } else {
      const rendered = renderMetricsQuery(rule, { namespace, ...(metricSelector ? { externalSelector: metricSelector.matchLabels } : {}) });
      lines.push(`PromQL: ${rendered}`);
      checks.push(...promQueryCheck(prom, rendered));
    }
  } catch (e) {
    problems.push(`the adapter cannot build a query from this rule: ${(e as Error).message}`);
  }
  if (a) {
    const served = (rule.kind === 'external' ? a.config.externalRules : a.config.rules)
      .some((r) => r.name.as === rule.name.as && r.seriesQuery === rule.seriesQuery && r.metricsQuery === rule.metricsQuery);
    if (!served) problems.push(`the adapter's configuration has no rule serving ${show(rule.name.as)} from ${show(rule.seriesQuery)}: the HPA would show <unknown>`);
    checks.push(`kubectl get configmap ${a.name}-config -n ${a.namespace} -o jsonpath='{.data.config\\.yaml}' | grep -n ${shellQuote(`as: ${rule.name.as}`)}`);
  }
  return { kind: 'adapter', lines, checks };
}

function metricNameOf(hpa: Exclude<HpaMetricSpec, { type: 'Resource' }>): string {
  return hpa.type === 'Pods' ? hpa.pods.metric.name : hpa.type === 'Object' ? hpa.object.metric.name : hpa.external.metric.name;
}

function metricsApiStep(hpa: Exclude<HpaMetricSpec, { type: 'Resource' }>, rule: AdapterRule | undefined, scope: MetricScope): ExplainStep {
  const { namespace, service } = scope;
  const name = metricNameOf(hpa);
  if (hpa.type === 'External') {
    const sel = hpa.external.metric.selector;
    const query = sel ? `?labelSelector=${selectorParam(sel.matchLabels)}` : '';
    return {
      kind: 'metricsApi',
      lines: [`external.metrics.k8s.io: ${name} in namespace ${namespace}${sel ? ` with series labels ${JSON.stringify(sel.matchLabels)}` : ''}`],
      checks: [
        'kubectl get apiservice v1beta1.external.metrics.k8s.io',
        `kubectl get --raw /apis/external.metrics.k8s.io/v1beta1 | grep -o ${shellQuote(`"${name}"`)}`,
        `kubectl get --raw "/apis/external.metrics.k8s.io/v1beta1/namespaces/${namespace}/${name}${query}"`,
      ],
    };
  }
  const metricSel = hpa.type === 'Pods' ? hpa.pods.metric.selector : hpa.object.metric.selector;
  const params: string[] = [];
  if (hpa.type === 'Pods') params.push(`labelSelector=${selectorParam(service.selectorLabels)}`);
  if (metricSel) params.push(`metricLabelSelector=${selectorParam(metricSel.matchLabels)}`);
  const query = params.length ? `?${params.join('&')}` : '';
  let path: string;
  let discovery: string;
  let what: string;
  if (hpa.type === 'Pods') {
    path = `pods/*/${name}`;
    discovery = `pods/${name}`;
    what = `pods/${name}: one value per pod of the service`;
  } else {
    const ref = hpa.object.describedObject;
    const resource = objectResource(rule, ref.kind);
    path = `${resource}/${ref.name}/${name}`;
    discovery = `${resource}/${name}`;
    what = `${resource}/${name}: the value for ${ref.kind} ${ref.name}`;
  }
  return {
    kind: 'metricsApi',
    lines: [`custom.metrics.k8s.io: ${what}, in namespace ${namespace}`],
    checks: [
      'kubectl get apiservice v1beta1.custom.metrics.k8s.io',
      `kubectl get --raw /apis/custom.metrics.k8s.io/v1beta1 | grep -o ${shellQuote(`"${discovery}"`)}`,
      `kubectl get --raw "/apis/custom.metrics.k8s.io/v1beta1/namespaces/${namespace}/${path}${query}"`,
    ],
  };
}

/** The resource an Object metric's rule maps its object label to, as the metrics API spells it (`ingresses.networking.k8s.io`). */
function objectResource(rule: AdapterRule | undefined, kind: string): string {
  if (rule && 'overrides' in rule.resources) {
    const found = Object.values(rule.resources.overrides).filter((o) => o.resource !== 'namespace' && o.resource !== 'namespaces');
    if (found.length === 1) return `${found[0].resource}${found[0].group ? `.${found[0].group}` : ''}`;
  }
  return `${kind.toLowerCase()}s`;
}

function targetValue(t: HpaMetricTarget): string {
  return t.type === 'Utilization' ? `${t.averageUtilization}%` : t.type === 'AverageValue' ? String(t.averageValue) : String(t.value);
}

function hpaStep(hpa: HpaMetricSpec, index: number, scope: MetricScope): ExplainStep {
  const { namespace, hpaName, service } = scope;
  const tolerance = `${Math.round(DEFAULT_TOLERANCE * 100)}%`;
  let rule: string;
  switch (hpa.type) {
    case 'Resource': {
      const request = service.resources.requests[hpa.resource.name];
      const pct = targetValue(hpa.resource.target);
      rule = `wants ceil(replicas × average ${hpa.resource.name} use / ${pct} of the request${request ? ` (${request})` : ''}) replicas, averaged over ready pods`;
      break;
    }
    case 'Pods':
      rule = `wants ceil(sum of the pods' values / ${targetValue(hpa.pods.target)}) replicas, so it scales out while the average per pod is above ${targetValue(hpa.pods.target)} (a pod without a value counts as 0 when scaling up, as ${targetValue(hpa.pods.target)} when scaling down)`;
      break;
    case 'Object':
      rule = hpa.object.target.type === 'Value'
        ? `wants ceil(ready replicas × value / ${targetValue(hpa.object.target)}) replicas`
        : `wants ceil(value / ${targetValue(hpa.object.target)}) replicas`;
      break;
    case 'External':
      rule = hpa.external.target.type === 'Value'
        ? `wants ceil(ready replicas × value / ${targetValue(hpa.external.target)}) replicas`
        : `wants ceil(value / ${targetValue(hpa.external.target)}) replicas`;
      break;
  }
  return {
    kind: 'hpa',
    lines: [
      `spec.metrics[${index}]: ${JSON.stringify(hpa)}`,
      `${rule}; no change while within ${tolerance} of the target`,
    ],
    checks: [`kubectl get hpa ${hpaName} -n ${namespace} -o jsonpath='{.status.currentMetrics[${index}]}'`],
  };
}

/**
 * A service KEDA scales: the ScaledObject, the HPA KEDA creates from it, and per metric the
 * path series → scrape → trigger query → KEDA's external metric → that HPA.
 * @see https://keda.sh/docs/2.17/concepts/scaling-deployments/
 */
function explainKedaService(service: ResolvedInferenceService, namespace: string, context: ExplainContext): ServiceExplanation {
  const kedaNamespace = context.keda?.namespace ?? 'keda';
  const url = context.prometheus?.url ?? 'http://prometheus.monitoring.svc:9090';
  const so = context.keda?.scaledObject ?? resolveScaledObject({ ...service, namespace }, { prometheusUrl: url }).spec;
  const prom = prometheusAccess(context.prometheus);
  const hpaName = kedaHpaName(service.name);
  const selector = Object.entries(service.selectorLabels).map(([k, v]) => `${k}=${v}`).join(',');
  const facts = [
    `Deployment ${namespace}/${service.name} (pods ${selector}), scaled by KEDA (namespace ${kedaNamespace}) through ScaledObject ${namespace}/${service.name}, which creates and owns HorizontalPodAutoscaler ${namespace}/${hpaName} from ${Math.max(1, service.minReplicas)} to ${service.maxReplicas} replicas`,
    service.gpu
      ? `each replica: ${service.gpu.count} ${service.gpu.resourceName}${service.gpu.product ? ` (${service.gpu.product})` : ''}, CPU request ${service.resources.requests.cpu ?? 'none'}, memory request ${service.resources.requests.memory ?? 'none'}`
      : `each replica: CPU only, CPU request ${service.resources.requests.cpu ?? 'none'}, memory request ${service.resources.requests.memory ?? 'none'}`,
    `model load ${humanDuration(service.model.loadTimeSeconds)}${service.model.name ? ` (${service.model.name})` : ''}: a pod is ready (and counted) only once the startup and readiness probes on ${service.probes.readiness.path} pass`,
  ];
  const warnings = [...signalWarnings(service), ...disruptionWarnings(service)];
  if (so) {
    const s = so.spec;
    facts.push(`KEDA checks every trigger each ${humanDuration(s.pollingInterval)} for activity; the HPA reads the triggers' values through KEDA's external metrics every 15 s and applies the behavior below`);
    facts.push(s.fallback
      ? `when a trigger fails ${s.fallback.failureThreshold} reads in a row (Prometheus down, the series gone), KEDA holds ${fallbackWords(s.fallback.behavior, s.fallback.replicas)} until it reads again; a missing series is an error (ignoreNullValues "false"), never 0`
      : `no fallback: ${so.fallbackOmitted ?? 'none configured'}; a missing series is an error (ignoreNullValues "false"), never 0`);
    if (s.minReplicaCount === 0) {
      facts.push(`scale to zero: after ${humanDuration(s.cooldownPeriod)} with no trigger above its activationThreshold KEDA scales the Deployment to 0 and the HPA stops; while the service is at zero, the External and Object triggers keep being polled`);
      warnings.push(coldStartWarning(s.pollingInterval, service.model.loadTimeSeconds, context.keda?.coldStart));
    } else if (s.cooldownPeriod !== DEFAULT_KEDA_COOLDOWN_SECONDS) {
      facts.push(`cooldownPeriod ${humanDuration(s.cooldownPeriod)} applies only to scale-to-zero`);
    }
  }
  if (service.metrics.length > 1) facts.push('the HPA follows whichever trigger asks for the most replicas; while any trigger cannot be read (and without a fallback) it does not scale down');
  const scope: MetricScope = { service, namespace, hpaName, context, prom, ...(so ? { scaledObject: so } : {}) };
  const metrics = service.metrics.map((def, index) => explainMetric(def, index, scope));
  return {
    name: service.name,
    namespace,
    ...(context.owner ? { owner: context.owner } : {}),
    facts,
    warnings,
    behaviorPreset: service.behaviorPreset,
    behavior: describeBehavior(service.behavior),
    setup: service.metrics.some((m) => m.adapterRule !== undefined) && prom.portForward ? [prom.portForward] : [],
    checks: [
      `kubectl get scaledobject ${service.name} -n ${namespace}   # READY and ACTIVE`,
      `kubectl get scaledobject ${service.name} -n ${namespace} -o jsonpath='{.status.conditions}'`,
      `kubectl get hpa ${hpaName} -n ${namespace}`,
      `kubectl describe hpa ${hpaName} -n ${namespace}`,
      `kubectl logs -n ${kedaNamespace} deployment/keda-operator | grep ${shellQuote(`${namespace}/${service.name}`)}`,
    ],
    metrics,
  };
}

/** The KEDA steps of one metric: its trigger, KEDA's external metric and the HPA KEDA created. */
function kedaSteps(index: number, hpa: Exclude<HpaMetricSpec, { type: 'Resource' }>, scope: MetricScope, so: ResolvedScaledObject): ExplainStep[] {
  const { namespace, prom, hpaName } = scope;
  const trigger: KedaTrigger | undefined = so.spec.triggers[index];
  const metricName = so.externalMetricNames[index];
  if (!trigger || trigger.type !== 'prometheus' || !metricName) return [];
  const m = trigger.metadata;
  const perPod = trigger.metricType === 'AverageValue';
  return [
    {
      kind: 'keda',
      lines: [
        `trigger ${index} of ScaledObject ${namespace}/${so.name}: prometheus at ${m.serverAddress}, metricType ${trigger.metricType}, threshold ${m.threshold}${perPod ? ' per replica' : ''}, activationThreshold ${m.activationThreshold}, ignoreNullValues "false"`,
        `query: ${m.query}`,
        hpa.type === 'Pods'
          ? 'the query sums the per-pod value over the Deployment\'s pods; the HPA divides it by the replica count, which gives back the average per pod'
          : 'the query gives the value the adapter would serve for this metric',
      ],
      checks: [...promQueryCheck(prom, m.query), `kubectl get scaledobject ${so.name} -n ${namespace} -o jsonpath='{.status.health}'`],
    },
    {
      kind: 'metricsApi',
      lines: [`external.metrics.k8s.io, served by KEDA's metrics server: ${metricName} for ScaledObject ${so.name}`],
      checks: [
        'kubectl get apiservice v1beta1.external.metrics.k8s.io   # SERVICE must be KEDA\'s metrics server',
        `kubectl get --raw "/apis/external.metrics.k8s.io/v1beta1/namespaces/${namespace}/${metricName}?labelSelector=${encodeURIComponent(`scaledobject.keda.sh/name=${so.name}`)}"`,
      ],
    },
    {
      kind: 'hpa',
      lines: [
        `HorizontalPodAutoscaler ${namespace}/${hpaName} (created by KEDA), spec.metrics[${index}]: External ${metricName}, target ${trigger.metricType} ${m.threshold}`,
        perPod
          ? `wants ceil(value / ${m.threshold}) replicas; no change while within ${Math.round(DEFAULT_TOLERANCE * 100)}% of the target`
          : `wants ceil(ready replicas × value / ${m.threshold}) replicas; no change while within ${Math.round(DEFAULT_TOLERANCE * 100)}% of the target`,
      ],
      checks: [`kubectl get hpa ${hpaName} -n ${namespace} -o jsonpath='{.status.currentMetrics[${index}]}'`],
    },
  ];
}

/** Quotes a PromQL label value (double quotes, backslash escapes). */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function show(value: string): string {
  return JSON.stringify(value);
}

/** The replicas a KEDA fallback holds, in words. */
function fallbackWords(behavior: KedaFallbackBehavior, replicas: number): string {
  switch (behavior) {
    case 'currentReplicas': return 'the replicas it has';
    case 'currentReplicasIfHigher': return `the replicas it has (at least ${replicas})`;
    case 'currentReplicasIfLower': return `the replicas it has (at most ${replicas})`;
    default: return `${replicas} replicas`;
  }
}
