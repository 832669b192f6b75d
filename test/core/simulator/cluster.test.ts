import { Cluster, PodPhase } from '../../../lib/core/simulator/cluster';
import { resolveSimulationOptions } from '../../../lib/core/simulator';
import { llmService } from './helpers';

describe('pods and nodes', () => {
  const service = llmService({ model: { loadTimeSeconds: 60 } });

  test('a new pod on a new node is ready after provisioning, image pull and model load (first passing probe)', () => {
    const o = resolveSimulationOptions(service, { nodes: { provisioningSeconds: 180 }, pods: { imagePullSeconds: 60, schedulingSeconds: 2, startupSpread: 0 } });
    const readyAt: number[] = [];
    const cluster = new Cluster(service, o, 1, 1, { onReady: (_pod, t) => readyAt.push(t), onStop: () => undefined });
    readyAt.length = 0;
    cluster.step(0);
    cluster.applyReplicas(0, 2);
    for (let t = 0; t < 1000; t++) cluster.step(t);
    // Scheduled at 2 s, no free GPU: node ready at 182, image at 242, model loaded at 302,
    // and the startup probe (every 10 s from container start) passes at 302.
    expect(readyAt).toEqual([302]);
    expect(cluster.ready).toBe(2);
    expect(cluster.liveNodes()).toBe(2);
  });

  test('scale-down deletes the most recently ready pod first, and an empty node goes after the unneeded time', () => {
    const o = resolveSimulationOptions(service, { nodes: { provisioningSeconds: 0, scaleDownUnneededSeconds: 600 }, pods: { imagePullSeconds: 0, startupSpread: 0 } });
    const cluster = new Cluster(service, o, 1, 1, { onReady: () => undefined, onStop: () => undefined });
    cluster.step(0);
    cluster.applyReplicas(0, 2);
    for (let t = 0; t < 200; t++) cluster.step(t);
    const newest = cluster.pods.reduce((a, b) => (a.readyAt > b.readyAt ? a : b));
    cluster.applyReplicas(200, 1);
    expect(newest.phase).toBe(PodPhase.Terminating);
    const gone = newest.endAt;
    expect(gone).toBe(200 + Math.min(service.terminationGracePeriodSeconds, service.preStopSleepSeconds));
    for (let t = 200; t < gone + 600; t++) cluster.step(t);
    expect(cluster.liveNodes()).toBe(2);
    cluster.step(gone + 600);
    expect(cluster.liveNodes()).toBe(1);
  });
});
