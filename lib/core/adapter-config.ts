import { stringify } from 'yaml';
import { AdapterResources, AdapterRule, MetricDefinition } from './metric';
import { Problem, show } from './problems';

/**
 * The metrics of one service, as the adapter configuration needs them.
 * {@link ResolvedInferenceService} fits as it is.
 */
export interface AdapterServiceMetrics {
  /** Service name. */
  readonly name: string;
  /** Service namespace. @default - none (the chart's namespace) */
  readonly namespace?: string;
  /** The service's catalogue entries, in HPA order. */
  readonly metrics: readonly MetricDefinition[];
}

/**
 * One discovery rule in the Prometheus Adapter's configuration file format.
 * @see https://github.com/kubernetes-sigs/prometheus-adapter/blob/master/docs/config.md
 */
export interface AdapterConfigRule {
  /** Series discovery query. */
  readonly seriesQuery: string;
  /** Label to resource mapping. */
  readonly resources: AdapterResources;
  /** Series name to metric name. */
  readonly name: {
    /** Regular expression matched against the series name, e.g. `^ai_inference_queue_depth$`. */
    readonly matches: string;
    /** Metric name served by the metrics API (what the HPA asks for); may refer to the groups of `matches` as `${1}`. */
    readonly as: string;
  };
  /** Query template. */
  readonly metricsQuery: string;
}

/**
 * The Prometheus Adapter configuration (`--config` file): custom-metrics `rules` and
 * `externalRules`. Resource rules are left out: metrics-server serves CPU and memory.
 */
export interface PrometheusAdapterConfig {
  /** Rules served under custom.metrics.k8s.io (Pods and Object metrics), sorted by metric name. */
  readonly rules: readonly AdapterConfigRule[];
  /** Rules served under external.metrics.k8s.io, sorted by metric name. */
  readonly externalRules: readonly AdapterConfigRule[];
}

/** What {@link buildAdapterConfig} returns. */
export interface AdapterConfigResult {
  /** The configuration, with identical rules merged. Complete even when there are problems. */
  readonly config: PrometheusAdapterConfig;
  /** Wiring mistakes that would leave an HPA at `<unknown>`; empty when the wiring is sound. */
  readonly problems: readonly Problem[];
  /** True when some rule is external, so the external metrics APIService is needed. */
  readonly usesExternalMetrics: boolean;
  /**
   * Which metrics of which services need the external metrics API, as problem-style paths
   * (`services[0] ("inference/llm").metrics[2] (externalQueue)`), for error messages.
   */
  readonly externalMetricUsers: readonly string[];
}

interface Claim {
  readonly key: string;
  readonly rule: AdapterConfigRule;
  readonly kind: AdapterRule['kind'];
  readonly owners: string[];
}

/**
 * Builds the Prometheus Adapter configuration from the metric definitions of every service
 * of a platform: each Pods, Object and External HPA metric needs exactly one rule that serves
 * its name, with series labels mapped to the resources the HPA asks about.
 *
 * Identical rules (two services scaling on the same signal) are merged. Reported as problems:
 * two different rules claiming one metric name for the same resource (the adapter would
 * serve one of them at random); a Pods or Object rule without the `namespace` and pod (or
 * object) label mappings; an External rule that is namespaced but maps no namespace label;
 * a Pods, Object or External HPA metric without a rule, or whose rule serves another name.
 *
 * @see https://github.com/kubernetes-sigs/prometheus-adapter/blob/master/docs/config.md
 */
export function buildAdapterConfig(services: readonly AdapterServiceMetrics[]): AdapterConfigResult {
  const problems: Problem[] = [];
  const claims = new Map<string, Claim>();
  const externalMetricUsers: string[] = [];

  services.forEach((svc, i) => {
    const who = `services[${i}] (${show(svc.namespace ? `${svc.namespace}/${svc.name}` : svc.name)})`;
    svc.metrics.forEach((def, j) => {
      const at = `${who}.metrics[${j}] (${def.kind})`;
      const hpa = def.hpa;
      if (hpa.type === 'Resource') return;
      const metricName = hpa.type === 'Pods' ? hpa.pods.metric.name : hpa.type === 'Object' ? hpa.object.metric.name : hpa.external.metric.name;
      const rule = def.adapterRule;
      if (!rule) {
        problems.push({ path: at, message: `is ${article(hpa.type)} ${hpa.type} metric named ${show(metricName)}, but has no adapter rule; no API would serve it and the HPA would show <unknown>. Give the metric an adapterRule whose name.as is ${show(metricName)}` });
        return;
      }
      const wantKind = hpa.type === 'External' ? 'external' : 'custom';
      if (rule.kind !== wantKind) {
        problems.push({ path: `${at}.adapterRule.kind`, message: `is ${show(rule.kind)}, but the HPA reads ${article(hpa.type)} ${hpa.type} metric, which the adapter serves only from ${wantKind === 'external' ? 'externalRules' : 'rules'}; use kind ${show(wantKind)}` });
      }
      if (!/\$\d|\$\{/.test(rule.name.as) && rule.name.as !== metricName) {
        problems.push({ path: `${at}.adapterRule.name.as`, message: `is ${show(rule.name.as)}, but the HPA asks for ${show(metricName)}; the HPA would show <unknown>. Make them equal` });
      }
      problems.push(...checkResources(`${at}.adapterRule.resources`, hpa.type, rule.resources));
      if (rule.kind === 'external') externalMetricUsers.push(at);

      const configRule = toConfigRule(rule);
      const key = `${rule.kind}\u0000${canonicalJson(configRule)}`;
      const existing = claims.get(key);
      if (existing) existing.owners.push(at);
      else claims.set(key, { key, rule: configRule, kind: rule.kind, owners: [at] });
    });
  });

  // Different rules claiming one name for the same resource fight: the adapter keeps one.
  const all = [...claims.values()];
  for (let a = 0; a < all.length; a++) {
    for (let b = a + 1; b < all.length; b++) {
      const x = all[a];
      const y = all[b];
      if (x.kind !== y.kind || x.rule.name.as !== y.rule.name.as) continue;
      if (x.kind === 'custom' && !sharesResource(x.rule.resources, y.rule.resources)) continue;
      const diff = describeDifference(x.rule, y.rule);
      problems.push({
        path: y.owners[0],
        message: `claims adapter metric ${show(y.rule.name.as)} with a different rule than ${x.owners[0]} (${diff}); the adapter would serve only one of them and the other HPA would read the wrong values. Give one of the metrics another name, or make the rules identical`,
      });
    }
  }

  const sorted = (kind: AdapterRule['kind']): AdapterConfigRule[] =>
    all.filter((c) => c.kind === kind).sort((p, q) => compare(p.rule.name.as, q.rule.name.as) || compare(p.key, q.key)).map((c) => c.rule);
  const externalRules = sorted('external');
  return {
    config: { rules: sorted('custom'), externalRules },
    problems,
    usesExternalMetrics: externalRules.length > 0,
    externalMetricUsers,
  };
}

/**
 * The adapter configuration as YAML: keys in the adapter's documented order, rules sorted
 * by metric name, no line folding. Synthesizing twice gives the same bytes.
 */
export function adapterConfigYaml(config: PrometheusAdapterConfig): string {
  return stringify(
    { rules: config.rules.map(toConfigRule), externalRules: config.externalRules.map(toConfigRule) },
    { lineWidth: 0, sortMapEntries: false, aliasDuplicateObjects: false },
  );
}

/** The request the adapter answers, for {@link renderMetricsQuery}. */
export interface MetricsQueryRequest {
  /** Namespace of the HPA (and of its pods or object). */
  readonly namespace: string;
  /** Pods metrics: the names of the pods the HPA's selector matched, in the order the adapter lists them. */
  readonly pods?: readonly string[];
  /** Object metrics: the described object's name. */
  readonly objectName?: string;
  /**
   * Object metrics whose rule maps several object labels: the resource asked about, as in the
   * rule's overrides (e.g. `ingresses`). @default - the rule's only label that is not the namespace
   */
  readonly objectResource?: string;
  /** Pods and Object metrics: `metric.selector.matchLabels` of the HPA metric. @default - none */
  readonly selector?: Readonly<Record<string, string>>;
  /** External metrics: `metric.selector.matchLabels` of the HPA metric. @default - none */
  readonly externalSelector?: Readonly<Record<string, string>>;
}

/**
 * Renders a rule's `metricsQuery` template exactly as Prometheus Adapter v0.12.0 does for one
 * request, giving plain PromQL.
 *
 * Custom rules (`pkg/naming/metrics_query.go` `Build`): `<<.LabelMatchers>>` is the metric
 * selector's matchers (sorted by label), then `namespace="<ns>"`, then the resource label:
 * `pod="a"` for one name, `pod=~"a|b"` for several; `<<.GroupBy>>` is the resource label.
 * External rules (`BuildExternal`): the selector's matchers, then the namespace matcher only
 * when the rule is namespaced; `<<.GroupBy>>` is empty (`by ()`). Values are quoted like Go's
 * `%q`. Templates may use `<<.Series>>`, `<<.LabelMatchers>>`, `<<.GroupBy>>` and
 * `<<.GroupBySlice>>`; anything else throws.
 *
 * @see https://github.com/kubernetes-sigs/prometheus-adapter/blob/v0.12.0/pkg/naming/metrics_query.go
 * @throws Error when the rule cannot serve the request (the adapter would fail the query too)
 */
export function renderMetricsQuery(rule: AdapterRule, request: MetricsQueryRequest): string {
  const series = seriesName(rule);
  const matchers: string[] = [];
  let groupBy: string[];
  if (rule.kind === 'external') {
    for (const [k, v] of sortedEntries(request.externalSelector)) matchers.push(`${k}=${goQuote(v)}`);
    const namespaced = !('namespaced' in rule.resources && rule.resources.namespaced === false);
    if (namespaced && request.namespace !== '') matchers.push(`${labelFor(rule, isNamespace)}=${goQuote(request.namespace)}`);
    groupBy = [];
  } else {
    for (const [k, v] of sortedEntries(request.selector)) matchers.push(`${k}=${goQuote(v)}`);
    if (request.namespace !== '') matchers.push(`${labelFor(rule, isNamespace)}=${goQuote(request.namespace)}`);
    let label: string;
    let names: readonly string[];
    if (request.pods !== undefined && request.objectName === undefined) {
      label = labelFor(rule, isPod);
      names = request.pods;
    } else if (request.objectName !== undefined && request.pods === undefined) {
      label = objectLabel(rule, request.objectResource);
      names = [request.objectName];
    } else {
      throw new Error('renderMetricsQuery: give exactly one of pods (Pods metrics) and objectName (Object metrics) for a custom rule');
    }
    const value = names.join('|');
    matchers.push(names.length > 1 ? `${label}=~${goQuote(value)}` : `${label}=${goQuote(value)}`);
    groupBy = [label];
  }
  return executeTemplate(rule.metricsQuery, {
    Series: series,
    LabelMatchers: matchers.join(','),
    GroupBy: groupBy.join(','),
    GroupBySlice: `[${groupBy.join(' ')}]`,
  });
}

/**
 * The series name the adapter substitutes for `<<.Series>>`: the single name the rule's
 * discovery query and `name.matches` select.
 * @throws Error when the rule's discovery query does not name one series
 */
export function seriesName(rule: AdapterRule): string {
  const m = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{.*\})?\s*$/s.exec(rule.seriesQuery);
  if (m) return m[1];
  const byName = /__name__\s*=\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"/.exec(rule.seriesQuery);
  if (byName) return byName[1];
  const anchored = /^\^([a-zA-Z_:][a-zA-Z0-9_:]*)\$$/.exec(rule.name.matches);
  if (anchored) return anchored[1];
  throw new Error(`seriesName: seriesQuery ${show(rule.seriesQuery)} does not name one series; render it per discovered series instead`);
}

/**
 * The series a rule's query reads, as Prometheus stores it (a histogram's `_bucket` or
 * `_count`): {@link AdapterRule.readsSeries} when discovery goes through another series, the
 * discovered one otherwise.
 * @throws Error when the rule's discovery query does not name one series
 */
export function seriesReadBy(rule: AdapterRule): string {
  return rule.readsSeries ?? seriesName(rule);
}

/**
 * Quotes a string the way Go's `%q` does for the strings Kubernetes names and label values can
 * hold (the adapter formats matchers with `%s=%q`).
 */
export function goQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

// ---------------------------------------------------------------------------------------------

function toConfigRule(rule: AdapterConfigRule | AdapterRule): AdapterConfigRule {
  const resources: AdapterResources = 'overrides' in rule.resources
    ? { overrides: Object.fromEntries(sortedEntries(rule.resources.overrides).map(([k, v]) => [k, { resource: v.resource, ...(v.group ? { group: v.group } : {}) }])) }
    : { namespaced: false };
  return {
    seriesQuery: rule.seriesQuery,
    resources,
    name: { matches: rule.name.matches, as: rule.name.as },
    metricsQuery: rule.metricsQuery,
  };
}

function isNamespace(resource: string, group?: string): boolean {
  return (resource === 'namespace' || resource === 'namespaces') && !group;
}

function isPod(resource: string, group?: string): boolean {
  return (resource === 'pod' || resource === 'pods') && !group;
}

function overridesOf(resources: AdapterResources): [string, { resource: string; group?: string }][] {
  return 'overrides' in resources ? sortedEntries(resources.overrides).map(([k, v]) => [k, { resource: v.resource.toLowerCase(), group: v.group }]) : [];
}

function labelFor(rule: AdapterRule, test: (resource: string, group?: string) => boolean): string {
  const found = overridesOf(rule.resources).filter(([, v]) => test(v.resource, v.group));
  if (found.length === 0) {
    const what = test === isNamespace ? 'namespace' : 'pod';
    throw new Error(`renderMetricsQuery: the rule for ${show(rule.name.as)} maps no series label to the ${what} resource, so the adapter cannot build its query`);
  }
  return found[0][0];
}

function objectLabel(rule: AdapterRule, resource: string | undefined): string {
  const candidates = overridesOf(rule.resources).filter(([, v]) => !isNamespace(v.resource, v.group));
  const picked = resource === undefined ? candidates : candidates.filter(([, v]) => v.resource === resource.toLowerCase());
  if (picked.length !== 1) {
    throw new Error(`renderMetricsQuery: the rule for ${show(rule.name.as)} maps ${picked.length} object labels${resource ? ` to ${show(resource)}` : ''}; give objectResource naming one of ${show(candidates.map(([, v]) => v.resource))}`);
  }
  return picked[0][0];
}

function checkResources(path: string, type: 'Pods' | 'Object' | 'External', resources: AdapterResources): Problem[] {
  const overrides = overridesOf(resources);
  const hasNamespace = overrides.some(([, v]) => isNamespace(v.resource, v.group));
  if (type === 'External') {
    if ('namespaced' in resources && resources.namespaced === false) return [];
    if (hasNamespace) return [];
    return [{ path, message: `is ${show(resources)}: the rule is namespaced but maps no series label to the namespace resource, so the adapter fails every query for it. Map the namespace label (overrides: { namespace: { resource: "namespace" } }) or set namespaced: false` }];
  }
  if (!('overrides' in resources)) {
    return [{ path, message: `is ${show(resources)}; ${article(type)} ${type} metric needs series labels mapped to the namespace and the ${type === 'Pods' ? 'pod' : 'described object'}, as overrides` }];
  }
  const missing: string[] = [];
  if (!hasNamespace) missing.push('namespace');
  if (type === 'Pods' && !overrides.some(([, v]) => isPod(v.resource, v.group))) missing.push('pod');
  if (type === 'Object' && !overrides.some(([, v]) => !isNamespace(v.resource, v.group))) missing.push('the described object');
  if (missing.length === 0) return [];
  return [{ path: `${path}.overrides`, message: `maps no series label to ${missing.join(' or ')} (it maps ${show(Object.keys(resources.overrides))}); the adapter could not attribute values and the HPA would show <unknown>. Map them, e.g. { namespace: { resource: "namespace" }, pod: { resource: "pod" } }` }];
}

function sharesResource(a: AdapterResources, b: AdapterResources): boolean {
  const objects = (r: AdapterResources): { resource: string; group: string }[] =>
    overridesOf(r).filter(([, v]) => !isNamespace(v.resource, v.group)).map(([, v]) => ({ resource: v.resource, group: (v.group ?? '').toLowerCase() }));
  const left = objects(a);
  const right = objects(b);
  // Rules without object labels (namespace-only) serve the namespace itself.
  if (left.length === 0 && right.length === 0) return true;
  return left.some((l) => right.some((r) => l.group === r.group && sameResource(l.resource, r.resource)));
}

/** Singular or plural spellings of one resource: pod/pods, ingress/ingresses, policy/policies. */
function sameResource(a: string, b: string): boolean {
  const forms = (x: string): string[] => [x, `${x}s`, `${x}es`, x.replace(/y$/, 'ies')];
  return forms(a).includes(b) || forms(b).includes(a);
}

function describeDifference(a: AdapterConfigRule, b: AdapterConfigRule): string {
  const parts: string[] = [];
  if (a.seriesQuery !== b.seriesQuery) parts.push(`seriesQuery ${show(a.seriesQuery)} vs ${show(b.seriesQuery)}`);
  if (a.metricsQuery !== b.metricsQuery) parts.push(`metricsQuery ${show(a.metricsQuery)} vs ${show(b.metricsQuery)}`);
  if (a.name.matches !== b.name.matches) parts.push(`name.matches ${show(a.name.matches)} vs ${show(b.name.matches)}`);
  if (canonicalJson(a.resources) !== canonicalJson(b.resources)) parts.push(`resources ${canonicalJson(a.resources)} vs ${canonicalJson(b.resources)}`);
  return parts.join('; ');
}

interface TemplateArgs {
  readonly Series: string;
  readonly LabelMatchers: string;
  readonly GroupBy: string;
  readonly GroupBySlice: string;
}

/** Executes the subset of Go text/template (delimiters `<<` `>>`) adapter rules use. */
function executeTemplate(template: string, args: TemplateArgs): string {
  let out = '';
  let rest = template;
  for (;;) {
    const open = rest.indexOf('<<');
    if (open < 0) return out + rest;
    let before = rest.slice(0, open);
    let body = rest.slice(open + 2);
    const close = body.indexOf('>>');
    if (close < 0) throw new Error(`renderMetricsQuery: unclosed action in template ${show(template)}`);
    let action = body.slice(0, close);
    rest = body.slice(close + 2);
    // Go trim markers: "<<- " trims space before, " ->>" trims space after.
    if (/^-[ \t\r\n]/.test(action)) {
      before = before.replace(/[ \t\r\n]+$/, '');
      action = action.slice(1);
    }
    if (/[ \t\r\n]-$/.test(action)) {
      rest = rest.replace(/^[ \t\r\n]+/, '');
      action = action.slice(0, -1);
    }
    body = action.trim();
    const field = /^\.(Series|LabelMatchers|GroupBy|GroupBySlice)$/.exec(body);
    if (!field) throw new Error(`renderMetricsQuery: template action <<${action}>> is not supported; use <<.Series>>, <<.LabelMatchers>>, <<.GroupBy>> or <<.GroupBySlice>>`);
    out += before + args[field[1] as keyof TemplateArgs];
  }
}

function article(word: string): string {
  return /^[AEIOU]/.test(word) ? 'an' : 'a';
}

function sortedEntries<T>(record: Readonly<Record<string, T>> | undefined): [string, T][] {
  return Object.keys(record ?? {}).sort(compare).map((k) => [k, record![k]]);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort(compare).filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
