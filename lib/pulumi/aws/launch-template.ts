/**
 * The launch template every node group gets: instance metadata through IMDSv2 only, one hop (so
 * pods, one network hop further, cannot read the node role's credentials), and an encrypted gp3
 * volume of the group's size.
 *
 * A pod that is not on the host network can then not reach the instance metadata service. What
 * inferscale runs does without it: the cluster autoscaler gets `AWS_REGION`, service-account
 * roles (IRSA) get their region and credentials from the EKS pod identity webhook, and the VPC
 * CNI runs on the host network.
 *
 * @see https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html#_restrict_access_to_the_instance_profile_assigned_to_the_worker_node
 * @see https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html
 */

/** Instance metadata options of every node: IMDSv2 required, hop limit 1. */
export const NODE_METADATA_OPTIONS = Object.freeze({ httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 });

/** Root device of the AL2023 EKS AMIs (and Bottlerocket's small OS volume). */
export const ROOT_DEVICE = '/dev/xvda';

/** Bottlerocket keeps images and container storage on a second, data volume. */
export const BOTTLEROCKET_DATA_DEVICE = '/dev/xvdb';

/** What a node launch template needs. */
export interface NodeLaunchTemplateOptions {
  /** EKS AMI type of the group, e.g. `AL2023_x86_64_NVIDIA`. */
  readonly amiType: string;
  /** Size of the volume that holds images and pod storage, GiB. */
  readonly diskSizeGiB: number;
  /** User data (Bottlerocket TOML settings), plain text. @default - none */
  readonly userData?: string;
  /** Description of the template. */
  readonly description: string;
}

/** The launch template's args (for `aws.ec2.LaunchTemplate`), as plain data. */
export interface NodeLaunchTemplateArgs {
  /** Description. */
  readonly description: string;
  /** IMDS options. */
  readonly metadataOptions: { readonly httpEndpoint: string; readonly httpTokens: string; readonly httpPutResponseHopLimit: number };
  /** The one volume inferscale sizes. */
  readonly blockDeviceMappings: {
    /** Device name. */
    readonly deviceName: string;
    /** The EBS volume. */
    readonly ebs: {
      /** GiB. */
      readonly volumeSize: number;
      /** Always gp3. */
      readonly volumeType: 'gp3';
      /** Always "true". */
      readonly encrypted: 'true';
      /** Always "true": the volume goes with the node. */
      readonly deleteOnTermination: 'true';
    };
  }[];
  /** Base64 user data, when there is some. */
  readonly userData?: string;
}

/**
 * Args of a node group's launch template. The volume is the root volume for AL2023 and the
 * data volume for Bottlerocket; EKS refuses `diskSize` on a node group that has a launch
 * template, so the size lives here.
 */
export function nodeLaunchTemplateArgs(options: NodeLaunchTemplateOptions): NodeLaunchTemplateArgs {
  const device = options.amiType.startsWith('BOTTLEROCKET_') ? BOTTLEROCKET_DATA_DEVICE : ROOT_DEVICE;
  return {
    description: options.description,
    metadataOptions: NODE_METADATA_OPTIONS,
    blockDeviceMappings: [{ deviceName: device, ebs: { volumeSize: options.diskSizeGiB, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' } }],
    ...(options.userData ? { userData: Buffer.from(options.userData).toString('base64') } : {}),
  };
}
