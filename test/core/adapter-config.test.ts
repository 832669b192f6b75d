import { parse } from 'yaml';
import {
  adapterConfigYaml,
  AdapterServiceMetrics,
  buildAdapterConfig,
  goQuote,
  renderMetricsQuery,
  seriesName,
} from '../../lib/core/adapter-config';
import { AdapterRule, MetricDefinition, ScalingMetric } from '../../lib/core/metric';

const def = (m: ScalingMetric): MetricDefinition => {
  if (!m.definition) throw new Error(JSON.stringify(m.problems));
  return m.definition;
};
const RPS = def(ScalingMetric.requestsPerSecond({ targetPerPod: 4 }));
const GPU = def(ScalingMetric.gpuUtilization({ targetPercent: 70 }));
const CPU = def(ScalingMetric.cpuUtilization(70));
const QUEUE = def(ScalingMetric.externalQueue({ series: 'kafka_consumergroup_lag', selector: { consumergroup: 'llm' }, targetPerReplica: 50 }));
const INGRESS = def(ScalingMetric.objectMetric({ describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'llm' }, series: 'nginx_ingress_controller_requests', targetAverageValue: 10 }));

const svc = (name: string, metrics: MetricDefinition[], namespace = 'inference'): AdapterServiceMetrics => ({ name, namespace, metrics });

const podsRule = (metricsQuery: string): AdapterRule => ({
  kind: 'custom',
  seriesQuery: 'x{namespace!="",pod!=""}',
  resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
  name: { matches: '^x$', as: 'x' },
  metricsQuery,
});

describe('renderMetricsQuery renders templates as Prometheus Adapter v0.12.0 does', () => {
  test('one pod: namespace then pod equality, grouped by pod', () => {
    expect(renderMetricsQuery(RPS.adapterRule!, { namespace: 'inference', pods: ['llm-a'] }))
      .toBe('sum(rate(ai_inference_requests_total{namespace="inference",pod="llm-a"}[1m])) by (pod)');
  });

  test('several pods: a regex of the names joined by |, in the order given', () => {
    expect(renderMetricsQuery(RPS.adapterRule!, { namespace: 'inference', pods: ['llm-b', 'llm-a'] }))
      .toBe('sum(rate(ai_inference_requests_total{namespace="inference",pod=~"llm-b|llm-a"}[1m])) by (pod)');
  });

  test('no pods: an equality with the empty name, as the adapter builds it', () => {
    expect(renderMetricsQuery(podsRule('<<.LabelMatchers>>'), { namespace: 'ns', pods: [] })).toBe('namespace="ns",pod=""');
  });

  test('the HPA metric selector comes first, sorted by label', () => {
    expect(renderMetricsQuery(podsRule('<<.LabelMatchers>>'), { namespace: 'ns', pods: ['a'], selector: { model: 'llama', env: 'prod' } }))
      .toBe('env="prod",model="llama",namespace="ns",pod="a"');
  });

  test('the labels come from the rule\'s overrides, not fixed names', () => {
    const rule: AdapterRule = { ...podsRule('sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'), resources: { overrides: { kubernetes_namespace: { resource: 'namespace' }, kubernetes_pod_name: { resource: 'pods' } } } };
    expect(renderMetricsQuery(rule, { namespace: 'ns', pods: ['a'] })).toBe('sum(x{kubernetes_namespace="ns",kubernetes_pod_name="a"}) by (kubernetes_pod_name)');
  });

  test('Object metrics: namespace and the object label, grouped by the object label', () => {
    expect(renderMetricsQuery(INGRESS.adapterRule!, { namespace: 'inference', objectName: 'llm' }))
      .toBe('sum(rate(nginx_ingress_controller_requests{namespace="inference",ingress="llm"}[1m])) by (ingress)');
  });

  test('Object metrics with several object labels pick one by objectResource', () => {
    const rule: AdapterRule = { ...INGRESS.adapterRule!, resources: { overrides: { namespace: { resource: 'namespace' }, ingress: { resource: 'ingresses', group: 'networking.k8s.io' }, service: { resource: 'services' } } } };
    expect(renderMetricsQuery(rule, { namespace: 'ns', objectName: 'web', objectResource: 'services' })).toContain('{namespace="ns",service="web"}');
    expect(() => renderMetricsQuery(rule, { namespace: 'ns', objectName: 'web' })).toThrow('maps 2 object labels; give objectResource naming one of ["ingresses","services"]');
  });

  test('External metrics: the selector\'s matchers only, and an empty group-by (the adapter passes "")', () => {
    expect(renderMetricsQuery(QUEUE.adapterRule!, { namespace: 'inference', externalSelector: { consumergroup: 'llm' } }))
      .toBe('sum(kafka_consumergroup_lag{consumergroup="llm"}) by ()');
    expect(renderMetricsQuery(QUEUE.adapterRule!, { namespace: 'inference' })).toBe('sum(kafka_consumergroup_lag{}) by ()');
  });

  test('namespaced External rules add the namespace matcher after the selector', () => {
    const rule: AdapterRule = { ...QUEUE.adapterRule!, resources: { overrides: { namespace: { resource: 'namespace' } } } };
    expect(renderMetricsQuery(rule, { namespace: 'inference', externalSelector: { topic: 't', consumergroup: 'llm' } }))
      .toBe('sum(kafka_consumergroup_lag{consumergroup="llm",topic="t",namespace="inference"}) by ()');
  });

  test('GroupBySlice renders like a Go slice', () => {
    expect(renderMetricsQuery(podsRule('<<.GroupBySlice>>'), { namespace: 'ns', pods: ['a'] })).toBe('[pod]');
    expect(renderMetricsQuery({ ...QUEUE.adapterRule!, metricsQuery: '<<.GroupBySlice>>' }, { namespace: 'ns' })).toBe('[]');
  });

  test('Go trim markers remove the space around an action', () => {
    expect(renderMetricsQuery(podsRule('sum( <<- .Series ->> { <<- .LabelMatchers ->> })'), { namespace: 'ns', pods: ['a'] })).toBe('sum(x{namespace="ns",pod="a"})');
  });

  test('values are quoted like Go\'s %q', () => {
    expect(goQuote('plain')).toBe('"plain"');
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote('tab\tnl\ncr\r')).toBe('"tab\\tnl\\ncr\\r"');
    expect(goQuote('\x01\x7f')).toBe('"\\x01\\x7f"');
    expect(goQuote('é')).toBe('"é"');
  });

  test('an action other than the documented fields throws', () => {
    expect(() => renderMetricsQuery(podsRule('<<index .LabelValuesByName "pod">>'), { namespace: 'ns', pods: ['a'] }))
      .toThrow('template action <<index .LabelValuesByName "pod">> is not supported');
  });

  test('an unclosed action throws', () => {
    expect(() => renderMetricsQuery(podsRule('sum(<<.Series)'), { namespace: 'ns', pods: ['a'] })).toThrow('unclosed action');
  });

  test('a custom rule needs exactly one of pods and objectName', () => {
    expect(() => renderMetricsQuery(RPS.adapterRule!, { namespace: 'ns' })).toThrow('give exactly one of pods (Pods metrics) and objectName (Object metrics)');
    expect(() => renderMetricsQuery(RPS.adapterRule!, { namespace: 'ns', pods: ['a'], objectName: 'b' })).toThrow('give exactly one of pods');
  });

  test('a rule without a pod mapping cannot serve Pods metrics', () => {
    const rule: AdapterRule = { ...podsRule('<<.LabelMatchers>>'), resources: { overrides: { namespace: { resource: 'namespace' } } } };
    expect(() => renderMetricsQuery(rule, { namespace: 'ns', pods: ['a'] })).toThrow('maps no series label to the pod resource');
  });

  test('a rule without a namespace mapping cannot serve namespaced requests', () => {
    const rule: AdapterRule = { ...podsRule('<<.LabelMatchers>>'), resources: { overrides: { pod: { resource: 'pod' } } } };
    expect(() => renderMetricsQuery(rule, { namespace: 'ns', pods: ['a'] })).toThrow('maps no series label to the namespace resource');
  });
});

describe('seriesName', () => {
  test('reads the series from the discovery query', () => {
    expect(seriesName(RPS.adapterRule!)).toBe('ai_inference_requests_total');
    expect(seriesName({ ...RPS.adapterRule!, seriesQuery: 'vllm:num_requests_waiting' })).toBe('vllm:num_requests_waiting');
    expect(seriesName({ ...RPS.adapterRule!, seriesQuery: '{__name__="foo_total",pod!=""}' })).toBe('foo_total');
  });

  test('falls back to an anchored name.matches', () => {
    expect(seriesName({ ...RPS.adapterRule!, seriesQuery: '{__name__=~"foo.*"}', name: { matches: '^foo_bar$', as: 'x' } })).toBe('foo_bar');
  });

  test('throws when no single series is named', () => {
    expect(() => seriesName({ ...RPS.adapterRule!, seriesQuery: '{__name__=~"foo.*"}', name: { matches: '^foo_(.*)$', as: '$1' } })).toThrow('does not name one series');
  });
});

describe('buildAdapterConfig', () => {
  test('merges identical rules of different services, skips Resource metrics, sorts by metric name', () => {
    const r = buildAdapterConfig([svc('llm', [RPS, GPU, CPU]), svc('embed', [GPU, RPS], 'search')]);
    expect(r.problems).toEqual([]);
    expect(r.config.rules.map((x) => x.name.as)).toEqual(['ai_inference_gpu_utilization_percent', 'ai_inference_requests_per_second']);
    expect(r.config.externalRules).toEqual([]);
    expect(r.usesExternalMetrics).toBe(false);
  });

  test('rules carry only the adapter\'s fields, in its documented order', () => {
    const rule = buildAdapterConfig([svc('llm', [RPS])]).config.rules[0];
    expect(Object.keys(rule)).toEqual(['seriesQuery', 'resources', 'name', 'metricsQuery']);
    expect(rule).toEqual({
      seriesQuery: 'ai_inference_requests_total{namespace!="",pod!=""}',
      resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
      name: { matches: '^ai_inference_requests_total$', as: 'ai_inference_requests_per_second' },
      metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)',
    });
  });

  test('external rules go under externalRules and say who uses them', () => {
    const r = buildAdapterConfig([svc('llm', [RPS, QUEUE])]);
    expect(r.problems).toEqual([]);
    expect(r.config.externalRules.map((x) => x.name.as)).toEqual(['kafka_consumergroup_lag']);
    expect(r.config.externalRules[0].resources).toEqual({ namespaced: false });
    expect(r.usesExternalMetrics).toBe(true);
    expect(r.externalMetricUsers).toEqual(['services[0] ("inference/llm").metrics[1] (externalQueue)']);
  });

  test('one metric name on different resources is not a conflict (pods vs ingresses)', () => {
    const counter = def(ScalingMetric.requestsPerSecond({ targetPerPod: 4, counter: 'nginx_ingress_controller_requests' }));
    expect(counter.adapterRule!.name.as).toBe(INGRESS.adapterRule!.name.as);
    expect(buildAdapterConfig([svc('a', [counter]), svc('b', [INGRESS])]).problems).toEqual([]);
  });

  test('YAML is stable, parses back to the config and does not fold long queries', () => {
    const services = [svc('llm', [RPS, GPU, QUEUE, INGRESS, def(ScalingMetric.errorRate({ targetRatio: 0.05 }))])];
    const r = buildAdapterConfig(services);
    const text = adapterConfigYaml(r.config);
    expect(adapterConfigYaml(buildAdapterConfig(services).config)).toBe(text);
    expect(parse(text)).toEqual(JSON.parse(JSON.stringify(r.config)));
    const errorQuery = r.config.rules.find((x) => x.name.as === 'ai_inference_requests_error_ratio')!.metricsQuery;
    expect(text).toContain(`metricsQuery: ${errorQuery}\n`);
    expect(text.startsWith('rules:\n  - seriesQuery: ')).toBe(true);
  });

  describe('problems', () => {
    const custom = (o: Partial<Parameters<typeof ScalingMetric.custom>[0]>): MetricDefinition => def(ScalingMetric.custom({
      type: 'Pods', name: 'queue_wait', seriesQuery: 'queue_wait{namespace!="",pod!=""}', metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)', targetAverageValue: 2, ...o,
    } as Parameters<typeof ScalingMetric.custom>[0]));

    test('two different rules claiming one name for the same resource', () => {
      const a = custom({});
      const b = custom({ metricsQuery: 'max(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)' });
      expect(buildAdapterConfig([svc('a', [a]), svc('b', [b])]).problems).toEqual([{
        path: 'services[1] ("inference/b").metrics[0] (custom)',
        message: 'claims adapter metric "queue_wait" with a different rule than services[0] ("inference/a").metrics[0] (custom) (metricsQuery "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)" vs "max(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)"); the adapter would serve only one of them and the other HPA would read the wrong values. Give one of the metrics another name, or make the rules identical',
      }]);
    });

    test('two different external rules claiming one name', () => {
      const a = custom({ type: 'External', name: 'lag', seriesQuery: 'lag_a', targetAverageValue: 1 });
      const b = custom({ type: 'External', name: 'lag', seriesQuery: 'lag_b', targetAverageValue: 1 });
      const problems = buildAdapterConfig([svc('a', [a, b])]).problems;
      expect(problems).toHaveLength(1);
      expect(problems[0].message).toContain('claims adapter metric "lag" with a different rule than services[0] ("inference/a").metrics[0] (custom) (seriesQuery "lag_a" vs "lag_b")');
    });

    test('a Pods metric without an adapter rule', () => {
      const noRule: MetricDefinition = { ...RPS, adapterRule: undefined };
      expect(buildAdapterConfig([svc('llm', [noRule])]).problems).toEqual([{
        path: 'services[0] ("inference/llm").metrics[0] (requestsPerSecond)',
        message: 'is a Pods metric named "ai_inference_requests_per_second", but has no adapter rule; no API would serve it and the HPA would show <unknown>. Give the metric an adapterRule whose name.as is "ai_inference_requests_per_second"',
      }]);
    });

    test('a rule serving another name than the HPA asks for', () => {
      const renamed: MetricDefinition = { ...RPS, adapterRule: { ...RPS.adapterRule!, name: { matches: '^ai_inference_requests_total$', as: 'rps' } } };
      expect(buildAdapterConfig([svc('llm', [renamed])]).problems).toEqual([{
        path: 'services[0] ("inference/llm").metrics[0] (requestsPerSecond).adapterRule.name.as',
        message: 'is "rps", but the HPA asks for "ai_inference_requests_per_second"; the HPA would show <unknown>. Make them equal',
      }]);
    });

    test('a rule of the wrong kind for the HPA metric type', () => {
      const wrong: MetricDefinition = { ...QUEUE, adapterRule: { ...QUEUE.adapterRule!, kind: 'custom', resources: { overrides: { namespace: { resource: 'namespace' } } } } };
      expect(buildAdapterConfig([svc('llm', [wrong])]).problems).toEqual([{
        path: 'services[0] ("inference/llm").metrics[0] (externalQueue).adapterRule.kind',
        message: 'is "custom", but the HPA reads an External metric, which the adapter serves only from externalRules; use kind "external"',
      }]);
    });

    test('a Pods rule without the pod mapping', () => {
      const m = custom({ resources: { overrides: { namespace: { resource: 'namespace' }, kubernetes_pod: { resource: 'node' } } } });
      expect(buildAdapterConfig([svc('llm', [m])]).problems).toEqual([{
        path: 'services[0] ("inference/llm").metrics[0] (custom).adapterRule.resources.overrides',
        message: 'maps no series label to pod (it maps ["namespace","kubernetes_pod"]); the adapter could not attribute values and the HPA would show <unknown>. Map them, e.g. { namespace: { resource: "namespace" }, pod: { resource: "pod" } }',
      }]);
    });

    test('a Pods rule without the namespace mapping', () => {
      const m = custom({ resources: { overrides: { pod: { resource: 'pod' } } } });
      expect(buildAdapterConfig([svc('llm', [m])]).problems[0].message).toMatch(/^maps no series label to namespace \(it maps \["pod"\]\)/);
    });

    test('an Object rule without the object mapping', () => {
      const m = custom({ type: 'Object', describedObject: { apiVersion: 'v1', kind: 'Service', name: 'web' }, targetValue: 3, targetAverageValue: undefined, resources: { overrides: { namespace: { resource: 'namespace' } } } });
      expect(buildAdapterConfig([svc('llm', [m])]).problems[0].message).toMatch(/^maps no series label to the described object/);
    });

    test('a Pods rule that is not namespaced', () => {
      const m = custom({ resources: { namespaced: false } });
      expect(buildAdapterConfig([svc('llm', [m])]).problems).toEqual([{
        path: 'services[0] ("inference/llm").metrics[0] (custom).adapterRule.resources',
        message: 'is {"namespaced":false}; a Pods metric needs series labels mapped to the namespace and the pod, as overrides',
      }]);
    });

    test('a namespaced External rule without a namespace label', () => {
      const m = custom({ type: 'External', name: 'lag', seriesQuery: 'lag', targetAverageValue: 1, resources: { overrides: { topic: { resource: 'topic' } } } });
      expect(buildAdapterConfig([svc('llm', [m])]).problems).toEqual([{
        path: 'services[0] ("inference/llm").metrics[0] (custom).adapterRule.resources',
        message: 'is {"overrides":{"topic":{"resource":"topic"}}}: the rule is namespaced but maps no series label to the namespace resource, so the adapter fails every query for it. Map the namespace label (overrides: { namespace: { resource: "namespace" } }) or set namespaced: false',
      }]);
    });
  });
});
