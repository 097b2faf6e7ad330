// Exec output and messages (windows.md §2.6, §4.6). Windows programs write CRLF; PowerShell 5.1
// redirection writes UTF-16LE with a BOM. Linux output is kept byte-exact for messages, because
// upstream copies stdout/stderr into status messages as they are; parsing splits on `\r?\n` on
// both OSes. Decoding is UTF-8; `cmd`'s OEM code page inside containers is **[unverified]**, so
// anything that is not valid UTF-8 shows up as U+FFFD rather than failing.
import type { OutputShaping } from './types.js';

export function normaliseNewlines(text: string): string {
  return text.replace(/\r\n/g, '\n');
}

export function trimTrailingNewlines(text: string): string {
  return text.replace(/(?:\r?\n)+$/, '');
}

/** Lines split on `\r?\n`; a final line ending does not produce an empty last line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: false });
const utf16le = new TextDecoder('utf-16le', { ignoreBOM: false });

// `ignoreBOM: true` keeps a BOM in the text, as Go's string(bytes) does.
const utf8Verbatim = new TextDecoder('utf-8', { ignoreBOM: true });

export function decodeUtf8(bytes: Uint8Array): string {
  return utf8Verbatim.decode(bytes);
}

/** UTF-16LE when the bytes start with its BOM (FF FE), else UTF-8 with any UTF-8 BOM dropped. */
export function decodeWindowsOutput(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return utf16le.decode(bytes);
  return utf8.decode(bytes);
}

export const linuxOutput: OutputShaping = {
  lineEnding: '\n',
  decode: decodeUtf8,
  normalise: (text) => text,
  lines: splitLines,
  message: (text) => trimTrailingNewlines(normaliseNewlines(text)),
};

export const windowsOutput: OutputShaping = {
  lineEnding: '\r\n',
  decode: decodeWindowsOutput,
  normalise: normaliseNewlines,
  lines: splitLines,
  message: (text) => trimTrailingNewlines(normaliseNewlines(text)),
};
