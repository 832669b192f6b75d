/**
 * Series an engine creates at its first request (TEI, TGI, SGLang), under promtool, with the
 * default app's embeddings service (TEI, scaling on CPU and `te_request_count`):
 * - on a fresh cluster, before any request, the adapter's discovery query finds series, so the
 *   metric is served; its query reads 0 for every scraped pod, and nothing for a pod whose
 *   scrape fails;
 * - busy, it reads the request rate;
 * - the absent-series alert stays quiet on idle pods and fires when the pods have served
 *   requests (their other series exist) but never exported the series the HPA reads.
 */
import { stringify } from 'yaml';
import { ALERTS, alertRulesYaml, buildAlertRules } from '../../lib/core/alerts/rules';
import { resolveInferenceService } from '../../lib/core/inference-service';
import { MetricDefinition } from '../../lib/core/metric';
import { defaultServices } from '../../stacks/default-services';
import { sampleQuery, SAMPLE_NAMESPACE } from './catalogue';
import { describeWithTools, promtoolTestRules } from '../support/promtool';

const NS = SAMPLE_NAMESPACE;
const SERVICE = 'embeddings';
const [BUSY, NEVER_SERVED, SILENT] = ['embeddings-7d9f8-a', 'embeddings-7d9f8-c', 'embeddings-7d9f8-s'];
const INTERVAL = '15s';
type Series = { series: string; values: string };

function series(name: string, labels: Record<string, string>, values: string): Series {
  return { series: `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`, values };
}

const embeddings = resolveInferenceService(defaultServices().embeddings, SERVICE).service!;
const rps: MetricDefinition = embeddings.metrics.find((m) => m.kind === 'requestsPerSecond')!;

/** Every pod is a target; SILENT's scrape fails. */
function targets(pods: readonly string[]): Series[] {
  return pods.map((p) => series('up', { namespace: NS, pod: p, job: 'inferscale-inference-pods' }, p === SILENT ? '0x60' : '1x60'));
}

/** TEI's series for a pod that served 10 requests/s (150 per 15 s scrape). */
function served(pod: string): Series[] {
  const at = { namespace: NS, pod };
  return [
    series('te_request_count', { ...at, method: 'single' }, '0+150x60'),
    series('te_queue_size', at, '2x60'),
    series('te_batch_current_size', at, '8x60'),
  ];
}

function evaluate(promtool: string, exprs: Record<string, string>, input: Series[], expected: Record<string, { labels: Record<string, string>; value: number }[]>): void {
  const record = (id: string): string => `inferscale_test:${id}`;
  const rules = stringify({ groups: [{ name: 'g', interval: INTERVAL, rules: Object.entries(exprs).map(([id, expr]) => ({ record: record(id), expr })) }] }, { lineWidth: 0 });
  const r = promtoolTestRules(promtool, rules, INTERVAL, input, Object.entries(expected).map(([id, samples]) => ({
    expr: record(id),
    eval_time: '5m',
    exp_samples: samples.map((s) => ({ labels: `${record(id)}{${Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`, value: s.value })),
  })));
  if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.output}`);
}

test('the embeddings service reads te_request_count through a rule discovered by up', () => {
  expect(rps.adapterRule).toMatchObject({ seriesQuery: 'up{namespace!="",pod!=""}', name: { matches: '^up$' }, readsSeries: 'te_request_count' });
});

describeWithTools(['promtool'], 'series created at the first request, under promtool', ({ promtool }) => {
  test('before any request: the discovery query finds series (it would find none by te_request_count), and every scraped pod reads 0', () => {
    const pods = [BUSY, NEVER_SERVED, SILENT];
    const discovery = rps.adapterRule!.seriesQuery;
    evaluate(promtool, {
      discovered: `count by (__name__) (${discovery})`,
      byOwnName: 'count by (__name__) (te_request_count{namespace!="",pod!=""})',
      rps: sampleQuery(rps, pods),
    }, targets(pods), {
      discovered: [{ labels: { __name__: 'up' }, value: 3 }],
      byOwnName: [],
      rps: [{ labels: { pod: BUSY }, value: 0 }, { labels: { pod: NEVER_SERVED }, value: 0 }],
    });
    expect(new RegExp(rps.adapterRule!.name.matches).test('up')).toBe(true);
  });

  test('busy: the request rate of the pod that serves, 0 for one that has not served yet, nothing for a failed scrape', () => {
    const pods = [BUSY, NEVER_SERVED, SILENT];
    evaluate(promtool, { rps: sampleQuery(rps, pods) }, [...targets(pods), ...served(BUSY)], {
      rps: [{ labels: { pod: BUSY }, value: 10 }, { labels: { pod: NEVER_SERVED }, value: 0 }],
    });
  });

  describe(ALERTS.seriesAbsent, () => {
    const rules = alertRulesYaml(buildAlertRules({ services: [{ name: SERVICE, namespace: NS, metrics: embeddings.metrics }] }));
    const available = series('kube_deployment_status_replicas_available', { namespace: NS, deployment: SERVICE }, '2x60');
    /** Runs the rules on `input` and checks the firing absent-series alerts at 14 minutes (past the 5-minute `for`). */
    function expectAbsentAlerts(input: Series[], firing: Record<string, string>[]): void {
      const samples = firing.map((labels) => {
        const all: Record<string, string> = { alertname: ALERTS.seriesAbsent, alertstate: 'firing', ...labels };
        return { labels: `ALERTS{${Object.keys(all).sort().map((k) => `${k}=${JSON.stringify(all[k])}`).join(',')}}`, value: 1 };
      });
      const r = promtoolTestRules(promtool, rules, INTERVAL, input, [
        { expr: `ALERTS{alertname="${ALERTS.seriesAbsent}",alertstate="firing"}`, eval_time: '14m', exp_samples: samples },
      ]);
      if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.output}`);
    }

    test('stays quiet on idle pods that never served a request', () => {
      expectAbsentAlerts([available, ...targets([BUSY, NEVER_SERVED])], []);
    });

    test('stays quiet once the pods serve', () => {
      expectAbsentAlerts([available, ...targets([BUSY, NEVER_SERVED]), ...served(BUSY)], []);
    });

    test('fires when the pods served requests (TEI\'s queue gauges exist) but te_request_count never appeared', () => {
      const withoutCounter = served(BUSY).filter((s) => !s.series.startsWith('te_request_count'));
      expectAbsentAlerts([available, ...targets([BUSY, NEVER_SERVED]), ...withoutCounter], [
        { namespace: NS, inferscale_service: SERVICE, series: 'te_request_count', severity: 'warning' },
      ]);
    });
  });
});
