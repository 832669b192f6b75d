import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

/** A Kubernetes object as rendered by the cdk8s constructs: plain JSON. */
export interface KubernetesObject {
  /** e.g. `apps/v1`. */
  readonly apiVersion: string;
  /** e.g. `Deployment`. */
  readonly kind: string;
  /** Object metadata; `name` is always set by inferscale's constructs. */
  readonly metadata: {
    /** Object name; with the kind and namespace it makes the Pulumi resource name. */
    readonly name: string;
    /** Namespace of a namespaced object. @default - none (cluster-scoped, or the provider's default namespace) */
    readonly namespace?: string;
    /** Any other metadata (`labels`, `annotations`, ...). */
    readonly [key: string]: unknown;
  };
  /** Everything else (`spec`, `data`, ...). */
  readonly [key: string]: unknown;
}

type ResourceClass = new (name: string, args: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;
const typed = (c: unknown): ResourceClass => c as ResourceClass;

/** The typed @pulumi/kubernetes class for each built-in apiVersion/kind inferscale renders. */
const CLASSES: Readonly<Record<string, ResourceClass>> = {
  'v1/Namespace': typed(k8s.core.v1.Namespace),
  'v1/ServiceAccount': typed(k8s.core.v1.ServiceAccount),
  'v1/Service': typed(k8s.core.v1.Service),
  'v1/ConfigMap': typed(k8s.core.v1.ConfigMap),
  'v1/PersistentVolumeClaim': typed(k8s.core.v1.PersistentVolumeClaim),
  'apps/v1/Deployment': typed(k8s.apps.v1.Deployment),
  'apps/v1/DaemonSet': typed(k8s.apps.v1.DaemonSet),
  'apps/v1/StatefulSet': typed(k8s.apps.v1.StatefulSet),
  'policy/v1/PodDisruptionBudget': typed(k8s.policy.v1.PodDisruptionBudget),
  'autoscaling/v2/HorizontalPodAutoscaler': typed(k8s.autoscaling.v2.HorizontalPodAutoscaler),
  'rbac.authorization.k8s.io/v1/ClusterRole': typed(k8s.rbac.v1.ClusterRole),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': typed(k8s.rbac.v1.ClusterRoleBinding),
  'rbac.authorization.k8s.io/v1/Role': typed(k8s.rbac.v1.Role),
  'rbac.authorization.k8s.io/v1/RoleBinding': typed(k8s.rbac.v1.RoleBinding),
  'apiregistration.k8s.io/v1/APIService': typed(k8s.apiregistration.v1.APIService),
  'scheduling.k8s.io/v1/PriorityClass': typed(k8s.scheduling.v1.PriorityClass),
  'storage.k8s.io/v1/StorageClass': typed(k8s.storage.v1.StorageClass),
};

/** API groups inferscale emits custom resources for (registered as `CustomResource`). */
const CUSTOM_GROUPS = new Set(['monitoring.coreos.com', 'cert-manager.io']);

/**
 * Registers one rendered object as its typed @pulumi/kubernetes resource, so `pulumi preview`
 * shows it by kind; custom resources of known CRD groups become `CustomResource`s.
 *
 * @param name the Pulumi logical name
 * @throws Error when inferscale has no typed class for the object's apiVersion and kind
 */
export function registerObject(name: string, obj: KubernetesObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const Class = CLASSES[key];
  if (Class) {
    const { apiVersion: _apiVersion, kind: _kind, ...args } = obj;
    return new Class(name, args, opts);
  }
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
  if (CUSTOM_GROUPS.has(group)) return new k8s.apiextensions.CustomResource(name, { ...obj }, opts);
  throw new Error(`inferscale cannot register ${key} "${obj.metadata.name}" as a typed Kubernetes resource; supported: ${[...Object.keys(CLASSES), ...[...CUSTOM_GROUPS].map((g) => `${g}/*`)].join(', ')}`);
}

/**
 * Registers a set of rendered objects in apply order: Namespaces, PriorityClasses and
 * StorageClasses first, then every namespaced object depending on its Namespace (when in the
 * set), each workload on the PriorityClass its pods name (the API server refuses pods naming a
 * missing one), and each APIService last, depending on the Service that backs it and the
 * Deployments behind that Service, so the aggregation layer never advertises an API group
 * before a pod can answer for it (an unavailable APIService breaks API discovery and namespace
 * deletion cluster-wide); every object also depends on `dependsOn`. Logical names are
 * `<prefix>-<kind>-<namespace>-<name>` in lower case, so they are unique within the set and
 * across components with other prefixes.
 */
export function registerObjects(
  prefix: string, objects: readonly KubernetesObject[], opts: pulumi.CustomResourceOptions, dependsOn: readonly pulumi.Resource[] = [],
): Map<KubernetesObject, pulumi.CustomResource> {
  const out = new Map<KubernetesObject, pulumi.CustomResource>();
  const namespaces = new Map<string, pulumi.CustomResource>();
  const services = new Map<string, pulumi.CustomResource>();
  const workloads: { namespace?: string; labels: Readonly<Record<string, string>>; resource: pulumi.CustomResource }[] = [];
  const logical = (o: KubernetesObject): string => [prefix, o.kind.toLowerCase(), o.metadata.namespace, o.metadata.name].filter(Boolean).join('-');
  const priorityClasses = new Map<string, pulumi.CustomResource>();
  const first = new Set(['Namespace', 'PriorityClass', 'StorageClass']);
  const ordered = [...objects.filter((o) => first.has(o.kind)), ...objects.filter((o) => !first.has(o.kind) && o.kind !== 'APIService'), ...objects.filter((o) => o.kind === 'APIService')];
  for (const obj of ordered) {
    const deps: pulumi.Resource[] = [...dependsOn];
    const ns = obj.metadata.namespace ? namespaces.get(obj.metadata.namespace) : undefined;
    if (ns) deps.push(ns);
    const priority = (obj.spec as { template?: { spec?: { priorityClassName?: string } } } | undefined)?.template?.spec?.priorityClassName;
    const priorityClass = priority ? priorityClasses.get(priority) : undefined;
    if (priorityClass) deps.push(priorityClass);
    if (obj.kind === 'APIService') {
      const svc = (obj.spec as { service?: { name?: string; namespace?: string } } | undefined)?.service;
      const backing = svc ? services.get(`${svc.namespace}/${svc.name}`) : undefined;
      if (backing) deps.push(backing);
      const backingObj = svc ? objects.find((o) => o.kind === 'Service' && o.metadata.namespace === svc.namespace && o.metadata.name === svc.name) : undefined;
      const selector = (backingObj?.spec as { selector?: Record<string, string> } | undefined)?.selector;
      if (selector && Object.keys(selector).length) {
        for (const w of workloads) {
          if (w.namespace === svc?.namespace && Object.entries(selector).every(([k, v]) => w.labels[k] === v)) deps.push(w.resource);
        }
      }
    }
    const res = registerObject(logical(obj), obj, { ...opts, ...(deps.length ? { dependsOn: deps } : {}) });
    if (obj.kind === 'Namespace') namespaces.set(obj.metadata.name, res);
    if (obj.kind === 'PriorityClass') priorityClasses.set(obj.metadata.name, res);
    if (obj.kind === 'Service') services.set(`${obj.metadata.namespace}/${obj.metadata.name}`, res);
    if (obj.kind === 'Deployment') {
      const labels = (obj.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template?.metadata?.labels ?? {};
      workloads.push({ namespace: obj.metadata.namespace, labels, resource: res });
    }
    out.set(obj, res);
  }
  return out;
}
