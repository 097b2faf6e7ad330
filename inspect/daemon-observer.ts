// Actor observation for `kruised run`: loaded only when --inspect or --actors-addr is given, so a
// daemon without them carries none of this code. It taps the engine's hooks (spawn, step, stop)
// into one ActorFeed, serves the feed on the loopback actor endpoint (--actors-addr) and sends it
// to a Stately inspector server (--inspect, a WebSocket client: the daemon never listens for it).
import type { Server } from 'node:http';
import type { ActorHost } from '../engine/host.js';
import type { EventLog } from '../engine/log/event-log.js';
import { createRedactor, type Redactor } from '../engine/log/redact.js';
import type { MachineRegistry } from '../machines/registry-types.js';
import { ActorFeed } from './actor-feed.js';
import { actorRoutes, serveLoopback } from './actors-http.js';
import { StatelySink } from './stately.js';

/** The hooks the daemon's engine takes (EngineWiring's). */
export interface ObservedHooks {
  readonly onSpawned?: ActorHostHook;
  readonly onStep?: ActorHostHook;
  readonly onStopped?: (key: string, reason: 'done' | 'error' | 'released') => void;
}
type ActorHostHook = NonNullable<ConstructorParameters<typeof ActorHost>[0]['onStep']>;

export interface ObserverLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ActorObserverOptions {
  /** --inspect: a Stately inspector server's ws:// URL, or '' for none. */
  readonly inspect: string;
  /** --actors-addr: the loopback listener, or '' for none. */
  readonly actorsAddr: string;
  readonly node: string;
  readonly registry: MachineRegistry;
  readonly logger: ObserverLogger;
}

export class ActorObserver {
  private host: ActorHost | undefined;
  private redactor: Redactor = createRedactor();
  private sink: StatelySink | undefined;
  private server: Server | undefined;
  private unsubscribe: (() => void) | undefined;
  readonly feed = new ActorFeed(() => this.redactor);

  private constructor(private readonly options: ActorObserverOptions) {}

  /** Binds the actor endpoint (a failure is the caller's to report, as for the daemon's other listeners). */
  static async start(options: ActorObserverOptions): Promise<ActorObserver> {
    const observer = new ActorObserver(options);
    if (options.actorsAddr !== '') {
      observer.server = await serveLoopback(
        options.actorsAddr,
        actorRoutes({ feed: observer.feed, host: () => observer.host, registry: options.registry, node: options.node, status: () => observer.status() }),
      );
      options.logger.info({ actorsAddr: options.actorsAddr }, 'serving the live actors on loopback (GET /actors, /actors/stream)');
    }
    return observer;
  }

  /** What GET /actors says of the Stately sink. */
  status(): Record<string, unknown> {
    if (this.options.inspect === '') return {};
    return { inspector: { url: this.options.inspect, connected: this.inspectorConnected, sent: this.sink?.sent ?? 0, dropped: this.sink?.dropped ?? 0 } };
  }

  /** True while the Stately sink (--inspect) has its connection. */
  get inspectorConnected(): boolean {
    return this.sink?.connected ?? false;
  }

  /** The listener to close with the daemon's others. */
  get servers(): Server[] {
    return this.server ? [this.server] : [];
  }

  /** The features' hooks with the feed's in front. */
  wrap<W extends ObservedHooks>(wiring: W): W & Required<ObservedHooks> {
    const feed = this.feed;
    return {
      ...wiring,
      onSpawned: (key, snapshot, record) => {
        feed.spawned(key, snapshot, record);
        wiring.onSpawned?.(key, snapshot, record);
      },
      onStep: (key, snapshot, record) => {
        feed.stepped(key, snapshot, record);
        wiring.onStep?.(key, snapshot, record);
      },
      onStopped: (key, reason) => {
        feed.stopped(key, reason);
        wiring.onStopped?.(key, reason);
      },
    };
  }

  /** Once the engine runs (actors recovered): serve it, and start sending to Stately. */
  async attach(host: ActorHost, log: EventLog): Promise<void> {
    this.host = host;
    this.redactor = log.redactor;
    this.feed.adopt(host);
    if (this.options.inspect === '') return;
    const url = new URL(this.options.inspect);
    if (url.protocol === 'ws:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
      this.options.logger.warn(
        { inspect: this.options.inspect },
        'the Stately inspector is reached over unencrypted ws:// beyond this host: actor data (secrets redacted, but pod and image names) crosses the network in clear; prefer an SSH tunnel to 127.0.0.1',
      );
    }
    const sink = await StatelySink.open({
      url: this.options.inspect,
      mode: 'follow',
      definition: (id) => this.options.registry.get(id)?.machine.config,
      logger: this.options.logger,
      onReady: () => {
        for (const item of this.feed.running(host)) sink.write(item);
      },
    });
    this.sink = sink;
    this.unsubscribe = this.feed.subscribe((item) => sink.write(item));
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    await this.sink?.close();
  }
}
