// CRRs that cannot be carried out as asked, on the REAL containerd through the daemon's own
// composition: a failing kill under failurePolicy Fail (the CRR completes at once, the next
// container is left alone) and Ignore (the next container is still recreated); a container the
// node does not have (Pending `not found container on Node` until the manager's deadline); CRRs the
// webhook would have refused (no statusContext, mixed runtimes, a runtime this daemon lacks)
// completed with upstream's messages while another pod's CRR goes on.
import { describe, expect, it } from 'vitest';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { crrBed, idOf, LOOP, NS } from './support.js';

const bed = runtimeBed();
const sleeper = (name: string) => ({ name, image: bed!.images.busybox, command: ['sh', '-c', LOOP] });
const KILL_ERROR = 'kill container error: rpc error: code = Unknown desc = injected StopContainer failure';

describe.skipIf(bed === undefined)(`CRRs that cannot be carried out as asked ${runtimeBedSkipReason()}`.trim(), () => {
  it('a failing kill completes the CRR at once under Fail, and goes on to the next container under Ignore', async () => {
    const node = await crrBed(bed!);
    await node.startDaemon();
    const [failing, ignoring] = await Promise.all([
      node.runPod('fail-pod', [sleeper('a'), sleeper('b')], { terminationGracePeriodSeconds: 2 }),
      node.runPod('ignore-pod', [sleeper('a'), sleeper('b')], { terminationGracePeriodSeconds: 2 }),
    ]);
    const idsOf = (pod: typeof failing) => Object.fromEntries(pod.status!.containerStatuses!.map((c) => [c.name, idOf(c.containerID!)]));
    const f = idsOf(failing);
    const i = idsOf(ignoring);
    node.failStops.add(f.a!);
    node.failStops.add(i.a!);
    node.createCrr({ name: 'fail', podName: 'fail-pod', containers: ['a', 'b'], strategy: { failurePolicy: 'Fail' } });
    node.createCrr({ name: 'ignore', podName: 'ignore-pod', containers: ['a', 'b'], strategy: { failurePolicy: 'Ignore' } });

    const [fail, ignore] = await Promise.all([node.completed('fail'), node.completed('ignore')]);
    expect(fail.message ?? '').toBe('');
    expect(fail.containerRecreateStates).toEqual([
      { name: 'a', phase: 'Failed', message: KILL_ERROR },
      { name: 'b', phase: 'Pending' },
    ]);
    expect(ignore.containerRecreateStates).toEqual([
      { name: 'a', phase: 'Failed', message: KILL_ERROR },
      { name: 'b', phase: 'Succeeded', isKilled: true },
    ]);
    const stopped = node.stops.map((s) => s.id);
    expect(stopped.filter((id) => id === f.a)).toHaveLength(1);
    expect(stopped).not.toContain(f.b);
    expect(stopped.filter((id) => id === i.a)).toHaveLength(1);
    expect(stopped.filter((id) => id === i.b)).toHaveLength(1);
    expect(node.statusOf('fail-pod', 'b')!.restartCount).toBe(0);
    expect(node.statusOf('ignore-pod', 'b')!.restartCount).toBe(1);
  });

  it('leaves a container the node does not have Pending with `not found container on Node`, kills nothing, and the manager ends it at the deadline', async () => {
    const node = await crrBed(bed!);
    await node.startDaemon();
    const pod = await node.runPod('ghostly', [sleeper('main')]);
    node.rawCrr(
      'ghost',
      { name: 'ghostly', uid: pod.metadata.uid },
      [{ name: 'ghost', statusContext: { containerID: `containerd://${'0'.repeat(64)}`, restartCount: 0 } }],
      { activeDeadlineSeconds: 3 },
    );
    const status = await node.completed('ghost');
    expect(status).toMatchObject({
      phase: 'Completed',
      message: 'recreating has exceeded the activeDeadlineSeconds',
      containerRecreateStates: [{ name: 'ghost', phase: 'Pending', message: 'not found container on Node' }],
    });
    expect(node.history.some((h) => h.name === 'ghost' && h.status.phase === 'Recreating')).toBe(true);
    expect(node.stops).toEqual([]);
  });

  it('completes CRRs the webhook would refuse with upstream’s messages, while another pod’s CRR goes on', async () => {
    const node = await crrBed(bed!);
    await node.startDaemon();
    // Bare pods: they exist (so the manager does not say `pod has gone`) but run nowhere.
    const bare = (name: string) =>
      node.api.store.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: NS },
        spec: {
          containers: [
            { name: 'main', image: 'x' },
            { name: 'side', image: 'x' },
          ],
        },
      });
    const target = (name: string) => ({ name, uid: bare(name).metadata.uid! });
    const good = await node.runPod('good', [sleeper('main')], { terminationGracePeriodSeconds: 2 });
    node.rawCrr('no-context', target('p1'), [{ name: 'main', statusContext: { containerID: 'containerd://abc', restartCount: 0 } }, { name: 'side' }]);
    node.rawCrr('mixed', target('p2'), [
      { name: 'main', statusContext: { containerID: 'containerd://abc', restartCount: 0 } },
      { name: 'side', statusContext: { containerID: 'cri-o://def', restartCount: 0 } },
    ]);
    node.rawCrr('foreign', target('p3'), [{ name: 'main', statusContext: { containerID: 'docker://abc', restartCount: 0 } }]);
    node.createCrr({ name: 'good', podName: 'good', containers: ['main'] });

    const [noContext, mixed, foreign, ok] = await Promise.all(['no-context', 'mixed', 'foreign', 'good'].map((n) => node.completed(n)));
    expect(noContext).toMatchObject({ phase: 'Completed', message: 'failed to find runtime service: no statusContext or empty containerID in side container' });
    expect(mixed).toMatchObject({ phase: 'Completed', message: 'failed to find runtime service: has different runtime types containerd, cri-o in Pod' });
    expect(foreign).toMatchObject({ phase: 'Completed', message: 'failed to find runtime service: not found runtime service for docker in daemon' });
    expect(ok).toMatchObject({ phase: 'Completed', containerRecreateStates: [{ name: 'main', phase: 'Succeeded', isKilled: true }] });
    expect(node.stops.map((s) => s.id)).toEqual([idOf(good.status!.containerStatuses![0]!.containerID!)]);
  });
});
