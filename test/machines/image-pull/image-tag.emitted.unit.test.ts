// What the imageTag machine tells its glue without the glue reading its context: the status entry
// it emits, its answer to `engine.resumed`, and the Event effect it invokes once per outcome with
// an identity that is the same live, replayed and after a crash.
import { describe, expect, it } from 'vitest';
import { pullEventInput } from '../../../machines/image-pull/image-tag.machine.js';
import { tagStatusOf } from '../../../machines/image-pull/policy.js';
import { NGINX, Run, T0, ev, inputOf } from './drive.js';

const statuses = (run: Run) => run.emitted().map((e) => e.status as { phase: string; progress?: number; message?: string });

describe('imageTag: the status it emits', () => {
  it('emits its entry at spawn, at the worker start, when progress moves, on each failed attempt and at the end, always equal to its context', () => {
    const run = new Run(inputOf({ pullPolicy: { backoffLimit: 1 } })).send(
      ev.slot(T0),
      ev.progress(10, 100, T0 + 1),
      ev.progress(10, 100, T0 + 2), // no move: nothing emitted
      ev.progress(50, 100, T0 + 3),
      ev.pullFailed(T0 + 4, 'boom'),
      ev.backoffOver(),
      ev.progress(1, 100, T0 + 1_100), // a new attempt below the kept 50 %: nothing emitted
      ev.pulled(T0 + 1_200),
      ev.verified({ at: T0 + 1_300, image: NGINX }),
    );
    expect(statuses(run).map((s) => [s.phase, s.progress ?? 0])).toEqual([
      ['Waiting', 0],
      ['Pulling', 0],
      ['Pulling', 10],
      ['Pulling', 50],
      ['Pulling', 50], // backingOff: the message changed
      ['Succeeded', 100],
    ]);
    // Each emission is the context's entry at that step.
    const steps = run.history.filter((h) => h.actions.some((a) => a.type === 'xstate.emit'));
    expect(statuses(run)).toEqual(steps.map((h) => tagStatusOf(h.snapshot.context)));
    expect(run.emitted().every((e) => e.type === 'imageTag.status' && e.name === 'nginx' && e.tag === '1.21' && e.version === 1)).toBe(true);
    expect(statuses(run)[4]).toMatchObject({ message: 'boom' });
  });

  it('emits Failed for a reference that fails at its first observation', () => {
    const run = new Run(inputOf({ tag: 'not a tag' })).send(ev.versionChanged(1, T0));
    expect(statuses(run).map((s) => s.phase)).toEqual(['Waiting', 'Failed']);
  });

  it.each([
    ['waiting', []],
    ['pulling', [ev.slot(T0), ev.progress(3, 10, T0 + 1)]],
    ['backingOff', [ev.slot(T0), ev.pullFailed(T0 + 1, 'x')]],
    ['succeeded', [ev.slot(T0), ev.pulled(T0 + 1), ev.verified({ at: T0 + 2, image: NGINX })]],
    ['succeeded', [ev.slot(T0), ev.pulled(T0 + 1), ev.verified({ at: T0 + 2, image: NGINX }), ev.eventRecorded()]],
  ] as const)('answers engine.resumed in %s with its current entry, and changes nothing else', (state, events) => {
    const run = new Run(inputOf()).send(...events);
    const before = run.snapshot.context;
    const emittedBefore = run.emitted().length;
    run.send(ev.resumed(T0 + 10));
    expect(run.state).toBe(state);
    expect(run.snapshot.context).toEqual(before);
    expect(run.emitted().slice(emittedBefore)).toEqual([{ type: 'imageTag.status', name: 'nginx', tag: '1.21', version: 1, status: tagStatusOf(before) }]);
  });
});

describe('imageTag: the Event effect', () => {
  it('records PullImageSucceed once, with the time from the worker start and a stable identity', () => {
    const run = new Run(inputOf()).send(ev.slot(T0 + 500), ev.pulled(T0 + 4_000), ev.verified({ at: T0 + 4_250, image: NGINX }));
    expect(run.pullEvents()).toEqual([
      { identity: `nginx:1.21@1/Succeeded/${T0 + 500}`, name: 'nginx', tag: '1.21', version: 1, outcome: 'Succeeded', elapsedMs: 3_750, message: '' },
    ]);
    run.send(ev.eventRecorded(), ev.resumed(T0 + 5_000), ev.persisted(T0 + 6_000));
    expect(run.state).toBe('reported');
    expect(run.pullEvents()).toHaveLength(1);
  });

  it('records PullImageFailed once with the status message', () => {
    const run = new Run(inputOf({ pullPolicy: { backoffLimit: 0 } })).send(ev.slot(T0), ev.pullFailed(T0 + 1, 'no such image'), ev.backoffOver());
    expect(run.pullEvents()).toEqual([
      { identity: `nginx:1.21@1/Failed/${T0}`, name: 'nginx', tag: '1.21', version: 1, outcome: 'Failed', elapsedMs: 1_001, message: 'no such image' },
    ]);
  });

  it('gives the same identity when the same events are folded again (replay, recovery), and another one to another incarnation', () => {
    const events = [ev.slot(T0), ev.pulled(T0 + 1), ev.verified({ at: T0 + 2, image: NGINX })];
    const first = new Run(inputOf()).send(...events).pullEvents()[0]!.identity;
    expect(new Run(inputOf()).send(...events).pullEvents()[0]!.identity).toBe(first);
    const later = new Run(inputOf()).send(ev.slot(T0 + 60_000), ev.pulled(T0 + 60_001), ev.verified({ at: T0 + 60_002, image: NGINX }));
    expect(later.pullEvents()[0]!.identity).not.toBe(first);
    expect(pullEventInput(later.context).identity).toBe(later.pullEvents()[0]!.identity);
  });

  it('keeps recording when resumed mid-recording (the restarted effect writes the same Event: exactly once), and still holds its entry', () => {
    const run = new Run(inputOf()).send(ev.slot(T0), ev.pulled(T0 + 1), ev.verified({ at: T0 + 2, image: NGINX }));
    run.send(ev.resumed(T0 + 3));
    expect(run.snapshot.value).toEqual({ succeeded: { event: 'recording', entry: 'holding' } });
    expect(Object.keys(run.snapshot.children)).toEqual(['pullEvent']); // the effect goes on: it is not stopped
    expect(run.actions.map((a) => a.type)).not.toContain('xstate.stopChild');
    expect(run.emitted().at(-1)).toMatchObject({ type: 'imageTag.status', status: { phase: 'Succeeded' } });
    run.send(ev.persisted(T0 + 4));
    expect(run.state).toBe('succeeded'); // the Event is not written yet
    run.send(ev.eventRecorded());
    expect(run.state).toBe('reported');
    expect(run.pullEvents()).toHaveLength(1);
  });

  it('gives up on an Event whose effect failed (its error is in the log) and ends once the entry is persisted', () => {
    const run = new Run(inputOf()).send(ev.slot(T0), ev.pulled(T0 + 1), ev.verified({ at: T0 + 2, image: NGINX }), ev.eventError(new Error('boom')));
    expect(run.snapshot.value).toEqual({ succeeded: { event: 'recorded', entry: 'holding' } });
    run.send(ev.persisted(T0 + 3));
    expect(run.state).toBe('reported');
    expect(run.pullEvents()).toHaveLength(1);
  });
});
