// What a container's environment holds, from one read of it (adapters/cri/container-env.ts), and
// the values the env hash needs from it.
//
// Three shapes of read, all plain JSON so that a read can travel in an event:
// - `runtime-spec`: the OCI runtime spec's `process.env` that containerd returns with a verbose
//   ContainerStatus: exact `NAME=value` strings, taken as they are (split at the first `=`);
// - `exec` with output `nul`: `env -0` run in the container: entries ended by NUL, exact too;
// - `exec` with output `lines`: `env` (Linux) or `cmd /c set` (Windows, CRLF), parsed the way
//   upstream's wrapEnvGetter parses `env`: Go's TrimSpace of the whole output, split on "\n",
//   TrimSpace of each line (which also eats a CR), split at the first `=`, lines without one
//   dropped. Lossy, as upstream is: a value loses trailing white space, and only the first line of
//   a multi-line value survives (later lines holding `=` even read as variables of their own).
// A name set twice keeps its last value (upstream fills a map in order).
//
// Names: Linux compares names exactly. A Windows process environment is case-insensitive
// (`set` prints one `Path`, and a program asking for `PATH` gets it), so on Windows a name the
// container does not have in the spec's exact spelling matches one that differs only in case;
// the last such entry wins. The manager always hashes the spec's own names and its label or
// annotation values, so this only decides which value the container is found to have. Case is
// folded per UTF-16 unit, like Windows' upcase table (no ß → SS).

import { goTrimSpace, type GoText } from './go-strings.js';

export type EnvOutputFormat = 'nul' | 'lines';

export type ContainerEnvironmentRead =
  | { readonly source: 'runtime-spec'; readonly entries: readonly GoText[]; readonly caseInsensitiveNames: boolean }
  | {
      readonly source: 'exec';
      readonly command: readonly string[];
      readonly output: EnvOutputFormat;
      readonly stdout: GoText;
      readonly caseInsensitiveNames: boolean;
    };

/** One name's value in the container; `null` when the container does not have it. */
export interface EnvValue {
  readonly name: string;
  readonly value: GoText | null;
}

type Pair = readonly [name: GoText, value: GoText];

function splitEntry(entry: GoText, into: Pair[]): void {
  const eq = entry.indexOf('=');
  if (eq >= 0) into.push([entry.slice(0, eq), entry.slice(eq + 1)]);
}

/** `NAME=value` strings split at the first `=`, in order; strings without one are skipped. */
export function envEntryPairs(entries: readonly GoText[]): Pair[] {
  const pairs: Pair[] = [];
  for (const entry of entries) splitEntry(entry, pairs);
  return pairs;
}

/** Upstream's parse of `env` output (wrapEnvGetter), with Go's TrimSpace; in order. */
export function parseEnvLines(stdout: GoText): Pair[] {
  const pairs: Pair[] = [];
  for (const line of goTrimSpace(stdout).split('\n')) splitEntry(goTrimSpace(line), pairs);
  return pairs;
}

/** `env -0` output: NUL-terminated `NAME=value` entries, nothing trimmed; in order. */
export function parseEnvNul(stdout: GoText): Pair[] {
  return envEntryPairs(stdout.split('\0'));
}

/** The variables a read shows, in the order shown (a name may repeat). */
export function environmentPairs(read: ContainerEnvironmentRead): Pair[] {
  if (read.source === 'runtime-spec') return envEntryPairs(read.entries);
  return read.output === 'nul' ? parseEnvNul(read.stdout) : parseEnvLines(read.stdout);
}

function windowsUpper(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const unit = name[i]!;
    const upper = unit.toUpperCase();
    out += upper.length === 1 ? upper : unit;
  }
  return out;
}

/**
 * Looks names up among `pairs`: the last entry of exactly that name; failing that, on Windows,
 * the last entry whose name differs from it only in case.
 */
export function envLookup(pairs: readonly Pair[], caseInsensitiveNames: boolean): (name: string) => GoText | undefined {
  const exact = new Map(pairs);
  let folded: Map<string, GoText> | undefined;
  return (name) => {
    const value = exact.get(name);
    if (value !== undefined || !caseInsensitiveNames) return value;
    folded ??= new Map(pairs.map(([key, v]) => [windowsUpper(key), v]));
    return folded.get(windowsUpper(name));
  };
}

/**
 * The values of `names` in the container, one per distinct name, in the order first asked. This
 * is what a read should be cut down to before it is recorded: the rest of a container's
 * environment may hold secrets, and the hash needs nothing else.
 */
export function pickEnvValues(read: ContainerEnvironmentRead, names: readonly string[]): EnvValue[] {
  const lookup = envLookup(environmentPairs(read), read.caseInsensitiveNames);
  const picked = new Map<string, GoText | null>();
  for (const name of names) if (!picked.has(name)) picked.set(name, lookup(name) ?? null);
  return [...picked].map(([name, value]) => ({ name, value }));
}

/** The `valueIn` argument of currentEnvHash, from picked values. */
export function valueOfPicked(values: readonly EnvValue[]): (name: string) => GoText | undefined {
  const map = new Map(values.map((v) => [v.name, v.value]));
  return (name) => map.get(name) ?? undefined;
}
