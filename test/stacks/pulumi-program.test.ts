import { join } from 'node:path';
import { installMocks } from '../support/pulumi-mocks';
import { loadManifestDir } from '../support/manifests';

const registered = installMocks();

describe('Pulumi program (stacks/pulumi)', () => {
  beforeAll(async () => {
    await import('../../stacks/pulumi');
    await new Promise((r) => setTimeout(r, 100));
  });

  test('registers the inference namespace and both default services with their children', () => {
    const kinds = registered.map((r) => `${r.type} ${r.name}`);
    expect(kinds).toContain('kubernetes:core/v1:Namespace inference');
    expect(kinds.filter((k) => k.startsWith('inferscale:inference:AIInferenceService')).sort()).toEqual([
      'inferscale:inference:AIInferenceService embeddings',
      'inferscale:inference:AIInferenceService llm',
    ]);
    expect(registered.filter((r) => r.type.startsWith('kubernetes:'))).toHaveLength(11);
  });

  test('every Kubernetes object it registers equals the committed charts-out/ object', () => {
    const committed = loadManifestDir(join(__dirname, '..', '..', 'charts-out')) as Record<string, any>[];
    const k8sInputs = registered.filter((r) => r.type.startsWith('kubernetes:')).map((r) => r.inputs);
    expect(k8sInputs).toHaveLength(committed.length);
    for (const obj of committed) {
      expect(k8sInputs.find((i) => i.kind === obj.kind && i.metadata.name === obj.metadata.name)).toEqual(obj);
    }
  });
});
