import { main } from '../lib/cli/main';
import { join } from 'node:path';
let out = '';
main(['tune', '--service', 'llm', '--trace', 'diurnal:duration=86400', '--slo', 'ttft-p95=2s,failed=0.1%', '--json'], { stdout: (t) => (out += t), stderr: () => {}, stderrIsTty: false, cwd: join(__dirname, '..'), env: {} });
const j = JSON.parse(out);
console.log(JSON.stringify(j.configuration), j.chosen.label);
import { loadAppDir } from '../lib/cli/inputs';
import { simulate, syntheticTrace, withBehaviorPreset } from '../lib/core/simulator';
import { tuneBehavior } from '../lib/core/tune';
const svc0 = loadAppDir('charts-out', join(__dirname, '..')).find((s) => s.name === 'llm')!;
const svc1 = withBehaviorPreset({ ...svc0, metrics: svc0.metrics.slice(0, 2) }, 'steady');
const svc = { ...svc1, behavior: tuneBehavior(svc1.behavior, 240) };
for (const seed of [1, 2, 3, 4]) {
  const r = simulate(svc, syntheticTrace('diurnal', { durationSeconds: 86400, seed }), { slo: { ttftSeconds: 2, failedRatio: 0.001, quantile: 0.95 }, levers: { scheduledFloors: j.configuration.scheduledFloors } });
  const tl = r.timeline; const bad: number[] = [];
  for (let t = 0; t < tl.ttftSeconds.length; t++) if (tl.ttftSeconds[t] > 2) bad.push(t);
  console.log(seed, r.summary.sloViolationSeconds.ttft, r.summary.nodeHours.toFixed(2), bad.slice(0, 30).join(','));
}
