import { instantBoundSeconds, leadTimeBoundSeconds, SERVING_PROFILES, steadyState, sustainableRate } from '../../../lib/core/simulator';
import { route, RoutingCursor } from '../../../lib/core/simulator/routing';
import type { Replica } from '../../../lib/core/simulator';
import { capacitySeries } from '../../../lib/core/simulator/workload';

describe('the lower bounds', () => {
  const need = [1, 1, 3, 3, 1, 1, 1, 3, 1, 0, 0, 0, 0, 0, 0, 2];

  test('the instant bound runs exactly the replicas each second needs', () => {
    expect(instantBoundSeconds(need)).toBe(17);
  });

  test('the lead-time bound starts each replica a start-up ahead, and bridges gaps shorter than that', () => {
    // Start-up 2 s. Level 1 runs at second 0 already: 0-8 (9 s), then a 6 s gap (restart: 2) and 1 s: 12.
    // Level 2: 2-3 (start-up 2 + 2), 7 (gap 3: restart 2 + 1), 15 (gap 7: 2 + 1): 10.
    // Level 3: 2-3 (2 + 2), 7 (2 + 1): 7. Total 29.
    expect(leadTimeBoundSeconds(need, 2)).toBe(29);
    // With a long start-up every gap is bridged: level 1 runs 0-15 (16 s); level 2 starts once (100) and runs 2-15
    // (14 s); level 3 starts once and runs 2-7 (6 s).
    expect(leadTimeBoundSeconds(need, 100)).toBe(16 + (100 + 14) + (100 + 6));
    // Never below the instant bound.
    expect(leadTimeBoundSeconds(need, 0)).toBe(instantBoundSeconds(need));
  });
});

describe('what one replica sustains', () => {
  const p = SERVING_PROFILES['qwen2.5-7b/a10g'];

  test('the steady batch satisfies Little\'s law: batch = rate × output × time per token', () => {
    const s = steadyState(p, 1, 1155, 211);
    expect(s.stable).toBe(true);
    expect(s.batch).toBeCloseTo(1 * 211 * s.interTokenSeconds, 6);
  });

  test('a tighter time-per-token limit sustains fewer requests; prefill beyond the GPU is unstable', () => {
    expect(sustainableRate(p, 1155, 211, 0.05)).toBeLessThan(sustainableRate(p, 1155, 211, 0.2));
    expect(steadyState(p, p.prefillTokensPerSecond / 1155 + 0.1, 1155, 211).stable).toBe(false);
  });
});

describe('routing', () => {
  const replicas = (loads: number[]): Replica[] => loads.map((l) => ({ outstanding: () => l }) as unknown as Replica);
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

  test('least-loaded gives each request to the replica with the fewest outstanding, counting what it was just given', () => {
    const shares: number[] = [];
    route('least-loaded', replicas([3, 1, 2]), 5, shares, new RoutingCursor());
    // Whole requests; loads end at 4, 4, 3: no replica ends more than one request above another.
    expect(shares).toEqual([1, 3, 1]);
    route('least-loaded', replicas([0, 10]), 4, shares, new RoutingCursor());
    expect(shares).toEqual([4, 0]);
  });

  test('least-loaded with many arrivals: water-filling for the bulk, whole requests for the rest; nothing lost', () => {
    const shares: number[] = [];
    const loads = [5, 0, 12, 7, 3];
    route('least-loaded', replicas(loads), 63.4, shares, new RoutingCursor());
    expect(sum(shares)).toBeCloseTo(63.4, 9);
    const after = loads.map((l, i) => l + shares[i]);
    expect(Math.max(...after) - Math.min(...after)).toBeLessThanOrEqual(1 + 1e-9);
  });

  test('identical replicas do not stay in lockstep: whole requests differ by one, and ties go round across seconds', () => {
    const cursor = new RoutingCursor();
    const shares: number[] = [];
    const given = [0, 0, 0, 0];
    for (let second = 0; second < 4; second++) {
      route('least-loaded', replicas([10, 10, 10, 10]), 5, shares, cursor);
      expect([...shares].sort()).toEqual([1, 1, 1, 2]);
      shares.forEach((x, i) => { given[i] += x; });
    }
    expect(given).toEqual([5, 5, 5, 5]);
  });

  test('round-robin sends request after request to the next replica, whatever the load, across seconds', () => {
    const cursor = new RoutingCursor();
    const shares: number[] = [];
    route('round-robin', replicas([0, 10]), 4, shares, cursor);
    expect(shares).toEqual([2, 2]);
    route('round-robin', replicas([0, 10]), 3, shares, cursor);
    expect(shares).toEqual([2, 1]);
    route('round-robin', replicas([0, 10]), 3, shares, cursor);
    expect(shares).toEqual([1, 2]);
    // A fractional arrival (a scaled trace) goes to one replica, the next one the next second.
    route('round-robin', replicas([0, 0, 0]), 0.5, shares, cursor);
    const first = shares.indexOf(0.5);
    route('round-robin', replicas([0, 0, 0]), 0.5, shares, cursor);
    expect(shares.indexOf(0.5)).toBe((first + 1) % 3);
  });
});

describe('the capacity series', () => {
  const p = SERVING_PROFILES['qwen2.5-7b/a10g'];

  test('each second gets what one replica sustains for its own mix, whether or not it repeats the second before', () => {
    const short = { prompt: 200, output: 50 };
    const mix = [short, short, { prompt: 200, output: 50 }, { prompt: 200, output: 800 }, { prompt: 4000, output: 800 }, short];
    const series = capacitySeries(p, mix, 0.2);
    const alone = mix.map((m) => capacitySeries(p, [m], 0.2)[0]);
    expect(Array.from(series)).toEqual(alone);
    // The lengths matter: a longer output, then a longer prompt, each sustain fewer requests.
    expect(series[3]).toBeLessThan(series[2]);
    expect(series[4]).toBeLessThan(series[3]);
    expect(series[5]).toBe(series[0]);
  });
});
