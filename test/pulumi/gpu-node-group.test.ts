import { bottlerocketUserData } from '../../lib/pulumi/aws/bottlerocket';
import { checkAmiType, GPU_AMI_TYPES, instanceArchitecture, SYSTEM_AMI_TYPES } from '../../lib/pulumi/aws/node-images';
import { autoDiscoveryFlag, checkTags, discoveryTags, eksTaintEffect, nodeTemplateTags } from '../../lib/pulumi/aws/autoscaler-tags';
import { PolicyDocument } from '../../lib/pulumi/aws/iam-policies';
import { installAwsMocks, MOCK_LAUNCH_TEMPLATE_VERSION, quietSettling, RegisteredResource, valueOf } from '../support/pulumi-mocks';

const registered = installAwsMocks();
// Stack traces off from `quiet()` (before each test registers) until `settle()` returns.
const { quiet, settle, loud } = quietSettling(registered);
afterEach(loud);

// Imported after the mocks are installed.
let lib: typeof import('../../lib/pulumi/gpu-node-group');
let aws: typeof import('@pulumi/aws');
beforeAll(async () => {
  lib = await import('../../lib/pulumi/gpu-node-group');
  aws = await import('@pulumi/aws');
});

function only(type: string, name?: string): RegisteredResource {
  const found = registered.filter((r) => r.type === type && (name === undefined || r.name === name));
  if (found.length !== 1) throw new Error(`expected one ${type} ${name ?? ''}, found ${found.length}: ${registered.map((r) => `${r.type} ${r.name}`).join(', ')}`);
  return found[0];
}

function args(overrides: Partial<import('../../lib/pulumi/gpu-node-group').GpuNodeGroupArgs> = {}): import('../../lib/pulumi/gpu-node-group').GpuNodeGroupArgs {
  return { clusterName: 'inference', subnetIds: ['subnet-a', 'subnet-b'], name: 'a10g', instanceType: 'g5.xlarge', minNodes: 0, maxNodes: 4, ...overrides };
}

const T = 'k8s.io/cluster-autoscaler/node-template';

describe('cluster-autoscaler tags (pure)', () => {
  test('discovery tags and flag name the cluster', () => {
    expect(discoveryTags('inference')).toEqual({ 'k8s.io/cluster-autoscaler/enabled': 'true', 'k8s.io/cluster-autoscaler/inference': 'owned' });
    expect(autoDiscoveryFlag('inference')).toBe('asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/inference');
  });

  test('node-template tags carry resources, labels and taints as value:effect', () => {
    expect(nodeTemplateTags({
      resources: { 'nvidia.com/gpu': '4' },
      labels: { 'nvidia.com/gpu.present': 'true' },
      taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }, { key: 'dedicated', effect: 'NoExecute' }],
    })).toEqual({
      [`${T}/resources/nvidia.com/gpu`]: '4',
      [`${T}/label/nvidia.com/gpu.present`]: 'true',
      [`${T}/taint/nvidia.com/gpu`]: 'true:NoSchedule',
      [`${T}/taint/dedicated`]: ':NoExecute',
    });
  });

  test('taint effects in the EKS spelling', () => {
    expect(eksTaintEffect('NoSchedule')).toBe('NO_SCHEDULE');
    expect(eksTaintEffect('PreferNoSchedule')).toBe('PREFER_NO_SCHEDULE');
    expect(eksTaintEffect('NoExecute')).toBe('NO_EXECUTE');
  });

  test('tag limits: key length, value length and count', () => {
    const long = `${T}/label/${'x'.repeat(100)}`;
    expect(checkTags('labels', { [long]: 'v' })[0].message).toMatch(/at most 128/);
    expect(checkTags('labels', { k: 'v'.repeat(257) })[0].message).toMatch(/at most 256/);
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expect(checkTags('labels', many)[0].message).toMatch(/51 tags; AWS allows at most 50/);
    expect(checkTags('labels', { k: 'v' })).toEqual([]);
  });
});

describe('AMI types and architectures (pure)', () => {
  test.each([
    ['g5.xlarge', 'x86_64'], ['g4dn.12xlarge', 'x86_64'], ['m6i.large', 'x86_64'], ['p5.48xlarge', 'x86_64'],
    ['g5g.xlarge', 'arm64'], ['m7g.large', 'arm64'], ['c6gn.2xlarge', 'arm64'], ['t4g.medium', 'arm64'],
  ])('%s is %s', (type, arch) => {
    expect(instanceArchitecture(type)).toBe(arch);
  });

  test('an x86_64 AMI on an arm64 instance type is refused, naming both paths and the AMI to use', () => {
    const { problems } = checkAmiType('systemNodeGroup.amiType', 'AL2023_x86_64_STANDARD', SYSTEM_AMI_TYPES, 'systemNodeGroup.instanceType', 'm7g.large');
    expect(problems).toEqual([{
      path: 'systemNodeGroup.amiType',
      message: 'is "AL2023_x86_64_STANDARD", an x86_64 AMI, but systemNodeGroup.instanceType "m7g.large" is an arm64 instance type. Use "AL2023_ARM_64_STANDARD" or an x86_64 instance type.',
    }]);
  });

  test('Bottlerocket NVIDIA AMIs ship the device plugin, AL2023 NVIDIA AMIs do not', () => {
    expect(GPU_AMI_TYPES.BOTTLEROCKET_x86_64_NVIDIA.shipsDevicePlugin).toBe(true);
    expect(GPU_AMI_TYPES.AL2023_x86_64_NVIDIA.shipsDevicePlugin).toBe(false);
    expect(checkAmiType('ami', 'AL2_x86_64_GPU', GPU_AMI_TYPES, 'instanceType', 'g5.xlarge').problems[0].message).toMatch(/expected one of/);
  });
});

describe('Bottlerocket user data (pure)', () => {
  test('renders nested settings as TOML tables', () => {
    expect(bottlerocketUserData({
      'kubelet-device-plugins': { nvidia: { 'device-sharing-strategy': 'time-slicing', 'time-slicing': { replicas: 4, 'rename-by-default': true } } },
    })).toBe([
      '[settings.kubelet-device-plugins.nvidia]',
      'device-sharing-strategy = "time-slicing"',
      '',
      '[settings.kubelet-device-plugins.nvidia.time-slicing]',
      'replicas = 4',
      'rename-by-default = true',
      '',
    ].join('\n'));
    expect(bottlerocketUserData({})).toBe('');
  });
});

describe('resolveGpuNodeGroup (pure)', () => {
  test('the node group carries discovery tags and the pool\'s node-template tags', () => {
    const { group, problems } = lib.resolveGpuNodeGroup({ name: 'a10g', instanceType: 'g5.12xlarge', maxNodes: 2, tags: { team: 'ml' } }, 'inference');
    expect(problems).toEqual([]);
    expect(group!.tags).toMatchObject({
      team: 'ml',
      'k8s.io/cluster-autoscaler/enabled': 'true',
      'k8s.io/cluster-autoscaler/inference': 'owned',
      [`${T}/resources/nvidia.com/gpu`]: '4',
      [`${T}/taint/nvidia.com/gpu`]: 'true:NoSchedule',
      [`${T}/label/nvidia.com/gpu.present`]: 'true',
      [`${T}/label/inferscale.io/gpu-pool`]: 'a10g',
    });
    expect(Object.keys(group!.autoScalingGroupTags).every((k) => k.startsWith(`${T}/`))).toBe(true);
    expect(group!.managedPolicies).toEqual(['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly']);
    expect(group!.userData).toBeUndefined();
  });

  test('time-sliced pools advertise the shared resource times the replicas', () => {
    const { group } = lib.resolveGpuNodeGroup({ name: 'shared', instanceType: 'g5.12xlarge', maxNodes: 2, timeSlicing: { replicas: 4 } }, 'inference');
    expect(group!.autoScalingGroupTags[`${T}/resources/nvidia.com/gpu.shared`]).toBe('16');
  });

  test('resolved for a component, the tags name its node group\'s logical name; its count counts against the AWS limit', () => {
    const options = { name: 'a10g', instanceType: 'g5.12xlarge', maxNodes: 2 };
    expect(lib.resolveGpuNodeGroup(options, 'inference', 'env-gpu-a10g').group!.tags['inferscale.io/pulumi-logical-name']).toBe('env-gpu-a10g-node-group');
    expect(lib.resolveGpuNodeGroup(options, 'inference').group!.tags['inferscale.io/pulumi-logical-name']).toBeUndefined();
    // One user tag short of the limit without it, one over with it.
    const count = Object.keys(lib.resolveGpuNodeGroup(options, 'inference').group!.tags).length;
    const tags = Object.fromEntries(Array.from({ length: 50 - count }, (_, i) => [`k${i}`, 'v']));
    expect(lib.resolveGpuNodeGroup({ ...options, tags }, 'inference').problems).toEqual([]);
    expect(lib.resolveGpuNodeGroup({ ...options, tags }, 'inference', 'env-gpu-a10g').problems).toEqual([
      { path: 'tags', message: 'gives 51 tags; AWS allows at most 50 per node group. Use fewer labels.' },
    ]);
  });

  test('the logical-name tag in user tags is refused', () => {
    const { problems } = lib.resolveGpuNodeGroup({ name: 'a', instanceType: 'g5.xlarge', maxNodes: 1, tags: { 'inferscale.io/pulumi-logical-name': 'other' } }, 'c', 'gpu');
    expect(problems).toEqual([{
      path: 'tags["inferscale.io/pulumi-logical-name"]',
      message: 'names the node group\'s Pulumi logical name, by which each run finds the live group; inferscale sets it, so remove it',
    }]);
  });

  test('cluster-autoscaler and aws: keys in user tags are refused', () => {
    const { problems } = lib.resolveGpuNodeGroup({ name: 'a', instanceType: 'g5.xlarge', maxNodes: 1, tags: { 'aws:x': '1', [`${T}/label/x`]: 'y' } }, 'c');
    expect(problems.map((p) => p.path)).toEqual(['tags["aws:x"]', `tags["${T}/label/x"]`]);
  });

  test('ASG tag child names follow the tag key', () => {
    expect(lib.autoScalingGroupTagName('gpu', `${T}/label/nvidia.com/gpu.present`)).toBe('gpu-asg-label_nvidia.com_gpu.present');
  });
});

describe('GpuNodeGroup under mocks', () => {
  beforeEach(() => {
    registered.length = 0;
    quiet();
  });

  test('registers the role, exactly three policy attachments, the node group and one ASG tag per node-template tag', async () => {
    const group = new lib.GpuNodeGroup('gpu', args());
    await settle();
    const types = registered.map((r) => r.type);
    expect(types.filter((t) => t === 'inferscale:aws:GpuNodeGroup')).toHaveLength(1);
    expect(types.filter((t) => t === 'aws:iam/role:Role')).toHaveLength(1);
    expect(types.filter((t) => t === 'aws:iam/rolePolicyAttachment:RolePolicyAttachment')).toHaveLength(3);
    expect(types.filter((t) => t === 'aws:eks/nodeGroup:NodeGroup')).toHaveLength(1);
    expect(types.filter((t) => t === 'aws:ec2/launchTemplate:LaunchTemplate')).toHaveLength(1);
    expect(types.filter((t) => t === 'aws:autoscaling/tag:Tag')).toHaveLength(Object.keys(group.pool.autoscalerTags).length);
    // The Auto Scaling group is read from what EKS reports for the node group.
    expect(await valueOf(group.autoScalingGroupName)).toBe('eks-gpu-node-group-asg');
  });

  test('node group: NVIDIA AMI, GPU taint in the EKS spelling, pool labels, min 0, on-demand, disk', async () => {
    new lib.GpuNodeGroup('gpu', args());
    await settle();
    const ng = only('aws:eks/nodeGroup:NodeGroup', 'gpu-node-group').inputs;
    expect(ng.clusterName).toBe('inference');
    expect(ng.instanceTypes).toEqual(['g5.xlarge']);
    expect(ng.amiType).toBe('AL2023_x86_64_NVIDIA');
    expect(ng.capacityType).toBe('ON_DEMAND');
    // The launch template carries the disk (EKS refuses diskSize next to one) and IMDSv2 with hop limit 1.
    expect(ng.diskSize).toBeUndefined();
    expect(ng.launchTemplate).toEqual({ id: 'gpu-launch-template-id', version: String(MOCK_LAUNCH_TEMPLATE_VERSION) });
    const lt = only('aws:ec2/launchTemplate:LaunchTemplate', 'gpu-launch-template').inputs;
    expect(lt.blockDeviceMappings).toEqual([{ deviceName: '/dev/xvda', ebs: { volumeSize: 100, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' } }]);
    expect(lt.metadataOptions).toEqual({ httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 });
    expect(lt.userData).toBeUndefined();
    expect(ng.subnetIds).toEqual(['subnet-a', 'subnet-b']);
    expect(ng.scalingConfig).toEqual({ minSize: 0, maxSize: 4, desiredSize: 0 });
    expect(ng.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NO_SCHEDULE' }]);
    expect(ng.labels).toMatchObject({
      'nvidia.com/gpu.present': 'true',
      'nvidia.com/gpu.product': 'NVIDIA-A10G',
      'nvidia.com/gpu.count': '1',
      'inferscale.io/gpu-pool': 'a10g',
      'k8s.amazonaws.com/accelerator': 'nvidia-a10g',
    });
    expect(ng.nodeRoleArn).toBe('arn:aws:iam::123456789012:role/gpu-node-role');
  });

  test('node group tags: discovery tags, every node-template tag and the node group\'s logical name', async () => {
    new lib.GpuNodeGroup('gpu', args({ instanceType: 'g5.12xlarge', tags: { team: 'ml' } }));
    await settle();
    const tags = only('aws:eks/nodeGroup:NodeGroup').inputs.tags;
    expect(tags).toMatchObject({
      team: 'ml',
      'inferscale.io/pulumi-logical-name': 'gpu-node-group',
      'k8s.io/cluster-autoscaler/enabled': 'true',
      'k8s.io/cluster-autoscaler/inference': 'owned',
      [`${T}/resources/nvidia.com/gpu`]: '4',
      [`${T}/label/nvidia.com/gpu.present`]: 'true',
      [`${T}/taint/nvidia.com/gpu`]: 'true:NoSchedule',
    });
  });

  test('ASG tags: node-template tags on the group EKS created, not propagated; discovery tags left to EKS', async () => {
    const group = new lib.GpuNodeGroup('gpu', args());
    await settle();
    const tags = registered.filter((r) => r.type === 'aws:autoscaling/tag:Tag');
    for (const t of tags) {
      expect(t.inputs.autoscalingGroupName).toBe('eks-gpu-node-group-asg');
      expect(t.inputs.tag.propagateAtLaunch).toBe(false);
      expect(t.inputs.tag.key.startsWith(`${T}/`)).toBe(true);
    }
    const byKey = Object.fromEntries(tags.map((t) => [t.inputs.tag.key, t.inputs.tag.value]));
    expect(byKey).toEqual(group.pool.autoscalerTags);
    expect(byKey[`${T}/resources/nvidia.com/gpu`]).toBe('1');
    expect(byKey[`${T}/taint/nvidia.com/gpu`]).toBe('true:NoSchedule');
    expect(byKey[`${T}/label/nvidia.com/gpu.present`]).toBe('true');
    expect(byKey['k8s.io/cluster-autoscaler/enabled']).toBeUndefined();
    expect(only('aws:autoscaling/tag:Tag', 'gpu-asg-resources_nvidia.com_gpu').inputs.tag.value).toBe('1');
  });

  test('ASG tags can be switched off', async () => {
    new lib.GpuNodeGroup('gpu', args({ tagAutoScalingGroup: false }));
    await settle();
    expect(registered.filter((r) => r.type === 'aws:autoscaling/tag:Tag')).toEqual([]);
  });

  test('node role: trusted by EC2 only, with exactly the managed policies nodes need', async () => {
    new lib.GpuNodeGroup('gpu', args());
    await settle();
    const trust: PolicyDocument = JSON.parse(only('aws:iam/role:Role', 'gpu-node-role').inputs.assumeRolePolicy);
    expect(trust.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    const attached = registered.filter((r) => r.type === 'aws:iam/rolePolicyAttachment:RolePolicyAttachment');
    expect(attached.map((a) => a.inputs.policyArn).sort()).toEqual([
      'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
      'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
      'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy',
    ]);
    expect(attached.every((a) => a.inputs.role === 'gpu-node-role')).toBe(true);
  });

  test('SSM and another partition when asked for', async () => {
    new lib.GpuNodeGroup('gpu', args({ ssm: true, partition: 'aws-us-gov' }));
    await settle();
    const arns = registered.filter((r) => r.type === 'aws:iam/rolePolicyAttachment:RolePolicyAttachment').map((a) => a.inputs.policyArn);
    expect(arns).toHaveLength(4);
    expect(arns).toContain('arn:aws-us-gov:iam::aws:policy/AmazonSSMManagedInstanceCore');
    expect(arns.every((a) => a.startsWith('arn:aws-us-gov:'))).toBe(true);
  });

  test('spot capacity, a larger disk and a pinned Kubernetes version', async () => {
    new lib.GpuNodeGroup('gpu', args({ capacityType: 'SPOT', diskSizeGiB: 300, kubernetesVersion: '1.33' }));
    await settle();
    const ng = only('aws:eks/nodeGroup:NodeGroup').inputs;
    expect(ng.capacityType).toBe('SPOT');
    expect(only('aws:ec2/launchTemplate:LaunchTemplate').inputs.blockDeviceMappings[0].ebs.volumeSize).toBe(300);
    expect(ng.version).toBe('1.33');
  });

  test('several instance types: the pool\'s first, then the others, for spot capacity that comes and goes per type', async () => {
    new lib.GpuNodeGroup('gpu', args({ instanceType: 'g6.xlarge', additionalInstanceTypes: ['g6.2xlarge'], capacityType: 'SPOT' }));
    await settle();
    expect(only('aws:eks/nodeGroup:NodeGroup').inputs.instanceTypes).toEqual(['g6.xlarge', 'g6.2xlarge']);
  });

  test('Bottlerocket: ships the device plugin and says so on the nodes', async () => {
    const group = new lib.GpuNodeGroup('gpu', args({ ami: 'BOTTLEROCKET_x86_64_NVIDIA' }));
    await settle();
    expect(group.shipsDevicePlugin).toBe(true);
    const ng = only('aws:eks/nodeGroup:NodeGroup').inputs;
    expect(ng.amiType).toBe('BOTTLEROCKET_x86_64_NVIDIA');
    expect(ng.labels['inferscale.io/nvidia-device-plugin']).toBe('preinstalled');
    expect(new lib.GpuNodeGroup('al', args({ name: 'al' })).shipsDevicePlugin).toBe(false);
    await settle();
  });

  test('Bottlerocket with time-slicing: a launch template carries the settings and the data volume', async () => {
    new lib.GpuNodeGroup('gpu', args({ ami: 'BOTTLEROCKET_x86_64_NVIDIA', timeSlicing: { replicas: 4 }, diskSizeGiB: 250 }));
    await settle();
    const lt = only('aws:ec2/launchTemplate:LaunchTemplate', 'gpu-launch-template').inputs;
    const toml = Buffer.from(lt.userData, 'base64').toString();
    expect(toml).toContain('[settings.kubelet-device-plugins.nvidia]\ndevice-sharing-strategy = "time-slicing"');
    expect(toml).toContain('[settings.kubelet-device-plugins.nvidia.time-slicing]\nreplicas = 4\nrename-by-default = true\nfail-requests-greater-than-one = true');
    expect(lt.blockDeviceMappings).toEqual([{ deviceName: '/dev/xvdb', ebs: { volumeSize: 250, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' } }]);
    expect(lt.metadataOptions.httpTokens).toBe('required');
    const ng = only('aws:eks/nodeGroup:NodeGroup').inputs;
    expect(ng.launchTemplate).toEqual({ id: 'gpu-launch-template-id', version: String(MOCK_LAUNCH_TEMPLATE_VERSION) });
    expect(ng.diskSize).toBeUndefined();
  });

  test('children are parented to the component and use the provider passed in', async () => {
    const provider = new aws.Provider('east', { region: 'us-east-1' });
    const group = new lib.GpuNodeGroup('gpu', args(), { provider });
    await settle();
    const children = registered.filter((r) => r.type.startsWith('aws:') && r.type !== 'pulumi:providers:aws');
    expect(children.length).toBeGreaterThan(0);
    for (const child of children) expect(child.provider).toMatch(/::east::/);
    expect(await valueOf(group.nodeGroup.urn)).toContain('inferscale:aws:GpuNodeGroup$aws:eks/nodeGroup:NodeGroup::gpu-node-group');
    expect(await valueOf(group.nodeRole.urn)).toContain('inferscale:aws:GpuNodeGroup$aws:iam/role:Role::gpu-node-role');
  });

  test('two node groups never collide: child names derive from the component name', async () => {
    new lib.GpuNodeGroup('small', args());
    new lib.GpuNodeGroup('large', args({ instanceType: 'g5.12xlarge' }));
    await settle();
    const children = registered.filter((r) => r.type !== 'inferscale:aws:GpuNodeGroup').map((r) => `${r.type} ${r.name}`);
    expect(new Set(children).size).toBe(children.length);
    expect(children.filter((c) => c.startsWith('aws:eks/nodeGroup:NodeGroup')).sort()).toEqual([
      'aws:eks/nodeGroup:NodeGroup large-node-group',
      'aws:eks/nodeGroup:NodeGroup small-node-group',
    ]);
  });

  test('child names are stable: the same args give the same names', async () => {
    new lib.GpuNodeGroup('gpu', args());
    await settle();
    const first = registered.map((r) => `${r.type} ${r.name}`).sort();
    registered.length = 0;
    quiet();
    new lib.GpuNodeGroup('gpu', args());
    await settle();
    expect(registered.map((r) => `${r.type} ${r.name}`).sort()).toEqual(first);
    expect(first.filter((n) => !n.startsWith('aws:autoscaling/tag:Tag'))).toEqual([
      'aws:ec2/launchTemplate:LaunchTemplate gpu-launch-template',
      'aws:eks/nodeGroup:NodeGroup gpu-node-group',
      'aws:iam/role:Role gpu-node-role',
      'aws:iam/rolePolicyAttachment:RolePolicyAttachment gpu-node-role-AmazonEC2ContainerRegistryReadOnly',
      'aws:iam/rolePolicyAttachment:RolePolicyAttachment gpu-node-role-AmazonEKSWorkerNodePolicy',
      'aws:iam/rolePolicyAttachment:RolePolicyAttachment gpu-node-role-AmazonEKS_CNI_Policy',
      'inferscale:aws:GpuNodeGroup gpu',
    ]);
  });
});

describe('GpuNodeGroup bad args', () => {
  beforeEach(() => { registered.length = 0; });

  const attempt = (a: unknown): Error => {
    try {
      new lib.GpuNodeGroup('gpu', a as import('../../lib/pulumi/gpu-node-group').GpuNodeGroupArgs);
    } catch (e) {
      return e as Error;
    }
    throw new Error('expected GpuNodeGroup to throw');
  };

  test('an unknown instance type', () => {
    expect(attempt(args({ instanceType: 'g9.huge' })).message).toMatch(/^GpuNodeGroup "gpu": instanceType is "g9\.huge", which is not in the GPU instance catalogue/);
  });

  test('a non-GPU instance type', () => {
    expect(attempt(args({ instanceType: 'm6i.large' })).message).toMatch(/instanceType is "m6i\.large", which is not a GPU instance type/);
  });

  test('an arm64 instance type is not in the (x86_64) GPU catalogue', () => {
    expect(attempt(args({ instanceType: 'g5g.xlarge' })).message).toMatch(/instanceType is "g5g\.xlarge"/);
  });

  test('an arm64 AMI on the x86_64 GPU catalogue', () => {
    expect(attempt(args({ ami: 'AL2023_ARM_64_NVIDIA' as never })).message).toMatch(/ami is "AL2023_ARM_64_NVIDIA", an arm64 AMI, but every instance type in the GPU catalogue is x86_64/);
  });

  test('min above max', () => {
    expect(attempt(args({ minNodes: 5, maxNodes: 2 })).message).toMatch(/minNodes is 5, above maxNodes \(2\)/);
  });

  test('a bad cluster name and no subnets', () => {
    const message = attempt(args({ clusterName: 'has space', subnetIds: [] })).message;
    expect(message).toMatch(/clusterName is "has space"; an EKS cluster name/);
    expect(message).toMatch(/subnetIds is empty/);
  });

  test('every problem at once, with its property path, before anything is registered', async () => {
    const error = attempt({ clusterName: 'inference', subnetIds: ['s'], name: 'Bad_Name', instanceType: 'm6i.large', minNodes: 3, maxNodes: 1, ami: 'AL2_x86_64_GPU', capacityType: 'RESERVED', ssm: 'yes' });
    expect(error.name).toBe('InferscaleValidationError');
    const paths = (error as unknown as { problems: { path: string }[] }).problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'instanceType', 'ami', 'capacityType', 'minNodes', 'ssm']));
    expect(error.message.split('\n').every((line) => line.startsWith('GpuNodeGroup "gpu": '))).toBe(true);
    await settle();
    expect(registered).toEqual([]);
  });

  test('additional instance types: in the catalogue, once, with the same GPUs and at least the size', () => {
    const problems = (attempt(args({ instanceType: 'g6.2xlarge', additionalInstanceTypes: ['g6.2xlarge', 'g6.xlarge', 'g5.2xlarge', 'g6.4xlarge', 'g6.4xlarge', 'm6i.large'] })) as unknown as { problems: { path: string; message: string }[] }).problems;
    expect(problems).toEqual([
      { path: 'additionalInstanceTypes[0]', message: 'is "g6.2xlarge", already in the group; list each instance type once' },
      { path: 'additionalInstanceTypes[1]', message: 'is "g6.xlarge" (4 vCPUs, 16 GiB), smaller than instanceType g6.2xlarge (8 vCPUs, 32 GiB); the autoscaler plans with instanceType\'s size, so pods sized for it would not fit. Use types at least as large' },
      { path: 'additionalInstanceTypes[2]', message: 'is "g5.2xlarge" (1 × NVIDIA-A10G), but instanceType g6.2xlarge has 1 × NVIDIA-L4; the pool\'s labels and the autoscaler\'s node template describe one GPU shape, so every type must match it' },
      { path: 'additionalInstanceTypes[4]', message: 'is "g6.4xlarge", already in the group; list each instance type once' },
      { path: 'additionalInstanceTypes[5]', message: 'is "m6i.large"; expected a GPU instance type from the catalogue, such as "g6.2xlarge"' },
    ]);
  });

  test('a missing required key', () => {
    const { maxNodes: _maxNodes, ...withoutMax } = args();
    expect(attempt(withoutMax).message).toMatch(/maxNodes is undefined; expected a whole number of nodes, 1 or more/);
  });
});
