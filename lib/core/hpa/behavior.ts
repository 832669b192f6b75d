/**
 * API defaults for `spec.behavior` and controller flag defaults.
 * @module
 */
import type { HpaBehavior, HpaScalingRules } from './types';

/** `--horizontal-pod-autoscaler-sync-period` default, seconds. */
export const DEFAULT_SYNC_PERIOD_SECONDS = 15;

/** `--horizontal-pod-autoscaler-downscale-stabilization` default, seconds. */
export const DEFAULT_DOWNSCALE_STABILIZATION_SECONDS = 300;

/** Legacy-path `scaleUpLimitFactor` (hard-coded in the controller). */
export const LEGACY_SCALE_UP_LIMIT_FACTOR = 2.0;

/** Legacy-path `scaleUpLimitMinimum` (hard-coded in the controller). */
export const LEGACY_SCALE_UP_LIMIT_MINIMUM = 4.0;

/**
 * The API-defaulted scaleUp rules: window 0, `Max` of 4 pods or 100% per 15 s.
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#default-behavior
 */
export function defaultScaleUpRules(): HpaScalingRules {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}

/**
 * The API-defaulted scaleDown rules: `Max` of 100% per 15 s, window
 * `downscaleStabilizationSeconds` (the API leaves it unset and the controller
 * fills in its flag value, 300 s by default).
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#default-behavior
 */
export function defaultScaleDownRules(
  downscaleStabilizationSeconds: number = DEFAULT_DOWNSCALE_STABILIZATION_SECONDS,
): HpaScalingRules {
  return {
    stabilizationWindowSeconds: downscaleStabilizationSeconds,
    selectPolicy: 'Max',
    policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  };
}

/**
 * The behavior an HPA gets from API defaulting when `spec.behavior` is set
 * but empty (with the controller's scaleDown window filled in):
 * scaleUp window 0, `Max` of {Pods 4 / 15 s, Percent 100 / 15 s};
 * scaleDown window 300 s, `Max` of {Percent 100 / 15 s}.
 *
 * Note that `behavior: null` is not the same thing: it selects the legacy
 * path (see {@link normalize}).
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#default-behavior
 */
export function defaultBehavior(): HpaBehavior {
  return { scaleUp: defaultScaleUpRules(), scaleDown: defaultScaleDownRules() };
}

/** Partial scaling rules as a user writes them in a manifest. */
export type HpaScalingRulesInput = Partial<HpaScalingRules>;

/**
 * API defaulting of a user-written `spec.behavior` (`SetDefaults_HorizontalPodAutoscalerBehavior`):
 * every unset field of each direction is taken from the defaults; a
 * user-supplied `policies` list replaces the default list (no merging);
 * `tolerance` is never defaulted; the scaleDown window stays unset (`null`),
 * so the controller fills in its flag value.
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#configurable-scaling-behavior
 */
export function applyBehaviorDefaults(behavior: {
  scaleUp?: HpaScalingRulesInput | null;
  scaleDown?: HpaScalingRulesInput | null;
}): HpaBehavior {
  const fill = (user: HpaScalingRulesInput | null | undefined, def: HpaScalingRules): HpaScalingRules => {
    const u = user ?? {};
    const rules: HpaScalingRules = {
      stabilizationWindowSeconds: u.stabilizationWindowSeconds ?? def.stabilizationWindowSeconds,
      selectPolicy: u.selectPolicy ?? def.selectPolicy,
      policies: (u.policies ?? def.policies).map((p) => ({ ...p })),
    };
    if (u.tolerance !== undefined && u.tolerance !== null) rules.tolerance = u.tolerance;
    return rules;
  };
  const down = defaultScaleDownRules();
  down.stabilizationWindowSeconds = null;
  return { scaleUp: fill(behavior.scaleUp, defaultScaleUpRules()), scaleDown: fill(behavior.scaleDown, down) };
}
