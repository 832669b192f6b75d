/**
 * Consumer projects for tests: the package as `npm pack` makes it, installed with npm into a
 * temporary project next to only the frameworks that project uses, with no network.
 *
 * - {@link packedTarball} packs the repository once (building `dist/` first only when it is
 *   older than `lib/`) and reuses the tarball across test files and runs while the packed
 *   files are unchanged.
 * - {@link consumerProject} writes a project whose dependencies are the tarball and `file:`
 *   links to the repository's own `node_modules/<package>` folders, and installs it with
 *   `npm install --offline` against an unreachable registry, so nothing can be downloaded.
 * - {@link typeCheck} and {@link runNode} run the repository's TypeScript and Node on it.
 */
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository root. */
export const ROOT = path.join(__dirname, '..', '..');
const NODE_MODULES = path.join(ROOT, 'node_modules');
const TSC = path.join(NODE_MODULES, 'typescript', 'bin', 'tsc');
/** A registry address nothing listens on: any download attempt fails at once. */
export const UNREACHABLE_REGISTRY = 'http://127.0.0.1:9';

/** The result of a command, with its output for assertion messages. */
export interface CommandResult {
  /** Exit status (null when killed). */
  readonly status: number | null;
  /** Standard output. */
  readonly stdout: string;
  /** Standard error. */
  readonly stderr: string;
  /** The command line and both streams, for failure messages. */
  readonly output: string;
}

/** The environment of child processes: no `npm_*` variables inherited from `npm test`, no network for npm. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'INIT_CWD' && k !== 'NODE_OPTIONS') env[k] = v;
  return { ...env, npm_config_offline: 'true', npm_config_registry: UNREACHABLE_REGISTRY, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

/** Runs a command synchronously, bounded in time. */
export function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): CommandResult {
  const r: SpawnSyncReturns<string> = spawnSync(command, [...args], {
    cwd: options.cwd,
    env: options.env ?? childEnv(),
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  const stdout = r.stdout ?? '';
  const stderr = r.stderr ?? '';
  return { status: r.status, stdout, stderr, output: `$ ${command} ${args.join(' ')} (in ${options.cwd})\n${stdout}${stderr}` };
}

/** Throws with the command's output unless it exited 0. */
export function expectSuccess(r: CommandResult): CommandResult {
  if (r.status !== 0) throw new Error(`exit ${r.status}\n${r.output}`);
  return r;
}

function newestMtime(dir: string): number {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    const t = entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs;
    if (t > latest) latest = t;
  }
  return latest;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs `fn` holding a lock directory shared by every jest worker (and run) on this machine. */
function withLock<T>(name: string, fn: () => T): T {
  const lock = path.join(os.tmpdir(), `${name}.lock`);
  for (let waited = 0; ; waited += 100) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A lock older than two minutes belongs to a process that died.
      try { if (Date.now() - fs.statSync(lock).mtimeMs > 120_000) fs.rmSync(lock, { recursive: true, force: true }); } catch { /* gone */ }
      if (waited > 180_000) throw new Error(`waited 3 minutes for ${lock}`);
      sleep(100);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** True when `dist/` is missing or older than some file under `lib/` or the build configuration. */
export function distIsStale(): boolean {
  const stamp = path.join(ROOT, 'dist', 'index.js');
  if (!fs.existsSync(stamp)) return true;
  const built = fs.statSync(stamp).mtimeMs;
  const inputs = Math.max(newestMtime(path.join(ROOT, 'lib')), fs.statSync(path.join(ROOT, 'tsconfig.build.json')).mtimeMs);
  return inputs > built;
}

/**
 * `dist/` as `npm run build` makes it. `npm ci` builds it (the `prepare` script), so under CI
 * this is free; after editing `lib/` it rebuilds once.
 */
export function ensureBuilt(): void {
  if (!distIsStale()) return;
  const key = createHash('sha256').update(ROOT).digest('hex').slice(0, 12);
  withLock(`inferscale-build-${key}`, () => {
    if (!distIsStale()) return;
    expectSuccess(run(process.execPath, [TSC, '-p', 'tsconfig.build.json'], { cwd: ROOT, timeoutMs: 180_000 }));
  });
}

/** Hash of everything `npm pack` would put in the tarball (package.json, README, bin/, dist/). */
function packInputsHash(): string {
  const h = createHash('sha256');
  const add = (rel: string): void => {
    const abs = path.join(ROOT, rel);
    if (!fs.existsSync(abs)) return;
    if (fs.statSync(abs).isDirectory()) {
      for (const entry of fs.readdirSync(abs).sort()) add(path.join(rel, entry));
    } else {
      h.update(`${rel}\0`).update(fs.readFileSync(abs)).update('\0');
    }
  };
  for (const rel of ['package.json', 'README.md', 'LICENSE', 'bin', 'dist']) add(rel);
  return h.digest('hex').slice(0, 16);
}

/**
 * The package as `npm pack` makes it (the `prepare` build is skipped: {@link ensureBuilt} has
 * done it). Packed once per content: every test file and later runs with the same files reuse it.
 * @returns the tarball's absolute path
 */
export function packedTarball(): string {
  ensureBuilt();
  const dir = path.join(os.tmpdir(), `inferscale-pack-${packInputsHash()}`);
  const existing = fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => f.endsWith('.tgz')) : undefined;
  if (existing) return path.join(dir, existing);
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'inferscale-packing-'));
  const r = expectSuccess(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', staging], { cwd: ROOT }));
  const [{ filename }] = JSON.parse(r.stdout) as { filename: string }[];
  try {
    fs.renameSync(staging, dir);
  } catch {
    // Another worker packed the same files first: use theirs.
    fs.rmSync(staging, { recursive: true, force: true });
  }
  removeOldPacks(dir);
  return path.join(dir, path.basename(filename));
}

function removeOldPacks(keep: string): void {
  const day = 24 * 3600 * 1000;
  for (const entry of fs.readdirSync(os.tmpdir())) {
    const p = path.join(os.tmpdir(), entry);
    if (!entry.startsWith('inferscale-pack-') || p === keep) continue;
    try { if (Date.now() - fs.statSync(p).mtimeMs > day) fs.rmSync(p, { recursive: true, force: true }); } catch { /* gone */ }
  }
}

/** Options of {@link consumerProject}. */
export interface ConsumerOptions {
  /** Short name, part of the temporary folder's name. */
  readonly name: string;
  /** Packages the project installs besides inferscale, linked from the repository's node_modules. */
  readonly packages: readonly string[];
  /** Files to write, by path relative to the project. */
  readonly files: Readonly<Record<string, string>>;
}

/** A temporary project with inferscale installed from the tarball. */
export interface ConsumerProject {
  /** The project folder. */
  readonly dir: string;
  /** What `npm install` printed. */
  readonly install: CommandResult;
  /** Removes the folder. */
  readonly remove: () => void;
}

/**
 * Writes a project whose `package.json` depends on the packed tarball and on `packages` as
 * `file:` links to the repository's installed copies, and installs it with npm, offline.
 *
 * inferscale's regular dependencies (`yaml`, `uplot`) are linked the same way, since nothing
 * may be downloaded; npm then satisfies inferscale's dependencies with them, as it would with
 * copies from the registry.
 */
export function consumerProject(tarball: string, options: ConsumerOptions): ConsumerProject {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `inferscale-consumer-${options.name}-`));
  const remove = (): void => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const packed = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const dependencies: Record<string, string> = { inferscale: `file:${tarball}` };
    for (const p of [...Object.keys(packed.dependencies ?? {}), ...options.packages]) {
      const folder = path.join(NODE_MODULES, p);
      if (!fs.existsSync(path.join(folder, 'package.json'))) throw new Error(`${p} is not installed in the repository's node_modules`);
      // The real path: npm records links by it, and `npm ls` compares the spec with it.
      dependencies[p] = `file:${fs.realpathSync(folder)}`;
    }
    fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: `consumer-${options.name}`, version: '1.0.0', private: true, dependencies }, null, 2)}\n`);
    for (const [rel, text] of Object.entries(options.files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    }
    const install = run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=warn'], {
      cwd: dir,
      env: childEnv({ npm_config_cache: path.join(dir, '.npm-cache') }),
      timeoutMs: 120_000,
    });
    expectSuccess(install);
    return { dir, install, remove };
  } catch (e) {
    remove();
    throw e;
  }
}

/** Lines of npm output that are warnings or errors. */
export function npmWarnings(r: CommandResult): string[] {
  return `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^npm (warn|WARN|error|ERR)/.test(l));
}

/** A strict tsconfig for a consumer project: Node 16+ module resolution (the `exports` map), compiled to `out/`. */
export function consumerTsconfig(options: { moduleResolution?: 'node16' | 'node10'; skipLibCheck?: boolean } = {}): string {
  const node16 = (options.moduleResolution ?? 'node16') === 'node16';
  return `${JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: node16 ? 'node16' : 'commonjs',
      moduleResolution: node16 ? 'node16' : 'node10',
      strict: true,
      esModuleInterop: true,
      skipLibCheck: options.skipLibCheck ?? true,
      types: ['node'],
      outDir: 'out',
      rootDir: '.',
    },
    include: ['*.ts'],
  }, null, 2)}\n`;
}

/** Type-checks (and compiles to `out/`) with the repository's TypeScript. */
export function typeCheck(dir: string, project = 'tsconfig.json'): CommandResult {
  return run(process.execPath, [TSC, '-p', project], { cwd: dir, timeoutMs: 120_000 });
}

/** Runs a compiled file of the project with Node. */
export function runNode(dir: string, file: string, args: readonly string[] = [], env: Record<string, string> = {}): CommandResult {
  return run(process.execPath, [file, ...args], { cwd: dir, env: childEnv(env) });
}

/** The packages below `node_modules` of a project, as `name` or `@scope/name`. */
export function installedPackages(dir: string): string[] {
  const nm = path.join(dir, 'node_modules');
  const out: string[] = [];
  for (const entry of fs.readdirSync(nm)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) for (const sub of fs.readdirSync(path.join(nm, entry))) out.push(`${entry}/${sub}`);
    else out.push(entry);
  }
  return out.sort();
}

/** The text of an example, as a consumer project's file. */
export function example(rel: string): string {
  return fs.readFileSync(path.join(ROOT, 'examples', rel), 'utf8');
}
