/**
 * Live check of the whole data path short of Kubernetes: a real Prometheus runs the generated
 * scrape configuration (pod discovery swapped for static targets that carry the labels
 * discovery would set, so the generated relabeling runs as in a cluster), scrapes fake
 * inference pods driven with known load and a fake DCGM exporter with pod attribution, and
 * every query the generated adapter rules produce returns the right per-pod values.
 *
 * Loopback only; bounded in time; every process and temporary directory is removed.
 */
import { AdapterRule, MetricDefinition, ScalingMetric } from '../../lib/core/metric';
import { ModelServer } from '../../lib/core/metrics/model-servers';
import { buildAdapterConfig, renderMetricsQuery } from '../../lib/core/adapter-config';
import { resolveInferenceService, ResolvedInferenceService, SERVICE_LABEL } from '../../lib/core/inference-service';
import {
  buildPrometheusConfig,
  checkRateWindows,
  DCGM_EXPORTER_JOB,
  INFERENCE_PODS_JOB,
  PrometheusServerConfig,
  prometheusConfigYaml,
  withStaticTargets,
} from '../../lib/core/prometheus-config';
import { describeWithTools } from '../support/promtool';
import { sampleRequest } from './catalogue';
import { discoveredPod, driveLoad, FakeExporter, FakeInferenceServer, post, RunningPrometheus, sleep, startPrometheus, VectorSample, waitForTargets } from './fakes';

const NS = 'inference';
const GPU_NS = 'gpu-system';
const [A, B, C] = ['llm-5c8d7-a', 'llm-5c8d7-b', 'llm-5c8d7-c'];
const PODS = [A, B, C];
const EXPORTER_POD = 'nvidia-dcgm-exporter-x7k2p';
const EXPORTER_LABELS = { 'app.kubernetes.io/name': 'dcgm-exporter' };
const SCRAPE_SECONDS = 1;
const WINDOW_SECONDS = 4;
/** Known load: requests per second. A fails every 5th request; B never; C is idle. */
const RATE = { [A]: 40, [B]: 10 } as const;
const LATENCY = { [A]: 0.3, [B]: 0.08 } as const;
const HELD = { [A]: 3, [B]: 1 } as const;
/** Constant rate of the fake ingress controller's request counter. */
const INGRESS_RATE = 50;
/** After the first scrape of every target, scraping continues this long before the queries, so each rate window is full. */
const SETTLE_SECONDS = WINDOW_SECONDS + 1.5;

/** What the fake exporters read: busy, or at rest once the load has stopped. */
const exporterState = { idle: false, ingressFrozenAt: 0 };

const METRICS = [
  ScalingMetric.requestsPerSecond({ targetPerPod: 20, rateWindowSeconds: WINDOW_SECONDS }),
  ScalingMetric.gpuUtilization({ targetPercent: 70 }),
  ScalingMetric.gpuUtilization({ targetPercent: 70, source: 'engineActive' }),
  ScalingMetric.latency({ targetSeconds: 0.5, rateWindowSeconds: WINDOW_SECONDS }),
  ScalingMetric.latency({ targetSeconds: 0.5, quantile: 'mean', rateWindowSeconds: WINDOW_SECONDS }),
  ScalingMetric.errorRate({ targetRatio: 0.1, rateWindowSeconds: WINDOW_SECONDS }),
  ScalingMetric.inFlightRequests({ targetPerPod: 4 }),
  ScalingMetric.queueDepth({ targetPerPod: 4 }),
  ScalingMetric.custom({ type: 'Pods', name: 'vllm_num_requests_waiting', seriesQuery: 'vllm:num_requests_waiting{namespace!="",pod!=""}', metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)', targetAverageValue: 2 }),
  ScalingMetric.externalQueue({ series: 'kafka_consumergroup_lag', selector: { consumergroup: 'llm' }, targetPerReplica: 50 }),
  ScalingMetric.objectMetric({ describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'llm' }, series: 'nginx_ingress_controller_requests', rateWindowSeconds: WINDOW_SECONDS, targetAverageValue: 10 }),
];

function liveService(): ResolvedInferenceService {
  const { service, problems } = resolveInferenceService({ name: 'llm', namespace: NS, image: 'vllm/vllm-openai:v0.11.0', gpu: { count: 1 }, maxReplicas: 8, metrics: METRICS }, 'llm');
  if (!service) throw new Error(JSON.stringify(problems));
  return service;
}

const dcgm = (pod: string | undefined, gpu: string, value: number, series = 'DCGM_FI_DEV_GPU_UTIL'): string => {
  const attribution = pod ? `,namespace="${NS}",pod="${pod}",container="server"` : '';
  return `${series}{gpu="${gpu}",UUID="GPU-1d0e-${gpu}",device="nvidia${gpu}",modelName="NVIDIA A10G",Hostname="ip-10-0-1-23"${attribution}} ${value}`;
};

/** The DCGM exporter with pod attribution: A uses GPUs 0 and 1, B GPU 2, idle C GPU 4; GPU 3 is free. At rest every GPU reads 0. */
function dcgmExposition(): string {
  const v = (busy: number): number => (exporterState.idle ? 0 : busy);
  return [
    '# TYPE DCGM_FI_DEV_GPU_UTIL gauge',
    dcgm(A, '0', v(80)), dcgm(A, '1', v(60)), dcgm(B, '2', v(30)), dcgm(undefined, '3', v(55)), dcgm(C, '4', 0),
    '# TYPE DCGM_FI_PROF_GR_ENGINE_ACTIVE gauge',
    dcgm(A, '0', v(0.25), 'DCGM_FI_PROF_GR_ENGINE_ACTIVE'), dcgm(A, '1', v(0.75), 'DCGM_FI_PROF_GR_ENGINE_ACTIVE'), dcgm(B, '2', v(0.5), 'DCGM_FI_PROF_GR_ENGINE_ACTIVE'),
    dcgm(C, '4', 0, 'DCGM_FI_PROF_GR_ENGINE_ACTIVE'),
    '',
  ].join('\n');
}

/** Exporters outside the pods: Kafka lag and an ingress controller counting at a constant rate (empty and flat at rest). */
function queueExposition(start: number): string {
  const ingress = INGRESS_RATE * (((exporterState.ingressFrozenAt || Date.now()) - start) / 1000);
  const lag = exporterState.idle ? [0, 0] : [40, 60];
  return [
    '# TYPE kafka_consumergroup_lag gauge',
    `kafka_consumergroup_lag{consumergroup="llm",topic="prompts",partition="0"} ${lag[0]}`,
    `kafka_consumergroup_lag{consumergroup="llm",topic="prompts",partition="1"} ${lag[1]}`,
    'kafka_consumergroup_lag{consumergroup="batch",topic="prompts",partition="0"} 1000',
    '# TYPE nginx_ingress_controller_requests counter',
    `nginx_ingress_controller_requests{namespace="${NS}",ingress="llm",status="200"} ${(ingress * 0.8).toFixed(3)}`,
    `nginx_ingress_controller_requests{namespace="${NS}",ingress="llm",status="500"} ${(ingress * 0.2).toFixed(3)}`,
    `nginx_ingress_controller_requests{namespace="${NS}",ingress="other",status="200"} ${(ingress * 7).toFixed(3)}`,
    '',
  ].join('\n');
}

interface Env {
  prom: RunningPrometheus;
  servers: Record<string, FakeInferenceServer>;
  stray: FakeInferenceServer;
  exporters: FakeExporter[];
  svc: ResolvedInferenceService;
  config: PrometheusServerConfig;
  evalTime: number;
  sent: Map<number, number>;
  setupMs: number;
}

const byPod = (samples: VectorSample[]): Record<string, number> => Object.fromEntries(samples.map((s) => [s.metric.pod, s.value]));

describeWithTools(['prometheus'], 'live Prometheus with the generated scrape configuration', ({ prometheus }) => {
  let env: Env | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  let stopLoad: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    const began = Date.now();
    const svc = liveService();
    const servers: Record<string, FakeInferenceServer> = {
      [A]: await FakeInferenceServer.start({ failEvery: 5, latencySeconds: LATENCY[A] }),
      [B]: await FakeInferenceServer.start({ latencySeconds: LATENCY[B], metricsPaths: ['/stats/prometheus'] }),
      [C]: await FakeInferenceServer.start(),
    };
    // A pod without the scrape annotation: must never be scraped.
    const stray = await FakeInferenceServer.start();
    for (const s of [...Object.values(servers), stray]) cleanups.push(() => s.close());
    const start = Date.now();
    const dcgmExporter = await FakeExporter.start(dcgmExposition);
    const queueExporter = await FakeExporter.start(() => queueExposition(start));
    cleanups.push(() => dcgmExporter.close(), () => queueExporter.close());

    servers[A].queueDepth = 2;
    servers[A].waiting = 4;
    servers[B].waiting = 1;

    // The fake exporter listens on a random loopback port rather than 9400.
    const built = buildPrometheusConfig({ scrapeIntervalSeconds: SCRAPE_SECONDS, dcgmExporter: { namespace: GPU_NS, podLabels: EXPORTER_LABELS, port: dcgmExporter.port } });
    if (!built.config) throw new Error(JSON.stringify(built.problems));
    const pod = (name: string, server: FakeInferenceServer, annotations: Record<string, string>) => discoveredPod({
      namespace: NS, name, ip: '127.0.0.1', nodeName: 'ip-10-0-1-23', labels: svc.labels, annotations, containerPort: server.port,
    });
    const annotated = (server: FakeInferenceServer, metricsPath = svc.metricsPath): Record<string, string> => ({ ...svc.podAnnotations, 'prometheus.io/port': String(server.port), 'prometheus.io/path': metricsPath });
    const exporterPod = discoveredPod({
      namespace: GPU_NS, name: EXPORTER_POD, ip: '127.0.0.1', nodeName: 'ip-10-0-1-23', labels: EXPORTER_LABELS,
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(dcgmExporter.port) }, containerPort: dcgmExporter.port,
    });
    const swapped = withStaticTargets(built.config, {
      [INFERENCE_PODS_JOB]: [
        pod(A, servers[A], annotated(servers[A])),
        pod(B, servers[B], annotated(servers[B], '/stats/prometheus')),
        pod(C, servers[C], annotated(servers[C])),
        discoveredPod({ namespace: NS, name: 'unannotated', ip: '127.0.0.1', nodeName: 'n', labels: svc.labels, annotations: {}, containerPort: stray.port }),
        // Discovery sees the exporter pod in the inference job too; it must be left to its own job.
        exporterPod,
      ],
      [DCGM_EXPORTER_JOB]: [exporterPod],
    });
    // Exporters outside the cluster's pods, scraped by a job of their own as users would add one.
    const full: PrometheusServerConfig = {
      ...swapped,
      scrape_configs: [...swapped.scrape_configs, { job_name: 'queue-exporter', honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${queueExporter.port}`] }] }],
    };

    const prom = await startPrometheus(prometheus, prometheusConfigYaml(full));
    cleanups.push(() => prom.stop());

    for (const [p, n] of Object.entries(HELD)) for (let i = 0; i < n; i++) void post(servers[p].port, '/v1/hold');
    const load = driveLoad(new Map([[servers[A].port, RATE[A]], [servers[B].port, RATE[B]]]));
    cleanups.unshift(() => load.stop());
    stopLoad = () => load.stop();
    await waitForTargets(prom, 5);
    await sleep(SETTLE_SECONDS * 1000);
    const evalTime = Date.now() / 1000;
    env = { prom, servers, stray, exporters: [dcgmExporter, queueExporter], svc, config: full, evalTime, sent: load.sent(), setupMs: Date.now() - began };
  }, 25_000);

  afterAll(async () => {
    for (const c of cleanups) await c().catch(() => undefined);
  }, 15_000);

  const rule = (pred: (d: MetricDefinition) => boolean): AdapterRule => env!.svc.metrics.find(pred)!.adapterRule!;
  const podQuery = (r: AdapterRule) => env!.prom.query(renderMetricsQuery(r, { namespace: NS, pods: PODS }), env!.evalTime);

  test('the service\'s rate windows fit the 1 s scrape interval, and the adapter wiring is sound', () => {
    expect(checkRateWindows([env!.svc], SCRAPE_SECONDS)).toEqual([]);
    expect(buildAdapterConfig([env!.svc]).problems).toEqual([]);
  });

  test('relabeling: inference pods are scraped on their annotated port and path, labelled namespace and pod; others are not', async () => {
    const up = await env!.prom.query('up', env!.evalTime);
    const targets = up.map((s) => `${s.metric.job} ${s.metric.namespace}/${s.metric.pod} ${s.value}`).sort();
    expect(targets).toEqual([
      `${DCGM_EXPORTER_JOB} ${GPU_NS}/${EXPORTER_POD} 1`,
      `${INFERENCE_PODS_JOB} ${NS}/${A} 1`,
      `${INFERENCE_PODS_JOB} ${NS}/${B} 1`,
      `${INFERENCE_PODS_JOB} ${NS}/${C} 1`,
      'queue-exporter undefined/undefined 1',
    ]);
    const a = up.find((s) => s.metric.pod === A)!;
    expect(a.metric).toMatchObject({ instance: `127.0.0.1:${env!.servers[A].port}`, node: 'ip-10-0-1-23', inferscale_service: 'llm' });
    expect(env!.svc.labels[SERVICE_LABEL]).toBe('llm');
  });

  test('requests per second per pod match the load (A 40/s, B 10/s, idle C 0)', async () => {
    const got = byPod(await podQuery(rule((d) => d.kind === 'requestsPerSecond')));
    expect(Object.keys(got).sort()).toEqual([A, B, C]);
    expect(got[A]).toBeGreaterThan(RATE[A] * 0.85);
    expect(got[A]).toBeLessThan(RATE[A] * 1.15);
    expect(got[B]).toBeGreaterThan(RATE[B] * 0.8);
    expect(got[B]).toBeLessThan(RATE[B] * 1.2);
    expect(got[C]).toBe(0);
  });

  test('GPU utilization is averaged over each pod\'s own GPUs, attributed by the exporter (honor_labels)', async () => {
    expect(byPod(await podQuery(rule((d) => d.adapterRule?.name.as === 'ai_inference_gpu_utilization_percent')))).toEqual({ [A]: 70, [B]: 30, [C]: 0 });
    expect(byPod(await podQuery(rule((d) => d.adapterRule?.name.as === 'ai_inference_gpu_engine_active_percent')))).toEqual({ [A]: 50, [B]: 50, [C]: 0 });
    // The exporter's own target labels did not win: no exported_* labels, workload pods kept.
    const series = await env!.prom.query('DCGM_FI_DEV_GPU_UTIL', env!.evalTime);
    expect(series.filter((s) => Object.keys(s.metric).some((k) => k.startsWith('exported_')))).toEqual([]);
    expect(series.find((s) => s.metric.gpu === '0')!.metric).toMatchObject({ namespace: NS, pod: A, container: 'server', job: DCGM_EXPORTER_JOB });
    // A GPU no pod uses keeps the exporter's target labels, outside every inference namespace.
    expect(series.find((s) => s.metric.gpu === '3')!.metric).toMatchObject({ namespace: GPU_NS, pod: EXPORTER_POD });
  });

  test('p95 and mean latency per pod come from the histogram; a pod that never served a request reports 0', async () => {
    const p95 = byPod(await podQuery(rule((d) => d.kind === 'latency' && d.adapterRule!.name.as.endsWith('_p95_4s'))));
    expect(Object.keys(p95).sort()).toEqual([A, B, C]);
    expect(p95[C]).toBe(0);
    // Every A request took 0.3 s (bucket 0.25-0.5), every B request 0.08 s (bucket 0.05-0.1).
    expect(p95[A]).toBeCloseTo(0.25 + 0.25 * 0.95, 6);
    expect(p95[B]).toBeCloseTo(0.05 + 0.05 * 0.95, 6);
    const mean = byPod(await podQuery(rule((d) => d.kind === 'latency' && d.adapterRule!.name.as.endsWith('_mean_4s'))));
    expect(Object.keys(mean).sort()).toEqual([A, B, C]);
    expect(mean[C]).toBe(0);
    expect(mean[A]).toBeCloseTo(LATENCY[A], 6);
    expect(mean[B]).toBeCloseTo(LATENCY[B], 6);
  });

  test('error ratio: A about 1 in 5, B 0 without any failed series, idle C 0 (not missing)', async () => {
    const got = byPod(await podQuery(rule((d) => d.kind === 'errorRate')));
    expect(Object.keys(got).sort()).toEqual([A, B, C]);
    expect(got[A]).toBeGreaterThan(0.17);
    expect(got[A]).toBeLessThan(0.23);
    expect(got[B]).toBe(0);
    expect(got[C]).toBe(0);
  });

  test('in-flight, queue depth and a custom vLLM gauge per pod', async () => {
    expect(byPod(await podQuery(rule((d) => d.kind === 'inFlightRequests')))).toEqual({ [A]: 3, [B]: 1, [C]: 0 });
    expect(byPod(await podQuery(rule((d) => d.kind === 'queueDepth')))).toEqual({ [A]: 2, [B]: 0, [C]: 0 });
    expect(byPod(await podQuery(rule((d) => d.kind === 'custom')))).toEqual({ [A]: 4, [B]: 1, [C]: 0 });
  });

  test('an engine that creates its series at the first request: every pod the generated scrape config scrapes (up == 1) reads 0 until then', async () => {
    // None of the fake pods exports tgi_queue_size; each is scraped, so each reads 0, not missing.
    const waiting = ScalingMetric.waitingRequests({ targetPerPod: 2 }).forServer(ModelServer.tgi()).definition!;
    expect(byPod(await podQuery(waiting.adapterRule!))).toEqual({ [A]: 0, [B]: 0, [C]: 0 });
    // vLLM's gauge, which the fake pods export, reads as it is.
    expect(byPod(await podQuery(ScalingMetric.waitingRequests({ targetPerPod: 2 }).definition!.adapterRule!))).toEqual({ [A]: 4, [B]: 1, [C]: 0 });
  });

  test('external queue: the selected consumer group summed over partitions', async () => {
    const r = rule((d) => d.kind === 'externalQueue');
    const got = await env!.prom.query(renderMetricsQuery(r, { namespace: NS, externalSelector: { consumergroup: 'llm' } }), env!.evalTime);
    expect(got).toEqual([{ metric: {}, value: 100 }]);
  });

  test('object metric: requests per second through the Ingress', async () => {
    const r = rule((d) => d.kind === 'object');
    const got = await env!.prom.query(renderMetricsQuery(r, { namespace: NS, objectName: 'llm' }), env!.evalTime);
    expect(got.map((s) => s.metric)).toEqual([{ ingress: 'llm' }]);
    expect(got[0].value).toBeGreaterThan(INGRESS_RATE * 0.9);
    expect(got[0].value).toBeLessThan(INGRESS_RATE * 1.1);
  });

  test('every generated adapter rule was queried above', () => {
    const rules = buildAdapterConfig([env!.svc]).config;
    expect(rules.rules.length + rules.externalRules.length).toBe(METRICS.length);
    expect(env!.sent.get(env!.servers[A].port)).toBeGreaterThan(RATE[A] * SETTLE_SECONDS);
    // Bounded in time: setup plus load must stay well inside the suite's budget.
    expect(env!.setupMs).toBeLessThan(30_000);
  });

  test('idle: once the load stops, every adapter query still gives every pod (and the Ingress and the queue) a finite value, the stated idle value', async () => {
    const { prom, servers, svc } = env!;
    await stopLoad();
    for (const server of Object.values(servers)) {
      server.releaseHeld();
      server.queueDepth = 0;
      server.waiting = 0;
    }
    exporterState.idle = true;
    exporterState.ingressFrozenAt = Date.now();
    // One scrape to see the last requests, then a whole rate window of flat counters.
    await sleep(SETTLE_SECONDS * 1000);
    const idleAt = Date.now() / 1000;
    const answers = await Promise.all(svc.metrics.map(async (def) => {
      const request = sampleRequest(def, PODS);
      const samples = await prom.query(renderMetricsQuery(def.adapterRule!, request), idleAt);
      const key = (s: VectorSample): string => s.metric.pod ?? s.metric.ingress ?? '(total)';
      return [def.adapterRule!.name.as, Object.fromEntries(samples.map((s) => [key(s), s.value]))] as const;
    }));
    const expected = svc.metrics.map((def) => {
      const value = def.idle.kind === 'value' ? def.idle.value : 0; // the fakes read 0 at rest
      const who = def.hpa.type === 'Pods' ? PODS : def.hpa.type === 'Object' ? ['llm'] : ['(total)'];
      return [def.adapterRule!.name.as, Object.fromEntries(who.map((w) => [w, value]))] as const;
    });
    expect(answers).toEqual(expected);
  }, 15_000);
});
