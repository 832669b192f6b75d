import { App, YamlOutputType } from 'cdk8s';
import { AIInferencePlatform } from '../../lib/cdk8s';
import { InferenceServiceProps } from '../../lib/core';
import { DEFAULT_NAMESPACE, defaultGpuNodePools, defaultServices } from '../default-services';

export { DEFAULT_NAMESPACE };

/**
 * The default environment as a cdk8s app: the whole GPU inference platform (device plugin,
 * DCGM exporter, Prometheus on a gp3 EBS volume, Prometheus Adapter) with the two default
 * services (or the ones given), written as one YAML file per chart to `outdir`.
 */
export function defaultApp(outdir: string, services: Record<string, InferenceServiceProps> = defaultServices()): App {
  const app = new App({ outdir, outputFileExtension: '.yaml', yamlOutputType: YamlOutputType.FILE_PER_CHART });
  new AIInferencePlatform(app, 'platform', {
    namespaces: { inference: DEFAULT_NAMESPACE },
    // Prometheus' TSDB on an encrypted gp3 EBS volume: a new EKS cluster has no default
    // StorageClass. Needs the EBS CSI driver (EKS add-on aws-ebs-csi-driver) on the cluster.
    ebsStorageClass: { name: 'gp3' },
    gpuNodePools: defaultGpuNodePools(),
    services,
    // On-demand price of a g5.xlarge in us-east-1 (USD per hour), for the dashboard's cost panels.
    // https://aws.amazon.com/ec2/instance-types/g5/ (pricing table, late 2026)
    dashboard: { nodeHourlyPrices: { 'g5.xlarge': 1.006 } },
  });
  return app;
}

