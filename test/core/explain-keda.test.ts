import { Testing } from 'cdk8s';
import { AIInferencePlatform, ScalingMetric } from '../../lib/cdk8s';
import { coldStartWarning, explainService, formatExplanation, MetricExplanation } from '../../lib/core/explain';

const POOL = { name: 'a10g', instanceType: 'g5.xlarge', minNodes: 0, maxNodes: 8 };
const LLM = { image: 'vllm/vllm-openai:v0.11.0', gpu: { count: 1 }, maxReplicas: 4, model: { loadTimeSeconds: 240 } };

function explainKeda(service: Record<string, unknown>): ReturnType<typeof explainService> {
  const platform = new AIInferencePlatform(Testing.app(), 'platform', { autoscaler: 'keda', gpuNodePools: [POOL], services: { llm: { ...LLM, ...service } as never } });
  const svc = platform.services.llm;
  return explainService(svc.spec, {
    namespace: 'inference',
    prometheus: { mode: 'embedded', url: platform.prometheus.url },
    keda: { namespace: platform.kedaNamespace!, scaledObject: svc.scaledObjectSpec! },
  });
}

function step(m: MetricExplanation, kind: string): { lines: readonly string[]; checks: readonly string[] } {
  const found = m.steps.find((s) => s.kind === kind);
  if (!found) throw new Error(`metrics[${m.index}] has no ${kind} step; it has ${m.steps.map((s) => s.kind).join(', ')}`);
  return found;
}

describe('explainService: the KEDA path', () => {
  const e = explainKeda({ metrics: [ScalingMetric.queueDepth({ targetPerPod: 4 })] });

  test('walks series, scrape, trigger query, KEDA\'s external metric and the HPA KEDA created, in that order', () => {
    expect(e.metrics[0].steps.map((s) => s.kind)).toEqual(['series', 'scrape', 'keda', 'metricsApi', 'hpa']);
  });

  test('the trigger step shows the summed query and checks it against Prometheus', () => {
    const query = 'sum(sum(ai_inference_queue_depth{namespace="inference",pod=~"llm-[a-z0-9]+-[a-z0-9]+"}) by (pod))';
    expect(step(e.metrics[0], 'keda').lines[1]).toBe(`query: ${query}`);
    expect(step(e.metrics[0], 'keda').checks[0]).toBe(`curl -sG http://127.0.0.1:9090/api/v1/query --data-urlencode 'query=${query}'`);
  });

  test('the metrics API step reads KEDA\'s external metric for the ScaledObject', () => {
    expect(step(e.metrics[0], 'metricsApi').checks).toContain('kubectl get --raw "/apis/external.metrics.k8s.io/v1beta1/namespaces/inference/s0-prometheus?labelSelector=scaledobject.keda.sh%2Fname%3Dllm"');
  });

  test('the service checks name the ScaledObject and the HPA KEDA created', () => {
    expect(e.checks).toContain('kubectl get scaledobject llm -n inference   # READY and ACTIVE');
    expect(e.checks).toContain('kubectl get hpa llm -n inference');
    expect(step(e.metrics[0], 'hpa').checks).toEqual(["kubectl get hpa llm -n inference -o jsonpath='{.status.currentMetrics[0]}'"]);
  });

  test('states the fallback and that a missing series is an error, never 0', () => {
    expect(e.facts).toContain('when a trigger fails 3 reads in a row (Prometheus down, the series gone), KEDA holds the replicas it has (at least 2) until it reads again; a missing series is an error (ignoreNullValues "false"), never 0');
  });

  test('scale to zero states the cold-start cost', () => {
    const z = explainKeda({ minReplicas: 0, metrics: [ScalingMetric.externalQueue({ series: 'sqs_messages_visible', targetPerReplica: 5 })] });
    expect(z.warnings).toContain('cold start: the first request after scale-to-zero waits for KEDA\'s next poll (up to 15 s), a GPU node if the pool scaled in (3 min), the image pull on that fresh node (1 min) and the model load (4 min): up to 8 min 15 s, or 4 min 15 s on a warm node that has the image. Meanwhile requests fail (a Service without ready endpoints refuses them) unless a queue in front of the service holds them (the queue an External trigger reads). `inferscale simulate --compare adapter,keda` measures the cost on a trace; use minReplicas: 1 if that wait is not acceptable');
    expect(formatExplanation(z)).toContain('KEDA');
  });

  test('the cold-start cost adds the figures of the node pool and image it is given', () => {
    expect(coldStartWarning(30, 600, { nodeProvisioningSeconds: 300, imagePullSeconds: 120 })).toMatch(/^cold start: .*KEDA's next poll \(up to 30 s\), a GPU node if the pool scaled in \(5 min\), the image pull on that fresh node \(2 min\) and the model load \(10 min\): up to 17 min 30 s, or 10 min 30 s on a warm node that has the image\./);
  });
});
