// Time as pure machines see it: the clock only moves with the `at` an event carries (or the
// `output.at` of a promise effect's result), and metav1.Time's text is computed without Date.

/** What an event may carry about time: its own `at`, or a promise effect's `output.at`. */
export interface TimedEvent {
  readonly at?: unknown;
  readonly output?: unknown;
}

/** The machine's clock after `event`: the time it carries, never earlier than `context.clockMs`. */
export function eventAt(context: { readonly clockMs: number }, event: TimedEvent): number {
  const at = typeof event.at === 'number' ? event.at : (event.output as { at?: unknown } | undefined)?.at;
  return typeof at === 'number' ? Math.max(context.clockMs, at) : context.clockMs;
}

/** RFC 3339 at second precision in UTC, as metav1.Time serialises, from epoch ms (no Date: machines read no clock). */
export function rfc3339(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const days = Math.floor(seconds / 86_400);
  const secondOfDay = seconds - days * 86_400;
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm, proleptic Gregorian).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const two = (n: number): string => String(n).padStart(2, '0');
  const hh = Math.floor(secondOfDay / 3600);
  const mm = Math.floor((secondOfDay % 3600) / 60);
  return `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${two(hh)}:${two(mm)}:${two(secondOfDay % 60)}Z`;
}
