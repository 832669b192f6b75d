/**
 * A cdk8s project that installs the packed package next to cdk8s, cdk8s-plus-27 and
 * constructs only (no Pulumi): `examples/cdk8s/main.ts` type-checks against the published
 * declarations, synthesizes (platform first: the tools chart depends on it), and the YAML passes the manifest checks. `inferscale explain`
 * from the installed package reads the same app.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expectValidManifests, loadManifestDir } from '../support/manifests';
import type { K8sObject } from '../support/synth';
import {
  consumerProject,
  ConsumerProject,
  consumerTsconfig,
  example,
  expectSuccess,
  installedPackages,
  npmWarnings,
  packedTarball,
  run,
  childEnv,
  runNode,
  typeCheck,
} from './support';

/** The same names from an ES module: Node finds the named exports of the CommonJS build. */
const ESM_IMPORTS = `import { App } from 'cdk8s';
import { AIInferencePlatform, ScalingMetric } from 'inferscale/cdk8s';
import { hpa, simulator, ScalingBehavior } from 'inferscale';
const app = new App({ outdir: 'esm-out' });
new AIInferencePlatform(app, 'esm', { services: { api: { image: 'example/api:1', maxReplicas: 2, metrics: [ScalingMetric.cpuUtilization(60)], behavior: ScalingBehavior.steady() } } });
console.log([typeof hpa.sync, typeof simulator.simulate, app.charts.length].join(' '));
`;

let project: ConsumerProject;
beforeAll(() => {
  project = consumerProject(packedTarball(), {
    name: 'cdk8s',
    packages: ['cdk8s', 'cdk8s-plus-27', 'constructs', '@types/node'],
    files: { 'main.ts': example('cdk8s/main.ts'), 'tsconfig.json': consumerTsconfig(), 'esm.mjs': ESM_IMPORTS },
  });
}, 120_000);
afterAll(() => project?.remove());

describe('a cdk8s-only consumer', () => {
  test('installs offline without warnings, and without any Pulumi package', () => {
    expect(npmWarnings(project.install)).toEqual([]);
    const installed = installedPackages(project.dir);
    expect(installed).toEqual(expect.arrayContaining(['cdk8s', 'cdk8s-plus-27', 'constructs', 'inferscale']));
    expect(installed.filter((p) => p.startsWith('@pulumi/'))).toEqual([]);
    expectSuccess(run('npm', ['ls'], { cwd: project.dir }));
  });

  test('type-checks the example with the published declarations, synthesizes, and the manifests are valid', () => {
    expectSuccess(typeCheck(project.dir));
    const out = path.join(project.dir, 'yaml');
    const synth = expectSuccess(runNode(project.dir, 'out/main.js', [], { CDK8S_OUTDIR: out }));
    expect(synth.stderr).toBe('');
    expect(fs.readdirSync(out).sort()).toEqual(['0000-platform.yaml', '0001-tools.yaml']);
    const loaded = loadManifestDir(out);
    expectValidManifests(loaded);
    const objects = loaded as K8sObject[];
    const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(hpas.sort()).toEqual(['models/chat', 'models/embedder']);
    const adapterConfig = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-adapter-config');
    expect(adapterConfig?.data['config.yaml']).toContain('as: vllm_num_requests_waiting');
  });

  test('an ES module imports the same names', () => {
    const r = expectSuccess(runNode(project.dir, 'esm.mjs'));
    expect(r.stdout.trim()).toBe('function function 1');
  });

  test('the installed inferscale command explains the compiled app', () => {
    const bin = path.join('node_modules', '.bin', 'inferscale');
    const r = run(bin, ['explain', '--app', 'out/main.js', '--service', 'chat'], { cwd: project.dir, env: childEnv() });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('service models/chat (AIInferencePlatform "platform", service chat)');
    expect(r.stdout).toContain('    kubectl -n metrics port-forward svc/prometheus 9090:9090');
    expect(r.stdout).toContain('PromQL for the HPA\'s pods: sum(vllm:num_requests_waiting{namespace="models",pod=~"<pods>"}) by (pod)');
    // Explaining never synthesizes: the app's own synth() call wrote nothing.
    expect(fs.existsSync(path.join(project.dir, 'dist'))).toBe(false);
  });
});
