import {
  CLUSTER_AUTOSCALER_DESCRIBE_ACTIONS,
  CLUSTER_AUTOSCALER_WRITE_ACTIONS,
  clusterAutoscalerPolicy,
  isReadOnlyAction,
  managedPolicyArn,
  nodeManagedPolicies,
  oidcIssuerHost,
  PolicyDocument,
  serviceAccountTrustPolicy,
  serviceTrustPolicy,
  statementActions,
} from '../../lib/pulumi/aws/iam-policies';

/** Round-trips through JSON, as the components serialize the documents. */
const parsed = (doc: PolicyDocument): PolicyDocument => JSON.parse(JSON.stringify(doc));

describe('managed policies', () => {
  test('node roles get exactly the worker, CNI and ECR read-only policies', () => {
    expect(nodeManagedPolicies(false)).toEqual(['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly']);
  });

  test('SSM is added only when asked for', () => {
    expect(nodeManagedPolicies(true)).toEqual([...nodeManagedPolicies(false), 'AmazonSSMManagedInstanceCore']);
  });

  test('ARNs carry the partition', () => {
    expect(managedPolicyArn('AmazonEKSClusterPolicy')).toBe('arn:aws:iam::aws:policy/AmazonEKSClusterPolicy');
    expect(managedPolicyArn('AmazonEKSClusterPolicy', 'aws-cn')).toBe('arn:aws-cn:iam::aws:policy/AmazonEKSClusterPolicy');
  });
});

describe('trust policies', () => {
  test('a service trust policy lets only that service assume the role', () => {
    const doc = parsed(serviceTrustPolicy('ec2.amazonaws.com'));
    expect(doc.Version).toBe('2012-10-17');
    expect(doc.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
  });

  test('the service account trust policy pins the subject and the STS audience', () => {
    const doc = parsed(serviceAccountTrustPolicy(
      'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC',
      'https://oidc.eks.us-west-2.amazonaws.com/id/ABC',
      { namespace: 'kube-system', name: 'cluster-autoscaler' },
    ));
    expect(doc.Statement).toHaveLength(1);
    const [statement] = doc.Statement;
    expect(statement.Effect).toBe('Allow');
    expect(statement.Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(statement.Principal).toEqual({ Federated: 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC' });
    expect(statement.Condition).toEqual({
      StringEquals: {
        'oidc.eks.us-west-2.amazonaws.com/id/ABC:sub': 'system:serviceaccount:kube-system:cluster-autoscaler',
        'oidc.eks.us-west-2.amazonaws.com/id/ABC:aud': 'sts.amazonaws.com',
      },
    });
  });

  test('the issuer host drops the scheme and a trailing slash, and leaves a bare host alone', () => {
    expect(oidcIssuerHost('https://oidc.eks.eu-west-1.amazonaws.com/id/X/')).toBe('oidc.eks.eu-west-1.amazonaws.com/id/X');
    expect(oidcIssuerHost('oidc.eks.eu-west-1.amazonaws.com/id/X')).toBe('oidc.eks.eu-west-1.amazonaws.com/id/X');
  });
});

describe('cluster autoscaler policy', () => {
  const doc = parsed(clusterAutoscalerPolicy('inference'));

  test('describe actions are allowed on every resource, without conditions', () => {
    const describe = doc.Statement.find((s) => s.Sid === 'Describe')!;
    expect(describe.Resource).toBe('*');
    expect(describe.Condition).toBeUndefined();
    expect(statementActions(describe).sort()).toEqual([...CLUSTER_AUTOSCALER_DESCRIBE_ACTIONS].sort());
    expect(statementActions(describe).every(isReadOnlyAction)).toBe(true);
  });

  test('write actions are exactly SetDesiredCapacity and TerminateInstanceInAutoScalingGroup', () => {
    const writes = doc.Statement.flatMap(statementActions).filter((a) => !isReadOnlyAction(a));
    expect(writes.sort()).toEqual(['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup']);
    expect([...CLUSTER_AUTOSCALER_WRITE_ACTIONS].sort()).toEqual(writes);
  });

  test('write actions only apply to groups owned by this cluster', () => {
    const scale = doc.Statement.find((s) => s.Sid === 'ScaleOwnNodeGroups')!;
    expect(scale.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/k8s.io/cluster-autoscaler/inference': 'owned' } });
  });

  test('no statement allows a write action on * without a condition, and nothing is denied or wildcarded', () => {
    for (const statement of doc.Statement) {
      expect(statement.Effect).toBe('Allow');
      const actions = statementActions(statement);
      expect(actions.some((a) => a.includes('*'))).toBe(false);
      if (actions.some((a) => !isReadOnlyAction(a))) expect(statement.Condition).toBeDefined();
    }
  });

  test('two clusters get conditions on different tags', () => {
    const other = parsed(clusterAutoscalerPolicy('staging'));
    expect(JSON.stringify(other)).toContain('k8s.io/cluster-autoscaler/staging');
    expect(JSON.stringify(other)).not.toContain('k8s.io/cluster-autoscaler/inference');
  });
});

describe('isReadOnlyAction', () => {
  test.each([
    ['ec2:DescribeImages', true],
    ['ec2:GetInstanceTypesFromInstanceRequirements', true],
    ['s3:ListBucket', true],
    ['autoscaling:SetDesiredCapacity', false],
    ['autoscaling:*', false],
    ['*', false],
  ])('%s -> %s', (action, expected) => {
    expect(isReadOnlyAction(action)).toBe(expected);
  });
});
