// What the manager doubles write through: the fake API server's in-process admin store (writes
// there emit watch events exactly like another client's writes), and, when given the server,
// its registry, to see which API versions are served.
import { FakeStore, type FakeApiServer, type KubeObject, type ObjectRef } from '../apiserver/index.js';

/** A bare store, or the server (then served versions are honoured). */
export type ManagerTarget = FakeStore | Pick<FakeApiServer, 'store' | 'registry'>;

export const KRUISE_GROUP = 'apps.kruise.io';

export function storeOf(target: ManagerTarget): FakeStore {
  return target instanceof FakeStore ? target : target.store;
}

/** Served versions of `plural.apps.kruise.io`, most preferred first; `fallback` for a bare store. */
export function servedVersions(target: ManagerTarget, plural: string, fallback: readonly string[]): readonly string[] {
  if (target instanceof FakeStore) return fallback;
  const def = target.registry.all().find((d) => d.group === KRUISE_GROUP && d.plural === plural);
  return def ? target.registry.servedVersions(def) : fallback;
}

export function podRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: 'v1', kind: 'Pod', namespace, name };
}

/** RFC 3339 with second precision, as metav1.Time marshals. */
export function rfc3339(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads `obj.a.b.c` from JSON. */
export function at(obj: unknown, ...keys: string[]): unknown {
  let cur = obj;
  for (const key of keys) cur = isRecord(cur) ? cur[key] : undefined;
  return cur;
}

export type { KubeObject };
