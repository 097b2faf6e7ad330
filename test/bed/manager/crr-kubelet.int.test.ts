// The CRR doubles together with the kubelet simulator on the real runtime: the webhook takes the
// statusContext from a pod the simulator runs, and after the container is killed (what the
// daemon does) and restarted (what kubelet does), the controller publishes the new container.
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCriClient, type CriClient } from '../../../adapters/cri/index.js';
import { startFakeApiServer, type FakeApiServer } from '../apiserver/index.js';
import { startKubeletSim, type KubeletSim, type PodJson } from '../kubelet/index.js';
import { runtimeBed, runtimeBedSkipReason } from '../runtime-bed.js';
import { createCrr, startCrrController, type CrrController, type SnapshotEntry } from './index.js';

const bed = runtimeBed();

describe.skipIf(bed === undefined)(`the CRR doubles with the kubelet simulator ${runtimeBedSkipReason()}`.trim(), () => {
  let api: FakeApiServer;
  let cri: CriClient;
  let sim: KubeletSim;
  let controller: CrrController;

  beforeAll(async () => {
    api = await startFakeApiServer();
    cri = createCriClient({ endpoint: bed!.endpoint, platform: 'linux' });
    sim = await startKubeletSim({ kubeConfig: api.kubeConfig(), nodeName: 'crr-node', cri, podNetwork: bed!.podNetwork, restartBackoffMs: 100, pollMs: 200 });
    controller = startCrrController(api, { intervalMs: 200 });
  });
  afterAll(async () => {
    controller?.stop();
    await sim?.stop();
    cri?.close();
    await api?.close();
  });

  it('snapshots the restarted container after the running one named in statusContext is killed', async () => {
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    const body = {
      metadata: { name: 'web-0', namespace: 'default' },
      spec: { nodeName: 'crr-node', containers: [{ name: 'main', image: bed!.images.busybox, command: ['sleep', '3600'] }] },
    } as V1Pod;
    await core.createNamespacedPod({ namespace: 'default', body });
    const podRef = { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-0' };
    const running = (await api.store.waitFor(
      podRef,
      (p) => (p as unknown as PodJson | undefined)?.status?.containerStatuses?.[0]?.ready === true,
      30_000,
    )) as unknown as PodJson;
    const oldId = running.status!.containerStatuses![0]!.containerID!;

    const crr = createCrr(api, { name: 'restart-main', podName: 'web-0', containers: ['main'] });
    expect(crr.spec).toMatchObject({
      containers: [{ name: 'main', statusContext: { containerID: oldId, restartCount: 0 } }],
      strategy: { failurePolicy: 'Fail', terminationGracePeriodSeconds: 30 },
    });
    const ref = { apiVersion: 'apps.kruise.io/v1beta1', kind: 'ContainerRecreateRequest', namespace: 'default', name: 'restart-main' };
    api.store.patch(ref, { status: { phase: 'Recreating' } });
    await cri.stopContainer(undefined, { container_id: oldId.slice('containerd://'.length), timeout: 1 });

    const snapshotOf = (o: unknown): SnapshotEntry[] | undefined =>
      (o as { status?: { containerStatusSnapshot?: SnapshotEntry[] } } | undefined)?.status?.containerStatusSnapshot;
    const done = await api.store.waitFor(ref, (o) => snapshotOf(o)?.some((s) => s.containerID !== oldId && s.ready) === true, 20_000);
    const [entry, ...rest] = snapshotOf(done)!;
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ name: 'main', ready: true, restartCount: 1, containerID: expect.stringMatching(/^containerd:\/\/[0-9a-f]{64}$/) });
    expect(controller.errors).toEqual([]);
    expect(sim.errors).toEqual([]);
  });
});
