// Kubernetes' hashutil.DeepHashObject(fnv.New32a(), bytes), which kruise's env hash runs on the
// JSON bytes (contract §7.3): go-spew prints the value with `%#v`, and FNV-1a 32 hashes the text.
// For a `[]byte`, go-spew's `%#v` is `([]uint8)[` + each byte in decimal, separated by single
// spaces, + `]`; the four vectors of the contract (taken from real go-spew 1.1.1) and the Go
// oracle's vectors confirm it. The text is fed to FNV as it is generated, never built.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

// The ASCII digits of each byte value's decimal form, flat: byte b's digits are
// DIGITS[4b .. 4b + DIGITS_LENGTH[b]) (plain indexed loops: this is the hash's hot path).
const DIGITS = new Uint8Array(256 * 4);
const DIGITS_LENGTH = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  const text = String(b);
  DIGITS_LENGTH[b] = text.length;
  for (let k = 0; k < text.length; k++) DIGITS[b * 4 + k] = text.charCodeAt(k);
}
const PREFIX = [...'([]uint8)['].map((c) => c.charCodeAt(0));

/** FNV-1a 32 of go-spew's `%#v` of the byte slice `bytes`. */
export function spewFnv32a(bytes: Uint8Array): number {
  let h = FNV_OFFSET;
  for (let k = 0; k < PREFIX.length; k++) h = Math.imul(h ^ PREFIX[k]!, FNV_PRIME);
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) h = Math.imul(h ^ 0x20, FNV_PRIME);
    const b = bytes[i]!;
    const at = b * 4;
    h = Math.imul(h ^ DIGITS[at]!, FNV_PRIME);
    if (DIGITS_LENGTH[b]! > 1) h = Math.imul(h ^ DIGITS[at + 1]!, FNV_PRIME);
    if (DIGITS_LENGTH[b]! > 2) h = Math.imul(h ^ DIGITS[at + 2]!, FNV_PRIME);
  }
  h = Math.imul(h ^ 0x5d, FNV_PRIME); // ']'
  return h >>> 0;
}

/** go-spew's `%#v` of a byte slice, as text (for diagnostics and tests; the hash never builds it). */
export function spewByteSlice(bytes: Uint8Array): string {
  return `([]uint8)[${Array.from(bytes).join(' ')}]`;
}
