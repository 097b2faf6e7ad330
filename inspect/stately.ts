// Actor items to Stately's inspector. The inspection events are made by @statelyai/inspect itself
// (`createInspector` with our WebSocket adapter): `@xstate.actor` with the machine's definition (the
// package stringifies the machine's config), then per record `@xstate.event` and `@xstate.snapshot`,
// so they are what Stately's tools read by construction. Items arrive already redacted.
//
// The sink is a WebSocket client only: it never listens. In `replay` mode it must connect (or the
// replay fails with a clear error) and waits for the socket to take what it sends. In `follow` mode
// (the daemon) it never blocks and never grows: while the socket is closed or backed up, events are
// dropped and counted, it reconnects with backoff, and on every (re)connect it asks its owner to
// announce the live actors afresh, so the inspector shows the present whatever it missed.
import type { StatelyInspectionEvent } from '@statelyai/inspect';
import type WebSocket from 'ws';
import type { ActorItem, PlainSnapshot } from './actor-items.js';
import { parseInspectorUrl } from './addresses.js';

type Inspector = ReturnType<typeof import('@statelyai/inspect').createInspector>;

export interface StatelySinkOptions {
  /** ws:// or wss:// URL of an inspector server (@statelyai/inspect's createInspectorServer). */
  readonly url: string;
  /** A machine's config (with functions, or in the config form): the package stringifies it as the actor's definition. */
  readonly definition: (machine: string) => object | undefined;
  readonly mode: 'replay' | 'follow';
  /** follow: called on every (re)connect and after a backlog cleared; the owner writes a `running` item per live actor. */
  readonly onReady?: () => void;
  readonly logger?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** follow: connect before `open()` resolves, and fail with the reason if that first attempt does (a command, not the daemon). */
  readonly waitForConnection?: boolean;
  /** How long `open()` waits for the connection in replay mode. */
  readonly connectTimeoutMs?: number;
}

/** Beyond this much unsent data a follow-mode sink drops events rather than buffer more. */
const FOLLOW_MAX_BUFFERED = 4 * 1024 * 1024;
/** A replay waits for the socket below this before it sends more. */
const REPLAY_MAX_BUFFERED = 1024 * 1024;
/** Deep configs must not be cut: at the package's default depth (10) a state nested four levels down loses its transitions. */
const SERIALIZATION_DEPTH = 64;

export class InspectorConnectError extends Error {
  override readonly name = 'InspectorConnectError';
}

interface Session {
  readonly sessionId: string;
  readonly ref: object;
  last: PlainSnapshot | undefined;
}

export class StatelySink {
  private ws: WebSocket | undefined;
  private status: 'connecting' | 'open' | 'closed' = 'closed';
  private closing = false;
  private backlogged = false;
  private retryMs = 1000;
  private unreachableSaid = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly sessions = new Map<string, Session>();
  /** Replay mode: how many incarnations of a key were announced; later ones get `#<n>` in their session id. */
  private readonly incarnations = new Map<string, number>();
  private itemTime = Date.now();
  private sentCount = 0;
  private droppedCount = 0;

  private constructor(
    private readonly options: StatelySinkOptions,
    private readonly WebSocketClass: typeof WebSocket,
    private readonly inspector: Inspector,
  ) {}

  /** Loads @statelyai/inspect and ws (only now: `kruised run` without --inspect never does) and connects. */
  static async open(options: StatelySinkOptions): Promise<StatelySink> {
    parseInspectorUrl(options.url);
    const [{ createInspector }, { default: WebSocketClass }] = await Promise.all([import('@statelyai/inspect'), import('ws')]);
    let sink: StatelySink | undefined;
    const adapter = { send: (event: StatelyInspectionEvent) => sink?.transmit(event) };
    const inspector = createInspector(adapter, {
      serializationDepthLimit: SERIALIZATION_DEPTH,
      // The record's time, not the moment of sending: a replay shows when things happened.
      serialize: (event) => ({ ...event, createdAt: String(sink?.itemTime ?? Date.now()) }),
    });
    sink = new StatelySink(options, WebSocketClass, inspector);
    if (options.mode === 'replay') await sink.connectOnce();
    else if (options.waitForConnection) {
      // Fail at once with the reason when nothing listens; once connected, keep the connection as the daemon does.
      await sink.connectOnce();
      sink.ws?.once('close', () => sink?.connect());
    } else sink.connect();
    return sink;
  }

  get sent(): number {
    return this.sentCount;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  get connected(): boolean {
    return this.status === 'open';
  }

  /** Sends one item as Stately's inspection events. */
  write(item: ActorItem): void {
    this.itemTime = item.time;
    const { inspector } = this;
    if (item.type === 'spawn' || item.type === 'running') {
      const session = this.newSession(item.key, item.machine, item.type === 'spawn');
      session.last = item.snapshot;
      inspector.actor(session.ref as never, item.snapshot);
      if (item.type === 'spawn') {
        // As XState itself reports a start: the init event (with the input), then the initial snapshot.
        const init = { type: 'xstate.init', input: item.input };
        inspector.event(session.ref as never, init);
        inspector.snapshot(session.ref as never, item.snapshot, { event: init });
      }
      return;
    }
    const session = this.sessions.get(item.key);
    if (!session) return; // its start was never seen (a replay of a history cut by retention)
    if (item.type === 'step') {
      const event = item.event as { type: string };
      inspector.event(session.ref as never, event);
      inspector.snapshot(session.ref as never, item.snapshot, { event });
      session.last = item.snapshot;
      return;
    }
    this.sessions.delete(item.key);
    const status = item.reason === 'done' ? 'done' : item.reason === 'error' ? 'error' : 'stopped';
    if (session.last?.status === status) return;
    inspector.snapshot(session.ref as never, { ...(session.last ?? { value: undefined, context: undefined }), status }, { event: { type: 'xstate.stop' } });
  }

  /** Resolves when everything written so far has been handed to the socket (replay mode paces on it). */
  async drain(maxBuffered = 0): Promise<void> {
    while (this.ws && this.status === 'open' && this.ws.bufferedAmount > maxBuffered) await new Promise((r) => setTimeout(r, 5));
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.retryTimer);
    const ws = this.ws;
    if (!ws || ws.readyState === ws.CLOSED) return;
    await this.drain();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.close(1000, 'done');
    });
  }

  private newSession(key: string, machine: string, fresh: boolean): Session {
    // A `running` announcement of a session already open (a reconnect) keeps its id.
    const existing = this.sessions.get(key);
    if (existing && !fresh) return existing;
    // A replay numbers a key's later incarnations (a pod's next crrPod); the daemon keeps no count, so memory follows the live actors.
    const seen = this.options.mode === 'replay' ? (this.incarnations.get(key) ?? 0) : 0;
    if (this.options.mode === 'replay') this.incarnations.set(key, seen + 1);
    const sessionId = seen === 0 ? key : `${key}#${seen + 1}`;
    const config = this.options.definition(machine);
    // What the package reads of an actor: its session id, and its logic's config as the definition.
    const ref = { sessionId, id: key, logic: config ? { config } : undefined, send() {}, getSnapshot: () => undefined };
    const session: Session = { sessionId, ref, last: undefined };
    this.sessions.set(key, session);
    return session;
  }

  private transmit(event: StatelyInspectionEvent): void {
    const ws = this.ws;
    if (!ws || this.status !== 'open') {
      this.droppedCount += 1;
      return;
    }
    if (this.options.mode === 'follow' && ws.bufferedAmount > FOLLOW_MAX_BUFFERED) {
      if (!this.backlogged)
        this.options.logger?.warn({ url: this.options.url }, 'the Stately inspector connection is backed up; dropping events until it catches up');
      this.backlogged = true;
      this.droppedCount += 1;
      return;
    }
    ws.send(JSON.stringify(event));
    this.sentCount += 1;
    if (this.backlogged && ws.bufferedAmount < FOLLOW_MAX_BUFFERED / 4) {
      this.backlogged = false;
      // Some events were lost: tell the inspector the present of every actor again.
      queueMicrotask(() => this.options.onReady?.());
    }
  }

  private socket(): WebSocket {
    const ws = new this.WebSocketClass(this.options.url, { handshakeTimeout: this.options.connectTimeoutMs ?? 5000 });
    this.ws = ws;
    this.status = 'connecting';
    return ws;
  }

  private connectOnce(): Promise<void> {
    const ws = this.socket();
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        this.status = 'open';
        resolve();
      });
      ws.once('error', (error) => {
        this.status = 'closed';
        reject(
          new InspectorConnectError(
            `cannot connect to the inspector at ${this.options.url}: ${error.message}; start an inspector server there first (docs/inspect.md)`,
          ),
        );
      });
      ws.on('close', () => {
        this.status = 'closed';
      });
    });
  }

  private connect(): void {
    if (this.closing) return;
    const ws = this.socket();
    let failed = false;
    const retry = (why: string) => {
      if (failed || this.closing) return;
      failed = true;
      this.status = 'closed';
      // Said once per outage (a daemon may keep --inspect set with no tunnel up): the retries are quiet.
      if (!this.unreachableSaid) {
        this.unreachableSaid = true;
        this.options.logger?.warn({ url: this.options.url, why }, 'the Stately inspector is not reachable; retrying quietly, with backoff up to 30 s');
      }
      this.retryTimer = setTimeout(() => this.connect(), this.retryMs);
      this.retryTimer.unref();
      this.retryMs = Math.min(this.retryMs * 2, 30_000);
    };
    ws.on('open', () => {
      this.status = 'open';
      this.retryMs = 1000;
      this.unreachableSaid = false;
      this.backlogged = false;
      this.options.logger?.info({ url: this.options.url }, 'connected to the Stately inspector; sending the live actors');
      this.options.onReady?.();
    });
    ws.on('error', (error) => retry(error.message));
    ws.on('close', () => retry('connection closed'));
  }
}

/** Every step a replay can send is at most this far ahead of the socket. */
export const REPLAY_BUFFER_LIMIT = REPLAY_MAX_BUFFERED;
