/**
 * `inferscale tune` benchmarks: the coordinate search against the exhaustive grid over a small
 * space (same SLO, same trace), and the search over the whole space on a one-day trace.
 */
import { resolveInferenceService } from '../lib/core';
import { serviceFromResolved, simulate, syntheticTrace } from '../lib/core/simulator';
import { coordinateSearch, Evaluator, floorsFromNeed, gridPoints, objective, simulatePoint, splitTrace, TuneSlo, TuneSpace } from '../lib/core/tune';
import { defaultServices } from '../stacks/default-services';

/** One row of the benchmark table. */
export interface TuneBenchRow { readonly name: string; readonly median: number; readonly min: number; readonly max: number; readonly extra?: string }

/** TTFT p95 2 s; 5 % of the 42-minute training part may break it. */
const SLO: TuneSlo = { ttftSeconds: 2, failedRatio: 0.001, quantile: 0.95, budgetSeconds: 126 };
/** Weights from a shared cache at 2 GB/s: start-up short enough that the burst can be met. */
const BASE = { levers: { weightCache: { storageBytesPerSecond: 2e9, scope: 'shared' as const } } };

function llm() {
  const { service } = resolveInferenceService(defaultServices().llm, 'llm');
  if (!service) throw new Error('the default llm service does not resolve');
  return serviceFromResolved(service);
}

/** Runs both benchmarks once (each is minutes of simulation, not a micro-benchmark). */
export function benchTune(): TuneBenchRow[] {
  const service = llm();
  const rows: TuneBenchRow[] = [];
  // Small space on a one-hour burst: 2 metrics' targets × minReplicas × behavior × headroom × pre-pull.
  const burst = splitTrace(syntheticTrace('step', { peak: 14 }), 0.7).train;
  const small: TuneSpace = {
    targetScales: service.metrics.map((_, i) => (i < 2 ? [1, 0.75, 1.5, 0] : [1])),
    minReplicas: [1, 2, 3],
    behaviors: ['configured', 'steady', 'default'],
    headroomNodes: [0, 1, 2],
    imagePrepull: [false, true],
    floors: [undefined],
  };
  const run = (space: TuneSpace, trace = burst) => new Evaluator((p) => simulatePoint(service, trace, space, SLO, BASE, p));
  let start = Date.now();
  const searched = run(small);
  const best = coordinateSearch(small, searched).best;
  const searchMs = Date.now() - start;
  start = Date.now();
  const gridEval = run(small);
  const grid = gridPoints(small).map((p) => gridEval.get(p));
  const gridMs = Date.now() - start;
  const gridBest = grid.reduce((a, b) => (objective(b) < objective(a) ? b : a));
  const within = best.feasible && gridBest.feasible ? `${((best.nodeHours / gridBest.nodeHours - 1) * 100).toFixed(1)}% above the grid's best (${best.nodeHours.toFixed(2)} vs ${gridBest.nodeHours.toFixed(2)} node-hours)` : `SLO met: search ${best.feasible}, grid ${gridBest.feasible}; s over ${best.violationSeconds} vs ${gridBest.violationSeconds}`;
  rows.push({ name: 'tune search, small space', median: searchMs, min: searchMs, max: searchMs, extra: `${searched.runs} of ${grid.length} points; ${within}; target within 5%: ${objective(best) <= objective(gridBest) * 1.05 ? 'met' : 'MISSED'}` });
  rows.push({ name: 'tune grid, small space', median: gridMs, min: gridMs, max: gridMs, extra: `${grid.length} points` });

  // The whole space on one day of diurnal traffic (70 % trained on), as the CLI searches it.
  const day = splitTrace(syntheticTrace('diurnal', { durationSeconds: 86400 }), 0.7).train;
  start = Date.now();
  const baseline = simulate(service, day, {});
  const floors = [undefined, floorsFromNeed(baseline.timeline.neededReplicas, 1, service.minReplicas, service.maxReplicas, baseline.summary.bounds.startupSeconds)];
  const full: TuneSpace = {
    targetScales: service.metrics.map(() => [1, 0.5, 0.75, 1.5, 2, 0]),
    minReplicas: [1, 2, 3],
    behaviors: ['configured', 'burst', 'steady', 'queue', 'default'],
    headroomNodes: [0, 1, 2],
    imagePrepull: [false, true],
    floors,
  };
  const dayEval = run(full, day);
  const dayBest = coordinateSearch(full, dayEval).best;
  const dayMs = Date.now() - start;
  rows.push({ name: 'tune one-day trace', median: dayMs, min: dayMs, max: dayMs, extra: `${dayEval.runs} simulations; best ${dayBest.nodeHours.toFixed(2)} node-hours, SLO ${dayBest.feasible ? 'met' : 'not met'}; target < 120000 ms: ${dayMs < 120000 ? 'met' : 'MISSED'}` });
  return rows;
}
