import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { show } from '../../core/problems';

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
 * The live group is looked up among the cluster's node groups, in this order:
 *
 * 1. by the name Pulumi generates by default (the logical name, a dash, seven hexadecimal
 *    characters), when exactly one group has it: a single `eks:DescribeNodegroup`;
 * 2. otherwise every group of the cluster is described, and the one whose
 *    {@link LOGICAL_NAME_TAG} tag names the logical name is taken. Every node group inferscale
 *    creates carries that tag, so a project-wide autonaming pattern (`pulumi:autonaming`), or a
 *    name set by a transform, does not hide the group;
 * 3. when no group carries the tag, the one that runs on the node IAM role created with the node
 *    group (each inferscale node group has its own). This finds a group created before the tag
 *    existed under a name of its own, on the run that adds the tag, and a group whose logical name
 *    changed through an alias; neither would be found by name or tag.
 *
 * No group found means a new one: it gets its initial size. Steps 2 and 3 leave out groups being
 * deleted. Two or more groups in step 2 or 3 fail the run with their names rather than guess
 * which one Pulumi manages: two stacks that put node groups of one logical name into one
 * cluster, or a replacement that left the old group behind.
 *
 * What remains: steps 2 and 3 describe every node group of the cluster, once for each node group
 * of the stack that is not auto-named, on every preview and update; with many groups, that is
 * many EKS API calls, and whoever deploys needs `eks:DescribeNodegroup` on all of them. A caller
 * of {@link liveDesiredSize} that gives no `nodeRoleArn` skips step 3: a group created before
 * the tag existed, under a name of its own, then gets its initial size once, on the run that
 * adds the tag.
 */

/**
 * AWS tag every node group inferscale creates carries, naming its Pulumi logical name: how the
 * live group is found when its EKS name is not Pulumi's default auto-name.
 */
export const LOGICAL_NAME_TAG = 'inferscale.io/pulumi-logical-name';

/** The tag that names a node group's Pulumi logical name ({@link LOGICAL_NAME_TAG}). */
export function logicalNameTag(logicalName: string): Record<string, string> {
  return { [LOGICAL_NAME_TAG]: logicalName };
}

/** A node group's scaling configuration. */
export interface NodeGroupScaling {
  /** Fewest nodes. */
  readonly minSize: number;
  /** Most nodes. */
  readonly maxSize: number;
  /** Nodes wanted now. */
  readonly desiredSize: number;
}

/** What the lookup reads of one of the cluster's node groups (`eks:DescribeNodegroup`). */
export interface LiveNodeGroup {
  /** EKS name of the node group. */
  readonly name: string;
  /** EKS status, e.g. `ACTIVE` or `DELETING`. */
  readonly status: string;
  /** AWS tags of the node group. */
  readonly tags: Readonly<Record<string, string>>;
  /** ARN of the node IAM role. */
  readonly nodeRoleArn: string;
  /** Scaling configuration; absent when EKS reports none. */
  readonly scaling?: NodeGroupScaling;
}

/** Statuses of a group on its way out: its size is not the one to carry on. */
const LEAVING_STATUSES: ReadonlySet<string> = new Set(['DELETING', 'DELETE_FAILED']);

/**
 * The EKS name of the node group a Pulumi logical name auto-named: the logical name, a dash and
 * seven hexadecimal characters. Undefined when no name among the cluster's node groups has that
 * form (the group does not exist yet, or is named otherwise) and when several do (the tags then
 * tell them apart).
 */
export function autoNamedNodeGroup(logicalName: string, names: readonly string[]): string | undefined {
  const matches = names.filter((n) => n.length === logicalName.length + 8 && n.startsWith(`${logicalName}-`) && /^[0-9a-f]{7}$/.test(n.slice(logicalName.length + 1)));
  return matches.length === 1 ? matches[0] : undefined;
}

/** `"a"`, `"a" and "b"`, `"a", "b" and "c"`. */
function nameList(names: readonly string[]): string {
  const shown = names.map(show);
  return shown.length < 2 ? shown.join('') : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

/**
 * Picks the live group of a logical name among the cluster's described node groups, when it is
 * not found by its auto-name (steps 2 and 3 of the module comment): the one whose
 * {@link LOGICAL_NAME_TAG} tag names `logicalName`; when none does, the one on `nodeRoleArn`.
 * Groups being deleted are left out.
 *
 * @returns the group, or undefined when none matches (a new group)
 * @throws Error naming every group when several match
 */
export function pickLiveNodeGroup(clusterName: string, logicalName: string, groups: readonly LiveNodeGroup[], nodeRoleArn?: string): LiveNodeGroup | undefined {
  const staying = groups.filter((g) => !LEAVING_STATUSES.has(g.status));
  const owner = `NodeGroup ${show(logicalName)}`;
  const tag = `${LOGICAL_NAME_TAG}=${logicalName}`;
  const tagged = staying.filter((g) => g.tags[LOGICAL_NAME_TAG] === logicalName);
  if (tagged.length > 1) {
    throw new Error(`${owner}: the node groups ${nameList(tagged.map((g) => g.name))} of EKS cluster ${show(clusterName)} carry the tag ${tag}, so which one's live size to keep is ambiguous. `
      + 'Delete the one no Pulumi stack manages, or remove the tag from it (aws eks untag-resource); two stacks that share a cluster need node groups of different logical names.');
  }
  if (tagged.length === 1) return tagged[0];
  if (nodeRoleArn === undefined) return undefined;
  const onRole = staying.filter((g) => g.nodeRoleArn === nodeRoleArn);
  if (onRole.length > 1) {
    throw new Error(`${owner}: none of the node groups of EKS cluster ${show(clusterName)} carries the tag ${tag}, and ${nameList(onRole.map((g) => g.name))} run on its node role ${nodeRoleArn}, so which one's live size to keep is ambiguous. `
      + 'Tag the one this stack manages with that tag (aws eks tag-resource) and run again.');
  }
  return onRole[0];
}

/**
 * The desired size to send with new bounds: the live one, moved inside `[minSize, maxSize]`;
 * `initialSize` when the group does not exist yet.
 */
export function desiredSizeWithin(live: NodeGroupScaling | undefined, minSize: number, maxSize: number, initialSize: number): number {
  if (!live) return initialSize;
  return Math.min(Math.max(live.desiredSize, minSize), maxSize);
}

/** What {@link readDesiredSize} needs, every value known. */
export interface DesiredSizeQuery {
  /** Pulumi logical name of the node group (its EKS name is auto-named from it by default). */
  readonly logicalName: string;
  /**
   * ARN of the node IAM role created with the node group, which no other group uses: finds the
   * group when none carries its {@link LOGICAL_NAME_TAG} tag yet (one created before the tag
   * existed, under a name of its own).
   * @default - such a group is not found and gets its initial size once
   */
  readonly nodeRoleArn?: string;
  /** New fewest nodes. */
  readonly minSize: number;
  /** New most nodes. */
  readonly maxSize: number;
  /** Nodes when the group is created. */
  readonly initialSize: number;
}

/** What {@link liveDesiredSize} needs. */
export interface DesiredSizeArgs extends Omit<DesiredSizeQuery, 'nodeRoleArn'> {
  /** The cluster's name; an output of the cluster when it is created in the same run. */
  readonly clusterName: pulumi.Input<string>;
  /**
   * ARN of the node IAM role created with the node group (see {@link DesiredSizeQuery.nodeRoleArn}).
   * @default - groups are found by auto-name and tag only
   */
  readonly nodeRoleArn?: pulumi.Input<string>;
  /** Resources the lookup waits for (the cluster). */
  readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/**
 * Finds the live group of `query.logicalName` among the cluster's node group `names`, in the
 * order the module comment gives: auto-name, tag, node role.
 *
 * @returns the group, or undefined when it does not exist yet
 * @throws Error naming every group when several carry its tag or, with none tagged, several run
 *   on its role
 */
export async function findLiveNodeGroup(clusterName: string, names: readonly string[], query: Pick<DesiredSizeQuery, 'logicalName' | 'nodeRoleArn'>, opts: pulumi.InvokeOptions): Promise<LiveNodeGroup | undefined> {
  const describe = async (nodeGroupName: string): Promise<LiveNodeGroup> => {
    const group = await aws.eks.getNodeGroup({ clusterName, nodeGroupName }, opts);
    const scaling = group.scalingConfigs[0];
    return { name: nodeGroupName, status: group.status, tags: group.tags ?? {}, nodeRoleArn: group.nodeRoleArn, ...(scaling ? { scaling } : {}) };
  };
  const autoNamed = autoNamedNodeGroup(query.logicalName, names);
  if (autoNamed !== undefined) return describe(autoNamed);
  if (names.length === 0) return undefined;
  return pickLiveNodeGroup(clusterName, query.logicalName, await Promise.all(names.map(describe)), query.nodeRoleArn);
}

/**
 * Finds the live group among the cluster's `names` ({@link findLiveNodeGroup}) and resolves to
 * {@link desiredSizeWithin} of it.
 */
export async function readDesiredSize(clusterName: string, names: readonly string[], query: DesiredSizeQuery, opts: pulumi.InvokeOptions): Promise<number> {
  const live = await findLiveNodeGroup(clusterName, names, query, opts);
  return desiredSizeWithin(live?.scaling, query.minSize, query.maxSize, query.initialSize);
}

/**
 * The node group's desired size as an output: the live size within the new bounds, or the
 * initial size for a new group (see the module comment). Pass it as `scalingConfig.desiredSize`,
 * without `ignoreChanges`, and tag the node group with {@link logicalNameTag} of the same
 * logical name.
 */
export function liveDesiredSize(args: DesiredSizeArgs, opts: { parent?: pulumi.Resource; provider?: pulumi.ProviderResource }): pulumi.Output<number> {
  const invokeOpts: pulumi.InvokeOutputOptions = { ...opts, ...(args.dependsOn !== undefined ? { dependsOn: args.dependsOn } : {}) };
  const groups = aws.eks.getNodeGroupsOutput({ clusterName: args.clusterName }, invokeOpts);
  return pulumi.all([groups.clusterName, groups.names, args.nodeRoleArn]).apply(([clusterName, names, nodeRoleArn]) => readDesiredSize(clusterName, names ?? [], {
    logicalName: args.logicalName,
    ...(nodeRoleArn !== undefined ? { nodeRoleArn } : {}),
    minSize: args.minSize,
    maxSize: args.maxSize,
    initialSize: args.initialSize,
  }, opts));
}
