import { Chart } from 'cdk8s';
import { MetricsServer, MetricsServerProps } from '../../lib/cdk8s';
import { checkRestrictedPodSecurity, expectValidManifests } from '../support/manifests';
import { find, K8sObject, newChart, synth } from '../support/synth';

function render(props: MetricsServerProps = {}): { objects: K8sObject[]; server: MetricsServer; chart: Chart } {
  const chart = newChart();
  const server = new MetricsServer(chart, 'MetricsServer', props);
  const objects = synth(chart);
  expectValidManifests(objects);
  return { objects, server, chart };
}

const podSpec = (objects: K8sObject[], name = 'metrics-server'): K8sObject => find(objects, 'Deployment', name).spec.template.spec;
const container = (objects: K8sObject[], name = 'metrics-server'): K8sObject => podSpec(objects, name).containers[0];

function errorOf(props: MetricsServerProps): string {
  try {
    new MetricsServer(newChart(), 'MetricsServer', props);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected MetricsServer to reject the props');
}

describe('MetricsServer', () => {
  test('renders upstream\'s objects: workload in kube-system, RBAC, the APIService', () => {
    const { objects, server } = render();
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort()).toEqual([
      'APIService//v1beta1.metrics.k8s.io',
      'ClusterRole//system:aggregated-metrics-reader',
      'ClusterRole//system:metrics-server',
      'ClusterRoleBinding//metrics-server:system:auth-delegator',
      'ClusterRoleBinding//system:metrics-server',
      'Deployment/kube-system/metrics-server',
      'PodDisruptionBudget/kube-system/metrics-server',
      'RoleBinding/kube-system/metrics-server-auth-reader',
      'Service/kube-system/metrics-server',
      'ServiceAccount/kube-system/metrics-server',
    ]);
    expect(server.deployment.node.id).toBe('Resource');
    expect(container(objects).image).toBe('registry.k8s.io/metrics-server/metrics-server:v0.9.0');
  });

  test('two replicas preferring separate nodes and zones, surging on rollout, at least one up through drains', () => {
    const { objects } = render();
    const deployment = find(objects, 'Deployment', 'metrics-server');
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    const selector = { matchLabels: { 'app.kubernetes.io/instance': 'metrics-server', 'app.kubernetes.io/name': 'metrics-server' } };
    expect(deployment.spec.selector).toEqual(selector);
    expect(podSpec(objects).affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
      { weight: 100, podAffinityTerm: { labelSelector: selector, topologyKey: 'kubernetes.io/hostname' } },
    ]);
    expect(podSpec(objects).topologySpreadConstraints).toEqual([{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector }]);
    const pdb = find(objects, 'PodDisruptionBudget', 'metrics-server');
    expect(pdb.spec).toEqual({ minAvailable: 1, selector });
  });

  test('upstream args, port, probes, priority class and resources', () => {
    const { objects } = render();
    const c = container(objects);
    expect(c.args).toEqual([
      '--cert-dir=/tmp',
      '--secure-port=10250',
      '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
      '--kubelet-use-node-status-port',
      '--metric-resolution=15s',
    ]);
    expect(c.ports).toEqual([{ name: 'https', containerPort: 10250, protocol: 'TCP' }]);
    expect(c.readinessProbe).toEqual({ httpGet: { path: '/readyz', port: 'https', scheme: 'HTTPS' }, periodSeconds: 10, failureThreshold: 3, initialDelaySeconds: 20 });
    expect(c.livenessProbe).toEqual({ httpGet: { path: '/livez', port: 'https', scheme: 'HTTPS' }, periodSeconds: 10, failureThreshold: 3 });
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '200Mi' } });
    expect(c.volumeMounts).toEqual([{ name: 'tmp-dir', mountPath: '/tmp' }]);
    expect(podSpec(objects).priorityClassName).toBe('system-cluster-critical');
    expect(podSpec(objects).nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(podSpec(objects).serviceAccountName).toBe('metrics-server');
  });

  test('meets Pod Security "restricted" with a read-only root file system, as upstream (UID 1000)', () => {
    const { objects } = render();
    expect(checkRestrictedPodSecurity(podSpec(objects))).toEqual([]);
    expect(container(objects).securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  test('the APIService routes v1beta1.metrics.k8s.io to the Service on 443, as upstream', () => {
    const { objects } = render();
    expect(find(objects, 'APIService', 'v1beta1.metrics.k8s.io').spec).toEqual({
      group: 'metrics.k8s.io',
      version: 'v1beta1',
      service: { name: 'metrics-server', namespace: 'kube-system', port: 443 },
      groupPriorityMinimum: 100,
      versionPriority: 100,
      insecureSkipTLSVerify: true,
    });
    expect(find(objects, 'Service', 'metrics-server').spec.ports).toEqual([{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP', appProtocol: 'https' }]);
  });

  test('RBAC as upstream: kubelet metrics, auth delegation, the authentication reader, the aggregated reader', () => {
    const { objects } = render();
    const self = [{ kind: 'ServiceAccount', name: 'metrics-server', namespace: 'kube-system' }];
    expect(find(objects, 'ClusterRole', 'system:metrics-server').rules).toEqual([
      { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding = find(objects, 'ClusterRoleBinding', 'system:metrics-server');
    expect([binding.roleRef.name, binding.subjects]).toEqual(['system:metrics-server', self]);
    const delegator = find(objects, 'ClusterRoleBinding', 'metrics-server:system:auth-delegator');
    expect([delegator.roleRef.name, delegator.subjects]).toEqual(['system:auth-delegator', self]);
    const reader = find(objects, 'RoleBinding', 'metrics-server-auth-reader');
    expect([reader.metadata.namespace, reader.roleRef, reader.subjects]).toEqual([
      'kube-system', { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'extension-apiserver-authentication-reader' }, self,
    ]);
    const aggregated = find(objects, 'ClusterRole', 'system:aggregated-metrics-reader');
    expect(aggregated.metadata.labels).toMatchObject({
      'rbac.authorization.k8s.io/aggregate-to-view': 'true',
      'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
      'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
    });
    expect(aggregated.rules).toEqual([{ apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] }]);
  });

  test('name, namespace, replicas, resolution, kubelet TLS, image and resources are props', () => {
    const { objects, server } = render({
      name: 'resource-metrics', namespace: 'metrics', replicas: 3, metricResolutionSeconds: 30, kubeletInsecureTls: true,
      image: 'mirror.example.com/metrics-server:v0.9.0', resources: { memory: { request: '300Mi', limit: '500Mi' } },
    });
    const c = container(objects, 'resource-metrics');
    expect(find(objects, 'Deployment', 'resource-metrics').spec.replicas).toBe(3);
    expect(c.args).toEqual(expect.arrayContaining(['--metric-resolution=30s', '--kubelet-insecure-tls']));
    expect(c.image).toBe('mirror.example.com/metrics-server:v0.9.0');
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '300Mi' }, limits: { memory: '500Mi' } });
    expect(find(objects, 'APIService', 'v1beta1.metrics.k8s.io').spec.service).toEqual({ name: 'resource-metrics', namespace: 'metrics', port: 443 });
    // The authentication reader binding must stay in kube-system, where the Role is.
    expect(find(objects, 'RoleBinding', 'resource-metrics-auth-reader').metadata.namespace).toBe('kube-system');
    expect(find(objects, 'ClusterRoleBinding', 'system:resource-metrics').subjects).toEqual([{ kind: 'ServiceAccount', name: 'resource-metrics', namespace: 'metrics' }]);
    expect(server.spec.metricResolutionSeconds).toBe(30);
  });

  test('one replica is refused', () => {
    expect(errorOf({ replicas: 1 })).toBe('MetricsServer "test/MetricsServer": replicas is 1; expected a whole number from 2 to 100: with one replica, every restart or node drain leaves each HPA with a Resource metric unable to scale down');
  });

  test('a resolution metrics-server would refuse is refused', () => {
    expect(errorOf({ metricResolutionSeconds: 10 })).toBe('MetricsServer "test/MetricsServer": metricResolutionSeconds is 10; expected whole seconds from 12 to 300 (metrics-server refuses a resolution whose 90 % is below its 10 s kubelet request timeout)');
  });

  test('every problem at once, each naming its field', () => {
    expect(errorOf({ name: 'Metrics', priorityClassName: 'Critical!', resources: { cpu: { request: '2', limit: '1' } }, image: 'a b' }).split('\n')).toEqual([
      'MetricsServer "test/MetricsServer": name is "Metrics"; expected a DNS-1123 label: 1-63 lowercase letters, digits or \'-\', starting and ending with a letter or digit',
      'MetricsServer "test/MetricsServer": priorityClassName is "Critical!"; expected a PriorityClass name such as "system-cluster-critical"',
      'MetricsServer "test/MetricsServer": image is "a b"; expected an image reference such as "registry.k8s.io/metrics-server/metrics-server:v0.9.0"',
      'MetricsServer "test/MetricsServer": resources.cpu.limit is "1", below the request "2"; the API server rejects a limit under the request',
    ]);
  });

  test('kubeletInsecureTls must be a boolean', () => {
    expect(errorOf({ kubeletInsecureTls: 'yes' as unknown as boolean })).toBe('MetricsServer "test/MetricsServer": kubeletInsecureTls is "yes"; expected true or false');
  });
});
