// The supervised list/watch loop behind an informer (client-go's Reflector, with the restart
// policy client-node lacks). Lifecycle of a session, started by `start()` and ended for good
// by `stop()`:
//
//   listing ──► connecting ──► watching ──► (stream ends) ──► connecting …   resume from the last RV
//      ▲                                      │ 410 Expired     ──► listing   consistent re-list, diffed
//      └──────────── backingOff ◄─────────────┘ error / 429 / watchdog / quick close
//
// A list or watch failure waits out an exponential backoff (Retry-After is a floor) before the
// next try; a watch that stayed open for `healthyAfterMs` resets the backoff, and one that ended
// healthy is resumed at once. Each watch asks the server to close it after `timeoutSeconds`, and a
// watchdog aborts one that has been silent longer than that (a half-open connection sends
// nothing). Every restart is counted by reason and logged. Observations are level-triggered:
// whole objects (see informer-cache.ts).
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import { KubeApiError } from './errors.js';
import { InformerCache, type ListBody, type Observation } from './informer-cache.js';
import { errField, type KubeLogger } from './log.js';
import type { KubeObject } from './objects.js';
import type { KubeTransport } from './transport.js';
import { streamWatch } from './watch-stream.js';

export type ReflectorState = 'idle' | 'listing' | 'connecting' | 'watching' | 'backingOff' | 'stopped';
export type RestartReason = 'closed' | 'expired' | 'watchdog' | 'throttled' | 'error';

export interface ReflectorOptions<T extends KubeObject> {
  readonly transport: KubeTransport;
  readonly path: string;
  readonly name: string;
  readonly fieldSelector?: string;
  readonly labelSelector?: string;
  readonly logger: KubeLogger;
  readonly keyOf: (obj: T) => string;
  readonly backoff?: Partial<BackoffOptions>;
  /** A watch open this long counts as healthy: the backoff resets (default 30 s). */
  readonly healthyAfterMs?: number;
  /** Server-side watch timeout; default a random 300–600 s per watch, like client-go. */
  readonly watchTimeoutSeconds?: number;
  /** Abort a watch silent for this long; default its timeout + 30 s. */
  readonly watchdogMs?: number;
  readonly listTimeoutMs?: number;
}

type Outcome =
  | { readonly kind: 'listed' }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'closed' | 'expired' | 'watchdog'; readonly healthy: boolean }
  | { readonly kind: 'failed'; readonly healthy: boolean; readonly error: unknown; readonly phase: 'list' | 'watch' };

interface Session {
  stopped: boolean;
  readonly abort: AbortController;
}

export class Reflector<T extends KubeObject> {
  readonly cache: InformerCache<T>;
  state: ReflectorState = 'idle';
  /** Last moment the view was known current (a watch was open); for staleness. */
  lastCurrentAt = Date.now();
  readonly counters = { lists: 0, listErrors: 0, watches: 0, restarts: 0 };
  readonly restartsByReason: Record<RestartReason, number> = { closed: 0, expired: 0, watchdog: 0, throttled: 0, error: 0 };
  private session: Session | undefined;

  get name(): string {
    return this.options.name;
  }

  constructor(
    private readonly options: ReflectorOptions<T>,
    emit: (observation: Observation<T>) => void,
  ) {
    this.cache = new InformerCache(options.name, options.keyOf, emit, options.logger);
  }

  start(): void {
    if (this.session && !this.session.stopped) return;
    const session: Session = { stopped: false, abort: new AbortController() };
    this.session = session;
    this.cache.reset();
    this.options.logger.info({ informer: this.options.name, path: this.options.path }, 'informer starting');
    this.run(session).catch((error: unknown) => this.options.logger.error({ informer: this.options.name, err: errField(error) }, 'informer loop failed'));
  }

  /** Ends the session for good: aborts what is in flight, and nothing restarts it. */
  stop(): void {
    const session = this.session;
    if (!session || session.stopped) return;
    session.stopped = true;
    session.abort.abort();
    this.state = 'stopped';
    this.cache.synced = false;
    this.options.logger.info({ informer: this.options.name }, 'informer stopped');
  }

  private async run(s: Session): Promise<void> {
    const backoff = new Backoff(this.options.backoff);
    let relist: 'initial' | 'consistent' | undefined = 'initial';
    while (!s.stopped) {
      // The first list may come from the watch cache (RV 0); after a 410 only a consistent read will do.
      const outcome = relist ? await this.list(s, relist === 'initial' ? '0' : undefined) : await this.watch(s);
      if (outcome.kind === 'stopped' || s.stopped) break;
      if (outcome.kind === 'listed') {
        relist = undefined;
        continue;
      }
      if (outcome.kind === 'expired') relist = 'consistent';
      if (outcome.healthy) backoff.reset();
      const error = outcome.kind === 'failed' ? outcome.error : undefined;
      const throttled = error instanceof KubeApiError && error.type === 'kube.tooManyRequests';
      const reason: RestartReason = outcome.kind === 'failed' ? (throttled ? 'throttled' : 'error') : outcome.kind;
      const delayMs = outcome.healthy ? 0 : backoff.next(error instanceof KubeApiError ? (error.retryAfterMs ?? 0) : 0);
      this.counters.restarts += 1;
      this.restartsByReason[reason] += 1;
      const fields = {
        informer: this.options.name,
        reason,
        delayMs,
        attempt: backoff.attempt,
        resourceVersion: this.cache.resourceVersion,
        ...(error !== undefined ? { err: errField(error) } : {}),
      };
      if (reason === 'closed' && outcome.healthy) this.options.logger.info(fields, 'watch ended; resuming');
      else this.options.logger.warn(fields, outcome.kind === 'failed' && outcome.phase === 'list' ? 'list failed; retrying' : 'watch restarting');
      if (delayMs > 0) {
        this.state = 'backingOff';
        await sleep(delayMs, s.abort.signal).catch(() => undefined);
      }
    }
  }

  private async list(s: Session, resourceVersion: '0' | undefined): Promise<Outcome> {
    const { transport, path, fieldSelector, labelSelector } = this.options;
    this.state = 'listing';
    this.counters.lists += 1;
    try {
      const query = { fieldSelector, labelSelector, resourceVersion };
      const list = await transport.request<ListBody<T>>({
        method: 'GET',
        path,
        query,
        signal: s.abort.signal,
        timeoutMs: this.options.listTimeoutMs ?? 60_000,
      });
      if (s.stopped) return { kind: 'stopped' };
      this.cache.replace(list);
      return { kind: 'listed' };
    } catch (error) {
      if (s.stopped) return { kind: 'stopped' };
      this.counters.listErrors += 1;
      return { kind: 'failed', healthy: false, error, phase: 'list' };
    }
  }

  private async watch(s: Session): Promise<Outcome> {
    const { transport, path, fieldSelector, labelSelector } = this.options;
    this.state = 'connecting';
    this.counters.watches += 1;
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
    const watchdogMs = this.options.watchdogMs ?? timeoutSeconds * 1000 + 30_000;
    const abort = new AbortController();
    const onStop = () => abort.abort();
    s.abort.signal.addEventListener('abort', onStop, { once: true });
    let openedAt: number | undefined;
    let verdict: Outcome | undefined;
    const healthy = () => openedAt !== undefined && Date.now() - openedAt >= (this.options.healthyAfterMs ?? 30_000);
    const end = (outcome: Outcome) => {
      verdict ??= outcome;
      abort.abort();
    };
    // Activity only stamps a time; the timer re-arms itself for the rest of the silence allowed.
    let lastActivity = Date.now();
    const check = () => {
      const silentMs = Date.now() - lastActivity;
      if (silentMs >= watchdogMs) end({ kind: 'watchdog', healthy: healthy() });
      else watchdog = setTimeout(check, watchdogMs - silentMs);
    };
    let watchdog = setTimeout(check, watchdogMs);
    try {
      const query = {
        fieldSelector,
        labelSelector,
        resourceVersion: this.cache.resourceVersion,
        allowWatchBookmarks: 'true',
        timeoutSeconds: String(timeoutSeconds),
      };
      await streamWatch(transport, {
        path,
        query,
        signal: abort.signal,
        onOpen: () => {
          openedAt = lastActivity = Date.now();
          this.state = 'watching';
        },
        onEvent: (event) => {
          lastActivity = Date.now();
          const problem = this.cache.apply(event, path);
          if (problem === 'expired') end({ kind: 'expired', healthy: healthy() });
          else if (problem) end({ kind: 'failed', healthy: healthy(), error: problem, phase: 'watch' });
        },
      });
      return verdict ?? { kind: 'closed', healthy: healthy() };
    } catch (error) {
      if (s.stopped) return { kind: 'stopped' };
      if (error instanceof KubeApiError && error.type === 'kube.expired') return verdict ?? { kind: 'expired', healthy: healthy() };
      return verdict ?? { kind: 'failed', healthy: healthy(), error, phase: 'watch' };
    } finally {
      clearTimeout(watchdog);
      s.abort.signal.removeEventListener('abort', onStop);
      if (openedAt !== undefined) this.lastCurrentAt = Date.now();
    }
  }
}
