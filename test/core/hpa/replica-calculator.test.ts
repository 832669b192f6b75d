import * as hpa from '../../../lib/core/hpa';
import {
  cpu,
  ignored,
  invalid,
  missing,
  objectAverage,
  objectValue,
  one,
  podsMetric,
  ready,
  unknownType,
  unready,
} from './helpers';

describe('Resource utilization: no unready or missing pods', () => {
  it('scales by ceil(ratio x ready pods)', () => {
    // util trunc((600+700+800)*100/3000) = 70 -> 70/50 = 1.4 -> ceil(1.4 * 3) = ceil(4.199999999999999) = 5.
    const res = hpa.proposeReplicas({ currentReplicas: 3, metrics: [cpu(50, [ready(600), ready(700), ready(800)])] });
    expect(res.replicas).toBe(5);
    expect(res.metrics[0]).toEqual({
      replicas: 5,
      usageRatio: 1.4,
      current: { averageUtilization: 70, averageValueMilli: 700 },
    });
  });

  it('truncates utilization to a whole percent before dividing', () => {
    // trunc((999+1000)*100/2000) = trunc(99.95) = 99 -> 99/90 = 1.1 (same double as 1 + 0.1) -> within.
    expect(one(cpu(90, [ready(999), ready(1000)]), 2)).toBe(2);
  });

  it('uses the ready pod count as the base, not currentReplicas', () => {
    // spec.replicas 5 but only 3 pods exist: util 100/50 = 2 -> ceil(2 * 3) = 6 (not 10).
    expect(one(cpu(50, [ready(1000), ready(1000), ready(1000)]), 5)).toBe(6);
  });

  it('TestCPUScalingEdgeCases/missing reports from some pods analogue: 4 desired, 1 pod at 2x -> 2', () => {
    // Only one pod exists, at 200% of a 100% target: ceil(2 * 1) = 2, a scale-down from 4.
    expect(one(cpu(100, [ready(2000)]), 4)).toBe(2);
  });

  it('reproduces float products: 1.11 x 10 = 11.100000000000001 -> 12', () => {
    const pods = Array.from({ length: 10 }, () => ready(1110));
    expect(one(cpu(100, pods), 10)).toBe(12);
  });

  it('ignored pods count nowhere', () => {
    // Ready: util 100/50 = 2 -> ceil(2 * 3) = 6; the two idle terminating pods are dropped.
    expect(one(cpu(50, [ready(1000), ready(1000), ready(1000), ignored(0), ignored(0)]), 5)).toBe(6);
  });
});

describe('Resource utilization: unready pods', () => {
  it('scale-down with two of five pods unready takes the fast path: 2', () => {
    // Ready util 300/50 = 0.6 (< 1, so unready pods do not matter) -> ceil(0.6 * 3) = ceil(1.7999999999999998) = 2.
    expect(one(cpu(50, [ready(300), ready(300), ready(300), unready(900), unready(900)]), 5)).toBe(2);
  });

  it('scale-up counts unready pods at 0 (scales less than the docs formula)', () => {
    // Ready: (500+700)/2000 = 60% -> r = 2. Unready pod enters with 0: 1200/3000 = 40% -> r2 = 40/30.
    // ceil(1.3333333333333333 * 3) = 4 (the docs formula with spec.replicas would give ceil(2 * 3) = 6).
    expect(one(cpu(30, [unready(300), ready(500), ready(700)]), 3)).toBe(4);
  });

  it('no change when filling unready pods in lands within tolerance', () => {
    // Ready 100% / 50 -> r = 2; with 2 unready at 0: 2000/4000 = 50% -> r2 = 1.0 -> within.
    expect(one(cpu(50, [ready(1000), ready(1000), unready(), unready()]), 4)).toBe(4);
  });

  it('no change when filling unready pods in flips the direction', () => {
    // Ready 90% / 50 -> r = 1.8; with 3 unready at 0: 1800/5000 = 36% -> r2 = 0.72 < 1 -> flip.
    expect(one(cpu(50, [ready(900), ready(900), unready(), unready(), unready()]), 5)).toBe(5);
  });

  it('all pods unready -> the metric is invalid', () => {
    const res = hpa.proposeReplicas({ currentReplicas: 2, metrics: [cpu(50, [unready(900), unready(900)])] });
    expect(res.replicas).toBeNull();
    expect(res.metrics[0].error).toMatch(/did not receive metrics/);
  });
});

describe('Resource utilization: missing pods', () => {
  it('scale-up fills missing pods with 0', () => {
    // Ready 100% / 50 -> r = 2; missing at 0: 3000/4000 = 75% -> r2 = 1.5 -> ceil(1.5 * 4) = 6.
    expect(one(cpu(50, [ready(1000), ready(1000), ready(1000), missing()]), 4)).toBe(6);
  });

  it('scale-up: no change when the fill-in lands within tolerance', () => {
    // r = 2; 2000/4000 = 50% -> r2 = 1.0 -> within.
    expect(one(cpu(50, [ready(1000), ready(1000), missing(), missing()]), 4)).toBe(4);
  });

  it('scale-down fills missing pods with 100% of their request (target <= 100)', () => {
    // Ready 10% / 50 -> r = 0.2; missing at 1000: 1300/4000 = trunc(32.5) = 32% -> r2 = 0.64 -> ceil(2.56) = 3.
    expect(one(cpu(50, [ready(100), ready(100), ready(100), missing()]), 4)).toBe(3);
  });

  it('scale-down fills missing pods with max(100, target)% of their request', () => {
    // Target 200: ready 10% -> r = 0.05; missing at trunc(1000*200/100) = 2000: 2100/2000 = 105% -> r2 = 0.525
    // -> ceil(0.525 * 2) = ceil(1.05) = 2 = current. (Older code used 100%: 1100/2000 = 55% -> ceil(0.55) = 1.)
    expect(one(cpu(200, [ready(100), missing()]), 2)).toBe(2);
  });

  it('scale-down: no change when the fill-in flips the direction', () => {
    // Ready 40% / 50 -> r = 0.8; 3 missing at 100%: 3400/4000 = 85% -> r2 = 1.7 > 1 -> flip.
    expect(one(cpu(50, [ready(400), missing(), missing(), missing()]), 4)).toBe(4);
  });

  it('scale-down: no change when the filled-in count exceeds currentReplicas', () => {
    // current 2, 4 pods during a rollout. Ready 50%/80 = 0.625; missing at 100%:
    // 2500/4000 = 62% -> r2 = 0.775 -> ceil(0.775 * 4) = ceil(3.1) = 4 > 2 -> current.
    expect(one(cpu(80, [ready(500), ready(500), ready(500), missing()]), 2)).toBe(2);
  });

  it('scale-up: no change when the filled-in count is below currentReplicas', () => {
    // current 10, 3 pods. Ready 200%/100 -> r = 2; missing at 0: 4000/3000 = 133% -> r2 = 1.33
    // -> ceil(1.33 * 3) = ceil(3.99) = 4 < 10 -> current.
    expect(one(cpu(100, [ready(2000), ready(2000), missing()]), 10)).toBe(10);
  });

  it('ratio exactly 1 with tolerance 0: missing pods are not added and nothing changes', () => {
    const zero = { scaleUp: 0, scaleDown: 0 };
    // Ready 50%/50 = 1.0 -> neither fill applies -> r2 = 1.0 -> within.
    expect(one(cpu(50, [ready(500), ready(500), missing()]), 3, { tolerance: zero })).toBe(3);
  });
});

describe('Resource utilization: invalid metrics', () => {
  it.each<[string, hpa.HpaPodSample[], RegExp]>([
    ['no pods', [], /no pods returned by selector/],
    ['a ready pod without a request', [ready(500), { valueMilli: 500 }], /missing request/],
    ['an ignored pod without a request (every listed pod is checked)', [ready(500), { state: 'ignored' }], /missing request/],
    ['all requests zero', [ready(500, 0), ready(500, 0)], /no metrics returned matched known pods/],
  ])('%s', (_name, pods, error) => {
    const res = hpa.proposeReplicas({ currentReplicas: 2, metrics: [cpu(50, pods)] });
    expect(res.replicas).toBeNull();
    expect(res.invalidMetrics).toBe(1);
    expect(res.metrics[0].error).toMatch(error);
  });
});

describe('Plain averages (Pods metrics, Resource AverageValue)', () => {
  it('Resource AverageValue uses trunc(sum / n) / target', () => {
    // avg (800+900+1000)/3 = 900 -> 900/500 = 1.8 -> ceil(1.8 * 3) = ceil(5.4) = 6.
    const m: hpa.HpaResourceMetric = {
      type: 'ContainerResource',
      name: 'cpu',
      container: 'server',
      targetAverageValueMilli: 500,
      pods: [ready(800), ready(900), ready(1000)],
    };
    expect(one(m, 3)).toBe(6);
  });

  it('truncates the average before the ratio', () => {
    // trunc((1100+1101+1101)/3) = trunc(1100.67) = 1100 -> 1.1 -> within (untruncated would scale).
    expect(one(podsMetric(1000, [ready(1100), ready(1101), ready(1101)]), 3)).toBe(3);
  });

  it('scale-down fills missing pods with exactly the target', () => {
    // avg 100/500 = 0.2; missing at 500: (300+500)/4 = 200 -> 0.4 -> ceil(0.4 * 4) = ceil(1.6) = 2.
    expect(one(podsMetric(500, [ready(100), ready(100), ready(100), missing()]), 4)).toBe(2);
  });

  it('scale-up fills missing pods with 0', () => {
    // avg 1000/500 = 2; missing at 0: 3000/4 = 750 -> 1.5 -> ceil(1.5 * 4) = 6.
    expect(one(podsMetric(500, [ready(1000), ready(1000), ready(1000), missing()]), 4)).toBe(6);
  });

  it('unready pods only matter when scaling up', () => {
    // Down: avg 250/500 = 0.5 -> fast path ceil(0.5 * 3) = 2; the 2 unready pods are dropped.
    expect(one(podsMetric(500, [ready(250), ready(250), ready(250), unready(), unready()]), 5)).toBe(2);
    // Up: avg 1000/500 = 2; unready at 0: trunc(2000/3) = 666 -> 1.332 -> ceil(3.9960000000000004) = 4.
    expect(one(podsMetric(500, [ready(1000), ready(1000), unready(9000)]), 3)).toBe(4);
  });
});

describe('Object and External Value targets', () => {
  it('uses the Running+Ready pod count as the base', () => {
    // 20000/10000 = 2 -> ceil(2 * 3) = 6 (not 2 * currentReplicas).
    expect(one(objectValue(20_000, 10_000, { readyPodCount: 3 }), 5)).toBe(6);
  });

  it('readyPodCount defaults to currentReplicas', () => {
    // ceil(2 * 4) = 8.
    expect(one(objectValue(20_000, 10_000), 4)).toBe(8);
  });

  it('pods exist but none is ready -> proposal 0', () => {
    // ceil(2 * 0) = 0.
    expect(one(objectValue(20_000, 10_000, { readyPodCount: 0, podCount: 3 }), 4)).toBe(0);
  });

  it('no pods at all -> invalid, but only when a rescale is needed', () => {
    expect(one(objectValue(20_000, 10_000, { podCount: 0 }), 4)).toBeNull();
    // Within tolerance returns currentReplicas before the pods are counted.
    expect(one(objectValue(10_500, 10_000, { podCount: 0 }), 4)).toBe(4);
  });

  it('currentReplicas 0: ceil(ratio) with no tolerance check', () => {
    // 10500/10000 = 1.05 would be within tolerance; from zero it is ceil(1.05) = 2.
    expect(one(objectValue(10_500, 10_000), 0)).toBe(2);
  });

  it('External sums every series', () => {
    // (3000+4000+5000)/4000 = 3 -> ceil(3 * 2) = 6.
    const m: hpa.HpaExternalMetric = {
      type: 'External',
      targetValueMilli: 4000,
      valuesMilli: [3000, 4000, 5000],
      readyPodCount: 2,
    };
    expect(one(m, 2)).toBe(6);
  });

  it('External with no series is invalid', () => {
    expect(one({ type: 'External', targetValueMilli: 4000, valuesMilli: [] }, 2)).toBeNull();
  });

  it('caps the proposal at int32 max', () => {
    expect(one(objectValue(1e15, 1, { readyPodCount: 10 }), 1)).toBe(2147483647);
  });
});

describe('Object and External AverageValue targets', () => {
  it('not within tolerance -> ceil(v / target)', () => {
    // 12000 / (1000 * 10) = 1.2 -> ceil(12000/1000) = 12.
    expect(one(objectAverage(12_000, 1000), 10)).toBe(12);
  });

  it('within tolerance returns statusReplicas, not currentReplicas', () => {
    // 12000 / (1000 * 11) = 1.0909 -> within -> statusReplicas 11.
    expect(one(objectAverage(12_000, 1000), 10, { statusReplicas: 11 })).toBe(11);
  });

  it('External AverageValue uses the series sum', () => {
    // (5000+7000) / (1000 * 10) = 1.2 -> 12.
    const m: hpa.HpaExternalMetric = { type: 'External', targetAverageValueMilli: 1000, valuesMilli: [5000, 7000] };
    expect(one(m, 10)).toBe(12);
  });

  it('statusReplicas 0: +Inf ratio -> ceil(v / target)', () => {
    // 2500 / (1000 * 0) = +Inf -> not within -> ceil(2.5) = 3.
    const res = hpa.proposeReplicas({ currentReplicas: 2, statusReplicas: 0, metrics: [objectAverage(2500, 1000)] });
    expect(res.metrics[0].usageRatio).toBe(Infinity);
    expect(res.metrics[0].current).toEqual({ averageValueMilli: 0 });
    expect(res.replicas).toBe(3);
  });

  it('statusReplicas 0 and v 0: NaN ratio is never within -> ceil(0) = 0', () => {
    const res = hpa.proposeReplicas({ currentReplicas: 2, statusReplicas: 0, metrics: [objectAverage(0, 1000)] });
    expect(res.metrics[0].usageRatio).toBeNaN();
    expect(res.replicas).toBe(0);
  });

  it('reports the per-pod value as ceil(v / statusReplicas)', () => {
    const res = hpa.proposeReplicas({ currentReplicas: 3, metrics: [objectAverage(1000, 300)] });
    // 1000/3 = 333.33 -> 334; ratio 1000/(300*3) = 1.11 -> ceil(1000/300) = ceil(3.33) = 4.
    expect(res.metrics[0]).toMatchObject({ replicas: 4, current: { averageValueMilli: 334 } });
  });
});

describe('multiple metrics', () => {
  const p = (n: number): hpa.HpaObjectMetric => objectAverage(n * 1000, 1000); // proposes n (outside tolerance)

  it('takes the maximum over valid metrics', () => {
    expect(hpa.proposeReplicas({ currentReplicas: 10, metrics: [p(4), p(7), p(5)] })).toMatchObject({
      replicas: 7,
      invalidMetrics: 0,
      blocked: false,
    });
  });

  it('one metric that scales up beats others that scale down', () => {
    expect(hpa.proposeReplicas({ currentReplicas: 5, metrics: [p(2), p(8)] }).replicas).toBe(8);
  });

  it('an invalid metric does not block a scale-up', () => {
    expect(hpa.proposeReplicas({ currentReplicas: 5, metrics: [invalid(), p(8)] })).toMatchObject({
      replicas: 8,
      invalidMetrics: 1,
      blocked: false,
    });
  });

  it('an invalid metric does not block when the valid max equals currentReplicas', () => {
    // 5000 / (1000 * 5) = 1.0 -> within -> statusReplicas 5 >= current 5.
    expect(hpa.proposeReplicas({ currentReplicas: 5, metrics: [p(5), invalid('External')] }).blocked).toBe(false);
  });

  it('an invalid metric blocks a scale-down', () => {
    expect(hpa.proposeReplicas({ currentReplicas: 5, metrics: [p(3), invalid('Resource')] })).toMatchObject({
      replicas: 3,
      invalidMetrics: 1,
      blocked: true,
    });
  });

  it('all metrics invalid -> no proposal, blocked', () => {
    expect(hpa.proposeReplicas({ currentReplicas: 5, metrics: [invalid(), invalid('Object')] })).toMatchObject({
      replicas: null,
      invalidMetrics: 2,
      blocked: true,
    });
  });

  it('records the controller\'s condition reason for each invalid metric type', () => {
    const res = hpa.proposeReplicas({ currentReplicas: 5, metrics: [invalid('Resource'), invalid('ContainerResource'), invalid('Pods'), invalid('Object'), invalid('External')] });
    expect(res.metrics.map((m) => m.reason)).toEqual(['FailedGetResourceMetric', 'FailedGetContainerResourceMetric', 'FailedGetPodsMetric', 'FailedGetObjectMetric', 'FailedGetExternalMetric']);
    // Blocked: the condition comes from the first invalid metric.
    expect(res.scalingActive).toEqual({ status: 'False', reason: 'FailedGetResourceMetric', message: 'the HPA was unable to compute the replica count: failed to get Resource metric' });
  });

  it('a metric that fails in the calculation carries its type\'s reason too', () => {
    const res = hpa.proposeReplicas({ currentReplicas: 2, metrics: [cpu(50, [])] });
    expect(res.metrics[0]).toEqual({ replicas: null, error: 'no pods returned by selector while calculating replica count', reason: 'FailedGetResourceMetric' });
  });

  it('an unknown source type is an invalid metric: it blocks a scale-down but not a scale-up', () => {
    const down = hpa.proposeReplicas({ currentReplicas: 5, metrics: [p(3), unknownType('Percentile')] });
    expect(down).toMatchObject({ replicas: 3, invalidMetrics: 1, blocked: true });
    expect(down.metrics[1]).toEqual({ replicas: null, error: 'unknown metric source type "Percentile"', reason: 'InvalidMetricSourceType' });
    expect(down.scalingActive).toEqual({ status: 'False', reason: 'InvalidMetricSourceType', message: 'the HPA was unable to compute the replica count: unknown metric source type "Percentile"' });
    const up = hpa.proposeReplicas({ currentReplicas: 5, metrics: [unknownType('Percentile'), p(8)] });
    expect(up).toMatchObject({ replicas: 8, invalidMetrics: 1, blocked: false, scalingActive: { status: 'True', reason: 'ValidMetricFound' } });
  });

  it('no metrics at all -> blocked', () => {
    expect(hpa.proposeReplicas({ currentReplicas: 5, metrics: [] })).toMatchObject({ replicas: null, blocked: true });
  });

  it('keeps the controller loop quirk: a 0 proposal is replaced by the next one', () => {
    // Controller loop: `if replicas == 0 || proposal > replicas`. Proposals [0, -1] give -1:
    // 0 (no ready pods) then -5000/10000 = -0.5 -> ceil(-0.5 * 2) = -1.
    const res = hpa.proposeReplicas({
      currentReplicas: 2,
      metrics: [objectValue(20_000, 10_000, { readyPodCount: 0 }), objectValue(-5000, 10_000, { readyPodCount: 2 })],
    });
    expect(res.metrics.map((m) => m.replicas)).toEqual([0, -1]);
    expect(res.replicas).toBe(-1);
  });
});
