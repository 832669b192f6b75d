import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lib/cli/main';
import type { CliIo } from '../../lib/cli/main';
import { isBenchResult, SERVING_PROFILES, ServingProfile } from '../../lib/core/simulator';

const BENCH = join(__dirname, 'fixtures', 'bench');
const dir = mkdtempSync(join(tmpdir(), 'inferscale-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], cwd = dir): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), stderrIsTty: false, cwd, env: {} };
  return { code: main(args, io) as number, stdout, stderr };
}

describe('inferscale profile', () => {
  test('list shows every shipped profile with its basis', () => {
    const r = run(['profile', 'list']);
    expect(r.code).toBe(0);
    for (const id of Object.keys(SERVING_PROFILES)) expect(r.stdout).toMatch(new RegExp(`^${id.replace(/[./]/g, '\\$&')}\\s`, 'm'));
    expect(r.stdout).toMatch(/^llama-3\.1-8b\/a100-40gb\s+A100 40GB SXM\s+measured\s/m);
  });

  test('fit writes a profile that simulate --profile reads', () => {
    const out = join(dir, 'mine.json');
    const r = run(['profile', 'fit', join(BENCH, 'qwen-rate1.json'), join(BENCH, 'qwen-rate4.json'), join(BENCH, 'qwen-rate8.json'), '--kv-cache-tokens', '60000', '--id', 'mine', '--gpu', 'L4', '--output', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`profile mine: prefill 10,000 tokens/s, decode step 20.00 ms + 0.500 ms per sequence; written to ${out}`);
    const profile = JSON.parse(readFileSync(out, 'utf8')) as ServingProfile;
    expect(profile).toMatchObject({ id: 'mine', gpu: 'L4', kvCacheTokens: 60000, basis: 'fitted' });
    const sim = run(['simulate', '--manifest', join(__dirname, 'fixtures', 'llm.yaml'), '--trace', 'step:duration=600', '--profile', out]);
    expect(sim.code).toBe(0);
    expect(sim.stdout).toContain('serving mine: Qwen/Qwen2.5-7B-Instruct on L4 (vLLM), prefill 10,000 tokens/s, decode step 20.0 ms + 0.50 ms per sequence, KV cache 60,000 tokens');
  });

  test('fit names the model after the results\' model_id, and says when the weights\' size is unknown', () => {
    const files = [join(BENCH, 'qwen-rate1.json'), join(BENCH, 'qwen-rate4.json')];
    const printed = run(['profile', 'fit', ...files, '--kv-cache-tokens', '76032']);
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.stdout)).toMatchObject({ model: 'Qwen/Qwen2.5-7B-Instruct', weightBytes: 0 });
    const note = 'note: weightBytes is 0: a benchmark result does not tell the size of the weights, so simulate and tune cannot derive the model load time from storage throughput (--storage-throughput, --weight-cache) with this profile; fit again with --weight-bytes N (the bytes of the model\'s weight files), or give simulate and tune --load-time S\n';
    expect(printed.stderr).toBe(note);
    const out = join(dir, 'noted.json');
    expect(run(['profile', 'fit', ...files, '--kv-cache-tokens', '76032', '--output', out]).stdout.endsWith(`written to ${out}\n${note}`)).toBe(true);
    const sized = run(['profile', 'fit', ...files, '--kv-cache-tokens', '76032', '--weight-bytes', '15231233024', '--model', 'qwen-7b']);
    expect(sized.stderr).toBe('');
    expect(JSON.parse(sized.stdout)).toMatchObject({ model: 'qwen-7b', weightBytes: 15231233024 });
  });

  test('fit without the KV-cache size is one error line', () => {
    const r = run(['profile', 'fit', join(BENCH, 'qwen-rate1.json'), join(BENCH, 'qwen-rate4.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('inferscale profile: profile fit: --kv-cache-tokens is missing; vLLM logs it at start-up ("GPU KV cache size: N tokens")\n');
  });

  test('--profile given a benchmark result instead of a fitted profile says to fit one first, in tune and simulate', async () => {
    for (const [command, extra] of [['tune', ['--slo', 'ttft-p95=2s']], ['simulate', []]] as const) {
      let stderr = '';
      const io: CliIo = { stdout: () => undefined, stderr: (t) => (stderr += t), stderrIsTty: false, cwd: BENCH, env: {} };
      const code = await main([command, '--manifest', join(__dirname, 'fixtures', 'llm.yaml'), '--trace', 'step', ...extra, '--profile', 'qwen-rate1.json'], io);
      expect(code).toBe(1);
      expect(stderr).toBe(`inferscale ${command}: --profile qwen-rate1.json: this is a benchmark result (vllm bench serve), not a serving profile; fit a profile from it first: inferscale profile fit qwen-rate1.json OTHER-RATE.json --kv-cache-tokens N --output profile.json\n`);
    }
    expect(isBenchResult(JSON.parse(readFileSync(join(BENCH, 'qwen-rate4.json'), 'utf8')))).toBe(true);
    expect(isBenchResult(SERVING_PROFILES['qwen2.5-7b/a10g'])).toBe(false);
  });

  test('fit with an --output in a folder that does not exist is one error line naming the option', () => {
    const out = join(dir, 'missing', 'x.json');
    const r = run(['profile', 'fit', join(BENCH, 'qwen-rate1.json'), join(BENCH, 'qwen-rate4.json'), '--kv-cache-tokens', '76032', '--output', out]);
    expect(r).toEqual({ code: 1, stdout: '', stderr: `inferscale profile: --output ${out}: the folder ${join(dir, 'missing')} does not exist\n` });
  });

  test('list takes no arguments', () => {
    expect(run(['profile', 'list', 'extra'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "inferscale profile: Unexpected argument 'extra'. This command does not take positional arguments (see inferscale profile --help)\n",
    });
  });

  test('an unknown subcommand is one error line', () => {
    const r = run(['profile', 'guess']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('inferscale profile: unknown subcommand "guess"; expected "list" or "fit" (see inferscale profile --help)\n');
  });
});
