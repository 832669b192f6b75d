import { Problem, show } from './problems';
import { checkQuantity } from './quantity';

/** Request and optional limit for one resource, as Kubernetes quantities. */
export interface ResourceRequirementProps {
  /** Quantity the scheduler reserves, e.g. `"500m"` CPU or `"2Gi"` memory. @default - the limit, as Kubernetes does */
  readonly request?: string;
  /** Hard cap: CPU is throttled above it, a container above its memory limit is killed. @default - no limit */
  readonly limit?: string;
}

/**
 * CPU and memory of a container: the one shape every inferscale construct takes.
 * A resource left out (or given as `{}`) takes the construct's default for that resource as a
 * whole; a resource given replaces it, so `{ memory: { request: "8Gi" } }` has no memory limit
 * unless the construct documents otherwise.
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
 */
export interface ResourcesProps {
  /** CPU, in cores (`"2"`, `"500m"`). @default - see the construct */
  readonly cpu?: ResourceRequirementProps;
  /** Memory, in bytes (`"512Mi"`, `"16Gi"`). @default - see the construct */
  readonly memory?: ResourceRequirementProps;
}

/** Requests and limits with every default resolved, as Kubernetes quantities keyed by resource name. */
export interface ResolvedResources {
  /** What the scheduler reserves, e.g. `{ cpu: "100m", memory: "128Mi" }` (empty: nothing). */
  readonly requests: Readonly<Record<string, string>>;
  /** Hard caps, e.g. `{ memory: "256Mi" }` (empty: no limits). */
  readonly limits: Readonly<Record<string, string>>;
}

/** Options of {@link resolveResources}. */
export interface ResolveResourcesOptions {
  /** Resources whose limit defaults to their request, e.g. `["memory"]`. @default - none */
  readonly limitFromRequest?: readonly (keyof ResourcesProps)[];
}

const RESOURCE_NAMES: readonly (keyof ResourcesProps)[] = ['cpu', 'memory'];

/**
 * Resolves container resources: each resource the props leave out takes `defaults`; a request
 * left out is the limit (what the API server would default). Checks every quantity and that no
 * limit is under its request; problems are at `<path>.<cpu|memory>.<request|limit>`.
 */
export function resolveResources(
  path: string, props: ResourcesProps | undefined, defaults: ResourcesProps, options: ResolveResourcesOptions = {},
): {
  /** Requests and limits; a quantity with a problem is still listed as given. */
  resources: ResolvedResources;
  /** Every invalid quantity and limit under its request; empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (props !== undefined && (props === null || typeof props !== 'object' || Array.isArray(props))) {
    return { resources: { requests, limits }, problems: [{ path, message: `is ${show(props)}; expected { cpu?: { request, limit }, memory?: { request, limit } }` }] };
  }
  for (const name of RESOURCE_NAMES) {
    const given = props?.[name];
    const r = given !== undefined && (given.request !== undefined || given.limit !== undefined) ? given : defaults[name] ?? {};
    const at = `${path}.${name}`;
    const request = r.request ?? r.limit;
    const limit = r.limit ?? (options.limitFromRequest?.includes(name) ? request : undefined);
    // A request taken from the limit is checked once, as the limit the user wrote.
    const req = r.request === undefined ? undefined : checkQuantity(`${at}.request`, r.request);
    const lim = r.limit === undefined ? undefined : checkQuantity(`${at}.limit`, r.limit);
    problems.push(...(req?.problems ?? []), ...(lim?.problems ?? []));
    if (req?.value !== undefined && lim?.value !== undefined && lim.value < req.value) {
      problems.push({ path: `${at}.limit`, message: `is ${show(r.limit)}, below the request ${show(r.request)}; the API server rejects a limit under the request` });
    }
    if (request !== undefined) requests[name] = request;
    if (limit !== undefined) limits[name] = limit;
  }
  return { resources: { requests, limits }, problems };
}
