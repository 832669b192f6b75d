/**
 * The gateway in front of the ready replicas.
 *
 * Requests are whole: a second's arrivals are spread one request at a time, so replicas that
 * look alike still receive one more or one fewer request than each other, as they do behind a
 * real gateway. (Splitting a second's arrivals into equal fractions would keep identical
 * replicas identical forever, in lockstep, and flatter a fixed replica set against one that
 * scales.) A trace scaled to fractional arrivals routes its fraction like one more request.
 * @module
 */
import type { RoutingPolicy } from './options';
import type { Replica } from './serving';

const scratchLoads: number[] = [];
const scratchOrder: number[] = [];

/**
 * Which replica receives the next request when several qualify: a cursor that moves on every
 * second, so ties go round the replicas instead of always to the first.
 */
export class RoutingCursor {
  private next = 0;

  /** The first replica index to consider this second, of `n`; moves the cursor on by `advance`. */
  public take(n: number, advance: number): number {
    const start = this.next % n;
    this.next = (start + advance) % n;
    return start;
  }
}

/**
 * Splits `arrivals` requests over `replicas` into `shares` (same order).
 * - round-robin: request by request to the next replica in turn, across seconds;
 * - least-loaded: each request to the replica with the fewest outstanding requests (counting the
 *   ones it was just given), ties to the first from the cursor. For many arrivals the loads are
 *   first raised towards a common level in whole requests (water-filling, as request by request
 *   would), then the rest are placed one by one.
 */
export function route(policy: RoutingPolicy, replicas: readonly Replica[], arrivals: number, shares: number[], cursor: RoutingCursor): void {
  const n = replicas.length;
  // Setting an array's length is a runtime call: only when it changes (rarely; once a second per run otherwise).
  if (shares.length !== n) shares.length = n;
  for (let i = 0; i < n; i++) shares[i] = 0;
  if (n === 1) {
    shares[0] = arrivals;
    return;
  }
  const units = Math.ceil(arrivals - 1e-9);
  if (policy === 'round-robin') {
    const start = cursor.take(n, units);
    const whole = Math.floor(arrivals / n);
    let left = arrivals - whole * n;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      const piece = Math.min(1, left);
      shares[i] = whole + piece;
      left -= piece;
    }
    return;
  }
  const loads = scratchLoads;
  const order = scratchOrder;
  if (loads.length !== n) {
    loads.length = n;
    order.length = n;
  }
  for (let i = 0; i < n; i++) {
    loads[i] = replicas[i].outstanding();
    // Insertion sort of the indices by load: a handful of replicas.
    let j = i;
    while (j > 0 && loads[order[j - 1]] > loads[i]) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
  // Water-filling for all but the last n requests: raise the lowest loads to a common level.
  let left = arrivals;
  const bulk = arrivals - n;
  if (bulk > 0) {
    let level = loads[order[0]];
    let used = 0;
    let k = 1;
    while (k < n) {
      const next = loads[order[k]];
      const cost = (next - level) * k;
      if (used + cost >= bulk) break;
      used += cost;
      level = next;
      k++;
    }
    level += (bulk - used) / k;
    // Whole requests only: what the floors leave over is placed one by one below.
    for (let j = 0; j < k; j++) {
      const share = Math.floor(Math.max(0, level - loads[order[j]]));
      shares[order[j]] = share;
      left -= share;
    }
  }
  // The rest one request at a time, ties from the cursor.
  const start = cursor.take(n, 1);
  while (left > 1e-9) {
    let best = -1;
    let bestLoad = Infinity;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      const load = loads[i] + shares[i];
      if (load < bestLoad) {
        bestLoad = load;
        best = i;
      }
    }
    const piece = Math.min(1, left);
    shares[best] += piece;
    left -= piece;
  }
}
