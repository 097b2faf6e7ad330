// A short, stable fingerprint of what a machine decided: status, state value, context and the
// ids of its live children. Replay recomputes it and compares with the log; any difference is a
// divergence. Context must be plain JSON data (machines keep no class instances or secrets there).
// The hash detects change, it does not defend against forgery: a fast non-cryptographic 64-bit
// string hash (cyrb53's mixing) costs a fraction of a cryptographic digest.
import type { AnyMachineSnapshot } from 'xstate';

export function snapshotHash(snapshot: AnyMachineSnapshot): string {
  const children = Object.keys(snapshot.children ?? {});
  return hash64(JSON.stringify([snapshot.status, canonicalValue(snapshot.value), snapshot.context, children]));
}

/** cyrb53's mixing, keeping both 32-bit lanes: 16 hex digits from one pass over the text. */
function hash64(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
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
