/**
 * Many simulations at once, spread over worker threads: what a tuner needs to try thousands of
 * configurations. Each worker runs {@link simulate} on the inputs it is handed, one at a time,
 * and sends back the summary (the per-second timeline stays in the worker).
 * @module
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SimulationOptions } from './options';
import type { SimulatedService } from './service';
import { simulate } from './simulate';
import type { SimulationSummary } from './summary';
import type { Trace } from './trace';

/** One simulation of a batch: the arguments of {@link simulate}. */
export interface SimulationInput {
  /** The service to simulate. */
  readonly service: SimulatedService;
  /** The trace to replay. */
  readonly trace: Trace;
  /** Options, without `onProgress` (a function cannot cross to a worker thread). */
  readonly options?: Omit<SimulationOptions, 'onProgress'>;
}

/** How {@link simulateMany} runs. */
export interface SimulateManyOptions {
  /**
   * Worker threads; 0 runs every simulation in the calling thread (synchronously, before the
   * promise resolves). @default the machine's available parallelism
   */
  readonly workers?: number;
  /** Called after each simulation with (simulations done, simulations in all). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** A request to a worker: simulate input `index`. */
export interface BatchJob {
  /** Position of the input in the batch. */
  readonly index: number;
  /** The input. */
  readonly input: SimulationInput;
}

/** A worker's answer: the summary of input `index`, or the message of the error it threw. */
export type BatchAnswer =
  | {
    /** Position of the input in the batch. */
    readonly index: number;
    /** Its summary. */
    readonly summary: SimulationSummary;
  }
  | {
    /** Position of the input in the batch. */
    readonly index: number;
    /** Why it failed. */
    readonly error: string;
  };

/** The summary of one input: what a worker thread runs for each job. */
export function runBatchJob(job: BatchJob): BatchAnswer {
  try {
    return { index: job.index, summary: simulate(job.input.service, job.input.trace, job.input.options).summary };
  } catch (e) {
    return { index: job.index, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Runs every input through {@link simulate} on `workers` threads and resolves with their
 * summaries in input order. Each worker takes the next input as soon as it is free, so long and
 * short runs share the threads evenly. Results are those of `simulate` in one thread: each run is
 * deterministic and independent.
 *
 * ```ts
 * const summaries = await simulateMany(presets.map((p) => ({ service: withBehaviorPreset(svc, p), trace })), { workers: 2 });
 * ```
 *
 * @throws Error (as a rejection) naming the input when an input has `onProgress`, a worker
 *   cannot start, or a simulation throws.
 */
export async function simulateMany(inputs: readonly SimulationInput[], options: SimulateManyOptions = {}): Promise<SimulationSummary[]> {
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 0) throw new Error(`simulateMany: workers is ${workers}; expected a whole number, 0 or more`);
  inputs.forEach((input, i) => {
    if ((input.options as SimulationOptions | undefined)?.onProgress !== undefined) {
      throw new Error(`simulateMany: inputs[${i}].options.onProgress is a function, which cannot run in a worker thread; leave it out (use the batch's onProgress)`);
    }
  });
  const summaries = new Array<SimulationSummary>(inputs.length);
  if (workers === 0) {
    inputs.forEach((input, index) => {
      summaries[index] = unwrap(runBatchJob({ index, input }));
      options.onProgress?.(index + 1, inputs.length);
    });
    return summaries;
  }
  let next = 0;
  let done = 0;
  const threads = Math.min(workers, inputs.length);
  const started: Worker[] = [];
  try {
    await Promise.all(Array.from({ length: threads }, () => new Promise<void>((resolve, reject) => {
      const worker = startWorker();
      started.push(worker);
      const hand = (): void => {
        if (next >= inputs.length) {
          resolve();
          return;
        }
        const index = next++;
        worker.postMessage({ index, input: inputs[index] } satisfies BatchJob);
      };
      worker.on('message', (answer: BatchAnswer) => {
        try {
          summaries[answer.index] = unwrap(answer);
        } catch (e) {
          reject(e);
          return;
        }
        options.onProgress?.(++done, inputs.length);
        hand();
      });
      worker.once('error', reject);
      worker.once('exit', (code) => {
        if (code !== 0) reject(new Error(`simulateMany: a worker thread exited with code ${code}`));
      });
      hand();
    })));
  } finally {
    await Promise.all(started.map((w) => w.terminate()));
  }
  return summaries;
}

function unwrap(answer: BatchAnswer): SimulationSummary {
  if ('error' in answer) throw new Error(`simulateMany: inputs[${answer.index}]: ${answer.error}`);
  return answer.summary;
}

/**
 * A worker running `batch-worker`: the compiled file next to this one in the package; from the
 * TypeScript sources (tests, scripts), the `.ts` file through tsx's CommonJS hook.
 */
function startWorker(): Worker {
  const compiled = join(__dirname, 'batch-worker.js');
  if (existsSync(compiled)) return new Worker(compiled);
  const source = join(__dirname, 'batch-worker.ts');
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true });
}
