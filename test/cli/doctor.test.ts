/**
 * `inferscale doctor` against what can run here: a real Prometheus on loopback (scraping a fake
 * model server that exports a request counter, and a down target) for the PromQL steps, and a
 * loopback HTTP server answering the few GETs doctor sends for the Kubernetes API steps
 * (APIServices, the metrics APIs, the HPA), reached through a kubeconfig with a bearer token.
 * Not exercised: TLS to a real API server, exec credential plugins, in-cluster credentials.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { DoctorResult, formatDoctorResults, planDoctorChecks, runDoctorChecks } from '../../lib/core/doctor';
import { resolveInferenceService, ResolvedInferenceService } from '../../lib/core/inference-service';
import { ScalingMetric } from '../../lib/core/metric';
import { ModelServer } from '../../lib/core/metrics/model-servers';
import { prometheusClient } from '../../lib/cli/doctor-command';
import { accessFromKubeconfig, kubeClient } from '../../lib/cli/kube-client';
import { main, CliIo } from '../../lib/cli/main';
import { describeWithTools } from '../support/promtool';
import { FakeExporter, RunningPrometheus, sleep, startPrometheus } from '../prometheus/fakes';

const NS = 'inference';
const [A, B] = ['llm-5c8d7f9b6-a1b2c', 'llm-5c8d7f9b6-d3e4f'];
const TOKEN = 'doctor-test-token';

function service(): ResolvedInferenceService {
  const { service: s, problems } = resolveInferenceService({
    name: 'llm', namespace: NS, image: 'vllm/vllm-openai:v0.11.0', maxReplicas: 4,
    metrics: [ScalingMetric.requestsPerSecond({ targetPerPod: 4 }), ScalingMetric.queueDepth({ targetPerPod: 2 }), ScalingMetric.cpuUtilization(80)],
  }, 'llm');
  if (!s) throw new Error(JSON.stringify(problems));
  return s;
}

/** The fake API server: what a cluster with a broken metrics-server and a half-read HPA answers. */
async function fakeApiServer(): Promise<{ port: number; requests: string[]; authorized: () => boolean; close: () => Promise<void> }> {
  const requests: string[] = [];
  let allAuthorized = true;
  const available = (status: string, reason?: string) => ({ status: { conditions: [{ type: 'Available', status, ...(reason ? { reason } : {}) }] } });
  const routes: Record<string, [number, unknown]> = {
    '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.custom.metrics.k8s.io': [200, available('True')],
    '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io': [200, available('False', 'FailedDiscoveryCheck')],
    [`/apis/custom.metrics.k8s.io/v1beta1/namespaces/${NS}/pods/*/ai_inference_requests_per_second?labelSelector=${encodeURIComponent('inferscale.io/service=llm')}`]: [200, { items: [{ describedObject: { name: A }, value: '2' }] }],
    [`/apis/custom.metrics.k8s.io/v1beta1/namespaces/${NS}/pods/*/ai_inference_queue_depth?labelSelector=${encodeURIComponent('inferscale.io/service=llm')}`]: [404, { message: 'the server could not find the metric ai_inference_queue_depth for pods' }],
    [`/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers/llm`]: [200, { status: { conditions: [{ type: 'ScalingActive', status: 'True' }], currentMetrics: [{ type: 'Pods', pods: { current: { averageValue: '2' } } }] } }],
  };
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.headers.authorization !== `Bearer ${TOKEN}`) allAuthorized = false;
    const [status, body] = routes[req.url ?? ''] ?? [404, { message: 'not found' }];
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    authorized: () => allAuthorized,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function kubeconfig(dir: string, port: number): string {
  const file = path.join(dir, 'kubeconfig');
  fs.writeFileSync(file, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'test',
    clusters: [{ name: 'loopback', cluster: { server: `http://127.0.0.1:${port}` } }],
    users: [{ name: 'doctor', user: { token: TOKEN } }],
    contexts: [{ name: 'test', context: { cluster: 'loopback', user: 'doctor' } }],
  }));
  return file;
}

/** The one check of metrics[`metric`] at `step` whose text matches `what`. */
const line = (results: readonly DoctorResult[], step: string, what: RegExp, metric?: number): DoctorResult => {
  const found = results.filter((r) => r.check.step === step && what.test(r.check.what) && (metric === undefined || r.check.metricIndex === metric));
  if (found.length !== 1) throw new Error(`expected one ${step} check matching ${what}, found ${found.length}: ${formatDoctorResults(results)}`);
  return found[0];
};

test('doctor --help says what it checks', () => {
  let out = '';
  const io: CliIo = { stdout: (t) => { out += t; }, stderr: () => undefined, stderrIsTty: false, cwd: process.cwd(), env: {} };
  return Promise.resolve(main(['doctor', '--help'], io)).then((code) => {
    expect(code).toBe(0);
    for (const step of ['series', 'scrape', 'adapter', 'metrics API', 'HPA', '--prometheus URL', '--kubeconfig FILE']) expect(out).toContain(step);
  });
});

test('doctor without --prometheus names the missing option', async () => {
  let err = '';
  const io: CliIo = { stdout: () => undefined, stderr: (t) => { err += t; }, stderrIsTty: false, cwd: process.cwd(), env: {} };
  expect(await main(['doctor'], io)).toBe(1);
  expect(err).toBe('inferscale doctor: --prometheus URL is required (the Prometheus the adapter reads, reachable from here)\n');
});

test('a failing check\'s likely cause does not tell the reader to run doctor again', async () => {
  const checks = planDoctorChecks(service(), { namespace: NS, prometheusUrl: 'x' });
  const results = await runDoctorChecks(checks.filter((c) => c.probe.type === 'promql'), { prometheus: { query: async () => [] } });
  const series = line(results, 'series', /ai_inference_requests_total/);
  expect(series.status).toBe('failing');
  expect(series.likelyCause).toBe('the model server does not export it (wrong engine version or name, a counter created lazily), or the scrape drops it. Check: curl -s <pod-ip>:<metrics-port><metrics-path> | grep <series>');
  expect(results.filter((r) => r.likelyCause?.includes('inferscale doctor'))).toEqual([]);
});

test('without a kubeconfig, doctor says how to check Prometheus only', async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'inferscale-home-'));
  let stderr = '';
  const io: CliIo = { stdout: () => undefined, stderr: (t) => { stderr += t; }, stderrIsTty: false, cwd: process.cwd(), env: { HOME: home } };
  try {
    expect(await main(['doctor', '--prometheus', 'http://127.0.0.1:9090'], io)).toBe(1);
    expect(stderr).toBe(`inferscale doctor: no kubeconfig at ${path.join(home, '.kube', 'config')} (and KUBECONFIG is not set); pass --kubeconfig FILE, or pass --no-kubernetes to check Prometheus only\n`);
    stderr = '';
    expect(await main(['doctor', '--prometheus', 'http://127.0.0.1:9090', '--kubeconfig', path.join(home, 'nope')], io)).toBe(1);
    expect(stderr).toMatch(/^inferscale doctor: cannot read kubeconfig .*nope: ENOENT.*; or pass --no-kubernetes to check Prometheus only\n$/);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}, 30_000);

describe('doctor when Prometheus cannot be asked', () => {
  async function doctor(url: string): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, stderrIsTty: false, cwd: process.cwd(), env: {} };
    const code = await main(['doctor', '--prometheus', url, '--no-kubernetes'], io);
    return { code, stdout, stderr };
  }

  test('a closed port: one line saying Prometheus is not reachable, with the port-forward to start', async () => {
    // A port that was just free: nothing listens on it.
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await doctor(`http://127.0.0.1:${port}`)).toEqual({
      code: 1,
      stdout: '',
      stderr: `inferscale doctor: cannot reach Prometheus at http://127.0.0.1:${port} (connection refused): is the port-forward running? kubectl -n monitoring port-forward svc/prometheus 9090:9090\n`,
    });
  }, 30_000);

  test('a server that answers HTML: one line saying it is not Prometheus', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><body>Grafana</body></html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      expect(await doctor(`http://127.0.0.1:${port}`)).toEqual({
        code: 1,
        stdout: '',
        stderr: `inferscale doctor: http://127.0.0.1:${port} does not answer like Prometheus (GET /api/v1/query: HTTP 200, text/html, not JSON): is --prometheus the URL of the Prometheus server? kubectl -n monitoring port-forward svc/prometheus 9090:9090 forwards it to http://127.0.0.1:9090\n`,
      });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 30_000);
});

describeWithTools(['prometheus'], 'doctor against a real Prometheus and a loopback API server', ({ prometheus }) => {
  let prom: RunningPrometheus;
  let exporter: FakeExporter;
  let down: FakeExporter;
  let api: Awaited<ReturnType<typeof fakeApiServer>>;
  let dir: string;
  let results: DoctorResult[];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inferscale-doctor-'));
    // Pod A serves 1 request per scrape and exports no queue gauge; pod B's target answers 500.
    let served = 0;
    exporter = await FakeExporter.start(() => `# TYPE ai_inference_requests_total counter\nai_inference_requests_total{status="200"} ${(served += 1)}\n`);
    down = await FakeExporter.start(() => 'x', '/not-metrics');
    const config = {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [{
        job_name: 'inferscale-inference-pods',
        static_configs: [
          { targets: [`127.0.0.1:${exporter.port}`], labels: { namespace: NS, pod: A } },
          { targets: [`127.0.0.1:${down.port}`], labels: { namespace: NS, pod: B } },
        ],
      }],
    };
    prom = await startPrometheus(prometheus, stringify(config));
    // Both targets scraped once (one up, one down), then enough scrapes for a rate window to hold two samples of A.
    const deadline = Date.now() + 15_000;
    while ((await prom.query('up')).length < 2 && Date.now() < deadline) await sleep(200);
    await sleep(2500);
    api = await fakeApiServer();
    const checks = planDoctorChecks(service(), { namespace: NS, prometheusUrl: 'http://prometheus.monitoring.svc:9090' });
    results = await runDoctorChecks(checks, { prometheus: prometheusClient(`http://127.0.0.1:${prom.port}`), kubernetes: kubeClient(accessFromKubeconfig(kubeconfig(dir, api.port))) });
  }, 30_000);

  afterAll(async () => {
    await prom?.stop();
    await exporter?.close();
    await down?.close();
    await api?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('PromQL steps: the counter has series, the adapter query answers, a missing gauge and a down pod fail with their causes', () => {
    expect(line(results, 'series', /ai_inference_requests_total/).status).toBe('ok');
    expect(line(results, 'adapter', /ai_inference_requests_per_second/).status).toBe('ok');
    const gauge = line(results, 'series', /ai_inference_queue_depth/);
    expect(gauge.status).toBe('failing');
    expect(gauge.likelyCause).toContain('the model server does not export it');
    const scrape = results.filter((r) => r.check.step === 'scrape');
    expect(scrape.map((r) => r.status)).toEqual(['failing', 'failing']);
    expect(scrape[0].detail).toBe(`1 of 2 targets down: ${B}`);
    expect(scrape[0].likelyCause).toContain('a NetworkPolicy blocks Prometheus');
  });

  test('Kubernetes API steps: APIService conditions, metrics API items and the HPA\'s current metrics are judged', () => {
    expect(api.authorized()).toBe(true);
    expect(line(results, 'metricsApi', /v1beta1.custom.metrics.k8s.io is Available/, 0).status).toBe('ok');
    const resource = line(results, 'metricsApi', /v1beta1.metrics.k8s.io is Available/);
    expect(resource.status).toBe('failing');
    expect(resource.detail).toBe('Available is False (FailedDiscoveryCheck)');
    expect(resource.likelyCause).toContain('nothing serves metrics.k8s.io');
    expect(line(results, 'metricsApi', /serves ai_inference_requests_per_second/).status).toBe('ok');
    expect(line(results, 'metricsApi', /serves ai_inference_queue_depth/).detail).toContain('not found (404)');
    const hpa = results.filter((r) => r.check.step === 'hpa');
    expect(hpa.map((r) => r.status)).toEqual(['ok', 'failing', 'failing']);
    expect(hpa[1].detail).toBe('ScalingActive is True, but status.currentMetrics[1] is missing');
  });

  test('without an API server the Kubernetes steps are skipped, not failed', async () => {
    const checks = planDoctorChecks(service(), { namespace: NS, prometheusUrl: 'x' });
    const only = await runDoctorChecks(checks.filter((c) => c.probe.type === 'kubernetes'), {});
    expect(new Set(only.map((r) => r.status))).toEqual(new Set(['skipped']));
  });
});

describeWithTools(['prometheus'], 'doctor on a series TEI creates at its first request, against a real Prometheus', ({ prometheus }) => {
  // Two TEI services scaling on te_request_count: embeddings has a pod that served and one that
  // has not yet; rerank's pod served (its queue gauge exists) but exports no te_request_count.
  const [SERVED, IDLE, MISNAMED] = ['embeddings-5c8d7f9b6-a1b2c', 'embeddings-5c8d7f9b6-d3e4f', 'rerank-7f9b6c5d8-g5h6i'];
  let prom: RunningPrometheus;
  const exporters: FakeExporter[] = [];
  let results: Record<string, DoctorResult>;

  function tei(name: string): ResolvedInferenceService {
    const { service: s, problems } = resolveInferenceService({
      name, namespace: NS, image: 'ghcr.io/huggingface/text-embeddings-inference:cpu-1.8', modelServer: ModelServer.tei(), maxReplicas: 4,
      metrics: [ScalingMetric.requestsPerSecond({ targetPerPod: 50, counter: 'te_request_count' })],
    }, name);
    if (!s) throw new Error(JSON.stringify(problems));
    return s;
  }

  beforeAll(async () => {
    let served = 0;
    exporters.push(await FakeExporter.start(() => `# TYPE te_request_count counter\nte_request_count{method="single"} ${(served += 1)}\n# TYPE te_queue_size gauge\nte_queue_size 0\n`));
    exporters.push(await FakeExporter.start(() => ''));
    exporters.push(await FakeExporter.start(() => '# TYPE te_queue_size gauge\nte_queue_size 1\n'));
    const pods = [SERVED, IDLE, MISNAMED];
    prom = await startPrometheus(prometheus, stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [{ job_name: 'inferscale-inference-pods', static_configs: exporters.map((e, i) => ({ targets: [`127.0.0.1:${e.port}`], labels: { namespace: NS, pod: pods[i] } })) }],
    }));
    const deadline = Date.now() + 15_000;
    while ((await prom.query('up == 1')).length < 3 && Date.now() < deadline) await sleep(200);
    await sleep(2500);
    const client = { prometheus: prometheusClient(`http://127.0.0.1:${prom.port}`) };
    results = {};
    for (const name of ['embeddings', 'rerank']) {
      const checks = planDoctorChecks(tei(name), { namespace: NS, prometheusUrl: 'x' }).filter((c) => c.probe.type === 'promql');
      results[name] = line(await runDoctorChecks(checks, client), 'series', /te_request_count/);
    }
  }, 30_000);

  afterAll(async () => {
    await prom?.stop();
    for (const e of exporters) await e.close();
  });

  test('a pod that has not served a request yet passes: the engine has not created the series', () => {
    expect(results.embeddings.status).toBe('ok');
    expect(results.embeddings.detail).toBe('2 pod(s)');
  });

  test('a pod that served requests without exporting it fails, named', () => {
    expect(results.rerank.status).toBe('failing');
    expect(results.rerank.detail).toBe(`${MISNAMED}: served requests (they export te_queue_size, te_batch_current_size, te_request_queue_duration_count) but have no te_request_count`);
  });
});
