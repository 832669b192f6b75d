import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/**
 * Node group sizes after creation.
 *
 * The cluster autoscaler owns a node group's desired size, so the node groups ignore changes to
 * `scalingConfig.desiredSize`: `pulumi up` never resets the node count. EKS, however, requires
 * `minSize <= desiredSize <= maxSize` on every update, and the desired size sent along with new
 * bounds is the one Pulumi last recorded. Raising `minNodes` above the group's desired size, or
 * lowering `maxNodes` below it, would therefore be refused by EKS halfway through an update.
 *
 * inferscale refuses such a change before anything is updated: each node group reads its live
 * scaling configuration (`eks:ListNodegroups`, `eks:DescribeNodegroup`) and, when the new bounds
 * exclude the live desired size, fails with the command that moves the desired size inside the
 * new bounds and the `pulumi refresh` that records it. Within the bounds, nothing happens.
 *
 * The live group is found by the name Pulumi generated for it (logical name, a dash, seven
 * hexadecimal characters); with a project-wide autonaming pattern that differs, no group is
 * found and the check does nothing.
 */

/** A node group's scaling configuration. */
export interface NodeGroupScaling {
  /** Fewest nodes. */
  readonly minSize: number;
  /** Most nodes. */
  readonly maxSize: number;
  /** Nodes wanted now. */
  readonly desiredSize: number;
}

/**
 * The EKS name of the node group a Pulumi logical name auto-named: the logical name, a dash and
 * seven hexadecimal characters. Picks the one name among a cluster's node groups; undefined when
 * the group does not exist yet.
 */
export function autoNamedNodeGroup(logicalName: string, names: readonly string[]): string | undefined {
  return names.find((n) => n.length === logicalName.length + 8 && n.startsWith(`${logicalName}-`) && /^[0-9a-f]{7}$/.test(n.slice(logicalName.length + 1)));
}

/**
 * Why new bounds cannot be applied to a live group, with the commands that fix it; undefined
 * when the live desired size lies within them (or the group does not exist yet).
 */
export function scalingChangeProblem(clusterName: string, nodeGroupName: string, live: NodeGroupScaling | undefined, minSize: number, maxSize: number, region?: string): string | undefined {
  if (!live || (live.desiredSize >= minSize && live.desiredSize <= maxSize)) return undefined;
  const desired = Math.min(Math.max(live.desiredSize, minSize), maxSize);
  const which = live.desiredSize < minSize ? `minNodes ${minSize} is above` : `maxNodes ${maxSize} is below`;
  return `node group ${nodeGroupName} of cluster ${clusterName}: ${which} its live desired size ${live.desiredSize}, and EKS refuses bounds that exclude the desired size. `
    + 'Apply the new bounds with the desired size inside them, record that in the stack, and run pulumi up again:\n'
    + `  aws eks update-nodegroup-config${region ? ` --region ${region}` : ''} --cluster-name ${clusterName} --nodegroup-name ${nodeGroupName} --scaling-config minSize=${minSize},maxSize=${maxSize},desiredSize=${desired}\n`
    + '  pulumi refresh --yes';
}

/** What {@link guardScalingBounds} needs. */
export interface ScalingGuardArgs {
  /** The cluster's name; an output of the cluster when it is created in the same run. */
  readonly clusterName: pulumi.Input<string>;
  /** Pulumi logical name of the node group (its EKS name is auto-named from it). */
  readonly logicalName: string;
  /** New fewest nodes. */
  readonly minSize: number;
  /** New most nodes. */
  readonly maxSize: number;
  /** Resources the lookup waits for (the cluster). */
  readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/**
 * Reads the live group (when it exists) and resolves to `minSize`, or rejects with
 * {@link scalingChangeProblem}'s message when the new bounds exclude its desired size.
 */
export async function checkLiveScaling(clusterName: string, names: readonly string[], logicalName: string, minSize: number, maxSize: number, opts: pulumi.InvokeOptions): Promise<number> {
  const found = autoNamedNodeGroup(logicalName, names);
  if (found === undefined) return minSize;
  const group = await aws.eks.getNodeGroup({ clusterName, nodeGroupName: found }, opts);
  const problem = scalingChangeProblem(clusterName, found, group.scalingConfigs[0], minSize, maxSize, group.region);
  if (problem) throw new pulumi.RunError(problem);
  return minSize;
}

/**
 * `minSize` as an output that fails, before the node group is updated, when the new bounds
 * exclude the live desired size (see the module comment). Pass it as `scalingConfig.minSize`.
 */
export function guardScalingBounds(args: ScalingGuardArgs, opts: { parent?: pulumi.Resource; provider?: pulumi.ProviderResource }): pulumi.Output<number> {
  const invokeOpts: pulumi.InvokeOutputOptions = { ...opts, ...(args.dependsOn !== undefined ? { dependsOn: args.dependsOn } : {}) };
  const groups = aws.eks.getNodeGroupsOutput({ clusterName: args.clusterName }, invokeOpts);
  return pulumi.all([groups.clusterName, groups.names]).apply(([clusterName, names]) => checkLiveScaling(clusterName, names ?? [], args.logicalName, args.minSize, args.maxSize, opts));
}
