import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { Testing } from 'cdk8s';
import type { StackConfigValues } from '../../stacks/pulumi/stack-config';
import { createHash } from 'node:crypto';
import { missingEdges, ResourceGraph } from '../support/pulumi-graph';
import { parseQuantity } from '../support/quantity';
import {
  installAwsMocks,
  loadStackConfigFile,
  MOCK_ACCOUNT,
  mockAddonVersion,
  mockIssuer,
  quietRegistration,
  RegisteredResource,
  setStackConfig,
  settle,
  valueOf,
} from '../support/pulumi-mocks';

/**
 * The Pulumi program (stacks/pulumi) run unchanged under mocks, with the config of
 * Pulumi.dev.yaml set through the runtime's config API as the CLI hands it over: every key
 * namespaced, structured values as JSON (`pulumi.runtime.setAllConfig` writes the same
 * PULUMI_CONFIG map the language host fills from the environment).
 */
const DEV_CONFIG = loadStackConfigFile(join(__dirname, '..', '..', 'Pulumi.dev.yaml'));
const CLUSTER = 'inferscale-dev';
const ISSUER_HOST = mockIssuer(CLUSTER).replace('https://', '');
const OIDC_ARN = `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/${ISSUER_HOST}`;

let registered = installAwsMocks({ stack: 'dev' });
setStackConfig(DEV_CONFIG);

/** Deep copy of the dev config, for variations. */
function devConfig(): Record<string, any> {
  return JSON.parse(JSON.stringify(DEV_CONFIG));
}

/** The values `readStackConfig` would get from the dev config, changed by `change`. */
function devValues(change: (c: Record<string, any>) => void = () => undefined): StackConfigValues {
  const c = devConfig();
  change(c);
  return { environment: c['inferscale:environment'], services: c['inferscale:services'], platform: c['inferscale:platform'], storage: c['inferscale:storage'] };
}

// Imported after the mocks and the config are in place.
let stack: typeof import('../../stacks/pulumi');
let programLib: typeof import('../../stacks/pulumi/program');
let planLib: typeof import('../../stacks/pulumi/plan');
let cdk8sLib: typeof import('../../lib/cdk8s');
let core: typeof import('../../lib/core');
let serviceConfig: typeof import('../../lib/core/service-config');
let inventory: RegisteredResource[] = [];

// Loading Pulumi and registering the whole program takes seconds, more on a loaded machine.
beforeAll(async () => {
  const loud = quietRegistration();
  try {
    stack = await import('../../stacks/pulumi');
    await settle(registered);
  } finally {
    loud();
  }
  inventory = [...registered];
  programLib = await import('../../stacks/pulumi/program');
  planLib = await import('../../stacks/pulumi/plan');
  cdk8sLib = await import('../../lib/cdk8s');
  core = await import('../../lib/core');
  serviceConfig = await import('../../lib/core/service-config');
  // Loading Pulumi, the AWS and Kubernetes SDKs and cdk8s takes seconds on a busy machine.
}, 60_000);

const ofType = (type: string): RegisteredResource[] => inventory.filter((r) => r.type === type);
/** The one registered Kubernetes object of `kind` with this namespace and name (found by what it is, not its logical name). */
const k8sObject = (kind: string, namespace: string | undefined, name: string): RegisteredResource => {
  const found = inventory.filter((r) => r.type.startsWith('kubernetes:') && r.inputs.kind === kind && r.inputs.metadata?.name === name && r.inputs.metadata?.namespace === namespace);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${namespace ?? ''}/${name}, found ${found.length}`);
  return found[0];
};
const named = (type: string, name: string): RegisteredResource => {
  const found = inventory.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} ${name}, found ${found.length}`);
  return found[0];
};
const ROLE = 'aws:iam/role:Role';
const shortHash = (parts: string[]): string => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 8);
const ATTACHMENT = 'aws:iam/rolePolicyAttachment:RolePolicyAttachment';
const NODE_GROUP = 'aws:eks/nodeGroup:NodeGroup';
const managed = (name: string): string => `arn:aws:iam::aws:policy/${name}`;

describe('config through the Pulumi runtime', () => {
  test('the program reads Pulumi.dev.yaml as the CLI provides it', () => {
    expect(pulumi.runtime.allConfig()['inferscale:environment']).toBe(JSON.stringify(DEV_CONFIG['inferscale:environment']));
    const config = new pulumi.Config('inferscale');
    expect(config.requireObject('environment')).toEqual(DEV_CONFIG['inferscale:environment']);
    expect(config.requireObject('services')).toEqual(DEV_CONFIG['inferscale:services']);
    expect(new pulumi.Config('aws').require('region')).toBe('us-west-2');
    expect(pulumi.getStack()).toBe('dev');
  });
});

describe('the program under mocks, with Pulumi.dev.yaml', () => {
  test('the whole inventory, by type', () => {
    const counts: Record<string, number> = {};
    for (const r of inventory) counts[r.type] = (counts[r.type] ?? 0) + 1;
    expect(counts).toEqual({
      // Components.
      'inferscale:aws:InferenceEnvironment': 1,
      'inferscale:aws:GpuNodeGroup': 2,
      'inferscale:aws:EbsCsiStorage': 1,
      'inferscale:inference:InferencePlatform': 1,
      // Network: one VPC, three zones, one NAT gateway.
      'aws:ec2/vpc:Vpc': 1,
      'aws:ec2/internetGateway:InternetGateway': 1,
      'aws:ec2/subnet:Subnet': 6,
      'aws:ec2/eip:Eip': 1,
      'aws:ec2/natGateway:NatGateway': 1,
      'aws:ec2/routeTable:RouteTable': 4,
      'aws:ec2/routeTableAssociation:RouteTableAssociation': 6,
      // Cluster, identity, nodes.
      'aws:eks/cluster:Cluster': 1,
      'aws:iam/openIdConnectProvider:OpenIdConnectProvider': 1,
      'aws:iam/role:Role': 6,
      'aws:iam/rolePolicyAttachment:RolePolicyAttachment': 11,
      'aws:iam/rolePolicy:RolePolicy': 2,
      'aws:kms/key:Key': 1,
      'aws:kms/alias:Alias': 1,
      'aws:cloudwatch/logGroup:LogGroup': 1,
      'aws:ec2/launchTemplate:LaunchTemplate': 3,
      'aws:eks/nodeGroup:NodeGroup': 3,
      'aws:autoscaling/tag:Tag': 18,
      // vpc-cni, kube-proxy, CoreDNS, metrics-server, the EBS CSI driver.
      'aws:eks/addon:Addon': 5,
      // Kubernetes: the provider, the cluster autoscaler, the StorageClass, the platform.
      'pulumi:providers:kubernetes': 1,
      'kubernetes:core/v1:Namespace': 3,
      // No metrics-server of the platform's own: the EKS add-on serves metrics.k8s.io.
      'kubernetes:core/v1:ServiceAccount': 8,
      'kubernetes:networking.k8s.io/v1:NetworkPolicy': 6,
      'kubernetes:core/v1:Service': 6,
      // Prometheus' configuration and its alerting rules, the adapter's, the device plugin's, the Grafana dashboard.
      'kubernetes:core/v1:ConfigMap': 5,
      'kubernetes:core/v1:PersistentVolumeClaim': 1,
      'kubernetes:apps/v1:Deployment': 6,
      'kubernetes:apps/v1:DaemonSet': 2,
      'kubernetes:policy/v1:PodDisruptionBudget': 3,
      'kubernetes:autoscaling/v2:HorizontalPodAutoscaler': 2,
      'kubernetes:apiregistration.k8s.io/v1:APIService': 1,
      // kube-state-metrics' and Prometheus' /metrics of the API server among them.
      'kubernetes:rbac.authorization.k8s.io/v1:ClusterRole': 6,
      'kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding': 7,
      'kubernetes:rbac.authorization.k8s.io/v1:Role': 1,
      'kubernetes:rbac.authorization.k8s.io/v1:RoleBinding': 2,
      'kubernetes:scheduling.k8s.io/v1:PriorityClass': 1,
      'kubernetes:storage.k8s.io/v1:StorageClass': 1,
    });
  });

  test('VPC: the three pinned zones, a public and a private subnet in each, one NAT gateway, routes, tags', () => {
    expect(named('aws:ec2/vpc:Vpc', 'inferscale-vpc').inputs).toMatchObject({ cidrBlock: '10.0.0.0/16', enableDnsHostnames: true, enableDnsSupport: true });
    const subnets = ofType('aws:ec2/subnet:Subnet');
    // Pinned in Pulumi.dev.yaml: the same zones whatever the region lists.
    for (const i of [0, 1, 2]) {
      for (const kind of ['public', 'private']) expect(named('aws:ec2/subnet:Subnet', `inferscale-${kind}-${i}`).inputs.availabilityZone).toBe(['us-west-2a', 'us-west-2b', 'us-west-2c'][i]);
    }
    for (const s of subnets) {
      const role = s.name.includes('public') ? 'kubernetes.io/role/elb' : 'kubernetes.io/role/internal-elb';
      expect(s.inputs.tags).toMatchObject({ [role]: '1', [`kubernetes.io/cluster/${CLUSTER}`]: 'shared', project: 'inferscale', stack: 'dev' });
    }
    expect(named('aws:ec2/natGateway:NatGateway', 'inferscale-nat-0').inputs).toMatchObject({ allocationId: 'inferscale-nat-eip-0-id', subnetId: 'inferscale-public-0-id' });
    for (const i of [0, 1, 2]) {
      expect(named('aws:ec2/routeTable:RouteTable', `inferscale-private-rt-${i}`).inputs.routes).toEqual([{ cidrBlock: '0.0.0.0/0', natGatewayId: 'inferscale-nat-0-id' }]);
    }
    expect(named('aws:ec2/routeTable:RouteTable', 'inferscale-public-rt').inputs.routes).toEqual([{ cidrBlock: '0.0.0.0/0', gatewayId: 'inferscale-igw-id' }]);
  });

  test('EKS cluster: name, version, role, all six subnets, endpoint access, access entries', () => {
    const cluster = named('aws:eks/cluster:Cluster', 'inferscale-cluster').inputs;
    expect(cluster).toMatchObject({
      name: CLUSTER,
      version: '1.35',
      roleArn: `arn:aws:iam::${MOCK_ACCOUNT}:role/inferscale-cluster-role`,
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: true },
      tags: { project: 'inferscale', stack: 'dev' },
    });
    expect(cluster.vpcConfig.subnetIds).toEqual([0, 1, 2].map((i) => `inferscale-private-${i}-id`).concat([0, 1, 2].map((i) => `inferscale-public-${i}-id`)));
    expect(cluster.vpcConfig.publicAccessCidrs).toEqual(['0.0.0.0/0']);
    expect(named('aws:iam/openIdConnectProvider:OpenIdConnectProvider', 'inferscale-oidc').inputs).toMatchObject({ url: mockIssuer(CLUSTER), clientIdLists: ['sts.amazonaws.com'] });
  });

  test('system node group: m6i.xlarge on the standard AMI, 3 to 5 nodes (one per zone), untainted', () => {
    const ng = named(NODE_GROUP, 'inferscale-system-node-group').inputs;
    expect(ng).toMatchObject({
      clusterName: CLUSTER, instanceTypes: ['m6i.xlarge'], amiType: 'AL2023_x86_64_STANDARD', capacityType: 'ON_DEMAND',
      scalingConfig: { minSize: 3, maxSize: 5, desiredSize: 3 }, labels: { 'inferscale.io/node-group': 'system' }, version: '1.35',
    });
    expect(ng.taints).toBeUndefined();
    expect(ng.subnetIds).toEqual([0, 1, 2].map((i) => `inferscale-private-${i}-id`));
  });

  test('GPU node groups: NVIDIA AMI, GPU taint, pool labels, scaling from zero, on-demand and spot', () => {
    const a10g = named(NODE_GROUP, 'inferscale-gpu-a10g-node-group').inputs;
    const l4 = named(NODE_GROUP, 'inferscale-gpu-l4-node-group').inputs;
    expect(a10g).toMatchObject({ instanceTypes: ['g5.xlarge'], amiType: 'AL2023_x86_64_NVIDIA', capacityType: 'ON_DEMAND', scalingConfig: { minSize: 0, maxSize: 4, desiredSize: 0 }, version: '1.35' });
    expect(l4).toMatchObject({ instanceTypes: ['g6.xlarge', 'g6.2xlarge'], amiType: 'AL2023_x86_64_NVIDIA', capacityType: 'SPOT', scalingConfig: { minSize: 0, maxSize: 4, desiredSize: 0 } });
    for (const pool of ['a10g', 'l4']) {
      expect(named('aws:ec2/launchTemplate:LaunchTemplate', `inferscale-gpu-${pool}-launch-template`).inputs.blockDeviceMappings[0].ebs.volumeSize).toBe(200);
    }
    for (const [ng, pool, product] of [[a10g, 'a10g', 'NVIDIA-A10G'], [l4, 'l4', 'NVIDIA-L4']] as const) {
      expect(ng.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NO_SCHEDULE' }]);
      expect(ng.labels).toMatchObject({ 'inferscale.io/gpu-pool': pool, 'nvidia.com/gpu.present': 'true', 'nvidia.com/gpu.product': product, 'nvidia.com/gpu.count': '1' });
      expect(ng.tags).toMatchObject({ 'k8s.io/cluster-autoscaler/enabled': 'true', [`k8s.io/cluster-autoscaler/${CLUSTER}`]: 'owned', project: 'inferscale' });
    }
  });

  test('the GPU node groups carry the same pool descriptions the platform checks against', () => {
    const groups = DEV_CONFIG['inferscale:environment'] as { gpuNodeGroups: Record<string, unknown>[] };
    for (const group of groups.gpuNodeGroups) {
      const { pool } = core.resolveGpuNodePool(planLib.poolPropsOf(group));
      expect(named(NODE_GROUP, `inferscale-gpu-${pool!.name}-node-group`).inputs.labels).toEqual(pool!.labels);
    }
    // The GPU daemons run on exactly these pools.
    for (const ds of ofType('kubernetes:apps/v1:DaemonSet')) {
      expect(ds.inputs.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms)
        .toEqual([{ matchExpressions: [{ key: 'inferscale.io/gpu-pool', operator: 'In', values: ['a10g', 'l4'] }] }]);
    }
  });

  test('cluster-autoscaler node-template tags on each GPU group\'s Auto Scaling group, so it scales from zero', () => {
    for (const pool of ['a10g', 'l4']) {
      const tags = Object.fromEntries(ofType('aws:autoscaling/tag:Tag')
        .filter((t) => t.inputs.autoscalingGroupName === `eks-inferscale-gpu-${pool}-node-group-asg`)
        .map((t) => [t.inputs.tag.key, t.inputs.tag.value]));
      expect(tags).toMatchObject({
        'k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu': '1',
        'k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu': 'true:NoSchedule',
        'k8s.io/cluster-autoscaler/node-template/label/inferscale.io/gpu-pool': pool,
      });
      expect(Object.keys(tags)).toHaveLength(9);
      // The LLM's model cache requests ephemeral storage: a node of the empty group must offer it.
      const llm = ofType('kubernetes:apps/v1:Deployment').find((d) => d.inputs.metadata.name === 'llm')!.inputs.spec.template.spec;
      const request = quantityBytes(llm.containers[0].resources.requests['ephemeral-storage']);
      expect(request).toBeGreaterThan(0);
      expect(quantityBytes(tags['k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage'])).toBeGreaterThanOrEqual(request);
    }
    expect(ofType('aws:autoscaling/tag:Tag').every((t) => t.inputs.tag.propagateAtLaunch === false)).toBe(true);
  });

  test('IAM roles: who may assume each, and exactly the managed policies each carries', () => {
    const trust = (role: string): any => JSON.parse(named(ROLE, role).inputs.assumeRolePolicy).Statement;
    const serviceTrust = (service: string): unknown[] => [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }];
    const irsa = (namespace: string, name: string): unknown[] => [{
      Effect: 'Allow',
      Principal: { Federated: OIDC_ARN },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [`${ISSUER_HOST}:sub`]: `system:serviceaccount:${namespace}:${name}`, [`${ISSUER_HOST}:aud`]: 'sts.amazonaws.com' } },
    }];
    expect(ofType(ROLE).map((r) => r.name).sort()).toEqual([
      'inferscale-cluster-autoscaler-role', 'inferscale-cluster-role', 'inferscale-gpu-a10g-node-role', 'inferscale-gpu-l4-node-role', 'inferscale-storage-role', 'inferscale-system-node-role',
    ]);
    expect(trust('inferscale-cluster-role')).toEqual(serviceTrust('eks.amazonaws.com'));
    for (const r of ['inferscale-system-node-role', 'inferscale-gpu-a10g-node-role', 'inferscale-gpu-l4-node-role']) expect(trust(r)).toEqual(serviceTrust('ec2.amazonaws.com'));
    expect(trust('inferscale-cluster-autoscaler-role')).toEqual(irsa('kube-system', 'cluster-autoscaler'));
    expect(trust('inferscale-storage-role')).toEqual(irsa('kube-system', 'ebs-csi-controller-sa'));

    const policiesOf = (role: string): string[] => ofType(ATTACHMENT).filter((a) => a.inputs.role === role).map((a) => a.inputs.policyArn).sort();
    const node = ['AmazonEC2ContainerRegistryReadOnly', 'AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy'].map(managed);
    expect(policiesOf('inferscale-cluster-role')).toEqual([managed('AmazonEKSClusterPolicy')]);
    for (const r of ['inferscale-system-node-role', 'inferscale-gpu-a10g-node-role', 'inferscale-gpu-l4-node-role']) expect(policiesOf(r)).toEqual(node);
    expect(policiesOf('inferscale-storage-role')).toEqual([managed('service-role/AmazonEBSCSIDriverPolicy')]);
    expect(policiesOf('inferscale-cluster-autoscaler-role')).toEqual([]);
  });

  test('cluster autoscaler policy, parsed: least privilege, writes only on this cluster\'s groups', () => {
    const inline = ofType('aws:iam/rolePolicy:RolePolicy');
    expect(inline.map((p) => [p.name, p.inputs.role]).sort()).toEqual([['inferscale-cluster-autoscaler-policy', 'inferscale-cluster-autoscaler-role'], ['inferscale-cluster-role-kms', 'inferscale-cluster-role']]);
    const policy = JSON.parse(named('aws:iam/rolePolicy:RolePolicy', 'inferscale-cluster-autoscaler-policy').inputs.policy) as { Version: string; Statement: { Effect: string; Action: string[]; Resource: string; Condition?: unknown }[] };
    expect(policy.Version).toBe('2012-10-17');
    const actions = policy.Statement.flatMap((s) => s.Action);
    expect(actions.some((a) => a.includes('*'))).toBe(false);
    expect(policy.Statement.every((s) => s.Effect === 'Allow')).toBe(true);
    for (const s of policy.Statement) {
      const writes = s.Action.filter((a) => !/^[a-z0-9]+:(Describe|Get|List)/.test(a));
      if (writes.length === 0) continue;
      expect(writes.sort()).toEqual(['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup']);
      expect(s.Condition).toEqual({ StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${CLUSTER}`]: 'owned' } });
    }
  });

  test('cluster autoscaler: the release pinned for the cluster version, on system nodes, with its IAM role', () => {
    const pod = named('kubernetes:apps/v1:Deployment', 'inferscale-cluster-autoscaler-deployment').inputs.spec.template.spec;
    expect(pod.containers[0].image).toBe('registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.1');
    expect(pod.containers[0].args).toContain(`--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/${CLUSTER}`);
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', 'inferscale.io/node-group': 'system' });
    expect(named('kubernetes:core/v1:ServiceAccount', 'inferscale-cluster-autoscaler-serviceaccount').inputs.metadata.annotations)
      .toEqual({ 'eks.amazonaws.com/role-arn': `arn:aws:iam::${MOCK_ACCOUNT}:role/inferscale-cluster-autoscaler-role` });
  });

  test('EKS add-ons at EKS\'s default version for Kubernetes 1.35; the EBS CSI driver with its role; the gp3 StorageClass', () => {
    // Registration order under mocks follows input resolution; the dependency graph orders creation.
    expect(ofType('aws:eks/addon:Addon').map((a) => [a.name, a.inputs.addonVersion]).sort()).toEqual([
      ['inferscale-addon-coredns', mockAddonVersion('coredns', '1.35', false)],
      ['inferscale-addon-kube-proxy', mockAddonVersion('kube-proxy', '1.35', false)],
      ['inferscale-addon-metrics-server', mockAddonVersion('metrics-server', '1.35', false)],
      ['inferscale-addon-vpc-cni', mockAddonVersion('vpc-cni', '1.35', false)],
      ['inferscale-storage-addon', mockAddonVersion('aws-ebs-csi-driver', '1.35', false)],
    ]);
    expect(named('aws:eks/addon:Addon', 'inferscale-storage-addon').inputs).toMatchObject({
      clusterName: CLUSTER, addonName: 'aws-ebs-csi-driver', serviceAccountRoleArn: `arn:aws:iam::${MOCK_ACCOUNT}:role/inferscale-storage-role`, resolveConflictsOnCreate: 'OVERWRITE', resolveConflictsOnUpdate: 'OVERWRITE',
    });
    expect(named('kubernetes:storage.k8s.io/v1:StorageClass', 'inferscale-storage-storageclass').inputs).toEqual({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'gp3', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true' },
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Delete',
      allowVolumeExpansion: true,
    });
    expect(k8sObject('PersistentVolumeClaim', 'monitoring', 'prometheus-data').inputs.spec.storageClassName).toBe('gp3');
    // The same class the cdk8s platform renders with ebsStorageClass (charts-out/).
    const { spec } = core.resolveEbsStorageClass({ name: 'gp3', defaultClass: true });
    const { name: _name, annotations, ...fields } = spec!;
    expect(named('kubernetes:storage.k8s.io/v1:StorageClass', 'inferscale-storage-storageclass').inputs).toMatchObject({ ...fields, metadata: { name: 'gp3', annotations } });
  });

  test('Kubernetes provider from the cluster, with a secret kubeconfig that authenticates through aws eks get-token', () => {
    const provider = named('pulumi:providers:kubernetes', 'inferscale-k8s');
    const envelope = provider.inputs.kubeconfig;
    expect(envelope['4dabf18193072939515e22adb298388d']).toBe('1b47061264138c4ac30d75fd1eb44270');
    const kubeconfig = JSON.parse(envelope.value);
    expect(kubeconfig.clusters[0].cluster.server).toBe(`https://${CLUSTER}.gr7.us-west-2.eks.amazonaws.com`);
    // The region of the AWS provider (aws:region); no profile in the dev config, so none in the kubeconfig.
    expect(kubeconfig.users[0].user.exec.args).toEqual(['eks', 'get-token', '--cluster-name', CLUSTER, '--output', 'json', '--region', 'us-west-2']);
  });

  test('every Kubernetes object is registered with the environment\'s provider', () => {
    const k8sObjects = inventory.filter((r) => r.type.startsWith('kubernetes:'));
    expect(k8sObjects.length).toBe(61);
    for (const r of k8sObjects) expect(r.provider).toMatch(/^urn:pulumi:dev::inferscale::inferscale:aws:InferenceEnvironment\$pulumi:providers:kubernetes::inferscale-k8s::inferscale-k8s-id$/);
    // AWS resources use the default AWS provider.
    for (const r of inventory.filter((x) => x.type.startsWith('aws:'))) expect(r.provider ?? '').not.toContain('kubernetes');
  });

  test('dependency graph: the edges that order pulumi up, and in reverse pulumi destroy', () => {
    const graph = new ResourceGraph(inventory);
    const cluster = named('aws:eks/cluster:Cluster', 'inferscale-cluster');
    const system = named(NODE_GROUP, 'inferscale-system-node-group');
    const ebs = named('aws:eks/addon:Addon', 'inferscale-storage-addon');
    const storageClass = named('kubernetes:storage.k8s.io/v1:StorageClass', 'inferscale-storage-storageclass');
    const apiService = k8sObject('APIService', undefined, 'v1beta1.custom.metrics.k8s.io');
    const adapter = k8sObject('Deployment', 'monitoring', 'prometheus-adapter');
    const claim = k8sObject('PersistentVolumeClaim', 'monitoring', 'prometheus-data');
    const prometheus = k8sObject('Deployment', 'monitoring', 'prometheus');
    const platformChildren = inventory.filter((r) => r.type.startsWith('kubernetes:') && graph.ancestorTypes(r).includes('inferscale:inference:InferencePlatform'));
    expect(platformChildren.length).toBeGreaterThan(30);
    expect(missingEdges(graph, [
      // The aggregated API is served once the adapter's pods run, not when its Service exists.
      [apiService, adapter],
      [apiService, k8sObject('Service', 'monitoring', 'prometheus-adapter')],
      // The claim binds through the CSI driver; on destroy it, and its EBS volume, go first.
      [claim, ebs],
      [claim, storageClass],
      [prometheus, ebs],
      [ebs, cluster],
      [ebs, system],
      // Every platform object needs the nodes and add-ons of the environment.
      ...platformChildren.flatMap((r) => [[r, system], [r, named('aws:eks/addon:Addon', 'inferscale-addon-coredns')]] as const),
    ])).toEqual([]);
  });

  test('platform children: parent, provider, and a long enough wait for Deployments; only volume users wait for the CSI driver', () => {
    const graph = new ResourceGraph(inventory);
    const platform = ofType('inferscale:inference:InferencePlatform')[0];
    const environment = ofType('inferscale:aws:InferenceEnvironment')[0];
    const children = inventory.filter((r) => graph.parentOf(r) === platform);
    expect(children.length).toBeGreaterThan(30);
    for (const child of children) expect(child.type.startsWith('kubernetes:')).toBe(true);
    expect(platform.parent).toBeUndefined();
    expect(graph.parentOf(named('pulumi:providers:kubernetes', 'inferscale-k8s'))).toBe(environment);
    const ebs = named('aws:eks/addon:Addon', 'inferscale-storage-addon');
    const waitsForDriver = children.filter((c) => c.dependencies.includes(ebs.urn)).map((c) => `${c.inputs.kind} ${c.inputs.metadata.name}`).sort();
    expect(waitsForDriver).toEqual(['Deployment prometheus', 'PersistentVolumeClaim prometheus-data']);
    const dependencies = [new pulumi.ComponentResource('test:index:Dependency', 'dependency')];
    const volumes = [new pulumi.ComponentResource('test:index:Dependency', 'volumes')];
    const transform = programLib.platformChildOptions(dependencies, volumes);
    const deployment = transform({ type: 'kubernetes:apps/v1:Deployment', name: 'd', props: {}, opts: { dependsOn: [] }, resource: undefined as never });
    expect(deployment?.opts.customTimeouts).toEqual({ create: '30m', update: '30m' });
    expect(deployment?.opts.dependsOn).toEqual(dependencies);
    const mounting = transform({ type: 'kubernetes:apps/v1:StatefulSet', name: 's', props: { spec: { template: { spec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] } } } }, opts: {}, resource: undefined as never });
    expect(mounting?.opts.dependsOn).toEqual([...dependencies, ...volumes]);
    expect(transform({ type: 'inferscale:inference:InferencePlatform', name: 'p', props: {}, opts: {}, resource: undefined as never })).toBeUndefined();
  });

  test('parity: the platform\'s Kubernetes objects equal what the cdk8s AIInferencePlatform synthesizes for the same props', () => {
    const env = DEV_CONFIG['inferscale:environment'] as { gpuNodeGroups: Record<string, unknown>[] };
    const platform = DEV_CONFIG['inferscale:platform'] as Record<string, any>;
    const { services, problems } = serviceConfig.parseServicesConfig('services', DEV_CONFIG['inferscale:services']);
    expect(problems).toEqual([]);
    const { mode: _mode, ...prometheus } = platform.prometheus;
    const chart = new cdk8sLib.AIInferencePlatform(Testing.app(), 'platform', {
      gpuNodePools: env.gpuNodeGroups.map((g) => ({ name: g.name, instanceType: g.instanceType, capacityType: g.capacityType, minNodes: g.minNodes, maxNodes: g.maxNodes, diskSizeGiB: g.diskSizeGiB }) as never),
      services,
      prometheus: cdk8sLib.PrometheusSource.embedded({ ...prometheus, storageClassName: 'gp3' }),
      adapter: { replicas: 2, metricsRelistIntervalSeconds: 60, servingCertificate: cdk8sLib.ServingCertificate.selfSigned() },
      checkGpuCapacity: true,
      metricsServer: false,
    });
    const expected = Testing.synth(chart) as Record<string, any>[];
    const children = inventory.filter((r) => r.name.startsWith('platform-'));
    expect(children).toHaveLength(expected.length);
    for (const obj of expected) {
      const same = children.filter((c) => c.inputs.kind === obj.kind && c.inputs.metadata.name === obj.metadata.name && c.inputs.metadata.namespace === obj.metadata.namespace);
      expect(same.map((c) => c.inputs)).toEqual([obj]);
    }
    // Logical names: <platform>-<kind>-<namespace>-<name>-<hash of the four>, with the old name as an alias.
    expect(children.map((c) => c.name)).toContain(`platform-deployment-inference-llm-${shortHash(['platform', 'Deployment', 'inference', 'llm'])}`);
  });

  test('the services as configured: LLM on GPUs with vLLM\'s saturation signals, embeddings on CPUs', () => {
    const hpa = (name: string): any => k8sObject('HorizontalPodAutoscaler', 'inference', name).inputs.spec;
    expect(hpa('llm').metrics.map((m: any) => [m.pods?.metric.name ?? m.resource?.name, m.pods?.target.averageValue])).toEqual([
      ['vllm_num_requests_waiting', '1'], ['vllm_kv_cache_usage_perc', '800m'], ['vllm_time_to_first_token_seconds_p95', '1'],
    ]);
    expect({ min: hpa('llm').minReplicas, max: hpa('llm').maxReplicas }).toEqual({ min: 1, max: 8 });
    const llm = k8sObject('Deployment', 'inference', 'llm').inputs.spec.template.spec.containers[0];
    // Qwen2.5-7B: a 20Gi model cache and 2Gi of scratch on the node's disk.
    expect(llm.resources).toEqual({ requests: { cpu: '3', 'ephemeral-storage': '22Gi', memory: '12Gi' }, limits: { memory: '12Gi', 'nvidia.com/gpu': '1' } });
    const embeddings = k8sObject('Deployment', 'inference', 'embeddings').inputs.spec.template.spec;
    expect(embeddings.tolerations ?? []).toEqual([]);
  });

  test('stack outputs the program derives: a secret kubeconfig, the provider\'s region, service endpoints, Prometheus', async () => {
    expect(await pulumi.isSecret(stack.kubeconfig)).toBe(true);
    expect(JSON.parse(await valueOf(stack.kubeconfig))['current-context']).toBe(CLUSTER);
    expect(await valueOf(stack.region)).toBe('us-west-2');
    expect(stack.serviceEndpoints).toEqual({ llm: 'http://llm.inference.svc.cluster.local', embeddings: 'http://embeddings.inference.svc.cluster.local' });
    expect(await valueOf(stack.prometheusUrl)).toBe('http://prometheus.monitoring.svc:9090');
  });

  test('names are unique, and the same config gives the same names on another run', async () => {
    const names = inventory.map((r) => `${r.type} ${r.name}`);
    expect(new Set(names).size).toBe(names.length);
    registered = installAwsMocks({ stack: 'dev' });
    const loud = quietRegistration();
    try {
      programLib.program(new pulumi.Config('inferscale'));
      await settle(registered);
    } finally {
      loud();
    }
    expect(registered.map((r) => `${r.type} ${r.name}`).sort()).toEqual([...names].sort());
  });
});

describe('bad configuration fails with every problem listed, before anything is registered', () => {
  /** Runs the program on the dev config changed by `change`; returns the problems it threw. */
  async function problemsOf(change: (c: Record<string, any>) => void): Promise<{ path: string; message: string }[]> {
    const c = devConfig();
    change(c);
    setStackConfig(c);
    registered = installAwsMocks({ stack: 'dev' });
    try {
      programLib.program(new pulumi.Config('inferscale'));
    } catch (e) {
      expect((e as Error).name).toBe('InferscaleValidationError');
      for (const line of (e as Error).message.split('\n')) expect(line.startsWith('Stack config "dev": ')).toBe(true);
      await settle(registered);
      expect(registered).toEqual([]);
      return (e as { problems: { path: string; message: string }[] }).problems;
    } finally {
      setStackConfig(DEV_CONFIG);
    }
    throw new Error('expected the program to throw');
  }

  const messageAt = (problems: { path: string; message: string }[], path: string): string => {
    const found = problems.filter((p) => p.path === path);
    if (found.length !== 1) throw new Error(`expected one problem at ${path}; got ${JSON.stringify(problems, null, 1)}`);
    return found[0].message;
  };

  test('unknown instance type, min > max, a service needing more GPUs than its node group has, a missing required key: all at once', async () => {
    const problems = await problemsOf((c) => {
      const env = c['inferscale:environment'];
      env.gpuNodeGroups[0].instanceType = 'g5.xlarg';
      env.gpuNodeGroups.push({ name: 't4', instanceType: 'g4dn.xlarge', minNodes: 3, maxNodes: 1 });
      c['inferscale:services'].llm.gpu.product = 'NVIDIA-L4';
      delete c['inferscale:services'].embeddings.image;
    });
    expect(messageAt(problems, 'environment.gpuNodeGroups[0].instanceType')).toMatch(/"g5.xlarg", which is not a g5 size/);
    expect(messageAt(problems, 'environment.gpuNodeGroups[2].minNodes')).toMatch(/is 3, above maxNodes \(1\)/);
    expect(messageAt(problems, 'services.llm.maxReplicas')).toMatch(
      /^is 8, but the matching GPU node pools hold at most 4 replicas \(l4: 4 nodes × 1 replica, bound by GPUs: 1 nvidia.com\/gpu per node, 1 per replica\).* \(checked against the valid GPU node groups only: environment.gpuNodeGroups\[0\], environment.gpuNodeGroups\[2\] have problems of their own\)$/,
    );
    expect(messageAt(problems, 'services.embeddings.image')).toBe('is missing; it is required: a string');
    expect(problems).toHaveLength(4);
  });

  test('a type problem is reported once, where parsing found it; what depends on it says so', async () => {
    const problems = await problemsOf((c) => {
      c['inferscale:environment'].gpuNodeGroups[1].maxNodes = '4';
      c['inferscale:environment'].kubernetesVersion = 1.3;
    });
    expect(problems).toEqual([
      { path: 'environment.kubernetesVersion', message: 'is 1.3 (a number); expected a string; quote it in YAML ("1.3"), since unquoted 1.30 would read as the number 1.3' },
      { path: 'environment.gpuNodeGroups[1].maxNodes', message: 'is "4" (a string); expected a number; write it without quotes' },
      {
        path: 'services.llm.maxReplicas',
        message: expect.stringMatching(/hold at most 4 replicas \(a10g: 4 nodes × 1 replica, bound by GPUs: .* \(checked against the valid GPU node groups only: environment.gpuNodeGroups\[1\] has problems of its own\)$/),
      },
    ]);
  });

  test('a GPU replica that cannot fit on its nodes', async () => {
    const problems = await problemsOf((c) => { c['inferscale:services'].llm.resources = { cpu: { request: '4' }, memory: { request: '24Gi' } }; });
    expect(problems).toEqual([
      {
        path: 'services.llm.resources.cpu.request',
        message: 'is "4", but the largest node it can run on (g5.xlarge, pool a10g) offers pods 3645m of CPU (4 vCPUs − 80m kubelet reservation − 275m DaemonSets: aws-node, kube-proxy, nvidia-device-plugin, dcgm-exporter): the pod would stay Pending. Request at most "3645m", or use a larger instance type',
      },
      {
        path: 'services.llm.resources.memory.request',
        message: 'is "24Gi", but the largest node it can run on (g5.xlarge, pool a10g) offers pods 13.64 GiB of memory (16 GiB − 7.5 % system − 993Mi kubelet reservation and eviction threshold − 192Mi DaemonSets): the pod would stay Pending. Request at most "13970Mi", or use a larger instance type',
      },
    ]);
  });

  test('an unknown config key, and a value that is not structured config', async () => {
    const problems = await problemsOf((c) => {
      c['inferscale:service'] = c['inferscale:services'];
      c['inferscale:platform'] = 'embedded';
    });
    expect(messageAt(problems, 'service')).toBe('is not a known config key (inferscale:service); known: inferscale:environment, inferscale:services, inferscale:platform, inferscale:storage');
    expect(messageAt(problems, 'platform')).toBe('is "embedded", which is not structured config; set it as a YAML object in Pulumi.<stack>.yaml (or with pulumi config set --path)');
  });
});

describe('planning (pure): one test per message of the program\'s own checks', () => {
  const problemsOf = (change: (c: Record<string, any>) => void): { path: string; message: string }[] => {
    const { plan, problems } = planLib.planStack(devValues(change));
    expect(plan).toBeUndefined();
    return problems;
  };

  test('the dev config plans without a problem', () => {
    const { plan, problems } = planLib.planStack(devValues());
    expect(problems).toEqual([]);
    expect(plan!.environment.gpuNodeGroups.map((g) => g.pool.name)).toEqual(['a10g', 'l4']);
    expect(plan!.storage).toEqual({ storageClassName: 'gp3', defaultClass: true });
  });

  test('a Prometheus volume needs a system node in every zone of the node subnets', () => {
    const threeZones = (c: Record<string, any>): void => { c['inferscale:environment'].network.availabilityZones = ['us-west-2a', 'us-west-2b', 'us-west-2c']; };
    expect(problemsOf((c) => { threeZones(c); c['inferscale:environment'].systemNodeGroup.minNodes = 2; })).toEqual([{
      path: 'environment.systemNodeGroup.minNodes',
      message: 'is 2, below the 3 availability zones of the node subnets: Prometheus keeps its data on an EBS volume in one zone, which may be left without a system node, and Prometheus (with every HPA\'s custom metrics) would then stay Pending. Use at least 3, or keep Prometheus\' data on an emptyDir (inferscale:storage: false)',
    }]);
    expect(planLib.planStack(devValues((c) => { threeZones(c); c['inferscale:environment'].systemNodeGroup.minNodes = 3; })).problems).toEqual([]);
    // No volume, no zone to be left in.
    expect(planLib.planStack(devValues((c) => {
      threeZones(c);
      c['inferscale:environment'].systemNodeGroup.minNodes = 2;
      c['inferscale:storage'] = false;
      delete c['inferscale:platform'].prometheus.storageSize;
    })).problems).toEqual([]);
  });

  test('environment missing, or not an object', () => {
    expect(problemsOf((c) => { delete c['inferscale:environment']; })).toEqual([
      { path: 'environment', message: 'is missing; it is required: the environment with at least gpuNodeGroups (see Pulumi.dev.yaml)' },
    ]);
    expect(problemsOf((c) => { c['inferscale:environment'] = ['a10g']; })[0]).toEqual({
      path: 'environment', message: expect.stringMatching(/^is \["a10g"\]; expected an object with keys clusterName, kubernetesVersion, region, .*, secretsEncryption$/),
    });
  });

  test('platform not an object; Prometheus mode, shape and the construct\'s own checks under platform.prometheus', () => {
    expect(problemsOf((c) => { c['inferscale:platform'] = ['embedded']; })[0].message).toMatch(/^is \["embedded"\]; expected an object with keys namespaces, prometheus, adapter/);
    expect(problemsOf((c) => { c['inferscale:platform'].prometheus = 'embedded'; })).toEqual([
      { path: 'platform.prometheus', message: 'is "embedded"; expected { mode: "embedded", ... } or { mode: "kubePrometheusStack", url, releaseLabel }' },
    ]);
    expect(problemsOf((c) => { c['inferscale:platform'].prometheus.mode = 'managed'; })).toEqual([
      { path: 'platform.prometheus.mode', message: 'is "managed"; expected "embedded" (a Prometheus server run by inferscale) or "kubePrometheusStack" (an existing kube-prometheus-stack)' },
    ]);
    expect(problemsOf((c) => { c['inferscale:platform'].prometheus.retentionTime = '15 days'; })).toEqual([
      { path: 'platform.prometheus.retentionTime', message: 'is "15 days"; expected a Prometheus duration such as "15d", "12h" or "1w"' },
    ]);
    expect(problemsOf((c) => { c['inferscale:platform'].prometheus = { mode: 'kubePrometheusStack', url: 'http://p:9090' }; })).toEqual([
      { path: 'platform.prometheus.releaseLabel', message: 'is missing; it is required: a string' },
    ]);
  });

  test('a rate window too short for the scrape interval is named by its service and metric', () => {
    expect(problemsOf((c) => { c['inferscale:platform'].prometheus.scrapeIntervalSeconds = 30; })).toEqual([{
      path: 'services.llm.metrics[2].timeToFirstToken.rateWindowSeconds',
      message: expect.stringMatching(/^is 60, shorter than 4 scrapes at a 30 s scrape interval \(120 s\)/),
    }, {
      path: 'services.embeddings.metrics[1].requestsPerSecond.rateWindowSeconds',
      message: expect.stringMatching(/^is 60, shorter than 4 scrapes/),
    }]);
  });

  test('autoscaler keda in config: ScaledObjects instead of HPAs, and KEDA option problems at their config path', () => {
    const { plan } = planLib.planStack(devValues((c) => { c['inferscale:platform'].autoscaler = 'keda'; }));
    expect(plan!.platformObjects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    expect(plan!.platformObjects.filter((o) => o.kind === 'ScaledObject').length).toBeGreaterThan(0);
    expect(problemsOf((c) => { c['inferscale:platform'].autoscaler = 'keda'; c['inferscale:platform'].keda = { pollingIntervalSeconds: 0 }; })).toEqual([
      { path: 'platform.keda.pollingIntervalSeconds', message: 'is 0; expected whole seconds from 1 to 3600' },
    ]);
    expect(problemsOf((c) => { c['inferscale:platform'].autoscaler = 'keda'; c['inferscale:platform'].keda = { fallbackBehavior: 'higher' }; })).toEqual([
      { path: 'platform.keda.fallbackBehavior', message: 'is "higher"; expected one of static, currentReplicas, currentReplicasIfHigher, currentReplicasIfLower' },
    ]);
    const fallbacks = (keda: Record<string, unknown>): unknown[] => planLib.planStack(devValues((c) => { c['inferscale:platform'].autoscaler = 'keda'; c['inferscale:platform'].keda = keda; }))
      .plan!.platformObjects.filter((o) => o.kind === 'ScaledObject').map((o) => (o as unknown as { spec: { fallback?: { behavior: string } } }).spec.fallback?.behavior);
    expect(fallbacks({})).toContain('currentReplicasIfHigher');
    expect(fallbacks({ fallbackBehavior: 'static' })).toContain('static');
  });

  test('the adapter\'s serving certificate', () => {
    expect(problemsOf((c) => { c['inferscale:platform'].adapter.servingCertificate = 'acme'; })).toEqual([
      { path: 'platform.adapter.servingCertificate', message: 'is "acme"; expected "selfSigned", "certManager" or { certManager: { issuer: { name, kind }, duration } }' },
    ]);
    const { plan } = planLib.planStack(devValues((c) => { c['inferscale:platform'].adapter.servingCertificate = { certManager: { issuer: { name: 'ca', kind: 'ClusterIssuer' } } }; }));
    expect(plan!.platformObjects.filter((o) => o.kind === 'Certificate')).toHaveLength(1);
  });

  test('access entries in config: an object by name, each with its principal and policy', () => {
    expect(problemsOf((c) => { c['inferscale:environment'].accessEntries = ['arn:aws:iam::123456789012:role/ops']; })).toEqual([{
      path: 'environment.accessEntries',
      message: 'is ["arn:aws:iam::123456789012:role/ops"]; expected an object of access entries by name, such as { mlEngineers: { principalArn: "arn:aws:iam::123456789012:role/ml", policy: "edit" } }',
    }]);
    expect(problemsOf((c) => { c['inferscale:environment'].accessEntries = { ops: { principalArn: 'arn:aws:iam::123456789012:role/ops' } }; })).toEqual([
      { path: 'environment.accessEntries.ops.policy', message: 'is missing; it is required: a string' },
    ]);
    const { plan: withAccess } = planLib.planStack(devValues((c) => { c['inferscale:environment'].accessEntries = { ops: { principalArn: 'arn:aws:iam::123456789012:role/ops', policy: 'view' } }; }));
    expect(withAccess!.environment.accessEntries).toEqual({
      ops: { principalArn: 'arn:aws:iam::123456789012:role/ops', policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy', accessScope: { type: 'cluster' } },
    });
  });

  test('storage: true is not a choice, and the StorageClass name must be a DNS subdomain', () => {
    expect(problemsOf((c) => { c['inferscale:storage'] = true; })).toEqual([
      { path: 'storage', message: 'is true; expected false (to leave it out) or an object with keys storageClassName, defaultClass. Leave the key out for the defaults' },
    ]);
    expect(problemsOf((c) => { c['inferscale:storage'].storageClassName = 'GP3 volumes'; })).toEqual([
      { path: 'storage.storageClassName', message: 'is "GP3 volumes"; expected a StorageClass name (a DNS-1123 subdomain) such as "gp3"' },
    ]);
    // No storage installed and no class named: a claim that may never bind is refused.
    expect(problemsOf((c) => { c['inferscale:storage'] = false; })).toEqual([{
      path: 'platform.prometheus.storageSize',
      message: 'is "50Gi", but no StorageClass is named: a claim without storageClassName binds only where the cluster has a default StorageClass (a new EKS cluster has none) and otherwise stays Pending. Use storage: PrometheusStorage.persistent({ storageClassName, size }), or PrometheusStorage.clusterDefault({ size }) when the cluster has a default class',
    }]);
  });

  test('a service problem found when resolving keeps its config path', () => {
    expect(problemsOf((c) => { c['inferscale:services'].llm.metrics[1] = { gpuUtilization: { targetPercent: 75 } }; c['inferscale:services'].llm.minReplicas = 9; })).toEqual([
      { path: 'services.llm.maxReplicas', message: 'is 8, below minReplicas (9); expected maxReplicas >= minReplicas' },
    ]);
  });
});

describe('planning (pure): choices the program makes', () => {
  const plan = (change: (c: Record<string, any>) => void): import('../../stacks/pulumi/plan').StackPlan => {
    const r = planLib.planStack(devValues(change));
    expect(r.problems).toEqual([]);
    return r.plan!;
  };

  test('metrics.k8s.io has one provider: the EKS metrics-server add-on, or the platform\'s own without add-ons', () => {
    const metricsApi = (p: import('../../stacks/pulumi/plan').StackPlan): string[] => p.platformObjects.filter((o) => o.kind === 'APIService').map((o) => o.metadata.name).sort();
    const withAddon = plan(() => undefined);
    expect(withAddon.environment.addons?.names).toContain('metrics-server');
    expect(withAddon.platformArgs.metricsServer).toBe(false);
    expect(metricsApi(withAddon)).toEqual(['v1beta1.custom.metrics.k8s.io']);
    expect(withAddon.platformObjects.filter((o) => o.metadata.name === 'metrics-server')).toEqual([]);
    const without = plan((c) => { c['inferscale:environment'].addons = false; });
    expect(without.platformArgs.metricsServer).toBeUndefined();
    expect(metricsApi(without)).toEqual(['v1beta1.custom.metrics.k8s.io', 'v1beta1.metrics.k8s.io']);
  });

  test('no device plugin when every GPU group runs Bottlerocket, which ships its own', () => {
    const p = plan((c) => { for (const g of c['inferscale:environment'].gpuNodeGroups) g.ami = 'BOTTLEROCKET_x86_64_NVIDIA'; });
    expect(p.platformArgs.devicePlugin).toBe(false);
    expect(p.platformObjects.filter((o) => o.kind === 'DaemonSet').map((o) => o.metadata.name)).toEqual(['dcgm-exporter']);
    const mixed = plan((c) => { c['inferscale:environment'].gpuNodeGroups[1].ami = 'BOTTLEROCKET_x86_64_NVIDIA'; });
    expect(mixed.platformArgs.devicePlugin).toBeUndefined();
    expect(mixed.platformObjects.filter((o) => o.kind === 'DaemonSet').map((o) => o.metadata.name).sort()).toEqual(['dcgm-exporter', 'nvidia-device-plugin']);
  });

  test('NetworkPolicies: on by default, the client namespaces from config, off with false; daemon resources in the one shape', () => {
    const policies = (p: import('../../stacks/pulumi/plan').StackPlan): any[] => p.platformObjects.filter((o) => o.kind === 'NetworkPolicy');
    expect(policies(plan(() => undefined)).map((o) => o.metadata.name).sort()).toEqual(['dcgm-exporter', 'embeddings', 'kube-state-metrics', 'llm', 'prometheus', 'prometheus-adapter']);
    const named = plan((c) => { c['inferscale:platform'].networkPolicies = { inferenceClientNamespaces: ['ingress-nginx'] }; });
    expect(policies(named).find((o) => o.metadata.name === 'llm').spec.ingress[0].from)
      .toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } });
    expect(policies(plan((c) => { c['inferscale:platform'].networkPolicies = false; }))).toEqual([]);
    const sized = plan((c) => { c['inferscale:platform'].dcgmExporter = { resources: { memory: { request: '200Mi', limit: '300Mi' } } }; });
    const dcgm: any = sized.platformObjects.find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'dcgm-exporter');
    expect(dcgm.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '100m', memory: '200Mi' }, limits: { memory: '300Mi' } });
  });

  test('storage: off with false, off by default for an existing cluster, and left alone when Prometheus names its class', () => {
    // Without a StorageClass to name, Prometheus keeps its TSDB on an emptyDir.
    const off = plan((c) => { c['inferscale:storage'] = false; delete c['inferscale:platform'].prometheus.storageSize; });
    expect(off.storage).toBeUndefined();
    expect(off.platformObjects.filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
    const existing = plan((c) => {
      delete c['inferscale:storage'];
      delete c['inferscale:platform'].prometheus.storageSize;
      const env = c['inferscale:environment'];
      delete env.clusterName;
      delete env.network;
      delete env.systemNodeGroup;
      // Options of a cluster the environment creates.
      delete env.controlPlaneLogging;
      delete env.secretsEncryption;
      env.vpc = { id: 'vpc-1', privateSubnetIds: ['subnet-1', 'subnet-2'] };
      env.cluster = { name: 'prod', kubeconfig: '{}', oidcProviderArn: 'arn:aws:iam::1:oidc-provider/o', oidcProviderUrl: 'https://o' };
    });
    expect(existing.storage).toBeUndefined();
    const named = plan((c) => { c['inferscale:platform'].prometheus.storageClassName = 'io2'; });
    expect(named.platformObjects.find((o) => o.kind === 'PersistentVolumeClaim')?.spec).toMatchObject({ storageClassName: 'io2' });
  });

  test('an existing kube-prometheus-stack: no Prometheus server, no volume', () => {
    const p = plan((c) => { c['inferscale:platform'].prometheus = { mode: 'kubePrometheusStack', url: 'http://kps-prometheus.monitoring.svc:9090', releaseLabel: 'kps' }; });
    expect(p.platformObjects.filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
    expect(p.platformObjects.filter((o) => o.kind === 'PodMonitor').map((o) => o.metadata.name).sort()).toHaveLength(2);
  });

  test('endpoints follow the rendered Service: name, namespace and port 80', () => {
    const p = plan((c) => { c['inferscale:services'].llm.name = 'chat'; c['inferscale:services'].llm.namespace = 'serving'; });
    expect(p.endpoints).toEqual({ llm: 'http://chat.serving.svc.cluster.local', embeddings: 'http://embeddings.inference.svc.cluster.local' });
  });
});

/** Bytes of a Kubernetes quantity such as `22Gi`. */
function quantityBytes(value: unknown): number {
  const q = parseQuantity(value);
  if (!q) throw new Error(`not a quantity: ${String(value)}`);
  return Number(q.num) / Number(q.den);
}
