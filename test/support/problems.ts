/** Shared vocabulary of the manifest checks: the problem record and small value helpers. */

/** A problem found in a manifest set. */
export interface ManifestProblem {
  /** The object, as `Kind namespace/name` (or `Kind name` when it has no namespace), e.g. `Deployment inference/llm`. */
  readonly object: string;
  /** Dotted path of the offending field inside the object, e.g. `spec.template.spec.containers[0].resources`. */
  readonly path: string;
  /** What is wrong: the field, the value seen, and what is allowed. */
  readonly message: string;
}

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/** True for a non-null, non-array object. */
export function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value if it is an object, else `undefined`. */
export function asRecord(value: unknown): JsonObject | undefined {
  return isRecord(value) ? value : undefined;
}

/** The value if it is an array, else an empty array. */
export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The value if it is a string, else `undefined`. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The value if it is a finite number, else `undefined`. */
export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A string-to-string map (e.g. labels) from a value; non-string entries are skipped. */
export function asStringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** Renders a value for a message: JSON, shortened. */
export function show(value: unknown): string {
  let text: string;
  if (value === undefined) return '(unset)';
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Joins a dotted path and a key or index: `a.b`, `a[0]`, `a["x/y"]`. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

/** Collects problems for one object. */
export class Reporter {
  /**
   * @param object label used in every problem, e.g. `Deployment inference/llm`
   * @param out list the problems are appended to
   */
  constructor(
    readonly object: string,
    readonly out: ManifestProblem[],
  ) {}

  /** Records a problem at `path`. */
  add(path: string, message: string): void {
    this.out.push({ object: this.object, path, message });
  }
}
