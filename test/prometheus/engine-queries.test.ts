/**
 * The engine entries' adapter queries and KEDA trigger queries, for every model-server preset,
 * compute the right per-pod value (and service total) on busy series and the stated idle value
 * on idle ones: pods that served and went quiet for 10 minutes, a pod that never served (for
 * engines that create their series at the first request: a pod with no series yet, scraped
 * fine), and a pod whose scrape fails (missing, never 0).
 */
import { stringify } from 'yaml';
import { kedaTriggerQuery } from '../../lib/core/platform/keda';
import { EngineEntry, ENGINE_CATALOGUE, MAX_SEQUENCES } from './engine-catalogue';
import { SAMPLE_NAMESPACE, sampleQuery, sampleRequest } from './catalogue';
import { renderMetricsQuery } from '../../lib/core/adapter-config';
import { sumGauge } from '../../lib/core/metrics/promql';
import { describeWithTools, promtoolTestRules } from '../support/promtool';

const NS = SAMPLE_NAMESPACE;
const [A, B, C, SILENT] = ['llm-7d9f8-a', 'llm-7d9f8-b', 'llm-7d9f8-c', 'llm-7d9f8-s'];
const INTERVAL = '15s';
const rule = (id: string): string => `inferscale_test:${id}`;
type Series = { series: string; values: string };

const counter = (perScrape: number): string => `0+${perScrape}x40`;
const gauge = (value: number): string => `${value}x40`;
const busyThenFlat = (perScrape: number): string => `0+${perScrape}x20 ${perScrape * 20}x40`;
const flatZero = '0x60';

function series(name: string, labels: Record<string, string>, values: string): Series {
  return { series: `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`, values };
}

/** The engine's own labels, with sample values. */
function engineLabels(e: EngineEntry): Record<string, string> {
  const sample: Record<string, string> = { model_name: 'llama', engine: '0', model: 'llama', version: '1' };
  return Object.fromEntries(e.series.labels.map((l) => [l, sample[l]]));
}

/** Busy per 15 s: A 10 requests/s with bucket counts 4/9/10 of 10 at 0.1/0.25/0.5 s; B 2/s all ≤ 0.1 s. */
const BUSY = {
  [A]: { gauge: 4, kv: 0.5, tokensPerScrape: 150, buckets: { '0.1': 60, '0.25': 135, '0.5': 150, '+Inf': 150 }, sum: 30, microsPerScrape: 150 * 200000, count: 150 },
  [B]: { gauge: 1, kv: 0.25, tokensPerScrape: 15, buckets: { '0.1': 30, '0.25': 30, '0.5': 30, '+Inf': 30 }, sum: 1.5, microsPerScrape: 30 * 50000, count: 30 },
};

/** Prometheus' histogram_quantile: linear interpolation in the bucket holding rank q × total. */
function quantile(q: number, buckets: [number, number][]): number {
  const total = buckets[buckets.length - 1][1];
  let rank = q * total;
  const b = buckets.findIndex(([, n]) => n >= rank);
  const [end, n] = buckets[b];
  const [start, below] = b === 0 ? [0, 0] : buckets[b - 1];
  rank -= below;
  return start + (end - start) * (rank / (n - below));
}

function seriesOf(e: EngineEntry, p: string, phase: 'busy' | 'idle'): Series[] {
  const at = { namespace: NS, pod: p, ...engineLabels(e) };
  const busy = BUSY[(p in BUSY ? p : A) as keyof typeof BUSY];
  const c = (n: number): string => (phase === 'busy' ? counter(n) : busyThenFlat(n));
  const s = e.series;
  if (s.type === 'gauge') return [series(s.name, at, phase === 'busy' ? gauge(e.factory === 'kvCacheUsage' ? busy.kv : busy.gauge) : flatZero)];
  if (s.type === 'counter' && s.countSeries) return [series(s.name, at, c(busy.microsPerScrape)), series(s.countSeries, at, c(busy.count))];
  if (s.type === 'counter') return [series(s.name, at, c(busy.tokensPerScrape))];
  return [
    ...Object.entries(busy.buckets).map(([le, n]) => series(`${s.name}_bucket`, { ...at, le }, c(n))),
    series(`${s.name}_count`, at, c(busy.buckets['+Inf'])),
    series(`${s.name}_sum`, at, c(busy.sum)),
  ];
}

function expectedBusy(e: EngineEntry, p: typeof A | typeof B): number {
  const busy = BUSY[p];
  switch (e.factory) {
    case 'waitingRequests': case 'runningRequests':
      return e.variant === 'share' ? busy.gauge / MAX_SEQUENCES : busy.gauge;
    case 'kvCacheUsage': return busy.kv;
    case 'tokenThroughput': return busy.tokensPerScrape / 15;
    default: {
      if (e.series.countSeries) return (busy.microsPerScrape / busy.count) * 1e-6;
      if (e.variant === 'mean') return busy.sum / busy.count;
      const b = busy.buckets;
      return quantile(e.variant as number, [[0.1, b['0.1']], [0.25, b['0.25']], [0.5, b['0.5']], [Infinity, b['+Inf']]]);
    }
  }
}

/** Input: A and B busy (or busy then idle); C never served; SILENT's scrape fails. Every pod has `up`. */
function input(entries: readonly EngineEntry[], phase: 'busy' | 'idle'): Series[] {
  const out = new Map<string, Series>();
  for (const e of entries) {
    for (const s of [...seriesOf(e, A, phase), ...seriesOf(e, B, phase)]) out.set(s.series, s);
    if (phase === 'idle' && e.series.exportedFrom === 'start') {
      for (const s of seriesOf(e, C, 'idle')) out.set(s.series, { ...s, values: flatZero });
    }
  }
  for (const p of [A, B, C]) out.set(`up-${p}`, series('up', { namespace: NS, pod: p, job: 'inferscale-inference-pods' }, '1x60'));
  out.set('up-silent', series('up', { namespace: NS, pod: SILENT, job: 'inferscale-inference-pods' }, '0x60'));
  return [...out.values()];
}

function run(promtool: string, rules: { record: string; expr: string }[], inputSeries: Series[], evalTime: string, expected: { id: string; samples: { labels: Record<string, string>; value: number }[] }[]): void {
  const r = promtoolTestRules(promtool, stringify({ groups: [{ name: 'g', interval: INTERVAL, rules }] }, { lineWidth: 0 }), INTERVAL, inputSeries, expected.map(({ id, samples }) => ({
    expr: rule(id),
    eval_time: evalTime,
    exp_samples: samples.map((s) => ({ labels: `${rule(id)}{${Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`, value: s.value })),
  })));
  if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.output}`);
  expect(r.output).toContain('SUCCESS');
}

const ALL_PODS = [A, B, C, SILENT];

test('the engine fixture covers every preset and engine entry', () => {
  expect(new Set(ENGINE_CATALOGUE.map((e) => e.server.spec.engine))).toEqual(new Set(['vllm', 'sglang', 'triton', 'tgi', 'tei']));
  expect(new Set(ENGINE_CATALOGUE.map((e) => e.factory)).size).toBe(7);
});

describeWithTools(['promtool'], 'engine entries under promtool', ({ promtool }) => {
  test('adapter queries, busy: per-pod values', () => {
    run(promtool, ENGINE_CATALOGUE.map((e) => ({ record: rule(e.id), expr: sampleQuery(e.definition, ALL_PODS) })), input(ENGINE_CATALOGUE, 'busy'), '5m',
      ENGINE_CATALOGUE.map((e) => ({
        id: e.id,
        // C and SILENT: C exports nothing while busy; for lazily exporting engines it is scraped and reads 0.
        samples: [
          { labels: { pod: A }, value: expectedBusy(e, A) },
          { labels: { pod: B }, value: expectedBusy(e, B) },
          ...(e.series.exportedFrom === 'firstRequest' ? [{ labels: { pod: C }, value: 0 }] : []),
        ],
      })));
  });

  test('adapter queries, idle 10 minutes after the last request: the stated idle value for every scraped pod, nothing for a failed scrape', () => {
    run(promtool, ENGINE_CATALOGUE.map((e) => ({ record: rule(e.id), expr: sampleQuery(e.definition, ALL_PODS) })), input(ENGINE_CATALOGUE, 'idle'), '15m',
      ENGINE_CATALOGUE.map((e) => {
        const idle = e.definition.idle;
        if (idle.kind !== 'value') throw new Error(`${e.id}: engine entries state an idle value`);
        return { id: e.id, samples: [A, B, C].map((p) => ({ labels: { pod: p }, value: idle.value })) };
      }));
  });

  test('the scraped-pod branch has teeth: without it a TGI pod that never served has no value, so an idle service could not scale down', () => {
    const waiting = ENGINE_CATALOGUE.find((e) => e.id === 'tgi_waitingRequests')!;
    const bare = renderMetricsQuery({ ...waiting.definition.adapterRule!, metricsQuery: sumGauge(waiting.definition.adapterRule!.readsSeries!) }, sampleRequest(waiting.definition, ALL_PODS));
    run(promtool, [{ record: rule('bare'), expr: bare }], input([waiting], 'busy'), '5m', [{ id: 'bare', samples: [{ labels: { pod: A }, value: 4 }, { labels: { pod: B }, value: 1 }] }]);
  });

  test('KEDA trigger queries: the service total when busy, the idle value when idle', () => {
    const rules = ENGINE_CATALOGUE.map((e) => ({ record: rule(e.id), expr: kedaTriggerQuery(e.definition, NS, 'llm')! }));
    run(promtool, rules, input(ENGINE_CATALOGUE, 'busy'), '5m', ENGINE_CATALOGUE.map((e) => ({ id: e.id, samples: [{ labels: {}, value: expectedBusy(e, A) + expectedBusy(e, B) }] })));
    run(promtool, rules, input(ENGINE_CATALOGUE, 'idle'), '15m', ENGINE_CATALOGUE.map((e) => ({ id: e.id, samples: [{ labels: {}, value: 0 }] })));
  });
});
