/**
 * Lower bounds on what any scaler could spend on a trace.
 * @module
 */

/** Float slack for `ceil` of a ratio that should be whole. */
const CEIL_SLACK = 1e-9;

/**
 * Replica-seconds of the instant bound: each second exactly the replicas that second's load
 * needs at `capacityPerReplica` (`ceil(load / capacity)`, within `min` and `max`), ready at once.
 */
export function instantBoundSeconds(load: ArrayLike<number>, capacityPerReplica: number, min: number, max: number): number {
  let seconds = 0;
  for (let t = 0; t < load.length; t++) {
    const need = Math.ceil(load[t] / capacityPerReplica - CEIL_SLACK);
    seconds += need < min ? min : need > max ? max : need;
  }
  return seconds;
}
