// An informer's view of the objects: the last state of each, keyed, and the resourceVersion to
// resume from. It turns lists and watch events into level-triggered observations: whole
// objects, one per change, deduplicated by resourceVersion, and deletes for the objects a
// re-list no longer shows.
import { errorFromStatus, type KubeApiError } from './errors.js';
import type { KubeLogger } from './log.js';
import type { KubeObject } from './objects.js';
import type { WatchEvent } from './watch-stream.js';

export type Observation<T> =
  | { readonly type: 'upsert'; readonly key: string; readonly object: T }
  /** `object` is the last state seen: the server's final state, or the cached one after a re-list. */
  | { readonly type: 'delete'; readonly key: string; readonly object: T }
  /** The first list of a session is complete and emitted; `key` is the informer's name. */
  | { readonly type: 'synced'; readonly key: string; readonly resourceVersion: string };

export interface ListBody<T> {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly resourceVersion?: string };
  readonly items?: T[];
}

const rvOf = (obj: KubeObject): string | undefined => obj.metadata?.resourceVersion;

export class InformerCache<T extends KubeObject> {
  readonly objects = new Map<string, T>();
  resourceVersion: string | undefined;
  synced = false;
  readonly counters = { events: 0, bookmarks: 0, duplicates: 0, upserts: 0, deletes: 0 };

  constructor(
    private readonly name: string,
    private readonly keyOf: (obj: T) => string,
    private readonly emit: (observation: Observation<T>) => void,
    private readonly logger: KubeLogger,
  ) {}

  reset(): void {
    this.objects.clear();
    this.resourceVersion = undefined;
    this.synced = false;
  }

  /** Makes the view equal to a list; the first list of a session also emits `synced`. */
  replace(list: ListBody<T>): void {
    const kind = list.kind?.replace(/List$/, '');
    const fresh = new Map<string, T>();
    for (const item of list.items ?? []) {
      // Core lists omit apiVersion/kind on items; watch events carry them. Observations always do.
      item.apiVersion ??= list.apiVersion;
      item.kind ??= kind;
      fresh.set(this.keyOf(item), item);
    }
    for (const [key, old] of this.objects) {
      if (fresh.has(key)) continue;
      this.objects.delete(key);
      this.observe({ type: 'delete', key, object: old });
    }
    for (const [key, obj] of fresh) {
      const old = this.objects.get(key);
      this.objects.set(key, obj);
      if (old && rvOf(old) === rvOf(obj)) this.counters.duplicates += 1;
      else this.observe({ type: 'upsert', key, object: obj });
    }
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    if (!this.synced) {
      this.synced = true;
      this.emit({ type: 'synced', key: this.name, resourceVersion: this.resourceVersion });
    }
  }

  /** Applies one watch event; returns why the watch must end, if it must (an ERROR event). */
  apply(event: WatchEvent, path: string): 'expired' | KubeApiError | undefined {
    const obj = event.object as T;
    const rv = rvOf(obj);
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED': {
        const key = this.keyOf(obj);
        const old = this.objects.get(key);
        if (rv !== undefined) this.resourceVersion = rv;
        this.counters.events += 1;
        if (old && rv !== undefined && rvOf(old) === rv) {
          this.counters.duplicates += 1;
          return undefined;
        }
        this.objects.set(key, obj);
        this.observe({ type: 'upsert', key, object: obj });
        return undefined;
      }
      case 'DELETED': {
        const key = this.keyOf(obj);
        if (rv !== undefined) this.resourceVersion = rv;
        this.counters.events += 1;
        this.objects.delete(key);
        this.observe({ type: 'delete', key, object: obj });
        return undefined;
      }
      case 'BOOKMARK':
        if (rv !== undefined) this.resourceVersion = rv;
        this.counters.bookmarks += 1;
        return undefined;
      case 'ERROR': {
        const error = errorFromStatus(event.object, 500, { method: 'WATCH', path });
        return error.type === 'kube.expired' ? 'expired' : error;
      }
      default:
        this.logger.warn({ informer: this.name, type: event.type }, 'unknown watch event type ignored');
        return undefined;
    }
  }

  private observe(observation: Observation<T> & { type: 'upsert' | 'delete' }): void {
    if (observation.type === 'upsert') this.counters.upserts += 1;
    else this.counters.deletes += 1;
    this.emit(observation);
  }
}
