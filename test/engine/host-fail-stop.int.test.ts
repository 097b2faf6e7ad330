// The actor host when its log fails: every actor halts without acting (no effect body runs on a
// cause the log does not hold), events and timers reach nobody, and a restart on a disk that
// takes writes again recovers from what is on disk and acts then.
import { fromPromise, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import { durablePromise } from '../../effects/durable.js';
import { SimulatedClock } from '../../engine/clock.js';
import { ActorHost } from '../../engine/host.js';
import { EventLog } from '../../engine/log/event-log.js';
import { EventLogFailure } from '../../engine/log/log-failure.js';
import type { LogFs } from '../../engine/log/log-fs.js';
import { readAllRecords } from '../../engine/log/scan.js';
import { registryOf } from '../../machines/registry-types.js';
import { tempDir } from '../support/tmp.js';
import { faultyFs } from './fixtures/faulty-fs.js';

/** Waits for `go`, then acts once through an effect that waits for the log; a 1 s idle timer meanwhile. */
const actingMachine = setup({
  types: { events: {} as { type: 'go' } | { type: 'poke' } },
  actors: { act: fromPromise<string>(async () => 'placeholder') },
}).createMachine({
  id: 'acting',
  version: '1',
  initial: 'idle',
  states: {
    idle: { on: { go: 'acting', poke: 'idle' }, after: { 1000: 'bored' } },
    bored: { on: { go: 'acting' } },
    acting: { invoke: { id: 'act', src: 'act', onDone: 'done', onError: 'failed' } },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
});
const registry = registryOf([{ machine: actingMachine, summary: 'fail-stop test: acts once, after the log' }]);

async function startHost(dir: string, options: { fs?: LogFs; fsync?: 'group' | 'always'; clock?: SimulatedClock } = {}) {
  const opened = await EventLog.open({ dir, commitDelayMs: 1, ...(options.fs ? { fs: options.fs } : {}), ...(options.fsync ? { fsync: options.fsync } : {}) });
  const { log } = opened;
  const acted: string[] = [];
  const barrierOutcomes: Array<Promise<string>> = [];
  // The barrier the effect waits on, watched: each durable() it asked for, and how it settled.
  const barrier = {
    durable: () => {
      const wait = log.durable();
      barrierOutcomes.push(
        wait.then(
          () => 'resolved',
          (error: unknown) => (error instanceof EventLogFailure ? `rejected: ${error.code}` : 'rejected'),
        ),
      );
      return wait;
    },
  };
  const clock = options.clock ?? new SimulatedClock();
  let onStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (onStopped = resolve));
  const host = new ActorHost({
    log,
    clock,
    registry,
    onStopped: () => onStopped(),
    bind: (entry) => entry.machine.provide({ actors: { act: durablePromise(barrier, async (_input: unknown) => void acted.push('acted')) } }),
  });
  const report = host.recover(opened.recovery);
  return { log, host, clock, acted, barrierOutcomes, report, stopped };
}

describe('the actor host fails stop with its log', () => {
  it('halts every actor when a group commit fails: the waiting effect never acts, and nothing more is delivered', async () => {
    const dir = await tempDir();
    // fdatasync #1 covers the spawns; #2 covers `go`, which started the effect: it fails.
    const { log, host, clock, acted, barrierOutcomes } = await startHost(dir, { fs: faultyFs({ op: 'fdatasync', call: 2, code: 'ENOSPC' }) });
    host.deliver('a', 'acting', { type: 'poke' }, () => ({}));
    host.deliver('b', 'acting', { type: 'poke' }, () => ({}));
    await log.durable();
    host.deliver('a', 'acting', { type: 'go' });
    expect(host.snapshot('a')?.value).toBe('acting');
    const halted = await new Promise<EventLogFailure>((resolve) => log.listen({ failed: resolve }));

    expect(halted.code).toBe('ENOSPC');
    expect(host.haltedBy).toBe(halted);
    expect(host.size).toBe(0);
    expect(await Promise.all(barrierOutcomes)).toEqual(['rejected: ENOSPC']);
    expect(acted).toEqual([]);
    // Nothing reaches an actor any more: not a delivery, not a send, not a timer.
    host.deliver('c', 'acting', { type: 'go' }, () => ({}));
    expect(host.send('b', { type: 'go' })).toBe(false);
    expect(host.has('c')).toBe(false);
    expect(clock.pending()).toEqual([]); // b's idle timer went with its actor
    await expect(host.shutdown()).rejects.toBe(halted);
    expect(acted).toEqual([]);
    // No stop records: the actors stay unfinished for recovery.
    expect((await readAllRecords(dir)).map((r) => `${r.key}:${r.kind}`)).toEqual(['a:spawn', 'a:event', 'b:spawn', 'b:event', 'a:event']);
  });

  it('halts inside a delivery step when a per-record commit fails, without throwing at the caller', async () => {
    const dir = await tempDir();
    // writeSync #1 is the spawn and first event; #2 is `go`.
    const { log, host, acted, barrierOutcomes } = await startHost(dir, { fs: faultyFs({ op: 'writeSync', call: 3, code: 'EIO' }), fsync: 'always' });
    host.deliver('a', 'acting', { type: 'poke' }, () => ({}));
    expect(() => host.deliver('a', 'acting', { type: 'go' })).not.toThrow();
    expect(log.failure?.code).toBe('EIO');
    expect(host.haltedBy).toBe(log.failure);
    expect(host.size).toBe(0);
    expect(await Promise.all(barrierOutcomes)).toEqual(['rejected: EIO']);
    expect(acted).toEqual([]);
    await expect(log.close()).rejects.toBe(log.failure);
    expect((await readAllRecords(dir)).map((r) => `${r.key}:${r.kind}`)).toEqual(['a:spawn', 'a:event']);
  });

  it('recovers from what is on disk after the restart and acts then, once', async () => {
    const dir = await tempDir();
    const clock = new SimulatedClock();
    // write #2 is `go`: it never reaches the disk.
    const first = await startHost(dir, { fs: faultyFs({ op: 'writeSync', call: 2, code: 'ENOSPC' }), clock });
    first.host.deliver('a', 'acting', { type: 'poke' }, () => ({}));
    await first.log.durable();
    first.host.deliver('a', 'acting', { type: 'go' });
    await new Promise<EventLogFailure>((resolve) => first.log.listen({ failed: resolve }));
    await expect(first.log.close()).rejects.toBeInstanceOf(EventLogFailure);
    expect(first.acted).toEqual([]);

    // The restart finds `a` as the disk has it: idle, its `go` lost; a fresh observation sends it again.
    const second = await startHost(dir, { clock });
    expect(second.report.restored).toEqual(['a']);
    expect(second.host.snapshot('a')?.value).toBe('idle');
    second.host.deliver('a', 'acting', { type: 'go' });
    await second.stopped;
    expect(second.acted).toEqual(['acted']);
    await second.log.close();
    expect(
      (await readAllRecords(dir)).map(
        (r) => `${r.kind}:${(r.event as { type?: string; reason?: string }).type ?? (r.event as { reason?: string }).reason ?? ''}`,
      ),
    ).toEqual(['spawn:', 'event:poke', 'event:go', 'internal:xstate.done.actor.act', 'stop:done']);
  });
});
