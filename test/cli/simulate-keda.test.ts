import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Yaml } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { main } from '../../lib/cli/main';
import type { CliIo } from '../../lib/cli/main';
import { ScalingMetric } from '../../lib/core';
import { defaultServices } from '../../stacks/default-services';
import { renderPlatform } from '../support/platform';

const ROOT = join(__dirname, '..', '..');
/** The scale-to-zero example the README runs: the default LLM through KEDA, from zero. */
const EXAMPLE = join(ROOT, 'examples', 'simulate', 'llm-scale-to-zero.yaml');

/** The example's objects as the platform renders them: the LLM's Deployment and ScaledObject. */
function exampleObjects(): Record<string, unknown>[] {
  const llm = defaultServices().llm;
  // The gateway's request rate (ingress-nginx's counter) still has a value with no pods: it wakes the service.
  const gateway = ScalingMetric.objectMetric({
    describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'llm' },
    series: 'nginx_ingress_controller_requests',
    targetAverageValue: 2,
  });
  const { objects } = renderPlatform({
    autoscaler: 'keda',
    gpuNodePools: [{ name: 'a10g', instanceType: 'g5.xlarge', minNodes: 0, maxNodes: 8 }],
    services: { llm: { ...llm, minReplicas: 0, metrics: [gateway, ...(llm.metrics ?? [])] } },
  });
  return objects.filter((o) => (o.kind === 'Deployment' || o.kind === 'ScaledObject') && o.metadata.name === 'llm');
}

function runInProcess(args: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), stderrIsTty: false, cwd: ROOT, env: {} };
  const code = main(args, io) as number;
  return { code, stdout, stderr };
}

if (process.env.WRITE_EXAMPLES) {
  writeFileSync(EXAMPLE, `# The default LLM scaled by KEDA from zero, woken by the gateway's request rate (rendered by\n# test/cli/simulate-keda.test.ts; re-render with WRITE_EXAMPLES=1). See the README's KEDA section.\n${Yaml.stringify(...exampleObjects())}`);
}

describe('inferscale simulate on the KEDA path', () => {
  test('the scale-to-zero example is the LLM\'s Deployment and ScaledObject as the platform renders them', () => {
    const docs = parseAllDocuments(readFileSync(EXAMPLE, 'utf8')).map((d) => d.toJS() as unknown);
    expect(docs).toEqual(JSON.parse(JSON.stringify(exampleObjects())));
  });

  test('--compare adapter,keda puts the two paths side by side and says what KEDA did', () => {
    const r = runInProcess(['simulate', '--manifest', EXAMPLE, '--trace', 'spike:base=0,peak=4,at=1800,for=900,duration=5400,noise=0', '--compare', 'adapter,keda']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0-8 replicas');
    expect(r.stdout).toContain('scaled by KEDA: polling 15 s, scale to zero after 300 s without an active trigger, no fallback');
    const rows = r.stdout.split('\n');
    expect(rows.some((l) => l.startsWith('adapter (1-8)'))).toBe(true);
    expect(rows.some((l) => l.startsWith('keda (0-8)'))).toBe(true);
    const keda = rows.find((l) => l.startsWith('keda (keda (0-8)): '))!;
    expect(keda).toMatch(/^keda \(keda \(0-8\)\): woke from zero 1 time, scaled to zero 1 time, .+ at zero; 1 cold start \(requests with no replica ready\), the longest .+ to a ready replica, [0-9,]+ requests? failed in it; /);
    expect(r.stdout).toContain('note: KEDA scales this service to zero: requests that arrive while no replica is ready fail at once');
  });

  test('--autoscaler keda gives an adapter service the ScaledObject inferscale renders for it (no fallback next to a cpu trigger)', () => {
    const r = runInProcess(['simulate', '--manifest', join(__dirname, 'fixtures', 'llm.yaml'), '--trace', 'step', '--duration', '600', '--autoscaler', 'keda']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(', cpu; scaled by KEDA: polling 15 s, no scale to zero, no fallback\n');
    const adapter = runInProcess(['simulate', '--manifest', join(__dirname, 'fixtures', 'llm.yaml'), '--trace', 'step', '--duration', '600']);
    expect(adapter.stdout).toContain(', cpu; scaled by an HPA reading the Prometheus Adapter\n');
  });

  test('an unknown autoscaler is an error naming the choices', () => {
    expect(runInProcess(['simulate', '--manifest', EXAMPLE, '--autoscaler', 'hpa'])).toEqual({ code: 1, stdout: '', stderr: 'inferscale simulate: --autoscaler is "hpa"; expected adapter or keda\n' });
    expect(runInProcess(['simulate', '--manifest', EXAMPLE, '--compare', 'keda,fast']).stderr).toBe('inferscale simulate: --compare: "fast" is not a behavior preset or an autoscaler; expected configured, burst, steady, queue, default, legacy, adapter, keda\n');
  });
});
