import { isDnsSubdomain } from './names';
import { Problem, show } from './problems';

/**
 * Largest value of a Kubernetes `int32` field (replica counts, probe settings, ports, PDB
 * counts). The API server rejects anything above it.
 * @see https://kubernetes.io/docs/reference/using-api/api-concepts/ (fields typed integer, format int32)
 */
export const INT32_MAX = 2147483647;

/** Bounds of a whole-number field for {@link checkInteger}. */
export interface IntegerRange {
  /** Smallest value allowed. */
  readonly min: number;
  /**
   * Largest value allowed. Left out, the field is a Kubernetes int32 and {@link INT32_MAX} is the
   * limit, which the message names only when a value exceeds it.
   * @default INT32_MAX
   */
  readonly max?: number;
  /** Unit in the message: `seconds` gives "whole seconds". @default - "a whole number" */
  readonly unit?: string;
  /** Appended to the message, e.g. `(0 only with scaleToZero)`. @default - nothing */
  readonly note?: string;
}

/**
 * Checks a whole number in `[min, max]`. Messages read `is 0; expected a whole number, 1 or
 * more`, `is 4000; expected whole seconds from 1 to 3600 (...)`, or for an int32 overflow
 * `is 2147483648; expected a whole number from 1 to 2147483647 (the API server stores it as a 32-bit integer)`.
 */
export function checkInteger(path: string, value: unknown, range: IntegerRange): Problem[] {
  const noun = range.unit ? `whole ${range.unit}` : 'a whole number';
  const note = range.note ? ` ${range.note}` : '';
  const max = range.max ?? INT32_MAX;
  const ok = typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= max;
  if (ok) return [];
  if (range.max !== undefined) return [{ path, message: `is ${show(value)}; expected ${noun} from ${range.min} to ${range.max}${note}` }];
  if (typeof value === 'number' && Number.isInteger(value) && value > max) {
    return [{ path, message: `is ${show(value)}; expected ${noun} from ${range.min} to ${INT32_MAX} (the API server stores it as a 32-bit integer)${note}` }];
  }
  return [{ path, message: `is ${show(value)}; expected ${noun}, ${range.min} or more${note}` }];
}

/** True when {@link checkInteger} finds nothing wrong. */
export function isInteger(value: unknown, range: IntegerRange): value is number {
  return checkInteger('', value, range).length === 0;
}

/** Checks a TCP port number: a whole number from 1 to 65535. */
export function checkPort(path: string, value: unknown): Problem[] {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    return [{ path, message: `is ${show(value)}; expected a port number from 1 to 65535` }];
  }
  return [];
}

/** Checks an HTTP path for a probe or a scrape: starts with `/`, no whitespace. */
export function checkHttpPath(path: string, value: unknown): Problem[] {
  if (typeof value !== 'string' || !value.startsWith('/') || /\s/.test(value)) {
    return [{ path, message: `is ${show(value)}; expected an HTTP path starting with "/"` }];
  }
  return [];
}

// The reference grammar of distribution/reference (what the kubelet and container runtimes
// parse): [host[:port]/]path-component[/path-component...][:tag][@digest].
// @see https://github.com/distribution/reference/blob/main/reference.go
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = 'sha256:[a-f0-9]{64}';
const REFERENCE = new RegExp(`^(?:(${DOMAIN})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
/** The longest repository name (host and path) the reference grammar allows. */
const NAME_MAX_LENGTH = 255;

/**
 * True when `value` follows the image reference grammar: an optional registry host (with a
 * port), a repository of lower-case path components, an optional tag `[\w][\w.-]{0,127}` and an
 * optional `sha256` digest. The first component is a registry host only when it has a `.` or a
 * `:` or is `localhost`, as Docker decides.
 * @see https://github.com/distribution/reference/blob/main/reference.go
 */
export function isImageReference(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = REFERENCE.exec(value);
  if (!match) return false;
  const [, domain, repository] = match;
  // `Acme/model` parses with `Acme` as a host; Docker takes it as an upper-case repository.
  if (domain !== undefined && !/[.:]/.test(domain) && domain !== 'localhost' && !domain.startsWith('[')) {
    return domain === domain.toLowerCase() && (`${domain}/${repository}`).length <= NAME_MAX_LENGTH;
  }
  return (domain ? `${domain}/${repository}` : repository).length <= NAME_MAX_LENGTH;
}

/**
 * Checks a container image reference (see {@link isImageReference}); `example` is a valid
 * reference shown in the message.
 */
export function checkImage(path: string, value: unknown, example: string): Problem[] {
  if (isImageReference(value)) return [];
  return [{
    path,
    message: `is ${show(value)}; expected an image reference such as ${show(example)}: [registry[:port]/]repository[:tag][@sha256:digest], the repository in lower case`,
  }];
}

/** Checks a DNS-1123 subdomain (PriorityClass, StorageClass, cert-manager issuer names); `what` names the object, e.g. `a PriorityClass name`. */
export function checkDnsSubdomain(path: string, value: unknown, what: string): Problem[] {
  if (typeof value !== 'string' || !isDnsSubdomain(value)) {
    return [{ path, message: `is ${show(value)}; expected ${what} (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.')` }];
  }
  return [];
}

/**
 * One problem per item whose key an earlier item already has: `<path(i)> is "x", already used by
 * <path(first)>; give each <what> its own name`. Items whose key is `undefined` are skipped.
 */
export function checkUnique<T>(items: readonly T[], key: (item: T) => string | undefined, path: (index: number) => string, what: string): Problem[] {
  const first = new Map<string, number>();
  const problems: Problem[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    if (k === undefined) return;
    const seen = first.get(k);
    if (seen === undefined) {
      first.set(k, i);
      return;
    }
    problems.push({ path: path(i), message: `is ${show(k)}, already used by ${path(seen)}; give each ${what} its own name` });
  });
  return problems;
}

/**
 * A copy of `record` with its keys in code-point order, so output built from it is
 * deterministic. A key such as `__proto__` stays an ordinary key of the copy.
 */
export function sortKeys<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  // fromEntries defines own properties, so even `__proto__` stays an ordinary key.
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]]));
}
