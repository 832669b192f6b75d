import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseShapeSpec,
  parseTrace,
  parseTraceCsv,
  parseTraceJson,
  scaleTrace,
  syntheticTrace,
  traceFromArray,
  TraceError,
  traceStats,
} from '../../../lib/core/simulator';
import { TRACES_DIR } from './helpers';


describe('CSV traces', () => {
  test('reads the repository format with token columns', () => {
    const t = parseTraceCsv('second,requests,context_tokens,generated_tokens\n0,1,4808,10\n1,7,18150,107\n2,0,0,0\n', 'code.csv');
    expect(Array.from(t.requests)).toEqual([1, 7, 0]);
    expect(Array.from(t.contextTokens!)).toEqual([4808, 18150, 0]);
    expect(Array.from(t.generatedTokens!)).toEqual([10, 107, 0]);
    expect(t.name).toBe('code.csv');
  });

  test('rows further apart than 31 days: the error names the last row and how far it is from the first', () => {
    expect(() => parseTraceCsv('second,requests\n0,1\n100000000,1\n', 'far.csv')).toThrow(new TraceError('far.csv line 3: second is 100000000 s after the first row\'s; the simulator accepts traces of at most 2678400 s (31 days)'));
  });

  test('rows within 31 days whose last row\'s hold takes the trace past it: the error says so', () => {
    expect(() => parseTraceCsv('second,requests\n0,1\n2000000,1\n2600000,1\n', 'tip.csv')).toThrow(new TraceError('tip.csv line 4: the last row holds for the median time between rows (2000000 s), so the trace spans 4600000 s; the simulator accepts at most 2678400 s (31 days)'));
  });

  test('holds each row\'s rate until the next row (a row per minute)', () => {
    const t = parseTraceCsv('timestamp,rps\n0,2\n60,5\n120,1\n', 'minutes.csv');
    expect(t.requests.length).toBe(180);
    expect(t.requests[0]).toBe(2);
    expect(t.requests[59]).toBe(2);
    expect(t.requests[60]).toBe(5);
    expect(t.requests[179]).toBe(1);
  });

  test('accepts ISO 8601 times, rows without a header, and a single column', () => {
    const iso = parseTraceCsv('time,requests\n2024-01-01T00:00:00Z,3\n2024-01-01T00:00:02Z,4\n', 'iso.csv');
    expect(Array.from(iso.requests)).toEqual([3, 3, 4, 4]);
    expect(Array.from(parseTraceCsv('0,1\n1,2\n', 'pairs.csv').requests)).toEqual([1, 2]);
    expect(Array.from(parseTraceCsv('# per second\n5\n6\n\n7\n', 'col.csv').requests)).toEqual([5, 6, 7]);
  });

  test('names the line and field of a malformed row', () => {
    expect(() => parseTraceCsv('second,requests\n0,1\n1,abc\n', 'bad.csv')).toThrow(new TraceError('bad.csv line 3: requests is "abc"; expected a number, 0 or more'));
  });

  test('names the line of a row with too few fields', () => {
    expect(() => parseTraceCsv('second,requests,context_tokens\n0,1,5\n1,2\n', 'short.csv')).toThrow('short.csv line 3: expected 3 fields (second,requests,context_tokens), got 2');
  });

  test('rejects negative rates', () => {
    expect(() => parseTraceCsv('second,requests\n0,1\n1,-3\n', 'neg.csv')).toThrow('neg.csv line 3: requests is -3, a negative rate; expected a number, 0 or more');
  });

  test('rejects times that do not increase', () => {
    expect(() => parseTraceCsv('second,requests\n0,1\n5,2\n5,3\n', 'time.csv')).toThrow('time.csv line 4: second 5 is not after the previous row\'s 5; times must increase');
  });

  test('rejects a header without a requests column, and a file without rows', () => {
    expect(() => parseTraceCsv('second,load\n0,1\n', 'h.csv')).toThrow(/h\.csv line 1: header "second,load" has no requests column/);
    expect(() => parseTraceCsv('second,requests\n', 'empty.csv')).toThrow('empty.csv: no data rows');
  });
});

describe('JSON traces', () => {
  test('reads an array of rates, objects with a time and a rate, and { requests }', () => {
    expect(Array.from(parseTraceJson('[1, 2, 3]', 'a.json').requests)).toEqual([1, 2, 3]);
    expect(Array.from(parseTraceJson('[{"t":0,"rps":2},{"t":2,"rps":4}]', 'b.json').requests)).toEqual([2, 2, 4, 4]);
    const c = parseTraceJson('{"requests":[1,0],"context_tokens":[10,0]}', 'c.json');
    expect(Array.from(c.requests)).toEqual([1, 0]);
    expect(Array.from(c.contextTokens!)).toEqual([10, 0]);
  });

  test('names the element of a bad value', () => {
    expect(() => parseTraceJson('[{"t":0,"rps":2},{"t":1,"rps":-1}]', 'b.json')).toThrow('b.json [1].rps is -1, a negative rate; expected a number, 0 or more');
    expect(() => parseTraceJson('[1, "x"]', 'a.json')).toThrow('a.json [1] is "x"; expected a number, 0 or more');
    expect(() => parseTraceJson('{', 'bad.json')).toThrow(/^bad\.json: not valid JSON/);
  });

  test('parseTrace picks the parser by extension', () => {
    expect(Array.from(parseTrace('[4]', 'x.json').requests)).toEqual([4]);
    expect(Array.from(parseTrace('4\n', 'x.csv').requests)).toEqual([4]);
  });
});

describe('synthetic traces', () => {
  test('step: base, then peak for the burst, then base (exact without noise)', () => {
    const t = syntheticTrace('step', { base: 1, peak: 10, atSeconds: 5, lengthSeconds: 3, durationSeconds: 10, noise: false });
    expect(Array.from(t.requests)).toEqual([1, 1, 1, 1, 1, 10, 10, 10, 1, 1]);
  });

  test('diurnal and ramp run from base to peak', () => {
    const d = syntheticTrace('diurnal', { base: 2, peak: 12, durationSeconds: 100, noise: false });
    expect(d.requests[0]).toBeCloseTo(2);
    expect(d.requests[50]).toBeCloseTo(12);
    const r = syntheticTrace('ramp', { base: 0, peak: 9, durationSeconds: 10, noise: false });
    expect(r.requests[0]).toBe(0);
    expect(r.requests[9]).toBe(9);
  });

  test('Poisson noise is seeded: same seed, same trace; mean close to the rate', () => {
    const a = syntheticTrace('spike', { seed: 7 });
    const b = syntheticTrace('spike', { seed: 7 });
    const c = syntheticTrace('spike', { seed: 8 });
    expect(Array.from(a.requests)).toEqual(Array.from(b.requests));
    expect(Array.from(a.requests)).not.toEqual(Array.from(c.requests));
    const flat = syntheticTrace('step', { base: 5, peak: 5, durationSeconds: 20_000 });
    expect(traceStats(flat).mean).toBeCloseTo(5, 1);
    const big = syntheticTrace('step', { base: 100, peak: 100, durationSeconds: 20_000 });
    expect(traceStats(big).mean).toBeCloseTo(100, 0);
  });

  test('shape specs carry parameters; bad ones name the parameter', () => {
    const t = parseShapeSpec('step:peak=30,at=10,for=5,duration=20,noise=0')!;
    expect(t.requests.length).toBe(20);
    expect(t.requests[10]).toBe(30);
    expect(parseShapeSpec('code')).toBeUndefined();
    expect(() => parseShapeSpec('step:height=3')).toThrow(/"height=3" is not a shape parameter/);
    expect(() => syntheticTrace('ramp', { base: -1 })).toThrow('ramp trace: base is -1; expected a number, 0 or more');
  });

  test('scaling multiplies requests and tokens; traceFromArray validates', () => {
    const t = scaleTrace(parseTraceCsv('second,requests,context_tokens\n0,2,100\n', 'x.csv'), 2.5);
    expect(t.requests[0]).toBe(5);
    expect(t.contextTokens![0]).toBe(250);
    expect(() => scaleTrace(t, 0)).toThrow('scale is 0; expected a number greater than 0');
    expect(() => traceFromArray('arr', [1, -2])).toThrow('arr [1] is -2, a negative rate');
  });
});

describe('the repository\'s real traces', () => {
  // Sums of the request column as the files hold them (traces/README.md rounds one lower).
  const cases = [
    { file: 'azure-llm-2023-code.csv', requests: 8819, seconds: 3437, peak: 67 },
    { file: 'azure-llm-2023-conv.csv', requests: 19366, seconds: 3503, peak: 19 },
  ];
  test.each(cases)('$file reads as it is', ({ file, requests, seconds, peak }) => {
    expect(existsSync(join(TRACES_DIR, file))).toBe(true);
    const t = parseTrace(readFileSync(join(TRACES_DIR, file), 'utf8'), file);
    const s = traceStats(t);
    expect(s.seconds).toBe(seconds);
    expect(s.total).toBe(requests);
    expect(s.peak).toBe(peak);
    expect(t.contextTokens).toBeDefined();
    expect(t.generatedTokens).toBeDefined();
  });
});
