// What the host writes into a checkpoint record for one live actor: its persisted snapshot, its
// spawn input and seq, and the delayed events it has pending for itself with absolute deadlines.
// XState keeps scheduled events in its system snapshot but stamps them with Date.now(), not the
// actor's clock, so the host remembers each one's deadline on the engine clock when it is
// scheduled (xstate-taps.ts); timers that recovery re-armed are not in XState's scheduler at all
// and come from the host's own table.
import type { AnyActorRef } from 'xstate';
import type { CheckpointBody, CheckpointTimer } from './log/checkpoint.js';
import { toLoggable } from './loggable.js';

export interface CheckpointSource {
  readonly actor: AnyActorRef;
  /** The spawn input in its logged form, and the spawn record's seq. */
  readonly input: unknown;
  readonly spawnSeq: number;
  /** Deadline on the engine clock of each self-scheduled delayed event, by send id (may hold fired ones). */
  readonly deadlines: Map<string, number>;
  /** Timers recovery re-armed, still pending. */
  readonly recovered: Iterable<CheckpointTimer>;
}

export function captureCheckpoint(source: CheckpointSource, now: number): CheckpointBody {
  const { actor, deadlines } = source;
  const timers: CheckpointTimer[] = [];
  const pending = new Set<string>();
  for (const scheduled of Object.values(actor.system.getSnapshot()._scheduledEvents)) {
    if (scheduled.source !== actor || scheduled.target !== actor) continue;
    pending.add(scheduled.id);
    timers.push({
      id: scheduled.id,
      event: toLoggable(scheduled.event) as CheckpointTimer['event'],
      deadline: deadlines.get(scheduled.id) ?? now + scheduled.delay,
    });
  }
  // Forget the deadlines of events that fired: the table holds what is pending, no more.
  for (const id of deadlines.keys()) if (!pending.has(id)) deadlines.delete(id);
  for (const timer of source.recovered) if (!pending.has(timer.id)) timers.push(timer);
  return { spawnSeq: source.spawnSeq, input: source.input, snapshot: toLoggable(actor.getPersistedSnapshot()), timers };
}
