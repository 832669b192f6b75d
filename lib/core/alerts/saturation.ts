/**
 * Which series say that a model server is saturated, and how to read them. Kept apart from the
 * alert rules so that new engines and renamed series change this table only.
 *
 * A service's saturation series come from two places: its catalogue entries (a queue-kind
 * entry's gauge), and the engine its series name (a service reading any `vllm:*` series runs
 * vLLM, which always exports its waiting queue and KV-cache use).
 * @module
 */
import { MetricDefinition } from '../metric';

/** `queue`: requests waiting for a slot (alert when it keeps growing); `kvCache`: KV-cache use, 0-1 (alert when near full). */
export type SaturationKind = 'queue' | 'kvCache';

/** One saturation signal of a service. */
export interface SaturationSignal {
  /** What it measures. */
  readonly kind: SaturationKind;
  /**
   * Series names carrying it; more than one when an engine renamed the series across versions
   * (the query reads whichever the running version exports).
   */
  readonly series: readonly string[];
  /** Who exports it, for the alert text (`vLLM`, `the app`). */
  readonly exporter: string;
}

/** The saturation series one engine always exports. */
export interface EngineSaturationSeries {
  /** Prefix of every series of the engine (`vllm:`). */
  readonly prefix: string;
  /** The engine's name, for alert text. */
  readonly exporter: string;
  /** Its saturation signals. */
  readonly signals: readonly {
    /** What the signal measures. */
    readonly kind: SaturationKind;
    /** Series names, newest first. */
    readonly series: readonly string[];
  }[];
}

/**
 * Series each engine exports whatever the HPA scales on, recognised by their name prefix.
 * vLLM: `vllm:num_requests_waiting` (requests waiting), `vllm:kv_cache_usage_perc` (0-1;
 * `vllm:gpu_cache_usage_perc` before v0.10).
 * @see https://docs.vllm.ai/en/latest/design/metrics.html
 * @see https://github.com/vllm-project/vllm/blob/v0.11.0/vllm/v1/metrics/loggers.py
 */
export const ENGINE_SATURATION_SERIES: readonly EngineSaturationSeries[] = Object.freeze([
  {
    prefix: 'vllm:',
    exporter: 'vLLM',
    signals: [
      { kind: 'queue', series: ['vllm:num_requests_waiting'] },
      { kind: 'kvCache', series: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'] },
    ],
  },
]);

/** Catalogue kinds whose gauge is a waiting queue. */
const QUEUE_KINDS: readonly MetricDefinition['kind'][] = ['queueDepth'];

/**
 * The saturation signals of a service with these catalogue entries: every queue-kind entry's
 * gauge, and the engine series of any engine whose series the entries read. No duplicates.
 */
export function saturationSignals(metrics: readonly MetricDefinition[]): SaturationSignal[] {
  const out: SaturationSignal[] = [];
  const seen = new Set<string>();
  const add = (s: SaturationSignal): void => {
    const key = `${s.kind}/${s.series.join('|')}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(s);
  };
  for (const m of metrics) {
    if (QUEUE_KINDS.includes(m.kind)) {
      for (const s of m.series) if (s.type === 'gauge') add({ kind: 'queue', series: [s.name], exporter: 'the app' });
    }
  }
  const names = metrics.flatMap((m) => [...m.series.map((s) => s.name), ...(m.adapterRule ? [m.adapterRule.seriesQuery] : [])]);
  for (const engine of ENGINE_SATURATION_SERIES) {
    if (!names.some((n) => n.startsWith(engine.prefix))) continue;
    for (const s of engine.signals) add({ kind: s.kind, series: s.series, exporter: engine.exporter });
  }
  return out;
}
