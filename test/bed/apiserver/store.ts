// The in-process admin API tests use to arrange and inspect cluster state. Writes go straight
// to storage (no REST strategy: status is kept on create, `/status` rules do not apply) but
// still get resourceVersions, generation bumps and watch events, so watchers see them exactly
// like writes from another client. Everything returned is a copy.
import { errors } from './errors.js';
import { jsonPatch, mergePatch } from './patch.js';
import type { Registry } from './registry.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { strategicMergePatch } from './smp.js';
import type { Storage, StoreEvent } from './storage.js';
import { clone, isRecord, joinApiVersion, type KubeObject, type ObjectRef } from './types.js';

export interface AdminEvent {
  readonly type: StoreEvent['type'];
  readonly resourceVersion: number;
  /** A copy of the object (for DELETED, its last state). */
  readonly object: KubeObject;
}

export interface ListFilter {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** JSON round trip: accepts client-node model objects (Dates become RFC 3339 strings). */
function plain(obj: object): KubeObject {
  const json = JSON.parse(JSON.stringify(obj)) as unknown;
  if (!isRecord(json) || typeof json.apiVersion !== 'string' || typeof json.kind !== 'string') {
    throw new Error('the fake API server admin API needs objects with apiVersion and kind');
  }
  return { ...json, metadata: isRecord(json.metadata) ? json.metadata : {} } as KubeObject;
}

export class FakeStore {
  constructor(
    private readonly storage: Storage,
    private readonly registry: Registry,
  ) {}

  /** The newest resourceVersion handed out (a number; the API shows it as a string). */
  get resourceVersion(): number {
    return this.storage.resourceVersion;
  }

  private resolve(apiVersion: string, kind: string) {
    return this.registry.byKind(apiVersion, kind);
  }

  private out(obj: KubeObject, apiVersion: string): KubeObject {
    return { ...clone(obj), apiVersion };
  }

  private ensureNamespace(namespace: string): void {
    const nsDef = this.registry.all().find((d) => d.group === '' && d.plural === 'namespaces');
    if (nsDef && !this.storage.get(nsDef, undefined, namespace)) {
      this.storage.insert(
        nsDef,
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } },
        'v1',
      );
    }
  }

  /** Creates the object as given, status included. A namespaced object without namespace goes to `default`; a missing namespace is created. */
  create(input: object): KubeObject {
    const obj = plain(input);
    const { def, version } = this.resolve(obj.apiVersion!, obj.kind!);
    if (def.namespaced) {
      obj.metadata.namespace ??= 'default';
      this.ensureNamespace(obj.metadata.namespace);
    }
    delete obj.metadata.resourceVersion;
    return this.out(this.storage.insert(def, obj, version), obj.apiVersion!);
  }

  get(ref: ObjectRef): KubeObject | undefined {
    const { def } = this.resolve(ref.apiVersion, ref.kind);
    const obj = this.storage.get(def, ref.namespace ?? (def.namespaced ? 'default' : undefined), ref.name);
    return obj && this.out(obj, ref.apiVersion);
  }

  list(apiVersion: string, kind: string, filter: ListFilter = {}): KubeObject[] {
    const { def } = this.resolve(apiVersion, kind);
    const labels = parseLabelSelector(filter.labelSelector);
    const fields = parseFieldSelector(filter.fieldSelector, def);
    return this.storage
      .list(def, filter.namespace)
      .filter((o) => matchesLabels(labels, o.metadata.labels) && matchesFields(fields, def, o))
      .map((o) => this.out(o, apiVersion));
  }

  /**
   * Replaces the whole object, status included. If `metadata.resourceVersion` is set it must be
   * current (else a Conflict ApiError is thrown). Identity fields (uid, creationTimestamp) are kept.
   */
  update(input: object): KubeObject {
    const obj = plain(input);
    const { def } = this.resolve(obj.apiVersion!, obj.kind!);
    const namespace = obj.metadata.namespace ?? (def.namespaced ? 'default' : undefined);
    const previous = this.storage.get(def, namespace, obj.metadata.name ?? '');
    if (!previous) throw errors.notFound(def, obj.metadata.name ?? '');
    const rv = obj.metadata.resourceVersion;
    if (rv && rv !== previous.metadata.resourceVersion) throw errors.conflict(def, obj.metadata.name!);
    return this.out(this.storage.replace(def, previous, obj), obj.apiVersion!);
  }

  /** Applies a merge (default), strategic-merge or JSON patch to the whole object, status included. */
  patch(ref: ObjectRef, patch: unknown, type: 'merge' | 'strategic' | 'json' = 'merge'): KubeObject {
    const { def } = this.resolve(ref.apiVersion, ref.kind);
    const stored = this.storage.get(def, ref.namespace ?? (def.namespaced ? 'default' : undefined), ref.name);
    if (!stored) throw errors.notFound(def, ref.name);
    const current = { ...stored, apiVersion: ref.apiVersion };
    let next: unknown;
    if (type === 'json') next = jsonPatch(current, patch);
    else if (type === 'strategic') next = strategicMergePatch(current, patch, def.patchMeta);
    else next = mergePatch(current, patch);
    return this.update(next as KubeObject);
  }

  /** Reads, lets `fn` change the copy (in place or by returning a new object), and writes it back. */
  mutate(ref: ObjectRef, fn: (obj: KubeObject) => KubeObject | undefined): KubeObject {
    const current = this.get(ref);
    if (!current) throw errors.notFound(this.resolve(ref.apiVersion, ref.kind).def, ref.name);
    const next = fn(current) ?? current;
    return this.update(next);
  }

  /** Removes the object at once, ignoring finalizers and grace periods. Returns its last state. */
  delete(ref: ObjectRef): KubeObject {
    const { def } = this.resolve(ref.apiVersion, ref.kind);
    const current = this.storage.get(def, ref.namespace ?? (def.namespaced ? 'default' : undefined), ref.name);
    if (!current) throw errors.notFound(def, ref.name);
    return this.out(this.storage.remove(def, current), ref.apiVersion);
  }

  /** Every change from now on, for every resource. Returns the unsubscribe function. */
  subscribe(listener: (event: AdminEvent) => void): () => void {
    return this.storage.subscribe((event) =>
      listener({
        type: event.type,
        resourceVersion: event.rv,
        object: this.out(event.object, event.object.apiVersion ?? joinApiVersion(event.def.group, event.def.versions[0]!)),
      }),
    );
  }

  /**
   * Resolves with the object (or undefined once deleted) as soon as `predicate` holds, checking
   * the current state first and then every change; rejects after `timeoutMs`.
   */
  waitFor(ref: ObjectRef, predicate: (obj: KubeObject | undefined) => boolean, timeoutMs = 5000): Promise<KubeObject | undefined> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const obj = this.get(ref);
        if (!predicate(obj)) return false;
        resolve(obj);
        return true;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`));
      }, timeoutMs);
      const stop = this.storage.subscribe((event) => {
        if (event.def.kind !== ref.kind || event.object.metadata.name !== ref.name) return;
        if (check()) {
          clearTimeout(timer);
          stop();
        }
      });
    });
  }

  /** Forgets watch history (same as `faults.compact()`). */
  compact(): void {
    this.storage.compact();
  }
}
