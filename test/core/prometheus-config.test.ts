import { parse } from 'yaml';
import { MetricDefinition, ScalingMetric } from '../../lib/core/metric';
import {
  buildPrometheusConfig,
  checkPrometheusDuration,
  checkRateWindows,
  DCGM_EXPORTER_JOB,
  DcgmExporterScrapeTarget,
  escapeRegex,
  INFERENCE_PODS_JOB,
  PrometheusServerConfig,
  prometheusConfigYaml,
  sanitizeLabelName,
  ScrapeConfig,
  withStaticTargets,
} from '../../lib/core/prometheus-config';

const DCGM: DcgmExporterScrapeTarget = { namespace: 'gpu-system', podLabels: { 'app.kubernetes.io/name': 'dcgm-exporter', 'app.kubernetes.io/version': '4.8.2' } };

function config(options: Parameters<typeof buildPrometheusConfig>[0] = {}): PrometheusServerConfig {
  const r = buildPrometheusConfig(options);
  if (!r.config) throw new Error(JSON.stringify(r.problems));
  return r.config;
}
const job = (c: PrometheusServerConfig, name: string): ScrapeConfig => c.scrape_configs.find((j) => j.job_name === name)!;
const def = (m: ScalingMetric): MetricDefinition => m.definition!;

describe('buildPrometheusConfig', () => {
  test('defaults: 15 s scrapes and evaluations, 10 s timeout, one job for inference pods', () => {
    const c = config();
    expect(c.global).toEqual({ scrape_interval: '15s', scrape_timeout: '10s', evaluation_interval: '15s' });
    expect(c.scrape_configs.map((j) => j.job_name)).toEqual([INFERENCE_PODS_JOB]);
  });

  test('a 1 s scrape interval has a 1 s timeout (a timeout may not exceed the interval)', () => {
    expect(config({ scrapeIntervalSeconds: 1 }).global).toEqual({ scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' });
    expect(config({ scrapeIntervalSeconds: 120 }).global.scrape_interval).toBe('2m');
  });

  test('inference pods: discovered as pods, kept only when annotated and labelled by inferscale, scraped on the annotated port and path', () => {
    const j = job(config(), INFERENCE_PODS_JOB);
    expect(j.kubernetes_sd_configs).toEqual([{ role: 'pod' }]);
    expect(j.honor_labels).toBeUndefined();
    expect(j.relabel_configs).toEqual([
      { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], regex: 'true', action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_labelpresent_inferscale_io_service'], regex: 'true', action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Succeeded|Failed', action: 'drop' },
      { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'], regex: '(.+)', target_label: '__metrics_path__', action: 'replace' },
      { source_labels: ['__meta_kubernetes_pod_ip', '__meta_kubernetes_pod_annotation_prometheus_io_port'], regex: '([^:]+);([0-9]+)', replacement: '$1:$2', target_label: '__address__', action: 'replace' },
      { source_labels: ['__meta_kubernetes_pod_ip', '__meta_kubernetes_pod_annotation_prometheus_io_port'], regex: '(.+:.+);([0-9]+)', replacement: '[$1]:$2', target_label: '__address__', action: 'replace' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace', action: 'replace' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod', action: 'replace' },
      { source_labels: ['__meta_kubernetes_pod_node_name'], target_label: 'node', action: 'replace' },
      { source_labels: ['__meta_kubernetes_pod_label_inferscale_io_service'], target_label: 'inferscale_service', action: 'replace' },
    ]);
  });

  test('the DCGM exporter job honors the exporter\'s namespace and pod labels and selects only its pods and port', () => {
    const c = config({ dcgmExporter: DCGM });
    const j = job(c, DCGM_EXPORTER_JOB);
    expect(j.honor_labels).toBe(true);
    expect(j.metrics_path).toBe('/metrics');
    expect(j.kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: ['gpu-system'] } }]);
    expect(j.relabel_configs!.slice(0, 2)).toEqual([
      {
        source_labels: ['__meta_kubernetes_namespace', '__meta_kubernetes_pod_label_app_kubernetes_io_name', '__meta_kubernetes_pod_label_app_kubernetes_io_version'],
        regex: 'gpu-system;dcgm-exporter;4\\.8\\.2',
        action: 'keep',
      },
      { source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: '9400', action: 'keep' },
    ]);
    expect(j.relabel_configs!.filter((r) => r.target_label).map((r) => r.target_label)).toEqual(['namespace', 'pod', 'node']);
    // The inference job leaves the exporter to its own job.
    expect(job(c, INFERENCE_PODS_JOB).relabel_configs).toContainEqual({ ...j.relabel_configs![0], action: 'drop' });
  });

  test('a custom exporter port and path', () => {
    const j = job(config({ dcgmExporter: { ...DCGM, port: 9500, path: '/dcgm' } }), DCGM_EXPORTER_JOB);
    expect(j.metrics_path).toBe('/dcgm');
    expect(j.relabel_configs![1].regex).toBe('9500');
  });

  test('discovery restricted to namespaces, sorted', () => {
    expect(job(config({ namespaces: ['search', 'inference'] }), INFERENCE_PODS_JOB).kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: ['inference', 'search'] } }]);
  });

  test('external labels, sorted', () => {
    expect(Object.keys(config({ externalLabels: { region: 'eu', cluster: 'prod' } }).global.external_labels!)).toEqual(['cluster', 'region']);
  });

  test('problems: scrape interval', () => {
    for (const bad of [0, 301, 1.5]) {
      expect(buildPrometheusConfig({ scrapeIntervalSeconds: bad }).problems).toEqual([{ path: 'scrapeIntervalSeconds', message: `is ${bad}; expected whole seconds from 1 to 300` }]);
    }
  });

  test('problems: namespaces', () => {
    expect(buildPrometheusConfig({ namespaces: ['Inference'] }).problems[0].path).toBe('namespaces[0]');
  });

  test('problems: external labels', () => {
    expect(buildPrometheusConfig({ externalLabels: { cluster: 'has space' } }).problems[0].path).toBe('externalLabels["cluster"]');
  });

  test('problems: DCGM exporter without pod labels', () => {
    expect(buildPrometheusConfig({ dcgmExporter: { namespace: 'gpu-system', podLabels: {} } }).problems).toEqual([{
      path: 'dcgmExporter.podLabels',
      message: 'is empty; give the labels of the exporter\'s pods, or every pod in its namespace would be scraped as the exporter',
    }]);
  });

  test('problems: DCGM exporter port, path, port name and namespace', () => {
    const problems = buildPrometheusConfig({ dcgmExporter: { ...DCGM, namespace: 'GPU', port: 0, path: 'metrics', portName: 'Metrics' } }).problems;
    expect(problems.map((p) => p.path)).toEqual(['dcgmExporter.namespace', 'dcgmExporter.port', 'dcgmExporter.path', 'dcgmExporter.portName']);
    expect(problems[1].message).toBe('is 0; expected a port number from 1 to 65535');
    expect(problems[2].message).toBe('is "metrics"; expected an HTTP path starting with "/"');
    expect(problems[3].message).toBe('is "Metrics"; expected a port name (lowercase letters, digits and \'-\')');
  });
});

describe('withStaticTargets', () => {
  test('replaces Kubernetes discovery with the given groups, job by job, without touching the original', () => {
    const c = config({ dcgmExporter: DCGM });
    const swapped = withStaticTargets(c, { [INFERENCE_PODS_JOB]: [{ targets: ['127.0.0.1:8000'], labels: { __meta_kubernetes_namespace: 'inference' } }] });
    expect(swapped.scrape_configs.map((j) => j.kubernetes_sd_configs)).toEqual([undefined, undefined]);
    expect(job(swapped, INFERENCE_PODS_JOB).static_configs).toEqual([{ targets: ['127.0.0.1:8000'], labels: { __meta_kubernetes_namespace: 'inference' } }]);
    expect(job(swapped, DCGM_EXPORTER_JOB).static_configs).toEqual([]);
    expect(job(swapped, DCGM_EXPORTER_JOB).relabel_configs).toEqual(job(c, DCGM_EXPORTER_JOB).relabel_configs);
    expect(job(c, INFERENCE_PODS_JOB).kubernetes_sd_configs).toEqual([{ role: 'pod' }]);
  });

  test('an unknown job name throws', () => {
    expect(() => withStaticTargets(config(), { nope: [] })).toThrow('withStaticTargets: no job named "nope" (jobs: "inferscale-inference-pods")');
  });
});

describe('prometheusConfigYaml', () => {
  test('stable and round-trips', () => {
    const c = config({ dcgmExporter: DCGM });
    const text = prometheusConfigYaml(c);
    expect(prometheusConfigYaml(config({ dcgmExporter: DCGM }))).toBe(text);
    expect(parse(text)).toEqual(JSON.parse(JSON.stringify(c)));
    expect(text.startsWith('global:\n  scrape_interval: 15s\n')).toBe(true);
  });
});

describe('checkRateWindows', () => {
  const svc = (metrics: MetricDefinition[]) => [{ name: 'llm', namespace: 'inference', metrics }];

  test('the default 60 s window holds four 15 s scrapes', () => {
    expect(checkRateWindows(svc([def(ScalingMetric.requestsPerSecond({ targetPerPod: 4 })), def(ScalingMetric.gpuUtilization({ targetPercent: 70 }))]), 15)).toEqual([]);
  });

  test('a window shorter than four scrapes names the service, the metric and the window', () => {
    const metrics = [def(ScalingMetric.gpuUtilization({ targetPercent: 70 })), def(ScalingMetric.latency({ targetSeconds: 1, rateWindowSeconds: 30 }))];
    expect(checkRateWindows(svc(metrics), 15)).toEqual([{
      path: 'services[0] ("inference/llm").metrics[1] (latency).rateWindowSeconds',
      message: 'is 30, shorter than 4 scrapes at a 15 s scrape interval (60 s); rate() over fewer scrapes jumps or goes missing when one scrape fails. Use a rate window of 60 s or more, or scrape more often',
    }]);
  });

  test('the default window is too short for a 30 s scrape interval', () => {
    expect(checkRateWindows(svc([def(ScalingMetric.errorRate({ targetRatio: 0.1 }))]), 30)).toHaveLength(1);
  });
});

describe('helpers', () => {
  test('checkPrometheusDuration', () => {
    for (const ok of ['15d', '12h', '1w2d', '90m', '1y']) expect(checkPrometheusDuration('r', ok)).toEqual([]);
    for (const bad of ['', '15 days', '0d', '1.5d', 15]) {
      expect(checkPrometheusDuration('r', bad)).toEqual([{ path: 'r', message: `is ${JSON.stringify(bad)}; expected a Prometheus duration such as "15d", "12h" or "1w"` }]);
    }
  });

  test('sanitizeLabelName and escapeRegex', () => {
    expect(sanitizeLabelName('app.kubernetes.io/name')).toBe('app_kubernetes_io_name');
    expect(escapeRegex('a.b|c(d)*')).toBe('a\\.b\\|c\\(d\\)\\*');
  });
});
