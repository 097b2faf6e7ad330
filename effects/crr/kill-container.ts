// Killing one container (contract §4.4), the path CRRs and the container-meta restarter share.
// It is a plain async function so both can call it; effects/crr wraps it for the crrPod machine.
//
// 1. ContainerStatus of the target ID. Gone (NotFound) or already exited: nothing is done, no
//    event, no hook, no stop; the outcome says so. A re-run after a crash therefore never kills
//    twice and never touches the newer container kubelet started in its place. When the status
//    cannot be read at all, the kill goes on as upstream's (which never looks) would. The check
//    is a read, so it runs while the caller's `mayAct` (its event log's durability) is awaited;
//    nothing below it starts before both are done.
// 2. `Killing` (Normal) on the pod container.
// 3. The preStop hook, when there is one and the grace is above 0, bounded by the grace: when the
//    grace runs out first the hook is cancelled and counts as failed. A failed hook emits
//    `FailedPreStopHook` (Warning) with the hook's text and does not stop the kill. An httpGet
//    hook is one call of the lifecycle-HTTP adapter; when it fell back from HTTPS to HTTP,
//    `LifecycleHTTPFallback` (Warning) goes on the pod, as kubelet's handler runner reports it.
//    `preStopFinished` is called once either way (also without a hook), before the stop.
// 4. StopContainer(id, grace − whole seconds the hook took, at least 2). A stop error is the
//    outcome `failed` with the error's text; a container that vanished meanwhile counts as stopped.
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
}

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

/** The hook raced against the grace; the hook is cancelled when the grace wins. */
async function preStopWithinGrace(deps: KillDeps, spec: KillSpec, handler: PreStopHandler, grace: number, signal: AbortSignal): Promise<PreStopResult> {
  const hookAbort = new AbortController();
  const forward = () => hookAbort.abort(signal.reason);
  signal.addEventListener('abort', forward, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'graceOver'>((resolve) => (timer = setTimeout(() => resolve('graceOver'), grace * 1000)));
  const target = {
    containerId: spec.containerId,
    containerName: spec.container.name,
    ports: spec.container.ports,
    podDesc: `${spec.pod.name}_${spec.pod.namespace}(${spec.pod.uid})`,
  };
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

/** Runs the kill path for one container. Rejects only when `signal` aborts. */
export async function killContainer(deps: KillDeps, spec: KillSpec, signal: AbortSignal, hooks: KillHooks): Promise<KillOutcome> {
  const id = spec.containerId;
  const log = { namespace: spec.pod.namespace, pod: spec.pod.name, container: spec.container.name };
  const [state] = await Promise.all([currentState(deps.cri, id, signal), deps.mayAct?.()]);
  signal.throwIfAborted();
  if (state !== 'live') {
    deps.logger?.info({ ...log, state }, 'container already stopped; not killing it again');
    hooks.preStopFinished();
    return { kind: 'alreadyStopped', reason: state };
  }

  const podObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: spec.pod.name, namespace: spec.pod.namespace, uid: spec.pod.uid } };
  const involved = involvedObjectOf(podObject, containerFieldPath(spec.container.name));
  // kubelet's recordContainerEvent: a container ID in a message becomes the container's name.
  const event = (type: EventType, reason: string, message: string) =>
    deps.events.record(spec.component, involved, type, reason, message.split(id).join(spec.container.name));
  event('Normal', EVENT_REASONS.killing, spec.killingMessage);

  let grace = spec.gracePeriodSeconds;
  const handler = spec.container.preStop;
  if (handler !== null && grace > 0) {
    const started = deps.now();
    const { failure, httpFallback } = await preStopWithinGrace(deps, spec, handler, grace, signal);
    signal.throwIfAborted();
    if (httpFallback !== undefined) {
      deps.events.record(spec.component, involvedObjectOf(podObject), 'Warning', EVENT_REASONS.lifecycleHttpFallback, lifecycleFallbackMessage(httpFallback));
    }
    if (failure) {
      deps.logger?.warn(log, 'preStop hook failed'); // the text may carry the container's output: event only
      event('Warning', EVENT_REASONS.failedPreStopHook, failure.eventMessage);
    }
    hooks.preStopFinished(failure?.error);
    grace -= Math.floor((deps.now() - started) / 1000);
  } else hooks.preStopFinished();
  grace = Math.max(grace, MIN_GRACE_SECONDS);

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
