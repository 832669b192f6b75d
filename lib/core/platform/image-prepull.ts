import { checkImage } from '../checks';
import { GPU_POOL_LABEL, ResolvedGpuNodePool } from '../gpu-node-pool';
import { IMAGES } from '../images';
import { Problem, show } from '../problems';
import type { PoolToleration } from './headroom';

/**
 * A DaemonSet on GPU pools that pulls the model-server images onto every node as it joins
 * (headroom nodes and `minNodes` nodes included), so a replica scheduled there starts its
 * container without a pull. Each image runs once as an init container (`command`, then exit);
 * the pod then sleeps in the pause container with tiny requests.
 * @see https://kubernetes.io/docs/concepts/containers/images/#pre-pulled-images
 */
export interface ImagePrepullProps {
  /** Images to pull. @default - the image of every service that requests a GPU */
  readonly images?: readonly string[];
  /** Names of the pools to pull on. @default - every GPU pool */
  readonly pools?: readonly string[];
  /**
   * What each init container runs: must exist in every image and exit 0 at once. The default
   * suits images built on a Linux distribution (vLLM, SGLang, TGI, Triton); a distroless image
   * needs a binary of its own that exits (its server with `--version`, say).
   * @default ["true"]
   */
  readonly command?: readonly string[];
}

/** Requests and limits of each pre-pull container. */
export interface PrepullResources {
  /** Requests: CPU and memory quantities. */
  readonly requests: {
    /** CPU quantity. */
    readonly cpu: string;
    /** Memory quantity. */
    readonly memory: string;
  };
  /** Limits: memory only (no CPU limit). */
  readonly limits: {
    /** Memory quantity. */
    readonly memory: string;
  };
}

/** What {@link resolveImagePrepull} returns. */
export interface ImagePrepullResult {
  /** The resolved DaemonSet, present exactly when `problems` is empty. */
  readonly spec?: ResolvedImagePrepull;
  /** What is wrong, with paths such as `pools[0]`. */
  readonly problems: Problem[];
}

/** {@link ImagePrepullProps} resolved. */
export interface ResolvedImagePrepull {
  /** DaemonSet name. */
  readonly name: string;
  /** Images pulled, sorted and without repeats (one init container each). */
  readonly images: readonly string[];
  /** Pools the DaemonSet runs on, in platform order. */
  readonly pools: readonly string[];
  /** Command of each init container. */
  readonly command: readonly string[];
  /** Image of the main container (pause). */
  readonly pauseImage: string;
  /** Requests (and memory limit) of every container: the DaemonSet must fit beside a replica. */
  readonly resources: PrepullResources;
  /** Tolerations: each selected pool's taints. */
  readonly tolerations: readonly PoolToleration[];
  /** Node affinity: nodes whose pool label is one of {@link pools}. */
  readonly poolLabel: string;
  /** Pod labels and selector. */
  readonly selectorLabels: Readonly<Record<string, string>>;
}

/** Name of the pre-pull DaemonSet. */
export const IMAGE_PREPULL_NAME = 'model-image-prepull';

/** Per container: 10 millicores and 16 MiB. `true` and `pause` use far less. */
const PREPULL_RESOURCES = { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '16Mi' } } as const;

/**
 * Resolves the pre-pull DaemonSet. `serviceImages` are the images of the GPU services (the
 * default set); problems name `images[i]`, `pools[i]` and `command`.
 */
export function resolveImagePrepull(props: ImagePrepullProps, pools: readonly ResolvedGpuNodePool[], serviceImages: readonly string[]): ImagePrepullResult {
  const problems: Problem[] = [];
  const images = props.images ?? serviceImages;
  images.forEach((image, i) => problems.push(...checkImage(`images[${i}]`, image, 'vllm/vllm-openai:v0.11.0')));
  if (images.length === 0) {
    problems.push({ path: props.images ? 'images' : '', message: props.images ? 'is empty; expected at least one image to pull' : 'has nothing to pull: no service requests a GPU. Give images, or remove imagePrepull' });
  }
  const poolNames = props.pools ?? pools.map((p) => p.name);
  poolNames.forEach((name, i) => {
    if (!pools.some((p) => p.name === name)) problems.push({ path: `pools[${i}]`, message: `is ${show(name)}; expected the name of a GPU node pool: ${pools.map((p) => JSON.stringify(p.name)).join(', ') || 'the platform has none'}` });
  });
  if (poolNames.length === 0) problems.push({ path: props.pools ? 'pools' : '', message: props.pools ? 'is empty; expected at least one GPU node pool' : 'has no GPU node pool to run on. Add gpuNodePools' });
  const command = props.command ?? ['true'];
  if (!Array.isArray(command) || command.length === 0 || command.some((c) => typeof c !== 'string' || c === '')) {
    problems.push({ path: 'command', message: `is ${show(command)}; expected a non-empty list of non-empty strings, e.g. ["true"]` });
  }
  if (problems.length) return { problems };
  const selected = pools.filter((p) => poolNames.includes(p.name));
  const tolerations = new Map<string, PoolToleration>();
  for (const p of selected) for (const t of p.taints) tolerations.set(`${t.key}=${t.value}:${t.effect}`, { key: t.key, operator: 'Equal', value: t.value, effect: t.effect });
  return {
    problems,
    spec: {
      name: IMAGE_PREPULL_NAME,
      images: [...new Set(images)].sort(),
      pools: selected.map((p) => p.name),
      command: [...command],
      pauseImage: IMAGES.pause,
      resources: PREPULL_RESOURCES,
      tolerations: [...tolerations.values()],
      poolLabel: GPU_POOL_LABEL,
      selectorLabels: { 'app.kubernetes.io/name': IMAGE_PREPULL_NAME, 'app.kubernetes.io/managed-by': 'inferscale' },
    },
  };
}
