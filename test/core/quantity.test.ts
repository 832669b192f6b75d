import { humanDuration, promDuration } from '../../lib/core/duration';
import { checkQuantity, checkTarget, parseQuantity, toQuantity } from '../../lib/core/quantity';

describe('parseQuantity', () => {
  test.each<[string, number]>([
    ['500m', 0.5],
    ['1.5', 1.5],
    ['16Gi', 16 * 2 ** 30],
    ['1e3', 1000],
    ['1E3', 1000],
    ['2k', 2000],
    ['1Ki', 1024],
    ['512Mi', 512 * 2 ** 20],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['2M', 2e6],
    ['3G', 3e9],
    ['1T', 1e12],
    ['1E', 1e18],
    ['1e-3', 0.001],
    ['.5', 0.5],
    ['1.', 1],
    ['+2', 2],
    ['-1', -1],
    ['0', 0],
  ])('%p is %p', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value, 12);
  });

  test('binary and decimal suffixes differ: 1Gi is more than 1G', () => {
    expect(parseQuantity('1Gi')).toBe(1073741824);
    expect(parseQuantity('1G')).toBe(1e9);
  });

  test.each(['', ' 1', '1 ', 'abc', '1 Gi', '24GB', '1gi', '1K', '1mi', '1.5.5', 'Gi', '1e', '0x10', '1,5'])('%p is not a quantity', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });

  // The API server also accepts the nano and micro suffixes (metrics-server reports CPU in "n").
  test.each<[string, number]>([
    ['100n', 1e-7],
    ['5u', 5e-6],
  ])('%p is %p (nano and micro suffixes)', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value, 15);
  });
});

describe('checkQuantity', () => {
  test('returns the parsed value of a valid quantity', () => {
    expect(checkQuantity('resources.memory.request', '16Gi')).toEqual({ problems: [], value: 16 * 2 ** 30 });
    expect(checkQuantity('x', '0')).toEqual({ problems: [], value: 0 });
  });

  test.each<[unknown, string]>([
    ['-1', '"-1"'],
    ['lots', '"lots"'],
    [5, '5'],
    [undefined, 'undefined'],
  ])('%p is rejected, showing the value', (value, shown) => {
    expect(checkQuantity('sharedMemorySize', value)).toEqual({
      problems: [{ path: 'sharedMemorySize', message: `is ${shown}; expected a non-negative Kubernetes quantity such as "500m", "2", "16Gi"` }],
    });
  });
});

describe('toQuantity', () => {
  test.each<[number, string | undefined]>([
    [5, '5'],
    [0.5, '500m'],
    [2.25, '2250m'],
    [0.001, '1m'],
    [0.1 + 0.2, '300m'],
    [1000000, '1000000'],
    [0.0001, undefined],
    [1.0005, undefined],
    [0, undefined],
    [-1, undefined],
    [-0.5, undefined],
    [Number.NaN, undefined],
    [Number.POSITIVE_INFINITY, undefined],
  ])('%p -> %p', (value, quantity) => {
    expect(toQuantity(value)).toBe(quantity);
  });

  test.each([5, 0.5, 2.25, 0.001, 123.456])('parseQuantity(toQuantity(%p)) gives the number back', (value) => {
    expect(parseQuantity(toQuantity(value)!)).toBeCloseTo(value, 9);
  });
});

describe('checkTarget', () => {
  test('formats a valid target', () => {
    expect(checkTarget('targetPerPod', 0.75, 'requests per second')).toEqual({ problems: [], quantity: '750m' });
  });

  test.each<[unknown, string]>([
    [0, '0'],
    [0.0001, '0.0001'],
    ['8', '"8"'],
    [Number.NaN, 'NaN'],
  ])('%p is rejected with the unit and the precision rule', (value, shown) => {
    expect(checkTarget('targetPerPod', value, 'requests per second')).toEqual({
      problems: [{ path: 'targetPerPod', message: `is ${shown}; expected a positive number of requests per second with at most three decimals (milli precision)` }],
    });
  });
});

describe('promDuration', () => {
  test.each<[number, string]>([
    [15, '15s'],
    [30, '30s'],
    [60, '1m'],
    [90, '90s'],
    [120, '2m'],
    [300, '5m'],
    [3600, '1h'],
    [5400, '90m'],
    [7200, '2h'],
  ])('%p s is %p', (seconds, text) => {
    expect(promDuration(seconds)).toBe(text);
  });
});

describe('humanDuration', () => {
  test.each<[number, string]>([
    [0, '0 s'],
    [1, '1 s'],
    [45, '45 s'],
    [60, '1 min'],
    [90, '90 s'],
    [125, '2 min 5 s'],
    [600, '10 min'],
    [3600, '1 h'],
    [3661, '1 h 1 min 1 s'],
    [5400, '1 h 30 min'],
    [7200, '2 h'],
  ])('%p s is %p', (seconds, text) => {
    expect(humanDuration(seconds)).toBe(text);
  });
});
