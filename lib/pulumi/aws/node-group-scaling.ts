import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/**
 * Node group sizes after creation.
 *
 * The cluster autoscaler owns a node group's desired size. Pulumi must not move it, yet the AWS
 * provider sends the whole scaling configuration (`minSize`, `maxSize` and `desiredSize`) with
 * every change of the bounds. With `ignoreChanges` on the desired size, the one sent is the one
 * Pulumi recorded, stale unless the stack was refreshed: raising `maxNodes` from 4 to 6 would set
 * a group the autoscaler had grown to 3 nodes back to its size at creation, 0, and take down
 * every GPU node and the replicas on it.
 *
 * So each node group reads its live scaling configuration (`eks:ListNodegroups`,
 * `eks:DescribeNodegroup`) on every run and asks for that size, moved inside the new bounds
 * when they exclude it (EKS requires `minSize <= desiredSize <= maxSize`): unchanged bounds
 * leave the node count as it is, a higher `minNodes` adds nodes and a lower `maxNodes` removes
 * them, as the new bounds say. A group that does not exist yet gets its initial size.
 *
 * The live group is found by the name Pulumi generated for it (logical name, a dash, seven
 * hexadecimal characters). A project-wide autonaming pattern that names node groups otherwise
 * hides the live group, and its initial size would be sent with every change: keep Pulumi's
 * default autonaming for node groups.
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
 * The desired size to send with new bounds: the live one, moved inside `[minSize, maxSize]`;
 * `initialSize` when the group does not exist yet.
 */
export function desiredSizeWithin(live: NodeGroupScaling | undefined, minSize: number, maxSize: number, initialSize: number): number {
  if (!live) return initialSize;
  return Math.min(Math.max(live.desiredSize, minSize), maxSize);
}

/** What {@link liveDesiredSize} needs. */
export interface DesiredSizeArgs {
  /** The cluster's name; an output of the cluster when it is created in the same run. */
  readonly clusterName: pulumi.Input<string>;
  /** Pulumi logical name of the node group (its EKS name is auto-named from it). */
  readonly logicalName: string;
  /** New fewest nodes. */
  readonly minSize: number;
  /** New most nodes. */
  readonly maxSize: number;
  /** Nodes when the group is created. */
  readonly initialSize: number;
  /** Resources the lookup waits for (the cluster). */
  readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/**
 * Reads the live group among the cluster's `names` (when it exists) and resolves to
 * {@link desiredSizeWithin} of it.
 */
export async function readDesiredSize(clusterName: string, names: readonly string[], args: Pick<DesiredSizeArgs, 'logicalName' | 'minSize' | 'maxSize' | 'initialSize'>, opts: pulumi.InvokeOptions): Promise<number> {
  const found = autoNamedNodeGroup(args.logicalName, names);
  const live = found === undefined ? undefined : (await aws.eks.getNodeGroup({ clusterName, nodeGroupName: found }, opts)).scalingConfigs[0];
  return desiredSizeWithin(live, args.minSize, args.maxSize, args.initialSize);
}

/**
 * The node group's desired size as an output: the live size within the new bounds, or the
 * initial size for a new group (see the module comment). Pass it as `scalingConfig.desiredSize`,
 * without `ignoreChanges`.
 */
export function liveDesiredSize(args: DesiredSizeArgs, opts: { parent?: pulumi.Resource; provider?: pulumi.ProviderResource }): pulumi.Output<number> {
  const invokeOpts: pulumi.InvokeOutputOptions = { ...opts, ...(args.dependsOn !== undefined ? { dependsOn: args.dependsOn } : {}) };
  const groups = aws.eks.getNodeGroupsOutput({ clusterName: args.clusterName }, invokeOpts);
  return pulumi.all([groups.clusterName, groups.names]).apply(([clusterName, names]) => readDesiredSize(clusterName, names ?? [], args, opts));
}
