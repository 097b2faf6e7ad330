// Pod status as kubelet (k8s 1.32 `convertToAPIContainerStatuses`, `getPhase`,
// `generateContainersReadyCondition`, `GeneratePodReadyCondition`) derives it from CRI state.
// Pure functions; the pod worker feeds them what it read from CRI.
import type { ContainerStatus } from '../../../adapters/cri/index.js';
import type { ConditionJson, ContainerStateJson, ContainerStatusJson, PodJson, PodPhase, RestartPolicy, TerminatedJson } from './types.js';

/** What the pod worker knows about one spec container. */
export interface ContainerView {
  readonly name: string;
  readonly image: string;
  /** CRI status of the newest container, if any. */
  readonly cri?: ContainerStatus | undefined;
  readonly restartCount: number;
  readonly lastTerminated?: TerminatedJson | undefined;
  /** Overrides the CRI state (CrashLoopBackOff, ErrImagePull, ContainerCreating). */
  readonly waiting?: { reason: string; message?: string } | undefined;
  readonly ready: boolean;
}

/** CRI nanoseconds (decimal string) as RFC 3339 with second precision; 0 is null. */
export function nanosToTime(nanos: string): string | null {
  const ns = BigInt(nanos || '0');
  if (ns === 0n) return null;
  return new Date(Number(ns / 1_000_000n)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function terminatedFrom(cri: ContainerStatus, runtimeName: string): TerminatedJson {
  return {
    exitCode: cri.exit_code,
    reason: cri.reason || (cri.exit_code === 0 ? 'Completed' : 'Error'),
    ...(cri.message ? { message: cri.message } : {}),
    startedAt: nanosToTime(cri.started_at),
    finishedAt: nanosToTime(cri.finished_at),
    containerID: `${runtimeName}://${cri.id}`,
  };
}

function stateOf(view: ContainerView, runtimeName: string): ContainerStateJson {
  if (view.waiting) return { waiting: { ...view.waiting } };
  if (view.cri?.state === 'CONTAINER_RUNNING') return { running: { startedAt: nanosToTime(view.cri.started_at) } };
  if (view.cri?.state === 'CONTAINER_EXITED') return { terminated: terminatedFrom(view.cri, runtimeName) };
  return { waiting: { reason: 'ContainerCreating' } };
}

export function containerStatusJson(view: ContainerView, runtimeName: string): ContainerStatusJson {
  const state = stateOf(view, runtimeName);
  return {
    name: view.name,
    state,
    lastState: view.lastTerminated ? { terminated: view.lastTerminated } : {},
    ready: view.ready && state.running !== undefined,
    restartCount: view.restartCount,
    image: view.image,
    imageID: view.cri?.image_ref ?? '',
    ...(view.cri ? { containerID: `${runtimeName}://${view.cri.id}` } : {}),
    started: state.running !== undefined,
  };
}

/** kubelet `getPhase` for pods without init containers. */
export function podPhase(restartPolicy: RestartPolicy, names: readonly string[], statuses: readonly ContainerStatusJson[], podIsTerminal: boolean): PodPhase {
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const name of names) {
    const s = statuses.find((c) => c.name === name);
    if (!s) unknown += 1;
    else if (s.state.running) running += 1;
    else if (s.state.terminated) {
      stopped += 1;
      if (s.state.terminated.exitCode === 0) succeeded += 1;
    } else if (s.state.waiting) {
      if (s.lastState.terminated) stopped += 1;
      else waiting += 1;
    } else unknown += 1;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(type: string, ok: boolean, previous: readonly ConditionJson[], now: string, reason?: string, message?: string): ConditionJson {
  const status = ok ? 'True' : 'False';
  const before = previous.find((c) => c.type === type);
  return {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: before?.status === status && before.lastTransitionTime ? before.lastTransitionTime : now,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

/** PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled; readiness gates honoured. */
export function podConditions(pod: PodJson, statuses: readonly ContainerStatusJson[], phase: PodPhase, sandboxReady: boolean, now: string): ConditionJson[] {
  const previous = pod.status?.conditions ?? [];
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const unready = pod.spec.containers.map((c) => c.name).filter((n) => !statuses.find((s) => s.name === n)?.ready);
  const containersMessage = unready.length > 0 ? `containers with unready status: [${unready.join(' ')}]` : undefined;
  const containersReady = !terminal && unready.length === 0;
  let gateMessage: string | undefined;
  for (const gate of pod.spec.readinessGates ?? []) {
    const c = previous.find((p) => p.type === gate.conditionType);
    if (!c) gateMessage ??= `corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`;
    else if (c.status !== 'True') gateMessage ??= `the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`;
  }
  const readyReason = terminal ? 'PodCompleted' : !containersReady ? 'ContainersNotReady' : gateMessage ? 'ReadinessGatesNotReady' : undefined;
  return [
    condition('PodReadyToStartContainers', sandboxReady && !terminal, previous, now),
    condition('Initialized', true, previous, now, terminal ? 'PodCompleted' : undefined),
    condition('Ready', containersReady && gateMessage === undefined, previous, now, readyReason, terminal ? undefined : (containersMessage ?? gateMessage)),
    condition(
      'ContainersReady',
      containersReady,
      previous,
      now,
      terminal ? 'PodCompleted' : containersReady ? undefined : 'ContainersNotReady',
      terminal ? undefined : containersMessage,
    ),
    condition('PodScheduled', true, previous, now),
  ];
}
