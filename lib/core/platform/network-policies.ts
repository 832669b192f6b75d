import { checkDnsLabel } from '../names';
import { Problem, show } from '../problems';

/**
 * Which traffic the platform's NetworkPolicies let in, besides what the platform itself needs.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export interface NetworkPoliciesProps {
  /**
   * Namespaces whose pods may call the inference services' HTTP port, besides each service's
   * own namespace: an ingress controller's or a gateway's namespace.
   * @default - none: only pods in the service's own namespace
   */
  readonly inferenceClientNamespaces?: readonly string[];
  /**
   * Namespaces whose pods may query the embedded Prometheus, besides the Prometheus Adapter:
   * Grafana's, for example.
   * @default - none: only the adapter
   */
  readonly prometheusClientNamespaces?: readonly string[];
  /**
   * Namespace of an existing Prometheus (kube-prometheus-stack) that scrapes the platform's
   * metrics ports; every pod in it may reach them, since the stack's pod labels are not the
   * platform's to rely on.
   * @default - the namespace in the stack's URL (`http://<service>.<namespace>.svc:9090`)
   */
  readonly prometheusNamespace?: string;
}

/** Pods a policy selects or admits, by namespace and labels. */
export interface NetworkPolicyPeer {
  /** Namespace of the pods; absent: the policy's own namespace. */
  readonly namespace?: string;
  /** Labels of the pods; absent: every pod of the namespace. */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** One ingress rule: these TCP ports, from these peers (no peers: from anywhere). */
export interface NetworkPolicyIngressRule {
  /** Container ports (TCP) the rule opens. */
  readonly ports: readonly number[];
  /** Who may connect; empty: any source, inside the cluster or not. */
  readonly from: readonly NetworkPolicyPeer[];
}

/** One NetworkPolicy: the pods it isolates and the ingress it allows them. */
export interface ResolvedNetworkPolicy {
  /** Object name (the name of the workload it guards). */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Labels of the pods the policy isolates. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Allowed ingress; anything else to these pods is dropped. */
  readonly ingress: readonly NetworkPolicyIngressRule[];
  /** Why the rules are what they are, for the object's annotation. */
  readonly reason: string;
}

/** A workload the platform runs, as the policies need it: where it is, what selects it, what it listens on. */
export interface NetworkPolicyWorkload {
  /** Name (also the policy's name). */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Labels selecting its pods. */
  readonly podLabels: Readonly<Record<string, string>>;
}

/** A workload that listens on one port the policies care about. */
export interface NetworkPolicyServer extends NetworkPolicyWorkload {
  /** Container port (TCP). */
  readonly port: number;
}

/** An inference service: its HTTP port and its metrics port (may be the same). */
export interface NetworkPolicyService extends NetworkPolicyServer {
  /** Container port Prometheus scrapes (TCP). */
  readonly metricsPort: number;
}

/** The Prometheus server the platform runs itself. */
export interface NetworkPolicyEmbeddedPrometheus {
  /** Discriminant. */
  readonly mode: 'embedded';
  /** Its pods. */
  readonly server: NetworkPolicyWorkload;
  /** Its web port (the adapter and named clients query it there). */
  readonly port: number;
}

/** A Prometheus the platform does not run (kube-prometheus-stack). */
export interface NetworkPolicyExternalPrometheus {
  /** Discriminant. */
  readonly mode: 'external';
  /** Its URL, which names its namespace when it is an in-cluster Service. */
  readonly url: string;
}

/** What {@link resolveNetworkPolicies} derives the policies from: the platform's parts. */
export interface NetworkPolicyPlatform {
  /** The Prometheus that scrapes: the embedded server, or an existing one. */
  readonly prometheus: NetworkPolicyEmbeddedPrometheus | NetworkPolicyExternalPrometheus;
  /** The Prometheus Adapter and its secure port. */
  readonly adapter?: NetworkPolicyServer;
  /** KEDA's namespace, when services scale through KEDA: its operator queries Prometheus. @default - no KEDA */
  readonly kedaNamespace?: string;
  /** The DCGM exporter and its metrics port, when deployed. */
  readonly dcgmExporter?: NetworkPolicyServer;
  /** kube-state-metrics and its metrics port, when deployed. */
  readonly kubeStateMetrics?: NetworkPolicyServer;
  /** metrics-server and its secure port, when deployed. */
  readonly metricsServer?: NetworkPolicyServer;
  /** Inference services. */
  readonly services: readonly NetworkPolicyService[];
}

/**
 * Resolves the ingress NetworkPolicies of a platform:
 * - metrics ports (each service's metrics port, the DCGM exporter) admit only Prometheus;
 * - each service's HTTP port admits its own namespace and `inferenceClientNamespaces`;
 * - the embedded Prometheus admits the adapter and `prometheusClientNamespaces`;
 * - the secure ports of the adapter and metrics-server admit any source: the API server
 *   reaches them through the aggregation layer, and on managed control planes (EKS) the API
 *   server is outside the pod network, at addresses no policy can name. Other ports stay closed.
 *
 * Only ingress is restricted: egress (DNS, model downloads, the API server) is left open.
 * Traffic from the node a pod runs on (kubelet probes) is always allowed by NetworkPolicy
 * semantics. Paths of problems are relative to `props`.
 */
export function resolveNetworkPolicies(props: NetworkPoliciesProps, platform: NetworkPolicyPlatform): {
  /** The policies, by namespace then name; absent when there is any problem. */
  policies?: ResolvedNetworkPolicy[];
  /** Every invalid prop, with its path relative to `props`; empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const clients = checkNamespaces('inferenceClientNamespaces', props.inferenceClientNamespaces, problems);
  const prometheusClients = checkNamespaces('prometheusClientNamespaces', props.prometheusClientNamespaces, problems);
  if (props.prometheusNamespace !== undefined) problems.push(...checkDnsLabel('prometheusNamespace', props.prometheusNamespace));
  let scraper: NetworkPolicyPeer | undefined;
  if (platform.prometheus.mode === 'embedded') {
    if (props.prometheusNamespace !== undefined) {
      problems.push({ path: 'prometheusNamespace', message: `is ${show(props.prometheusNamespace)}, but the platform runs its own Prometheus (in ${show(platform.prometheus.server.namespace)}); leave prometheusNamespace out` });
    }
    scraper = { namespace: platform.prometheus.server.namespace, podLabels: platform.prometheus.server.podLabels };
  } else {
    const namespace = props.prometheusNamespace ?? namespaceOfServiceUrl(platform.prometheus.url);
    if (namespace === undefined) {
      problems.push({ path: 'prometheusNamespace', message: `is not given, and the Prometheus URL ${show(platform.prometheus.url)} names no in-cluster Service (http://<service>.<namespace>.svc:<port>); give the namespace whose pods scrape the metrics ports, or turn networkPolicies off` });
    } else {
      scraper = { namespace };
    }
  }
  if (problems.length > 0 || !scraper) return { problems };

  const policies: ResolvedNetworkPolicy[] = [];
  for (const s of platform.services) {
    const callers: NetworkPolicyPeer[] = [{ namespace: s.namespace }, ...clients.filter((n) => n !== s.namespace).map((namespace) => ({ namespace }))];
    const ingress: NetworkPolicyIngressRule[] = s.metricsPort === s.port
      ? [{ ports: [s.port], from: [...callers, scraper] }]
      : [{ ports: [s.port], from: callers }, { ports: [s.metricsPort], from: [scraper] }];
    policies.push({
      name: s.name,
      namespace: s.namespace,
      podLabels: s.podLabels,
      ingress,
      reason: 'The model server answers its own namespace and the client namespaces named in networkPolicies.inferenceClientNamespaces; its metrics port answers Prometheus only.',
    });
  }
  if (platform.dcgmExporter) {
    const d = platform.dcgmExporter;
    policies.push({ name: d.name, namespace: d.namespace, podLabels: d.podLabels, ingress: [{ ports: [d.port], from: [scraper] }], reason: 'GPU metrics answer Prometheus only.' });
  }
  if (platform.kubeStateMetrics) {
    const k = platform.kubeStateMetrics;
    policies.push({ name: k.name, namespace: k.namespace, podLabels: k.podLabels, ingress: [{ ports: [k.port], from: [scraper] }], reason: 'Cluster state metrics answer Prometheus only (its telemetry port answers nobody but the kubelet\'s probes).' });
  }
  if (platform.prometheus.mode === 'embedded') {
    const p = platform.prometheus.server;
    const a = platform.adapter;
    const keda = platform.kedaNamespace;
    policies.push({
      name: p.name,
      namespace: p.namespace,
      podLabels: p.podLabels,
      ingress: [{
        ports: [platform.prometheus.port],
        from: [
          ...(a ? [{ namespace: a.namespace, podLabels: a.podLabels }] : []),
          ...(keda !== undefined ? [{ namespace: keda }] : []),
          ...prometheusClients.map((namespace) => ({ namespace })),
        ],
      }],
      reason: `Prometheus answers ${[a ? 'the Prometheus Adapter' : '', keda !== undefined ? 'KEDA (its operator runs the ScaledObjects\' queries)' : ''].filter(Boolean).join(' and ') || 'nobody inside the platform'} and the namespaces named in networkPolicies.prometheusClientNamespaces.`,
    });
  }
  for (const [server, what] of [[platform.adapter, 'the adapter'], [platform.metricsServer, 'metrics-server']] as const) {
    if (!server) continue;
    policies.push({
      name: server.name,
      namespace: server.namespace,
      podLabels: server.podLabels,
      ingress: [{ ports: [server.port], from: [] }],
      reason: `The API server reaches ${what} through the aggregation layer from addresses outside the pod network (on EKS, the control plane), which no policy can name: the secure port admits any source, every other port none.`,
    });
  }
  policies.sort((x, y) => (x.namespace === y.namespace ? compare(x.name, y.name) : compare(x.namespace, y.namespace)));
  return { policies, problems: [] };
}

/**
 * The namespace of an in-cluster Service URL (`http://<service>.<namespace>.svc[.cluster.local][:port][/path]`),
 * or `undefined` when the host is not one.
 */
export function namespaceOfServiceUrl(url: string): string | undefined {
  const match = /^https?:\/\/[a-z0-9]([-a-z0-9]*[a-z0-9])?\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.[a-z0-9.-]+)?(:[0-9]+)?(\/.*)?$/.exec(url);
  return match ? match[2] : undefined;
}

function checkNamespaces(path: string, value: readonly string[] | undefined, problems: Problem[]): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push({ path, message: `is ${show(value)}; expected a list of namespace names` });
    return [];
  }
  value.forEach((n, i) => {
    problems.push(...checkDnsLabel(`${path}[${i}]`, n));
    if (value.indexOf(n) !== i) problems.push({ path: `${path}[${i}]`, message: `is ${show(n)}, already listed at ${path}[${value.indexOf(n)}]; list each namespace once` });
  });
  return [...new Set(value)].sort();
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
