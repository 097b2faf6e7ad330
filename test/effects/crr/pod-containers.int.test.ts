// Pod status from CRI (contract §2.4) as `criPodContainers` reads it, on the bed's REAL containerd
// with pods run by the kubelet simulator: after a restart the newest container of a name is the
// one reported, with kubelet's restart count; exited ones carry their exit code in the platform's
// wording. Through the effect itself: the read does not wait for the durability barrier, and an unknown
// runtime is upstream's error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCriClient, type CriClient } from '../../../adapters/cri/index.js';
import { deferredBarrier } from '../../../effects/deferred-barrier.js';
import { CrrWorkers, crrPodEffects, readPodContainers } from '../../../effects/crr/index.js';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { NS, notingStops, runEffect, startCrrNode, until, type CrrNode } from './support.js';

const bed = runtimeBed();
const LOOP = 'while true; do sleep 1; done';

describe.skipIf(bed === undefined)(`criPodContainers on a real containerd ${runtimeBedSkipReason()}`.trim(), () => {
  let cri: CriClient;
  let node: CrrNode;

  beforeAll(async () => {
    cri = createCriClient({ endpoint: bed!.endpoint, platform: 'linux' });
    node = await startCrrNode({ cri, image: bed!.images.busybox, os: 'linux', podNetwork: bed!.podNetwork, nodeName: 'crr-read-node' });
  });
  afterAll(async () => {
    await node?.close();
    cri?.close();
  });

  it('reports the newest container per name after a restart, with its restart count, state and times, and the older one only by being replaced', async () => {
    const pod = await node.runPod('restarted', { command: ['sh', '-c', LOOP] }, { restartPolicy: 'Always' });
    const before = await readPodContainers(cri, 'containerd', pod.uid, node.platform.exitCodes, new AbortController().signal);
    expect(before).toEqual([
      {
        name: 'main',
        containerID: pod.containerID,
        state: 'running',
        restartCount: 0,
        createdAtMs: expect.any(Number),
        startedAtMs: expect.any(Number),
        exit: null,
      },
    ]);
    expect(before[0]!.startedAtMs).toBeGreaterThanOrEqual(before[0]!.createdAtMs);

    await cri.stopContainer(undefined, { container_id: pod.id, timeout: 0 });
    const restarted = await until(
      () => {
        const s = node.mainStatus('restarted');
        return s?.restartCount === 1 && s.state.running !== undefined ? s : undefined;
      },
      'the simulator to restart the container',
      20_000,
    );
    const after = await readPodContainers(cri, 'containerd', pod.uid, node.platform.exitCodes, new AbortController().signal);
    expect(after).toHaveLength(1); // the dead one is still listed by CRI, but is not the newest
    expect(after[0]).toMatchObject({ name: 'main', containerID: restarted.containerID, state: 'running', restartCount: 1, exit: null });
    expect(after[0]!.createdAtMs).toBeGreaterThanOrEqual(before[0]!.createdAtMs);
    expect((await cri.listContainers(undefined, { filter: { label_selector: { 'io.kubernetes.pod.uid': pod.uid } } })).containers).toHaveLength(2);
  });

  it('reports an exited newest container with its exit code worded for Linux (128+9: SIGKILL)', async () => {
    const pod = await node.runPod('exited', { command: ['sh', '-c', `trap "" TERM; ${LOOP}`] }, { restartPolicy: 'Never' });
    await cri.stopContainer(undefined, { container_id: pod.id, timeout: 0 });
    const [main] = await readPodContainers(cri, 'containerd', pod.uid, node.platform.exitCodes, new AbortController().signal);
    expect(main).toMatchObject({ containerID: pod.containerID, state: 'exited', exit: { code: 137, text: 'exit code 137 (128+9: killed by SIGKILL)' } });
  });

  it('as the effect: reads without waiting for the log (a read changes nothing), answers with `at` from the injected clock, and fails with upstream text for an unknown runtime', async () => {
    const pod = await node.runPod('through-effect', { command: ['sh', '-c', LOOP] });
    const calls: string[] = [];
    const { cri: plain } = notingStops(cri);
    const counting = {
      ...plain,
      listContainers: (...a: Parameters<CriClient['listContainers']>) => {
        calls.push('ListContainers');
        return cri.listContainers(...a);
      },
    };
    const barrier = deferredBarrier();
    const effects = crrPodEffects({
      barrier,
      now: () => 4242,
      criFor: (name) => (name === 'containerd' ? counting : undefined),
      platform: node.platform,
      events: node.recorder,
      writer: { writeAll: () => Promise.reject(new Error('no API calls expected')) },
      workers: new CrrWorkers(32),
    });
    const run = runEffect(effects.criPodContainers, { runtimeName: 'containerd', podUid: pod.uid, namespace: NS, podName: 'through-effect' });
    await until(() => run.events.length > 0, 'the effect to finish while the log is not durable yet');
    expect(run.events[0]).toMatchObject({
      type: 'xstate.done.actor.effect',
      output: { at: 4242, containers: [{ name: 'main', containerID: pod.containerID, state: 'running' }] },
    });
    expect(calls).toEqual(['ListContainers']);

    const unknown = runEffect(effects.criPodContainers, { runtimeName: 'cri-o', podUid: pod.uid, namespace: NS, podName: 'through-effect' });
    await until(() => unknown.events.length > 0, 'the effect to fail');
    expect(unknown.events[0]).toMatchObject({ type: 'xstate.error.actor.effect' });
    expect(String((unknown.events[0] as { error?: unknown }).error)).toContain('not found runtime service for cri-o in daemon');
  });
});
