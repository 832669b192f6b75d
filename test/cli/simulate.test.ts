import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lib/cli/main';
import type { CliIo } from '../../lib/cli/main';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'inferscale.js');
const FIXTURES = join(__dirname, 'fixtures');

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
function runInProcess(args: string[], cwd = ROOT): Run {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), stderrIsTty: false, cwd, env: {} };
  const code = main(args, io) as number;
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'inferscale-cli-'));
const reportFile = join(dir, 'report.html');
const manifest = join(FIXTURES, 'llm.yaml');

// The spawned runs start together: each pays for Node and the TypeScript loader.
const spawned: Record<string, Promise<Run>> = {};
beforeAll(() => {
  spawned.summary = spawnCli(['simulate', '--manifest', manifest, '--trace', 'code', '--scale', '3', '--compare', 'configured,steady,legacy', '--report', reportFile]);
  spawned.defaultApp = spawnCli(['simulate', '--service', 'llm', '--trace', 'spike', '--duration', '1200']);
  spawned.unknownService = spawnCli(['simulate', '--manifest', manifest, '--service', 'nope']);
  spawned.malformed = spawnCli(['simulate', '--manifest', manifest, '--trace', join(FIXTURES, 'malformed.csv')]);
  spawned.negative = spawnCli(['simulate', '--manifest', manifest, '--trace', join(FIXTURES, 'negative.csv')]);
  spawned.notHpa = spawnCli(['simulate', '--manifest', join(FIXTURES, 'deployment-only.yaml')]);
  spawned.unknownOption = spawnCli(['simulate', '--frobnicate']);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('inferscale simulate (spawned)', () => {
  test('prints the inputs and one summary row per compared preset', async () => {
    const r = await spawned.summary;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('service llm (namespace inference): 1-8 replicas');
    expect(r.stdout).toMatch(/trace code ×3: 3,437 s, 26,457 requests/);
    expect(r.stdout).toContain('serving qwen2.5-7b/a10g: Qwen/Qwen2.5-7B-Instruct on A10G (vLLM)');
    expect(r.stdout).toContain('SLOs (p95 per second): TTFT <= 2 s, TPOT <= 0.2 s, e2e <= 53.2 s, failed <= 0.1%');
    expect(r.stdout).toMatch(/^behavior\s+peak replicas\s+TTFT s over\s+TPOT s over\s+e2e s over\s+failed requests\s+node-hours\s+vs instant\s+vs lead-time\s+time to capacity$/m);
    expect(r.stdout).toMatch(/^bounds: instant [0-9.]+ node-hours \(each second's need, ready at once\); lead-time [0-9.]+ node-hours \(clairvoyant, each replica started 8 min 2 s ahead\)$/m);
    expect(r.stdout).toMatch(/^burst \(configured\)\s+\d+\s+/m);
    expect(r.stdout).toMatch(/^steady\s+\d+\s+/m);
    expect(r.stdout).toMatch(/^legacy\s+\d+\s+/m);
    expect(r.stdout).toContain(`report: ${reportFile}`);
  }, 40_000);

  test('writes a self-contained HTML report with the chart data and no external sources', async () => {
    await spawned.summary;
    const html = readFileSync(reportFile, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    const json = /<script type="application\/json" id="inferscale-data">([\s\S]*?)<\/script>/.exec(html);
    expect(json).not.toBeNull();
    const data = JSON.parse(json![1]) as { name: string; seconds: number[]; requests: number[]; ready: number[]; needed: number[]; ttft: (number | null)[]; e2e: (number | null)[]; target: number; e2eTarget: number }[];
    expect(data.map((d) => d.name)).toEqual(['burst (configured)', 'steady', 'legacy']);
    expect(data[0].seconds.length).toBe(data[0].requests.length);
    expect(data[0].requests.length).toBeGreaterThan(1000);
    expect(data[0].ttft.length).toBe(data[0].requests.length);
    expect(Math.max(...data[0].ready)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...data[0].needed)).toBeGreaterThanOrEqual(1);
    expect(data[0].target).toBe(2);
    expect(data[0].e2eTarget).toBeCloseTo(53.2, 6);
    expect(html).toContain('new uPlot(');
    expect(html).toContain('uPlot 1.6.32');
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/https?:\/\//i);
  }, 40_000);

  test('picks a service from the synthesized default app (charts-out/)', async () => {
    const r = await spawned.defaultApp;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('service llm');
    expect(r.stdout).toContain('trace spike: 1,200 s');
  }, 40_000);

  const oneErrorLine = (r: Run): string => {
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    return lines[0];
  };

  test('an unknown service: one error line, exit 1', async () => {
    const r = await spawned.unknownService;
    expect(oneErrorLine(r)).toBe('inferscale simulate: unknown service "nope" in ' + manifest + '; expected one of llm');
    expect(r.code).toBe(1);
  }, 40_000);

  test('a malformed trace: one error line naming the line and field', async () => {
    expect(oneErrorLine(await spawned.malformed)).toBe('inferscale simulate: malformed.csv line 3: requests is "oops"; expected a number, 0 or more');
  }, 40_000);

  test('a negative rate: one error line', async () => {
    expect(oneErrorLine(await spawned.negative)).toBe('inferscale simulate: negative.csv line 3: requests is -2, a negative rate; expected a number, 0 or more');
  }, 40_000);

  test('a manifest that is not an HPA: one error line', async () => {
    expect(oneErrorLine(await spawned.notHpa)).toBe('inferscale simulate: deployment-only.yaml: no HorizontalPodAutoscaler or ScaledObject found (found Deployment/llm); expected an autoscaling/v2 HPA (or a KEDA ScaledObject) and the Deployment it scales');
  }, 40_000);

  test('an unknown option: one error line, exit 2', async () => {
    const r = await spawned.unknownOption;
    expect(oneErrorLine(r)).toMatch(/^inferscale simulate: Unknown option '--frobnicate'/);
    expect(r.code).toBe(2);
  }, 40_000);
});

describe('inferscale simulate (in process)', () => {
  test('reads a timed CSV trace and prints JSON summaries', () => {
    const r = runInProcess(['simulate', '--manifest', manifest, '--trace', join(FIXTURES, 'minutes.csv'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { service: string; traces: { trace: string; scenarios: { name: string; summary: { durationSeconds: number; totalRequests: number; sloViolationSeconds: { ttft: number } } }[] }[] };
    expect(out.service).toBe('llm');
    expect(out.traces[0].scenarios[0].summary.durationSeconds).toBe(1500);
    expect(out.traces[0].scenarios[0].summary.totalRequests).toBe(300 * 2 + 600 * 12 + 600 * 3);
    expect(typeof out.traces[0].scenarios[0].summary.sloViolationSeconds.ttft).toBe('number');
  });

  test('requests still waiting or running when the trace ends: a note says how many, and the JSON counts them', () => {
    const fiveSeconds = join(FIXTURES, 'five-seconds.csv');
    const r = runInProcess(['simulate', '--manifest', manifest, '--trace', fiveSeconds]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\nnote: 500 requests were still waiting or running when the trace ended; they count as neither finished nor failed: lengthen the trace to see how they end\n');
    const json = runInProcess(['simulate', '--manifest', manifest, '--trace', fiveSeconds, '--json']);
    const out = JSON.parse(json.stdout) as { traces: { scenarios: { summary: { totalRequests: number; finishedRequests: number; failedRequests: number; inFlightAtEnd: number } }[] }[] };
    const s = out.traces[0].scenarios[0].summary;
    expect([s.totalRequests, s.finishedRequests, s.failedRequests]).toEqual([500, 0, 0]);
    expect(s.inFlightAtEnd).toBeCloseTo(500, 6);
  });

  test('requests still in flight in several runs: one note per trace, naming each run', () => {
    const r = runInProcess(['simulate', '--manifest', manifest, '--trace', join(FIXTURES, 'five-seconds.csv'), '--compare', 'configured,steady']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\nnote: requests still waiting or running when the trace ended, counted as neither finished nor failed: burst (configured) 500, steady 500; lengthen the trace to see how they end\n');
  });

  test('model options reach the simulation (profile, SLOs, load time, node pool)', () => {
    const r = runInProcess(['simulate', '--manifest', manifest, '--trace', 'step:duration=900,at=300', '--profile', 'llama-3.1-8b/a100-40gb', '--slo-ttft', '1', '--slo-tpot', '0.05', '--load-time', '120', '--gpus-per-node', '4', '--node-provisioning', '90']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('serving llama-3.1-8b/a100-40gb: meta-llama/Llama-3.1-8B-Instruct on A100 40GB SXM (vLLM)');
    expect(r.stdout).toContain('SLOs (p95 per second): TTFT <= 1 s, TPOT <= 0.05 s, e2e <= 13.8 s');
    expect(r.stdout).toContain('model load 120 s, image pull 60 s');
    expect(r.stdout).toContain('1 GPU/pod, 4 GPU/node, up to 2 nodes, 90 s to add one');
  });

  test('the image size sets the pull, and storage throughput the model load from the profile\'s weights', () => {
    const r = runInProcess(['simulate', '--manifest', manifest, '--trace', 'step:duration=600', '--profile', 'llama-3.1-8b/a100-40gb', '--image-size', '9', '--storage-throughput', '500']);
    expect(r.code).toBe(0);
    // 9 GB over 100 MB/s; 16.06 GB of BF16 weights over 500 MB/s, plus 30 s of engine start-up.
    expect(r.stdout).toContain('model load 62 s, image pull 90 s');
  });

  test('--scale-down-unneeded-time sets how long an empty node stays: removed at once, it bills fewer node-hours', () => {
    const nodeHours = (seconds: string): number => {
      const r = runInProcess(['simulate', '--service', 'llm', '--trace', 'step:at=300,for=600,duration=3600,peak=20,base=0.2', '--scale-down-unneeded-time', seconds, '--json']);
      expect(r.code).toBe(0);
      return (JSON.parse(r.stdout) as { traces: { scenarios: { summary: { nodeHours: number } }[] }[] }).traces[0].scenarios[0].summary.nodeHours;
    };
    expect(nodeHours('0')).toBeLessThan(nodeHours('1800'));
  });

  test('a run that costs less than the lead-time bound is said to have been short of replicas, not cheaper', () => {
    // The Azure conversation hour on the default LLM: its peaks outgrow the replicas a start-up late.
    const below = runInProcess(['simulate', '--service', 'llm', '--trace', 'conv', '--compare', 'configured,default', '--json']);
    expect(below.code).toBe(0);
    const out = JSON.parse(below.stdout) as { traces: { scenarios: { name: string; summary: { nodeHours: number; bounds: { leadTimeNodeHours: number } } }[] }[]; notes: string[] };
    const cheaper = out.traces[0].scenarios.filter((sc) => sc.summary.nodeHours < sc.summary.bounds.leadTimeNodeHours).map((sc) => sc.name);
    expect(cheaper.length).toBeGreaterThan(0);
    expect(out.notes).toContain(`${cheaper.join(', ')}: cost less than the lead-time bound, which is what the demand needs at the SLOs with each replica started a start-up time ahead; ${cheaper.length === 1 ? 'that run' : 'those runs'} held fewer replicas than the demand needed for part of the trace (capped by maxReplicas, or started too late: see the SLO seconds), not a cheaper way to meet the SLOs`);
    // A light step, served above the bound: no such note.
    const above = runInProcess(['simulate', '--service', 'llm', '--trace', 'step:duration=1800,peak=6,base=1', '--json']);
    expect((JSON.parse(above.stdout) as { notes: string[] }).notes.filter((n) => n.includes('lead-time bound'))).toEqual([]);
  });

  test('faults report what the HPA did around each', () => {
    const r = runInProcess(['simulate', '--manifest', manifest, '--trace', 'step:duration=1200,at=300,peak=6,base=1', '--fault', 'outage:at=300,for=120', '--fault', 'crash:at=600']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^fault metricsOutage at 5 min \(burst \(configured\)\): spec\.replicas \d+ before, up to \d+ after; ready \d+ before, \d+ at the lowest; \d+ blocked syncs?; [0-9,]+ failed requests?; over after 2 min$/m);
    expect(r.stdout).toMatch(/^fault podCrash at 10 min \(burst \(configured\)\): /m);
  });

  test('an outage still going when the trace ends is reported as not over', () => {
    const r = runInProcess(['simulate', '--manifest', manifest, '--trace', 'step:duration=900', '--fault', 'outage:at=800,for=200']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^fault metricsOutage at 13 min 20 s \(burst \(configured\)\): .*; not over by the end$/m);
  });

  test('a comma-separated trace list compares the presets on each trace, one table each', () => {
    const r = runInProcess(['simulate', '--manifest', manifest, '--trace', 'ramp,spike', '--duration', '600', '--compare', 'configured,default']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^trace ramp: 600 s/m);
    expect(r.stdout).toMatch(/^trace spike: 600 s/m);
    expect(r.stdout.match(/^default\s+\d+/gm)).toHaveLength(2);
  });

  test.each([
    [['simulate', '--manifest', manifest, '--trace', 'nosuchshape'], /^inferscale simulate: trace "nosuchshape" is not a shape \(step, spike, diurnal, ramp\), a named trace \(code, conv\) or an existing file\n$/],
    [['simulate', '--manifest', manifest, '--scale=-2'], /^inferscale simulate: --scale is "-2"; expected a number greater than 0\n$/],
    [['simulate', '--manifest', manifest, '--compare', 'burst,fast'], /^inferscale simulate: --compare: "fast" is not a behavior preset or an autoscaler; expected configured, burst, steady, queue, default, legacy, adapter, keda\n$/],
    [['simulate', '--manifest', join(FIXTURES, 'missing.yaml')], /^inferscale simulate: manifest .*missing\.yaml does not exist\n$/],
    [['simulate', '--app-dir', 'no-such-dir', '--service', 'llm'], /^inferscale simulate: no synthesized app in no-such-dir\/ .*run "npm run synth" first, or pass --manifest FILE\n$/],
    [['simulate', '--manifest', manifest, '--slo-ttft', '0'], /^inferscale simulate: --slo-ttft is "0"; expected a number greater than 0\n$/],
    [['simulate', '--manifest', manifest, '--profile', 'tpu/v9'], /^inferscale simulate: --profile "tpu\/v9" is not a shipped profile \(llama-2-7b\/a10g, .*\) or an existing file \(a profile written by "inferscale profile fit"\)\n$/],
    [['simulate', '--manifest', manifest, '--fault', 'meteor:at=3'], /^inferscale simulate: --fault meteor:at=3: "meteor" is not a fault; expected outage:at=S,for=S, crash:at=S or spot:at=S\n$/],
    [['simulate', '--manifest', manifest, '--fault', 'outage:at=60'], /^inferscale simulate: --fault outage:at=60: for is missing; expected whole seconds, 1 or more\n$/],
    [['simulate', '--manifest', manifest, '--fault', 'outage:at=900,for=0'], /^inferscale simulate: --fault outage:at=900,for=0: for is "0"; expected whole seconds, 1 or more\n$/],
    [['simulate', '--manifest', manifest, '--fault', 'crash:at=-5'], /^inferscale simulate: --fault crash:at=-5: at is "-5"; expected whole seconds, 0 or more\n$/],
    [['simulate', '--manifest', manifest, '--fault', 'crash:at=100,for=10'], /^inferscale simulate: --fault crash:at=100,for=10: "for" is not a key of crash; expected crash:at=S\n$/],
    [['simulate', '--manifest', manifest, '--fault', 'outage:at=100,for=10,at=200'], /^inferscale simulate: --fault outage:at=100,for=10,at=200: at is given twice; expected outage:at=S,for=S\n$/],
    [['simulate', '--manifest', manifest, '--trace', 'code', '--fault', 'outage:at=99999,for=10'], /^inferscale simulate: --fault outage:at=99999,for=10 starts after the trace ends \(3,437 s\)\n$/],
    [['simulate', '--manifest', manifest, '--trace', 'code,step', '--fault', 'spot:at=3500'], /^inferscale simulate: --fault spot:at=3500 starts after trace code ends \(3,437 s\)\n$/],
    [['simulate', '--manifest', manifest, '--slo-failed', '5'], /^inferscale simulate: --slo-failed is "5"; expected a share from 0 to 1, e\.g\. 0\.001 or 0\.1%\n$/],
    [['simulate', '--manifest', manifest, '--initial-replicas', '100'], /^inferscale simulate: --initial-replicas is 100; expected a whole number from 1 to maxReplicas \(8\)\n$/],
    [['simulate', '--manifest', manifest, '--headroom', '50'], /^inferscale simulate: --headroom \(50\) is above the nodes the service can use \(8, enough for maxReplicas; raise it with --max-nodes\)\n$/],
    [['simulate', '--manifest', manifest, '--headroom', '4', '--max-nodes', '3'], /^inferscale simulate: --headroom \(4\) is above --max-nodes \(3\)\n$/],
    [['simulate', '--manifest', manifest, '--headroom=-1'], /^inferscale simulate: --headroom is "-1"; expected a whole number, 0 or more\n$/],
    [['simulate', '--manifest', manifest, '--initial-nodes', '20'], /^inferscale simulate: --initial-nodes \(20\) is above the nodes the service can use \(8, enough for maxReplicas; raise it with --max-nodes\)\n$/],
    [['simulate', '--manifest', manifest, '--initial-nodes', '1', '--initial-replicas', '4'], /^inferscale simulate: --initial-nodes \(1\) cannot hold the 4 replicas of --initial-replicas \(1 per node\); expected 4 or more\n$/],
    [['simulate', '--manifest', manifest, '--trace', 'step:duration=600', '--initial-nodes', '1'], /^inferscale simulate: --initial-nodes \(1\) cannot hold the 2 initial replicas; use at least 2\n$/],
    [['simulate', '--manifest', manifest, '--trace', 'step:duration=600', '--profile', join(FIXTURES, 'bad-profile.json')], /^inferscale simulate: --profile's prefillTokensPerSecond is undefined; expected a number greater than 0\n$/],
    [['simulate', '--manifest', manifest, '--compare', ''], /^inferscale simulate: --compare is empty; expected behavior presets or autoscalers from configured, burst, steady, queue, default, legacy, adapter, keda\n$/],
    [['simulate', '--manifest', manifest, '--routing', 'random'], /^inferscale simulate: --routing is "random"; expected least-loaded or round-robin\n$/],
    [['frobnicate'], /^inferscale: unknown command "frobnicate"; expected "simulate", "explain", "profile", "tune" or "doctor" \(see inferscale --help\)\n$/],
  ])('bad input %j: one error line', (args, message) => {
    const r = runInProcess(args as string[]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  test('a CPU-only service without a profile is told its pods serve as an LLM engine; the legend speaks of replica-hours', () => {
    const r = runInProcess(['simulate', '--service', 'embeddings', '--trace', 'spike', '--duration', '600']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('note: embeddings runs on no GPU, but no serving profile was given, so its pods serve as qwen2.5-7b/a10g');
    expect(r.stdout).toContain('replica-hours: pods bound to a node; vs instant / vs lead-time: replica-hours over each lower bound');
    expect(r.stdout).not.toContain('node-hours: GPU nodes');
    expect(r.stdout).not.toContain('no serving profile given');
  });

  test('a report in a folder that does not exist fails before the simulation, naming --report', () => {
    const missing = join(dir, 'no-such-folder', 't.html');
    const r = runInProcess(['simulate', '--manifest', manifest, '--trace', 'code', '--report', missing]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`inferscale simulate: --report ${missing}: the folder ${join(dir, 'no-such-folder')} does not exist\n`);
  });

  test('a report path that is a folder fails before the simulation', () => {
    const r = runInProcess(['simulate', '--manifest', manifest, '--trace', 'code', '--report', dir]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`inferscale simulate: --report ${dir} is a folder; expected a file name\n`);
  });

  test('--slo-failed takes a share or a percentage', () => {
    for (const value of ['0.001', '0.1%']) {
      const r = runInProcess(['simulate', '--manifest', manifest, '--trace', 'step:duration=300', '--slo-failed', value]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('failed <= 0.1%;');
    }
  });

  test('--headroom 0 is accepted (the default)', () => {
    expect(runInProcess(['simulate', '--manifest', manifest, '--trace', 'step:duration=300', '--headroom', '0']).code).toBe(0);
  });

  test('a node too small for a pod: the error names --gpus-per-node', () => {
    const twoGpus = join(dir, 'two-gpus.yaml');
    writeFileSync(twoGpus, readFileSync(manifest, 'utf8').replace('nvidia.com/gpu: "1"', 'nvidia.com/gpu: "2"'));
    const r = runInProcess(['simulate', '--manifest', twoGpus, '--gpus-per-node', '1']);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('inferscale simulate: --gpus-per-node is 1, but a pod of llm needs 2 GPUs; expected 2 or more\n');
  });

  test('counts of one are singular: 1 replica ready at the start', () => {
    const r = runInProcess(['simulate', '--manifest', manifest, '--trace', 'step:duration=300', '--initial-replicas', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^trace step:duration=300: 300 s, .*; 1 replica ready at the start$/m);
  });

  test('--help prints the usage', () => {
    const r = runInProcess(['simulate', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: inferscale simulate [options]');
  });
});
