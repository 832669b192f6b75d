import { KubeStateMetrics, KubeStateMetricsProps } from '../../lib/cdk8s/kube-state-metrics';
import { IMAGES } from '../../lib/core/images';
import { expectValidManifests } from '../support/manifests';
import { checkManifests, checkRestrictedPodSecurity } from '../support/manifests';
import { renderPlatform } from '../support/platform';
import { find, K8sObject, newChart, synth } from '../support/synth';

function render(props: KubeStateMetricsProps = {}): K8sObject[] {
  const chart = newChart();
  new KubeStateMetrics(chart, 'KubeStateMetrics', props);
  const objects = synth(chart);
  expectValidManifests(objects);
  return objects;
}

describe('KubeStateMetrics', () => {
  test('its ClusterRole lists and watches exactly the four resources its collectors read', () => {
    const role = find(render(), 'ClusterRole', 'monitoring-kube-state-metrics');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['nodes', 'pods'], verbs: ['list', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['list', 'watch'] },
      { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['list', 'watch'] },
    ]);
  });

  test('runs only those collectors, from the pinned image, as nobody, passing Pod Security "restricted"', () => {
    const objects = render();
    const deployment = find(objects, 'Deployment', 'kube-state-metrics');
    const c = deployment.spec.template.spec.containers[0];
    expect(c.image).toBe(IMAGES.kubeStateMetrics);
    expect(c.args).toContain('--resources=deployments,horizontalpodautoscalers,nodes,pods');
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'telemetry' });
    expect(c.securityContext.runAsUser).toBe(65534);
    expect(checkRestrictedPodSecurity(deployment)).toEqual([]);
    expect(find(objects, 'Service', 'kube-state-metrics').spec.ports).toEqual([{ name: 'http-metrics', port: 8080, targetPort: 'http-metrics', protocol: 'TCP' }]);
  });

  test('names the bad image', () => {
    expect(() => render({ image: 'a b' })).toThrow('KubeStateMetrics "test/KubeStateMetrics": image is "a b"');
  });
});

describe('platform with alerts', () => {
  const services = { llm: { image: 'vllm/vllm-openai:v0.11.0', gpu: { count: 1 }, maxReplicas: 2, model: { loadTimeSeconds: 240 } } };
  const pools = [{ name: 'a10g', instanceType: 'g5.xlarge', maxNodes: 2 }];

  test('embedded: kube-state-metrics is scraped with honor_labels, the rule file is mounted and loaded, Prometheus may GET /metrics of the API server', () => {
    const { objects } = renderPlatform({ gpuNodePools: pools, services });
    const config = find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml'] as string;
    expect(config).toContain('job_name: inferscale-kube-state-metrics\n    honor_labels: true');
    expect(config).toContain('rule_files:\n  - /etc/prometheus/rules/*.yml');
    expect(config).toContain('job_name: inferscale-apiserver');
    const rules = find(objects, 'ConfigMap', 'prometheus-rules').data['inferscale-alerts.yml'] as string;
    expect(rules).toContain('alert: InferscaleGpuPodsPending');
    const pod = find(objects, 'Deployment', 'prometheus').spec.template.spec;
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'rules', mountPath: '/etc/prometheus/rules', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'rules', configMap: { name: 'prometheus-rules' } });
    expect(find(objects, 'ClusterRole', 'monitoring-prometheus-apiserver-metrics').rules).toEqual([{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
    const policy = find(objects, 'NetworkPolicy', 'kube-state-metrics');
    expect(policy.spec.ingress[0].ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
  });

  test('existing kube-prometheus-stack: no kube-state-metrics of its own, alerts as a PrometheusRule with the release label', () => {
    const { objects } = renderPlatform({
      gpuNodePools: pools, services,
      prometheus: (require('../../lib/cdk8s') as typeof import('../../lib/cdk8s')).PrometheusSource.existingKubePrometheusStack({ url: 'http://kps-prometheus.monitoring.svc:9090', releaseLabel: 'kps' }),
    });
    expect(objects.filter((o) => o.metadata.name === 'kube-state-metrics')).toEqual([]);
    const rule = find(objects, 'PrometheusRule', 'inferscale-alerts');
    expect(rule.metadata.labels.release).toBe('kps');
    expect(rule.spec.groups.map((g: { name: string }) => g.name)).toEqual(['inferscale.inference.llm', 'inferscale.platform']);
  });

  test('alerts: false renders no rules; a bad tunable is named', () => {
    const { objects } = renderPlatform({ gpuNodePools: pools, services, alerts: false });
    expect(objects.filter((o) => o.metadata.name === 'prometheus-rules')).toEqual([]);
    expect(() => renderPlatform({ gpuNodePools: pools, services, alerts: { pendingSeconds: 5 } })).toThrow('alerts.pendingSeconds is 5; expected whole seconds from 60 to 86400');
  });
});

test('the PrometheusRule passes the prometheus-operator CRD schema, and a broken one does not (the check has teeth)', () => {
  const { PrometheusSource } = require('../../lib/cdk8s') as typeof import('../../lib/cdk8s');
  const { objects } = renderPlatform({
    gpuNodePools: [{ name: 'a10g', instanceType: 'g5.xlarge', maxNodes: 2 }],
    services: { llm: { image: 'vllm/vllm-openai:v0.11.0', gpu: { count: 1 }, maxReplicas: 2, model: { loadTimeSeconds: 240 } } },
    prometheus: PrometheusSource.existingKubePrometheusStack({ url: 'http://kps-prometheus.monitoring.svc:9090', releaseLabel: 'kps' }),
  });
  const rule = find(objects, 'PrometheusRule', 'inferscale-alerts');
  expect(checkManifests([rule])).toEqual([]);
  const broken = { ...rule, spec: { groups: [{ name: 'x', rules: [{ alert: 'A', expr: 'up', for: 5 }] }] } };
  expect(checkManifests([broken]).map((p) => p.path).join(' ')).toContain('spec.groups');
});
