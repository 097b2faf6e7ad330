import { describe, expect, it } from 'vitest';
import { parseGoRfc3339 } from '../../../machines/crr/go-time-parse.js';
import { runtimeNotFound } from '../../../machines/crr/messages.js';
import { backoffMs, chooseRuntime, compareResourceVersions, pickCrr, pickOrder, unreadyGrace } from '../../../machines/crr/policy.js';
import { T0, crr, iso, spec, strategy } from './fixtures.js';

describe('crr policy: which CRR goes first (contract §4.3 step 1)', () => {
  it('orders by phase weight Completed < Recreating < Pending < empty, then creation time, then name', () => {
    const list = [
      crr('fresh-old', { phase: '', createdAtMs: T0 - 9000 }),
      crr('pending-new', { phase: 'Pending', createdAtMs: T0 - 1000 }),
      crr('recreating', { phase: 'Recreating', createdAtMs: T0 }),
      crr('pending-old', { phase: 'Pending', createdAtMs: T0 - 5000 }),
      crr('completed', { phase: 'Completed', createdAtMs: T0 }),
      crr('same-second-b', { phase: '', createdAtMs: T0 - 500 }),
      crr('same-second-a', { phase: '', createdAtMs: T0 - 500 }),
    ];
    expect(pickOrder(list).map((c) => c.name)).toEqual([
      'completed',
      'recreating',
      'pending-old',
      'pending-new',
      'fresh-old',
      'same-second-a',
      'same-second-b',
    ]);
  });

  it('skips deleting and completed CRRs, picks the first of the rest and marks the other empty-phase ones Pending', () => {
    const result = pickCrr([
      crr('done', { phase: 'Completed', completed: true }),
      crr('going', { phase: 'Recreating', deleting: true }),
      crr('b', { createdAtMs: T0 - 100 }),
      crr('a', { createdAtMs: T0 - 200 }),
      crr('waiting', { phase: 'Pending', createdAtMs: T0 }),
    ]);
    expect(result.picked?.name).toBe('waiting');
    expect(result.toPending.map((c) => c.name)).toEqual(['a', 'b']);
    expect(pickCrr([crr('x', { completed: true })])).toEqual({ picked: null, toPending: [] });
  });
});

describe('crr policy: runtime lookup (contract §4.3 step 4)', () => {
  const names = ['containerd'];

  it('chooses the runtime named by the shared container-ID scheme', () => {
    expect(chooseRuntime([spec('a'), spec('b', 'containerd://b-9')], names)).toEqual({ ok: true, runtimeName: 'containerd' });
  });

  it('gives upstream inner messages, in upstream order, for every way it fails', () => {
    expect(chooseRuntime([spec('a'), spec('sidecar', null)], names)).toEqual({
      ok: false,
      message: 'no statusContext or empty containerID in sidecar container',
    });
    expect(chooseRuntime([spec('a', '')], names)).toEqual({ ok: false, message: 'no statusContext or empty containerID in a container' });
    expect(chooseRuntime([spec('a', 'docker://x'), spec('b', 'containerd://y')], ['docker', 'containerd'])).toEqual({
      ok: false,
      message: 'has different runtime types docker, containerd in Pod',
    });
    expect(chooseRuntime([spec('a', 'cri-o://x')], names)).toEqual({ ok: false, message: 'not found runtime service for cri-o in daemon' });
    expect(chooseRuntime([spec('a', '://x')], names)).toEqual({ ok: false, message: 'no runtime type found in Pod' });
    expect(chooseRuntime([spec('a', 'abc123')], names)).toEqual({
      ok: false,
      message: 'failed to parse containerID abc123 in a container: invalid container ID: "abc123"',
    });
    expect(runtimeNotFound('no runtime type found in Pod')).toBe('failed to find runtime service: no runtime type found in Pod');
  });

  it('lets a later scheme stand in for an empty one, as upstream does', () => {
    expect(chooseRuntime([spec('a', '://x'), spec('b', 'containerd://y')], names)).toEqual({ ok: true, runtimeName: 'containerd' });
  });
});

describe('crr policy: unready grace (contract §4.3 step 3)', () => {
  const graced = (at: string | null, seconds = 30) => crr('c', { strategy: strategy({ unreadyGracePeriodSeconds: seconds }), unreadyAcquiredAt: at });

  it('does nothing without unreadyGracePeriodSeconds, and waits for the timestamp when it is absent or empty', () => {
    expect(unreadyGrace(crr('c'), T0)).toEqual({ kind: 'none' });
    expect(unreadyGrace(graced(null), T0)).toEqual({ kind: 'awaitTimestamp' });
    expect(unreadyGrace(graced(''), T0)).toEqual({ kind: 'awaitTimestamp' });
  });

  it('requeues 100 ms after the grace ends, and goes on once it is over', () => {
    expect(unreadyGrace(graced(iso(T0 - 10_000)), T0)).toEqual({ kind: 'requeue', delayMs: 20_100 });
    expect(unreadyGrace(graced(iso(T0 - 30_000)), T0)).toEqual({ kind: 'over' });
    expect(unreadyGrace(graced('2026-03-01T01:00:00+01:00'), T0 + 1000)).toEqual({ kind: 'requeue', delayMs: 29_100 });
  });

  it('completes with upstream message and Go error text when the time does not parse', () => {
    expect(unreadyGrace(graced('yesterday'), T0)).toEqual({
      kind: 'unparsable',
      message: 'failed to parse unready time yesterday: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"',
    });
  });
});

describe('Go RFC 3339 parsing of the unready time', () => {
  it.each([
    ['2026-03-01T00:00:00Z', T0],
    ['2026-03-01T00:00:00.250Z', T0 + 250],
    ['2026-03-01T00:00:00,5Z', T0 + 500],
    ['2026-03-01T02:30:00+02:30', T0],
    ['2026-02-28T23:00:00-01:00', T0],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ])('accepts %s', (text, ms) => {
    expect(parseGoRfc3339(text)).toEqual({ ok: true, ms });
  });

  it('reads four-digit years below 100 as such (no 19xx mapping)', () => {
    const year99 = new Date(0);
    year99.setUTCFullYear(99, 0, 1);
    expect(parseGoRfc3339('0099-01-01T00:00:00Z')).toEqual({ ok: true, ms: year99.getTime() });
  });

  it('accepts a one-digit hour, as Go layouts with "15" do', () => {
    expect(parseGoRfc3339('2026-03-01T5:00:00Z')).toEqual({ ok: true, ms: T0 + 5 * 3_600_000 });
  });

  const asLayout = (value: string, rest: string, element: string) =>
    `parsing time "${value}" as "2006-01-02T15:04:05Z07:00": cannot parse "${rest}" as "${element}"`;

  it.each([
    ['', asLayout('', '', '2006')],
    ['2026-03-01', asLayout('2026-03-01', '', 'T')],
    ['2026-03-01 00:00:00Z', asLayout('2026-03-01 00:00:00Z', ' 00:00:00Z', 'T')],
    ['2026-3-01T00:00:00Z', asLayout('2026-3-01T00:00:00Z', '3-01T00:00:00Z', '01')],
    ['2026-03-01T00:00:00', asLayout('2026-03-01T00:00:00', '', 'Z07:00')],
    ['2026-03-01T00:00:00+0100', asLayout('2026-03-01T00:00:00+0100', '+0100', 'Z07:00')],
    ['2026-03-01T00:00:00 01:00', asLayout('2026-03-01T00:00:00 01:00', ' 01:00', 'Z07:00')],
    ['2026-13-01T00:00:00Z', 'parsing time "2026-13-01T00:00:00Z": month out of range'],
    ['2026-02-30T00:00:00Z', 'parsing time "2026-02-30T00:00:00Z": day out of range'],
    ['2026-03-01T24:00:00Z', 'parsing time "2026-03-01T24:00:00Z": hour out of range'],
    ['2026-03-01T00:60:00Z', 'parsing time "2026-03-01T00:60:00Z": minute out of range'],
    ['2026-03-01T00:00:60Z', 'parsing time "2026-03-01T00:00:60Z": second out of range'],
    ['2026-03-01T00:00:00Z trailing', 'parsing time "2026-03-01T00:00:00Z trailing": extra text: " trailing"'],
    ['2026-03-01T00:00:00+25:00', 'parsing time "2026-03-01T00:00:00+25:00": time zone offset hour out of range'],
    ['"2026"', asLayout('\\"2026\\"', '\\"2026\\"', '2006')],
    ['2026-03-01T00:00:00é', asLayout('2026-03-01T00:00:00\\xc3\\xa9', '\\xc3\\xa9', 'Z07:00')],
  ])('rejects %j with Go text', (text, error) => {
    expect(parseGoRfc3339(text)).toEqual({ ok: false, error });
  });
});

describe('crr policy: resourceVersions and backoff', () => {
  it('compares integer resourceVersions as integers, of any length, and calls anything else incomparable', () => {
    expect(compareResourceVersions('99', '100')).toBe('older');
    expect(compareResourceVersions('100', '99')).toBe('newer');
    expect(compareResourceVersions('0100', '100')).toBe('same');
    expect(compareResourceVersions('123456789012345678901', '123456789012345678902')).toBe('older');
    expect(compareResourceVersions('abc', '100')).toBe('incomparable');
    expect(compareResourceVersions('100', '')).toBe('incomparable');
  });

  it('backs off 0.5 s doubling to a 50 s cap, without jitter', () => {
    expect([1, 2, 3, 4, 7, 8, 9, 20].map((n) => backoffMs(n))).toEqual([500, 1000, 2000, 4000, 32_000, 50_000, 50_000, 50_000]);
  });
});
