// The kube adapter's pure pieces: backoff, token bucket, JSON equality and merge patch, error
// classification, Go duration text.
import { describe, expect, it } from 'vitest';
import { applyMergePatch, Backoff, goDuration, jsonEqual, KubeApiError, kubeErrorType, TokenBucket } from '../../../adapters/kube/index.js';
import { errorFromStatus } from '../../../adapters/kube/errors.js';

describe('backoff', () => {
  it('doubles from 200 ms up to 30 s and resets', () => {
    const b = new Backoff({ jitter: 0 });
    expect(Array.from({ length: 10 }, () => b.next())).toEqual([200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
    b.reset();
    expect(b.next()).toBe(200);
  });

  it('spreads each delay by up to ±20% and never goes below a Retry-After floor', () => {
    expect(new Backoff({}, () => 0).next()).toBe(160);
    expect(new Backoff({}, () => 1).next()).toBe(240);
    expect(new Backoff({ jitter: 0 }).next(1000)).toBe(1000);
  });
});

describe('token bucket', () => {
  it('grants the burst at once, then one token per 1/qps seconds', () => {
    let now = 0;
    const bucket = new TokenBucket(0.5, 5, () => now);
    expect(Array.from({ length: 6 }, () => bucket.tryTake())).toEqual([true, true, true, true, true, false]);
    now += 1999;
    expect(bucket.tryTake()).toBe(false);
    now += 1;
    expect(bucket.tryTake()).toBe(true);
  });

  it('gives a refunded token back without exceeding the burst', () => {
    const now = 0;
    const bucket = new TokenBucket(1, 1, () => now);
    expect(bucket.tryTake()).toBe(true);
    bucket.refund();
    bucket.refund();
    expect(bucket.available).toBe(1);
  });

  it('serves waiters in order and lets an aborted waiter go', async () => {
    const bucket = new TokenBucket(50, 1);
    bucket.tryTake();
    const order: number[] = [];
    const abort = new AbortController();
    const first = bucket.take().then(() => order.push(1));
    const skipped = bucket.take(abort.signal).catch(() => order.push(0));
    const second = bucket.take().then(() => order.push(2));
    abort.abort();
    await Promise.all([first, skipped, second]);
    expect(order).toEqual([0, 1, 2]);
  });
});

describe('JSON helpers', () => {
  it('compares JSON values ignoring key order and undefined members', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: 0 }, { a: null })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(jsonEqual({ a: undefined, b: 1 }, { b: 1, a: 2 })).toBe(false);
    expect(jsonEqual([{ a: 1 }], [{ a: 1 }, { a: 1 }])).toBe(false);
    expect(jsonEqual({ a: [] }, { a: {} })).toBe(false);
    expect(jsonEqual(undefined, {})).toBe(false);
  });

  it('applies a JSON merge patch: objects merge, null deletes, arrays replace', () => {
    expect(applyMergePatch({ phase: 'Recreating', states: [1], keep: { x: 1 } }, { states: [2], keep: { y: 2 }, phase: null })).toEqual({
      states: [2],
      keep: { x: 1, y: 2 },
    });
    expect(applyMergePatch(undefined, { a: 1 })).toEqual({ a: 1 });
  });
});

describe('API errors', () => {
  it('classifies Status answers and marks only transient ones retryable', () => {
    expect(kubeErrorType(409, 'Conflict')).toBe('kube.conflict');
    expect(kubeErrorType(409, 'AlreadyExists')).toBe('kube.alreadyExists');
    expect(kubeErrorType(200, 'Expired')).toBe('kube.expired');
    expect(kubeErrorType(503, 'ServiceUnavailable')).toBe('kube.serverError');
    const throttled = errorFromStatus({ code: 429, reason: 'TooManyRequests', details: { retryAfterSeconds: 3 } }, 429, { method: 'GET', path: '/x' });
    expect(throttled).toBeInstanceOf(KubeApiError);
    expect(throttled).toMatchObject({ type: 'kube.tooManyRequests', retryable: true, retryAfterMs: 3000 });
    expect(errorFromStatus({ code: 403, reason: 'Forbidden', message: 'no' }, 403, { method: 'GET', path: '/x' })).toMatchObject({
      retryable: false,
      message: 'GET /x: 403 no',
    });
  });

  it('prefers the Retry-After header to the Status details', () => {
    expect(errorFromStatus({ code: 429, details: { retryAfterSeconds: 3 } }, 429, { method: 'GET', path: '/x' }, '7').retryAfterMs).toBe(7000);
  });
});

describe('Go duration text', () => {
  it.each([
    [0, '0s'],
    [0.0005, '500ns'],
    [0.25, '250µs'],
    [350, '350ms'],
    [1.5, '1.5ms'],
    [12_345.5, '12.3455s'],
    [90_000, '1m30s'],
    [3_600_000, '1h0m0s'],
    [3_723_000.25, '1h2m3.00025s'],
  ])('formats %s ms as %s', (ms, text) => {
    expect(goDuration(ms)).toBe(text);
  });
});
