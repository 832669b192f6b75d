import { isDnsSubdomain } from './names';
import { Problem, show } from './problems';
import { checkQuantity, parseQuantity } from './quantity';

/** Options of {@link ModelCache.emptyDir}. */
export interface EmptyDirModelCacheOptions {
  /**
   * Most the cache may hold; the kubelet evicts the pod past it, and the pod requests as much
   * `ephemeral-storage` (plus scratch space) so it only lands on a node with room for it.
   * @default - from the parameter count in `model.name` ("7B": 7e9 × 2 bytes × 1.5), else "50Gi" with a GPU and "4Gi" without
   */
  readonly sizeLimit?: string;
}

/** Options of {@link ModelCache.persistentVolumeClaim}. */
export interface PersistentVolumeClaimModelCacheOptions {
  /**
   * An existing PersistentVolumeClaim in the service's namespace. Every replica mounts it, so
   * with more than one replica it must be ReadOnlyMany or ReadWriteMany (EFS, FSx for Lustre,
   * a pre-filled snapshot).
   */
  readonly claimName: string;
  /**
   * Mount it read-only (weights filled beforehand, e.g. by a Job running `huggingface-cli
   * download`). Sets `HF_HUB_OFFLINE=1`, since the hub client cannot write to the cache.
   * @default false
   */
  readonly readOnly?: boolean;
}

/** Options of {@link ModelCache.hostPath}. */
export interface HostPathModelCacheOptions {
  /**
   * Absolute directory on the node, created if missing (`DirectoryOrCreate`). Survives pod
   * restarts on that node. Pod Security "baseline" and "restricted" forbid hostPath volumes:
   * the namespace must be "privileged".
   */
  readonly path: string;
}

/** A model cache with its defaults resolved. */
export type ResolvedModelCache =
  | {
    /** A per-pod `emptyDir` on the node's disk, gone with the pod. */
    readonly kind: 'emptyDir';
    /** Size limit of the emptyDir, a Kubernetes quantity. */
    readonly sizeLimit: string;
  }
  | {
    /** An existing PersistentVolumeClaim. */
    readonly kind: 'persistentVolumeClaim';
    /** Name of the claim. */
    readonly claimName: string;
    /** Mounted read-only. */
    readonly readOnly: boolean;
  }
  | {
    /** A directory on the node. */
    readonly kind: 'hostPath';
    /** Absolute path on the node. */
    readonly path: string;
  };

/**
 * Where a model server keeps downloaded weights, mounted at {@link MODEL_CACHE_PATH} with
 * `HF_HOME` pointing there (the Hugging Face hub, vLLM, SGLang, TGI and TEI all read it).
 * Without one, weights land in the container's writable layer, are downloaded again on every
 * start, and count against no request.
 *
 * @see https://huggingface.co/docs/huggingface_hub/package_reference/environment_variables#hfhome
 * @see https://kubernetes.io/docs/concepts/storage/volumes/
 */
export class ModelCache {
  /**
   * An `emptyDir` with a size limit, and a matching `ephemeral-storage` request (the default).
   * Survives container restarts, not the pod: each new replica downloads the weights once.
   * @see https://kubernetes.io/docs/concepts/storage/volumes/#emptydir
   */
  public static emptyDir(options: EmptyDirModelCacheOptions = {}): ModelCache {
    return new ModelCache('emptyDir', options);
  }

  /**
   * An existing PersistentVolumeClaim (a shared ReadOnlyMany or ReadWriteMany volume): weights
   * are downloaded once for every replica.
   * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes
   */
  public static persistentVolumeClaim(options: PersistentVolumeClaimModelCacheOptions): ModelCache {
    return new ModelCache('persistentVolumeClaim', options);
  }

  /**
   * A directory on the node: weights are downloaded once per node. Needs a Pod Security
   * "privileged" namespace.
   * @see https://kubernetes.io/docs/concepts/storage/volumes/#hostpath
   */
  public static hostPath(options: HostPathModelCacheOptions): ModelCache {
    return new ModelCache('hostPath', options);
  }

  /** Which kind of cache. */
  public readonly kind: ResolvedModelCache['kind'];
  /** The options given to the factory. */
  public readonly options: EmptyDirModelCacheOptions | PersistentVolumeClaimModelCacheOptions | HostPathModelCacheOptions;

  private constructor(kind: ResolvedModelCache['kind'], options: ModelCache['options']) {
    this.kind = kind;
    this.options = options ?? {};
  }

  /**
   * Resolves the defaults and checks every option.
   * @param path where the cache sits in the props, e.g. `modelCache`
   * @param defaultSizeLimit the emptyDir size when none is given
   */
  public resolve(path: string, defaultSizeLimit: string): {
    /** The cache with its defaults; absent when there is any problem. */
    cache?: ResolvedModelCache;
    /** Every invalid option, with its path under `path`; empty when valid. */
    problems: Problem[];
  } {
    const problems: Problem[] = [];
    switch (this.kind) {
      case 'emptyDir': {
        const o = this.options as EmptyDirModelCacheOptions;
        const sizeLimit = o.sizeLimit ?? defaultSizeLimit;
        const q = checkQuantity(`${path}.sizeLimit`, sizeLimit);
        problems.push(...q.problems);
        if (q.value === 0) problems.push({ path: `${path}.sizeLimit`, message: `is ${show(sizeLimit)}; a model cache needs room for the weights, expected a size such as "20Gi"` });
        return problems.length ? { problems } : { cache: { kind: 'emptyDir', sizeLimit }, problems };
      }
      case 'persistentVolumeClaim': {
        const o = this.options as PersistentVolumeClaimModelCacheOptions;
        if (typeof o.claimName !== 'string' || !isDnsSubdomain(o.claimName)) {
          problems.push({ path: `${path}.claimName`, message: `is ${show(o.claimName)}; expected the name of a PersistentVolumeClaim in the service's namespace (a DNS-1123 subdomain)` });
        }
        if (o.readOnly !== undefined && typeof o.readOnly !== 'boolean') {
          problems.push({ path: `${path}.readOnly`, message: `is ${show(o.readOnly)}; expected true or false` });
        }
        return problems.length ? { problems } : { cache: { kind: 'persistentVolumeClaim', claimName: o.claimName, readOnly: o.readOnly ?? false }, problems };
      }
      case 'hostPath': {
        const o = this.options as HostPathModelCacheOptions;
        const p = o.path;
        if (typeof p !== 'string' || !p.startsWith('/') || p === '/' || p.split('/').includes('..') || /[\s:]/.test(p)) {
          problems.push({ path: `${path}.path`, message: `is ${show(p)}; expected an absolute directory on the node other than "/", without ".." or spaces, such as "/mnt/models"` });
        }
        return problems.length ? { problems } : { cache: { kind: 'hostPath', path: p }, problems };
      }
    }
  }
}

/** Where the model cache is mounted; `HF_HOME` points here. */
export const MODEL_CACHE_PATH = '/model-cache';
/** Home directory of the model server: an `emptyDir`, since the image has no home for an arbitrary UID. */
export const SERVER_HOME = '/home/inferscale';
/** User name given to the server in `USER` and `LOGNAME`. */
export const SERVER_USER = 'inferscale';
/**
 * `ephemeral-storage` requested on top of an emptyDir cache for what else a server writes to the
 * node's disk: `/tmp`, its home (compile caches), and container logs.
 */
export const SCRATCH_STORAGE = '2Gi';

/** Bytes per parameter of bf16/fp16 weights, the format most checkpoints are published in. */
const BYTES_PER_PARAMETER = 2;
/** Headroom over the weights: parameter counts in names are rounded down ("7B" is often 7.6e9), plus tokenizer and config files. */
const CACHE_HEADROOM = 1.5;
/**
 * Emptydir size when the model name gives no parameter count: enough for a 20B-parameter
 * checkpoint on GPUs; on CPUs, for the embedding and reranking models served there (BAAI
 * bge-large is 1.3 GB), small enough for 50 GiB system nodes to hold several replicas.
 */
const DEFAULT_CACHE_GIB = { gpu: 50, cpu: 4 } as const;

/**
 * The emptyDir cache size a model needs, from the parameter count its name carries
 * (`Llama-3.1-8B`, `Qwen2.5-7B-Instruct`, `Mixtral-8x7B`): count × 2 bytes × 1.5, rounded up
 * to whole GiB. A name without a count (or no name) gets 50Gi with a GPU and 4Gi without.
 * Give `ModelCache.emptyDir({ sizeLimit })` for quantized or unusual checkpoints.
 */
export function defaultModelCacheSize(modelName: string | undefined, hasGpu: boolean): string {
  const params = parameterCount(modelName ?? '');
  if (params === undefined) return `${hasGpu ? DEFAULT_CACHE_GIB.gpu : DEFAULT_CACHE_GIB.cpu}Gi`;
  return `${Math.max(1, Math.ceil((params * BYTES_PER_PARAMETER * CACHE_HEADROOM) / 2 ** 30))}Gi`;
}

/** Parameters named in a model id: `8B`, `0.5B`, `350M`, `8x7B`; undefined when none. */
function parameterCount(name: string): number | undefined {
  // Not preceded by a letter or digit, so "A3B" (active parameters of a MoE) and "v1.5" do not count.
  const match = /(?<![A-Za-z0-9.])(?:(\d+)x)?(\d+(?:\.\d+)?)([BM])(?![A-Za-z0-9])/.exec(name);
  if (!match) return undefined;
  const experts = match[1] ? Number(match[1]) : 1;
  return experts * Number(match[2]) * (match[3] === 'B' ? 1e9 : 1e6);
}

/** One volume of a model server pod and where it is mounted. */
export interface ServerVolume {
  /** Volume name, unique in the pod. */
  readonly name: string;
  /** Mount path in the container. */
  readonly mountPath: string;
  /** Mounted read-only. */
  readonly readOnly: boolean;
  /** The volume source, as the pod spec spells it. */
  readonly source:
    | {
      /** Node-local scratch space; `Memory` for tmpfs. */
      readonly emptyDir: {
        /** `Memory` for a tmpfs (counted as memory). @default - the node's disk */
        readonly medium?: 'Memory';
        /** Size limit. @default - none */
        readonly sizeLimit?: string;
      };
    }
    | {
      /** An existing claim. */
      readonly persistentVolumeClaim: {
        /** Claim name. */
        readonly claimName: string;
        /** Read-only. */
        readonly readOnly: boolean;
      };
    }
    | {
      /** A node directory. */
      readonly hostPath: {
        /** Absolute path on the node. */
        readonly path: string;
        /** Created when missing. */
        readonly type: 'DirectoryOrCreate';
      };
    };
}

/** What a model server pod needs to run as an arbitrary non-root UID: volumes and environment. */
export interface ServerRuntime {
  /** Volumes, in pod order: `/dev/shm`, `/tmp`, home, model cache. */
  readonly volumes: readonly ServerVolume[];
  /** Environment the server gets unless the user sets the same name, sorted by name. */
  readonly env: Readonly<Record<string, string>>;
  /** `ephemeral-storage` the pod requests: the emptyDir cache plus scratch space. */
  readonly ephemeralStorage: string;
}

/**
 * The writable paths and environment of a model server running as a UID the image has no
 * passwd entry for (Pod Security "restricted" asks for a non-root UID; vLLM's image has no
 * user 1000):
 *
 * - `USER` and `LOGNAME`: Python's `getpass.getuser()` reads them before the passwd database,
 *   which raises `KeyError` for an unknown UID; PyTorch's inductor names its cache directory with
 *   it and fails the server's start.
 * - `HOME` on an emptyDir: without a passwd entry, HOME is `/`, which the UID cannot write;
 *   `XDG_CACHE_HOME`, `XDG_CONFIG_HOME`, `VLLM_CACHE_ROOT`, `TRITON_CACHE_DIR` and
 *   `TORCHINDUCTOR_CACHE_DIR` point below it explicitly, so each cache has a known writable home.
 * - `/tmp` on an emptyDir (vLLM's RPC sockets and Python's tempfile use it).
 * - `HF_HOME` (and `HUGGINGFACE_HUB_CACHE`, its `hub` directory) on the model cache.
 *
 * With these, every path the engine writes is a volume, so `readOnlyRootFilesystem: true` works.
 *
 * @see https://docs.python.org/3/library/getpass.html#getpass.getuser
 * @see https://github.com/pytorch/pytorch/issues/140765 (inductor's cache directory and unknown UIDs)
 * @see https://docs.vllm.ai/en/stable/configuration/env_vars/ (VLLM_CACHE_ROOT defaults to XDG_CACHE_HOME/vllm, VLLM_CONFIG_ROOT to XDG_CONFIG_HOME/vllm, VLLM_RPC_BASE_PATH to the temp directory)
 * @see https://github.com/triton-lang/triton/blob/main/python/triton/knobs.py (TRITON_CACHE_DIR, default ~/.triton/cache)
 * @see https://huggingface.co/docs/huggingface_hub/package_reference/environment_variables
 */
export function serverRuntime(cache: ResolvedModelCache | undefined, sharedMemorySize: string | undefined): ServerRuntime {
  const volumes: ServerVolume[] = [];
  if (sharedMemorySize) volumes.push({ name: 'dshm', mountPath: '/dev/shm', readOnly: false, source: { emptyDir: { medium: 'Memory', sizeLimit: sharedMemorySize } } });
  volumes.push({ name: 'tmp', mountPath: '/tmp', readOnly: false, source: { emptyDir: {} } });
  volumes.push({ name: 'home', mountPath: SERVER_HOME, readOnly: false, source: { emptyDir: {} } });
  const env: Record<string, string> = {
    HOME: SERVER_HOME,
    LOGNAME: SERVER_USER,
    TORCHINDUCTOR_CACHE_DIR: `${SERVER_HOME}/.cache/torchinductor`,
    TRITON_CACHE_DIR: `${SERVER_HOME}/.cache/triton`,
    USER: SERVER_USER,
    VLLM_CACHE_ROOT: `${SERVER_HOME}/.cache/vllm`,
    XDG_CACHE_HOME: `${SERVER_HOME}/.cache`,
    XDG_CONFIG_HOME: `${SERVER_HOME}/.config`,
  };
  let cacheBytes = 0;
  if (cache) {
    env.HF_HOME = MODEL_CACHE_PATH;
    // The hub cache under it, spelled out too: some images set their own (text-embeddings-inference
    // sets HUGGINGFACE_HUB_CACHE=/data), which the pod's variable overrides.
    env.HUGGINGFACE_HUB_CACHE = `${MODEL_CACHE_PATH}/hub`;
    switch (cache.kind) {
      case 'emptyDir':
        volumes.push({ name: 'model-cache', mountPath: MODEL_CACHE_PATH, readOnly: false, source: { emptyDir: { sizeLimit: cache.sizeLimit } } });
        cacheBytes = parseQuantity(cache.sizeLimit) ?? 0;
        break;
      case 'persistentVolumeClaim':
        volumes.push({ name: 'model-cache', mountPath: MODEL_CACHE_PATH, readOnly: cache.readOnly, source: { persistentVolumeClaim: { claimName: cache.claimName, readOnly: cache.readOnly } } });
        if (cache.readOnly) env.HF_HUB_OFFLINE = '1';
        break;
      case 'hostPath':
        volumes.push({ name: 'model-cache', mountPath: MODEL_CACHE_PATH, readOnly: false, source: { hostPath: { path: cache.path, type: 'DirectoryOrCreate' } } });
        break;
    }
  }
  const scratch = parseQuantity(SCRATCH_STORAGE)!;
  return { volumes, env: Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : 1))), ephemeralStorage: bytesToQuantity(cacheBytes + scratch) };
}

/** Bytes as a quantity in whole Mi when they are whole Mi, else in bytes. */
function bytesToQuantity(bytes: number): string {
  const gi = bytes / 2 ** 30;
  if (Number.isInteger(gi)) return `${gi}Gi`;
  const mi = bytes / 2 ** 20;
  return Number.isInteger(mi) ? `${mi}Mi` : String(Math.ceil(bytes));
}

/**
 * Share of a node's disk the kubelet lets pods fill: it evicts pods once less than 10 % is free
 * (default hard eviction threshold `nodefs.available<10%`).
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#hard-eviction-thresholds
 */
export const NODE_DISK_USABLE_SHARE = 0.9;

/**
 * `ephemeral-storage` the EKS node AMIs reserve for the kubelet and the container runtime
 * (`kubeReserved`), GiB.
 * @see https://github.com/awslabs/amazon-eks-ami (the kubelet configuration's `kubeReserved`)
 */
export const KUBE_RESERVED_EPHEMERAL_STORAGE_GIB = 1;

/** Room for the filesystem's own metadata: its size as the kubelet sees it is a little under the disk's, GiB. */
const FILESYSTEM_OVERHEAD_GIB = 1;

/**
 * `ephemeral-storage` a node with a disk of `diskSizeGiB` offers pods (its allocatable), in whole
 * GiB rounded down: the filesystem's size, less the kubelet's reservation and the hard eviction
 * threshold. The checks hold a pod's request to it, and a GPU pool tells the cluster autoscaler
 * the same figure for a node it has not started yet.
 */
export function allocatableEphemeralStorageGiB(diskSizeGiB: number): number {
  return Math.max(0, Math.floor((diskSizeGiB - FILESYSTEM_OVERHEAD_GIB) * NODE_DISK_USABLE_SHARE) - KUBE_RESERVED_EPHEMERAL_STORAGE_GIB);
}

/** A service's storage as the platform checks it. */
export interface ModelCacheCheckInput {
  /** Services by the key they were given under (`services.<key>` in paths). */
  readonly services: Readonly<Record<string, {
    /** Namespace of the service's pods. */
    readonly namespace?: string;
    /** Its model cache. */
    readonly modelCache?: ResolvedModelCache;
    /** Its requests (`ephemeral-storage` among them). */
    readonly resources: {
      /** Quantities by resource name. */
      readonly requests: Readonly<Record<string, string>>;
    };
    /** Its GPU placement, when it runs on GPU nodes. */
    readonly gpu?: {
      /** Node labels its pods require. */
      readonly nodeSelector: Readonly<Record<string, string>>;
    };
  }>>;
  /** GPU node pools with their disk size. */
  readonly pools: readonly {
    /** Pool name. */
    readonly name: string;
    /** Node labels. */
    readonly labels: Readonly<Record<string, string>>;
    /** Root volume size in GiB, which holds images, logs and emptyDirs. */
    readonly diskSizeGiB: number;
  }[];
  /** Namespaces whose Pod Security level forbids hostPath volumes (baseline or restricted). */
  readonly hostPathForbiddenIn: readonly string[];
}

/**
 * Checks that each service's storage can run where the platform puts it: an `ephemeral-storage`
 * request (the emptyDir model cache and scratch) must fit the disk of a GPU node it selects,
 * below the kubelet's eviction threshold, or the pod stays Pending; and a hostPath cache is
 * refused by Pod Security "baseline" and "restricted".
 */
export function checkModelCaches(input: ModelCacheCheckInput): Problem[] {
  const problems: Problem[] = [];
  for (const [key, svc] of Object.entries(input.services)) {
    const at = `services.${key}.modelCache`;
    if (svc.modelCache?.kind === 'hostPath' && svc.namespace !== undefined && input.hostPathForbiddenIn.includes(svc.namespace)) {
      problems.push({
        path: at,
        message: `is a hostPath (${show(svc.modelCache.path)}), which Pod Security "restricted" on namespace ${show(svc.namespace)} forbids: the pods would be refused. Use ModelCache.persistentVolumeClaim with a local or shared PersistentVolume, or ModelCache.emptyDir`,
      });
    }
    const request = svc.resources.requests['ephemeral-storage'];
    const bytes = request === undefined ? undefined : parseQuantity(request);
    if (!svc.gpu || bytes === undefined) continue;
    const selected = input.pools.filter((p) => Object.entries(svc.gpu!.nodeSelector).every(([k, v]) => p.labels[k] === v));
    if (selected.length === 0) continue;
    const biggest = selected.reduce((a, b) => (b.diskSizeGiB > a.diskSizeGiB ? b : a));
    const usableGiB = allocatableEphemeralStorageGiB(biggest.diskSizeGiB);
    if (bytes <= usableGiB * 2 ** 30) continue;
    const cache = svc.modelCache?.kind === 'emptyDir' ? `the model cache (${svc.modelCache.sizeLimit}) and ${SCRATCH_STORAGE} of scratch` : `${SCRATCH_STORAGE} of scratch`;
    problems.push({
      path: svc.modelCache?.kind === 'emptyDir' ? `${at}.sizeLimit` : at,
      message: `needs ${request} of ephemeral-storage (${cache}), but the largest disk of the GPU nodes it selects is ${biggest.diskSizeGiB} GiB (pool ${biggest.name}), of which the kubelet lets pods fill ${usableGiB} GiB, shared with images and logs: the pod would stay Pending. Raise the pool's diskSizeGiB, give a smaller sizeLimit, or use ModelCache.persistentVolumeClaim`,
    });
  }
  return problems;
}
