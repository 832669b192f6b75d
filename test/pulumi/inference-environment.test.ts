import * as pulumi from '@pulumi/pulumi';
import {
  CLUSTER_AUTOSCALER_VERSIONS,
  clusterAutoscalerImage,
  clusterAutoscalerObjects,
  isPinnedImage,
} from '../../lib/pulumi/aws/cluster-autoscaler';
import { PolicyDocument, isReadOnlyAction, statementActions } from '../../lib/pulumi/aws/iam-policies';
import { eksKubeconfig } from '../../lib/pulumi/aws/kubeconfig';
import { checkNetworkPlan, cidrSubnet, parseCidr, planSubnets, subnetTags } from '../../lib/pulumi/aws/network-plan';
import { missingEdges, ResourceGraph } from '../support/pulumi-graph';
import {
  installAwsMocks, MOCK_CALLS, MOCK_LAUNCH_TEMPLATE_VERSION, MOCK_LIVE_NODE_GROUPS, mockAddonVersion, mockIssuer, MockLiveNodeGroup, mockRoleArn, quietSettling, RegisteredResource, valueOf,
} from '../support/pulumi-mocks';

const registered = installAwsMocks();
// Stack traces off from `quiet()` (before each test registers) until `settle()` returns.
const { quiet, settle, loud } = quietSettling(registered);
afterEach(loud);

// Imported after the mocks are installed.
let lib: typeof import('../../lib/pulumi/inference-environment');
beforeAll(async () => {
  lib = await import('../../lib/pulumi/inference-environment');
}, 30_000);

const ofType = (type: string): RegisteredResource[] => registered.filter((r) => r.type === type);

function only(type: string, name: string): RegisteredResource {
  const found = registered.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} ${name}, found ${found.length}: ${registered.map((r) => `${r.type} ${r.name}`).join(', ')}`);
  return found[0];
}

type Args = import('../../lib/pulumi/inference-environment').InferenceEnvironmentArgs;

function args(overrides: Partial<Args> = {}): Args {
  return {
    clusterName: 'inference',
    region: 'us-west-2',
    network: { availabilityZones: ['us-west-2a', 'us-west-2b'] },
    gpuNodeGroups: [
      { name: 'a10g', instanceType: 'g5.xlarge', minNodes: 0, maxNodes: 4 },
      { name: 'l4', instanceType: 'g6.12xlarge', minNodes: 0, maxNodes: 2, ami: 'BOTTLEROCKET_x86_64_NVIDIA', capacityType: 'SPOT', diskSizeGiB: 200 },
    ],
    ...overrides,
  };
}

const CA_IMAGE_133 = 'registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.5';

describe('network plan (pure)', () => {
  test('private /19 per zone from the start of the VPC, public /22 from its last block', () => {
    expect(planSubnets('10.0.0.0/16', 3)).toEqual([
      { index: 0, privateCidr: '10.0.0.0/19', publicCidr: '10.0.224.0/22' },
      { index: 1, privateCidr: '10.0.32.0/19', publicCidr: '10.0.228.0/22' },
      { index: 2, privateCidr: '10.0.64.0/19', publicCidr: '10.0.232.0/22' },
    ]);
  });

  test('six zones fit without overlap, in a smaller VPC too', () => {
    for (const vpc of ['10.0.0.0/16', '172.16.0.0/20']) {
      const cidrs = planSubnets(vpc, 6).flatMap((z) => [z.privateCidr, z.publicCidr]).map((c) => parseCidr(c)!);
      const ranges = cidrs.map((c) => [c.address, c.address + 2 ** (32 - c.prefix) - 1]).sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBeGreaterThan(ranges[i - 1][1]);
      const vpcRange = parseCidr(vpc)!;
      expect(ranges[ranges.length - 1][1]).toBeLessThan(vpcRange.address + 2 ** (32 - vpcRange.prefix));
    }
  });

  test('cidrSubnet like Terraform, and its errors', () => {
    expect(cidrSubnet('10.1.0.0/16', 8, 5)).toBe('10.1.5.0/24');
    expect(cidrSubnet('192.168.0.0/24', 2, 3)).toBe('192.168.0.192/26');
    expect(() => cidrSubnet('10.0.0.0/16', 3, 8)).toThrow(/does not exist/);
    expect(() => cidrSubnet('10.0.0/16', 3, 0)).toThrow(/not an IPv4 CIDR/);
  });

  test('plan checks: CIDR shape, prefix range and zone count', () => {
    expect(checkNetworkPlan('c', '10.0.0.0/16', 'z', 2)).toEqual([]);
    expect(checkNetworkPlan('c', '10.0.0.0/24', 'z', 2)[0].message).toMatch(/prefix must be \/16 to \/20/);
    expect(checkNetworkPlan('c', '10.0.0.300/16', 'z', 2)[0].message).toMatch(/expected an IPv4 CIDR/);
    expect(checkNetworkPlan('c', '10.0.0.0/16', 'z', 1)[0].message).toMatch(/at least 2 availability zones/);
    expect(checkNetworkPlan('c', '10.0.0.0/16', 'z', 7)[0].message).toMatch(/at most 6/);
  });

  test('subnet tags for Kubernetes load balancers', () => {
    expect(subnetTags('inference', 'public')).toEqual({ 'kubernetes.io/role/elb': '1', 'kubernetes.io/cluster/inference': 'shared' });
    expect(subnetTags('inference', 'private')).toEqual({ 'kubernetes.io/role/internal-elb': '1', 'kubernetes.io/cluster/inference': 'shared' });
  });
});

describe('kubeconfig (pure)', () => {
  test('authenticates through aws eks get-token for the cluster and region, holding no credential', () => {
    const config = eksKubeconfig({ clusterName: 'inference', endpoint: 'https://x.eks.amazonaws.com', certificateAuthorityData: 'Q0E=', region: 'us-west-2' }) as any;
    expect(config.clusters[0].cluster).toEqual({ server: 'https://x.eks.amazonaws.com', 'certificate-authority-data': 'Q0E=' });
    expect(config['current-context']).toBe('inference');
    expect(config.users[0].user.exec).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: 'aws',
      args: ['eks', 'get-token', '--cluster-name', 'inference', '--output', 'json', '--region', 'us-west-2'],
      interactiveMode: 'Never',
    });
  });

  test('signs with the provider\'s profile and role as arguments, which ambient AWS_PROFILE cannot override', () => {
    const config = eksKubeconfig({ clusterName: 'c', endpoint: 'e', certificateAuthorityData: 'd', region: 'eu-west-1', profile: 'ml', roleArn: 'arn:aws:iam::123456789012:role/deployer' }) as any;
    expect(config.users[0].user.exec.args).toEqual([
      'eks', 'get-token', '--cluster-name', 'c', '--output', 'json', '--region', 'eu-west-1', '--role-arn', 'arn:aws:iam::123456789012:role/deployer', '--profile', 'ml',
    ]);
    expect(config.users[0].user.exec.env).toBeUndefined();
  });
});

describe('cluster autoscaler objects (pure)', () => {
  test('one pinned release per Kubernetes minor, matching it', () => {
    for (const [minor, tag] of Object.entries(CLUSTER_AUTOSCALER_VERSIONS)) expect(tag.startsWith(`v${minor}.`)).toBe(true);
    expect(clusterAutoscalerImage('1.33')).toBe(CA_IMAGE_133);
    expect(clusterAutoscalerImage('1.33.2')).toBe(CA_IMAGE_133);
    expect(clusterAutoscalerImage('1.29')).toBeUndefined();
  });

  test('pinned images have a tag other than latest, or a digest', () => {
    expect(isPinnedImage(CA_IMAGE_133)).toBe(true);
    expect(isPinnedImage(`registry.k8s.io/autoscaling/cluster-autoscaler@sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(isPinnedImage('localhost:5000/cluster-autoscaler')).toBe(false);
    expect(isPinnedImage('registry.k8s.io/autoscaling/cluster-autoscaler:latest')).toBe(false);
    expect(isPinnedImage('cluster-autoscaler')).toBe(false);
  });

  test('kinds in apply order, all named cluster-autoscaler, namespaced ones in kube-system', () => {
    const objects = clusterAutoscalerObjects({ clusterName: 'c', roleArn: 'arn:role', image: CA_IMAGE_133 });
    expect(objects.map((o) => o.kind)).toEqual(['ServiceAccount', 'ClusterRole', 'Role', 'ClusterRoleBinding', 'RoleBinding', 'Deployment']);
    for (const o of objects) {
      expect(o.metadata.name).toBe('cluster-autoscaler');
      expect(o.metadata.namespace).toBe(['ClusterRole', 'ClusterRoleBinding'].includes(o.kind) ? undefined : 'kube-system');
    }
  });

  test('RBAC: write verbs only where the autoscaler needs them', () => {
    const [, clusterRole, role] = clusterAutoscalerObjects({ clusterName: 'c', roleArn: 'r', image: CA_IMAGE_133 });
    const rules = (clusterRole as any).rules as { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
    const writes = rules.filter((r) => r.verbs.some((v) => !['get', 'list', 'watch'].includes(v)));
    expect(writes.map((r) => `${r.resources.join(',')}:${r.verbs.join(',')}${r.resourceNames ? `@${r.resourceNames.join(',')}` : ''}`)).toEqual([
      'events,endpoints:create,patch',
      'pods/eviction:create',
      'pods/status:update',
      'endpoints:get,update@cluster-autoscaler',
      'nodes:watch,list,get,update',
      'jobs:get,list,watch,patch',
      'leases:create',
      'leases:get,update@cluster-autoscaler',
    ]);
    expect(rules.some((r) => r.verbs.includes('*') || r.resources.includes('*'))).toBe(false);
    expect((role as any).rules[1]).toEqual({
      apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-autoscaler-status', 'cluster-autoscaler-priority-expander'], verbs: ['delete', 'get', 'update', 'watch'],
    });
  });

  test('the objects pass the manifest checker (Kubernetes 1.33 schemas, API-server rules, references, restricted pod security)', async () => {
    const { expectValidManifests } = await import('../support/manifests');
    expectValidManifests(clusterAutoscalerObjects({
      clusterName: 'inference', roleArn: 'arn:aws:iam::123456789012:role/ca', image: CA_IMAGE_133, region: 'us-west-2',
      nodeSelector: { 'kubernetes.io/os': 'linux', 'inferscale.io/node-group': 'system' },
    }), { podSecurity: 'restricted' });
  });

  test('the container runs the binary with the flags as args, since the image only has CMD', () => {
    const deployment = clusterAutoscalerObjects({ clusterName: 'c', roleArn: 'r', image: CA_IMAGE_133, extraArgs: ['--scale-down-unneeded-time=5m'] })[5] as any;
    const container = deployment.spec.template.spec.containers[0];
    expect(container.command).toEqual(['./cluster-autoscaler']);
    expect(container.args.at(-1)).toBe('--scale-down-unneeded-time=5m');
    expect(container.env).toBeUndefined();
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
  });
});

/** Names of the resources registered for `args()`, captured once. */
let defaultInventory: string[] = [];

describe('InferenceEnvironment under mocks: a new VPC and cluster', () => {
  let env: import('../../lib/pulumi/inference-environment').InferenceEnvironment;
  beforeAll(async () => {
    registered.length = 0;
    quiet();
    env = new lib.InferenceEnvironment('env', args());
    await settle();
    defaultInventory = registered.map((r) => `${r.type} ${r.name}`).sort();
  });

  test('VPC with DNS hostnames, one public and one private subnet per zone, tagged for load balancers', () => {
    const vpc = only('aws:ec2/vpc:Vpc', 'env-vpc').inputs;
    expect(vpc).toMatchObject({ cidrBlock: '10.0.0.0/16', enableDnsHostnames: true, enableDnsSupport: true });
    const subnets = ofType('aws:ec2/subnet:Subnet');
    expect(subnets).toHaveLength(4);
    for (const zone of ['us-west-2a', 'us-west-2b']) {
      const inZone = subnets.filter((s) => s.inputs.availabilityZone === zone);
      expect(inZone.map((s) => s.name.replace(/-\d$/, '')).sort()).toEqual(['env-private', 'env-public']);
    }
    for (const s of subnets) expect(s.inputs.vpcId).toBe('env-vpc-id');
    expect(only('aws:ec2/subnet:Subnet', 'env-public-0').inputs).toMatchObject({
      cidrBlock: '10.0.224.0/22',
      mapPublicIpOnLaunch: true,
      tags: { 'kubernetes.io/role/elb': '1', 'kubernetes.io/cluster/inference': 'shared' },
    });
    expect(only('aws:ec2/subnet:Subnet', 'env-private-1').inputs).toMatchObject({
      cidrBlock: '10.0.32.0/19',
      tags: { 'kubernetes.io/role/internal-elb': '1', 'kubernetes.io/cluster/inference': 'shared' },
    });
    expect(only('aws:ec2/subnet:Subnet', 'env-private-1').inputs.mapPublicIpOnLaunch).toBeFalsy();
  });

  test('internet gateway, one NAT gateway with an Elastic IP in the first public subnet, and the routes', () => {
    expect(only('aws:ec2/internetGateway:InternetGateway', 'env-igw').inputs.vpcId).toBe('env-vpc-id');
    expect(only('aws:ec2/eip:Eip', 'env-nat-eip-0').inputs.domain).toBe('vpc');
    expect(ofType('aws:ec2/natGateway:NatGateway')).toHaveLength(1);
    expect(only('aws:ec2/natGateway:NatGateway', 'env-nat-0').inputs).toMatchObject({ allocationId: 'env-nat-eip-0-id', subnetId: 'env-public-0-id' });
    expect(only('aws:ec2/routeTable:RouteTable', 'env-public-rt').inputs.routes).toEqual([{ cidrBlock: '0.0.0.0/0', gatewayId: 'env-igw-id' }]);
    for (const i of [0, 1]) {
      expect(only('aws:ec2/routeTable:RouteTable', `env-private-rt-${i}`).inputs.routes).toEqual([{ cidrBlock: '0.0.0.0/0', natGatewayId: 'env-nat-0-id' }]);
      expect(only('aws:ec2/routeTableAssociation:RouteTableAssociation', `env-private-rta-${i}`).inputs).toEqual({ subnetId: `env-private-${i}-id`, routeTableId: `env-private-rt-${i}-id` });
      expect(only('aws:ec2/routeTableAssociation:RouteTableAssociation', `env-public-rta-${i}`).inputs).toEqual({ subnetId: `env-public-${i}-id`, routeTableId: 'env-public-rt-id' });
    }
  });

  test('EKS cluster: name, version, role, every subnet, both endpoints, access entries', () => {
    const cluster = only('aws:eks/cluster:Cluster', 'env-cluster').inputs;
    expect(cluster).toMatchObject({
      name: 'inference',
      version: '1.33',
      roleArn: 'arn:aws:iam::123456789012:role/env-cluster-role',
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: true },
      deletionProtection: false,
      enabledClusterLogTypes: ['api', 'audit', 'authenticator'],
    });
    expect(cluster.vpcConfig).toEqual({
      subnetIds: ['env-private-0-id', 'env-private-1-id', 'env-public-0-id', 'env-public-1-id'],
      endpointPrivateAccess: true,
      endpointPublicAccess: true,
      publicAccessCidrs: ['0.0.0.0/0'],
    });
  });

  test('cluster role: trusted by EKS, with the cluster policy', () => {
    const trust: PolicyDocument = JSON.parse(only('aws:iam/role:Role', 'env-cluster-role').inputs.assumeRolePolicy);
    expect(trust.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'eks.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    expect(only('aws:iam/rolePolicyAttachment:RolePolicyAttachment', 'env-cluster-role-AmazonEKSClusterPolicy').inputs)
      .toEqual({ role: 'env-cluster-role', policyArn: 'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy' });
  });

  test('OIDC provider from the cluster issuer, for the STS audience, without pinned thumbprints', async () => {
    const oidc = only('aws:iam/openIdConnectProvider:OpenIdConnectProvider', 'env-oidc').inputs;
    expect(oidc.url).toBe(mockIssuer('inference'));
    expect(oidc.clientIdLists).toEqual(['sts.amazonaws.com']);
    expect(oidc.thumbprintLists).toBeUndefined();
  });

  test('Kubernetes provider from the cluster: a secret kubeconfig with endpoint, CA and get-token', async () => {
    expect(ofType('pulumi:providers:kubernetes').map((p) => p.name)).toEqual(['env-k8s']);
    expect(await pulumi.isSecret(env.kubeconfig)).toBe(true);
    const config = JSON.parse(await valueOf(env.kubeconfig));
    expect(config.clusters[0].cluster).toEqual({ server: 'https://inference.gr7.us-west-2.eks.amazonaws.com', 'certificate-authority-data': 'LS0tLS1CRUdJTi1DQQ==' });
    expect(config.users[0].user.exec.args).toEqual(['eks', 'get-token', '--cluster-name', 'inference', '--output', 'json', '--region', 'us-west-2']);
  });

  test('system node group: m6i.large on the standard AL2023 AMI, 2 to 3 nodes, private subnets, no taint', () => {
    const ng = only('aws:eks/nodeGroup:NodeGroup', 'env-system-node-group').inputs;
    expect(ng).toMatchObject({
      clusterName: 'inference',
      instanceTypes: ['m6i.large'],
      amiType: 'AL2023_x86_64_STANDARD',
      capacityType: 'ON_DEMAND',
      subnetIds: ['env-private-0-id', 'env-private-1-id'],
      scalingConfig: { minSize: 2, maxSize: 3, desiredSize: 2 },
      launchTemplate: { id: 'env-system-launch-template-id', version: String(MOCK_LAUNCH_TEMPLATE_VERSION) },
      labels: { 'inferscale.io/node-group': 'system' },
      nodeRoleArn: 'arn:aws:iam::123456789012:role/env-system-node-role',
      version: '1.33',
    });
    expect(ng.taints).toBeUndefined();
    expect(ng.diskSize).toBeUndefined();
    expect(ng.tags).toMatchObject({ 'k8s.io/cluster-autoscaler/enabled': 'true', 'k8s.io/cluster-autoscaler/inference': 'owned' });
    // What each run finds the live group by when a custom autonaming pattern named it.
    expect(ng.tags['inferscale.io/pulumi-logical-name']).toBe('env-system-node-group');
    const arns = ofType('aws:iam/rolePolicyAttachment:RolePolicyAttachment').filter((a) => a.name.startsWith('env-system-node-role-')).map((a) => a.inputs.policyArn).sort();
    expect(arns).toEqual(['AmazonEC2ContainerRegistryReadOnly', 'AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy'].map((p) => `arn:aws:iam::aws:policy/${p}`));
  });

  test('GPU node groups: one component each, AMI, taint, labels, scaling from zero, capacity type, disk', () => {
    expect(ofType('inferscale:aws:GpuNodeGroup').map((c) => c.name)).toEqual(['env-gpu-a10g', 'env-gpu-l4']);
    const a10g = only('aws:eks/nodeGroup:NodeGroup', 'env-gpu-a10g-node-group').inputs;
    expect(a10g).toMatchObject({
      clusterName: 'inference',
      instanceTypes: ['g5.xlarge'],
      amiType: 'AL2023_x86_64_NVIDIA',
      capacityType: 'ON_DEMAND',
      subnetIds: ['env-private-0-id', 'env-private-1-id'],
      scalingConfig: { minSize: 0, maxSize: 4, desiredSize: 0 },
      taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NO_SCHEDULE' }],
    });
    expect(a10g.labels).toMatchObject({ 'nvidia.com/gpu.present': 'true', 'inferscale.io/gpu-pool': 'a10g' });
    expect(a10g.version).toBe('1.33');
    const l4 = only('aws:eks/nodeGroup:NodeGroup', 'env-gpu-l4-node-group').inputs;
    expect(l4).toMatchObject({ amiType: 'BOTTLEROCKET_x86_64_NVIDIA', capacityType: 'SPOT', instanceTypes: ['g6.12xlarge'] });
    expect([a10g.tags['inferscale.io/pulumi-logical-name'], l4.tags['inferscale.io/pulumi-logical-name']]).toEqual(['env-gpu-a10g-node-group', 'env-gpu-l4-node-group']);
    expect(l4.labels['inferscale.io/nvidia-device-plugin']).toBe('preinstalled');
    expect(env.gpuNodeGroups.map((g) => g.shipsDevicePlugin)).toEqual([false, true]);
    expect(env.needsDevicePlugin).toBe(true);
    expect(env.gpuPools.map((p) => p.capacity)).toEqual([4, 8]);
  });

  test('cluster-autoscaler node-template tags on each GPU group\'s Auto Scaling group', () => {
    const tags = ofType('aws:autoscaling/tag:Tag');
    const onL4 = Object.fromEntries(tags.filter((t) => t.inputs.autoscalingGroupName === 'eks-env-gpu-l4-node-group-asg').map((t) => [t.inputs.tag.key, t.inputs.tag.value]));
    expect(onL4).toMatchObject({
      'k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu': '4',
      'k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu': 'true:NoSchedule',
      'k8s.io/cluster-autoscaler/node-template/label/nvidia.com/gpu.present': 'true',
      'k8s.io/cluster-autoscaler/node-template/label/inferscale.io/gpu-pool': 'l4',
    });
    const onA10g = tags.filter((t) => t.inputs.autoscalingGroupName === 'eks-env-gpu-a10g-node-group-asg');
    expect(onA10g.find((t) => t.inputs.tag.key.endsWith('/resources/nvidia.com/gpu'))?.inputs.tag.value).toBe('1');
    expect(tags.every((t) => t.inputs.tag.propagateAtLaunch === false)).toBe(true);
  });

  test('cluster autoscaler role: only its service account, through this cluster\'s OIDC provider', () => {
    const trust: PolicyDocument = JSON.parse(only('aws:iam/role:Role', 'env-cluster-autoscaler-role').inputs.assumeRolePolicy);
    expect(trust.Statement).toEqual([{
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/INFERENCE' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          'oidc.eks.us-west-2.amazonaws.com/id/INFERENCE:sub': 'system:serviceaccount:kube-system:cluster-autoscaler',
          'oidc.eks.us-west-2.amazonaws.com/id/INFERENCE:aud': 'sts.amazonaws.com',
        },
      },
    }]);
  });

  test('cluster autoscaler policy: describe on *, writes only on this cluster\'s groups', () => {
    const inline = only('aws:iam/rolePolicy:RolePolicy', 'env-cluster-autoscaler-policy').inputs;
    expect(inline.role).toBe('env-cluster-autoscaler-role');
    const policy: PolicyDocument = JSON.parse(inline.policy);
    for (const statement of policy.Statement) {
      const writes = statementActions(statement).filter((a) => !isReadOnlyAction(a));
      expect(statementActions(statement).some((a) => a.includes('*'))).toBe(false);
      if (writes.length > 0) {
        expect(writes.sort()).toEqual(['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup']);
        expect(statement.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/k8s.io/cluster-autoscaler/inference': 'owned' } });
      }
    }
    // The node roles carry no autoscaling permission at all; the only other inline policy is the cluster role's KMS use.
    const inlinePolicies = ofType('aws:iam/rolePolicy:RolePolicy');
    expect(inlinePolicies.map((p) => p.name).sort()).toEqual(['env-cluster-autoscaler-policy', 'env-cluster-role-kms']);
  });

  test('cluster autoscaler objects: typed Kubernetes children on the environment\'s provider', () => {
    const kinds = registered.filter((r) => r.type.startsWith('kubernetes:')).map((r) => `${r.type} ${r.name}`).sort();
    expect(kinds).toEqual([
      'kubernetes:apps/v1:Deployment env-cluster-autoscaler-deployment',
      'kubernetes:core/v1:ServiceAccount env-cluster-autoscaler-serviceaccount',
      'kubernetes:rbac.authorization.k8s.io/v1:ClusterRole env-cluster-autoscaler-clusterrole',
      'kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding env-cluster-autoscaler-clusterrolebinding',
      'kubernetes:rbac.authorization.k8s.io/v1:Role env-cluster-autoscaler-role',
      'kubernetes:rbac.authorization.k8s.io/v1:RoleBinding env-cluster-autoscaler-rolebinding',
    ]);
    for (const child of registered.filter((r) => r.type.startsWith('kubernetes:'))) expect(child.provider).toMatch(/::env-k8s::/);
  });

  test('service account annotated with the role ARN; bindings point at it', () => {
    const sa = only('kubernetes:core/v1:ServiceAccount', 'env-cluster-autoscaler-serviceaccount').inputs;
    expect(sa.metadata).toMatchObject({ name: 'cluster-autoscaler', namespace: 'kube-system', annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/env-cluster-autoscaler-role' } });
    for (const [type, name] of [['ClusterRoleBinding', 'env-cluster-autoscaler-clusterrolebinding'], ['RoleBinding', 'env-cluster-autoscaler-rolebinding']]) {
      const binding = only(`kubernetes:rbac.authorization.k8s.io/v1:${type}`, name).inputs;
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'cluster-autoscaler', namespace: 'kube-system' }]);
      expect(binding.roleRef.name).toBe('cluster-autoscaler');
    }
  });

  test('deployment: pinned image matching Kubernetes 1.33, the autoscaling flags, the region', () => {
    const deployment = only('kubernetes:apps/v1:Deployment', 'env-cluster-autoscaler-deployment').inputs;
    const pod = deployment.spec.template.spec;
    expect(pod.serviceAccountName).toBe('cluster-autoscaler');
    expect(pod.priorityClassName).toBe('system-cluster-critical');
    const [container] = pod.containers;
    expect(container.image).toBe(CA_IMAGE_133);
    expect(container.args).toEqual([
      '--cloud-provider=aws',
      '--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/inference',
      '--balance-similar-node-groups',
      '--skip-nodes-with-system-pods=false',
      '--skip-nodes-with-local-storage=false',
      '--expander=least-waste',
      '--stderrthreshold=info',
      '--v=4',
    ]);
    expect(container.env).toEqual([{ name: 'AWS_REGION', value: 'us-west-2' }]);
    // Never on a GPU node: the pod is not safe to evict, so its node would never scale down.
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', 'inferscale.io/node-group': 'system' });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
  });

  test('the registered Kubernetes children pass the manifest checker, as registered', async () => {
    const { expectValidManifests } = await import('../support/manifests');
    const children = registered.filter((r) => r.type.startsWith('kubernetes:')).map((r) => r.inputs);
    expect(children.map((c) => `${c.apiVersion} ${c.kind}`).sort()).toEqual([
      'apps/v1 Deployment', 'rbac.authorization.k8s.io/v1 ClusterRole', 'rbac.authorization.k8s.io/v1 ClusterRoleBinding',
      'rbac.authorization.k8s.io/v1 Role', 'rbac.authorization.k8s.io/v1 RoleBinding', 'v1 ServiceAccount',
    ]);
    expectValidManifests(children, { podSecurity: 'restricted' });
  });

  test('every node group has a launch template: IMDSv2 only, hop limit 1, an encrypted gp3 volume of its size', () => {
    const templates = ofType('aws:ec2/launchTemplate:LaunchTemplate');
    expect(templates.map((t) => t.name).sort()).toEqual(['env-gpu-a10g-launch-template', 'env-gpu-l4-launch-template', 'env-system-launch-template']);
    for (const t of templates) expect(t.inputs.metadataOptions).toEqual({ httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 });
    const volume = (name: string): unknown => only('aws:ec2/launchTemplate:LaunchTemplate', name).inputs.blockDeviceMappings;
    expect(volume('env-system-launch-template')).toEqual([{ deviceName: '/dev/xvda', ebs: { volumeSize: 50, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' } }]);
    expect(volume('env-gpu-a10g-launch-template')).toEqual([{ deviceName: '/dev/xvda', ebs: { volumeSize: 100, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' } }]);
    // Bottlerocket: the OS volume stays as the AMI has it; images and pods live on the data volume.
    expect(volume('env-gpu-l4-launch-template')).toEqual([{ deviceName: '/dev/xvdb', ebs: { volumeSize: 200, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' } }]);
    for (const ng of ofType('aws:eks/nodeGroup:NodeGroup')) {
      expect(ng.inputs.launchTemplate).toEqual({ id: ng.name.replace(/node-group$/, 'launch-template-id'), version: String(MOCK_LAUNCH_TEMPLATE_VERSION) });
      expect(ng.inputs.diskSize).toBeUndefined();
    }
  });

  test('Secrets encrypted with a new, rotated KMS key the cluster role may use, and nothing else', () => {
    const key = only('aws:kms/key:Key', 'env-secrets-key').inputs;
    expect(key).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
    const keyArn = 'arn:aws:kms:us-west-2:123456789012:key/env-secrets-key';
    expect(only('aws:eks/cluster:Cluster', 'env-cluster').inputs.encryptionConfig).toEqual({ provider: { keyArn }, resources: ['secrets'] });
    expect(only('aws:kms/alias:Alias', 'env-secrets-key-alias').inputs).toEqual({ name: 'alias/eks/inference-secrets', targetKeyId: 'env-secrets-key' });
    const policy = only('aws:iam/rolePolicy:RolePolicy', 'env-cluster-role-kms').inputs;
    expect(policy.role).toBe('env-cluster-role');
    expect(JSON.parse(policy.policy).Statement).toEqual([{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ListGrants', 'kms:DescribeKey'], Resource: keyArn }]);
  });

  test('control-plane logs go to a log group created first, with a retention', () => {
    expect(only('aws:cloudwatch/logGroup:LogGroup', 'env-cluster-logs').inputs).toEqual({ name: '/aws/eks/inference/cluster', retentionInDays: 30, tags: {} });
  });

  test('add-ons: vpc-cni, kube-proxy, CoreDNS and metrics-server at the default version for the cluster\'s Kubernetes version, conflicts overwritten', () => {
    const addons = ofType('aws:eks/addon:Addon');
    // Registration order under mocks follows input resolution; the dependency graph orders creation.
    expect(addons.map((a) => a.inputs.addonName).sort()).toEqual(['coredns', 'kube-proxy', 'metrics-server', 'vpc-cni']);
    for (const a of addons) {
      expect(a.name).toBe(`env-addon-${a.inputs.addonName}`);
      expect(a.inputs).toMatchObject({
        clusterName: 'inference',
        addonVersion: mockAddonVersion(a.inputs.addonName, '1.33', false),
        resolveConflictsOnCreate: 'OVERWRITE',
        resolveConflictsOnUpdate: 'OVERWRITE',
      });
    }
    expect(Object.keys(env.addons)).toEqual(['vpc-cni', 'kube-proxy', 'coredns', 'metrics-server']);
  });

  test('the VPC CNI runs its network policy agent, so the platform\'s NetworkPolicies are enforced; other add-ons keep their defaults', () => {
    const addons = ofType('aws:eks/addon:Addon');
    const config = (n: string): unknown => addons.find((a) => a.inputs.addonName === n)?.inputs.configurationValues;
    expect(JSON.parse(config('vpc-cni') as string)).toEqual({ enableNetworkPolicy: 'true' });
    expect(['kube-proxy', 'coredns', 'metrics-server'].map(config)).toEqual([undefined, undefined, undefined]);
  });

  test('dependency graph: what waits for what, so create and destroy run in the right order', () => {
    const graph = new ResourceGraph(registered);
    const cluster = graph.get('aws:eks/cluster:Cluster', 'env-cluster');
    const addon = (n: string): RegisteredResource => graph.get('aws:eks/addon:Addon', `env-addon-${n}`);
    const nodeGroups = graph.ofType('aws:eks/nodeGroup:NodeGroup');
    const system = graph.get('aws:eks/nodeGroup:NodeGroup', 'env-system-node-group');
    const deployment = graph.get('kubernetes:apps/v1:Deployment', 'env-cluster-autoscaler-deployment');
    expect(nodeGroups).toHaveLength(3);
    expect(missingEdges(graph, [
      // Node groups take the cluster name as a plain string: only dependsOn orders them.
      ...nodeGroups.map((ng) => [ng, cluster] as const),
      // Nodes need pod networking to become Ready.
      ...nodeGroups.flatMap((ng) => [[ng, addon('vpc-cni')], [ng, addon('kube-proxy')]] as const),
      ...['vpc-cni', 'kube-proxy', 'coredns', 'metrics-server'].map((n) => [addon(n), cluster] as const),
      // EKS reports CoreDNS and metrics-server ACTIVE only once their pods run.
      [addon('coredns'), system],
      [addon('metrics-server'), system],
      // The autoscaler starts once it can act: its permissions, its RBAC, nodes to run on.
      [deployment, graph.get('aws:iam/rolePolicy:RolePolicy', 'env-cluster-autoscaler-policy')],
      [deployment, graph.get('kubernetes:core/v1:ServiceAccount', 'env-cluster-autoscaler-serviceaccount')],
      [deployment, graph.get('kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding', 'env-cluster-autoscaler-clusterrolebinding')],
      [deployment, graph.get('kubernetes:rbac.authorization.k8s.io/v1:RoleBinding', 'env-cluster-autoscaler-rolebinding')],
      [deployment, system],
      // The cluster is created with its logs and key in place.
      [cluster, graph.get('aws:cloudwatch/logGroup:LogGroup', 'env-cluster-logs')],
      [cluster, graph.get('aws:iam/rolePolicy:RolePolicy', 'env-cluster-role-kms')],
      [cluster, graph.get('aws:iam/rolePolicyAttachment:RolePolicyAttachment', 'env-cluster-role-AmazonEKSClusterPolicy')],
    ])).toEqual([]);
    // Nothing is ordered the wrong way round: the network add-ons do not wait for nodes.
    expect(graph.waitsFor(addon('vpc-cni'), system)).toBe(false);
  });

  test('every child is parented to the environment', async () => {
    expect(await valueOf(env.cluster!.urn)).toContain('inferscale:aws:InferenceEnvironment$aws:eks/cluster:Cluster::env-cluster');
    expect(await valueOf(env.gpuNodeGroups[0].urn)).toContain('inferscale:aws:InferenceEnvironment$inferscale:aws:GpuNodeGroup::env-gpu-a10g');
    expect(await valueOf(env.gpuNodeGroups[0].nodeGroup.urn)).toContain('inferscale:aws:GpuNodeGroup$aws:eks/nodeGroup:NodeGroup::env-gpu-a10g-node-group');
    expect(await valueOf(env.provider.urn)).toContain('inferscale:aws:InferenceEnvironment$pulumi:providers:kubernetes::env-k8s');
  });
});

describe('InferenceEnvironment under mocks: variations', () => {
  beforeEach(() => {
    registered.length = 0;
    quiet();
  });

  test('a NAT gateway per zone, in three zones looked up from the region, Local Zones left out', async () => {
    MOCK_CALLS.length = 0;
    new lib.InferenceEnvironment('env', args({ network: { availabilityZoneCount: 3, natGateways: 'perZone' } }));
    await settle();
    // The mocked region lists a Local Zone first unless asked for zones that need no opt-in.
    expect(MOCK_CALLS.filter((c) => c.token === 'aws:index/getAvailabilityZones:getAvailabilityZones').map((c) => c.inputs))
      .toEqual([{ state: 'available', filters: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }] }]);
    expect(ofType('aws:ec2/subnet:Subnet').map((s) => s.inputs.availabilityZone).sort()).toEqual(['us-west-2a', 'us-west-2a', 'us-west-2b', 'us-west-2b', 'us-west-2c', 'us-west-2c']);
    expect(ofType('aws:ec2/natGateway:NatGateway').map((n) => n.inputs.subnetId).sort()).toEqual(['env-public-0-id', 'env-public-1-id', 'env-public-2-id']);
    for (const i of [0, 1, 2]) {
      expect(only('aws:ec2/routeTable:RouteTable', `env-private-rt-${i}`).inputs.routes).toEqual([{ cidrBlock: '0.0.0.0/0', natGatewayId: `env-nat-${i}-id` }]);
    }
  });

  test('an existing VPC and no cluster autoscaler: no network resources, no autoscaler role or objects', async () => {
    const env = new lib.InferenceEnvironment('env', args({
      network: undefined,
      vpc: { id: 'vpc-1', privateSubnetIds: ['subnet-p1', 'subnet-p2'], publicSubnetIds: ['subnet-u1'] },
      clusterAutoscaler: false,
    }));
    await settle();
    expect(registered.filter((r) => r.type.startsWith('aws:ec2/') && r.type !== 'aws:ec2/launchTemplate:LaunchTemplate')).toEqual([]);
    expect(only('aws:eks/cluster:Cluster', 'env-cluster').inputs.vpcConfig.subnetIds).toEqual(['subnet-p1', 'subnet-p2', 'subnet-u1']);
    expect(only('aws:eks/nodeGroup:NodeGroup', 'env-gpu-a10g-node-group').inputs.subnetIds).toEqual(['subnet-p1', 'subnet-p2']);
    expect(await valueOf(env.vpcId)).toBe('vpc-1');
    expect(registered.filter((r) => r.type.startsWith('kubernetes:') || r.name.includes('cluster-autoscaler'))).toEqual([]);
    expect(env.clusterAutoscalerRole).toBeUndefined();
  });

  test('an existing cluster: no cluster, cluster role, OIDC provider or system node group', async () => {
    const env = new lib.InferenceEnvironment('env', args({
      clusterName: undefined,
      kubernetesVersion: '1.32',
      network: undefined,
      vpc: { id: 'vpc-1', privateSubnetIds: ['subnet-p1'] },
      cluster: { name: 'prod', kubeconfig: '{"apiVersion":"v1"}', oidcProviderArn: 'arn:aws:iam::1:oidc-provider/oidc.example/id/P', oidcProviderUrl: 'https://oidc.example/id/P' },
    }));
    await settle();
    expect(ofType('aws:eks/cluster:Cluster')).toEqual([]);
    expect(ofType('aws:iam/openIdConnectProvider:OpenIdConnectProvider')).toEqual([]);
    expect(registered.filter((r) => r.name.startsWith('env-cluster-role') || r.name.startsWith('env-system'))).toEqual([]);
    expect(ofType('aws:eks/nodeGroup:NodeGroup').map((n) => [n.name, n.inputs.clusterName, n.inputs.version])).toEqual([
      ['env-gpu-a10g-node-group', 'prod', '1.32'], ['env-gpu-l4-node-group', 'prod', '1.32'],
    ]);
    const pod = only('kubernetes:apps/v1:Deployment', 'env-cluster-autoscaler-deployment').inputs.spec.template.spec;
    expect(pod.containers[0].image).toBe('registry.k8s.io/autoscaling/cluster-autoscaler:v1.32.7');
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    // Registered as a secret (the engine's secret envelope).
    expect(only('pulumi:providers:kubernetes', 'env-k8s').inputs.kubeconfig).toEqual({ '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270', value: '{"apiVersion":"v1"}' });
    const trust: PolicyDocument = JSON.parse(only('aws:iam/role:Role', 'env-cluster-autoscaler-role').inputs.assumeRolePolicy);
    expect(trust.Statement[0].Principal).toEqual({ Federated: 'arn:aws:iam::1:oidc-provider/oidc.example/id/P' });
    expect(Object.keys(trust.Statement[0].Condition!.StringEquals)).toEqual(['oidc.example/id/P:sub', 'oidc.example/id/P:aud']);
    expect(await valueOf(env.clusterName)).toBe('prod');
  });

  test('Kubernetes 1.34 with extra autoscaler flags, tags, SSM and restricted endpoint access', async () => {
    new lib.InferenceEnvironment('env', args({
      kubernetesVersion: '1.34',
      clusterAutoscaler: { extraArgs: ['--scale-down-unneeded-time=5m'] },
      tags: { team: 'ml' },
      ssm: true,
      endpointPublicAccessCidrs: ['203.0.113.0/24'],
    }));
    await settle();
    const container = only('kubernetes:apps/v1:Deployment', 'env-cluster-autoscaler-deployment').inputs.spec.template.spec.containers[0];
    expect(container.image).toBe('registry.k8s.io/autoscaling/cluster-autoscaler:v1.34.4');
    expect(container.args.at(-1)).toBe('--scale-down-unneeded-time=5m');
    const cluster = only('aws:eks/cluster:Cluster', 'env-cluster').inputs;
    expect(cluster.version).toBe('1.34');
    expect(cluster.vpcConfig.publicAccessCidrs).toEqual(['203.0.113.0/24']);
    const ssm = ofType('aws:iam/rolePolicyAttachment:RolePolicyAttachment').filter((a) => a.inputs.policyArn.endsWith('/AmazonSSMManagedInstanceCore'));
    expect(ssm.map((a) => a.inputs.role).sort()).toEqual(['env-gpu-a10g-node-role', 'env-gpu-l4-node-role', 'env-system-node-role']);
    const tagged = registered.filter((x) => x.inputs.tags !== undefined);
    expect(tagged.length).toBeGreaterThan(20);
    for (const r of tagged) expect(r.inputs.tags.team).toBe('ml');
  });

  test('the kubeconfig follows the AWS provider passed in: its region and its profile; a role to assume when given', async () => {
    const aws = await import('@pulumi/aws');
    const provider = new aws.Provider('ml', { region: 'us-west-2', profile: 'ml-admin' });
    const env = new lib.InferenceEnvironment('env', args({ region: undefined, kubeconfigRoleArn: 'arn:aws:iam::123456789012:role/deployer' }), { provider });
    await settle();
    const exec = JSON.parse(await valueOf(env.kubeconfig)).users[0].user.exec;
    expect(exec.args).toEqual(['eks', 'get-token', '--cluster-name', 'inference', '--output', 'json', '--region', 'us-west-2', '--role-arn', 'arn:aws:iam::123456789012:role/deployer', '--profile', 'ml-admin']);
    expect(await valueOf(env.region)).toBe('us-west-2');
    // The region was asked of that provider, not of the default one.
    expect(MOCK_CALLS.filter((c) => c.token === 'aws:index/getRegion:getRegion').at(-1)?.provider).toMatch(/::pulumi:providers:aws::ml::/);
    const autoscaler = only('kubernetes:apps/v1:Deployment', 'env-cluster-autoscaler-deployment').inputs.spec.template.spec.containers[0];
    expect(autoscaler.env).toEqual([{ name: 'AWS_REGION', value: 'us-west-2' }]);
  });

  test('a region that is not the provider\'s is refused at deployment', () => {
    expect(lib.providerRegionProblem('env', 'us-west-2', 'us-west-2')).toBeUndefined();
    expect(lib.providerRegionProblem('env', 'eu-west-1', 'us-west-2'))
      .toBe('InferenceEnvironment "env": region is "eu-west-1", but the AWS provider targets "us-west-2"; set the provider\'s region (aws:region) or change region');
  });

  test('access entries: one per principal, with its access policy on the cluster or on namespaces', async () => {
    new lib.InferenceEnvironment('env', args({
      accessEntries: {
        oncall: { principalArn: 'arn:aws:iam::123456789012:role/oncall', policy: 'view' },
        ml: { principalArn: 'arn:aws:iam::123456789012:role/ml-engineers', policy: 'edit', namespaces: ['inference'] },
      },
    }));
    await settle();
    expect(ofType('aws:eks/accessEntry:AccessEntry').map((e) => [e.name, e.inputs.principalArn, e.inputs.type, e.inputs.clusterName])).toEqual([
      ['env-access-oncall', 'arn:aws:iam::123456789012:role/oncall', 'STANDARD', 'inference'],
      ['env-access-ml', 'arn:aws:iam::123456789012:role/ml-engineers', 'STANDARD', 'inference'],
    ]);
    expect(only('aws:eks/accessPolicyAssociation:AccessPolicyAssociation', 'env-access-oncall-policy').inputs).toEqual({
      clusterName: 'inference', principalArn: 'arn:aws:iam::123456789012:role/oncall', policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy', accessScope: { type: 'cluster' },
    });
    expect(only('aws:eks/accessPolicyAssociation:AccessPolicyAssociation', 'env-access-ml-policy').inputs.accessScope).toEqual({ type: 'namespace', namespaces: ['inference'] });
    const graph = new ResourceGraph(registered);
    const cluster = graph.get('aws:eks/cluster:Cluster', 'env-cluster');
    const entry = graph.get('aws:eks/accessEntry:AccessEntry', 'env-access-ml');
    expect(missingEdges(graph, [[entry, cluster], [graph.get('aws:eks/accessPolicyAssociation:AccessPolicyAssociation', 'env-access-ml-policy'), entry]])).toEqual([]);
  });

  test('without add-ons, node groups still wait for the cluster: they name it by a plain string', async () => {
    new lib.InferenceEnvironment('env', args({ addons: false }));
    await settle();
    expect(ofType('aws:eks/addon:Addon')).toEqual([]);
    const graph = new ResourceGraph(registered);
    const cluster = graph.get('aws:eks/cluster:Cluster', 'env-cluster');
    const nodeGroups = graph.ofType('aws:eks/nodeGroup:NodeGroup');
    expect(nodeGroups).toHaveLength(3);
    expect(missingEdges(graph, nodeGroups.map((ng) => [ng, cluster] as const))).toEqual([]);
  });

  test('the newest add-on versions when asked, pinned ones as given', async () => {
    new lib.InferenceEnvironment('env', args({ addons: { mostRecent: true, versions: { coredns: 'v1.12.4-eksbuild.1' } } }));
    await settle();
    const version = (n: string): string => only('aws:eks/addon:Addon', `env-addon-${n}`).inputs.addonVersion;
    expect(version('vpc-cni')).toBe(mockAddonVersion('vpc-cni', '1.33', true));
    expect(version('coredns')).toBe('v1.12.4-eksbuild.1');
  });

  test('no logs, no KMS key, deletion protection on, several spot instance types, when so configured', async () => {
    new lib.InferenceEnvironment('env', args({
      controlPlaneLogging: false,
      secretsEncryption: false,
      deletionProtection: true,
      gpuNodeGroups: [{ name: 'l4', instanceType: 'g6.xlarge', additionalInstanceTypes: ['g6.2xlarge', 'g6.4xlarge'], capacityType: 'SPOT', maxNodes: 4 }],
    }));
    await settle();
    const cluster = only('aws:eks/cluster:Cluster', 'env-cluster').inputs;
    expect(cluster.deletionProtection).toBe(true);
    expect(cluster.enabledClusterLogTypes).toBeUndefined();
    expect(cluster.encryptionConfig).toBeUndefined();
    expect([...ofType('aws:kms/key:Key'), ...ofType('aws:cloudwatch/logGroup:LogGroup')]).toEqual([]);
    expect(only('aws:eks/nodeGroup:NodeGroup', 'env-gpu-l4-node-group').inputs.instanceTypes).toEqual(['g6.xlarge', 'g6.2xlarge', 'g6.4xlarge']);
  });

  /** Deploys the environment with one a10g GPU group (maxNodes 6) into an account holding `groups` (by EKS name). */
  async function deployOver(groups: Readonly<Record<string, MockLiveNodeGroup>>): Promise<void> {
    for (const [name, group] of Object.entries(groups)) MOCK_LIVE_NODE_GROUPS.set(name, group);
    try {
      new lib.InferenceEnvironment('env', args({ gpuNodeGroups: [{ name: 'a10g', instanceType: 'g5.xlarge', minNodes: 0, maxNodes: 6 }] }));
      await settle();
    } finally {
      MOCK_LIVE_NODE_GROUPS.clear();
    }
  }

  test('node groups send their live size back, found by the auto-generated name: new bounds never reset a group to its size at creation', async () => {
    MOCK_CALLS.length = 0;
    // The autoscaler grew the GPU group to 3 nodes; the system group sits at 2.
    await deployOver({
      'env-system-node-group-0a1b2c3': { minSize: 2, maxSize: 3, desiredSize: 2 },
      'env-gpu-a10g-node-group-4d5e6f7': { minSize: 0, maxSize: 4, desiredSize: 3 },
    });
    const described = MOCK_CALLS.filter((c) => c.token === 'aws:eks/getNodeGroup:getNodeGroup').map((c) => c.inputs.nodeGroupName).sort();
    expect(described).toEqual(['env-gpu-a10g-node-group-4d5e6f7', 'env-system-node-group-0a1b2c3']);
    // maxNodes 4 → 6 goes with the 3 nodes running, not the 0 the group was created with.
    expect(only('aws:eks/nodeGroup:NodeGroup', 'env-gpu-a10g-node-group').inputs.scalingConfig).toEqual({ minSize: 0, maxSize: 6, desiredSize: 3 });
    expect(only('aws:eks/nodeGroup:NodeGroup', 'env-system-node-group').inputs.scalingConfig).toEqual({ minSize: 2, maxSize: 3, desiredSize: 2 });
    // Nothing may pin the desired size to what the state recorded.
    expect(registered.filter((r) => r.type === 'aws:eks/nodeGroup:NodeGroup').map((r) => r.ignoreChanges)).toEqual([[], []]);
  });

  test('the desired size sent with new bounds: the live one, moved inside bounds that exclude it; the initial one for a new group', async () => {
    const { readDesiredSize } = await import('../../lib/pulumi/aws/node-group-scaling');
    const names = ['env-gpu-a10g-node-group-4d5e6f7', 'env-gpu-a10g-node-group-extra-1234567'];
    MOCK_LIVE_NODE_GROUPS.set('env-gpu-a10g-node-group-4d5e6f7', { minSize: 0, maxSize: 4, desiredSize: 3 });
    const desired = (minSize: number, maxSize: number, groups = names): Promise<number> => readDesiredSize('inference', groups, { logicalName: 'env-gpu-a10g-node-group', minSize, maxSize, initialSize: minSize }, {});
    try {
      await expect(desired(0, 4)).resolves.toBe(3);
      // maxNodes below the live size removes nodes down to it; minNodes above it adds nodes.
      await expect(desired(0, 2)).resolves.toBe(2);
      await expect(desired(4, 6)).resolves.toBe(4);
      // A group that does not exist yet (the first deployment) starts at its initial size.
      await expect(desired(5, 6, [])).resolves.toBe(5);
    } finally {
      MOCK_LIVE_NODE_GROUPS.clear();
    }
  });

  test('with a project-wide autonaming pattern, node groups are found by their logical-name tag: raising maxNodes keeps the nodes running', async () => {
    // Names as `pulumi:autonaming` with pattern ${stack}-${name}-${alphanum(4)} gives them; the
    // GPU node role also serves a group someone added by hand, so only the tag tells them apart.
    await deployOver({
      'test-env-system-node-group-k2x9': { minSize: 2, maxSize: 3, desiredSize: 3, tags: { 'inferscale.io/pulumi-logical-name': 'env-system-node-group' }, nodeRoleArn: mockRoleArn('env-system-node-role') },
      'test-env-gpu-a10g-node-group-7qpd': { minSize: 0, maxSize: 4, desiredSize: 3, tags: { 'inferscale.io/pulumi-logical-name': 'env-gpu-a10g-node-group' }, nodeRoleArn: mockRoleArn('env-gpu-a10g-node-role') },
      'a10g-by-hand': { minSize: 0, maxSize: 2, desiredSize: 1, nodeRoleArn: mockRoleArn('env-gpu-a10g-node-role') },
      'batch': { minSize: 0, maxSize: 9, desiredSize: 7 },
    });
    // maxNodes 4 → 6 goes with the 3 nodes the autoscaler started, not the 0 the group was created with.
    expect(only('aws:eks/nodeGroup:NodeGroup', 'env-gpu-a10g-node-group').inputs.scalingConfig).toEqual({ minSize: 0, maxSize: 6, desiredSize: 3 });
    expect(only('aws:eks/nodeGroup:NodeGroup', 'env-system-node-group').inputs.scalingConfig).toEqual({ minSize: 2, maxSize: 3, desiredSize: 3 });
  });

  test('a group created before the tag existed, under a name of its own, is found by its node role on the run that tags it', async () => {
    await deployOver({
      'test-env-gpu-a10g-node-group-7qpd': { minSize: 0, maxSize: 4, desiredSize: 3, nodeRoleArn: mockRoleArn('env-gpu-a10g-node-role') },
      'batch': { minSize: 0, maxSize: 9, desiredSize: 7 },
    });
    const a10g = only('aws:eks/nodeGroup:NodeGroup', 'env-gpu-a10g-node-group').inputs;
    expect(a10g.scalingConfig).toEqual({ minSize: 0, maxSize: 6, desiredSize: 3 });
    expect(a10g.tags['inferscale.io/pulumi-logical-name']).toBe('env-gpu-a10g-node-group');
    // The system group has no live group of its own: a new one, at its initial size.
    expect(only('aws:eks/nodeGroup:NodeGroup', 'env-system-node-group').inputs.scalingConfig).toEqual({ minSize: 2, maxSize: 3, desiredSize: 2 });
  });

  test('two environments never collide: child names derive from the component name', async () => {
    new lib.InferenceEnvironment('blue', args({ clusterName: 'blue' }));
    new lib.InferenceEnvironment('green', args({ clusterName: 'green' }));
    await settle();
    const names = registered.map((r) => `${r.type} ${r.name}`);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => n.includes(' blue')).length).toBe(names.filter((n) => n.includes(' green')).length);
    expect(names.filter((n) => n.startsWith('aws:eks/nodeGroup:NodeGroup')).sort()).toEqual([
      'aws:eks/nodeGroup:NodeGroup blue-gpu-a10g-node-group',
      'aws:eks/nodeGroup:NodeGroup blue-gpu-l4-node-group',
      'aws:eks/nodeGroup:NodeGroup blue-system-node-group',
      'aws:eks/nodeGroup:NodeGroup green-gpu-a10g-node-group',
      'aws:eks/nodeGroup:NodeGroup green-gpu-l4-node-group',
      'aws:eks/nodeGroup:NodeGroup green-system-node-group',
    ]);
  });

  test('child names are stable: the same args give the same inventory', async () => {
    new lib.InferenceEnvironment('env', args());
    await settle();
    const again = registered.map((r) => `${r.type} ${r.name}`).sort();
    expect(again).toEqual(defaultInventory);
    const count = (type: string): number => again.filter((n) => n.startsWith(`${type} `)).length;
    expect({
      vpc: count('aws:ec2/vpc:Vpc'), subnets: count('aws:ec2/subnet:Subnet'), nat: count('aws:ec2/natGateway:NatGateway'), eip: count('aws:ec2/eip:Eip'),
      routeTables: count('aws:ec2/routeTable:RouteTable'), associations: count('aws:ec2/routeTableAssociation:RouteTableAssociation'),
      clusters: count('aws:eks/cluster:Cluster'), nodeGroups: count('aws:eks/nodeGroup:NodeGroup'), roles: count('aws:iam/role:Role'),
      oidc: count('aws:iam/openIdConnectProvider:OpenIdConnectProvider'), k8sProviders: count('pulumi:providers:kubernetes'),
      k8sObjects: again.filter((n) => n.startsWith('kubernetes:')).length,
    }).toEqual({ vpc: 1, subnets: 4, nat: 1, eip: 1, routeTables: 3, associations: 4, clusters: 1, nodeGroups: 3, roles: 5, oidc: 1, k8sProviders: 1, k8sObjects: 6 });
  });
});

describe('live node group lookup', () => {
  let scaling: typeof import('../../lib/pulumi/aws/node-group-scaling');
  beforeAll(async () => {
    scaling = await import('../../lib/pulumi/aws/node-group-scaling');
  });
  afterEach(() => MOCK_LIVE_NODE_GROUPS.clear());

  const LOGICAL = 'env-gpu-a10g-node-group';
  const TAGGED = { 'inferscale.io/pulumi-logical-name': LOGICAL };
  const ROLE = mockRoleArn('env-gpu-a10g-node-role');
  const BATCH: MockLiveNodeGroup = { minSize: 0, maxSize: 9, desiredSize: 7 };

  /** Puts node groups into the mocked account; their names, as `eks:ListNodegroups` gives them. */
  function live(groups: Readonly<Record<string, MockLiveNodeGroup>>): string[] {
    for (const [name, group] of Object.entries(groups)) MOCK_LIVE_NODE_GROUPS.set(name, group);
    return Object.keys(groups);
  }

  /** The desired size the a10g group sends with bounds `[minSize, maxSize]`, starting at `minSize`. */
  function desired(names: readonly string[], minSize: number, maxSize: number, nodeRoleArn?: string): Promise<number> {
    return scaling.readDesiredSize('inference', names, { logicalName: LOGICAL, ...(nodeRoleArn !== undefined ? { nodeRoleArn } : {}), minSize, maxSize, initialSize: minSize }, {});
  }

  test('the auto-name is the logical name, a dash and seven lower-case hexadecimal characters, taken when one group has it', () => {
    expect(scaling.autoNamedNodeGroup(LOGICAL, ['env-gpu-a10g-node-group-extra-1234567', 'env-gpu-a10g-node-group-4D5E6F7', 'env-gpu-a10g-node-group-4d5e6f7'])).toBe('env-gpu-a10g-node-group-4d5e6f7');
    expect(scaling.autoNamedNodeGroup(LOGICAL, ['test-env-gpu-a10g-node-group-7qpd', 'env-gpu-a10g-node-group-4d5e6f', 'env-gpu-a10g-node-group'])).toBeUndefined();
    // Two of them (a replacement left the old group behind): the tags decide.
    expect(scaling.autoNamedNodeGroup(LOGICAL, ['env-gpu-a10g-node-group-0a1b2c3', 'env-gpu-a10g-node-group-4d5e6f7'])).toBeUndefined();
  });

  test('a custom-named group at 3 nodes is found by its tag and keeps them when maxNodes is raised; groups tagged for other names are left alone', async () => {
    const names = live({
      'dev-gpu-l4-p2q8': { minSize: 0, maxSize: 4, desiredSize: 4, tags: { 'inferscale.io/pulumi-logical-name': 'env-gpu-l4-node-group' } },
      'dev-gpu-a10g-x8k2': { minSize: 0, maxSize: 4, desiredSize: 3, tags: TAGGED },
      batch: BATCH,
    });
    await expect(desired(names, 0, 6)).resolves.toBe(3);
    // A lower maxNodes still removes nodes down to it.
    await expect(desired(names, 0, 2)).resolves.toBe(2);
  });

  test('the tag decides between the group and another one on the same node role', async () => {
    const names = live({
      'a10g-by-hand': { minSize: 0, maxSize: 2, desiredSize: 1, nodeRoleArn: ROLE },
      'dev-gpu-a10g-x8k2': { minSize: 0, maxSize: 4, desiredSize: 3, tags: TAGGED, nodeRoleArn: ROLE },
    });
    await expect(desired(names, 0, 6, ROLE)).resolves.toBe(3);
  });

  test('two groups with the tag are an error naming both', async () => {
    const names = live({
      'dev-gpu-a10g-x8k2': { minSize: 0, maxSize: 4, desiredSize: 3, tags: TAGGED, nodeRoleArn: ROLE },
      'prod-gpu-a10g-m3n7': { minSize: 0, maxSize: 4, desiredSize: 1, tags: TAGGED },
      batch: BATCH,
    });
    await expect(desired(names, 0, 6, ROLE)).rejects.toHaveProperty('message', 'NodeGroup "env-gpu-a10g-node-group": the node groups "dev-gpu-a10g-x8k2" and "prod-gpu-a10g-m3n7" of EKS cluster "inference" '
      + 'carry the tag inferscale.io/pulumi-logical-name=env-gpu-a10g-node-group, so which one\'s live size to keep is ambiguous. '
      + 'Delete the one no Pulumi stack manages, or remove the tag from it (aws eks untag-resource); two stacks that share a cluster need node groups of different logical names.');
  });

  test('a tagged group being deleted is left out: the one that stays gives the size', async () => {
    const names = live({
      'env-gpu-a10g-node-group-0a1b2c3': { minSize: 0, maxSize: 4, desiredSize: 1, tags: TAGGED, status: 'DELETING' },
      'env-gpu-a10g-node-group-4d5e6f7': { minSize: 0, maxSize: 4, desiredSize: 3, tags: TAGGED },
    });
    await expect(desired(names, 0, 6)).resolves.toBe(3);
  });

  test('with no group tagged, the one on the node role; several on it are an error', async () => {
    const names = live({ 'dev-gpu-a10g-x8k2': { minSize: 0, maxSize: 4, desiredSize: 3, nodeRoleArn: ROLE }, batch: BATCH });
    await expect(desired(names, 0, 6, ROLE)).resolves.toBe(3);
    // Without the role, such a group is not found.
    await expect(desired(names, 0, 6)).resolves.toBe(0);
    // Renamed in Pulumi through an alias: the tag still names the old logical name, the role is the same.
    const renamed = live({ 'env-a10g-node-group-4d5e6f7': { minSize: 0, maxSize: 4, desiredSize: 2, tags: { 'inferscale.io/pulumi-logical-name': 'env-a10g-node-group' }, nodeRoleArn: ROLE }, batch: BATCH });
    await expect(desired(renamed, 0, 6, ROLE)).resolves.toBe(2);
    MOCK_LIVE_NODE_GROUPS.delete('env-a10g-node-group-4d5e6f7');
    const more = [...names, ...live({ 'a10g-by-hand': { minSize: 0, maxSize: 2, desiredSize: 1, nodeRoleArn: ROLE } })];
    await expect(desired(more, 0, 6, ROLE)).rejects.toHaveProperty('message', 'NodeGroup "env-gpu-a10g-node-group": none of the node groups of EKS cluster "inference" carries the tag '
      + 'inferscale.io/pulumi-logical-name=env-gpu-a10g-node-group, and "dev-gpu-a10g-x8k2" and "a10g-by-hand" run on its node role arn:aws:iam::123456789012:role/env-gpu-a10g-node-role, '
      + 'so which one\'s live size to keep is ambiguous. Tag the one this stack manages with that tag (aws eks tag-resource) and run again.');
  });

  test('a new group gets its initial size: no group of the cluster has its auto-name, its tag or its role', async () => {
    const names = live({
      'env-gpu-l4-node-group-4d5e6f7': { minSize: 0, maxSize: 4, desiredSize: 4, tags: { 'inferscale.io/pulumi-logical-name': 'env-gpu-l4-node-group' }, nodeRoleArn: mockRoleArn('env-gpu-l4-node-role') },
      'blue-gpu-a10g-x8k2': { minSize: 0, maxSize: 4, desiredSize: 3, tags: { 'inferscale.io/pulumi-logical-name': 'blue-gpu-a10g-node-group' }, nodeRoleArn: mockRoleArn('blue-gpu-a10g-node-role') },
      batch: BATCH,
    });
    await expect(desired(names, 1, 6, ROLE)).resolves.toBe(1);
  });
});

describe('InferenceEnvironment bad args', () => {
  beforeEach(() => { registered.length = 0; });

  function problemsOf(a: unknown, name = 'env'): { path: string; message: string }[] {
    try {
      new lib.InferenceEnvironment(name, a as Args);
    } catch (e) {
      expect((e as Error).name).toBe('InferscaleValidationError');
      for (const line of (e as Error).message.split('\n')) expect(line.startsWith(`InferenceEnvironment "${name}": `)).toBe(true);
      return (e as { problems: { path: string; message: string }[] }).problems;
    }
    throw new Error('expected InferenceEnvironment to throw');
  }

  const messageAt = (problems: { path: string; message: string }[], path: string): string => {
    const found = problems.find((p) => p.path === path);
    if (!found) throw new Error(`no problem at ${path}; got ${JSON.stringify(problems)}`);
    return found.message;
  };

  test('unknown instance type, non-GPU instance, min > max, arm64 vs x86 AMI: all listed at once, nothing registered', async () => {
    const problems = problemsOf(args({
      systemNodeGroup: { instanceType: 'm7g.large' },
      gpuNodeGroups: [
        { name: 'cpu', instanceType: 'm6i.large', maxNodes: 2 },
        { name: 'typo', instanceType: 'g5.xlarg', maxNodes: 2 },
        { name: 'inverted', instanceType: 'g5.xlarge', minNodes: 3, maxNodes: 1 },
        { name: 'arm', instanceType: 'g5.xlarge', maxNodes: 1, ami: 'AL2023_ARM_64_NVIDIA' as never },
      ],
    }));
    expect(messageAt(problems, 'systemNodeGroup.amiType')).toMatch(/an x86_64 AMI, but systemNodeGroup.instanceType "m7g.large" is an arm64 instance type/);
    expect(messageAt(problems, 'gpuNodeGroups[0].instanceType')).toMatch(/"m6i.large", which is not a GPU instance type/);
    expect(messageAt(problems, 'gpuNodeGroups[1].instanceType')).toMatch(/"g5.xlarg", which is not a g5 size/);
    expect(messageAt(problems, 'gpuNodeGroups[2].minNodes')).toMatch(/is 3, above maxNodes \(1\)/);
    expect(messageAt(problems, 'gpuNodeGroups[3].ami')).toMatch(/an arm64 AMI/);
    await settle();
    expect(registered).toEqual([]);
  });

  test('a missing required key', () => {
    const { gpuNodeGroups: _g, ...withoutGroups } = args();
    expect(messageAt(problemsOf(withoutGroups), 'gpuNodeGroups')).toMatch(/is undefined; expected at least one GPU node group/);
    expect(messageAt(problemsOf(args({ gpuNodeGroups: [{ name: 'x', instanceType: 'g5.xlarge' } as never] })), 'gpuNodeGroups[0].maxNodes')).toMatch(/is undefined/);
  });

  test('duplicate pool names', () => {
    const problems = problemsOf(args({ gpuNodeGroups: [{ name: 'a', instanceType: 'g5.xlarge', maxNodes: 1 }, { name: 'a', instanceType: 'g6.xlarge', maxNodes: 1 }] }));
    expect(messageAt(problems, 'gpuNodeGroups[1].name')).toMatch(/already used by gpuNodeGroups\[0\]/);
  });

  test('vpc with network, and an existing cluster without a VPC', () => {
    expect(messageAt(problemsOf(args({ vpc: { id: 'v', privateSubnetIds: ['a', 'b'] } })), 'network')).toMatch(/cannot be combined with vpc/);
    const problems = problemsOf(args({ network: undefined, cluster: { name: 'prod', kubeconfig: 'k', oidcProviderArn: 'a', oidcProviderUrl: undefined as never } }));
    expect(messageAt(problems, 'vpc')).toMatch(/with an existing cluster, give its VPC/);
    expect(messageAt(problems, 'cluster.oidcProviderUrl')).toMatch(/is missing/);
    expect(messageAt(problems, 'clusterName')).toMatch(/is "inference", but cluster.name is "prod"/);
  });

  test('an existing cluster without its Kubernetes version, and a new cluster without system nodes', () => {
    const existing = problemsOf(args({ clusterName: undefined, network: undefined, vpc: { id: 'v', privateSubnetIds: ['a'] }, cluster: { name: 'prod', kubeconfig: 'k', oidcProviderArn: 'a', oidcProviderUrl: 'u' } }));
    expect(messageAt(existing, 'kubernetesVersion')).toMatch(/with an existing cluster, give its Kubernetes version/);
    expect(messageAt(problemsOf(args({ systemNodeGroup: false })), 'systemNodeGroup')).toMatch(/no node for CoreDNS and the cluster autoscaler/);
  });

  test('network: bad CIDR, one zone, duplicate zones, NAT mode', () => {
    expect(messageAt(problemsOf(args({ network: { cidrBlock: '10.0.0.0/8', availabilityZones: ['a', 'b'] } })), 'network.cidrBlock')).toMatch(/\/16 to \/20/);
    expect(messageAt(problemsOf(args({ network: { availabilityZones: ['us-west-2a'] } })), 'network.availabilityZones')).toMatch(/at least 2 availability zones/);
    expect(messageAt(problemsOf(args({ network: { availabilityZones: ['a', 'a'] } })), 'network.availabilityZones')).toMatch(/lists "a" twice/);
    expect(messageAt(problemsOf(args({ network: { availabilityZoneCount: 2, natGateways: 'none' as never } })), 'network.natGateways')).toMatch(/"single" or "perZone"/);
  });

  test('system node group: cannot scale from zero, no GPU instance', () => {
    const problems = problemsOf(args({ systemNodeGroup: { minNodes: 0, instanceType: 'g5.xlarge' } }));
    expect(messageAt(problems, 'systemNodeGroup.minNodes')).toMatch(/cannot scale from zero/);
    expect(messageAt(problems, 'systemNodeGroup.instanceType')).toMatch(/a GPU instance type; system pods need no GPU/);
  });

  test('cluster autoscaler: no pinned release for the version, an unpinned image, a repeated flag', () => {
    expect(messageAt(problemsOf(args({ kubernetesVersion: '1.29' })), 'clusterAutoscaler.image')).toMatch(/pins no cluster-autoscaler release for Kubernetes "1.29"/);
    expect(messageAt(problemsOf(args({ clusterAutoscaler: { image: 'cluster-autoscaler:latest' } })), 'clusterAutoscaler.image')).toMatch(/pinned by tag or digest/);
    expect(messageAt(problemsOf(args({ clusterAutoscaler: { extraArgs: ['--expander=random'] } })), 'clusterAutoscaler.extraArgs[0]')).toMatch(/a flag inferscale already sets/);
  });

  test('cluster name, Kubernetes version and region', () => {
    const problems = problemsOf(args({ clusterName: undefined, region: 'oregon', kubernetesVersion: '1.33.1' }), 'my env');
    expect(messageAt(problems, 'clusterName (the component name)')).toMatch(/is "my env"; an EKS cluster name/);
    expect(messageAt(problems, 'region')).toBe('is "oregon"; expected an AWS region such as "us-west-2", or leave it out: the region comes from the AWS provider');
    expect(messageAt(problems, 'kubernetesVersion')).toMatch(/expected an EKS version "1.NN"/);
  });

  test('access entries: principal, policy, namespaces, one entry per principal', () => {
    const problems = problemsOf(args({
      accessEntries: {
        session: { principalArn: 'arn:aws:sts::123456789012:assumed-role/ml/alice', policy: 'view' },
        a: { principalArn: 'arn:aws:iam::123456789012:role/ml', policy: 'owner' as never },
        b: { principalArn: 'arn:aws:iam::123456789012:role/ml', policy: 'view', namespaces: [] },
      },
    }));
    expect(messageAt(problems, 'accessEntries.session.principalArn')).toBe('is "arn:aws:sts::123456789012:assumed-role/ml/alice"; expected the ARN of an IAM role or user, such as "arn:aws:iam::123456789012:role/ml-engineers"');
    expect(messageAt(problems, 'accessEntries.a.policy')).toBe('is "owner"; expected one of "cluster-admin", "admin", "edit", "view"');
    expect(messageAt(problems, 'accessEntries.b.principalArn')).toBe('is "arn:aws:iam::123456789012:role/ml", already given by accessEntries.a; EKS allows one access entry per principal');
    expect(messageAt(problems, 'accessEntries.b.namespaces')).toBe('is []; expected namespace names (a trailing * matches a prefix), or leave it out for the whole cluster');
  });

  test('kubeconfig role, add-on versions, log types and retention, KMS key', () => {
    const problems = problemsOf(args({
      kubeconfigRoleArn: 'deployer',
      addons: { versions: { coredns: '1.12', 'kube-dns': 'v1.0.0' } as never },
      controlPlaneLogging: { types: ['api', 'kubelet' as never], retentionDays: 10 },
      secretsEncryption: { kmsKeyArn: 'alias/eks' },
    }));
    expect(messageAt(problems, 'kubeconfigRoleArn')).toBe('is "deployer"; expected the ARN of an IAM role, such as "arn:aws:iam::123456789012:role/deployer"');
    expect(messageAt(problems, 'addons.versions["coredns"]')).toBe('is "1.12"; expected an EKS add-on version such as "v1.20.4-eksbuild.1" (aws eks describe-addon-versions --addon-name coredns)');
    expect(messageAt(problems, 'addons.versions["kube-dns"]')).toBe('is not an add-on inferscale manages; expected one of vpc-cni, kube-proxy, coredns, metrics-server, aws-ebs-csi-driver');
    expect(messageAt(problems, 'controlPlaneLogging.types')).toBe('is ["api","kubelet"]; expected some of "api", "audit", "authenticator", "controllerManager", "scheduler" (or controlPlaneLogging: false)');
    expect(messageAt(problems, 'controlPlaneLogging.retentionDays')).toMatch(/^is 10; expected a retention CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, /);
    expect(messageAt(problems, 'secretsEncryption.kmsKeyArn')).toBe('is "alias/eks"; expected the ARN of a symmetric KMS key, such as "arn:aws:kms:us-west-2:123456789012:key/<id>"');
  });

  test('options of a new cluster given with an existing one; add-ons without the existing cluster\'s version', () => {
    const problems = problemsOf(args({
      clusterName: undefined, network: undefined, vpc: { id: 'v', privateSubnetIds: ['a'] }, clusterAutoscaler: false, addons: {}, deletionProtection: true,
      cluster: { name: 'prod', kubeconfig: 'k', oidcProviderArn: 'a', oidcProviderUrl: 'u' },
    }));
    expect(messageAt(problems, 'deletionProtection')).toBe('applies to a cluster the environment creates; with cluster (an existing one), set it on that cluster instead');
    expect(messageAt(problems, 'kubernetesVersion')).toBe('is not set; with an existing cluster and addons, give its Kubernetes version so the add-on versions match it');
  });

  test('a new cluster with add-ons but no system nodes', () => {
    expect(messageAt(problemsOf(args({ systemNodeGroup: false, clusterAutoscaler: false })), 'addons'))
      .toBe('installs CoreDNS and metrics-server, which need untainted nodes, but systemNodeGroup is false; keep a system node group or set addons: false');
  });
});
