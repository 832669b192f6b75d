import { isDnsSubdomain } from '../names';
import { Problem, show } from '../problems';

/** Options of an EBS gp3 StorageClass ({@link resolveEbsStorageClass}). */
export interface EbsStorageClassProps {
  /** StorageClass name, which claims name in `storageClassName`. @default "gp3" */
  readonly name?: string;
  /**
   * Mark it as the cluster's default StorageClass (`storageclass.kubernetes.io/is-default-class`),
   * so claims that name no class bind to it. Leave off when the cluster has a default already:
   * two defaults make the API server pick the newest.
   * @default false
   */
  readonly defaultClass?: boolean;
}

/** A StorageClass with every field resolved, as the platform renders it. */
export interface ResolvedStorageClass {
  /** Object name. */
  readonly name: string;
  /** CSI driver that provisions the volumes. */
  readonly provisioner: string;
  /** Driver parameters. */
  readonly parameters: Readonly<Record<string, string>>;
  /** When a volume is created and bound. */
  readonly volumeBindingMode: 'WaitForFirstConsumer' | 'Immediate';
  /** What happens to a volume when its claim is deleted. */
  readonly reclaimPolicy: 'Delete' | 'Retain';
  /** Whether a claim may grow. */
  readonly allowVolumeExpansion: boolean;
  /** Annotations (the default-class marker, when asked for). */
  readonly annotations: Readonly<Record<string, string>>;
}

/** The EBS CSI driver's provisioner name. */
export const EBS_CSI_PROVISIONER = 'ebs.csi.aws.com';
/** Annotation marking the cluster's default StorageClass. */
export const DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

/**
 * An encrypted gp3 StorageClass of the EBS CSI driver, binding each volume in the zone its pod
 * is scheduled to (`WaitForFirstConsumer`; EBS volumes are zonal), deleted with its claim and
 * expandable. The same class the Pulumi environment installs with the `aws-ebs-csi-driver` add-on.
 *
 * The driver must run on the cluster: EKS installs no CSI driver by itself (the EKS add-on
 * `aws-ebs-csi-driver`, with an IAM role for its controller, provides it).
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html
 * @see https://github.com/kubernetes-sigs/aws-ebs-csi-driver/blob/master/docs/parameters.md
 */
export function resolveEbsStorageClass(props: EbsStorageClassProps = {}): {
  /** The StorageClass with every field resolved; absent when there is any problem. */
  spec?: ResolvedStorageClass;
  /** Every invalid prop, with its path relative to the props; empty when valid. */
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const name = props.name ?? 'gp3';
  if (typeof name !== 'string' || !isDnsSubdomain(name)) {
    problems.push({ path: 'name', message: `is ${show(name)}; expected a StorageClass name (a DNS-1123 subdomain) such as "gp3"` });
  }
  if (props.defaultClass !== undefined && typeof props.defaultClass !== 'boolean') {
    problems.push({ path: 'defaultClass', message: `is ${show(props.defaultClass)}; expected true or false` });
  }
  if (problems.length) return { problems };
  return {
    problems,
    spec: {
      name,
      provisioner: EBS_CSI_PROVISIONER,
      parameters: { encrypted: 'true', type: 'gp3' },
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Delete',
      allowVolumeExpansion: true,
      annotations: props.defaultClass ? { [DEFAULT_STORAGE_CLASS_ANNOTATION]: 'true' } : {},
    },
  };
}
