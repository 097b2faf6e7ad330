// A machine's chart as plain data for the inspector page: the state tree (type, initial child,
// description, invocations, transitions without a target) and every transition with a target as
// an edge, labelled as an operator reads it (`k8s.crrsObserved`, `after retryBackoff`,
// `done: writeCrrStatus`, `always`). It is read from XState's own state nodes, so targets are
// resolved by XState; the page only lays the graph out and draws it. States are named by their
// path below the root (`writingAndInspecting.write.running`, '' for the root), which is also how
// a snapshot's value names them (activePaths).
import type { AnyStateMachine } from 'xstate';
import type { ChartEdge, ChartEdgeKind, ChartGraph, ChartNode, ChartNodeType } from './page/wire.js';

export type { ChartEdge, ChartGraph, ChartNode };

/** The parts of XState's StateNode a chart reads (xstate 5's public StateNode fields). */
interface NodeView {
  readonly id: string;
  readonly key: string;
  readonly path: readonly string[];
  readonly type: ChartNodeType;
  readonly description?: string;
  readonly states: Readonly<Record<string, NodeView>>;
  readonly initial?: { readonly target: readonly NodeView[] };
  readonly invoke: readonly { readonly id: string; readonly src: unknown }[];
  readonly transitions: ReadonlyMap<string, readonly TransitionView[]>;
  readonly always?: readonly TransitionView[];
}
interface TransitionView {
  readonly eventType: string;
  readonly target?: readonly NodeView[];
  readonly guard?: unknown;
  readonly actions: readonly unknown[];
  readonly delay?: unknown;
}

/** A guard's, action's or source's name: a string as written, an object's `type`, a function's name. */
function nameOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'function') return value.name || 'inline';
  if (value !== null && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string') return (value as { type: string }).type;
  return 'inline';
}

function trigger(t: TransitionView, owner: NodeView): { kind: ChartEdgeKind; label: string } {
  const event = t.eventType;
  if (event === '') return { kind: 'always', label: 'always' };
  if (event.startsWith('xstate.after.')) {
    const delay = typeof t.delay === 'number' || /^\d+$/.test(String(t.delay)) ? `${String(t.delay)} ms` : String(t.delay ?? '');
    return { kind: 'after', label: `after ${delay || event.slice('xstate.after.'.length).replace(`.${owner.id}`, '')}` };
  }
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(event);
  if (actor) return { kind: actor[1] === 'done' ? 'done' : 'error', label: `${actor[1]}: ${actor[2]}` };
  if (event.startsWith('xstate.done.state.')) return { kind: 'onDone', label: 'onDone' };
  return { kind: 'event', label: event };
}

/** The chart of a machine: its state tree and its edges, in document order. */
export function chartGraph(machine: AnyStateMachine): ChartGraph {
  const edges: ChartEdge[] = [];
  const pathOf = (node: NodeView): string => node.path.join('.');
  const walk = (node: NodeView): ChartNode => {
    const selfEvents: string[] = [];
    const transitions = [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
    for (const t of transitions) {
      const { kind, label } = trigger(t, node);
      const guard = t.guard === undefined ? undefined : nameOf(t.guard);
      const targets = t.target ?? [];
      if (targets.length === 0) {
        selfEvents.push(guard === undefined ? label : `${label} [${guard}]`);
        continue;
      }
      for (const target of targets) {
        edges.push({
          id: `e${edges.length}`,
          source: pathOf(node),
          target: pathOf(target),
          kind,
          label,
          ...(guard === undefined ? {} : { guard }),
          actions: t.actions.map(nameOf),
        });
      }
    }
    const children = Object.values(node.states).map(walk);
    const initial = node.initial?.target[0];
    return {
      path: pathOf(node),
      key: node.key,
      type: node.type,
      ...(initial && node.type === 'compound' ? { initial: pathOf(initial) } : {}),
      ...(node.description ? { description: node.description } : {}),
      invokes: node.invoke.map((i) => nameOf(i.src)),
      selfEvents,
      children,
    };
  };
  const root = walk(machine.root as unknown as NodeView);
  return {
    machine: machine.id,
    version: machine.version,
    ...(machine.config.description ? { description: machine.config.description } : {}),
    root,
    edges,
  };
}

/**
 * The paths of the states a snapshot's value makes active, parents before children, the root ('')
 * first: `{ a: { b: 'c' }, d: 'e' }` gives '', 'a', 'a.b', 'a.b.c', 'd', 'd.e'.
 */
export function activePaths(value: unknown): string[] {
  const out = [''];
  const walk = (v: unknown, prefix: string): void => {
    if (typeof v === 'string') {
      out.push(prefix === '' ? v : `${prefix}.${v}`);
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    for (const [key, inner] of Object.entries(v)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      out.push(path);
      walk(inner, path);
    }
  };
  walk(value, '');
  return out;
}
