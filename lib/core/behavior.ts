import { humanDuration } from './duration';
import { HPA_LIMITS, HpaBehavior, HpaScalingPolicy, HpaScalingRules } from './hpa-spec';
import { Problem, show } from './problems';

/** One direction of a custom behavior; unset fields take the Kubernetes API defaults. */
export interface ScalingRulesProps {
  /**
   * Look-back over which the HPA takes the least extreme proposal, in [0, 3600].
   * @default 0 for scale-up, 300 for scale-down (the API defaults)
   */
  readonly stabilizationWindowSeconds?: number;
  /** `Max` picks the policy allowing the largest change, `Min` the smallest. @default "Max" */
  readonly selectPolicy?: 'Max' | 'Min' | 'Disabled';
  /**
   * Rate limits. A list given here replaces the defaults, as in the API.
   * @default Pods 4 and Percent 100 per 15 s (scale-up); Percent 100 per 15 s (scale-down)
   */
  readonly policies?: readonly HpaScalingPolicy[];
}

/** Props of {@link ScalingBehavior.custom}. */
export interface CustomBehaviorProps {
  /** Scale-up rules. @default - the API's scale-up defaults */
  readonly scaleUp?: ScalingRulesProps;
  /** Scale-down rules. @default - the API's scale-down defaults (window 300 s) */
  readonly scaleDown?: ScalingRulesProps;
}

/** The named presets. */
export type BehaviorPreset = 'burst' | 'steady' | 'queue' | 'custom';

/**
 * How fast the HPA may add and remove replicas (`spec.behavior`), always emitted in full so a
 * service never inherits cdk8s-plus's or the API's defaults by accident.
 *
 * Presets derive their scale-down window from the model load time: removing a replica that
 * took L seconds to load and needing it back within L seconds leaves users without that
 * capacity for L seconds. Every preset therefore waits at least L before removing capacity.
 *
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#configurable-scaling-behavior
 */
export class ScalingBehavior {
  /**
   * Latency-sensitive serving. Scale up at once, doubling or adding 4 pods every 15 s, whichever
   * is more, because a burst is felt before new replicas finish loading. Scale down slowly: wait
   * max(10 min, 2 × load time), then remove at most 1 pod or 10 % per minute, whichever is more.
   */
  public static burst(): ScalingBehavior {
    return new ScalingBehavior('burst', (load) => ({
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: clampWindow(Math.max(600, 2 * load)), selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }, { type: 'Percent', value: 10, periodSeconds: 60 }] },
    }));
  }

  /**
   * Cost first, for steady traffic. Scale up only on load that lasts a minute (window 60 s), by
   * at most 50 % or 2 pods per minute. Scale down after max(5 min, load time + 1 min), by at
   * most half per minute, so idle GPUs are released within minutes.
   */
  public static steady(): ScalingBehavior {
    return new ScalingBehavior('steady', (load) => ({
      scaleUp: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }, { type: 'Pods', value: 2, periodSeconds: 60 }] },
      scaleDown: { stabilizationWindowSeconds: clampWindow(Math.max(300, load + 60)), selectPolicy: 'Max', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
    }));
  }

  /**
   * Queue or batch consumers. Backlog means work waiting, so scale up hard (8 pods or 100 % per
   * 15 s). Once the queue stays low for max(5 min, 2 × load time), release everything it allows
   * at once (100 % per minute): batch work has no latency to protect.
   */
  public static queue(): ScalingBehavior {
    return new ScalingBehavior('queue', (load) => ({
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 8, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: clampWindow(Math.max(300, 2 * load)), selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 60 }] },
    }));
  }

  /** Fully custom rules mirroring autoscaling/v2; unset fields take the API defaults, written out. */
  public static custom(props: CustomBehaviorProps): ScalingBehavior {
    const up = props.scaleUp ?? {};
    const down = props.scaleDown ?? {};
    return new ScalingBehavior('custom', () => ({
      scaleUp: {
        stabilizationWindowSeconds: up.stabilizationWindowSeconds ?? 0,
        selectPolicy: up.selectPolicy ?? 'Max',
        policies: up.policies ?? [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
      },
      scaleDown: {
        stabilizationWindowSeconds: down.stabilizationWindowSeconds ?? 300,
        selectPolicy: down.selectPolicy ?? 'Max',
        policies: down.policies ?? [{ type: 'Percent', value: 100, periodSeconds: 15 }],
      },
    }));
  }

  /** Which preset this is. */
  public readonly preset: BehaviorPreset;
  private readonly build: (loadTimeSeconds: number) => HpaBehavior;

  private constructor(preset: BehaviorPreset, build: (loadTimeSeconds: number) => HpaBehavior) {
    this.preset = preset;
    this.build = build;
  }

  /** The full `spec.behavior` for a model that takes `loadTimeSeconds` to become ready. */
  public resolve(loadTimeSeconds: number): HpaBehavior {
    return this.build(loadTimeSeconds);
  }
}

function clampWindow(seconds: number): number {
  return Math.min(HPA_LIMITS.maxStabilizationWindowSeconds, Math.ceil(seconds));
}

/**
 * Checks a behavior against the API server's limits, and its scale-down window against the
 * model load time (a shorter window throws away replicas that take longer to bring back).
 */
export function checkBehavior(path: string, behavior: HpaBehavior, loadTimeSeconds: number): Problem[] {
  const problems: Problem[] = [];
  for (const dir of ['scaleUp', 'scaleDown'] as const) {
    problems.push(...checkRules(`${path}.${dir}`, behavior[dir]));
  }
  const down = behavior.scaleDown;
  const needed = Math.min(loadTimeSeconds, HPA_LIMITS.maxStabilizationWindowSeconds);
  if (down.selectPolicy !== 'Disabled' && typeof down.stabilizationWindowSeconds === 'number' && down.stabilizationWindowSeconds < needed) {
    problems.push({
      path: `${path}.scaleDown.stabilizationWindowSeconds`,
      message: `is ${down.stabilizationWindowSeconds}, shorter than model.loadTimeSeconds (${loadTimeSeconds}): a replica removed now takes ${loadTimeSeconds} s to bring back; use at least ${Math.ceil(needed)}`,
    });
  }
  return problems;
}

function checkRules(path: string, rules: HpaScalingRules): Problem[] {
  const problems: Problem[] = [];
  const w = rules.stabilizationWindowSeconds;
  if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > HPA_LIMITS.maxStabilizationWindowSeconds) {
    problems.push({ path: `${path}.stabilizationWindowSeconds`, message: `is ${show(w)}; expected whole seconds from 0 to ${HPA_LIMITS.maxStabilizationWindowSeconds}` });
  }
  if (!['Max', 'Min', 'Disabled'].includes(rules.selectPolicy)) {
    problems.push({ path: `${path}.selectPolicy`, message: `is ${show(rules.selectPolicy)}; expected "Max", "Min" or "Disabled"` });
  }
  if (!Array.isArray(rules.policies) || rules.policies.length === 0) {
    problems.push({ path: `${path}.policies`, message: 'is empty; the API requires at least one policy (use selectPolicy "Disabled" to stop scaling this way)' });
    return problems;
  }
  rules.policies.forEach((p, i) => {
    const at = `${path}.policies[${i}]`;
    if (p.type !== 'Pods' && p.type !== 'Percent') problems.push({ path: `${at}.type`, message: `is ${show(p.type)}; expected "Pods" or "Percent"` });
    if (typeof p.value !== 'number' || !Number.isInteger(p.value) || p.value <= 0) {
      problems.push({ path: `${at}.value`, message: `is ${show(p.value)}; expected a whole number greater than 0` });
    }
    if (typeof p.periodSeconds !== 'number' || !Number.isInteger(p.periodSeconds) || p.periodSeconds <= 0 || p.periodSeconds > HPA_LIMITS.maxPeriodSeconds) {
      problems.push({ path: `${at}.periodSeconds`, message: `is ${show(p.periodSeconds)}; expected whole seconds from 1 to ${HPA_LIMITS.maxPeriodSeconds}` });
    }
  });
  return problems;
}

/**
 * Describes a behavior in plain words, e.g.
 * "scales up at once, by at most 100% per 15 s or 4 pods per 15 s (whichever allows more); scales down to the
 * highest proposal of the last 10 min, by at most 1 pod per minute or 10% per minute (whichever allows more)".
 */
export function describeBehavior(behavior: HpaBehavior): string {
  return `${describeRules('up', behavior.scaleUp)}; ${describeRules('down', behavior.scaleDown)}`;
}

function describeRules(dir: 'up' | 'down', rules: HpaScalingRules): string {
  if (rules.selectPolicy === 'Disabled') return `never scales ${dir}`;
  const wait = rules.stabilizationWindowSeconds > 0
    ? `${dir === 'up' ? 'scales up on the lowest proposal of the last' : 'scales down to the highest proposal of the last'} ${humanDuration(rules.stabilizationWindowSeconds)}, `
    : `scales ${dir} at once, `;
  const limits = rules.policies.map((p) => `${p.value}${p.type === 'Percent' ? '%' : p.value === 1 ? ' pod' : ' pods'} per ${p.periodSeconds === 60 ? 'minute' : humanDuration(p.periodSeconds)}`);
  const pick = limits.length > 1 ? ` (whichever allows ${rules.selectPolicy === 'Max' ? 'more' : 'less'})` : '';
  return `${wait}by at most ${limits.join(' or ')}${pick}`;
}
