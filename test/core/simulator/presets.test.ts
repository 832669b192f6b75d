import { ModelServer, ScalingMetric } from '../../../lib/core';
import { simulate, SimulationOptions, syntheticTrace } from '../../../lib/core/simulator';
import { llmService } from './helpers';

/** Short requests on an H100, warm nodes, fixed start-up; 2 requests/s, then 40/s from 600 s to 1800 s. */
const OPTIONS: SimulationOptions = { serving: { profile: 'llama-3.1-8b-fp8/h100', promptTokens: 200, outputTokens: 100 }, pods: { startupSpread: 0, initialReplicas: 1 }, nodes: { gpusPerNode: 8, initialNodes: 1 } };
const STEP = syntheticTrace('step', { base: 2, peak: 40, atSeconds: 600, lengthSeconds: 1200, durationSeconds: 2400 });

const ENTRIES = {
  waitingRequests: () => ScalingMetric.waitingRequests({ targetPerPod: 2 }),
  runningRequests: () => ScalingMetric.runningRequests({ targetPerPod: 16 }),
  kvCacheUsage: () => ScalingMetric.kvCacheUsage({ targetRatio: 0.5 }),
  timeToFirstToken: () => ScalingMetric.timeToFirstToken({ targetSeconds: 0.5 }),
  interTokenLatency: () => ScalingMetric.interTokenLatency({ targetSeconds: 0.05 }),
  queueTime: () => ScalingMetric.queueTime({ targetSeconds: 0.5, quantile: 'mean' }),
  generationTokens: () => ScalingMetric.tokenThroughput({ targetPerPod: 1000 }),
};

describe('every preset can be simulated as shipped', () => {
  const presets = [ModelServer.vllm(), ModelServer.vllm({ version: '0.9' }), ModelServer.sglang(), ModelServer.tgi(), ModelServer.tei(), ModelServer.triton()];
  test.each(presets.map((p) => [p.describe(), p] as const))('%s: every engine entry it exposes is read from its series', (_, server) => {
    const metrics = Object.entries(ENTRIES).filter(([signal]) => server.seriesFor(signal as keyof typeof ENTRIES)).map(([, build]) => build());
    const service = llmService({ modelServer: server, metrics });
    const skipped = service.skippedMetrics.map((s) => s.name);
    // Triton's queue time is a mean of two counters, which the simulator does not model.
    expect(skipped).toEqual(server.spec.engine === 'triton' ? ['nv_inference_queue_duration_seconds_mean'] : []);
    expect(service.metrics.map((m) => m.series)).toEqual(metrics.map((m) => m.forServer(server).definition!.series[0].name).filter((n) => n !== 'nv_inference_queue_duration_us'));
  });

  test.each(presets.map((p) => [p.describe(), p] as const))('%s: its first recommended metric scales the service out under a burst', (_, server) => {
    const service = llmService({ modelServer: server, metrics: [ENTRIES[server.spec.recommended[0] as keyof typeof ENTRIES]()] });
    const r = simulate(service, STEP, OPTIONS);
    expect(Math.max(...r.syncs.desired)).toBeGreaterThan(1);
  });
});

test('a running batch as a share of max sequences reads the running gauge divided by max sequences', () => {
  const count = simulate(llmService({ metrics: [ScalingMetric.runningRequests({ targetPerPod: 1000 })] }), STEP, OPTIONS);
  const share = simulate(llmService({ metrics: [ScalingMetric.runningRequests({ targetShareOfMaxSequences: 1, maxSequences: 1000 })] }), STEP, OPTIONS);
  // A target no load reaches: neither scales, so both see the same pods and the same batch.
  expect(Math.max(...count.syncs.desired)).toBe(1);
  const j = count.syncs.time.findIndex((t) => t >= 1200);
  expect(count.syncs.metricValues[j]).toBeGreaterThan(1);
  expect(share.syncs.metricValues[j]).toBeCloseTo(count.syncs.metricValues[j] / 1000, 3);
});
