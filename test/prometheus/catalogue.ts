/**
 * A definition set covering every ScalingMetric factory of lib/core/metric.ts (and each variant
 * that changes the generated PromQL), with the namespace and pods the queries are rendered for.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MetricsQueryRequest, renderMetricsQuery } from '../../lib/core/adapter-config';
import { MetricDefinition, ScalingMetric } from '../../lib/core/metric';

/** Namespace of the sample HPAs. */
export const SAMPLE_NAMESPACE = 'inference';
/** Pods of the sample service. */
export const SAMPLE_PODS = ['llm-7d9f8-a', 'llm-7d9f8-b'] as const;
/** Name of the Ingress the Object metrics describe. */
export const SAMPLE_INGRESS = 'llm';

/** One catalogue entry: which factory, a label for test names, the definition. */
export interface CatalogueEntry {
  /** The `ScalingMetric` static factory that built it. */
  readonly factory: string;
  /** Unique, readable id (also used as the recording-rule suffix). */
  readonly id: string;
  /** The wiring. */
  readonly definition: MetricDefinition;
}

function entry(factory: string, id: string, metric: ScalingMetric): CatalogueEntry {
  if (!metric.definition) throw new Error(`catalogue fixture ${id} is invalid: ${JSON.stringify(metric.problems)}`);
  return { factory, id, definition: metric.definition };
}

/** Every factory, with the variants that change the PromQL. */
export const CATALOGUE: readonly CatalogueEntry[] = [
  entry('cpuUtilization', 'cpu', ScalingMetric.cpuUtilization(70)),
  entry('memoryUtilization', 'memory', ScalingMetric.memoryUtilization(80)),
  entry('requestsPerSecond', 'rps', ScalingMetric.requestsPerSecond({ targetPerPod: 4 })),
  entry('requestsPerSecond', 'rps_30s', ScalingMetric.requestsPerSecond({ targetPerPod: 4, rateWindowSeconds: 30 })),
  entry('gpuUtilization', 'gpu_util', ScalingMetric.gpuUtilization({ targetPercent: 70 })),
  entry('gpuUtilization', 'gpu_engine', ScalingMetric.gpuUtilization({ targetPercent: 70, source: 'engineActive' })),
  entry('latency', 'latency_p95', ScalingMetric.latency({ targetSeconds: 0.5 })),
  entry('latency', 'latency_p99_9', ScalingMetric.latency({ targetSeconds: 2, quantile: 0.999 })),
  entry('latency', 'latency_mean', ScalingMetric.latency({ targetSeconds: 0.2, quantile: 'mean' })),
  entry('errorRate', 'errors', ScalingMetric.errorRate({ targetRatio: 0.05 })),
  entry('errorRate', 'errors_timeouts', ScalingMetric.errorRate({ targetRatio: 0.05, errorMatcher: 'status="504"' })),
  entry('inFlightRequests', 'in_flight', ScalingMetric.inFlightRequests({ targetPerPod: 8 })),
  entry('queueDepth', 'queue_depth', ScalingMetric.queueDepth({ targetPerPod: 4 })),
  entry('externalQueue', 'external_queue', ScalingMetric.externalQueue({ series: 'kafka_consumergroup_lag', selector: { consumergroup: 'llm' }, targetPerReplica: 100 })),
  entry('externalQueue', 'external_queue_all', ScalingMetric.externalQueue({ series: 'sqs_messages_visible', targetTotal: 500 })),
  entry('objectMetric', 'object_rate', ScalingMetric.objectMetric({
    describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: SAMPLE_INGRESS },
    series: 'nginx_ingress_controller_requests', targetAverageValue: 10,
  })),
  entry('objectMetric', 'object_sum', ScalingMetric.objectMetric({
    describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: SAMPLE_INGRESS },
    series: 'ingress_connections_active', aggregation: 'sum', targetValue: 50,
  })),
  entry('custom', 'custom_pods', ScalingMetric.custom({
    type: 'Pods', name: 'vllm_num_requests_waiting', seriesQuery: 'vllm:num_requests_waiting{namespace!="",pod!=""}',
    metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)', targetAverageValue: 2,
  })),
  entry('custom', 'custom_external', ScalingMetric.custom({
    type: 'External', name: 'redis_list_length', seriesQuery: 'redis_key_size{key="jobs"}',
    metricsQuery: 'max(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)', selector: { key: 'jobs' }, targetValue: 20,
  })),
];

/** The public static factories of ScalingMetric, read from its source. */
export function scalingMetricFactories(): string[] {
  const source = fs.readFileSync(path.join(__dirname, '../../lib/core/metric.ts'), 'utf8');
  return [...source.matchAll(/^\s+public static (\w+)\(/gm)].map((m) => m[1]).sort();
}

/** Definitions served by the adapter (everything but Resource metrics). */
export function adapterEntries(): CatalogueEntry[] {
  return CATALOGUE.filter((e) => e.definition.adapterRule !== undefined);
}

/** The adapter request an HPA in SAMPLE_NAMESPACE makes for this metric. */
export function sampleRequest(def: MetricDefinition, pods: readonly string[] = SAMPLE_PODS): MetricsQueryRequest {
  switch (def.hpa.type) {
    case 'Pods':
      return { namespace: SAMPLE_NAMESPACE, pods, ...(def.hpa.pods.metric.selector ? { selector: def.hpa.pods.metric.selector.matchLabels } : {}) };
    case 'Object':
      return { namespace: SAMPLE_NAMESPACE, objectName: def.hpa.object.describedObject.name };
    case 'External':
      return { namespace: SAMPLE_NAMESPACE, ...(def.hpa.external.metric.selector ? { externalSelector: def.hpa.external.metric.selector.matchLabels } : {}) };
    default:
      throw new Error(`${def.kind}: Resource metrics have no adapter query`);
  }
}

/** The PromQL the adapter runs for this metric in SAMPLE_NAMESPACE. */
export function sampleQuery(def: MetricDefinition, pods: readonly string[] = SAMPLE_PODS): string {
  return renderMetricsQuery(def.adapterRule!, sampleRequest(def, pods));
}
