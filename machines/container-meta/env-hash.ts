// The env-from-metadata hash, bit-identical to kruise-manager's (contract §7.3; kruise
// pkg/util/containermeta env_hash.go). The manager computes the *expected* hash from the pod's
// labels and annotations; the daemon computes the *current* hash from what the running container
// actually has, stores it in the runtime-containers-meta annotation, and restarts a container
// whose stored hash differs from the expected one while the pod's InPlaceUpdateReady is False.
//
// Both hashes cover the same env entries: an empty `value`, a `valueFrom.fieldRef` whose
// fieldPath is subscripted (`metadata.annotations['<k>']` or `metadata.labels['<k>']`), and a name
// other than SIDECARSET_VERSION / SIDECARSET_VERSION_ALT. The list of {name, value} is stable-sorted
// by name (Go's byte order; equal names keep their spec order), marshalled by Go's encoding/json
// (go-json.ts), printed by go-spew and hashed with FNV-1a 32 (go-hash.ts). The result is a uint32
// kept as a number. No entries hash to 86995377 (the JSON `null`), so every container gets a
// non-zero hash, and 0 means "not computed".

import { appendGoJsonEnvList, ByteSink, type EnvPair } from './go-json.js';
import { spewFnv32a } from './go-hash.js';
import { compareGoText, fromDecodedJson, type GoText } from './go-strings.js';

/** The env names kruise leaves out of the hash (SidecarSet's own version variables). */
export const EXCLUDED_ENV_NAMES: ReadonlySet<string> = new Set(['SIDECARSET_VERSION', 'SIDECARSET_VERSION_ALT']);

/** The hash of an empty selection: FNV-1a 32 of `([]uint8)[110 117 108 108]`. */
export const EMPTY_ENV_HASH = 86995377;

/** The part of a Kubernetes EnvVar the selection reads, as it comes from the API (JSON). */
export interface EnvVarSpec {
  readonly name: string;
  readonly value?: string | null;
  readonly valueFrom?: { readonly fieldRef?: { readonly fieldPath?: string | null } | null } | null;
}

export type MetadataField = 'metadata.annotations' | 'metadata.labels';

/** One selected env entry: its name and the label or annotation it reads. */
export interface EnvFromMetadata {
  readonly name: string;
  readonly field: MetadataField;
  readonly key: string;
}

export interface PodMetadata {
  readonly labels?: Readonly<Record<string, string>> | null;
  readonly annotations?: Readonly<Record<string, string>> | null;
}

/**
 * Kubernetes' fieldpath.SplitMaybeSubscriptedPath: `<path>['<subscript>']` when the text ends
 * with `']`, contains `['`, and something comes before the first `['`. The subscript is everything
 * between the first `['` and the final `']` (so `a['b']']` has subscript `b']`).
 */
export function splitMaybeSubscriptedPath(fieldPath: string): { readonly path: string; readonly subscript: string } | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const inner = fieldPath.slice(0, -2);
  const open = inner.indexOf("['");
  if (open <= 0) return undefined;
  return { path: inner.slice(0, open), subscript: inner.slice(open + 2) };
}

/** The container's env entries the hash covers, in spec order (duplicates kept, as kruise keeps them). */
export function envFromMetadata(env: readonly EnvVarSpec[] | null | undefined): EnvFromMetadata[] {
  const selected: EnvFromMetadata[] = [];
  for (const entry of Array.isArray(env) ? env : []) {
    // a malformed entry (not what the API server lets through) counts as no entry, never a throw
    if (typeof entry?.name !== 'string' || (entry.value ?? '') !== '') continue;
    const fieldRef = entry.valueFrom?.fieldRef;
    if (fieldRef === undefined || fieldRef === null) continue;
    if (EXCLUDED_ENV_NAMES.has(entry.name)) continue;
    const split = splitMaybeSubscriptedPath(typeof fieldRef.fieldPath === 'string' ? fieldRef.fieldPath : '');
    if (split === undefined) continue;
    if (split.path !== 'metadata.annotations' && split.path !== 'metadata.labels') continue;
    selected.push({ name: entry.name, field: split.path, key: split.subscript });
  }
  return selected;
}

/** Go's json.Marshal of the list after sort.SliceStable by name: the bytes that get hashed. */
export function envListJson(envs: readonly EnvPair[]): Uint8Array {
  const sink = new ByteSink();
  appendGoJsonEnvList(sink, sortedByName(envs));
  return sink.view();
}

/** The hash of an env list: stable sort by name, Go JSON, go-spew `%#v`, FNV-1a 32. */
export function envListHash(envs: readonly EnvPair[]): number {
  return spewFnv32a(envListJson(envs));
}

/** The manager's expected hash (GetExpectHash): each selected entry takes the pod's current label or annotation ("" when absent). */
export function expectedEnvHash(env: readonly EnvVarSpec[] | null | undefined, pod: PodMetadata): number {
  return expectedHashOf(envFromMetadata(env), pod);
}

/** expectedEnvHash over entries already selected (envFromMetadata), e.g. kept in a machine's view of the pod. */
export function expectedHashOf(selected: readonly EnvFromMetadata[], pod: PodMetadata): number {
  return envListHash(
    selected.map((e) => {
      const source = e.field === 'metadata.labels' ? pod.labels : pod.annotations;
      // own keys only: a label named `constructor` must not find Object.prototype's
      const value = source !== null && source !== undefined && Object.hasOwn(source, e.key) ? source[e.key] : undefined;
      return { name: fromDecodedJson(e.name), value: fromDecodedJson(typeof value === 'string' ? value : '') };
    }),
  );
}

/**
 * The daemon's current hash (GetCurrentHash): each selected entry takes the value the container
 * has under that name ("" when it has none). `valueIn` answers from a read of the container's
 * environment (container-environment.ts).
 */
export function currentEnvHash(env: readonly EnvVarSpec[] | null | undefined, valueIn: (name: string) => GoText | undefined): number {
  return currentHashOf(envFromMetadata(env), valueIn);
}

/** currentEnvHash over entries already selected (envFromMetadata). */
export function currentHashOf(selected: readonly EnvFromMetadata[], valueIn: (name: string) => GoText | undefined): number {
  return envListHash(selected.map((e) => ({ name: fromDecodedJson(e.name), value: valueIn(e.name) ?? '' })));
}

function sortedByName(envs: readonly EnvPair[]): readonly EnvPair[] {
  // Array.prototype.sort is stable (ES2019), as sort.SliceStable is; skip the copy when in order.
  for (let i = 1; i < envs.length; i++) if (compareGoText(envs[i - 1]!.name, envs[i]!.name) > 0) return [...envs].sort((a, b) => compareGoText(a.name, b.name));
  return envs;
}
