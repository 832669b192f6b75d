import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { ResolvedGpuNodePool } from '../core/gpu-node-pool';
import { GpuHeadroomProps, HEADROOM_PRIORITY, resolveGpuHeadroom, ResolvedGpuHeadroom } from '../core/platform/headroom';
import { InferscaleValidationError } from '../core/problems';
import { restrictedContainerSecurityContext } from './security';

export type { GpuHeadroomProps, ResolvedGpuHeadroom } from '../core/platform/headroom';

/** UID and GID of the pause image's own user (`65535`), so the pod passes Pod Security "restricted". */
const PAUSE_UID = 65535;

/**
 * Warm GPU nodes for one pool: a Deployment of pause pods, each requesting a whole node's GPUs
 * at priority {@link HEADROOM_PRIORITY} (a PriorityClass below every workload, never preempting).
 * The cluster autoscaler keeps a node for each; a replica that finds no free GPU preempts one
 * at once and starts on a node that is already up, with its images (see `ImagePrepull`). The
 * evicted placeholder goes Pending and the autoscaler adds a node for it.
 *
 * The PriorityClass is cluster-scoped and shared: render it once per cluster
 * ({@link GpuHeadroom.renderPriorityClass}); `AIInferencePlatform` does.
 *
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/
 */
export class GpuHeadroom extends Construct {
  /**
   * The shared PriorityClass (value -1, `preemptionPolicy: Never`, not the global default).
   * @param scope where to add it (id `HeadroomPriorityClass`)
   */
  public static renderPriorityClass(scope: Construct): k8s.KubePriorityClass {
    return new k8s.KubePriorityClass(scope, 'HeadroomPriorityClass', {
      metadata: { name: HEADROOM_PRIORITY.name, labels: { 'app.kubernetes.io/managed-by': 'inferscale' } },
      value: HEADROOM_PRIORITY.value,
      preemptionPolicy: 'Never',
      globalDefault: false,
      description: 'Placeholder pods holding warm GPU nodes; any workload preempts them.',
    });
  }

  /** Every default resolved. */
  public readonly spec: ResolvedGpuHeadroom;
  /** The placeholder Deployment (id `Resource`). */
  public readonly deployment: k8s.KubeDeployment;

  /**
   * @param props the headroom
   * @param pools the platform's resolved GPU pools
   * @param namespace namespace of the placeholders (Pod Security "restricted" is enough)
   * @throws InferscaleValidationError naming `pool`, `nodes` or `image`
   */
  public constructor(scope: Construct, id: string, props: GpuHeadroomProps, pools: readonly ResolvedGpuNodePool[], namespace: string) {
    super(scope, id);
    const { spec, problems } = resolveGpuHeadroom(props, pools);
    if (!spec) throw new InferscaleValidationError(`GpuHeadroom "${this.node.path}"`, problems);
    this.spec = spec;
    const labels = { ...spec.selectorLabels };
    const gpus = k8s.Quantity.fromNumber(spec.gpuRequest.count);
    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name: spec.name, namespace, labels },
      spec: {
        replicas: spec.nodes,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            priorityClassName: spec.priorityClassName,
            // Preempted placeholders hold nothing worth a grace period: free the GPUs at once.
            terminationGracePeriodSeconds: 0,
            automountServiceAccountToken: false,
            nodeSelector: { ...spec.nodeSelector },
            tolerations: spec.tolerations.map((t) => ({ ...t })),
            securityContext: { runAsNonRoot: true, runAsUser: PAUSE_UID, runAsGroup: PAUSE_UID, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'pause',
              image: spec.image,
              securityContext: restrictedContainerSecurityContext(true),
              resources: {
                requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('16Mi'), [spec.gpuRequest.resourceName]: gpus },
                limits: { memory: k8s.Quantity.fromString('16Mi'), [spec.gpuRequest.resourceName]: gpus },
              },
            }],
          },
        },
      },
    });
  }
}
