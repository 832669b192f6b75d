/**
 * The query of every KEDA `prometheus` trigger a catalogue metric renders computes, under
 * promtool, the service's total for busy pods (the sum over its Deployment's pods, which KEDA's
 * HPA divides by the replica count for AverageValue triggers), a finite value for idle pods, and
 * nothing at all (an error for KEDA with ignoreNullValues false, never 0) when no pod exports
 * the series.
 */
import { stringify } from 'yaml';
import { kedaTriggerQuery } from '../../lib/core/platform/keda';
import { adapterEntries, CatalogueEntry, SAMPLE_NAMESPACE } from './catalogue';
import { describeWithTools, promtoolTestRules } from '../support/promtool';

const NS = SAMPLE_NAMESPACE;
const DEPLOYMENT = 'llm';
/** A and B serve, C exports every series at 0; a pod of Deployment "llm-big" and one of another namespace must not count. */
const [A, B, C] = ['llm-7d9f8-a', 'llm-7d9f8-b', 'llm-7d9f8-c'];
const [OTHER_DEPLOYMENT, OTHER_NS] = ['llm-big-5c6d7-x', 'elsewhere'];
const INTERVAL = '15s';
const rule = (id: string): string => `inferscale_keda:${id}`;
const counter = (perScrape: number): string => `0+${perScrape}x40`;
const gauge = (value: number): string => `${value}x40`;
const busyThenFlat = (perScrape: number): string => `0+${perScrape}x20 ${perScrape * 20}x40`;
const flatZero = '0x60';

type Series = { series: string; values: string };
function series(name: string, labels: Record<string, string>, values: string): Series {
  return { series: `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`, values };
}
const pod = (p: string, extra: Record<string, string> = {}, namespace = NS): Record<string, string> => ({ namespace, pod: p, ...extra });
const dcgm = (p: string, gpu: string, namespace = NS): Record<string, string> => ({ gpu, UUID: `GPU-${gpu}`, namespace, pod: p });

/** Every series a pod exports, with `v` giving the values of a series that counts `n` per scrape. */
function podSeries(p: string, v: (n: number) => string, ns = NS, g: { util: number[]; engine: number[]; inFlight: number; queue: number; waiting: number } = { util: [0], engine: [0], inFlight: 0, queue: 0, waiting: 0 }, requests: { ok: number; failed: number; status: string } = { ok: 0, failed: 0, status: '500' }, latency: { bucket: string; count: number; sum: number } = { bucket: '0.5', count: 0, sum: 0 }): Series[] {
  const bounds = ['0.1', '0.25', '0.5', '1', '+Inf'];
  const at = bounds.indexOf(latency.bucket);
  return [
    series('ai_inference_requests_total', pod(p, { status: '200' }, ns), v(requests.ok)),
    ...(requests.failed ? [series('ai_inference_requests_total', pod(p, { status: requests.status }, ns), v(requests.failed))] : []),
    ...bounds.map((le, i) => series('ai_inference_latency_seconds_bucket', pod(p, { le }, ns), v(i >= at ? latency.count : 0))),
    series('ai_inference_latency_seconds_count', pod(p, {}, ns), v(latency.count)),
    series('ai_inference_latency_seconds_sum', pod(p, {}, ns), v(latency.sum)),
    ...g.util.map((u, i) => series('DCGM_FI_DEV_GPU_UTIL', dcgm(p, `${p}-${i}`, ns), gauge(u))),
    ...g.engine.map((u, i) => series('DCGM_FI_PROF_GR_ENGINE_ACTIVE', dcgm(p, `${p}-${i}`, ns), gauge(u))),
    series('ai_inference_requests_in_flight', pod(p, {}, ns), gauge(g.inFlight)),
    series('ai_inference_queue_depth', pod(p, {}, ns), gauge(g.queue)),
    series('vllm:num_requests_waiting', pod(p, {}, ns), gauge(g.waiting)),
  ];
}

/* Busy, at 5 minutes: A 100 requests/s (20 failing with 500), latency all in (0.25, 0.5], mean 0.3 s; B 30/s (3 failing with 504),
   latency all in (0.1, 0.25], mean 0.15 s; C idle. GPUs: A 80 % and 60 %, B 30 %; engine A 0.25 and 0.75, B 0.125. */
const decoy = (p: string, ns: string): Series[] => podSeries(p, counter, ns, { util: [99], engine: [1], inFlight: 50, queue: 50, waiting: 50 }, { ok: 999, failed: 999, status: '504' }, { bucket: '1', count: 999, sum: 999 });
const BUSY_INPUT: Series[] = [
  ...podSeries(A, counter, NS, { util: [80, 60], engine: [0.25, 0.75], inFlight: 3, queue: 2, waiting: 4 }, { ok: 1200, failed: 300, status: '500' }, { bucket: '0.5', count: 1500, sum: 450 }),
  ...podSeries(B, counter, NS, { util: [30], engine: [0.125], inFlight: 5, queue: 0, waiting: 1 }, { ok: 405, failed: 45, status: '504' }, { bucket: '0.25', count: 300, sum: 45 }),
  ...podSeries(C, () => flatZero.replace('60', '40')),
  ...decoy(OTHER_DEPLOYMENT, NS),
  ...decoy(A, OTHER_NS),
  series('kafka_consumergroup_lag', { consumergroup: 'llm', partition: '0' }, gauge(40)),
  series('kafka_consumergroup_lag', { consumergroup: 'llm', partition: '1' }, gauge(60)),
  series('kafka_consumergroup_lag', { consumergroup: 'batch', partition: '0' }, gauge(1000)),
  series('sqs_messages_visible', { queue: 'a' }, gauge(7)),
  series('sqs_messages_visible', { queue: 'b' }, gauge(5)),
  series('redis_key_size', { key: 'jobs', db: '0' }, gauge(20)),
  series('nginx_ingress_controller_requests', { namespace: NS, ingress: 'llm', status: '200' }, counter(600)),
  series('nginx_ingress_controller_requests', { namespace: NS, ingress: 'llm', status: '500' }, counter(150)),
  series('ingress_connections_active', { namespace: NS, ingress: 'llm', controller_pod: 'a' }, gauge(12)),
  series('ingress_connections_active', { namespace: NS, ingress: 'llm', controller_pod: 'b' }, gauge(8)),
];

/** Prometheus' histogram_quantile when every observation falls in one bucket (lower, upper]. */
const inOneBucket = (q: number, lower: number, upper: number): number => lower + (upper - lower) * q;

/** The trigger value for the busy fixture: the service's total (Pods), or the object's or queue's value. */
const BUSY: Record<string, { labels?: Record<string, string>; value: number }> = {
  rps: { value: 100 + 30 },
  rps_30s: { value: 100 + 30 },
  gpu_util: { value: 70 + 30 + 0 },
  gpu_engine: { value: 50 + 12.5 + 0 },
  latency_p95: { value: inOneBucket(0.95, 0.25, 0.5) + inOneBucket(0.95, 0.1, 0.25) + 0 },
  latency_p99_9: { value: inOneBucket(0.999, 0.25, 0.5) + inOneBucket(0.999, 0.1, 0.25) + 0 },
  latency_mean: { value: 0.3 + 0.15 + 0 },
  errors: { value: 0.2 + 0.1 + 0 },
  errors_timeouts: { value: 0 + 0.1 + 0 },
  in_flight: { value: 3 + 5 + 0 },
  queue_depth: { value: 2 + 0 + 0 },
  custom_pods: { value: 4 + 1 + 0 },
  external_queue: { value: 100 },
  external_queue_all: { value: 12 },
  custom_external: { value: 20 },
  object_rate: { labels: { ingress: 'llm' }, value: 50 },
  object_sum: { labels: { ingress: 'llm' }, value: 20 },
};

/* Idle, at 15 minutes: A and B served for 5 minutes and then nothing; C never served; gauges, GPUs and queues at 0. */
const IDLE_INPUT: Series[] = [
  ...[A, B, C].flatMap((p) => podSeries(p, (n) => (p === C ? flatZero : busyThenFlat(n)), NS, { util: [0], engine: [0], inFlight: 0, queue: 0, waiting: 0 }, { ok: 100, failed: p === A ? 10 : 0, status: '500' }, { bucket: '0.5', count: 100, sum: 30 })
    .map((s) => (s.values === gauge(0) ? { ...s, values: flatZero } : s))),
  series('kafka_consumergroup_lag', { consumergroup: 'llm', partition: '0' }, flatZero),
  series('sqs_messages_visible', { queue: 'a' }, flatZero),
  series('redis_key_size', { key: 'jobs', db: '0' }, flatZero),
  series('nginx_ingress_controller_requests', { namespace: NS, ingress: 'llm', status: '200' }, busyThenFlat(600)),
  series('ingress_connections_active', { namespace: NS, ingress: 'llm', controller_pod: 'a' }, flatZero),
];

function rulesFile(entries: readonly CatalogueEntry[], deployment = DEPLOYMENT): string {
  const rules = entries.map((e) => ({ record: rule(e.id), expr: kedaTriggerQuery(e.definition, NS, deployment)! }));
  return stringify({ groups: [{ name: 'inferscale-keda-queries', interval: INTERVAL, rules }] }, { lineWidth: 0 });
}

function promtoolTest(promtool: string, rules: string, input: Series[], evalTime: string, expected: { id: string; samples: { labels?: Record<string, string>; value: number }[] }[]): { status: number | null; output: string } {
  return promtoolTestRules(promtool, rules, INTERVAL, input, expected.map(({ id, samples }) => ({
    expr: rule(id),
    eval_time: evalTime,
    exp_samples: samples.map((s) => ({ labels: `${rule(id)}{${Object.entries(s.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join(',')}}`, value: s.value })),
  })));
}

test('every catalogue query has a busy expectation', () => {
  expect(Object.keys(BUSY).sort()).toEqual(adapterEntries().map((e) => e.id).sort());
});

describeWithTools(['promtool'], 'KEDA trigger queries under promtool', ({ promtool }) => {
  test('busy: each trigger query gives the sum over the Deployment\'s pods (or the object\'s or queue\'s value), ignoring other Deployments and namespaces', () => {
    const r = promtoolTest(promtool, rulesFile(adapterEntries()), BUSY_INPUT, '5m', adapterEntries().map((e) => ({ id: e.id, samples: [BUSY[e.id]] })));
    if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.output}`);
    expect(r.output).toContain('SUCCESS');
  });

  test('idle: each trigger query gives one finite value, the catalogue entry\'s idle value summed over the pods', () => {
    const r = promtoolTest(promtool, rulesFile(adapterEntries()), IDLE_INPUT, '15m', adapterEntries().map((e) => {
      const idle = e.definition.idle;
      return { id: e.id, samples: [{ ...(e.definition.hpa.type === 'Object' ? { labels: { ingress: 'llm' } } : {}), value: idle.kind === 'value' ? idle.value : 0 }] };
    }));
    if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.output}`);
    expect(r.output).toContain('SUCCESS');
  });

  test('no pod of the Deployment exports the series: the Pods trigger queries answer nothing (KEDA reports an error, never 0)', () => {
    const pods = adapterEntries().filter((e) => e.definition.hpa.type === 'Pods');
    const r = promtoolTest(promtool, rulesFile(pods, 'gone'), BUSY_INPUT, '5m', pods.map((e) => ({ id: e.id, samples: [] })));
    if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.output}`);
  });

  test('the busy test has teeth: a wrong total fails', () => {
    const rps = adapterEntries().filter((e) => e.id === 'rps');
    const r = promtoolTest(promtool, rulesFile(rps), BUSY_INPUT, '5m', [{ id: 'rps', samples: [{ value: 100 }] }]);
    expect(r.status).not.toBe(0);
  });
});
