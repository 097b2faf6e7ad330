// Fail-stop durability: a failed open, write or fdatasync of the event log never releases a
// durable() waiter, later records are refused, the failure is reported once, and nothing is left
// behind as an unhandled rejection. The failures come from an injected LogFs (fixtures/faulty-fs.ts).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventLog, type EventLogOptions } from '../../engine/log/event-log.js';
import { EventLogFailure } from '../../engine/log/log-failure.js';
import { readAllRecords } from '../../engine/log/scan.js';
import { tempDir } from '../support/tmp.js';
import { type Fault, faultyFs } from './fixtures/faulty-fs.js';

function event(key: string, kind: 'spawn' | 'event' = 'event') {
  return { time: 1000, key, machine: 'counter', version: '1', kind, event: { type: 'test.bump' } } as const;
}

type Outcome = 'resolved' | EventLogFailure | 'pending';

/** Follows a durable() promise without ever leaving it unhandled. */
function follow(promise: Promise<void>): { readonly outcome: Outcome; settled: Promise<void> } {
  const state: { outcome: Outcome; settled: Promise<void> } = { outcome: 'pending', settled: Promise.resolve() };
  state.settled = promise.then(
    () => {
      state.outcome = 'resolved';
    },
    (error: EventLogFailure) => {
      state.outcome = error;
    },
  );
  return state;
}

/** Node reports a rejection nobody handled once the microtasks of its turn drain: a full turn later it has. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

async function openFaulty(fault: Fault, options: Partial<EventLogOptions> = {}) {
  const dir = await tempDir();
  const fs = faultyFs(fault);
  const { log } = await EventLog.open({ dir, fs, commitDelayMs: 1, ...options });
  const failures: EventLogFailure[] = [];
  log.listen({ failed: (failure) => failures.push(failure) });
  return { dir, fs, log, failures };
}

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => void process.off('unhandledRejection', onUnhandled));

describe('the event log fails stop', () => {
  it('rejects the waiters of a group commit whose fdatasync fails, and of every batch after it, and refuses later records', async () => {
    const { dir, log, failures } = await openFaulty({ op: 'fdatasync', call: 2, code: 'EIO' });
    log.append(event('a', 'spawn'));
    await log.durable(); // the first commit is healthy
    log.append(event('a'));
    const lost = follow(log.durable());
    await nextTurn(); // that batch is now written and its fdatasync is in flight
    log.append(event('a'));
    const behind = follow(log.durable()); // a later batch, queued behind the failing one
    await Promise.all([lost.settled, behind.settled]);

    expect(lost.outcome).toBeInstanceOf(EventLogFailure);
    expect(behind.outcome).toBe(lost.outcome);
    const failure = lost.outcome as EventLogFailure;
    expect(failure).toMatchObject({ operation: 'fdatasync', code: 'EIO' });
    expect(failure.file).toBe(join(dir, 'events-0000000000000001.jsonl'));
    expect(failure.message).toContain('the disk reported an I/O error');
    expect(log.failure).toBe(failure);

    expect(() => log.append(event('a'))).toThrow(failure);
    await expect(log.durable()).rejects.toBe(failure);
    await expect(log.commit()).rejects.toBe(failure);
    await expect(log.close()).rejects.toBe(failure);
    await nextTurn();
    expect(failures).toEqual([failure]);
    expect(unhandled).toEqual([]);
    // Only the healthy batch and the one whose fdatasync failed reached the file; nothing after.
    expect((await readAllRecords(dir)).map((r) => r.seq)).toEqual([1, 2]);
  });

  it('never lets a later successful commitSync release the waiters of records whose write failed', async () => {
    // The disk is full for one write, then has room again: a retry must still not happen.
    const { dir, fs, log, failures } = await openFaulty({ op: 'writeSync', call: 2, code: 'ENOSPC' }, { fsync: 'always' });
    log.append(event('a', 'spawn'));
    log.commitSync();
    log.append(event('a'));
    const lost = follow(log.durable());
    expect(() => log.commitSync()).toThrow(EventLogFailure);
    const failure = log.failure!;
    expect(failure).toMatchObject({ operation: 'write', code: 'ENOSPC', meaning: 'the filesystem holding the event log is full' });

    expect(() => log.append(event('a'))).toThrow(failure);
    expect(() => log.commitSync()).toThrow(failure);
    await lost.settled;
    expect(lost.outcome).toBe(failure);
    expect(fs.calls.writeSync).toBe(2); // nothing was written after the failure, although the disk has room again
    await expect(log.close()).rejects.toBe(failure);
    await nextTurn();
    expect(failures).toEqual([failure]);
    expect(unhandled).toEqual([]);
    expect((await readAllRecords(dir)).map((r) => r.seq)).toEqual([1]);
  });

  it('fails on a write that filled the disk halfway, leaving a torn tail the next open truncates', async () => {
    const { dir, log, failures } = await openFaulty({ op: 'writeSync', call: 2, code: 'ENOSPC', partial: 40 });
    log.append(event('a', 'spawn'));
    await log.durable();
    const [segment] = (await readdir(dir)).filter((name) => name.startsWith('events-'));
    const whole = (await stat(join(dir, segment!))).size;
    log.append(event('a'));
    log.append(event('a'));
    const lost = follow(log.durable());
    await lost.settled;
    expect(lost.outcome).toMatchObject({ operation: 'write', code: 'ENOSPC' });
    expect((await stat(join(dir, segment!))).size).toBe(whole + 40);
    await expect(log.close()).rejects.toBeInstanceOf(EventLogFailure);
    expect(failures).toHaveLength(1);

    const reopened = await EventLog.open({ dir });
    expect(reopened.tornTails).toEqual([{ file: join(dir, segment!), validBytes: whole, tornBytes: 40 }]);
    expect((await readAllRecords(dir)).map((r) => r.seq)).toEqual([1]);
    // Recovery starts from what is on disk: the next record follows the last one there.
    expect(reopened.log.append(event('a')).seq).toBe(2);
    await reopened.log.close();
    expect(unhandled).toEqual([]);
  });

  it('fails when a segment cannot be opened (a read-only filesystem), with nothing released', async () => {
    const { log, failures } = await openFaulty({ op: 'openSync', call: 1, code: 'EROFS' });
    log.append(event('a', 'spawn'));
    const lost = follow(log.durable());
    await lost.settled;
    expect(lost.outcome).toMatchObject({ operation: 'open', code: 'EROFS' });
    expect((lost.outcome as EventLogFailure).message).toMatch(
      /event log open of .*events-0000000000000001\.jsonl failed: the filesystem holding the event log is read-only/,
    );
    await expect(log.close()).rejects.toBe(log.failure);
    await nextTurn();
    expect(failures).toHaveLength(1);
    expect(unhandled).toEqual([]);
  });

  it('reports a failure of a commit started by its own timer (no caller waiting) to its listeners, not as an unhandled rejection', async () => {
    const { log, failures } = await openFaulty({ op: 'fdatasync', call: 1, code: 'EIO' });
    log.append(event('a', 'spawn'));
    const heard = new Promise<EventLogFailure>((resolve) => log.listen({ failed: resolve }));
    const failure = await heard;
    await nextTurn();
    expect(failures).toEqual([failure]);
    expect(unhandled).toEqual([]);
    // A listener that comes later hears the same failure at once.
    const late: EventLogFailure[] = [];
    log.listen({ failed: (f) => late.push(f) });
    expect(late).toEqual([failure]);
    await expect(log.close()).rejects.toBe(failure);
  });

  it('keeps the records on disk of the batches before the failure intact and readable', async () => {
    const { dir, log } = await openFaulty({ op: 'fdatasync', call: 3, code: 'EIO' });
    for (let i = 0; i < 3; i += 1) {
      log.append(event('a', i === 0 ? 'spawn' : 'event'));
      await log.commit().catch(() => undefined); // the third one fails; asserted on below
    }
    expect(log.failure?.code).toBe('EIO');
    const text = await readFile(join(dir, 'events-0000000000000001.jsonl'), 'utf8');
    expect(text.trim().split('\n')).toHaveLength(3);
    await expect(log.close()).rejects.toBe(log.failure);
  });
});
