import * as pulumi from '@pulumi/pulumi';
import { App } from 'cdk8s';
import { AIInferencePlatform, AIInferencePlatformProps } from '../cdk8s/ai-inference-platform';
import { KubernetesObject, registerObjects } from './kubernetes-objects';

/** Args of {@link InferencePlatform}: the same props as the cdk8s `AIInferencePlatform`. */
export interface InferencePlatformArgs extends Omit<AIInferencePlatformProps, 'disableResourceNameHashes' | 'labels' | 'namespace'> {}

/**
 * The GPU inference platform as a Pulumi component: every object the cdk8s
 * `AIInferencePlatform` renders (namespaces, device plugin, DCGM exporter, Prometheus, the
 * Prometheus Adapter and its APIServices, the services) registered as a typed
 * @pulumi/kubernetes child, in apply order. Type token `inferscale:inference:InferencePlatform`.
 */
export class InferencePlatform extends pulumi.ComponentResource {
  /** The rendered objects, exactly as cdk8s synthesizes them. */
  public readonly objects: readonly KubernetesObject[];
  /** The registered children, in the order of `objects`. */
  public readonly children: readonly pulumi.CustomResource[];
  /** URL of the Prometheus the adapter reads. */
  public readonly prometheusUrl: pulumi.Output<string>;
  /** Names of the services. */
  public readonly serviceNames: pulumi.Output<string[]>;

  /**
   * @param name component name; also the chart name used while rendering
   * @param args the platform
   * @param opts pass `provider` to target a cluster other than the ambient kubeconfig
   * @throws InferscaleValidationError listing every problem in `args` and the wiring, before any resource is registered
   */
  public constructor(name: string, args: InferencePlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    const chart = new AIInferencePlatform(new App({ outdir: '/dev/null' }), name, args);
    const errors = chart.node.validate();
    if (errors.length) throw new Error(errors.join('\n'));
    const objects = chart.toJson() as KubernetesObject[];
    super('inferscale:inference:InferencePlatform', name, {}, opts);
    this.objects = objects;
    const registered = registerObjects(name, objects, { parent: this, ...(opts?.provider ? { provider: opts.provider } : {}) });
    this.children = objects.map((o) => registered.get(o)!);
    this.prometheusUrl = pulumi.output(chart.prometheus.url);
    this.serviceNames = pulumi.output(Object.values(chart.services).map((s) => s.spec.name));
    this.registerOutputs({ prometheusUrl: this.prometheusUrl, serviceNames: this.serviceNames });
  }
}
