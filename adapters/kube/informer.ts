// Informers as RxJS Observables of level-triggered observations. `watchResource()` returns a hot,
// reference-counted Informer: the first subscriber starts the supervised list/watch loop
// (reflector.ts), later subscribers first get the current view replayed (an upsert per object,
// then `synced` if the first list is done), and when the last one unsubscribes the loop stops for
// good (a new subscription starts a new session). `hasSynced()` and `healthCheck()` feed
// /healthz; `stats()` feeds /metrics and tests.
// The Observable class alone: rxjs's package index (CommonJS on Node) loads every operator, ~10 MiB
// of RSS for a class this adapter needs alone (docs/architecture.md, "Memory"). Same class.
import { Observable } from 'rxjs/internal/Observable';
import type { Subscriber } from 'rxjs';
import type { Observation } from './informer-cache.js';
import { silentLogger, type KubeLogger } from './log.js';
import { objectKey, type KubeObject } from './objects.js';
import { Reflector, type ReflectorOptions, type ReflectorState, type RestartReason } from './reflector.js';

export type { Observation } from './informer-cache.js';
export type { ReflectorState as InformerState, RestartReason } from './reflector.js';

export interface WatchResourceOptions<T extends KubeObject> extends Omit<ReflectorOptions<T>, 'name' | 'logger' | 'keyOf'> {
  /** For logs, `synced` observations and health messages; default the path. */
  readonly name?: string;
  readonly logger?: KubeLogger;
  /** Default `namespace/name`. */
  readonly keyOf?: (obj: T) => string;
}

export interface InformerStats {
  readonly state: ReflectorState;
  readonly synced: boolean;
  readonly objects: number;
  readonly lists: number;
  readonly listErrors: number;
  readonly watches: number;
  /** Every time the loop went round again after a list failure or a watch end. */
  readonly restarts: number;
  readonly restartsByReason: Readonly<Record<RestartReason, number>>;
  readonly events: number;
  readonly bookmarks: number;
  readonly duplicates: number;
  readonly upserts: number;
  readonly deletes: number;
}

class InformerCore<T extends KubeObject> {
  readonly subscribers = new Set<Subscriber<Observation<T>>>();
  readonly reflector: Reflector<T>;

  constructor(options: WatchResourceOptions<T>) {
    const name = options.name ?? options.path;
    this.reflector = new Reflector<T>({ ...options, name, logger: options.logger ?? silentLogger, keyOf: options.keyOf ?? objectKey }, (o) => {
      for (const subscriber of this.subscribers) subscriber.next(o);
    });
  }

  attach(subscriber: Subscriber<Observation<T>>): () => void {
    const { cache } = this.reflector;
    if (this.subscribers.size > 0) {
      for (const [key, object] of cache.objects) subscriber.next({ type: 'upsert', key, object });
      if (cache.synced) subscriber.next({ type: 'synced', key: this.reflector.name, resourceVersion: cache.resourceVersion ?? '' });
    }
    this.subscribers.add(subscriber);
    if (this.subscribers.size === 1) this.reflector.start();
    return () => {
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0) this.reflector.stop();
    };
  }
}

export class Informer<T extends KubeObject> extends Observable<Observation<T>> {
  private constructor(private readonly core: InformerCore<T>) {
    super((subscriber) => core.attach(subscriber));
  }

  static fromOptions<T extends KubeObject>(options: WatchResourceOptions<T>): Informer<T> {
    return new Informer(new InformerCore(options));
  }

  get name(): string {
    return this.core.reflector.name;
  }

  /** The first list of the running session has been emitted (upstream's HasSynced). */
  hasSynced(): boolean {
    return this.core.reflector.cache.synced;
  }

  /** For /healthz: undefined when healthy, else upstream's `not synced`, or how long the view has been stale. */
  healthCheck(maxStaleMs?: number): () => string | undefined {
    return () => {
      if (!this.hasSynced()) return 'not synced';
      const stale = this.staleForMs();
      return maxStaleMs !== undefined && stale > maxStaleMs ? `watch down for ${Math.round(stale / 1000)}s` : undefined;
    };
  }

  /** 0 while a watch is open; otherwise how long since one was. */
  staleForMs(): number {
    const r = this.core.reflector;
    return r.state === 'watching' ? 0 : Date.now() - r.lastCurrentAt;
  }

  /** The last state seen of one object (by key), from the running session. */
  get(key: string): T | undefined {
    return this.core.reflector.cache.objects.get(key);
  }

  /** Every object of the running session's view. */
  list(): T[] {
    return [...this.core.reflector.cache.objects.values()];
  }

  stats(): InformerStats {
    const r = this.core.reflector;
    return {
      state: r.state,
      synced: r.cache.synced,
      objects: r.cache.objects.size,
      ...r.counters,
      restartsByReason: { ...r.restartsByReason },
      ...r.cache.counters,
    };
  }
}

/** A supervised informer on one collection path, with its selectors on both list and watch. */
export function watchResource<T extends KubeObject = KubeObject>(options: WatchResourceOptions<T>): Informer<T> {
  return Informer.fromOptions(options);
}
