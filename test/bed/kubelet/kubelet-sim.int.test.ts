// The kubelet simulator against the fake API server and the bed's real containerd: pods run,
// report status, restart per restartPolicy as new containers, and are cleaned up on deletion.
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCriClient, type CriClient } from '../../../adapters/cri/index.js';
import { startFakeApiServer, type FakeApiServer, type KubeObject } from '../apiserver/index.js';
import { runtimeBed, runtimeBedSkipReason } from '../runtime-bed.js';
import { containerHash, startKubeletSim, type ContainerStatusJson, type KubeletSim, type PodJson } from './index.js';

const bed = runtimeBed();
const NODE = 'sim-node-1';
const NS = 'default';
const LABEL = 'kubelet-sim-int';

function podSpec(name: string, container: Record<string, unknown>, spec: Record<string, unknown> = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app: LABEL } },
    spec: { nodeName: NODE, containers: [{ name: 'main', image: bed!.images.busybox, ...container }], ...spec },
  } as V1Pod;
}

const mainStatus = (pod: KubeObject | undefined): ContainerStatusJson | undefined =>
  (pod as unknown as PodJson | undefined)?.status?.containerStatuses?.find((c) => c.name === 'main');

describe.skipIf(bed === undefined)(`the kubelet simulator on a real containerd ${runtimeBedSkipReason()}`.trim(), () => {
  let api: FakeApiServer;
  let cri: CriClient;
  let sim: KubeletSim;
  let core: CoreV1Api;
  const ref = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', namespace: NS, name });

  beforeAll(async () => {
    api = await startFakeApiServer();
    cri = createCriClient({ endpoint: bed!.endpoint, platform: 'linux' });
    core = api.kubeConfig().makeApiClient(CoreV1Api);
    sim = await startKubeletSim({ kubeConfig: api.kubeConfig(), nodeName: NODE, cri, podNetwork: bed!.podNetwork, restartBackoffMs: 200, pollMs: 200 });
  });
  afterAll(async () => {
    await sim?.stop();
    cri?.close();
    await api?.close();
  });

  const containersOf = async (uid: string) =>
    (await cri.listContainers(undefined, { filter: { label_selector: { 'io.kubernetes.pod.uid': uid } } })).containers;

  it('runs a busybox pod: status Running with a containerd:// ID and restartCount 0, and the CRI container carries kubelet labels and annotations', async () => {
    const preStop = { exec: { command: ['sh', '-c', 'true'] } };
    const created = await core.createNamespacedPod({
      namespace: NS,
      body: podSpec('run-1', { command: ['sleep', '3600'], lifecycle: { preStop } }, { terminationGracePeriodSeconds: 5 }),
    });
    const uid = created.metadata!.uid!;
    const pod = await api.store.waitFor(ref('run-1'), (p) => mainStatus(p)?.ready === true, 30_000);
    const status = (pod as unknown as PodJson).status!;
    expect(status.phase).toBe('Running');
    const main = mainStatus(pod)!;
    expect(main).toMatchObject({ restartCount: 0, ready: true, started: true, image: bed!.images.busybox, lastState: {} });
    expect(main.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(main.imageID).not.toBe('');
    expect(main.state.running?.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    for (const type of ['Ready', 'ContainersReady', 'Initialized', 'PodScheduled'])
      expect(status.conditions?.find((c) => c.type === type)?.status).toBe('True');

    const [container, ...others] = await containersOf(uid);
    expect(others).toEqual([]);
    expect(`containerd://${container!.id}`).toBe(main.containerID);
    const cs = (await cri.containerStatus(undefined, { container_id: container!.id })).status!;
    expect(cs.metadata).toEqual({ name: 'main', attempt: 0 });
    expect(cs.labels).toMatchObject({
      'io.kubernetes.pod.name': 'run-1',
      'io.kubernetes.pod.namespace': NS,
      'io.kubernetes.pod.uid': uid,
      'io.kubernetes.container.name': 'main',
    });
    expect(cs.annotations).toMatchObject({
      'io.kubernetes.container.hash': containerHash({ name: 'main', image: bed!.images.busybox }),
      'io.kubernetes.container.restartCount': '0',
      'io.kubernetes.pod.terminationGracePeriod': '5',
      'io.kubernetes.container.preStopHandler': JSON.stringify(preStop),
      'io.kubernetes.container.terminationMessagePath': '/dev/termination-log',
    });
    const sandboxes = (await cri.listPodSandbox(undefined, { filter: { label_selector: { 'io.kubernetes.pod.uid': uid } } })).items;
    expect(sandboxes.map((s) => s.metadata)).toEqual([{ name: 'run-1', uid, namespace: NS, attempt: 0 }]);
    expect(sim.errors).toEqual([]);
  });

  it('restarts a container stopped through CRI as a new container with restartCount 1 under restartPolicy Always', async () => {
    const created = await core.createNamespacedPod({ namespace: NS, body: podSpec('restart-1', { command: ['sleep', '3600'] }) });
    const uid = created.metadata!.uid!;
    const first = mainStatus(await api.store.waitFor(ref('restart-1'), (p) => mainStatus(p)?.state.running !== undefined, 30_000))!;
    const firstId = first.containerID!.slice('containerd://'.length);
    await cri.stopContainer(undefined, { container_id: firstId, timeout: 1 });
    const pod = await api.store.waitFor(ref('restart-1'), (p) => mainStatus(p)?.restartCount === 1 && mainStatus(p)?.state.running !== undefined, 15_000);
    const second = mainStatus(pod)!;
    expect(second.containerID).not.toBe(first.containerID);
    expect(second.lastState.terminated).toMatchObject({ reason: 'Error', containerID: first.containerID });
    expect([137, 143]).toContain(second.lastState.terminated!.exitCode); // busybox sleep dies on TERM; 137 if it had to be killed
    const secondId = second.containerID!.slice('containerd://'.length);
    const cs = (await cri.containerStatus(undefined, { container_id: secondId })).status!;
    expect(cs.metadata).toEqual({ name: 'main', attempt: 1 });
    expect(cs.annotations['io.kubernetes.container.restartCount']).toBe('1');
    const ids = (await containersOf(uid)).map((c) => c.id).sort();
    expect(ids).toEqual([firstId, secondId].sort()); // kubelet's GC keeps the last dead one
  });

  it('ends a restartPolicy Never pod whose container exits 3 as Failed with exit code 3, without restarting it', async () => {
    const created = await core.createNamespacedPod({
      namespace: NS,
      body: podSpec('never-1', { command: ['sh', '-c', 'exit 3'] }, { restartPolicy: 'Never' }),
    });
    const pod = await api.store.waitFor(ref('never-1'), (p) => (p as unknown as PodJson | undefined)?.status?.phase === 'Failed', 30_000);
    expect(mainStatus(pod)).toMatchObject({ restartCount: 0, ready: false, state: { terminated: { exitCode: 3, reason: 'Error' } } });
    await sleep(1000);
    expect(await containersOf(created.metadata!.uid!)).toHaveLength(1);
    expect(mainStatus(api.store.get(ref('never-1')))?.restartCount).toBe(0);
  });

  it('on graceful deletion stops the containers within the grace period, removes the sandbox, and deletes the pod with grace 0', async () => {
    const ignoreTerm = ['sh', '-c', 'trap "" TERM; while true; do sleep 1; done'];
    const created = await core.createNamespacedPod({ namespace: NS, body: podSpec('delete-1', { command: ignoreTerm }, { terminationGracePeriodSeconds: 3 }) });
    const uid = created.metadata!.uid!;
    await api.store.waitFor(ref('delete-1'), (p) => mainStatus(p)?.state.running !== undefined, 30_000);
    expect(sim.sandboxOf(uid)).toBeDefined();
    const started = Date.now();
    await core.deleteNamespacedPod({ name: 'delete-1', namespace: NS });
    expect(api.store.get(ref('delete-1'))?.metadata.deletionTimestamp).toBeDefined();
    await api.store.waitFor(ref('delete-1'), (p) => p === undefined, 15_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2500); // TERM is ignored: killed when the 3 s grace ran out
    expect(await containersOf(uid)).toEqual([]);
    expect((await cri.listPodSandbox(undefined, { filter: { label_selector: { 'io.kubernetes.pod.uid': uid } } })).items).toEqual([]);
    const grace0 = api.requests.filter((r) => r.method === 'DELETE' && r.name === 'delete-1' && r.query.gracePeriodSeconds === '0');
    expect(grace0).toHaveLength(1);
  });

  it('reports ready only once an exec readiness probe passes', async () => {
    const readinessProbe = { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 };
    await core.createNamespacedPod({ namespace: NS, body: podSpec('probe-1', { command: ['sleep', '3600'], readinessProbe }) });
    const before = await api.store.waitFor(ref('probe-1'), (p) => mainStatus(p)?.state.running !== undefined, 30_000);
    expect(mainStatus(before)?.ready).toBe(false);
    await sleep(1200); // a couple of failing probe periods: without the probe it would be ready by now
    expect(mainStatus(api.store.get(ref('probe-1')))?.ready).toBe(false);
    expect((before as unknown as PodJson).status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
    const id = mainStatus(before)!.containerID!.slice('containerd://'.length);
    await cri.execSync(undefined, { container_id: id, cmd: ['touch', '/tmp/ready'], timeout: 5 });
    const after = await api.store.waitFor(ref('probe-1'), (p) => mainStatus(p)?.ready === true, 10_000);
    expect((after as unknown as PodJson).status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('keeps picking up pods after its watch connection is reset', async () => {
    expect(api.faults.dropWatches({ mode: 'reset' })).toBeGreaterThan(0);
    await core.createNamespacedPod({ namespace: NS, body: podSpec('after-reset', { command: ['sleep', '3600'] }) });
    const pod = await api.store.waitFor(ref('after-reset'), (p) => mainStatus(p)?.state.running !== undefined, 30_000);
    expect(mainStatus(pod)?.containerID).toMatch(/^containerd:\/\//);
  });

  it('stop() removes every sandbox and container it created, and is idempotent', async () => {
    const uids = api.store.list('v1', 'Pod', { namespace: NS }).map((p) => p.metadata.uid!);
    expect(uids.length).toBeGreaterThan(0);
    await sim.stop();
    await sim.stop();
    expect((await cri.listPodSandbox(undefined, { filter: { label_selector: { app: LABEL } } })).items).toEqual([]);
    for (const uid of uids) expect(await containersOf(uid)).toEqual([]);
  });
});
