// The crrPod machine's own data: its context, the per-container lifecycle records and the plan a
// decision step leaves for the transitions to read. Plain JSON, as every machine context must be
// (the snapshot hash and the event log cover it). The shapes shared with effects/ and the glue
// live in types.ts.
import type {
  ContainerRecreateState,
  CrrPodInput,
  CrrStatusWrite,
  CrrView,
  KillContainerInput,
  PodContainersInput,
  PodView,
  RuntimeContainer,
} from './types.js';

/**
 * Where one container of the picked CRR is in its recreation: `pending` (not killed yet, or not on
 * the node), `preStop` and `stopping` (the kill in flight: hook, then StopContainer),
 * `awaitingRecreate` (killed or exited; the kubelet is to start a new one), and the terminal
 * `succeeded` / `failed`. Upstream's containerRecreateStates phases are Pending, Recreating,
 * Succeeded and Failed; the two kill stages exist only here.
 */
export type ContainerLifecyclePhase = 'pending' | 'preStop' | 'stopping' | 'awaitingRecreate' | 'succeeded' | 'failed';

export interface ContainerRecord {
  readonly name: string;
  readonly phase: ContainerLifecyclePhase;
  /** The newest runtime container of that name at the last inspection; null when unknown or absent. */
  readonly containerID: string | null;
  /** The state entry's message ('' for none). */
  readonly message: string;
  /** A preStop hook failure reported by the kill (it does not stop the kill). */
  readonly hookError?: string;
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

/** What a decision step chose; the `always` guards of `deciding` / `evaluating` read its kind. */
export type Plan =
  | { readonly kind: 'none' }
  /** No active CRR is left for the pod: the actor is done. */
  | { readonly kind: 'finish' }
  /** Nothing to do until the next observation. */
  | { readonly kind: 'idle'; readonly reason: string }
  /** With `inspect`, the runtime is inspected at the same time (a newly picked CRR's phase writes). */
  | { readonly kind: 'write'; readonly writes: readonly CrrStatusWrite[]; readonly inspect?: PodContainersInput }
  /** Look again after `delayMs` (or at the next observation, whichever is first). */
  | { readonly kind: 'requeue'; readonly reason: 'unreadyGrace' | 'minStarted'; readonly delayMs: number }
  | { readonly kind: 'inspect'; readonly crrName: string; readonly input: PodContainersInput }
  | { readonly kind: 'kill'; readonly input: KillContainerInput }
  /** The picked CRR went away while the machine was busy: decide from the start. */
  | { readonly kind: 'redecide' };

export interface CrrPodContext extends CrrPodInput {
  /** Latest time an event carried (or a timer implied), ms since the epoch; 0 before the first. */
  clockMs: number;
  /** The pod's active CRRs as last observed, with this actor's own writes applied on top. */
  crrs: CrrView[];
  pod: PodView | null;
  /** Per CRR name, the uid and resourceVersion this actor's last write returned (contract §4.2 expectations). */
  expectations: Record<string, { readonly uid: string; readonly resourceVersion: string }>;
  /** The CRR being worked on (picked by the last decision), or null. */
  picked: string | null;
  /** One record per spec container of the picked CRR (or of the last one, until another is picked): the per-container lifecycle. */
  containers: ContainerRecord[];
  /** The runtime's containers of the pod at the last inspection, which runtime, and when it answered. */
  runtime: {
    readonly at: number;
    readonly runtimeName: string;
    readonly containers: readonly RuntimeContainer[];
    /** A kill ran since this inspection: it no longer describes the pod, so the next pass asks again. */
    readonly spent?: boolean;
  } | null;
  plan: Plan;
  /** Set while a kill is in flight: the walk to resume when it ends. */
  walk: WalkState | null;
  /** Consecutive failed effects (status write or inspection), for the retry backoff. */
  failures: number;
  /** The last effect error, for logs and replay ('' when none). */
  lastError: string;
}
