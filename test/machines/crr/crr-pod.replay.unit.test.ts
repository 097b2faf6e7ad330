// The crrPod machine on the real engine: ActorHost + EventLog with the simulated world's effects,
// then `replayLog` folds the log through today's machine, and a restart mid-kill recovers the
// actor from its records alone.
import { describe, expect, it } from 'vitest';
import { ActorHost } from '../../../engine/host.js';
import { EventLog } from '../../../engine/log/event-log.js';
import { replayLog } from '../../../engine/replay.js';
import { crrPodMachine } from '../../../machines/crr/crr-pod.machine.js';
import { machineRegistry } from '../../../machines/registry.js';
import { tempDir } from '../../support/tmp.js';
import { T0, crr, spec } from './fixtures.js';
import { INPUT, World, settle } from './world.js';

const KEY = `${INPUT.namespace}/${INPUT.podName}`;

async function startHost(dir: string, world: World) {
  const opened = await EventLog.open({ dir, commitDelayMs: 1 });
  const host = new ActorHost({
    log: opened.log,
    clock: world.clock,
    registry: machineRegistry,
    bind: (entry) => (entry.id === crrPodMachine.id ? world.machine() : entry.machine),
  });
  const report = host.recover(opened.recovery);
  const observe = async () => {
    host.deliver(KEY, crrPodMachine.id, world.observation(), () => world.input);
    await settle();
  };
  const advance = async (ms: number) => {
    world.clock.advance(ms);
    await settle();
  };
  const stop = async () => {
    await host.shutdown();
    await opened.log.close();
  };
  return { host, report, observe, advance, stop };
}

function twoCrrWorld(): World {
  const world = new World();
  world.startContainer('app');
  world.startContainer('sidecar');
  world.addCrr(crr('first', { containers: [spec('app')], createdAtMs: T0 - 20_000 }));
  world.addCrr(crr('second', { containers: [spec('sidecar')], createdAtMs: T0 - 10_000 }));
  return world;
}

describe('crrPod on the engine', () => {
  it('runs two CRRs of one pod to completion through the host, and the log replays clean', async () => {
    const dir = await tempDir();
    const world = twoCrrWorld();
    const engine = await startHost(dir, world);
    await engine.observe();
    await engine.advance(2000);
    world.kubeletRestarts();
    await engine.advance(1000);
    world.publishSnapshot('first');
    await engine.observe();
    await engine.advance(2000);
    world.kubeletRestarts();
    await engine.advance(1000);
    world.publishSnapshot('second');
    await engine.observe();
    await engine.observe();
    expect(engine.host.has(KEY)).toBe(false);
    await engine.stop();

    expect(world.writesTo('first', 'complete')).toHaveLength(1);
    expect(world.writesTo('second', 'complete')).toHaveLength(1);
    const result = await replayLog(dir, { registry: machineRegistry, keepSteps: true });
    expect(result.divergence).toBeUndefined();
    expect(result.actors.map((a) => [a.key, a.machine, a.version])).toEqual([[KEY, 'crrPod', machineRegistry.get('crrPod')!.version]]);
    const kinds = result.actors[0]!.steps.map((s) => s.record.kind);
    expect(kinds[0]).toBe('spawn');
    expect(kinds.at(-1)).toBe('stop');
    expect(kinds.filter((k) => k === 'internal').length).toBeGreaterThan(10);
    expect(result.actors[0]!.final.status).toBe('done');
  });

  it('recovers mid-kill from the log: the kill runs again with the same container ID, which stops it once', async () => {
    const dir = await tempDir();
    const world = twoCrrWorld();
    world.killBehaviour = () => ({ kind: 'hold' });
    const first = await startHost(dir, world);
    await first.observe();
    expect(first.host.snapshot(KEY)?.value).toEqual({ killing: 'preStop' });
    await first.stop(); // the daemon goes away with the kill in flight

    const second = await startHost(dir, world);
    expect(second.report.restored).toEqual([KEY]);
    expect(second.report.diverged).toEqual([]);
    await settle();
    expect(world.killCalls.map((k) => k.container.containerID)).toEqual(['containerd://app-1', 'containerd://app-1']);
    const again = world.held[1]!;
    world.finishKill(again.input, again.sendBack);
    await settle();
    world.killBehaviour = () => ({ kind: 'stop' });
    world.kubeletRestarts();
    await second.advance(1000);
    world.publishSnapshot('first');
    await second.observe();
    expect(world.stopped).toEqual(['containerd://app-1', 'containerd://sidecar-1']);
    expect(world.runtime.get('app')?.restartCount).toBe(1);
    expect(world.writesTo('first', 'complete')).toHaveLength(1);
    await second.stop();

    const result = await replayLog(dir, { registry: machineRegistry });
    expect(result.divergence).toBeUndefined();
  });
});

describe('crrPod recovery keeps its timers', () => {
  it('re-arms a backoff with the delay the spawn record’s timing gives (--crr-min-backoff), not the default', async () => {
    const dir = await tempDir();
    const world = new World();
    world.startContainer('app');
    world.addCrr(crr('r', { phase: 'Recreating' }));
    world.input = { ...INPUT, timing: { minBackoffMs: 4_000, maxBackoffMs: 8_000, criDeadlineMs: 5_000 } };
    world.failNextInspections = 1;
    const first = await startHost(dir, world);
    await first.observe();
    expect(first.host.snapshot(KEY)?.value).toBe('backingOff');
    await first.advance(1_000);
    await first.stop();

    const second = await startHost(dir, world);
    expect(second.report.restored).toEqual([KEY]);
    await second.advance(2_999);
    expect(world.inspections).toHaveLength(1);
    await second.advance(1);
    expect(world.inspections.length).toBeGreaterThan(1);
    expect(world.killCalls).toHaveLength(1);
    await second.stop();
  });

  it('does not fail a kill whose old deadline passed while the daemon was down: the restarted kill counts it afresh', async () => {
    const dir = await tempDir();
    const world = twoCrrWorld();
    world.killBehaviour = () => ({ kind: 'hold' });
    const first = await startHost(dir, world);
    await first.observe();
    expect(first.host.snapshot(KEY)?.value).toEqual({ killing: 'preStop' });
    await first.stop();
    world.clock.advance(600_000); // down for ten minutes, well past the 45 s preStop deadline

    const second = await startHost(dir, world);
    await settle();
    await second.advance(0);
    expect(second.host.snapshot(KEY)?.value).toEqual({ killing: 'preStop' });
    expect(
      world
        .writesTo('first', 'states')
        .flatMap((w) => (w.kind === 'states' ? w.states : []))
        .some((s) => s.phase === 'Failed'),
    ).toBe(false);
    await second.advance(44_999);
    expect(second.host.snapshot(KEY)?.value).toEqual({ killing: 'preStop' });
    await second.advance(1);
    expect(world.crrs.get('first')?.states?.[0]).toMatchObject({ phase: 'Failed' });
    await second.stop();
    expect((await replayLog(dir, { registry: machineRegistry })).divergence).toBeUndefined();
  });
});
