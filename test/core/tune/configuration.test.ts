import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InferenceServiceProps, ModelCache, resolveInferenceService, ScalingBehavior, ScalingMetric } from '../../../lib/core';
import type { HpaBehavior } from '../../../lib/core/hpa';
import { serviceFromResolved, SimulatedService } from '../../../lib/core/simulator';
import {
  basePoint, configure, metricCall, renderPulumiKeys, renderTypescriptProps, tunedConfiguration, TunePoint, TuneSpace,
} from '../../../lib/core/tune';
import { defaultServices, previousLlmMetrics } from '../../../stacks/default-services';
import { parseStackConfig } from '../../../stacks/pulumi/stack-config';
import { loadStackConfigFile } from '../../support/pulumi-mocks';

function simulated(props: InferenceServiceProps): SimulatedService {
  const { service, problems } = resolveInferenceService(props, 'llm');
  if (!service) throw new Error(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  return serviceFromResolved(service);
}

/** A behavior with its policies in a fixed order, to compare two that list them differently. */
function normalized(b: HpaBehavior | null): unknown {
  if (b === null) return null;
  const rules = (r: HpaBehavior['scaleUp']) => ({ ...r, policies: [...r.policies].sort((x, y) => `${x.type}${x.value}`.localeCompare(`${y.type}${y.value}`)) });
  return { scaleUp: rules(b.scaleUp), scaleDown: rules(b.scaleDown) };
}

const LLM = defaultServices().llm;

// A point far from the configured one in every dimension the printed props carry.
const SPACE: TuneSpace = {
  targetScales: [[1, 2], [1, 0.75], [1, 0]],
  minReplicas: [1, 2],
  behaviors: ['configured', 'steady'],
  headroomNodes: [0, 2],
  imagePrepull: [false, true],
  floors: [undefined, { floors: [{ from: '08:00', to: '12:00', minReplicas: 4 }, { from: '23:45', to: '24:00', minReplicas: 3 }] }],
  scaleDownWindows: [undefined, 900],
  scaleUpPercents: [undefined, 200],
  scaleUpPeriods: [undefined, 30],
  weightCaches: [undefined, { storageBytesPerSecond: 2e9, scope: 'shared' }],
};
const TUNED: TunePoint = { targets: [1, 1, 1], minReplicas: 1, behavior: 1, headroom: 1, prepull: 1, floors: 1, scaleDownWindow: 1, scaleUpPercent: 1, scaleUpPeriod: 1, weightCache: 1 };

/** What the simulator runs for the point: the printed props must resolve to the same service. */
function expected(service: SimulatedService, point: TunePoint) {
  const { service: s, options } = configure(service, SPACE, point);
  return { minReplicas: s.minReplicas, metrics: s.metrics, behavior: normalized(s.behavior), floors: options.levers?.scheduledFloors };
}

function actual(props: InferenceServiceProps) {
  const s = simulated(props);
  return { minReplicas: s.minReplicas, metrics: s.metrics, behavior: normalized(s.behavior), floors: props.scheduledFloors };
}

describe('the chosen configuration as props', () => {
  const service = simulated(LLM);
  const config = tunedConfiguration(service, SPACE, TUNED, 'a10g');

  test('the TypeScript props, evaluated, resolve to the service the simulator tuned', () => {
    const text = renderTypescriptProps(config);
    // The printed lines are members of an object literal; the platform's come after the comment.
    const evaluated = new Function('ScalingMetric', 'ScalingBehavior', 'ModelCache', `return {\n${text}\n};`)(ScalingMetric, ScalingBehavior, ModelCache) as Record<string, unknown>;
    const { gpuHeadroom, imagePrepull, ...serviceProps } = evaluated;
    expect(actual({ ...LLM, ...serviceProps } as InferenceServiceProps)).toEqual(expected(service, TUNED));
    expect(serviceProps.modelCache).toEqual(ModelCache.persistentVolumeClaim({ claimName: 'model-weights', readOnly: true }));
    expect({ gpuHeadroom, imagePrepull }).toEqual({ gpuHeadroom: [{ pool: 'a10g', nodes: 2 }], imagePrepull: true });
    expect(text).toContain('ScalingMetric.waitingRequests({ targetPerPod: 2 }),');
    expect(text).toContain('ScalingMetric.kvCacheUsage({ targetRatio: 0.6 }),');
    expect(text).toContain('// dropped: vllm_time_to_first_token_seconds_p95');
  });

  test('the Pulumi.dev.yaml keys, merged into the stack file, parse through the stack\'s config reader to the same service and levers', () => {
    const printed = parseYaml(renderPulumiKeys(config)) as Record<string, Record<string, unknown>>;
    expect(Object.keys(printed)).toEqual(['inferscale:services', 'inferscale:platform']);
    const dev = loadStackConfigFile(join(__dirname, '..', '..', '..', 'Pulumi.dev.yaml')) as Record<string, Record<string, Record<string, unknown>>>;
    const services = { ...dev['inferscale:services'], llm: { ...dev['inferscale:services'].llm, ...(printed['inferscale:services'].llm as Record<string, unknown>) } };
    const platform = { ...dev['inferscale:platform'], ...printed['inferscale:platform'] };
    // As the Pulumi CLI hands structured config to the program: JSON.
    const { config: stack, problems } = parseStackConfig(JSON.parse(JSON.stringify({ environment: dev['inferscale:environment'], services, platform, storage: dev['inferscale:storage'] })));
    expect(problems).toEqual([]);
    expect(actual(stack.services.llm)).toEqual(expected(service, TUNED));
    expect(stack.platform).toMatchObject({ gpuHeadroom: [{ pool: 'a10g', nodes: 2 }], imagePrepull: {} });
  });

  test('a preset left as it is prints as the preset, and no lever as none', () => {
    const plain = tunedConfiguration(service, SPACE, basePoint(SPACE), 'a10g');
    expect(plain.behavior).toBe('burst');
    const text = renderTypescriptProps(plain);
    expect(text).toContain('behavior: ScalingBehavior.burst(),');
    expect(text).toContain('gpuHeadroom: [],\nimagePrepull: false,');
    const yaml = parseYaml(renderPulumiKeys(plain)) as Record<string, Record<string, Record<string, unknown>>>;
    expect(yaml['inferscale:services'].llm.behavior).toBe('burst');
    expect(yaml['inferscale:platform']).toEqual({ gpuHeadroom: [], imagePrepull: false });
  });

  test('times of day print quoted, so no YAML reader takes 08:00 for a number', () => {
    expect(renderPulumiKeys(config)).toContain('from: "08:00"');
  });
});

describe('metricCall', () => {
  test('the previous metrics map back to the catalogue calls they came from', () => {
    const calls = simulated({ ...LLM, metrics: previousLlmMetrics() }).metrics.map(metricCall);
    expect(calls).toEqual([
      { factory: 'requestsPerSecond', options: { targetPerPod: 4, counter: 'vllm:request_success_total' } },
      { factory: 'gpuUtilization', options: { targetPercent: 75 } },
      { factory: 'latency', options: { quantile: 0.95, targetSeconds: 4, histogram: 'vllm:e2e_request_latency_seconds' } },
      { factory: 'cpuUtilization', options: 80 },
    ]);
  });

  test('a metric no factory describes has no call', () => {
    expect(metricCall({ name: 'queue_messages', type: 'External', signal: 'externalQueue', targetType: 'Value', target: 30000, rateWindowSeconds: 60 })).toBeUndefined();
  });
});
