import { describe, expect, it } from 'vitest';
import { assign, emit, setup } from 'xstate';
import { SimulatedClock } from '../../engine/clock.js';
import { ActorHost } from '../../engine/host.js';
import { EventLog } from '../../engine/log/event-log.js';
import type { LogRecord } from '../../engine/log/record.js';
import { registryOf } from '../../machines/registry-types.js';
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

describe('the actor host: emitted events', () => {
  // Emits on its initial entry and on every bump; ends at its limit.
  const chatty = setup({
    types: { context: {} as { count: number }, events: {} as { type: 'test.bump' } | { type: 'test.quiet' } },
    actions: { say: emit(({ context }) => ({ type: 'test.said', count: context.count })) },
  }).createMachine({
    id: 'chatty',
    version: '1',
    context: { count: 0 },
    entry: 'say',
    initial: 'on',
    states: {
      on: {
        on: {
          'test.bump': [
            { guard: ({ context }) => context.count >= 1, target: 'over', actions: [assign({ count: ({ context }) => context.count + 1 }), 'say'] },
            { actions: [assign({ count: ({ context }) => context.count + 1 }), 'say'] },
          ],
          'test.quiet': {},
        },
      },
      over: { type: 'final' },
    },
  });
  const registry = registryOf([{ machine: chatty, summary: 'emits' }]);

  async function chattyHost(dir: string, seen: string[]) {
    const { log, recovery } = await EventLog.open({ dir, commitDelayMs: 1 });
    const host = new ActorHost({
      log,
      clock: new SimulatedClock(),
      registry,
      onEmitted: (key, event, record) =>
        seen.push(`${key} ${event.type} ${(event as { count?: number }).count} after ${record.kind} #${record.seq} hashed=${record.state !== undefined}`),
      onStep: (key, _snapshot, record) => seen.push(`${key} step #${record.seq}`),
      onStopped: (key, reason) => seen.push(`${key} stopped ${reason}`),
    });
    return { log, recovery, host };
  }

  it('hands each emitted event to onEmitted with the record that caused it, hashed, before onStep; the initial entry with the spawn record', async () => {
    const seen: string[] = [];
    const { host, log } = await chattyHost(await tempDir(), seen);
    host.deliver('c', 'chatty', { type: 'test.quiet' }, () => ({}));
    host.send('c', { type: 'test.bump' });
    host.send('c', { type: 'test.bump' });
    expect(seen).toEqual([
      'c test.said 0 after spawn #1 hashed=true',
      'c step #2',
      'c test.said 1 after event #3 hashed=true',
      'c step #3',
      'c test.said 2 after event #4 hashed=true',
      'c step #4',
      'c stopped done',
    ]);
    await log.close();
  });

  it('emits nothing for a recovered actor’s history, and again for the events it gets after', async () => {
    const dir = await tempDir();
    const first = await chattyHost(dir, []);
    first.host.deliver('c', 'chatty', { type: 'test.bump' }, () => ({}));
    await first.host.shutdown();
    await first.log.close();

    const seen: string[] = [];
    const second = await chattyHost(dir, seen);
    expect(second.host.recover(second.recovery).restored).toEqual(['c']);
    expect(seen).toEqual([]);
    second.host.send('c', { type: 'test.bump' });
    expect(seen[0]).toMatch(/^c test\.said 2 after event #\d+ hashed=true$/);
    await second.log.close();
  });
});
