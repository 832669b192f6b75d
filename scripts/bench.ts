/**
 * Benchmarks: prints a table of medians. Run with `npm run bench`.
 * Options: --runs N (default 7), --only NAME (substring of a benchmark name), --batch N (one-day
 * simulations in the simulator's batch benchmark, default 100).
 */
import { App, Chart, YamlOutputType } from 'cdk8s';
import { parseArgs } from 'node:util';
import { AIInferencePlatform, AIInferenceService, ScalingMetric } from '../lib/cdk8s';
import { InferenceServiceProps } from '../lib/core';
import { benchPulumiProgram } from './bench-pulumi';
import { benchSimulator, DEFAULT_BATCH } from './bench-simulator';
import { benchTune } from './bench-tune';

interface Row { readonly name: string; readonly median: number; readonly min: number; readonly max: number; readonly extra?: string }

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, only: { type: 'string' }, batch: { type: 'string', default: String(DEFAULT_BATCH) } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number, 1 or more; got ${values.runs}`);

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function measure(name: string, fn: () => void, extra?: (median: number) => string): Row | undefined {
  if (values.only && !name.includes(values.only)) return undefined;
  fn(); // warm-up: module loading and JIT are not what we measure
  const samples = Array.from({ length: runs }, () => time(fn)).sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  return { name, median, min: samples[0], max: samples[samples.length - 1], extra: extra?.(median) };
}

/** Service `i` of a benchmark fleet: alternating GPU LLMs and CPU services. */
function benchService(i: number): InferenceServiceProps {
  const gpu = i % 2 === 0;
  return {
    namespace: `team-${i % 10}`,
    image: gpu ? 'vllm/vllm-openai:v0.11.0' : 'ghcr.io/acme/embed:1.0',
    ...(gpu ? { gpu: { count: 1 + (i % 4) } } : {}),
    maxReplicas: 4 + (i % 8),
    metrics: gpu
      ? [ScalingMetric.requestsPerSecond({ targetPerPod: 4 }), ScalingMetric.gpuUtilization({ targetPercent: 75 }), ScalingMetric.latency({ targetSeconds: 2 }), ScalingMetric.cpuUtilization(80)]
      : [ScalingMetric.cpuUtilization(70), ScalingMetric.requestsPerSecond({ targetPerPod: 50 })],
  };
}

/** An app with `n` services synthesized to YAML in memory. */
function synthServices(n: number): void {
  const app = new App({ outdir: '/nonexistent', yamlOutputType: YamlOutputType.FILE_PER_CHART });
  const chart = new Chart(app, 'bench', { disableResourceNameHashes: true });
  for (let i = 0; i < n; i++) new AIInferenceService(chart, `svc-${i}`, benchService(i));
  app.synthYaml();
}

/** The whole platform with `n` services (device plugin, DCGM, Prometheus, adapter) synthesized to YAML in memory. */
function synthPlatform(n: number): void {
  const app = new App({ outdir: '/nonexistent', yamlOutputType: YamlOutputType.FILE_PER_CHART });
  const services: Record<string, InferenceServiceProps> = {};
  for (let i = 0; i < n; i++) services[`svc-${i}`] = benchService(i);
  new AIInferencePlatform(app, 'platform', {
    gpuNodePools: [{ name: 'a10g-x4', instanceType: 'g5.12xlarge', maxNodes: 100 }],
    services,
  });
  app.synthYaml();
}

const rows: Row[] = [];
const perService = new Map<number, number>();
for (const n of [1, 10, 100, 500]) {
  const row = measure(`synth ${n} service${n === 1 ? '' : 's'}`, () => synthServices(n), (median) => {
    perService.set(n, median / n);
    return `${(median / n).toFixed(2)} ms/service`;
  });
  if (row) rows.push(row);
}

const platform = measure('platform, 50 services', () => synthPlatform(50), (median) => `target < 3000 ms: ${median < 3000 ? 'met' : 'MISSED'}`);
if (platform) rows.push(platform);


const pad = (s: string, n: number): string => s.padEnd(n);
const num = (x: number): string => x.toFixed(1).padStart(10);

void (async () => {
  if (!values.only || values.only.startsWith('sim')) {
    for (const r of await benchSimulator(runs, Number(values.batch))) if (!values.only || r.name.includes(values.only)) rows.push(r);
  }
  if (!values.only || values.only.startsWith('tune')) rows.push(...(await benchTune()));
  for (const r of await benchPulumiProgram(runs)) if (!values.only || r.name.includes(values.only)) rows.push(r);
  const width = Math.max(24, ...rows.map((r) => r.name.length + 2));
  console.log(`runs per benchmark: ${runs} (after one warm-up); times in ms\n`);
  console.log(`${pad('benchmark', width)}${'median'.padStart(10)}${'min'.padStart(10)}${'max'.padStart(10)}  notes`);
  for (const r of rows) console.log(`${pad(r.name, width)}${num(r.median)}${num(r.min)}${num(r.max)}  ${r.extra ?? ''}`);
  if (perService.has(100) && perService.has(500)) {
    console.log(`\nper-service cost, 500 vs 100 services: ${(perService.get(500)! / perService.get(100)!).toFixed(2)}x (1.00 = linear)`);
  }
})();
