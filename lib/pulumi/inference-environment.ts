import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { gpuInstanceType } from '../core/gpu-instances';
import { ResolvedGpuNodePool } from '../core/gpu-node-pool';
import { checkLabels } from '../core/names';
import { InferscaleValidationError, prefixProblems, Problem, show } from '../core/problems';
import { checkTags, discoveryTags } from './aws/autoscaler-tags';
import {
  AutoscalerObject,
  checkClusterAutoscalerImage,
  CLUSTER_AUTOSCALER_NAME,
  CLUSTER_AUTOSCALER_NAMESPACE,
  clusterAutoscalerArgs,
  clusterAutoscalerImage,
  clusterAutoscalerObjects,
} from './aws/cluster-autoscaler';
import {
  CLUSTER_MANAGED_POLICIES,
  clusterAutoscalerPolicy,
  managedPolicyArn,
  nodeManagedPolicies,
  serviceAccountTrustPolicy,
  serviceTrustPolicy,
} from './aws/iam-policies';
import { eksKubeconfig } from './aws/kubeconfig';
import { checkNetworkPlan, parseCidr, planSubnets, subnetTags, ZoneSubnets } from './aws/network-plan';
import { checkAmiType, SYSTEM_AMI_TYPES } from './aws/node-images';
import { checkClusterName, GpuNodeGroup, GpuNodeGroupOptions, resolveGpuNodeGroup, ResolvedGpuNodeGroup } from './gpu-node-group';

/** A VPC that already exists; the environment then creates no network resources. */
export interface ExistingVpc {
  /** VPC id. */
  readonly id: pulumi.Input<string>;
  /** Private subnets for the nodes (and the cluster's network interfaces), in at least two availability zones. */
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Public subnets for internet-facing load balancers. @default - none: the cluster uses the private subnets only */
  readonly publicSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
}

/** The VPC the environment creates when no `vpc` is given. */
export interface NetworkOptions {
  /** IPv4 range of the VPC, /16 to /20. @default "10.0.0.0/16" */
  readonly cidrBlock?: string;
  /**
   * Availability zones, e.g. `["us-west-2a", "us-west-2b"]`. Naming them keeps the plan stable
   * and lets you pick zones that offer your GPU instance types.
   * @default - the first `availabilityZoneCount` available zones of the region
   */
  readonly availabilityZones?: readonly string[];
  /** How many zones when `availabilityZones` is not given, 2 to 6. @default 2 */
  readonly availabilityZoneCount?: number;
  /**
   * `single`: one NAT gateway for all zones (cheaper; private subnets lose egress if its zone
   * fails). `perZone`: one per zone (highly available, one NAT charge per zone).
   * @default "single"
   */
  readonly natGateways?: 'single' | 'perZone';
}

/** An EKS cluster that already exists; the environment then creates no cluster, cluster role or OIDC provider. */
export interface ExistingCluster {
  /** Cluster name (plain string: the autoscaler tags carry it in their keys). */
  readonly name: string;
  /** Kubeconfig with access to the cluster. */
  readonly kubeconfig: pulumi.Input<string>;
  /** ARN of the cluster's IAM OIDC provider. */
  readonly oidcProviderArn: pulumi.Input<string>;
  /** The cluster's OIDC issuer URL (`https://oidc.eks.<region>.amazonaws.com/id/<id>`). */
  readonly oidcProviderUrl: pulumi.Input<string>;
}

/** The system node group: CPU nodes for CoreDNS, the cluster autoscaler and monitoring. */
export interface SystemNodeGroupOptions {
  /** Instance type. @default "m6i.large" */
  readonly instanceType?: string;
  /** AMI type; must match the instance type's architecture. @default "AL2023_x86_64_STANDARD" */
  readonly amiType?: string;
  /** Fewest nodes; at least 1, since the cluster autoscaler itself runs here. @default 2 */
  readonly minNodes?: number;
  /** Most nodes. @default 3 */
  readonly maxNodes?: number;
  /** Nodes at creation. @default - minNodes */
  readonly desiredNodes?: number;
  /** Root volume in GiB, 20 to 16384. @default 50 */
  readonly diskSizeGiB?: number;
  /** Extra node labels. @default - only `inferscale.io/node-group=system` */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Options of the cluster autoscaler. */
export interface ClusterAutoscalerOptions {
  /**
   * Image, pinned by tag or digest; its minor version must match the cluster's.
   * @default - the release inferscale pins for `kubernetesVersion`
   */
  readonly image?: string;
  /** Extra flags, e.g. `--scale-down-unneeded-time=5m`. The defaults cannot be repeated. @default - none */
  readonly extraArgs?: readonly string[];
}

/** Args of {@link InferenceEnvironment}. */
export interface InferenceEnvironmentArgs {
  /** EKS cluster name, unique in the account and region. @default - the component name */
  readonly clusterName?: string;
  /** Kubernetes version, `1.NN`. @default "1.33" */
  readonly kubernetesVersion?: string;
  /**
   * AWS region, for the kubeconfig and the cluster autoscaler. Must be the region of the AWS
   * provider in use.
   * @default - the `aws:region` config (or `AWS_REGION`)
   */
  readonly region?: string;
  /** AWS partition for managed policy ARNs. @default "aws" */
  readonly partition?: string;
  /** Use this VPC instead of creating one. Required with `cluster`. @default - a new VPC from `network` */
  readonly vpc?: ExistingVpc;
  /** The VPC to create. Not allowed with `vpc`. @default - see {@link NetworkOptions} */
  readonly network?: NetworkOptions;
  /** Use this cluster instead of creating one. @default - a new cluster */
  readonly cluster?: ExistingCluster;
  /** CIDRs allowed to reach the public API endpoint. @default ["0.0.0.0/0"] */
  readonly endpointPublicAccessCidrs?: readonly string[];
  /**
   * Pinned thumbprints for the OIDC provider. IAM validates EKS issuers against its library of
   * trusted root CAs, so none are needed; when left out, IAM records the issuer's intermediate
   * CA thumbprint itself.
   * @default - none
   */
  readonly oidcThumbprints?: readonly string[];
  /** System node group, or `false` for none. @default - created with a new cluster, none with an existing one */
  readonly systemNodeGroup?: SystemNodeGroupOptions | false;
  /** GPU node groups: at least one. */
  readonly gpuNodeGroups: readonly GpuNodeGroupOptions[];
  /** Cluster autoscaler, or `false` to leave it out (e.g. an existing cluster that has one). @default - installed */
  readonly clusterAutoscaler?: ClusterAutoscalerOptions | false;
  /** Attach `AmazonSSMManagedInstanceCore` to every node role. @default false */
  readonly ssm?: boolean;
  /** AWS tags for every taggable resource. @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Default Kubernetes version: the one inferscale's manifests are validated against. */
export const DEFAULT_KUBERNETES_VERSION = '1.33';

/** Label on system nodes. */
export const SYSTEM_NODE_GROUP_LABEL = 'inferscale.io/node-group';

/** The system node group, resolved. */
export interface ResolvedSystemNodeGroup {
  /** EC2 instance type. */
  readonly instanceType: string;
  /** EKS AMI type. */
  readonly amiType: string;
  /** Fewest nodes (1 or more). */
  readonly minNodes: number;
  /** Most nodes. */
  readonly maxNodes: number;
  /** Nodes at creation; afterwards the cluster autoscaler owns the count. */
  readonly desiredNodes: number;
  /** Root volume in GiB. */
  readonly diskSizeGiB: number;
  /** Node labels, including `inferscale.io/node-group=system`. */
  readonly labels: Readonly<Record<string, string>>;
}

/** The network to create, resolved. */
export interface ResolvedNetwork {
  /** IPv4 range of the VPC. */
  readonly cidrBlock: string;
  /** Zone names when given; otherwise looked up at deployment. */
  readonly availabilityZones?: readonly string[];
  /** Subnet CIDRs per zone. */
  readonly zones: readonly ZoneSubnets[];
  /** One NAT gateway, or one per zone. */
  readonly natGateways: 'single' | 'perZone';
}

/** Every decision of an environment, before any resource exists. */
export interface ResolvedInferenceEnvironment {
  /** EKS cluster name. */
  readonly clusterName: string;
  /** Kubernetes version `1.NN`. */
  readonly kubernetesVersion: string;
  /** AWS region. */
  readonly region: string;
  /** AWS partition of managed policy ARNs. */
  readonly partition: string;
  /** The network to create; undefined when an existing VPC is used. */
  readonly network?: ResolvedNetwork;
  /** CIDRs allowed to reach the public API endpoint. */
  readonly endpointPublicAccessCidrs: readonly string[];
  /** The system node group; undefined when there is none. */
  readonly systemNodeGroup?: ResolvedSystemNodeGroup;
  /** The GPU node groups, in order. */
  readonly gpuNodeGroups: readonly ResolvedGpuNodeGroup[];
  /** Image and flags of the cluster autoscaler; undefined when it is left out. */
  readonly clusterAutoscaler?: {
    /** Container image, its minor version matching the cluster's. */
    readonly image: string;
    /** Every command-line flag: inferscale's defaults, then `extraArgs`. */
    readonly args: readonly string[];
    /** The user's extra flags alone, as given (empty when none). */
    readonly extraArgs: readonly string[];
  };
  /** AWS tags for every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function resolveSystemNodeGroup(path: string, options: SystemNodeGroupOptions, problems: Problem[]): ResolvedSystemNodeGroup {
  const instanceType = options.instanceType ?? 'm6i.large';
  const amiType = options.amiType ?? 'AL2023_x86_64_STANDARD';
  if (typeof instanceType !== 'string' || !/^[a-z0-9-]+\.[a-z0-9-]+$/.test(instanceType)) {
    problems.push({ path: `${path}.instanceType`, message: `is ${show(instanceType)}; expected an EC2 instance type such as "m6i.large"` });
  } else if (gpuInstanceType(instanceType)) {
    problems.push({ path: `${path}.instanceType`, message: `is ${show(instanceType)}, a GPU instance type; system pods need no GPU. Use a CPU type such as "m6i.large" and put GPUs in gpuNodeGroups.` });
  }
  problems.push(...checkAmiType(`${path}.amiType`, amiType, SYSTEM_AMI_TYPES, `${path}.instanceType`, instanceType).problems);
  const minNodes = options.minNodes ?? 2;
  const maxNodes = options.maxNodes ?? Math.max(3, isInt(minNodes) ? minNodes : 0);
  const desiredNodes = options.desiredNodes ?? minNodes;
  if (!isInt(minNodes) || minNodes < 1) {
    problems.push({ path: `${path}.minNodes`, message: `is ${show(minNodes)}; expected 1 or more: CoreDNS and the cluster autoscaler run on system nodes, so this group cannot scale from zero` });
  }
  if (!isInt(maxNodes) || maxNodes < 1) {
    problems.push({ path: `${path}.maxNodes`, message: `is ${show(maxNodes)}; expected a whole number of nodes, 1 or more` });
  } else if (isInt(minNodes) && minNodes > maxNodes) {
    problems.push({ path: `${path}.minNodes`, message: `is ${minNodes}, above maxNodes (${maxNodes}); expected minNodes <= maxNodes` });
  }
  if (!isInt(desiredNodes) || (isInt(minNodes) && desiredNodes < minNodes) || (isInt(maxNodes) && desiredNodes > maxNodes)) {
    problems.push({ path: `${path}.desiredNodes`, message: `is ${show(desiredNodes)}; expected a whole number from minNodes to maxNodes` });
  }
  const diskSizeGiB = options.diskSizeGiB ?? 50;
  if (!isInt(diskSizeGiB) || diskSizeGiB < 20 || diskSizeGiB > 16384) {
    problems.push({ path: `${path}.diskSizeGiB`, message: `is ${show(diskSizeGiB)}; expected whole GiB from 20 to 16384` });
  }
  problems.push(...checkLabels(`${path}.labels`, options.labels));
  return { instanceType, amiType, minNodes, maxNodes, desiredNodes, diskSizeGiB, labels: { ...(options.labels ?? {}), [SYSTEM_NODE_GROUP_LABEL]: 'system' } };
}

function resolveNetwork(options: NetworkOptions, problems: Problem[]): ResolvedNetwork | undefined {
  const cidrBlock = options.cidrBlock ?? '10.0.0.0/16';
  const zonesGiven = options.availabilityZones;
  let zoneCount: unknown = options.availabilityZoneCount ?? 2;
  if (zonesGiven !== undefined) {
    if (!Array.isArray(zonesGiven) || zonesGiven.some((z) => typeof z !== 'string' || z.length === 0)) {
      problems.push({ path: 'network.availabilityZones', message: `is ${show(zonesGiven)}; expected zone names such as ["us-west-2a", "us-west-2b"]` });
    } else {
      const dup = zonesGiven.find((z, i) => zonesGiven.indexOf(z) !== i);
      if (dup !== undefined) problems.push({ path: 'network.availabilityZones', message: `lists ${show(dup)} twice; each zone gets one private and one public subnet` });
      if (options.availabilityZoneCount !== undefined && options.availabilityZoneCount !== zonesGiven.length) {
        problems.push({ path: 'network.availabilityZoneCount', message: `is ${show(options.availabilityZoneCount)}, but availabilityZones names ${zonesGiven.length}; give one or the other` });
      }
      zoneCount = zonesGiven.length;
    }
  }
  const natGateways = options.natGateways ?? 'single';
  if (natGateways !== 'single' && natGateways !== 'perZone') {
    problems.push({ path: 'network.natGateways', message: `is ${show(natGateways)}; expected "single" or "perZone"` });
  }
  const planProblems = checkNetworkPlan('network.cidrBlock', cidrBlock, zonesGiven !== undefined ? 'network.availabilityZones' : 'network.availabilityZoneCount', zoneCount);
  problems.push(...planProblems);
  if (planProblems.length > 0) return undefined;
  return {
    cidrBlock,
    ...(Array.isArray(zonesGiven) ? { availabilityZones: [...zonesGiven] } : {}),
    zones: planSubnets(cidrBlock, zoneCount as number),
    natGateways,
  };
}

/**
 * Resolves every default of an environment and validates everything, before any resource
 * exists. Returns the resolved environment or the complete list of problems, each with its
 * property path (`gpuNodeGroups[1].instanceType`).
 *
 * @param name component name, the default cluster name
 */
export function resolveInferenceEnvironment(name: string, args: InferenceEnvironmentArgs): {
  /** The environment with every default filled in; absent when there is any problem. */
  environment?: ResolvedInferenceEnvironment;
  /** Every invalid or inconsistent argument, with its property path; empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const existing = args.cluster;
  const clusterName = existing?.name ?? args.clusterName ?? name;
  if (existing) {
    problems.push(...checkClusterName('cluster.name', existing.name));
    for (const key of ['kubeconfig', 'oidcProviderArn', 'oidcProviderUrl'] as const) {
      if (existing[key] === undefined || existing[key] === '') problems.push({ path: `cluster.${key}`, message: 'is missing; an existing cluster needs its name, kubeconfig, oidcProviderArn and oidcProviderUrl' });
    }
    if (args.clusterName !== undefined && args.clusterName !== existing.name) {
      problems.push({ path: 'clusterName', message: `is ${show(args.clusterName)}, but cluster.name is ${show(existing.name)}; give only cluster.name` });
    }
  } else {
    problems.push(...checkClusterName(args.clusterName === undefined ? 'clusterName (the component name)' : 'clusterName', clusterName));
  }

  const kubernetesVersion = args.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION;
  if (typeof kubernetesVersion !== 'string' || !/^1\.\d{2}$/.test(kubernetesVersion)) {
    problems.push({ path: 'kubernetesVersion', message: `is ${show(kubernetesVersion)}; expected an EKS version "1.NN" such as "${DEFAULT_KUBERNETES_VERSION}"` });
  }
  const region = args.region ?? aws.config.region;
  if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    problems.push({ path: 'region', message: `is ${show(region)}; expected an AWS region such as "us-west-2" (set region, or the aws:region config)` });
  }
  const partition = args.partition ?? 'aws';
  if (!['aws', 'aws-cn', 'aws-us-gov'].includes(partition)) {
    problems.push({ path: 'partition', message: `is ${show(partition)}; expected "aws", "aws-cn" or "aws-us-gov"` });
  }

  let network: ResolvedNetwork | undefined;
  if (args.vpc) {
    if (args.network) problems.push({ path: 'network', message: 'cannot be combined with vpc: either use an existing VPC or let the environment create one' });
    if (args.vpc.id === undefined || args.vpc.id === '') problems.push({ path: 'vpc.id', message: 'is missing' });
    const privateIds = args.vpc.privateSubnetIds;
    if (privateIds === undefined) {
      problems.push({ path: 'vpc.privateSubnetIds', message: 'is missing; the nodes need private subnets' });
    } else if (Array.isArray(privateIds) && privateIds.length < (existing ? 1 : 2)) {
      problems.push({ path: 'vpc.privateSubnetIds', message: `lists ${privateIds.length} subnet(s); ${existing ? 'the nodes need at least one' : 'EKS needs subnets in at least two availability zones'}` });
    }
  } else if (existing) {
    problems.push({ path: 'vpc', message: 'is missing; with an existing cluster, give its VPC and private subnets so the node groups join it' });
  } else {
    network = resolveNetwork(args.network ?? {}, problems);
  }

  const endpointPublicAccessCidrs = args.endpointPublicAccessCidrs ?? ['0.0.0.0/0'];
  if (!Array.isArray(endpointPublicAccessCidrs) || endpointPublicAccessCidrs.length === 0) {
    problems.push({ path: 'endpointPublicAccessCidrs', message: `is ${show(endpointPublicAccessCidrs)}; expected at least one CIDR` });
  } else {
    endpointPublicAccessCidrs.forEach((c, i) => {
      if (typeof c !== 'string' || !parseCidr(c)) problems.push({ path: `endpointPublicAccessCidrs[${i}]`, message: `is ${show(c)}; expected an IPv4 CIDR` });
    });
  }

  const systemOptions = args.systemNodeGroup === undefined ? (existing ? false : {}) : args.systemNodeGroup;
  const systemNodeGroup = systemOptions === false ? undefined : resolveSystemNodeGroup('systemNodeGroup', systemOptions, problems);

  const gpuNodeGroups: ResolvedGpuNodeGroup[] = [];
  if (!Array.isArray(args.gpuNodeGroups) || args.gpuNodeGroups.length === 0) {
    problems.push({ path: 'gpuNodeGroups', message: `is ${show(args.gpuNodeGroups)}; expected at least one GPU node group` });
  } else {
    const seen = new Map<string, number>();
    args.gpuNodeGroups.forEach((options, i) => {
      if (typeof options !== 'object' || options === null) {
        problems.push({ path: `gpuNodeGroups[${i}]`, message: `is ${show(options)}; expected a GPU node group such as { name: "a10g", instanceType: "g5.xlarge", maxNodes: 2 }` });
        return;
      }
      const groupOptions = { ...options, ssm: options.ssm ?? args.ssm, tags: { ...(args.tags ?? {}), ...(options.tags ?? {}) }, partition };
      const { group, problems: groupProblems } = resolveGpuNodeGroup(groupOptions, clusterName);
      problems.push(...prefixProblems(`gpuNodeGroups[${i}]`, groupProblems));
      if (group) gpuNodeGroups.push(group);
      const first = seen.get(options.name);
      if (first !== undefined) {
        problems.push({ path: `gpuNodeGroups[${i}].name`, message: `is ${show(options.name)}, already used by gpuNodeGroups[${first}]; pool names label the nodes and name the node groups, so they must be unique` });
      } else if (typeof options.name === 'string') {
        seen.set(options.name, i);
      }
    });
  }

  let clusterAutoscaler: ResolvedInferenceEnvironment['clusterAutoscaler'];
  if (args.clusterAutoscaler !== false) {
    const options = args.clusterAutoscaler ?? {};
    const imageProblems = existing && args.kubernetesVersion === undefined && options.image === undefined
      ? [{ path: 'kubernetesVersion', message: 'is not set; with an existing cluster, give its Kubernetes version (or clusterAutoscaler.image) so the autoscaler\'s minor version matches the cluster\'s' }]
      : checkClusterAutoscalerImage('clusterAutoscaler', kubernetesVersion, options.image);
    problems.push(...imageProblems);
    if (!existing && systemOptions === false) {
      problems.push({ path: 'systemNodeGroup', message: 'is false, but a new cluster then has no node for CoreDNS and the cluster autoscaler (GPU nodes are tainted and may be at zero); keep a system node group or set clusterAutoscaler: false' });
    }
    const extraArgs = options.extraArgs ?? [];
    const defaults = clusterAutoscalerArgs(clusterName).map((a) => a.split('=')[0]);
    extraArgs.forEach((arg, i) => {
      if (typeof arg !== 'string' || !arg.startsWith('--')) {
        problems.push({ path: `clusterAutoscaler.extraArgs[${i}]`, message: `is ${show(arg)}; expected a flag such as "--scale-down-unneeded-time=5m"` });
      } else if (defaults.includes(arg.split('=')[0])) {
        problems.push({ path: `clusterAutoscaler.extraArgs[${i}]`, message: `is ${show(arg)}, a flag inferscale already sets (${defaults.join(' ')}); a second copy would be ambiguous` });
      }
    });
    const image = options.image ?? clusterAutoscalerImage(kubernetesVersion);
    if (image && imageProblems.length === 0) clusterAutoscaler = { image, args: clusterAutoscalerArgs(clusterName, extraArgs), extraArgs: [...extraArgs] };
  }

  const tags = { ...(args.tags ?? {}) };
  problems.push(...checkTags('tags', tags));

  if (problems.length > 0) return { problems };
  return {
    problems: [],
    environment: {
      clusterName,
      kubernetesVersion,
      region: region as string,
      partition,
      ...(network ? { network } : {}),
      endpointPublicAccessCidrs: [...endpointPublicAccessCidrs],
      ...(systemNodeGroup ? { systemNodeGroup } : {}),
      gpuNodeGroups,
      ...(clusterAutoscaler ? { clusterAutoscaler } : {}),
      tags,
    },
  };
}

type K8sClass = new (name: string, args: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** Typed @pulumi/kubernetes class for each kind of the cluster autoscaler. */
const AUTOSCALER_CLASSES: Record<string, K8sClass> = {
  ServiceAccount: k8s.core.v1.ServiceAccount as unknown as K8sClass,
  ClusterRole: k8s.rbac.v1.ClusterRole as unknown as K8sClass,
  Role: k8s.rbac.v1.Role as unknown as K8sClass,
  ClusterRoleBinding: k8s.rbac.v1.ClusterRoleBinding as unknown as K8sClass,
  RoleBinding: k8s.rbac.v1.RoleBinding as unknown as K8sClass,
  Deployment: k8s.apps.v1.Deployment as unknown as K8sClass,
};

/**
 * A whole GPU inference environment on AWS: VPC (public and private subnets in at least two
 * availability zones, internet gateway, NAT, route tables, and the subnet tags Kubernetes load
 * balancers look for), the EKS cluster and its IAM role, an IAM OIDC provider for service
 * account roles, a system node group, one or more {@link GpuNodeGroup}s, the cluster autoscaler
 * (its Kubernetes objects, and an IAM role only its service account can assume, allowed to
 * resize only this cluster's node groups), and a Kubernetes provider for the cluster.
 *
 * With `vpc`, no network resources are created; with `cluster`, no cluster, cluster role, OIDC
 * provider or (by default) system node group.
 *
 * Children (for component name `env`): `env-vpc`, `env-igw`, `env-public-<i>`,
 * `env-private-<i>`, `env-public-rt`, `env-public-rta-<i>`, `env-nat-eip-<i>`, `env-nat-<i>`,
 * `env-private-rt-<i>`, `env-private-rta-<i>`, `env-cluster-role`, `env-cluster-role-<policy>`,
 * `env-cluster`, `env-oidc`, `env-k8s`, `env-system-node-role`, `env-system-node-role-<policy>`,
 * `env-system-node-group`, `env-gpu-<pool>` (GpuNodeGroup), `env-cluster-autoscaler-role`,
 * `env-cluster-autoscaler-policy`, `env-cluster-autoscaler-<kind>`.
 *
 * Type token `inferscale:aws:InferenceEnvironment`.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/creating-a-vpc.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/enable-iam-roles-for-service-accounts.html
 */
export class InferenceEnvironment extends pulumi.ComponentResource {
  /** Every decision, resolved before any resource was registered. */
  public readonly spec: ResolvedInferenceEnvironment;
  /** EKS cluster name. */
  public readonly clusterName: pulumi.Output<string>;
  /** Kubeconfig of the cluster (secret). */
  public readonly kubeconfig: pulumi.Output<string>;
  /** Kubernetes provider for the cluster: pass it to the platform and services. */
  public readonly provider: k8s.Provider;
  /** Names of every node group (system first, then GPU groups in order). */
  public readonly nodeGroupNames: pulumi.Output<string[]>;
  /** The GPU node groups, in `gpuNodeGroups` order. */
  public readonly gpuNodeGroups: readonly GpuNodeGroup[];
  /** The resolved GPU pools, in order: what the platform and services check capacity against. */
  public readonly gpuPools: readonly ResolvedGpuNodePool[];
  /** Whether some GPU pool's AMI lacks the NVIDIA device plugin, so the platform must deploy it. */
  public readonly needsDevicePlugin: boolean;
  /** VPC id. */
  public readonly vpcId: pulumi.Output<string>;
  /** Private subnet ids. */
  public readonly privateSubnetIds: pulumi.Output<string[]>;
  /** Public subnet ids. */
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  /** ARN of the cluster's IAM OIDC provider. */
  public readonly oidcProviderArn: pulumi.Output<string>;
  /** The cluster's OIDC issuer URL. */
  public readonly oidcProviderUrl: pulumi.Output<string>;
  /** The EKS cluster, when this component created it. */
  public readonly cluster?: aws.eks.Cluster;
  /** The system node group, when there is one. */
  public readonly systemNodeGroup?: aws.eks.NodeGroup;
  /** IAM role of the cluster autoscaler, when installed. */
  public readonly clusterAutoscalerRole?: aws.iam.Role;
  /** The cluster autoscaler's Kubernetes objects by kind, when installed. */
  public readonly clusterAutoscalerObjects: Readonly<Record<string, pulumi.CustomResource>>;

  /**
   * @param name component name; prefix of every child name and the default cluster name
   * @param args the environment
   * @param opts pass `provider` (an `aws.Provider`) to target another account or region
   * @throws InferscaleValidationError listing every problem in `args`, before any resource is registered
   */
  public constructor(name: string, args: InferenceEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    const { environment: env, problems } = resolveInferenceEnvironment(name, args);
    if (!env) throw new InferscaleValidationError(`InferenceEnvironment ${show(name)}`, problems);
    super('inferscale:aws:InferenceEnvironment', name, {}, opts);
    this.spec = env;

    const awsProvider = opts?.provider;
    const awsOpts = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({ parent: this, ...(awsProvider ? { provider: awsProvider } : {}), ...extra });
    const tags = env.tags;
    const named = (suffix: string): Record<string, string> => ({ ...tags, Name: `${env.clusterName}-${suffix}` });

    // Network.
    let vpcId: pulumi.Output<string>;
    let privateSubnetIds: pulumi.Output<string[]>;
    let publicSubnetIds: pulumi.Output<string[]>;
    if (env.network) {
      const net = this.createNetwork(name, env, env.network, awsProvider, awsOpts, named);
      vpcId = net.vpcId;
      privateSubnetIds = net.privateSubnetIds;
      publicSubnetIds = net.publicSubnetIds;
    } else {
      const vpc = args.vpc!;
      vpcId = pulumi.output(vpc.id);
      privateSubnetIds = pulumi.output(vpc.privateSubnetIds);
      publicSubnetIds = pulumi.output(vpc.publicSubnetIds ?? []);
    }
    this.vpcId = vpcId;
    this.privateSubnetIds = privateSubnetIds;
    this.publicSubnetIds = publicSubnetIds;

    // Cluster, OIDC provider, kubeconfig.
    let clusterDependency: pulumi.Resource[] = [];
    if (args.cluster) {
      this.clusterName = pulumi.output(args.cluster.name);
      this.kubeconfig = pulumi.secret(pulumi.output(args.cluster.kubeconfig));
      this.oidcProviderArn = pulumi.output(args.cluster.oidcProviderArn);
      this.oidcProviderUrl = pulumi.output(args.cluster.oidcProviderUrl);
    } else {
      const role = new aws.iam.Role(`${name}-cluster-role`, {
        assumeRolePolicy: JSON.stringify(serviceTrustPolicy('eks.amazonaws.com')),
        description: `EKS cluster ${env.clusterName}`,
        tags: { ...tags },
      }, awsOpts());
      const attachments = CLUSTER_MANAGED_POLICIES.map((policy) => new aws.iam.RolePolicyAttachment(`${name}-cluster-role-${policy}`, {
        role: role.name,
        policyArn: managedPolicyArn(policy, env.partition),
      }, awsOpts()));
      const cluster = new aws.eks.Cluster(`${name}-cluster`, {
        name: env.clusterName,
        version: env.kubernetesVersion,
        roleArn: role.arn,
        vpcConfig: {
          subnetIds: pulumi.all([privateSubnetIds, publicSubnetIds]).apply(([p, q]) => [...p, ...q]),
          endpointPrivateAccess: true,
          endpointPublicAccess: true,
          publicAccessCidrs: [...env.endpointPublicAccessCidrs],
        },
        // Access entries (not the aws-auth ConfigMap); whoever runs `pulumi up` becomes cluster admin.
        accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: true },
        tags: { ...tags },
      }, awsOpts({ dependsOn: attachments }));
      this.cluster = cluster;
      clusterDependency = [cluster];
      this.clusterName = cluster.name;
      const issuer = cluster.identities.apply((ids) => ids?.[0]?.oidcs?.[0]?.issuer ?? '');
      const oidc = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, {
        url: issuer,
        clientIdLists: ['sts.amazonaws.com'],
        ...(args.oidcThumbprints ? { thumbprintLists: [...args.oidcThumbprints] } : {}),
        tags: { ...tags },
      }, awsOpts());
      this.oidcProviderArn = oidc.arn;
      this.oidcProviderUrl = issuer;
      this.kubeconfig = pulumi.secret(pulumi.all([cluster.endpoint, cluster.certificateAuthority]).apply(([endpoint, ca]) => JSON.stringify(eksKubeconfig({
        clusterName: env.clusterName,
        endpoint,
        certificateAuthorityData: ca?.data ?? '',
        region: env.region,
      }))));
    }
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, { parent: this });

    // Nodes follow the cluster's version, so raising kubernetesVersion upgrades the control plane
    // first (node groups depend on the cluster) and then the nodes. With an existing cluster they
    // follow it only when the version is given.
    const nodeVersion = !args.cluster || args.kubernetesVersion !== undefined ? env.kubernetesVersion : undefined;

    // System node group.
    if (env.systemNodeGroup) {
      const sys = env.systemNodeGroup;
      const role = new aws.iam.Role(`${name}-system-node-role`, {
        assumeRolePolicy: JSON.stringify(serviceTrustPolicy('ec2.amazonaws.com')),
        description: `System nodes of EKS cluster ${env.clusterName}`,
        tags: { ...tags },
      }, awsOpts());
      const attachments = nodeManagedPolicies(args.ssm ?? false).map((policy) => new aws.iam.RolePolicyAttachment(`${name}-system-node-role-${policy}`, {
        role: role.name,
        policyArn: managedPolicyArn(policy, env.partition),
      }, awsOpts()));
      this.systemNodeGroup = new aws.eks.NodeGroup(`${name}-system-node-group`, {
        clusterName: env.clusterName,
        nodeRoleArn: role.arn,
        subnetIds: privateSubnetIds,
        instanceTypes: [sys.instanceType],
        amiType: sys.amiType,
        capacityType: 'ON_DEMAND',
        diskSize: sys.diskSizeGiB,
        scalingConfig: { minSize: sys.minNodes, maxSize: sys.maxNodes, desiredSize: sys.desiredNodes },
        updateConfig: { maxUnavailable: 1 },
        labels: { ...sys.labels },
        ...(nodeVersion !== undefined ? { version: nodeVersion } : {}),
        tags: { ...tags, ...discoveryTags(env.clusterName) },
      }, awsOpts({ dependsOn: [...clusterDependency, ...attachments], ignoreChanges: ['scalingConfig.desiredSize'] }));
    }

    // GPU node groups.
    this.gpuNodeGroups = args.gpuNodeGroups.map((options) => new GpuNodeGroup(`${name}-gpu-${options.name}`, {
      ...options,
      clusterName: env.clusterName,
      subnetIds: privateSubnetIds,
      ssm: options.ssm ?? args.ssm,
      tags: { ...tags, ...(options.tags ?? {}) },
      partition: env.partition,
      ...(options.kubernetesVersion === undefined && nodeVersion !== undefined ? { kubernetesVersion: nodeVersion } : {}),
    }, { parent: this, ...(awsProvider ? { provider: awsProvider } : {}), dependsOn: clusterDependency }));
    this.gpuPools = this.gpuNodeGroups.map((g) => g.pool);
    this.needsDevicePlugin = this.gpuNodeGroups.some((g) => !g.shipsDevicePlugin);

    // Cluster autoscaler.
    const objects: Record<string, pulumi.CustomResource> = {};
    if (env.clusterAutoscaler) {
      const ca = env.clusterAutoscaler;
      const role = new aws.iam.Role(`${name}-cluster-autoscaler-role`, {
        assumeRolePolicy: pulumi.all([this.oidcProviderArn, this.oidcProviderUrl]).apply(([arn, url]) => JSON.stringify(
          serviceAccountTrustPolicy(arn, url, { namespace: CLUSTER_AUTOSCALER_NAMESPACE, name: CLUSTER_AUTOSCALER_NAME }),
        )),
        description: `Cluster autoscaler of EKS cluster ${env.clusterName} (service account ${CLUSTER_AUTOSCALER_NAMESPACE}/${CLUSTER_AUTOSCALER_NAME})`,
        tags: { ...tags },
      }, awsOpts());
      const policy = new aws.iam.RolePolicy(`${name}-cluster-autoscaler-policy`, {
        role: role.name,
        policy: JSON.stringify(clusterAutoscalerPolicy(env.clusterName)),
      }, awsOpts());
      this.clusterAutoscalerRole = role;
      const rendered: AutoscalerObject<pulumi.Output<string>>[] = clusterAutoscalerObjects({
        clusterName: env.clusterName,
        roleArn: role.arn,
        image: ca.image,
        region: env.region,
        extraArgs: ca.extraArgs,
        nodeSelector: {
          'kubernetes.io/os': 'linux',
          ...(env.systemNodeGroup ? { [SYSTEM_NODE_GROUP_LABEL]: 'system' } : {}),
        },
      });
      const k8sOpts = (dependsOn: pulumi.Resource[]): pulumi.CustomResourceOptions => ({ parent: this, provider: this.provider, dependsOn });
      for (const obj of rendered) {
        const { apiVersion: _apiVersion, kind, ...rest } = obj;
        const isDeployment = kind === 'Deployment';
        const deps: pulumi.Resource[] = isDeployment
          ? [...Object.values(objects), policy, ...(this.systemNodeGroup ? [this.systemNodeGroup] : [])]
          : [];
        objects[kind] = new AUTOSCALER_CLASSES[kind](`${name}-cluster-autoscaler-${kind.toLowerCase()}`, rest, k8sOpts(deps));
      }
    }
    this.clusterAutoscalerObjects = objects;

    this.nodeGroupNames = pulumi.all([
      ...(this.systemNodeGroup ? [this.systemNodeGroup.nodeGroupName] : []),
      ...this.gpuNodeGroups.map((g) => g.nodeGroupName),
    ]);

    this.registerOutputs({
      clusterName: this.clusterName,
      kubeconfig: this.kubeconfig,
      nodeGroupNames: this.nodeGroupNames,
      vpcId: this.vpcId,
      privateSubnetIds: this.privateSubnetIds,
      publicSubnetIds: this.publicSubnetIds,
      oidcProviderArn: this.oidcProviderArn,
      oidcProviderUrl: this.oidcProviderUrl,
    });
  }

  /** Creates the VPC, subnets, gateways and routes. */
  private createNetwork(
    name: string,
    env: ResolvedInferenceEnvironment,
    network: ResolvedNetwork,
    awsProvider: pulumi.ProviderResource | undefined,
    awsOpts: (extra?: pulumi.CustomResourceOptions) => pulumi.CustomResourceOptions,
    named: (suffix: string) => Record<string, string>,
  ): { vpcId: pulumi.Output<string>; privateSubnetIds: pulumi.Output<string[]>; publicSubnetIds: pulumi.Output<string[]> } {
    const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
      cidrBlock: network.cidrBlock,
      // EKS needs DNS hostnames for private endpoint access and node registration.
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: named('vpc'),
    }, awsOpts());
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: named('igw') }, awsOpts());

    const zoneNames: pulumi.Input<string>[] = network.availabilityZones
      ? [...network.availabilityZones]
      : (() => {
        const available = aws.getAvailabilityZonesOutput({ state: 'available' }, { parent: this, ...(awsProvider ? { provider: awsProvider } : {}) });
        return network.zones.map((z) => available.names.apply((names) => names?.[z.index] as string));
      })();

    const publicSubnets = network.zones.map((z) => new aws.ec2.Subnet(`${name}-public-${z.index}`, {
      vpcId: vpc.id,
      cidrBlock: z.publicCidr,
      availabilityZone: zoneNames[z.index],
      mapPublicIpOnLaunch: true,
      tags: { ...named(`public-${z.index}`), ...subnetTags(env.clusterName, 'public') },
    }, awsOpts()));
    const privateSubnets = network.zones.map((z) => new aws.ec2.Subnet(`${name}-private-${z.index}`, {
      vpcId: vpc.id,
      cidrBlock: z.privateCidr,
      availabilityZone: zoneNames[z.index],
      tags: { ...named(`private-${z.index}`), ...subnetTags(env.clusterName, 'private') },
    }, awsOpts()));

    const publicRouteTable = new aws.ec2.RouteTable(`${name}-public-rt`, {
      vpcId: vpc.id,
      routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: igw.id }],
      tags: named('public'),
    }, awsOpts());
    publicSubnets.forEach((subnet, i) => new aws.ec2.RouteTableAssociation(`${name}-public-rta-${i}`, { subnetId: subnet.id, routeTableId: publicRouteTable.id }, awsOpts()));

    const natCount = network.natGateways === 'single' ? 1 : network.zones.length;
    const nats = Array.from({ length: natCount }, (_, i) => {
      const eip = new aws.ec2.Eip(`${name}-nat-eip-${i}`, { domain: 'vpc', tags: named(`nat-${i}`) }, awsOpts());
      return new aws.ec2.NatGateway(`${name}-nat-${i}`, {
        allocationId: eip.id,
        subnetId: publicSubnets[i].id,
        tags: named(`nat-${i}`),
      }, awsOpts({ dependsOn: [igw] }));
    });
    privateSubnets.forEach((subnet, i) => {
      const table = new aws.ec2.RouteTable(`${name}-private-rt-${i}`, {
        vpcId: vpc.id,
        routes: [{ cidrBlock: '0.0.0.0/0', natGatewayId: nats[natCount === 1 ? 0 : i].id }],
        tags: named(`private-${i}`),
      }, awsOpts());
      new aws.ec2.RouteTableAssociation(`${name}-private-rta-${i}`, { subnetId: subnet.id, routeTableId: table.id }, awsOpts());
    });

    return {
      vpcId: vpc.id,
      privateSubnetIds: pulumi.all(privateSubnets.map((s) => s.id)),
      publicSubnetIds: pulumi.all(publicSubnets.map((s) => s.id)),
    };
  }
}
