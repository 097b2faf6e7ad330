// crrPod v4: every wait on the outside world is bounded. A kill's preStop stage (the container
// check and the hook) may take grace + CRI call deadline + 10 s, its stopping stage the stop's
// grace + CRI call deadline + 10 s; past that the kill counts as failed with a message saying so,
// per failurePolicy. The deadline counts from the kill's (re)start (`kill.started`), and not while
// the kill waits for a CRR worker. The retry backoff and the CRI deadline come from the input.
import { describe, expect, it } from 'vitest';
import { T0, crr, spec, strategy } from './fixtures.js';
import { INPUT, World, advance, settle, startActor, stateOf } from './world.js';

function heldKillWorld(...crrs: Parameters<World['addCrr']>[0][]): World {
  const world = new World();
  world.startContainer('app');
  world.startContainer('sidecar');
  for (const c of crrs) world.addCrr(c);
  world.killBehaviour = () => ({ kind: 'hold' });
  return world;
}

const statesOf = (world: World, name: string) => world.crrs.get(name)?.states;

describe('crrPod: kill deadlines', () => {
  it('fails a kill stuck in its preStop stage after grace + CRI deadline + slack, and completes the CRR under Fail', async () => {
    const world = heldKillWorld(crr('r', { strategy: strategy({ terminationGracePeriodSeconds: 30 }) }));
    const actor = await startActor(world);
    expect(stateOf(actor)).toBe('killing.preStop');
    await advance(world, 44_999);
    expect(stateOf(actor)).toBe('killing.preStop');
    await advance(world, 1);
    const message = 'kill container error: the kill did not get past its preStop hook within 45s (grace 30s + CRI call deadline 5s + 10s slack)';
    expect(statesOf(world, 'r')).toEqual([{ name: 'app', phase: 'Failed', message }]);
    expect(world.writesTo('r', 'complete')).toHaveLength(1);
  });

  it('fails a StopContainer that does not return after the stop grace + CRI deadline + slack, and goes on under Ignore', async () => {
    const world = heldKillWorld(
      crr('r', { containers: [spec('app'), spec('sidecar')], strategy: strategy({ terminationGracePeriodSeconds: 1, failurePolicy: 'Ignore' }) }),
    );
    const actor = await startActor(world);
    world.held[0]!.sendBack({ type: 'kill.preStopFinished', at: T0 });
    await settle();
    expect(stateOf(actor)).toBe('killing.stopping');
    await advance(world, 16_999); // the stop's grace is at least 2 s: 2 + 5 + 10
    expect(stateOf(actor)).toBe('killing.stopping');
    await advance(world, 1);
    expect(world.killCalls.map((k) => k.container.name)).toEqual(['app', 'sidecar']);
    world.finishKill(world.held[1]!.input, world.held[1]!.sendBack);
    await settle();
    expect(statesOf(world, 'r')).toEqual([
      {
        name: 'app',
        phase: 'Failed',
        message: 'kill container error: StopContainer did not return within 17s (stop grace 2s + CRI call deadline 5s + 10s slack)',
      },
      { name: 'sidecar', phase: 'Recreating', isKilled: true },
    ]);
  });

  it('counts the deadline again when the kill (re)starts, and not while it waits for a CRR worker', async () => {
    const world = heldKillWorld(crr('r', { strategy: strategy({ terminationGracePeriodSeconds: 0 }) }));
    const actor = await startActor(world);
    const { sendBack } = world.held[0]!;
    await advance(world, 14_000); // preStop deadline: 0 + 5 + 10 s
    sendBack({ type: 'kill.started', at: T0 + 14_000 });
    await advance(world, 14_000);
    expect(stateOf(actor)).toBe('killing.preStop');

    sendBack({ type: 'kill.queued', at: T0 + 28_000 });
    await settle();
    expect(stateOf(actor)).toBe('killing.awaitingWorker');
    await advance(world, 3_600_000);
    expect(stateOf(actor)).toBe('killing.awaitingWorker');
    expect(world.writesTo('r', 'states').at(-1)).toEqual({ name: 'r', kind: 'states', states: [{ name: 'app', phase: 'Pending' }] });

    sendBack({ type: 'kill.started', at: world.clock.now() });
    await advance(world, 14_999);
    expect(stateOf(actor)).toBe('killing.preStop');
    await advance(world, 1);
    expect(statesOf(world, 'r')?.[0]).toMatchObject({ phase: 'Failed' });
  });

  it('builds the deadline on the CRI deadline the input gives', async () => {
    const world = heldKillWorld(crr('r', { strategy: strategy({ terminationGracePeriodSeconds: 3 }) }));
    world.input = { ...INPUT, timing: { minBackoffMs: 500, maxBackoffMs: 50_000, criDeadlineMs: 10_000 } };
    const actor = await startActor(world);
    await advance(world, 22_999);
    expect(stateOf(actor)).toBe('killing.preStop');
    await advance(world, 1);
    expect(statesOf(world, 'r')?.[0]?.message).toBe(
      'kill container error: the kill did not get past its preStop hook within 23s (grace 3s + CRI call deadline 10s + 10s slack)',
    );
  });

  it('lets a kill that ends in time end as it does (the deadline is cancelled)', async () => {
    const world = heldKillWorld(crr('r'));
    const actor = await startActor(world);
    await advance(world, 1000);
    world.finishKill(world.held[0]!.input, world.held[0]!.sendBack);
    await advance(world, 3_600_000);
    expect(stateOf(actor)).toBe('observing.idle');
    expect(statesOf(world, 'r')).toEqual([{ name: 'app', phase: 'Recreating', isKilled: true }]);
  });
});

describe('crrPod: retry backoff from the input (--crr-min-backoff, --crr-max-backoff)', () => {
  it('sleeps min, doubling, capped at max', async () => {
    const world = new World();
    world.startContainer('app');
    world.addCrr(crr('r', { phase: 'Recreating' }));
    world.input = { ...INPUT, timing: { minBackoffMs: 100, maxBackoffMs: 300, criDeadlineMs: 5_000 } };
    world.failNextInspections = 4;
    const actor = await startActor(world);
    const retries: number[] = [];
    let last = world.clock.now();
    for (let i = 0; i < 4; i++) {
      const before = world.inspections.length;
      while (world.inspections.length === before) await advance(world, 10);
      retries.push(world.clock.now() - last);
      last = world.clock.now();
    }
    expect(retries).toEqual([100, 200, 300, 300]);
    expect(stateOf(actor)).not.toBe('backingOff');
  });
});
