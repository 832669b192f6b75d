/**
 * Simulator benchmarks, called by `scripts/bench.ts` (`npm run bench`); also runnable alone:
 * `npx tsx scripts/bench-simulator.ts [runs] [batch]`.
 *
 * - one day at 1 s resolution with 15 s syncs for one service, on the default profile
 *   (Qwen2.5-7B on A10G, overloaded at the diurnal peak) and on an H100, with what each
 *   replica-second of the day cost;
 * - where a day's time goes: an idle day on one replica (the floor every simulated second pays)
 *   and the serving model alone for as many replica-seconds as the A10G day, with what each
 *   replica-second of serving adds;
 * - a batch of one-day simulations on a `SimulationPool` (the worker threads `simulateMany` and
 *   `tune` run on), one thread per core; 100 by default, with the time 1,000 would take: the
 *   pool's start once, then the batch's rate;
 * - `inferscale simulate --compare` as a user runs it: three behaviors on four hour-long traces,
 *   the two real Azure ones and two synthetic shapes (goal: under 1 s, so that comparing stays
 *   interactive).
 *
 * The goals that stand are the waits users have: this command, and `inferscale tune` over a
 * one-day trace (`scripts/bench-tune.ts`, under 2 minutes). The README's speed section says why
 * the first goals (100 ms per simulated day, 1,000 days a minute) were set aside.
 *
 * Two services, each on its own day:
 * - a stress case: an LLM on the signals the default app used to scale on (requests per second,
 *   GPU utilization, p95 latency from histogram buckets, CPU), 1-8 GPU replicas, on a day
 *   between 2 and 30 requests/s, far more than eight A10Gs serve (most requests time out);
 * - the default app's LLM as it ships (waiting requests, KV-cache use, TTFT p95) on the
 *   `diurnal` shape's day (2 to 12 requests/s), the run `npm run compare-signals` makes.
 *
 * It times the simulator as the package ships it: the compiled JavaScript in `dist/` (`npm run
 * bench` builds it first), the code `npx inferscale simulate` and `tune` run, with worker threads
 * that load the compiled worker. Run from the TypeScript sources through tsx, the same
 * simulation is 10-20 % slower: tsx turns every cross-module binding into a property getter,
 * which the per-second loop reads millions of times.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { resolveInferenceService, ScalingBehavior, ScalingMetric } from '../lib/core';
import type { SimulatedService, SimulationInput, SimulationOptions, Trace } from '../lib/core/simulator';
import { defaultServices } from '../stacks/default-services';
import type { ServingAloneJob } from './bench-serving-alone';

/** The simulator's compiled module. */
const COMPILED = join(__dirname, '..', 'dist', 'core', 'simulator', 'index.js');
/** The compiled CLI, which `npx inferscale` runs. */
const COMPILED_CLI = join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!existsSync(COMPILED)) throw new Error(`${COMPILED} is missing: run \`npm run build\` first (\`npm run bench\` does)`);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { serviceFromResolved, simulate, SimulationPool, syntheticTrace, withBehaviorPreset } = require(COMPILED) as typeof import('../lib/core/simulator');

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

/** The default app's LLM as it ships. */
function shippedLlm(): SimulatedService {
  const { service, problems } = resolveInferenceService(defaultServices().llm, 'llm');
  if (!service) throw new Error(`the default LLM is invalid: ${JSON.stringify(problems)}`);
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

/** A time against its goal: `goal < 1 s: met`, or how many times over it is. */
function againstGoal(value: number, goal: number, unit: string): string {
  return `goal < ${goal} ${unit}: ${value < goal ? 'met' : `${(value / goal).toFixed(1)}× over`}`;
}

/**
 * One-day simulations in the batch benchmark by default: enough to measure the rate on all
 * cores while `npm run bench` stays a few minutes long (`--batch 1000` runs a thousand).
 */
export const DEFAULT_BATCH = 100;

/** A one-day trace: a diurnal wave between 2 and 30 requests/s with Poisson arrivals. */
function dayTrace(seed: number): Trace {
  return syntheticTrace('diurnal', { durationSeconds: 86_400, base: 2, peak: 30, seed });
}

/** The `diurnal` shape's day (2 to 12 requests/s), as `npm run compare-signals` runs it. */
function shippedDay(seed: number): Trace {
  return syntheticTrace('diurnal', { durationSeconds: 86_400, seed });
}

const PRESETS = ['configured', 'steady', 'queue', 'legacy'] as const;
const H100: SimulationOptions = { serving: { profile: 'llama-3.1-8b-fp8/h100' } };

/** Distinct one-day traces in a batch: the seeds cycle, so the batch's inputs stay a few megabytes. */
const BATCH_TRACES = 10;

/** Simulation `i` of a batch: a preset, a seed and a profile, all varied. */
function batchInput(service: SimulatedService, traces: readonly Trace[], i: number): SimulationInput {
  return { service: withBehaviorPreset(service, PRESETS[i % PRESETS.length]), trace: traces[i % traces.length], options: i % 2 === 0 ? {} : H100 };
}

/** One profile's timing of the shipped LLM's day: the median, ms, and its ready replica-seconds. */
interface ShippedDay {
  readonly median: number;
  readonly replicaSeconds: number;
}

/** Replica-seconds of ready replicas in a run: the seconds in which an engine served. */
function readyReplicaSeconds(result: ReturnType<typeof simulate>): number {
  let sum = 0;
  for (const ready of result.timeline.readyReplicas) sum += ready;
  return sum;
}

/**
 * What a simulated day costs, split in two: the floor every second pays whatever the traffic
 * (an idle day on one replica: the HPA syncs, scrapes, closing each second, the timeline), and
 * what each replica-second of serving adds, from the shipped LLM's two profiles (the same
 * traffic on fewer, faster replicas).
 */
function costModel(service: SimulatedService, runs: number, a10g: ShippedDay, h100: ShippedDay): SimulatorBenchRow {
  const idle: Trace = { name: 'idle', requests: new Float64Array(86_400) };
  simulate(service, idle);
  return stats('sim 1 day, 1 s, idle (no traffic), 1 replica', Array.from({ length: runs }, () => time(() => simulate(service, idle))), (floor) => {
    const perReplicaSecond = (a10g.median - h100.median) / (a10g.replicaSeconds - h100.replicaSeconds);
    return `the floor: ${((floor * 1000) / 86_400).toFixed(2)} µs per second; serving adds ${(perReplicaSecond * 1e6).toFixed(0)} ns per replica-second (the A10G day has ${(a10g.replicaSeconds / 1000).toFixed(0)}k)`;
  });
}

/**
 * The serving model alone, for as many replica-seconds as the shipped A10G day: five replicas
 * of the default profile, each given a cohort of 1 to 2.5 requests every second of the default
 * prompt and output lengths, nothing observed, no controller, no scrapes: what no change
 * around the serving model can remove. It runs in a worker thread of its own: in this process
 * the replicas' calls to their observer have already met the simulation's, and a second kind
 * of observer would slow both.
 */
async function servingAlone(runs: number, replicaSeconds: number): Promise<SimulatorBenchRow> {
  const replicas = 5;
  const seconds = Math.round(replicaSeconds / replicas);
  const samples = await new Promise<number[]>((resolve, reject) => {
    const job: ServingAloneJob = { compiled: COMPILED, replicas, seconds, runs };
    // The worker is TypeScript, loaded through tsx as the simulator's own worker is from source.
    const source = JSON.stringify(join(__dirname, 'bench-serving-alone.ts'));
    const worker = new Worker(`require('tsx/cjs'); require(${source});`, { eval: true, workerData: job });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return stats(`sim serving alone, ${(replicaSeconds / 1000).toFixed(0)}k replica-seconds`, samples, (m) => `${((m * 1e6) / replicaSeconds).toFixed(0)} ns per replica-second with nothing observed`);
}

/** Hour-long traces of the comparison: the real Azure ones (the README's example) and two synthetic shapes. */
const COMPARE_TRACES = ['code', 'conv', 'diurnal', 'step'];
/** Behaviors of the comparison, each run on every trace. */
const COMPARE_BEHAVIORS = ['configured', 'steady', 'legacy'];
/** The command line, as a user types it after `npx inferscale`. */
const COMPARE_ARGS = ['simulate', '--service', 'llm', '--trace', COMPARE_TRACES.join(','), '--compare', COMPARE_BEHAVIORS.join(',')];

/**
 * `inferscale simulate --compare` as a user runs it, through the compiled CLI in this process:
 * reading the default app's manifests in `charts-out/`, the traces, twelve simulations and the
 * table. The process's own start (about 0.3 s) is not counted.
 */
async function compareCommand(runs: number): Promise<SimulatorBenchRow> {
  const { main } = require(COMPILED_CLI) as typeof import('../lib/cli/main');
  const once = async (): Promise<number> => {
    const start = process.hrtime.bigint();
    const code = await main(COMPARE_ARGS, { stdout: () => undefined, stderr: () => undefined, stderrIsTty: false, cwd: join(__dirname, '..'), env: {} });
    if (code !== 0) throw new Error(`inferscale ${COMPARE_ARGS.join(' ')} exited ${String(code)}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  await once();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once());
  const [behaviors, traces] = [COMPARE_BEHAVIORS.length, COMPARE_TRACES.length];
  return stats(`simulate --compare, ${behaviors} behaviors × ${traces} traces`, samples, (m) => `${behaviors * traces} one-hour runs and the table; ${againstGoal(m / 1000, 1, 's')}`);
}

/** A batch's wall times, ms: starting the pool (threads up, code compiled, one simulation each), then `count` simulations on it. */
interface BatchTimes {
  readonly start: number;
  readonly run: number;
}

/**
 * `count` one-day simulations on a pool of `workers` threads: the pool is started by a first
 * batch of one simulation per thread, timed apart, so that the time of a batch of any size
 * follows from the two (a thread's start-up is paid once, not once per hundred simulations).
 */
async function runBatch(service: SimulatedService, count: number, workers: number, trace: (seed: number) => Trace): Promise<BatchTimes> {
  const traces = Array.from({ length: Math.min(count, BATCH_TRACES) }, (_, i) => trace(1000 + i));
  const inputs = Array.from({ length: count }, (_, i) => batchInput(service, traces, i));
  const pool = new SimulationPool(workers, 'bench');
  try {
    let start = process.hrtime.bigint();
    await pool.run(inputs.slice(0, workers));
    const started = Number(process.hrtime.bigint() - start) / 1e6;
    start = process.hrtime.bigint();
    await pool.run(inputs);
    return { start: started, run: Number(process.hrtime.bigint() - start) / 1e6 };
  } finally {
    await pool.close();
  }
}

/**
 * Runs the simulator benchmarks: each one-day benchmark `runs` times (after one warm-up), the
 * batch of `batch` one-day simulations once.
 */
export async function benchSimulator(runs: number, batch = DEFAULT_BATCH): Promise<SimulatorBenchRow[]> {
  const cases: readonly { name: string; service: SimulatedService; day: (seed: number) => Trace }[] = [
    { name: 'stress', service: llm(), day: dayTrace },
    { name: 'shipped LLM', service: shippedLlm(), day: shippedDay },
  ];
  const rows: SimulatorBenchRow[] = [];
  /** Per profile of the shipped LLM: its median and its ready replica-seconds. */
  const shipped: Partial<Record<'A10G' | 'H100', ShippedDay>> = {};
  for (const c of cases) {
    const day = c.day(3);
    for (const [profile, options] of [['A10G', {}], ['H100', H100]] as const) {
      let syncs = 0;
      const replicaSeconds = readyReplicaSeconds(simulate(c.service, day, options));
      const samples = Array.from({ length: runs }, () => time(() => {
        syncs = simulate(c.service, day, options).summary.syncs;
      }));
      const row = stats(`sim 1 day, 1 s, ${c.name}, ${profile}`, samples, (m) => `${syncs} syncs, ${(replicaSeconds / 1000).toFixed(0)}k replica-seconds: ${((m * 1e6) / replicaSeconds).toFixed(0)} ns per replica-second all told`);
      rows.push(row);
      if (c.name === 'shipped LLM') shipped[profile] = { median: row.median, replicaSeconds };
    }
  }
  const { A10G: a10g, H100: h100 } = shipped;
  if (!a10g || !h100) throw new Error('the shipped LLM was not timed on both profiles');
  rows.push(costModel(shippedLlm(), runs, a10g, h100));
  rows.push(await servingAlone(runs, a10g.replicaSeconds));
  rows.push(await compareCommand(runs));
  const workers = Math.max(1, availableParallelism());
  for (const c of cases) {
    const { start, run } = await runBatch(c.service, batch, workers, c.day);
    const perSimulation = run / batch;
    // Starting the pool (its first simulation on each thread included), then 1,000 at the batch's rate.
    const thousand = (start + perSimulation * 1000) / 1000;
    rows.push({ name: `sim ${batch.toLocaleString('en-US')} × 1 day, ${c.name}, ${workers} workers`, median: run, min: run, max: run, extra: `${perSimulation.toFixed(1)} ms/simulation wall once the pool is up (${(start / 1000).toFixed(1)} s to start it); 1,000 would take ${thousand.toFixed(0)} s` });
  }
  return rows;
}

if (require.main === module) {
  const runs = Number(process.argv[2] ?? 5);
  const batch = Number(process.argv[3] ?? DEFAULT_BATCH);
  void benchSimulator(runs, batch).then((rows) => {
    for (const r of rows) {
      console.log(`${r.name.padEnd(44)}${r.median.toFixed(1).padStart(10)}${r.min.toFixed(1).padStart(10)}${r.max.toFixed(1).padStart(10)}  ${r.extra ?? ''}`);
    }
  });
}
