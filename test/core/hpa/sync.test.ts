import * as hpa from '../../../lib/core/hpa';
import { behaviorWith, cpu, invalid, objectAverage, objectValue, ready, recs, unknownType } from './helpers';

/** A metric that proposes exactly `n` replicas whenever the ratio is outside tolerance. */
const wants = (n: number): hpa.HpaObjectMetric => objectAverage(n * 1000, 1000);

describe('sync: pre-checks', () => {
  it('currentReplicas 0 with minReplicas > 0 disables scaling without reading metrics', () => {
    const res = hpa.sync({ currentReplicas: 0, minReplicas: 1, maxReplicas: 10, behavior: null, metrics: [invalid()] });
    expect(res).toMatchObject({
      replicas: 0,
      reason: 'ScalingDisabled',
      error: false,
      rescaled: false,
      proposedReplicas: null,
      metrics: [],
    });
    // The initial recommendation is recorded on every path.
    expect(res.recommendations).toEqual(recs([0, 0]));
  });

  it('currentReplicas 0 with minReplicas 0 is also disabled without HPAScaleToZero', () => {
    const res = hpa.sync({ currentReplicas: 0, minReplicas: 0, maxReplicas: 10, behavior: null, metrics: [wants(5)] });
    expect(res).toMatchObject({ replicas: 0, reason: 'ScalingDisabled', rescaled: false });
  });

  it('currentReplicas above maxReplicas -> maxReplicas, even with scaleDown Disabled', () => {
    const behavior = behaviorWith({}, { selectPolicy: 'Disabled' });
    const res = hpa.sync({ currentReplicas: 12, maxReplicas: 10, behavior, metrics: [invalid()] });
    expect(res).toMatchObject({ replicas: 10, reason: 'CurrentReplicasAboveMax', rescaled: true, error: false });
    // A successful rescale stores the event on the behavior path: |10 - 12| = 2.
    expect(res.scaleDownEvents).toEqual([{ ageSeconds: 0, replicaChange: 2 }]);
    // No recommendation is stored beyond the initial one.
    expect(res.recommendations).toEqual(recs([0, 12]));
  });

  it('currentReplicas below minReplicas -> minReplicas, even with scaleUp Disabled', () => {
    const behavior = behaviorWith({ selectPolicy: 'Disabled' });
    const res = hpa.sync({ currentReplicas: 1, minReplicas: 3, maxReplicas: 10, behavior, metrics: [wants(1)] });
    expect(res).toMatchObject({ replicas: 3, reason: 'CurrentReplicasBelowMin', rescaled: true, proposedReplicas: null });
    expect(res.scaleUpEvents).toEqual([{ ageSeconds: 0, replicaChange: 2 }]);
  });

  it('the legacy path stores no scale events on a pre-check rescale', () => {
    const res = hpa.sync({ currentReplicas: 1, minReplicas: 3, maxReplicas: 10, behavior: null, metrics: [] });
    expect(res).toMatchObject({ replicas: 3, scaleUpEvents: [], scaleDownEvents: [] });
  });
});

describe('sync: metric stage blocking', () => {
  const prior = recs([30, 5]);

  it('some metrics invalid and the proposal is a scale-down -> blocked, nothing stored', () => {
    const res = hpa.sync({
      currentReplicas: 5,
      maxReplicas: 10,
      behavior: hpa.defaultBehavior(),
      recommendations: prior,
      metrics: [wants(2), invalid()],
    });
    expect(res).toMatchObject({
      replicas: 5,
      error: true,
      rescaled: false,
      reason: 'FailedComputeMetricsReplicas',
      proposedReplicas: 2,
      invalidMetrics: 1,
    });
    expect(res.recommendations).toEqual(prior);
  });

  it('all metrics invalid -> blocked with no proposal', () => {
    const res = hpa.sync({ currentReplicas: 5, maxReplicas: 10, behavior: null, metrics: [invalid(), invalid('Resource')] });
    expect(res).toMatchObject({ replicas: 5, error: true, proposedReplicas: null, invalidMetrics: 2 });
    // Only the initial recommendation.
    expect(res.recommendations).toEqual(recs([0, 5]));
  });

  it('some metrics invalid and the proposal is a scale-up -> proceeds but reports the error', () => {
    // Legacy cap max(2 * 2, 4) = 4.
    const res = hpa.sync({ currentReplicas: 2, maxReplicas: 10, behavior: null, metrics: [invalid(), wants(6)] });
    expect(res).toMatchObject({ replicas: 4, error: true, rescaled: true, reason: 'ScaleUpLimit', proposedReplicas: 6 });
    expect(res.recommendations).toEqual(recs([0, 2], [0, 6]));
  });

  it('uses statusReplicas for per-pod Object targets', () => {
    // 12000 / (1000 * 11) = 1.09 -> within -> statusReplicas 11 -> legacy: 10 -> 11.
    const res = hpa.sync({
      currentReplicas: 10,
      statusReplicas: 11,
      maxReplicas: 20,
      behavior: null,
      metrics: [objectAverage(12_000, 1000)],
    });
    expect(res.replicas).toBe(11);
  });
});

describe('sync: a metric of an unknown source type (InvalidMetricSourceType)', () => {
  const unknownMetric = {
    replicas: null,
    error: 'unknown metric source type "CheddarCheese"',
    reason: 'InvalidMetricSourceType',
  };
  const blockedCondition = {
    status: 'False',
    reason: 'InvalidMetricSourceType',
    message: 'the HPA was unable to compute the replica count: unknown metric source type "CheddarCheese"',
  };

  it('alone: no change, ScalingActive False with reason InvalidMetricSourceType (the controller\'s TestScaleUpBothMetricsEmpty)', () => {
    const res = hpa.sync({ currentReplicas: 3, minReplicas: 2, maxReplicas: 6, behavior: null, metrics: [unknownType()] });
    expect(res).toEqual({
      replicas: 3,
      error: true,
      reason: 'FailedComputeMetricsReplicas',
      rescaled: false,
      proposedReplicas: null,
      invalidMetrics: 1,
      metrics: [unknownMetric],
      recommendations: recs([0, 3]),
      scaleUpEvents: [],
      scaleDownEvents: [],
      scaledToZero: false,
      scalingActive: blockedCondition,
    });
  });

  it('next to a valid metric that wants more replicas: the scale-up goes ahead, the error is reported', () => {
    // CPU at 200% of a 50% target on 2 pods wants ceil(4 × 2) = 8; default behavior allows 2 + 4 = 6.
    const res = hpa.sync({
      currentReplicas: 2, maxReplicas: 10, behavior: hpa.defaultBehavior(),
      metrics: [unknownType(), cpu(50, [ready(2000), ready(2000)])],
    });
    expect(res).toMatchObject({ replicas: 6, rescaled: true, error: true, proposedReplicas: 8, invalidMetrics: 1, scalingActive: { status: 'True', reason: 'ValidMetricFound' } });
    expect(res.metrics[0]).toEqual(unknownMetric);
  });

  it('next to a valid metric that wants fewer replicas: scale-down is blocked and nothing is stored', () => {
    // CPU at 10% of a 50% target on 4 pods wants ceil(0.2 × 4) = 1.
    const prior = recs([30, 4]);
    const res = hpa.sync({
      currentReplicas: 4, maxReplicas: 10, behavior: hpa.defaultBehavior(), recommendations: prior,
      metrics: [cpu(50, [ready(100), ready(100), ready(100), ready(100)]), unknownType()],
    });
    expect(res).toMatchObject({ replicas: 4, rescaled: false, error: true, reason: 'FailedComputeMetricsReplicas', proposedReplicas: 1, invalidMetrics: 1, scalingActive: blockedCondition });
    expect(res.metrics[1]).toEqual(unknownMetric);
    expect(res.recommendations).toEqual(prior);
  });

  it('a type that is not a string is still an input error', () => {
    expect(() => hpa.sync({ currentReplicas: 3, maxReplicas: 6, behavior: null, metrics: [{ type: 7 } as unknown as hpa.HpaMetricObservation] }))
      .toThrow('hpa.sync: metrics[0].type (7) must be a string such as Resource, ContainerResource, Pods, Object or External');
  });
});

describe('sync: initial recommendation', () => {
  it.each<[string, hpa.HpaBehavior | null]>([
    ['legacy path', null],
    ['behavior path', hpa.defaultBehavior()],
  ])('no scale-down during the first window (%s)', (_name, behavior) => {
    // TestScaleDownStabilizeInitialSize analogue: stored {5} holds the proposal 2.
    const res = hpa.sync({ currentReplicas: 5, maxReplicas: 10, behavior, metrics: [wants(2)] });
    expect(res).toMatchObject({ replicas: 5, rescaled: false, reason: 'DesiredWithinRange', proposedReplicas: 2 });
    expect(res.recommendations).toEqual(recs([0, 5], [0, 2]));
  });

  it('an existing history is used as-is (no initial recommendation)', () => {
    const res = hpa.sync({
      currentReplicas: 5,
      maxReplicas: 10,
      behavior: null,
      recommendations: recs([301, 5]),
      metrics: [wants(2)],
    });
    expect(res.replicas).toBe(2);
    expect(res.recommendations).toEqual(recs([0, 2]));
  });
});

/** Runs syncs every `period` seconds with a fixed metric, feeding state forward. */
function simulate(
  spec: Omit<hpa.SyncInput, 'currentReplicas' | 'metrics'>,
  start: number,
  metric: (replicas: number) => hpa.HpaMetricObservation,
  syncs: number,
  period = hpa.DEFAULT_SYNC_PERIOD_SECONDS,
): number[] {
  const out: number[] = [];
  let replicas = start;
  let state: Partial<hpa.HpaState> = {};
  for (let i = 0; i < syncs; i++) {
    const res = hpa.sync({ ...spec, ...state, currentReplicas: replicas, metrics: [metric(replicas)] });
    replicas = res.replicas;
    out.push(replicas);
    state = hpa.advanceTime(res, period);
  }
  return out;
}

describe('sync: multi-sync simulations', () => {
  it('default behavior doubles every 15 s: 10 -> 20 -> 40 -> 50', () => {
    // Sync 1: max(14, 20) = 20. Sync 2: the +10 event is 15 s old -> max(24, 40) = 40. Sync 3: max(44, 80) -> 50.
    const path = simulate({ maxReplicas: 100, behavior: hpa.defaultBehavior() }, 10, () => wants(50), 4);
    expect(path).toEqual([20, 40, 50, 50]);
  });

  it('legacy path: max(2x, 4) per sync: 1 -> 4 -> 8 -> 16 -> 20', () => {
    const path = simulate({ maxReplicas: 100, behavior: null }, 1, () => wants(20), 5);
    expect(path).toEqual([4, 8, 16, 20, 20]);
  });

  it('first scale-down: t=315 on the legacy path (inclusive), t=300 on the behavior path (strict)', () => {
    // Every sync proposes 4; the initial recommendation {10, t=0} holds the count while inside the window.
    // Sync i runs at t = 15 i, so index 20 is t = 300 and index 21 is t = 315.
    const legacyPath = simulate({ maxReplicas: 20, behavior: null }, 10, () => wants(4), 22);
    expect(legacyPath.indexOf(4)).toBe(21);
    const behaviorPath = simulate({ maxReplicas: 20, behavior: hpa.defaultBehavior() }, 10, () => wants(4), 22);
    expect(behaviorPath.indexOf(4)).toBe(20);
  });

  it('a Percent scale-down policy spreads the decrease over periods', () => {
    // Down: Percent 50 per 60 s, no window. t=0: 16 -> 8 (event 8). t=15..45: periodStart 8 + 8 = 16
    // -> trunc(16 * 0.5) = 8 = current -> held. t=60: event is 60 s old -> trunc(8 * 0.5) = 4.
    const behavior = behaviorWith({}, {
      stabilizationWindowSeconds: 0,
      policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }],
    });
    const path = simulate({ minReplicas: 1, maxReplicas: 20, behavior }, 16, () => wants(1), 9);
    expect(path).toEqual([8, 8, 8, 8, 4, 4, 4, 4, 2]);
  });
});

describe('sync: HPAScaleToZero', () => {
  const gates = { HPAScaleToZero: true };

  it('scales from zero when the HPA scaled itself to zero and has an Object metric', () => {
    // current 0: Object Value -> ceil(15000/10000) = ceil(1.5) = 2; legacy cap max(0, 4) = 4.
    const res = hpa.sync({
      currentReplicas: 0,
      minReplicas: 0,
      maxReplicas: 10,
      behavior: null,
      metrics: [objectValue(15_000, 10_000)],
      featureGates: gates,
      scaledToZero: true,
    });
    expect(res).toMatchObject({ replicas: 2, rescaled: true, scaledToZero: false });
  });

  it('a manual scale to zero stays paused', () => {
    const res = hpa.sync({
      currentReplicas: 0,
      minReplicas: 0,
      maxReplicas: 10,
      behavior: null,
      metrics: [objectValue(15_000, 10_000)],
      featureGates: gates,
      scaledToZero: false,
    });
    expect(res).toMatchObject({ replicas: 0, reason: 'ScalingDisabled' });
  });

  it('records ScaledToZero when it scales an Object/External HPA to zero', () => {
    // Object value 0 -> ceil(0 * 2) = 0; the only stored recommendation is old -> 0.
    const res = hpa.sync({
      currentReplicas: 2,
      minReplicas: 0,
      maxReplicas: 10,
      behavior: null,
      recommendations: recs([400, 2]),
      metrics: [objectValue(0, 10_000)],
      featureGates: gates,
    });
    expect(res).toMatchObject({ replicas: 0, rescaled: true, scaledToZero: true });
  });

  it('jumps to minReplicas when it was raised while scaled to zero', () => {
    // Behavior path from 0 with proposal 0 stays 0, then the controller lifts it to minReplicas 2.
    const res = hpa.sync({
      currentReplicas: 0,
      minReplicas: 2,
      maxReplicas: 10,
      behavior: hpa.defaultBehavior(),
      metrics: [objectValue(0, 10_000)],
      featureGates: gates,
      scaledToZero: true,
    });
    expect(res).toMatchObject({ replicas: 2, reason: 'CurrentReplicasBelowMin', rescaled: true });
    expect(res.scaleUpEvents).toEqual([{ ageSeconds: 0, replicaChange: 2 }]);
  });
});

describe('advanceTime', () => {
  it('adds the elapsed seconds to every age and keeps flags', () => {
    const state = hpa.advanceTime(
      {
        recommendations: recs([0, 3]),
        scaleUpEvents: [{ ageSeconds: 5, replicaChange: 1, outdated: true }],
        scaleDownEvents: null,
      },
      15,
    );
    expect(state).toEqual({
      recommendations: recs([15, 3]),
      scaleUpEvents: [{ ageSeconds: 20, replicaChange: 1, outdated: true }],
      scaleDownEvents: [],
    });
  });
});
