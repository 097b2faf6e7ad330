import { describe, expect, it } from 'vitest';
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
] as unknown as ImageTagEvent[];

function restingStates(input: ImageTagInput): Set<string> {
  const paths = getShortestPaths(imageTagMachine, {
    input,
    events: EVENTS,
    // State value plus the attempt count: enough to tell loops apart, small enough to stay finite.
    serializeState: (snapshot) => JSON.stringify([snapshot.value, snapshot.context.attempt]),
  });
  return new Set(paths.map((p) => String(p.state.value)));
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
      toState: (snapshot) => snapshot.value === 'failed',
    });
    expect(paths.map((p) => p.steps.map((s) => s.event.type))).toContainEqual(['xstate.init', 'engine.slotGranted']);
  });
});
