/**
 * The queueing model of one replica: M/M/c with Erlang C.
 *
 * A replica runs up to `c` requests at once (continuous batching: `c` slots). A request alone
 * takes `S0` seconds (the base latency), so a replica completes at most `μ = c / S0` requests
 * per second. With arrivals `λ` per replica and utilization `ρ = λ / μ`:
 *
 * - the probability that a request waits for a slot is Erlang C, `Pw = C(c, λ·S0)`;
 * - the wait is exponential beyond that: `P(W > x) = Pw · exp(-(μ - λ) x)`;
 * - latency is `S0 + W`: the q-quantile is `S0 + max(0, ln(Pw / (1 - q)) / (μ - λ))`, the mean
 *   `S0 + Pw / (μ - λ)`.
 *
 * Service time is taken as constant (S0), so an idle replica answers every request in S0; the
 * spread comes from queueing. Erlang C is the steady state; the simulator adds a fluid backlog
 * for overload (ρ ≥ 1) and caps every wait at the request timeout.
 *
 * @see https://en.wikipedia.org/wiki/Erlang_(unit)#Erlang_C_formula
 * @module
 */

/**
 * Erlang C: the probability that an arrival waits in an M/M/c queue with `c` servers and
 * `offered` Erlangs of load (λ × service time). 1 when `offered >= c` (unstable).
 * Computed with the Erlang B recurrence, which is stable for large `c`.
 */
export function erlangC(c: number, offered: number): number {
  if (offered <= 0) return 0;
  if (offered >= c) return 1;
  let b = 1;
  for (let k = 1; k <= c; k++) b = (offered * b) / (k + offered * b);
  return (c * b) / (c - offered * (1 - b));
}

/** Latency quantile `q` of one replica (see the module comment); `Infinity` when `λ >= μ`. */
export function latencyQuantile(c: number, baseLatencySeconds: number, arrivalsPerSecond: number, q: number): number {
  const mu = c / baseLatencySeconds;
  if (arrivalsPerSecond >= mu) return Infinity;
  const pw = erlangC(c, arrivalsPerSecond * baseLatencySeconds);
  const wait = pw > 1 - q ? Math.log(pw / (1 - q)) / (mu - arrivalsPerSecond) : 0;
  return baseLatencySeconds + wait;
}

/** Mean latency of one replica; `Infinity` when `λ >= μ`. */
export function latencyMean(c: number, baseLatencySeconds: number, arrivalsPerSecond: number): number {
  const mu = c / baseLatencySeconds;
  if (arrivalsPerSecond >= mu) return Infinity;
  return baseLatencySeconds + erlangC(c, arrivalsPerSecond * baseLatencySeconds) / (mu - arrivalsPerSecond);
}

/**
 * The fewest slots `c` for which a replica receiving `capacityRps` requests per second keeps
 * its latency quantile `q` at or below `latencyTargetSeconds`, given the base latency.
 * This ties the three numbers a service states (capacity at target, target, idle latency) to
 * one M/M/c replica.
 *
 * @throws Error when the target is not above the base latency, or no c up to 100,000 fits.
 */
export function slotsForTarget(capacityRps: number, baseLatencySeconds: number, latencyTargetSeconds: number, q: number): number {
  if (!(latencyTargetSeconds > baseLatencySeconds)) {
    throw new Error(`the latency target (${latencyTargetSeconds} s) must be above the base latency (${baseLatencySeconds} s): a request alone already takes the base latency`);
  }
  let c = Math.max(1, Math.floor(capacityRps * baseLatencySeconds) + 1);
  for (; c <= 100_000; c++) {
    if (latencyQuantile(c, baseLatencySeconds, capacityRps, q) <= latencyTargetSeconds) return c;
  }
  throw new Error(`no replica size serves ${capacityRps} requests/s within ${latencyTargetSeconds} s`);
}
