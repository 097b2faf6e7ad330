import { describe, expect, it } from 'vitest';
import { T0, crr, iso, pod, spec, strategy } from './fixtures.js';
import { World, advance, observe, recordPhases, startActor, stateOf } from './world.js';

/** A world with one running container per name, and the CRRs given (statusContext = those containers). */
function worldWith(names: string[], ...crrs: Parameters<World['addCrr']>[0][]): World {
  const world = new World();
  for (const name of names) world.startContainer(name);
  for (const c of crrs) world.addCrr(c);
  return world;
}

describe('crrPod: one CRR restarting one container', () => {
  it('writes Recreating, kills the container once, waits for the snapshot, then completes; done when the CRR is gone', async () => {
    const world = worldWith(['app'], crr('restart-app'));
    const actor = await startActor(world);
    expect(world.writesTo('restart-app', 'phase')).toEqual([{ name: 'restart-app', kind: 'phase', phase: 'Recreating' }]);
    expect(world.inspections[0]).toEqual({ runtimeName: 'containerd', podUid: 'pod-uid-1', namespace: 'default', podName: 'web-0' });
    // One inspection before the kill (the states patch reuses it), one after it.
    expect(world.inspections).toHaveLength(2);
    expect(world.killCalls).toEqual([
      {
        runtimeName: 'containerd',
        namespace: 'default',
        podName: 'web-0',
        podUid: 'pod-uid-1',
        crrName: 'restart-app',
        container: { name: 'app', containerID: 'containerd://app-1', preStop: null, ports: [] },
        gracePeriodSeconds: 30,
        identity: 'uid-restart-app/app/containerd://app-1',
      },
    ]);
    // The effect's one run was told it is the first: started then, no hook over yet.
    expect(world.progress).toEqual([{ type: 'kill.progress', startedAtMs: T0, preStopFinished: false }]);
    expect(world.writesTo('restart-app', 'states').map((w) => (w.kind === 'states' ? w.states : null))).toEqual([
      [{ name: 'app', phase: 'Pending' }],
      [{ name: 'app', phase: 'Recreating', isKilled: true }],
    ]);
    expect(stateOf(actor)).toBe('observing.idle');
    expect(actor.getSnapshot().context.containers).toEqual([{ name: 'app', phase: 'awaitingRecreate', containerID: 'containerd://app-1', message: '' }]);

    await advance(world, 2000);
    world.kubeletRestarts();
    await observe(world, actor); // the restart alone does not complete it: no snapshot yet
    expect(world.writesTo('restart-app', 'complete')).toEqual([]);

    await advance(world, 1000);
    world.publishSnapshot('restart-app');
    await observe(world, actor);
    expect(world.writesTo('restart-app', 'states').at(-1)).toEqual({
      name: 'restart-app',
      kind: 'states',
      states: [{ name: 'app', phase: 'Succeeded', isKilled: true }],
    });
    expect(world.writesTo('restart-app', 'complete')).toEqual([{ name: 'restart-app', kind: 'complete', message: '', completionTime: iso(T0 + 3000) }]);
    expect(world.stopped).toEqual(['containerd://app-1']);
    expect(world.runtime.get('app')).toMatchObject({ containerID: 'containerd://app-2', restartCount: 1 });
    expect(actor.getSnapshot().context.containers[0]?.phase).toBe('succeeded');

    await observe(world, actor);
    expect(stateOf(actor)).toBe('done');
    expect(actor.getSnapshot().status).toBe('done');
  });

  it('passes the strategy grace and the spec preStop to the kill', async () => {
    const hook = { exec: { command: ['sh', '-c', 'sleep 1'] } };
    const world = worldWith(['app'], crr('r', { containers: [{ ...spec('app'), preStop: hook }], strategy: strategy({ terminationGracePeriodSeconds: 7 }) }));
    await startActor(world);
    expect(world.killCalls[0]).toMatchObject({ gracePeriodSeconds: 7, container: { preStop: hook } });
  });
});

describe('crrPod: no Pending stall (upstream #1626, #2474)', () => {
  it('starts the next CRR of the pod right after completing one, without another observation', async () => {
    const first = crr('first', { containers: [spec('app')], createdAtMs: T0 - 20_000 });
    const second = crr('second', { containers: [spec('sidecar')], createdAtMs: T0 - 10_000 });
    const world = worldWith(['app', 'sidecar'], first, second);
    const actor = await startActor(world);
    expect(world.writeCalls[0]).toEqual([
      { name: 'second', kind: 'phase', phase: 'Pending' },
      { name: 'first', kind: 'phase', phase: 'Recreating' },
    ]);
    expect(world.killCalls.map((k) => k.container.containerID)).toEqual(['containerd://app-1']);

    await advance(world, 5000);
    world.kubeletRestarts();
    await advance(world, 1000);
    world.publishSnapshot('first');
    const observationsBeforeCompletion = world.writeCalls.length;
    await observe(world, actor); // the last observation of the test until the second one's snapshot
    expect(world.writesTo('first', 'complete')).toHaveLength(1);
    expect(world.writeCalls.length).toBeGreaterThan(observationsBeforeCompletion);
    // Without any new observation: the second is now Recreating and its container was killed.
    expect(world.writesTo('second', 'phase').map((w) => (w.kind === 'phase' ? w.phase : ''))).toEqual(['Pending', 'Recreating']);
    expect(world.killCalls.map((k) => k.container.containerID)).toEqual(['containerd://app-1', 'containerd://sidecar-1']);
    expect(actor.getSnapshot().context.picked).toBe('second');

    await advance(world, 5000);
    world.kubeletRestarts();
    await advance(world, 1000);
    world.publishSnapshot('second');
    await observe(world, actor);
    expect(world.writesTo('second', 'complete')).toEqual([{ name: 'second', kind: 'complete', message: '', completionTime: iso(T0 + 12_000) }]);
    await observe(world, actor);
    expect(stateOf(actor)).toBe('done');
  });
});

describe('crrPod: orderedRecreate', () => {
  const twoContainers = (orderedRecreate: boolean) =>
    worldWith(['a', 'b'], crr('r', { containers: [spec('a'), spec('b')], strategy: strategy({ orderedRecreate }) }));

  it('kills the second container only after the first is back and Succeeded', async () => {
    const world = twoContainers(true);
    const actor = await startActor(world);
    expect(world.killCalls.map((k) => k.container.name)).toEqual(['a']);

    await advance(world, 3000);
    world.kubeletRestarts();
    await advance(world, 1000);
    await observe(world, actor); // a runs again but the snapshot does not say ready yet
    expect(world.killCalls.map((k) => k.container.name)).toEqual(['a']);

    world.publishSnapshot('r');
    await observe(world, actor);
    expect(world.killCalls.map((k) => k.container.name)).toEqual(['a', 'b']);
    const statesWritten = world.writesTo('r', 'states').map((w) => (w.kind === 'states' ? w.states.map((s) => `${s.name}:${s.phase}`).join(',') : ''));
    const succeededA = statesWritten.indexOf('a:Succeeded,b:Pending');
    expect(succeededA).toBeGreaterThanOrEqual(0);
    expect(statesWritten.slice(succeededA + 1)).toContain('a:Succeeded,b:Recreating');
  });

  it('without it, kills the second in the next pass, one kill per pass, without waiting for the first', async () => {
    const world = twoContainers(false);
    await startActor(world);
    expect(world.killCalls.map((k) => k.container.name)).toEqual(['a', 'b']);
    const statesWritten = world
      .writesTo('r', 'states')
      .map((w) => (w.kind === 'states' ? w.states.map((s) => `${s.name}:${s.phase}:${s.isKilled ?? false}`).join(',') : ''));
    expect(statesWritten).toEqual(['a:Pending:false,b:Pending:false', 'a:Recreating:true,b:Pending:false', 'a:Recreating:true,b:Recreating:true']);
  });
});

describe('crrPod: minStartedSeconds', () => {
  it('requeues after minStartedSeconds and succeeds then, without an observation', async () => {
    const world = worldWith(['app'], crr('r', { strategy: strategy({ minStartedSeconds: 10 }) }));
    const actor = await startActor(world);
    expect(stateOf(actor)).toBe('observing.awaitingMinStarted');
    world.kubeletRestarts();
    world.publishSnapshot('r');
    await advance(world, 1000);
    await observe(world, actor); // started 1 s ago: not yet
    expect(world.writesTo('r', 'complete')).toEqual([]);
    expect(stateOf(actor)).toBe('observing.awaitingMinStarted');
    const inspections = world.inspections.length;

    await advance(world, 9999);
    expect(world.inspections.length).toBe(inspections);
    await advance(world, 1);
    expect(world.inspections.length).toBeGreaterThan(inspections);
    expect(world.writesTo('r', 'complete')).toEqual([{ name: 'r', kind: 'complete', message: '', completionTime: iso(T0 + 11_000) }]);
  });
});

describe('crrPod: unready grace', () => {
  const graced = (unreadyAcquiredAt: string | null) => crr('r', { strategy: strategy({ unreadyGracePeriodSeconds: 30 }), unreadyAcquiredAt });

  it('waits for the unready time, then for the grace + 100 ms, before touching the runtime', async () => {
    const world = worldWith(['app'], graced(null));
    const actor = await startActor(world);
    expect(world.writesTo('r', 'phase')).toHaveLength(1);
    expect(world.inspections).toEqual([]);
    expect(stateOf(actor)).toBe('observing.idle');

    await advance(world, 5000);
    world.crrs.set('r', { ...world.crrs.get('r')!, unreadyAcquiredAt: iso(T0 + 5000), resourceVersion: world.nextRv() });
    await observe(world, actor);
    expect(stateOf(actor)).toBe('observing.awaitingUnreadyGrace');
    await advance(world, 30_099);
    expect(world.inspections).toEqual([]);
    await advance(world, 1);
    expect(world.inspections.length).toBeGreaterThan(0);
    expect(world.killCalls).toHaveLength(1);
  });

  it('completes the CRR with the parse error when the unready time is not RFC 3339', async () => {
    const world = worldWith(['app'], graced('2026-03-01 00:00:00'));
    await startActor(world);
    expect(world.writesTo('r', 'complete')).toEqual([
      {
        name: 'r',
        kind: 'complete',
        message:
          'failed to parse unready time 2026-03-01 00:00:00: parsing time "2026-03-01 00:00:00" as "2006-01-02T15:04:05Z07:00": cannot parse " 00:00:00" as "T"',
        completionTime: iso(T0),
      },
    ]);
    expect(world.inspections).toEqual([]);
  });
});

describe('crrPod: failurePolicy', () => {
  const failingA = (failurePolicy: 'Fail' | 'Ignore') => {
    const world = worldWith(['a', 'b'], crr('r', { containers: [spec('a'), spec('b')], strategy: strategy({ failurePolicy }) }));
    world.killBehaviour = (input) =>
      input.container.name === 'a' ? { kind: 'fail', message: 'rpc error: code = Unknown desc = cannot stop' } : { kind: 'stop' };
    return world;
  };
  const failedA = { name: 'a', phase: 'Failed', message: 'kill container error: rpc error: code = Unknown desc = cannot stop' };

  it('Fail: records the failed kill, then completes with an empty message and never kills the rest', async () => {
    const world = failingA('Fail');
    await startActor(world);
    expect(world.killCalls.map((k) => k.container.name)).toEqual(['a']);
    expect(world.writesTo('r', 'states').at(-1)).toEqual({ name: 'r', kind: 'states', states: [failedA, { name: 'b', phase: 'Pending' }] });
    expect(world.writesTo('r', 'complete')).toEqual([{ name: 'r', kind: 'complete', message: '', completionTime: iso(T0) }]);
  });

  it('Ignore: goes on to kill the next container in the same pass, and completes once that one is back', async () => {
    const world = failingA('Ignore');
    const actor = await startActor(world);
    expect(world.killCalls.map((k) => k.container.name)).toEqual(['a', 'b']);
    expect(world.writesTo('r', 'states').at(-1)).toEqual({ name: 'r', kind: 'states', states: [failedA, { name: 'b', phase: 'Recreating', isKilled: true }] });
    expect(world.writesTo('r', 'complete')).toEqual([]);
    world.kubeletRestarts();
    await advance(world, 2000);
    world.publishSnapshot('r');
    await observe(world, actor);
    expect(world.writesTo('r', 'complete')).toEqual([{ name: 'r', kind: 'complete', message: '', completionTime: iso(T0 + 2000) }]);
  });
});

describe('crrPod: sidecar termination on a finished job pod (contract §5)', () => {
  it('kills both sidecars one per pass and completes, since they exit and are not restarted under Never', async () => {
    const world = worldWith(['main', 'proxy', 'logger']);
    world.pod = pod({ restartPolicy: 'Never' });
    world.runtime.set('main', { ...world.runtime.get('main')!, state: 'exited', exit: { code: 0, text: 'exit code 0' } });
    world.addCrr(
      crr(`sidecar-termination-${world.pod.uid}`, {
        containers: [spec('proxy'), spec('logger')],
        strategy: strategy({ forceRecreate: true, failurePolicy: 'Ignore' }),
      }),
    );
    const actor = await startActor(world);
    const name = `sidecar-termination-${world.pod.uid}`;
    expect(world.killCalls.map((k) => k.container.containerID)).toEqual(['containerd://proxy-1', 'containerd://logger-1']);
    expect(world.kubeletRestarts()).toEqual([]);
    const sigterm = 'exited with exit code 143 (128+15: killed by SIGTERM); not restarted: restartPolicy Never';
    expect(world.crrs.get(name)?.states).toEqual([
      { name: 'proxy', phase: 'Succeeded', isKilled: true, message: sigterm },
      { name: 'logger', phase: 'Succeeded', isKilled: true, message: sigterm },
    ]);
    expect(world.writesTo(name, 'complete')).toEqual([{ name, kind: 'complete', message: '', completionTime: iso(T0) }]);
    expect(actor.getSnapshot().context.containers.map((c) => c.phase)).toEqual(['succeeded', 'succeeded']);
    // The per-container lifecycle, as the records show it step by step.
    expect(recordPhases(world, 'proxy')).toEqual(['pending', 'preStop', 'stopping', 'awaitingRecreate', 'succeeded']);
    expect(recordPhases(world, 'logger')).toEqual(['pending', 'preStop', 'stopping', 'awaitingRecreate', 'succeeded']);
  });
});

describe('crrPod: containers the runtime does not have', () => {
  it('marks a missing container Pending "not found container on Node", kills nothing, and ends when the manager completes the CRR', async () => {
    const world = worldWith(['app'], crr('r', { containers: [spec('ghost')] }));
    const actor = await startActor(world);
    expect(world.crrs.get('r')?.states).toEqual([{ name: 'ghost', phase: 'Pending', message: 'not found container on Node' }]);
    expect(world.killCalls).toEqual([]);
    expect(stateOf(actor)).toBe('observing.idle');
    world.crrs.set('r', { ...world.crrs.get('r')!, completed: true, resourceVersion: world.nextRv() }); // the manager's activeDeadlineSeconds
    await observe(world, actor);
    expect(stateOf(actor)).toBe('done');
  });
});
