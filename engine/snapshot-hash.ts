// A short, stable fingerprint of what a machine decided: status, state value, context and the
// ids of its live children. Replay recomputes it and compares with the log; any difference is a
// divergence. Context must be plain JSON data (machines keep no class instances or secrets there).
import { hash } from 'node:crypto';
import type { AnyMachineSnapshot } from 'xstate';

export function snapshotHash(snapshot: AnyMachineSnapshot): string {
  const children = Object.keys(snapshot.children ?? {});
  const text = JSON.stringify([snapshot.status, canonicalValue(snapshot.value), snapshot.context, children]);
  return hash('sha1', text, 'base64url').slice(0, 16);
}

/** State values of parallel states list regions in the order they were last entered: sort them. */
function canonicalValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, canonicalValue((value as Record<string, unknown>)[key])]),
  );
}

/** `a.b` for `{ a: 'b' }`, `x.y|z` for parallel regions; compact and human. */
export function formatStateValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return String(value);
  const parts = Object.entries(canonicalValue(value) as Record<string, unknown>).map(([key, inner]) => {
    const innerText = formatStateValue(inner);
    if (innerText === '') return key;
    return innerText.includes('|') ? `${key}.(${innerText})` : `${key}.${innerText}`;
  });
  return parts.join('|');
}
