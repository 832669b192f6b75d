/** A Pod Security Standards level a namespace can enforce. */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/**
 * Version of the Pod Security Standards every namespace inferscale creates pins, for all three
 * modes: the Kubernetes minor version the manifests are checked against. Pinned rather than
 * `latest`, so a control-plane upgrade that tightens a level cannot start rejecting running
 * workloads' new pods; raise it with the schema version.
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/enforce-standards-namespace-labels/
 */
export const POD_SECURITY_VERSION = 'v1.33';

/**
 * The Pod Security labels of a namespace: `enforce`, `warn` and `audit` at one level, each with
 * its `-version`. `enforce` checks pods only; `warn` and `audit` also check the pod templates
 * of Deployments and DaemonSets, so a template that breaks the level is reported when it is
 * applied (a warning in `kubectl apply`, an audit annotation) instead of failing silently
 * later, when its ReplicaSet cannot create pods.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces
 */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ['audit', 'enforce', 'warn'] as const) {
    labels[`pod-security.kubernetes.io/${mode}`] = level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = POD_SECURITY_VERSION;
  }
  return labels;
}
