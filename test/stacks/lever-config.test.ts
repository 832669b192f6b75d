import { parse as parseYaml } from 'yaml';
import { parseServiceConfig } from '../../lib/core/service-config';
import { parseStackConfig } from '../../stacks/pulumi/stack-config';

// The keys `inferscale tune` prints for Pulumi.dev.yaml parse into the platform's and the service's props.
describe('cold-start levers in the stack config', () => {
  test('platform gpuHeadroom and imagePrepull, as tune prints them', () => {
    const platform = parseYaml('gpuHeadroom: [{ pool: a10g, nodes: 1 }]\nimagePrepull: {}\n');
    const { config, problems } = parseStackConfig({ environment: { gpuNodeGroups: [] }, platform });
    expect(problems.filter((p) => p.path.startsWith('platform'))).toEqual([]);
    expect(config.platform).toMatchObject({ gpuHeadroom: [{ pool: 'a10g', nodes: 1 }], imagePrepull: {} });
  });

  test('a service\'s scheduledFloors, and a window missing its minReplicas named by path', () => {
    const yaml = 'image: vllm/vllm-openai:v0.11.0\nmaxReplicas: 8\nscheduledFloors: {"floors":[{"from":"08:00","to":"20:00","minReplicas":4}]}\n';
    expect(parseServiceConfig('services.llm', parseYaml(yaml)).service?.scheduledFloors).toEqual({ floors: [{ from: '08:00', to: '20:00', minReplicas: 4 }] });
    const bad = parseServiceConfig('services.llm', { image: 'x:1', maxReplicas: 8, scheduledFloors: { floors: [{ from: '08:00', to: '20:00' }] } });
    expect(bad.problems.map((p) => p.path)).toEqual(['services.llm.scheduledFloors.floors[0].minReplicas']);
  });
});
