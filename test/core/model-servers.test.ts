import { InferenceServiceProps, resolveInferenceService } from '../../lib/core/inference-service';
import { ScalingMetric } from '../../lib/core/metric';
import { ENGINE_SIGNALS, ModelServer } from '../../lib/core/metrics/model-servers';
import { defaultServices } from '../../stacks/default-services';

const LLM: InferenceServiceProps = { image: 'vllm/vllm-openai:v0.11.0', gpu: { count: 1 }, maxReplicas: 4 };

describe('ModelServer presets', () => {
  test('vLLM reads kv_cache_usage_perc and inter_token_latency_seconds from 0.10 on, the older names before', () => {
    for (const version of ['0.10', '0.10.2', '0.11', '1.0']) {
      const s = ModelServer.vllm({ version }).spec.series;
      expect([s.kvCacheUsage?.name, s.interTokenLatency?.name]).toEqual(['vllm:kv_cache_usage_perc', 'vllm:inter_token_latency_seconds']);
    }
    for (const version of ['0.9', '0.9.2', '0.6.3']) {
      const s = ModelServer.vllm({ version }).spec.series;
      expect([s.kvCacheUsage?.name, s.interTokenLatency?.name]).toEqual(['vllm:gpu_cache_usage_perc', 'vllm:time_per_output_token_seconds']);
    }
    expect(ModelServer.vllm().spec.version).toBe('0.11');
  });

  test('a vLLM version that is not one is a problem at version', () => {
    expect(ModelServer.vllm({ version: 'latest' }).problems).toEqual([{ path: 'version', message: 'is "latest"; expected a vLLM version such as "0.11" or "0.10.2"' }]);
  });

  test('ports, metrics and probe paths of each engine', () => {
    const row = (m: ModelServer): unknown[] => [m.spec.engine, m.spec.port, m.spec.metricsPort, m.spec.metricsPath, m.spec.readinessPath, m.spec.livenessPath];
    expect([ModelServer.vllm(), ModelServer.sglang(), ModelServer.triton(), ModelServer.tgi(), ModelServer.tei()].map(row)).toEqual([
      ['vllm', 8000, 8000, '/metrics', '/health', '/health'],
      ['sglang', 30000, 30000, '/metrics', '/health', '/health'],
      ['triton', 8000, 8002, '/metrics', '/v2/health/ready', '/v2/health/live'],
      ['tgi', 80, 80, '/metrics', '/health', '/health'],
      ['tei', 80, 9000, '/metrics', '/health', '/health'],
    ]);
  });

  test('every recommended signal is one the engine exposes', () => {
    for (const m of [ModelServer.vllm(), ModelServer.vllm({ version: '0.9' }), ModelServer.sglang(), ModelServer.triton(), ModelServer.tgi(), ModelServer.tei()]) {
      for (const r of m.spec.recommended) expect(m.seriesFor(r)).toBeDefined();
      for (const signal of ENGINE_SIGNALS) {
        const s = m.seriesFor(signal);
        if (s) expect(s.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
      }
    }
  });
});

describe('engine entries', () => {
  test('without a model server they read vLLM\'s series, with one they read its own', () => {
    const waiting = ScalingMetric.waitingRequests({ targetPerPod: 3 });
    expect(waiting.definition!.hpa).toEqual({ type: 'Pods', pods: { metric: { name: 'vllm_num_requests_waiting' }, target: { type: 'AverageValue', averageValue: '3' } } });
    expect(waiting.readsModelServer).toBe(true);
    const sglang = waiting.forServer(ModelServer.sglang()).definition!;
    expect(sglang.hpa).toEqual({ type: 'Pods', pods: { metric: { name: 'sglang_num_queue_reqs' }, target: { type: 'AverageValue', averageValue: '3' } } });
    expect(ScalingMetric.cpuUtilization(70).forServer(ModelServer.tgi()).readsModelServer).toBe(false);
  });

  test('a series the engine exports from its start is discovered by its own name', () => {
    const rule = ScalingMetric.waitingRequests({ targetPerPod: 3 }).definition!.adapterRule!;
    expect(rule.seriesQuery).toBe('vllm:num_requests_waiting{namespace!="",pod!=""}');
    expect(rule.name.matches).toBe('^vllm:num_requests_waiting$');
    expect(rule.readsSeries).toBeUndefined();
  });

  test('a series the engine creates at its first request is discovered through the pods\' up, so the metric is served before any request', () => {
    const sglang = ScalingMetric.waitingRequests({ targetPerPod: 3 }).forServer(ModelServer.sglang()).definition!;
    const rule = sglang.adapterRule!;
    expect(rule.seriesQuery).toBe('up{namespace!="",pod!=""}');
    expect(rule.name).toEqual({ matches: '^up$', as: 'sglang_num_queue_reqs' });
    expect(rule.readsSeries).toBe('sglang:num_queue_reqs');
    // The query names the series: the adapter's <<.Series>> is now up.
    expect(rule.metricsQuery).not.toContain('<<.Series>>');
    expect(rule.metricsQuery).toContain('sglang:num_queue_reqs{<<.LabelMatchers>>}');
    expect(rule.metricsQuery).toContain('up{<<.LabelMatchers>>} == 1');
    expect(sglang.series[0]).toMatchObject({ name: 'sglang:num_queue_reqs', exportedFrom: 'firstRequest' });
    expect(sglang.series[0].createdWith).toContain('sglang:time_to_first_token_seconds_count');
    expect(sglang.series[0].createdWith).not.toContain('sglang:num_queue_reqs');
  });
});

describe('app-series entries on a model server', () => {
  test('a request counter TEI creates at the first request reads 0 on a scraped pod that never served, and is discovered through up', () => {
    const rps = ScalingMetric.requestsPerSecond({ targetPerPod: 50, counter: 'te_request_count' });
    const plain = rps.definition!;
    const tei = rps.forServer(ModelServer.tei()).definition!;
    expect(tei.hpa).toEqual(plain.hpa);
    expect(tei.adapterRule).toEqual({
      ...plain.adapterRule,
      seriesQuery: 'up{namespace!="",pod!=""}',
      name: { matches: '^up$', as: 'te_request_count_per_second' },
      metricsQuery: '(sum(rate(te_request_count{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)) or (sum(up{<<.LabelMatchers>>} == 1) by (<<.GroupBy>>) * 0)',
      readsSeries: 'te_request_count',
    });
    expect(tei.series).toEqual([{
      ...plain.series[0], description: `${plain.series[0].description} tei creates it at its first request.`, exportedFrom: 'firstRequest', createdWith: ['te_queue_size', 'te_batch_current_size', 'te_request_queue_duration_count'],
    }]);
    expect(tei.idle).toMatchObject({ kind: 'value', value: 0 });
    expect(tei.missing.description).toContain('tei creates te_request_count at the first request');
  });

  test('a latency histogram on TGI is read by its bucket series, named in the query', () => {
    const latency = ScalingMetric.latency({ quantile: 0.9, targetSeconds: 2, histogram: 'tgi_request_duration' }).forServer(ModelServer.tgi()).definition!;
    expect(latency.adapterRule!.readsSeries).toBe('tgi_request_duration_bucket');
    expect(latency.adapterRule!.metricsQuery).toContain('tgi_request_duration_bucket{<<.LabelMatchers>>}');
    expect(latency.adapterRule!.metricsQuery).toContain('tgi_request_duration_count{<<.LabelMatchers>>}');
  });

  test('engines that export from their start, and series a lazy engine lists as exported from the start, stay as they are', () => {
    const rps = ScalingMetric.requestsPerSecond({ targetPerPod: 4, counter: 'vllm:request_success_total' });
    expect(rps.forServer(ModelServer.vllm()).definition).toEqual(rps.definition);
    const triton = ScalingMetric.requestsPerSecond({ targetPerPod: 4, counter: 'nv_inference_request_success' });
    expect(triton.forServer(ModelServer.triton()).definition).toEqual(triton.definition);
    // Custom queries decide their own idle value.
    const custom = ScalingMetric.custom({ type: 'Pods', name: 'x_per_second', seriesQuery: 'te_request_count{namespace!="",pod!=""}', metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)', targetAverageValue: 5, series: [{ name: 'te_request_count', type: 'counter', source: 'app', labels: ['namespace', 'pod'], description: 'requests' }] });
    expect(custom.forServer(ModelServer.tei()).definition).toEqual(custom.definition);
  });

  test('the default embeddings service scales on te_request_count that reads 0 before its first request', () => {
    const service = resolveInferenceService(defaultServices().embeddings, 'embeddings').service!;
    const rps = service.metrics.find((m) => m.kind === 'requestsPerSecond')!;
    expect(rps.adapterRule!.readsSeries).toBe('te_request_count');
    expect(rps.series[0].exportedFrom).toBe('firstRequest');
  });

  test('metric names follow the naming rule and never collide across entries and engines', () => {
    const metrics = [
      ScalingMetric.waitingRequests({ targetPerPod: 2 }), ScalingMetric.runningRequests({ targetPerPod: 6 }),
      ScalingMetric.runningRequests({ targetShareOfMaxSequences: 0.5, maxSequences: 256 }), ScalingMetric.kvCacheUsage({ targetRatio: 0.8 }),
      ScalingMetric.timeToFirstToken({ targetSeconds: 1 }), ScalingMetric.timeToFirstToken({ targetSeconds: 1, quantile: 'mean' }),
      ScalingMetric.interTokenLatency({ targetSeconds: 0.1, quantile: 0.99 }), ScalingMetric.queueTime({ targetSeconds: 1, rateWindowSeconds: 120 }),
      ScalingMetric.tokenThroughput({ targetPerPod: 800 }),
    ];
    const names = [ModelServer.vllm(), ModelServer.sglang()].flatMap((server) => metrics.map((m) => {
      const hpa = m.forServer(server).definition!.hpa;
      return hpa.type === 'Pods' ? hpa.pods.metric.name : '';
    }));
    expect(names.slice(0, metrics.length)).toEqual([
      'vllm_num_requests_waiting', 'vllm_num_requests_running', 'vllm_num_requests_running_share_of_256', 'vllm_kv_cache_usage_perc',
      'vllm_time_to_first_token_seconds_p95', 'vllm_time_to_first_token_seconds_mean', 'vllm_inter_token_latency_seconds_p99',
      'vllm_request_queue_time_seconds_p95_2m', 'vllm_generation_tokens_per_second',
    ]);
    expect(new Set(names).size).toBe(names.length);
  });

  test('Triton\'s queue time is a counter of microseconds: its mean in seconds, and a quantile is a problem', () => {
    const mean = ScalingMetric.queueTime({ targetSeconds: 0.2 }).forServer(ModelServer.triton()).definition!;
    expect(mean.hpa.type === 'Pods' && mean.hpa.pods.metric.name).toBe('nv_inference_queue_duration_seconds_mean');
    expect(mean.adapterRule!.metricsQuery).toContain('* 0.000001');
    expect(ScalingMetric.queueTime({ targetSeconds: 0.2, quantile: 0.95 }).forServer(ModelServer.triton()).problems).toEqual([
      { path: 'quantile', message: 'is 0.95, but triton exports nv_inference_queue_duration_us as a counter of time, which gives a mean only; use quantile: "mean"' },
    ]);
  });

  test('a signal the engine does not expose is a problem at modelServer that names what it has', () => {
    expect(ScalingMetric.kvCacheUsage({ targetRatio: 0.8 }).forServer(ModelServer.tgi()).problems).toEqual([
      { path: 'modelServer', message: 'is tgi, which exports no KV-cache use series; kvCacheUsage cannot be read from it. Scale on one it has (waitingRequests, runningRequests, interTokenLatency, queueTime, generationTokens), or use ScalingMetric.custom' },
    ]);
  });

  test('option problems name the field', () => {
    expect(ScalingMetric.runningRequests({ targetShareOfMaxSequences: 0.5 }).problems).toEqual([
      { path: 'maxSequences', message: 'is undefined; targetShareOfMaxSequences needs the engine\'s batch limit as a whole number, 1 or more (vLLM --max-num-seqs, SGLang --max-running-requests)' },
    ]);
    expect(ScalingMetric.runningRequests({ targetPerPod: 4, targetShareOfMaxSequences: 0.5, maxSequences: 8 }).problems.map((p) => p.path)).toEqual(['targetPerPod|targetShareOfMaxSequences']);
    expect(ScalingMetric.kvCacheUsage({ targetRatio: 80 }).problems).toEqual([{ path: 'targetRatio', message: 'is 80; expected a share of the KV cache above 0 and at most 1' }]);
    expect(ScalingMetric.timeToFirstToken({ targetSeconds: 1, quantile: 95 }).problems.map((p) => p.path)).toEqual(['quantile']);
    expect(ScalingMetric.tokenThroughput({ targetPerPod: -1 }).problems.map((p) => p.path)).toEqual(['targetPerPod']);
  });

  test('the result cannot be half valid', () => {
    const ok = ScalingMetric.waitingRequests({ targetPerPod: 2 });
    expect(ok.result.valid && ok.result.definition).toBe(ok.definition);
    const bad = ScalingMetric.waitingRequests({ targetPerPod: 0 });
    expect(bad.result).toEqual({ valid: false, problems: bad.problems });
    expect(bad.definition).toBeUndefined();
  });

  test('every engine entry states its idle value and what missing means', () => {
    for (const server of [ModelServer.vllm(), ModelServer.tgi()]) {
      const def = ScalingMetric.waitingRequests({ targetPerPod: 2 }).forServer(server).definition!;
      expect(def.idle).toMatchObject({ kind: 'value', value: 0 });
      expect(def.missing.atZeroTraffic).toBe('value');
    }
    expect(ScalingMetric.waitingRequests({ targetPerPod: 2 }).forServer(ModelServer.tgi()).definition!.missing.description).toMatch(/^tgi creates tgi_queue_size at the first request; until then a pod Prometheus scrapes \(up == 1\) reads 0/);
  });
});

describe('a service with a model server', () => {
  test('takes ports, metrics path and probe paths from the preset, and the user overrides them', () => {
    const triton = resolveInferenceService({ ...LLM, modelServer: ModelServer.triton(), metrics: [ScalingMetric.waitingRequests({ targetPerPod: 2 })] }, 'llm').service!;
    expect([triton.port, triton.metricsPort, triton.metricsPath, triton.probes.readiness.path, triton.probes.liveness.path]).toEqual([8000, 8002, '/metrics', '/v2/health/ready', '/v2/health/live']);
    const own = resolveInferenceService({ ...LLM, modelServer: ModelServer.tgi(), port: 8080, probes: { readinessPath: '/ready' }, metrics: [ScalingMetric.waitingRequests({ targetPerPod: 2 })] }, 'llm').service!;
    expect([own.port, own.metricsPort, own.probes.readiness.path, own.probes.liveness.path]).toEqual([8080, 8080, '/ready', '/ready']);
  });

  test('its engine metrics read the preset\'s series', () => {
    const s = resolveInferenceService({ ...LLM, modelServer: ModelServer.sglang(), metrics: [ScalingMetric.waitingRequests({ targetPerPod: 2 }), ScalingMetric.kvCacheUsage({ targetRatio: 0.8 })] }, 'llm').service!;
    expect(s.metrics.map((m) => m.series[0].name)).toEqual(['sglang:num_queue_reqs', 'sglang:token_usage']);
  });

  test('a metric the engine does not expose is an error naming the metric and the field', () => {
    expect(resolveInferenceService({ ...LLM, modelServer: ModelServer.tei(), metrics: [ScalingMetric.timeToFirstToken({ targetSeconds: 1 })] }, 'llm').problems).toEqual([
      { path: 'metrics[0] (timeToFirstToken).modelServer', message: 'is tei, which exports no time-to-first-token series; timeToFirstToken cannot be read from it. Scale on one it has (waitingRequests, runningRequests, queueTime), or use ScalingMetric.custom' },
    ]);
  });

  test('a bad preset option is reported under modelServer', () => {
    expect(resolveInferenceService({ ...LLM, modelServer: ModelServer.vllm({ version: 'x' }) }, 'llm').problems.map((p) => p.path)).toContain('modelServer.version');
  });
});

describe('what missing means', () => {
  test('a custom metric that vanishes at zero traffic is refused, with the reason', () => {
    const custom = ScalingMetric.custom({ type: 'Pods', name: 'jobs_active', seriesQuery: 'jobs_active{namespace!="",pod!=""}', metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>} > 0) by (<<.GroupBy>>)', targetAverageValue: 2, missingAtZeroTraffic: true });
    expect(resolveInferenceService({ ...LLM, metrics: [custom] }, 'llm').problems).toEqual([{
      path: 'metrics[0] (custom)',
      message: 'can vanish while the service serves nothing (its series vanish while the service serves nothing (missingAtZeroTraffic: true)): the HPA would find it missing on every idle pod and never scale down, and KEDA would count the empty answer as an error and hold its fallback (or, with ignoreNullValues, read 0 and cut replicas at peak). Give the query an idle value (0 when idle) or scale on another metric',
    }]);
  });

  test('an external queue whose exporter drops the series when empty is refused on both paths', () => {
    const queue = ScalingMetric.externalQueue({ series: 'kafka_consumergroup_lag', targetPerReplica: 100, emptyQueue: 'noSeries' });
    for (const autoscaler of ['adapter', 'keda'] as const) {
      const problems = resolveInferenceService({ ...LLM, autoscaler, metrics: [queue] }, 'llm').problems;
      expect(problems.map((p) => p.path)).toEqual(['metrics[0] (externalQueue)']);
      expect(problems[0].message).toContain('the exporter drops kafka_consumergroup_lag while the queue is empty (emptyQueue: "noSeries")');
    }
    expect(resolveInferenceService({ ...LLM, metrics: [ScalingMetric.externalQueue({ series: 'kafka_consumergroup_lag', targetPerReplica: 100 })] }, 'llm').problems).toEqual([]);
  });

  test('every catalogue entry declares what missing means', () => {
    const all = [
      ScalingMetric.cpuUtilization(70), ScalingMetric.memoryUtilization(70), ScalingMetric.requestsPerSecond({ targetPerPod: 1 }), ScalingMetric.gpuUtilization({ targetPercent: 70 }),
      ScalingMetric.latency({ targetSeconds: 1 }), ScalingMetric.errorRate({ targetRatio: 0.1 }), ScalingMetric.inFlightRequests({ targetPerPod: 1 }), ScalingMetric.queueDepth({ targetPerPod: 1 }),
      ScalingMetric.externalQueue({ series: 'q', targetTotal: 1 }),
      ScalingMetric.objectMetric({ describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'llm' }, series: 'r', targetValue: 1 }),
      ScalingMetric.custom({ type: 'External', name: 'x', seriesQuery: 'x', metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>})', targetValue: 1 }),
    ];
    for (const m of all) expect(m.definition!.missing.description.length).toBeGreaterThan(20);
    expect(all.map((m) => m.definition!.missing.atZeroTraffic)).toEqual(['value', 'value', 'value', 'value', 'value', 'value', 'value', 'value', 'value', 'value', 'unknown']);
  });
});

describe('a service with a model-server preset and no metrics', () => {
  const base: InferenceServiceProps = { image: 'vllm/vllm-openai:v0.11.0', gpu: { count: 1 }, maxReplicas: 4, model: { loadTimeSeconds: 240 } };
  const kinds = (props: InferenceServiceProps): string[] => {
    const r = resolveInferenceService(props, 'llm');
    if (!r.service) throw new Error(JSON.stringify(r.problems));
    return r.service.metrics.map((m) => m.kind);
  };

  test('scales on the engine\'s saturation signals, never on GPU utilization', () => {
    expect(kinds({ ...base, modelServer: ModelServer.vllm() })).toEqual(['waitingRequests', 'kvCacheUsage']);
    expect(kinds({ ...base, modelServer: ModelServer.tgi() })).toEqual(['waitingRequests']);
    expect(kinds(base)).toEqual(['gpuUtilization']);
  });
});
