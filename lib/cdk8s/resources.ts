import { k8s } from 'cdk8s-plus-27';
import { Problem, ResourcesProps } from '../core';
import { checkQuantity } from '../core/quantity';

/**
 * Container requests and limits from {@link ResourcesProps}, each resource taking `defaults`
 * when left out. Invalid quantities become problems at `<path>.<cpu|memory>.<request|limit>`
 * and are left out of the result.
 */
export function containerResources(
  resources: ResourcesProps | undefined, defaults: Required<ResourcesProps>, path: string, problems: Problem[],
): k8s.ResourceRequirements {
  const requests: Record<string, k8s.Quantity> = {};
  const limits: Record<string, k8s.Quantity> = {};
  for (const name of ['cpu', 'memory'] as const) {
    const r = resources?.[name] ?? defaults[name];
    for (const [field, target] of [['request', requests], ['limit', limits]] as const) {
      const v = r[field];
      if (v === undefined) continue;
      const q = checkQuantity(`${path}.${name}.${field}`, v);
      problems.push(...q.problems);
      if (!q.problems.length) target[name] = k8s.Quantity.fromString(v);
    }
  }
  return { requests, ...(Object.keys(limits).length ? { limits } : {}) };
}
