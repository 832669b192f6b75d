import { erlangC, latencyMean, latencyQuantile, promRate, slotsForTarget } from '../../../lib/core/simulator';

describe('M/M/c queueing', () => {
  test('Erlang C matches closed forms: one server waits with probability rho; two servers at 1 Erlang wait 1/3', () => {
    expect(erlangC(1, 0.6)).toBeCloseTo(0.6, 12);
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
    expect(erlangC(4, 0)).toBe(0);
    expect(erlangC(4, 4)).toBe(1);
  });

  test('an idle replica answers in the base latency; latency grows without bound towards saturation', () => {
    expect(latencyQuantile(11, 2, 0, 0.95)).toBe(2);
    expect(latencyMean(11, 2, 0)).toBe(2);
    const near = latencyQuantile(11, 2, 5.45, 0.95);
    expect(near).toBeGreaterThan(latencyQuantile(11, 2, 5, 0.95));
    expect(latencyQuantile(11, 2, 5.5, 0.95)).toBe(Infinity);
  });

  test('slots: the fewest batch slots that keep p95 within 4 s at 4 requests/s with a 2 s base latency is 11', () => {
    expect(slotsForTarget(4, 2, 4, 0.95)).toBe(11);
    expect(latencyQuantile(11, 2, 4, 0.95)).toBeLessThanOrEqual(4);
    expect(latencyQuantile(10, 2, 4, 0.95)).toBeGreaterThan(4);
    expect(() => slotsForTarget(4, 2, 2, 0.95)).toThrow(/must be above the base latency/);
  });
});

describe('Prometheus rate()', () => {
  test('a counter rising 1/s sampled every 15 s inside a 60 s window reads 1/s', () => {
    // Samples at 7, 22, 37, 52 in (0, 60]: extrapolated to the window edges.
    expect(promRate(107, 152, 7, 52, 4, 0, 60, 60)).toBeCloseTo(1, 10);
  });

  test('extrapolation stops at the counter\'s zero (a series that just started)', () => {
    // Samples 3 at t=37 and 33 at t=52: at 2/s the counter was 0 at t=35.5, so the start is
    // extrapolated by 1.5 s rather than half an interval (7.5 s); the end by the full 8 s.
    expect(promRate(3, 33, 37, 52, 2, 0, 60, 60)).toBeCloseTo((30 * ((15 + 1.5 + 8) / 15)) / 60, 10);
    // Without the zero in reach, the start gets half an interval.
    expect(promRate(15, 30, 37, 52, 2, 0, 60, 60)).toBeCloseTo((15 * ((15 + 7.5 + 8) / 15)) / 60, 10);
  });
});
