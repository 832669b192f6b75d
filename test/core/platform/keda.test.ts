import {
  InferenceServiceProps,
  KedaPrometheusTrigger,
  kedaTriggerQuery,
  resolveInferenceService,
  ResolvedInferenceService,
  resolveScaledObject,
  ScalingMetric,
} from '../../../lib/core';

const PROM = 'http://prometheus.monitoring.svc:9090';

function service(props: Partial<InferenceServiceProps> = {}): ResolvedInferenceService {
  const r = resolveInferenceService({
    image: 'vllm/vllm-openai:v0.11.0', gpu: { count: 1 }, maxReplicas: 8, model: { loadTimeSeconds: 240 }, namespace: 'inference', ...props,
  } as InferenceServiceProps, 'llm');
  if (!r.service) throw new Error(JSON.stringify(r.problems));
  return r.service;
}

function prometheusTrigger(spec: { triggers: readonly { type: string }[] }, i: number): KedaPrometheusTrigger {
  const t = spec.triggers[i];
  if (t.type !== 'prometheus') throw new Error(`trigger ${i} is ${t.type}`);
  return t as KedaPrometheusTrigger;
}

describe('resolveScaledObject', () => {
  test('targets the Deployment with the service bounds, polling, cooldown and the resolved behavior as the HPA KEDA creates', () => {
    const svc = service({ minReplicas: 2, metrics: [ScalingMetric.queueDepth({ targetPerPod: 4 })] });
    const { spec, problems } = resolveScaledObject(svc, { prometheusUrl: PROM });
    expect(problems).toEqual([]);
    expect(spec!.name).toBe('llm');
    expect(spec!.namespace).toBe('inference');
    expect(spec!.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'llm' });
    expect(spec!.spec.minReplicaCount).toBe(2);
    expect(spec!.spec.maxReplicaCount).toBe(8);
    expect(spec!.spec.pollingInterval).toBe(15);
    expect(spec!.spec.cooldownPeriod).toBe(300);
    expect(spec!.spec.advanced.horizontalPodAutoscalerConfig).toEqual({ name: 'llm', behavior: svc.behavior });
    expect(spec!.externalMetricNames).toEqual(['s0-prometheus']);
  });

  test('a Pods metric is an AverageValue trigger whose query sums the per-pod query over the Deployment\'s pods', () => {
    const svc = service({ metrics: [ScalingMetric.queueDepth({ targetPerPod: 4 })] });
    const t = prometheusTrigger(resolveScaledObject(svc, { prometheusUrl: PROM }).spec!.spec, 0);
    expect(t).toEqual({
      type: 'prometheus',
      metricType: 'AverageValue',
      metadata: {
        serverAddress: PROM,
        query: 'sum(sum(ai_inference_queue_depth{namespace="inference",pod=~"llm-[a-z0-9]+-[a-z0-9]+"}) by (pod))',
        threshold: '4',
        activationThreshold: '0',
        ignoreNullValues: 'false',
      },
    });
  });

  test('the latency trigger keeps the idle-safe form of the catalogue query, summed over the pods', () => {
    const svc = service({ metrics: [ScalingMetric.latency({ targetSeconds: 1.5 })] });
    const t = prometheusTrigger(resolveScaledObject(svc, { prometheusUrl: PROM }).spec!.spec, 0);
    const m = '{namespace="inference",pod=~"llm-[a-z0-9]+-[a-z0-9]+"}';
    expect(t.metadata.query).toBe(`sum((histogram_quantile(0.95, sum(rate(ai_inference_latency_seconds_bucket${m}[1m])) by (le, pod)) >= 0) or (sum(rate(ai_inference_latency_seconds_count${m}[1m])) by (pod) == 0))`);
    expect(t.metadata.threshold).toBe('1.5');
  });

  test('a milli-quantity target becomes a plain decimal threshold', () => {
    const svc = service({ metrics: [ScalingMetric.errorRate({ targetRatio: 0.05 })] });
    expect(prometheusTrigger(resolveScaledObject(svc, { prometheusUrl: PROM }).spec!.spec, 0).metadata.threshold).toBe('0.05');
  });

  test('an External Value metric keeps metricType Value and the adapter\'s query, and leaves the fallback out', () => {
    const svc = service({ metrics: [ScalingMetric.externalQueue({ series: 'kafka_consumergroup_lag', selector: { consumergroup: 'llm' }, targetTotal: 100 })] });
    const { spec } = resolveScaledObject(svc, { prometheusUrl: PROM });
    const t = prometheusTrigger(spec!.spec, 0);
    expect(t.metricType).toBe('Value');
    expect(t.metadata.query).toBe('sum(kafka_consumergroup_lag{consumergroup="llm"}) by ()');
    expect(t.metadata.threshold).toBe('100');
    expect(spec!.spec.fallback).toBeUndefined();
    expect(spec!.fallbackOmitted).toBe('KEDA applies a fallback only when every trigger is an AverageValue one; while Prometheus cannot be read the HPA holds its replicas instead');
  });

  test('CPU and memory metrics become cpu and memory triggers, without a fallback', () => {
    const svc = service({ metrics: [ScalingMetric.cpuUtilization(70), ScalingMetric.queueDepth({ targetPerPod: 2 })] });
    const { spec } = resolveScaledObject(svc, { prometheusUrl: PROM });
    expect(spec!.spec.triggers[0]).toEqual({ type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } });
    expect(spec!.externalMetricNames).toEqual([undefined, 's1-prometheus']);
    expect(spec!.spec.fallback).toBeUndefined();
    expect(spec!.fallbackOmitted).toBe('KEDA supports no fallback next to cpu or memory triggers; while Prometheus cannot be read the HPA holds its replicas instead');
  });

  test('with only AverageValue prometheus triggers the fallback holds max(minReplicas, half of maxReplicas) after three failed reads, or the current replicas when more', () => {
    const svc = service({ minReplicas: 1, maxReplicas: 7, metrics: [ScalingMetric.queueDepth({ targetPerPod: 2 })] });
    expect(resolveScaledObject(svc, { prometheusUrl: PROM }).spec!.spec.fallback).toEqual({ failureThreshold: 3, replicas: 4, behavior: 'currentReplicasIfHigher' });
    const high = service({ minReplicas: 6, maxReplicas: 8, metrics: [ScalingMetric.queueDepth({ targetPerPod: 2 })] });
    expect(resolveScaledObject(high, { prometheusUrl: PROM }).spec!.spec.fallback).toEqual({ failureThreshold: 3, replicas: 6, behavior: 'currentReplicasIfHigher' });
    expect(resolveScaledObject(svc, { prometheusUrl: PROM, fallbackBehavior: 'static' }).spec!.spec.fallback!.behavior).toBe('static');
  });

  test('an unknown fallbackBehavior is an error naming the field and the choices', () => {
    const svc = service({ minReplicas: 1, maxReplicas: 7, metrics: [ScalingMetric.queueDepth({ targetPerPod: 2 })] });
    const { problems } = resolveScaledObject(svc, { prometheusUrl: PROM, fallbackBehavior: 'higher' as never });
    expect(problems).toEqual([{ path: 'fallbackBehavior', message: 'is "higher"; expected one of static, currentReplicas, currentReplicasIfHigher, currentReplicasIfLower' }]);
  });

  test('no fallback when every threshold is below 1: KEDA 2.17 truncates the threshold in its fallback answer and would ask for 0 replicas', () => {
    const kv = service({ minReplicas: 1, maxReplicas: 8, metrics: [ScalingMetric.kvCacheUsage({ targetRatio: 0.8 })] });
    const so = resolveScaledObject(kv, { prometheusUrl: PROM }).spec!;
    expect(so.spec.fallback).toBeUndefined();
    expect(so.fallbackOmitted).toMatch(/every threshold is below 1/);
    // One trigger of 1 or more is enough: the HPA takes the largest proposal.
    const both = service({ minReplicas: 1, maxReplicas: 8, metrics: [ScalingMetric.kvCacheUsage({ targetRatio: 0.8 }), ScalingMetric.waitingRequests({ targetPerPod: 1 })] });
    expect(resolveScaledObject(both, { prometheusUrl: PROM }).spec!.spec.fallback).toBeDefined();
  });

  test('every catalogue metric of a GPU service renders a query for the service\'s pods', () => {
    const svc = service({
      metrics: [
        ScalingMetric.requestsPerSecond({ targetPerPod: 4 }),
        ScalingMetric.gpuUtilization({ targetPercent: 70 }),
        ScalingMetric.latency({ targetSeconds: 2, quantile: 'mean' }),
        ScalingMetric.errorRate({ targetRatio: 0.1 }),
        ScalingMetric.inFlightRequests({ targetPerPod: 8 }),
        ScalingMetric.queueDepth({ targetPerPod: 2 }),
      ],
    });
    const { spec, problems } = resolveScaledObject(svc, { prometheusUrl: PROM });
    expect(problems).toEqual([]);
    for (const t of spec!.spec.triggers) {
      const p = t as KedaPrometheusTrigger;
      expect(p.metricType).toBe('AverageValue');
      expect(p.metadata.query).toMatch(/^sum\(/);
      expect(p.metadata.query).toContain('namespace="inference",pod=~"llm-[a-z0-9]+-[a-z0-9]+"');
      expect(p.metadata.query).not.toContain('<<');
    }
  });

  test('an Object metric renders the query for the described object', () => {
    const def = ScalingMetric.objectMetric({ describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'llm' }, series: 'nginx_ingress_controller_requests', targetAverageValue: 10 }).definition!;
    expect(kedaTriggerQuery(def, 'inference', 'llm')).toBe('sum(rate(nginx_ingress_controller_requests{namespace="inference",ingress="llm"}[1m])) by (ingress)');
  });

  test('minReplicas 0 with an External metric scales to zero, without a fallback', () => {
    const svc = service({ minReplicas: 0, scaleToZero: true, metrics: [ScalingMetric.externalQueue({ series: 'sqs_messages_visible', targetPerReplica: 5 })] });
    const { spec, problems } = resolveScaledObject(svc, { prometheusUrl: PROM });
    expect(problems).toEqual([]);
    expect(spec!.spec.minReplicaCount).toBe(0);
    expect(spec!.spec.fallback).toBeUndefined();
    expect(spec!.fallbackOmitted).toBe('minReplicas is 0: with no pods the Pods queries have no series, and a fallback would wake the service');
  });

  test('minReplicas 0 with only Pods metrics is refused', () => {
    const svc = { ...service({ metrics: [ScalingMetric.queueDepth({ targetPerPod: 2 })] }), minReplicas: 0 };
    expect(resolveScaledObject(svc, { prometheusUrl: PROM }).problems).toEqual([{
      path: 'minReplicas',
      message: 'is 0, but no metric still has a value with no pods running: KEDA wakes a service from zero when a trigger rises above its activation threshold, and Pods and Resource metrics have no series without pods. Add an External or Object metric (a queue length, the gateway\'s request rate), or use 1 or more',
    }]);
  });

  test('a Pods metric without an adapter rule is a problem naming the metric', () => {
    const base = service({ metrics: [ScalingMetric.queueDepth({ targetPerPod: 2 })] });
    const { adapterRule: _dropped, ...def } = base.metrics[0];
    expect(resolveScaledObject({ ...base, metrics: [def] }, { prometheusUrl: PROM }).problems).toEqual([{
      path: 'metrics[0] (queueDepth)',
      message: 'is a Pods metric without an adapter rule, so it has no query a KEDA prometheus trigger could run. Give the metric an adapterRule',
    }]);
  });

  test('a polling interval out of range is a problem', () => {
    const svc = service({ metrics: [ScalingMetric.queueDepth({ targetPerPod: 2 })] });
    expect(resolveScaledObject(svc, { prometheusUrl: PROM, pollingIntervalSeconds: 0 }).problems).toEqual([
      { path: 'pollingIntervalSeconds', message: 'is 0; expected whole seconds from 1 to 3600' },
    ]);
  });

  test('fallback replicas above maxReplicas are a problem', () => {
    const svc = service({ metrics: [ScalingMetric.queueDepth({ targetPerPod: 2 })] });
    expect(resolveScaledObject(svc, { prometheusUrl: PROM, fallbackReplicas: 9 }).problems).toEqual([
      { path: 'fallbackReplicas', message: 'is 9; expected whole replicas from 1 to maxReplicas (8)' },
    ]);
  });

  test('a Prometheus URL that is not http(s) is a problem', () => {
    const svc = service({ metrics: [ScalingMetric.queueDepth({ targetPerPod: 2 })] });
    expect(resolveScaledObject(svc, { prometheusUrl: 'prometheus:9090' }).problems).toEqual([
      { path: 'prometheusUrl', message: 'is "prometheus:9090"; expected an http(s) URL of Prometheus' },
    ]);
  });
});
