import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lib/cli/main';
import type { CliIo } from '../../lib/cli/main';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'inferscale.js');
const FIXTURES = join('test', 'cli', 'fixtures', 'explain');

interface Run { code: number; stdout: string; stderr: string }

/** Runs the real launcher from source in a child process, with a time limit. */
function spawnCli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      timeout: 30_000,
      env: { ...process.env, INFERSCALE_FROM_SOURCE: '1' },
    }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the CLI in this process with captured output. */
function runInProcess(args: string[]): Run {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), stderrIsTty: false, cwd: ROOT, env: {} };
  const code = main(args, io) as number;
  return { code, stdout, stderr };
}

// The spawned runs start together: each pays for Node and the TypeScript loader.
const spawned: Record<string, Promise<Run>> = {};
beforeAll(() => {
  spawned.defaultApp = spawnCli(['explain']);
  spawned.oneService = spawnCli(['explain', '--service', 'inference/embeddings']);
  spawned.stack = spawnCli(['explain', '--app', join(FIXTURES, 'stack-platform.ts')]);
  spawned.synthOnly = spawnCli(['explain', '--app', join(FIXTURES, 'lone-service.ts')]);
  spawned.invalid = spawnCli(['explain', '--app', join(FIXTURES, 'invalid.ts')]);
  spawned.unknownService = spawnCli(['explain', '--service', 'nope']);
});

describe('inferscale explain (spawned)', () => {
  test('the default environment: both services, every step of every metric, with checks', async () => {
    const r = await spawned.defaultApp;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('app stacks/cdk8s/default-app.ts: 2 services inference/llm, inference/embeddings');
    expect(lines).toContain('service inference/llm (AIInferencePlatform "platform", service llm)');
    expect(lines).toContain('service inference/embeddings (AIInferencePlatform "platform", service embeddings)');
    expect(lines).toContain('  behavior (burst): scales up at once, by at most 100% per 15 s or 4 pods per 15 s (whichever allows more); '
      + 'scales down to the highest proposal of the last 10 min, by at most 1 pod per minute or 10% per minute (whichever allows more)');
    expect(lines).toContain('    kubectl -n monitoring port-forward svc/prometheus 9090:9090');
    expect(lines).toContain('                 PromQL for the HPA\'s pods: sum(vllm:num_requests_waiting{namespace="inference",pod=~"<pods>"}) by (pod)');
    expect(lines).toContain('                 check: kubectl get --raw "/apis/custom.metrics.k8s.io/v1beta1/namespaces/inference/pods/*/vllm_kv_cache_usage_perc?labelSelector=inferscale.io%2Fservice%3Dllm"');
    expect(lines).toContain('    check: kubectl describe hpa embeddings -n inference');
    expect(lines.filter((l) => /^ {2}metrics\[\d\] /.test(l))).toHaveLength(5);
  }, 40_000);

  test('--service picks one service by namespace/name', async () => {
    const r = await spawned.oneService;
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('app stacks/cdk8s/default-app.ts: service inference/embeddings');
    expect(r.stdout).not.toContain('service inference/llm');
    // The platform's metrics-server serves the CPU metric.
    expect(r.stdout).toContain('    metrics API  metrics.k8s.io, served by metrics-server kube-system/metrics-server (APIService v1beta1.metrics.k8s.io), which reads every kubelet each 15 s: cpu use of each pod of the service\n'
      + '                 check: kubectl get apiservice v1beta1.metrics.k8s.io   # AVAILABLE must be True\n'
      + '                 check: kubectl get deployment metrics-server -n kube-system\n'
      + '                 check: kubectl top pods -n inference -l inferscale.io/service=embeddings\n');
  }, 40_000);

  test('--app with a function returning the App: kube-prometheus-stack, External and Object metrics', async () => {
    const r = await spawned.stack;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('    kubectl -n observability port-forward svc/kube-prometheus-stack-prometheus 9090:9090');
    expect(r.stdout).toContain('                 check: kubectl get --raw "/apis/external.metrics.k8s.io/v1beta1/namespaces/serving/kafka_consumergroup_lag?labelSelector=consumergroup%3Dreranker"');
    expect(r.stdout).toContain('                 check: kubectl get --raw "/apis/custom.metrics.k8s.io/v1beta1/namespaces/serving/ingresses.networking.k8s.io/reranker/nginx_ingress_controller_requests_per_second"');
    expect(r.stdout).toContain('                 PromQL: sum(kafka_consumergroup_lag{consumergroup="reranker"}) by ()');
    expect(r.stdout).toMatch(/ServiceMonitor gpu-system\/inferscale-dcgm-exporter \(honorLabels: true\)/);
  }, 40_000);

  test('--app with a file that only calls app.synth(): the app is explained and nothing is written', async () => {
    const r = await spawned.synthOnly;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('service jobs/summarizer (AIInferenceService "batch/summarizer")');
    expect(r.stdout).toContain('    adapter      no PrometheusAdapter in this app: your adapter needs this rule in rules (custom.metrics.k8s.io)');
  }, 40_000);

  test('validation problems are listed one per line, with exit code 1', async () => {
    const r = await spawned.invalid;
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')).toEqual([
      `app ${join(FIXTURES, 'invalid.ts')} does not build: 2 problems`,
      'AIInferencePlatform "broken": services.llm.maxReplicas is 2, below minReplicas (3); expected maxReplicas >= minReplicas',
      'AIInferencePlatform "broken": services.llm.metrics[0] (gpuUtilization).targetPercent is 150; expected a whole percent from 1 to 100',
      '',
    ]);
    expect(r.stderr).toBe(`inferscale explain: ${join(FIXTURES, 'invalid.ts')} has validation problems (listed above)\n`);
  }, 40_000);

  test('a syntax error in the app file names the error and where it is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inferscale-explain-'));
    const file = join(dir, 'bad.ts');
    writeFileSync(file, "import { App } from 'cdk8s';\nconst app = new App(;\nexport default app;\n");
    try {
      const r = await spawnCli(['explain', '--app', file]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`inferscale explain: app ${file} failed to load: ${file}:2:21: Unexpected ";"\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);

  test('an unknown service is one line on stderr naming the services there are', async () => {
    const r = await spawned.unknownService;
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('inferscale explain: unknown service "nope" in stacks/cdk8s/default-app.ts; expected one of inference/llm, inference/embeddings\n');
  }, 40_000);
});

describe('inferscale explain (in process)', () => {
  test('a missing app file', () => {
    const r = runInProcess(['explain', '--app', 'nowhere/app.ts']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('inferscale explain: app file nowhere/app.ts does not exist\n');
  });

  test('a file that builds no app', () => {
    const file = join(FIXTURES, 'no-app.ts');
    const r = runInProcess(['explain', '--app', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`inferscale explain: app ${file} exports no cdk8s App (export the App, or a function returning it, or call app.synth())\n`);
  });

  test('several exported functions: asks for --export, which then picks one', () => {
    const file = join(FIXTURES, 'two-functions.ts');
    const r = runInProcess(['explain', '--app', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`inferscale explain: app ${file} exports several functions (describe, small); pick the one that returns the App with --export NAME\n`);
    const picked = runInProcess(['explain', '--app', file, '--export', 'small']);
    expect(picked.stderr).toBe('');
    expect(picked.code).toBe(0);
    expect(picked.stdout).toContain('service edge/tiny (AIInferenceService "small/tiny")');
    const wrong = runInProcess(['explain', '--app', file, '--export', 'describe']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe(`inferscale explain: export "describe" of ${file} is not a cdk8s App or a function returning one\n`);
  });

  test('a JavaScript file that exports the App itself', () => {
    const r = runInProcess(['explain', '--app', join(FIXTURES, 'module-exports.js')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('service scripts/js-service (AIInferenceService "plain/js-service")');
  });

  test('an unknown option exits 2; --help prints the usage', () => {
    const bad = runInProcess(['explain', '--frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("inferscale explain: Unknown option '--frobnicate' (see inferscale explain --help)\n");
    const help = runInProcess(['explain', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: inferscale explain \[options\]/);
    expect(runInProcess(['help', 'explain']).stdout).toBe(help.stdout);
  });

  test('the top-level usage lists explain', () => {
    const r = runInProcess(['--help']);
    expect(r.stdout).toContain('  explain    show how each service\'s autoscaling is wired, with a check per step');
  });
});
