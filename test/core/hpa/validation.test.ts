import * as hpa from '../../../lib/core/hpa';
import { behaviorWith, cpu, ready } from './helpers';

const normalizeBase: hpa.NormalizeInput = {
  currentReplicas: 3,
  proposedReplicas: 4,
  minReplicas: 1,
  maxReplicas: 10,
  behavior: null,
  recommendations: [],
};

describe('input validation', () => {
  it.each<[string, Partial<hpa.NormalizeInput>, string]>([
    ['min > max', { minReplicas: 3, maxReplicas: 2 }, 'hpa.normalize: maxReplicas (2) must be >= minReplicas (3)'],
    ['negative currentReplicas', { currentReplicas: -1 }, 'hpa.normalize: currentReplicas (-1) must be >= 0'],
    ['fractional proposedReplicas', { proposedReplicas: 1.5 }, 'hpa.normalize: proposedReplicas (1.5) must be an integer'],
    ['maxReplicas 0', { maxReplicas: 0, minReplicas: 0 }, 'hpa.normalize: maxReplicas (0) must be >= 1'],
    [
      'negative recommendation age',
      { recommendations: [{ ageSeconds: -1, replicas: 2 }] },
      'hpa.normalize: recommendations[0].ageSeconds (-1) must be >= 0',
    ],
    [
      'window above 3600',
      { behavior: behaviorWith({}, { stabilizationWindowSeconds: 3601 }) },
      'hpa.normalize: behavior.scaleDown.stabilizationWindowSeconds (3601) must be <= 3600',
    ],
    [
      'no policies',
      { behavior: behaviorWith({ policies: [] }) },
      'hpa.normalize: behavior.scaleUp.policies must contain at least one policy',
    ],
    [
      'period above 1800',
      { behavior: behaviorWith({ policies: [{ type: 'Pods', value: 1, periodSeconds: 1801 }] }) },
      'hpa.normalize: behavior.scaleUp.policies[0].periodSeconds (1801) must be <= 1800',
    ],
    [
      'policy value 0',
      { behavior: behaviorWith({}, { policies: [{ type: 'Percent', value: 0, periodSeconds: 15 }] }) },
      'hpa.normalize: behavior.scaleDown.policies[0].value (0) must be >= 1',
    ],
    [
      'negative tolerance',
      { behavior: behaviorWith({ tolerance: -0.1 }) },
      'hpa.normalize: behavior.scaleUp.tolerance (-0.1) must be >= 0',
    ],
  ])('normalize: %s', (_name, patch, message) => {
    expect(() => hpa.normalize({ ...normalizeBase, ...patch })).toThrow(message);
  });

  it('sync names itself and defaults minReplicas to 1', () => {
    expect(() => hpa.sync({ currentReplicas: 1, minReplicas: 3, maxReplicas: 2, behavior: null, metrics: [] })).toThrow(
      'hpa.sync: maxReplicas (2) must be >= minReplicas (3)',
    );
    // maxReplicas 1 with the default minReplicas 1 is fine; current 2 is clamped to 1.
    expect(hpa.sync({ currentReplicas: 2, maxReplicas: 1, behavior: null, metrics: [] }).replicas).toBe(1);
  });

  it.each<[string, hpa.HpaMetricObservation, string]>([
    [
      'missing target',
      { type: 'Resource', name: 'cpu', pods: [ready(1)] },
      'hpa.proposeReplicas: metrics[0]: missing target (set targetAverageUtilization or targetAverageValueMilli)',
    ],
    [
      'two targets',
      { type: 'External', targetValueMilli: 1, targetAverageValueMilli: 1, valuesMilli: [1] },
      'hpa.proposeReplicas: metrics[0]: set exactly one of targetValueMilli and targetAverageValueMilli',
    ],
    [
      'utilization 0',
      cpu(0, [ready(1)]),
      'hpa.proposeReplicas: metrics[0].targetAverageUtilization (0) must be >= 1',
    ],
    [
      'a ready pod without a sample',
      cpu(50, [{ requestMilli: 1000 }]),
      'hpa.proposeReplicas: metrics[0].pods[0].valueMilli is required for a ready pod',
    ],
    [
      'a missing pod with a sample',
      cpu(50, [{ state: 'missing', valueMilli: 3 }]),
      'hpa.proposeReplicas: metrics[0].pods[0].valueMilli must be absent for a missing pod',
    ],
    [
      'ContainerResource without a container',
      { type: 'ContainerResource', name: 'cpu', targetAverageUtilization: 50, pods: [] },
      'hpa.proposeReplicas: metrics[0].container is required for a ContainerResource metric',
    ],
    [
      'readyPodCount above podCount',
      { type: 'Object', targetValueMilli: 1, valueMilli: 1, readyPodCount: 3, podCount: 2 },
      'hpa.proposeReplicas: metrics[0].readyPodCount (3) must be <= podCount (2)',
    ],
  ])('proposeReplicas: %s', (_name, metric, message) => {
    expect(() => hpa.proposeReplicas({ currentReplicas: 1, metrics: [metric] })).toThrow(message);
  });

  it('proposeReplicas rejects a negative statusReplicas and tolerance', () => {
    expect(() => hpa.proposeReplicas({ currentReplicas: 1, statusReplicas: -2, metrics: [] })).toThrow(
      'hpa.proposeReplicas: statusReplicas (-2) must be >= 0',
    );
    expect(() =>
      hpa.proposeReplicas({ currentReplicas: 1, tolerance: { scaleUp: 0.1, scaleDown: -1 }, metrics: [] }),
    ).toThrow('hpa.proposeReplicas: tolerance.scaleDown (-1) must be >= 0');
  });
});

describe('behavior defaults', () => {
  it('defaultBehavior mirrors the API defaults with the controller scaleDown window', () => {
    expect(hpa.defaultBehavior()).toEqual({
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      },
      scaleDown: {
        stabilizationWindowSeconds: 300,
        selectPolicy: 'Max',
        policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
      },
    });
  });

  it('applyBehaviorDefaults replaces (does not merge) policies and leaves the scaleDown window unset', () => {
    const b = hpa.applyBehaviorDefaults({ scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } });
    expect(b.scaleUp).toEqual({
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
    });
    expect(b.scaleDown.stabilizationWindowSeconds).toBeNull();
    expect(b.scaleDown.policies).toEqual([{ type: 'Percent', value: 100, periodSeconds: 15 }]);
  });

  it('an applied default behavior normalizes like defaultBehavior()', () => {
    const input = { currentReplicas: 1, proposedReplicas: 10, minReplicas: 1, maxReplicas: 20, recommendations: [] };
    expect(hpa.normalize({ ...input, behavior: hpa.applyBehaviorDefaults({}) }).replicas).toBe(5);
  });
});
