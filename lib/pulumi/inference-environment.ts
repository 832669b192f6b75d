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
  clusterEncryptionPolicy,
  managedPolicyArn,
  nodeManagedPolicies,
  serviceAccountTrustPolicy,
  serviceTrustPolicy,
} from './aws/iam-policies';
import { AccessEntryOptions, resolveAccessEntries, ResolvedAccessEntry } from './aws/access-entries';
import { AddonVersionOptions, checkAddonVersionOptions, managedAddon, ManagedAddonName, NODE_NETWORK_ADDONS } from './aws/addons';
import { eksKubeconfig } from './aws/kubeconfig';
import { nodeLaunchTemplateArgs } from './aws/launch-template';
import { liveDesiredSize, logicalNameTag } from './aws/node-group-scaling';
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
  /**
   * Fewest nodes; at least 1, since the cluster autoscaler itself runs here. Give at least one
   * per availability zone when a pod here keeps data on an EBS volume (the platform's Prometheus
   * does, with a StorageClass): the volume lives in one zone and needs a node there.
   * @default 2
   */
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

/** Control-plane log types EKS can send to CloudWatch Logs. */
export const CONTROL_PLANE_LOG_TYPES = Object.freeze(['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] as const);

/** Retentions CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS: readonly number[] = Object.freeze([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]);

/** Control-plane logging. */
export interface ControlPlaneLoggingOptions {
  /** Log types. @default ["api", "audit", "authenticator"] */
  readonly types?: readonly (typeof CONTROL_PLANE_LOG_TYPES)[number][];
  /** Days CloudWatch keeps them. @default 30 */
  readonly retentionDays?: number;
}

/** Args of {@link InferenceEnvironment}. */
export interface InferenceEnvironmentArgs {
  /** EKS cluster name, unique in the account and region. @default - the component name */
  readonly clusterName?: string;
  /** Kubernetes version, `1.NN`. @default "1.33" */
  readonly kubernetesVersion?: string;
  /**
   * The region you expect. The region itself always comes from the AWS provider in use (the
   * kubeconfig, the cluster autoscaler and every lookup follow it); when this is given, a
   * provider in another region is refused at deployment.
   * @default - no check
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
  /**
   * CIDRs allowed to reach the public API endpoint. Whoever runs `pulumi up` must be inside
   * them: the program creates Kubernetes objects through this endpoint.
   * @default ["0.0.0.0/0"] (still authenticated: IAM and access entries)
   */
  readonly endpointPublicAccessCidrs?: readonly string[];
  /**
   * More IAM roles and users with access to the cluster, by a name of your choice. Whoever runs
   * `pulumi up` is cluster admin already (EKS's bootstrap entry for the creator): do not list that
   * principal again, EKS allows one entry per principal.
   * @default - none
   */
  readonly accessEntries?: Readonly<Record<string, AccessEntryOptions>>;
  /**
   * AWS CLI profile the kubeconfig's `aws eks get-token` signs with.
   * @default - the `profile` of the AWS provider passed in `opts.provider`, else the `aws:profile` config, else the AWS CLI's default credentials
   */
  readonly kubeconfigProfile?: string;
  /**
   * IAM role the kubeconfig's `aws eks get-token` assumes. Give the role your AWS provider
   * assumes (`assumeRoles`): a provider's assumed role cannot be read back from it.
   * @default - none
   */
  readonly kubeconfigRoleArn?: string;
  /**
   * EKS add-ons: vpc-cni, kube-proxy, CoreDNS and metrics-server, versions resolved for
   * `kubernetesVersion`; or `false` for none.
   * @default - installed with a new cluster, none with an existing one
   */
  readonly addons?: AddonVersionOptions | false;
  /** EKS deletion protection: the cluster cannot be deleted until it is turned off. New cluster only. @default false */
  readonly deletionProtection?: boolean;
  /**
   * Control-plane logs to CloudWatch Logs, in a log group the environment creates with a
   * retention, or `false` for none. New cluster only.
   * @default { types: ["api", "audit", "authenticator"], retentionDays: 30 }
   */
  readonly controlPlaneLogging?: ControlPlaneLoggingOptions | false;
  /**
   * Envelope encryption of Kubernetes Secrets with a KMS key: `{}` for a key the environment
   * creates (rotated yearly), `{ kmsKeyArn }` for your own, `false` for none. New cluster only;
   * once on, EKS cannot turn it off.
   * @default {} (a new key)
   */
  readonly secretsEncryption?: {
    /** ARN of your symmetric KMS key. @default - a key the environment creates */
    readonly kmsKeyArn?: string;
  } | false;
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

/** The EKS add-ons the environment installs, in creation order; the EBS CSI driver comes with storage. */
export const ENVIRONMENT_ADDONS: readonly ManagedAddonName[] = Object.freeze(['vpc-cni', 'kube-proxy', 'coredns', 'metrics-server']);

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
  /** The region the provider must be in, when `region` was given. */
  readonly region?: string;
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
  /** Access entries by name. */
  readonly accessEntries: Readonly<Record<string, ResolvedAccessEntry>>;
  /** Credentials of the kubeconfig's `aws eks get-token`, when given (the provider's profile is read at deployment). */
  readonly kubeconfig: {
    /** `kubeconfigProfile`, when given. */
    readonly profile?: string;
    /** `kubeconfigRoleArn`, when given. */
    readonly roleArn?: string;
  };
  /** The EKS add-ons the environment installs; undefined for none. */
  readonly addons?: {
    /** Add-on names, in creation order. */
    readonly names: readonly ManagedAddonName[];
    /** How versions are chosen. */
    readonly versions: AddonVersionOptions;
  };
  /** EKS deletion protection (new cluster only). */
  readonly deletionProtection: boolean;
  /** Control-plane logging; undefined for none (or an existing cluster). */
  readonly controlPlaneLogging?: {
    /** Log types. */
    readonly types: readonly string[];
    /** Days CloudWatch keeps them. */
    readonly retentionDays: number;
  };
  /** Secrets encryption; undefined for none (or an existing cluster); no `kmsKeyArn` means a new key. */
  readonly secretsEncryption?: {
    /** The user's key; absent when the environment creates one. */
    readonly kmsKeyArn?: string;
  };
}

/** Name of the {@link GpuNodeGroup} of one pool: child names, tags and the node group's logical name derive from it. */
function gpuComponentName(name: string, pool: string): string {
  return `${name}-gpu-${pool}`;
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
  const region = args.region;
  if (region !== undefined && (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region))) {
    problems.push({ path: 'region', message: `is ${show(region)}; expected an AWS region such as "us-west-2", or leave it out: the region comes from the AWS provider` });
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
      const { group, problems: groupProblems } = resolveGpuNodeGroup(groupOptions, clusterName, gpuComponentName(name, options.name));
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

  const access = resolveAccessEntries(args.accessEntries, partition);
  problems.push(...access.problems);
  for (const key of ['kubeconfigProfile', 'kubeconfigRoleArn'] as const) {
    const value = args[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) problems.push({ path: key, message: `is ${show(value)}; expected a non-empty string` });
  }
  if (typeof args.kubeconfigRoleArn === 'string' && !/^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(args.kubeconfigRoleArn)) {
    problems.push({ path: 'kubeconfigRoleArn', message: `is ${show(args.kubeconfigRoleArn)}; expected the ARN of an IAM role, such as "arn:aws:iam::123456789012:role/deployer"` });
  }

  let addons: ResolvedInferenceEnvironment['addons'];
  const addonOptions = args.addons === undefined ? (existing ? false : {}) : args.addons;
  if (addonOptions !== false) {
    if (typeof addonOptions !== 'object' || addonOptions === null) {
      problems.push({ path: 'addons', message: `is ${show(addonOptions)}; expected false or { mostRecent, versions }` });
    } else {
      problems.push(...checkAddonVersionOptions('addons', addonOptions));
      addons = { names: ENVIRONMENT_ADDONS, versions: { mostRecent: addonOptions.mostRecent ?? false, versions: { ...(addonOptions.versions ?? {}) } } };
      if (existing && args.kubernetesVersion === undefined) {
        problems.push({ path: 'kubernetesVersion', message: 'is not set; with an existing cluster and addons, give its Kubernetes version so the add-on versions match it' });
      }
      if (!existing && systemOptions === false) {
        problems.push({ path: 'addons', message: 'installs CoreDNS and metrics-server, which need untainted nodes, but systemNodeGroup is false; keep a system node group or set addons: false' });
      }
    }
  }

  // Options of a cluster the environment creates.
  const newClusterOnly: Problem[] = [];
  for (const key of ['deletionProtection', 'controlPlaneLogging', 'secretsEncryption'] as const) {
    if (existing && args[key] !== undefined && args[key] !== false) newClusterOnly.push({ path: key, message: `applies to a cluster the environment creates; with cluster (an existing one), set it on that cluster instead` });
  }
  problems.push(...newClusterOnly);
  const deletionProtection = args.deletionProtection ?? false;
  if (typeof deletionProtection !== 'boolean') problems.push({ path: 'deletionProtection', message: `is ${show(deletionProtection)}; expected true or false` });
  let controlPlaneLogging: ResolvedInferenceEnvironment['controlPlaneLogging'];
  const logging = args.controlPlaneLogging ?? {};
  if (!existing && logging !== false) {
    const types = logging.types ?? ['api', 'audit', 'authenticator'];
    const retentionDays = logging.retentionDays ?? 30;
    if (!Array.isArray(types) || types.length === 0 || types.some((t) => !(CONTROL_PLANE_LOG_TYPES as readonly string[]).includes(t))) {
      problems.push({ path: 'controlPlaneLogging.types', message: `is ${show(types)}; expected some of ${CONTROL_PLANE_LOG_TYPES.map((t) => `"${t}"`).join(', ')} (or controlPlaneLogging: false)` });
    }
    if (!LOG_RETENTION_DAYS.includes(retentionDays)) {
      problems.push({ path: 'controlPlaneLogging.retentionDays', message: `is ${show(retentionDays)}; expected a retention CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(', ')}` });
    }
    controlPlaneLogging = { types: [...types], retentionDays };
  }
  let secretsEncryption: ResolvedInferenceEnvironment['secretsEncryption'];
  const encryption = args.secretsEncryption ?? {};
  if (!existing && encryption !== false) {
    const keyArn = encryption.kmsKeyArn;
    if (keyArn !== undefined && (typeof keyArn !== 'string' || !/^arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/.test(keyArn))) {
      problems.push({ path: 'secretsEncryption.kmsKeyArn', message: `is ${show(keyArn)}; expected the ARN of a symmetric KMS key, such as "arn:aws:kms:us-west-2:123456789012:key/<id>"` });
    }
    secretsEncryption = keyArn !== undefined ? { kmsKeyArn: keyArn } : {};
  }

  if (problems.length > 0) return { problems };
  return {
    problems: [],
    environment: {
      clusterName,
      kubernetesVersion,
      ...(region !== undefined ? { region } : {}),
      partition,
      ...(network ? { network } : {}),
      endpointPublicAccessCidrs: [...endpointPublicAccessCidrs],
      ...(systemNodeGroup ? { systemNodeGroup } : {}),
      gpuNodeGroups,
      ...(clusterAutoscaler ? { clusterAutoscaler } : {}),
      tags,
      accessEntries: access.entries,
      kubeconfig: { ...(args.kubeconfigProfile !== undefined ? { profile: args.kubeconfigProfile } : {}), ...(args.kubeconfigRoleArn !== undefined ? { roleArn: args.kubeconfigRoleArn } : {}) },
      ...(addons ? { addons } : {}),
      deletionProtection,
      ...(controlPlaneLogging ? { controlPlaneLogging } : {}),
      ...(secretsEncryption ? { secretsEncryption } : {}),
    },
  };
}

/**
 * Why an environment cannot deploy: `region` was given and the AWS provider targets another.
 * Undefined when they agree.
 */
export function providerRegionProblem(name: string, expected: string, actual: string): string | undefined {
  return expected === actual
    ? undefined
    : `InferenceEnvironment "${name}": region is "${expected}", but the AWS provider targets "${actual}"; set the provider's region (aws:region) or change region`;
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
 * account roles, access entries, the EKS add-ons (vpc-cni, kube-proxy, CoreDNS, metrics-server),
 * a system node group, one or more {@link GpuNodeGroup}s, the cluster autoscaler (its Kubernetes
 * objects, and an IAM role only its service account can assume, allowed to resize only this
 * cluster's node groups), and a Kubernetes provider for the cluster.
 *
 * What a production cluster gets by default: Secrets encrypted with a rotated KMS key,
 * control-plane logs (api, audit, authenticator) kept 30 days, IMDSv2 with hop limit 1 on every
 * node (launch templates), availability zones that need no opt-in (Local Zones refused by EKS
 * are left out; pin `network.availabilityZones` to keep subnets stable). Deletion protection is
 * off unless asked for.
 *
 * Region and credentials: everything follows the AWS provider in use (`opts.provider`, or the
 * default one): the zone lookup, the add-on versions, and the kubeconfig, which signs with
 * `aws eks get-token --region <the provider's region>`, the provider's profile
 * (`kubeconfigProfile` to override) and `kubeconfigRoleArn` when given, as @pulumi/eks does.
 *
 * Order (what waits for what, and in reverse what `pulumi destroy` removes first): the cluster
 * after its role, key policy and log group; the network add-ons after the cluster; every node
 * group after the cluster and the network add-ons; CoreDNS and metrics-server after the system
 * node group; the cluster autoscaler's Deployment after its RBAC, its IAM policy and the system
 * node group.
 *
 * Node counts: the cluster autoscaler owns each group's desired size. Every run reads the live
 * size and sends it back, moved inside new `minNodes`/`maxNodes` when they exclude it, so a
 * change of the bounds never resets a group to a size Pulumi recorded long ago (see
 * `aws/node-group-scaling.ts`).
 *
 * With `vpc`, no network resources are created; with `cluster`, no cluster, cluster role, OIDC
 * provider, key, log group, add-ons or (by default) system node group.
 *
 * Children (for component name `env`): `env-vpc`, `env-igw`, `env-public-<i>`,
 * `env-private-<i>`, `env-public-rt`, `env-public-rta-<i>`, `env-nat-eip-<i>`, `env-nat-<i>`,
 * `env-private-rt-<i>`, `env-private-rta-<i>`, `env-cluster-role`, `env-cluster-role-<policy>`,
 * `env-cluster-logs`, `env-secrets-key`, `env-secrets-key-alias`, `env-cluster-role-kms`,
 * `env-cluster`, `env-oidc`, `env-k8s`, `env-access-<name>`, `env-access-<name>-policy`,
 * `env-addon-<addon>`, `env-system-node-role`, `env-system-node-role-<policy>`,
 * `env-system-launch-template`, `env-system-node-group`, `env-gpu-<pool>` (GpuNodeGroup),
 * `env-cluster-autoscaler-role`, `env-cluster-autoscaler-policy`, `env-cluster-autoscaler-<kind>`.
 *
 * Type token `inferscale:aws:InferenceEnvironment`.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/creating-a-vpc.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/enable-iam-roles-for-service-accounts.html
 * @see https://docs.aws.amazon.com/eks/latest/best-practices/cluster-access-management.html
 * @see https://docs.aws.amazon.com/eks/latest/best-practices/control-plane-logs.html
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
  /** The region of the AWS provider, where everything is created. */
  public readonly region: pulumi.Output<string>;
  /** The EKS add-ons the environment installed, by name. */
  public readonly addons: Readonly<Partial<Record<ManagedAddonName, aws.eks.Addon>>>;
  /** The access entries by the names given in `accessEntries`. */
  public readonly accessEntries: Readonly<Record<string, aws.eks.AccessEntry>>;

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

    // Region and credentials come from the AWS provider in use, as @pulumi/eks does.
    const invokeOpts: pulumi.InvokeOutputOptions = { parent: this, ...(awsProvider ? { provider: awsProvider } : {}) };
    const providerRegion = aws.getRegionOutput({}, invokeOpts).region;
    this.region = env.region === undefined ? providerRegion : providerRegion.apply((r) => {
      const problem = providerRegionProblem(name, env.region!, r);
      if (problem) throw new pulumi.RunError(problem);
      return r;
    });
    const profile: pulumi.Input<string | undefined> = env.kubeconfig.profile
      ?? (awsProvider && aws.Provider.isInstance(awsProvider) ? awsProvider.profile : new pulumi.Config('aws').get('profile'));

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
      const before: pulumi.Resource[] = CLUSTER_MANAGED_POLICIES.map((policy) => new aws.iam.RolePolicyAttachment(`${name}-cluster-role-${policy}`, {
        role: role.name,
        policyArn: managedPolicyArn(policy, env.partition),
      }, awsOpts()));
      // EKS creates this log group itself when it is missing, without a retention: create it first.
      const logging = env.controlPlaneLogging;
      if (logging) {
        before.push(new aws.cloudwatch.LogGroup(`${name}-cluster-logs`, {
          name: `/aws/eks/${env.clusterName}/cluster`,
          retentionInDays: logging.retentionDays,
          tags: { ...tags },
        }, awsOpts()));
      }
      let kmsKeyArn: pulumi.Input<string> | undefined;
      if (env.secretsEncryption) {
        if (env.secretsEncryption.kmsKeyArn !== undefined) {
          kmsKeyArn = env.secretsEncryption.kmsKeyArn;
        } else {
          const key = new aws.kms.Key(`${name}-secrets-key`, {
            description: `Envelope encryption of Kubernetes Secrets in EKS cluster ${env.clusterName}`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            tags: { ...tags },
          }, awsOpts());
          new aws.kms.Alias(`${name}-secrets-key-alias`, { name: `alias/eks/${env.clusterName}-secrets`, targetKeyId: key.keyId }, awsOpts());
          kmsKeyArn = key.arn;
        }
        before.push(new aws.iam.RolePolicy(`${name}-cluster-role-kms`, {
          role: role.name,
          policy: pulumi.output(kmsKeyArn).apply((arn) => JSON.stringify(clusterEncryptionPolicy(arn))),
        }, awsOpts()));
      }
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
        deletionProtection: env.deletionProtection,
        ...(logging ? { enabledClusterLogTypes: [...logging.types] } : {}),
        ...(kmsKeyArn !== undefined ? { encryptionConfig: { provider: { keyArn: kmsKeyArn }, resources: ['secrets'] } } : {}),
        tags: { ...tags },
      }, awsOpts({ dependsOn: before }));
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
      const roleArn = env.kubeconfig.roleArn;
      this.kubeconfig = pulumi.secret(pulumi.all([cluster.endpoint, cluster.certificateAuthority, this.region, profile]).apply(([endpoint, ca, region, prof]) => JSON.stringify(eksKubeconfig({
        clusterName: env.clusterName,
        endpoint,
        certificateAuthorityData: ca?.data ?? '',
        region,
        ...(prof ? { profile: prof } : {}),
        ...(roleArn ? { roleArn } : {}),
      }))));
    }
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, { parent: this });

    // Access for more people and roles.
    const accessEntries: Record<string, aws.eks.AccessEntry> = {};
    for (const [key, entry] of Object.entries(env.accessEntries)) {
      const accessEntry = new aws.eks.AccessEntry(`${name}-access-${key}`, {
        clusterName: this.clusterName,
        principalArn: entry.principalArn,
        type: 'STANDARD',
        tags: { ...tags },
      }, awsOpts({ dependsOn: clusterDependency }));
      new aws.eks.AccessPolicyAssociation(`${name}-access-${key}-policy`, {
        clusterName: this.clusterName,
        principalArn: accessEntry.principalArn,
        policyArn: entry.policyArn,
        accessScope: entry.accessScope.type === 'cluster' ? { type: 'cluster' } : { type: 'namespace', namespaces: [...(entry.accessScope.namespaces ?? [])] },
      }, awsOpts({ dependsOn: [accessEntry] }));
      accessEntries[key] = accessEntry;
    }
    this.accessEntries = accessEntries;

    // Add-ons: the node networking ones before any node group, the scheduled ones once system nodes exist.
    const addons: Partial<Record<ManagedAddonName, aws.eks.Addon>> = {};
    const addAddon = (addonName: ManagedAddonName, dependsOn: pulumi.Resource[]): void => {
      addons[addonName] = managedAddon(`${name}-addon-${addonName}`, {
        clusterName: this.clusterName,
        addonName,
        kubernetesVersion: env.kubernetesVersion,
        versions: env.addons!.versions,
        tags,
      }, awsOpts({ dependsOn }));
    };
    for (const addonName of env.addons?.names ?? []) if (NODE_NETWORK_ADDONS.includes(addonName)) addAddon(addonName, clusterDependency);
    const nodeNetwork: pulumi.Resource[] = [...clusterDependency, ...NODE_NETWORK_ADDONS.flatMap((n) => (addons[n] ? [addons[n]!] : []))];

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
      const launchTemplate = new aws.ec2.LaunchTemplate(`${name}-system-launch-template`, {
        ...nodeLaunchTemplateArgs({ amiType: sys.amiType, diskSizeGiB: sys.diskSizeGiB, description: `System nodes of EKS cluster ${env.clusterName}` }),
        tags: { ...tags },
      }, awsOpts());
      const logicalName = `${name}-system-node-group`;
      this.systemNodeGroup = new aws.eks.NodeGroup(logicalName, {
        clusterName: env.clusterName,
        nodeRoleArn: role.arn,
        subnetIds: privateSubnetIds,
        instanceTypes: [sys.instanceType],
        amiType: sys.amiType,
        capacityType: 'ON_DEMAND',
        launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
        scalingConfig: {
          minSize: sys.minNodes,
          maxSize: sys.maxNodes,
          // The cluster autoscaler owns the node count: the live one goes back with new bounds.
          desiredSize: liveDesiredSize({
            clusterName: env.clusterName, logicalName, nodeRoleArn: role.arn, minSize: sys.minNodes, maxSize: sys.maxNodes, initialSize: sys.desiredNodes, dependsOn: clusterDependency,
          }, invokeOpts),
        },
        updateConfig: { maxUnavailable: 1 },
        labels: { ...sys.labels },
        ...(nodeVersion !== undefined ? { version: nodeVersion } : {}),
        tags: { ...tags, ...discoveryTags(env.clusterName), ...logicalNameTag(logicalName) },
      }, awsOpts({ dependsOn: [...nodeNetwork, ...attachments] }));
    }

    // GPU node groups.
    this.gpuNodeGroups = args.gpuNodeGroups.map((options) => new GpuNodeGroup(gpuComponentName(name, options.name), {
      ...options,
      clusterName: env.clusterName,
      subnetIds: privateSubnetIds,
      ssm: options.ssm ?? args.ssm,
      tags: { ...tags, ...(options.tags ?? {}) },
      partition: env.partition,
      ...(options.kubernetesVersion === undefined && nodeVersion !== undefined ? { kubernetesVersion: nodeVersion } : {}),
    }, { parent: this, ...(awsProvider ? { provider: awsProvider } : {}), dependsOn: nodeNetwork }));
    this.gpuPools = this.gpuNodeGroups.map((g) => g.pool);
    this.needsDevicePlugin = this.gpuNodeGroups.some((g) => !g.shipsDevicePlugin);

    // CoreDNS and metrics-server run on the system nodes; EKS reports them ACTIVE once they do.
    const systemNodes = this.systemNodeGroup ? [this.systemNodeGroup] : [];
    for (const addonName of env.addons?.names ?? []) if (!NODE_NETWORK_ADDONS.includes(addonName)) addAddon(addonName, [...clusterDependency, ...systemNodes]);
    this.addons = addons;

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
        region: this.region,
        extraArgs: ca.extraArgs,
        nodeSelector: {
          'kubernetes.io/os': 'linux',
          ...(env.systemNodeGroup ? { [SYSTEM_NODE_GROUP_LABEL]: 'system' } : {}),
        },
      });
      const k8sOpts = (dependsOn: pulumi.Resource[]): pulumi.CustomResourceOptions => ({ parent: this, provider: this.provider, dependsOn });
      for (const obj of rendered) {
        const { apiVersion: _apiVersion, kind, ...rest } = obj;
        // The Deployment starts once it can act: its RBAC, its AWS permissions, and nodes to run on.
        const deps: pulumi.Resource[] = kind === 'Deployment'
          ? [...Object.values(objects), policy, ...systemNodes]
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
        // Availability Zones only: opted-in Local and Wavelength Zones sort first, and EKS refuses them.
        const available = aws.getAvailabilityZonesOutput({ state: 'available', filters: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }] }, { parent: this, ...(awsProvider ? { provider: awsProvider } : {}) });
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
