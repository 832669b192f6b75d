/**
 * Pods and GPU nodes: the Deployment's pods from creation through scheduling, image pull and
 * model load to ready and terminating, the nodes they run on, and the cluster autoscaler that
 * adds nodes for pods that fit nowhere and removes nodes left empty.
 * @module
 */
import type { EngineExposition, PodScrapes } from './engine-metrics';
import type { ResolvedSimulationOptions } from './options';
import { Prng } from './prng';
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
  /** First Prometheus scrape index at or after the pod became ready. */
  public firstScrape = 0;
  /** The engine serving in it, once ready (a restart starts a new one). */
  public engine: EngineExposition | null = null;
  /** Its scrapes since the engine started. */
  public scrapes: PodScrapes | null = null;
  /** Container restarts. */
  public restarts = 0;
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
  /** Removed by the cluster autoscaler (or reclaimed). */
  public gone = false;
  /** Cordoned: takes no new pods (a spot interruption notice). */
  public cordoned = false;
  /** Second the cloud reclaims it (spot interruption), Infinity otherwise. */
  public reclaimAt = Infinity;
  /** Held by a headroom placeholder pod (whole node, preempted by any replica). */
  public placeholder = false;
  /** The node-local weight cache is filled (a replica loaded the model here). */
  public weightsCached = false;
}

/** What the cluster tells the rest of the model. */
export interface ClusterHooks {
  /** A pod became ready: its engine starts serving. */
  readonly onReady: (pod: Pod, t: number) => void;
  /** A pod's engine stops (pod deleted, container crashed, node reclaimed): its requests fail. */
  readonly onStop: (pod: Pod, t: number) => void;
}

/** The kubelet's first restart back-off after a crash, seconds. @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts */
export const CRASH_RESTART_DELAY_SECONDS = 10;
/** The notice a spot (preemptible) node gets before it is reclaimed: two minutes on AWS. @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-instance-termination-notices.html */
export const SPOT_NOTICE_SECONDS = 120;

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
  /**
   * Changes to the pods: bumped whenever a pod may have been added, removed or moved to another
   * phase. What a caller derives from {@link pods} stays current while this stays the same.
   */
  public podChanges = 0;
  /** Nodes launched and not removed, as of the last change. */
  public liveNodeCount = 0;
  /** Headroom placeholders evicted and not yet on a node again (the autoscaler adds nodes for them). */
  public pendingPlaceholders = 0;
  /** Times a replica preempted a placeholder. */
  public headroomPreemptions = 0;
  private readonly gpusPerPod: number;
  private readonly useNodes: boolean;
  private readonly neverReady: boolean;

  private readonly prng: Prng;

  /**
   * @param initialReplicas ready pods at second 0 (with history, on nodes with the image).
   * @param initialNodes nodes up at second 0.
   */
  public constructor(
    private readonly service: SimulatedService,
    private readonly o: ResolvedSimulationOptions,
    initialReplicas: number,
    initialNodes: number,
    private readonly hooks: ClusterHooks,
  ) {
    this.gpusPerPod = service.gpusPerPod;
    this.useNodes = this.gpusPerPod > 0;
    this.prng = new Prng(o.seed);
    const probe = service.startupProbe;
    this.neverReady = o.modelLoadSeconds > probe.initialDelaySeconds + probe.periodSeconds * probe.failureThreshold;
    const podsPerNode = this.useNodes ? Math.floor(o.gpusPerNode / this.gpusPerPod) : Infinity;
    for (let i = 0; i < initialNodes && this.useNodes; i++) {
      const n = new Node();
      n.up = true;
      n.readyAt = -Infinity;
      n.imageAt = -Infinity;
      n.idleSince = 0;
      this.nodes.push(n);
    }
    for (let i = 0; i < o.headroomNodes && this.useNodes; i++) {
      const n = new Node();
      n.up = true;
      n.readyAt = -Infinity;
      n.imageAt = o.imagePrepull ? -Infinity : Infinity;
      n.placeholder = true;
      this.nodes.push(n);
    }
    for (let i = 0; i < initialReplicas; i++) {
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
        this.nodes[node].weightsCached = true;
      }
      this.pods.push(p);
      hooks.onReady(p, 0);
    }
    this.count();
  }

  /** `seconds` spread by the start-up spread (seeded; fixed when the spread is 0). */
  private spread(seconds: number): number {
    if (this.o.startupSpread === 0 || seconds === 0) return seconds;
    return Math.max(0, Math.round(seconds * Math.exp(this.o.startupSpread * this.prng.normal())));
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
  private advance(t: number): number {
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
        // The pre-pull DaemonSet starts pulling as the node joins.
        if (o.imagePrepull && n.imageAt === Infinity) n.imageAt = t + this.spread(o.imagePullSeconds);
      }
      if (t >= n.reclaimAt) {
        this.reclaim(i, t);
        liveNodes--;
        continue;
      }
      if (n.reclaimAt < Infinity) next = Math.min(next, n.reclaimAt);
      if (n.up && n.gpusUsed === 0 && !n.placeholder && liveNodes > o.minNodes && t >= n.idleSince + o.scaleDownUnneededSeconds) {
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
        p.readyAt = this.neverReady ? Infinity : readyTime(p.pullEnd, this.spread(this.loadSecondsOn(p.node)), this.service.startupProbe);
      }
      if (p.phase === PodPhase.Loading && t >= p.readyAt) {
        p.phase = PodPhase.Ready;
        if (p.node >= 0) nodes[p.node].weightsCached = true;
        this.hooks.onReady(p, t);
      }
      if (p.phase === PodPhase.Terminating && t >= p.endAt) {
        this.hooks.onStop(p, t);
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
          if (!n.up || n.gone || n.cordoned || n.placeholder || o.gpusPerNode - n.gpusUsed < gpusPerPod) continue;
          if (best < 0) best = j;
          else {
            const b = nodes[best];
            const cached = n.imageAt <= t ? 1 : 0;
            const bCached = b.imageAt <= t ? 1 : 0;
            if (cached > bCached || (cached === bCached && n.gpusUsed < b.gpusUsed)) best = j;
          }
        }
        // Nothing fits without preemption: the scheduler evicts a placeholder (one with the image first).
        if (best < 0) best = this.preemptPlaceholder(t);
        if (best < 0) {
          unschedulableGpus += gpusPerPod;
          continue;
        }
        const n = nodes[best];
        n.gpusUsed += gpusPerPod;
        if (n.imageAt === Infinity) n.imageAt = t + this.spread(o.imagePullSeconds);
        p.pullEnd = Math.max(t, n.imageAt);
      } else {
        p.pullEnd = t;
      }
      p.node = best;
      p.startAt = t;
      p.phase = PodPhase.Pulling;
    }
    // Evicted placeholders take empty nodes; the rest wait for the autoscaler like any pod.
    for (let j = 0; j < nodes.length && this.pendingPlaceholders > 0; j++) {
      const n = nodes[j];
      if (!n.up || n.gone || n.cordoned || n.placeholder || n.gpusUsed > 0) continue;
      n.placeholder = true;
      this.pendingPlaceholders--;
    }
    if (useNodes && this.pendingPlaceholders > 0) unschedulableGpus += this.pendingPlaceholders * Math.floor(o.gpusPerNode / gpusPerPod) * gpusPerPod;
    // The cluster autoscaler launches nodes for pods that fit nowhere.
    if (unschedulableGpus > 0 && useNodes) {
      let provisioningFree = 0;
      let live = 0;
      for (let j = 0; j < nodes.length; j++) {
        if (nodes[j].gone) continue;
        live++;
        if (!nodes[j].up) provisioningFree += o.gpusPerNode - nodes[j].gpusUsed;
        if (nodes[j].cordoned) live--;
      }
      let missing = unschedulableGpus - provisioningFree;
      while (missing > 0 && live < o.maxNodes) {
        const n = new Node();
        n.readyAt = t + this.spread(o.provisioningSeconds);
        nodes.push(n);
        next = Math.min(next, n.readyAt);
        missing -= Math.floor(o.gpusPerNode / gpusPerPod) * gpusPerPod;
        live++;
      }
    }
    // Nodes left empty (also by pods that ended just now) are removed after the unneeded time.
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      if (!n.gone && n.up && n.gpusUsed === 0 && !n.placeholder && n.reclaimAt === Infinity) next = Math.min(next, n.idleSince + o.scaleDownUnneededSeconds);
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
   * ones. A deleted pod leaves the endpoints at once and runs its preStop sleep (within the
   * grace period); requests it still holds then fail.
   */
  public applyReplicas(t: number, target: number): void {
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
      } else this.terminate(v, t);
      live--;
    }
    this.podChanges++;
    this.nextEvent = t;
  }

  /**
   * A ready pod's container crashes (the longest-ready one): its requests fail, and the kubelet
   * restarts it after the back-off; it loads the model again. Returns the pod, if any was ready.
   */
  public crash(t: number): Pod | undefined {
    const p = this.longestReady();
    if (!p) return undefined;
    this.hooks.onStop(p, t);
    p.restarts++;
    p.phase = PodPhase.Loading;
    p.pullEnd = t + CRASH_RESTART_DELAY_SECONDS;
    p.readyAt = this.neverReady ? Infinity : readyTime(p.pullEnd, this.spread(this.loadSecondsOn(p.node)), this.service.startupProbe);
    this.nextEvent = t;
    this.count();
    return p;
  }

  /**
   * The node of the longest-ready pod gets a spot interruption notice: it is cordoned, its pods
   * are evicted (they terminate within their grace period; the ReplicaSet replaces them at
   * once), and the cloud reclaims it after the notice. Returns the node's index, if any.
   */
  public interruptSpot(t: number, desired: number): number | undefined {
    const p = this.longestReady();
    if (!p || p.node < 0) return undefined;
    const index = p.node;
    const n = this.nodes[index];
    n.cordoned = true;
    n.reclaimAt = t + SPOT_NOTICE_SECONDS;
    for (const q of this.pods) if (q.node === index && q.phase !== PodPhase.Terminating) this.terminate(q, t);
    this.applyReplicas(t, desired);
    this.count();
    return index;
  }

  /** Model load time of a pod on node `index`: from the weight cache when it has the weights. */
  private loadSecondsOn(index: number): number {
    const cache = this.o.weightCache;
    if (!cache) return this.o.modelLoadSeconds;
    if (cache.scope === 'shared' || (index >= 0 && this.nodes[index].weightsCached)) return cache.loadSeconds;
    return this.o.modelLoadSeconds;
  }

  /** Evicts a placeholder for a replica: returns its node (one with the image first), or -1. */
  private preemptPlaceholder(t: number): number {
    let best = -1;
    for (let j = 0; j < this.nodes.length; j++) {
      const n = this.nodes[j];
      if (!n.placeholder || !n.up || n.gone || n.cordoned) continue;
      if (best < 0 || (n.imageAt <= t && this.nodes[best].imageAt > t)) best = j;
    }
    if (best < 0) return -1;
    this.nodes[best].placeholder = false;
    this.pendingPlaceholders++;
    this.headroomPreemptions++;
    return best;
  }

  /** The node is gone: pods still on it stop now. */
  private reclaim(index: number, t: number): void {
    const n = this.nodes[index];
    n.gone = true;
    if (n.placeholder) {
      n.placeholder = false;
      this.pendingPlaceholders++;
    }
    for (let i = 0; i < this.pods.length; i++) {
      const p = this.pods[i];
      if (p.node !== index) continue;
      this.hooks.onStop(p, t);
      this.pods[i] = this.pods[this.pods.length - 1];
      this.pods.pop();
      i--;
    }
    n.gpusUsed = 0;
  }

  private longestReady(): Pod | undefined {
    let best: Pod | undefined;
    for (const p of this.pods) if (p.phase === PodPhase.Ready && (!best || p.readyAt < best.readyAt)) best = p;
    return best;
  }

  private terminate(v: Pod, t: number): void {
    // preStop runs in a started container; the endpoint is removed at once, so no new requests arrive.
    const stop = v.phase === PodPhase.Pulling ? 0 : this.service.preStopSleepSeconds;
    v.endAt = t + Math.min(this.service.terminationGracePeriodSeconds, stop);
    v.phase = PodPhase.Terminating;
  }

  private count(): void {
    this.podChanges++;
    this.liveNodeCount = this.liveNodes();
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
