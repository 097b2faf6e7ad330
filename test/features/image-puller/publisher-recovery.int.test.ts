// A nodeImageStatus actor recovered from the log in the middle of a hold: the host re-arms its
// timer at the deadline the log implies, so the held change is written when it was due, not
// forgotten and not written early. A simulated clock; a real event log; the live write effect.
import { describe, expect, it } from 'vitest';
import { nodeImageRef, type WriteOutcome } from '../../../adapters/kube/index.js';
import { bindImagePull } from '../../../effects/image-pull/index.js';
import { SimulatedClock } from '../../../engine/clock.js';
import { ActorHost } from '../../../engine/host.js';
import { EventLog } from '../../../engine/log/event-log.js';
import { nodeImageStatusMachine } from '../../../machines/image-pull/node-image-status.machine.js';
import { machineRegistry } from '../../../machines/registry.js';
import { UPSTREAM_BUDGET } from '../../../machines/image-pull/write-budget.js';
import { tempDir } from '../../support/tmp.js';
import { until } from './support.js';

const KEY = 'NodeImage/node-a';

async function engine(dir: string, clock: SimulatedClock, writes: number[]) {
  const opened = await EventLog.open({ dir, commitDelayMs: 1 });
  const host = new ActorHost({
    log: opened.log,
    clock,
    registry: machineRegistry,
    bind: bindImagePull({
      cri: {} as never,
      events: { recordOnce: async () => 'created' as const },
      subjects: { subjectsOf: () => ({ nodeImage: { kind: 'NodeImage', name: 'node-a' }, owners: [] }) },
      barrier: opened.log,
      now: () => clock.now(),
      writer: {
        write: async (): Promise<WriteOutcome> => {
          writes.push(clock.now());
          return 'written';
        },
      },
      statusSource: { take: () => ({ ref: nodeImageRef('node-a', 'v1beta1'), status: { desired: 1 } }) },
    }),
  });
  return { host, opened };
}

describe('the nodeImageStatus actor across a restart', () => {
  it('re-arms a hold that was running when the daemon stopped, and writes when it was due', async () => {
    const dir = await tempDir('kruised-publisher-');
    const start = Date.UTC(2026, 2, 1);
    const writes: number[] = [];
    const first = await engine(dir, new SimulatedClock(start), writes);
    first.host.deliver(KEY, nodeImageStatusMachine.id, { type: 'engine.statusChanged', urgency: 'finish', at: start }, () => ({ budget: UPSTREAM_BUDGET }));
    expect(first.host.snapshot(KEY)?.value).toEqual({ holding: 'finishing' }); // 3 s from `start`
    await first.host.shutdown();
    await first.opened.log.close();

    const clock = new SimulatedClock(start + 1_000);
    const second = await engine(dir, clock, writes);
    expect(second.host.recover(second.opened.recovery).restored).toEqual([KEY]);
    clock.advance(1_999);
    expect(second.host.snapshot(KEY)?.value).toEqual({ holding: 'finishing' });
    clock.advance(1);
    expect(second.host.snapshot(KEY)?.value).toBe('writing');
    await until(() => writes.length === 1 || undefined, 'the held write', 5_000);
    expect(writes).toEqual([start + 3_000]);
    await until(() => second.host.snapshot(KEY)?.value === 'idle' || undefined, 'the actor to be idle', 5_000);
    await second.host.shutdown();
    await second.opened.log.close();
  });
});
