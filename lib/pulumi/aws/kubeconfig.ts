/**
 * Kubeconfig for an EKS cluster, as a pure function. Authentication goes through
 * `aws eks get-token` (the AWS CLI must be on the PATH of whoever runs `pulumi up` or
 * `kubectl`), so the kubeconfig holds no credential; it is still marked secret by the
 * environment component because it names the endpoint and CA of the cluster.
 *
 * The token must be signed with the credentials that have access to the cluster: the same
 * profile (`--profile`, not `AWS_PROFILE`, which ambient credentials can override) and role
 * (`--role-arn`) as the AWS provider, in the cluster's region, as @pulumi/eks does.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/create-kubeconfig.html
 * @see https://awscli.amazonaws.com/v2/documentation/api/latest/reference/eks/get-token.html
 * @see https://github.com/pulumi/pulumi-eks/blob/master/nodejs/eks/cluster/cluster.ts (generateKubeconfig)
 */

/** What a kubeconfig for an EKS cluster needs. */
export interface EksKubeconfigOptions {
  /** EKS cluster name. */
  readonly clusterName: string;
  /** API server endpoint (`https://...`). */
  readonly endpoint: string;
  /** Base64 certificate authority data of the cluster. */
  readonly certificateAuthorityData: string;
  /** Region of the cluster, for `aws eks get-token`. @default - the AWS CLI's default region */
  readonly region?: string;
  /** AWS CLI profile for `aws eks get-token`. @default - the AWS CLI's default credentials */
  readonly profile?: string;
  /** IAM role `aws eks get-token` assumes to sign the token. @default - none: the profile's own identity */
  readonly roleArn?: string;
}

/** A kubeconfig as JSON (kubeconfig files are YAML, and JSON is YAML). */
export function eksKubeconfig(options: EksKubeconfigOptions): Record<string, unknown> {
  const args = ['eks', 'get-token', '--cluster-name', options.clusterName, '--output', 'json'];
  if (options.region) args.push('--region', options.region);
  if (options.roleArn) args.push('--role-arn', options.roleArn);
  if (options.profile) args.push('--profile', options.profile);
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: options.clusterName, cluster: { server: options.endpoint, 'certificate-authority-data': options.certificateAuthorityData } }],
    contexts: [{ name: options.clusterName, context: { cluster: options.clusterName, user: options.clusterName } }],
    'current-context': options.clusterName,
    users: [{
      name: options.clusterName,
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1beta1',
          command: 'aws',
          args,
          interactiveMode: 'Never',
        },
      },
    }],
  };
}
