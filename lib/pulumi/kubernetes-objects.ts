import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

/** A Kubernetes object as rendered by the cdk8s constructs: plain JSON. */
export interface KubernetesObject {
  /** e.g. `apps/v1`. */
  readonly apiVersion: string;
  /** e.g. `Deployment`. */
  readonly kind: string;
  /** Object metadata; `name` is always set by inferscale's constructs. */
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  /** Everything else (`spec`, `data`, ...). */
  readonly [key: string]: unknown;
}

type ResourceClass = new (name: string, args: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** The typed @pulumi/kubernetes class for each apiVersion/kind inferscale renders. */
const CLASSES: Record<string, ResourceClass> = {
  'v1/Namespace': k8s.core.v1.Namespace as unknown as ResourceClass,
  'v1/ServiceAccount': k8s.core.v1.ServiceAccount as unknown as ResourceClass,
  'v1/Service': k8s.core.v1.Service as unknown as ResourceClass,
  'v1/ConfigMap': k8s.core.v1.ConfigMap as unknown as ResourceClass,
  'apps/v1/Deployment': k8s.apps.v1.Deployment as unknown as ResourceClass,
  'apps/v1/DaemonSet': k8s.apps.v1.DaemonSet as unknown as ResourceClass,
  'policy/v1/PodDisruptionBudget': k8s.policy.v1.PodDisruptionBudget as unknown as ResourceClass,
  'autoscaling/v2/HorizontalPodAutoscaler': k8s.autoscaling.v2.HorizontalPodAutoscaler as unknown as ResourceClass,
};

/**
 * Registers one rendered object as its typed @pulumi/kubernetes resource, so `pulumi preview`
 * shows it by kind. The logical name is `<prefix>-<kind in lower case>`.
 *
 * @throws Error when inferscale has no typed class for the object's apiVersion and kind
 */
export function registerObject(prefix: string, obj: KubernetesObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const Class = CLASSES[key];
  if (!Class) throw new Error(`inferscale cannot register ${key} "${obj.metadata.name}" as a typed Kubernetes resource; supported: ${Object.keys(CLASSES).join(', ')}`);
  const { apiVersion: _apiVersion, kind: _kind, ...args } = obj;
  return new Class(`${prefix}-${obj.kind.toLowerCase()}`, args, opts);
}
