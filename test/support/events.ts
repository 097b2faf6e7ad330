// Core Events as tests read them from the fake API server, and grouped by logical emission: the
// identity a keyed Event carries (annotation kruised.io/emission, EventRecorder.recordOnce), its
// reason and the object it is about. Exactly once is one Event per group, count 1. An Event
// without an identity (recorded with `record`) is a group of its own.
import { EMISSION_ANNOTATION } from '../../adapters/kube/index.js';

export interface CoreEvent {
  readonly metadata: { name: string; annotations?: Record<string, string> };
  readonly reason: string;
  readonly message: string;
  readonly count?: number;
  readonly involvedObject: { kind: string; name: string; fieldPath?: string };
}

export function byEmission(events: readonly CoreEvent[]): Map<string, CoreEvent[]> {
  const groups = new Map<string, CoreEvent[]>();
  for (const e of events) {
    const identity = e.metadata.annotations?.[EMISSION_ANNOTATION];
    const key = identity === undefined ? `(no identity) ${e.metadata.name}` : `${identity} ${e.reason} ${e.involvedObject.kind}/${e.involvedObject.name}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  return groups;
}

/** The groups with more than one Event, or an Event counted more than once: what exactly once forbids. */
export function repeatedEmissions(events: readonly CoreEvent[]): Array<[string, CoreEvent[]]> {
  return [...byEmission(events)].filter(([, group]) => group.length > 1 || group.some((e) => (e.count ?? 1) > 1));
}
