// Lifecycle of one pod's ContainerRecreateRequests: one actor per pod, key `<namespace>/<podName>`,
// replacing the per-pod sync of `openkruise/kruise pkg/daemon/containerrecreate` (contract §4.3).
//
// The chart reads top to bottom as a pass. The glue spawns the actor with the pod's first
// `k8s.crrsObserved` (every active CRR of the pod, and the pod) and delivers another whenever
// anything changes. The actor rests in `observing`: `idle`, or with a requeue timer
// (`awaitingUnreadyGrace`, `awaitingMinStarted`); an observation or the timer starts a pass.
// `deciding` picks the CRR (phase weight, then creation time), writes `Pending` to the other new
// ones and `Recreating` to the picked one (`writing`, or `writingAndInspecting` when the runtime
// can be asked at the same time), honours the unready grace and chooses the runtime by
// container-ID scheme. `inspecting` asks the runtime for the pod's containers; `evaluating`
// computes the containerRecreateStates and patches them when they changed (`patchingStates`, then
// evaluates the same inspection again), else walks them: a `Pending` container is killed in
// `killing` (`preStop`, then `stopping`; at most one per pass), and `resumingWalk` records the
// result (Recreating, or Failed under failurePolicy Fail/Ignore) and writes it (`writing`: the
// kill made the inspection stale, so the pass starts over). A CRR that ended while its container
// was being killed (the manager's activeDeadlineSeconds, a deletion) gets the kill's result
// written all the same, as upstream's merge patch does, and nothing more is killed for it. A kill
// effect that runs again (the daemon restarted mid-kill) reports `kill.started` and is told what
// the log holds of earlier runs (`kill.progress`): when the first started, and whether its hook
// ended, so a finished hook is never run again and the kill resumes at `stopping`. When every container is Succeeded or
// Failed, `completing` completes the CRR and the actor decides again at once, so the pod's next
// CRR starts without waiting for an informer event (upstream's Pending stall, #1626/#2474).
// Written resourceVersions are remembered so an older observation cannot undo a write. A failed
// write or inspection sleeps in `backingOff` (--crr-min-backoff doubling to --crr-max-backoff).
// With no active CRR left, the actor ends in `done` and the host releases it.
//
// The decision steps (`deciding`, `evaluating`, `resumingWalk`) are pure functions (pass.ts) that
// raise one `pass.*` event: the event names the next state and carries the data it needs, so the
// routing is the chart's own transitions. Every state that waits on the outside world is bounded:
// the kill's stages by deadlines (the grace plus the CRI call deadline plus slack), a deadline hit
// counting as a failed kill; writes and inspections by their adapters (bounded retries, CRI call
// deadlines), whose failure is `backingOff`. Observations arriving while an effect runs only
// update the view; the pass resumes when the effect ends. Time comes only from events: every `at`
// advances `clockMs`, timers by their delay.
import { assign, enqueueActions, fromCallback, fromPromise, sendTo, setup } from 'xstate';
import { errorText, eventAt } from '../shared/index.js';
import type { CrrPodContext, PassEvent } from './context.js';
import { killStageTimedOut } from './messages.js';
import { applyWrites, mergeObservation } from './observations.js';
import { decide, evaluate, resumeWalk, type PassStep } from './pass.js';
import { backoffMs, killStageDeadline, timingOf, type KillStage } from './policy.js';
import type { KillResult } from './recreate-states.js';
import type {
  CrrPodEvent,
  CrrPodInput,
  CrrStatusWrite,
  CrrView,
  KillContainerInput,
  KillProgressEvent,
  KillStartedEvent,
  PodContainersInput,
  PodContainersOutput,
  PodView,
  WriteCrrStatusInput,
  WriteCrrStatusOutput,
} from './types.js';

export type { CrrPodContext } from './context.js';

type MachineEvent = CrrPodEvent | PassEvent;

const NO_INSPECTION: PodContainersInput = { runtimeName: '', podUid: '', namespace: '', podName: '' };
const bookkeeping = (step: PassStep) => ({ picked: step.picked, walk: step.walk, containers: step.containers });

/** The kill stage's deadline in ms, from the kill in flight (0 when there is none, which cannot happen in `killing`). */
const stageDeadlineMs = (context: CrrPodContext, stage: KillStage): number =>
  context.kill === null ? 0 : killStageDeadline(stage, context.kill.input.gracePeriodSeconds, context.timing).ms;

/** Where a pass event leads from a step that walks the states (`evaluating`, `resumingWalk`): a kill, a completion or a wait. */
const afterWalk = {
  'pass.complete': {
    target: 'completing',
    actions: { type: 'holdWrites', params: ({ event }: { event: Extract<PassEvent, { type: 'pass.complete' }> }) => ({ writes: [event.write] }) },
  },
  'pass.kill': {
    target: 'killing',
    actions: { type: 'holdKill', params: ({ event }: { event: Extract<PassEvent, { type: 'pass.kill' }> }) => ({ kill: event.kill }) },
  },
  'pass.awaitMinStarted': {
    target: 'observing.awaitingMinStarted',
    actions: { type: 'holdRequeue', params: ({ event }: { event: Extract<PassEvent, { type: 'pass.awaitMinStarted' }> }) => ({ delayMs: event.delayMs }) },
  },
  'pass.idle': 'observing.idle',
  'pass.redecide': 'deciding',
} as const;

/** A write state: the held writes through `writeCrrStatus`, then `next`; a failure backs off. */
const writeState = (description: string, next: 'deciding' | 'evaluating') => ({
  description,
  invoke: {
    id: 'writeCrrStatus',
    src: 'writeCrrStatus' as const,
    input: ({ context }: { context: CrrPodContext }): WriteCrrStatusInput => ({
      namespace: context.namespace,
      podName: context.podName,
      writes: context.writes,
    }),
    onDone: {
      target: next,
      actions: { type: 'recordWrites' as const, params: ({ event }: { event: { output: WriteCrrStatusOutput } }) => ({ output: event.output }) },
    },
    onError: {
      target: 'backingOff',
      actions: { type: 'recordEffectFailure' as const, params: ({ event }: { event: { error: unknown } }) => ({ error: event.error }) },
    },
  },
});

/**
 * A run of the kill effect began: the first, or a new one after the daemon restarted mid-kill (or
 * a worker freed up). The run is told what earlier runs got done (`tellKillProgress`): a hook
 * whose end is in the log is not run again, so the kill goes on at `stopping`; otherwise at
 * `preStop`, the hook's grace counting from the first start. Either stage's deadline starts afresh.
 */
const killStarted = [
  {
    guard: 'preStopOver' as const,
    target: 'stopping',
    reenter: true,
    actions: [{ type: 'recordKillStart' as const, params: ({ event }: { event: KillStartedEvent }) => ({ at: event.at }) }, 'tellKillProgress' as const],
  },
  {
    target: 'preStop',
    reenter: true,
    actions: [{ type: 'recordKillStart' as const, params: ({ event }: { event: KillStartedEvent }) => ({ at: event.at }) }, 'tellKillProgress' as const],
  },
];

/** A kill stage bounded by its deadline: when it passes, the kill counts as failed with a message saying so. */
const killStageTimeout = (stage: KillStage) => ({
  target: '#crrPod.resumingWalk',
  actions: { type: 'resumeAfterKillDeadline' as const, params: { stage } },
});

export const crrPodMachine = setup({
  types: {
    input: {} as CrrPodInput,
    context: {} as CrrPodContext,
    events: {} as MachineEvent,
  },
  actors: {
    // Placeholders: effects/crr binds the real ones with machine.provide().
    writeCrrStatus: fromPromise<WriteCrrStatusOutput, WriteCrrStatusInput>(async () => {
      throw new Error('effect writeCrrStatus is not provided');
    }),
    criPodContainers: fromPromise<PodContainersOutput, PodContainersInput>(async () => {
      throw new Error('effect criPodContainers is not provided');
    }),
    killContainer: fromCallback<KillProgressEvent, KillContainerInput>(() => {
      throw new Error('effect killContainer is not provided');
    }),
  },
  guards: {
    preStopOver: ({ context }) => context.kill?.preStopFinished === true,
  },
  delays: {
    unreadyGraceLeft: ({ context }) => context.requeueMs,
    minStartedRequeue: ({ context }) => context.requeueMs,
    retryBackoff: ({ context }) => backoffMs(context.failures, context.timing),
    preStopDeadline: ({ context }) => stageDeadlineMs(context, 'preStop'),
    stopDeadline: ({ context }) => stageDeadlineMs(context, 'stopping'),
  },
  actions: {
    recordObservation: assign(({ context }, params: { crrs: readonly CrrView[]; pod: PodView | null; at: number }) => ({
      ...mergeObservation(context, params.crrs),
      pod: params.pod,
      clockMs: eventAt(context, params),
    })),
    // The decision steps: pure functions of the context, whose outcome is raised as a pass event.
    decide: enqueueActions(({ context, enqueue }) => {
      const step = decide(context);
      enqueue.assign(bookkeeping(step));
      enqueue.raise(step.next);
    }),
    evaluate: enqueueActions(({ context, enqueue }) => {
      const step = evaluate(context);
      enqueue.assign(bookkeeping(step));
      enqueue.raise(step.next);
    }),
    resumeAfterKill: enqueueActions(({ context, enqueue }, params: { at: number; result: KillResult }) => {
      const clockMs = Math.max(context.clockMs, params.at);
      const step = resumeWalk({ ...context, clockMs }, params.result);
      enqueue.assign({ ...bookkeeping(step), clockMs, kill: null });
      enqueue.raise(step.next);
    }),
    resumeAfterKillDeadline: enqueueActions(({ context, enqueue }, params: { stage: KillStage }) => {
      const deadline = killStageDeadline(params.stage, context.kill?.input.gracePeriodSeconds ?? 0, context.timing);
      const clockMs = Math.max(context.clockMs, context.kill?.stageDeadlineMs ?? 0);
      const step = resumeWalk({ ...context, clockMs }, { ok: false, message: killStageTimedOut(params.stage, deadline) });
      enqueue.assign({ ...bookkeeping(step), clockMs, kill: null });
      enqueue.raise(step.next);
    }),
    // What the state a pass event leads to needs.
    holdWrites: assign((_, params: { writes: readonly CrrStatusWrite[] }) => ({ writes: params.writes })),
    holdInspection: assign((_, params: { inspection: PodContainersInput }) => ({ inspection: params.inspection })),
    holdKill: assign((_, params: { kill: KillContainerInput }) => ({
      kill: { input: params.kill, stageDeadlineMs: 0, startedAtMs: null, preStopFinished: false },
    })),
    // A run of the kill effect began: the first one's start is kept (the hook's grace counts from
    // it), and the run is told what earlier runs got done, as the log holds it.
    recordKillStart: assign(({ context }, params: { at: number }) => ({
      clockMs: Math.max(context.clockMs, params.at),
      kill: context.kill === null ? null : { ...context.kill, startedAtMs: context.kill.startedAtMs ?? params.at },
    })),
    tellKillProgress: sendTo(
      'killContainer',
      ({ context }): KillProgressEvent => ({
        type: 'kill.progress',
        startedAtMs: context.kill?.startedAtMs ?? context.clockMs,
        preStopFinished: context.kill?.preStopFinished === true,
      }),
    ),
    recordPreStopFinished: assign(({ context }, params: { at: number }) => ({
      clockMs: Math.max(context.clockMs, params.at),
      kill: context.kill === null ? null : { ...context.kill, preStopFinished: true },
    })),
    holdRequeue: assign((_, params: { delayMs: number }) => ({ requeueMs: params.delayMs })),
    startKillStage: assign(({ context }, params: { stage: KillStage }) => ({
      kill: context.kill === null ? null : { ...context.kill, stageDeadlineMs: context.clockMs + stageDeadlineMs(context, params.stage) },
    })),
    // Effect results.
    recordWrites: assign(({ context }, params: { output: WriteCrrStatusOutput }) => ({
      ...applyWrites(context, context.writes, params.output),
      clockMs: eventAt(context, params),
      failures: 0,
      lastError: '',
    })),
    recordInspection: assign(({ context }, params: { output: PodContainersOutput }) => {
      const clockMs = eventAt(context, params);
      return {
        runtime: { at: clockMs, runtimeName: context.inspection?.runtimeName ?? '', containers: params.output.containers },
        clockMs,
        failures: 0,
        lastError: '',
      };
    }),
    recordEffectFailure: assign(({ context }, params: { error: unknown }) => ({ failures: context.failures + 1, lastError: errorText(params.error) })),
    recordClock: assign(({ context }, params: { at: number }) => ({ clockMs: eventAt(context, params) })),
    advanceClock: assign(({ context }, params: { byMs: number }) => ({ clockMs: context.clockMs + params.byMs })),
  },
}).createMachine({
  id: 'crrPod',
  version: '5',
  description: "Serialises one pod's ContainerRecreateRequests: picks one, kills its containers one per pass, and completes it.",
  context: ({ input }) => ({
    namespace: input.namespace,
    podName: input.podName,
    runtimeNames: [...input.runtimeNames],
    timing: timingOf(input.timing),
    clockMs: 0,
    crrs: [],
    pod: null,
    expectations: {},
    picked: null,
    containers: [],
    runtime: null,
    writes: [],
    inspection: null,
    kill: null,
    requeueMs: 0,
    walk: null,
    failures: 0,
    lastError: '',
  }),
  initial: 'observing',
  // Anywhere else (an effect in flight, a backoff), an observation only updates the view.
  on: { 'k8s.crrsObserved': { actions: { type: 'recordObservation', params: ({ event }) => event } } },
  states: {
    observing: {
      description: 'At rest: the next observation (or the requeue timer) starts a pass.',
      initial: 'idle',
      on: { 'k8s.crrsObserved': { target: 'deciding', actions: { type: 'recordObservation', params: ({ event }) => event } } },
      states: {
        idle: { description: 'Waiting for an observation (the manager’s snapshot updates drive progress).' },
        awaitingUnreadyGrace: {
          description: 'The unready grace has time left: look again 100 ms after it ends.',
          after: {
            unreadyGraceLeft: { target: '#crrPod.deciding', actions: { type: 'advanceClock', params: ({ context }) => ({ byMs: context.requeueMs }) } },
          },
        },
        awaitingMinStarted: {
          description: 'Recreated containers must run minStartedSeconds: look again after that long.',
          after: {
            minStartedRequeue: { target: '#crrPod.deciding', actions: { type: 'advanceClock', params: ({ context }) => ({ byMs: context.requeueMs }) } },
          },
        },
      },
    },
    deciding: {
      description: 'Steps 1–4 (pure, pass.ts): pick a CRR, plan phase writes, honour the unready grace, choose the runtime; raises where the pass goes.',
      entry: 'decide',
      on: {
        'pass.finished': 'done',
        'pass.write': { target: 'writing', actions: { type: 'holdWrites', params: ({ event }) => ({ writes: event.writes }) } },
        'pass.writeAndInspect': {
          target: 'writingAndInspecting',
          actions: [
            { type: 'holdWrites', params: ({ event }) => ({ writes: event.writes }) },
            { type: 'holdInspection', params: ({ event }) => ({ inspection: event.inspection }) },
          ],
        },
        'pass.inspect': { target: 'inspecting', actions: { type: 'holdInspection', params: ({ event }) => ({ inspection: event.inspection }) } },
        'pass.complete': { target: 'completing', actions: { type: 'holdWrites', params: ({ event }) => ({ writes: [event.write] }) } },
        'pass.awaitUnreadyGrace': {
          target: 'observing.awaitingUnreadyGrace',
          actions: { type: 'holdRequeue', params: ({ event }) => ({ delayMs: event.delayMs }) },
        },
        'pass.idle': 'observing.idle',
      },
    },
    writing: writeState(
      'Phase writes, or the states a kill changed, in order; their resourceVersions become expectations; then decide again. Bounded by the CRR writer (bounded retries); a failure backs off.',
      'deciding',
    ),
    writingAndInspecting: {
      description:
        'A newly picked CRR: its phase writes and step 5 at once, since neither reads what the other does; then evaluate. Each bounded by its adapter; a failure backs off.',
      type: 'parallel',
      onDone: 'evaluating',
      states: {
        write: {
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'writeCrrStatus',
                src: 'writeCrrStatus',
                input: ({ context }) => ({ namespace: context.namespace, podName: context.podName, writes: context.writes }),
                onDone: { target: 'written', actions: { type: 'recordWrites', params: ({ event }) => ({ output: event.output }) } },
                onError: { target: '#crrPod.backingOff', actions: { type: 'recordEffectFailure', params: ({ event }) => ({ error: event.error }) } },
              },
            },
            written: { type: 'final' },
          },
        },
        inspect: {
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'criPodContainers',
                src: 'criPodContainers',
                input: ({ context }) => context.inspection ?? NO_INSPECTION,
                onDone: { target: 'inspected', actions: { type: 'recordInspection', params: ({ event }) => ({ output: event.output }) } },
                onError: { target: '#crrPod.backingOff', actions: { type: 'recordEffectFailure', params: ({ event }) => ({ error: event.error }) } },
              },
            },
            inspected: { type: 'final' },
          },
        },
      },
    },
    inspecting: {
      description: "Step 5: the runtime's newest container of every name in the pod. Bounded by the CRI call deadline; a failure backs off.",
      invoke: {
        id: 'criPodContainers',
        src: 'criPodContainers',
        input: ({ context }) => context.inspection ?? NO_INSPECTION,
        onDone: { target: 'evaluating', actions: { type: 'recordInspection', params: ({ event }) => ({ output: event.output }) } },
        onError: { target: 'backingOff', actions: { type: 'recordEffectFailure', params: ({ event }) => ({ error: event.error }) } },
      },
    },
    evaluating: {
      description: 'Steps 6–8 (pure, pass.ts) on a fresh inspection: patch changed states, or walk them into a kill, a completion or a wait.',
      entry: 'evaluate',
      on: {
        ...afterWalk,
        'pass.patchStates': { target: 'patchingStates', actions: { type: 'holdWrites', params: ({ event }) => ({ writes: [event.write] }) } },
      },
    },
    patchingStates: writeState(
      'Step 6: the changed containerRecreateStates, merge-patched; then evaluate the same inspection again (the kill re-checks its container, so nothing stale is killed). Bounded by the CRR writer.',
      'evaluating',
    ),
    killing: {
      description:
        'Contract §4.4 for one container: the preStop hook, then StopContainer with the grace left. Each stage has a deadline; a kill that fails or outlives one is Failed (`kill container error: …`).',
      initial: 'preStop',
      invoke: {
        id: 'killContainer',
        src: 'killContainer',
        input: ({ context }) => context.kill?.input as KillContainerInput,
        onError: {
          target: 'resumingWalk',
          actions: {
            type: 'resumeAfterKill',
            params: ({ context, event }) => ({ at: context.clockMs, result: { ok: false, message: errorText(event.error) } }),
          },
        },
      },
      on: {
        'kill.queued': { target: '.awaitingWorker', actions: { type: 'recordClock', params: ({ event }) => event } },
        'kill.stopped': { target: 'resumingWalk', actions: { type: 'resumeAfterKill', params: ({ event }) => ({ at: event.at, result: { ok: true } }) } },
        'kill.failed': {
          target: 'resumingWalk',
          actions: { type: 'resumeAfterKill', params: ({ event }) => ({ at: event.at, result: { ok: false, message: event.message } }) },
        },
      },
      states: {
        awaitingWorker: {
          description:
            'Every --crr-workers worker is busy with other pods: the kill waits its turn. No deadline here: each busy worker is bounded by its own deadlines.',
          on: { 'kill.started': killStarted },
        },
        preStop: {
          description:
            'The container is checked, `Killing` recorded, and the preStop hook runs, cut at the grace counted from the first start (a failed hook does not stop the kill). A restart mid-hook runs it again with the grace left. Deadline: grace + CRI call deadline + slack, counted again whenever the kill (re)starts.',
          entry: { type: 'startKillStage', params: { stage: 'preStop' } },
          on: {
            'kill.started': killStarted,
            'kill.preStopFinished': { target: 'stopping', actions: { type: 'recordPreStopFinished', params: ({ event }) => event } },
          },
          after: { preStopDeadline: killStageTimeout('preStop') },
        },
        stopping: {
          description:
            "StopContainer with the grace the hook left (at least 2 s); a restart here does not run the hook again. Deadline: that grace + the call's CRI deadline + slack.",
          entry: { type: 'startKillStage', params: { stage: 'stopping' } },
          on: { 'kill.started': killStarted },
          after: { stopDeadline: killStageTimeout('stopping') },
        },
      },
    },
    resumingWalk: {
      description:
        'After a kill (pure, pass.ts): stop the walk (killed, or failed under Fail) or go on (failed under Ignore); a CRR that ended meanwhile gets the result written and nothing more; raises where the pass goes.',
      on: {
        ...afterWalk,
        'pass.write': { target: 'writing', actions: { type: 'holdWrites', params: ({ event }) => ({ writes: event.writes }) } },
      },
    },
    completing: writeState(
      'The CRR is over: phase Completed with its completionTime and message; then decide again at once (no Pending stall). Bounded by the CRR writer.',
      'deciding',
    ),
    backingOff: {
      description: 'A write or inspection failed: sleep --crr-min-backoff doubling to --crr-max-backoff, then decide again.',
      after: {
        retryBackoff: {
          target: 'deciding',
          actions: { type: 'advanceClock', params: ({ context }) => ({ byMs: backoffMs(context.failures, context.timing) }) },
        },
      },
    },
    done: { type: 'final', description: 'No active CRR is left for the pod: the host releases the actor.' },
  },
});
