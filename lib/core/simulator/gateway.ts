/**
 * Requests a gateway holds while no replica is ready (`serving.gateway: "hold"`): KEDA's HTTP
 * add-on interceptor, or a gateway with a request queue, keeps them until a replica is ready and
 * then hands them over with their original arrival time (so their TTFT includes the wait), or
 * fails them at the client timeout.
 * @see https://github.com/kedacore/http-add-on
 * @module
 */
import type { RoutingPolicy } from './options';
import { route, RoutingCursor } from './routing';
import { Cohort, Replica } from './serving';

/** One second's held arrivals. */
interface HeldCohort {
  readonly arrival: number;
  readonly count: number;
  readonly prompt: number;
  readonly output: number;
}

/** The requests held at the way in, oldest first. */
export class HeldRequests {
  /** Requests held now. */
  public count = 0;
  private cohorts: HeldCohort[] = [];

  /** Holds `count` requests that arrived at second `t`. */
  public hold(t: number, count: number, prompt: number, output: number): void {
    this.cohorts.push({ arrival: t, count, prompt, output });
    this.count += count;
  }

  /** Drops the requests held `timeoutSeconds` or longer at second `t`; returns how many failed. */
  public expire(t: number, timeoutSeconds: number): number {
    let failed = 0;
    let keep = 0;
    while (keep < this.cohorts.length && t - this.cohorts[keep].arrival >= timeoutSeconds) failed += this.cohorts[keep++].count;
    if (keep > 0) {
      this.cohorts = this.cohorts.slice(keep);
      this.count -= failed;
    }
    return failed;
  }

  /** Hands every held request to the ready engines, spread as arrivals are. */
  public release(policy: RoutingPolicy, engines: readonly Replica[], shares: number[], cursor: RoutingCursor): void {
    for (const held of this.cohorts) {
      route(policy, engines, held.count, shares, cursor);
      for (let i = 0; i < engines.length; i++) {
        if (!(shares[i] > 0)) continue;
        const c = Cohort.take();
        c.count = shares[i];
        c.arrival = held.arrival;
        c.prompt = held.prompt;
        c.output = held.output;
        engines[i].enqueue(c);
      }
    }
    this.cohorts = [];
    this.count = 0;
  }
}
