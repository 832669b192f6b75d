import { Problem, show } from './problems';

const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/**
 * Parses a Kubernetes quantity (`500m`, `1.5`, `16Gi`, `1e3`) to a number in base units.
 * Returns `undefined` when the string is not a valid quantity.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */
export function parseQuantity(value: string): number | undefined {
  const match = QUANTITY.exec(value);
  if (!match) return undefined;
  const num = Number(match[1]);
  const suffix = match[2] ?? '';
  if (suffix in BINARY) return num * BINARY[suffix];
  if (suffix in DECIMAL) return num * DECIMAL[suffix];
  return num * 10 ** Number(suffix.slice(1));
}

/** Checks that `value` is a non-negative Kubernetes quantity; returns its value too. */
export function checkQuantity(path: string, value: unknown): {
  /** What is wrong with `value` (at `path`); empty when it is a valid quantity. */
  problems: Problem[];
  /** The quantity in base units (cores, bytes, …), when it is valid. */
  value?: number;
} {
  const parsed = typeof value === 'string' ? parseQuantity(value) : undefined;
  if (parsed === undefined || parsed < 0) {
    return { problems: [{ path, message: `is ${show(value)}; expected a non-negative Kubernetes quantity such as "500m", "2", "16Gi"` }] };
  }
  return { problems: [], value: parsed };
}

/**
 * Formats a positive number as a Kubernetes quantity with at most milli precision:
 * `5` → `"5"`, `0.5` → `"500m"`, `2.25` → `"2250m"`.
 * Returns `undefined` when the number is not positive, not finite, or needs more than milli precision.
 */
export function toQuantity(value: number): string | undefined {
  if (!Number.isFinite(value) || value <= 0) return undefined;
  if (Number.isInteger(value)) return String(value);
  const milli = Math.round(value * 1000);
  if (milli <= 0 || Math.abs(milli - value * 1000) > 1e-6) return undefined;
  return `${milli}m`;
}

/** Checks a positive metric target and formats it as a quantity. */
export function checkTarget(path: string, value: unknown, unit: string): {
  /** What is wrong with `value` (at `path`); empty when it is a valid target. */
  problems: Problem[];
  /** The target formatted as a Kubernetes quantity (e.g. `"2250m"`), when it is valid. */
  quantity?: string;
} {
  const quantity = typeof value === 'number' ? toQuantity(value) : undefined;
  if (quantity === undefined) {
    return { problems: [{ path, message: `is ${show(value)}; expected a positive number of ${unit} with at most three decimals (milli precision)` }] };
  }
  return { problems: [], quantity };
}
