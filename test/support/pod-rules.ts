/**
 * Pod spec rules that the API server enforces in code (pkg/apis/core/validation) rather than in the
 * OpenAPI schema: container names, ports, resources, probes, env, volumes, tolerations...
 */
import { configMapKey, dns1123Label, dns1123Subdomain, envVarName, ianaSvcName, qualifiedName } from './k8s-names';
import { checkLabels } from './k8s-meta';
import { asArray, asNumber, asRecord, asString, isRecord, joinPath, type JsonObject, type Reporter, show } from './problems';
import { compareQuantities, isWholeQuantity, parseQuantity, type Quantity, QUANTITY_SYNTAX, quantitySign } from './quantity';

/** What the surrounding object tells the pod spec checks. */
export interface PodSpecContext {
  /** Kind of the object holding the pod spec (restartPolicy rules depend on it). */
  readonly kind: string;
  /** Names of StatefulSet volumeClaimTemplates, which volumeMounts may also refer to. */
  readonly claimTemplateNames: ReadonlySet<string>;
}

/** The quantity format accepted by `kubernetes-models` (its schema reports values failing this). */
const SCHEMA_QUANTITY_RE = /^[+-]?(?:\d+|\d+\.\d+|\d+\.|\.\d+)(?:[KMGTPE]i|(?:[YZEPTGMkhdcmunpfazy]|da)|[eE][+-]?(?:\d+|\d+\.\d+|\d+\.|\.\d+))?$/;

/**
 * Parses a quantity field. Reports it when the API server would refuse it but the schema validator
 * accepts it (the schema validator's quantity format is looser: e.g. `1da`, `1h`, `1K`).
 */
export function readQuantity(value: unknown, path: string, field: string, r: Reporter): Quantity | undefined {
  const q = parseQuantity(value);
  if (q === undefined && typeof value === 'string' && SCHEMA_QUANTITY_RE.test(value)) {
    r.add(path, `${field} is ${show(value)}; must be ${QUANTITY_SYNTAX}`);
  }
  return q;
}

/** True for extended resources such as `nvidia.com/gpu` (a domain that is not kubernetes.io). */
export function isExtendedResource(name: string): boolean {
  return name.includes('/') && !name.includes('kubernetes.io/');
}

/** Kubernetes lets requests be below limits only for native, non-hugepages resources. */
function isOvercommitAllowed(name: string): boolean {
  return !isExtendedResource(name) && !name.startsWith('hugepages-');
}

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

function checkContainerResourceName(name: string, path: string, r: Reporter): boolean {
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) {
      r.add(path, `resource name ${show(name)} is not a standard container resource; must be cpu, memory, ephemeral-storage, hugepages-<size>, or a domain-qualified extended resource such as nvidia.com/gpu`);
      return false;
    }
    return true;
  }
  const bad = qualifiedName(name);
  if (bad || (isExtendedResource(name) && (name.startsWith('requests.') || qualifiedName(`requests.${name}`)))) {
    r.add(path, `resource name ${show(name)} is not a valid extended resource name${bad ? `: ${bad}` : ''}`);
    return false;
  }
  return true;
}

/**
 * Container `resources`: names, quantities ≥ 0, every request ≤ its limit, extended resources
 * (e.g. `nvidia.com/gpu`) whole numbers with requests equal to limits, and limits required for them.
 */
export function checkResources(resources: unknown, path: string, r: Reporter, label: string): void {
  const res = asRecord(resources);
  if (!res) return;
  const parsed: Record<'limits' | 'requests', Map<string, Quantity>> = { limits: new Map(), requests: new Map() };
  for (const kind of ['limits', 'requests'] as const) {
    const map = asRecord(res[kind]);
    if (!map) continue;
    for (const [name, value] of Object.entries(map)) {
      const p = joinPath(joinPath(path, kind), name);
      if (!checkContainerResourceName(name, p, r)) continue;
      const q = readQuantity(value, p, `${label}: ${kind}.${name}`, r);
      if (!q) continue;
      if (quantitySign(q) < 0) {
        r.add(p, `${label}: ${kind}.${name} is ${show(value)}; must be greater than or equal to 0`);
        continue;
      }
      if (isExtendedResource(name) && !isWholeQuantity(q)) {
        r.add(p, `${label}: ${kind}.${name} is ${show(value)}; extended resources must be whole numbers`);
        continue;
      }
      parsed[kind].set(name, q);
    }
  }
  for (const [name, request] of parsed.requests) {
    const p = joinPath(joinPath(path, 'requests'), name);
    const limit = parsed.limits.get(name);
    if (limit) {
      const cmp = compareQuantities(request, limit);
      if (cmp !== 0 && !isOvercommitAllowed(name)) {
        r.add(p, `${label}: requests.${name} is ${show(request.text)} but limits.${name} is ${show(limit.text)}; for ${name} the request must equal the limit`);
      } else if (cmp > 0) {
        r.add(p, `${label}: requests.${name} is ${show(request.text)}, above limits.${name} ${show(limit.text)}; the request must be less than or equal to the limit`);
      }
    } else if (!isOvercommitAllowed(name) && asRecord(res.limits)?.[name] === undefined) {
      r.add(joinPath(joinPath(path, 'limits'), name), `${label}: limits.${name} is unset while requests.${name} is ${show(request.text)}; a limit must be set for ${name} (it cannot be overcommitted)`);
    }
  }
}

/** Validates an int-or-string port reference (number 1..65535 or an IANA_SVC_NAME). */
function checkPortRef(value: unknown, path: string, field: string, r: Reporter): void {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 1 || value > 65535) r.add(path, `${field} is ${show(value)}; must be between 1 and 65535`);
  } else if (typeof value === 'string') {
    const bad = ianaSvcName(value);
    if (bad) r.add(path, `${field} is ${show(value)}; a named port ${bad}`);
  }
}

function countHandlers(handler: JsonObject, names: readonly string[]): string[] {
  return names.filter((n) => handler[n] !== undefined && handler[n] !== null);
}

function checkNonNegative(obj: JsonObject, fields: readonly string[], path: string, r: Reporter, label: string): void {
  for (const f of fields) {
    const v = asNumber(obj[f]);
    if (v !== undefined && v < 0) r.add(joinPath(path, f), `${label}: ${f} is ${v}; must be greater than or equal to 0`);
  }
}

type ProbeKind = 'livenessProbe' | 'readinessProbe' | 'startupProbe';

function checkProbe(probe: unknown, path: string, r: Reporter, label: string, kind: ProbeKind, portNames: ReadonlySet<string>): void {
  const p = asRecord(probe);
  if (!p) return;
  const handlers = countHandlers(p, ['exec', 'httpGet', 'tcpSocket', 'grpc']);
  if (handlers.length !== 1) {
    r.add(path, `${label}: ${kind} has ${handlers.length === 0 ? 'no handler' : `handlers ${handlers.join(', ')}`}; must specify exactly one of exec, httpGet, tcpSocket, grpc`);
  }
  checkNonNegative(p, ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'], path, r, `${label}: ${kind}`);
  if (kind !== 'readinessProbe' && p.successThreshold !== undefined && p.successThreshold !== 1) {
    r.add(joinPath(path, 'successThreshold'), `${label}: ${kind}.successThreshold is ${show(p.successThreshold)}; must be 1 for liveness and startup probes`);
  }
  const tgps = p.terminationGracePeriodSeconds;
  if (tgps !== undefined && tgps !== null) {
    if (kind === 'readinessProbe') {
      r.add(joinPath(path, 'terminationGracePeriodSeconds'), `${label}: readinessProbe.terminationGracePeriodSeconds is ${show(tgps)}; must not be set for readiness probes`);
    } else if (typeof tgps === 'number' && tgps <= 0) {
      r.add(joinPath(path, 'terminationGracePeriodSeconds'), `${label}: ${kind}.terminationGracePeriodSeconds is ${tgps}; must be greater than 0`);
    }
  }
  checkHandlerPorts(p, path, r, `${label}: ${kind}`, portNames);
}

function checkHandlerPorts(handler: JsonObject, path: string, r: Reporter, label: string, portNames: ReadonlySet<string>): void {
  for (const h of ['httpGet', 'tcpSocket', 'grpc']) {
    const action = asRecord(handler[h]);
    if (!action) continue;
    const portPath = joinPath(joinPath(path, h), 'port');
    const port = action.port;
    if (h === 'grpc' && typeof port !== 'number') continue; // schema: grpc.port is an integer
    checkPortRef(port, portPath, `${label}.${h}.port`, r);
    if (typeof port === 'string' && !ianaSvcName(port) && !portNames.has(port)) {
      r.add(portPath, `${label}.${h}.port is ${show(port)}, but the container declares no port with that name (declared: ${[...portNames].join(', ') || 'none'})`);
    }
    if (h === 'httpGet') {
      const scheme = action.scheme;
      if (scheme !== undefined && scheme !== 'HTTP' && scheme !== 'HTTPS') {
        r.add(joinPath(joinPath(path, h), 'scheme'), `${label}.httpGet.scheme is ${show(scheme)}; must be HTTP or HTTPS`);
      }
    }
  }
}

function checkLifecycle(lifecycle: unknown, path: string, r: Reporter, label: string, portNames: ReadonlySet<string>): void {
  const lc = asRecord(lifecycle);
  if (!lc) return;
  for (const hook of ['postStart', 'preStop']) {
    const h = asRecord(lc[hook]);
    if (!h) continue;
    const hPath = joinPath(path, hook);
    const handlers = countHandlers(h, ['exec', 'httpGet', 'tcpSocket', 'sleep']);
    if (handlers.length !== 1) {
      r.add(hPath, `${label}: lifecycle.${hook} has ${handlers.length === 0 ? 'no handler' : `handlers ${handlers.join(', ')}`}; must specify exactly one of exec, httpGet, tcpSocket, sleep`);
    }
    const seconds = asNumber(asRecord(h.sleep)?.seconds);
    if (seconds !== undefined && seconds < 0) r.add(joinPath(joinPath(hPath, 'sleep'), 'seconds'), `${label}: sleep.seconds is ${seconds}; must be greater than or equal to 0`);
    checkHandlerPorts(h, hPath, r, `${label}: lifecycle.${hook}`, portNames);
  }
}

function checkEnv(container: JsonObject, path: string, r: Reporter, label: string): void {
  asArray(container.env).forEach((e, i) => {
    const env = asRecord(e);
    if (!env) return;
    const ePath = joinPath(joinPath(path, 'env'), i);
    const name = asString(env.name);
    if (name !== undefined) {
      const bad = envVarName(name);
      if (bad) r.add(joinPath(ePath, 'name'), `${label}: env name ${show(name)} ${bad}`);
    }
    const from = asRecord(env.valueFrom);
    if (from) {
      if (typeof env.value === 'string' && env.value !== '') {
        r.add(joinPath(ePath, 'valueFrom'), `${label}: env ${show(name)} sets both value and valueFrom; valueFrom may not be specified when value is not empty`);
      }
      const sources = countHandlers(from, ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'fileKeyRef']);
      if (sources.length !== 1) {
        r.add(joinPath(ePath, 'valueFrom'), `${label}: env ${show(name)} valueFrom has ${sources.length === 0 ? 'no source' : `sources ${sources.join(', ')}`}; must specify exactly one of fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef`);
      }
      for (const ref of ['configMapKeyRef', 'secretKeyRef']) {
        const key = asString(asRecord(from[ref])?.key);
        if (key !== undefined) {
          const bad = configMapKey(key);
          if (bad) r.add(joinPath(joinPath(joinPath(ePath, 'valueFrom'), ref), 'key'), `${label}: ${ref}.key is ${show(key)}; ${bad}`);
        }
      }
    }
  });
  asArray(container.envFrom).forEach((e, i) => {
    const src = asRecord(e);
    if (!src) return;
    const sPath = joinPath(joinPath(path, 'envFrom'), i);
    const sources = countHandlers(src, ['configMapRef', 'secretRef']);
    if (sources.length !== 1) {
      r.add(sPath, `${label}: envFrom entry has ${sources.length === 0 ? 'no source' : `sources ${sources.join(', ')}`}; must specify exactly one of configMapRef, secretRef`);
    }
    const prefix = asString(src.prefix);
    if (prefix !== undefined && prefix !== '' && envVarName(prefix)) {
      r.add(joinPath(sPath, 'prefix'), `${label}: envFrom prefix ${show(prefix)} ${envVarName(prefix) ?? ''}`);
    }
  });
}

function checkPorts(container: JsonObject, path: string, r: Reporter, label: string): Set<string> {
  const names = new Set<string>();
  asArray(container.ports).forEach((p, i) => {
    const port = asRecord(p);
    if (!port) return;
    const pPath = joinPath(joinPath(path, 'ports'), i);
    const name = asString(port.name);
    if (name !== undefined) {
      const bad = ianaSvcName(name);
      if (bad) r.add(joinPath(pPath, 'name'), `${label}: port name ${show(name)} ${bad}`);
      if (names.has(name)) r.add(joinPath(pPath, 'name'), `${label}: port name ${show(name)} is a duplicate; port names must be unique within a container`);
      names.add(name);
    }
    const cp = asNumber(port.containerPort);
    if (cp !== undefined && (cp < 1 || cp > 65535)) r.add(joinPath(pPath, 'containerPort'), `${label}: containerPort is ${cp}; must be between 1 and 65535`);
    const hp = asNumber(port.hostPort);
    if (hp !== undefined && (hp < 0 || hp > 65535)) r.add(joinPath(pPath, 'hostPort'), `${label}: hostPort is ${hp}; must be between 1 and 65535 (or 0/unset)`);
    const proto = port.protocol;
    if (proto !== undefined && proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') {
      r.add(joinPath(pPath, 'protocol'), `${label}: protocol is ${show(proto)}; must be TCP, UDP or SCTP`);
    }
  });
  return names;
}

function checkVolumeMounts(container: JsonObject, path: string, r: Reporter, label: string, volumeNames: ReadonlySet<string>): void {
  const mountPaths = new Set<string>();
  asArray(container.volumeMounts).forEach((m, i) => {
    const mount = asRecord(m);
    if (!mount) return;
    const mPath = joinPath(joinPath(path, 'volumeMounts'), i);
    const name = asString(mount.name);
    if (name !== undefined && !volumeNames.has(name)) {
      r.add(joinPath(mPath, 'name'), `${label}: volumeMount name ${show(name)} does not match any volume of the pod (volumes: ${[...volumeNames].join(', ') || 'none'})`);
    }
    const mountPath = asString(mount.mountPath);
    if (mountPath !== undefined) {
      if (mountPath === '') r.add(joinPath(mPath, 'mountPath'), `${label}: mountPath is ""; must be non-empty`);
      else if (mountPaths.has(mountPath)) r.add(joinPath(mPath, 'mountPath'), `${label}: mountPath ${show(mountPath)} is used twice; must be unique within a container`);
      mountPaths.add(mountPath);
    }
    const subPath = asString(mount.subPath);
    if (subPath !== undefined && (subPath.startsWith('/') || subPath.split('/').includes('..'))) {
      r.add(joinPath(mPath, 'subPath'), `${label}: subPath is ${show(subPath)}; must be a relative path without '..'`);
    }
  });
}

const TOLERATION_EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

function checkTolerations(tolerations: unknown, path: string, r: Reporter): void {
  asArray(tolerations).forEach((t, i) => {
    const tol = asRecord(t);
    if (!tol) return;
    const tPath = joinPath(path, i);
    const key = asString(tol.key) ?? '';
    const op = asString(tol.operator) ?? 'Equal';
    if (key !== '') {
      const bad = qualifiedName(key);
      if (bad) r.add(joinPath(tPath, 'key'), `toleration key ${show(key)} is invalid: ${bad}`);
    } else if (op !== 'Exists') {
      r.add(joinPath(tPath, 'operator'), `operator is ${show(op)} with an empty key; must be Exists when key is empty`);
    }
    if (op !== 'Equal' && op !== 'Exists') {
      r.add(joinPath(tPath, 'operator'), `operator is ${show(op)}; must be Equal or Exists`);
    } else if (op === 'Exists' && typeof tol.value === 'string' && tol.value !== '') {
      r.add(joinPath(tPath, 'value'), `value is ${show(tol.value)}; must be empty when operator is Exists`);
    }
    const effect = asString(tol.effect) ?? '';
    if (effect !== '' && !TOLERATION_EFFECTS.has(effect)) {
      r.add(joinPath(tPath, 'effect'), `effect is ${show(effect)}; must be empty or one of NoSchedule, PreferNoSchedule, NoExecute`);
    }
    if (tol.tolerationSeconds !== undefined && tol.tolerationSeconds !== null && effect !== 'NoExecute') {
      r.add(joinPath(tPath, 'effect'), `effect is ${show(effect)} while tolerationSeconds is set; must be NoExecute`);
    }
  });
}

function checkTopologySpread(constraints: unknown, path: string, r: Reporter): void {
  asArray(constraints).forEach((c, i) => {
    const tsc = asRecord(c);
    if (!tsc) return;
    const cPath = joinPath(path, i);
    const skew = asNumber(tsc.maxSkew);
    if (skew !== undefined && skew < 1) r.add(joinPath(cPath, 'maxSkew'), `maxSkew is ${skew}; must be greater than 0`);
    if (tsc.topologyKey === '') r.add(joinPath(cPath, 'topologyKey'), 'topologyKey is ""; must be non-empty');
    const when = tsc.whenUnsatisfiable;
    if (when !== undefined && when !== 'DoNotSchedule' && when !== 'ScheduleAnyway') {
      r.add(joinPath(cPath, 'whenUnsatisfiable'), `whenUnsatisfiable is ${show(when)}; must be DoNotSchedule or ScheduleAnyway`);
    }
    const minDomains = asNumber(tsc.minDomains);
    if (minDomains !== undefined && (minDomains < 1 || when !== 'DoNotSchedule')) {
      r.add(joinPath(cPath, 'minDomains'), `minDomains is ${minDomains}; must be at least 1 and may only be set when whenUnsatisfiable is DoNotSchedule`);
    }
  });
}

/** The pod restartPolicy values each controller kind accepts for its template. */
function allowedRestartPolicies(kind: string): readonly string[] {
  switch (kind) {
    case 'Pod':
      return ['Always', 'OnFailure', 'Never'];
    case 'Job':
    case 'CronJob':
      return ['OnFailure', 'Never'];
    default:
      return ['Always'];
  }
}

/** Validates a pod spec (containers, init containers, volumes and pod-level fields). */
export function checkPodSpec(podSpec: unknown, path: string, r: Reporter, ctx: PodSpecContext): void {
  const spec = asRecord(podSpec);
  if (!spec) return; // missing or mistyped: reported by schema validation

  const containers = asArray(spec.containers);
  if (containers.length === 0) r.add(joinPath(path, 'containers'), `containers is ${show(spec.containers)}; must have at least one container`);

  const restartPolicy = asString(spec.restartPolicy);
  const allowed = allowedRestartPolicies(ctx.kind);
  const effective = restartPolicy ?? 'Always';
  if (!allowed.includes(effective)) {
    r.add(joinPath(path, 'restartPolicy'), `restartPolicy is ${show(restartPolicy)}${restartPolicy === undefined ? ' (defaults to Always)' : ''}; a ${ctx.kind} pod template allows ${allowed.join(' or ')}`);
  }
  const tgps = asNumber(spec.terminationGracePeriodSeconds);
  if (tgps !== undefined && tgps < 0) r.add(joinPath(path, 'terminationGracePeriodSeconds'), `terminationGracePeriodSeconds is ${tgps}; must be greater than or equal to 0`);
  const ads = asNumber(spec.activeDeadlineSeconds);
  if (ads !== undefined && ads < 1) r.add(joinPath(path, 'activeDeadlineSeconds'), `activeDeadlineSeconds is ${ads}; must be greater than 0`);
  for (const f of ['serviceAccountName', 'serviceAccount']) {
    const sa = asString(spec[f]);
    if (sa !== undefined && sa !== '') {
      const bad = dns1123Subdomain(sa);
      if (bad) r.add(joinPath(path, f), `${f} is ${show(sa)}; ${bad}`);
    }
  }
  checkLabels(spec.nodeSelector, joinPath(path, 'nodeSelector'), r);
  checkTolerations(spec.tolerations, joinPath(path, 'tolerations'), r);
  checkTopologySpread(spec.topologySpreadConstraints, joinPath(path, 'topologySpreadConstraints'), r);

  // Volumes.
  const volumeNames = new Set<string>(ctx.claimTemplateNames);
  asArray(spec.volumes).forEach((v, i) => {
    const vol = asRecord(v);
    if (!vol) return;
    const vPath = joinPath(joinPath(path, 'volumes'), i);
    const name = asString(vol.name);
    if (name !== undefined) {
      const bad = dns1123Label(name);
      if (bad) r.add(joinPath(vPath, 'name'), `volume name ${show(name)} ${bad}`);
      if (volumeNames.has(name) && !ctx.claimTemplateNames.has(name)) r.add(joinPath(vPath, 'name'), `volume name ${show(name)} is a duplicate; volume names must be unique`);
      volumeNames.add(name);
    }
    const sources = Object.keys(vol).filter((k) => k !== 'name' && vol[k] !== null && vol[k] !== undefined);
    if (sources.length > 1) r.add(vPath, `volume ${show(name)} has sources ${sources.join(', ')}; may not specify more than one volume type`);
  });

  // Containers.
  const containerNames = new Set<string>();
  for (const field of ['initContainers', 'containers'] as const) {
    asArray(spec[field]).forEach((c, i) => {
      const container = asRecord(c);
      if (!container) return;
      const cPath = joinPath(joinPath(path, field), i);
      const name = asString(container.name);
      const label = `container ${show(name ?? i)}`;
      if (name !== undefined) {
        const bad = dns1123Label(name);
        if (bad) r.add(joinPath(cPath, 'name'), `container name ${show(name)} ${bad}`);
        if (containerNames.has(name)) r.add(joinPath(cPath, 'name'), `container name ${show(name)} is a duplicate; container names must be unique across containers and initContainers`);
        containerNames.add(name);
      }
      if (typeof container.image !== 'string' || container.image === '') {
        r.add(joinPath(cPath, 'image'), `${label}: image is ${show(container.image)}; required`);
      }
      const ipp = container.imagePullPolicy;
      if (ipp !== undefined && ipp !== 'Always' && ipp !== 'IfNotPresent' && ipp !== 'Never') {
        r.add(joinPath(cPath, 'imagePullPolicy'), `${label}: imagePullPolicy is ${show(ipp)}; must be Always, IfNotPresent or Never`);
      }
      const portNames = checkPorts(container, cPath, r, label);
      checkResources(container.resources, joinPath(cPath, 'resources'), r, label);
      checkEnv(container, cPath, r, label);
      checkVolumeMounts(container, cPath, r, label, volumeNames);
      const sidecar = field === 'initContainers' && container.restartPolicy === 'Always';
      if (container.restartPolicy !== undefined && container.restartPolicy !== null) {
        if (field === 'containers') {
          r.add(joinPath(cPath, 'restartPolicy'), `${label}: restartPolicy is ${show(container.restartPolicy)}; may only be set on init containers`);
        } else if (!sidecar) {
          r.add(joinPath(cPath, 'restartPolicy'), `${label}: restartPolicy is ${show(container.restartPolicy)}; an init container only allows Always`);
        }
      }
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        if (container[probe] === undefined || container[probe] === null) continue;
        if (field === 'initContainers' && !sidecar) {
          r.add(joinPath(cPath, probe), `${label}: ${probe} is set; may not be set for init containers without restartPolicy=Always`);
          continue;
        }
        checkProbe(container[probe], joinPath(cPath, probe), r, label, probe, portNames);
      }
      if (field === 'initContainers' && !sidecar && isRecord(container.lifecycle)) {
        r.add(joinPath(cPath, 'lifecycle'), `${label}: lifecycle is set; may not be set for init containers without restartPolicy=Always`);
      } else {
        checkLifecycle(container.lifecycle, joinPath(cPath, 'lifecycle'), r, label, portNames);
      }
    });
  }
}
