// Effects wait for the log: an effect does no I/O until every record that led to it is on disk.
// The host appends an event before delivering it but fsyncs in groups; without this barrier a
// crash could leave an effect done in the world whose cause the log never kept. With it, the
// worst a crash does is repeat an effect, and every effect is idempotent by design.
import { fromCallback, fromPromise, type EventObject } from 'xstate';

export interface DurabilityBarrier {
  durable(): Promise<void>;
}

/** A promise effect whose body starts only once the log is durable; honours the abort signal. */
export function durablePromise<TOutput, TInput>(
  barrier: DurabilityBarrier,
  run: (input: TInput, signal: AbortSignal) => Promise<TOutput>,
) {
  return fromPromise<TOutput, TInput>(async ({ input, signal }) => {
    await barrier.durable();
    signal.throwIfAborted();
    return run(input, signal);
  });
}

/** A callback effect (one that reports several events) started once the log is durable. */
export function durableCallback<TEvent extends EventObject, TInput>(
  barrier: DurabilityBarrier,
  run: (input: TInput, sendBack: (event: TEvent) => void, signal: AbortSignal) => Promise<void>,
) {
  return fromCallback<EventObject, TInput>(({ input, sendBack }) => {
    const controller = new AbortController();
    void barrier
      .durable()
      .then(() => (controller.signal.aborted ? undefined : run(input, (event) => controller.signal.aborted || sendBack(event), controller.signal)))
      .catch(() => undefined);
    return () => controller.abort();
  });
}
