// A log's records as actor items: `kruised replay --inspect` and `kruised inspect --log` fold the log
// through today's machines (engine/replay.ts, no effects run) and take, at every record, the
// snapshot the machine reached. The records on disk were redacted when written; the items pass the
// same redaction again (a snapshot is recomputed, not read), so nothing the log would hide leaves.
import { createRedactor, type Redactor } from '../engine/log/redact.js';
import type { LogRecord } from '../engine/log/record.js';
import { replayLog, type ReplayResult } from '../engine/replay.js';
import { snapshotHash } from '../engine/snapshot-hash.js';
import type { MachineRegistry } from '../machines/registry-types.js';
import { type ActorItem, plainSnapshot, redactItem } from './actor-items.js';

export interface LogItems {
  /** In log order; a replay that diverged stops at the divergence. */
  readonly items: ActorItem[];
  readonly result: ReplayResult;
}

export interface LogItemOptions {
  readonly registry: MachineRegistry;
  /** Only this key's actors. */
  readonly key?: string;
  readonly redact?: Redactor;
}

export async function readLogItems(path: string, options: LogItemOptions): Promise<LogItems> {
  const redact = options.redact ?? createRedactor();
  const items: ActorItem[] = [];
  const open = new Set<string>();
  const onFolded = (record: LogRecord, snapshot: Parameters<typeof plainSnapshot>[0]): void => {
    const base = { key: record.key, machine: record.machine, version: record.version, time: record.time };
    let item: ActorItem | undefined;
    switch (record.kind) {
      case 'spawn':
        open.add(record.key);
        item = { ...base, type: 'spawn', seq: record.seq, input: record.event, snapshot: plainSnapshot(snapshot) };
        break;
      case 'event':
      case 'internal':
        item = {
          ...base,
          type: 'step',
          seq: record.seq,
          kind: record.kind,
          event: record.event,
          snapshot: plainSnapshot(snapshot),
          matches: record.state === undefined || record.state === snapshotHash(snapshot),
        };
        break;
      case 'stop': {
        open.delete(record.key);
        const { reason, error } = (record.event ?? {}) as { reason?: string; error?: unknown };
        item = { ...base, type: 'stop', seq: record.seq, reason: reason ?? '?', ...(error === undefined ? {} : { error }) };
        break;
      }
      default:
        // Any other kind that starts a history (a checkpoint whose spawn was collected) shows the actor as found there.
        if (!open.has(record.key)) {
          open.add(record.key);
          item = { ...base, type: 'running', snapshot: plainSnapshot(snapshot) };
        }
    }
    if (item) items.push(redactItem(redact, item));
  };
  const result = await replayLog(path, { registry: options.registry, keepSteps: false, onFolded, ...(options.key === undefined ? {} : { key: options.key }) });
  return { items, result };
}
