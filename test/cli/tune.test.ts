import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lib/cli/main';
import type { CliIo } from '../../lib/cli/main';
import { floorsClockNote, parseMargin, parseSlo, tuneParts } from '../../lib/cli/tune-command';
import { readNamedTrace, SERVING_PROFILES, syntheticTrace } from '../../lib/core/simulator';

const ROOT = join(__dirname, '..', '..');
const manifest = join(__dirname, 'fixtures', 'llm.yaml');
const dir = mkdtempSync(join(tmpdir(), 'inferscale-tune-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[], tty = false): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), stderrIsTty: tty, cwd: ROOT, env: {} };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

// A 10-minute burst in a 20-minute trace: short, so the whole search runs in seconds. Split in
// time (--train), as a recorded trace is.
const ARGS = ['tune', '--manifest', manifest, '--trace', 'step:peak=10,at=120,for=600,duration=1200', '--slo', 'ttft-p95=2s,failed=1%', '--train', '0.7'];

describe('inferscale tune', () => {
  const report = join(dir, 'tune.html');
  let text: Awaited<ReturnType<typeof run>>;
  let json: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    text = await run([...ARGS, '--report', report], true);
    json = await run([...ARGS, '--json']);
  });

  test('prints the frontier with training and held-out columns, the references, the levers and the props; progress only on a terminal', () => {
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/\rtune: \d+ points evaluated, best [0-9.]+ node-hours/);
    expect(json.stderr).toBe('');
    expect(text.stdout).toContain('tuned on the first 840 s, held out the last 360 s');
    expect(text.stdout).toMatch(/Pareto frontier \(training\), with held-out figures:\n\s+configuration\s+node-hours\s+s over\s+failed\s+held-out node-hours\s+held-out vs bound\s+held-out s over\s+held-out failed/);
    expect(text.stdout).toMatch(/\nheld out, the chosen configuration pays [0-9.]+ node-hours, [0-9.]+× the clairvoyant bound with start-up times \([0-9.]+\)\n/);
    expect(text.stdout).toMatch(/\nchosen {2}/);
    expect(text.stdout).toMatch(/\nconfigured {2}/);
    expect(text.stdout).toMatch(/\ndefaults {2}/);
    expect(text.stdout).toContain('TypeScript props:\n// services.llm');
    expect(text.stdout).toMatch(/\nmetrics: \[\n {2}ScalingMetric\.\w+\(/);
    expect(text.stdout).toContain('Pulumi.dev.yaml keys:\ninferscale:services:\n  llm:\n    minReplicas: ');
    expect(readFileSync(report, 'utf8')).toContain('<svg');
    expect(readFileSync(report, 'utf8')).toMatch(/Held out, the chosen configuration pays [0-9.]+ node-hours: [0-9.]+× the clairvoyant bound with start-up times/);
  });

  test('chosen scheduled floors come with what they assume of the clock, and say so louder from less than a day', () => {
    const out = JSON.parse(json.stdout);
    const note = floorsClockNote(out.trainSeconds);
    if (out.configuration.scheduledFloors) {
      expect(text.stdout).toContain(`note: ${note}\n`);
      expect(out.notes).toContain(note);
    } else expect(text.stdout).not.toContain('note: the scheduled floors');
    // The JSON carries every note the text prints.
    expect(out.notes.map((n: string) => `note: ${n}\n`).join('')).toBe(text.stdout.split('\n').filter((l) => l.startsWith('note: ')).map((l) => `${l}\n`).join(''));
    expect(floorsClockNote(840)).toContain('the training part covers 14 min, less than a day: they repeat that part\'s shape at those hours every day');
    expect(floorsClockNote(86_400)).toBe('the scheduled floors set minReplicas at clock times every day, read off the trace, whose first second is taken as 00:00 UTC on a Monday: start the trace at midnight, or shift the floors by its start');
  });

  test('the JSON gives held-out figures beside the training ones for every frontier point, and the chosen point is on the frontier or better', () => {
    const out = JSON.parse(json.stdout);
    expect(out.trainSeconds).toBe(840);
    expect(out.heldOutSeconds).toBe(360);
    for (const r of out.frontier) {
      expect(r.train.nodeHours).toBeGreaterThan(0);
      expect(r.heldOut.nodeHours).toBeGreaterThan(0);
      // The held-out part is shorter: its node-hours are its own, not the training part's.
      expect(r.heldOut.nodeHours).not.toBe(r.train.nodeHours);
    }
    // The ratio to the clairvoyant bound is the held-out node-hours over the held-out bound.
    expect(out.heldOutBoundRatio).toBeCloseTo(out.chosen.heldOut.nodeHours / out.chosen.heldOut.leadTimeNodeHours, 9);
    const cheapestWithLessViolation = out.frontier.filter((r: { train: { violationSeconds: number } }) => r.train.violationSeconds <= out.chosen.train.violationSeconds);
    expect(cheapestWithLessViolation.length).toBeGreaterThan(0);
    if (out.chosen.train.feasible && out.configured.train.feasible) expect(out.chosen.train.nodeHours).toBeLessThanOrEqual(out.configured.train.nodeHours);
    if (!out.configured.train.feasible) expect(out.chosen.train.violationSeconds).toBeLessThanOrEqual(out.configured.train.violationSeconds);
  });

  test('a shape is tuned on whole and held out with its next seed; behavior parameters are searched, and a weight cache when storage throughput is given', async () => {
    const shape = await run(['tune', '--manifest', manifest, '--trace', 'step:peak=10,at=120,for=600,duration=1200', '--slo', 'ttft-p95=2s,failed=1%', '--storage-throughput', '2000:shared', '--load-time', '450', '--json']);
    const out = JSON.parse(shape.stdout);
    expect([out.trainSeconds, out.heldOutSeconds]).toEqual([1200, 1200]);
    expect(out.chosen.heldOut.violationSeconds).not.toBeUndefined();
    expect(out.space.weightCaches).toEqual([null, { storageBytesPerSecond: 2e9, scope: 'shared' }]);
    // The model loads in 450 s: no scale-down window shorter than that is tried.
    expect(out.space.scaleDownWindows).toEqual([null, 450, 600, 1200, 1800]);
    expect(out.space.scaleUpPercents).toEqual([null, 50, 100, 200, 400]);
    expect(out.heldOutTrace).toBe('step:peak=10,at=120,for=600,duration=1200,seed=2 (held out)');
    expect((await run(['tune', '--manifest', manifest, '--trace', 'step', '--slo', 'ttft-p95=2s', '--storage-throughput', 'fast'])).stderr).toBe('inferscale tune: --storage-throughput is "fast"; expected MB/s of the storage, optionally followed by :node or :shared (e.g. 2000 or 500:shared)\n');
  });

  test('on worker threads the search visits the same points and chooses the same configuration as in one thread', async () => {
    const threads = await run([...ARGS, '--json', '--workers', '2']);
    expect(threads.code).toBe(0);
    const { seconds: _a, ...inThreads } = JSON.parse(threads.stdout);
    const { seconds: _b, ...inOne } = JSON.parse(json.stdout);
    expect(inThreads).toEqual(inOne);
    expect(inOne.evaluations).toBeGreaterThan(20);
    expect((await run([...ARGS, '--workers', 'two'])).stderr).toBe('inferscale tune: --workers is "two"; expected a whole number of threads, 0 or more\n');
  });

  test('tuneParts: a recorded trace split in time with the held-out clock; a shape held out with its next seed; or the trace asked for', () => {
    const conv = tuneParts(readNamedTrace('conv'), 'conv', ROOT);
    expect([conv.train.requests.length, conv.heldOut.requests.length, conv.heldOutStartSeconds]).toEqual([2460, 1043, 2460]);
    const step = tuneParts(syntheticTrace('step'), 'step', ROOT);
    expect(step.heldOutStartSeconds).toBe(0);
    expect([...step.heldOut.requests]).toEqual([...syntheticTrace('step', { seed: 2 }).requests]);
    expect([...step.train.requests]).toEqual([...syntheticTrace('step').requests]);
    expect(tuneParts(syntheticTrace('step'), 'step', ROOT, { trainShare: 0.5 }).heldOutStartSeconds).toBe(1800);
    expect(tuneParts(readNamedTrace('conv'), 'conv', ROOT, { heldOutSpec: 'code' }).heldOut.requests.length).toBe(readNamedTrace('code').requests.length);
  });

  test('a value that starts with a dash reads as an option: the error says how to write it', async () => {
    expect(await run(['tune', '--manifest', manifest, '--trace', 'step', '--slo', 'ttft-p95=2s', '--margin', '-3'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "inferscale tune: Option '--margin' argument is ambiguous. For a value that starts with a dash, write --margin=VALUE. (see inferscale tune --help)\n",
    });
  });

  test('--margin takes a percent or a fraction; a bare number above 1 or more than 100% is an error naming the option', async () => {
    expect(parseMargin('10%')).toBeCloseTo(0.1, 12);
    expect(parseMargin('0.1')).toBe(0.1);
    expect(parseMargin('1')).toBe(1);
    expect(parseMargin('0')).toBe(0);
    expect(await run(['tune', '--manifest', manifest, '--trace', 'step', '--slo', 'ttft-p95=2s', '--margin', '10'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'inferscale tune: --margin is "10"; a bare number is a fraction (10 would be 1000% more traffic); expected a share of more traffic from 0 to 100%, e.g. 10% or 0.1\n',
    });
    expect(() => parseMargin('200%')).toThrow('--margin is "200%"; expected a share of more traffic from 0 to 100%, e.g. 10% or 0.1');
    expect(() => parseMargin('ten')).toThrow('--margin is "ten"; expected a share of more traffic from 0 to 100%, e.g. 10% or 0.1');
  });

  test('--profile takes a profile file written by profile fit, as simulate does; an unknown one is a complete error naming the option', async () => {
    const profile = join(dir, 'mine.json');
    const bench = join(__dirname, 'fixtures', 'bench');
    expect((await run(['profile', 'fit', join(bench, 'qwen-rate1.json'), join(bench, 'qwen-rate4.json'), '--kv-cache-tokens', '60000', '--id', 'mine', '--output', profile])).code).toBe(0);
    const fitted = await run(['tune', '--manifest', manifest, '--trace', 'step:peak=4,at=60,for=120,duration=300', '--slo', 'ttft-p95=2s', '--profile', profile, '--json']);
    expect(fitted.stderr).toBe('');
    expect(fitted.code).toBe(0);
    expect(JSON.parse(fitted.stdout).evaluations).toBeGreaterThan(0);
    expect(await run(['tune', '--manifest', manifest, '--trace', 'step', '--slo', 'ttft-p95=2s', '--profile', 'nope.json'])).toEqual({
      code: 1,
      stdout: '',
      stderr: `inferscale tune: --profile "nope.json" is not a shipped profile (${Object.keys(SERVING_PROFILES).join(', ')}) or an existing file (a profile written by "inferscale profile fit")\n`,
    });
  }, 30_000);

  test('a held-out trace that cannot be read is an error naming --held-out', async () => {
    expect(await run(['tune', '--manifest', manifest, '--trace', 'conv', '--slo', 'ttft-p95=2s', '--held-out', 'nope'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'inferscale tune: --held-out: trace "nope" is not a shape (step, spike, diurnal, ramp), a named trace (code, conv) or an existing file\n',
    });
    expect((await run(['tune', '--manifest', manifest, '--trace', 'conv', '--slo', 'ttft-p95=2s', '--held-out', join('test', 'cli', 'fixtures', 'malformed.csv')])).stderr).toMatch(/^inferscale tune: --held-out: malformed\.csv line \d+: /);
  });

  test('--gpu-pool must be a name a GPU pool can have', async () => {
    expect(await run(['tune', '--manifest', manifest, '--trace', 'step', '--slo', 'ttft-p95=2s', '--gpu-pool', 'A10G pool'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'inferscale tune: --gpu-pool is "A10G pool"; expected a DNS-1123 label: 1-63 lowercase letters, digits or \'-\', starting and ending with a letter or digit (the name of one of the platform\'s gpuNodePools)\n',
    });
  });

  test('a report that cannot be written is an error naming --report before any search', async () => {
    const missing = join(dir, 'missing', 't.html');
    expect(await run(['tune', '--manifest', manifest, '--trace', 'step:duration=600', '--slo', 'ttft-p95=2s', '--report', missing])).toEqual({
      code: 1,
      stdout: '',
      stderr: `inferscale tune: --report ${missing}: the folder ${join(dir, 'missing')} does not exist\n`,
    });
    expect((await run(['tune', '--manifest', manifest, '--trace', 'step:duration=600', '--slo', 'ttft-p95=2s', '--report', dir])).stderr).toBe(`inferscale tune: --report ${dir} is a folder; expected a file name\n`);
  });

  test('when no configuration meets the SLO, the note saying so comes before the tables and the props', async () => {
    const r = await run(['tune', '--manifest', manifest, '--trace', 'step:peak=4,at=60,for=120,duration=300', '--slo', 'ttft-p95=1ms']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nsearched \d+ configurations in [0-9.]+ s\nnote: no configuration searched met the SLO on the training part; the chosen one misses it least\. The frontier shows what each node-hour buys\.\n\nPareto frontier/);
    expect(r.stdout.indexOf('note: ')).toBeLessThan(r.stdout.indexOf('TypeScript props:'));
  }, 30_000);

  test('a malformed SLO is an error naming the option', async () => {
    expect(await run(['tune', '--manifest', manifest, '--trace', 'step', '--slo', 'ttft=2s'])).toEqual({ code: 1, stdout: '', stderr: 'inferscale tune: --slo: "ttft=2s" is not a limit; expected ttft-p95=2s, e2e-p95=30s, tpot-p95=200ms or failed=0.1%\n' });
    expect(() => parseSlo('ttft-p95=2s,e2e-p99=30s')).toThrow('--slo: "e2e-p99=30s" uses p99, another limit p95; the simulator checks one quantile for all limits');
    expect(parseSlo('ttft-p95=2s,tpot-p95=200ms,failed=0.5%')).toEqual({ ttftSeconds: 2, interTokenSeconds: 0.2, failedRatio: 0.005, quantile: 0.95 });
  });
});
