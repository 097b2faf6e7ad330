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
  /** Repeats folded into a queued write. */
  folded: number;
  dropped: { queueFull: number; spam: number; rejected: number; failed: number };
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
  private readonly limiter: TokenBucket;
  private readonly logger: KubeLogger;
  private readonly counters: EventRecorderStats = {
    recorded: 0,
    created: 0,
    patched: 0,
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
    const host = this.options.host;
    const objectKey = [component, host, involved.kind, involved.namespace ?? '', involved.name, involved.uid ?? '', involved.apiVersion ?? ''].join('\u0000');
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

  /** Resolves once every queued event is written or dropped. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stats(): EventRecorderStats {
    return { ...this.counters, dropped: { ...this.counters.dropped } };
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
        await this.send(item);
        return;
      } catch (error) {
        const retryable = !(error instanceof KubeApiError) || error.retryable;
        if (!retryable || attempt >= tries) {
          if (retryable) this.counters.dropped.failed += 1;
          else this.counters.dropped.rejected += 1;
          this.logger.warn({ reason: item.reason, involvedObject: item.involved.name, err: errField(error) }, 'event not written');
          return;
        }
        await sleep(backoff.next(error instanceof KubeApiError ? (error.retryAfterMs ?? 0) : 0));
      }
    }
  }

  private async send(item: Pending): Promise<void> {
    const { transport, host } = this.options;
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
    const event = {
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
    await transport.request({ method: 'POST', path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, body: event });
    this.remember(this.written, item.key, { name, namespace, count, first, last: item.last });
    this.counters.created += 1;
  }
}
