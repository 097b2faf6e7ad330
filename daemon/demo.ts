// `kruised demo`: the engine end to end on this machine with no cluster. Blobs are fetched by
// blobFetch actors (real file copies with progress, real digests), at most `workers` at once in
// FIFO order, through the durable event log. The run is restart-safe: started again on the same
// data directory it recovers unfinished actors from the log and only starts what never started.
import { join } from 'node:path';
import type { AnyMachineSnapshot } from 'xstate';
import { blobFetchEffects } from '../effects/demo/blob-fetch.effects.js';
import { LiveClock } from '../engine/clock.js';
import { ActorHost } from '../engine/host.js';
import { EventLog } from '../engine/log/event-log.js';
import { replayLog } from '../engine/replay.js';
import { formatStateValue } from '../engine/snapshot-hash.js';
import type { BlobFetchContext } from '../machines/demo/blob-fetch.machine.js';
import { machineRegistry } from '../machines/registry.js';
import { demoSources } from './demo-sources.js';

export interface DemoOptions {
  readonly dataDir: string;
  readonly workers: number;
  readonly chunkDelayMs: number;
  readonly fsync: 'group' | 'always';
  readonly print: (line: string) => void;
  /** Fault injection for crash tests: SIGKILL this process once a record with this seq is logged. */
  readonly killAtSeq?: number;
}

export interface DemoResult {
  readonly logDir: string;
  readonly outcomes: Record<string, { state: string; attempts: number; progress: number; message: string }>;
  readonly replayClean: boolean;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const blobs = await demoSources(join(options.dataDir, 'sources'));
  const logDir = join(options.dataDir, 'events');
  const opened = await EventLog.open({ dir: logDir, fsync: options.fsync });
  const { log } = opened;
  const finishedKeys = opened.recovery.finishedKeys;
  const queue: string[] = [];
  const holding = new Set<string>();
  let allDone: () => void = () => {};
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const shown = new Map<string, string>();

  const grant = () => {
    while (queue.length > 0 && (options.workers <= 0 || holding.size < options.workers)) {
      const key = queue.shift()!;
      holding.add(key);
      host.send(key, { type: 'demo.slotGranted' });
    }
  };
  const host: ActorHost = new ActorHost({
    log,
    clock: new LiveClock(),
    registry: machineRegistry,
    bind: (entry) => entry.machine.provide({ actors: blobFetchEffects({ dir: join(options.dataDir, 'blobs'), chunkDelayMs: options.chunkDelayMs }, log) }),
    onStep: (key, snapshot, record) => {
      show(key, snapshot);
      if (options.killAtSeq !== undefined && record.seq >= options.killAtSeq) process.kill(process.pid, 'SIGKILL');
    },
    onStopped: (key) => {
      holding.delete(key);
      grant();
      if (host.size === 0 && queue.length === 0) allDone();
    },
  });
  const show = (key: string, snapshot: AnyMachineSnapshot) => {
    const context = snapshot.context as BlobFetchContext;
    const transfer = (snapshot.value as { transfer: string }).transfer;
    const line = `${key.padEnd(9)} ${transfer.padEnd(10)} attempt ${context.attempt}  ${String(Math.floor(context.progress / 25) * 25).padStart(3)}%${context.message ? `  ${context.message}` : ''}`;
    if (shown.get(key) !== line) options.print(line);
    shown.set(key, line);
  };

  const report = host.recover(opened.recovery);
  if (report.restored.length > 0) options.print(`recovered ${report.restored.length} unfinished actors from ${logDir}`);
  for (const key of report.restored) {
    const value = host.snapshot(key)?.value as { transfer?: string } | undefined;
    if (value?.transfer === 'waiting') queue.push(key);
    else holding.add(key);
  }
  for (const blob of blobs) {
    if (finishedKeys.has(blob.key) || host.has(blob.key)) continue;
    host.deliver(blob.key, 'blobFetch', { type: 'demo.fetchRequested', digest: blob.digest, source: blob.source }, () => ({ ...blob, maxAttempts: 3 }));
    queue.push(blob.key);
  }
  grant();
  if (host.size > 0) await done;
  await log.close();

  const replay = await replayLog(logDir, { registry: machineRegistry, keepSteps: true });
  const outcomes: DemoResult['outcomes'] = {};
  for (const actor of replay.actors) {
    const context = actor.final.context as BlobFetchContext;
    outcomes[actor.key] = { state: formatStateValue(actor.final.value), attempts: context.attempt, progress: context.progress, message: context.message };
  }
  return { logDir, outcomes, replayClean: replay.divergence === undefined };
}
