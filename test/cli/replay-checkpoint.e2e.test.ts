// `kruised replay` on a log whose early segments were collected: a blobFetch actor retrying for a
// long time with small segments, so the host checkpoints it on rotation and retention removes its
// spawn. The CLI's timeline says the history starts at a checkpoint and the replay is clean.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../engine/clock.js';
import { ActorHost } from '../../engine/host.js';
import { EventLog } from '../../engine/log/event-log.js';
import { readAllRecords } from '../../engine/log/scan.js';
import { machineRegistry } from '../../machines/registry.js';
import { blobFetchDoubles } from '../engine/fixtures/test-machines.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('kruised replay of a history that starts at a checkpoint', () => {
  it('prints where the history starts and replays clean from there', async () => {
    const dir = join(await tempDir(), 'events');
    const clock = new SimulatedClock();
    const { log } = await EventLog.open({ dir, commitDelayMs: 1, segmentBytes: 1_500, retentionMs: 0, now: () => clock.now() });
    const host = new ActorHost({
      log,
      clock,
      registry: machineRegistry,
      bind: (entry) => entry.machine.provide({ actors: blobFetchDoubles() } as never),
    });
    host.deliver('missing', 'blobFetch', { type: 'demo.slotGranted' }, () => ({ digest: 'sha256:gone', source: 'missing', maxAttempts: 1_000 }));
    for (let attempt = 0; attempt < 150; attempt += 1) {
      await nextTurn(); // the fetch double reports its failure
      clock.advance(1_600); // the backoff (capped at 1.6 s) runs out: the next attempt
      await log.commit();
    }
    await log.commit();
    await log.collect();
    expect(host.has('missing')).toBe(true);
    await host.shutdown();
    await log.close();
    const records = await readAllRecords(dir);
    expect(records.some((r) => r.kind === 'spawn')).toBe(false);
    const firstCheckpoint = records.find((r) => r.kind === 'checkpoint');
    expect(firstCheckpoint).toBeDefined();

    const text = await runCli(['replay', dir]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`missing  [blobFetch@1]  (history from checkpoint #${firstCheckpoint!.seq}; its earlier records were collected)`);
    expect(text.stdout).toMatch(new RegExp(`#${firstCheckpoint!.seq} {2}checkpoint +reporting\\.clean\\|transfer\\.(fetching|backingOff)\\n`));
    expect(text.stdout).toMatch(/after retryBackoff +reporting\.clean\|transfer\.backingOff → reporting\.clean\|transfer\.fetching/);
    expect(text.stdout).toMatch(/replay clean: \d+ records, 1 actor incarnations/);
    const json = await runCli(['replay', dir, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ clean: true, actors: [{ key: 'missing', fromCheckpoint: firstCheckpoint!.seq }] });
  });
});
