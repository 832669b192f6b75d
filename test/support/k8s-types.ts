/**
 * Field declarations of the Kubernetes API types, taken from the generated models of
 * `@kubernetes/client-node` (each model class has a static `attributeTypeMap`).
 *
 * `@kubernetes/client-node` 1.x is an ES module, and the tests run as CommonJS, so the package
 * cannot be `require`d here. Instead a child `node` process imports the models once, prints
 * `{ ClassName: [[jsonFieldName, type], ...] }` as JSON, and the result is cached in a file under
 * `os.tmpdir()` keyed by the package version. Later calls (and other test workers) read the file.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

import { joinPath } from './problems';

/** One declared field of a model: its JSON name and its type as written by the generator. */
export type FieldDecl = readonly [jsonName: string, type: string];

/** All model classes of the installed `@kubernetes/client-node`, by class name. */
export interface TypeIndex {
  /** Version of `@kubernetes/client-node` the index was built from. */
  readonly version: string;
  /** Declared fields of each model class, e.g. `models.V2MetricTarget`. */
  readonly models: Readonly<Record<string, readonly FieldDecl[]>>;
}

/** Bump when the cached file layout changes. */
const CACHE_FORMAT = 1;

/** Run in a child `node` process as an ES module: argv[1] = models entry file URL. */
const EXTRACT_SCRIPT = `
const m = await import(process.argv[1]);
const models = {};
for (const [name, value] of Object.entries(m)) {
  if (typeof value === 'function' && Array.isArray(value.attributeTypeMap)) {
    models[name] = value.attributeTypeMap.map((a) => [a.baseName, a.type]);
  }
}
process.stdout.write(JSON.stringify(models));
`;

let memo: TypeIndex | undefined;

/** Where the package is installed, and its version. */
function locatePackage(): { dir: string; version: string } {
  const pkgJson = require.resolve('@kubernetes/client-node/package.json');
  const parsed: unknown = JSON.parse(fs.readFileSync(pkgJson, 'utf8'));
  const version =
    typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof parsed.version === 'string'
      ? parsed.version
      : 'unknown';
  return { dir: path.dirname(pkgJson), version };
}

function isFieldDecls(value: unknown): value is FieldDecl[] {
  return (
    Array.isArray(value) &&
    value.every(
      (d: unknown) => Array.isArray(d) && d.length === 2 && typeof d[0] === 'string' && typeof d[1] === 'string',
    )
  );
}

function isModels(value: unknown): value is Record<string, FieldDecl[]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const rec = value as Record<string, unknown>;
  // A spot check keeps reading fast; the full shape is produced by EXTRACT_SCRIPT.
  return isFieldDecls(rec.V1Deployment) && isFieldDecls(rec.V1ObjectMeta) && isFieldDecls(rec.V2MetricTarget);
}

function readCache(file: string, version: string): TypeIndex | undefined {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const rec = parsed as Record<string, unknown>;
    if (rec.format !== CACHE_FORMAT || rec.version !== version || !isModels(rec.models)) return undefined;
    return { version, models: rec.models };
  } catch {
    return undefined;
  }
}

function extract(dir: string): Record<string, FieldDecl[]> {
  const modelsDir = path.join(dir, 'dist', 'gen', 'models');
  const entry = ['all.js', 'ObjectSerializer.js']
    .map((f) => path.join(modelsDir, f))
    .find((f) => fs.existsSync(f));
  if (entry === undefined) {
    throw new Error(`@kubernetes/client-node: no generated models found under ${modelsDir}`);
  }
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // e.g. loaders injected by a test runner must not leak into the child
  const out = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', EXTRACT_SCRIPT, pathToFileURL(entry).href],
    { encoding: 'utf8', env, maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const parsed: unknown = JSON.parse(out);
  if (!isModels(parsed)) {
    throw new Error(`@kubernetes/client-node: unexpected model export shape from ${entry}`);
  }
  return parsed;
}

/** The cache file used for a given package version. */
export function typeIndexCacheFile(version: string): string {
  const safe = version.replace(/[^A-Za-z0-9._-]/g, '_');
  return path.join(os.tmpdir(), `inferscale-k8s-client-node-${safe}-fields-v${CACHE_FORMAT}.json`);
}

/**
 * Returns the field declarations of every `@kubernetes/client-node` model class. Loaded once per
 * process; across processes through the cache file.
 */
export function loadTypeIndex(): TypeIndex {
  if (memo) return memo;
  const { dir, version } = locatePackage();
  const file = typeIndexCacheFile(version);
  const cached = readCache(file, version);
  if (cached) {
    memo = cached;
    return memo;
  }
  const models = extract(dir);
  memo = { version, models };
  try {
    // Write then rename, so that concurrent workers never read a half-written file.
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ format: CACHE_FORMAT, version, models }));
    fs.renameSync(tmp, file);
  } catch {
    // A read-only tmpdir only costs speed.
  }
  return memo;
}

const ARRAY_RE = /^Array<(.+)>$/;
const MAP_RE = /^\{ \[key: string\]: (.+); \}$/;

/** The PascalCase prefix the generator puts before a version for group-qualified names. */
function groupPrefix(group: string): string {
  const first = group === '' ? 'core' : (group.split('.')[0] ?? group);
  return first.charAt(0).toUpperCase() + first.slice(1);
}

/**
 * The root model class for an apiVersion + kind, e.g. `apps/v1` `Deployment` → `V1Deployment`,
 * `autoscaling/v2` `HorizontalPodAutoscaler` → `V2HorizontalPodAutoscaler`, `v1` `Event` →
 * `CoreV1Event`. The caller must already know that the kind belongs to the group (the class
 * names do not say which group they come from, except for the few kinds whose names clash).
 */
export function rootClassFor(index: TypeIndex, apiVersion: string, kind: string): string | undefined {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const v = version.charAt(0).toUpperCase() + version.slice(1);
  for (const candidate of [`${groupPrefix(group)}${v}${kind}`, `${v}${kind}`]) {
    const fields = index.models[candidate];
    if (fields && ['apiVersion', 'kind', 'metadata'].every((f) => fields.some(([n]) => n === f))) {
      return candidate;
    }
  }
  return undefined;
}

/** A field present in a manifest but not declared by the model at that position. */
export interface UnknownField {
  /** Dotted path of the unknown field, e.g. `spec.metrics[0].pods.target.averageValues`. */
  readonly path: string;
  /** The model class that lacks the field, e.g. `V2MetricTarget`. */
  readonly model: string;
  /** The fields the model does declare. */
  readonly known: readonly string[];
}

/**
 * Walks `value` as an instance of type `type` (a model class name or a generator type expression
 * such as `Array<V1Container>` or `{ [key: string]: string; }`) and lists every object key the
 * models do not declare. Values of primitive or opaque types (`string`, `IntOrString`, `Date`,
 * `any`, `object`, ...) are not looked into; wrong value types are left to schema validation.
 */
export function findUnknownFields(index: TypeIndex, value: unknown, type: string, at: string): UnknownField[] {
  const out: UnknownField[] = [];
  const walk = (v: unknown, t: string, p: string): void => {
    if (v === null || v === undefined) return;
    const arr = ARRAY_RE.exec(t);
    if (arr) {
      if (Array.isArray(v)) v.forEach((item: unknown, i) => walk(item, arr[1] ?? 'any', joinPath(p, i)));
      return;
    }
    const map = MAP_RE.exec(t);
    if (map) {
      if (typeof v === 'object' && !Array.isArray(v)) {
        for (const [k, item] of Object.entries(v)) walk(item, map[1] ?? 'any', joinPath(p, k));
      }
      return;
    }
    const fields = index.models[t];
    if (!fields || typeof v !== 'object' || Array.isArray(v)) return;
    const byName = new Map(fields);
    for (const [k, item] of Object.entries(v)) {
      const ft = byName.get(k);
      if (ft === undefined) {
        out.push({ path: joinPath(p, k), model: t, known: fields.map(([n]) => n) });
      } else {
        walk(item, ft, joinPath(p, k));
      }
    }
  };
  walk(value, type, at);
  return out;
}
