// kruise-manager's own computation of the env-from-metadata hash (pkg/util/containermeta
// GetExpectHash), for the in-place update double. Written apart from machines/container-meta on
// purpose, so that the daemon's hash is checked against a second implementation and not against
// itself: the selection as upstream writes it, sort.SliceStable by name (env names are ASCII, where
// JS's UTF-16 order is Go's byte order), json.Marshal of []EnvVar through the kubelet simulator's
// Go encoding (JSON.stringify plus Go's HTML and U+2028/9 escapes, exact for text that went
// through an API server), go-spew and FNV-1a 32 (test/bed/kubelet/go-encoding.ts). Its test
// checks it against the contract's Go-computed vectors.
import { deepHashBytes, goJson } from '../kubelet/go-encoding.js';
import type { ContainerJson, PodJson } from '../kubelet/types.js';

const EXCLUDED = new Set(['SIDECARSET_VERSION', 'SIDECARSET_VERSION_ALT']);

/** `metadata.labels['k']` or `metadata.annotations['k']` (fieldpath.SplitMaybeSubscriptedPath); anything else is not hashed. */
function subscripted(fieldPath: string): { readonly path: string; readonly key: string } | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const open = fieldPath.indexOf("['");
  if (open <= 0) return undefined;
  return { path: fieldPath.slice(0, open), key: fieldPath.slice(open + 2, -2) };
}

/** GetExpectHash of `container` against the pod's current labels and annotations. */
export function managerExpectedHash(container: Pick<ContainerJson, 'env'>, pod: Pick<PodJson, 'metadata'>): number {
  const envs: Array<{ name: string; value?: string }> = [];
  for (const e of container.env ?? []) {
    if ((e.value ?? '') !== '' || !e.valueFrom?.fieldRef || EXCLUDED.has(e.name)) continue;
    const s = subscripted(e.valueFrom.fieldRef.fieldPath);
    if (s === undefined) continue;
    const source = s.path === 'metadata.labels' ? pod.metadata.labels : s.path === 'metadata.annotations' ? pod.metadata.annotations : undefined;
    if (s.path !== 'metadata.labels' && s.path !== 'metadata.annotations') continue;
    const value = source?.[s.key] ?? '';
    // `value,omitempty`: an empty value is left out of the JSON
    envs.push(value === '' ? { name: e.name } : { name: e.name, value });
  }
  const sorted = envs.map((e, i) => ({ e, i })).sort((a, b) => (a.e.name < b.e.name ? -1 : a.e.name > b.e.name ? 1 : a.i - b.i));
  const json = sorted.length === 0 ? 'null' : goJson(sorted.map(({ e }) => e));
  return deepHashBytes(Buffer.from(json, 'utf8'));
}
