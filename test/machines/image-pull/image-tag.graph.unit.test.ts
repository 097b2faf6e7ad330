import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { imageTagMachine, type ImageTagEvent, type ImageTagInput } from '../../../machines/image-pull/image-tag.machine.js';
import { NGINX, T0, ev, inputOf } from './drive.js';

// Every event the machine handles, listed explicitly, including child results and timers.
const EVENTS = [
  ev.slot(T0),
  ev.progress(5, 10, T0 + 1),
  ev.pulled(T0 + 2),
  ev.pullFailed(T0 + 2, 'rpc error'),
  ev.pullError(new Error('crashed')),
  ev.attemptTimedOut(),
  ev.backoffOver(),
  ev.presence({ at: T0 + 1, image: NGINX }),
  ev.presence({ at: T0 + 1, image: null }),
  ev.presenceError(new Error('unavailable')),
  ev.verified({ at: T0 + 3, image: NGINX }),
  ev.verified({ at: T0 + 3, image: null }),
  ev.verifyError(new Error('unavailable')),
  ev.platform({ at: T0 + 1, verdict: 'runs', message: '' }),
  ev.platform({ at: T0 + 1, verdict: 'cannotRun', message: 'no matching manifest' }),
  ev.platformError(new Error('boom')),
  ev.persisted(T0 + 4),
  ev.removed(T0 + 4),
  ev.versionChanged(2, T0 + 4),
  ev.eventRecorded(),
  ev.eventError(new Error('recorder gone')),
  ev.resumed(T0 + 5),
] as unknown as ImageTagEvent[];

/** The top-level state: `succeeded` for `{ succeeded: { event, entry } }`. */
const topState = (value: unknown): string => (typeof value === 'string' ? value : Object.keys(value as object)[0]!);

function restingStates(input: ImageTagInput): Set<string> {
  const paths = getShortestPaths(imageTagMachine, {
    input,
    events: EVENTS,
    // State value plus the attempt count: enough to tell loops apart, small enough to stay finite.
    serializeState: (snapshot) => JSON.stringify([snapshot.value, snapshot.context.attempt]),
  });
  return new Set(paths.map((p) => topState(p.state.value)));
}

describe('imageTag: graph walk', () => {
  it('reaches every state of the machine by some path of events', () => {
    const reached = new Set([
      ...restingStates(inputOf({ imagePullPolicy: 'IfNotPresent' })),
      ...restingStates(inputOf()),
      ...restingStates(inputOf({ imagePullPolicy: 'IfNotPresent', checkPlatform: true })),
    ]);
    expect([...reached].sort()).toEqual(Object.keys(imageTagMachine.root.states).sort());
  });

  it('reaches failed straight from the slot grant when the deadline is zero, so the deadline branch is live', () => {
    const paths = getShortestPaths(imageTagMachine, {
      input: inputOf({ pullPolicy: { activeDeadlineSeconds: 0 } }),
      events: EVENTS,
      serializeState: (snapshot) => JSON.stringify([snapshot.value, snapshot.context.attempt]),
      toState: (snapshot) => topState(snapshot.value) === 'failed',
    });
    expect(paths.map((p) => p.steps.map((s) => s.event.type))).toContainEqual(['xstate.init', 'engine.slotGranted']);
  });
});

describe('imageTag: no dead ends', () => {
  it('leaves every live state it can reach by some event, regions of the finished states included', () => {
    const inputs = [inputOf({ imagePullPolicy: 'IfNotPresent', checkPlatform: true }), inputOf({ pullPolicy: { backoffLimit: 0 } })];
    const values = new Set<string>();
    for (const input of inputs) {
      const paths = getShortestPaths(imageTagMachine, {
        input,
        events: EVENTS,
        serializeState: (snapshot) => JSON.stringify([snapshot.value, snapshot.context.attempt]),
      });
      for (const { state } of paths) {
        values.add(JSON.stringify(state.value));
        if (state.status !== 'active') continue;
        const here = JSON.stringify(state.value);
        const moves = EVENTS.map((event) => JSON.stringify(transition(imageTagMachine, state, event)[0].value));
        expect(
          moves.some((to) => to !== here),
          here,
        ).toBe(true);
      }
    }
    // Both regions of both finished states reach their final states.
    for (const phase of ['succeeded', 'failed']) {
      expect(values).toContain(JSON.stringify({ [phase]: { event: 'recorded', entry: 'holding' } }));
      expect(values).toContain(JSON.stringify({ [phase]: { event: 'recording', entry: 'persisted' } }));
    }
  });
});
