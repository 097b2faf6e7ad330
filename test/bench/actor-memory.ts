// actor-memory: heap held per live, idle actor, with 10,000 actors spawned through the actor host
// onto a durable log (spawn record + one event each), everything committed. The heap is measured
// after full GCs before and after spawning; the difference covers the XState actor, the host's
// bookkeeping and the log's per-key index. RSS is the whole process at that point.
import { LiveClock } from '../../engine/clock.js';
import { ActorHost } from '../../engine/host.js';
import { EventLog } from '../../engine/log/event-log.js';
import { BENCH_MACHINE, benchRegistry, bump, noInput } from './bench-machine.js';
import { collectGarbage, keyOf, progress, withTempDir, yieldToLoop } from './harness.js';
import { atMost, figure, type Result } from './report.js';

const ACTORS = 10_000;
const WARMUP = 200;

export async function run(): Promise<Result[]> {
  return withTempDir('memory', async (dir) => {
    const { log } = await EventLog.open({ dir, fsync: 'group' });
    const host = new ActorHost({ log, clock: new LiveClock(), registry: benchRegistry });
    try {
      // Warm-up: code, hidden classes and the segment file exist before the baseline is taken.
      for (let i = 0; i < WARMUP; i += 1) host.deliver(`warm/${i}`, BENCH_MACHINE, bump(0), noInput);
      for (let i = 0; i < WARMUP; i += 1) host.release(`warm/${i}`);
      await log.durable();
      await yieldToLoop();
      collectGarbage();
      const before = process.memoryUsage().heapUsed;
      progress(`spawning ${ACTORS} actors`);
      for (let i = 0; i < ACTORS; i += 1) {
        host.deliver(keyOf(i), BENCH_MACHINE, bump(0), noInput);
        if ((i + 1) % 1_000 === 0) await yieldToLoop();
      }
      await log.durable();
      await yieldToLoop();
      collectGarbage();
      const usage = process.memoryUsage();
      if (host.size !== ACTORS) throw new Error(`expected ${ACTORS} live actors, host has ${host.size}`);
      return [
        atMost('actor-memory.heap-per-actor', (usage.heapUsed - before) / ACTORS, 'bytes/actor', 16 * 1024),
        figure('actor-memory.rss', usage.rss / 2 ** 20, 'MiB'),
      ];
    } finally {
      await host.shutdown();
      await log.close();
    }
  });
}
