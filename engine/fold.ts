// The pure fold: one actor incarnation rebuilt from its log records through XState's pure
// `initialTransition()` / `transition()`. No actor is started and no effect runs. Recovery uses
// the resulting snapshot and pending timers; replay uses each step's from/to states and compares
// the recomputed snapshot hash with the one the log recorded. A fold starts at the spawn record,
// or at a checkpoint record (its persisted snapshot restored, its timers taken as pending).
import { initialTransition, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';
import { checkpointBody } from './log/checkpoint.js';
import type { LogRecord } from './log/record.js';
import { snapshotHash } from './snapshot-hash.js';
import { PureStepper, type ExecutableAction } from './xstate-pure.js';

export interface FoldStep {
  readonly record: LogRecord;
  readonly from: unknown;
  readonly to: unknown;
  readonly hash: string;
  /** False when the log recorded a different hash than today's machine produced. */
  readonly matches: boolean;
}

export interface PendingDelayedEvent {
  readonly id: string;
  readonly event: EventObject;
  /** Absolute time (ms) at which the live actor would have received the event. */
  readonly deadline: number;
}

export class ActorFold {
  private current: AnyMachineSnapshot;
  private readonly stepper: PureStepper;
  private readonly timers = new Map<string, PendingDelayedEvent>();
  readonly firstStep: FoldStep;

  /** Starts at `first`: a spawn record, or a checkpoint record. */
  constructor(machine: AnyStateMachine, first: LogRecord) {
    if (first.kind === 'checkpoint') {
      const body = checkpointBody(first.event);
      this.stepper = new PureStepper(machine, body.input);
      this.current = this.stepper.restore(body.snapshot);
      for (const timer of body.timers) this.timers.set(timer.id, timer);
    } else {
      const [snapshot, actions] = initialTransition(machine, first.event);
      this.stepper = new PureStepper(machine, first.event);
      this.current = snapshot;
      this.track(actions as ExecutableAction[], first.time);
    }
    const hash = snapshotHash(this.current);
    this.firstStep = { record: first, from: null, to: this.current.value, hash, matches: first.state === undefined || first.state === hash };
  }

  /** True when the fold started at a checkpoint rather than at the spawn. */
  get fromCheckpoint(): boolean {
    return this.firstStep.record.kind === 'checkpoint';
  }

  get snapshot(): AnyMachineSnapshot {
    return this.current;
  }

  /** Delayed events scheduled and neither delivered nor cancelled, earliest first. */
  pendingTimers(): PendingDelayedEvent[] {
    return [...this.timers.values()].sort((a, b) => a.deadline - b.deadline);
  }

  apply(record: LogRecord): FoldStep {
    const event = record.event as EventObject;
    const from = this.current.value;
    const [next, actions] = this.stepper.step(this.current, event);
    this.current = next;
    for (const [id, timer] of this.timers) if (timer.event.type === event.type) this.timers.delete(id);
    this.track(actions as ExecutableAction[], record.time);
    const hash = snapshotHash(next);
    return { record, from, to: next.value, hash, matches: record.state === undefined || record.state === hash };
  }

  private track(actions: readonly ExecutableAction[], time: number): void {
    for (const action of actions) {
      const params = action.params as { id?: string; sendId?: string; delay?: number; event?: EventObject } | undefined;
      if (action.type === 'xstate.raise' && params?.delay !== undefined && params.event && params.id) {
        this.timers.set(params.id, { id: params.id, event: params.event, deadline: time + params.delay });
      } else if (action.type === 'xstate.cancel' && params?.sendId) {
        this.timers.delete(params.sendId);
      }
    }
  }
}
