import { checkImage, checkInteger } from '../checks';
import { adapterConfigYaml, AdapterServiceMetrics, buildAdapterConfig, PrometheusAdapterConfig } from '../adapter-config';
import { promDuration } from '../duration';
import { IMAGES } from '../images';
import { AdapterResources } from '../metric';
import { checkDnsLabel, isDnsSubdomain } from '../names';
import { Problem, show } from '../problems';
import { ResolvedResources, resolveResources, ResourcesProps } from '../resources';

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

/** Props of `PrometheusAdapter`, resolved by {@link resolvePrometheusAdapter}. */
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

/** One RBAC rule: verbs on resources of API groups. */
export interface AdapterPolicyRule {
  /** API groups (`""` is the core group). */
  readonly apiGroups: readonly string[];
  /** Plural resource names, sorted. */
  readonly resources: readonly string[];
  /** Verbs. */
  readonly verbs: readonly string[];
}

/** The serving certificate with every default resolved. */
export type ResolvedServingCertificate =
  | {
    /** The adapter's own self-signed certificate; the APIServices skip verification. */
    readonly mode: 'selfSigned';
  }
  | {
    /** A cert-manager Certificate, its CA injected into the APIServices. */
    readonly mode: 'certManager';
    /** Issuer given by the user; absent: a self-signed root and a CA Issuer of the adapter's own. */
    readonly issuer?: {
      /** Name of the Issuer or ClusterIssuer. */
      readonly name: string;
      /** Its kind. */
      readonly kind: 'Issuer' | 'ClusterIssuer';
    };
    /** Certificate lifetime (Go duration). */
    readonly duration: string;
    /** Name of the Secret holding the serving certificate. */
    readonly secretName: string;
  };

/** Every default of {@link PrometheusAdapterProps} resolved: what the construct renders. */
export interface ResolvedPrometheusAdapter {
  /** Name of the adapter's objects. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Replicas. */
  readonly replicas: number;
  /** Container image. */
  readonly image: string;
  /** `--metrics-relist-interval` in seconds. */
  readonly metricsRelistIntervalSeconds: number;
  /** Prometheus HTTP API URL. */
  readonly prometheusUrl: string;
  /** Serving certificate. */
  readonly servingCertificate: ResolvedServingCertificate;
  /** Container requests and limits. */
  readonly resources: ResolvedResources;
  /** The generated rules. */
  readonly config: PrometheusAdapterConfig;
  /** The rules file (`config.yaml`). */
  readonly configYaml: string;
  /** True when the external metrics APIService is registered. */
  readonly servesExternalMetrics: boolean;
  /** The container args. */
  readonly args: readonly string[];
  /**
   * What the adapter's resource reader ClusterRole grants: `get`, `list`, `watch` on exactly the
   * resources the rules map series labels to (`resources.overrides`), nothing else.
   */
  readonly resourceReaderRules: readonly AdapterPolicyRule[];
  /** Selector labels (stable: never change them on a live Deployment). */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** Labels on every object and pod. */
  readonly labels: Readonly<Record<string, string>>;
}

/** Port the adapter serves HTTPS on. */
export const ADAPTER_SECURE_PORT = 6443;
/** Where the rules file is mounted. */
export const ADAPTER_CONFIG_DIR = '/etc/adapter';
/** Where cert-manager's Secret is mounted. */
export const ADAPTER_SERVING_CERT_DIR = '/var/run/serving-cert';

/**
 * Resources a rule may name without a group, as the adapter's REST mapper resolves them:
 * singular and plural to the plural and its API group.
 */
const KNOWN_RESOURCES: Readonly<Record<string, { plural: string; group: string }>> = Object.freeze({
  namespace: { plural: 'namespaces', group: '' },
  pod: { plural: 'pods', group: '' },
  service: { plural: 'services', group: '' },
  node: { plural: 'nodes', group: '' },
  persistentvolumeclaim: { plural: 'persistentvolumeclaims', group: '' },
  deployment: { plural: 'deployments', group: 'apps' },
  statefulset: { plural: 'statefulsets', group: 'apps' },
  daemonset: { plural: 'daemonsets', group: 'apps' },
  replicaset: { plural: 'replicasets', group: 'apps' },
  job: { plural: 'jobs', group: 'batch' },
  cronjob: { plural: 'cronjobs', group: 'batch' },
  ingress: { plural: 'ingresses', group: 'networking.k8s.io' },
});
const READ_VERBS = ['get', 'list', 'watch'] as const;

/**
 * Resolves every default of the Prometheus Adapter, generates its rules from the services'
 * metrics and validates everything (paths relative to the props).
 */
export function resolvePrometheusAdapter(props: PrometheusAdapterProps): {
  /** The adapter with every default filled in; absent when there is any problem. */
  spec?: ResolvedPrometheusAdapter;
  /** Every invalid prop and wiring mistake, with its path relative to the props; empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const name = props.name ?? 'prometheus-adapter';
  const namespace = props.namespace ?? 'monitoring';
  const replicas = props.replicas ?? 2;
  const image = props.image ?? IMAGES.prometheusAdapter;
  const relist = props.metricsRelistIntervalSeconds ?? 60;
  const serving = props.servingCertificate ?? ServingCertificate.selfSigned();
  problems.push(...checkDnsLabel('name', name), ...checkDnsLabel('namespace', namespace));
  if (typeof props.prometheusUrl !== 'string' || !/^https?:\/\/[^\s/?#]+(\/[^\s]*)?$/.test(props.prometheusUrl)) {
    problems.push({ path: 'prometheusUrl', message: `is ${show(props.prometheusUrl)}; expected the Prometheus HTTP API URL, such as "http://prometheus.monitoring.svc:9090" (Prometheus.url)` });
  }
  problems.push(...checkInteger('replicas', replicas, { min: 2, note: '(the adapter is not autoscaled, and while no replica answers every HPA on a custom or external metric stalls)' }));
  problems.push(...checkInteger('metricsRelistIntervalSeconds', relist, { min: 1, max: 3600, unit: 'seconds' }));
  problems.push(...checkImage('image', image, IMAGES.prometheusAdapter));
  const servingCertificate = resolveServingCertificate(serving, name, problems);
  const resources = resolveResources('resources', props.resources, { cpu: { request: '100m' }, memory: { request: '256Mi', limit: '512Mi' } });
  problems.push(...resources.problems);
  const built = buildAdapterConfig(props.services ?? []);
  problems.push(...built.problems);
  const externalOwner = props.externalMetricsOwner;
  if (externalOwner !== undefined) {
    if (typeof externalOwner !== 'string' || !externalOwner.trim()) {
      problems.push({ path: 'externalMetricsOwner', message: `is ${show(externalOwner)}; expected the name of the provider serving external.metrics.k8s.io, such as "keda"` });
    } else if (built.usesExternalMetrics) {
      const users = built.externalMetricUsers;
      problems.push({
        path: 'externalMetricsOwner',
        message: `is ${show(externalOwner)}, which owns the external metrics API (APIService v1beta1.external.metrics.k8s.io), but ${users.join(', ')} ${users.length === 1 ? 'is an External metric' : 'are External metrics'} this adapter would have to serve; two providers cannot share that APIService. Serve ${users.length === 1 ? 'it' : 'them'} through ${externalOwner}, or remove externalMetricsOwner`,
      });
    }
  }
  if (problems.length > 0 || !servingCertificate) return { problems };

  const certManaged = servingCertificate.mode === 'certManager';
  const selectorLabels = { 'app.kubernetes.io/name': 'prometheus-adapter', 'app.kubernetes.io/instance': name };
  return {
    problems: [],
    spec: {
      name,
      namespace,
      replicas,
      image,
      metricsRelistIntervalSeconds: relist,
      prometheusUrl: props.prometheusUrl,
      servingCertificate,
      resources: resources.resources,
      config: built.config,
      configYaml: adapterConfigYaml(built.config),
      servesExternalMetrics: built.usesExternalMetrics,
      args: [
        `--secure-port=${ADAPTER_SECURE_PORT}`,
        '--cert-dir=/tmp/cert',
        ...(certManaged ? [`--tls-cert-file=${ADAPTER_SERVING_CERT_DIR}/tls.crt`, `--tls-private-key-file=${ADAPTER_SERVING_CERT_DIR}/tls.key`] : []),
        `--prometheus-url=${props.prometheusUrl}`,
        `--metrics-relist-interval=${promDuration(relist)}`,
        `--config=${ADAPTER_CONFIG_DIR}/config.yaml`,
      ],
      resourceReaderRules: adapterResourceReaderRules(built.config),
      selectorLabels,
      labels: { ...selectorLabels, 'app.kubernetes.io/component': 'metrics-adapter', 'app.kubernetes.io/managed-by': 'inferscale' },
    },
  };
}

/**
 * The RBAC rules the adapter needs to serve its rules: `get`, `list` and `watch` on each
 * resource a rule maps a series label to, grouped by API group. The adapter looks these objects
 * up to answer label-selector queries (`pods` matching an HPA's selector) and to check that a
 * described object exists. Nothing else: upstream's resource reader also lists `nodes` for the
 * resource metrics API, which this adapter does not serve, and the delegated authentication
 * ConfigMap is read through the `extension-apiserver-authentication-reader` Role in
 * kube-system, not a cluster-wide grant on ConfigMaps.
 *
 * A resource named without a group resolves through a table of built-in kinds (`pod`,
 * `deployment`, `ingress`, ...); other names are taken as plural when they end in "s".
 * @see https://github.com/kubernetes-sigs/prometheus-adapter/blob/v0.12.0/deploy/manifests/cluster-role.yaml
 */
export function adapterResourceReaderRules(config: PrometheusAdapterConfig): AdapterPolicyRule[] {
  const byGroup = new Map<string, Set<string>>();
  for (const rule of [...config.rules, ...config.externalRules]) {
    for (const { plural, group } of ruleResources(rule.resources)) {
      const set = byGroup.get(group) ?? new Set<string>();
      set.add(plural);
      byGroup.set(group, set);
    }
  }
  return [...byGroup.keys()].sort().map((group) => ({ apiGroups: [group], resources: [...byGroup.get(group)!].sort(), verbs: [...READ_VERBS] }));
}

function ruleResources(resources: AdapterResources): { plural: string; group: string }[] {
  if (!('overrides' in resources)) return [];
  return Object.values(resources.overrides).map((o) => {
    const lower = o.resource.toLowerCase();
    const known = KNOWN_RESOURCES[lower] ?? Object.values(KNOWN_RESOURCES).find((k) => k.plural === lower);
    const group = o.group ?? known?.group ?? '';
    if (known && known.group === group) return { plural: known.plural, group };
    return { plural: /s$/.test(lower) ? lower : pluralOf(lower), group };
  });
}

/** Kubernetes' guess from a kind to its resource (`UnsafeGuessKindToResource`), for names not ending in "s". */
function pluralOf(singular: string): string {
  if (singular.endsWith('y')) return `${singular.slice(0, -1)}ies`;
  return `${singular}s`;
}

function resolveServingCertificate(serving: ServingCertificate, name: string, problems: Problem[]): ResolvedServingCertificate | undefined {
  if (serving.mode !== 'certManager') return { mode: 'selfSigned' };
  const cm = serving.certManagerOptions ?? {};
  const before = problems.length;
  if (cm.issuer !== undefined) {
    if (typeof cm.issuer.name !== 'string' || !isDnsSubdomain(cm.issuer.name)) problems.push({ path: 'servingCertificate.issuer.name', message: `is ${show(cm.issuer.name)}; expected the name of a cert-manager Issuer or ClusterIssuer` });
    if (cm.issuer.kind !== undefined && cm.issuer.kind !== 'Issuer' && cm.issuer.kind !== 'ClusterIssuer') problems.push({ path: 'servingCertificate.issuer.kind', message: `is ${show(cm.issuer.kind)}; expected "Issuer" or "ClusterIssuer"` });
  }
  if (cm.duration !== undefined && !/^([0-9]+(\.[0-9]+)?(h|m|s))+$/.test(cm.duration)) problems.push({ path: 'servingCertificate.duration', message: `is ${show(cm.duration)}; expected a Go duration such as "8760h"` });
  if (problems.length > before) return undefined;
  return {
    mode: 'certManager',
    ...(cm.issuer ? { issuer: { name: cm.issuer.name, kind: cm.issuer.kind ?? 'Issuer' } } : {}),
    duration: cm.duration ?? '8760h',
    secretName: `${name}-serving-cert`,
  };
}
