import { ScalingMetric } from '../../lib/cdk8s';
import { platformErrorOf, renderPlatform } from '../support/platform';
import { find, K8sObject } from '../support/synth';

const POOL = { name: 'a10g', instanceType: 'g5.xlarge', minNodes: 0, maxNodes: 8 };
const LLM = {
  image: 'vllm/vllm-openai:v0.11.0',
  gpu: { count: 1 },
  maxReplicas: 6,
  metrics: [ScalingMetric.queueDepth({ targetPerPod: 4 })],
};
const WEEKDAY_FLOOR = { timeZone: 'Europe/Berlin', floors: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, from: '08:00', to: '20:00', minReplicas: 3 }] };
const kinds = (objects: K8sObject[], kind: string): string[] => objects.filter((o) => o.kind === kind).map((o) => o.metadata.name).sort();

describe('GPU headroom', () => {
  test('placeholders hold one whole pool node each, below every workload, never preempting, and pass the manifest checks', () => {
    const { objects } = renderPlatform({ gpuNodePools: [{ ...POOL, timeSlicing: { replicas: 4 } }], gpuHeadroom: [{ pool: 'a10g', nodes: 2 }], services: { llm: { ...LLM, gpu: { count: 1, resourceName: 'nvidia.com/gpu.shared' } } } });
    const pc = find(objects, 'PriorityClass', 'inferscale-gpu-headroom');
    expect(pc.value).toBeLessThan(0);
    // cluster-autoscaler's default --expendable-pods-priority-cutoff: pods below it never get a node.
    expect(pc.value).toBeGreaterThanOrEqual(-10);
    expect(pc.preemptionPolicy).toBe('Never');
    expect(pc.globalDefault).toBe(false);
    const d = find(objects, 'Deployment', 'gpu-headroom-a10g');
    expect(d.spec.replicas).toBe(2);
    const pod = d.spec.template.spec;
    expect(pod.priorityClassName).toBe('inferscale-gpu-headroom');
    expect(pod.nodeSelector).toEqual({ 'inferscale.io/gpu-pool': 'a10g' });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    // A time-sliced node advertises 4 shares: a placeholder holds all of them, so one node each.
    expect(pod.containers[0].resources.requests['nvidia.com/gpu.shared']).toBe(4);
    expect(pod.containers[0].image).toBe('registry.k8s.io/pause:3.10');
  });

  test('0 nodes renders nothing, and the placeholders\' labels select none of a service\'s pods', () => {
    const none = renderPlatform({ gpuNodePools: [POOL], gpuHeadroom: [{ pool: 'a10g', nodes: 0 }], services: { llm: LLM } }).objects;
    expect(kinds(none, 'PriorityClass')).not.toContain('inferscale-gpu-headroom');
    expect(kinds(none, 'Deployment')).not.toContain('gpu-headroom-a10g');
    const { objects } = renderPlatform({ gpuNodePools: [POOL], gpuHeadroom: [{ pool: 'a10g', nodes: 1 }], services: { llm: LLM } });
    const llmSelector = find(objects, 'Deployment', 'llm').spec.selector.matchLabels;
    const placeholder = find(objects, 'Deployment', 'gpu-headroom-a10g').spec.template.metadata.labels;
    expect(Object.entries(llmSelector).every(([k, v]) => placeholder[k] === v)).toBe(false);
  });

  test('an unknown pool and more nodes than the pool has are errors naming the field', () => {
    expect(platformErrorOf({ gpuNodePools: [POOL], gpuHeadroom: [{ pool: 'h100', nodes: 1 }] }).message)
      .toBe('AIInferencePlatform "platform": gpuHeadroom[0].pool is "h100"; expected the name of a GPU node pool: "a10g"');
    expect(platformErrorOf({ gpuNodePools: [POOL], gpuHeadroom: [{ pool: 'a10g', nodes: 9 }] }).message)
      .toBe('AIInferencePlatform "platform": gpuHeadroom[0].nodes is 9; expected whole nodes from 0 to 8 (the pool\'s maxNodes)');
  });
});

describe('image pre-pull', () => {
  test('one init container per GPU service image on the GPU pools, a pause container, tiny requests, the pool taint tolerated', () => {
    const { objects } = renderPlatform({ gpuNodePools: [POOL], imagePrepull: true, services: { llm: LLM, cpu: { image: 'ghcr.io/x/cpu:1', maxReplicas: 2, metrics: [ScalingMetric.cpuUtilization(70)] } } });
    const ds = find(objects, 'DaemonSet', 'model-image-prepull');
    expect(ds.metadata.namespace).toBe('inference');
    const pod = ds.spec.template.spec;
    expect(pod.initContainers.map((c: K8sObject) => [c.image, c.command])).toEqual([['vllm/vllm-openai:v0.11.0', ['true']]]);
    expect(pod.containers.map((c: K8sObject) => c.image)).toEqual(['registry.k8s.io/pause:3.10']);
    expect(pod.containers[0].resources.requests).toEqual({ cpu: '10m', memory: '16Mi' });
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([{ key: 'inferscale.io/gpu-pool', operator: 'In', values: ['a10g'] }]);
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
  });

  test('an unknown pool and an empty command are errors naming the field', () => {
    expect(platformErrorOf({ gpuNodePools: [POOL], imagePrepull: { pools: ['x'], command: [] }, services: { llm: LLM } }).message).toBe([
      'AIInferencePlatform "platform": imagePrepull.pools[0] is "x"; expected the name of a GPU node pool: "a10g"',
      'AIInferencePlatform "platform": imagePrepull.command is []; expected a non-empty list of non-empty strings, e.g. ["true"]',
    ].join('\n'));
  });
});

describe('scheduled floors', () => {
  test('with the adapter: a CronJob per change of the floor patches only this HPA, allowed by a Role naming it', () => {
    const { objects } = renderPlatform({ gpuNodePools: [POOL], services: { llm: { ...LLM, scheduledFloors: WEEKDAY_FLOOR } } });
    expect(kinds(objects, 'CronJob')).toEqual(['llm-floor-0800-3', 'llm-floor-2000-1']);
    const up = find(objects, 'CronJob', 'llm-floor-0800-3');
    expect(up.spec.schedule).toBe('0 8 * * 1,2,3,4,5');
    expect(up.spec.timeZone).toBe('Europe/Berlin');
    expect(up.spec.concurrencyPolicy).toBe('Forbid');
    // 12 hours between changes: a missed run may start up to an hour late, never past the next change.
    expect(up.spec.startingDeadlineSeconds).toBe(3600);
    const container = up.spec.jobTemplate.spec.template.spec.containers[0];
    expect(container.args).toEqual(['patch', 'horizontalpodautoscaler', 'llm', '--namespace', 'inference', '--type=merge', '--patch={"spec":{"minReplicas":3}}']);
    expect(find(objects, 'CronJob', 'llm-floor-2000-1').spec.jobTemplate.spec.template.spec.containers[0].args.at(-1)).toBe('--patch={"spec":{"minReplicas":1}}');
    expect(find(objects, 'Role', 'llm-floor').rules).toEqual([{ apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], resourceNames: ['llm'], verbs: ['patch'] }]);
    // The HPA keeps the service's own floor; the jobs move it.
    expect(find(objects, 'HorizontalPodAutoscaler', 'llm').spec.minReplicas).toBe(1);
    // The job's pods are not the service's: its Deployment and Service select none of them.
    const jobLabels = up.spec.jobTemplate.spec.template.metadata.labels;
    expect(jobLabels['inferscale.io/service']).toBeUndefined();
  });

  test('with KEDA: a cron trigger per window, after the metric triggers, and no CronJob', () => {
    const { objects } = renderPlatform({ autoscaler: 'keda', gpuNodePools: [POOL], services: { llm: { ...LLM, scheduledFloors: { floors: [{ from: '07:30', to: '24:00', minReplicas: 2 }] } } } });
    expect(kinds(objects, 'CronJob')).toEqual([]);
    const so = find(objects, 'ScaledObject', 'llm');
    expect(so.spec.triggers.map((t: K8sObject) => t.type)).toEqual(['prometheus', 'cron']);
    expect(so.spec.triggers[1].metadata).toEqual({ timezone: 'Etc/UTC', start: '30 7 * * *', end: '0 0 * * *', desiredReplicas: '2' });
    expect(so.spec.minReplicaCount).toBe(1);
  });

  test('bad windows are errors naming the field', () => {
    const err = platformErrorOf({
      gpuNodePools: [POOL],
      services: { llm: { ...LLM, scheduledFloors: { timeZone: 'Mars/Olympus', floors: [{ from: '22:00', to: '02:00', minReplicas: 2 }, { days: ['sun', 'funday' as 'mon'], from: '9:00', to: '10:00', minReplicas: 7 }] } } },
    });
    expect(err.message).toBe([
      'AIInferencePlatform "platform": services.llm.scheduledFloors.timeZone is "Mars/Olympus"; expected an IANA time zone such as "Etc/UTC" or "Europe/Berlin"',
      'AIInferencePlatform "platform": services.llm.scheduledFloors.floors[0].to is "02:00", not at least 5 minutes after from ("22:00"); a window that crosses midnight is two windows, one ending "24:00" and one starting "00:00"',
      'AIInferencePlatform "platform": services.llm.scheduledFloors.floors[1].from is "9:00"; expected a time "HH:MM" from "00:00" to "23:59"',
      'AIInferencePlatform "platform": services.llm.scheduledFloors.floors[1].days[1] is "funday"; expected one of "sun", "mon", "tue", "wed", "thu", "fri", "sat"',
      'AIInferencePlatform "platform": services.llm.scheduledFloors.floors[1].minReplicas is 7; expected a whole number from 2 to 6 (above the service\'s minReplicas 1, at most its maxReplicas)',
    ].join('\n'));
  });

  test('overlapping windows are an error', () => {
    const err = platformErrorOf({ gpuNodePools: [POOL], services: { llm: { ...LLM, scheduledFloors: { floors: [{ from: '08:00', to: '12:00', minReplicas: 2 }, { days: ['mon'], from: '11:00', to: '13:00', minReplicas: 3 }] } } } });
    expect(err.message).toBe('AIInferencePlatform "platform": services.llm.scheduledFloors.floors[1] overlaps floors[0] on mon; windows on one day must not overlap');
  });
});
