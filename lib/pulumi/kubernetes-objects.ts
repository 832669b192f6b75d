import { createHash } from 'node:crypto';
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
  'batch/v1/CronJob': typed(k8s.batch.v1.CronJob),
  'policy/v1/PodDisruptionBudget': typed(k8s.policy.v1.PodDisruptionBudget),
  'networking.k8s.io/v1/NetworkPolicy': typed(k8s.networking.v1.NetworkPolicy),
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
const CUSTOM_GROUPS = new Set(['monitoring.coreos.com', 'cert-manager.io', 'keda.sh']);

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
/**
 * The Pulumi logical name of a rendered object: `<prefix>-<kind>-<namespace>-<name>` in lower
 * case, then a dash and eight hexadecimal characters of a hash of the four parts. The readable
 * part alone is ambiguous (namespace `a-b` with name `c`, and namespace `a` with name `b-c`,
 * read the same); the hash of the parts as a list is not, so two objects, or two components,
 * never share a name.
 */
export function kubernetesObjectName(prefix: string, obj: KubernetesObject): string {
  const parts = [prefix, obj.kind, obj.metadata.namespace ?? '', obj.metadata.name];
  const hash = createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 8);
  return `${legacyObjectName(prefix, obj)}-${hash}`;
}

/** The name inferscale gave objects before {@link kubernetesObjectName}: kept as an alias, so an upgrade renames in place. */
function legacyObjectName(prefix: string, obj: KubernetesObject): string {
  return [prefix, obj.kind.toLowerCase(), obj.metadata.namespace, obj.metadata.name].filter(Boolean).join('-');
}

/** Whether every label of `selector` is on `labels`. */
function selects(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  const wanted = Object.entries(selector ?? {});
  return wanted.length > 0 && wanted.every(([k, v]) => labels?.[k] === v);
}

/**
 * Registers a set of rendered objects in apply order: Namespaces, PriorityClasses and
 * StorageClasses first, then every namespaced object depending on its Namespace (when in the
 * set), each workload on the PriorityClass its pods name (the API server refuses pods naming a
 * missing one), and each APIService last, depending on the Service that backs it and the
 * Deployments behind that Service, so the aggregation layer never advertises an API group
 * before a pod can answer for it (an unavailable APIService breaks API discovery and namespace
 * deletion cluster-wide); every object also depends on `dependsOn`. Logical names are
 * {@link kubernetesObjectName}s, unique within the set and across components with other
 * prefixes; each carries the name earlier versions used as an alias, so upgrading renames
 * rather than replaces. Objects of a kind in `kindDependsOn` also depend on its resources (the
 * ScaledObjects on the KEDA release that installs their CRD).
 */
export function registerObjects(
  prefix: string, objects: readonly KubernetesObject[], opts: pulumi.CustomResourceOptions, dependsOn: readonly pulumi.Resource[] = [],
  kindDependsOn: Readonly<Record<string, readonly pulumi.Resource[]>> = {},
): Map<KubernetesObject, pulumi.CustomResource> {
  const out = new Map<KubernetesObject, pulumi.CustomResource>();
  const namespaces = new Map<string, pulumi.CustomResource>();
  const priorityClasses = new Map<string, pulumi.CustomResource>();
  const key = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;
  const legacyCounts = new Map<string, number>();
  for (const o of objects) legacyCounts.set(legacyObjectName(prefix, o), (legacyCounts.get(legacyObjectName(prefix, o)) ?? 0) + 1);
  const first = new Set(['Namespace', 'PriorityClass', 'StorageClass']);
  const ordered = [...objects.filter((o) => first.has(o.kind)), ...objects.filter((o) => !first.has(o.kind) && o.kind !== 'APIService'), ...objects.filter((o) => o.kind === 'APIService')];
  for (const obj of ordered) {
    const deps: pulumi.Resource[] = [...dependsOn, ...(Object.prototype.hasOwnProperty.call(kindDependsOn, obj.kind) ? kindDependsOn[obj.kind] : [])];
    const ns = obj.metadata.namespace ? namespaces.get(obj.metadata.namespace) : undefined;
    if (ns) deps.push(ns);
    const priority = (obj.spec as { template?: { spec?: { priorityClassName?: string } } } | undefined)?.template?.spec?.priorityClassName;
    const priorityClass = priority ? priorityClasses.get(priority) : undefined;
    if (priorityClass) deps.push(priorityClass);
    if (obj.kind === 'APIService') {
      const ref = (obj.spec as { service?: { name?: string; namespace?: string } } | undefined)?.service;
      const service = ref?.name ? objects.find((o) => o.kind === 'Service' && key(o.metadata.namespace, o.metadata.name) === key(ref.namespace, ref.name!)) : undefined;
      if (service) {
        deps.push(out.get(service)!);
        const selector = (service.spec as { selector?: Record<string, string> } | undefined)?.selector;
        for (const workload of objects.filter((o) => (o.kind === 'Deployment' || o.kind === 'StatefulSet') && o.metadata.namespace === service.metadata.namespace)) {
          const labels = (workload.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template?.metadata?.labels;
          if (selects(selector, labels)) deps.push(out.get(workload)!);
        }
      }
    }
    const legacy = legacyObjectName(prefix, obj);
    const res = registerObject(kubernetesObjectName(prefix, obj), obj, {
      ...opts,
      ...(deps.length ? { dependsOn: deps } : {}),
      ...(legacyCounts.get(legacy) === 1 ? { aliases: [...(opts.aliases ?? []), { name: legacy }] } : {}),
    });
    if (obj.kind === 'Namespace') namespaces.set(obj.metadata.name, res);
    if (obj.kind === 'PriorityClass') priorityClasses.set(obj.metadata.name, res);
    out.set(obj, res);
  }
  return out;
}
