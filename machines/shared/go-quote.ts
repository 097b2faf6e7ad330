// Go's `%q` of a string (strconv.Quote), for texts that reproduce kubelet's and kruise's messages
// byte for byte. Hand-written on purpose: JSON escaping differs from it on control bytes (\a, \x1b,
// DEL), on non-printable runes (NBSP, zero-width, private use) and on invalid UTF-8.
//
// The rules (strconv.Quote's documentation and appendEscapedRune):
// * `"` and `\` get a backslash;
// * a printable rune (unicode.IsPrint: categories L, M, N, P, S, plus the ASCII space) is kept;
// * \a \b \f \n \r \t \v for their seven control characters;
// * \xNN for any other rune below U+0020 and for U+007F, and for each byte that is not valid UTF-8;
// * \uNNNN for any other rune below U+10000, \UNNNNNNNN above; hex digits are lower case.
// A JS string is read as the bytes Go would hold for it: a lone surrogate (which UTF-8 cannot
// encode) is the three bytes of its WTF-8 form, each invalid in Go's eyes, so `\xed\xa0\x80`.

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  7: '\\a',
  8: '\\b',
  12: '\\f',
  10: '\\n',
  13: '\\r',
  9: '\\t',
  11: '\\v',
};

const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, '0');

/** unicode.IsPrint. */
function isPrint(rune: number): boolean {
  return rune === 0x20 || PRINTABLE.test(String.fromCodePoint(rune));
}

function escapeRune(rune: number): string {
  if (rune === 0x22 || rune === 0x5c) return `\\${String.fromCharCode(rune)}`;
  if (isPrint(rune)) return String.fromCodePoint(rune);
  const short = SHORT_ESCAPES[rune];
  if (short !== undefined) return short;
  if (rune < 0x20 || rune === 0x7f) return `\\x${hex(rune, 2)}`;
  return rune < 0x10000 ? `\\u${hex(rune, 4)}` : `\\U${hex(rune, 8)}`;
}

const continuation = (b: number | undefined): boolean => b !== undefined && b >= 0x80 && b <= 0xbf;

/** utf8.DecodeRune: the rune at `i` and its width, or null when the byte there does not start a valid encoding. */
function decodeRune(bytes: Uint8Array, i: number): { rune: number; width: number } | null {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return { rune: b0, width: 1 };
  const b1 = bytes[i + 1];
  if (b0 >= 0xc2 && b0 <= 0xdf) return continuation(b1) ? { rune: ((b0 & 0x1f) << 6) | (b1! & 0x3f), width: 2 } : null;
  // The second byte's range excludes overlong forms (E0, F0), surrogates (ED) and runes past U+10FFFF (F4).
  const [lo, hi] = b0 === 0xe0 ? [0xa0, 0xbf] : b0 === 0xed ? [0x80, 0x9f] : b0 === 0xf0 ? [0x90, 0xbf] : b0 === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
  if (b1 === undefined || b1 < lo || b1 > hi) return null;
  const b2 = bytes[i + 2];
  if (b0 >= 0xe0 && b0 <= 0xef) {
    return continuation(b2) ? { rune: ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2! & 0x3f), width: 3 } : null;
  }
  const b3 = bytes[i + 3];
  if (b0 >= 0xf0 && b0 <= 0xf4 && continuation(b2) && continuation(b3)) {
    return { rune: ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2! & 0x3f) << 6) | (b3! & 0x3f), width: 4 };
  }
  return null;
}

function quoteBytes(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const decoded = decodeRune(bytes, i);
    if (decoded === null) {
      out += `\\x${hex(bytes[i]!, 2)}`;
      i += 1;
    } else {
      out += escapeRune(decoded.rune);
      i += decoded.width;
    }
  }
  return out;
}

function quoteText(text: string): string {
  let out = '';
  for (const char of text) {
    const rune = char.codePointAt(0)!;
    // A lone surrogate: the three WTF-8 bytes, none of which Go decodes.
    if (rune >= 0xd800 && rune <= 0xdfff) out += `\\x${hex(0xe0 | (rune >> 12), 2)}\\x${hex(0x80 | ((rune >> 6) & 0x3f), 2)}\\x${hex(0x80 | (rune & 0x3f), 2)}`;
    else out += escapeRune(rune);
  }
  return out;
}

/** Go's strconv.Quote (`%q`) of a string, or of raw bytes as Go's string(bytes) would hold them. */
export function goQuote(text: string | Uint8Array): string {
  return `"${typeof text === 'string' ? quoteText(text) : quoteBytes(text)}"`;
}
