import * as hpa from '../../../lib/core/hpa';
import { recs } from './helpers';

/** Legacy path (`behavior: null`) with min 1, max 10 unless overridden. */
const legacy = (input: Partial<hpa.NormalizeInput> & Pick<hpa.NormalizeInput, 'currentReplicas' | 'proposedReplicas'>) =>
  hpa.normalize({ minReplicas: 1, maxReplicas: 10, behavior: null, recommendations: [], ...input });

describe('legacy path: stabilization', () => {
  it('takes the max over recommendations with age <= 300 (inclusive)', () => {
    // age 300 is still inside -> S = max(5, 8) = 8.
    const res = legacy({ currentReplicas: 6, proposedReplicas: 5, recommendations: recs([300, 8]) });
    expect(res.stabilizedReplicas).toBe(8);
    expect(res.replicas).toBe(8);
    expect(res.stabilizationReason).toBe('ScaleDownStabilized');
  });

  it('drops recommendations older than 300 s and reuses their slot', () => {
    const res = legacy({ currentReplicas: 6, proposedReplicas: 5, recommendations: recs([301, 8]) });
    expect(res.replicas).toBe(5);
    expect(res.stabilizationReason).toBe('ReadyForNewScale');
    expect(res.recommendations).toEqual(recs([0, 5]));
  });

  it('is a rolling max in both directions: a higher recent proposal raises a scale-up', () => {
    // S = max(6, 7) = 7, within max(2*4, 4) = 8.
    expect(legacy({ currentReplicas: 4, proposedReplicas: 6, recommendations: recs([60, 7]) }).replicas).toBe(7);
  });

  it('overwrites the LAST old entry, else appends', () => {
    const old = legacy({ currentReplicas: 4, proposedReplicas: 4, recommendations: recs([400, 1], [10, 2], [350, 3]) });
    expect(old.recommendations).toEqual(recs([400, 1], [10, 2], [0, 4]));
    const none = legacy({ currentReplicas: 4, proposedReplicas: 4, recommendations: recs([10, 2]) });
    expect(none.recommendations).toEqual(recs([10, 2], [0, 4]));
  });

  it('stores the raw proposal, not the clamped result', () => {
    const res = legacy({ currentReplicas: 1, proposedReplicas: 50, maxReplicas: 100 });
    expect(res.replicas).toBe(4);
    expect(res.recommendations).toEqual(recs([0, 50]));
  });

  it('honours a custom downscaleStabilizationSeconds', () => {
    const at = (age: number) =>
      legacy({ currentReplicas: 9, proposedReplicas: 3, recommendations: recs([age, 9]), downscaleStabilizationSeconds: 60 })
        .replicas;
    expect(at(60)).toBe(9); // inclusive
    expect(at(61)).toBe(3);
  });
});

describe('legacy path: clamping', () => {
  it.each<[string, Partial<hpa.NormalizeInput> & { currentReplicas: number; proposedReplicas: number }, number, hpa.HpaLimitReason]>([
    // max(2*1, 4) = 4 < maxReplicas 20.
    ['1 -> 10 gives 4', { currentReplicas: 1, proposedReplicas: 10, maxReplicas: 20 }, 4, 'ScaleUpLimit'],
    // max(2*3, 4) = 6.
    ['3 -> 10 gives 6', { currentReplicas: 3, proposedReplicas: 10, maxReplicas: 20 }, 6, 'ScaleUpLimit'],
    // maxReplicas 5 < 6 -> the cap comes from maxReplicas.
    ['maxReplicas below the rate cap', { currentReplicas: 3, proposedReplicas: 10, maxReplicas: 5 }, 5, 'TooManyReplicas'],
    // maxReplicas 6 == cap 6: `max > cap` is false -> TooManyReplicas.
    ['maxReplicas equal to the rate cap', { currentReplicas: 3, proposedReplicas: 10, maxReplicas: 6 }, 6, 'TooManyReplicas'],
    // factor 8 (the controller's unit tests): max(8*2, 4) = 16.
    ['legacyScaleUpLimitFactor 8', { currentReplicas: 2, proposedReplicas: 100, maxReplicas: 50, legacyScaleUpLimitFactor: 8 }, 16, 'ScaleUpLimit'],
    ['below minReplicas', { currentReplicas: 5, proposedReplicas: 1, minReplicas: 2 }, 2, 'TooFewReplicas'],
    // No scale-down rate limit on the legacy path.
    ['10 -> 1 in one step', { currentReplicas: 10, proposedReplicas: 1 }, 1, 'DesiredWithinRange'],
    ['within range', { currentReplicas: 5, proposedReplicas: 7 }, 7, 'DesiredWithinRange'],
  ])('%s', (_name, input, replicas, reason) => {
    const res = legacy(input);
    expect(res.replicas).toBe(replicas);
    expect(res.reason).toBe(reason);
  });

  it('convertDesiredReplicasWithRules truncates the float cap', () => {
    // factor 1.5: max(1.5 * 5, 4) = 7.5 -> int32 -> 7.
    expect(hpa.convertDesiredReplicasWithRules(5, 20, 1, 100, 1.5)).toEqual({ replicas: 7, reason: 'ScaleUpLimit' });
  });

  it('stores no scale events', () => {
    const res = legacy({ currentReplicas: 1, proposedReplicas: 10 });
    expect(res.scaleUpEvents).toEqual([]);
    expect(res.scaleDownEvents).toEqual([]);
  });
});
