import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { GPU_DAEMON_TOLERATIONS } from '../core/gpu-node-pool';
import { DCGM_SERIES_LABELS, DcgmExporterProps, DcgmScrapeJobHint, ResolvedDcgmExporter, resolveDcgmExporter } from '../core/platform/dcgm-exporter';
import { InferscaleValidationError } from '../core/problems';
import { checkPrivilegedNamespace, gpuDaemonAffinity } from './nvidia-device-plugin';
import { containerResources } from './resources';

export {
  DCGM_POD_ATTRIBUTION_LABELS, DCGM_PROFILING_FIELDS, DCGM_SERIES_LABELS, dcgmMetricsCsv, DEFAULT_DCGM_FIELDS, resolveDcgmExporter,
} from '../core/platform/dcgm-exporter';
export type { DcgmExporterProps, DcgmField, DcgmFieldType, DcgmScrapeJobHint, ResolvedDcgmExporter } from '../core/platform/dcgm-exporter';

const PORT_NAME = 'metrics';
const METRICS_PATH = '/metrics';
const POD_RESOURCES_DIR = '/var/lib/kubelet/pod-resources';
const METRICS_DIR = '/etc/dcgm-exporter/inferscale';
const METRICS_KEY = 'counters.csv';
const METRICS_HASH_ANNOTATION = 'inferscale.io/metrics-sha256';
/** Service label saying how to scrape it. No `prometheus.io/scrape` annotation: a generic annotation job would scrape without honor_labels. */
const SCRAPE_LABEL = 'inferscale.io/scrape';

/**
 * The NVIDIA DCGM exporter: a DaemonSet on GPU nodes serving GPU telemetry on port 9400
 * (`metrics`), a Service on the same port, its ServiceAccount and a ConfigMap with the metrics
 * list.
 *
 * Pod attribution is on: the kubelet's pod-resources socket directory is mounted read-only and
 * `DCGM_EXPORTER_KUBERNETES=true`, so each GPU series carries the `namespace`, `pod` and
 * `container` of the workload using that GPU. Prometheus must scrape it with
 * `honor_labels: true` to keep them ({@link DcgmExporter.scrapeJobHint}); for that reason the
 * pods and Service carry no `prometheus.io/scrape` annotation, which generic annotation jobs
 * (without honor_labels) would pick up.
 *
 * Reproduces NVIDIA's distroless example manifest: root (the pod-resources socket is root-only),
 * no privilege escalation, all capabilities dropped; `SYS_ADMIN`, which profiling fields
 * (`DCGM_FI_PROF_*`) need, is added only when one is exported, and the default list has none
 * (`requiredFields` or `metrics` ask for them); `NODE_NAME` from the downward API so the
 * `Hostname` label is the node.
 *
 * @see https://github.com/NVIDIA/dcgm-exporter
 * @see https://docs.nvidia.com/datacenter/cloud-native/gpu-telemetry/latest/dcgm-exporter.html
 */
export class DcgmExporter extends Construct {
  /** Why the exporter's namespace must allow Pod Security level `privileged`. */
  public static readonly POD_SECURITY_REASON =
    'the DCGM exporter mounts the kubelet pod-resources directory from the host (a hostPath volume, forbidden by Pod Security "baseline" and "restricted") to attribute GPUs to pods, runs as root to use that socket, and needs the SYS_ADMIN capability (forbidden by "baseline") for profiling metrics';

  /** Every default resolved: what the objects below were rendered from. */
  public readonly spec: ResolvedDcgmExporter;
  /** Namespace of every object. */
  public readonly namespace: string;
  /** Port serving `/metrics`. */
  public readonly metricsPort: number;
  /** Name of the Service. */
  public readonly serviceName: string;
  /** Names of the series the exporter serves (gauge and counter fields), in CSV order. */
  public readonly metricNames: readonly string[];
  /** Labels every GPU series carries (the pinned exporter's, plus label-type fields). */
  public readonly seriesLabels: readonly string[];
  /** How Prometheus must scrape the exporter: with `honor_labels: true`. */
  public readonly scrapeJobHint: DcgmScrapeJobHint;
  /** Pod Security level the namespace must allow. */
  public readonly podSecurityLevel = 'privileged' as const;
  /** The DaemonSet (construct id `Resource`). */
  public readonly daemonSet: k8s.KubeDaemonSet;
  /** ClusterIP Service on the metrics port. */
  public readonly service: k8s.KubeService;
  /** ServiceAccount without an automounted token: the exporter does not call the API server. */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** ConfigMap holding the metrics CSV. */
  public readonly metricsConfigMap: k8s.KubeConfigMap;

  /**
   * @throws InferscaleValidationError listing every problem in `props`, prefixed with the construct path
   */
  public constructor(scope: Construct, id: string, props: DcgmExporterProps = {}) {
    super(scope, id);
    const owner = `DcgmExporter "${this.node.path}"`;
    const { spec, problems } = resolveDcgmExporter(props);
    if (!spec) throw new InferscaleValidationError(owner, problems);
    const e = spec;
    this.spec = e;
    this.namespace = e.namespace;
    this.metricsPort = e.port;
    this.serviceName = e.name;
    this.metricNames = Object.freeze(e.metrics.filter((m) => m.type !== 'label').map((m) => m.name));
    this.seriesLabels = Object.freeze([...DCGM_SERIES_LABELS, ...e.metrics.filter((m) => m.type === 'label').map((m) => m.name)]);
    const serviceLabels = { ...e.selectorLabels };
    this.scrapeJobHint = Object.freeze({
      honorLabels: true as const,
      namespace: e.namespace,
      podLabels: { ...e.selectorLabels },
      serviceName: e.name,
      serviceLabels,
      port: e.port,
      portName: PORT_NAME,
      path: METRICS_PATH,
      reason:
        'the exporter labels each GPU series with the namespace, pod and container of the workload using the GPU; without honor_labels Prometheus renames them exported_namespace, exported_pod and exported_container, and adapter rules on pod read the exporter pod instead',
    });

    const metadata = { name: e.name, namespace: e.namespace, labels: { ...e.labels } };
    const metricsConfigName = `${e.name}-metrics`;
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    this.metricsConfigMap = new k8s.KubeConfigMap(this, 'MetricsConfigMap', {
      metadata: { ...metadata, name: metricsConfigName },
      data: { [METRICS_KEY]: e.metricsCsv },
    });

    const health = (periodSeconds: number, failureThreshold: number): k8s.Probe => ({
      httpGet: { path: '/health', port: k8s.IntOrString.fromString(PORT_NAME) },
      periodSeconds,
      failureThreshold,
      timeoutSeconds: 5,
    });
    this.daemonSet = new k8s.KubeDaemonSet(this, 'Resource', {
      metadata,
      spec: {
        selector: { matchLabels: { ...e.selectorLabels } },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: {
            labels: { ...e.labels },
            // The exporter reads its metrics list once: a new hash rolls the pods when it changes.
            annotations: { [METRICS_HASH_ANNOTATION]: createHash('sha256').update(e.metricsCsv).digest('hex') },
          },
          spec: {
            serviceAccountName: e.name,
            automountServiceAccountToken: false,
            priorityClassName: e.priorityClassName,
            tolerations: GPU_DAEMON_TOLERATIONS.map((t) => ({ ...t })),
            affinity: gpuDaemonAffinity(e.nodeSelectorTerms),
            containers: [{
              name: 'exporter',
              image: e.image,
              args: ['-f', `${METRICS_DIR}/${METRICS_KEY}`],
              env: [
                { name: 'DCGM_EXPORTER_KUBERNETES', value: 'true' },
                { name: 'DCGM_EXPORTER_LISTEN', value: `:${e.port}` },
                { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
              ],
              ports: [{ name: PORT_NAME, containerPort: e.port, protocol: 'TCP' }],
              securityContext: {
                runAsNonRoot: false,
                runAsUser: 0,
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'], ...(e.profiling ? { add: ['SYS_ADMIN'] } : {}) },
              },
              resources: containerResources(e.resources),
              // DCGM takes a while to start on nodes with many GPUs: up to 2 minutes before liveness counts.
              startupProbe: health(5, 24),
              readinessProbe: health(10, 3),
              livenessProbe: health(10, 3),
              volumeMounts: [
                { name: 'pod-gpu-resources', mountPath: POD_RESOURCES_DIR, readOnly: true },
                { name: 'metrics-config', mountPath: METRICS_DIR, readOnly: true },
              ],
            }],
            volumes: [
              { name: 'pod-gpu-resources', hostPath: { path: POD_RESOURCES_DIR } },
              { name: 'metrics-config', configMap: { name: metricsConfigName } },
            ],
          },
        },
      },
    });

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { ...metadata, labels: { ...e.labels, [SCRAPE_LABEL]: 'honor-labels' } },
      spec: {
        type: 'ClusterIP',
        selector: { ...e.selectorLabels },
        ports: [{ name: PORT_NAME, port: e.port, targetPort: k8s.IntOrString.fromString(PORT_NAME), protocol: 'TCP' }],
      },
    });

    this.node.addValidation({ validate: () => checkPrivilegedNamespace(this, e.namespace, owner, DcgmExporter.POD_SECURITY_REASON) });
  }

  /** Whether the exporter serves a series of this name, e.g. `DCGM_FI_DEV_GPU_UTIL`. */
  public exportsMetric(name: string): boolean {
    return this.metricNames.includes(name);
  }
}
