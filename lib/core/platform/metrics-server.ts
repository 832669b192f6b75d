/**
 * metrics-server, resolved: every default of the `MetricsServer` construct and every check on
 * its props, without cdk8s. Figures and flags follow the upstream high-availability release
 * manifests of kubernetes-sigs/metrics-server v0.9.0 (`manifests/base/*.yaml`,
 * `manifests/components/high-availability/*.yaml`).
 * @see https://github.com/kubernetes-sigs/metrics-server/tree/v0.9.0/manifests
 * @module
 */
import { IMAGES } from '../images';
import { checkDnsLabel, isDnsSubdomain } from '../names';
import { Problem, show } from '../problems';
import { ResolvedResources, resolveResources, ResourcesProps } from '../resources';

/** Props of the `MetricsServer` construct. */
export interface MetricsServerProps {
  /** Name of the Deployment, Service, ServiceAccount and PodDisruptionBudget; the RBAC objects derive theirs from it. @default "metrics-server" */
  readonly name?: string;
  /** Namespace, as upstream: where every tool expects metrics-server. @default "kube-system" */
  readonly namespace?: string;
  /**
   * Replicas, 2 or more. While no replica answers, every HPA with a Resource metric stops
   * scaling down and `kubectl top` fails; the PodDisruptionBudget keeps one up during drains.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * How often metrics-server scrapes every kubelet (`--metric-resolution`), in whole seconds.
   * At least 12: metrics-server refuses a resolution below 10 s, or whose 90 % is below the
   * kubelet request timeout (10 s).
   * @default 15
   */
  readonly metricResolutionSeconds?: number;
  /**
   * Skip verifying the kubelets' serving certificates (`--kubelet-insecure-tls`). Only for
   * clusters whose kubelets serve self-signed certificates (kind, minikube, some kubeadm
   * setups); EKS, GKE and AKS kubelets do not need it.
   * @default false
   */
  readonly kubeletInsecureTls?: boolean;
  /** Priority class, as upstream: metrics-server is needed to scale everything else. @default "system-cluster-critical" */
  readonly priorityClassName?: string;
  /** Container image. @default - the pinned `IMAGES.metricsServer` */
  readonly image?: string;
  /**
   * CPU and memory. Upstream requests 100m and 200Mi and sets no limit; memory grows with the
   * number of nodes and pods.
   * @default { cpu: { request: "100m" }, memory: { request: "200Mi" } }
   */
  readonly resources?: ResourcesProps;
}

/** Every default of {@link MetricsServerProps} resolved. */
export interface ResolvedMetricsServer {
  /** Name of the Deployment, Service, ServiceAccount and PodDisruptionBudget. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Replicas. */
  readonly replicas: number;
  /** `--metric-resolution`, in seconds. */
  readonly metricResolutionSeconds: number;
  /** Priority class. */
  readonly priorityClassName: string;
  /** Container image. */
  readonly image: string;
  /** The container args. */
  readonly args: readonly string[];
  /** Port the container serves HTTPS on (the Service maps 443 to it). */
  readonly securePort: number;
  /** Requests and limits as Kubernetes quantities, by resource. */
  readonly resources: ResolvedResources;
  /** Labels selecting the pods (stable: never change them on a live Deployment). */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** Labels on every object and pod. */
  readonly labels: Readonly<Record<string, string>>;
  /** Names of the cluster-scoped and kube-system objects. */
  readonly rbacNames: {
    /** ClusterRole and ClusterRoleBinding reading nodes, pods and `nodes/metrics`. */
    readonly clusterRole: string;
    /** ClusterRoleBinding to `system:auth-delegator`. */
    readonly authDelegator: string;
    /** RoleBinding (in kube-system) to `extension-apiserver-authentication-reader`. */
    readonly authReader: string;
  };
}

/** Group and version metrics-server serves, and the APIService naming them. */
export const RESOURCE_METRICS_API = Object.freeze({
  /** API group. */
  group: 'metrics.k8s.io',
  /** API version. */
  version: 'v1beta1',
  /** APIService name (`<version>.<group>`). */
  apiService: 'v1beta1.metrics.k8s.io',
});

/**
 * The ClusterRole that lets every `view`, `edit` and `admin` user read `metrics.k8s.io`
 * (`kubectl top`), named as upstream so that a cluster provider's copy is the same object.
 */
export const AGGREGATED_METRICS_READER = 'system:aggregated-metrics-reader';

/** Container port, as upstream (the kubelet's own port, which EKS and GKE firewalls open to the control plane). */
const SECURE_PORT = 10250;
/** metrics-server refuses `--metric-resolution` below 10 s, or with 90 % of it below `--kubelet-request-timeout` (10 s): 12 whole seconds is the least both allow. */
const MIN_RESOLUTION_SECONDS = 12;
const MAX_RESOLUTION_SECONDS = 300;
const MAX_REPLICAS = 100;

/**
 * Resolves every default of metrics-server and checks every prop (paths relative to the props).
 * @see https://github.com/kubernetes-sigs/metrics-server/blob/v0.9.0/cmd/metrics-server/app/options/options.go
 */
export function resolveMetricsServer(props: MetricsServerProps = {}): {
  /** metrics-server with every default filled in; absent when there is any problem. */
  spec?: ResolvedMetricsServer;
  /** Every invalid prop, with its path relative to the props; empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const name = props.name ?? 'metrics-server';
  const namespace = props.namespace ?? 'kube-system';
  problems.push(...checkDnsLabel('name', name), ...checkDnsLabel('namespace', namespace));
  const replicas = props.replicas ?? 2;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 2 || replicas > MAX_REPLICAS) {
    problems.push({ path: 'replicas', message: `is ${show(replicas)}; expected a whole number from 2 to ${MAX_REPLICAS}: with one replica, every restart or node drain leaves each HPA with a Resource metric unable to scale down` });
  }
  const resolution = props.metricResolutionSeconds ?? 15;
  if (typeof resolution !== 'number' || !Number.isInteger(resolution) || resolution < MIN_RESOLUTION_SECONDS || resolution > MAX_RESOLUTION_SECONDS) {
    problems.push({ path: 'metricResolutionSeconds', message: `is ${show(resolution)}; expected whole seconds from ${MIN_RESOLUTION_SECONDS} to ${MAX_RESOLUTION_SECONDS} (metrics-server refuses a resolution whose 90 % is below its 10 s kubelet request timeout)` });
  }
  const insecureTls = props.kubeletInsecureTls ?? false;
  if (typeof insecureTls !== 'boolean') {
    problems.push({ path: 'kubeletInsecureTls', message: `is ${show(insecureTls)}; expected true or false` });
  }
  const priorityClassName = props.priorityClassName ?? 'system-cluster-critical';
  if (typeof priorityClassName !== 'string' || !isDnsSubdomain(priorityClassName)) {
    problems.push({ path: 'priorityClassName', message: `is ${show(priorityClassName)}; expected a PriorityClass name such as "system-cluster-critical"` });
  }
  const image = props.image ?? IMAGES.metricsServer;
  if (typeof image !== 'string' || !image || /\s/.test(image)) {
    problems.push({ path: 'image', message: `is ${show(image)}; expected an image reference such as ${show(IMAGES.metricsServer)}` });
  }
  // Upstream's requests, no limits.
  const resources = resolveResources('resources', props.resources, { cpu: { request: '100m' }, memory: { request: '200Mi' } });
  problems.push(...resources.problems);
  if (problems.length) return { problems };

  const selectorLabels = { 'app.kubernetes.io/name': 'metrics-server', 'app.kubernetes.io/instance': name };
  return {
    problems: [],
    spec: {
      name,
      namespace,
      replicas,
      metricResolutionSeconds: resolution,
      priorityClassName,
      image,
      // Upstream's args, in upstream's order.
      args: [
        '--cert-dir=/tmp',
        `--secure-port=${SECURE_PORT}`,
        '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
        '--kubelet-use-node-status-port',
        `--metric-resolution=${resolution}s`,
        ...(insecureTls ? ['--kubelet-insecure-tls'] : []),
      ],
      securePort: SECURE_PORT,
      resources: resources.resources,
      selectorLabels,
      labels: {
        'app.kubernetes.io/component': 'resource-metrics',
        'app.kubernetes.io/instance': name,
        'app.kubernetes.io/managed-by': 'inferscale',
        'app.kubernetes.io/name': 'metrics-server',
        // Upstream's label, which its docs and many dashboards select on.
        'k8s-app': 'metrics-server',
      },
      rbacNames: {
        clusterRole: `system:${name}`,
        authDelegator: `${name}:system:auth-delegator`,
        authReader: `${name}-auth-reader`,
      },
    },
  };
}
