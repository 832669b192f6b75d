import { ScalingMetric } from '../../../lib/core';
import {
  readNamedTrace,
  simulate,
  SimulationOptions,
  SimulationResult,
  syntheticTrace,
  SYNC_REASONS,
  traceFromArray,
  withBehaviorPreset,
} from '../../../lib/core/simulator';
import { firstIndex, llmService } from './helpers';

/**
 * Short requests (200 prompt, 100 output tokens) on an H100: one replica sustains about 30
 * requests/s of them within the TPOT limit, so a target of 4 per pod leaves the HPA, not the
 * GPU, in charge. Fixed start-up times.
 */
const SHORT: SimulationOptions = { serving: { profile: 'llama-3.1-8b-fp8/h100', promptTokens: 200, outputTokens: 100 }, pods: { startupSpread: 0 } };
const WARM: SimulationOptions = { ...SHORT, nodes: { gpusPerNode: 8, initialNodes: 1 } };
/** 2 requests/s, then 20/s from 600 s to 1800 s. */
const STEP = syntheticTrace('step', { base: 2, peak: 20, atSeconds: 600, lengthSeconds: 1200, durationSeconds: 2700 });
const SYNC = 15;
/** The LLM scaling on requests per second alone (target 4 per pod). */
const rpsOnly = (loadTimeSeconds = 60, targetPerPod = 4, rateWindowSeconds = 60) => llmService({
  model: { loadTimeSeconds },
  metrics: [ScalingMetric.requestsPerSecond({ targetPerPod, counter: 'vllm:request_success_total', rateWindowSeconds })],
});

function syncIndexAt(r: SimulationResult, pred: (desired: number, j: number) => boolean, after: number): number {
  return firstIndex(r.syncs.desired, 0, (d, j) => r.syncs.time[j] >= after && pred(d, j));
}

describe('a burst under the burst preset', () => {
  const r = simulate(rpsOnly(), STEP, { ...WARM, pods: { ...WARM.pods, initialReplicas: 1 } });

  test('the HPA asks for the five replicas the burst needs within 6 syncs, and they are ready within the model load after that', () => {
    const j = syncIndexAt(r, (d) => d >= 5, 600);
    expect(r.syncs.time[j] - 600).toBeLessThanOrEqual(6 * SYNC);
    const t = firstIndex(r.timeline.readyReplicas, 600, (v) => v >= 5);
    // Scheduling (2 s) and the model load (60 s, first passing probe) after the sync that asked.
    expect(t - r.syncs.time[j]).toBeGreaterThanOrEqual(2 + 60);
    expect(t - r.syncs.time[j]).toBeLessThanOrEqual(2 + 60 + 10 + SYNC);
    expect(r.summary.failedRequests).toBe(0);
  });

  test('requests per second per pod is what Prometheus computes from the engine counter (about 20/s over the ready pods)', () => {
    const j = firstIndex(r.syncs.time, 0, (t) => t >= 1500);
    const perPod = r.syncs.metricValues[j];
    const ready = r.timeline.readyReplicas[r.syncs.time[j]];
    expect(perPod * ready).toBeGreaterThan(16);
    expect(perPod * ready).toBeLessThan(24);
  });
});

describe('scale-down', () => {
  /** Last sync whose proposal still asked for 5, and the first sync after the burst below 5. */
  function afterBurst(r: SimulationResult): { lastHigh: number; firstBelow: number } {
    let lastHigh = -1;
    for (let j = 0; j < r.syncs.time.length; j++) if (r.syncs.proposed[j] >= 5) lastHigh = r.syncs.time[j];
    return { lastHigh, firstBelow: r.syncs.time[syncIndexAt(r, (d) => d < 5, 1800)] };
  }

  test('waits for the stabilization window after the last high proposal (burst: 600 s; steady: 300 s, sooner)', () => {
    const burst = simulate(rpsOnly(), STEP, WARM);
    const steady = simulate(withBehaviorPreset(rpsOnly(), 'steady'), STEP, WARM);
    expect(burst.service.behavior!.scaleDown.stabilizationWindowSeconds).toBe(600);
    const b = afterBurst(burst);
    const s = afterBurst(steady);
    expect(b.firstBelow - b.lastHigh).toBeGreaterThanOrEqual(600);
    expect(b.firstBelow - b.lastHigh).toBeLessThanOrEqual(600 + 4 * 60);
    expect(s.firstBelow - s.lastHigh).toBeGreaterThanOrEqual(300);
    expect(s.firstBelow).toBeLessThan(b.firstBelow);
  });
});

describe('pod start-up', () => {
  const readyAt = (r: SimulationResult): number => firstIndex(r.timeline.readyReplicas, 600, (v) => v >= 5);

  test('a long model load delays capacity by the extra load time', () => {
    const fast = simulate(rpsOnly(60), STEP, WARM);
    const slow = simulate(rpsOnly(600), STEP, WARM);
    expect(readyAt(slow) - readyAt(fast)).toBeGreaterThanOrEqual(540);
    expect(readyAt(slow) - readyAt(fast)).toBeLessThanOrEqual(540 + 2 * SYNC);
    expect(slow.summary.timeToCapacity).toEqual(fast.summary.timeToCapacity);
  });

  test('with no free GPU, node provisioning and the image pull come first, and nodes are billed from provisioning', () => {
    const warm = simulate(rpsOnly(60), STEP, WARM);
    const cold = simulate(rpsOnly(60), STEP, { ...SHORT, nodes: { gpusPerNode: 1, provisioningSeconds: 180 }, pods: { ...SHORT.pods, imagePullSeconds: 60 } });
    expect(readyAt(cold) - readyAt(warm)).toBe(180 + 60);
    expect(cold.summary.peakNodes).toBeGreaterThanOrEqual(5);
    // A node costs from its launch: more node-hours than the pods on it were bound.
    expect(cold.summary.nodeHours).toBeGreaterThan(cold.summary.replicaHours);
  });

  test('start-up times spread (seeded) around the configured ones', () => {
    const fixed = simulate(rpsOnly(60), STEP, { ...SHORT, nodes: { gpusPerNode: 1 } });
    const spread = simulate(rpsOnly(60), STEP, { ...SHORT, nodes: { gpusPerNode: 1 }, pods: { startupSpread: 0.3, seed: 3 } });
    expect(readyAt(spread)).not.toBe(readyAt(fixed));
    expect(simulate(rpsOnly(60), STEP, { ...SHORT, nodes: { gpusPerNode: 1 }, pods: { startupSpread: 0.3, seed: 3 } }).summary).toEqual(spread.summary);
  });

  test('a model that loads slower than the startup probe allows never becomes ready, and says so', () => {
    const s = rpsOnly(60);
    const r = simulate({ ...s, startupProbe: { initialDelaySeconds: 0, periodSeconds: 10, failureThreshold: 3 } }, STEP, { ...WARM, pods: { ...WARM.pods, initialReplicas: 1 } });
    expect(Math.max(...r.timeline.readyReplicas)).toBe(1);
    expect(r.warnings).toContain('the model takes 60 s to load but the startup probe gives up after 30 s: new pods restart forever and never become ready');
  });

  test('the initial state comes from the trace\'s first minutes, not minReplicas', () => {
    const busy = traceFromArray('busy', new Array(900).fill(100));
    const r = simulate(rpsOnly(60), busy, WARM);
    expect(r.service.minReplicas).toBe(1);
    expect(r.initialReplicas).toBeGreaterThanOrEqual(3);
    for (let t = 0; t < 120; t++) expect(r.timeline.ttftSeconds[t]).toBeLessThan(r.options.slo.ttftSeconds);
  });
});

describe('legacy path (behavior: null) against the defaulted behavior', () => {
  test('legacy doubles with a floor of 4 per sync (1 → 4 → 8); the default behavior allows +4 pods or +100 % (1 → 5 → 10)', () => {
    // A flood far beyond capacity: the waiting queue, against a target of 1 per pod, asks for far more each sync than the limits allow.
    const huge = syntheticTrace('step', { base: 1, peak: 200, atSeconds: 300, lengthSeconds: 300, durationSeconds: 700 });
    const scaleUps = (preset: 'legacy' | 'default'): number[] => {
      const s = withBehaviorPreset(llmService({ maxReplicas: 20, model: { loadTimeSeconds: 60 }, metrics: [ScalingMetric.queueDepth({ targetPerPod: 1, gauge: 'vllm:num_requests_waiting' })] }), preset);
      const r = simulate(s, huge, { pods: { startupSpread: 0, initialReplicas: 1 }, nodes: { gpusPerNode: 32, initialNodes: 1 } });
      const seq: number[] = [];
      for (let j = 0; j < r.syncs.time.length; j++) if (r.syncs.desired[j] !== (j === 0 ? 1 : r.syncs.desired[j - 1])) seq.push(r.syncs.desired[j]);
      return seq;
    };
    expect(scaleUps('legacy').slice(0, 2)).toEqual([4, 8]);
    expect(scaleUps('default').slice(0, 2)).toEqual([5, 10]);
  });
});

describe('capacity comes from the serving profile, never from the HPA target', () => {
  // Qwen2.5-7B on an A10G (the default profile) sustains about 1.9 conversation-sized requests/s.
  const trace = syntheticTrace('step', { base: 1, peak: 6, atSeconds: 300, lengthSeconds: 1200, durationSeconds: 1800 });
  // A gateway (least-loaded) sends new requests past the replica that holds the burst's backlog;
  // in turn (a Service) that backlog breaks the SLO for as long as it takes to drain, whatever the headroom.
  const fixed: SimulationOptions = { pods: { startupSpread: 0 }, serving: { routing: 'least-loaded' } };
  const loose = simulate(rpsOnly(60, 3), trace, fixed);
  const tight = simulate(rpsOnly(60, 1), trace, fixed);

  test('a lower target adds replicas (headroom); the GPU, the need and both bounds stay the same', () => {
    expect(tight.options.profile).toBe(loose.options.profile);
    expect(Array.from(tight.timeline.neededReplicas)).toEqual(Array.from(loose.timeline.neededReplicas));
    expect(tight.summary.bounds).toEqual(loose.summary.bounds);
    expect(tight.summary.peakReplicas).toBeGreaterThan(loose.summary.peakReplicas);
    expect(tight.summary.replicaHours).toBeGreaterThan(loose.summary.replicaHours);
  });

  test('and the headroom shows as latency: each replica runs a smaller batch, so tokens come faster', () => {
    expect(tight.summary.interToken.mean).toBeLessThan(loose.summary.interToken.mean);
    expect(tight.summary.sloViolationSeconds.ttft).toBeLessThan(loose.summary.sloViolationSeconds.ttft);
  });
});

describe('serving', () => {
  test('at steady load below capacity, requests in the system equal arrival rate × time in the system (Little\'s law)', () => {
    // One conversation-sized request per second on the default profile (it sustains about 1.9).
    const rate = 1;
    const steady = traceFromArray('steady', new Array(1800).fill(rate));
    const s = { ...llmService({ minReplicas: 1, maxReplicas: 1 }), metrics: [] };
    const r = simulate(s, steady, { pods: { initialReplicas: 1 } });
    // Skip the first minutes (the queue fills up from empty) and compare means.
    // The time average over a second: requests held at its start (the last second's end plus its
    // arrivals) and at its end.
    const held = (t: number): number => r.timeline.running[t] + r.timeline.waiting[t];
    let inSystem = 0;
    for (let t = 300; t < 1800; t++) inSystem += (held(t - 1) + rate + held(t)) / 2;
    inSystem /= 1500;
    expect(r.summary.failedRequests).toBe(0);
    expect(inSystem / (rate * r.summary.e2e.mean)).toBeGreaterThan(0.9);
    expect(inSystem / (rate * r.summary.e2e.mean)).toBeLessThan(1.1);
  });

  test('requests with no ready replica fail, and so do requests that wait past the client timeout', () => {
    const s = { ...llmService({ minReplicas: 1, maxReplicas: 1 }), metrics: [] };
    const flood = traceFromArray('flood', new Array(600).fill(90));
    const r = simulate(s, flood, { ...SHORT, pods: { ...SHORT.pods, initialReplicas: 1 }, serving: { ...SHORT.serving, requestTimeoutSeconds: 60 } });
    expect(r.summary.failedRequests).toBeGreaterThan(0);
    // Nothing finishes later than the timeout (plus the second it ends in).
    expect(r.summary.e2e.p99).toBeLessThanOrEqual(61);
    const down = simulate({ ...s, startupProbe: { initialDelaySeconds: 0, periodSeconds: 10, failureThreshold: 1 } }, flood, { ...SHORT, pods: { ...SHORT.pods, initialReplicas: 1 }, faults: { podCrashes: [{ atSeconds: 100 }] } });
    expect(down.summary.failedRequests).toBeGreaterThan(90 * 400);
  });

  test('requests still waiting or running when the trace ends count as in flight, neither finished nor failed', () => {
    const s = { ...llmService({ minReplicas: 1, maxReplicas: 1 }), metrics: [] };
    const r = simulate(s, traceFromArray('five seconds', new Array(5).fill(100)), { pods: { initialReplicas: 1 } });
    expect(r.summary.totalRequests).toBe(500);
    expect(r.summary.finishedRequests).toBe(0);
    expect(r.summary.failedRequests).toBe(0);
    expect(r.summary.inFlightAtEnd).toBeCloseTo(500, 6);
  });

  test('a KV cache that overflows preempts requests and recomputes them', () => {
    const s = { ...llmService({ minReplicas: 1, maxReplicas: 1 }), metrics: [] };
    const long = traceFromArray('long', new Array(600).fill(1));
    const r = simulate(s, long, { pods: { initialReplicas: 1, startupSpread: 0 }, serving: { profile: 'llama-2-7b/a10g', promptTokens: 2000, outputTokens: 1500 } });
    expect(r.summary.preemptions).toBeGreaterThan(0);
  });
});

describe('the engine\'s own metrics, read by the HPA through the catalogue\'s series', () => {
  test('a vLLM queue gauge and the KV-cache gauge are read per pod as scraped, without a mapping', () => {
    const s = llmService({
      metrics: [
        ScalingMetric.queueDepth({ targetPerPod: 5, gauge: 'vllm:num_requests_waiting' }),
        ScalingMetric.inFlightRequests({ targetPerPod: 0.8, gauge: 'vllm:kv_cache_usage_perc' }),
      ],
    });
    expect(s.metrics.map((m) => m.series)).toEqual(['vllm:num_requests_waiting', 'vllm:kv_cache_usage_perc']);
    const r = simulate(s, syntheticTrace('step', { base: 2, peak: 60, atSeconds: 300, lengthSeconds: 900, durationSeconds: 1500 }), SHORT);
    // The queue builds after the step: the HPA saw waiting requests and scaled up.
    const values = Array.from({ length: r.syncs.time.length }, (_, j) => r.syncs.metricValues[j * 2]).filter((v) => !Number.isNaN(v));
    expect(Math.max(...values)).toBeGreaterThan(5);
    const kv = Array.from({ length: r.syncs.time.length }, (_, j) => r.syncs.metricValues[j * 2 + 1]).filter((v) => !Number.isNaN(v));
    expect(Math.min(...kv)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...kv)).toBeLessThanOrEqual(1);
    expect(r.summary.peakReplicas).toBeGreaterThan(r.initialReplicas);
  });

  test('every catalogue kind is simulated through its series, in the units its HPA target uses', () => {
    const s = llmService({
      metrics: [
        ScalingMetric.requestsPerSecond({ targetPerPod: 2 }),
        ScalingMetric.latency({ quantile: 0.9, targetSeconds: 10 }),
        ScalingMetric.latency({ quantile: 'mean', targetSeconds: 10, histogram: 'vllm:time_to_first_token_seconds' }),
        ScalingMetric.errorRate({ targetRatio: 0.05 }),
        ScalingMetric.inFlightRequests({ targetPerPod: 8 }),
        ScalingMetric.queueDepth({ targetPerPod: 4 }),
        ScalingMetric.gpuUtilization({ targetPercent: 90, source: 'engineActive' }),
        ScalingMetric.externalQueue({ series: 'queue_length', targetPerReplica: 5 }),
        ScalingMetric.memoryUtilization(80),
      ],
    });
    expect(s.skippedMetrics).toEqual([]);
    const r = simulate(s, syntheticTrace('step', { base: 1, peak: 4, durationSeconds: 1500 }), { pods: { startupSpread: 0 } });
    const n = s.metrics.length;
    const j = firstIndex(r.syncs.time, 0, (t) => t >= 1200);
    const seen = Array.from({ length: n }, (_, i) => r.syncs.metricValues[j * n + i]);
    for (const v of seen) expect(Number.isFinite(v)).toBe(true);
    // Requests/s per pod and an e2e p90 of seconds; TTFT well under that; no errors; the GPU in percent.
    expect(seen[0]).toBeGreaterThan(0);
    expect(seen[1]).toBeGreaterThan(seen[2]);
    expect(seen[3]).toBe(0);
    expect(seen[6]).toBeGreaterThan(50);
    expect(seen[6]).toBeLessThanOrEqual(100);
    expect(seen[8]).toBe(60);
  });

  test('GPU utilization reads near 100 % as soon as a replica has work, so an HPA on it adds replicas the load does not need', () => {
    const s = llmService({ metrics: [ScalingMetric.gpuUtilization({ targetPercent: 75 })] });
    // One request per second of the conversation trace's mean size: one A10G replica's worth.
    const light = traceFromArray('light', new Array(1200).fill(1));
    const r = simulate(s, light, { pods: { startupSpread: 0, initialReplicas: 1 } });
    expect(Math.max(...r.timeline.neededReplicas)).toBe(1);
    const j = firstIndex(r.syncs.time, 0, (t) => t >= 30);
    expect(r.syncs.metricValues[j]).toBeGreaterThan(90);
    expect(r.summary.peakReplicas).toBeGreaterThanOrEqual(3);
  });
});

describe('faults', () => {
  const s = rpsOnly(60);
  const trace = traceFromArray('flat', new Array(1500).fill(8));

  test('Prometheus down: no scrapes, adapter queries fail, the HPA blocks and holds; the report says so', () => {
    const r = simulate(s, trace, { ...WARM, faults: { metricsOutages: [{ atSeconds: 600, durationSeconds: 300 }] } });
    const [f] = r.summary.faults;
    expect(f.kind).toBe('metricsOutage');
    expect(f.endSeconds).toBe(900);
    // Blocked through the outage, and until two scrapes after it fill the rate window again.
    expect(f.blockedSyncs).toBeGreaterThanOrEqual(20);
    expect(f.blockedSyncs).toBeLessThanOrEqual(23);
    const during = firstIndex(r.syncs.time, 0, (t) => t >= 700);
    expect(SYNC_REASONS[r.syncs.reason[during]]).toBe('FailedComputeMetricsReplicas');
    expect(Number.isNaN(r.syncs.metricValues[during])).toBe(true);
  });

  test('a fault that starts at or after the end of the trace never happens, and a warning says so', () => {
    const r = simulate(s, trace, { ...WARM, faults: { metricsOutages: [{ atSeconds: 99999, durationSeconds: 10 }], podCrashes: [{ atSeconds: 1500 }] } });
    expect(r.summary.faults).toEqual([]);
    expect(r.warnings).toContain('a metrics outage at 99999 s (faults.metricsOutages) starts after the trace ends (1500 s) and is ignored');
    expect(r.warnings).toContain('a pod crash at 1500 s (faults.podCrashes) starts after the trace ends (1500 s) and is ignored');
  });

  test('a pod crash fails its requests, the pod reloads the model, and ready replicas come back', () => {
    // Long answers (1,000 tokens, about four seconds each), so the pod holds requests when it crashes.
    const r = simulate(s, trace, { ...WARM, serving: { ...WARM.serving, outputTokens: 1000 }, faults: { podCrashes: [{ atSeconds: 600 }] } });
    const [f] = r.summary.faults;
    expect(f.kind).toBe('podCrash');
    expect(f.readyLowest).toBe(f.readyBefore - 1);
    expect(f.failedRequests).toBeGreaterThan(0);
    // Back after the restart back-off (10 s) and the model load (60 s, first passing probe).
    expect(f.endSeconds - f.atSeconds).toBeGreaterThanOrEqual(70);
    expect(f.endSeconds - f.atSeconds).toBeLessThanOrEqual(90);
  });

  test('a spot interruption drains the node, replaces its pod on a new node, and the node is gone after two minutes', () => {
    const r = simulate(s, trace, { ...SHORT, nodes: { gpusPerNode: 1, provisioningSeconds: 180 }, pods: { ...SHORT.pods, imagePullSeconds: 60 }, faults: { spotInterruptions: [{ atSeconds: 600 }] } });
    const [f] = r.summary.faults;
    expect(f.kind).toBe('spotInterruption');
    expect(f.readyLowest).toBe(f.readyBefore - 1);
    // A replacement needs a new node (180 s), the image (60 s) and the model (60 s).
    expect(f.endSeconds - f.atSeconds).toBeGreaterThanOrEqual(180 + 60 + 60);
    const nodesBefore = r.timeline.nodes[599];
    expect(r.timeline.nodes[600 + 120 + 1]).toBe(nodesBefore);
    expect(Math.max(...r.timeline.nodes.subarray(600, 720))).toBe(nodesBefore + 1);
  });
});

describe('the real traces and the bounds', () => {
  test.each(['code', 'conv'] as const)('%s: every request is counted once, and the lead-time bound is at least the instant bound', (name) => {
    const trace = readNamedTrace(name);
    const r = simulate(llmService(), trace);
    const s = r.summary;
    expect(s.durationSeconds).toBe(trace.requests.length);
    expect(s.totalRequests).toBeCloseTo(trace.requests.reduce((a, b) => a + b, 0), 6);
    expect(s.finishedRequests + s.failedRequests).toBeLessThanOrEqual(s.totalRequests + 1e-6);
    expect(s.finishedRequests + s.failedRequests).toBeGreaterThan(s.totalRequests * 0.97);
    expect(s.finishedRequests + s.failedRequests + s.inFlightAtEnd).toBeCloseTo(s.totalRequests, 6);
    expect(s.bounds.instantNodeHours).toBeGreaterThan(0);
    expect(s.bounds.leadTimeNodeHours).toBeGreaterThanOrEqual(s.bounds.instantNodeHours);
    expect(s.syncs).toBe(Math.ceil(trace.requests.length / SYNC));
  });
});

describe('results', () => {
  test('are deterministic', () => {
    const a = simulate(rpsOnly(), STEP, WARM);
    const b = simulate(rpsOnly(), STEP, WARM);
    expect(a.summary).toEqual(b.summary);
    expect(Array.from(a.syncs.desired)).toEqual(Array.from(b.syncs.desired));
  });

  test('an option out of range is an error naming it', () => {
    expect(() => simulate(rpsOnly(), STEP, { serving: { profile: 'gpt-5/abacus' } })).toThrow(/^simulate "llm": serving.profile is "gpt-5\/abacus"; expected one of llama-2-7b\/a10g, /);
    expect(() => simulate(rpsOnly(), STEP, { slo: { ttftSeconds: 0 } })).toThrow('simulate "llm": slo.ttftSeconds is 0; expected a number greater than 0');
    expect(() => simulate(rpsOnly(), STEP, { serving: { routing: 'random' as never } })).toThrow('simulate "llm": serving.routing is "random"; expected "round-robin" or "least-loaded"');
  });
});

describe('the metrics pipeline', () => {
  test('a longer rate window delays the scale-up (rate() averages the whole window)', () => {
    const small = syntheticTrace('step', { base: 2, peak: 5, atSeconds: 600, lengthSeconds: 900, durationSeconds: 1500, noise: false });
    const firstAsk = (r: SimulationResult): number => r.syncs.time[syncIndexAt(r, (d) => d >= 2, 600)];
    const short = simulate(rpsOnly(60, 4, 60), small, { ...WARM, pods: { ...WARM.pods, initialReplicas: 1 } });
    const long = simulate(rpsOnly(60, 4, 300), small, { ...WARM, pods: { ...WARM.pods, initialReplicas: 1 } });
    // Two replicas once the windowed rate passes 4 × 1.1 (the tolerance band): about 0.87 of
    // the window after the step, give or take a scrape, a sync and the time a request takes.
    expect(firstAsk(short) - 600).toBeGreaterThanOrEqual(30);
    expect(firstAsk(short) - 600).toBeLessThanOrEqual(100);
    expect(firstAsk(long) - 600).toBeGreaterThanOrEqual(230);
    expect(firstAsk(long) - 600).toBeLessThanOrEqual(310);
  });
});
