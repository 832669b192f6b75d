/**
 * The few GETs `inferscale doctor` sends to the Kubernetes API, with credentials from a
 * kubeconfig (a bearer token, a token from an exec plugin such as `aws eks get-token`, or a
 * client certificate) or from the pod's service account when running in the cluster. Small on
 * purpose: no dependency, read-only, one request at a time.
 * @see https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/
 * @see https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins
 * @module
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { parse } from 'yaml';
import { DoctorKubernetes } from '../core/doctor';
import { CliError } from './inputs';

/** How to reach and authenticate to the API server. */
export interface KubeAccess {
  /** API server URL (`https://...`, or `http://` for a local test server). */
  readonly server: string;
  /** CA certificate(s) that verify the server (PEM). @default - the system's */
  readonly ca?: string;
  /** Skip verifying the server's certificate. @default false */
  readonly insecureSkipTlsVerify?: boolean;
  /** Bearer token. @default - none */
  readonly token?: string;
  /** Client certificate and key (PEM). @default - none */
  readonly clientCert?: { readonly cert: string; readonly key: string };
}

/** Where the service account's credentials are mounted in a pod. */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const REQUEST_TIMEOUT_MS = 10_000;


/** Reads `file` (a kubeconfig) and the context `contextName` (default: its current context). */
export function accessFromKubeconfig(file: string, contextName?: string): KubeAccess {
  let doc: Record<string, unknown>;
  try {
    doc = parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new CliError(`cannot read kubeconfig ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  const dir = path.dirname(file);
  const list = (key: string): Record<string, unknown>[] => (Array.isArray(doc?.[key]) ? doc[key] as Record<string, unknown>[] : []);
  const wanted = contextName ?? (typeof doc?.['current-context'] === 'string' ? doc['current-context'] as string : undefined);
  if (!wanted) throw new CliError(`kubeconfig ${file} has no current-context; pass --context`);
  const ctx = list('contexts').find((c) => c.name === wanted)?.context as { cluster?: string; user?: string } | undefined;
  if (!ctx) throw new CliError(`kubeconfig ${file} has no context "${wanted}"`);
  const cluster = list('clusters').find((c) => c.name === ctx.cluster)?.cluster as Record<string, unknown> | undefined;
  if (!cluster || typeof cluster.server !== 'string') throw new CliError(`kubeconfig ${file}: context "${wanted}" names cluster "${ctx.cluster}", which has no server`);
  const user = (list('users').find((u) => u.name === ctx.user)?.user ?? {}) as Record<string, unknown>;
  const readMaybe = (data: unknown, fileRef: unknown): string | undefined => {
    if (typeof data === 'string') return Buffer.from(data, 'base64').toString('utf8');
    if (typeof fileRef === 'string') return fs.readFileSync(path.resolve(dir, fileRef), 'utf8');
    return undefined;
  };
  const ca = readMaybe(cluster['certificate-authority-data'], cluster['certificate-authority']);
  const cert = readMaybe(user['client-certificate-data'], user['client-certificate']);
  const key = readMaybe(user['client-key-data'], user['client-key']);
  let token = typeof user.token === 'string' ? user.token : typeof user.tokenFile === 'string' ? fs.readFileSync(path.resolve(dir, user.tokenFile), 'utf8').trim() : undefined;
  if (!token && user.exec) token = execToken(user.exec as ExecConfig);
  return {
    server: cluster.server.replace(/\/+$/, ''),
    ...(ca ? { ca } : {}),
    ...(cluster['insecure-skip-tls-verify'] === true ? { insecureSkipTlsVerify: true } : {}),
    ...(token ? { token } : {}),
    ...(cert && key ? { clientCert: { cert, key } } : {}),
  };
}

/** The pod's own service account, when running in a cluster (`KUBERNETES_SERVICE_HOST` set). */
export function accessInCluster(env: NodeJS.ProcessEnv): KubeAccess | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) return undefined;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: fs.readFileSync(`${SERVICE_ACCOUNT_DIR}/ca.crt`, 'utf8'),
    token: fs.readFileSync(`${SERVICE_ACCOUNT_DIR}/token`, 'utf8').trim(),
  };
}

/** A client sending GETs with `access`. */
export function kubeClient(access: KubeAccess): DoctorKubernetes {
  const url = new URL(access.server);
  const secure = url.protocol === 'https:';
  return {
    get: (apiPath) => new Promise((resolve, reject) => {
      const options: https.RequestOptions = {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || (secure ? 443 : 80),
        path: `${url.pathname.replace(/\/+$/, '')}${apiPath}`,
        method: 'GET',
        headers: { Accept: 'application/json', ...(access.token ? { Authorization: `Bearer ${access.token}` } : {}) },
        timeout: REQUEST_TIMEOUT_MS,
        ...(secure ? {
          ...(access.ca ? { ca: access.ca } : {}),
          ...(access.clientCert ? { cert: access.clientCert.cert, key: access.clientCert.key } : {}),
          rejectUnauthorized: !access.insecureSkipTlsVerify,
        } : {}),
      };
      const req = (secure ? https : http).request(options, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { text += c; });
        res.on('end', () => {
          let body: unknown;
          try { body = text ? JSON.parse(text) : undefined; } catch { body = { message: text.slice(0, 200) }; }
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.on('error', reject);
      req.end();
    }),
  };
}

interface ExecConfig {
  readonly command?: string;
  readonly args?: readonly string[];
  readonly env?: readonly { readonly name: string; readonly value: string }[] | null;
}

/** Runs a client-go credential plugin and returns its token (`status.token` of its ExecCredential). */
function execToken(exec: ExecConfig): string {
  if (typeof exec.command !== 'string') throw new CliError('kubeconfig user.exec has no command');
  let out: string;
  try {
    out = execFileSync(exec.command, [...(exec.args ?? [])], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, ...Object.fromEntries((exec.env ?? []).map((e) => [e.name, e.value])) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    throw new CliError(`kubeconfig credential plugin ${exec.command} failed: ${(e as Error).message.split('\n')[0]}`);
  }
  const token = (JSON.parse(out) as { status?: { token?: unknown } }).status?.token;
  if (typeof token !== 'string') throw new CliError(`kubeconfig credential plugin ${exec.command} returned no status.token`);
  return token;
}
