import { Problem, show } from '../../core/problems';

/**
 * Cluster access for IAM principals through EKS access entries (authentication mode `API`, no
 * `aws-auth` ConfigMap): each entry names a role or user and the access policy it gets, on the
 * whole cluster or on some namespaces.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
 */

/**
 * The EKS access policies by the short name inferscale takes: `cluster-admin`
 * (AmazonEKSClusterAdminPolicy, everything), `admin` (AmazonEKSAdminPolicy, most resources, no
 * cluster-wide RBAC changes), `edit` (AmazonEKSEditPolicy), `view` (AmazonEKSViewPolicy).
 */
export const ACCESS_POLICIES: Readonly<Record<AccessPolicyName, string>> = Object.freeze({
  'cluster-admin': 'AmazonEKSClusterAdminPolicy',
  admin: 'AmazonEKSAdminPolicy',
  edit: 'AmazonEKSEditPolicy',
  view: 'AmazonEKSViewPolicy',
});

/** Short name of an EKS access policy: cluster-admin, admin, edit or view (AmazonEKSClusterAdminPolicy, AmazonEKSAdminPolicy, AmazonEKSEditPolicy, AmazonEKSViewPolicy). */
export type AccessPolicyName = 'cluster-admin' | 'admin' | 'edit' | 'view';

/** One principal's access to the cluster. */
export interface AccessEntryOptions {
  /**
   * ARN of the IAM role or user, e.g. `arn:aws:iam::123456789012:role/ml-engineers`. For an
   * IAM Identity Center permission set, the role ARN without its `aws-reserved/sso.amazonaws.com/`
   * path works as well.
   */
  readonly principalArn: string;
  /** The access policy. */
  readonly policy: AccessPolicyName;
  /** Limit the policy to these namespaces. @default - the whole cluster */
  readonly namespaces?: readonly string[];
}

/** An access entry, resolved. */
export interface ResolvedAccessEntry {
  /** ARN of the principal. */
  readonly principalArn: string;
  /** ARN of the EKS access policy. */
  readonly policyArn: string;
  /** Where the policy applies. */
  readonly accessScope: {
    /** `cluster` for the whole cluster, `namespace` for `namespaces` only. */
    readonly type: 'cluster' | 'namespace';
    /** The namespaces, for type `namespace`. */
    readonly namespaces?: readonly string[];
  };
}

/** IAM role or user ARNs (not `sts` assumed-role session ARNs, which EKS refuses). */
const PRINCIPAL_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;

/** Keys name child resources: short DNS labels. */
const ENTRY_KEY = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

/** ARN of an EKS access policy. */
export function accessPolicyArn(policy: AccessPolicyName, partition: string): string {
  return `arn:${partition}:eks::aws:cluster-access-policy/${ACCESS_POLICIES[policy]}`;
}

/** Resolves and checks access entries by key; paths are `accessEntries.<key>.<field>`. */
export function resolveAccessEntries(entries: unknown, partition: string): { entries: Record<string, ResolvedAccessEntry>; problems: Problem[] } {
  const problems: Problem[] = [];
  const out: Record<string, ResolvedAccessEntry> = {};
  if (entries === undefined) return { entries: out, problems };
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
    return { entries: out, problems: [{ path: 'accessEntries', message: `is ${show(entries)}; expected an object of entries by name, such as { mlEngineers: { principalArn: "arn:aws:iam::123456789012:role/ml", policy: "edit" } }` }] };
  }
  const seen = new Map<string, string>();
  for (const [key, value] of Object.entries(entries as Record<string, unknown>)) {
    const path = `accessEntries.${key}`;
    if (!ENTRY_KEY.test(key)) problems.push({ path, message: 'has a name that is not 1-40 lower-case letters, digits or "-"; it names the access entry\'s Pulumi resources' });
    const entry = (typeof value === 'object' && value !== null ? value : {}) as Partial<AccessEntryOptions>;
    if (typeof entry.principalArn !== 'string' || !PRINCIPAL_ARN.test(entry.principalArn)) {
      problems.push({ path: `${path}.principalArn`, message: `is ${show(entry.principalArn)}; expected the ARN of an IAM role or user, such as "arn:aws:iam::123456789012:role/ml-engineers"` });
    } else if (seen.has(entry.principalArn)) {
      problems.push({ path: `${path}.principalArn`, message: `is ${show(entry.principalArn)}, already given by accessEntries.${seen.get(entry.principalArn)}; EKS allows one access entry per principal` });
    } else {
      seen.set(entry.principalArn, key);
    }
    if (typeof entry.policy !== 'string' || !(entry.policy in ACCESS_POLICIES)) {
      problems.push({ path: `${path}.policy`, message: `is ${show(entry.policy)}; expected one of ${Object.keys(ACCESS_POLICIES).map((p) => `"${p}"`).join(', ')}` });
    }
    const namespaces = entry.namespaces;
    if (namespaces !== undefined && (!Array.isArray(namespaces) || namespaces.length === 0 || namespaces.some((n) => typeof n !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\*?$/.test(n)))) {
      problems.push({ path: `${path}.namespaces`, message: `is ${show(namespaces)}; expected namespace names (a trailing * matches a prefix), or leave it out for the whole cluster` });
    }
    if (problems.some((p) => p.path === path || p.path.startsWith(`${path}.`))) continue;
    out[key] = {
      principalArn: entry.principalArn as string,
      policyArn: accessPolicyArn(entry.policy as AccessPolicyName, partition),
      accessScope: namespaces ? { type: 'namespace', namespaces: [...namespaces] } : { type: 'cluster' },
    };
  }
  return { entries: out, problems };
}
