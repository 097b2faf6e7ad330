// Watch streams: a 200 response with headers flushed at once, then newline-delimited
// `{"type","object"}` events. Filtering follows the watch cache: an object that starts matching
// arrives as ADDED, one that stops matching as DELETED (its previous state, with the event's
// resourceVersion). Resumes older than the history floor get one ERROR event (410 Expired)
// inside the 200 stream, then the stream ends.
import type { ServerResponse } from 'node:http';
import { ApiError } from './errors.js';
import type { ResourceDef } from './resources.js';
import { matchesFields, matchesLabels, type FieldSelector, type LabelSelector } from './selectors.js';
import type { Storage, StoreEvent } from './storage.js';
import { joinApiVersion, type KubeObject, type WatchEventType } from './types.js';

export interface WatchSpec {
  readonly def: ResourceDef;
  readonly version: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly labels: LabelSelector;
  readonly fields: FieldSelector;
  /** As sent; undefined or "0" means "start with synthetic ADDED events for the current state". */
  readonly resourceVersion?: string;
  readonly allowBookmarks: boolean;
  readonly sendInitialEvents: boolean;
  readonly timeoutMs: number;
  readonly bookmarkIntervalMs: number;
  /** The request path, for fault matching. */
  readonly path: string;
}

export type CloseMode = 'end' | 'reset';

export class WatchSession {
  private unsubscribe: (() => void) | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;
  /** Events written so far (all types). */
  sent = 0;

  constructor(
    readonly spec: WatchSpec,
    private readonly res: ServerResponse,
    private readonly storage: Storage,
    private readonly onClose: (session: WatchSession) => void,
  ) {}

  start(): void {
    const { spec, res } = this;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    res.on('close', () => this.close('end'));
    const fromState = spec.resourceVersion === undefined || spec.resourceVersion === '' || spec.resourceVersion === '0' || spec.sendInitialEvents;
    if (fromState) {
      for (const obj of this.storage.list(spec.def, spec.namespace)) if (this.matches(obj)) this.write('ADDED', obj);
    } else {
      let backlog: StoreEvent[];
      try {
        backlog = this.storage.eventsSince(spec.def, Number(spec.resourceVersion));
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        this.writeRaw('ERROR', err.status);
        this.close('end');
        return;
      }
      for (const event of backlog) this.deliver(event);
    }
    this.unsubscribe = this.storage.subscribe((event) => this.deliver(event));
    if (spec.sendInitialEvents) this.bookmark({ 'k8s.io/initial-events-end': 'true' });
    if (spec.allowBookmarks) {
      const timer = setInterval(() => this.bookmark(), spec.bookmarkIntervalMs);
      timer.unref();
      this.timers.push(timer);
    }
    const timeout = setTimeout(() => this.close('end'), spec.timeoutMs);
    timeout.unref();
    this.timers.push(timeout);
  }

  /** `end` finishes the chunked response cleanly (like a server-side timeout); `reset` destroys the socket. */
  close(mode: CloseMode): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    for (const timer of this.timers) clearTimeout(timer);
    if (mode === 'reset') this.res.socket?.destroy();
    else if (!this.res.writableEnded) this.res.end();
    this.onClose(this);
  }

  private matches(obj: KubeObject): boolean {
    const { spec } = this;
    if (spec.namespace !== undefined && obj.metadata.namespace !== spec.namespace) return false;
    if (spec.name !== undefined && obj.metadata.name !== spec.name) return false;
    return matchesLabels(spec.labels, obj.metadata.labels) && matchesFields(spec.fields, spec.def, obj);
  }

  private deliver(event: StoreEvent): void {
    if (this.closed || event.def !== this.spec.def) return;
    if (event.type === 'ADDED') {
      if (this.matches(event.object)) this.write('ADDED', event.object);
    } else if (event.type === 'DELETED') {
      if (this.matches(event.object)) this.write('DELETED', event.object);
    } else {
      const now = this.matches(event.object);
      const before = event.previous !== undefined && this.matches(event.previous);
      if (now && before) this.write('MODIFIED', event.object);
      else if (now) this.write('ADDED', event.object);
      else if (before) {
        const gone = event.previous!;
        this.write('DELETED', { ...gone, metadata: { ...gone.metadata, resourceVersion: String(event.rv) } });
      }
    }
  }

  private bookmark(annotations?: Record<string, string>): void {
    if (this.closed) return;
    const metadata = { resourceVersion: String(this.storage.resourceVersion), ...(annotations ? { annotations } : {}) };
    this.writeRaw('BOOKMARK', { kind: this.spec.def.kind, apiVersion: joinApiVersion(this.spec.def.group, this.spec.version), metadata });
  }

  private write(type: WatchEventType, obj: KubeObject): void {
    this.writeRaw(type, { ...obj, apiVersion: joinApiVersion(this.spec.def.group, this.spec.version) });
  }

  private writeRaw(type: WatchEventType, object: unknown): void {
    if (this.closed || this.res.writableEnded) return;
    this.sent += 1;
    this.res.write(`${JSON.stringify({ type, object })}\n`);
  }
}

/** The open watches, for fault injection and shutdown. */
export class WatchHub {
  readonly sessions = new Set<WatchSession>();

  open(spec: WatchSpec, res: ServerResponse, storage: Storage): WatchSession {
    const session = new WatchSession(spec, res, storage, (s) => this.sessions.delete(s));
    this.sessions.add(session);
    session.start();
    return session;
  }

  /** Closes the matching watches; returns how many. */
  drop(mode: CloseMode, filter: (session: WatchSession) => boolean = () => true): number {
    const victims = [...this.sessions].filter(filter);
    for (const session of victims) session.close(mode);
    return victims.length;
  }
}
