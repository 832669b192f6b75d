import { InferencePlatform } from '../../lib/pulumi';
import { DEFAULT_NAMESPACE, defaultGpuNodePools, defaultServices } from '../default-services';

// The default platform on the cluster of the ambient kubeconfig.
const platform = new InferencePlatform('platform', {
  namespaces: { inference: DEFAULT_NAMESPACE },
  gpuNodePools: defaultGpuNodePools(),
  services: defaultServices(),
});

/** Service names, for `pulumi stack output`. */
export const serviceNames = platform.serviceNames;
/** The Prometheus the adapter reads. */
export const prometheusUrl = platform.prometheusUrl;
