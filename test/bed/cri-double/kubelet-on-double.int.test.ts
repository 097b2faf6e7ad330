// The kubelet simulator running a pod on the SIMULATED CRI runtime (a test double, not
// containerd) through the real CRI client, with the fake API server: the pod runs, and a
// container stopped through CRI is restarted as a new container.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCriClient, type CriClient } from '../../../adapters/cri/index.js';
import { startFakeApiServer, type FakeApiServer, type KubeObject } from '../apiserver/index.js';
import { startKubeletSim, type ContainerStatusJson, type KubeletSim, type PodJson } from '../kubelet/index.js';
import { startCriDouble, type CriDouble } from './index.js';

const NODE = 'double-node';
const IMAGE = 'registry.local/busybox:1';
const mainStatus = (pod: KubeObject | undefined): ContainerStatusJson | undefined =>
  (pod as unknown as PodJson | undefined)?.status?.containerStatuses?.find((c) => c.name === 'main');
const idOf = (containerID: string | undefined) => (containerID ?? '').replace(/^simulated-cri:\/\//, '');

describe('the kubelet simulator on the simulated CRI runtime', () => {
  let double: CriDouble;
  let cri: CriClient;
  let api: FakeApiServer;
  let sim: KubeletSim;
  const ref = { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web' };

  beforeAll(async () => {
    double = await startCriDouble({ platform: 'linux', images: { [IMAGE]: { id: `sha256:${'a'.repeat(64)}`, sizeBytes: 4_000_000 } } });
    cri = createCriClient({ endpoint: double.endpoint, platform: 'linux' });
    api = await startFakeApiServer();
    sim = await startKubeletSim({ kubeConfig: api.kubeConfig(), nodeName: NODE, cri, podNetwork: 'host', restartBackoffMs: 200, pollMs: 100 });
  });
  afterAll(async () => {
    await sim?.stop();
    cri?.close();
    await api?.close();
    await double?.close();
  });

  it('runs a pod whose image it pulls, reports it Running with a simulated-cri:// ID, and restarts a container stopped through CRI as a new container with restartCount 1', async () => {
    expect(sim.runtimeName).toBe('simulated-cri');
    api.store.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: NODE, restartPolicy: 'Always', containers: [{ name: 'main', image: IMAGE, command: ['sleep', '3600'] }] },
    });
    const first = mainStatus(await api.store.waitFor(ref, (p) => mainStatus(p)?.state.running !== undefined, 15_000))!;
    expect(first.containerID).toMatch(/^simulated-cri:\/\/[0-9a-f]{64}$/);
    expect(first.restartCount).toBe(0);
    expect(double.calls.some((c) => c.method === 'PullImage')).toBe(true);
    const labels = double.state.containers.get(idOf(first.containerID))?.labels;
    expect(labels).toMatchObject({ 'io.kubernetes.pod.name': 'web', 'io.kubernetes.container.name': 'main' });

    await cri.stopContainer(undefined, { container_id: idOf(first.containerID), timeout: 0 });
    const pod = await api.store.waitFor(ref, (p) => mainStatus(p)?.restartCount === 1 && mainStatus(p)?.state.running !== undefined, 15_000);
    const second = mainStatus(pod)!;
    expect(second.containerID).not.toBe(first.containerID);
    expect(second.lastState.terminated).toMatchObject({ exitCode: 137, reason: 'Error', containerID: first.containerID });
    expect((await cri.containerStatus(undefined, { container_id: idOf(second.containerID) })).status?.metadata).toEqual({ name: 'main', attempt: 1 });
    expect(sim.errors).toEqual([]);
  });
});
