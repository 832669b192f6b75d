import { CustomBehaviorProps, ScalingBehavior } from './behavior';
import { GpuNodePoolProps } from './gpu-node-pool';
import { InferenceServiceProps } from './inference-service';
import { ScalingMetric } from './metric';
import { ModelCache } from './model-cache';
import { ModelServer } from './metrics/model-servers';
import { Problem, show } from './problems';

/**
 * Plain configuration data (as it comes from YAML or JSON: Pulumi stack config, a values
 * file) turned into typed props, with every problem collected and named by its path.
 *
 * Only shapes and types are checked here: which keys exist, which are required, and whether
 * each value is a string, a number, a list, ... Value rules (ranges, names, quantities, the
 * wiring between services and pools) stay with the resolvers that own them
 * (`resolveInferenceService`, `resolveGpuNodePool`), so a rule lives in one place. Metric
 * options are the exception: the catalogue factory is called while parsing, so its problems
 * carry the config path (`services.llm.metrics[1].gpuUtilization.targetPercent`).
 *
 * Metrics are written as one-key objects naming the catalogue factory, behavior as a preset
 * name or `{ custom: { scaleUp, scaleDown } }`:
 *
 * ```yaml
 * llm:
 *   image: vllm/vllm-openai:v0.11.0
 *   gpu: { count: 1 }
 *   maxReplicas: 8
 *   metrics:
 *     - requestsPerSecond: { targetPerPod: 4, counter: "vllm:request_success_total" }
 *     - gpuUtilization: { targetPercent: 75 }
 *     - cpuUtilization: 80
 *   behavior: burst
 * ```
 */

/**
 * Checks and converts one config value. `parse` is only called for values that are present
 * (not `undefined`). It pushes its problems and returns the best value it can: `undefined` for
 * a value of the wrong type, and for objects and lists the parts that are right (so a resolver
 * can still check the rest). Callers tell success by whether problems were pushed.
 */
export interface ConfigField<T = unknown> {
  /** What the field takes, for messages: `a string`, `a list of strings`, ... */
  readonly expected: string;
  /** The key must be present. */
  readonly required?: boolean;
  /** Checks `value` at `path`; returns the converted value, or as much of it as is right. */
  parse(path: string, value: unknown, problems: Problem[]): T | undefined;
}

/** The keys an object may have, each with its field. */
export type ConfigShape = Readonly<Record<string, ConfigField>>;

/** Renders a value for a message, cut short when long (a whole service object would drown the message). */
function brief(value: unknown): string {
  const text = show(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The type of a config value in words. */
function typeOf(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string': return 'a string';
    case 'number': return 'a number';
    case 'boolean': return 'true or false';
    case 'object': return 'an object';
    default: return typeof value;
  }
}

function wrongType(path: string, value: unknown, expected: string, hint = ''): Problem {
  return { path, message: `is ${brief(value)} (${typeOf(value)}); expected ${expected}${hint}` };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `path.key`, or `path["key"]` for keys that are not plain words. */
export function childPath(path: string, key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${show(key)}]`;
}

/** Levenshtein distance, for "did you mean" hints. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** ` (did you mean "x"?)` when one known word is close to `word`, else empty. */
function didYouMean(word: string, known: readonly string[]): string {
  const lower = word.toLowerCase();
  const scored = known.map((k) => ({ k, d: k.toLowerCase() === lower ? 0 : distance(lower, k.toLowerCase()) })).sort((x, y) => x.d - y.d);
  const best = scored[0];
  return best && best.d <= Math.max(1, Math.min(3, Math.floor(word.length / 3))) ? ` (did you mean ${show(best.k)}?)` : '';
}

/** The field, required. */
export function required<T>(field: ConfigField<T>): ConfigField<T> {
  return { ...field, required: true };
}

/** A string. Numbers and booleans are refused with a hint to quote them (YAML reads `1.30` as the number 1.3). */
export function stringField(): ConfigField<string> {
  return {
    expected: 'a string',
    parse(path, value, problems) {
      if (typeof value === 'string') return value;
      // YAML reads unquoted 1.30 as the number 1.3 and `true` as a boolean.
      const hint = typeof value === 'number' || typeof value === 'boolean'
        ? `; quote it in YAML ("${String(value)}")${typeof value === 'number' && !Number.isInteger(value) ? ', since unquoted 1.30 would read as the number 1.3' : ''}`
        : '';
      problems.push(wrongType(path, value, 'a string', hint));
      return undefined;
    },
  };
}

/** A finite number. Range and whole-number rules belong to the resolvers. */
export function numberField(): ConfigField<number> {
  return {
    expected: 'a number',
    parse(path, value, problems) {
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      const hint = typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? '; write it without quotes' : '';
      problems.push(wrongType(path, value, 'a number', hint));
      return undefined;
    },
  };
}

/** `true` or `false`. */
export function booleanField(): ConfigField<boolean> {
  return {
    expected: 'true or false',
    parse(path, value, problems) {
      if (typeof value === 'boolean') return value;
      problems.push(wrongType(path, value, 'true or false'));
      return undefined;
    },
  };
}

/** A Kubernetes quantity: a string such as `"16Gi"`, or a number (`2`), kept as a string. */
export function quantityField(): ConfigField<string> {
  return {
    expected: 'a Kubernetes quantity such as "2", "500m" or "16Gi"',
    parse(path, value, problems) {
      if (typeof value === 'string') return value;
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      problems.push(wrongType(path, value, 'a Kubernetes quantity such as "2", "500m" or "16Gi"'));
      return undefined;
    },
  };
}

/** A number or a string (Kubernetes `IntOrString`, e.g. `1` or `"25%"`). */
export function numberOrStringField(expected = 'a number or a string'): ConfigField<number | string> {
  return {
    expected,
    parse(path, value, problems) {
      if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return value;
      problems.push(wrongType(path, value, expected));
      return undefined;
    },
  };
}

/** A list whose items are checked by `item` at `path[i]`. */
export function listField<T>(item: ConfigField<T>, expected = `a list of ${item.expected.replace(/^an? /, '')} items`): ConfigField<T[]> {
  return {
    expected,
    parse(path, value, problems) {
      if (!Array.isArray(value)) {
        problems.push(wrongType(path, value, expected));
        return undefined;
      }
      // Items keep their index, so later problems (from resolvers) name the same item.
      return value.map((v, i) => {
        const at = `${path}[${i}]`;
        if (v === undefined || v === null) {
          problems.push({ path: at, message: `is ${v === null ? 'an empty item' : 'missing'}; expected ${item.expected}` });
          return undefined;
        }
        return item.parse(at, v, problems);
      }) as T[];
    },
  };
}

/** A list of strings. */
export function stringsField(): ConfigField<string[]> {
  return listField(stringField(), 'a list of strings');
}

/** An object of string values (labels, environment variables, tags), keys checked by the resolvers. */
export function stringMapField(): ConfigField<Record<string, string>> {
  return {
    expected: 'an object of string values',
    parse(path, value, problems) {
      if (!isPlainObject(value)) {
        problems.push(wrongType(path, value, 'an object of string values, such as { team: "ml" }'));
        return undefined;
      }
      const text = stringField();
      const out: [string, string][] = [];
      for (const [k, v] of Object.entries(value)) {
        const parsed = text.parse(`${path}[${show(k)}]`, v, problems);
        if (parsed !== undefined) out.push([k, parsed]);
      }
      return Object.fromEntries(out);
    },
  };
}

/**
 * An object with the keys of `shape`. Unknown keys are problems naming the allowed keys (and
 * the closest one); missing required keys are problems; the result holds only known keys.
 */
export function objectField<T>(shape: ConfigShape, expected?: string): ConfigField<T> {
  const keys = Object.keys(shape);
  const what = expected ?? `an object with keys ${keys.join(', ')}`;
  return {
    expected: what,
    parse(path, value, problems) {
      if (!isPlainObject(value)) {
        problems.push(wrongType(path, value, what));
        return undefined;
      }
      return parseConfigObject(path, value, shape, problems) as T | undefined;
    },
  };
}

/** `false` to leave a part out, or the field's value. */
export function falseOrField<T>(field: ConfigField<T>): ConfigField<T | false> {
  const expected = `false (to leave it out) or ${field.expected}`;
  return {
    expected,
    parse(path, value, problems) {
      if (value === false) return false;
      if (value === true) {
        problems.push({ path, message: `is true; expected ${expected}. Leave the key out for the defaults` });
        return undefined;
      }
      return field.parse(path, value, problems);
    },
  };
}

/**
 * Checks an object against a shape: unknown keys, missing required keys and each field.
 * Returns the known keys whose values are right, converted; problems tell whether that is all.
 */
export function parseConfigObject(path: string, value: Readonly<Record<string, unknown>>, shape: ConfigShape, problems: Problem[]): Record<string, unknown> {
  const keys = Object.keys(shape);
  for (const key of Object.keys(value)) {
    if (!Object.prototype.hasOwnProperty.call(shape, key)) {
      problems.push({ path: childPath(path, key), message: `is not a known key${didYouMean(key, keys)}; allowed: ${keys.join(', ')}` });
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(shape)) {
    const v = value[key];
    const at = childPath(path, key);
    if (v === undefined) {
      if (field.required) problems.push({ path: at, message: `is missing; it is required: ${field.expected}` });
      continue;
    }
    if (v === null) {
      problems.push({ path: at, message: `is empty (a key without a value in YAML); expected ${field.expected}${field.required ? '' : ', or leave the key out'}` });
      continue;
    }
    const parsed = field.parse(at, v, problems);
    if (parsed !== undefined) out[key] = parsed;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Metrics

/** How one catalogue factory is written in config. */
interface MetricConfig {
  /** Option keys. */
  readonly shape: ConfigShape;
  /** The option a bare number stands for (`cpuUtilization: 80`). */
  readonly shorthand?: string;
  /** Calls the factory. */
  build(options: Record<string, any>): ScalingMetric;
}

const num = numberField;
const str = stringField;

const METRICS: Readonly<Record<string, MetricConfig>> = {
  requestsPerSecond: {
    shape: { targetPerPod: required(num()), counter: str(), rateWindowSeconds: num() },
    build: (o) => ScalingMetric.requestsPerSecond(o as never),
  },
  cpuUtilization: { shape: { targetPercent: required(num()) }, shorthand: 'targetPercent', build: (o) => ScalingMetric.cpuUtilization(o.targetPercent) },
  memoryUtilization: { shape: { targetPercent: required(num()) }, shorthand: 'targetPercent', build: (o) => ScalingMetric.memoryUtilization(o.targetPercent) },
  gpuUtilization: { shape: { targetPercent: required(num()), source: str() }, shorthand: 'targetPercent', build: (o) => ScalingMetric.gpuUtilization(o as never) },
  latency: {
    shape: { targetSeconds: required(num()), quantile: numberOrStringField('a quantile between 0 and 1, or "mean"'), histogram: str(), rateWindowSeconds: num() },
    build: (o) => ScalingMetric.latency(o as never),
  },
  errorRate: {
    shape: { targetRatio: required(num()), counter: str(), errorMatcher: str(), rateWindowSeconds: num() },
    build: (o) => ScalingMetric.errorRate(o as never),
  },
  inFlightRequests: { shape: { targetPerPod: required(num()), gauge: str() }, build: (o) => ScalingMetric.inFlightRequests(o as never) },
  queueDepth: { shape: { targetPerPod: required(num()), gauge: str() }, build: (o) => ScalingMetric.queueDepth(o as never) },
  externalQueue: {
    shape: { series: required(str()), selector: stringMapField(), targetPerReplica: num(), targetTotal: num(), emptyQueue: str() },
    build: (o) => ScalingMetric.externalQueue(o as never),
  },
  objectMetric: {
    shape: {
      describedObject: required(objectField({ apiVersion: required(str()), kind: required(str()), name: required(str()) }, 'an object reference { apiVersion, kind, name }')),
      series: required(str()),
      objectLabel: str(),
      resource: str(),
      aggregation: str(),
      rateWindowSeconds: num(),
      targetValue: num(),
      targetAverageValue: num(),
    },
    build: (o) => ScalingMetric.objectMetric(o as never),
  },
  waitingRequests: { shape: { targetPerPod: required(num()) }, shorthand: 'targetPerPod', build: (o) => ScalingMetric.waitingRequests(o as never) },
  runningRequests: {
    shape: { targetPerPod: num(), targetShareOfMaxSequences: num(), maxSequences: num() },
    build: (o) => ScalingMetric.runningRequests(o as never),
  },
  kvCacheUsage: { shape: { targetRatio: required(num()) }, shorthand: 'targetRatio', build: (o) => ScalingMetric.kvCacheUsage(o as never) },
  timeToFirstToken: {
    shape: { targetSeconds: required(num()), quantile: numberOrStringField('a quantile between 0 and 1, or "mean"'), rateWindowSeconds: num() },
    build: (o) => ScalingMetric.timeToFirstToken(o as never),
  },
  interTokenLatency: {
    shape: { targetSeconds: required(num()), quantile: numberOrStringField('a quantile between 0 and 1, or "mean"'), rateWindowSeconds: num() },
    build: (o) => ScalingMetric.interTokenLatency(o as never),
  },
  queueTime: {
    shape: { targetSeconds: required(num()), quantile: numberOrStringField('a quantile between 0 and 1, or "mean"'), rateWindowSeconds: num() },
    build: (o) => ScalingMetric.queueTime(o as never),
  },
  tokenThroughput: { shape: { targetPerPod: required(num()), rateWindowSeconds: num() }, build: (o) => ScalingMetric.tokenThroughput(o as never) },
  custom: {
    shape: {
      type: required(str()),
      name: required(str()),
      seriesQuery: required(str()),
      metricsQuery: required(str()),
      resources: adapterResourcesField(),
      targetAverageValue: num(),
      targetValue: num(),
      describedObject: objectField({ apiVersion: required(str()), kind: required(str()), name: required(str()) }, 'an object reference { apiVersion, kind, name }'),
      selector: stringMapField(),
      series: listField(objectField({
        name: required(str()), type: required(str()), source: required(str()), labels: required(stringsField()), description: required(str()),
      }, 'a series { name, type, source, labels, description }'), 'a list of series { name, type, source, labels, description }'),
      missingAtZeroTraffic: booleanField(),
    },
    build: (o) => ScalingMetric.custom(o as never),
  },
};

/** Metric names accepted in config: the catalogue factories of {@link ScalingMetric}. */
export const METRIC_CONFIG_NAMES: readonly string[] = Object.freeze(Object.keys(METRICS));

const METRIC_EXAMPLE = '{ gpuUtilization: { targetPercent: 75 } }';

/** `{ overrides: { <label>: { resource, group? } } }` or `{ namespaced: false }` for custom metrics. */
function adapterResourcesField(): ConfigField {
  const expected = '{ overrides: { <label>: { resource, group } } } or { namespaced: false }';
  const overrides = objectField({ resource: required(str()), group: str() }, 'a resource { resource, group }');
  return {
    expected,
    parse(path, value, problems) {
      if (!isPlainObject(value)) {
        problems.push(wrongType(path, value, expected));
        return undefined;
      }
      if ('namespaced' in value) {
        const parsed = parseConfigObject(path, value, { namespaced: required(booleanField()) }, problems);
        if (parsed.namespaced === true) {
          problems.push({ path: `${path}.namespaced`, message: 'is true; only { namespaced: false } is meaningful. Leave resources out for the default namespace and pod mapping' });
        }
        return parsed;
      }
      const parsed = parseConfigObject(path, value, { overrides: required({ expected: 'an object of resources by label', parse: (p, v, pr) => {
        if (!isPlainObject(v)) {
          pr.push(wrongType(p, v, 'an object of resources by label, such as { namespace: { resource: "namespace" } }'));
          return undefined;
        }
        const out: Record<string, unknown> = {};
        for (const [label, r] of Object.entries(v)) {
          const one = overrides.parse(`${p}[${show(label)}]`, r, pr);
          if (one !== undefined) out[label] = one;
        }
        return out;
      } }) }, problems);
      return parsed;
    },
  };
}

/**
 * Parses one metric written as a one-key object naming the catalogue factory
 * (`{ requestsPerSecond: { targetPerPod: 4 } }`, `{ cpuUtilization: 80 }`) and calls the
 * factory. Problems in the options carry the config path (`<path>.gpuUtilization.targetPercent`).
 *
 * @param path where the metric sits, e.g. `services.llm.metrics[1]`
 */
export function parseMetricConfig(path: string, value: unknown): {
  /** The metric the named catalogue factory built; absent when there is any problem. */
  metric?: ScalingMetric;
  /** Every problem in the config data, with its full config path (starting with `path`); empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  if (!isPlainObject(value)) {
    problems.push(wrongType(path, value, `one key naming the metric, such as ${METRIC_EXAMPLE}`));
    return { problems };
  }
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    const message = keys.length === 0
      ? `is {}; expected one key naming the metric, such as ${METRIC_EXAMPLE}; metrics: ${METRIC_CONFIG_NAMES.join(', ')}`
      : `has ${keys.length} keys (${keys.map((k) => show(k)).join(', ')}); expected exactly one, naming the metric, such as ${METRIC_EXAMPLE}. Write each metric as its own list item`;
    problems.push({ path, message });
    return { problems };
  }
  const name = keys[0];
  const at = childPath(path, name);
  const config = METRICS[name];
  if (!config) {
    problems.push({ path: at, message: `is not a known metric${didYouMean(name, METRIC_CONFIG_NAMES)}; metrics: ${METRIC_CONFIG_NAMES.join(', ')}` });
    return { problems };
  }
  const raw = value[name];
  let options: Record<string, unknown>;
  const shorthand = config.shorthand !== undefined && typeof raw === 'number';
  if (shorthand) {
    options = { [config.shorthand!]: raw };
  } else if (isPlainObject(raw)) {
    options = parseConfigObject(at, raw, config.shape, problems);
  } else {
    const forms = config.shorthand !== undefined ? `a number (the ${config.shorthand}) or an object with keys ${Object.keys(config.shape).join(', ')}` : `an object with keys ${Object.keys(config.shape).join(', ')}`;
    problems.push(wrongType(at, raw, forms));
    return { problems };
  }
  // Options of the wrong shape are reported as such; the factory would only repeat them.
  if (problems.length) return { problems };
  const metric = config.build(options);
  for (const p of metric.problems) {
    problems.push({ path: shorthand && p.path === config.shorthand ? at : `${at}.${p.path}`, message: p.message });
  }
  return problems.length ? { problems } : { metric, problems };
}

// ---------------------------------------------------------------------------------------------
// Behavior

/** Behavior presets accepted in config by name. */
export const BEHAVIOR_PRESET_NAMES: readonly string[] = Object.freeze(['burst', 'steady', 'queue']);

const RULES_SHAPE: ConfigShape = {
  stabilizationWindowSeconds: num(),
  selectPolicy: str(),
  policies: listField(objectField({ type: required(str()), value: required(num()), periodSeconds: required(num()) }, 'a policy { type, value, periodSeconds }'), 'a list of policies { type, value, periodSeconds }'),
};
const CUSTOM_BEHAVIOR_SHAPE: ConfigShape = {
  scaleUp: objectField(RULES_SHAPE, `scale-up rules with keys ${Object.keys(RULES_SHAPE).join(', ')}`),
  scaleDown: objectField(RULES_SHAPE, `scale-down rules with keys ${Object.keys(RULES_SHAPE).join(', ')}`),
};
const BEHAVIOR_EXPECTED = `${BEHAVIOR_PRESET_NAMES.map((p) => show(p)).join(', ')} or { custom: { scaleUp, scaleDown } }`;

/**
 * Parses a behavior: a preset name (`burst`, `steady`, `queue`) or
 * `{ custom: { scaleUp: {...}, scaleDown: {...} } }` with the fields of `ScalingBehavior.custom`.
 * The rules themselves (windows, policies) are checked when the service is resolved.
 */
export function parseBehaviorConfig(path: string, value: unknown): {
  /** The preset or custom behavior; absent when there is any problem. */
  behavior?: ScalingBehavior;
  /** Every problem in the config data, with its full config path (starting with `path`); empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  if (typeof value === 'string') {
    switch (value) {
      case 'burst': return { behavior: ScalingBehavior.burst(), problems };
      case 'steady': return { behavior: ScalingBehavior.steady(), problems };
      case 'queue': return { behavior: ScalingBehavior.queue(), problems };
      case 'custom':
        problems.push({ path, message: 'is "custom", which needs its rules: write { custom: { scaleUp: {...}, scaleDown: {...} } }' });
        return { problems };
      default:
        problems.push({ path, message: `is ${show(value)}${didYouMean(value, BEHAVIOR_PRESET_NAMES)}; expected ${BEHAVIOR_EXPECTED}` });
        return { problems };
    }
  }
  if (!isPlainObject(value)) {
    problems.push(wrongType(path, value, BEHAVIOR_EXPECTED));
    return { problems };
  }
  const parsed = parseConfigObject(path, value, { custom: required(objectField(CUSTOM_BEHAVIOR_SHAPE, 'custom rules { scaleUp, scaleDown }')) }, problems);
  if (problems.length) return { problems };
  return { behavior: ScalingBehavior.custom(parsed.custom as CustomBehaviorProps), problems };
}

// ---------------------------------------------------------------------------------------------
// Services and GPU node pools

function metricField(): ConfigField<ScalingMetric> {
  return {
    expected: `a metric, such as ${METRIC_EXAMPLE}`,
    parse(path, value, problems) {
      const r = parseMetricConfig(path, value);
      problems.push(...r.problems);
      return r.metric;
    },
  };
}

function behaviorField(): ConfigField<ScalingBehavior> {
  return {
    expected: BEHAVIOR_EXPECTED,
    parse(path, value, problems) {
      const r = parseBehaviorConfig(path, value);
      problems.push(...r.problems);
      return r.behavior;
    },
  };
}

const MODEL_CACHE_EXPECTED = 'false, { emptyDir: { sizeLimit } }, { persistentVolumeClaim: { claimName, readOnly } } or { hostPath: { path } }';
const MODEL_CACHE_KINDS: Readonly<Record<string, { shape: ConfigShape; build: (o: Record<string, any>) => ModelCache }>> = {
  emptyDir: { shape: { sizeLimit: quantityField() }, build: (o) => ModelCache.emptyDir(o) },
  persistentVolumeClaim: { shape: { claimName: required(str()), readOnly: booleanField() }, build: (o) => ModelCache.persistentVolumeClaim(o as never) },
  hostPath: { shape: { path: required(str()) }, build: (o) => ModelCache.hostPath(o as never) },
};

/** `false`, or a one-key object naming the {@link ModelCache} factory with its options. */
function modelCacheField(): ConfigField<ModelCache | false> {
  return {
    expected: MODEL_CACHE_EXPECTED,
    parse(path, value, problems) {
      if (value === false) return false;
      const keys = isPlainObject(value) ? Object.keys(value) : [];
      if (!isPlainObject(value) || keys.length !== 1) {
        problems.push(wrongType(path, value, MODEL_CACHE_EXPECTED));
        return undefined;
      }
      const kind = MODEL_CACHE_KINDS[keys[0]];
      const at = childPath(path, keys[0]);
      if (!kind) {
        problems.push({ path: at, message: `is not a kind of model cache${didYouMean(keys[0], Object.keys(MODEL_CACHE_KINDS))}; expected ${MODEL_CACHE_EXPECTED}` });
        return undefined;
      }
      const before = problems.length;
      const options = objectField<Record<string, unknown>>(kind.shape).parse(at, value[keys[0]] ?? {}, problems);
      return options && problems.length === before ? kind.build(options) : undefined;
    },
  };
}

const MODEL_SERVERS: Readonly<Record<string, { readonly shape: ConfigShape; build(options: Record<string, unknown>): ModelServer }>> = {
  vllm: { shape: { version: str() }, build: (o) => ModelServer.vllm(o as never) },
  sglang: { shape: {}, build: () => ModelServer.sglang() },
  triton: { shape: {}, build: () => ModelServer.triton() },
  tgi: { shape: {}, build: () => ModelServer.tgi() },
  tei: { shape: {}, build: () => ModelServer.tei() },
};
const MODEL_SERVER_EXPECTED = `an engine name (${Object.keys(MODEL_SERVERS).join(', ')}) or one key naming it with its options, such as { vllm: { version: "0.11" } }`;

/** A model server: `vllm`, or `{ vllm: { version: "0.11" } }`. */
function modelServerField(): ConfigField<ModelServer> {
  return {
    expected: MODEL_SERVER_EXPECTED,
    parse(path, value, problems) {
      const [engine, options, at] = typeof value === 'string'
        ? [value, {}, path]
        : isPlainObject(value) && Object.keys(value).length === 1 ? [Object.keys(value)[0], value[Object.keys(value)[0]] ?? {}, childPath(path, Object.keys(value)[0])] : [undefined, undefined, path];
      if (engine === undefined) {
        problems.push(wrongType(path, value, MODEL_SERVER_EXPECTED));
        return undefined;
      }
      const preset = MODEL_SERVERS[engine];
      if (!preset) {
        problems.push({ path: at, message: `is not a model server with a preset${didYouMean(engine, Object.keys(MODEL_SERVERS))}; expected ${MODEL_SERVER_EXPECTED}` });
        return undefined;
      }
      const before = problems.length;
      const parsed = objectField<Record<string, unknown>>(preset.shape).parse(at, options, problems);
      return parsed && problems.length === before ? preset.build(parsed) : undefined;
    },
  };
}

const REQUEST_LIMIT_SHAPE: ConfigShape = { request: quantityField(), limit: quantityField() };

/** CPU and memory, shaped like `ResourcesProps`: `{ cpu: { request, limit }, memory: { request, limit } }`. */
export const RESOURCES_CONFIG_SHAPE: ConfigShape = {
  cpu: objectField(REQUEST_LIMIT_SHAPE, 'an object with keys request, limit'),
  memory: objectField(REQUEST_LIMIT_SHAPE, 'an object with keys request, limit'),
};

/** The keys of an inference service in config: those of `InferenceServiceProps`. */
export const SERVICE_CONFIG_SHAPE: ConfigShape = {
  name: str(),
  namespace: str(),
  image: required(str()),
  port: num(),
  metricsPort: num(),
  metricsPath: str(),
  command: stringsField(),
  args: stringsField(),
  env: stringMapField(),
  model: objectField({ name: str(), loadTimeSeconds: num() }),
  gpu: objectField({ count: required(num()), resourceName: str(), product: str(), nodeSelector: stringMapField() }),
  resources: objectField(RESOURCES_CONFIG_SHAPE),
  modelCache: modelCacheField(),
  sharedMemorySize: quantityField(),
  minReplicas: num(),
  maxReplicas: required(num()),
  scheduledFloors: objectField({
    timeZone: str(),
    floors: required(listField(objectField({ days: stringsField(), from: required(str()), to: required(str()), minReplicas: required(num()) }, 'a window { days, from, to, minReplicas }'))),
  }),
  scaleToZero: booleanField(),
  autoscaler: str(),
  modelServer: modelServerField(),
  metrics: listField(metricField(), 'a list of metrics, each a one-key object such as { cpuUtilization: 70 }'),
  behavior: behaviorField(),
  probes: objectField({
    readinessPath: str(),
    livenessPath: str(),
    startupPeriodSeconds: num(),
    startupFailureThreshold: num(),
    readinessPeriodSeconds: num(),
    livenessPeriodSeconds: num(),
    livenessFailureThreshold: num(),
    timeoutSeconds: num(),
  }),
  shutdown: objectField({ preStopSleepSeconds: num(), drainSeconds: num() }),
  disruptionBudget: falseOrField(objectField({ maxUnavailable: numberOrStringField('a number of pods or a percent such as "25%"') })),
  security: objectField({ runAsUser: num(), runAsGroup: num(), fsGroup: num(), readOnlyRootFilesystem: booleanField() }),
  topologySpread: booleanField(),
  rollout: str(),
  labels: stringMapField(),
};

/** The keys of a GPU node pool in config: those of `GpuNodePoolProps`. */
export const GPU_NODE_POOL_CONFIG_SHAPE: ConfigShape = {
  name: required(str()),
  instanceType: required(str()),
  minNodes: num(),
  maxNodes: required(num()),
  labels: stringMapField(),
  ami: str(),
  timeSlicing: objectField({ replicas: required(num()), renameByDefault: booleanField(), failRequestsGreaterThanOne: booleanField() }),
  taint: booleanField(),
  capacityType: str(),
  diskSizeGiB: num(),
};

/**
 * Parses one inference service from plain config data into {@link InferenceServiceProps}.
 * Returns the props only when there is no problem.
 *
 * @param path where the service sits, e.g. `services.llm`; prefixes every problem
 */
export function parseServiceConfig(path: string, value: unknown): {
  /** The service's props, not yet resolved; absent when there is any problem. */
  service?: InferenceServiceProps;
  /** Every problem in the config data, with its full config path (starting with `path`); empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  if (!isPlainObject(value)) {
    problems.push(wrongType(path, value, 'an inference service: an object with at least image and maxReplicas'));
    return { problems };
  }
  const parsed = parseConfigObject(path, value, SERVICE_CONFIG_SHAPE, problems);
  return problems.length ? { problems } : { service: parsed as unknown as InferenceServiceProps, problems };
}

/**
 * Parses services keyed by id (the id is also the default name, as in `AIInferencePlatform`'s
 * `services`). Returns them only when no service has a problem.
 *
 * @param path where the services sit, e.g. `services`
 */
export function parseServicesConfig(path: string, value: unknown): {
  /** Each service's props, not yet resolved, keyed by id; absent when any service has a problem. */
  services?: Record<string, InferenceServiceProps>;
  /** Every problem of every service, with its full config path (starting with `path`); empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  if (!isPlainObject(value)) {
    problems.push(wrongType(path, value, 'services keyed by id, such as { llm: { image: ..., maxReplicas: 4 } }'));
    return { problems };
  }
  // Entries, not assignments: an id such as "__proto__" stays an ordinary key.
  const entries: [string, InferenceServiceProps][] = [];
  for (const [id, v] of Object.entries(value)) {
    const r = parseServiceConfig(childPath(path, id), v);
    problems.push(...r.problems);
    if (r.service) entries.push([id, r.service]);
  }
  return problems.length ? { problems } : { services: Object.fromEntries(entries), problems };
}

/**
 * Parses one GPU node pool from plain config data into {@link GpuNodePoolProps}.
 *
 * @param path where the pool sits, e.g. `gpuNodePools[0]`
 */
export function parseGpuNodePoolConfig(path: string, value: unknown): {
  /** The pool's props, not yet resolved; absent when there is any problem. */
  pool?: GpuNodePoolProps;
  /** Every problem in the config data, with its full config path (starting with `path`); empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  if (!isPlainObject(value)) {
    problems.push(wrongType(path, value, 'a GPU node pool such as { name: "a10g", instanceType: "g5.xlarge", maxNodes: 2 }'));
    return { problems };
  }
  const parsed = parseConfigObject(path, value, GPU_NODE_POOL_CONFIG_SHAPE, problems);
  return problems.length ? { problems } : { pool: parsed as unknown as GpuNodePoolProps, problems };
}

/**
 * Parses a list of GPU node pools.
 *
 * @param path where the list sits, e.g. `gpuNodePools`
 */
export function parseGpuNodePoolsConfig(path: string, value: unknown): {
  /** Each pool's props, not yet resolved, in list order; absent when any pool has a problem. */
  pools?: GpuNodePoolProps[];
  /** Every problem of every pool, with its full config path (starting with `path`); empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  if (!Array.isArray(value)) {
    problems.push(wrongType(path, value, 'a list of GPU node pools'));
    return { problems };
  }
  const pools: GpuNodePoolProps[] = [];
  value.forEach((v, i) => {
    const r = parseGpuNodePoolConfig(`${path}[${i}]`, v);
    problems.push(...r.problems);
    if (r.pool) pools.push(r.pool);
  });
  return problems.length ? { problems } : { pools, problems };
}
