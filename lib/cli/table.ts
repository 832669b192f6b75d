/**
 * The summary table of one or more simulations, as text and as rows for the HTML report.
 * @module
 */
import type { SimulationResult } from '../core/simulator';

/** Column headings of the summary table; replica-hours instead of node-hours for a CPU-only service. */
export function summaryColumns(gpu: boolean): string[] {
  return [
    'behavior',
    'peak replicas',
    'TTFT s over',
    'TPOT s over',
    'e2e s over',
    'failed requests',
    gpu ? 'node-hours' : 'replica-hours',
    'vs instant',
    'vs lead-time',
    'time to capacity',
  ];
}

/** Seconds for people: `45 s`, `8 min 20 s`, `1 h 2 min`. */
export function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
}

/** A count with thousands separators. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A count and its noun, singular for one: `1 replica`, `2 replicas`, `1,204 failed requests`. */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  const count = formatCount(n);
  return `${count} ${count === '1' ? singular : plural}`;
}

/** `cost / bound` as `1.23×`, `-` without a bound. */
function ratio(cost: number, bound: number): string {
  return bound > 0 ? `${(cost / bound).toFixed(2)}×` : '-';
}

/**
 * A run's cost and its two lower bounds in one unit: node-hours for a GPU service, replica-hours
 * for a CPU-only one (it adds no nodes).
 */
export function costAndBounds(result: SimulationResult): { readonly unit: 'node-hours' | 'replica-hours'; readonly cost: number; readonly instant: number; readonly leadTime: number } {
  const s = result.summary;
  const b = s.bounds;
  return result.service.gpusPerPod > 0
    ? { unit: 'node-hours', cost: s.nodeHours, instant: b.instantNodeHours, leadTime: b.leadTimeNodeHours }
    : { unit: 'replica-hours', cost: s.replicaHours, instant: b.instantReplicaHours, leadTime: b.leadTimeReplicaHours };
}

/** One row of cells per run (see {@link summaryColumns}). */
export function summaryRows(runs: readonly { readonly name: string; readonly result: SimulationResult }[]): string[][] {
  return runs.map(({ name, result }) => {
    const s = result.summary;
    const { cost, instant, leadTime } = costAndBounds(result);
    const ttc = s.timeToCapacity;
    const ttcText = ttc.episodes === 0 ? '-' : `${formatSeconds(ttc.maxSeconds)}${ttc.unresolved ? ` (${ttc.unresolved} not reached)` : ''}`;
    const failed = s.failedRequests > 0 ? `${formatCount(s.failedRequests)} (${s.failedPercent.toFixed(s.failedPercent < 0.1 ? 2 : 1)}%)` : '0';
    const v = s.sloViolationSeconds;
    return [
      name,
      String(s.peakReplicas),
      formatCount(v.ttft),
      formatCount(v.interToken),
      formatCount(v.e2e),
      failed,
      cost.toFixed(2),
      ratio(cost, instant),
      ratio(cost, leadTime),
      ttcText,
    ];
  });
}

/** The bounds row under the table: what the two lower bounds cost. */
export function boundsLine(result: SimulationResult): string {
  const { unit, instant, leadTime } = costAndBounds(result);
  return `bounds: instant ${instant.toFixed(2)} ${unit} (each second's need, ready at once); lead-time ${leadTime.toFixed(2)} ${unit} (clairvoyant, each replica started ${formatSeconds(result.summary.bounds.startupSeconds)} ahead)`;
}

/** The table as aligned text. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
