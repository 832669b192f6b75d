/**
 * Loopback-only test doubles for the live Prometheus test: an instrumented inference server
 * exposing inferscale's default series, a text exporter (a fake DCGM exporter or queue
 * exporter), a load driver, and a real Prometheus process with a temporary TSDB.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StaticConfig } from '../../lib/core/prometheus-config';

const LOOPBACK = '127.0.0.1';

/** Histogram bounds of `ai_inference_latency_seconds`, as prometheus_client's defaults start. */
export const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

/** Options of {@link FakeInferenceServer.start}. */
export interface FakeInferenceServerOptions {
  /** Every n-th request fails with HTTP 500; 0 never. @default 0 */
  readonly failEvery?: number;
  /** Latency every request reports, in seconds (observed, not slept). @default 0.1 */
  readonly latencySeconds?: number;
  /** Paths serving metrics. @default ["/metrics"] */
  readonly metricsPaths?: readonly string[];
  /**
   * Status codes whose request series are exposed at 0 before any request, as well-instrumented
   * servers do; a server exposing no series at all is missing from every rate, not 0.
   * @default ["200"]
   */
  readonly initialStatuses?: readonly string[];
}

/**
 * An inference server as inferscale expects one: `POST /v1/completions` handles a request
 * (counting `ai_inference_requests_total{status}` and observing `ai_inference_latency_seconds`),
 * `POST /v1/hold` stays in flight until {@link releaseHeld}, and the metrics path exposes the
 * default series in the Prometheus text format. It knows nothing about namespaces or pods:
 * those come from Prometheus' target labels, as in a cluster.
 */
export class FakeInferenceServer {
  /** Starts listening on a free loopback port. */
  public static async start(options: FakeInferenceServerOptions = {}): Promise<FakeInferenceServer> {
    const s = new FakeInferenceServer(options);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(0, LOOPBACK, () => resolve());
    });
    return s;
  }

  /** Gauge `ai_inference_queue_depth`. */
  public queueDepth = 0;
  /** Gauge `vllm:num_requests_waiting` (a vLLM-style series for custom metrics). */
  public waiting = 0;
  /** Requests handled, by status code. */
  public readonly completed = new Map<string, number>();
  private readonly options: Required<FakeInferenceServerOptions>;
  private readonly server: http.Server;
  private readonly held: http.ServerResponse[] = [];
  private handled = 0;
  private inFlight = 0;
  private readonly bucketCounts = LATENCY_BUCKETS.map(() => 0);
  private latencySum = 0;
  private latencyCount = 0;

  private constructor(options: FakeInferenceServerOptions) {
    this.options = {
      failEvery: options.failEvery ?? 0,
      latencySeconds: options.latencySeconds ?? 0.1,
      metricsPaths: options.metricsPaths ?? ['/metrics'],
      initialStatuses: options.initialStatuses ?? ['200'],
    };
    for (const status of this.options.initialStatuses) this.completed.set(status, 0);
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 1000;
  }

  /** The port it listens on. */
  public get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Completes every held request. */
  public releaseHeld(): void {
    for (const res of this.held.splice(0)) {
      this.inFlight--;
      res.end('{}');
    }
  }

  /** Stops the server, completing held requests first. */
  public async close(): Promise<void> {
    this.releaseHeld();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The metrics in the Prometheus text exposition format. */
  public exposition(): string {
    const lines = [
      '# HELP ai_inference_requests_total Requests handled.',
      '# TYPE ai_inference_requests_total counter',
      ...[...this.completed.entries()].sort().map(([status, n]) => `ai_inference_requests_total{status="${status}"} ${n}`),
      '# HELP ai_inference_latency_seconds Request latency.',
      '# TYPE ai_inference_latency_seconds histogram',
      ...LATENCY_BUCKETS.map((le, i) => `ai_inference_latency_seconds_bucket{le="${le}"} ${this.bucketCounts[i]}`),
      `ai_inference_latency_seconds_bucket{le="+Inf"} ${this.latencyCount}`,
      `ai_inference_latency_seconds_sum ${this.latencySum}`,
      `ai_inference_latency_seconds_count ${this.latencyCount}`,
      '# TYPE ai_inference_requests_in_flight gauge',
      `ai_inference_requests_in_flight ${this.inFlight}`,
      '# TYPE ai_inference_queue_depth gauge',
      `ai_inference_queue_depth ${this.queueDepth}`,
      '# TYPE vllm:num_requests_waiting gauge',
      `vllm:num_requests_waiting ${this.waiting}`,
    ];
    return `${lines.join('\n')}\n`;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && this.options.metricsPaths.includes(url)) {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(this.exposition());
      return;
    }
    if (req.method === 'POST' && url === '/v1/hold') {
      this.inFlight++;
      this.held.push(res);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      return;
    }
    if (req.method === 'POST' && url === '/v1/completions') {
      this.inFlight++;
      req.resume();
      req.on('end', () => {
        this.handled++;
        const failed = this.options.failEvery > 0 && this.handled % this.options.failEvery === 0;
        const status = failed ? '500' : '200';
        const latency = this.options.latencySeconds;
        this.completed.set(status, (this.completed.get(status) ?? 0) + 1);
        LATENCY_BUCKETS.forEach((le, i) => { if (latency <= le) this.bucketCounts[i]++; });
        this.latencySum += latency;
        this.latencyCount++;
        this.inFlight--;
        res.writeHead(Number(status), { 'Content-Type': 'application/json' });
        res.end('{}');
      });
      return;
    }
    res.writeHead(404);
    res.end();
  }
}

/** An exporter serving text produced on each scrape (a fake DCGM or queue exporter). */
export class FakeExporter {
  /** Starts listening on a free loopback port. */
  public static async start(render: () => string, metricsPath = '/metrics'): Promise<FakeExporter> {
    const e = new FakeExporter(render, metricsPath);
    await new Promise<void>((resolve, reject) => {
      e.server.once('error', reject);
      e.server.listen(0, LOOPBACK, () => resolve());
    });
    return e;
  }

  private readonly server: http.Server;

  private constructor(render: () => string, metricsPath: string) {
    this.server = http.createServer((req, res) => {
      if (req.method === 'GET' && (req.url ?? '').split('?')[0] === metricsPath) {
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
        res.end(render());
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  }

  /** The port it listens on. */
  public get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Stops the server. */
  public async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A request sent to a fake server, without waiting for a hold to finish. */
export function post(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: LOOPBACK, port, path: urlPath, method: 'POST', agent: false }, (res) => {
      res.resume();
      if (urlPath === '/v1/hold') resolve(res.statusCode ?? 0);
      else res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Drives constant request rates: by `t` seconds after the start, `floor(rate × t)` requests have
 * been sent to each port. Returns a stop function that resolves once every request finished.
 */
export function driveLoad(ratesPerSecond: ReadonlyMap<number, number>): { stop: () => Promise<void>; sent: () => Map<number, number> } {
  const start = Date.now();
  const sent = new Map<number, number>([...ratesPerSecond.keys()].map((p) => [p, 0]));
  const pending = new Set<Promise<unknown>>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const tick = (): void => {
    const elapsed = (Date.now() - start) / 1000;
    for (const [port, rate] of ratesPerSecond) {
      const due = Math.floor(rate * elapsed);
      while ((sent.get(port) ?? 0) < due) {
        sent.set(port, (sent.get(port) ?? 0) + 1);
        const p = new Promise<void>((resolve) => {
          const req = http.request({ host: LOOPBACK, port, path: '/v1/completions', method: 'POST', agent }, (res) => { res.resume(); res.on('end', () => resolve()); });
          req.on('error', () => resolve());
          req.end();
        });
        pending.add(p);
        void p.then(() => pending.delete(p));
      }
    }
  };
  const timer = setInterval(tick, 10);
  return {
    sent: () => new Map(sent),
    stop: async () => {
      clearInterval(timer);
      await Promise.all([...pending]);
      agent.destroy();
    },
  };
}

/** A free TCP port on loopback (bound and released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, LOOPBACK, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** GETs JSON from loopback. */
export function getJson<T = unknown>(port: number, urlPath: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: LOOPBACK, port, path: urlPath, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 400) reject(new Error(`GET ${urlPath}: HTTP ${res.statusCode}: ${body}`));
        else {
          try {
            resolve(JSON.parse(body) as T);
          } catch (e) {
            reject(new Error(`GET ${urlPath}: not JSON: ${body.slice(0, 200)} (${String(e)})`));
          }
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath}: timed out`)));
    req.on('error', reject);
  });
}

/** One element of an instant query's vector result. */
export interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

/** A running Prometheus on loopback with a temporary TSDB. */
export interface RunningPrometheus {
  /** Its port. */
  readonly port: number;
  /** Everything it logged, for failure messages. */
  readonly log: () => string;
  /** Instant query at `time` (seconds since the epoch; default now); throws unless the result is a vector. */
  readonly query: (promql: string, time?: number) => Promise<VectorSample[]>;
  /** Stops the process (TERM, then KILL after 5 s) and removes its directory. Safe to call twice. */
  readonly stop: () => Promise<void>;
}

/**
 * Starts `prometheus` with `configYaml`, listening on a free loopback port, storing into a new
 * temporary directory, and waits until it is ready.
 */
export async function startPrometheus(binary: string, configYaml: string, readyTimeoutMs = 10_000): Promise<RunningPrometheus> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inferscale-live-prom-'));
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), configYaml);
  const port = await freePort();
  let output = '';
  const proc: ChildProcess = spawn(binary, [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=${LOOPBACK}:${port}`,
    '--log.level=warn',
  ], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.on('data', (c: Buffer) => { output += c.toString(); });
  proc.stderr?.on('data', (c: Buffer) => { output += c.toString(); });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  // A crashed test run must not leave the server behind.
  const killOnExit = (): void => { proc.kill('SIGKILL'); };
  process.once('exit', killOnExit);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (proc.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited with ${proc.exitCode} before it was ready:\n${output}`);
    }
    try {
      await new Promise<void>((resolve, reject) => {
        http.get({ host: LOOPBACK, port, path: '/-/ready', agent: false, timeout: 500 }, (res) => {
          res.resume();
          if (res.statusCode === 200) resolve(); else reject(new Error(String(res.statusCode)));
        }).on('error', reject).on('timeout', function (this: http.ClientRequest) { this.destroy(new Error('timeout')); });
      });
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`prometheus not ready after ${readyTimeoutMs} ms:\n${output}`);
      }
      await sleep(100);
    }
  }

  const query = async (promql: string, time?: number): Promise<VectorSample[]> => {
    const params = new URLSearchParams({ query: promql, ...(time !== undefined ? { time: time.toFixed(3) } : {}) });
    const r = await getJson<{ status: string; data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }; error?: string }>(port, `/api/v1/query?${params.toString()}`);
    if (r.status !== 'success' || r.data.resultType !== 'vector') throw new Error(`query ${promql}: ${JSON.stringify(r)}`);
    return r.data.result.map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
  };
  return { port, log: () => output, query, stop };
}

/**
 * Waits until Prometheus has scraped `count` active targets successfully at least once.
 * Prometheus applies discovered targets about 5 s after start, so this is not instant.
 */
export async function waitForTargets(prom: RunningPrometheus, count: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const r = await getJson<{ data: { activeTargets: { health: string; scrapeUrl: string; lastError: string }[] } }>(prom.port, '/api/v1/targets?state=active');
    const targets = r.data.activeTargets;
    if (targets.length === count && targets.every((t) => t.health === 'up')) return;
    last = JSON.stringify(targets.map((t) => [t.scrapeUrl, t.health, t.lastError]));
    if (Date.now() > deadline) throw new Error(`expected ${count} healthy targets within ${timeoutMs} ms, have ${last}\n${prom.log()}`);
    await sleep(200);
  }
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What Kubernetes pod discovery would know about one pod. */
export interface DiscoveredPod {
  readonly namespace: string;
  readonly name: string;
  readonly ip: string;
  readonly nodeName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** The container port the target is discovered on. */
  readonly containerPort: number;
  /** @default "Running" */
  readonly phase?: string;
}

/**
 * A static target group carrying the `__meta_kubernetes_*` labels Prometheus' pod discovery
 * sets for one container port, so that the generated relabeling runs as it would in a cluster.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#pod
 */
export function discoveredPod(pod: DiscoveredPod): StaticConfig {
  const labels: Record<string, string> = {
    __meta_kubernetes_namespace: pod.namespace,
    __meta_kubernetes_pod_name: pod.name,
    __meta_kubernetes_pod_ip: pod.ip,
    __meta_kubernetes_pod_node_name: pod.nodeName,
    __meta_kubernetes_pod_phase: pod.phase ?? 'Running',
    __meta_kubernetes_pod_container_port_number: String(pod.containerPort),
  };
  const sanitize = (k: string): string => k.replace(/[^a-zA-Z0-9_]/g, '_');
  for (const [k, v] of Object.entries(pod.labels)) {
    labels[`__meta_kubernetes_pod_label_${sanitize(k)}`] = v;
    labels[`__meta_kubernetes_pod_labelpresent_${sanitize(k)}`] = 'true';
  }
  for (const [k, v] of Object.entries(pod.annotations)) {
    labels[`__meta_kubernetes_pod_annotation_${sanitize(k)}`] = v;
    labels[`__meta_kubernetes_pod_annotationpresent_${sanitize(k)}`] = 'true';
  }
  return { targets: [`${pod.ip}:${pod.containerPort}`], labels };
}
