/**
 * IAM policy documents and managed policy names for an EKS inference environment, as pure
 * values: no Pulumi, no AWS SDK. The components serialize them with `JSON.stringify`.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */

/** An IAM condition block: operator (`StringEquals`) to key (`aws:ResourceTag/x`) to value(s). */
export type PolicyCondition = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

/** One statement of an IAM policy document. */
export interface PolicyStatement {
  /** Statement id, unique inside the document. */
  readonly Sid?: string;
  /** `Allow` or `Deny`. */
  readonly Effect: 'Allow' | 'Deny';
  /** Who may act; only in trust (assume-role) policies. */
  readonly Principal?: Readonly<Record<string, string | readonly string[]>>;
  /** Actions, e.g. `autoscaling:SetDesiredCapacity`. */
  readonly Action: string | readonly string[];
  /** Resources; absent in trust policies. */
  readonly Resource?: string | readonly string[];
  /** Conditions that must all hold. */
  readonly Condition?: PolicyCondition;
}

/** An IAM policy document. */
export interface PolicyDocument {
  /** Always `2012-10-17`, the current policy language. */
  readonly Version: '2012-10-17';
  /** The statements. */
  readonly Statement: readonly PolicyStatement[];
}

/** AWS managed policies an EKS cluster role needs. */
export const CLUSTER_MANAGED_POLICIES: readonly string[] = ['AmazonEKSClusterPolicy'];

/**
 * AWS managed policies every EKS node role needs: join the cluster, run the VPC CNI on the
 * node's behalf, and pull images from ECR (the EKS add-on images and any private model server
 * images live there).
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html
 */
export const NODE_MANAGED_POLICIES: readonly string[] = [
  'AmazonEKSWorkerNodePolicy',
  'AmazonEKS_CNI_Policy',
  'AmazonEC2ContainerRegistryReadOnly',
];

/** Optional managed policy that lets AWS Systems Manager Session Manager reach the nodes. */
export const SSM_MANAGED_POLICY = 'AmazonSSMManagedInstanceCore';

/**
 * ARN of an AWS managed policy.
 *
 * @param name policy name, e.g. `AmazonEKSWorkerNodePolicy`
 * @param partition `aws`, `aws-cn` or `aws-us-gov`
 */
export function managedPolicyArn(name: string, partition = 'aws'): string {
  return `arn:${partition}:iam::aws:policy/${name}`;
}

/**
 * Managed policy names a node role gets.
 *
 * @param ssm also attach {@link SSM_MANAGED_POLICY}
 */
export function nodeManagedPolicies(ssm: boolean): string[] {
  return ssm ? [...NODE_MANAGED_POLICIES, SSM_MANAGED_POLICY] : [...NODE_MANAGED_POLICIES];
}

/**
 * Trust policy that lets an AWS service assume a role: `eks.amazonaws.com` for the cluster
 * role, `ec2.amazonaws.com` for node roles.
 */
export function serviceTrustPolicy(service: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  };
}

/** Where a Kubernetes service account lives. */
export interface ServiceAccountRef {
  /** Namespace, e.g. `kube-system`. */
  readonly namespace: string;
  /** Name, e.g. `cluster-autoscaler`. */
  readonly name: string;
}

/**
 * Removes the scheme from an OIDC issuer URL: IAM condition keys are written
 * `oidc.eks.<region>.amazonaws.com/id/<id>:sub`, without `https://`.
 */
export function oidcIssuerHost(issuerUrl: string): string {
  return issuerUrl.replace(/^https:\/\//, '').replace(/\/$/, '');
}

/**
 * Trust policy for IAM roles for service accounts (IRSA): only tokens issued by the cluster's
 * OIDC provider for exactly this service account, with the STS audience, may assume the role.
 *
 * @param oidcProviderArn ARN of the IAM OIDC provider for the cluster
 * @param issuerUrl the cluster's OIDC issuer URL, with or without `https://`
 * @see https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
 */
export function serviceAccountTrustPolicy(oidcProviderArn: string, issuerUrl: string, serviceAccount: ServiceAccountRef): PolicyDocument {
  const host = oidcIssuerHost(issuerUrl);
  return {
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow',
      Principal: { Federated: oidcProviderArn },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          [`${host}:sub`]: `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`,
          [`${host}:aud`]: 'sts.amazonaws.com',
        },
      },
    }],
  };
}

/** Read-only actions the cluster autoscaler needs on every resource (these APIs take no resource ARN). */
export const CLUSTER_AUTOSCALER_DESCRIBE_ACTIONS: readonly string[] = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeAutoScalingInstances',
  'autoscaling:DescribeLaunchConfigurations',
  'autoscaling:DescribeScalingActivities',
  'autoscaling:DescribeTags',
  'ec2:DescribeImages',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeLaunchTemplateVersions',
  'ec2:GetInstanceTypesFromInstanceRequirements',
  'eks:DescribeNodegroup',
];

/** The only write actions the cluster autoscaler needs. */
export const CLUSTER_AUTOSCALER_WRITE_ACTIONS: readonly string[] = [
  'autoscaling:SetDesiredCapacity',
  'autoscaling:TerminateInstanceInAutoScalingGroup',
];

/**
 * Least-privilege policy for the cluster autoscaler of one cluster. Describe actions on `*`
 * (they cannot be scoped); `SetDesiredCapacity` and `TerminateInstanceInAutoScalingGroup` only
 * on Auto Scaling groups tagged `k8s.io/cluster-autoscaler/<cluster>=owned`, which EKS puts on
 * the groups of its managed node groups. An autoscaler in another cluster of the same account
 * cannot resize this cluster's groups, and this one cannot resize theirs.
 *
 * @see https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/README.md#iam-policy
 */
export function clusterAutoscalerPolicy(clusterName: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Describe', Effect: 'Allow', Action: [...CLUSTER_AUTOSCALER_DESCRIBE_ACTIONS], Resource: '*' },
      {
        Sid: 'ScaleOwnNodeGroups',
        Effect: 'Allow',
        Action: [...CLUSTER_AUTOSCALER_WRITE_ACTIONS],
        Resource: '*',
        Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: 'owned' } },
      },
    ],
  };
}

/** Returns the actions of a statement as an array. */
export function statementActions(statement: PolicyStatement): string[] {
  return typeof statement.Action === 'string' ? [statement.Action] : [...statement.Action];
}

/**
 * True when an action only reads: `Describe*`, `Get*` or `List*`. Used to prove that a policy
 * allows no write action on `*` without a condition.
 */
export function isReadOnlyAction(action: string): boolean {
  const verb = action.split(':')[1] ?? '';
  return /^(Describe|Get|List)/.test(verb);
}

/**
 * Inline policy of the cluster role for envelope encryption of Secrets: use of the one KMS key,
 * nothing else.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/envelope-encryption.html
 * @see https://github.com/terraform-aws-modules/terraform-aws-eks/blob/master/main.tf (cluster_encryption policy)
 */
export function clusterEncryptionPolicy(kmsKeyArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ListGrants', 'kms:DescribeKey'], Resource: kmsKeyArn }],
  };
}
