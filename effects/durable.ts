// Effects wait for the log: an effect does no I/O until every record that led to it is on disk.
// The host appends an event before delivering it but fsyncs in groups; without this barrier a
// crash could leave an effect done in the world whose cause the log never kept. With it, the
// worst a crash does is repeat an effect, and every effect is idempotent by design. If the log
// fails instead, `durable()` rejects and the effect never acts (the host halts its actor too).
// A read changes nothing in the world, so it need not wait: `readEffect` starts at once, and an
// effect that reads before it acts (a kill checking its container) can overlap the two.
//
// Effects fail loudly. A promise effect's rejection reaches its machine as
// `xstate.error.actor.<id>` (every invoke handles onError). A callback effect's body that rejects
// is turned by its required `failed(error)` mapper into the machine's own typed failure event and
// sent back, unless the effect was stopped meanwhile (the machine left the state: nothing is
// listening, and the rejection is most likely the abort itself).
import { type EventObject, fromCallback, fromPromise } from 'xstate';

export interface DurabilityBarrier {
  durable(): Promise<void>;
}

/** Turns a rejection of a callback effect's body into the machine's own failure event. */
export type FailureEvent<TEvent extends EventObject> = (error: unknown) => TEvent;

/** A promise effect whose body starts only once the log is durable; honours the abort signal. */
export function durablePromise<TOutput, TInput>(barrier: DurabilityBarrier, run: (input: TInput, signal: AbortSignal) => Promise<TOutput>) {
  return fromPromise<TOutput, TInput>(async ({ input, signal }) => {
    await barrier.durable();
    signal.throwIfAborted();
    return run(input, signal);
  });
}

/** A promise effect that only reads: it starts at once, without waiting for the log. */
export function readEffect<TOutput, TInput>(run: (input: TInput, signal: AbortSignal) => Promise<TOutput>) {
  return fromPromise<TOutput, TInput>(({ input, signal }) => run(input, signal));
}

/** Registers a listener for the events the machine sends its running effect (`sendTo`), from now on. */
export type EffectReceive = (listener: (event: EventObject) => void) => void;

/**
 * A callback effect (one that reports several events); nothing is sent once it is stopped. A
 * rejection of `run` is sent back as `failed(error)`. The mapper comes first so the body, the
 * long argument, stays last. `receive` hears what the machine sends the effect (XState's).
 */
export function callbackEffect<TEvent extends EventObject, TInput>(
  failed: FailureEvent<TEvent>,
  run: (input: TInput, sendBack: (event: TEvent) => void, signal: AbortSignal, receive: EffectReceive) => Promise<void>,
) {
  return fromCallback<EventObject, TInput>(({ input, sendBack, receive }) => {
    const controller = new AbortController();
    const send = (event: TEvent) => {
      if (!controller.signal.aborted) sendBack(event);
    };
    void Promise.resolve()
      .then(() => run(input, send, controller.signal, receive))
      .catch((error: unknown) => {
        if (!controller.signal.aborted) sendBack(failed(error));
      });
    return () => controller.abort();
  });
}

/** A callback effect started once the log is durable; a rejected `durable()` is a failure like any other. */
export function durableCallback<TEvent extends EventObject, TInput>(
  barrier: DurabilityBarrier,
  failed: FailureEvent<TEvent>,
  run: (input: TInput, sendBack: (event: TEvent) => void, signal: AbortSignal) => Promise<void>,
) {
  return callbackEffect<TEvent, TInput>(failed, async (input, sendBack, signal) => {
    await barrier.durable();
    if (!signal.aborted) await run(input, sendBack, signal);
  });
}
