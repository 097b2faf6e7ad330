// Pure rules for the per-container states of the picked CRR (contract §4.3 steps 6–8): the new
// `containerRecreateStates` from the runtime's containers, the walk that kills at most one
// container per pass, and how a pass ends. One addition to upstream (contract §4.6): a container
// that has exited and will not be restarted is `Succeeded`, not `Recreating` until the deadline.
import type { ContainerLifecyclePhase, ContainerRecord } from './context.js';
import { NOT_FOUND_ON_NODE, exitedNotRestarted, killContainerError } from './messages.js';
import type { ContainerRecreateState, CrrStatusWrite, CrrStrategyView, CrrView, PodView, RuntimeContainer } from './types.js';

/** A state entry in upstream's JSON shape: `message` and `isKilled` left out when empty or false (omitempty). */
export function recreateState(name: string, phase: ContainerRecreateState['phase'], isKilled: boolean, message = ''): ContainerRecreateState {
  return { name, phase, ...(message !== '' && { message }), ...(isKilled && { isKilled: true }) };
}

/** Go's reflect.DeepEqual over the state lists: order, phase, message and isKilled (absent = zero value). */
export function statesEqual(a: readonly ContainerRecreateState[], b: readonly ContainerRecreateState[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i]!;
      return x.name === y.name && x.phase === y.phase && (x.message ?? '') === (y.message ?? '') && (x.isKilled ?? false) === (y.isKilled ?? false);
    })
  );
}

/**
 * Why an exited container will not be started again by the kubelet, or null when it will be:
 * the pod is terminal (Succeeded/Failed), its restartPolicy is Never, or OnFailure after exit 0.
 * Without a pod view nothing is assumed (upstream's behaviour).
 */
export function notRestartedReason(pod: PodView | null, container: RuntimeContainer): string | null {
  if (pod === null || container.state !== 'exited') return null;
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed') return `pod phase ${pod.phase}`;
  if (pod.restartPolicy === 'Never') return 'restartPolicy Never';
  if (pod.restartPolicy === 'OnFailure' && container.exit?.code === 0) return 'restartPolicy OnFailure';
  return null;
}

const newestOf = (runtime: readonly RuntimeContainer[], name: string): RuntimeContainer | undefined => runtime.find((c) => c.name === name);

/** Contract §4.3 step 6: the new containerRecreateStates, one per spec container, in spec order. */
export function computeStates(crr: CrrView, pod: PodView | null, runtime: readonly RuntimeContainer[], nowMs: number): ContainerRecreateState[] {
  return crr.containers.map((spec) => {
    const previous = crr.states.find((s) => s.name === spec.name);
    if (previous !== undefined && (previous.phase === 'Failed' || previous.phase === 'Succeeded')) return previous;
    const wasKilled = previous?.isKilled ?? false;
    const current = newestOf(runtime, spec.name);
    if (current === undefined) return recreateState(spec.name, 'Pending', wasKilled, NOT_FOUND_ON_NODE);
    if (current.state === 'exited') {
      const why = notRestartedReason(pod, current);
      if (why !== null) return recreateState(spec.name, 'Succeeded', wasKilled, exitedNotRestarted(current.exit?.text ?? null, why));
      return recreateState(spec.name, 'Recreating', wasKilled);
    }
    if (crr.strategy.forceRecreate && !wasKilled) return recreateState(spec.name, 'Pending', false);
    const context = spec.statusContext;
    if (context === null || current.containerID !== context.containerID || current.restartCount > context.restartCount) {
      const seen = crr.snapshot?.find((s) => s.name === spec.name);
      const settled =
        seen !== undefined && seen.containerID === current.containerID && seen.ready && nowMs - current.startedAtMs > crr.strategy.minStartedSeconds * 1000;
      return recreateState(spec.name, settled ? 'Succeeded' : 'Recreating', wasKilled);
    }
    return recreateState(spec.name, 'Pending', wasKilled);
  });
}

export type WalkOutcome =
  /** A Failed entry under failurePolicy Fail: the CRR completes at once, message ''. */
  | { readonly kind: 'complete' }
  /** The entry at `index` is Pending and its container runs: kill it, then resume. */
  | { readonly kind: 'kill'; readonly index: number; readonly container: RuntimeContainer; readonly states: readonly ContainerRecreateState[] }
  /** The walk is over (end of list, ordered stop, missing container, or after a kill). */
  | { readonly kind: 'end'; readonly states: readonly ContainerRecreateState[] };

/** Contract §4.3 step 7 from entry `from` on. Recreating entries become isKilled as the walk passes them. */
export function walkStates(
  states: readonly ContainerRecreateState[],
  from: number,
  strategy: CrrStrategyView,
  runtime: readonly RuntimeContainer[],
): WalkOutcome {
  const next = [...states];
  for (let i = from; i < next.length; i++) {
    const state = next[i]!;
    if (state.phase === 'Succeeded') continue;
    if (state.phase === 'Failed') {
      if (strategy.failurePolicy === 'Ignore') continue;
      return { kind: 'complete' };
    }
    if (state.phase === 'Recreating') {
      next[i] = recreateState(state.name, 'Recreating', true, state.message);
      if (strategy.orderedRecreate) break;
      continue;
    }
    const container = newestOf(runtime, state.name);
    if (container === undefined) break;
    return { kind: 'kill', index: i, container, states: next };
  }
  return { kind: 'end', states: next };
}

export type KillResult = { readonly ok: true } | { readonly ok: false; readonly message: string };

/**
 * The walk after the kill of entry `index`: a stopped container is Recreating and killed, and the
 * walk ends (one kill per pass); a failed kill is Failed with upstream's message, and the walk
 * goes on under Ignore (`resumeFrom`) or ends under Fail.
 */
export function afterKill(
  states: readonly ContainerRecreateState[],
  index: number,
  result: KillResult,
  strategy: Pick<CrrStrategyView, 'failurePolicy'>,
): { states: ContainerRecreateState[]; resumeFrom: number | null } {
  const next = [...states];
  const state = next[index]!;
  if (result.ok) {
    next[index] = recreateState(state.name, 'Recreating', true, state.message);
    return { states: next, resumeFrom: null };
  }
  next[index] = recreateState(state.name, 'Failed', state.isKilled ?? false, killContainerError(result.message));
  return { states: next, resumeFrom: strategy.failurePolicy === 'Ignore' ? index + 1 : null };
}

export type PassEnd =
  | { readonly kind: 'write'; readonly write: CrrStatusWrite }
  | { readonly kind: 'requeue'; readonly delayMs: number }
  | { readonly kind: 'idle' };

/**
 * Contract §4.3 step 8: patch changed states; else complete when every entry is Succeeded or
 * Failed; else requeue after minStartedSeconds when set; else wait for an observation.
 */
export function endOfPass(crr: CrrView, states: readonly ContainerRecreateState[], completionTime: string): PassEnd {
  if (!statesEqual(crr.states, states)) return { kind: 'write', write: { name: crr.name, kind: 'states', states } };
  if (states.every((s) => s.phase === 'Succeeded' || s.phase === 'Failed')) {
    return { kind: 'write', write: { name: crr.name, kind: 'complete', message: '', completionTime } };
  }
  if (crr.strategy.minStartedSeconds > 0) return { kind: 'requeue', delayMs: crr.strategy.minStartedSeconds * 1000 };
  return { kind: 'idle' };
}

const LIFECYCLE: Readonly<Record<ContainerRecreateState['phase'], ContainerLifecyclePhase>> = {
  Pending: 'pending',
  Recreating: 'awaitingRecreate',
  Succeeded: 'succeeded',
  Failed: 'failed',
};

/** The per-container records of a CRR from its states. */
export function containerRecords(crr: CrrView, states: readonly ContainerRecreateState[], runtime: readonly RuntimeContainer[] | null): ContainerRecord[] {
  return crr.containers.map((spec) => {
    const state = states.find((s) => s.name === spec.name);
    return {
      name: spec.name,
      phase: state === undefined ? 'pending' : LIFECYCLE[state.phase],
      containerID: (runtime === null ? undefined : newestOf(runtime, spec.name)?.containerID) ?? null,
      message: state?.message ?? '',
    };
  });
}
