import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { AIInferencePlatform } from '../../lib/cdk8s';
import {
  deploymentPodPattern,
  ExplainContext,
  explainService,
  formatExplanation,
  MetricExplanation,
  servesLlm,
  ServiceExplanation,
} from '../../lib/core/explain';
import { InferenceServiceProps, resolveInferenceService, ResolvedInferenceService } from '../../lib/core/inference-service';
import { ScalingMetric } from '../../lib/core/metric';
import { firstRequestSeriesCheck } from '../../lib/core/metrics/promql';
import { defaultApp } from '../../stacks/cdk8s/default-app';
import { defaultServices, previousLlmMetrics } from '../../stacks/default-services';
import { describeWithTools, runPromtool, withTempDir } from '../support/promtool';

/**
 * The default environment's platform, built in memory (nothing synthesized), with the LLM on its
 * previous signals (requests per second, GPU utilization, latency, CPU): one metric of each path
 * explain describes.
 */
function defaultPlatform(services: Record<string, InferenceServiceProps> = { ...defaultServices(), llm: { ...defaultServices().llm, metrics: previousLlmMetrics() } }): AIInferencePlatform {
  const app = defaultApp(path.join(__dirname, 'never-written'), services);
  return app.node.findAll().find((c): c is AIInferencePlatform => c instanceof AIInferencePlatform)!;
}

/** The context `inferscale explain` gives a platform's services. */
function contextOf(platform: AIInferencePlatform, namespace: string): ExplainContext {
  return {
    namespace,
    owner: `AIInferencePlatform "${platform.node.path}"`,
    prometheus: { mode: platform.prometheus.mode, url: platform.prometheus.url, scrapeIntervalSeconds: platform.prometheus.scrapeIntervalSeconds },
    adapter: { name: platform.adapter!.name, namespace: platform.adapter!.namespace, config: platform.adapter!.config, metricsRelistIntervalSeconds: platform.adapter!.metricsRelistIntervalSeconds },
    ...(platform.dcgmExporter ? { dcgmExporter: { namespace: platform.dcgmExporter.namespace, name: platform.dcgmExporter.serviceName, port: platform.dcgmExporter.metricsPort } } : {}),
    resourceMetrics: {
      provider: platform.resourceMetricsProvider,
      ...(platform.metricsServer ? { metricsServer: { namespace: platform.metricsServer.spec.namespace, name: platform.metricsServer.spec.name, metricResolutionSeconds: platform.metricsServer.spec.metricResolutionSeconds } } : {}),
    },
  };
}

function step(m: MetricExplanation, kind: string): { lines: readonly string[]; checks: readonly string[] } {
  const found = m.steps.find((s) => s.kind === kind);
  if (!found) throw new Error(`metrics[${m.index}] (${m.kind}) has no ${kind} step; it has ${m.steps.map((s) => s.kind).join(', ')}`);
  return found;
}

const platform = defaultPlatform();
const llm = explainService(platform.services.llm.spec, contextOf(platform, 'inference'));
const embeddings = explainService(platform.services.embeddings.spec, contextOf(platform, 'inference'));
const CURL = "curl -sG http://127.0.0.1:9090/api/v1/query --data-urlencode 'query=";

describe('explainService: what a node drain does to a service at one replica', () => {
  const resolve = (props: Partial<InferenceServiceProps>): ResolvedInferenceService => {
    const r = resolveInferenceService({ image: 'vllm/vllm-openai:v0.11.0', gpu: { count: 1 }, maxReplicas: 4, model: { loadTimeSeconds: 240 }, metrics: [ScalingMetric.inFlightRequests({ targetPerPod: 8 })], ...props }, 'llm');
    if (!r.service) throw new Error(JSON.stringify(r.problems));
    return r.service;
  };

  test('minReplicas 1 with the default budget (maxUnavailable 1): one model load of outage per drain, and both fixes with their cost', () => {
    expect(llm.warnings.filter((w) => w.startsWith('minReplicas'))).toEqual([
      'minReplicas is 1 and the PodDisruptionBudget\'s maxUnavailable is 1, so a node drain (upgrade, cluster autoscaler scale-in, spot interruption) evicts the only replica: '
      + 'whenever the HPA holds it at one replica, the service is down for one model load (4 min), longer when a new node must start first. '
      + 'Fix: minReplicas: 2, so one replica serves while the other moves (the cost of a second replica at all times); '
      + 'or disruptionBudget { maxUnavailable: 0 } (minAvailable 1), which keeps the replica serving but blocks the drain until the HPA scales up or someone deletes the pod, stalling node upgrades and scale-in',
    ]);
    for (const w of llm.warnings) expect(formatExplanation(llm)).toContain(`\n  warning: ${w}\n`);
  });

  test('a percent budget rounds up to the only pod', () => {
    expect(explainService(resolve({ disruptionBudget: { maxUnavailable: '25%' } })).warnings[0]).toMatch(/^minReplicas is 1 and the PodDisruptionBudget's maxUnavailable is "25%", so a node drain/);
  });

  test('no budget at all: the same outage', () => {
    expect(explainService(resolve({ disruptionBudget: false })).warnings[0]).toMatch(/^minReplicas is 1 and there is no PodDisruptionBudget, so a node drain \(upgrade, cluster autoscaler scale-in, spot interruption\) evicts the only replica: whenever/);
  });

  test('a budget of no pod down: drains stall instead', () => {
    expect(explainService(resolve({ disruptionBudget: { maxUnavailable: 0 } })).warnings).toEqual([
      'minReplicas is 1 and the PodDisruptionBudget allows no pod down (maxUnavailable 0): a drain of the node running the only replica waits until the HPA adds a second one, so node upgrades and the cluster autoscaler\'s scale-in stall on it. Set minReplicas: 2 to let drains proceed without an outage',
    ]);
  });

  test('two replicas or more: no warning', () => {
    expect(embeddings.warnings).toEqual([]);
    expect(explainService(resolve({ minReplicas: 2 })).warnings).toEqual([]);
    expect(formatExplanation(embeddings)).not.toContain('warning:');
  });
});

describe('explainService: signals that do not measure an LLM server\'s saturation', () => {
  const resolve = (props: Partial<InferenceServiceProps>): ResolvedInferenceService => {
    const r = resolveInferenceService({ image: 'vllm/vllm-openai:v0.11.0', gpu: { count: 1 }, minReplicas: 2, maxReplicas: 4, model: { loadTimeSeconds: 240 }, ...props }, 'llm');
    if (!r.service) throw new Error(JSON.stringify(r.problems));
    return r.service;
  };

  test('GPU utilization and CPU on a vLLM server: a warning each, at the metric\'s index, saying why and what to use', () => {
    const warnings = explainService(resolve({ metrics: [ScalingMetric.inFlightRequests({ targetPerPod: 8 }), ScalingMetric.gpuUtilization({ targetPercent: 75 }), ScalingMetric.cpuUtilization(80)] })).warnings;
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^metrics\[1\] scales this LLM server on GPU utilization, the share of time any kernel ran: under continuous batching a single request keeps it near 100 %/);
    expect(warnings[1]).toMatch(/^metrics\[2\] scales this LLM server on CPU: /);
    for (const w of warnings) expect(w).toMatch(/waiting requests and KV-cache use, with time to first token as the user-facing guard$/);
  });

  test('the same metrics on a CPU service, or on a GPU server that is not an LLM engine, give no such warning', () => {
    const metrics = [ScalingMetric.gpuUtilization({ targetPercent: 75 }), ScalingMetric.cpuUtilization(80)];
    expect(explainService(resolve({ image: 'nvcr.io/nvidia/tritonserver:25.01-py3', metrics })).warnings).toEqual([]);
    expect(explainService(resolve({ gpu: undefined, metrics: [ScalingMetric.cpuUtilization(80)] })).warnings).toEqual([]);
  });

  test('LLM engines are told apart by image repository, whatever the registry or tag', () => {
    for (const image of ['vllm/vllm-openai:v0.11.0', 'docker.io/lmsysorg/sglang:v0.5.4', 'ghcr.io/huggingface/text-generation-inference:3.3.6', 'registry.local/mirror/vllm-openai@sha256:' + 'a'.repeat(64)]) {
      expect(servesLlm({ image, gpu: resolve({}).gpu })).toBe(true);
    }
    for (const image of ['ghcr.io/huggingface/text-embeddings-inference:1.8', 'nvcr.io/nvidia/tritonserver:25.01-py3', 'example.com/not-vllm-at-all:1']) {
      expect(servesLlm({ image, gpu: resolve({}).gpu })).toBe(false);
    }
  });
});

describe('explainService on the default environment as shipped', () => {
  const shipped = defaultPlatform(defaultServices());
  const saturation = explainService(shipped.services.llm.spec, contextOf(shipped, 'inference'));

  test('the LLM scales on vLLM\'s waiting requests, KV-cache use and TTFT: no signal warning, only the drain one', () => {
    expect(saturation.metrics.map((m) => m.kind)).toEqual(['waitingRequests', 'kvCacheUsage', 'timeToFirstToken']);
    expect(saturation.metrics.flatMap((m) => m.problems)).toEqual([]);
    expect(saturation.warnings).toHaveLength(1);
    expect(saturation.warnings[0]).toMatch(/^minReplicas is 1 and /);
    expect(formatExplanation(saturation)).toContain('vllm:num_requests_waiting');
    expect(formatExplanation(saturation)).toContain('vllm:kv_cache_usage_perc');
  });
});

describe('explainService on the default environment', () => {
  test('the previous signals are warned about: GPU utilization at metrics[1], CPU at metrics[3]', () => {
    expect(llm.warnings.filter((w) => !w.startsWith('minReplicas')).map((w) => w.split(' scales ')[0])).toEqual(['metrics[1]', 'metrics[3]']);
  });

  test('the llm service: objects, replicas, GPU, model load and the behavior in plain words', () => {
    expect(llm.name).toBe('llm');
    expect(llm.namespace).toBe('inference');
    expect(llm.facts[0]).toBe('Deployment inference/llm (pods inferscale.io/service=llm), scaled by HorizontalPodAutoscaler inference/llm from 1 to 8 replicas');
    expect(llm.facts[1]).toMatch(/^each replica: 1 nvidia\.com\/gpu, CPU request /);
    expect(llm.facts).toContain('the scale-down window (10 min) covers the model load time, so a removed replica is not needed back sooner than it could load');
    expect(llm.behaviorPreset).toBe('burst');
    expect(llm.behavior).toBe('scales up at once, by at most 100% per 15 s or 4 pods per 15 s (whichever allows more); '
      + 'scales down to the highest proposal of the last 10 min, by at most 1 pod per minute or 10% per minute (whichever allows more)');
    expect(llm.checks).toContain('kubectl describe hpa llm -n inference');
    expect(llm.setup).toEqual(['kubectl -n monitoring port-forward svc/prometheus 9090:9090']);
    expect(llm.metrics.map((m) => m.kind)).toEqual(['requestsPerSecond', 'gpuUtilization', 'latency', 'cpuUtilization']);
    expect(llm.metrics.flatMap((m) => m.problems)).toEqual([]);
  });

  test('requests per second: series, scrape job, adapter rule and its PromQL, custom metrics API, HPA block', () => {
    const m = llm.metrics[0];
    expect(m.steps.map((s) => s.kind)).toEqual(['series', 'scrape', 'adapter', 'metricsApi', 'hpa']);
    expect(step(m, 'series').lines[0]).toBe('vllm:request_success_total (counter; labels namespace, pod), exposed by the app on port 8000 at /metrics of each pod: Requests handled, counted when each finishes.');
    expect(step(m, 'series').checks).toEqual([`${CURL}vllm:request_success_total{namespace="inference",pod=~"llm-[a-z0-9]+-[a-z0-9]+"}'`]);
    expect(step(m, 'scrape').lines[0]).toMatch(/^job inferscale-inference-pods of the embedded Prometheus \(http:\/\/prometheus\.monitoring\.svc:9090\), every 15 s: pods annotated prometheus\.io\/scrape "true"/);
    const adapter = step(m, 'adapter');
    expect(adapter.lines[0]).toBe('rule in rules (custom.metrics.k8s.io) of PrometheusAdapter monitoring/prometheus-adapter, series rediscovered every 1 min');
    expect(adapter.lines).toContain('seriesQuery: vllm:request_success_total{namespace!="",pod!=""}');
    expect(adapter.lines).toContain('name: ^vllm:request_success_total$ → vllm_request_success_per_second');
    expect(adapter.lines).toContain('PromQL for the HPA\'s pods: sum(rate(vllm:request_success_total{namespace="inference",pod=~"<pods>"}[1m])) by (pod)');
    expect(adapter.checks).toContain(`${CURL}sum(rate(vllm:request_success_total{namespace="inference",pod=~"llm-[a-z0-9]+-[a-z0-9]+"}[1m])) by (pod)'`);
    expect(step(m, 'metricsApi').checks).toContain('kubectl get --raw "/apis/custom.metrics.k8s.io/v1beta1/namespaces/inference/pods/*/vllm_request_success_per_second?labelSelector=inferscale.io%2Fservice%3Dllm"');
    expect(step(m, 'hpa').lines).toEqual([
      'spec.metrics[0]: {"type":"Pods","pods":{"metric":{"name":"vllm_request_success_per_second"},"target":{"type":"AverageValue","averageValue":"4"}}}',
      'wants ceil(sum of the pods\' values / 4) replicas, so it scales out while the average per pod is above 4 (a pod without a value counts as 0 when scaling up, as 4 when scaling down); no change while within 10% of the target',
    ]);
    expect(step(m, 'hpa').checks).toEqual(["kubectl get hpa llm -n inference -o jsonpath='{.status.currentMetrics[0]}'"]);
  });

  test('GPU utilization: the DCGM exporter, its honor_labels job and the check for exported_pod', () => {
    const m = llm.metrics[1];
    expect(step(m, 'series').lines[0]).toMatch(/^DCGM_FI_DEV_GPU_UTIL \(gauge; labels namespace, pod, gpu\), exposed by the DCGM exporter gpu-system\/dcgm-exporter on port 9400/);
    const scrape = step(m, 'scrape');
    expect(scrape.lines[0]).toMatch(/^job inferscale-dcgm-exporter of the embedded Prometheus .*with honor_labels: true/);
    expect(scrape.checks).toContain(`${CURL}up{namespace="gpu-system",pod=~"dcgm-exporter-[a-z0-9]+"}'`);
    expect(scrape.checks.some((c) => c.includes('exported_pod=~"llm-[a-z0-9]+-[a-z0-9]+"') && c.endsWith('# must be empty: a result means honor_labels is missing'))).toBe(true);
    expect(step(m, 'adapter').lines).toContain('PromQL for the HPA\'s pods: avg(DCGM_FI_DEV_GPU_UTIL{namespace="inference",pod=~"<pods>"}) by (pod)');
  });

  test('latency: the adapter discovers the _bucket series and takes a quantile over its rates, or 0 for pods whose _count did not grow', () => {
    const m = llm.metrics[2];
    expect(step(m, 'series').checks[0]).toContain('vllm:e2e_request_latency_seconds_bucket{namespace="inference",pod=~"llm-[a-z0-9]+-[a-z0-9]+"}');
    expect(step(m, 'adapter').lines).toContain('PromQL for the HPA\'s pods: (histogram_quantile(0.95, sum(rate(vllm:e2e_request_latency_seconds_bucket{namespace="inference",pod=~"<pods>"}[1m])) by (le, pod)) >= 0)'
      + ' or (sum(rate(vllm:e2e_request_latency_seconds_count{namespace="inference",pod=~"<pods>"}[1m])) by (pod) == 0)');
  });

  test('each metric says what a missing value means, after what it reports when idle', () => {
    const lines = formatExplanation(llm).split('\n');
    const latencyAt = lines.indexOf('  metrics[2] latency: p95 latency per pod, target 4 s');
    expect(lines[latencyAt + 2]).toMatch(/^ {4}if missing {3}after a scrape gap \(fewer than two samples in the rate window, or no sample in the 5-minute lookback for a gauge\) the pod is missing: /);
    expect(llm.metrics.map((m) => m.missing.atZeroTraffic)).toEqual(['value', 'value', 'value', 'value']);
  });

  test('each metric says what an idle pod reports', () => {
    expect(llm.metrics.map((m) => [m.kind, m.idle.kind, m.idle.kind === 'value' ? m.idle.value : undefined])).toEqual([
      ['requestsPerSecond', 'value', 0], ['gpuUtilization', 'reading', undefined], ['latency', 'value', 0], ['cpuUtilization', 'reading', undefined],
    ]);
    const lines = formatExplanation(llm).split('\n');
    const latencyAt = lines.indexOf('  metrics[2] latency: p95 latency per pod, target 4 s');
    expect(lines[latencyAt + 1]).toBe('    when idle    0 seconds when no request finished in the window (vllm:e2e_request_latency_seconds_count flat); '
      + 'unlabelled histograms are exported at 0 from the start, so a pod that never served a request reports 0 too');
    const gpuAt = lines.indexOf('  metrics[1] gpuUtilization: GPU utilization per pod, target 75%');
    expect(lines[gpuAt + 1]).toBe('    when idle    the DCGM_FI_DEV_GPU_UTIL reading of the pod\'s GPUs at rest, near 0 %; the DCGM exporter reports it for as long as the pod holds its GPUs');
  });

  test('CPU: the platform\'s metrics-server and the resource metrics API, no Prometheus step', () => {
    const m = llm.metrics[3];
    expect(m.steps.map((s) => s.kind)).toEqual(['series', 'metricsApi', 'hpa']);
    expect(step(m, 'series').checks).toEqual([
      'kubectl get --raw "/api/v1/nodes/$(kubectl get pods -n inference -l inferscale.io/service=llm -o jsonpath=\'{.items[0].spec.nodeName}\')/proxy/metrics/resource" | grep container_cpu_usage_seconds_total',
    ]);
    expect(step(m, 'metricsApi')).toEqual({
      kind: 'metricsApi',
      lines: ['metrics.k8s.io, served by metrics-server kube-system/metrics-server (APIService v1beta1.metrics.k8s.io), which reads every kubelet each 15 s: cpu use of each pod of the service'],
      checks: [
        'kubectl get apiservice v1beta1.metrics.k8s.io   # AVAILABLE must be True',
        'kubectl get deployment metrics-server -n kube-system',
        'kubectl top pods -n inference -l inferscale.io/service=llm',
        'kubectl get --raw "/apis/metrics.k8s.io/v1beta1/namespaces/inference/pods?labelSelector=inferscale.io%2Fservice%3Dllm"',
      ],
    });
    expect(m.problems).toEqual([]);
    expect(step(m, 'hpa').lines[1]).toMatch(/^wants ceil\(replicas × average cpu use \/ 80% of the request \(\d+m?\)\) replicas/);
  });

  test('CPU with the cluster\'s own provider names it; the checks stay', () => {
    const m = explainService(platform.services.llm.spec, { ...contextOf(platform, 'inference'), resourceMetrics: { provider: 'cluster' } }).metrics[3];
    expect(step(m, 'metricsApi').lines).toEqual(['metrics.k8s.io, served by the cluster\'s own provider (metrics-server on GKE and AKS, the metrics-server add-on on EKS; APIService v1beta1.metrics.k8s.io): cpu use of each pod of the service']);
    expect(step(m, 'metricsApi').checks.slice(0, 2)).toEqual(['kubectl get apiservice v1beta1.metrics.k8s.io   # AVAILABLE must be True', 'kubectl top pods -n inference -l inferscale.io/service=llm']);
    expect(m.problems).toEqual([]);
  });

  test('CPU with no provider is a problem', () => {
    const m = explainService(platform.services.llm.spec, { ...contextOf(platform, 'inference'), resourceMetrics: { provider: 'none' } }).metrics[3];
    expect(m.problems).toEqual(['nothing serves metrics.k8s.io: the HPA shows <unknown> for this metric and never scales down. Deploy metrics-server or remove the metric']);
  });

  test('CPU on a lone service warns that the cluster must serve metrics.k8s.io', () => {
    const m = explainService(platform.services.llm.spec).metrics[3];
    expect(step(m, 'metricsApi').lines).toEqual([
      'metrics.k8s.io (metrics-server): cpu use of each pod of the service',
      'no metrics-server in this app: the cluster must serve metrics.k8s.io (GKE and AKS do; on EKS install the metrics-server add-on or add inferscale\'s MetricsServer), or this metric stays <unknown> and the HPA never scales down',
    ]);
  });

  test('the embeddings service: steady behavior and its separate metrics port', () => {
    expect(embeddings.behavior).toBe('scales up on the lowest proposal of the last 1 min, by at most 50% per minute or 2 pods per minute (whichever allows more); '
      + 'scales down to the highest proposal of the last 5 min, by at most 50% per minute');
    expect(embeddings.facts[0]).toContain('from 2 to 10 replicas');
    const rps = embeddings.metrics[1];
    expect(step(rps, 'series').lines[0]).toContain('exposed by the app on port 9000 at /metrics of each pod');
    expect(step(rps, 'scrape').lines[0]).toContain('on port 9000 at /metrics');
    expect(step(rps, 'metricsApi').checks).toContain('kubectl get --raw "/apis/custom.metrics.k8s.io/v1beta1/namespaces/inference/pods/*/te_request_count_per_second?labelSelector=inferscale.io%2Fservice%3Dembeddings"');
  });

  test('a series TEI creates at its first request: the series check passes for pods that have not served yet, as doctor\'s does', () => {
    const series = step(embeddings.metrics[1], 'series');
    expect(series.lines[0]).toContain('tei creates it at its first request');
    const pods = 'namespace="inference",pod=~"embeddings-[a-z0-9]+-[a-z0-9]+"';
    expect(step(embeddings.metrics[1], 'adapter').lines).toContain('seriesQuery: up{namespace!="",pod!=""} (the scraped pods, so the metric is served before te_request_count exists: the engine creates it at its first request)');
    expect(series.checks).toEqual([`curl -sG http://127.0.0.1:9090/api/v1/query --data-urlencode 'query=${firstRequestSeriesCheck('te_request_count', ['te_queue_size', 'te_batch_current_size', 'te_request_queue_duration_count'], pods)}'`]);
  });

  test('formatted as text: one line per fact and step, checks under their step', () => {
    const text = formatExplanation(llm);
    const lines = text.split('\n');
    expect(lines[0]).toBe('service inference/llm (AIInferencePlatform "platform")');
    expect(lines).toContain('  behavior (burst): ' + llm.behavior);
    expect(lines).toContain('  metrics[1] gpuUtilization: GPU utilization per pod, target 75%');
    const adapterAt = lines.findIndex((l) => l.startsWith('    adapter      rule in rules'));
    expect(adapterAt).toBeGreaterThan(0);
    expect(lines[adapterAt + 1]).toBe('                 seriesQuery: vllm:request_success_total{namespace!="",pod!=""}');
    expect(lines).toContain("                 check: kubectl get hpa llm -n inference -o jsonpath='{.status.currentMetrics[3]}'");
    expect(text.endsWith('\n')).toBe(true);
  });
});

describe('explainService in other contexts', () => {
  const spec = platform.services.llm.spec;

  test('no Prometheus and no adapter in the app: says what the cluster must provide, with no curl checks', () => {
    const e = explainService(spec, { namespace: 'inference' });
    const m = e.metrics[0];
    expect(step(m, 'scrape').lines[0]).toMatch(/^no Prometheus in this app: the pods carry the annotations prometheus\.io\/scrape "true", prometheus\.io\/port "8000"/);
    expect(step(m, 'adapter').lines[0]).toBe('no PrometheusAdapter in this app: your adapter needs this rule in rules (custom.metrics.k8s.io)');
    expect(e.setup).toEqual([]);
    expect(m.steps.flatMap((s) => s.checks).filter((c) => c.startsWith('curl'))).toEqual([]);
  });

  test('an adapter whose configuration lacks the rule: the metric has a problem', () => {
    const e = explainService(spec, { ...contextOf(platform, 'inference'), adapter: { name: 'custom-adapter', namespace: 'metrics', config: { rules: [], externalRules: [] } } });
    expect(e.metrics[0].problems).toEqual([
      'the adapter\'s configuration has no rule serving "vllm_request_success_per_second" from "vllm:request_success_total{namespace!=\\"\\",pod!=\\"\\"}": the HPA would show <unknown>',
    ]);
    expect(e.metrics[3].problems).toEqual([]);
  });

  test('kube-prometheus-stack: the PodMonitor and its scrape pool, port-forward to the stack\'s Service', () => {
    const e = explainService(spec, {
      ...contextOf(platform, 'inference'),
      prometheus: { mode: 'kubePrometheusStack', url: 'http://kps-prometheus.observability.svc.cluster.local:9090', releaseLabel: 'kps' },
    });
    expect(e.setup).toEqual(['kubectl -n observability port-forward svc/kps-prometheus 9090:9090']);
    const scrape = step(e.metrics[0], 'scrape');
    expect(scrape.lines[0]).toMatch(/^PodMonitor inference\/llm \(label release=kps, which the stack's Prometheus selects\) .* scrape pool podMonitor\/inference\/llm\/0/);
    expect(scrape.checks).toContain('kubectl get podmonitor llm -n inference --show-labels');
  });

  test('a Prometheus outside the cluster: curl its URL directly, no port-forward', () => {
    const e = explainService(spec, { ...contextOf(platform, 'inference'), prometheus: { mode: 'kubePrometheusStack', url: 'https://prometheus.example.com/' } });
    expect(e.setup).toEqual([]);
    expect(step(e.metrics[0], 'series').checks[0]).toMatch(/^curl -sG https:\/\/prometheus\.example\.com\/api\/v1\/query /);
  });

  test('pod names of the Deployment match its pattern; pods of a longer-named Deployment do not', () => {
    const re = new RegExp(`^(?:${deploymentPodPattern('llm')})$`);
    expect(re.test('llm-7d9f8c6b5-x2k4p')).toBe(true);
    expect(re.test('llm-big-7d9f8c6b5-x2k4p')).toBe(false);
    expect(re.test('llm-7d9f8c6b5')).toBe(false);
  });
});

/** Every PromQL query in the checks, pulled out of the curl commands. */
function queriesOf(explanations: readonly ServiceExplanation[]): string[] {
  const out = new Set<string>();
  for (const e of explanations) {
    for (const m of e.metrics) {
      for (const s of m.steps) {
        for (const c of s.checks) {
          const q = /--data-urlencode '?query=(.*?)'?(?:\s+#.*)?$/.exec(c);
          if (q) out.add(q[1].replace(/'\\''/g, "'"));
        }
      }
    }
  }
  return [...out];
}

describeWithTools(['promtool'], 'explain checks are valid PromQL', ({ promtool }) => {
  test('promtool check rules accepts every query in the checks', () => {
    const queries = queriesOf([llm, embeddings]);
    expect(queries.length).toBeGreaterThanOrEqual(10);
    withTempDir((dir) => {
      const file = path.join(dir, 'explain.rules.yml');
      fs.writeFileSync(file, stringify({ groups: [{ name: 'explain', rules: queries.map((expr, i) => ({ record: `inferscale_explain:q${i}`, expr })) }] }));
      const r = runPromtool(promtool, ['check', 'rules', file]);
      expect(r.output).toContain('SUCCESS');
      expect(r.status).toBe(0);
    });
  });
});
