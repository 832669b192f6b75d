import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { ResolvedGpuNodePool } from '../core/gpu-node-pool';
import { ImagePrepullProps, ResolvedImagePrepull, resolveImagePrepull } from '../core/platform/image-prepull';
import { InferscaleValidationError } from '../core/problems';
import { restrictedContainerSecurityContext } from './security';

export type { ImagePrepullProps, ResolvedImagePrepull } from '../core/platform/image-prepull';

/** `nobody`: the init containers run a no-op, so any non-root UID does, with or without a passwd entry. */
const NOBODY = 65534;

/**
 * A DaemonSet on GPU pools that pulls the model-server images on every node as it joins: one
 * init container per image runs `command` (`true`) and exits; the pod then sleeps in a pause
 * container. A replica later scheduled on the node finds its image there and skips the pull.
 * Requests are tiny (10m CPU, 16Mi memory per container), so it fits beside any replica.
 *
 * @see https://kubernetes.io/docs/concepts/containers/images/#pre-pulled-images
 * @see https://kubernetes.io/docs/concepts/workloads/pods/init-containers/
 */
export class ImagePrepull extends Construct {
  /** Every default resolved. */
  public readonly spec: ResolvedImagePrepull;
  /** The DaemonSet (id `Resource`). */
  public readonly daemonSet: k8s.KubeDaemonSet;

  /**
   * @param props what to pull and where
   * @param pools the platform's resolved GPU pools
   * @param serviceImages images of the GPU services (the default list)
   * @param namespace namespace of the DaemonSet (Pod Security "restricted" is enough)
   * @throws InferscaleValidationError naming `images[i]`, `pools[i]` or `command`
   */
  public constructor(scope: Construct, id: string, props: ImagePrepullProps, pools: readonly ResolvedGpuNodePool[], serviceImages: readonly string[], namespace: string) {
    super(scope, id);
    const { spec, problems } = resolveImagePrepull(props, pools, serviceImages);
    if (!spec) throw new InferscaleValidationError(`ImagePrepull "${this.node.path}"`, problems);
    this.spec = spec;
    const labels = { ...spec.selectorLabels };
    const resources: k8s.ResourceRequirements = {
      requests: { cpu: k8s.Quantity.fromString(spec.resources.requests.cpu), memory: k8s.Quantity.fromString(spec.resources.requests.memory) },
      limits: { memory: k8s.Quantity.fromString(spec.resources.limits.memory) },
    };
    this.daemonSet = new k8s.KubeDaemonSet(this, 'Resource', {
      metadata: { name: spec.name, namespace, labels },
      spec: {
        selector: { matchLabels: labels },
        // A new image list rolls out node by node; the old pods hold nothing.
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromString('100%') } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 0,
            affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: spec.poolLabel, operator: 'In', values: [...spec.pools] }] }] } } },
            tolerations: spec.tolerations.map((t) => ({ ...t })),
            securityContext: { runAsNonRoot: true, runAsUser: NOBODY, runAsGroup: NOBODY, seccompProfile: { type: 'RuntimeDefault' } },
            initContainers: spec.images.map((image, i) => ({
              name: `pull-${i}`,
              image,
              imagePullPolicy: 'IfNotPresent',
              command: [...spec.command],
              securityContext: restrictedContainerSecurityContext(true),
              resources,
            })),
            containers: [{ name: 'pause', image: spec.pauseImage, securityContext: restrictedContainerSecurityContext(true), resources }],
          },
        },
      },
    });
  }
}
