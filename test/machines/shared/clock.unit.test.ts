import { describe, expect, it } from 'vitest';
import { errorText, eventAt, rfc3339 } from '../../../machines/shared/index.js';

describe('eventAt', () => {
  it('takes an event’s own at, else a promise result’s output.at, and never moves the clock back', () => {
    expect(eventAt({ clockMs: 100 }, { at: 250 })).toBe(250);
    expect(eventAt({ clockMs: 100 }, { output: { at: 300 } })).toBe(300);
    expect(eventAt({ clockMs: 500 }, { at: 250 })).toBe(500);
    expect(eventAt({ clockMs: 500 }, {})).toBe(500);
    expect(eventAt({ clockMs: 500 }, { at: '900', output: 'x' })).toBe(500);
  });
});

describe('rfc3339', () => {
  it('agrees with Date at second precision, before and after the epoch and across leap days', () => {
    const samples = [0, 951_782_400_000, 4_107_542_399_999, -1, -62_135_596_800_000, Date.UTC(2024, 1, 29, 23, 59, 59, 999)];
    for (const ms of samples) expect(rfc3339(ms)).toBe(new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  });
});

describe('errorText', () => {
  it('is an Error’s message, and anything else as a string', () => {
    expect(errorText(new Error('boom'))).toBe('boom');
    expect(errorText('plain')).toBe('plain');
    expect(errorText(42)).toBe('42');
  });
});
