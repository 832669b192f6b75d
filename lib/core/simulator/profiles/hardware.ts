/**
 * GPUs and models as their data sheets and configs state them: the facts a serving profile is
 * derived from.
 * @module
 */

/** A GPU as its data sheet states it. */
export interface GpuSpec {
  /** Name, e.g. `A100 40GB SXM`. */
  readonly name: string;
  /** Memory, bytes. */
  readonly memoryBytes: number;
  /** Memory bandwidth, bytes per second. */
  readonly memoryBandwidth: number;
  /** Dense BF16/FP16 tensor throughput, FLOP/s (without sparsity). */
  readonly denseFlops: number;
  /** The data sheet. */
  readonly dataSheet: string;
}

/** A model as its config states it. */
export interface ModelSpec {
  /** Hugging Face id. */
  readonly name: string;
  /** Parameters. */
  readonly parameters: number;
  /** Bytes per weight (2 for BF16, 1 for FP8). */
  readonly bytesPerWeight: number;
  /** KV-cache bytes per token: layers × KV heads × head size × 2 (K and V) × 2 bytes (BF16 cache). */
  readonly kvBytesPerToken: number;
  /** `max_position_embeddings`. */
  readonly maxContext: number;
  /** The config it comes from. */
  readonly config: string;
}

const GB = 1e9;
const TERA = 1e12;

/** GPUs of the shipped profiles. */
export const GPUS = {
  /** AWS's A10 variant (g5 instances); the A10 data sheet's figures. */
  a10g: { name: 'A10G', memoryBytes: 24 * GB, memoryBandwidth: 600 * GB, denseFlops: 125 * TERA, dataSheet: 'https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a10/pdf/a10-datasheet.pdf' },
  /** g6 instances. */
  l4: { name: 'L4', memoryBytes: 24 * GB, memoryBandwidth: 300 * GB, denseFlops: 121 * TERA, dataSheet: 'https://www.nvidia.com/en-us/data-center/l4/' },
  /** g6e instances. */
  l40s: { name: 'L40S', memoryBytes: 48 * GB, memoryBandwidth: 864 * GB, denseFlops: 362 * TERA, dataSheet: 'https://www.nvidia.com/en-us/data-center/l40s/' },
  /** p4d instances. */
  a100: { name: 'A100 40GB SXM', memoryBytes: 40 * GB, memoryBandwidth: 1555 * GB, denseFlops: 312 * TERA, dataSheet: 'https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf' },
  /** p5 instances. */
  h100: { name: 'H100 80GB SXM', memoryBytes: 80 * GB, memoryBandwidth: 3350 * GB, denseFlops: 989 * TERA, dataSheet: 'https://www.nvidia.com/en-us/data-center/h100/' },
} as const satisfies Record<string, GpuSpec>;

/** KV bytes per token of a model with `layers`, `kvHeads` of size `headSize`, in a BF16 cache. */
function kvBytes(layers: number, kvHeads: number, headSize: number): number {
  const keyAndValue = 2;
  const bf16 = 2;
  return layers * kvHeads * headSize * keyAndValue * bf16;
}

/** Models of the shipped profiles. */
export const MODELS = {
  /** The default app's model. */
  qwen25_7b: { name: 'Qwen/Qwen2.5-7B-Instruct', parameters: 7.62e9, bytesPerWeight: 2, kvBytesPerToken: kvBytes(28, 4, 128), maxContext: 32768, config: 'https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/config.json' },
  llama31_8b: { name: 'meta-llama/Llama-3.1-8B-Instruct', parameters: 8.03e9, bytesPerWeight: 2, kvBytesPerToken: kvBytes(32, 8, 128), maxContext: 131072, config: 'https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/blob/main/config.json' },
  llama31_8b_fp8: { name: 'neuralmagic/Meta-Llama-3.1-8B-Instruct-FP8', parameters: 8.03e9, bytesPerWeight: 1, kvBytesPerToken: kvBytes(32, 8, 128), maxContext: 131072, config: 'https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/blob/main/config.json' },
  llama2_7b: { name: 'meta-llama/Llama-2-7b-chat-hf', parameters: 6.74e9, bytesPerWeight: 2, kvBytesPerToken: kvBytes(32, 32, 128), maxContext: 4096, config: 'https://huggingface.co/meta-llama/Llama-2-7b-chat-hf/blob/main/config.json' },
  llama31_70b_fp8: { name: 'neuralmagic/Meta-Llama-3.1-70B-Instruct-FP8', parameters: 70.6e9, bytesPerWeight: 1, kvBytesPerToken: kvBytes(80, 8, 128), maxContext: 131072, config: 'https://huggingface.co/meta-llama/Llama-3.1-70B-Instruct/blob/main/config.json' },
} as const satisfies Record<string, ModelSpec>;
