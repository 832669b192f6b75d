import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  NetworkPoliciesProps,
  NetworkPolicyPeer,
  NetworkPolicyPlatform,
  ResolvedNetworkPolicy,
  resolveNetworkPolicies,
} from '../core/platform/network-policies';
import { InferscaleValidationError } from '../core/problems';

export { namespaceOfServiceUrl, resolveNetworkPolicies } from '../core/platform/network-policies';
export type {
  NetworkPoliciesProps, NetworkPolicyEmbeddedPrometheus, NetworkPolicyExternalPrometheus, NetworkPolicyIngressRule, NetworkPolicyPeer,
  NetworkPolicyPlatform, NetworkPolicyServer, NetworkPolicyService, NetworkPolicyWorkload, ResolvedNetworkPolicy,
} from '../core/platform/network-policies';

/** Props of {@link PlatformNetworkPolicies}. */
export interface PlatformNetworkPoliciesProps extends NetworkPoliciesProps {
  /** The platform's parts the policies guard and admit. */
  readonly platform: NetworkPolicyPlatform;
}

/** Label key the API server sets on every namespace to its name (Kubernetes 1.22 and later). */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * Ingress NetworkPolicies for every part of an inference platform (see
 * `resolveNetworkPolicies`): metrics ports answer Prometheus only, Prometheus answers the
 * adapter and the namespaces named, model servers answer their namespace and the client
 * namespaces named, the adapter's secure port answers the API server from wherever it is.
 *
 * NetworkPolicies do nothing unless the cluster's network plugin enforces them: on EKS, turn on
 * the VPC CNI's network policy agent (`enableNetworkPolicy`), or run Calico or Cilium.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 * @see https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy.html
 */
export class PlatformNetworkPolicies extends Construct {
  /** The resolved policies, by namespace then name: what the objects below were rendered from. */
  public readonly spec: readonly ResolvedNetworkPolicy[];
  /** The NetworkPolicy objects, in `spec` order. */
  public readonly policies: readonly k8s.KubeNetworkPolicy[];

  /**
   * @throws InferscaleValidationError listing every problem in `props`, prefixed with the construct path
   */
  public constructor(scope: Construct, id: string, props: PlatformNetworkPoliciesProps) {
    super(scope, id);
    const { platform, ...options } = props;
    const { policies, problems } = resolveNetworkPolicies(options, platform);
    if (!policies) throw new InferscaleValidationError(`PlatformNetworkPolicies "${this.node.path}"`, problems);
    this.spec = policies;
    this.policies = policies.map((p) => new k8s.KubeNetworkPolicy(this, `${p.namespace}-${p.name}`, {
      metadata: {
        name: p.name,
        namespace: p.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'inferscale' },
        annotations: { 'inferscale.io/network-policy-reason': p.reason },
      },
      spec: {
        podSelector: { matchLabels: { ...p.podLabels } },
        policyTypes: ['Ingress'],
        ingress: p.ingress.map((rule) => ({
          ports: rule.ports.map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })),
          ...(rule.from.length ? { from: rule.from.map((peer) => renderPeer(peer, p.namespace)) } : {}),
        })),
      },
    }));
  }
}

function renderPeer(peer: NetworkPolicyPeer, policyNamespace: string): k8s.NetworkPolicyPeer {
  const podSelector: k8s.LabelSelector = peer.podLabels ? { matchLabels: { ...peer.podLabels } } : {};
  if (peer.namespace === undefined || peer.namespace === policyNamespace) return { podSelector };
  return {
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: peer.namespace } },
    ...(peer.podLabels ? { podSelector } : {}),
  };
}
