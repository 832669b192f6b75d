import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { CHARTS } from '../core/images';
import { Problem, show } from '../core/problems';

/**
 * The kube-prometheus-stack values inferscale sets or lets you set, typed. Anything else the
 * chart accepts goes in `extra`.
 * @see https://github.com/prometheus-community/helm-charts/blob/main/charts/kube-prometheus-stack/values.yaml
 */
export interface KubePrometheusStackValues {
  /** Prometheus server settings. */
  readonly prometheus?: {
    /** The Prometheus custom resource's spec. inferscale sets `scrapeInterval`; these fields are merged over it. @default - the chart's, with inferscale's scrape interval */
    readonly prometheusSpec?: {
      /** How long samples are kept, e.g. "15d". @default - the chart's ("10d") */
      readonly retention?: string;
      /** Storage: a volumeClaimTemplate spec. @default - an emptyDir (the chart's default) */
      readonly storageSpec?: {
        /** The PersistentVolumeClaim template of each Prometheus pod. */
        readonly volumeClaimTemplate: {
          /** A PersistentVolumeClaim spec, e.g. `{ storageClassName: "gp3", resources: { requests: { storage: "50Gi" } } }`. */
          readonly spec: Readonly<Record<string, unknown>>;
        };
      };
      /** CPU and memory of the server. @default - the chart's */
      readonly resources?: Readonly<Record<string, unknown>>;
    };
  };
  /** Grafana. @default - the chart's (enabled) */
  readonly grafana?: {
    /** Whether the chart installs Grafana. @default true */
    readonly enabled?: boolean;
  };
  /** Alertmanager. @default - the chart's (enabled) */
  readonly alertmanager?: {
    /** Whether the chart installs Alertmanager. @default true */
    readonly enabled?: boolean;
  };
  /** Any other chart value, merged last. @default - none */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** How to install kube-prometheus-stack alongside the platform. */
export interface KubePrometheusStackInstallArgs {
  /** Chart version. @default - the pinned `CHARTS.kubePrometheusStack.version` */
  readonly version?: string;
  /** Chart values. @default - only what inferscale needs */
  readonly values?: KubePrometheusStackValues;
}

/** The URL of the stack's Prometheus when inferscale installs it as `release` in `namespace`. */
export function kubePrometheusStackUrl(release: string, namespace: string): string {
  return `http://${release}-prometheus.${namespace}.svc:9090`;
}

/**
 * The values inferscale sets: `fullnameOverride` (so the Prometheus Service is
 * `<release>-prometheus`, matching {@link kubePrometheusStackUrl}) and a scrape interval short
 * enough for the catalogue's rate windows; then the user's typed values, then `extra`.
 */
export function kubePrometheusStackValues(release: string, scrapeIntervalSeconds: number, values: KubePrometheusStackValues = {}): Record<string, unknown> {
  const { extra, ...typedValues } = values;
  return {
    fullnameOverride: release,
    ...typedValues,
    prometheus: {
      ...(typedValues.prometheus ?? {}),
      prometheusSpec: { scrapeInterval: `${scrapeIntervalSeconds}s`, ...(typedValues.prometheus?.prometheusSpec ?? {}) },
    },
    ...(extra ?? {}),
  };
}

/** Checks that the adapter's URL points at the release inferscale installs. */
export function checkKubePrometheusStackUrl(path: string, url: string, release: string, namespace: string): Problem[] {
  const expected = kubePrometheusStackUrl(release, namespace);
  return url === expected ? [] : [{ path, message: `is ${show(url)}, but the kube-prometheus-stack installed as release "${release}" in "${namespace}" serves ${show(expected)}; use that URL` }];
}

/**
 * Installs kube-prometheus-stack with Pulumi's embedded Helm (no helm binary needed), as
 * release `release` in `namespace`, creating the namespace. The Pulumi logical name is
 * `<owner>-kube-prometheus-stack`, after the component that installs it, so two platforms with
 * the same release name (in two clusters) never share a logical name; the name earlier versions
 * used (`<release>-kube-prometheus-stack`) is kept as an alias.
 *
 * @param owner name of the component that installs it
 */
export function installKubePrometheusStack(
  owner: string, release: string, namespace: string, scrapeIntervalSeconds: number, args: KubePrometheusStackInstallArgs, opts: pulumi.CustomResourceOptions,
): k8s.helm.v3.Release {
  return new k8s.helm.v3.Release(`${owner}-kube-prometheus-stack`, {
    name: release,
    namespace,
    createNamespace: true,
    chart: CHARTS.kubePrometheusStack.chart,
    version: args.version ?? CHARTS.kubePrometheusStack.version,
    repositoryOpts: { repo: CHARTS.kubePrometheusStack.repo },
    values: kubePrometheusStackValues(release, scrapeIntervalSeconds, args.values),
  }, { ...opts, aliases: [...(opts.aliases ?? []), { name: `${release}-kube-prometheus-stack` }] });
}
