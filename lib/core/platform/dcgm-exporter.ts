import { checkDnsSubdomain, checkImage, checkPort, sortKeys } from '../checks';
import { gpuNodeSelectorTerms, GpuNodeSelectorTerm, ResolvedGpuNodePool } from '../gpu-node-pool';
import { IMAGES } from '../images';
import { checkDnsLabel, checkLabels } from '../names';
import { Problem, show } from '../problems';
import { ResolvedResources, resolveResources, ResourcesProps } from '../resources';

/** How the exporter exposes a DCGM field: a Prometheus gauge or counter, or a label on every other series. */
export type DcgmFieldType = 'gauge' | 'counter' | 'label';

/**
 * One line of the exporter's metrics CSV: a DCGM field, its Prometheus type and help text.
 * The series name is the field name.
 * @see https://docs.nvidia.com/datacenter/dcgm/latest/dcgm-api/dcgm-api-field-ids.html
 */
export interface DcgmField {
  /** DCGM field identifier, e.g. `DCGM_FI_DEV_GPU_UTIL`. */
  readonly name: string;
  /** Prometheus type. */
  readonly type: DcgmFieldType;
  /** Help text (no commas: the file is CSV). */
  readonly help: string;
}

/**
 * The default metrics list: NVIDIA's `dcp-metrics-included.csv` selection of device fields
 * (clocks, temperatures, power, utilization, framebuffer, XID errors, remapped rows). Leaves out
 * the driver-version label, which would restart every GPU series on each driver upgrade, and the
 * profiling fields ({@link DCGM_PROFILING_FIELDS}), which need the `SYS_ADMIN` capability and
 * which no default HPA metric reads.
 * @see https://github.com/NVIDIA/dcgm-exporter/blob/main/etc/dcp-metrics-included.csv
 */
export const DEFAULT_DCGM_FIELDS: readonly DcgmField[] = Object.freeze([
  { name: 'DCGM_FI_DEV_SM_CLOCK', type: 'gauge', help: 'SM clock frequency (in MHz).' },
  { name: 'DCGM_FI_DEV_MEM_CLOCK', type: 'gauge', help: 'Memory clock frequency (in MHz).' },
  { name: 'DCGM_FI_DEV_MEMORY_TEMP', type: 'gauge', help: 'Memory temperature (in C).' },
  { name: 'DCGM_FI_DEV_GPU_TEMP', type: 'gauge', help: 'GPU temperature (in C).' },
  { name: 'DCGM_FI_DEV_POWER_USAGE', type: 'gauge', help: 'Power draw (in W).' },
  { name: 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', type: 'counter', help: 'Total energy consumption since boot (in mJ).' },
  { name: 'DCGM_FI_DEV_PCIE_REPLAY_COUNTER', type: 'counter', help: 'Total number of PCIe retries.' },
  { name: 'DCGM_FI_DEV_GPU_UTIL', type: 'gauge', help: 'GPU utilization (in %).' },
  { name: 'DCGM_FI_DEV_MEM_COPY_UTIL', type: 'gauge', help: 'Memory utilization (in %).' },
  { name: 'DCGM_FI_DEV_ENC_UTIL', type: 'gauge', help: 'Encoder utilization (in %).' },
  { name: 'DCGM_FI_DEV_DEC_UTIL', type: 'gauge', help: 'Decoder utilization (in %).' },
  { name: 'DCGM_FI_DEV_XID_ERRORS', type: 'gauge', help: 'Value of the last XID error encountered.' },
  { name: 'DCGM_FI_DEV_FB_FREE', type: 'gauge', help: 'Framebuffer memory free (in MiB).' },
  { name: 'DCGM_FI_DEV_FB_USED', type: 'gauge', help: 'Framebuffer memory used (in MiB).' },
  { name: 'DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS', type: 'counter', help: 'Number of remapped rows for uncorrectable errors' },
  { name: 'DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS', type: 'counter', help: 'Number of remapped rows for correctable errors' },
  { name: 'DCGM_FI_DEV_ROW_REMAP_FAILURE', type: 'gauge', help: 'Whether remapping of rows has failed' },
].map((f) => Object.freeze(f as DcgmField)));

/**
 * Profiling fields (`DCGM_FI_PROF_*`) that also work on MIG slices: graphics engine, SM, tensor
 * and DRAM activity. DCGM reads them through the profiling interface, which needs the
 * `SYS_ADMIN` capability (and root): the exporter gets it only when one of these is exported.
 * `gpuUtilization({ source: "engineActive" })` reads `DCGM_FI_PROF_GR_ENGINE_ACTIVE`; the
 * platform adds it to the default list when a service asks for it.
 * @see https://github.com/NVIDIA/dcgm-exporter/blob/main/dcgm-exporter.yaml (`SYS_ADMIN`: "Required for profiling metrics (DCGM_FI_PROF_*)")
 * @see https://github.com/NVIDIA/dcgm-exporter/blob/main/docker/Dockerfile (security note: profiling metrics need root and CAP_SYS_ADMIN; basic metrics work without it)
 */
export const DCGM_PROFILING_FIELDS: readonly DcgmField[] = Object.freeze([
  { name: 'DCGM_FI_PROF_GR_ENGINE_ACTIVE', type: 'gauge', help: 'Ratio of time the graphics engine is active.' },
  { name: 'DCGM_FI_PROF_SM_ACTIVE', type: 'gauge', help: 'The ratio of cycles an SM has at least 1 warp assigned.' },
  { name: 'DCGM_FI_PROF_PIPE_TENSOR_ACTIVE', type: 'gauge', help: 'Ratio of cycles the tensor (HMMA) pipe is active.' },
  { name: 'DCGM_FI_PROF_DRAM_ACTIVE', type: 'gauge', help: 'Ratio of cycles the device memory interface is active sending or receiving data.' },
].map((f) => Object.freeze(f as DcgmField)));

/**
 * Labels on every GPU series of the pinned exporter (4.5.3-4.8.2) with pod attribution on.
 * `namespace`, `pod` and `container` name the workload using the GPU (empty on idle GPUs).
 * Releases from 4.6.0-4.8.3 spell `Hostname` as `hostname`.
 */
export const DCGM_SERIES_LABELS: readonly string[] = Object.freeze(['gpu', 'UUID', 'device', 'modelName', 'Hostname', 'container', 'namespace', 'pod']);

/** Labels that attribute a GPU series to the workload pod using the GPU. */
export const DCGM_POD_ATTRIBUTION_LABELS: readonly string[] = Object.freeze(['namespace', 'pod', 'container']);

/** Props of `DcgmExporter`, resolved by {@link resolveDcgmExporter}. */
export interface DcgmExporterProps {
  /** Name of every object: a DNS-1123 label. @default "dcgm-exporter" */
  readonly name?: string;
  /**
   * Namespace of every object. It must allow Pod Security level `privileged`: see
   * `DcgmExporter.POD_SECURITY_REASON`.
   * @default "gpu-system"
   */
  readonly namespace?: string;
  /** Container image. @default - IMAGES.dcgmExporter (`nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless`) */
  readonly image?: string;
  /** Port serving `/metrics`, on the container and the Service. @default 9400 */
  readonly port?: number;
  /**
   * The complete list of fields to export (not added to the default: extend
   * `DEFAULT_DCGM_FIELDS` to keep it). Written to a ConfigMap and passed with `-f`.
   * @default DEFAULT_DCGM_FIELDS
   */
  readonly metrics?: readonly DcgmField[];
  /**
   * Run only on these pools' nodes (node affinity on `inferscale.io/gpu-pool`). Unlike the
   * device plugin, the exporter also runs on Bottlerocket pools.
   * @default - every node labelled `nvidia.com/gpu.present=true` or
   *   `feature.node.kubernetes.io/pci-10de.present=true`
   */
  readonly pools?: readonly ResolvedGpuNodePool[];
  /** Priority class, as NVIDIA's chart sets it. @default "system-node-critical" */
  readonly priorityClassName?: string;
  /**
   * Fields something reads from the exporter (an HPA metric, a dashboard), by name. Each one
   * the default list lacks is added from {@link DCGM_PROFILING_FIELDS}. Ignored when `metrics`
   * is given: that list is complete.
   * @default - none
   */
  readonly requiredFields?: readonly string[];
  /** Container resources. No CPU limit: throttling delays scrapes. @default { cpu: { request: "100m" }, memory: { request: "128Mi", limit: "256Mi" } } */
  readonly resources?: ResourcesProps;
  /** Extra labels on every object and pod (never in selectors). @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * How Prometheus must scrape the exporter. Shaped so that it can be passed as the
 * `dcgmExporter` scrape target of the embedded Prometheus configuration.
 */
export interface DcgmScrapeJobHint {
  /**
   * Always true: keep the exporter's own `namespace`, `pod` and `container` labels (the
   * workload using the GPU) over the target's. Without it Prometheus renames them
   * `exported_namespace`, `exported_pod`, `exported_container`, and adapter rules reading `pod`
   * would attribute every GPU to the exporter pod.
   * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#scrape_config
   */
  readonly honorLabels: true;
  /** Namespace of the exporter's pods and Service. */
  readonly namespace: string;
  /** Labels selecting the exporter's pods (the DaemonSet selector). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Name of the Service. */
  readonly serviceName: string;
  /** Labels selecting the Service (for a ServiceMonitor). */
  readonly serviceLabels: Readonly<Record<string, string>>;
  /** Metrics port. */
  readonly port: number;
  /** Name of the metrics port on the container and the Service. */
  readonly portName: string;
  /** HTTP path of the metrics. */
  readonly path: string;
  /** Why `honorLabels` matters, for docs and error messages. */
  readonly reason: string;
}

/** Every default of {@link DcgmExporterProps} resolved. */
export interface ResolvedDcgmExporter {
  /** Object name (DaemonSet, Service, ServiceAccount). */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Container image. */
  readonly image: string;
  /** Metrics port. */
  readonly port: number;
  /** The fields exported, in CSV order. */
  readonly metrics: readonly DcgmField[];
  /** The metrics CSV passed with `-f`. */
  readonly metricsCsv: string;
  /** Whether a profiling field (`DCGM_FI_PROF_*`) is exported, which needs `SYS_ADMIN` (see {@link DCGM_PROFILING_FIELDS}). */
  readonly profiling: boolean;
  /** Node affinity terms (any one matches). */
  readonly nodeSelectorTerms: readonly GpuNodeSelectorTerm[];
  /** Priority class. */
  readonly priorityClassName: string;
  /** Requests and limits. */
  readonly resources: ResolvedResources;
  /** Selector labels (stable: never change them on a live DaemonSet). */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** Labels on every object and pod. */
  readonly labels: Readonly<Record<string, string>>;
}

const DEFAULT_NAME = 'dcgm-exporter';
const DEFAULT_NAMESPACE = 'gpu-system';
const FIELD_NAME = /^DCGM_FI_[A-Z0-9_]+$/;
const FIELD_TYPES: readonly DcgmFieldType[] = ['gauge', 'counter', 'label'];

/** Resolves every default of the exporter and validates everything (paths relative to the props). */
export function resolveDcgmExporter(props: DcgmExporterProps = {}): {
  /** The exporter with every default filled in; absent when there is any problem. */
  spec?: ResolvedDcgmExporter;
  /** Every invalid prop, with its path relative to the props; empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const name = props.name ?? DEFAULT_NAME;
  const namespace = props.namespace ?? DEFAULT_NAMESPACE;
  problems.push(...checkDnsLabel('name', name), ...checkDnsLabel('namespace', namespace));
  const image = props.image ?? IMAGES.dcgmExporter;
  problems.push(...checkImage('image', image, IMAGES.dcgmExporter));
  const port = props.port ?? 9400;
  problems.push(...checkPort('port', port));
  const priorityClassName = props.priorityClassName ?? 'system-node-critical';
  problems.push(...checkDnsSubdomain('priorityClassName', priorityClassName, 'a PriorityClass name such as "system-node-critical"'));
  problems.push(...checkLabels('labels', props.labels));
  const resources = resolveResources('resources', props.resources, { cpu: { request: '100m' }, memory: { request: '128Mi', limit: '256Mi' } });
  problems.push(...resources.problems);

  const required = props.requiredFields ?? [];
  const added: DcgmField[] = [];
  required.forEach((field, i) => {
    if (DEFAULT_DCGM_FIELDS.some((f) => f.name === field)) return;
    const known = DCGM_PROFILING_FIELDS.find((f) => f.name === field);
    if (known) {
      if (!added.includes(known)) added.push(known);
    } else if (props.metrics === undefined) {
      problems.push({ path: `requiredFields[${i}]`, message: `is ${show(field)}, which is in neither DEFAULT_DCGM_FIELDS nor DCGM_PROFILING_FIELDS; give the complete list in metrics instead` });
    }
  });
  const metrics = props.metrics ?? [...DEFAULT_DCGM_FIELDS, ...DCGM_PROFILING_FIELDS.filter((f) => added.includes(f))];
  problems.push(...checkFields('metrics', metrics));
  if (props.pools && props.pools.length === 0) {
    problems.push({ path: 'pools', message: 'is empty, so the DaemonSet would be scheduled nowhere; give at least one pool, or leave pools out to run on every GPU node' });
  }
  if (problems.length > 0) return { problems };

  const selectorLabels = { 'app.kubernetes.io/name': 'dcgm-exporter', 'app.kubernetes.io/instance': name };
  const labels = sortKeys({
    ...(props.labels ?? {}),
    'app.kubernetes.io/component': 'gpu-metrics-exporter',
    'app.kubernetes.io/managed-by': 'inferscale',
    ...selectorLabels,
  });
  return {
    problems: [],
    spec: {
      name,
      namespace,
      image,
      port,
      metrics: metrics.map((m) => ({ name: m.name, type: m.type, help: m.help })),
      metricsCsv: dcgmMetricsCsv(metrics),
      profiling: metrics.some((m) => m.name.startsWith('DCGM_FI_PROF_')),
      nodeSelectorTerms: gpuNodeSelectorTerms(props.pools ? { pools: props.pools } : {}),
      priorityClassName,
      resources: resources.resources,
      selectorLabels,
      labels,
    },
  };
}

/**
 * Renders the exporter's metrics CSV (`field, type, help` per line, `#` comments).
 * @see https://github.com/NVIDIA/dcgm-exporter#changing-metrics
 */
export function dcgmMetricsCsv(fields: readonly DcgmField[]): string {
  return [
    '# Format',
    "# If line starts with a '#' it is considered a comment",
    '# DCGM FIELD, Prometheus metric type, help message',
    '',
    ...fields.map((f) => `${f.name}, ${f.type}, ${f.help}`),
    '',
  ].join('\n');
}

function checkFields(path: string, fields: readonly DcgmField[]): Problem[] {
  const problems: Problem[] = [];
  if (!Array.isArray(fields) || fields.length === 0) {
    return [{ path, message: `is ${show(fields)}; give at least one DCGM field, e.g. { name: "DCGM_FI_DEV_GPU_UTIL", type: "gauge", help: "GPU utilization (in %)." }` }];
  }
  const seen = new Map<string, number>();
  fields.forEach((f, i) => {
    const at = `${path}[${i}]`;
    if (typeof f?.name !== 'string' || !FIELD_NAME.test(f.name)) {
      problems.push({ path: `${at}.name`, message: `is ${show(f?.name)}; expected a DCGM field identifier such as "DCGM_FI_DEV_GPU_UTIL"` });
    } else {
      const first = seen.get(f.name);
      if (first !== undefined) problems.push({ path: `${at}.name`, message: `is ${show(f.name)}, already listed at ${path}[${first}]; list each field once` });
      else seen.set(f.name, i);
    }
    if (!FIELD_TYPES.includes(f?.type)) {
      problems.push({ path: `${at}.type`, message: `is ${show(f?.type)}; expected one of ${FIELD_TYPES.map((t) => show(t)).join(', ')}` });
    }
    if (typeof f?.help !== 'string' || !f.help.trim() || /[,\r\n]/.test(f.help)) {
      problems.push({ path: `${at}.help`, message: `is ${show(f?.help)}; expected non-empty help text without commas or line breaks (each CSV line has exactly two commas)` });
    }
  });
  if (problems.length === 0 && fields.every((f) => f.type === 'label')) {
    problems.push({ path, message: 'holds only label fields, so the exporter would serve no series; add a gauge or counter such as DCGM_FI_DEV_GPU_UTIL' });
  }
  return problems;
}
