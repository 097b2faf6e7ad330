// A pure stepper for one actor incarnation. XState's public `transition()` builds a throwaway
// actor on every call, and that actor computes the machine's initial snapshot each time; folding
// a long history that way spends a third of its time there. The stepper builds the inert actor
// scope once per incarnation and reuses it, exactly as `transition()` does internally.
// It relies on `Actor._actorScope` and `logic.transition(snapshot, event, scope)`, internals of
// xstate 5.33 (pinned in package.json); test/engine covers that it agrees with `transition()`.
import { createActor, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';

export interface ExecutableAction {
  readonly type: string;
  readonly params?: unknown;
}

interface InertScope {
  actionExecutor: (action: ExecutableAction) => void;
}

export class PureStepper {
  private actions: ExecutableAction[] = [];
  private readonly scope: InertScope;

  constructor(
    private readonly machine: AnyStateMachine,
    input: unknown,
  ) {
    const actor = createActor(machine, { input }) as unknown as { _actorScope: InertScope };
    this.scope = actor._actorScope;
    this.scope.actionExecutor = (action) => void this.actions.push(action);
  }

  /** The snapshot a persisted one (from a checkpoint) stands for, its children restored inert in this scope. */
  restore(persisted: unknown): AnyMachineSnapshot {
    return this.machine.restoreSnapshot(persisted as never, this.scope as never) as AnyMachineSnapshot;
  }

  step(snapshot: AnyMachineSnapshot, event: EventObject): [AnyMachineSnapshot, ExecutableAction[]] {
    this.actions = [];
    const next = this.machine.transition(snapshot, event, this.scope as never) as AnyMachineSnapshot;
    return [next, this.actions];
  }
}
