import * as pulumi from '@pulumi/pulumi';
import { App } from 'cdk8s';
import { AIInferencePlatform, AIInferencePlatformProps } from '../cdk8s/ai-inference-platform';
import { InferscaleValidationError } from '../core/problems';
import { checkKubePrometheusStackUrl, installKubePrometheusStack, KubePrometheusStackInstallArgs } from './kube-prometheus-stack';
import { installKeda, KedaInstallArgs } from './keda';
import { KubernetesObject, registerObjects } from './kubernetes-objects';

/** Args of {@link InferencePlatform}: the same props as the cdk8s `AIInferencePlatform`, plus what only Pulumi can do. */
export interface InferencePlatformArgs extends Omit<AIInferencePlatformProps, 'disableResourceNameHashes' | 'labels' | 'namespace'> {
  /**
   * With `prometheus: PrometheusSource.existingKubePrometheusStack(...)`, also install that
   * stack (Helm release named after its `releaseLabel`, in the monitoring namespace) before the
   * platform's monitors. Its URL must then be `kubePrometheusStackUrl(releaseLabel, namespace)`.
   * @default - the stack is expected to exist already
   */
  readonly installKubePrometheusStack?: KubePrometheusStackInstallArgs;
  /**
   * When some service scales through KEDA (`autoscaler: "keda"`), install KEDA (chart
   * `CHARTS.keda`, release `keda` in `keda.namespace`) before the ScaledObjects; `false` when
   * the cluster already runs KEDA 2.17 or later.
   * @default {} - installed with the pinned chart when some service uses KEDA
   */
  readonly installKeda?: KedaInstallArgs | false;
}

/**
 * The GPU inference platform as a Pulumi component: every object the cdk8s
 * `AIInferencePlatform` renders (namespaces, device plugin, DCGM exporter, metrics-server,
 * Prometheus, the Prometheus Adapter and its APIServices, the services) registered as a typed
 * @pulumi/kubernetes child, in apply order: each APIService after the Service and Deployment
 * serving it. Pass `metricsServer: false` when the cluster already serves `metrics.k8s.io`
 * (the EKS `metrics-server` add-on). Type token `inferscale:inference:InferencePlatform`.
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
  /** The KEDA Helm release, when installed. */
  public readonly keda?: pulumi.Resource;

  /**
   * @param name component name; also the chart name used while rendering
   * @param args the platform
   * @param opts pass `provider` to target a cluster other than the ambient kubeconfig
   * @throws InferscaleValidationError listing every problem in `args` and the wiring, before any resource is registered
   */
  public constructor(name: string, args: InferencePlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    const { installKubePrometheusStack: install, installKeda: kedaInstall, ...props } = args;
    const chart = new AIInferencePlatform(new App({ outdir: '/dev/null' }), name, props);
    const errors = chart.node.validate();
    if (errors.length) throw new Error(errors.join('\n'));
    const stack = props.prometheus?.stackOptions;
    if (install) {
      const owner = `InferencePlatform "${name}"`;
      if (!stack) throw new InferscaleValidationError(owner, [{ path: 'installKubePrometheusStack', message: 'is set, but prometheus is not PrometheusSource.existingKubePrometheusStack(...); the stack to install is described there' }]);
      const problems = checkKubePrometheusStackUrl('prometheus.url', stack.url, stack.releaseLabel, chart.namespaceNames.monitoring);
      if (problems.length) throw new InferscaleValidationError(owner, problems);
    }
    const objects = chart.toJson() as KubernetesObject[];
    super('inferscale:inference:InferencePlatform', name, {}, opts);
    this.objects = objects;
    const childOpts: pulumi.CustomResourceOptions = { parent: this, ...(opts?.provider ? { provider: opts.provider } : {}) };
    // The stack brings the monitoring namespace and the ServiceMonitor/PodMonitor CRDs: install it first.
    const release = install && stack
      ? installKubePrometheusStack(name, stack.releaseLabel, chart.namespaceNames.monitoring, chart.prometheus.scrapeIntervalSeconds, install, childOpts)
      : undefined;
    // KEDA brings the ScaledObject CRD and serves external.metrics.k8s.io: the ScaledObjects wait for it.
    const keda = chart.kedaNamespace !== undefined && kedaInstall !== false
      ? installKeda(name, chart.kedaNamespace, kedaInstall ?? {}, childOpts)
      : undefined;
    this.keda = keda;
    const registered = registerObjects(name, objects, childOpts, release ? [release] : [], keda ? { ScaledObject: [keda] } : {});
    this.children = objects.map((o) => registered.get(o)!);
    this.prometheusUrl = pulumi.output(chart.prometheus.url);
    this.serviceNames = pulumi.output(Object.values(chart.services).map((s) => s.spec.name));
    this.registerOutputs({ prometheusUrl: this.prometheusUrl, serviceNames: this.serviceNames });
  }
}
