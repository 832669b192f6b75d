import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveInferenceService, ScalingMetric } from '../../../lib/core';
import {
  parseTrace,
  scaleTrace,
  serviceFromResolved,
  simulate,
  SimulationResult,
  syntheticTrace,
  SYNC_REASONS,
  withBehaviorPreset,
} from '../../../lib/core/simulator';
import { firstIndex, llmService, TRACES_DIR } from './helpers';

/** Nodes with room for every replica, image cached: capacity waits only for the model. */
const WARM_NODES = { nodes: { gpusPerNode: 8, initialNodes: 1 } };
/** 2 requests/s, then 20/s (five replicas' worth) from 600 s to 1800 s. */
const STEP = syntheticTrace('step', { base: 2, peak: 20, atSeconds: 600, lengthSeconds: 1200, durationSeconds: 3000 });
const SYNC = 15;

function syncIndexAt(r: SimulationResult, pred: (desired: number, j: number) => boolean, after: number): number {
  return firstIndex(r.syncs.desired, 0, (d, j) => r.syncs.time[j] >= after && pred(d, j));
}

describe('a burst under the burst preset', () => {
  const r = simulate(llmService({ model: { loadTimeSeconds: 60 } }), STEP, WARM_NODES);

  test('the HPA asks for the five replicas the burst needs within 2 syncs', () => {
    const j = syncIndexAt(r, (d) => d >= 5, 600);
    expect(j).toBeGreaterThanOrEqual(0);
    expect(r.syncs.time[j] - 600).toBeLessThanOrEqual(2 * SYNC);
  });

  test('is served (five ready replicas) within 6 syncs when GPUs are free and the model loads in 60 s', () => {
    const t = firstIndex(r.timeline.readyReplicas, 600, (v) => v >= 5);
    expect(t - 600).toBeLessThanOrEqual(6 * SYNC);
    // Nothing can be faster than scheduling plus model load after the first sync that sees it.
    expect(t - 600).toBeGreaterThanOrEqual(2 + 60);
    expect(r.summary.timeToCapacity.unresolved).toBe(0);
    // The summary's time to capacity ends exactly when the replicas the burst needed at most
    // (five, or six when the Poisson arrivals run above 20/s for a minute) are ready.
    const burst = r.summary.timeToCapacity.list.find((e) => e.start >= 600 && e.start < 700)!;
    expect([5, 6]).toContain(burst.replicas);
    expect(burst.start + burst.seconds).toBe(firstIndex(r.timeline.readyReplicas, 600, (v) => v >= burst.replicas));
    expect(burst.seconds).toBeLessThanOrEqual(8 * SYNC);
    // One replica's queue overflows before help arrives; nothing fails once it has.
    const failedAfter = Array.from(r.timeline.failed.subarray(t + 30, 1800)).reduce((a, b) => a + b, 0);
    expect(r.summary.failedRequests).toBeGreaterThan(0);
    expect(failedAfter).toBe(0);
  });
});

describe('scale-down', () => {
  /** Last sync of the burst whose proposal still asked for 5 and the first sync after it that went below 5. */
  function afterBurst(r: SimulationResult): { lastHigh: number; firstBelow: number } {
    let lastHigh = -1;
    for (let j = 0; j < r.syncs.time.length; j++) if (r.syncs.proposed[j] >= 5) lastHigh = r.syncs.time[j];
    const jb = syncIndexAt(r, (d) => d < 5, 1800);
    return { lastHigh, firstBelow: r.syncs.time[jb] };
  }

  test('waits for the stabilization window after the last high proposal (burst: 600 s)', () => {
    const r = simulate(llmService({ model: { loadTimeSeconds: 60 } }), STEP, WARM_NODES);
    expect(r.service.behavior!.scaleDown.stabilizationWindowSeconds).toBe(600);
    const { lastHigh, firstBelow } = afterBurst(r);
    expect(lastHigh).toBeGreaterThanOrEqual(1800);
    expect(firstBelow - lastHigh).toBeGreaterThanOrEqual(600);
    // ... and then removes at most one pod per minute (burst's scale-down policies).
    expect(firstBelow - lastHigh).toBeLessThanOrEqual(600 + 4 * 60);
  });

  test('a shorter window (steady: 300 s) releases replicas sooner', () => {
    const burst = afterBurst(simulate(llmService({ model: { loadTimeSeconds: 60 } }), STEP, WARM_NODES));
    const steady = afterBurst(simulate(withBehaviorPreset(llmService({ model: { loadTimeSeconds: 60 } }), 'steady'), STEP, WARM_NODES));
    expect(steady.firstBelow - steady.lastHigh).toBeGreaterThanOrEqual(300);
    expect(steady.firstBelow).toBeLessThan(burst.firstBelow);
  });
});

describe('pod start-up', () => {
  const readyAt = (r: SimulationResult): number => firstIndex(r.timeline.readyReplicas, 600, (v) => v >= 5);

  test('a long model load delays capacity by the extra load time', () => {
    const fast = simulate(llmService({ model: { loadTimeSeconds: 60 } }), STEP, WARM_NODES);
    const slow = simulate(llmService({ model: { loadTimeSeconds: 600 } }), STEP, WARM_NODES);
    expect(readyAt(slow) - readyAt(fast)).toBeGreaterThanOrEqual(540);
    expect(readyAt(slow) - readyAt(fast)).toBeLessThanOrEqual(540 + 2 * SYNC);
    expect(slow.summary.secondsOverTarget).toBeGreaterThan(fast.summary.secondsOverTarget);
    expect(slow.summary.timeToCapacity.maxSeconds).toBeGreaterThan(fast.summary.timeToCapacity.maxSeconds + 500);
  });

  test('with no free GPU, node provisioning and the image pull come first', () => {
    const warm = simulate(llmService({ model: { loadTimeSeconds: 60 } }), STEP, WARM_NODES);
    const cold = simulate(llmService({ model: { loadTimeSeconds: 60 } }), STEP, { nodes: { gpusPerNode: 1, provisioningSeconds: 180 }, pods: { imagePullSeconds: 60 } });
    expect(readyAt(cold) - readyAt(warm)).toBe(180 + 60);
    expect(cold.summary.peakNodes).toBeGreaterThanOrEqual(5);
    expect(cold.summary.nodeGpuHours).toBeGreaterThan(cold.summary.gpuHours - 1e-9);
  });

  test('a model that loads slower than the startup probe allows never becomes ready, and says so', () => {
    const s = llmService({ model: { loadTimeSeconds: 60 } });
    const r = simulate({ ...s, startupProbe: { initialDelaySeconds: 0, periodSeconds: 10, failureThreshold: 3 } }, STEP, WARM_NODES);
    expect(Math.max(...r.timeline.readyReplicas)).toBe(1);
    expect(r.warnings).toContain('the model takes 60 s to load but the startup probe gives up after 30 s: new pods restart forever and never become ready');
  });
});

describe('legacy path (behavior: null) against the defaulted behavior', () => {
  // A burst far beyond capacity: every sync wants maxReplicas (20).
  const huge = syntheticTrace('step', { base: 1, peak: 200, atSeconds: 300, lengthSeconds: 600, durationSeconds: 1000 });
  const scaleUps = (preset: 'legacy' | 'default'): number[] => {
    const s = withBehaviorPreset(llmService({ maxReplicas: 20, model: { loadTimeSeconds: 60 } }), preset);
    const r = simulate(s, huge, { nodes: { gpusPerNode: 32, initialNodes: 1 } });
    const seq: number[] = [];
    for (let j = 0; j < r.syncs.time.length; j++) if (r.syncs.desired[j] !== (j === 0 ? 1 : r.syncs.desired[j - 1])) seq.push(r.syncs.desired[j]);
    return seq;
  };

  test('legacy doubles with a floor of 4 per sync (1 → 4 → 8); the default behavior allows +4 pods or +100 % (1 → 5 → 10)', () => {
    expect(scaleUps('legacy').slice(0, 3)).toEqual([4, 8, 15]);
    expect(scaleUps('default').slice(0, 3)).toEqual([5, 10, 15]);
  });
});

describe('the perfect-foresight bound and the real traces', () => {
  const cases = [
    { file: 'azure-llm-2023-code.csv', scale: 1 },
    { file: 'azure-llm-2023-code.csv', scale: 4 },
    { file: 'azure-llm-2023-conv.csv', scale: 1 },
    { file: 'azure-llm-2023-conv.csv', scale: 2 },
  ];
  test.each(cases)('$file ×$scale: simulates, and the bound is at most the simulated GPU-hours', ({ file, scale }) => {
    const trace = scaleTrace(parseTrace(readFileSync(join(TRACES_DIR, file), 'utf8'), file), scale);
    const r = simulate(llmService(), trace);
    const s = r.summary;
    expect(s.durationSeconds).toBe(trace.requests.length);
    expect(s.totalRequests).toBeCloseTo(trace.requests.reduce((a, b) => a + b, 0), 6);
    expect(s.syncs).toBe(Math.ceil(trace.requests.length / SYNC));
    expect(s.lowerBoundGpuHours).toBeGreaterThan(0);
    expect(s.lowerBoundGpuHours).toBeLessThanOrEqual(s.gpuHours);
    expect(s.peakReplicas).toBeGreaterThanOrEqual(1);
    expect(s.peakReplicas).toBeLessThanOrEqual(8);
    expect(s.failedRequests).toBeLessThanOrEqual(s.totalRequests);
    expect(s.blockedSyncs).toBeLessThan(s.syncs);
  });

  test('token weighting charges long requests more (same requests, different load)', () => {
    const trace = parseTrace(readFileSync(join(TRACES_DIR, 'azure-llm-2023-code.csv'), 'utf8'), 'code');
    const plain = simulate(llmService(), scaleTrace(trace, 3));
    const weighted = simulate(llmService(), scaleTrace(trace, 3), { capacity: { tokenWeighting: true } });
    expect(weighted.summary.totalRequests).toBe(plain.summary.totalRequests);
    expect(weighted.summary.lowerBoundGpuHours).not.toBe(plain.summary.lowerBoundGpuHours);
  });
});

describe('results', () => {
  test('are deterministic', () => {
    const a = simulate(llmService(), STEP);
    const b = simulate(llmService(), STEP);
    expect(a.summary).toEqual(b.summary);
    expect(Array.from(a.syncs.desired)).toEqual(Array.from(b.syncs.desired));
  });

  test('record every sync with its reason and the value each metric had', () => {
    const r = simulate(llmService(), STEP, WARM_NODES);
    expect(r.syncs.time[1] - r.syncs.time[0]).toBe(SYNC);
    expect(r.syncs.reason.every((code) => code < SYNC_REASONS.length)).toBe(true);
    // Before the burst one replica serves about 2 requests/s.
    const j = firstIndex(r.syncs.time, 0, (t) => t >= 300);
    expect(r.syncs.metricValues[j * 4]).toBeGreaterThan(1);
    expect(r.syncs.metricValues[j * 4]).toBeLessThan(3.5);
  });

  test('a CPU-only service needs no GPU nodes and counts replica-hours', () => {
    const { service } = resolveInferenceService({
      image: 'example/embed:1', maxReplicas: 10, minReplicas: 2, model: { loadTimeSeconds: 60 },
      metrics: [ScalingMetric.cpuUtilization(70), ScalingMetric.requestsPerSecond({ targetPerPod: 50 })],
    }, 'embeddings');
    const r = simulate(serviceFromResolved(service!), syntheticTrace('ramp', { base: 20, peak: 300 }), { capacity: { latencyTargetSeconds: 0.2 } });
    expect(r.summary.gpuHours).toBe(0);
    expect(r.summary.replicaHours).toBeGreaterThan(2);
    expect(r.summary.peakReplicas).toBeGreaterThanOrEqual(6);
    expect(Math.max(...r.timeline.nodes)).toBe(0);
  });

  test('an option out of range is an error naming it; a service without a rate metric needs capacity', () => {
    expect(() => simulate(llmService(), STEP, { capacity: { requestsPerSecond: -1 } })).toThrow('simulate "llm": capacity.requestsPerSecond is -1; expected a number greater than 0');
    const noRate = { ...llmService(), capacityRps: undefined, metrics: [] };
    expect(() => simulate(noRate, STEP)).toThrow(/no per-replica capacity.*give capacity\.requestsPerSecond/);
  });
});

describe('the metrics pipeline', () => {
  const rpsOnly = (rateWindowSeconds: number) => llmService({
    model: { loadTimeSeconds: 60 },
    metrics: [ScalingMetric.requestsPerSecond({ targetPerPod: 4, rateWindowSeconds })],
  });
  const firstAsk = (r: SimulationResult, replicas: number): number => r.syncs.time[syncIndexAt(r, (d) => d >= replicas, 600)];

  test('a longer rate window delays the scale-up (rate() averages the whole window)', () => {
    // 2/s, then 5/s from 600 s: one replica still keeps up (it saturates at 5.5/s), so the
    // counter's rate follows the arrivals and only the window decides when the HPA sees 5/s.
    const small = syntheticTrace('step', { base: 2, peak: 5, atSeconds: 600, lengthSeconds: 1200, durationSeconds: 2400, noise: false });
    const short = simulate(rpsOnly(60), small, WARM_NODES);
    const long = simulate(rpsOnly(300), small, WARM_NODES);
    expect(short.service.metrics[0].rateWindowSeconds).toBe(60);
    expect(long.service.metrics[0].rateWindowSeconds).toBe(300);
    // Two replicas once the windowed rate passes 4 × 1.1 (the tolerance band): about 0.87 of
    // the window after the step, give or take a scrape and a sync.
    expect(firstAsk(short, 2) - 600).toBeGreaterThanOrEqual(30);
    expect(firstAsk(short, 2) - 600).toBeLessThanOrEqual(90);
    expect(firstAsk(long, 2) - 600).toBeGreaterThanOrEqual(230);
    expect(firstAsk(long, 2) - 600).toBeLessThanOrEqual(300);
  });

  test('the HPA sees requests per second per pod as Prometheus computes it', () => {
    const r = simulate(rpsOnly(60), STEP, WARM_NODES);
    // Well inside the burst with enough replicas: about 20/s over the ready pods.
    const j = firstIndex(r.syncs.time, 0, (t) => t >= 1500);
    const perPod = r.syncs.metricValues[j];
    const ready = r.timeline.readyReplicas[r.syncs.time[j]];
    expect(perPod * ready).toBeGreaterThan(16);
    expect(perPod * ready).toBeLessThan(24);
  });
});
