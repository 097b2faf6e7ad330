// The actor host: one XState actor per key, and the only way events reach them.
//
// Lifecycle of a key: the first `deliver()` for it spawns an actor from the named machine (a
// `spawn` record with its input), every event is appended to the log before the actor gets it
// (an `event` record), and events XState makes inside the actor — delayed `xstate.after.*`,
// `xstate.done.actor.*` / `xstate.error.actor.*` from effects, sends from callback children — are
// captured at XState's relay (xstate-taps.ts) and appended before they are processed (`internal`
// records). Each record gets the hash of the snapshot it led to, from the snapshot observer. When the actor reaches a final
// state, errors, or is released, a `stop` record closes it and the host forgets it, so memory
// follows the live actors, not the history. An actor that throws stops alone; the others go on.
// Shutdown stops actors without a stop record: they are unfinished, and `recover()` rebuilds them
// on the next start by folding their records, re-arming their timers at the logged deadlines.
import { createActor, type AnyActorRef, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';
import type { MachineRegistry, RegisteredMachine } from '../machines/registry-types.js';
import type { EngineClock } from './clock.js';
import { ActorFold, type PendingDelayedEvent } from './fold.js';
import type { EventLog, OpenRecord } from './log/event-log.js';
import type { LogRecord } from './log/record.js';
import type { RecoveryIndex } from './log/recovery-index.js';
import { toLoggable } from './loggable.js';
import { snapshotHash } from './snapshot-hash.js';
import { tapActorSystem } from './xstate-taps.js';

export interface HostLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ActorHostOptions {
  readonly log: EventLog;
  readonly clock: EngineClock;
  readonly registry: MachineRegistry;
  /** Turns a pure machine into a live one (binds effects); identity when absent. */
  readonly bind?: (entry: RegisteredMachine) => AnyStateMachine;
  readonly logger?: HostLogger;
  /** Called after a spawn record is appended, with the actor's initial snapshot, before any step of it (inspectors). */
  readonly onSpawned?: (key: string, snapshot: AnyMachineSnapshot, record: LogRecord) => void;
  /** Called after every logged step with the snapshot it led to (progress displays, metrics). */
  readonly onStep?: (key: string, snapshot: AnyMachineSnapshot, record: LogRecord) => void;
  /** Called after an actor's stop record is appended. */
  readonly onStopped?: (key: string, reason: StopReason) => void;
}

export type StopReason = 'done' | 'error' | 'released';

interface LiveActor {
  readonly key: string;
  readonly entry: RegisteredMachine;
  readonly actor: AnyActorRef;
  /** Records delivered but not yet processed, in mailbox order: each snapshot XState emits hashes the first. */
  readonly unhashed: OpenRecord[];
  /** The kind of record the host's next external send is (recovered timers send `internal`). */
  sendingKind: 'event' | 'internal';
  /** Delayed events re-armed by recovery, by XState send id → clock handle. */
  readonly recoveredTimers: Map<string, unknown>;
  unsubscribe?: () => void;
}

export interface RecoveryReport {
  readonly restored: string[];
  readonly finished: number;
  /** Keys whose history no longer starts with a spawn (a segment was removed by the size cap). */
  readonly truncated: string[];
  /** Keys whose records today's machine folds to a different snapshot than the log recorded. */
  readonly diverged: Array<{ key: string; seq: number }>;
  readonly failed: Array<{ key: string; error: string }>;
}

const silentLogger: HostLogger = { info() {}, warn() {}, error() {} };

export class ActorHost {
  private readonly actors = new Map<string, LiveActor>();
  private readonly logger: HostLogger;
  private readonly boundMachines = new Map<string, AnyStateMachine>();
  private stopping = false;

  constructor(private readonly options: ActorHostOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  get size(): number {
    return this.actors.size;
  }

  has(key: string): boolean {
    return this.actors.has(key);
  }

  keys(): string[] {
    return [...this.actors.keys()];
  }

  snapshot(key: string): ReturnType<AnyActorRef['getSnapshot']> | undefined {
    return this.actors.get(key)?.actor.getSnapshot();
  }

  /** Delivers an event to the key's actor, spawning it from `machine` with `input()` when absent. */
  deliver<E extends EventObject>(key: string, machine: string, event: E, input?: () => unknown): void {
    if (this.stopping) throw new Error('actor host is stopping');
    const live = this.actors.get(key) ?? this.spawn(key, machine, input?.());
    if (live) this.sendLogged(live, 'event', event);
  }

  /** Delivers to an existing actor only; returns false when the key has none. */
  send<E extends EventObject>(key: string, event: E): boolean {
    const live = this.actors.get(key);
    if (!live || this.stopping) return false;
    this.sendLogged(live, 'event', event);
    return true;
  }

  /** Stops a key's actor for good (e.g. its object was deleted) and records that. */
  release(key: string): boolean {
    const live = this.actors.get(key);
    if (!live) return false;
    this.finish(live, 'released', undefined);
    return true;
  }

  /** Stops every actor without stop records: they stay unfinished in the log for recovery. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    for (const live of this.actors.values()) {
      live.unsubscribe?.();
      for (const handle of live.recoveredTimers.values()) this.options.clock.clearTimeout(handle);
      live.actor.stop();
    }
    this.actors.clear();
    await this.options.log.commit();
  }

  /** Rebuilds every unfinished actor from the records of an opened log and starts it. */
  recover(index: RecoveryIndex): RecoveryReport {
    const report: RecoveryReport = { restored: [], finished: index.finished, truncated: [...index.truncatedKeys], diverged: [], failed: [] };
    for (const [key, history] of index.incarnations) {
      try {
        this.restore(key, history, report);
      } catch (error) {
        report.failed.push({ key, error: (error as Error).message });
        this.logger.error({ key, err: error }, 'actor could not be recovered; it will be rebuilt from fresh observations');
      }
    }
    return report;
  }

  private restore(key: string, history: LogRecord[], report: RecoveryReport): void {
    const spawn = history[0]!;
    const entry = this.options.registry.get(spawn.machine);
    if (!entry) throw new Error(`machine ${spawn.machine} is not known to this build`);
    const fold = new ActorFold(entry.machine, spawn);
    if (!fold.firstStep.matches) report.diverged.push({ key, seq: spawn.seq });
    for (const record of history.slice(1)) {
      if (!fold.apply(record).matches) report.diverged.push({ key, seq: record.seq });
    }
    if (fold.snapshot.status !== 'active') return;
    const persisted = entry.machine.getPersistedSnapshot(fold.snapshot);
    const live = this.start(key, entry, { snapshot: persisted });
    for (const timer of fold.pendingTimers()) this.rearm(live, timer);
    report.restored.push(key);
  }

  private rearm(live: LiveActor, timer: PendingDelayedEvent): void {
    const handle = this.options.clock.setTimeout(() => {
      live.recoveredTimers.delete(timer.id);
      if (this.actors.get(live.key) === live) this.sendLogged(live, 'internal', timer.event);
    }, timer.deadline - this.options.clock.now());
    live.recoveredTimers.set(timer.id, handle);
  }

  private spawn(key: string, machineId: string, input: unknown): LiveActor | undefined {
    const entry = this.options.registry.get(machineId);
    if (!entry) throw new Error(`machine ${machineId} is not registered`);
    const record = this.options.log.append({
      time: this.options.clock.now(),
      key,
      machine: entry.id,
      version: entry.version,
      kind: 'spawn',
      event: toLoggable(input),
    });
    const live = this.start(key, entry, { input }, record);
    return this.actors.get(key) === live ? live : undefined;
  }

  private start(key: string, entry: RegisteredMachine, init: { input?: unknown; snapshot?: unknown }, spawnRecord?: OpenRecord): LiveActor {
    const actor = createActor(this.boundMachine(entry), { ...init, id: key, clock: this.options.clock } as Parameters<typeof createActor>[1]);
    const live: LiveActor = { key, entry, actor, recoveredTimers: new Map(), unhashed: [], sendingKind: 'event' };
    tapActorSystem(actor, {
      beforeDeliver: (source, event) => {
        // Only events the actor will process: XState drops what reaches a stopped actor.
        if (this.actors.get(key) !== live || actor.getSnapshot().status !== 'active' || event.type === 'xstate.init') return;
        live.unhashed.push(this.append(live, source === undefined ? live.sendingKind : 'internal', event));
      },
      // A recovered timer yields to XState's own once the state schedules or cancels the same id.
      delayedEventTouched: (id) => {
        const handle = live.recoveredTimers.get(id);
        if (handle === undefined) return;
        this.options.clock.clearTimeout(handle);
        live.recoveredTimers.delete(id);
      },
    });
    this.actors.set(key, live);
    const subscription = actor.subscribe({
      next: (snapshot) => {
        const record = live.unhashed.shift();
        if (record) this.stepped(live, record, snapshot);
      },
      complete: () => this.finish(live, 'done', undefined),
      error: (error) => this.finish(live, 'error', error),
    });
    live.unsubscribe = () => subscription.unsubscribe();
    // The initial snapshot exists before start(): observers hear of the spawn before its first step or stop.
    if (spawnRecord) this.options.onSpawned?.(key, actor.getSnapshot(), spawnRecord);
    actor.start();
    if (spawnRecord) spawnRecord.state = snapshotHash(actor.getSnapshot());
    this.commitIfStrict();
    return live;
  }

  private boundMachine(entry: RegisteredMachine): AnyStateMachine {
    let bound = this.boundMachines.get(entry.id);
    if (!bound) {
      bound = this.options.bind ? this.options.bind(entry) : entry.machine;
      this.boundMachines.set(entry.id, bound);
    }
    return bound;
  }

  private sendLogged(live: LiveActor, kind: 'event' | 'internal', event: EventObject): void {
    live.sendingKind = kind;
    try {
      live.actor.send(event);
    } catch (error) {
      this.finish(live, 'error', error);
    } finally {
      live.sendingKind = 'event';
    }
    this.commitIfStrict();
  }

  private append(live: LiveActor, kind: 'event' | 'internal', event: EventObject): OpenRecord {
    const { entry, key } = live;
    return this.options.log.append({ time: this.options.clock.now(), key, machine: entry.id, version: entry.version, kind, event: toLoggable(event) });
  }

  private stepped(live: LiveActor, record: OpenRecord, snapshot: AnyMachineSnapshot): void {
    record.state = snapshotHash(snapshot);
    this.options.onStep?.(live.key, snapshot, record);
    this.commitIfStrict();
  }

  private finish(live: LiveActor, reason: StopReason, error: unknown): void {
    if (this.actors.get(live.key) !== live) return;
    this.actors.delete(live.key);
    live.unsubscribe?.();
    for (const handle of live.recoveredTimers.values()) this.options.clock.clearTimeout(handle);
    const detail = error === undefined ? { reason } : { reason, error: toLoggable(error instanceof Error ? error : new Error(String(error))) };
    this.options.log.append({
      time: this.options.clock.now(),
      key: live.key,
      machine: live.entry.id,
      version: live.entry.version,
      kind: 'stop',
      event: detail,
    });
    if (reason === 'error') this.logger.error({ key: live.key, machine: live.entry.id, err: error }, 'actor failed and was stopped; other actors go on');
    if (reason === 'released') live.actor.stop();
    this.commitIfStrict();
    this.options.onStopped?.(live.key, reason);
  }

  private commitIfStrict(): void {
    if (this.options.log.strict) this.options.log.commitSync();
  }
}
