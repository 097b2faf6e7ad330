// Lifecycle of one pod's ContainerRecreateRequests: one actor per pod, key `<namespace>/<podName>`,
// replacing the per-pod sync of `openkruise/kruise pkg/daemon/containerrecreate` (contract §4.3).
//
// The glue spawns the actor with the pod's first `k8s.crrsObserved` (every active CRR of the pod,
// and the pod) and delivers another whenever anything changes. The actor rests in `observing`:
// `idle`, or with a requeue timer (`awaitingUnreadyGrace`, `awaitingMinStarted`); an observation
// or the timer starts a pass. `deciding` picks the CRR (phase weight, then creation time), writes
// `Pending` to the other new ones and `Recreating` to the picked one, honours the unready grace and
// chooses the runtime by container-ID scheme (a CRR that cannot be served completes with
// upstream's message). `inspecting` asks the runtime for the pod's containers; `evaluating`
// computes the containerRecreateStates, patches them when they changed (then evaluates again with
// the same inspection), else walks them: a
// `Pending` container is killed in `killing` (`preStop`, then `stopping`, one callback effect),
// at most one per pass, and `resumingWalk` records the result (Recreating, or Failed under
// failurePolicy Fail/Ignore). When every container is Succeeded or Failed the CRR is completed
// and the actor decides again at once, so the pod's next CRR starts without waiting for an
// informer event (upstream's Pending stall, #1626/#2474). Every write goes through `writing`;
// its returned resourceVersions are remembered so an older observation cannot undo them.
// A failed write or inspection sleeps in `backingOff` (0.5 s doubling to 50 s). With no active CRR
// left, the actor ends in `done` and the host releases it.
//
// The per-container lifecycle lives in `context.containers`: one record per spec container of the
// picked CRR, `pending` → `preStop` → `stopping` → `awaitingRecreate` → `succeeded` | `failed`,
// kept alongside the upstream states it is derived with. A container that exited and will not be
// restarted (restartPolicy Never, OnFailure after exit 0, terminal pod) is `Succeeded`, so a
// sidecar-termination CRR completes instead of sitting in Recreating until its deadline (§4.6).
// Observations arriving while an effect runs only update the view; the pass resumes when the
// effect ends. Time comes only from events: every `at` advances `clockMs`, timers by their delay.
import { assign, fromCallback, fromPromise, setup } from 'xstate';
import type { CrrPodContext, Plan } from './context.js';
import { applyWrites, mergeObservation } from './observations.js';
import { decide, evaluate, resumeWalk, type PassStep } from './pass.js';
import { backoffMs } from './policy.js';
import { errorText, eventAt } from '../shared/index.js';
import type {
  CrrPodEvent,
  CrrPodInput,
  KillContainerInput,
  PodContainersInput,
  PodContainersOutput,
  WriteCrrStatusInput,
  WriteCrrStatusOutput,
} from './types.js';

export type { CrrPodContext } from './context.js';

type AnyEvent = { type: string; at?: number; output?: unknown; error?: unknown };

const requeueMs = (plan: Plan): number => (plan.kind === 'requeue' ? plan.delayMs : 0);
/** The planned writes (none unless the plan is a write). */
const plannedWrites = (plan: Plan) => (plan.kind === 'write' ? plan.writes : []);
/** The planned inspection: the plan's own, or the one that runs alongside its writes. */
const plannedInspection = (plan: Plan): PodContainersInput | undefined =>
  plan.kind === 'inspect' ? plan.input : plan.kind === 'write' ? plan.inspect : undefined;
const NO_INSPECTION: PodContainersInput = { runtimeName: '', podUid: '' };
const passStep = (step: PassStep) => ({ plan: step.plan, picked: step.picked, walk: step.walk, containers: step.containers });

/** Where a step that planned the walk's next move goes: `evaluating` and `resumingWalk` route alike. */
const walkPlanTransitions = () =>
  [
    { guard: 'plannedWrite', target: 'writing' },
    { guard: 'plannedKill', target: 'killing' },
    { guard: 'plannedMinStartedRequeue', target: 'observing.awaitingMinStarted' },
    { guard: 'plannedRedecide', target: 'deciding' },
    { target: 'observing.idle' },
  ] as const;

export const crrPodMachine = setup({
  types: {
    input: {} as CrrPodInput,
    context: {} as CrrPodContext,
    events: {} as CrrPodEvent,
  },
  actors: {
    // Placeholders: effects/crr binds the real ones with machine.provide().
    writeCrrStatus: fromPromise<WriteCrrStatusOutput, WriteCrrStatusInput>(async () => {
      throw new Error('effect writeCrrStatus is not provided');
    }),
    criPodContainers: fromPromise<PodContainersOutput, PodContainersInput>(async () => {
      throw new Error('effect criPodContainers is not provided');
    }),
    killContainer: fromCallback<CrrPodEvent, KillContainerInput>(() => {
      throw new Error('effect killContainer is not provided');
    }),
  },
  delays: {
    unreadyGraceLeft: ({ context }) => requeueMs(context.plan),
    minStartedRequeue: ({ context }) => requeueMs(context.plan),
    retryBackoff: ({ context }) => backoffMs(context.failures),
  },
  guards: {
    noActiveCrrLeft: ({ context }) => context.plan.kind === 'finish',
    plannedWrite: ({ context }) => context.plan.kind === 'write',
    plannedWriteWithInspection: ({ context }) => context.plan.kind === 'write' && context.plan.inspect !== undefined,
    plannedInspection: ({ context }) => context.plan.kind === 'inspect',
    plannedKill: ({ context }) => context.plan.kind === 'kill',
    plannedUnreadyRequeue: ({ context }) => context.plan.kind === 'requeue' && context.plan.reason === 'unreadyGrace',
    plannedMinStartedRequeue: ({ context }) => context.plan.kind === 'requeue' && context.plan.reason === 'minStarted',
    plannedRedecide: ({ context }) => context.plan.kind === 'redecide',
    wroteStatesOnly: ({ context }) =>
      context.plan.kind === 'write' && context.runtime !== null && context.runtime.spent !== true && context.plan.writes.every((w) => w.kind === 'states'),
  },
  actions: {
    recordObservation: assign(({ context, event }) => {
      if (event.type !== 'k8s.crrsObserved') return {};
      return { ...mergeObservation(context, event.crrs), pod: event.pod, clockMs: eventAt(context, event) };
    }),
    planDecision: assign(({ context }) => passStep(decide(context))),
    planEvaluation: assign(({ context }) => passStep(evaluate(context))),
    recordWrites: assign(({ context, event }) => {
      const output = (event as AnyEvent).output as WriteCrrStatusOutput;
      const writes = plannedWrites(context.plan);
      return { ...applyWrites(context, writes, output), clockMs: eventAt(context, event), failures: 0, lastError: '' };
    }),
    recordInspection: assign(({ context, event }) => {
      const output = (event as AnyEvent).output as PodContainersOutput;
      const runtimeName = plannedInspection(context.plan)?.runtimeName ?? '';
      const clockMs = eventAt(context, event);
      return { runtime: { at: clockMs, runtimeName, containers: output.containers }, clockMs, failures: 0, lastError: '' };
    }),
    recordEffectFailure: assign(({ context, event }) => ({ failures: context.failures + 1, lastError: errorText((event as AnyEvent).error) })),
    recordPreStopFinished: assign(({ context, event }) => {
      if (event.type !== 'kill.preStopFinished' || context.walk === null) return {};
      const name = context.walk.states[context.walk.index]?.name;
      const containers = context.containers.map((c) =>
        c.name === name ? { ...c, phase: 'stopping' as const, ...(event.error !== undefined && { hookError: event.error }) } : c,
      );
      return { containers, clockMs: eventAt(context, event) };
    }),
    resumeAfterStop: assign(({ context, event }) => {
      const clockMs = eventAt(context, event as AnyEvent);
      return { ...passStep(resumeWalk({ ...context, clockMs }, { ok: true })), clockMs };
    }),
    resumeAfterKillFailure: assign(({ context, event }) => {
      const clockMs = eventAt(context, event as AnyEvent);
      const message = event.type === 'kill.failed' ? event.message : errorText((event as AnyEvent).error);
      return { ...passStep(resumeWalk({ ...context, clockMs }, { ok: false, message })), clockMs };
    }),
    spendInspection: assign({ runtime: ({ context }) => (context.runtime === null ? null : { ...context.runtime, spent: true }) }),
    advanceClockByRequeue: assign({ clockMs: ({ context }) => context.clockMs + requeueMs(context.plan) }),
    advanceClockByBackoff: assign({ clockMs: ({ context }) => context.clockMs + backoffMs(context.failures) }),
  },
}).createMachine({
  id: 'crrPod',
  version: '3',
  description: "Serialises one pod's ContainerRecreateRequests: picks one, kills its containers one per pass, and completes it.",
  context: ({ input }) => ({
    namespace: input.namespace,
    podName: input.podName,
    runtimeNames: [...input.runtimeNames],
    clockMs: 0,
    crrs: [],
    pod: null,
    expectations: {},
    picked: null,
    containers: [],
    runtime: null,
    plan: { kind: 'none' },
    walk: null,
    failures: 0,
    lastError: '',
  }),
  initial: 'observing',
  // Anywhere else (an effect in flight, a backoff), an observation only updates the view.
  on: { 'k8s.crrsObserved': { actions: 'recordObservation' } },
  states: {
    observing: {
      description: 'At rest: the next observation (or the requeue timer) starts a pass.',
      initial: 'idle',
      on: { 'k8s.crrsObserved': { target: 'deciding', actions: 'recordObservation' } },
      states: {
        idle: { description: 'Waiting for an observation (the manager’s snapshot updates drive progress).' },
        awaitingUnreadyGrace: {
          description: 'The unready grace has time left: look again 100 ms after it ends.',
          after: { unreadyGraceLeft: { target: '#crrPod.deciding', actions: 'advanceClockByRequeue' } },
        },
        awaitingMinStarted: {
          description: 'Recreated containers must run minStartedSeconds: look again after that long.',
          after: { minStartedRequeue: { target: '#crrPod.deciding', actions: 'advanceClockByRequeue' } },
        },
      },
    },
    deciding: {
      description: 'Steps 1–4: pick a CRR, write phases, honour the unready grace, choose the runtime.',
      entry: 'planDecision',
      always: [
        { guard: 'noActiveCrrLeft', target: 'done' },
        { guard: 'plannedWriteWithInspection', target: 'writingAndInspecting' },
        { guard: 'plannedWrite', target: 'writing' },
        { guard: 'plannedUnreadyRequeue', target: 'observing.awaitingUnreadyGrace' },
        { guard: 'plannedInspection', target: 'inspecting' },
        { target: 'observing.idle' },
      ],
    },
    writing: {
      description: 'Phase, states or completion writes, in order; their resourceVersions become expectations.',
      invoke: {
        id: 'writeCrrStatus',
        src: 'writeCrrStatus',
        input: ({ context }) => ({ namespace: context.namespace, writes: plannedWrites(context.plan) }),
        // After a states patch the pass goes on with the inspection it just made (upstream lists the
        // runtime again on the next pass; the kill re-checks its container, so nothing stale is killed).
        onDone: [
          { guard: 'wroteStatesOnly', target: 'evaluating', actions: 'recordWrites' },
          { target: 'deciding', actions: 'recordWrites' },
        ],
        onError: { target: 'backingOff', actions: 'recordEffectFailure' },
      },
    },
    inspecting: {
      description: "Step 5: the runtime's newest container of every name in the pod.",
      invoke: {
        id: 'criPodContainers',
        src: 'criPodContainers',
        input: ({ context }) => plannedInspection(context.plan) ?? NO_INSPECTION,
        onDone: { target: 'evaluating', actions: 'recordInspection' },
        onError: { target: 'backingOff', actions: 'recordEffectFailure' },
      },
    },
    writingAndInspecting: {
      description: 'A newly picked CRR: its phase writes and step 5 at once, since neither reads what the other does; then evaluate.',
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
                input: ({ context }) => ({ namespace: context.namespace, writes: plannedWrites(context.plan) }),
                onDone: { target: 'written', actions: 'recordWrites' },
                onError: { target: '#crrPod.backingOff', actions: 'recordEffectFailure' },
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
                input: ({ context }) => plannedInspection(context.plan) ?? NO_INSPECTION,
                onDone: { target: 'inspected', actions: 'recordInspection' },
                onError: { target: '#crrPod.backingOff', actions: 'recordEffectFailure' },
              },
            },
            inspected: { type: 'final' },
          },
        },
      },
    },
    evaluating: {
      description: 'Steps 6–8: patch changed states, or walk them into a kill, a completion or a wait.',
      entry: 'planEvaluation',
      always: walkPlanTransitions(),
    },
    killing: {
      description: 'Contract §4.4 for one container: preStop hook, then StopContainer with the remaining grace.',
      initial: 'preStop',
      entry: 'spendInspection',
      invoke: {
        id: 'killContainer',
        src: 'killContainer',
        input: ({ context }) => (context.plan.kind === 'kill' ? context.plan.input : (undefined as never)),
        onError: { target: 'resumingWalk', actions: 'resumeAfterKillFailure' },
      },
      on: {
        'kill.stopped': { target: 'resumingWalk', actions: 'resumeAfterStop' },
        'kill.failed': { target: 'resumingWalk', actions: 'resumeAfterKillFailure' },
      },
      states: {
        preStop: {
          description: 'The preStop hook runs (a failure is reported and does not stop the kill).',
          on: { 'kill.preStopFinished': { target: 'stopping', actions: 'recordPreStopFinished' } },
        },
        stopping: { description: 'StopContainer with the grace left after the hook.' },
      },
    },
    resumingWalk: {
      description: 'After a kill: stop the walk (killed, or failed under Fail) or go on (failed under Ignore).',
      always: walkPlanTransitions(),
    },
    backingOff: {
      description: 'A write or inspection failed: sleep 0.5 s doubling to 50 s, then decide again.',
      after: { retryBackoff: { target: 'deciding', actions: 'advanceClockByBackoff' } },
    },
    done: { type: 'final', description: 'No active CRR is left for the pod: the host releases the actor.' },
  },
});
