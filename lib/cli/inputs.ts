/**
 * Reading the simulator's inputs from disk: manifests, the default app's synthesized YAML,
 * trace files and serving profiles.
 * @module
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs, ParseArgsConfig } from 'node:util';
import {
  isBenchResult,
  isNamedTrace,
  NAMED_TRACES,
  namedTracePath,
  parseBenchResults,
  parseShapeSpec,
  parseTrace,
  readNamedTrace,
  SERVING_PROFILES,
  ServingProfile,
  servicesFromYaml,
  SimulatedService,
  Trace,
  TRACE_SHAPES,
  TraceShapeOptions,
} from '../core/simulator';

/** A problem with the command line or an input file: printed as one line, exit code 1. */
export class CliError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * The command line as `node:util`'s parseArgs reads it, or `undefined` after writing what is
 * wrong to `stderr` as one line that names the command and its `--help` (the caller exits 2).
 * An option given a value that starts with a dash (`--margin -3`) reads as two options; the
 * line says to write `--margin=-3`.
 */
export function parseCommandLine<T extends ParseArgsConfig>(command: string, config: T, stderr: (text: string) => void): ReturnType<typeof parseArgs<T>> | undefined {
  try {
    return parseArgs(config);
  } catch (e) {
    const message = (e as Error).message.split('\n')[0];
    const ambiguous = /^Option '(--[\w-]+)[^']*' argument is ambiguous/.exec(message);
    const hint = ambiguous ? ` For a value that starts with a dash, write ${ambiguous[1]}=VALUE.` : '';
    stderr(`inferscale ${command}: ${message}${hint} (see inferscale ${command} --help)\n`);
    return undefined;
  }
}

/**
 * A trace from a CLI spec: a shape (`step`, `spike:peak=60`), a name of the repository's real
 * traces (`code`, `conv`), or a path to a CSV or JSON file.
 */
export function loadTrace(spec: string, cwd: string, shapeDefaults: TraceShapeOptions): Trace {
  const shape = parseShapeSpec(spec, shapeDefaults);
  if (shape) return shape;
  if (isNamedTrace(spec)) {
    const file = namedTracePath(spec);
    if (!existsSync(file)) throw new CliError(`trace "${spec}": ${file} is missing; the package ships it in data/traces/, reinstall inferscale`);
    return readNamedTrace(spec);
  }
  const file = resolve(cwd, spec);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new CliError(`trace "${spec}" is not a shape (${TRACE_SHAPES.join(', ')}), a named trace (${Object.keys(NAMED_TRACES).join(', ')}) or an existing file`);
  }
  return parseTrace(readFileSync(file, 'utf8'), basename(file));
}

/**
 * A serving profile from `--profile`: a shipped id (returned as it is), or a JSON file that
 * `inferscale profile fit` wrote (returned as read; the simulator checks each of its numbers).
 */
export function loadProfile(spec: string, cwd: string): string | ServingProfile {
  if (Object.prototype.hasOwnProperty.call(SERVING_PROFILES, spec)) return spec;
  const file = resolve(cwd, spec);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new CliError(`--profile "${spec}" is not a shipped profile (${Object.keys(SERVING_PROFILES).join(', ')}) or an existing file (a profile written by "inferscale profile fit")`);
  }
  const text = readFileSync(file, 'utf8');
  const benchResult = (): CliError => new CliError(`--profile ${spec}: this is a benchmark result (vllm bench serve), not a serving profile; fit a profile from it first: inferscale profile fit ${spec} OTHER-RATE.json --kv-cache-tokens N --output profile.json`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    if (readsAsBenchResults(text, spec)) throw benchResult();
    throw new CliError(`--profile ${spec}: not valid JSON (${(e as Error).message})`);
  }
  if (isBenchResult(value)) throw benchResult();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CliError(`--profile ${spec}: expected a serving profile object, as "inferscale profile fit" writes`);
  }
  return value as ServingProfile;
}

/** True when `text` reads as `vllm bench serve` results, one JSON object per line. */
function readsAsBenchResults(text: string, source: string): boolean {
  try {
    return parseBenchResults(text, source).length > 0;
  } catch {
    return false;
  }
}

/**
 * A share written as a fraction (`0.001`) or a percentage (`0.1%`): its value as a fraction and
 * whether it was written as a percentage; undefined when it is neither, or below 0. Each option
 * bounds it and words its own error.
 */
export function readShare(text: string): { readonly value: number; readonly percent: boolean } | undefined {
  const t = text.trim();
  const percent = t.endsWith('%');
  const digits = (percent ? t.slice(0, -1) : t).trim();
  const n = Number(digits);
  if (digits === '' || !Number.isFinite(n) || n < 0) return undefined;
  return { value: percent ? n / 100 : n, percent };
}

/** Every autoscaled service in a manifest file. */
export function loadManifest(path: string, cwd: string): SimulatedService[] {
  const file = resolve(cwd, path);
  if (!existsSync(file) || !statSync(file).isFile()) throw new CliError(`manifest ${path} does not exist`);
  const text = readFileSync(file, 'utf8');
  return servicesFromYaml(text, basename(file));
}

/**
 * Every autoscaled service of the synthesized default app: all `*.yaml` / `*.yml` files in
 * `dir` (`charts-out/`, where `npm run synth` and `cdk8s synth` write).
 */
export function loadAppDir(dir: string, cwd: string): SimulatedService[] {
  const folder = resolve(cwd, dir);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new CliError(`no synthesized app in ${dir}/ (looked in ${folder}); run "npm run synth" first, or pass --manifest FILE`);
  }
  const files = readdirSync(folder).filter((f) => /\.ya?ml$/.test(f)).sort();
  if (files.length === 0) throw new CliError(`${dir}/ holds no YAML files; run "npm run synth" first, or pass --manifest FILE`);
  const text = files.map((f) => readFileSync(join(folder, f), 'utf8')).join('\n---\n');
  return servicesFromYaml(text, `${dir}/`);
}

/**
 * The absolute path of a file an option will write (`--report`, `--output`), checked before any
 * work is done: its folder exists and may be written, and it is not itself a folder.
 */
export function checkOutputFile(option: string, path: string, cwd: string): string {
  const file = resolve(cwd, path);
  const folder = dirname(file);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new CliError(`${option} ${path}: the folder ${folder} does not exist`);
  if (existsSync(file) && statSync(file).isDirectory()) throw new CliError(`${option} ${path} is a folder; expected a file name`);
  try {
    accessSync(existsSync(file) ? file : folder, constants.W_OK);
  } catch {
    throw new CliError(`${option} ${path}: ${existsSync(file) ? 'the file' : `the folder ${folder}`} is not writable`);
  }
  return file;
}

/** Picks one service by name (or the only one). */
export function pickService(services: readonly SimulatedService[], name: string | undefined, where: string): SimulatedService {
  if (name === undefined) {
    if (services.length === 1) return services[0];
    throw new CliError(`${where} has ${services.length} autoscaled services (${services.map((s) => s.name).join(', ')}); pick one with --service`);
  }
  const found = services.find((s) => s.name === name);
  if (!found) throw new CliError(`unknown service "${name}" in ${where}; expected one of ${services.map((s) => s.name).join(', ')}`);
  return found;
}
