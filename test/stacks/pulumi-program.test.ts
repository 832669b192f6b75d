import { join } from 'node:path';
import { installMocks } from '../support/pulumi-mocks';
import { loadManifestDir } from '../support/manifests';

const registered = installMocks();

describe('Pulumi program (stacks/pulumi)', () => {
  beforeAll(async () => {
    await import('../../stacks/pulumi');
    await new Promise((r) => setTimeout(r, 200));
  });

  test('registers the platform component and every object as a typed Kubernetes resource', () => {
    expect(registered.filter((r) => r.type === 'inferscale:inference:InferencePlatform').map((r) => r.name)).toEqual(['platform']);
    const types = new Set(registered.map((r) => r.type));
    for (const t of ['kubernetes:core/v1:Namespace', 'kubernetes:apps/v1:DaemonSet', 'kubernetes:apps/v1:Deployment', 'kubernetes:autoscaling/v2:HorizontalPodAutoscaler',
      'kubernetes:apiregistration.k8s.io/v1:APIService', 'kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding']) {
      expect(types).toContain(t);
    }
  });

  test('parity: every Kubernetes object it registers equals the committed charts-out/ object', () => {
    const committed = loadManifestDir(join(__dirname, '..', '..', 'charts-out')) as Record<string, any>[];
    const inputs = registered.filter((r) => r.type.startsWith('kubernetes:')).map((r) => r.inputs);
    expect(inputs).toHaveLength(committed.length);
    for (const obj of committed) {
      const same = inputs.filter((i) => i.kind === obj.kind && i.metadata.name === obj.metadata.name && i.metadata.namespace === obj.metadata.namespace);
      expect(same).toEqual([obj]);
    }
  });

  test('logical names are unique', () => {
    const names = registered.map((r) => `${r.type} ${r.name}`);
    expect(new Set(names).size).toBe(names.length);
  });
});
