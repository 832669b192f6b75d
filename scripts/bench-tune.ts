/**
 * `inferscale tune` benchmarks: the coordinate search against the exhaustive grid over a small
 * space (same SLO, same trace), and the whole `inferscale tune` command on a one-day trace.
 */
import { join } from 'node:path';
import { main } from '../lib/cli/main';
import { resolveInferenceService } from '../lib/core';
import { serviceFromResolved, syntheticTrace } from '../lib/core/simulator';
import { coordinateSearch, Evaluator, gridPoints, objective, simulatePoint, splitTrace, TuneSlo, TuneSpace } from '../lib/core/tune';
import { defaultServices } from '../stacks/default-services';

/** One row of the benchmark table. */
export interface TuneBenchRow { readonly name: string; readonly median: number; readonly min: number; readonly max: number; readonly extra?: string }

/** TTFT p95 2 s; 10 % of the 42-minute training part may break it (the burst's first minutes break it whatever the configuration). */
const SLO: TuneSlo = { ttftSeconds: 2, failedRatio: 0.001, quantile: 0.95, budgetSeconds: 252 };
/** Weights from a shared cache at 2 GB/s: start-up short enough that the burst can be met. */
const BASE = { levers: { weightCache: { storageBytesPerSecond: 2e9, scope: 'shared' as const } } };

function llm() {
  const { service } = resolveInferenceService(defaultServices().llm, 'llm');
  if (!service) throw new Error('the default llm service does not resolve');
  return serviceFromResolved(service);
}

/** Runs both benchmarks once (each is minutes of simulation, not a micro-benchmark). */
export async function benchTune(): Promise<TuneBenchRow[]> {
  const service = llm();
  const rows: TuneBenchRow[] = [];
  // Small space on a one-hour burst: 2 metrics' targets × minReplicas × behavior × its
  // scale-down window × headroom × pre-pull.
  const burst = splitTrace(syntheticTrace('step', { peak: 10 }), 0.7).train;
  const small: TuneSpace = {
    targetScales: service.metrics.map((_, i) => (i < 2 ? [1, 0.75, 1.5, 0] : [1])),
    minReplicas: [1, 3],
    behaviors: ['configured', 'steady', 'default'],
    headroomNodes: [0, 1, 2],
    imagePrepull: [false, true],
    floors: [undefined],
    scaleDownWindows: [undefined, 1200],
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

  // The whole command on one day of diurnal traffic, as a user runs it: the search over every
  // dimension, the choice checked on another draw of the traffic, the held-out day.
  start = Date.now();
  let stdout = '';
  const code = await main(['tune', '--service', 'llm', '--trace', 'diurnal:duration=86400', '--slo', 'ttft-p95=2s,failed=0.1%', '--json'], {
    stdout: (t) => (stdout += t), stderr: () => undefined, stderrIsTty: false, cwd: join(__dirname, '..'), env: {},
  });
  const dayMs = Date.now() - start;
  if (code !== 0) throw new Error(`inferscale tune exited ${String(code)}`);
  const day = JSON.parse(stdout) as { evaluations: number; chosen: { train: { nodeHours: number; feasible: boolean } }; heldOutBoundRatio: number };
  rows.push({ name: 'tune one-day trace (inferscale tune)', median: dayMs, min: dayMs, max: dayMs, extra: `${day.evaluations} configurations searched; chosen ${day.chosen.train.nodeHours.toFixed(2)} node-hours, SLO ${day.chosen.train.feasible ? 'met' : 'not met'}, held out ${day.heldOutBoundRatio.toFixed(2)}× the lead-time bound; target < 120000 ms: ${dayMs < 120000 ? 'met' : 'MISSED'}` });
  return rows;
}
