// Effects wait for the log: an effect does no I/O until every record that led to it is on disk.
// The host appends an event before delivering it but fsyncs in groups; without this barrier a
// crash could leave an effect done in the world whose cause the log never kept. With it, the
// worst a crash does is repeat an effect, and every effect is idempotent by design.
// A read changes nothing in the world, so it need not wait: `readEffect` starts at once, and an
// effect that reads before it acts (a kill checking its container) can overlap the two.
import { fromCallback, fromPromise, type EventObject } from 'xstate';

export interface DurabilityBarrier {
  durable(): Promise<void>;
}

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

/** A callback effect (one that reports several events); nothing is sent once it is stopped. */
export function callbackEffect<TEvent extends EventObject, TInput>(
  run: (input: TInput, sendBack: (event: TEvent) => void, signal: AbortSignal) => Promise<void>,
) {
  return fromCallback<EventObject, TInput>(({ input, sendBack }) => {
    const controller = new AbortController();
    void Promise.resolve()
      .then(() => run(input, (event) => controller.signal.aborted || sendBack(event), controller.signal))
      .catch(() => undefined);
    return () => controller.abort();
  });
}

/** A callback effect started once the log is durable. */
export function durableCallback<TEvent extends EventObject, TInput>(
  barrier: DurabilityBarrier,
  run: (input: TInput, sendBack: (event: TEvent) => void, signal: AbortSignal) => Promise<void>,
) {
  return callbackEffect<TEvent, TInput>(async (input, sendBack, signal) => {
    await barrier.durable();
    if (!signal.aborted) await run(input, sendBack, signal);
  });
}
