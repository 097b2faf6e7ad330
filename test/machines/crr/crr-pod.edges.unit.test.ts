import { describe, expect, it } from 'vitest';
import { T0, crr, iso, spec, strategy } from './fixtures.js';
import { World, advance, observe, settle, startActor, stateOf } from './world.js';

describe('crrPod: CRRs the runtime lookup refuses complete with upstream messages', () => {
  it.each([
    [
      'mixed runtimes',
      [spec('a', 'docker://a-1'), spec('b', 'containerd://b-1')],
      'failed to find runtime service: has different runtime types docker, containerd in Pod',
    ],
    ['no statusContext', [spec('app'), spec('sidecar', null)], 'failed to find runtime service: no statusContext or empty containerID in sidecar container'],
    ['an unknown runtime', [spec('a', 'cri-o://a-1')], 'failed to find runtime service: not found runtime service for cri-o in daemon'],
  ])('%s', async (_case, containers, message) => {
    const world = new World();
    world.startContainer('app');
    world.addCrr(crr('bad', { containers }));
    world.addCrr(crr('good', { createdAtMs: T0 }));
    const actor = await startActor(world);
    expect(world.writesTo('bad', 'complete')).toEqual([{ name: 'bad', kind: 'complete', message, completionTime: iso(T0) }]);
    // The pod's other CRR goes on at once.
    expect(world.killCalls.map((k) => k.crrName)).toEqual(['good']);
    expect(actor.getSnapshot().context.picked).toBe('good');
  });
});

describe('crrPod: expectations (contract §4.2), without the 10 s wait', () => {
  it('keeps its own writes when an observation older than them arrives, and takes newer ones', async () => {
    const world = new World();
    world.startContainer('app');
    world.addCrr(crr('r'));
    const stale = world.observation(); // phase '' and no states, as the informer had it before any write
    const actor = await startActor(world);
    const writesBefore = world.writeCalls.length;
    expect(actor.getSnapshot().context.crrs[0]).toMatchObject({ phase: 'Recreating', states: [{ name: 'app', phase: 'Recreating', isKilled: true }] });

    actor.send(stale);
    await new Promise((resolve) => setImmediate(resolve));
    expect(actor.getSnapshot().context.crrs[0]).toMatchObject({ phase: 'Recreating', states: [{ name: 'app', phase: 'Recreating', isKilled: true }] });
    await observe(world, actor);
    expect(
      world.writeCalls
        .slice(writesBefore)
        .flat()
        .filter((w) => w.kind === 'phase' || w.kind === 'states'),
    ).toEqual([]);
    expect(world.killCalls).toHaveLength(1);

    // A newer observation (the manager's snapshot) is taken as it is.
    world.publishSnapshot('r');
    await observe(world, actor);
    expect(actor.getSnapshot().context.crrs[0]?.resourceVersion).toBe(world.crrs.get('r')!.resourceVersion);
    expect(actor.getSnapshot().context.expectations).toEqual({});
  });

  it('does not regress a completion: a stale copy of a CRR it completed does not start it again', async () => {
    const world = new World();
    world.addCrr(crr('r', { containers: [spec('app', 'cri-o://x')] })); // completes at once: unknown runtime
    const stale = world.observation();
    const actor = await startActor(world);
    expect(world.writesTo('r', 'complete')).toHaveLength(1);
    actor.send(stale);
    await new Promise((resolve) => setImmediate(resolve));
    expect(world.writesTo('r')).toHaveLength(2); // Recreating, then the completion: nothing after the stale copy
    expect(actor.getSnapshot().context.crrs[0]).toMatchObject({ completed: true, phase: 'Completed' });
    await observe(world, actor);
    expect(stateOf(actor)).toBe('done');
  });

  it('accepts an observation whose resourceVersion is not an integer', async () => {
    const world = new World();
    world.startContainer('app');
    world.addCrr(crr('r'));
    const actor = await startActor(world);
    const odd = world.observation();
    actor.send({ ...odd, crrs: odd.crrs.map((c) => ({ ...c, resourceVersion: 'opaque', phase: 'Pending' as const })) });
    await new Promise((resolve) => setImmediate(resolve));
    expect(world.writesTo('r', 'phase').map((w) => (w.kind === 'phase' ? w.phase : ''))).toEqual(['Recreating', 'Recreating']);
  });
});

describe('crrPod: observations while an effect runs', () => {
  it('only updates the view during a kill, lets the kill finish when the CRR disappears, records its result as upstream does, then ends', async () => {
    const world = new World();
    world.startContainer('app');
    world.addCrr(crr('r'));
    world.killBehaviour = () => ({ kind: 'hold' });
    const actor = await startActor(world);
    expect(stateOf(actor)).toBe('killing.preStop');
    expect(actor.getSnapshot().context.kill?.input.container).toMatchObject({ name: 'app', containerID: 'containerd://app-1' });

    const held = world.held[0]!;
    held.sendBack({ type: 'kill.preStopFinished', at: T0 + 100, error: 'command exited with exit code 1' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(stateOf(actor)).toBe('killing.stopping');

    // The manager completed it (its deadline): the active set no longer has it.
    world.crrs.set('r', { ...world.crrs.get('r')!, completed: true, phase: 'Completed', resourceVersion: world.nextRv() });
    await observe(world, actor);
    expect(stateOf(actor)).toBe('killing.stopping');
    expect(actor.getSnapshot().context.crrs).toEqual([]);
    const writes = world.writeCalls.length;

    world.finishKill(held.input, held.sendBack);
    await settle();
    // Upstream patches the states after its kill whatever became of the CRR meanwhile: one merge
    // patch of the states the pass computed, the killed entry Recreating, the rest as they were.
    expect(world.writeCalls.slice(writes)).toEqual([[{ name: 'r', kind: 'states', states: [{ name: 'app', phase: 'Recreating', isKilled: true }] }]]);
    expect(world.crrs.get('r')).toMatchObject({ phase: 'Completed', states: [{ name: 'app', phase: 'Recreating', isKilled: true }] });
    expect(stateOf(actor)).toBe('done');
  });

  it('records a failed kill on a CRR that ended meanwhile, and kills nothing more for it even under Ignore', async () => {
    const world = new World();
    world.startContainer('a');
    world.startContainer('b');
    world.addCrr(crr('r', { containers: [spec('a'), spec('b')], strategy: strategy({ failurePolicy: 'Ignore' }) }));
    world.killBehaviour = () => ({ kind: 'hold' });
    const actor = await startActor(world);
    const held = world.held[0]!;
    world.crrs.delete('r'); // deleted while the kill ran
    await observe(world, actor);
    const writes = world.writeCalls.length;
    held.sendBack({ type: 'kill.preStopFinished', at: T0 });
    held.sendBack({ type: 'kill.failed', at: T0, message: 'rpc error: code = Unknown desc = boom' });
    await settle();
    expect(world.writeCalls.slice(writes)).toEqual([
      [
        {
          name: 'r',
          kind: 'states',
          states: [
            { name: 'a', phase: 'Failed', message: 'kill container error: rpc error: code = Unknown desc = boom' },
            { name: 'b', phase: 'Pending' },
          ],
        },
      ],
    ]);
    expect(world.killCalls).toHaveLength(1);
    expect(stateOf(actor)).toBe('done');
  });

  it('marks a CRR that arrives while another is in progress Pending, and keeps working on the first', async () => {
    const world = new World();
    world.startContainer('app');
    world.addCrr(crr('r'));
    const actor = await startActor(world);
    world.addCrr(crr('later', { createdAtMs: T0 }));
    await observe(world, actor);
    // 'later' was marked Pending while 'r' stays picked.
    expect(world.writesTo('later', 'phase')).toEqual([{ name: 'later', kind: 'phase', phase: 'Pending' }]);
    expect(actor.getSnapshot().context.picked).toBe('r');
  });
});

describe('crrPod: effect failures back off', () => {
  it('retries a failed inspection after 0.5 s, then 1 s, and goes on', async () => {
    const world = new World();
    world.startContainer('app');
    world.addCrr(crr('r'));
    world.failNextInspections = 2;
    const actor = await startActor(world);
    expect(stateOf(actor)).toBe('backingOff');
    expect(actor.getSnapshot().context.lastError).toBe('rpc error: code = Unavailable desc = connection refused');
    await advance(world, 499);
    expect(world.inspections).toHaveLength(1);
    await advance(world, 1);
    expect(world.inspections).toHaveLength(2);
    expect(stateOf(actor)).toBe('backingOff');
    await advance(world, 999);
    expect(world.inspections).toHaveLength(2);
    await advance(world, 1);
    expect(world.killCalls).toHaveLength(1);
    expect(actor.getSnapshot().context.failures).toBe(0);
  });

  it('retries a failed status write, and an observation meanwhile only updates the view', async () => {
    const world = new World();
    world.startContainer('app');
    world.addCrr(crr('r'));
    world.failNextWrites = 1;
    const actor = await startActor(world);
    expect(stateOf(actor)).toBe('backingOff');
    await observe(world, actor);
    expect(stateOf(actor)).toBe('backingOff');
    await advance(world, 500);
    expect(world.writesTo('r', 'phase')).toHaveLength(2);
    expect(world.crrs.get('r')?.phase).toBe('Recreating');
    expect(world.killCalls).toHaveLength(1);
  });
});

describe('crrPod: the chart has no dead states', () => {
  it('rests in every non-transient state across the scenarios, and the decision steps pass through', async () => {
    const seen = new Set<string>();
    const collect = (world: World) => {
      for (const s of world.statesSeen) seen.add(s);
    };

    const plain = new World();
    plain.startContainer('app');
    plain.addCrr(crr('r', { strategy: strategy({ minStartedSeconds: 1 }) }));
    plain.failNextWrites = 1;
    plain.killBehaviour = () => ({ kind: 'hold' });
    const actor = await startActor(plain);
    await advance(plain, 500);
    plain.held[0]!.sendBack({ type: 'kill.preStopFinished', at: T0 + 600 });
    await advance(plain, 0);
    plain.finishKill(plain.held[0]!.input, plain.held[0]!.sendBack);
    await advance(plain, 0);
    plain.crrs.clear();
    await observe(plain, actor);
    collect(plain);

    const graced = new World();
    graced.startContainer('app');
    graced.addCrr(crr('g', { strategy: strategy({ unreadyGracePeriodSeconds: 5 }), unreadyAcquiredAt: iso(T0) }));
    await startActor(graced);
    collect(graced);

    const missing = new World();
    missing.addCrr(crr('m', { containers: [spec('ghost')] }));
    await startActor(missing);
    collect(missing);

    // A slow Recreating write: the inspection alongside it finishes first.
    const slowWrite = new World();
    slowWrite.startContainer('app');
    slowWrite.addCrr(crr('s'));
    slowWrite.holdWrites = true;
    await startActor(slowWrite);
    slowWrite.releaseWrites();
    await advance(slowWrite, 0);
    collect(slowWrite);

    // writing and inspecting are rested in while their effects run (the world answers on a later tick).
    expect([...seen].sort()).toEqual(
      [
        'backingOff',
        'done',
        'inspecting',
        'killing.preStop',
        'killing.stopping',
        'observing.awaitingMinStarted',
        'observing.awaitingUnreadyGrace',
        'observing.idle',
        'patchingStates',
        'writing',
        'writingAndInspecting.inspect.inspected',
        'writingAndInspecting.inspect.running',
        'writingAndInspecting.write.running',
        'writingAndInspecting.write.written',
      ].sort(),
    );
  });
});
