// crrPod v5: a kill effect that runs again (the daemon restarted mid-kill, the effect restarted
// from its persisted input) reports `kill.started` and is told what earlier runs got done
// (`kill.progress`): when the first run started, and whether a hook's end reached the log. A run
// after the hook ended resumes at `stopping`, never at `preStop`.
import { describe, expect, it } from 'vitest';
import { T0, crr } from './fixtures.js';
import { World, advance, settle, startActor, stateOf } from './world.js';

function heldKill(): World {
  const world = new World();
  world.startContainer('app');
  world.addCrr(crr('r'));
  world.killBehaviour = () => ({ kind: 'hold' });
  return world;
}

describe('crrPod: a kill that runs again', () => {
  it('tells every run when the first one started, and that the hook is not over yet', async () => {
    const world = heldKill();
    const actor = await startActor(world);
    const { sendBack } = world.held[0]!;
    await advance(world, 5_000);
    sendBack({ type: 'kill.started', at: T0 + 5_000 }); // a second run, after a restart
    await settle();
    expect(stateOf(actor)).toBe('killing.preStop');
    expect(world.progress).toEqual([
      { type: 'kill.progress', startedAtMs: T0, preStopFinished: false },
      { type: 'kill.progress', startedAtMs: T0, preStopFinished: false },
    ]);
    expect(actor.getSnapshot().context.kill).toMatchObject({ startedAtMs: T0, preStopFinished: false });
  });

  it('resumes at stopping once the hook ended: the run is told so, and the stop deadline counts from its start', async () => {
    const world = heldKill();
    const actor = await startActor(world);
    const { sendBack } = world.held[0]!;
    sendBack({ type: 'kill.preStopFinished', at: T0 + 8_000 });
    await settle();
    expect(stateOf(actor)).toBe('killing.stopping');

    await advance(world, 20_000);
    sendBack({ type: 'kill.started', at: world.clock.now() });
    await settle();
    expect(stateOf(actor)).toBe('killing.stopping');
    expect(world.progress.at(-1)).toEqual({ type: 'kill.progress', startedAtMs: T0, preStopFinished: true });
    // The stop stage's deadline (grace 30 + 5 + 10 s) counts again from the new run.
    await advance(world, 44_999);
    expect(stateOf(actor)).toBe('killing.stopping');
    await advance(world, 1);
    expect(world.crrs.get('r')?.states?.[0]).toMatchObject({ phase: 'Failed' });
  });

  it('resumes at stopping when the run after the hook first waited for a worker', async () => {
    const world = heldKill();
    const actor = await startActor(world);
    const { sendBack } = world.held[0]!;
    sendBack({ type: 'kill.preStopFinished', at: T0 + 1_000 });
    sendBack({ type: 'kill.queued', at: T0 + 2_000 });
    await settle();
    expect(stateOf(actor)).toBe('killing.awaitingWorker');
    sendBack({ type: 'kill.started', at: T0 + 3_000 });
    await settle();
    expect(stateOf(actor)).toBe('killing.stopping');
    expect(world.progress.at(-1)).toEqual({ type: 'kill.progress', startedAtMs: T0, preStopFinished: true });
  });
});
