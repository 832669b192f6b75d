/**
 * Pods and GPU nodes: the Deployment's pods from creation through scheduling, image pull and
 * model load to ready and terminating, the nodes they run on, and the cluster autoscaler that
 * adds nodes for pods that fit nowhere and removes nodes left empty.
 * @module
 */
import type { ResolvedSimulationOptions } from './options';
import type { SimulatedService } from './service';

/** Where a pod is in its life. */
export const PodPhase = {
  /** Created, not yet bound to a node (waiting for the scheduler or a GPU). */
  Unscheduled: 0,
  /** Bound to a node; the image is being pulled. */
  Pulling: 1,
  /** Container running, model loading: not Ready. */
  Loading: 2,
  /** Ready: receives traffic. */
  Ready: 3,
  /** Deleted: preStop and draining, until the grace period ends. */
  Terminating: 4,
} as const;

/** One of {@link PodPhase}. */
export type PodPhase = (typeof PodPhase)[keyof typeof PodPhase];

/** Seconds before the trace at which the initial pods were created: long enough that they have history. */
const INITIAL_POD_CREATED_AT = -7200;
/** Seconds before the trace at which the initial pods became ready. */
const INITIAL_POD_READY_AT = -3600;

/** One pod of the Deployment. */
export class Pod {
  /** Where the pod is in its life. */
  public phase: PodPhase = PodPhase.Unscheduled;
  /** Second the ReplicaSet created it. */
  public createdAt = 0;
  /** `status.startTime`: bound to a node and seen by the kubelet. */
  public startAt = Infinity;
  /** Second the image is on the node and the container starts. */
  public pullEnd = Infinity;
  /** Second the startup probe first succeeds. */
  public readyAt = Infinity;
  /** Second a terminating pod is gone. */
  public endAt = Infinity;
  /** Index of its node, -1 when unbound or CPU-only. */
  public node = -1;
  /** The served-requests counter (cumulative per pod) when the pod started serving. */
  public servedBase = 0;
  /** First Prometheus scrape index at or after the pod became ready. */
  public firstScrape = 0;
}

/** One GPU node. */
export class Node {
  /** Provisioned and taking pods. */
  public up = false;
  /** Second it is (or was) ready. */
  public readyAt = 0;
  /** GPUs held by pods bound to it. */
  public gpusUsed = 0;
  /** When the image is on the node (Infinity: never pulled, -Infinity: cached from the start). */
  public imageAt = Infinity;
  /** Second it last became empty. */
  public idleSince = 0;
  /** Removed by the cluster autoscaler. */
  public gone = false;
}

/** Seconds after the container starts at which the startup probe first succeeds. */
export function readyTime(containerStart: number, loadSeconds: number, probe: SimulatedService['startupProbe']): number {
  const delay = probe.initialDelaySeconds;
  const period = probe.periodSeconds;
  const probesNeeded = loadSeconds <= delay ? 0 : Math.ceil((loadSeconds - delay) / period);
  return containerStart + delay + probesNeeded * period;
}

/** True when the ReplicaSet controller deletes `a` before `b`: unscheduled, Pending, not ready, most recently ready, newest. */
export function deleteBefore(a: Pod, b: Pod): boolean {
  const rank = (p: Pod): number => (p.phase === PodPhase.Unscheduled ? 0 : p.phase === PodPhase.Pulling ? 1 : p.phase === PodPhase.Loading ? 2 : 3);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb;
  if (ra === 3 && a.readyAt !== b.readyAt) return a.readyAt > b.readyAt;
  return a.createdAt > b.createdAt;
}

/**
 * The pods of one Deployment and the GPU nodes under them. {@link advance} brings them to a
 * second; {@link applyReplicas} is the ReplicaSet controller acting on a new `spec.replicas`.
 */
export class Cluster {
  /** Every pod that exists (any phase). */
  public readonly pods: Pod[] = [];
  /** Every node launched (including removed ones, flagged `gone`). */
  public readonly nodes: Node[] = [];
  /** Ready pods after the last {@link advance}. */
  public ready = 0;
  /** Pods bound to a node (pulling, loading, ready, terminating) after the last {@link advance}. */
  public bound = 0;
  /** Next second at which anything changes. */
  public nextEvent = -Infinity;
  private readonly gpusPerPod: number;
  private readonly useNodes: boolean;
  private readonly neverReady: boolean;

  /**
   * @param onReady called when a pod becomes ready, before it serves (its counters start there).
   */
  public constructor(
    private readonly service: SimulatedService,
    private readonly o: ResolvedSimulationOptions,
    private readonly onReady: (pod: Pod, t: number) => void,
  ) {
    this.gpusPerPod = service.gpusPerPod;
    this.useNodes = this.gpusPerPod > 0;
    const probe = service.startupProbe;
    this.neverReady = o.modelLoadSeconds > probe.initialDelaySeconds + probe.periodSeconds * probe.failureThreshold;
    const podsPerNode = this.useNodes ? Math.floor(o.gpusPerNode / this.gpusPerPod) : Infinity;
    for (let i = 0; i < o.initialNodes && this.useNodes; i++) {
      const n = new Node();
      n.up = true;
      n.readyAt = -Infinity;
      n.imageAt = -Infinity;
      n.idleSince = 0;
      this.nodes.push(n);
    }
    for (let i = 0; i < o.initialReplicas; i++) {
      const p = new Pod();
      p.phase = PodPhase.Ready;
      p.createdAt = INITIAL_POD_CREATED_AT;
      p.startAt = INITIAL_POD_CREATED_AT;
      p.pullEnd = INITIAL_POD_CREATED_AT;
      p.readyAt = INITIAL_POD_READY_AT;
      if (this.useNodes) {
        const node = Math.floor(i / podsPerNode);
        p.node = node;
        this.nodes[node].gpusUsed += this.gpusPerPod;
      }
      this.pods.push(p);
    }
  }

  /** Pods not terminating: what the ReplicaSet counts (`status.replicas`). */
  public liveReplicas(): number {
    let live = 0;
    for (let i = 0; i < this.pods.length; i++) if (this.pods[i].phase !== PodPhase.Terminating) live++;
    return live;
  }

  /** Nodes launched and not removed. */
  public liveNodes(): number {
    let live = 0;
    for (let i = 0; i < this.nodes.length; i++) if (!this.nodes[i].gone) live++;
    return live;
  }

  /** Brings pods and nodes up to second `t`, when anything is due. */
  public step(t: number): void {
    if (t >= this.nextEvent) this.nextEvent = this.advance(t);
  }

  /** Brings pods and nodes up to second `t` and returns the next second anything changes. */
  public advance(t: number): number {
    const o = this.o;
    const { pods, nodes, gpusPerPod, useNodes } = this;
    let next = Infinity;
    // Nodes finishing provisioning, and empty nodes the autoscaler removes.
    let liveNodes = this.liveNodes();
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      if (n.gone) continue;
      if (!n.up && t >= n.readyAt) {
        n.up = true;
        n.idleSince = t;
      }
      if (n.up && n.gpusUsed === 0 && liveNodes > o.minNodes && t >= n.idleSince + o.scaleDownUnneededSeconds) {
        n.gone = true;
        liveNodes--;
        continue;
      }
      if (!n.up) next = Math.min(next, n.readyAt);
    }
    // Pod phase changes.
    for (let i = 0; i < pods.length; i++) {
      const p = pods[i];
      if (p.phase === PodPhase.Pulling && t >= p.pullEnd) {
        p.phase = PodPhase.Loading;
        p.readyAt = this.neverReady ? Infinity : readyTime(p.pullEnd, o.modelLoadSeconds, this.service.startupProbe);
      }
      if (p.phase === PodPhase.Loading && t >= p.readyAt) {
        p.phase = PodPhase.Ready;
        this.onReady(p, t);
      }
      if (p.phase === PodPhase.Terminating && t >= p.endAt) {
        if (p.node >= 0) {
          const n = nodes[p.node];
          n.gpusUsed -= gpusPerPod;
          if (n.gpusUsed === 0) n.idleSince = t;
        }
        pods[i] = pods[pods.length - 1];
        pods.pop();
        i--;
      }
    }
    // Scheduling, oldest pod first; nodes that already have the image first, then the emptiest.
    let unschedulableGpus = 0;
    for (let i = 0; i < pods.length; i++) {
      const p = pods[i];
      if (p.phase !== PodPhase.Unscheduled) continue;
      const eligible = p.createdAt + o.schedulingSeconds;
      if (t < eligible) {
        next = Math.min(next, eligible);
        continue;
      }
      let best = -1;
      if (useNodes) {
        for (let j = 0; j < nodes.length; j++) {
          const n = nodes[j];
          if (!n.up || n.gone || o.gpusPerNode - n.gpusUsed < gpusPerPod) continue;
          if (best < 0) best = j;
          else {
            const b = nodes[best];
            const cached = n.imageAt <= t ? 1 : 0;
            const bCached = b.imageAt <= t ? 1 : 0;
            if (cached > bCached || (cached === bCached && n.gpusUsed < b.gpusUsed)) best = j;
          }
        }
        if (best < 0) {
          unschedulableGpus += gpusPerPod;
          continue;
        }
        const n = nodes[best];
        n.gpusUsed += gpusPerPod;
        if (n.imageAt === Infinity) n.imageAt = t + o.imagePullSeconds;
        p.pullEnd = Math.max(t, n.imageAt);
      } else {
        p.pullEnd = t;
      }
      p.node = best;
      p.startAt = t;
      p.phase = PodPhase.Pulling;
    }
    // The cluster autoscaler launches nodes for pods that fit nowhere.
    if (unschedulableGpus > 0 && useNodes) {
      let provisioningFree = 0;
      let live = 0;
      for (let j = 0; j < nodes.length; j++) {
        if (nodes[j].gone) continue;
        live++;
        if (!nodes[j].up) provisioningFree += o.gpusPerNode - nodes[j].gpusUsed;
      }
      let missing = unschedulableGpus - provisioningFree;
      while (missing > 0 && live < o.maxNodes) {
        const n = new Node();
        n.readyAt = t + o.provisioningSeconds;
        nodes.push(n);
        next = Math.min(next, n.readyAt);
        missing -= Math.floor(o.gpusPerNode / gpusPerPod) * gpusPerPod;
        live++;
      }
    }
    // Nodes left empty (also by pods that ended just now) are removed after the unneeded time.
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      if (!n.gone && n.up && n.gpusUsed === 0) next = Math.min(next, n.idleSince + o.scaleDownUnneededSeconds);
    }
    for (let i = 0; i < pods.length; i++) {
      const p = pods[i];
      if (p.phase === PodPhase.Pulling) next = Math.min(next, p.pullEnd);
      else if (p.phase === PodPhase.Loading) next = Math.min(next, p.readyAt);
      else if (p.phase === PodPhase.Terminating) next = Math.min(next, p.endAt);
    }
    this.count();
    return next;
  }

  /**
   * Applies a new `spec.replicas`: the ReplicaSet creates pods, or deletes the lowest-ranked
   * ones. A deleted pod runs its preStop sleep; a ready one also drains for `drainSeconds`.
   */
  public applyReplicas(t: number, target: number, drainSeconds: number): void {
    const pods = this.pods;
    let live = this.liveReplicas();
    for (; live < target; live++) {
      const p = new Pod();
      p.createdAt = t;
      pods.push(p);
    }
    while (live > target) {
      let victim = -1;
      for (let i = 0; i < pods.length; i++) {
        const p = pods[i];
        if (p.phase === PodPhase.Terminating) continue;
        if (victim < 0 || deleteBefore(p, pods[victim])) victim = i;
      }
      const v = pods[victim];
      if (v.phase === PodPhase.Unscheduled) {
        pods[victim] = pods[pods.length - 1];
        pods.pop();
      } else {
        // preStop runs in a started container; a ready one also finishes its requests.
        const stop = v.phase === PodPhase.Pulling ? 0 : this.service.preStopSleepSeconds + (v.phase === PodPhase.Ready ? drainSeconds : 0);
        v.endAt = t + Math.min(this.service.terminationGracePeriodSeconds, stop);
        v.phase = PodPhase.Terminating;
      }
      live--;
    }
    this.nextEvent = t;
  }

  private count(): void {
    let ready = 0;
    let bound = 0;
    for (let i = 0; i < this.pods.length; i++) {
      const ph = this.pods[i].phase;
      if (ph === PodPhase.Ready) ready++;
      if (ph !== PodPhase.Unscheduled) bound++;
    }
    this.ready = ready;
    this.bound = bound;
  }
}
