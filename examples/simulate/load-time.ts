/**
 * What does a faster model load buy? Replays the real code-completion trace (scaled ×4)
 * against the default app's `llm` service with model load times from 1 to 10 minutes, and
 * prints the time to capacity, seconds over the latency target and GPU-hours of each.
 *
 *   npx tsx examples/simulate/load-time.ts [path/to/azure-llm-2023-code.csv]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveInferenceService } from '../../lib/core';
import { parseTrace, scaleTrace, serviceFromResolved, simulate } from '../../lib/core/simulator';
import { defaultServices } from '../../stacks/default-services';

const file = process.argv[2] ?? join(__dirname, '..', '..', '..', 'shared', 'traces', 'azure-llm-2023-code.csv');
const trace = scaleTrace(parseTrace(readFileSync(file, 'utf8'), 'code'), 4);

console.log('load time  time to capacity  s over target  failed  GPU-hours  lower bound');
for (const loadTimeSeconds of [60, 120, 240, 480, 600]) {
  const props = defaultServices().llm;
  const { service, problems } = resolveInferenceService({ ...props, model: { ...props.model, loadTimeSeconds } }, 'llm');
  if (!service) throw new Error(problems.map((p) => `${p.path} ${p.message}`).join('\n'));
  const { summary: s } = simulate(serviceFromResolved(service), trace);
  console.log(
    `${String(loadTimeSeconds).padStart(7)} s${String(s.timeToCapacity.maxSeconds).padStart(16)} s${String(s.secondsOverTarget).padStart(15)}`
    + `${Math.round(s.failedRequests).toString().padStart(8)}${s.gpuHours.toFixed(2).padStart(11)}${s.lowerBoundGpuHours.toFixed(2).padStart(13)}`,
  );
}
