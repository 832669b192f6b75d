import * as pulumi from '@pulumi/pulumi';
import { PrometheusSource, ServingCertificate } from '../../lib/cdk8s';
import { AIInferencePlatformProps } from '../../lib/cdk8s/ai-inference-platform';
import { InferenceServiceProps } from '../../lib/core/inference-service';
import { Problem, show } from '../../lib/core/problems';
import {
  booleanField,
  childPath,
  ConfigField,
  ConfigShape,
  falseOrField,
  GPU_NODE_POOL_CONFIG_SHAPE,
  listField,
  numberField,
  objectField,
  parseConfigObject,
  parseServiceConfig,
  parseServicesConfig,
  quantityField,
  required,
  RESOURCES_CONFIG_SHAPE,
  stringField,
  stringMapField,
  stringsField,
} from '../../lib/core/service-config';
import { InferenceEnvironmentArgs } from '../../lib/pulumi/inference-environment';

/**
 * The stack configuration of the Pulumi program, namespace `inferscale` (see `Pulumi.dev.yaml`):
 *
 * - `inferscale:environment` (required): the {@link InferenceEnvironmentArgs} (VPC, cluster,
 *   system and GPU node groups, cluster autoscaler). The region comes from `aws:region`.
 * - `inferscale:services`: inference services keyed by id, as `parseServicesConfig` reads them.
 * - `inferscale:platform`: platform options (namespaces, Prometheus, the adapter, device
 *   plugin, DCGM exporter, the GPU capacity check).
 * - `inferscale:storage`: the EBS CSI driver and a gp3 StorageClass for Prometheus' volume, or
 *   `false` when the cluster already has dynamic volume provisioning.
 */
export const STACK_CONFIG_KEYS: readonly string[] = Object.freeze(['environment', 'services', 'platform', 'storage']);

/** Raw config values, as plain data (each key's JSON, parsed). */
export interface StackConfigValues {
  /** `inferscale:environment`. */
  readonly environment?: unknown;
  /** `inferscale:services`. */
  readonly services?: unknown;
  /** `inferscale:platform`. */
  readonly platform?: unknown;
  /** `inferscale:storage`. */
  readonly storage?: unknown;
}

/** Storage the program installs for a new cluster. */
export interface StorageOptions {
  /** Name of the gp3 StorageClass. @default "gp3" */
  readonly storageClassName?: string;
  /** Mark it as the cluster's default StorageClass. @default true */
  readonly defaultClass?: boolean;
}

/** Platform options in config: the parts of the platform props that are not derived from the environment or services. */
export type PlatformOptions = Pick<AIInferencePlatformProps, 'namespaces' | 'prometheus' | 'adapter' | 'autoscaler' | 'keda' | 'devicePlugin' | 'dcgmExporter' | 'checkGpuCapacity' | 'gpuHeadroom' | 'imagePrepull'>;

/** The stack configuration, parsed. */
export interface StackConfig {
  /**
   * Environment args as far as they are right: wrong keys and values of the wrong type are left
   * out, so the environment's resolver can still check the rest.
   */
  readonly environment: InferenceEnvironmentArgs;
  /** The services that parsed without a problem, by id. */
  readonly services: Readonly<Record<string, InferenceServiceProps>>;
  /** Platform options. */
  readonly platform: PlatformOptions;
  /** Storage options; `false` for none, `undefined` for the default (installed with a new cluster). */
  readonly storage?: StorageOptions | false;
}

const str = stringField;
const num = numberField;
const bool = booleanField;

/** A GPU node group: the GPU node pool keys plus the AWS-side options of `GpuNodeGroupOptions`. */
const GPU_NODE_GROUP_SHAPE: ConfigShape = {
  ...GPU_NODE_POOL_CONFIG_SHAPE,
  ssm: bool(),
  tagAutoScalingGroup: bool(),
  tags: stringMapField(),
  kubernetesVersion: str(),
  additionalInstanceTypes: stringsField(),
};

/** The value as a plain object, or undefined with a problem saying what was expected instead. */
function objectOrProblem(path: string, value: unknown, expected: string, problems: Problem[]): Record<string, unknown> | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  problems.push({ path, message: `is ${show(value)}; expected ${expected}` });
  return undefined;
}

/** Objects of one shape by names of the user's choice (`accessEntries: { ops: {...} }`). */
function namedObjectsField(shape: ConfigShape, expected: string): ConfigField<Record<string, unknown>> {
  const entry = objectField(shape);
  return {
    expected,
    parse(path, value, problems) {
      const entries = objectOrProblem(path, value, expected, problems);
      if (!entries) return undefined;
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(entries)) {
        const parsed = entry.parse(`${path}.${key}`, v, problems);
        if (parsed !== undefined) out[key] = parsed;
      }
      return out;
    },
  };
}

/** The keys of {@link InferenceEnvironmentArgs} in config. */
export const ENVIRONMENT_CONFIG_SHAPE: ConfigShape = {
  clusterName: str(),
  kubernetesVersion: str(),
  region: str(),
  partition: str(),
  vpc: objectField({ id: required(str()), privateSubnetIds: required(stringsField()), publicSubnetIds: stringsField() }),
  network: objectField({ cidrBlock: str(), availabilityZones: stringsField(), availabilityZoneCount: num(), natGateways: str() }),
  cluster: objectField({ name: required(str()), kubeconfig: required(str()), oidcProviderArn: required(str()), oidcProviderUrl: required(str()) }),
  endpointPublicAccessCidrs: stringsField(),
  oidcThumbprints: stringsField(),
  systemNodeGroup: falseOrField(objectField({
    instanceType: str(), amiType: str(), minNodes: num(), maxNodes: num(), desiredNodes: num(), diskSizeGiB: num(), labels: stringMapField(),
  })),
  gpuNodeGroups: required(listField(
    objectField(GPU_NODE_GROUP_SHAPE, 'a GPU node group such as { name: "a10g", instanceType: "g5.xlarge", maxNodes: 2 }'),
    'a list of GPU node groups, each such as { name: "a10g", instanceType: "g5.xlarge", maxNodes: 2 }',
  )),
  clusterAutoscaler: falseOrField(objectField({ image: str(), extraArgs: stringsField() })),
  ssm: bool(),
  tags: stringMapField(),
  accessEntries: namedObjectsField(
    { principalArn: required(str()), policy: required(str()), namespaces: stringsField() },
    'an object of access entries by name, such as { mlEngineers: { principalArn: "arn:aws:iam::123456789012:role/ml", policy: "edit" } }',
  ),
  kubeconfigProfile: str(),
  kubeconfigRoleArn: str(),
  addons: falseOrField(objectField({ mostRecent: bool(), versions: stringMapField() })),
  deletionProtection: bool(),
  controlPlaneLogging: falseOrField(objectField({ types: stringsField(), retentionDays: num() })),
  secretsEncryption: falseOrField(objectField({ kmsKeyArn: str() })),
};

const EMBEDDED_PROMETHEUS_SHAPE: ConfigShape = {
  mode: str(),
  scrapeIntervalSeconds: num(),
  retentionTime: str(),
  storageSize: quantityField(),
  storageClassName: str(),
  image: str(),
  resources: objectField(RESOURCES_CONFIG_SHAPE),
  discoveryNamespaces: stringsField(),
};
const STACK_PROMETHEUS_SHAPE: ConfigShape = { mode: required(str()), url: required(str()), releaseLabel: required(str()), scrapeIntervalSeconds: num() };

/** `{ mode: embedded, ...options }` (the default mode) or `{ mode: kubePrometheusStack, url, releaseLabel }`. */
function prometheusField(): ConfigField<PrometheusSource> {
  const expected = '{ mode: "embedded", ... } or { mode: "kubePrometheusStack", url, releaseLabel }';
  return {
    expected,
    parse(path, value, problems) {
      if (!objectOrProblem(path, value, expected, problems)) return undefined;
      const mode = (value as Record<string, unknown>).mode ?? 'embedded';
      if (mode === 'kubePrometheusStack') {
        const { mode: _mode, ...o } = parseConfigObject(path, value as Record<string, unknown>, STACK_PROMETHEUS_SHAPE, problems);
        return PrometheusSource.existingKubePrometheusStack(o as never);
      }
      if (mode !== 'embedded') {
        problems.push({ path: `${path}.mode`, message: `is ${show(mode)}; expected "embedded" (a Prometheus server run by inferscale) or "kubePrometheusStack" (an existing kube-prometheus-stack)` });
        return undefined;
      }
      const { mode: _mode, ...o } = parseConfigObject(path, value as Record<string, unknown>, EMBEDDED_PROMETHEUS_SHAPE, problems);
      return PrometheusSource.embedded(o);
    },
  };
}

/** `selfSigned`, `certManager` or `{ certManager: { issuer, duration } }`. */
function servingCertificateField(): ConfigField<ServingCertificate> {
  const expected = '"selfSigned", "certManager" or { certManager: { issuer: { name, kind }, duration } }';
  const certManager = objectField({ issuer: objectField({ name: required(str()), kind: str() }), duration: str() });
  return {
    expected,
    parse(path, value, problems) {
      if (value === 'selfSigned') return ServingCertificate.selfSigned();
      if (value === 'certManager') return ServingCertificate.certManager();
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        const o = parseConfigObject(path, value as Record<string, unknown>, { certManager: required(certManager) }, problems);
        return ServingCertificate.certManager(o.certManager ?? {});
      }
      problems.push({ path, message: `is ${show(value)}; expected ${expected}` });
      return undefined;
    },
  };
}

/** The keys of the platform options in config. */
export const PLATFORM_CONFIG_SHAPE: ConfigShape = {
  namespaces: objectField({ inference: str(), gpuSystem: str(), monitoring: str() }),
  prometheus: prometheusField(),
  adapter: objectField({
    replicas: num(),
    metricsRelistIntervalSeconds: num(),
    externalMetricsOwner: str(),
    servingCertificate: servingCertificateField(),
    image: str(),
    resources: objectField(RESOURCES_CONFIG_SHAPE),
  }),
  autoscaler: str(),
  keda: objectField({ namespace: str(), pollingIntervalSeconds: num(), cooldownPeriodSeconds: num(), fallbackFailureThreshold: num(), fallbackBehavior: str() }),
  devicePlugin: falseOrField(objectField({
    image: str(), migStrategy: str(), priorityClassName: str(), skipPreinstalledNodes: bool(), resources: objectField(RESOURCES_CONFIG_SHAPE), labels: stringMapField(),
  })),
  dcgmExporter: falseOrField(objectField({
    image: str(),
    port: num(),
    priorityClassName: str(),
    resources: objectField(RESOURCES_CONFIG_SHAPE),
    labels: stringMapField(),
    requiredFields: stringsField(),
    metrics: listField(objectField({ name: required(str()), type: required(str()), help: required(str()) }, 'a DCGM field { name, type, help }'), 'a list of DCGM fields { name, type, help }'),
  })),
  networkPolicies: falseOrField(objectField({ inferenceClientNamespaces: stringsField(), prometheusClientNamespaces: stringsField(), prometheusNamespace: str() })),
  checkGpuCapacity: bool(),
  gpuHeadroom: listField(objectField({ pool: required(str()), nodes: required(num()), image: str() }, 'warm nodes { pool, nodes }'), 'a list of warm nodes { pool, nodes }'),
  imagePrepull: falseOrField(objectField({ images: stringsField(), pools: stringsField(), command: stringsField() })),
};

/** The keys of the storage options in config. */
export const STORAGE_CONFIG_SHAPE: ConfigShape = { storageClassName: str(), defaultClass: bool() };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the stack configuration through the Pulumi runtime, the way the CLI provides it (each
 * structured key's value as JSON). Values that are not JSON, and unknown keys in the `inferscale`
 * namespace (a typo such as `inferscale:service`), are problems.
 */
export function readStackConfig(config: pulumi.Config): { values: StackConfigValues; problems: Problem[] } {
  const problems: Problem[] = [];
  const values: Record<string, unknown> = {};
  for (const key of STACK_CONFIG_KEYS) {
    try {
      const value = config.getObject<unknown>(key);
      if (value !== undefined) values[key] = value;
    } catch {
      problems.push({ path: key, message: `is ${show(config.get(key))}, which is not structured config; set it as a YAML object in Pulumi.<stack>.yaml (or with pulumi config set --path)` });
    }
  }
  const prefix = `${config.name}:`;
  for (const key of Object.keys(pulumi.runtime.allConfig())) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    if (!STACK_CONFIG_KEYS.includes(name)) {
      problems.push({ path: name, message: `is not a known config key (${key}); known: ${STACK_CONFIG_KEYS.map((k) => `${config.name}:${k}`).join(', ')}` });
    }
  }
  return { values, problems };
}

/**
 * Parses the stack configuration. Every problem is collected with its path
 * (`environment.gpuNodeGroups[1].maxNodes`, `services.llm.metrics[0].gpuUtilization.targetPercent`,
 * `platform.prometheus.mode`); value rules are left to the environment's and services' resolvers.
 */
export function parseStackConfig(values: StackConfigValues): { config: StackConfig; problems: Problem[] } {
  const problems: Problem[] = [];

  let environment: Record<string, unknown> = {};
  if (values.environment === undefined) {
    problems.push({ path: 'environment', message: 'is missing; it is required: the environment with at least gpuNodeGroups (see Pulumi.dev.yaml)' });
  } else if (!isObject(values.environment)) {
    problems.push({ path: 'environment', message: `is ${show(values.environment)}; expected an object with keys ${Object.keys(ENVIRONMENT_CONFIG_SHAPE).join(', ')}` });
  } else {
    environment = parseConfigObject('environment', values.environment, ENVIRONMENT_CONFIG_SHAPE, problems);
  }

  // Each service on its own, so the ones that parse can still be checked against the platform.
  // Entries, not assignments: an id such as "__proto__" stays an ordinary key.
  const serviceEntries: [string, InferenceServiceProps][] = [];
  if (isObject(values.services)) {
    for (const [id, value] of Object.entries(values.services)) {
      const parsed = parseServiceConfig(childPath('services', id), value);
      problems.push(...parsed.problems);
      if (parsed.service) serviceEntries.push([id, parsed.service]);
    }
  } else if (values.services !== undefined) {
    problems.push(...parseServicesConfig('services', values.services).problems);
  }

  let platform: Record<string, unknown> = {};
  if (values.platform !== undefined) {
    if (!isObject(values.platform)) {
      problems.push({ path: 'platform', message: `is ${show(values.platform)}; expected an object with keys ${Object.keys(PLATFORM_CONFIG_SHAPE).join(', ')}` });
    } else {
      platform = parseConfigObject('platform', values.platform, PLATFORM_CONFIG_SHAPE, problems);
    }
  }

  let storage: StorageOptions | false | undefined;
  if (values.storage !== undefined) {
    storage = falseOrField(objectField<StorageOptions>(STORAGE_CONFIG_SHAPE)).parse('storage', values.storage, problems);
  }

  return {
    config: {
      environment: environment as unknown as InferenceEnvironmentArgs,
      services: Object.fromEntries(serviceEntries),
      platform: platform as PlatformOptions,
      ...(storage !== undefined ? { storage } : {}),
    },
    problems,
  };
}
