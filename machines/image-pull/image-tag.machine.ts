// Lifecycle of one image tag of this node's NodeImage: one actor per (image, tag, version).
// Replaces the pull worker of `openkruise/kruise pkg/daemon/imagepuller/imagepuller_worker.go`
// (contract §3.3–3.7).
//
// The host spawns the actor when it sees a spec tag with no finished status of the same version;
// the actor starts in `waiting` (status phase `Waiting`) until the host's FIFO pool grants it a
// worker slot (`engine.slotGranted`, whose `at` is the worker's start time: phase `Pulling`,
// `startTime`). Before each attempt (on the grant, and when a backoff sleep ends) the machine
// checks `activeDeadlineSeconds`, counted from the worker's start, and sizes the attempt: its
// budget is the per-attempt timeout capped at the time left. Under `imagePullPolicy: IfNotPresent` exactly, `checkingPresence` asks
// the runtime first (`criImageStatus`) and a present image succeeds without pulling. On Windows
// nodes (input `checkPlatform`), `checkingPlatform` then reads the image's platforms from its
// registry once (`imagePlatformCheck`, windows.md §2.7): an image with no entry that can run on
// the host fails at once instead of downloading gigabytes; an unknown answer pulls anyway. `pulling`
// invokes `criPullImage`, a callback effect that sends `cri.pullProgress` as bytes land and ends
// with `cri.pullSucceeded` or `cri.pullFailed`; the machine's own `attemptTimeout` delay cancels an
// attempt that outlives its budget. `verifying` asks the runtime for the pulled image and its ID.
// A failed attempt sleeps in `backingOff` (1 s doubling to 30 s; upstream sleeps after the last
// failure too), then starts the next attempt or, with backoffLimit + 1 attempts spent, settles in
// `failed` with the last error. In `succeeded` and `failed` the actor stays alive doing two things
// at once (parallel regions): it records PullImageSucceed / PullImageFailed through the
// `recordPullEvent` effect, whose input carries an identity stable across crashes; and it holds its
// final status entry until the host tells it that entry is persisted in the NodeImage status
// (`k8s.statusPersisted`: a write carrying it landed, or an observation shows it). Only when both
// are done does it end in `reported` and get its stop record. So a crash between the pull's end
// and the status write recovers the actor with its outcome, and nothing is pulled again; the Event
// is exactly once (see `finished` below). Upstream likewise keeps a finished worker until a sync
// sees its completion persisted. The host glue never reads the context: the actor emits its
// status entry (`imageTag.status`) at its start and whenever a step may have changed it (the
// worker's start, a progress percentage that moved, a failed attempt, the end), and once more on
// `engine.resumed`, which a new daemon sends to every actor it resumed from the log.
// `k8s.tagRemoved` or `k8s.tagVersionChanged` (to another version) ends the actor in `abandoned`,
// whose output says not to write a status. A spec that can never be pulled does not burn the
// backoff schedule: an invalid image reference fails at the tag's first observation (the spawn
// event) with distribution/reference's reason; a timeoutSeconds ≤ 0 gives every attempt no time,
// as upstream, and its "is canceled" says so. Time comes only from events: every `at` advances
// `clockMs`, and timer events advance it by their own delay.
import { assign, emit, fromCallback, fromPromise, setup } from 'xstate';
import {
  attemptCanceledMessage,
  attemptTimeoutMs,
  backoffMs,
  deadlineAtMs,
  deadlineExceededMessage,
  deadlinePassed,
  imageMatches,
  invalidReferenceMessage,
  maxAttempts,
  notFoundMessage,
  perAttemptTimeoutMs,
  progressPercent,
  pullReference,
  pullSandboxConfig,
  referenceProblem,
  stoppedMessage,
  tagStatusOf,
} from './policy.js';
import { errorText, eventAt, rfc3339 } from '../shared/index.js';
import type {
  AbandonReason,
  ImageTagContext,
  ImageTagEmitted,
  ImageTagEvent,
  ImageTagInput,
  ImageStatusInput,
  ImageStatusOutput,
  ImageTagOutcome,
  PlatformCheckInput,
  PlatformCheckOutput,
  PullEventInput,
  PullEventOutput,
  PullImageInput,
} from './types.js';

export type { ImageTagContext, ImageTagEmitted, ImageTagEvent, ImageTagInput } from './types.js';

type AnyEvent = { type: string; at?: number; output?: unknown; error?: unknown };

const statusOutput = (event: AnyEvent): ImageStatusOutput => event.output as ImageStatusOutput;

/** The PullImageSucceed / PullImageFailed of a finished actor, with an identity that is the same live, replayed and after a crash. */
export function pullEventInput(context: ImageTagContext): PullEventInput {
  const outcome = context.phase === 'Succeeded' ? 'Succeeded' : 'Failed';
  return {
    identity: `${context.name}:${context.tag}@${context.version}/${outcome}/${context.startedAtMs}`,
    name: context.name,
    tag: context.tag,
    version: context.version,
    outcome,
    elapsedMs: Math.max(0, context.clockMs - context.startedAtMs),
    message: outcome === 'Succeeded' ? '' : context.message,
  };
}

export function imageTagOutcome(context: ImageTagContext): ImageTagOutcome {
  if (context.abandonReason !== null) {
    return { writeStatus: false, reason: context.abandonReason, message: stoppedMessage(context.name, context.tag) };
  }
  return { writeStatus: true, status: tagStatusOf(context) };
}

export const imageTagMachine = setup({
  types: {
    input: {} as ImageTagInput,
    context: {} as ImageTagContext,
    events: {} as ImageTagEvent,
    output: {} as ImageTagOutcome,
    emitted: {} as ImageTagEmitted,
  },
  actors: {
    // Placeholders: effects/ binds the real ones with machine.provide().
    criImageStatus: fromPromise<ImageStatusOutput, ImageStatusInput>(async () => {
      throw new Error('effect criImageStatus is not provided');
    }),
    criPullImage: fromCallback<ImageTagEvent, PullImageInput>(() => {
      throw new Error('effect criPullImage is not provided');
    }),
    imagePlatformCheck: fromPromise<PlatformCheckOutput, PlatformCheckInput>(async () => {
      throw new Error('effect imagePlatformCheck is not provided');
    }),
    recordPullEvent: fromPromise<PullEventOutput, PullEventInput>(async () => {
      throw new Error('effect recordPullEvent is not provided');
    }),
  },
  delays: {
    retryBackoff: ({ context }) => backoffMs(context.attempt),
    attemptTimeout: ({ context }) => context.attemptTimeoutMs,
  },
  guards: {
    deadlineSpentAtStart: ({ context, event }) => {
      const at = eventAt(context, event);
      return deadlinePassed(deadlineAtMs(context.pullPolicy, at), at);
    },
    deadlineSpentAfterSleep: ({ context }) => deadlinePassed(context.deadlineMs, context.clockMs + backoffMs(context.attempt)),
    checksPresence: ({ context }) => context.imagePullPolicy === 'IfNotPresent',
    imagePresent: ({ context, event }) => imageMatches(context.name, context.tag, statusOutput(event).image),
    attemptsSpent: ({ context }) => context.attempt >= context.maxAttempts,
    otherVersion: ({ context, event }) => event.type === 'k8s.tagVersionChanged' && event.version !== context.version,
    invalidReference: ({ context }) => referenceProblem(context.name, context.tag) !== null,
    needsPlatformCheck: ({ context }) => context.checkPlatform === true && !context.platformChecked,
    cannotRunHere: ({ event }) => (event as AnyEvent).output !== undefined && ((event as AnyEvent).output as PlatformCheckOutput).verdict === 'cannotRun',
    progressMoves: ({ context, event }) =>
      event.type === 'cri.pullProgress' && progressPercent(event.bytesDone, Math.max(event.bytesTotal, context.bytesTotal)) > context.progress,
    sameVersionInvalidReference: ({ context, event }) =>
      event.type === 'k8s.tagVersionChanged' && event.version === context.version && referenceProblem(context.name, context.tag) !== null,
  },
  actions: {
    startWorker: assign(({ context, event }) => {
      const at = eventAt(context, event);
      return {
        clockMs: at,
        startedAtMs: at,
        deadlineMs: deadlineAtMs(context.pullPolicy, at),
        phase: 'Pulling' as const,
        startTime: rfc3339(at),
      };
    }),
    startAttempt: assign(({ context }) => ({
      attempt: context.attempt + 1,
      attemptStartedAtMs: context.clockMs,
      attemptTimeoutMs: attemptTimeoutMs(context.timeoutMs, context.deadlineMs, context.clockMs),
      bytesDone: 0,
    })),
    recordProgress: assign(({ context, event }) => {
      if (event.type !== 'cri.pullProgress') return {};
      const bytesTotal = Math.max(event.bytesTotal, context.bytesTotal);
      return {
        clockMs: eventAt(context, event),
        bytesDone: event.bytesDone,
        bytesTotal,
        progress: Math.max(context.progress, progressPercent(event.bytesDone, bytesTotal)),
      };
    }),
    recordClock: assign({ clockMs: ({ context, event }) => eventAt(context, event) }),
    recordPullFailure: assign(({ context, event }) => {
      if (event.type !== 'cri.pullFailed') return {};
      const message = event.deadlineExceeded === true ? attemptCanceledMessage(context.name, context.tag, context.pullPolicy) : event.message;
      return { clockMs: eventAt(context, event), message };
    }),
    recordAttemptTimedOut: assign(({ context }) => ({
      clockMs: Math.max(context.clockMs, context.attemptStartedAtMs + context.attemptTimeoutMs),
      message: attemptCanceledMessage(context.name, context.tag, context.pullPolicy),
    })),
    recordEffectError: assign(({ context, event }) => ({
      clockMs: eventAt(context, event),
      message: errorText((event as AnyEvent).error),
    })),
    recordNotFound: assign(({ context, event }) => ({
      clockMs: eventAt(context, event),
      message: notFoundMessage(context.name, context.tag),
    })),
    sleepOver: assign({ clockMs: ({ context }) => context.clockMs + backoffMs(context.attempt) }),
    recordDeadlineExceeded: assign({ message: deadlineExceededMessage() }),
    recordPlatformChecked: assign(({ context, event }) => ({ clockMs: eventAt(context, event), platformChecked: true })),
    recordCannotRun: assign(({ context, event }) => ({
      clockMs: eventAt(context, event),
      platformChecked: true,
      message: ((event as AnyEvent).output as PlatformCheckOutput).message,
    })),
    recordInvalidReference: assign({
      message: ({ context }) => invalidReferenceMessage(context.name, context.tag, referenceProblem(context.name, context.tag) ?? ''),
    }),
    succeed: assign(({ context, event }) => {
      const at = eventAt(context, event);
      const image = statusOutput(event).image;
      return {
        clockMs: at,
        phase: 'Succeeded' as const,
        progress: 100,
        completionTime: rfc3339(at),
        imageID: image === null ? '' : `${context.name}@${image.id}`,
        message: '',
      };
    }),
    fail: assign({ phase: 'Failed' as const, completionTime: ({ context }) => rfc3339(context.clockMs) }),
    emitStatus: emit(({ context }) => ({
      type: 'imageTag.status' as const,
      name: context.name,
      tag: context.tag,
      version: context.version,
      status: tagStatusOf(context),
    })),
    abandon: assign(({ context, event }) => ({
      clockMs: eventAt(context, event),
      abandonReason: (event.type === 'k8s.tagRemoved' ? 'tagRemoved' : 'versionChanged') as AbandonReason,
    })),
  },
}).createMachine({
  id: 'imageTag',
  version: '6',
  description: 'Pulls one tag of a NodeImage with retries, timeouts and a deadline, reports its status, and records its outcome as an Event.',
  context: ({ input }) => ({
    ...input,
    reference: pullReference(input.name, input.tag),
    maxAttempts: maxAttempts(input.pullPolicy),
    timeoutMs: perAttemptTimeoutMs(input.pullPolicy),
    clockMs: 0,
    startedAtMs: 0,
    deadlineMs: null,
    attempt: 0,
    platformChecked: false,
    attemptStartedAtMs: 0,
    attemptTimeoutMs: 0,
    bytesDone: 0,
    bytesTotal: 0,
    abandonReason: null,
    phase: 'Waiting',
    progress: 0,
    startTime: '',
    completionTime: '',
    imageID: '',
    message: '',
  }),
  initial: 'waiting',
  entry: 'emitStatus',
  output: ({ context }) => imageTagOutcome(context),
  on: {
    'k8s.tagRemoved': { target: '.abandoned', actions: 'abandon' },
    'k8s.tagVersionChanged': { guard: 'otherVersion', target: '.abandoned', actions: 'abandon' },
    // A new daemon resumed this actor from the log: it says where it is.
    'engine.resumed': { actions: 'emitStatus' },
  },
  states: {
    waiting: {
      description:
        'Phase Waiting: queued until the host grants a worker slot (FIFO, unbounded when the pool is). No deadline: upstream counts activeDeadlineSeconds from the worker start, and a slot frees when another tag ends, each bounded by its own attempts and timeouts. A reference the runtime could never pull fails at its first observation.',
      on: {
        'k8s.tagVersionChanged': { guard: 'sameVersionInvalidReference', target: 'failed', actions: ['startWorker', 'recordInvalidReference', 'fail'] },
        'engine.slotGranted': [
          { guard: 'invalidReference', target: 'failed', actions: ['startWorker', 'recordInvalidReference', 'fail'] },
          { guard: 'deadlineSpentAtStart', target: 'failed', actions: ['startWorker', 'recordDeadlineExceeded', 'fail'] },
          { guard: 'checksPresence', target: 'checkingPresence', actions: ['startWorker', 'startAttempt', 'emitStatus'] },
          { guard: 'needsPlatformCheck', target: 'checkingPlatform', actions: ['startWorker', 'startAttempt', 'emitStatus'] },
          { target: 'pulling', actions: ['startWorker', 'startAttempt', 'emitStatus'] },
        ],
      },
    },
    checkingPresence: {
      description:
        "IfNotPresent only: the runtime is asked whether it already has the image. Deadline: the CRI client's ImageStatus deadline (5 s, 10 s on Windows) fails the effect.",
      invoke: {
        id: 'presenceCheck',
        src: 'criImageStatus',
        input: ({ context }) => ({ reference: context.reference }),
        onDone: [
          { guard: 'imagePresent', target: 'succeeded', actions: 'succeed' },
          { guard: 'needsPlatformCheck', target: 'checkingPlatform', actions: 'recordClock' },
          { target: 'pulling', actions: 'recordClock' },
        ],
        onError: [{ guard: 'needsPlatformCheck', target: 'checkingPlatform' }, { target: 'pulling' }],
      },
    },
    checkingPlatform: {
      description:
        'Windows nodes, before the first pull: the registry says which platforms the image offers; none that runs on this host fails the tag at once. Deadline: the lookup has a 10 s budget, after which the platforms are unknown.',
      invoke: {
        id: 'platformCheck',
        src: 'imagePlatformCheck',
        input: ({ context }) => ({ reference: context.reference, pullSecrets: context.pullSecrets }),
        onDone: [
          { guard: 'cannotRunHere', target: 'failed', actions: ['recordCannotRun', 'fail'] },
          { target: 'pulling', actions: 'recordPlatformChecked' },
        ],
        // The check itself broke: the platforms are unknown, so pull anyway.
        onError: { target: 'pulling', actions: 'recordPlatformChecked' },
      },
    },
    pulling: {
      description: "One attempt of CRI PullImage. Deadline: the attempt's budget (timeoutSeconds, capped at what activeDeadlineSeconds leaves).",
      invoke: {
        id: 'criPullImage',
        src: 'criPullImage',
        input: ({ context }) => ({
          reference: context.reference,
          attempt: context.attempt,
          timeoutMs: context.attemptTimeoutMs,
          pullSecrets: context.pullSecrets,
          sandboxConfig: pullSandboxConfig(context.sandboxConfig),
        }),
        onError: { target: 'backingOff', actions: 'recordEffectError' },
      },
      after: { attemptTimeout: { target: 'backingOff', actions: 'recordAttemptTimedOut' } },
      on: {
        'cri.pullProgress': [{ guard: 'progressMoves', actions: ['recordProgress', 'emitStatus'] }, { actions: 'recordProgress' }],
        'cri.pullSucceeded': { target: 'verifying', actions: 'recordClock' },
        'cri.pullFailed': { target: 'backingOff', actions: 'recordPullFailure' },
      },
    },
    verifying: {
      description: "The runtime confirms the pulled image is present and gives its ID. Deadline: the CRI client's ImageStatus deadline fails the effect.",
      invoke: {
        id: 'pullVerification',
        src: 'criImageStatus',
        input: ({ context }) => ({ reference: context.reference }),
        onDone: [
          { guard: 'imagePresent', target: 'succeeded', actions: 'succeed' },
          { target: 'backingOff', actions: 'recordNotFound' },
        ],
        onError: { target: 'backingOff', actions: 'recordEffectError' },
      },
    },
    backingOff: {
      description: 'Sleeps after a failed attempt (also after the last one, as upstream does).',
      entry: 'emitStatus',
      after: {
        retryBackoff: [
          { guard: 'attemptsSpent', target: 'failed', actions: ['sleepOver', 'fail'] },
          { guard: 'deadlineSpentAfterSleep', target: 'failed', actions: ['sleepOver', 'recordDeadlineExceeded', 'fail'] },
          { guard: 'checksPresence', target: 'checkingPresence', actions: ['sleepOver', 'startAttempt'] },
          { target: 'pulling', actions: ['sleepOver', 'startAttempt'] },
        ],
      },
    },
    succeeded: finished('Phase Succeeded: records PullImageSucceed to the NodeImage and holds the status entry until it is persisted.'),
    failed: finished(
      'Phase Failed with the last error: records PullImageFailed to each owner and the NodeImage, and holds the status entry until it is persisted.',
    ),
    reported: { type: 'final', description: 'The Event is recorded and the Succeeded or Failed entry is in the NodeImage status: nothing is left to do.' },
    abandoned: { type: 'final', description: 'Tag removed or version bumped: no status is written for this version.' },
  },
});

/**
 * A terminal phase: two things must happen before the actor ends in `reported`, each in its own
 * region. `event` records the outcome (`recordPullEvent`) and leaves `recording` only once the
 * Event is written (or dropped on purpose). A crash meanwhile restarts the effect with the same
 * input, whose identity names the Event, so a re-emission is the same object (the API server's 409
 * says it is there): the Event is exactly once. `entry` holds the status entry until the host says it is persisted
 * (`k8s.statusPersisted`: a write carrying it landed, or an observation shows it). It has no
 * deadline on purpose: giving up would lose the outcome, the status writer retries on upstream's
 * requeue, and a deleted NodeImage ends the actor through `k8s.tagRemoved`.
 */
function finished(description: string) {
  return {
    type: 'parallel' as const,
    description,
    entry: 'emitStatus' as const,
    onDone: 'reported',
    states: {
      event: {
        initial: 'recording',
        states: {
          recording: {
            description:
              "The PullImageSucceed / PullImageFailed Event is written, named from the effect input's identity, once the log is durable; after a crash the restarted effect writes the same Event, which the API server already has or takes now. Deadline: the recorder's bounded retries (then the Event is dropped, logged).",
            invoke: {
              id: 'pullEvent',
              src: 'recordPullEvent' as const,
              input: ({ context }: { context: ImageTagContext }) => pullEventInput(context),
              onDone: 'recorded',
              // The effect broke: its error is in the log; the Event is not tried again.
              onError: 'recorded',
            },
          },
          recorded: {
            type: 'final' as const,
            description: 'The Event is written (exactly once), or was dropped on purpose (flood filter, a server that kept failing).',
          },
        },
      },
      entry: {
        initial: 'holding',
        states: {
          holding: {
            description:
              'The status entry waits until it is in the NodeImage status. No deadline on purpose: giving up would lose the outcome; the status writes retry on their own, and a deleted NodeImage ends the actor.',
            on: { 'k8s.statusPersisted': { target: 'persisted', actions: 'recordClock' as const } },
          },
          persisted: { type: 'final' as const, description: 'The status entry is persisted.' },
        },
      },
    },
  };
}
