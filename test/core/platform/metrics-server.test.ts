import { IMAGES } from '../../../lib/core/images';
import { resolveMetricsServer } from '../../../lib/core/platform/metrics-server';

describe('resolveMetricsServer', () => {
  test('defaults follow the upstream high-availability manifests', () => {
    const { spec, problems } = resolveMetricsServer();
    expect(problems).toEqual([]);
    expect(spec).toMatchObject({
      name: 'metrics-server',
      namespace: 'kube-system',
      replicas: 2,
      metricResolutionSeconds: 15,
      priorityClassName: 'system-cluster-critical',
      image: IMAGES.metricsServer,
      securePort: 10250,
      resources: { requests: { cpu: '100m', memory: '200Mi' }, limits: {} },
      rbacNames: { clusterRole: 'system:metrics-server', authDelegator: 'metrics-server:system:auth-delegator', authReader: 'metrics-server-auth-reader' },
    });
    expect(spec?.args).toContain('--metric-resolution=15s');
    expect(spec?.args).not.toContain('--kubelet-insecure-tls');
  });

  test('a resource given replaces only that resource\'s default', () => {
    const { spec } = resolveMetricsServer({ resources: { cpu: { request: '250m', limit: '1' } } });
    expect(spec?.resources).toEqual({ requests: { cpu: '250m', memory: '200Mi' }, limits: { cpu: '1' } });
  });

  test('invalid props give problems with paths relative to the props, and no spec', () => {
    const { spec, problems } = resolveMetricsServer({ replicas: 2.5, resources: { memory: { request: 'lots' } } });
    expect(spec).toBeUndefined();
    expect(problems.map((p) => p.path)).toEqual(['replicas', 'resources.memory.request']);
  });
});
