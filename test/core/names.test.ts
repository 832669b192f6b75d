import { checkDnsLabel, checkLabels, isDnsSubdomain, isLabelValue, isQualifiedName } from '../../lib/core/names';
import { formatProblems, InferscaleValidationError, prefixProblems, show, throwIfProblems } from '../../lib/core/problems';

describe('checkDnsLabel', () => {
  test.each(['llm', 'a', '7b', 'qwen-2-5-7b', 'a'.repeat(63)])('%p is a DNS-1123 label', (value) => {
    expect(checkDnsLabel('name', value)).toEqual([]);
  });

  test.each<[unknown, string]>([
    ['LLM', '"LLM"'],
    ['-llm', '"-llm"'],
    ['llm-', '"llm-"'],
    ['llm_7b', '"llm_7b"'],
    ['llm.api', '"llm.api"'],
    ['', '""'],
    ['a'.repeat(64), `"${'a'.repeat(64)}"`],
    [42, '42'],
    [undefined, 'undefined'],
  ])('%p is rejected, showing the value and the rule', (value, shown) => {
    expect(checkDnsLabel('name', value)).toEqual([{
      path: 'name',
      message: `is ${shown}; expected a DNS-1123 label: 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit`,
    }]);
  });
});

describe('isDnsSubdomain', () => {
  test.each<[string, boolean]>([
    ['nvidia.com', true],
    ['app.kubernetes.io', true],
    ['a', true],
    ['a-b.c-d', true],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`, true],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, false],
    ['', false],
    ['Nvidia.com', false],
    ['.nvidia.com', false],
    ['nvidia..com', false],
    ['nvidia.com.', false],
    ['nvidia_com', false],
  ])('%p -> %p', (value, ok) => {
    expect(isDnsSubdomain(value)).toBe(ok);
  });
});

describe('isQualifiedName (label keys)', () => {
  test.each<[string, boolean]>([
    ['app', true],
    ['nvidia.com/gpu', true],
    ['nvidia.com/gpu.product', true],
    ['app.kubernetes.io/name', true],
    ['Team_Name', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['a/b/c', false],
    ['/gpu', false],
    ['nvidia.com/', false],
    ['NVIDIA.com/gpu', false],
    ['-app', false],
    ['app-', false],
    ['my app', false],
    ['', false],
  ])('%p -> %p', (key, ok) => {
    expect(isQualifiedName(key)).toBe(ok);
  });
});

describe('isLabelValue', () => {
  test.each<[string, boolean]>([
    ['', true],
    ['true', true],
    ['NVIDIA-A10G', true],
    ['v1.2_3', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['NVIDIA A10G', false],
    ['-a', false],
    ['a.', false],
    ['Qwen/Qwen2.5-7B', false],
  ])('%p -> %p', (value, ok) => {
    expect(isLabelValue(value)).toBe(ok);
  });
});

describe('checkLabels', () => {
  test('valid labels and no labels give no problems', () => {
    expect(checkLabels('labels', { 'app.kubernetes.io/part-of': 'llm', team: '' })).toEqual([]);
    expect(checkLabels('labels', undefined)).toEqual([]);
  });

  test('a bad key and a bad value are both reported, with the key in the path', () => {
    expect(checkLabels('labels', { 'my team': 'ml', tier: 'gold plus' })).toEqual([
      { path: 'labels["my team"]', message: "key is not a valid label key: an optional DNS subdomain prefix and '/', then 1-63 letters, digits, '-', '_' or '.'" },
      { path: 'labels["tier"]', message: "value \"gold plus\" is not a valid label value: at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric" },
    ]);
  });

  test('a non-string value is reported', () => {
    expect(checkLabels('labels', { replicas: 3 as never })).toEqual([
      { path: 'labels["replicas"]', message: expect.stringContaining('value 3 is not a valid label value') },
    ]);
  });
});

describe('problem reporting', () => {
  test.each<[unknown, string]>([
    ['llm', '"llm"'],
    ['say "hi"', '"say \\"hi\\""'],
    [undefined, 'undefined'],
    [null, 'null'],
    [1.5, '1.5'],
    [Number.NaN, 'NaN'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
    [{ kind: 'Service' }, '{"kind":"Service"}'],
    [[1, 2], '[1,2]'],
  ])('show(%p) is %s', (value, text) => {
    expect(show(value)).toBe(text);
  });

  test('prefixProblems joins with "." except before "[" and replaces an empty path', () => {
    expect(prefixProblems('metrics[0] (latency)', [
      { path: 'quantile', message: 'a' },
      { path: '["k"]', message: 'b' },
      { path: '', message: 'c' },
    ])).toEqual([
      { path: 'metrics[0] (latency).quantile', message: 'a' },
      { path: 'metrics[0] (latency)["k"]', message: 'b' },
      { path: 'metrics[0] (latency)', message: 'c' },
    ]);
  });

  test('formatProblems puts one problem per line, prefixed with the owner', () => {
    expect(formatProblems('AIInferenceService "llm"', [
      { path: 'maxReplicas', message: 'is 0; expected a whole number, 1 or more' },
      { path: '', message: 'has no metrics' },
    ])).toBe('AIInferenceService "llm": maxReplicas is 0; expected a whole number, 1 or more\nAIInferenceService "llm": has no metrics');
  });

  test('throwIfProblems throws an InferscaleValidationError listing every problem, and nothing when there are none', () => {
    expect(() => throwIfProblems('AIInferenceService "llm"', [])).not.toThrow();
    const problems = [{ path: 'name', message: 'is "LLM"' }, { path: 'image', message: 'is ""' }];
    let error: unknown;
    try {
      throwIfProblems('AIInferenceService "llm"', problems);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InferscaleValidationError);
    expect(error).toBeInstanceOf(Error);
    const e = error as InferscaleValidationError;
    expect(e.name).toBe('InferscaleValidationError');
    expect(e.owner).toBe('AIInferenceService "llm"');
    expect(e.problems).toEqual(problems);
    expect(e.message).toBe('AIInferenceService "llm": name is "LLM"\nAIInferenceService "llm": image is ""');
  });
});
