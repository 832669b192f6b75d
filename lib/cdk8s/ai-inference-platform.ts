import { Chart, ChartProps } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  AUTOSCALERS,
  Autoscaler,
  checkDnsLabel,
  checkModelCaches,
  checkPlatformWiring,
  EbsStorageClassProps,
  checkUnique,
  GpuNodePoolProps,
  InferenceServiceProps,
  InferscaleValidationError,
  prefixProblems,
  Problem,
  resolveEbsStorageClass,
  resolveGpuNodePool,
  ResolvedGpuNodePool,
  ResourceMetricsProvider,
  show,
  ResolvedStorageClass,
  ScaledObjectOptions,
} from '../core';
import { metricsApiServices, PlatformAlertOptions, platformAlertRules } from '../core/alerts/platform-alerts';
import { AlertRuleGroup } from '../core/alerts/rules';
import { buildDashboard, GRAFANA_DASHBOARD_LABEL, GrafanaDashboard } from '../core/dashboard';
import { podSecurityLabels } from '../core/platform/pod-security';
import { KUBE_STATE_METRICS_JOB } from '../core/prometheus-config';
import { childPath } from '../core/service-config';
import { AIInferenceService } from './ai-inference-service';
import { DCGM_PROFILING_FIELDS, DcgmExporter, DcgmExporterProps } from './dcgm-exporter';
import { KubeStateMetrics, KubeStateMetricsProps } from './kube-state-metrics';
import { MetricsServer, MetricsServerProps } from './metrics-server';
import { NvidiaDevicePlugin, NvidiaDevicePluginProps } from './nvidia-device-plugin';
import { GpuHeadroom, GpuHeadroomProps } from './gpu-headroom';
import { ImagePrepull, ImagePrepullProps } from './image-prepull';
import { NetworkPoliciesProps, PlatformNetworkPolicies, PlatformNetworkPoliciesProps, resolveNetworkPolicies } from './network-policies';
import { Prometheus, PROMETHEUS_PORT, PrometheusSource } from './prometheus';
import { ADAPTER_SECURE_PORT, PrometheusAdapter, PrometheusAdapterProps } from './prometheus-adapter';

/** Namespaces of the platform. */
export interface PlatformNamespacesProps {
  /** Where services go unless they name their own. Pod Security "restricted". @default "inference" */
  readonly inference?: string;
  /** Device plugin and DCGM exporter. Pod Security "privileged" (see {@link AIInferencePlatform}). @default "gpu-system" */
  readonly gpuSystem?: string;
  /** Prometheus and the Prometheus Adapter. Pod Security "restricted" when inferscale creates it. @default "monitoring" */
  readonly monitoring?: string;
}

/** Dashboard options of an {@link AIInferencePlatform}. */
export interface PlatformDashboardProps {
  /** Title (the uid derives from it). @default - "inferscale <chart id>" */
  readonly title?: string;
  /** Price of a node-hour by instance type, for the cost panels. @default - no cost panels */
  readonly nodeHourlyPrices?: Readonly<Record<string, number>>;
}

/** Alert options of an {@link AIInferencePlatform}: how long each condition must hold. */
export type PlatformAlertsProps = PlatformAlertOptions;

/** KEDA options of an {@link AIInferencePlatform}. */
export interface KedaPlatformProps extends Omit<ScaledObjectOptions, 'prometheusUrl' | 'fallbackReplicas'> {
  /** Namespace KEDA runs in (its operator queries Prometheus from there). @default "keda" */
  readonly namespace?: string;
}

/** Props of {@link AIInferencePlatform}. */
export interface AIInferencePlatformProps extends ChartProps {
  /** The GPU nodes: used for scheduling and capacity checks, and by the device plugin and DCGM exporter affinity. @default - none (then no service may ask for GPUs) */
  readonly gpuNodePools?: readonly GpuNodePoolProps[];
  /**
   * The NVIDIA device plugin, on every pool whose AMI does not ship one; `false` leaves it out.
   * @default - deployed when some pool needs it
   */
  readonly devicePlugin?: Omit<NvidiaDevicePluginProps, 'namespace' | 'pools' | 'timeSlicing'> | false;
  /**
   * The DCGM exporter, for GPU metrics; `false` leaves it out. Profiling fields (and the
   * `SYS_ADMIN` capability they need) are added only when a service's metric reads one.
   * @default - deployed when there are GPU pools
   */
  readonly dcgmExporter?: Omit<DcgmExporterProps, 'namespace' | 'pools'> | false;
  /**
   * metrics-server, which serves `metrics.k8s.io` for the services' CPU and memory metrics (and
   * `kubectl top`); EKS does not install one. `false` leaves it out when the cluster already
   * has one (GKE, AKS, the EKS metrics-server add-on): two providers cannot share its APIService.
   * @default - deployed in kube-system (see {@link MetricsServer})
   */
  readonly metricsServer?: MetricsServerProps | false;
  /**
   * With `metricsServer: false`, who serves `metrics.k8s.io`: `"cluster"`, the cluster's own
   * provider, or `"none"`, nobody, which makes every Resource metric an error (the HPA could
   * never read it and would never scale down).
   * @default "cluster" when metricsServer is false
   */
  readonly resourceMetricsProvider?: Exclude<ResourceMetricsProvider, 'metricsServer'>;
  /** Where the adapter's Prometheus comes from. @default PrometheusSource.embedded() */
  readonly prometheus?: PrometheusSource;
  /**
   * Render an encrypted gp3 StorageClass of the EBS CSI driver (`WaitForFirstConsumer`); an
   * embedded Prometheus that names no storage of its own keeps its TSDB on a claim of it. The
   * EBS CSI driver must run on the cluster (EKS add-on `aws-ebs-csi-driver`); the Pulumi
   * environment installs both, so leave this out there.
   * @default - none: Prometheus stores as its source says (an emptyDir unless told otherwise)
   */
  readonly ebsStorageClass?: EbsStorageClassProps;
  /**
   * Who scales the services (each may name its own in `autoscaler`): `adapter`, an HPA per
   * service reading the Prometheus Adapter, or `keda`, a KEDA ScaledObject per service whose
   * triggers run the same catalogue queries against Prometheus (KEDA creates the HPA). KEDA
   * must be installed (see `KEDA_VERSION`); it owns `external.metrics.k8s.io`, so with any KEDA
   * service the adapter serves custom metrics only, and with no adapter service there is no
   * adapter at all.
   * @default "adapter"
   */
  readonly autoscaler?: Autoscaler;
  /** KEDA options of every ScaledObject. @default - polling every 15 s, cooldown 300 s, fallback after 3 failed reads */
  readonly keda?: KedaPlatformProps;
  /** Prometheus Adapter options (used when some service scales through the adapter). @default - two replicas, self-signed serving certificate */
  readonly adapter?: Omit<PrometheusAdapterProps, 'prometheusUrl' | 'services' | 'namespace'>;
  /**
   * Ingress NetworkPolicies for every part: metrics ports answer Prometheus only, Prometheus
   * answers the adapter (and `prometheusClientNamespaces`), each model server answers its own
   * namespace (and `inferenceClientNamespaces`), the adapter's secure port answers the API
   * server. They take effect only where the network plugin enforces NetworkPolicies (on EKS,
   * the VPC CNI network policy agent); `false` leaves them out.
   * @default {} - on, each model server reachable from its own namespace only
   */
  readonly networkPolicies?: NetworkPoliciesProps | false;
  /** Namespace names. @default - inference, gpu-system, monitoring */
  readonly namespaces?: PlatformNamespacesProps;
  /**
   * Warm GPU nodes, per pool: placeholder pods at a negative priority that hold whole nodes
   * until a replica preempts them (see `GpuHeadroom`). They cost node-hours all day; `inferscale
   * tune` tells what they buy on a trace.
   * @default - none
   */
  readonly gpuHeadroom?: readonly GpuHeadroomProps[];
  /**
   * A DaemonSet that pulls the GPU services' images on every GPU node as it joins (see
   * `ImagePrepull`): a replica landing on a warm node skips the pull. `true` for the defaults.
   * @default false
   */
  readonly imagePrepull?: ImagePrepullProps | boolean;
  /**
   * kube-state-metrics next to the embedded Prometheus, for the alerts' and dashboard's cluster
   * state; `false` leaves it out. Never deployed with an existing kube-prometheus-stack, which
   * runs its own.
   * @default - deployed with the embedded Prometheus
   */
  readonly kubeStateMetrics?: Omit<KubeStateMetricsProps, 'namespace'> | false;
  /**
   * Alerting rules generated from the services' metrics (see `buildAlertRules`); `false` leaves
   * them out.
   * @default {} - on
   */
  readonly alerts?: PlatformAlertsProps | false;
  /**
   * A Grafana dashboard generated from the services' metrics, as a ConfigMap in the monitoring
   * namespace labelled `grafana_dashboard: "1"` (what kube-prometheus-stack's Grafana sidecar
   * loads); `false` leaves it out.
   * @default {} - on, titled after the chart, no cost panel
   */
  readonly dashboard?: PlatformDashboardProps | false;
  /** The inference services, by construct id (also their default name). @default - none */
  readonly services?: Readonly<Record<string, InferenceServiceProps>>;
  /**
   * Check that every GPU service's maxReplicas × GPUs per replica fits the matching pools'
   * maxNodes. Turn off only when something else (Karpenter, a larger pool elsewhere) owns
   * node capacity.
   * @default true
   */
  readonly checkGpuCapacity?: boolean;
}

/**
 * A complete GPU inference platform in one chart: namespaces with Pod Security labels, the
 * NVIDIA device plugin, the DCGM exporter, metrics-server (unless the cluster has one),
 * Prometheus (embedded or an existing kube-prometheus-stack), the Prometheus Adapter with rules
 * generated from every service's metrics, the services themselves, and ingress NetworkPolicies
 * guarding each of them.
 *
 * The wiring between them is generated and checked before output: every HPA metric has an
 * adapter rule, or for CPU and memory a provider of metrics.k8s.io; GPU metrics have the DCGM
 * exporter; GPU services have a pool they select, whose resource (time-sliced or not) they request, whose nodes hold a replica and whose
 * capacity holds maxReplicas; rate windows cover four scrapes.
 *
 * The GPU system namespace is Pod Security "privileged": the device plugin writes a socket
 * under the kubelet's `/var/lib/kubelet/device-plugins` and the DCGM exporter reads the
 * kubelet's pod-resources socket (and needs SYS_ADMIN for profiling fields), which no
 * stricter level allows. Inference and monitoring namespaces are "restricted". Every
 * namespace warns and audits at the level it enforces, each mode pinned to one version.
 */
export class AIInferencePlatform extends Chart {
  /** Resolved GPU node pools. */
  public readonly gpuNodePools: readonly ResolvedGpuNodePool[];
  /** Resolved namespace names. */
  public readonly namespaceNames: Required<PlatformNamespacesProps>;
  /** Namespace objects inferscale creates. */
  public readonly namespaces: readonly k8s.KubeNamespace[];
  /** The device plugin, when deployed. */
  public readonly devicePlugin?: NvidiaDevicePlugin;
  /** The DCGM exporter, when deployed. */
  public readonly dcgmExporter?: DcgmExporter;
  /** metrics-server, when deployed. */
  public readonly metricsServer?: MetricsServer;
  /** Who serves `metrics.k8s.io` for the services' Resource metrics. */
  public readonly resourceMetricsProvider: ResourceMetricsProvider;
  /** The EBS StorageClass, when rendered. */
  public readonly storageClass?: k8s.KubeStorageClass;
  /** The EBS StorageClass resolved, when rendered. */
  public readonly storageClassSpec?: ResolvedStorageClass;
  /** Prometheus (server or monitors). */
  public readonly prometheus: Prometheus;
  /** The Prometheus Adapter, unless every service scales through KEDA. */
  public readonly adapter?: PrometheusAdapter;
  /** Who scales services that do not name their own autoscaler. */
  public readonly autoscaler: Autoscaler;
  /** KEDA's namespace, when some service scales through KEDA. */
  public readonly kedaNamespace?: string;
  /** The services by id. */
  public readonly services: Readonly<Record<string, AIInferenceService>>;
  /** Placeholder Deployments holding warm GPU nodes, in the order of `gpuHeadroom`. */
  public readonly gpuHeadroom: readonly GpuHeadroom[] = [];
  /** The image pre-pull DaemonSet, when asked for. */
  public readonly imagePrepull?: ImagePrepull;
  /** The NetworkPolicies, unless `networkPolicies: false`. */
  public readonly networkPolicies?: PlatformNetworkPolicies;
  /** kube-state-metrics, when deployed (embedded Prometheus only). */
  public readonly kubeStateMetrics?: KubeStateMetrics;
  /** The generated Grafana dashboard, unless `dashboard: false`. */
  public readonly dashboard?: GrafanaDashboard;
  /** The dashboard's ConfigMap, unless `dashboard: false`. */
  public readonly dashboardConfigMap?: k8s.KubeConfigMap;
  /** The alerting rules rendered into Prometheus (a rule file or a PrometheusRule); empty with `alerts: false`. */
  public readonly alertRules: readonly AlertRuleGroup[];

  /**
   * @throws InferscaleValidationError listing every problem in props and in the wiring
   */
  public constructor(scope: Construct, id: string, props: AIInferencePlatformProps = {}) {
    super(scope, id, { disableResourceNameHashes: true, ...props });
    const owner = `AIInferencePlatform "${this.node.path}"`;
    // Every part is checked, even after another failed, and everything found is thrown at once,
    // at the path the user wrote (services.<id>.maxReplicas, prometheus.discoveryNamespaces[0]).
    const problems: Problem[] = [];
    const ns: Required<PlatformNamespacesProps> = {
      inference: props.namespaces?.inference ?? 'inference',
      gpuSystem: props.namespaces?.gpuSystem ?? 'gpu-system',
      monitoring: props.namespaces?.monitoring ?? 'monitoring',
    };
    for (const [k, v] of Object.entries(ns)) problems.push(...checkDnsLabel(`namespaces.${k}`, v));
    problems.push(...checkDistinctNamespaces(ns));
    const namespacesOk = problems.length === 0;
    const pools: ResolvedGpuNodePool[] = [];
    const poolIndexes: number[] = [];
    const poolProblems: Problem[] = [];
    (props.gpuNodePools ?? []).forEach((p, i) => {
      const r = resolveGpuNodePool(p);
      poolProblems.push(...prefixProblems(`gpuNodePools[${i}]`, r.problems));
      if (r.pool) {
        pools.push(r.pool);
        poolIndexes.push(i);
      }
    });
    const autoscaler = props.autoscaler ?? 'adapter';
    if (!AUTOSCALERS.includes(autoscaler)) problems.push({ path: 'autoscaler', message: `is ${show(autoscaler)}; expected "adapter" or "keda"` });
    this.autoscaler = autoscaler;
    const kedaNamespace = props.keda?.namespace ?? 'keda';
    if (props.keda?.namespace !== undefined) problems.push(...checkDnsLabel('keda.namespace', props.keda.namespace));
    const provider = props.resourceMetricsProvider;
    if (provider !== undefined) {
      if (provider !== 'cluster' && provider !== 'none') {
        problems.push({ path: 'resourceMetricsProvider', message: `is ${show(provider)}; expected "cluster" (the cluster serves metrics.k8s.io) or "none"` });
      } else if (props.metricsServer !== false) {
        problems.push({ path: 'resourceMetricsProvider', message: `is ${show(provider)}, but metricsServer is not false, so the platform deploys metrics-server and serves metrics.k8s.io itself${provider === 'cluster' ? '; two providers cannot share APIService v1beta1.metrics.k8s.io' : ''}. Set metricsServer: false, or remove resourceMetricsProvider` });
      }
    }
    poolProblems.push(...checkUnique(pools, (p) => p.name, (i) => `gpuNodePools[${poolIndexes[i]}].name`, 'pool'));
    problems.push(...poolProblems);
    let storageClass: ResolvedStorageClass | undefined;
    if (props.ebsStorageClass !== undefined) {
      const r = resolveEbsStorageClass(props.ebsStorageClass);
      problems.push(...prefixProblems('ebsStorageClass', r.problems));
      storageClass = r.spec;
    }
    this.gpuNodePools = pools;
    if (storageClass) {
      this.storageClassSpec = storageClass;
      this.storageClass = new k8s.KubeStorageClass(this, 'StorageClass', {
        metadata: {
          name: storageClass.name,
          labels: { 'app.kubernetes.io/managed-by': 'inferscale' },
          ...(Object.keys(storageClass.annotations).length ? { annotations: { ...storageClass.annotations } } : {}),
        },
        provisioner: storageClass.provisioner,
        parameters: { ...storageClass.parameters },
        volumeBindingMode: storageClass.volumeBindingMode,
        reclaimPolicy: storageClass.reclaimPolicy,
        allowVolumeExpansion: storageClass.allowVolumeExpansion,
      });
    }
    this.namespaceNames = ns;
    this.resourceMetricsProvider = props.metricsServer === false ? provider ?? 'cluster' : 'metricsServer';

    const stack = props.prometheus?.mode === 'kubePrometheusStack';
    const wantsPlugin = props.devicePlugin !== false && pools.some((p) => !p.devicePluginPreinstalled);
    const wantsDcgm = props.dcgmExporter !== false && pools.length > 0;
    const namespaces: k8s.KubeNamespace[] = [];
    const namespace = (name: string, level: 'restricted' | 'privileged', why: string): void => {
      namespaces.push(new k8s.KubeNamespace(this, `Namespace-${name}`, {
        metadata: {
          name,
          labels: podSecurityLabels(level),
          annotations: { 'inferscale.io/pod-security-reason': why },
        },
      }));
    };
    // A Map, not an object: a service named "__proto__" or "constructor" is a key like any other.
    const serviceProps = new Map(Object.entries(props.services ?? {}));
    // Two namespaces of one name would be two objects of one name: that is already a problem.
    if (namespacesOk) {
      if (wantsPlugin || wantsDcgm) {
        namespace(ns.gpuSystem, 'privileged', 'The NVIDIA device plugin and DCGM exporter use kubelet hostPath sockets (device-plugins, pod-resources) and the DCGM exporter needs SYS_ADMIN when it exports profiling fields.');
      }
      // An existing kube-prometheus-stack owns its namespace (its node exporter needs host access): leave it alone.
      if (!stack) namespace(ns.monitoring, 'restricted', 'Prometheus and the Prometheus Adapter need no privileges.');
      const leversThere = (props.gpuHeadroom ?? []).some((h) => h.nodes !== 0) || (props.imagePrepull !== undefined && props.imagePrepull !== false);
      if (leversThere || [...serviceProps.values()].some((s) => s.namespace === undefined || s.namespace === ns.inference)) {
        namespace(ns.inference, 'restricted', 'Inference pods need no privileges.');
      }
    }
    const metricsServerNamespace = props.metricsServer === false ? undefined : props.metricsServer?.namespace;
    // kube-system exists everywhere; an existing kube-prometheus-stack owns the monitoring namespace.
    const existing = ['kube-system', ...(stack ? [ns.monitoring] : [])];
    if (metricsServerNamespace !== undefined && !existing.includes(metricsServerNamespace) && !namespaces.some((n) => n.metadata.name === metricsServerNamespace)) {
      namespace(metricsServerNamespace, 'restricted', 'metrics-server needs no privileges.');
    }
    this.namespaces = namespaces;

    if (wantsPlugin) {
      this.devicePlugin = collect(problems, partPath('devicePlugin'), () => new NvidiaDevicePlugin(this, 'NvidiaDevicePlugin', { ...(props.devicePlugin || {}), namespace: ns.gpuSystem, pools }));
    }
    if (wantsDcgm) {
      const dcgm = props.dcgmExporter || {};
      // Profiling fields (and the SYS_ADMIN they need) only when a service's metric reads one.
      const profiling = DCGM_PROFILING_FIELDS.map((f) => f.name).filter((name) => [...serviceProps.values()]
        .some((s) => (s.metrics ?? []).some((m) => m.definition?.series.some((x) => x.source === 'dcgm' && x.name === name))));
      const requiredFields = [...(dcgm.requiredFields ?? []), ...profiling];
      this.dcgmExporter = collect(problems, partPath('dcgmExporter'), () => new DcgmExporter(this, 'DcgmExporter', {
        ...dcgm, ...(requiredFields.length ? { requiredFields } : {}), namespace: ns.gpuSystem, pools,
      }));
    }

    if (props.metricsServer !== false) {
      this.metricsServer = collect(problems, partPath('metricsServer'), () => new MetricsServer(this, 'MetricsServer', props.metricsServer || {}));
    }

    const services = new Map<string, AIInferenceService>();
    for (const [sid, sp] of serviceProps) {
      const at = childPath('services', sid);
      // A namespace the service did not name is namespaces.inference, already checked.
      const svc = collect(problems, (path) => (path === 'namespace' && sp.namespace === undefined ? undefined : path ? `${at}${path.startsWith('[') ? '' : '.'}${path}` : at), () =>
        new AIInferenceService(this, constructIdOf(sid), { ...sp, name: sp.name ?? sid, namespace: sp.namespace ?? ns.inference, autoscaler: sp.autoscaler ?? autoscaler }));
      if (svc) services.set(sid, svc);
    }
    this.services = Object.fromEntries(services);
    const specIds = [...services.keys()];
    const specs = [...services.values()].map((s) => s.spec);
    const kedaIds = specIds.filter((id) => services.get(id)!.spec.autoscaler === 'keda');
    const adapterIds = specIds.filter((id) => services.get(id)!.spec.autoscaler === 'adapter');
    const usesKeda = kedaIds.length > 0;
    // An adapter is needed for the adapter's services; with none, only when no service uses KEDA (an empty platform keeps it).
    const wantsAdapter = adapterIds.length > 0 || !usesKeda;
    if (usesKeda) {
      this.kedaNamespace = kedaNamespace;
      // KEDA registers external.metrics.k8s.io: the adapter may serve custom metrics only.
      for (const id of adapterIds) {
        services.get(id)!.spec.metrics.forEach((m, j) => {
          if (m.hpa.type !== 'External') return;
          problems.push({
            path: `${childPath('services', id)}.metrics[${j}] (${m.kind})`,
            message: `is an External metric, which the Prometheus Adapter would serve on external.metrics.k8s.io; KEDA owns that API in this platform (${kedaIds.map((k) => childPath('services', k)).join(', ')} use autoscaler "keda"), and one APIService has one provider. Set autoscaler: "keda" on this service too`,
          });
        });
      }
    }

    // Cold-start levers: warm nodes, images already on them. Both run in the inference namespace.
    const headroom = (props.gpuHeadroom ?? []).flatMap((h, i) => {
      if (h?.nodes === 0) return [];
      const built = collect(problems, (path) => `gpuHeadroom[${i}]${path ? `.${path}` : ''}`, () => new GpuHeadroom(this, `GpuHeadroom-${i}`, h, pools, ns.inference));
      return built ? [built] : [];
    });
    problems.push(...checkUnique(headroom, (h) => h.spec.pool, (i) => `gpuHeadroom[${i}].pool`, 'pool'));
    if (headroom.length) GpuHeadroom.renderPriorityClass(this);
    this.gpuHeadroom = headroom;
    if (props.imagePrepull !== undefined && props.imagePrepull !== false) {
      const gpuImages = [...services.values()].filter((x) => x.spec.gpu).map((x) => x.spec.image);
      this.imagePrepull = collect(problems, (path) => `imagePrepull${path ? `.${path}` : ''}`, () =>
        new ImagePrepull(this, 'ImagePrepull', props.imagePrepull === true ? {} : props.imagePrepull as ImagePrepullProps, pools, gpuImages, ns.inference));
    }

    // The wiring is checked only on sound parts: against a pool or daemon with problems of its
    // own, it would report what fixing those changes.
    const partsSound = poolProblems.length === 0 && (!wantsPlugin || this.devicePlugin) && (!wantsDcgm || this.dcgmExporter);
    if (partsSound) {
      const serviceSpecs = Object.fromEntries([...services].map(([k, s]) => [k, s.spec]));
      problems.push(...checkPlatformWiring({
        services: serviceSpecs,
        pools,
        devicePlugin: wantsPlugin,
        ...(this.dcgmExporter ? { dcgmSeries: this.dcgmExporter.metricNames } : {}),
        checkGpuCapacity: props.checkGpuCapacity ?? true,
        resourceMetrics: this.resourceMetricsProvider,
        gpuNodeDaemons: [
          ...(this.devicePlugin ? [{ name: this.devicePlugin.spec.name, requests: this.devicePlugin.spec.resources.requests, poolNames: this.devicePlugin.spec.poolNames }] : []),
          ...(this.dcgmExporter ? [{ name: this.dcgmExporter.spec.name, requests: this.dcgmExporter.spec.resources.requests }] : []),
        ],
        ...(props.prometheus?.embeddedOptions?.discoveryNamespaces ? { discoveryNamespaces: props.prometheus.embeddedOptions.discoveryNamespaces } : {}),
      }));
      problems.push(...checkModelCaches({
        services: serviceSpecs,
        pools,
        // The inference namespace is created with Pod Security "restricted".
        hostPathForbiddenIn: namespaces.some((n) => n.name === ns.inference) ? [ns.inference] : [],
      }));
    }

    if (!stack && props.kubeStateMetrics !== false) {
      this.kubeStateMetrics = collect(problems, partPath('kubeStateMetrics'), () => new KubeStateMetrics(this, 'KubeStateMetrics', { ...(props.kubeStateMetrics || {}), namespace: ns.monitoring }));
    }
    const ksm = this.kubeStateMetrics?.spec;
    const alertProblems: Problem[] = [];
    const alertRules = props.alerts === false ? [] : platformAlertRules({
      options: props.alerts ?? {},
      services: specs,
      defaultNamespace: ns.inference,
      embedded: !stack,
      ...(ksm ? { kubeStateMetricsJob: KUBE_STATE_METRICS_JOB } : {}),
      ...(this.dcgmExporter ? { dcgmExporter: { namespace: this.dcgmExporter.namespace, name: this.dcgmExporter.spec.name } } : {}),
      apiServices: metricsApiServices({
        adapterCustom: specs.some((x) => x.autoscaler === 'adapter' && x.metrics.some((m) => m.hpa.type === 'Pods' || m.hpa.type === 'Object')),
        external: specs.some((x) => x.autoscaler === 'keda' || x.metrics.some((m) => m.hpa.type === 'External')),
        resource: this.resourceMetricsProvider !== 'none' && specs.some((x) => x.metrics.some((m) => m.hpa.type === 'Resource')),
      }),
    }, alertProblems);
    problems.push(...prefixProblems('alerts', alertProblems));
    this.alertRules = alertRules;

    let source = props.prometheus;
    if (storageClass && (source === undefined || source.mode === 'embedded')) {
      const o = source?.embeddedOptions ?? {};
      // An embedded server that names no storage of its own keeps its TSDB on the rendered class.
      if (o.storage === undefined && o.storageClassName === undefined) source = PrometheusSource.embedded({ ...o, storageClassName: storageClass.name });
    }
    // Paths of a part's problems about the services it was given, as the user wrote them.
    const serviceRef = (path: string): string => path.replace(/^services\[(\d+)\](?: \([^)]*\))?/, (_m, i: string) => childPath('services', specIds[Number(i)] ?? i));
    const prometheus = collect(problems, (path) => {
      if (path === 'namespace' || path === 'name') return undefined;
      if (path.startsWith('services[')) return serviceRef(path);
      return path.startsWith('source.') ? `prometheus.${path.slice('source.'.length)}` : `prometheus.${path}`;
    }, () => new Prometheus(this, 'Prometheus', {
      ...(source ? { source } : {}),
      namespace: ns.monitoring,
      services: specs,
      ...(this.dcgmExporter ? { dcgmExporter: this.dcgmExporter.scrapeJobHint } : {}),
      ...(ksm ? { kubeStateMetrics: { namespace: ksm.namespace, podLabels: ksm.selectorLabels, port: ksm.metricsPort } } : {}),
      ...(alertRules.length ? { alertRules } : {}),
    }));
    const adapterSpecs = specs.filter((x) => x.autoscaler === 'adapter');
    const adapter = !wantsAdapter ? undefined : collect(problems, (path) => {
      if (path === 'namespace') return undefined;
      if (path.startsWith('services[')) return serviceRef(path);
      return path === 'prometheusUrl' ? 'prometheus.url' : `adapter.${path}`;
    }, () => new PrometheusAdapter(this, 'PrometheusAdapter', {
      ...(props.adapter ?? {}),
      namespace: ns.monitoring,
      // With a Prometheus that has problems of its own, the adapter's other options are still checked.
      prometheusUrl: prometheus?.url ?? `http://prometheus.${ns.monitoring}.svc:9090`,
      services: adapterSpecs,
    }));
    if (prometheus) {
      const { namespace: _kedaNamespace, ...kedaOptions } = props.keda ?? {};
      kedaIds.forEach((id, k) => {
        // Problems with the platform's keda options are the same for every service: reported once.
        collect(problems, (path) => (path.startsWith('keda.') ? (k === 0 ? path : undefined) : `${childPath('services', id)}.${path}`),
          () => services.get(id)!.addScaledObject({ ...kedaOptions, prometheusUrl: prometheus.url }));
      });
    }

    let policyProps: PlatformNetworkPoliciesProps | undefined;
    if (props.networkPolicies !== false && prometheus && (adapter || !wantsAdapter)) {
      policyProps = {
        ...(props.networkPolicies ?? {}),
        platform: {
          prometheus: prometheus.selectorLabels
            ? { mode: 'embedded', server: { name: prometheus.name, namespace: prometheus.namespace, podLabels: prometheus.selectorLabels }, port: PROMETHEUS_PORT }
            : { mode: 'external', url: prometheus.url },
          ...(adapter ? { adapter: { name: adapter.name, namespace: adapter.namespace, podLabels: adapter.spec.selectorLabels, port: ADAPTER_SECURE_PORT } } : {}),
          ...(usesKeda ? { kedaNamespace } : {}),
          ...(this.metricsServer ? { metricsServer: { name: this.metricsServer.spec.name, namespace: this.metricsServer.spec.namespace, podLabels: this.metricsServer.spec.selectorLabels, port: this.metricsServer.spec.securePort } } : {}),
          ...(this.dcgmExporter ? { dcgmExporter: { name: this.dcgmExporter.spec.name, namespace: this.dcgmExporter.namespace, podLabels: this.dcgmExporter.spec.selectorLabels, port: this.dcgmExporter.metricsPort } } : {}),
          ...(ksm ? { kubeStateMetrics: { name: ksm.name, namespace: ksm.namespace, podLabels: ksm.selectorLabels, port: ksm.metricsPort } } : {}),
          services: specs.map((s) => ({ name: s.name, namespace: s.namespace ?? ns.inference, podLabels: s.selectorLabels, port: s.port, metricsPort: s.metricsPort })),
        },
      };
      // Checked here, with every other part, so that a mistake is reported at the path the user wrote.
      problems.push(...prefixProblems('networkPolicies', resolveNetworkPolicies(policyProps, policyProps.platform).problems));
    }

    if (problems.length || !prometheus || (wantsAdapter && !adapter)) throw new InferscaleValidationError(owner, problems);
    this.prometheus = prometheus;
    this.adapter = adapter;
    if (policyProps) this.networkPolicies = new PlatformNetworkPolicies(this, 'NetworkPolicies', policyProps);
    if (props.dashboard !== false) {
      const title = props.dashboard?.title ?? `inferscale ${id}`;
      this.dashboard = buildDashboard({ title, services: specs, defaultNamespace: ns.inference, ...(props.dashboard?.nodeHourlyPrices ? { nodeHourlyPrices: props.dashboard.nodeHourlyPrices } : {}) });
      this.dashboardConfigMap = new k8s.KubeConfigMap(this, 'DashboardConfigMap', {
        metadata: { name: `${this.dashboard.uid}-dashboard`, namespace: ns.monitoring, labels: { ...GRAFANA_DASHBOARD_LABEL, 'app.kubernetes.io/managed-by': 'inferscale' } },
        data: { [`${this.dashboard.uid}.json`]: `${JSON.stringify(this.dashboard, null, 2)}\n` },
      });
    }
  }
}

/**
 * Builds one part of the platform; when it throws its validation error, adds its problems at the
 * platform's paths (`path` maps a part's path to the user's, `undefined` drops a duplicate) and
 * returns `undefined`.
 */
function collect<T>(problems: Problem[], path: (partPath: string) => string | undefined, build: () => T): T | undefined {
  try {
    return build();
  } catch (e) {
    if (!(e instanceof InferscaleValidationError)) throw e;
    for (const p of e.problems) {
      const at = path(p.path);
      if (at !== undefined) problems.push({ path: at, message: p.message });
    }
    return undefined;
  }
}

/** Maps a part's paths under its option: `image` becomes `devicePlugin.image`; `namespace` (the platform's) is dropped. */
function partPath(option: string): (path: string) => string | undefined {
  return (path) => (path === 'namespace' ? undefined : path ? `${option}${path.startsWith('[') ? '' : '.'}${path}` : option);
}

/**
 * The construct id of a service: its key, unless the key names a property every object has
 * (`constructor`, `__proto__`), which the construct tree cannot hold as a child id.
 */
function constructIdOf(key: string): string {
  return key in Object.prototype ? `Service[${key}]` : key;
}

/** Each namespace gets its own Pod Security level, so no two may be the same. */
function checkDistinctNamespaces(ns: Required<PlatformNamespacesProps>): Problem[] {
  const problems: Problem[] = [];
  const levels: Record<keyof PlatformNamespacesProps, string> = { inference: 'restricted', gpuSystem: 'privileged', monitoring: 'restricted' };
  const keys = ['inference', 'gpuSystem', 'monitoring'] as const;
  keys.forEach((k, i) => {
    const first = keys.slice(0, i).find((other) => ns[other] === ns[k]);
    if (first === undefined) return;
    problems.push({
      path: `namespaces.${k}`,
      message: `is ${show(ns[k])}, the same as namespaces.${first}; the platform creates each with its own Pod Security level (${first} ${levels[first]}, ${k} ${levels[k]}). Give each its own namespace`,
    });
  });
  return problems;
}
