// Lifecycle of one blob fetch, the engine's demonstration machine (no upstream counterpart).
//
// An actor is spawned per blob key when `demo.fetchRequested` is first observed. Its root is
// parallel. The `transfer` region waits for a worker slot (`demo.slotGranted`), then invokes
// `fetchBlob`, a callback effect that reports `demo.progress` as bytes land and ends with
// `demo.fetched` or `demo.fetchFailed`. A failed attempt backs off (named delay `retryBackoff`,
// doubling per attempt, capped) and tries again until `maxAttempts` is spent, then settles in
// `failed`. A fetched blob is verified by the `verifyDigest` promise effect; a digest mismatch
// counts as a failed attempt. The `reporting` region coalesces progress: it goes `dirty` on
// progress and back to `clean` after `statusCoalesce`, recording a status report in context.
// When transfer reaches `done` or `failed` it raises `demo.finished`, `reporting` closes, and
// the actor is final: the host logs its stop and releases it. `demo.cancelled` ends it at once.
import { assign, fromCallback, fromPromise, raise, setup } from 'xstate';

export interface BlobFetchInput {
  /** Content key of the blob, e.g. `sha256:<hex>`. */
  readonly digest: string;
  /** Where the blob comes from (a path or URL the effect understands). */
  readonly source: string;
  /** Attempts before giving up (the first try counts). */
  readonly maxAttempts: number;
}

export interface BlobFetchContext extends BlobFetchInput {
  /** Attempts started so far. */
  attempt: number;
  /** Bytes received in the current attempt. */
  bytesDone: number;
  /** Bytes the source announced, 0 while unknown. */
  bytesTotal: number;
  /** Monotone percentage for status, 100 only after verification. */
  progress: number;
  /** Number of coalesced status reports made so far. */
  reports: number;
  /** Last error or result message, for status. */
  message: string;
}

export type BlobFetchEvent =
  | { type: 'demo.fetchRequested'; digest: string; source: string }
  | { type: 'demo.slotGranted' }
  | { type: 'demo.cancelled'; reason: string }
  | { type: 'demo.progress'; bytesDone: number; bytesTotal: number }
  | { type: 'demo.fetched'; bytes: number }
  | { type: 'demo.fetchFailed'; message: string }
  | { type: 'demo.finished' };

/** Backoff before attempt n+1, in ms: 100, 200, 400 … capped at 1600. */
export function retryBackoffMs(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), 1600);
}

export const blobFetchMachine = setup({
  types: {
    input: {} as BlobFetchInput,
    context: {} as BlobFetchContext,
    events: {} as BlobFetchEvent,
  },
  actors: {
    // Placeholders: effects/ binds the real ones with machine.provide().
    fetchBlob: fromCallback<BlobFetchEvent, { digest: string; source: string; attempt: number }>(() => {
      throw new Error('effect fetchBlob is not provided');
    }),
    verifyDigest: fromPromise<{ ok: boolean; actual: string }, { digest: string }>(async () => {
      throw new Error('effect verifyDigest is not provided');
    }),
  },
  delays: {
    retryBackoff: ({ context }) => retryBackoffMs(context.attempt),
    statusCoalesce: 250,
  },
  guards: {
    attemptsLeft: ({ context }) => context.attempt < context.maxAttempts,
    digestMatches: ({ event }) => (event as unknown as { output: { ok: boolean } }).output.ok,
  },
  actions: {
    startAttempt: assign({ attempt: ({ context }) => context.attempt + 1, bytesDone: 0 }),
    recordProgress: assign(({ context, event }) => {
      if (event.type !== 'demo.progress') return {};
      const total = Math.max(event.bytesTotal, context.bytesTotal);
      const pct = total > 0 ? Math.floor((event.bytesDone * 99) / total) : 0;
      return { bytesDone: event.bytesDone, bytesTotal: total, progress: Math.max(context.progress, pct) };
    }),
    recordFailure: assign({
      message: ({ event }) => (event.type === 'demo.fetchFailed' ? event.message : 'digest mismatch'),
    }),
    recordSuccess: assign({ progress: 100, message: 'verified' }),
    recordReport: assign({ reports: ({ context }) => context.reports + 1 }),
    announceFinished: raise({ type: 'demo.finished' }),
  },
}).createMachine({
  id: 'blobFetch',
  version: '1',
  description: 'Fetches one blob with retries and verifies its digest (engine demonstration).',
  context: ({ input }) => ({
    ...input,
    attempt: 0,
    bytesDone: 0,
    bytesTotal: 0,
    progress: 0,
    reports: 0,
    message: '',
  }),
  type: 'parallel',
  on: { 'demo.cancelled': { target: '.transfer.failed' } },
  states: {
    transfer: {
      initial: 'waiting',
      states: {
        waiting: {
          description: 'Queued until the host grants a worker slot.',
          on: { 'demo.slotGranted': { target: 'fetching', actions: 'startAttempt' } },
        },
        fetching: {
          description: 'Bytes are being copied from the source.',
          invoke: {
            id: 'fetchBlob',
            src: 'fetchBlob',
            input: ({ context }) => ({ digest: context.digest, source: context.source, attempt: context.attempt }),
          },
          on: {
            'demo.progress': { actions: 'recordProgress' },
            'demo.fetched': { target: 'verifying' },
            'demo.fetchFailed': [
              { guard: 'attemptsLeft', target: 'backingOff', actions: 'recordFailure' },
              { target: 'failed', actions: 'recordFailure' },
            ],
          },
        },
        verifying: {
          description: 'The fetched bytes are hashed and compared with the digest.',
          invoke: {
            id: 'verifyDigest',
            src: 'verifyDigest',
            input: ({ context }) => ({ digest: context.digest }),
            onDone: [
              { guard: 'digestMatches', target: 'done', actions: 'recordSuccess' },
              { guard: 'attemptsLeft', target: 'backingOff', actions: 'recordFailure' },
              { target: 'failed', actions: 'recordFailure' },
            ],
            onError: { target: 'failed', actions: assign({ message: 'verification could not run' }) },
          },
        },
        backingOff: {
          description: 'Waiting before the next attempt.',
          after: { retryBackoff: { target: 'fetching', actions: 'startAttempt' } },
        },
        done: { type: 'final', entry: 'announceFinished' },
        failed: { type: 'final', entry: 'announceFinished' },
      },
    },
    reporting: {
      initial: 'clean',
      states: {
        clean: { on: { 'demo.progress': 'dirty', 'demo.finished': 'closed' } },
        dirty: {
          description: 'Progress changed since the last report; reports are coalesced.',
          after: { statusCoalesce: { target: 'clean', actions: 'recordReport' } },
          on: { 'demo.finished': { target: 'closed', actions: 'recordReport' } },
        },
        closed: { type: 'final' },
      },
    },
  },
});
