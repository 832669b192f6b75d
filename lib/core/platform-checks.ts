import { ResolvedGpuNodePool } from './gpu-node-pool';
import { ResolvedInferenceService } from './inference-service';
import { BindingResource, EKS_NODE_DAEMONS, GpuNodeDaemon, NodeBudget, nodeBudget, replicasPerNode } from './platform/node-capacity';
import { Problem, show } from './problems';
import { parseQuantity, toQuantity } from './quantity';
import { childPath } from './service-config';

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
  /** Check that maxReplicas replicas fit the pools at maxNodes (GPUs, CPU, memory and pods per node). */
  readonly checkGpuCapacity: boolean;
  /** Who serves `metrics.k8s.io`. @default "metricsServer" */
  readonly resourceMetrics?: ResourceMetricsProvider;
  /**
   * inferscale's DaemonSets on GPU nodes (device plugin, DCGM exporter), whose requests come off
   * every node's budget next to the EKS add-ons' ({@link EKS_NODE_DAEMONS}).
   * @default - none
   */
  readonly gpuNodeDaemons?: readonly GpuNodeDaemon[];
  /**
   * Namespaces Prometheus discovers pods in; a service elsewhere is never scraped.
   * @default - every namespace
   */
  readonly discoveryNamespaces?: readonly string[];
}

/**
 * Checks the wiring between services and the platform, naming both sides:
 * Resource metrics (CPU, memory) need a provider of `metrics.k8s.io`, since one metric the HPA
 * cannot read blocks every scale-down; metrics scraped from the service's pods need Prometheus
 * to discover its namespace; GPU metrics need the DCGM exporter exporting their series; GPU
 * services need a node pool whose labels they select (they always tolerate its `nvidia.com/gpu` taint), which advertises the resource they
 * request (time-sliced or not) and whose nodes hold one replica's GPUs; the pool needs a
 * device plugin (deployed or shipped with its AMI); a replica's GPUs, CPU and memory must fit
 * one node's allocatable after the kubelet's reservation and the DaemonSets (see
 * {@link nodeBudget}); and maxReplicas must fit the matching pools at maxNodes, counting
 * whichever of GPUs, CPU, memory and pods binds first, unless capacity is owned elsewhere.
 */
export function checkPlatformWiring(w: PlatformWiring): Problem[] {
  const problems: Problem[] = [];
  for (const [key, svc] of Object.entries(w.services)) {
    const at = childPath('services', key);
    problems.push(...checkDiscovered(at, svc, w.discoveryNamespaces));
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
  const daemons = [...EKS_NODE_DAEMONS, ...(w.gpuNodeDaemons ?? [])];
  const need = {
    gpus: gpu.count,
    cpuCores: parseQuantity(svc.resources.requests.cpu ?? '0') ?? 0,
    memoryBytes: parseQuantity(svc.resources.requests.memory ?? '0') ?? 0,
  };
  const placed = fitting.map((pool) => {
    const budget = nodeBudget(pool, daemons);
    return { pool, budget, ...replicasPerNode(budget, need) };
  });
  if (placed.every((x) => x.count === 0)) {
    problems.push(...noNodeFits(at, svc, placed));
    return problems;
  }
  if (w.checkGpuCapacity) {
    const fits = placed.reduce((n, x) => n + x.count * x.pool.maxNodes, 0);
    if (svc.maxReplicas > fits) {
      const detail = placed.map((x) => `${x.pool.name}: ${x.pool.maxNodes} nodes × ${x.count} ${x.count === 1 ? 'replica' : 'replicas'}, bound by ${bindingDetail(x.binding, x.budget, svc, x.pool)}`).join('; ');
      problems.push({
        path: `${at}.maxReplicas`,
        message: `is ${svc.maxReplicas}, but the matching GPU node pools hold at most ${fits} replicas (${detail}); the rest would stay Pending. Raise maxNodes, lower maxReplicas or what a replica requests, or set checkGpuCapacity: false when another autoscaler owns node capacity`,
      });
    }
  }
  return problems;
}

/** A service whose own pods are scraped must live where Prometheus discovers pods. */
function checkDiscovered(at: string, svc: ResolvedInferenceService, namespaces: readonly string[] | undefined): Problem[] {
  if (!namespaces || namespaces.length === 0) return [];
  const scraped = svc.metrics.filter((m) => m.series.some((s) => s.source === 'app'));
  if (scraped.length === 0 || (svc.namespace !== undefined && namespaces.includes(svc.namespace))) return [];
  return [{
    path: `${at}.namespace`,
    message: `is ${show(svc.namespace ?? '')}, where Prometheus does not discover pods (prometheus.discoveryNamespaces: ${namespaces.map((n) => show(n)).join(', ')}), so ${scraped.map((m) => m.kind).join(', ')} would show <unknown> in the HPA forever. Add the namespace to prometheus.discoveryNamespaces, or move the service`,
  }];
}

function bindingDetail(binding: BindingResource, budget: NodeBudget, svc: ResolvedInferenceService, pool: ResolvedGpuNodePool): string {
  const gpu = svc.gpu!;
  switch (binding) {
    case 'gpu': return `GPUs: ${budget.gpus} ${gpu.resourceName} per node, ${gpu.count} per replica`;
    case 'cpu': return `CPU: ${budget.explain.cpu} per node, ${svc.resources.requests.cpu} per replica`;
    case 'memory': return `memory: ${budget.explain.memory} per node, ${svc.resources.requests.memory} per replica`;
    case 'pods': return `pods: ${pool.instanceType.maxPods} max pods per ${pool.instanceType.name} node, ${pool.instanceType.maxPods - budget.pods} taken by DaemonSets`;
  }
}

/**
 * No node of any matching pool holds one replica: name the request that does not fit, with the
 * largest allocatable there is for it.
 */
function noNodeFits(at: string, svc: ResolvedInferenceService, placed: readonly { pool: ResolvedGpuNodePool; budget: NodeBudget; binding: BindingResource }[]): Problem[] {
  const problems: Problem[] = [];
  const checks = [
    { resource: 'cpu', have: (b: NodeBudget) => b.cpuMillicores / 1000, explain: (b: NodeBudget) => b.explain.cpu, largest: (v: number) => toQuantity(Math.floor(v * 1000) / 1000) ?? '0' },
    { resource: 'memory', have: (b: NodeBudget) => b.memoryBytes, explain: (b: NodeBudget) => b.explain.memory, largest: (v: number) => `${Math.floor(v / 2 ** 20)}Mi` },
  ] as const;
  for (const c of checks) {
    const request = svc.resources.requests[c.resource];
    const value = parseQuantity(request ?? '0') ?? 0;
    const best = placed.reduce((a, b) => (c.have(b.budget) > c.have(a.budget) ? b : a));
    if (value <= c.have(best.budget)) continue;
    problems.push({
      path: `${at}.resources.${c.resource}.request`,
      message: `is ${show(request)}, but the largest node it can run on (${best.pool.instanceType.name}, pool ${best.pool.name}) offers pods ${c.explain(best.budget)}: the pod would stay Pending. Request at most ${show(c.largest(c.have(best.budget)))}, or use a larger instance type`,
    });
  }
  if (problems.length === 0) {
    const why = placed.map((x) => `${x.pool.name}: ${bindingDetail(x.binding, x.budget, svc, x.pool)}`).join('; ');
    problems.push({ path: `${at}.resources`, message: `fit no single node of the matching pools (${why}): the pod would stay Pending. Request less, or use a larger instance type` });
  }
  return problems;
}
