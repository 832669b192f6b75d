import { parse as parseYaml } from 'yaml';
import { ScalingBehavior } from '../../lib/core/behavior';
import { GpuNodePoolProps, resolveGpuNodePool } from '../../lib/core/gpu-node-pool';
import { InferenceServiceProps, resolveInferenceService } from '../../lib/core/inference-service';
import { ScalingMetric } from '../../lib/core/metric';
import { Problem } from '../../lib/core/problems';
import {
  childPath,
  METRIC_CONFIG_NAMES,
  parseBehaviorConfig,
  parseGpuNodePoolConfig,
  parseGpuNodePoolsConfig,
  parseMetricConfig,
  parseServiceConfig,
  parseServicesConfig,
} from '../../lib/core/service-config';

const BASE = { image: 'vllm/vllm-openai:v0.11.0', maxReplicas: 4 };

/** Parses `services.llm` with `fields` over a minimal valid service; expects exactly one problem and returns it. */
function oneProblem(fields: Record<string, unknown>): Problem {
  const { service, problems } = parseServiceConfig('services.llm', { ...BASE, ...fields });
  expect(service).toBeUndefined();
  expect(problems).toHaveLength(1);
  return problems[0];
}

function metricProblems(value: unknown): Problem[] {
  const { metric, problems } = parseMetricConfig('services.llm.metrics[1]', value);
  expect(metric).toBeUndefined();
  return problems;
}

describe('parseServiceConfig: values of the wrong type', () => {
  test('a string field given a number says to quote it, and why for decimals', () => {
    expect(oneProblem({ image: 7 })).toEqual({ path: 'services.llm.image', message: 'is 7 (a number); expected a string; quote it in YAML ("7")' });
    expect(oneProblem({ namespace: 1.3 }).message).toBe('is 1.3 (a number); expected a string; quote it in YAML ("1.3"), since unquoted 1.30 would read as the number 1.3');
    expect(oneProblem({ metricsPath: true }).message).toBe('is true (true or false); expected a string; quote it in YAML ("true")');
    expect(oneProblem({ name: ['llm'] }).message).toBe('is ["llm"] (a list); expected a string');
  });

  test('a number field given a numeric string says to drop the quotes', () => {
    expect(oneProblem({ maxReplicas: '8' })).toEqual({ path: 'services.llm.maxReplicas', message: 'is "8" (a string); expected a number; write it without quotes' });
    expect(oneProblem({ port: 'http' }).message).toBe('is "http" (a string); expected a number');
  });

  test('a boolean field', () => {
    expect(oneProblem({ scaleToZero: 'yes' })).toEqual({ path: 'services.llm.scaleToZero', message: 'is "yes" (a string); expected true or false' });
  });

  test('a quantity takes a string or a number (kept as a string), nothing else', () => {
    expect(oneProblem({ sharedMemorySize: ['1Gi'] })).toEqual({ path: 'services.llm.sharedMemorySize', message: 'is ["1Gi"] (a list); expected a Kubernetes quantity such as "2", "500m" or "16Gi"' });
    const { service } = parseServiceConfig('s', { ...BASE, resources: { cpu: { request: 2, limit: '2500m' } } });
    expect(service?.resources).toEqual({ cpu: { request: '2', limit: '2500m' } });
  });

  test('a number-or-string field', () => {
    expect(oneProblem({ disruptionBudget: { maxUnavailable: true } })).toEqual({
      path: 'services.llm.disruptionBudget.maxUnavailable',
      message: 'is true (true or false); expected a number of pods or a percent such as "25%"',
    });
  });

  test('a list field given something else', () => {
    expect(oneProblem({ args: '--model x' })).toEqual({ path: 'services.llm.args', message: 'is "--model x" (a string); expected a list of strings' });
  });

  test('an empty list item', () => {
    expect(oneProblem({ args: ['--model', null] })).toEqual({ path: 'services.llm.args[1]', message: 'is an empty item; expected a string' });
  });

  test('a string map given something else', () => {
    expect(oneProblem({ env: ['HOME=/tmp'] })).toEqual({ path: 'services.llm.env', message: 'is ["HOME=/tmp"] (a list); expected an object of string values, such as { team: "ml" }' });
  });

  test('a string map value that YAML read as a number', () => {
    expect(oneProblem({ labels: { version: 2 } })).toEqual({ path: 'services.llm.labels["version"]', message: 'is 2 (a number); expected a string; quote it in YAML ("2")' });
  });

  test('an object field given something else', () => {
    expect(oneProblem({ gpu: 1 })).toEqual({ path: 'services.llm.gpu', message: 'is 1 (a number); expected an object with keys count, resourceName, product, nodeSelector' });
  });

  test('false-or-object fields refuse true', () => {
    expect(oneProblem({ disruptionBudget: true })).toEqual({
      path: 'services.llm.disruptionBudget',
      message: 'is true; expected false (to leave it out) or an object with keys maxUnavailable. Leave the key out for the defaults',
    });
    expect(parseServiceConfig('s', { ...BASE, disruptionBudget: false }).service?.disruptionBudget).toBe(false);
  });
});

describe('parseServiceConfig: keys', () => {
  test('an unknown key names the allowed keys and the closest one', () => {
    const p = oneProblem({ minReplica: 2 });
    expect(p.path).toBe('services.llm.minReplica');
    expect(p.message).toMatch(/^is not a known key \(did you mean "minReplicas"\?\); allowed: name, namespace, image, port, .*, labels$/);
  });

  test('an unknown key far from every known key gets no guess', () => {
    expect(oneProblem({ gpu: { count: 1, vendor: 'nvidia' } })).toEqual({
      path: 'services.llm.gpu.vendor',
      message: 'is not a known key; allowed: count, resourceName, product, nodeSelector',
    });
  });

  test('a missing required key says what it takes', () => {
    expect(oneProblem({ gpu: { product: 'NVIDIA-A10G' } })).toEqual({ path: 'services.llm.gpu.count', message: 'is missing; it is required: a number' });
    const { problems } = parseServiceConfig('services.llm', { maxReplicas: 2 });
    expect(problems).toEqual([{ path: 'services.llm.image', message: 'is missing; it is required: a string' }]);
  });

  test('a key without a value (YAML null)', () => {
    expect(oneProblem({ model: null })).toEqual({ path: 'services.llm.model', message: 'is empty (a key without a value in YAML); expected an object with keys name, loadTimeSeconds, or leave the key out' });
    expect(oneProblem({ image: null })).toEqual({ path: 'services.llm.image', message: 'is empty (a key without a value in YAML); expected a string' });
  });

  test('the service itself is not an object', () => {
    const { service, problems } = parseServiceConfig('services.llm', 'vllm');
    expect(service).toBeUndefined();
    expect(problems).toEqual([{ path: 'services.llm', message: 'is "vllm" (a string); expected an inference service: an object with at least image and maxReplicas' }]);
  });

  test('every problem of a service at once, in config paths', () => {
    const { problems } = parseServiceConfig('services.llm', {
      image: 'x', maxReplicas: '4', gpu: { count: 1, vendor: 'x' }, metrics: [{ gpuUtilization: { targetPercent: 175 } }], behavior: 'bursty',
    });
    expect(problems.map((p) => p.path)).toEqual([
      'services.llm.gpu.vendor',
      'services.llm.maxReplicas',
      'services.llm.metrics[0].gpuUtilization.targetPercent',
      'services.llm.behavior',
    ]);
  });
});

describe('engine metrics and model servers in config', () => {
  test('engine metrics by name, with a bare number for their one target', () => {
    const cases: [unknown, ScalingMetric][] = [
      [{ waitingRequests: 4 }, ScalingMetric.waitingRequests({ targetPerPod: 4 })],
      [{ runningRequests: { targetShareOfMaxSequences: 0.8, maxSequences: 64 } }, ScalingMetric.runningRequests({ targetShareOfMaxSequences: 0.8, maxSequences: 64 })],
      [{ kvCacheUsage: 0.8 }, ScalingMetric.kvCacheUsage({ targetRatio: 0.8 })],
      [{ timeToFirstToken: { targetSeconds: 1, quantile: 0.9 } }, ScalingMetric.timeToFirstToken({ targetSeconds: 1, quantile: 0.9 })],
      [{ interTokenLatency: { targetSeconds: 0.05 } }, ScalingMetric.interTokenLatency({ targetSeconds: 0.05 })],
      [{ queueTime: { targetSeconds: 0.5, quantile: 'mean' } }, ScalingMetric.queueTime({ targetSeconds: 0.5, quantile: 'mean' })],
      [{ tokenThroughput: { targetPerPod: 900, rateWindowSeconds: 120 } }, ScalingMetric.tokenThroughput({ targetPerPod: 900, rateWindowSeconds: 120 })],
    ];
    for (const [config, metric] of cases) expect(parseMetricConfig('m', config).metric?.definition).toEqual(metric.definition);
  });

  test('a model server by engine name, or with its options; an unknown engine names the field', () => {
    const parse = (modelServer: unknown) => parseServiceConfig('services.llm', { image: 'x', maxReplicas: 2, modelServer });
    expect(parse('tgi').service?.modelServer?.spec.engine).toBe('tgi');
    expect(parse({ vllm: { version: '0.9' } }).service?.modelServer?.spec.series.kvCacheUsage?.name).toBe('vllm:gpu_cache_usage_perc');
    expect(parse('vllmm').problems).toEqual([{
      path: 'services.llm.modelServer',
      message: 'is not a model server with a preset (did you mean "vllm"?); expected an engine name (vllm, sglang, triton, tgi, tei) or one key naming it with its options, such as { vllm: { version: "0.11" } }',
    }]);
    expect(parse({ vllm: { revision: '1' } }).problems.map((p) => p.path)).toEqual(['services.llm.modelServer.vllm.revision']);
  });
});

describe('parseMetricConfig', () => {
  test('each catalogue factory by name, options as an object or a bare number for utilization', () => {
    expect(METRIC_CONFIG_NAMES).toEqual([
      'requestsPerSecond', 'cpuUtilization', 'memoryUtilization', 'gpuUtilization', 'latency', 'errorRate', 'inFlightRequests', 'queueDepth', 'externalQueue', 'objectMetric',
      'waitingRequests', 'runningRequests', 'kvCacheUsage', 'timeToFirstToken', 'interTokenLatency', 'queueTime', 'tokenThroughput', 'custom',
    ]);
    const cases: [unknown, ScalingMetric][] = [
      [{ requestsPerSecond: { targetPerPod: 4, counter: 'vllm:request_success_total', rateWindowSeconds: 120 } }, ScalingMetric.requestsPerSecond({ targetPerPod: 4, counter: 'vllm:request_success_total', rateWindowSeconds: 120 })],
      [{ cpuUtilization: 80 }, ScalingMetric.cpuUtilization(80)],
      [{ cpuUtilization: { targetPercent: 80 } }, ScalingMetric.cpuUtilization(80)],
      [{ memoryUtilization: 90 }, ScalingMetric.memoryUtilization(90)],
      [{ gpuUtilization: { targetPercent: 75, source: 'engineActive' } }, ScalingMetric.gpuUtilization({ targetPercent: 75, source: 'engineActive' })],
      [{ gpuUtilization: 75 }, ScalingMetric.gpuUtilization({ targetPercent: 75 })],
      [{ latency: { quantile: 'mean', targetSeconds: 2 } }, ScalingMetric.latency({ quantile: 'mean', targetSeconds: 2 })],
      [{ errorRate: { targetRatio: 0.05, errorMatcher: 'code=~"5.."' } }, ScalingMetric.errorRate({ targetRatio: 0.05, errorMatcher: 'code=~"5.."' })],
      [{ inFlightRequests: { targetPerPod: 16 } }, ScalingMetric.inFlightRequests({ targetPerPod: 16 })],
      [{ queueDepth: { targetPerPod: 4, gauge: 'vllm:num_requests_waiting' } }, ScalingMetric.queueDepth({ targetPerPod: 4, gauge: 'vllm:num_requests_waiting' })],
      [{ externalQueue: { series: 'kafka_consumergroup_lag', selector: { consumergroup: 'llm' }, targetPerReplica: 100 } }, ScalingMetric.externalQueue({ series: 'kafka_consumergroup_lag', selector: { consumergroup: 'llm' }, targetPerReplica: 100 })],
      [{ objectMetric: { describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'llm' }, series: 'nginx_ingress_controller_requests', targetAverageValue: 10 } },
        ScalingMetric.objectMetric({ describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'llm' }, series: 'nginx_ingress_controller_requests', targetAverageValue: 10 })],
      [{ custom: { type: 'External', name: 'sqs_visible', seriesQuery: 'sqs_visible', metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>})', resources: { namespaced: false }, targetValue: 30 } },
        ScalingMetric.custom({ type: 'External', name: 'sqs_visible', seriesQuery: 'sqs_visible', metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>})', resources: { namespaced: false }, targetValue: 30 })],
      [{ custom: { type: 'Pods', name: 'waiting', seriesQuery: 'w{pod!=""}', metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)', resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } }, targetAverageValue: 2 } },
        ScalingMetric.custom({ type: 'Pods', name: 'waiting', seriesQuery: 'w{pod!=""}', metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)', resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } }, targetAverageValue: 2 })],
    ];
    for (const [config, expected] of cases) {
      const { metric, problems } = parseMetricConfig('m', config);
      expect(problems).toEqual([]);
      expect(metric?.kind).toBe(expected.kind);
      expect(metric?.definition).toEqual(expected.definition);
    }
  });

  test('not an object', () => {
    expect(metricProblems('gpuUtilization')).toEqual([{ path: 'services.llm.metrics[1]', message: 'is "gpuUtilization" (a string); expected one key naming the metric, such as { gpuUtilization: { targetPercent: 75 } }' }]);
  });

  test('no key', () => {
    expect(metricProblems({})[0].message).toBe(`is {}; expected one key naming the metric, such as { gpuUtilization: { targetPercent: 75 } }; metrics: ${METRIC_CONFIG_NAMES.join(', ')}`);
  });

  test('two keys (two metrics written as one item)', () => {
    expect(metricProblems({ cpuUtilization: 80, gpuUtilization: 75 })).toEqual([{
      path: 'services.llm.metrics[1]',
      message: 'has 2 keys ("cpuUtilization", "gpuUtilization"); expected exactly one, naming the metric, such as { gpuUtilization: { targetPercent: 75 } }. Write each metric as its own list item',
    }]);
  });

  test('an unknown metric, with the closest name', () => {
    expect(metricProblems({ gpuUtilisation: 75 })).toEqual([{
      path: 'services.llm.metrics[1].gpuUtilisation',
      message: `is not a known metric (did you mean "gpuUtilization"?); metrics: ${METRIC_CONFIG_NAMES.join(', ')}`,
    }]);
  });

  test('options of the wrong type: a number is only short for the utilization metrics', () => {
    expect(metricProblems({ gpuUtilization: '75%' })).toEqual([{
      path: 'services.llm.metrics[1].gpuUtilization',
      message: 'is "75%" (a string); expected a number (the targetPercent) or an object with keys targetPercent, source',
    }]);
    expect(metricProblems({ requestsPerSecond: 4 })).toEqual([{
      path: 'services.llm.metrics[1].requestsPerSecond',
      message: 'is 4 (a number); expected an object with keys targetPerPod, counter, rateWindowSeconds',
    }]);
  });

  test('unknown and missing option keys, and option types, before the factory runs', () => {
    expect(metricProblems({ latency: { quantile: 0.95, targetSecond: 2 } })).toEqual([
      { path: 'services.llm.metrics[1].latency.targetSecond', message: 'is not a known key (did you mean "targetSeconds"?); allowed: targetSeconds, quantile, histogram, rateWindowSeconds' },
      { path: 'services.llm.metrics[1].latency.targetSeconds', message: 'is missing; it is required: a number' },
    ]);
    expect(metricProblems({ latency: { targetSeconds: 2, quantile: [0.95] } })).toEqual([
      { path: 'services.llm.metrics[1].latency.quantile', message: 'is [0.95] (a list); expected a quantile between 0 and 1, or "mean"' },
    ]);
  });

  test('the factory\'s own problems carry the config path', () => {
    expect(metricProblems({ gpuUtilization: { targetPercent: 175 } })).toEqual([
      { path: 'services.llm.metrics[1].gpuUtilization.targetPercent', message: 'is 175; expected a whole percent from 1 to 100' },
    ]);
    // With the shorthand, the value itself is the target.
    expect(metricProblems({ cpuUtilization: 0 })).toEqual([
      { path: 'services.llm.metrics[1].cpuUtilization', message: 'is 0; expected a whole percent of the cpu request, 1 or more' },
    ]);
    expect(metricProblems({ externalQueue: { series: 'lag' } })[0]).toEqual({
      path: 'services.llm.metrics[1].externalQueue.targetPerReplica|targetTotal',
      message: 'expected exactly one of targetPerReplica (per replica) and targetTotal (in total)',
    });
  });

  test('custom metric resources: the two shapes the adapter takes', () => {
    const custom = (resources: unknown): unknown => ({ custom: { type: 'Pods', name: 'w', seriesQuery: 'w', metricsQuery: '<<.LabelMatchers>>', targetAverageValue: 1, resources } });
    expect(metricProblems(custom('pod'))).toEqual([{
      path: 'services.llm.metrics[1].custom.resources',
      message: 'is "pod" (a string); expected { overrides: { <label>: { resource, group } } } or { namespaced: false }',
    }]);
    expect(metricProblems(custom({ namespaced: true }))).toEqual([{
      path: 'services.llm.metrics[1].custom.resources.namespaced',
      message: 'is true; only { namespaced: false } is meaningful. Leave resources out for the default namespace and pod mapping',
    }]);
    expect(metricProblems(custom({ overrides: ['pod'] }))).toEqual([{
      path: 'services.llm.metrics[1].custom.resources.overrides',
      message: 'is ["pod"] (a list); expected an object of resources by label, such as { namespace: { resource: "namespace" } }',
    }]);
    expect(metricProblems(custom({ overrides: { pod: { kind: 'pod' } } }))).toEqual([
      { path: 'services.llm.metrics[1].custom.resources.overrides["pod"].kind', message: 'is not a known key; allowed: resource, group' },
      { path: 'services.llm.metrics[1].custom.resources.overrides["pod"].resource', message: 'is missing; it is required: a string' },
    ]);
  });
});

describe('parseBehaviorConfig', () => {
  test('presets by name and custom rules', () => {
    for (const preset of ['burst', 'steady', 'queue'] as const) {
      expect(parseBehaviorConfig('b', preset).behavior?.resolve(240)).toEqual(ScalingBehavior[preset]().resolve(240));
    }
    const rules = { scaleUp: { stabilizationWindowSeconds: 30, policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] }, scaleDown: { selectPolicy: 'Disabled' } };
    const { behavior, problems } = parseBehaviorConfig('b', { custom: rules });
    expect(problems).toEqual([]);
    expect(behavior?.preset).toBe('custom');
    expect(behavior?.resolve(60)).toEqual(ScalingBehavior.custom(rules as never).resolve(60));
  });

  test('an unknown preset, with the closest name', () => {
    expect(parseBehaviorConfig('services.llm.behavior', 'bursty').problems).toEqual([{
      path: 'services.llm.behavior',
      message: 'is "bursty" (did you mean "burst"?); expected "burst", "steady", "queue" or { custom: { scaleUp, scaleDown } }',
    }]);
  });

  test('"custom" without its rules', () => {
    expect(parseBehaviorConfig('b', 'custom').problems[0].message).toBe('is "custom", which needs its rules: write { custom: { scaleUp: {...}, scaleDown: {...} } }');
  });

  test('neither a name nor an object', () => {
    expect(parseBehaviorConfig('b', 3).problems).toEqual([{ path: 'b', message: 'is 3 (a number); expected "burst", "steady", "queue" or { custom: { scaleUp, scaleDown } }' }]);
  });

  test('custom rules: their keys and types', () => {
    expect(parseBehaviorConfig('b', { burst: {} }).problems).toEqual([
      { path: 'b.burst', message: 'is not a known key; allowed: custom' },
      { path: 'b.custom', message: 'is missing; it is required: custom rules { scaleUp, scaleDown }' },
    ]);
    expect(parseBehaviorConfig('b', { custom: { scaleUp: { policies: [{ type: 'Pods', value: '4', periodSeconds: 15 }] } } }).problems).toEqual([
      { path: 'b.custom.scaleUp.policies[0].value', message: 'is "4" (a string); expected a number; write it without quotes' },
    ]);
  });
});

describe('services and GPU node pools', () => {
  test('services keyed by id; ids that are not plain words are quoted in paths', () => {
    expect(childPath('services', 'llm')).toBe('services.llm');
    expect(childPath('services', 'text-embed')).toBe('services.text-embed');
    expect(childPath('services', 'my llm')).toBe('services["my llm"]');
    const { services, problems } = parseServicesConfig('services', { llm: BASE, 'my llm': { ...BASE, port: '80' } });
    expect(services).toBeUndefined();
    expect(problems.map((p) => p.path)).toEqual(['services["my llm"].port']);
    expect(parseServicesConfig('services', { llm: BASE }).services).toEqual({ llm: BASE });
  });

  test('services that are not an object keyed by id', () => {
    expect(parseServicesConfig('services', [BASE]).problems).toEqual([{
      path: 'services', message: 'is [{"image":"vllm/vllm-openai:v0.11.0","maxReplicas":4}] (a list); expected services keyed by id, such as { llm: { image: ..., maxReplicas: 4 } }',
    }]);
  });

  test('a long value is cut short in messages', () => {
    const message = parseServicesConfig('services', 'x'.repeat(200)).problems[0].message;
    expect(message).toBe(`is "${'x'.repeat(76)}... (a string); expected services keyed by id, such as { llm: { image: ..., maxReplicas: 4 } }`);
  });

  test('a GPU node pool: keys, types and what it takes', () => {
    const pool = { name: 'a10g', instanceType: 'g5.xlarge', minNodes: 0, maxNodes: 4, labels: { team: 'ml' }, ami: 'AL2023_x86_64_NVIDIA', timeSlicing: { replicas: 4 }, taint: true, capacityType: 'SPOT', diskSizeGiB: 200 };
    expect(parseGpuNodePoolConfig('p', pool)).toEqual({ pool, problems: [] });
    expect(parseGpuNodePoolConfig('gpuNodePools[0]', { name: 'a10g', instanceType: 'g5.xlarge', maxNode: 4 }).problems).toEqual([
      { path: 'gpuNodePools[0].maxNode', message: 'is not a known key (did you mean "maxNodes"?); allowed: name, instanceType, minNodes, maxNodes, labels, ami, timeSlicing, taint, capacityType, diskSizeGiB' },
      { path: 'gpuNodePools[0].maxNodes', message: 'is missing; it is required: a number' },
    ]);
    expect(parseGpuNodePoolConfig('gpuNodePools[0]', 'g5.xlarge').problems[0].message).toBe('is "g5.xlarge" (a string); expected a GPU node pool such as { name: "a10g", instanceType: "g5.xlarge", maxNodes: 2 }');
  });

  test('a list of GPU node pools', () => {
    expect(parseGpuNodePoolsConfig('gpuNodePools', { a10g: {} }).problems).toEqual([{ path: 'gpuNodePools', message: 'is {"a10g":{}} (an object); expected a list of GPU node pools' }]);
    const { pools, problems } = parseGpuNodePoolsConfig('gpuNodePools', [{ name: 'a', instanceType: 'g5.xlarge', maxNodes: 1 }, { name: 'b', instanceType: 'g6.xlarge', maxNodes: '1' }]);
    expect(pools).toBeUndefined();
    expect(problems.map((p) => p.path)).toEqual(['gpuNodePools[1].maxNodes']);
  });
});

/** The full example, as YAML, and the same services and pools written in TypeScript. */
const FULL_EXAMPLE = `
gpuNodePools:
  - { name: a10g, instanceType: g5.xlarge, minNodes: 0, maxNodes: 4, diskSizeGiB: 200 }
  - name: l4
    instanceType: g6.12xlarge
    maxNodes: 2
    capacityType: SPOT
    ami: BOTTLEROCKET_x86_64_NVIDIA
    timeSlicing: { replicas: 2, renameByDefault: false }
    labels: { team: ml }
    taint: true
services:
  llm:
    name: chat
    namespace: serving
    image: vllm/vllm-openai:v0.11.0
    port: 8000
    metricsPort: 8001
    metricsPath: /metrics
    command: [python3, -m, vllm.entrypoints.openai.api_server]
    args: [--model, Qwen/Qwen2.5-7B-Instruct]
    env: { HOME: /tmp, HF_HUB_OFFLINE: "1" }
    model: { name: Qwen/Qwen2.5-7B-Instruct, loadTimeSeconds: 240 }
    gpu: { count: 1, product: NVIDIA-A10G }
    resources:
      cpu: { request: 3 }
      memory: { request: 12Gi, limit: 12Gi }
    sharedMemorySize: 4Gi
    minReplicas: 1
    maxReplicas: 4
    metrics:
      - requestsPerSecond: { targetPerPod: 4, counter: "vllm:request_success_total" }
      - gpuUtilization: { targetPercent: 75 }
      - latency: { quantile: 0.95, targetSeconds: 4, histogram: "vllm:e2e_request_latency_seconds" }
      - errorRate: { targetRatio: 0.05 }
      - inFlightRequests: { targetPerPod: 16, gauge: "vllm:num_requests_running" }
      - queueDepth: { targetPerPod: 4, gauge: "vllm:num_requests_waiting" }
      - cpuUtilization: 80
    behavior:
      custom:
        scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: Pods, value: 2, periodSeconds: 30 }] }
        scaleDown: { stabilizationWindowSeconds: 600, selectPolicy: Max, policies: [{ type: Percent, value: 10, periodSeconds: 60 }] }
    probes: { readinessPath: /health, livenessPath: /ping, startupPeriodSeconds: 10, startupFailureThreshold: 40, readinessPeriodSeconds: 5, livenessPeriodSeconds: 10, livenessFailureThreshold: 6, timeoutSeconds: 5 }
    shutdown: { preStopSleepSeconds: 15, drainSeconds: 120 }
    disruptionBudget: { maxUnavailable: "25%" }
    security: { runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001, readOnlyRootFilesystem: false }
    topologySpread: true
    labels: { team: ml }
  worker:
    image: ghcr.io/acme/batch:1.0
    minReplicas: 0
    maxReplicas: 10
    scaleToZero: true
    disruptionBudget: false
    metrics:
      - externalQueue: { series: kafka_consumergroup_lag, selector: { consumergroup: batch }, targetPerReplica: 100 }
      - objectMetric: { describedObject: { apiVersion: networking.k8s.io/v1, kind: Ingress, name: batch }, series: nginx_ingress_controller_requests, targetValue: 100 }
    behavior: queue
`;

const EXAMPLE_POOLS: GpuNodePoolProps[] = [
  { name: 'a10g', instanceType: 'g5.xlarge', minNodes: 0, maxNodes: 4, diskSizeGiB: 200 },
  { name: 'l4', instanceType: 'g6.12xlarge', maxNodes: 2, capacityType: 'SPOT', ami: 'BOTTLEROCKET_x86_64_NVIDIA', timeSlicing: { replicas: 2, renameByDefault: false }, labels: { team: 'ml' }, taint: true },
];

function exampleServices(): Record<string, InferenceServiceProps> {
  return {
    llm: {
      name: 'chat',
      namespace: 'serving',
      image: 'vllm/vllm-openai:v0.11.0',
      port: 8000,
      metricsPort: 8001,
      metricsPath: '/metrics',
      command: ['python3', '-m', 'vllm.entrypoints.openai.api_server'],
      args: ['--model', 'Qwen/Qwen2.5-7B-Instruct'],
      env: { HOME: '/tmp', HF_HUB_OFFLINE: '1' },
      model: { name: 'Qwen/Qwen2.5-7B-Instruct', loadTimeSeconds: 240 },
      gpu: { count: 1, product: 'NVIDIA-A10G' },
      resources: { cpu: { request: '3' }, memory: { request: '12Gi', limit: '12Gi' } },
      sharedMemorySize: '4Gi',
      minReplicas: 1,
      maxReplicas: 4,
      metrics: [
        ScalingMetric.requestsPerSecond({ targetPerPod: 4, counter: 'vllm:request_success_total' }),
        ScalingMetric.gpuUtilization({ targetPercent: 75 }),
        ScalingMetric.latency({ quantile: 0.95, targetSeconds: 4, histogram: 'vllm:e2e_request_latency_seconds' }),
        ScalingMetric.errorRate({ targetRatio: 0.05 }),
        ScalingMetric.inFlightRequests({ targetPerPod: 16, gauge: 'vllm:num_requests_running' }),
        ScalingMetric.queueDepth({ targetPerPod: 4, gauge: 'vllm:num_requests_waiting' }),
        ScalingMetric.cpuUtilization(80),
      ],
      behavior: ScalingBehavior.custom({
        scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 2, periodSeconds: 30 }] },
        scaleDown: { stabilizationWindowSeconds: 600, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] },
      }),
      probes: { readinessPath: '/health', livenessPath: '/ping', startupPeriodSeconds: 10, startupFailureThreshold: 40, readinessPeriodSeconds: 5, livenessPeriodSeconds: 10, livenessFailureThreshold: 6, timeoutSeconds: 5 },
      shutdown: { preStopSleepSeconds: 15, drainSeconds: 120 },
      disruptionBudget: { maxUnavailable: '25%' },
      security: { runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001, readOnlyRootFilesystem: false },
      topologySpread: true,
      labels: { team: 'ml' },
    },
    worker: {
      image: 'ghcr.io/acme/batch:1.0',
      minReplicas: 0,
      maxReplicas: 10,
      scaleToZero: true,
      disruptionBudget: false,
      metrics: [
        ScalingMetric.externalQueue({ series: 'kafka_consumergroup_lag', selector: { consumergroup: 'batch' }, targetPerReplica: 100 }),
        ScalingMetric.objectMetric({ describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'batch' }, series: 'nginx_ingress_controller_requests', targetValue: 100 }),
      ],
      behavior: ScalingBehavior.queue(),
    },
  };
}

describe('round trip of a full example', () => {
  const doc = parseYaml(FULL_EXAMPLE) as { gpuNodePools: unknown; services: unknown };

  test('the YAML parses without a problem into the same props as the TypeScript', () => {
    const { services, problems } = parseServicesConfig('services', doc.services);
    expect(problems).toEqual([]);
    const expected = exampleServices();
    expect(Object.keys(services!)).toEqual(Object.keys(expected));
    for (const [id, props] of Object.entries(expected)) {
      const { metrics, behavior, ...rest } = services![id];
      const { metrics: expectedMetrics, behavior: expectedBehavior, ...expectedRest } = props;
      expect(rest).toEqual(expectedRest);
      expect(metrics!.map((m) => m.definition)).toEqual(expectedMetrics!.map((m) => m.definition));
      expect(behavior!.preset).toBe(expectedBehavior!.preset);
      // Resolved, the two describe the same Kubernetes objects down to every default.
      const parsed = resolveInferenceService(services![id], id);
      expect(parsed.problems).toEqual([]);
      expect(parsed.service).toEqual(resolveInferenceService(props, id).service);
    }
  });

  test('the GPU node pools parse into the same props, and resolve the same', () => {
    const { pools, problems } = parseGpuNodePoolsConfig('gpuNodePools', doc.gpuNodePools);
    expect(problems).toEqual([]);
    expect(pools).toEqual(EXAMPLE_POOLS);
    pools!.forEach((p, i) => expect(resolveGpuNodePool(p)).toEqual(resolveGpuNodePool(EXAMPLE_POOLS[i])));
  });

  test('props without metrics and behavior survive JSON and back unchanged', () => {
    for (const props of Object.values(exampleServices())) {
      const { metrics: _m, behavior: _b, ...plain } = props;
      const { service, problems } = parseServiceConfig('s', JSON.parse(JSON.stringify(plain)));
      expect(problems).toEqual([]);
      expect(service).toEqual(plain);
    }
  });
});
