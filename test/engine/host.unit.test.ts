import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../engine/clock.js';
import { ActorHost } from '../../engine/host.js';
import { EventLog } from '../../engine/log/event-log.js';
import type { LogRecord } from '../../engine/log/record.js';
import { readAllRecords } from '../../engine/log/scan.js';
import { tempDir } from '../support/tmp.js';
import { blobFetchDoubles, testRegistry } from './fixtures/test-machines.js';

async function setupHost() {
  const dir = await tempDir();
  const { log } = await EventLog.open({ dir, commitDelayMs: 1 });
  const clock = new SimulatedClock();
  const errors: string[] = [];
  const host = new ActorHost({
    log,
    clock,
    registry: testRegistry,
    bind: (entry) => (entry.id === 'blobFetch' ? entry.machine.provide({ actors: blobFetchDoubles() }) : entry.machine),
    logger: { info() {}, warn() {}, error: (_obj, msg) => errors.push(msg) },
  });
  const records = async (): Promise<LogRecord[]> => {
    await log.commit();
    return readAllRecords(dir);
  };
  return { dir, log, clock, host, errors, records };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('the actor host', () => {
  it('spawns one actor per key on its first event and logs spawn, then the event, before the actor sees it', async () => {
    const { host, records } = await setupHost();
    host.deliver('a', 'counter', { type: 'test.bump' }, () => ({ limit: 5 }));
    host.deliver('a', 'counter', { type: 'test.bump' }, () => ({ limit: 99 }));
    host.deliver('b', 'counter', { type: 'test.bump' }, () => ({ limit: 5 }));
    expect(host.size).toBe(2);
    expect(host.snapshot('a')?.context).toEqual({ count: 2, limit: 5 });
    const logged = await records();
    expect(logged.map((r) => [r.key, r.kind, (r.event as { type?: string }).type ?? (r.event as { limit?: number }).limit])).toEqual([
      ['a', 'spawn', 5],
      ['a', 'event', 'test.bump'],
      ['a', 'event', 'test.bump'],
      ['b', 'spawn', 5],
      ['b', 'event', 'test.bump'],
    ]);
    expect(logged.every((r) => typeof r.state === 'string' && r.state.length === 16)).toBe(true);
    expect(logged[1]!.state).not.toBe(logged[2]!.state);
  });

  it('captures delayed events, effect results and child sends as internal records', async () => {
    const { host, clock, records } = await setupHost();
    host.deliver('blob', 'blobFetch', { type: 'demo.slotGranted' }, () => ({ digest: 'sha256:good', source: 'ok', maxAttempts: 2 }));
    await settle();
    clock.advance(300);
    await settle();
    const types = (await records()).map(
      (r) => `${r.kind}:${(r.event as { type?: string; reason?: string }).type ?? (r.event as { reason?: string }).reason ?? ''}`,
    );
    expect(types).toEqual([
      'spawn:',
      'event:demo.slotGranted',
      'internal:demo.progress',
      'internal:demo.progress',
      'internal:demo.fetched',
      'internal:xstate.done.actor.verifyDigest',
      'stop:done',
    ]);
  });

  it('logs the xstate.after event of a backoff and retries after it', async () => {
    const { host, clock, records } = await setupHost();
    host.deliver('blob', 'blobFetch', { type: 'demo.slotGranted' }, () => ({ digest: 'sha256:x', source: 'missing', maxAttempts: 2 }));
    await settle();
    expect(host.snapshot('blob')?.value).toMatchObject({ transfer: 'backingOff' });
    clock.advance(100);
    await settle();
    const logged = await records();
    const after = logged.find((r) => (r.event as { type?: string }).type?.startsWith('xstate.after.'));
    expect(after?.kind).toBe('internal');
    expect(logged.at(-1)).toMatchObject({ kind: 'stop', event: { reason: 'done' } });
    expect(host.has('blob')).toBe(false);
  });

  it('stops an actor whose action throws, logs why, and keeps the other actors going', async () => {
    const { host, errors, records } = await setupHost();
    host.deliver('good', 'counter', { type: 'test.bump' }, () => ({ limit: 9 }));
    host.deliver('bad', 'counter', { type: 'test.explode' }, () => ({ limit: 9 }));
    expect(host.has('bad')).toBe(false);
    expect(host.send('good', { type: 'test.bump' })).toBe(true);
    expect(host.snapshot('good')?.context.count).toBe(2);
    expect(errors).toEqual(['actor failed and was stopped; other actors go on']);
    const stop = (await records()).find((r) => r.key === 'bad' && r.kind === 'stop');
    expect(stop?.event).toMatchObject({ reason: 'error', error: { message: 'boom in an action' } });
  });

  it('releases finished actors so memory follows live actors, not history', async () => {
    const { host, records } = await setupHost();
    for (let i = 0; i < 200; i += 1) {
      host.deliver(`k${i}`, 'counter', { type: 'test.bump' }, () => ({ limit: 2 }));
      host.deliver(`k${i}`, 'counter', { type: 'test.bump' });
    }
    expect(host.size).toBe(0);
    host.deliver('kept', 'counter', { type: 'test.bump' }, () => ({ limit: 2 }));
    expect(host.keys()).toEqual(['kept']);
    expect(host.release('kept')).toBe(true);
    const logged = await records();
    expect(logged.filter((r) => r.kind === 'stop' && (r.event as { reason: string }).reason === 'done')).toHaveLength(200);
    expect(logged.at(-1)).toMatchObject({ key: 'kept', kind: 'stop', event: { reason: 'released' } });
  });

  it('does not deliver to a key without an actor through send()', async () => {
    const { host, records } = await setupHost();
    expect(host.send('nobody', { type: 'test.bump' })).toBe(false);
    expect(await records()).toEqual([]);
  });
});
