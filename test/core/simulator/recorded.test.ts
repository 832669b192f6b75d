import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNamedTrace, scaleTrace, simulate, SimulationResult, syntheticTrace, withBehaviorPreset } from '../../../lib/core/simulator';
import { llmService, shippedLlmService } from './helpers';

/**
 * Recorded summaries of a few service × trace pairs: restructuring the simulator must not change
 * what it computes. Re-record deliberately (after a model change, saying why in the commit) with
 * RECORD_SUMMARIES=1.
 */
const FILE = join(__dirname, 'fixtures', 'recorded-summaries.json');
const STEP = syntheticTrace('step', { base: 2, peak: 20, atSeconds: 600, lengthSeconds: 1200, durationSeconds: 3000 });

const RUNS: Record<string, () => SimulationResult> = {
  'burst/step': () => simulate(llmService(), STEP),
  'steady/step-warm h100': () => simulate(withBehaviorPreset(llmService({ model: { loadTimeSeconds: 60 } }), 'steady'), STEP, { serving: { profile: 'llama-3.1-8b-fp8/h100' }, nodes: { gpusPerNode: 8, initialNodes: 1 } }),
  'legacy/code': () => simulate(withBehaviorPreset(llmService(), 'legacy'), readNamedTrace('code')),
  'shipped/conv': () => simulate(shippedLlmService(), readNamedTrace('conv')),
  'default/conv×0.5 round-robin': () => simulate(withBehaviorPreset(llmService(), 'default'), scaleTrace(readNamedTrace('conv'), 0.5), { serving: { routing: 'round-robin' } }),
};

/** The summary and a fingerprint of every sync's decision. */
function record(r: SimulationResult): unknown {
  return JSON.parse(JSON.stringify({ ...r.summary, desired: Array.from(r.syncs.desired).reduce((a, b) => (a * 31 + b) | 0, 0) }));
}

const recorded = JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, unknown>;

if (process.env.RECORD_SUMMARIES) {
  const out: Record<string, unknown> = {};
  for (const [name, run] of Object.entries(RUNS)) out[name] = record(run());
  writeFileSync(FILE, `${JSON.stringify(out, null, 1)}\n`);
}

test.each(Object.keys(RUNS))('%s gives the recorded summary', (name) => {
  expect(record(RUNS[name]())).toEqual(recorded[name]);
});
