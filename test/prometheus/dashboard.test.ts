/**
 * The generated Grafana dashboard: the committed file and the ConfigMap hold the same JSON,
 * every panel's query is valid PromQL (`promtool check rules` on recording rules built from the
 * queries, Grafana's `$__range` replaced by a duration), and the replica, demand and capacity
 * queries compute the right values on known series (`promtool test rules`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildDashboard, dashboardQueries, GrafanaDashboard } from '../../lib/core/dashboard';
import { ScalingMetric } from '../../lib/core/metric';
import { loadManifestDir } from '../support/manifests';
import { describeWithTools, promtoolTestRules, runPromtool, withTempDir } from '../support/promtool';
import { find } from '../support/synth';
import * as fs from 'node:fs';

const CHARTS_OUT = join(__dirname, '..', '..', 'charts-out');
const committed = JSON.parse(readFileSync(join(CHARTS_OUT, 'dashboards', 'platform.json'), 'utf8')) as GrafanaDashboard;

/** Grafana's variables as a rule file cannot hold them. */
const forPromtool = (expr: string): string => expr.split('$__range').join('1h').split('$__rate_interval').join('1m');
const recordingRules = (d: GrafanaDashboard): string => stringify({
  groups: [{ name: 'dashboard', rules: dashboardQueries(d).map((q, i) => ({ record: `inferscale_dashboard:q${i}`, expr: forPromtool(q.expr) })) }],
}, { lineWidth: 0 });

const NS = 'inference';
const sample = buildDashboard({
  title: 'test',
  defaultNamespace: NS,
  services: [{ name: 'llm', metrics: [ScalingMetric.requestsPerSecond({ targetPerPod: 4, counter: 'vllm:request_success_total' }).definition!, ScalingMetric.cpuUtilization(80).definition!] }],
  nodeHourlyPrices: { 'g5.xlarge': 1.006 },
});

test('the ConfigMap of the default environment carries the committed dashboard, labelled for the Grafana sidecar', () => {
  const objects = loadManifestDir(CHARTS_OUT) as Record<string, any>[];
  const cm = find(objects, 'ConfigMap', `${committed.uid}-dashboard`);
  expect(cm.metadata.labels.grafana_dashboard).toBe('1');
  expect(JSON.parse(cm.data[`${committed.uid}.json`])).toEqual(committed);
});

test('one row per service and one for GPU nodes; panel ids unique; each HPA metric has a panel', () => {
  const rows = committed.panels.filter((p) => p.type === 'row').map((p) => p.title);
  expect(rows).toEqual(['inference/llm', 'inference/embeddings', 'GPU nodes']);
  expect(new Set(committed.panels.map((p) => p.id)).size).toBe(committed.panels.length);
  const titles = committed.panels.map((p) => p.title);
  for (const t of ['requests waiting per pod (vllm:num_requests_waiting), target 1: per pod', 'p95 time to first token per pod (vllm:time_to_first_token_seconds), target 1 s: per pod', 'KV cache use (vLLM)', 'GPU node cost per hour']) expect(titles).toContain(t);
});

describeWithTools(['promtool'], 'dashboard queries under promtool', ({ promtool }) => {
  test('every query of the committed dashboard is valid PromQL', () => {
    withTempDir((dir) => {
      fs.writeFileSync(join(dir, 'rules.yml'), recordingRules(committed));
      const r = runPromtool(promtool, ['check', 'rules', 'rules.yml'], { cwd: dir });
      expect(r.output).toContain('SUCCESS');
      expect(r.status).toBe(0);
    });
  });

  test('a broken query fails the check (the check has teeth)', () => {
    const broken = { ...committed, panels: [{ ...committed.panels[1], targets: [{ refId: 'A', expr: 'sum(rate(x[1m])', legendFormat: '' }] }] };
    withTempDir((dir) => {
      fs.writeFileSync(join(dir, 'rules.yml'), recordingRules(broken));
      expect(runPromtool(promtool, ['check', 'rules', 'rules.yml'], { cwd: dir }).status).not.toBe(0);
    });
  });

  test('replicas, demand, capacity and cost compute the right values', () => {
    const queries = dashboardQueries(sample);
    const at = (panel: string, n: number): string => forPromtool(queries.filter((q) => q.panel === panel)[n].expr);
    const rules = stringify({ groups: [{ name: 'd', rules: [
      { record: 't:ready', expr: at('Replicas: desired, current, ready, max', 2) },
      { record: 't:demand', expr: at('requests per second per pod, target 4: demand vs capacity', 0) },
      { record: 't:capacity', expr: at('requests per second per pod, target 4: demand vs capacity', 1) },
      { record: 't:cost', expr: at('GPU node cost per hour', 0) },
    ] }] }, { lineWidth: 0 });
    const pod = (p: string): string => `namespace="${NS}",pod="${p}"`;
    const input = [
      // Two pods at 2 and 1 requests per second; a pod of another Deployment does not count.
      { series: `vllm:request_success_total{${pod('llm-5c8d7-a1')}}`, values: '0+30x40' },
      { series: `vllm:request_success_total{${pod('llm-5c8d7-b2')}}`, values: '0+15x40' },
      { series: `vllm:request_success_total{${pod('llm-big-5c8d7-c3')}}`, values: '0+150x40' },
      { series: `kube_deployment_status_replicas_ready{namespace="${NS}",deployment="llm"}`, values: '2x40' },
      // Two GPU nodes of the priced type, one without GPUs.
      { series: 'kube_node_labels{node="n1",label_node_kubernetes_io_instance_type="g5.xlarge"}', values: '1x40' },
      { series: 'kube_node_labels{node="n2",label_node_kubernetes_io_instance_type="g5.xlarge"}', values: '1x40' },
      { series: 'kube_node_labels{node="n3",label_node_kubernetes_io_instance_type="m6i.large"}', values: '1x40' },
      { series: 'kube_node_status_capacity{node="n1",resource="nvidia_com_gpu",unit="integer"}', values: '1x40' },
      { series: 'kube_node_status_capacity{node="n2",resource="nvidia_com_gpu",unit="integer"}', values: '1x40' },
    ];
    const r = promtoolTestRules(promtool, rules, '15s', input, [
      { expr: 't:ready', eval_time: '5m', exp_samples: [{ labels: 't:ready', value: 2 }] },
      { expr: 't:demand', eval_time: '5m', exp_samples: [{ labels: 't:demand', value: 3 }] },
      { expr: 't:capacity', eval_time: '5m', exp_samples: [{ labels: 't:capacity', value: 8 }] },
      { expr: 't:cost', eval_time: '5m', exp_samples: [{ labels: 't:cost', value: 2.012 }] },
    ]);
    expect(r.output).not.toMatch(/FAILED|error/i);
    expect(r.status).toBe(0);
  });
});
