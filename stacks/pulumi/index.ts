import * as k8s from '@pulumi/kubernetes';
import { AIInferenceService } from '../../lib/pulumi';
import { DEFAULT_NAMESPACE, DEFAULT_NAMESPACE_LABELS, defaultServices } from '../default-services';

// The default environment's services on the cluster of the ambient kubeconfig.
const namespace = new k8s.core.v1.Namespace(DEFAULT_NAMESPACE, { metadata: { name: DEFAULT_NAMESPACE, labels: { ...DEFAULT_NAMESPACE_LABELS } } });

const services = Object.entries(defaultServices()).map(([name, props]) => new AIInferenceService(name, props, { dependsOn: [namespace] }));

/** Service names, for `pulumi stack output`. */
export const serviceNames = services.map((s) => s.serviceName);
