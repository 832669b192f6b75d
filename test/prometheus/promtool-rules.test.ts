/**
 * Every adapter query of the metric catalogue, rendered the way Prometheus Adapter v0.12.0
 * renders it, is valid PromQL (`promtool check rules`) and computes the right per-pod value
 * on known series (`promtool test rules`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { renderMetricsQuery } from '../../lib/core/adapter-config';
import { histogramQuantile as busyQuantile } from '../../lib/core/metrics/promql';
import { adapterEntries, CATALOGUE, CatalogueEntry, SAMPLE_NAMESPACE, sampleQuery, sampleRequest, scalingMetricFactories } from './catalogue';
import { ENGINE_CATALOGUE } from './engine-catalogue';
import { describeWithTools, promtoolTestRules, runPromtool, withTempDir } from '../support/promtool';

const NS = SAMPLE_NAMESPACE;
const [A, B, C, D] = ['llm-7d9f8-a', 'llm-7d9f8-b', 'llm-7d9f8-c', 'llm-7d9f8-d'];
/** The pods the HPA's selector matched: A and B serve, C serves without errors, D is idle. */
const PODS = [A, B, C, D];
/** A pod of the same Deployment the HPA did not ask about, and a pod of the same name elsewhere. */
const [NOT_ASKED, OTHER_NS] = ['llm-7d9f8-e', 'other'];

/** Series every 15 s for 10 minutes; queries are evaluated at 5 minutes. */
const INTERVAL = '15s';
const EVAL_TIME = '5m';
const rule = (id: string): string => `inferscale_test:${id}`;

/** `counter(n)`: a counter rising by n every 15 s, i.e. n/15 per second. */
const counter = (perScrape: number): string => `0+${perScrape}x40`;
const gauge = (value: number): string => `${value}x40`;

function series(name: string, labels: Record<string, string>, values: string): { series: string; values: string } {
  const body = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
  return { series: `${name}{${body}}`, values };
}

const pod = (p: string, extra: Record<string, string> = {}, namespace = NS): Record<string, string> => ({ namespace, pod: p, ...extra });

/** Bucket layout of the latency histogram: cumulative count per 15 s for each upper bound. */
function histogram(p: string, buckets: Record<string, number>, sumPerScrape: number, namespace = NS): { series: string; values: string }[] {
  const out = Object.entries(buckets).map(([le, n]) => series('ai_inference_latency_seconds_bucket', pod(p, { le }, namespace), counter(n)));
  out.push(series('ai_inference_latency_seconds_count', pod(p, {}, namespace), counter(buckets['+Inf'])));
  out.push(series('ai_inference_latency_seconds_sum', pod(p, {}, namespace), counter(sumPerScrape)));
  return out;
}

/**
 * Prometheus' histogram_quantile on cumulative bucket rates: linear interpolation inside the
 * bucket holding rank q × total (the documented definition), in float64 like Prometheus.
 */
function histogramQuantile(q: number, buckets: [number, number][]): number {
  const total = buckets[buckets.length - 1][1];
  let rank = q * total;
  const b = buckets.findIndex(([, count]) => count >= rank);
  const [end, count] = buckets[b];
  const [start, below] = b === 0 ? [0, 0] : buckets[b - 1];
  rank -= below;
  return start + (end - start) * (rank / (count - below));
}

const DCGM = (p: string, gpu: string, namespace = NS): Record<string, string> => ({
  gpu, UUID: `GPU-0000-${gpu}`, device: `nvidia${gpu}`, modelName: 'NVIDIA A10G', Hostname: 'ip-10-0-1-23', namespace, pod: p, container: 'server',
});

/* Input: requests per second A 100 (20 failing with 500), B 30 (3 failing with 504), C 10 (none failing), D idle. */
const INPUT = [
  series('ai_inference_requests_total', pod(A, { status: '200' }), counter(1200)),
  series('ai_inference_requests_total', pod(A, { status: '500' }), counter(300)),
  series('ai_inference_requests_total', pod(B, { status: '200' }), counter(405)),
  series('ai_inference_requests_total', pod(B, { status: '504' }), counter(45)),
  series('ai_inference_requests_total', pod(C, { status: '200' }), counter(150)),
  series('ai_inference_requests_total', pod(D, { status: '200' }), gauge(7)),
  series('ai_inference_requests_total', pod(NOT_ASKED, { status: '500' }), counter(999)),
  series('ai_inference_requests_total', pod(A, { status: '500' }, OTHER_NS), counter(999)),
  // Latency: A 100 obs/s (40 ≤ 0.25 s, 90 ≤ 0.5 s, 100 ≤ 1 s), sum 30 s/s; B 20 obs/s all ≤ 0.25 s, sum 3 s/s;
  // C idle (buckets flat): latency 0, never missing or NaN; D exports no histogram: missing (unknown), never 0.
  ...histogram(A, { '0.1': 0, '0.25': 600, '0.5': 1350, '1': 1500, '+Inf': 1500 }, 450),
  ...histogram(B, { '0.1': 0, '0.25': 300, '0.5': 300, '1': 300, '+Inf': 300 }, 45),
  ...histogram(C, { '0.1': 0, '0.25': 0, '0.5': 0, '1': 0, '+Inf': 0 }, 0),
  ...histogram(NOT_ASKED, { '0.1': 0, '0.25': 0, '0.5': 0, '1': 0, '+Inf': 1500 }, 15000),
  // GPUs, attributed to the workload pods by the exporter: A has two, B one.
  series('DCGM_FI_DEV_GPU_UTIL', DCGM(A, '0'), gauge(80)),
  series('DCGM_FI_DEV_GPU_UTIL', DCGM(A, '1'), gauge(60)),
  series('DCGM_FI_DEV_GPU_UTIL', DCGM(B, '2'), gauge(30)),
  series('DCGM_FI_DEV_GPU_UTIL', DCGM('nvidia-dcgm-exporter-x7k2p', '3', 'gpu-system'), gauge(99)),
  series('DCGM_FI_DEV_GPU_UTIL', DCGM(A, '4', OTHER_NS), gauge(5)),
  series('DCGM_FI_PROF_GR_ENGINE_ACTIVE', DCGM(A, '0'), gauge(0.25)),
  series('DCGM_FI_PROF_GR_ENGINE_ACTIVE', DCGM(A, '1'), gauge(0.75)),
  series('DCGM_FI_PROF_GR_ENGINE_ACTIVE', DCGM(B, '2'), gauge(0.125)),
  // Gauges.
  series('ai_inference_requests_in_flight', pod(A), gauge(3)),
  series('ai_inference_requests_in_flight', pod(B), gauge(5)),
  series('ai_inference_requests_in_flight', pod(C), gauge(0)),
  series('ai_inference_requests_in_flight', pod(NOT_ASKED), gauge(50)),
  series('ai_inference_queue_depth', pod(A), gauge(2)),
  series('ai_inference_queue_depth', pod(B), gauge(0)),
  series('vllm:num_requests_waiting', pod(A), gauge(4)),
  series('vllm:num_requests_waiting', pod(B), gauge(1)),
  // External queues: Kafka lag of this service's consumer group over two partitions, another group; SQS; Redis.
  series('kafka_consumergroup_lag', { consumergroup: 'llm', topic: 'prompts', partition: '0' }, gauge(40)),
  series('kafka_consumergroup_lag', { consumergroup: 'llm', topic: 'prompts', partition: '1' }, gauge(60)),
  series('kafka_consumergroup_lag', { consumergroup: 'batch', topic: 'prompts', partition: '0' }, gauge(1000)),
  series('sqs_messages_visible', { queue: 'a' }, gauge(7)),
  series('sqs_messages_visible', { queue: 'b' }, gauge(5)),
  series('redis_key_size', { key: 'jobs', db: '0' }, gauge(20)),
  series('redis_key_size', { key: 'other', db: '0' }, gauge(99)),
  // Ingress: 50 requests/s through ingress "llm" (two status codes), another ingress; active connections.
  series('nginx_ingress_controller_requests', { namespace: NS, ingress: 'llm', status: '200' }, counter(600)),
  series('nginx_ingress_controller_requests', { namespace: NS, ingress: 'llm', status: '500' }, counter(150)),
  series('nginx_ingress_controller_requests', { namespace: NS, ingress: 'other', status: '200' }, counter(999)),
  series('ingress_connections_active', { namespace: NS, ingress: 'llm', controller_pod: 'a' }, gauge(12)),
  series('ingress_connections_active', { namespace: NS, ingress: 'llm', controller_pod: 'b' }, gauge(8)),
];

type Sample = { labels: Record<string, string>; value: number };
const perPod = (values: Record<string, number>): Sample[] => Object.entries(values).map(([p, value]) => ({ labels: { pod: p }, value }));

/** What each query must return at 5 minutes, per pod (or per object, or one value for external metrics). */
const EXPECTED: Record<string, Sample[]> = {
  rps: perPod({ [A]: 100, [B]: 30, [C]: 10, [D]: 0 }),
  rps_30s: perPod({ [A]: 100, [B]: 30, [C]: 10, [D]: 0 }),
  gpu_util: perPod({ [A]: 70, [B]: 30 }),
  gpu_engine: perPod({ [A]: 50, [B]: 12.5 }),
  latency_p95: perPod({
    [A]: histogramQuantile(0.95, [[0.1, 0], [0.25, 40], [0.5, 90], [1, 100], [Infinity, 100]]),
    [B]: histogramQuantile(0.95, [[0.1, 0], [0.25, 20], [0.5, 20], [1, 20], [Infinity, 20]]),
    [C]: 0,
  }),
  latency_p99_9: perPod({
    [A]: histogramQuantile(0.999, [[0.1, 0], [0.25, 40], [0.5, 90], [1, 100], [Infinity, 100]]),
    [B]: histogramQuantile(0.999, [[0.1, 0], [0.25, 20], [0.5, 20], [1, 20], [Infinity, 20]]),
    [C]: 0,
  }),
  latency_mean: perPod({ [A]: 30 / 100, [B]: 3 / 20, [C]: 0 }),
  errors: perPod({ [A]: 20 / 100, [B]: 3 / 30, [C]: 0, [D]: 0 }),
  errors_timeouts: perPod({ [A]: 0, [B]: 3 / 30, [C]: 0, [D]: 0 }),
  in_flight: perPod({ [A]: 3, [B]: 5, [C]: 0 }),
  queue_depth: perPod({ [A]: 2, [B]: 0 }),
  custom_pods: perPod({ [A]: 4, [B]: 1 }),
  external_queue: [{ labels: {}, value: 100 }],
  external_queue_all: [{ labels: {}, value: 12 }],
  custom_external: [{ labels: {}, value: 20 }],
  object_rate: [{ labels: { ingress: 'llm' }, value: 50 }],
  object_sum: [{ labels: { ingress: 'llm' }, value: 20 }],
};

/** Exact expectations promtool can compare (it compares floats exactly). */
function expSamples(id: string, samples: Sample[]): { labels: string; value: number }[] {
  return samples.map((s) => ({
    labels: `${rule(id)}{${Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`,
    value: s.value,
  }));
}

function rulesFile(entries: readonly CatalogueEntry[], pods: readonly string[] = PODS): string {
  const rules = entries.flatMap((e) => [
    { record: rule(e.id), expr: sampleQuery(e.definition, pods) },
    // One pod renders an equality matcher (pod="a") instead of a regex (pod=~"a|b").
    ...(e.definition.hpa.type === 'Pods' ? [{ record: rule(`${e.id}_one_pod`), expr: sampleQuery(e.definition, [A]) }] : []),
  ]);
  return stringify({ groups: [{ name: 'inferscale-adapter-queries', interval: INTERVAL, rules }] }, { lineWidth: 0 });
}

/* Idle: A and B served requests for 5 minutes (A with failures), then nothing for 10 minutes; C and D
   never served one but export every series at 0 from their start; E exports nothing at all. Gauges,
   GPUs and queues read 0 at rest. Queries are evaluated at 15 minutes. */
const IDLE_EVAL_TIME = '15m';
const IDLE_PODS = [A, B, C, D, 'llm-7d9f8-silent'];
/** A counter rising by n per 15 s for 5 minutes, then flat for 10 (61 samples, like the others). */
const busyThenFlat = (perScrape: number): string => `0+${perScrape}x20 ${perScrape * 20}x40`;
const flatZero = '0x60';
const IDLE_INPUT = [
  ...[A, B, C, D].flatMap((p) => {
    const busy = p === A || p === B;
    const c = (n: number): string => (busy ? busyThenFlat(n) : flatZero);
    return [
      series('ai_inference_requests_total', pod(p, { status: '200' }), c(100)),
      ...(p === A ? [series('ai_inference_requests_total', pod(p, { status: '500' }), c(10))] : []),
      ...histogramOf(p, { '0.1': c(0), '0.25': c(50), '0.5': c(90), '1': c(100), '+Inf': c(100) }, c(30)),
      series('DCGM_FI_DEV_GPU_UTIL', DCGM(p, p.slice(-1)), flatZero),
      series('DCGM_FI_PROF_GR_ENGINE_ACTIVE', DCGM(p, p.slice(-1)), flatZero),
      series('ai_inference_requests_in_flight', pod(p), flatZero),
      series('ai_inference_queue_depth', pod(p), flatZero),
      series('vllm:num_requests_waiting', pod(p), flatZero),
    ];
  }),
  series('kafka_consumergroup_lag', { consumergroup: 'llm', topic: 'prompts', partition: '0' }, flatZero),
  series('sqs_messages_visible', { queue: 'a' }, flatZero),
  series('redis_key_size', { key: 'jobs', db: '0' }, flatZero),
  series('nginx_ingress_controller_requests', { namespace: NS, ingress: 'llm', status: '200' }, busyThenFlat(600)),
  series('ingress_connections_active', { namespace: NS, ingress: 'llm', controller_pod: 'a' }, flatZero),
];

/** Histogram series with the given values per bucket bound, `_count` equal to the `+Inf` bucket. */
function histogramOf(p: string, buckets: Record<string, string>, sumValues: string): { series: string; values: string }[] {
  return [
    ...Object.entries(buckets).map(([le, values]) => series('ai_inference_latency_seconds_bucket', pod(p, { le }), values)),
    series('ai_inference_latency_seconds_count', pod(p), buckets['+Inf']),
    series('ai_inference_latency_seconds_sum', pod(p), sumValues),
  ];
}

/**
 * What each query must return for idle pods: the entry's stated idle value, or for readings the
 * fixture's reading at rest (0). Every pod that exports the series has a value; E has none.
 */
function idleExpected(e: CatalogueEntry): Sample[] {
  const idle = e.definition.idle;
  const value = idle.kind === 'value' ? idle.value : 0;
  switch (e.definition.hpa.type) {
    case 'Pods': return perPod(Object.fromEntries([A, B, C, D].map((p) => [p, value])));
    case 'Object': return [{ labels: { ingress: 'llm' }, value }];
    default: return [{ labels: {}, value }];
  }
}

/** Runs `promtool test rules` on `rules` with `input` and the expected samples per recorded rule; returns its result. */
function promtoolTest(promtool: string, rules: string, input: { series: string; values: string }[], evalTime: string, expected: { id: string; samples: Sample[] }[]): ReturnType<typeof runPromtool> {
  return promtoolTestRules(promtool, rules, INTERVAL, input, expected.map(({ id, samples }) => ({ expr: rule(id), eval_time: evalTime, exp_samples: expSamples(id, samples) })));
}

describe('catalogue fixture', () => {
  test('covers every public ScalingMetric factory', () => {
    expect([...new Set([...CATALOGUE, ...ENGINE_CATALOGUE].map((e) => e.factory))].sort()).toEqual(scalingMetricFactories());
  });

  test('every adapter query has expected per-pod values', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(adapterEntries().map((e) => e.id).sort());
  });
});

describeWithTools(['promtool'], 'adapter queries under promtool', ({ promtool }) => {
  test('promtool check rules: every rendered query is valid PromQL', () => {
    withTempDir((dir) => {
      fs.writeFileSync(path.join(dir, 'rules.yml'), rulesFile(adapterEntries()));
      const r = runPromtool(promtool, ['check', 'rules', 'rules.yml'], { cwd: dir });
      expect(r.output).toContain(`SUCCESS: ${adapterEntries().length + adapterEntries().filter((e) => e.definition.hpa.type === 'Pods').length} rules found`);
      expect(r.status).toBe(0);
    });
  });

  test('promtool check rules rejects a broken query (the check has teeth)', () => {
    withTempDir((dir) => {
      fs.writeFileSync(path.join(dir, 'rules.yml'), stringify({ groups: [{ name: 'g', rules: [{ record: 'x', expr: 'sum(rate(foo{pod=~"a|b"}[1m]) by (pod)' }] }] }));
      const r = runPromtool(promtool, ['check', 'rules', 'rules.yml'], { cwd: dir });
      expect(r.status).not.toBe(0);
    });
  });

  test('promtool test rules: each query computes the right per-pod value on known series', () => {
    withTempDir((dir) => {
      fs.writeFileSync(path.join(dir, 'rules.yml'), rulesFile(adapterEntries()));
      const tests = adapterEntries().flatMap((e) => {
        const expected = EXPECTED[e.id];
        const cases = [{ expr: rule(e.id), eval_time: EVAL_TIME, exp_samples: expSamples(e.id, expected) }];
        if (e.definition.hpa.type === 'Pods') {
          cases.push({ expr: rule(`${e.id}_one_pod`), eval_time: EVAL_TIME, exp_samples: expSamples(`${e.id}_one_pod`, expected.filter((s) => s.labels.pod === A)) });
        }
        return cases;
      });
      const unitTest = {
        rule_files: ['rules.yml'],
        evaluation_interval: INTERVAL,
        tests: [{ interval: INTERVAL, input_series: INPUT, promql_expr_test: tests }],
      };
      fs.writeFileSync(path.join(dir, 'test.yml'), stringify(unitTest, { lineWidth: 0 }));
      const r = runPromtool(promtool, ['test', 'rules', 'test.yml'], { cwd: dir });
      if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.output}`);
      expect(r.output).toContain('SUCCESS');
    });
  });

  test('promtool test rules catches a wrong expectation (the test has teeth)', () => {
    withTempDir((dir) => {
      const rps = adapterEntries().find((e) => e.id === 'rps')!;
      fs.writeFileSync(path.join(dir, 'rules.yml'), rulesFile([rps]));
      const unitTest = {
        rule_files: ['rules.yml'],
        evaluation_interval: INTERVAL,
        tests: [{
          interval: INTERVAL,
          input_series: INPUT,
          promql_expr_test: [{ expr: rule('rps'), eval_time: EVAL_TIME, exp_samples: expSamples('rps', perPod({ [A]: 99, [B]: 30, [C]: 10, [D]: 0 })) }],
        }],
      };
      fs.writeFileSync(path.join(dir, 'test.yml'), stringify(unitTest, { lineWidth: 0 }));
      const r = runPromtool(promtool, ['test', 'rules', 'test.yml'], { cwd: dir });
      expect(r.status).not.toBe(0);
      expect(r.output).toContain('FAILED');
    });
  });

  test('promtool test rules, idle: every query gives every pod that exports its series the stated idle value, 10 minutes after the last request', () => {
    const r = promtoolTest(promtool, rulesFile(adapterEntries(), IDLE_PODS), IDLE_INPUT, IDLE_EVAL_TIME,
      adapterEntries().map((e) => ({ id: e.id, samples: idleExpected(e) })));
    if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.output}`);
    expect(r.output).toContain('SUCCESS');
  });

  test('the idle fixture has teeth: without its idle branch the p95 query has no value for any idle pod', () => {
    const p95 = adapterEntries().find((e) => e.id === 'latency_p95')!.definition;
    const busyOnly = { ...p95.adapterRule!, metricsQuery: busyQuantile(0.95, '<<.Series>>', '1m') };
    const rules = stringify({ groups: [{ name: 'g', interval: INTERVAL, rules: [{ record: rule('busy_only'), expr: renderMetricsQuery(busyOnly, sampleRequest(p95, IDLE_PODS)) }] }] });
    const r = promtoolTest(promtool, rules, IDLE_INPUT, IDLE_EVAL_TIME, [{ id: 'busy_only', samples: [] }]);
    if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.output}`);
  });
});
