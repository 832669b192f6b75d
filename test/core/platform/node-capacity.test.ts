import { gpuNodePool } from '../../../lib/core/gpu-node-pool';
import { EKS_NODE_DAEMONS, kubeReservedCpuMillicores, kubeReservedMemoryMiB, nodeBudget, replicasPerNode } from '../../../lib/core/platform/node-capacity';

describe('EKS kubelet reservation', () => {
  test('CPU: 6 % of the first core, 1 % of the second, 0.5 % of the next two, 0.25 % above four', () => {
    expect([1, 2, 4, 8, 96].map(kubeReservedCpuMillicores)).toEqual([60, 70, 80, 90, 310]);
  });

  test('memory: 11 MiB per pod plus 255 MiB', () => {
    expect(kubeReservedMemoryMiB(58)).toBe(893);
    expect(kubeReservedMemoryMiB(29)).toBe(574);
  });
});

describe('nodeBudget', () => {
  const pool = gpuNodePool({ name: 'a10g', instanceType: 'g5.xlarge', maxNodes: 4 });

  test('a g5.xlarge offers workload pods 3795m CPU and 13.83 GiB after the kubelet and the EKS add-ons', () => {
    const b = nodeBudget(pool, EKS_NODE_DAEMONS);
    expect(b.cpuMillicores).toBe(4000 - 80 - 125);
    expect(b.memoryBytes).toBe(Math.floor(16 * 2 ** 30 * 0.925) - (893 + 100) * 2 ** 20);
    expect(b.pods).toBe(58 - 2);
    expect(b.gpus).toBe(1);
  });

  test('a DaemonSet limited to other pools costs this one nothing', () => {
    const other = { name: 'x', requests: { cpu: '1', memory: '1Gi' }, poolNames: ['other'] };
    expect(nodeBudget(pool, [other]).cpuMillicores).toBe(nodeBudget(pool, []).cpuMillicores);
  });
});

describe('replicasPerNode', () => {
  const budget = { gpus: 4, cpuMillicores: 3645, memoryBytes: 13 * 2 ** 30, pods: 54, explain: { cpu: '', memory: '' } };

  test('the scarcest resource binds', () => {
    expect(replicasPerNode(budget, { gpus: 1, cpuCores: 3, memoryBytes: 12 * 2 ** 30 })).toEqual({ count: 1, binding: 'cpu' });
    expect(replicasPerNode(budget, { gpus: 1, cpuCores: 0.5, memoryBytes: 6 * 2 ** 30 })).toEqual({ count: 2, binding: 'memory' });
    expect(replicasPerNode(budget, { gpus: 1, cpuCores: 0.5, memoryBytes: 2 ** 30 })).toEqual({ count: 4, binding: 'gpu' });
    expect(replicasPerNode({ ...budget, gpus: 400 }, { gpus: 1, cpuCores: 0, memoryBytes: 0 })).toEqual({ count: 54, binding: 'pods' });
  });
});
