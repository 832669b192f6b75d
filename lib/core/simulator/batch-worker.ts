/**
 * The worker thread of {@link simulateMany}: simulates each job it receives and answers with
 * the summary.
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { BatchJob, runBatchJob } from './batch';

if (parentPort) {
  const port = parentPort;
  port.on('message', (job: BatchJob) => port.postMessage(runBatchJob(job)));
}
