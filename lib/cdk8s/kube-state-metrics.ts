import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { KubeStateMetricsProps, resolveKubeStateMetrics, ResolvedKubeStateMetrics } from '../core/platform/kube-state-metrics';
import { InferscaleValidationError } from '../core/problems';
import { containerResources } from './resources';
import { restrictedContainerSecurityContext } from './security';

export type { KubeStateMetricsProps, ResolvedKubeStateMetrics } from '../core/platform/kube-state-metrics';

/** UID of `nobody`, which upstream runs the container as. */
const NOBODY = 65534;

/**
 * kube-state-metrics for the embedded Prometheus: HPA conditions and replica counts, pod
 * phases, Deployment availability and node GPU capacity as series, which the generated alerts
 * and dashboard read. One replica (upstream's), a ClusterRole that can only list and watch
 * HPAs, pods, Deployments and nodes, a ClusterIP Service on its metrics port, and a pod that
 * passes Pod Security "restricted".
 * @see https://github.com/kubernetes/kube-state-metrics/tree/v2.17.0/examples/standard
 */
export class KubeStateMetrics extends Construct {
  /** Every default resolved. */
  public readonly spec: ResolvedKubeStateMetrics;
  /** ServiceAccount. */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** ClusterRole: list and watch of the collectors' resources only. */
  public readonly clusterRole: k8s.KubeClusterRole;
  /** The Deployment (construct id `Resource`). */
  public readonly deployment: k8s.KubeDeployment;
  /** Service on the metrics port. */
  public readonly service: k8s.KubeService;

  /**
   * @throws InferscaleValidationError listing every problem in `props`, prefixed with the construct path
   */
  public constructor(scope: Construct, id: string, props: KubeStateMetricsProps = {}) {
    super(scope, id);
    const { spec, problems } = resolveKubeStateMetrics(props);
    if (!spec) throw new InferscaleValidationError(`KubeStateMetrics "${this.node.path}"`, problems);
    this.spec = spec;
    const s = spec;
    const labels = { ...s.labels };
    const metadata = { name: s.name, namespace: s.namespace, labels };
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata });
    this.clusterRole = new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: s.clusterRoleName, labels },
      rules: s.rbac.map((r) => ({ apiGroups: [r.apiGroup], resources: [...r.resources], verbs: ['list', 'watch'] })),
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: s.clusterRoleName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: s.clusterRoleName },
      subjects: [{ kind: 'ServiceAccount', name: s.name, namespace: s.namespace }],
    });
    const probe = (path: string, port: string): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString(port) }, initialDelaySeconds: 5, timeoutSeconds: 5, periodSeconds: 10, failureThreshold: 3,
    });
    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata,
      spec: {
        // Upstream runs one replica: two would export every series twice.
        replicas: 1,
        selector: { matchLabels: { ...s.selectorLabels } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: s.name,
            automountServiceAccountToken: true,
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            securityContext: { runAsNonRoot: true, runAsUser: NOBODY, runAsGroup: NOBODY, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'kube-state-metrics',
              image: s.image,
              args: [...s.args],
              ports: [
                { name: 'http-metrics', containerPort: s.metricsPort, protocol: 'TCP' },
                { name: 'telemetry', containerPort: s.telemetryPort, protocol: 'TCP' },
              ],
              livenessProbe: probe('/livez', 'http-metrics'),
              readinessProbe: probe('/readyz', 'telemetry'),
              resources: containerResources(s.resources),
              securityContext: { ...restrictedContainerSecurityContext(true), runAsUser: NOBODY },
            }],
          },
        },
      },
    });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector: { ...s.selectorLabels },
        ports: [{ name: 'http-metrics', port: s.metricsPort, targetPort: k8s.IntOrString.fromString('http-metrics'), protocol: 'TCP' }],
      },
    });
  }
}
