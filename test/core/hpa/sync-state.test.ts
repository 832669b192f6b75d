import * as hpa from '../../../lib/core/hpa';
import { behaviorWith, cpu, invalid, objectAverage, ready, recs } from './helpers';

/** A metric that proposes exactly `n` replicas whenever the ratio is outside tolerance. */
const wants = (n: number): hpa.HpaObjectMetric => objectAverage(n * 1000, 1000);

const base: hpa.SyncInput = { currentReplicas: 3, maxReplicas: 10, behavior: hpa.defaultBehavior(), metrics: [wants(3)] };

describe('sync: validation of the stored state and the samples names the first bad field', () => {
  it.each<[string, Partial<hpa.SyncInput>, string]>([
    [
      'a recommendation after valid ones',
      { recommendations: [...recs([0, 3], [15, 4]), { ageSeconds: 30, replicas: 2.5 }] },
      'hpa.sync: recommendations[2].replicas (2.5) must be an integer',
    ],
    [
      'a recommendation age that is not a number',
      { recommendations: [...recs([0, 3]), { ageSeconds: '15' as unknown as number, replicas: 3 }] },
      'hpa.sync: recommendations[1].ageSeconds ("15") must be a finite number',
    ],
    [
      'a recommendation above MaxInt32',
      { recommendations: recs([0, 2147483648]) },
      'hpa.sync: recommendations[0].replicas (2147483648) must be <= 2147483647',
    ],
    [
      'the first of two bad recommendations',
      { recommendations: [...recs([0, 3], [-1, 3]), { ageSeconds: 5, replicas: -2 }] },
      'hpa.sync: recommendations[1].ageSeconds (-1) must be >= 0',
    ],
    [
      'a scale-up event',
      { scaleUpEvents: [{ ageSeconds: 0, replicaChange: 1 }, { ageSeconds: 15, replicaChange: -1, outdated: true }] },
      'hpa.sync: scaleUpEvents[1].replicaChange (-1) must be >= 0',
    ],
    [
      'a scale-down event age',
      { scaleDownEvents: [{ ageSeconds: 0, replicaChange: 1 }, { ageSeconds: Infinity, replicaChange: 1 }] },
      'hpa.sync: scaleDownEvents[1].ageSeconds (Infinity) must be a finite number',
    ],
    [
      'a policy after a valid one',
      {
        behavior: behaviorWith(
          {},
          {
            policies: [
              { type: 'Pods', value: 1, periodSeconds: 60 },
              { type: 'Percent', value: 10, periodSeconds: 0 },
            ],
          },
        ),
      },
      'hpa.sync: behavior.scaleDown.policies[1].periodSeconds (0) must be >= 1',
    ],
    [
      'a policy type',
      { behavior: behaviorWith({ policies: [{ type: 'Replicas' as 'Pods', value: 1, periodSeconds: 15 }] }) },
      'hpa.sync: behavior.scaleUp.policies[0].type ("Replicas") must be Pods or Percent',
    ],
    [
      'a pod state',
      { metrics: [cpu(50, [ready(500), ready(400), { state: 'gone' as 'ready', valueMilli: 1 }])] },
      'hpa.sync: metrics[0].pods[2].state ("gone") must be one of ready, unready, missing, ignored',
    ],
    [
      'a pod sample that is not an integer',
      { metrics: [wants(3), cpu(50, [ready(500), ready(0.5)])] },
      'hpa.sync: metrics[1].pods[1].valueMilli (0.5) must be an integer',
    ],
    [
      'a pod request',
      { metrics: [cpu(50, [ready(500), { state: 'unready', requestMilli: -1 }])] },
      'hpa.sync: metrics[0].pods[1].requestMilli (-1) must be >= 0',
    ],
    [
      'a pod that is not an object',
      { metrics: [cpu(50, [ready(500), null as unknown as hpa.HpaPodSample])] },
      'hpa.sync: metrics[0].pods[1] must be an object',
    ],
  ])('%s', (_name, patch, message) => {
    expect(() => hpa.sync({ ...base, ...patch })).toThrow(message);
  });

  it('accepts every pod state with and without samples where allowed', () => {
    const pods: hpa.HpaPodSample[] = [
      ready(500),
      { state: 'ready', valueMilli: -5, requestMilli: 1000 },
      { state: 'unready', requestMilli: 1000 },
      { state: 'unready', valueMilli: 700, requestMilli: 1000 },
      { state: 'missing', requestMilli: 1000 },
      { state: 'ignored' },
      { state: 'ignored', valueMilli: 1 },
    ];
    expect(() => hpa.sync({ ...base, metrics: [cpu(50, pods)] })).not.toThrow();
  });
});

describe('sync: the returned state is a fresh copy', () => {
  const stored = {
    recommendations: recs([0, 3], [15, 3], [400, 5]),
    scaleUpEvents: [
      { ageSeconds: 5, replicaChange: 1 },
      { ageSeconds: 30, replicaChange: 2, outdated: true },
    ],
    scaleDownEvents: [{ ageSeconds: 40, replicaChange: 1, outdated: false }],
  };

  const expectFresh = (res: hpa.SyncResult): void => {
    for (const key of ['recommendations', 'scaleUpEvents', 'scaleDownEvents'] as const) {
      const before: readonly object[] = stored[key];
      expect(res[key]).not.toBe(before);
      for (const entry of res[key]) expect(before).not.toContain(entry);
    }
  };

  it.each<[string, Partial<hpa.SyncInput>]>([
    ['no change', {}],
    ['a scale-up', { metrics: [wants(5)] }],
    ['a blocked metric stage', { metrics: [invalid()] }],
    ['the maxReplicas pre-check', { currentReplicas: 12 }],
    ['the legacy path', { behavior: null }],
  ])('%s', (_name, patch) => {
    const res = hpa.sync({ ...base, ...stored, ...patch });
    expectFresh(res);
    // The input lists are left as they were.
    expect(stored.recommendations).toStrictEqual(recs([0, 3], [15, 3], [400, 5]));
  });

  it('keeps the outdated flag exactly where it is defined', () => {
    const res = hpa.sync({ ...base, ...stored });
    expect(res.rescaled).toBe(false);
    expect(res.scaleUpEvents).toStrictEqual(stored.scaleUpEvents);
    expect(res.scaleDownEvents).toStrictEqual(stored.scaleDownEvents);
    expect('outdated' in res.scaleUpEvents[0]).toBe(false);
  });

  it('stores a scale-up event in the outdated slot and copies the other direction as it was', () => {
    const res = hpa.sync({ ...base, ...stored, metrics: [wants(5)] });
    expect(res).toMatchObject({ replicas: 5, rescaled: true });
    expect(res.scaleUpEvents).toStrictEqual([
      { ageSeconds: 5, replicaChange: 1 },
      { ageSeconds: 0, replicaChange: 2 },
    ]);
    expect(res.scaleDownEvents).toStrictEqual([{ ageSeconds: 40, replicaChange: 1, outdated: false }]);
    // The 400 s old recommendation is older than both windows (0 s and 300 s): its slot is reused.
    expect(res.recommendations).toStrictEqual(recs([0, 3], [15, 3], [0, 5]));
  });
});
