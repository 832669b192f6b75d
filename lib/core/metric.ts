import { sortKeys } from './checks';
import { promDuration } from './duration';
import { HpaLabelSelector, HpaMetricSpec, HpaMetricTarget, HpaObjectReference } from './hpa-spec';
import { avgGauge, histogramMean, histogramQuantile, orIdleZero, ratioOfRates, SERIES, sumGauge, sumRate } from './metrics/promql';
import { checkLabels, isDnsSubdomain } from './names';
import { Problem, show } from './problems';
import { checkTarget } from './quantity';

/** Default series names, as popular Python inference servers expose them. */
export const DEFAULT_SERIES = {
  /** Counter of handled requests, with a `status` label holding the HTTP status code. */
  requestsTotal: 'ai_inference_requests_total',
  /** Histogram of request latency in seconds (`_bucket`, `_sum`, `_count`). */
  latencySeconds: 'ai_inference_latency_seconds',
  /** Gauge of requests being processed right now. */
  requestsInFlight: 'ai_inference_requests_in_flight',
  /** Gauge of requests waiting for a slot. */
  queueDepth: 'ai_inference_queue_depth',
  /** DCGM exporter: GPU utilization in percent. */
  dcgmGpuUtil: 'DCGM_FI_DEV_GPU_UTIL',
  /** DCGM exporter: ratio of time the graphics engine is active (works on MIG devices). */
  dcgmEngineActive: 'DCGM_FI_PROF_GR_ENGINE_ACTIVE',
} as const;

/** Rate window used when a metric does not set one: four 15 s scrapes. */
export const DEFAULT_RATE_WINDOW_SECONDS = 60;

/** The high-level metrics inferscale knows. */
export type MetricKind =
  | 'cpuUtilization'
  | 'memoryUtilization'
  | 'requestsPerSecond'
  | 'gpuUtilization'
  | 'latency'
  | 'errorRate'
  | 'inFlightRequests'
  | 'queueDepth'
  | 'externalQueue'
  | 'object'
  | 'custom';

/** A Prometheus series a metric needs, and who must expose it. */
export interface SeriesRequirement {
  /** Series name, e.g. `ai_inference_requests_total`. */
  readonly name: string;
  /** Prometheus metric type. */
  readonly type: 'counter' | 'gauge' | 'histogram';
  /** Who exposes it: the inference app, the DCGM exporter, an external exporter, or the kubelet. */
  readonly source: 'app' | 'dcgm' | 'external' | 'kubelet';
  /** Labels the series must carry once stored in Prometheus. */
  readonly labels: readonly string[];
  /** What the series means, for docs and `explain`. */
  readonly description: string;
}

/** How adapter series labels map to Kubernetes resources. */
export type AdapterResources =
  | {
    /**
     * Series label name to the Kubernetes resource its value names, e.g.
     * `{ namespace: { resource: "namespace" }, pod: { resource: "pod" } }`.
     */
    readonly overrides: Readonly<Record<string, {
      /** Resource name, singular or plural, e.g. `pod` or `ingresses`. */
      readonly resource: string;
      /** API group of the resource, e.g. `networking.k8s.io`. @default - the core group */
      readonly group?: string;
    }>>;
  }
  | {
    /** `false`: the series belongs to no namespace, so queries are not narrowed to the HPA's namespace (cluster-wide external metrics). */
    readonly namespaced: false;
  };

/**
 * One Prometheus Adapter discovery rule, in the adapter's config format.
 * @see https://github.com/kubernetes-sigs/prometheus-adapter/blob/master/docs/config.md
 */
export interface AdapterRule {
  /** `custom` goes under `rules` (custom.metrics.k8s.io), `external` under `externalRules`. */
  readonly kind: 'custom' | 'external';
  /** Series discovery query. */
  readonly seriesQuery: string;
  /** Label to resource mapping. */
  readonly resources: AdapterResources;
  /** Series name to metric name. */
  readonly name: {
    /** Regular expression matched against the series name, e.g. `^ai_inference_queue_depth$`. */
    readonly matches: string;
    /** Metric name served by the metrics API (what the HPA asks for); may refer to the groups of `matches` as `${1}`. */
    readonly as: string;
  };
  /** Query template with `<<.Series>>`, `<<.LabelMatchers>>`, `<<.GroupBy>>`. */
  readonly metricsQuery: string;
}

/** What a platform must provide for a metric to have values. */
export type MetricRequirement = 'resourceMetricsApi' | 'customMetricsApi' | 'externalMetricsApi' | 'dcgmExporter';

/**
 * What a metric reports while its pods (or its object, or its queue) serve nothing.
 *
 * An idle pod must still have a value: a pod without one is missing for the HPA, and a metric
 * missing for every pod is invalid, which blocks every scale-down. So an idle service would
 * never shrink.
 * - `value`: the adapter query gives this number for an idle pod (0 for rates, ratios,
 *   latencies and requests waiting or in flight), as long as the pod exports the series.
 * - `reading`: the source's own reading at rest (CPU or GPU use, a gauge of an exporter);
 *   present as long as the source exports it.
 * - `query`: a custom metric; its own query decides.
 */
export type IdleReport =
  | {
    /** The query fixes the idle value. */
    readonly kind: 'value';
    /** The value an idle pod (or object, or queue) reports. */
    readonly value: number;
    /** What an idle pod reports and what must exist for it, for docs and `explain`. */
    readonly description: string;
  }
  | {
    /** `reading`: the source's reading at rest; `query`: whatever a custom query gives. */
    readonly kind: 'reading' | 'query';
    /** What an idle pod reports and what must exist for it, for docs and `explain`. */
    readonly description: string;
  };

/** Everything one metric means, from app series to HPA block. Pure data. */
export interface MetricDefinition {
  /** Which catalogue entry produced it. */
  readonly kind: MetricKind;
  /** The `spec.metrics[]` entry of the HPA. */
  readonly hpa: HpaMetricSpec;
  /** Series the metric is computed from. */
  readonly series: readonly SeriesRequirement[];
  /** The adapter rule that serves it; absent for CPU and memory (served by metrics-server). */
  readonly adapterRule?: AdapterRule;
  /** The PromQL rate window, when the query uses one. */
  readonly rateWindowSeconds?: number;
  /** Platform pieces the metric needs. */
  readonly requires: readonly MetricRequirement[];
  /** One line for people: what it scales on and the target. */
  readonly summary: string;
  /** What an idle pod (or object, or queue) reports. */
  readonly idle: IdleReport;
}

/** Options of {@link ScalingMetric.requestsPerSecond}. */
export interface RequestsPerSecondOptions {
  /** Requests per second one replica serves at the latency target. */
  readonly targetPerPod: number;
  /** Counter of requests. @default "ai_inference_requests_total" */
  readonly counter?: string;
  /** Window of `rate()`. Shorter reacts faster, longer is smoother. @default 60 */
  readonly rateWindowSeconds?: number;
}

/** Options of {@link ScalingMetric.gpuUtilization}. */
export interface GpuUtilizationOptions {
  /** Average GPU utilization per pod to hold, in percent (1-100). */
  readonly targetPercent: number;
  /**
   * `utilization` reads `DCGM_FI_DEV_GPU_UTIL`; `engineActive` reads
   * `DCGM_FI_PROF_GR_ENGINE_ACTIVE`, which also works for MIG slices.
   * @default "utilization"
   */
  readonly source?: 'utilization' | 'engineActive';
}

/** Options of {@link ScalingMetric.latency}. */
export interface LatencyOptions {
  /** Latency to hold, in seconds. */
  readonly targetSeconds: number;
  /** Quantile in (0, 1) computed from the histogram buckets, or `mean` (rate(sum)/rate(count)). @default 0.95 */
  readonly quantile?: number | 'mean';
  /** Histogram base name (without `_bucket`). @default "ai_inference_latency_seconds" */
  readonly histogram?: string;
  /** Window of `rate()`. @default 60 */
  readonly rateWindowSeconds?: number;
}

/** Options of {@link ScalingMetric.errorRate}. */
export interface ErrorRateOptions {
  /** Ratio of failed requests to hold, in (0, 1]. */
  readonly targetRatio: number;
  /** Counter of requests. @default "ai_inference_requests_total" */
  readonly counter?: string;
  /** PromQL label matcher that selects failed requests. @default `status=~"5.."` */
  readonly errorMatcher?: string;
  /** Window of `rate()`. @default 60 */
  readonly rateWindowSeconds?: number;
}

/** Options of {@link ScalingMetric.inFlightRequests} and {@link ScalingMetric.queueDepth}. */
export interface PerPodGaugeOptions {
  /** Average gauge value per pod to hold. */
  readonly targetPerPod: number;
  /** Gauge name. @default "ai_inference_requests_in_flight" or "ai_inference_queue_depth" */
  readonly gauge?: string;
}

/** Options of {@link ScalingMetric.externalQueue}. Give exactly one target. */
export interface ExternalQueueOptions {
  /** Series holding the queue length (Kafka consumer lag, SQS visible messages, ...). */
  readonly series: string;
  /** Labels that pick this service's queue, e.g. `{ consumergroup: "llm" }`. @default - all series of that name */
  readonly selector?: Readonly<Record<string, string>>;
  /** Queue items one replica should have to itself (AverageValue target). */
  readonly targetPerReplica?: number;
  /** Queue length to hold in total (Value target). */
  readonly targetTotal?: number;
}

/** Options of {@link ScalingMetric.objectMetric}. Give exactly one target. */
export interface ObjectMetricOptions {
  /** The object the metric describes, in the service's namespace. */
  readonly describedObject: HpaObjectReference;
  /** Series carrying the value, with a label naming the object. */
  readonly series: string;
  /** Series label holding the object's name. @default - the kind in lower case */
  readonly objectLabel?: string;
  /** Resource (plural, lower case) of the object for the adapter. @default - the English plural of the kind in lower case (`ingresses`) */
  readonly resource?: string;
  /** `rate` for counters (per second), `sum` for gauges. @default "rate" */
  readonly aggregation?: 'rate' | 'sum';
  /** Window of `rate()`. @default 60 */
  readonly rateWindowSeconds?: number;
  /** Value target for the object as a whole. */
  readonly targetValue?: number;
  /** Target per replica (value divided by the replica count). */
  readonly targetAverageValue?: number;
}

/** Options of {@link ScalingMetric.custom}: a metric inferscale does not know, spelled out. */
export interface CustomMetricOptions {
  /** HPA metric type. */
  readonly type: 'Pods' | 'Object' | 'External';
  /** Metric name served by the adapter (`name.as`). */
  readonly name: string;
  /** Adapter series discovery query, e.g. `vllm:num_requests_waiting{namespace!="",pod!=""}`. */
  readonly seriesQuery: string;
  /** Adapter query template (PromQL with `<<.Series>>`, `<<.LabelMatchers>>`, `<<.GroupBy>>`). */
  readonly metricsQuery: string;
  /** Label to resource mapping. @default - namespace and pod labels (Pods, Object), not namespaced (External) */
  readonly resources?: AdapterResources;
  /** Target per pod (Pods, or Object/External AverageValue). */
  readonly targetAverageValue?: number;
  /** Total target (Object/External Value). */
  readonly targetValue?: number;
  /** Object metrics: the object described. */
  readonly describedObject?: HpaObjectReference;
  /** External metrics: labels that pick the series. */
  readonly selector?: Readonly<Record<string, string>>;
  /** Series the app or an exporter must expose (documentation only). @default - none listed */
  readonly series?: readonly SeriesRequirement[];
}

const PROM_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const POD_RESOURCES: AdapterResources = { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } };

/**
 * A signal the HorizontalPodAutoscaler scales on, from the metric catalogue.
 *
 * Each factory builds the whole wiring as data ({@link MetricDefinition}): the HPA metric block,
 * the series the app must expose and the Prometheus Adapter rule that serves it. Invalid options
 * do not throw here; they are reported by the service that uses the metric, with its field path.
 *
 * @example
 * ScalingMetric.requestsPerSecond({ targetPerPod: 8 })
 * ScalingMetric.latency({ quantile: 0.95, targetSeconds: 2 })
 */
export class ScalingMetric {
  /**
   * Average CPU use as a percent of the CPU request (Resource metric, served by metrics-server).
   * A poor signal for GPU inference on its own; fine as a backstop or for CPU-only models.
   */
  public static cpuUtilization(targetPercent: number): ScalingMetric {
    return ScalingMetric.resource('cpuUtilization', 'cpu', targetPercent);
  }

  /** Average memory use as a percent of the memory request (Resource metric). */
  public static memoryUtilization(targetPercent: number): ScalingMetric {
    return ScalingMetric.resource('memoryUtilization', 'memory', targetPercent);
  }

  /**
   * Requests per second per pod (Pods metric), from the rate of a request counter.
   * The app exposes `ai_inference_requests_total` (or `counter`).
   */
  public static requestsPerSecond(options: RequestsPerSecondOptions): ScalingMetric {
    const counter = options.counter ?? DEFAULT_SERIES.requestsTotal;
    const window = options.rateWindowSeconds ?? DEFAULT_RATE_WINDOW_SECONDS;
    const problems = [...checkSeriesName('counter', counter), ...checkWindow('rateWindowSeconds', window)];
    const target = checkTarget('targetPerPod', options.targetPerPod, 'requests per second');
    problems.push(...target.problems);
    if (problems.length) return new ScalingMetric('requestsPerSecond', problems);
    const name = `${stripTotal(counter)}_per_second${windowSuffix(window)}`;
    return new ScalingMetric('requestsPerSecond', [], {
      kind: 'requestsPerSecond',
      hpa: podsMetric(name, target.quantity!),
      series: [appSeries(counter, 'counter', [], 'Requests handled, counted when each finishes.')],
      adapterRule: podsRule(counter, name, sumRate(SERIES, promDuration(window))),
      rateWindowSeconds: window,
      requires: ['customMetricsApi'],
      summary: `requests per second per pod, target ${options.targetPerPod}`,
      idle: { kind: 'value', value: 0, description: `0 requests per second: the counter is flat (a pod that never served a request needs ${counter} exported at 0 from its start, or it is missing)` },
    });
  }

  /**
   * Average GPU utilization of each pod's GPUs in percent (Pods metric), from the DCGM
   * exporter with pod attribution. Needs the DCGM exporter in the platform.
   */
  public static gpuUtilization(options: GpuUtilizationOptions): ScalingMetric {
    const source = options.source ?? 'utilization';
    const problems: Problem[] = [];
    if (source !== 'utilization' && source !== 'engineActive') {
      problems.push({ path: 'source', message: `is ${show(source)}; expected "utilization" or "engineActive"` });
    }
    const pct = options.targetPercent;
    if (typeof pct !== 'number' || !Number.isInteger(pct) || pct < 1 || pct > 100) {
      problems.push({ path: 'targetPercent', message: `is ${show(pct)}; expected a whole percent from 1 to 100` });
    }
    if (problems.length) return new ScalingMetric('gpuUtilization', problems);
    const series = source === 'utilization' ? DEFAULT_SERIES.dcgmGpuUtil : DEFAULT_SERIES.dcgmEngineActive;
    const name = source === 'utilization' ? 'ai_inference_gpu_utilization_percent' : 'ai_inference_gpu_engine_active_percent';
    // DCGM_FI_PROF_GR_ENGINE_ACTIVE is a ratio; the metric is a percent like DCGM_FI_DEV_GPU_UTIL.
    const scale = source === 'utilization' ? undefined : 100;
    return new ScalingMetric('gpuUtilization', [], {
      kind: 'gpuUtilization',
      hpa: podsMetric(name, String(pct)),
      series: [{
        name: series,
        type: 'gauge',
        source: 'dcgm',
        labels: ['namespace', 'pod', 'gpu'],
        description: source === 'utilization'
          ? 'GPU utilization in percent per GPU, attributed to the workload pod (not the exporter pod).'
          : 'Fraction of time the graphics engine was active per GPU or MIG slice, attributed to the workload pod.',
      }],
      adapterRule: podsRule(series, name, avgGauge(SERIES, scale)),
      requires: ['customMetricsApi', 'dcgmExporter'],
      summary: `GPU utilization per pod, target ${pct}%`,
      idle: { kind: 'reading', description: `the ${series} reading of the pod's GPUs at rest, near 0 %; the DCGM exporter reports it for as long as the pod holds its GPUs` },
    });
  }

  /**
   * Request latency per pod at a quantile of the latency histogram, or its mean (Pods metric).
   * Uses `histogram_quantile` over bucket rates, or rate(sum)/rate(count): never rate(sum) alone.
   * A pod that served no request in the window reports 0, not NaN: its `_count` did not grow.
   */
  public static latency(options: LatencyOptions): ScalingMetric {
    const histogram = options.histogram ?? DEFAULT_SERIES.latencySeconds;
    const quantile = options.quantile ?? 0.95;
    const window = options.rateWindowSeconds ?? DEFAULT_RATE_WINDOW_SECONDS;
    const problems = [...checkSeriesName('histogram', histogram), ...checkWindow('rateWindowSeconds', window)];
    if (quantile !== 'mean' && (typeof quantile !== 'number' || !(quantile > 0 && quantile < 1) || Math.abs(quantile * 1000 - Math.round(quantile * 1000)) > 1e-9)) {
      problems.push({ path: 'quantile', message: `is ${show(quantile)}; expected a number between 0 and 1 (exclusive) with at most three decimals, such as 0.95 or 0.999, or "mean"` });
    }
    const target = checkTarget('targetSeconds', options.targetSeconds, 'seconds');
    problems.push(...target.problems);
    if (problems.length) return new ScalingMetric('latency', problems);
    const w = promDuration(window);
    const label = quantile === 'mean' ? 'mean' : `p${quantileLabel(quantile)}`;
    const name = `${histogram.replace(/:/g, '_')}_${label}${windowSuffix(window)}`;
    const rule: AdapterRule = quantile === 'mean'
      ? podsRule(`${histogram}_count`, name, orIdleZero(histogramMean(`${histogram}_sum`, SERIES, w), SERIES, w))
      : podsRule(`${histogram}_bucket`, name, orIdleZero(histogramQuantile(quantile, SERIES, w), `${histogram}_count`, w));
    return new ScalingMetric('latency', [], {
      kind: 'latency',
      hpa: podsMetric(name, target.quantity!),
      series: [appSeries(histogram, 'histogram', quantile === 'mean' ? [] : ['le'], 'Request latency in seconds, observed when each request finishes.')],
      adapterRule: rule,
      rateWindowSeconds: window,
      requires: ['customMetricsApi'],
      summary: `${quantile === 'mean' ? 'mean' : `p${quantileLabel(quantile).replace('_', '.')}`} latency per pod, target ${options.targetSeconds} s`,
      idle: { kind: 'value', value: 0, description: `0 seconds when no request finished in the window (${histogram}_count flat); unlabelled histograms are exported at 0 from the start, so a pod that never served a request reports 0 too` },
    });
  }

  /**
   * Ratio of failed requests per pod (Pods metric), from the request counter's status label.
   * Scales out when overload shows up as errors (timeouts, 503 from a full queue).
   */
  public static errorRate(options: ErrorRateOptions): ScalingMetric {
    const counter = options.counter ?? DEFAULT_SERIES.requestsTotal;
    const matcher = options.errorMatcher ?? 'status=~"5.."';
    const window = options.rateWindowSeconds ?? DEFAULT_RATE_WINDOW_SECONDS;
    const problems = [...checkSeriesName('counter', counter), ...checkWindow('rateWindowSeconds', window)];
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"[^"]*"$/.test(matcher)) {
      problems.push({ path: 'errorMatcher', message: `is ${show(matcher)}; expected one PromQL label matcher such as status=~"5.."` });
    }
    const ratio = options.targetRatio;
    const target = checkTarget('targetRatio', ratio, 'failed requests per request');
    problems.push(...target.problems);
    if (target.quantity !== undefined && ratio > 1) problems.push({ path: 'targetRatio', message: `is ${show(ratio)}; a ratio of failed requests is at most 1` });
    if (problems.length) return new ScalingMetric('errorRate', problems);
    const w = promDuration(window);
    // A non-default matcher is a different metric: give it its own stable name.
    const matcherSuffix = options.errorMatcher === undefined ? '' : `_${fnv1a(matcher)}`;
    const name = `${stripTotal(counter)}_error_ratio${matcherSuffix}${windowSuffix(window)}`;
    return new ScalingMetric('errorRate', [], {
      kind: 'errorRate',
      hpa: podsMetric(name, target.quantity!),
      series: [appSeries(counter, 'counter', [matcher.split(/[=!~]/)[0].trim()], 'Requests handled, with the HTTP status code as a label.')],
      adapterRule: podsRule(counter, name, ratioOfRates(SERIES, matcher, w)),
      rateWindowSeconds: window,
      requires: ['customMetricsApi'],
      summary: `failed request ratio per pod, target ${ratio}`,
      idle: { kind: 'value', value: 0, description: `0: no request failed, and 0/0 counts as 0 (a pod that never served a request needs a ${counter} series exported at 0 from its start, or it is missing)` },
    });
  }

  /** Requests being processed per pod (Pods metric), from a gauge. */
  public static inFlightRequests(options: PerPodGaugeOptions): ScalingMetric {
    return ScalingMetric.perPodGauge('inFlightRequests', options, DEFAULT_SERIES.requestsInFlight, 'Requests being processed right now.', 'requests in flight per pod');
  }

  /** Requests waiting in the pod's own queue (Pods metric), from a gauge. */
  public static queueDepth(options: PerPodGaugeOptions): ScalingMetric {
    return ScalingMetric.perPodGauge('queueDepth', options, DEFAULT_SERIES.queueDepth, 'Requests waiting for a batch slot right now.', 'queued requests per pod');
  }

  /**
   * Length of a queue outside the cluster's pods (External metric): Kafka consumer lag,
   * SQS visible messages, a Redis list. Registers the external metrics API.
   */
  public static externalQueue(options: ExternalQueueOptions): ScalingMetric {
    const problems = [...checkSeriesName('series', options.series), ...checkLabels('selector', options.selector)];
    const target = checkOneTarget(options.targetPerReplica, options.targetTotal, 'targetPerReplica', 'targetTotal', 'queue items');
    problems.push(...target.problems);
    if (problems.length) return new ScalingMetric('externalQueue', problems);
    const selector = selectorOf(options.selector);
    return new ScalingMetric('externalQueue', [], {
      kind: 'externalQueue',
      hpa: { type: 'External', external: { metric: { name: options.series, ...(selector ? { selector } : {}) }, target: target.target! } },
      series: [{ name: options.series, type: 'gauge', source: 'external', labels: Object.keys(options.selector ?? {}), description: 'Queue length reported by the queue\'s exporter.' }],
      adapterRule: {
        kind: 'external',
        seriesQuery: options.series,
        resources: { namespaced: false },
        name: { matches: `^${options.series}$`, as: options.series },
        metricsQuery: sumGauge(SERIES),
      },
      requires: ['externalMetricsApi'],
      summary: `external queue ${options.series}${selector ? ` ${JSON.stringify(options.selector)}` : ''}, target ${options.targetPerReplica !== undefined ? `${options.targetPerReplica} per replica` : `${options.targetTotal} in total`}`,
      // No `or vector(0)`: an exporter that is down must read as unknown, not as an empty queue.
      idle: { kind: 'value', value: 0, description: `0: the exporter reports an empty queue as 0; while it exports no ${options.series} series the metric is missing (unknown, never 0)` },
    });
  }

  /** A metric describing another object in the namespace, such as requests through an Ingress (Object metric). */
  public static objectMetric(options: ObjectMetricOptions): ScalingMetric {
    const ref = options.describedObject;
    const problems = [...checkSeriesName('series', options.series)];
    if (!ref || typeof ref.apiVersion !== 'string' || !ref.apiVersion || typeof ref.kind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(ref.kind)) {
      problems.push({ path: 'describedObject', message: `is ${show(ref)}; expected { apiVersion, kind, name } of an object in the same namespace` });
    } else {
      if (typeof ref.name !== 'string' || !isDnsSubdomain(ref.name)) {
        problems.push({ path: 'describedObject.name', message: `is ${show(ref.name)}; expected an object name (a DNS-1123 subdomain)` });
      }
    }
    const aggregation = options.aggregation ?? 'rate';
    const window = options.rateWindowSeconds ?? DEFAULT_RATE_WINDOW_SECONDS;
    if (aggregation !== 'rate' && aggregation !== 'sum') problems.push({ path: 'aggregation', message: `is ${show(aggregation)}; expected "rate" or "sum"` });
    problems.push(...checkWindow('rateWindowSeconds', window));
    const target = checkOneTarget(options.targetAverageValue, options.targetValue, 'targetAverageValue', 'targetValue', 'units');
    problems.push(...target.problems);
    if (problems.length) return new ScalingMetric('object', problems);
    const kind = ref.kind.toLowerCase();
    const objectLabel = options.objectLabel ?? kind;
    const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : undefined;
    const resource = options.resource ?? plural(kind);
    const name = aggregation === 'rate' ? `${stripTotal(options.series)}_per_second${windowSuffix(window)}` : options.series;
    const query = aggregation === 'rate' ? sumRate(SERIES, promDuration(window)) : sumGauge(SERIES);
    return new ScalingMetric('object', [], {
      kind: 'object',
      hpa: { type: 'Object', object: { describedObject: { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name }, metric: { name }, target: target.target! } },
      series: [{ name: options.series, type: aggregation === 'rate' ? 'counter' : 'gauge', source: 'external', labels: ['namespace', objectLabel], description: `Value for the ${ref.kind} named in label "${objectLabel}".` }],
      adapterRule: {
        kind: 'custom',
        seriesQuery: `${options.series}{namespace!="",${objectLabel}!=""}`,
        resources: { overrides: { namespace: { resource: 'namespace' }, [objectLabel]: { resource, ...(group ? { group } : {}) } } },
        name: { matches: `^${options.series}$`, as: name },
        metricsQuery: query,
      },
      ...(aggregation === 'rate' ? { rateWindowSeconds: window } : {}),
      requires: ['customMetricsApi'],
      summary: `${name} of ${ref.kind} ${ref.name}`,
      idle: aggregation === 'rate'
        ? { kind: 'value', value: 0, description: `0 per second: the counter of the ${ref.kind} is flat` }
        : { kind: 'reading', description: `the gauge's reading for the ${ref.kind} at rest` },
    });
  }

  /** The raw escape hatch: a metric name, its adapter queries and a target, spelled out. */
  public static custom(options: CustomMetricOptions): ScalingMetric {
    const problems = [...checkSeriesName('name', options.name)];
    if (!['Pods', 'Object', 'External'].includes(options.type)) problems.push({ path: 'type', message: `is ${show(options.type)}; expected "Pods", "Object" or "External"` });
    if (typeof options.seriesQuery !== 'string' || !options.seriesQuery.trim()) problems.push({ path: 'seriesQuery', message: `is ${show(options.seriesQuery)}; expected a PromQL series selector` });
    if (typeof options.metricsQuery !== 'string' || !options.metricsQuery.includes('<<.LabelMatchers>>')) {
      problems.push({ path: 'metricsQuery', message: `is ${show(options.metricsQuery)}; expected a PromQL template that uses <<.LabelMatchers>> (and <<.GroupBy>> for per-object values)` });
    }
    if (options.type === 'Pods' && options.targetValue !== undefined) {
      problems.push({ path: 'targetValue', message: 'is set, but Pods metrics only take an average per pod; use targetAverageValue' });
    }
    if (options.type === 'Object' && !options.describedObject) problems.push({ path: 'describedObject', message: 'is missing; Object metrics need { apiVersion, kind, name }' });
    problems.push(...checkLabels('selector', options.selector));
    const target = options.type === 'Pods'
      ? checkOneTarget(options.targetAverageValue, undefined, 'targetAverageValue', 'targetValue', 'units')
      : checkOneTarget(options.targetAverageValue, options.targetValue, 'targetAverageValue', 'targetValue', 'units');
    // A Pods metric given only targetValue already has its own problem above.
    if (!(options.type === 'Pods' && options.targetValue !== undefined && options.targetAverageValue === undefined)) problems.push(...target.problems);
    if (problems.length) return new ScalingMetric('custom', problems);
    const selector = selectorOf(options.selector);
    const metric = { name: options.name, ...(selector ? { selector } : {}) };
    const hpa: HpaMetricSpec = options.type === 'Pods'
      ? { type: 'Pods', pods: { metric, target: target.target! } }
      : options.type === 'Object'
        ? { type: 'Object', object: { describedObject: options.describedObject!, metric, target: target.target! } }
        : { type: 'External', external: { metric, target: target.target! } };
    const external = options.type === 'External';
    return new ScalingMetric('custom', [], {
      kind: 'custom',
      hpa,
      series: options.series ?? [],
      adapterRule: {
        kind: external ? 'external' : 'custom',
        seriesQuery: options.seriesQuery,
        resources: options.resources ?? (external ? { namespaced: false } : POD_RESOURCES),
        name: { matches: '^(.*)$', as: options.name },
        metricsQuery: options.metricsQuery,
      },
      requires: [external ? 'externalMetricsApi' : 'customMetricsApi'],
      summary: `${options.name} (${options.type} metric)`,
      idle: { kind: 'query', description: 'whatever the metricsQuery gives; it must give a number when idle, or the HPA cannot scale down' },
    });
  }

  private static resource(kind: 'cpuUtilization' | 'memoryUtilization', resource: 'cpu' | 'memory', pct: number): ScalingMetric {
    if (typeof pct !== 'number' || !Number.isInteger(pct) || pct < 1) {
      return new ScalingMetric(kind, [{ path: 'targetPercent', message: `is ${show(pct)}; expected a whole percent of the ${resource} request, 1 or more` }]);
    }
    return new ScalingMetric(kind, [], {
      kind,
      hpa: { type: 'Resource', resource: { name: resource, target: { type: 'Utilization', averageUtilization: pct } } },
      series: [{ name: `container_${resource === 'cpu' ? 'cpu_usage_seconds_total' : 'memory_working_set_bytes'}`, type: resource === 'cpu' ? 'counter' : 'gauge', source: 'kubelet', labels: ['namespace', 'pod'], description: `${resource} use from the kubelet, served by metrics-server.` }],
      requires: ['resourceMetricsApi'],
      summary: `${resource} utilization, target ${pct}% of the request`,
      idle: { kind: 'reading', description: `the pod's ${resource} use at rest, measured by the kubelet and served by metrics-server` },
    });
  }

  private static perPodGauge(kind: 'inFlightRequests' | 'queueDepth', options: PerPodGaugeOptions, defaultGauge: string, description: string, what: string): ScalingMetric {
    const gauge = options.gauge ?? defaultGauge;
    const problems = [...checkSeriesName('gauge', gauge)];
    const target = checkTarget('targetPerPod', options.targetPerPod, what);
    problems.push(...target.problems);
    if (problems.length) return new ScalingMetric(kind, problems);
    return new ScalingMetric(kind, [], {
      kind,
      hpa: podsMetric(gauge.replace(/:/g, '_'), target.quantity!),
      series: [appSeries(gauge, 'gauge', [], description)],
      adapterRule: podsRule(gauge, gauge.replace(/:/g, '_'), sumGauge(SERIES)),
      requires: ['customMetricsApi'],
      summary: `${what}, target ${options.targetPerPod}`,
      idle: { kind: 'value', value: 0, description: `0: the gauge reads 0 while nothing is ${kind === 'queueDepth' ? 'queued' : 'in flight'} (the app exports it from its start)` },
    });
  }

  /** Which catalogue entry this is. */
  public readonly kind: MetricKind;
  /** Problems with the options, with paths relative to the options object. Empty when valid. */
  public readonly problems: readonly Problem[];
  /** The wiring, present exactly when `problems` is empty. */
  public readonly definition?: MetricDefinition;

  private constructor(kind: MetricKind, problems: readonly Problem[], definition?: MetricDefinition) {
    this.kind = kind;
    this.problems = problems;
    this.definition = definition;
  }
}

/**
 * The identity of an HPA metric: two metrics with the same identity in one HPA are duplicates.
 * Type, metric (or resource) name, selector and described object; not the target.
 */
export function metricIdentity(spec: HpaMetricSpec): string {
  switch (spec.type) {
    case 'Resource': return `Resource/${spec.resource.name}`;
    case 'Pods': return `Pods/${spec.pods.metric.name}${selectorKey(spec.pods.metric.selector)}`;
    case 'Object': return `Object/${spec.object.describedObject.kind}/${spec.object.describedObject.name}/${spec.object.metric.name}${selectorKey(spec.object.metric.selector)}`;
    case 'External': return `External/${spec.external.metric.name}${selectorKey(spec.external.metric.selector)}`;
  }
}

/** English plural as Kubernetes resources use it: ingress → ingresses, policy → policies, service → services. */
function plural(kind: string): string {
  if (/(s|x|z|ch|sh)$/.test(kind)) return `${kind}es`;
  if (/[^aeiou]y$/.test(kind)) return `${kind.slice(0, -1)}ies`;
  return `${kind}s`;
}

function selectorKey(selector: HpaLabelSelector | undefined): string {
  if (!selector) return '';
  return `{${Object.keys(selector.matchLabels).sort().map((k) => `${k}=${selector.matchLabels[k]}`).join(',')}}`;
}

function selectorOf(labels: Readonly<Record<string, string>> | undefined): HpaLabelSelector | undefined {
  if (!labels || Object.keys(labels).length === 0) return undefined;
  return { matchLabels: sortKeys(labels) };
}

function podsMetric(name: string, averageValue: string): HpaMetricSpec {
  return { type: 'Pods', pods: { metric: { name }, target: { type: 'AverageValue', averageValue } } };
}

function podsRule(series: string, as: string, metricsQuery: string): AdapterRule {
  return {
    kind: 'custom',
    seriesQuery: `${series}{namespace!="",pod!=""}`,
    resources: POD_RESOURCES,
    name: { matches: `^${series}$`, as },
    metricsQuery,
  };
}

function appSeries(name: string, type: SeriesRequirement['type'], extraLabels: readonly string[], description: string): SeriesRequirement {
  return { name, type, source: 'app', labels: ['namespace', 'pod', ...extraLabels], description };
}

/** Metric names derived from series drop `_total` and turn `:` (recording-rule style, as in `vllm:...`) into `_`. */
function stripTotal(counter: string): string {
  const base = counter.endsWith('_total') ? counter.slice(0, -'_total'.length) : counter;
  return base.replace(/:/g, '_');
}

function windowSuffix(seconds: number): string {
  return seconds === DEFAULT_RATE_WINDOW_SECONDS ? '' : `_${promDuration(seconds)}`;
}

function quantileLabel(q: number): string {
  // 0.95 -> "95", 0.995 -> "99_5", 0.5 -> "50"; quantiles have at most three decimals.
  const pct = Math.round(q * 1000) / 10;
  return String(pct).replace('.', '_');
}

/** 32-bit FNV-1a of a string as 8 hex digits: short, stable names for option variants. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

function checkSeriesName(path: string, name: unknown): Problem[] {
  if (typeof name !== 'string' || !PROM_NAME.test(name)) {
    return [{ path, message: `is ${show(name)}; expected a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)` }];
  }
  return [];
}

function checkWindow(path: string, seconds: unknown): Problem[] {
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
    return [{ path, message: `is ${show(seconds)}; expected whole seconds from 1 to 3600` }];
  }
  return [];
}

function checkOneTarget(average: number | undefined, total: number | undefined, averagePath: string, totalPath: string, unit: string): { problems: Problem[]; target?: HpaMetricTarget } {
  if ((average === undefined) === (total === undefined)) {
    return { problems: [{ path: `${averagePath}|${totalPath}`, message: `expected exactly one of ${averagePath} (per replica) and ${totalPath} (in total)` }] };
  }
  if (average !== undefined) {
    const t = checkTarget(averagePath, average, unit);
    return { problems: t.problems, target: t.quantity ? { type: 'AverageValue', averageValue: t.quantity } : undefined };
  }
  const t = checkTarget(totalPath, total, unit);
  return { problems: t.problems, target: t.quantity ? { type: 'Value', value: t.quantity } : undefined };
}
