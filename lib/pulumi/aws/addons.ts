import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { Problem, show } from '../../core/problems';

/**
 * The EKS add-ons inferscale manages: the three a cluster needs to run pods (the VPC CNI,
 * kube-proxy, CoreDNS), the metrics server (the `metrics.k8s.io` API that CPU and memory
 * HPA metrics read), and the EBS CSI driver (dynamic volumes).
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/eks-add-ons.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/community-addons.html#addon-ms
 */
export type ManagedAddonName = 'vpc-cni' | 'kube-proxy' | 'coredns' | 'metrics-server' | 'aws-ebs-csi-driver';

/** Every add-on name inferscale manages, in the order the environment creates them. */
export const MANAGED_ADDON_NAMES: readonly ManagedAddonName[] = Object.freeze(['vpc-cni', 'kube-proxy', 'coredns', 'metrics-server', 'aws-ebs-csi-driver']);

/** Add-ons nodes need before they become Ready: node groups wait for these. */
export const NODE_NETWORK_ADDONS: readonly ManagedAddonName[] = Object.freeze(['vpc-cni', 'kube-proxy']);

/**
 * Add-ons whose pods must be scheduled before EKS reports them ACTIVE (Deployments on
 * untainted nodes): they wait for the system node group.
 */
export const SCHEDULED_ADDONS: readonly ManagedAddonName[] = Object.freeze(['coredns', 'metrics-server', 'aws-ebs-csi-driver']);

/** How add-on versions are chosen. */
export interface AddonVersionOptions {
  /**
   * Take the newest version EKS publishes for the cluster's Kubernetes version instead of its
   * default one. The default version moves only when EKS changes it, so an unrelated `pulumi up`
   * does not upgrade an add-on; the newest one moves with every add-on release.
   * @default false
   */
  readonly mostRecent?: boolean;
  /** Pinned versions by add-on name, e.g. `{ "vpc-cni": "v1.20.4-eksbuild.1" }`. @default - resolved for the Kubernetes version */
  readonly versions?: Readonly<Partial<Record<ManagedAddonName, string>>>;
}

/** Add-on version strings as EKS spells them: `v1.20.4-eksbuild.1`. */
const ADDON_VERSION = /^v\d+\.\d+\.\d+(-eksbuild\.\d+)?$/;

/** Checks add-on version options; paths are relative to `path`. */
export function checkAddonVersionOptions(path: string, options: AddonVersionOptions): Problem[] {
  const problems: Problem[] = [];
  if (options.mostRecent !== undefined && typeof options.mostRecent !== 'boolean') {
    problems.push({ path: `${path}.mostRecent`, message: `is ${show(options.mostRecent)}; expected true or false` });
  }
  for (const [name, version] of Object.entries(options.versions ?? {})) {
    if (!(MANAGED_ADDON_NAMES as readonly string[]).includes(name)) {
      problems.push({ path: `${path}.versions[${show(name)}]`, message: `is not an add-on inferscale manages; expected one of ${MANAGED_ADDON_NAMES.join(', ')}` });
    } else if (typeof version !== 'string' || !ADDON_VERSION.test(version)) {
      problems.push({ path: `${path}.versions[${show(name)}]`, message: `is ${show(version)}; expected an EKS add-on version such as "v1.20.4-eksbuild.1" (aws eks describe-addon-versions --addon-name ${name})` });
    }
  }
  return problems;
}

/** Args of {@link managedAddon}. */
export interface ManagedAddonArgs {
  /** Cluster name (an output of the cluster, so the add-on waits for it, or the name of an existing one). */
  readonly clusterName: pulumi.Input<string>;
  /** Which add-on. */
  readonly addonName: ManagedAddonName;
  /** The cluster's Kubernetes version `1.NN`, for the version lookup. */
  readonly kubernetesVersion: string;
  /** How the version is chosen. */
  readonly versions: AddonVersionOptions;
  /** IAM role of the add-on's service account (IRSA). @default - none: the add-on uses the node role */
  readonly serviceAccountRoleArn?: pulumi.Input<string>;
  /** AWS tags. */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * One EKS add-on, its version pinned by `versions.versions[addonName]` or resolved for the
 * cluster's Kubernetes version (`aws.eks.getAddonVersion`), so raising `kubernetesVersion`
 * upgrades it with the cluster. Conflicts are resolved by overwriting, on create and on update:
 * a new cluster comes with self-managed copies of vpc-cni, kube-proxy and CoreDNS, which the
 * add-on takes over instead of failing, and a later edit made by hand in the cluster is reset.
 *
 * @param name Pulumi logical name
 * @param opts parent, provider, dependsOn; the version lookup uses the same parent and provider
 * @see https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAddon.html (resolveConflicts)
 */
export function managedAddon(name: string, args: ManagedAddonArgs, opts: pulumi.CustomResourceOptions): aws.eks.Addon {
  const pinned = args.versions.versions?.[args.addonName];
  const version = pinned ?? aws.eks.getAddonVersionOutput({
    addonName: args.addonName,
    kubernetesVersion: args.kubernetesVersion,
    mostRecent: args.versions.mostRecent ?? false,
  }, { parent: opts.parent, ...(opts.provider ? { provider: opts.provider } : {}) }).version;
  return new aws.eks.Addon(name, {
    clusterName: args.clusterName,
    addonName: args.addonName,
    addonVersion: version,
    resolveConflictsOnCreate: 'OVERWRITE',
    resolveConflictsOnUpdate: 'OVERWRITE',
    ...(args.serviceAccountRoleArn !== undefined ? { serviceAccountRoleArn: args.serviceAccountRoleArn } : {}),
    tags: { ...args.tags },
  }, opts);
}
