// A daemon stopped mid-CRR — after the kill, before the CRR completes — and started again on the
// same event log, on the REAL containerd: the crrPod actor is recovered from the log, the CRR
// converges to Completed/Succeeded, the container is stopped once only (its restart count rises
// exactly once), and the log of both runs replays clean through today's machines.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayLog } from '../../../engine/replay.js';
import { machineRegistry } from '../../../machines/registry.js';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { crrBed, idOf, LOOP, until } from './support.js';

const bed = runtimeBed();

describe.skipIf(bed === undefined)(`a daemon restarted mid-CRR ${runtimeBedSkipReason()}`.trim(), () => {
  it('recovers the pod’s actor, completes the CRR without a second kill, and replays clean', async () => {
    const node = await crrBed(bed!);
    const first = await node.startDaemon();
    const pod = await node.runPod('survivor', [{ name: 'main', image: bed!.images.busybox, command: ['sh', '-c', LOOP] }], {
      terminationGracePeriodSeconds: 2,
    });
    const old = pod.status!.containerStatuses![0]!;
    // minStartedSeconds keeps the CRR open well after the kill, so the stop lands in between.
    node.createCrr({ name: 'survive', podName: 'survivor', containers: ['main'], strategy: { minStartedSeconds: 3 } });
    await until(() => node.stops[0]?.doneAt !== undefined, 'the kill', 20_000);
    await first.stop();
    expect(node.crr('survive')?.status?.completionTime).toBeUndefined();

    const second = await node.startDaemon();
    const recovered = second.logs.find((l) => l.msg === 'event log recovered');
    expect(recovered).toMatchObject({ restored: 1, diverged: 0, failed: 0 });
    const status = await node.completed('survive');
    expect(status).toMatchObject({ phase: 'Completed', containerRecreateStates: [{ name: 'main', phase: 'Succeeded', isKilled: true }] });
    expect(node.stops.map((s) => s.id)).toEqual([idOf(old.containerID!)]);
    const now = node.statusOf('survivor', 'main')!;
    expect(now.containerID).not.toBe(old.containerID);
    expect(now.restartCount).toBe(old.restartCount + 1);
    expect(node.events().filter((e) => e.reason === 'Killing')).toHaveLength(1);
    await until(() => second.engine.host.size === 0, 'the actor to finish', 10_000);
    await second.stop();

    const replay = await replayLog(join(node.dataDir, 'daemon', 'events'), { registry: machineRegistry });
    expect(replay.divergence).toBeUndefined();
    // One incarnation across both runs: recovered, not spawned again.
    expect(replay.actors.filter((a) => a.machine === 'crrPod').map((a) => [a.key, a.final.status])).toEqual([['default/survivor', 'done']]);
  });
});
