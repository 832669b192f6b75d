/**
 * Token-aware continuous batching, one replica at a time, one second at a time.
 *
 * A replica holds a waiting queue, requests being prefilled and requests decoding. Each second:
 * requests that waited past the timeout fail; waiting requests are admitted whole, in arrival
 * order, while the batch has room (`maxSequences`) and the KV cache holds their prompts; the GPU's
 * second is shared between decode steps for the running batch and prefill chunks for admitted
 * prompts (chunked prefill: each step carries the decodes plus up to `maxBatchedTokens` tokens);
 * a request's first token comes one step after its prefill ends; decoding requests emit one
 * token per step and finish after their output length; when the growing KV cache overflows, the
 * most recently admitted requests are preempted (whole ones, enough to fit) back to the front of
 * the queue and recomputed.
 *
 * Approximations (the trace gives per-second sums, so requests of one second are one cohort):
 * requests of one second arrive together at its start and share the second's mean prompt and
 * output length; within a second, prefill is spread evenly over the second's wall time; a
 * request's tokens are emitted at the second's mean step rate. Queue time, TTFT, inter-token
 * latency and end-to-end latency come per cohort, so per-second percentiles are over cohorts
 * (one per replica and arrival second) weighted by their requests.
 * @module
 */
import { decodeStepSeconds, ServingProfile } from './profiles/types';

/** A group of requests that arrived in the same second and travel together. */
export class Cohort {
  // The fields that may hold fractions start as -0 (equal to 0 in every comparison and sum): a
  // field whose first value is not a small integer is kept as a double from the start, and one
  // that meets its first fraction late becomes a field of any type, each write boxing a number.
  /** Requests (fractional when a trace is scaled). */
  public count = -0;
  /** Second of arrival. */
  public arrival = 0;
  /** Prompt tokens per request (a second's mean in a trace with token counts). */
  public prompt = -0;
  /** Output tokens per request (a second's mean in a trace with token counts). */
  public output = -0;
  /** Output tokens generated per request, as of when it last left decoding (see {@link clockBase} while decoding). */
  public generated = 0;
  /** Prompt (and, after a preemption, generated) tokens still to prefill per request. */
  public prefillLeft = 0;
  /** Whether the cohort was counted in queue time (once, at its first admission). */
  public queued = false;
  /** Whether its first token was observed (once; a preemption does not repeat it). */
  public firstToken = false;
  /** While decoding: tokens generated = `clockBase` + the replica's token clock. */
  public clockBase = 0;
  /** While decoding: the token clock at which it finishes. */
  public finishClock = 0;
  /** While decoding: false once it left (finished, expired, preempted). */
  public decoding = false;
  /** Finish-heap entries that refer to it. One left stale (the cohort stopped decoding) stays until it surfaces or the heap drops its stale entries in one pass. */
  public heapEntries = 0;
  /** Whether the decode order holds it (a finished cohort stays there until the order's head passes it). */
  public inDecodeOrder = false;
  /** Whether it finished or failed: no queue holds it, only stale entries may. */
  public done = false;
  /** Whether it came from {@link Cohort.take}, so it goes back to the pool once nothing refers to it. */
  public pooled = false;

  /**
   * A cohort with every field at its initial value, reused from one that is done with when
   * possible: a simulated day creates about a million, and each one's numbers are objects of
   * their own to the JavaScript engine, so reusing them spares most of the garbage collection.
   */
  public static take(): Cohort {
    const c = COHORT_POOL.pop();
    if (c === undefined) {
      const fresh = new Cohort();
      fresh.pooled = true;
      return fresh;
    }
    c.count = 0;
    c.arrival = 0;
    c.prompt = 0;
    c.output = 0;
    c.generated = 0;
    c.prefillLeft = 0;
    c.queued = false;
    c.firstToken = false;
    c.clockBase = 0;
    c.finishClock = 0;
    c.decoding = false;
    c.done = false;
    return c;
  }

  /** Back to the pool when it came from there, is done with, and no stale entry refers to it. */
  public release(): void {
    if (this.pooled && this.done && this.heapEntries === 0 && !this.inDecodeOrder && COHORT_POOL.length < COHORT_POOL_SIZE) COHORT_POOL.push(this);
  }

  /** A copy holding `count` of this cohort's requests. */
  public split(count: number): Cohort {
    const c = Cohort.take();
    c.count = count;
    c.arrival = this.arrival;
    c.prompt = this.prompt;
    c.output = this.output;
    c.generated = this.generated;
    c.prefillLeft = this.prefillLeft;
    c.queued = this.queued;
    c.firstToken = this.firstToken;
    this.count -= count;
    return c;
  }
}

/** Cohorts done with, for {@link Cohort.take}. */
const COHORT_POOL: Cohort[] = [];
/** At most this many cohorts wait in the pool (more than a replica's queues hold at once). */
const COHORT_POOL_SIZE = 1 << 14;

/** Where the serving model reports what requests saw. */
export interface ServingObserver {
  /** `count` requests waited `seconds` before admission. */
  queueTime(count: number, seconds: number): void;
  /** `count` requests got their first token after `seconds`. */
  timeToFirstToken(count: number, seconds: number): void;
  /** `tokens` tokens came `seconds` apart. */
  interTokenLatency(tokens: number, seconds: number): void;
  /** `count` requests finished after `seconds`, `outputTokens` each. */
  finished(count: number, seconds: number, outputTokens: number): void;
  /** `count` requests failed (timeout, rejection, replica gone). */
  failed(count: number): void;
}

/** Below this many requests a cohort is treated as empty (fluid counts from scaled traces). */
const EMPTY_COHORT = 1e-9;
/** Slots a queue starts with (grows by doubling; a power of two, so a slot is an index masked). */
const INITIAL_QUEUE_SLOTS = 16;

/**
 * A FIFO of cohorts with cheap removal at either end and the occasional return to the front: a
 * ring buffer that grows by doubling, so no second's work moves or reallocates the cohorts it holds.
 */
export class CohortQueue {
  private items: (Cohort | undefined)[] = new Array<Cohort | undefined>(INITIAL_QUEUE_SLOTS).fill(undefined);
  private mask = INITIAL_QUEUE_SLOTS - 1;
  private head = 0;
  private size = 0;

  /** Cohorts queued. */
  public get length(): number {
    return this.size;
  }

  /** The `i`-th cohort from the front. */
  public at(i: number): Cohort {
    return this.items[(this.head + i) & this.mask] as Cohort;
  }

  /** Appends at the back. */
  public push(c: Cohort): void {
    if (this.size === this.items.length) this.grow();
    this.items[(this.head + this.size) & this.mask] = c;
    this.size++;
  }

  /** Puts back at the front. */
  public unshift(c: Cohort): void {
    if (this.size === this.items.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.items[this.head] = c;
    this.size++;
  }

  /** Removes and returns the front. */
  public shift(): Cohort {
    const c = this.items[this.head] as Cohort;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return c;
  }

  /** The cohort at the back. */
  public back(): Cohort {
    return this.items[(this.head + this.size - 1) & this.mask] as Cohort;
  }

  /** Removes and returns the back. */
  public pop(): Cohort {
    const i = (this.head + this.size - 1) & this.mask;
    const c = this.items[i] as Cohort;
    this.items[i] = undefined;
    this.size--;
    return c;
  }

  /** Empties the queue, returning what it held. */
  public drain(): Cohort[] {
    const all: Cohort[] = [];
    for (let i = 0; i < this.size; i++) all.push(this.at(i));
    this.items.fill(undefined);
    this.head = 0;
    this.size = 0;
    return all;
  }

  /** Twice the slots, the cohorts in order from slot 0. */
  private grow(): void {
    const grown = new Array<Cohort | undefined>(this.items.length * 2).fill(undefined);
    for (let i = 0; i < this.size; i++) grown[i] = this.at(i);
    this.items = grown;
    this.mask = grown.length - 1;
    this.head = 0;
  }
}

/** Whether a finish-heap entry at `key` is its cohort's current one: it decodes, and finishes then. */
function isLive(c: Cohort, key: number): boolean {
  return c.decoding && c.finishClock === key;
}

/** Stale finish-heap entries below this many stay until they surface (a pass over a small heap gains nothing). */
const MIN_STALE_TO_COMPACT = 32;

/**
 * A min-heap of decoding cohorts by the token clock at which they finish. The keys sit in a
 * typed array beside the cohorts, so sifting compares numbers without visiting the cohorts. An
 * entry is stale once its cohort left decoding, or decodes again with another finish clock
 * (preempted and readmitted, with an entry of its own): {@link FinishHeap.popDue} drops it when it surfaces.
 */
export class FinishHeap {
  private items: Cohort[] = [];
  private keys = new Float64Array(16);
  private n = 0;
  /** Entries whose cohort left decoding before its finish clock, not yet dropped. */
  private stale = 0;

  /** Entries held, stale ones included. */
  public get size(): number {
    return this.n;
  }

  /** Adds an entry for `c` at its finish clock. */
  public push(c: Cohort): void {
    c.heapEntries++;
    if (this.n === this.keys.length) {
      const grown = new Float64Array(this.n * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    const a = this.items;
    const k = this.keys;
    const key = c.finishClock;
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (k[parent] <= key) break;
      a[i] = a[parent];
      k[i] = k[parent];
      i = parent;
    }
    a[i] = c;
    k[i] = key;
  }

  /**
   * The next cohort due by the token clock `clock` (its finish clock at or before it), removed;
   * undefined when none is. Stale entries that surface on the way are dropped.
   */
  public popDue(clock: number): Cohort | undefined {
    while (this.n > 0 && this.keys[0] <= clock) {
      const key = this.keys[0];
      const c = this.pop();
      if (isLive(c, key)) return c;
      if (this.stale > 0) this.stale--;
      c.release();
    }
    return undefined;
  }

  /** Removes the entry with the smallest key and returns its cohort, stale or not. */
  private pop(): Cohort {
    const a = this.items;
    const k = this.keys;
    const top = a[0];
    top.heapEntries--;
    const n = --this.n;
    const last = a[n];
    const key = k[n];
    a[n] = undefined as unknown as Cohort;
    if (n > 0) this.siftDown(0, last, key);
    return top;
  }

  /**
   * A cohort left decoding before its finish clock (it timed out, or was preempted): its entry
   * is stale. {@link popDue} drops a stale entry when it surfaces; one due later would stay for
   * as long, so once stale entries are half the heap they go in one pass.
   */
  public leftEarly(): void {
    this.stale++;
    if (this.stale >= MIN_STALE_TO_COMPACT && 2 * this.stale >= this.n) this.dropStale();
  }

  /** Drops every stale entry and restores the heap order over the rest. */
  private dropStale(): void {
    const a = this.items;
    const k = this.keys;
    let live = 0;
    for (let i = 0; i < this.n; i++) {
      const c = a[i];
      if (isLive(c, k[i])) {
        a[live] = c;
        k[live] = k[i];
        live++;
      } else {
        c.heapEntries--;
        c.release();
      }
    }
    for (let i = live; i < this.n; i++) a[i] = undefined as unknown as Cohort;
    this.n = live;
    this.stale = 0;
    for (let i = (live >> 1) - 1; i >= 0; i--) this.siftDown(i, a[i], k[i]);
  }

  /** Places `c` with `key` at slot `i` or below it, moving smaller children up. */
  private siftDown(i: number, c: Cohort, key: number): void {
    const a = this.items;
    const k = this.keys;
    const n = this.n;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && k[r] < k[l] ? r : l;
      if (k[m] >= key) break;
      a[i] = a[m];
      k[i] = k[m];
      i = m;
    }
    a[i] = c;
    k[i] = key;
  }

  /** Drops every entry. */
  public clear(): void {
    for (let i = 0; i < this.n; i++) this.items[i].heapEntries = 0;
    this.items = [];
    this.n = 0;
    this.stale = 0;
  }
}

/**
 * One replica of the inference engine. Decoding requests advance together on a token clock
 * (tokens each running sequence has emitted since the engine started), so a second costs the
 * cohorts that finish in it, not every cohort running.
 */
export class Replica {
  /** Requests waiting for admission, oldest first (preempted ones go back to the front). */
  public readonly waiting = new CohortQueue();
  /** Admitted requests whose prompt is being prefilled, in admission order. */
  public readonly prefilling = new CohortQueue();
  /** Share of the last second the GPU ran kernels (0-1). */
  public busyFraction = 0;
  /** Decode steps in the last second (0 when nothing decoded). */
  public stepsPerSecond = 0;

  // The engine's own series (cumulative since the engine started).
  /** `vllm:prompt_tokens_total`. */
  public promptTokensTotal = 0;
  /** `vllm:generation_tokens_total`. */
  public generationTokensTotal = 0;
  /** `vllm:request_success_total`. */
  public requestSuccessTotal = 0;
  /** Requests that ended in an error (timeout, abort): the HTTP 5xx share of a request counter. */
  public requestFailedTotal = 0;
  /** `vllm:num_preemptions_total`. */
  public preemptionsTotal = 0;

  /** Decoding cohorts in admission order (some may have left: `decoding` false). */
  private readonly decodeOrder = new CohortQueue();
  private readonly finishing = new FinishHeap();
  private tokenClock = 0;
  private decodeBatch = 0;
  /** Σ count × (prompt + clockBase) over decoding cohorts: their context is this + batch × clock. */
  private decodeContextBase = 0;
  /** KV tokens reserved by prefilling cohorts. */
  private prefillKv = 0;
  /** Prompt tokens still to prefill: Σ count × prefillLeft over prefilling cohorts. */
  private prefillDemand = 0;
  private runningTotal = 0;
  private waitingTotal = 0;
  private catchUpBusy = 0;

  public constructor(private readonly profile: ServingProfile, private readonly timeoutSeconds: number, private readonly observer: ServingObserver) {}

  /** KV-cache tokens held. */
  public get kvTokens(): number {
    const kv = this.prefillKv + this.decodeContextBase + this.decodeBatch * this.tokenClock;
    return kv > 0 ? kv : 0;
  }

  /** Requests running (prefilling or decoding): `vllm:num_requests_running`. */
  public running(): number {
    return this.runningTotal > EMPTY_COHORT ? this.runningTotal : 0;
  }

  /** Requests waiting: `vllm:num_requests_waiting`. */
  public waitingCount(): number {
    return this.waitingTotal > EMPTY_COHORT ? this.waitingTotal : 0;
  }

  /** Requests running or waiting. */
  public outstanding(): number {
    return this.running() + this.waitingCount();
  }

  /** Arrival second of the oldest request without a first token (Infinity when none). */
  public oldestWithoutFirstToken(): number {
    let oldest = this.waiting.length > 0 ? this.waiting.at(0).arrival : Infinity;
    // In arrival order: the first one without a first token is the oldest.
    for (let i = 0; i < this.prefilling.length; i++) {
      const c = this.prefilling.at(i);
      if (!c.firstToken) return c.arrival < oldest ? c.arrival : oldest;
    }
    return oldest;
  }

  /**
   * Arrival second of the oldest request it holds (Infinity when none).
   * @param withoutFirstToken {@link oldestWithoutFirstToken}, when the caller has it already.
   */
  public oldestHeld(withoutFirstToken = this.oldestWithoutFirstToken()): number {
    let oldest = withoutFirstToken;
    if (this.prefilling.length > 0 && this.prefilling.at(0).arrival < oldest) oldest = this.prefilling.at(0).arrival;
    // The first cohort in the decode order is decoding (see step).
    const order = this.decodeOrder;
    if (order.length > 0 && order.at(0).arrival < oldest) oldest = order.at(0).arrival;
    return oldest;
  }

  /** KV-cache usage, 0-1: `vllm:kv_cache_usage_perc`. */
  public kvUsage(): number {
    return Math.min(1, this.kvTokens / this.profile.kvCacheTokens);
  }

  /** Queues a cohort routed to this replica. */
  public enqueue(cohort: Cohort): void {
    this.waiting.push(cohort);
    this.waitingTotal += cohort.count;
  }

  /** Fails every request it holds (the replica is gone). */
  public abortAll(): void {
    for (const c of this.waiting.drain()) this.fail(c.count);
    for (const c of this.prefilling.drain()) this.fail(c.count);
    for (const c of this.decodeOrder.drain()) if (c.decoding) this.fail(c.count);
    this.prefillDemand = 0;
    this.finishing.clear();
    this.decodeBatch = 0;
    this.decodeContextBase = 0;
    this.prefillKv = 0;
    this.runningTotal = 0;
    this.waitingTotal = 0;
  }

  /** Serves second `t`: timeouts, admission, one second of GPU time, preemption. */
  public step(t: number): void {
    const p = this.profile;
    this.expire(t);
    this.admit(t);

    // The GPU's second: decode steps for the batch decoding at its start, prefill chunks for
    // admitted prompts riding along with them.
    const batch = this.decodeBatch > EMPTY_COHORT ? this.decodeBatch : 0;
    const context = this.decodeContextBase + this.decodeBatch * this.tokenClock;
    const prefillDemand = this.prefillDemand > EMPTY_COHORT ? this.prefillDemand : 0;
    const decodeStep = batch > 0 ? decodeStepSeconds(p, batch, context) : 0;
    let steps = 0;
    let prefilled = 0;
    if (prefillDemand <= EMPTY_COHORT) {
      steps = decodeStep > 0 ? 1 / decodeStep : 0;
    } else if (decodeStep === 0) {
      prefilled = Math.min(prefillDemand, p.prefillTokensPerSecond);
    } else {
      const chunk = Math.max(1, p.maxBatchedTokens - batch);
      const saturatedSteps = 1 / (decodeStep + chunk / p.prefillTokensPerSecond);
      const saturatedPrefill = saturatedSteps * chunk;
      if (prefillDemand <= saturatedPrefill) {
        prefilled = prefillDemand;
        steps = (1 - prefilled / p.prefillTokensPerSecond) / decodeStep;
      } else {
        prefilled = saturatedPrefill;
        steps = saturatedSteps;
      }
    }
    this.stepsPerSecond = steps;
    this.busyFraction = Math.min(1, prefilled / p.prefillTokensPerSecond + steps * decodeStep);

    this.decode(t, steps);
    // Each prefill token costs its compute plus its share of the decode steps it rides along with.
    const chunk = Math.max(1, p.maxBatchedTokens - batch);
    const wallPerPrefillToken = 1 / p.prefillTokensPerSecond + decodeStep / chunk;
    this.prefill(t, prefilled, wallPerPrefillToken, decodeStep > 0 ? decodeStep : decodeStepSeconds(p, 1, 0));
    this.finishCaughtUp(t);
    if (this.catchUpBusy > 0) {
      this.busyFraction = Math.min(1, this.busyFraction + this.catchUpBusy);
      this.catchUpBusy = 0;
    }
    this.preempt();
    this.dropLeftFromDecodeOrder();
  }

  /** Cohorts at the front of the decode order that left decoding go: the first one left decodes. */
  private dropLeftFromDecodeOrder(): void {
    const order = this.decodeOrder;
    while (order.length > 0 && !order.at(0).decoding) {
      const c = order.shift();
      c.inDecodeOrder = false;
      c.release();
    }
  }

  /**
   * Requests that waited or ran past the client's timeout fail; their KV cache is freed. Every
   * list is in arrival order (admission is first come, first served, and a preempted request
   * is older than any that waits), so only the front of each is checked.
   */
  private expire(t: number): void {
    const limit = t - this.timeoutSeconds;
    while (this.waiting.length > 0 && this.waiting.at(0).arrival <= limit) {
      const c = this.waiting.shift();
      this.waitingTotal -= c.count;
      this.fail(c.count);
      c.done = true;
      c.release();
    }
    while (this.prefilling.length > 0 && this.prefilling.at(0).arrival <= limit) {
      const c = this.prefilling.shift();
      this.fail(c.count);
      this.runningTotal -= c.count;
      this.prefillKv -= c.count * (c.prompt + c.generated);
      this.prefillDemand -= c.count * c.prefillLeft;
      c.done = true;
      c.release();
    }
    const order = this.decodeOrder;
    while (order.length > 0) {
      const c = order.at(0);
      if (c.decoding && c.arrival > limit) break;
      order.shift();
      c.inDecodeOrder = false;
      if (!c.decoding) {
        c.release();
        continue;
      }
      this.fail(c.count);
      this.runningTotal -= c.count;
      this.leaveDecoding(c);
      this.finishing.leftEarly();
      c.done = true;
    }
  }

  /** Admits waiting requests in order while the batch and the KV cache have room for their prompts. */
  private admit(t: number): void {
    const p = this.profile;
    let kv = this.kvTokens;
    while (this.waiting.length > 0) {
      // A full batch or KV cache admits nothing, whatever the cohort (and the cohort is not read).
      if (!(p.maxSequences - this.runningTotal > EMPTY_COHORT) || !(p.kvCacheTokens - kv > 0)) break;
      const c = this.waiting.at(0);
      const perRequest = c.prompt + c.generated;
      // Whole requests: the engine admits a request only when its whole prompt fits.
      const room = Math.floor(Math.min(p.maxSequences - this.runningTotal, (p.kvCacheTokens - kv) / perRequest) + EMPTY_COHORT);
      if (room < 1) break;
      const admitted = room >= c.count ? this.waiting.shift() : c.split(room);
      this.waitingTotal -= admitted.count;
      if (!admitted.queued) {
        this.observer.queueTime(admitted.count, t - admitted.arrival);
        admitted.queued = true;
      }
      admitted.prefillLeft = perRequest;
      this.prefillKv += admitted.count * perRequest;
      this.prefillDemand += admitted.count * perRequest;
      kv += admitted.count * perRequest;
      this.runningTotal += admitted.count;
      this.prefilling.push(admitted);
    }
  }

  /** Runs `steps` decode steps for the decoding batch; the cohorts whose output ends leave. */
  private decode(t: number, steps: number): void {
    if (this.decodeBatch <= EMPTY_COHORT || steps <= 0) return;
    const from = this.tokenClock;
    const to = from + steps;
    const interToken = 1 / steps;
    let tokens = this.decodeBatch * steps;
    for (let c = this.finishing.popDue(to); c; c = this.finishing.popDue(to)) {
      // It stopped emitting at its finish clock.
      tokens -= c.count * (to - c.finishClock);
      this.runningTotal -= c.count;
      this.requestSuccessTotal += c.count;
      this.observer.finished(c.count, t + (c.finishClock - from) * interToken - c.arrival, c.output);
      this.leaveDecoding(c);
      c.done = true;
    }
    this.tokenClock = to;
    this.generationTokensTotal += tokens;
    this.observer.interTokenLatency(tokens, interToken);
  }

  /** Prefills `tokens` prompt tokens in admission order, each taking `wallPerToken` of the second. */
  private prefill(t: number, tokens: number, wallPerToken: number, firstStepSeconds: number): void {
    let done = 0;
    while (tokens > EMPTY_COHORT && this.prefilling.length > 0) {
      const c = this.prefilling.at(0);
      const need = c.count * c.prefillLeft;
      if (need > tokens + EMPTY_COHORT) {
        // The head gets the rest of the second's prefill and stays at the head.
        c.prefillLeft -= tokens / c.count;
        this.promptTokensTotal += tokens;
        this.prefillDemand -= tokens;
        return;
      }
      this.prefilling.shift();
      tokens -= need;
      done += need;
      this.promptTokensTotal += need;
      this.prefillDemand -= need;
      c.prefillLeft = 0;
      this.prefillKv -= c.count * (c.prompt + c.generated);
      // The prefill's last chunk ends `done` tokens into the second; the first token one step later.
      const firstTokenAt = t + done * wallPerToken + firstStepSeconds;
      if (!c.firstToken) {
        this.observer.timeToFirstToken(c.count, firstTokenAt - c.arrival);
        c.firstToken = true;
      }
      if (c.generated === 0) {
        c.generated = 1;
        this.generationTokensTotal += c.count;
      }
      if (c.generated >= c.output) {
        this.runningTotal -= c.count;
        this.requestSuccessTotal += c.count;
        this.observer.finished(c.count, firstTokenAt - c.arrival, c.output);
        c.done = true;
        c.release();
      } else this.enterDecoding(c, t, firstTokenAt);
    }
    if (this.prefilling.length === 0) this.prefillDemand = 0;
  }

  /**
   * A cohort starts decoding at `since` within second `t`: it runs the rest of the second at
   * the second's step rate (or, on a replica that only prefilled, at its own), so a short
   * request can finish in the second it arrived.
   */
  private enterDecoding(c: Cohort, t: number, since: number): void {
    const rest = Math.max(0, t + 1 - since);
    const rate = this.stepsPerSecond > 0 ? this.stepsPerSecond : 1 / decodeStepSeconds(this.profile, c.count, c.count * (c.prompt + c.generated));
    const caughtUp = Math.min(c.output - c.generated, rest * rate);
    if (caughtUp > 0) {
      this.generationTokensTotal += c.count * caughtUp;
      this.observer.interTokenLatency(c.count * caughtUp, 1 / rate);
      // Cohorts catching up run batched together: the GPU is busy for the longest of them.
      if (this.stepsPerSecond === 0) this.catchUpBusy = Math.max(this.catchUpBusy, caughtUp / rate);
    }
    // On the token clock (already at the end of this second) it has generated `caughtUp` more.
    c.clockBase = c.generated + caughtUp - this.tokenClock;
    c.finishClock = c.output - c.clockBase;
    c.decoding = true;
    this.decodeBatch += c.count;
    this.decodeContextBase += c.count * (c.prompt + c.clockBase);
    this.decodeOrder.push(c);
    c.inDecodeOrder = true;
    this.finishing.push(c);
  }

  /** Cohorts that finished while catching up in this second leave now, at the time they finished. */
  private finishCaughtUp(t: number): void {
    const rate = this.stepsPerSecond;
    const until = this.tokenClock + EMPTY_COHORT;
    for (let c = this.finishing.popDue(until); c; c = this.finishing.popDue(until)) {
      const behind = rate > 0 ? (this.tokenClock - c.finishClock) / rate : 0;
      this.runningTotal -= c.count;
      this.requestSuccessTotal += c.count;
      this.observer.finished(c.count, Math.max(c.arrival, t + 1 - behind) - c.arrival, c.output);
      this.leaveDecoding(c);
      c.done = true;
    }
  }

  private leaveDecoding(c: Cohort): void {
    c.generated = c.clockBase + this.tokenClock;
    c.decoding = false;
    this.decodeBatch -= c.count;
    this.decodeContextBase -= c.count * (c.prompt + c.clockBase);
    if (this.decodeBatch <= EMPTY_COHORT) {
      this.decodeBatch = 0;
      this.decodeContextBase = 0;
    }
  }

  /** When the KV cache overflows, the most recently admitted requests go back to the queue's front (recompute). */
  private preempt(): void {
    const capacity = this.profile.kvCacheTokens;
    let kv = this.kvTokens;
    while (kv > capacity + EMPTY_COHORT) {
      let victim: Cohort;
      let held: number;
      if (this.prefilling.length > 0) {
        const c = this.prefilling.back();
        held = c.prompt + c.generated;
        const count = Math.min(c.count, Math.ceil((kv - capacity) / held - EMPTY_COHORT));
        victim = count >= c.count - EMPTY_COHORT ? this.prefilling.pop() : c.split(count);
        this.prefillKv -= victim.count * held;
        this.prefillDemand -= victim.count * victim.prefillLeft;
      } else {
        const order = this.decodeOrder;
        while (order.length > 0 && !order.back().decoding) {
          const left = order.pop();
          left.inDecodeOrder = false;
          left.release();
        }
        if (order.length === 0) break;
        const c = order.back();
        held = c.prompt + c.clockBase + this.tokenClock;
        const count = Math.min(c.count, Math.ceil((kv - capacity) / held - EMPTY_COHORT));
        if (count >= c.count - EMPTY_COHORT) {
          order.pop();
          c.inDecodeOrder = false;
          this.leaveDecoding(c);
          this.finishing.leftEarly();
          victim = c;
        } else {
          // Part of the cohort: the rest keeps decoding with the same clock.
          this.decodeBatch -= count;
          this.decodeContextBase -= count * (c.prompt + c.clockBase);
          c.count -= count;
          victim = c.split(0);
          victim.count = count;
          victim.generated = c.clockBase + this.tokenClock;
          victim.decoding = false;
        }
      }
      kv -= victim.count * held;
      this.preemptionsTotal += victim.count;
      this.runningTotal -= victim.count;
      this.waitingTotal += victim.count;
      this.waiting.unshift(victim);
    }
  }

  private fail(count: number): void {
    if (count <= 0) return;
    this.requestFailedTotal += count;
    this.observer.failed(count);
  }
}
