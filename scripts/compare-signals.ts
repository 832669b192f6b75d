/**
 * The default LLM's saturation signals against the signals it used to scale on, simulated on
 * the repository's Azure traces and the synthetic shapes: `npm run compare-signals`.
 *
 * Both configurations share everything but `metrics`: the default app's image, GPU, replica
 * range (1-8), burst behavior, serving profile (Qwen2.5-7B on A10G) and SLOs (TTFT p95 2 s,
 * TPOT p95 0.2 s). Prints a Markdown table per routing policy.
 *
 * Options: --routing round-robin|least-loaded|both (default both), --day-seconds N (length of the
 * diurnal trace, default 86400).
 */
import { parseArgs } from 'node:util';
import { InferenceServiceProps, resolveInferenceService } from '../lib/core';
import {
  readNamedTrace, RoutingPolicy, serviceFromResolved, simulate, SimulatedService, SimulationSummary, syntheticTrace, Trace,
} from '../lib/core/simulator';
import { defaultServices, previousLlmMetrics } from '../stacks/default-services';

function simulated(props: InferenceServiceProps): SimulatedService {
  const { service, problems } = resolveInferenceService(props, 'llm');
  if (!service) throw new Error(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  return serviceFromResolved(service);
}

function cells(s: SimulationSummary): string[] {
  return [
    String(s.sloViolationSeconds.ttft),
    String(s.sloViolationSeconds.e2e),
    String(Math.round(s.failedRequests)),
    s.nodeHours.toFixed(1),
    `${(s.nodeHours / s.bounds.leadTimeNodeHours).toFixed(2)}×`,
    String(s.peakReplicas),
  ];
}

function main(): void {
  const { values } = parseArgs({ options: { routing: { type: 'string', default: 'both' }, 'day-seconds': { type: 'string', default: '86400' } } });
  const routings: RoutingPolicy[] = values.routing === 'both' ? ['round-robin', 'least-loaded'] : [values.routing as RoutingPolicy];
  for (const r of routings) if (r !== 'round-robin' && r !== 'least-loaded') throw new Error(`--routing is "${r}"; expected round-robin, least-loaded or both`);
  const day = Number(values['day-seconds']);
  if (!Number.isInteger(day) || day < 3600) throw new Error(`--day-seconds is "${values['day-seconds']}"; expected whole seconds, 3600 or more`);

  const current = defaultServices().llm;
  const configs: [string, SimulatedService][] = [
    ['previous', simulated({ ...current, metrics: previousLlmMetrics() })],
    ['saturation', simulated(current)],
  ];
  const traces: Trace[] = [readNamedTrace('code'), readNamedTrace('conv'), syntheticTrace('step'), syntheticTrace('spike'), syntheticTrace('diurnal', { durationSeconds: day })];

  console.log(`saturation metrics: ${configs[1][1].metrics.map((m) => m.name).join(', ')}`);
  console.log(`previous metrics:   ${configs[0][1].metrics.map((m) => m.name).join(', ')}`);
  for (const routing of routings) {
    console.log(`\nrouting ${routing}\n`);
    console.log('| trace | config | TTFT s over | e2e s over | failed | node-hours | vs lead-time bound | peak replicas |');
    console.log('|---|---|---:|---:|---:|---:|---:|---:|');
    for (const trace of traces) {
      for (const [name, service] of configs) {
        const summary = simulate(service, trace, { serving: { routing } }).summary;
        console.log(`| ${trace.name} | ${name} | ${cells(summary).join(' | ')} |`);
      }
    }
  }
}

main();
