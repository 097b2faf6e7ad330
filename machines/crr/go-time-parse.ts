// Go's `time.Parse(time.RFC3339, s)` as upstream calls it on the unready-acquired time, pure and by
// hand (machines read no clock and build no Date): the same accepted inputs (one-digit hours,
// fractional seconds with '.' or ',', `Z` or ±hh:mm, leap days checked) and the same error texts,
// which end up in a CRR's status.message (`failed to parse unready time <s>: <err>`). Go works on
// bytes, so the value is walked as UTF-8 bytes and quoted as Go's time package quotes.

const LAYOUT = '2006-01-02T15:04:05Z07:00';

export type GoTimeParse = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly error: string };

type Field = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'zone';
// The layout's chunks as Go's nextStdChunk cuts RFC 3339: a literal prefix, then one element.
const CHUNKS: ReadonlyArray<{ readonly prefix: string; readonly element: string; readonly field: Field }> = [
  { prefix: '', element: '2006', field: 'year' },
  { prefix: '-', element: '01', field: 'month' },
  { prefix: '-', element: '02', field: 'day' },
  { prefix: 'T', element: '15', field: 'hour' },
  { prefix: ':', element: '04', field: 'minute' },
  { prefix: ':', element: '05', field: 'second' },
  { prefix: '', element: 'Z07:00', field: 'zone' },
];

const isDigitAt = (b: Uint8Array, i: number): boolean => i < b.length && b[i]! >= 0x30 && b[i]! <= 0x39;
const digit = (b: Uint8Array, i: number): number => b[i]! - 0x30;

/** Go's time-package quote: `\xNN` for control and non-ASCII bytes, backslash before `"` and `\`. */
function quote(bytes: Uint8Array): string {
  let out = '"';
  for (const b of bytes) {
    if (b < 0x20 || b >= 0x80) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += (b === 0x22 || b === 0x5c ? '\\' : '') + String.fromCharCode(b);
  }
  return `${out}"`;
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Go's getnum: one or two digits; `fixed` demands two. Returns [value, bytes used] or null. */
function getnum(b: Uint8Array, fixed: boolean): [number, number] | null {
  if (!isDigitAt(b, 0)) return null;
  if (!isDigitAt(b, 1)) return fixed ? null : [digit(b, 0), 1];
  return [digit(b, 0) * 10 + digit(b, 1), 2];
}

const isLeap = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (month: number, year: number): number => (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!);

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Parses `value` as Go's time.Parse(time.RFC3339, value) would: epoch ms, or Go's error text. */
export function parseGoRfc3339(value: string): GoTimeParse {
  const all = utf8(value);
  const fail = (message: string): GoTimeParse => ({ ok: false, error: `parsing time ${quote(all)}${message}` });
  const cannot = (rest: Uint8Array, element: string): GoTimeParse => fail(` as ${quote(utf8(LAYOUT))}: cannot parse ${quote(rest)} as ${quote(utf8(element))}`);
  const got = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, fractionMs: 0, offsetSeconds: 0 };
  let rest = all;
  for (const chunk of CHUNKS) {
    for (let i = 0; i < chunk.prefix.length; i++) {
      if (rest.length === 0 || rest[0] !== chunk.prefix.charCodeAt(i)) return cannot(rest, chunk.prefix);
      rest = rest.subarray(1);
    }
    const hold = rest;
    let range = '';
    let bad = false;
    switch (chunk.field) {
      case 'year': {
        if (rest.length < 4 || !isDigitAt(rest, 0) || ![1, 2, 3].every((i) => isDigitAt(rest, i))) bad = true;
        else [got.year, rest] = [digit(rest, 0) * 1000 + digit(rest, 1) * 100 + digit(rest, 2) * 10 + digit(rest, 3), rest.subarray(4)];
        break;
      }
      case 'month':
      case 'day':
      case 'hour':
      case 'minute': {
        const n = getnum(rest, chunk.field !== 'hour');
        if (n === null) bad = true;
        else [got[chunk.field], rest] = [n[0], rest.subarray(n[1])];
        const v = got[chunk.field];
        if (chunk.field === 'month' && !bad && (v <= 0 || v > 12)) range = 'month';
        if (chunk.field === 'hour' && v >= 24) range = 'hour';
        if (chunk.field === 'minute' && v >= 60) range = 'minute';
        break;
      }
      case 'second': {
        const n = getnum(rest, true);
        if (n === null) {
          bad = true;
          break;
        }
        [got.second, rest] = [n[0], rest.subarray(n[1])];
        if (got.second >= 60) {
          range = 'second';
          break;
        }
        // A fraction the layout does not name is still accepted after the seconds (Go does so).
        if (rest.length >= 2 && (rest[0] === 0x2e || rest[0] === 0x2c) && isDigitAt(rest, 1)) {
          let end = 2;
          while (isDigitAt(rest, end)) end++;
          const digits = String.fromCharCode(...rest.subarray(1, Math.min(end, 10)));
          got.fractionMs = Math.floor(Number(digits.padEnd(9, '0')) / 1e6);
          rest = rest.subarray(end);
        }
        break;
      }
      case 'zone': {
        if (rest.length >= 1 && rest[0] === 0x5a) {
          rest = rest.subarray(1);
          break;
        }
        if (rest.length < 6 || rest[3] !== 0x3a) {
          bad = true;
          break;
        }
        // Go reads the minutes only when the hours parsed, and checks ranges before the error.
        const hh = getnum(rest.subarray(1, 3), true);
        const mm = hh === null ? null : getnum(rest.subarray(4, 6), true);
        const [hours, minutes] = [hh?.[0] ?? 0, mm?.[0] ?? 0];
        if (hours > 24) range = 'time zone offset hour';
        if (minutes > 60) range = 'time zone offset minute';
        const sign = rest[0] === 0x2b ? 1 : rest[0] === 0x2d ? -1 : 0;
        bad = hh === null || mm === null || sign === 0;
        got.offsetSeconds = sign * (hours * 3600 + minutes * 60);
        rest = rest.subarray(6);
        break;
      }
    }
    if (range !== '') return fail(`: ${range} out of range`);
    if (bad) return cannot(hold, chunk.element);
  }
  if (rest.length > 0) return fail(`: extra text: ${quote(rest)}`);
  if (got.day < 1 || got.day > daysIn(got.month, got.year)) return fail(': day out of range');
  const seconds = daysFromCivil(got.year, got.month, got.day) * 86_400 + got.hour * 3600 + got.minute * 60 + got.second - got.offsetSeconds;
  return { ok: true, ms: seconds * 1000 + got.fractionMs };
}
