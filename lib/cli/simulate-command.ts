/**
 * `inferscale simulate`: replays a trace against a service's autoscaling configuration and
 * prints a summary table, optionally comparing behavior presets and writing an HTML report.
 * @module
 */
import { writeFileSync } from 'node:fs';
import {
  BEHAVIOR_PRESETS,
  BehaviorPresetName,
  existsWithoutPods,
  FaultOptions,
  LeverOptions,
  NodePoolOptions,
  PodOptions,
  resolveSimulationOptions,
  scaleTrace,
  SERVING_PROFILES,
  ServingOptions,
  simulate,
  SimulatedService,
  SimulationOptions,
  SimulationResult,
  SimulatedAutoscaler,
  SloOptions,
  Trace,
  traceStats,
  withAutoscaler,
  withBehaviorPreset,
} from '../core/simulator';
import { checkOutputFile, CliError, loadAppDir, loadManifest, loadProfile, loadTrace, parseCommandLine, pickService, readShare } from './inputs';
import { renderReport } from './report';
import { boundsLine, costAndBounds, countOf, formatCount, formatSeconds, formatTable, summaryColumns, summaryRows } from './table';

/** Where the command writes, and what it knows about its environment. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress is shown there only then, unless asked). */
  readonly stderrIsTty: boolean;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/** `--weight-cache MBPS[:shared]` as lever options. */
export function parseWeightCache(spec: string): { storageBytesPerSecond: number; scope: 'node' | 'shared' } {
  const [rate, scope, ...rest] = spec.split(':');
  const mbps = Number(rate);
  if (!(mbps > 0) || rest.length || (scope !== undefined && scope !== 'shared' && scope !== 'node')) {
    throw new CliError(`--weight-cache is "${spec}"; expected MB/s of the cache, optionally followed by :node or :shared (e.g. 2000 or 500:shared)`);
  }
  return { storageBytesPerSecond: mbps * 1e6, scope: scope === 'shared' ? 'shared' : 'node' };
}

/** Usage text of `inferscale simulate`. */
export const SIMULATE_USAGE = `Usage: inferscale simulate [options]

Replays a load trace against a service's HPA and Deployment and prints what users (TTFT,
time per output token, end-to-end latency, failures against the SLOs) and the GPU bill
(node-hours against two lower bounds) would see.

Service (one of):
  --service NAME         a service of the synthesized app in --app-dir (default charts-out/)
  --manifest FILE        a YAML file with an autoscaling/v2 HPA and the Deployment it scales
                         (--service picks one when it holds several)
  --app-dir DIR          folder of the synthesized app (default: charts-out)
  --autoscaler PATH      adapter | keda: scale through the Prometheus Adapter's HPA or through a
                         KEDA ScaledObject (default: the service's own; a manifest with a
                         ScaledObject is keda). keda for an adapter service takes the ScaledObject
                         inferscale renders; adapter for a KEDA service keeps its HPA and sets
                         minReplicas 0 to 1
  --min-replicas N       the service's minReplicas instead (0: scale to zero, KEDA only, with a
                         metric that still has a value with no pods, such as a gateway's rate)

Trace:
  --trace LIST           comma-separated: step | spike | diurnal | ramp (optionally
                         shape:peak=40,base=2,at=600,for=900,duration=3600,period=86400,seed=1,noise=0),
                         code | conv (Azure LLM traces shipped in the package, one hour each),
                         or a CSV / JSON file (default: step). One table per trace.
  --scale N              multiply the request column by N (default 1)
  --duration SECONDS     length of synthetic shapes (default 3600)
  --seed N               seed of synthetic arrival noise and start-up spread (default 1)

Scenarios and output:
  --compare LIST         scenarios side by side: behavior presets (${BEHAVIOR_PRESETS.join(', ')})
                         and autoscaler paths (adapter, keda) with the configured behavior
                         (default: configured, the service's own)
  --report FILE          write a self-contained HTML report with charts (first trace)
  --json                 print the summaries as JSON instead of a table
  --progress             show progress on stderr even when it is not a terminal

Serving (independent of the HPA):
  --profile ID|FILE      serving profile: ${Object.keys(SERVING_PROFILES).join(', ')},
                         or a JSON file from "inferscale profile fit" (default qwen2.5-7b/a10g)
  --routing POLICY       round-robin (a Service) | least-loaded (a gateway's least-request)
                         (default round-robin)
  --prompt-tokens N      prompt tokens per request when the trace has no token columns (default 1155)
  --output-tokens N      output tokens per request when the trace has no token columns (default 211)
  --timeout S            client timeout in seconds (default 600)
  --gateway POLICY       what happens to requests while no replica is ready: refuse (a Service
                         without endpoints; they fail at once) | hold (a gateway or KEDA's HTTP
                         add-on keeps them until a replica is ready or the timeout) (default refuse)

SLOs (95th percentile per second):
  --slo-ttft S           time to first token (default 2)
  --slo-tpot S           time per output token (default 0.2)
  --slo-e2e S            end-to-end latency (default: TTFT + 256 × TPOT)
  --slo-failed SHARE     failed requests over all, a fraction or a percentage (default 0.001, i.e. 0.1%)

Cluster:
  --load-time S          model load time in seconds
  --initial-replicas N   ready replicas at the start (default: what the trace's first 5 minutes need)
  --gpus-per-node N      GPUs per node (default 1)
  --max-nodes N          node pool limit (default: enough for maxReplicas)
  --initial-nodes N      nodes up at the start, image cached (default: enough for the initial replicas)
  --node-provisioning S  seconds to launch a GPU node (default 180)
  --scale-down-unneeded-time S
                         seconds a GPU node stays empty before the cluster autoscaler removes it
                         (its --scale-down-unneeded-time; default 600)
  --image-pull S         image pull on a fresh node (default 60)
  --image-size GB        compressed image size: the pull takes it over 100 MB/s (instead of --image-pull)
  --storage-throughput MBPS
                         storage the weights load from: the model load takes the profile's weights
                         over it plus 30 s of engine start-up (instead of --load-time)
  --startup-spread F     spread of start-up times (default 0.1; 0 for fixed times)

Cold-start levers:
  --headroom N           warm GPU nodes held by placeholder pods (default 0)
  --prepull              images pulled on every GPU node as it joins (pre-pull DaemonSet)
  --weight-cache MBPS[:shared]
                         weights load from a cache at MBPS: node-local (filled by the first
                         load on each node) or, with :shared, a volume filled beforehand

Faults (repeatable):
  --fault SPEC           outage:at=S,for=S (Prometheus down) | crash:at=S (a pod's container) |
                         spot:at=S (a spot node's two-minute notice)
  -h, --help             show this help
`;

const OPTIONS = {
  service: { type: 'string' },
  manifest: { type: 'string' },
  'app-dir': { type: 'string' },
  autoscaler: { type: 'string' },
  'min-replicas': { type: 'string' },
  trace: { type: 'string' },
  scale: { type: 'string' },
  duration: { type: 'string' },
  seed: { type: 'string' },
  compare: { type: 'string' },
  report: { type: 'string' },
  json: { type: 'boolean' },
  progress: { type: 'boolean' },
  profile: { type: 'string' },
  routing: { type: 'string' },
  gateway: { type: 'string' },
  'prompt-tokens': { type: 'string' },
  'output-tokens': { type: 'string' },
  timeout: { type: 'string' },
  'slo-ttft': { type: 'string' },
  'slo-tpot': { type: 'string' },
  'slo-e2e': { type: 'string' },
  'slo-failed': { type: 'string' },
  'load-time': { type: 'string' },
  'initial-replicas': { type: 'string' },
  'gpus-per-node': { type: 'string' },
  'max-nodes': { type: 'string' },
  'initial-nodes': { type: 'string' },
  'node-provisioning': { type: 'string' },
  'scale-down-unneeded-time': { type: 'string' },
  'image-pull': { type: 'string' },
  'image-size': { type: 'string' },
  'storage-throughput': { type: 'string' },
  'startup-spread': { type: 'string' },
  headroom: { type: 'string' },
  prepull: { type: 'boolean' },
  'weight-cache': { type: 'string' },
  fault: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Autoscaler paths `--autoscaler` and `--compare` take. */
const AUTOSCALER_PATHS: readonly SimulatedAutoscaler[] = ['adapter', 'keda'];

/** How a service is scaled, for the header: the adapter's HPA, or KEDA with its settings. */
export function autoscalerLine(service: SimulatedService): string {
  const k = service.keda;
  if (!k) return 'scaled by an HPA reading the Prometheus Adapter';
  const fallback = k.fallback ? `fallback ${countOf(k.fallback.replicas, 'replica')} after ${countOf(k.fallback.failureThreshold, 'failed read')}` : 'no fallback';
  return `scaled by KEDA: polling ${k.pollingIntervalSeconds} s, ${service.minReplicas === 0 ? `scale to zero after ${k.cooldownPeriodSeconds} s without an active trigger` : 'no scale to zero'}, ${fallback}`;
}

/**
 * The service with another `minReplicas` (`--min-replicas`): a whole number up to maxReplicas; 0
 * only on the KEDA path with a metric that still has a value with no pods (else nothing wakes it).
 */
export function withMinReplicas(service: SimulatedService, spec: string): SimulatedService {
  const n = Number(spec);
  if (spec.trim() === '' || !Number.isInteger(n) || n < 0 || n > service.maxReplicas) {
    throw new CliError(`--min-replicas is "${spec}"; expected a whole number from 0 to maxReplicas (${service.maxReplicas})`);
  }
  if (n === 0 && !service.keda) throw new CliError('--min-replicas is 0, but the service is scaled through the Prometheus Adapter, whose HPA cannot scale to zero; add --autoscaler keda');
  if (n === 0 && !service.metrics.some(existsWithoutPods)) {
    throw new CliError(`--min-replicas is 0, but no metric of ${service.name} (${service.metrics.map((m) => m.name).join(', ')}) still has a value with no pods running, so nothing would wake it; KEDA needs an External or Object metric (a queue, the gateway's request rate)`);
  }
  // inferscale renders no fallback for a service at zero (it would wake it).
  if (n === 0 && service.keda?.fallback) {
    const { fallback: _none, ...keda } = service.keda;
    return { ...service, minReplicas: 0, keda };
  }
  return { ...service, minReplicas: n };
}

/** What KEDA did in each run that went through it, one line per run. */
export function kedaLines(runs: readonly { readonly name: string; readonly result: SimulationResult }[]): string[] {
  return runs.flatMap(({ name, result }) => {
    const k = result.summary.keda;
    if (!k) return [];
    const longest = k.coldStarts.reduce((a, c) => Math.max(a, c.waitSeconds), 0);
    const failed = k.coldStarts.reduce((a, c) => a + c.failedRequests, 0);
    const cold = k.coldStarts.length > 0
      ? `${countOf(k.coldStarts.length, 'cold start')} (requests with no replica ready), the longest ${formatSeconds(longest)} to a ready replica, ${countOf(failed, 'request')} failed in ${k.coldStarts.length > 1 ? 'them' : 'it'}`
      : 'no cold start';
    return [`keda (${name}): woke from zero ${countOf(k.activations, 'time')}, scaled to zero ${countOf(k.deactivations, 'time')}, ${formatSeconds(k.secondsAtZero)} at zero; ${cold}; ${countOf(k.failedReads, 'failed HPA read')}, ${formatCount(k.fallbackReads)} answered with the fallback`];
  });
}

/** What the HPA did around each injected fault, one line per fault and run. */
export function faultLines(runs: readonly { readonly name: string; readonly result: SimulationResult }[]): string[] {
  return runs.flatMap(({ name, result }) => result.summary.faults.map((f) => `fault ${f.kind} at ${formatSeconds(f.atSeconds)} (${name}): spec.replicas ${f.desiredBefore} before, up to ${f.desiredPeakAfter} after; ready ${f.readyBefore} before, ${f.readyLowest} at the lowest; ${countOf(f.blockedSyncs, 'blocked sync')}; ${countOf(f.failedRequests, 'failed request')}${f.endSeconds >= 0 && f.endSeconds <= result.summary.durationSeconds ? `; over after ${formatSeconds(f.endSeconds - f.atSeconds)}` : '; not over by the end'}`));
}

/**
 * A note for each trace that ended with requests still waiting or running in some run: they
 * count as neither finished nor failed, so the table alone would hide them. It says to lengthen
 * the trace when they are more than the failed-request SLO allows to fail, enough to change
 * whether it is met.
 */
export function inFlightNotes(perTrace: readonly { readonly trace: Trace; readonly runs: readonly { readonly name: string; readonly result: SimulationResult }[] }[]): string[] {
  return perTrace.flatMap(({ trace, runs }) => {
    const where = perTrace.length > 1 ? `trace ${trace.name}` : 'the trace';
    const left = runs.filter((r) => formatCount(r.result.summary.inFlightAtEnd) !== '0');
    if (left.length === 0) return [];
    const matters = left.some(({ result: { summary: s } }) => s.inFlightAtEnd > s.slo.failedRatio * s.totalRequests);
    const lengthen = 'lengthen the trace to see how they end';
    if (runs.length === 1) {
      const n = formatCount(left[0].result.summary.inFlightAtEnd);
      return [`${n} request${n === '1' ? ' was' : 's were'} still waiting or running when ${where} ended; they count as neither finished nor failed${matters ? `: ${lengthen}` : ''}`];
    }
    const list = left.map((r) => `${r.name} ${formatCount(r.result.summary.inFlightAtEnd)}`).join(', ');
    return [`requests still waiting or running when ${where} ended, counted as neither finished nor failed: ${list}${matters ? `; ${lengthen}` : ''}`];
  });
}

/**
 * Notes on runs that paid less than the lead-time bound: the bound is what the trace's demand
 * needs at the SLOs with each replica started a start-up time ahead, so a run below it held
 * fewer replicas than that demand needed for part of the trace, not a better configuration.
 */
export function belowBoundNotes(perTrace: readonly { readonly trace: Trace; readonly runs: readonly { readonly name: string; readonly result: SimulationResult }[] }[]): string[] {
  let count = 0;
  const where = perTrace.flatMap(({ trace, runs }) => {
    const below = runs.filter(({ result }) => {
      const { cost, leadTime } = costAndBounds(result);
      return leadTime > 0 && cost < leadTime;
    });
    count += below.length;
    if (below.length === 0) return [];
    const names = runs.length === 1 ? 'the run' : below.map((r) => r.name).join(', ');
    return [perTrace.length > 1 ? `${names} on trace ${trace.name}` : names];
  });
  if (count === 0) return [];
  return [`${where.join('; ')}: cost less than the lead-time bound, which is what the demand needs at the SLOs with each replica started a start-up time ahead; ${count === 1 ? 'that run' : 'those runs'} held fewer replicas than the demand needed for part of the trace (capped by maxReplicas, or started too late: see the SLO seconds), not a cheaper way to meet the SLOs`];
}

/**
 * The specs of a `--trace` list: split at commas, except inside a shape's options
 * (`step:peak=40,base=2,code` is `step:peak=40,base=2` and `code`).
 */
export function traceSpecs(list: string): string[] {
  const specs: string[] = [];
  for (const part of list.split(',').map((t) => t.trim()).filter(Boolean)) {
    if (specs.length > 0 && /^[a-z]+=/.test(part) && specs[specs.length - 1].includes(':')) specs[specs.length - 1] += `,${part}`;
    else specs.push(part);
  }
  return specs;
}

/** The keys each `--fault` kind takes, and how it is written. */
const FAULT_KINDS = {
  outage: { keys: ['at', 'for'], form: 'outage:at=S,for=S' },
  crash: { keys: ['at'], form: 'crash:at=S' },
  spot: { keys: ['at'], form: 'spot:at=S' },
} as const;

/** One `--fault` spec, read. */
interface FaultSpec {
  readonly kind: keyof typeof FAULT_KINDS;
  readonly atSeconds: number;
  /** How long an outage lasts; 0 for the other kinds. */
  readonly durationSeconds: number;
}

/** Reads one `--fault` spec: its kind, then each of that kind's keys exactly once. */
function parseFault(spec: string): FaultSpec {
  const [kind, rest = ''] = spec.split(':', 2);
  if (!Object.prototype.hasOwnProperty.call(FAULT_KINDS, kind)) {
    throw new CliError(`--fault ${spec}: "${kind}" is not a fault; expected ${FAULT_KINDS.outage.form}, ${FAULT_KINDS.crash.form} or ${FAULT_KINDS.spot.form}`);
  }
  const { keys, form } = FAULT_KINDS[kind as keyof typeof FAULT_KINDS];
  const fields = new Map<string, string>();
  for (const part of rest.split(',').filter(Boolean)) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (!(keys as readonly string[]).includes(key)) throw new CliError(`--fault ${spec}: "${key}" is not a key of ${kind}; expected ${form}`);
    if (eq < 0) throw new CliError(`--fault ${spec}: ${key} has no value; expected ${form}`);
    if (fields.has(key)) throw new CliError(`--fault ${spec}: ${key} is given twice; expected ${form}`);
    fields.set(key, part.slice(eq + 1));
  }
  const seconds = (key: string, min: 0 | 1): number => {
    const v = fields.get(key);
    const n = Number(v);
    if (v === undefined || v.trim() === '' || !Number.isInteger(n) || n < min) throw new CliError(`--fault ${spec}: ${key} is ${v === undefined ? 'missing' : `"${v}"`}; expected whole seconds, ${min} or more`);
    return n;
  };
  // An outage lasts at least a second: the simulator refuses one of no length.
  return { kind: kind as keyof typeof FAULT_KINDS, atSeconds: seconds('at', 0), durationSeconds: kind === 'outage' ? seconds('for', 1) : 0 };
}

/** Faults from `--fault` specs. */
export function parseFaults(specs: readonly string[]): FaultOptions {
  const faults = specs.map(parseFault);
  const at = (kind: FaultSpec['kind']): FaultSpec[] => faults.filter((f) => f.kind === kind);
  return {
    metricsOutages: at('outage').map((f) => ({ atSeconds: f.atSeconds, durationSeconds: f.durationSeconds })),
    podCrashes: at('crash').map((f) => ({ atSeconds: f.atSeconds })),
    spotInterruptions: at('spot').map((f) => ({ atSeconds: f.atSeconds })),
  };
}

/** Checks `--fault` specs against the traces: a fault that starts at or after the end of a trace would never happen. */
export function checkFaultTimes(specs: readonly string[], traces: readonly Trace[]): void {
  for (const spec of specs) {
    const { atSeconds } = parseFault(spec);
    for (const trace of traces) {
      const end = trace.requests.length;
      if (atSeconds >= end) throw new CliError(`--fault ${spec} starts after ${traces.length > 1 ? `trace ${trace.name}` : 'the trace'} ends (${formatCount(end)} s)`);
    }
  }
}

function numberOption(name: string, value: string | undefined, check: 'positive' | 'nonNegative' | 'whole' | 'count'): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const ok = value.trim() !== '' && Number.isFinite(n)
    && (check === 'positive' ? n > 0 : check === 'nonNegative' ? n >= 0 : Number.isInteger(n) && n >= (check === 'count' ? 0 : 1));
  if (!ok) {
    const expected = check === 'positive' ? 'a number greater than 0' : check === 'nonNegative' ? 'a number, 0 or more' : check === 'count' ? 'a whole number, 0 or more' : 'a whole number, 1 or more';
    throw new CliError(`--${name} is "${value}"; expected ${expected}`);
  }
  return n;
}

/** A share from 0 to 1 (`--slo-failed`), written as a fraction (`0.001`) or a percentage (`0.1%`). */
export function parseShare(name: string, value: string): number {
  const share = readShare(value);
  if (!share || share.value > 1) throw new CliError(`--${name} is "${value}"; expected a share from 0 to 1, e.g. 0.001 or 0.1%`);
  return share.value;
}

/** Paths of simulate() options in the groups the command line sets (`slo.failedRatio`). */
type FlagOptionPath =
  | `serving.${keyof ServingOptions}` | `slo.${keyof SloOptions}` | `pods.${keyof PodOptions}`
  | `nodes.${keyof NodePoolOptions}` | `levers.${keyof LeverOptions}` | `faults.${keyof FaultOptions}`;

/** The flag that sets each simulate() option, to name it in an error simulate() raises about one. */
const FLAG_OF_OPTION: { readonly [P in FlagOptionPath]?: string } = {
  'serving.profile': '--profile',
  'serving.routing': '--routing',
  'serving.gateway': '--gateway',
  'serving.requestTimeoutSeconds': '--timeout',
  'serving.promptTokens': '--prompt-tokens',
  'serving.outputTokens': '--output-tokens',
  'slo.ttftSeconds': '--slo-ttft',
  'slo.interTokenSeconds': '--slo-tpot',
  'slo.e2eSeconds': '--slo-e2e',
  'slo.failedRatio': '--slo-failed',
  'pods.initialReplicas': '--initial-replicas',
  'pods.imagePullSeconds': '--image-pull',
  'pods.imageBytes': '--image-size',
  'pods.storageBytesPerSecond': '--storage-throughput',
  'pods.startupSpread': '--startup-spread',
  'nodes.gpusPerNode': '--gpus-per-node',
  'nodes.maxNodes': '--max-nodes',
  'nodes.initialNodes': '--initial-nodes',
  'nodes.provisioningSeconds': '--node-provisioning',
  'nodes.scaleDownUnneededSeconds': '--scale-down-unneeded-time',
  'levers.headroomNodes': '--headroom',
  'levers.weightCache': '--weight-cache',
  'faults.metricsOutages': '--fault outage',
  'faults.podCrashes': '--fault crash',
  'faults.spotInterruptions': '--fault spot',
};

/**
 * Runs `run`; an error simulate() raises about an option (`simulate "llm": nodes.initialNodes
 * (1) cannot hold ...`) comes back as a CliError naming the flag instead (`--initial-nodes (1)
 * cannot hold ...`). The checks before the run catch most; this catches what only the run knows.
 */
function namingFlags<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    const match = e instanceof Error ? /^simulate "[^"]*": ([\s\S]*)$/.exec(e.message) : null;
    if (!match) throw e;
    throw new CliError(match[1].replace(/\b(serving|slo|pods|nodes|levers|faults)\.(\w+)((?:\[\d+\])?(?:\.\w+)*)/g, (path: string, group: string, key: string, rest: string) => {
      const flag = FLAG_OF_OPTION[`${group}.${key}` as FlagOptionPath];
      if (flag === undefined) return path;
      return rest ? `${flag}'s ${rest.replace(/^\./, '')}` : flag;
    }));
  }
}

/** Runs `inferscale simulate` with its arguments; returns the exit code. */
export function runSimulate(args: readonly string[], io: CliIo): number {
  const parsed = parseCommandLine('simulate', { args: [...args], options: OPTIONS, allowPositionals: false, strict: true }, io.stderr);
  if (!parsed) return 2;
  const v = parsed.values;
  if (v.help) {
    io.stdout(SIMULATE_USAGE);
    return 0;
  }

  const report = v.report !== undefined ? checkOutputFile('--report', v.report, io.cwd) : undefined;

  // Service.
  const services = v.manifest !== undefined ? loadManifest(v.manifest, io.cwd) : loadAppDir(v['app-dir'] ?? 'charts-out', io.cwd);
  const picked = pickService(services, v.service, v.manifest ?? `${v['app-dir'] ?? 'charts-out'}/`);
  if (v.autoscaler !== undefined && !(AUTOSCALER_PATHS as readonly string[]).includes(v.autoscaler)) throw new CliError(`--autoscaler is "${v.autoscaler}"; expected ${AUTOSCALER_PATHS.join(' or ')}`);
  const routed = v.autoscaler !== undefined ? withAutoscaler(picked, v.autoscaler as SimulatedAutoscaler) : picked;
  const base = v['min-replicas'] !== undefined ? withMinReplicas(routed, v['min-replicas']) : routed;

  // Traces.
  const duration = numberOption('duration', v.duration, 'whole');
  const seed = v.seed === undefined ? undefined : Number(v.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw new CliError(`--seed is "${v.seed}"; expected a whole number`);
  const scale = numberOption('scale', v.scale, 'positive') ?? 1;
  const traces: Trace[] = traceSpecs(v.trace ?? 'step')
    .map((spec) => scaleTrace(loadTrace(spec, io.cwd, { ...(duration !== undefined ? { durationSeconds: duration } : {}), ...(seed !== undefined ? { seed } : {}) }), scale));
  if (traces.length === 0) throw new CliError('--trace is empty; expected a shape, a named trace or a file');
  checkFaultTimes(v.fault ?? [], traces);

  // Scenarios.
  const presets = (v.compare ?? 'configured').split(',').map((p) => p.trim()).filter(Boolean);
  for (const p of presets) {
    if (!(BEHAVIOR_PRESETS as readonly string[]).includes(p) && !(AUTOSCALER_PATHS as readonly string[]).includes(p)) {
      throw new CliError(`--compare: "${p}" is not a behavior preset or an autoscaler; expected ${[...BEHAVIOR_PRESETS, ...AUTOSCALER_PATHS].join(', ')}`);
    }
  }
  if (presets.length === 0) throw new CliError(`--compare is empty; expected behavior presets or autoscalers from ${[...BEHAVIOR_PRESETS, ...AUTOSCALER_PATHS].join(', ')}`);
  if (v.routing !== undefined && v.routing !== 'least-loaded' && v.routing !== 'round-robin') throw new CliError(`--routing is "${v.routing}"; expected least-loaded or round-robin`);
  if (v.gateway !== undefined && v.gateway !== 'refuse' && v.gateway !== 'hold') throw new CliError(`--gateway is "${v.gateway}"; expected refuse or hold`);

  const loadTime = numberOption('load-time', v['load-time'], 'positive');
  const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as T;
  const options: SimulationOptions = {
    serving: defined({
      profile: v.profile !== undefined ? loadProfile(v.profile, io.cwd) : undefined,
      routing: v.routing as 'least-loaded' | 'round-robin' | undefined,
      gateway: v.gateway as 'refuse' | 'hold' | undefined,
      promptTokens: numberOption('prompt-tokens', v['prompt-tokens'], 'positive'),
      outputTokens: numberOption('output-tokens', v['output-tokens'], 'positive'),
      requestTimeoutSeconds: numberOption('timeout', v.timeout, 'positive'),
    }),
    slo: defined({
      ttftSeconds: numberOption('slo-ttft', v['slo-ttft'], 'positive'),
      interTokenSeconds: numberOption('slo-tpot', v['slo-tpot'], 'positive'),
      e2eSeconds: numberOption('slo-e2e', v['slo-e2e'], 'positive'),
      failedRatio: v['slo-failed'] !== undefined ? parseShare('slo-failed', v['slo-failed']) : undefined,
    }),
    pods: defined({
      initialReplicas: numberOption('initial-replicas', v['initial-replicas'], 'whole'),
      imagePullSeconds: v['image-pull'] !== undefined ? Math.round(numberOption('image-pull', v['image-pull'], 'nonNegative')!) : undefined,
      imageBytes: v['image-size'] !== undefined ? numberOption('image-size', v['image-size'], 'positive')! * 1e9 : undefined,
      storageBytesPerSecond: v['storage-throughput'] !== undefined ? numberOption('storage-throughput', v['storage-throughput'], 'positive')! * 1e6 : undefined,
      startupSpread: numberOption('startup-spread', v['startup-spread'], 'nonNegative'),
      seed,
    }),
    nodes: defined({
      gpusPerNode: numberOption('gpus-per-node', v['gpus-per-node'], 'whole'),
      maxNodes: numberOption('max-nodes', v['max-nodes'], 'whole'),
      initialNodes: numberOption('initial-nodes', v['initial-nodes'], 'whole'),
      provisioningSeconds: v['node-provisioning'] !== undefined ? Math.round(numberOption('node-provisioning', v['node-provisioning'], 'nonNegative')!) : undefined,
      scaleDownUnneededSeconds: v['scale-down-unneeded-time'] !== undefined ? Math.round(numberOption('scale-down-unneeded-time', v['scale-down-unneeded-time'], 'nonNegative')!) : undefined,
    }),
    ...(v.fault !== undefined ? { faults: parseFaults(v.fault) } : {}),
    levers: defined({
      headroomNodes: numberOption('headroom', v.headroom, 'count'),
      imagePrepull: v.prepull,
      weightCache: v['weight-cache'] !== undefined ? parseWeightCache(v['weight-cache']) : undefined,
    }),
  };
  // The load time also sizes the presets' scale-down windows, so it belongs to the service.
  const service: SimulatedService = loadTime !== undefined ? { ...base, modelLoadSeconds: Math.round(loadTime), modelLoadSource: 'option' } : base;
  // Every option checked before the first run, the errors naming the flags typed.
  namingFlags(() => resolveSimulationOptions(service, options));

  const showProgress = io.stderrIsTty || v.progress === true;
  const perTrace: { trace: Trace; runs: { name: string; result: SimulationResult }[] }[] = [];
  const total = traces.length * presets.length;
  let done = 0;
  for (const trace of traces) {
    const runs: { name: string; result: SimulationResult }[] = [];
    for (const preset of presets) {
      const path = (AUTOSCALER_PATHS as readonly string[]).includes(preset) ? (preset as SimulatedAutoscaler) : undefined;
      const scenario = path ? withAutoscaler(service, path) : withBehaviorPreset(service, preset as BehaviorPresetName);
      const name = preset === 'configured' ? `${scenario.behaviorName} (configured)` : path ? `${path} (${scenario.minReplicas}-${scenario.maxReplicas})` : preset;
      done++;
      const label = `simulating ${name}${traces.length > 1 ? ` on ${trace.name}` : ''}${total > 1 ? ` (${done}/${total})` : ''}`;
      const onProgress = showProgress
        ? (d: number, all: number): void => {
          const pct = Math.floor((100 * d) / all);
          io.stderr(io.stderrIsTty ? `\r${label}: ${pct}%${d === all ? '\n' : ''}` : `${label}: ${pct}%\n`);
        }
        : undefined;
      runs.push({ name, result: namingFlags(() => simulate(scenario, trace, { ...options, ...(onProgress ? { onProgress } : {}) })) });
    }
    perTrace.push({ trace, runs });
  }

  const first = perTrace[0].runs[0].result;
  const o = first.options;
  const p = o.profile;
  const slo = o.slo;
  const q = `p${Math.round(slo.quantile * 100)}`;
  const header = [
    `service ${service.name}${service.namespace ? ` (namespace ${service.namespace})` : ''}: ${service.minReplicas}-${service.maxReplicas} replicas, metrics ${service.metrics.map((m) => m.name).join(', ') || 'none'}; ${autoscalerLine(service)}`,
    `serving ${p.id}: ${p.model} on ${p.gpu} (${p.engine}), prefill ${formatCount(p.prefillTokensPerSecond)} tokens/s, decode step ${(p.decodeBaseSeconds * 1000).toFixed(1)} ms + ${(p.decodePerSequenceSeconds * 1000).toFixed(2)} ms per sequence, KV cache ${formatCount(p.kvCacheTokens)} tokens, ${o.routing} routing`,
    `SLOs (${q} per second): TTFT <= ${slo.ttftSeconds} s, TPOT <= ${slo.interTokenSeconds} s, e2e <= ${slo.e2eSeconds} s, failed <= ${slo.failedRatio * 100}%; model load ${o.modelLoadSeconds} s, image pull ${o.imagePullSeconds} s; ${service.gpusPerPod > 0 ? `${service.gpusPerPod} GPU/pod, ${o.gpusPerNode} GPU/node, up to ${o.maxNodes} nodes, ${o.provisioningSeconds} s to add one` : 'CPU only'}`,
  ];
  const traceLine = (trace: Trace, r: SimulationResult): string => {
    const stats = traceStats(trace);
    return `trace ${trace.name}: ${formatCount(stats.seconds)} s, ${formatCount(stats.total)} requests, mean ${stats.mean.toFixed(2)}/s, peak ${stats.peak.toFixed(0)}/s (60 s average ${stats.peak60.toFixed(1)}/s); ${countOf(r.initialReplicas, 'replica')} ready at the start`;
  };
  const notes = [...new Set(perTrace.flatMap((t) => t.runs.flatMap((r) => r.result.warnings))), ...inFlightNotes(perTrace), ...belowBoundNotes(perTrace)];

  if (v.json) {
    io.stdout(`${JSON.stringify({
      service: service.name,
      profile: p.id,
      traces: perTrace.map(({ trace, runs }) => ({
        trace: trace.name,
        scenarios: runs.map((r) => ({ name: r.name, behavior: r.result.service.behavior, summary: { ...r.result.summary, timeToCapacity: { ...r.result.summary.timeToCapacity, list: undefined } } })),
      })),
      notes,
    }, null, 2)}\n`);
  } else {
    io.stdout(`${header.join('\n')}\n`);
    for (const { trace, runs } of perTrace) {
      io.stdout(`\n${traceLine(trace, runs[0].result)}\n${formatTable(summaryColumns(service.gpusPerPod > 0), summaryRows(runs))}\n${boundsLine(runs[0].result)}\n`);
      for (const line of [...kedaLines(runs), ...faultLines(runs)]) io.stdout(`${line}\n`);
    }
    io.stdout(`\ns over: seconds whose ${q} (of requests that got a first token, tokens, or requests that finished then) broke the SLO; ${service.gpusPerPod > 0 ? 'node-hours: GPU nodes from provisioning start to removal; vs instant / vs lead-time: node-hours over each lower bound' : 'replica-hours: pods bound to a node; vs instant / vs lead-time: replica-hours over each lower bound'}; time to capacity: longest wait for enough ready replicas after sustained demand (60 s average) outgrew them.\n`);
    for (const n of notes) io.stdout(`note: ${n}\n`);
  }
  if (report !== undefined) {
    const { trace, runs } = perTrace[0];
    const html = renderReport({ title: `inferscale simulate: ${service.name} on ${trace.name}`, description: [...header, traceLine(trace, runs[0].result)], footer: [boundsLine(runs[0].result), ...kedaLines(runs), ...faultLines(runs)], runs, notes });
    try {
      writeFileSync(report, html);
    } catch (e) {
      throw new CliError(`cannot write the report to ${v.report}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (!v.json) io.stdout(`report: ${report}\n`);
  }
  return 0;
}
