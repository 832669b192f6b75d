import { k8s } from 'cdk8s-plus-27';

/**
 * The container securityContext every inferscale workload outside the GPU system namespace
 * uses: what Pod Security "restricted" requires (no privilege escalation, all capabilities
 * dropped, non-root, RuntimeDefault seccomp), written out in full.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export function restrictedContainerSecurityContext(readOnlyRootFilesystem: boolean): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
