import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { gpuInstanceType } from '../core/gpu-instances';
import { GpuNodePoolProps, resolveGpuNodePool, ResolvedGpuNodePool } from '../core/gpu-node-pool';
import { InferscaleValidationError, Problem, show } from '../core/problems';
import { AUTOSCALER_TAG_PREFIX, checkTags, discoveryTags } from './aws/autoscaler-tags';
import { bottlerocketUserData } from './aws/bottlerocket';
import { managedPolicyArn, nodeManagedPolicies, serviceTrustPolicy } from './aws/iam-policies';
import { nodeLaunchTemplateArgs } from './aws/launch-template';
import { LOGICAL_NAME_TAG, liveDesiredSize, logicalNameTag } from './aws/node-group-scaling';

/**
 * AWS-side options of a GPU node group, on top of the GPU node pool description that the cdk8s
 * side reads too (instance type, node counts, AMI, labels, taint, time-slicing, capacity type,
 * disk size).
 */
export interface GpuNodeGroupOptions extends GpuNodePoolProps {
  /**
   * Also attach `AmazonSSMManagedInstanceCore`, so Session Manager can open a shell on a node
   * without SSH keys or open ports.
   * @default false
   */
  readonly ssm?: boolean;
  /**
   * Write the cluster-autoscaler `node-template` tags onto the node group's Auto Scaling group
   * with `aws.autoscaling.Tag` resources. EKS does not copy node group tags to the group, and
   * without these tags the autoscaler cannot know, at zero nodes, that a node would carry GPUs,
   * labels and the GPU taint.
   * @default true
   */
  readonly tagAutoScalingGroup?: boolean;
  /**
   * More instance types for the group, after `instanceType`: with SPOT capacity, EKS launches
   * whichever of them has capacity (capacity-optimized), so a reclaimed type does not leave the
   * pool empty. Each must carry the same GPUs (product and count) as `instanceType` and at least
   * its vCPUs and memory, since the pool's labels and the cluster autoscaler's node template
   * describe `instanceType`.
   * @default - none: only `instanceType`
   */
  readonly additionalInstanceTypes?: readonly string[];
  /** Extra AWS tags for the node group and its IAM role. @default - none */
  readonly tags?: Readonly<Record<string, string>>;
  /** Kubernetes version of the nodes. @default - the cluster's version */
  readonly kubernetesVersion?: pulumi.Input<string>;
  /**
   * AWS partition of the managed policy ARNs: `aws`, `aws-cn` or `aws-us-gov`.
   * @default "aws"
   */
  readonly partition?: string;
}

/** Args of {@link GpuNodeGroup}. */
export interface GpuNodeGroupArgs extends GpuNodeGroupOptions {
  /**
   * Name of the EKS cluster. A plain string, because the cluster-autoscaler discovery tag
   * carries it in its key. Pass the cluster resource in `dependsOn` so the node group waits for it.
   */
  readonly clusterName: string;
  /** Subnets for the nodes, normally the private subnets of the cluster's VPC. */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
}

/** EKS cluster names: 1-100 letters, digits, `-` or `_`, starting with a letter or digit. */
const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;

/** Checks an EKS cluster name. */
export function checkClusterName(path: string, name: unknown): Problem[] {
  return typeof name === 'string' && EKS_CLUSTER_NAME.test(name)
    ? []
    : [{ path, message: `is ${show(name)}; an EKS cluster name is 1-100 letters, digits, '-' or '_', starting with a letter or digit` }];
}

/** A node group, resolved: the pool plus every AWS-side decision, before any resource exists. */
export interface ResolvedGpuNodeGroup {
  /** The pool with every default resolved. */
  readonly pool: ResolvedGpuNodePool;
  /** Managed policy names attached to the node role. */
  readonly managedPolicies: readonly string[];
  /**
   * Tags of the node group: the user's, the two discovery tags, the node-template tags and, when
   * resolved for a component name, the tag naming the node group's logical name
   * (`inferscale.io/pulumi-logical-name`), by which each run finds the live group.
   */
  readonly tags: Readonly<Record<string, string>>;
  /** The node-template tags, also written onto the Auto Scaling group. */
  readonly autoScalingGroupTags: Readonly<Record<string, string>>;
  /** Bottlerocket user data (TOML) when the pool needs settings on the node, else undefined. */
  readonly userData?: string;
  /** Every instance type of the group: `instanceType`, then `additionalInstanceTypes`. */
  readonly instanceTypes: readonly string[];
}

/** Pulumi logical name of the EKS node group of the {@link GpuNodeGroup} named `componentName`. */
export function gpuNodeGroupLogicalName(componentName: string): string {
  return `${componentName}-node-group`;
}

/**
 * Resolves and validates node group options. Problem paths are relative to the options
 * (`instanceType`, `minNodes`, ...), so a caller can prefix them (`gpuNodeGroups[1]`).
 *
 * @param clusterName the cluster's name, for the discovery tags; checked by the caller
 * @param componentName name of the {@link GpuNodeGroup}: the tags then include the one naming
 *   its node group's logical name, and the AWS tag limits are checked with it; without it they
 *   do not
 */
export function resolveGpuNodeGroup(options: GpuNodeGroupOptions, clusterName: string, componentName?: string): {
  /** The node group with every default filled in; absent when there is any problem. */
  group?: ResolvedGpuNodeGroup;
  /** Every invalid or inconsistent option, with its path relative to the options; empty when valid. */
  problems: Problem[];
} {
  const { pool, problems: poolProblems } = resolveGpuNodePool(options);
  const problems: Problem[] = [...poolProblems];
  for (const field of ['ssm', 'tagAutoScalingGroup'] as const) {
    if (options[field] !== undefined && typeof options[field] !== 'boolean') {
      problems.push({ path: field, message: `is ${show(options[field])}; expected true or false` });
    }
  }
  for (const [key, value] of Object.entries(options.tags ?? {})) {
    if (key.startsWith('aws:')) problems.push({ path: `tags[${show(key)}]`, message: 'uses the reserved aws: prefix' });
    if (key.startsWith(`${AUTOSCALER_TAG_PREFIX}/`)) problems.push({ path: `tags[${show(key)}]`, message: 'is a cluster-autoscaler tag, which the node group derives from the pool; remove it' });
    if (key === LOGICAL_NAME_TAG) problems.push({ path: `tags[${show(key)}]`, message: 'names the node group\'s Pulumi logical name, by which each run finds the live group; inferscale sets it, so remove it' });
    if (typeof value !== 'string') problems.push({ path: `tags[${show(key)}]`, message: `is ${show(value)}; expected a string` });
  }
  const extraTypes = options.additionalInstanceTypes ?? [];
  if (!Array.isArray(extraTypes)) {
    problems.push({ path: 'additionalInstanceTypes', message: `is ${show(extraTypes)}; expected a list of GPU instance types such as ["g6.2xlarge"]` });
  } else if (pool) {
    const base = pool.instanceType;
    extraTypes.forEach((name: unknown, i) => {
      const path = `additionalInstanceTypes[${i}]`;
      const type = typeof name === 'string' ? gpuInstanceType(name) : undefined;
      if (!type) {
        problems.push({ path, message: `is ${show(name)}; expected a GPU instance type from the catalogue, such as "g6.2xlarge"` });
      } else if (type.name === base.name || extraTypes.indexOf(name) !== i) {
        problems.push({ path, message: `is ${show(name)}, already in the group; list each instance type once` });
      } else if (type.gpuProduct !== base.gpuProduct || type.gpus !== base.gpus) {
        problems.push({ path, message: `is ${show(name)} (${type.gpus} × ${type.gpuProduct}), but instanceType ${base.name} has ${base.gpus} × ${base.gpuProduct}; the pool's labels and the autoscaler's node template describe one GPU shape, so every type must match it` });
      } else if (type.vcpus < base.vcpus || type.memoryGiB < base.memoryGiB) {
        problems.push({ path, message: `is ${show(name)} (${type.vcpus} vCPUs, ${type.memoryGiB} GiB), smaller than instanceType ${base.name} (${base.vcpus} vCPUs, ${base.memoryGiB} GiB); the autoscaler plans with instanceType's size, so pods sized for it would not fit. Use types at least as large` });
      }
    });
  }
  if (!pool || problems.length > 0) return { problems };

  const tags = {
    ...(options.tags ?? {}),
    ...discoveryTags(clusterName),
    ...pool.autoscalerTags,
    ...(componentName !== undefined ? logicalNameTag(gpuNodeGroupLogicalName(componentName)) : {}),
  };
  const tagProblems = checkTags('tags', tags);
  if (tagProblems.length > 0) return { problems: tagProblems };
  const userData = pool.bottlerocketSettings ? bottlerocketUserData(pool.bottlerocketSettings) : '';
  return {
    problems: [],
    group: {
      pool,
      managedPolicies: nodeManagedPolicies(options.ssm ?? false),
      tags,
      autoScalingGroupTags: pool.autoscalerTags,
      ...(userData ? { userData } : {}),
      instanceTypes: [pool.instanceType.name, ...(extraTypes as string[])],
    },
  };
}

/**
 * Child resource name of one Auto Scaling group tag: stable across unrelated label changes (it
 * follows the tag key, not a position).
 */
export function autoScalingGroupTagName(prefix: string, key: string): string {
  const suffix = key.startsWith(`${AUTOSCALER_TAG_PREFIX}/node-template/`) ? key.slice(`${AUTOSCALER_TAG_PREFIX}/node-template/`.length) : key;
  return `${prefix}-asg-${suffix.replace(/\//g, '_')}`;
}

/** The component's own `dependsOn` plus the role's policy attachments, in whatever shape `dependsOn` was given. */
function nodeGroupDependsOn(given: pulumi.ComponentResourceOptions['dependsOn'], attachments: readonly pulumi.Resource[]): pulumi.Input<pulumi.Input<pulumi.Resource>[]> {
  if (given === undefined) return [...attachments];
  if (Array.isArray(given)) return [...given, ...attachments];
  if (pulumi.Resource.isInstance(given)) return [given, ...attachments];
  return pulumi.output(given as pulumi.Input<pulumi.Resource | pulumi.Resource[]>).apply((g) => [...(Array.isArray(g) ? g : [g]), ...attachments]);
}

/**
 * An EKS managed node group of NVIDIA GPU nodes, built from the GPU node pool description the
 * cdk8s side reads: NVIDIA AMI (`AL2023_x86_64_NVIDIA`, or `BOTTLEROCKET_x86_64_NVIDIA`, which
 * runs its own device plugin), the `nvidia.com/gpu` taint (`NO_SCHEDULE` in the EKS API), the
 * pool's labels, scaling bounds (min may be 0), disk size, on-demand or spot capacity, a node
 * IAM role with exactly the managed policies nodes need, and the cluster-autoscaler tags that
 * let the group scale up from zero.
 *
 * Children (for component name `gpu`): `gpu-node-role`, `gpu-node-role-<policy>` attachments,
 * `gpu-launch-template` (IMDSv2 with hop limit 1, the encrypted gp3 volume, Bottlerocket
 * settings when any), `gpu-node-group` and `gpu-asg-<tag>` Auto Scaling group tags.
 *
 * Auto Scaling group tags: EKS tags the group of every managed node group with the two
 * discovery tags (`k8s.io/cluster-autoscaler/enabled`, `k8s.io/cluster-autoscaler/<cluster>`)
 * but does not copy node group tags to it. The `node-template` tags are therefore written with
 * `aws.autoscaling.Tag` on the group EKS created (`resources[0].autoScalingGroups[0].name`);
 * the discovery tags are not, since EKS owns them and deleting a second copy would remove them.
 * The autoscaler can also read labels and taints through `eks:DescribeNodegroup`; the tags make
 * scale-from-zero independent of that.
 *
 * `scalingConfig.desiredSize` starts at `minNodes` and is then owned by the cluster
 * autoscaler: every run reads the live size and sends it back, moved inside new bounds that
 * exclude it, so `pulumi up` never resets the node count to a stale one. The live group is found
 * by its auto-name, else by its `inferscale.io/pulumi-logical-name` tag, else by its node role,
 * so a project-wide autonaming pattern does not hide it.
 *
 * With `additionalInstanceTypes`, the group launches any of its types (for spot capacity, the
 * one with capacity); they carry the same GPUs as `instanceType` and at least its size.
 *
 * Type token `inferscale:aws:GpuNodeGroup`.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html
 * @see https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/README.md#auto-discovery-setup
 */
export class GpuNodeGroup extends pulumi.ComponentResource {
  /** The pool with every default resolved (labels, taints, GPU resource, capacity). */
  public readonly pool: ResolvedGpuNodePool;
  /** Every AWS-side decision (policies, tags, user data). */
  public readonly spec: ResolvedGpuNodeGroup;
  /** EKS AMI type of the nodes. */
  public readonly amiType: string;
  /**
   * Whether the AMI runs its own NVIDIA device plugin (Bottlerocket NVIDIA). The platform must
   * leave the device plugin out for these nodes; they carry `inferscale.io/nvidia-device-plugin=preinstalled`.
   */
  public readonly shipsDevicePlugin: boolean;
  /** The node IAM role. */
  public readonly nodeRole: aws.iam.Role;
  /** The EKS managed node group. */
  public readonly nodeGroup: aws.eks.NodeGroup;
  /** The launch template: IMDSv2 with hop limit 1, the volume, Bottlerocket settings when any. */
  public readonly launchTemplate: aws.ec2.LaunchTemplate;
  /** The Auto Scaling group tags, by tag key (empty when `tagAutoScalingGroup` is false). */
  public readonly autoScalingGroupTags: Readonly<Record<string, aws.autoscaling.Tag>>;
  /** Name of the EKS node group. */
  public readonly nodeGroupName: pulumi.Output<string>;
  /** ARN of the node IAM role. */
  public readonly nodeRoleArn: pulumi.Output<string>;
  /** Name of the Auto Scaling group EKS created for the node group. */
  public readonly autoScalingGroupName: pulumi.Output<string>;

  /**
   * @param name component name; prefix of every child name
   * @param args the pool description plus the cluster and subnets
   * @param opts pass `provider` (an `aws.Provider`) to target another account or region;
   *   `dependsOn` also orders the node group (pass the cluster)
   * @throws InferscaleValidationError listing every problem in `args`, before any resource is registered
   */
  public constructor(name: string, args: GpuNodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = [...checkClusterName('clusterName', args.clusterName)];
    if (Array.isArray(args.subnetIds) && args.subnetIds.length === 0) {
      problems.push({ path: 'subnetIds', message: 'is empty; expected at least one subnet for the nodes' });
    }
    const resolved = resolveGpuNodeGroup(args, args.clusterName, name);
    problems.push(...resolved.problems);
    if (!resolved.group || problems.length > 0) throw new InferscaleValidationError(`GpuNodeGroup ${show(name)}`, problems);
    const group = resolved.group;
    const pool = group.pool;

    super('inferscale:aws:GpuNodeGroup', name, {}, opts);
    this.spec = group;
    this.pool = pool;
    this.amiType = pool.ami;
    this.shipsDevicePlugin = pool.devicePluginPreinstalled;

    const awsOpts = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({ parent: this, ...(opts?.provider ? { provider: opts.provider } : {}), ...extra });
    const partition = args.partition ?? 'aws';
    const userTags = args.tags ?? {};

    this.nodeRole = new aws.iam.Role(`${name}-node-role`, {
      assumeRolePolicy: JSON.stringify(serviceTrustPolicy('ec2.amazonaws.com')),
      description: `Nodes of GPU pool ${pool.name} in EKS cluster ${args.clusterName}`,
      tags: { ...userTags },
    }, awsOpts());
    const attachments = group.managedPolicies.map((policy) => new aws.iam.RolePolicyAttachment(`${name}-node-role-${policy}`, {
      role: this.nodeRole.name,
      policyArn: managedPolicyArn(policy, partition),
    }, awsOpts()));

    this.launchTemplate = new aws.ec2.LaunchTemplate(`${name}-launch-template`, {
      ...nodeLaunchTemplateArgs({
        amiType: pool.ami,
        diskSizeGiB: pool.diskSizeGiB,
        ...(group.userData ? { userData: group.userData } : {}),
        description: `GPU pool ${pool.name} of EKS cluster ${args.clusterName}: IMDSv2 with hop limit 1, encrypted gp3 volume${group.userData ? ', Bottlerocket settings' : ''}`,
      }),
      tags: { ...userTags },
    }, awsOpts());

    const dependsOn = nodeGroupDependsOn(opts?.dependsOn, attachments);
    const logicalName = gpuNodeGroupLogicalName(name);
    this.nodeGroup = new aws.eks.NodeGroup(logicalName, {
      clusterName: args.clusterName,
      nodeRoleArn: this.nodeRole.arn,
      subnetIds: args.subnetIds,
      instanceTypes: [...group.instanceTypes],
      amiType: pool.ami,
      capacityType: pool.capacityType,
      // The launch template owns the volume; EKS rejects diskSize next to one.
      launchTemplate: { id: this.launchTemplate.id, version: this.launchTemplate.latestVersion.apply(String) },
      scalingConfig: {
        minSize: pool.minNodes,
        maxSize: pool.maxNodes,
        // The cluster autoscaler owns the node count: the live one goes back with new bounds.
        desiredSize: liveDesiredSize({
          clusterName: args.clusterName, logicalName, nodeRoleArn: this.nodeRole.arn, minSize: pool.minNodes, maxSize: pool.maxNodes, initialSize: pool.minNodes, dependsOn,
        }, { parent: this, ...(opts?.provider ? { provider: opts.provider } : {}) }),
      },
      updateConfig: { maxUnavailable: 1 },
      labels: { ...pool.labels },
      taints: pool.taints.map((t) => ({ key: t.key, value: t.value, effect: t.awsEffect })),
      tags: { ...group.tags },
      ...(args.kubernetesVersion !== undefined ? { version: args.kubernetesVersion } : {}),
    }, awsOpts({ dependsOn }));

    this.nodeGroupName = this.nodeGroup.nodeGroupName;
    this.nodeRoleArn = this.nodeRole.arn;
    this.autoScalingGroupName = this.nodeGroup.resources.apply((resources) => resources?.[0]?.autoscalingGroups?.[0]?.name ?? '');

    const asgTags: Record<string, aws.autoscaling.Tag> = {};
    if (args.tagAutoScalingGroup ?? true) {
      for (const [key, value] of Object.entries(group.autoScalingGroupTags)) {
        asgTags[key] = new aws.autoscaling.Tag(autoScalingGroupTagName(name, key), {
          autoscalingGroupName: this.autoScalingGroupName,
          // Only the autoscaler reads these; instances need not carry them.
          tag: { key, value, propagateAtLaunch: false },
        }, awsOpts());
      }
    }
    this.autoScalingGroupTags = asgTags;

    this.registerOutputs({
      nodeGroupName: this.nodeGroupName,
      nodeRoleArn: this.nodeRoleArn,
      autoScalingGroupName: this.autoScalingGroupName,
      amiType: this.amiType,
      shipsDevicePlugin: this.shipsDevicePlugin,
    });
  }
}
