/**
 * Finds and runs Prometheus' own tools for tests.
 *
 * `promtool` checks configuration and rules and evaluates PromQL offline; `prometheus` runs a
 * real server on loopback. Debian's `prometheus` package (2.42) provides both:
 * `apt-get install -y --no-install-recommends prometheus`.
 *
 * Under CI (`CI` set to anything but "", "0" or "false") a missing binary is an error, so a
 * broken CI image fails instead of silently skipping the checks; locally the suites that need
 * it are skipped with a message saying how to install it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';

/** The binaries this module can find. */
export type PrometheusTool = 'promtool' | 'prometheus';

/** Environment variables that point at a binary explicitly. */
const OVERRIDES: Record<PrometheusTool, string> = { promtool: 'PROMTOOL', prometheus: 'PROMETHEUS_BIN' };

const INSTALL_HINT = "install Debian's prometheus package: apt-get install -y --no-install-recommends prometheus";

/** True when running under CI. */
export function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && !['', '0', 'false'].includes(ci.toLowerCase());
}

/** The path of an executable file on PATH (or named by its override variable), if any. */
export function findTool(tool: PrometheusTool): string | undefined {
  const explicit = process.env[OVERRIDES[tool]];
  if (explicit) return isExecutable(explicit) ? explicit : undefined;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, tool);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The tool's path. Missing under CI: throws (the suite fails). Missing locally: returns
 * `undefined` after printing why the suite is skipped.
 */
export function requireTool(tool: PrometheusTool): string | undefined {
  const found = findTool(tool);
  if (found) return found;
  const message = `${tool} not found on PATH${process.env[OVERRIDES[tool]] ? ` (${OVERRIDES[tool]}=${process.env[OVERRIDES[tool]]} is not executable)` : ''}; ${INSTALL_HINT}`;
  if (isCI()) throw new Error(`${message}. CI must run these checks, so this is a failure, not a skip.`);
  console.warn(`Skipping: ${message}`);
  return undefined;
}

/**
 * `describe` when every tool is available, `describe.skip` locally when one is missing;
 * throws under CI when one is missing.
 */
export function describeWithTools(tools: readonly PrometheusTool[], name: string, fn: (paths: Record<PrometheusTool, string>) => void): void {
  const found: Partial<Record<PrometheusTool, string>> = {};
  for (const t of tools) found[t] = requireTool(t);
  if (tools.every((t) => found[t])) {
    describe(name, () => fn(found as Record<PrometheusTool, string>));
  } else {
    describe.skip(`${name} (skipped: ${tools.filter((t) => !found[t]).join(', ')} not installed)`, () => {
      test('needs Prometheus tools', () => undefined);
    });
  }
}

/** The result of running promtool. */
export interface PromtoolResult {
  /** Exit status (null when killed by the timeout). */
  readonly status: number | null;
  /** Standard output. */
  readonly stdout: string;
  /** Standard error. */
  readonly stderr: string;
  /** stdout and stderr together, for assertion messages. */
  readonly output: string;
}

/** Runs promtool with `args` in `cwd`, bounded by `timeoutMs`. */
export function runPromtool(promtool: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): PromtoolResult {
  const r = spawnSync(promtool, [...args], { cwd: options.cwd, encoding: 'utf8', timeout: options.timeoutMs ?? 30_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw r.error;
  const stdout = r.stdout ?? '';
  const stderr = r.stderr ?? '';
  return { status: r.status, stdout, stderr, output: `${stdout}${stderr}` };
}

/** Creates a temporary directory, runs `fn` in it and removes it, even when `fn` throws. */
export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inferscale-prom-'));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One `promql_expr_test` of a promtool unit test. */
export interface PromqlExprTest {
  /** The expression, usually a recorded rule's name. */
  readonly expr: string;
  /** When to evaluate it, e.g. `5m`. */
  readonly eval_time: string;
  /** The samples it must give: `name{labels}` and value; empty for no result. */
  readonly exp_samples: readonly { readonly labels: string; readonly value: number }[];
}

/**
 * Runs `promtool test rules` on a rules file (YAML text) with input series sampled every
 * `interval` and the given expression tests; returns promtool's result.
 */
export function promtoolTestRules(promtool: string, rules: string, interval: string, input: readonly { series: string; values: string }[], tests: readonly PromqlExprTest[]): PromtoolResult {
  return withTempDir((dir) => {
    fs.writeFileSync(path.join(dir, 'rules.yml'), rules);
    const unitTest = { rule_files: ['rules.yml'], evaluation_interval: interval, tests: [{ interval, input_series: input, promql_expr_test: tests }] };
    fs.writeFileSync(path.join(dir, 'test.yml'), stringify(unitTest, { lineWidth: 0 }));
    return runPromtool(promtool, ['test', 'rules', 'test.yml'], { cwd: dir });
  });
}

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
