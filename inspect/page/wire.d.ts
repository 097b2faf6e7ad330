// What crosses the wire between kruised's processes and the inspector page: types only, shared by
// the Node side (tsconfig.json) and the page (inspect/page/tsconfig.json, DOM), so a declaration
// file that neither compiler emits.

/** A snapshot as plain JSON, redacted: what leaves the daemon of an actor's state. */
export interface PlainSnapshot {
  readonly status: 'active' | 'done' | 'error' | 'stopped';
  readonly value: unknown;
  readonly context: unknown;
  readonly output?: unknown;
  readonly error?: unknown;
  /** Ids of the actor's live children (its effects in flight). */
  readonly children: readonly string[];
}

interface ItemBase {
  readonly key: string;
  readonly machine: string;
  readonly version: string;
  /** Milliseconds since the epoch: the record's time, or when the observation was made. */
  readonly time: number;
}

/** An actor created (its spawn record). */
export interface SpawnItem extends ItemBase {
  readonly type: 'spawn';
  readonly seq: number;
  readonly input: unknown;
  readonly snapshot: PlainSnapshot;
}

/** An actor that was alive when the observation began (recovered, or running before a client connected). */
export interface RunningItem extends ItemBase {
  readonly type: 'running';
  readonly snapshot: PlainSnapshot;
}

/** One event or internal record and the snapshot it led to. */
export interface StepItem extends ItemBase {
  readonly type: 'step';
  readonly seq: number;
  readonly kind: 'event' | 'internal';
  readonly event: unknown;
  readonly snapshot: PlainSnapshot;
  /** False when today's machine reached another snapshot than the log recorded (replays only). */
  readonly matches?: boolean;
}

/** An actor ended: done (final state), error, or released by the host. */
export interface StopItem extends ItemBase {
  readonly type: 'stop';
  readonly seq?: number;
  readonly reason: string;
  readonly error?: unknown;
}

export type ActorItem = SpawnItem | RunningItem | StepItem | StopItem;

export type ChartNodeType = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

export interface ChartNode {
  /** Keys from the root joined by '.', '' for the root. */
  readonly path: string;
  readonly key: string;
  readonly type: ChartNodeType;
  /** The initial child's path (compound states). */
  readonly initial?: string;
  readonly description?: string;
  /** The effects a state invokes, by source name (`criPullImage`). */
  readonly invokes: readonly string[];
  /** Transitions that change no state (only actions), by label: drawn inside the state. */
  readonly selfEvents: readonly string[];
  readonly children: readonly ChartNode[];
}

export type ChartEdgeKind = 'event' | 'always' | 'after' | 'done' | 'error' | 'onDone';

export interface ChartEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly kind: ChartEdgeKind;
  /** What triggers it: the event type, `after <delay>`, `done: <invoke id>`, `always`. */
  readonly label: string;
  readonly guard?: string;
  readonly actions: readonly string[];
}

export interface ChartGraph {
  readonly machine: string;
  readonly version: string | undefined;
  readonly description?: string;
  readonly root: ChartNode;
  readonly edges: readonly ChartEdge[];
}

/** One step of an actor's timeline as the page shows it. */
export interface StepView {
  /** The log record's sequence number; null for an observation that has none (a running actor). */
  readonly seq: number | null;
  readonly time: number;
  readonly kind: 'spawn' | 'running' | 'event' | 'internal' | 'stop';
  /** `k8s.crrsObserved`, `after retryBackoff`, `done: writeCrrStatus`, `spawn`, `stop (done)`. */
  readonly label: string;
  readonly event: unknown;
  readonly status: string;
  /** The state value after the step, compact (`killing.preStop`, `a.b|c.d` for parallel regions). */
  readonly state: string;
  /** Paths of the active states after the step (chart-graph.ts activePaths). */
  readonly active: readonly string[];
  readonly context: unknown;
  /** False when today's machine reached another snapshot than the log recorded. */
  readonly matches: boolean;
}

export interface ActorView {
  /** Unique per incarnation: the key, with `#<spawn seq>` when the key had an earlier one. */
  readonly id: string;
  readonly key: string;
  readonly machine: string;
  readonly version: string;
  readonly steps: StepView[];
}

export type SourceView =
  | { readonly kind: 'log'; readonly path: string; readonly records: number; readonly clean: boolean; readonly note?: string }
  | { readonly kind: 'daemon'; readonly addr: string; readonly node?: string; readonly connected: boolean; readonly note?: string };

/** GET /api/view: everything the page shows, at once. */
export interface PageView {
  readonly source: SourceView;
  readonly machines: Readonly<Record<string, ChartGraph>>;
  readonly actors: readonly ActorView[];
}

/** What /api/events (server-sent events) carries after the view was loaded. */
export type PageUpdate =
  | { readonly type: 'actor'; readonly actor: ActorView }
  | { readonly type: 'step'; readonly id: string; readonly step: StepView }
  | { readonly type: 'machine'; readonly graph: ChartGraph }
  | { readonly type: 'source'; readonly source: SourceView }
  /** The model was rebuilt (the daemon stream reconnected): load /api/view again. */
  | { readonly type: 'reset' };
