// A checkpoint record's body: everything recovery and replay need to start an actor incarnation
// at this point instead of at its spawn. After a checkpoint, the incarnation's older records are
// no longer needed for recovery, so the segments that hold only those may be collected
// (segment-book.ts). The host writes one for each live actor whose history would otherwise pin
// old segments (host.ts, on segment rotation), and on request (`ActorHost.checkpoint`).
import type { EventObject } from 'xstate';

export interface CheckpointTimer {
  /** XState's send id: `xstate.after.<delay>.<state>` for `after`, the given id for a delayed raise. */
  readonly id: string;
  readonly event: EventObject;
  /** Absolute time (ms, the host's clock) at which the live actor would receive the event. */
  readonly deadline: number;
}

export interface CheckpointBody {
  /** The seq of the incarnation's spawn record: the incarnation is `key@spawnSeq`, whether or not its spawn is still on disk. */
  readonly spawnSeq: number;
  /** The spawn input, so a history that starts here is whole (the pure stepper is built with it). */
  readonly input: unknown;
  /** `machine.getPersistedSnapshot()` of the live actor after every earlier record of it. */
  readonly snapshot: unknown;
  /** The delayed events the actor has pending for itself, with their deadlines. */
  readonly timers: readonly CheckpointTimer[];
}

export function checkpointBody(event: unknown): CheckpointBody {
  const body = event as Partial<CheckpointBody> | null;
  if (typeof body !== 'object' || body === null || typeof body.spawnSeq !== 'number' || typeof body.snapshot !== 'object' || !Array.isArray(body.timers)) {
    throw new Error('checkpoint record has no spawnSeq, snapshot and timers');
  }
  return body as CheckpointBody;
}
