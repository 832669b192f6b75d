/**
 * Kubeconfig for an EKS cluster, as a pure function. Authentication goes through
 * `aws eks get-token` (the AWS CLI must be on the PATH of whoever runs `pulumi up` or
 * `kubectl`), so the kubeconfig holds no credential; it is still marked secret by the
 * environment component because it names the endpoint and CA of the cluster.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/create-kubeconfig.html
 */

/** What a kubeconfig for an EKS cluster needs. */
export interface EksKubeconfigOptions {
  /** EKS cluster name. */
  readonly clusterName: string;
  /** API server endpoint (`https://...`). */
  readonly endpoint: string;
  /** Base64 certificate authority data of the cluster. */
  readonly certificateAuthorityData: string;
  /** Region for `aws eks get-token`. @default - the AWS CLI's default region */
  readonly region?: string;
  /** AWS CLI profile for `aws eks get-token`. @default - the AWS CLI's default credentials */
  readonly profile?: string;
}

/** A kubeconfig as JSON (kubeconfig files are YAML, and JSON is YAML). */
export function eksKubeconfig(options: EksKubeconfigOptions): Record<string, unknown> {
  const args = ['eks', 'get-token', '--cluster-name', options.clusterName, '--output', 'json'];
  if (options.region) args.push('--region', options.region);
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
          ...(options.profile ? { env: [{ name: 'AWS_PROFILE', value: options.profile }] } : {}),
          interactiveMode: 'Never',
        },
      },
    }],
  };
}
