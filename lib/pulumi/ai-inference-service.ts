import * as pulumi from '@pulumi/pulumi';
import { App, Chart } from 'cdk8s';
import { AIInferenceService as AIInferenceServiceConstruct, AIInferenceServiceProps } from '../cdk8s/ai-inference-service';
import { InferscaleValidationError, ResolvedInferenceService } from '../core';
import { KubernetesObject, registerObject } from './kubernetes-objects';

/**
 * Args of {@link AIInferenceService}: the same props as the cdk8s construct. With
 * `autoscaler: "keda"`, give `keda: { prometheusUrl }`; KEDA must run in the cluster (the
 * `InferencePlatform` installs it, a lone service does not).
 */
export interface AIInferenceServiceArgs extends AIInferenceServiceProps {}

/**
 * An autoscaled model server as a Pulumi component: the Deployment, Service, ServiceAccount,
 * PodDisruptionBudget and HorizontalPodAutoscaler (or KEDA ScaledObject) that the cdk8s `AIInferenceService` renders,
 * each registered as a typed @pulumi/kubernetes child of this component.
 *
 * Type token `inferscale:inference:AIInferenceService`. Child names are
 * `<component name>-<kind>`, so two components never collide.
 */
export class AIInferenceService extends pulumi.ComponentResource {
  /** Every default resolved. */
  public readonly spec: ResolvedInferenceService;
  /** The rendered objects, in order, exactly as cdk8s synthesizes them. */
  public readonly objects: readonly KubernetesObject[];
  /** The registered children by kind (`Deployment`, `HorizontalPodAutoscaler`, ...). */
  public readonly children: Readonly<Record<string, pulumi.CustomResource>>;
  /** Name of the Kubernetes objects. */
  public readonly serviceName: pulumi.Output<string>;

  /**
   * @param name component name; also the default service name
   * @param args the service
   * @param opts pass `provider` to target a cluster other than the ambient kubeconfig
   * @throws InferscaleValidationError listing every problem in `args`, before any resource is registered
   */
  public constructor(name: string, args: AIInferenceServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const { spec: service, objects } = renderService(name, args);
    super('inferscale:inference:AIInferenceService', name, {}, opts);
    this.spec = service;
    this.objects = objects;
    const children: Record<string, pulumi.CustomResource> = {};
    for (const obj of this.objects) children[obj.kind] = registerObject(`${name}-${obj.kind.toLowerCase()}`, obj, { parent: this, ...(opts?.provider ? { provider: opts.provider } : {}) });
    this.children = children;
    this.serviceName = pulumi.output(service.name);
    this.registerOutputs({ serviceName: this.serviceName });
  }
}

/** What {@link renderService} returns. */
export interface RenderedService {
  /** Every default resolved. */
  readonly spec: ResolvedInferenceService;
  /** The objects, exactly as cdk8s synthesizes them. */
  readonly objects: KubernetesObject[];
}

/**
 * Renders the cdk8s construct in a throw-away in-memory app: its resolved spec and objects.
 * @throws InferscaleValidationError owned by `AIInferenceService "<id>"` (not the throw-away chart's path)
 */
export function renderService(id: string, props: AIInferenceServiceProps): RenderedService {
  const chart = new Chart(new App({ outdir: '/dev/null' }), 'inferscale', { disableResourceNameHashes: true });
  let construct: AIInferenceServiceConstruct;
  try {
    construct = new AIInferenceServiceConstruct(chart, id, props);
  } catch (e) {
    if (e instanceof InferscaleValidationError) throw new InferscaleValidationError(`AIInferenceService "${id}"`, e.problems);
    throw e;
  }
  const errors = chart.node.validate();
  if (errors.length) throw new Error(errors.join('\n'));
  return { spec: construct.spec, objects: chart.toJson() as KubernetesObject[] };
}
