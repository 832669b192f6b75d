/**
 * A self-contained HTML report of one or more simulations: summary table and charts (requests
 * and failures; desired, ready and needed replicas and nodes; TTFT, inter-token and end-to-end
 * latency against the SLOs). The chart library (uPlot) and its stylesheet are inlined, so the
 * file opens offline.
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
    // NaN (no request that second) never wins the maximum.
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
  readonly failed: (number | null)[];
  readonly desired: (number | null)[];
  readonly ready: (number | null)[];
  readonly needed: (number | null)[];
  readonly pods: (number | null)[];
  readonly nodes: (number | null)[];
  readonly ttft: (number | null)[];
  readonly interToken: (number | null)[];
  readonly e2e: (number | null)[];
  readonly waiting: (number | null)[];
  readonly kvUsage: (number | null)[];
  /** The TTFT limit, seconds. */
  readonly target: number;
  /** The inter-token limit, seconds. */
  readonly interTokenTarget: number;
  /** The end-to-end limit, seconds. */
  readonly e2eTarget: number;
}

/** Chart data of one simulation, reduced to at most {@link MAX_POINTS} points. */
export function reportData(name: string, r: SimulationResult): ReportScenario {
  const T = r.timeline.requests.length;
  const step = Math.max(1, Math.ceil(T / MAX_POINTS));
  const seconds: number[] = [];
  for (let i = 0; i < T; i += step) seconds.push(i);
  const tl = r.timeline;
  return {
    name,
    step,
    seconds,
    requests: reduce(tl.requests, step),
    failed: reduce(tl.failed, step),
    desired: reduce(tl.desiredReplicas, step),
    ready: reduce(tl.readyReplicas, step),
    needed: reduce(tl.neededReplicas, step),
    pods: reduce(tl.pods, step),
    nodes: reduce(tl.nodes, step),
    ttft: reduce(tl.ttftSeconds, step),
    interToken: reduce(tl.interTokenSeconds, step),
    e2e: reduce(tl.e2eSeconds, step),
    waiting: reduce(tl.waiting, step),
    kvUsage: reduce(tl.kvUsagePercent, step),
    target: r.options.slo.ttftSeconds,
    interTokenTarget: r.options.slo.interTokenSeconds,
    e2eTarget: r.options.slo.e2eSeconds,
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
  /** Lines describing the inputs (service, serving profile, SLOs, trace). */
  readonly description: readonly string[];
  /** Lines under the table (the bounds). */
  readonly footer?: readonly string[];
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
${(input.footer ?? []).map((d) => `<p class="desc">${escapeHtml(d)}</p>`).join('\n')}
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
    var line = function (v) { return s.seconds.map(function () { return v; }); };
    chart(box, 'Load (requests/s)', [
      { label: 'requests/s', stroke: '#1f77b4' },
      { label: 'failed/s', stroke: '#d62728' },
      { label: 'waiting (all replicas)', stroke: '#ff7f0e', dash: [4, 4] }
    ], [s.seconds, s.requests, s.failed, s.waiting], 'requests');
    chart(box, 'Replicas and nodes', [
      { label: 'desired (HPA)', stroke: '#ff7f0e' },
      { label: 'ready', stroke: '#2ca02c' },
      { label: 'needed (instant bound)', stroke: '#7f7f7f', dash: [2, 3] },
      { label: 'pods', stroke: '#9467bd', dash: [4, 4] },
      { label: 'nodes', stroke: '#8c564b', dash: [6, 3] }
    ], [s.seconds, s.desired, s.ready, s.needed, s.pods, s.nodes], 'replicas');
    chart(box, 'Time to first token against the SLO (s)', [
      { label: 'TTFT', stroke: '#8c564b' },
      { label: 'SLO', stroke: '#d62728', dash: [6, 4] }
    ], [s.seconds, s.ttft, line(s.target)], 'seconds');
    chart(box, 'Time per output token against the SLO (s)', [
      { label: 'inter-token latency', stroke: '#17becf' },
      { label: 'SLO', stroke: '#d62728', dash: [6, 4] }
    ], [s.seconds, s.interToken, line(s.interTokenTarget)], 'seconds');
    chart(box, 'End-to-end latency against the SLO (s)', [
      { label: 'e2e', stroke: '#bcbd22' },
      { label: 'SLO', stroke: '#d62728', dash: [6, 4] }
    ], [s.seconds, s.e2e, line(s.e2eTarget)], 'seconds');
  });
})();
</script>
</body>
</html>
`;
}
