/**
 * `inferscale explain`: builds a cdk8s app in memory (the default environment, or `--app FILE`)
 * and prints, for each `AIInferenceService`, the whole autoscaling wiring with a check per step
 * ({@link explainService}).
 *
 * cdk8s is loaded only when the command runs, so `inferscale simulate` keeps working where
 * only the core is installed. Constructs are recognised by class name and shape rather than
 * `instanceof`, because an app file written in TypeScript may load inferscale's sources while
 * this command runs from the compiled package.
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import Module from 'node:module';
import { extname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Construct } from 'constructs';
import { ExplainContext, explainService, formatExplanations } from '../core/explain';
import type { ResolvedInferenceService } from '../core/inference-service';
import type { PrometheusAdapterConfig } from '../core/adapter-config';
import type { ResolvedScaledObject } from '../core/platform/keda';
import type { Problem } from '../core/problems';
import { CliError, parseCommandLine } from './inputs';
import type { CliIo } from './simulate-command';

/** Usage text of `inferscale explain`. */
export const EXPLAIN_USAGE = `Usage: inferscale explain [options]

Prints, for each autoscaled service of a cdk8s app, how its autoscaling is wired: each HPA
metric's series, the Prometheus scrape, the Prometheus Adapter rule and its PromQL, the metrics
API, the HPA metric block and target, and the behavior in plain words, with the command that
checks each step on a live cluster.

Options:
  --app FILE       a cdk8s app file (.ts or .js) that exports an App, or a function returning
                   one, or calls app.synth() (default: the repository's default environment,
                   stacks/cdk8s/default-app.ts)
  --export NAME    the export of --app to use when it exports several functions
  --service NAME   explain only this service (its name, or namespace/name)
  -h, --help       show this help
`;

const OPTIONS = {
  app: { type: 'string' },
  export: { type: 'string' },
  service: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The repository's default environment, relative to the package root. */
const DEFAULT_APP = join('stacks', 'cdk8s', 'default-app.ts');
const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

/** A construct with a node, as far as this command needs to know. */
type AnyConstruct = Construct & Record<string, unknown>;

/**
 * Runs `inferscale explain` with its arguments; returns the exit code. Every error is one line
 * on stderr: exit 2 for an unknown option, 1 for bad input; validation problems of the app are
 * listed one per line on stdout, with exit 1.
 */
export function runExplain(args: readonly string[], io: CliIo): number {
  const parsed = parseCommandLine('explain', { args: [...args], options: OPTIONS, allowPositionals: false, strict: true }, io.stderr);
  if (!parsed) return 2;
  const v = parsed.values;
  if (v.help) {
    io.stdout(EXPLAIN_USAGE);
    return 0;
  }
  try {
    return explainApp(v.app, v.export, v.service, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr(`inferscale explain: ${e.message}\n`);
      return 1;
    }
    io.stderr(`inferscale explain: internal error: ${((e as Error)?.message ?? String(e)).split('\n')[0]}\n`);
    if (io.env.INFERSCALE_DEBUG) io.stderr(`${(e as Error)?.stack ?? ''}\n`);
    return 1;
  }
}

/** A service of an app, with what surrounds it. */
export interface LoadedService {
  /** The resolved service. */
  readonly spec: ResolvedInferenceService;
  /** Its namespace. */
  readonly namespace: string;
  /** Its Prometheus, adapter, exporter and KEDA, as `explain` describes them. */
  readonly context: ExplainContext;
}

function explainApp(appOption: string | undefined, exportName: string | undefined, serviceName: string | undefined, io: CliIo): number {
  const loaded = loadAppServices(appOption, exportName, serviceName, io);
  if (typeof loaded === 'number') return loaded;
  const explanations = loaded.services.map((s) => explainService(s.spec, s.context));
  const list = loaded.services.map((s) => `${s.namespace}/${s.spec.name}`).join(', ');
  io.stdout(`app ${loaded.shown}: ${loaded.services.length === 1 ? 'service' : `${loaded.services.length} services`} ${list}\n\n`);
  io.stdout(formatExplanations(explanations));
  return 0;
}

/**
 * Builds the app (`--app FILE`, default the repository's default environment) and returns its
 * services (or only `serviceName`); an exit code when the app has validation problems (listed
 * on stdout). Throws {@link CliError} for bad input.
 */
export function loadAppServices(appOption: string | undefined, exportName: string | undefined, serviceName: string | undefined, io: CliIo): number | { readonly shown: string; readonly services: readonly LoadedService[] } {
  const packageRoot = resolve(__dirname, '..', '..');
  const file = appOption !== undefined ? resolve(io.cwd, appOption) : join(packageRoot, DEFAULT_APP);
  const shown = appOption ?? relative(io.cwd, file);
  if (appOption === undefined && !existsSync(file)) {
    throw new CliError(`no --app given, and the default environment (${DEFAULT_APP}) is not here: it ships with the repository, not the package; pass --app FILE`);
  }
  if (!existsSync(file) || !statSync(file).isFile()) throw new CliError(`app file ${shown} does not exist`);

  const cdk8s = loadCdk8s();
  let roots: AnyConstruct[];
  try {
    roots = loadApps(file, shown, exportName, cdk8s, io.cwd);
  } catch (e) {
    if (isValidationError(e)) return reportProblems(shown, e.owner, e.problems, io);
    throw e;
  }

  // Deferred checks (node.addValidation) run at synth; run them here too.
  const deferred = roots.flatMap((root) => root.node.findAll().flatMap((c) => c.node.validate()));
  if (deferred.length) return reportProblems(shown, undefined, deferred.flatMap((m) => m.split('\n')).map((line) => ({ path: '', message: line })), io);

  const services = roots.flatMap((root) => root.node.findAll().filter((c) => isA(c, 'AIInferenceService') && isRecord((c as AnyConstruct).spec))) as AnyConstruct[];
  if (services.length === 0) throw new CliError(`app ${shown} has no AIInferenceService`);
  const named = (svc: AnyConstruct): { name: string; namespace: string } => {
    const spec = svc.spec as ResolvedInferenceService;
    return { name: spec.name, namespace: spec.namespace ?? chartNamespace(svc, cdk8s) ?? 'default' };
  };
  const picked = serviceName === undefined
    ? services
    : services.filter((s) => {
      const n = named(s);
      return n.name === serviceName || `${n.namespace}/${n.name}` === serviceName;
    });
  if (picked.length === 0) {
    const all = services.map((s) => `${named(s).namespace}/${named(s).name}`).join(', ');
    throw new CliError(`unknown service "${serviceName}" in ${shown}; expected one of ${all}`);
  }

  return { shown, services: picked.map((svc) => ({ spec: svc.spec as ResolvedInferenceService, namespace: named(svc).namespace, context: contextOf(svc, named(svc).namespace, services.length) })) };
}

interface Cdk8sModule {
  readonly App: { prototype: { synth: () => void } };
  readonly Chart: { of(c: Construct): { namespace?: string } };
}

function loadCdk8s(): Cdk8sModule {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('cdk8s') as Cdk8sModule;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      throw new CliError('explain builds a cdk8s app: install cdk8s, cdk8s-plus-27 and constructs beside inferscale');
    }
    throw e;
  }
}

/**
 * Loads the app file and returns the root constructs of its apps: exported Apps (or any
 * exported construct's root), the result of an exported function, or Apps the file
 * synthesized while loading (their synth writes nothing here).
 */
function loadApps(file: string, shown: string, exportName: string | undefined, cdk8s: Cdk8sModule, cwd: string): AnyConstruct[] {
  if (TS_EXTENSIONS.has(extname(file))) registerTypeScript(file, shown, cwd);
  const synthesized: AnyConstruct[] = [];
  const proto = cdk8s.App.prototype;
  const synth = proto.synth;
  proto.synth = function recordSynth(this: AnyConstruct) { synthesized.push(this); };
  let mod: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(file) as Record<string, unknown>;
  } catch (e) {
    if (isValidationError(e)) throw e;
    throw new CliError(`app ${shown} failed to load: ${loadFailure(e, cwd)}`);
  } finally {
    proto.synth = synth;
  }
  // `module.exports = app` exports the App itself.
  if (isConstruct(mod)) return [rootOf(mod)!, ...synthesized.filter((a) => a !== rootOf(mod))];
  const exported = typeof mod === 'object' && mod !== null ? mod : { default: mod };

  if (exportName !== undefined) {
    if (!(exportName in exported)) throw new CliError(`app ${shown} has no export "${exportName}"; its exports: ${Object.keys(exported).join(', ') || 'none'}`);
    const root = rootOf(callIfFunction(exported[exportName], exportName, shown));
    if (!root) throw new CliError(`export "${exportName}" of ${shown} is not a cdk8s App or a function returning one`);
    return [root];
  }
  const roots = new Set<AnyConstruct>();
  for (const value of Object.values(exported)) {
    const root = rootOf(value);
    if (root) roots.add(root);
  }
  if (roots.size === 0) {
    const functions = Object.entries(exported).filter(([, value]) => typeof value === 'function' && !isClass(value));
    const chosen = typeof exported.default === 'function' && !isClass(exported.default) ? ['default'] : functions.map(([k]) => k);
    if (chosen.length > 1) throw new CliError(`app ${shown} exports several functions (${chosen.join(', ')}); pick the one that returns the App with --export NAME`);
    if (chosen.length === 1) {
      const root = rootOf(callIfFunction(exported[chosen[0]], chosen[0], shown));
      if (!root) throw new CliError(`export "${chosen[0]}" of ${shown} did not return a cdk8s App`);
      roots.add(root);
    }
  }
  for (const app of synthesized) roots.add(app);
  if (roots.size === 0) throw new CliError(`app ${shown} exports no cdk8s App (export the App, or a function returning it, or call app.synth())`);
  return [...roots];
}

/**
 * Why an app file failed to load, in one line. tsx throws a syntax error as "Transform failed with
 * 1 error:" with esbuild's errors on the lines after it (`file:line:column: ERROR: text`, the
 * column counted from 0); this gives the first of them as `file:line:column: text`, the column
 * counted from 1 as editors do.
 */
function loadFailure(e: unknown, cwd: string): string {
  const message = (e as Error)?.message ?? String(e);
  const syntax = /^(.+):(\d+):(\d+): ERROR: (.*)$/m.exec(message);
  if (syntax) return `${shownPath(syntax[1], cwd)}:${syntax[2]}:${Number(syntax[3]) + 1}: ${syntax[4]}`;
  return message.split('\n')[0];
}

/** A path relative to `cwd` when it lies under it, else as it is. */
function shownPath(file: string, cwd: string): string {
  const rel = relative(cwd, resolve(cwd, file));
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

function callIfFunction(value: unknown, name: string, shown: string): unknown {
  if (typeof value !== 'function' || isClass(value)) return value;
  const result = (value as () => unknown)();
  if (result instanceof Promise) throw new CliError(`export "${name}" of ${shown} returned a Promise; return the App itself`);
  return result;
}

function isClass(value: unknown): boolean {
  return typeof value === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

/** Makes `require` understand TypeScript with tsx, from the app's project or inferscale's own. */
function registerTypeScript(file: string, shown: string, cwd: string): void {
  const extensions = (Module as unknown as { _extensions: Record<string, unknown> })._extensions;
  // Already handled: running from source under tsx, or inside a test runner with its own loader.
  if (require.extensions !== extensions || extensions['.ts'] !== undefined) return;
  let api: string | undefined;
  for (const paths of [[cwd], [file], undefined]) {
    try {
      api = require.resolve('tsx/cjs/api', paths ? { paths } : undefined);
      break;
    } catch { /* next */ }
  }
  if (api === undefined) throw new CliError(`app ${shown} is TypeScript: install tsx (npm install --save-dev tsx) or pass the compiled .js file`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require(api) as { register: () => unknown }).register();
}

function rootOf(value: unknown): AnyConstruct | undefined {
  if (!isConstruct(value)) return undefined;
  return value.node.root as AnyConstruct;
}

function isConstruct(value: unknown): value is AnyConstruct {
  return typeof value === 'object' && value !== null && typeof (value as { node?: { findAll?: unknown } }).node?.findAll === 'function';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** True when a class named `name` is in the prototype chain of `value`. */
function isA(value: unknown, name: string): boolean {
  for (let p = isRecord(value) ? Object.getPrototypeOf(value) : null; p; p = Object.getPrototypeOf(p)) {
    if ((p as { constructor?: { name?: string } }).constructor?.name === name) return true;
  }
  return false;
}

function isValidationError(e: unknown): e is Error & { owner: string; problems: readonly Problem[] } {
  return e instanceof Error && e.name === 'InferscaleValidationError' && Array.isArray((e as { problems?: unknown }).problems);
}

function chartNamespace(c: AnyConstruct, cdk8s: Cdk8sModule): string | undefined {
  try {
    return cdk8s.Chart.of(c).namespace;
  } catch {
    return undefined;
  }
}

/** Lists validation problems one per line, as the constructs format them. */
function reportProblems(shown: string, owner: string | undefined, problems: readonly Problem[], io: CliIo): number {
  io.stdout(`app ${shown} does not build: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}\n`);
  for (const p of problems) io.stdout(`${owner ? `${owner}: ` : ''}${p.path ? `${p.path} ` : ''}${p.message}\n`);
  io.stderr(`inferscale explain: ${shown} has validation problems (listed above)\n`);
  return 1;
}

/** What surrounds a service: its platform's parts, or lone parts in its chart or app. */
function contextOf(svc: AnyConstruct, namespace: string, serviceCount: number): ExplainContext {
  const platform = svc.node.scopes.find((s) => isA(s, 'AIInferencePlatform')) as AnyConstruct | undefined;
  const near = (name: string): AnyConstruct | undefined => {
    if (platform) return isRecord(platform[partField(name)]) ? platform[partField(name)] as AnyConstruct : undefined;
    for (const scope of [...svc.node.scopes].reverse()) {
      const found = scope.node.findAll().filter((c) => isA(c, name));
      if (found.length === 1) return found[0] as AnyConstruct;
      if (found.length > 1) return undefined;
    }
    return undefined;
  };
  const prometheus = near('Prometheus');
  const adapter = near('PrometheusAdapter');
  const dcgm = near('DcgmExporter');
  const metricsServer = near('MetricsServer');
  const msSpec = isRecord(metricsServer?.spec) ? metricsServer.spec : undefined;
  const provider = platform ? platform.resourceMetricsProvider : msSpec ? 'metricsServer' : undefined;
  const stack = prometheus?.mode === 'kubePrometheusStack';
  const release = stack ? releaseLabelOf(prometheus) : undefined;
  return {
    namespace,
    owner: platform
      ? `AIInferencePlatform "${platform.node.path}"${serviceCount > 1 ? `, service ${svc.node.id}` : ''}`
      : `AIInferenceService "${svc.node.path}"`,
    ...(prometheus ? {
      prometheus: {
        mode: stack ? 'kubePrometheusStack' as const : 'embedded' as const,
        url: String(prometheus.url),
        scrapeIntervalSeconds: Number(prometheus.scrapeIntervalSeconds),
        ...(release ? { releaseLabel: release } : {}),
      },
    } : {}),
    ...(adapter ? {
      adapter: {
        name: String(adapter.name),
        namespace: String(adapter.namespace),
        config: adapter.config as PrometheusAdapterConfig,
        metricsRelistIntervalSeconds: Number(adapter.metricsRelistIntervalSeconds),
      },
    } : {}),
    ...(isRecord(svc.scaledObjectSpec) || (platform && typeof platform.kedaNamespace === 'string') ? {
      keda: {
        ...(platform && typeof platform.kedaNamespace === 'string' ? { namespace: platform.kedaNamespace } : {}),
        ...(isRecord(svc.scaledObjectSpec) ? { scaledObject: svc.scaledObjectSpec as unknown as ResolvedScaledObject } : {}),
      },
    } : {}),
    ...(dcgm ? { dcgmExporter: { namespace: String(dcgm.namespace), name: String(dcgm.serviceName), port: Number(dcgm.metricsPort) } } : {}),
    ...(provider === 'metricsServer' || provider === 'cluster' || provider === 'none' ? {
      resourceMetrics: {
        provider,
        ...(msSpec ? { metricsServer: { namespace: String(msSpec.namespace), name: String(msSpec.name), metricResolutionSeconds: Number(msSpec.metricResolutionSeconds) } } : {}),
      },
    } : {}),
  };
}

/** The platform field holding each part. */
function partField(name: string): string {
  return name === 'Prometheus' ? 'prometheus' : name === 'PrometheusAdapter' ? 'adapter' : name === 'MetricsServer' ? 'metricsServer' : 'dcgmExporter';
}

/** The `release` label kube-prometheus-stack selects monitors by, read from a PodMonitor or ServiceMonitor. */
function releaseLabelOf(prometheus: AnyConstruct): string | undefined {
  const monitors = [...((prometheus.podMonitors as unknown[]) ?? []), prometheus.serviceMonitor].filter(isRecord);
  for (const m of monitors) {
    const labels = (m as { metadata?: { getLabel?: (k: string) => string | undefined } }).metadata?.getLabel?.('release');
    if (labels) return labels;
  }
  return undefined;
}
