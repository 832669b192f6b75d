/**
 * inferscale in a cdk8s project: the whole GPU inference platform with one LLM, plus a
 * CPU-only service composed next to it, written as plain YAML for kubectl, Argo CD or Flux.
 *
 *   npm install inferscale cdk8s cdk8s-plus-27 constructs
 *   npx tsx main.ts                  # writes dist/0000-platform.yaml, dist/0001-tools.yaml
 *   npx inferscale explain --app main.ts
 */
import { App, Chart, YamlOutputType } from 'cdk8s';
import { AIInferencePlatform, AIInferenceService, ModelCache, PrometheusSource, PrometheusStorage, ScalingBehavior, ScalingMetric } from 'inferscale/cdk8s';

const app = new App({ outdir: process.env.CDK8S_OUTDIR ?? 'dist', outputFileExtension: '.yaml', yamlOutputType: YamlOutputType.FILE_PER_CHART });

// One chart with everything custom-metric autoscaling needs on a GPU cluster: namespaces, the
// NVIDIA device plugin, the DCGM exporter, Prometheus, the Prometheus Adapter (its rules are
// generated from the services' metrics) and the services. The wiring is checked before output.
const platform = new AIInferencePlatform(app, 'platform', {
  namespaces: { inference: 'models', monitoring: 'metrics' },
  // L4 nodes (one GPU each) that scale from zero; maxNodes must hold every replica's GPUs.
  gpuNodePools: [{ name: 'l4', instanceType: 'g6.xlarge', minNodes: 0, maxNodes: 6 }],
  // An encrypted gp3 StorageClass (needs the EBS CSI driver on the cluster).
  ebsStorageClass: { name: 'gp3' },
  // Scrape every 10 s and keep a week on a 20Gi gp3 volume: the 1 min rate windows then hold six scrapes.
  prometheus: PrometheusSource.embedded({
    scrapeIntervalSeconds: 10,
    retentionTime: '7d',
    storage: PrometheusStorage.persistent({ storageClassName: 'gp3', size: '20Gi' }),
  }),
  services: {
    chat: {
      image: 'vllm/vllm-openai:v0.11.0',
      args: ['--model', 'meta-llama/Llama-3.1-8B-Instruct', '--port', '8000'],
      // Sizes the startup probe and the scale-down window (at least the load time).
      model: { name: 'meta-llama/Llama-3.1-8B-Instruct', loadTimeSeconds: 300 },
      // Weights on the node's disk, once per pod: 8B × 2 bytes × 1.5 is sized by default; say it.
      modelCache: ModelCache.emptyDir({ sizeLimit: '24Gi' }),
      gpu: { count: 1 },
      minReplicas: 1,
      maxReplicas: 6,
      // vLLM's own series names; the HPA follows whichever metric asks for the most replicas.
      metrics: [
        ScalingMetric.requestsPerSecond({ targetPerPod: 3, counter: 'vllm:request_success_total' }),
        ScalingMetric.queueDepth({ targetPerPod: 4, gauge: 'vllm:num_requests_waiting' }),
        ScalingMetric.gpuUtilization({ targetPercent: 80 }),
      ],
      behavior: ScalingBehavior.burst(),
    },
  },
});

// A service of your own chart in the same namespace: CPU only, so it scales on CPU through
// metrics-server and needs nothing from the adapter.
const tools = new Chart(app, 'tools', { namespace: platform.namespaceNames.inference });
new AIInferenceService(tools, 'embedder', {
  image: 'ghcr.io/huggingface/text-embeddings-inference:cpu-1.8',
  args: ['--model-id', 'BAAI/bge-small-en-v1.5', '--port', '8000'],
  model: { name: 'BAAI/bge-small-en-v1.5', loadTimeSeconds: 60 },
  resources: { cpu: { request: '2' }, memory: { request: '4Gi' } },
  minReplicas: 2,
  maxReplicas: 8,
  metrics: [ScalingMetric.cpuUtilization(70)],
  behavior: ScalingBehavior.steady(),
});
tools.addDependency(platform);

app.synth();
