import { createHash } from 'node:crypto';
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { adapterConfigYaml, AdapterServiceMetrics, buildAdapterConfig, PrometheusAdapterConfig } from '../core/adapter-config';
import { promDuration } from '../core/duration';
import { IMAGES } from '../core/images';
import { ResourcesProps } from '../core/inference-service';
import { checkDnsLabel, isDnsSubdomain } from '../core/names';
import { InferscaleValidationError, Problem, show } from '../core/problems';
import { restrictedContainerSecurityContext } from './security';
import { containerResources } from './resources';

/** Options of {@link ServingCertificate.certManager}. */
export interface CertManagerServingOptions {
  /**
   * Issuer of the serving certificate. Its CA must be in the certificate Secret's `ca.crt`
   * (CA and self-signed issuers put it there), since that is what cert-manager injects.
   * @default - a self-signed root CA and a CA Issuer of its own, as the upstream chart creates
   */
  readonly issuer?: {
    /** Name of the cert-manager Issuer or ClusterIssuer (an Issuer must be in the adapter's namespace). */
    readonly name: string;
    /** Whether `name` is a namespaced `Issuer` or a cluster-wide `ClusterIssuer`. @default "Issuer" */
    readonly kind?: 'Issuer' | 'ClusterIssuer';
  };
  /** Lifetime of the serving certificate (cert-manager renews it before expiry). @default "8760h" */
  readonly duration?: string;
}

/**
 * How the aggregated API server proves its identity to the Kubernetes API server.
 * @see https://kubernetes.io/docs/tasks/extend-kubernetes/configure-aggregation-layer/
 */
export class ServingCertificate {
  /**
   * The adapter's self-signed certificate (generated in `--cert-dir` at start), with
   * `insecureSkipTLSVerify: true` on the APIServices: what the upstream chart does by default.
   * Traffic is encrypted but the API server does not authenticate the adapter.
   */
  public static selfSigned(): ServingCertificate {
    return new ServingCertificate('selfSigned');
  }

  /**
   * A cert-manager Certificate for the adapter's Service; cert-manager's CA injector writes
   * its CA into each APIService's `caBundle` (`cert-manager.io/inject-ca-from`), so the API
   * server verifies the adapter. Needs cert-manager and its CRDs in the cluster.
   * @see https://cert-manager.io/docs/concepts/ca-injector/
   */
  public static certManager(options: CertManagerServingOptions = {}): ServingCertificate {
    return new ServingCertificate('certManager', options);
  }

  /** Which kind. */
  public readonly mode: 'selfSigned' | 'certManager';
  /** cert-manager options. */
  public readonly certManagerOptions?: CertManagerServingOptions;

  private constructor(mode: ServingCertificate['mode'], options?: CertManagerServingOptions) {
    this.mode = mode;
    this.certManagerOptions = options;
  }
}

/** Props of {@link PrometheusAdapter}. */
export interface PrometheusAdapterProps {
  /** Prometheus HTTP API URL (`Prometheus.url`). */
  readonly prometheusUrl: string;
  /**
   * Services whose metrics the adapter serves; the rules ConfigMap is generated from their
   * metric definitions. `AIInferenceService.spec` fits.
   * @default - none (an adapter without rules)
   */
  readonly services?: readonly AdapterServiceMetrics[];
  /** Name of the adapter's objects. @default "prometheus-adapter" */
  readonly name?: string;
  /** Namespace. @default "monitoring" */
  readonly namespace?: string;
  /**
   * Replicas, 2 or more. The adapter is not autoscaled; while no replica answers, every HPA
   * on a custom or external metric stalls and API discovery reports the group unavailable.
   * @default 2
   */
  readonly replicas?: number;
  /** How often the adapter rediscovers series (`--metrics-relist-interval`). @default 60 */
  readonly metricsRelistIntervalSeconds?: number;
  /**
   * Another provider that owns `external.metrics.k8s.io` in this cluster (such as `"keda"`).
   * Only one APIService can serve the group; with an owner declared, any External metric
   * routed through this adapter is an error.
   * @default - this adapter serves external metrics when some service uses one
   */
  readonly externalMetricsOwner?: string;
  /** Serving certificate. @default ServingCertificate.selfSigned() */
  readonly servingCertificate?: ServingCertificate;
  /** Container image. @default - the pinned `IMAGES.prometheusAdapter` */
  readonly image?: string;
  /** CPU and memory. @default { cpu: { request: "100m" }, memory: { request: "256Mi", limit: "512Mi" } } */
  readonly resources?: ResourcesProps;
}

/** Port the adapter serves HTTPS on. */
export const ADAPTER_SECURE_PORT = 6443;
/** Where the configuration is mounted. */
const CONFIG_DIR = '/etc/adapter';
/** Where cert-manager's Secret is mounted. */
const SERVING_CERT_DIR = '/var/run/serving-cert';
/** UID and GID of `nobody`, which the upstream image runs as. */
const NOBODY = 65534;
const RBAC = 'rbac.authorization.k8s.io';
/** The HPA controller's identity when the controller manager uses service-account credentials. */
const HPA_CONTROLLER = { kind: 'ServiceAccount', name: 'horizontal-pod-autoscaler', namespace: 'kube-system' };

/**
 * The Prometheus Adapter: serves Pods and Object metrics under `custom.metrics.k8s.io` and,
 * only when some service uses one, External metrics under `external.metrics.k8s.io`, from
 * rules generated from the metric catalogue of every service ({@link buildAdapterConfig}).
 *
 * Renders a Deployment (2 replicas by default, spread over nodes, Pod Security "restricted"),
 * a PodDisruptionBudget, a Service (443 → 6443), a ServiceAccount, the rules ConfigMap, the
 * APIServices (groupPriorityMinimum 100, versionPriority 100) and the RBAC the upstream chart
 * grants: `system:auth-delegator`, `extension-apiserver-authentication-reader` in
 * kube-system, a resource reader (namespaces, pods, services, configmaps) and ClusterRoles
 * letting the HPA controller read the metrics APIs. Wiring mistakes (an HPA metric no rule
 * serves, rules fighting over a name, series without namespace/pod mappings) are errors.
 *
 * @see https://github.com/kubernetes-sigs/prometheus-adapter/blob/master/docs/config.md
 * @see https://github.com/prometheus-community/helm-charts/tree/main/charts/prometheus-adapter
 */
export class PrometheusAdapter extends Construct {
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
  /** Serving certificate mode. */
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
    const owner = `PrometheusAdapter "${this.node.path}"`;
    const problems: Problem[] = [];
    this.name = props.name ?? 'prometheus-adapter';
    this.namespace = props.namespace ?? 'monitoring';
    this.replicas = props.replicas ?? 2;
    this.image = props.image ?? IMAGES.prometheusAdapter;
    this.metricsRelistIntervalSeconds = props.metricsRelistIntervalSeconds ?? 60;
    this.servingCertificate = props.servingCertificate ?? ServingCertificate.selfSigned();
    problems.push(...checkDnsLabel('name', this.name), ...checkDnsLabel('namespace', this.namespace));
    if (typeof props.prometheusUrl !== 'string' || !/^https?:\/\/[^\s/?#]+(\/[^\s]*)?$/.test(props.prometheusUrl)) {
      problems.push({ path: 'prometheusUrl', message: `is ${show(props.prometheusUrl)}; expected the Prometheus HTTP API URL, such as "http://prometheus.monitoring.svc:9090" (Prometheus.url)` });
    }
    if (typeof this.replicas !== 'number' || !Number.isInteger(this.replicas) || this.replicas < 2) {
      problems.push({ path: 'replicas', message: `is ${show(this.replicas)}; expected a whole number, 2 or more: the adapter is not autoscaled, and while no replica answers every HPA on a custom or external metric stalls` });
    }
    const relist = this.metricsRelistIntervalSeconds;
    if (typeof relist !== 'number' || !Number.isInteger(relist) || relist < 1 || relist > 3600) {
      problems.push({ path: 'metricsRelistIntervalSeconds', message: `is ${show(relist)}; expected whole seconds from 1 to 3600` });
    }
    if (typeof this.image !== 'string' || !this.image || /\s/.test(this.image)) {
      problems.push({ path: 'image', message: `is ${show(this.image)}; expected an image reference such as "registry.k8s.io/prometheus-adapter/prometheus-adapter:v0.12.0"` });
    }
    const cm = this.servingCertificate.certManagerOptions;
    if (this.servingCertificate.mode === 'certManager') {
      if (cm?.issuer !== undefined) {
        if (typeof cm.issuer.name !== 'string' || !isDnsSubdomain(cm.issuer.name)) problems.push({ path: 'servingCertificate.issuer.name', message: `is ${show(cm.issuer.name)}; expected the name of a cert-manager Issuer or ClusterIssuer` });
        if (cm.issuer.kind !== undefined && cm.issuer.kind !== 'Issuer' && cm.issuer.kind !== 'ClusterIssuer') problems.push({ path: 'servingCertificate.issuer.kind', message: `is ${show(cm.issuer.kind)}; expected "Issuer" or "ClusterIssuer"` });
      }
      if (cm?.duration !== undefined && !/^([0-9]+(\.[0-9]+)?(h|m|s))+$/.test(cm.duration)) problems.push({ path: 'servingCertificate.duration', message: `is ${show(cm.duration)}; expected a Go duration such as "8760h"` });
    }
    const resources = containerResources(props.resources, { cpu: { request: '100m' }, memory: { request: '256Mi', limit: '512Mi' } }, 'resources', problems);
    const services = props.services ?? [];
    const built = buildAdapterConfig(services);
    problems.push(...built.problems);
    const externalOwner = props.externalMetricsOwner;
    if (externalOwner !== undefined) {
      if (typeof externalOwner !== 'string' || !externalOwner.trim()) {
        problems.push({ path: 'externalMetricsOwner', message: `is ${show(externalOwner)}; expected the name of the provider serving external.metrics.k8s.io, such as "keda"` });
      } else if (built.usesExternalMetrics) {
        problems.push({
          path: 'externalMetricsOwner',
          message: `is ${show(externalOwner)}, which owns the external metrics API (APIService v1beta1.external.metrics.k8s.io), but ${built.externalMetricUsers.join(', ')} ${built.externalMetricUsers.length === 1 ? 'is an External metric' : 'are External metrics'} this adapter would have to serve; two providers cannot share that APIService. Serve ${built.externalMetricUsers.length === 1 ? 'it' : 'them'} through ${externalOwner}, or remove externalMetricsOwner`,
        });
      }
    }
    if (problems.length) throw new InferscaleValidationError(owner, problems);

    this.config = built.config;
    this.servesExternalMetrics = built.usesExternalMetrics;
    const selectorLabels = { 'app.kubernetes.io/name': 'prometheus-adapter', 'app.kubernetes.io/instance': this.name };
    const labels = { ...selectorLabels, 'app.kubernetes.io/component': 'metrics-adapter', 'app.kubernetes.io/managed-by': 'inferscale' };
    const metadata = { name: this.name, namespace: this.namespace, labels };
    const clusterName = `${this.namespace}-${this.name}`;
    const self: k8s.Subject = { kind: 'ServiceAccount', name: this.name, namespace: this.namespace };
    const configYaml = adapterConfigYaml(this.config);
    const certManaged = this.servingCertificate.mode === 'certManager';
    const servingSecret = `${this.name}-serving-cert`;

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata });
    this.configMap = new k8s.KubeConfigMap(this, 'ConfigMap', { metadata: { ...metadata, name: `${this.name}-config` }, data: { 'config.yaml': configYaml } });

    // RBAC, as the upstream chart grants it.
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
    new k8s.KubeClusterRole(this, 'ResourceReader', {
      metadata: { name: `${clusterName}-resource-reader`, labels },
      rules: [{ apiGroups: [''], resources: ['namespaces', 'pods', 'services', 'configmaps'], verbs: ['get', 'list', 'watch'] }],
    });
    new k8s.KubeClusterRoleBinding(this, 'ResourceReaderBinding', {
      metadata: { name: `${clusterName}-resource-reader`, labels },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: `${clusterName}-resource-reader` },
      subjects: [self],
    });
    const metricsReader = (idPrefix: string, group: string, suffix: string): void => {
      new k8s.KubeClusterRole(this, idPrefix, {
        metadata: { name: `${clusterName}-${suffix}`, labels },
        rules: [{ apiGroups: [group], resources: ['*'], verbs: ['get', 'list', 'watch'] }],
      });
      new k8s.KubeClusterRoleBinding(this, `${idPrefix}Binding`, {
        metadata: { name: `${clusterName}-${suffix}`, labels },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: `${clusterName}-${suffix}` },
        subjects: [HPA_CONTROLLER],
      });
    };
    metricsReader('CustomMetricsReader', 'custom.metrics.k8s.io', 'custom-metrics-reader');
    if (this.servesExternalMetrics) metricsReader('ExternalMetricsReader', 'external.metrics.k8s.io', 'external-metrics-reader');

    // Serving certificate.
    let injectFrom: string | undefined;
    if (certManaged) {
      let issuerRef = cm?.issuer ? { name: cm.issuer.name, kind: cm.issuer.kind ?? 'Issuer', group: 'cert-manager.io' } : undefined;
      if (!issuerRef) {
        // As the upstream chart: a self-signed root, a CA Issuer from it, the serving cert from that.
        new ApiObject(this, 'SelfSignedIssuer', { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { ...metadata, name: `${this.name}-self-signed` }, spec: { selfSigned: {} } });
        new ApiObject(this, 'RootCertificate', {
          apiVersion: 'cert-manager.io/v1',
          kind: 'Certificate',
          metadata: { ...metadata, name: `${this.name}-root-ca` },
          spec: { secretName: `${this.name}-root-ca`, duration: '43800h', commonName: `ca.${this.name}.${this.namespace}`, isCA: true, issuerRef: { name: `${this.name}-self-signed`, kind: 'Issuer', group: 'cert-manager.io' } },
        });
        new ApiObject(this, 'CaIssuer', { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { ...metadata, name: `${this.name}-ca` }, spec: { ca: { secretName: `${this.name}-root-ca` } } });
        issuerRef = { name: `${this.name}-ca`, kind: 'Issuer', group: 'cert-manager.io' };
      }
      this.certificate = new ApiObject(this, 'ServingCertificate', {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { ...metadata, name: servingSecret },
        spec: {
          secretName: servingSecret,
          duration: cm?.duration ?? '8760h',
          dnsNames: [this.name, `${this.name}.${this.namespace}`, `${this.name}.${this.namespace}.svc`, `${this.name}.${this.namespace}.svc.cluster.local`],
          issuerRef,
        },
      });
      injectFrom = `${this.namespace}/${servingSecret}`;
    }

    const relistFlag = promDuration(relist);
    this.args = [
      `--secure-port=${ADAPTER_SECURE_PORT}`,
      '--cert-dir=/tmp/cert',
      ...(certManaged ? [`--tls-cert-file=${SERVING_CERT_DIR}/tls.crt`, `--tls-private-key-file=${SERVING_CERT_DIR}/tls.key`] : []),
      `--prometheus-url=${props.prometheusUrl}`,
      `--metrics-relist-interval=${relistFlag}`,
      `--config=${CONFIG_DIR}/config.yaml`,
    ];
    const probe = (path: string): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString('https'), scheme: 'HTTPS' },
      periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 5,
    });
    const spread = (topologyKey: string): k8s.TopologySpreadConstraint => ({
      maxSkew: 1, topologyKey, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selectorLabels },
    });
    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata,
      spec: {
        replicas: this.replicas,
        selector: { matchLabels: selectorLabels },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: {
          metadata: {
            labels,
            // The adapter reads its rules once at start: a changed ConfigMap must roll the pods.
            annotations: { 'inferscale.io/config-sha256': createHash('sha256').update(configYaml).digest('hex') },
          },
          spec: {
            serviceAccountName: this.name,
            securityContext: { runAsNonRoot: true, runAsUser: NOBODY, runAsGroup: NOBODY, seccompProfile: { type: 'RuntimeDefault' } },
            topologySpreadConstraints: [spread('kubernetes.io/hostname'), spread('topology.kubernetes.io/zone')],
            containers: [{
              name: 'prometheus-adapter',
              image: this.image,
              args: [...this.args],
              ports: [{ name: 'https', containerPort: ADAPTER_SECURE_PORT, protocol: 'TCP' }],
              readinessProbe: probe('/readyz'),
              livenessProbe: { ...probe('/livez'), initialDelaySeconds: 30 },
              resources,
              securityContext: restrictedContainerSecurityContext(true),
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
                ...(certManaged ? [{ name: 'serving-cert', mountPath: SERVING_CERT_DIR, readOnly: true }] : []),
              ],
            }],
            volumes: [
              { name: 'config', configMap: { name: `${this.name}-config` } },
              { name: 'tmp', emptyDir: {} },
              ...(certManaged ? [{ name: 'serving-cert', secret: { secretName: servingSecret } }] : []),
            ],
          },
        },
      },
    });
    this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata,
      spec: { selector: { matchLabels: selectorLabels }, maxUnavailable: k8s.IntOrString.fromNumber(1) },
    });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector: selectorLabels,
        ports: [{ name: 'https', port: 443, targetPort: k8s.IntOrString.fromString('https'), protocol: 'TCP' }],
      },
    });
    const apiService = (id: string, group: string): k8s.KubeApiService => new k8s.KubeApiService(this, id, {
      metadata: { name: `v1beta1.${group}`, labels, ...(injectFrom ? { annotations: { 'cert-manager.io/inject-ca-from': injectFrom } } : {}) },
      spec: {
        group,
        version: 'v1beta1',
        service: { name: this.name, namespace: this.namespace, port: 443 },
        groupPriorityMinimum: 100,
        versionPriority: 100,
        // With cert-manager the CA injector fills caBundle; otherwise the adapter's own
        // self-signed certificate cannot be verified.
        ...(injectFrom ? {} : { insecureSkipTlsVerify: true }),
      },
    });
    this.customMetricsApiService = apiService('CustomMetricsApiService', 'custom.metrics.k8s.io');
    if (this.servesExternalMetrics) this.externalMetricsApiService = apiService('ExternalMetricsApiService', 'external.metrics.k8s.io');
  }
}
