/**
 * The configuration `inferscale tune` chose, as props: catalogue metric calls with the tuned
 * targets, the behavior (a preset when it is one, else its rules), `minReplicas`, scheduled
 * floors, a model cache, and the platform's levers; rendered as TypeScript to paste and as
 * `Pulumi.dev.yaml` keys the Pulumi program reads (`lib/core/service-config.ts`).
 * @module
 */
import { stringify } from 'yaml';
import { CustomBehaviorProps, ScalingBehavior } from '../behavior';
import type { HpaBehavior } from '../hpa';
import { EngineSignal, ModelServer } from '../metrics/model-servers';
import type { ScheduledFloorsProps } from '../scheduled-floors';
import type { SimulatedMetric, SimulatedService } from '../simulator/service';
import { configure, TunePoint, TuneSpace, WeightCacheLever } from './search';

/** A metric as a call of a `ScalingMetric` factory: `ScalingMetric[factory](options)`, and in config `{ [factory]: options }`. */
export interface MetricCall {
  /** The factory (and config key): `waitingRequests`, `kvCacheUsage`, `cpuUtilization`, ... */
  readonly factory: string;
  /** Its one argument: an options object, or a number (`cpuUtilization(80)`). */
  readonly options: Readonly<Record<string, string | number>> | number;
}

/** One tuned metric: the factory call, or, for a metric no factory describes, its name and target in words. */
export type TunedMetric =
  | {
    /** The factory call with the tuned target. */
    readonly call: MetricCall;
  }
  | {
    /** The HPA metric name. */
    readonly name: string;
    /** The tuned target, as the HPA reads it. */
    readonly target: string;
  };

/** The chosen configuration as props. */
export interface TunedConfiguration {
  /** The service (key under `services`). */
  readonly service: string;
  /** `minReplicas`. */
  readonly minReplicas: number;
  /** The metrics kept, in spec order, with their tuned targets. */
  readonly metrics: readonly TunedMetric[];
  /** Metrics the search dropped, by HPA metric name. */
  readonly droppedMetrics: readonly string[];
  /** A preset's name, or the full rules; absent for the legacy path (`behavior: null`). */
  readonly behavior?: 'burst' | 'steady' | 'queue' | CustomBehaviorProps;
  /** Scheduled floors. */
  readonly scheduledFloors?: ScheduledFloorsProps;
  /** A weight cache that survives the pod. */
  readonly weightCache?: WeightCacheLever;
  /** Warm GPU nodes of `gpuPool`. */
  readonly headroomNodes: number;
  /** The GPU pool the warm nodes belong to. */
  readonly gpuPool: string;
  /** Image pre-pull on the GPU pools. */
  readonly imagePrepull: boolean;
}

/** What each engine signal is called in the catalogue (its `ScalingMetric` factory). */
const ENGINE_FACTORIES: Readonly<Record<EngineSignal, string>> = {
  waitingRequests: 'waitingRequests',
  runningRequests: 'runningRequests',
  kvCacheUsage: 'kvCacheUsage',
  timeToFirstToken: 'timeToFirstToken',
  interTokenLatency: 'interTokenLatency',
  queueTime: 'queueTime',
  generationTokens: 'tokenThroughput',
};

/** Every engine series the presets know (all engines, vLLM before and after its renames), by name. */
const ENGINE_SERIES: ReadonlyMap<string, EngineSignal> = new Map(
  [ModelServer.vllm(), ModelServer.vllm({ version: '0.9' }), ModelServer.sglang(), ModelServer.triton(), ModelServer.tgi(), ModelServer.tei()]
    .flatMap((server) => Object.entries(server.spec.series).map(([signal, series]) => [series!.name, signal as EngineSignal] as const)),
);

/** The catalogue's default `rate()` window; left out of the printed options when a metric uses it. */
const DEFAULT_WINDOW_SECONDS = 60;

/**
 * The `ScalingMetric` call that renders `metric` with its target, or `undefined` when no
 * catalogue factory is known to produce it (a custom or External metric).
 */
export function metricCall(metric: SimulatedMetric): MetricCall | undefined {
  const value = metric.targetType === 'Utilization' ? metric.target : Number((metric.target / 1000).toPrecision(6));
  const window: Record<string, number> = metric.rateWindowSeconds !== DEFAULT_WINDOW_SECONDS ? { rateWindowSeconds: metric.rateWindowSeconds } : {};
  const quantile: Record<string, number | string> = metric.quantile !== undefined ? { quantile: metric.quantile } : {};
  const engine = metric.series !== undefined ? ENGINE_SERIES.get(metric.series) : undefined;
  if (metric.type === 'Pods' && engine !== undefined) {
    const factory = ENGINE_FACTORIES[engine];
    switch (engine) {
      case 'waitingRequests':
        return { factory, options: { targetPerPod: value } };
      case 'runningRequests':
        return metric.valueScale !== undefined && metric.valueScale !== 1
          ? { factory, options: { targetShareOfMaxSequences: value, maxSequences: Math.round(1 / metric.valueScale) } }
          : { factory, options: { targetPerPod: value } };
      case 'kvCacheUsage':
        return { factory, options: { targetRatio: value } };
      case 'generationTokens':
        return { factory, options: { targetPerPod: value, ...window } };
      default:
        return { factory, options: { ...quantile, targetSeconds: value, ...window } };
    }
  }
  switch (metric.signal) {
    case 'cpuUtilization':
      return metric.targetType === 'Utilization' ? { factory: 'cpuUtilization', options: value } : undefined;
    case 'memoryUtilization':
      return metric.targetType === 'Utilization' ? { factory: 'memoryUtilization', options: value } : undefined;
    case 'gpuUtilization':
      return { factory: 'gpuUtilization', options: { targetPercent: Math.round(value), ...(/engine_active/i.test(metric.name) ? { source: 'engineActive' } : {}) } };
    case 'requestsPerSecond':
      return metric.type === 'Pods' && metric.series !== undefined ? { factory: 'requestsPerSecond', options: { targetPerPod: value, counter: metric.series, ...window } } : undefined;
    case 'latency':
      return metric.type === 'Pods' && metric.series !== undefined ? { factory: 'latency', options: { ...quantile, targetSeconds: value, histogram: metric.series, ...window } } : undefined;
    default:
      return undefined;
  }
}

/**
 * The behavior as props: the preset it equals for this load time, else its rules in full
 * (`ScalingBehavior.custom`); `undefined` for the legacy path.
 */
export function behaviorProps(behavior: HpaBehavior | null, loadSeconds: number): TunedConfiguration['behavior'] {
  if (behavior === null) return undefined;
  const rulesKey = (r: HpaBehavior['scaleUp']): string => JSON.stringify([
    r.stabilizationWindowSeconds ?? null,
    r.selectPolicy,
    r.policies.map((p) => `${p.type}/${p.value}/${p.periodSeconds}`).sort(),
  ]);
  const key = (b: HpaBehavior): string => `${rulesKey(b.scaleUp)} ${rulesKey(b.scaleDown)}`;
  const preset = (['burst', 'steady', 'queue'] as const).find((p) => key(ScalingBehavior[p]().resolve(loadSeconds)) === key(behavior));
  if (preset) return preset;
  const rules = (r: HpaBehavior['scaleUp']): NonNullable<CustomBehaviorProps['scaleUp']> => ({
    stabilizationWindowSeconds: r.stabilizationWindowSeconds ?? 0,
    selectPolicy: r.selectPolicy,
    policies: r.policies.map((p) => ({ type: p.type, value: p.value, periodSeconds: p.periodSeconds })),
  });
  return { scaleUp: rules(behavior.scaleUp), scaleDown: rules(behavior.scaleDown) };
}

/** The configuration of `point` in `space` as props. */
export function tunedConfiguration(service: SimulatedService, space: TuneSpace, point: TunePoint, gpuPool: string): TunedConfiguration {
  const { service: tuned, options } = configure(service, space, point);
  const kept = new Set(tuned.metrics.map((m) => m.name));
  const levers = options.levers ?? {};
  return {
    service: service.name,
    minReplicas: tuned.minReplicas,
    metrics: tuned.metrics.map((m) => {
      const call = metricCall(m);
      return call ? { call } : { name: m.name, target: m.targetType === 'Utilization' ? `${m.target}%` : String(m.target / 1000) };
    }),
    droppedMetrics: service.metrics.filter((m) => !kept.has(m.name)).map((m) => m.name),
    ...(tuned.behavior !== null ? { behavior: behaviorProps(tuned.behavior, tuned.modelLoadSeconds) } : {}),
    ...(levers.scheduledFloors ? { scheduledFloors: levers.scheduledFloors } : {}),
    ...(levers.weightCache ? { weightCache: levers.weightCache } : {}),
    headroomNodes: levers.headroomNodes ?? 0,
    gpuPool,
    imagePrepull: levers.imagePrepull ?? false,
  };
}

/** A value as a TypeScript literal: keys bare where they may be, strings single-quoted. */
function literal(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    return `{ ${entries.map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : literal(k)}: ${literal(v)}`).join(', ')} }`;
  }
  return 'undefined';
}

/** Where a weight cache's files are: a claim filled beforehand (shared), or a node-local path. */
const WEIGHT_CACHE_CLAIM = 'model-weights';
const WEIGHT_CACHE_HOST_PATH = '/var/lib/inferscale/models';

/**
 * The configuration as TypeScript: the service's props to set (`services.<name>` of an
 * `AIInferencePlatform`, or `AIInferenceService` props) and the platform's props. Metrics the
 * catalogue has no factory for are comments.
 */
export function renderTypescriptProps(c: TunedConfiguration): string {
  const lines = [`// services.${c.service}: set these props (the others stay as they are).`, `minReplicas: ${c.minReplicas},`, 'metrics: ['];
  for (const m of c.metrics) {
    lines.push('call' in m ? `  ScalingMetric.${m.call.factory}(${literal(m.call.options)}),` : `  // ${m.name}: keep this metric with target ${m.target}`);
  }
  lines.push('],');
  if (c.droppedMetrics.length) lines.push(`// dropped: ${c.droppedMetrics.join(', ')}`);
  if (c.behavior !== undefined) lines.push(typeof c.behavior === 'string' ? `behavior: ScalingBehavior.${c.behavior}(),` : `behavior: ScalingBehavior.custom(${literal(c.behavior)}),`);
  if (c.scheduledFloors) lines.push(`scheduledFloors: ${literal(c.scheduledFloors)},`);
  if (c.weightCache) {
    lines.push(c.weightCache.scope === 'shared'
      ? `// weights read at ${c.weightCache.storageBytesPerSecond / 1e6} MB/s from a volume filled beforehand`
      : `// weights cached on each node (needs a privileged namespace), read at ${c.weightCache.storageBytesPerSecond / 1e6} MB/s`);
    lines.push(c.weightCache.scope === 'shared'
      ? `modelCache: ModelCache.persistentVolumeClaim(${literal({ claimName: WEIGHT_CACHE_CLAIM, readOnly: true })}),`
      : `modelCache: ModelCache.hostPath(${literal({ path: WEIGHT_CACHE_HOST_PATH })}),`);
  }
  lines.push('// platform props:');
  lines.push(`gpuHeadroom: ${literal(c.headroomNodes > 0 ? [{ pool: c.gpuPool, nodes: c.headroomNodes }] : [])},`);
  lines.push(`imagePrepull: ${c.imagePrepull},`);
  return lines.join('\n');
}

/**
 * The configuration as `Pulumi.dev.yaml` keys: under `inferscale:services` the service's keys
 * to set (merge them into its entry), under `inferscale:platform` the levers. Every key is one
 * the stack's config reader takes (`parseServiceConfig`, the platform shape).
 */
export function renderPulumiKeys(c: TunedConfiguration): string {
  const service: Record<string, unknown> = {
    minReplicas: c.minReplicas,
    metrics: c.metrics.filter((m): m is { call: MetricCall } => 'call' in m).map((m) => ({ [m.call.factory]: m.call.options })),
  };
  if (c.behavior !== undefined) service.behavior = typeof c.behavior === 'string' ? c.behavior : { custom: c.behavior };
  if (c.scheduledFloors) service.scheduledFloors = c.scheduledFloors;
  if (c.weightCache) {
    service.modelCache = c.weightCache.scope === 'shared'
      ? { persistentVolumeClaim: { claimName: WEIGHT_CACHE_CLAIM, readOnly: true } }
      : { hostPath: { path: WEIGHT_CACHE_HOST_PATH } };
  }
  const platform = {
    gpuHeadroom: c.headroomNodes > 0 ? [{ pool: c.gpuPool, nodes: c.headroomNodes }] : [],
    imagePrepull: c.imagePrepull ? {} : false,
  };
  const unmapped = c.metrics.filter((m): m is { name: string; target: string } => 'name' in m);
  const yaml = stringify({ 'inferscale:services': { [c.service]: service }, 'inferscale:platform': platform }, { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
  const note = unmapped.length ? `# keep these metrics of services.${c.service} too, with the targets given: ${unmapped.map((m) => `${m.name} ${m.target}`).join(', ')}\n` : '';
  return `${note}${yaml.trimEnd()}`;
}
