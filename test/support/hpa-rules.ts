/**
 * HorizontalPodAutoscaler (autoscaling/v2) spec rules enforced by the API server
 * (pkg/apis/autoscaling/validation), as summarized in section 3.2 of
 * /work/shared/reference/hpa-algorithm.md, plus type/field consistency of metric targets.
 */
import { checkLabelSelector } from './k8s-meta';
import { dns1123Label, pathSegmentName } from './k8s-names';
import { asArray, asNumber, asRecord, asString, joinPath, type JsonObject, type Reporter, show } from './problems';
import { readQuantity } from './pod-rules';
import { quantitySign } from './quantity';

/** Cluster features that change what an HPA may contain. */
export interface HpaFeatures {
  /** `HPAScaleToZero` (alpha, off by default): minReplicas 0 with an Object or External metric. */
  readonly scaleToZero: boolean;
  /** `HPAConfigurableTolerance` (alpha in 1.33, off by default): behavior.scaleUp/scaleDown.tolerance. */
  readonly configurableTolerance: boolean;
}

/** `MaxStabilizationWindowSeconds` of the API validation. */
export const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
/** `MaxPeriodSeconds` of the API validation. */
export const MAX_PERIOD_SECONDS = 1800;

/** Metric source type → the member that must carry it. */
export const METRIC_SOURCES: Readonly<Record<string, string>> = {
  Object: 'object',
  Pods: 'pods',
  Resource: 'resource',
  External: 'external',
  ContainerResource: 'containerResource',
};

/** Target types each metric source type accepts. */
const TARGET_TYPES_BY_SOURCE: Readonly<Record<string, readonly string[]>> = {
  Object: ['Value', 'AverageValue'],
  Pods: ['AverageValue'],
  Resource: ['Utilization', 'AverageValue'],
  External: ['Value', 'AverageValue'],
  ContainerResource: ['Utilization', 'AverageValue'],
};

/** The target field each target type reads. */
const FIELD_FOR_TARGET_TYPE: Readonly<Record<string, string>> = {
  Utilization: 'averageUtilization',
  Value: 'value',
  AverageValue: 'averageValue',
};

const TARGET_FIELDS = ['averageUtilization', 'value', 'averageValue'] as const;

function present(obj: JsonObject, field: string): boolean {
  return obj[field] !== undefined && obj[field] !== null;
}

function checkTarget(target: unknown, path: string, r: Reporter, source: string): void {
  const t = asRecord(target);
  if (!t) return; // missing target: reported by schema validation (required)
  const type = asString(t.type);
  const allowedTypes = TARGET_TYPES_BY_SOURCE[source] ?? [];
  if (type !== undefined) {
    if (FIELD_FOR_TARGET_TYPE[type] === undefined) {
      r.add(joinPath(path, 'type'), `target.type is ${show(type)}; must be either Utilization, Value, or AverageValue`);
    } else if (!allowedTypes.includes(type)) {
      r.add(joinPath(path, 'type'), `target.type is ${show(type)}; a ${source} metric target must be of type ${allowedTypes.join(' or ')}`);
    }
  }

  for (const f of ['value', 'averageValue'] as const) {
    if (!present(t, f)) continue;
    const q = readQuantity(t[f], joinPath(path, f), `target.${f}`, r);
    if (q && quantitySign(q) <= 0) r.add(joinPath(path, f), `target.${f} is ${show(t[f])}; must be positive`);
  }
  const util = asNumber(t.averageUtilization);
  if (util !== undefined && util < 1) {
    r.add(joinPath(path, 'averageUtilization'), `target.averageUtilization is ${util}; must be greater than 0`);
  }
  if (present(t, 'averageUtilization') && source !== 'Resource' && source !== 'ContainerResource') {
    r.add(joinPath(path, 'averageUtilization'), `target.averageUtilization is ${show(t.averageUtilization)}; only Resource and ContainerResource metrics support utilization targets`);
  }

  // The API server's per-source presence rules.
  let presenceReported = false;
  const requireOne = (fields: readonly string[], exactlyOne: boolean, what: string): void => {
    const set = fields.filter((f) => present(t, f));
    if (set.length === 0) {
      r.add(joinPath(path, fields[fields.length - 1] ?? 'value'), `${what}: none of target.${fields.join(' / target.')} is set; must set ${exactlyOne ? 'exactly one' : 'one'} of them`);
      presenceReported = true;
    } else if (exactlyOne && set.length > 1) {
      r.add(path, `${what}: target sets ${set.join(' and ')}; may set only one of them`);
      presenceReported = true;
    }
  };
  switch (source) {
    case 'Pods':
      if (!present(t, 'averageValue')) {
        r.add(joinPath(path, 'averageValue'), `Pods metric: target.averageValue is unset; Pods metrics need an AverageValue target with a positive averageValue`);
        presenceReported = true;
      }
      break;
    case 'Resource':
    case 'ContainerResource':
      requireOne(['averageUtilization', 'averageValue'], true, `${source} metric`);
      break;
    case 'Object':
      requireOne(['value', 'averageValue'], false, 'Object metric');
      break;
    case 'External':
      requireOne(['value', 'averageValue'], true, 'External metric');
      break;
    default:
      break;
  }

  // Type and fields must agree (the controller picks the computation from the fields set).
  if (type === undefined || presenceReported) return;
  const expected = FIELD_FOR_TARGET_TYPE[type];
  if (expected === undefined) return;
  for (const f of TARGET_FIELDS) {
    if (f !== expected && present(t, f) && !(f === 'averageUtilization' && source !== 'Resource' && source !== 'ContainerResource')) {
      r.add(joinPath(path, f), `target.${f} is ${show(t[f])} but target.type is ${type}; a ${type} target uses target.${expected}`);
    }
  }
  if (!present(t, expected)) {
    r.add(joinPath(path, expected), `target.type is ${type} but target.${expected} is unset`);
  }
}

function checkMetricIdentifier(metric: unknown, path: string, r: Reporter): void {
  const m = asRecord(metric);
  if (!m) return;
  if (m.name === '') r.add(joinPath(path, 'name'), 'metric.name is ""; must be non-empty');
  checkLabelSelector(m.selector, joinPath(path, 'selector'), r);
}

function checkObjectReference(ref: unknown, path: string, r: Reporter, what: string): void {
  const o = asRecord(ref);
  if (!o) return;
  for (const f of ['kind', 'name']) {
    const v = asString(o[f]);
    if (v === undefined) continue;
    if (v === '') r.add(joinPath(path, f), `${what}.${f} is ""; must be non-empty`);
    else {
      const bad = pathSegmentName(v);
      if (bad) r.add(joinPath(path, f), `${what}.${f} is ${show(v)}; ${bad}`);
    }
  }
}

/** True when the HPA has an Object or External metric (needed for minReplicas 0). */
export function hasObjectOrExternalMetric(spec: JsonObject): boolean {
  return asArray(spec.metrics).some((m) => {
    const type = asRecord(m)?.type;
    return type === 'Object' || type === 'External';
  });
}

function checkScalingRules(rules: unknown, path: string, r: Reporter, dir: string, features: HpaFeatures): void {
  const rr = asRecord(rules);
  if (!rr) return;
  const sws = asNumber(rr.stabilizationWindowSeconds);
  if (sws !== undefined && (sws < 0 || sws > MAX_STABILIZATION_WINDOW_SECONDS)) {
    r.add(joinPath(path, 'stabilizationWindowSeconds'), `${dir}.stabilizationWindowSeconds is ${sws}; must be between 0 and ${MAX_STABILIZATION_WINDOW_SECONDS} (inclusive)`);
  }
  const sp = rr.selectPolicy;
  if (sp !== undefined && sp !== null && sp !== 'Max' && sp !== 'Min' && sp !== 'Disabled') {
    r.add(joinPath(path, 'selectPolicy'), `${dir}.selectPolicy is ${show(sp)}; must be Max, Min or Disabled`);
  }
  // Omitted policies are filled in by API defaulting; a given list replaces the defaults.
  if (rr.policies !== undefined && rr.policies !== null) {
    const policies = asArray(rr.policies);
    if (Array.isArray(rr.policies) && policies.length === 0) {
      r.add(joinPath(path, 'policies'), `${dir}.policies is []; must specify at least one policy (omit the field to get the defaults)`);
    }
    policies.forEach((p, i) => {
      const pol = asRecord(p);
      if (!pol) return;
      const pPath = joinPath(joinPath(path, 'policies'), i);
      const type = pol.type;
      if (type !== undefined && type !== 'Pods' && type !== 'Percent') {
        r.add(joinPath(pPath, 'type'), `${dir}.policies[${i}].type is ${show(type)}; must be Pods or Percent`);
      }
      const value = asNumber(pol.value);
      if (value !== undefined && value <= 0) {
        r.add(joinPath(pPath, 'value'), `${dir}.policies[${i}].value is ${value}; must be greater than zero`);
      }
      const period = asNumber(pol.periodSeconds);
      if (period !== undefined && (period <= 0 || period > MAX_PERIOD_SECONDS)) {
        r.add(joinPath(pPath, 'periodSeconds'), `${dir}.policies[${i}].periodSeconds is ${period}; must be greater than 0 and at most ${MAX_PERIOD_SECONDS}`);
      }
    });
  }
  if (present(rr, 'tolerance')) {
    const tPath = joinPath(path, 'tolerance');
    const q = readQuantity(rr.tolerance, tPath, `${dir}.tolerance`, r);
    if (q && quantitySign(q) < 0) r.add(tPath, `${dir}.tolerance is ${show(rr.tolerance)}; must be greater than or equal to 0`);
    if (!features.configurableTolerance) {
      r.add(tPath, `${dir}.tolerance is ${show(rr.tolerance)}; the field needs the HPAConfigurableTolerance feature gate (alpha in 1.33, off by default), otherwise the API server drops it`);
    }
  }
}

/** Validates `spec` of an autoscaling/v2 HorizontalPodAutoscaler. */
export function checkHpaSpec(specValue: unknown, path: string, r: Reporter, features: HpaFeatures): void {
  const spec = asRecord(specValue);
  if (!spec) return;
  const minPath = joinPath(path, 'minReplicas');
  const min = asNumber(spec.minReplicas);
  const max = asNumber(spec.maxReplicas);
  if (min !== undefined) {
    if (min === 0) {
      if (!features.scaleToZero) {
        r.add(minPath, 'minReplicas is 0; must be at least 1 (0 needs the alpha HPAScaleToZero feature gate)');
      } else if (!hasObjectOrExternalMetric(spec)) {
        r.add(minPath, 'minReplicas is 0 without an Object or External metric; scale-to-zero needs at least one of them');
      }
    } else if (min < 0) {
      r.add(minPath, `minReplicas is ${min}; must be at least 1`);
    }
  }
  if (max !== undefined) {
    if (max < 1) r.add(joinPath(path, 'maxReplicas'), `maxReplicas is ${max}; must be at least 1`);
    const effectiveMin = min ?? 1;
    if (max < effectiveMin) {
      r.add(joinPath(path, 'maxReplicas'), `maxReplicas is ${max}, below minReplicas ${effectiveMin}${min === undefined ? ' (default)' : ''}; must be greater than or equal to minReplicas`);
    }
  }
  checkObjectReference(spec.scaleTargetRef, joinPath(path, 'scaleTargetRef'), r, 'scaleTargetRef');

  asArray(spec.metrics).forEach((m, i) => {
    const metric = asRecord(m);
    if (!metric) return;
    const mPath = joinPath(joinPath(path, 'metrics'), i);
    const type = asString(metric.type);
    const expected = type === undefined ? undefined : METRIC_SOURCES[type];
    if (type !== undefined && expected === undefined) {
      r.add(joinPath(mPath, 'type'), `metrics[${i}].type is ${show(type)}; must be one of ${Object.keys(METRIC_SOURCES).join(', ')}`);
    }
    for (const member of Object.values(METRIC_SOURCES)) {
      if (member !== expected && present(metric, member)) {
        r.add(joinPath(mPath, member), `metrics[${i}].${member} is set but type is ${show(type)}; must populate the given metric source only${expected ? ` (${expected})` : ''}`);
      }
    }
    if (type === undefined || expected === undefined) return;
    const src = asRecord(metric[expected]);
    const sPath = joinPath(mPath, expected);
    if (!src) {
      r.add(sPath, `metrics[${i}].${expected} is unset; ${/^[AEIOU]/.test(type) ? 'an' : 'a'} ${type} metric must populate ${expected}`);
      return;
    }
    switch (type) {
      case 'Resource':
        if (src.name === '') r.add(joinPath(sPath, 'name'), 'resource.name is ""; must be non-empty');
        break;
      case 'ContainerResource': {
        if (src.name === '') r.add(joinPath(sPath, 'name'), 'containerResource.name is ""; must be non-empty');
        const container = asString(src.container);
        if (container !== undefined) {
          const bad = dns1123Label(container);
          if (bad) r.add(joinPath(sPath, 'container'), `containerResource.container is ${show(container)}; ${bad}`);
        }
        break;
      }
      case 'Object':
        checkObjectReference(src.describedObject, joinPath(sPath, 'describedObject'), r, 'describedObject');
        checkMetricIdentifier(src.metric, joinPath(sPath, 'metric'), r);
        break;
      default:
        checkMetricIdentifier(src.metric, joinPath(sPath, 'metric'), r);
    }
    checkTarget(src.target, joinPath(sPath, 'target'), r, type);
  });

  const behavior = asRecord(spec.behavior);
  if (behavior) {
    for (const dir of ['scaleUp', 'scaleDown']) {
      checkScalingRules(behavior[dir], joinPath(joinPath(path, 'behavior'), dir), r, dir, features);
    }
  }
}
