import { Problem, show } from '../../core/problems';
import { autoDiscoveryFlag } from './autoscaler-tags';

/**
 * The Kubernetes objects of the cluster autoscaler on AWS, as plain JSON: ServiceAccount
 * (annotated with its IAM role), ClusterRole, Role, their bindings, and the Deployment. The
 * RBAC rules follow upstream's `cluster-autoscaler-autodiscover.yaml`.
 *
 * The objects are described here only; the environment component registers each one as a typed
 * @pulumi/kubernetes resource.
 *
 * @see https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/examples/cluster-autoscaler-autodiscover.yaml
 */

/** Name of the ServiceAccount, roles, bindings and Deployment. */
export const CLUSTER_AUTOSCALER_NAME = 'cluster-autoscaler';

/** Namespace of the cluster autoscaler. */
export const CLUSTER_AUTOSCALER_NAMESPACE = 'kube-system';

/** Image repository of the cluster autoscaler. */
export const CLUSTER_AUTOSCALER_REPOSITORY = 'registry.k8s.io/autoscaling/cluster-autoscaler';

/**
 * Pinned cluster-autoscaler release per Kubernetes minor version. The autoscaler embeds the
 * scheduler of its minor version, so its minor must match the cluster's.
 *
 * @see https://github.com/kubernetes/autoscaler/releases
 */
export const CLUSTER_AUTOSCALER_VERSIONS: Readonly<Record<string, string>> = {
  '1.32': 'v1.32.7',
  '1.33': 'v1.33.5',
  '1.34': 'v1.34.4',
  '1.35': 'v1.35.1',
};

/** The pinned image for a Kubernetes version (`1.33` or `1.33.4`); undefined when none is pinned. */
export function clusterAutoscalerImage(kubernetesVersion: string): string | undefined {
  const minor = /^(\d+\.\d+)(\.\d+)?$/.exec(kubernetesVersion)?.[1];
  const tag = minor === undefined ? undefined : CLUSTER_AUTOSCALER_VERSIONS[minor];
  return tag === undefined ? undefined : `${CLUSTER_AUTOSCALER_REPOSITORY}:${tag}`;
}

/** True for an image reference with a tag or a digest (`repo:tag`, `repo@sha256:...`). */
export function isPinnedImage(image: unknown): boolean {
  if (typeof image !== 'string' || /\s/.test(image)) return false;
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  return /^[a-z0-9][a-z0-9._-]*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(lastSegment) && !lastSegment.endsWith(':latest');
}

/** Checks that an image is pinned for the Kubernetes version, or that one was given. */
export function checkClusterAutoscalerImage(path: string, kubernetesVersion: string, image: string | undefined): Problem[] {
  if (image !== undefined) {
    return isPinnedImage(image)
      ? []
      : [{ path: `${path}.image`, message: `is ${show(image)}; expected an image pinned by tag or digest, such as "${CLUSTER_AUTOSCALER_REPOSITORY}:v1.33.5"` }];
  }
  if (clusterAutoscalerImage(kubernetesVersion) === undefined) {
    return [{ path: `${path}.image`, message: `is not set and inferscale pins no cluster-autoscaler release for Kubernetes ${show(kubernetesVersion)} (pinned: ${Object.keys(CLUSTER_AUTOSCALER_VERSIONS).join(', ')}). Set the image whose minor version matches the cluster.` }];
  }
  return [];
}

/** Inputs of {@link clusterAutoscalerObjects}. `R` is the type of the role ARN (a string, or a Pulumi input). */
export interface ClusterAutoscalerObjectsOptions<R> {
  /** EKS cluster name, for auto-discovery. */
  readonly clusterName: string;
  /** ARN of the IAM role the ServiceAccount assumes (IRSA). */
  readonly roleArn: R;
  /** Full image reference. */
  readonly image: string;
  /**
   * AWS region (type `R`, like the role ARN); set as `AWS_REGION`, since with IMDS hop limit 1
   * the pod cannot read the region from instance metadata.
   * @default - left to instance metadata
   */
  readonly region?: R;
  /** Extra command-line flags appended after the defaults. @default - none */
  readonly extraArgs?: readonly string[];
  /**
   * Node selector of the pod. The pod is marked not safe to evict, so a node it runs on is never
   * scaled down: keep it off GPU nodes by selecting the system nodes.
   * @default { "kubernetes.io/os": "linux" }
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
}

/** A Kubernetes object as plain JSON (apiVersion, kind, metadata, rest). */
export interface AutoscalerObject<R> {
  /** e.g. `apps/v1`. */
  readonly apiVersion: string;
  /** e.g. `Deployment`. */
  readonly kind: string;
  /** Name, namespace, labels; the ServiceAccount's annotations carry the role ARN (type `R`). */
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, R | string> };
  /** Everything else (`spec`, `rules`, `roleRef`, `subjects`). */
  readonly [key: string]: unknown;
}

/**
 * The flags of the autoscaler: AWS cloud provider, auto-discovery of this cluster's groups,
 * balancing of similar groups, `least-waste` expansion (the cheapest fit for GPU pods), and
 * scale-down of nodes that only run system pods (DaemonSets such as the device plugin and the
 * DCGM exporter run on every GPU node; without this an idle GPU node is never removed).
 */
export function clusterAutoscalerArgs(clusterName: string, extraArgs: readonly string[] = []): string[] {
  return [
    '--cloud-provider=aws',
    `--node-group-auto-discovery=${autoDiscoveryFlag(clusterName)}`,
    '--balance-similar-node-groups',
    '--skip-nodes-with-system-pods=false',
    '--skip-nodes-with-local-storage=false',
    '--expander=least-waste',
    '--stderrthreshold=info',
    '--v=4',
    ...extraArgs,
  ];
}

const LABELS = { 'k8s-addon': 'cluster-autoscaler.addons.k8s.io', 'k8s-app': CLUSTER_AUTOSCALER_NAME };
const SUBJECTS = [{ kind: 'ServiceAccount', name: CLUSTER_AUTOSCALER_NAME, namespace: CLUSTER_AUTOSCALER_NAMESPACE }];

/** The objects, in apply order: ServiceAccount, ClusterRole, Role, ClusterRoleBinding, RoleBinding, Deployment. */
export function clusterAutoscalerObjects<R>(options: ClusterAutoscalerObjectsOptions<R>): AutoscalerObject<R>[] {
  const meta = { name: CLUSTER_AUTOSCALER_NAME, labels: { ...LABELS } };
  const namespaced = { ...meta, namespace: CLUSTER_AUTOSCALER_NAMESPACE };
  const readVerbs = ['watch', 'list', 'get'];
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { ...namespaced, annotations: { 'eks.amazonaws.com/role-arn': options.roleArn } },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta,
      rules: [
        { apiGroups: [''], resources: ['events', 'endpoints'], verbs: ['create', 'patch'] },
        { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
        { apiGroups: [''], resources: ['pods/status'], verbs: ['update'] },
        { apiGroups: [''], resources: ['endpoints'], resourceNames: [CLUSTER_AUTOSCALER_NAME], verbs: ['get', 'update'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['watch', 'list', 'get', 'update'] },
        { apiGroups: [''], resources: ['namespaces', 'pods', 'services', 'replicationcontrollers', 'persistentvolumeclaims', 'persistentvolumes'], verbs: readVerbs },
        { apiGroups: ['extensions'], resources: ['replicasets', 'daemonsets'], verbs: readVerbs },
        { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['watch', 'list'] },
        { apiGroups: ['apps'], resources: ['statefulsets', 'replicasets', 'daemonsets'], verbs: readVerbs },
        { apiGroups: ['resource.k8s.io'], resources: ['deviceclasses', 'resourceslices', 'resourceclaims'], verbs: readVerbs },
        { apiGroups: ['storage.k8s.io'], resources: ['storageclasses', 'csinodes', 'csidrivers', 'csistoragecapacities', 'volumeattachments'], verbs: readVerbs },
        { apiGroups: ['batch', 'extensions'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'patch'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [CLUSTER_AUTOSCALER_NAME], verbs: ['get', 'update'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: namespaced,
      rules: [
        { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'list', 'watch'] },
        { apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-autoscaler-status', 'cluster-autoscaler-priority-expander'], verbs: ['delete', 'get', 'update', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CLUSTER_AUTOSCALER_NAME },
      subjects: SUBJECTS,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: namespaced,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: CLUSTER_AUTOSCALER_NAME },
      subjects: SUBJECTS,
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { ...namespaced, labels: { ...LABELS, app: CLUSTER_AUTOSCALER_NAME } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: CLUSTER_AUTOSCALER_NAME } },
        template: {
          metadata: {
            labels: { app: CLUSTER_AUTOSCALER_NAME },
            annotations: {
              // Evicting the autoscaler during its own scale-down would stall scaling.
              'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false',
              'prometheus.io/scrape': 'true',
              'prometheus.io/port': '8085',
            },
          },
          spec: {
            priorityClassName: 'system-cluster-critical',
            serviceAccountName: CLUSTER_AUTOSCALER_NAME,
            nodeSelector: { ...(options.nodeSelector ?? { 'kubernetes.io/os': 'linux' }) },
            securityContext: { runAsNonRoot: true, runAsUser: 65534, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: CLUSTER_AUTOSCALER_NAME,
              image: options.image,
              // The image has CMD, not ENTRYPOINT: without `command`, `args` would replace the binary.
              command: ['./cluster-autoscaler'],
              args: clusterAutoscalerArgs(options.clusterName, options.extraArgs),
              ...(options.region !== undefined ? { env: [{ name: 'AWS_REGION', value: options.region }] } : {}),
              ports: [{ name: 'metrics', containerPort: 8085, protocol: 'TCP' }],
              resources: { requests: { cpu: '100m', memory: '600Mi' }, limits: { memory: '600Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              imagePullPolicy: 'IfNotPresent',
            }],
          },
        },
      },
    },
  ];
}
