// Reading a container's environment by exec, when the runtime does not hand over the OCI spec
// (adapters/cri/container-env.ts): which commands to run per OS, and how their output bytes become
// text the env hash can use.
//
// Commands, tried in order until one exits 0:
// - Linux: `env -0` (GNU coreutils, busybox and toybox all have it) prints every entry exactly,
//   NUL-terminated, so values with newlines or trailing blanks survive; then upstream's plain
//   `env` (the profile's envCommand), one entry per line, for an `env` without -0.
// - Windows: `cmd /c set` (the profile's envCommand): one entry per line, CRLF. Windows images
//   have no `env` (which upstream runs, and which fails there).
//
// Output bytes become GoText (machines/container-meta/go-strings.ts: valid UTF-8 as characters,
// each invalid byte as the lone surrogate U+DC00 + byte), which is exactly the Go string upstream
// parses. Windows output in UTF-16LE with a BOM (PowerShell's redirection) is decoded as such, and
// a UTF-8 BOM is dropped there. `cmd`'s OEM code page inside a container is **[unverified]**
// (windows.md §2.6): non-ASCII bytes that are not UTF-8 stay as invalid bytes.
import type { ExecShaping, PlatformOs } from './types.js';

export type EnvOutputFormat = 'nul' | 'lines';

export interface EnvReadCommand {
  readonly argv: readonly string[];
  readonly output: EnvOutputFormat;
}

export function envReadCommands(platform: { readonly os: PlatformOs; readonly exec: Pick<ExecShaping, 'envCommand'> }): EnvReadCommand[] {
  const plain: EnvReadCommand = { argv: platform.exec.envCommand, output: 'lines' };
  return platform.os === 'linux' ? [{ argv: ['env', '-0'], output: 'nul' }, plain] : [plain];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf16le = new TextDecoder('utf-16le', { ignoreBOM: false });

const isContinuation = (b: number | undefined): boolean => b !== undefined && b >= 0x80 && b <= 0xbf;

/** Length of the valid UTF-8 sequence at `i` (Go's utf8.DecodeRune rules), or 0 when the byte there starts none. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!;
  if (b < 0x80) return 1;
  if (b < 0xc2 || b > 0xf4) return 0;
  const second = bytes[i + 1];
  if (second === undefined) return 0;
  if (b < 0xe0) return isContinuation(second) ? 2 : 0;
  // the second byte's range excludes overlong forms, surrogates (ED A0..BF) and > U+10FFFF
  const [lo, hi] = b === 0xe0 ? [0xa0, 0xbf] : b === 0xed ? [0x80, 0x9f] : b === 0xf0 ? [0x90, 0xbf] : b === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
  if (second < lo || second > hi || !isContinuation(bytes[i + 2])) return 0;
  if (b < 0xf0) return 3;
  return isContinuation(bytes[i + 3]) ? 4 : 0;
}

/** The GoText of a byte string: valid UTF-8 decoded, each invalid byte as U+DC00 + byte. */
export function goTextFromBytes(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // not valid UTF-8 somewhere: walk it the way Go's range over a string does
  }
  let out = '';
  let start = 0;
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += strictUtf8.decode(bytes.subarray(start, i)) + String.fromCharCode(0xdc00 + bytes[i]!);
    i++;
    start = i;
  }
  return out + strictUtf8.decode(bytes.subarray(start));
}

/** Exec output as GoText for the OS it came from (see the file comment). */
export function decodeEnvOutput(bytes: Uint8Array, os: PlatformOs): string {
  if (os === 'windows') {
    if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return utf16le.decode(bytes).toWellFormed();
    if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return goTextFromBytes(bytes.subarray(3));
  }
  return goTextFromBytes(bytes);
}
