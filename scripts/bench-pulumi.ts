/**
 * Benchmark of the whole Pulumi program (stacks/pulumi) under Pulumi's mocks, with the config of
 * Pulumi.dev.yaml: parsing and checking the config, rendering the platform, and registering
 * every resource (about 120: VPC, EKS, KMS key, log group, add-ons, launch templates, node
 * groups, IAM, the cluster autoscaler, the EBS CSI driver, the platform's Kubernetes objects;
 * plus the provider lookups: region, add-on versions, live node groups). The mocks answer at once, so this is the program's
 * own cost, not AWS's. Target: under 10 s.
 *
 * Called by `scripts/bench.ts` (`npm run bench`); also runnable alone:
 * `npx tsx scripts/bench-pulumi.ts [runs]`.
 */
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { awsCall, awsComputedOutputs, installMocks, loadStackConfigFile, setStackConfig, settle } from '../test/support/pulumi-mocks';

/** One benchmark result, in milliseconds. */
export interface PulumiBenchRow {
  readonly name: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly extra?: string;
}

/** Target for one run of the whole program under mocks, in milliseconds. */
export const PULUMI_PROGRAM_TARGET_MS = 10_000;

const STACK_FILE = join(__dirname, '..', 'Pulumi.dev.yaml');

function row(name: string, samples: number[], extra?: string): PulumiBenchRow {
  const sorted = [...samples].sort((a, b) => a - b);
  return { name, median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1], ...(extra ? { extra } : {}) };
}

/**
 * Runs the program once under fresh mocks; returns the milliseconds from the call to the last
 * resource registered (the idle wait that proves nothing else comes is not counted) and the
 * number of resources.
 */
async function runOnce(run: () => void): Promise<{ ms: number; resources: number }> {
  let last = 0;
  const registered = installMocks({
    stack: 'dev',
    preview: false,
    computed: (args) => {
      last = performance.now();
      return awsComputedOutputs(args);
    },
    call: awsCall,
  });
  const start = performance.now();
  run();
  await settle(registered, 2, 5);
  return { ms: last - start, resources: registered.length };
}

/**
 * Measures the program under mocks: one cold run (loading the modules included), `runs` warm
 * runs of the whole program, and `runs` runs of the plan alone (config parsing, resolving, the
 * in-memory render of the platform; no Pulumi resources).
 */
export async function benchPulumiProgram(runs: number): Promise<PulumiBenchRow[]> {
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a whole number, 1 or more; got ${runs}`);
  const config = loadStackConfigFile(STACK_FILE);
  setStackConfig(config);

  const coldStart = performance.now();
  const { program } = await import('../stacks/pulumi/program');
  const { planStack } = await import('../stacks/pulumi/plan');
  const loaded = performance.now() - coldStart;
  const cold = await runOnce(() => program(new pulumi.Config('inferscale')));

  const warm: number[] = [];
  let resources = cold.resources;
  for (let i = 0; i < runs; i++) {
    const r = await runOnce(() => program(new pulumi.Config('inferscale')));
    warm.push(r.ms);
    resources = r.resources;
  }

  const values = {
    environment: config['inferscale:environment'],
    services: config['inferscale:services'],
    platform: config['inferscale:platform'],
    storage: config['inferscale:storage'],
  };
  const plans: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const { problems } = planStack(values);
    plans.push(performance.now() - start);
    if (problems.length) throw new Error(`Pulumi.dev.yaml has problems: ${JSON.stringify(problems)}`);
  }

  const coldTotal = loaded + cold.ms;
  const warmRow = row('pulumi program (mocks)', warm, `${resources} resources; target < ${PULUMI_PROGRAM_TARGET_MS} ms: ${Math.max(coldTotal, ...warm) < PULUMI_PROGRAM_TARGET_MS ? 'met' : 'MISSED'}`);
  return [
    { name: 'pulumi program, cold', median: coldTotal, min: coldTotal, max: coldTotal, extra: `${loaded.toFixed(0)} ms loading modules + ${cold.ms.toFixed(0)} ms first run` },
    warmRow,
    row('pulumi stack plan only', plans, 'parse, resolve, render the platform; no resources'),
  ];
}

if (require.main === module) {
  const runs = Number(process.argv[2] ?? 7);
  benchPulumiProgram(runs).then((rows) => {
    const pad = (s: string, n: number): string => s.padEnd(n);
    const num = (x: number): string => x.toFixed(1).padStart(10);
    console.log(`runs: ${runs}; times in ms\n`);
    console.log(`${pad('benchmark', 28)}${'median'.padStart(10)}${'min'.padStart(10)}${'max'.padStart(10)}  notes`);
    for (const r of rows) console.log(`${pad(r.name, 28)}${num(r.median)}${num(r.min)}${num(r.max)}  ${r.extra ?? ''}`);
  }).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
