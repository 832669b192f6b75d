/**
 * Prometheus as the HPA's adapter reads it: scrapes at a fixed interval and phase, the samples
 * of a range, `rate()` with Prometheus' extrapolation, and `histogram_quantile()` over bucket
 * increases.
 * @module
 */

/** Scrape times: every `intervalSeconds`, the first at `offsetSeconds`. */
export class ScrapeClock {
  /** Scrapes within the trace. */
  public readonly count: number;

  public constructor(
    /** Prometheus scrape interval, seconds. */
    public readonly intervalSeconds: number,
    /** Second of the first scrape. */
    public readonly offsetSeconds: number,
    durationSeconds: number,
  ) {
    this.count = offsetSeconds < durationSeconds ? Math.floor((durationSeconds - 1 - offsetSeconds) / intervalSeconds) + 1 : 0;
  }

  /** Second of scrape `k`. */
  public time(k: number): number {
    return this.offsetSeconds + k * this.intervalSeconds;
  }

  /** Index of the last scrape at or before second `tau`, capped at `taken - 1`; -1 before the first. */
  public lastAt(tau: number, taken: number): number {
    return tau < this.offsetSeconds ? -1 : Math.min(taken - 1, Math.floor((tau - this.offsetSeconds) / this.intervalSeconds));
  }

  /** Index of the first scrape at or after second `t`. */
  public firstFrom(t: number): number {
    return t <= this.offsetSeconds ? 0 : Math.ceil((t - this.offsetSeconds) / this.intervalSeconds);
  }

  /**
   * The samples of a range `(tau - window, tau]` ending at scrape `last`, from scrape `first`
   * on: writes the first and last index and the sample count to `out`; false with fewer than two.
   */
  public window(tau: number, windowSeconds: number, last: number, first: number, out: ScrapeWindow): boolean {
    const lo = tau - windowSeconds;
    // First scrape strictly after lo.
    let k1 = lo < this.offsetSeconds ? 0 : Math.floor((lo - this.offsetSeconds) / this.intervalSeconds) + 1;
    if (k1 < first) k1 = first;
    if (last - k1 < 1) return false;
    out.first = k1;
    out.last = last;
    out.samples = last - k1 + 1;
    return true;
  }

  /** `rate(series[window])` at `tau` over scrapes of one cumulative series (indexed by scrape). */
  public rate(series: ArrayLike<number>, base: number, tau: number, windowSeconds: number, w: ScrapeWindow): number {
    return promRate(series[w.first] - base, series[w.last] - base, this.time(w.first), this.time(w.last), w.samples, tau - windowSeconds, tau, windowSeconds);
  }
}

/** The samples of one range: first and last scrape index and how many there are. */
export interface ScrapeWindow {
  /** First scrape index inside the range. */
  first: number;
  /** Last scrape index inside the range. */
  last: number;
  /** Samples in the range. */
  samples: number;
}

/** A reusable {@link ScrapeWindow}. */
export function scrapeWindow(): ScrapeWindow {
  return { first: 0, last: 0, samples: 0 };
}

/** Prometheus extrapolates a rate to the range edges when the samples come within 1.1 average intervals of them. */
const EXTRAPOLATION_THRESHOLD = 1.1;

/**
 * Prometheus `rate()` of a counter from the first and last sample in the range
 * (`extrapolatedRate`): extrapolates to the range edges when the samples come close to them,
 * by half an interval otherwise, and never below the counter's zero.
 * @see https://github.com/prometheus/prometheus/blob/main/promql/functions.go
 */
export function promRate(first: number, last: number, t1: number, t2: number, samples: number, rangeStart: number, rangeEnd: number, window: number): number {
  const delta = last - first;
  const sampled = t2 - t1;
  if (sampled <= 0 || samples < 2) return 0;
  const avg = sampled / (samples - 1);
  const threshold = avg * EXTRAPOLATION_THRESHOLD;
  let toStart = t1 - rangeStart;
  let toEnd = rangeEnd - t2;
  if (toStart >= threshold) toStart = avg / 2;
  if (delta > 0 && first >= 0) {
    const toZero = sampled * (first / delta);
    if (toZero < toStart) toStart = toZero;
  }
  if (toEnd >= threshold) toEnd = avg / 2;
  return (delta * ((sampled + toStart + toEnd) / sampled)) / window;
}

/**
 * `histogram_quantile(q, ...)` over the increase of cumulative bucket counts between two
 * scrapes: linear interpolation inside the bucket that holds the rank, the lower edge of the
 * first bucket being 0; the highest finite bound when the rank falls in `+Inf`. `NaN` when
 * nothing was observed.
 *
 * @param buckets upper bounds, without `+Inf`.
 * @param at cumulative counts, `bounds + 1` per scrape (the last is `+Inf`), row `k` for scrape `k`.
 * @see https://github.com/prometheus/prometheus/blob/main/promql/quantile.go
 */
export function histogramQuantile(q: number, buckets: readonly number[], at: ArrayLike<number>, first: number, last: number): number {
  const nb = buckets.length + 1;
  return histogramQuantileBetween(q, buckets, at, first * nb, last * nb);
}

/** {@link histogramQuantile} between two rows of cumulative counts that start at `from` and `to` in `rows`. */
export function histogramQuantileBetween(q: number, buckets: readonly number[], rows: ArrayLike<number>, from: number, to: number): number {
  const nb = buckets.length + 1;
  const count = rows[to + nb - 1] - rows[from + nb - 1];
  if (!(count > 1e-9)) return NaN;
  const rank = q * count;
  let prev = 0;
  for (let b = 0; b < nb; b++) {
    const cum = rows[to + b] - rows[from + b];
    if (cum >= rank) {
      if (b === nb - 1) break;
      const lower = b === 0 ? 0 : buckets[b - 1];
      return cum - prev > 0 ? lower + ((buckets[b] - lower) * (rank - prev)) / (cum - prev) : buckets[b];
    }
    prev = cum;
  }
  return buckets[buckets.length - 1];
}
