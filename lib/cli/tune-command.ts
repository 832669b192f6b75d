/**
 * `inferscale tune`: searches HPA targets, minReplicas, behavior presets and the cold-start
 * levers (headroom nodes, image pre-pull, scheduled floors) for the fewest GPU node-hours that
 * keep an SLO, on the first part of a trace, and reports the held-out rest beside it.
 * @module
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { BehaviorPresetName, DEFAULT_TRACE_START, parseShapeSpec, scaleTrace, simulate, SimulatedService, SimulationOptions, SimulationPool, Trace, TraceError, TraceShapeOptions } from '../core/simulator';
import {
  basePoint, boundRatio, coordinateSearchParallel, redrawTrace, violationSecondsOf, robustCandidates, robustChoice, evaluate, expectedEvaluations, Evaluation, Evaluator, floorsFromNeed, paretoFrontier, pointInput,
  renderPulumiKeys, renderTypescriptProps, simulatePoint, splitTrace, traceStartAfter, tunedConfiguration, TunePoint, TuneSlo, TuneSpace, WeightCacheLever,
} from '../core/tune';
import { checkDnsLabel } from '../core/names';
import type { ScheduledFloorsProps, Weekday } from '../core/scheduled-floors';
import { checkOutputFile, CliError, loadAppDir, loadManifest, loadProfile, loadTrace, parseCommandLine, pickService, readShare } from './inputs';
import type { CliIo } from './simulate-command';
import { parseWeightCache } from './simulate-command';
import { formatSeconds, formatTable } from './table';

/** Usage text of `inferscale tune`. */
export const TUNE_USAGE = `Usage: inferscale tune --service NAME --trace SPEC --slo LIST [options]

Searches the service's HPA targets (each metric scaled or dropped), minReplicas, behavior
presets and their parameters (scale-down window, scale-up percent and period), warm GPU
nodes (headroom), image pre-pull, scheduled floors and, with --storage-throughput, a weight
cache, for the fewest GPU node-hours that keep the SLO. It tunes on the first part of the
trace (a synthetic shape: on all of it) and reports a held-out part beside the training
figures (the rest of the trace; for a shape, the same shape with the next seed).

  --service NAME        a service of the synthesized app (--app-dir, default charts-out/)
  --manifest FILE       or a YAML file with an HPA and its Deployment
  --app-dir DIR         folder of the synthesized app (default: charts-out)
  --trace SPEC          a shape (step, spike, diurnal, ramp, with parameters), code | conv, or a file
  --scale N             multiply the trace's requests by N (default 1)
  --slo LIST            e.g. ttft-p95=2s,e2e-p95=30s,tpot-p95=0.2s,failed=0.1% (one quantile for all)
  --budget S            seconds of the training part that may break a latency limit
                        (default 1% of them, or fewer: what the service as configured breaks)
  --train F             share of the trace to tune on (default 0.7; a shape: all of it)
  --held-out SPEC       hold out this trace instead (a shape, code | conv, or a file)
  --profile ID|FILE     serving profile: a shipped one (see inferscale profile list) or a JSON
                        file from "inferscale profile fit" (default qwen2.5-7b/a10g)
  --load-time S         model load time in seconds
  --weight-cache MBPS[:shared]
                        weights load from a cache at this throughput (as in simulate)
  --storage-throughput MBPS[:shared]
                        a weight cache at this throughput is available: search with and
                        without it (node-local unless :shared)
  --margin P            the chosen configuration must also keep the SLO on another draw
                        of the training part's noise with this much more traffic: a percent
                        (10%) or a fraction (0.1), at most 100% (default 10%)
  --gpu-pool NAME       the GPU pool the printed gpuHeadroom names, a DNS label as pool
                        names are (default a10g)
  --seed N              seed of synthetic traces and start-up spread (default 1)
  --workers N           worker threads for the simulations (default: one per core when the
                        search would take more than about 10 s in one thread; 0: none)
  --report FILE         write an HTML report with the frontier plotted
  --json                print the result as JSON
  --progress            show progress on stderr even when it is not a terminal
  -h, --help            show this help
`;

const OPTIONS = {
  service: { type: 'string' },
  manifest: { type: 'string' },
  'app-dir': { type: 'string' },
  trace: { type: 'string' },
  scale: { type: 'string' },
  slo: { type: 'string' },
  budget: { type: 'string' },
  train: { type: 'string' },
  'held-out': { type: 'string' },
  'storage-throughput': { type: 'string' },
  'gpu-pool': { type: 'string' },
  margin: { type: 'string' },
  profile: { type: 'string' },
  'load-time': { type: 'string' },
  'weight-cache': { type: 'string' },
  seed: { type: 'string' },
  workers: { type: 'string' },
  report: { type: 'string' },
  json: { type: 'boolean' },
  progress: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Target multipliers tried per metric; 0 drops the metric (only when another remains). */
export const TARGET_SCALES = [1, 0.5, 0.75, 1.5, 2, 0] as const;
/** Behavior presets tried. */
export const TUNED_BEHAVIORS: readonly BehaviorPresetName[] = ['configured', 'burst', 'steady', 'queue', 'default'];
/** Warm GPU nodes tried. */
export const HEADROOM_CANDIDATES = [0, 1, 2] as const;
/** Shares of the trace's per-slot need tried as scheduled floors. */
export const FLOOR_SHARES = [0.5, 1, 1.25] as const;
/** GPU pool the printed `gpuHeadroom` names without `--gpu-pool`: the default environment's. */
export const DEFAULT_GPU_POOL = 'a10g';
/** More traffic than in training that the chosen configuration must also keep the SLO under. */
export const DEFAULT_MARGIN = 0.1;

/** Frontier points shown (and held out). */
const FRONTIER_ROWS = 12;

/** A search expected to take longer than this in one thread (ms) runs on worker threads. */
const PARALLEL_WORTH_MS = 10_000;

/** `--workers`: a whole number, 0 or more. */
function parseWorkers(spec: string): number {
  const n = Number(spec);
  if (spec.trim() === '' || !Number.isInteger(n) || n < 0) throw new CliError(`--workers is "${spec}"; expected a whole number of threads, 0 or more`);
  return n;
}

/**
 * The most more traffic `--margin` accepts (100 %: twice the training part's). The margin guards
 * against the noise of one draw; a larger one asks about another workload, which `--scale` states.
 */
export const MAX_MARGIN = 1;

/**
 * `--margin 10%` or `--margin 0.1`: a share of more traffic, from 0 to {@link MAX_MARGIN}. A bare
 * number is a fraction, as `--train` and `--slo failed=` read one, so a bare number above 1 (`10`,
 * meaning 1000 % more) is refused rather than guessed to be a percent.
 */
export function parseMargin(text: string): number {
  const share = readShare(text);
  const expected = `expected a share of more traffic from 0 to ${MAX_MARGIN * 100}%, e.g. 10% or 0.1`;
  if (!share) throw new CliError(`--margin is "${text}"; ${expected}`);
  if (!share.percent && share.value > 1) throw new CliError(`--margin is "${text}"; a bare number is a fraction (${text} would be ${Math.round(share.value * 100)}% more traffic); ${expected}`);
  if (share.value > MAX_MARGIN) throw new CliError(`--margin is "${text}"; ${expected}`);
  return share.value;
}

/** Scale-up `Percent` policy values tried around the preset's. */
export const SCALE_UP_PERCENTS = [50, 100, 200, 400] as const;
/** Scale-up policy periods tried around the preset's, seconds. */
export const SCALE_UP_PERIODS = [15, 30, 60] as const;

/**
 * Scale-down stabilization windows tried, seconds: from the model load time (the shortest a
 * service accepts: a replica removed sooner takes longer to bring back) to 30 minutes.
 */
export function scaleDownWindows(loadSeconds: number): number[] {
  const floor = Math.min(3600, Math.ceil(loadSeconds));
  return [...new Set([floor, 300, 600, 1200, 1800].map((w) => Math.max(floor, w)))].sort((a, b) => a - b);
}

/** A shape spec with another seed (the last `seed=` of a spec wins). */
export function withSeed(spec: string, seed: number): string {
  return `${spec}${spec.includes(':') ? ',' : ':'}seed=${seed}`;
}

/** `--slo ttft-p95=2s,e2e-p95=30s,failed=0.1%` as a {@link TuneSlo} without its budget. */
export function parseSlo(spec: string): Omit<TuneSlo, 'budgetSeconds'> {
  let quantile: number | undefined;
  let ttft: number | undefined;
  let e2e: number | undefined;
  let tpot: number | undefined;
  let failed = 0.001;
  for (const part of spec.split(',').map((x) => x.trim()).filter(Boolean)) {
    if (part.startsWith('failed=')) {
      const share = readShare(part.slice('failed='.length));
      if (!share || share.value > 1) throw new CliError(`--slo: "${part}" is not a failed-request share from 0 to 100%`);
      failed = share.value;
      continue;
    }
    const m = /^(ttft|e2e|tpot)-p(\d{1,2}(?:\.\d+)?)=([0-9.]+)(ms|s)?$/.exec(part);
    if (!m) throw new CliError(`--slo: "${part}" is not a limit; expected ttft-p95=2s, e2e-p95=30s, tpot-p95=200ms or failed=0.1%`);
    const q = Number(m[2]) / 100;
    if (quantile !== undefined && q !== quantile) throw new CliError(`--slo: "${part}" uses p${m[2]}, another limit p${quantile * 100}; the simulator checks one quantile for all limits`);
    quantile = q;
    const seconds = Number(m[3]) / (m[4] === 'ms' ? 1000 : 1);
    if (!(seconds > 0)) throw new CliError(`--slo: "${part}" needs a limit greater than 0`);
    if (m[1] === 'ttft') ttft = seconds;
    else if (m[1] === 'e2e') e2e = seconds;
    else tpot = seconds;
  }
  if (ttft === undefined && e2e === undefined && tpot === undefined) throw new CliError(`--slo is "${spec}"; expected at least one latency limit, e.g. ttft-p95=2s`);
  return { ...(ttft !== undefined ? { ttftSeconds: ttft } : {}), ...(e2e !== undefined ? { e2eSeconds: e2e } : {}), ...(tpot !== undefined ? { interTokenSeconds: tpot } : {}), failedRatio: failed, quantile: quantile ?? 0.95 };
}

/** A frontier or baseline row: the configuration and its figures on both parts of the trace. */
export interface TuneRow {
  /** What the configuration is, in words. */
  readonly label: string;
  /** The point. */
  readonly point: TunePoint;
  /** On the training part. */
  readonly train: Evaluation;
  /** On the held-out part. */
  readonly heldOut: Evaluation;
}

/** What a lever bought: the chosen configuration with that lever back at its baseline value. */
export interface LeverEffect {
  /** The lever. */
  readonly lever: string;
  /** Its value in the chosen configuration. */
  readonly chosen: string;
  /** Held-out figures without it (the baseline value). */
  readonly without: Evaluation;
}

/** Runs `inferscale tune`; returns the exit code. */
export async function runTune(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine('tune', { args: [...args], options: OPTIONS, allowPositionals: false, strict: true }, io.stderr);
  if (!parsed) return 2;
  const v = parsed.values;
  if (v.help) {
    io.stdout(TUNE_USAGE);
    return 0;
  }
  if (v.trace === undefined) throw new CliError('--trace is missing; expected a shape, code | conv, or a file');
  if (v.slo === undefined) throw new CliError('--slo is missing; e.g. --slo ttft-p95=2s,failed=0.1%');
  // Before the search, which may take minutes: a report that cannot be written fails now.
  const reportFile = v.report !== undefined ? checkOutputFile('--report', v.report, io.cwd) : undefined;
  const services = v.manifest !== undefined ? loadManifest(v.manifest, io.cwd) : loadAppDir(v['app-dir'] ?? 'charts-out', io.cwd);
  let service = pickService(services, v.service, v.manifest ?? `${v['app-dir'] ?? 'charts-out'}/`);
  const seed = v.seed === undefined ? undefined : Number(v.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw new CliError(`--seed is "${v.seed}"; expected a whole number`);
  const scale = v.scale === undefined ? 1 : Number(v.scale);
  if (!(scale > 0)) throw new CliError(`--scale is "${v.scale}"; expected a number greater than 0`);
  const trace: Trace = scaleTrace(loadTrace(v.trace, io.cwd, seed !== undefined ? { seed } : {}), scale);
  const margin = v.margin === undefined ? DEFAULT_MARGIN : parseMargin(v.margin);
  const gpuPool = v['gpu-pool'] ?? DEFAULT_GPU_POOL;
  // The pool's own check: a name no GPU pool can have never reaches the printed props.
  const poolProblem = checkDnsLabel('--gpu-pool', gpuPool)[0];
  if (poolProblem) throw new CliError(`${poolProblem.path} ${poolProblem.message} (the name of one of the platform's gpuNodePools)`);
  const trainShare = v.train === undefined ? 0.7 : Number(v.train);
  if (!(trainShare > 0 && trainShare < 1)) throw new CliError(`--train is "${v.train}"; expected a share between 0 and 1, e.g. 0.7`);
  if (v['load-time'] !== undefined) {
    const load = Number(v['load-time']);
    if (!(load > 0)) throw new CliError(`--load-time is "${v['load-time']}"; expected seconds greater than 0`);
    service = { ...service, modelLoadSeconds: Math.round(load), modelLoadSource: 'option' };
  }
  const sloBase = parseSlo(v.slo);
  if (v['held-out'] !== undefined && v.train !== undefined) throw new CliError('--held-out and --train both choose the held-out part; give one');
  const { train, heldOut, heldOutStartSeconds } = tuneParts(trace, v.trace, io.cwd, { trainShare: v.train === undefined ? undefined : trainShare, heldOutSpec: v['held-out'], seed, scale });
  const base: SimulationOptions = {
    slo: simulationSlo(sloBase),
    ...(v.profile !== undefined ? { serving: { profile: loadProfile(v.profile, io.cwd) } } : {}),
    ...(seed !== undefined ? { pods: { seed } } : {}),
    ...(v['weight-cache'] !== undefined ? { levers: { weightCache: parseWeightCache(v['weight-cache']) } } : {}),
  };
  if (v['weight-cache'] !== undefined && v['storage-throughput'] !== undefined) throw new CliError('--weight-cache always uses a cache, --storage-throughput lets the search decide; give one');
  const storage: WeightCacheLever | undefined = v['storage-throughput'] !== undefined ? parseStorageThroughput(v['storage-throughput']) : undefined;
  // The held-out part keeps the trace's clock, so scheduled floors fall where they would.
  const heldOutBase: SimulationOptions = heldOutStartSeconds > 0 ? { ...base, levers: { ...base.levers, traceStart: traceStartAfter(heldOutStartSeconds) } } : base;
  const baselineStarted = Date.now();
  const baseline = simulate(service, train, base);
  const baselineMs = Date.now() - baselineStarted;
  // Never worse than what runs now: the default budget is 1 % of the training seconds, or what
  // the service as configured breaks there, whichever is less.
  const configuredOver = violationSecondsOf(baseline.summary, sloBase);
  const budget = v.budget === undefined ? Math.min(Math.round(train.requests.length * 0.01), configuredOver) : Number(v.budget);
  if (!(budget >= 0)) throw new CliError(`--budget is "${v.budget}"; expected seconds, 0 or more`);
  const slo: TuneSlo = { ...sloBase, budgetSeconds: budget };
  // The held-out part may be shorter: its budget is the same share of its length.
  const heldOutSlo: TuneSlo = { ...sloBase, budgetSeconds: (budget * heldOut.requests.length) / train.requests.length };
  // The space: floors come from what the training part needed, slot by slot of the day.
  const startup = baseline.summary.bounds.startupSeconds;
  const floors: (ScheduledFloorsProps | undefined)[] = [undefined];
  for (const share of FLOOR_SHARES) {
    const f = floorsFromNeed(baseline.timeline.neededReplicas, share, service.minReplicas, service.maxReplicas, startup);
    if (f && !floors.some((x) => JSON.stringify(x) === JSON.stringify(f))) floors.push(f);
  }
  const minReplicas = [...new Set([service.minReplicas, service.minReplicas + 1, service.minReplicas + 2, Math.max(1, service.minReplicas - 1)])].filter((m) => m <= service.maxReplicas);
  const space: TuneSpace = {
    targetScales: service.metrics.map(() => (service.metrics.length > 1 ? [...TARGET_SCALES] : TARGET_SCALES.filter((x) => x !== 0))),
    minReplicas,
    behaviors: TUNED_BEHAVIORS,
    headroomNodes: service.gpusPerPod > 0 ? [...HEADROOM_CANDIDATES] : [0],
    imagePrepull: service.gpusPerPod > 0 ? [false, true] : [false],
    floors,
    ...(service.behavior !== null ? {
      scaleDownWindows: [undefined, ...scaleDownWindows(service.modelLoadSeconds)],
      scaleUpPercents: [undefined, ...SCALE_UP_PERCENTS],
      scaleUpPeriods: [undefined, ...SCALE_UP_PERIODS],
    } : {}),
    weightCaches: storage ? [undefined, storage] : [undefined],
  };

  const started = Date.now();
  const showProgress = io.stderrIsTty || v.progress === true;
  const expected = expectedEvaluations(space);
  // Threads pay for their start (about a second) only on a long search.
  const cores = availableParallelism();
  const workers = v.workers !== undefined ? parseWorkers(v.workers) : cores > 1 && baselineMs * expected > PARALLEL_WORTH_MS ? cores : 0;
  const pool = workers > 0 ? new SimulationPool(workers) : undefined;
  const evaluatorOn = (t: Trace, s: TuneSlo, options: SimulationOptions): Evaluator => new Evaluator(
    (p) => simulatePoint(service, t, space, s, options, p),
    pool ? async (points) => (await pool.run(points.map((p) => pointInput(service, t, space, options, p)))).map((summary, i) => evaluate(points[i], summary, s)) : undefined,
  );
  const evaluator = evaluatorOn(train, slo, base);
  // The choice must also keep the SLO on another draw of the training part's noise with
  // `margin` more traffic: the cheapest point that just fits one draw fails the next.
  const stressed = evaluatorOn(redrawTrace(train, 1 + margin, (seed ?? 1) + 100), slo, base);
  // Held-out figures for the frontier, the choice, the two references and each lever.
  const heldOutEvaluator = evaluatorOn(heldOut, heldOutSlo, heldOutBase);
  const heldOutOf = (p: TunePoint): Evaluation => heldOutEvaluator.get(p);
  const defaultsPoint: TunePoint = { ...basePoint(space), behavior: space.behaviors.indexOf('default') };
  let result: Awaited<ReturnType<typeof coordinateSearchParallel>>;
  let robust: ReturnType<typeof robustChoice>;
  let frontier: Evaluation[];
  let leverPoints: ReturnType<typeof leverEffects>;
  try {
    result = await coordinateSearchParallel(space, evaluator, 4, (best) => {
      if (!showProgress) return;
      const elapsed = (Date.now() - started) / 1000;
      const left = evaluator.runs > 0 ? Math.max(0, (elapsed / evaluator.runs) * (expected - evaluator.runs)) : 0;
      const line = `tune: ${evaluator.runs} points evaluated, best ${best.nodeHours.toFixed(2)} node-hours${best.feasible ? '' : ' (SLO not met yet)'}, about ${Math.ceil(left)} s left`;
      io.stderr(io.stderrIsTty ? `\r${line}` : `${line}\n`);
    });
    if (showProgress && io.stderrIsTty) io.stderr('\n');
    // The first candidates at once, one per thread: the cheapest usually holds.
    await stressed.prefetch(robustCandidates(result.evaluated, workers).map((e) => e.point));
    robust = robustChoice(result.evaluated, (e) => stressed.get(e.point));
    frontier = paretoFrontier(result.evaluated).slice(0, FRONTIER_ROWS);
    leverPoints = leverEffects(space, robust.choice.point);
    await evaluator.prefetch([defaultsPoint]);
    await heldOutEvaluator.prefetch([...frontier.map((e) => e.point), robust.choice.point, basePoint(space), defaultsPoint, ...leverPoints.map((l) => l.point)]);
  } finally {
    await pool?.close();
  }
  const describe = (p: TunePoint): string => describePoint(service, space, p);
  const chosen = robust.choice;
  const row = (label: string, p: TunePoint, t: Evaluation): TuneRow => ({ label, point: p, train: t, heldOut: heldOutOf(p) });
  const configured = evaluator.get(basePoint(space));
  const rows = {
    frontier: frontier.map((e) => row(describe(e.point), e.point, e)),
    chosen: row(describe(chosen.point), chosen.point, chosen),
    configured: row('as configured', configured.point, configured),
    defaults: row('Kubernetes default behavior', defaultsPoint, evaluator.get(defaultsPoint)),
  };
  const levers = leverPoints.map((l) => ({ lever: l.lever, chosen: l.chosen, without: heldOutOf(l.point) }));
  const seconds = (Date.now() - started) / 1000;

  const tuned = tunedConfiguration(service, space, chosen.point, gpuPool);
  const tsProps = renderTypescriptProps(tuned);
  const yamlKeys = renderPulumiKeys(tuned);
  const ratio = boundRatio(rows.chosen.heldOut);
  const notes: string[] = [];
  if (!chosen.feasible) notes.push('no configuration searched met the SLO on the training part; the chosen one misses it least. The frontier shows what each node-hour buys.');
  else if (!robust.held) notes.push(`none of the ${robust.tried} cheapest configurations that met the SLO kept it on another draw of the traffic with ${Math.round(margin * 100)}% more; the chosen one broke it least there.`);
  else if (robust.tried > 1) notes.push(`${robust.tried - 1} cheaper configuration(s) met the SLO but broke it on another draw of the traffic with ${Math.round(margin * 100)}% more; the chosen one keeps it.`);
  if (tuned.scheduledFloors) notes.push(floorsClockNote(train.requests.length));
  if (v.json) {
    io.stdout(`${JSON.stringify({ service: service.name, trace: trace.name, heldOutTrace: heldOut.name, trainSeconds: train.requests.length, heldOutSeconds: heldOut.requests.length, slo, space, evaluations: evaluator.runs, seconds, ...rows, heldOutBoundRatio: ratio, levers, configuration: tuned, typescript: tsProps, pulumi: yamlKeys, notes }, null, 2)}\n`);
  } else {
    const q = `p${Math.round(slo.quantile * 100)}`;
    io.stdout(`service ${service.name}: ${service.minReplicas}-${service.maxReplicas} replicas, metrics ${service.metrics.map((m) => m.name).join(', ')}\n`);
    io.stdout(heldOutStartSeconds > 0
      ? `trace ${trace.name}: tuned on the first ${train.requests.length} s, held out the last ${heldOut.requests.length} s\n`
      : `trace ${trace.name}: tuned on all ${train.requests.length} s, held out ${heldOut.name.replace(/ \(held out\)$/, '')} (${heldOut.requests.length} s)\n`);
    io.stdout(`SLO (${q}): ${[slo.ttftSeconds !== undefined ? `TTFT <= ${slo.ttftSeconds} s` : '', slo.e2eSeconds !== undefined ? `e2e <= ${slo.e2eSeconds} s` : '', slo.interTokenSeconds !== undefined ? `TPOT <= ${slo.interTokenSeconds} s` : ''].filter(Boolean).join(', ')}, failed <= ${slo.failedRatio * 100}%, at most ${budget} s over in training\n`);
    io.stdout(`searched ${evaluator.runs} configurations in ${seconds.toFixed(1)} s\n`);
    // What the choice is worth comes before the tables and the props to paste, so it is read.
    for (const n of notes) io.stdout(`note: ${n}\n`);
    io.stdout('\n');
    io.stdout('Pareto frontier (training), with held-out figures:\n');
    io.stdout(`${formatTable(TABLE_COLUMNS, rows.frontier.map((r) => tableRow(r, r.point === chosen.point ? '*' : '')))}\n\n`);
    io.stdout('Chosen against the references:\n');
    io.stdout(`${formatTable(TABLE_COLUMNS, [tableRow(rows.chosen, 'chosen'), tableRow(rows.configured, 'configured'), tableRow(rows.defaults, 'defaults')])}\n`);
    io.stdout(`held out, the chosen configuration pays ${rows.chosen.heldOut.nodeHours.toFixed(2)} node-hours, ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'an unknown multiple of'} the clairvoyant bound with start-up times (${rows.chosen.heldOut.leadTimeNodeHours?.toFixed(2) ?? '?'})\n\n`);
    io.stdout('What each lever bought (held out; the chosen configuration without it):\n');
    io.stdout(`${formatTable(LEVER_COLUMNS, levers.map((l) => [l.lever, l.chosen, l.without.nodeHours.toFixed(2), String(Math.round(l.without.violationSeconds)), `${(rows.chosen.heldOut.nodeHours - l.without.nodeHours).toFixed(2)}`, `${Math.round(l.without.violationSeconds - rows.chosen.heldOut.violationSeconds)}`]))}\n\n`);
    io.stdout(`TypeScript props:\n${tsProps}\n\nPulumi.dev.yaml keys:\n${yamlKeys}\n`);
  }
  if (reportFile !== undefined) {
    try {
      writeFileSync(reportFile, renderTuneReport(service.name, trace.name, rows, levers, tsProps, yamlKeys));
    } catch (e) {
      throw new CliError(`cannot write the report to ${v.report}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (!v.json) io.stdout(`report: ${reportFile}\n`);
  }
  return 0;
}

/** Seconds in a day: the period scheduled floors repeat over. */
const SECONDS_PER_DAY = 86_400;

/** Day names for people, by the simulator's weekday keys. */
const DAY_NAMES: Readonly<Record<Weekday, string>> = { sun: 'Sunday', mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday' };

/**
 * What the chosen scheduled floors assume: they repeat every day at clock times, and the
 * trace's own clock, which sets them, starts at {@link DEFAULT_TRACE_START} (in UTC, the time
 * zone of floors that name none). From less than a day of training they repeat the shape of
 * those hours every day.
 */
export function floorsClockNote(trainSeconds: number): string {
  const clock = `the scheduled floors set minReplicas at clock times every day, read off the trace, whose first second is taken as ${DEFAULT_TRACE_START.time} UTC on a ${DAY_NAMES[DEFAULT_TRACE_START.day]}`;
  if (trainSeconds >= SECONDS_PER_DAY) return `${clock}: start the trace at midnight, or shift the floors by its start`;
  return `${clock}, and the training part covers ${formatSeconds(trainSeconds)}, less than a day: they repeat that part's shape at those hours every day. Keep them only if your traffic has that shape at those hours; a trace of a day or more shows the daily shape`;
}

const TABLE_COLUMNS = ['', 'configuration', 'node-hours', 's over', 'failed', 'held-out node-hours', 'held-out vs bound', 'held-out s over', 'held-out failed'];
const LEVER_COLUMNS = ['lever', 'chosen', 'node-hours without', 's over without', 'node-hours it costs', 's over it saves'];

function tableRow(r: TuneRow, mark: string): string[] {
  const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
  const ratio = boundRatio(r.heldOut);
  return [mark, r.label, r.train.nodeHours.toFixed(2), String(Math.round(r.train.violationSeconds)), pct(r.train.failedRatio), r.heldOut.nodeHours.toFixed(2), Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '-', String(Math.round(r.heldOut.violationSeconds)), pct(r.heldOut.failedRatio)];
}

/** One configuration in words: only what differs from the baseline. */
export function describePoint(service: SimulatedService, space: TuneSpace, p: TunePoint): string {
  const parts: string[] = [];
  service.metrics.forEach((m, i) => {
    const s = space.targetScales[i][p.targets[i]];
    if (s === 0) parts.push(`no ${m.name}`);
    else if (s !== 1) parts.push(`${m.name} ${formatTarget(m.targetType, m.target, s)}`);
  });
  if (p.minReplicas !== 0) parts.push(`min ${space.minReplicas[p.minReplicas]}`);
  if (p.behavior !== 0) parts.push(space.behaviors[p.behavior]);
  if (space.headroomNodes[p.headroom] > 0) parts.push(`headroom ${space.headroomNodes[p.headroom]}`);
  if (space.imagePrepull[p.prepull]) parts.push('prepull');
  if (p.floors !== 0) parts.push(`floors ${floorSummary(space.floors[p.floors]!)}`);
  const window = space.scaleDownWindows?.[p.scaleDownWindow];
  if (window !== undefined) parts.push(`scale-down window ${window} s`);
  const percent = space.scaleUpPercents?.[p.scaleUpPercent];
  if (percent !== undefined) parts.push(`scale-up ${percent}%`);
  const period = space.scaleUpPeriods?.[p.scaleUpPeriod];
  if (period !== undefined) parts.push(`scale-up per ${period} s`);
  const cache = space.weightCaches?.[p.weightCache];
  if (cache) parts.push(`weight cache ${cache.storageBytesPerSecond / 1e6} MB/s ${cache.scope ?? 'node'}`);
  return parts.join(', ') || 'as configured';
}

function formatTarget(type: string, target: number, scale: number): string {
  if (type === 'Utilization') return `${Math.min(100, Math.round(target * scale))}%`;
  return String(Number(((target * scale) / 1000).toPrecision(3)));
}

/** Floor windows shown in full before the rest are counted. */
const FLOOR_WINDOWS_SHOWN = 3;

function floorSummary(f: ScheduledFloorsProps): string {
  const shown = f.floors.slice(0, FLOOR_WINDOWS_SHOWN).map((w) => `${w.from}-${w.to}=${w.minReplicas}`).join(' ');
  const rest = f.floors.length - FLOOR_WINDOWS_SHOWN;
  return rest > 0 ? `${shown} +${rest} more` : shown;
}

/** Each lever of the chosen point set back to its baseline value, with a name and its chosen value. */
export function leverEffects(space: TuneSpace, p: TunePoint): { lever: string; chosen: string; point: TunePoint }[] {
  const out: { lever: string; chosen: string; point: TunePoint }[] = [];
  if (space.headroomNodes[p.headroom] !== 0) out.push({ lever: 'headroom nodes', chosen: String(space.headroomNodes[p.headroom]), point: { ...p, headroom: 0 } });
  if (space.imagePrepull[p.prepull]) out.push({ lever: 'image pre-pull', chosen: 'on', point: { ...p, prepull: 0 } });
  if (p.floors !== 0) out.push({ lever: 'scheduled floors', chosen: floorSummary(space.floors[p.floors]!), point: { ...p, floors: 0 } });
  if (p.minReplicas !== 0) out.push({ lever: 'minReplicas', chosen: String(space.minReplicas[p.minReplicas]), point: { ...p, minReplicas: 0 } });
  const cache = space.weightCaches?.[p.weightCache];
  if (cache) out.push({ lever: 'weight cache', chosen: `${cache.storageBytesPerSecond / 1e6} MB/s ${cache.scope ?? 'node'}`, point: { ...p, weightCache: 0 } });
  if (p.behavior !== 0) out.push({ lever: 'behavior', chosen: space.behaviors[p.behavior], point: { ...p, behavior: 0 } });
  if (p.scaleDownWindow !== 0 || p.scaleUpPercent !== 0 || p.scaleUpPeriod !== 0) {
    const chosen = [
      space.scaleDownWindows?.[p.scaleDownWindow] !== undefined ? `down window ${space.scaleDownWindows[p.scaleDownWindow]} s` : '',
      space.scaleUpPercents?.[p.scaleUpPercent] !== undefined ? `up ${space.scaleUpPercents[p.scaleUpPercent]}%` : '',
      space.scaleUpPeriods?.[p.scaleUpPeriod] !== undefined ? `up per ${space.scaleUpPeriods[p.scaleUpPeriod]} s` : '',
    ].filter(Boolean).join(', ');
    out.push({ lever: 'behavior parameters', chosen, point: { ...p, scaleDownWindow: 0, scaleUpPercent: 0, scaleUpPeriod: 0 } });
  }
  if (p.targets.some((t) => t !== 0)) out.push({ lever: 'targets', chosen: 'tuned', point: { ...p, targets: p.targets.map(() => 0) } });
  return out;
}

/** The simulator's SLO options for a tune SLO. */
export function simulationSlo(slo: Omit<TuneSlo, 'budgetSeconds'>): NonNullable<SimulationOptions['slo']> {
  return {
    quantile: slo.quantile,
    ...(slo.ttftSeconds !== undefined ? { ttftSeconds: slo.ttftSeconds } : {}),
    ...(slo.e2eSeconds !== undefined ? { e2eSeconds: slo.e2eSeconds } : {}),
    ...(slo.interTokenSeconds !== undefined ? { interTokenSeconds: slo.interTokenSeconds } : {}),
    failedRatio: slo.failedRatio,
  };
}

/** The part of a trace `tune` trains on and the part it holds out. */
export interface TuneParts {
  /** The training part. */
  readonly train: Trace;
  /** The held-out part. */
  readonly heldOut: Trace;
  /** Second of the trace where the held-out part starts (its clock for scheduled floors); 0 for a separate trace. */
  readonly heldOutStartSeconds: number;
}

/**
 * Training and held-out parts, as `tune` takes them: `heldOutSpec` when given (the whole trace
 * trains); for a synthetic shape without `trainShare`, the same shape with the next seed (a time
 * split would leave a step's one burst on one side); else the first `trainShare` (default 0.7)
 * and the rest.
 */
export function tuneParts(trace: Trace, spec: string, cwd: string, o: { trainShare?: number; heldOutSpec?: string; seed?: number; scale?: number } = {}): TuneParts {
  if (o.heldOutSpec !== undefined || (parseShapeSpec(spec) !== undefined && o.trainShare === undefined)) {
    const shapeDefaults = o.seed !== undefined ? { seed: o.seed } : {};
    const loaded = o.heldOutSpec !== undefined ? loadHeldOut(o.heldOutSpec, cwd, shapeDefaults) : loadTrace(withSeed(spec, (o.seed ?? 1) + 1), cwd, shapeDefaults);
    const other = scaleTrace(loaded, o.scale ?? 1);
    return { train: { ...trace, name: `${trace.name} (training)` }, heldOut: { ...other, name: `${other.name} (held out)` }, heldOutStartSeconds: 0 };
  }
  return splitTrace(trace, o.trainShare ?? 0.7);
}

/** The trace `--held-out` names; a problem with it names the option. */
function loadHeldOut(spec: string, cwd: string, shapeDefaults: TraceShapeOptions): Trace {
  try {
    return loadTrace(spec, cwd, shapeDefaults);
  } catch (e) {
    if (e instanceof CliError || e instanceof TraceError) throw new CliError(`--held-out: ${e.message}`);
    throw e;
  }
}

/** `--storage-throughput 2000` or `2000:shared`: the weight cache the search may use. */
export function parseStorageThroughput(spec: string): WeightCacheLever {
  const [rate, scope, ...rest] = spec.split(':');
  const mbps = Number(rate);
  if (!(mbps > 0) || rest.length || (scope !== undefined && scope !== 'shared' && scope !== 'node')) {
    throw new CliError(`--storage-throughput is "${spec}"; expected MB/s of the storage, optionally followed by :node or :shared (e.g. 2000 or 500:shared)`);
  }
  return { storageBytesPerSecond: mbps * 1e6, scope: scope === 'shared' ? 'shared' : 'node' };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A self-contained HTML report: the frontier plotted (node-hours against seconds over), the tables and the props. */
export function renderTuneReport(service: string, traceName: string, rows: { frontier: TuneRow[]; chosen: TuneRow; configured: TuneRow; defaults: TuneRow }, levers: readonly LeverEffect[], tsProps: string, yamlKeys: string): string {
  const points = [...rows.frontier.map((r) => ({ r, kind: 'frontier' })), { r: rows.configured, kind: 'configured' }, { r: rows.defaults, kind: 'defaults' }];
  const W = 640;
  const H = 360;
  const pad = 50;
  const xs = points.flatMap((p) => [p.r.train.nodeHours, p.r.heldOut.nodeHours]);
  const ys = points.flatMap((p) => [p.r.train.violationSeconds, p.r.heldOut.violationSeconds]);
  const xMin = Math.min(...xs) * 0.95;
  const xMax = Math.max(...xs) * 1.05 || 1;
  const yMax = Math.max(1, ...ys) * 1.05;
  const X = (x: number): number => pad + ((x - xMin) / (xMax - xMin || 1)) * (W - 2 * pad);
  const Y = (y: number): number => H - pad - (y / yMax) * (H - 2 * pad);
  const color: Record<string, string> = { frontier: '#1f77b4', configured: '#d62728', defaults: '#7f7f7f' };
  const dots = points.map(({ r, kind }) => {
    const chosen = r.point === rows.chosen.point ? ' stroke="#000" stroke-width="2"' : '';
    return `<circle cx="${X(r.train.nodeHours).toFixed(1)}" cy="${Y(r.train.violationSeconds).toFixed(1)}" r="5" fill="${color[kind]}"${chosen}><title>${escapeHtml(`${kind}: ${r.label} (training)`)}</title></circle>`
      + `<rect x="${(X(r.heldOut.nodeHours) - 4).toFixed(1)}" y="${(Y(r.heldOut.violationSeconds) - 4).toFixed(1)}" width="8" height="8" fill="none" stroke="${color[kind]}"><title>${escapeHtml(`${kind}: ${r.label} (held out)`)}</title></rect>`;
  }).join('');
  const table = (head: string[], body: string[][]): string => `<table><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>${body.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</table>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>inferscale tune: ${escapeHtml(service)} on ${escapeHtml(traceName)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:nth-child(2){text-align:left}pre{background:#f6f6f6;padding:1em}</style></head><body>
<h1>inferscale tune: ${escapeHtml(service)} on ${escapeHtml(traceName)}</h1>
<p>GPU node-hours against seconds over the SLO. Dots: training part; squares: held-out part. Blue: Pareto frontier (black ring: chosen); red: as configured; grey: Kubernetes default behavior.</p>
<svg width="${W}" height="${H}" role="img" aria-label="Pareto frontier"><line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#333"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="#333"/>
<text x="${W / 2}" y="${H - 10}" text-anchor="middle">node-hours (${xMin.toFixed(2)} to ${xMax.toFixed(2)})</text><text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">seconds over (0 to ${Math.round(yMax)})</text>${dots}</svg>
<h2>Frontier</h2>${table(TABLE_COLUMNS, rows.frontier.map((r) => tableRow(r, r.point === rows.chosen.point ? '*' : '')))}
<h2>Chosen against the references</h2>${table(TABLE_COLUMNS, [tableRow(rows.chosen, 'chosen'), tableRow(rows.configured, 'configured'), tableRow(rows.defaults, 'defaults')])}
<p>Held out, the chosen configuration pays ${rows.chosen.heldOut.nodeHours.toFixed(2)} node-hours: ${Number.isFinite(boundRatio(rows.chosen.heldOut)) ? `${boundRatio(rows.chosen.heldOut).toFixed(2)}×` : 'an unknown multiple of'} the clairvoyant bound with start-up times.</p>
<h2>What each lever bought (held out)</h2>${table(LEVER_COLUMNS, levers.map((l) => [l.lever, l.chosen, l.without.nodeHours.toFixed(2), String(Math.round(l.without.violationSeconds)), (rows.chosen.heldOut.nodeHours - l.without.nodeHours).toFixed(2), String(Math.round(l.without.violationSeconds - rows.chosen.heldOut.violationSeconds))]))}
<h2>TypeScript props</h2><pre>${escapeHtml(tsProps)}</pre><h2>Pulumi.dev.yaml keys</h2><pre>${escapeHtml(yamlKeys)}</pre></body></html>
`;
}
