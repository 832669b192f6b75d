/**
 * What does a faster model load buy? Replays the real code-completion trace (scaled ×4)
 * against an LLM service like the default environment's `llm` with model load times from 1 to
 * 10 minutes, and prints the time to capacity, seconds over the TTFT and end-to-end SLOs,
 * node-hours and the lead-time bound (which grows with the start-up time too) of each.
 *
 *   npx tsx examples/simulate/load-time.ts [path/to/trace.csv]
 */
import { readFileSync } from 'node:fs';
import { InferenceServiceProps, resolveInferenceService, ScalingBehavior, ScalingMetric, simulator } from 'inferscale';

const file = process.argv[2];
const real = file ? simulator.parseTrace(readFileSync(file, 'utf8'), file) : simulator.readNamedTrace('code');
const trace = simulator.scaleTrace(real, 4);

/** The default environment's LLM: vLLM on one GPU, scaling on requests, GPU, latency and CPU. */
function llm(loadTimeSeconds: number): InferenceServiceProps {
  return {
    image: 'vllm/vllm-openai:v0.11.0',
    model: { name: 'Qwen/Qwen2.5-7B-Instruct', loadTimeSeconds },
    gpu: { count: 1 },
    minReplicas: 1,
    maxReplicas: 8,
    metrics: [
      ScalingMetric.requestsPerSecond({ targetPerPod: 4, counter: 'vllm:request_success_total' }),
      ScalingMetric.gpuUtilization({ targetPercent: 75 }),
      ScalingMetric.latency({ quantile: 0.95, targetSeconds: 4, histogram: 'vllm:e2e_request_latency_seconds' }),
      ScalingMetric.cpuUtilization(80),
    ],
    behavior: ScalingBehavior.burst(),
  };
}

console.log('load time  time to capacity  TTFT s over  e2e s over  failed  node-hours  lead-time bound');
for (const loadTimeSeconds of [60, 120, 240, 480, 600]) {
  const { service, problems } = resolveInferenceService(llm(loadTimeSeconds), 'llm');
  if (!service) throw new Error(problems.map((p) => `${p.path} ${p.message}`).join('\n'));
  // The default app's model on its GPU: Qwen2.5-7B on an A10G.
  const { summary: s } = simulator.simulate(simulator.serviceFromResolved(service), trace, { serving: { profile: 'qwen2.5-7b/a10g' } });
  console.log(
    `${String(loadTimeSeconds).padStart(7)} s${String(s.timeToCapacity.maxSeconds).padStart(16)} s${String(s.sloViolationSeconds.ttft).padStart(13)}`
    + `${String(s.sloViolationSeconds.e2e).padStart(12)}${Math.round(s.failedRequests).toString().padStart(8)}${s.nodeHours.toFixed(2).padStart(12)}${s.bounds.leadTimeNodeHours.toFixed(2).padStart(17)}`,
  );
}
