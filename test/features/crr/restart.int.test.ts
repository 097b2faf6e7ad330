// CRRs restarting containers on the REAL containerd, through the daemon's own composition (see
// support.ts): one container gets a new ID and restartCount + 1 and is Succeeded only once the
// manager's snapshot shows it ready and minStartedSeconds passed; an ordered recreate kills the
// second container only after the first is back; the exec preStop runs before the stop; a
// container ignoring SIGTERM is stopped when the grace runs out, not before; with an unready
// grace the kill waits for the manager's unready time (annotation or condition) plus the grace.
import { describe, expect, it } from 'vitest';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { crrBed, idOf, LOOP, NODE, NS } from './support.js';

const bed = runtimeBed();
const sleeper = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: bed!.images.busybox, command: ['sh', '-c', LOOP], ...extra });

describe.skipIf(bed === undefined)(`CRRs restarting containers ${runtimeBedSkipReason()}`.trim(), () => {
  it('restarts one container: a new ID, restartCount + 1, Succeeded only after the snapshot says ready and minStartedSeconds passed', async () => {
    const node = await crrBed(bed!);
    const daemon = await node.startDaemon();
    // Readiness comes a second after start, so the snapshot first shows the new container not ready.
    const probe = { exec: { command: ['true'] }, initialDelaySeconds: 1, periodSeconds: 1 };
    const pod = await node.runPod('web-0', [sleeper('main', { readinessProbe: probe }), sleeper('other')], { terminationGracePeriodSeconds: 2 });
    const before = pod.status!.containerStatuses!.find((c) => c.name === 'main')!;
    const other = pod.status!.containerStatuses!.find((c) => c.name === 'other')!;
    node.createCrr({ name: 'restart-main', podName: 'web-0', containers: ['main'], strategy: { minStartedSeconds: 2 } });

    const status = await node.completed('restart-main');
    expect(status).toMatchObject({ phase: 'Completed', containerRecreateStates: [{ name: 'main', phase: 'Succeeded', isKilled: true }] });
    expect(status.message ?? '').toBe(''); // omitempty, as upstream's
    const after = node.statusOf('web-0', 'main')!;
    expect(after.containerID).not.toBe(before.containerID);
    expect(after.restartCount).toBe(before.restartCount + 1);
    expect(node.statusOf('web-0', 'other')).toMatchObject({ containerID: other.containerID, restartCount: other.restartCount });
    expect(node.stops.map((s) => s.id)).toEqual([idOf(before.containerID!)]);

    // The first status with main Succeeded came after a snapshot showing the new container ready,
    // and at least minStartedSeconds after it started.
    const firstSucceeded = node.history.find((h) => h.name === 'restart-main' && h.status.containerRecreateStates?.[0]?.phase === 'Succeeded')!;
    const readySeen = node.history.find(
      (h) => h.name === 'restart-main' && h.status.containerStatusSnapshot?.some((s) => s.containerID === after.containerID && s.ready),
    );
    expect(readySeen).toBeDefined();
    expect(node.history.indexOf(readySeen!)).toBeLessThan(node.history.indexOf(firstSucceeded));
    expect(
      node.history.some((h) => h.name === 'restart-main' && h.status.containerStatusSnapshot?.some((s) => s.containerID === after.containerID && !s.ready)),
    ).toBe(true);
    const startedAt = Date.parse(after.state.running!.startedAt!);
    expect(firstSucceeded.at - startedAt).toBeGreaterThanOrEqual(2_000);

    const killing = node.events().filter((e) => e.reason === 'Killing');
    expect(killing).toHaveLength(1);
    expect(killing[0]).toMatchObject({
      type: 'Normal',
      message: 'Stopping container main by ContainerRecreateRequest restart-main',
      involvedObject: { kind: 'Pod', name: 'web-0', fieldPath: 'spec.containers{main}' },
      source: { component: 'kruise-daemon-crr', host: NODE },
    });
    expect(daemon.logs.filter((l) => l.level >= 50)).toEqual([]);
    const writes = node.api.requests.filter({ resource: 'containerrecreaterequests', subresource: 'status' });
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((r) => r.status !== 403 && r.userAgent?.includes('kruise-daemon-crr'))).toBe(true);
  });

  it('recreates two containers in order on a v1alpha1-only server (snapshot from the annotation): the second is killed only after the first is back', async () => {
    const node = await crrBed(bed!, { crrVersions: ['v1alpha1'] });
    await node.startDaemon();
    const pod = await node.runPod('ordered', [sleeper('a'), sleeper('b')], { terminationGracePeriodSeconds: 2 });
    const [a, b] = ['a', 'b'].map((n) => pod.status!.containerStatuses!.find((c) => c.name === n)!);
    const crr = node.createCrr({ name: 'ordered', podName: 'ordered', containers: ['a', 'b'], strategy: { orderedRecreate: true } });
    expect(crr.apiVersion).toBe('apps.kruise.io/v1alpha1');

    const status = await node.completed('ordered');
    expect(status.containerRecreateStates).toEqual([
      { name: 'a', phase: 'Succeeded', isKilled: true },
      { name: 'b', phase: 'Succeeded', isKilled: true },
    ]);
    expect(node.stops.map((s) => s.id)).toEqual([idOf(a!.containerID!), idOf(b!.containerID!)]);
    const newA = node.statusOf('ordered', 'a')!;
    expect(newA.restartCount).toBe(1);
    expect(node.statusOf('ordered', 'b')!.restartCount).toBe(1);
    // b's stop came after a's new container ran and was published ready in the annotation.
    expect(node.stops[1]!.at).toBeGreaterThanOrEqual(Date.parse(newA.state.running!.startedAt!));
    const annotated = node.api.store.get({ apiVersion: 'apps.kruise.io/v1alpha1', kind: 'ContainerRecreateRequest', namespace: NS, name: 'ordered' });
    expect(annotated?.metadata.annotations?.['crr.apps.kruise.io/sync-container-statuses']).toContain(newA.containerID);
  });

  it.each(['v1beta1', 'v1alpha1'] as const)("waits for the manager's unready time plus unreadyGracePeriodSeconds before the kill (%s)", async (version) => {
    const node = await crrBed(bed!, { crrVersions: [version] });
    await node.startDaemon();
    const pod = await node.runPod(`grace-${version}`, [sleeper('main')], { terminationGracePeriodSeconds: 2 });
    const old = pod.status!.containerStatuses![0]!;
    node.createCrr({ name: 'graced', podName: `grace-${version}`, containers: ['main'], strategy: { unreadyGracePeriodSeconds: 2 } });
    expect(await node.completed('graced')).toMatchObject({ containerRecreateStates: [{ name: 'main', phase: 'Succeeded', isKilled: true }] });
    const crr = node.crr('graced')!;
    // The manager double recorded the time where this version keeps it (second precision).
    const acquired =
      version === 'v1alpha1'
        ? crr.metadata?.annotations?.['crr.apps.kruise.io/unready-acquired']
        : (crr.status as { conditions?: Array<{ type: string; lastTransitionTime: string }> }).conditions?.find((c) => c.type === 'PreRecreateGrace')
            ?.lastTransitionTime;
    expect(acquired).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(node.stops.map((s) => s.id)).toEqual([idOf(old.containerID!)]);
    expect(node.stops[0]!.at).toBeGreaterThanOrEqual(Date.parse(acquired!) + 2_000);
  });

  it('runs the exec preStop before the stop: the container exits with the code the hook left', async () => {
    const node = await crrBed(bed!);
    await node.startDaemon();
    const main = `trap 'exit $(cat /tmp/prestop 2>/dev/null || echo 9)' TERM; ${LOOP}`;
    const preStop = { exec: { command: ['sh', '-c', 'echo 42 > /tmp/prestop'] } };
    const pod = await node.runPod('hooked', [{ name: 'main', image: bed!.images.busybox, command: ['sh', '-c', main], lifecycle: { preStop } }], {
      terminationGracePeriodSeconds: 10,
    });
    const old = pod.status!.containerStatuses![0]!;
    node.createCrr({ name: 'hooked', podName: 'hooked', containers: ['main'] });
    expect(await node.completed('hooked')).toMatchObject({ containerRecreateStates: [{ name: 'main', phase: 'Succeeded', isKilled: true }] });
    const exited = (await node.cri.containerStatus(undefined, { container_id: idOf(old.containerID!) })).status!;
    expect(exited.exit_code).toBe(42);
    expect(node.events().filter((e) => e.reason === 'FailedPreStopHook')).toEqual([]);
  });

  it('stops a container that ignores SIGTERM when the grace runs out, not before', async () => {
    const node = await crrBed(bed!);
    await node.startDaemon();
    const pod = await node.runPod('stubborn', [{ name: 'main', image: bed!.images.busybox, command: ['sh', '-c', `trap '' TERM; ${LOOP}`] }], {
      terminationGracePeriodSeconds: 3,
    });
    const old = pod.status!.containerStatuses![0]!;
    node.createCrr({ name: 'stubborn', podName: 'stubborn', containers: ['main'] });
    expect(await node.completed('stubborn')).toMatchObject({ containerRecreateStates: [{ name: 'main', phase: 'Succeeded', isKilled: true }] });
    expect(node.stops).toHaveLength(1);
    const stop = node.stops[0]!;
    expect(stop.timeout).toBe(3);
    const exited = (await node.cri.containerStatus(undefined, { container_id: idOf(old.containerID!) })).status!;
    expect(exited.exit_code).toBe(137);
    // finished_at is in ns; the SIGKILL came when the 3 s grace had run out.
    expect(Number(exited.finished_at) / 1e6 - stop.at).toBeGreaterThanOrEqual(2_900);
  });
});
