/**
 * HPA targets for the saturation signals of an LLM server, derived from its serving profile, the
 * requests it serves and the latency it must keep, instead of picked by hand.
 *
 * The model is the steady state of continuous batching that the simulator's serving model runs
 * step by step: each second the replica prefills the prompts that arrived (prompt tokens over
 * the prefill throughput) and spends the rest of the second in decode steps, each producing one
 * token for every running sequence. A replica saturates when its running batch is as large as
 * the KV cache or `--max-num-seqs` allows; beyond that, requests wait.
 * @module
 */
import { steadyState, sustainableRate } from '../bounds';
import { ServingProfile } from './types';

/** The requests a service serves, on average. */
export interface WorkloadShape {
  /** Mean prompt tokens per request. */
  readonly promptTokens: number;
  /** Mean output tokens per request. */
  readonly outputTokens: number;
}

/** The latency a service promises its users. */
export interface LatencySlo {
  /** 95th percentile of time to first token, seconds. */
  readonly ttftP95Seconds: number;
  /** 95th percentile of time per output token (inter-token latency), seconds. @default - no limit */
  readonly tpotP95Seconds?: number;
}

/** Options of {@link deriveSaturationTargets}. */
export interface SaturationTargetOptions {
  /**
   * Share of a replica's saturated batch to hold on average: the rest absorbs the growth of
   * demand while a new replica starts (minutes on GPUs). @default 0.8
   */
  readonly batchHeadroom?: number;
  /**
   * Share of the TTFT budget a request may spend waiting for a slot: the rest covers its own
   * prefill, the spread between requests and the time the HPA needs to react. @default 0.5
   */
  readonly queueBudgetShare?: number;
  /**
   * Share of the TTFT SLO the TTFT guard holds: a replica added when the guard trips serves
   * minutes later (node, image, model load), so it must trip before users feel the SLO break.
   * @default 0.5
   */
  readonly ttftGuardShare?: number;
}

/** Targets for the saturation signals, and the figures they come from. */
export interface SaturationTargets {
  /** Average KV-cache use per pod to hold, as a fraction (0-1), the `kv_cache_usage_perc` scale. */
  readonly kvCacheUsage: number;
  /** Average requests waiting per pod to hold. At or below capacity the queue is empty: this only acts during bursts. */
  readonly waitingPerPod: number;
  /** 95th percentile of time to first token to hold, seconds: `ttftGuardShare` of the SLO, as a guard. */
  readonly ttftP95Seconds: number;
  /** The running batch at saturation: what the KV cache and `maxSequences` allow (and the TPOT SLO, when given). */
  readonly saturatedBatch: number;
  /** Requests per second one replica sustains at the saturated batch. */
  readonly capacityRequestsPerSecond: number;
  /** Seconds one replica spends prefilling a mean prompt when it does nothing else. */
  readonly prefillSeconds: number;
}

/** Default of {@link SaturationTargetOptions.batchHeadroom}. */
export const DEFAULT_BATCH_HEADROOM = 0.8;
/** Default of {@link SaturationTargetOptions.queueBudgetShare}. */
export const DEFAULT_QUEUE_BUDGET_SHARE = 0.5;
/** Default of {@link SaturationTargetOptions.ttftGuardShare}. */
export const DEFAULT_TTFT_GUARD_SHARE = 0.5;

/**
 * Targets for waiting requests, KV-cache use and TTFT from a serving profile, the mean request
 * and the SLO:
 * - capacity is the highest request rate whose steady batch fits the KV cache at the mean
 *   context (the prompt and half the output), `maxSequences`, and the TPOT SLO
 *   ({@link sustainableRate}); the saturated batch is the steady batch at that rate;
 * - KV-cache use holds `batchHeadroom` of the saturated batch's use;
 * - waiting requests per pod: the queue a replica drains at its capacity within
 *   `queueBudgetShare` of what the TTFT SLO leaves after the prompt's own prefill (at least 1);
 * - TTFT p95 at `ttftGuardShare` of the SLO: the guard trips while there is still time to add
 *   a replica before users feel it.
 * @throws Error naming the field when an input is not a positive finite number, or the SLO
 *   leaves no time to wait after the prefill.
 */
export function deriveSaturationTargets(profile: ServingProfile, workload: WorkloadShape, slo: LatencySlo, options: SaturationTargetOptions = {}): SaturationTargets {
  const positive = (name: string, value: number | undefined): void => {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new Error(`${name} must be a positive number; got ${String(value)}`);
  };
  positive('workload.promptTokens', workload.promptTokens);
  positive('workload.outputTokens', workload.outputTokens);
  positive('slo.ttftP95Seconds', slo.ttftP95Seconds);
  positive('slo.tpotP95Seconds', slo.tpotP95Seconds);
  const headroom = options.batchHeadroom ?? DEFAULT_BATCH_HEADROOM;
  const share = options.queueBudgetShare ?? DEFAULT_QUEUE_BUDGET_SHARE;
  if (!(headroom > 0 && headroom <= 1)) throw new Error(`options.batchHeadroom must be in (0, 1]; got ${headroom}`);
  if (!(share > 0 && share <= 1)) throw new Error(`options.queueBudgetShare must be in (0, 1]; got ${share}`);
  const guard = options.ttftGuardShare ?? DEFAULT_TTFT_GUARD_SHARE;
  if (!(guard > 0 && guard <= 1)) throw new Error(`options.ttftGuardShare must be in (0, 1]; got ${guard}`);

  const { promptTokens, outputTokens } = workload;
  const capacity = sustainableRate(profile, promptTokens, outputTokens, slo.tpotP95Seconds ?? Infinity);
  if (!(capacity > 0)) throw new Error(`slo.tpotP95Seconds (${String(slo.tpotP95Seconds)} s) is below what ${profile.id} decodes at any load: no batch keeps it`);
  const batch = steadyState(profile, capacity, promptTokens, outputTokens).batch;
  const prefillSeconds = promptTokens / profile.prefillTokensPerSecond;
  const waitBudget = slo.ttftP95Seconds - prefillSeconds;
  if (!(waitBudget > 0)) throw new Error(`slo.ttftP95Seconds (${slo.ttftP95Seconds} s) is not above the prefill of a mean prompt on ${profile.id} (${prefillSeconds.toFixed(2)} s): no queue keeps it`);
  const kvAtSaturation = Math.min(1, (batch * (promptTokens + outputTokens / 2)) / profile.kvCacheTokens);
  return {
    kvCacheUsage: round(headroom * kvAtSaturation, 2),
    waitingPerPod: Math.max(1, Math.floor(share * waitBudget * capacity)),
    ttftP95Seconds: round(guard * slo.ttftP95Seconds, 3),
    saturatedBatch: batch,
    capacityRequestsPerSecond: capacity,
    prefillSeconds,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
