// replay-throughput: how fast `replayLog` reads, verifies and folds a 1,000,000-event log.
//
// The log is what a daemon would have written: the actor host drives 1,000 keys (1,000 spawn
// records, then 1,000,000 event records round-robin, each with its snapshot hash) through the
// durable log with group commit; as its 64 MiB segments rotate, the host also checkpoints the
// live actors (a thousand records per rotation). Generation is not timed into the figure (it is reported on the
// side). The replay figure covers everything `replayLog` does: reading the segments, CRC checks,
// decoding, folding every record through the machine and comparing snapshot hashes.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LiveClock } from '../../engine/clock.js';
import { ActorHost } from '../../engine/host.js';
import { EventLog } from '../../engine/log/event-log.js';
import { replayLog } from '../../engine/replay.js';
import { BENCH_MACHINE, benchRegistry, bump, noInput } from './bench-machine.js';
import { collectGarbage, drive, keyOf, progress, timed, withTempDir } from './harness.js';
import { atLeast, figure, type Result } from './report.js';

const KEYS = 1_000;
const EVENTS = 1_000_000;

export async function run(): Promise<Result[]> {
  return withTempDir('replay', async (dir) => {
    progress(`generating a ${EVENTS}-event log over ${KEYS} keys through the actor host`);
    let records = 0;
    const generateSeconds = await timed(async () => {
      records = await generate(dir);
    });
    const bytes = await logBytes(dir);
    collectGarbage();
    progress('replaying it');
    let replayed = 0;
    const seconds = await timed(async () => {
      const result = await replayLog(dir, { registry: benchRegistry, keepSteps: false });
      if (result.divergence) throw new Error(`replay diverged at seq ${result.divergence.seq}: ${result.divergence.reason}`);
      replayed = result.records;
    });
    if (replayed !== records) throw new Error(`replay saw ${replayed} records, the log holds ${records}`);
    return [
      atLeast('replay-throughput.replay', EVENTS / seconds, 'events/s', 100_000),
      figure('replay-throughput.bytes-per-event', bytes / records, 'bytes/event'),
      figure('replay-throughput.log-size', bytes / 2 ** 20, 'MiB'),
      figure('replay-throughput.generate', EVENTS / generateSeconds, 'events/s'),
    ];
  });
}

/** Writes the log; returns how many records it holds (spawns, events and checkpoints). */
async function generate(dir: string): Promise<number> {
  const { log } = await EventLog.open({ dir, fsync: 'group' });
  const host = new ActorHost({ log, clock: new LiveClock(), registry: benchRegistry });
  try {
    const keys = Array.from({ length: KEYS }, (_, i) => keyOf(i));
    await drive(EVENTS, KEYS, (i) => host.deliver(keys[i % KEYS]!, BENCH_MACHINE, bump(i), noInput));
    await log.durable();
    return log.lastSeq;
  } finally {
    await host.shutdown();
    await log.close();
  }
}

async function logBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}
