// The nodeImageStatus machine on a simulated clock: holds per kind of change, the token bucket as
// context arithmetic, one write at a time, requeue after a failed write, flush and the end.
import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { nodeImageStatusMachine } from '../../../machines/image-pull/node-image-status.machine.js';
import { UPSTREAM_BUDGET } from '../../../machines/image-pull/write-budget.js';
import { PublisherRun, stateOf } from './publish-drive.js';

const T0 = Date.UTC(2026, 2, 1);
const at = (run: PublisherRun) => run.writes.map((w) => w.at - T0);

describe('nodeImageStatus: holds and cadence', () => {
  it('holds a new tag version 250 ms from when it was first seen, then writes, emitting the write and how it ended', () => {
    const run = new PublisherRun(T0).changed('announce');
    expect(run.state).toBe('holding.announcing');
    run.advance(100).changed('announce'); // another spec change of the same kind: the hold runs on from the first
    run.advance(149);
    expect(run.writes).toEqual([]);
    run.advance(1);
    expect(at(run)).toEqual([250]);
    expect(run.state).toBe('writing');
    run.answer('written');
    expect(run.state).toBe('idle');
    expect(run.context.urgency).toBe('none'); // the puller says when something new is pending
    expect(run.emitted).toEqual([
      { type: 'nodeImageStatus.writing', write: 1 },
      { type: 'nodeImageStatus.written', write: 1, outcome: 'written' },
    ]);
  });

  it('holds a terminal phase 3 s from the first finish, so finishes close together share one write', () => {
    const run = new PublisherRun(T0).changed('finish');
    expect(run.state).toBe('holding.finishing');
    run.advance(1_000).changed('finish');
    run.advance(1_999);
    expect(run.writes).toEqual([]);
    run.advance(1);
    expect(at(run)).toEqual([3_000]);
  });

  it('paces refreshes to one write per 5 s after the last write, and writes a settled status at once', () => {
    const run = new PublisherRun(T0).changed('refresh');
    expect(at(run)).toEqual([0]); // the first write has no earlier one to keep a gap from
    run.answer('written').advance(10).changed('refresh');
    expect(run.state).toBe('holding.pacing');
    run.advance(4_989);
    expect(run.writes).toHaveLength(1);
    run.advance(1);
    expect(at(run)).toEqual([0, 5_000]);
    run.answer('written').advance(100).changed('refresh').advance(50).changed('settle');
    expect(at(run)).toEqual([0, 5_000, 5_150]);
  });

  it('decides again at once when a held change becomes another kind, and idles when nothing is pending', () => {
    const run = new PublisherRun(T0).changed('finish').advance(500).changed('settle');
    expect(at(run)).toEqual([500]);
    run.answer('written');
    const held = new PublisherRun(T0).changed('announce').advance(10).changed('none');
    expect(held.state).toBe('idle');
    expect(held.pendingTimers()).toEqual([]);
    held.advance(1_000);
    expect(held.writes).toEqual([]);
  });

  it('notes a change that comes while a write runs and decides on it when the write has landed', () => {
    const run = new PublisherRun(T0).changed('settle');
    run.advance(20).changed('announce');
    expect(run.state).toBe('writing');
    run.advance(30).answer('written');
    // The landed write cleared the pending class: the puller tells the machine what is still new.
    expect(run.state).toBe('idle');
    run.changed('announce');
    expect(run.context.announceSinceMs).toBe(T0 + 50);
  });
});

describe('nodeImageStatus: the token bucket', () => {
  const spendBurst = (run: PublisherRun) => {
    for (let i = 0; i < 5; i += 1) run.changed('settle').answer('written').advance(1);
  };

  it('lets settled writes empty the burst, holds an announce until two tokens are there, and lets a settled status take the last one', () => {
    const run = new PublisherRun(T0);
    spendBurst(run);
    expect(run.writes).toHaveLength(5);
    run.changed('announce').advance(2_500);
    expect(run.state).toBe('waitingForToken'); // about 1.25 tokens, 2 needed
    expect(run.writes).toHaveLength(5);
    run.changed('settle');
    expect(run.writes).toHaveLength(6); // one token is enough for it
    expect(run.context.tokens).toBeLessThan(1);
  });

  it('writes the held announce as soon as the bucket holds two tokens', () => {
    const run = new PublisherRun(T0);
    spendBurst(run);
    const spentAt = run.now;
    run.changed('announce');
    run.advance(10_000);
    // From ~0 tokens (a little refilled during the five 1 ms steps) to 2 at 0.5/s: just under 4 s.
    expect(run.writes).toHaveLength(6);
    const waited = run.writes[5]!.at - spentAt;
    expect(waited).toBeGreaterThan(3_900);
    expect(waited).toBeLessThanOrEqual(4_000);
  });

  it('gives the token back when the object already held the status', () => {
    const run = new PublisherRun(T0);
    for (let i = 0; i < 5; i += 1) run.changed('settle').answer('skipped').advance(1);
    expect(run.context.tokens).toBeGreaterThanOrEqual(UPSTREAM_BUDGET.burst - 0.01);
    run.changed('announce').advance(250);
    expect(run.writes).toHaveLength(6); // the burst is whole again: the announce did not wait for tokens
  });
});

describe('nodeImageStatus: failures, flush and the end', () => {
  it('backs off for the requeue the effect drew after a failed write, then writes again', () => {
    const run = new PublisherRun(T0).changed('settle');
    run.advance(10).answer('failed', 4_000);
    expect(run.state).toBe('backingOff');
    expect(run.context.urgency).toBe('settle'); // nothing landed: still pending
    run.advance(3_999);
    expect(run.writes).toHaveLength(1);
    run.advance(1);
    expect(at(run)).toEqual([0, 4_010]);
    expect(run.emitted.filter((e) => e.type === 'nodeImageStatus.written').map((e) => (e as { outcome: string }).outcome)).toEqual(['failed']);
  });

  it('treats a write to an object that is not there (yet) as a failure to retry, not as landed', () => {
    for (const outcome of ['notFound', 'noObject', 'superseded'] as const) {
      const run = new PublisherRun(T0).changed('settle').answer(outcome, 3_000);
      expect(run.state).toBe('backingOff');
    }
  });

  it('backs off for upstream’s shortest requeue when the write effect itself broke', () => {
    const run = new PublisherRun(T0).changed('settle');
    run.send({ type: 'xstate.error.actor.statusWrite', error: { message: 'no writer' } } as never);
    expect(run.state).toBe('backingOff');
    expect(run.pendingTimers()).toEqual([T0 + 3_000]);
    expect(run.emitted.at(-1)).toEqual({ type: 'nodeImageStatus.written', write: 1, outcome: 'failed' });
  });

  it('flushes a held change at once, even with an empty bucket, and does nothing when idle', () => {
    const idle = new PublisherRun(T0).flush();
    expect(idle.state).toBe('idle');
    const run = new PublisherRun(T0);
    for (let i = 0; i < 5; i += 1) run.changed('settle').answer('written');
    run.changed('refresh');
    expect(run.state).toBe('holding.pacing');
    run.flush();
    expect(run.writes).toHaveLength(6);
    expect(run.context.tokens).toBeLessThan(0); // the flush borrowed a token: later writes wait for it
  });

  it('ends in gone from any state when the NodeImage is deleted or replaced', () => {
    for (const urgency of ['announce', 'finish', 'refresh', 'settle'] as const) {
      const run = new PublisherRun(T0).changed(urgency).gone();
      expect(run.snapshot.status).toBe('done');
      expect(run.state).toBe('gone');
    }
  });
});

describe('nodeImageStatus: every waiting state has a deadline', () => {
  it('has a timer pending in every hold, token wait and backoff; idle owes nothing and writing is bounded by the writer', () => {
    const seen = new Map<string, number[]>();
    const note = (run: PublisherRun) => seen.set(run.state, run.pendingTimers());
    note(new PublisherRun(T0).changed('announce'));
    note(new PublisherRun(T0).changed('finish'));
    note(new PublisherRun(T0).changed('refresh').answer('written').changed('refresh'));
    const empty = new PublisherRun(T0);
    for (let i = 0; i < 5; i += 1) empty.changed('settle').answer('written');
    note(empty.changed('announce').advance(300));
    note(new PublisherRun(T0).changed('settle').answer('failed'));
    expect([...seen.keys()].sort()).toEqual(['backingOff', 'holding.announcing', 'holding.finishing', 'holding.pacing', 'waitingForToken']);
    for (const [state, timers] of seen) expect(timers, state).toHaveLength(1);
    expect(nodeImageStatusMachine.root.states.idle?.description).toMatch(/No deadline/);
    expect(nodeImageStatusMachine.root.states.writing?.description).toMatch(/30 s timeout.*gives up/);
  });
});

describe('nodeImageStatus: graph walk', () => {
  it('reaches every state, and each non-final state has a way on', () => {
    const events = [
      ...(['none', 'settle', 'announce', 'finish', 'refresh'] as const).map((urgency) => ({ type: 'engine.statusChanged', urgency, at: T0 + 1 })),
      { type: 'engine.flush', at: T0 + 2 },
      { type: 'k8s.nodeImageGone', at: T0 + 3 },
      { type: 'xstate.done.actor.statusWrite', output: { at: T0 + 4, outcome: 'written', retryAfterMs: 3_000 } },
      { type: 'xstate.done.actor.statusWrite', output: { at: T0 + 4, outcome: 'failed', retryAfterMs: 3_000 } },
      { type: 'xstate.error.actor.statusWrite', error: { message: 'x' } },
      ...['holding.announcing', 'holding.finishing', 'holding.pacing', 'waitingForToken', 'backingOff'].map((id) => ({
        type: `xstate.after.untilWake.nodeImageStatus.${id}`,
      })),
    ];
    const paths = getShortestPaths(nodeImageStatusMachine, {
      input: { budget: { ...UPSTREAM_BUDGET, burst: 1 } },
      events: events as never,
      // Tokens only as much as decisions tell apart (a flush can take the bucket below zero without end).
      serializeState: (snapshot) => JSON.stringify([snapshot.value, snapshot.context.urgency, Math.max(-1, Math.min(2, Math.floor(snapshot.context.tokens)))]),
    });
    const reached = new Set(paths.map((p) => stateOf(p.state)));
    expect([...reached].sort()).toEqual([
      'backingOff',
      'gone',
      'holding.announcing',
      'holding.finishing',
      'holding.pacing',
      'idle',
      'waitingForToken',
      'writing',
    ]);
    // No dead ends: from every live state some event leads elsewhere.
    for (const { state } of paths) {
      if (state.status !== 'active') continue;
      const moves = events.map((event) => stateOf(transition(nodeImageStatusMachine, state, event as never)[0]));
      expect(
        moves.some((to) => to !== stateOf(state)),
        stateOf(state),
      ).toBe(true);
    }
  });
});
