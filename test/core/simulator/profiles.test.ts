import { decodeStepSeconds, Replica, SERVING_PROFILES, ServingProfile, steadyState } from '../../../lib/core/simulator';
import {
  A100_FIT,
  A100_MEASUREMENT,
  A10G_MEASUREMENT,
  LAMBDA_MEASUREMENTS,
  PREFILL_COMPUTE_EFFICIENCY,
} from '../../../lib/core/simulator/profiles/catalogue';
import { GPUS, MODELS } from '../../../lib/core/simulator/profiles/hardware';
import { cohort, replicaLedger } from './helpers';

/** Within 15 % of the published figure. */
const FIDELITY = 0.15;

function expectWithin(value: number, published: number): void {
  expect(Math.abs(value / published - 1)).toBeLessThanOrEqual(FIDELITY);
}

/** `vllm bench serve --max-concurrency C`: a new request whenever one finishes. Returns the mean time between tokens. */
function closedLoop(profile: ServingProfile, concurrency: number, prompt: number, output: number, seconds: number): number {
  const { seen, observer } = replicaLedger();
  const replica = new Replica(profile, 1e9, observer);
  for (let t = 0; t < seconds; t++) {
    const missing = concurrency - replica.outstanding();
    if (missing > 1e-9) replica.enqueue(cohort(missing, t, prompt, output));
    replica.step(t);
  }
  return seen.interTokenSum / seen.interTokenTokens;
}

/** `request_rate inf`: every prompt at once, until all finish. Returns requests/s and output tokens/s. */
function allAtOnce(profile: ServingProfile, prompts: number, prompt: number, output: number): { requestsPerSecond: number; outputTokensPerSecond: number } {
  const { seen, observer } = replicaLedger();
  const replica = new Replica(profile, 1e9, observer);
  replica.enqueue(cohort(prompts, 0, prompt, output));
  let t = 0;
  while (seen.finished < prompts - 1e-6 && t < 100_000) replica.step(t++);
  return { requestsPerSecond: prompts / t, outputTokensPerSecond: seen.tokens / t };
}

describe('each measured profile reproduces the figure it was fitted to, replayed through the serving model', () => {
  test('Llama-3.1-8B on A100 40GB: ~75 tokens/s at one request at a time, 6.6 × that at eight', () => {
    const p = SERVING_PROFILES['llama-3.1-8b/a100-40gb'];
    const m = A100_MEASUREMENT;
    expectWithin(1 / closedLoop(p, 1, m.promptTokens, m.outputTokens, 600), m.single.outputTokensPerSecond);
    expectWithin(8 / closedLoop(p, 8, m.promptTokens, m.outputTokens, 600), m.eight.outputTokensPerSecond);
  });

  test('Llama-2-7b on A10G: 3.84 requests/s with 1,000 prompts of 256 in / 128 out at once', () => {
    const m = A10G_MEASUREMENT;
    expectWithin(allAtOnce(SERVING_PROFILES['llama-2-7b/a10g'], m.prompts, m.promptTokens, m.outputTokens).requestsPerSecond, m.requestsPerSecond);
  });

  test('Llama-3.1-8B FP8 on H100: 3,400 output tokens/s with 320 ShareGPT-sized prompts at once', () => {
    const m = LAMBDA_MEASUREMENTS;
    expectWithin(allAtOnce(SERVING_PROFILES['llama-3.1-8b-fp8/h100'], 320, m.promptTokens, m.outputTokens).outputTokensPerSecond, m.h100Llama8bFp8.outputTokensPerSecond);
  });

  test('Llama-3.1-70B FP8 on 4 × H100: 2,243 output tokens/s with 320 ShareGPT-sized prompts at once', () => {
    const m = LAMBDA_MEASUREMENTS;
    expectWithin(allAtOnce(SERVING_PROFILES['llama-3.1-70b-fp8/4xh100'], 320, m.promptTokens, m.outputTokens).outputTokensPerSecond, m.h100x4Llama70bFp8.outputTokensPerSecond);
  });

  test('the A100 fit is physical: the engine reaches about 80 % of the data sheet\'s memory bandwidth', () => {
    expect(A100_FIT.bandwidthEfficiency).toBeGreaterThan(0.7);
    expect(A100_FIT.bandwidthEfficiency).toBeLessThan(0.9);
    expect(A100_FIT.perSequenceSeconds).toBeGreaterThan(0);
  });
});

describe('derived profiles follow the data-sheet roofline with the fitted engine', () => {
  // These have no measurement of their own: they are the A10G or A100 fit applied to another
  // GPU's data sheet and model. What is checked is the derivation, not a benchmark.
  test.each([
    ['qwen2.5-7b/a10g', MODELS.qwen25_7b, GPUS.a10g],
    ['llama-3.1-8b/a10g', MODELS.llama31_8b, GPUS.a10g],
    ['llama-3.1-8b/l4', MODELS.llama31_8b, GPUS.l4],
    ['llama-3.1-8b/l40s', MODELS.llama31_8b, GPUS.l40s],
  ] as const)('%s: one sequence decodes at the weights over the effective bandwidth; prefill at half the tensor throughput', (id, model, gpu) => {
    const p = SERVING_PROFILES[id];
    expect(p.basis).toBe('derived');
    const weights = model.parameters * model.bytesPerWeight;
    expectWithin(decodeStepSeconds(p, 1, 0), weights / (gpu.memoryBandwidth * A100_FIT.bandwidthEfficiency));
    expect(p.prefillTokensPerSecond).toBeCloseTo((gpu.denseFlops * PREFILL_COMPUTE_EFFICIENCY) / (2 * model.parameters), 6);
    expect(p.sources.map((s) => s.url)).toContain(gpu.dataSheet);
  });

  test('every shipped profile cites its sources and fits its weights in its GPUs', () => {
    for (const p of Object.values(SERVING_PROFILES)) {
      expect(p.sources.length).toBeGreaterThanOrEqual(3);
      expect(p.kvCacheTokens).toBeGreaterThan(4096);
      expect(p.maxModelLength).toBeLessThanOrEqual(p.kvCacheTokens);
    }
  });
});

describe('the steady state agrees with the replayed serving model', () => {
  test('at a steady rate below capacity the replica decodes the batch Little\'s law gives, at its step time', () => {
    const p = SERVING_PROFILES['qwen2.5-7b/a10g'];
    const rate = 1;
    const s = steadyState(p, rate, 1155, 211);
    const { seen, observer } = replicaLedger();
    const replica = new Replica(p, 1e9, observer);
    let running = 0;
    for (let t = 0; t < 1200; t++) {
      replica.enqueue(cohort(rate, t, 1155, 211));
      replica.step(t);
      if (t >= 300) running += replica.running();
    }
    expect(running / 900 / s.batch).toBeGreaterThan(0.85);
    expect(running / 900 / s.batch).toBeLessThan(1.15);
    expectWithin(seen.interTokenSum / seen.interTokenTokens, s.interTokenSeconds);
  });
});
