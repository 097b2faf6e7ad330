// A simulated clock for the nodeImageStatus machine, with no live actor and no effect: the machine
// is folded through XState's pure transitions. Timers the machine schedules are kept with their
// deadlines and fired as `xstate.after.*` events when the test moves the clock past them; a write
// the machine starts is answered by the test with the outcome it chooses.
import { initialTransition, transition, type EventObject } from 'xstate';
import { nodeImageStatusMachine } from '../../../machines/image-pull/node-image-status.machine.js';
import type { NodeImageStatusEmitted, StatusWriteOutcome } from '../../../machines/image-pull/types.js';
import { UPSTREAM_BUDGET, type StatusWriteBudget, type WriteUrgency } from '../../../machines/image-pull/write-budget.js';

export type PublisherSnapshot = ReturnType<typeof nodeImageStatusMachine.transition>;
type Action = ReturnType<typeof transition>[1][number];

interface Timer {
  readonly id: string;
  readonly event: EventObject;
  readonly deadline: number;
}

/** `holding.announcing` for `{ holding: 'announcing' }`. */
export function stateOf(snapshot: PublisherSnapshot): string {
  const value = snapshot.value as unknown;
  if (typeof value === 'string') return value;
  const [[parent, child]] = Object.entries(value as Record<string, string>) as [[string, string]];
  return `${parent}.${child}`;
}

export class PublisherRun {
  snapshot: PublisherSnapshot;
  now: number;
  private readonly timers = new Map<string, Timer>();
  /** Every write started: when, and its number. */
  readonly writes: Array<{ at: number; write: number }> = [];
  readonly emitted: NodeImageStatusEmitted[] = [];
  /** Every state entered, in order (transient ones included when they were the result of a step). */
  readonly states: string[] = [];

  constructor(start: number, budget: Partial<StatusWriteBudget> = {}) {
    this.now = start;
    const [snapshot, actions] = initialTransition(nodeImageStatusMachine, { budget: { ...UPSTREAM_BUDGET, ...budget } });
    this.snapshot = snapshot;
    this.track(actions);
  }

  get state(): string {
    return stateOf(this.snapshot);
  }

  get context() {
    return this.snapshot.context;
  }

  /** Whether a write is running (the statusWrite child is alive). */
  get writing(): boolean {
    return this.state === 'writing';
  }

  send(event: EventObject & Record<string, unknown>): this {
    const [snapshot, actions] = transition(nodeImageStatusMachine, this.snapshot, event as never);
    this.snapshot = snapshot;
    for (const [id, timer] of this.timers) if (timer.event.type === event.type) this.timers.delete(id);
    this.track(actions);
    return this;
  }

  changed(urgency: WriteUrgency): this {
    return this.send({ type: 'engine.statusChanged', urgency, at: this.now });
  }

  flush(): this {
    return this.send({ type: 'engine.flush', at: this.now });
  }

  gone(): this {
    return this.send({ type: 'k8s.nodeImageGone', at: this.now });
  }

  /** Ends the running write with `outcome` (`retryAfterMs` as the effect would draw it). */
  answer(outcome: StatusWriteOutcome, retryAfterMs = 4_000): this {
    if (!this.writing) throw new Error(`no write is running (state ${this.state})`);
    return this.send({ type: 'xstate.done.actor.statusWrite', output: { at: this.now, outcome, retryAfterMs } } as never);
  }

  /** Moves the simulated clock forward, firing due timers in deadline order. */
  advance(ms: number): this {
    const target = this.now + ms;
    for (;;) {
      const due = [...this.timers.values()].filter((t) => t.deadline <= target).sort((a, b) => a.deadline - b.deadline)[0];
      if (!due) break;
      this.timers.delete(due.id);
      this.now = due.deadline;
      this.send(due.event);
    }
    this.now = target;
    return this;
  }

  /** Deadlines of the timers pending now. */
  pendingTimers(): number[] {
    return [...this.timers.values()].map((t) => t.deadline).sort((a, b) => a - b);
  }

  private track(actions: readonly Action[]): void {
    this.states.push(this.state);
    for (const action of actions) {
      const params = (action as unknown as { params?: Record<string, unknown> }).params ?? {};
      if (action.type === 'xstate.raise' && typeof params.delay === 'number' && params.event && typeof params.id === 'string') {
        this.timers.set(params.id, { id: params.id, event: params.event as EventObject, deadline: this.now + params.delay });
      } else if (action.type === 'xstate.cancel' && typeof params.sendId === 'string') {
        this.timers.delete(params.sendId);
      } else if (action.type === 'xstate.spawnChild' && params.id === 'statusWrite') {
        this.writes.push({ at: this.now, write: (params.input as { write: number }).write });
      } else if (action.type === 'xstate.emit') {
        this.emitted.push(params.event as NodeImageStatusEmitted);
      }
    }
  }
}
