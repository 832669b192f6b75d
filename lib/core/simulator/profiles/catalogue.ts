/**
 * The shipped serving profiles. Each is derived from a GPU data sheet and a model config by a
 * roofline (a decode step reads the weights and the batch's KV cache; a prefill is bound by
 * tensor throughput), with the engine's efficiency fitted to a published vLLM measurement. The
 * fidelity tests (`test/core/simulator/profiles.test.ts`) replay each measurement through the
 * simulator's serving model and check the published figure within 15 %.
 * @module
 */
import { GPUS, GpuSpec, MODELS, ModelSpec } from './hardware';
import type { ProfileSource, ServingProfile } from './types';

/**
 * vLLM's default `--gpu-memory-utilization`: the share of GPU memory the engine takes for
 * weights, activations and KV cache.
 * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html
 */
export const GPU_MEMORY_UTILIZATION = 0.9;
/**
 * Memory per GPU the engine keeps for activations, CUDA graphs and the non-PyTorch runtime
 * before it sizes the KV cache (vLLM profiles a forward pass at start-up; for 7-8B models the
 * peak is one to two GB).
 */
export const ACTIVATION_RESERVE_BYTES = 2e9;
/**
 * Share of peak tensor throughput a whole prefill reaches: its GEMMs run near 80 % of peak, and
 * attention, norms and sampling bring a forward pass to about half.
 */
export const PREFILL_COMPUTE_EFFICIENCY = 0.5;
/**
 * vLLM's default `--max-num-seqs` and `--max-num-batched-tokens` for the OpenAI server with
 * chunked prefill (larger on H100-class GPUs).
 * @see https://github.com/vllm-project/vllm/blob/main/vllm/engine/arg_utils.py
 */
export const ENGINE_LIMITS = {
  /** Most GPUs. */
  default: { maxSequences: 256, maxBatchedTokens: 2048 },
  /** H100 and newer. */
  hopper: { maxSequences: 1024, maxBatchedTokens: 8192 },
} as const;

/** An engine's efficiency on a GPU family: what the data sheet's roofline misses. */
export interface EngineFit {
  /** Share of the data sheet's memory bandwidth a decode step reaches. */
  readonly bandwidthEfficiency: number;
  /** Decode step time per sequence, seconds (sampling, scheduling, one token of compute). */
  readonly perSequenceSeconds: number;
  /** The measurements it was fitted to. */
  readonly sources: readonly ProfileSource[];
}

/** A decode step as measured: batch, the tokens its contexts hold, and the step time. */
export interface MeasuredStep {
  /** Sequences in the batch. */
  readonly batch: number;
  /** Context tokens held by the whole batch. */
  readonly contextTokens: number;
  /** Seconds per step (time per output token). */
  readonly stepSeconds: number;
}

/**
 * Fits bandwidth efficiency and per-sequence time to two measured decode steps of `model` on
 * `gpu`: `step = (weights + kv × context) / (bandwidth × efficiency) + perSequence × batch`.
 */
export function fitEngine(model: ModelSpec, gpu: GpuSpec, tensorParallel: number, a: MeasuredStep, b: MeasuredStep, sources: readonly ProfileSource[]): EngineFit {
  const weights = model.parameters * model.bytesPerWeight;
  const bytesA = weights + model.kvBytesPerToken * a.contextTokens;
  const bytesB = weights + model.kvBytesPerToken * b.contextTokens;
  // bytesA·x + a.batch·s = stepA; bytesB·x + b.batch·s = stepB, with x = 1 / effective bandwidth.
  const x = (a.stepSeconds * b.batch - b.stepSeconds * a.batch) / (bytesA * b.batch - bytesB * a.batch);
  const perSequenceSeconds = (a.stepSeconds - bytesA * x) / a.batch;
  return { bandwidthEfficiency: 1 / (x * gpu.memoryBandwidth * tensorParallel), perSequenceSeconds, sources };
}

/** Fits only the per-sequence time to one measured step, taking the bandwidth efficiency of `like`. */
export function fitPerSequence(model: ModelSpec, gpu: GpuSpec, tensorParallel: number, like: EngineFit, step: MeasuredStep, sources: readonly ProfileSource[]): EngineFit {
  const bandwidth = gpu.memoryBandwidth * tensorParallel * like.bandwidthEfficiency;
  const memorySeconds = (model.parameters * model.bytesPerWeight + model.kvBytesPerToken * step.contextTokens) / bandwidth;
  return { bandwidthEfficiency: like.bandwidthEfficiency, perSequenceSeconds: (step.stepSeconds - memorySeconds) / step.batch, sources: [...like.sources, ...sources] };
}

/** The profile of `model` on `tensorParallel` × `gpu` with an engine fit. */
export function deriveProfile(
  id: string, model: ModelSpec, gpu: GpuSpec, tensorParallel: number, fit: EngineFit, basis: ServingProfile['basis'],
  limits: { readonly maxSequences: number; readonly maxBatchedTokens: number } = ENGINE_LIMITS.default,
): ServingProfile {
  const weights = model.parameters * model.bytesPerWeight;
  const bandwidth = gpu.memoryBandwidth * tensorParallel * fit.bandwidthEfficiency;
  const kvBytes = tensorParallel * (gpu.memoryBytes * GPU_MEMORY_UTILIZATION - ACTIVATION_RESERVE_BYTES) - weights;
  if (!(kvBytes > 0)) throw new Error(`profile ${id}: the weights (${(weights / 1e9).toFixed(1)} GB) leave no KV cache on ${tensorParallel} × ${gpu.name}`);
  const kvCacheTokens = Math.floor(kvBytes / model.kvBytesPerToken);
  const flopsPerToken = 2 * model.parameters;
  return {
    id,
    model: model.name,
    gpu: tensorParallel > 1 ? `${tensorParallel} × ${gpu.name}` : gpu.name,
    engine: 'vLLM',
    tensorParallel,
    prefillTokensPerSecond: (gpu.denseFlops * tensorParallel * PREFILL_COMPUTE_EFFICIENCY) / flopsPerToken,
    decodeBaseSeconds: weights / bandwidth,
    decodePerSequenceSeconds: fit.perSequenceSeconds,
    decodePerContextTokenSeconds: model.kvBytesPerToken / bandwidth,
    kvCacheTokens,
    maxSequences: limits.maxSequences,
    maxModelLength: Math.min(model.maxContext, kvCacheTokens),
    maxBatchedTokens: limits.maxBatchedTokens,
    weightBytes: weights,
    basis,
    sources: [
      { url: gpu.dataSheet, figure: `${gpu.name}: ${gpu.memoryBytes / 1e9} GB, ${gpu.memoryBandwidth / 1e9} GB/s, ${gpu.denseFlops / 1e12} dense BF16 TFLOP/s` },
      { url: model.config, figure: `${model.name}: ${model.parameters / 1e9}B parameters, ${model.kvBytesPerToken} KV bytes per token` },
      ...fit.sources,
    ],
  };
}

/**
 * Llama-3.1-8B-Instruct (BF16) on one A100 40GB, vLLM 0.23, 1,024 prompt and 128 output tokens:
 * about 75 tokens/s at one request at a time, and 6.6 times that at eight.
 */
export const A100_MEASUREMENT = {
  source: {
    url: 'https://johnmusgrave.com/p/vllm-throughput-latency-sweep-on',
    figure: 'Llama-3.1-8B-Instruct BF16 on A100 40GB, vLLM 0.23, 1024 in / 128 out: ~75 tokens/s at concurrency 1, 6.6x that (~495 tokens/s) at concurrency 8',
  },
  promptTokens: 1024,
  outputTokens: 128,
  single: { concurrency: 1, outputTokensPerSecond: 75 },
  eight: { concurrency: 8, outputTokensPerSecond: 75 * 6.6 },
} as const;

/**
 * Lambda's vLLM 0.5.4 benchmark, 320 ShareGPT prompts at once: output tokens/s and mean
 * inter-token latency. ShareGPT prompts average about 230 tokens and outputs about 200.
 */
export const LAMBDA_MEASUREMENTS = {
  source: 'https://github.com/LambdaLabsML/vllm-benchmark/blob/main/benchmark_v0.md',
  h100Llama8bFp8: { figure: '1xH100-80GB-SXM, Meta-Llama-3.1-8B-FP8: 3400.4 output tokens/s at 19.75 ms inter-token latency (320 prompts)', outputTokensPerSecond: 3400.4, interTokenSeconds: 0.01975 },
  h100x4Llama70bFp8: { figure: '4xH100-80GB-SXM, Meta-Llama-3.1-70B-Instruct-FP8: 2242.99 output tokens/s at 38.26 ms inter-token latency (320 prompts)', outputTokensPerSecond: 2242.99, interTokenSeconds: 0.03826 },
  /** Mean ShareGPT prompt length, tokens (vLLM's own ShareGPT run: 229,711 input tokens for 1,000 prompts). */
  promptTokens: 230,
  /** Mean ShareGPT output length, tokens (same run: 203,068 generated tokens). */
  outputTokens: 203,
} as const;

/**
 * Llama-2-7b on one A10G, vLLM's throughput benchmark (1,000 prompts at once, 256 in / 128 out):
 * 3.84 requests/s.
 */
export const A10G_MEASUREMENT = {
  source: {
    url: 'https://github.com/neuralmagic/nm-vllm/commit/4c041221fb69670a5aa00d30d1bcf656586b7e3c',
    figure: 'NousResearch/Llama-2-7b-chat-hf on NVIDIA A10G x 1, benchmark_throughput 256 in / 128 out, 1000 prompts: 3.84 requests/s',
  },
  promptTokens: 256,
  outputTokens: 128,
  prompts: 1000,
  requestsPerSecond: 3.84,
} as const;

/** The engine fit of vLLM on A100, from {@link A100_MEASUREMENT}: a concurrency of 1 and of 8. */
export const A100_FIT: EngineFit = (() => {
  const m = A100_MEASUREMENT;
  // Mean context over a request's decode: the prompt plus half the output.
  const context = m.promptTokens + m.outputTokens / 2;
  return fitEngine(MODELS.llama31_8b, GPUS.a100, 1,
    { batch: 1, contextTokens: context, stepSeconds: m.single.concurrency / m.single.outputTokensPerSecond },
    { batch: 8, contextTokens: 8 * context, stepSeconds: m.eight.concurrency / m.eight.outputTokensPerSecond },
    [m.source]);
})();

/** Little's law on a measured run: the mean batch is throughput × time per token. */
function lambdaStep(m: { readonly outputTokensPerSecond: number; readonly interTokenSeconds: number }): MeasuredStep {
  const batch = m.outputTokensPerSecond * m.interTokenSeconds;
  return { batch, contextTokens: batch * (LAMBDA_MEASUREMENTS.promptTokens + LAMBDA_MEASUREMENTS.outputTokens / 2), stepSeconds: m.interTokenSeconds };
}

const H100_FIT = fitPerSequence(MODELS.llama31_8b_fp8, GPUS.h100, 1, A100_FIT, lambdaStep(LAMBDA_MEASUREMENTS.h100Llama8bFp8),
  [{ url: LAMBDA_MEASUREMENTS.source, figure: LAMBDA_MEASUREMENTS.h100Llama8bFp8.figure }]);
const H100X4_FIT = fitPerSequence(MODELS.llama31_70b_fp8, GPUS.h100, 4, A100_FIT, lambdaStep(LAMBDA_MEASUREMENTS.h100x4Llama70bFp8),
  [{ url: LAMBDA_MEASUREMENTS.source, figure: LAMBDA_MEASUREMENTS.h100x4Llama70bFp8.figure }]);

/**
 * The A10G fit: bandwidth efficiency from A100, per-sequence time from {@link A10G_MEASUREMENT}
 * replayed as its steady state (KV-limited batch; prefill and decode sharing the GPU).
 */
const A10G_FIT: EngineFit = (() => {
  const m = A10G_MEASUREMENT;
  const model = MODELS.llama2_7b;
  const probe = deriveProfile('probe', model, GPUS.a10g, 1, { ...A100_FIT, perSequenceSeconds: 0 }, 'measured');
  // The engine admits while the prompt fits; a sequence holds its prompt and half its output on average.
  const batch = Math.min(probe.maxSequences, probe.kvCacheTokens / (m.promptTokens + m.outputTokens / 2));
  const prefillShare = (m.requestsPerSecond * m.promptTokens) / probe.prefillTokensPerSecond;
  const outputPerSecond = m.requestsPerSecond * m.outputTokens;
  const stepSeconds = (batch * (1 - prefillShare)) / outputPerSecond;
  return fitPerSequence(model, GPUS.a10g, 1, A100_FIT, { batch, contextTokens: batch * (m.promptTokens + m.outputTokens / 2), stepSeconds }, [m.source]);
})();

/** Every shipped profile by id. */
export const SERVING_PROFILES: Readonly<Record<string, ServingProfile>> = Object.fromEntries([
  deriveProfile('llama-2-7b/a10g', MODELS.llama2_7b, GPUS.a10g, 1, A10G_FIT, 'measured'),
  // The default app's model on its GPU: A10G's roofline with the A10G engine fit.
  deriveProfile('qwen2.5-7b/a10g', MODELS.qwen25_7b, GPUS.a10g, 1, A10G_FIT, 'derived'),
  deriveProfile('llama-3.1-8b/a10g', MODELS.llama31_8b, GPUS.a10g, 1, A10G_FIT, 'derived'),
  deriveProfile('llama-3.1-8b/l4', MODELS.llama31_8b, GPUS.l4, 1, A100_FIT, 'derived'),
  deriveProfile('llama-3.1-8b/l40s', MODELS.llama31_8b, GPUS.l40s, 1, A100_FIT, 'derived'),
  deriveProfile('llama-3.1-8b/a100-40gb', MODELS.llama31_8b, GPUS.a100, 1, A100_FIT, 'measured'),
  deriveProfile('llama-3.1-8b-fp8/h100', MODELS.llama31_8b_fp8, GPUS.h100, 1, H100_FIT, 'measured', ENGINE_LIMITS.hopper),
  deriveProfile('llama-3.1-70b-fp8/4xh100', MODELS.llama31_70b_fp8, GPUS.h100, 4, H100X4_FIT, 'measured', ENGINE_LIMITS.hopper),
].map((p) => [p.id, p]));

/** The profile simulated when none is given: the default app's model and GPU. */
export const DEFAULT_PROFILE_ID = 'qwen2.5-7b/a10g';
