import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { CHARTS } from '../core/images';

/** How the Pulumi platform installs KEDA. */
export interface KedaInstallArgs {
  /** Chart version. @default - the pinned `CHARTS.keda.version` */
  readonly version?: string;
  /** Chart values, merged over none. @default - the chart's */
  readonly values?: Readonly<Record<string, unknown>>;
}

/**
 * Installs KEDA (operator, metrics API server serving external.metrics.k8s.io, admission
 * webhooks and the CRDs) with Pulumi's embedded Helm as release `keda` in `namespace`, creating
 * the namespace. Logical name `<owner>-keda`.
 * @see https://keda.sh/docs/2.17/deploy/#helm
 */
export function installKeda(owner: string, namespace: string, args: KedaInstallArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
  return new k8s.helm.v3.Release(`${owner}-keda`, {
    name: 'keda',
    namespace,
    createNamespace: true,
    chart: CHARTS.keda.chart,
    version: args.version ?? CHARTS.keda.version,
    repositoryOpts: { repo: CHARTS.keda.repo },
    values: { ...(args.values ?? {}) },
  }, opts);
}
