/**
 * `inferscale doctor`: runs, against a live cluster and its Prometheus, the checks `explain`
 * prints for each step of each metric's path, and reports each as ok or failing with the likely
 * cause ({@link planDoctorChecks}).
 * @module
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { DoctorKubernetes, DoctorPrometheus, formatDoctorResults, planDoctorChecks, runDoctorChecks } from '../core/doctor';
import { loadAppServices } from './explain-command';
import { CliError, parseCommandLine } from './inputs';
import { accessFromKubeconfig, accessInCluster, kubeClient } from './kube-client';
import type { CliIo } from './simulate-command';

/** Usage text of `inferscale doctor`. */
export const DOCTOR_USAGE = `Usage: inferscale doctor --prometheus URL [options]

Checks, on a live cluster, each step of each autoscaling metric's path that "inferscale explain"
describes, and prints each as ok or failing with the likely cause:
  series      the series exist for the service's pods          (PromQL)
  scrape      Prometheus scrapes every pod (up == 1)             (PromQL)
  adapter     the adapter's query answers for the pods          (PromQL)
  keda        KEDA's trigger query answers (KEDA services)      (PromQL)
  metrics API the APIService is Available and serves the metric (Kubernetes API)
  HPA         ScalingActive is True and the metric has a value  (Kubernetes API)
Exit code 0 when nothing fails, 1 when a check fails.

Options:
  --prometheus URL   Prometheus HTTP API, e.g. http://127.0.0.1:9090 after
                     "kubectl -n monitoring port-forward svc/prometheus 9090"
  --kubeconfig FILE  kubeconfig (default: $KUBECONFIG, else ~/.kube/config; in a pod with no
                     kubeconfig, the pod's service account)
  --context NAME     kubeconfig context (default: its current context)
  --no-kubernetes    skip the Kubernetes API checks (PromQL checks only)
  --app FILE         a cdk8s app file, as for "inferscale explain" (default: the default environment)
  --export NAME      the export of --app to use when it exports several functions
  --service NAME     check only this service (its name, or namespace/name)
  -h, --help         show this help
`;

const OPTIONS = {
  prometheus: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'no-kubernetes': { type: 'boolean' },
  app: { type: 'string' },
  export: { type: 'string' },
  service: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const QUERY_TIMEOUT_MS = 10_000;

/** Runs `inferscale doctor`; resolves to the exit code (2 for bad options, 1 for bad input or a failing check). */
export async function runDoctor(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine('doctor', { args: [...args], options: OPTIONS, allowPositionals: false, strict: true }, io.stderr);
  if (!parsed) return 2;
  const v = parsed.values;
  if (v.help) {
    io.stdout(DOCTOR_USAGE);
    return 0;
  }
  try {
    if (!v.prometheus) throw new CliError('--prometheus URL is required (the Prometheus the adapter reads, reachable from here)');
    if (!/^https?:\/\/[^\s/?#]+(\/[^\s]*)?$/.test(v.prometheus)) throw new CliError(`--prometheus is "${v.prometheus}"; expected a URL such as http://127.0.0.1:9090`);
    const loaded = loadAppServices(v.app, v.export, v.service, io);
    if (typeof loaded === 'number') return loaded;
    const kubernetes = v['no-kubernetes'] ? undefined : kubernetesClient(v.kubeconfig, v.context, io);
    const prometheus = prometheusClient(v.prometheus);
    const checks = loaded.services.flatMap((s) => planDoctorChecks(s.spec, { namespace: s.namespace, prometheusUrl: s.context.prometheus?.url ?? v.prometheus! }));
    const results = await runDoctorChecks(checks, { prometheus, ...(kubernetes ? { kubernetes } : {}) });
    io.stdout(`app ${loaded.shown}, Prometheus ${v.prometheus}${kubernetes ? '' : ', no Kubernetes API'}\n\n`);
    io.stdout(formatDoctorResults(results));
    return results.some((r) => r.status === 'failing') ? 1 : 0;
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr(`inferscale doctor: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

function kubernetesClient(file: string | undefined, context: string | undefined, io: CliIo): DoctorKubernetes {
  const explicit = file ?? io.env.KUBECONFIG?.split(path.delimiter).find(Boolean);
  if (explicit) return kubeClient(accessFromKubeconfig(path.resolve(io.cwd, explicit), context));
  const inCluster = accessInCluster(io.env);
  if (inCluster) return kubeClient(inCluster);
  return kubeClient(accessFromKubeconfig(path.join(io.env.HOME ?? os.homedir(), '.kube', 'config'), context));
}

/** Instant queries over the Prometheus HTTP API. */
export function prometheusClient(baseUrl: string): DoctorPrometheus {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    query: async (expr) => {
      const res = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`, { signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) });
      const body = await res.json() as { status: string; error?: string; data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success' || !body.data) throw new Error(`Prometheus answered ${res.status}: ${body.error ?? 'no data'}`);
      if (body.data.resultType !== 'vector') throw new Error(`expected a vector, got ${body.data.resultType}`);
      return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
    },
  };
}
