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
  const pool = new SimulationPool(options.workers ?? availableParallelism(), 'simulateMany');
  try {
    return await pool.run(inputs, options.onProgress);
  } finally {
    await pool.close();
  }
}

/**
 * Worker threads that stay up from one batch to the next: {@link simulateMany} for a caller that
 * runs many small batches (a search that tries a handful of configurations at each step), which
 * would otherwise start threads and warm up their compiled code for every batch. It runs one
 * batch at a time; {@link SimulationPool.close} ends the threads, which keep the process alive
 * until then. Results are those of {@link simulate} in one thread.
 *
 * ```ts
 * const pool = new SimulationPool(2);
 * try {
 *   for (const step of steps) results.push(...(await pool.run(step)));
 * } finally {
 *   await pool.close();
 * }
 * ```
 */
export class SimulationPool {
  /** Threads started so far (they start at the first batch that needs them). */
  private readonly threads: Worker[] = [];
  /** Where the answers and failures of the batch being run go. */
  private batch?: { answer: (thread: Worker, answer: BatchAnswer) => void; fail: (error: Error) => void };
  private closed = false;

  /**
   * @param size worker threads; 0 runs every simulation in the calling thread
   * @param label what error messages start with
   * @throws Error when `size` is not a whole number, 0 or more
   */
  public constructor(public readonly size: number = availableParallelism(), private readonly label = 'SimulationPool') {
    if (!Number.isInteger(size) || size < 0) throw new Error(`${label}: workers is ${size}; expected a whole number, 0 or more`);
  }

  /**
   * Simulates every input and resolves with their summaries in input order. Each thread takes
   * the next input as soon as it is free.
   * @param onProgress called after each simulation with (simulations done, simulations in all)
   * @throws Error (as a rejection) naming the input when an input has `onProgress` or its
   *   simulation throws, when another batch is still running, or after {@link close}. A thread
   *   that fails is replaced at the next batch.
   */
  public async run(inputs: readonly SimulationInput[], onProgress?: (done: number, total: number) => void): Promise<SimulationSummary[]> {
    if (this.closed) throw new Error(`${this.label}: the pool is closed`);
    if (this.batch) throw new Error(`${this.label}: one batch at a time; await the previous run`);
    inputs.forEach((input, i) => {
      if ((input.options as SimulationOptions | undefined)?.onProgress !== undefined) {
        throw new Error(`${this.label}: inputs[${i}].options.onProgress is a function, which cannot run in a worker thread; leave it out (use the batch's onProgress)`);
      }
    });
    const summaries = new Array<SimulationSummary>(inputs.length);
    if (this.size === 0 || inputs.length === 0) {
      inputs.forEach((input, index) => {
        summaries[index] = this.unwrap(runBatchJob({ index, input }));
        onProgress?.(index + 1, inputs.length);
      });
      return summaries;
    }
    let next = 0;
    let done = 0;
    const hand = (thread: Worker): void => {
      if (next >= inputs.length) return;
      const index = next++;
      thread.postMessage({ index, input: inputs[index] } satisfies BatchJob);
    };
    try {
      await new Promise<void>((resolve, reject) => {
        this.batch = {
          answer: (thread, answer) => {
            try {
              summaries[answer.index] = this.unwrap(answer);
            } catch (e) {
              reject(e);
              return;
            }
            done++;
            onProgress?.(done, inputs.length);
            if (done === inputs.length) resolve();
            else hand(thread);
          },
          fail: reject,
        };
        for (const thread of this.startThreads(Math.min(this.size, inputs.length))) hand(thread);
      });
    } catch (e) {
      // Threads may still be working on this batch: start afresh rather than mix its answers into the next.
      await this.stopThreads();
      throw e;
    } finally {
      this.batch = undefined;
    }
    return summaries;
  }

  /** Ends the threads; the pool runs nothing after. */
  public async close(): Promise<void> {
    this.closed = true;
    await this.stopThreads();
  }

  /** The first `n` threads, starting those not running yet (a thread that died was dropped from the list). */
  private startThreads(n: number): Worker[] {
    while (this.threads.length < n) {
      const thread = startWorker();
      thread.on('message', (answer: BatchAnswer) => this.batch?.answer(thread, answer));
      thread.on('error', (e) => this.batch?.fail(e));
      thread.on('exit', (code) => {
        // A thread the pool stopped is no longer listed; one that dies on its own fails the batch.
        const at = this.threads.indexOf(thread);
        if (at < 0) return;
        this.threads.splice(at, 1);
        this.batch?.fail(new Error(`${this.label}: a worker thread exited with code ${code}`));
      });
      this.threads.push(thread);
    }
    return this.threads.slice(0, n);
  }

  private async stopThreads(): Promise<void> {
    const stopping = this.threads.splice(0);
    await Promise.all(stopping.map((t) => t.terminate()));
  }

  private unwrap(answer: BatchAnswer): SimulationSummary {
    if ('error' in answer) throw new Error(`${this.label}: inputs[${answer.index}]: ${answer.error}`);
    return answer.summary;
  }
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
