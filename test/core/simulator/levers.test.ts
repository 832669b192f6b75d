import { Cluster } from '../../../lib/core/simulator/cluster';
import { resolveSimulationOptions } from '../../../lib/core/simulator';
import { ControllerLoop } from '../../../lib/core/simulator/controller-loop';
import { ScrapeLayout } from '../../../lib/core/simulator/engine-metrics';
import { llmService } from './helpers';

const service = llmService({ model: { loadTimeSeconds: 60 } });
const FIXED = { nodes: { provisioningSeconds: 180 }, pods: { imagePullSeconds: 60, schedulingSeconds: 2, startupSpread: 0 } } as const;

/** Runs one scale-up from 1 to 2 replicas at second 0 and returns when the new replica was ready, and the cluster. */
function scaleUp(levers: Parameters<typeof resolveSimulationOptions>[1] extends infer O ? O extends { levers?: infer L } ? L : never : never, seconds = 1500) {
  const o = resolveSimulationOptions(service, { ...FIXED, levers });
  const readyAt: number[] = [];
  const cluster = new Cluster(service, o, 1, 1, { onReady: (_pod, t) => readyAt.push(t), onStop: () => undefined });
  readyAt.length = 0;
  cluster.step(0);
  cluster.applyReplicas(0, 2);
  const nodes: number[] = [];
  for (let t = 0; t < seconds; t++) {
    cluster.step(t);
    nodes.push(cluster.liveNodes());
  }
  return { readyAt, cluster, nodes };
}

describe('cold-start levers in the cluster model', () => {
  test('without levers a new replica waits for a node, the image and the model', () => {
    // Node at 182, image at 242, model at 302.
    expect(scaleUp({}).readyAt).toEqual([302]);
  });

  test('a headroom node is preempted at once; without pre-pull the replica still pulls; the placeholder gets a new node', () => {
    const { readyAt, cluster, nodes } = scaleUp({ headroomNodes: 1 });
    // Bound at 2 s on the warm node: image at 62, model at 122.
    expect(readyAt).toEqual([122]);
    expect(cluster.headroomPreemptions).toBe(1);
    // The evicted placeholder is Pending: the autoscaler adds a third node, which it then holds.
    expect(nodes[1]).toBe(2);
    expect(nodes[1000]).toBe(3);
    expect(cluster.pendingPlaceholders).toBe(0);
    expect(cluster.nodes.filter((n) => n.placeholder && !n.gone)).toHaveLength(1);
  });

  test('with pre-pull the warm node has the image: the replica only loads the model', () => {
    expect(scaleUp({ headroomNodes: 1, imagePrepull: true }).readyAt).toEqual([62]);
  });

  test('a shared weight cache loads at its throughput; a node-local one only where a replica loaded before', () => {
    // qwen2.5-7b: the profile's weight bytes over 2 GB/s, plus 30 s of engine start-up.
    const o = resolveSimulationOptions(service, { levers: { weightCache: { storageBytesPerSecond: 2e9, scope: 'shared' } } });
    expect(o.weightCache).toEqual({ loadSeconds: Math.round(o.profile.weightBytes / 2e9 + 30), scope: 'shared' });
    const load = o.weightCache!.loadSeconds;
    const probeAt = (containerStart: number, seconds: number): number => containerStart + Math.ceil(seconds / 10) * 10;
    expect(scaleUp({ headroomNodes: 1, imagePrepull: true, weightCache: { storageBytesPerSecond: 2e9, scope: 'shared' } }).readyAt).toEqual([probeAt(2, load)]);
    // Node-local: the warm node never loaded the model, so the first load there is a full one.
    expect(scaleUp({ headroomNodes: 1, imagePrepull: true, weightCache: { storageBytesPerSecond: 2e9 } }).readyAt).toEqual([62]);
  });

  test('headroom nodes are billed while they wait: node-hours grow by one node per warm node', () => {
    const idle = (levers: { headroomNodes?: number }): number => {
      const o = resolveSimulationOptions(service, { ...FIXED, levers });
      const cluster = new Cluster(service, o, 1, 1, { onReady: () => undefined, onStop: () => undefined });
      let nodeSeconds = 0;
      for (let t = 0; t < 3600; t++) {
        cluster.step(t);
        nodeSeconds += cluster.liveNodes();
      }
      return nodeSeconds / 3600;
    };
    expect(idle({ headroomNodes: 2 }) - idle({})).toBe(2);
  });

  test('a scheduled floor raises minReplicas inside its window only', () => {
    const o = resolveSimulationOptions(service, { levers: { scheduledFloors: { floors: [{ from: '00:10', to: '00:20', minReplicas: 3 }] }, traceStart: { day: 'tue', time: '00:00' } } });
    const cluster = new Cluster(service, o, 1, 1, { onReady: () => undefined, onStop: () => undefined });
    const clock = { intervalSeconds: 15, offsetSeconds: 7, count: 0, time: () => 0, firstFrom: () => 0, lastAt: () => -1 };
    const loop = new ControllerLoop(service, o, cluster, clock as never, new ScrapeLayout([]), {
      busyPrefix: new Float64Array(3601), arrivals: new Float64Array(1), totalWaiting: new Float64Array(1), scraped: new Uint8Array(1), prometheusUp: () => true, taken: () => 0,
    }, 1, 3600);
    const at = (t: number): number => (loop as unknown as { minReplicasAt(t: number): number }).minReplicasAt(t);
    expect([at(0), at(599), at(600), at(1199), at(1200)]).toEqual([1, 1, 3, 3, 1]);
  });

  test('bad lever options name the option', () => {
    expect(() => resolveSimulationOptions(service, { levers: { headroomNodes: 1.5 } })).toThrow('simulate "llm": levers.headroomNodes is 1.5; expected a whole number, 0 or more');
    expect(() => resolveSimulationOptions(service, { levers: { scheduledFloors: { floors: [{ from: '25:00', to: '26:00', minReplicas: 2 }] } } }))
      .toThrow('simulate "llm": levers.scheduledFloors.floors[0].from is "25:00"; expected a time "HH:MM" from "00:00" to "23:59"');
  });
});
