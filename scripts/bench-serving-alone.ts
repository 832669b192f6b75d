/**
 * The worker of the bench's "serving alone" row (`scripts/bench-simulator.ts`): the serving
 * model of the compiled package, with nothing observed, no controller and no scrapes. It times
 * `runs` runs (after one to warm up) and posts their times, ms.
 *
 * It runs in a thread of its own because, in the bench's process, the replicas' calls to their
 * observer have already met the simulation's observer, and a second kind would slow both.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type * as Simulator from '../lib/core/simulator';

/** What the bench hands the worker. */
export interface ServingAloneJob {
  /** Path of the compiled simulator module. */
  readonly compiled: string;
  /** Replicas served side by side. */
  readonly replicas: number;
  /** Simulated seconds per run. */
  readonly seconds: number;
  /** Timed runs. */
  readonly runs: number;
}

const { compiled, replicas, seconds, runs } = workerData as ServingAloneJob;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Cohort, DEFAULT_OUTPUT_TOKENS, DEFAULT_PROFILE_ID, DEFAULT_PROMPT_TOKENS, Replica, SERVING_PROFILES } = require(compiled) as typeof Simulator;
const profile = SERVING_PROFILES[DEFAULT_PROFILE_ID];
const ignore: Simulator.ServingObserver = { queueTime() {}, timeToFirstToken() {}, interTokenLatency() {}, finished() {}, failed() {} };

/** `replicas` replicas, each given a cohort of 1 to 2.5 requests of the default lengths every second for `seconds` seconds. */
function run(): void {
  const engines = Array.from({ length: replicas }, () => new Replica(profile, 600, ignore));
  let x = 0.3;
  for (let t = 0; t < seconds; t++) {
    for (const r of engines) {
      // A linear congruential sequence: the same cohorts every run.
      x = ((x * 9301 + 49297) % 233280) / 233280;
      const c = Cohort.take();
      c.count = 1 + 1.5 * x;
      c.arrival = t;
      c.prompt = DEFAULT_PROMPT_TOKENS;
      c.output = DEFAULT_OUTPUT_TOKENS;
      r.enqueue(c);
      r.step(t);
    }
  }
}

run();
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const start = process.hrtime.bigint();
  run();
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
parentPort?.postMessage(times);
