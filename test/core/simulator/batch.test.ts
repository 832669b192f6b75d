import { scaleTrace, simulate, simulateMany, SimulationInput, SimulationPool, syntheticTrace, withBehaviorPreset } from '../../../lib/core/simulator';
import { llmService } from './helpers';

const STEP = syntheticTrace('step', { base: 2, peak: 20, atSeconds: 300, lengthSeconds: 600, durationSeconds: 1200 });
const INPUTS: SimulationInput[] = [
  { service: llmService(), trace: STEP },
  { service: withBehaviorPreset(llmService(), 'steady'), trace: scaleTrace(STEP, 2) },
  { service: withBehaviorPreset(llmService(), 'legacy'), trace: STEP, options: { serving: { profile: 'llama-3.1-8b-fp8/h100' } } },
];

test('worker threads give each input the summary simulate gives it, in input order', async () => {
  const progress: number[] = [];
  const summaries = await simulateMany(INPUTS, { workers: 2, onProgress: (done) => progress.push(done) });
  expect(summaries).toEqual(INPUTS.map((i) => simulate(i.service, i.trace, i.options).summary));
  // The inputs differ, so a mix-up of the order would show.
  expect(new Set(summaries.map((s) => s.totalRequests)).size).toBe(2);
  expect(progress).toEqual([1, 2, 3]);
});

test('no workers: the same summaries, computed in the calling thread', async () => {
  const summaries = await simulateMany(INPUTS.slice(0, 2), { workers: 0 });
  expect(summaries).toEqual(INPUTS.slice(0, 2).map((i) => simulate(i.service, i.trace, i.options).summary));
});

test('an input that cannot run names its position and the field', async () => {
  await expect(simulateMany([INPUTS[0], { ...INPUTS[0], options: { onProgress: () => undefined } as never }])).rejects.toThrow('inputs[1].options.onProgress');
  await expect(simulateMany([{ ...INPUTS[0], options: { serving: { profile: 'no-such-profile' } } }], { workers: 1 })).rejects.toThrow(/inputs\[0\]: .*profile/);
});

describe('SimulationPool', () => {
  const expected = INPUTS.map((i) => simulate(i.service, i.trace, i.options).summary);

  test('keeps its threads from batch to batch and gives each batch the summaries simulate gives', async () => {
    const pool = new SimulationPool(2);
    try {
      expect(await pool.run(INPUTS.slice(0, 2))).toEqual(expected.slice(0, 2));
      expect(await pool.run([INPUTS[2], INPUTS[0]])).toEqual([expected[2], expected[0]]);
      expect(await pool.run([])).toEqual([]);
    } finally {
      await pool.close();
    }
  });

  test('a failed input rejects its batch, and the next batch runs on fresh threads', async () => {
    const pool = new SimulationPool(2);
    try {
      await expect(pool.run([INPUTS[0], { ...INPUTS[0], options: { serving: { profile: 'no-such-profile' } } }])).rejects.toThrow(/^SimulationPool: inputs\[1\]: .*profile/);
      expect(await pool.run(INPUTS)).toEqual(expected);
    } finally {
      await pool.close();
    }
  });

  test('one batch at a time, nothing after close, and a size that is not a thread count is refused', async () => {
    const pool = new SimulationPool(1);
    const first = pool.run([INPUTS[0]]);
    await expect(pool.run([INPUTS[1]])).rejects.toThrow('SimulationPool: one batch at a time; await the previous run');
    expect(await first).toEqual([expected[0]]);
    await pool.close();
    await expect(pool.run([INPUTS[0]])).rejects.toThrow('SimulationPool: the pool is closed');
    expect(() => new SimulationPool(1.5)).toThrow('SimulationPool: workers is 1.5; expected a whole number, 0 or more');
  });
});
