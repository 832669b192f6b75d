import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  AGGREGATED_METRICS_READER, MetricsServerProps, resolveMetricsServer, ResolvedMetricsServer, RESOURCE_METRICS_API,
} from '../core/platform/metrics-server';
import { InferscaleValidationError } from '../core/problems';
import { containerResources } from './resources';
import { restrictedContainerSecurityContext } from './security';

export type { MetricsServerProps, ResolvedMetricsServer } from '../core/platform/metrics-server';

const RBAC = 'rbac.authorization.k8s.io';
/** The UID upstream's manifests run the container as. */
const UPSTREAM_UID = 1000;

/**
 * metrics-server: serves the resource metrics API (`metrics.k8s.io`: CPU and memory of every
 * pod and node, scraped from each kubelet), which HPA Resource and ContainerResource metrics
 * and `kubectl top` read. EKS does not install it; GKE and AKS do (then leave it out).
 *
 * Renders upstream's high-availability release manifests (kubernetes-sigs/metrics-server
 * v0.9.0, `manifests/overlays/release-ha-1.21+`): a Deployment of 2 replicas
 * (`system-cluster-critical`, Pod Security "restricted", upstream's args and its /livez and
 * /readyz probes), a PodDisruptionBudget (minAvailable 1), a Service (443 → https), the
 * APIService `v1beta1.metrics.k8s.io` (groupPriorityMinimum 100, versionPriority 100,
 * `insecureSkipTLSVerify` as upstream: metrics-server serves a self-signed certificate), a
 * ServiceAccount and upstream's RBAC: `system:metrics-server` (nodes, pods, `nodes/metrics`),
 * `system:auth-delegator`, `extension-apiserver-authentication-reader` in kube-system, and
 * `system:aggregated-metrics-reader` aggregated into `view`, `edit` and `admin`.
 *
 * One deliberate difference: upstream *requires* the two replicas on different nodes, which
 * leaves one Pending forever on a one-node cluster; here they *prefer* different nodes and zones,
 * so both run everywhere and spread wherever the cluster allows, and a rollout surges a third
 * pod instead of taking one down.
 *
 * @see https://github.com/kubernetes-sigs/metrics-server/tree/v0.9.0/manifests
 * @see https://kubernetes.io/docs/tasks/debug/debug-cluster/resource-metrics-pipeline/
 */
export class MetricsServer extends Construct {
  /** Every default resolved: what the objects below were rendered from. */
  public readonly spec: ResolvedMetricsServer;
  /** ServiceAccount. */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** The Deployment (construct id `Resource`). */
  public readonly deployment: k8s.KubeDeployment;
  /** PodDisruptionBudget: at least one replica up. */
  public readonly podDisruptionBudget: k8s.KubePodDisruptionBudget;
  /** Service on 443. */
  public readonly service: k8s.KubeService;
  /** APIService `v1beta1.metrics.k8s.io`. */
  public readonly apiService: k8s.KubeApiService;
  /** `system:aggregated-metrics-reader`, aggregated into view, edit and admin. */
  public readonly aggregatedMetricsReader: k8s.KubeClusterRole;

  /**
   * @throws InferscaleValidationError listing every problem in `props`, prefixed with the construct path
   */
  public constructor(scope: Construct, id: string, props: MetricsServerProps = {}) {
    super(scope, id);
    const { spec, problems } = resolveMetricsServer(props);
    if (!spec) throw new InferscaleValidationError(`MetricsServer "${this.node.path}"`, problems);
    this.spec = spec;
    const s = spec;
    const labels = { ...s.labels };
    const metadata = { name: s.name, namespace: s.namespace, labels };
    const self: k8s.Subject = { kind: 'ServiceAccount', name: s.name, namespace: s.namespace };

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata });
    this.aggregatedMetricsReader = new k8s.KubeClusterRole(this, 'AggregatedMetricsReader', {
      metadata: {
        name: AGGREGATED_METRICS_READER,
        labels: {
          ...labels,
          'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
          'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
          'rbac.authorization.k8s.io/aggregate-to-view': 'true',
        },
      },
      rules: [{ apiGroups: [RESOURCE_METRICS_API.group], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] }],
    });
    new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: s.rbacNames.clusterRole, labels },
      rules: [
        { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
      ],
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: s.rbacNames.clusterRole, labels },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: s.rbacNames.clusterRole },
      subjects: [self],
    });
    new k8s.KubeClusterRoleBinding(this, 'AuthDelegator', {
      metadata: { name: s.rbacNames.authDelegator, labels },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'system:auth-delegator' },
      subjects: [self],
    });
    new k8s.KubeRoleBinding(this, 'AuthReader', {
      metadata: { name: s.rbacNames.authReader, namespace: 'kube-system', labels },
      roleRef: { apiGroup: RBAC, kind: 'Role', name: 'extension-apiserver-authentication-reader' },
      subjects: [self],
    });

    const probe = (path: string): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString('https'), scheme: 'HTTPS' },
      periodSeconds: 10,
      failureThreshold: 3,
    });
    const selector = { matchLabels: { ...s.selectorLabels } };
    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata,
      spec: {
        replicas: s.replicas,
        selector,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: s.name,
            priorityClassName: s.priorityClassName,
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            securityContext: { runAsNonRoot: true, runAsUser: UPSTREAM_UID, seccompProfile: { type: 'RuntimeDefault' } },
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{
                  weight: 100,
                  podAffinityTerm: { labelSelector: selector, topologyKey: 'kubernetes.io/hostname' },
                }],
              },
            },
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector }],
            containers: [{
              name: 'metrics-server',
              image: s.image,
              imagePullPolicy: 'IfNotPresent',
              args: [...s.args],
              ports: [{ name: 'https', containerPort: s.securePort, protocol: 'TCP' }],
              // Upstream: readiness waits 20 s for the first scrape.
              readinessProbe: { ...probe('/readyz'), initialDelaySeconds: 20 },
              livenessProbe: probe('/livez'),
              resources: containerResources(s.resources),
              securityContext: { ...restrictedContainerSecurityContext(true), runAsUser: UPSTREAM_UID },
              // The self-signed serving certificate is written to --cert-dir.
              volumeMounts: [{ name: 'tmp-dir', mountPath: '/tmp' }],
            }],
            volumes: [{ name: 'tmp-dir', emptyDir: {} }],
          },
        },
      },
    });
    this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata,
      spec: { selector, minAvailable: k8s.IntOrString.fromNumber(1) },
    });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector: { ...s.selectorLabels },
        ports: [{ name: 'https', port: 443, targetPort: k8s.IntOrString.fromString('https'), protocol: 'TCP', appProtocol: 'https' }],
      },
    });
    this.apiService = new k8s.KubeApiService(this, 'ApiService', {
      metadata: { name: RESOURCE_METRICS_API.apiService, labels },
      spec: {
        group: RESOURCE_METRICS_API.group,
        version: RESOURCE_METRICS_API.version,
        service: { name: s.name, namespace: s.namespace, port: 443 },
        groupPriorityMinimum: 100,
        versionPriority: 100,
        // As upstream: metrics-server serves a self-signed certificate the API server cannot verify.
        insecureSkipTlsVerify: true,
      },
    });
  }
}
