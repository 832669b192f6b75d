import { basePoint, coordinateSearch, Evaluation, Evaluator, gridPoints, objective, paretoFrontier, splitTrace, TunePoint, TuneSpace, floorsFromNeed } from '../../../lib/core/tune';

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
    const { train, heldOut } = splitTrace({ name: 't', requests, contextTokens: requests.map((x) => x * 100) }, 0.7);
    expect([...train.requests]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect([...heldOut.requests]).toEqual([7, 8, 9]);
    expect([...heldOut.contextTokens!]).toEqual([700, 800, 900]);
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
