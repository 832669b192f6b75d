/**
 * A self-contained HTML report of one or more simulations: summary table and charts (load and
 * capacity, desired and ready replicas, latency against the target). The chart library (uPlot)
 * and its stylesheet are inlined, so the file opens offline.
 * @module
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SimulationResult } from '../core/simulator';
import { summaryColumns, summaryRows } from './table';

/** Most points per chart series; longer runs are reduced to the maximum of each bucket of seconds. */
export const MAX_POINTS = 3000;

/** uPlot's browser build and stylesheet from node_modules. */
function chartLibrary(): { js: string; css: string } {
  const pkg = require.resolve('uplot/package.json');
  const dist = join(dirname(pkg), 'dist');
  const version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  // The banner's only content is the project address; the report names the library without
  // any URL so the file makes no reference to the network at all.
  const js = readFileSync(join(dist, 'uPlot.iife.min.js'), 'utf8').replace(/^\/\*![^*]*\*\/\s*/, '');
  return {
    js: `/* uPlot ${version}, MIT License, Copyright (c) 2022 Leon Sorokin */\n${js}`,
    css: readFileSync(join(dist, 'uPlot.min.css'), 'utf8'),
  };
}

/** Bucket maxima: every point is the largest value over `step` seconds. */
function reduce(values: ArrayLike<number>, step: number, scale = 1): (number | null)[] {
  const out: (number | null)[] = [];
  for (let i = 0; i < values.length; i += step) {
    let m = -Infinity;
    for (let j = i; j < Math.min(values.length, i + step); j++) if (values[j] > m) m = values[j];
    out.push(Number.isFinite(m) ? Math.round(m * scale * 1000) / 1000 : null);
  }
  return out;
}

/** The data embedded in the report, one entry per scenario. */
export interface ReportScenario {
  readonly name: string;
  readonly step: number;
  readonly seconds: number[];
  readonly requests: (number | null)[];
  readonly capacity: (number | null)[];
  readonly saturation: (number | null)[];
  readonly failed: (number | null)[];
  readonly desired: (number | null)[];
  readonly ready: (number | null)[];
  readonly pods: (number | null)[];
  readonly latency: (number | null)[];
  readonly target: number;
}

/** Chart data of one simulation, reduced to at most {@link MAX_POINTS} points. */
export function reportData(name: string, r: SimulationResult): ReportScenario {
  const T = r.timeline.requests.length;
  const step = Math.max(1, Math.ceil(T / MAX_POINTS));
  const seconds: number[] = [];
  for (let i = 0; i < T; i += step) seconds.push(i);
  return {
    name,
    step,
    seconds,
    requests: reduce(r.timeline.requests, step),
    capacity: reduce(r.timeline.readyReplicas, step, r.options.capacityRps),
    saturation: reduce(r.timeline.readyReplicas, step, r.options.maxRps),
    failed: reduce(r.timeline.failed, step),
    desired: reduce(r.timeline.desiredReplicas, step),
    ready: reduce(r.timeline.readyReplicas, step),
    pods: reduce(r.timeline.pods, step),
    latency: reduce(r.timeline.latencySeconds, step),
    target: r.options.latencyTargetSeconds,
  };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON that is safe inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Inputs of {@link renderReport}. */
export interface ReportInput {
  /** Page title. */
  readonly title: string;
  /** Lines describing the inputs (service, trace, capacity model). */
  readonly description: readonly string[];
  /** Scenario name and result, in table order. */
  readonly runs: readonly { readonly name: string; readonly result: SimulationResult }[];
  /** Notes for the reader. */
  readonly notes: readonly string[];
}

/** The report as one HTML string with everything inlined. */
export function renderReport(input: ReportInput): string {
  const lib = chartLibrary();
  const data = input.runs.map((r) => reportData(r.name, r.result));
  const rows = summaryRows(input.runs);
  const table = `<table><thead><tr>${summaryColumns(input.runs[0].result.service.gpusPerPod > 0).map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((cell, i) => `<td${i > 0 ? ' class="n"' : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
  const reduced = data.some((d) => d.step > 1) ? `<p class="note">Each chart point is the maximum over ${data[0].step} s.</p>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>${lib.css}</style>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; margin: 12px 0; } th, td { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.note, .desc { color: #555; margin: 2px 0; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
</style>
</head>
<body>
<h1>${escapeHtml(input.title)}</h1>
${input.description.map((d) => `<p class="desc">${escapeHtml(d)}</p>`).join('\n')}
${table}
${input.notes.map((n) => `<p class="note">Note: ${escapeHtml(n)}</p>`).join('\n')}
${reduced}
<div id="scenarios"></div>
<script type="application/json" id="inferscale-data">${scriptJson(data)}</script>
<script>${lib.js.replace(/<\/script/gi, '<\\/script')}</script>
<script>
(function () {
  var scenarios = JSON.parse(document.getElementById('inferscale-data').textContent);
  var root = document.getElementById('scenarios');
  var width = Math.min(1100, Math.max(600, window.innerWidth - 60));
  var sync = uPlot.sync('inferscale');
  function fmtTime(s) { var m = Math.floor(s / 60); return m >= 60 ? Math.floor(m / 60) + 'h' + String(m % 60).padStart(2, '0') : m + 'm'; }
  function chart(parent, title, series, data, yLabel) {
    var el = document.createElement('div');
    parent.appendChild(el);
    var opts = {
      title: title, width: width, height: 220,
      cursor: { sync: { key: sync.key } },
      scales: { x: { time: false } },
      axes: [{ values: function (u, vals) { return vals.map(fmtTime); } }, { label: yLabel }],
      series: [{ label: 'second' }].concat(series)
    };
    return new uPlot(opts, data, el);
  }
  scenarios.forEach(function (s) {
    var h = document.createElement('h2');
    h.textContent = s.name;
    root.appendChild(h);
    var box = document.createElement('div');
    box.className = 'charts';
    root.appendChild(box);
    var target = s.seconds.map(function () { return s.target; });
    chart(box, 'Load and capacity (requests/s)', [
      { label: 'requests/s', stroke: '#1f77b4' },
      { label: 'capacity at target', stroke: '#2ca02c' },
      { label: 'saturation', stroke: '#98df8a', dash: [4, 4] },
      { label: 'failed/s', stroke: '#d62728' }
    ], [s.seconds, s.requests, s.capacity, s.saturation, s.failed], 'requests/s');
    chart(box, 'Replicas', [
      { label: 'desired (HPA)', stroke: '#ff7f0e' },
      { label: 'ready', stroke: '#2ca02c' },
      { label: 'pods', stroke: '#9467bd', dash: [4, 4] }
    ], [s.seconds, s.desired, s.ready, s.pods], 'replicas');
    chart(box, 'Latency against target (s)', [
      { label: 'latency', stroke: '#8c564b' },
      { label: 'target', stroke: '#d62728', dash: [6, 4] }
    ], [s.seconds, s.latency, target], 'seconds');
  });
})();
</script>
</body>
</html>
`;
}
