// Lifecycle of one pod's runtime-containers-meta and env-from-metadata restarts: one actor per pod
// that passes upstream's filter (a controller owner in apps.kruise.io, or the
// kruise.io/sidecarset-hash annotation), key `containerMeta/<namespace>/<name>`, replacing the
// per-pod sync and the restarter of `openkruise/kruise pkg/daemon/containermeta` (contract §7).
//
// The glue spawns the actor with the pod's first `k8s.podObserved` (filter passed) and delivers
// another whenever the part of the pod the actor reads changes. The actor lives as long as its
// pod: it ends in `gone` when the pod is being deleted, and the glue releases it when the pod is
// deleted or stops passing the filter. Its history in the event log stays bounded by the host's
// checkpoints (one per two segment rotations), and every decision still replays.
//
// The actor rests in `resting`: `awaitingContainers` (no container has an ID yet), `watching`
// (synced), `retryingHash` (a running container's env could not be read: upstream looks again
// after 3 s) or `awaitingNewContainer` (it stopped a stale container and the kubelet has not
// replaced it yet). An observation that upstream's rules would enqueue (triggers.ts; by container
// name, not index) starts a pass: `starting` picks the runtime from the first container status
// with an ID (without upstream's index-0 bug, #2451) and what must be read; `reading` lists the
// pod's runtime containers and reads the environments the hash needs (one verbose
// ContainerStatus per such container; ExecSync only when the runtime gives no OCI spec);
// `computing` builds the new meta set, computes hashes and picks stale containers (pass.ts);
// `patching` writes the annotation when the set changed; `restarting` stops the stale containers
// through the shared kill path (preStop, grace, `Killing` under kruise-daemon-containermeta), each
// container ID at most once: the decision is in the log before the kill acts, and a kill re-run
// after a crash finds its container already stopped. `routing` then goes on with the plan, starts
// over when something changed meanwhile, or rests. A failed read, patch or kill sleeps in
// `backingOff` (500 ms doubling to 50 s, as upstream's rate limiter) and starts over.
//
// Every wait on the outside world is bounded: the read by the CRI call deadlines (and 3 s per
// exec), the patch by the API client's retries and deadline, a kill by the kill path's own bounds
// (the hook cut at the grace, StopContainer's deadline of grace + CRI deadline). Time comes only
// from events: every `at` advances `clockMs`, timers by their delay.
import { assign, emit, enqueueActions, fromPromise, setup } from 'xstate';
import { errorText, eventAt } from '../shared/index.js';
import type { ContainerMetaPodContext, PassEvent } from './context.js';
import { parseMetaSet } from './meta-set.js';
import { mergeObserved } from './observe.js';
import { planSync, prunedRestarted, route, startPass, stillAwaited } from './pass.js';
import { syncTriggered } from './triggers.js';
import {
  type ContainerMetaEmitted,
  type ContainerMetaPodEvent,
  type ContainerMetaPodInput,
  type ContainerMetaTiming,
  DEFAULT_CONTAINER_META_TIMING,
  type MetaPodView,
  type PatchMetaInput,
  type PatchMetaOutput,
  type ReadPodRuntimeInput,
  type ReadPodRuntimeOutput,
  type RestartContainersInput,
  type RestartContainersOutput,
} from './types.js';

export type { ContainerMetaPodContext } from './context.js';

type MachineEvent = ContainerMetaPodEvent | PassEvent;

const NO_READING: ReadPodRuntimeInput = { runtimeName: '', podUid: '', namespace: '', name: '', envWanted: [] };

/** The backoff after `failures` failed effects in a row: minBackoffMs doubling, at most maxBackoffMs. */
export function backoffMs(failures: number, timing: ContainerMetaTiming): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  return Math.min(timing.minBackoffMs * 2 ** exponent, timing.maxBackoffMs);
}

/** Where a decision step's pass event leads once the plan is made (`computing`) or a step of it is done (`routing`). */
const routes = {
  'pass.patch': 'patching',
  'pass.restart': 'restarting',
  'pass.again': 'starting',
  'pass.retryHash': 'resting.retryingHash',
  'pass.awaitNewContainer': 'resting.awaitingNewContainer',
  'pass.watch': 'resting.watching',
} as const;

/** The routes once the annotation is written (or needed no write). */
const { 'pass.patch': _patch, ...afterPatch } = routes;

const failed = {
  target: 'backingOff' as const,
  actions: { type: 'recordEffectFailure' as const, params: ({ event }: { event: { error: unknown } }) => ({ error: event.error }) },
};

export const containerMetaPodMachine = setup({
  types: {
    input: {} as ContainerMetaPodInput,
    context: {} as ContainerMetaPodContext,
    events: {} as MachineEvent,
    emitted: {} as ContainerMetaEmitted,
  },
  actors: {
    // Placeholders: effects/container-meta binds the real ones with machine.provide().
    readPodRuntime: fromPromise<ReadPodRuntimeOutput, ReadPodRuntimeInput>(async () => {
      throw new Error('effect readPodRuntime is not provided');
    }),
    patchMeta: fromPromise<PatchMetaOutput, PatchMetaInput>(async () => {
      throw new Error('effect patchMeta is not provided');
    }),
    restartContainers: fromPromise<RestartContainersOutput, RestartContainersInput>(async () => {
      throw new Error('effect restartContainers is not provided');
    }),
  },
  guards: {
    podDeleting: (_, params: { pod: MetaPodView }) => params.pod.deleting,
    syncTriggered: ({ context }, params: { pod: MetaPodView }) => syncTriggered(context.pod, mergeObserved(context, params.pod).pod, context.envFromMetadata),
    someRestartFailed: (_, params: { output: RestartContainersOutput }) => params.output.results.some((r) => r.outcome === 'failed'),
  },
  delays: {
    hashRetry: ({ context }) => context.timing.hashRetryMs,
    newContainerWait: ({ context }) => context.timing.newContainerWaitMs,
    retryBackoff: ({ context }) => backoffMs(context.failures, context.timing),
  },
  actions: {
    recordObservation: assign(({ context }, params: { pod: MetaPodView; at: number }) => ({
      ...mergeObserved(context, params.pod),
      clockMs: eventAt(context, params),
    })),
    /** While a pass runs: the view moves on, and a change that calls for a sync makes the pass run again. */
    recordObservationWhileBusy: assign(({ context }, params: { pod: MetaPodView; at: number }) => {
      const merged = mergeObserved(context, params.pod);
      return { ...merged, clockMs: eventAt(context, params), dirty: context.dirty || syncTriggered(context.pod, merged.pod, context.envFromMetadata) };
    }),
    // The decision steps: pure functions of the context (pass.ts) whose outcome is raised.
    start: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ dirty: false });
      enqueue.raise(startPass({ ...context, dirty: false }));
    }),
    compute: enqueueActions(({ context, enqueue }) => {
      const pod = context.pod!;
      const plan = planSync(context, pod, context.runtime ?? []);
      const restarted = prunedRestarted(context.restarted, pod, context.runtime);
      const awaiting = stillAwaited(pod, context.awaiting);
      enqueue.assign({ plan, restarted, awaiting });
      const old = pod.meta === null ? null : parseMetaSet(pod.meta);
      if (old !== null && !old.ok) enqueue.emit({ type: 'containerMeta.badAnnotation', reason: old.error });
      for (const f of plan.hashFailures) enqueue.emit({ type: 'containerMeta.hashUnavailable', name: f.name, containerID: f.containerID, reason: f.reason });
      enqueue.raise(route({ ...context, plan, restarted, awaiting }));
    }),
    route: enqueueActions(({ context, enqueue }) => {
      const awaiting = stillAwaited(context.pod, context.awaiting);
      enqueue.assign({ awaiting });
      enqueue.raise(route({ ...context, awaiting }));
    }),
    holdReading: assign((_, params: { reading: ReadPodRuntimeInput }) => ({ reading: params.reading })),
    emitNoRuntime: emit((_, params: { reason: string }) => ({ type: 'containerMeta.noRuntime' as const, reason: params.reason })),
    emitReporting: emit(({ context }) => ({ type: 'containerMeta.reporting' as const, value: context.plan?.patch ?? '' })),
    emitRestarting: emit(({ context }) => ({ type: 'containerMeta.restarting' as const, targets: context.plan?.restarts ?? [] })),
    // Effect results.
    recordRuntime: assign(({ context }, params: { output: ReadPodRuntimeOutput }) => ({
      runtime: params.output.containers,
      clockMs: eventAt(context, params),
      failures: 0,
      lastError: '',
    })),
    recordPatch: assign(({ context }, params: { output: PatchMetaOutput }) => {
      const value = context.plan?.patch ?? null;
      const written = value !== null && params.output.resourceVersion !== null ? { value, resourceVersion: params.output.resourceVersion } : null;
      return {
        pod: context.pod && value !== null ? { ...context.pod, meta: value } : context.pod,
        written,
        plan: context.plan && { ...context.plan, patch: null },
        clockMs: eventAt(context, params),
        failures: 0,
        lastError: '',
      };
    }),
    recordRestarts: assign(({ context }, params: { output: RestartContainersOutput }) => {
      const done = params.output.results.filter((r) => r.outcome !== 'failed').map((r) => r.containerID);
      const targets = context.plan?.restarts ?? [];
      const failures = params.output.results.filter((r) => r.outcome === 'failed');
      return {
        restarted: [...new Set([...context.restarted, ...done])],
        awaiting: [...context.awaiting, ...targets.filter((t) => done.includes(t.containerID))],
        plan: context.plan && { ...context.plan, restarts: [] },
        clockMs: eventAt(context, params),
        ...(failures.length > 0
          ? { failures: context.failures + 1, lastError: failures.map((f) => `kill ${f.containerID}: ${f.message}`).join('; ') }
          : { failures: 0, lastError: '' }),
      };
    }),
    recordEffectFailure: assign(({ context }, params: { error: unknown }) => ({ failures: context.failures + 1, lastError: errorText(params.error) })),
    advanceClock: assign(({ context }, params: { byMs: number }) => ({ clockMs: context.clockMs + params.byMs })),
  },
}).createMachine({
  id: 'containerMetaPod',
  version: '1',
  description:
    "Keeps one pod's runtime-containers-meta annotation true to its runtime containers, and restarts a container whose env-from-metadata hash is stale during an in-place update.",
  context: ({ input }) => ({
    namespace: input.namespace,
    name: input.name,
    runtimeNames: [...input.runtimeNames],
    envFromMetadata: input.envFromMetadata,
    timing: input.timing ?? DEFAULT_CONTAINER_META_TIMING,
    clockMs: 0,
    pod: null,
    written: null,
    dirty: false,
    reading: null,
    runtime: null,
    plan: null,
    restarted: [],
    awaiting: [],
    failures: 0,
    lastError: '',
  }),
  initial: 'resting',
  // While a pass runs (or backs off), an observation updates the view and may call for another pass.
  on: {
    'k8s.podObserved': [
      { guard: { type: 'podDeleting', params: ({ event }) => event }, target: '.gone', actions: { type: 'recordObservation', params: ({ event }) => event } },
      { actions: { type: 'recordObservationWhileBusy', params: ({ event }) => event } },
    ],
  },
  states: {
    resting: {
      description: 'No pass runs: an observation that upstream would enqueue (triggers.ts) starts one.',
      initial: 'awaitingContainers',
      on: {
        'k8s.podObserved': [
          {
            guard: { type: 'podDeleting', params: ({ event }) => event },
            target: '#containerMetaPod.gone',
            actions: { type: 'recordObservation', params: ({ event }) => event },
          },
          {
            guard: { type: 'syncTriggered', params: ({ event }) => event },
            target: '#containerMetaPod.starting',
            actions: { type: 'recordObservation', params: ({ event }) => event },
          },
          { actions: { type: 'recordObservation', params: ({ event }) => event } },
        ],
      },
      states: {
        awaitingContainers: {
          description:
            'Waiting for the pod’s containers: no status entry has a container ID yet (or no sync was called for). No deadline: the kubelet’s status update is the next step, and it arrives as an observation.',
        },
        watching: {
          description:
            'The annotation matches the runtime: waiting for a change (a new container, a changed label or annotation, InPlaceUpdateReady). No deadline: only an observation can change anything.',
        },
        retryingHash: {
          description: 'A running container’s environment could not be read, so its hash stays 0: look again after 3 s, as upstream does.',
          after: {
            hashRetry: {
              target: '#containerMetaPod.starting',
              actions: { type: 'advanceClock', params: ({ context }) => ({ byMs: context.timing.hashRetryMs }) },
            },
          },
        },
        awaitingNewContainer: {
          description:
            'A stale container was stopped and the pod status still shows it: waiting for the kubelet to start its replacement (an observation), at most the kubelet’s longest back-off, then look again.',
          after: {
            newContainerWait: {
              target: '#containerMetaPod.starting',
              actions: { type: 'advanceClock', params: ({ context }) => ({ byMs: context.timing.newContainerWaitMs }) },
            },
          },
        },
      },
    },
    starting: {
      description: 'Step 1 (pure, pass.ts): the runtime from the first container status with an ID, and which environments the read needs.',
      entry: 'start',
      on: {
        'pass.read': { target: 'reading', actions: { type: 'holdReading', params: ({ event }) => event } },
        'pass.awaitContainers': 'resting.awaitingContainers',
        'pass.noRuntime': { target: 'resting.watching', actions: { type: 'emitNoRuntime', params: ({ event }) => event } },
      },
    },
    reading: {
      description:
        'Step 2: the pod’s runtime containers (ListContainers) and the environments the hash needs (a verbose ContainerStatus each; exec only without an OCI spec). Bounded by the CRI deadlines; a failure backs off.',
      invoke: {
        id: 'readPodRuntime',
        src: 'readPodRuntime',
        input: ({ context }) => context.reading ?? NO_READING,
        onDone: { target: 'computing', actions: { type: 'recordRuntime', params: ({ event }) => ({ output: event.output }) } },
        onError: failed,
      },
    },
    computing: {
      description:
        'Steps 3–5 (pure, pass.ts): the new meta set (entries reused by container ID), the env hashes, the stale containers; raises where the pass goes.',
      entry: 'compute',
      on: routes,
    },
    patching: {
      description:
        'Step 6: the meta set changed: strategic-merge patch of pods/<name>/status with the annotation. Bounded by the API client’s retries and deadline; a failure backs off.',
      entry: 'emitReporting',
      invoke: {
        id: 'patchMeta',
        src: 'patchMeta',
        input: ({ context }) => ({ namespace: context.namespace, name: context.name, value: context.plan?.patch ?? '' }),
        onDone: { target: 'routing', actions: { type: 'recordPatch', params: ({ event }) => ({ output: event.output }) } },
        onError: failed,
      },
    },
    restarting: {
      description:
        'The restarter: each stale container stopped through the shared kill path (preStop, grace, Killing), at most once per container ID. Bounded by the kill path (hook cut at the grace, StopContainer’s deadline); a failed kill backs off.',
      entry: 'emitRestarting',
      invoke: {
        id: 'restartContainers',
        src: 'restartContainers',
        input: ({ context }) => ({
          runtimeName: context.reading?.runtimeName ?? '',
          namespace: context.namespace,
          name: context.name,
          podUid: context.pod?.uid ?? '',
          targets: context.plan?.restarts ?? [],
        }),
        onDone: [
          {
            guard: { type: 'someRestartFailed', params: ({ event }) => ({ output: event.output }) },
            target: 'backingOff',
            actions: { type: 'recordRestarts', params: ({ event }) => ({ output: event.output }) },
          },
          { target: 'routing', actions: { type: 'recordRestarts', params: ({ event }) => ({ output: event.output }) } },
        ],
        onError: failed,
      },
    },
    routing: {
      description: 'After a patch or the restarts (pure, pass.ts): the restarts still planned, another pass if something changed meanwhile, or rest.',
      entry: 'route',
      // the patch is behind it: every route but pass.patch
      on: afterPatch,
    },
    backingOff: {
      description: 'A read, patch or kill failed: sleep 500 ms doubling to 50 s (upstream’s rate limiter), then start over.',
      after: {
        retryBackoff: {
          target: 'starting',
          actions: { type: 'advanceClock', params: ({ context }) => ({ byMs: backoffMs(context.failures, context.timing) }) },
        },
      },
    },
    gone: { type: 'final', description: 'The pod is being deleted: upstream syncs it no more; the host releases the actor.' },
  },
});
