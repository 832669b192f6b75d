/**
 * Model-server presets: where each inference engine listens, where it serves Prometheus
 * metrics and health checks, and the series it exposes for the catalogue's engine metrics
 * (waiting requests, running batch, KV-cache use, time to first token, inter-token latency,
 * queue time, generated tokens), by engine version where names changed.
 * @module
 */
import { Problem, show } from '../problems';

/** The engine quantities the catalogue's engine metrics read. */
export type EngineSignal =
  | 'waitingRequests'
  | 'runningRequests'
  | 'kvCacheUsage'
  | 'timeToFirstToken'
  | 'interTokenLatency'
  | 'queueTime'
  | 'generationTokens';

/** Every engine signal, in catalogue order. */
export const ENGINE_SIGNALS: readonly EngineSignal[] = ['waitingRequests', 'runningRequests', 'kvCacheUsage', 'timeToFirstToken', 'interTokenLatency', 'queueTime', 'generationTokens'];

/**
 * When an engine starts exporting a series.
 * - `start`: from its start, at 0 (labelled children created when the server starts).
 * - `firstRequest`: only once the first request touched it (metrics registered lazily, as the
 *   Rust `metrics` crate and per-request label children do). Until then the series is absent.
 */
export type SeriesExportedFrom = 'start' | 'firstRequest';

/** One series of an engine, as Prometheus stores it. */
export interface EngineSeries {
  /** Series name; for histograms the base name (without `_bucket`, `_sum`, `_count`). */
  readonly name: string;
  /** Prometheus type. */
  readonly type: 'counter' | 'gauge' | 'histogram';
  /** The engine's own labels (besides `namespace` and `pod`, which the scrape adds). */
  readonly labels: readonly string[];
  /** When the engine starts exporting it. */
  readonly exportedFrom: SeriesExportedFrom;
  /** What an idle pod reports. */
  readonly idle: string;
  /**
   * Factor from the series' unit to the catalogue's (seconds, ratio 0-1, per second).
   * @default 1
   */
  readonly scale?: number;
  /**
   * A counter of accumulated time whose mean per request is `rate(series) / rate(countSeries)`
   * (Triton's `nv_inference_queue_duration_us` over `nv_inference_request_success`).
   */
  readonly countSeries?: string;
}

/** The engines with a preset. */
export type EngineName = 'vllm' | 'sglang' | 'triton' | 'tgi' | 'tei';

/** Options of {@link ModelServer.vllm}. */
export interface VllmOptions {
  /**
   * vLLM version as `major.minor` (or `major.minor.patch`). Picks the series names: from 0.10,
   * `vllm:kv_cache_usage_perc` and `vllm:inter_token_latency_seconds`; before, the older
   * `vllm:gpu_cache_usage_perc` and `vllm:time_per_output_token_seconds`.
   * @default "0.11"
   */
  readonly version?: string;
}

/** Everything a preset fixes; what {@link ModelServer} keeps. */
export interface ModelServerSpec {
  /** Which engine. */
  readonly engine: EngineName;
  /** Engine version the series names are for, when they depend on it. */
  readonly version?: string;
  /** Container port serving the API (and the probes). */
  readonly port: number;
  /** Port serving Prometheus metrics. */
  readonly metricsPort: number;
  /** Path serving Prometheus metrics. */
  readonly metricsPath: string;
  /** Readiness (and startup) probe path: answers once the model is loaded. */
  readonly readinessPath: string;
  /** Liveness probe path. */
  readonly livenessPath: string;
  /** Series per engine signal; a signal the engine does not expose is absent. */
  readonly series: Readonly<Partial<Record<EngineSignal, EngineSeries>>>;
  /** The engine signals to scale on, most useful first. */
  readonly recommended: readonly EngineSignal[];
  /**
   * When the engine's other series appear: those the catalogue does not list, such as a request
   * counter a service names in `ScalingMetric.requestsPerSecond` (TEI's `te_request_count`).
   * Engines built on the Rust `metrics` crate create every series at its first use.
   */
  readonly unlistedSeries: SeriesExportedFrom;
  /** What the server needs for its metrics, for docs and `explain` (a flag, a port). */
  readonly notes: string;
}

/** vLLM metric names before 0.10 and from 0.10 on. */
const VLLM_RENAMED = {
  /**
   * `vllm:gpu_cache_usage_perc` was deprecated for `vllm:kv_cache_usage_perc` (vllm#18354) and
   * is no longer exported by default since 0.11 (kubernetes-sigs/inference-perf#277).
   * @see https://github.com/vllm-project/vllm/pull/30041
   */
  kvCacheUsage: ['vllm:gpu_cache_usage_perc', 'vllm:kv_cache_usage_perc'],
  /**
   * "Deprecated in 0.11 - Renamed as vllm:inter_token_latency_seconds" (vllm/v1/metrics/loggers.py);
   * 0.10.1 exports both (vllm#22227).
   */
  interTokenLatency: ['vllm:time_per_output_token_seconds', 'vllm:inter_token_latency_seconds'],
} as const;

const VLLM_LABELS = ['model_name', 'engine'];
const SGLANG_LABELS = ['model_name'];
const TRITON_LABELS = ['model', 'version'];

/**
 * A preset of an inference server: ports, metrics path, probe paths and the series the
 * catalogue's engine metrics read. Give one to a service as `modelServer`, and
 * `ScalingMetric.waitingRequests(...)` and the other engine metrics read that engine's series.
 *
 * @example
 * new AIInferenceService(chart, 'llm', { image, modelServer: ModelServer.vllm({ version: '0.11' }), metrics: [
 *   ScalingMetric.waitingRequests({ targetPerPod: 4 }), ScalingMetric.kvCacheUsage({ targetRatio: 0.8 }),
 * ] })
 */
export class ModelServer {
  /**
   * vLLM's OpenAI-compatible server (`vllm serve`): port 8000, `/metrics` and `/health` on it.
   * @see https://docs.vllm.ai/en/stable/usage/metrics/
   * @see https://github.com/vllm-project/vllm/blob/main/vllm/v1/metrics/loggers.py
   */
  public static vllm(options: VllmOptions = {}): ModelServer {
    const version = options.version ?? '0.11';
    const parsed = /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(typeof version === 'string' ? version : '');
    if (!parsed) {
      return new ModelServer(vllmSpec('0.11', true), [{ path: 'version', message: `is ${show(version)}; expected a vLLM version such as "0.11" or "0.10.2"` }]);
    }
    const renamed = Number(parsed[1]) > 0 || Number(parsed[2]) >= 10;
    return new ModelServer(vllmSpec(version, renamed));
  }

  /**
   * SGLang (`python -m sglang.launch_server --enable-metrics`): port 30000, `/metrics` and
   * `/health`. Its series carry a `model_name` label and are created at the first request.
   * @see https://github.com/sgl-project/sglang/blob/main/docs/references/production_metrics.md
   * @see https://github.com/sgl-project/sglang/blob/main/python/sglang/srt/metrics/collector.py
   */
  public static sglang(): ModelServer {
    const s = (name: string, type: EngineSeries['type'], idle: string): EngineSeries => ({ name, type, labels: SGLANG_LABELS, exportedFrom: 'firstRequest', idle });
    return new ModelServer({
      engine: 'sglang',
      port: 30000,
      metricsPort: 30000,
      metricsPath: '/metrics',
      readinessPath: '/health',
      livenessPath: '/health',
      series: {
        waitingRequests: s('sglang:num_queue_reqs', 'gauge', '0'),
        runningRequests: s('sglang:num_running_reqs', 'gauge', '0'),
        kvCacheUsage: s('sglang:token_usage', 'gauge', '0 (share of KV-cache tokens in use, 0-1)'),
        timeToFirstToken: s('sglang:time_to_first_token_seconds', 'histogram', 'flat buckets'),
        interTokenLatency: s('sglang:inter_token_latency_seconds', 'histogram', 'flat buckets'),
        queueTime: s('sglang:queue_time_seconds', 'histogram', 'flat buckets'),
        generationTokens: s('sglang:generation_tokens_total', 'counter', 'flat'),
      },
      recommended: ['waitingRequests', 'kvCacheUsage', 'timeToFirstToken'],
      unlistedSeries: 'firstRequest',
      notes: 'metrics need --enable-metrics',
    });
  }

  /**
   * NVIDIA Triton Inference Server: HTTP on 8000, metrics on 8002 (`/metrics`), KServe v2
   * health endpoints. Triton has no KV-cache, token or time-to-first-token series of its own
   * for every backend; queue time is a counter of microseconds (mean per request only).
   * @see https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/user_guide/metrics.html
   */
  public static triton(): ModelServer {
    return new ModelServer({
      engine: 'triton',
      port: 8000,
      metricsPort: 8002,
      metricsPath: '/metrics',
      readinessPath: '/v2/health/ready',
      livenessPath: '/v2/health/live',
      series: {
        waitingRequests: { name: 'nv_inference_pending_request_count', type: 'gauge', labels: TRITON_LABELS, exportedFrom: 'start', idle: '0 per loaded model' },
        queueTime: {
          name: 'nv_inference_queue_duration_us', type: 'counter', labels: TRITON_LABELS, exportedFrom: 'start', idle: 'flat', scale: 1e-6, countSeries: 'nv_inference_request_success',
        },
      },
      recommended: ['waitingRequests', 'queueTime'],
      // Per-model families, created when the model loads.
      unlistedSeries: 'start',
      notes: 'metrics on port 8002 (--allow-metrics, on by default)',
    });
  }

  /**
   * Hugging Face Text Generation Inference: the container listens on port 80 and serves
   * `/metrics` and `/health` there. Its series come from the Rust `metrics` crate and appear at
   * the first request.
   * @see https://huggingface.co/docs/text-generation-inference/reference/metrics
   */
  public static tgi(): ModelServer {
    const s = (name: string, type: EngineSeries['type'], idle: string): EngineSeries => ({ name, type, labels: [], exportedFrom: 'firstRequest', idle });
    return new ModelServer({
      engine: 'tgi',
      port: 80,
      metricsPort: 80,
      metricsPath: '/metrics',
      readinessPath: '/health',
      livenessPath: '/health',
      series: {
        waitingRequests: s('tgi_queue_size', 'gauge', '0'),
        runningRequests: s('tgi_batch_current_size', 'gauge', '0'),
        interTokenLatency: s('tgi_request_mean_time_per_token_duration', 'histogram', 'flat buckets'),
        queueTime: s('tgi_request_queue_duration', 'histogram', 'flat buckets'),
        // A histogram of generated tokens per request: its _sum is a counter of tokens.
        generationTokens: s('tgi_request_generated_tokens_sum', 'counter', 'flat'),
      },
      recommended: ['waitingRequests', 'runningRequests'],
      unlistedSeries: 'firstRequest',
      notes: 'series appear at the first request',
    });
  }

  /**
   * Hugging Face Text Embeddings Inference: the container listens on port 80; Prometheus
   * metrics are on a separate port, 9000 (`--prometheus-port`). Its series come from the Rust
   * `metrics` crate and appear at the first request.
   * @see https://github.com/huggingface/text-embeddings-inference/blob/main/router/src/lib.rs
   * @see https://github.com/huggingface/text-embeddings-inference/blob/main/core/src/queue.rs
   */
  public static tei(): ModelServer {
    const s = (name: string, type: EngineSeries['type'], idle: string): EngineSeries => ({ name, type, labels: [], exportedFrom: 'firstRequest', idle });
    return new ModelServer({
      engine: 'tei',
      port: 80,
      metricsPort: 9000,
      metricsPath: '/metrics',
      readinessPath: '/health',
      livenessPath: '/health',
      series: {
        waitingRequests: s('te_queue_size', 'gauge', '0'),
        runningRequests: s('te_batch_current_size', 'gauge', '0'),
        queueTime: s('te_request_queue_duration', 'histogram', 'flat buckets'),
      },
      recommended: ['waitingRequests', 'queueTime'],
      unlistedSeries: 'firstRequest',
      notes: 'metrics on port 9000; series appear at the first request',
    });
  }

  /** Everything the preset fixes. */
  public readonly spec: ModelServerSpec;
  /** Problems with the preset's options (paths relative to them); empty when valid. */
  public readonly problems: readonly Problem[];

  private constructor(spec: ModelServerSpec, problems: readonly Problem[] = []) {
    this.spec = spec;
    this.problems = problems;
  }

  /** The engine's series for a signal, or `undefined` when the engine exposes none. */
  public seriesFor(signal: EngineSignal): EngineSeries | undefined {
    return this.spec.series[signal];
  }

  /**
   * When the engine starts exporting the series `name` (a histogram by its base name): the
   * catalogue's word for a series it lists, {@link ModelServerSpec.unlistedSeries} otherwise.
   */
  public exportedFrom(name: string): SeriesExportedFrom {
    for (const s of Object.values(this.spec.series)) {
      if (s && (s.name === name || s.countSeries === name)) return s.exportedFrom;
    }
    return this.spec.unlistedSeries;
  }

  /**
   * The catalogue's series other than `name` that the engine creates at its first request, as
   * Prometheus stores them (a histogram by its `_count`): while any of them is present and
   * `name` is absent, the engine has served a request and `name` is not one of its series.
   * Empty for an engine that exports its series from the start.
   */
  public createdWithFirstRequest(name: string): string[] {
    const out: string[] = [];
    for (const s of Object.values(this.spec.series)) {
      if (!s || s.exportedFrom !== 'firstRequest' || s.name === name) continue;
      const stored = s.type === 'histogram' ? `${s.name}_count` : s.name;
      if (!out.includes(stored)) out.push(stored);
    }
    return out;
  }

  /** Name and version for messages, e.g. `vllm 0.11`. */
  public describe(): string {
    return this.spec.version ? `${this.spec.engine} ${this.spec.version}` : this.spec.engine;
  }
}

function vllmSpec(version: string, renamed: boolean): ModelServerSpec {
  const s = (name: string, type: EngineSeries['type'], idle: string): EngineSeries => ({ name, type, labels: VLLM_LABELS, exportedFrom: 'start', idle });
  const pick = (pair: readonly [string, string]): string => (renamed ? pair[1] : pair[0]);
  return {
    engine: 'vllm',
    version,
    port: 8000,
    metricsPort: 8000,
    metricsPath: '/metrics',
    readinessPath: '/health',
    livenessPath: '/health',
    series: {
      waitingRequests: s('vllm:num_requests_waiting', 'gauge', '0'),
      runningRequests: s('vllm:num_requests_running', 'gauge', '0'),
      kvCacheUsage: s(pick(VLLM_RENAMED.kvCacheUsage), 'gauge', '0 (share of KV-cache blocks in use, 0-1; the name says perc but the value is a ratio)'),
      timeToFirstToken: s('vllm:time_to_first_token_seconds', 'histogram', 'flat buckets'),
      interTokenLatency: s(pick(VLLM_RENAMED.interTokenLatency), 'histogram', 'flat buckets'),
      queueTime: s('vllm:request_queue_time_seconds', 'histogram', 'flat buckets'),
      generationTokens: s('vllm:generation_tokens_total', 'counter', 'flat'),
    },
    recommended: ['waitingRequests', 'kvCacheUsage', 'timeToFirstToken'],
    // prometheus_client exports unlabelled series at 0, and vLLM creates its labelled children
    // (per model, per finish reason) when the engine starts.
    unlistedSeries: 'start',
    notes: 'metrics on by default',
  };
}
