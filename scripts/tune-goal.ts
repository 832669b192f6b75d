/**
 * Issue 13's goal, measured: `npm run tune-goal`. For the default LLM on the two Azure traces
 * and the synthetic shapes (step, spike, ramp, a day of diurnal traffic), runs `inferscale tune` and
 * compares the chosen configuration's held-out SLO-violation seconds with the seed article's
 * configuration (the LLM's previous metrics: completed requests per second, GPU utilization,
 * end-to-end p95 and CPU, with its burst behavior) and with Kubernetes' default behavior (the
 * LLM's metrics, `behavior` left to the API), and its node-hours with the clairvoyant bound with
 * start-up times. Met when the chosen configuration's held-out seconds over are at most half
 * of both references' and its node-hours at most 1.3× the bound. Where it is not, the held-out
 * figures of the training frontier show why.
 *
 * Needs the synthesized default app in charts-out/ (`npm run synth`).
 * Options: --slo LIST (as tune takes it; default ttft-p95=2s,failed=0.1%), --traces a,b,...
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { InferenceServiceProps, resolveInferenceService } from '../lib/core';
import { loadTrace } from '../lib/cli/inputs';
import { main } from '../lib/cli/main';
import { parseSlo, simulationSlo, TuneRow, tuneParts } from '../lib/cli/tune-command';
import { scaleTrace, serviceFromResolved, simulate, SimulationOptions } from '../lib/core/simulator';
import { basePoint, boundRatio, evaluate, Evaluation, traceStartAfter, TuneSlo } from '../lib/core/tune';
import { defaultServices, previousLlmMetrics } from '../stacks/default-services';

const ROOT = join(__dirname, '..');

/** The traces of the goal: the tune CLI's trace spec and what it is. */
const TRACES: readonly { spec: string; label: string }[] = [
  { spec: 'code', label: 'code (Azure, 1 h)' },
  { spec: 'conv', label: 'conv (Azure, 1 h)' },
  { spec: 'step', label: 'step (2 → 20 req/s for 20 min)' },
  { spec: 'spike', label: 'spike (40 req/s for 1 min)' },
  { spec: 'ramp', label: 'ramp (2 → 24 req/s over 1 h)' },
  { spec: 'diurnal:duration=86400', label: 'diurnal (one day, 2 → 12 req/s)' },
];

/** What `tune --json` prints, as far as this script reads it. */
interface TuneJson {
  readonly slo: TuneSlo;
  readonly evaluations: number;
  readonly seconds: number;
  readonly frontier: TuneRow[];
  readonly chosen: TuneRow;
  readonly configured: TuneRow;
  readonly defaults: TuneRow;
}

async function tune(spec: string, slo: string): Promise<TuneJson> {
  let stdout = '';
  let stderr = '';
  const code = await main(['tune', '--service', 'llm', '--trace', spec, '--slo', slo, '--json'], {
    stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), stderrIsTty: false, cwd: ROOT, env: {},
  });
  if (code !== 0) throw new Error(`tune --trace ${spec} exited ${String(code)}: ${stderr}`);
  return JSON.parse(stdout) as TuneJson;
}

/** A configuration of the default LLM on the held-out part, with the SLO and clock tune used. */
function heldOutOf(spec: string, out: TuneJson, props: InferenceServiceProps): Evaluation {
  const { service, problems } = resolveInferenceService(props, 'llm');
  if (!service) throw new Error(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  const trace = scaleTrace(loadTrace(spec, ROOT, {}), 1);
  const parts = tuneParts(trace, spec, ROOT);
  const slo = out.slo;
  const heldOutSlo: TuneSlo = { ...slo, budgetSeconds: (slo.budgetSeconds * parts.heldOut.requests.length) / parts.train.requests.length };
  const options: SimulationOptions = {
    slo: simulationSlo(slo),
    ...(parts.heldOutStartSeconds > 0 ? { levers: { traceStart: traceStartAfter(parts.heldOutStartSeconds) } } : {}),
  };
  return evaluate(basePoint({ targetScales: [], minReplicas: [1], behaviors: ['configured'], headroomNodes: [0], imagePrepull: [false], floors: [undefined] }), simulate(serviceFromResolved(service), parts.heldOut, options).summary, heldOutSlo);
}

/** The default LLM's `maxReplicas`. */
const MAX_REPLICAS = defaultServices().llm.maxReplicas;

/** Most seconds over the chosen configuration may have, held out: half of the better reference. */
const VIOLATION_SHARE = 0.5;
/** Most node-hours, as a multiple of the lead-time bound. */
const BOUND_RATIO = 1.3;

/** Whether the goal is met, and if not, what the held-out frontier says about why. */
function verdict(chosen: Evaluation, limit: number, frontier: readonly TuneRow[], atMax: Evaluation): string {
  const ratio = boundRatio(chosen);
  if (chosen.violationSeconds <= limit && ratio <= BOUND_RATIO) return 'met';
  if (atMax.violationSeconds > limit) {
    return `not possible within maxReplicas ${MAX_REPLICAS}: needs ≤ ${Math.floor(limit)} s over, and ${MAX_REPLICAS} replicas from the first second give ${Math.round(atMax.violationSeconds)} s (${boundRatio(atMax).toFixed(2)}× the bound)`;
  }
  const within = frontier.filter((r) => boundRatio(r.heldOut) <= BOUND_RATIO);
  const fewest = within.reduce<TuneRow | undefined>((a, r) => (a === undefined || r.heldOut.violationSeconds < a.heldOut.violationSeconds ? r : a), undefined);
  const enough = frontier.filter((r) => r.heldOut.violationSeconds <= limit);
  const cheapest = enough.reduce<TuneRow | undefined>((a, r) => (a === undefined || boundRatio(r.heldOut) < boundRatio(a.heldOut) ? r : a), undefined);
  const parts = [`not met: needs ≤ ${Math.floor(limit)} s over within ${BOUND_RATIO}×`];
  parts.push(fewest ? `the frontier's fewest within ${BOUND_RATIO}× is ${Math.round(fewest.heldOut.violationSeconds)} s` : `no frontier point is within ${BOUND_RATIO}×`);
  parts.push(cheapest ? `its cheapest at ≤ ${Math.floor(limit)} s costs ${boundRatio(cheapest.heldOut).toFixed(2)}×` : `no frontier point reaches ${Math.floor(limit)} s at any cost`);
  return parts.join('; ');
}

async function main2(): Promise<void> {
  const { values } = parseArgs({ options: { slo: { type: 'string', default: 'ttft-p95=2s,failed=0.1%' }, traces: { type: 'string' } } });
  parseSlo(values.slo!);
  const wanted = values.traces?.split(',');
  const traces = TRACES.filter((t) => !wanted || wanted.includes(t.spec) || wanted.includes(t.spec.split(':')[0]));
  const rows: string[] = [];
  const notes: string[] = [];
  for (const t of traces) {
    const out = await tune(t.spec, values.slo!);
    const llm = defaultServices().llm;
    const seed = heldOutOf(t.spec, out, { ...llm, metrics: previousLlmMetrics() });
    // The least any configuration of this replica range can break: every replica warm all along.
    const atMax = heldOutOf(t.spec, out, { ...llm, minReplicas: llm.maxReplicas });
    const k8s = out.defaults.heldOut;
    const chosen = out.chosen.heldOut;
    const limit = VIOLATION_SHARE * Math.min(seed.violationSeconds, k8s.violationSeconds);
    const v = verdict(chosen, limit, out.frontier, atMax);
    const s = (e: Evaluation): string => String(Math.round(e.violationSeconds));
    const nh = (e: Evaluation): string => e.nodeHours.toFixed(2);
    rows.push(`| ${t.label} | ${out.chosen.label} | ${s(chosen)} | ${s(seed)} | ${s(k8s)} | ${nh(chosen)} | ${nh(seed)} | ${nh(k8s)} | ${chosen.leadTimeNodeHours?.toFixed(2)} | ${boundRatio(chosen).toFixed(2)}× | ${v} |`);
    console.error(`${t.spec}: ${out.evaluations} configurations in ${out.seconds.toFixed(1)} s`);
    if (v !== 'met') {
      notes.push(`\n${t.label}: the training frontier, held out (node-hours, × bound, s over):`);
      for (const r of out.frontier) notes.push(`  ${r.heldOut.nodeHours.toFixed(2)}  ${boundRatio(r.heldOut).toFixed(2)}×  ${Math.round(r.heldOut.violationSeconds)} s  ${r.label}`);
    }
  }
  console.log(`SLO ${values.slo}; held-out figures (Azure traces: the last 30 %; shapes: the same shape with the next seed)\n`);
  console.log('| trace | chosen | chosen s over | seed s over | k8s-default s over | chosen node-hours | seed node-hours | k8s-default node-hours | lead-time bound | chosen / bound | goal |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) console.log(r);
  for (const n of notes) console.log(n);
}

main2();
