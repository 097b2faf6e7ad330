// The crrPod machine's own data: its context, the per-container records, and the events its
// decision steps raise to route the pass. Plain JSON, as every machine context must be (the
// snapshot hash and the event log cover it). The shapes shared with effects/ and the glue live in
// types.ts.
import type {
  ContainerRecreateState,
  CrrPodInput,
  CrrStatusWrite,
  CrrTiming,
  CrrView,
  KillContainerInput,
  PodContainersInput,
  PodView,
  RuntimeContainer,
} from './types.js';

/**
 * Where one container of the picked CRR is in its recreation, as upstream's states say:
 * `pending` (not killed yet, or not on the node), `awaitingRecreate` (killed or exited; the kubelet
 * is to start a new one), and the terminal `succeeded` / `failed`. A kill in flight and its stage
 * (preStop, stopping) are the chart's `killing` states, not a phase here.
 */
export type ContainerLifecyclePhase = 'pending' | 'awaitingRecreate' | 'succeeded' | 'failed';

export interface ContainerRecord {
  readonly name: string;
  readonly phase: ContainerLifecyclePhase;
  /** The newest runtime container of that name at the last inspection; null when unknown or absent. */
  readonly containerID: string | null;
  /** The state entry's message ('' for none). */
  readonly message: string;
}

/** A walk over the picked CRR's states (contract §4.3 step 7), paused while a kill runs. */
export interface WalkState {
  readonly crrName: string;
  /** The states as the walk has made them so far. */
  readonly states: readonly ContainerRecreateState[];
  /** The entry whose container is being killed. */
  readonly index: number;
  /** The runtime containers the pass started from (the walk keeps using them, as upstream does). */
  readonly runtime: readonly RuntimeContainer[];
}

/**
 * What a decision step found, raised as an event: the state it leads to is the event's own
 * transition, and the data that state needs travels with it.
 */
export type PassEvent =
  /** No active CRR is left for the pod: the actor is done. */
  | { readonly type: 'pass.finished' }
  /** Nothing to do until the next observation. */
  | { readonly type: 'pass.idle'; readonly reason: string }
  /** The unready grace has `delayMs` left (plus upstream's 100 ms). */
  | { readonly type: 'pass.awaitUnreadyGrace'; readonly delayMs: number }
  /** Recreated containers must run minStartedSeconds: look again after `delayMs`. */
  | { readonly type: 'pass.awaitMinStarted'; readonly delayMs: number }
  /** Phase writes (or, after a kill, the states it changed); then decide again. */
  | { readonly type: 'pass.write'; readonly writes: readonly CrrStatusWrite[] }
  /** A newly picked CRR's phase writes, with the runtime inspected at the same time. */
  | { readonly type: 'pass.writeAndInspect'; readonly writes: readonly CrrStatusWrite[]; readonly inspection: PodContainersInput }
  | { readonly type: 'pass.inspect'; readonly inspection: PodContainersInput }
  /** Changed states with a fresh inspection: patch them, then evaluate that inspection again. */
  | { readonly type: 'pass.patchStates'; readonly write: CrrStatusWrite }
  /** The CRR is over (every container done, a failure under Fail, or it cannot be served). */
  | { readonly type: 'pass.complete'; readonly write: CrrStatusWrite }
  | { readonly type: 'pass.kill'; readonly kill: KillContainerInput }
  /** The picked CRR went away while the machine was busy: decide from the start. */
  | { readonly type: 'pass.redecide' };

/**
 * The kill in flight as the log knows it. A crash restarts the kill effect from its start; what an
 * earlier run got done is told to the new run when it reports `kill.started` (`kill.progress`), so
 * a hook whose end the log holds is never run again and the grace counts from the first start.
 * `startedAtMs` and `preStopFinished` are absent in contexts folded from version 4 logs.
 */
export interface KillRecord {
  readonly input: KillContainerInput;
  readonly stageDeadlineMs: number;
  /** When the first run of this kill reported `kill.started` (ms); null before. */
  readonly startedAtMs?: number | null;
  /** A run reported `kill.preStopFinished`: the hook is over (ran, failed, or there was none). */
  readonly preStopFinished?: boolean;
}

export interface CrrPodContext extends Omit<CrrPodInput, 'timing'> {
  readonly timing: CrrTiming;
  /** Latest time an event carried (or a timer implied), ms since the epoch; 0 before the first. */
  clockMs: number;
  /** The pod's active CRRs as last observed, with this actor's own writes applied on top. */
  crrs: CrrView[];
  pod: PodView | null;
  /** Per CRR name, the uid and resourceVersion this actor's last write returned (contract §4.2 expectations). */
  expectations: Record<string, { readonly uid: string; readonly resourceVersion: string }>;
  /** The CRR being worked on (picked by the last decision), or null. */
  picked: string | null;
  /** One record per spec container of the picked CRR (or of the last one, until another is picked). */
  containers: ContainerRecord[];
  /** The runtime's containers of the pod at the last inspection, which runtime, and when it answered. */
  runtime: { readonly at: number; readonly runtimeName: string; readonly containers: readonly RuntimeContainer[] } | null;
  /** The writes of the write state the machine is in (or was last in). */
  writes: readonly CrrStatusWrite[];
  /** The inspection of the inspect state the machine is in (or was last in). */
  inspection: PodContainersInput | null;
  /** The kill in flight: what to kill, the clock time by which its current stage must be over, and how far its runs got (KillRecord). */
  kill: KillRecord | null;
  /** How long the current requeue wait lasts. */
  requeueMs: number;
  /** Set while a kill is in flight: the walk to resume when it ends. */
  walk: WalkState | null;
  /** Consecutive failed effects (status write or inspection), for the retry backoff. */
  failures: number;
  /** The last effect error, for logs and replay ('' when none). */
  lastError: string;
}
