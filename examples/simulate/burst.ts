/**
 * The core package alone (no cdk8s, no Pulumi): what one HPA sync decides, then how a service
 * rides out a traffic spike with two behavior presets.
 *
 *   npm install inferscale
 *   npx tsx burst.ts
 */
import { hpa, resolveInferenceService, ScalingBehavior, ScalingMetric, simulator } from 'inferscale';

// One sync of the HPA controller: 3 ready pods at 6, 7 and 8 requests/s against a target of 4.
const proposal = hpa.proposeReplicas({
  currentReplicas: 3,
  metrics: [{ type: 'Pods', targetAverageValueMilli: 4000, pods: [{ valueMilli: 6000 }, { valueMilli: 7000 }, { valueMilli: 8000 }] }],
});
console.log(`one sync: 3 pods averaging 7 requests/s against a target of 4 → ${proposal.replicas} replicas`);

// The same service, resolved with every default, as the constructs would render it.
for (const behavior of [ScalingBehavior.burst(), ScalingBehavior.steady()]) {
  const { service, problems } = resolveInferenceService({
    image: 'vllm/vllm-openai:v0.11.0',
    gpu: { count: 1 },
    model: { loadTimeSeconds: 180 },
    maxReplicas: 10,
    metrics: [ScalingMetric.requestsPerSecond({ targetPerPod: 4 })],
    behavior,
  }, 'llm');
  if (!service) throw new Error(problems.map((p) => `${p.path} ${p.message}`).join('\n'));

  // A 15-minute spike from 2 to 24 requests/s, 10 minutes in, with seeded Poisson arrivals.
  const trace = simulator.syntheticTrace('spike', { base: 2, peak: 24, atSeconds: 600, lengthSeconds: 900, durationSeconds: 2400, seed: 7 });
  const { summary } = simulator.simulate(simulator.serviceFromResolved(service), trace, { serving: { profile: 'llama-3.1-8b/a100-40gb' } });
  console.log(
    `${service.behaviorPreset.padEnd(6)}: peak ${summary.peakReplicas} replicas, capacity after ${summary.timeToCapacity.maxSeconds} s, `
    + `${summary.sloViolationSeconds.ttft} s over the TTFT SLO, ${summary.failedRequests.toFixed(0)} failed requests, ${summary.nodeHours.toFixed(2)} node-hours`,
  );
}
