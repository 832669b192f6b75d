import { Problem, show } from '../../core/problems';

/**
 * Cluster-autoscaler tags for Auto Scaling groups, as pure functions.
 *
 * Auto-discovery finds a group by the *presence* of two tag keys; scale-up from zero reads the
 * `node-template` tags to learn what a node of an empty group would offer (GPUs, labels,
 * taints), because there is no node to look at.
 *
 * @see https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/README.md#auto-discovery-setup
 */

/** Tag key prefix of every cluster-autoscaler tag. */
export const AUTOSCALER_TAG_PREFIX = 'k8s.io/cluster-autoscaler';

/** Key of the auto-discovery tag shared by all clusters. */
export const AUTOSCALER_ENABLED_TAG = `${AUTOSCALER_TAG_PREFIX}/enabled`;

/** Key of the auto-discovery tag of one cluster. */
export function autoscalerClusterTag(clusterName: string): string {
  return `${AUTOSCALER_TAG_PREFIX}/${clusterName}`;
}

/**
 * The `--node-group-auto-discovery` value that finds the groups of one cluster.
 */
export function autoDiscoveryFlag(clusterName: string): string {
  return `asg:tag=${AUTOSCALER_ENABLED_TAG},${autoscalerClusterTag(clusterName)}`;
}

/**
 * The two discovery tags (`enabled=true`, `<cluster>=owned`). EKS puts exactly these on the
 * Auto Scaling group of every managed node group, so they are never written to the group by
 * inferscale (a second owner would delete them on teardown); they are set on the node group
 * resource to document intent.
 */
export function discoveryTags(clusterName: string): Record<string, string> {
  return { [AUTOSCALER_ENABLED_TAG]: 'true', [autoscalerClusterTag(clusterName)]: 'owned' };
}

/** A Kubernetes taint. */
export interface NodeTaint {
  /** e.g. `nvidia.com/gpu`. */
  readonly key: string;
  /** e.g. `true`; may be empty. */
  readonly value?: string;
  /** Kubernetes spelling. */
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** What one node of a group offers, as the cluster autoscaler needs to know it at zero nodes. */
export interface NodeTemplate {
  /** Extended resources per node, e.g. `{ 'nvidia.com/gpu': '4' }`. */
  readonly resources: Readonly<Record<string, string>>;
  /** Node labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Node taints. */
  readonly taints: readonly NodeTaint[];
}

/**
 * The `node-template` tags for a node template:
 * `.../node-template/resources/<name>` = amount, `.../node-template/label/<key>` = value,
 * `.../node-template/taint/<key>` = `<value>:<effect>`.
 */
export function nodeTemplateTags(template: NodeTemplate): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [name, amount] of Object.entries(template.resources)) tags[`${AUTOSCALER_TAG_PREFIX}/node-template/resources/${name}`] = amount;
  for (const [key, value] of Object.entries(template.labels)) tags[`${AUTOSCALER_TAG_PREFIX}/node-template/label/${key}`] = value;
  for (const taint of template.taints) tags[`${AUTOSCALER_TAG_PREFIX}/node-template/taint/${taint.key}`] = `${taint.value ?? ''}:${taint.effect}`;
  return tags;
}

/** The EKS API spelling of a taint effect. */
export function eksTaintEffect(effect: NodeTaint['effect']): 'NO_SCHEDULE' | 'PREFER_NO_SCHEDULE' | 'NO_EXECUTE' {
  switch (effect) {
    case 'NoSchedule': return 'NO_SCHEDULE';
    case 'PreferNoSchedule': return 'PREFER_NO_SCHEDULE';
    case 'NoExecute': return 'NO_EXECUTE';
  }
}

/** AWS limits: 128 characters per tag key, 256 per value, 50 user tags per resource. */
export const TAG_LIMITS = { keyLength: 128, valueLength: 256, perResource: 50 } as const;

/**
 * Checks tags against the AWS limits. A label key long enough to break the 128-character tag
 * key limit once prefixed would otherwise fail only at `pulumi up`.
 *
 * @param path property path the tags come from, for the message
 */
export function checkTags(path: string, tags: Readonly<Record<string, string>>): Problem[] {
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(tags)) {
    if (key.length > TAG_LIMITS.keyLength) {
      problems.push({ path, message: `gives the tag key ${show(key)} of ${key.length} characters; AWS allows at most ${TAG_LIMITS.keyLength}. Shorten the label or taint key.` });
    }
    if (value.length > TAG_LIMITS.valueLength) {
      problems.push({ path, message: `gives the tag ${show(key)} a value of ${value.length} characters; AWS allows at most ${TAG_LIMITS.valueLength}` });
    }
  }
  const count = Object.keys(tags).length;
  if (count > TAG_LIMITS.perResource) {
    problems.push({ path, message: `gives ${count} tags; AWS allows at most ${TAG_LIMITS.perResource} per node group. Use fewer labels.` });
  }
  return problems;
}
