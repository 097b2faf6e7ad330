// Fault injection and the request log. Faults apply after routing, so a match can name the
// verb and resource as well as the method and path.
import { type ApiError, errors } from './errors.js';
import type { Storage } from './storage.js';
import type { Verb } from './types.js';
import type { CloseMode, WatchHub } from './watch.js';

/** What a request looks like to matchers and the log. */
export interface RequestRecord {
  readonly time: number;
  readonly method: string;
  readonly path: string;
  /** The query as sent, in order (`watch=true&resourceVersion=…`). */
  readonly rawQuery: string;
  readonly query: Readonly<Record<string, string>>;
  readonly contentType?: string;
  readonly userAgent?: string;
  /** Who the bearer token stood for (set once authentication passed). */
  user?: string;
  readonly verb?: Verb;
  /** Plural, e.g. `pods`, `containerrecreaterequests`. */
  readonly resource?: string;
  readonly group?: string;
  readonly version?: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** Response status; for watches, 200 as soon as the stream opens. Undefined until answered. */
  status?: number;
}

export interface RequestMatch {
  method?: string;
  /** A string matches when the path equals it; a RegExp is tested against the path. */
  path?: string | RegExp;
  verb?: Verb;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export function matchesRequest(match: RequestMatch | undefined, r: RequestRecord): boolean {
  if (!match) return true;
  if (match.method !== undefined && match.method.toUpperCase() !== r.method) return false;
  if (match.path !== undefined && (typeof match.path === 'string' ? match.path !== r.path : !match.path.test(r.path))) return false;
  if (match.verb !== undefined && match.verb !== r.verb) return false;
  if (match.resource !== undefined && match.resource !== r.resource) return false;
  if (match.subresource !== undefined && match.subresource !== r.subresource) return false;
  if (match.namespace !== undefined && match.namespace !== r.namespace) return false;
  if (match.name !== undefined && match.name !== r.name) return false;
  return true;
}

export class RequestLog {
  private readonly records: RequestRecord[] = [];

  add(record: RequestRecord): void {
    this.records.push(record);
  }

  /** Every request so far, oldest first. */
  get all(): readonly RequestRecord[] {
    return this.records;
  }

  filter(match: RequestMatch | ((r: RequestRecord) => boolean)): RequestRecord[] {
    return this.records.filter(typeof match === 'function' ? match : (r) => matchesRequest(match, r));
  }

  clear(): void {
    this.records.length = 0;
  }
}

export interface FailureSpec {
  /** HTTP status to answer with: 500 (InternalError), 429 (TooManyRequests, with Retry-After), 503, or any other code. */
  status: number;
  match?: RequestMatch;
  /** For 429 (default 1). */
  retryAfterSeconds?: number;
  message?: string;
}

interface PendingFailure extends FailureSpec {
  remaining: number;
}

interface Latency {
  readonly ms: number;
  readonly match?: RequestMatch;
}

export class Faults {
  private readonly failures: PendingFailure[] = [];
  private readonly latencies = new Set<Latency>();

  constructor(
    private readonly hub: WatchHub,
    private readonly storage: Storage,
  ) {}

  /** Closes every open watch (or the matching ones) now; returns how many were closed. */
  dropWatches(options: { mode?: CloseMode; match?: RequestMatch } = {}): number {
    const match = options.match;
    return this.hub.drop(options.mode ?? 'end', (s) =>
      matchesRequest(match, {
        time: 0,
        method: 'GET',
        path: s.spec.path,
        rawQuery: '',
        query: {},
        verb: 'watch',
        resource: s.spec.def.plural,
        ...(s.spec.namespace !== undefined ? { namespace: s.spec.namespace } : {}),
      }),
    );
  }

  /** The next `count` matching requests fail with `spec.status`. */
  failNext(count: number, spec: FailureSpec): void {
    this.failures.push({ ...spec, remaining: count });
  }

  /** Delays matching requests by `ms` before they are handled. Returns a function that removes it. */
  addLatency(ms: number, match?: RequestMatch): () => void {
    const entry: Latency = { ms, ...(match ? { match } : {}) };
    this.latencies.add(entry);
    return () => this.latencies.delete(entry);
  }

  /** Forgets the watch history: every resume from an older resourceVersion gets 410 Expired. */
  compact(): void {
    this.storage.compact();
  }

  /** Removes pending failures and latencies. */
  clear(): void {
    this.failures.length = 0;
    this.latencies.clear();
  }

  /** Failures still armed (remaining counts). */
  get pendingFailures(): number {
    return this.failures.reduce((n, f) => n + f.remaining, 0);
  }

  latencyFor(record: RequestRecord): number {
    let total = 0;
    for (const l of this.latencies) if (matchesRequest(l.match, record)) total += l.ms;
    return total;
  }

  /** The injected error for this request, consuming one armed failure, or undefined. */
  take(record: RequestRecord): ApiError | undefined {
    const failure = this.failures.find((f) => f.remaining > 0 && matchesRequest(f.match, record));
    if (!failure) return undefined;
    failure.remaining -= 1;
    if (failure.remaining === 0) this.failures.splice(this.failures.indexOf(failure), 1);
    switch (failure.status) {
      case 429:
        return errors.tooManyRequests(failure.retryAfterSeconds ?? 1);
      case 500:
        return errors.internal(failure.message ?? 'injected fault');
      case 503:
        return errors.serviceUnavailable(failure.message);
      default:
        return errors.generic(failure.status, failure.message ?? 'injected fault');
    }
  }
}
