/**
 * The catalogue's engine entries (waiting requests, running batch, KV-cache use, TTFT,
 * inter-token latency, queue time, token throughput) bound to every model-server preset that
 * exposes their series, with the variants that change the PromQL.
 */
import { EngineMetricKind, MetricDefinition, ScalingMetric } from '../../lib/core/metric';
import { EngineSeries, EngineSignal, ModelServer } from '../../lib/core/metrics/model-servers';

/** One engine entry bound to one preset. */
export interface EngineEntry {
  /** The `ScalingMetric` static factory that built it. */
  readonly factory: EngineMetricKind;
  /** Unique id: preset, factory and variant. */
  readonly id: string;
  /** The preset. */
  readonly server: ModelServer;
  /** The engine series the entry reads. */
  readonly series: EngineSeries;
  /** The wiring. */
  readonly definition: MetricDefinition;
  /** The variant: a quantile, `mean`, or a share of max sequences. */
  readonly variant?: number | 'mean' | 'share';
}

/** Every preset, by a short id. */
export const PRESETS: Readonly<Record<string, ModelServer>> = {
  vllm: ModelServer.vllm(),
  vllm09: ModelServer.vllm({ version: '0.9.2' }),
  sglang: ModelServer.sglang(),
  triton: ModelServer.triton(),
  tgi: ModelServer.tgi(),
  tei: ModelServer.tei(),
};

/** Max sequences of the share variant. */
export const MAX_SEQUENCES = 8;

const VARIANTS: readonly { factory: EngineMetricKind; signal: EngineSignal; variant?: number | 'mean' | 'share'; build: () => ScalingMetric }[] = [
  { factory: 'waitingRequests', signal: 'waitingRequests', build: () => ScalingMetric.waitingRequests({ targetPerPod: 2 }) },
  { factory: 'runningRequests', signal: 'runningRequests', build: () => ScalingMetric.runningRequests({ targetPerPod: 6 }) },
  { factory: 'runningRequests', signal: 'runningRequests', variant: 'share', build: () => ScalingMetric.runningRequests({ targetShareOfMaxSequences: 0.75, maxSequences: MAX_SEQUENCES }) },
  { factory: 'kvCacheUsage', signal: 'kvCacheUsage', build: () => ScalingMetric.kvCacheUsage({ targetRatio: 0.8 }) },
  { factory: 'timeToFirstToken', signal: 'timeToFirstToken', variant: 0.95, build: () => ScalingMetric.timeToFirstToken({ targetSeconds: 1 }) },
  { factory: 'timeToFirstToken', signal: 'timeToFirstToken', variant: 'mean', build: () => ScalingMetric.timeToFirstToken({ targetSeconds: 1, quantile: 'mean' }) },
  { factory: 'interTokenLatency', signal: 'interTokenLatency', variant: 0.9, build: () => ScalingMetric.interTokenLatency({ targetSeconds: 0.1, quantile: 0.9 }) },
  { factory: 'queueTime', signal: 'queueTime', variant: 0.95, build: () => ScalingMetric.queueTime({ targetSeconds: 0.5 }) },
  { factory: 'queueTime', signal: 'queueTime', variant: 'mean', build: () => ScalingMetric.queueTime({ targetSeconds: 0.5, quantile: 'mean' }) },
  { factory: 'tokenThroughput', signal: 'generationTokens', build: () => ScalingMetric.tokenThroughput({ targetPerPod: 500 }) },
];

/** Every engine entry on every preset that exposes its series (Triton's queue time: mean only). */
export const ENGINE_CATALOGUE: readonly EngineEntry[] = Object.entries(PRESETS).flatMap(([preset, server]) => VARIANTS.flatMap((v) => {
  const series = server.seriesFor(v.signal);
  if (!series) return [];
  if (series.type === 'counter' && v.factory === 'queueTime' && v.variant !== 'mean') return [];
  const metric = v.build().forServer(server);
  if (!metric.definition) throw new Error(`engine fixture ${preset}/${v.factory} is invalid: ${JSON.stringify(metric.problems)}`);
  const id = `${preset}_${v.factory}${v.variant === undefined ? '' : `_${String(v.variant).replace('.', '_')}`}`;
  return [{ factory: v.factory, id, server, series, definition: metric.definition, ...(v.variant !== undefined ? { variant: v.variant } : {}) }];
}));
