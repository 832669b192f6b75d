/**
 * The gateway in front of the ready replicas.
 * @module
 */
import type { RoutingPolicy } from './options';
import type { Replica } from './serving';

const scratchLoads: number[] = [];
const scratchOrder: number[] = [];

/**
 * Splits `arrivals` requests over `replicas` into `shares` (same order): evenly for
 * round-robin; for least-loaded, each request to the replica with the fewest outstanding
 * requests, which for a second's fluid arrivals fills the least-loaded replicas up to a
 * common level.
 */
export function route(policy: RoutingPolicy, replicas: readonly Replica[], arrivals: number, shares: number[]): void {
  const n = replicas.length;
  // Setting an array's length is a runtime call: only when it changes (rarely; once a second per run otherwise).
  if (shares.length !== n) shares.length = n;
  if (policy === 'round-robin') {
    for (let i = 0; i < n; i++) shares[i] = arrivals / n;
    return;
  }
  if (n === 1) {
    shares[0] = arrivals;
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
  // Water-filling: raise the lowest loads to a common level until the arrivals are spent.
  let level = loads[order[0]];
  let used = 0;
  let k = 1;
  while (k < n) {
    const next = loads[order[k]];
    const cost = (next - level) * k;
    if (used + cost >= arrivals) break;
    used += cost;
    level = next;
    k++;
  }
  level += (arrivals - used) / k;
  for (let i = 0; i < n; i++) shares[i] = 0;
  for (let j = 0; j < k; j++) shares[order[j]] = Math.max(0, level - loads[order[j]]);
}
