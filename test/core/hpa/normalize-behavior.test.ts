import * as hpa from '../../../lib/core/hpa';
import { behaviorWith, events, recs } from './helpers';

type Args = Partial<hpa.NormalizeInput> & Pick<hpa.NormalizeInput, 'currentReplicas' | 'proposedReplicas'>;

/** Behavior path with default behavior, min 1, max 100 unless overridden. */
const norm = (input: Args) =>
  hpa.normalize({ minReplicas: 1, maxReplicas: 100, behavior: hpa.defaultBehavior(), recommendations: [], ...input });

const up = (policies: hpa.HpaScalingPolicy[], selectPolicy: hpa.HpaSelectPolicy = 'Max') =>
  behaviorWith({ policies, selectPolicy });
const down = (policies: hpa.HpaScalingPolicy[], selectPolicy: hpa.HpaSelectPolicy = 'Max') =>
  behaviorWith({}, { policies, selectPolicy, stabilizationWindowSeconds: 0 });

describe('behavior path: default behavior', () => {
  it('1 -> 10 gives 5 (legacy gives 4)', () => {
    // Pods: 1 + 4 = 5; Percent: ceil(1 * 2) = 2; Max -> 5.
    const res = norm({ currentReplicas: 1, proposedReplicas: 10 });
    expect(res).toMatchObject({ replicas: 5, reason: 'ScaleUpLimit' });
    expect(res.scaleUpEvents).toEqual(events([0, 4]));
  });

  it('10 -> 50 gives 20, and 15 s later 40 because an event aged 15 no longer counts', () => {
    // Pods 10 + 4 = 14, Percent ceil(10 * 2) = 20 -> 20.
    const first = norm({ currentReplicas: 10, proposedReplicas: 50 });
    expect(first.replicas).toBe(20);
    expect(first.scaleUpEvents).toEqual(events([0, 10]));
    // 15 s later: age 15 is not < 15 -> periodStart 20 -> Pods 24, Percent 40 -> 40.
    const later = hpa.advanceTime(first, 15);
    expect(norm({ currentReplicas: 20, proposedReplicas: 50, ...later }).replicas).toBe(40);
    // 14 s later the +10 still counts: periodStart 10 -> max(14, 20) = 20 = current -> no growth.
    const early = hpa.advanceTime(first, 14);
    expect(norm({ currentReplicas: 20, proposedReplicas: 50, ...early })).toMatchObject({
      replicas: 20,
      reason: 'ScaleUpLimit',
    });
  });

  it('the default scaleDown allows 100% per 15 s once the 300 s window has passed', () => {
    // No recommendation younger than 300 s -> rec 1; Percent 100: trunc(10 * 0) = 0 -> max(min 1, 0) = 1.
    expect(norm({ currentReplicas: 10, proposedReplicas: 1, recommendations: recs([300, 10]) }).replicas).toBe(1);
  });
});

describe('behavior path: Percent rounding', () => {
  it('scale-up rounds up in float64: 50 at 10% -> ceil(55.00000000000001) = 56', () => {
    const b = up([{ type: 'Percent', value: 10, periodSeconds: 60 }]);
    expect(norm({ currentReplicas: 50, proposedReplicas: 100, maxReplicas: 200, behavior: b }).replicas).toBe(56);
  });

  it('a 1-replica target can always grow: ceil(1 * 1.1) = 2', () => {
    const b = up([{ type: 'Percent', value: 10, periodSeconds: 60 }]);
    expect(norm({ currentReplicas: 1, proposedReplicas: 5, behavior: b }).replicas).toBe(2);
  });

  it('scale-down truncates the remaining count: 10 at 80% -> trunc(1.9999999999999996) = 1', () => {
    const b = down([{ type: 'Percent', value: 80, periodSeconds: 60 }]);
    expect(norm({ currentReplicas: 10, proposedReplicas: 0, minReplicas: 0, behavior: b })).toMatchObject({
      replicas: 1,
      reason: 'ScaleDownLimit',
    });
  });

  it('scale-down: 7 at 50% -> trunc(3.5) = 3', () => {
    const b = down([{ type: 'Percent', value: 50, periodSeconds: 60 }]);
    expect(norm({ currentReplicas: 7, proposedReplicas: 1, behavior: b }).replicas).toBe(3);
  });
});

describe('behavior path: selectPolicy', () => {
  const upPolicies: hpa.HpaScalingPolicy[] = [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ];
  // current 10 -> 50: Pods 14, Percent 20.
  it.each<[hpa.HpaSelectPolicy, number]>([
    ['Max', 20],
    ['Min', 14],
    ['Disabled', 10],
  ])('scale-up %s -> %i', (select, expected) => {
    const res = norm({ currentReplicas: 10, proposedReplicas: 50, behavior: up(upPolicies, select) });
    expect(res.replicas).toBe(expected);
    expect(res.reason).toBe('ScaleUpLimit');
  });

  const downPolicies: hpa.HpaScalingPolicy[] = [
    { type: 'Pods', value: 3, periodSeconds: 60 },
    { type: 'Percent', value: 50, periodSeconds: 60 },
  ];
  // current 10 -> 1: Pods 10 - 3 = 7, Percent trunc(10 * 0.5) = 5.
  it.each<[hpa.HpaSelectPolicy, number]>([
    ['Max', 5], // biggest change = smallest floor
    ['Min', 7], // smallest change = largest floor
    ['Disabled', 10],
  ])('scale-down %s -> %i', (select, expected) => {
    const res = norm({ currentReplicas: 10, proposedReplicas: 1, behavior: down(downPolicies, select) });
    expect(res.replicas).toBe(expected);
    expect(res.reason).toBe('ScaleDownLimit');
  });
});

describe('behavior path: scale events and periods', () => {
  it('counts events of both directions inside each period', () => {
    const b = up([{ type: 'Pods', value: 4, periodSeconds: 60 }]);
    const ev = { scaleUpEvents: events([30, 4]), scaleDownEvents: events([10, 2]) };
    // periodStart = 10 - 4 + 2 = 8 -> 8 + 4 = 12.
    expect(norm({ currentReplicas: 10, proposedReplicas: 50, behavior: b, ...ev }).replicas).toBe(12);
    // Period 20: the up event (age 30) is out, the down event (age 10) is in: 10 + 2 + 4 = 16.
    const b20 = up([{ type: 'Pods', value: 4, periodSeconds: 20 }]);
    expect(norm({ currentReplicas: 10, proposedReplicas: 50, behavior: b20, ...ev }).replicas).toBe(16);
  });

  it('an event exactly periodSeconds old no longer counts (age < period)', () => {
    const b = up([{ type: 'Pods', value: 4, periodSeconds: 60 }]);
    // age 60: periodStart 10 -> 14; age 59: periodStart 10 - 5 = 5 -> 9 -> raised to current 10.
    expect(norm({ currentReplicas: 10, proposedReplicas: 50, behavior: b, scaleUpEvents: events([60, 5]) }).replicas).toBe(14);
    expect(norm({ currentReplicas: 10, proposedReplicas: 50, behavior: b, scaleUpEvents: events([59, 5]) }).replicas).toBe(10);
  });

  it('TestStoreScaleEvents window: events aged 29/59/61/61 count 29 and 59 for a 60 s period', () => {
    const b = up([{ type: 'Pods', value: 5, periodSeconds: 60 }]);
    const scaleUpEvents = events([29, 1], [59, 2], [61, 4], [61, 8]);
    // periodStart = 10 - (1 + 2) = 7 -> 7 + 5 = 12.
    expect(norm({ currentReplicas: 10, proposedReplicas: 50, behavior: b, scaleUpEvents }).replicas).toBe(12);
  });

  it('recent scale-ups can hold the limit at current: it never shrinks on the way up', () => {
    const b = up([{ type: 'Pods', value: 2, periodSeconds: 60 }]);
    // periodStart 10 - 8 = 2 -> 4 -> max(4, 10) = 10.
    expect(norm({ currentReplicas: 10, proposedReplicas: 20, behavior: b, scaleUpEvents: events([5, 8]) })).toMatchObject({
      replicas: 10,
      reason: 'ScaleUpLimit',
    });
  });

  it('recent scale-downs can hold the limit at current on the way down', () => {
    const b = down([{ type: 'Pods', value: 2, periodSeconds: 60 }]);
    // periodStart 10 + 5 = 15 -> 13 -> min(13, 10) = 10.
    expect(norm({ currentReplicas: 10, proposedReplicas: 1, behavior: b, scaleDownEvents: events([5, 5]) })).toMatchObject({
      replicas: 10,
      reason: 'ScaleDownLimit',
    });
  });
});

describe('behavior path: reasons', () => {
  // current 10 -> 50 with default scaleUp: limit 20.
  it.each<[number, number, hpa.HpaLimitReason]>([
    [15, 15, 'TooManyReplicas'],
    [20, 20, 'TooManyReplicas'], // maxReplicas 20 is not > limit 20
    [25, 20, 'ScaleUpLimit'],
  ])('scale-up with maxReplicas %i -> %i %s', (maxReplicas, replicas, reason) => {
    expect(norm({ currentReplicas: 10, proposedReplicas: 50, maxReplicas })).toMatchObject({ replicas, reason });
  });

  // current 10 -> 1 with Percent 50: limit 5.
  it.each<[number, number, hpa.HpaLimitReason]>([
    [6, 6, 'TooFewReplicas'],
    [5, 5, 'TooFewReplicas'], // minReplicas 5 is not < limit 5
    [2, 5, 'ScaleDownLimit'],
  ])('scale-down with minReplicas %i -> %i %s', (minReplicas, replicas, reason) => {
    const b = down([{ type: 'Percent', value: 50, periodSeconds: 60 }]);
    expect(norm({ currentReplicas: 10, proposedReplicas: 1, minReplicas, behavior: b })).toMatchObject({ replicas, reason });
  });

  it('DesiredWithinRange inside the limits', () => {
    expect(norm({ currentReplicas: 10, proposedReplicas: 12 })).toMatchObject({ replicas: 12, reason: 'DesiredWithinRange' });
  });
});

describe('behavior path: stabilization windows', () => {
  const b60 = behaviorWith({}, { stabilizationWindowSeconds: 60 });

  it('scale-down window is strict: age 59 holds, age 60 does not', () => {
    const held = norm({ currentReplicas: 8, proposedReplicas: 4, behavior: b60, recommendations: recs([59, 8]) });
    expect(held).toMatchObject({ replicas: 8, stabilizedReplicas: 8, stabilizationReason: 'ScaleDownStabilized' });
    // Percent 100 down -> limit 0 -> max(min 1, 0) = 1 -> 4 passes.
    const freed = norm({ currentReplicas: 8, proposedReplicas: 4, behavior: b60, recommendations: recs([60, 8]) });
    expect(freed).toMatchObject({ replicas: 4, stabilizationReason: 'ReadyForNewScale' });
  });

  it('scale-up window: up only to the lowest recent proposal', () => {
    const b = behaviorWith({ stabilizationWindowSeconds: 60 });
    // upRec = min(10, 5) = 5.
    expect(norm({ currentReplicas: 4, proposedReplicas: 10, behavior: b, recommendations: recs([59, 5]) })).toMatchObject({
      replicas: 5,
      stabilizationReason: 'ScaleUpStabilized',
    });
    // age 60 is outside -> 10, rate limited to max(4 + 4, 8) = 8.
    expect(norm({ currentReplicas: 4, proposedReplicas: 10, behavior: b, recommendations: recs([60, 5]) }).replicas).toBe(8);
  });

  it('never moves against the direction of the current proposal', () => {
    const b = behaviorWith({ stabilizationWindowSeconds: 60 }, { stabilizationWindowSeconds: 60 });
    // upRec = min(7, 3) = 3 < current 5 and downRec = max(7, 3) = 7 > 5 -> stays 5.
    expect(norm({ currentReplicas: 5, proposedReplicas: 7, behavior: b, recommendations: recs([10, 3]) }).replicas).toBe(5);
  });

  it('an unset scaleDown window takes downscaleStabilizationSeconds', () => {
    const b = behaviorWith({}, { stabilizationWindowSeconds: null });
    const at = (flag: number) =>
      norm({
        currentReplicas: 9,
        proposedReplicas: 3,
        behavior: b,
        recommendations: recs([119, 9]),
        downscaleStabilizationSeconds: flag,
      }).replicas;
    expect(at(120)).toBe(9); // 119 < 120
    expect(at(100)).toBe(3);
  });

  it('an unset scaleUp window is 0', () => {
    const b = behaviorWith({ stabilizationWindowSeconds: undefined });
    // age 0 is not < 0, so the low stored proposal does not hold the scale-up.
    expect(norm({ currentReplicas: 4, proposedReplicas: 6, behavior: b, recommendations: recs([0, 2]) }).replicas).toBe(6);
  });
});

describe('behavior path: stored recommendations', () => {
  it('overwrites the LAST entry older than both windows (strict), else appends', () => {
    const b = behaviorWith({ stabilizationWindowSeconds: 0 }, { stabilizationWindowSeconds: 60 });
    // Old: 61 and 100 (> 0 and > 60); 10 and 60 are not. The last old one (index 2) is overwritten.
    // Down window (< 60): only age 10 counts -> downRec = max(4, 5) = 5 = current -> no change.
    const res = norm({
      currentReplicas: 5,
      proposedReplicas: 4,
      behavior: b,
      recommendations: recs([61, 3], [10, 5], [100, 7], [60, 9]),
    });
    expect(res.replicas).toBe(5);
    expect(res.recommendations).toEqual(recs([61, 3], [10, 5], [0, 4], [60, 9]));
  });

  it('stores the raw proposal', () => {
    expect(norm({ currentReplicas: 1, proposedReplicas: 10 }).recommendations).toEqual(recs([0, 10]));
  });
});

describe('scale event bookkeeping', () => {
  it('normalize stores the event of the rescale it returns', () => {
    const b = down([{ type: 'Percent', value: 50, periodSeconds: 60 }]);
    const res = norm({ currentReplicas: 10, proposedReplicas: 1, behavior: b });
    expect(res.scaleDownEvents).toEqual(events([0, 5]));
    expect(res.scaleUpEvents).toEqual([]);
  });

  it('no event when nothing changes', () => {
    const res = norm({ currentReplicas: 10, proposedReplicas: 10, scaleUpEvents: events([3, 1]) });
    expect(res.scaleUpEvents).toEqual(events([3, 1]));
  });

  it('overwrites the last event older than the longest period, else appends', () => {
    // Default scaleUp: longest period 15. Age 20 and 16 are outdated -> the last (index 1) is reused.
    const res = hpa.storeScaleEvent({
      behavior: hpa.defaultBehavior(),
      scaleUpEvents: events([20, 3], [16, 2], [10, 1]),
      previousReplicas: 4,
      newReplicas: 8,
    });
    expect(res.scaleUpEvents).toEqual([
      { ageSeconds: 20, replicaChange: 3, outdated: true },
      { ageSeconds: 0, replicaChange: 4 },
      { ageSeconds: 10, replicaChange: 1 },
    ]);
    // Age exactly 15 is not outdated -> append.
    const appended = hpa.storeScaleEvent({
      behavior: hpa.defaultBehavior(),
      scaleUpEvents: events([15, 3]),
      previousReplicas: 4,
      newReplicas: 8,
    });
    expect(appended.scaleUpEvents).toEqual(events([15, 3], [0, 4]));
  });

  it('outdated flags are sticky', () => {
    const res = hpa.storeScaleEvent({
      behavior: hpa.defaultBehavior(),
      scaleDownEvents: [{ ageSeconds: 5, replicaChange: 2, outdated: true }],
      previousReplicas: 8,
      newReplicas: 5,
    });
    expect(res.scaleDownEvents).toEqual(events([0, 3]));
  });

  it('stores nothing on the legacy path or without a change', () => {
    const base = { scaleUpEvents: events([1, 1]), previousReplicas: 4 };
    expect(hpa.storeScaleEvent({ ...base, behavior: null, newReplicas: 8 }).scaleUpEvents).toEqual(events([1, 1]));
    expect(hpa.storeScaleEvent({ ...base, behavior: hpa.defaultBehavior(), newReplicas: 4 }).scaleUpEvents).toEqual(
      events([1, 1]),
    );
  });
});
