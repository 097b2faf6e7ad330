// Callback effects fail loudly: a body that rejects reaches its machine as the machine's own
// failure event (through the required `failed` mapper), after whatever it sent before; a body that
// rejects after its effect was stopped sends nothing; and a barrier that rejects (the event log
// failed) is a failure like any other, with the body never run.
import { type AnyActorLogic, createActor, type EventObject, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import { callbackEffect, durableCallback } from '../../effects/durable.js';
import { EventLogFailure } from '../../engine/log/log-failure.js';

type WorkEvent = { type: 'work.progress'; n: number } | { type: 'work.failed'; message: string } | { type: 'leave' };

const failedEvent = (error: unknown): WorkEvent => ({ type: 'work.failed', message: error instanceof Error ? error.message : String(error) });

/** A machine that runs `work` while in `working`, records what it hears, and ends in `failed` on work.failed. */
function watcher(work: AnyActorLogic) {
  const heard: EventObject[] = [];
  let failedHeard: (event: EventObject) => void = () => {};
  const failure = new Promise<EventObject>((resolve) => {
    failedHeard = resolve;
  });
  const machine = setup({ types: { events: {} as WorkEvent }, actors: { work } }).createMachine({
    initial: 'working',
    states: {
      working: {
        invoke: { id: 'work', src: 'work' },
        on: {
          'work.progress': { actions: ({ event }) => void heard.push(event) },
          'work.failed': {
            target: 'failed',
            actions: ({ event }) => {
              heard.push(event);
              failedHeard(event);
            },
          },
          leave: 'elsewhere',
        },
      },
      elsewhere: { on: { 'work.failed': { actions: ({ event }) => void heard.push(event) } } },
      failed: {},
    },
  });
  const actor = createActor(machine).start();
  return { actor, heard, failure };
}

function deferred<T = void>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('callback effects', () => {
  it('send a rejection of their body to the machine as its failure event, after what they sent before', async () => {
    const effect = callbackEffect<WorkEvent, void>(failedEvent, async (_input, sendBack) => {
      sendBack({ type: 'work.progress', n: 1 });
      throw new Error('the runtime hung up');
    });
    const { actor, heard, failure } = watcher(effect);
    await failure;
    expect(heard).toEqual([
      { type: 'work.progress', n: 1 },
      { type: 'work.failed', message: 'the runtime hung up' },
    ]);
    expect(actor.getSnapshot().value).toBe('failed');
  });

  it('send nothing for a rejection that comes after the machine stopped the effect', async () => {
    const release = deferred();
    const bodyEnded = deferred<string>();
    let mapped = 0;
    const mapper = (error: unknown) => {
      mapped += 1;
      return failedEvent(error);
    };
    const effect = callbackEffect<WorkEvent, void>(mapper, async (_input, _sendBack, signal) => {
      try {
        await release.promise;
        throw new Error(signal.aborted ? 'aborted' : 'not aborted');
      } catch (error) {
        bodyEnded.resolve((error as Error).message);
        throw error;
      }
    });
    const { actor, heard } = watcher(effect);
    actor.send({ type: 'leave' }); // the machine moves on: the effect is stopped
    release.resolve();
    expect(await bodyEnded.promise).toBe('aborted');
    // The rejection travels through microtasks only: a turn of the event loop later, the effect's catch has run.
    await new Promise((resolve) => setImmediate(resolve));
    expect(mapped).toBe(0);
    expect(heard).toEqual([]);
    expect(actor.getSnapshot().value).toBe('elsewhere');
  });

  it('treat a barrier that rejects (the event log failed) as a failure, without running the body', async () => {
    const failure = new EventLogFailure('fdatasync', '/var/lib/kruised/events/events-0000000000000001.jsonl', Object.assign(new Error('EIO'), { code: 'EIO' }));
    let ran = false;
    const effect = durableCallback<WorkEvent, void>({ durable: () => Promise.reject(failure) }, failedEvent, async () => {
      ran = true;
    });
    const { heard, failure: heardFailure } = watcher(effect);
    await heardFailure;
    expect(ran).toBe(false);
    expect(heard).toEqual([{ type: 'work.failed', message: failure.message }]);
  });

  it('run the body of a durable callback once the barrier resolves, and map its rejection too', async () => {
    const durable = deferred();
    const effect = durableCallback<WorkEvent, void>({ durable: () => durable.promise }, failedEvent, async (_input, sendBack) => {
      sendBack({ type: 'work.progress', n: 2 });
      throw new Error('disk went away');
    });
    const { heard, failure } = watcher(effect);
    expect(heard).toEqual([]);
    durable.resolve();
    await failure;
    expect(heard).toEqual([
      { type: 'work.progress', n: 2 },
      { type: 'work.failed', message: 'disk went away' },
    ]);
  });
});
