import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { formatStateValue, snapshotHash } from '../../engine/snapshot-hash.js';
import { counterMachine } from './fixtures/test-machines.js';

describe('snapshot hashes', () => {
  it('is 16 hex digits, stable for equal snapshots and different when context changes', () => {
    const a = createActor(counterMachine, { input: { limit: 5 } }).start();
    const b = createActor(counterMachine, { input: { limit: 5 } }).start();
    expect(snapshotHash(a.getSnapshot())).toMatch(/^[0-9a-f]{16}$/);
    expect(snapshotHash(a.getSnapshot())).toBe(snapshotHash(b.getSnapshot()));
    a.send({ type: 'test.bump' });
    expect(snapshotHash(a.getSnapshot())).not.toBe(snapshotHash(b.getSnapshot()));
    b.send({ type: 'test.bump' });
    expect(snapshotHash(a.getSnapshot())).toBe(snapshotHash(b.getSnapshot()));
    a.stop();
    b.stop();
  });

  it('ignores the order in which parallel regions appear in the state value', () => {
    const base = { status: 'active', context: {}, children: {} };
    const one = snapshotHash({ ...base, value: { transfer: 'done', reporting: 'closed' } } as never);
    const two = snapshotHash({ ...base, value: { reporting: 'closed', transfer: 'done' } } as never);
    expect(one).toBe(two);
    expect(formatStateValue({ transfer: 'done', reporting: { inner: 'x' } })).toBe('reporting.inner.x|transfer.done');
  });
});
