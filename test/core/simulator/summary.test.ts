import { RequestStats, SimulationTimeline } from '../../../lib/core/simulator/summary';
import { Prng } from '../../../lib/core/simulator/prng';

/** The timeline fields `closeSecond` writes, for `seconds` seconds. */
function timeline(seconds: number): SimulationTimeline {
  return {
    ttftSeconds: new Float32Array(seconds),
    interTokenSeconds: new Float32Array(seconds),
    e2eSeconds: new Float32Array(seconds),
    failed: new Float32Array(seconds),
  } as unknown as SimulationTimeline;
}

/** The weighted quantile by its definition: sort, then the first value whose running weight reaches q of the whole. */
function sortedQuantile(obs: readonly (readonly [number, number])[], q: number): number {
  if (obs.length === 0) return NaN;
  const sorted = [...obs].sort((a, b) => a[1] - b[1]);
  const total = sorted.reduce((s, [w]) => s + w, 0);
  let seen = 0;
  for (const [w, v] of sorted) {
    seen += w;
    if (seen >= q * total) return v;
  }
  return sorted[sorted.length - 1][1];
}

describe('RequestStats', () => {
  test.each([0.5, 0.9, 0.95, 0.99, 1])('each second holds the weighted %s quantile of its observations', (q) => {
    const prng = new Prng(7);
    const random = (): number => prng.next();
    const seconds = 400;
    const tl = timeline(seconds);
    const stats = new RequestStats();
    const expected: number[] = [];
    for (let t = 0; t < seconds; t++) {
      // 0 to 40 observations, weights from fractions of a request to hundreds of tokens, some values repeated.
      const n = Math.floor(random() * 41);
      const obs: [number, number][] = [];
      for (let i = 0; i < n; i++) {
        const value = random() < 0.2 && obs.length > 0 ? obs[Math.floor(random() * obs.length)][1] : Math.round(random() * 1000) / 100;
        obs.push([random() < 0.5 ? random() * 2 : Math.ceil(random() * 300), value]);
      }
      for (const [w, v] of obs) stats.timeToFirstToken(w, v);
      stats.timeToFirstToken(0, 99); // no weight: not an observation
      stats.closeSecond(t, q, tl);
      expected.push(sortedQuantile(obs, q));
    }
    expect(Array.from(tl.ttftSeconds)).toEqual(expected.map((v) => Math.fround(v)));
    expect(tl.ttftSeconds.some((v) => Number.isNaN(v))).toBe(true);
  });

  test('a second starts empty: what the last one held is not in its quantile', () => {
    const tl = timeline(2);
    const stats = new RequestStats();
    stats.finished(10, 30);
    stats.closeSecond(0, 0.95, tl);
    stats.finished(1, 2);
    stats.closeSecond(1, 0.95, tl);
    expect(Array.from(tl.e2eSeconds)).toEqual([30, 2]);
  });

  test('the run-wide distributions take every observation once, the queue time included', () => {
    const tl = timeline(3);
    const stats = new RequestStats();
    for (let t = 0; t < 3; t++) {
      stats.queueTime(1, 0.5);
      stats.interTokenLatency(100, 0.02);
      stats.interTokenLatency(100, 0.04);
      stats.closeSecond(t, 0.95, tl);
    }
    stats.queueTime(3, 4); // after the last second closed: still counted
    const d = stats.distributions();
    expect(d.queueTime.mean).toBeCloseTo((3 * 0.5 + 3 * 4) / 6, 9);
    expect(d.interToken.mean).toBeCloseTo(0.03, 9);
    // Quantiles are bucket upper bounds, 2.5 % wide.
    expect(d.interToken.p50 / 0.02).toBeGreaterThanOrEqual(1);
    expect(d.interToken.p50 / 0.02).toBeLessThanOrEqual(1.025);
    expect(d.interToken.p99 / 0.04).toBeGreaterThanOrEqual(1);
    expect(d.interToken.p99 / 0.04).toBeLessThanOrEqual(1.025);
    // Asking twice adds nothing twice.
    expect(stats.distributions()).toEqual(d);
  });
});
