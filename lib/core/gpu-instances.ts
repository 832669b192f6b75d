import { Problem, show } from './problems';

/**
 * One AWS EC2 instance type with NVIDIA GPUs.
 *
 * GPU product and memory are the values NVIDIA GPU feature discovery writes to the
 * `nvidia.com/gpu.product` and `nvidia.com/gpu.memory` node labels (memory as NVML reports it,
 * in MiB per GPU), so they can be matched against labels on a live node.
 *
 * @see https://aws.amazon.com/ec2/instance-types/#Accelerated_Computing
 * @see https://github.com/NVIDIA/k8s-device-plugin/tree/main/docs/gpu-feature-discovery
 */
export interface GpuInstanceType {
  /** Instance type, e.g. `g5.12xlarge`. */
  readonly name: string;
  /** Instance family, e.g. `g5`. */
  readonly family: string;
  /** vCPUs. */
  readonly vcpus: number;
  /** Memory in GiB. */
  readonly memoryGiB: number;
  /** NVIDIA GPUs per instance. */
  readonly gpus: number;
  /** GPU product as the `nvidia.com/gpu.product` label spells it, e.g. `NVIDIA-A10G`. */
  readonly gpuProduct: string;
  /** Memory of one GPU in MiB, as the `nvidia.com/gpu.memory` label reports it. */
  readonly gpuMemoryMiB: number;
  /** GPU architecture family as the `nvidia.com/gpu.family` label spells it, e.g. `ampere`. */
  readonly gpuFamily: string;
  /** Whether the GPU supports Multi-Instance GPU partitioning. */
  readonly migCapable: boolean;
  /**
   * Value for the `k8s.amazonaws.com/accelerator` node label, which the cluster autoscaler reads
   * to treat a node as a GPU node before its device plugin has advertised the GPUs.
   */
  readonly accelerator: string;
  /** CPU architecture. Every type in the catalogue is x86_64. */
  readonly architecture: 'x86_64';
  /**
   * Pods the kubelet admits on an EKS node of this type with the VPC CNI's default IP mode: the
   * `max-pods` EKS AMIs set, and what they size the kubelet's memory reservation by.
   */
  readonly maxPods: number;
}

/** What all sizes of one family share. */
interface FamilySpec {
  readonly gpuProduct: string;
  readonly gpuMemoryMiB: number;
  readonly gpuFamily: string;
  readonly migCapable: boolean;
  readonly accelerator: string;
  /** [size, vCPUs, memory GiB, GPUs]. */
  readonly sizes: readonly (readonly [string, number, number, number])[];
}

/**
 * Pods per node, as the EKS AMIs set `max-pods` (one IP per pod from the node's ENIs; prefix
 * delegation raises it).
 * @see https://github.com/aws/amazon-vpc-cni-k8s/blob/master/misc/eni-max-pods.txt
 */
const MAX_PODS: Readonly<Record<string, number>> = {
  'g4dn.xlarge': 29, 'g4dn.2xlarge': 29, 'g4dn.4xlarge': 29, 'g4dn.8xlarge': 58, 'g4dn.16xlarge': 58, 'g4dn.12xlarge': 234, 'g4dn.metal': 737,
  'g5.xlarge': 58, 'g5.2xlarge': 58, 'g5.4xlarge': 234, 'g5.8xlarge': 234, 'g5.16xlarge': 234, 'g5.12xlarge': 737, 'g5.24xlarge': 737, 'g5.48xlarge': 345,
  'g6.xlarge': 58, 'g6.2xlarge': 58, 'g6.4xlarge': 234, 'g6.8xlarge': 234, 'g6.16xlarge': 737, 'g6.12xlarge': 234, 'g6.24xlarge': 737, 'g6.48xlarge': 737,
  'g6e.xlarge': 58, 'g6e.2xlarge': 58, 'g6e.4xlarge': 234, 'g6e.8xlarge': 234, 'g6e.16xlarge': 737, 'g6e.12xlarge': 292, 'g6e.24xlarge': 492, 'g6e.48xlarge': 492,
  'p4d.24xlarge': 737, 'p4de.24xlarge': 737, 'p5.4xlarge': 118, 'p5.48xlarge': 100,
};

const FAMILIES: Readonly<Record<string, FamilySpec>> = {
  // NVIDIA T4 (Turing), 16 GB.
  g4dn: {
    gpuProduct: 'Tesla-T4', gpuMemoryMiB: 15360, gpuFamily: 'turing', migCapable: false, accelerator: 'nvidia-tesla-t4',
    sizes: [['xlarge', 4, 16, 1], ['2xlarge', 8, 32, 1], ['4xlarge', 16, 64, 1], ['8xlarge', 32, 128, 1], ['16xlarge', 64, 256, 1], ['12xlarge', 48, 192, 4], ['metal', 96, 384, 8]],
  },
  // NVIDIA A10G (Ampere), 24 GB.
  g5: {
    gpuProduct: 'NVIDIA-A10G', gpuMemoryMiB: 23028, gpuFamily: 'ampere', migCapable: false, accelerator: 'nvidia-a10g',
    sizes: [['xlarge', 4, 16, 1], ['2xlarge', 8, 32, 1], ['4xlarge', 16, 64, 1], ['8xlarge', 32, 128, 1], ['16xlarge', 64, 256, 1], ['12xlarge', 48, 192, 4], ['24xlarge', 96, 384, 4], ['48xlarge', 192, 768, 8]],
  },
  // NVIDIA L4 (Ada Lovelace), 24 GB.
  g6: {
    gpuProduct: 'NVIDIA-L4', gpuMemoryMiB: 23034, gpuFamily: 'ada-lovelace', migCapable: false, accelerator: 'nvidia-l4',
    sizes: [['xlarge', 4, 16, 1], ['2xlarge', 8, 32, 1], ['4xlarge', 16, 64, 1], ['8xlarge', 32, 128, 1], ['16xlarge', 64, 256, 1], ['12xlarge', 48, 192, 4], ['24xlarge', 96, 384, 4], ['48xlarge', 192, 768, 8]],
  },
  // NVIDIA L40S (Ada Lovelace), 48 GB.
  g6e: {
    gpuProduct: 'NVIDIA-L40S', gpuMemoryMiB: 46068, gpuFamily: 'ada-lovelace', migCapable: false, accelerator: 'nvidia-l40s',
    sizes: [['xlarge', 4, 32, 1], ['2xlarge', 8, 64, 1], ['4xlarge', 16, 128, 1], ['8xlarge', 32, 256, 1], ['16xlarge', 64, 512, 1], ['12xlarge', 48, 384, 4], ['24xlarge', 96, 768, 4], ['48xlarge', 192, 1536, 8]],
  },
  // NVIDIA A100 SXM4 (Ampere), 40 GB.
  p4d: {
    gpuProduct: 'NVIDIA-A100-SXM4-40GB', gpuMemoryMiB: 40960, gpuFamily: 'ampere', migCapable: true, accelerator: 'nvidia-a100',
    sizes: [['24xlarge', 96, 1152, 8]],
  },
  // NVIDIA A100 SXM4 (Ampere), 80 GB.
  p4de: {
    gpuProduct: 'NVIDIA-A100-SXM4-80GB', gpuMemoryMiB: 81920, gpuFamily: 'ampere', migCapable: true, accelerator: 'nvidia-a100',
    sizes: [['24xlarge', 96, 1152, 8]],
  },
  // NVIDIA H100 SXM5 (Hopper), 80 GB HBM3.
  p5: {
    gpuProduct: 'NVIDIA-H100-80GB-HBM3', gpuMemoryMiB: 81559, gpuFamily: 'hopper', migCapable: true, accelerator: 'nvidia-h100',
    sizes: [['4xlarge', 16, 256, 1], ['48xlarge', 192, 2048, 8]],
  },
};

/** Instance families in the catalogue, in catalogue order. */
export const GPU_INSTANCE_FAMILIES: readonly string[] = Object.freeze(Object.keys(FAMILIES));

/**
 * Every GPU instance type inferscale knows: the g4dn, g5, g6, g6e, p4d, p4de and p5 families,
 * in family order, then smallest to largest.
 */
export const GPU_INSTANCE_TYPES: readonly GpuInstanceType[] = Object.freeze(
  Object.entries(FAMILIES).flatMap(([family, f]) =>
    [...f.sizes]
      .sort((a, b) => a[1] - b[1])
      .map(([size, vcpus, memoryGiB, gpus]) =>
        Object.freeze<GpuInstanceType>({
          name: `${family}.${size}`,
          family,
          vcpus,
          memoryGiB,
          gpus,
          gpuProduct: f.gpuProduct,
          gpuMemoryMiB: f.gpuMemoryMiB,
          gpuFamily: f.gpuFamily,
          migCapable: f.migCapable,
          accelerator: f.accelerator,
          architecture: 'x86_64',
          maxPods: MAX_PODS[`${family}.${size}`],
        }),
      ),
  ),
);

const BY_NAME = new Map(GPU_INSTANCE_TYPES.map((t) => [t.name, t]));

/** Looks up a GPU instance type by name (`g5.12xlarge`); `undefined` when it is not in the catalogue. */
export function gpuInstanceType(name: string): GpuInstanceType | undefined {
  return BY_NAME.get(name);
}

/** Families with accelerators that are not NVIDIA GPUs, and what they carry. */
const NON_NVIDIA_ACCELERATORS: Readonly<Record<string, string>> = {
  inf1: 'AWS Inferentia', inf2: 'AWS Inferentia2', trn1: 'AWS Trainium', trn1n: 'AWS Trainium', trn2: 'AWS Trainium2',
  dl1: 'Habana Gaudi', dl2q: 'Qualcomm AI 100', g4ad: 'AMD Radeon Pro V520', f1: 'FPGAs', f2: 'FPGAs', vt1: 'Xilinx media accelerators',
};

/** General-purpose, compute, memory and storage families: no accelerator at all. */
const NO_ACCELERATOR = /^(?:[acmrtxzidh][0-9]|u-|u[0-9]|hpc|mac|im4gn|is4gen)/;

const EXAMPLES = ['g4dn.xlarge', 'g5.xlarge', 'g5.12xlarge', 'g6.xlarge', 'g6e.xlarge', 'p4d.24xlarge', 'p5.48xlarge'];

/**
 * Resolves an instance type against the catalogue, or explains why it cannot be used:
 * an unknown size of a known family (listing that family's sizes), a family without NVIDIA
 * GPUs, or a name the catalogue does not know (listing examples).
 */
export function checkGpuInstanceType(path: string, name: unknown): {
  /** The catalogue entry of `name`; absent when it cannot be used. */
  type?: GpuInstanceType;
  /** Why `name` cannot be used (one problem at `path`); empty when it is in the catalogue. */
  problems: Problem[];
} {
  if (typeof name === 'string') {
    const found = BY_NAME.get(name);
    if (found) return { type: found, problems: [] };
  }
  const families = GPU_INSTANCE_FAMILIES.join(', ');
  if (typeof name !== 'string' || !/^[a-z0-9-]+\.[a-z0-9-]+$/.test(name)) {
    return { problems: [{ path, message: `is ${show(name)}; expected an EC2 instance type such as ${EXAMPLES.slice(0, 3).map((e) => show(e)).join(', ')}` }] };
  }
  const family = name.slice(0, name.indexOf('.'));
  if (family in FAMILIES) {
    const sizes = GPU_INSTANCE_TYPES.filter((t) => t.family === family).map((t) => t.name);
    return { problems: [{ path, message: `is ${show(name)}, which is not a ${family} size; ${family} sizes: ${sizes.join(', ')}` }] };
  }
  const accelerator = NON_NVIDIA_ACCELERATORS[family];
  if (accelerator) {
    return { problems: [{ path, message: `is ${show(name)}, whose accelerators are ${accelerator}, not NVIDIA GPUs; use an NVIDIA GPU family: ${families}` }] };
  }
  if (NO_ACCELERATOR.test(family)) {
    return { problems: [{ path, message: `is ${show(name)}, which is not a GPU instance type; use an NVIDIA GPU family (${families}), e.g. ${EXAMPLES.join(', ')}` }] };
  }
  return { problems: [{ path, message: `is ${show(name)}, which is not in the GPU instance catalogue; known families: ${families}, e.g. ${EXAMPLES.join(', ')}` }] };
}
