/**
 * Fits a serving profile to `vllm bench serve --save-result` JSON files measured at several
 * request rates: the decode step from each run's mean batch (Little's law: output tokens/s ×
 * time per output token) against its time per output token, the prefill rate from the
 * lightest run's time to first token.
 * @see https://github.com/vllm-project/vllm/blob/main/vllm/benchmarks/serve.py (the keys it saves)
 * @module
 */
import type { ServingProfile } from './types';

/** A result file that cannot be used; the message names the file and the field. */
export class ProfileFitError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ProfileFitError';
  }
}

/** The fields of one `vllm bench serve` result the fit reads. */
export interface BenchResult {
  /** Where it came from (a file name), for messages. */
  readonly source: string;
  /** `request_rate`: requests/s offered, `Infinity` for `"inf"`. */
  readonly requestRate: number;
  /** `completed`: requests that finished. */
  readonly completed: number;
  /** `total_input_tokens`. */
  readonly totalInputTokens: number;
  /** `total_output_tokens`. */
  readonly totalOutputTokens: number;
  /** `output_throughput`: output tokens/s. */
  readonly outputThroughput: number;
  /** `mean_tpot_ms` (or `mean_itl_ms` when absent), seconds. */
  readonly meanTpotSeconds: number;
  /** `mean_ttft_ms`, seconds. */
  readonly meanTtftSeconds: number;
  /** `model_id`: the model the benchmark asked for. @default - absent when the file has none */
  readonly modelId?: string;
}

/**
 * Reads `vllm bench serve` results: one JSON object per file, an array of them, or one object
 * per line.
 * @throws ProfileFitError naming the source and the field that is missing or not a number.
 */
export function parseBenchResults(text: string, source: string): BenchResult[] {
  let values: unknown[];
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('[')) values = JSON.parse(trimmed) as unknown[];
    else if (trimmed.includes('\n') && !trimmed.startsWith('{\n') && trimmed.split('\n').every((l) => l.trim() === '' || l.trim().startsWith('{'))) {
      values = trimmed.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
    } else values = [JSON.parse(trimmed) as unknown];
  } catch (e) {
    throw new ProfileFitError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  return values.map((v, i) => {
    const at = values.length > 1 ? `${source} [${i}]` : source;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ProfileFitError(`${at}: expected a vllm bench serve result object`);
    const r = v as Record<string, unknown>;
    const num = (key: string, fallback?: string): number => {
      const value = r[key] ?? (fallback !== undefined ? r[fallback] : undefined);
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new ProfileFitError(`${at}: ${key} is ${JSON.stringify(value)}; expected a number, 0 or more (is this a vllm bench serve --save-result file?)`);
      }
      return value;
    };
    const rate = r.request_rate;
    let requestRate: number;
    if (rate === 'inf' || rate === undefined) requestRate = Infinity;
    else if (typeof rate === 'number' && rate > 0) requestRate = rate;
    else throw new ProfileFitError(`${at}: request_rate is ${JSON.stringify(rate)}; expected a number greater than 0 or "inf"`);
    const completed = num('completed');
    if (completed < 1) throw new ProfileFitError(`${at}: completed is ${completed}; expected at least one finished request`);
    return {
      source: at,
      requestRate,
      completed,
      totalInputTokens: num('total_input_tokens'),
      totalOutputTokens: num('total_output_tokens'),
      outputThroughput: num('output_throughput'),
      meanTpotSeconds: num('mean_tpot_ms', 'mean_itl_ms') / 1000,
      meanTtftSeconds: num('mean_ttft_ms') / 1000,
      ...(typeof r.model_id === 'string' && r.model_id.trim() !== '' ? { modelId: r.model_id.trim() } : {}),
    };
  });
}

/** Keys of a `vllm bench serve --save-result` file that a serving profile never has. */
const BENCH_RESULT_KEYS = ['request_throughput', 'output_throughput', 'model_id', 'mean_ttft_ms'] as const;

/**
 * True when `value` (parsed JSON) is a `vllm bench serve` result or a list of them: the input of
 * {@link fitProfile}, not a profile.
 */
export function isBenchResult(value: unknown): boolean {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'object' && first !== null && BENCH_RESULT_KEYS.some((k) => k in first);
}

/** What the fit cannot see in the results: the engine's limits and the hardware. */
export interface ProfileFitOptions {
  /** Profile id. @default "fitted" */
  readonly id?: string;
  /** Model name. @default - the results' `model_id`, else "unknown" */
  readonly model?: string;
  /** GPU. @default "unknown" */
  readonly gpu?: string;
  /** Tensor parallelism. @default 1 */
  readonly tensorParallel?: number;
  /** KV-cache tokens (vLLM logs "GPU KV cache size: N tokens" at start-up). */
  readonly kvCacheTokens: number;
  /** `--max-num-seqs`. @default 256 */
  readonly maxSequences?: number;
  /** `--max-model-len`. @default - kvCacheTokens */
  readonly maxModelLength?: number;
  /** `--max-num-batched-tokens`. @default 2048 */
  readonly maxBatchedTokens?: number;
  /** Bytes of weights. @default 0 */
  readonly weightBytes?: number;
}

/**
 * Fits a profile: `step = base + perSequence × batch` by least squares over the runs (the
 * context term is folded into the per-sequence time, since a benchmark's prompt lengths do not
 * vary between runs), and the prefill rate from the lightest run, where a request's TTFT is its
 * prefill plus one step.
 * @throws ProfileFitError when fewer than two runs with different batches are given, or the fit is not physical.
 */
export function fitProfile(results: readonly BenchResult[], options: ProfileFitOptions): ServingProfile {
  if (results.length < 2) throw new ProfileFitError(`profile fit: ${results.length} result${results.length === 1 ? '' : 's'}; expected runs at two or more request rates`);
  const points = results.map((r) => ({ r, batch: r.outputThroughput * r.meanTpotSeconds, step: r.meanTpotSeconds }));
  const n = points.length;
  const meanB = points.reduce((s, p) => s + p.batch, 0) / n;
  const meanS = points.reduce((s, p) => s + p.step, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.batch - meanB) ** 2, 0);
  if (!(sxx > 1e-9)) throw new ProfileFitError(`profile fit: every run has the same mean batch (${meanB.toFixed(2)}); run at request rates that load the server differently`);
  const sxy = points.reduce((s, p) => s + (p.batch - meanB) * (p.step - meanS), 0);
  const perSequence = sxy / sxx;
  const base = meanS - perSequence * meanB;
  if (!(base > 0) || perSequence < 0) {
    throw new ProfileFitError(`profile fit: the step time does not grow with the batch (base ${(base * 1000).toFixed(2)} ms, ${(perSequence * 1000).toFixed(3)} ms per sequence); the runs may be limited by the client rather than the server`);
  }
  const lightest = [...results].sort((a, b) => a.requestRate - b.requestRate)[0];
  const prompt = lightest.totalInputTokens / lightest.completed;
  const prefillSeconds = lightest.meanTtftSeconds - lightest.meanTpotSeconds;
  if (!(prefillSeconds > 0) || !(prompt > 0)) {
    throw new ProfileFitError(`${lightest.source}: mean_ttft_ms (${(lightest.meanTtftSeconds * 1000).toFixed(1)}) is not above mean_tpot_ms (${(lightest.meanTpotSeconds * 1000).toFixed(1)}); cannot tell the prefill time`);
  }
  if (!(options.kvCacheTokens > 0)) throw new ProfileFitError(`profile fit: kvCacheTokens is ${String(options.kvCacheTokens)}; expected a number greater than 0 (vLLM logs it at start-up)`);
  // One profile is one model: runs of two models would fit a step time neither has.
  const models = [...new Set(results.flatMap((r) => (r.modelId !== undefined ? [r.modelId] : [])))];
  if (models.length > 1) {
    throw new ProfileFitError(`profile fit: the runs are of ${models.length} models (${results.filter((r) => r.modelId !== undefined).map((r) => `${r.source}: ${r.modelId}`).join(', ')}); fit one model's runs at a time`);
  }
  return {
    id: options.id ?? 'fitted',
    model: options.model ?? models[0] ?? 'unknown',
    gpu: options.gpu ?? 'unknown',
    engine: 'vLLM',
    tensorParallel: options.tensorParallel ?? 1,
    prefillTokensPerSecond: prompt / prefillSeconds,
    decodeBaseSeconds: base,
    decodePerSequenceSeconds: perSequence,
    decodePerContextTokenSeconds: 0,
    kvCacheTokens: options.kvCacheTokens,
    maxSequences: options.maxSequences ?? 256,
    maxModelLength: options.maxModelLength ?? options.kvCacheTokens,
    maxBatchedTokens: options.maxBatchedTokens ?? 2048,
    weightBytes: options.weightBytes ?? 0,
    basis: 'fitted',
    sources: results.map((r) => ({ url: r.source, figure: `request_rate ${r.requestRate}: ${r.outputThroughput.toFixed(1)} output tokens/s, TPOT ${(r.meanTpotSeconds * 1000).toFixed(2)} ms, TTFT ${(r.meanTtftSeconds * 1000).toFixed(1)} ms` })),
  };
}
