// Go's encoding/json output for the one shape the env hash marshals: `[]EnvVar` with fields
// `name` and `value,omitempty` (Kubernetes core/v1 EnvVar with a nil valueFrom), as json.Marshal
// writes it (contract §7.3). JSON.stringify differs from it in every way that matters here:
// - json.Marshal escapes HTML: `<` `>` `&` become \u003c \u003e \u0026;
// - U+2028 and U+2029 become \u2028 \u2029;
// - each byte that is not valid UTF-8 becomes \ufffd (six characters), while a real U+FFFD stays
//   as its three UTF-8 bytes;
// - \b \f \n \r \t are short escapes (\b and \f since Go 1.22), other bytes below 0x20 are
//   \u00XX with lower-case hex, and DEL (0x7f) is written as it is;
// - a nil slice (kruise builds the list with append, so no entries means nil) is `null`.
// Text is GoText (go-strings.ts): invalid bytes are lone surrogates U+DC80–U+DCFF.

import type { GoText } from './go-strings.js';

/** A growable byte buffer: the JSON is only ever hashed, so it is never turned into a string. */
export class ByteSink {
  bytes: Uint8Array;
  length = 0;

  constructor(capacity = 2048) {
    this.bytes = new Uint8Array(capacity);
  }

  reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** ASCII only. */
  ascii(text: string): void {
    this.reserve(text.length);
    for (let i = 0; i < text.length; i++) this.bytes[this.length++] = text.charCodeAt(i);
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

const HEX = '0123456789abcdef';
const INVALID_BYTE = [...'\\ufffd'].map((c) => c.charCodeAt(0));

// For each ASCII byte: 0 = written as it is, else the escape json.Marshal writes (escapeHTML on).
const ASCII_ESCAPES: readonly (string | undefined)[] = Array.from({ length: 0x80 }, (_, b) => {
  if (b === 0x22) return '\\"';
  if (b === 0x5c) return '\\\\';
  if (b === 0x08) return '\\b';
  if (b === 0x0c) return '\\f';
  if (b === 0x0a) return '\\n';
  if (b === 0x0d) return '\\r';
  if (b === 0x09) return '\\t';
  if (b < 0x20 || b === 0x3c || b === 0x3e || b === 0x26) return `\\u00${HEX[b >> 4]}${HEX[b & 0xf]}`;
  return undefined;
});

/** Appends `text` as a JSON string the way Go's encodeState.string does with escapeHTML. */
export function appendGoJsonString(sink: ByteSink, text: GoText): void {
  // worst case: 6 bytes (\u00XX or \ufffd) per code unit, plus the quotes
  sink.reserve(text.length * 6 + 2);
  const out = sink.bytes;
  let n = sink.length;
  out[n++] = 0x22;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      const escaped = ASCII_ESCAPES[c];
      if (escaped === undefined) out[n++] = c;
      else for (let k = 0; k < escaped.length; k++) out[n++] = escaped.charCodeAt(k);
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
        // an invalid byte: Go writes the escape, not the character
        for (let k = 0; k < INVALID_BYTE.length; k++) out[n++] = INVALID_BYTE[k]!;
        continue;
      }
      c = 0xfffd; // any other lone surrogate reads as U+FFFD (go-strings.ts)
    }
    if (c === 0x2028 || c === 0x2029) {
      for (const b of [0x5c, 0x75, 0x32, 0x30, 0x32, c === 0x2028 ? 0x38 : 0x39]) out[n++] = b;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  out[n++] = 0x22;
  sink.length = n;
}

/** One element of the marshalled list; `value` is omitted from the JSON when empty. */
export interface EnvPair {
  readonly name: GoText;
  readonly value: GoText;
}

/** `json.Marshal(envs)` for a `[]EnvVar` built with append: `null` when there are none. Order as given. */
export function appendGoJsonEnvList(sink: ByteSink, envs: readonly EnvPair[]): void {
  if (envs.length === 0) {
    sink.ascii('null');
    return;
  }
  sink.ascii('[');
  envs.forEach((env, i) => {
    sink.ascii(i === 0 ? '{"name":' : ',{"name":');
    appendGoJsonString(sink, env.name);
    if (env.value !== '') {
      sink.ascii(',"value":');
      appendGoJsonString(sink, env.value);
    }
    sink.ascii('}');
  });
  sink.ascii(']');
}

/**
 * `text` as Go's encoding/json writes a string, as text rather than bytes (for JSON that is sent,
 * not hashed): the same escapes as appendGoJsonString; an invalid byte (U+DC80–U+DCFF) is the
 * six characters `\ufffd`, any other lone surrogate the character U+FFFD.
 */
export function goJsonQuote(text: GoText): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let escaped: string | undefined;
    if (c < 0x80) escaped = ASCII_ESCAPES[c];
    else if (c === 0x2028 || c === 0x2029) escaped = c === 0x2028 ? '\\u2028' : '\\u2029';
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      escaped = c >= 0xdc80 && c <= 0xdcff ? '\\ufffd' : '\ufffd';
    }
    if (escaped === undefined) continue;
    out += text.slice(start, i) + escaped;
    start = i + 1;
  }
  return `${out + text.slice(start)}"`;
}
