/**
 * The load a trace puts on the service: each second's requests with their mean prompt and
 * output lengths, the sustained demand, and what one replica sustains for that mix.
 * @module
 */
import { sustainableRate } from './bounds';
import type { ResolvedSimulationOptions } from './options';
import type { ServingProfile } from './profiles/types';
import type { Trace } from './trace';

/** Mean prompt and output tokens of one second's requests. */
export interface RequestMix {
  /** Prompt tokens per request. */
  readonly prompt: number;
  /** Output tokens per request (at least 1). */
  readonly output: number;
}

/**
 * Each second's request mix: from the trace's token columns where it has them (a second's sums
 * over its requests), else the options' lengths.
 */
export function requestMix(trace: Trace, o: Pick<ResolvedSimulationOptions, 'promptTokens' | 'outputTokens'>): RequestMix[] {
  const fallback: RequestMix = { prompt: o.promptTokens, output: o.outputTokens };
  const mix: RequestMix[] = new Array(trace.requests.length);
  for (let t = 0; t < trace.requests.length; t++) {
    const n = trace.requests[t];
    const context = trace.contextTokens?.[t];
    const generated = trace.generatedTokens?.[t];
    if (n > 0 && (context !== undefined || generated !== undefined)) {
      mix[t] = {
        prompt: context !== undefined ? Math.max(1, context / n) : fallback.prompt,
        output: generated !== undefined ? Math.max(1, generated / n) : fallback.output,
      };
    } else mix[t] = fallback;
  }
  return mix;
}

/** Width of the length buckets the capacity is computed for (5 %), so a day of seconds costs a few hundred solves. */
const MIX_BUCKET_GROWTH = Math.log(1.05);

/** Requests per second one replica sustains at the inter-token limit, for each second's mix. */
export function capacitySeries(profile: ServingProfile, mix: readonly RequestMix[], interTokenLimitSeconds: number): Float64Array {
  const cache = new Map<number, number>();
  const out = new Float64Array(mix.length);
  for (let t = 0; t < mix.length; t++) {
    const m = mix[t];
    // Most seconds have the mix of the one before (every second of a trace without token columns).
    if (t > 0 && m.prompt === mix[t - 1].prompt && m.output === mix[t - 1].output) {
      out[t] = out[t - 1];
      continue;
    }
    const p = Math.round(Math.log(m.prompt) / MIX_BUCKET_GROWTH);
    const g = Math.round(Math.log(m.output) / MIX_BUCKET_GROWTH);
    const key = p * 100_000 + g;
    let c = cache.get(key);
    if (c === undefined) {
      c = sustainableRate(profile, Math.exp(p * MIX_BUCKET_GROWTH), Math.exp(g * MIX_BUCKET_GROWTH), interTokenLimitSeconds);
      cache.set(key, c);
    }
    out[t] = c;
  }
  return out;
}

/**
 * The sustained demand: the trailing average of arrivals over `windowSeconds` (a one-second
 * spike is absorbed by the queue within the TTFT limit; a minute-long one is not).
 */
export function demandSeries(requests: Float64Array, windowSeconds: number): Float64Array {
  const out = new Float64Array(requests.length);
  let sum = 0;
  for (let t = 0; t < requests.length; t++) {
    sum += requests[t] - (t >= windowSeconds ? requests[t - windowSeconds] : 0);
    out[t] = sum / Math.min(t + 1, windowSeconds);
  }
  return out;
}
