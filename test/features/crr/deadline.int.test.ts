// A kill that outlives its CRR's activeDeadlineSeconds, on the REAL containerd through the
// daemon's own composition (support.ts), as upstream's e2e has it (test/e2e/apps/
// containerrecreate.go, "activeDeadlineSeconds=3"): two containers, the first with a preStop hook
// that sleeps 8 s. The manager completes the CRR at the deadline with both containers Pending; the
// kill under way goes on (the container is still recreated), and when it ends its result is
// recorded on the completed CRR: `[{app Recreating isKilled}, {sidecar Pending}]`. Nothing else is
// killed for a CRR that is over.
import { describe, expect, it } from 'vitest';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { crrBed, idOf, LOOP, until } from './support.js';

const bed = runtimeBed();
const sleeper = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: bed!.images.busybox, command: ['sh', '-c', LOOP], ...extra });

describe.skipIf(bed === undefined)(`a kill that outlives the CRR's deadline ${runtimeBedSkipReason()}`.trim(), () => {
  it.each(['v1beta1', 'v1alpha1'] as const)('is recorded on the completed CRR as upstream does (%s)', async (version) => {
    const node = await crrBed(bed!, { crrVersions: [version] });
    const daemon = await node.startDaemon();
    const preStop = { exec: { command: ['sleep', '8'] } };
    const pod = await node.runPod(`late-${version}`, [sleeper('app', { lifecycle: { preStop } }), sleeper('sidecar')], { terminationGracePeriodSeconds: 30 });
    const [app, sidecar] = ['app', 'sidecar'].map((n) => pod.status!.containerStatuses!.find((c) => c.name === n)!);
    node.createCrr({ name: 'late', podName: `late-${version}`, containers: ['app', 'sidecar'], activeDeadlineSeconds: 3, version });

    // The manager completes it at the deadline, while the hook still sleeps.
    const completed = await node.completed('late');
    expect(completed.message).toBe('recreating has exceeded the activeDeadlineSeconds');
    expect(completed.containerRecreateStates).toEqual([
      { name: 'app', phase: 'Pending' },
      { name: 'sidecar', phase: 'Pending' },
    ]);
    expect(node.stops).toEqual([]);

    // The kill goes on: the app container is recreated once the hook is over.
    await until(() => (node.statusOf(`late-${version}`, 'app')?.restartCount ?? 0) === 1, 'the app container restarted', 40_000);
    expect(node.stops.map((s) => s.id)).toEqual([idOf(app!.containerID!)]);
    // Its result reaches the completed CRR: upstream's merge patch of the states after the kill.
    const recorded = await until(
      () => {
        const states = node.crr('late')?.status?.containerRecreateStates;
        return states?.[0]?.phase === 'Recreating' ? states : undefined;
      },
      "the kill's result on the CRR",
      10_000,
    );
    expect(recorded).toEqual([
      { name: 'app', phase: 'Recreating', isKilled: true },
      { name: 'sidecar', phase: 'Pending' },
    ]);
    expect(node.crr('late')?.status).toMatchObject({ phase: 'Completed', message: 'recreating has exceeded the activeDeadlineSeconds' });
    // The actor is done with the pod (a witness: its stop), and the sidecar was never touched.
    await until(() => !daemon.engine.host.has(`default/late-${version}`), 'the pod actor done', 10_000);
    expect(node.statusOf(`late-${version}`, 'sidecar')).toMatchObject({ containerID: sidecar!.containerID, restartCount: 0 });
    expect(node.stops).toHaveLength(1);
    expect(node.events().filter((e) => e.reason === 'Killing')).toHaveLength(1);
  });
});
