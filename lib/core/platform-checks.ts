import { replicasThatFit, ResolvedGpuNodePool } from './gpu-node-pool';
import { ResolvedInferenceService } from './inference-service';
import { Problem, show } from './problems';
import { parseQuantity } from './quantity';

/**
 * Who serves the resource metrics API (`metrics.k8s.io`) that HPA Resource and
 * ContainerResource metrics read: `metricsServer`, the one inferscale deploys; `cluster`, the
 * cluster's own (GKE, AKS, the EKS metrics-server add-on); `none`, nobody.
 */
export type ResourceMetricsProvider = 'metricsServer' | 'cluster' | 'none';

/** The platform pieces the wiring checks look at. */
export interface PlatformWiring {
  /** Services by the key they were given under (`services.<key>` in paths). */
  readonly services: Readonly<Record<string, ResolvedInferenceService>>;
  /** GPU node pools. */
  readonly pools: readonly ResolvedGpuNodePool[];
  /** Whether inferscale deploys the NVIDIA device plugin. */
  readonly devicePlugin: boolean;
  /** The DCGM exporter's exported series names, or undefined when there is none. */
  readonly dcgmSeries?: readonly string[];
  /** Check that maxReplicas × GPUs per replica fits the pools. */
  readonly checkGpuCapacity: boolean;
  /** Who serves `metrics.k8s.io`. @default "metricsServer" */
  readonly resourceMetrics?: ResourceMetricsProvider;
}

/**
 * Checks the wiring between services and the platform, naming both sides:
 * Resource metrics (CPU, memory) need a provider of `metrics.k8s.io`, since one metric the HPA
 * cannot read blocks every scale-down; GPU metrics need the DCGM exporter exporting their
 * series; GPU services need a node pool whose labels they select (they always tolerate its `nvidia.com/gpu` taint), which advertises the resource they
 * request (time-sliced or not) and whose nodes hold one replica's GPUs; the pool needs a
 * device plugin (deployed or shipped with its AMI); a replica's CPU and memory must fit below
 * the largest such node; and maxReplicas × GPUs per replica must fit the matching pools unless
 * capacity is owned elsewhere.
 */
export function checkPlatformWiring(w: PlatformWiring): Problem[] {
  const problems: Problem[] = [];
  for (const [key, svc] of Object.entries(w.services)) {
    const at = `services.${key}`;
    svc.metrics.forEach((m, i) => {
      const mp = `${at}.metrics[${i}] (${m.kind})`;
      if (m.requires.includes('resourceMetricsApi') && w.resourceMetrics === 'none') {
        problems.push({ path: mp, message: 'is a Resource metric read from the resource metrics API (metrics.k8s.io), but the platform has no provider of it (metricsServer is false and resourceMetricsProvider is "none"): the HPA could never read this metric, and one metric it cannot read blocks every scale-down. Remove metricsServer: false to deploy metrics-server, set resourceMetricsProvider: "cluster" if the cluster serves metrics.k8s.io (GKE, AKS, the EKS metrics-server add-on), or remove the metric' });
      }
      if (!m.requires.includes('dcgmExporter')) return;
      if (!w.dcgmSeries) {
        problems.push({ path: mp, message: 'needs the DCGM exporter, but the platform has none (dcgmExporter is false). Keep the DCGM exporter or remove the metric' });
        return;
      }
      for (const s of m.series.filter((x) => x.source === 'dcgm')) {
        if (!w.dcgmSeries.includes(s.name)) {
          problems.push({ path: mp, message: `reads ${s.name}, which the DCGM exporter does not export (it exports ${w.dcgmSeries.join(', ')}). Add the field to dcgmExporter.metrics` });
        }
      }
    });
    if (svc.gpu) problems.push(...checkGpuService(at, svc, w));
  }
  return problems;
}

function checkGpuService(at: string, svc: ResolvedInferenceService, w: PlatformWiring): Problem[] {
  const gpu = svc.gpu!;
  if (w.pools.length === 0) {
    return [{ path: `${at}.gpu`, message: `asks for ${gpu.count} ${gpu.resourceName} per replica, but the platform has no gpuNodePools. Describe the GPU nodes in gpuNodePools so scheduling and capacity can be checked` }];
  }
  const selected = w.pools.filter((p) => Object.entries(gpu.nodeSelector).every(([k, v]) => p.labels[k] === v));
  if (selected.length === 0) {
    const wanted = Object.entries(gpu.nodeSelector).map(([k, v]) => `${k}=${v}`).join(', ');
    const have = w.pools.map((p) => `${p.name} (${p.gpuProduct})`).join(', ');
    return [{ path: `${at}.gpu`, message: `selects nodes labelled ${wanted}, but no GPU node pool has those labels (pools: ${have}). Fix gpu.product or gpu.nodeSelector, or add a matching pool` }];
  }
  const sameResource = selected.filter((p) => p.resourceName === gpu.resourceName);
  if (sameResource.length === 0) {
    const offers = selected.map((p) => `${p.name} advertises ${p.resourceName}${p.timeSlicing ? ` (time-sliced ×${p.timeSlicing.replicas})` : ' (no time-slicing)'}`).join('; ');
    return [{ path: `${at}.gpu.resourceName`, message: `is ${JSON.stringify(gpu.resourceName)}, but the GPU node pools it selects advertise another resource: ${offers}. Use the pool's resource name or change the pool's time-slicing` }];
  }
  const fitting = sameResource.filter((p) => p.allocatablePerNode >= gpu.count);
  if (fitting.length === 0) {
    const biggest = sameResource.reduce((a, b) => (b.allocatablePerNode > a.allocatablePerNode ? b : a));
    return [{ path: `${at}.gpu.count`, message: `is ${gpu.count}, but the largest matching node (pool ${biggest.name}, ${biggest.instanceType.name}) has ${biggest.allocatablePerNode} ${gpu.resourceName}; a replica never fits on one node. Use a larger instance type or fewer GPUs per replica` }];
  }
  const problems: Problem[] = [];
  if (!w.devicePlugin) {
    const bare = fitting.filter((p) => !p.devicePluginPreinstalled);
    if (bare.length === fitting.length) {
      problems.push({ path: `${at}.gpu`, message: `needs ${gpu.resourceName} from pool ${bare.map((p) => p.name).join(', ')}, whose AMI (${bare[0].ami}) does not ship the NVIDIA device plugin, but devicePlugin is false. Deploy the device plugin or use a Bottlerocket NVIDIA AMI` });
    }
  }
  problems.push(...checkReplicaFitsNode(at, svc, fitting));
  if (w.checkGpuCapacity) {
    const fits = fitting.reduce((n, p) => n + replicasThatFit(p, gpu.count), 0);
    if (svc.maxReplicas > fits) {
      const detail = fitting.map((p) => `${p.name}: ${p.maxNodes} nodes × ${Math.floor(p.allocatablePerNode / gpu.count)} replicas`).join(', ');
      problems.push({
        path: `${at}.maxReplicas`,
        message: `is ${svc.maxReplicas} (× ${gpu.count} ${gpu.resourceName} = ${svc.maxReplicas * gpu.count}), but the matching GPU node pools hold at most ${fits} replicas (${detail}); the rest would stay Pending. Raise maxNodes, lower maxReplicas, or set checkGpuCapacity: false when another autoscaler owns node capacity`,
      });
    }
  }
  return problems;
}

/**
 * A replica's CPU and memory requests must be below the largest node it can run on: the
 * kubelet and the node's daemons reserve part of a node, so a request of a whole node stays
 * Pending forever.
 */
function checkReplicaFitsNode(at: string, svc: ResolvedInferenceService, pools: readonly ResolvedGpuNodePool[]): Problem[] {
  const problems: Problem[] = [];
  const checks = [
    { resource: 'cpu', capacity: (p: ResolvedGpuNodePool) => p.instanceType.vcpus, unit: (n: number) => `${n} vCPUs`, suggest: (n: number) => `"${Math.max(1, n - 1)}"` },
    { resource: 'memory', capacity: (p: ResolvedGpuNodePool) => p.instanceType.memoryGiB * 2 ** 30, unit: (n: number) => `${n / 2 ** 30} GiB of memory`, suggest: (n: number) => `"${Math.floor((n / 2 ** 30) * 0.75)}Gi"` },
  ] as const;
  for (const c of checks) {
    const request = svc.resources.requests[c.resource];
    const value = parseQuantity(request);
    const node = pools.reduce((a, b) => (c.capacity(b) > c.capacity(a) ? b : a));
    const capacity = c.capacity(node);
    if (value === undefined || value < capacity) continue;
    problems.push({
      path: `${at}.resources.${c.resource}.request`,
      message: `is ${show(request)}, but the largest node it can run on (${node.instanceType.name}, pool ${node.name}) has ${c.unit(capacity)}, and the kubelet and the node's daemons reserve part of that: the pod would stay Pending. Request less, such as ${c.suggest(capacity)}, or use a larger instance type`,
    });
  }
  return problems;
}
