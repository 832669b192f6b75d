import { App, YamlOutputType } from 'cdk8s';
import { AIInferencePlatform } from '../../lib/cdk8s';
import { DEFAULT_NAMESPACE, defaultGpuNodePools, defaultServices } from '../default-services';

export { DEFAULT_NAMESPACE };

/**
 * The default environment as a cdk8s app: the whole GPU inference platform (device plugin,
 * DCGM exporter, Prometheus, Prometheus Adapter) with the two default services, written as one
 * YAML file per chart to `outdir`.
 */
export function defaultApp(outdir: string): App {
  const app = new App({ outdir, outputFileExtension: '.yaml', yamlOutputType: YamlOutputType.FILE_PER_CHART });
  new AIInferencePlatform(app, 'platform', {
    namespaces: { inference: DEFAULT_NAMESPACE },
    gpuNodePools: defaultGpuNodePools(),
    services: defaultServices(),
  });
  return app;
}
