// Hand-written on purpose: arguments must parse exactly as Go's pflag parses them (forms, values, error texts); no npm parser does.
// Go-compatible command-line scanning and value parsing, shared by flags.ts and feature-gates.ts.
// Mirrors what kruise-daemon's pflag (wrapping Go `flag`) accepts; written from the Go semantics,
// not ported code.

export class FlagError extends Error {
  override name = 'FlagError';
}

export type FlagKind = 'string' | 'bool' | 'int' | 'uint' | 'duration' | 'level' | 'severity';

export interface ScanSpec {
  readonly kind: FlagKind;
}

export interface ScanResult {
  /** Every raw value given per canonical flag name, in order (repeatable flags keep them all). */
  readonly values: ReadonlyMap<string, readonly string[]>;
  readonly positionals: string[];
  readonly help: boolean;
}

/**
 * Splits argv into flag values and positionals. `lookup` resolves a name (or alias) to its
 * canonical name and spec, or undefined for an unknown flag. Accepts `--name=v`, `--name v`,
 * and the single-dash forms Go's `flag` package takes; bools never consume the next argument.
 */
export function scanArgs(argv: readonly string[], lookup: (name: string) => { name: string; spec: ScanSpec } | undefined): ScanResult {
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg); // pflag keeps parsing flags after a positional (interspersed)
      continue;
    }
    const dashes = arg.startsWith('--') ? '--' : '-';
    const body = arg.slice(dashes.length);
    if (body === '' || body.startsWith('-') || body.startsWith('=')) throw new FlagError(`bad flag syntax: ${arg}`);
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    let value: string | undefined = eq === -1 ? undefined : body.slice(eq + 1);
    if ((name === 'help' || name === 'h') && value === undefined) {
      help = true;
      continue;
    }
    const found = lookup(name);
    if (!found) throw new FlagError(`unknown flag: ${dashes}${name}`);
    if (found.spec.kind === 'bool') {
      value ??= 'true';
    } else if (value === undefined) {
      if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: ${dashes}${name}`);
      value = argv[++i]!; // like Go, the next argument is taken even if it starts with '-'
    }
    const list = values.get(found.name) ?? [];
    list.push(value);
    values.set(found.name, list);
  }
  return { values, positionals, help };
}

/** Go strconv.ParseBool: exactly these spellings, nothing else. */
export function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** Go's rule for `_` digit separators (only legal with base 0 parsing, between digits). */
function underscoresOk(s: string): boolean {
  let body = s.replace(/^[+-]/, '');
  let hex = false;
  let saw = '^'; // '^' start, '0' digit, '_' underscore, '!' other
  if (/^0[bBoOxX]/.test(body)) {
    hex = /^0[xX]/.test(body);
    body = body.slice(2);
    saw = '0'; // the base prefix counts as a digit
  }
  for (const c of body) {
    if (/[0-9]/.test(c) || (hex && /[a-fA-F]/.test(c))) saw = '0';
    else if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

/**
 * Go strconv.ParseInt(s, 0, 64) / ParseUint(s, 0, 64), as Go's flag.Int / flag.Uint64 use:
 * decimal, 0x/0o/0b prefixes, leading-0 octal and `_` separators. Returns undefined when invalid,
 * out of range, or not exactly representable as a JS number.
 */
export function parseGoInt(s: string, unsigned = false): number | undefined {
  let rest = s;
  let neg = false;
  if (!unsigned && (rest.startsWith('-') || rest.startsWith('+'))) {
    neg = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '') return undefined;
  let base = 10;
  if (rest[0] === '0') {
    const p = rest[1]?.toLowerCase();
    if (rest.length >= 3 && (p === 'x' || p === 'o' || p === 'b')) {
      base = p === 'x' ? 16 : p === 'o' ? 8 : 2;
      rest = rest.slice(2);
    } else {
      base = 8;
      rest = rest.slice(1);
    }
  }
  if (rest.includes('_') && !underscoresOk(s)) return undefined;
  let n = 0n;
  for (const c of rest.replaceAll('_', '')) {
    const d = parseInt(c, 36);
    if (Number.isNaN(d) || d >= base) return undefined;
    n = n * BigInt(base) + BigInt(d);
  }
  if (neg) n = -n;
  const [min, max] = unsigned ? [0n, (1n << 64n) - 1n] : [-(1n << 63n), (1n << 63n) - 1n];
  if (n < min || n > max) return undefined;
  const out = Number(n);
  return Number.isSafeInteger(out) ? out : undefined;
}

const DURATION_UNITS_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/**
 * Go time.ParseDuration, returning milliseconds (fractional below 1 ms). Accepts a sign, "0",
 * and sequences like "1h30m", "1.5s", "300ms", "2us"; units ns, us, µs, ms, s, m, h.
 */
export function parseGoDuration(s: string): number {
  const bad = (why: string): FlagError => new FlagError(`time: ${why} ${JSON.stringify(s)}`);
  let rest = s;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    neg = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw bad('invalid duration');
  let totalNs = 0;
  while (rest !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    const [whole = '', frac] = [m[1], m[2]];
    if (whole === '' && (frac === undefined || frac === '')) throw bad('invalid duration');
    rest = rest.slice(m[0].length);
    const unit = /^[^\d.]*/.exec(rest)![0];
    if (unit === '') throw bad('missing unit in duration');
    const scale = DURATION_UNITS_NS[unit];
    if (scale === undefined) throw new FlagError(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(s)}`);
    rest = rest.slice(unit.length);
    totalNs += Number(`${whole || '0'}.${frac ?? ''}0`) * scale;
    if (totalNs > 2 ** 63 - 1) throw bad('invalid duration'); // Go stores durations as int64 ns
  }
  const ms = totalNs / 1e6;
  return neg ? -ms : ms;
}
