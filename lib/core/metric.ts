import { sortKeys } from './checks';
import { promDuration } from './duration';
import { HpaLabelSelector, HpaMetricSpec, HpaMetricTarget, HpaObjectReference } from './hpa-spec';
import { EngineSeries, EngineSignal, ModelServer, SeriesExportedFrom } from './metrics/model-servers';
import { DEFAULT_RATE_WINDOW_SECONDS, errorRatioMetricName, latencyMetricName, metricNameOf, quantileLabel, rateMetricName, shareMetricName } from './metrics/naming';
import { avgGauge, counterMean, histogramMean, histogramQuantile, orIdleZero, orScrapedZero, ratioOfRates, SERIES, sumGauge, sumGaugeShare, sumRate } from './metrics/promql';
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

export { DEFAULT_RATE_WINDOW_SECONDS } from './metrics/naming';

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
  | 'custom'
  | EngineMetricKind;

/**
 * The catalogue entries that read a model server's own series (see {@link ModelServer}): one
 * per engine signal, the generated-token counter read as `tokenThroughput`.
 */
export type EngineMetricKind = Exclude<EngineSignal, 'generationTokens'> | 'tokenThroughput';

/**
 * What a missing value means for a metric, and whether it can be missing while the service
 * serves nothing.
 *
 * A pod without a value is missing for the HPA; a metric missing for every pod is invalid, and
 * the controller then never scales down. KEDA reads an empty answer as an error
 * (`ignoreNullValues: "false"`), and falls back; were it read as 0 (`ignoreNullValues: "true"`)
 * a vanished series would cut replicas at peak. So a metric must have a value when idle, and a
 * missing value must mean "unknown", never "idle".
 * - `value`: idle pods (objects, queues) read a value; a value is missing only when the source
 *   is not scraped (a scrape gap, Prometheus down, a pod whose metrics endpoint fails).
 * - `missing`: the series vanish at zero traffic. Refused by services: it blocks scale-down.
 * - `unknown`: a custom query; it decides.
 */
export interface MissingMeaning {
  /** Whether the value can vanish while the service serves nothing. */
  readonly atZeroTraffic: 'value' | 'missing' | 'unknown';
  /** What missing means here, for docs, errors and `explain`. */
  readonly description: string;
}

/** A missing value after a scrape gap, said once for every Prometheus metric. */
const SCRAPE_GAP = 'after a scrape gap (fewer than two samples in the rate window, or no sample in the 5-minute lookback for a gauge) the pod is missing: the HPA assumes it at its target when scaling down and at 0 when scaling up, and KEDA (ignoreNullValues "false") counts an empty answer as an error and falls back';

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
  /**
   * When the exporter creates it: from its start (at 0), or at the first request it serves,
   * absent until then. @default "start"
   */
  readonly exportedFrom?: SeriesExportedFrom;
  /**
   * For a series created at the first request: other series the same first request creates,
   * as Prometheus stores them. One of them present while this one is absent means the exporter
   * served requests without ever exporting this series (a wrong name), not that it is idle.
   */
  readonly createdWith?: readonly string[];
}

/** A series created at the first request, with what tells an idle pod from one that served without it. */
export interface FirstRequestSeries {
  /** The series. */
  readonly series: SeriesRequirement;
  /** Series the same first request creates, as Prometheus stores them (non-empty). */
  readonly createdWith: readonly string[];
}

/**
 * The first series of `def` that its exporter creates at the first request, with the series the
 * same request creates ({@link SeriesRequirement.createdWith}); undefined when it reads none, or
 * when nothing tells an idle pod from one that served without it.
 */
export function firstRequestSeries(def: MetricDefinition): FirstRequestSeries | undefined {
  for (const series of def.series) {
    if (series.exportedFrom === 'firstRequest' && series.createdWith && series.createdWith.length > 0) return { series, createdWith: series.createdWith };
  }
  return undefined;
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
  /**
   * The series the query reads, when discovery goes through another one (the pods' `up`, for a
   * series an engine creates at its first request); not part of the adapter's configuration.
   * @default - the series the discovery query names
   */
  readonly readsSeries?: string;
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
  /** What a missing value means. */
  readonly missing: MissingMeaning;
}

/** A catalogue entry's outcome: the wiring, or the problems with its options; never half of each. */
export type MetricResult =
  | {
    /** The options are valid. */
    readonly valid: true;
    /** The wiring. */
    readonly definition: MetricDefinition;
  }
  | {
    /** The options are not valid. */
    readonly valid: false;
    /** Problems with the options, with paths relative to the options object. */
    readonly problems: readonly Problem[];
  };

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
  /**
   * What the exporter does with an empty queue: `zero` reports 0; `noSeries` drops the series
   * (some lag exporters do for idle consumer groups). `noSeries` is refused by services: the
   * metric would vanish at zero traffic and block scale-down.
   * @default "zero"
   */
  readonly emptyQueue?: 'zero' | 'noSeries';
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
  /**
   * Say `true` when the query gives nothing while the service serves nothing (no idle branch);
   * services refuse such a metric, since it would block scale-down.
   * @default false - the query is trusted to give a value when idle
   */
  readonly missingAtZeroTraffic?: boolean;
}

/** Options of {@link ScalingMetric.waitingRequests}. */
export interface WaitingRequestsOptions {
  /** Requests waiting in the engine's queue per pod to hold. */
  readonly targetPerPod: number;
}

/** Options of {@link ScalingMetric.runningRequests}. Give exactly one target. */
export interface RunningRequestsOptions {
  /** Requests in the running batch per pod to hold. */
  readonly targetPerPod?: number;
  /** Share of `maxSequences` the running batch should fill per pod, in (0, 1]. Needs `maxSequences`. */
  readonly targetShareOfMaxSequences?: number;
  /** The engine's batch limit (`--max-num-seqs` in vLLM, `--max-running-requests` in SGLang). @default - none; required with targetShareOfMaxSequences */
  readonly maxSequences?: number;
}

/** Options of {@link ScalingMetric.kvCacheUsage}. */
export interface KvCacheUsageOptions {
  /** Average share of the KV cache in use per pod to hold, in (0, 1]. */
  readonly targetRatio: number;
}

/** Options of the engine latency entries: {@link ScalingMetric.timeToFirstToken}, {@link ScalingMetric.interTokenLatency}, {@link ScalingMetric.queueTime}. */
export interface EngineLatencyOptions {
  /** Latency to hold, in seconds. */
  readonly targetSeconds: number;
  /** Quantile in (0, 1) with at most three decimals, or `mean`. @default 0.95 (queueTime on Triton: "mean", the only form it has) */
  readonly quantile?: number | 'mean';
  /** Window of `rate()`. @default 60 */
  readonly rateWindowSeconds?: number;
}

/** Options of {@link ScalingMetric.tokenThroughput}. */
export interface TokenThroughputOptions {
  /** Generated tokens per second per pod to hold. */
  readonly targetPerPod: number;
  /** Window of `rate()`. @default 60 */
  readonly rateWindowSeconds?: number;
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
    const name = rateMetricName(counter, window);
    return new ScalingMetric('requestsPerSecond', [], {
      kind: 'requestsPerSecond',
      hpa: podsMetric(name, target.quantity!),
      series: [appSeries(counter, 'counter', [], 'Requests handled, counted when each finishes.')],
      adapterRule: podsRule(counter, name, sumRate(SERIES, promDuration(window))),
      rateWindowSeconds: window,
      requires: ['customMetricsApi'],
      summary: `requests per second per pod, target ${options.targetPerPod}`,
      idle: { kind: 'value', value: 0, description: `0 requests per second: the counter is flat (a pod that never served a request needs ${counter} exported at 0 from its start, or it is missing)` },
      missing: { atZeroTraffic: 'value', description: SCRAPE_GAP },
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
      missing: { atZeroTraffic: 'value', description: SCRAPE_GAP },
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
    const name = latencyMetricName(histogram, quantile, window);
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
      missing: { atZeroTraffic: 'value', description: SCRAPE_GAP },
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
    const name = errorRatioMetricName(counter, options.errorMatcher === undefined ? undefined : matcher, window);
    return new ScalingMetric('errorRate', [], {
      kind: 'errorRate',
      hpa: podsMetric(name, target.quantity!),
      series: [appSeries(counter, 'counter', [matcher.split(/[=!~]/)[0].trim()], 'Requests handled, with the HTTP status code as a label.')],
      adapterRule: podsRule(counter, name, ratioOfRates(SERIES, matcher, w)),
      rateWindowSeconds: window,
      requires: ['customMetricsApi'],
      summary: `failed request ratio per pod, target ${ratio}`,
      idle: { kind: 'value', value: 0, description: `0: no request failed, and 0/0 counts as 0 (a pod that never served a request needs a ${counter} series exported at 0 from its start, or it is missing)` },
      missing: { atZeroTraffic: 'value', description: SCRAPE_GAP },
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
      missing: options.emptyQueue === 'noSeries'
        ? { atZeroTraffic: 'missing', description: `the exporter drops ${options.series} while the queue is empty (emptyQueue: "noSeries")` }
        : { atZeroTraffic: 'value', description: `the exporter reports an empty queue as 0; ${SCRAPE_GAP}` },
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
    const name = aggregation === 'rate' ? rateMetricName(options.series, window) : options.series;
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
      missing: { atZeroTraffic: 'value', description: SCRAPE_GAP },
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
      missing: options.missingAtZeroTraffic
        ? { atZeroTraffic: 'missing', description: 'its series vanish while the service serves nothing (missingAtZeroTraffic: true)' }
        : { atZeroTraffic: 'unknown', description: `whatever the metricsQuery gives; ${SCRAPE_GAP}` },
    });
  }

  /**
   * Requests waiting in the model server's queue per pod (Pods metric): vLLM
   * `vllm:num_requests_waiting`, SGLang `sglang:num_queue_reqs`, TGI `tgi_queue_size`, TEI
   * `te_queue_size`, Triton `nv_inference_pending_request_count`. Non-zero only when the batch
   * or the KV cache is full: the most direct signal of saturation. Reads the service's
   * `modelServer` (vLLM when it has none).
   */
  public static waitingRequests(options: WaitingRequestsOptions): ScalingMetric {
    return ScalingMetric.engine('waitingRequests', (server) => {
      const target = checkTarget('targetPerPod', options.targetPerPod, 'waiting requests');
      return ScalingMetric.engineEntry('waitingRequests', 'waitingRequests', server, target.problems, (series) => ({
        name: metricNameOf(series.name),
        target: target.quantity!,
        query: idleSafe(series, sumGauge(SERIES)),
        summary: `requests waiting per pod (${series.name}), target ${options.targetPerPod}`,
      }));
    });
  }

  /**
   * Requests in the running batch per pod (Pods metric), as a count or as a share of the
   * engine's batch limit (`targetShareOfMaxSequences` with `maxSequences`).
   */
  public static runningRequests(options: RunningRequestsOptions): ScalingMetric {
    return ScalingMetric.engine('runningRequests', (server) => {
      const problems: Problem[] = [];
      const share = options.targetShareOfMaxSequences;
      if ((options.targetPerPod === undefined) === (share === undefined)) {
        problems.push({ path: 'targetPerPod|targetShareOfMaxSequences', message: 'expected exactly one of targetPerPod (requests) and targetShareOfMaxSequences (a share of maxSequences)' });
        return new ScalingMetric('runningRequests', problems);
      }
      if (share !== undefined) {
        const max = options.maxSequences;
        if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
          problems.push({ path: 'maxSequences', message: `is ${show(max)}; targetShareOfMaxSequences needs the engine's batch limit as a whole number, 1 or more (vLLM --max-num-seqs, SGLang --max-running-requests)` });
        }
        problems.push(...checkRatio('targetShareOfMaxSequences', share, 'share of maxSequences'));
        const target = problems.length ? undefined : checkTarget('targetShareOfMaxSequences', share, 'share');
        return ScalingMetric.engineEntry('runningRequests', 'runningRequests', server, [...problems, ...(target?.problems ?? [])], (series) => ({
          name: shareMetricName(series.name, max!),
          target: target!.quantity!,
          query: idleSafe(series, sumGaugeShare(SERIES, max!)),
          summary: `running batch per pod as a share of ${max} sequences (${series.name}), target ${share}`,
        }));
      }
      const target = checkTarget('targetPerPod', options.targetPerPod, 'running requests');
      return ScalingMetric.engineEntry('runningRequests', 'runningRequests', server, target.problems, (series) => ({
        name: metricNameOf(series.name),
        target: target.quantity!,
        query: idleSafe(series, sumGauge(SERIES)),
        summary: `running batch per pod (${series.name}), target ${options.targetPerPod}`,
      }));
    });
  }

  /**
   * Share of the KV cache in use per pod, 0 to 1 (Pods metric): vLLM `vllm:kv_cache_usage_perc`
   * (`vllm:gpu_cache_usage_perc` before 0.10), SGLang `sglang:token_usage`. Near 1 the engine
   * stops admitting requests and preempts running ones.
   */
  public static kvCacheUsage(options: KvCacheUsageOptions): ScalingMetric {
    return ScalingMetric.engine('kvCacheUsage', (server) => {
      const problems = checkRatio('targetRatio', options.targetRatio, 'share of the KV cache');
      const target = problems.length ? undefined : checkTarget('targetRatio', options.targetRatio, 'share');
      return ScalingMetric.engineEntry('kvCacheUsage', 'kvCacheUsage', server, [...problems, ...(target?.problems ?? [])], (series) => ({
        name: metricNameOf(series.name),
        target: target!.quantity!,
        // Data-parallel engines in one pod export one gauge each (label `engine`): their average is the pod's use.
        query: idleSafe(series, avgGauge(SERIES)),
        summary: `KV-cache use per pod (${series.name}), target ${options.targetRatio}`,
      }));
    });
  }

  /** Time to first token per pod at a quantile of the engine's histogram, or its mean (Pods metric). */
  public static timeToFirstToken(options: EngineLatencyOptions): ScalingMetric {
    return ScalingMetric.engineLatency('timeToFirstToken', 'timeToFirstToken', 'time to first token', options);
  }

  /** Time between generated tokens per pod at a quantile of the engine's histogram, or its mean (Pods metric). */
  public static interTokenLatency(options: EngineLatencyOptions): ScalingMetric {
    return ScalingMetric.engineLatency('interTokenLatency', 'interTokenLatency', 'inter-token latency', options);
  }

  /** Time requests wait in the engine's queue per pod, at a quantile or the mean (Pods metric). */
  public static queueTime(options: EngineLatencyOptions): ScalingMetric {
    return ScalingMetric.engineLatency('queueTime', 'queueTime', 'queue time', options);
  }

  /**
   * Generated tokens per second per pod (Pods metric), from vLLM `vllm:generation_tokens_total`,
   * SGLang `sglang:generation_tokens_total` or TGI `tgi_request_generated_tokens_sum`.
   */
  public static tokenThroughput(options: TokenThroughputOptions): ScalingMetric {
    return ScalingMetric.engine('tokenThroughput', (server) => {
      const window = options.rateWindowSeconds ?? DEFAULT_RATE_WINDOW_SECONDS;
      const target = checkTarget('targetPerPod', options.targetPerPod, 'tokens per second');
      return ScalingMetric.engineEntry('tokenThroughput', 'generationTokens', server, [...checkWindow('rateWindowSeconds', window), ...target.problems], (series) => ({
        name: rateMetricName(series.name, window),
        target: target.quantity!,
        query: idleSafe(series, sumRate(SERIES, promDuration(window))),
        rateWindowSeconds: window,
        summary: `generated tokens per second per pod (${series.name}), target ${options.targetPerPod}`,
      }));
    });
  }

  private static engineLatency(kind: 'timeToFirstToken' | 'interTokenLatency' | 'queueTime', signal: EngineSignal, what: string, options: EngineLatencyOptions): ScalingMetric {
    return ScalingMetric.engine(kind, (server) => {
      const series = server.seriesFor(signal);
      const counterOnly = series?.type === 'counter';
      const quantile = options.quantile ?? (counterOnly ? 'mean' : 0.95);
      const window = options.rateWindowSeconds ?? DEFAULT_RATE_WINDOW_SECONDS;
      const problems = [...checkWindow('rateWindowSeconds', window), ...checkQuantile(quantile)];
      if (counterOnly && quantile !== 'mean') {
        problems.push({ path: 'quantile', message: `is ${show(quantile)}, but ${server.describe()} exports ${series!.name} as a counter of time, which gives a mean only; use quantile: "mean"` });
      }
      const target = checkTarget('targetSeconds', options.targetSeconds, 'seconds');
      return ScalingMetric.engineEntry(kind, signal, server, [...problems, ...target.problems], (s) => {
        const w = promDuration(window);
        const base = s.countSeries ? s.name.replace(/_us$/, '_seconds') : s.name;
        const busy = s.countSeries
          ? counterMean(SERIES, s.countSeries, w, s.scale)
          : quantile === 'mean' ? histogramMean(SERIES, `${s.name}_count`, w) : histogramQuantile(quantile, SERIES, w);
        const countSeries = s.countSeries ?? `${s.name}_count`;
        return {
          name: latencyMetricName(base, quantile, window),
          target: target.quantity!,
          discovered: s.countSeries ? s.name : quantile === 'mean' ? `${s.name}_sum` : `${s.name}_bucket`,
          query: s.exportedFrom === 'firstRequest' ? orScrapedZero(busy) : orIdleZero(busy, countSeries, w),
          rateWindowSeconds: window,
          extraLabels: quantile === 'mean' || s.countSeries ? [] : ['le'],
          summary: `${quantile === 'mean' ? 'mean' : `p${quantileLabel(quantile).replace('_', '.')}`} ${what} per pod (${s.name}), target ${options.targetSeconds} s`,
        };
      });
    });
  }

  /** An entry that reads a model server's series: built for vLLM, rebuilt for the service's server. */
  private static engine(kind: EngineMetricKind, build: (server: ModelServer) => ScalingMetric): ScalingMetric {
    const built = build(ModelServer.vllm());
    return new ScalingMetric(kind, built.problems, built.definition, build);
  }

  /** Builds an engine entry's definition, or its problems (including a server without the series). */
  private static engineEntry(kind: EngineMetricKind, signal: EngineSignal, server: ModelServer, optionProblems: readonly Problem[], wire: (series: EngineSeries) => EngineWiring): ScalingMetric {
    const series = server.seriesFor(signal);
    const problems = [...optionProblems, ...prefixModelServer(server.problems)];
    if (!series) {
      const has = Object.entries(server.spec.series).map(([k]) => k).join(', ');
      problems.push({ path: 'modelServer', message: `is ${server.describe()}, which exports no ${SIGNAL_WORDS[signal]} series; ${kind} cannot be read from it. Scale on one it has (${has}), or use ScalingMetric.custom` });
    }
    if (problems.length) return new ScalingMetric(kind, problems);
    const w = wire(series!);
    const discovered = w.discovered ?? series!.name;
    const rule = podsRule(discovered, w.name, w.query);
    const definition: MetricDefinition = {
      kind,
      hpa: podsMetric(w.name, w.target),
      series: [{
        name: series!.name, type: series!.type, source: 'app', labels: ['namespace', 'pod', ...series!.labels, ...(w.extraLabels ?? [])], description: `${server.describe()}: ${SIGNAL_WORDS[signal]} series; idle: ${series!.idle}.`,
        ...(series!.exportedFrom === 'firstRequest' ? { exportedFrom: 'firstRequest' as const, createdWith: server.createdWithFirstRequest(series!.name) } : {}),
      }],
      adapterRule: series!.exportedFrom === 'firstRequest' ? discoveredThroughUp(rule, discovered) : rule,
      ...(w.rateWindowSeconds !== undefined ? { rateWindowSeconds: w.rateWindowSeconds } : {}),
      requires: ['customMetricsApi'],
      summary: w.summary,
      idle: { kind: 'value', value: 0, description: idleDescription(series!) },
      missing: {
        atZeroTraffic: 'value',
        description: series!.exportedFrom === 'firstRequest'
          ? `${server.describe()} creates ${series!.name} at the first request; until then a pod Prometheus scrapes (up == 1) reads 0, and a pod whose scrape fails is missing; ${SCRAPE_GAP}`
          : `${server.describe()} exports ${series!.name} from its start; ${SCRAPE_GAP}`,
      },
    };
    return new ScalingMetric(kind, [], definition);
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
      missing: { atZeroTraffic: 'value', description: SCRAPE_GAP },
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
      hpa: podsMetric(metricNameOf(gauge), target.quantity!),
      series: [appSeries(gauge, 'gauge', [], description)],
      adapterRule: podsRule(gauge, metricNameOf(gauge), sumGauge(SERIES)),
      requires: ['customMetricsApi'],
      summary: `${what}, target ${options.targetPerPod}`,
      idle: { kind: 'value', value: 0, description: `0: the gauge reads 0 while nothing is ${kind === 'queueDepth' ? 'queued' : 'in flight'} (the app exports it from its start)` },
      missing: { atZeroTraffic: 'value', description: SCRAPE_GAP },
    });
  }

  /** Which catalogue entry this is. */
  public readonly kind: MetricKind;
  /** Problems with the options, with paths relative to the options object. Empty when valid. */
  public readonly problems: readonly Problem[];
  /** The wiring, present exactly when `problems` is empty. */
  public readonly definition?: MetricDefinition;
  /** The wiring or the problems, as one value that cannot be half of each. */
  public readonly result: MetricResult;
  private readonly rebuild?: (server: ModelServer) => ScalingMetric;

  private constructor(kind: MetricKind, problems: readonly Problem[], definition?: MetricDefinition, rebuild?: (server: ModelServer) => ScalingMetric) {
    this.kind = kind;
    this.problems = problems;
    this.definition = problems.length ? undefined : definition;
    this.result = problems.length || !definition ? { valid: false, problems } : { valid: true, definition };
    this.rebuild = rebuild;
  }

  /** True when the entry reads a model server's own series (see {@link ScalingMetric.forServer}). */
  public get readsModelServer(): boolean {
    return this.rebuild !== undefined;
  }

  /**
   * The same entry reading `server`'s series. Entries that read no model server (CPU, GPU,
   * the app's `ai_inference_*` series, custom) come back as they are. A server that does not
   * expose the series gives a problem at path `modelServer`.
   */
  public forServer(server: ModelServer): ScalingMetric {
    if (!this.rebuild) {
      const lazy = this.definition && readsLazyAppSeries(this.definition, server);
      return lazy ? new ScalingMetric(this.kind, [], idleSafeOnLazyServer(this.definition!, server)) : this;
    }
    const built = this.rebuild(server);
    return new ScalingMetric(this.kind, built.problems, built.definition, this.rebuild);
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

/**
 * The same rule discovering its metric through the scraped pods' `up`, for a series the engine
 * creates at its first request. The adapter serves a metric name only while its discovery
 * query finds series (`--metrics-max-age`, the relist interval by default): a rule discovering
 * such a series itself serves nothing on a fresh cluster, or after a rollout while no request
 * comes, so the HPA reads the metric as unknown (ScalingActive False, no scale-down) until the
 * first request, and scales up a relist interval late. Every scraped pod has `up`; the query
 * names the series instead of `<<.Series>>` (which is now `up`), and reads 0 for a scraped pod
 * without it. Several rules may discover `up`: the adapter keeps one entry per metric name,
 * each with the rule that named it.
 * @see https://github.com/kubernetes-sigs/prometheus-adapter/blob/master/pkg/custom-provider/series_registry.go
 */
function discoveredThroughUp(rule: AdapterRule, series: string): AdapterRule {
  return {
    ...rule,
    seriesQuery: 'up{namespace!="",pod!=""}',
    name: { matches: '^up$', as: rule.name.as },
    metricsQuery: rule.metricsQuery.split(SERIES).join(series),
    readsSeries: series,
  };
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


/** What an engine entry computes once it knows the engine's series. */
interface EngineWiring {
  /** Metric name the HPA asks for. */
  readonly name: string;
  /** Target quantity. */
  readonly target: string;
  /** Adapter metricsQuery template. */
  readonly query: string;
  /** Series the adapter discovers. @default - the engine's series name */
  readonly discovered?: string;
  /** Rate window, when the query has one. */
  readonly rateWindowSeconds?: number;
  /** Labels the query needs besides namespace and pod. */
  readonly extraLabels?: readonly string[];
  /** One line for people. */
  readonly summary: string;
}

const SIGNAL_WORDS: Readonly<Record<EngineSignal, string>> = {
  waitingRequests: 'waiting-requests',
  runningRequests: 'running-batch',
  kvCacheUsage: 'KV-cache use',
  timeToFirstToken: 'time-to-first-token',
  interTokenLatency: 'inter-token-latency',
  queueTime: 'queue-time',
  generationTokens: 'generated-tokens',
};

function idleDescription(series: EngineSeries): string {
  return series.exportedFrom === 'firstRequest'
    ? `0: the query reads 0 for a scraped pod without a value (${series.name} is created at the first request; idle it reads ${series.idle})`
    : `0: ${series.name} is exported from the start and idle reads ${series.idle}`;
}

/**
 * Whether a per-pod entry of the app's own series (requests per second, latency, error ratio,
 * a gauge) reads a series `server` creates at its first request: TEI's `te_request_count`, for
 * one. Custom queries decide for themselves.
 */
function readsLazyAppSeries(definition: MetricDefinition, server: ModelServer): boolean {
  if (definition.kind === 'custom' || definition.hpa.type !== 'Pods' || !definition.adapterRule) return false;
  // Entries idle at 0: a pod that has not served yet reads the same as one that went quiet.
  if (definition.idle.kind !== 'value' || definition.idle.value !== 0) return false;
  return definition.series.some((s) => s.source === 'app' && server.exportedFrom(s.name) === 'firstRequest');
}

/**
 * An app-series entry on an engine that creates the series at its first request: until then a
 * pod Prometheus scrapes reads 0, as the engine entries do (a replica that never served a
 * request would otherwise be missing, and with it the metric on an idle service, which blocks
 * every scale-down), and the series say when they appear.
 */
function idleSafeOnLazyServer(definition: MetricDefinition, server: ModelServer): MetricDefinition {
  const rule = definition.adapterRule!;
  const isLazy = (s: SeriesRequirement): boolean => s.source === 'app' && server.exportedFrom(s.name) === 'firstRequest';
  const names = definition.series.filter(isLazy).map((s) => s.name).join(', ');
  // The series the rule discovers: podsRule's discovery query is `<series>{namespace!="",pod!=""}`.
  const discovered = rule.seriesQuery.slice(0, rule.seriesQuery.indexOf('{'));
  return {
    ...definition,
    series: definition.series.map((s) => (isLazy(s)
      ? { ...s, description: `${s.description} ${server.describe()} creates it at its first request.`, exportedFrom: 'firstRequest' as const, createdWith: server.createdWithFirstRequest(s.name) }
      : s)),
    adapterRule: discoveredThroughUp({ ...rule, metricsQuery: orScrapedZero(rule.metricsQuery) }, discovered),
    idle: { kind: 'value', value: 0, description: `0: a pod that served reads 0 once its requests stop, and the query reads 0 for a scraped pod without a value (${server.describe()} creates ${names} at the first request)` },
    missing: {
      atZeroTraffic: 'value',
      description: `${server.describe()} creates ${names} at the first request; until then a pod Prometheus scrapes (up == 1) reads 0, and a pod whose scrape fails is missing; ${SCRAPE_GAP}`,
    },
  };
}

/** The idle-safe form of a per-pod query on an engine series: as it is, or 0 for scraped pods until the series exists. */
function idleSafe(series: EngineSeries, query: string): string {
  return series.exportedFrom === 'firstRequest' ? orScrapedZero(query) : query;
}

function prefixModelServer(problems: readonly Problem[]): Problem[] {
  return problems.map((p) => ({ path: `modelServer.${p.path}`, message: p.message }));
}

function checkRatio(path: string, value: unknown, what: string): Problem[] {
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) return [{ path, message: `is ${show(value)}; expected a ${what} above 0 and at most 1` }];
  return [];
}

function checkQuantile(quantile: unknown): Problem[] {
  if (quantile !== 'mean' && (typeof quantile !== 'number' || !(quantile > 0 && quantile < 1) || Math.abs(quantile * 1000 - Math.round(quantile * 1000)) > 1e-9)) {
    return [{ path: 'quantile', message: `is ${show(quantile)}; expected a number between 0 and 1 (exclusive) with at most three decimals, such as 0.95 or 0.999, or "mean"` }];
  }
  return [];
}
