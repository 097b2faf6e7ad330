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
// Long-lived actors: when the log opens a new segment, the host writes a `checkpoint` record
// (checkpoint-capture.ts) for every live actor whose recovery would still start before the segment
// just closed, so no actor pins more than the last two segments; recovery starts at the latest
// checkpoint and the segments behind it may go once retention lets them.
// Fail-stop: when the log fails (log-failure.ts) the host halts at once, in the same call stack:
// every actor is stopped as on shutdown (their effects aborted, their timers cancelled), events
// still on their way to an actor are dropped at the relay, and deliver/send are refused from
// then on, so no actor changes state, and no effect starts, on a cause the log does not hold.
import { createActor, type AnyActorRef, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';
import type { MachineRegistry, RegisteredMachine } from '../machines/registry-types.js';
import type { EngineClock } from './clock.js';
import { captureCheckpoint } from './checkpoint-capture.js';
import { ActorFold, type PendingDelayedEvent } from './fold.js';
import { checkpointBody } from './log/checkpoint.js';
import type { EventLog, OpenRecord } from './log/event-log.js';
import type { EventLogFailure } from './log/log-failure.js';
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
  /**
   * Called for each event a machine `emit()`s (XState's `actor.on('*')`), with the record whose
   * step emitted it (the spawn record for a machine's initial entry actions). Delivered after that
   * record's snapshot hash is set and before `onStep`, in emission order. A recovered actor emits
   * nothing for its history: its glue asks it (an event it answers by emitting) if it must know.
   */
  readonly onEmitted?: (key: string, event: EventObject, record: LogRecord) => void;
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
  /** Delayed events re-armed by recovery, by XState send id. */
  readonly recoveredTimers: Map<string, { readonly handle: unknown; readonly timer: PendingDelayedEvent }>;
  /** Deadline (engine clock) of each delayed event the actor scheduled for itself, by send id: for checkpoints. */
  readonly deadlines: Map<string, number>;
  /** The spawn input as logged, and the spawn record's seq: for checkpoints. */
  readonly origin: Origin;
  /** Events the machine emitted during the step being processed, for `onEmitted`. */
  readonly emitted: EventObject[];
  unsubscribe?: () => void;
}

interface Origin {
  readonly input: unknown;
  readonly spawnSeq: number;
}

export interface RecoveryReport {
  readonly restored: string[];
  readonly finished: number;
  /** Keys whose history no longer starts with a spawn (a segment was removed by the size cap). */
  readonly truncated: string[];
  /** Keys whose records today's machine folds to a different snapshot than the log recorded. */
  readonly diverged: Array<{ key: string; seq: number }>;
  /** Restored keys whose history started at a checkpoint rather than at their spawn. */
  readonly fromCheckpoint: string[];
  readonly failed: Array<{ key: string; error: string }>;
}

const silentLogger: HostLogger = { info() {}, warn() {}, error() {} };

export class ActorHost {
  private readonly actors = new Map<string, LiveActor>();
  private readonly logger: HostLogger;
  private readonly boundMachines = new Map<string, AnyStateMachine>();
  private stopping = false;
  /** Set when the log failed: the host is halted for good (fail-stop). */
  private halted: EventLogFailure | undefined;

  constructor(private readonly options: ActorHostOptions) {
    this.logger = options.logger ?? silentLogger;
    options.log.listen({
      failed: (failure) => this.halt(failure),
      segmentStarted: ({ stale }) => {
        for (const key of stale) this.checkpoint(key);
      },
    });
  }

  /** The log failure that halted this host, if any: it then holds no actors and takes no events. */
  get haltedBy(): EventLogFailure | undefined {
    return this.halted;
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

  /**
   * Delivers an event to the key's actor, spawning it from `machine` with `input()` when absent.
   * After a log failure the event is dropped: it could not be recorded, and the daemon is exiting.
   */
  deliver<E extends EventObject>(key: string, machine: string, event: E, input?: () => unknown): void {
    if (this.halted) return;
    if (this.stopping) throw new Error('actor host is stopping');
    const live = this.actors.get(key) ?? this.spawn(key, machine, input?.());
    if (live) this.sendLogged(live, 'event', event);
  }

  /** Delivers to an existing actor only; returns false when the key has none. */
  send<E extends EventObject>(key: string, event: E): boolean {
    const live = this.actors.get(key);
    if (!live || this.stopping || this.halted) return false;
    this.sendLogged(live, 'event', event);
    return true;
  }

  /**
   * Appends a checkpoint record for the key's actor now: recovery and replay may start it there,
   * and its older records stop pinning segments once the checkpoint is on disk. The host does this
   * by itself on segment rotation; a feature may ask for one too. False when the key has no live
   * actor, or it is mid-step (an event of it is still queued), or the host is stopping or halted.
   */
  checkpoint(key: string): boolean {
    const live = this.actors.get(key);
    if (!live || this.stopping || this.halted || live.unhashed.length > 0) return false;
    const snapshot = live.actor.getSnapshot();
    if (snapshot.status !== 'active') return false;
    const now = this.options.clock.now();
    const recovered = [...live.recoveredTimers.values()].map(({ timer }) => timer);
    const body = captureCheckpoint({ actor: live.actor, ...live.origin, deadlines: live.deadlines, recovered }, now);
    const record = this.options.log.append({ time: now, key, machine: live.entry.id, version: live.entry.version, kind: 'checkpoint', event: body });
    record.state = snapshotHash(snapshot);
    return true;
  }

  /** Stops a key's actor for good (e.g. its object was deleted) and records that. */
  release(key: string): boolean {
    const live = this.actors.get(key);
    if (!live) return false;
    this.finish(live, 'released', undefined);
    return true;
  }

  /**
   * Stops every actor without stop records: they stay unfinished in the log for recovery. Rejects
   * with the log's failure when the last commit cannot be made (or the log had failed before).
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    this.stopAll();
    await this.options.log.commit();
  }

  private stopAll(): void {
    for (const live of this.actors.values()) {
      live.unsubscribe?.();
      for (const { handle } of live.recoveredTimers.values()) this.options.clock.clearTimeout(handle);
      live.actor.stop();
    }
    this.actors.clear();
  }

  /** Fail-stop: called by the log, in the stack that saw the failure. XState queues each stop behind the event in hand. */
  private halt(failure: EventLogFailure): void {
    if (this.halted) return;
    this.halted = failure;
    this.stopAll();
  }

  /** Rebuilds every unfinished actor from the records of an opened log and starts it. */
  recover(index: RecoveryIndex): RecoveryReport {
    const report: RecoveryReport = {
      restored: [],
      finished: index.finished,
      truncated: [...index.truncatedKeys],
      diverged: [],
      fromCheckpoint: [],
      failed: [],
    };
    for (const [key, history] of index.incarnations) {
      if (this.halted) break;
      try {
        this.restore(key, history, report);
      } catch (error) {
        report.failed.push({ key, error: (error as Error).message });
        this.logger.error({ key, err: error }, 'actor could not be recovered; it will be rebuilt from fresh observations');
      }
    }
    return report;
  }

  /** Rebuilds one incarnation from its spawn or latest checkpoint and the records after it. */
  private restore(key: string, history: LogRecord[], report: RecoveryReport): void {
    const first = history[0]!;
    const entry = this.options.registry.get(first.machine);
    if (!entry) throw new Error(`machine ${first.machine} is not known to this build`);
    const fold = new ActorFold(entry.machine, first);
    if (!fold.firstStep.matches) report.diverged.push({ key, seq: first.seq });
    for (const record of history.slice(1)) {
      if (!fold.apply(record).matches) report.diverged.push({ key, seq: record.seq });
    }
    if (fold.snapshot.status !== 'active') return;
    const persisted = entry.machine.getPersistedSnapshot(fold.snapshot);
    const origin =
      first.kind === 'checkpoint'
        ? { input: checkpointBody(first.event).input, spawnSeq: checkpointBody(first.event).spawnSeq }
        : { input: first.event, spawnSeq: first.seq };
    const live = this.start(key, entry, { snapshot: persisted }, origin);
    for (const timer of fold.pendingTimers()) this.rearm(live, timer);
    report.restored.push(key);
    if (fold.fromCheckpoint) report.fromCheckpoint.push(key);
  }

  private rearm(live: LiveActor, timer: PendingDelayedEvent): void {
    const handle = this.options.clock.setTimeout(() => {
      live.recoveredTimers.delete(timer.id);
      if (this.actors.get(live.key) === live) this.sendLogged(live, 'internal', timer.event);
    }, timer.deadline - this.options.clock.now());
    live.recoveredTimers.set(timer.id, { handle, timer });
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
    const live = this.start(key, entry, { input }, { input: record.event, spawnSeq: record.seq }, record);
    return this.actors.get(key) === live ? live : undefined;
  }

  private start(key: string, entry: RegisteredMachine, init: { input?: unknown; snapshot?: unknown }, origin: Origin, spawnRecord?: OpenRecord): LiveActor {
    const actor = createActor(this.boundMachine(entry), { ...init, id: key, clock: this.options.clock } as Parameters<typeof createActor>[1]);
    const live: LiveActor = { key, entry, actor, recoveredTimers: new Map(), deadlines: new Map(), origin, unhashed: [], sendingKind: 'event', emitted: [] };
    if (this.options.onEmitted) actor.on('*', (event: EventObject) => void live.emitted.push(event));
    tapActorSystem(actor, {
      beforeDeliver: (source, event) => {
        // Nothing reaches an actor once the log failed: it could not be recorded first.
        if (this.halted) return false;
        // Only events the actor will process: XState drops what reaches a stopped actor.
        if (this.actors.get(key) !== live || actor.getSnapshot().status !== 'active' || event.type === 'xstate.init') return true;
        live.unhashed.push(this.append(live, source === undefined ? live.sendingKind : 'internal', event));
        return true;
      },
      delayedEventScheduled: (id, delay) => {
        live.deadlines.set(id, this.options.clock.now() + delay);
        this.yieldRecoveredTimer(live, id);
      },
      delayedEventCancelled: (id) => {
        live.deadlines.delete(id);
        this.yieldRecoveredTimer(live, id);
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
    if (spawnRecord && this.actors.get(key) === live) this.deliverEmitted(live, spawnRecord);
    live.emitted.length = 0;
    this.commitIfStrict();
    return live;
  }

  /** A recovered timer yields to XState's own once the state schedules or cancels the same id. */
  private yieldRecoveredTimer(live: LiveActor, id: string): void {
    const recovered = live.recoveredTimers.get(id);
    if (recovered === undefined) return;
    this.options.clock.clearTimeout(recovered.handle);
    live.recoveredTimers.delete(id);
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
    this.deliverEmitted(live, record);
    this.options.onStep?.(live.key, snapshot, record);
    this.commitIfStrict();
  }

  private deliverEmitted(live: LiveActor, record: OpenRecord): void {
    while (live.emitted.length > 0) this.options.onEmitted?.(live.key, live.emitted.shift()!, record);
  }

  private finish(live: LiveActor, reason: StopReason, error: unknown): void {
    if (this.actors.get(live.key) !== live) return;
    this.actors.delete(live.key);
    live.unsubscribe?.();
    for (const { handle } of live.recoveredTimers.values()) this.options.clock.clearTimeout(handle);
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
    if (!this.options.log.strict || this.halted) return;
    try {
      this.options.log.commitSync();
    } catch (error) {
      // A log failure has already halted this host through the log's listener; a bug goes on up.
      if (error !== this.options.log.failure) throw error;
    }
  }
}
