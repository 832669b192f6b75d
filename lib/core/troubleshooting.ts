/**
 * The troubleshooting table as data: each way autoscaling fails quietly on a live cluster, its
 * usual cause and the first command to run. The README's "Troubleshooting on a live cluster"
 * table, the alerts' runbook lines and `inferscale doctor`'s likely causes read the same rows,
 * so an alert says exactly what the table says.
 * @module
 */

/** The rows alerts and `doctor` refer to. */
export type TroubleshootingId =
  | 'resourceMetricsMissing'
  | 'customMetricUnknown'
  | 'seriesMissing'
  | 'scrapeDown'
  | 'atMaxReplicas'
  | 'gpuPodsPending'
  | 'metricsApiUnavailable'
  | 'servingSaturated'
  | 'gpuXidError'
  | 'dcgmExportedLabels';

/** One row of the troubleshooting table. */
export interface TroubleshootingEntry {
  /** What the operator sees. */
  readonly symptom: string;
  /** The usual cause. */
  readonly cause: string;
  /** The first command to run, with `<namespace>`, `<service>` placeholders where they apply. */
  readonly check: string;
}

/** The rows, by id. */
export const TROUBLESHOOTING: Readonly<Record<TroubleshootingId, TroubleshootingEntry>> = Object.freeze({
  resourceMetricsMissing: {
    symptom: 'HPA shows <unknown> for CPU or memory and never scales down',
    cause: 'nothing serves metrics.k8s.io (EKS installs no metrics-server)',
    check: 'kubectl get apiservice v1beta1.metrics.k8s.io; kubectl top pods -n <namespace>',
  },
  customMetricUnknown: {
    symptom: 'HPA shows <unknown> for a metric: ScalingActive is False and the HPA neither scales up on it nor ever scales down',
    cause: 'no adapter rule (or KEDA trigger) serves the name, the series lack namespace/pod labels, or the metrics API is down',
    check: 'kubectl describe hpa <service> -n <namespace> (conditions and events); inferscale explain --service <service>',
  },
  seriesMissing: {
    symptom: 'a series the HPA scales on is absent for the service while its pods are available',
    cause: 'the model server does not export it (wrong engine version or name, a counter created lazily), or the scrape drops it',
    check: 'curl -s <pod-ip>:<metrics-port><metrics-path> | grep <series>; inferscale doctor --service <service>',
  },
  scrapeDown: {
    symptom: 'Prometheus cannot scrape a target (up == 0): every metric from it goes missing and the HPAs reading it stop scaling down',
    cause: 'the pod is not ready or crashed, the metrics port or path is wrong, or a NetworkPolicy blocks Prometheus',
    check: 'Prometheus /targets page (kubectl -n monitoring port-forward svc/prometheus 9090); kubectl get networkpolicy -A',
  },
  atMaxReplicas: {
    symptom: 'the HPA sits at maxReplicas while demand is still above its target (ScalingLimited, TooManyReplicas)',
    cause: 'maxReplicas is too low for the load, or the target per replica is too optimistic',
    check: 'kubectl describe hpa <service> -n <namespace>; inferscale simulate with the current trace to size maxReplicas',
  },
  gpuPodsPending: {
    symptom: 'new GPU pods stay Pending longer than a node start',
    cause: 'maxReplicas x what a replica requests (GPUs, CPU or memory) exceeds the pool, the pool cannot scale from zero, or the cloud has no capacity for the instance type',
    check: 'kubectl get pods -n <namespace> --field-selector status.phase=Pending; kubectl describe pod <pod> (events); cluster-autoscaler logs',
  },
  metricsApiUnavailable: {
    symptom: 'a metrics APIService is unavailable: every HPA reading it freezes (no scale-down, no scale-up on that metric)',
    cause: 'the adapter, KEDA\'s metrics server or metrics-server is down, or the API server cannot reach it (NetworkPolicy, security group on the secure port)',
    check: 'kubectl get apiservice | grep metrics; kubectl describe apiservice <name>',
  },
  servingSaturated: {
    symptom: 'the model server is saturated: its KV cache is full or requests wait in its queue, and the queue keeps growing',
    cause: 'more load than the replicas serve: the HPA is at maxReplicas, new replicas are still starting (node, image, model load), or the HPA does not scale on a saturation signal',
    check: 'kubectl get hpa <service> -n <namespace>; kubectl get pods -n <namespace> -l inferscale.io/service=<service>',
  },
  gpuXidError: {
    symptom: 'a GPU reported an XID error (DCGM_FI_DEV_XID_ERRORS holds the last XID code)',
    cause: 'a driver, hardware or application fault on the GPU; XIDs 48, 63, 64, 74, 79, 94, 95 usually need the node drained and the GPU reset',
    check: 'kubectl debug node/<node> -it --image=busybox -- dmesg | grep -i xid; see https://docs.nvidia.com/deploy/xid-errors/',
  },
  dcgmExportedLabels: {
    symptom: 'GPU utilization attributed to the exporter pod',
    cause: 'scraped without honor_labels (labels become exported_pod)',
    check: 'kubectl get --raw "/apis/custom.metrics.k8s.io/v1beta1/namespaces/<namespace>/pods/*/ai_inference_gpu_utilization_percent"',
  },
});

/** One runbook line: the symptom's usual cause and the first command to run. */
export function runbookLine(id: TroubleshootingId, placeholders: Readonly<Record<string, string>> = {}): string {
  const e = TROUBLESHOOTING[id];
  return `${e.cause}. Check: ${fill(e.check, placeholders)}`;
}

/** Replaces `<name>` placeholders whose value is given; leaves the others for the reader. */
export function fill(text: string, placeholders: Readonly<Record<string, string>>): string {
  return text.replace(/<([a-z-]+)>/g, (whole, key: string) => placeholders[key] ?? whole);
}
