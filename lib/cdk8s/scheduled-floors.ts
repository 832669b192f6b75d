import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { IMAGES } from '../core/images';
import { Problem } from '../core/problems';
import { cronSchedule, ResolvedScheduledFloors } from '../core/scheduled-floors';
import { restrictedContainerSecurityContext } from './security';

const RBAC = 'rbac.authorization.k8s.io';
/** Kubernetes appends 11 characters to a CronJob's name for each Job: 52 is the longest that works. */
const CRONJOB_NAME_MAX = 52;
/** `nobody`: kubectl needs no passwd entry. */
const NOBODY = 65534;
/** Latest start of a missed run, at most an hour; see {@link floorCronJobDeadlineSeconds}. */
const MAX_STARTING_DEADLINE_SECONDS = 3600;

/** Name of the CronJob that sets the floor at a boundary: `<service>-floor-<HHMM>-<minReplicas>`. */
export function floorCronJobName(service: string, minute: number, minReplicas: number): string {
  const hhmm = `${String(Math.floor(minute / 60)).padStart(2, '0')}${String(minute % 60).padStart(2, '0')}`;
  return `${service}-floor-${hhmm}-${minReplicas}`;
}

/**
 * How late a missed run may still start (`startingDeadlineSeconds`): a minute less than the
 * shortest time between two changes of the floor, at most an hour. After a controller outage
 * only the latest change is still inside its deadline, so a late run never undoes a newer one;
 * a change missed by more is made right at the next boundary.
 */
export function floorCronJobDeadlineSeconds(spec: ResolvedScheduledFloors): number {
  return Math.min(MAX_STARTING_DEADLINE_SECONDS, spec.shortestGapSeconds - 60);
}

/** Problems with the names the floors' objects would get (paths under `scheduledFloors`). */
export function checkFloorNames(service: string, spec: ResolvedScheduledFloors): Problem[] {
  const longest = spec.boundaries.map((b) => floorCronJobName(service, b.minute, b.minReplicas)).sort((a, b) => b.length - a.length)[0];
  if (longest !== undefined && longest.length > CRONJOB_NAME_MAX) {
    return [{ path: 'scheduledFloors', message: `would make CronJob names such as ${JSON.stringify(longest)} (${longest.length} characters); a CronJob name has at most ${CRONJOB_NAME_MAX}. Use a shorter service name, or KEDA (autoscaler "keda"), which needs no CronJob` }];
  }
  return [];
}

/**
 * The adapter path's scheduled floors: one CronJob per change of the floor (in the schedule's
 * `timeZone`) running `kubectl patch` on this HPA's `spec.minReplicas`, with a ServiceAccount
 * whose Role allows `patch` on `horizontalpodautoscalers` named like the service, and nothing
 * else. Each run sets an absolute value, so a repeated or late run is harmless;
 * `concurrencyPolicy: Forbid` and {@link floorCronJobDeadlineSeconds} keep a missed run from
 * undoing a newer change.
 *
 * Whatever applies the HPA's manifest again (`kubectl apply`, Argo CD, `pulumi up`) puts back
 * the rendered `minReplicas` until the next change: ignore that field in the sync tool.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export class ScheduledFloorJobs extends Construct {
  /** One CronJob per change of the floor. */
  public readonly cronJobs: readonly k8s.KubeCronJob[];
  /** The Role allowing `patch` on this HPA only. */
  public readonly role: k8s.KubeRole;

  /**
   * @param service the service (its HPA has its name)
   * @param namespace the service's namespace
   * @param spec the resolved floors
   */
  public constructor(scope: Construct, id: string, service: string, namespace: string | undefined, spec: ResolvedScheduledFloors) {
    super(scope, id);
    const name = `${service}-floor`;
    // Not the service's labels: its Deployment, Service, PDB and HPA select pods by those.
    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'scheduled-floor', 'app.kubernetes.io/part-of': service, 'app.kubernetes.io/managed-by': 'inferscale' };
    const metadata = { name, ...(namespace !== undefined ? { namespace } : {}), labels: { ...labels } };
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata });
    this.role = new k8s.KubeRole(this, 'Role', {
      metadata,
      rules: [{ apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], resourceNames: [service], verbs: ['patch'] }],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata,
      roleRef: { apiGroup: RBAC, kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, ...(namespace !== undefined ? { namespace } : {}) }],
    });
    const deadline = floorCronJobDeadlineSeconds(spec);
    this.cronJobs = spec.boundaries.map((b) => {
      const jobName = floorCronJobName(service, b.minute, b.minReplicas);
      return new k8s.KubeCronJob(this, jobName, {
        metadata: { ...metadata, name: jobName },
        spec: {
          schedule: cronSchedule(b.minute, b.days),
          timeZone: spec.timeZone,
          concurrencyPolicy: 'Forbid',
          startingDeadlineSeconds: deadline,
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 1,
          jobTemplate: {
            spec: {
              backoffLimit: 3,
              activeDeadlineSeconds: Math.min(deadline, 600),
              ttlSecondsAfterFinished: 3600,
              template: {
                metadata: { labels: { ...labels } },
                spec: {
                  serviceAccountName: name,
                  restartPolicy: 'Never',
                  securityContext: { runAsNonRoot: true, runAsUser: NOBODY, runAsGroup: NOBODY, seccompProfile: { type: 'RuntimeDefault' } },
                  containers: [{
                    name: 'patch',
                    image: IMAGES.kubectl,
                    args: ['patch', 'horizontalpodautoscaler', service, ...(namespace !== undefined ? ['--namespace', namespace] : []), '--type=merge', `--patch={"spec":{"minReplicas":${b.minReplicas}}}`],
                    // kubectl keeps a discovery cache under $HOME; the root filesystem is read-only.
                    env: [{ name: 'HOME', value: '/tmp' }],
                    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
                    securityContext: restrictedContainerSecurityContext(true),
                    resources: { requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('32Mi') }, limits: { memory: k8s.Quantity.fromString('64Mi') } },
                  }],
                  volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } }],
                },
              },
            },
          },
        },
      });
    });
  }
}
