// Go strings in JS, for computing what Go computes on them (the env hash, contract §7.3).
//
// A Go string is bytes; a JS string is UTF-16. A **GoText** is a JS string that stands for a Go
// string exactly:
// - each well-formed UTF-8 sequence in the bytes is the character it encodes;
// - each byte that is not part of one (where Go's utf8.DecodeRune reports RuneError with size 1)
//   is the lone low surrogate U+DC00 + byte, i.e. U+DC80–U+DCFF (Python's "surrogateescape",
//   PEP 383). UTF-8 cannot encode a surrogate, so nothing else lands there and the bytes can be
//   recovered; and JSON.stringify/JSON.parse keep a lone surrogate as it is (`"\udc80"`), so a
//   GoText survives the event log.
// Any other lone surrogate (not made by the decoder, so never in a GoText that came from bytes)
// counts as U+FFFD, the way TextEncoder and Go's JSON decoder read it.
//
// How text reaches kruised, and how it becomes GoText:
// - exec output (CRI ExecSync stdout) is bytes, and adapters/platform/env-read.ts decodes it
//   into GoText, keeping invalid bytes as above: exactly what upstream's `string(stdout)` holds;
// - strings that a decoder other than Go's made from JSON or protobuf (pod labels and annotations
//   from the API server through client-node; the OCI runtime spec that containerd returns as JSON
//   in ContainerStatus `info`) are Unicode already. The only way they differ from what Go would
//   have decoded from the same bytes is a lone surrogate escape (`"\ud800"`), which Go's decoder
//   turns into U+FFFD: `fromDecodedJson` does the same.
// One difference cannot be bridged: a value whose bytes were not valid UTF-8 when the kubelet
// created the container reads as raw bytes through exec but as U+FFFD through containerd's JSON
// (Go's encoder writes `\ufffd` for each invalid byte), and the two hash differently. It takes a
// client writing invalid UTF-8 into a pod annotation over the protobuf API to get there.

/** A JS string standing for a Go string's bytes (see the file comment). */
export type GoText = string;

/** A string from a non-Go JSON/protobuf decoder, as Go's decoder would have it: lone surrogates become U+FFFD. */
export function fromDecodedJson(text: string): GoText {
  return text.isWellFormed() ? text : text.toWellFormed();
}

/**
 * Go's unicode.IsSpace: the ASCII spaces \t \n \v \f \r and ' ', U+0085 (NEL), U+00A0, and the
 * other White_Space characters U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
 * Not U+FEFF (the BOM) and not U+180E.
 */
export function isGoSpace(code: number): boolean {
  if (code <= 0xff) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0x85 || code === 0xa0;
  return code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000;
}

/**
 * Go's strings.TrimSpace. Every Go space is a BMP character, and neither half of a surrogate pair
 * nor an invalid byte (a lone surrogate here) is one, so walking UTF-16 code units from each end
 * stops exactly where Go's rune-wise walk over the bytes stops.
 */
export function goTrimSpace(text: GoText): GoText {
  let start = 0;
  let end = text.length;
  while (start < end && isGoSpace(text.charCodeAt(start))) start++;
  while (end > start && isGoSpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** The bytes a GoText stands for. */
export function goTextToBytes(text: GoText): Uint8Array {
  const out = new Uint8Array(text.length * 3);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out[n++] = 0xf0 | (c >> 18);
        out[n++] = 0x80 | ((c >> 12) & 0x3f);
        out[n++] = 0x80 | ((c >> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
        continue;
      }
      if (c >= 0xdc80 && c <= 0xdcff) {
        out[n++] = c - 0xdc00; // an invalid byte, kept
        continue;
      }
      c = 0xfffd;
    }
    if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return out.slice(0, n);
}

/**
 * Go's `a < b` on strings: byte-wise. For text without surrogates, UTF-16 order is code point
 * order, which is UTF-8 byte order; with them (characters past U+FFFF, invalid bytes) it is not
 * (U+E000 sorts before U+1F600 in UTF-8, after it in UTF-16), so the bytes are compared.
 */
export function compareGoText(a: GoText, b: GoText): number {
  if (a === b) return 0;
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : 1;
  const x = goTextToBytes(a);
  const y = goTextToBytes(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}
