import { ScalingBehavior } from '../../../lib/core';
import {
  basePoint, coordinateSearch, coordinateSearchParallel, Evaluation, Evaluator, floorsFromNeed, gridPoints, objective, paretoFrontier, redrawTrace, robustChoice, splitTrace,
  traceStartAfter, tuneBehavior, TunePoint, TuneSpace,
} from '../../../lib/core/tune';

// A small synthetic space with a known optimum: capacity (3 per minReplicas step, 4 per warm
// node, 3 from the lower target) must reach 10 to meet the SLO; node-hours price each.
const SPACE: TuneSpace = {
  targetScales: [[1, 0.5, 2]],
  minReplicas: [1, 2, 3],
  behaviors: ['configured', 'burst'],
  headroomNodes: [0, 1, 2],
  imagePrepull: [false, true],
  floors: [undefined],
};

function synthetic(p: TunePoint): Evaluation {
  const min = SPACE.minReplicas[p.minReplicas];
  const headroom = SPACE.headroomNodes[p.headroom];
  const lowTarget = SPACE.targetScales[0][p.targets[0]] === 0.5;
  const capacity = 3 * min + 4 * headroom + (lowTarget ? 3 : 0);
  const violationSeconds = Math.max(0, 10 - capacity) * 60;
  const nodeHours = min + 1.2 * headroom + (lowTarget ? 0.5 : 0) + (SPACE.imagePrepull[p.prepull] ? 0.01 : 0);
  return { point: p, nodeHours, violationSeconds, failedRatio: 0, feasible: violationSeconds === 0 };
}

describe('coordinateSearch', () => {
  test('finds the known optimum of a small synthetic space, which no single move from the baseline reaches, in fewer runs than the grid', () => {
    const evaluator = new Evaluator(synthetic);
    const { best } = coordinateSearch(SPACE, evaluator);
    // minReplicas 1, one warm node and the lower target: capacity 10 for 2.7 node-hours.
    expect({ min: SPACE.minReplicas[best.point.minReplicas], headroom: SPACE.headroomNodes[best.point.headroom], scale: SPACE.targetScales[0][best.point.targets[0]] }).toEqual({ min: 1, headroom: 1, scale: 0.5 });
    expect(best.nodeHours).toBeCloseTo(2.7, 9);
    const grid = gridPoints(SPACE).map(synthetic);
    expect(grid).toHaveLength(3 * 3 * 2 * 3 * 2);
    expect(Math.min(...grid.map(objective))).toBeCloseTo(objective(best), 9);
    expect(evaluator.runs).toBeLessThan(grid.length);
  });

  test('an infeasible start moves toward the SLO before it saves node-hours', () => {
    const evaluator = new Evaluator(synthetic);
    expect(evaluator.get(basePoint(SPACE)).feasible).toBe(false);
    expect(coordinateSearch(SPACE, evaluator).best.feasible).toBe(true);
  });
});

describe('coordinateSearchParallel', () => {
  test('simulates each step\'s points together, and visits and chooses exactly what the one-thread search does', async () => {
    const one = new Evaluator(synthetic);
    const sequential = coordinateSearch(SPACE, one);
    const batches: number[] = [];
    const together = new Evaluator(() => {
      throw new Error('every point should come through runMany');
    }, async (points) => {
      batches.push(points.length);
      return points.map(synthetic);
    });
    const parallel = await coordinateSearchParallel(SPACE, together);
    expect(parallel.best).toEqual(sequential.best);
    expect(parallel.evaluated).toEqual(sequential.evaluated);
    expect(together.runs).toBe(one.runs);
    // A sweep of a dimension, and the pairs of capacity dimensions, are batches of several points.
    expect(Math.max(...batches)).toBeGreaterThan(4);
  });
});

describe('paretoFrontier', () => {
  test('keeps the points no other beats on both node-hours and seconds over, cheapest first', () => {
    const e = (nodeHours: number, violationSeconds: number): Evaluation => ({ point: basePoint(SPACE), nodeHours, violationSeconds, failedRatio: 0, feasible: violationSeconds === 0 });
    const f = paretoFrontier([e(3, 0), e(1, 100), e(2, 100), e(2, 50), e(4, 0)]);
    expect(f.map((x) => [x.nodeHours, x.violationSeconds])).toEqual([[1, 100], [2, 50], [3, 0]]);
  });
});

describe('splitTrace', () => {
  test('trains on the first share and holds out the rest, token columns alike', () => {
    const requests = Float64Array.from({ length: 10 }, (_, i) => i);
    const { train, heldOut, heldOutStartSeconds } = splitTrace({ name: 't', requests, contextTokens: requests.map((x) => x * 100) }, 0.7);
    expect([...train.requests]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect([...heldOut.requests]).toEqual([7, 8, 9]);
    expect([...heldOut.contextTokens!]).toEqual([700, 800, 900]);
    expect(heldOutStartSeconds).toBe(7);
  });

  test('splits a long trace on a whole minute, so the held-out part\'s clock starts on one', () => {
    // 0.7 of 3503 s (the conversation trace) is 2452 s; the nearest whole minute is 2460 s.
    const { train, heldOutStartSeconds } = splitTrace({ name: 't', requests: new Float64Array(3503) }, 0.7);
    expect([train.requests.length, heldOutStartSeconds]).toEqual([2460, 2460]);
  });
});

describe('traceStartAfter', () => {
  test('the day and time a part starts, for a trace that starts Monday 00:00', () => {
    expect(traceStartAfter(2460)).toEqual({ day: 'mon', time: '00:41' });
    expect(traceStartAfter(86400 + 9 * 3600 + 59)).toEqual({ day: 'tue', time: '09:00' });
    expect(traceStartAfter(6 * 86400 + 3600)).toEqual({ day: 'sun', time: '01:00' });
  });
});

describe('tuneBehavior', () => {
  const burst = ScalingBehavior.burst().resolve(240);

  test('sets the scale-down window, every scale-up Percent policy and every scale-up period; keeps the rest', () => {
    const tuned = tuneBehavior(burst, 900, 200, 30)!;
    expect(tuned.scaleDown).toEqual({ ...burst.scaleDown, stabilizationWindowSeconds: 900 });
    expect(tuned.scaleUp.policies).toEqual([{ type: 'Percent', value: 200, periodSeconds: 30 }, { type: 'Pods', value: 4, periodSeconds: 30 }]);
    expect(tuned.scaleUp.stabilizationWindowSeconds).toBe(burst.scaleUp.stabilizationWindowSeconds);
  });

  test('with nothing to change, or on the legacy path, the behavior is the one given', () => {
    expect(tuneBehavior(burst)).toBe(burst);
    expect(tuneBehavior(null, 900)).toBeNull();
  });
});

describe('robustChoice', () => {
  const e = (nodeHours: number, violationSeconds: number, feasible = violationSeconds === 0): Evaluation => ({ point: { ...basePoint(SPACE), minReplicas: nodeHours }, nodeHours, violationSeconds, failedRatio: 0, feasible });

  test('takes the cheapest feasible point that also holds under stress', () => {
    const stressed = new Map([[1, 30], [2, 0], [3, 0]]);
    const r = robustChoice([e(3, 0), e(1, 0), e(2, 0), e(0.5, 100)], (x) => e(x.nodeHours, stressed.get(x.nodeHours)!));
    expect([r.choice.nodeHours, r.held, r.tried]).toEqual([2, true, 2]);
  });

  test('when none holds, the one that missed least under stress; with none feasible, the one that missed least in training', () => {
    const stressed = new Map([[1, 30], [2, 10], [3, 20]]);
    expect(robustChoice([e(1, 0), e(2, 0), e(3, 0)], (x) => e(x.nodeHours, stressed.get(x.nodeHours)!)).choice.nodeHours).toBe(2);
    const r = robustChoice([e(1, 50), e(2, 20)], () => { throw new Error('no stress without a feasible point'); });
    expect([r.choice.nodeHours, r.held, r.tried]).toEqual([2, false, 0]);
  });

  test('with none feasible, the cheapest of the points within 5 % of the fewest seconds over', () => {
    expect(robustChoice([e(8, 200), e(5, 209), e(4, 211), e(3, 400)], () => e(0, 0)).choice.nodeHours).toBe(5);
  });
});

describe('redrawTrace', () => {
  test('draws each second around factor times its requests, tokens following at the same tokens per request', () => {
    const requests = new Float64Array(20000).fill(10);
    const trace = { name: 't', requests, contextTokens: new Float64Array(20000).fill(10000) };
    const redrawn = redrawTrace(trace, 1.1, 7);
    const mean = redrawn.requests.reduce((a, b) => a + b, 0) / requests.length;
    expect(mean).toBeGreaterThan(10.9);
    expect(mean).toBeLessThan(11.1);
    expect(redrawn.requests.some((x) => x !== 11)).toBe(true);
    redrawn.requests.forEach((r, t) => expect(redrawn.contextTokens![t]).toBeCloseTo(r * 1000, 6));
    expect([...redrawTrace(trace, 1.1, 7).requests]).toEqual([...redrawn.requests]);
  });
});

describe('floorsFromNeed', () => {
  test('raises the floor a start-up time before the slot that needs it, every day', () => {
    // Two days; 4 replicas needed from 09:00 to 09:30 each day, 1 otherwise.
    const needed = new Int32Array(2 * 86400).fill(1);
    for (const day of [0, 1]) needed.fill(4, day * 86400 + 9 * 3600, day * 86400 + 9.5 * 3600);
    expect(floorsFromNeed(needed, 1, 1, 8, 480)).toEqual({ floors: [{ from: '08:45', to: '09:30', minReplicas: 4 }] });
    expect(floorsFromNeed(needed, 0.5, 1, 8, 480)).toEqual({ floors: [{ from: '08:45', to: '09:30', minReplicas: 2 }] });
    expect(floorsFromNeed(new Int32Array(600).fill(1), 1, 1, 8, 480)).toBeUndefined();
  });
});
