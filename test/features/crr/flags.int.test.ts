// The CRR controller's flags through the daemon's own composition, on the REAL containerd:
// --crr-workers bounds how many pods' CRR work runs at once (with 1, the second pod's kill, hook
// included, starts only once the first pod's kill is over; with upstream's 32 both run together),
// and --crr-min-backoff / --crr-max-backoff (with the CRI deadline) reach every crrPod actor's
// spawn record, from which the machine's timers, replay and recovery take them.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayLog } from '../../../engine/replay.js';
import { crrPodMachine } from '../../../machines/crr/crr-pod.machine.js';
import { machineRegistry } from '../../../machines/registry.js';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { crrBed, LOOP, until } from './support.js';

const bed = runtimeBed();
const withSlowHook = (name: string) => ({
  name,
  image: bed!.images.busybox,
  command: ['sh', '-c', LOOP],
  lifecycle: { preStop: { exec: { command: ['sh', '-c', 'sleep 2'] } } },
});

/** Two pods, one CRR each; resolves with each pod's kill as [hook start, StopContainer end]. */
async function twoKills(node: Awaited<ReturnType<typeof crrBed>>) {
  const pods = await Promise.all(['one', 'two'].map((name) => node.runPod(name, [withSlowHook('main')], { terminationGracePeriodSeconds: 10 })));
  const ids = pods.map((p) => p.status!.containerStatuses![0]!.containerID!.replace(/^.*:\/\//, ''));
  node.createCrr({ name: 'crr-one', podName: 'one', containers: ['main'] });
  node.createCrr({ name: 'crr-two', podName: 'two', containers: ['main'] });
  await until(() => ids.every((id) => node.stops.some((s) => s.id === id && s.doneAt !== undefined)), 'both kills', 45_000);
  return ids.map((id) => ({ hookAt: node.execs.find((e) => e.id === id)!.at, stopDoneAt: node.stops.find((s) => s.id === id)!.doneAt! }));
}

describe.skipIf(bed === undefined)(`the CRR flags in the daemon ${runtimeBedSkipReason()}`.trim(), () => {
  it('--crr-workers=1 lets one pod’s kill run at a time: the second hook starts after the first stop returned', async () => {
    const node = await crrBed(bed!);
    await node.startDaemon({ args: ['--crr-workers=1'] });
    const [a, b] = (await twoKills(node)).sort((x, y) => x.hookAt - y.hookAt);
    expect(b!.hookAt).toBeGreaterThanOrEqual(a!.stopDoneAt);
  });

  it('with upstream’s 32 workers the two kills overlap', async () => {
    const node = await crrBed(bed!);
    // The witness is the second hook itself: the first is held until it arrives (or 20 s, after
    // which the first kill goes on and the order below fails), so no lag of the second decides.
    node.holdExecs(() =>
      until(() => node.execs.length >= 2, 'the second hook while the first is held', 20_000).then(
        () => undefined,
        () => undefined,
      ),
    );
    await node.startDaemon();
    const [a, b] = (await twoKills(node)).sort((x, y) => x.hookAt - y.hookAt);
    expect(b!.hookAt).toBeLessThan(a!.stopDoneAt);
  });

  it('puts --crr-min-backoff, --crr-max-backoff and the CRI deadline into every crrPod spawn record', async () => {
    const node = await crrBed(bed!);
    const daemon = await node.startDaemon({ args: ['--crr-min-backoff=2s', '--crr-max-backoff=1m', '--cri-base-timeout=7s'] });
    await node.runPod('solo', [{ name: 'main', image: bed!.images.busybox, command: ['sh', '-c', LOOP] }], { terminationGracePeriodSeconds: 2 });
    node.createCrr({ name: 'crr-solo', podName: 'solo', containers: ['main'] });
    await node.completed('crr-solo', 45_000);
    await daemon.stop();
    const replay = await replayLog(join(node.dataDir, 'daemon', 'events'), { registry: machineRegistry, keepSteps: true });
    const spawns = replay.actors.filter((a) => a.machine === crrPodMachine.id).map((a) => a.steps[0]!.record);
    expect(spawns.length).toBeGreaterThan(0);
    for (const spawn of spawns) {
      expect(spawn.kind).toBe('spawn');
      expect(spawn.event).toMatchObject({ timing: { minBackoffMs: 2000, maxBackoffMs: 60_000, criDeadlineMs: 7000 } });
    }
  });
});
