import { Cohort, Replica, SERVING_PROFILES, ServingProfile } from '../../../lib/core/simulator';
import { Prng } from '../../../lib/core/simulator/prng';
import { FinishHeap } from '../../../lib/core/simulator/serving';
import { cohort, replicaLedger } from './helpers';

describe('continuous batching under KV-cache pressure', () => {
  // The A10G profile with a KV cache of 8,000 tokens: a handful of requests overflow it as their contexts grow.
  const tight: ServingProfile = { ...SERVING_PROFILES['qwen2.5-7b/a10g'], kvCacheTokens: 8_000 };

  // Seeds whose preempted cohorts came back to decoding while an entry of their first stint still
  // waited in the finish heap: that entry once took the new finish clock in place, out of heap
  // order, and held back cohorts due before it (they decoded past their output).
  test.each([4, 18, 42])('every request generates exactly its output, through preemptions and readmissions (seed %d)', (seed) => {
    const prng = new Prng(seed);
    const { seen, observer } = replicaLedger();
    const replica = new Replica(tight, 1e9, observer);
    let arrived = 0;
    let expectedTokens = 0;
    for (let t = 0; t < 600; t++) {
      const count = prng.poisson(3);
      if (count > 0) {
        const output = 50 + Math.floor(prng.next() * 400);
        replica.enqueue(cohort(count, t, 200 + Math.floor(prng.next() * 800), output));
        arrived += count;
        expectedTokens += count * output;
      }
      replica.step(t);
    }
    for (let t = 600; replica.outstanding() > 0 && t < 100_000; t++) replica.step(t);

    expect(replica.preemptionsTotal).toBeGreaterThan(300);
    expect(seen.failed).toBe(0);
    expect(seen.finished).toBeCloseTo(arrived, 6);
    // A cohort that finished late would have been counted decoding past its output.
    expect(replica.generationTokensTotal / expectedTokens).toBeCloseTo(1, 9);
    expect(seen.tokens / expectedTokens).toBeCloseTo(1, 9);
  });
});

describe('the finish heap', () => {
  /** A decoding cohort finishing at `clock`. */
  function decoding(clock: number): Cohort {
    const c = new Cohort();
    c.count = 1;
    c.finishClock = clock;
    c.decoding = true;
    return c;
  }

  test('entries of cohorts that left early go in one pass once they are half the heap; the rest come out in finish order', () => {
    const prng = new Prng(3);
    const heap = new FinishHeap();
    const cohorts = Array.from({ length: 200 }, () => decoding(Math.round(prng.next() * 1000)));
    for (const c of cohorts) heap.push(c);
    // 120 leave decoding early (a timeout or a preemption): their entries are stale.
    const leaving = cohorts.filter((_, i) => i % 5 < 3);
    for (const c of leaving) {
      c.decoding = false;
      heap.leftEarly();
    }
    // The 100th made stale entries half the heap: those 100 went; the 20 after wait to surface.
    expect(heap.size).toBe(100);

    const popped: Cohort[] = [];
    for (let c = heap.popDue(Infinity); c; c = heap.popDue(Infinity)) popped.push(c);
    const live = popped.filter((c) => c.decoding);
    expect(new Set(live)).toEqual(new Set(cohorts.filter((c) => c.decoding)));
    expect(live.length).toBe(80);
    const clocks = live.map((c) => c.finishClock);
    expect(clocks).toEqual([...clocks].sort((a, b) => a - b));
    expect(cohorts.every((c) => c.heapEntries === 0)).toBe(true);
  });

  test('a few stale entries stay until they surface (a pass over a small heap gains nothing)', () => {
    const heap = new FinishHeap();
    const cohorts = [5, 1, 9, 3].map(decoding);
    for (const c of cohorts) heap.push(c);
    cohorts[1].decoding = false;
    heap.leftEarly();
    expect(heap.size).toBe(4);
    // It surfaces first (clock 1) and is dropped then, returning nothing.
    expect(heap.popDue(1)).toBeUndefined();
    expect(heap.size).toBe(3);
    expect(heap.popDue(3)).toBe(cohorts[3]);
  });
});
