import { resolveInferenceService, ScalingMetric } from '../../../lib/core';
import {
  coldStarts,
  fallbackReplicas,
  KedaMetricsServer,
  serviceFromResolved,
  servicesFromManifests,
  SimulatedKeda,
  SimulatedService,
  simulate,
  SimulationResult,
  traceFromArray,
  withAutoscaler,
} from '../../../lib/core/simulator';
import { defaultServices } from '../../../stacks/default-services';
import { renderPlatform } from '../../support/platform';
import { firstIndex, shippedLlmService } from './helpers';

/** The gateway's request rate: an Object metric that still has a value with no pods running. */
const GATEWAY_RATE = ScalingMetric.objectMetric({
  describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'llm' },
  series: 'nginx_ingress_controller_requests',
  targetAverageValue: 2,
});

/** The shipped LLM scaled by KEDA from zero, woken by the gateway's request rate. */
function zeroService(keda: Partial<SimulatedKeda> = {}): SimulatedService {
  const llm = defaultServices().llm;
  const { service, problems } = resolveInferenceService({ ...llm, autoscaler: 'keda', minReplicas: 0, metrics: [GATEWAY_RATE, ...(llm.metrics ?? [])] }, 'llm');
  if (!service) throw new Error(problems.map((p) => `${p.path} ${p.message}`).join('; '));
  const s = serviceFromResolved(service);
  return { ...s, keda: { ...s.keda!, ...keda } };
}

/** `seconds` of trace: `rate` requests per second from `from` to `to`, none elsewhere. */
function burst(seconds: number, from: number, to: number, rate: number): ReturnType<typeof traceFromArray> {
  return traceFromArray('burst', Array.from({ length: seconds }, (_, t) => (t >= from && t < to ? rate : 0)));
}

const run = (service: SimulatedService, trace: ReturnType<typeof traceFromArray>, options: Parameters<typeof simulate>[2] = {}): SimulationResult =>
  simulate(service, trace, { serving: { profile: 'qwen2.5-7b/a10g' }, pods: { startupSpread: 0 }, ...options });

const firstAbove = (values: ArrayLike<number>, from: number): number => firstIndex(values, from, (v) => v > 0);

describe('the KEDA path from zero', () => {
  const trace = burst(2400, 600, 1500, 2);

  test('a service at zero stays at zero with no pods while nothing arrives, then KEDA wakes it and the HPA takes it from there', () => {
    const r = run(zeroService(), trace);
    expect(r.initialReplicas).toBe(0);
    expect(Array.from(r.timeline.pods.slice(0, 600)).every((p) => p === 0)).toBe(true);
    const woken = firstAbove(r.timeline.desiredReplicas, 0);
    expect(woken).toBeGreaterThanOrEqual(600);
    expect(r.summary.keda!.activations).toBe(1);
    expect(Math.max(...r.timeline.desiredReplicas)).toBeGreaterThan(1);
  });

  test('the polling interval delays activation by up to one interval: KEDA wakes the service at its first poll after the trigger turns active', () => {
    const everySecond = firstAbove(run(zeroService({ pollingIntervalSeconds: 1 }), trace).timeline.desiredReplicas, 0);
    for (const interval of [15, 60, 120]) {
      const woken = firstAbove(run(zeroService({ pollingIntervalSeconds: interval }), trace).timeline.desiredReplicas, 0);
      // The timeline shows spec.replicas during each second; a poll at the end of second t shows from t + 1.
      expect((woken - 1) % interval).toBe(0);
      expect(woken).toBeGreaterThanOrEqual(everySecond);
      expect(woken - everySecond).toBeLessThan(interval);
    }
  });

  test('below the activation threshold nothing starts: no pod, every request refused, and no wake-up', () => {
    // 2 requests per second against an activation threshold of 5 on the gateway's rate.
    const service = zeroService();
    const quiet = { ...service, keda: { ...service.keda!, triggers: service.keda!.triggers.map((t, i) => (i === 0 ? { ...t, activationThreshold: 5 } : t)) } };
    const r = run(quiet, trace);
    expect(Math.max(...r.timeline.pods)).toBe(0);
    expect(r.summary.keda!.activations).toBe(0);
    expect(r.summary.failedRequests).toBe(r.summary.totalRequests);
    expect(r.summary.nodeHours).toBe(0);
  });

  test('requests arriving at zero fail until the first replica is ready, and that wait covers the poll, node, image and model load', () => {
    const r = run(zeroService(), trace);
    const [cold] = r.summary.keda!.coldStarts;
    expect(cold.atSeconds).toBe(600);
    const o = r.options;
    expect(cold.waitSeconds).toBeGreaterThanOrEqual(o.provisioningSeconds + o.imagePullSeconds + o.modelLoadSeconds);
    expect(cold.failedRequests).toBe(cold.requests);
    expect(cold.requests).toBe(2 * cold.waitSeconds);
  });

  test('KEDA scales to zero only after cooldownPeriod without an active trigger', () => {
    const zeroAt = (cooldown: number): number => {
      const r = run(zeroService({ cooldownPeriodSeconds: cooldown }), burst(4000, 600, 1500, 2));
      expect(r.summary.keda!.deactivations).toBe(1);
      const t = firstIndex(r.timeline.desiredReplicas, 1500, (v) => v === 0);
      // Until then it kept its replicas.
      expect(Array.from(r.timeline.desiredReplicas.slice(1500, t)).every((d) => d > 0)).toBe(true);
      return t;
    };
    const short = zeroAt(300);
    const long = zeroAt(900);
    expect(long - short).toBe(600);
    expect(short).toBeGreaterThan(1500 + 300);
  });
});

describe('the KEDA path during a metrics outage', () => {
  const step = traceFromArray('step', Array.from({ length: 3600 }, (_, t) => (t >= 300 && t < 2700 ? 20 : 2)));
  const outage = { faults: { metricsOutages: [{ atSeconds: 900, durationSeconds: 1800 }] } };
  const adapter = shippedLlmService();
  const keda = withAutoscaler(adapter, 'keda');

  const withBehavior = (behavior: 'static' | 'currentReplicasIfHigher'): SimulatedService => ({ ...keda, keda: { ...keda.keda!, fallback: { ...keda.keda!.fallback!, behavior } } });

  test('inferscale\'s ScaledObject for the shipped LLM falls back to max(minReplicas, ceil(maxReplicas / 2)) after 3 failed reads, never below the current replicas', () => {
    expect(keda.keda!.fallback).toEqual({ failureThreshold: 3, replicas: Math.max(adapter.minReplicas, Math.ceil(adapter.maxReplicas / 2)), behavior: 'currentReplicasIfHigher' });
  });

  test('a static fallback cuts the service at peak: KEDA answers the fallback from the fourth failed read and the HPA moves down to the fallback replicas', () => {
    const a = run(adapter, step, outage);
    const k = run(withBehavior('static'), step, outage);
    const during = (r: SimulationResult): number[] => Array.from(r.timeline.desiredReplicas.slice(960, 2700));
    expect(new Set(during(a)).size).toBe(1);
    const frozen = during(a)[0];
    expect(frozen).toBeGreaterThan(keda.keda!.fallback!.replicas);
    expect(during(k).at(-1)).toBe(keda.keda!.fallback!.replicas);

    // The syncs in the outage: three blocked (an error to the HPA), then the fallback answers.
    const syncs = Array.from(k.syncs.time).map((t, j) => ({ t, proposed: k.syncs.proposed[j] })).filter((s) => s.t >= 900 && s.t < 2700);
    expect(syncs.slice(0, 3).map((s) => s.proposed)).toEqual([-1, -1, -1]);
    expect(syncs[3].proposed).toBe(keda.keda!.fallback!.replicas);
    expect(k.summary.keda!.fallbackReads).toBeGreaterThan(0);
    expect(k.summary.failedRequests).toBeGreaterThan(a.summary.failedRequests);
  });

  test('the rendered currentReplicasIfHigher keeps the replicas the outage found, as the adapter path does', () => {
    const a = run(adapter, step, outage);
    const k = run(keda, step, outage);
    expect(Array.from(k.timeline.desiredReplicas.slice(960, 2700))).toEqual(Array.from(a.timeline.desiredReplicas.slice(960, 2700)));
    expect(k.summary.keda!.fallbackReads).toBeGreaterThan(0);
  });

  test('a service whose every threshold is below 1 gets no fallback: KEDA 2.17 would answer it with 0 replicas', () => {
    const kvOnly = { ...adapter, metrics: adapter.metrics.filter((m) => m.series === 'vllm:kv_cache_usage_perc') };
    expect(kvOnly.metrics).toHaveLength(1);
    expect(withAutoscaler(kvOnly, 'keda').keda!.fallback).toBeUndefined();
  });
});

describe('KEDA\'s metrics server', () => {
  const metric = { name: 's0-prometheus', type: 'Pods' as const, signal: 'queueDepth' as const, targetType: 'AverageValue' as const, target: 800, rateWindowSeconds: 60, series: 'vllm:kv_cache_usage_perc' };
  const trigger = { metricType: 'AverageValue' as const, activationThreshold: 0, ignoreNullValues: false };
  const noPods = { type: 'Pods' as const, targetAverageValueMilli: 800, pods: [{ state: 'unready' as const }] };

  test('a Pods metric becomes the sum over the pods that answered, an External AverageValue the HPA divides by the replicas', () => {
    const server = new KedaMetricsServer([metric], { pollingIntervalSeconds: 15, cooldownPeriodSeconds: 300, triggers: [trigger] });
    const [read] = server.read([{ type: 'Pods', targetAverageValueMilli: 800, pods: [{ state: 'ready', valueMilli: 500 }, { state: 'ready', valueMilli: 700 }, { state: 'missing' }] }], true, 2, 3);
    expect(read).toEqual({ type: 'External', targetAverageValueMilli: 800, valuesMilli: [1200] });
  });

  test('an empty answer is an error with ignoreNullValues false, and 0 with true', () => {
    const strict = new KedaMetricsServer([metric], { pollingIntervalSeconds: 15, cooldownPeriodSeconds: 300, triggers: [trigger] });
    expect(strict.read([noPods], true, 0, 3)).toEqual([{ type: 'External', invalid: true }]);
    const lenient = new KedaMetricsServer([metric], { pollingIntervalSeconds: 15, cooldownPeriodSeconds: 300, triggers: [{ ...trigger, ignoreNullValues: true }] });
    expect(lenient.read([noPods], true, 0, 3)).toEqual([{ type: 'External', targetAverageValueMilli: 800, valuesMilli: [0] }]);
    // Prometheus down is an error either way.
    expect(lenient.read([noPods], false, 0, 3)).toEqual([{ type: 'External', invalid: true }]);
  });

  test('KEDA 2.17 truncates the threshold in its fallback answer: a threshold of 0.8 falls back to 0, so the HPA drops to minReplicas', () => {
    const server = new KedaMetricsServer([metric], { pollingIntervalSeconds: 15, cooldownPeriodSeconds: 300, fallback: { failureThreshold: 1, replicas: 4 }, triggers: [trigger] });
    expect(server.read([noPods], false, 3, 3)).toEqual([{ type: 'External', invalid: true }]);
    expect(server.read([noPods], false, 3, 3)).toEqual([{ type: 'External', targetAverageValueMilli: 800, valuesMilli: [0] }]);
    const whole = new KedaMetricsServer([{ ...metric, target: 2500 }], { pollingIntervalSeconds: 15, cooldownPeriodSeconds: 300, fallback: { failureThreshold: 1, replicas: 4 }, triggers: [trigger] });
    whole.read([noPods], false, 3, 3);
    expect(whole.read([noPods], false, 3, 3)).toEqual([{ type: 'External', targetAverageValueMilli: 2500, valuesMilli: [2 * 1000 * 4] }]);
  });
});

describe('fallbackReplicas', () => {
  test('follows fallback.behavior against the current replicas', () => {
    const at = (behavior: 'static' | 'currentReplicas' | 'currentReplicasIfHigher' | 'currentReplicasIfLower', current: number): number => fallbackReplicas({ failureThreshold: 3, replicas: 4, behavior }, current);
    expect([at('static', 7), at('currentReplicas', 7), at('currentReplicasIfHigher', 7), at('currentReplicasIfLower', 7)]).toEqual([4, 7, 7, 4]);
    expect([at('currentReplicasIfHigher', 2), at('currentReplicasIfLower', 2)]).toEqual([4, 2]);
  });
});

describe('coldStarts', () => {
  test('a cold start runs from the first request with no replica ready to the first second with one', () => {
    const timeline = {
      requests: Float64Array.from([0, 0, 3, 0, 2, 1, 1, 0, 0, 4, 4]),
      readyReplicas: Uint16Array.from([0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0]),
      failed: Float32Array.from([0, 0, 3, 0, 2, 0, 0, 0, 0, 4, 4]),
    };
    expect(coldStarts(timeline)).toEqual([
      { atSeconds: 2, waitSeconds: 3, requests: 5, failedRequests: 5 },
      { atSeconds: 9, waitSeconds: 2, requests: 8, failedRequests: 8 },
    ]);
  });
});

describe('the adapter path', () => {
  test('a service without a ScaledObject has no KEDA summary, and withAutoscaler adapter gives it back unchanged', () => {
    const s = shippedLlmService();
    expect(withAutoscaler(s, 'adapter')).toBe(s);
    expect(run(s, burst(900, 0, 900, 2)).summary.keda).toBeUndefined();
  });

  test('an idle pod reads 0 on a latency metric, as the catalogue\'s query answers: the shipped LLM scales down to minReplicas once traffic stops', () => {
    // A burst that needs several replicas, then an hour with no request at all.
    const r = run(shippedLlmService(), burst(4800, 0, 1200, 6));
    const peak = Math.max(...r.timeline.desiredReplicas.slice(0, 1500));
    expect(peak).toBeGreaterThan(2);
    expect(r.timeline.desiredReplicas[4799]).toBe(1);
    // Every sync of the idle hour read every metric (NaN: a metric was invalid in that sync).
    const metrics = r.service.metrics.length;
    const idle = Array.from(r.syncs.time).flatMap((t, i) => (t >= 1800 ? [i] : []));
    expect(idle.length).toBeGreaterThan(100);
    for (const i of idle) for (let m = 0; m < metrics; m++) expect(r.syncs.metricValues[i * metrics + m]).not.toBeNaN();
  });

  test('moving a scale-to-zero service to the adapter sets minReplicas to 1 and drops the ScaledObject', () => {
    const s = withAutoscaler(zeroService(), 'adapter');
    expect(s.minReplicas).toBe(1);
    expect(s.keda).toBeUndefined();
  });
});

describe('a ScaledObject in a manifest', () => {
  const POOL = { name: 'a10g', instanceType: 'g5.xlarge', minNodes: 0, maxNodes: 8 };
  const llm = defaultServices().llm;
  const props = { ...llm, minReplicas: 0, metrics: [GATEWAY_RATE, ...(llm.metrics ?? [])] };

  test('reads as the service it was rendered from: the HPA KEDA creates, one metric per trigger, and KEDA\'s settings', () => {
    const { objects, platform } = renderPlatform({ autoscaler: 'keda', keda: { pollingIntervalSeconds: 30, cooldownPeriodSeconds: 600 }, gpuNodePools: [POOL], services: { llm: props } });
    const [fromManifest] = servicesFromManifests(objects, 'charts-out/');
    const resolved = platform.services.llm.spec;
    const fromResolved = serviceFromResolved(resolved, objects.find((o) => o.kind === 'ScaledObject')!.spec);
    expect(fromManifest.keda).toEqual(fromResolved.keda);
    expect(fromManifest.keda).toMatchObject({ pollingIntervalSeconds: 30, cooldownPeriodSeconds: 600 });
    expect(fromManifest.keda!.fallback).toBeUndefined();
    expect(fromManifest.minReplicas).toBe(0);
    expect(fromManifest.behavior).toEqual(fromResolved.behavior);
    const shape = (s: SimulatedService): unknown[] => s.metrics.map(({ name: _name, ...rest }) => rest);
    expect(shape(fromManifest)).toEqual(shape(fromResolved));
    expect(fromManifest.skippedMetrics).toEqual([]);
  });

  test('a trigger the simulator has no model for is left out with the reason', () => {
    const so = {
      apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'llm', namespace: 'ml' },
      spec: { scaleTargetRef: { name: 'llm' }, triggers: [{ type: 'kafka', metadata: { topic: 'x' } }, { type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } }] },
    };
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'llm', namespace: 'ml' }, spec: { template: { spec: { containers: [{ name: 'c', resources: { requests: { cpu: '1' } } }] } } } };
    const [s] = servicesFromManifests([so, deployment], 'x.yaml');
    expect(s.skippedMetrics).toEqual([{ name: 's0-kafka', reason: 'the simulator has no model for KEDA kafka triggers' }]);
    expect(s.metrics.map((m) => m.signal)).toEqual(['cpuUtilization']);
    // KEDA's defaults for what the object leaves out.
    expect(s.keda).toEqual({ pollingIntervalSeconds: 30, cooldownPeriodSeconds: 300, triggers: [{ metricType: 'Utilization', activationThreshold: 0, ignoreNullValues: true }] });
    expect([s.minReplicas, s.maxReplicas]).toEqual([0, 100]);
  });

  test('fallback, its behavior and the triggers\' activation and null policy are read as KEDA parses them', () => {
    const so = {
      apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'llm' },
      spec: {
        scaleTargetRef: { name: 'llm' }, minReplicaCount: 1, maxReplicaCount: 6, pollingInterval: 10,
        fallback: { failureThreshold: 2, replicas: 3, behavior: 'currentReplicasIfHigher' },
        triggers: [{ type: 'prometheus', metadata: { query: 'sum(sum(vllm:num_requests_waiting{pod=~"llm-.+"}) by (pod))', threshold: '4', activationThreshold: '1.5', ignoreNullValues: 'f' } }],
      },
    };
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'llm' }, spec: { template: { spec: { containers: [{ name: 'c' }] } } } };
    const [s] = servicesFromManifests([so, deployment], 'x.yaml');
    expect(s.keda).toEqual({
      pollingIntervalSeconds: 10, cooldownPeriodSeconds: 300,
      fallback: { failureThreshold: 2, replicas: 3, behavior: 'currentReplicasIfHigher' },
      triggers: [{ metricType: 'AverageValue', activationThreshold: 1.5, ignoreNullValues: false }],
    });
    expect(s.metrics).toEqual([{ name: 's0-prometheus', type: 'Pods', signal: 'queueDepth', targetType: 'AverageValue', target: 4000, rateWindowSeconds: 60, series: 'vllm:num_requests_waiting' }]);
  });
});

describe('the gateway while no replica is ready', () => {
  const trace = burst(2400, 600, 1500, 1);

  test('refuse fails the cold start\'s requests at once; hold keeps them and serves them once a replica is ready, with the wait in their TTFT', () => {
    const refused = run(zeroService(), trace);
    const held = run(zeroService(), trace, { serving: { profile: 'qwen2.5-7b/a10g', gateway: 'hold' } });
    const [cold] = held.summary.keda!.coldStarts;
    expect(refused.summary.keda!.coldStarts[0].failedRequests).toBe(refused.summary.keda!.coldStarts[0].requests);
    expect(cold.failedRequests).toBe(0);
    // Everything finished: the wait (under 10 minutes) stayed within the client timeout.
    expect(cold.waitSeconds).toBeLessThan(held.options.requestTimeoutSeconds);
    expect(held.summary.failedRequests).toBe(0);
    const firstReady = cold.atSeconds + cold.waitSeconds;
    expect(held.timeline.ttftSeconds[firstReady]).toBeGreaterThanOrEqual(cold.waitSeconds - 60);
  });

  test('requests the gateway still holds when the trace ends count as in flight, neither finished nor failed', () => {
    // The last minute's requests arrive while the service is at zero; no replica is ready before the end.
    const r = run(zeroService(), burst(900, 840, 900, 1), { serving: { profile: 'qwen2.5-7b/a10g', gateway: 'hold' } });
    expect(r.summary.finishedRequests).toBe(0);
    expect(r.summary.failedRequests).toBe(0);
    expect(r.summary.inFlightAtEnd).toBe(60);
  });

  test('held requests fail at the client timeout', () => {
    const r = run(zeroService(), trace, { serving: { profile: 'qwen2.5-7b/a10g', gateway: 'hold', requestTimeoutSeconds: 120 } });
    const [cold] = r.summary.keda!.coldStarts;
    // Each held second fails 120 s after it arrived; the last 120 s before the first ready replica are still held then.
    expect(cold.failedRequests).toBe(cold.requests - 120);
  });

  test('an External queue trigger wakes a service at zero only when the gateway holds the requests: refused ones queue nowhere', () => {
    const llm = defaultServices().llm;
    const queue = ScalingMetric.externalQueue({ series: 'gateway_pending_requests', targetPerReplica: 4 });
    const { service } = resolveInferenceService({ ...llm, autoscaler: 'keda', minReplicas: 0, metrics: [queue] }, 'llm');
    const s = serviceFromResolved(service!);
    expect(run(s, trace).summary.keda!.activations).toBe(0);
    expect(run(s, trace, { serving: { profile: 'qwen2.5-7b/a10g', gateway: 'hold' } }).summary.keda!.activations).toBe(1);
  });
});
