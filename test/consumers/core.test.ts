/**
 * A project that installs only the packed package (no cdk8s, no Pulumi): the `hpa` controller
 * model and the simulator work from `inferscale`, the published declarations type-check in
 * full (skipLibCheck off, no Node types) under both module resolutions (`exports` and
 * `typesVersions`), and the
 * `inferscale` command simulates, tunes on worker threads and explains what it cannot do
 * without cdk8s.
 */
import * as path from 'node:path';
import {
  consumerProject,
  ConsumerProject,
  consumerTsconfig,
  example,
  expectSuccess,
  installedPackages,
  npmWarnings,
  packedTarball,
  ROOT,
  run,
  runNode,
  typeCheck,
} from './support';

/** Imports every name a core user reaches for, so the declarations behind them are checked. */
const TYPES_ONLY = `import { hpa, simulator, resolveInferenceService, ScalingMetric, ScalingBehavior, InferscaleValidationError } from 'inferscale';
import type { InferenceServiceProps, MetricDefinition } from 'inferscale';

export const props: InferenceServiceProps = { image: 'example/server:1', maxReplicas: 3, metrics: [ScalingMetric.queueDepth({ targetPerPod: 2 })], behavior: ScalingBehavior.queue() };
export const definition: MetricDefinition | undefined = props.metrics?.[0]?.definition;
export const service = resolveInferenceService(props, 'worker').service;
export const sync: typeof hpa.sync = hpa.sync;
export const trace: simulator.Trace = simulator.syntheticTrace('step');
export const isError = (e: unknown): boolean => e instanceof InferscaleValidationError;
`;

/** A no-emit project of `types.ts` alone: no @types/node, lib checking on. */
function declarationsOnly(moduleResolution: 'node16' | 'node10'): string {
  const base = JSON.parse(consumerTsconfig({ moduleResolution, skipLibCheck: false })) as { compilerOptions: Record<string, unknown> };
  return JSON.stringify({ compilerOptions: { ...base.compilerOptions, types: [], lib: ['ES2022'], noEmit: true }, files: ['types.ts'] }, null, 2);
}

let project: ConsumerProject;
beforeAll(() => {
  project = consumerProject(packedTarball(), {
    name: 'core',
    packages: ['@types/node'],
    files: {
      'burst.ts': example('simulate/burst.ts'),
      'load-time.ts': example('simulate/load-time.ts'),
      'types.ts': TYPES_ONLY,
      'tsconfig.json': consumerTsconfig(),
      // The package's own declarations, checked in full (skipLibCheck off) and without Node's types.
      'tsconfig.declarations.json': declarationsOnly('node16'),
      'tsconfig.node10.json': declarationsOnly('node10'),
    },
  });
}, 120_000);
afterAll(() => project?.remove());

describe('a core-only consumer', () => {
  test('installs offline without warnings, with no framework', () => {
    expect(npmWarnings(project.install)).toEqual([]);
    expect(installedPackages(project.dir)).toEqual(['@types/node', 'inferscale', 'uplot', 'yaml']);
    expectSuccess(run('npm', ['ls'], { cwd: project.dir }));
  });

  test('the examples type-check; the declarations need no Node types and pass full checking through exports and typesVersions', () => {
    expectSuccess(typeCheck(project.dir));
    expectSuccess(typeCheck(project.dir, 'tsconfig.declarations.json'));
    expectSuccess(typeCheck(project.dir, 'tsconfig.node10.json'));
  });

  test('the simulator example runs: one HPA sync, then a spike under two behaviors', () => {
    const r = expectSuccess(runNode(project.dir, 'out/burst.js'));
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('one sync: 3 pods averaging 7 requests/s against a target of 4 → 6 replicas');
    expect(lines[1]).toMatch(/^burst : peak \d+ replicas, capacity after \d+ s/);
    expect(lines[2]).toMatch(/^steady: peak \d+ replicas, capacity after \d+ s/);
  });

  test('the inferscale command simulates and tunes on worker threads without cdk8s, and explain says what it needs', () => {
    const bin = path.join('node_modules', '.bin', 'inferscale');
    const manifest = path.join(ROOT, 'test', 'cli', 'fixtures', 'llm.yaml');
    const sim = run(bin, ['simulate', '--manifest', manifest, '--trace', 'spike', '--duration', '900'], { cwd: project.dir });
    expect(sim.stderr).toBe('');
    expect(sim.status).toBe(0);
    expect(sim.stdout).toContain('service llm (namespace inference)');
    // The real traces ship in the package: a named trace works with nothing beside it.
    const real = run(bin, ['simulate', '--manifest', manifest, '--trace', 'code', '--duration', '600'], { cwd: project.dir });
    expect(real.stderr).toBe('');
    expect(real.status).toBe(0);
    expect(real.stdout).toContain('trace code');
    // tune's worker threads load the compiled worker the package ships.
    const tune = run(bin, ['tune', '--manifest', manifest, '--trace', 'step:peak=10,at=120,for=600,duration=1200', '--slo', 'ttft-p95=2s,failed=1%', '--workers', '2', '--json'], { cwd: project.dir });
    expect(tune.stderr).toBe('');
    expect(tune.status).toBe(0);
    expect(JSON.parse(tune.stdout).evaluations).toBeGreaterThan(20);
    const explain = run(bin, ['explain', '--app', 'burst.ts'], { cwd: project.dir });
    expect(explain.status).toBe(1);
    expect(explain.stderr).toBe('inferscale explain: explain builds a cdk8s app: install cdk8s, cdk8s-plus-27 and constructs beside inferscale\n');
  });
});
