import { sortKeys } from '../checks';
import { Problem, show } from '../problems';
import { checkQuantity, parseQuantity } from '../quantity';

/** Compute resources of a GPU node daemon's container, as Kubernetes quantities. */
export interface DaemonResourcesProps {
  /** Quantities the scheduler reserves, e.g. `{ cpu: '50m', memory: '64Mi' }`. @default - see the construct */
  readonly requests?: Readonly<Record<string, string>>;
  /** Hard caps. @default - see the construct */
  readonly limits?: Readonly<Record<string, string>>;
}

/** Requests and limits of a daemon's container, resolved: keys sorted, quantities checked. */
export interface ResolvedDaemonResources {
  /** Kubernetes quantities the scheduler reserves per resource, e.g. `cpu: "50m"` (empty: none). */
  readonly requests: Readonly<Record<string, string>>;
  /** Kubernetes quantities capping the container per resource (empty: no limits). */
  readonly limits: Readonly<Record<string, string>>;
}

/**
 * Resolves and checks container resources of a GPU node daemon: `props` replaces `defaults` per
 * field (requests, limits). Problems go to `problems`, at `<path>.requests.<resource>` and
 * `<path>.limits.<resource>`.
 */
export function resolveDaemonResources(
  path: string,
  props: DaemonResourcesProps | undefined,
  defaults: ResolvedDaemonResources,
  problems: Problem[],
): ResolvedDaemonResources {
  const requests = sortKeys(props?.requests ?? defaults.requests);
  const limits = sortKeys(props?.limits ?? defaults.limits);
  for (const [kind, record] of [['requests', requests], ['limits', limits]] as const) {
    for (const [k, v] of Object.entries(record)) problems.push(...checkQuantity(`${path}.${kind}.${k}`, v).problems);
  }
  for (const [k, limit] of Object.entries(limits)) {
    const r = requests[k] !== undefined ? parseQuantity(requests[k]) : undefined;
    const l = parseQuantity(limit);
    if (r !== undefined && l !== undefined && l < r) {
      problems.push({ path: `${path}.limits.${k}`, message: `is ${show(limit)}, below the request ${show(requests[k])}; the API server rejects a limit under the request` });
    }
  }
  return { requests, limits };
}
