import { Problem, show } from '../../core/problems';

/**
 * Address plan and tags of the VPC an inference environment creates, as pure functions.
 *
 * With the VPC CNI every pod takes an address from its node's subnet, so private subnets (where
 * the nodes run) get most of the space: the VPC is cut into eight equal blocks, the first ones
 * are the private subnets (one per availability zone), and the last block is cut into eight
 * small public subnets that only hold NAT gateways and load balancers. For `10.0.0.0/16`:
 * private `10.0.0.0/19`, `10.0.32.0/19`, ...; public `10.0.224.0/22`, `10.0.228.0/22`, ...
 */

/** Subnets of one availability zone. */
export interface ZoneSubnets {
  /** Availability zone index (0-based). */
  readonly index: number;
  /** CIDR of the private (node) subnet. */
  readonly privateCidr: string;
  /** CIDR of the public (NAT, internet-facing load balancer) subnet. */
  readonly publicCidr: string;
}

/** Smallest and largest VPC prefix the plan accepts (AWS allows /16 to /28). */
export const VPC_PREFIX_RANGE = { min: 16, max: 20 } as const;

/** Availability zone count the plan accepts: EKS needs two; six private blocks fit. */
export const ZONE_COUNT_RANGE = { min: 2, max: 6 } as const;

/** Parses `a.b.c.d/n`; undefined when malformed. */
export function parseCidr(cidr: string): { address: number; prefix: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
  return { address, prefix };
}

function formatAddress(address: number): string {
  return [24, 16, 8, 0].map((shift) => (address >>> shift) & 255).join('.');
}

/**
 * Like Terraform's `cidrsubnet`: the `netnum`-th subnet of `cidr` with `newbits` more prefix
 * bits.
 *
 * @throws Error when `cidr` is malformed or `netnum` does not fit in `newbits`
 */
export function cidrSubnet(cidr: string, newbits: number, netnum: number): string {
  const parsed = parseCidr(cidr);
  if (!parsed) throw new Error(`cidrSubnet: ${show(cidr)} is not an IPv4 CIDR`);
  const prefix = parsed.prefix + newbits;
  if (prefix > 32 || netnum < 0 || netnum >= 2 ** newbits) throw new Error(`cidrSubnet: subnet ${netnum} of ${cidr} with ${newbits} new bits does not exist`);
  const size = 2 ** (32 - prefix);
  const base = parsed.address - (parsed.address % 2 ** (32 - parsed.prefix));
  return `${formatAddress(base + netnum * size)}/${prefix}`;
}

/** Checks the VPC CIDR and zone count of a plan. */
export function checkNetworkPlan(cidrPath: string, cidr: unknown, zonesPath: string, zoneCount: unknown): Problem[] {
  const problems: Problem[] = [];
  const parsed = typeof cidr === 'string' ? parseCidr(cidr) : undefined;
  if (!parsed) {
    problems.push({ path: cidrPath, message: `is ${show(cidr)}; expected an IPv4 CIDR such as "10.0.0.0/16"` });
  } else if (parsed.prefix < VPC_PREFIX_RANGE.min || parsed.prefix > VPC_PREFIX_RANGE.max) {
    problems.push({ path: cidrPath, message: `is ${show(cidr)}; the prefix must be /${VPC_PREFIX_RANGE.min} to /${VPC_PREFIX_RANGE.max} so that every zone gets a private and a public subnet` });
  }
  if (typeof zoneCount !== 'number' || !Number.isInteger(zoneCount) || zoneCount < ZONE_COUNT_RANGE.min || zoneCount > ZONE_COUNT_RANGE.max) {
    problems.push({ path: zonesPath, message: `is ${show(zoneCount)}; EKS needs subnets in at least ${ZONE_COUNT_RANGE.min} availability zones and this plan holds at most ${ZONE_COUNT_RANGE.max}` });
  }
  return problems;
}

/**
 * The subnets of each availability zone. Call {@link checkNetworkPlan} first.
 */
export function planSubnets(vpcCidr: string, zoneCount: number): ZoneSubnets[] {
  return Array.from({ length: zoneCount }, (_, index) => ({
    index,
    privateCidr: cidrSubnet(vpcCidr, 3, index),
    publicCidr: cidrSubnet(vpcCidr, 6, 56 + index),
  }));
}

/**
 * Tags of a subnet so that Kubernetes load balancers find it: `kubernetes.io/role/elb` on
 * public subnets (internet-facing), `kubernetes.io/role/internal-elb` on private ones, and
 * `kubernetes.io/cluster/<cluster>=shared`.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/network-load-balancing.html#_prerequisites
 */
export function subnetTags(clusterName: string, kind: 'public' | 'private'): Record<string, string> {
  return {
    [kind === 'public' ? 'kubernetes.io/role/elb' : 'kubernetes.io/role/internal-elb']: '1',
    [`kubernetes.io/cluster/${clusterName}`]: 'shared',
  };
}
