/**
 * Numeric helpers that reproduce the Go controller's integer and float64
 * conversions.
 * @module
 */

/** `math.MaxInt32`. */
export const MAX_INT32 = 2147483647;
/** `math.MinInt32`. */
export const MIN_INT32 = -2147483648;

/**
 * Go `int64` division `a / b` (truncates toward zero).
 *
 * Exact while `a` and `b` are safe integers (|x| < 2^53), which covers CPU
 * millicores and custom metrics. Larger sums (e.g. memory in milli-bytes
 * across many pods, times 100) are computed in float64 and may differ from
 * Go's int64 result by one in the last unit.
 */
export function intDiv(a: number, b: number): number {
  return Math.trunc(a / b);
}

/**
 * Go `int32(x)` for a float64 that is already integral (the result of
 * `math.Ceil`) or needs truncation toward zero. Out-of-range values saturate
 * (Go's behaviour there is platform-defined; the controller caps Object and
 * External proposals at `math.MaxInt32`).
 */
export function toInt32(x: number): number {
  if (Number.isNaN(x)) return 0;
  if (x >= MAX_INT32) return MAX_INT32;
  if (x <= MIN_INT32) return MIN_INT32;
  return Math.trunc(x);
}
