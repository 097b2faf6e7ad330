// Lifecycle of this node's NodeImage status writes: one actor per NodeImage object (key
// `NodeImage/<node>`), spawned when the puller first has a status change to publish and ended in
// `gone` when the object is deleted or replaced. It replaces the publisher's implicit machine of
// fields and timers, and keeps upstream's budget (contract §3.6): 0.5 writes/s, burst 5.
//
// The puller rebuilds the NodeImage status on every tag step and classifies how urgent the
// difference to what the API server holds is (`settle`, `announce`, `finish`, `refresh`, `none`:
// write-budget.ts). Only a change of that class reaches the actor, as `engine.statusChanged`: the
// status itself never enters the log. Progress of every tag moves the status several times a
// second but keeps the class at `refresh`, so it costs no record; logging each status (a few KB
// with many tags) on every tick would dwarf the rest of the log. The write effect
// (`writeNodeImageStatus`, effects/image-pull) instead takes the puller's newest status when it
// runs, so a write always carries the newest status, and the machine's decisions (when, and
// whether the bucket allows it) replay from the logged classes, clock readings and write outcomes.
//
// `idle` has nothing to write. A change goes through `deciding` to `holding` until it is due (a
// new tag version `announcing` 250 ms so a burst of spec changes shares a write; a tag `finishing`
// while others pull 3 s so close finishes share one; `pacing` progress to one write per 5 s), then
// to `waitingForToken` while the bucket lacks what the change needs (a settled or finished status
// may take the last token; the rest leave one for it), then to `writing`, one write at a time. A
// write that landed (`written`, or `skipped` because the object already held it, which gives its
// token back) leaves nothing pending until the puller says otherwise; any other outcome sleeps in
// `backingOff` for the requeue the effect drew (upstream's 3–5 s) and decides again. The token
// bucket is context arithmetic over the machine's clock: every `at` advances `clockMs`, and a timer
// advances it to the time it was set for. `engine.flush` (shutdown) writes what is pending at once,
// whatever the holds and the bucket (the bucket may go below zero, so the budget stays honest).
import { assign, emit, fromPromise, setup } from 'xstate';
import { eventAt } from '../shared/index.js';
import type { NodeImageStatusEmitted, NodeImageStatusEvent, NodeImageStatusInput, StatusWriteInput, StatusWriteOutcome, StatusWriteOutput } from './types.js';
import { delayUntil, dueAtMs, REQUEUE_MIN_MS, tokensAt, tokensNeeded, tokensReadyAtMs, type StatusWriteBudget, type WriteUrgency } from './write-budget.js';

export type { NodeImageStatusEmitted, NodeImageStatusEvent, NodeImageStatusInput } from './types.js';

export interface NodeImageStatusContext {
  readonly budget: StatusWriteBudget;
  /** Latest time any event carried (or a timer was set for), ms since the epoch; 0 before the first. */
  clockMs: number;
  /** The class of the pending change, as the puller last said; `none` once a write of it landed. */
  urgency: WriteUrgency;
  /** When the pending new tag version, and the pending terminal change, were first seen (reset by each write). */
  announceSinceMs: number | null;
  finishSinceMs: number | null;
  /** The token bucket: `tokens` counted at `tokensAtMs`. */
  tokens: number;
  tokensAtMs: number;
  /** When the last write started, or null before the first. */
  lastSentAtMs: number | null;
  /** Writes started so far: the current write's number. */
  writes: number;
  /** When the current wait (a hold, the bucket, a requeue) ends. */
  wakeAtMs: number;
}

type AnyEvent = { type: string; at?: number; output?: unknown };

const writeOutput = (event: AnyEvent): StatusWriteOutput => event.output as StatusWriteOutput;
const landed = (outcome: StatusWriteOutcome): boolean => outcome === 'written' || outcome === 'skipped';

export const nodeImageStatusMachine = setup({
  types: {
    input: {} as NodeImageStatusInput,
    context: {} as NodeImageStatusContext,
    events: {} as NodeImageStatusEvent,
    emitted: {} as NodeImageStatusEmitted,
  },
  actors: {
    // Placeholder: effects/ binds the real one with machine.provide().
    writeNodeImageStatus: fromPromise<StatusWriteOutput, StatusWriteInput>(async () => {
      throw new Error('effect writeNodeImageStatus is not provided');
    }),
  },
  delays: {
    untilWake: ({ context }) => delayUntil(context.clockMs, context.wakeAtMs),
  },
  guards: {
    nothingPending: ({ context }) => context.urgency === 'none',
    somethingPending: ({ context }) => context.urgency !== 'none',
    notDue: ({ context }) => context.clockMs < dueAtMs(context),
    announcing: ({ context }) => context.urgency === 'announce',
    finishing: ({ context }) => context.urgency === 'finish',
    lacksTokens: ({ context }) => tokensAt(context, context.clockMs) < tokensNeeded(context.urgency),
    writeLanded: ({ event }) => landed(writeOutput(event as AnyEvent).outcome),
  },
  actions: {
    noteChange: assign(({ context, event }) => {
      if (event.type !== 'engine.statusChanged') return {};
      const at = eventAt(context, event);
      const { urgency } = event;
      return urgency === 'none' ? { clockMs: at, urgency, announceSinceMs: null, finishSinceMs: null } : { clockMs: at, urgency };
    }),
    // Each decision starts the hold of a new tag version or a finish, unless one runs already.
    markSince: assign(({ context }) => ({
      announceSinceMs: context.urgency === 'announce' ? (context.announceSinceMs ?? context.clockMs) : context.announceSinceMs,
      finishSinceMs: context.urgency === 'finish' ? (context.finishSinceMs ?? context.clockMs) : context.finishSinceMs,
    })),
    recordClock: assign({ clockMs: ({ context, event }) => eventAt(context, event as AnyEvent) }),
    waitUntilDue: assign({ wakeAtMs: ({ context }) => context.clockMs + delayUntil(context.clockMs, dueAtMs(context)) }),
    waitForTokens: assign({ wakeAtMs: ({ context }) => context.clockMs + delayUntil(context.clockMs, tokensReadyAtMs(context)) }),
    wake: assign({ clockMs: ({ context }) => Math.max(context.clockMs, context.wakeAtMs) }),
    // Takes a token (a flush takes one even when the bucket is empty: it goes below zero).
    startWrite: assign(({ context }) => ({
      tokens: tokensAt(context, context.clockMs) - 1,
      tokensAtMs: context.clockMs,
      lastSentAtMs: context.clockMs,
      writes: context.writes + 1,
      announceSinceMs: null,
      finishSinceMs: null,
    })),
    landWrite: assign(({ context, event }) => {
      const output = writeOutput(event as AnyEvent);
      const at = eventAt(context, event as AnyEvent);
      // A skipped write sent nothing: its token goes back to the bucket.
      const refund = output.outcome === 'skipped' ? 1 : 0;
      return { clockMs: at, urgency: 'none' as const, tokens: Math.min(context.budget.burst, tokensAt(context, at) + refund), tokensAtMs: at };
    }),
    requeue: assign(({ context, event }) => {
      const at = eventAt(context, event as AnyEvent);
      return { clockMs: at, wakeAtMs: at + Math.max(0, writeOutput(event as AnyEvent).retryAfterMs) };
    }),
    requeueAfterError: assign(({ context }) => ({ wakeAtMs: context.clockMs + REQUEUE_MIN_MS })),
    emitWriting: emit(({ context }) => ({ type: 'nodeImageStatus.writing' as const, write: context.writes })),
    emitWritten: emit(({ context, event }) => ({
      type: 'nodeImageStatus.written' as const,
      write: context.writes,
      outcome: (event as AnyEvent).output === undefined ? ('failed' as const) : writeOutput(event as AnyEvent).outcome,
    })),
  },
}).createMachine({
  id: 'nodeImageStatus',
  version: '1',
  description: "Writes this node's NodeImage status within upstream's budget (0.5 writes/s, burst 5), holding changes so they share writes.",
  context: ({ input }) => ({
    budget: input.budget,
    clockMs: 0,
    urgency: 'none',
    announceSinceMs: null,
    finishSinceMs: null,
    tokens: input.budget.burst,
    tokensAtMs: 0,
    lastSentAtMs: null,
    writes: 0,
    wakeAtMs: 0,
  }),
  initial: 'idle',
  on: {
    // While writing or backing off, a change is noted and decided on afterwards.
    'engine.statusChanged': { actions: 'noteChange' },
    'engine.flush': { actions: 'recordClock' },
    'k8s.nodeImageGone': { target: '.gone', actions: 'recordClock' },
  },
  states: {
    idle: {
      description: 'The API server shows the newest status. No deadline: nothing is owed until the puller reports a change.',
      on: { 'engine.statusChanged': { target: 'deciding', actions: 'noteChange' } },
    },
    deciding: {
      description: 'Chooses at once: nothing pending, a hold not over, too few tokens, or a write now.',
      entry: 'markSince',
      always: [
        { guard: 'nothingPending', target: 'idle' },
        { guard: 'notDue', target: 'holding', actions: 'waitUntilDue' },
        { guard: 'lacksTokens', target: 'waitingForToken', actions: 'waitForTokens' },
        { target: 'writing', actions: 'startWrite' },
      ],
    },
    holding: {
      description: 'A change waits until it is due; a newer change or a flush decides again at once.',
      on: {
        'engine.statusChanged': { target: 'deciding', actions: 'noteChange' },
        'engine.flush': { guard: 'somethingPending', target: 'writing', actions: ['recordClock', 'startWrite'] },
      },
      initial: 'choosing',
      states: {
        choosing: {
          description: 'Which hold: by the kind of change.',
          always: [{ guard: 'announcing', target: 'announcing' }, { guard: 'finishing', target: 'finishing' }, { target: 'pacing' }],
        },
        announcing: {
          description: 'A new tag version: held 250 ms after it was first seen, so a burst of spec changes shares one write.',
          after: { untilWake: { target: '#nodeImageStatus.deciding', actions: 'wake' } },
        },
        finishing: {
          description: 'A tag finished while others pull: held 3 s after the first such change, so close finishes share one write.',
          after: { untilWake: { target: '#nodeImageStatus.deciding', actions: 'wake' } },
        },
        pacing: {
          description: 'Progress and other refreshes: at most one write per 5 s.',
          after: { untilWake: { target: '#nodeImageStatus.deciding', actions: 'wake' } },
        },
      },
    },
    waitingForToken: {
      description: 'Due, but the bucket lacks the tokens this change needs: waits until it has refilled enough.',
      after: { untilWake: { target: 'deciding', actions: 'wake' } },
      on: {
        'engine.statusChanged': { target: 'deciding', actions: 'noteChange' },
        'engine.flush': { guard: 'somethingPending', target: 'writing', actions: ['recordClock', 'startWrite'] },
      },
    },
    writing: {
      description:
        "One write of the puller's newest status. Deadline: the StatusWriter's own bounds (each request has the transport's 30 s timeout, and it gives up after 5 conflicts or 5 transient failures).",
      entry: 'emitWriting',
      invoke: {
        id: 'statusWrite',
        src: 'writeNodeImageStatus',
        input: ({ context }) => ({ write: context.writes }),
        onDone: [
          { guard: 'writeLanded', target: 'deciding', actions: ['landWrite', 'emitWritten'] },
          { target: 'backingOff', actions: ['requeue', 'emitWritten'] },
        ],
        onError: { target: 'backingOff', actions: ['recordClock', 'requeueAfterError', 'emitWritten'] },
      },
    },
    backingOff: {
      description: "A write did not land: upstream's requeue (3–5 s), then decide again. A flush writes at once.",
      after: { untilWake: { target: 'deciding', actions: 'wake' } },
      on: { 'engine.flush': { guard: 'somethingPending', target: 'writing', actions: ['recordClock', 'startWrite'] } },
    },
    gone: { type: 'final', description: 'The NodeImage was deleted or replaced: nothing more is written for it.' },
  },
});
