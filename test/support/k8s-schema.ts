/**
 * JSON-schema validation of built-in Kubernetes kinds with `kubernetes-models` (generated from the
 * Kubernetes OpenAPI document; each model class has a `validate()` method backed by ajv).
 */
import { joinPath, show, type JsonObject } from './problems';

/** A `kubernetes-models` model class. */
export interface ModelClass {
  new (data: JsonObject): { validate(): void };
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
}

/** One ajv error as carried by `kubernetes-models` validation errors. */
interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
}

/** A schema violation, with a dotted path. */
export interface SchemaViolation {
  /** Dotted path of the field, e.g. `spec.replicas`. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
}

const API_VERSION_RE = /^(?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?$/;
const KIND_RE = /^[A-Z][A-Za-z0-9]*$/;

const classCache = new Map<string, ModelClass | null>();

function isModelClass(value: unknown): value is ModelClass {
  return typeof value === 'function' && typeof (value as { prototype?: { validate?: unknown } }).prototype?.validate === 'function';
}

/**
 * The `kubernetes-models` class for an apiVersion and kind (e.g. `kubernetes-models/apps/v1/Deployment`),
 * or `undefined` when the package has no such top-level kind.
 */
export function schemaModelFor(apiVersion: string, kind: string): ModelClass | undefined {
  const key = `${apiVersion} ${kind}`;
  const hit = classCache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  let found: ModelClass | null = null;
  if (API_VERSION_RE.test(apiVersion) && KIND_RE.test(kind)) {
    try {
      const mod: unknown = require(`kubernetes-models/${apiVersion}/${kind}`);
      const cls: unknown = typeof mod === 'object' && mod !== null ? (mod as Record<string, unknown>)[kind] : undefined;
      // Only top-level kinds carry their apiVersion/kind (e.g. DeploymentSpec does not).
      if (isModelClass(cls) && cls.apiVersion === apiVersion && cls.kind === kind) found = cls;
    } catch {
      found = null;
    }
  }
  classCache.set(key, found);
  return found ?? undefined;
}

function isAjvError(value: unknown): value is AjvError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { instancePath?: unknown }).instancePath === 'string' &&
    typeof (value as { keyword?: unknown }).keyword === 'string'
  );
}

/** `/spec/template/spec/containers/0/ports` → `spec.template.spec.containers[0].ports`. */
function pointerToPath(pointer: string, root: unknown): string {
  let out = '';
  let cur: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(seg)) {
      out = joinPath(out, Number(seg));
      cur = cur[Number(seg)];
    } else {
      out = joinPath(out, seg);
      cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

function valueAt(pointer: string, root: unknown): unknown {
  let cur: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[seg] : undefined;
  }
  return cur;
}

function describe(err: AjvError): string {
  const p = err.params;
  switch (err.keyword) {
    case 'type':
      return `must be of type ${String(p.type)}`;
    case 'format':
      return `must match format "${String(p.format)}"`;
    case 'enum':
      return `must be one of ${Array.isArray(p.allowedValues) ? p.allowedValues.map((v) => show(v)).join(', ') : '(enum)'}`;
    default:
      return err.message ?? err.keyword;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array ${show(value)}`;
  if (typeof value === 'object') return `an object ${show(value)}`;
  return `${typeof value} ${show(value)}`;
}

/**
 * Validates an object with its `kubernetes-models` class. Errors are grouped per field: the
 * alternatives of a `oneOf` (e.g. int-or-string, quantity) are reported as one message.
 */
export function validateWithSchema(cls: ModelClass, obj: JsonObject): SchemaViolation[] {
  try {
    new cls(obj).validate();
    return [];
  } catch (e: unknown) {
    const raw = typeof e === 'object' && e !== null ? (e as { errors?: unknown }).errors : undefined;
    if (!Array.isArray(raw)) {
      return [{ path: '', message: `schema validation failed: ${e instanceof Error ? e.message : String(e)}` }];
    }
    const errors = raw.filter(isAjvError);
    const byPointer = new Map<string, AjvError[]>();
    const out: SchemaViolation[] = [];
    for (const err of errors) {
      if (err.keyword === 'required') {
        const missing = String(err.params.missingProperty);
        out.push({
          path: joinPath(pointerToPath(err.instancePath, obj), missing),
          message: `required field ${missing} is missing`,
        });
        continue;
      }
      const list = byPointer.get(err.instancePath) ?? [];
      list.push(err);
      byPointer.set(err.instancePath, list);
    }
    for (const [pointer, list] of byPointer) {
      const value = valueAt(pointer, obj);
      const path = pointerToPath(pointer, obj);
      const field = path === '' ? 'object' : path.slice(path.lastIndexOf('.') + 1);
      const alternatives = list.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf');
      const reasons = [...new Set(alternatives.map(describe))];
      const joiner = list.some((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf') ? ' or ' : '; ';
      out.push({ path, message: `${field} is ${describeValue(value)}; ${reasons.join(joiner) || 'does not match the schema'}` });
    }
    return out;
  }
}
