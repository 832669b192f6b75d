/**
 * Manifest checker for tests: finds what a Kubernetes 1.33 API server would reject (and broken
 * references inside a manifest set) without an API server.
 *
 * ```ts
 * expectValidManifests(Testing.synth(chart));
 * expectValidManifests(loadManifestDir('charts-out'), { crdKinds: ['monitoring.coreos.com/v1/ServiceMonitor'] });
 * ```
 *
 * Checks, per object:
 * 1. the apiVersion/kind is served by a default 1.33 API server (or is a declared custom resource);
 * 2. JSON-schema validation with `kubernetes-models` (types, required fields, formats);
 * 3. unknown fields against the `@kubernetes/client-node` models (typos, fields at the wrong level);
 * 4. rules the API server enforces in code: names, labels, selectors, pod specs, resources,
 *    probes, HPA (autoscaling/v2) limits, PDBs, Services, RBAC, ConfigMaps/Secrets, APIServices;
 *    and what it accepts but the cluster then ignores: ClusterRole aggregation labels that
 *    aggregate into nothing (or give `view` users writes);
 * 5. references inside the set (HPA targets, Service selectors and named target ports, service
 *    accounts, ConfigMaps/Secrets, PDB selectors and budgets that would block every drain of the
 *    workloads they select, RBAC roleRefs, APIService services, claims and their StorageClass,
 *    PriorityClasses);
 * 6. Pod Security Standards for namespaces labelled `pod-security.kubernetes.io/enforce`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { parseAllDocuments } from 'yaml';

import { checkHpaSpec, METRIC_SOURCES } from './hpa-rules';
import {
  checkAnnotations,
  checkLabels,
  checkLabelSelector,
  isEmptySelector,
  mapSelectorMatches,
  selectorMatches,
} from './k8s-meta';
import { configMapKey, dns1035Label, dns1123Label, dns1123Subdomain, ianaSvcName, pathSegmentName } from './k8s-names';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ModelClass, schemaModelFor, validateWithSchema } from './k8s-schema';
import { findUnknownFields, loadTypeIndex, rootClassFor, type TypeIndex } from './k8s-types';
import { checkPodSecurity, type PodSecurityLevel } from './pod-security';
import { checkPodSpec } from './pod-rules';
import {
  asArray,
  asNumber,
  asRecord,
  asString,
  asStringMap,
  isRecord,
  joinPath,
  type JsonObject,
  type ManifestProblem,
  Reporter,
  show,
} from './problems';

export type { ManifestProblem } from './problems';
export { checkPodSecurity, checkRestrictedPodSecurity, type PodSecurityLevel } from './pod-security';

/** Options of {@link checkManifests}. */
export interface CheckOptions {
  /**
   * Objects assumed to exist outside the set, so references to them are not problems:
   * `Kind/name` (any namespace) or `Kind/namespace/name`; `*` matches any namespace or name.
   * E.g. `ServiceAccount/inference/llm`, `Secret/*\/hf-token`, `ClusterRole/prometheus`,
   * `Deployment/inference/*`. `Pod/namespace/*` declares pods created outside the set, so that
   * Service and PodDisruptionBudget selectors in that namespace need not match a pod template of the set.
   */
  readonly externalRefs?: readonly string[];
  /**
   * Custom-resource kinds installed in the cluster, as `group/version/Kind`,
   * e.g. `monitoring.coreos.com/v1/ServiceMonitor`. Only their metadata is checked.
   * Kinds of CustomResourceDefinitions in the set are added automatically.
   */
  readonly crdKinds?: readonly string[];
  /** Alpha feature gates assumed enabled on the cluster (all are off by default in 1.33). */
  readonly featureGates?: {
    /** Allows HPA `minReplicas: 0` when the HPA has an Object or External metric. */
    readonly HPAScaleToZero?: boolean;
    /** Allows HPA `behavior.scaleUp/scaleDown.tolerance`. */
    readonly HPAConfigurableTolerance?: boolean;
  };
  /** A Pod Security Standards level every pod template must meet, whatever its namespace. */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * The cluster has a default StorageClass, so a PersistentVolumeClaim without
   * `storageClassName` binds. Off by default: a new EKS cluster has none, and such a claim stays
   * Pending unless a StorageClass of the set is annotated `storageclass.kubernetes.io/is-default-class`.
   */
  readonly defaultStorageClass?: boolean;
}

/**
 * Custom resources whose CRDs are a documented prerequisite of the platform, with the model
 * their objects are schema-checked against: KEDA's ScaledObject (`@kubernetes-models/keda`,
 * generated from KEDA 2.x's CRDs) and the prometheus-operator's PrometheusRule
 * (`@kubernetes-models/prometheus-operator`, generated from its CRDs).
 */
const KNOWN_CUSTOM_KINDS: ReadonlyMap<string, { readonly namespaced: boolean; readonly model: ModelClass }> = new Map([
  ['keda.sh/v1alpha1 ScaledObject', { namespaced: true, model: ScaledObject as unknown as ModelClass }],
  ['monitoring.coreos.com/v1 PrometheusRule', { namespaced: true, model: PrometheusRule as unknown as ModelClass }],
]);

/** Kinds of built-in cluster-scoped resources. */
const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ComponentStatus', 'ClusterRole', 'ClusterRoleBinding', 'APIService',
  'CustomResourceDefinition', 'StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment', 'VolumeAttributesClass',
  'PriorityClass', 'RuntimeClass', 'IngressClass', 'IPAddress', 'ServiceCIDR', 'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding', 'CertificateSigningRequest', 'ClusterTrustBundle',
  'FlowSchema', 'PriorityLevelConfiguration', 'TokenReview', 'SelfSubjectReview', 'SubjectAccessReview',
  'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'DeviceClass', 'StorageVersionMigration',
]);

/** Workload kinds whose pods an HPA can scale (they have a `scale` subresource). */
const SCALABLE_KINDS = new Set(['apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', '/ReplicationController']);

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const WELL_KNOWN_CLUSTER_ROLES = new Set(['cluster-admin', 'admin', 'edit', 'view']);
/** PriorityClasses every cluster has. */
const WELL_KNOWN_PRIORITY_CLASSES = new Set(['system-node-critical', 'system-cluster-critical']);
/** Annotation marking the cluster's default StorageClass. */
const DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
/** Roles every cluster bootstraps, as `namespace/name`. */
const WELL_KNOWN_ROLES = new Set(['kube-system/extension-apiserver-authentication-reader']);
const PSS_LEVELS = new Set(['privileged', 'baseline', 'restricted']);

/** A pod template found in a workload (or a Pod's own spec). */
interface PodTemplate {
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: JsonObject;
  /** Dotted path of the pod spec. */
  readonly specPath: string;
}

/** One object of the set, with what the checks need to know about it. */
interface Entry {
  readonly index: number;
  readonly obj: JsonObject;
  readonly apiVersion: string;
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly name: string;
  /** '' when unset or cluster-scoped. */
  readonly namespace: string;
  readonly clusterScoped: boolean;
  readonly r: Reporter;
  readonly pods: readonly PodTemplate[];
}

interface ExternalRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

interface CustomKind {
  readonly namespaced: boolean | undefined;
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function parseExternalRefs(refs: readonly string[]): ExternalRef[] {
  return refs.map((ref) => {
    const parts = ref.split('/');
    if (parts.length === 2) return { kind: parts[0] ?? '', namespace: '*', name: parts[1] ?? '' };
    if (parts.length === 3) return { kind: parts[0] ?? '', namespace: parts[1] ?? '', name: parts[2] ?? '' };
    throw new Error(`externalRefs entry ${JSON.stringify(ref)} must be "Kind/name" or "Kind/namespace/name"`);
  });
}

function parseCrdKinds(kinds: readonly string[]): Map<string, CustomKind> {
  const out = new Map<string, CustomKind>();
  for (const k of kinds) {
    const slash = k.lastIndexOf('/');
    if (slash <= 0 || !k.slice(0, slash).includes('/')) {
      throw new Error(`crdKinds entry ${JSON.stringify(k)} must be "group/version/Kind", e.g. "monitoring.coreos.com/v1/ServiceMonitor"`);
    }
    out.set(`${k.slice(0, slash)} ${k.slice(slash + 1)}`, { namespaced: undefined });
  }
  return out;
}

/** Levenshtein distance, for "did you mean" hints. */
function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] ?? 0;
      prev[j] = Math.min((prev[j] ?? 0) + 1, (prev[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length] ?? 0;
}

function unknownFieldMessage(field: string, model: string, known: readonly string[]): string {
  const close = known
    .map((k) => ({ k, d: k.toLowerCase() === field.toLowerCase() ? 0 : editDistance(field, k) }))
    .filter(({ d }) => d <= Math.max(1, Math.floor(field.length / 4)))
    .sort((x, y) => x.d - y.d)[0];
  const hint = close ? `did you mean ${close.k}? ` : '';
  const list = known.length <= 15 ? `known fields: ${known.join(', ')}` : `${known.length} known fields`;
  return `${field} is not a field of ${model}; the API server rejects or drops unknown fields (${hint}${list})`;
}

function podTemplatesOf(group: string, kind: string, obj: JsonObject): PodTemplate[] {
  const spec = asRecord(obj.spec);
  const fromTemplate = (template: unknown, at: string): PodTemplate[] => {
    const t = asRecord(template);
    const podSpec = asRecord(t?.spec);
    if (!t || !podSpec) return [];
    return [{ labels: asStringMap(asRecord(t.metadata)?.labels), spec: podSpec, specPath: joinPath(at, 'spec') }];
  };
  if (group === '' && kind === 'Pod') {
    return spec ? [{ labels: asStringMap(asRecord(obj.metadata)?.labels), spec, specPath: 'spec' }] : [];
  }
  if (group === '' && kind === 'PodTemplate') return fromTemplate(obj.template, 'template');
  if (
    (group === 'apps' && ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'].includes(kind)) ||
    (group === 'batch' && kind === 'Job') ||
    (group === '' && kind === 'ReplicationController')
  ) {
    return fromTemplate(spec?.template, 'spec.template');
  }
  if (group === 'batch' && kind === 'CronJob') {
    return fromTemplate(asRecord(asRecord(spec?.jobTemplate)?.spec)?.template, 'spec.jobTemplate.spec.template');
  }
  return [];
}

function objectLabel(kind: string, namespace: string, name: string): string {
  return namespace === '' ? `${kind} ${name}` : `${kind} ${namespace}/${name}`;
}

// ---------------------------------------------------------------------------------------------
// Per-kind rules
// ---------------------------------------------------------------------------------------------

function checkNonNegativeFields(obj: JsonObject, fields: readonly string[], at: string, r: Reporter): void {
  for (const f of fields) {
    const v = asNumber(obj[f]);
    if (v !== undefined && v < 0) r.add(joinPath(at, f), `${f} is ${v}; must be greater than or equal to 0`);
  }
}

/** Validates an int-or-percent field (`3` or `"25%"`), as ValidatePositiveIntOrPercent does. */
function checkIntOrPercent(value: unknown, at: string, field: string, r: Reporter, maxPercent?: number): void {
  if (typeof value === 'number') {
    if (value < 0) r.add(at, `${field} is ${value}; must be greater than or equal to 0`);
  } else if (typeof value === 'string') {
    const m = /^([0-9]+)%$/.exec(value);
    if (!m) r.add(at, `${field} is ${show(value)}; must be an integer or a percentage string such as "25%"`);
    else if (maxPercent !== undefined && Number(m[1]) > maxPercent) r.add(at, `${field} is ${show(value)}; must not be greater than ${maxPercent}%`);
  }
}

function isZeroIntOrPercent(value: unknown): boolean {
  return value === 0 || (typeof value === 'string' && /^0+%$/.test(value));
}

function checkRollingUpdateSurge(ru: JsonObject, at: string, r: Reporter, defaults: { maxUnavailable: unknown; maxSurge: unknown }): void {
  checkIntOrPercent(ru.maxUnavailable, joinPath(at, 'maxUnavailable'), 'maxUnavailable', r, 100);
  checkIntOrPercent(ru.maxSurge, joinPath(at, 'maxSurge'), 'maxSurge', r);
  const mu = ru.maxUnavailable ?? defaults.maxUnavailable;
  const ms = ru.maxSurge ?? defaults.maxSurge;
  if (isZeroIntOrPercent(mu) && isZeroIntOrPercent(ms)) {
    r.add(joinPath(at, 'maxUnavailable'), `maxUnavailable is ${show(mu)} and maxSurge is ${show(ms)}; they may not both be 0`);
  }
}

function checkWorkload(e: Entry): void {
  const spec = asRecord(e.obj.spec);
  if (!spec) return;
  const { r, group, kind } = e;
  const templateLabels = e.pods[0]?.labels ?? {};
  const templatePath = kind === 'CronJob' ? 'spec.jobTemplate.spec.template' : 'spec.template';
  const templateMeta = kind === 'CronJob' ? asRecord(asRecord(asRecord(asRecord(spec.jobTemplate)?.spec)?.template)?.metadata) : asRecord(asRecord(spec.template)?.metadata);
  if (templateMeta) {
    checkLabels(templateMeta.labels, joinPath(joinPath(templatePath, 'metadata'), 'labels'), r);
    checkAnnotations(templateMeta.annotations, joinPath(joinPath(templatePath, 'metadata'), 'annotations'), r);
  }

  if (group === 'apps') {
    const selector = asRecord(spec.selector);
    if (selector) {
      checkLabelSelector(selector, 'spec.selector', r);
      if (isEmptySelector(selector)) {
        r.add('spec.selector', `selector is ${show(spec.selector)}; an empty selector is invalid for a ${kind}`);
      } else if (!selectorMatches(selector, templateLabels)) {
        r.add('spec.selector', `selector ${show(spec.selector)} does not match template labels ${show(templateLabels)}; the selector must select the pod template`);
      }
    }
    checkNonNegativeFields(spec, ['replicas', 'minReadySeconds', 'revisionHistoryLimit'], 'spec', r);
  }
  if (group === '' && kind === 'ReplicationController') {
    const selector = asStringMap(spec.selector);
    checkLabels(spec.selector, 'spec.selector', r);
    if (Object.keys(selector).length > 0 && !mapSelectorMatches(selector, templateLabels)) {
      r.add('spec.selector', `selector ${show(selector)} does not match template labels ${show(templateLabels)}`);
    }
  }

  if (group === 'apps' && kind === 'Deployment') {
    const strategy = asRecord(spec.strategy) ?? {};
    const type = strategy.type ?? 'RollingUpdate';
    if (type !== 'RollingUpdate' && type !== 'Recreate') {
      r.add('spec.strategy.type', `strategy.type is ${show(type)}; must be RollingUpdate or Recreate`);
    }
    const ru = asRecord(strategy.rollingUpdate);
    if (ru && type === 'Recreate') {
      r.add('spec.strategy.rollingUpdate', "strategy.rollingUpdate is set; may not be specified when strategy type is 'Recreate'");
    } else if (ru) {
      checkRollingUpdateSurge(ru, 'spec.strategy.rollingUpdate', r, { maxUnavailable: '25%', maxSurge: '25%' });
    }
    const pds = asNumber(spec.progressDeadlineSeconds);
    const mrs = asNumber(spec.minReadySeconds) ?? 0;
    if (pds !== undefined && pds <= mrs) {
      r.add('spec.progressDeadlineSeconds', `progressDeadlineSeconds is ${pds}; must be greater than minReadySeconds (${mrs})`);
    }
  }
  if (group === 'apps' && kind === 'DaemonSet') {
    const strategy = asRecord(spec.updateStrategy) ?? {};
    const type = strategy.type ?? 'RollingUpdate';
    if (type !== 'RollingUpdate' && type !== 'OnDelete') r.add('spec.updateStrategy.type', `updateStrategy.type is ${show(type)}; must be RollingUpdate or OnDelete`);
    const ru = asRecord(strategy.rollingUpdate);
    if (ru) checkRollingUpdateSurge(ru, 'spec.updateStrategy.rollingUpdate', r, { maxUnavailable: 1, maxSurge: 0 });
  }
  if (group === 'apps' && kind === 'StatefulSet') {
    const pmp = spec.podManagementPolicy;
    if (pmp !== undefined && pmp !== 'OrderedReady' && pmp !== 'Parallel') {
      r.add('spec.podManagementPolicy', `podManagementPolicy is ${show(pmp)}; must be OrderedReady or Parallel`);
    }
    const strategy = asRecord(spec.updateStrategy) ?? {};
    const type = strategy.type ?? 'RollingUpdate';
    if (type !== 'RollingUpdate' && type !== 'OnDelete') r.add('spec.updateStrategy.type', `updateStrategy.type is ${show(type)}; must be RollingUpdate or OnDelete`);
    const ru = asRecord(strategy.rollingUpdate);
    if (ru && type === 'OnDelete') r.add('spec.updateStrategy.rollingUpdate', "updateStrategy.rollingUpdate is set; only allowed when type is 'RollingUpdate'");
    if (ru) checkNonNegativeFields(ru, ['partition'], 'spec.updateStrategy.rollingUpdate', r);
    asArray(spec.volumeClaimTemplates).forEach((v, i) => {
      const vct = asRecord(v);
      if (!vct) return;
      const at = joinPath('spec.volumeClaimTemplates', i);
      const name = asString(asRecord(vct.metadata)?.name);
      if (name === undefined) r.add(joinPath(at, 'metadata.name'), 'metadata.name is unset; required');
      else if (dns1123Subdomain(name)) r.add(joinPath(at, 'metadata.name'), `metadata.name is ${show(name)}; ${dns1123Subdomain(name) ?? ''}`);
      checkPvcSpec(vct.spec, joinPath(at, 'spec'), r);
    });
  }
  if (group === 'batch' && (kind === 'Job' || kind === 'CronJob')) {
    const jobSpec = kind === 'Job' ? spec : asRecord(asRecord(spec.jobTemplate)?.spec);
    const jobPath = kind === 'Job' ? 'spec' : 'spec.jobTemplate.spec';
    if (jobSpec) {
      checkNonNegativeFields(jobSpec, ['parallelism', 'completions', 'backoffLimit', 'ttlSecondsAfterFinished'], jobPath, r);
      const ads = asNumber(jobSpec.activeDeadlineSeconds);
      if (ads !== undefined && ads <= 0) r.add(joinPath(jobPath, 'activeDeadlineSeconds'), `activeDeadlineSeconds is ${ads}; must be greater than 0`);
      if (jobSpec.completionMode === 'Indexed' && jobSpec.completions === undefined) {
        r.add(joinPath(jobPath, 'completions'), 'completions is unset; required when completionMode is Indexed');
      }
      const selector = asRecord(jobSpec.selector);
      if (jobSpec.manualSelector === true) {
        if (!selector) r.add(joinPath(jobPath, 'selector'), 'selector is unset; required when manualSelector is true');
        else {
          checkLabelSelector(selector, joinPath(jobPath, 'selector'), r);
          if (!selectorMatches(selector, templateLabels)) r.add(joinPath(jobPath, 'selector'), `selector ${show(selector)} does not match template labels ${show(templateLabels)}`);
        }
      } else if (selector) {
        r.add(joinPath(jobPath, 'selector'), `selector is ${show(selector)}; the selector is generated by the API server unless manualSelector is true`);
      }
    }
    if (kind === 'CronJob') {
      const schedule = asString(spec.schedule);
      if (schedule !== undefined) {
        if (/(^|\s)(CRON_)?TZ=/.test(schedule)) r.add('spec.schedule', `schedule is ${show(schedule)}; TZ/CRON_TZ may not be used in schedule, use spec.timeZone`);
        else if (!schedule.startsWith('@') && schedule.trim().split(/\s+/).length !== 5) r.add('spec.schedule', `schedule is ${show(schedule)}; must be a standard 5-field cron expression or a @descriptor`);
      }
      const cp = spec.concurrencyPolicy;
      if (cp !== undefined && cp !== 'Allow' && cp !== 'Forbid' && cp !== 'Replace') r.add('spec.concurrencyPolicy', `concurrencyPolicy is ${show(cp)}; must be Allow, Forbid or Replace`);
      checkNonNegativeFields(spec, ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit'], 'spec', r);
    }
  }
}

function checkPvcSpec(specValue: unknown, at: string, r: Reporter): void {
  const spec = asRecord(specValue);
  if (!spec) return;
  if (asArray(spec.accessModes).length === 0 && !isRecord(spec.dataSourceRef)) {
    r.add(joinPath(at, 'accessModes'), `accessModes is ${show(spec.accessModes)}; at least one access mode is required`);
  }
  asArray(spec.accessModes).forEach((m, i) => {
    if (!['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'].includes(String(m))) {
      r.add(joinPath(joinPath(at, 'accessModes'), i), `access mode is ${show(m)}; must be ReadWriteOnce, ReadOnlyMany, ReadWriteMany or ReadWriteOncePod`);
    }
  });
  const storage = asRecord(asRecord(spec.resources)?.requests)?.storage;
  if (storage === undefined) r.add(joinPath(at, 'resources.requests.storage'), 'resources.requests.storage is unset; required');
}

function checkService(e: Entry): void {
  const spec = asRecord(e.obj.spec);
  if (!spec) return;
  const { r } = e;
  const type = spec.type ?? 'ClusterIP';
  if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(String(type))) {
    r.add('spec.type', `type is ${show(type)}; must be ClusterIP, NodePort, LoadBalancer or ExternalName`);
  }
  const headless = spec.clusterIP === 'None';
  if (headless && (type === 'NodePort' || type === 'LoadBalancer')) {
    r.add('spec.clusterIP', `clusterIP is "None"; may not be None for ${String(type)} services`);
  }
  if (type === 'ExternalName') {
    const en = asString(spec.externalName);
    if (!en) r.add('spec.externalName', 'externalName is unset; required for ExternalName services');
    else if (dns1123Subdomain(en.replace(/\.$/, '').toLowerCase())) r.add('spec.externalName', `externalName is ${show(en)}; ${dns1123Subdomain(en.toLowerCase()) ?? ''}`);
  }
  const ports = asArray(spec.ports);
  if (ports.length === 0 && !headless && type !== 'ExternalName') {
    r.add('spec.ports', 'ports is empty; a Service needs at least one port (unless headless or ExternalName)');
  }
  const names = new Set<string>();
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    const port = asRecord(p);
    if (!port) return;
    const at = joinPath('spec.ports', i);
    const name = asString(port.name);
    if (name === undefined || name === '') {
      if (ports.length > 1) r.add(joinPath(at, 'name'), 'port name is unset; required when a Service has more than one port');
    } else {
      const bad = dns1123Label(name);
      if (bad) r.add(joinPath(at, 'name'), `port name ${show(name)} ${bad}`);
      if (names.has(name)) r.add(joinPath(at, 'name'), `port name ${show(name)} is a duplicate; must be unique`);
      names.add(name);
    }
    const num = asNumber(port.port);
    if (num !== undefined && (num < 1 || num > 65535)) r.add(joinPath(at, 'port'), `port is ${num}; must be between 1 and 65535`);
    const proto = port.protocol ?? 'TCP';
    if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') r.add(joinPath(at, 'protocol'), `protocol is ${show(proto)}; must be TCP, UDP or SCTP`);
    const key = `${String(num)}/${String(proto)}`;
    if (portKeys.has(key)) r.add(joinPath(at, 'port'), `port ${String(num)}/${String(proto)} is a duplicate; port and protocol must be unique`);
    portKeys.add(key);
    const tp = port.targetPort;
    if (typeof tp === 'number' && (tp < 1 || tp > 65535)) r.add(joinPath(at, 'targetPort'), `targetPort is ${tp}; must be between 1 and 65535`);
    if (typeof tp === 'string') {
      const bad = ianaSvcName(tp);
      if (bad) r.add(joinPath(at, 'targetPort'), `targetPort is ${show(tp)}; a named port ${bad}`);
    }
    if (port.nodePort !== undefined && port.nodePort !== null && port.nodePort !== 0 && (type === 'ClusterIP' || type === 'ExternalName')) {
      r.add(joinPath(at, 'nodePort'), `nodePort is ${show(port.nodePort)}; may not be used when type is ${String(type)}`);
    }
  });
  checkLabels(spec.selector, 'spec.selector', r);
  const sa = spec.sessionAffinity;
  if (sa !== undefined && sa !== 'ClientIP' && sa !== 'None') r.add('spec.sessionAffinity', `sessionAffinity is ${show(sa)}; must be ClientIP or None`);
}

function checkPdb(e: Entry): void {
  const spec = asRecord(e.obj.spec);
  if (!spec) return;
  const { r } = e;
  const hasMin = spec.minAvailable !== undefined && spec.minAvailable !== null;
  const hasMax = spec.maxUnavailable !== undefined && spec.maxUnavailable !== null;
  if (hasMin && hasMax) r.add('spec', `minAvailable (${show(spec.minAvailable)}) and maxUnavailable (${show(spec.maxUnavailable)}) are both set; set exactly one`);
  if (!hasMin && !hasMax) r.add('spec', 'neither minAvailable nor maxUnavailable is set; set exactly one');
  if (hasMin) checkIntOrPercent(spec.minAvailable, 'spec.minAvailable', 'minAvailable', r, 100);
  if (hasMax) checkIntOrPercent(spec.maxUnavailable, 'spec.maxUnavailable', 'maxUnavailable', r, 100);
  const selector = asRecord(spec.selector);
  if (!selector) r.add('spec.selector', 'selector is unset; a PodDisruptionBudget without a selector protects no pods');
  else checkLabelSelector(selector, 'spec.selector', r);
  const uhp = spec.unhealthyPodEvictionPolicy;
  if (uhp !== undefined && uhp !== 'IfHealthyBudget' && uhp !== 'AlwaysAllow') {
    r.add('spec.unhealthyPodEvictionPolicy', `unhealthyPodEvictionPolicy is ${show(uhp)}; must be IfHealthyBudget or AlwaysAllow`);
  }
}

function checkRbac(e: Entry): void {
  const { r, kind, obj } = e;
  if (kind === 'Role' || kind === 'ClusterRole') {
    const namespaced = kind === 'Role';
    if (kind === 'ClusterRole') checkAggregationLabels(e);
    if (kind === 'ClusterRole' && isRecord(obj.aggregationRule)) return;
    asArray(obj.rules).forEach((x, i) => {
      const rule = asRecord(x);
      if (!rule) return;
      const at = joinPath('rules', i);
      if (asArray(rule.verbs).length === 0) r.add(joinPath(at, 'verbs'), `verbs is ${show(rule.verbs)}; must contain at least one value`);
      const nonResource = asArray(rule.nonResourceURLs);
      if (nonResource.length > 0) {
        if (namespaced) r.add(joinPath(at, 'nonResourceURLs'), 'nonResourceURLs is set; namespaced rules cannot apply to non-resource URLs');
        if (asArray(rule.apiGroups).length > 0 || asArray(rule.resources).length > 0) r.add(at, 'rule has both nonResourceURLs and apiGroups/resources; rules cannot apply to both');
        return;
      }
      if (asArray(rule.apiGroups).length === 0) r.add(joinPath(at, 'apiGroups'), `apiGroups is ${show(rule.apiGroups)}; resource rules must supply at least one api group ("" is the core group)`);
      if (asArray(rule.resources).length === 0) r.add(joinPath(at, 'resources'), `resources is ${show(rule.resources)}; resource rules must supply at least one resource`);
    });
    return;
  }
  // RoleBinding / ClusterRoleBinding
  const roleRef = asRecord(obj.roleRef);
  if (roleRef) {
    if (roleRef.apiGroup !== RBAC_GROUP) r.add('roleRef.apiGroup', `roleRef.apiGroup is ${show(roleRef.apiGroup)}; must be ${RBAC_GROUP}`);
    const allowedKinds = kind === 'RoleBinding' ? ['Role', 'ClusterRole'] : ['ClusterRole'];
    if (!allowedKinds.includes(String(roleRef.kind))) r.add('roleRef.kind', `roleRef.kind is ${show(roleRef.kind)}; must be ${allowedKinds.join(' or ')}`);
    const name = asString(roleRef.name);
    if (name === '' || (name !== undefined && pathSegmentName(name))) r.add('roleRef.name', `roleRef.name is ${show(name)}; must be a non-empty name without '/' or '%'`);
  }
  asArray(obj.subjects).forEach((s, i) => {
    const subject = asRecord(s);
    if (!subject) return;
    const at = joinPath('subjects', i);
    const sk = subject.kind;
    if (sk === 'ServiceAccount') {
      if (subject.apiGroup !== undefined && subject.apiGroup !== '') r.add(joinPath(at, 'apiGroup'), `apiGroup is ${show(subject.apiGroup)}; must be "" for ServiceAccount subjects`);
      const name = asString(subject.name);
      if (name !== undefined && dns1123Subdomain(name)) r.add(joinPath(at, 'name'), `ServiceAccount name ${show(name)} ${dns1123Subdomain(name) ?? ''}`);
      if (kind === 'ClusterRoleBinding' && !asString(subject.namespace)) r.add(joinPath(at, 'namespace'), 'namespace is unset; required for ServiceAccount subjects of a ClusterRoleBinding');
    } else if (sk === 'User' || sk === 'Group') {
      if (subject.apiGroup !== RBAC_GROUP) r.add(joinPath(at, 'apiGroup'), `apiGroup is ${show(subject.apiGroup)}; must be ${RBAC_GROUP} for ${sk} subjects`);
    } else {
      r.add(joinPath(at, 'kind'), `subject kind is ${show(sk)}; must be ServiceAccount, User or Group`);
    }
  });
}

/** The label prefix the bootstrap aggregated ClusterRoles select on. */
const AGGREGATE_TO = `${RBAC_GROUP}/aggregate-to-`;
/** Bootstrap ClusterRoles that aggregate labelled roles (their aggregationRule selects `<prefix><name>: "true"`). */
const AGGREGATING_ROLES = new Set(['admin', 'edit', 'view']);
const READ_VERBS = new Set(['get', 'list', 'watch']);

/**
 * Aggregation labels: the bootstrap `admin`, `edit` and `view` ClusterRoles select
 * `rbac.authorization.k8s.io/aggregate-to-<role>: "true"`; any other role name or value
 * aggregates into nothing, silently. A role aggregated into `view` must grant only read verbs,
 * or every viewer in the cluster gains its writes.
 */
function checkAggregationLabels(e: Entry): void {
  const labels = asStringMap(asRecord(e.obj.metadata)?.labels);
  for (const [key, value] of Object.entries(labels)) {
    if (!key.startsWith(AGGREGATE_TO)) continue;
    const at = joinPath('metadata.labels', key);
    const target = key.slice(AGGREGATE_TO.length);
    if (!AGGREGATING_ROLES.has(target)) e.r.add(at, `label ${key} aggregates into ${show(target)}, which no bootstrap ClusterRole aggregates; use aggregate-to-admin, aggregate-to-edit or aggregate-to-view`);
    if (value !== 'true') e.r.add(at, `label ${key} is ${show(value)}; the aggregating ClusterRoles select "true", so this role is aggregated nowhere`);
    if (target === 'view') {
      asArray(e.obj.rules).forEach((x, i) => {
        const writes = asArray(asRecord(x)?.verbs).filter((v) => typeof v !== 'string' || !READ_VERBS.has(v));
        if (writes.length) e.r.add(joinPath(joinPath('rules', i), 'verbs'), `verbs include ${writes.map((v) => show(v)).join(', ')}, but the role is aggregated into view: every read-only user would gain them; grant only get, list and watch`);
      });
    }
  }
}

function checkDataKeys(e: Entry, fields: readonly string[], maxBytes: number): void {
  const { r, obj } = e;
  const seen = new Set<string>();
  let size = 0;
  for (const f of fields) {
    const data = asRecord(obj[f]);
    if (!data) continue;
    for (const [key, value] of Object.entries(data)) {
      const bad = configMapKey(key);
      if (bad) r.add(joinPath(f, key), `key ${show(key)} ${bad}`);
      if (seen.has(key) && !(f === 'stringData')) r.add(joinPath(f, key), `key ${show(key)} appears in more than one of ${fields.join(', ')}; keys must be unique`);
      seen.add(key);
      if (typeof value === 'string') size += Buffer.byteLength(key) + (f === 'data' && e.kind === 'Secret' ? Math.floor((value.length * 3) / 4) : Buffer.byteLength(value));
    }
  }
  if (size > maxBytes) r.add(fields[0] ?? 'data', `data totals about ${size} bytes; must be at most ${maxBytes} bytes`);
}

function checkSecret(e: Entry): void {
  checkDataKeys(e, ['data', 'stringData'], 1024 * 1024);
  const { r, obj } = e;
  const keys = new Set([...Object.keys(asRecord(obj.data) ?? {}), ...Object.keys(asRecord(obj.stringData) ?? {})]);
  const type = asString(obj.type) ?? 'Opaque';
  const need = (key: string): void => {
    if (!keys.has(key)) r.add('data', `data has no ${show(key)} key; required for type ${type}`);
  };
  switch (type) {
    case 'kubernetes.io/tls':
      need('tls.crt');
      need('tls.key');
      break;
    case 'kubernetes.io/dockerconfigjson':
      need('.dockerconfigjson');
      break;
    case 'kubernetes.io/dockercfg':
      need('.dockercfg');
      break;
    case 'kubernetes.io/ssh-auth':
      need('ssh-privatekey');
      break;
    case 'kubernetes.io/service-account-token':
      if (!asString(asRecord(asRecord(obj.metadata)?.annotations)?.['kubernetes.io/service-account.name'])) {
        r.add('metadata.annotations', 'annotation kubernetes.io/service-account.name is unset; required for type kubernetes.io/service-account-token');
      }
      break;
    default:
      break;
  }
}

function checkNamespace(e: Entry): void {
  const labels = asStringMap(asRecord(e.obj.metadata)?.labels);
  for (const mode of ['enforce', 'audit', 'warn']) {
    const key = `pod-security.kubernetes.io/${mode}`;
    const level = labels[key];
    if (level !== undefined && !PSS_LEVELS.has(level)) {
      e.r.add(joinPath('metadata.labels', key), `${key} is ${show(level)}; must be privileged, baseline or restricted`);
    }
    const version = labels[`${key}-version`];
    if (version !== undefined && version !== 'latest' && !/^v1\.(0|[1-9][0-9]*)$/.test(version)) {
      e.r.add(joinPath('metadata.labels', `${key}-version`), `${key}-version is ${show(version)}; must be "latest" or "v1.<minor>"`);
    }
  }
}

function checkApiService(e: Entry): void {
  const spec = asRecord(e.obj.spec);
  if (!spec) return;
  const { r } = e;
  const group = asString(spec.group) ?? '';
  const version = asString(spec.version) ?? '';
  const expected = group === '' ? version : `${version}.${group}`;
  if (e.name !== expected) r.add('metadata.name', `metadata.name is ${show(e.name)}; an APIService must be named <version>.<group>, here ${show(expected)}`);
  if (group !== '' && dns1123Subdomain(group)) r.add('spec.group', `group is ${show(group)}; ${dns1123Subdomain(group) ?? ''}`);
  if (version !== '' && dns1035Label(version)) r.add('spec.version', `version is ${show(version)}; ${dns1035Label(version) ?? ''}`);
  const gpm = asNumber(spec.groupPriorityMinimum);
  if (gpm !== undefined && (gpm <= 0 || gpm > 20000)) r.add('spec.groupPriorityMinimum', `groupPriorityMinimum is ${gpm}; must be positive and at most 20000`);
  const vp = asNumber(spec.versionPriority);
  if (vp !== undefined && (vp <= 0 || vp > 1000)) r.add('spec.versionPriority', `versionPriority is ${vp}; must be positive and at most 1000`);
  const hasCa = typeof spec.caBundle === 'string' && spec.caBundle !== '';
  if (spec.insecureSkipTLSVerify === true && hasCa) r.add('spec.insecureSkipTLSVerify', 'insecureSkipTLSVerify is true while caBundle is set; may not be true if caBundle is present');
  const svc = asRecord(spec.service);
  if (!svc) {
    if (hasCa) r.add('spec.caBundle', 'caBundle is set without a service; local APIServices may not have a caBundle');
    if (spec.insecureSkipTLSVerify === true) r.add('spec.insecureSkipTLSVerify', 'insecureSkipTLSVerify is true without a service; not allowed for local APIServices');
  } else {
    for (const f of ['namespace', 'name']) if (!asString(svc[f])) r.add(joinPath('spec.service', f), `service.${f} is ${show(svc[f])}; required`);
    const injected = asString(asRecord(asRecord(e.obj.metadata)?.annotations)?.['cert-manager.io/inject-ca-from']);
    if (!hasCa && spec.insecureSkipTLSVerify !== true && !injected) {
      r.add('spec', 'neither caBundle nor insecureSkipTLSVerify is set (nor a cert-manager.io/inject-ca-from annotation to fill caBundle): the API server cannot verify the service\'s certificate, so the APIService never becomes Available');
    }
    const port = asNumber(svc.port);
    if (port !== undefined && (port < 1 || port > 65535)) r.add('spec.service.port', `service.port is ${port}; must be between 1 and 65535`);
  }
}

function checkCrd(e: Entry): void {
  const spec = asRecord(e.obj.spec);
  if (!spec) return;
  const plural = asString(asRecord(spec.names)?.plural);
  const group = asString(spec.group);
  if (plural !== undefined && group !== undefined && e.name !== `${plural}.${group}`) {
    e.r.add('metadata.name', `metadata.name is ${show(e.name)}; a CustomResourceDefinition must be named <plural>.<group>, here ${show(`${plural}.${group}`)}`);
  }
}

function checkMetadata(e: Entry): void {
  const { obj, kind, group, r } = e;
  const meta = asRecord(obj.metadata);
  if (!meta) {
    r.add('metadata', `metadata is ${show(obj.metadata)}; an object with metadata.name is required`);
    return;
  }
  const name = asString(meta.name);
  if (name === undefined || name === '') {
    if (!asString(meta.generateName)) r.add('metadata.name', `metadata.name is ${show(meta.name)}; required`);
  } else {
    let rule: (v: string) => string | undefined = dns1123Subdomain;
    let ruleName = 'DNS-1123 subdomain';
    if (group === '' && kind === 'Service') {
      rule = dns1035Label;
      ruleName = 'DNS-1035 label';
    } else if (group === '' && kind === 'Namespace') {
      rule = dns1123Label;
      ruleName = 'DNS-1123 label';
    } else if (group === RBAC_GROUP) {
      rule = pathSegmentName;
      ruleName = 'path segment name';
    }
    const bad = rule(name);
    if (bad) r.add('metadata.name', `metadata.name is ${show(name)}; a ${kind} name must be a ${ruleName}: ${bad}`);
  }
  const ns = asString(meta.namespace);
  if (ns !== undefined && ns !== '' && !e.clusterScoped) {
    const bad = dns1123Label(ns);
    if (bad) r.add('metadata.namespace', `metadata.namespace is ${show(ns)}; ${bad}`);
  }
  checkLabels(meta.labels, 'metadata.labels', r);
  checkAnnotations(meta.annotations, 'metadata.annotations', r);
}

// ---------------------------------------------------------------------------------------------
// References
// ---------------------------------------------------------------------------------------------

class SetIndex {
  private readonly byKind = new Map<string, Entry[]>();

  constructor(
    readonly entries: readonly Entry[],
    private readonly external: readonly ExternalRef[],
  ) {
    for (const e of entries) {
      const list = this.byKind.get(e.kind) ?? [];
      list.push(e);
      this.byKind.set(e.kind, list);
    }
  }

  /** Objects of a kind (optionally a group) with a name, in a namespace ('' ignores the namespace for cluster-scoped kinds). */
  find(kind: string, namespace: string, name: string, group?: string): Entry | undefined {
    return (this.byKind.get(kind) ?? []).find(
      (e) => e.name === name && (e.clusterScoped || e.namespace === namespace) && (group === undefined || e.group === group),
    );
  }

  isExternal(kind: string, namespace: string, name: string): boolean {
    return this.external.some(
      (x) => x.kind === kind && (x.namespace === '*' || x.namespace === namespace) && (x.name === '*' || x.name === name),
    );
  }

  /** Pod templates of the set in a namespace. */
  podsIn(namespace: string): { entry: Entry; pod: PodTemplate }[] {
    return this.entries.filter((e) => e.namespace === namespace).flatMap((entry) => entry.pods.map((pod) => ({ entry, pod })));
  }
}

function nsText(namespace: string): string {
  return namespace === '' ? 'without a namespace' : `in namespace ${show(namespace)}`;
}

/**
 * What KEDA's admission webhook and scalers reject that the CRD schema lets through: trigger
 * metadata values must be strings; a prometheus trigger needs serverAddress, query and a numeric
 * threshold; metricType is AverageValue, Value or (cpu/memory) Utilization; a fallback only
 * next to AverageValue prometheus triggers; minReplicaCount <= maxReplicaCount.
 * @see https://keda.sh/docs/2.17/scalers/prometheus/
 * @see https://keda.sh/docs/2.17/reference/scaledobject-spec/#fallback
 */
function checkScaledObjectSpec(e: Entry): void {
  const spec = asRecord(e.obj.spec);
  if (!spec) return;
  const triggers = asArray(spec.triggers);
  if (triggers.length === 0) e.r.add('spec.triggers', 'spec.triggers is empty; KEDA needs at least one trigger');
  triggers.forEach((raw, i) => {
    const at = `spec.triggers[${i}]`;
    const t = asRecord(raw);
    if (!t) return;
    const meta = asRecord(t.metadata) ?? {};
    for (const [k, v] of Object.entries(meta)) {
      if (typeof v !== 'string') e.r.add(`${at}.metadata.${k}`, `${k} is ${show(v)}; KEDA trigger metadata values are strings`);
    }
    const type = asString(t.type);
    const metricType = asString(t.metricType);
    if (type === 'prometheus') {
      for (const k of ['serverAddress', 'query', 'threshold']) if (!asString(meta[k])) e.r.add(`${at}.metadata.${k}`, `${k} is missing; a prometheus trigger needs it`);
      for (const k of ['threshold', 'activationThreshold']) {
        const v = asString(meta[k]);
        if (v !== undefined && !/^-?\d+(\.\d+)?$/.test(v)) e.r.add(`${at}.metadata.${k}`, `${k} is ${show(v)}; KEDA parses it as a decimal number`);
      }
      if (meta.ignoreNullValues !== undefined && meta.ignoreNullValues !== 'true' && meta.ignoreNullValues !== 'false') e.r.add(`${at}.metadata.ignoreNullValues`, `ignoreNullValues is ${show(meta.ignoreNullValues)}; expected "true" or "false"`);
      if (metricType !== undefined && metricType !== 'AverageValue' && metricType !== 'Value') e.r.add(`${at}.metricType`, `metricType is ${show(metricType)}; a prometheus trigger takes AverageValue or Value`);
    } else if (type === 'cpu' || type === 'memory') {
      if (metricType !== 'Utilization' && metricType !== 'AverageValue') e.r.add(`${at}.metricType`, `metricType is ${show(metricType)}; a ${type} trigger takes Utilization or AverageValue`);
      if (!asString(meta.value)) e.r.add(`${at}.metadata.value`, `value is missing; a ${type} trigger needs it`);
    }
    if (isRecord(spec.fallback)) {
      if (type === 'cpu' || type === 'memory') e.r.add('spec.fallback', `fallback is set, but trigger ${i} is ${type}; KEDA's webhook rejects a fallback next to cpu or memory triggers`);
      else if (metricType !== 'AverageValue') e.r.add('spec.fallback', `fallback is set, but trigger ${i} has metricType ${show(metricType)}; KEDA's webhook accepts a fallback only with AverageValue triggers`);
    }
  });
  const min = spec.minReplicaCount;
  const max = spec.maxReplicaCount;
  if (typeof min === 'number' && typeof max === 'number' && min > max) e.r.add('spec.minReplicaCount', `minReplicaCount ${min} is above maxReplicaCount ${max}`);
}

/**
 * A ScaledObject scales a Deployment of the set, in its namespace, and no HPA of the set scales
 * that Deployment too: KEDA creates its own HPA, and two HPAs on one Deployment fight.
 */
function checkScaledObjectRefs(e: Entry, idx: SetIndex, entries: readonly Entry[]): void {
  const ref = asRecord(asRecord(e.obj.spec)?.scaleTargetRef);
  if (!ref) return;
  const kind = asString(ref.kind) ?? 'Deployment';
  const name = asString(ref.name) ?? '';
  const group = splitApiVersion(asString(ref.apiVersion) ?? 'apps/v1').group;
  if (name === '') return;
  const target = idx.find(kind, e.namespace, name, group);
  if (!target) {
    if (!idx.isExternal(kind, e.namespace, name)) e.r.add('spec.scaleTargetRef', `scaleTargetRef ${kind}/${name} does not name an object of the set ${nsText(e.namespace)}; add it, fix the reference, or list it in externalRefs`);
    return;
  }
  if (isRecord(asRecord(target.obj.spec)) && asRecord(target.obj.spec)!.replicas !== undefined) {
    e.r.add('spec.scaleTargetRef', `scaleTargetRef ${kind}/${name} sets spec.replicas; KEDA's HPA owns the count and every apply would reset it`);
  }
  for (const other of entries) {
    if (other.group !== 'autoscaling' || other.kind !== 'HorizontalPodAutoscaler' || other.namespace !== e.namespace) continue;
    const r = asRecord(asRecord(other.obj.spec)?.scaleTargetRef);
    if (r && asString(r.kind) === kind && asString(r.name) === name) {
      e.r.add('spec.scaleTargetRef', `scaleTargetRef ${kind}/${name} is also scaled by HorizontalPodAutoscaler ${other.name}; KEDA creates its own HPA, and two HPAs on one Deployment fight. Keep one of them`);
    }
  }
  for (const other of entries) {
    if (other === e || other.apiVersion !== e.apiVersion || other.kind !== 'ScaledObject' || other.namespace !== e.namespace) continue;
    const r = asRecord(asRecord(other.obj.spec)?.scaleTargetRef);
    if (other.index < e.index && r && (asString(r.kind) ?? 'Deployment') === kind && asString(r.name) === name) {
      e.r.add('spec.scaleTargetRef', `scaleTargetRef ${kind}/${name} is also scaled by ScaledObject ${other.name}; keep one of them`);
    }
  }
}

function checkHpaRefs(e: Entry, idx: SetIndex): void {
  const spec = asRecord(e.obj.spec);
  const ref = asRecord(spec?.scaleTargetRef);
  if (!spec || !ref) return;
  const kind = asString(ref.kind) ?? '';
  const name = asString(ref.name) ?? '';
  const refGroup = splitApiVersion(asString(ref.apiVersion) ?? '').group;
  if (kind === '' || name === '') return;
  const target = idx.find(kind, e.namespace, name, ref.apiVersion === undefined ? undefined : refGroup);
  if (!target) {
    if (!idx.isExternal(kind, e.namespace, name)) {
      e.r.add('spec.scaleTargetRef', `scaleTargetRef ${show(ref.apiVersion ?? '')} ${kind}/${name} does not name an object of the set ${nsText(e.namespace)}; add it, fix the reference, or list it in externalRefs`);
    }
    return;
  }
  const builtinScalable = SCALABLE_KINDS.has(`${target.group}/${target.kind}`);
  const builtinGroup = target.group === '' || target.group.endsWith('.k8s.io') || ['apps', 'batch', 'policy', 'autoscaling'].includes(target.group);
  if (!builtinScalable && builtinGroup) {
    e.r.add('spec.scaleTargetRef.kind', `scaleTargetRef kind is ${show(kind)}; a ${kind} has no scale subresource (scalable: Deployment, StatefulSet, ReplicaSet, ReplicationController)`);
    return;
  }
  // Utilization needs requests on the scaled pods (the HPA cannot compute utilization without them).
  const pod = target.pods[0];
  if (!pod) return;
  const containersOf = (p: PodTemplate): JsonObject[] => [
    ...asArray(p.spec.containers),
    ...asArray(p.spec.initContainers).filter((c) => asRecord(c)?.restartPolicy === 'Always'),
  ].flatMap((c) => (isRecord(c) ? [c] : []));
  const hasRequest = (c: JsonObject, resource: string): boolean => {
    const res = asRecord(c.resources);
    return asRecord(res?.requests)?.[resource] !== undefined || asRecord(res?.limits)?.[resource] !== undefined;
  };
  const metrics = spec.metrics === undefined ? [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }] : asArray(spec.metrics);
  metrics.forEach((m, i) => {
    const metric = asRecord(m);
    const type = asString(metric?.type);
    if (!metric || (type !== 'Resource' && type !== 'ContainerResource')) return;
    const src = asRecord(metric[METRIC_SOURCES[type] ?? '']);
    const resource = asString(src?.name);
    const at = spec.metrics === undefined ? 'spec.metrics' : joinPath(joinPath('spec.metrics', i), METRIC_SOURCES[type] ?? '');
    if (!src || resource === undefined) return;
    let containers = containersOf(pod);
    if (type === 'ContainerResource') {
      const cname = asString(src.container);
      containers = containers.filter((c) => c.name === cname);
      if (containers.length === 0) {
        e.r.add(joinPath(at, 'container'), `containerResource.container is ${show(cname)}, but ${target.kind} ${target.name} has no such container (containers: ${containersOf(pod).map((c) => String(c.name)).join(', ')})`);
        return;
      }
    }
    if (asRecord(src.target)?.type !== 'Utilization') return;
    for (const c of containers) {
      if (!hasRequest(c, resource)) {
        e.r.add(
          at,
          `${type} metric ${resource} has a Utilization target, but container ${show(c.name)} of ${target.kind} ${target.name} has no ${resource} request; the HPA cannot compute utilization without requests`,
        );
      }
    }
  });
}

function checkServiceRefs(e: Entry, idx: SetIndex): void {
  const spec = asRecord(e.obj.spec);
  if (!spec) return;
  const selector = asStringMap(spec.selector);
  if (Object.keys(selector).length === 0 || spec.type === 'ExternalName') return;
  const matching = idx.podsIn(e.namespace).filter(({ pod }) => mapSelectorMatches(selector, pod.labels));
  if (matching.length === 0) {
    if (!idx.isExternal('Pod', e.namespace, '*') && !idx.isExternal('Pod', e.namespace, e.name)) {
      e.r.add('spec.selector', `selector ${show(selector)} matches no pod template of the set ${nsText(e.namespace)}; the Service would have no endpoints (list "Pod/${e.namespace || '*'}/*" in externalRefs if its pods come from elsewhere)`);
    }
    return;
  }
  asArray(spec.ports).forEach((p, i) => {
    const port = asRecord(p);
    const tp = port?.targetPort;
    if (!port || typeof tp !== 'string') return;
    const proto = port.protocol ?? 'TCP';
    for (const { entry, pod } of matching) {
      const found = [...asArray(pod.spec.containers), ...asArray(pod.spec.initContainers)].some((c) =>
        asArray(asRecord(c)?.ports).some((cp) => asRecord(cp)?.name === tp && (asRecord(cp)?.protocol ?? 'TCP') === proto),
      );
      if (!found) {
        e.r.add(
          joinPath(joinPath('spec.ports', i), 'targetPort'),
          `targetPort is ${show(tp)} (${String(proto)}), but the pods of ${entry.kind} ${entry.name} declare no ${String(proto)} container port named ${show(tp)}`,
        );
      }
    }
  });
}

function checkPdbRefs(e: Entry, idx: SetIndex): void {
  const spec = asRecord(e.obj.spec);
  const selector = asRecord(spec?.selector);
  if (!spec || !selector) return;
  const matched = idx.podsIn(e.namespace).filter(({ pod }) => selectorMatches(selector, pod.labels));
  if (matched.length) {
    checkPdbAllowsEviction(e, spec, matched.map(({ entry }) => entry));
    return;
  }
  if (idx.isExternal('Pod', e.namespace, '*')) return;
  e.r.add('spec.selector', `selector ${show(selector)} matches no pod template of the set ${nsText(e.namespace)}; the PodDisruptionBudget protects nothing`);
}

/** Namespaces a peer's namespaceSelector names by `kubernetes.io/metadata.name`, or undefined when it selects otherwise. */
function namespacesNamed(selector: JsonObject): string[] | undefined {
  const labels = asStringMap(selector.matchLabels);
  const keys = Object.keys(labels);
  if (keys.length !== 1 || keys[0] !== 'kubernetes.io/metadata.name' || asArray(selector.matchExpressions).length > 0) return undefined;
  return [labels['kubernetes.io/metadata.name']];
}

/**
 * A NetworkPolicy whose podSelector matches no pod template of the set guards nothing (its
 * labels drifted); a numeric port no selected container declares opens nothing; a peer whose
 * podSelector matches no pod of the set in the namespace it names admits nobody.
 */
function checkNetworkPolicyRefs(e: Entry, idx: SetIndex): void {
  const spec = asRecord(e.obj.spec);
  const selector = asRecord(spec?.podSelector);
  if (!spec || !selector) return;
  const external = (ns: string): boolean => idx.isExternal('Pod', ns, '*');
  const selected = idx.podsIn(e.namespace).filter(({ pod }) => selectorMatches(selector, pod.labels));
  if (selected.length === 0) {
    if (!external(e.namespace)) e.r.add('spec.podSelector', `podSelector ${show(selector)} matches no pod template of the set ${nsText(e.namespace)}; the NetworkPolicy guards nothing`);
    return;
  }
  asArray(spec.ingress).forEach((rule, i) => {
    const at = joinPath('spec.ingress', i);
    asArray(asRecord(rule)?.ports).forEach((p, j) => {
      const port = asRecord(p)?.port;
      if (typeof port !== 'number') return;
      const proto = asRecord(p)?.protocol ?? 'TCP';
      for (const { entry, pod } of selected) {
        const declared = asArray(pod.spec.containers).some((c) => asArray(asRecord(c)?.ports).some((cp) => asRecord(cp)?.containerPort === port && (asRecord(cp)?.protocol ?? 'TCP') === proto));
        if (!declared) e.r.add(joinPath(joinPath(at, 'ports'), j), `port ${port} (${String(proto)}) is declared by no container of ${entry.kind} ${entry.name}; the rule opens nothing there`);
      }
    });
    asArray(asRecord(rule)?.from).forEach((f, j) => {
      const peer = asRecord(f);
      const podSelector = asRecord(peer?.podSelector);
      if (!peer || !podSelector || Object.keys(podSelector).length === 0) return;
      const nsSelector = asRecord(peer.namespaceSelector);
      const namespaces = nsSelector ? namespacesNamed(nsSelector) : [e.namespace];
      for (const ns of namespaces ?? []) {
        if (idx.podsIn(ns).some(({ pod }) => selectorMatches(podSelector, pod.labels)) || external(ns)) continue;
        e.r.add(joinPath(joinPath(at, 'from'), j), `podSelector ${show(podSelector)} matches no pod template of the set ${nsText(ns)}; the peer admits nobody`);
      }
    });
  });
}

/**
 * A budget that allows no disruption while every selected pod is healthy blocks every voluntary
 * eviction: `kubectl drain`, node upgrades and the cluster autoscaler's scale-down never finish.
 * Checked when every selected workload states its replicas (an HPA-owned one does not).
 */
function checkPdbAllowsEviction(e: Entry, spec: JsonObject, workloads: readonly Entry[]): void {
  const unique = [...new Set(workloads)];
  const counts = unique.map((w) => asNumber(asRecord(w.obj.spec)?.replicas));
  if (counts.some((c) => c === undefined) || unique.some((w) => !SCALABLE_KINDS.has(`${w.group}/${w.kind}`))) return;
  const replicas = (counts as number[]).reduce((a, b) => a + b, 0);
  // The disruption controller scales percentages of the expected pods rounding up, for both fields.
  const scaled = (v: unknown): number | undefined => {
    if (typeof v === 'number') return v;
    const m = typeof v === 'string' ? /^(\d+)%$/.exec(v) : null;
    return m ? Math.ceil((Number(m[1]) * replicas) / 100) : undefined;
  };
  const names = unique.map((w) => `${w.kind}/${w.name}`).join(', ');
  if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
    const min = scaled(spec.minAvailable);
    if (min !== undefined && replicas > 0 && min >= replicas) {
      e.r.add('spec.minAvailable', `minAvailable is ${show(spec.minAvailable)}, but ${names} ${unique.length === 1 ? 'has' : 'have'} ${replicas} replica${replicas === 1 ? '' : 's'}: no pod may ever be evicted, so node drains never finish; allow at least one disruption`);
    }
  } else if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    const max = scaled(spec.maxUnavailable);
    if (max === 0 && replicas > 0) {
      e.r.add('spec.maxUnavailable', `maxUnavailable is ${show(spec.maxUnavailable)} of ${replicas} replica${replicas === 1 ? '' : 's'} (${names}): no pod may ever be evicted, so node drains never finish; allow at least one disruption`);
    }
  }
}

function checkPodRefs(e: Entry, idx: SetIndex): void {
  for (const pod of e.pods) {
    const spec = pod.spec;
    const sa = asString(spec.serviceAccountName) ?? asString(spec.serviceAccount);
    if (sa !== undefined && sa !== '' && sa !== 'default' && !idx.find('ServiceAccount', e.namespace, sa) && !idx.isExternal('ServiceAccount', e.namespace, sa)) {
      e.r.add(joinPath(pod.specPath, 'serviceAccountName'), `serviceAccountName is ${show(sa)}, but no ServiceAccount ${show(sa)} is in the set ${nsText(e.namespace)}; pods would not be created (add it or list it in externalRefs)`);
    }
    const refCheck = (kind: 'ConfigMap' | 'Secret', name: unknown, optional: unknown, at: string, keys: readonly string[]): void => {
      if (typeof name !== 'string' || name === '' || optional === true) return;
      const target = idx.find(kind, e.namespace, name);
      if (!target) {
        if (!idx.isExternal(kind, e.namespace, name)) {
          e.r.add(at, `${kind} ${show(name)} is referenced but not in the set ${nsText(e.namespace)} and not optional; pods would not start (add it, mark the reference optional, or list it in externalRefs)`);
        }
        return;
      }
      const dataKeys = new Set(
        (kind === 'ConfigMap' ? ['data', 'binaryData'] : ['data', 'stringData']).flatMap((f) => Object.keys(asRecord(target.obj[f]) ?? {})),
      );
      for (const key of keys) {
        if (!dataKeys.has(key)) e.r.add(at, `${kind} ${show(name)} has no key ${show(key)} (keys: ${[...dataKeys].join(', ') || 'none'})`);
      }
    };
    asArray(spec.volumes).forEach((v, i) => {
      const vol = asRecord(v);
      if (!vol) return;
      const at = joinPath(joinPath(pod.specPath, 'volumes'), i);
      const itemKeys = (src: JsonObject): string[] => asArray(src.items).flatMap((it) => (typeof asRecord(it)?.key === 'string' ? [String(asRecord(it)?.key)] : []));
      const cm = asRecord(vol.configMap);
      if (cm) refCheck('ConfigMap', cm.name, cm.optional, joinPath(at, 'configMap'), itemKeys(cm));
      const secret = asRecord(vol.secret);
      if (secret) refCheck('Secret', secret.secretName, secret.optional, joinPath(at, 'secret'), itemKeys(secret));
      asArray(asRecord(vol.projected)?.sources).forEach((s, j) => {
        const src = asRecord(s);
        const sAt = joinPath(joinPath(joinPath(at, 'projected'), 'sources'), j);
        const pcm = asRecord(src?.configMap);
        if (pcm) refCheck('ConfigMap', pcm.name, pcm.optional, joinPath(sAt, 'configMap'), itemKeys(pcm));
        const ps = asRecord(src?.secret);
        if (ps) refCheck('Secret', ps.name, ps.optional, joinPath(sAt, 'secret'), itemKeys(ps));
      });
    });
    for (const field of ['initContainers', 'containers']) {
      asArray(spec[field]).forEach((c, i) => {
        const container = asRecord(c);
        if (!container) return;
        const cAt = joinPath(joinPath(pod.specPath, field), i);
        asArray(container.envFrom).forEach((f, j) => {
          const src = asRecord(f);
          const at = joinPath(joinPath(cAt, 'envFrom'), j);
          const cm = asRecord(src?.configMapRef);
          if (cm) refCheck('ConfigMap', cm.name, cm.optional, joinPath(at, 'configMapRef'), []);
          const s = asRecord(src?.secretRef);
          if (s) refCheck('Secret', s.name, s.optional, joinPath(at, 'secretRef'), []);
        });
        asArray(container.env).forEach((x, j) => {
          const from = asRecord(asRecord(x)?.valueFrom);
          const at = joinPath(joinPath(joinPath(cAt, 'env'), j), 'valueFrom');
          const cm = asRecord(from?.configMapKeyRef);
          if (cm) refCheck('ConfigMap', cm.name, cm.optional, joinPath(at, 'configMapKeyRef'), typeof cm.key === 'string' ? [cm.key] : []);
          const s = asRecord(from?.secretKeyRef);
          if (s) refCheck('Secret', s.name, s.optional, joinPath(at, 'secretKeyRef'), typeof s.key === 'string' ? [s.key] : []);
        });
      });
    }
  }
}

/**
 * A claim binds only to a StorageClass that exists: one named in the set (or external), or the
 * cluster's default when it names none. Otherwise it stays Pending, and so do its pods.
 */
function checkPvcRefs(e: Entry, idx: SetIndex, defaultStorageClass: boolean): void {
  const spec = asRecord(e.obj.spec);
  if (!spec) return;
  const className = spec.storageClassName;
  if (className === '') return; // Static binding to a PersistentVolume of no class.
  if (typeof className === 'string') {
    if (!idx.find('StorageClass', '', className) && !idx.isExternal('StorageClass', '', className)) {
      e.r.add('spec.storageClassName', `storageClassName is ${show(className)}, but no StorageClass ${show(className)} is in the set; the claim would stay Pending (add it or list it in externalRefs)`);
    }
    return;
  }
  const defaults = idx.entries.filter((x) => x.kind === 'StorageClass' && asStringMap(asRecord(x.obj.metadata)?.annotations)[DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true');
  if (defaults.length === 0 && !defaultStorageClass) {
    e.r.add('spec.storageClassName', 'storageClassName is unset and no StorageClass is the cluster\'s default (none in the set is annotated storageclass.kubernetes.io/is-default-class, and defaultStorageClass is off); the claim would stay Pending on a cluster without one, such as a new EKS cluster. Name a StorageClass');
  }
}

/**
 * Environment variables naming a directory a program writes to (home, temp, caches of Python,
 * Hugging Face, vLLM, Triton and PyTorch's inductor).
 */
const WRITTEN_PATH_VARIABLES = new Set([
  'HOME', 'TMPDIR', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'HF_HOME', 'HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE', 'TRANSFORMERS_CACHE',
  'VLLM_CACHE_ROOT', 'VLLM_CONFIG_ROOT', 'TRITON_CACHE_DIR', 'TORCHINDUCTOR_CACHE_DIR',
]);

/**
 * With `readOnlyRootFilesystem`, a directory a program is told to write to (by one of
 * {@link WRITTEN_PATH_VARIABLES}) must be on a writable volume, or the program fails at its
 * first write. A read-only Hugging Face cache is fine with `HF_HUB_OFFLINE=1`.
 */
function checkWritablePaths(e: Entry): void {
  for (const pod of e.pods) {
    for (const field of ['initContainers', 'containers']) {
      asArray(pod.spec[field]).forEach((c, i) => {
        const container = asRecord(c);
        if (!container || asRecord(container.securityContext)?.readOnlyRootFilesystem !== true) return;
        const mounts = asArray(container.volumeMounts).flatMap((m) => {
          const mount = asRecord(m);
          const at = asString(mount?.mountPath);
          return at ? [{ at: at.replace(/\/+$/, '') || '/', readOnly: mount?.readOnly === true }] : [];
        });
        const env = asArray(container.env).flatMap((x) => {
          const v = asRecord(x);
          const name = asString(v?.name);
          return name !== undefined && typeof v?.value === 'string' ? [{ name, value: v.value as string }] : [];
        });
        const offline = env.some((v) => v.name === 'HF_HUB_OFFLINE' && /^(1|true|yes|on)$/i.test(v.value));
        env.forEach(({ name, value }) => {
          if (!WRITTEN_PATH_VARIABLES.has(name) || !value.startsWith('/')) return;
          const mount = mounts.filter((m) => value === m.at || value.startsWith(`${m.at}/`)).sort((a, b) => b.at.length - a.at.length)[0];
          const hfCache = name.startsWith('HF_') || name === 'HUGGINGFACE_HUB_CACHE' || name === 'TRANSFORMERS_CACHE';
          if (mount && (!mount.readOnly || (hfCache && offline))) return;
          const cAt = joinPath(joinPath(pod.specPath, field), i);
          e.r.add(joinPath(cAt, 'env'), `env ${name} is ${show(value)}, ${mount ? `on the read-only volume mounted at ${show(mount.at)}` : 'on the read-only root filesystem (no volume is mounted there)'}; with readOnlyRootFilesystem the program fails when it writes there. Mount a writable volume (an emptyDir) at that path`);
        });
      });
    }
  }
}

/** Pods naming a PriorityClass that does not exist are refused; a claim that does not exist leaves them Pending. */
function checkPodSchedulingRefs(e: Entry, idx: SetIndex): void {
  for (const pod of e.pods) {
    const pc = asString(pod.spec.priorityClassName);
    if (pc !== undefined && pc !== '' && !WELL_KNOWN_PRIORITY_CLASSES.has(pc) && !idx.find('PriorityClass', '', pc) && !idx.isExternal('PriorityClass', '', pc)) {
      e.r.add(joinPath(pod.specPath, 'priorityClassName'), `priorityClassName is ${show(pc)}, but no PriorityClass ${show(pc)} is in the set; pods would be refused (add it or list it in externalRefs)`);
    }
    asArray(pod.spec.volumes).forEach((v, i) => {
      const claim = asString(asRecord(asRecord(v)?.persistentVolumeClaim)?.claimName);
      if (claim === undefined || claim === '') return;
      if (!idx.find('PersistentVolumeClaim', e.namespace, claim) && !idx.isExternal('PersistentVolumeClaim', e.namespace, claim)) {
        e.r.add(joinPath(joinPath(joinPath(joinPath(pod.specPath, 'volumes'), i), 'persistentVolumeClaim'), 'claimName'), `claimName is ${show(claim)}, but no PersistentVolumeClaim ${show(claim)} is in the set ${nsText(e.namespace)}; pods would stay Pending (add it or list it in externalRefs)`);
      }
    });
  }
}

function checkBindingRefs(e: Entry, idx: SetIndex, createdNamespaces: ReadonlySet<string>): void {
  const roleRef = asRecord(e.obj.roleRef);
  const name = asString(roleRef?.name);
  const kind = asString(roleRef?.kind);
  if (roleRef && name && (kind === 'Role' || kind === 'ClusterRole')) {
    const wellKnown = kind === 'ClusterRole'
      ? name.startsWith('system:') || WELL_KNOWN_CLUSTER_ROLES.has(name)
      : WELL_KNOWN_ROLES.has(`${e.namespace}/${name}`);
    if (!wellKnown && !idx.find(kind, e.namespace, name, RBAC_GROUP) && !idx.isExternal(kind, e.namespace, name)) {
      const where = kind === 'Role' ? ` ${nsText(e.namespace)}` : '';
      e.r.add('roleRef', `roleRef ${kind} ${show(name)} is not in the set${where} and is not a well-known cluster role; add it or list it in externalRefs`);
    }
  }
  // ServiceAccount subjects in a namespace this set creates can only come from this set.
  asArray(e.obj.subjects).forEach((s, i) => {
    const subject = asRecord(s);
    if (subject?.kind !== 'ServiceAccount') return;
    const ns = asString(subject.namespace) ?? e.namespace;
    const saName = asString(subject.name);
    if (!saName || saName === 'default' || !createdNamespaces.has(ns)) return;
    if (!idx.find('ServiceAccount', ns, saName) && !idx.isExternal('ServiceAccount', ns, saName)) {
      e.r.add(joinPath('subjects', i), `subject ServiceAccount ${ns}/${saName} is not in the set, although the set creates namespace ${show(ns)}`);
    }
  });
}

function checkApiServiceRefs(e: Entry, idx: SetIndex): void {
  const svc = asRecord(asRecord(e.obj.spec)?.service);
  const ns = asString(svc?.namespace);
  const name = asString(svc?.name);
  if (!svc || !ns || !name) return;
  const target = idx.find('Service', ns, name, '');
  if (!target) {
    if (!idx.isExternal('Service', ns, name)) e.r.add('spec.service', `service ${ns}/${name} is not in the set; add it or list it in externalRefs`);
    return;
  }
  const port = asNumber(svc.port) ?? 443;
  if (!asArray(asRecord(target.obj.spec)?.ports).some((p) => asRecord(p)?.port === port)) {
    e.r.add('spec.service.port', `service.port is ${port}, but Service ${ns}/${name} exposes no such port`);
  }
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

function flatten(objects: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const o of objects) {
    if (isRecord(o) && typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) out.push(...flatten(o.items));
    else out.push(o);
  }
  return out;
}

/**
 * Checks a set of Kubernetes objects (as plain JSON, e.g. `Testing.synth(chart)` or
 * {@link loadManifestDir}) and returns every problem found; an empty list means the set is valid.
 * `List` objects are expanded.
 */
export function checkManifests(objects: readonly unknown[], options: CheckOptions = {}): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const external = parseExternalRefs(options.externalRefs ?? []);
  const customKinds = parseCrdKinds(options.crdKinds ?? []);
  const features = {
    scaleToZero: options.featureGates?.HPAScaleToZero ?? false,
    configurableTolerance: options.featureGates?.HPAConfigurableTolerance ?? false,
  };
  let types: TypeIndex | undefined;
  const typeIndex = (): TypeIndex => (types ??= loadTypeIndex());

  const items = flatten(objects);
  // Custom resource kinds declared by CRDs of the set.
  for (const o of items) {
    if (!isRecord(o) || o.kind !== 'CustomResourceDefinition' || o.apiVersion !== 'apiextensions.k8s.io/v1') continue;
    const spec = asRecord(o.spec);
    const group = asString(spec?.group);
    const kind = asString(asRecord(spec?.names)?.kind);
    if (!group || !kind) continue;
    for (const v of asArray(spec?.versions)) {
      const version = asString(asRecord(v)?.name);
      if (version) customKinds.set(`${group}/${version} ${kind}`, { namespaced: spec?.scope !== 'Cluster' });
    }
  }

  const entries: Entry[] = [];
  items.forEach((o, index) => {
    if (!isRecord(o)) {
      problems.push({ object: `object #${index}`, path: '', message: `object #${index} is ${show(o)}; must be a Kubernetes object (a mapping with apiVersion, kind and metadata)` });
      return;
    }
    const apiVersion = asString(o.apiVersion) ?? '';
    const kind = asString(o.kind) ?? '';
    const meta = asRecord(o.metadata);
    const name = asString(meta?.name) ?? asString(meta?.generateName) ?? '';
    const { group, version } = splitApiVersion(apiVersion);
    const known = KNOWN_CUSTOM_KINDS.get(`${apiVersion} ${kind}`);
    const custom = customKinds.get(`${apiVersion} ${kind}`) ?? known;
    const clusterScoped = custom ? custom.namespaced === false : CLUSTER_SCOPED_KINDS.has(kind) && (group === '' || group.endsWith('.k8s.io'));
    const namespace = clusterScoped ? '' : (asString(meta?.namespace) ?? '');
    const label = kind === '' || name === '' ? objectLabel(kind || 'object', namespace, `#${index}`) : objectLabel(kind, namespace, name);
    const r = new Reporter(label, problems);
    if (apiVersion === '' || kind === '') {
      if (apiVersion === '') r.add('apiVersion', `apiVersion is ${show(o.apiVersion)}; required`);
      if (kind === '') r.add('kind', `kind is ${show(o.kind)}; required`);
      return;
    }
    const entry: Entry = { index, obj: o, apiVersion, group, version, kind, name, namespace, clusterScoped, r, pods: podTemplatesOf(group, kind, o) };

    if (custom) {
      checkMetadata(entry);
      for (const u of findUnknownFields(typeIndex(), o.metadata, 'V1ObjectMeta', 'metadata')) r.add(u.path, unknownFieldMessage(u.path.split('.').pop() ?? u.path, u.model, u.known));
      if (o.spec !== undefined && !isRecord(o.spec)) r.add('spec', `spec is ${show(o.spec)}; must be an object`);
      if (known) for (const v of validateWithSchema(known.model, o)) r.add(v.path, v.message);
      if (apiVersion === 'keda.sh/v1alpha1' && kind === 'ScaledObject') checkScaledObjectSpec(entry);
      entries.push(entry);
      return;
    }
    const schema = schemaModelFor(apiVersion, kind);
    if (!schema) {
      r.add('apiVersion', `${apiVersion} ${kind} is not a kind served by Kubernetes 1.33 (misspelled, removed, or a custom resource not declared in crdKinds)`);
      entries.push(entry);
      return;
    }
    if (!/^v[0-9]+$/.test(version)) {
      r.add('apiVersion', `apiVersion is ${show(apiVersion)}; alpha and beta APIs are not served by a default Kubernetes 1.33 API server (use the GA version)`);
    }
    for (const v of validateWithSchema(schema, o)) r.add(v.path, v.message);
    const root = rootClassFor(typeIndex(), apiVersion, kind);
    if (root) {
      for (const u of findUnknownFields(typeIndex(), o, root, '')) {
        const field = u.path.slice(Math.max(u.path.lastIndexOf('.'), u.path.lastIndexOf('[')) + 1).replace(/^\["|"\]$/g, '');
        r.add(u.path, unknownFieldMessage(field, u.model, u.known));
      }
    }
    checkMetadata(entry);

    const claimTemplateNames = new Set(
      asArray(asRecord(o.spec)?.volumeClaimTemplates).flatMap((v) => {
        const n = asString(asRecord(asRecord(v)?.metadata)?.name);
        return n ? [n] : [];
      }),
    );
    if (group === '' && kind === 'Pod' && !isRecord(o.spec)) r.add('spec', `spec is ${show(o.spec)}; a Pod needs a spec with at least one container`);
    for (const pod of entry.pods) checkPodSpec(pod.spec, pod.specPath, r, { kind, claimTemplateNames });
    if (entry.pods.length > 0) checkWorkload(entry);

    switch (`${group}/${kind}`) {
      case 'autoscaling/HorizontalPodAutoscaler':
        if (version === 'v2') checkHpaSpec(o.spec, 'spec', r, features);
        break;
      case 'policy/PodDisruptionBudget':
        checkPdb(entry);
        break;
      case '/Service':
        checkService(entry);
        break;
      case '/ConfigMap':
        checkDataKeys(entry, ['data', 'binaryData'], 1024 * 1024);
        break;
      case '/Secret':
        checkSecret(entry);
        break;
      case '/Namespace':
        checkNamespace(entry);
        break;
      case '/PersistentVolumeClaim':
        checkPvcSpec(o.spec, 'spec', r);
        break;
      case 'apiregistration.k8s.io/APIService':
        checkApiService(entry);
        break;
      case 'apiextensions.k8s.io/CustomResourceDefinition':
        checkCrd(entry);
        break;
      default:
        if (group === RBAC_GROUP) checkRbac(entry);
    }
    entries.push(entry);
  });

  // Duplicates.
  const seen = new Map<string, Entry>();
  for (const e of entries) {
    if (e.name === '') continue; // reported as a missing name
    const key = `${e.group}|${e.kind}|${e.namespace}|${e.name}`;
    const first = seen.get(key);
    if (first) e.r.add('metadata.name', `duplicate object: object #${first.index} has the same API group, kind, namespace and name`);
    else seen.set(key, e);
  }

  // References and namespace-level policies.
  const idx = new SetIndex(entries, external);
  const createdNamespaces = new Set(entries.filter((e) => e.kind === 'Namespace' && e.group === '').map((e) => e.name));
  const nsLevels = new Map<string, PodSecurityLevel>();
  for (const e of entries) {
    if (e.kind !== 'Namespace' || e.group !== '') continue;
    const level = asStringMap(asRecord(e.obj.metadata)?.labels)['pod-security.kubernetes.io/enforce'];
    if (level === 'baseline' || level === 'restricted') nsLevels.set(e.name, level);
  }
  for (const e of entries) {
    if (e.apiVersion === 'keda.sh/v1alpha1' && e.kind === 'ScaledObject') checkScaledObjectRefs(e, idx, entries);
    if (customKinds.has(`${e.apiVersion} ${e.kind}`) || KNOWN_CUSTOM_KINDS.has(`${e.apiVersion} ${e.kind}`)) continue;
    switch (`${e.group}/${e.kind}`) {
      case 'autoscaling/HorizontalPodAutoscaler':
        checkHpaRefs(e, idx);
        break;
      case '/Service':
        checkServiceRefs(e, idx);
        break;
      case 'policy/PodDisruptionBudget':
        checkPdbRefs(e, idx);
        break;
      case 'networking.k8s.io/NetworkPolicy':
        checkNetworkPolicyRefs(e, idx);
        break;
      case `${RBAC_GROUP}/RoleBinding`:
      case `${RBAC_GROUP}/ClusterRoleBinding`:
        checkBindingRefs(e, idx, createdNamespaces);
        break;
      case 'apiregistration.k8s.io/APIService':
        checkApiServiceRefs(e, idx);
        break;
      case '/PersistentVolumeClaim':
        checkPvcRefs(e, idx, options.defaultStorageClass ?? false);
        break;
      default:
        break;
    }
    if (e.pods.length > 0) {
      checkPodRefs(e, idx);
      checkPodSchedulingRefs(e, idx);
      checkWritablePaths(e);
      const nsLevel = nsLevels.get(e.namespace);
      const level: PodSecurityLevel | undefined =
        options.podSecurity === 'restricted' || nsLevel === 'restricted' ? 'restricted' : (options.podSecurity ?? nsLevel);
      if (level) for (const pod of e.pods) problems.push(...checkPodSecurity(pod.spec, pod.specPath, level, e.r.object));
    }
  }
  return problems;
}

/** Formats problems one per line: `Kind namespace/name: path: message`. */
export function formatProblems(problems: readonly ManifestProblem[]): string {
  return problems.map((p) => `${p.object}: ${p.path || '(object)'}: ${p.message}`).join('\n');
}

/**
 * Jest-friendly assertion: throws one Error listing every problem (one per line) when
 * {@link checkManifests} finds any.
 */
export function expectValidManifests(objects: readonly unknown[], options?: CheckOptions): void {
  const problems = checkManifests(objects, options);
  if (problems.length > 0) {
    throw new Error(`${problems.length} manifest problem${problems.length === 1 ? '' : 's'}:\n${formatProblems(problems)}`);
  }
}

/**
 * Reads every `*.yaml` / `*.yml` file of a directory (not recursive), in sorted file-name order,
 * each possibly holding several documents, and returns the objects. Empty documents are skipped.
 *
 * YAML is read with YAML 1.1 scalar rules, like kubectl (sigs.k8s.io/yaml): unquoted `yes`/`no`/
 * `on`/`off` are booleans and `0755` is octal, so a label value written `on` is caught as a
 * non-string. Timestamps and sexagesimal numbers stay strings, as in kubectl.
 *
 * @throws Error naming the file on a YAML syntax error or a document that is not a mapping
 */
export function loadManifestDir(dir: string): Record<string, unknown>[] {
  const files = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isFile() && /\.ya?ml$/i.test(d.name))
    .map((d) => d.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, unknown>[] = [];
  for (const file of files) {
    const full = path.join(dir, file);
    const docs = parseAllDocuments(fs.readFileSync(full, 'utf8'), {
      version: '1.1',
      customTags: (tags) =>
        tags.filter((t) =>
          typeof t === 'string'
            ? !['timestamp', 'intTime', 'floatTime'].includes(t)
            : t.tag !== 'tag:yaml.org,2002:timestamp' && !('format' in t && t.format === 'TIME'),
        ),
    });
    if (!Array.isArray(docs)) throw new Error(`${full}: not a YAML stream`);
    docs.forEach((doc, i) => {
      const err = doc.errors[0];
      if (err) throw new Error(`${full}: document ${i}: ${err.message}`);
      const value: unknown = doc.toJS({ maxAliasCount: 1000 });
      if (value === null || value === undefined) return;
      if (!isRecord(value)) throw new Error(`${full}: document ${i} is ${show(value)}; must be a mapping`);
      out.push(value);
    });
  }
  return out;
}
