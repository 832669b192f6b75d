import { gpuNodePool, GpuNodePoolProps, GpuNodeSelectorTerm, ResolvedGpuNodePool } from '../../../lib/core/gpu-node-pool';
import { resolveNvidiaDevicePlugin } from '../../../lib/core/platform/device-plugin';

function pool(props: Partial<GpuNodePoolProps> = {}): ResolvedGpuNodePool {
  return gpuNodePool({ name: 'a10g', instanceType: 'g5.xlarge', maxNodes: 4, ...props });
}

/** Whether a node with `labels` satisfies the required node affinity `terms` (any term, every expression). */
function matches(terms: readonly GpuNodeSelectorTerm[], labels: Readonly<Record<string, string>>): boolean {
  return terms.some((t) => t.matchExpressions.every((m) => (m.operator === 'In' ? m.values.includes(labels[m.key]) : !m.values.includes(labels[m.key]))));
}

describe('resolveNvidiaDevicePlugin', () => {
  const pools = [
    pool({ name: 'whole' }),
    pool({ name: 'ts4', timeSlicing: { replicas: 4 } }),
    pool({ name: 'ts4b', instanceType: 'g6.xlarge', timeSlicing: { replicas: 4 } }),
    pool({ name: 'ts2', timeSlicing: { replicas: 2, renameByDefault: false } }),
    pool({ name: 'whole2', instanceType: 'g6.xlarge' }),
    pool({ name: 'br', ami: 'BOTTLEROCKET_x86_64_NVIDIA' }),
  ];

  test('every node of a pool without its own plugin matches exactly one DaemonSet; Bottlerocket nodes none', () => {
    const { spec, problems } = resolveNvidiaDevicePlugin({ pools });
    expect(problems).toEqual([]);
    for (const p of pools) {
      const count = spec!.daemonSets.filter((d) => matches(d.nodeSelectorTerms, p.labels)).length;
      expect([p.name, count]).toEqual([p.name, p.devicePluginPreinstalled ? 0 : 1]);
    }
  });

  test('each DaemonSet advertises what its pools promise', () => {
    const { spec } = resolveNvidiaDevicePlugin({ pools });
    for (const d of spec!.daemonSets) {
      for (const name of d.poolNames!) expect([name, d.resourceName]).toEqual([name, pools.find((p) => p.name === name)!.resourceName]);
    }
  });

  test('names derive from the setting: whole GPUs keep the plugin name, each other setting a suffix', () => {
    const { spec } = resolveNvidiaDevicePlugin({ pools });
    expect(spec!.daemonSets.map((d) => [d.name, d.poolNames])).toEqual([
      ['nvidia-device-plugin', ['whole', 'whole2']],
      ['nvidia-device-plugin-timeslice-2-keepname', ['ts2']],
      ['nvidia-device-plugin-timeslice-4', ['ts4', 'ts4b']],
    ]);
    expect(spec!.poolNames).toEqual(['ts2', 'ts4', 'ts4b', 'whole', 'whole2']);
  });

  test('one setting keeps the plugin name, time-sliced or not', () => {
    expect(resolveNvidiaDevicePlugin({ pools: [pool({ timeSlicing: { replicas: 4 } })] }).spec!.daemonSets.map((d) => d.name)).toEqual(['nvidia-device-plugin']);
    expect(resolveNvidiaDevicePlugin().spec!.daemonSets.map((d) => d.name)).toEqual(['nvidia-device-plugin']);
  });

  test('adding a pool of a new setting renames no existing DaemonSet', () => {
    const before = resolveNvidiaDevicePlugin({ pools: [pool({ name: 'whole' }), pool({ name: 'ts4', timeSlicing: { replicas: 4 } })] }).spec!;
    const after = resolveNvidiaDevicePlugin({ pools: [pool({ name: 'whole' }), pool({ name: 'ts4', timeSlicing: { replicas: 4 } }), pool({ name: 'ts2', timeSlicing: { replicas: 2 } })] }).spec!;
    for (const d of before.daemonSets) expect(after.daemonSets.map((a) => a.name)).toContain(d.name);
  });
});
