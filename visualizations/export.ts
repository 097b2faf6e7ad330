// Chart exports for a machine: its config in the form Stately's tools read, and a Mermaid
// stateDiagram-v2.
//
// The config form is what @statelyai/inspect sends for an actor (`@xstate.actor`'s `definition`):
// `JSON.stringify(machine.config)` with every function replaced by `{ type: <its name> }`. Guards,
// actions, actors and delays named in `setup()` stay the strings they are in the source;
// eventless `always` and delayed `after` transitions stay in the states that declare them; an
// inline function (an `assign`, an invoke's `input`, the context factory) becomes its name. XState's
// `createMachine` reads it back as the same states and transitions (test/visualizations), which
// `machine.toJSON()` does not: that is XState's internal definition, and it leaves `always` out.
import type { AnyStateMachine } from 'xstate';

/** As @statelyai/inspect serialises a machine: a function becomes `{ type: <its name> }`. */
function functionsByName(_key: string, value: unknown): unknown {
  return typeof value === 'function' ? { type: value.name } : value;
}

/** The machine's config as JSON, in the form Stately's editor and inspector read. Keys keep their source order. */
export function machineConfigJson(machine: AnyStateMachine): string {
  return `${JSON.stringify(machine.config, functionsByName, 2)}\n`;
}

/** The part of XState's definition JSON that the Mermaid export reads. */
interface DefTransition {
  readonly eventType: string;
  readonly target?: readonly string[];
  readonly guard?: unknown;
  readonly delay?: string | number;
}
interface DefNode {
  readonly id: string;
  readonly key: string;
  readonly type: string;
  readonly order?: number;
  readonly history?: false | 'shallow' | 'deep';
  readonly initial?: { readonly target?: readonly string[] };
  readonly states?: Readonly<Record<string, DefNode>>;
  readonly transitions?: readonly DefTransition[];
  readonly invoke?: ReadonlyArray<{ readonly id: string; readonly src: string }>;
}

/** toJSON's data as plain JSON (the live definition holds StateNode objects), which the Mermaid export walks. */
function plainDefinition(machine: AnyStateMachine): unknown {
  return JSON.parse(JSON.stringify(machine.toJSON())) as unknown;
}

const childrenOf = (node: DefNode): DefNode[] => Object.values(node.states ?? {}).sort((a, b) => (a.order ?? 0) - (b.order ?? 0));

// Mermaid entity codes (#58; is ':') keep its parser away from label text: a ':' or ';' ends a
// label, '#' and '%' start comments, '"' ends a quoted state name.
const escapeText = (text: string): string => text.replace(/\s+/g, ' ').replace(/[#:;"%<>{}]/g, (c) => `#${c.charCodeAt(0)};`);

const segment = (key: string): string => key.replace(/[^A-Za-z0-9_]/g, '_') || '_';

/**
 * Mermaid ids from key paths (`blobFetch.transfer.waiting` → `blobFetch__transfer__waiting`), made
 * unique, and never equal to an id Mermaid generates itself (`root`, `<composite>_start`/`_end`).
 */
function assignIds(nodes: readonly DefNode[], paths: ReadonlyMap<string, readonly string[]>): Map<string, string> {
  const reserved = new Set(['root', 'root_start', 'root_end']);
  for (;;) {
    const ids = new Map<string, string>();
    const used = new Set(reserved);
    for (const node of nodes) {
      let base = (paths.get(node.id) ?? [node.key]).map(segment).join('__');
      // Ids must start with a letter; a leading `default` would lex as Mermaid's keyword.
      if (!/^[A-Za-z]/.test(base) || /^default/i.test(base)) base = `s_${base}`;
      let id = base;
      for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
      used.add(id);
      ids.set(node.id, id);
    }
    const generated = nodes.filter((n) => childrenOf(n).length > 0).flatMap((n) => [`${ids.get(n.id)}_start`, `${ids.get(n.id)}_end`]);
    const clashes = generated.filter((g) => used.has(g) && !reserved.has(g));
    if (clashes.length === 0) return ids;
    for (const c of clashes) reserved.add(c);
  }
}

function guardName(guard: unknown): string | undefined {
  if (typeof guard === 'string') return guard;
  if (guard !== null && typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string') {
    return (guard as { type: string }).type;
  }
  return undefined; // inline guard functions do not survive the JSON round trip
}

function eventLabel(t: DefTransition, owner: DefNode): string {
  const event = t.eventType;
  if (event === '') return 'always'; // xstate 5.33's toJSON leaves `always` out; kept if it ever appears
  if (event.startsWith('xstate.after.')) {
    if (typeof t.delay === 'number') return `after ${t.delay}ms`;
    if (typeof t.delay === 'string') return `after ${t.delay}`;
    return `after ${event.slice('xstate.after.'.length).replace(`.${owner.id}`, '')}`;
  }
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(event);
  if (actor) return `${actor[1]}: ${actor[2]}`;
  if (event.startsWith('xstate.done.state.')) return 'onDone';
  return event;
}

/** Eventless (`always`) transitions: xstate 5.33's toJSON leaves them out, so they are read from the live state node, in the definition's shape. */
function alwaysTransitions(machine: AnyStateMachine, id: string): DefTransition[] {
  const live = machine.getStateNodeById(id) as unknown as { always?: ReadonlyArray<{ target?: ReadonlyArray<{ id: string }>; guard?: unknown }> };
  return (live.always ?? []).map((t) => ({ eventType: '', target: (t.target ?? []).map((node) => `#${node.id}`), guard: t.guard }));
}

function invokeText(inv: { id: string; src: string }): string {
  if (inv.src.startsWith('xstate.invoke.') || inv.src === inv.id) return `invoke ${inv.id}`;
  return `invoke ${inv.src} as ${inv.id}`;
}

export function toMermaid(machine: AnyStateMachine): string {
  const root = plainDefinition(machine) as DefNode;
  const nodes: DefNode[] = [];
  const paths = new Map<string, string[]>();
  const ancestors = new Map<string, DefNode[]>(); // root first, the node itself excluded
  const walk = (node: DefNode, path: string[], chain: DefNode[]): void => {
    nodes.push(node);
    paths.set(node.id, path);
    ancestors.set(node.id, chain);
    for (const child of childrenOf(node)) walk(child, [...path, child.key], [...chain, node]);
  };
  walk(root, [root.key], []);
  const ids = assignIds(nodes, paths);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const mid = (node: DefNode): string => ids.get(node.id) ?? node.id;
  const resolve = (target: string): DefNode | undefined => byId.get(target.replace(/^#/, ''));

  // Each edge goes in the innermost block that declares both ends (for a parallel block: in the
  // source's region), since Mermaid mis-handles references into a region from outside it.
  const edges = new Map<string, string[][]>(); // block node id ('' = top level) → lines per region
  const push = (block: string, section: number, line: string): void => {
    const sections = edges.get(block) ?? [];
    const lines = sections[section] ?? [];
    lines.push(line);
    sections[section] = lines;
    edges.set(block, sections);
  };
  const laterRegion = (node: DefNode): boolean =>
    [...(ancestors.get(node.id) ?? []), node].some((n, i, chain) => {
      const parent = chain[i - 1];
      return parent?.type === 'parallel' && childrenOf(parent)[0] !== n;
    });
  for (const source of nodes) {
    for (const t of [...(source.transitions ?? []), ...alwaysTransitions(machine, source.id)]) {
      const guard = guardName(t.guard);
      const label = escapeText(eventLabel(t, source) + (guard === undefined ? '' : ` [${guard}]`));
      for (const target of (t.target ?? []).map(resolve)) {
        if (target === undefined) continue;
        const line = `${mid(source)} --> ${mid(target)} : ${label}`;
        const a = ancestors.get(source.id) ?? [];
        const b = ancestors.get(target.id) ?? [];
        let depth = 0;
        while (depth < a.length && depth < b.length && a[depth] === b[depth]) depth++;
        const block = a[depth - 1];
        if (block === undefined) {
          // One end is the root composite: drawn at top level unless the other end sits in a
          // later parallel region (Mermaid cannot reference those from outside their parent).
          push('', 0, laterRegion(source) || laterRegion(target) ? `%% not drawn: ${line}` : line);
          continue;
        }
        const onPath = a[depth] ?? source;
        const parallel = block.type === 'parallel';
        // Between two regions of one parallel state: Mermaid would misplace the later region's end.
        const crosses = parallel && (b[depth] ?? target) !== onPath;
        push(block.id, parallel ? Math.max(0, childrenOf(block).indexOf(onPath)) : 0, crosses ? `%% not drawn: ${line}` : line);
      }
    }
  }

  const render = (node: DefNode, pad: string): string[] => {
    const kids = childrenOf(node);
    const invokes = (node.invoke ?? []).map(invokeText);
    const name = node.type === 'history' ? `${node.key} (H${node.history === 'deep' ? '*' : ''})` : node.key;
    if (kids.length === 0) {
      return [`${pad}state "${escapeText(name)}" as ${mid(node)}`, ...invokes.map((text) => `${pad}${mid(node)} : ${escapeText(text)}`)];
    }
    // Mermaid rejects description lines on a composite state: its invokes join the label.
    const lines = [`${pad}state "${escapeText([name, ...invokes].join(' / '))}" as ${mid(node)} {`];
    const inner = `${pad}  `;
    const sections = node.type === 'parallel' ? kids.map((k) => [k]) : [kids];
    sections.forEach((section, i) => {
      if (i > 0) lines.push(`${inner}--`);
      if (node.type !== 'parallel') {
        for (const target of (node.initial?.target ?? []).map(resolve)) {
          if (target !== undefined) lines.push(`${inner}[*] --> ${mid(target)}`);
        }
      }
      for (const kid of section) lines.push(...render(kid, inner));
      for (const line of edges.get(node.id)?.[i] ?? []) lines.push(`${inner}${line}`);
      for (const kid of section) if (kid.type === 'final') lines.push(`${inner}${mid(kid)} --> [*]`);
    });
    lines.push(`${pad}}`);
    return lines;
  };

  const top = edges.get('')?.[0] ?? [];
  return ['stateDiagram-v2', ...render(root, '  '), `  [*] --> ${mid(root)}`, ...top.map((l) => `  ${l}`), ''].join('\n');
}
