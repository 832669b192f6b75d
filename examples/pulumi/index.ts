/**
 * inferscale in a Pulumi program for a cluster you already have (any Kubernetes, no AWS
 * resources): the GPU inference platform and one more service, each object registered as a
 * typed @pulumi/kubernetes resource under an inferscale component.
 *
 *   npm install inferscale @pulumi/pulumi @pulumi/kubernetes cdk8s cdk8s-plus-27 constructs
 *   pulumi config set kubeconfig ~/.kube/config   # optional: the ambient kubeconfig otherwise
 *   pulumi up
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { AIInferenceService, InferencePlatform, ScalingBehavior, ScalingMetric } from 'inferscale/pulumi';

const config = new pulumi.Config();
const kubeconfig = config.get('kubeconfig');
// Every inferscale component passes its provider to its children.
const opts = kubeconfig ? { provider: new k8s.Provider('cluster', { kubeconfig }) } : {};

// Props are the same as the cdk8s constructs'; problems are thrown before anything registers.
const platform = new InferencePlatform('inference', {
  gpuNodePools: [{ name: 'a10g', instanceType: 'g5.xlarge', minNodes: 1, maxNodes: 4 }],
  services: {
    llm: {
      image: 'vllm/vllm-openai:v0.11.0',
      args: ['--model', 'Qwen/Qwen2.5-7B-Instruct', '--port', '8000'],
      model: { name: 'Qwen/Qwen2.5-7B-Instruct', loadTimeSeconds: 240 },
      gpu: { count: 1 },
      maxReplicas: 4,
      metrics: [
        ScalingMetric.requestsPerSecond({ targetPerPod: 4, counter: 'vllm:request_success_total' }),
        ScalingMetric.latency({ quantile: 0.95, targetSeconds: 4, histogram: 'vllm:e2e_request_latency_seconds' }),
      ],
    },
  },
}, opts);

// A CPU-only service as its own component, in the namespace the platform created.
const reranker = new AIInferenceService('reranker', {
  namespace: 'inference',
  image: 'ghcr.io/huggingface/text-embeddings-inference:cpu-1.8',
  args: ['--model-id', 'BAAI/bge-reranker-base', '--port', '8000'],
  model: { name: 'BAAI/bge-reranker-base', loadTimeSeconds: 90 },
  maxReplicas: 6,
  metrics: [ScalingMetric.cpuUtilization(70)],
  behavior: ScalingBehavior.steady(),
}, { ...opts, dependsOn: [platform] });

/** The Prometheus the adapter reads, and the services that scale. */
export const prometheusUrl = platform.prometheusUrl;
export const services = pulumi.all([platform.serviceNames, reranker.serviceName]).apply(([names, extra]) => [...names, extra]);
