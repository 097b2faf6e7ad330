// A core/v1 Events recorder shaped like client-go's broadcaster + correlator, never blocking its
// caller. `record()` only filters and enqueues; one worker writes to the API server behind a
// token bucket. Like client-go:
// * a per-object spam filter (burst 25, then one event per 5 minutes) drops floods;
// * a repeat of an event already written (same component, host, object, type, reason and
//   message) within `windowMs` of its last occurrence PATCHes that Event's `count` and
//   `lastTimestamp` instead of creating another; repeats still queued fold into one write;
// * events of cluster-scoped objects (NodeImage) go to namespace `default`;
// * `source` is the component and node, and reportingComponent/Instance mirror it.
// When the queue is full the event is dropped and counted; failed writes retry a few times.
//
// Exactly once across crashes: `recordOnce(identity, ...)` writes one Event per logical emission.
// Its name is derived from the identity (event-names.ts), which the caller derives from its event
// log (an effect's input, the same live, replayed and after a crash), so a re-emission after a
// crash creates the same object and the API server's 409 AlreadyExists says it is there already,
// which counts as written. Such an Event carries the identity in annotation `kruised.io/emission`,
// is never folded into another or patched (no series: every logical emission is its own Event,
// count 1), and the returned promise settles once it is written, found there, or dropped.
import { createHash } from 'node:crypto';
import { Backoff, sleep } from './backoff.js';
import { KubeApiError } from './errors.js';
import type { EventComponent, EventType, InvolvedObject } from './event-catalog.js';
import { errField, silentLogger, type KubeLogger } from './log.js';
import { TokenBucket } from './token-bucket.js';
import type { KubeTransport } from './transport.js';

export interface EventRecorderOptions {
  readonly transport: KubeTransport;
  /** The node name: `source.host`. */
  readonly host: string;
  readonly logger?: KubeLogger;
  /** Events waiting to be written (default 1000, client-go's maxQueuedEvents). */
  readonly queueSize?: number;
  /** API writes per second and burst (default 10 / 25). */
  readonly qps?: number;
  readonly burst?: number;
  /** A repeat this soon after the previous occurrence patches the existing Event (default 10 min). */
  readonly windowMs?: number;
  /** Written events remembered for correlation (default 4096, LRU). */
  readonly cacheSize?: number;
  /** Per-object spam filter (default burst 25, 1/300 per second). */
  readonly spamBurst?: number;
  readonly spamQps?: number;
  /** Attempts per write on 5xx, 429 or no answer (default 5). */
  readonly maxTries?: number;
  readonly retryDelayMs?: number;
}

export interface EventRecorderStats {
  recorded: number;
  created: number;
  patched: number;
  /** Keyed emissions (`recordOnce`) the API server already had: a re-emission after a crash. */
  existed: number;
  /** Repeats folded into a queued write. */
  folded: number;
  dropped: { queueFull: number; spam: number; rejected: number; failed: number };
}

/** How one `recordOnce` emission ended: written now, already there (written before a crash), or dropped (flood filter, full queue, failed writes). */
export type EmissionOutcome = 'created' | 'existed' | 'dropped';

/** The annotation a keyed Event carries: the identity of its logical emission. */
export const EMISSION_ANNOTATION = 'kruised.io/emission';

/** The longest Event name the API server takes (a DNS subdomain). */
const MAX_NAME = 253;

/**
 * The name of the Event of one logical emission: `<object name>.<16 hex digits>`, the shape
 * client-go's names have, the digits a SHA-256 of the component, the object (kind, namespace, name,
 * field path: not its uid or resourceVersion, which a re-emission may not know yet), the reason and
 * the identity. The object's name is cut to keep the whole a valid DNS subdomain.
 */
export function emissionEventName(identity: string, component: string, involved: InvolvedObject, reason: string): string {
  const digest = createHash('sha256')
    .update([component, involved.kind, involved.namespace ?? '', involved.name, involved.fieldPath ?? '', reason, identity].join('\u0000'))
    .digest('hex')
    .slice(0, 16);
  const base = involved.name.slice(0, MAX_NAME - 17).replace(/[^a-z0-9]+$/, '');
  return `${base || 'event'}.${digest}`;
}

interface Pending {
  readonly key: string;
  readonly component: EventComponent | string;
  readonly involved: InvolvedObject;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
  count: number;
  readonly first: number;
  last: number;
  /** Set for a `recordOnce` emission: its Event's name, identity, and who waits for the outcome. */
  readonly once?: { readonly name: string; readonly identity: string; settle(outcome: EmissionOutcome): void };
}

interface Written {
  readonly name: string;
  readonly namespace: string;
  count: number;
  readonly first: number;
  last: number;
}

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class EventRecorder {
  private readonly queue: Pending[] = [];
  private readonly queued = new Map<string, Pending>();
  private readonly written = new Map<string, Written>();
  private readonly spam = new Map<string, TokenBucket>();
  /** Keyed emissions queued or being written, by key: a repeat meanwhile shares the outcome. */
  private readonly unsettled = new Map<string, Promise<EmissionOutcome>>();
  private readonly limiter: TokenBucket;
  private readonly logger: KubeLogger;
  private readonly counters: EventRecorderStats = {
    recorded: 0,
    created: 0,
    patched: 0,
    existed: 0,
    folded: 0,
    dropped: { queueFull: 0, spam: 0, rejected: 0, failed: 0 },
  };
  private running: Promise<void> | undefined;
  private sequence = 0;

  constructor(private readonly options: EventRecorderOptions) {
    this.logger = options.logger ?? silentLogger;
    this.limiter = new TokenBucket(options.qps ?? 10, options.burst ?? 25);
  }

  /** A recorder bound to one upstream component (`source.component`). */
  forComponent(component: EventComponent | string): { event(involved: InvolvedObject, type: EventType, reason: string, message: string): void } {
    return { event: (involved, type, reason, message) => this.record(component, involved, type, reason, message) };
  }

  /** Queues an event; returns at once and never throws. */
  record(component: EventComponent | string, involved: InvolvedObject, type: EventType, reason: string, message: string): void {
    this.counters.recorded += 1;
    const objectKey = this.objectKey(component, involved);
    if (!this.spamBucket(objectKey).tryTake()) {
      this.counters.dropped.spam += 1;
      return;
    }
    const key = [objectKey, involved.fieldPath ?? '', type, reason, message].join('\u0000');
    const now = Date.now();
    const queued = this.queued.get(key);
    if (queued) {
      queued.count += 1;
      queued.last = now;
      this.counters.folded += 1;
      return;
    }
    if (this.queue.length >= (this.options.queueSize ?? 1000)) {
      this.counters.dropped.queueFull += 1;
      if (this.counters.dropped.queueFull % 100 === 1)
        this.logger.warn({ dropped: this.counters.dropped.queueFull, reason }, 'event queue full; dropping events');
      return;
    }
    const pending: Pending = { key, component, involved, type, reason, message, count: 1, first: now, last: now };
    this.queue.push(pending);
    this.queued.set(key, pending);
    this.running ??= this.drain();
  }

  /**
   * Queues one logical emission, written exactly once however often it is recorded: `identity` is
   * the same for the same emission live, replayed and after a crash (derive it from the event log:
   * an effect's input), and the Event's name comes from it (`emissionEventName`). A repeat finds
   * the Event there (409) or still queued, and counts as written. Never throws; returns at once
   * with a promise of the outcome, settled once the Event is written, found, or dropped by the
   * flood filter, a full queue, or writes that kept failing (each logged and counted as `record`'s).
   */
  recordOnce(
    identity: string,
    component: EventComponent | string,
    involved: InvolvedObject,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<EmissionOutcome> {
    this.counters.recorded += 1;
    const name = emissionEventName(identity, component, involved, reason);
    const key = `once\u0000${involved.namespace || 'default'}\u0000${name}`;
    const unsettled = this.unsettled.get(key);
    if (unsettled) return unsettled;
    if (!this.spamBucket(this.objectKey(component, involved)).tryTake()) {
      this.counters.dropped.spam += 1;
      return Promise.resolve('dropped');
    }
    if (this.queue.length >= (this.options.queueSize ?? 1000)) {
      this.counters.dropped.queueFull += 1;
      if (this.counters.dropped.queueFull % 100 === 1)
        this.logger.warn({ dropped: this.counters.dropped.queueFull, reason }, 'event queue full; dropping events');
      return Promise.resolve('dropped');
    }
    const { promise, resolve } = Promise.withResolvers<EmissionOutcome>();
    this.unsettled.set(key, promise);
    const settle = (outcome: EmissionOutcome) => {
      this.unsettled.delete(key);
      resolve(outcome);
    };
    const now = Date.now();
    this.queue.push({ key, component, involved, type, reason, message, count: 1, first: now, last: now, once: { name, identity, settle } });
    this.running ??= this.drain();
    return promise;
  }

  /** Resolves once every queued event is written or dropped. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stats(): EventRecorderStats {
    return { ...this.counters, dropped: { ...this.counters.dropped } };
  }

  /** The spam filter's key: source and object, as client-go's. */
  private objectKey(component: string, involved: InvolvedObject): string {
    return [component, this.options.host, involved.kind, involved.namespace ?? '', involved.name, involved.uid ?? '', involved.apiVersion ?? ''].join('\u0000');
  }

  private spamBucket(key: string): TokenBucket {
    let bucket = this.spam.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.options.spamQps ?? 1 / 300, this.options.spamBurst ?? 25);
      this.remember(this.spam, key, bucket);
    }
    return bucket;
  }

  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > (this.options.cacheSize ?? 4096)) map.delete(map.keys().next().value!);
  }

  private async drain(): Promise<void> {
    for (let item = this.queue.shift(); item; item = this.queue.shift()) {
      this.queued.delete(item.key);
      await this.limiter.take();
      await this.write(item);
    }
    this.running = undefined;
  }

  private async write(item: Pending): Promise<void> {
    const backoff = new Backoff({ initialMs: this.options.retryDelayMs ?? 500, maxMs: 10_000 });
    const tries = this.options.maxTries ?? 5;
    for (let attempt = 1; ; attempt += 1) {
      try {
        if (item.once) item.once.settle(await this.sendOnce(item, item.once));
        else await this.send(item);
        return;
      } catch (error) {
        const retryable = !(error instanceof KubeApiError) || error.retryable;
        if (!retryable || attempt >= tries) {
          if (retryable) this.counters.dropped.failed += 1;
          else this.counters.dropped.rejected += 1;
          this.logger.warn({ reason: item.reason, involvedObject: item.involved.name, err: errField(error) }, 'event not written');
          item.once?.settle('dropped');
          return;
        }
        await sleep(backoff.next(error instanceof KubeApiError ? (error.retryAfterMs ?? 0) : 0));
      }
    }
  }

  /** Creates a keyed Event under its own name; one that is there already (409) was written before. */
  private async sendOnce(item: Pending, once: NonNullable<Pending['once']>): Promise<EmissionOutcome> {
    const namespace = item.involved.namespace || 'default';
    const event = {
      ...this.eventBody(item, namespace, once.name, item.first, item.count),
      metadata: { name: once.name, namespace, annotations: { [EMISSION_ANNOTATION]: once.identity } },
    };
    try {
      await this.options.transport.request({ method: 'POST', path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, body: event });
    } catch (error) {
      if (error instanceof KubeApiError && error.type === 'kube.alreadyExists') {
        this.counters.existed += 1;
        // Only a repeat of an emission makes this: a run after a restart, or an effect run again.
        this.logger.info(
          { reason: item.reason, involvedObject: item.involved.name, event: once.name, emission: once.identity },
          'event already written; not written again',
        );
        return 'existed';
      }
      throw error;
    }
    this.counters.created += 1;
    return 'created';
  }

  private eventBody(item: Pending, namespace: string, name: string, first: number, count: number) {
    const { host } = this.options;
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: item.involved,
      reason: item.reason,
      message: item.message,
      source: { component: item.component, host },
      firstTimestamp: rfc3339(first),
      lastTimestamp: rfc3339(item.last),
      count,
      type: item.type,
      reportingComponent: item.component,
      reportingInstance: host,
    };
  }

  private async send(item: Pending): Promise<void> {
    const { transport } = this.options;
    const seen = this.written.get(item.key);
    const recent = seen && item.first - seen.last <= (this.options.windowMs ?? 600_000) ? seen : undefined;
    if (recent) {
      try {
        const path = `/api/v1/namespaces/${encodeURIComponent(recent.namespace)}/events/${encodeURIComponent(recent.name)}`;
        const body = { count: recent.count + item.count, lastTimestamp: rfc3339(item.last) };
        await transport.request({ method: 'PATCH', path, body, contentType: 'application/strategic-merge-patch+json' });
        recent.count += item.count;
        recent.last = item.last;
        this.remember(this.written, item.key, recent);
        this.counters.patched += 1;
        return;
      } catch (error) {
        // The Event expired or was deleted: create it again under its name, as client-go does.
        if (!(error instanceof KubeApiError && error.type === 'kube.notFound')) throw error;
      }
    }
    const namespace = item.involved.namespace || 'default';
    // client-go names events `<object>.<unix nanos in hex>`; the sequence keeps same-ms names apart.
    const nanos = BigInt(Date.now()) * 1_000_000n + BigInt(this.sequence++ % 1_000_000);
    const name = recent?.name ?? `${item.involved.name}.${nanos.toString(16)}`;
    const first = recent?.first ?? item.first;
    const count = (recent?.count ?? 0) + item.count;
    const event = this.eventBody(item, namespace, name, first, count);
    await transport.request({ method: 'POST', path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, body: event });
    this.remember(this.written, item.key, { name, namespace, count, first, last: item.last });
    this.counters.created += 1;
  }
}
