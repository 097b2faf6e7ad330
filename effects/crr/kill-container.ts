// Killing one container (contract §4.4), the path CRRs and the container-meta restarter share.
// It is a plain async function so both can call it; effects/crr wraps it for the crrPod machine.
//
// 1. ContainerStatus of the target ID. Gone (NotFound) or already exited: no hook and no stop;
//    the outcome says so. A re-run after a crash therefore never kills twice and never touches the
//    newer container kubelet started in its place. When the status cannot be read at all, the
//    kill goes on as upstream's (which never looks) would. The check is a read, so it runs while
//    the caller's `mayAct` (its event log's durability) is awaited; nothing below it starts before
//    both are done.
// 2. `Killing` (Normal) on the pod container.
// 3. The preStop hook, when there is one and the grace is above 0, bounded by the grace: when the
//    grace runs out first the hook is cancelled and counts as failed. A failed hook emits
//    `FailedPreStopHook` (Warning) with the hook's text and does not stop the kill. An httpGet
//    hook is one call of the lifecycle-HTTP adapter; when it fell back from HTTPS to HTTP,
//    `LifecycleHTTPFallback` (Warning) goes on the pod, as kubelet's handler runner reports it.
//    `preStopFinished` is called once either way (also without a hook), before the stop.
// 4. StopContainer(id, grace − whole seconds the hook took, at least 2). A stop error is the
//    outcome `failed` with the error's text; a container that vanished meanwhile counts as stopped.
//
// Exactly once across crashes, when the caller gives the kill an `identity` (the same in every run
// of the kill) and its sink has `recordOnce`: every Event is named from the identity, so a run
// after a crash writes the same objects, not new ones. `Killing` is then recorded for the kill
// itself, whether or not the container still runs (as upstream's kill does: it never looks), so a
// later run can always record it again; it is awaited (bounded) before the outcome. The hook's
// Events cannot be recorded again from the log (they carry the hook's output, which stays out of
// it), so they are awaited (bounded) before `preStopFinished`: a crash before the log says the
// hook is over runs the hook again, which records them again under the same names. With `resume`
// (what earlier runs did, from the caller's log) a hook whose end the log holds is never run
// again, and a hook a crash interrupted is run again with the grace left from the first start.
// Without an identity the Events are recorded as before (`record`, after the check found the
// container running), at least once across crashes.
// Time is read only from deps.now(); the grace race uses a timer. Nothing from the container's
// environment or the hook's output goes to the log.
import { CriError, type ContainerManager } from '../../adapters/cri/index.js';
import { containerFieldPath, EVENT_REASONS, involvedObjectOf, type EventType, type InvolvedObject, type KubeLogger } from '../../adapters/kube/index.js';
import type { ContainerPortSpec, PreStopHandler } from '../../machines/crr/types.js';
import type { LifecycleHttp } from '../../adapters/http-get/index.js';
import { lifecycleFallbackMessage } from '../../adapters/http-get/index.js';
import { hookFailure, runPreStop, type PreStopPlatform, type PreStopResult } from './pre-stop.js';

/** kubelet's minimumGracePeriodInSeconds. */
export const MIN_GRACE_SECONDS = 2;

export type KillCri = Pick<ContainerManager, 'containerStatus' | 'execSync' | 'stopContainer'>;

/** Where events go: the kube adapter's EventRecorder fits. */
export interface EventSink {
  record(component: string, involved: InvolvedObject, type: EventType, reason: string, message: string): void;
  /** One Event per identity across crashes (EventRecorder.recordOnce); used for a kill with an identity. */
  recordOnce?(identity: string, component: string, involved: InvolvedObject, type: EventType, reason: string, message: string): Promise<unknown>;
}

/** How long a kill waits for one of its Events to be written before it goes on regardless. */
export const EVENT_WAIT_MS = 3_000;

export interface KillDeps {
  readonly cri: KillCri;
  readonly events: EventSink;
  readonly platform: PreStopPlatform;
  readonly now: () => number;
  readonly logger?: KubeLogger;
  /** Resolves once the kill may act on the world (the event log holds its cause); default at once. */
  readonly mayAct?: () => Promise<void>;
  /** The lifecycle-HTTP adapter for httpGet hooks; default the real one. */
  readonly http?: LifecycleHttp;
}

/** What to kill and how to speak about it; the caller (CRR or container meta) builds it. */
export interface KillSpec {
  /** The runtime's own container ID (no `<runtime>://`). */
  readonly containerId: string;
  readonly pod: { readonly namespace: string; readonly name: string; readonly uid: string };
  readonly container: { readonly name: string; readonly preStop: PreStopHandler | null; readonly ports: readonly ContainerPortSpec[] };
  readonly gracePeriodSeconds: number;
  /** The events' source component, e.g. `kruise-daemon-crr`. */
  readonly component: string;
  /** The `Killing` event's message. */
  readonly killingMessage: string;
  /** The kill's identity, the same in every run of it: its Events are then written exactly once (EventSink.recordOnce). */
  readonly identity?: string;
  /** What earlier runs of this kill did, as the caller's log holds it; absent on a first run. */
  readonly resume?: KillResume;
}

/** What earlier runs of a kill did (a crash cut them short): the caller's log says so. */
export interface KillResume {
  /** When the first run started (ms, deps.now()'s clock): the hook's grace counts from there. */
  readonly startedAtMs: number;
  /** An earlier run's hook is over (the log holds its end): it is not run again. */
  readonly preStopFinished: boolean;
}

export interface KillHooks {
  /** The hook is over, failed (`error`), or there was none; called once, before StopContainer. */
  preStopFinished(error?: string): void;
}

export type KillOutcome =
  | { readonly kind: 'stopped'; readonly gracePeriodSeconds: number }
  | { readonly kind: 'alreadyStopped'; readonly reason: 'gone' | 'exited' }
  | { readonly kind: 'failed'; readonly message: string };

const isNotFound = (e: unknown): boolean => e instanceof CriError && e.type === 'cri.notFound';

/** 'gone', 'exited', or 'live' (running, created, unknown, or unreadable). */
async function currentState(cri: KillCri, id: string, signal: AbortSignal): Promise<'gone' | 'exited' | 'live'> {
  try {
    const { status } = await cri.containerStatus(signal, { container_id: id });
    if (status === null) return 'gone';
    return status.state === 'CONTAINER_EXITED' ? 'exited' : 'live';
  } catch (error) {
    if (signal.aborted) throw error;
    return isNotFound(error) ? 'gone' : 'live';
  }
}

const hookTarget = (spec: KillSpec) => ({
  containerId: spec.containerId,
  containerName: spec.container.name,
  ports: spec.container.ports,
  podDesc: `${spec.pod.name}_${spec.pod.namespace}(${spec.pod.uid})`,
});

/** Resolves when every promise has settled or `ms` passed, whichever is first. */
async function settledWithin(promises: readonly Promise<unknown>[], ms: number): Promise<void> {
  if (promises.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([Promise.allSettled(promises), late]);
  clearTimeout(timer);
}

/** The hook raced against what is left of the grace (`budgetMs`); the hook is cancelled when the grace wins. */
async function preStopWithinGrace(
  deps: KillDeps,
  spec: KillSpec,
  handler: PreStopHandler,
  grace: number,
  budgetMs: number,
  signal: AbortSignal,
): Promise<PreStopResult> {
  const hookAbort = new AbortController();
  const forward = () => hookAbort.abort(signal.reason);
  signal.addEventListener('abort', forward, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'graceOver'>((resolve) => {
    timer = setTimeout(() => resolve('graceOver'), budgetMs);
  });
  const target = hookTarget(spec);
  const hook = runPreStop(deps.cri, target, handler, deps.platform, hookAbort.signal, deps.http);
  hook.catch(() => undefined); // once the grace wins, the cancelled hook's rejection is nobody's business
  try {
    const result = await Promise.race([hook, graceOver]);
    if (result !== 'graceOver') return result;
    return { failure: hookFailure(handler, target, `preStop hook did not complete within the grace period of ${grace}s`) };
  } finally {
    clearTimeout(timer);
    hookAbort.abort();
    signal.removeEventListener('abort', forward);
  }
}

/** Records the kill's Events: keyed by its identity when the sink can (written once), else as `record` does. */
function killEvents(deps: KillDeps, spec: KillSpec) {
  const podObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: spec.pod.name, namespace: spec.pod.namespace, uid: spec.pod.uid } };
  const containerRef = involvedObjectOf(podObject, containerFieldPath(spec.container.name));
  const { identity } = spec;
  const recordOnce = identity === undefined ? undefined : deps.events.recordOnce?.bind(deps.events);
  return {
    keyed: recordOnce !== undefined,
    pod: involvedObjectOf(podObject),
    /** Records one; the promise settles once it is written (keyed) or at once. */
    record(type: EventType, reason: string, message: string, involved: InvolvedObject = containerRef): Promise<unknown> {
      // kubelet's recordContainerEvent: a container ID in a message becomes the container's name.
      const text = message.split(spec.containerId).join(spec.container.name);
      if (recordOnce !== undefined) return recordOnce(identity!, spec.component, involved, type, reason, text);
      deps.events.record(spec.component, involved, type, reason, text);
      return Promise.resolve();
    },
  };
}

type KillEvents = ReturnType<typeof killEvents>;

/**
 * The hook stage of a live container: runs the hook within what is left of the grace, records its
 * Events (keyed ones written before the stage reports its end), and answers the whole seconds of
 * the grace it spent, counted from the kill's first start. A hook an earlier run finished is not
 * run again.
 */
async function hookStage(deps: KillDeps, spec: KillSpec, events: KillEvents, signal: AbortSignal, hooks: KillHooks, log: object): Promise<number> {
  const grace = spec.gracePeriodSeconds;
  const handler = spec.container.preStop;
  const resume = spec.resume;
  if (handler === null || grace <= 0) {
    hooks.preStopFinished();
    return 0;
  }
  if (resume?.preStopFinished === true) {
    // An earlier run's hook is over and the log says so: a hook is never completed twice.
    deps.logger?.info(log, 'preStop hook already ran before the daemon restarted; not running it again');
    hooks.preStopFinished();
    return Math.floor(Math.max(0, deps.now() - resume.startedAtMs) / 1000);
  }
  const started = deps.now();
  const since = Math.min(resume?.startedAtMs ?? started, started);
  const budgetMs = grace * 1000 - (started - since);
  let result: PreStopResult;
  if (budgetMs > 0) {
    if (resume !== undefined)
      deps.logger?.info({ ...log, graceLeftMs: budgetMs }, 'preStop hook cut short by a daemon restart; running it again with the grace left');
    else deps.logger?.info({ ...log, graceMs: budgetMs }, 'running preStop hook');
    result = await preStopWithinGrace(deps, spec, handler, grace, budgetMs, signal);
  } else {
    // The daemon was down for the rest of the grace: the interrupted hook is over.
    deps.logger?.warn(log, 'the grace ran out while the daemon was down; the interrupted preStop hook is not run again');
    result = { failure: hookFailure(handler, hookTarget(spec), `preStop hook did not complete within the grace period of ${grace}s`) };
  }
  signal.throwIfAborted();
  const spent = Math.floor((deps.now() - since) / 1000);
  const written: Promise<unknown>[] = [];
  if (result.httpFallback !== undefined) {
    written.push(events.record('Warning', EVENT_REASONS.lifecycleHttpFallback, lifecycleFallbackMessage(result.httpFallback), events.pod));
  }
  if (result.failure) {
    deps.logger?.warn(log, 'preStop hook failed'); // the text may carry the container's output: event only
    written.push(events.record('Warning', EVENT_REASONS.failedPreStopHook, result.failure.eventMessage));
  }
  if (events.keyed) await settledWithin(written, EVENT_WAIT_MS);
  signal.throwIfAborted();
  hooks.preStopFinished(result.failure?.error);
  return spent;
}

/** Runs the kill path for one container. Rejects only when `signal` aborts. */
export async function killContainer(deps: KillDeps, spec: KillSpec, signal: AbortSignal, hooks: KillHooks): Promise<KillOutcome> {
  const log = { namespace: spec.pod.namespace, pod: spec.pod.name, container: spec.container.name };
  const [state] = await Promise.all([currentState(deps.cri, spec.containerId, signal), deps.mayAct?.()]);
  signal.throwIfAborted();
  const events = killEvents(deps, spec);
  // Keyed, Killing belongs to the kill (recorded by every run, written once); otherwise to a run
  // that finds the container running.
  const killing = events.keyed ? [events.record('Normal', EVENT_REASONS.killing, spec.killingMessage)] : [];
  if (state !== 'live') {
    deps.logger?.info({ ...log, state }, 'container already stopped; not killing it again');
    hooks.preStopFinished();
    await settledWithin(killing, EVENT_WAIT_MS);
    return { kind: 'alreadyStopped', reason: state };
  }
  if (!events.keyed) void events.record('Normal', EVENT_REASONS.killing, spec.killingMessage);
  deps.logger?.info(
    {
      ...log,
      gracePeriodSeconds: spec.gracePeriodSeconds,
      ...(spec.identity !== undefined ? { kill: spec.identity } : {}),
      ...(spec.resume ? { resumedAfterRestart: true, firstStartedAt: new Date(spec.resume.startedAtMs).toISOString() } : {}),
    },
    'killing container',
  );

  const spent = await hookStage(deps, spec, events, signal, hooks, log);
  const outcome = await stop(deps, spec.containerId, Math.max(spec.gracePeriodSeconds - spent, MIN_GRACE_SECONDS), signal, log);
  await settledWithin(killing, EVENT_WAIT_MS);
  return outcome;
}

async function stop(deps: KillDeps, id: string, grace: number, signal: AbortSignal, log: object): Promise<KillOutcome> {
  try {
    await deps.cri.stopContainer(signal, { container_id: id, timeout: grace });
  } catch (error) {
    if (signal.aborted) throw error;
    if (isNotFound(error)) return { kind: 'alreadyStopped', reason: 'gone' };
    const message = error instanceof Error ? error.message : String(error);
    deps.logger?.warn({ ...log, gracePeriodSeconds: grace, err: message }, 'container stop failed');
    return { kind: 'failed', message };
  }
  deps.logger?.info({ ...log, gracePeriodSeconds: grace }, 'container stopped');
  return { kind: 'stopped', gracePeriodSeconds: grace };
}
