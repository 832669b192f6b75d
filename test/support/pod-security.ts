/**
 * Pod Security Standards (https://kubernetes.io/docs/concepts/security/pod-security-standards/),
 * as enforced by the PodSecurity admission plugin at version "latest", for a pod spec.
 */
import { asArray, asRecord, asString, joinPath, type ManifestProblem, show } from './problems';

/** A Pod Security Standards level that restricts something. */
export type PodSecurityLevel = 'baseline' | 'restricted';

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD',
  'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

/** Volume sources allowed by "restricted" (besides the name). */
const RESTRICTED_VOLUME_SOURCES = new Set([
  'configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret', 'image',
]);

interface ContainerRef {
  readonly container: Record<string, unknown>;
  readonly path: string;
  readonly label: string;
}

function containersOf(spec: Record<string, unknown>, path: string): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
    asArray(spec[field]).forEach((c, i) => {
      const container = asRecord(c);
      if (container) {
        out.push({
          container,
          path: joinPath(joinPath(path, field), i),
          label: `container ${show(asString(container.name) ?? i)}`,
        });
      }
    });
  }
  return out;
}

/**
 * Checks a pod spec against a Pod Security Standards level and returns the violations.
 * "restricted" includes every "baseline" rule.
 *
 * @param podSpec the pod spec (e.g. a Deployment's `spec.template.spec`)
 * @param path dotted path of the pod spec, used in the problems
 * @param level the level to check
 * @param object the object label used in the problems
 */
export function checkPodSecurity(
  podSpec: unknown,
  path: string,
  level: PodSecurityLevel,
  object = 'PodSpec',
): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  const add = (p: string, message: string): void => {
    out.push({ object, path: p, message: `${message} (Pod Security Standards "${level}")` });
  };
  const spec = asRecord(podSpec);
  if (!spec) {
    add(path, `pod spec is ${show(podSpec)}; must be an object`);
    return out;
  }
  const podSc = asRecord(spec.securityContext) ?? {};
  const podScPath = joinPath(path, 'securityContext');
  const containers = containersOf(spec, path);

  // --- baseline ---
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[f] === true) add(joinPath(path, f), `${f} is true; host namespaces are not allowed (must be unset or false)`);
  }
  asArray(spec.volumes).forEach((v, i) => {
    const vol = asRecord(v);
    if (vol && vol.hostPath !== undefined) {
      add(joinPath(joinPath(joinPath(path, 'volumes'), i), 'hostPath'), `volume ${show(vol.name)} uses hostPath; hostPath volumes are not allowed`);
    }
  });
  asArray(podSc.sysctls).forEach((s, i) => {
    const name = asString(asRecord(s)?.name);
    if (name !== undefined && !SAFE_SYSCTLS.has(name)) {
      add(joinPath(joinPath(podScPath, 'sysctls'), i), `sysctl ${show(name)} is not allowed; allowed: ${[...SAFE_SYSCTLS].join(', ')}`);
    }
  });
  const checkSeLinux = (sc: Record<string, unknown>, scPath: string): void => {
    const se = asRecord(sc.seLinuxOptions);
    if (!se) return;
    const type = asString(se.type) ?? '';
    if (!SELINUX_TYPES.has(type)) {
      add(joinPath(joinPath(scPath, 'seLinuxOptions'), 'type'), `seLinuxOptions.type is ${show(type)}; must be unset or one of ${[...SELINUX_TYPES].filter(Boolean).join(', ')}`);
    }
    for (const f of ['user', 'role']) {
      if (asString(se[f])) add(joinPath(joinPath(scPath, 'seLinuxOptions'), f), `seLinuxOptions.${f} is ${show(se[f])}; must be unset`);
    }
  };
  const checkSeccompNotUnconfined = (sc: Record<string, unknown>, scPath: string): void => {
    const type = asString(asRecord(sc.seccompProfile)?.type);
    if (type === 'Unconfined') add(joinPath(joinPath(scPath, 'seccompProfile'), 'type'), 'seccompProfile.type is "Unconfined"; must be RuntimeDefault or Localhost');
  };
  const checkAppArmor = (sc: Record<string, unknown>, scPath: string): void => {
    const type = asString(asRecord(sc.appArmorProfile)?.type);
    if (type === 'Unconfined') add(joinPath(joinPath(scPath, 'appArmorProfile'), 'type'), 'appArmorProfile.type is "Unconfined"; must be RuntimeDefault or Localhost');
  };
  checkSeLinux(podSc, podScPath);
  checkSeccompNotUnconfined(podSc, podScPath);
  checkAppArmor(podSc, podScPath);
  if (asRecord(podSc.windowsOptions)?.hostProcess === true) {
    add(joinPath(joinPath(podScPath, 'windowsOptions'), 'hostProcess'), 'windowsOptions.hostProcess is true; must be unset or false');
  }

  for (const { container, path: cPath, label } of containers) {
    const sc = asRecord(container.securityContext) ?? {};
    const scPath = joinPath(cPath, 'securityContext');
    if (sc.privileged === true) add(joinPath(scPath, 'privileged'), `${label}: privileged is true; must be unset or false`);
    const caps = asRecord(sc.capabilities) ?? {};
    asArray(caps.add).forEach((c, i) => {
      const cap = String(c);
      const allowed = level === 'restricted' ? cap === 'NET_BIND_SERVICE' : BASELINE_CAPABILITIES.has(cap);
      if (!allowed) {
        add(
          joinPath(joinPath(joinPath(scPath, 'capabilities'), 'add'), i),
          `${label}: capability ${show(cap)} may not be added; allowed: ${level === 'restricted' ? 'NET_BIND_SERVICE' : [...BASELINE_CAPABILITIES].join(', ')}`,
        );
      }
    });
    asArray(container.ports).forEach((p, i) => {
      const hostPort = asRecord(p)?.hostPort;
      if (hostPort !== undefined && hostPort !== 0) {
        add(joinPath(joinPath(joinPath(cPath, 'ports'), i), 'hostPort'), `${label}: hostPort is ${show(hostPort)}; host ports are not allowed (must be unset or 0)`);
      }
    });
    const procMount = asString(sc.procMount);
    if (procMount !== undefined && procMount !== 'Default') {
      add(joinPath(scPath, 'procMount'), `${label}: procMount is ${show(procMount)}; must be unset or "Default"`);
    }
    checkSeLinux(sc, scPath);
    checkSeccompNotUnconfined(sc, scPath);
    checkAppArmor(sc, scPath);
    if (asRecord(sc.windowsOptions)?.hostProcess === true) {
      add(joinPath(joinPath(scPath, 'windowsOptions'), 'hostProcess'), `${label}: windowsOptions.hostProcess is true; must be unset or false`);
    }
  }
  if (level === 'baseline') return out;

  // --- restricted ---
  asArray(spec.volumes).forEach((v, i) => {
    const vol = asRecord(v);
    if (!vol) return;
    for (const key of Object.keys(vol)) {
      if (key !== 'name' && key !== 'hostPath' && !RESTRICTED_VOLUME_SOURCES.has(key)) {
        add(joinPath(joinPath(joinPath(path, 'volumes'), i), key), `volume ${show(vol.name)} uses ${key}; allowed volume types: ${[...RESTRICTED_VOLUME_SOURCES].join(', ')}`);
      }
    }
  });

  const podNonRoot = podSc.runAsNonRoot;
  if (podNonRoot === false) add(joinPath(podScPath, 'runAsNonRoot'), 'runAsNonRoot is false; must be true');
  if (podSc.runAsUser === 0) add(joinPath(podScPath, 'runAsUser'), 'runAsUser is 0; must not be 0 (root)');
  const podSeccomp = asString(asRecord(podSc.seccompProfile)?.type);
  const podSeccompOk = podSeccomp === 'RuntimeDefault' || podSeccomp === 'Localhost';

  for (const { container, path: cPath, label } of containers) {
    const sc = asRecord(container.securityContext) ?? {};
    const scPath = joinPath(cPath, 'securityContext');
    if (sc.allowPrivilegeEscalation !== false) {
      add(joinPath(scPath, 'allowPrivilegeEscalation'), `${label}: allowPrivilegeEscalation is ${show(sc.allowPrivilegeEscalation)}; must be false`);
    }
    if (sc.runAsNonRoot === false) {
      add(joinPath(scPath, 'runAsNonRoot'), `${label}: runAsNonRoot is false; must be true`);
    } else if (sc.runAsNonRoot !== true && podNonRoot !== true) {
      add(joinPath(scPath, 'runAsNonRoot'), `${label}: runAsNonRoot is ${show(sc.runAsNonRoot)} and pod securityContext.runAsNonRoot is ${show(podNonRoot)}; one of them must be true`);
    }
    if (sc.runAsUser === 0) add(joinPath(scPath, 'runAsUser'), `${label}: runAsUser is 0; must not be 0 (root)`);
    const seccomp = asString(asRecord(sc.seccompProfile)?.type);
    if (seccomp === undefined ? !podSeccompOk : seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost' && seccomp !== 'Unconfined') {
      add(
        joinPath(joinPath(scPath, 'seccompProfile'), 'type'),
        `${label}: seccompProfile.type is ${show(seccomp)} and pod securityContext.seccompProfile.type is ${show(podSeccomp)}; one of them must be RuntimeDefault or Localhost`,
      );
    }
    const caps = asRecord(sc.capabilities) ?? {};
    const drops = asArray(caps.drop).map(String);
    if (!drops.includes('ALL')) {
      add(joinPath(joinPath(scPath, 'capabilities'), 'drop'), `${label}: capabilities.drop is ${show(caps.drop)}; must include "ALL"`);
    }
  }
  return out;
}

/**
 * Checks a pod spec against the Pod Security Standards "restricted" level (which includes
 * "baseline"): runAsNonRoot, allowPrivilegeEscalation false, capabilities drop ALL (only
 * NET_BIND_SERVICE may be added), seccomp RuntimeDefault/Localhost, no host namespaces, hostPath,
 * host ports or privileged containers, restricted volume types.
 *
 * @param podSpec the pod spec, e.g. a Deployment's `spec.template.spec`
 * @param path dotted path of the pod spec, used in the problems (default `spec.template.spec`)
 * @param object the object label used in the problems (default `PodSpec`)
 */
export function checkRestrictedPodSecurity(
  podSpec: unknown,
  path = 'spec.template.spec',
  object = 'PodSpec',
): ManifestProblem[] {
  return checkPodSecurity(podSpec, path, 'restricted', object);
}
