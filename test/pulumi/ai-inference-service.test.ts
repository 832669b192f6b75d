import { installMocks, valueOf } from '../support/pulumi-mocks';

const registered = installMocks();

// Imported after the mocks are installed.
let lib: typeof import('../../lib/pulumi');
beforeAll(async () => {
  lib = await import('../../lib/pulumi');
});

/** Lets the mocked engine finish registering resources. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

function props(): import('../../lib/pulumi').AIInferenceServiceArgs {
  return {
    namespace: 'serving',
    image: 'vllm/vllm-openai:v0.11.0',
    gpu: { count: 1 },
    maxReplicas: 4,
    metrics: [lib.ScalingMetric.requestsPerSecond({ targetPerPod: 3 }), lib.ScalingMetric.gpuUtilization({ targetPercent: 70 })],
  };
}

describe('Pulumi AIInferenceService', () => {
  beforeEach(() => { registered.length = 0; });

  test('registers each object as a typed Kubernetes child of the component', async () => {
    const svc = new lib.AIInferenceService('llm', props());
    await settle();
    expect(registered.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'inferscale:inference:AIInferenceService llm',
      'kubernetes:apps/v1:Deployment llm-deployment',
      'kubernetes:autoscaling/v2:HorizontalPodAutoscaler llm-horizontalpodautoscaler',
      'kubernetes:core/v1:Service llm-service',
      'kubernetes:core/v1:ServiceAccount llm-serviceaccount',
      'kubernetes:policy/v1:PodDisruptionBudget llm-poddisruptionbudget',
    ]);
    expect(await valueOf(svc.serviceName)).toBe('llm');
  });

  test('with autoscaler keda, registers a ScaledObject instead of the HPA', async () => {
    new lib.AIInferenceService('llm', { ...props(), autoscaler: 'keda', keda: { prometheusUrl: 'http://prometheus.monitoring.svc:9090' } });
    await settle();
    expect(registered.map((r) => `${r.type} ${r.name}`).filter((t) => /Autoscaler|ScaledObject/.test(t))).toEqual(['kubernetes:keda.sh/v1alpha1:ScaledObject llm-scaledobject']);
  });

  test('what Pulumi adds to the cdk8s objects: each is a child of the component, on the provider passed in', async () => {
    const k8s = await import('@pulumi/kubernetes');
    const provider = new k8s.Provider('cluster', { kubeconfig: '{}' });
    new lib.AIInferenceService('llm', props(), { provider });
    await settle();
    const component = registered.find((r) => r.type === 'inferscale:inference:AIInferenceService')!;
    const children = registered.filter((r) => r.type.startsWith('kubernetes:'));
    expect(children).toHaveLength(5);
    for (const child of children) {
      expect(child.parent).toBe(component.urn);
      expect(child.provider).toBe('urn:pulumi:test::inferscale::pulumi:providers:kubernetes::cluster::cluster-id');
    }
  });

  test('two components never collide: child names derive from the component name', async () => {
    new lib.AIInferenceService('a', { ...props(), name: 'llm', namespace: 'one' });
    new lib.AIInferenceService('b', { ...props(), name: 'llm', namespace: 'two' });
    await settle();
    const children = registered.filter((r) => r.type.startsWith('kubernetes:')).map((r) => `${r.type} ${r.name}`);
    expect(new Set(children).size).toBe(children.length);
    expect(children).toHaveLength(10);
  });

  test('bad args throw every problem before any resource is registered', async () => {
    expect(() => new lib.AIInferenceService('llm', { ...props(), gpu: { count: 0 }, maxReplicas: 0 }))
      .toThrow(/AIInferenceService "llm": gpu\.count is 0[^\n]*\nAIInferenceService "llm": maxReplicas is 0/);
    await settle();
    expect(registered).toEqual([]);
  });
});
