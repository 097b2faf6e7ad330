// The daemon's actor feed: the host's spawn, step and stop hooks turned into actor items for the
// inspectors (the Stately sink, the /actors/stream clients). It does no work for nobody: with no
// subscriber a step costs one entry in a small ring of the latest steps (raw references, converted
// only when a client connects), so a client sees the recent past, then every live actor as it is
// now, then each step as it happens. Items are built once per step, redacted by the event log's
// redactor, and shared by every subscriber.
import type { AnyMachineSnapshot } from 'xstate';
import type { Redactor } from '../engine/log/redact.js';
import type { LogRecord } from '../engine/log/record.js';
import { type ActorItem, plainSnapshot, redactItem, type RunningItem } from './actor-items.js';

/** What the feed reads of the actor host. */
export interface LiveActors {
  keys(): string[];
  snapshot(key: string): unknown;
}

type Entry =
  | { readonly kind: 'spawn' | 'step'; readonly key: string; readonly snapshot: AnyMachineSnapshot; readonly record: LogRecord }
  | { readonly kind: 'stop'; readonly key: string; readonly machine: string; readonly version: string; readonly reason: string; readonly time: number };

export type ItemListener = (item: ActorItem) => void;

export class ActorFeed {
  private readonly ring: Entry[] = [];
  private readonly listeners = new Set<ItemListener>();
  /** Machine and version of every live key: a stop hook names only the key. */
  private readonly machines = new Map<string, { machine: string; version: string }>();

  constructor(
    private readonly redact: () => Redactor,
    private readonly now: () => number = Date.now,
    private readonly ringSize = 256,
  ) {}

  get subscribers(): number {
    return this.listeners.size;
  }

  spawned(key: string, snapshot: AnyMachineSnapshot, record: LogRecord): void {
    this.machines.set(key, { machine: record.machine, version: record.version });
    this.push({ kind: 'spawn', key, snapshot, record });
  }

  stepped(key: string, snapshot: AnyMachineSnapshot, record: LogRecord): void {
    if (!this.machines.has(key)) this.machines.set(key, { machine: record.machine, version: record.version });
    this.push({ kind: 'step', key, snapshot, record });
  }

  stopped(key: string, reason: string): void {
    const known = this.machines.get(key);
    this.machines.delete(key);
    this.push({ kind: 'stop', key, machine: known?.machine ?? '?', version: known?.version ?? '?', reason, time: this.now() });
  }

  /** Notes the actors the host already holds (recovered ones), so their stops can name their machine. */
  adopt(host: LiveActors): void {
    for (const key of host.keys()) {
      const machine = (host.snapshot(key) as AnyMachineSnapshot | undefined)?.machine;
      if (machine && !this.machines.has(key)) this.machines.set(key, { machine: machine.id, version: machine.version ?? '?' });
    }
  }

  subscribe(listener: ItemListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The latest steps still in the ring, oldest first, as items. */
  recent(): ActorItem[] {
    return this.ring.map((entry) => this.item(entry));
  }

  /** Every live actor as it is now. */
  running(host: LiveActors): RunningItem[] {
    const items: RunningItem[] = [];
    for (const key of host.keys()) {
      const snapshot = host.snapshot(key) as AnyMachineSnapshot | undefined;
      if (!snapshot) continue;
      const machine = snapshot.machine;
      const item: RunningItem = {
        type: 'running',
        key,
        machine: machine.id,
        version: machine.version ?? '?',
        time: this.now(),
        snapshot: plainSnapshot(snapshot),
      };
      items.push(redactItem(this.redact(), item));
    }
    return items;
  }

  private push(entry: Entry): void {
    this.ring.push(entry);
    if (this.ring.length > this.ringSize) this.ring.shift();
    if (this.listeners.size === 0) return;
    const item = this.item(entry);
    for (const listener of this.listeners) listener(item);
  }

  private item(entry: Entry): ActorItem {
    if (entry.kind === 'stop') {
      const { key, machine, version, reason, time } = entry;
      return { type: 'stop', key, machine, version, reason, time };
    }
    const { key, snapshot, record } = entry;
    const base = { key, machine: record.machine, version: record.version, time: record.time, seq: record.seq, snapshot: plainSnapshot(snapshot) };
    const item: ActorItem =
      entry.kind === 'spawn'
        ? { ...base, type: 'spawn', input: record.event }
        : { ...base, type: 'step', kind: record.kind === 'internal' ? 'internal' : 'event', event: record.event };
    return redactItem(this.redact(), item);
  }
}
