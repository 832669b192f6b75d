import { join } from 'node:path';
import { InferenceServiceProps, resolveInferenceService } from '../../../lib/core';
import { defaultServices, previousLlmMetrics } from '../../../stacks/default-services';
import { Cohort, serviceFromResolved, ServingObserver, SimulatedService } from '../../../lib/core/simulator';

/**
 * The default app's LLM (1-8 replicas of one GPU each, burst preset) on its previous four
 * metrics (requests per second, GPU utilization, p95 latency, CPU): one signal of each kind the
 * simulator reads. {@link shippedLlmService} is the LLM as shipped.
 */
export function llmProps(overrides: Partial<InferenceServiceProps> = {}): InferenceServiceProps {
  return { ...defaultServices().llm, metrics: previousLlmMetrics(), ...overrides };
}

/** The default app's LLM as shipped: vLLM's waiting requests, KV-cache use and TTFT. */
export function shippedLlmService(): SimulatedService {
  const { service, problems } = resolveInferenceService(defaultServices().llm, 'llm');
  if (!service) throw new Error(problems.map((p) => `${p.path} ${p.message}`).join('; '));
  return serviceFromResolved(service);
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

/** The repository's real traces, shipped in the package: `data/traces`. */
export const TRACES_DIR = join(__dirname, '..', '..', '..', 'data', 'traces');

/** What one replica reported: requests finished and failed, their output tokens, and tokens with their time apart. */
export function replicaLedger(): {
  seen: { finished: number; failed: number; tokens: number; interTokenSum: number; interTokenTokens: number };
  observer: ServingObserver;
} {
  const seen = { finished: 0, failed: 0, tokens: 0, interTokenSum: 0, interTokenTokens: 0 };
  return {
    seen,
    observer: {
      queueTime: () => undefined,
      timeToFirstToken: () => undefined,
      interTokenLatency: (tokens, seconds) => {
        seen.interTokenSum += tokens * seconds;
        seen.interTokenTokens += tokens;
      },
      finished: (count, _seconds, output) => {
        seen.finished += count;
        seen.tokens += count * output;
      },
      failed: (count) => {
        seen.failed += count;
      },
    },
  };
}

/** `count` requests that arrived at second `arrival`, `prompt` and `output` tokens each. */
export function cohort(count: number, arrival: number, prompt: number, output: number): Cohort {
  const c = new Cohort();
  c.count = count;
  c.arrival = arrival;
  c.prompt = prompt;
  c.output = output;
  return c;
}
