/**
 * What a serving profile says about one replica of a model on a GPU with an engine: how fast it
 * prefills, how long a decode step takes, how many tokens its KV cache holds.
 * @module
 */

/** A published measurement a profile was fitted to or is checked against. */
export interface ProfileSource {
  /** Where it was published. */
  readonly url: string;
  /** What it says, in a sentence with the figure. */
  readonly figure: string;
}

/**
 * One replica's serving performance: model × GPU × engine × tensor parallelism. Independent of
 * any autoscaling configuration.
 *
 * A decode step for a batch of `b` sequences whose contexts add up to `c` tokens takes
 * `decodeBaseSeconds + decodePerSequenceSeconds × b + decodePerContextTokenSeconds × c`:
 * every step reads the weights once (the base), does per-sequence work (sampling, scheduling,
 * the compute of one token), and reads each sequence's KV cache (the context term).
 */
export interface ServingProfile {
  /** Short id, e.g. `llama-3.1-8b/a100-40gb`. */
  readonly id: string;
  /** Model name as served (a Hugging Face id). */
  readonly model: string;
  /** GPU model. */
  readonly gpu: string;
  /** Inference engine and version the figures come from. */
  readonly engine: string;
  /** Tensor-parallel degree: GPUs one replica spans. */
  readonly tensorParallel: number;
  /** Prompt tokens per second one replica prefills when it does nothing else. */
  readonly prefillTokensPerSecond: number;
  /** Fixed part of a decode step, seconds (reading the weights). */
  readonly decodeBaseSeconds: number;
  /** Decode step time per sequence in the batch, seconds. */
  readonly decodePerSequenceSeconds: number;
  /** Decode step time per context token held by the batch, seconds (reading the KV cache). */
  readonly decodePerContextTokenSeconds: number;
  /** Tokens the KV cache holds (`gpu_memory_utilization` × memory − weights − activations, over the bytes per token). */
  readonly kvCacheTokens: number;
  /** Most sequences running at once (`--max-num-seqs`). */
  readonly maxSequences: number;
  /** Longest prompt + output (`--max-model-len`). */
  readonly maxModelLength: number;
  /** Most tokens one engine step processes (`--max-num-batched-tokens`): the prefill chunk plus the decodes. */
  readonly maxBatchedTokens: number;
  /** Bytes of weights the replica loads (for model load time). */
  readonly weightBytes: number;
  /** How the numbers were obtained: fitted to a measurement, or derived from data sheets and another profile's fit. */
  readonly basis: 'measured' | 'derived' | 'fitted';
  /** The published figures behind it. */
  readonly sources: readonly ProfileSource[];
}

/** Seconds of one decode step for `batch` sequences holding `contextTokens` tokens in all. */
export function decodeStepSeconds(profile: ServingProfile, batch: number, contextTokens: number): number {
  return profile.decodeBaseSeconds + profile.decodePerSequenceSeconds * batch + profile.decodePerContextTokenSeconds * contextTokens;
}
