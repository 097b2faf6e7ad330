import { appendFile, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventLog } from '../../engine/log/event-log.js';
import { createRedactor, secretValueSet } from '../../engine/log/redact.js';
import { readAllRecords } from '../../engine/log/scan.js';
import { tempDir } from '../support/tmp.js';

function event(key: string, kind: 'spawn' | 'event' | 'stop' = 'event', time = 1000, extra: object = {}) {
  return { time, key, machine: 'counter', version: '1', kind, event: { type: 'test.bump', ...extra } } as const;
}

async function segmentsOf(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('events-')).sort();
}

describe('the event log on disk', () => {
  it('commits a group of records with one durable() and reads them back in order after reopening', async () => {
    const dir = await tempDir();
    const { log } = await EventLog.open({ dir, commitDelayMs: 2 });
    for (let i = 0; i < 500; i += 1) log.append(event(`k${i % 7}`));
    await log.durable();
    await log.close();
    const reopened = await EventLog.open({ dir });
    expect((await readAllRecords(dir)).map((r) => r.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(reopened.recovery.truncatedKeys.size).toBe(7);
    expect(reopened.corrupt).toEqual([]);
    expect(reopened.tornTails).toEqual([]);
    expect(reopened.log.lastSeq).toBe(500);
  });

  it('commits for a durable() waiter at the end of the turn instead of waiting out the commit delay', async () => {
    const dir = await tempDir();
    // An hour-long delay: without commit-on-demand this durable() would outlive the test's timeout.
    const { log } = await EventLog.open({ dir, commitDelayMs: 3_600_000 });
    log.append(event('a'));
    log.append(event('b'));
    await log.durable();
    expect((await readAllRecords(dir)).map((r) => r.key)).toEqual(['a', 'b']);
    log.append(event('c'));
    await log.durable();
    expect((await readAllRecords(dir)).map((r) => r.seq)).toEqual([1, 2, 3]);
    await log.close();
  });

  it('opens a segment of 200,000 records, keeping only what recovery needs', async () => {
    const dir = await tempDir();
    const { log } = await EventLog.open({ dir });
    log.append(event('long', 'spawn', Date.now()));
    for (let i = 0; i < 200_000; i += 1) log.append(event('long', 'event', Date.now()));
    log.append(event('short', 'spawn', Date.now()));
    log.append(event('short', 'stop', Date.now()));
    await log.close();
    expect(await segmentsOf(dir)).toHaveLength(1);
    const reopened = await EventLog.open({ dir });
    expect(reopened.recovery.records).toBe(200_003);
    expect(reopened.recovery.incarnations.get('long')).toHaveLength(200_001);
    expect(reopened.recovery.incarnations.has('short')).toBe(false);
    expect([...reopened.recovery.finishedKeys]).toEqual(['short']);
    expect(reopened.log.lastSeq).toBe(200_003);
    await reopened.log.close();
  });

  it('writes each delivery step synchronously when fsync is per record', async () => {
    const dir = await tempDir();
    const { log } = await EventLog.open({ dir, fsync: 'always' });
    log.append(event('a'));
    log.commitSync();
    const [segment] = await segmentsOf(dir);
    expect((await readFile(join(dir, segment!), 'utf8')).trim().split('\n')).toHaveLength(1);
    await log.close();
  });

  it('truncates a torn tail on open and reports it, keeping every whole record', async () => {
    const dir = await tempDir();
    const { log } = await EventLog.open({ dir });
    for (let i = 0; i < 10; i += 1) log.append(event('a'));
    await log.close();
    const [segment] = await segmentsOf(dir);
    const path = join(dir, segment!);
    const whole = (await stat(path)).size;
    await appendFile(path, '{"seq":11,"time":1000,"key":"a","mach');
    const reopened = await EventLog.open({ dir });
    expect(await readAllRecords(dir)).toHaveLength(10);
    expect(reopened.tornTails).toEqual([{ file: path, validBytes: whole, tornBytes: 37 }]);
    expect((await stat(path)).size).toBe(whole);
    await reopened.log.close();
  });

  it('reports a corrupt record in the middle with its position and leaves the file as it was', async () => {
    const dir = await tempDir();
    const { log } = await EventLog.open({ dir });
    for (let i = 0; i < 5; i += 1) log.append(event('a'));
    await log.close();
    const [segment] = await segmentsOf(dir);
    const path = join(dir, segment!);
    const lines = (await readFile(path, 'utf8')).split('\n');
    lines[2] = lines[2]!.replace('test.bump', 'test.XXXX');
    const damaged = lines.join('\n');
    await writeFile(path, damaged);
    const reopened = await EventLog.open({ dir });
    expect(reopened.corrupt).toHaveLength(1);
    expect(reopened.corrupt[0]).toMatchObject({ file: path, line: 3, offset: lines[0]!.length + lines[1]!.length + 2 });
    expect(reopened.corrupt[0]!.reason).toMatch(/crc mismatch/);
    expect((await readAllRecords(dir)).map((r) => r.seq)).toEqual([1, 2, 4, 5]);
    expect(await readFile(path, 'utf8')).toBe(damaged);
    await reopened.log.close();
  });

  it('rotates segments by size and names each by its first sequence number', async () => {
    const dir = await tempDir();
    const { log } = await EventLog.open({ dir, segmentBytes: 2_000 });
    log.append(event('a', 'spawn', Date.now()));
    for (let i = 1; i < 60; i += 1) {
      log.append(event('a', 'event', Date.now()));
      await log.commit();
    }
    await log.close();
    const segments = await segmentsOf(dir);
    expect(segments.length).toBeGreaterThan(3);
    expect(segments[0]).toBe('events-0000000000000001.jsonl');
    for (const name of segments) expect((await stat(join(dir, name))).size).toBeLessThanOrEqual(2_000);
    const reopened = await EventLog.open({ dir });
    expect(await readAllRecords(dir)).toHaveLength(60);
    expect(reopened.recovery.incarnations.get('a')).toHaveLength(60);
    await reopened.log.close();
  });

  it('removes whole segments only when all their actors finished and the retention time passed', async () => {
    const dir = await tempDir();
    let now = 10_000;
    const { log } = await EventLog.open({ dir, segmentBytes: 600, retentionMs: 5_000, now: () => now });
    // Finished actors first, then one that stays live across several segments.
    const records = [
      ...['d1', 'd2', 'd3', 'd4'].flatMap((key) => [event(key, 'spawn', now), event(key, 'stop', now)]),
      event('live', 'spawn', now),
      ...Array.from({ length: 8 }, () => event('live', 'event', now)),
    ];
    for (const record of records) {
      log.append(record);
      await log.commit();
    }
    const keysBySegment = new Map<string, Set<string>>();
    for (const name of await segmentsOf(dir)) {
      const lines = (await readFile(join(dir, name), 'utf8')).trim().split('\n');
      keysBySegment.set(name, new Set(lines.map((line) => JSON.parse(line).key as string)));
    }
    const finishedOnly = [...keysBySegment].filter(([, keys]) => !keys.has('live')).map(([name]) => name);
    expect(finishedOnly.length).toBeGreaterThan(0);
    expect(keysBySegment.size).toBeGreaterThan(finishedOnly.length + 1);
    expect(await log.collect()).toEqual([]); // retention time not reached yet
    now += 5_000;
    const removed = (await log.collect()).map((path) => path.slice(dir.length + 1));
    expect(removed.sort()).toEqual(finishedOnly.sort());
    const remaining = await readAllRecords(dir);
    expect(remaining.filter((r) => r.key === 'live')).toHaveLength(9);
    await log.close();
  });

  it("lets a live actor's segments before its latest checkpoint go, keeps the checkpoint's, and names actors to checkpoint on rotation", async () => {
    const dir = await tempDir();
    let now = 10_000;
    const { log } = await EventLog.open({ dir, segmentBytes: 600, retentionMs: 5_000, now: () => now });
    const staleOnRotation: string[][] = [];
    log.listen({ segmentStarted: ({ stale }) => void staleOnRotation.push([...stale]) });
    const write = async (record: Parameters<EventLog['append']>[0]) => {
      const open = log.append(record);
      await log.commit();
      return open.seq;
    };
    await write(event('live', 'spawn', now));
    for (let i = 0; i < 12; i += 1) await write(event('live', 'event', now));
    // The first rotation has no segment two back; from the second on, `live` (spawned in the first) is stale.
    expect(staleOnRotation[0]).toEqual([]);
    expect(staleOnRotation.slice(1).every((keys) => keys.join() === 'live')).toBe(true);
    expect(staleOnRotation.length).toBeGreaterThan(2);
    const checkpointSeq = await write({
      time: now,
      key: 'live',
      machine: 'counter',
      version: '1',
      kind: 'checkpoint',
      event: { spawnSeq: 1, input: {}, snapshot: {}, timers: [] },
    });
    for (let i = 0; i < 4; i += 1) await write(event('live', 'event', now));
    const before = await segmentsOf(dir);
    const firstSeqOf = (name: string) => Number(name.slice(7, 23));
    const holdingCheckpoint = before.filter((name) => firstSeqOf(name) <= checkpointSeq).at(-1)!;
    now += 5_000;
    const removed = (await log.collect()).map((path) => path.slice(dir.length + 1));
    expect(removed.sort()).toEqual(before.filter((name) => firstSeqOf(name) < firstSeqOf(holdingCheckpoint)));
    expect(await segmentsOf(dir)).toContain(holdingCheckpoint);
    await log.close();
    // Recovery finds the incarnation from its checkpoint on, not truncated.
    const reopened = await EventLog.open({ dir });
    expect(reopened.recovery.incarnations.get('live')?.map((r) => r.kind)).toEqual(['checkpoint', 'event', 'event', 'event', 'event']);
    expect(reopened.recovery.truncatedKeys.size).toBe(0);
    await reopened.log.close();
  });

  it('holds the total size cap, dropping finished history first', async () => {
    const dir = await tempDir();
    const removedInfo: Array<{ file: string; lostLive: string[] }> = [];
    const { log } = await EventLog.open({ dir, segmentBytes: 500, maxBytes: 1_500, retentionMs: 1e12, onSegmentRemoved: (info) => removedInfo.push(info) });
    for (let i = 0; i < 40; i += 1) {
      log.append(event(`k${i}`, 'spawn', Date.now()));
      log.append(event(`k${i}`, 'stop', Date.now()));
      await log.commit();
    }
    await log.collect();
    await log.close();
    const sizes = await Promise.all((await segmentsOf(dir)).map(async (name) => (await stat(join(dir, name))).size));
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1_500 + 500);
    expect(removedInfo.length).toBeGreaterThan(0);
    expect(removedInfo.every((info) => info.lostLive.length === 0)).toBe(true);
  });

  it('never writes a registered secret or a value under a sensitive key to disk', async () => {
    const dir = await tempDir();
    const secrets = secretValueSet();
    secrets.add('hunter2-s3cr3t');
    const { log } = await EventLog.open({ dir, redact: createRedactor(secrets) });
    log.append(event('a', 'event', 1000, { message: 'login failed for hunter2-s3cr3t at registry', password: 'p4ssw0rd!', nested: { auth: 'dXNlcjpwYXNz' } }));
    await log.close();
    const text = (await Promise.all((await segmentsOf(dir)).map((name) => readFile(join(dir, name), 'utf8')))).join('');
    expect(text).not.toContain('hunter2-s3cr3t');
    expect(text).not.toContain('p4ssw0rd!');
    expect(text).not.toContain('dXNlcjpwYXNz');
    expect(text).toContain('login failed for [REDACTED] at registry');
  });
});
