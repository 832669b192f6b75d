import { checkDnsSubdomain, checkHttpPath, checkImage, checkInteger, checkPort, checkUnique, INT32_MAX, isImageReference, isInteger, sortKeys } from '../../lib/core/checks';

describe('checkInteger', () => {
  test('accepts whole numbers in range, int32 by default', () => {
    expect(checkInteger('n', 1, { min: 1 })).toEqual([]);
    expect(checkInteger('n', INT32_MAX, { min: 1 })).toEqual([]);
    expect(isInteger(0, { min: 0 })).toBe(true);
    expect(isInteger(1.5, { min: 0 })).toBe(false);
  });

  test('below the minimum, or not a whole number', () => {
    expect(checkInteger('maxReplicas', 0, { min: 1 })).toEqual([{ path: 'maxReplicas', message: 'is 0; expected a whole number, 1 or more' }]);
    expect(checkInteger('maxReplicas', '3', { min: 1 })).toEqual([{ path: 'maxReplicas', message: 'is "3"; expected a whole number, 1 or more' }]);
  });

  test('above a Kubernetes int32 field', () => {
    expect(checkInteger('maxReplicas', 2 ** 31, { min: 1 })).toEqual([{ path: 'maxReplicas', message: 'is 2147483648; expected a whole number from 1 to 2147483647 (the API server stores it as a 32-bit integer)' }]);
  });

  test('an explicit range, with a unit and a note', () => {
    expect(checkInteger('t', 4000, { min: 1, max: 3600, unit: 'seconds', note: '(why)' })).toEqual([{ path: 't', message: 'is 4000; expected whole seconds from 1 to 3600 (why)' }]);
  });
});

test('checkPort', () => {
  expect(checkPort('port', 8000)).toEqual([]);
  expect(checkPort('port', 70000)).toEqual([{ path: 'port', message: 'is 70000; expected a port number from 1 to 65535' }]);
});

test('checkHttpPath', () => {
  expect(checkHttpPath('p', '/metrics')).toEqual([]);
  expect(checkHttpPath('p', 'metrics')).toEqual([{ path: 'p', message: 'is "metrics"; expected an HTTP path starting with "/"' }]);
});

describe('image references', () => {
  test.each([
    'vllm/vllm-openai:v0.11.0',
    'nvcr.io/nvidia/k8s-device-plugin:v0.20.0',
    'localhost:5000/acme/model',
    'registry.example.com:443/a/b/c:1.0_rc-2',
    `ghcr.io/acme/embed@sha256:${'a'.repeat(64)}`,
    `ghcr.io/acme/embed:1@sha256:${'0'.repeat(64)}`,
    'REGISTRY.example.com/acme/model:1',
    'busybox',
  ])('%s is accepted', (ref) => expect(isImageReference(ref)).toBe(true));

  test.each([
    'Acme/model:1',
    'ghcr.io/Acme/model:1',
    'vllm/vllm-openai:.v1',
    `vllm/vllm-openai:${'a'.repeat(129)}`,
    'vllm/vllm-openai@sha256:abc',
    `vllm/vllm-openai@sha256:${'A'.repeat(64)}`,
    'vllm//openai',
    'vllm/openai:',
    'vllm openai',
    '',
    `a/${'b'.repeat(254)}`,
  ])('%s is refused', (ref) => expect(isImageReference(ref)).toBe(false));

  test('checkImage names the grammar and an example', () => {
    expect(checkImage('image', 'Acme/model:1', 'vllm/vllm-openai:v0.11.0')).toEqual([{
      path: 'image',
      message: 'is "Acme/model:1"; expected an image reference such as "vllm/vllm-openai:v0.11.0": [registry[:port]/]repository[:tag][@sha256:digest], the repository in lower case',
    }]);
  });
});

test('checkDnsSubdomain', () => {
  expect(checkDnsSubdomain('p', 'system-node-critical', 'a PriorityClass name')).toEqual([]);
  expect(checkDnsSubdomain('p', 'High', 'a PriorityClass name')).toEqual([{ path: 'p', message: `is "High"; expected a PriorityClass name (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.')` }]);
});

test('checkUnique names every repeat and its first use', () => {
  expect(checkUnique(['a', 'b', 'a', 'a'], (x) => x, (i) => `pools[${i}].name`, 'pool')).toEqual([
    { path: 'pools[2].name', message: 'is "a", already used by pools[0].name; give each pool its own name' },
    { path: 'pools[3].name', message: 'is "a", already used by pools[0].name; give each pool its own name' },
  ]);
});

test('sortKeys orders keys and keeps __proto__ an ordinary key', () => {
  const record = JSON.parse('{"b":1,"__proto__":2,"a":3}') as Record<string, number>;
  const sorted = sortKeys(record);
  expect(Object.keys(sorted)).toEqual(['__proto__', 'a', 'b']);
  expect(Object.getPrototypeOf(sorted)).toBe(Object.prototype);
  expect(JSON.stringify(sorted)).toBe('{"__proto__":2,"a":3,"b":1}');
});
