/**
 * Reading the simulator's inputs from disk: manifests, the default app's synthesized YAML and
 * trace files.
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import {
  parseShapeSpec,
  parseTrace,
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

/** The repository's real traces, by short name. */
export const NAMED_TRACES: Readonly<Record<string, string>> = {
  code: 'azure-llm-2023-code.csv',
  conv: 'azure-llm-2023-conv.csv',
};

/**
 * Folders searched for the named traces, in order: `$INFERSCALE_TRACES_DIR`, `shared/traces`
 * beside the current folder and beside the package (a checkout with `shared/` next to it),
 * and `traces/` or `shared/traces` inside them.
 */
export function traceDirs(cwd: string, env: NodeJS.ProcessEnv): string[] {
  const packageRoot = resolve(__dirname, '..', '..');
  const dirs = [
    env.INFERSCALE_TRACES_DIR,
    join(cwd, '..', 'shared', 'traces'),
    join(packageRoot, '..', 'shared', 'traces'),
    join(cwd, 'shared', 'traces'),
    join(cwd, 'traces'),
  ].filter((d): d is string => typeof d === 'string' && d.length > 0);
  return [...new Set(dirs.map((d) => resolve(d)))];
}

/**
 * A trace from a CLI spec: a shape (`step`, `spike:peak=60`), a name of the repository's real
 * traces (`code`, `conv`), or a path to a CSV or JSON file.
 */
export function loadTrace(spec: string, cwd: string, env: NodeJS.ProcessEnv, shapeDefaults: TraceShapeOptions): Trace {
  const shape = parseShapeSpec(spec, shapeDefaults);
  if (shape) return shape;
  const named = NAMED_TRACES[spec];
  if (named !== undefined) {
    const dirs = traceDirs(cwd, env);
    for (const dir of dirs) {
      const file = join(dir, named);
      if (existsSync(file)) return { ...parseTrace(readFileSync(file, 'utf8'), named), name: spec };
    }
    throw new CliError(`trace "${spec}": ${named} not found in ${dirs.join(', ')}; set INFERSCALE_TRACES_DIR to the folder that holds it`);
  }
  const file = resolve(cwd, spec);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new CliError(`trace "${spec}" is not a shape (${TRACE_SHAPES.join(', ')}), a named trace (${Object.keys(NAMED_TRACES).join(', ')}) or an existing file`);
  }
  return parseTrace(readFileSync(file, 'utf8'), basename(file));
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
