import { App, Chart, YamlOutputType } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { AIInferenceService } from '../../lib/cdk8s';
import { DEFAULT_NAMESPACE, DEFAULT_NAMESPACE_LABELS, defaultServices } from '../default-services';

export { DEFAULT_NAMESPACE };

/** The default environment as a cdk8s app writing one YAML file per chart to `outdir`. */
export function defaultApp(outdir: string): App {
  const app = new App({ outdir, outputFileExtension: '.yaml', yamlOutputType: YamlOutputType.FILE_PER_CHART });
  const chart = new Chart(app, 'inference', { disableResourceNameHashes: true });
  new k8s.KubeNamespace(chart, 'Namespace', { metadata: { name: DEFAULT_NAMESPACE, labels: { ...DEFAULT_NAMESPACE_LABELS } } });
  for (const [id, props] of Object.entries(defaultServices())) new AIInferenceService(chart, id, props);
  return app;
}
