import { Problem, show } from '../../core/problems';

/**
 * EKS managed node group AMI types inferscale accepts, and what each implies, as pure values.
 *
 * @see https://docs.aws.amazon.com/eks/latest/APIReference/API_Nodegroup.html#AmazonEKS-Type-Nodegroup-amiType
 */

/** CPU architecture of an AMI or an instance type. */
export type CpuArchitecture = 'x86_64' | 'arm64';

/** What an AMI type implies for the nodes. */
export interface AmiTypeInfo {
  /** CPU architecture the AMI is built for. */
  readonly architecture: CpuArchitecture;
  /** Whether the AMI carries the NVIDIA driver and container toolkit. */
  readonly nvidia: boolean;
  /**
   * Whether the AMI already runs the NVIDIA device plugin: Bottlerocket NVIDIA variants do, so
   * the platform must not deploy a second one on those nodes.
   */
  readonly shipsDevicePlugin: boolean;
}

/** AMI types for GPU node groups. `AL2_x86_64_GPU` is past end of support and not accepted. */
export const GPU_AMI_TYPES: Readonly<Record<string, AmiTypeInfo>> = {
  AL2023_x86_64_NVIDIA: { architecture: 'x86_64', nvidia: true, shipsDevicePlugin: false },
  AL2023_ARM_64_NVIDIA: { architecture: 'arm64', nvidia: true, shipsDevicePlugin: false },
  BOTTLEROCKET_x86_64_NVIDIA: { architecture: 'x86_64', nvidia: true, shipsDevicePlugin: true },
  BOTTLEROCKET_ARM_64_NVIDIA: { architecture: 'arm64', nvidia: true, shipsDevicePlugin: true },
};

/** AMI types for the system (CPU) node group. */
export const SYSTEM_AMI_TYPES: Readonly<Record<string, AmiTypeInfo>> = {
  AL2023_x86_64_STANDARD: { architecture: 'x86_64', nvidia: false, shipsDevicePlugin: false },
  AL2023_ARM_64_STANDARD: { architecture: 'arm64', nvidia: false, shipsDevicePlugin: false },
  BOTTLEROCKET_x86_64: { architecture: 'x86_64', nvidia: false, shipsDevicePlugin: false },
  BOTTLEROCKET_ARM_64: { architecture: 'arm64', nvidia: false, shipsDevicePlugin: false },
};

/**
 * CPU architecture of an EC2 instance type, from its name: AWS Graviton families carry a `g`
 * after the generation digit (`m7g`, `c6gn`, `r8gd`, `g5g`, `t4g`); every other family is
 * x86_64. Undefined for a name that is not `family.size`.
 */
export function instanceArchitecture(instanceType: string): CpuArchitecture | undefined {
  const m = /^([a-z]+)(\d+)([a-z-]*)\.[a-z0-9-]+$/.exec(instanceType);
  if (!m) return undefined;
  return m[3].includes('g') ? 'arm64' : 'x86_64';
}

/**
 * Checks that an AMI type is one of `allowed` and matches the instance type's architecture.
 *
 * @param amiPath property path of the AMI type, for the message
 * @param instancePath property path of the instance type, for the message
 */
export function checkAmiType(
  amiPath: string, amiType: unknown, allowed: Readonly<Record<string, AmiTypeInfo>>,
  instancePath: string, instanceType: unknown,
): { info?: AmiTypeInfo; problems: Problem[] } {
  const info = typeof amiType === 'string' ? allowed[amiType] : undefined;
  if (!info) {
    return { problems: [{ path: amiPath, message: `is ${show(amiType)}; expected one of ${Object.keys(allowed).map((k) => show(k)).join(', ')}` }] };
  }
  const arch = typeof instanceType === 'string' ? instanceArchitecture(instanceType) : undefined;
  if (arch !== undefined && arch !== info.architecture) {
    const match = Object.entries(allowed).find(([, i]) => i.architecture === arch && i.shipsDevicePlugin === info.shipsDevicePlugin)?.[0];
    return {
      info,
      problems: [{
        path: amiPath,
        message: `is ${show(amiType)}, an ${info.architecture} AMI, but ${instancePath} ${show(instanceType)} is an ${arch} instance type. ${match ? `Use ${show(match)} or` : 'Use'} an ${info.architecture} instance type.`,
      }],
    };
  }
  return { info, problems: [] };
}
