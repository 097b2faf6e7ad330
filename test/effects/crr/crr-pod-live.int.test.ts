// The real `crrPod` machine with the live effects bound by bindCrrPod, on the bed's REAL
// containerd, next to the kubelet simulator and the CRR manager double (webhook + controller) on
// the fake API server. No glue: the test itself delivers `k8s.crrsObserved` whenever the pod or a
// CRR changes. One CRR recreates one container: phase writes, the preStop hook, the kill, the
// state patches, and completion once the manager's snapshot shows the new container ready.
import { createActor } from 'xstate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROLLER_NAMES, CrrStatusWriter, kubeClientsFrom, type KubeObject } from '../../../adapters/kube/index.js';
import { createCriClient, type CriClient } from '../../../adapters/cri/index.js';
import { crrPodInput, crrView, isActiveCrr, podView } from '../../../daemon/features/crr/index.js';
import { bindCrrPod, CrrWorkers } from '../../../effects/crr/index.js';
import { crrPodMachine } from '../../../machines/crr/crr-pod.machine.js';
import { machineRegistry } from '../../../machines/registry.js';
import { createCrr, startCrrController, type CrrController } from '../../bed/manager/index.js';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { NS, startCrrNode, type CrrNode } from './support.js';

const bed = runtimeBed();
const CRR_REF = { apiVersion: 'apps.kruise.io/v1beta1', kind: 'ContainerRecreateRequest', namespace: NS, name: 'recreate-main' };

describe.skipIf(bed === undefined)(`the crrPod machine with its live effects ${runtimeBedSkipReason()}`.trim(), () => {
  let cri: CriClient;
  let node: CrrNode;
  let manager: CrrController;

  beforeAll(async () => {
    cri = createCriClient({ endpoint: bed!.endpoint, platform: 'linux' });
    node = await startCrrNode({ cri, image: bed!.images.busybox, os: 'linux', podNetwork: bed!.podNetwork, nodeName: 'crr-live-node' });
    manager = startCrrController(node.api, { intervalMs: 200 });
  });
  afterAll(async () => {
    manager?.stop();
    await node?.close();
    cri?.close();
  });

  it('recreates the container named by a CRR and completes the CRR', async () => {
    const preStop = { exec: { command: ['sh', '-c', 'echo bye > /tmp/prestop'] } };
    const before = await node.runPod('web-0', { command: ['sh', '-c', 'while true; do sleep 1; done'], lifecycle: { preStop } });
    createCrr(node.api, { name: 'recreate-main', podName: 'web-0', containers: ['main'], strategy: { terminationGracePeriodSeconds: 5 } });

    const entry = machineRegistry.get(crrPodMachine.id)!;
    const bind = bindCrrPod({
      barrier: { durable: () => Promise.resolve() },
      now: Date.now,
      criFor: (name) => (name === 'containerd' ? cri : undefined),
      platform: node.platform,
      events: node.recorder,
      writer: new CrrStatusWriter({ transport: kubeClientsFrom(node.api.kubeConfig()).forController(CONTROLLER_NAMES.crr), crrVersion: 'v1beta1' }),
      workers: new CrrWorkers(32),
    });
    const actor = createActor(bind(entry), { input: crrPodInput(`${NS}/web-0`, ['containerd']) });
    const failures: unknown[] = [];
    actor.subscribe({ error: (e) => failures.push(e) });
    actor.start();
    const observe = () => {
      if (actor.getSnapshot().status !== 'active') return;
      const crrs = node.api.store
        .list('apps.kruise.io/v1beta1', 'ContainerRecreateRequest', { namespace: NS })
        .filter((o) => o.metadata.labels?.['crr.apps.kruise.io/active'] === 'true')
        .map((o) => crrView(o as KubeObject, 'v1beta1').view)
        .filter((v) => isActiveCrr(v));
      const pod = node.api.store.get({ apiVersion: 'v1', kind: 'Pod', namespace: NS, name: 'web-0' });
      actor.send({ type: 'k8s.crrsObserved', at: Date.now(), crrs, pod: pod ? podView(pod as KubeObject) : null });
    };
    const unsubscribe = node.api.store.subscribe((e) => {
      if (e.object.kind === 'Pod' || e.object.kind === 'ContainerRecreateRequest') setImmediate(observe);
    });
    try {
      observe();
      const done = await node.api.store.waitFor(CRR_REF, (o) => (o?.status as { phase?: string } | undefined)?.phase === 'Completed', 45_000);
      expect(done!.status).toMatchObject({ phase: 'Completed', containerRecreateStates: [{ name: 'main', phase: 'Succeeded', isKilled: true }] });
      expect(done!.status).not.toHaveProperty('message');
      const now = node.mainStatus('web-0')!;
      expect(now.restartCount).toBe(1);
      expect(now.containerID).not.toBe(before.containerID);
      const old = (await cri.containerStatus(undefined, { container_id: before.id })).status!;
      expect(old.state).toBe('CONTAINER_EXITED');
      const events = await node.eventsOf('web-0');
      expect(events.map((e) => [e.reason, e.message])).toEqual([['Killing', 'Stopping container main by ContainerRecreateRequest recreate-main']]);
      expect(failures).toEqual([]);
    } finally {
      unsubscribe();
      actor.stop();
    }
  });
});
