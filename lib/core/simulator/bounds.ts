/**
 * What one replica can sustain, and two lower bounds on what any scaler spends on a trace: the
 * instant bound (exactly the replicas each moment needs, ready at once) and the lead-time bound
 * (a clairvoyant scaler that knows the trace but must start each replica a start-up time ahead).
 * Both count replica-seconds without clamping to any configuration's min or max replicas.
 * @module
 */
import { decodeStepSeconds, ServingProfile } from './profiles/types';

/** Bisection steps for the sustainable rate (2^-40 of the bracket: far below a request per day). */
const BISECTION_STEPS = 40;

/** The steady state of one replica at an arrival rate (continuous batching, fluid). */
export interface SteadyState {
  /** Requests decoding at once (Little's law over the decode phase). */
  readonly batch: number;
  /** Time between tokens, seconds. */
  readonly interTokenSeconds: number;
  /** Share of the GPU's time spent on prefill. */
  readonly prefillShare: number;
  /** Whether the replica keeps up at all. */
  readonly stable: boolean;
}

/**
 * The steady state of a replica receiving `rate` requests/s of `prompt` and `output` tokens:
 * prefill takes `rate × prompt / prefillRate` of the GPU; decode steps fill the rest, and the
 * batch `B` solves `B = rate × output × step(B) / (1 − prefillShare)` (Little's law: requests
 * decoding = arrival rate × decode time).
 */
export function steadyState(profile: ServingProfile, rate: number, prompt: number, output: number): SteadyState {
  const prefillShare = (rate * prompt) / profile.prefillTokensPerSecond;
  const free = 1 - prefillShare;
  if (!(free > 0)) return { batch: Infinity, interTokenSeconds: Infinity, prefillShare, stable: false };
  const context = prompt + output / 2;
  const perSequence = profile.decodePerSequenceSeconds + profile.decodePerContextTokenSeconds * context;
  const denominator = free - rate * output * perSequence;
  if (!(denominator > 0)) return { batch: Infinity, interTokenSeconds: Infinity, prefillShare, stable: false };
  const batch = (rate * output * profile.decodeBaseSeconds) / denominator;
  return { batch, interTokenSeconds: decodeStepSeconds(profile, batch, batch * context) / free, prefillShare, stable: true };
}

/**
 * Requests per second one replica sustains for requests of `prompt` and `output` tokens while
 * the inter-token latency stays within `interTokenLimitSeconds`, the batch within
 * `maxSequences` and the KV cache within its capacity.
 */
export function sustainableRate(profile: ServingProfile, prompt: number, output: number, interTokenLimitSeconds: number): number {
  const context = prompt + output / 2;
  const fits = (rate: number): boolean => {
    const s = steadyState(profile, rate, prompt, output);
    return s.stable && s.interTokenSeconds <= interTokenLimitSeconds && s.batch <= profile.maxSequences && s.batch * context <= profile.kvCacheTokens;
  };
  let low = 0;
  let high = profile.prefillTokensPerSecond / prompt;
  if (fits(high)) return high;
  for (let i = 0; i < BISECTION_STEPS; i++) {
    const mid = (low + high) / 2;
    if (fits(mid)) low = mid;
    else high = mid;
  }
  return low;
}

/** Replicas each second needs: `ceil(demand / capacity)` per second. */
export function replicasNeeded(demand: ArrayLike<number>, capacity: ArrayLike<number>): Int32Array {
  const need = new Int32Array(demand.length);
  for (let t = 0; t < demand.length; t++) {
    const c = capacity[t];
    need[t] = demand[t] > 0 ? (c > 0 ? Math.ceil(demand[t] / c - 1e-9) : 0) : 0;
  }
  return need;
}

/** Replica-seconds of the instant bound: each second exactly the replicas it needs, ready at once. */
export function instantBoundSeconds(need: ArrayLike<number>): number {
  let seconds = 0;
  for (let t = 0; t < need.length; t++) seconds += need[t];
  return seconds;
}

/**
 * Replica-seconds of a clairvoyant scaler that must start each replica `startupSeconds` before
 * it serves (and pays for those seconds). For each level `k`, the replica that serves whenever
 * `k` or more are needed runs from `startupSeconds` before each busy stretch to its end, and
 * stays up across a gap shorter than `startupSeconds` (keeping it costs the gap, restarting
 * costs the start-up). Replicas needed at second 0 are running already, as in every simulated
 * configuration. Each level is optimal alone, so the sum is the least possible.
 */
export function leadTimeBoundSeconds(need: ArrayLike<number>, startupSeconds: number): number {
  let maxLevel = 0;
  for (let t = 0; t < need.length; t++) if (need[t] > maxLevel) maxLevel = need[t];
  let seconds = 0;
  for (let k = 1; k <= maxLevel; k++) {
    let t = 0;
    let lastEnd = -Infinity;
    while (t < need.length) {
      if (need[t] < k) {
        t++;
        continue;
      }
      const start = t;
      while (t < need.length && need[t] >= k) t++;
      const gap = start - lastEnd;
      // Bridge the gap when that is cheaper than a new start; a later first stretch pays its start-up.
      const startCost = start === 0 ? 0 : gap < startupSeconds ? gap : startupSeconds;
      seconds += startCost + (t - start);
      lastEnd = t;
    }
  }
  return seconds;
}
