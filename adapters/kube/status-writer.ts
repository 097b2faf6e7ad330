// Writes status intents the way upstream does, but coalesced: machines say "this object's status
// should be X" as often as they like; per object only the newest intent is written, one write at
// a time. Each write reads the object fresh, skips when its status already is X (deep JSON
// equality, so a skip costs a GET and no write), then either PUTs the `/status` subresource with
// the fresh object and X (NodeImage, NodePodProbe, CRR phase changes) or merge-patches `{status:
// X}` (CRR container states). A 409 re-reads and tries again; 5xx, 429 and no answer retry with
// backoff (Retry-After is a floor); both are bounded. Each kind may have a token bucket (upstream:
// NodeImage 0.5 writes/s, burst 5); a token is spent per write request, refunded on a skip.
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import { KubeApiError } from './errors.js';
import { errField, silentLogger, type KubeLogger } from './log.js';
import { applyMergePatch, jsonEqual, toJson, type KubeObject } from './objects.js';
import { objectPath, type ObjectRef } from './resources.js';
import { TokenBucket } from './token-bucket.js';
import type { KubeTransport } from './transport.js';

export type StatusShape = 'put' | 'merge-patch';
/** How an intent ended: written, already so, replaced by a newer intent first, object gone, or gave up. */
export type WriteOutcome = 'written' | 'skipped' | 'superseded' | 'notFound' | 'failed';

export interface KindLimit {
  readonly qps: number;
  readonly burst: number;
}

/** Upstream's status write limits per kind (contract §3.6); other kinds are not throttled. */
export const UPSTREAM_STATUS_LIMITS: Readonly<Record<string, KindLimit>> = { NodeImage: { qps: 0.5, burst: 5 } };

export interface StatusWriterOptions {
  readonly transport: KubeTransport;
  readonly logger?: KubeLogger;
  /** Token bucket per kind; default UPSTREAM_STATUS_LIMITS. */
  readonly limits?: Readonly<Record<string, KindLimit>>;
  /** Conflicts re-read and retried per intent (default 5, client-go's retry.DefaultRetry). */
  readonly maxConflicts?: number;
  /** 5xx/429/unanswered retries per intent (default 5). */
  readonly maxRetries?: number;
  readonly backoff?: Partial<BackoffOptions>;
}

export interface StatusWriterStats {
  intents: number;
  writes: number;
  skips: number;
  superseded: number;
  conflicts: number;
  retries: number;
  throttled: number;
  notFound: number;
  failures: number;
}

interface Job {
  readonly desired: unknown;
  readonly shape: StatusShape;
  readonly settle: (outcome: WriteOutcome) => void;
}

interface Slot {
  readonly ref: ObjectRef;
  pending: Job | undefined;
  running: Promise<void> | undefined;
}

type Attempt = { readonly outcome: WriteOutcome; readonly sent: boolean } | { readonly retry: 'conflict' | 'transient'; readonly retryAfterMs?: number };

export class StatusWriter {
  private readonly slots = new Map<string, Slot>();
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly logger: KubeLogger;
  private readonly counters: StatusWriterStats = {
    intents: 0,
    writes: 0,
    skips: 0,
    superseded: 0,
    conflicts: 0,
    retries: 0,
    throttled: 0,
    notFound: 0,
    failures: 0,
  };
  /** Aborted by flush(), so writes waiting for a token go at once. */
  private wake = new AbortController();
  private flushing = 0;
  private closed = false;

  constructor(private readonly options: StatusWriterOptions) {
    this.logger = options.logger ?? silentLogger;
    for (const [kind, limit] of Object.entries(options.limits ?? UPSTREAM_STATUS_LIMITS)) this.buckets.set(kind, new TokenBucket(limit.qps, limit.burst));
  }

  /** Asks for `ref`'s status to become `status`; resolves with how this intent ended. Never rejects. */
  write(ref: ObjectRef, status: unknown, options: { readonly shape?: StatusShape } = {}): Promise<WriteOutcome> {
    if (this.closed) return Promise.resolve('failed');
    this.counters.intents += 1;
    const key = objectPath(ref);
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { ref, pending: undefined, running: undefined };
      this.slots.set(key, slot);
    }
    const s = slot;
    return new Promise<WriteOutcome>((resolve) => {
      if (s.pending) this.settle(s.pending, 'superseded');
      s.pending = { desired: toJson(status), shape: options.shape ?? 'put', settle: resolve };
      s.running ??= this.drain(key, s);
    });
  }

  /** Resolves once no intent is pending or being written. */
  async idle(): Promise<void> {
    while (this.slots.size > 0) await Promise.all([...this.slots.values()].map((s) => s.running));
  }

  /** Writes every pending intent now, without waiting for tokens (shutdown, tests), and resolves when all are settled. */
  async flush(): Promise<void> {
    this.flushing += 1;
    this.wake.abort();
    this.wake = new AbortController();
    try {
      await this.idle();
    } finally {
      this.flushing -= 1;
    }
  }

  /** Refuses new intents (they resolve `failed`) and flushes the pending ones. */
  close(): Promise<void> {
    this.closed = true;
    return this.flush();
  }

  stats(): StatusWriterStats {
    return { ...this.counters };
  }

  private settle(job: Job, outcome: WriteOutcome): void {
    if (outcome === 'superseded') this.counters.superseded += 1;
    job.settle(outcome);
  }

  private async drain(key: string, slot: Slot): Promise<void> {
    const backoff = new Backoff({ initialMs: 200, maxMs: 10_000, ...this.options.backoff });
    const bucket = this.buckets.get(slot.ref.kind);
    let job: Job | undefined;
    let conflicts = 0;
    let failures = 0;
    for (;;) {
      if (slot.pending) {
        if (job) this.settle(job, 'superseded');
        job = slot.pending;
        slot.pending = undefined;
        conflicts = failures = 0;
        backoff.reset();
      }
      if (!job) {
        // No await between the last check of `pending` and this: a new intent cannot slip past.
        slot.running = undefined;
        this.slots.delete(key);
        return;
      }
      let took = false;
      if (bucket && !this.flushing) {
        took = bucket.tryTake();
        if (!took) {
          this.counters.throttled += 1;
          took = await bucket.take(this.wake.signal).then(
            () => true,
            () => false,
          );
          if (slot.pending) {
            // A newer intent arrived while this one waited for its token: write that one instead.
            this.settle(job, 'superseded');
            job = slot.pending;
            slot.pending = undefined;
            conflicts = failures = 0;
          }
        }
      }
      const result = await this.attempt(slot.ref, job);
      if ('outcome' in result) {
        if (took && !result.sent) bucket?.refund();
        this.settle(job, result.outcome);
        job = undefined;
        continue;
      }
      if (result.retry === 'conflict') this.counters.conflicts += 1;
      const exhausted = result.retry === 'conflict' ? ++conflicts > (this.options.maxConflicts ?? 5) : ++failures > (this.options.maxRetries ?? 5);
      if (!exhausted && result.retry === 'transient') this.counters.retries += 1;
      if (exhausted) {
        this.counters.failures += 1;
        this.logger.warn({ object: key, conflicts, failures }, 'status write gave up');
        this.settle(job, 'failed');
        job = undefined;
      } else if (result.retry === 'transient') await sleep(backoff.next(result.retryAfterMs ?? 0));
    }
  }

  private async attempt(ref: ObjectRef, job: Job): Promise<Attempt> {
    const { transport } = this.options;
    let live: KubeObject;
    try {
      live = await transport.request<KubeObject>({ method: 'GET', path: objectPath(ref) });
    } catch (error) {
      return this.classify(ref, error, false);
    }
    const wanted = job.shape === 'put' ? job.desired : applyMergePatch(live.status, job.desired);
    if (jsonEqual(live.status, wanted)) {
      this.counters.skips += 1;
      return { outcome: 'skipped', sent: false };
    }
    try {
      const path = objectPath(ref, 'status');
      if (job.shape === 'put') await transport.request({ method: 'PUT', path, body: { ...live, status: job.desired } });
      else await transport.request({ method: 'PATCH', path, body: { status: job.desired }, contentType: 'application/merge-patch+json' });
      this.counters.writes += 1;
      return { outcome: 'written', sent: true };
    } catch (error) {
      return this.classify(ref, error, true);
    }
  }

  private classify(ref: ObjectRef, error: unknown, sent: boolean): Attempt {
    if (error instanceof KubeApiError) {
      if (error.type === 'kube.notFound') {
        this.counters.notFound += 1;
        return { outcome: 'notFound', sent };
      }
      if (error.type === 'kube.conflict') return { retry: 'conflict' };
      if (error.retryable) return { retry: 'transient', ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) };
    }
    this.counters.failures += 1;
    this.logger.error({ kind: ref.kind, namespace: ref.namespace, name: ref.name, err: errField(error) }, 'status write rejected');
    return { outcome: 'failed', sent };
  }
}
