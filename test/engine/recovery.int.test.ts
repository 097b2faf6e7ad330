import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../engine/clock.js';
import { ActorHost } from '../../engine/host.js';
import { EventLog } from '../../engine/log/event-log.js';
import { replayLog } from '../../engine/replay.js';
import { readAllRecords } from '../../engine/log/scan.js';
import { tempDir } from '../support/tmp.js';
import { blobFetchDoubles, testRegistry } from './fixtures/test-machines.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

async function startHost(dir: string, clock: SimulatedClock) {
  const opened = await EventLog.open({ dir, commitDelayMs: 1 });
  const host = new ActorHost({
    log: opened.log,
    clock,
    registry: testRegistry,
    bind: (entry) => (entry.id === 'blobFetch' ? entry.machine.provide({ actors: blobFetchDoubles() }) : entry.machine),
  });
  return { host, log: opened.log, report: host.recover(opened.recovery) };
}

/** The scenario in two halves, so a restart can be put between them. */
function firstHalf(host: ActorHost, clock: SimulatedClock) {
  host.deliver('c1', 'counter', { type: 'test.bump' }, () => ({ limit: 3 }));
  clock.advance(300);
  host.deliver('c1', 'counter', { type: 'test.bump' });
  host.deliver('c2', 'counter', { type: 'test.bump' }, () => ({ limit: 2 }));
  host.deliver('c2', 'counter', { type: 'test.bump' }); // c2 finishes before the restart
  host.deliver('retry', 'blobFetch', { type: 'demo.slotGranted' }, () => ({ digest: 'sha256:x', source: 'missing', maxAttempts: 3 }));
}

async function secondHalf(host: ActorHost, clock: SimulatedClock) {
  clock.advance(200); // t = 500
  await settle();
  clock.advance(499); // c1's idle timer (deadline t=1000) has not fired yet
  await settle();
  const c1BeforeDeadline = host.snapshot('c1')?.value;
  clock.advance(1);
  await settle();
  clock.advance(1_000);
  await settle();
  return c1BeforeDeadline;
}

async function finalStates(dir: string) {
  const result = await replayLog(dir, { registry: testRegistry, keepSteps: true });
  expect(result.divergence).toBeUndefined();
  return Object.fromEntries(result.actors.map((a) => [a.key, a.steps.map((s) => `${s.record.kind}:${JSON.stringify(s.to)}`).at(-1)]));
}

describe('recovery', () => {
  it('rebuilds unfinished actors by folding their records and ends where an uninterrupted run ends', async () => {
    const straightDir = await tempDir();
    const straightClock = new SimulatedClock();
    const straight = await startHost(straightDir, straightClock);
    firstHalf(straight.host, straightClock);
    await settle();
    const straightBefore = await secondHalf(straight.host, straightClock);
    await straight.host.shutdown();
    await straight.log.close();

    const crashDir = await tempDir();
    const clock = new SimulatedClock();
    const first = await startHost(crashDir, clock);
    firstHalf(first.host, clock);
    await settle();
    expect(first.host.snapshot('retry')?.value).toMatchObject({ transfer: 'backingOff' });
    await first.host.shutdown();
    await first.log.close();

    const second = await startHost(crashDir, clock);
    expect(second.report.restored.sort()).toEqual(['c1', 'retry']);
    expect(second.report.finished).toBe(1);
    expect(second.report.diverged).toEqual([]);
    expect(second.host.snapshot('c1')?.context).toEqual({ count: 2, limit: 3 });
    const recoveredBefore = await secondHalf(second.host, clock);
    await second.host.shutdown();
    await second.log.close();

    expect(recoveredBefore).toBe('counting');
    expect(straightBefore).toBe('counting');
    expect(second.host.size).toBe(0);
    expect(await finalStates(crashDir)).toEqual(await finalStates(straightDir));
    expect((await finalStates(crashDir)).c1).toBe('stop:"expired"');
  });

  it('re-arms a delayed event at its logged deadline, not a full delay after the restart', async () => {
    const dir = await tempDir();
    const clock = new SimulatedClock();
    const first = await startHost(dir, clock);
    first.host.deliver('c', 'counter', { type: 'test.bump' }, () => ({ limit: 9 }));
    clock.advance(700);
    await first.host.shutdown();
    await first.log.close();
    const second = await startHost(dir, clock);
    clock.advance(299);
    expect(second.host.snapshot('c')?.value).toBe('counting');
    clock.advance(1);
    expect(second.host.has('c')).toBe(false);
    await second.log.close();
    const records = await readAllRecords(dir);
    expect(records.filter((r) => r.kind === 'internal').map((r) => (r.event as { type: string }).type)).toEqual(['xstate.after.idleTimeout.counter.counting']);
  });

  it('re-runs an effect that was in flight, as effects are idempotent', async () => {
    const dir = await tempDir();
    const clock = new SimulatedClock();
    const first = await startHost(dir, clock);
    first.host.deliver('blob', 'blobFetch', { type: 'demo.slotGranted' }, () => ({ digest: 'sha256:ok', source: 'ok', maxAttempts: 1 }));
    await first.host.shutdown(); // before the effect's first report arrived
    await first.log.close();
    const second = await startHost(dir, clock);
    expect(second.report.restored).toEqual(['blob']);
    await settle();
    expect(second.host.has('blob')).toBe(false);
    await second.log.close();
    const records = await readAllRecords(dir);
    expect(records.at(-1)).toMatchObject({ key: 'blob', kind: 'stop', event: { reason: 'done' } });
    expect(records.filter((r) => (r.event as { type?: string }).type === 'demo.fetched')).toHaveLength(1);
  });
});
