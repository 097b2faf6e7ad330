// File names derived from image references, container IDs and other external strings
// (windows.md §4.4, §6 "file names"). `nginx:1.25` or `sha256:...` is a legal Linux name but on
// Windows `:` opens an alternate data stream. One encoding is used on both OSes, so a data
// directory (or a copied event log naming files) means the same thing on either.
//
// The encoding: percent-encoding of UTF-8 bytes, with upper-case hex, applied to
//   - `%` itself, `<>:"/\|?*`, control characters and DEL (illegal or special on Windows);
//   - upper-case ASCII letters and all non-ASCII characters, so encoded names stay distinct on
//     case-insensitive file systems (NTFS): raw letters are always lower case, and upper case
//     appears only as hex digits after `%`;
//   - a trailing `.` or space (Windows strips them);
//   - the first letter of a reserved device name (CON, PRN, AUX, NUL, COM0-9, LPT0-9, with or
//     without an extension).
// Names are not truncated: callers keep inputs well under 255 bytes after encoding.

const utf8 = new TextEncoder();
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/;

function keep(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (ch.length !== 1 || c < 0x20 || c >= 0x7f) return false;
  if (c >= 0x41 && c <= 0x5a) return false; // A-Z
  return !'%<>:"/\\|?*'.includes(ch);
}

function escapeChar(ch: string): string {
  return [...utf8.encode(ch)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

export function encodeFileName(name: string): string {
  if (name === '') throw new Error('encodeFileName: an empty string has no file name');
  const chars = [...name];
  const out = chars.map((ch) => (keep(ch) ? ch : escapeChar(ch)));
  const last = out.length - 1;
  if (out[last] === '.' || out[last] === ' ') out[last] = escapeChar(out[last] as string);
  if (RESERVED.test(out.join(''))) out[0] = escapeChar(out[0] as string);
  return out.join('');
}

export function decodeFileName(encoded: string): string {
  return decodeURIComponent(encoded);
}

/** Whether a name is legal on Windows (and so on Linux): what encodeFileName guarantees. */
export function isPortableFileName(name: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Windows forbids the control characters 0x00-0x1f in file names; that is what this checks.
  if (name === '' || /[<>:"/\\|?*\x00-\x1f]/.test(name)) return false;
  if (name.endsWith('.') || name.endsWith(' ')) return false;
  return !RESERVED.test(name.toLowerCase());
}
