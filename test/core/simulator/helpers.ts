import { join } from 'node:path';
import { InferenceServiceProps, resolveInferenceService, ScalingBehavior, ScalingMetric } from '../../../lib/core';
import { serviceFromResolved, SimulatedService } from '../../../lib/core/simulator';

/** An LLM service like the default app's: 1-8 replicas of one GPU each, four metrics, burst preset. */
export function llmProps(overrides: Partial<InferenceServiceProps> = {}): InferenceServiceProps {
  return {
    namespace: 'inference',
    image: 'vllm/vllm-openai:v0.11.0',
    model: { name: 'Qwen/Qwen2.5-7B-Instruct', loadTimeSeconds: 240 },
    gpu: { count: 1 },
    minReplicas: 1,
    maxReplicas: 8,
    metrics: [
      ScalingMetric.requestsPerSecond({ targetPerPod: 4, counter: 'vllm:request_success_total' }),
      ScalingMetric.gpuUtilization({ targetPercent: 75 }),
      ScalingMetric.latency({ quantile: 0.95, targetSeconds: 4, histogram: 'vllm:e2e_request_latency_seconds' }),
      ScalingMetric.cpuUtilization(80),
    ],
    behavior: ScalingBehavior.burst(),
    ...overrides,
  };
}

/** The simulated service of {@link llmProps}. */
export function llmService(overrides: Partial<InferenceServiceProps> = {}): SimulatedService {
  const { service, problems } = resolveInferenceService(llmProps(overrides), 'llm');
  if (!service) throw new Error(problems.map((p) => `${p.path} ${p.message}`).join('; '));
  return serviceFromResolved(service);
}

/** First index at or after `from` where `pred` holds, or -1. */
export function firstIndex<T>(values: ArrayLike<T>, from: number, pred: (v: T, i: number) => boolean): number {
  for (let i = from; i < values.length; i++) if (pred(values[i], i)) return i;
  return -1;
}

/** The repository's real traces: `shared/traces` beside the checkout (CI lays a copy of shared/ there too). */
export const TRACES_DIR = join(__dirname, '..', '..', '..', '..', 'shared', 'traces');
