import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { AddonVersionOptions, managedAddon } from '../../lib/pulumi/aws/addons';
import { managedPolicyArn, serviceAccountTrustPolicy } from '../../lib/pulumi/aws/iam-policies';

/** Service account of the EBS CSI controller, as the EKS add-on creates it. */
export const EBS_CSI_SERVICE_ACCOUNT = { namespace: 'kube-system', name: 'ebs-csi-controller-sa' } as const;

/** The AWS managed policy the EBS CSI controller needs (under the `service-role/` path). */
export const EBS_CSI_POLICY = 'service-role/AmazonEBSCSIDriverPolicy';

/** Annotation that makes a StorageClass the cluster's default. */
export const DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

/** Args of {@link EbsCsiStorage}. */
export interface EbsCsiStorageArgs {
  /** EKS cluster name. */
  readonly clusterName: pulumi.Input<string>;
  /** The cluster's Kubernetes version `1.NN`, for the add-on version. */
  readonly kubernetesVersion: string;
  /** How the add-on version is chosen (the environment's `addons` options). @default - EKS's default version for `kubernetesVersion` */
  readonly addonVersions?: AddonVersionOptions;
  /** ARN of the cluster's IAM OIDC provider. */
  readonly oidcProviderArn: pulumi.Input<string>;
  /** The cluster's OIDC issuer URL. */
  readonly oidcProviderUrl: pulumi.Input<string>;
  /** Kubernetes provider of the cluster, for the StorageClass. */
  readonly kubernetesProvider: k8s.Provider;
  /** Name of the StorageClass. */
  readonly storageClassName: string;
  /** Mark the StorageClass as the cluster's default. */
  readonly defaultClass: boolean;
  /**
   * Nodes the add-on's controller runs on: the add-on only turns ACTIVE once its pods run, so it
   * waits for them. @default - none
   */
  readonly nodeGroups?: readonly pulumi.Resource[];
  /** AWS partition of the managed policy ARN. @default "aws" */
  readonly partition?: string;
  /** AWS tags. @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Dynamic EBS volumes for a new EKS cluster: the `aws-ebs-csi-driver` EKS add-on with an IAM
 * role only its controller's service account can assume (IRSA, `AmazonEBSCSIDriverPolicy`), and
 * an encrypted gp3 StorageClass binding volumes where the pod lands (`WaitForFirstConsumer`).
 *
 * EKS installs no CSI driver by itself, and since Kubernetes 1.30 its gp2 class is not the
 * default, so a PersistentVolumeClaim (the embedded Prometheus' TSDB) would otherwise stay
 * Pending. The add-on version is resolved for the cluster's Kubernetes version (or pinned), and
 * conflicts are overwritten, as for the environment's add-ons.
 *
 * Teardown: whatever mounts a volume of this class must depend on `addon` (the program makes
 * the PersistentVolumeClaims and the pods that mount them do so), so `pulumi destroy` deletes
 * the claim, and the driver deletes its EBS volume, before the driver itself goes.
 *
 * Children (for component name `storage`): `storage-role`, `storage-role-AmazonEBSCSIDriverPolicy`,
 * `storage-addon`, `storage-storageclass`. Type token `inferscale:aws:EbsCsiStorage`.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html
 * @see https://github.com/kubernetes-sigs/aws-ebs-csi-driver/blob/master/docs/parameters.md
 */
export class EbsCsiStorage extends pulumi.ComponentResource {
  /** IAM role of the EBS CSI controller. */
  public readonly role: aws.iam.Role;
  /** The EKS add-on. */
  public readonly addon: aws.eks.Addon;
  /** The StorageClass. */
  public readonly storageClass: k8s.storage.v1.StorageClass;
  /** Name of the StorageClass. */
  public readonly storageClassName: pulumi.Output<string>;

  /**
   * @param name component name; prefix of every child name
   * @param args cluster, OIDC provider and the StorageClass
   * @param opts pass `provider` (an `aws.Provider`) to target another account or region
   */
  public constructor(name: string, args: EbsCsiStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super('inferscale:aws:EbsCsiStorage', name, {}, opts);
    const awsOpts = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({ parent: this, ...(opts?.provider ? { provider: opts.provider } : {}), ...extra });
    const tags = { ...(args.tags ?? {}) };

    this.role = new aws.iam.Role(`${name}-role`, {
      assumeRolePolicy: pulumi.all([args.oidcProviderArn, args.oidcProviderUrl]).apply(([arn, url]) => JSON.stringify(serviceAccountTrustPolicy(arn, url, EBS_CSI_SERVICE_ACCOUNT))),
      description: `EBS CSI controller (service account ${EBS_CSI_SERVICE_ACCOUNT.namespace}/${EBS_CSI_SERVICE_ACCOUNT.name})`,
      tags,
    }, awsOpts());
    const attachment = new aws.iam.RolePolicyAttachment(`${name}-role-${EBS_CSI_POLICY.split('/').pop()}`, {
      role: this.role.name,
      policyArn: managedPolicyArn(EBS_CSI_POLICY, args.partition ?? 'aws'),
    }, awsOpts());
    this.addon = managedAddon(`${name}-addon`, {
      clusterName: args.clusterName,
      addonName: 'aws-ebs-csi-driver',
      kubernetesVersion: args.kubernetesVersion,
      versions: args.addonVersions ?? {},
      serviceAccountRoleArn: this.role.arn,
      tags,
    }, awsOpts({ dependsOn: [attachment, ...(args.nodeGroups ?? [])] }));
    this.storageClass = new k8s.storage.v1.StorageClass(`${name}-storageclass`, {
      metadata: {
        name: args.storageClassName,
        ...(args.defaultClass ? { annotations: { [DEFAULT_STORAGE_CLASS_ANNOTATION]: 'true' } } : {}),
      },
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true' },
      // Create the volume in the zone the pod is scheduled to, not a random one.
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Delete',
      allowVolumeExpansion: true,
    }, { parent: this, provider: args.kubernetesProvider, dependsOn: [this.addon] });
    this.storageClassName = this.storageClass.metadata.name;
    this.registerOutputs({ storageClassName: this.storageClassName });
  }
}
