import type { HpaBehavior, HpaTolerances } from './types';

/**
 * Default `--horizontal-pod-autoscaler-tolerance` (0.1) for both directions.
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details
 */
export const DEFAULT_TOLERANCE = 0.1;

/** Returns a fresh `{ scaleUp: 0.1, scaleDown: 0.1 }`. */
export function defaultTolerances(): HpaTolerances {
  return { scaleUp: DEFAULT_TOLERANCE, scaleDown: DEFAULT_TOLERANCE };
}

/**
 * Whether a usage ratio needs no rescale: `(1 - scaleDown) <= ratio <= (1 + scaleUp)`,
 * both ends inclusive, bounds computed in float64 exactly like the Go code.
 * So `110/100` is within the default band (it is the same double as `1 + 0.1`),
 * `1.1000001` is not, and with tolerance 0 a ratio of exactly 1.0 is within.
 * `NaN` is never within.
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details
 */
export function isWithinTolerance(ratio: number, tolerance: HpaTolerances): boolean {
  return 1.0 - tolerance.scaleDown <= ratio && ratio <= 1.0 + tolerance.scaleUp;
}

/**
 * The tolerances the controller uses for one HPA: the flag value on both
 * sides, each side replaced by `behavior.<side>.tolerance` when the
 * `HPAConfigurableTolerance` gate is on and that field is set.
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#configurable-scaling-behavior
 */
export function resolveTolerances(
  base: HpaTolerances,
  behavior: HpaBehavior | null,
  configurableTolerance: boolean,
): HpaTolerances {
  const t: HpaTolerances = { scaleUp: base.scaleUp, scaleDown: base.scaleDown };
  if (behavior === null || !configurableTolerance) return t;
  const down = behavior.scaleDown.tolerance;
  const up = behavior.scaleUp.tolerance;
  if (down !== undefined && down !== null) t.scaleDown = down;
  if (up !== undefined && up !== null) t.scaleUp = up;
  return t;
}
