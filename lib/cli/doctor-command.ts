/**
 * `inferscale doctor`: runs, against a live cluster and its Prometheus, the checks `explain`
 * prints for each step of each metric's path, and reports each as ok or failing with the likely
 * cause ({@link planDoctorChecks}).
 * @module
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DoctorKubernetes, DoctorPrometheus, formatDoctorResults, planDoctorChecks, runDoctorChecks } from '../core/doctor';
import { explainService } from '../core/explain';
import { loadAppServices, LoadedService } from './explain-command';
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
Exit code 0 when nothing fails, 1 when a check fails or Prometheus cannot be asked at all
(nothing answers at --prometheus, or what answers is not Prometheus).

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

/** How to reach the default environment's Prometheus from a workstation, when the app names none. */
const DEFAULT_PORT_FORWARD = 'kubectl -n monitoring port-forward svc/prometheus 9090';

/**
 * Prometheus could not be asked at all: nothing answers at the URL (`unreachable`), or what
 * answers is not the Prometheus HTTP API (`notPrometheus`). Every check would fail the same way.
 */
export class PrometheusAccessError extends Error {
  /** `unreachable` (connection refused, host not found, timeout) or `notPrometheus`. */
  public readonly kind: 'unreachable' | 'notPrometheus';

  public constructor(kind: 'unreachable' | 'notPrometheus', message: string) {
    super(message);
    this.name = 'PrometheusAccessError';
    this.kind = kind;
  }
}

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
    await checkPrometheus(prometheus, portForwardOf(loaded.services));
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

/** The Kubernetes client; a kubeconfig that cannot be used says how to check Prometheus alone. */
function kubernetesClient(file: string | undefined, context: string | undefined, io: CliIo): DoctorKubernetes {
  const withoutKubernetes = 'pass --no-kubernetes to check Prometheus only';
  const explicit = file ?? io.env.KUBECONFIG?.split(path.delimiter).find(Boolean);
  const inCluster = explicit ? undefined : accessInCluster(io.env);
  if (inCluster) return kubeClient(inCluster);
  const kubeconfig = explicit ? path.resolve(io.cwd, explicit) : path.join(io.env.HOME ?? os.homedir(), '.kube', 'config');
  if (!explicit && !fs.existsSync(kubeconfig)) throw new CliError(`no kubeconfig at ${kubeconfig} (and KUBECONFIG is not set); pass --kubeconfig FILE, or ${withoutKubernetes}`);
  try {
    return kubeClient(accessFromKubeconfig(kubeconfig, context));
  } catch (e) {
    if (e instanceof CliError) throw new CliError(`${e.message}; or ${withoutKubernetes}`);
    throw e;
  }
}

/** The command that forwards the app's Prometheus to this machine, as `explain` prints it. */
function portForwardOf(services: readonly LoadedService[]): string {
  for (const s of services) {
    const forward = explainService(s.spec, s.context).setup.find((c) => c.includes(' port-forward '));
    if (forward) return forward;
  }
  return DEFAULT_PORT_FORWARD;
}

/**
 * Asks Prometheus one query that always has an answer; when it cannot be asked at all, throws a
 * {@link CliError} saying so once, with the port-forward to start, instead of a failing check each.
 */
export async function checkPrometheus(prometheus: DoctorPrometheus, portForward: string): Promise<void> {
  try {
    await prometheus.query('vector(1)');
  } catch (e) {
    if (!(e instanceof PrometheusAccessError)) throw e;
    throw new CliError(e.kind === 'unreachable'
      ? `${e.message}: is the port-forward running? ${portForward}`
      : `${e.message}: is --prometheus the URL of the Prometheus server? ${portForward} forwards it to http://127.0.0.1:9090`);
  }
}

/** Why a fetch got no answer, in a few words. */
function fetchFailure(e: unknown, url: URL): string {
  if ((e as Error)?.name === 'TimeoutError') return `no answer in ${QUERY_TIMEOUT_MS / 1000} s`;
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') return `host ${url.hostname} not found`;
  if (cause?.code === 'ECONNRESET') return 'connection reset';
  // Node's fetch never connects to the ports the Fetch standard blocks (1, 22, 25, ...).
  if (cause?.message === 'bad port') return `fetch never connects to port ${url.port}`;
  return cause?.code ?? cause?.message ?? (e as Error)?.message ?? String(e);
}

/**
 * Instant queries over the Prometheus HTTP API. A query that gets no answer, or an answer that is
 * not the API's JSON, throws a {@link PrometheusAccessError}.
 */
export function prometheusClient(baseUrl: string): DoctorPrometheus {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    query: async (expr) => {
      const url = new URL(`${base}/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`);
      let res: Response;
      let text: string;
      try {
        res = await fetch(url, { signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) });
        text = await res.text();
      } catch (e) {
        throw new PrometheusAccessError('unreachable', `cannot reach Prometheus at ${base} (${fetchFailure(e, url)})`);
      }
      const notPrometheus = (what: string): PrometheusAccessError => new PrometheusAccessError('notPrometheus', `${base} does not answer like Prometheus (GET /api/v1/query: HTTP ${res.status}, ${what})`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw notPrometheus(`${res.headers.get('content-type')?.split(';')[0] ?? 'no content type'}, not JSON`);
      }
      if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { status?: unknown }).status !== 'string') throw notPrometheus('JSON without a "status" field');
      const body = parsed as { status: string; error?: string; data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success' || !body.data) throw new Error(`Prometheus answered ${res.status}: ${body.error ?? 'no data'}`);
      if (body.data.resultType !== 'vector') throw new Error(`expected a vector, got ${body.data.resultType}`);
      return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
    },
  };
}
