import * as hpa from '../../../lib/core/hpa';
import { behaviorWith, cpu, objectValue, one, ready } from './helpers';

const DEFAULT = hpa.defaultTolerances();

describe('isWithinTolerance', () => {
  it.each<[string, number, hpa.HpaTolerances, boolean]>([
    // 110/100 is the same double as 1.0 + 0.1, and the upper end is inclusive.
    ['110/100 at the upper end', 110 / 100, DEFAULT, true],
    ['1.1000001 just above', 1.1000001, DEFAULT, false],
    // 90/100 is the same double as 1.0 - 0.1, and the lower end is inclusive.
    ['90/100 at the lower end', 90 / 100, DEFAULT, true],
    ['0.89 below', 0.89, DEFAULT, false],
    ['1.0 with tolerance 0', 1.0, { scaleUp: 0, scaleDown: 0 }, true],
    ['1.0000001 with tolerance 0', 1.0000001, { scaleUp: 0, scaleDown: 0 }, false],
    ['0.9999999 with tolerance 0', 0.9999999, { scaleUp: 0, scaleDown: 0 }, false],
    ['asymmetric: 1.2 within up 0.2', 1.2, { scaleUp: 0.2, scaleDown: 0.05 }, true],
    ['asymmetric: 0.94 outside down 0.05', 0.94, { scaleUp: 0.2, scaleDown: 0.05 }, false],
    ['NaN is never within', NaN, DEFAULT, false],
    ['+Inf is never within', Infinity, DEFAULT, false],
  ])('%s', (_name, ratio, tolerance, expected) => {
    expect(hpa.isWithinTolerance(ratio, tolerance)).toBe(expected);
  });
});

describe('resolveTolerances', () => {
  const b = behaviorWith({ tolerance: 0.05 }, {});

  it('replaces only the side that is set when the gate is on', () => {
    expect(hpa.resolveTolerances(DEFAULT, b, true)).toEqual({ scaleUp: 0.05, scaleDown: 0.1 });
  });

  it('ignores behavior tolerances when the gate is off', () => {
    expect(hpa.resolveTolerances(DEFAULT, b, false)).toEqual({ scaleUp: 0.1, scaleDown: 0.1 });
  });

  it('uses the flag value on the legacy path', () => {
    expect(hpa.resolveTolerances({ scaleUp: 0.2, scaleDown: 0.3 }, null, true)).toEqual({ scaleUp: 0.2, scaleDown: 0.3 });
  });
});

describe('tolerance in the metric stage', () => {
  it('utilization 110% of a 100% target is within: no change', () => {
    // 4 pods at 1100m of 1000m -> util trunc(4400*100/4000) = 110 -> 110/100 = 1.1 -> within.
    expect(one(cpu(100, [ready(1100), ready(1100), ready(1100), ready(1100)]), 4)).toBe(4);
  });

  it('utilization 111% scales', () => {
    // 111/100 = 1.11 -> ceil(1.11 * 4) = ceil(4.44) = 5.
    expect(one(cpu(100, [ready(1110), ready(1110), ready(1110), ready(1110)]), 4)).toBe(5);
  });

  it('Object value ratio exactly 1.1 stays, 1.1000001 scales', () => {
    // 11000000 / 10000000 = 1.1 -> within -> current.
    expect(one(objectValue(11_000_000, 10_000_000, { readyPodCount: 10 }), 10)).toBe(10);
    // 1.1000001 * 10 = 11.000001 -> ceil -> 12.
    expect(one(objectValue(11_000_001, 10_000_000, { readyPodCount: 10 }), 10)).toBe(12);
  });

  it('a ratio of exactly 1.0 with tolerance 0 does not scale', () => {
    const zero = { scaleUp: 0, scaleDown: 0 };
    expect(one(objectValue(5000, 5000, { readyPodCount: 3 }), 7, { tolerance: zero })).toBe(7);
    // 5001/5000 = 1.0002 -> ceil(1.0002 * 3) = 4.
    expect(one(objectValue(5001, 5000, { readyPodCount: 3 }), 7, { tolerance: zero })).toBe(4);
  });

  it('sync applies behavior.scaleUp.tolerance only with HPAConfigurableTolerance', () => {
    // Ratio 10800/10000 = 1.08: within 0.1, outside 0.05 -> ceil(1.08 * 10) = ceil(10.8) = 11.
    const base = {
      currentReplicas: 10,
      maxReplicas: 100,
      metrics: [objectValue(10_800, 10_000, { readyPodCount: 10 })],
      behavior: behaviorWith({ tolerance: 0.05 }),
    };
    expect(hpa.sync(base).replicas).toBe(11);
    expect(hpa.sync({ ...base, featureGates: { HPAConfigurableTolerance: false } }).replicas).toBe(10);
  });

  it('sync applies behavior.scaleDown.tolerance to the lower end only', () => {
    // Ratio 9300/10000 = 0.93: within the default band, outside 0.05 -> ceil(0.93 * 20) = ceil(18.6) = 19.
    // scaleDown window 0, so the stored recommendation does not hold it back.
    const base = {
      currentReplicas: 20,
      maxReplicas: 100,
      recommendations: [{ ageSeconds: 0, replicas: 20 }],
      metrics: [objectValue(9_300, 10_000, { readyPodCount: 20 })],
      behavior: behaviorWith({}, { tolerance: 0.05, stabilizationWindowSeconds: 0 }),
    };
    expect(hpa.sync(base).replicas).toBe(19);
    expect(hpa.sync({ ...base, behavior: behaviorWith({}, { stabilizationWindowSeconds: 0 }) }).replicas).toBe(20);
  });
});
