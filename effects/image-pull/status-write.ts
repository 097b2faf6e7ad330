// The `writeNodeImageStatus` effect of the nodeImageStatus machine: one StatusWriter intent for
// this node's NodeImage. The status is not in the machine (it would bloat the log, see the
// machine's header): the effect takes the puller's newest status when it runs (`source.take`),
// so a write always carries the newest one, and the write number in its input lets the puller
// tell which status landed. Upstream's requeue after a failed write (3–5 s, random) is drawn here,
// so the machine's timer replays from the logged output. Writing the newest status again after a
// crash is harmless: the writer skips a status the object already holds.
import type { ObjectRef, StatusWriter } from '../../adapters/kube/index.js';
import type { StatusWriteInput, StatusWriteOutput } from '../../machines/image-pull/types.js';
import { durablePromise, type DurabilityBarrier } from '../durable.js';

/** Where the write effect finds what to write. */
export interface NodeImageStatusSource {
  /** The status to write now and the object to write it to, for write number `write`; undefined while there is no NodeImage. */
  take(write: number): { readonly ref: ObjectRef; readonly status: unknown } | undefined;
}

export interface StatusWriteDeps {
  readonly writer: Pick<StatusWriter, 'write'>;
  readonly source: NodeImageStatusSource;
  readonly barrier: DurabilityBarrier;
  readonly now: () => number;
  /** Delay before a write that did not land is tried again (default 3–5 s, upstream's requeue). */
  readonly retryDelayMs?: () => number;
}

const upstreamRequeueMs = (): number => 3_000 + Math.random() * 2_000;

export function writeNodeImageStatus(deps: StatusWriteDeps) {
  const retryDelayMs = deps.retryDelayMs ?? upstreamRequeueMs;
  return durablePromise<StatusWriteOutput, StatusWriteInput>(deps.barrier, async (input) => {
    const target = deps.source.take(input.write);
    if (!target) return { at: deps.now(), outcome: 'noObject', retryAfterMs: retryDelayMs() };
    const outcome = await deps.writer.write(target.ref, target.status);
    const landed = outcome === 'written' || outcome === 'skipped';
    return { at: deps.now(), outcome, retryAfterMs: landed ? 0 : retryDelayMs() };
  });
}
