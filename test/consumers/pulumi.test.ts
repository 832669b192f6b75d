/**
 * A Pulumi project that installs the packed package next to its own Pulumi packages:
 * `examples/pulumi/index.ts` type-checks against the published declarations and runs under
 * Pulumi's mocks in a plain Node process, registering the platform, the extra service and
 * their typed Kubernetes children, and no AWS resource.
 *
 * The Kubernetes parts render through cdk8s in memory, so cdk8s, cdk8s-plus-27 and constructs
 * are installed too (the program never imports them). `inferscale/pulumi` also loads
 * `@pulumi/aws` for its EKS components; until those move to an entry point of their own, this
 * project installs `@pulumi/aws` as well, and the test says so when it is still needed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  consumerProject,
  ConsumerProject,
  consumerTsconfig,
  example,
  expectSuccess,
  npmWarnings,
  packedTarball,
  run,
  runNode,
  typeCheck,
} from './support';

/** Installs Pulumi's mocks, loads the program, waits until it stops registering, prints what it registered. */
const MOCKED_RUN = `import * as pulumi from '@pulumi/pulumi';

interface Registered { type: string; name: string; parent?: string; provider?: string; inputs: Record<string, unknown> }
const registered: Registered[] = [];
pulumi.runtime.setMocks({
  newResource: (args) => {
    registered.push({ type: args.type, name: args.name, inputs: args.inputs, ...(args.provider ? { provider: args.provider } : {}) });
    return { id: \`\${args.name}-id\`, state: args.inputs };
  },
  call: (args) => args.inputs,
}, 'consumer', 'dev', false);

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}

async function main(): Promise<void> {
  // Loaded only now, after the mocks (a static import would run the program first).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program: typeof import('./index.js') = require('./index.js');
  let last = -1;
  for (let stable = 0; stable < 5;) {
    await new Promise((r) => setTimeout(r, 20));
    stable = registered.length === last ? stable + 1 : 0;
    last = registered.length;
  }
  const outputs = { prometheusUrl: await valueOf(program.prometheusUrl), services: await valueOf(program.services) };
  const loaded = Object.keys(require.cache).filter((k) => k.includes(\`\${'node_modules'}/@pulumi/aws/\`)).length;
  console.log(JSON.stringify({ registered, outputs, awsModulesLoaded: loaded }));
}

main().catch((e) => { console.error(e); process.exit(1); });
`;

interface Registered { type: string; name: string; provider?: string; inputs: Record<string, any> }
interface MockedRun { registered: Registered[]; outputs: { prometheusUrl: string; services: string[] }; awsModulesLoaded: number }

let project: ConsumerProject;
let awsSplit: boolean;
beforeAll(() => {
  const tarball = packedTarball();
  // Whether the package has an entry point of its own for the AWS components.
  const manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], { cwd: path.dirname(tarball) }).stdout) as { exports: Record<string, unknown> };
  awsSplit = manifest.exports['./pulumi/aws'] !== undefined;
  project = consumerProject(tarball, {
    name: 'pulumi',
    packages: ['@pulumi/pulumi', '@pulumi/kubernetes', ...(awsSplit ? [] : ['@pulumi/aws']), 'cdk8s', 'cdk8s-plus-27', 'constructs', '@types/node'],
    files: { 'index.ts': example('pulumi/index.ts'), 'mocked.ts': MOCKED_RUN, 'tsconfig.json': consumerTsconfig() },
  });
}, 120_000);
afterAll(() => project?.remove());

describe('a Pulumi consumer', () => {
  test('installs offline without warnings', () => {
    expect(npmWarnings(project.install)).toEqual([]);
    expectSuccess(run('npm', ['ls'], { cwd: project.dir }));
    if (!awsSplit) console.warn('inferscale/pulumi still loads @pulumi/aws: the Kubernetes-only consumer installs it too');
  });

  test('type-checks the example and runs it under mocks: the platform, the service and their typed children', () => {
    expectSuccess(typeCheck(project.dir));
    expect(fs.existsSync(path.join(project.dir, 'out', 'mocked.js'))).toBe(true);
    const r = expectSuccess(runNode(project.dir, 'out/mocked.js'));
    const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as MockedRun;
    const names = result.registered.map((x) => `${x.type} ${x.name}`);
    expect(names).toEqual(expect.arrayContaining([
      'inferscale:inference:InferencePlatform inference',
      'inferscale:inference:AIInferenceService reranker',
      'kubernetes:apps/v1:Deployment reranker-deployment',
      'kubernetes:autoscaling/v2:HorizontalPodAutoscaler reranker-horizontalpodautoscaler',
    ]));
    const hpas = result.registered.filter((x) => x.type === 'kubernetes:autoscaling/v2:HorizontalPodAutoscaler').map((x) => x.inputs.metadata.name);
    expect(hpas.sort()).toEqual(['llm', 'reranker']);
    expect(result.registered.filter((x) => x.type === 'kubernetes:apiregistration.k8s.io/v1:APIService').map((x) => x.inputs.metadata.name).sort()).toEqual(['v1beta1.custom.metrics.k8s.io', 'v1beta1.metrics.k8s.io']);
    expect(result.registered.filter((x) => x.type.startsWith('aws:'))).toEqual([]);
    expect(result.outputs).toEqual({ prometheusUrl: 'http://prometheus.monitoring.svc:9090', services: ['llm', 'reranker'] });
    if (awsSplit) expect(result.awsModulesLoaded).toBe(0);
  });
});
