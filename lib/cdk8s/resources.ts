import { k8s } from 'cdk8s-plus-27';
import { ResolvedResources } from '../core/resources';

/**
 * Container `resources` from resolved requests and limits (`resolveResources`), leaving
 * out an empty `requests` or `limits`.
 * @internal
 */
export function containerResources(r: ResolvedResources): k8s.ResourceRequirements {
  const q = (record: Readonly<Record<string, string>>): Record<string, k8s.Quantity> =>
    Object.fromEntries(Object.entries(record).map(([k, v]) => [k, k8s.Quantity.fromString(v)]));
  return {
    ...(Object.keys(r.requests).length ? { requests: q(r.requests) } : {}),
    ...(Object.keys(r.limits).length ? { limits: q(r.limits) } : {}),
  };
}
