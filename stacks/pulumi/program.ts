import * as pulumi from '@pulumi/pulumi';
import { InferscaleValidationError, show } from '../../lib/core/problems';
import { InferenceEnvironment } from '../../lib/pulumi/inference-environment';
import { InferencePlatform } from '../../lib/pulumi/inference-platform';
import { EbsCsiStorage } from './ebs-csi-storage';
import { ENVIRONMENT_NAME, PLATFORM_NAME, planStack, StackPlan, STORAGE_NAME } from './plan';
import { readStackConfig } from './stack-config';

/** Stack outputs of the program. */
export interface ProgramOutputs {
  /** EKS cluster name. */
  readonly clusterName: pulumi.Output<string>;
  /** AWS region of the cluster: the AWS provider's. */
  readonly region: pulumi.Output<string>;
  /** Kubeconfig of the cluster (secret; authenticates through `aws eks get-token`). */
  readonly kubeconfig: pulumi.Output<string>;
  /** Names of the EKS node groups: system first, then the GPU node groups in order. */
  readonly nodeGroupNames: pulumi.Output<string[]>;
  /** In-cluster URL of each service by id, e.g. `{ llm: "http://llm.inference.svc.cluster.local" }`. */
  readonly serviceEndpoints: Readonly<Record<string, string>>;
  /** URL of the Prometheus the adapter reads, in the cluster. */
  readonly prometheusUrl: pulumi.Output<string>;
}

/** What the program created. */
export interface Program {
  /** Every decision, made before any resource was registered. */
  readonly plan: StackPlan;
  /** VPC, cluster, node groups, cluster autoscaler, Kubernetes provider. */
  readonly environment: InferenceEnvironment;
  /** EBS CSI driver and StorageClass, when installed. */
  readonly storage?: EbsCsiStorage;
  /** Namespaces, device plugin, DCGM exporter, Prometheus, adapter and services. */
  readonly platform: InferencePlatform;
  /** The stack outputs. */
  readonly outputs: ProgramOutputs;
}

/**
 * How long the Kubernetes provider waits for a Deployment to become ready. Its default of 10
 * minutes is too short for a model server on a GPU pool that scales from zero: a GPU node takes
 * minutes to launch and join, a multi-gigabyte server image to pull, and the model to download
 * and load (`model.loadTimeSeconds`).
 */
export const DEPLOYMENT_READY_TIMEOUT = '30m';

/** Kubernetes types whose objects may own or mount a PersistentVolumeClaim. */
const VOLUME_TYPES = new Set([
  'kubernetes:core/v1:PersistentVolumeClaim',
  'kubernetes:apps/v1:Deployment',
  'kubernetes:apps/v1:StatefulSet',
  'kubernetes:apps/v1:DaemonSet',
  'kubernetes:batch/v1:Job',
  // A chart's objects are not visible one by one; its release may hold claims (kube-prometheus-stack's Prometheus).
  'kubernetes:helm.sh/v3:Release',
]);

/** Whether a Kubernetes object (as registered: type and props) holds or mounts a PersistentVolumeClaim. */
export function usesPersistentVolume(type: string, props: Record<string, unknown>): boolean {
  if (!VOLUME_TYPES.has(type)) return false;
  if (type === 'kubernetes:core/v1:PersistentVolumeClaim' || type === 'kubernetes:helm.sh/v3:Release') return true;
  const spec = props.spec as { template?: { spec?: { volumes?: { persistentVolumeClaim?: unknown }[] } }; volumeClaimTemplates?: unknown[] } | undefined;
  return (spec?.volumeClaimTemplates?.length ?? 0) > 0 || (spec?.template?.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim !== undefined);
}

/**
 * A transformation for every child of the platform: it depends on `dependencies` (the
 * environment), so the engine records that the Kubernetes objects need the nodes, the add-ons and
 * the cluster autoscaler; an object that holds or mounts a PersistentVolumeClaim also depends on
 * `volumeDependencies` (the EBS CSI add-on and its StorageClass), so the claim binds on
 * `pulumi up`, and on `pulumi destroy` the claim (and the EBS volume the driver deletes for it)
 * goes before the driver does; and Deployments wait {@link DEPLOYMENT_READY_TIMEOUT} for rollout.
 */
export function platformChildOptions(dependencies: readonly pulumi.Resource[], volumeDependencies: readonly pulumi.Resource[] = []): pulumi.ResourceTransformation {
  return (args) => {
    if (!args.type.startsWith('kubernetes:')) return undefined;
    const volumes = volumeDependencies.length > 0 && usesPersistentVolume(args.type, args.props);
    const extra: pulumi.CustomResourceOptions = {
      dependsOn: [...dependencies, ...(volumes ? volumeDependencies : [])],
      ...(args.type === 'kubernetes:apps/v1:Deployment' ? { customTimeouts: { create: DEPLOYMENT_READY_TIMEOUT, update: DEPLOYMENT_READY_TIMEOUT } } : {}),
    };
    return { props: args.props, opts: pulumi.mergeOptions(args.opts, extra) };
  };
}

/**
 * The Pulumi program: a whole GPU inference environment on AWS from the stack config
 * (`inferscale:environment`, `inferscale:services`, `inferscale:platform`, `inferscale:storage`;
 * see `Pulumi.dev.yaml`).
 *
 * Creates the `InferenceEnvironment` (VPC, EKS cluster, system and GPU node groups, cluster
 * autoscaler, Kubernetes provider), the EBS CSI driver with a gp3 StorageClass for a new cluster,
 * and the `InferencePlatform` on the environment's provider, with the environment's GPU pools
 * (the same descriptions), no device plugin when every pool's AMI ships one, and the services.
 *
 * Every problem in the config (parsing, the environment's resolver, each service, the
 * platform's wiring, GPU services that cannot fit their nodes) is collected and thrown together
 * before any resource is registered.
 *
 * @param config the `inferscale` config namespace
 * @throws InferscaleValidationError listing every problem in the stack config
 */
export function program(config: pulumi.Config = new pulumi.Config('inferscale')): Program {
  const read = readStackConfig(config);
  const { plan, problems } = planStack(read.values);
  const all = [...read.problems, ...problems.filter((p) => !read.problems.some((r) => r.path === p.path))];
  if (all.length > 0 || !plan) throw new InferscaleValidationError(`Stack config ${show(pulumi.getStack())}`, all);

  const environment = new InferenceEnvironment(ENVIRONMENT_NAME, plan.environmentArgs);

  const storage = plan.storage
    ? new EbsCsiStorage(STORAGE_NAME, {
      clusterName: environment.clusterName,
      kubernetesVersion: plan.environment.kubernetesVersion,
      ...(plan.environment.addons ? { addonVersions: plan.environment.addons.versions } : {}),
      oidcProviderArn: environment.oidcProviderArn,
      oidcProviderUrl: environment.oidcProviderUrl,
      kubernetesProvider: environment.provider,
      storageClassName: plan.storage.storageClassName,
      defaultClass: plan.storage.defaultClass,
      nodeGroups: environment.systemNodeGroup ? [environment.systemNodeGroup] : [],
      partition: plan.environment.partition,
      tags: plan.environment.tags,
    })
    : undefined;

  const platform = new InferencePlatform(PLATFORM_NAME, plan.platformArgs, {
    provider: environment.provider,
    dependsOn: [environment],
    transformations: [platformChildOptions([environment], storage ? [storage.addon, storage.storageClass] : [])],
  });

  return {
    plan,
    environment,
    ...(storage ? { storage } : {}),
    platform,
    outputs: {
      clusterName: environment.clusterName,
      region: environment.region,
      kubeconfig: pulumi.secret(environment.kubeconfig),
      nodeGroupNames: environment.nodeGroupNames,
      serviceEndpoints: plan.endpoints,
      prometheusUrl: platform.prometheusUrl,
    },
  };
}
