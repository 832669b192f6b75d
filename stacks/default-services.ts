import { GpuNodePoolProps, InferenceServiceProps, ModelServer, ScalingBehavior, ScalingMetric } from '../lib/core';

/** Namespace of the default environment's inference services. */
export const DEFAULT_NAMESPACE = 'inference';

/**
 * The default environment's services, shared by the cdk8s app and the Pulumi program: an LLM on
 * GPUs scaling on requests per second, GPU utilization, p95 latency and CPU, and a small
 * CPU-only embedding service.
 */
export function defaultServices(): Record<string, InferenceServiceProps> {
  return {
    llm: {
      namespace: DEFAULT_NAMESPACE,
      image: 'vllm/vllm-openai:v0.11.0',
      modelServer: ModelServer.vllm({ version: '0.11' }),
      args: ['--model', 'Qwen/Qwen2.5-7B-Instruct', '--port', '8000'],
      model: { name: 'Qwen/Qwen2.5-7B-Instruct', loadTimeSeconds: 240 },
      gpu: { count: 1 },
      minReplicas: 1,
      maxReplicas: 8,
      metrics: [
        // vLLM names its series vllm:*; the catalogue defaults are ai_inference_*.
        ScalingMetric.requestsPerSecond({ targetPerPod: 4, counter: 'vllm:request_success_total' }),
        ScalingMetric.gpuUtilization({ targetPercent: 75 }),
        ScalingMetric.latency({ quantile: 0.95, targetSeconds: 4, histogram: 'vllm:e2e_request_latency_seconds' }),
        ScalingMetric.cpuUtilization(80),
      ],
      behavior: ScalingBehavior.burst(),
    },
    embeddings: {
      namespace: DEFAULT_NAMESPACE,
      image: 'ghcr.io/huggingface/text-embeddings-inference:cpu-1.8',
      modelServer: ModelServer.tei(),
      args: ['--model-id', 'BAAI/bge-small-en-v1.5', '--port', '8080'],
      port: 8080,
      metricsPort: 9000,
      model: { name: 'BAAI/bge-small-en-v1.5', loadTimeSeconds: 60 },
      resources: { cpu: { request: '2' }, memory: { request: '4Gi' } },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        ScalingMetric.cpuUtilization(70),
        ScalingMetric.requestsPerSecond({ targetPerPod: 50, counter: 'te_request_count' }),
      ],
      behavior: ScalingBehavior.steady(),
    },
  };
}

/**
 * The default environment's GPU nodes: NVIDIA A10G (24 GB), one per g5.xlarge node, scaling
 * from zero to eight nodes so the LLM's eight replicas always fit.
 */
export function defaultGpuNodePools(): GpuNodePoolProps[] {
  return [{ name: 'a10g', instanceType: 'g5.xlarge', minNodes: 0, maxNodes: 8 }];
}
