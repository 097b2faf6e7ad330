import { describe, expect, it } from 'vitest';
import { applyWrites, mergeObservation } from '../../../machines/crr/observations.js';
import { T0, crr } from './fixtures.js';

describe('the CRR view: observations merged with own writes', () => {
  const written = applyWrites(
    { crrs: [crr('a', { resourceVersion: '10' }), crr('b', { resourceVersion: '11' })], expectations: {} },
    [
      { name: 'a', kind: 'phase', phase: 'Recreating' },
      { name: 'a', kind: 'states', states: [{ name: 'app', phase: 'Pending' }] },
      { name: 'b', kind: 'complete', message: 'm', completionTime: 'T' },
    ],
    {
      at: T0,
      results: [
        { name: 'a', resourceVersion: '12' },
        { name: 'a', resourceVersion: '13' },
        { name: 'b', resourceVersion: null },
      ],
    },
  );

  it('applies each write to its CRR and expects the last resourceVersion returned; a gone CRR (null) gets no expectation', () => {
    expect(written.crrs[0]).toMatchObject({ name: 'a', phase: 'Recreating', states: [{ name: 'app', phase: 'Pending' }], resourceVersion: '13' });
    expect(written.crrs[1]).toMatchObject({ name: 'b', phase: 'Completed', completed: true, resourceVersion: '11' });
    expect(written.expectations).toEqual({ a: { uid: 'uid-a', resourceVersion: '13' } });
  });

  it('keeps the written status over an older observation, and drops the expectation once an observation catches up', () => {
    const stale = mergeObservation(written, [crr('a', { resourceVersion: '12', phase: 'Pending', snapshot: [] })]);
    expect(stale.crrs[0]).toMatchObject({ phase: 'Recreating', states: [{ name: 'app', phase: 'Pending' }], snapshot: [], resourceVersion: '13' });
    expect(stale.expectations).toEqual(written.expectations);
    const caughtUp = mergeObservation(stale, [crr('a', { resourceVersion: '13', phase: 'Recreating' })]);
    expect(caughtUp.expectations).toEqual({});
    expect(caughtUp.crrs.map((c) => c.name)).toEqual(['a']);
  });

  it('takes a recreated CRR of the same name (another uid) as it is', () => {
    const recreated = mergeObservation(written, [crr('a', { uid: 'uid-a-2', resourceVersion: '5' })]);
    expect(recreated.crrs[0]).toMatchObject({ uid: 'uid-a-2', phase: '', resourceVersion: '5' });
    expect(recreated.expectations).toEqual({});
  });
});
