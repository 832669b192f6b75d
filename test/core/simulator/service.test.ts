import { ScalingBehavior } from '../../../lib/core';
import * as hpa from '../../../lib/core/hpa';
import {
  ManifestError,
  serviceFromManifests,
  servicesFromManifests,
  servicesFromYaml,
  withBehaviorPreset,
} from '../../../lib/core/simulator';
import { llmService } from './helpers';

const HPA_YAML = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: chat, namespace: ml }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: chat }
  minReplicas: 2
  maxReplicas: 6
  metrics:
    - type: Pods
      pods:
        metric: { name: ai_inference_requests_per_second_30s }
        target: { type: AverageValue, averageValue: 2500m }
    - type: Pods
      pods:
        metric: { name: ai_inference_latency_seconds_p99 }
        target: { type: AverageValue, averageValue: "3" }
    - type: Pods
      pods:
        metric: { name: something_else }
        target: { type: AverageValue, averageValue: "1" }
    - type: Resource
      resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } }
  behavior:
    scaleUp:
      policies: [{ type: Pods, value: 2, periodSeconds: 30 }]
`;

const DEPLOYMENT_YAML = `apiVersion: apps/v1
kind: Deployment
metadata: { name: chat, namespace: ml }
spec:
  template:
    metadata:
      annotations: { inferscale.io/model-load-seconds: "90" }
    spec:
      terminationGracePeriodSeconds: 40
      containers:
        - name: server
          image: example/chat:1
          resources:
            requests: { cpu: 1500m, memory: 8Gi }
            limits: { nvidia.com/gpu: "2" }
          startupProbe: { periodSeconds: 5, failureThreshold: 40, httpGet: { path: /health, port: 8000 } }
          lifecycle: { preStop: { sleep: { seconds: 5 } } }
`;

describe('service from a resolved inference service', () => {
  test('reads each metric through the series its catalogue entry names; no capacity comes from a target', () => {
    const s = llmService();
    expect(s).not.toHaveProperty('capacityRps');
    expect(s.metrics.map((m) => m.signal)).toEqual(['requestsPerSecond', 'gpuUtilization', 'latency', 'cpuUtilization']);
    expect(s.metrics.map((m) => m.series)).toEqual(['vllm:request_success_total', 'DCGM_FI_DEV_GPU_UTIL', 'vllm:e2e_request_latency_seconds', undefined]);
    expect(s.metrics[2].quantile).toBe(0.95);
    expect(s.metrics[0]).toMatchObject({ type: 'Pods', targetType: 'AverageValue', target: 4000, rateWindowSeconds: 60 });
    expect(s.metrics[3]).toMatchObject({ type: 'Resource', targetType: 'Utilization', target: 80 });
  });

  test('carries load time, probes, requests and the burst behavior', () => {
    const s = llmService();
    expect(s).toMatchObject({ modelLoadSeconds: 240, modelLoadSource: 'service', gpusPerPod: 1, cpuRequestMilli: 3000, minReplicas: 1, maxReplicas: 8, behaviorName: 'burst' });
    expect(s.startupProbe).toEqual({ initialDelaySeconds: 0, periodSeconds: 10, failureThreshold: 36 });
    expect(s.behavior!.scaleDown.stabilizationWindowSeconds).toBe(600);
  });
});

describe('service from manifests', () => {
  const [svc] = servicesFromYaml(`${HPA_YAML}---\n${DEPLOYMENT_YAML}`, 'chat.yaml');

  test('reads the HPA: bounds, metric signals by catalogue name, windows, quantiles, targets in milli-units', () => {
    expect(svc).toMatchObject({ name: 'chat', namespace: 'ml', minReplicas: 2, maxReplicas: 6 });
    expect(svc.metrics.map((m) => [m.name, m.signal, m.target, m.rateWindowSeconds, m.series, m.quantile])).toEqual([
      ['ai_inference_requests_per_second_30s', 'requestsPerSecond', 2500, 30, 'ai_inference_requests_total', undefined],
      ['ai_inference_latency_seconds_p99', 'latency', 3000, 60, 'ai_inference_latency_seconds', 0.99],
      ['cpu', 'cpuUtilization', 70, 60, undefined, undefined],
    ]);
    expect(svc.skippedMetrics).toEqual([{ name: 'something_else', reason: 'the simulator cannot tell what Pods metric "something_else" measures' }]);
  });

  test('applies API defaults to a partial behavior: the scaleDown window stays unset for the controller flag', () => {
    expect(svc.behavior).toEqual(hpa.applyBehaviorDefaults({ scaleUp: { policies: [{ type: 'Pods', value: 2, periodSeconds: 30 }] } }));
    expect(svc.behavior!.scaleDown.stabilizationWindowSeconds).toBeNull();
    expect(svc.behaviorName).toBe('manifest');
  });

  test('reads the Deployment: GPUs, requests, load time annotation, startup probe, shutdown', () => {
    expect(svc).toMatchObject({ gpusPerPod: 2, cpuRequestMilli: 1500, memoryRequestBytes: 8 * 2 ** 30, modelLoadSeconds: 90, modelLoadSource: 'annotation', preStopSleepSeconds: 5, terminationGracePeriodSeconds: 40 });
    expect(svc.startupProbe).toEqual({ initialDelaySeconds: 0, periodSeconds: 5, failureThreshold: 40 });
  });

  test('without the annotation the load time is the startup probe budget / 1.5', () => {
    const deployment = servicesFromYaml(`${HPA_YAML}---\n${DEPLOYMENT_YAML.replace(/annotations: .*\n/, 'annotations: {}\n')}`, 'x.yaml')[0];
    expect(deployment).toMatchObject({ modelLoadSeconds: 133, modelLoadSource: 'startupProbe' });
  });

  test('no behavior in the manifest is the legacy path', () => {
    const legacy = servicesFromYaml(`${HPA_YAML.replace(/ {2}behavior:[\s\S]*$/, '')}---\n${DEPLOYMENT_YAML}`, 'x.yaml')[0];
    expect(legacy.behavior).toBeNull();
    expect(legacy.behaviorName).toBe('legacy');
  });

  test('recognises an inferscale preset by its rules', () => {
    const burst = ScalingBehavior.burst().resolve(90);
    const hpaObject = {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'chat' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'chat' }, maxReplicas: 4, behavior: burst },
    };
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'chat' }, spec: { template: { metadata: { annotations: { 'inferscale.io/model-load-seconds': '90' } }, spec: { containers: [{ name: 's' }] } } } };
    expect(serviceFromManifests(hpaObject, deployment).behaviorName).toBe('burst');
  });

  test('a manifest without an HPA is an error that lists what it holds', () => {
    expect(() => servicesFromYaml(DEPLOYMENT_YAML, 'dep.yaml')).toThrow(new ManifestError('dep.yaml: no HorizontalPodAutoscaler or ScaledObject found (found Deployment/chat); expected an autoscaling/v2 HPA (or a KEDA ScaledObject) and the Deployment it scales'));
  });

  test('a manifest without Kubernetes objects says so, not "undefined/?"', () => {
    expect(() => servicesFromYaml('# nothing here\n', 'empty.yaml')).toThrow(new ManifestError('empty.yaml: no Kubernetes objects found; expected an autoscaling/v2 HPA (or a KEDA ScaledObject) and the Deployment it scales'));
  });

  test('values without a kind and objects without a name are described as such', () => {
    expect(() => servicesFromYaml('foo: bar\n---\nkind: Deployment\n', 'odd.yaml')).toThrow(new ManifestError('odd.yaml: no HorizontalPodAutoscaler or ScaledObject found (found Deployment without a name, a YAML value without a kind); expected an autoscaling/v2 HPA (or a KEDA ScaledObject) and the Deployment it scales'));
  });

  test('an autoscaling/v1 HPA is an error', () => {
    expect(() => servicesFromYaml(HPA_YAML.replace('autoscaling/v2', 'autoscaling/v1'), 'v1.yaml')).toThrow('v1.yaml: HorizontalPodAutoscaler/chat is autoscaling/v1; the simulator reads autoscaling/v2 (metrics and behavior)');
  });

  test('an HPA whose Deployment is missing is an error', () => {
    expect(() => servicesFromManifests([{ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'a' }, spec: { maxReplicas: 2, scaleTargetRef: { kind: 'Deployment', name: 'b' } } }], 'm.yaml'))
      .toThrow('m.yaml: HorizontalPodAutoscaler/a scales Deployment/b, which is not in the manifest; include the Deployment');
  });

  test('invalid YAML names the line', () => {
    expect(() => servicesFromYaml('kind: [\n', 'bad.yaml')).toThrow(/^bad\.yaml line \d+: invalid YAML/);
  });
});

describe('metric names of vLLM series in a manifest', () => {
  test('map back to the series they were derived from, gauges included', () => {
    const metric = (name: string) => ({ type: 'Pods', pods: { metric: { name }, target: { type: 'AverageValue', averageValue: '1' } } });
    const hpaObject = {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'v' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'v' }, maxReplicas: 4, metrics: ['vllm_num_requests_waiting', 'vllm_kv_cache_usage_perc', 'vllm_time_to_first_token_seconds_p95', 'vllm_generation_tokens_per_second'].map(metric) },
    };
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'v' }, spec: { template: { spec: { containers: [{ name: 's' }] } } } };
    expect(serviceFromManifests(hpaObject, deployment).metrics.map((m) => m.series)).toEqual([
      'vllm:num_requests_waiting', 'vllm:kv_cache_usage_perc', 'vllm:time_to_first_token_seconds', 'vllm:generation_tokens_total',
    ]);
  });
});

describe('behavior presets', () => {
  const s = llmService();
  test('steady and queue are resolved for the service\'s load time; default is the API default; legacy is null', () => {
    expect(withBehaviorPreset(s, 'steady').behavior!.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(withBehaviorPreset(s, 'queue').behavior!.scaleDown.stabilizationWindowSeconds).toBe(480);
    expect(withBehaviorPreset(s, 'default').behavior).toEqual(hpa.applyBehaviorDefaults({}));
    expect(withBehaviorPreset(s, 'legacy').behavior).toBeNull();
    expect(withBehaviorPreset(s, 'configured')).toBe(s);
  });
});
