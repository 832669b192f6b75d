/**
 * Every container image inferscale deploys, pinned in one place.
 *
 * Synthesis never fetches anything: a version changes only when this file does, in a reviewed
 * commit. Each construct takes an `image` prop to override its entry (a mirror, a digest).
 */
export const IMAGES = Object.freeze({
  /**
   * NVIDIA Kubernetes device plugin: advertises `nvidia.com/gpu` (or time-sliced
   * `nvidia.com/gpu.shared`) on GPU nodes.
   * @see https://github.com/NVIDIA/k8s-device-plugin/releases
   */
  nvidiaDevicePlugin: 'nvcr.io/nvidia/k8s-device-plugin:v0.20.0',
  /**
   * NVIDIA DCGM exporter: GPU telemetry on port 9400, attributed to the pods using each GPU.
   * Tag `<DCGM version>-<exporter version>-distroless`. Releases from 4.6.0-4.8.3 on rename the
   * `Hostname` series label to `hostname`; bump deliberately.
   * @see https://github.com/NVIDIA/dcgm-exporter/releases
   */
  dcgmExporter: 'nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless',
  /**
   * Prometheus Adapter: serves `custom.metrics.k8s.io` and `external.metrics.k8s.io` from
   * Prometheus queries.
   * @see https://github.com/kubernetes-sigs/prometheus-adapter/releases
   */
  prometheusAdapter: 'registry.k8s.io/prometheus-adapter/prometheus-adapter:v0.12.0',
  /**
   * Prometheus server for the embedded monitoring mode.
   * @see https://github.com/prometheus/prometheus/releases
   */
  prometheus: 'quay.io/prometheus/prometheus:v3.14.0',
  /**
   * metrics-server: serves the resource metrics API (`metrics.k8s.io`, CPU and memory per pod
   * and node) that HPA Resource metrics read, scraped from each kubelet. Release v0.9.0, the
   * image its release manifests pin (`manifests/components/release/kustomization.yaml`).
   * @see https://github.com/kubernetes-sigs/metrics-server/releases
   */
  metricsServer: 'registry.k8s.io/metrics-server/metrics-server:v0.9.0',
  /**
   * The pause container: does nothing, holds a pod's resources. Runs the GPU headroom
   * placeholders and the main container of the image pre-pull DaemonSet. 3.10 is the version
   * kubeadm pins from Kubernetes 1.31 on.
   * @see https://github.com/kubernetes/kubernetes/blob/master/build/pause/CHANGELOG.md
   */
  pause: 'registry.k8s.io/pause:3.10',
  /**
   * kubectl, published by Kubernetes release engineering since 1.28 (entrypoint `kubectl`, no
   * shell). Runs the scheduled-floor CronJobs that patch an HPA's `minReplicas`.
   * @see https://github.com/kubernetes/kubernetes/pull/116672
   */
  kubectl: 'registry.k8s.io/kubectl:v1.33.4',
  /**
   * kube-state-metrics: HPA conditions and replica counts, pod phases, Deployment availability
   * and node capacity as series, for the alerts and the dashboard (embedded Prometheus only;
   * kube-prometheus-stack ships its own). Release v2.17.0.
   * @see https://github.com/kubernetes/kube-state-metrics/releases/tag/v2.17.0
   */
  kubeStateMetrics: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.17.0',
} as const);

/** Name of one pinned image. */
export type PinnedImage = keyof typeof IMAGES;


/** Helm charts inferscale can install, pinned. */
export const CHARTS = Object.freeze({
  /**
   * kube-prometheus-stack: operator, Prometheus, Alertmanager, Grafana, kube-state-metrics,
   * node exporter. Installed only when asked to (Pulumi `InferencePlatform`).
   * @see https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack
   */
  kubePrometheusStack: {
    /** URL of the Helm repository serving the chart. */
    repo: 'https://prometheus-community.github.io/helm-charts',
    /** Chart name in that repository. */
    chart: 'kube-prometheus-stack',
    /** Chart version (not the Prometheus version). */
    version: '72.0.0',
  },
  /**
   * KEDA: operator, metrics API server (external.metrics.k8s.io) and admission webhooks, with
   * its CRDs. Installed by the Pulumi `InferencePlatform` when a service scales through KEDA.
   * @see https://github.com/kedacore/charts/pull/765 (chart v2.17.2, KEDA v2.17.2)
   */
  keda: {
    /** URL of the Helm repository serving the chart. */
    repo: 'https://kedacore.github.io/charts',
    /** Chart name in that repository. */
    chart: 'keda',
    /** Chart version (the same as KEDA's from 2.x). */
    version: '2.17.2',
  },
} as const);
