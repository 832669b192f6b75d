import { GpuNodePoolProps, InferenceServiceProps, ModelServer, ScalingBehavior, ScalingMetric } from '../lib/core';
import { deriveSaturationTargets, LatencySlo, SaturationTargets, SERVING_PROFILES, WorkloadShape } from '../lib/core/simulator';

/** Namespace of the default environment's inference services. */
export const DEFAULT_NAMESPACE = 'inference';

/** The default LLM's serving profile: Qwen2.5-7B-Instruct on one A10G with vLLM. */
export const DEFAULT_LLM_PROFILE = 'qwen2.5-7b/a10g';

/**
 * The default LLM's SLO: TTFT p95 2 s and time per output token p95 0.2 s, MLPerf Inference's
 * server-scenario limits for Llama 2 70B (the simulator's default SLOs).
 * @see https://mlcommons.org/benchmarks/inference-datacenter/
 */
export const DEFAULT_LLM_SLO: LatencySlo = { ttftP95Seconds: 2, tpotP95Seconds: 0.2 };

/** The default LLM's mean request: the Azure LLM inference conversation trace's means (data/traces). */
export const DEFAULT_LLM_WORKLOAD: WorkloadShape = { promptTokens: 1155, outputTokens: 211 };

/** The default LLM's HPA targets, derived from its profile, mean request and SLO. */
export function defaultLlmTargets(): SaturationTargets {
  return deriveSaturationTargets(SERVING_PROFILES[DEFAULT_LLM_PROFILE], DEFAULT_LLM_WORKLOAD, DEFAULT_LLM_SLO);
}

/**
 * What the default LLM scaled on before it scaled on saturation signals: completed requests per
 * second, GPU utilization, end-to-end p95 latency and CPU. Kept as the baseline that
 * `npm run compare-signals` simulates the saturation signals against, and as a fixture of every
 * path `explain` describes.
 */
export function previousLlmMetrics(): ScalingMetric[] {
  return [
    ScalingMetric.requestsPerSecond({ targetPerPod: 4, counter: 'vllm:request_success_total' }),
    ScalingMetric.gpuUtilization({ targetPercent: 75 }),
    ScalingMetric.latency({ quantile: 0.95, targetSeconds: 4, histogram: 'vllm:e2e_request_latency_seconds' }),
    ScalingMetric.cpuUtilization(80),
  ];
}

/**
 * The default environment's services, shared by the cdk8s app and the Pulumi program: an LLM on
 * GPUs scaling on the engine's saturation signals (requests waiting, KV-cache use, with time to
 * first token as the user-facing guard), and a small CPU-only embedding service.
 */
export function defaultServices(): Record<string, InferenceServiceProps> {
  const targets = defaultLlmTargets();
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
      // Saturation signals, with targets from the serving profile and the SLO (defaultLlmTargets):
      // waiting requests 1 per pod, KV-cache use 0.8, TTFT p95 1 s. GPU utilization sits near
      // 100 % with one request under continuous batching, and CPU is noise on a GPU server.
      metrics: [
        ScalingMetric.waitingRequests({ targetPerPod: targets.waitingPerPod }),
        ScalingMetric.kvCacheUsage({ targetRatio: targets.kvCacheUsage }),
        ScalingMetric.timeToFirstToken({ quantile: 0.95, targetSeconds: targets.ttftP95Seconds }),
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
