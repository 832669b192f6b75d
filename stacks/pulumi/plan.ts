import { App } from 'cdk8s';
import { PrometheusSource } from '../../lib/cdk8s';
import { AIInferencePlatform, AIInferencePlatformProps } from '../../lib/cdk8s/ai-inference-platform';
import { GpuNodePoolProps, resolveGpuNodePool, ResolvedGpuNodePool } from '../../lib/core/gpu-node-pool';
import { InferenceServiceProps, resolveInferenceService, ResolvedInferenceService } from '../../lib/core/inference-service';
import { isDnsSubdomain } from '../../lib/core/names';
import { InferscaleValidationError, prefixProblems, Problem, show } from '../../lib/core/problems';
import { childPath, GPU_NODE_POOL_CONFIG_SHAPE } from '../../lib/core/service-config';
import { InferenceEnvironmentArgs, resolveInferenceEnvironment, ResolvedInferenceEnvironment } from '../../lib/pulumi/inference-environment';
import { InferencePlatformArgs } from '../../lib/pulumi/inference-platform';
import { KubernetesObject } from '../../lib/pulumi/kubernetes-objects';
import { parseStackConfig, StackConfigValues, StorageOptions } from './stack-config';

/** Component name of the environment: prefix of every AWS child name, and the default cluster name. */
export const ENVIRONMENT_NAME = 'inferscale';
/** Component name of the platform: prefix of every Kubernetes child name. */
export const PLATFORM_NAME = 'platform';
/** Component name of the EBS CSI storage. */
export const STORAGE_NAME = 'inferscale-storage';
/** Default name of the StorageClass the program creates. */
export const DEFAULT_STORAGE_CLASS = 'gp3';

/** Every decision of the program, made before any resource is registered. */
export interface StackPlan {
  /** Args of the `InferenceEnvironment`. */
  readonly environmentArgs: InferenceEnvironmentArgs;
  /** The environment, resolved. */
  readonly environment: ResolvedInferenceEnvironment;
  /** Args of the `InferencePlatform`: pools from the environment, services, platform options. */
  readonly platformArgs: InferencePlatformArgs;
  /** The services, resolved, by id. */
  readonly services: Readonly<Record<string, ResolvedInferenceService>>;
  /** In-cluster URL of each service by id, e.g. `http://llm.inference.svc.cluster.local`. */
  readonly endpoints: Readonly<Record<string, string>>;
  /** The Kubernetes objects the platform renders (the dry run), exactly what will be registered. */
  readonly platformObjects: readonly KubernetesObject[];
  /** The EBS CSI driver and StorageClass to install; undefined for none. */
  readonly storage?: Required<StorageOptions>;
}

/** The GPU node pool description inside a GPU node group's options: the keys the cdk8s side reads too. */
export function poolPropsOf(group: Readonly<Record<string, unknown>>): GpuNodePoolProps {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(GPU_NODE_POOL_CONFIG_SHAPE)) if (group[key] !== undefined) out[key] = group[key];
  return out as unknown as GpuNodePoolProps;
}

/** Config-style paths for catalogue metrics: `metrics[1] (gpuUtilization)` becomes `metrics[1].gpuUtilization`. */
function configPath(path: string): string {
  return path.replace(/metrics\[(\d+)\] \((\w+)\)/g, (_m, i: string, kind: string) => `metrics[${i}].${kind === 'object' ? 'objectMetric' : kind}`);
}

/**
 * Maps a problem the cdk8s platform reported (at the platform's own paths) to the stack config:
 * `services.<id>...` stay, `namespaces.x` and the options of each part (`prometheus.x`,
 * `adapter.x`, `devicePlugin.x`, `dcgmExporter.x`) go under `platform.`, and `gpuNodePools[i]`
 * becomes `environment.gpuNodeGroups[j]`.
 */
function platformProblem(owner: string, p: Problem, poolIndexes: readonly number[]): Problem {
  const construct = /^(\w+) "/.exec(owner)?.[1] ?? '';
  if (construct !== 'AIInferencePlatform') return { path: configPath(p.path ? `platform (${owner}).${p.path}` : `platform (${owner})`), message: p.message };
  const path = p.path
    .replace(/^(namespaces|prometheus|adapter|autoscaler|keda|devicePlugin|dcgmExporter)\b/, 'platform.$1')
    .replace(/^gpuNodePools\[(\d+)\]/, (_m, i: string) => `environment.gpuNodeGroups[${poolIndexes[Number(i)] ?? i}]`);
  return { path: configPath(path), message: p.message };
}

/**
 * Renders the platform in a throw-away cdk8s app, as `InferencePlatform` will, and returns its
 * objects or the problems it reports (wiring between services and pools, Prometheus and adapter
 * options, deferred validations), mapped to config paths.
 */
function dryRunPlatform(props: AIInferencePlatformProps, poolIndexes: readonly number[]): { chart?: AIInferencePlatform; objects?: KubernetesObject[]; problems: Problem[] } {
  try {
    const chart = new AIInferencePlatform(new App({ outdir: '/dev/null' }), PLATFORM_NAME, props);
    const errors = chart.node.validate();
    if (errors.length) return { problems: errors.map((message) => ({ path: 'platform', message })) };
    return { chart, objects: chart.toJson() as KubernetesObject[], problems: [] };
  } catch (e) {
    if (e instanceof InferscaleValidationError) return { problems: e.problems.map((p) => platformProblem(e.owner, p, poolIndexes)) };
    return { problems: [{ path: 'platform', message: (e as Error).message }] };
  }
}


/**
 * When some GPU node groups have problems of their own, services are checked against the
 * others only; problems that depend on the set of pools say so, since fixing those groups may
 * fix them too.
 */
function notePartialPools(problems: readonly Problem[], invalidGroups: readonly number[]): Problem[] {
  if (invalidGroups.length === 0) return [...problems];
  const which = invalidGroups.map((i) => `environment.gpuNodeGroups[${i}]`).join(', ');
  return problems.map((p) => (/^services\.[^.]+(\.gpu|\.maxReplicas|\.resources|\.metrics\[\d+\]\.gpuUtilization)/.test(p.path)
    ? { ...p, message: `${p.message} (checked against the valid GPU node groups only: ${which} ${invalidGroups.length === 1 ? 'has problems of its own' : 'have problems of their own'})` }
    : p));
}

/** Keeps the first problem at each path: a type problem from parsing explains what a resolver then finds missing. */
function firstPerPath(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    if (seen.has(p.path)) return false;
    seen.add(p.path);
    return true;
  });
}

/**
 * Plans the whole stack from its config values, before any resource exists: parses the config,
 * resolves the environment (every GPU node group) and each service, renders the platform once
 * in memory with the environment's GPU pools, and checks that GPU services fit their nodes.
 * Returns the plan, or every problem found, each with its config path.
 */
export function planStack(values: StackConfigValues): { plan?: StackPlan; problems: Problem[] } {
  const { config, problems } = parseStackConfig(values);

  // Environment, and the GPU pools as the platform will see them.
  const envArgs = config.environment;
  let environment: ResolvedInferenceEnvironment | undefined;
  if (values.environment !== undefined) {
    const resolved = resolveInferenceEnvironment(ENVIRONMENT_NAME, envArgs);
    problems.push(...prefixProblems('environment', resolved.problems));
    environment = resolved.environment;
  }
  const groups = Array.isArray(envArgs.gpuNodeGroups) ? envArgs.gpuNodeGroups : [];
  const poolProps: GpuNodePoolProps[] = [];
  const pools: ResolvedGpuNodePool[] = [];
  const poolIndexes: number[] = [];
  const invalidGroups: number[] = [];
  groups.forEach((group, i) => {
    const props = typeof group === 'object' && group !== null ? poolPropsOf(group as unknown as Record<string, unknown>) : undefined;
    const pool = props && resolveGpuNodePool(props).pool;
    if (!props || !pool) {
      invalidGroups.push(i);
      return;
    }
    poolProps.push(props);
    pools.push(pool);
    poolIndexes.push(i);
  });

  // Storage for Prometheus' volume: installed with a new cluster unless turned off.
  let storage: Required<StorageOptions> | undefined;
  let storageValid = false;
  if (config.storage !== false && (config.storage !== undefined || envArgs.cluster === undefined)) {
    storage = { storageClassName: config.storage?.storageClassName ?? DEFAULT_STORAGE_CLASS, defaultClass: config.storage?.defaultClass ?? true };
    storageValid = isDnsSubdomain(storage.storageClassName);
    if (!storageValid) {
      problems.push({ path: 'storage.storageClassName', message: `is ${show(storage.storageClassName)}; expected a StorageClass name (a DNS-1123 subdomain) such as "gp3"` });
    }
  }

  // Services, resolved in the namespace the platform puts them in.
  const inferenceNamespace = config.platform.namespaces?.inference ?? 'inference';
  const serviceProps = config.services;
  // A Map: a service id such as "__proto__" is a key like any other.
  const resolvedServices = new Map<string, { props: InferenceServiceProps; spec: ResolvedInferenceService }>();
  for (const [id, props] of Object.entries(serviceProps)) {
    const { service, problems: serviceProblems } = resolveInferenceService({ ...props, namespace: props.namespace ?? inferenceNamespace }, id);
    problems.push(...prefixProblems(childPath('services', id), serviceProblems).map((p) => ({ ...p, path: configPath(p.path) })));
    if (service) resolvedServices.set(id, { props, spec: service });
  }

  // The platform, rendered once in memory with what is valid so far, for its own checks.
  const platform = config.platform;
  let prometheus = platform.prometheus;
  if (storage && (prometheus === undefined || prometheus.mode === 'embedded') && prometheus?.embeddedOptions?.storageClassName === undefined) {
    // An invalid class name is reported once, at storage.storageClassName; the dry run uses the default name.
    prometheus = PrometheusSource.embedded({ ...(prometheus?.embeddedOptions ?? {}), storageClassName: storageValid ? storage.storageClassName : DEFAULT_STORAGE_CLASS });
  }
  const validServices = Object.fromEntries([...resolvedServices].map(([id, s]) => [id, s.props]));
  const platformArgs: InferencePlatformArgs = {
    ...platform,
    // The environment installs the EKS metrics-server add-on, which serves metrics.k8s.io: a
    // second metrics-server from the platform would fight it for APIService v1beta1.metrics.k8s.io.
    ...(environment?.addons?.names.includes('metrics-server') ? { metricsServer: false, resourceMetricsProvider: 'cluster' } : {}),
    gpuNodePools: poolProps,
    // Bottlerocket NVIDIA nodes run their own plugin; with no other pool there is nothing to deploy.
    ...(pools.length > 0 && pools.every((p) => p.devicePluginPreinstalled) ? { devicePlugin: false } : {}),
    ...(prometheus ? { prometheus } : {}),
    services: validServices,
  };
  // Without the environment's GPU node groups there is nothing to check services against.
  const dryRun = values.environment === undefined || (groups.length > 0 && pools.length === 0)
    ? { problems: [] }
    : dryRunPlatform(platformArgs, poolIndexes);
  problems.push(...notePartialPools(dryRun.problems, invalidGroups));
  problems.push(...volumeZoneProblems(environment, dryRun.objects));

  const all = firstPerPath(problems);
  if (all.length > 0 || !environment || !dryRun.objects) return { problems: all };

  // In-cluster URLs, from the Services as rendered.
  const endpoints = new Map<string, string>();
  for (const [id, { spec }] of resolvedServices) {
    const svc = dryRun.objects.find((o) => o.kind === 'Service' && o.metadata.name === spec.name && o.metadata.namespace === spec.namespace);
    const ports = ((svc?.spec as { ports?: { name?: string; port: number }[] } | undefined)?.ports) ?? [];
    const port = ports.find((p) => p.name === 'http')?.port ?? ports[0]?.port;
    endpoints.set(id, `http://${spec.name}.${spec.namespace}.svc.cluster.local${port === undefined || port === 80 ? '' : `:${port}`}`);
  }

  return {
    problems: [],
    plan: {
      environmentArgs: envArgs,
      environment,
      platformArgs,
      services: Object.fromEntries([...resolvedServices].map(([id, s]) => [id, s.spec])),
      endpoints: Object.fromEntries(endpoints),
      platformObjects: dryRun.objects,
      ...(storage ? { storage } : {}),
    },
  };
}

/**
 * A Prometheus volume on EBS lives in one availability zone, and the system node group spreads
 * its nodes over every zone of its subnets. With fewer nodes than zones, a zone has none, and
 * after nodes are replaced (an upgrade, a scale-in) the volume's zone may be that one:
 * Prometheus stays Pending, and every HPA loses the custom metrics it reads through it. As many
 * nodes as zones keeps one in each (the Auto Scaling group balances its zones).
 */
function volumeZoneProblems(environment: ResolvedInferenceEnvironment | undefined, objects: readonly { kind?: unknown }[] | undefined): Problem[] {
  const system = environment?.systemNodeGroup;
  const zones = environment?.network?.zones.length;
  if (!system || zones === undefined || system.minNodes >= zones) return [];
  if (!objects?.some((o) => o.kind === 'PersistentVolumeClaim')) return [];
  return [{
    path: 'environment.systemNodeGroup.minNodes',
    message: `is ${system.minNodes}, below the ${zones} availability zones of the node subnets: Prometheus keeps its data on an EBS volume in one zone, which may be left without a system node, and Prometheus (with every HPA's custom metrics) would then stay Pending. Use at least ${zones}, or keep Prometheus' data on an emptyDir (inferscale:storage: false)`,
  }];
}
