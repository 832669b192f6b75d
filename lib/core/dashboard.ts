/**
 * A Grafana dashboard per platform, generated from the services' catalogue entries: per service
 * demand against capacity, desired/current/ready replicas, each HPA metric against its target
 * (the HPA's own view from kube-state-metrics, and the per-pod values Prometheus computes with
 * the adapter's query), latency against its target, saturation; for the platform, GPU nodes by
 * instance type and their cost. Pure data: JSON for the kube-prometheus-stack Grafana sidecar
 * (a ConfigMap labelled `grafana_dashboard: "1"`) or a file.
 * @see https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/
 * @see https://github.com/kubernetes/kube-state-metrics/blob/v2.17.0/docs/metrics/workload/horizontalpodautoscaler-metrics.md
 * @module
 */
import { renderMetricsQuery } from './adapter-config';
import { saturationSignals } from './alerts/saturation';
import { HpaMetricSpec } from './hpa-spec';
import { MetricDefinition } from './metric';
import { deploymentPodPattern } from './names';
import { parseQuantity } from './quantity';

/** The label the kube-prometheus-stack Grafana sidecar loads dashboards from (its default `sidecar.dashboards.label`). */
export const GRAFANA_DASHBOARD_LABEL: Readonly<Record<string, string>> = Object.freeze({ grafana_dashboard: '1' });

/** A service on the dashboard. `ResolvedInferenceService` fits. */
export interface DashboardService {
  /** Deployment and HPA name. */
  readonly name: string;
  /** Namespace. @default - the dashboard's default namespace */
  readonly namespace?: string;
  /** Catalogue entries of its HPA. */
  readonly metrics: readonly MetricDefinition[];
}

/** Options of {@link buildDashboard}. */
export interface DashboardOptions {
  /** Dashboard title; its uid derives from it. */
  readonly title: string;
  /** The services. */
  readonly services: readonly DashboardService[];
  /** Namespace of services that name none. @default "default" */
  readonly defaultNamespace?: string;
  /**
   * Price of one node-hour by instance type (`g5.xlarge`), for the cost panel. Nodes whose
   * type is not listed count in the node panels, not in the cost.
   * @default - no cost panel
   */
  readonly nodeHourlyPrices?: Readonly<Record<string, number>>;
}

/** One query of a panel. */
export interface DashboardTarget {
  /** Query id within the panel (`A`, `B`, ...). */
  readonly refId: string;
  /** PromQL; may use Grafana's `$__range` and `$__rate_interval`. */
  readonly expr: string;
  /** Series name in the legend. */
  readonly legendFormat: string;
}

/** One time-series or stat panel. */
export interface DashboardPanel {
  /** Unique within the dashboard. */
  readonly id: number;
  /** `timeseries`, `stat` or `row`. */
  readonly type: 'timeseries' | 'stat' | 'row';
  /** Title. */
  readonly title: string;
  /** Position on the 24-column grid. */
  readonly gridPos: {
    /** Height. */
    readonly h: number;
    /** Width. */
    readonly w: number;
    /** Column. */
    readonly x: number;
    /** Row. */
    readonly y: number;
  };
  /** The Prometheus data source (the dashboard's variable). @default - none (rows) */
  readonly datasource?: {
    /** Always `prometheus`. */
    readonly type: 'prometheus';
    /** `${datasource}`. */
    readonly uid: string;
  };
  /** Queries. @default - none (rows) */
  readonly targets?: readonly DashboardTarget[];
  /** What the panel answers. @default - none */
  readonly description?: string;
  /** Unit of the values (Grafana unit id). @default - none */
  readonly fieldConfig?: {
    /** Defaults of every field. */
    readonly defaults: {
      /** Grafana unit id (`short`, `s`, `percentunit`, `currencyUSD`). */
      readonly unit: string;
    };
    /** No per-field overrides. */
    readonly overrides: readonly never[];
  };
}

/** The Grafana dashboard JSON model (the parts inferscale sets). */
export interface GrafanaDashboard {
  /** Stable id, from the title. */
  readonly uid: string;
  /** Title. */
  readonly title: string;
  /** Tags. */
  readonly tags: readonly string[];
  /** Grafana's JSON model version. */
  readonly schemaVersion: number;
  /** Browser time zone. */
  readonly timezone: 'browser';
  /** Default range. */
  readonly time: {
    /** Start. */
    readonly from: string;
    /** End. */
    readonly to: string;
  };
  /** Auto refresh. */
  readonly refresh: string;
  /** The data source variable. */
  readonly templating: {
    /** Variables. */
    readonly list: readonly {
      /** `datasource`. */
      readonly name: string;
      /** `datasource`. */
      readonly type: 'datasource';
      /** `prometheus`. */
      readonly query: 'prometheus';
      /** Label. */
      readonly label: string;
    }[];
  };
  /** Panels in order. */
  readonly panels: readonly DashboardPanel[];
}

/** Kinds whose per-pod values add up to the service's demand (a sum of latencies or ratios means nothing). */
const ADDITIVE_KINDS: readonly MetricDefinition['kind'][] = ['requestsPerSecond', 'gpuUtilization', 'inFlightRequests', 'queueDepth'];
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;
const GPU_CAPACITY = 'kube_node_status_capacity{resource="nvidia_com_gpu"} > 0';
const INSTANCE_TYPE_LABEL = 'label_node_kubernetes_io_instance_type';

/** Builds the dashboard: a row per service, then a row for the GPU nodes. */
export function buildDashboard(options: DashboardOptions): GrafanaDashboard {
  const panels: DashboardPanel[] = [];
  let y = 0;
  const add = (p: Omit<DashboardPanel, 'id' | 'gridPos'> & { w: number; h?: number; x: number }): void => {
    const { w, h, x, ...rest } = p;
    panels.push({ id: panels.length + 1, gridPos: { h: h ?? 8, w, x, y }, ...rest });
  };
  for (const s of options.services) {
    const namespace = s.namespace ?? options.defaultNamespace ?? 'default';
    add({ type: 'row', title: `${namespace}/${s.name}`, w: 24, h: 1, x: 0 });
    y += 1;
    const cells = servicePanels(s, namespace);
    cells.forEach((c, i) => {
      add({ ...c, w: 12, x: (i % 2) * 12 });
      if (i % 2 === 1 || i === cells.length - 1) y += 8;
    });
  }
  add({ type: 'row', title: 'GPU nodes', w: 24, h: 1, x: 0 });
  y += 1;
  const nodeCells = nodePanels(options.nodeHourlyPrices);
  nodeCells.forEach((c, i) => {
    add({ ...c, w: 12, x: (i % 2) * 12 });
    if (i % 2 === 1 || i === nodeCells.length - 1) y += 8;
  });
  const slug = options.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return {
    uid: `inferscale-${slug}`.slice(0, 40),
    title: options.title,
    tags: ['inferscale', 'autoscaling'],
    schemaVersion: 39,
    timezone: 'browser',
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus' }] },
    panels,
  };
}

/** One query of the dashboard and the panel it belongs to. */
export interface DashboardQuery {
  /** Panel title. */
  readonly panel: string;
  /** PromQL. */
  readonly expr: string;
}

/** Every query of the dashboard, for checks. */
export function dashboardQueries(d: GrafanaDashboard): DashboardQuery[] {
  return d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
}

type Cell = Omit<DashboardPanel, 'id' | 'gridPos'>;

function servicePanels(s: DashboardService, namespace: string): Cell[] {
  const hpa = `namespace=${q(namespace)},horizontalpodautoscaler=${q(s.name)}`;
  const pods = deploymentPodPattern(s.name);
  const ready = `sum(kube_deployment_status_replicas_ready{namespace=${q(namespace)},deployment=${q(s.name)}})`;
  const cells: Cell[] = [panel('Replicas: desired, current, ready, max', 'short', [
    ['desired', `sum(kube_horizontalpodautoscaler_status_desired_replicas{${hpa}})`],
    ['current', `sum(kube_horizontalpodautoscaler_status_current_replicas{${hpa}})`],
    ['ready', ready],
    ['max', `sum(kube_horizontalpodautoscaler_spec_max_replicas{${hpa}})`],
  ], 'From kube-state-metrics: what the HPA wants, what it has set, and the pods that serve.')];
  for (const m of s.metrics) {
    const name = hpaMetricName(m.hpa);
    // The HPA's own view: its current value against its target, as kube-state-metrics reads the HPA status.
    const hpaView: [string, string][] = [
      [`${name} (HPA current)`, `max(kube_horizontalpodautoscaler_status_target_metric{${hpa},metric_name=${q(name)}})`],
      [`${name} (HPA target)`, `max(kube_horizontalpodautoscaler_spec_target_metric{${hpa},metric_name=${q(name)}})`],
    ];
    const perPod = m.adapterRule && m.hpa.type === 'Pods' ? podsQuery(m, namespace, pods) : undefined;
    const target = targetNumber(m.hpa);
    if (perPod && target !== undefined) {
      cells.push(panel(`${m.summary}: per pod`, m.kind === 'latency' ? 's' : 'short', [
        ['mean over pods', `avg(${perPod})`],
        ['highest pod', `max(${perPod})`],
        ['target', `vector(${target})`],
        ...hpaView,
      ], `The value the adapter serves for each pod (the catalogue's query), against the target.${m.kind === 'latency' ? ' Latency against its target (SLO).' : ''}`));
      if (ADDITIVE_KINDS.includes(m.kind)) cells.push(panel(`${m.summary}: demand vs capacity`, 'short', [
        ['demand (sum over pods)', `sum(${perPod})`],
        ['capacity (ready replicas x target)', `${ready} * ${target}`],
      ], 'Demand above capacity means the HPA should be adding replicas.'));
    } else {
      cells.push(panel(`${m.summary}`, m.hpa.type === 'Resource' ? 'percent' : 'short', hpaView, 'The HPA\'s current value and target, from its status.'));
    }
  }
  const selector = `namespace=${q(namespace)},pod=~${q(pods)}`;
  for (const signal of saturationSignals(s.metrics)) {
    const series = `{__name__=~${q(signal.series.join('|'))},${selector}}`;
    cells.push(signal.kind === 'kvCache'
      ? panel(`KV cache use (${signal.exporter})`, 'percentunit', [['{{pod}}', `max by (pod) (${series})`]], 'Near 100 %, new requests wait or preempt running ones.')
      : panel(`Requests waiting (${signal.series[0]})`, 'short', [['{{pod}}', `sum by (pod) (${series})`], ['total', `sum(${series})`]], 'A queue that keeps growing means the replicas serve less than arrives.'));
  }
  return cells;
}

function nodePanels(prices: Readonly<Record<string, number>> | undefined): Cell[] {
  const gpuNodes = `(kube_node_labels and on(node) (${GPU_CAPACITY}))`;
  const cells: Cell[] = [
    panel('GPU nodes by instance type', 'short', [[`{{${INSTANCE_TYPE_LABEL}}}`, `count by (${INSTANCE_TYPE_LABEL}) ${gpuNodes}`]], 'Nodes advertising nvidia.com/gpu, from kube-state-metrics.'),
    panel('GPUs: allocatable and requested by pods', 'short', [
      ['allocatable', 'sum(kube_node_status_allocatable{resource="nvidia_com_gpu"})'],
      ['requested by running or pending pods', 'sum(kube_pod_container_resource_requests{resource="nvidia_com_gpu"} and on(namespace, pod) (kube_pod_status_phase{phase=~"Pending|Running"} == 1))'],
    ], 'Requested above allocatable: pods wait for nodes.'),
  ];
  const types = Object.keys(prices ?? {}).sort();
  if (prices && types.length) {
    const price = types.map((t) => `(count(${gpuNodes.replace('kube_node_labels', `kube_node_labels{${INSTANCE_TYPE_LABEL}=${q(t)}}`)}) or vector(0)) * ${prices[t]}`).join(' + ');
    cells.push(panel('GPU node cost per hour', 'currencyUSD', [['per hour', price]], `On-demand price per node-hour by instance type: ${types.map((t) => `${t} ${prices[t]}`).join(', ')}.`));
    cells.push(panel('GPU node cost over the range', 'currencyUSD', [['over the dashboard range', `sum_over_time((${price})[$__range:1m]) / 60`]], 'Node-hours billed from provisioning to removal, times the price.'));
  }
  return cells;
}

function panel(title: string, unit: string, queries: readonly [string, string][], description: string): Cell {
  return {
    type: 'timeseries',
    title,
    description,
    datasource: DATASOURCE,
    fieldConfig: { defaults: { unit }, overrides: [] },
    targets: queries.map(([legendFormat, expr], i) => ({ refId: String.fromCharCode(65 + i), expr, legendFormat })),
  };
}

/** The adapter's per-pod query for every pod of the Deployment (as the adapter renders it for the HPA's pods). */
function podsQuery(m: MetricDefinition, namespace: string, podPattern: string): string | undefined {
  const selector = m.hpa.type === 'Pods' ? m.hpa.pods.metric.selector : undefined;
  try {
    const rendered = renderMetricsQuery(m.adapterRule!, { namespace, pods: ['\u0001a', '\u0001b'], ...(selector ? { selector: selector.matchLabels } : {}) });
    return rendered.split('"\\x01a|\\x01b"').join(q(podPattern));
  } catch {
    return undefined;
  }
}

function hpaMetricName(h: HpaMetricSpec): string {
  switch (h.type) {
    case 'Resource': return h.resource.name;
    case 'Pods': return h.pods.metric.name;
    case 'Object': return h.object.metric.name;
    case 'External': return h.external.metric.name;
  }
}

function targetNumber(h: HpaMetricSpec): number | undefined {
  const t = h.type === 'Pods' ? h.pods.target : undefined;
  if (!t || t.type !== 'AverageValue') return undefined;
  return parseQuantity(String(t.averageValue));
}

function q(value: string): string {
  return JSON.stringify(value);
}
