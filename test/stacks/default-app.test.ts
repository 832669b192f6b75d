import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_NAMESPACE } from '../../stacks/cdk8s/default-app';
import { synthDefaultApp } from '../../stacks/cdk8s/synth';
import { expectValidManifests, loadManifestDir } from '../support/manifests';
import { find } from '../support/synth';
import { parseQuantity } from '../support/quantity';
import { defaultGpuNodePools, defaultLlmTargets } from '../../stacks/default-services';
import { gpuNodePool } from '../../lib/core/gpu-node-pool';

function quantityNumber(value: unknown): number {
  const q = parseQuantity(value);
  if (!q) throw new Error(`not a quantity: ${String(value)}`);
  return Number(q.num) / Number(q.den);
}

const CHARTS_OUT = join(__dirname, '..', '..', 'charts-out');

function synthTo(): { dir: string; files: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'inferscale-synth-'));
  synthDefaultApp(dir);
  return { dir, files: readTree(dir) };
}

/** Every file under `dir` by relative path. */
function readTree(dir: string, prefix = ''): Record<string, string> {
  const files: Record<string, string> = {};
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(files, readTree(dir, rel));
    else files[rel] = readFileSync(join(dir, rel), 'utf8');
  }
  return files;
}

describe('default environment', () => {
  let first: { dir: string; files: Record<string, string> };
  beforeAll(() => { first = synthTo(); });
  afterAll(() => rmSync(first.dir, { recursive: true, force: true }));

  test('committed charts-out/ is exactly what a fresh synth produces (run `npm run synth` and commit)', () => {
    expect(readTree(CHARTS_OUT)).toEqual(first.files);
    expect(Object.keys(first.files)).toEqual(['dashboards/platform.json', 'platform.yaml']);
  });

  test('synthesizing twice gives byte-identical files', () => {
    const second = synthTo();
    try {
      expect(second.files).toEqual(first.files);
    } finally {
      rmSync(second.dir, { recursive: true, force: true });
    }
  });

  test('`npx cdk8s synth` (cdk8s.yaml, the pinned cdk8s-cli) writes the same files as `npm run synth`', () => {
    const out = mkdtempSync(join(tmpdir(), 'inferscale-cdk8s-cli-'));
    try {
      const r = spawnSync('npx', ['--no-install', 'cdk8s', 'synth', '--output', out], {
        cwd: join(__dirname, '..', '..'),
        encoding: 'utf8',
        env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(readTree(out)).toEqual(first.files);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);

  test('everything in charts-out/ passes the manifest checks', () => {
    expectValidManifests(loadManifestDir(CHARTS_OUT));
  });

  test('an LLM on GPUs scaling on vLLM\'s saturation signals with the targets derived from its profile and SLO; a CPU-only embedding service', () => {
    const objects = loadManifestDir(CHARTS_OUT) as Record<string, any>[];
    const llm = find(objects, 'HorizontalPodAutoscaler', 'llm');
    expect(llm.metadata.namespace).toBe(DEFAULT_NAMESPACE);
    const targets = defaultLlmTargets();
    expect(llm.spec.metrics.map((m: any) => [m.pods.metric.name, quantityNumber(m.pods.target.averageValue)])).toEqual([
      ['vllm_num_requests_waiting', targets.waitingPerPod],
      ['vllm_kv_cache_usage_perc', targets.kvCacheUsage],
      ['vllm_time_to_first_token_seconds_p95', targets.ttftP95Seconds],
    ]);
    // Neither GPU utilization nor CPU: both mislead on an LLM server.
    expect(llm.spec.metrics.some((m: any) => m.type === 'Resource' || /gpu_util/.test(m.pods?.metric.name ?? ''))).toBe(false);
    expect(find(objects, 'Deployment', 'llm').spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe('1');
    const embedPod = find(objects, 'Deployment', 'embeddings').spec.template.spec;
    expect(Object.keys(embedPod.containers[0].resources.limits)).toEqual(['memory']);
    expect(find(objects, 'Namespace', DEFAULT_NAMESPACE).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('serves metrics.k8s.io, which the embedding service\'s CPU metric reads: metrics-server with its APIService', () => {
    const objects = loadManifestDir(CHARTS_OUT) as Record<string, any>[];
    expect(find(objects, 'APIService', 'v1beta1.metrics.k8s.io').spec.service).toEqual({ name: 'metrics-server', namespace: 'kube-system', port: 443 });
    expect(find(objects, 'Deployment', 'metrics-server').spec.replicas).toBe(2);
    expect(find(objects, 'HorizontalPodAutoscaler', 'embeddings').spec.metrics.some((m: any) => m.type === 'Resource' && m.resource.name === 'cpu')).toBe(true);
  });

  test('each GPU pool scales up from zero: a pod of every GPU Deployment fits the node the cluster autoscaler builds from the pool\'s tags', () => {
    // With no node to look at, the AWS cluster autoscaler builds one from the instance type (CPU,
    // memory, GPUs, 110 pods) and the group's node-template tags (resources, labels, taints); a
    // pod that does not fit it never triggers a scale-up (cloudprovider/aws/aws_manager.go,
    // buildNodeFromTemplate).
    const objects = loadManifestDir(CHARTS_OUT) as Record<string, any>[];
    const TEMPLATE = 'k8s.io/cluster-autoscaler/node-template/';
    const gpuDeployments = objects.filter((o) => o.kind === 'Deployment' && o.spec.template.spec.tolerations?.some((t: any) => t.key === 'nvidia.com/gpu'));
    expect(gpuDeployments.map((d) => d.metadata.name)).toEqual(['llm']);
    for (const props of defaultGpuNodePools()) {
      const pool = gpuNodePool(props);
      const tagged = (kind: string): [string, string][] => Object.entries(pool.autoscalerTags).filter(([k]) => k.startsWith(TEMPLATE + kind)).map(([k, v]) => [k.slice(TEMPLATE.length + kind.length), v]);
      const capacity: Record<string, number> = { cpu: pool.instanceType.vcpus, memory: pool.instanceType.memoryGiB * 2 ** 30, pods: 110 };
      for (const [name, amount] of tagged('resources/')) capacity[name] = quantityNumber(amount);
      const labels = Object.fromEntries(tagged('label/'));
      const taints = tagged('taint/').map(([key, v]) => ({ key, value: v.split(':')[0], effect: v.split(':')[1] }));
      for (const d of gpuDeployments) {
        const spec = d.spec.template.spec;
        const requests: Record<string, number> = {};
        for (const c of spec.containers) for (const [name, q] of Object.entries(c.resources?.requests ?? {})) requests[name] = (requests[name] ?? 0) + quantityNumber(q);
        for (const c of spec.initContainers ?? []) for (const [name, q] of Object.entries(c.resources?.requests ?? {})) requests[name] = Math.max(requests[name] ?? 0, quantityNumber(q));
        expect(requests['ephemeral-storage']).toBeGreaterThan(0);
        for (const [name, amount] of Object.entries(requests)) {
          expect([d.metadata.name, name, (capacity[name] ?? 0) >= amount]).toEqual([d.metadata.name, name, true]);
        }
        for (const term of spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms) {
          for (const e of term.matchExpressions) expect([e.key, e.values.includes(labels[e.key])]).toEqual([e.key, true]);
        }
        for (const taint of taints) {
          expect(spec.tolerations.some((t: any) => t.key === taint.key && t.effect === taint.effect && (t.operator === 'Exists' || t.value === taint.value))).toBe(true);
        }
      }
    }
  });
});
