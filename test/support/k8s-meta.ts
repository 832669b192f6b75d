/** Checks of object metadata, labels, annotations and label selectors, as the API server does them. */
import { labelValue, qualifiedName } from './k8s-names';
import { asArray, asRecord, asString, isRecord, joinPath, type JsonObject, type Reporter, show } from './problems';

/** The API server limit on the total size of an object's annotations (keys + values). */
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

/** Validates a labels map: qualified-name keys and valid label values. */
export function checkLabels(labels: unknown, path: string, r: Reporter): void {
  if (labels === undefined || labels === null) return;
  if (!isRecord(labels)) return; // wrong type: reported by schema validation
  for (const [key, value] of Object.entries(labels)) {
    const keyPath = joinPath(path, key);
    const badKey = qualifiedName(key);
    if (badKey) r.add(keyPath, `label key ${show(key)} is invalid: ${badKey}`);
    if (typeof value === 'string') {
      const badValue = labelValue(value);
      if (badValue) r.add(keyPath, `label value ${show(value)} is invalid: ${badValue}`);
    }
  }
}

/** Validates an annotations map: qualified-name keys (case-insensitive) and the 256 KiB total size limit. */
export function checkAnnotations(annotations: unknown, path: string, r: Reporter): void {
  if (!isRecord(annotations)) return;
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    const badKey = qualifiedName(key.toLowerCase());
    if (badKey) r.add(joinPath(path, key), `annotation key ${show(key)} is invalid: ${badKey}`);
    size += Buffer.byteLength(key) + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  }
  if (size > MAX_ANNOTATIONS_BYTES) {
    r.add(path, `annotations total ${size} bytes; must be at most ${MAX_ANNOTATIONS_BYTES} bytes`);
  }
}

const SELECTOR_OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/**
 * Validates a metav1.LabelSelector: matchLabels as labels; matchExpressions with a valid key, an
 * operator In/NotIn/Exists/DoesNotExist, values required for In/NotIn and forbidden otherwise.
 */
export function checkLabelSelector(selector: unknown, path: string, r: Reporter): void {
  const sel = asRecord(selector);
  if (!sel) return;
  checkLabels(sel.matchLabels, joinPath(path, 'matchLabels'), r);
  asArray(sel.matchExpressions).forEach((e, i) => {
    const expr = asRecord(e);
    if (!expr) return;
    const ePath = joinPath(joinPath(path, 'matchExpressions'), i);
    const key = asString(expr.key);
    if (key !== undefined) {
      const bad = qualifiedName(key);
      if (bad) r.add(joinPath(ePath, 'key'), `key ${show(key)} is invalid: ${bad}`);
    }
    const op = asString(expr.operator);
    const values = asArray(expr.values);
    if (op !== undefined && !SELECTOR_OPERATORS.has(op)) {
      r.add(joinPath(ePath, 'operator'), `operator is ${show(op)}; must be one of In, NotIn, Exists, DoesNotExist`);
    } else if ((op === 'In' || op === 'NotIn') && values.length === 0) {
      r.add(joinPath(ePath, 'values'), `values is ${show(expr.values)}; must be non-empty when operator is ${op}`);
    } else if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) {
      r.add(joinPath(ePath, 'values'), `values is ${show(expr.values)}; must be empty when operator is ${op}`);
    }
    values.forEach((v, j) => {
      if (typeof v === 'string') {
        const bad = labelValue(v);
        if (bad) r.add(joinPath(joinPath(ePath, 'values'), j), `value ${show(v)} is invalid: ${bad}`);
      }
    });
  });
}

/** True when a metav1.LabelSelector has neither matchLabels entries nor matchExpressions. */
export function isEmptySelector(selector: JsonObject): boolean {
  return Object.keys(asRecord(selector.matchLabels) ?? {}).length === 0 && asArray(selector.matchExpressions).length === 0;
}

/** Whether a metav1.LabelSelector selects a set of labels (an empty selector selects everything). */
export function selectorMatches(selector: JsonObject, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(asRecord(selector.matchLabels) ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of asArray(selector.matchExpressions)) {
    const expr = asRecord(e);
    if (!expr) return false;
    const key = asString(expr.key) ?? '';
    const values = asArray(expr.values).map(String);
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (expr.operator) {
      case 'In':
        if (!has || !values.includes(labels[key] ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key] ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether a map selector (Service, ReplicationController) selects a set of labels. */
export function mapSelectorMatches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
