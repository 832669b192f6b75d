/**
 * Exact parsing and comparison of Kubernetes resource quantities
 * (`k8s.io/apimachinery/pkg/api/resource.Quantity`), e.g. `500m`, `1.5`, `16Gi`, `1e3`, `2k`.
 *
 * Values are kept as exact fractions of big integers, so `1Gi` vs `1073741824` or `0.1` vs `100m`
 * compare exactly, without floating-point rounding.
 */

/** An exact rational quantity value, `num / den` with `den > 0`. */
export interface Quantity {
  /** The text the value was parsed from (numbers are converted with `String()`). */
  readonly text: string;
  /** Numerator (carries the sign). */
  readonly num: bigint;
  /** Denominator, always positive. */
  readonly den: bigint;
}

/**
 * The grammar accepted by `resource.ParseQuantity`: an optional sign, digits with an optional
 * fraction, then an optional suffix: a binary SI suffix, a decimal SI suffix, or a decimal exponent.
 * (`1.` is accepted by the API server, so it is accepted here too.)
 */
const QUANTITY_RE = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|n|u|m|k|M|G|T|P|E)?$/;

const BINARY_SUFFIX: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIX: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** Exponents beyond this are refused (they are never meaningful and would make huge integers). */
const MAX_EXPONENT = 1000;

/** A short description of the quantity syntax, for messages. */
export const QUANTITY_SYNTAX =
  'a Kubernetes quantity: a decimal number with an optional suffix Ki/Mi/Gi/Ti/Pi/Ei, n/u/m/k/M/G/T/P/E or e<exponent> (e.g. "500m", "1.5", "16Gi", "1e3")';

/**
 * Parses a quantity given as a JSON number or a string. Returns `undefined` if the API server
 * would not accept it.
 */
export function parseQuantity(value: unknown): Quantity | undefined {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    text = String(value);
  } else if (typeof value === 'string') {
    text = value;
  } else {
    return undefined;
  }
  const m = QUANTITY_RE.exec(text);
  if (!m) return undefined;
  const sign = m[1] ?? '';
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  const suffix = m[4] ?? '';
  if (intPart.length === 0 && fracPart.length === 0) return undefined;

  let num = BigInt((intPart || '0') + fracPart);
  let den = 10n ** BigInt(fracPart.length);
  if (suffix in BINARY_SUFFIX) {
    num *= 2n ** BigInt(BINARY_SUFFIX[suffix] ?? 0);
  } else {
    let exp = 0;
    if (suffix in DECIMAL_SUFFIX) exp = DECIMAL_SUFFIX[suffix] ?? 0;
    else if (suffix.length > 0) exp = Number.parseInt(suffix.slice(1), 10);
    if (!Number.isFinite(exp) || Math.abs(exp) > MAX_EXPONENT) return undefined;
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den *= 10n ** BigInt(-exp);
  }
  if (sign === '-') num = -num;
  return { text, num, den };
}

/** Compares two quantities exactly: negative if `a < b`, 0 if equal, positive if `a > b`. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** The sign of a quantity: -1, 0 or 1. */
export function quantitySign(q: Quantity): number {
  return q.num < 0n ? -1 : q.num > 0n ? 1 : 0;
}

/** True when the quantity is a whole number (e.g. `2`, `1e3`, `2k`, but not `500m` or `1.5`). */
export function isWholeQuantity(q: Quantity): boolean {
  return q.num % q.den === 0n;
}
