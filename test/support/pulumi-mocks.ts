import { readFileSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { parse as parseYaml } from 'yaml';

/** One resource registered while mocks were installed. */
export interface RegisteredResource {
  /** Type token, e.g. `kubernetes:apps/v1:Deployment`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** Inputs as given to the constructor (outputs resolved). */
  readonly inputs: Record<string, any>;
  /** Reference (`<urn>::<id>`) of the provider the resource was registered with, if any. */
  readonly provider?: string;
  /** The resource's URN, as the mock engine gives it. */
  readonly urn: string;
  /** URN of the parent (the stack has none here: top-level resources have no parent). */
  readonly parent?: string;
  /**
   * URNs the engine is told this resource waits for: `dependsOn` (a component expanded to the
   * resources under it) and every resource whose outputs its inputs use. What orders creation,
   * and in reverse, deletion.
   */
  readonly dependencies: readonly string[];
  /** Input properties whose changes the engine is told to ignore (`ignoreChanges`). */
  readonly ignoreChanges: readonly string[];
}

/** Options of {@link installMocks}. */
export interface MockOptions {
  /** Project name. @default "inferscale" */
  readonly project?: string;
  /** Stack name. @default "test" */
  readonly stack?: string;
  /** Run as a preview (`pulumi preview`) rather than an update. @default true */
  readonly preview?: boolean;
  /** Outputs the cloud would compute for a resource, merged over its inputs. @default - none */
  readonly computed?: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown>;
  /** Results of provider functions (invokes). @default - the inputs, echoed */
  readonly call?: (args: pulumi.runtime.MockCallArgs) => Record<string, any>;
}

/**
 * Installs Pulumi mocks that record every registered resource. Call before importing the code
 * under test (dynamic `import()`), as the Pulumi docs advise.
 */
export function installMocks(options: MockOptions = {}): RegisteredResource[] {
  const registered: RegisteredResource[] = [];
  recordRequests();
  pulumi.runtime.setMocks({
    newResource: (args) => {
      const req = currentRequest;
      currentRequest = undefined;
      registered.push({
        type: args.type,
        name: args.name,
        inputs: args.inputs,
        ...(args.provider ? { provider: args.provider } : {}),
        urn: req?.urn ?? '',
        ...(req?.parent ? { parent: req.parent } : {}),
        dependencies: req?.dependencies ?? [],
        ignoreChanges: req?.ignoreChanges ?? [],
      });
      return { id: `${args.name}-id`, state: { ...args.inputs, ...(options.computed?.(args) ?? {}) } };
    },
    call: (args) => (options.call ? options.call(args) : args.inputs),
  }, options.project ?? 'inferscale', options.stack ?? 'test', options.preview ?? true);
  return registered;
}

/** What the SDK sent the engine for the resource being registered, read by `newResource`. */
let currentRequest: { urn: string; parent: string; dependencies: string[]; ignoreChanges: string[] } | undefined;

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
}
interface MockMonitorPrototype {
  registerResource(req: RegisterRequest, callback: unknown): unknown;
  newUrn(parent: string, type: string, name: string): string;
  __recording?: boolean;
}

/**
 * The mock engine hands `newResource` only the type, name, inputs and provider. The parent, the
 * dependencies (what orders creation and deletion) and the ignored changes are in the request the SDK sent, so the
 * mock monitor's `registerResource` keeps them for the `newResource` call it makes at once.
 */
function recordRequests(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const proto = (require('@pulumi/pulumi/runtime/mocks') as { MockMonitor: { prototype: MockMonitorPrototype } }).MockMonitor.prototype;
  if (proto.__recording) return;
  const original = proto.registerResource;
  proto.registerResource = function registerResource(this: MockMonitorPrototype, req: RegisterRequest, callback: unknown) {
    currentRequest = { urn: this.newUrn(req.getParent(), req.getType(), req.getName()), parent: req.getParent(), dependencies: req.getDependenciesList(), ignoreChanges: req.getIgnorechangesList() };
    return original.call(this, req, callback);
  };
  proto.__recording = true;
}

/** Account id in the ARNs the AWS mocks compute. */
export const MOCK_ACCOUNT = '123456789012';
/** Zones the AWS mocks report for the region. */
export const MOCK_ZONES: readonly string[] = ['us-west-2a', 'us-west-2b', 'us-west-2c', 'us-west-2d'];

/** The ARN the AWS mocks give the IAM role of logical name `name`. */
export function mockRoleArn(name: string): string {
  return `arn:aws:iam::${MOCK_ACCOUNT}:role/${name}`;
}

/** The OIDC issuer URL the AWS mocks give an EKS cluster named `name`. */
export function mockIssuer(clusterName: string): string {
  return `https://oidc.eks.us-west-2.amazonaws.com/id/${clusterName.toUpperCase()}`;
}

/**
 * `latestVersion` the AWS mocks give every launch template; not 1, so a node group that uses
 * the template's version is told apart from one that hard-codes the first.
 */
export const MOCK_LAUNCH_TEMPLATE_VERSION = 3;

/**
 * Outputs AWS computes that the inferscale components read: ARNs and names of IAM roles, the
 * cluster's endpoint, CA and OIDC issuer, the OIDC provider's ARN, the node group's name and
 * Auto Scaling group, and a launch template's version.
 */
export function awsComputedOutputs(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  switch (args.type) {
    case 'aws:iam/role:Role':
      return { arn: mockRoleArn(args.name), name: args.name };
    case 'aws:eks/cluster:Cluster': {
      const name = args.inputs.name ?? args.name;
      return {
        name,
        arn: `arn:aws:eks:us-west-2:${MOCK_ACCOUNT}:cluster/${name}`,
        endpoint: `https://${name}.gr7.us-west-2.eks.amazonaws.com`,
        certificateAuthority: { data: 'LS0tLS1CRUdJTi1DQQ==' },
        identities: [{ oidcs: [{ issuer: mockIssuer(name) }] }],
      };
    }
    case 'aws:iam/openIdConnectProvider:OpenIdConnectProvider':
      return { arn: `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/${String(args.inputs.url).replace('https://', '')}` };
    case 'aws:eks/nodeGroup:NodeGroup':
      return {
        nodeGroupName: `${args.name}-20260101`,
        resources: [{ autoscalingGroups: [{ name: `eks-${args.name}-asg` }], remoteAccessSecurityGroupId: '' }],
      };
    case 'aws:ec2/launchTemplate:LaunchTemplate':
      return { latestVersion: MOCK_LAUNCH_TEMPLATE_VERSION };
    case 'aws:kms/key:Key':
      return { arn: `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT}:key/${args.name}`, keyId: args.name };
    default:
      return {};
  }
}

/** Region of the AWS provider in the mocks. */
export const MOCK_REGION = 'us-west-2';

/** A node group that exists in the mocked account: its live scaling and what else EKS describes. */
export interface MockLiveNodeGroup {
  /** Fewest nodes. */
  readonly minSize: number;
  /** Most nodes. */
  readonly maxSize: number;
  /** Nodes wanted now (the cluster autoscaler's choice). */
  readonly desiredSize: number;
  /** AWS tags. @default - none */
  readonly tags?: Readonly<Record<string, string>>;
  /** ARN of its node IAM role. @default - {@link MOCK_UNMANAGED_ROLE_ARN} */
  readonly nodeRoleArn?: string;
  /** EKS status. @default "ACTIVE" */
  readonly status?: string;
}

/** Node role of a mocked live node group that names none: a role no component under test created. */
export const MOCK_UNMANAGED_ROLE_ARN = `arn:aws:iam::${MOCK_ACCOUNT}:role/unmanaged-node-role`;

/**
 * Node groups that exist in the mocked account, by EKS name; empty (a first deployment) unless
 * a test puts some in.
 */
export const MOCK_LIVE_NODE_GROUPS = new Map<string, MockLiveNodeGroup>();

/** Every provider function call the AWS mocks answered, in order. */
export const MOCK_CALLS: pulumi.runtime.MockCallArgs[] = [];

/**
 * The version the mocked `aws.eks.getAddonVersion` returns: it names the add-on, the
 * Kubernetes version asked for and whether the newest was asked for, so a test can see what the
 * code asked.
 */
export function mockAddonVersion(addonName: string, kubernetesVersion: string, mostRecent: boolean): string {
  return `v-${addonName}-${kubernetesVersion}-${mostRecent ? 'newest' : 'default'}`;
}

/**
 * Provider functions the AWS components call: the region's availability zones (zones that need
 * no opt-in only when asked for, after a Local Zone otherwise, as AWS sorts them), the provider's
 * region, add-on versions, and the cluster's live node groups ({@link MOCK_LIVE_NODE_GROUPS}).
 */
export function awsCall(args: pulumi.runtime.MockCallArgs): Record<string, any> {
  MOCK_CALLS.push(args);
  switch (args.token) {
    case 'aws:index/getAvailabilityZones:getAvailabilityZones': {
      const filtered = (args.inputs.filters ?? []).some((f: { name: string; values: string[] }) => f.name === 'opt-in-status' && f.values.includes('opt-in-not-required') && f.values.length === 1);
      return { names: [...(filtered ? [] : ['us-west-2-lax-1a']), ...MOCK_ZONES], zoneIds: [], id: MOCK_REGION };
    }
    case 'aws:index/getRegion:getRegion':
      return { region: MOCK_REGION, name: MOCK_REGION, id: MOCK_REGION, description: 'US West (Oregon)', endpoint: `ec2.${MOCK_REGION}.amazonaws.com` };
    case 'aws:eks/getAddonVersion:getAddonVersion':
      return { ...args.inputs, version: mockAddonVersion(args.inputs.addonName, args.inputs.kubernetesVersion, args.inputs.mostRecent === true), id: args.inputs.addonName };
    case 'aws:eks/getNodeGroups:getNodeGroups':
      return { clusterName: args.inputs.clusterName, names: [...MOCK_LIVE_NODE_GROUPS.keys()], id: args.inputs.clusterName, region: MOCK_REGION };
    case 'aws:eks/getNodeGroup:getNodeGroup': {
      const live = MOCK_LIVE_NODE_GROUPS.get(args.inputs.nodeGroupName);
      if (!live) throw new Error(`no node group ${args.inputs.nodeGroupName}`);
      const { minSize, maxSize, desiredSize } = live;
      return {
        ...args.inputs,
        scalingConfigs: [{ minSize, maxSize, desiredSize }],
        tags: { ...(live.tags ?? {}) },
        nodeRoleArn: live.nodeRoleArn ?? MOCK_UNMANAGED_ROLE_ARN,
        status: live.status ?? 'ACTIVE',
        region: MOCK_REGION,
        id: args.inputs.nodeGroupName,
      };
    }
    default:
      return args.inputs;
  }
}

/** Mocks for the AWS components: {@link awsComputedOutputs}, {@link awsCall}, run as an update. */
export function installAwsMocks(options: Omit<MockOptions, 'computed' | 'call'> = {}): RegisteredResource[] {
  return installMocks({ preview: false, ...options, computed: awsComputedOutputs, call: awsCall });
}

/**
 * Speed: Pulumi captures a stack trace for every resource (its source position) and for many
 * internal promises, and jest source-maps each one; that is most of the time a suite with a few
 * hundred resources takes. Source positions mean nothing under mocks, so they are skipped for
 * good; other stack traces are off until the returned function is called (call it once the
 * resources are registered, so assertion failures keep their traces).
 */
export function quietRegistration(): () => void {
  skipSourcePositions();
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  return () => { Error.stackTraceLimit = saved; };
}

function skipSourcePositions(): void {
  (pulumi.Resource as unknown as { callsites: () => unknown[] }).callsites = () => [];
}

/** {@link quietRegistration} for a suite that registers resources test by test. */
export interface QuietSettling {
  /** Stack traces off until the next `settle()` or `loud()`; calling it again before then changes nothing. */
  quiet(): void;
  /** Waits for the registered resources as `settle(registered)` does, then turns stack traces on again. */
  settle(): Promise<void>;
  /** Stack traces on again, as before `quiet()`; for `afterEach`, in case a test failed before settling. */
  loud(): void;
}

/**
 * Speed for a suite that registers resources in many tests: source positions are skipped from
 * now on, and stack traces are off from each `quiet()` (in `beforeEach`) until `settle()`
 * returns, so the assertions that follow keep their traces.
 *
 * @param registered the array {@link installMocks} returned (emptied in place between tests)
 */
export function quietSettling(registered: readonly unknown[]): QuietSettling {
  skipSourcePositions();
  let saved: number | undefined;
  const loud = (): void => {
    if (saved !== undefined) Error.stackTraceLimit = saved;
    saved = undefined;
  };
  return {
    quiet: () => {
      saved ??= Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
    },
    settle: async () => {
      try {
        await settle(registered);
      } finally {
        loud();
      }
    },
    loud,
  };
}

/** Waits until no resource has been registered for `stableTicks` ticks of `tickMs` (at most `maxTicks`). */
export async function settle(registered: readonly unknown[], tickMs = 5, stableTicks = 3, maxTicks = 400): Promise<void> {
  let stable = 0;
  let last = -1;
  for (let i = 0; i < maxTicks && stable < stableTicks; i++) {
    await new Promise((r) => setTimeout(r, tickMs));
    stable = registered.length === last ? stable + 1 : 0;
    last = registered.length;
  }
}

/**
 * The `config:` map of a Pulumi stack file (`Pulumi.<stack>.yaml`), keys as written
 * (`aws:region`, `inferscale:environment`).
 */
export function loadStackConfigFile(path: string): Record<string, unknown> {
  const doc = parseYaml(readFileSync(path, 'utf8')) as { config?: Record<string, unknown> } | null;
  return { ...(doc?.config ?? {}) };
}

/**
 * Sets the stack config through the Pulumi runtime's config API, as the CLI hands it to a
 * program: every key namespaced (`project:key` for keys written without one), strings as they
 * are, structured values as JSON. Replaces any config set before.
 *
 * @param project namespace of keys written without one
 */
export function setStackConfig(config: Readonly<Record<string, unknown>>, project = 'inferscale', secretKeys: readonly string[] = []): void {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    values[key.includes(':') ? key : `${project}:${key}`] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  pulumi.runtime.setAllConfig(values, [...secretKeys]);
}

/** Resolves a Pulumi output in a mocked run. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}
