/**
 * Simulator benchmarks, called by `scripts/bench.ts` (`npm run bench`); also runnable alone:
 * `npx tsx scripts/bench-simulator.ts [runs]`.
 *
 * - one day at 1 s resolution with 15 s syncs for one service (goal: under 100 ms);
 * - 1,000 simulations of one hour (goal: under 30 s on a 2-core machine).
 *
 * The service is an LLM like the default app's: four metrics (requests per second, GPU
 * utilization, p95 latency from histogram buckets, CPU), the burst preset, 1-8 GPU replicas.
 */
import { resolveInferenceService, ScalingBehavior, ScalingMetric } from '../lib/core';
import { serviceFromResolved, simulate, SimulatedService, syntheticTrace, Trace, withBehaviorPreset } from '../lib/core/simulator';

/** One benchmark result, in milliseconds. */
export interface SimulatorBenchRow {
  readonly name: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly extra?: string;
}

function llm(): SimulatedService {
  const { service, problems } = resolveInferenceService({
    image: 'vllm/vllm-openai:v0.11.0',
    model: { loadTimeSeconds: 240 },
    gpu: { count: 1 },
    minReplicas: 1,
    maxReplicas: 8,
    metrics: [
      ScalingMetric.requestsPerSecond({ targetPerPod: 4 }),
      ScalingMetric.gpuUtilization({ targetPercent: 75 }),
      ScalingMetric.latency({ quantile: 0.95, targetSeconds: 4 }),
      ScalingMetric.cpuUtilization(80),
    ],
    behavior: ScalingBehavior.burst(),
  }, 'llm');
  if (!service) throw new Error(`bench service is invalid: ${JSON.stringify(problems)}`);
  return serviceFromResolved(service);
}

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function stats(name: string, samples: number[], extra: (median: number) => string): SimulatorBenchRow {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return { name, median, min: sorted[0], max: sorted[sorted.length - 1], extra: extra(median) };
}

/**
 * Runs the simulator benchmarks `runs` times each (after one warm-up) and returns their
 * timings. The 1,000-simulation batch runs at most 3 times: one batch takes seconds.
 */
export function benchSimulator(runs: number): SimulatorBenchRow[] {
  const service = llm();
  const rows: SimulatorBenchRow[] = [];

  // One day: a diurnal wave between 2 and 30 requests/s with Poisson arrivals.
  const day = syntheticTrace('diurnal', { durationSeconds: 86_400, base: 2, peak: 30, seed: 3 });
  let syncs = 0;
  simulate(service, day);
  const daySamples = Array.from({ length: runs }, () => time(() => {
    syncs = simulate(service, day).summary.syncs;
  }));
  rows.push(stats('sim 1 day, 1 s steps', daySamples, (m) => `${syncs} syncs, ${((m * 1000) / 86_400).toFixed(2)} µs/s; goal < 100 ms`));

  // 1,000 one-hour simulations: 4 behavior presets × 5 shapes × 50 seeds.
  const presets = ['configured', 'steady', 'queue', 'legacy'] as const;
  const services = presets.map((p) => withBehaviorPreset(service, p));
  const traces: Trace[] = [];
  const shapes = ['step', 'spike', 'diurnal', 'ramp', 'step'] as const;
  for (let seed = 1; seed <= 50; seed++) {
    shapes.forEach((shape, i) => traces.push(syntheticTrace(shape, { seed: seed * 10 + i, peak: i === 4 ? 35 : undefined })));
  }
  const batch = (): void => {
    for (const s of services) for (const t of traces) simulate(s, t);
  };
  const batchRuns = Math.max(1, Math.min(runs, 3));
  const batchSamples = Array.from({ length: batchRuns }, () => time(batch));
  rows.push(stats('sim 1,000 × 1 hour', batchSamples, (m) => `${(m / 1000).toFixed(2)} ms/simulation; goal < 30 s`));
  return rows;
}

if (require.main === module) {
  const runs = Number(process.argv[2] ?? 5);
  for (const r of benchSimulator(runs)) {
    console.log(`${r.name.padEnd(24)}${r.median.toFixed(1).padStart(10)}${r.min.toFixed(1).padStart(10)}${r.max.toFixed(1).padStart(10)}  ${r.extra ?? ''}`);
  }
}
