import { ScalingMetric } from '../../lib/core/metric';
import { defaultModelCacheSize, ModelCache, serverRuntime } from '../../lib/core/model-cache';
import { resolveInferenceService } from '../../lib/core/inference-service';
import { parseServiceConfig } from '../../lib/core/service-config';

describe('defaultModelCacheSize: parameter count × 2 bytes × 1.5, in whole GiB', () => {
  test.each([
    ['Qwen/Qwen2.5-7B-Instruct', true, '20Gi'],
    ['meta-llama/Llama-3.1-8B-Instruct', true, '23Gi'],
    ['Qwen/Qwen2.5-0.5B-Instruct', true, '2Gi'],
    ['mistralai/Mixtral-8x7B-Instruct-v0.1', true, '157Gi'],
    // The total, not the active parameters of a mixture of experts.
    ['Qwen/Qwen3-30B-A3B', true, '84Gi'],
    ['intfloat/e5-large-350M', false, '1Gi'],
  ])('%s', (name, gpu, size) => {
    expect(defaultModelCacheSize(name, gpu)).toBe(size);
  });

  test('no parameter count in the name: 50Gi with a GPU, 4Gi without', () => {
    expect(defaultModelCacheSize('BAAI/bge-small-en-v1.5', false)).toBe('4Gi');
    expect(defaultModelCacheSize(undefined, true)).toBe('50Gi');
  });
});

describe('serverRuntime', () => {
  test('an emptyDir cache is requested on top of 2Gi of scratch', () => {
    expect(serverRuntime({ kind: 'emptyDir', sizeLimit: '1536Mi' }, undefined).ephemeralStorage).toBe('3584Mi');
    expect(serverRuntime({ kind: 'hostPath', path: '/mnt/models' }, undefined).ephemeralStorage).toBe('2Gi');
  });

  test('every variable naming a directory points into a volume of the pod', () => {
    const runtime = serverRuntime({ kind: 'emptyDir', sizeLimit: '20Gi' }, '2Gi');
    for (const [name, value] of Object.entries(runtime.env)) {
      if (!value.startsWith('/')) continue;
      expect({ name, mounted: runtime.volumes.some((v) => value === v.mountPath || value.startsWith(`${v.mountPath}/`)) }).toEqual({ name, mounted: true });
    }
  });
});

describe('modelCache in resolveInferenceService', () => {
  const base = { image: 'vllm/vllm-openai:v0.11.0', maxReplicas: 2, metrics: [ScalingMetric.cpuUtilization(70)] };

  test('the default follows the model name', () => {
    const { service } = resolveInferenceService({ ...base, gpu: { count: 1 }, model: { name: 'meta-llama/Llama-3.1-8B-Instruct' } }, 'llm');
    expect(service!.modelCache).toEqual({ kind: 'emptyDir', sizeLimit: '23Gi' });
    expect(service!.resources.requests['ephemeral-storage']).toBe('25Gi');
  });

  test('a given size wins over the model name', () => {
    const { service } = resolveInferenceService({ ...base, model: { name: 'meta-llama/Llama-3.1-8B-Instruct' }, modelCache: ModelCache.emptyDir({ sizeLimit: '8Gi' }) }, 'llm');
    expect(service!.modelCache).toEqual({ kind: 'emptyDir', sizeLimit: '8Gi' });
  });
});

describe('modelCache in config', () => {
  const service = { image: 'vllm/vllm-openai:v0.11.0', maxReplicas: 2 };

  test('each kind by its factory name, and false', () => {
    expect(parseServiceConfig('services.llm', { ...service, modelCache: { emptyDir: { sizeLimit: '30Gi' } } }).service!.modelCache).toEqual(ModelCache.emptyDir({ sizeLimit: '30Gi' }));
    expect(parseServiceConfig('services.llm', { ...service, modelCache: { emptyDir: {} } }).service!.modelCache).toEqual(ModelCache.emptyDir({}));
    expect(parseServiceConfig('services.llm', { ...service, modelCache: { persistentVolumeClaim: { claimName: 'models', readOnly: true } } }).service!.modelCache)
      .toEqual(ModelCache.persistentVolumeClaim({ claimName: 'models', readOnly: true }));
    expect(parseServiceConfig('services.llm', { ...service, modelCache: { hostPath: { path: '/mnt/models' } } }).service!.modelCache).toEqual(ModelCache.hostPath({ path: '/mnt/models' }));
    expect(parseServiceConfig('services.llm', { ...service, modelCache: false }).service!.modelCache).toBe(false);
  });

  test('an unknown kind', () => {
    expect(parseServiceConfig('services.llm', { ...service, modelCache: { emptydir: {} } }).problems).toEqual([
      { path: 'services.llm.modelCache.emptydir', message: 'is not a kind of model cache (did you mean "emptyDir"?); expected false, { emptyDir: { sizeLimit } }, { persistentVolumeClaim: { claimName, readOnly } } or { hostPath: { path } }' },
    ]);
  });

  test('not a one-key object', () => {
    expect(parseServiceConfig('services.llm', { ...service, modelCache: 'emptyDir' }).problems).toEqual([
      { path: 'services.llm.modelCache', message: 'is "emptyDir" (a string); expected false, { emptyDir: { sizeLimit } }, { persistentVolumeClaim: { claimName, readOnly } } or { hostPath: { path } }' },
    ]);
  });

  test('a missing required option', () => {
    expect(parseServiceConfig('services.llm', { ...service, modelCache: { persistentVolumeClaim: {} } }).problems).toEqual([
      { path: 'services.llm.modelCache.persistentVolumeClaim.claimName', message: 'is missing; it is required: a string' },
    ]);
  });
});
