/**
 * The controller's per-HPA memory: stored recommendations and scale events,
 * with ages in seconds.
 * @module
 */
import type { HpaBehavior, HpaRecommendation, HpaScaleEvent, HpaScalingRules, HpaState } from './types';
import { checkBehavior, checkEvents, checkNumber, checkReplicas } from './validation';

/** Input of {@link advanceTime}: any object carrying some of the state lists (e.g. a {@link SyncResult}). */
export interface HpaStateInput {
  /** Stored recommendations, ages in seconds. @default - none (`null` is the same) */
  recommendations?: readonly HpaRecommendation[] | null;
  /** Stored scale-up events, ages in seconds. @default - none (`null` is the same) */
  scaleUpEvents?: readonly HpaScaleEvent[] | null;
  /** Stored scale-down events, ages in seconds. @default - none (`null` is the same) */
  scaleDownEvents?: readonly HpaScaleEvent[] | null;
}

/**
 * Moves the clock forward: returns copies of the three state lists with
 * `seconds` added to every `ageSeconds`. Call it between two syncs with the
 * time that passed (15 s with the default sync period), then pass the lists
 * to the next {@link sync} / {@link normalize}.
 *
 * ```ts
 * let res = hpa.sync({ ...spec, currentReplicas: 3, metrics });
 * res = hpa.sync({ ...spec, ...hpa.advanceTime(res, 15), currentReplicas: res.replicas, metrics: next });
 * ```
 */
export function advanceTime(state: HpaStateInput, seconds: number): HpaState {
  checkNumber('hpa.advanceTime', 'seconds', seconds, 0);
  const recs = (state.recommendations ?? []).map((r) => ({ ...r, ageSeconds: r.ageSeconds + seconds }));
  const age = (events: readonly HpaScaleEvent[] | null | undefined): HpaScaleEvent[] =>
    (events ?? []).map((e) => ({ ...e, ageSeconds: e.ageSeconds + seconds }));
  return { recommendations: recs, scaleUpEvents: age(state.scaleUpEvents), scaleDownEvents: age(state.scaleDownEvents) };
}

/** A copy of one stored recommendation. */
export function copyRecommendation(r: HpaRecommendation): HpaRecommendation {
  return { ageSeconds: r.ageSeconds, replicas: r.replicas };
}

/** A copy of one stored scale event; the optional `outdated` flag is kept only when it is defined. */
export function copyScaleEvent(e: HpaScaleEvent): HpaScaleEvent {
  const copy: HpaScaleEvent = { ageSeconds: e.ageSeconds, replicaChange: e.replicaChange };
  if (e.outdated !== undefined) copy.outdated = e.outdated;
  return copy;
}

/** `getLongestPolicyPeriod`. */
function longestPolicyPeriod(rules: HpaScalingRules): number {
  let longest = 0;
  for (const p of rules.policies) if (p.periodSeconds > longest) longest = p.periodSeconds;
  return longest;
}

/** Adds `{change, age 0}` to one direction's list (`markScaleEventsOutdated` + slot reuse). */
function storeInList(events: readonly HpaScaleEvent[], longestPeriod: number, change: number): HpaScaleEvent[] {
  const out: HpaScaleEvent[] = [];
  let oldIndex = -1;
  for (let i = 0; i < events.length; i++) {
    const e = copyScaleEvent(events[i]);
    // Outdated flags are sticky: once set they stay set.
    if (e.ageSeconds > longestPeriod) e.outdated = true;
    if (e.outdated === true) oldIndex = i;
    out.push(e);
  }
  const event: HpaScaleEvent = { ageSeconds: 0, replicaChange: change };
  if (oldIndex >= 0) out[oldIndex] = event;
  else out.push(event);
  return out;
}

/** Input of {@link storeScaleEvent}. */
export interface StoreScaleEventInput {
  /** `spec.behavior`; with `null` nothing is stored (the legacy path keeps no events). */
  behavior: HpaBehavior | null;
  /** Stored scale-up events, ages in seconds relative to the rescale. @default - none */
  scaleUpEvents?: readonly HpaScaleEvent[];
  /** Stored scale-down events, ages in seconds relative to the rescale. @default - none */
  scaleDownEvents?: readonly HpaScaleEvent[];
  /** Replica count before the rescale. */
  previousReplicas: number;
  /** Replica count written by the rescale. */
  newReplicas: number;
}

/**
 * Records a successful rescale the way the controller's `storeScaleEvent`
 * does (only when `behavior` is set): the event `{|new - previous|, age 0}`
 * goes into the list of its direction. Events of that list older than the
 * direction's longest policy period (strictly) are flagged `outdated`
 * (sticky); the new event overwrites the LAST outdated entry, else it is
 * appended. When `newReplicas == previousReplicas` nothing is stored (the
 * controller only calls this after a rescale).
 *
 * {@link sync} calls this itself; {@link normalize} returns the lists with
 * the event already stored when its result differs from `currentReplicas`.
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#scaling-policies
 */
export function storeScaleEvent(input: StoreScaleEventInput): Pick<HpaState, 'scaleUpEvents' | 'scaleDownEvents'> {
  const ctx = 'hpa.storeScaleEvent';
  checkBehavior(ctx, input.behavior);
  const prev = checkReplicas(ctx, 'previousReplicas', input.previousReplicas);
  const next = checkReplicas(ctx, 'newReplicas', input.newReplicas);
  const up = input.scaleUpEvents ?? [];
  const down = input.scaleDownEvents ?? [];
  checkEvents(ctx, 'scaleUpEvents', up);
  checkEvents(ctx, 'scaleDownEvents', down);
  return storeScaleEventUnchecked(input.behavior, up, down, prev, next);
}

/** {@link storeScaleEvent} without validation, for callers that validated already. */
export function storeScaleEventUnchecked(
  behavior: HpaBehavior | null,
  up: readonly HpaScaleEvent[],
  down: readonly HpaScaleEvent[],
  prev: number,
  next: number,
): Pick<HpaState, 'scaleUpEvents' | 'scaleDownEvents'> {
  if (behavior === null || next === prev) {
    return { scaleUpEvents: up.map(copyScaleEvent), scaleDownEvents: down.map(copyScaleEvent) };
  }
  if (next > prev) {
    return {
      scaleUpEvents: storeInList(up, longestPolicyPeriod(behavior.scaleUp), next - prev),
      scaleDownEvents: down.map(copyScaleEvent),
    };
  }
  return {
    scaleUpEvents: up.map(copyScaleEvent),
    scaleDownEvents: storeInList(down, longestPolicyPeriod(behavior.scaleDown), prev - next),
  };
}

/**
 * Stores an un-normalized recommendation: overwrites the LAST entry for
 * which `isOld` holds, else appends. Returns the new list.
 */
export function storeRecommendation(
  recs: readonly HpaRecommendation[],
  replicas: number,
  isOld: (r: HpaRecommendation) => boolean,
): HpaRecommendation[] {
  const out: HpaRecommendation[] = [];
  let oldIndex = -1;
  for (let i = 0; i < recs.length; i++) {
    out.push(copyRecommendation(recs[i]));
    if (isOld(recs[i])) oldIndex = i;
  }
  const rec: HpaRecommendation = { ageSeconds: 0, replicas };
  if (oldIndex >= 0) out[oldIndex] = rec;
  else out.push(rec);
  return out;
}
