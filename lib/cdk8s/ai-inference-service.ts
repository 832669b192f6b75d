import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  formatProblems,
  InferenceServiceProps,
  InferscaleValidationError,
  resolveInferenceService,
  ResolvedInferenceService,
  ResolvedProbe,
  ResolvedScaledObject,
  resolveScaledObject,
  SCALED_OBJECT_API_VERSION,
  ScaledObjectOptions,
} from '../core';
import { DEFAULT_IMAGE_PULL_SECONDS, DEFAULT_NODE_PROVISIONING_SECONDS } from '../core/startup-times';
import { containerResources } from './resources';
import { checkFloorNames, ScheduledFloorJobs } from './scheduled-floors';
import { restrictedContainerSecurityContext } from './security';

/** Props of {@link AIInferenceService}: the framework-neutral {@link InferenceServiceProps}, plus KEDA's options. */
export interface AIInferenceServiceProps extends InferenceServiceProps {
  /**
   * With `autoscaler: "keda"`: the ScaledObject's options (Prometheus URL, polling, fallback).
   * @default - none: call {@link AIInferenceService.addScaledObject} (an AIInferencePlatform does)
   */
  readonly keda?: ScaledObjectOptions;
}

const PORT_NAME = 'http';
const METRICS_PORT_NAME = 'metrics';

/**
 * An autoscaled model server: Deployment, Service, ServiceAccount, PodDisruptionBudget and an
 * autoscaling/v2 HorizontalPodAutoscaler scaling on any mix of catalogue metrics.
 *
 * Objects are built from cdk8s-plus-27's typed Kubernetes API classes rather than its L2
 * Deployment and HorizontalPodAutoscaler, whose defaults (replicas 2, CPU limits, a
 * non-standard behavior, no GPU resources) conflict with GPU autoscaling. Every default is
 * resolved once in {@link AIInferenceService.spec}; the objects are public for escape hatches.
 *
 * @example
 * new AIInferenceService(chart, 'llm', {
 *   image: 'vllm/vllm-openai:v0.11.0',
 *   gpu: { count: 1 },
 *   model: { name: 'meta-llama/Llama-3.1-8B-Instruct', loadTimeSeconds: 240 },
 *   maxReplicas: 8,
 *   metrics: [ScalingMetric.requestsPerSecond({ targetPerPod: 4 })],
 * });
 */
export class AIInferenceService extends Construct {
  /** Every default resolved: what the objects below were rendered from. */
  public readonly spec: ResolvedInferenceService;
  /**
   * The Deployment (no `replicas`: the HPA owns the count). A plain ApiObject built from the
   * typed `k8s.DeploymentSpec`, so fields newer than cdk8s-plus-27's API (the preStop sleep
   * action) survive synthesis.
   */
  public readonly deployment: ApiObject;
  /** ClusterIP Service on port 80 (`http`) and, when separate, the metrics port. */
  public readonly service: k8s.KubeService;
  /** ServiceAccount without an automounted token. */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** PodDisruptionBudget, unless disabled. */
  public readonly podDisruptionBudget?: k8s.KubePodDisruptionBudget;
  /** autoscaling/v2 HorizontalPodAutoscaler with every metric and an explicit behavior; absent with `autoscaler: "keda"` (KEDA creates its own). */
  public readonly horizontalPodAutoscaler?: ApiObject;
  /** CronJobs that raise and lower the HPA's `minReplicas` (`scheduledFloors` with the adapter; KEDA gets cron triggers instead). */
  public readonly scheduledFloorJobs?: ScheduledFloorJobs;
  /** The KEDA ScaledObject, once added (`autoscaler: "keda"` only). */
  public scaledObject?: ApiObject;
  /** The ScaledObject resolved, once added. */
  public scaledObjectSpec?: ResolvedScaledObject;

  /**
   * @throws InferscaleValidationError listing every problem in `props`, prefixed with the construct path
   */
  public constructor(scope: Construct, id: string, props: AIInferenceServiceProps) {
    super(scope, id);
    const { service, problems: resolveProblems } = resolveInferenceService(props, id);
    const problems = [...resolveProblems];
    if (service?.scheduledFloors && service.autoscaler === 'adapter') problems.push(...checkFloorNames(service.name, service.scheduledFloors));
    if (!service || problems.length) throw new InferscaleValidationError(`AIInferenceService "${this.node.path}"`, problems);
    this.spec = service;
    const s = service;
    const metadata = { name: s.name, ...(s.namespace ? { namespace: s.namespace } : {}), labels: { ...s.labels } };

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    this.deployment = new ApiObject(this, 'Deployment', { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: k8s.toJson_DeploymentSpec(deploymentSpec(s)) });
    if (s.preStopSleepSeconds > 0) {
      // The sleep action (Kubernetes 1.30+) needs no shell in the image; cdk8s-plus-27's typed API predates it.
      this.deployment.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/lifecycle', { preStop: { sleep: { seconds: s.preStopSleepSeconds } } }));
    }
    this.service = new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector: { ...s.selectorLabels },
        ports: [
          { name: PORT_NAME, port: 80, targetPort: k8s.IntOrString.fromString(PORT_NAME), protocol: 'TCP' },
          ...(s.metricsPort !== s.port ? [{ name: METRICS_PORT_NAME, port: s.metricsPort, targetPort: k8s.IntOrString.fromString(METRICS_PORT_NAME), protocol: 'TCP' }] : []),
        ],
      },
    });
    if (s.disruptionBudget) {
      const mu = s.disruptionBudget.maxUnavailable;
      this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
        metadata,
        spec: {
          selector: { matchLabels: { ...s.selectorLabels } },
          maxUnavailable: typeof mu === 'number' ? k8s.IntOrString.fromNumber(mu) : k8s.IntOrString.fromString(mu),
          // A pod still loading its model is not serving: let drains evict it instead of blocking.
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
        },
      });
    }
    if (s.autoscaler === 'keda') {
      if (props.keda) this.addScaledObject(props.keda);
      this.node.addValidation({ validate: () => (this.scaledObject ? [] : [formatProblems(`AIInferenceService "${this.node.path}"`, [{ path: 'keda', message: 'is missing: with autoscaler "keda" nothing scales the Deployment. Give keda: { prometheusUrl }, call addScaledObject, or put the service in an AIInferencePlatform' }])]) });
    } else this.horizontalPodAutoscaler = new ApiObject(this, 'HorizontalPodAutoscaler', {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata,
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: s.name },
        minReplicas: s.minReplicas,
        maxReplicas: s.maxReplicas,
        metrics: s.hpaMetrics,
        behavior: s.behavior,
      },
    });

    if (s.scheduledFloors && s.autoscaler === 'adapter') {
      this.scheduledFloorJobs = new ScheduledFloorJobs(this, 'ScheduledFloors', s.name, s.namespace, s.scheduledFloors);
    }

    this.node.addValidation({ validate: () => this.checkUniqueName() });
  }

  /**
   * Renders the KEDA ScaledObject that scales this service (child id `ScaledObject`, named
   * like the service). Only for `autoscaler: "keda"`, once.
   * @see https://keda.sh/docs/2.17/reference/scaledobject-spec/
   * @throws InferscaleValidationError when the service uses the adapter, already has one, or a metric cannot be a KEDA trigger
   */
  public addScaledObject(options: ScaledObjectOptions): ApiObject {
    const owner = `AIInferenceService "${this.node.path}"`;
    if (this.spec.autoscaler !== 'keda') throw new InferscaleValidationError(owner, [{ path: 'autoscaler', message: `is ${JSON.stringify(this.spec.autoscaler)}; a ScaledObject next to the HPA would fight it over the replica count. Set autoscaler: "keda"` }]);
    if (this.scaledObject) throw new InferscaleValidationError(owner, [{ path: 'keda', message: 'is given twice: the service already has a ScaledObject' }]);
    const namespace = this.spec.namespace ?? Chart.of(this).namespace;
    if (namespace === undefined) throw new InferscaleValidationError(owner, [{ path: 'namespace', message: 'is not set, nor is the chart\'s: KEDA\'s trigger queries must name the namespace of the pods they sum over. Set namespace' }]);
    const r = resolveScaledObject({ ...this.spec, namespace }, options);
    if (!r.spec) throw new InferscaleValidationError(owner, r.problems.map((p) => ({ path: p.path.startsWith('metrics') || p.path === 'minReplicas' ? p.path : `keda.${p.path}`, message: p.message })));
    this.scaledObjectSpec = r.spec;
    this.scaledObject = new ApiObject(this, 'ScaledObject', {
      apiVersion: SCALED_OBJECT_API_VERSION,
      kind: 'ScaledObject',
      metadata: { name: r.spec.name, namespace, labels: { ...r.spec.labels }, annotations: { ...r.spec.annotations } },
      spec: r.spec.spec,
    });
    return this.scaledObject;
  }

  /**
   * Two services with one name in one namespace would overwrite each other's objects. Looked up
   * afresh on every validation: constructs may be added after an earlier one ran, and a cached
   * index would miss them.
   */
  private checkUniqueName(): string[] {
    const chart = Chart.of(this);
    const key = namespacedName(this, chart);
    const first = chart.node.findAll().find((c): c is AIInferenceService => c instanceof AIInferenceService && namespacedName(c, chart) === key);
    if (first === undefined || first === this) return [];
    return [formatProblems(`AIInferenceService "${this.node.path}"`, [{ path: 'name', message: `is ${JSON.stringify(this.spec.name)}, already used by AIInferenceService "${first.node.path}" in the same namespace; give each service its own name` }])];
  }
}

function namespacedName(svc: AIInferenceService, chart: Chart): string {
  return `${svc.spec.namespace ?? chart.namespace ?? ''}/${svc.spec.name}`;
}

function httpProbe(p: ResolvedProbe, port: string): k8s.Probe {
  return {
    httpGet: { path: p.path, port: k8s.IntOrString.fromString(port) },
    periodSeconds: p.periodSeconds,
    failureThreshold: p.failureThreshold,
    timeoutSeconds: p.timeoutSeconds,
  };
}

function deploymentSpec(s: ResolvedInferenceService): k8s.DeploymentSpec {
  const ports: k8s.ContainerPort[] = [{ name: PORT_NAME, containerPort: s.port, protocol: 'TCP' }];
  if (s.metricsPort !== s.port) ports.push({ name: METRICS_PORT_NAME, containerPort: s.metricsPort, protocol: 'TCP' });
  const volumes: k8s.Volume[] = s.volumes.map((v) => ({
    name: v.name,
    ...('emptyDir' in v.source
      ? { emptyDir: { ...(v.source.emptyDir.medium ? { medium: v.source.emptyDir.medium } : {}), ...(v.source.emptyDir.sizeLimit ? { sizeLimit: k8s.Quantity.fromString(v.source.emptyDir.sizeLimit) } : {}) } }
      : 'persistentVolumeClaim' in v.source
        ? { persistentVolumeClaim: { ...v.source.persistentVolumeClaim } }
        : { hostPath: { ...v.source.hostPath } }),
  }));
  const mounts: k8s.VolumeMount[] = s.volumes.map((v) => ({ name: v.name, mountPath: v.mountPath, ...(v.readOnly ? { readOnly: true } : {}) }));
  const spread = (topologyKey: string): k8s.TopologySpreadConstraint => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: { ...s.selectorLabels } },
    matchLabelKeys: ['pod-template-hash'],
  });
  const gpu = s.gpu;
  return {
    // No `replicas`: the HorizontalPodAutoscaler owns the count, and a re-apply must not reset it.
    selector: { matchLabels: { ...s.selectorLabels } },
    strategy: {
      type: 'RollingUpdate',
      rollingUpdate: s.rollout === 'replace'
        ? { maxSurge: k8s.IntOrString.fromNumber(0), maxUnavailable: k8s.IntOrString.fromNumber(1) }
        : { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) },
    },
    progressDeadlineSeconds: progressDeadlineSeconds(s),
    template: {
      metadata: { labels: { ...s.labels }, annotations: { ...s.podAnnotations } },
      spec: {
        serviceAccountName: s.name,
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: s.terminationGracePeriodSeconds,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: s.security.runAsUser,
          runAsGroup: s.security.runAsGroup,
          fsGroup: s.security.fsGroup,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        ...(gpu ? {
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: Object.entries(gpu.nodeSelector).map(([key, value]) => ({ key, operator: 'In', values: [value] })) }],
              },
            },
          },
        } : {}),
        ...(s.topologySpread ? { topologySpreadConstraints: [spread('topology.kubernetes.io/zone'), spread('kubernetes.io/hostname')] } : {}),
        containers: [{
          name: 'server',
          image: s.image,
          ...(s.command ? { command: [...s.command] } : {}),
          ...(s.args ? { args: [...s.args] } : {}),
          ...(s.env.length ? { env: s.env.map((e) => ({ name: e.name, value: e.value })) } : {}),
          ports,
          resources: containerResources(s.resources),
          startupProbe: httpProbe(s.probes.startup, PORT_NAME),
          readinessProbe: httpProbe(s.probes.readiness, PORT_NAME),
          livenessProbe: httpProbe(s.probes.liveness, PORT_NAME),
          securityContext: restrictedContainerSecurityContext(s.security.readOnlyRootFilesystem),
          volumeMounts: mounts,
        }],
        volumes,
      },
    },
  };
}

/** Seconds a Deployment waits for progress before it reports a rollout failed (the API's default). */
const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

/**
 * How long a rollout may go without progress before the Deployment reports it failed
 * (`ProgressDeadlineExceeded`, which `kubectl rollout status` and GitOps tools read as a failed
 * rollout): a new replica counts only once its model has loaded, which the startup probe allows
 * for; a GPU replica's surge pod may also wait for a node to start and pull the image first (a
 * replacement takes the GPU its predecessor freed). Two minutes more for scheduling and
 * readiness; never below the API's default.
 */
function progressDeadlineSeconds(s: ResolvedInferenceService): number {
  const startup = s.probes.startup.periodSeconds * s.probes.startup.failureThreshold;
  const newNode = s.gpu && s.rollout === 'surge' ? DEFAULT_NODE_PROVISIONING_SECONDS + DEFAULT_IMAGE_PULL_SECONDS : 0;
  return Math.max(DEFAULT_PROGRESS_DEADLINE_SECONDS, startup + newNode + 120);
}
