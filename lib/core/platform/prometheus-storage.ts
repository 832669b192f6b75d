import { isDnsSubdomain } from '../names';
import { Problem, show } from '../problems';
import { checkQuantity, parseQuantity } from '../quantity';

/** Options of {@link PrometheusStorage.persistent}. */
export interface PersistentPrometheusStorageOptions {
  /**
   * StorageClass of the claim. Named explicitly: a claim without a class binds only where the
   * cluster has a default StorageClass, which a new EKS cluster does not, and then stays
   * Pending. The platform's `storageClass` renders one for EBS (`gp3`).
   */
  readonly storageClassName: string;
  /** Size of the claim. @default "50Gi" */
  readonly size?: string;
}

/** Options of {@link PrometheusStorage.clusterDefault}. */
export interface ClusterDefaultPrometheusStorageOptions {
  /** Size of the claim. @default "50Gi" */
  readonly size?: string;
}

/** Options of {@link PrometheusStorage.ephemeral}. */
export interface EphemeralPrometheusStorageOptions {
  /** Size limit of the emptyDir; the pod requests as much `ephemeral-storage`. @default "10Gi" */
  readonly sizeLimit?: string;
}

/** Prometheus storage with its defaults resolved. */
export interface ResolvedPrometheusStorage {
  /** `persistent`: a PersistentVolumeClaim; `ephemeral`: an emptyDir on the node's disk. */
  readonly kind: 'persistent' | 'ephemeral';
  /** StorageClass of the claim; absent for the cluster's default class (and for ephemeral storage). */
  readonly storageClassName?: string;
  /** Claim size, or emptyDir size limit, a Kubernetes quantity. */
  readonly size: string;
  /**
   * `--storage.tsdb.retention.size`: 80 % of the volume, so Prometheus deletes old blocks
   * before the volume fills (a full volume crashes it; a full emptyDir gets the pod evicted).
   * Prometheus units are powers of 1024.
   * @see https://prometheus.io/docs/prometheus/latest/storage/#operational-aspects
   */
  readonly retentionSize: string;
}

/** Default claim size. */
export const DEFAULT_PROMETHEUS_STORAGE_SIZE = '50Gi';
/** Default emptyDir size limit. */
export const DEFAULT_PROMETHEUS_EPHEMERAL_SIZE = '10Gi';
/** Share of the volume Prometheus may fill before deleting old blocks. */
const RETENTION_SHARE = 0.8;

/**
 * Where the embedded Prometheus keeps its TSDB: a PersistentVolumeClaim of a named
 * StorageClass, of the cluster's default class (said explicitly), or an emptyDir.
 *
 * HPAs read only the last few minutes, so any of them serves autoscaling; what differs is
 * whether history survives the pod being rescheduled (dashboards, `inferscale simulate` inputs).
 *
 * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/
 * @see https://kubernetes.io/docs/concepts/storage/volumes/#emptydir
 */
export class PrometheusStorage {
  /**
   * A PersistentVolumeClaim of a named StorageClass: history survives restarts. The class must
   * exist and its provisioner run (on EKS, the EBS CSI driver).
   */
  public static persistent(options: PersistentPrometheusStorageOptions): PrometheusStorage {
    return new PrometheusStorage('persistent', options.storageClassName, options.size, true);
  }

  /**
   * A PersistentVolumeClaim without a class, for a cluster known to have a default StorageClass
   * (GKE, AKS, EKS with one marked `storageclass.kubernetes.io/is-default-class`).
   */
  public static clusterDefault(options: ClusterDefaultPrometheusStorageOptions = {}): PrometheusStorage {
    return new PrometheusStorage('persistent', undefined, options.size, false);
  }

  /**
   * An emptyDir with a size limit: binds everywhere, history is lost when the pod is deleted or
   * moved (not on a container restart). For throwaway and test clusters.
   */
  public static ephemeral(options: EphemeralPrometheusStorageOptions = {}): PrometheusStorage {
    return new PrometheusStorage('ephemeral', undefined, options.sizeLimit, false);
  }

  /** Which kind of storage. */
  public readonly kind: ResolvedPrometheusStorage['kind'];
  /** StorageClass named, for `persistent`. */
  public readonly storageClassName?: string;
  /** Size given, if any. */
  public readonly size?: string;
  private readonly namesClass: boolean;

  private constructor(kind: ResolvedPrometheusStorage['kind'], storageClassName: string | undefined, size: string | undefined, namesClass: boolean) {
    this.kind = kind;
    this.storageClassName = storageClassName;
    this.size = size;
    this.namesClass = namesClass;
  }

  /**
   * Resolves the defaults and checks every option.
   * @param path where the storage sits in the props, e.g. `source.storage`
   */
  public resolve(path: string): {
    /** The storage with its defaults; absent when there is any problem. */
    storage?: ResolvedPrometheusStorage;
    /** Every invalid option, with its path under `path`; empty when valid. */
    problems: Problem[];
  } {
    const problems: Problem[] = [];
    const sizeField = this.kind === 'ephemeral' ? 'sizeLimit' : 'size';
    const size = this.size ?? (this.kind === 'ephemeral' ? DEFAULT_PROMETHEUS_EPHEMERAL_SIZE : DEFAULT_PROMETHEUS_STORAGE_SIZE);
    const q = checkQuantity(`${path}.${sizeField}`, size);
    problems.push(...q.problems);
    if (q.value !== undefined && q.value < 2 ** 30) {
      problems.push({ path: `${path}.${sizeField}`, message: `is ${show(size)}; the TSDB needs at least "1Gi"` });
    }
    if (this.namesClass && (typeof this.storageClassName !== 'string' || !isDnsSubdomain(this.storageClassName))) {
      problems.push({ path: `${path}.storageClassName`, message: `is ${show(this.storageClassName)}; expected a StorageClass name (a DNS-1123 subdomain) such as "gp3", or PrometheusStorage.clusterDefault() when the cluster has a default StorageClass` });
    }
    if (problems.length) return { problems };
    return {
      problems,
      storage: {
        kind: this.kind,
        ...(this.namesClass ? { storageClassName: this.storageClassName } : {}),
        size,
        retentionSize: `${Math.floor((parseQuantity(size)! * RETENTION_SHARE) / 2 ** 20)}MB`,
      },
    };
  }
}
