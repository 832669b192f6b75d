import { resolveResources } from '../../lib/core/resources';

const DEFAULTS = { cpu: { request: '100m' }, memory: { request: '256Mi', limit: '512Mi' } };

describe('resolveResources', () => {
  test('defaults per resource', () => {
    expect(resolveResources('resources', undefined, DEFAULTS)).toEqual({
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
      problems: [],
    });
  });

  test('a resource given replaces its default as a whole; the other keeps its default', () => {
    expect(resolveResources('resources', { memory: { request: '1Gi' } }, DEFAULTS).resources).toEqual({ requests: { cpu: '100m', memory: '1Gi' }, limits: {} });
  });

  test('an empty resource takes its default', () => {
    expect(resolveResources('resources', { memory: {} }, DEFAULTS).resources.limits).toEqual({ memory: '512Mi' });
  });

  test('a request left out is the limit, as the API server defaults it', () => {
    expect(resolveResources('resources', { cpu: { limit: '2' } }, DEFAULTS).resources).toEqual({ requests: { cpu: '2', memory: '256Mi' }, limits: { cpu: '2', memory: '512Mi' } });
  });

  test('limitFromRequest: the limit follows the request', () => {
    expect(resolveResources('resources', { memory: { request: '16Gi' } }, { memory: { request: '12Gi' } }, { limitFromRequest: ['memory'] }).resources).toEqual({
      requests: { memory: '16Gi' }, limits: { memory: '16Gi' },
    });
  });

  test('an invalid quantity, at the path of the field', () => {
    expect(resolveResources('source.resources', { cpu: { request: 'fast' } }, DEFAULTS).problems).toEqual([
      { path: 'source.resources.cpu.request', message: 'is "fast"; expected a non-negative Kubernetes quantity such as "500m", "2", "16Gi"' },
    ]);
  });

  test('a limit under its request', () => {
    expect(resolveResources('resources', { memory: { request: '1Gi', limit: '512Mi' } }, DEFAULTS).problems).toEqual([
      { path: 'resources.memory.limit', message: 'is "512Mi", below the request "1Gi"; the API server rejects a limit under the request' },
    ]);
  });

  test('not an object', () => {
    expect(resolveResources('resources', 'big' as never, DEFAULTS).problems).toEqual([
      { path: 'resources', message: 'is "big"; expected { cpu?: { request, limit }, memory?: { request, limit } }' },
    ]);
  });
});
