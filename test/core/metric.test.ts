import { AdapterRule, MetricDefinition, metricIdentity, ScalingMetric } from '../../lib/core/metric';

/** The definition of a metric that must be valid. */
function def(metric: ScalingMetric): MetricDefinition {
  expect(metric.problems).toEqual([]);
  expect(metric.definition).toBeDefined();
  return metric.definition!;
}

/** The problems of a metric that must be invalid; an invalid metric never has a definition. */
function problemsOf(metric: ScalingMetric): readonly { path: string; message: string }[] {
  expect(metric.definition).toBeUndefined();
  return metric.problems;
}

/** One expected problem: exact path, message containing `fragment`. */
function problem(path: string, fragment: string): unknown {
  return { path, message: expect.stringContaining(fragment) };
}

const POD_RESOURCES = { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } };

function podsRule(series: string, as: string, metricsQuery: string): AdapterRule {
  return { kind: 'custom', seriesQuery: `${series}{namespace!="",pod!=""}`, resources: POD_RESOURCES, name: { matches: `^${series}$`, as }, metricsQuery };
}

function podsHpa(name: string, averageValue: string): unknown {
  return { type: 'Pods', pods: { metric: { name }, target: { type: 'AverageValue', averageValue } } };
}

describe('ScalingMetric.cpuUtilization / memoryUtilization', () => {
  test('cpu: a Resource metric with a Utilization target, served by metrics-server, no adapter rule', () => {
    const d = def(ScalingMetric.cpuUtilization(70));
    expect(d.kind).toBe('cpuUtilization');
    expect(d.hpa).toEqual({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } });
    expect(d.adapterRule).toBeUndefined();
    expect(d.rateWindowSeconds).toBeUndefined();
    expect(d.requires).toEqual(['resourceMetricsApi']);
    expect(d.series).toEqual([expect.objectContaining({ name: 'container_cpu_usage_seconds_total', type: 'counter', source: 'kubelet', labels: ['namespace', 'pod'] })]);
  });

  test('memory: a Resource metric on the memory request', () => {
    const d = def(ScalingMetric.memoryUtilization(80));
    expect(d.kind).toBe('memoryUtilization');
    expect(d.hpa).toEqual({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } });
    expect(d.requires).toEqual(['resourceMetricsApi']);
    expect(d.series).toEqual([expect.objectContaining({ name: 'container_memory_working_set_bytes', type: 'gauge', source: 'kubelet', labels: ['namespace', 'pod'] })]);
  });

  test('utilization above 100 % of the request is a valid target (usage may exceed the request)', () => {
    expect(def(ScalingMetric.cpuUtilization(150)).hpa).toEqual({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 150 } } });
  });

  test.each([0, -10, 62.5, Number.NaN])('cpuUtilization(%p) is rejected with the value and the rule', (pct) => {
    expect(problemsOf(ScalingMetric.cpuUtilization(pct))).toEqual([
      problem('targetPercent', `is ${Number.isNaN(pct) ? 'NaN' : pct}; expected a whole percent of the cpu request, 1 or more`),
    ]);
  });

  test('memoryUtilization names the memory request in its message', () => {
    expect(problemsOf(ScalingMetric.memoryUtilization(0))).toEqual([problem('targetPercent', 'is 0; expected a whole percent of the memory request, 1 or more')]);
  });
});

describe('ScalingMetric.requestsPerSecond', () => {
  test('defaults: Pods metric on the rate of ai_inference_requests_total over 1m', () => {
    const d = def(ScalingMetric.requestsPerSecond({ targetPerPod: 8 }));
    expect(d.kind).toBe('requestsPerSecond');
    expect(d.hpa).toEqual(podsHpa('ai_inference_requests_per_second', '8'));
    expect(d.adapterRule).toEqual(podsRule('ai_inference_requests_total', 'ai_inference_requests_per_second',
      'sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)'));
    expect(d.series).toEqual([expect.objectContaining({ name: 'ai_inference_requests_total', type: 'counter', source: 'app', labels: ['namespace', 'pod'] })]);
    expect(d.rateWindowSeconds).toBe(60);
    expect(d.requires).toEqual(['customMetricsApi']);
    expect(d.summary).toBe('requests per second per pod, target 8');
  });

  test('a fractional target becomes a milli quantity', () => {
    expect(def(ScalingMetric.requestsPerSecond({ targetPerPod: 2.5 })).hpa).toEqual(podsHpa('ai_inference_requests_per_second', '2500m'));
  });

  test.each([
    [120, '2m', '_2m'],
    [90, '90s', '_90s'],
    [3600, '1h', '_1h'],
  ])('rateWindowSeconds %p: query uses [%s] and the metric name gets the suffix %s', (window, duration, suffix) => {
    const d = def(ScalingMetric.requestsPerSecond({ targetPerPod: 8, rateWindowSeconds: window }));
    const name = `ai_inference_requests_per_second${suffix}`;
    expect(d.hpa).toEqual(podsHpa(name, '8'));
    expect(d.adapterRule).toEqual(podsRule('ai_inference_requests_total', name, `sum(rate(<<.Series>>{<<.LabelMatchers>>}[${duration}])) by (<<.GroupBy>>)`));
    expect(d.rateWindowSeconds).toBe(window);
  });

  test('a vLLM counter keeps its series name in the rule; the metric name drops _total and turns ":" into "_"', () => {
    const d = def(ScalingMetric.requestsPerSecond({ targetPerPod: 4, counter: 'vllm:request_success_total' }));
    expect(d.hpa).toEqual(podsHpa('vllm_request_success_per_second', '4'));
    expect(d.adapterRule).toEqual(podsRule('vllm:request_success_total', 'vllm_request_success_per_second',
      'sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)'));
    expect(d.series[0]).toEqual(expect.objectContaining({ name: 'vllm:request_success_total', type: 'counter', source: 'app' }));
  });

  test('a counter without _total is used as the base name as it is', () => {
    expect(def(ScalingMetric.requestsPerSecond({ targetPerPod: 1, counter: 'http_requests' })).hpa).toEqual(podsHpa('http_requests_per_second', '1'));
  });

  test.each([0, -1, 0.0001, Number.POSITIVE_INFINITY])('targetPerPod %p is rejected', (target) => {
    expect(problemsOf(ScalingMetric.requestsPerSecond({ targetPerPod: target }))).toEqual([
      problem('targetPerPod', `is ${target}; expected a positive number of requests per second with at most three decimals (milli precision)`),
    ]);
  });

  test('an invalid counter name is rejected with the Prometheus name rule', () => {
    expect(problemsOf(ScalingMetric.requestsPerSecond({ targetPerPod: 8, counter: 'requests-total' }))).toEqual([
      problem('counter', 'is "requests-total"; expected a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)'),
    ]);
  });

  test.each([0, 3601, 1.5])('rateWindowSeconds %p is rejected', (window) => {
    expect(problemsOf(ScalingMetric.requestsPerSecond({ targetPerPod: 8, rateWindowSeconds: window }))).toEqual([
      problem('rateWindowSeconds', `is ${window}; expected whole seconds from 1 to 3600`),
    ]);
  });

  test('every problem is reported, not just the first', () => {
    expect(problemsOf(ScalingMetric.requestsPerSecond({ targetPerPod: 0, counter: '9lives', rateWindowSeconds: 0 })).map((p) => p.path))
      .toEqual(['counter', 'rateWindowSeconds', 'targetPerPod']);
  });
});

describe('ScalingMetric.gpuUtilization', () => {
  test('utilization: Pods metric averaging DCGM_FI_DEV_GPU_UTIL per pod; needs the DCGM exporter', () => {
    const d = def(ScalingMetric.gpuUtilization({ targetPercent: 70 }));
    expect(d.kind).toBe('gpuUtilization');
    expect(d.hpa).toEqual(podsHpa('ai_inference_gpu_utilization_percent', '70'));
    expect(d.adapterRule).toEqual(podsRule('DCGM_FI_DEV_GPU_UTIL', 'ai_inference_gpu_utilization_percent', 'avg(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'));
    expect(d.series).toEqual([expect.objectContaining({ name: 'DCGM_FI_DEV_GPU_UTIL', type: 'gauge', source: 'dcgm', labels: ['namespace', 'pod', 'gpu'] })]);
    expect(d.requires).toEqual(['customMetricsApi', 'dcgmExporter']);
    expect(d.rateWindowSeconds).toBeUndefined();
    expect(d.summary).toBe('GPU utilization per pod, target 70%');
  });

  test('engineActive reads DCGM_FI_PROF_GR_ENGINE_ACTIVE (a 0-1 ratio) and scales it to percent', () => {
    const d = def(ScalingMetric.gpuUtilization({ targetPercent: 60, source: 'engineActive' }));
    expect(d.hpa).toEqual(podsHpa('ai_inference_gpu_engine_active_percent', '60'));
    expect(d.adapterRule).toEqual(podsRule('DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'ai_inference_gpu_engine_active_percent',
      'avg(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>) * 100'));
    expect(d.series).toEqual([expect.objectContaining({ name: 'DCGM_FI_PROF_GR_ENGINE_ACTIVE', source: 'dcgm', labels: ['namespace', 'pod', 'gpu'] })]);
    expect(d.requires).toContain('dcgmExporter');
  });

  test.each([1, 100])('targetPercent %p is within bounds', (pct) => {
    expect(def(ScalingMetric.gpuUtilization({ targetPercent: pct })).hpa).toEqual(podsHpa('ai_inference_gpu_utilization_percent', String(pct)));
  });

  test.each([0, 101, 70.5])('targetPercent %p is rejected', (pct) => {
    expect(problemsOf(ScalingMetric.gpuUtilization({ targetPercent: pct }))).toEqual([
      problem('targetPercent', `is ${pct}; expected a whole percent from 1 to 100`),
    ]);
  });

  test('an unknown source is rejected with the allowed values', () => {
    expect(problemsOf(ScalingMetric.gpuUtilization({ targetPercent: 70, source: 'memory' as never }))).toEqual([
      problem('source', 'is "memory"; expected "utilization" or "engineActive"'),
    ]);
  });
});

describe('ScalingMetric.latency', () => {
  test('defaults: p95 from histogram_quantile over _bucket rates grouped by le and the pod, 0 for pods whose _count did not grow', () => {
    const d = def(ScalingMetric.latency({ targetSeconds: 0.5 }));
    expect(d.kind).toBe('latency');
    expect(d.hpa).toEqual(podsHpa('ai_inference_latency_seconds_p95', '500m'));
    expect(d.adapterRule).toEqual(podsRule('ai_inference_latency_seconds_bucket', 'ai_inference_latency_seconds_p95',
      '(histogram_quantile(0.95, sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (le, <<.GroupBy>>)) >= 0)'
      + ' or (sum(rate(ai_inference_latency_seconds_count{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>) == 0)'));
    expect(d.idle).toEqual({ kind: 'value', value: 0, description: expect.stringContaining('0 seconds when no request finished in the window') });
    expect(d.series).toEqual([expect.objectContaining({ name: 'ai_inference_latency_seconds', type: 'histogram', source: 'app', labels: ['namespace', 'pod', 'le'] })]);
    expect(d.rateWindowSeconds).toBe(60);
    expect(d.requires).toEqual(['customMetricsApi']);
    expect(d.summary).toBe('p95 latency per pod, target 0.5 s');
  });

  test.each([
    [0.99, 'p99', 'p99'],
    [0.995, 'p99_5', 'p99.5'],
    [0.5, 'p50', 'p50'],
    [0.9, 'p90', 'p90'],
  ])('quantile %p is named %s and used as given in histogram_quantile', (quantile, label, summaryLabel) => {
    const d = def(ScalingMetric.latency({ targetSeconds: 2, quantile }));
    expect(d.hpa).toEqual(podsHpa(`ai_inference_latency_seconds_${label}`, '2'));
    expect(d.adapterRule!.metricsQuery).toMatch(new RegExp(`^\\(histogram_quantile\\(${quantile}, sum\\(rate\\(<<\\.Series>>`));
    expect(d.summary).toBe(`${summaryLabel} latency per pod, target 2 s`);
  });

  test('mean divides rate(_sum) by rate(_count), discovered through the _count series (never rate(sum) alone), 0 when _count did not grow', () => {
    const d = def(ScalingMetric.latency({ targetSeconds: 1.25, quantile: 'mean' }));
    expect(d.hpa).toEqual(podsHpa('ai_inference_latency_seconds_mean', '1250m'));
    expect(d.adapterRule).toEqual(podsRule('ai_inference_latency_seconds_count', 'ai_inference_latency_seconds_mean',
      '((sum(rate(ai_inference_latency_seconds_sum{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>) / sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)) >= 0)'
      + ' or (sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>) == 0)'));
    expect(d.idle).toEqual(expect.objectContaining({ kind: 'value', value: 0 }));
    expect(d.series).toEqual([expect.objectContaining({ name: 'ai_inference_latency_seconds', type: 'histogram', labels: ['namespace', 'pod'] })]);
    expect(d.summary).toBe('mean latency per pod, target 1.25 s');
  });

  test('a vLLM histogram with a 2 minute window', () => {
    const d = def(ScalingMetric.latency({ targetSeconds: 4, quantile: 0.9, histogram: 'vllm:e2e_request_latency_seconds', rateWindowSeconds: 120 }));
    expect(d.hpa).toEqual(podsHpa('vllm_e2e_request_latency_seconds_p90_2m', '4'));
    expect(d.adapterRule).toEqual(podsRule('vllm:e2e_request_latency_seconds_bucket', 'vllm_e2e_request_latency_seconds_p90_2m',
      '(histogram_quantile(0.9, sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (le, <<.GroupBy>>)) >= 0)'
      + ' or (sum(rate(vllm:e2e_request_latency_seconds_count{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>) == 0)'));
    expect(d.series[0]).toEqual(expect.objectContaining({ name: 'vllm:e2e_request_latency_seconds', type: 'histogram' }));
    expect(d.rateWindowSeconds).toBe(120);
  });

  test('mean over a vLLM histogram names the _sum series in full', () => {
    const d = def(ScalingMetric.latency({ targetSeconds: 4, quantile: 'mean', histogram: 'vllm:e2e_request_latency_seconds' }));
    expect(d.adapterRule!.seriesQuery).toBe('vllm:e2e_request_latency_seconds_count{namespace!="",pod!=""}');
    expect(d.adapterRule!.metricsQuery).toContain('rate(vllm:e2e_request_latency_seconds_sum{<<.LabelMatchers>>}[1m])');
  });

  test.each([0, 1, 1.5, -0.5, 'p95'])('quantile %p is rejected', (quantile) => {
    expect(problemsOf(ScalingMetric.latency({ targetSeconds: 1, quantile: quantile as never }))).toEqual([
      problem('quantile', `is ${JSON.stringify(quantile)}; expected a number between 0 and 1 (exclusive) with at most three decimals`),
    ]);
  });

  test.each([0, -1, 0.0005])('targetSeconds %p is rejected', (target) => {
    expect(problemsOf(ScalingMetric.latency({ targetSeconds: target }))).toEqual([
      problem('targetSeconds', `is ${target}; expected a positive number of seconds with at most three decimals`),
    ]);
  });

  test('an invalid histogram name and window are both reported', () => {
    expect(problemsOf(ScalingMetric.latency({ targetSeconds: 1, histogram: 'latency seconds', rateWindowSeconds: 7200 }))).toEqual([
      problem('histogram', 'is "latency seconds"; expected a Prometheus metric name'),
      problem('rateWindowSeconds', 'is 7200; expected whole seconds from 1 to 3600'),
    ]);
  });
});

describe('ScalingMetric.errorRate', () => {
  const ALL = 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)';
  const FAILED = 'sum(rate(<<.Series>>{<<.LabelMatchers>>,status=~"5.."}[1m])) by (<<.GroupBy>>)';

  test('defaults: failed (status 5xx) over all requests, a pod without failures counts as 0', () => {
    const d = def(ScalingMetric.errorRate({ targetRatio: 0.05 }));
    expect(d.kind).toBe('errorRate');
    expect(d.hpa).toEqual(podsHpa('ai_inference_requests_error_ratio', '50m'));
    expect(d.adapterRule).toEqual(podsRule('ai_inference_requests_total', 'ai_inference_requests_error_ratio',
      `(${FAILED} or ${ALL} * 0) / clamp_min(${ALL}, 1e-9)`));
    expect(d.series).toEqual([expect.objectContaining({ name: 'ai_inference_requests_total', type: 'counter', source: 'app', labels: ['namespace', 'pod', 'status'] })]);
    expect(d.rateWindowSeconds).toBe(60);
    expect(d.requires).toEqual(['customMetricsApi']);
  });

  test('never divides by zero: the only divisor is clamped above 0', () => {
    const query = def(ScalingMetric.errorRate({ targetRatio: 0.1 })).adapterRule!.metricsQuery;
    const parts = query.split(' / ');
    expect(parts).toHaveLength(2);
    expect(parts[1]).toBe(`clamp_min(${ALL}, 1e-9)`);
  });

  test('a custom matcher, counter and window', () => {
    const d = def(ScalingMetric.errorRate({ targetRatio: 0.01, counter: 'vllm:request_success_total', errorMatcher: 'finished_reason="abort"', rateWindowSeconds: 120 }));
    // A non-default matcher gets its own name (FNV-1a of the matcher), so two matchers never share one.
    expect(d.hpa).toEqual(podsHpa('vllm_request_success_error_ratio_a7673c4b_2m', '10m'));
    expect(d.adapterRule!.seriesQuery).toBe('vllm:request_success_total{namespace!="",pod!=""}');
    expect(d.adapterRule!.metricsQuery).toBe(
      '(sum(rate(<<.Series>>{<<.LabelMatchers>>,finished_reason="abort"}[2m])) by (<<.GroupBy>>) or sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>) * 0)'
      + ' / clamp_min(sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>), 1e-9)');
    expect(d.series[0].labels).toEqual(['namespace', 'pod', 'finished_reason']);
  });

  test('a ratio of 1 is the largest target', () => {
    expect(def(ScalingMetric.errorRate({ targetRatio: 1 })).hpa).toEqual(podsHpa('ai_inference_requests_error_ratio', '1'));
  });

  test('a ratio above 1 is rejected', () => {
    expect(problemsOf(ScalingMetric.errorRate({ targetRatio: 1.5 }))).toEqual([problem('targetRatio', 'is 1.5; a ratio of failed requests is at most 1')]);
  });

  test('a ratio of 0 is rejected as not positive', () => {
    expect(problemsOf(ScalingMetric.errorRate({ targetRatio: 0 }))).toEqual([
      problem('targetRatio', 'is 0; expected a positive number of failed requests per request with at most three decimals'),
    ]);
  });

  test.each(['status=5xx', '{status="500"}', 'status="500",method="POST"', '5xx'])('errorMatcher %p is rejected', (matcher) => {
    expect(problemsOf(ScalingMetric.errorRate({ targetRatio: 0.05, errorMatcher: matcher }))).toEqual([
      problem('errorMatcher', `is ${JSON.stringify(matcher)}; expected one PromQL label matcher such as status=~"5.."`),
    ]);
  });

  test('an invalid counter and window are reported', () => {
    expect(problemsOf(ScalingMetric.errorRate({ targetRatio: 0.05, counter: 'requests.total', rateWindowSeconds: -60 })).map((p) => p.path))
      .toEqual(['counter', 'rateWindowSeconds']);
  });
});

describe('ScalingMetric.inFlightRequests / queueDepth', () => {
  test('inFlightRequests: Pods metric summing the in-flight gauge per pod', () => {
    const d = def(ScalingMetric.inFlightRequests({ targetPerPod: 4 }));
    expect(d.kind).toBe('inFlightRequests');
    expect(d.hpa).toEqual(podsHpa('ai_inference_requests_in_flight', '4'));
    expect(d.adapterRule).toEqual(podsRule('ai_inference_requests_in_flight', 'ai_inference_requests_in_flight', 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'));
    expect(d.series).toEqual([expect.objectContaining({ name: 'ai_inference_requests_in_flight', type: 'gauge', source: 'app', labels: ['namespace', 'pod'] })]);
    expect(d.rateWindowSeconds).toBeUndefined();
    expect(d.requires).toEqual(['customMetricsApi']);
  });

  test('queueDepth: default gauge ai_inference_queue_depth', () => {
    const d = def(ScalingMetric.queueDepth({ targetPerPod: 10 }));
    expect(d.kind).toBe('queueDepth');
    expect(d.hpa).toEqual(podsHpa('ai_inference_queue_depth', '10'));
    expect(d.adapterRule).toEqual(podsRule('ai_inference_queue_depth', 'ai_inference_queue_depth', 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'));
  });

  test('queueDepth over vllm:num_requests_waiting: the rule matches the series, the metric name has no ":"', () => {
    const d = def(ScalingMetric.queueDepth({ targetPerPod: 2.5, gauge: 'vllm:num_requests_waiting' }));
    expect(d.hpa).toEqual(podsHpa('vllm_num_requests_waiting', '2500m'));
    expect(d.adapterRule).toEqual(podsRule('vllm:num_requests_waiting', 'vllm_num_requests_waiting', 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'));
  });

  test('targets are checked with the unit in the message', () => {
    expect(problemsOf(ScalingMetric.inFlightRequests({ targetPerPod: -1 }))).toEqual([
      problem('targetPerPod', 'is -1; expected a positive number of requests in flight per pod'),
    ]);
    expect(problemsOf(ScalingMetric.queueDepth({ targetPerPod: 0 }))).toEqual([
      problem('targetPerPod', 'is 0; expected a positive number of queued requests per pod'),
    ]);
  });

  test('an invalid gauge name is rejected', () => {
    expect(problemsOf(ScalingMetric.queueDepth({ targetPerPod: 1, gauge: 'queue-depth' }))).toEqual([
      problem('gauge', 'is "queue-depth"; expected a Prometheus metric name'),
    ]);
  });
});

describe('ScalingMetric.externalQueue', () => {
  test('per-replica target: External metric with a sorted selector and an external adapter rule', () => {
    const d = def(ScalingMetric.externalQueue({ series: 'kafka_consumergroup_lag', selector: { topic: 'prompts', consumergroup: 'llm' }, targetPerReplica: 100 }));
    expect(d.kind).toBe('externalQueue');
    expect(d.hpa).toEqual({
      type: 'External',
      external: { metric: { name: 'kafka_consumergroup_lag', selector: { matchLabels: { consumergroup: 'llm', topic: 'prompts' } } }, target: { type: 'AverageValue', averageValue: '100' } },
    });
    expect(d.hpa.type === 'External' && Object.keys(d.hpa.external.metric.selector!.matchLabels)).toEqual(['consumergroup', 'topic']);
    expect(d.adapterRule).toEqual({
      kind: 'external',
      seriesQuery: 'kafka_consumergroup_lag',
      resources: { namespaced: false },
      name: { matches: '^kafka_consumergroup_lag$', as: 'kafka_consumergroup_lag' },
      metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
    });
    expect(d.series).toEqual([expect.objectContaining({ name: 'kafka_consumergroup_lag', type: 'gauge', source: 'external', labels: ['topic', 'consumergroup'] })]);
    expect(d.requires).toEqual(['externalMetricsApi']);
    expect(d.summary).toBe('external queue kafka_consumergroup_lag {"topic":"prompts","consumergroup":"llm"}, target 100 per replica');
  });

  test('total target without a selector: a Value target and no selector field', () => {
    const d = def(ScalingMetric.externalQueue({ series: 'aws_sqs_approximate_number_of_messages_visible_average', targetTotal: 500 }));
    expect(d.hpa).toEqual({ type: 'External', external: { metric: { name: 'aws_sqs_approximate_number_of_messages_visible_average' }, target: { type: 'Value', value: '500' } } });
    expect(d.series[0].labels).toEqual([]);
    expect(d.summary).toBe('external queue aws_sqs_approximate_number_of_messages_visible_average, target 500 in total');
  });

  test.each([
    ['neither', {}],
    ['both', { targetPerReplica: 10, targetTotal: 100 }],
  ])('%s target given: exactly one is required', (_, targets) => {
    expect(problemsOf(ScalingMetric.externalQueue({ series: 'queue_length', ...targets }))).toEqual([
      problem('targetPerReplica|targetTotal', 'expected exactly one of targetPerReplica (per replica) and targetTotal (in total)'),
    ]);
  });

  test('a non-positive target is rejected on its own field', () => {
    expect(problemsOf(ScalingMetric.externalQueue({ series: 'queue_length', targetPerReplica: 0 }))).toEqual([
      problem('targetPerReplica', 'is 0; expected a positive number of queue items'),
    ]);
    expect(problemsOf(ScalingMetric.externalQueue({ series: 'queue_length', targetTotal: -5 }))).toEqual([
      problem('targetTotal', 'is -5; expected a positive number of queue items'),
    ]);
  });

  test('an invalid series name is rejected', () => {
    expect(problemsOf(ScalingMetric.externalQueue({ series: 'sqs.visible', targetTotal: 5 }))).toEqual([problem('series', 'is "sqs.visible"; expected a Prometheus metric name')]);
  });

  test('invalid selector keys and values are rejected with the key in the path', () => {
    expect(problemsOf(ScalingMetric.externalQueue({ series: 'queue_length', selector: { 'bad key': 'llm', queue: 'not valid!' }, targetTotal: 5 }))).toEqual([
      problem('selector["bad key"]', 'key is not a valid label key'),
      problem('selector["queue"]', 'value "not valid!" is not a valid label value'),
    ]);
  });
});

describe('ScalingMetric.objectMetric', () => {
  const SERVICE = { apiVersion: 'v1', kind: 'Service', name: 'llm-gateway' };

  test('rate (default) of a counter labelled with the object name: Object metric, core-group resource', () => {
    const d = def(ScalingMetric.objectMetric({ describedObject: SERVICE, series: 'gateway_requests_total', targetValue: 100 }));
    expect(d.kind).toBe('object');
    expect(d.hpa).toEqual({
      type: 'Object',
      object: { describedObject: SERVICE, metric: { name: 'gateway_requests_per_second' }, target: { type: 'Value', value: '100' } },
    });
    expect(d.adapterRule).toEqual({
      kind: 'custom',
      seriesQuery: 'gateway_requests_total{namespace!="",service!=""}',
      resources: { overrides: { namespace: { resource: 'namespace' }, service: { resource: 'services' } } },
      name: { matches: '^gateway_requests_total$', as: 'gateway_requests_per_second' },
      metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)',
    });
    expect(d.series).toEqual([expect.objectContaining({ name: 'gateway_requests_total', type: 'counter', source: 'external', labels: ['namespace', 'service'] })]);
    expect(d.rateWindowSeconds).toBe(60);
    expect(d.requires).toEqual(['customMetricsApi']);
  });

  test('sum of a gauge with an AverageValue target keeps the series name and has no rate window', () => {
    const d = def(ScalingMetric.objectMetric({ describedObject: SERVICE, series: 'gateway_open_connections', aggregation: 'sum', targetAverageValue: 50 }));
    expect(d.hpa).toEqual({
      type: 'Object',
      object: { describedObject: SERVICE, metric: { name: 'gateway_open_connections' }, target: { type: 'AverageValue', averageValue: '50' } },
    });
    expect(d.adapterRule!.metricsQuery).toBe('sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)');
    expect(d.series[0].type).toBe('gauge');
    expect(d.rateWindowSeconds).toBeUndefined();
  });

  test('the API group of the described object goes into the override; label and resource can be set', () => {
    const d = def(ScalingMetric.objectMetric({
      describedObject: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', name: 'llm' },
      series: 'envoy_route_requests_total',
      objectLabel: 'route_name',
      resource: 'httproutes',
      rateWindowSeconds: 120,
      targetValue: 20,
    }));
    expect(d.adapterRule).toEqual(expect.objectContaining({
      seriesQuery: 'envoy_route_requests_total{namespace!="",route_name!=""}',
      resources: { overrides: { namespace: { resource: 'namespace' }, route_name: { resource: 'httproutes', group: 'gateway.networking.k8s.io' } } },
      name: { matches: '^envoy_route_requests_total$', as: 'envoy_route_requests_per_second_2m' },
      metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)',
    }));
  });

  test('an Ingress maps to the resource "ingresses" (the Kubernetes plural), not "ingresss"', () => {
    const d = def(ScalingMetric.objectMetric({
      describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'llm' },
      series: 'nginx_ingress_controller_requests',
      targetValue: 100,
    }));
    expect(d.adapterRule!.resources).toEqual({ overrides: { namespace: { resource: 'namespace' }, ingress: { resource: 'ingresses', group: 'networking.k8s.io' } } });
  });

  test.each([
    ['Service', 'v1', 'services'],
    ['NetworkPolicy', 'networking.k8s.io/v1', 'networkpolicies'],
    ['Gateway', 'gateway.networking.k8s.io/v1', 'gateways'],
    ['HTTPRoute', 'gateway.networking.k8s.io/v1', 'httproutes'],
  ])('kind %s (%s) maps to the resource %s', (kind, apiVersion, resource) => {
    const d = def(ScalingMetric.objectMetric({ describedObject: { apiVersion, kind, name: 'gw' }, series: 'requests_total', targetValue: 1 }));
    const overrides = (d.adapterRule!.resources as { overrides: Record<string, { resource: string }> }).overrides;
    expect(overrides[kind.toLowerCase()].resource).toBe(resource);
  });

  test.each([
    ['missing', undefined],
    ['a lower-case kind', { apiVersion: 'v1', kind: 'service', name: 'llm' }],
    ['no apiVersion', { apiVersion: '', kind: 'Service', name: 'llm' }],
  ])('describedObject %s is rejected', (_, ref) => {
    expect(problemsOf(ScalingMetric.objectMetric({ describedObject: ref as never, series: 'x_total', targetValue: 1 }))).toEqual([
      problem('describedObject', 'expected { apiVersion, kind, name } of an object in the same namespace'),
    ]);
  });

  test('an invalid object name is rejected; names with dots (DNS subdomains) are fine', () => {
    expect(problemsOf(ScalingMetric.objectMetric({ describedObject: { ...SERVICE, name: 'LLM' }, series: 'x_total', targetValue: 1 }))).toEqual([
      problem('describedObject.name', 'is "LLM"; expected an object name (a DNS-1123 subdomain)'),
    ]);
    expect(ScalingMetric.objectMetric({ describedObject: { ...SERVICE, name: 'llm.api' }, series: 'x_total', targetValue: 1 }).problems).toEqual([]);
  });

  test('two error matchers on one counter get two names', () => {
    const a = def(ScalingMetric.errorRate({ targetRatio: 0.01, errorMatcher: 'status=~"5.."' }));
    const b = def(ScalingMetric.errorRate({ targetRatio: 0.01, errorMatcher: 'status="429"' }));
    expect(a.adapterRule!.name.as).not.toBe(b.adapterRule!.name.as);
  });

  test('quantiles with more than three decimals are refused (their names would collide)', () => {
    expect(problemsOf(ScalingMetric.latency({ targetSeconds: 1, quantile: 0.9995 })).map((p) => p.path)).toEqual(['quantile']);
    expect(def(ScalingMetric.latency({ targetSeconds: 1, quantile: 0.995 })).hpa).toEqual(podsHpa('ai_inference_latency_seconds_p99_5', '1'));
  });

  test('an unknown aggregation is rejected', () => {
    expect(problemsOf(ScalingMetric.objectMetric({ describedObject: SERVICE, series: 'x_total', aggregation: 'avg' as never, targetValue: 1 }))).toEqual([
      problem('aggregation', 'is "avg"; expected "rate" or "sum"'),
    ]);
  });

  test('window, series and target rules apply', () => {
    expect(problemsOf(ScalingMetric.objectMetric({ describedObject: SERVICE, series: 'x-total', rateWindowSeconds: 0, targetValue: 1, targetAverageValue: 1 }))).toEqual([
      problem('series', 'is "x-total"; expected a Prometheus metric name'),
      problem('rateWindowSeconds', 'is 0; expected whole seconds from 1 to 3600'),
      problem('targetAverageValue|targetValue', 'expected exactly one of targetAverageValue (per replica) and targetValue (in total)'),
    ]);
  });
});

describe('ScalingMetric.custom', () => {
  const WAITING = {
    name: 'vllm_num_requests_waiting',
    seriesQuery: 'vllm:num_requests_waiting{namespace!="",pod!=""}',
    metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
  };

  test('Pods: AverageValue target, namespace/pod overrides, name.as is the metric name', () => {
    const d = def(ScalingMetric.custom({ type: 'Pods', ...WAITING, targetAverageValue: 5 }));
    expect(d.kind).toBe('custom');
    expect(d.hpa).toEqual(podsHpa('vllm_num_requests_waiting', '5'));
    expect(d.adapterRule).toEqual({
      kind: 'custom',
      seriesQuery: WAITING.seriesQuery,
      resources: POD_RESOURCES,
      name: { matches: '^(.*)$', as: 'vllm_num_requests_waiting' },
      metricsQuery: WAITING.metricsQuery,
    });
    expect(d.series).toEqual([]);
    expect(d.requires).toEqual(['customMetricsApi']);
  });

  test('External: Value target with selector, external rule, not namespaced, needs the external metrics API', () => {
    const d = def(ScalingMetric.custom({
      type: 'External', name: 'redis_list_length', seriesQuery: 'redis_key_size', metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>})',
      selector: { key: 'prompts' }, targetValue: 30,
    }));
    expect(d.hpa).toEqual({ type: 'External', external: { metric: { name: 'redis_list_length', selector: { matchLabels: { key: 'prompts' } } }, target: { type: 'Value', value: '30' } } });
    expect(d.adapterRule).toEqual(expect.objectContaining({ kind: 'external', resources: { namespaced: false } }));
    expect(d.requires).toEqual(['externalMetricsApi']);
  });

  test('Object: describedObject is carried to the HPA block; resources can be overridden', () => {
    const ref = { apiVersion: 'v1', kind: 'Service', name: 'gateway' };
    const resources = { overrides: { namespace: { resource: 'namespace' }, service: { resource: 'services' } } };
    const d = def(ScalingMetric.custom({ type: 'Object', ...WAITING, describedObject: ref, resources, targetAverageValue: 2 }));
    expect(d.hpa).toEqual({ type: 'Object', object: { describedObject: ref, metric: { name: 'vllm_num_requests_waiting' }, target: { type: 'AverageValue', averageValue: '2' } } });
    expect(d.adapterRule!.resources).toEqual(resources);
  });

  test('an unknown type is rejected', () => {
    expect(problemsOf(ScalingMetric.custom({ type: 'Gauge' as never, ...WAITING, targetAverageValue: 1 }))).toContainEqual(
      problem('type', 'is "Gauge"; expected "Pods", "Object" or "External"'));
  });

  test('an invalid metric name is rejected', () => {
    expect(problemsOf(ScalingMetric.custom({ type: 'Pods', ...WAITING, name: 'num-waiting', targetAverageValue: 1 }))).toEqual([
      problem('name', 'is "num-waiting"; expected a Prometheus metric name'),
    ]);
  });

  test('an empty seriesQuery is rejected', () => {
    expect(problemsOf(ScalingMetric.custom({ type: 'Pods', ...WAITING, seriesQuery: '  ', targetAverageValue: 1 }))).toEqual([
      problem('seriesQuery', 'is "  "; expected a PromQL series selector'),
    ]);
  });

  test('a metricsQuery without <<.LabelMatchers>> is rejected (it would return every pod of the cluster)', () => {
    expect(problemsOf(ScalingMetric.custom({ type: 'Pods', ...WAITING, metricsQuery: 'sum(<<.Series>>) by (<<.GroupBy>>)', targetAverageValue: 1 }))).toEqual([
      problem('metricsQuery', 'is "sum(<<.Series>>) by (<<.GroupBy>>)"; expected a PromQL template that uses <<.LabelMatchers>>'),
    ]);
  });

  test('a Pods metric with targetValue is rejected: Pods take an average per pod', () => {
    expect(problemsOf(ScalingMetric.custom({ type: 'Pods', ...WAITING, targetValue: 10 }))).toContainEqual(
      problem('targetValue', 'is set, but Pods metrics only take an average per pod; use targetAverageValue'));
  });

  test('an Object metric without describedObject is rejected', () => {
    expect(problemsOf(ScalingMetric.custom({ type: 'Object', ...WAITING, targetValue: 10 }))).toEqual([
      problem('describedObject', 'is missing; Object metrics need { apiVersion, kind, name }'),
    ]);
  });

  test('External with no target or both targets needs exactly one', () => {
    const base = { type: 'External' as const, ...WAITING };
    for (const targets of [{}, { targetValue: 1, targetAverageValue: 1 }]) {
      expect(problemsOf(ScalingMetric.custom({ ...base, ...targets }))).toEqual([
        problem('targetAverageValue|targetValue', 'expected exactly one of targetAverageValue (per replica) and targetValue (in total)'),
      ]);
    }
  });

  test('invalid selector labels are rejected', () => {
    expect(problemsOf(ScalingMetric.custom({ type: 'External', ...WAITING, selector: { key: 'a b' }, targetValue: 1 }))).toEqual([
      problem('selector["key"]', 'value "a b" is not a valid label value'),
    ]);
  });
});

describe('metricIdentity', () => {
  const id = (m: ScalingMetric): string => metricIdentity(def(m).hpa);

  test.each([
    ['cpu', ScalingMetric.cpuUtilization(70), 'Resource/cpu'],
    ['memory', ScalingMetric.memoryUtilization(70), 'Resource/memory'],
    ['Pods', ScalingMetric.requestsPerSecond({ targetPerPod: 8 }), 'Pods/ai_inference_requests_per_second'],
    ['External with selector (sorted)', ScalingMetric.externalQueue({ series: 'lag', selector: { topic: 't', group: 'g' }, targetTotal: 1 }), 'External/lag{group=g,topic=t}'],
    ['Object', ScalingMetric.objectMetric({ describedObject: { apiVersion: 'v1', kind: 'Service', name: 'gw' }, series: 'req_total', targetValue: 1 }), 'Object/Service/gw/req_per_second'],
  ])('%s', (_, metric, expected) => {
    expect(id(metric)).toBe(expected);
  });

  test('the same metric with different targets has the same identity', () => {
    expect(id(ScalingMetric.requestsPerSecond({ targetPerPod: 8 }))).toBe(id(ScalingMetric.requestsPerSecond({ targetPerPod: 12 })));
    expect(id(ScalingMetric.gpuUtilization({ targetPercent: 60 }))).toBe(id(ScalingMetric.gpuUtilization({ targetPercent: 80 })));
    expect(id(ScalingMetric.externalQueue({ series: 'lag', targetTotal: 5 }))).toBe(id(ScalingMetric.externalQueue({ series: 'lag', targetPerReplica: 5 })));
  });

  test('selector order does not matter, selector content does', () => {
    const a = id(ScalingMetric.externalQueue({ series: 'lag', selector: { topic: 't', group: 'g' }, targetTotal: 1 }));
    const b = id(ScalingMetric.externalQueue({ series: 'lag', selector: { group: 'g', topic: 't' }, targetTotal: 1 }));
    const c = id(ScalingMetric.externalQueue({ series: 'lag', selector: { group: 'other', topic: 't' }, targetTotal: 1 }));
    const none = id(ScalingMetric.externalQueue({ series: 'lag', targetTotal: 1 }));
    expect(a).toBe(b);
    expect(new Set([a, c, none]).size).toBe(3);
  });

  test('different windows, quantiles, GPU sources and described objects are different metrics', () => {
    const ids = [
      id(ScalingMetric.requestsPerSecond({ targetPerPod: 8 })),
      id(ScalingMetric.requestsPerSecond({ targetPerPod: 8, rateWindowSeconds: 120 })),
      id(ScalingMetric.latency({ targetSeconds: 1 })),
      id(ScalingMetric.latency({ targetSeconds: 1, quantile: 0.99 })),
      id(ScalingMetric.latency({ targetSeconds: 1, quantile: 'mean' })),
      id(ScalingMetric.gpuUtilization({ targetPercent: 70 })),
      id(ScalingMetric.gpuUtilization({ targetPercent: 70, source: 'engineActive' })),
      id(ScalingMetric.objectMetric({ describedObject: { apiVersion: 'v1', kind: 'Service', name: 'a' }, series: 'req_total', targetValue: 1 })),
      id(ScalingMetric.objectMetric({ describedObject: { apiVersion: 'v1', kind: 'Service', name: 'b' }, series: 'req_total', targetValue: 1 })),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('what an idle pod reports', () => {
  const ingress = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'llm' };
  test.each<[string, ScalingMetric, string, number | undefined]>([
    ['cpuUtilization', ScalingMetric.cpuUtilization(70), 'reading', undefined],
    ['requestsPerSecond', ScalingMetric.requestsPerSecond({ targetPerPod: 4 }), 'value', 0],
    ['gpuUtilization', ScalingMetric.gpuUtilization({ targetPercent: 70 }), 'reading', undefined],
    ['latency p95', ScalingMetric.latency({ targetSeconds: 1 }), 'value', 0],
    ['latency mean', ScalingMetric.latency({ targetSeconds: 1, quantile: 'mean' }), 'value', 0],
    ['errorRate', ScalingMetric.errorRate({ targetRatio: 0.1 }), 'value', 0],
    ['inFlightRequests', ScalingMetric.inFlightRequests({ targetPerPod: 4 }), 'value', 0],
    ['queueDepth', ScalingMetric.queueDepth({ targetPerPod: 4 }), 'value', 0],
    ['externalQueue', ScalingMetric.externalQueue({ series: 'sqs_messages_visible', targetTotal: 5 }), 'value', 0],
    ['objectMetric rate', ScalingMetric.objectMetric({ describedObject: ingress, series: 'nginx_ingress_controller_requests', targetValue: 5 }), 'value', 0],
    ['objectMetric sum', ScalingMetric.objectMetric({ describedObject: ingress, series: 'ingress_connections_active', aggregation: 'sum', targetValue: 5 }), 'reading', undefined],
    ['custom', ScalingMetric.custom({ type: 'Pods', name: 'x', seriesQuery: 'x', metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)', targetAverageValue: 1 }), 'query', undefined],
  ])('%s', (_name, metric, kind, value) => {
    const idle = def(metric).idle;
    expect(idle.kind).toBe(kind);
    expect(idle.kind === 'value' ? idle.value : undefined).toBe(value);
    expect(idle.description).not.toBe('');
  });

  test('a counter whose label values appear lazily: the idle report says to export it at 0', () => {
    expect(def(ScalingMetric.requestsPerSecond({ targetPerPod: 4, counter: 'vllm:request_success_total' })).idle.description)
      .toBe('0 requests per second: the counter is flat (a pod that never served a request needs vllm:request_success_total exported at 0 from its start, or it is missing)');
  });
});
