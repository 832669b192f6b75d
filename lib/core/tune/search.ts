/**
 * `inferscale tune`: the search space of an autoscaling configuration and its cold-start
 * levers, the objective (fewest GPU node-hours that keep the SLO), a coordinate search that
 * needs few simulations, the exhaustive grid it is measured against, and the Pareto frontier.
 * @module
 */
import type { HpaBehavior } from '../hpa';
import { Prng, simulate, SimulationInput, SimulationOptions, SimulationSummary } from '../simulator';
import { DEFAULT_TRACE_START, LeverOptions } from '../simulator/options';
import { BehaviorPresetName, SimulatedService, withBehaviorPreset } from '../simulator/service';
import type { Trace } from '../simulator/trace';
import { ResolvedFloorWindow, ScheduledFloorsProps, WEEKDAYS } from '../scheduled-floors';

/** Every dimension of the search, each a list of candidate values (the first is the baseline). */
export interface TuneSpace {
  /** Per metric of the service (same order): target multipliers; 0 drops the metric. */
  readonly targetScales: readonly (readonly number[])[];
  /** `minReplicas` candidates. */
  readonly minReplicas: readonly number[];
  /** Behavior presets. */
  readonly behaviors: readonly BehaviorPresetName[];
  /** Warm nodes. */
  readonly headroomNodes: readonly number[];
  /** Image pre-pull off or on. */
  readonly imagePrepull: readonly boolean[];
  /** Scheduled floors: `undefined` for none. */
  readonly floors: readonly (ScheduledFloorsProps | undefined)[];
  /** Scale-down stabilization windows, seconds; `undefined` keeps the behavior's own. @default [undefined] */
  readonly scaleDownWindows?: readonly (number | undefined)[];
  /** Scale-up `Percent` policy values; `undefined` keeps the behavior's own. @default [undefined] */
  readonly scaleUpPercents?: readonly (number | undefined)[];
  /** Scale-up policy periods, seconds (every scale-up policy); `undefined` keeps the behavior's own. @default [undefined] */
  readonly scaleUpPeriods?: readonly (number | undefined)[];
  /** Weight caches: `undefined` for none (every load takes the service's load time). @default [undefined] */
  readonly weightCaches?: readonly (WeightCacheLever | undefined)[];
}

/** A weight cache as a lever of the search: the simulator's `levers.weightCache`. */
export type WeightCacheLever = NonNullable<LeverOptions['weightCache']>;

/** One configuration: an index into each dimension of a {@link TuneSpace}. */
export interface TunePoint {
  /** Index into `targetScales[i]` per metric. */
  readonly targets: readonly number[];
  /** Index into `minReplicas`. */
  readonly minReplicas: number;
  /** Index into `behaviors`. */
  readonly behavior: number;
  /** Index into `headroomNodes`. */
  readonly headroom: number;
  /** Index into `imagePrepull`. */
  readonly prepull: number;
  /** Index into `floors`. */
  readonly floors: number;
  /** Index into `scaleDownWindows`. */
  readonly scaleDownWindow: number;
  /** Index into `scaleUpPercents`. */
  readonly scaleUpPercent: number;
  /** Index into `scaleUpPeriods`. */
  readonly scaleUpPeriod: number;
  /** Index into `weightCaches`. */
  readonly weightCache: number;
}

/** What users were promised, as `tune` checks it. */
export interface TuneSlo {
  /** TTFT limit at the quantile, seconds. */
  readonly ttftSeconds?: number;
  /** End-to-end limit at the quantile, seconds. */
  readonly e2eSeconds?: number;
  /** Inter-token limit at the quantile, seconds. */
  readonly interTokenSeconds?: number;
  /** Failed requests over all, at most. @default 0.001 */
  readonly failedRatio: number;
  /** The quantile. @default 0.95 */
  readonly quantile: number;
  /** Seconds of the trace that may break a latency limit and still count as meeting the SLO. */
  readonly budgetSeconds: number;
}

/** One evaluated configuration. */
export interface Evaluation {
  /** The point. */
  readonly point: TunePoint;
  /** GPU node-hours. */
  readonly nodeHours: number;
  /** Seconds that broke a latency limit given in the SLO (summed over the limits). */
  readonly violationSeconds: number;
  /** Failed requests over all. */
  readonly failedRatio: number;
  /** Latency budget and failure ratio both met. */
  readonly feasible: boolean;
  /**
   * The clairvoyant lower bound with start-up times (`summary.bounds.leadTimeNodeHours`) on the
   * same trace: what a scaler that knew the future would pay. Absent where no simulation ran.
   */
  readonly leadTimeNodeHours?: number;
}

/** Output of {@link coordinateSearch}. */
export interface SearchResult {
  /** The best point found. */
  readonly best: Evaluation;
  /** Every point evaluated, in order. */
  readonly evaluated: readonly Evaluation[];
}

/** A dimension's value at a point; dimensions left out of the space hold only `undefined`. */
function pick<T>(values: readonly T[] | undefined, index: number): T | undefined {
  return values?.[index];
}

/**
 * The behavior with the searched parameters applied: the scale-down window, the value of every
 * scale-up `Percent` policy and the period of every scale-up policy. `null` (the legacy path)
 * has no rules to change.
 */
export function tuneBehavior(behavior: HpaBehavior | null, scaleDownWindow?: number, scaleUpPercent?: number, scaleUpPeriod?: number): HpaBehavior | null {
  if (behavior === null || (scaleDownWindow === undefined && scaleUpPercent === undefined && scaleUpPeriod === undefined)) return behavior;
  return {
    scaleUp: {
      ...behavior.scaleUp,
      policies: behavior.scaleUp.policies.map((p) => ({
        ...p,
        ...(scaleUpPercent !== undefined && p.type === 'Percent' ? { value: scaleUpPercent } : {}),
        ...(scaleUpPeriod !== undefined ? { periodSeconds: scaleUpPeriod } : {}),
      })),
    },
    scaleDown: { ...behavior.scaleDown, ...(scaleDownWindow !== undefined ? { stabilizationWindowSeconds: scaleDownWindow } : {}) },
  };
}

/** Applies a point: the service with its targets, floor and behavior, and the lever options. */
export function configure(service: SimulatedService, space: TuneSpace, point: TunePoint): { service: SimulatedService; options: SimulationOptions } {
  const metrics = service.metrics.flatMap((m, i) => {
    const scale = space.targetScales[i]?.[point.targets[i]] ?? 1;
    if (scale === 0) return [];
    const target = m.targetType === 'Utilization' ? Math.min(100, Math.round(m.target * scale)) : Math.max(1, Math.round(m.target * scale));
    return [{ ...m, target }];
  });
  const minReplicas = space.minReplicas[point.minReplicas];
  const preset = withBehaviorPreset({ ...service, metrics, minReplicas: Math.min(minReplicas, service.maxReplicas) }, space.behaviors[point.behavior]);
  const behavior = tuneBehavior(preset.behavior, pick(space.scaleDownWindows, point.scaleDownWindow), pick(space.scaleUpPercents, point.scaleUpPercent), pick(space.scaleUpPeriods, point.scaleUpPeriod));
  const shaped = behavior === preset.behavior ? preset : { ...preset, behavior, behaviorName: `${preset.behaviorName} (tuned)` };
  // Windows at or below the point's minReplicas add nothing (and a floor must be above it).
  const windows = (space.floors[point.floors]?.floors ?? []).filter((w) => w.minReplicas > shaped.minReplicas);
  const floors = windows.length ? { ...space.floors[point.floors], floors: windows } : undefined;
  const weightCache = pick(space.weightCaches, point.weightCache);
  return {
    service: shaped,
    options: {
      levers: {
        headroomNodes: space.headroomNodes[point.headroom],
        imagePrepull: space.imagePrepull[point.prepull],
        ...(floors ? { scheduledFloors: floors } : {}),
        ...(weightCache ? { weightCache } : {}),
      },
    },
  };
}

/** Seconds that broke a latency limit the SLO gives, summed over its limits. */
export function violationSecondsOf(summary: SimulationSummary, slo: Omit<TuneSlo, 'budgetSeconds'>): number {
  const v = summary.sloViolationSeconds;
  return (slo.ttftSeconds !== undefined ? v.ttft : 0) + (slo.e2eSeconds !== undefined ? v.e2e : 0) + (slo.interTokenSeconds !== undefined ? v.interToken : 0);
}

/** Scores one simulation's summary against the SLO. */
export function evaluate(point: TunePoint, s: SimulationSummary, slo: TuneSlo): Evaluation {
  const violationSeconds = violationSecondsOf(s, slo);
  const failedRatio = s.totalRequests > 0 ? s.failedRequests / s.totalRequests : 0;
  return {
    point,
    nodeHours: s.nodeHours,
    violationSeconds,
    failedRatio,
    feasible: violationSeconds <= slo.budgetSeconds && failedRatio <= slo.failedRatio,
    leadTimeNodeHours: s.bounds.leadTimeNodeHours,
  };
}

/** Objective: feasible points by node-hours; infeasible ones after every feasible one, by how far they miss. */
export function objective(e: Evaluation): number {
  return e.feasible ? e.nodeHours : 1e6 + e.violationSeconds + 1e6 * e.failedRatio;
}

/** A cache key of a point. */
export function pointKey(p: TunePoint): string {
  return `${p.targets.join('.')}/${p.minReplicas}/${p.behavior}/${p.headroom}/${p.prepull}/${p.floors}/${p.scaleDownWindow}/${p.scaleUpPercent}/${p.scaleUpPeriod}/${p.weightCache}`;
}

/** The baseline point: index 0 in every dimension. */
export function basePoint(space: TuneSpace): TunePoint {
  return { targets: space.targetScales.map(() => 0), minReplicas: 0, behavior: 0, headroom: 0, prepull: 0, floors: 0, scaleDownWindow: 0, scaleUpPercent: 0, scaleUpPeriod: 0, weightCache: 0 };
}

/** Runs simulations through a cache, counting them. */
export class Evaluator {
  /** Simulations run. */
  public runs = 0;
  private readonly cache = new Map<string, Evaluation>();

  /**
   * @param run simulates a point and scores it
   * @param runMany simulates several points together (on worker threads) and scores them, in
   *   order: what {@link prefetch} uses; without it, prefetch does nothing and {@link get}
   *   simulates each point when it is asked for
   */
  public constructor(
    private readonly run: (p: TunePoint) => Evaluation,
    private readonly runMany?: (points: readonly TunePoint[]) => Promise<Evaluation[]>,
  ) {}

  /** The evaluation of `p`, simulated once. */
  public get(p: TunePoint): Evaluation {
    const key = pointKey(p);
    let e = this.cache.get(key);
    if (!e) {
      e = this.run(p);
      this.runs++;
      this.cache.set(key, e);
    }
    return e;
  }

  /**
   * Simulates together the points not evaluated yet, so that {@link get} answers them from the
   * cache. They enter the cache in the order given, as one `get` after another would put them.
   */
  public async prefetch(points: readonly TunePoint[]): Promise<void> {
    if (!this.runMany) return;
    const fresh = new Map<string, TunePoint>();
    for (const p of points) {
      const key = pointKey(p);
      if (!this.cache.has(key) && !fresh.has(key)) fresh.set(key, p);
    }
    if (fresh.size === 0) return;
    const evaluations = await this.runMany([...fresh.values()]);
    let i = 0;
    for (const key of fresh.keys()) {
      this.cache.set(key, evaluations[i++]);
      this.runs++;
    }
  }

  /** Every point evaluated. */
  public all(): Evaluation[] {
    return [...this.cache.values()];
  }
}

/** The simulation of a point on a trace: the configured service, the trace and the options. */
export function pointInput(service: SimulatedService, trace: Trace, space: TuneSpace, base: SimulationOptions, point: TunePoint): SimulationInput {
  const c = configure(service, space, point);
  return { service: c.service, trace, options: { ...base, ...c.options, levers: { ...base.levers, ...c.options.levers } } };
}

/** The simulation of a point on a trace, scored. */
export function simulatePoint(service: SimulatedService, trace: Trace, space: TuneSpace, slo: TuneSlo, base: SimulationOptions, point: TunePoint): Evaluation {
  const input = pointInput(service, trace, space, base, point);
  return evaluate(point, simulate(input.service, input.trace, input.options).summary, slo);
}

/** Node-hours over the clairvoyant lead-time bound on the same trace (`NaN` without the bound). */
export function boundRatio(e: Evaluation): number {
  return e.leadTimeNodeHours !== undefined && e.leadTimeNodeHours > 0 ? e.nodeHours / e.leadTimeNodeHours : NaN;
}

type Dimension = { size: number; pairable: boolean; get: (p: TunePoint) => number; set: (p: TunePoint, i: number) => TunePoint };

/** The dimensions of a space as getters and setters over points. */
export function dimensions(space: TuneSpace): Dimension[] {
  const dims: Dimension[] = space.targetScales.map((values, m) => ({
    size: values.length,
    pairable: false,
    get: (p) => p.targets[m],
    set: (p, i) => ({ ...p, targets: p.targets.map((x, j) => (j === m ? i : x)) }),
  }));
  dims.push(
    { size: space.minReplicas.length, pairable: true, get: (p) => p.minReplicas, set: (p, i) => ({ ...p, minReplicas: i }) },
    { size: space.behaviors.length, pairable: true, get: (p) => p.behavior, set: (p, i) => ({ ...p, behavior: i }) },
    { size: space.headroomNodes.length, pairable: true, get: (p) => p.headroom, set: (p, i) => ({ ...p, headroom: i }) },
    { size: space.imagePrepull.length, pairable: false, get: (p) => p.prepull, set: (p, i) => ({ ...p, prepull: i }) },
    { size: space.floors.length, pairable: true, get: (p) => p.floors, set: (p, i) => ({ ...p, floors: i }) },
    { size: space.scaleDownWindows?.length ?? 1, pairable: false, get: (p) => p.scaleDownWindow, set: (p, i) => ({ ...p, scaleDownWindow: i }) },
    { size: space.scaleUpPercents?.length ?? 1, pairable: false, get: (p) => p.scaleUpPercent, set: (p, i) => ({ ...p, scaleUpPercent: i }) },
    { size: space.scaleUpPeriods?.length ?? 1, pairable: false, get: (p) => p.scaleUpPeriod, set: (p, i) => ({ ...p, scaleUpPeriod: i }) },
    { size: space.weightCaches?.length ?? 1, pairable: true, get: (p) => p.weightCache, set: (p, i) => ({ ...p, weightCache: i }) },
  );
  return dims.filter((d) => d.size > 1);
}

/**
 * About how many points {@link coordinateSearch} simulates in `space`: the baseline, two
 * rounds of sweeps and one pass over the pairs of capacity dimensions (what progress and the
 * choice of worker threads go by; a search that stops early simulates fewer).
 */
export function expectedEvaluations(space: TuneSpace): number {
  const dims = dimensions(space);
  const perRound = dims.reduce((n, d) => n + d.size - 1, 0);
  const pairable = dims.filter((d) => d.pairable).map((d) => d.size);
  const perPairs = pairable.reduce((n, a, i) => n + pairable.slice(i + 1).reduce((m, b) => m + a * b, 0), 0);
  return 1 + 2 * perRound + perPairs;
}

/** True when some metric is kept: an HPA needs one. */
function keepsAMetric(space: TuneSpace, p: TunePoint): boolean {
  return space.targetScales.length === 0 || p.targets.some((t, m) => space.targetScales[m][t] !== 0);
}

/**
 * Coordinate search: from the baseline, sweep each dimension with the others fixed and keep
 * the best value, round after round, until a round changes nothing (at most `maxRounds`).
 * Then try every combination of values of two capacity dimensions at once (minReplicas,
 * behavior, headroom, floors: a lever often pays only with another, headroom with a lower
 * minReplicas, which no single move finds); when that improves, sweep again. Each point is
 * simulated once, when it is first needed.
 */
export function coordinateSearch(space: TuneSpace, evaluator: Evaluator, maxRounds = 4, onStep?: (best: Evaluation) => void): SearchResult {
  const steps = searchSteps(space, evaluator, maxRounds, onStep);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/**
 * {@link coordinateSearch}, with each step's points simulated together through
 * {@link Evaluator.prefetch} (on worker threads, when the evaluator has them) before it scores
 * them. It visits the same points in the same order, so it finds the same result.
 */
export async function coordinateSearchParallel(space: TuneSpace, evaluator: Evaluator, maxRounds = 4, onStep?: (best: Evaluation) => void): Promise<SearchResult> {
  const steps = searchSteps(space, evaluator, maxRounds, onStep);
  let step = steps.next();
  while (!step.done) {
    await evaluator.prefetch(step.value);
    step = steps.next();
  }
  return step.value;
}

/**
 * The coordinate search, one step at a time: yields the points of a step (each computed from the
 * best point before it, so independent of one another), then scores them in order.
 */
function* searchSteps(space: TuneSpace, evaluator: Evaluator, maxRounds: number, onStep?: (best: Evaluation) => void): Generator<TunePoint[], SearchResult, void> {
  const dims = dimensions(space);
  const pairs = dims.filter((d) => d.pairable);
  yield [basePoint(space)];
  let best = evaluator.get(basePoint(space));
  const consider = (p: TunePoint): void => {
    const e = evaluator.get(p);
    if (objective(e) < objective(best) - 1e-9) best = e;
  };
  for (let pass = 0; pass < 2; pass++) {
    for (let round = 0; round < maxRounds; round++) {
      const before = pointKey(best.point);
      for (const d of dims) {
        const from = best.point;
        const sweep: TunePoint[] = [];
        for (let i = 0; i < d.size; i++) if (i !== d.get(from)) sweep.push(d.set(from, i));
        const points = sweep.filter((p) => keepsAMetric(space, p));
        yield points;
        points.forEach(consider);
        onStep?.(best);
      }
      if (pointKey(best.point) === before) break;
    }
    const before = pointKey(best.point);
    const from = best.point;
    const groups: TunePoint[][] = [];
    for (let a = 0; a < pairs.length; a++) {
      for (let b = a + 1; b < pairs.length; b++) {
        const group: TunePoint[] = [];
        for (let ia = 0; ia < pairs[a].size; ia++) {
          for (let ib = 0; ib < pairs[b].size; ib++) group.push(pairs[b].set(pairs[a].set(from, ia), ib));
        }
        groups.push(group.filter((p) => keepsAMetric(space, p)));
      }
    }
    yield groups.flat();
    for (const group of groups) {
      group.forEach(consider);
      onStep?.(best);
    }
    if (pointKey(best.point) === before) break;
  }
  return { best, evaluated: evaluator.all() };
}

/** Every point of the space (for measuring the search; the count is the product of the dimensions). */
export function gridPoints(space: TuneSpace): TunePoint[] {
  let points: TunePoint[] = [basePoint(space)];
  for (const d of dimensions(space)) points = points.flatMap((p) => Array.from({ length: d.size }, (_, i) => d.set(p, i)));
  return points.filter((p) => keepsAMetric(space, p));
}

/** Points no other point beats on both node-hours and violation seconds (failures counted as violations), by node-hours. */
export function paretoFrontier(evaluations: readonly Evaluation[]): Evaluation[] {
  const cost = (e: Evaluation): number => e.violationSeconds + (e.failedRatio > 0 ? 1e6 * e.failedRatio : 0);
  const sorted = [...evaluations].sort((a, b) => a.nodeHours - b.nodeHours || cost(a) - cost(b));
  const frontier: Evaluation[] = [];
  let bestCost = Infinity;
  for (const e of sorted) {
    if (cost(e) < bestCost - 1e-9) {
      frontier.push(e);
      bestCost = cost(e);
    }
  }
  return frontier;
}

/**
 * Splits a trace at `fraction` of its length, on a whole minute when the trace is longer than
 * two (so the held-out part's clock, `heldOutStartSeconds`, lines up with scheduled floors):
 * the first part trains, the rest is held out.
 */
export function splitTrace(trace: Trace, fraction: number): { train: Trace; heldOut: Trace; heldOutStartSeconds: number } {
  const n = trace.requests.length;
  const raw = Math.round(n * fraction);
  const at = Math.max(1, Math.min(n - 1, n > 120 ? Math.round(raw / 60) * 60 : raw));
  const part = (from: number, to: number, name: string): Trace => ({
    name: `${trace.name} (${name})`,
    requests: trace.requests.slice(from, to),
    ...(trace.contextTokens ? { contextTokens: trace.contextTokens.slice(from, to) } : {}),
    ...(trace.generatedTokens ? { generatedTokens: trace.generatedTokens.slice(from, to) } : {}),
  });
  return { train: part(0, at, 'training'), heldOut: part(at, trace.requests.length, 'held out'), heldOutStartSeconds: at };
}

/** The `levers.traceStart` of a part that starts `seconds` after a trace that starts at {@link DEFAULT_TRACE_START}. */
export function traceStartAfter(seconds: number): NonNullable<LeverOptions['traceStart']> {
  const [hour, minute] = DEFAULT_TRACE_START.time.split(':').map(Number);
  // Minutes since Sunday 00:00, the start of WEEKDAYS.
  const minutes = WEEKDAYS.indexOf(DEFAULT_TRACE_START.day) * 1440 + hour * 60 + minute + Math.floor(seconds / 60);
  const minuteOfDay = minutes % 1440;
  return { day: WEEKDAYS[Math.floor(minutes / 1440) % 7], time: `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}` };
}

/** Minutes in a floor slot: the floors' resolution. */
export const FLOOR_SLOT_MINUTES = 15;

/**
 * Scheduled floors from a trace's daily shape: for each slot of the day, `share` of the most
 * replicas the trace needed in that slot on any day (rounded up), raised `leadSeconds` early
 * (a replica needs its start-up time), as windows of constant floor every day. `startMinute` is
 * the trace's first minute of the day. `undefined` when no slot needs more than `baseMinReplicas`.
 */
export function floorsFromNeed(needed: ArrayLike<number>, share: number, baseMinReplicas: number, maxReplicas: number, leadSeconds: number, startMinute = 0): ScheduledFloorsProps | undefined {
  const slotsPerDay = 1440 / FLOOR_SLOT_MINUTES;
  const need = new Array<number>(slotsPerDay).fill(0);
  for (let t = 0; t < needed.length; t++) {
    const slot = Math.floor(((startMinute + Math.floor(t / 60)) % 1440) / FLOOR_SLOT_MINUTES);
    if (needed[t] > need[slot]) need[slot] = needed[t];
  }
  const lead = Math.ceil(leadSeconds / (FLOOR_SLOT_MINUTES * 60));
  const floor = need.map((_, s) => {
    let m = 0;
    for (let k = 0; k <= lead; k++) m = Math.max(m, need[(s + k) % slotsPerDay]);
    return Math.min(maxReplicas, Math.ceil(share * m - 1e-9));
  });
  const windows: ResolvedFloorWindow[] = [];
  for (let s = 0; s < slotsPerDay;) {
    const level = floor[s];
    let e = s + 1;
    while (e < slotsPerDay && floor[e] === level) e++;
    if (level > baseMinReplicas) windows.push({ days: [], fromMinute: s * FLOOR_SLOT_MINUTES, toMinute: e * FLOOR_SLOT_MINUTES, minReplicas: level });
    s = e;
  }
  if (windows.length === 0) return undefined;
  const clock = (m: number): string => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return { floors: windows.map((w) => ({ from: clock(w.fromMinute), to: clock(w.toMinute), minReplicas: w.minReplicas })) };
}

/** Candidates {@link robustChoice} tries at most. */
export const DEFAULT_ROBUST_TRIES = 64;

/** The points {@link robustChoice} stresses, in the order it tries them: the feasible ones, cheapest first. */
export function robustCandidates(evaluated: readonly Evaluation[], tries = DEFAULT_ROBUST_TRIES): Evaluation[] {
  return [...evaluated].sort((a, b) => objective(a) - objective(b)).filter((e) => e.feasible).slice(0, tries);
}

/**
 * The choice that also holds under stress: the first of the feasible evaluations, cheapest
 * first, whose `stress` evaluation (the SLO on another draw of the training traffic, with more of
 * it) is feasible too, trying at most `tries`. A search that only looked at the training part
 * picks the point that just fits its noise; one that must also fit another draw keeps a margin
 * for the noise it has not seen. When none holds, the tried point that missed least under stress;
 * with no feasible point at all, the {@link nearestMiss}.
 */
export function robustChoice(evaluated: readonly Evaluation[], stress: (e: Evaluation) => Evaluation, tries = DEFAULT_ROBUST_TRIES): { choice: Evaluation; held: boolean; tried: number } {
  const feasible = robustCandidates(evaluated, tries);
  let least: { choice: Evaluation; missed: number } | undefined;
  for (let i = 0; i < feasible.length; i++) {
    const stressed = stress(feasible[i]);
    if (stressed.feasible) return { choice: feasible[i], held: true, tried: i + 1 };
    if (least === undefined || objective(stressed) < least.missed) least = { choice: feasible[i], missed: objective(stressed) };
  }
  return { choice: least?.choice ?? nearestMiss([...evaluated].sort((a, b) => objective(a) - objective(b))), held: false, tried: feasible.length };
}

/** How much more than the least a miss may break the SLO and still count as nearest. */
export const NEAR_MISS_SHARE = 0.05;

/**
 * With no point meeting the SLO: the cheapest of those within {@link NEAR_MISS_SHARE} of the
 * fewest seconds over (and failures): paying for every replica to save the last percent of a
 * miss that stays a miss buys nothing.
 */
export function nearestMiss(evaluated: readonly Evaluation[]): Evaluation {
  const least = [...evaluated].sort((a, b) => objective(a) - objective(b))[0];
  const near = evaluated.filter((e) => e.violationSeconds <= least.violationSeconds * (1 + NEAR_MISS_SHARE) && e.failedRatio <= least.failedRatio * (1 + NEAR_MISS_SHARE));
  return near.reduce((a, e) => (e.nodeHours < a.nodeHours ? e : a), least);
}

/**
 * Another draw of a trace's noise with `factor` times its traffic: each second's requests drawn
 * from a Poisson distribution around `factor` times the trace's count (seeded), token columns
 * following the request count at the trace's tokens per request. What a configuration tuned on
 * one draw must also survive: traffic as likely as the one it saw, and somewhat more of it.
 */
export function redrawTrace(trace: Trace, factor: number, seed: number): Trace {
  const prng = new Prng(seed);
  const n = trace.requests.length;
  const requests = new Float64Array(n);
  for (let t = 0; t < n; t++) requests[t] = prng.poisson(trace.requests[t] * factor);
  const follow = (tokens: ArrayLike<number>): Float64Array => Float64Array.from({ length: n }, (_, t) => (trace.requests[t] > 0 ? (tokens[t] / trace.requests[t]) * requests[t] : 0));
  return {
    name: `${trace.name} (redrawn ×${factor})`,
    requests,
    ...(trace.contextTokens ? { contextTokens: follow(trace.contextTokens) } : {}),
    ...(trace.generatedTokens ? { generatedTokens: follow(trace.generatedTokens) } : {}),
  };
}
