// What a chart shows of a machine, as plain data read from its state nodes: every state (type,
// initial, description, invocations, entry and exit actions) and every transition (the event,
// eventless `always` and delayed `after` ones included, with targets, guard and actions by name).
// Two machines with equal shapes draw the same chart: the chart test compares a live machine with
// the one `createMachine` builds from its exported config.
import type { AnyStateMachine } from 'xstate';

export interface StateShape {
  readonly id: string;
  readonly type: string;
  readonly initial: readonly string[];
  readonly history: string | false;
  readonly description: string | undefined;
  /** `id <- src` per invocation. */
  readonly invoke: readonly string[];
  readonly entry: readonly string[];
  readonly exit: readonly string[];
}

export interface TransitionShape {
  readonly source: string;
  /** The event type: '' for an eventless (`always`) transition, `xstate.after.<delay>.<state>` for a delayed one. */
  readonly event: string;
  readonly targets: readonly string[];
  readonly guard: string | undefined;
  readonly actions: readonly string[];
  readonly reenter: boolean;
}

export interface ChartShape {
  readonly id: string;
  readonly states: readonly StateShape[];
  readonly transitions: readonly TransitionShape[];
}

/**
 * The name an action, guard or delay is known by: a string as written; an object's `type` (a
 * parameterised action or guard, or a function as the exported config names it); a function's name.
 */
export function implementationName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'function') return value.name;
  if (value !== null && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string') return (value as { type: string }).type;
  return String(value);
}

/** The parts of XState's StateNode (and its transition definitions) a chart shows. */
interface NodeView {
  readonly id: string;
  readonly type: string;
  readonly history: string | false;
  readonly description?: string;
  readonly states: Readonly<Record<string, NodeView>>;
  readonly initial?: { readonly target: readonly { readonly id: string }[] };
  readonly invoke: readonly { readonly id: string; readonly src: unknown }[];
  readonly entry: readonly unknown[];
  readonly exit: readonly unknown[];
  readonly transitions: ReadonlyMap<string, readonly TransitionView[]>;
  readonly always?: readonly TransitionView[];
}
interface TransitionView {
  readonly eventType: string;
  readonly target?: readonly { readonly id: string }[];
  readonly guard?: unknown;
  readonly actions: readonly unknown[];
  readonly reenter: boolean;
}

export function chartShape(machine: AnyStateMachine): ChartShape {
  const states: StateShape[] = [];
  const transitions: TransitionShape[] = [];
  const transitionShape = (source: string, t: TransitionView): TransitionShape => ({
    source,
    event: t.eventType,
    targets: (t.target ?? []).map((n) => n.id),
    guard: t.guard === undefined ? undefined : implementationName(t.guard),
    actions: t.actions.map(implementationName),
    reenter: t.reenter,
  });
  const walk = (node: NodeView): void => {
    states.push({
      id: node.id,
      type: node.type,
      initial: (node.initial?.target ?? []).map((n) => n.id),
      history: node.history,
      description: node.description,
      invoke: node.invoke.map((i) => `${i.id} <- ${implementationName(i.src)}`),
      entry: node.entry.map(implementationName),
      exit: node.exit.map(implementationName),
    });
    for (const list of node.transitions.values()) for (const t of list) transitions.push(transitionShape(node.id, t));
    for (const t of node.always ?? []) transitions.push(transitionShape(node.id, t));
    for (const child of Object.values(node.states)) walk(child);
  };
  walk(machine.root as unknown as NodeView);
  return { id: machine.id, states, transitions };
}
