/**
 * The metric-naming rule: the name an HPA asks the metrics API for, derived from the series a
 * catalogue entry reads and the options that change its value. Names are public API: a renamed
 * metric is a new metric to the HPA (and to KEDA, an external metric of another name).
 *
 * - Series names become metric names with `:` (recording-rule style, as in `vllm:...`) turned
 *   into `_`; counters drop `_total`.
 * - Derived values append what they are: `_per_second` (a rate), `_p95` / `_p99_9` / `_mean`
 *   (a latency), `_error_ratio` (with an 8-hex-digit hash of a non-default matcher),
 *   `_share_of_<N>` (a gauge divided by a capacity).
 * - A rate window other than {@link DEFAULT_RATE_WINDOW_SECONDS} appends `_<duration>` (`_5m`).
 *
 * Series names are unique per engine, and each suffix names one derivation, so two entries (or
 * two engines) never share a name unless they compute the same value from the same series.
 * @module
 */
import { promDuration } from '../duration';

/** Rate window used when a metric does not set one: four 15 s scrapes. */
export const DEFAULT_RATE_WINDOW_SECONDS = 60;

/** A series name as a metric name: `vllm:num_requests_waiting` → `vllm_num_requests_waiting`. */
export function metricNameOf(series: string): string {
  return series.replace(/:/g, '_');
}

/** A counter's name without `_total`, as a metric name. */
export function counterBaseName(counter: string): string {
  return metricNameOf(counter.endsWith('_total') ? counter.slice(0, -'_total'.length) : counter);
}

/** `_<duration>` for a non-default rate window, else nothing. */
export function windowSuffix(seconds: number): string {
  return seconds === DEFAULT_RATE_WINDOW_SECONDS ? '' : `_${promDuration(seconds)}`;
}

/** A quantile as a name part: 0.95 → `95`, 0.995 → `99_5`, 0.5 → `50` (at most three decimals). */
export function quantileLabel(q: number): string {
  const pct = Math.round(q * 1000) / 10;
  return String(pct).replace('.', '_');
}

/** Per-second rate of a counter: `<counter>_per_second[_window]`. */
export function rateMetricName(counter: string, windowSeconds: number): string {
  return `${counterBaseName(counter)}_per_second${windowSuffix(windowSeconds)}`;
}

/** A latency from a histogram (or a counter of time): `<base>_p95[_window]` or `<base>_mean[_window]`. */
export function latencyMetricName(base: string, quantile: number | 'mean', windowSeconds: number): string {
  return `${metricNameOf(base)}_${quantile === 'mean' ? 'mean' : `p${quantileLabel(quantile)}`}${windowSuffix(windowSeconds)}`;
}

/** Ratio of failed requests: `<counter>_error_ratio[_<matcher hash>][_window]`. */
export function errorRatioMetricName(counter: string, matcher: string | undefined, windowSeconds: number): string {
  return `${counterBaseName(counter)}_error_ratio${matcher === undefined ? '' : `_${fnv1a(matcher)}`}${windowSuffix(windowSeconds)}`;
}

/** A gauge as a share of a capacity: `<series>_share_of_<capacity>`. */
export function shareMetricName(series: string, capacity: number): string {
  return `${metricNameOf(series)}_share_of_${capacity}`;
}

/** 32-bit FNV-1a of a string as 8 hex digits: short, stable names for option variants. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
