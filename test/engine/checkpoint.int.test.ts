// Checkpoints bound the history of actors that never stop: the host writes one when a segment
// rotates with the actor's recovery starting two segments back, retention then lets the older
// segments go, and recovery and replay start the incarnation at its latest checkpoint, with the
// same snapshot and its timers re-armed at their deadlines.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../engine/clock.js';
import { ActorHost } from '../../engine/host.js';
import type { CheckpointBody } from '../../engine/log/checkpoint.js';
import { EventLog, type EventLogOptions } from '../../engine/log/event-log.js';
import { decodeRecord, encodeRecord } from '../../engine/log/record.js';
import { createRedactor, secretValueSet } from '../../engine/log/redact.js';
import { readAllRecords } from '../../engine/log/scan.js';
import { replayLog } from '../../engine/replay.js';
import { formatTimeline, timelineJson } from '../../engine/replay-format.js';
import { tempDir } from '../support/tmp.js';
import { testRegistry } from './fixtures/test-machines.js';

async function startHost(dir: string, clock: SimulatedClock, options: Partial<EventLogOptions> = {}) {
  const opened = await EventLog.open({ dir, commitDelayMs: 1, ...options });
  const host = new ActorHost({ log: opened.log, clock, registry: testRegistry });
  return { host, log: opened.log, report: host.recover(opened.recovery) };
}

const tick = (n: number) => ({ type: 'test.tick', note: `tick ${n}` }) as const;

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('events-')).sort();
}

async function sizeOf(dir: string): Promise<number> {
  const sizes = await Promise.all((await segmentFiles(dir)).map(async (name) => (await stat(join(dir, name))).size));
  return sizes.reduce((a, b) => a + b, 0);
}

/** 3,000 ticks to one ticker that never stops, in rounds a second apart, each committed as a busy node would. */
async function longLivedRun(dir: string, clock: SimulatedClock, retentionMs = 0) {
  const run = await startHost(dir, clock, { segmentBytes: 4_000, retentionMs, now: () => clock.now() });
  let written = 0;
  for (let round = 0; round < 100; round += 1) {
    for (let i = 0; i < 30; i += 1) run.host.deliver('probe', 'ticker', tick(round * 30 + i), () => ({ name: 'probe' }));
    clock.advance(1_000);
    await run.log.commit();
    written = Math.max(written, run.log.lastSeq);
  }
  await run.log.commit(); // the last rotation's checkpoints
  await run.log.collect();
  return { ...run, written };
}

describe('checkpoints of long-lived actors', () => {
  it('keep the log of an actor that never stops bounded, and no segment is removed that recovery needs', async () => {
    const dir = await tempDir();
    const clock = new SimulatedClock();
    const { host, log, written } = await longLivedRun(dir, clock);
    const records = await readAllRecords(dir);
    // Every record of a run this long is about 200 bytes: 3,000+ of them would be 150 segments.
    expect(written).toBeGreaterThan(3_000);
    expect((await segmentFiles(dir)).length).toBeLessThanOrEqual(4);
    expect(await sizeOf(dir)).toBeLessThanOrEqual(4 * 4_000);
    expect(records.some((r) => r.kind === 'spawn')).toBe(false); // collected with its segment
    const checkpoints = records.filter((r) => r.kind === 'checkpoint');
    expect(checkpoints.length).toBeGreaterThan(0);
    expect(checkpoints[0]!.seq).toBeLessThan(records.filter((r) => r.kind === 'event').at(-1)!.seq);
    expect((checkpoints[0]!.event as CheckpointBody).spawnSeq).toBe(1);
    const before = host.snapshot('probe');
    await host.shutdown();
    await log.close();

    // A crash here: recovery rebuilds the actor from its latest checkpoint and the records after it.
    const restart = await startHost(dir, clock);
    expect(restart.report).toMatchObject({ restored: ['probe'], fromCheckpoint: ['probe'], truncated: [], diverged: [], failed: [] });
    expect(restart.host.snapshot('probe')?.context).toEqual(before?.context);
    expect(restart.host.snapshot('probe')?.context).toMatchObject({ ticks: 3_000, last: 'tick 2999' });
    expect(restart.host.snapshot('probe')?.value).toEqual(before?.value);
    await restart.host.shutdown();
    await restart.log.close();
  });

  it('restore the snapshot and re-arm timers at their deadlines when recovery starts at a checkpoint', async () => {
    const dir = await tempDir();
    const clock = new SimulatedClock();
    const t0 = clock.now();
    const first = await startHost(dir, clock);
    first.host.deliver('probe', 'ticker', tick(1), () => ({ name: 'probe' }));
    clock.advance(3_000);
    first.host.deliver('probe', 'ticker', tick(2));
    expect(first.host.checkpoint('probe')).toBe(true);
    first.host.deliver('probe', 'ticker', tick(3)); // a record after the checkpoint, folded on top of it
    const before = first.host.snapshot('probe');
    await first.host.shutdown();
    await first.log.close();

    const second = await startHost(dir, clock);
    expect(second.report).toMatchObject({ restored: ['probe'], fromCheckpoint: ['probe'], diverged: [] });
    expect(second.host.snapshot('probe')?.context).toEqual(before?.context);
    expect(Object.keys(second.host.snapshot('probe')?.children ?? {})).toEqual(['watch']);
    // The heartbeat was scheduled at t0 for t0 + 10 s: it fires then, not 10 s after the restart.
    expect(clock.pending().map((t) => t.deadline)).toEqual([t0 + 10_000]);
    // A checkpoint taken while that re-armed timer is pending carries it too.
    expect(second.host.checkpoint('probe')).toBe(true);
    await second.host.shutdown();
    await second.log.close();

    const third = await startHost(dir, clock);
    expect(third.report.diverged).toEqual([]);
    clock.advance(6_999);
    expect(third.host.snapshot('probe')?.context.beats).toBe(0);
    clock.advance(1);
    expect(third.host.snapshot('probe')?.context.beats).toBe(1);
    expect(clock.now()).toBe(t0 + 10_000);
    // XState's own next heartbeat is scheduled from there, and a checkpoint now records its deadline.
    expect(third.host.checkpoint('probe')).toBe(true);
    await third.log.commit();
    const last = (await readAllRecords(dir)).filter((r) => r.kind === 'checkpoint').at(-1)!;
    expect((last.event as CheckpointBody).timers.map((t) => [t.id, t.deadline])).toEqual([['xstate.after.heartbeat.ticker.watching', t0 + 20_000]]);
    await third.host.shutdown();
    await third.log.close();
    const replay = await replayLog(dir, { registry: testRegistry });
    expect(replay.divergence).toBeUndefined();
  });

  it('replay a log whose early segments were collected from the first checkpoint on, and say so', async () => {
    const dir = await tempDir();
    const clock = new SimulatedClock();
    // Retention keeps the last 20 s (20 rounds): several checkpoints, none of the first ones.
    const { host, log } = await longLivedRun(dir, clock, 20_000);
    await host.shutdown();
    await log.close();
    expect((await readAllRecords(dir)).some((r) => r.kind === 'spawn')).toBe(false);
    const result = await replayLog(dir, { registry: testRegistry, keepSteps: true });
    expect(result.divergence).toBeUndefined();
    expect(result.actors).toHaveLength(1);
    const [probe] = result.actors;
    const firstCheckpoint = (await readAllRecords(dir)).find((r) => r.kind === 'checkpoint')!;
    expect(probe!.fromCheckpoint).toBe(firstCheckpoint.seq);
    expect(probe!.steps[0]!.record.kind).toBe('checkpoint');
    expect(probe!.final.context).toMatchObject({ ticks: 3_000 });
    // Later checkpoints agree with the fold from the first one.
    expect(probe!.steps.filter((s) => s.record.kind === 'checkpoint').length).toBeGreaterThan(1);
    expect(probe!.steps.every((s) => s.matches)).toBe(true);
    const text = formatTimeline(result);
    expect(text).toContain(`probe  [ticker@1]  (history from checkpoint #${firstCheckpoint.seq}; its earlier records were collected)`);
    expect(text).toMatch(new RegExp(`#${firstCheckpoint.seq} {2}checkpoint +watching\\n`));
    expect(JSON.parse(timelineJson(result)).actors[0].fromCheckpoint).toBe(firstCheckpoint.seq);
  });

  it('check a checkpoint inside a whole history against the fold, and report one that disagrees', async () => {
    const dir = await tempDir();
    const clock = new SimulatedClock();
    const run = await startHost(dir, clock);
    run.host.deliver('probe', 'ticker', tick(1), () => ({ name: 'probe' }));
    run.host.checkpoint('probe');
    run.host.deliver('probe', 'ticker', tick(2));
    await run.host.shutdown();
    await run.log.close();
    const clean = await replayLog(dir, { registry: testRegistry, keepSteps: true });
    expect(clean.divergence).toBeUndefined();
    expect(clean.actors[0]!.fromCheckpoint).toBeUndefined();
    expect(clean.actors[0]!.steps.map((s) => s.record.kind)).toEqual(['spawn', 'event', 'checkpoint', 'event']);

    const [segment] = await segmentFiles(dir);
    const path = join(dir, segment!);
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    const index = lines.findIndex((line) => line.includes('"kind":"checkpoint"'));
    const record = decodeRecord(lines[index]!);
    lines[index] = encodeRecord({ ...record, state: '0000000000000000' });
    await writeFile(path, `${lines.join('\n')}\n`);
    const edited = await replayLog(dir, { registry: testRegistry });
    expect(edited.divergence).toMatchObject({ seq: record.seq, key: 'probe', reason: 'checkpoint differs from the folded history' });
  });

  it('are redacted like every record: a registered secret in the snapshot never reaches the disk', async () => {
    const dir = await tempDir();
    const secrets = secretValueSet();
    secrets.add('hunter2-s3cr3t');
    const run = await startHost(dir, new SimulatedClock(), { redact: createRedactor(secrets) });
    run.host.deliver('probe', 'ticker', { type: 'test.tick', note: 'token hunter2-s3cr3t' }, () => ({ name: 'probe' }));
    expect(run.host.checkpoint('probe')).toBe(true);
    await run.host.shutdown();
    await run.log.close();
    const checkpoint = (await readAllRecords(dir)).find((r) => r.kind === 'checkpoint')!;
    expect((checkpoint.event as { snapshot: { context: { last: string } } }).snapshot.context.last).toBe('token [REDACTED]');
    const text = (await Promise.all((await segmentFiles(dir)).map((name) => readFile(join(dir, name), 'utf8')))).join('');
    expect(text).not.toContain('hunter2-s3cr3t');
  });
});
