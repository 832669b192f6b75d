/**
 * Input validation shared by the public entry points. Errors name the
 * entry point and the offending field, e.g.
 * `hpa.normalize: maxReplicas (2) must be >= minReplicas (3)`.
 * @module
 */
import { MAX_INT32 } from './numeric';
import type {
  HpaBehavior,
  HpaMetricObservation,
  HpaMetricType,
  HpaRecommendation,
  HpaScaleEvent,
  HpaScalingPolicy,
  HpaScalingRules,
  HpaTolerances,
} from './types';

/** `MaxStabilizationWindowSeconds` in the API validation. */
export const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
/** `MaxPeriodSeconds` in the API validation. */
export const MAX_PERIOD_SECONDS = 1800;
/** Largest replica count or replica change: replicas are `int32` in the API. */
const MAX_REPLICAS = MAX_INT32;

function fail(ctx: string, message: string): never {
  throw new Error(`${ctx}: ${message}`);
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** A safe integer within [min, max]. */
export function checkInt(ctx: string, field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    fail(ctx, `${field} (${show(value)}) must be an integer`);
  }
  if (value < min) fail(ctx, `${field} (${value}) must be >= ${min}`);
  if (value > max) fail(ctx, `${field} (${value}) must be <= ${max}`);
  return value;
}

/** A replica count: integer in [min, MaxInt32]. */
export function checkReplicas(ctx: string, field: string, value: unknown, min = 0): number {
  return checkInt(ctx, field, value, min, MAX_REPLICAS);
}

/** A finite number >= min. */
export function checkNumber(ctx: string, field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(ctx, `${field} (${show(value)}) must be a finite number`);
  }
  if (value < min) fail(ctx, `${field} (${value}) must be >= ${min}`);
  return value;
}

/** A strictly positive finite number. */
export function checkPositive(ctx: string, field: string, value: unknown): number {
  const n = checkNumber(ctx, field, value, 0);
  if (n === 0) fail(ctx, `${field} (0) must be > 0`);
  return n;
}

/** Whether `value` passes {@link checkNumber} with `min`. */
function isNumberAtLeast(value: unknown, min: number): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= min;
}

/** Whether `value` passes {@link checkInt} with `min` and `max`. */
function isIntBetween(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

/** `maxReplicas >= 1` and `maxReplicas >= minReplicas`. */
export function checkMinMax(ctx: string, minReplicas: unknown, maxReplicas: unknown): void {
  const min = checkReplicas(ctx, 'minReplicas', minReplicas);
  const max = checkReplicas(ctx, 'maxReplicas', maxReplicas, 1);
  if (max < min) fail(ctx, `maxReplicas (${max}) must be >= minReplicas (${min})`);
}

/** Both tolerances finite and >= 0. */
export function checkTolerances(ctx: string, tolerance: HpaTolerances | undefined): void {
  if (tolerance === undefined) return;
  if (tolerance === null || typeof tolerance !== 'object') fail(ctx, 'tolerance must be an object { scaleUp, scaleDown }');
  checkNumber(ctx, 'tolerance.scaleUp', tolerance.scaleUp, 0);
  checkNumber(ctx, 'tolerance.scaleDown', tolerance.scaleDown, 0);
}

/** Whether one scaling policy passes the checks of {@link checkRules} (same rules, no messages). */
function isValidPolicy(p: HpaScalingPolicy | null | undefined): boolean {
  return (
    p !== null &&
    p !== undefined &&
    (p.type === 'Pods' || p.type === 'Percent') &&
    isIntBetween(p.value, 1, MAX_INT32) &&
    isIntBetween(p.periodSeconds, 1, MAX_PERIOD_SECONDS)
  );
}

function checkRules(ctx: string, field: string, rules: HpaScalingRules | undefined): void {
  if (rules === undefined || rules === null || typeof rules !== 'object') {
    fail(ctx, `${field} is required (use defaultBehavior() for the API defaults)`);
  }
  const w = rules.stabilizationWindowSeconds;
  if (w !== undefined && w !== null) {
    checkInt(ctx, `${field}.stabilizationWindowSeconds`, w, 0, MAX_STABILIZATION_WINDOW_SECONDS);
  }
  if (rules.selectPolicy !== 'Max' && rules.selectPolicy !== 'Min' && rules.selectPolicy !== 'Disabled') {
    fail(ctx, `${field}.selectPolicy (${show(rules.selectPolicy)}) must be one of Max, Min, Disabled`);
  }
  if (!Array.isArray(rules.policies) || rules.policies.length === 0) {
    fail(ctx, `${field}.policies must contain at least one policy`);
  }
  // Checked on every sync: the field paths are built only for an invalid policy.
  if (!rules.policies.every(isValidPolicy)) {
    rules.policies.forEach((p, i) => {
      const pf = `${field}.policies[${i}]`;
      if (p.type !== 'Pods' && p.type !== 'Percent') fail(ctx, `${pf}.type (${show(p.type)}) must be Pods or Percent`);
      checkInt(ctx, `${pf}.value`, p.value, 1, MAX_INT32);
      checkInt(ctx, `${pf}.periodSeconds`, p.periodSeconds, 1, MAX_PERIOD_SECONDS);
    });
  }
  if (rules.tolerance !== undefined && rules.tolerance !== null) {
    checkNumber(ctx, `${field}.tolerance`, rules.tolerance, 0);
  }
}

/** autoscaling/v2 behavior validation (after defaulting). `null` is valid (legacy path). */
export function checkBehavior(ctx: string, behavior: HpaBehavior | null | undefined): void {
  if (behavior === undefined) fail(ctx, 'behavior is required (pass null for the legacy path)');
  if (behavior === null) return;
  if (typeof behavior !== 'object') fail(ctx, 'behavior must be an object or null');
  checkRules(ctx, 'behavior.scaleUp', behavior.scaleUp);
  checkRules(ctx, 'behavior.scaleDown', behavior.scaleDown);
}

/*
 * The list checks below run on every sync over the whole stored state, so
 * they first test the values without building any field path; only when
 * something fails do they run the per-field checks, which throw the
 * message naming the first offending field.
 */

function isValidRecommendation(r: HpaRecommendation | null | undefined): boolean {
  return r !== null && r !== undefined && isNumberAtLeast(r.ageSeconds, 0) && isIntBetween(r.replicas, 0, MAX_REPLICAS);
}

function isValidScaleEvent(e: HpaScaleEvent | null | undefined): boolean {
  return e !== null && e !== undefined && isNumberAtLeast(e.ageSeconds, 0) && isIntBetween(e.replicaChange, 0, MAX_REPLICAS);
}

/** Stored recommendations: ages >= 0, replicas integers >= 0. */
export function checkRecommendations(ctx: string, field: string, recs: readonly HpaRecommendation[]): void {
  if (!Array.isArray(recs)) fail(ctx, `${field} must be an array`);
  if (recs.every(isValidRecommendation)) return;
  recs.forEach((r, i) => {
    checkNumber(ctx, `${field}[${i}].ageSeconds`, r.ageSeconds, 0);
    checkReplicas(ctx, `${field}[${i}].replicas`, r.replicas);
  });
}

/** Stored scale events: ages >= 0, changes integers >= 0. */
export function checkEvents(ctx: string, field: string, events: readonly HpaScaleEvent[]): void {
  if (!Array.isArray(events)) fail(ctx, `${field} must be an array`);
  if (events.every(isValidScaleEvent)) return;
  events.forEach((e, i) => {
    checkNumber(ctx, `${field}[${i}].ageSeconds`, e.ageSeconds, 0);
    checkReplicas(ctx, `${field}[${i}].replicaChange`, e.replicaChange);
  });
}

function checkOneTarget(ctx: string, field: string, a: [string, number | undefined], b: [string, number | undefined]): void {
  const hasA = a[1] !== undefined && a[1] !== null;
  const hasB = b[1] !== undefined && b[1] !== null;
  if (!hasA && !hasB) fail(ctx, `${field}: missing target (set ${a[0]} or ${b[0]})`);
  if (hasA && hasB) fail(ctx, `${field}: set exactly one of ${a[0]} and ${b[0]}`);
}

/** Whether one pod sample passes the checks of {@link checkPods} (same rules, no messages). */
function isValidPod(raw: unknown): boolean {
  if (raw === null || typeof raw !== 'object') return false;
  const p = raw as { state?: unknown; valueMilli?: unknown; requestMilli?: unknown };
  const state = p.state ?? 'ready';
  if (state !== 'ready' && state !== 'unready' && state !== 'missing' && state !== 'ignored') return false;
  if (state === 'ready' && p.valueMilli === undefined) return false;
  if (state === 'missing' && p.valueMilli !== undefined) return false;
  if (p.valueMilli !== undefined && !isIntBetween(p.valueMilli, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)) {
    return false;
  }
  return p.requestMilli === undefined || isIntBetween(p.requestMilli, 0, Number.MAX_SAFE_INTEGER);
}

function checkPods(ctx: string, field: string, pods: unknown): void {
  if (!Array.isArray(pods)) fail(ctx, `${field}.pods must be an array`);
  if ((pods as unknown[]).every(isValidPod)) return;
  (pods as unknown[]).forEach((raw, i) => {
    const pf = `${field}.pods[${i}]`;
    if (raw === null || typeof raw !== 'object') fail(ctx, `${pf} must be an object`);
    const p = raw as { state?: unknown; valueMilli?: unknown; requestMilli?: unknown };
    const state = p.state ?? 'ready';
    if (state !== 'ready' && state !== 'unready' && state !== 'missing' && state !== 'ignored') {
      fail(ctx, `${pf}.state (${show(state)}) must be one of ready, unready, missing, ignored`);
    }
    if (state === 'ready' && p.valueMilli === undefined) {
      fail(ctx, `${pf}.valueMilli is required for a ready pod (use state "missing" for a pod without a sample)`);
    }
    if (state === 'missing' && p.valueMilli !== undefined) {
      fail(ctx, `${pf}.valueMilli must be absent for a missing pod`);
    }
    if (p.valueMilli !== undefined) checkInt(ctx, `${pf}.valueMilli`, p.valueMilli, Number.MIN_SAFE_INTEGER);
    if (p.requestMilli !== undefined) checkInt(ctx, `${pf}.requestMilli`, p.requestMilli, 0);
  });
}

/** True for the metric source types the controller computes (see {@link HpaMetricType}). */
export function isKnownMetricType(type: string): type is HpaMetricType {
  return type === 'Resource' || type === 'ContainerResource' || type === 'Pods' || type === 'Object' || type === 'External';
}

/** Validates one metric observation's shape and targets; an unknown source type passes (it is an invalid metric, as in the controller). */
export function checkMetric(ctx: string, m: HpaMetricObservation, i: number): void {
  const field = `metrics[${i}]`;
  if (m === null || typeof m !== 'object') fail(ctx, `${field} must be an object`);
  const t: unknown = m.type;
  if (typeof t !== 'string') fail(ctx, `${field}.type (${show(t)}) must be a string such as Resource, ContainerResource, Pods, Object or External`);
  // An unknown type is the controller's InvalidMetricSourceType, not an input error: nothing else to check.
  if (!isKnownMetricType(t)) return;
  if ('invalid' in m) {
    if (m.invalid !== true) fail(ctx, `${field}.invalid must be true when present`);
    return;
  }
  switch (m.type) {
    case 'Resource':
    case 'ContainerResource':
      if (typeof m.name !== 'string' || m.name === '') fail(ctx, `${field}.name is required`);
      if (m.type === 'ContainerResource' && (typeof m.container !== 'string' || m.container === '')) {
        fail(ctx, `${field}.container is required for a ContainerResource metric`);
      }
      checkOneTarget(ctx, field, ['targetAverageUtilization', m.targetAverageUtilization], [
        'targetAverageValueMilli',
        m.targetAverageValueMilli,
      ]);
      if (m.targetAverageUtilization !== undefined) {
        checkInt(ctx, `${field}.targetAverageUtilization`, m.targetAverageUtilization, 1, MAX_INT32);
      } else {
        checkInt(ctx, `${field}.targetAverageValueMilli`, m.targetAverageValueMilli, 1);
      }
      checkPods(ctx, field, m.pods);
      return;
    case 'Pods':
      if (m.targetAverageValueMilli === undefined || m.targetAverageValueMilli === null) {
        fail(ctx, `${field}: missing target (set targetAverageValueMilli)`);
      }
      checkInt(ctx, `${field}.targetAverageValueMilli`, m.targetAverageValueMilli, 1);
      checkPods(ctx, field, m.pods);
      return;
    case 'Object':
    case 'External': {
      checkOneTarget(ctx, field, ['targetValueMilli', m.targetValueMilli], [
        'targetAverageValueMilli',
        m.targetAverageValueMilli,
      ]);
      if (m.targetValueMilli !== undefined) checkInt(ctx, `${field}.targetValueMilli`, m.targetValueMilli, 1);
      else checkInt(ctx, `${field}.targetAverageValueMilli`, m.targetAverageValueMilli, 1);
      if (m.type === 'Object') {
        checkInt(ctx, `${field}.valueMilli`, m.valueMilli, Number.MIN_SAFE_INTEGER);
      } else {
        if (!Array.isArray(m.valuesMilli)) fail(ctx, `${field}.valuesMilli must be an array`);
        m.valuesMilli.forEach((v, j) => checkInt(ctx, `${field}.valuesMilli[${j}]`, v, Number.MIN_SAFE_INTEGER));
      }
      if (m.readyPodCount !== undefined) checkReplicas(ctx, `${field}.readyPodCount`, m.readyPodCount);
      if (m.podCount !== undefined) checkReplicas(ctx, `${field}.podCount`, m.podCount);
      if (m.readyPodCount !== undefined && m.podCount !== undefined && m.readyPodCount > m.podCount) {
        fail(ctx, `${field}.readyPodCount (${m.readyPodCount}) must be <= podCount (${m.podCount})`);
      }
      return;
    }
  }
}
