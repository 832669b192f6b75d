/**
 * kube-state-metrics, resolved: the defaults of the `KubeStateMetrics` construct and the checks
 * on its props, without cdk8s. It runs only the collectors the alerts and the dashboard read
 * (HPAs, pods, Deployments, nodes), so its RBAC lists and watches those four resources and
 * nothing else. Ports, probes and the security context follow upstream's
 * `examples/standard/deployment.yaml` at v2.17.0.
 * @see https://github.com/kubernetes/kube-state-metrics/tree/v2.17.0/examples/standard
 * @see https://github.com/kubernetes/kube-state-metrics/blob/v2.17.0/docs/developer/cli-arguments.md
 * @module
 */
import { IMAGES } from '../images';
import { checkDnsLabel } from '../names';
import { Problem, show } from '../problems';
import { ResolvedResources, resolveResources, ResourcesProps } from '../resources';

/** Props of the `KubeStateMetrics` construct. */
export interface KubeStateMetricsProps {
  /** Name of its Deployment, Service and ServiceAccount; the ClusterRole is `<namespace>-<name>`. @default "kube-state-metrics" */
  readonly name?: string;
  /** Namespace (the embedded Prometheus'). @default "monitoring" */
  readonly namespace?: string;
  /** Container image. @default - the pinned `IMAGES.kubeStateMetrics` */
  readonly image?: string;
  /**
   * CPU and memory. kube-prometheus requests 10m and 190Mi and limits 100m and 250Mi; memory
   * grows with the number of objects watched.
   * @default { cpu: { request: "10m", limit: "100m" }, memory: { request: "190Mi", limit: "250Mi" } }
   */
  readonly resources?: ResourcesProps;
}

/** One rule of the ClusterRole. */
export interface KubeStateMetricsRbacRule {
  /** API group (`""` for the core group). */
  readonly apiGroup: string;
  /** Resources of that group. */
  readonly resources: readonly string[];
}

/** Every default of {@link KubeStateMetricsProps} resolved. */
export interface ResolvedKubeStateMetrics {
  /** Name of the Deployment, Service and ServiceAccount. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** ClusterRole and ClusterRoleBinding name. */
  readonly clusterRoleName: string;
  /** Container image. */
  readonly image: string;
  /** Container args. */
  readonly args: readonly string[];
  /** Port serving the object metrics (`http-metrics`). */
  readonly metricsPort: number;
  /** Port serving its own metrics and `/readyz` (`telemetry`). */
  readonly telemetryPort: number;
  /** What the ClusterRole may list and watch: exactly the collectors' resources. */
  readonly rbac: readonly KubeStateMetricsRbacRule[];
  /** Requests and limits. */
  readonly resources: ResolvedResources;
  /** Labels selecting its pod. */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** Labels of every object. */
  readonly labels: Readonly<Record<string, string>>;
}

/** One kube-state-metrics collector and the resource its informer lists and watches. */
export interface KubeStateMetricsCollector {
  /** Name in `--resources`. */
  readonly collector: string;
  /** API group of the resource (`""` for the core group). */
  readonly apiGroup: string;
  /** Resource, plural. */
  readonly resource: string;
}

/**
 * The collectors, each with the API group its informer watches. Only what the alerts and the
 * dashboard read: HPA conditions and replica counts, pod phases and GPU requests, Deployment
 * availability, node GPU capacity and instance type.
 */
export const KUBE_STATE_METRICS_COLLECTORS: readonly KubeStateMetricsCollector[] = Object.freeze([
  { collector: 'deployments', apiGroup: 'apps', resource: 'deployments' },
  { collector: 'horizontalpodautoscalers', apiGroup: 'autoscaling', resource: 'horizontalpodautoscalers' },
  { collector: 'nodes', apiGroup: '', resource: 'nodes' },
  { collector: 'pods', apiGroup: '', resource: 'pods' },
]);

/** Node labels kept on `kube_node_labels` (the dashboard counts GPU nodes by instance type). */
export const KUBE_STATE_METRICS_NODE_LABELS: readonly string[] = Object.freeze(['node.kubernetes.io/instance-type']);

/** Upstream's ports. */
const METRICS_PORT = 8080;
const TELEMETRY_PORT = 8081;

/** Resolves every default of kube-state-metrics and checks every prop (paths relative to the props). */
export function resolveKubeStateMetrics(props: KubeStateMetricsProps = {}): {
  /** kube-state-metrics with every default filled in; absent when there is any problem. */
  spec?: ResolvedKubeStateMetrics;
  /** Every invalid prop, with its path relative to the props; empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const name = props.name ?? 'kube-state-metrics';
  const namespace = props.namespace ?? 'monitoring';
  problems.push(...checkDnsLabel('name', name), ...checkDnsLabel('namespace', namespace));
  const image = props.image ?? IMAGES.kubeStateMetrics;
  if (typeof image !== 'string' || !image || /\s/.test(image)) {
    problems.push({ path: 'image', message: `is ${show(image)}; expected an image reference such as ${show(IMAGES.kubeStateMetrics)}` });
  }
  // kube-prometheus' figures (jsonnet/kube-prometheus/components/kube-state-metrics.libsonnet).
  const resources = resolveResources('resources', props.resources, { cpu: { request: '10m', limit: '100m' }, memory: { request: '190Mi', limit: '250Mi' } });
  problems.push(...resources.problems);
  if (problems.length) return { problems };

  const groups = [...new Set(KUBE_STATE_METRICS_COLLECTORS.map((c) => c.apiGroup))].sort();
  return {
    problems: [],
    spec: {
      name,
      namespace,
      clusterRoleName: `${namespace}-${name}`,
      image,
      args: [
        `--port=${METRICS_PORT}`,
        `--telemetry-port=${TELEMETRY_PORT}`,
        `--resources=${KUBE_STATE_METRICS_COLLECTORS.map((c) => c.collector).join(',')}`,
        `--metric-labels-allowlist=nodes=[${KUBE_STATE_METRICS_NODE_LABELS.join(',')}]`,
      ],
      metricsPort: METRICS_PORT,
      telemetryPort: TELEMETRY_PORT,
      rbac: groups.map((apiGroup) => ({ apiGroup, resources: KUBE_STATE_METRICS_COLLECTORS.filter((c) => c.apiGroup === apiGroup).map((c) => c.resource).sort() })),
      resources: resources.resources,
      selectorLabels: { 'app.kubernetes.io/name': 'kube-state-metrics', 'app.kubernetes.io/instance': name },
      labels: {
        'app.kubernetes.io/component': 'exporter',
        'app.kubernetes.io/instance': name,
        'app.kubernetes.io/managed-by': 'inferscale',
        'app.kubernetes.io/name': 'kube-state-metrics',
      },
    },
  };
}
