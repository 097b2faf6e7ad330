// Kubernetes' hashutil.DeepHashObject(fnv.New32a(), bytes), which kruise's env hash runs on the
// JSON bytes (contract §7.3): go-spew prints the value with `%#v`, and FNV-1a 32 hashes the text.
// For a `[]byte`, go-spew's `%#v` is `([]uint8)[` + each byte in decimal, separated by single
// spaces, + `]`; the four vectors of the contract (taken from real go-spew 1.1.1) and the Go
// oracle's vectors confirm it. The text is fed to FNV as it is generated, never built.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

// The ASCII bytes of each byte value's decimal form.
const DECIMALS: readonly (readonly number[])[] = Array.from({ length: 256 }, (_, b) => [...String(b)].map((d) => d.charCodeAt(0)));
const PREFIX = [...'([]uint8)['].map((c) => c.charCodeAt(0));

/** FNV-1a 32 of go-spew's `%#v` of the byte slice `bytes`. */
export function spewFnv32a(bytes: Uint8Array): number {
  let h = FNV_OFFSET;
  for (const b of PREFIX) h = Math.imul(h ^ b, FNV_PRIME);
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) h = Math.imul(h ^ 0x20, FNV_PRIME);
    for (const d of DECIMALS[bytes[i]!]!) h = Math.imul(h ^ d, FNV_PRIME);
  }
  h = Math.imul(h ^ 0x5d, FNV_PRIME); // ']'
  return h >>> 0;
}

/** go-spew's `%#v` of a byte slice, as text (for diagnostics and tests; the hash never builds it). */
export function spewByteSlice(bytes: Uint8Array): string {
  return `([]uint8)[${Array.from(bytes).join(' ')}]`;
}
