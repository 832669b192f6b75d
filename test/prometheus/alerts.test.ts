/**
 * Every generated alert fires on its condition and stays quiet otherwise, under
 * `promtool test rules`: each case feeds the series a live cluster would have (kube-state-metrics,
 * the API server, the model server, the DCGM exporter) and reads the `ALERTS` series at a time
 * past the alert's `for`.
 */
import { ALERTS, alertRulesYaml, buildAlertRules } from '../../lib/core/alerts/rules';
import { ScalingMetric } from '../../lib/core/metric';
import { describeWithTools, promtoolTestRules } from '../support/promtool';

const NS = 'inference';
const SERVICE = 'llm';
const POD = 'llm-5c8d7f9b6-x2k4q';
const OTHER_DEPLOYMENT_POD = 'llm-big-5c8d7f9b6-x2k4q';
const CUSTOM_API = 'v1beta1.custom.metrics.k8s.io';
const INTERVAL = '1m';
/** Evaluated at 20 minutes: past every `for` (at most 10 m), with 30 minutes of input. */
const EVAL = '20m';

const metrics = [
  ScalingMetric.requestsPerSecond({ targetPerPod: 4, counter: 'vllm:request_success_total' }),
  ScalingMetric.gpuUtilization({ targetPercent: 75 }),
  ScalingMetric.latency({ quantile: 0.95, targetSeconds: 4, histogram: 'vllm:e2e_request_latency_seconds' }),
  ScalingMetric.cpuUtilization(80),
].map((m) => m.definition!);

const groups = buildAlertRules({
  services: [{ name: SERVICE, namespace: NS, gpu: { count: 1 }, metrics }],
  targets: [{ what: 'kube-state-metrics', matchers: 'job="kube-state-metrics"' }],
  apiServices: [CUSTOM_API],
  dcgm: true,
});
const RULES = alertRulesYaml(groups);

type Series = { series: string; values: string };
function s(name: string, labels: Record<string, string>, values: string): Series {
  return { series: `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`, values };
}
const hpa = { namespace: NS, horizontalpodautoscaler: SERVICE };
const pod = (p = POD): Record<string, string> => ({ namespace: NS, pod: p });
const flat = (v: number): string => `${v}x30`;
const serviceLabels = { namespace: NS, inferscale_service: SERVICE };

/** A healthy service: every series present, HPA active, not limited, one available replica. */
function healthy(): Series[] {
  return [
    s('kube_horizontalpodautoscaler_status_condition', { ...hpa, condition: 'ScalingActive', status: 'true' }, flat(1)),
    s('kube_horizontalpodautoscaler_status_condition', { ...hpa, condition: 'ScalingActive', status: 'false' }, flat(0)),
    s('kube_horizontalpodautoscaler_status_condition', { ...hpa, condition: 'ScalingLimited', status: 'true' }, flat(0)),
    s('kube_horizontalpodautoscaler_status_current_replicas', hpa, flat(3)),
    s('kube_horizontalpodautoscaler_spec_max_replicas', hpa, flat(8)),
    s('kube_deployment_status_replicas_available', { namespace: NS, deployment: SERVICE }, flat(3)),
    s('kube_deployment_spec_replicas', { namespace: NS, deployment: SERVICE }, flat(3)),
    s('kube_pod_status_phase', { ...pod(), phase: 'Pending' }, flat(0)),
    s('kube_pod_status_phase', { ...pod(), phase: 'Running' }, flat(1)),
    s('vllm:request_success_total', { ...pod(), finished_reason: 'stop' }, '0+10x30'),
    s('vllm:e2e_request_latency_seconds_count', pod(), '0+10x30'),
    s('DCGM_FI_DEV_GPU_UTIL', { ...pod(), gpu: '0' }, flat(60)),
    s('DCGM_FI_DEV_XID_ERRORS', { ...pod(), gpu: '0', UUID: 'GPU-0', Hostname: 'ip-10-0-1-23' }, flat(0)),
    s('vllm:kv_cache_usage_perc', pod(), flat(0.4)),
    s('vllm:num_requests_waiting', pod(), flat(0)),
    s('up', { ...pod(), job: 'inferscale-inference-pods' }, flat(1)),
    s('up', { job: 'kube-state-metrics', instance: '10.0.0.9:8080' }, flat(1)),
    s('aggregator_unavailable_apiservice', { name: CUSTOM_API }, flat(0)),
  ];
}

/** The healthy series with some replaced (same series name and labels) or removed (`values: ""`), and others added. */
function withChanges(...changes: Series[]): Series[] {
  const base = healthy();
  for (const c of changes) {
    const at = base.findIndex((b) => b.series === c.series);
    if (at >= 0) base.splice(at, 1);
    if (c.values !== '') base.push(c);
  }
  return base;
}

/** The `ALERTS` sample of one firing alert, labels sorted as promtool prints them. */
function firing(alertname: string, labels: Record<string, string>): { labels: string; value: number } {
  const all: Record<string, string> = { alertname, alertstate: 'firing', ...labels };
  const body = Object.keys(all).sort().map((k) => `${k}=${JSON.stringify(all[k])}`).join(',');
  return { labels: `ALERTS{${body}}`, value: 1 };
}

function run(promtool: string, input: Series[], alertname: string, expected: { labels: string; value: number }[]): void {
  const r = promtoolTestRules(promtool, RULES, INTERVAL, input, [
    { expr: `ALERTS{alertname=${JSON.stringify(alertname)},alertstate="firing"}`, eval_time: EVAL, exp_samples: expected },
  ]);
  expect(r.output).not.toMatch(/FAILED|error/i);
  expect(r.status).toBe(0);
}

test('every alert carries a runbook line and a severity', () => {
  const all = groups.flatMap((g) => g.rules);
  expect(new Set(all.map((r) => r.alert))).toEqual(new Set(Object.values(ALERTS)));
  for (const r of all) {
    expect(r.annotations.runbook).toMatch(/\. Check: /);
    expect(['warning', 'critical']).toContain(r.labels.severity);
  }
});

test('a service without GPUs gets no Pending alert, and one without vLLM series no saturation alerts', () => {
  const [cpu] = buildAlertRules({ services: [{ name: 'embeddings', namespace: NS, metrics: [ScalingMetric.requestsPerSecond({ targetPerPod: 50 }).definition!] }] });
  const names = cpu.rules.map((r) => r.alert);
  expect(names).not.toContain(ALERTS.gpuPodsPending);
  expect(names).not.toContain(ALERTS.kvCacheSaturated);
  expect(names).not.toContain(ALERTS.queueGrowing);
});

test('a queue-depth catalogue entry gets a growing-queue alert on its own gauge', () => {
  const [svc] = buildAlertRules({ services: [{ name: 'tgi', namespace: NS, metrics: [ScalingMetric.queueDepth({ targetPerPod: 4, gauge: 'tgi_queue_size' }).definition!] }] });
  const queue = svc.rules.filter((r) => r.alert === ALERTS.queueGrowing);
  expect(queue).toHaveLength(1);
  expect(queue[0].expr).toContain('__name__=~"tgi_queue_size"');
});

describeWithTools(['promtool'], 'alerts under promtool', ({ promtool }) => {
  test('the rule file passes promtool check rules, and a healthy service fires nothing', () => {
    const r = promtoolTestRules(promtool, RULES, INTERVAL, healthy(), [{ expr: 'ALERTS', eval_time: EVAL, exp_samples: [] }]);
    expect(r.output).not.toMatch(/FAILED|error/i);
    expect(r.status).toBe(0);
  });

  describe(ALERTS.metricUnreadable, () => {
    test('fires when ScalingActive has been False for 5 minutes', () => {
      run(promtool, withChanges(
        s('kube_horizontalpodautoscaler_status_condition', { ...hpa, condition: 'ScalingActive', status: 'true' }, flat(0)),
        s('kube_horizontalpodautoscaler_status_condition', { ...hpa, condition: 'ScalingActive', status: 'false' }, flat(1)),
      ), ALERTS.metricUnreadable, [firing(ALERTS.metricUnreadable, { ...hpa, condition: 'ScalingActive', status: 'false', ...serviceLabels, severity: 'warning' })]);
    });
    test('stays quiet for a Deployment scaled to zero (ScalingActive False by design)', () => {
      run(promtool, withChanges(
        s('kube_horizontalpodautoscaler_status_condition', { ...hpa, condition: 'ScalingActive', status: 'false' }, flat(1)),
        s('kube_deployment_spec_replicas', { namespace: NS, deployment: SERVICE }, flat(0)),
      ), ALERTS.metricUnreadable, []);
    });
    test('stays quiet when it was False for 3 minutes only', () => {
      run(promtool, withChanges(
        s('kube_horizontalpodautoscaler_status_condition', { ...hpa, condition: 'ScalingActive', status: 'false' }, '0x15 1x3 0x12'),
      ), ALERTS.metricUnreadable, []);
    });
  });

  describe(ALERTS.seriesAbsent, () => {
    test('fires when the request counter is absent for the service\'s pods while replicas are available', () => {
      run(promtool, withChanges(
        s('vllm:request_success_total', { ...pod(), finished_reason: 'stop' }, ''),
        // Another Deployment's pod with the same prefix does not count as this service's.
        s('vllm:request_success_total', { ...pod(OTHER_DEPLOYMENT_POD), finished_reason: 'stop' }, '0+10x30'),
      ), ALERTS.seriesAbsent, [firing(ALERTS.seriesAbsent, { ...serviceLabels, series: 'vllm:request_success_total', severity: 'warning' })]);
    });
    test('fires for a histogram whose _count is absent', () => {
      run(promtool, withChanges(s('vllm:e2e_request_latency_seconds_count', pod(), '')), ALERTS.seriesAbsent,
        [firing(ALERTS.seriesAbsent, { ...serviceLabels, series: 'vllm:e2e_request_latency_seconds', severity: 'warning' })]);
    });
    test('stays quiet when the Deployment has no available replica (nothing can export)', () => {
      run(promtool, withChanges(
        s('vllm:request_success_total', { ...pod(), finished_reason: 'stop' }, ''),
        s('kube_deployment_status_replicas_available', { namespace: NS, deployment: SERVICE }, flat(0)),
      ), ALERTS.seriesAbsent, []);
    });
  });

  describe(ALERTS.atMaxReplicas, () => {
    test('fires at maxReplicas with ScalingLimited True for 10 minutes', () => {
      run(promtool, withChanges(
        s('kube_horizontalpodautoscaler_status_current_replicas', hpa, flat(8)),
        s('kube_horizontalpodautoscaler_status_condition', { ...hpa, condition: 'ScalingLimited', status: 'true' }, flat(1)),
      ), ALERTS.atMaxReplicas, [firing(ALERTS.atMaxReplicas, { ...hpa, ...serviceLabels, severity: 'warning' })]);
    });
    test('stays quiet at maxReplicas when demand fits (not limited)', () => {
      run(promtool, withChanges(s('kube_horizontalpodautoscaler_status_current_replicas', hpa, flat(8))), ALERTS.atMaxReplicas, []);
    });
    test('stays quiet when limited below the maximum (held at minReplicas)', () => {
      run(promtool, withChanges(s('kube_horizontalpodautoscaler_status_condition', { ...hpa, condition: 'ScalingLimited', status: 'true' }, flat(1))), ALERTS.atMaxReplicas, []);
    });
  });

  describe(ALERTS.gpuPodsPending, () => {
    test('fires for a GPU pod Pending longer than 5 minutes', () => {
      run(promtool, withChanges(s('kube_pod_status_phase', { ...pod(), phase: 'Pending' }, flat(1))), ALERTS.gpuPodsPending,
        [firing(ALERTS.gpuPodsPending, { ...pod(), ...serviceLabels, severity: 'warning' })]);
    });
    test('stays quiet for a pod Pending 4 minutes while its node starts', () => {
      run(promtool, withChanges(s('kube_pod_status_phase', { ...pod(), phase: 'Pending' }, '0x14 1x4 0x12')), ALERTS.gpuPodsPending, []);
    });
  });

  describe(ALERTS.metricsApiUnavailable, () => {
    test('fires when the API server reports the custom metrics APIService unavailable', () => {
      run(promtool, withChanges(s('aggregator_unavailable_apiservice', { name: CUSTOM_API }, flat(1))), ALERTS.metricsApiUnavailable,
        [firing(ALERTS.metricsApiUnavailable, { name: CUSTOM_API, severity: 'critical' })]);
    });
    test('stays quiet for an APIService the platform does not use', () => {
      run(promtool, withChanges(s('aggregator_unavailable_apiservice', { name: 'v1beta1.example.io' }, flat(1))), ALERTS.metricsApiUnavailable, []);
    });
  });

  describe(ALERTS.targetDown, () => {
    test('fires for a platform target and for a service pod that cannot be scraped', () => {
      run(promtool, withChanges(
        s('up', { job: 'kube-state-metrics', instance: '10.0.0.9:8080' }, flat(0)),
        s('up', { ...pod(), job: 'inferscale-inference-pods' }, flat(0)),
      ), ALERTS.targetDown, [
        firing(ALERTS.targetDown, { job: 'kube-state-metrics', instance: '10.0.0.9:8080', severity: 'warning' }),
        firing(ALERTS.targetDown, { ...pod(), job: 'inferscale-inference-pods', ...serviceLabels, severity: 'warning' }),
      ]);
    });
    test('stays quiet for targets of other jobs and pods of other Deployments', () => {
      run(promtool, withChanges(
        s('up', { job: 'node-exporter', instance: '10.0.0.1:9100' }, flat(0)),
        s('up', { ...pod(OTHER_DEPLOYMENT_POD), job: 'inferscale-inference-pods' }, flat(0)),
      ), ALERTS.targetDown, []);
    });
  });

  describe(ALERTS.kvCacheSaturated, () => {
    test('fires when vLLM\'s KV cache is above 95 % for 5 minutes', () => {
      run(promtool, withChanges(s('vllm:kv_cache_usage_perc', pod(), flat(0.98))), ALERTS.kvCacheSaturated,
        [firing(ALERTS.kvCacheSaturated, { ...pod(), ...serviceLabels, severity: 'warning' })]);
    });
    test('fires on the series older vLLM versions export (gpu_cache_usage_perc)', () => {
      run(promtool, withChanges(s('vllm:kv_cache_usage_perc', pod(), ''), s('vllm:gpu_cache_usage_perc', pod(), flat(0.99))), ALERTS.kvCacheSaturated,
        [firing(ALERTS.kvCacheSaturated, { ...pod(), ...serviceLabels, severity: 'warning' })]);
    });
    test('stays quiet at 80 %', () => {
      run(promtool, withChanges(s('vllm:kv_cache_usage_perc', pod(), flat(0.8))), ALERTS.kvCacheSaturated, []);
    });
  });

  describe(ALERTS.queueGrowing, () => {
    test('fires when requests waiting keep growing for 10 minutes', () => {
      run(promtool, withChanges(s('vllm:num_requests_waiting', pod(), '0+2x30')), ALERTS.queueGrowing,
        [firing(ALERTS.queueGrowing, { ...serviceLabels, series: 'vllm:num_requests_waiting', severity: 'warning' })]);
    });
    test('stays quiet for a steady queue (served as fast as it arrives)', () => {
      run(promtool, withChanges(s('vllm:num_requests_waiting', pod(), flat(6))), ALERTS.queueGrowing, []);
    });
    test('stays quiet for a queue that grew and drained', () => {
      run(promtool, withChanges(s('vllm:num_requests_waiting', pod(), '0+5x8 40-5x8 0x14')), ALERTS.queueGrowing, []);
    });
  });

  describe(ALERTS.gpuXidError, () => {
    test('fires when a GPU reports an XID', () => {
      const labels = { ...pod(), gpu: '0', UUID: 'GPU-0', Hostname: 'ip-10-0-1-23' };
      run(promtool, withChanges(s('DCGM_FI_DEV_XID_ERRORS', labels, '0x18 79x12')), ALERTS.gpuXidError,
        [firing(ALERTS.gpuXidError, { ...labels, severity: 'critical' })]);
    });
    test('stays quiet while the last XID is 0', () => {
      run(promtool, healthy(), ALERTS.gpuXidError, []);
    });
  });
});
