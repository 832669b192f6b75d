import { checkBehavior, describeBehavior, ScalingBehavior } from '../../lib/core/behavior';
import { HpaBehavior } from '../../lib/core/hpa-spec';

const LOAD_TIMES = [60, 240, 900, 3000];

describe('presets', () => {
  test('burst: scale up at once by 100 % or 4 pods per 15 s; scale down by 1 pod or 10 % per minute', () => {
    expect(ScalingBehavior.burst().preset).toBe('burst');
    expect(ScalingBehavior.burst().resolve(240)).toEqual({
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 600, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }, { type: 'Percent', value: 10, periodSeconds: 60 }] },
    });
  });

  test('steady: scale up on a minute of load by 50 % or 2 pods per minute; scale down by half per minute', () => {
    expect(ScalingBehavior.steady().preset).toBe('steady');
    expect(ScalingBehavior.steady().resolve(240)).toEqual({
      scaleUp: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }, { type: 'Pods', value: 2, periodSeconds: 60 }] },
      scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
    });
  });

  test('queue: scale up by 100 % or 8 pods per 15 s; release 100 % per minute', () => {
    expect(ScalingBehavior.queue().preset).toBe('queue');
    expect(ScalingBehavior.queue().resolve(240)).toEqual({
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 8, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 480, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 60 }] },
    });
  });

  // burst: max(600, 2L); steady: max(300, L + 60); queue: max(300, 2L); all clamped at 3600.
  test.each`
    load    | burst   | steady  | queue
    ${60}   | ${600}  | ${300}  | ${300}
    ${240}  | ${600}  | ${300}  | ${480}
    ${900}  | ${1800} | ${960}  | ${1800}
    ${3000} | ${3600} | ${3060} | ${3600}
    ${3600} | ${3600} | ${3600} | ${3600}
  `('load time $load s: scale-down windows burst $burst, steady $steady, queue $queue', ({ load, burst, steady, queue }) => {
    expect(ScalingBehavior.burst().resolve(load).scaleDown.stabilizationWindowSeconds).toBe(burst);
    expect(ScalingBehavior.steady().resolve(load).scaleDown.stabilizationWindowSeconds).toBe(steady);
    expect(ScalingBehavior.queue().resolve(load).scaleDown.stabilizationWindowSeconds).toBe(queue);
  });

  test('scale-up rules do not depend on the load time', () => {
    for (const preset of [ScalingBehavior.burst(), ScalingBehavior.steady(), ScalingBehavior.queue()]) {
      const ups = LOAD_TIMES.map((load) => preset.resolve(load).scaleUp);
      for (const up of ups) expect(up).toEqual(ups[0]);
    }
  });

  test('a fractional load time gives a whole-second window', () => {
    expect(ScalingBehavior.queue().resolve(400.5).scaleDown.stabilizationWindowSeconds).toBe(801);
  });

  test.each(LOAD_TIMES.flatMap((load) => [['burst', load], ['steady', load], ['queue', load]] as const))(
    '%s at load time %p passes checkBehavior',
    (name, load) => {
      const preset = name === 'burst' ? ScalingBehavior.burst() : name === 'steady' ? ScalingBehavior.steady() : ScalingBehavior.queue();
      expect(checkBehavior('behavior', preset.resolve(load), load)).toEqual([]);
    },
  );
});

describe('ScalingBehavior.custom', () => {
  const API_DEFAULTS: HpaBehavior = {
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
    scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
  };

  test('with nothing set, writes out the Kubernetes API defaults', () => {
    const b = ScalingBehavior.custom({});
    expect(b.preset).toBe('custom');
    expect(b.resolve(300)).toEqual(API_DEFAULTS);
  });

  test('does not depend on the load time', () => {
    expect(ScalingBehavior.custom({}).resolve(60)).toEqual(ScalingBehavior.custom({}).resolve(3000));
  });

  test('fields set are kept, fields left out take the API defaults', () => {
    const b = ScalingBehavior.custom({ scaleDown: { stabilizationWindowSeconds: 900 }, scaleUp: { selectPolicy: 'Min' } }).resolve(300);
    expect(b).toEqual({
      scaleUp: { ...API_DEFAULTS.scaleUp, selectPolicy: 'Min' },
      scaleDown: { ...API_DEFAULTS.scaleDown, stabilizationWindowSeconds: 900 },
    });
  });

  test('a policy list replaces the default policies instead of adding to them', () => {
    const b = ScalingBehavior.custom({ scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } }).resolve(300);
    expect(b.scaleUp.policies).toEqual([{ type: 'Pods', value: 1, periodSeconds: 60 }]);
    expect(b.scaleDown.policies).toEqual(API_DEFAULTS.scaleDown.policies);
  });
});

describe('checkBehavior', () => {
  /** A custom behavior valid for a 300 s load, with one direction changed. */
  function withRules(dir: 'scaleUp' | 'scaleDown', rules: Parameters<typeof ScalingBehavior.custom>[0]['scaleUp']): HpaBehavior {
    return ScalingBehavior.custom({ [dir]: rules }).resolve(300);
  }
  const check = (b: HpaBehavior, load = 300): unknown => checkBehavior('behavior', b, load);
  const problem = (path: string, fragment: string): unknown => ({ path, message: expect.stringContaining(fragment) });

  test('the API limits are accepted at their edges: window 0 and 3600, period 1800', () => {
    expect(check(withRules('scaleUp', { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 1800 }] }))).toEqual([]);
    expect(check(withRules('scaleDown', { stabilizationWindowSeconds: 3600 }))).toEqual([]);
  });

  test.each([
    ['scaleDown', 3601],
    ['scaleUp', -1],
    ['scaleUp', 2.5],
  ] as const)('%s window %p is outside [0, 3600]', (dir, window) => {
    expect(check(withRules(dir, { stabilizationWindowSeconds: window }))).toEqual([
      problem(`behavior.${dir}.stabilizationWindowSeconds`, `is ${window}; expected whole seconds from 0 to 3600`),
    ]);
  });

  test.each([0, 1801, -15])('policy period %p is outside (0, 1800]', (period) => {
    expect(check(withRules('scaleUp', { policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: period }] }))).toEqual([
      problem('behavior.scaleUp.policies[1].periodSeconds', `is ${period}; expected whole seconds from 1 to 1800`),
    ]);
  });

  test.each([0, 1.5, -4])('policy value %p is not a whole number above 0', (value) => {
    expect(check(withRules('scaleDown', { policies: [{ type: 'Percent', value, periodSeconds: 60 }] }))).toEqual([
      problem('behavior.scaleDown.policies[0].value', `is ${value}; expected a whole number greater than 0`),
    ]);
  });

  test('an unknown policy type is rejected', () => {
    expect(check(withRules('scaleUp', { policies: [{ type: 'Replicas' as never, value: 1, periodSeconds: 15 }] }))).toEqual([
      problem('behavior.scaleUp.policies[0].type', 'is "Replicas"; expected "Pods" or "Percent"'),
    ]);
  });

  test('an empty policy list is rejected (the API requires one)', () => {
    expect(check(withRules('scaleDown', { policies: [] }))).toEqual([
      problem('behavior.scaleDown.policies', 'is empty; the API requires at least one policy'),
    ]);
  });

  test('an unknown selectPolicy is rejected', () => {
    expect(check(withRules('scaleUp', { selectPolicy: 'Maximum' as never }))).toEqual([
      problem('behavior.scaleUp.selectPolicy', 'is "Maximum"; expected "Max", "Min" or "Disabled"'),
    ]);
  });

  test('a scale-down window shorter than the model load time is rejected, naming both', () => {
    expect(check(withRules('scaleDown', { stabilizationWindowSeconds: 120 }), 300)).toEqual([{
      path: 'behavior.scaleDown.stabilizationWindowSeconds',
      message: 'is 120, shorter than model.loadTimeSeconds (300): a replica removed now takes 300 s to bring back; use at least 300',
    }]);
  });

  test('a scale-down window equal to the load time is enough', () => {
    expect(check(withRules('scaleDown', { stabilizationWindowSeconds: 300 }), 300)).toEqual([]);
  });

  test('the API defaults (300 s) are too short for a 600 s model', () => {
    expect(check(ScalingBehavior.custom({}).resolve(600), 600)).toEqual([
      problem('behavior.scaleDown.stabilizationWindowSeconds', 'is 300, shorter than model.loadTimeSeconds (600)'),
    ]);
  });

  test('a load time above 3600 s asks for no more than the largest window the API allows', () => {
    expect(check(withRules('scaleDown', { stabilizationWindowSeconds: 3600 }), 5000)).toEqual([]);
    expect(check(withRules('scaleDown', { stabilizationWindowSeconds: 3000 }), 5000)).toEqual([
      problem('behavior.scaleDown.stabilizationWindowSeconds', 'use at least 3600'),
    ]);
  });

  test('Disabled scale-down skips the load-time check', () => {
    expect(check(withRules('scaleDown', { selectPolicy: 'Disabled', stabilizationWindowSeconds: 0 }), 900)).toEqual([]);
  });

  test('the load-time check applies to scale-down only', () => {
    expect(check(withRules('scaleUp', { stabilizationWindowSeconds: 0 }), 300)).toEqual([]);
  });

  test('problems in both directions are all reported, with the given path prefix', () => {
    const b = ScalingBehavior.custom({
      scaleUp: { stabilizationWindowSeconds: -1, policies: [{ type: 'Pods', value: 0, periodSeconds: 0 }] },
      scaleDown: { policies: [] },
    }).resolve(300);
    expect(checkBehavior('spec.behavior', b, 300).map((p) => p.path)).toEqual([
      'spec.behavior.scaleUp.stabilizationWindowSeconds',
      'spec.behavior.scaleUp.policies[0].value',
      'spec.behavior.scaleUp.policies[0].periodSeconds',
      'spec.behavior.scaleDown.policies',
    ]);
  });
});

describe('describeBehavior', () => {
  test('burst at a 300 s load time', () => {
    const text = describeBehavior(ScalingBehavior.burst().resolve(300));
    expect(text).toContain('scales up at once, by at most 100% per 15 s or 4 pods per 15 s (whichever allows more)');
    expect(text).toContain('scales down to the highest proposal of the last 10 min');
    expect(text).toContain('1 pod per minute or 10% per minute (whichever allows more)');
    // Scale-up is described first, scale-down second.
    expect(text.indexOf('scales up')).toBeLessThan(text.indexOf('scales down'));
  });

  test('burst at a 3000 s load time waits an hour', () => {
    expect(describeBehavior(ScalingBehavior.burst().resolve(3000))).toContain('the last 1 h,');
  });

  test('a scale-up window is described as taking the lowest recent proposal', () => {
    expect(describeBehavior(ScalingBehavior.steady().resolve(300))).toContain('scales up on the lowest proposal of the last 1 min, by at most 50% per minute or 2 pods per minute');
  });

  test('a single policy has no "whichever", Min allows less, Disabled never scales', () => {
    const text = describeBehavior(ScalingBehavior.custom({
      scaleUp: { selectPolicy: 'Min' },
      scaleDown: { selectPolicy: 'Disabled' },
    }).resolve(300));
    expect(text).toBe('scales up at once, by at most 4 pods per 15 s or 100% per 15 s (whichever allows less); never scales down');
    expect(describeBehavior(ScalingBehavior.queue().resolve(60))).toMatch(/by at most 100% per minute$/);
  });
});
