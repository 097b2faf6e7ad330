// What `kruised inspect` shows, built from actor items (page/wire.d.ts): each actor incarnation with
// its timeline of steps (label, state value, active state paths, context), and each machine's chart.
// A log is read whole; a daemon's stream is applied item by item, each item giving the page updates
// it needs. Memory is bounded for a daemon followed for days: each timeline keeps its last
// MAX_STEPS steps, and only the last MAX_FINISHED finished actors are kept.
import { formatStateValue } from '../engine/snapshot-hash.js';
import { type ActorItem, stepLabel } from './actor-items.js';
import { activePaths } from './chart-graph.js';
import type { ActorView, ChartGraph, PageUpdate, PageView, SourceView, StepView } from './page/wire.js';

export const MAX_STEPS = 2000;
export const MAX_FINISHED = 300;

interface ActorState extends ActorView {
  open: boolean;
}

export class PageModel {
  private readonly actors: ActorState[] = [];
  /** The open incarnation of each key. */
  private readonly open = new Map<string, ActorState>();
  private readonly incarnations = new Map<string, number>();
  private readonly machines = new Map<string, ChartGraph>();

  constructor(private source: SourceView) {}

  setSource(source: SourceView): PageUpdate {
    this.source = source;
    return { type: 'source', source };
  }

  setMachine(graph: ChartGraph): PageUpdate {
    this.machines.set(graph.machine, graph);
    return { type: 'machine', graph };
  }

  view(): PageView {
    return { source: this.source, machines: Object.fromEntries(this.machines), actors: this.actors.map(({ open: _open, ...actor }) => actor) };
  }

  /** Applies one item; returns what a page already showing the model must be told. */
  apply(item: ActorItem): PageUpdate[] {
    const current = this.open.get(item.key);
    if (item.type === 'spawn' || (!current && (item.type === 'running' || item.type === 'step'))) {
      if (current) this.close(current);
      const actor = this.start(item);
      const step = this.stepOf(item, undefined);
      if (step) actor.steps.push(step);
      return [{ type: 'actor', actor: this.publicView(actor) }];
    }
    if (!current) return []; // a stop of an actor this model never saw start
    if (item.type === 'running' && formatStateValue(item.snapshot.value) === current.steps.at(-1)?.state) return []; // a resync that changes nothing
    const step = this.stepOf(item, current.steps.at(-1));
    if (!step) return [];
    current.steps.push(step);
    if (current.steps.length > MAX_STEPS) current.steps.splice(0, current.steps.length - MAX_STEPS);
    if (item.type === 'stop') this.close(current);
    return [{ type: 'step', id: current.id, step }];
  }

  private start(item: ActorItem): ActorState {
    const seen = this.incarnations.get(item.key) ?? 0;
    this.incarnations.set(item.key, seen + 1);
    const id = seen === 0 ? item.key : `${item.key}#${'seq' in item && item.seq !== undefined ? item.seq : seen + 1}`;
    const actor: ActorState = { id, key: item.key, machine: item.machine, version: item.version, steps: [], open: true };
    this.actors.push(actor);
    this.open.set(item.key, actor);
    return actor;
  }

  private close(actor: ActorState): void {
    actor.open = false;
    if (this.open.get(actor.key) === actor) this.open.delete(actor.key);
    const finished = this.actors.filter((a) => !a.open);
    for (const old of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED))) this.actors.splice(this.actors.indexOf(old), 1);
  }

  private publicView(actor: ActorState): ActorView {
    const { open: _open, ...view } = actor;
    return view;
  }

  private stepOf(item: ActorItem, previous: StepView | undefined): StepView | undefined {
    const base = { seq: 'seq' in item && item.seq !== undefined ? item.seq : null, time: item.time, label: stepLabel(item) };
    if (item.type === 'stop') {
      const status = item.reason === 'done' ? 'done' : item.reason === 'error' ? 'error' : 'stopped';
      return {
        ...base,
        kind: 'stop',
        event: { reason: item.reason, ...(item.error === undefined ? {} : { error: item.error }) },
        status,
        state: previous?.state ?? '',
        active: previous?.active ?? [],
        context: previous?.context ?? null,
        matches: true,
      };
    }
    const { snapshot } = item;
    return {
      ...base,
      kind: item.type === 'step' ? item.kind : item.type,
      event: item.type === 'step' ? item.event : item.type === 'spawn' ? { input: item.input } : null,
      status: snapshot.status,
      state: formatStateValue(snapshot.value),
      active: activePaths(snapshot.value),
      context: snapshot.context,
      matches: item.type === 'step' ? item.matches !== false : true,
    };
  }
}
