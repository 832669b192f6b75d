/**
 * `inferscale profile`: the serving profiles the simulator ships, and fitting one to your own
 * `vllm bench serve --save-result` runs.
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fitProfile, parseBenchResults, ProfileFitError, SERVING_PROFILES, ServingProfile } from '../core/simulator';
import { checkOutputFile, CliError, parseCommandLine } from './inputs';
import type { CliIo } from './simulate-command';
import { formatCount, formatTable } from './table';

/** Usage text of `inferscale profile`. */
export const PROFILE_USAGE = `Usage: inferscale profile list
       inferscale profile fit RESULT.json... --kv-cache-tokens N [options]

list    the shipped serving profiles (model x GPU x engine), with their basis and sources
fit     fit a profile to "vllm bench serve --save-result" files run at two or more request
        rates against one replica; writes the profile as JSON for "simulate --profile FILE"

Options of fit:
  --kv-cache-tokens N    the engine's KV-cache size in tokens (vLLM logs "GPU KV cache size: N tokens")
  --max-num-seqs N       --max-num-seqs of the server (default 256)
  --max-model-len N      --max-model-len of the server (default: the KV-cache size)
  --max-batched-tokens N --max-num-batched-tokens of the server (default 2048)
  --id ID                profile id (default fitted)
  --model NAME           model served (default: the results' model_id)
  --gpu NAME             GPU (and count)
  --weight-bytes N       bytes of weights (for load time from storage throughput; without it
                         the profile has 0, and a note says so)
  --output FILE          write the profile here (default: print it)
  -h, --help             show this help
`;

const OPTIONS = {
  'kv-cache-tokens': { type: 'string' },
  'max-num-seqs': { type: 'string' },
  'max-model-len': { type: 'string' },
  'max-batched-tokens': { type: 'string' },
  id: { type: 'string' },
  model: { type: 'string' },
  gpu: { type: 'string' },
  'weight-bytes': { type: 'string' },
  output: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function wholeOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 1) throw new CliError(`--${name} is "${value}"; expected a whole number, 1 or more`);
  return n;
}

/** One line per profile. */
function listProfiles(): string {
  const rows = Object.values(SERVING_PROFILES).map((p: ServingProfile) => [
    p.id,
    p.gpu,
    p.basis,
    formatCount(p.prefillTokensPerSecond),
    `${(p.decodeBaseSeconds * 1000).toFixed(1)} + ${(p.decodePerSequenceSeconds * 1000).toFixed(2)}/seq`,
    formatCount(p.kvCacheTokens),
    p.sources[p.sources.length - 1].url,
  ]);
  return formatTable(['profile', 'GPU', 'basis', 'prefill tok/s', 'decode step ms', 'KV tokens', 'fitted to'], rows);
}

/** Runs `inferscale profile` with its arguments; returns the exit code. */
export function runProfile(args: readonly string[], io: CliIo): number {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    io.stdout(PROFILE_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'list') {
    const listed = parseCommandLine('profile', { args: [...rest], options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: false, strict: true }, io.stderr);
    if (!listed) return 2;
    io.stdout(listed.values.help ? PROFILE_USAGE : `${listProfiles()}\n`);
    return 0;
  }
  if (sub !== 'fit') {
    io.stderr(`inferscale profile: unknown subcommand "${sub}"; expected "list" or "fit" (see inferscale profile --help)\n`);
    return 2;
  }
  const parsed = parseCommandLine('profile', { args: [...rest], options: OPTIONS, allowPositionals: true, strict: true }, io.stderr);
  if (!parsed) return 2;
  const v = parsed.values;
  if (v.help) {
    io.stdout(PROFILE_USAGE);
    return 0;
  }
  try {
    if (parsed.positionals.length === 0) throw new CliError('profile fit: no result files; expected vllm bench serve --save-result JSON files');
    const kv = wholeOption('kv-cache-tokens', v['kv-cache-tokens']);
    if (kv === undefined) throw new CliError('profile fit: --kv-cache-tokens is missing; vLLM logs it at start-up ("GPU KV cache size: N tokens")');
    const output = v.output !== undefined ? checkOutputFile('--output', v.output, io.cwd) : undefined;
    const results = parsed.positionals.flatMap((file) => {
      let text: string;
      try {
        text = readFileSync(resolve(io.cwd, file), 'utf8');
      } catch (e) {
        throw new CliError(`profile fit: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      return parseBenchResults(text, basename(file));
    });
    const weightBytes = v['weight-bytes'] === undefined ? undefined : Number(v['weight-bytes']);
    if (weightBytes !== undefined && !(weightBytes >= 0)) throw new CliError(`--weight-bytes is "${v['weight-bytes']}"; expected a number, 0 or more`);
    const profile = fitProfile(results, {
      kvCacheTokens: kv,
      ...(v.id !== undefined ? { id: v.id } : {}),
      ...(v.model !== undefined ? { model: v.model } : {}),
      ...(v.gpu !== undefined ? { gpu: v.gpu } : {}),
      ...(weightBytes !== undefined ? { weightBytes } : {}),
      ...(wholeOption('max-num-seqs', v['max-num-seqs']) !== undefined ? { maxSequences: wholeOption('max-num-seqs', v['max-num-seqs'])! } : {}),
      ...(wholeOption('max-model-len', v['max-model-len']) !== undefined ? { maxModelLength: wholeOption('max-model-len', v['max-model-len'])! } : {}),
      ...(wholeOption('max-batched-tokens', v['max-batched-tokens']) !== undefined ? { maxBatchedTokens: wholeOption('max-batched-tokens', v['max-batched-tokens'])! } : {}),
    });
    const json = `${JSON.stringify(profile, null, 2)}\n`;
    const note = weightBytes === undefined ? `note: weightBytes is 0: a benchmark result does not tell the size of the weights, so simulate and tune cannot derive the model load time from storage throughput (--storage-throughput, --weight-cache) with this profile; fit again with --weight-bytes N (the bytes of the model's weight files), or give simulate and tune --load-time S\n` : '';
    if (output !== undefined) {
      try {
        writeFileSync(output, json);
      } catch (e) {
        throw new CliError(`--output ${v.output}: cannot write it: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      io.stdout(`profile ${profile.id}: prefill ${formatCount(profile.prefillTokensPerSecond)} tokens/s, decode step ${(profile.decodeBaseSeconds * 1000).toFixed(2)} ms + ${(profile.decodePerSequenceSeconds * 1000).toFixed(3)} ms per sequence; written to ${v.output}\n${note}`);
    } else {
      io.stdout(json);
      // stdout is the profile alone, for a redirect into a file.
      if (note) io.stderr(note);
    }
    return 0;
  } catch (e) {
    if (e instanceof CliError || e instanceof ProfileFitError) {
      io.stderr(`inferscale profile: ${e.message.split('\n')[0]}\n`);
      return 1;
    }
    throw e;
  }
}
