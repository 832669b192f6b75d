import { createHash } from 'node:crypto';
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { PrometheusAdapterConfig } from '../core/adapter-config';
import {
  ADAPTER_CONFIG_DIR,
  ADAPTER_SECURE_PORT,
  ADAPTER_SERVING_CERT_DIR,
  PrometheusAdapterProps,
  ResolvedPrometheusAdapter,
  resolvePrometheusAdapter,
  ServingCertificate,
} from '../core/platform/prometheus-adapter';
import { InferscaleValidationError } from '../core/problems';
import { containerResources } from './resources';
import { restrictedContainerSecurityContext } from './security';

export { ADAPTER_SECURE_PORT, ServingCertificate } from '../core/platform/prometheus-adapter';
export type { CertManagerServingOptions, PrometheusAdapterProps } from '../core/platform/prometheus-adapter';

/** UID and GID of `nobody`, which the upstream image runs as. */
const NOBODY = 65534;
const RBAC = 'rbac.authorization.k8s.io';
/** The HPA controller's identity when the controller manager uses service-account credentials. */
const HPA_CONTROLLER = { kind: 'ServiceAccount', name: 'horizontal-pod-autoscaler', namespace: 'kube-system' };

/**
 * The Prometheus Adapter: serves Pods and Object metrics under `custom.metrics.k8s.io` and,
 * only when some service uses one, External metrics under `external.metrics.k8s.io`, from
 * rules generated from the metric catalogue of every service (`buildAdapterConfig`).
 *
 * Renders a Deployment (2 replicas by default, spread over nodes, Pod Security "restricted"),
 * a PodDisruptionBudget, a Service (443 → 6443), a ServiceAccount, the rules ConfigMap, the
 * APIServices (groupPriorityMinimum 100, versionPriority 100) and the RBAC the adapter needs:
 * `system:auth-delegator`, `extension-apiserver-authentication-reader` in kube-system, a
 * resource reader limited to the resources its rules map series to (namespaces and pods for
 * the catalogue; no ConfigMaps, no nodes, no wildcards: see `adapterResourceReaderRules`) and
 * ClusterRoles letting the HPA controller read the metrics APIs it serves. Wiring mistakes (an
 * HPA metric no rule serves, rules fighting over a name, series without namespace/pod
 * mappings) are errors.
 *
 * @see https://github.com/kubernetes-sigs/prometheus-adapter/blob/master/docs/config.md
 * @see https://github.com/kubernetes-sigs/prometheus-adapter/tree/v0.12.0/deploy/manifests
 */
export class PrometheusAdapter extends Construct {
  /** Every default resolved, the rules generated: what the objects below were rendered from. */
  public readonly spec: ResolvedPrometheusAdapter;
  /** Name of the adapter's objects. */
  public readonly name: string;
  /** Namespace. */
  public readonly namespace: string;
  /** Replicas. */
  public readonly replicas: number;
  /** Image. */
  public readonly image: string;
  /** `--metrics-relist-interval` in seconds. */
  public readonly metricsRelistIntervalSeconds: number;
  /** The generated rules. */
  public readonly config: PrometheusAdapterConfig;
  /** True when the external metrics APIService is registered. */
  public readonly servesExternalMetrics: boolean;
  /** Serving certificate, as given (or the self-signed default). */
  public readonly servingCertificate: ServingCertificate;
  /** The container args. */
  public readonly args: readonly string[];
  /** ServiceAccount. */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** Rules ConfigMap (`config.yaml`). */
  public readonly configMap: k8s.KubeConfigMap;
  /** The adapter. */
  public readonly deployment: k8s.KubeDeployment;
  /** PodDisruptionBudget (at most one replica down). */
  public readonly podDisruptionBudget: k8s.KubePodDisruptionBudget;
  /** Service on 443. */
  public readonly service: k8s.KubeService;
  /** The ClusterRole reading the resources the rules map series to. */
  public readonly resourceReader: k8s.KubeClusterRole;
  /** APIService `v1beta1.custom.metrics.k8s.io`. */
  public readonly customMetricsApiService: k8s.KubeApiService;
  /** APIService `v1beta1.external.metrics.k8s.io`, when some service uses an External metric. */
  public readonly externalMetricsApiService?: k8s.KubeApiService;
  /** The serving Certificate (cert-manager mode). */
  public readonly certificate?: ApiObject;

  /**
   * @throws InferscaleValidationError listing every problem in `props`, prefixed with the construct path
   */
  public constructor(scope: Construct, id: string, props: PrometheusAdapterProps) {
    super(scope, id);
    const { spec, problems } = resolvePrometheusAdapter(props);
    if (!spec) throw new InferscaleValidationError(`PrometheusAdapter "${this.node.path}"`, problems);
    this.spec = spec;
    this.name = spec.name;
    this.namespace = spec.namespace;
    this.replicas = spec.replicas;
    this.image = spec.image;
    this.metricsRelistIntervalSeconds = spec.metricsRelistIntervalSeconds;
    this.config = spec.config;
    this.servesExternalMetrics = spec.servesExternalMetrics;
    this.servingCertificate = props.servingCertificate ?? ServingCertificate.selfSigned();
    this.args = spec.args;

    const { name, namespace, selectorLabels } = spec;
    const labels = { ...spec.labels };
    const metadata = { name, namespace, labels };
    const clusterName = `${namespace}-${name}`;
    const self: k8s.Subject = { kind: 'ServiceAccount', name, namespace };
    const cert = spec.servingCertificate.mode === 'certManager' ? spec.servingCertificate : undefined;

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata });
    this.configMap = new k8s.KubeConfigMap(this, 'ConfigMap', { metadata: { ...metadata, name: `${name}-config` }, data: { 'config.yaml': spec.configYaml } });

    // Delegated authentication and authorization, as every aggregated API server needs.
    new k8s.KubeClusterRoleBinding(this, 'AuthDelegator', {
      metadata: { name: `${clusterName}-auth-delegator`, labels },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'system:auth-delegator' },
      subjects: [self],
    });
    new k8s.KubeRoleBinding(this, 'AuthReader', {
      metadata: { name: `${clusterName}-auth-reader`, namespace: 'kube-system', labels },
      roleRef: { apiGroup: RBAC, kind: 'Role', name: 'extension-apiserver-authentication-reader' },
      subjects: [self],
    });
    this.resourceReader = new k8s.KubeClusterRole(this, 'ResourceReader', {
      metadata: { name: `${clusterName}-resource-reader`, labels },
      rules: spec.resourceReaderRules.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
    });
    new k8s.KubeClusterRoleBinding(this, 'ResourceReaderBinding', {
      metadata: { name: `${clusterName}-resource-reader`, labels },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: `${clusterName}-resource-reader` },
      subjects: [self],
    });
    // The HPA controller reads metrics with get and list. Each metric is a subresource of the
    // object it describes (`pods/<metric>`), and RBAC matches no prefix of a subresource, so
    // the rule names every resource of the metrics group; the group only serves read-only
    // metric values. Kubernetes' bootstrap policy grants the controller the same.
    // https://github.com/kubernetes/kubernetes/blob/master/plugin/pkg/auth/authorizer/rbac/bootstrappolicy/controller_policy.go
    const metricsReader = (idPrefix: string, group: string, suffix: string): void => {
      new k8s.KubeClusterRole(this, idPrefix, {
        metadata: { name: `${clusterName}-${suffix}`, labels },
        rules: [{ apiGroups: [group], resources: ['*'], verbs: ['get', 'list'] }],
      });
      new k8s.KubeClusterRoleBinding(this, `${idPrefix}Binding`, {
        metadata: { name: `${clusterName}-${suffix}`, labels },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: `${clusterName}-${suffix}` },
        subjects: [HPA_CONTROLLER],
      });
    };
    metricsReader('CustomMetricsReader', 'custom.metrics.k8s.io', 'custom-metrics-reader');
    if (spec.servesExternalMetrics) metricsReader('ExternalMetricsReader', 'external.metrics.k8s.io', 'external-metrics-reader');

    // Serving certificate.
    let injectFrom: string | undefined;
    if (cert) {
      let issuerRef = cert.issuer ? { name: cert.issuer.name, kind: cert.issuer.kind, group: 'cert-manager.io' } : undefined;
      if (!issuerRef) {
        // As the upstream chart: a self-signed root, a CA Issuer from it, the serving cert from that.
        new ApiObject(this, 'SelfSignedIssuer', { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { ...metadata, name: `${name}-self-signed` }, spec: { selfSigned: {} } });
        new ApiObject(this, 'RootCertificate', {
          apiVersion: 'cert-manager.io/v1',
          kind: 'Certificate',
          metadata: { ...metadata, name: `${name}-root-ca` },
          spec: { secretName: `${name}-root-ca`, duration: '43800h', commonName: `ca.${name}.${namespace}`, isCA: true, issuerRef: { name: `${name}-self-signed`, kind: 'Issuer', group: 'cert-manager.io' } },
        });
        new ApiObject(this, 'CaIssuer', { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { ...metadata, name: `${name}-ca` }, spec: { ca: { secretName: `${name}-root-ca` } } });
        issuerRef = { name: `${name}-ca`, kind: 'Issuer', group: 'cert-manager.io' };
      }
      this.certificate = new ApiObject(this, 'ServingCertificate', {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { ...metadata, name: cert.secretName },
        spec: {
          secretName: cert.secretName,
          duration: cert.duration,
          dnsNames: [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`],
          issuerRef,
        },
      });
      injectFrom = `${namespace}/${cert.secretName}`;
    }

    const probe = (path: string): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString('https'), scheme: 'HTTPS' },
      periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 5,
    });
    const spread = (topologyKey: string): k8s.TopologySpreadConstraint => ({
      maxSkew: 1, topologyKey, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { ...selectorLabels } },
    });
    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata,
      spec: {
        replicas: spec.replicas,
        selector: { matchLabels: { ...selectorLabels } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: {
          metadata: {
            labels,
            // The adapter reads its rules once at start: a changed ConfigMap must roll the pods.
            annotations: { 'inferscale.io/config-sha256': createHash('sha256').update(spec.configYaml).digest('hex') },
          },
          spec: {
            serviceAccountName: name,
            securityContext: { runAsNonRoot: true, runAsUser: NOBODY, runAsGroup: NOBODY, seccompProfile: { type: 'RuntimeDefault' } },
            topologySpreadConstraints: [spread('kubernetes.io/hostname'), spread('topology.kubernetes.io/zone')],
            containers: [{
              name: 'prometheus-adapter',
              image: spec.image,
              args: [...spec.args],
              ports: [{ name: 'https', containerPort: ADAPTER_SECURE_PORT, protocol: 'TCP' }],
              readinessProbe: probe('/readyz'),
              livenessProbe: { ...probe('/livez'), initialDelaySeconds: 30 },
              resources: containerResources(spec.resources),
              securityContext: restrictedContainerSecurityContext(true),
              volumeMounts: [
                { name: 'config', mountPath: ADAPTER_CONFIG_DIR, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
                ...(cert ? [{ name: 'serving-cert', mountPath: ADAPTER_SERVING_CERT_DIR, readOnly: true }] : []),
              ],
            }],
            volumes: [
              { name: 'config', configMap: { name: `${name}-config` } },
              { name: 'tmp', emptyDir: {} },
              ...(cert ? [{ name: 'serving-cert', secret: { secretName: cert.secretName } }] : []),
            ],
          },
        },
      },
    });
    this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata,
      spec: { selector: { matchLabels: { ...selectorLabels } }, maxUnavailable: k8s.IntOrString.fromNumber(1) },
    });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector: { ...selectorLabels },
        ports: [{ name: 'https', port: 443, targetPort: k8s.IntOrString.fromString('https'), protocol: 'TCP' }],
      },
    });
    const apiService = (id: string, group: string): k8s.KubeApiService => new k8s.KubeApiService(this, id, {
      metadata: { name: `v1beta1.${group}`, labels, ...(injectFrom ? { annotations: { 'cert-manager.io/inject-ca-from': injectFrom } } : {}) },
      spec: {
        group,
        version: 'v1beta1',
        service: { name, namespace, port: 443 },
        groupPriorityMinimum: 100,
        versionPriority: 100,
        // With cert-manager the CA injector fills caBundle; otherwise the adapter's own
        // self-signed certificate cannot be verified.
        ...(injectFrom ? {} : { insecureSkipTlsVerify: true }),
      },
    });
    this.customMetricsApiService = apiService('CustomMetricsApiService', 'custom.metrics.k8s.io');
    if (spec.servesExternalMetrics) this.externalMetricsApiService = apiService('ExternalMetricsApiService', 'external.metrics.k8s.io');
  }
}
