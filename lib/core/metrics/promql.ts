/**
 * PromQL templates of the adapter rules the metric catalogue generates, in the Prometheus
 * Adapter's template syntax (`<<.Series>>`, `<<.LabelMatchers>>`, `<<.GroupBy>>`).
 *
 * Every Pods template answers for an idle pod as well as a busy one. A pod whose query gives no
 * sample is missing for the HPA, and a metric missing for every pod is invalid: the controller
 * then never scales down. Rates of flat counters are 0 on their own; quotients of rates are
 * 0/0 when idle and need an explicit idle branch.
 *
 * @see https://github.com/kubernetes-sigs/prometheus-adapter/blob/master/docs/config.md
 * @see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile
 */

/** The series the adapter discovered with the rule's `seriesQuery`. */
export const SERIES = '<<.Series>>';

/**
 * Divisor floor of {@link ratioOfRates}: far below any real rate (one event in the longest
 * window, 3600 s, is 2.8e-4 per second), so busy ratios are exact and an idle 0/0 becomes 0.
 */
export const MIN_RATE_DIVISOR = 1e-9;

/** `series{<<.LabelMatchers>>}`, with one more matcher when given (e.g. `status=~"5.."`). */
export function select(series: string, extraMatcher?: string): string {
  return `${series}{<<.LabelMatchers>>${extraMatcher ? `,${extraMatcher}` : ''}}`;
}

/** Per-second rate of a counter summed per pod (or object): `sum(rate(s{...}[w])) by (<<.GroupBy>>)`. A flat counter gives 0. */
export function sumRate(series: string, window: string, extraMatcher?: string): string {
  return `sum(rate(${select(series, extraMatcher)}[${window}])) by (<<.GroupBy>>)`;
}

/** A gauge summed per pod (or object, or over everything for external rules). */
export function sumGauge(series: string): string {
  return `sum(${select(series)}) by (<<.GroupBy>>)`;
}

/** A gauge averaged per pod (over its GPUs, say), times `scale` when given. */
export function avgGauge(series: string, scale?: number): string {
  return `avg(${select(series)}) by (<<.GroupBy>>)${scale !== undefined ? ` * ${scale}` : ''}`;
}

/**
 * The quantile `q` of a histogram per pod from its bucket rates. Busy pods only: with no
 * observation in the window every bucket rate is 0, the quantile is NaN and `>= 0` drops the
 * pod. Use {@link orIdleZero} to serve idle pods too.
 */
export function histogramQuantile(q: number, bucketSeries: string, window: string): string {
  return `histogram_quantile(${q}, sum(rate(${select(bucketSeries)}[${window}])) by (le, <<.GroupBy>>)) >= 0`;
}

/**
 * Mean of a histogram per pod: rate of `_sum` over rate of `_count` (never the rate of `_sum`
 * alone, which grows with traffic). Busy pods only: idle it is 0/0 and `>= 0` drops the pod.
 * Use {@link orIdleZero} to serve idle pods too.
 */
export function histogramMean(sumSeries: string, countSeries: string, window: string): string {
  return `(${sumRate(sumSeries, window)} / ${sumRate(countSeries, window)}) >= 0`;
}

/**
 * `busy`, or 0 for each pod whose `countSeries` did not grow in the window.
 *
 * `sumRate(count) == 0` keeps exactly the idle pods, with their value 0; `or` adds them only
 * where `busy` has no sample, so busy values are untouched. A pod that exposes no `countSeries`
 * at all stays missing: an app that does not export the series is unknown, never idle.
 */
export function orIdleZero(busy: string, countSeries: string, window: string): string {
  return `(${busy}) or (${sumRate(countSeries, window)} == 0)`;
}

/**
 * Ratio of two counter rates per pod: `part / all`, where `part` selects a subset of `all`'s
 * series with `partMatcher`. A pod with no `part` series counts 0 (`or all * 0`), and an idle
 * pod's 0/0 is 0: the divisor never goes below {@link MIN_RATE_DIVISOR}.
 */
export function ratioOfRates(series: string, partMatcher: string, window: string): string {
  const all = sumRate(series, window);
  return `(${sumRate(series, window, partMatcher)} or ${all} * 0) / clamp_min(${all}, ${MIN_RATE_DIVISOR})`;
}

/**
 * `busy`, or 0 for each pod Prometheus scraped successfully (`up == 1`) that has no `busy`
 * sample: the idle branch for engines that create their series at the first request, so a pod
 * that has served nothing yet reads 0 instead of missing. A pod whose scrape fails (`up == 0`)
 * stays missing: unknown, never idle.
 */
export function orScrapedZero(busy: string): string {
  return `(${busy}) or (sum(up{<<.LabelMatchers>>} == 1) by (<<.GroupBy>>) * 0)`;
}

/**
 * Mean per event of a counter of accumulated time over a counter of events, per pod, times
 * `scale` (1e-6 for microseconds): `rate(total) / rate(count)`. Busy pods only (idle it is 0/0,
 * dropped by `>= 0`); use {@link orIdleZero} with `countSeries` to serve idle pods.
 */
export function counterMean(totalSeries: string, countSeries: string, window: string, scale = 1): string {
  const ratio = `${sumRate(totalSeries, window)} / ${sumRate(countSeries, window)}`;
  return scale === 1 ? `(${ratio}) >= 0` : `((${ratio}) * ${scale}) >= 0`;
}

/** A gauge summed per pod and divided by `divisor` (a share of a capacity such as max sequences). */
export function sumGaugeShare(series: string, divisor: number): string {
  return `${sumGauge(series)} / ${divisor}`;
}

/**
 * Per scraped pod, 1 when it has the series `stored` or has not served a request yet (none of
 * `createdWith`, which the engine creates at the same first request), 0 when it served and
 * still lacks `stored`: the name is not the engine's. `matchers` select the pods
 * (`namespace="ns",pod=~"..."`).
 */
export function firstRequestSeriesCheck(stored: string, createdWith: readonly string[], matchers: string): string {
  const witnesses = `count by (pod) (${anyOfSeries(createdWith, matchers)})`;
  return `(count by (pod) (${stored}{${matchers}}) > bool 0) or (count by (pod) (up{${matchers}} == 1) * 0 + 1 unless on(pod) ${witnesses}) or (${witnesses} * 0)`;
}

/** A selector of every series named in `names` that `matchers` (`namespace="ns",pod=~"..."`) select. */
export function anyOfSeries(names: readonly string[], matchers: string): string {
  return `{__name__=~${JSON.stringify(names.join('|'))},${matchers}}`;
}
