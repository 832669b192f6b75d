/**
 * The summary table of one or more simulations, as text and as rows for the HTML report.
 * @module
 */
import type { SimulationResult } from '../core/simulator';

/** Column headings of the summary table; replica-hours instead of GPU-hours for a CPU-only service. */
export function summaryColumns(gpu: boolean): string[] {
  return [
    'behavior',
    'peak replicas',
    'time to capacity',
    's short',
    's over target',
    'failed requests',
    gpu ? 'GPU-hours' : 'replica-hours',
    'lower bound',
    'vs bound',
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

/** One row of cells per run (see {@link summaryColumns}). */
export function summaryRows(runs: readonly { readonly name: string; readonly result: SimulationResult }[]): string[][] {
  return runs.map(({ name, result }) => {
    const s = result.summary;
    const gpu = result.service.gpusPerPod > 0;
    const hours = gpu ? s.gpuHours : s.replicaHours;
    const bound = gpu ? s.lowerBoundGpuHours : s.lowerBoundReplicaHours;
    const ttc = s.timeToCapacity;
    const ttcText = ttc.episodes === 0 ? '-' : `${formatSeconds(ttc.maxSeconds)}${ttc.unresolved ? ` (${ttc.unresolved} not reached)` : ''}`;
    const failed = s.failedRequests > 0 ? `${formatCount(s.failedRequests)} (${s.failedPercent.toFixed(s.failedPercent < 0.1 ? 2 : 1)}%)` : '0';
    return [
      name,
      String(s.peakReplicas),
      ttcText,
      formatCount(ttc.secondsShort),
      formatCount(s.secondsOverTarget),
      failed,
      hours.toFixed(2),
      bound.toFixed(2),
      bound > 0 ? `${(hours / bound).toFixed(2)}×` : '-',
    ];
  });
}

/** The table as aligned text. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
