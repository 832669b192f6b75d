/**
 * `inferscale simulate`: replays a trace against a service's autoscaling configuration and
 * prints a summary table, optionally comparing behavior presets and writing an HTML report.
 * @module
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BEHAVIOR_PRESETS,
  BehaviorPresetName,
  scaleTrace,
  simulate,
  SimulatedService,
  SimulationOptions,
  SimulationResult,
  traceStats,
  withBehaviorPreset,
} from '../core/simulator';
import { CliError, loadAppDir, loadManifest, loadTrace, pickService } from './inputs';
import { renderReport } from './report';
import { formatCount, formatTable, summaryColumns, summaryRows } from './table';

/** Where the command writes, and what it knows about its environment. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress is shown there only then, unless asked). */
  readonly stderrIsTty: boolean;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/** Usage text of `inferscale simulate`. */
export const SIMULATE_USAGE = `Usage: inferscale simulate [options]

Replays a load trace against a service's HPA and Deployment and prints what users and the
GPU bill would see.

Service (one of):
  --service NAME         a service of the synthesized app in --app-dir (default charts-out/)
  --manifest FILE        a YAML file with an autoscaling/v2 HPA and the Deployment it scales
                         (--service picks one when it holds several)
  --app-dir DIR          folder of the synthesized app (default: charts-out)

Trace:
  --trace SPEC           step | spike | diurnal | ramp (optionally shape:peak=40,base=2,at=600,for=900,
                         duration=3600,period=86400,seed=1,noise=0), code | conv (Azure LLM traces
                         shipped in the package, one hour each), or a CSV / JSON file (default: step)
  --scale N              multiply the request column by N (default 1)
  --duration SECONDS     length of synthetic shapes (default 3600)
  --seed N               seed of synthetic arrival noise (default 1)

Scenarios and output:
  --compare LIST         behavior presets side by side: ${BEHAVIOR_PRESETS.join(', ')}
                         (default: configured, the service's own)
  --report FILE          write a self-contained HTML report with charts
  --json                 print the summaries as JSON instead of a table
  --progress             show progress on stderr even when it is not a terminal

Model (defaults come from the service; see the simulator's documentation):
  --capacity RPS         requests/s one replica serves at the latency target
  --latency-target S     latency target in seconds
  --base-latency S       latency of one request on an idle replica
  --load-time S          model load time in seconds
  --initial-replicas N   ready replicas at the start (default minReplicas)
  --gpus-per-node N      GPUs per node (default 1)
  --max-nodes N          node pool limit (default: enough for maxReplicas)
  --initial-nodes N      nodes up at the start, image cached (default: enough for the initial replicas)
  --node-provisioning S  seconds to launch a GPU node (default 180)
  --image-pull S         image pull on a fresh node (default 60)
  --token-weighting      charge requests by their tokens when the trace has token columns
  -h, --help             show this help
`;

const OPTIONS = {
  service: { type: 'string' },
  manifest: { type: 'string' },
  'app-dir': { type: 'string' },
  trace: { type: 'string' },
  scale: { type: 'string' },
  duration: { type: 'string' },
  seed: { type: 'string' },
  compare: { type: 'string' },
  report: { type: 'string' },
  json: { type: 'boolean' },
  progress: { type: 'boolean' },
  capacity: { type: 'string' },
  'latency-target': { type: 'string' },
  'base-latency': { type: 'string' },
  'load-time': { type: 'string' },
  'initial-replicas': { type: 'string' },
  'gpus-per-node': { type: 'string' },
  'max-nodes': { type: 'string' },
  'initial-nodes': { type: 'string' },
  'node-provisioning': { type: 'string' },
  'image-pull': { type: 'string' },
  'token-weighting': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function numberOption(name: string, value: string | undefined, check: 'positive' | 'nonNegative' | 'whole'): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const ok = value.trim() !== '' && Number.isFinite(n)
    && (check === 'positive' ? n > 0 : check === 'nonNegative' ? n >= 0 : Number.isInteger(n) && n >= 1);
  if (!ok) {
    const expected = check === 'positive' ? 'a number greater than 0' : check === 'nonNegative' ? 'a number, 0 or more' : 'a whole number, 1 or more';
    throw new CliError(`--${name} is "${value}"; expected ${expected}`);
  }
  return n;
}

/** Runs `inferscale simulate` with its arguments; returns the exit code. */
export function runSimulate(args: readonly string[], io: CliIo): number {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: false, strict: true });
  } catch (e) {
    io.stderr(`inferscale simulate: ${(e as Error).message.split('\n')[0]} (see inferscale simulate --help)\n`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout(SIMULATE_USAGE);
    return 0;
  }

  // Service.
  const services = v.manifest !== undefined ? loadManifest(v.manifest, io.cwd) : loadAppDir(v['app-dir'] ?? 'charts-out', io.cwd);
  const base = pickService(services, v.service, v.manifest ?? `${v['app-dir'] ?? 'charts-out'}/`);

  // Trace.
  const duration = numberOption('duration', v.duration, 'whole');
  const seed = v.seed === undefined ? undefined : Number(v.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw new CliError(`--seed is "${v.seed}"; expected a whole number`);
  const rawTrace = loadTrace(v.trace ?? 'step', io.cwd, { ...(duration !== undefined ? { durationSeconds: duration } : {}), ...(seed !== undefined ? { seed } : {}) });
  const scale = numberOption('scale', v.scale, 'positive') ?? 1;
  const trace = scaleTrace(rawTrace, scale);

  // Scenarios.
  const presets = (v.compare ?? 'configured').split(',').map((p) => p.trim()).filter(Boolean);
  for (const p of presets) {
    if (!(BEHAVIOR_PRESETS as readonly string[]).includes(p)) throw new CliError(`--compare: "${p}" is not a behavior preset; expected ${BEHAVIOR_PRESETS.join(', ')}`);
  }
  if (presets.length === 0) throw new CliError(`--compare is empty; expected presets from ${BEHAVIOR_PRESETS.join(', ')}`);

  const loadTime = numberOption('load-time', v['load-time'], 'positive');
  const options: SimulationOptions = {
    capacity: {
      ...(v.capacity !== undefined ? { requestsPerSecond: numberOption('capacity', v.capacity, 'positive') } : {}),
      ...(v['latency-target'] !== undefined ? { latencyTargetSeconds: numberOption('latency-target', v['latency-target'], 'positive') } : {}),
      ...(v['base-latency'] !== undefined ? { baseLatencySeconds: numberOption('base-latency', v['base-latency'], 'positive') } : {}),
      ...(v['token-weighting'] ? { tokenWeighting: true } : {}),
    },
    pods: {
      ...(v['initial-replicas'] !== undefined ? { initialReplicas: numberOption('initial-replicas', v['initial-replicas'], 'whole') } : {}),
      ...(v['image-pull'] !== undefined ? { imagePullSeconds: Math.round(numberOption('image-pull', v['image-pull'], 'nonNegative')!) } : {}),
    },
    nodes: {
      ...(v['gpus-per-node'] !== undefined ? { gpusPerNode: numberOption('gpus-per-node', v['gpus-per-node'], 'whole') } : {}),
      ...(v['max-nodes'] !== undefined ? { maxNodes: numberOption('max-nodes', v['max-nodes'], 'whole') } : {}),
      ...(v['initial-nodes'] !== undefined ? { initialNodes: numberOption('initial-nodes', v['initial-nodes'], 'whole') } : {}),
      ...(v['node-provisioning'] !== undefined ? { provisioningSeconds: Math.round(numberOption('node-provisioning', v['node-provisioning'], 'nonNegative')!) } : {}),
    },
  };
  // The load time also sizes the presets' scale-down windows, so it belongs to the service.
  const service: SimulatedService = loadTime !== undefined ? { ...base, modelLoadSeconds: Math.round(loadTime), modelLoadSource: 'option' } : base;

  const showProgress = io.stderrIsTty || v.progress === true;
  const runs: { name: string; result: SimulationResult }[] = [];
  presets.forEach((preset, i) => {
    const scenario = withBehaviorPreset(service, preset as BehaviorPresetName);
    const name = preset === 'configured' ? `${scenario.behaviorName} (configured)` : preset;
    const label = `simulating ${name}${presets.length > 1 ? ` (${i + 1}/${presets.length})` : ''}`;
    const onProgress = showProgress
      ? (done: number, total: number): void => {
        const pct = Math.floor((100 * done) / total);
        io.stderr(io.stderrIsTty ? `\r${label}: ${pct}%${done === total ? '\n' : ''}` : `${label}: ${pct}%\n`);
      }
      : undefined;
    runs.push({ name, result: simulate(scenario, trace, { ...options, ...(onProgress ? { onProgress } : {}) }) });
  });

  const first = runs[0].result;
  const stats = traceStats(trace);
  const o = first.options;
  const stat = first.summary.latencyStatistic;
  const description = [
    `service ${service.name}${service.namespace ? ` (namespace ${service.namespace})` : ''}: ${service.minReplicas}-${service.maxReplicas} replicas, metrics ${service.metrics.map((m) => m.name).join(', ') || 'none'}`,
    `trace ${trace.name}: ${formatCount(stats.seconds)} s, ${formatCount(stats.total)} requests, mean ${stats.mean.toFixed(2)}/s, peak ${stats.peak.toFixed(0)}/s (60 s average ${stats.peak60.toFixed(1)}/s)`,
    `capacity ${o.capacityRps} requests/s per replica at ${stat} <= ${o.latencyTargetSeconds} s (${o.slots} slots, base latency ${o.baseLatencySeconds} s, saturates at ${o.maxRps.toFixed(2)}/s); model load ${o.modelLoadSeconds} s; ${service.gpusPerPod > 0 ? `${service.gpusPerPod} GPU/pod, ${o.gpusPerNode} GPU/node, up to ${o.maxNodes} nodes, ${o.provisioningSeconds} s to add one` : 'CPU only'}`,
  ];
  const notes = [...new Set(runs.flatMap((r) => r.result.warnings))];

  if (v.json) {
    io.stdout(`${JSON.stringify({
      service: service.name,
      trace: trace.name,
      scenarios: runs.map((r) => ({ name: r.name, behavior: r.result.service.behavior, summary: { ...r.result.summary, timeToCapacity: { ...r.result.summary.timeToCapacity, list: undefined } } })),
      notes,
    }, null, 2)}\n`);
  } else {
    io.stdout(`${description.join('\n')}\n\n${formatTable(summaryColumns(service.gpusPerPod > 0), summaryRows(runs))}\n`);
    io.stdout(`\ntime to capacity: longest wait for enough ready replicas after sustained demand (60 s average) outgrew them; s short: seconds with fewer ready replicas than that demand needed; s over target: seconds whose ${stat} latency exceeded ${o.latencyTargetSeconds} s; lower bound: ${service.gpusPerPod > 0 ? 'GPU' : 'replica'}-hours of a perfect-foresight scaler.\n`);
    for (const n of notes) io.stdout(`note: ${n}\n`);
  }
  if (v.report !== undefined) {
    const file = resolve(io.cwd, v.report);
    const html = renderReport({ title: `inferscale simulate: ${service.name} on ${trace.name}`, description, runs, notes });
    try {
      writeFileSync(file, html);
    } catch (e) {
      throw new CliError(`cannot write the report to ${v.report}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (!v.json) io.stdout(`report: ${file}\n`);
  }
  return 0;
}
