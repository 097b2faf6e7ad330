// Actor items: what the inspectors (Stately's, and kruised's own page) are told about actors, built
// from a live host's hooks or from a replayed log (page/wire.d.ts has the shapes). Every item is
// plain JSON and passes the event log's redaction before it leaves the process: a value under a
// sensitive key (`password`, `auth`, `.dockerconfigjson`, …) and every value registered as secret
// are cut out, exactly as from a record written to the log.
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import type { Redactor } from '../engine/log/redact.js';
import { toLoggable } from '../engine/loggable.js';
import type { ActorItem, PlainSnapshot, RunningItem } from './page/wire.js';

export type { ActorItem, PlainSnapshot, RunningItem };

/** A snapshot as plain data: status, value, context, output or error, and its live children's ids. */
export function plainSnapshot(snapshot: AnyMachineSnapshot): PlainSnapshot {
  const { status, value, context, output, error } = snapshot as AnyMachineSnapshot & { error?: unknown };
  return {
    status,
    value,
    context: toLoggable(context),
    ...(output === undefined ? {} : { output: toLoggable(output) }),
    ...(error === undefined ? {} : { error: toLoggable(error instanceof Error ? error : new Error(String(error))) }),
    children: Object.keys(snapshot.children ?? {}),
  };
}

/** The item as the log's redaction leaves it (the redactor scrubs a record's `event`: the item rides there). */
export function redactItem<T extends ActorItem>(redact: Redactor, item: T): T {
  return redact({ seq: 0, time: item.time, key: '', machine: '', version: '', kind: 'event', event: item }).event as T;
}

/** As @statelyai/inspect serialises a machine's definition: functions become `{ type: <name> }`. */
function functionsByName(_key: string, value: unknown): unknown {
  return typeof value === 'function' ? { type: value.name } : value;
}

/**
 * A machine's config in the form Stately's tools read (what @statelyai/inspect sends as an actor's
 * definition, and visualizations/<id>.json holds), as a plain object: the daemon serves it so a
 * `kruised inspect` of another build draws the daemon's own machines.
 */
export function machineDefinition(machine: AnyStateMachine): Record<string, unknown> {
  return JSON.parse(JSON.stringify(machine.config, functionsByName)) as Record<string, unknown>;
}

/** How a timeline names a record: `spawn`, `after retryBackoff`, `done: writeCrrStatus`, `stop (done)`, the event type. */
export function stepLabel(item: ActorItem): string {
  switch (item.type) {
    case 'spawn':
      return 'spawn';
    case 'running':
      return 'observed running';
    case 'stop':
      return `stop (${item.reason})`;
    case 'step': {
      const type = (item.event as { type?: unknown } | null)?.type;
      if (typeof type !== 'string') return '?';
      const after = /^xstate\.after\.([^.]+)\./.exec(type);
      if (after) return `after ${after[1]}`;
      const settled = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type);
      if (settled) return `${settled[1]}: ${settled[2]}`;
      return type;
    }
  }
}
