import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fitProfile, parseBenchResults, ProfileFitError } from '../../../lib/core/simulator';

const BENCH = join(__dirname, '..', '..', 'cli', 'fixtures', 'bench');
const read = (rate: number) => parseBenchResults(readFileSync(join(BENCH, `qwen-rate${rate}.json`), 'utf8'), `qwen-rate${rate}.json`);

describe('fitting a profile to vllm bench serve results', () => {
  test('recovers the decode step and the prefill rate the runs were made with', () => {
    // The fixtures come from a replica with a 20 ms + 0.5 ms/sequence step and 10,000 prompt tokens/s.
    const p = fitProfile([...read(1), ...read(4), ...read(8)], { kvCacheTokens: 50_000, id: 'mine' });
    expect(p.decodeBaseSeconds).toBeCloseTo(0.02, 6);
    expect(p.decodePerSequenceSeconds).toBeCloseTo(0.0005, 8);
    expect(p.prefillTokensPerSecond).toBeCloseTo(10_000, 3);
    expect(p).toMatchObject({ id: 'mine', basis: 'fitted', kvCacheTokens: 50_000, maxSequences: 256, maxModelLength: 50_000 });
    expect(p.sources.map((s) => s.url)).toEqual(['qwen-rate1.json', 'qwen-rate4.json', 'qwen-rate8.json']);
  });

  test('the model is the runs\' model_id unless named; runs of two models are not fitted together', () => {
    expect(read(1)[0].modelId).toBe('Qwen/Qwen2.5-7B-Instruct');
    expect(fitProfile([...read(1), ...read(4)], { kvCacheTokens: 50_000 }).model).toBe('Qwen/Qwen2.5-7B-Instruct');
    expect(fitProfile([...read(1), ...read(4)], { kvCacheTokens: 50_000, model: 'qwen-7b' }).model).toBe('qwen-7b');
    const other = { ...read(4)[0], modelId: 'meta-llama/Llama-3.1-8B-Instruct' };
    expect(() => fitProfile([...read(1), other], { kvCacheTokens: 50_000 })).toThrow(new ProfileFitError('profile fit: the runs are of 2 models (qwen-rate1.json: Qwen/Qwen2.5-7B-Instruct, qwen-rate4.json: meta-llama/Llama-3.1-8B-Instruct); fit one model\'s runs at a time'));
  });

  test('one run is not enough', () => {
    expect(() => fitProfile(read(4), { kvCacheTokens: 1000 })).toThrow(new ProfileFitError('profile fit: 1 result; expected runs at two or more request rates'));
  });

  test('a file without the fields names the field and the file', () => {
    expect(() => parseBenchResults('{"request_rate": 2, "completed": 10}', 'x.json')).toThrow(new ProfileFitError('x.json: total_input_tokens is undefined; expected a number, 0 or more (is this a vllm bench serve --save-result file?)'));
  });

  test('a file that is not JSON says so', () => {
    expect(() => parseBenchResults('nope', 'y.json')).toThrow(/^y\.json: not valid JSON \(/);
  });
});
