import { checkPlatformWiring, gpuNodePool, GpuNodePoolProps, InferenceServiceProps, PlatformWiring, resolveInferenceService, ResolvedInferenceService, ScalingMetric } from '../../lib/core';

const A10G: GpuNodePoolProps = { name: 'a10g', instanceType: 'g5.xlarge', minNodes: 0, maxNodes: 4 };
const DCGM = ['DCGM_FI_DEV_GPU_UTIL', 'DCGM_FI_DEV_FB_USED'];

function svc(props: Partial<InferenceServiceProps> = {}): ResolvedInferenceService {
  const { service, problems } = resolveInferenceService({ image: 'vllm/vllm-openai:v0.11.0', gpu: { count: 1 }, maxReplicas: 4, ...props }, 'llm');
  if (!service) throw new Error(JSON.stringify(problems));
  return service;
}

/** The requests of the platform's own GPU node DaemonSets, as it passes them. */
const GPU_DAEMONS = [{ name: 'nvidia-device-plugin', requests: { cpu: '50m', memory: '64Mi' } }, { name: 'dcgm-exporter', requests: { cpu: '100m', memory: '128Mi' } }];

function wiring(over: Partial<PlatformWiring> = {}): PlatformWiring {
  return { services: { llm: svc() }, pools: [gpuNodePool(A10G)], devicePlugin: true, dcgmSeries: DCGM, checkGpuCapacity: true, gpuNodeDaemons: GPU_DAEMONS, ...over };
}

describe('checkPlatformWiring', () => {
  test('a GPU service on a pool it selects, with room for maxReplicas, is sound', () => {
    expect(checkPlatformWiring(wiring())).toEqual([]);
  });

  test('a GPU metric without the DCGM exporter names the metric and the missing exporter', () => {
    expect(checkPlatformWiring(wiring({ dcgmSeries: undefined }))).toEqual([{
      path: 'services.llm.metrics[0] (gpuUtilization)',
      message: 'needs the DCGM exporter, but the platform has none (dcgmExporter is false). Keep the DCGM exporter or remove the metric',
    }]);
  });

  test('a GPU metric reading a field the exporter does not export', () => {
    const services = { llm: svc({ metrics: [ScalingMetric.gpuUtilization({ targetPercent: 70, source: 'engineActive' })] }) };
    const [p] = checkPlatformWiring(wiring({ services }));
    expect(p.path).toBe('services.llm.metrics[0] (gpuUtilization)');
    expect(p.message).toMatch(/^reads DCGM_FI_PROF_GR_ENGINE_ACTIVE, which the DCGM exporter does not export \(it exports DCGM_FI_DEV_GPU_UTIL, DCGM_FI_DEV_FB_USED\)/);
  });

  test('a GPU service on a platform without pools', () => {
    expect(checkPlatformWiring(wiring({ pools: [] }))).toEqual([{
      path: 'services.llm.gpu',
      message: 'asks for 1 nvidia.com/gpu per replica, but the platform has no gpuNodePools. Describe the GPU nodes in gpuNodePools so scheduling and capacity can be checked',
    }]);
  });

  test('a GPU product no pool has', () => {
    const services = { llm: svc({ gpu: { count: 1, product: 'NVIDIA-H100-80GB-HBM3' } }) };
    const [p] = checkPlatformWiring(wiring({ services }));
    expect(p.path).toBe('services.llm.gpu');
    expect(p.message).toBe('selects nodes labelled nvidia.com/gpu.present=true, nvidia.com/gpu.product=NVIDIA-H100-80GB-HBM3, but no GPU node pool has those labels (pools: a10g (NVIDIA-A10G)). Fix gpu.product or gpu.nodeSelector, or add a matching pool');
  });

  test('a time-sliced resource on a pool without time-slicing', () => {
    const services = { llm: svc({ gpu: { count: 1, resourceName: 'nvidia.com/gpu.shared' } }) };
    const [p] = checkPlatformWiring(wiring({ services }));
    expect(p.path).toBe('services.llm.gpu.resourceName');
    expect(p.message).toMatch(/^is "nvidia.com\/gpu.shared", but the GPU node pools it selects advertise another resource: a10g advertises nvidia.com\/gpu \(no time-slicing\)/);
  });

  test('time-sliced services fit a time-sliced pool when CPU and memory fit too', () => {
    const pools = [gpuNodePool({ ...A10G, timeSlicing: { replicas: 4 } })];
    const services = { llm: svc({ gpu: { count: 1, resourceName: 'nvidia.com/gpu.shared' }, maxReplicas: 16, resources: { cpu: { request: '900m' }, memory: { request: '3Gi' } } }) };
    expect(checkPlatformWiring(wiring({ pools, services }))).toEqual([]);
  });

  test('4 shares per g6.xlarge with the default 3 CPU / 12Gi per replica: CPU binds first, one replica per node', () => {
    const pools = [gpuNodePool({ ...A10G, name: 'l4', instanceType: 'g6.xlarge', timeSlicing: { replicas: 4 } })];
    const services = { llm: svc({ gpu: { count: 1, resourceName: 'nvidia.com/gpu.shared' }, maxReplicas: 16 }) };
    expect(checkPlatformWiring(wiring({ pools, services }))).toEqual([{
      path: 'services.llm.maxReplicas',
      message: 'is 16, but the matching GPU node pools hold at most 4 replicas (l4: 4 nodes × 1 replica, bound by CPU: 3645m of CPU (4 vCPUs − 80m kubelet reservation − 275m DaemonSets: aws-node, kube-proxy, nvidia-device-plugin, dcgm-exporter) per node, 3 per replica); the rest would stay Pending. Raise maxNodes, lower maxReplicas or what a replica requests, or set checkGpuCapacity: false when another autoscaler owns node capacity',
    }]);
  });

  test('memory binds when it is the scarcer resource', () => {
    const pools = [gpuNodePool({ ...A10G, timeSlicing: { replicas: 4 } })];
    const services = { llm: svc({ gpu: { count: 1, resourceName: 'nvidia.com/gpu.shared' }, maxReplicas: 16, resources: { cpu: { request: '500m' }, memory: { request: '6Gi' } } }) };
    const [p] = checkPlatformWiring(wiring({ pools, services }));
    expect(p.message).toBe('is 16, but the matching GPU node pools hold at most 8 replicas (a10g: 4 nodes × 2 replicas, bound by memory: 13.64 GiB of memory (16 GiB − 7.5 % system − 993Mi kubelet reservation and eviction threshold − 192Mi DaemonSets) per node, 6Gi per replica); the rest would stay Pending. Raise maxNodes, lower maxReplicas or what a replica requests, or set checkGpuCapacity: false when another autoscaler owns node capacity');
  });

  test('a replica that fits no single node: CPU short on one pool, memory on the other', () => {
    const pools2 = [gpuNodePool({ ...A10G, name: 'many-cpus', instanceType: 'g5.12xlarge' }), gpuNodePool({ ...A10G, name: 'much-memory', instanceType: 'g6e.8xlarge' })];
    expect(checkPlatformWiring(wiring({ pools: pools2, services: { llm: svc({ resources: { cpu: { request: '40' }, memory: { request: '200Gi' } } }) } }))).toEqual([{
      path: 'services.llm.resources',
      message: 'fit no single node of the matching pools (many-cpus: memory: 169.15 GiB of memory (192 GiB − 7.5 % system − 8462Mi kubelet reservation and eviction threshold − 192Mi DaemonSets) per node, 200Gi per replica; much-memory: CPU: 31575m of CPU (32 vCPUs − 150m kubelet reservation − 275m DaemonSets: aws-node, kube-proxy, nvidia-device-plugin, dcgm-exporter) per node, 40 per replica): the pod would stay Pending. Request less, or use a larger instance type',
    }]);
  });

  test('more GPUs per replica than any node has', () => {
    const services = { llm: svc({ gpu: { count: 2 } }) };
    const [p] = checkPlatformWiring(wiring({ services }));
    expect(p.path).toBe('services.llm.gpu.count');
    expect(p.message).toBe('is 2, but the largest matching node (pool a10g, g5.xlarge) has 1 nvidia.com/gpu; a replica never fits on one node. Use a larger instance type or fewer GPUs per replica');
  });

  test('maxReplicas beyond what the pools can hold', () => {
    const services = { llm: svc({ maxReplicas: 5 }) };
    expect(checkPlatformWiring(wiring({ services }))).toEqual([{
      path: 'services.llm.maxReplicas',
      message: 'is 5, but the matching GPU node pools hold at most 4 replicas (a10g: 4 nodes × 1 replica, bound by GPUs: 1 nvidia.com/gpu per node, 1 per replica); the rest would stay Pending. Raise maxNodes, lower maxReplicas or what a replica requests, or set checkGpuCapacity: false when another autoscaler owns node capacity',
    }]);
  });

  test('a replica asking for more than a node\'s allocatable stays Pending; the GPU defaults fit a 4-vCPU, 16 GiB node', () => {
    const services = { llm: svc({ resources: { cpu: { request: '3700m' }, memory: { request: '14Gi' } } }) };
    expect(checkPlatformWiring(wiring({ services }))).toEqual([
      { path: 'services.llm.resources.cpu.request', message: 'is "3700m", but the largest node it can run on (g5.xlarge, pool a10g) offers pods 3645m of CPU (4 vCPUs − 80m kubelet reservation − 275m DaemonSets: aws-node, kube-proxy, nvidia-device-plugin, dcgm-exporter): the pod would stay Pending. Request at most "3645m", or use a larger instance type' },
      { path: 'services.llm.resources.memory.request', message: 'is "14Gi", but the largest node it can run on (g5.xlarge, pool a10g) offers pods 13.64 GiB of memory (16 GiB − 7.5 % system − 993Mi kubelet reservation and eviction threshold − 192Mi DaemonSets): the pod would stay Pending. Request at most "13970Mi", or use a larger instance type' },
    ]);
    expect(checkPlatformWiring(wiring({ services: { llm: svc() } }))).toEqual([]);
  });

  test('capacity counts whole replicas per node: 3-GPU replicas on 4-GPU nodes fit once per node', () => {
    const pools = [gpuNodePool({ name: 'big', instanceType: 'g5.12xlarge', maxNodes: 2 })];
    expect(checkPlatformWiring(wiring({ pools, services: { llm: svc({ gpu: { count: 3 }, maxReplicas: 2 }) } }))).toEqual([]);
    expect(checkPlatformWiring(wiring({ pools, services: { llm: svc({ gpu: { count: 3 }, maxReplicas: 3 }) } })).map((p) => p.path)).toEqual(['services.llm.maxReplicas']);
  });

  test('capacity adds up over every matching pool', () => {
    const pools = [gpuNodePool(A10G), gpuNodePool({ ...A10G, name: 'a10g-spot', capacityType: 'SPOT' })];
    expect(checkPlatformWiring(wiring({ pools, services: { llm: svc({ maxReplicas: 8 }) } }))).toEqual([]);
  });

  test('checkGpuCapacity false leaves capacity to another autoscaler', () => {
    expect(checkPlatformWiring(wiring({ services: { llm: svc({ maxReplicas: 50 }) }, checkGpuCapacity: false }))).toEqual([]);
  });

  test('without the device plugin, a pool whose AMI lacks it cannot serve GPUs', () => {
    const [p] = checkPlatformWiring(wiring({ devicePlugin: false }));
    expect(p.path).toBe('services.llm.gpu');
    expect(p.message).toBe('needs nvidia.com/gpu from pool a10g, whose AMI (AL2023_x86_64_NVIDIA) does not ship the NVIDIA device plugin, but devicePlugin is false. Deploy the device plugin or use a Bottlerocket NVIDIA AMI');
  });

  test('Bottlerocket NVIDIA AMIs ship the plugin, so none is needed', () => {
    const pools = [gpuNodePool({ ...A10G, ami: 'BOTTLEROCKET_x86_64_NVIDIA' })];
    expect(checkPlatformWiring(wiring({ pools, devicePlugin: false }))).toEqual([]);
  });

  test('a service whose pods Prometheus does not discover', () => {
    const services = { llm: svc({ namespace: 'serving', metrics: [ScalingMetric.requestsPerSecond({ targetPerPod: 4 }), ScalingMetric.gpuUtilization({ targetPercent: 70 })] }) };
    expect(checkPlatformWiring(wiring({ services, discoveryNamespaces: ['inference'] }))).toEqual([{
      path: 'services.llm.namespace',
      message: 'is "serving", where Prometheus does not discover pods (prometheus.discoveryNamespaces: "inference"), so requestsPerSecond would show <unknown> in the HPA forever. Add the namespace to prometheus.discoveryNamespaces, or move the service',
    }]);
    expect(checkPlatformWiring(wiring({ services, discoveryNamespaces: ['inference', 'serving'] }))).toEqual([]);
  });

  test('GPU metrics come from the DCGM exporter, so they need no discovery of the service namespace', () => {
    const services = { llm: svc({ namespace: 'serving', metrics: [ScalingMetric.gpuUtilization({ targetPercent: 70 })] }) };
    expect(checkPlatformWiring(wiring({ services, discoveryNamespaces: ['inference'] }))).toEqual([]);
  });

  test('service keys that are not identifiers are quoted in paths', () => {
    const [p] = checkPlatformWiring(wiring({ services: { 'llm.v2': svc({ maxReplicas: 5 }) } }));
    expect(p.path).toBe('services["llm.v2"].maxReplicas');
  });

  test('CPU-only services need no pool, plugin or exporter', () => {
    const { service } = resolveInferenceService({ image: 'ghcr.io/acme/embed:1', maxReplicas: 3 }, 'embed');
    expect(checkPlatformWiring({ services: { embed: service! }, pools: [], devicePlugin: false, checkGpuCapacity: true })).toEqual([]);
  });
});
