import { Testing } from 'cdk8s';
import { AIInferenceService, ModelServer, ScalingMetric } from '../../lib/cdk8s';
import { checkManifests } from '../support/manifests';
import { platformErrorOf, renderPlatform } from '../support/platform';
import { find, K8sObject } from '../support/synth';

const POOL = { name: 'a10g', instanceType: 'g5.xlarge', minNodes: 0, maxNodes: 8 };
const LLM = {
  image: 'vllm/vllm-openai:v0.11.0',
  gpu: { count: 1 },
  maxReplicas: 4,
  metrics: [ScalingMetric.queueDepth({ targetPerPod: 4 }), ScalingMetric.latency({ targetSeconds: 2 })],
};

const render = renderPlatform;
const errorOf = platformErrorOf;

const names = (objects: K8sObject[], kind: string): string[] => objects.filter((o) => o.kind === kind).map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();

describe('AIInferencePlatform with autoscaler keda', () => {
  test('each service gets a ScaledObject instead of an HPA, and the Deployment leaves replicas to KEDA\'s HPA', () => {
    const { objects } = render({ autoscaler: 'keda', gpuNodePools: [POOL], services: { llm: LLM } });
    expect(names(objects, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(names(objects, 'ScaledObject')).toEqual(['inference/llm']);
    const so = find(objects, 'ScaledObject', 'llm');
    expect(so.apiVersion).toBe('keda.sh/v1alpha1');
    expect(so.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'llm' });
    expect(so.spec.triggers.map((t: K8sObject) => t.metadata.serverAddress)).toEqual(['http://prometheus.monitoring.svc:9090', 'http://prometheus.monitoring.svc:9090']);
    expect(so.spec.triggers[0].metadata.query).toBe('sum(sum(ai_inference_queue_depth{namespace="inference",pod=~"llm-[a-z0-9]+-[a-z0-9]+"}) by (pod))');
    expect(find(objects, 'Deployment', 'llm').spec.replicas).toBeUndefined();
  });

  test('KEDA\'s HPA takes the service\'s name and adopts an HPA of that name, so moving from the adapter hands the same HPA over', () => {
    const { objects } = render({ autoscaler: 'keda', gpuNodePools: [POOL], services: { llm: LLM } });
    const so = find(objects, 'ScaledObject', 'llm');
    expect(so.metadata.annotations).toEqual({ 'scaledobject.keda.sh/transfer-hpa-ownership': 'true' });
    expect(so.spec.advanced.horizontalPodAutoscalerConfig.name).toBe('llm');
    const adapter = render({ gpuNodePools: [POOL], services: { llm: LLM } }).objects;
    expect(find(adapter, 'HorizontalPodAutoscaler', 'llm').spec.scaleTargetRef).toEqual(so.spec.scaleTargetRef);
  });

  test('a platform where every service uses KEDA renders no Prometheus Adapter and no metrics APIService of its own but metrics-server\'s', () => {
    const { objects, platform } = render({ autoscaler: 'keda', gpuNodePools: [POOL], services: { llm: LLM } });
    expect(platform.adapter).toBeUndefined();
    expect(names(objects, 'APIService')).toEqual(['/v1beta1.metrics.k8s.io']);
    expect(objects.filter((o) => o.metadata.name.startsWith('prometheus-adapter'))).toEqual([]);
  });

  test('Prometheus admits KEDA\'s namespace, since the KEDA operator runs the trigger queries', () => {
    const { objects } = render({ autoscaler: 'keda', gpuNodePools: [POOL], services: { llm: LLM } });
    const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'prometheus')!;
    expect(policy.spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } } }]);
  });

  test('a mixed platform serves the adapter services through the adapter, without the external metrics API, and never an HPA and a ScaledObject for one Deployment', () => {
    const { objects } = render({
      gpuNodePools: [POOL],
      services: { llm: LLM, embed: { ...LLM, autoscaler: 'keda', metrics: [ScalingMetric.inFlightRequests({ targetPerPod: 8 })] } },
    });
    expect(names(objects, 'HorizontalPodAutoscaler')).toEqual(['inference/llm']);
    expect(names(objects, 'ScaledObject')).toEqual(['inference/embed']);
    expect(names(objects, 'APIService')).toEqual(['/v1beta1.custom.metrics.k8s.io', '/v1beta1.metrics.k8s.io']);
    const config = find(objects, 'ConfigMap', 'prometheus-adapter-config').data['config.yaml'] as string;
    expect(config).toContain('as: ai_inference_queue_depth');
    expect(config).not.toContain('ai_inference_requests_in_flight');
    expect(config).toContain('externalRules: []');
  });

  test('an adapter service with an External metric next to a KEDA service is refused: one provider per APIService', () => {
    expect(errorOf({
      gpuNodePools: [POOL],
      services: {
        llm: { ...LLM, metrics: [ScalingMetric.externalQueue({ series: 'kafka_consumergroup_lag', targetPerReplica: 10 })] },
        embed: { ...LLM, autoscaler: 'keda' },
      },
    }).message).toBe('AIInferencePlatform "platform": services.llm.metrics[0] (externalQueue) is an External metric, which the Prometheus Adapter would serve on external.metrics.k8s.io; KEDA owns that API in this platform (services.embed use autoscaler "keda"), and one APIService has one provider. Set autoscaler: "keda" on this service too');
  });

  test('scale to zero through KEDA with an External metric that still exists at zero replicas', () => {
    const { objects } = render({
      autoscaler: 'keda',
      gpuNodePools: [POOL],
      services: { llm: { ...LLM, minReplicas: 0, metrics: [ScalingMetric.externalQueue({ series: 'sqs_messages_visible', selector: { queue: 'llm' }, targetPerReplica: 5 }), ...LLM.metrics] } },
    });
    const so = find(objects, 'ScaledObject', 'llm');
    expect(so.spec.minReplicaCount).toBe(0);
    expect(so.spec.triggers[0].metadata).toMatchObject({ query: 'sum(sqs_messages_visible{queue="llm"}) by ()', activationThreshold: '0', ignoreNullValues: 'false' });
    expect(so.spec.fallback).toBeUndefined();
  });

  test('minReplicas 0 with the adapter still needs the HPA feature gate', () => {
    expect(errorOf({ gpuNodePools: [POOL], services: { llm: { ...LLM, minReplicas: 0, metrics: [ScalingMetric.externalQueue({ series: 'q', targetPerReplica: 5 })] } } }).message)
      .toBe('AIInferencePlatform "platform": services.llm.minReplicas is 0, which the API server accepts only with the alpha HPAScaleToZero feature gate; set scaleToZero: true to confirm the cluster has it, or use 1 or more');
  });

  test('KEDA options that are out of range are reported once at the platform\'s path', () => {
    expect(errorOf({ autoscaler: 'keda', gpuNodePools: [POOL], keda: { pollingIntervalSeconds: 0 }, services: { llm: LLM, other: LLM } }).message)
      .toBe('AIInferencePlatform "platform": keda.pollingIntervalSeconds is 0; expected whole seconds from 1 to 3600');
  });

  test('an unknown autoscaler is refused', () => {
    expect(errorOf({ autoscaler: 'hpa' as never, services: {} }).message).toBe('AIInferencePlatform "platform": autoscaler is "hpa"; expected "adapter" or "keda"');
  });
});

describe('AIInferenceService with autoscaler keda', () => {
  test('renders the ScaledObject from the keda prop, without an HPA', () => {
    const chart = Testing.chart();
    const svc = new AIInferenceService(chart, 'llm', { ...LLM, namespace: 'inference', autoscaler: 'keda', keda: { prometheusUrl: 'http://prom.monitoring.svc:9090' } });
    expect(svc.horizontalPodAutoscaler).toBeUndefined();
    const objects = Testing.synth(chart) as K8sObject[];
    expect(names(objects, 'ScaledObject')).toEqual(['inference/llm']);
    expect(checkManifests(objects)).toEqual([]);
  });

  test('every preset with its recommended engine metrics renders ScaledObjects that pass the schema check, and the platform\'s adapter rules too', () => {
    const factories = {
      waitingRequests: () => ScalingMetric.waitingRequests({ targetPerPod: 4 }),
      runningRequests: () => ScalingMetric.runningRequests({ targetShareOfMaxSequences: 0.8, maxSequences: 64 }),
      kvCacheUsage: () => ScalingMetric.kvCacheUsage({ targetRatio: 0.8 }),
      timeToFirstToken: () => ScalingMetric.timeToFirstToken({ targetSeconds: 1 }),
      interTokenLatency: () => ScalingMetric.interTokenLatency({ targetSeconds: 0.1 }),
      queueTime: () => ScalingMetric.queueTime({ targetSeconds: 0.5, quantile: 'mean' }),
      generationTokens: () => ScalingMetric.tokenThroughput({ targetPerPod: 500 }),
    };
    for (const server of [ModelServer.vllm(), ModelServer.sglang(), ModelServer.triton(), ModelServer.tgi(), ModelServer.tei()]) {
      const metrics = server.spec.recommended.map((r) => factories[r]());
      for (const autoscaler of ['keda', 'adapter'] as const) {
        const { objects } = render({ autoscaler, gpuNodePools: [POOL], services: { llm: { ...LLM, modelServer: server, metrics } } });
        expect(checkManifests(objects)).toEqual([]);
        if (autoscaler === 'keda') {
          const so = find(objects, 'ScaledObject', 'llm');
          expect(so.spec.triggers.map((t: K8sObject) => [t.type, t.metricType, t.metadata.ignoreNullValues])).toEqual(metrics.map(() => ['prometheus', 'AverageValue', 'false']));
          expect(so.spec.triggers[0].metadata.query).toContain(server.seriesFor(server.spec.recommended[0])!.name);
        }
      }
    }
  });

  test('without a ScaledObject, synthesis fails: nothing would scale the Deployment', () => {
    const chart = Testing.chart();
    new AIInferenceService(chart, 'llm', { ...LLM, namespace: 'inference', autoscaler: 'keda' });
    expect(() => Testing.synth(chart)).toThrow('AIInferenceService "test/llm": keda is missing: with autoscaler "keda" nothing scales the Deployment. Give keda: { prometheusUrl }, call addScaledObject, or put the service in an AIInferencePlatform');
  });

  test('a ScaledObject for a service on the adapter is refused', () => {
    const chart = Testing.chart();
    const svc = new AIInferenceService(chart, 'llm', { ...LLM, namespace: 'inference' });
    expect(() => svc.addScaledObject({ prometheusUrl: 'http://prom:9090' })).toThrow('AIInferenceService "test/llm": autoscaler is "adapter"; a ScaledObject next to the HPA would fight it over the replica count. Set autoscaler: "keda"');
  });
});
