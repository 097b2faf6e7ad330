// crrPod v3: a newly picked CRR's phase writes and the runtime inspection run at the same time
// (`writingAndInspecting`), and the pass evaluates once both are done. Where the pass would not
// inspect right after the writes (an unready grace to wait for, no runtime), it writes alone.
import { describe, expect, it } from 'vitest';
import { crr, iso, spec, strategy, T0 } from './fixtures.js';
import { World, advance, settle, startActor, stateOf } from './world.js';

function worldWith(...crrs: Parameters<World['addCrr']>[0][]): World {
  const world = new World();
  world.startContainer('app');
  for (const c of crrs) world.addCrr(c);
  return world;
}

describe('crrPod: phase writes and inspection at once', () => {
  it('inspects while the Recreating write is still in flight, then kills with that inspection, listing nothing more before the kill', async () => {
    const world = worldWith(crr('r'));
    world.holdWrites = true;
    const actor = await startActor(world);
    expect(world.writeCalls).toEqual([[{ name: 'r', kind: 'phase', phase: 'Recreating' }]]);
    expect(world.inspections).toEqual([{ runtimeName: 'containerd', podUid: 'pod-uid-1', namespace: 'default', podName: 'web-0' }]);
    expect(stateOf(actor)).toBe('writingAndInspecting.inspect.inspected|writingAndInspecting.write.running');
    expect(world.killCalls).toEqual([]); // nothing is killed before Recreating is stored

    world.releaseWrites();
    await settle();
    expect(world.crrs.get('r')!.phase).toBe('Recreating');
    expect(world.killCalls.map((k) => k.container.containerID)).toEqual(['containerd://app-1']);
    // Only the states patch came between the write and the kill, with the inspection made alongside.
    expect(world.writeCalls.slice(1, 2)).toEqual([[{ name: 'r', kind: 'states', states: [{ name: 'app', phase: 'Pending' }] }]]);
    expect(world.inspections).toHaveLength(2); // the one alongside the write, one after the kill
  });

  it('writes Pending to the other new CRRs in the same effect as Recreating, alongside the inspection', async () => {
    const world = worldWith(crr('first', { createdAtMs: T0 - 2000 }), crr('second', { createdAtMs: T0 - 1000 }));
    world.holdWrites = true;
    await startActor(world);
    expect(world.writeCalls).toEqual([
      [
        { name: 'second', kind: 'phase', phase: 'Pending' },
        { name: 'first', kind: 'phase', phase: 'Recreating' },
      ],
    ]);
    expect(world.inspections).toHaveLength(1);
  });

  it('writes alone while the unready time is not set yet: the runtime is not asked before the grace is over', async () => {
    const world = worldWith(crr('r', { strategy: strategy({ unreadyGracePeriodSeconds: 30 }), unreadyAcquiredAt: null }));
    world.holdWrites = true;
    const actor = await startActor(world);
    expect(stateOf(actor)).toBe('writing');
    world.releaseWrites();
    await settle();
    expect(world.inspections).toEqual([]);
    expect(stateOf(actor)).toBe('observing.idle');
  });

  it('writes alone while the unready grace has time left, then inspects once it is over', async () => {
    const world = worldWith(crr('r', { strategy: strategy({ unreadyGracePeriodSeconds: 30 }), unreadyAcquiredAt: iso(T0) }));
    const actor = await startActor(world);
    expect(world.writesTo('r', 'phase')).toHaveLength(1);
    expect(world.inspections).toEqual([]);
    expect(stateOf(actor)).toBe('observing.awaitingUnreadyGrace');
    await advance(world, 30_099);
    expect(world.inspections).toEqual([]);
    await advance(world, 1);
    expect(world.killCalls).toHaveLength(1);
  });

  it('runs the inspection alongside when the unready grace is already over at the first look', async () => {
    const world = worldWith(crr('r', { strategy: strategy({ unreadyGracePeriodSeconds: 30 }), unreadyAcquiredAt: iso(T0 - 60_000) }));
    world.holdWrites = true;
    await startActor(world);
    expect(world.inspections).toHaveLength(1);
    expect(world.killCalls).toEqual([]);
    world.releaseWrites();
    await settle();
    expect(world.killCalls).toHaveLength(1);
  });

  it('completes with upstream’s message, without inspecting, when no runtime serves the container IDs', async () => {
    const world = worldWith(crr('r', { containers: [spec('app', 'docker://app-1')] }));
    await startActor(world);
    expect(world.inspections).toEqual([]);
    expect(world.writesTo('r', 'complete')).toHaveLength(1);
  });

  it('backs off when the inspection fails, keeps the stored Recreating, and goes on from a plain inspection', async () => {
    const world = worldWith(crr('r'));
    world.failNextInspections = 1;
    const actor = await startActor(world);
    expect(stateOf(actor)).toBe('backingOff');
    expect(world.crrs.get('r')!.phase).toBe('Recreating'); // the write went through on its own
    await advance(world, 500);
    expect(world.writesTo('r', 'phase')).toHaveLength(1); // not written again
    expect(world.inspections).toHaveLength(3); // failed, retried, after the kill
    expect(world.killCalls).toHaveLength(1);
  });

  it('backs off when the write fails (the inspection is dropped), and on retry writes and inspects together again', async () => {
    const world = worldWith(crr('r'));
    world.failNextWrites = 1;
    const actor = await startActor(world);
    expect(stateOf(actor)).toBe('backingOff');
    expect(world.killCalls).toEqual([]);
    await advance(world, 500);
    expect(world.writesTo('r', 'phase')).toHaveLength(2);
    expect(world.killCalls).toHaveLength(1);
  });
});
