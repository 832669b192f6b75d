/**
 * `inferscale doctor`'s checks: the steps `explain` describes for each metric of a service
 * (series, scrape, adapter or KEDA query, metrics API, HPA), turned into probes that run against
 * a live Prometheus (PromQL) and a live API server (GETs), each judged ok or failing with the
 * likely cause from the troubleshooting table. Planning and judging are pure; the probes go
 * through the two small client interfaces, so tests can point them at loopback servers.
 * @module
 */
import { renderMetricsQuery, seriesReadBy } from './adapter-config';
import { ExplainStepKind } from './explain';
import { HpaMetricSpec } from './hpa-spec';
import { ResolvedInferenceService } from './inference-service';
import { firstRequestSeries, MetricDefinition } from './metric';
import { firstRequestSeriesCheck } from './metrics/promql';
import { deploymentPodPattern } from './names';
import { kedaHpaName, kedaTriggerQuery } from './platform/keda';
import { RESOURCE_METRICS_API } from './platform/metrics-server';
import { fill, TROUBLESHOOTING, TroubleshootingId } from './troubleshooting';

/** One element of an instant query's result. */
export interface DoctorSample {
  /** Labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Value. */
  readonly value: number;
}

/** Runs instant queries against Prometheus. */
export interface DoctorPrometheus {
  /** The query's vector; throws when Prometheus cannot be reached or rejects the query. */
  query(expr: string): Promise<DoctorSample[]>;
}

/** Reads objects from the Kubernetes API. */
export interface DoctorKubernetes {
  /** GET `path`; the status code and parsed JSON body. Throws when the server cannot be reached. */
  get(path: string): Promise<DoctorHttpAnswer>;
}

/** What the API server answered. */
export interface DoctorHttpAnswer {
  /** HTTP status. */
  readonly status: number;
  /** Parsed JSON body (or `{ message }` for a body that is not JSON). */
  readonly body: unknown;
}

/** One probe of one step. */
export type DoctorProbe =
  | {
    /** A PromQL query. */
    readonly type: 'promql';
    /** The query. */
    readonly query: string;
    /**
     * `nonEmpty`: some result; `allUp`: some result, every value 1 (scrape health); `everyPod`:
     * one result per pod, every value 1, a pod at 0 failing for {@link zeroMeans}.
     */
    readonly expect: 'nonEmpty' | 'allUp' | 'everyPod';
    /** For `everyPod`: what a pod at 0 means, after the pods' names. */
    readonly zeroMeans?: string;
  }
  | {
    /** A GET of the Kubernetes API. */
    readonly type: 'kubernetes';
    /** The API path. */
    readonly path: string;
    /** How the body is judged. */
    readonly expect: 'apiServiceAvailable' | 'hasItems' | 'hpaActive';
    /** For `hpaActive`: the metric's index in `status.currentMetrics`. @default - the HPA as a whole */
    readonly metricIndex?: number;
  };

/** One check: a step of a metric's path and the probe that shows it working. */
export interface DoctorCheck {
  /** Service, `namespace/name`. */
  readonly service: string;
  /** Index of the metric in the HPA. */
  readonly metricIndex: number;
  /** Catalogue kind of the metric. */
  readonly metricKind: MetricDefinition['kind'];
  /** The step, as `explain` names it. */
  readonly step: ExplainStepKind;
  /** What is checked, one line. */
  readonly what: string;
  /** The probe. */
  readonly probe: DoctorProbe;
  /** The troubleshooting row explaining a failure. */
  readonly cause: TroubleshootingId;
}

/** The outcome of one check. */
export interface DoctorResult {
  /** The check. */
  readonly check: DoctorCheck;
  /** `ok`, `failing`, or `skipped` (no API server or Prometheus to ask). */
  readonly status: 'ok' | 'failing' | 'skipped';
  /** What was seen. */
  readonly detail: string;
  /** For `failing`: the likely cause and first command. */
  readonly likelyCause?: string;
}

/** Where the service's metrics come from, as much as doctor needs. */
export interface DoctorContext {
  /** Namespace of the service. */
  readonly namespace: string;
  /** Prometheus URL the adapter or KEDA uses (for KEDA's trigger queries). */
  readonly prometheusUrl: string;
}

/** The checks of every metric of a service, in data-path order. */
export function planDoctorChecks(service: ResolvedInferenceService, context: DoctorContext): DoctorCheck[] {
  const ns = context.namespace;
  const who = `${ns}/${service.name}`;
  const pods = deploymentPodPattern(service.name);
  const selector = Object.keys(service.selectorLabels).sort().map((k) => `${k}=${service.selectorLabels[k]}`).join(',');
  const keda = service.autoscaler === 'keda';
  const hpaName = keda ? kedaHpaName(service.name) : service.name;
  const checks: DoctorCheck[] = [];
  service.metrics.forEach((m, index) => {
    const base = { service: who, metricIndex: index, metricKind: m.kind };
    const add = (step: ExplainStepKind, what: string, probe: DoctorProbe, cause: TroubleshootingId): void => { checks.push({ ...base, step, what, probe, cause }); };
    if (m.hpa.type === 'Resource') {
      add('metricsApi', `APIService ${RESOURCE_METRICS_API.apiService} is Available`, apiService(RESOURCE_METRICS_API.apiService), 'resourceMetricsMissing');
      add('metricsApi', `metrics.k8s.io serves the pods of ${who}`, { type: 'kubernetes', path: `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`, expect: 'hasItems' }, 'resourceMetricsMissing');
    } else {
      const rule = m.adapterRule;
      let stored: string | undefined;
      try { stored = rule ? seriesReadBy(rule) : undefined; } catch { stored = undefined; }
      const podScoped = m.series.some((s) => (s.source === 'app' || s.source === 'dcgm') && s.labels.includes('pod'));
      const lazy = firstRequestSeries(m);
      if (stored && lazy && podScoped) {
        add('series', `${stored} has series for every pod of ${who} that has served a request (the engine creates it at the first one)`, { type: 'promql', query: firstRequestSeriesCheck(stored, lazy.createdWith, `namespace=${q(ns)},pod=~${q(pods)}`), expect: 'everyPod', zeroMeans: `served requests (they export ${lazy.createdWith.join(', ')}) but have no ${stored}` }, 'seriesMissing');
      } else if (stored) {
        const matchers = podScoped ? `{namespace=${q(ns)},pod=~${q(pods)}}` : '';
        add('series', `${stored} has series${podScoped ? ` for the pods of ${who}` : ''}`, { type: 'promql', query: `count by (pod) (${stored}${matchers})`, expect: 'nonEmpty' }, 'seriesMissing');
      }
      if (m.series.some((s) => s.source === 'app')) {
        add('scrape', `Prometheus scrapes every pod of ${who}`, { type: 'promql', query: `up{namespace=${q(ns)},pod=~${q(pods)}}`, expect: 'allUp' }, 'scrapeDown');
      }
      if (keda) {
        const query = kedaTriggerQuery(m, ns, service.name);
        if (query) add('keda', `KEDA's trigger query for metrics[${index}] answers`, { type: 'promql', query, expect: 'nonEmpty' }, 'customMetricUnknown');
      } else if (rule) {
        const concrete = adapterQuery(m, ns, pods);
        if (concrete) add('adapter', `the adapter's query for ${metricName(m.hpa)} answers`, { type: 'promql', query: concrete, expect: 'nonEmpty' }, 'customMetricUnknown');
        const api = rule.kind === 'external' ? 'v1beta1.external.metrics.k8s.io' : 'v1beta1.custom.metrics.k8s.io';
        add('metricsApi', `APIService ${api} is Available`, apiService(api), 'metricsApiUnavailable');
        const path = metricsApiPath(m.hpa, ns, selector);
        if (path) add('metricsApi', `the metrics API serves ${metricName(m.hpa)}`, { type: 'kubernetes', path, expect: 'hasItems' }, 'customMetricUnknown');
      }
    }
    add('hpa', `HPA ${ns}/${hpaName} reads metrics[${index}]`, { type: 'kubernetes', path: `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${hpaName}`, expect: 'hpaActive', metricIndex: index }, 'customMetricUnknown');
  });
  return checks;
}

/** Runs the checks, one after the other; a missing client skips its checks. */
export async function runDoctorChecks(checks: readonly DoctorCheck[], clients: { readonly prometheus?: DoctorPrometheus; readonly kubernetes?: DoctorKubernetes }): Promise<DoctorResult[]> {
  const results: DoctorResult[] = [];
  for (const check of checks) results.push(await runOne(check, clients));
  return results;
}

/** The results as text: a line per check, grouped by service and metric, then a count. */
export function formatDoctorResults(results: readonly DoctorResult[]): string {
  const out: string[] = [];
  let last = '';
  for (const r of results) {
    const key = `${r.check.service} metrics[${r.check.metricIndex}]`;
    if (key !== last) {
      out.push(`${last ? '\n' : ''}${r.check.service} metrics[${r.check.metricIndex}] ${r.check.metricKind}`);
      last = key;
    }
    out.push(`  ${r.status.padEnd(8)}${r.check.step.padEnd(11)}${r.check.what}: ${r.detail}`);
    if (r.likelyCause) out.push(`          likely cause: ${r.likelyCause}`);
  }
  const failing = results.filter((r) => r.status === 'failing').length;
  const skipped = results.filter((r) => r.status === 'skipped').length;
  out.push('', `${results.length - failing - skipped} ok, ${failing} failing, ${skipped} skipped`);
  return `${out.join('\n')}\n`;
}

async function runOne(check: DoctorCheck, clients: { readonly prometheus?: DoctorPrometheus; readonly kubernetes?: DoctorKubernetes }): Promise<DoctorResult> {
  const failing = (detail: string): DoctorResult => {
    const [namespace, service] = check.service.split('/');
    const row = TROUBLESHOOTING[check.cause];
    const commands = withoutDoctor(fill(row.check, { namespace, service }));
    return { check, status: 'failing', detail, likelyCause: `${row.cause}${commands ? `. Check: ${commands}` : ''}` };
  };
  const p = check.probe;
  try {
    if (p.type === 'promql') {
      if (!clients.prometheus) return { check, status: 'skipped', detail: 'no Prometheus URL given' };
      const samples = await clients.prometheus.query(p.query);
      if (samples.length === 0) return failing(`no result for ${p.query}`);
      if (p.expect === 'everyPod') {
        const bad = samples.filter((s) => s.value !== 1).map((s) => s.labels.pod ?? '?');
        return bad.length ? failing(`${bad.sort().join(', ')}: ${p.zeroMeans ?? 'failing'}`) : { check, status: 'ok', detail: `${samples.length} pod(s)` };
      }
      if (p.expect === 'allUp') {
        const down = samples.filter((s) => s.value !== 1).map((s) => s.labels.pod ?? s.labels.instance ?? '?');
        return down.length ? failing(`${down.length} of ${samples.length} targets down: ${down.sort().join(', ')}`) : { check, status: 'ok', detail: `${samples.length} target(s) up` };
      }
      return { check, status: 'ok', detail: `${samples.length} series${samples.length <= 4 ? ` (${samples.map((s) => `${s.labels.pod ?? ''}${s.labels.pod ? '=' : ''}${round(s.value)}`).join(', ')})` : ''}` };
    }
    if (!clients.kubernetes) return { check, status: 'skipped', detail: 'no Kubernetes API to ask' };
    const r = await clients.kubernetes.get(p.path);
    if (r.status === 404) return failing(`GET ${p.path}: not found (404)`);
    if (r.status === 401 || r.status === 403) return failing(`GET ${p.path}: ${r.status}, the credentials may not read it`);
    if (r.status >= 300) return failing(`GET ${p.path}: ${r.status}${messageOf(r.body)}`);
    return judgeObject(check, p, r.body, failing);
  } catch (e) {
    return failing(`${p.type === 'promql' ? 'query failed' : `GET ${p.path} failed`}: ${(e as Error).message}`);
  }
}

/** A troubleshooting row's commands without `inferscale doctor`, which the reader has just run. */
function withoutDoctor(commands: string): string {
  return commands.split('; ').filter((c) => !c.startsWith('inferscale doctor')).join('; ');
}

function judgeObject(check: DoctorCheck, p: Extract<DoctorProbe, { type: 'kubernetes' }>, body: unknown, failing: (d: string) => DoctorResult): DoctorResult {
  const obj = (body ?? {}) as { items?: unknown[]; status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[]; currentMetrics?: unknown[] } };
  if (p.expect === 'hasItems') {
    const n = Array.isArray(obj.items) ? obj.items.length : 0;
    return n > 0 ? { check, status: 'ok', detail: `${n} item(s)` } : failing('the API answered with no items');
  }
  const conditions = obj.status?.conditions ?? [];
  const want = p.expect === 'apiServiceAvailable' ? 'Available' : 'ScalingActive';
  const c = conditions.find((x) => x.type === want);
  if (!c) return failing(`no ${want} condition yet`);
  if (c.status !== 'True') return failing(`${want} is ${c.status}${c.reason ? ` (${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}${c.reason ? ')' : ''}`);
  if (p.expect === 'hpaActive' && p.metricIndex !== undefined) {
    const current = obj.status?.currentMetrics?.[p.metricIndex];
    if (!current) return failing(`${want} is True, but status.currentMetrics[${p.metricIndex}] is missing`);
    return { check, status: 'ok', detail: `${want} True; current ${JSON.stringify(current)}` };
  }
  return { check, status: 'ok', detail: `${want} True` };
}

function apiService(name: string): DoctorProbe {
  return { type: 'kubernetes', path: `/apis/apiregistration.k8s.io/v1/apiservices/${name}`, expect: 'apiServiceAvailable' };
}

/** The adapter's query as it runs for the Deployment's pods (Pods), the object (Object) or the queue (External). */
function adapterQuery(m: MetricDefinition, namespace: string, podPattern: string): string | undefined {
  const h = m.hpa;
  try {
    if (h.type === 'Pods') {
      const sel = h.pods.metric.selector;
      return renderMetricsQuery(m.adapterRule!, { namespace, pods: ['\u0001a', '\u0001b'], ...(sel ? { selector: sel.matchLabels } : {}) }).split('"\\x01a|\\x01b"').join(q(podPattern));
    }
    if (h.type === 'Object') {
      const sel = h.object.metric.selector;
      return renderMetricsQuery(m.adapterRule!, { namespace, objectName: h.object.describedObject.name, ...(sel ? { selector: sel.matchLabels } : {}) });
    }
    if (h.type === 'External') {
      const sel = h.external.metric.selector;
      return renderMetricsQuery(m.adapterRule!, { namespace, ...(sel ? { externalSelector: sel.matchLabels } : {}) });
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function metricsApiPath(h: HpaMetricSpec, ns: string, podSelector: string): string | undefined {
  if (h.type === 'Pods') return `/apis/custom.metrics.k8s.io/v1beta1/namespaces/${ns}/pods/*/${h.pods.metric.name}?labelSelector=${encodeURIComponent(podSelector)}`;
  if (h.type === 'External') {
    const sel = h.external.metric.selector;
    const query = sel ? `?labelSelector=${encodeURIComponent(Object.keys(sel.matchLabels).sort().map((k) => `${k}=${sel.matchLabels[k]}`).join(','))}` : '';
    return `/apis/external.metrics.k8s.io/v1beta1/namespaces/${ns}/${h.external.metric.name}${query}`;
  }
  return undefined;
}

function metricName(h: HpaMetricSpec): string {
  return h.type === 'Resource' ? h.resource.name : h.type === 'Pods' ? h.pods.metric.name : h.type === 'Object' ? h.object.metric.name : h.external.metric.name;
}

function messageOf(body: unknown): string {
  const m = (body as { message?: unknown } | undefined)?.message;
  return typeof m === 'string' ? `: ${m}` : '';
}

function round(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(4);
}

function q(value: string): string {
  return JSON.stringify(value);
}
