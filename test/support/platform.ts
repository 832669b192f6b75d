import { App, Testing } from 'cdk8s';
import { AIInferencePlatform, AIInferencePlatformProps, InferscaleValidationError } from '../../lib/cdk8s';
import { expectValidManifests } from './manifests';
import { K8sObject } from './synth';

/** Builds and synthesizes a platform, and checks every object it renders with the manifest checker. */
export function renderPlatform(props: AIInferencePlatformProps): { objects: K8sObject[]; platform: AIInferencePlatform } {
  const platform = new AIInferencePlatform(Testing.app(), 'platform', props);
  const objects = Testing.synth(platform) as K8sObject[];
  expectValidManifests(objects, { crdKinds: ['monitoring.coreos.com/v1/ServiceMonitor', 'monitoring.coreos.com/v1/PodMonitor', 'monitoring.coreos.com/v1/PrometheusRule'] });
  return { objects, platform };
}

/** The platform's validation error for `props`, as thrown. */
export function platformErrorOf(props: AIInferencePlatformProps): InferscaleValidationError {
  try {
    new AIInferencePlatform(new App(), 'platform', props);
  } catch (e) {
    if (e instanceof InferscaleValidationError) return e;
    throw e;
  }
  throw new Error('expected AIInferencePlatform to reject the props');
}
