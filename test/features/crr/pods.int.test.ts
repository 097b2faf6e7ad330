// One pod, several CRRs, and pods that do not restart, on the REAL containerd through the daemon's
// own composition: two CRRs on one pod both complete, the second written Pending while the first
// runs (no Pending stall after the first completes); the SidecarTerminator's CRR on a finished
// restartPolicy Never job pod stops both sidecars (one exits on TERM, one ignores it and is killed
// at the grace) and completes instead of sitting in Recreating; and with gate DaemonWatchingPod
// off the daemon reads the pod with GET under its own user agent.
import { describe, expect, it } from 'vitest';
import type { PodJson } from '../../bed/kubelet/index.js';
import { sidecarTerminationCrr } from '../../bed/manager/index.js';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { crrBed, idOf, LOOP, NS } from './support.js';

const bed = runtimeBed();
const sleeper = (name: string, script = LOOP, env: Array<{ name: string; value: string }> = []) => ({
  name,
  image: bed!.images.busybox,
  command: ['sh', '-c', script],
  env,
});

describe.skipIf(bed === undefined)(`one pod, several CRRs, pods that do not restart ${runtimeBedSkipReason()}`.trim(), () => {
  it('completes two CRRs on one pod, one after the other', async () => {
    const node = await crrBed(bed!);
    await node.startDaemon();
    const pod = await node.runPod('pair', [sleeper('a'), sleeper('b')], { terminationGracePeriodSeconds: 2 });
    const ids = Object.fromEntries(pod.status!.containerStatuses!.map((c) => [c.name, idOf(c.containerID!)]));
    node.createCrr({ name: 'first', podName: 'pair', containers: ['a'] });
    node.createCrr({ name: 'second', podName: 'pair', containers: ['b'] });

    const [first, second] = await Promise.all([node.completed('first'), node.completed('second')]);
    expect(first.containerRecreateStates).toEqual([{ name: 'a', phase: 'Succeeded', isKilled: true }]);
    expect(second.containerRecreateStates).toEqual([{ name: 'b', phase: 'Succeeded', isKilled: true }]);
    expect(node.history.some((h) => h.name === 'second' && h.status.phase === 'Pending')).toBe(true);
    expect(node.stops.map((s) => s.id)).toEqual([ids.a, ids.b]);
    expect(node.statusOf('pair', 'a')!.restartCount).toBe(1);
    expect(node.statusOf('pair', 'b')!.restartCount).toBe(1);
  });

  it('stops both sidecars of a finished restartPolicy Never job pod through the SidecarTerminator CRR, and completes it', async () => {
    const node = await crrBed(bed!);
    await node.startDaemon();
    const marker = [{ name: 'KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT', value: 'true' }];
    await node.runPod(
      'job',
      [sleeper('main', 'sleep 3; exit 0'), sleeper('polite', `trap 'exit 0' TERM; ${LOOP}`, marker), sleeper('stubborn', `trap '' TERM; ${LOOP}`, marker)],
      {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 2,
      },
    );
    const finished = (await node.api.store.waitFor(
      { apiVersion: 'v1', kind: 'Pod', namespace: NS, name: 'job' },
      (p) => (p as unknown as PodJson).status?.containerStatuses?.find((c) => c.name === 'main')?.state.terminated !== undefined,
      20_000,
    )) as unknown as PodJson;
    const input = sidecarTerminationCrr(finished)!;
    expect(input.containers).toEqual(['polite', 'stubborn']);
    const ids = Object.fromEntries(finished.status!.containerStatuses!.map((c) => [c.name, idOf(c.containerID!)]));
    node.createCrr(input);

    const status = await node.completed(input.name);
    expect(status.phase).toBe('Completed');
    expect(status.containerRecreateStates).toEqual([
      { name: 'polite', phase: 'Succeeded', isKilled: true, message: expect.stringMatching(/not restarted/) },
      { name: 'stubborn', phase: 'Succeeded', isKilled: true, message: expect.stringMatching(/not restarted/) },
    ]);
    expect(node.stops.map((s) => s.id)).toEqual([ids.polite, ids.stubborn]);
    const exitOf = async (id: string) => (await node.cri.containerStatus(undefined, { container_id: id })).status!.exit_code;
    expect(await exitOf(ids.polite!)).toBe(0);
    expect(await exitOf(ids.stubborn!)).toBe(137);
    await node.api.store.waitFor(
      { apiVersion: 'v1', kind: 'Pod', namespace: NS, name: 'job' },
      (p) => (p as unknown as PodJson).status?.phase === 'Failed',
      10_000,
    );
    expect(node.statusOf('job', 'polite')!.restartCount).toBe(0);
  });

  it('reads the pod with GET under kruise-daemon-crr when gate DaemonWatchingPod is off', async () => {
    const node = await crrBed(bed!);
    await node.startDaemon({ featureGates: 'DaemonWatchingPod=false' });
    const pod = await node.runPod('unwatched', [sleeper('main')], { terminationGracePeriodSeconds: 2 });
    node.createCrr({ name: 'unwatched', podName: 'unwatched', containers: ['main'] });
    expect(await node.completed('unwatched')).toMatchObject({ containerRecreateStates: [{ name: 'main', phase: 'Succeeded', isKilled: true }] });
    expect(node.statusOf('unwatched', 'main')!.restartCount).toBe(pod.status!.containerStatuses![0]!.restartCount + 1);
    const daemonPodRequests = node.api.requests.filter({ resource: 'pods' }).filter((r) => r.userAgent?.startsWith('kruise-daemon/'));
    expect(daemonPodRequests.length).toBeGreaterThan(0);
    expect(
      daemonPodRequests.every((r) => r.method === 'GET' && r.name === 'unwatched' && r.userAgent === 'kruise-daemon/kruise-daemon-crr' && r.status === 200),
    ).toBe(true);
  });
});
