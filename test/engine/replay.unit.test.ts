import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assign } from 'xstate';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../engine/clock.js';
import { ActorHost } from '../../engine/host.js';
import { EventLog } from '../../engine/log/event-log.js';
import { decodeRecord, encodeRecord } from '../../engine/log/record.js';
import { ReplayInputError, replayLog } from '../../engine/replay.js';
import { formatTimeline, timelineJson } from '../../engine/replay-format.js';
import { tempDir } from '../support/tmp.js';
import { blobFetchDoubles, testRegistry } from './fixtures/test-machines.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

async function recordedLog(): Promise<string> {
  const dir = await tempDir();
  const { log } = await EventLog.open({ dir, commitDelayMs: 1 });
  const clock = new SimulatedClock();
  const host = new ActorHost({
    log,
    clock,
    registry: testRegistry,
    bind: (e) => (e.id === 'blobFetch' ? e.machine.provide({ actors: blobFetchDoubles() }) : e.machine),
  });
  host.deliver('blob-ok', 'blobFetch', { type: 'demo.slotGranted' }, () => ({ digest: 'sha256:ok', source: 'ok', maxAttempts: 2 }));
  host.deliver('blob-bad', 'blobFetch', { type: 'demo.slotGranted' }, () => ({ digest: 'sha256:bad', source: 'ok', maxAttempts: 2 }));
  host.deliver('count', 'counter', { type: 'test.bump' }, () => ({ limit: 3 }));
  host.deliver('count', 'counter', { type: 'test.bump' });
  host.deliver('broken', 'counter', { type: 'test.explode' }, () => ({ limit: 3 }));
  for (let i = 0; i < 5; i += 1) {
    await settle();
    clock.advance(500);
  }
  await host.shutdown();
  await log.close();
  return dir;
}

async function onlySegment(dir: string): Promise<string> {
  const names = (await readdir(dir)).filter((n) => n.startsWith('events-'));
  expect(names).toHaveLength(1);
  return join(dir, names[0]!);
}

describe('replay', () => {
  it('replays a recorded log clean and prints a timeline per actor', async () => {
    const dir = await recordedLog();
    const result = await replayLog(dir, { registry: testRegistry, keepSteps: true });
    expect(result.divergence).toBeUndefined();
    expect(result.actors.map((a) => a.key)).toEqual(['blob-ok', 'blob-bad', 'count', 'broken']);
    expect(result.actors[3]!.steps.map((s) => s.record.kind)).toEqual(['spawn', 'event', 'stop']);
    const text = formatTimeline(result);
    expect(text).toContain('blob-bad  [blobFetch@1]');
    expect(text).toMatch(/#\d+ {2}demo\.slotGranted +reporting\.clean\|transfer\.waiting → reporting\.clean\|transfer\.fetching/);
    expect(text).toMatch(/after retryBackoff +reporting\.\w+\|transfer\.backingOff → reporting\.\w+\|transfer\.fetching/);
    expect(text).toMatch(/done: verifyDigest +/);
    expect(text).toMatch(/stop \(done\) +reporting\.closed\|transfer\.failed/);
    expect(text).toContain(`replay clean: ${result.records} records, 4 actor incarnations`);
    expect(text).toContain('stop (error)');
    const json = JSON.parse(timelineJson(result));
    expect(json.clean).toBe(true);
    expect(json.actors[2].steps.map((s: { kind: string }) => s.kind)).toEqual(['spawn', 'event', 'event', 'internal', 'stop']);
  });

  it('narrows the timeline to one key', async () => {
    const dir = await recordedLog();
    const result = await replayLog(dir, { registry: testRegistry, key: 'count', keepSteps: true });
    expect(result.actors.map((a) => a.key)).toEqual(['count']);
    expect(result.records).toBe(5);
  });

  it("catches one edited event and reports where today's code decides differently", async () => {
    const dir = await recordedLog();
    const path = await onlySegment(dir);
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    const index = lines.findIndex((line) => line.includes('"key":"count"') && line.includes('test.bump'));
    const edited = decodeRecord(lines[index]!);
    // A valid record (fresh crc) whose event is not what the actor really received.
    lines[index] = encodeRecord({ ...edited, event: { type: 'test.finish' } });
    await writeFile(path, `${lines.join('\n')}\n`);
    const result = await replayLog(dir, { registry: testRegistry, keepSteps: true });
    expect(result.divergence).toMatchObject({ seq: edited.seq, key: 'count', reason: 'snapshot differs', expected: edited.state, actualState: 'done' });
    const text = formatTimeline(result);
    expect(text).toContain('DIVERGENCE');
    expect(text).toContain(`seq:      #${edited.seq}`);
  });

  it('catches a machine that changed its decisions since the log was written', async () => {
    const dir = await recordedLog();
    const { registryOf } = await import('../../machines/registry-types.js');
    const { counterMachine } = await import('./fixtures/test-machines.js');
    const changed = registryOf([
      { machine: counterMachine.provide({ guards: { atLimit: () => true } }), summary: 'a counter that now stops at once' },
      { machine: testRegistry.get('blobFetch')!.machine, summary: '' },
    ]);
    const result = await replayLog(dir, { registry: changed });
    expect(result.divergence).toMatchObject({ key: 'count', reason: 'snapshot differs' });
    const throwing = registryOf([
      {
        // An assign runs inside the pure transition (plain custom actions are only collected).
        machine: counterMachine.provide({
          actions: {
            bump: assign(() => {
              throw new Error('bump broke');
            }),
          },
        }),
        summary: 'a counter whose bump now throws',
      },
      { machine: testRegistry.get('blobFetch')!.machine, summary: '' },
    ]);
    const thrown = await replayLog(dir, { registry: throwing });
    expect(thrown.divergence).toMatchObject({ key: 'count', reason: "today's machine throws on an earlier event of this actor: bump broke" });
  });

  it('refuses unreadable input: a missing path, a file that is not a log, a corrupt record', async () => {
    await expect(replayLog('/nonexistent/kruised-log', { registry: testRegistry })).rejects.toThrow(ReplayInputError);
    const dir = await tempDir();
    await writeFile(join(dir, 'events-0000000000000001.jsonl'), 'hello, world\nnot json\n');
    await expect(replayLog(dir, { registry: testRegistry })).rejects.toThrow(/holds no valid record/);
    const logDir = await recordedLog();
    const path = await onlySegment(logDir);
    const lines = (await readFile(path, 'utf8')).split('\n');
    lines[1] = 'garbage in the middle';
    await writeFile(path, lines.join('\n'));
    await expect(replayLog(logDir, { registry: testRegistry })).rejects.toThrow(/corrupt record at .*events-0000000000000001\.jsonl:2 \(byte \d+\)/);
    const empty = await tempDir();
    await expect(replayLog(empty, { registry: testRegistry })).rejects.toThrow(/no event log segments/);
  });
});
