import { renderMetricsQuery } from '../adapter-config';
import { HpaBehavior, HpaMetricSpec } from '../hpa-spec';
import { MetricDefinition } from '../metric';
import { deploymentPodPattern } from '../names';
import { Problem, show } from '../problems';
import { kedaCronTriggers, ResolvedScheduledFloors } from '../scheduled-floors';
import { parseQuantity } from '../quantity';

/**
 * Who turns a service's metrics into replicas: the Prometheus Adapter behind an HPA inferscale
 * renders (`adapter`), or KEDA, which reads Prometheus itself and creates the HPA (`keda`).
 */
export type Autoscaler = 'adapter' | 'keda';

/** The autoscalers a platform or service may name. */
export const AUTOSCALERS: readonly Autoscaler[] = ['adapter', 'keda'];

/**
 * The KEDA release the ScaledObjects are written for (and the chart version the Pulumi
 * platform installs, `CHARTS.keda`).
 * @see https://github.com/kedacore/charts/pull/765
 * @see https://keda.sh/docs/2.17/reference/scaledobject-spec/
 */
export const KEDA_VERSION = '2.17.2';

/** API version of the ScaledObject custom resource (KEDA 2.x). */
export const SCALED_OBJECT_API_VERSION = 'keda.sh/v1alpha1';

/**
 * How often KEDA asks each trigger whether the service is active, in seconds. KEDA's default is
 * 30 s; 15 s matches the HPA's sync period, so scale from zero waits no longer than a scale-up.
 * @see https://keda.sh/docs/2.17/reference/scaledobject-spec/#pollinginterval
 */
export const DEFAULT_KEDA_POLLING_INTERVAL_SECONDS = 15;

/**
 * Seconds after the last active trigger before KEDA scales a service to zero (KEDA's default).
 * Only used with `minReplicas: 0`; above zero the HPA's behavior decides.
 * @see https://keda.sh/docs/2.17/reference/scaledobject-spec/#cooldownperiod
 */
export const DEFAULT_KEDA_COOLDOWN_SECONDS = 300;

/**
 * Consecutive failed reads of a trigger before KEDA falls back to `fallback.replicas`: three
 * polls (45 s at the default interval), so one slow Prometheus answer does not move replicas.
 * @see https://keda.sh/docs/2.17/reference/scaledobject-spec/#fallback
 */
export const DEFAULT_KEDA_FAILURE_THRESHOLD = 3;

/**
 * KEDA's `fallback.behavior`: the replicas a fallback asks for, given the Deployment's current
 * count. `static`: `fallback.replicas`; `currentReplicas`: the current count; `currentReplicasIfHigher`:
 * the larger of the two; `currentReplicasIfLower`: the smaller.
 * @see https://keda.sh/docs/2.17/reference/scaledobject-spec/#fallback
 */
export type KedaFallbackBehavior = 'static' | 'currentReplicas' | 'currentReplicasIfHigher' | 'currentReplicasIfLower';

/** Every {@link KedaFallbackBehavior}. */
export const KEDA_FALLBACK_BEHAVIORS: readonly KedaFallbackBehavior[] = ['static', 'currentReplicas', 'currentReplicasIfHigher', 'currentReplicasIfLower'];

/**
 * The fallback behavior inferscale renders: a metrics outage at peak keeps the replicas it
 * found, and one at idle raises the service to `fallback.replicas`. A `static` fallback would
 * cut a service at peak down to `fallback.replicas` while it cannot see its load.
 */
export const DEFAULT_KEDA_FALLBACK_BEHAVIOR: KedaFallbackBehavior = 'currentReplicasIfHigher';

/** A trigger as {@link kedaFallbackOmitted} sees it. */
export interface KedaFallbackTrigger {
  /** The trigger type. */
  readonly type: KedaTrigger['type'];
  /** Its metric type. */
  readonly metricType: KedaTrigger['metricType'] | 'Value';
  /** Its threshold, for `prometheus` triggers. */
  readonly threshold?: number;
}

/**
 * Why a ScaledObject gets no fallback, or `undefined` when it gets one: KEDA's webhook accepts a
 * fallback only when every trigger is an AverageValue one (no cpu or memory trigger); at zero
 * replicas the Pods queries have no series, so a fallback would wake the service; and KEDA 2.17
 * answers a fallback with `replicas × trunc(threshold)`, so when every metric trigger's threshold
 * is below 1 it would ask for 0 replicas and cut the service to its floor at peak. Without a
 * fallback the HPA holds its replicas while Prometheus cannot be read.
 * @param triggers the metric triggers (not the cron triggers of scheduled floors)
 * @see https://github.com/kedacore/keda/blob/v2.17.2/pkg/fallback/fallback.go
 */
export function kedaFallbackOmitted(minReplicas: number, triggers: readonly KedaFallbackTrigger[]): string | undefined {
  if (minReplicas === 0) return 'minReplicas is 0: with no pods the Pods queries have no series, and a fallback would wake the service';
  if (triggers.some((t) => t.type !== 'prometheus')) return 'KEDA supports no fallback next to cpu or memory triggers; while Prometheus cannot be read the HPA holds its replicas instead';
  if (triggers.some((t) => t.metricType !== 'AverageValue')) return 'KEDA applies a fallback only when every trigger is an AverageValue one; while Prometheus cannot be read the HPA holds its replicas instead';
  if (triggers.length > 0 && triggers.every((t) => Math.trunc(t.threshold ?? 0) < 1)) {
    return 'every threshold is below 1, and KEDA 2.17 answers a fallback with the replicas times the threshold truncated to a whole number, which would ask for 0 replicas; while Prometheus cannot be read the HPA holds its replicas instead';
  }
  return undefined;
}

/** Options of {@link resolveScaledObject}. */
export interface ScaledObjectOptions {
  /** Prometheus base URL every `prometheus` trigger queries, e.g. `http://prometheus.monitoring.svc:9090`. */
  readonly prometheusUrl: string;
  /** Seconds between KEDA's activity checks. @default 15 */
  readonly pollingIntervalSeconds?: number;
  /** Seconds without an active trigger before scaling to zero (only with `minReplicas: 0`). @default 300 */
  readonly cooldownPeriodSeconds?: number;
  /** Consecutive failed reads before the fallback replica count applies. @default 3 */
  readonly fallbackFailureThreshold?: number;
  /**
   * Replicas while a trigger cannot be read. @default - max(minReplicas, ceil(maxReplicas / 2)):
   * blind to load, the service neither drops to its floor at peak nor buys its whole GPU budget
   */
  readonly fallbackReplicas?: number;
  /** How the fallback weighs the current replicas. @default 'currentReplicasIfHigher' ({@link DEFAULT_KEDA_FALLBACK_BEHAVIOR}) */
  readonly fallbackBehavior?: KedaFallbackBehavior;
}

/** The service fields a ScaledObject is built from; {@link ResolvedInferenceService} fits as it is. */
export interface ScaledObjectService {
  /** Deployment name (the ScaledObject takes it too). */
  readonly name: string;
  /** Namespace of the Deployment. @default "default" */
  readonly namespace?: string;
  /** Fewest replicas; 0 lets KEDA scale to zero. */
  readonly minReplicas: number;
  /** Most replicas. */
  readonly maxReplicas: number;
  /** The catalogue entries, in HPA order. */
  readonly metrics: readonly MetricDefinition[];
  /** The resolved HPA behavior, passed through to the HPA KEDA creates. */
  readonly behavior: HpaBehavior;
  /** Labels on every object of the service. */
  readonly labels: Readonly<Record<string, string>>;
  /** Scheduled floors: a `cron` trigger per window, after the metric triggers. @default - none */
  readonly scheduledFloors?: ResolvedScheduledFloors;
}

/** A `prometheus` trigger of a ScaledObject. */
export interface KedaPrometheusTrigger {
  /** Always `prometheus`. */
  readonly type: 'prometheus';
  /** `AverageValue`: KEDA's HPA divides the query's value by the replica count; `Value`: compared as it is. */
  readonly metricType: 'AverageValue' | 'Value';
  /** The scaler's settings; KEDA takes strings only. */
  readonly metadata: {
    /** Prometheus base URL. */
    readonly serverAddress: string;
    /** PromQL giving one sample: the service's total (AverageValue) or the value (Value). */
    readonly query: string;
    /** Target per replica (AverageValue) or in total (Value), as a decimal number. */
    readonly threshold: string;
    /** KEDA counts the service active (and wakes it from zero) while the query is above this. */
    readonly activationThreshold: string;
    /** `"false"`: an empty answer is an error, never 0, so a lost series cannot cut replicas. */
    readonly ignoreNullValues: 'false';
  };
}

/** A `cpu` or `memory` trigger (served by metrics-server, like the HPA's Resource metrics). */
export interface KedaResourceTrigger {
  /** The resource. */
  readonly type: 'cpu' | 'memory';
  /** Always `Utilization`: percent of the request, as the catalogue's Resource metrics. */
  readonly metricType: 'Utilization';
  /** The scaler's settings. */
  readonly metadata: {
    /** Target percent of the request. */
    readonly value: string;
  };
}

/**
 * A `cron` trigger: asks for `desiredReplicas` between `start` and `end` (a scheduled floor).
 * `metricType: AverageValue` (the scaler's default) written out: KEDA's webhook accepts a
 * fallback only when every trigger says so.
 * @see https://keda.sh/docs/2.17/scalers/cron/
 */
export interface KedaCronTrigger {
  /** Always `cron`. */
  readonly type: 'cron';
  /** Always `AverageValue`: the desired replicas over a target of 1 per replica. */
  readonly metricType: 'AverageValue';
  /** The scaler's settings. */
  readonly metadata: {
    /** IANA time zone of the schedules. */
    readonly timezone: string;
    /** Cron schedule of the window's start. */
    readonly start: string;
    /** Cron schedule of its end. */
    readonly end: string;
    /** Replicas inside the window, as a decimal string. */
    readonly desiredReplicas: string;
  };
}

/** One trigger of a ScaledObject. */
export type KedaTrigger = KedaPrometheusTrigger | KedaResourceTrigger | KedaCronTrigger;

/**
 * The `spec` of a KEDA ScaledObject (keda.sh/v1alpha1).
 * @see https://keda.sh/docs/2.17/reference/scaledobject-spec/
 */
export interface ScaledObjectSpec {
  /** The Deployment KEDA scales. */
  readonly scaleTargetRef: {
    /** Always `apps/v1`. */
    readonly apiVersion: 'apps/v1';
    /** Always `Deployment`. */
    readonly kind: 'Deployment';
    /** Deployment name. */
    readonly name: string;
  };
  /** Seconds between activity checks. */
  readonly pollingInterval: number;
  /** Seconds without activity before scaling to zero. */
  readonly cooldownPeriod: number;
  /** Fewest replicas (0: KEDA scales to zero while no trigger is active). */
  readonly minReplicaCount: number;
  /** Most replicas. */
  readonly maxReplicaCount: number;
  /** Replicas while triggers cannot be read; absent where KEDA would not apply it (see {@link resolveScaledObject}). */
  readonly fallback?: {
    /** Consecutive failed reads first. */
    readonly failureThreshold: number;
    /** Replica count meanwhile (see `behavior`). */
    readonly replicas: number;
    /** How the current replicas weigh in. */
    readonly behavior: KedaFallbackBehavior;
  };
  /** The HPA KEDA creates. */
  readonly advanced: {
    /** Its name and behavior. */
    readonly horizontalPodAutoscalerConfig: {
      /** The service's name, as the adapter path's HPA (KEDA's default would be `keda-hpa-<name>`). */
      readonly name: string;
      /** The service's resolved behavior. */
      readonly behavior: HpaBehavior;
    };
  };
  /** One trigger per catalogue metric, in the service's order. */
  readonly triggers: readonly KedaTrigger[];
}

/** A ScaledObject ready to render. */
export interface ResolvedScaledObject {
  /** Object name: the service's name. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Labels: the service's. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * `scaledobject.keda.sh/transfer-hpa-ownership: "true"`: KEDA adopts an HPA that already
   * scales the Deployment under the name in `horizontalPodAutoscalerConfig.name` (the adapter
   * path's HPA), instead of its webhook refusing the ScaledObject. Harmless when there is none.
   * @see https://keda.sh/docs/2.17/reference/scaledobject-spec/#transfer-ownership-of-an-existing-hpa
   */
  readonly annotations: Readonly<Record<string, string>>;
  /** The spec. */
  readonly spec: ScaledObjectSpec;
  /**
   * Names KEDA serves each trigger under on external.metrics.k8s.io (`s<index>-prometheus`),
   * in trigger order; `undefined` for cpu and memory triggers, which the HPA reads from
   * metrics.k8s.io.
   * @see https://keda.sh/docs/2.17/concepts/external-scalers/
   */
  readonly externalMetricNames: readonly (string | undefined)[];
  /** Why the spec has no fallback, when it has none. */
  readonly fallbackOmitted?: string;
}

/** What {@link resolveScaledObject} returns. */
export interface ScaledObjectResult {
  /** The ScaledObject, present exactly when `problems` is empty. */
  readonly spec?: ResolvedScaledObject;
  /** What cannot be expressed, with paths such as `metrics[1] (custom)`. */
  readonly problems: readonly Problem[];
}

/**
 * A KEDA ScaledObject for a resolved inference service: one trigger per catalogue metric, read
 * from the metric's public definition (its HPA block and adapter rule), so every catalogue
 * entry works with KEDA as it does with the adapter.
 *
 * - Pods metrics become `prometheus` triggers with `metricType: AverageValue` whose query is the
 *   SUM over the service's pods of the adapter's per-pod query (with the same idle-safe forms):
 *   KEDA's HPA divides an AverageValue external metric by the replica count, which gives back
 *   the per-pod average the adapter's Pods metric had.
 * - Object and External metrics keep their target type (`Value` or `AverageValue`) and the query
 *   the adapter would run for them.
 * - Resource metrics (CPU, memory) become `cpu`/`memory` triggers (`Utilization`).
 * - `ignoreNullValues: "false"` on every query: a series that vanished is an error (the HPA
 *   holds, KEDA falls back), never a 0 that would cut replicas at peak.
 * - `fallback` only where KEDA applies it and it is safe ({@link kedaFallbackOmitted}), with
 *   `behavior: currentReplicasIfHigher`, so an outage at peak never cuts replicas.
 *
 * @see https://keda.sh/docs/2.17/scalers/prometheus/
 * @see https://keda.sh/docs/2.17/reference/scaledobject-spec/#fallback
 */
export function resolveScaledObject(service: ScaledObjectService, options: ScaledObjectOptions): ScaledObjectResult {
  const problems: Problem[] = [];
  const namespace = service.namespace ?? 'default';
  const polling = options.pollingIntervalSeconds ?? DEFAULT_KEDA_POLLING_INTERVAL_SECONDS;
  const cooldown = options.cooldownPeriodSeconds ?? DEFAULT_KEDA_COOLDOWN_SECONDS;
  const failureThreshold = options.fallbackFailureThreshold ?? DEFAULT_KEDA_FAILURE_THRESHOLD;
  const fallbackReplicas = options.fallbackReplicas ?? Math.max(service.minReplicas, Math.ceil(service.maxReplicas / 2));
  const fallbackBehavior = options.fallbackBehavior ?? DEFAULT_KEDA_FALLBACK_BEHAVIOR;
  if (!KEDA_FALLBACK_BEHAVIORS.includes(fallbackBehavior)) {
    problems.push({ path: 'fallbackBehavior', message: `is ${show(fallbackBehavior)}; expected one of ${KEDA_FALLBACK_BEHAVIORS.join(', ')}` });
  }
  problems.push(...checkWhole('pollingIntervalSeconds', polling, 1, 3600));
  problems.push(...checkWhole('cooldownPeriodSeconds', cooldown, 0, 86400));
  problems.push(...checkWhole('fallbackFailureThreshold', failureThreshold, 1, 100, 'failed reads'));
  if (checkWhole('fallbackReplicas', fallbackReplicas, 1, service.maxReplicas).length) {
    problems.push({ path: 'fallbackReplicas', message: `is ${show(fallbackReplicas)}; expected whole replicas from ${Math.max(1, service.minReplicas)} to maxReplicas (${service.maxReplicas})` });
  } else if (fallbackReplicas < service.minReplicas) {
    problems.push({ path: 'fallbackReplicas', message: `is ${fallbackReplicas}, below minReplicas (${service.minReplicas}); expected whole replicas from ${service.minReplicas} to maxReplicas (${service.maxReplicas})` });
  }
  if (typeof options.prometheusUrl !== 'string' || !/^https?:\/\/[^\s/]+/.test(options.prometheusUrl)) {
    problems.push({ path: 'prometheusUrl', message: `is ${show(options.prometheusUrl)}; expected an http(s) URL of Prometheus` });
  }

  const triggers: KedaTrigger[] = [];
  const names: (string | undefined)[] = [];
  service.metrics.forEach((def, i) => {
    const at = `metrics[${i}] (${def.kind})`;
    const t = triggerFor(def, at, namespace, service.name, options.prometheusUrl);
    problems.push(...t.problems);
    if (t.trigger) {
      names.push(t.trigger.type === 'prometheus' ? `s${triggers.length}-prometheus` : undefined);
      triggers.push(t.trigger);
    }
  });
  if (service.metrics.length === 0) problems.push({ path: 'metrics', message: 'is empty; a ScaledObject needs at least one trigger' });

  if (service.minReplicas === 0 && !service.metrics.some(existsAtZero)) problems.push(KEDA_ZERO_WITHOUT_WAKER);
  if (problems.length) return { problems };

  const fallbackOmitted = kedaFallbackOmitted(service.minReplicas, triggers.map((t) => ({
    type: t.type,
    metricType: t.metricType,
    ...(t.type === 'prometheus' ? { threshold: Number(t.metadata.threshold) } : {}),
  })));
  const spec: ScaledObjectSpec = {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: service.name },
    pollingInterval: polling,
    cooldownPeriod: cooldown,
    minReplicaCount: service.minReplicas,
    maxReplicaCount: service.maxReplicas,
    ...(fallbackOmitted === undefined ? { fallback: { failureThreshold, replicas: fallbackReplicas, behavior: fallbackBehavior } } : {}),
    advanced: { horizontalPodAutoscalerConfig: { name: kedaHpaName(service.name), behavior: service.behavior } },
    triggers: [...triggers, ...(service.scheduledFloors ? kedaCronTriggers(service.scheduledFloors) : [])],
  };
  return {
    spec: { name: service.name, namespace, labels: service.labels, annotations: { [TRANSFER_HPA_OWNERSHIP]: 'true' }, spec, externalMetricNames: names, ...(fallbackOmitted ? { fallbackOmitted } : {}) },
    problems: [],
  };
}

/**
 * Name of the HPA KEDA creates for a service's ScaledObject: the service's name, the name its
 * HPA has on the adapter path, so that moving a service to KEDA hands the same HPA over (see
 * {@link TRANSFER_HPA_OWNERSHIP}) and `kubectl get hpa <name>` keeps working.
 */
export function kedaHpaName(serviceName: string): string {
  return serviceName;
}

/**
 * Annotation asking KEDA to adopt an existing HPA named in
 * `advanced.horizontalPodAutoscalerConfig.name`; without it KEDA's admission webhook refuses a
 * ScaledObject for a Deployment an HPA already scales ("is already managed by the hpa").
 * @see https://keda.sh/docs/2.17/reference/scaledobject-spec/#transfer-ownership-of-an-existing-hpa
 */
export const TRANSFER_HPA_OWNERSHIP = 'scaledobject.keda.sh/transfer-hpa-ownership';

/**
 * The problem with `minReplicas: 0` when no metric of the service exists without pods: nothing
 * could wake it.
 */
export const KEDA_ZERO_WITHOUT_WAKER: Problem = {
  path: 'minReplicas',
  message: 'is 0, but no metric still has a value with no pods running: KEDA wakes a service from zero when a trigger rises above its activation threshold, and Pods and Resource metrics have no series without pods. Add an External or Object metric (a queue length, the gateway\'s request rate), or use 1 or more',
};

/**
 * True when the metric still has a value while the service runs no pods: an External metric,
 * or an Object metric about another object (a gateway's request rate). Only these can wake a
 * service that KEDA scaled to zero.
 */
export function existsAtZero(def: MetricDefinition): boolean {
  return def.hpa.type === 'External' || def.hpa.type === 'Object';
}

/**
 * The query a KEDA `prometheus` trigger runs for one metric of a service: the adapter's query
 * for the metric, rendered for the service's pods (`namespace` and a pod-name matcher of its
 * Deployment) and summed over them for Pods metrics; as the adapter renders it for Object and
 * External metrics. `undefined` for Resource metrics.
 * @throws Error when the metric's adapter rule cannot be rendered for the request
 */
export function kedaTriggerQuery(def: MetricDefinition, namespace: string, deploymentName: string): string | undefined {
  const hpa = def.hpa;
  const rule = def.adapterRule;
  if (hpa.type === 'Resource' || !rule) return undefined;
  if (hpa.type === 'Pods') {
    // Two placeholder pod names make the adapter's `pod=~"a|b"` form; then the Deployment's pod pattern replaces them.
    const rendered = renderMetricsQuery(rule, { namespace, pods: ['\u0001a', '\u0001b'], ...(hpa.pods.metric.selector ? { selector: hpa.pods.metric.selector.matchLabels } : {}) });
    return `sum(${rendered.split('"\\x01a|\\x01b"').join(JSON.stringify(deploymentPodPattern(deploymentName)))})`;
  }
  if (hpa.type === 'Object') {
    return renderMetricsQuery(rule, { namespace, objectName: hpa.object.describedObject.name, ...(hpa.object.metric.selector ? { selector: hpa.object.metric.selector.matchLabels } : {}) });
  }
  return renderMetricsQuery(rule, { namespace, ...(hpa.external.metric.selector ? { externalSelector: hpa.external.metric.selector.matchLabels } : {}) });
}

function triggerFor(def: MetricDefinition, at: string, namespace: string, name: string, serverAddress: string): { trigger?: KedaTrigger; problems: Problem[] } {
  const hpa: HpaMetricSpec = def.hpa;
  if (hpa.type === 'Resource') {
    const target = hpa.resource.target;
    if (target.type !== 'Utilization' || target.averageUtilization === undefined) {
      return { problems: [{ path: `${at}.hpa.resource.target.type`, message: `is ${show(target.type)}; a KEDA ${hpa.resource.name} trigger here takes Utilization (percent of the request) only` }] };
    }
    if (hpa.resource.name !== 'cpu' && hpa.resource.name !== 'memory') {
      return { problems: [{ path: `${at}.hpa.resource.name`, message: `is ${show(hpa.resource.name)}; KEDA has triggers for cpu and memory only` }] };
    }
    return { trigger: { type: hpa.resource.name, metricType: 'Utilization', metadata: { value: String(target.averageUtilization) } }, problems: [] };
  }
  if (!def.adapterRule) {
    return { problems: [{ path: at, message: `is a ${hpa.type} metric without an adapter rule, so it has no query a KEDA prometheus trigger could run. Give the metric an adapterRule` }] };
  }
  const target = hpa.type === 'Pods' ? hpa.pods.target : hpa.type === 'Object' ? hpa.object.target : hpa.external.target;
  const quantity = target.type === 'AverageValue' ? target.averageValue : target.type === 'Value' ? target.value : undefined;
  const threshold = quantity === undefined ? undefined : parseQuantity(quantity);
  if (threshold === undefined || target.type === 'Utilization') {
    return { problems: [{ path: `${at}.hpa.${hpa.type.toLowerCase()}.target.type`, message: `is ${show(target.type)}; a KEDA prometheus trigger takes an AverageValue or Value target` }] };
  }
  let query: string | undefined;
  try {
    query = kedaTriggerQuery(def, namespace, name);
  } catch (e) {
    return { problems: [{ path: `${at}.adapterRule`, message: `cannot be rendered into a KEDA query: ${(e as Error).message}` }] };
  }
  return {
    trigger: {
      type: 'prometheus',
      metricType: hpa.type === 'Pods' ? 'AverageValue' : target.type as 'AverageValue' | 'Value',
      metadata: {
        serverAddress,
        query: query!,
        threshold: decimal(threshold),
        activationThreshold: '0',
        ignoreNullValues: 'false',
      },
    },
    problems: [],
  };
}

/** A number as KEDA parses it (Go `strconv.ParseFloat`): plain decimal, no exponent. */
function decimal(value: number): string {
  const rounded = Number(value.toPrecision(12));
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(12).replace(/0+$/, '');
}

function checkWhole(path: string, value: unknown, min: number, max: number, unit = 'seconds'): Problem[] {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return [{ path, message: `is ${show(value)}; expected whole ${unit} from ${min} to ${max}` }];
  }
  return [];
}
