// The object storage under the fake: one bucket per group-resource (all versions share it), one
// global, strictly increasing resourceVersion (like an etcd revision), and a per-resource event
// history that plays the watch cache: watches resume from it, and a resume older than its
// floor gets 410 Expired.
import { randomUUID } from 'node:crypto';
import { errors, tooOldResourceVersion } from './errors.js';
import type { Registry } from './registry.js';
import { groupResource, type ResourceDef } from './resources.js';
import { deepEqual, joinApiVersion, rfc3339, type KubeObject } from './types.js';

export interface StoreEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly rv: number;
  readonly def: ResourceDef;
  /** The object after the change; for DELETED, the last state with the deletion's resourceVersion. */
  readonly object: KubeObject;
  readonly previous?: KubeObject;
}

export type StoreListener = (event: StoreEvent) => void;

interface Bucket {
  readonly def: ResourceDef;
  readonly objects: Map<string, KubeObject>;
  history: StoreEvent[];
  /** Watches from a resourceVersion below this get 410 Expired. */
  floor: number;
}

export interface StorageOptions {
  /** Events kept per resource for watch resumption (default 10,000). */
  historyLimit?: number;
  /** The resourceVersion the fake starts at (default 1000): older resumes get 410. */
  initialResourceVersion?: number;
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Fields outside metadata and status, compared to decide whether generation bumps. */
function specChanged(a: KubeObject, b: KubeObject): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of ['metadata', 'status', 'apiVersion', 'kind']) keys.delete(key);
  return [...keys].some((key) => !deepEqual(a[key], b[key]));
}

function withoutVersion(obj: KubeObject): KubeObject {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return { ...obj, apiVersion: undefined, metadata };
}

export class Storage {
  private rv: number;
  private readonly buckets = new Map<string, Bucket>();
  private readonly listeners = new Set<StoreListener>();
  private readonly historyLimit: number;

  constructor(
    readonly registry: Registry,
    options: StorageOptions = {},
  ) {
    this.rv = options.initialResourceVersion ?? 1000;
    this.historyLimit = options.historyLimit ?? 10_000;
    for (const def of registry.all()) this.buckets.set(groupResource(def), { def, objects: new Map(), history: [], floor: this.rv });
  }

  /** The newest resourceVersion handed out. */
  get resourceVersion(): number {
    return this.rv;
  }

  private bucket(def: ResourceDef): Bucket {
    const bucket = this.buckets.get(groupResource(def));
    if (!bucket) throw new Error(`no storage for ${groupResource(def)}`);
    return bucket;
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.bucket(def).objects.get(objectKey(def.namespaced ? namespace : undefined, name));
  }

  /** Objects in key order (namespace/name), like an etcd range read. */
  list(def: ResourceDef, namespace?: string): KubeObject[] {
    const items: Array<[string, KubeObject]> = [];
    for (const entry of this.bucket(def).objects) if (!namespace || entry[1].metadata.namespace === namespace) items.push(entry);
    items.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return items.map((entry) => entry[1]);
  }

  floor(def: ResourceDef): number {
    return this.bucket(def).floor;
  }

  /** Events of `def` after `rv`, or 410 when the history no longer reaches back that far. */
  eventsSince(def: ResourceDef, rv: number): StoreEvent[] {
    const bucket = this.bucket(def);
    if (rv < bucket.floor) throw tooOldResourceVersion(rv, bucket.floor);
    const history = bucket.history;
    let lo = 0;
    let hi = history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (history[mid]!.rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return history.slice(lo);
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forgets all history: every watch resume from before now gets 410. */
  compact(): void {
    for (const bucket of this.buckets.values()) {
      bucket.history = [];
      bucket.floor = this.rv;
    }
  }

  private emit(type: StoreEvent['type'], def: ResourceDef, object: KubeObject, previous?: KubeObject): void {
    const event: StoreEvent = { type, rv: this.rv, def, object, ...(previous ? { previous } : {}) };
    const bucket = this.bucket(def);
    bucket.history.push(event);
    if (bucket.history.length > this.historyLimit * 1.25) {
      const dropped = bucket.history.length - this.historyLimit;
      bucket.floor = bucket.history[dropped - 1]!.rv;
      bucket.history = bucket.history.slice(dropped);
    }
    for (const listener of this.listeners) listener(event);
  }

  /** Stores a new object: fills name (from generateName), uid, creationTimestamp, generation, resourceVersion. */
  insert(def: ResourceDef, input: KubeObject, version: string, dryRun = false): KubeObject {
    const bucket = this.bucket(def);
    const metadata = { ...input.metadata };
    if (!def.namespaced) delete metadata.namespace;
    if (!metadata.name && metadata.generateName) {
      do {
        let suffix = '';
        for (let i = 0; i < 5; i += 1) suffix += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
        metadata.name = metadata.generateName + suffix;
      } while (bucket.objects.has(objectKey(metadata.namespace, metadata.name)));
    }
    if (!metadata.name) throw errors.invalid(def, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    const key = objectKey(metadata.namespace, metadata.name);
    if (bucket.objects.has(key)) throw errors.alreadyExists(def, metadata.name);
    metadata.uid = randomUUID();
    metadata.creationTimestamp = rfc3339();
    delete metadata.deletionTimestamp;
    delete metadata.deletionGracePeriodSeconds;
    if (def.tracksGeneration) metadata.generation = 1;
    else delete metadata.generation;
    if (dryRun)
      return { ...input, apiVersion: joinApiVersion(def.group, version), kind: def.kind, metadata: { ...metadata, resourceVersion: String(this.rv) } };
    this.rv += 1;
    metadata.resourceVersion = String(this.rv);
    const stored: KubeObject = { ...input, apiVersion: joinApiVersion(def.group, version), kind: def.kind, metadata };
    bucket.objects.set(key, stored);
    this.emit('ADDED', def, stored);
    return stored;
  }

  /**
   * Replaces `previous` with `next` (identity fields kept from `previous`). A write that changes
   * nothing is skipped like the real server does: same resourceVersion, no event. Removing the
   * last finalizer of an object being deleted deletes it (a gracefully deleted pod, which never
   * had finalizers, stays until it is deleted again with grace 0).
   */
  replace(def: ResourceDef, previous: KubeObject, next: KubeObject, dryRun = false): KubeObject {
    const { name, namespace, uid, creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds, generation } = previous.metadata;
    const metadata = { ...next.metadata, name, namespace, uid, creationTimestamp };
    if (!def.namespaced) delete metadata.namespace;
    if (deletionTimestamp !== undefined) {
      metadata.deletionTimestamp = deletionTimestamp;
      if (deletionGracePeriodSeconds !== undefined) metadata.deletionGracePeriodSeconds = deletionGracePeriodSeconds;
    }
    if (metadata.deletionTimestamp === undefined) delete metadata.deletionTimestamp;
    if (metadata.deletionGracePeriodSeconds === undefined) delete metadata.deletionGracePeriodSeconds;
    const candidate: KubeObject = { ...next, apiVersion: previous.apiVersion, kind: def.kind, metadata };
    if (def.tracksGeneration) {
      const bump = specChanged(previous, candidate) || (metadata.deletionTimestamp !== undefined && deletionTimestamp === undefined);
      metadata.generation = (generation ?? 1) + (bump ? 1 : 0);
    } else {
      delete metadata.generation;
    }
    const lastFinalizerRemoved = (previous.metadata.finalizers ?? []).length > 0 && (metadata.finalizers ?? []).length === 0;
    if (metadata.deletionTimestamp !== undefined && lastFinalizerRemoved && !metadata.deletionGracePeriodSeconds) {
      return this.remove(def, { ...candidate, metadata: { ...metadata, resourceVersion: previous.metadata.resourceVersion } }, dryRun);
    }
    metadata.resourceVersion = previous.metadata.resourceVersion;
    if (deepEqual(withoutVersion(candidate), withoutVersion(previous))) return previous;
    if (dryRun) return candidate;
    this.rv += 1;
    metadata.resourceVersion = String(this.rv);
    this.bucket(def).objects.set(objectKey(namespace, name!), candidate);
    this.emit('MODIFIED', def, candidate, previous);
    return candidate;
  }

  /** Removes the object now; returns its last state carrying the deletion's resourceVersion. */
  remove(def: ResourceDef, previous: KubeObject, dryRun = false): KubeObject {
    if (dryRun) return previous;
    const key = objectKey(def.namespaced ? previous.metadata.namespace : undefined, previous.metadata.name!);
    const bucket = this.bucket(def);
    const stored = bucket.objects.get(key);
    if (!stored) throw errors.notFound(def, previous.metadata.name!);
    bucket.objects.delete(key);
    this.rv += 1;
    const deleted: KubeObject = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(this.rv) } };
    this.emit('DELETED', def, deleted, stored);
    return deleted;
  }
}
