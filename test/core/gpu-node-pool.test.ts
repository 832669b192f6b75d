import { checkGpuInstanceType, GPU_INSTANCE_FAMILIES, GPU_INSTANCE_TYPES, gpuInstanceType } from '../../lib/core/gpu-instances';
import {
  GPU_DAEMON_TOLERATIONS,
  gpuNodePool,
  GpuNodePoolProps,
  gpuNodeSelectorTerms,
  replicasThatFit,
  resolveGpuNodePool,
  ResolvedGpuNodePool,
} from '../../lib/core/gpu-node-pool';
import { IMAGES } from '../../lib/core/images';
import { isLabelValue } from '../../lib/core/names';
import { InferscaleValidationError, Problem } from '../../lib/core/problems';

const BASE: GpuNodePoolProps = { name: 'a10g', instanceType: 'g5.xlarge', maxNodes: 4 };

function resolve(props: Partial<GpuNodePoolProps> = {}): ResolvedGpuNodePool {
  const { pool, problems } = resolveGpuNodePool({ ...BASE, ...props });
  expect(problems).toEqual([]);
  return pool!;
}

function problemsOf(props: Partial<GpuNodePoolProps>): Problem[] {
  const { pool, problems } = resolveGpuNodePool({ ...BASE, ...props } as GpuNodePoolProps);
  expect(pool).toBeUndefined();
  return problems;
}

/** Expects exactly one problem, at `path`, whose message matches `message`. */
function expectProblem(props: Partial<GpuNodePoolProps>, path: string, message: RegExp): void {
  const problems = problemsOf(props);
  expect(problems).toHaveLength(1);
  expect(problems[0].path).toBe(path);
  expect(problems[0].message).toMatch(message);
}

describe('GPU instance catalogue', () => {
  test('holds every required family: g4dn, g5, g6, g6e, p4d, p5', () => {
    for (const family of ['g4dn', 'g5', 'g6', 'g6e', 'p4d', 'p5']) {
      expect(GPU_INSTANCE_FAMILIES).toContain(family);
      expect(GPU_INSTANCE_TYPES.some((t) => t.family === family)).toBe(true);
    }
  });

  test.each([
    ['g4dn.xlarge', 1, 'Tesla-T4', 4, 16],
    ['g4dn.12xlarge', 4, 'Tesla-T4', 48, 192],
    ['g5.xlarge', 1, 'NVIDIA-A10G', 4, 16],
    ['g5.12xlarge', 4, 'NVIDIA-A10G', 48, 192],
    ['g5.48xlarge', 8, 'NVIDIA-A10G', 192, 768],
    ['g6.xlarge', 1, 'NVIDIA-L4', 4, 16],
    ['g6.12xlarge', 4, 'NVIDIA-L4', 48, 192],
    ['g6e.xlarge', 1, 'NVIDIA-L40S', 4, 32],
    ['g6e.48xlarge', 8, 'NVIDIA-L40S', 192, 1536],
    ['p4d.24xlarge', 8, 'NVIDIA-A100-SXM4-40GB', 96, 1152],
    ['p5.48xlarge', 8, 'NVIDIA-H100-80GB-HBM3', 192, 2048],
  ])('%s has %i x %s, %i vCPUs and %i GiB', (name, gpus, product, vcpus, memoryGiB) => {
    expect(gpuInstanceType(name)).toMatchObject({ name, gpus, gpuProduct: product, vcpus, memoryGiB, architecture: 'x86_64' });
  });

  test('GPU memory is the MiB value GPU feature discovery puts in nvidia.com/gpu.memory', () => {
    expect(gpuInstanceType('g4dn.xlarge')!.gpuMemoryMiB).toBe(15360);
    expect(gpuInstanceType('g5.xlarge')!.gpuMemoryMiB).toBe(23028);
    expect(gpuInstanceType('g6.xlarge')!.gpuMemoryMiB).toBe(23034);
    expect(gpuInstanceType('g6e.xlarge')!.gpuMemoryMiB).toBe(46068);
    expect(gpuInstanceType('p4d.24xlarge')!.gpuMemoryMiB).toBe(40960);
    expect(gpuInstanceType('p5.48xlarge')!.gpuMemoryMiB).toBe(81559);
  });

  test('every entry is consistent: unique family.size names, 1/4/8 GPUs, valid label values, x86_64', () => {
    const names = GPU_INSTANCE_TYPES.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const t of GPU_INSTANCE_TYPES) {
      expect(t.name.startsWith(`${t.family}.`)).toBe(true);
      expect([1, 4, 8]).toContain(t.gpus);
      expect(t.vcpus).toBeGreaterThan(0);
      expect(t.memoryGiB).toBeGreaterThanOrEqual(4 * t.gpus);
      expect(t.gpuMemoryMiB).toBeGreaterThan(10000);
      expect(isLabelValue(t.gpuProduct) && isLabelValue(t.accelerator) && isLabelValue(t.gpuFamily)).toBe(true);
      expect(t.architecture).toBe('x86_64');
      expect(Number.isInteger(t.maxPods) && t.maxPods >= 29).toBe(true);
    }
  });

  test('max pods per node as the EKS AMIs set them', () => {
    expect([gpuInstanceType('g4dn.xlarge')!.maxPods, gpuInstanceType('g5.xlarge')!.maxPods, gpuInstanceType('g6.xlarge')!.maxPods, gpuInstanceType('p5.48xlarge')!.maxPods]).toEqual([29, 58, 58, 100]);
  });

  test('only A100 and H100 families are MIG-capable', () => {
    expect(GPU_INSTANCE_TYPES.filter((t) => t.migCapable).map((t) => t.family)).toEqual(['p4d', 'p4de', 'p5', 'p5']);
  });

  test('the catalogue is frozen and unknown names look up as undefined', () => {
    expect(Object.isFrozen(GPU_INSTANCE_TYPES)).toBe(true);
    expect(Object.isFrozen(GPU_INSTANCE_TYPES[0])).toBe(true);
    expect(gpuInstanceType('m5.large')).toBeUndefined();
    expect(gpuInstanceType('g5.3xlarge')).toBeUndefined();
  });

  test('checkGpuInstanceType returns the entry for a known type', () => {
    expect(checkGpuInstanceType('instanceType', 'g6e.12xlarge')).toEqual({ type: gpuInstanceType('g6e.12xlarge'), problems: [] });
  });
});

describe('pinned images', () => {
  test('pins the device plugin, DCGM exporter, Prometheus Adapter, Prometheus, metrics-server, kube-state-metrics, pause and kubectl by tag', () => {
    expect(IMAGES).toEqual({
      nvidiaDevicePlugin: 'nvcr.io/nvidia/k8s-device-plugin:v0.20.0',
      dcgmExporter: 'nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless',
      kubeStateMetrics: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.17.0',
      prometheusAdapter: 'registry.k8s.io/prometheus-adapter/prometheus-adapter:v0.12.0',
      prometheus: 'quay.io/prometheus/prometheus:v3.14.0',
      metricsServer: 'registry.k8s.io/metrics-server/metrics-server:v0.9.0',
      pause: 'registry.k8s.io/pause:3.10',
      kubectl: 'registry.k8s.io/kubectl:v1.33.4',
    });
    expect(Object.isFrozen(IMAGES)).toBe(true);
    for (const image of Object.values(IMAGES)) expect(image).not.toMatch(/:latest$/);
  });
});

describe('resolveGpuNodePool', () => {
  test('defaults: one node minimum, AL2023 NVIDIA AMI, on-demand, 100 GiB, whole GPUs', () => {
    const pool = resolve();
    expect(pool).toMatchObject({
      name: 'a10g',
      ami: 'AL2023_x86_64_NVIDIA',
      capacityType: 'ON_DEMAND',
      diskSizeGiB: 100,
      minNodes: 1,
      maxNodes: 4,
      gpusPerNode: 1,
      gpuProduct: 'NVIDIA-A10G',
      gpuMemoryMiB: 23028,
      resourceName: 'nvidia.com/gpu',
      allocatablePerNode: 1,
      capacityGpus: 4,
      capacity: 4,
      devicePluginPreinstalled: false,
    });
    expect(pool.timeSlicing).toBeUndefined();
    expect(pool.bottlerocketSettings).toBeUndefined();
    expect(pool.instanceType).toBe(gpuInstanceType('g5.xlarge'));
  });

  test('capacityGpus is maxNodes x GPUs per node', () => {
    const pool = resolve({ instanceType: 'p5.48xlarge', maxNodes: 3 });
    expect(pool.gpusPerNode).toBe(8);
    expect(pool.capacityGpus).toBe(24);
    expect(pool.capacity).toBe(24);
  });

  test('node labels: GPU presence, product, count, memory, accelerator and pool, sorted, plus the user labels', () => {
    const pool = resolve({ instanceType: 'g5.12xlarge', labels: { team: 'ml', 'node.kubernetes.io/purpose': 'inference' } });
    expect(pool.labels).toEqual({
      'inferscale.io/gpu-pool': 'a10g',
      'k8s.amazonaws.com/accelerator': 'nvidia-a10g',
      'node.kubernetes.io/purpose': 'inference',
      'nvidia.com/gpu.count': '4',
      'nvidia.com/gpu.memory': '23028',
      'nvidia.com/gpu.present': 'true',
      'nvidia.com/gpu.product': 'NVIDIA-A10G',
      team: 'ml',
    });
    expect(Object.keys(pool.labels)).toEqual(Object.keys(pool.labels).sort());
    expect(pool.nodeSelector).toEqual({ 'inferscale.io/gpu-pool': 'a10g' });
  });

  test('taints nodes nvidia.com/gpu=true:NoSchedule, in both the Kubernetes and the AWS spelling', () => {
    expect(resolve().taints).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule', awsEffect: 'NO_SCHEDULE' }]);
  });

  test('taint: false leaves the nodes untainted (and out of the autoscaler tags)', () => {
    const pool = resolve({ taint: false });
    expect(pool.taints).toEqual([]);
    expect(Object.keys(pool.autoscalerTags).some((k) => k.includes('/taint/'))).toBe(false);
  });

  test('time-slicing multiplies the advertised units and renames the resource to nvidia.com/gpu.shared', () => {
    const pool = resolve({ instanceType: 'g5.12xlarge', maxNodes: 2, timeSlicing: { replicas: 4 } });
    expect(pool.timeSlicing).toEqual({ replicas: 4, renameByDefault: true, failRequestsGreaterThanOne: true, resourceName: 'nvidia.com/gpu.shared' });
    expect(pool.resourceName).toBe('nvidia.com/gpu.shared');
    expect(pool.gpusPerNode).toBe(4);
    expect(pool.allocatablePerNode).toBe(16);
    expect(pool.capacityGpus).toBe(8);
    expect(pool.capacity).toBe(32);
  });

  test('time-slicing with renameByDefault: false keeps nvidia.com/gpu', () => {
    const pool = resolve({ timeSlicing: { replicas: 2, renameByDefault: false, failRequestsGreaterThanOne: false } });
    expect(pool.resourceName).toBe('nvidia.com/gpu');
    expect(pool.timeSlicing).toMatchObject({ renameByDefault: false, failRequestsGreaterThanOne: false });
  });

  test('cluster-autoscaler node-template tags carry the labels, the taint and the GPU resource, so the pool scales from zero', () => {
    const pool = resolve({ minNodes: 0, timeSlicing: { replicas: 3 } });
    expect(pool.autoscalerTags).toMatchObject({
      'k8s.io/cluster-autoscaler/node-template/label/nvidia.com/gpu.present': 'true',
      'k8s.io/cluster-autoscaler/node-template/label/nvidia.com/gpu.product': 'NVIDIA-A10G',
      'k8s.io/cluster-autoscaler/node-template/label/inferscale.io/gpu-pool': 'a10g',
      'k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu': 'true:NoSchedule',
      'k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu.shared': '3',
      // The 100 GiB disk's filesystem, less 10 % for the eviction threshold and 1 GiB kube-reserved.
      'k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage': '88Gi',
    });
    expect(Object.keys(pool.autoscalerTags).filter((k) => k.includes('/label/'))).toHaveLength(Object.keys(pool.labels).length);
  });

  test('Bottlerocket NVIDIA pools ship the device plugin: labelled so, with its time-slicing settings', () => {
    const pool = resolve({ ami: 'BOTTLEROCKET_x86_64_NVIDIA', timeSlicing: { replicas: 4 } });
    expect(pool.devicePluginPreinstalled).toBe(true);
    expect(pool.labels['inferscale.io/nvidia-device-plugin']).toBe('preinstalled');
    expect(pool.bottlerocketSettings).toEqual({
      'kubelet-device-plugins': {
        nvidia: {
          'device-sharing-strategy': 'time-slicing',
          'time-slicing': { replicas: 4, 'rename-by-default': true, 'fail-requests-greater-than-one': true },
        },
      },
    });
    expect(resolve({ ami: 'BOTTLEROCKET_x86_64_NVIDIA' }).bottlerocketSettings).toEqual({});
  });

  test('spot capacity, disk size and min nodes are carried through', () => {
    expect(resolve({ capacityType: 'SPOT', diskSizeGiB: 200, minNodes: 0 })).toMatchObject({ capacityType: 'SPOT', diskSizeGiB: 200, minNodes: 0 });
  });

  test('is deterministic: the same props give the same pool, byte for byte', () => {
    const props: Partial<GpuNodePoolProps> = { labels: { z: '1', a: '2' }, timeSlicing: { replicas: 2 } };
    expect(JSON.stringify(resolve(props))).toBe(JSON.stringify(resolve({ timeSlicing: { replicas: 2 }, labels: { a: '2', z: '1' } })));
  });

  test('gpuNodePool returns the pool, or throws every problem owned by GpuNodePool "<name>"', () => {
    expect(gpuNodePool(BASE)).toEqual(resolve());
    let error: unknown;
    try {
      gpuNodePool({ name: 'big', instanceType: 'm5.large', minNodes: 5, maxNodes: 2 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InferscaleValidationError);
    const err = error as InferscaleValidationError;
    expect(err.owner).toBe('GpuNodePool "big"');
    expect(err.problems.map((p) => p.path)).toEqual(['instanceType', 'minNodes']);
    expect(err.message).toMatch(/^GpuNodePool "big": instanceType is "m5.large", which is not a GPU instance type/);
  });
});

describe('resolveGpuNodePool validation (one test per message)', () => {
  test('name must be a DNS-1123 label', () => {
    expectProblem({ name: 'A10G_pool' }, 'name', /is "A10G_pool"; expected a DNS-1123 label/);
  });

  test('an unknown size of a known family lists that family\'s sizes', () => {
    expectProblem({ instanceType: 'g5.3xlarge' }, 'instanceType', /is "g5.3xlarge", which is not a g5 size; g5 sizes: g5.xlarge, g5.2xlarge, .*g5.48xlarge/);
  });

  test('a general-purpose instance is not a GPU instance type; lists valid ones', () => {
    expectProblem({ instanceType: 'm5.large' }, 'instanceType', /is "m5.large", which is not a GPU instance type; use an NVIDIA GPU family \(g4dn, g5, g6, g6e, p4d, p4de, p5\), e.g. g4dn.xlarge, g5.xlarge/);
  });

  test('an accelerated instance without NVIDIA GPUs names its accelerator', () => {
    expectProblem({ instanceType: 'inf2.xlarge' }, 'instanceType', /is "inf2.xlarge", whose accelerators are AWS Inferentia2, not NVIDIA GPUs/);
  });

  test('a family outside the catalogue lists the known families and examples', () => {
    expectProblem({ instanceType: 'p3.2xlarge' }, 'instanceType', /is "p3.2xlarge", which is not in the GPU instance catalogue; known families: g4dn, .*e.g. g4dn.xlarge/);
  });

  test('a malformed instance type gets an example', () => {
    expectProblem({ instanceType: 'g5' }, 'instanceType', /is "g5"; expected an EC2 instance type such as "g4dn.xlarge"/);
  });

  test('minNodes must be a whole number', () => {
    expectProblem({ minNodes: 1.5 }, 'minNodes', /is 1.5; expected a whole number of nodes, 0 or more/);
  });

  test('minNodes cannot be negative', () => {
    expectProblem({ minNodes: -1 }, 'minNodes', /is -1; a node count cannot be negative: expected 0 or more/);
  });

  test('maxNodes must be a whole number', () => {
    expectProblem({ maxNodes: 2.5 }, 'maxNodes', /is 2.5; expected a whole number of nodes, 1 or more/);
  });

  test('maxNodes must be at least 1', () => {
    expectProblem({ maxNodes: 0 }, 'maxNodes', /is 0; a GPU pool needs room for at least one node: expected 1 or more/);
  });

  test('minNodes above maxNodes', () => {
    expectProblem({ minNodes: 5, maxNodes: 2 }, 'minNodes', /is 5, above maxNodes \(2\); expected minNodes <= maxNodes/);
  });

  test('labels with an invalid value', () => {
    expectProblem({ labels: { team: 'ML team' } }, 'labels["team"]', /value "ML team" is not a valid label value/);
  });

  test('labels with an invalid key', () => {
    expectProblem({ labels: { 'bad key': 'x' } }, 'labels["bad key"]', /key is not a valid label key/);
  });

  test('labels the pool sets itself are rejected', () => {
    expectProblem({ labels: { 'nvidia.com/gpu.product': 'NVIDIA-H100' } }, 'labels["nvidia.com/gpu.product"]', /is set by the pool itself/);
  });

  test('kubernetes.io / k8s.io labels a kubelet may not set are rejected', () => {
    expectProblem({ labels: { 'node-role.kubernetes.io/gpu': 'true' } }, 'labels["node-role.kubernetes.io/gpu"]', /a kubelet may not set on its own node \(only node.kubernetes.io\/ and kubelet.kubernetes.io\/ keys\)/);
    expect(resolve({ labels: { 'node.kubernetes.io/gpu': 'true', 'example.k8s.io.acme.com/x': 'y' } }).labels['node.kubernetes.io/gpu']).toBe('true');
  });

  test('label keys too long for an autoscaler tag', () => {
    const key = `${'a'.repeat(40)}.example.com/${'b'.repeat(40)}`;
    expectProblem({ labels: { [key]: 'x' } }, `labels["${key}"]`, /too long for the cluster-autoscaler node-template tag .*at most 128 characters/);
  });

  test('time-slicing replicas below 2', () => {
    expectProblem({ timeSlicing: { replicas: 1 } }, 'timeSlicing.replicas', /is 1; time-slicing with fewer than 2 shares per GPU shares nothing: expected 2 or more, or leave timeSlicing out/);
  });

  test('time-slicing replicas must be whole', () => {
    expectProblem({ timeSlicing: { replicas: 2.5 } }, 'timeSlicing.replicas', /is 2.5; expected a whole number of shares per GPU, 2 or more/);
  });

  test('time-slicing flags must be booleans', () => {
    expectProblem({ timeSlicing: { replicas: 2, renameByDefault: 'yes' as unknown as boolean } }, 'timeSlicing.renameByDefault', /is "yes"; expected true or false/);
  });

  test('the AL2 GPU AMI is past end of support', () => {
    expectProblem({ ami: 'AL2_x86_64_GPU' as never }, 'ami', /is "AL2_x86_64_GPU", which is past end of support; use "AL2023_x86_64_NVIDIA" or "BOTTLEROCKET_x86_64_NVIDIA"/);
  });

  test('arm64 AMIs do not fit the x86_64 catalogue', () => {
    expectProblem({ ami: 'AL2023_ARM_64_NVIDIA' as never }, 'ami', /an arm64 AMI, but every instance type in the GPU catalogue is x86_64/);
  });

  test('other AMI types list the allowed ones', () => {
    expectProblem({ ami: 'AL2023_x86_64_STANDARD' as never }, 'ami', /is "AL2023_x86_64_STANDARD"; expected "AL2023_x86_64_NVIDIA" or "BOTTLEROCKET_x86_64_NVIDIA"/);
  });

  test('capacity type must be ON_DEMAND or SPOT', () => {
    expectProblem({ capacityType: 'on-demand' as never }, 'capacityType', /is "on-demand"; expected "ON_DEMAND" or "SPOT"/);
  });

  test('disk size must be whole GiB from 20', () => {
    expectProblem({ diskSizeGiB: 10 }, 'diskSizeGiB', /is 10; expected whole GiB from 20 to 16384/);
  });

  test('reports every problem at once', () => {
    const problems = problemsOf({ name: 'X', instanceType: 'm5.large', maxNodes: 0, timeSlicing: { replicas: 0 } });
    expect(problems.map((p) => p.path)).toEqual(['name', 'instanceType', 'maxNodes', 'timeSlicing.replicas']);
  });
});

describe('scheduling helpers', () => {
  test('replicasThatFit counts per node: 3-GPU replicas fit once on each 4-GPU node', () => {
    const pool = resolve({ instanceType: 'g5.12xlarge', maxNodes: 3 });
    expect(replicasThatFit(pool, 3)).toBe(3);
    expect(replicasThatFit(pool, 2)).toBe(6);
    expect(replicasThatFit(pool, 1)).toBe(12);
    expect(replicasThatFit(pool, 5)).toBe(0);
    expect(replicasThatFit(pool, 0)).toBe(0);
    expect(replicasThatFit(resolve({ maxNodes: 2, timeSlicing: { replicas: 4 } }), 1)).toBe(8);
  });

  test('default GPU daemon affinity: nodes labelled by inferscale pools, GFD or NFD', () => {
    expect(gpuNodeSelectorTerms()).toEqual([
      { matchExpressions: [{ key: 'nvidia.com/gpu.present', operator: 'In', values: ['true'] }] },
      { matchExpressions: [{ key: 'feature.node.kubernetes.io/pci-10de.present', operator: 'In', values: ['true'] }] },
    ]);
  });

  test('skipping preinstalled device plugins adds NotIn to every term', () => {
    for (const term of gpuNodeSelectorTerms({ skipPreinstalledDevicePlugin: true })) {
      expect(term.matchExpressions).toContainEqual({ key: 'inferscale.io/nvidia-device-plugin', operator: 'NotIn', values: ['preinstalled'] });
    }
  });

  test('with pools: one term on the pool label, without Bottlerocket pools when skipping them', () => {
    const pools = [resolve({ name: 'b' }), resolve({ name: 'a' }), resolve({ name: 'br', ami: 'BOTTLEROCKET_x86_64_NVIDIA' })];
    expect(gpuNodeSelectorTerms({ pools })).toEqual([{ matchExpressions: [{ key: 'inferscale.io/gpu-pool', operator: 'In', values: ['a', 'b', 'br'] }] }]);
    expect(gpuNodeSelectorTerms({ pools, skipPreinstalledDevicePlugin: true })[0].matchExpressions[0].values).toEqual(['a', 'b']);
    expect(gpuNodeSelectorTerms({ pools: [pools[2]], skipPreinstalledDevicePlugin: true })).toEqual([]);
  });

  test('GPU daemons tolerate the GPU taint and CriticalAddonsOnly', () => {
    expect(GPU_DAEMON_TOLERATIONS).toEqual([
      { key: 'CriticalAddonsOnly', operator: 'Exists' },
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
  });
});
