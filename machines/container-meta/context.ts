// The containerMetaPod machine's own data: its context and the events its decision steps raise.
// Plain JSON, as every machine context must be (the snapshot hash and the event log cover it).
import type { ContainerMetaPodInput, ContainerMetaTiming, MetaEntry, MetaPodView, ReadPodRuntimeInput, RestartTarget, RuntimeContainerView } from './types.js';

/** A running container whose hash could not be computed this pass. */
export interface HashFailure {
  readonly name: string;
  readonly containerID: string;
  readonly reason: string;
}

/** What one sync found (contract §7.2 steps 3–6), kept while the pass carries it out. */
export interface SyncPlan {
  /** The new meta set, in status order. */
  readonly entries: readonly MetaEntry[];
  /** The annotation to write, or null when the set did not change (or it was written). */
  readonly patch: string | null;
  /** Stale containers to restart (or null once restarted). */
  readonly restarts: readonly RestartTarget[];
  readonly hashFailures: readonly HashFailure[];
}

/** The events the decision steps raise: each names the state the pass goes to, with what it needs. */
export type PassEvent =
  /** Read the pod's runtime containers (and the environments the hash needs). */
  | { readonly type: 'pass.read'; readonly reading: ReadPodRuntimeInput }
  /** No container status has an ID yet: nothing to read. */
  | { readonly type: 'pass.awaitContainers' }
  /** The container IDs name no runtime this daemon has: upstream logs and drops the sync. */
  | { readonly type: 'pass.noRuntime'; readonly reason: string }
  | { readonly type: 'pass.patch'; readonly value: string }
  | { readonly type: 'pass.restart'; readonly targets: readonly RestartTarget[] }
  /** Something changed while the pass ran: run another. */
  | { readonly type: 'pass.again' }
  /** A hash could not be computed: look again after hashRetryMs. */
  | { readonly type: 'pass.retryHash' }
  /** Killed containers are still the pod's current ones: wait for the kubelet to replace them. */
  | { readonly type: 'pass.awaitNewContainer' }
  | { readonly type: 'pass.watch' };

export interface ContainerMetaPodContext extends Omit<ContainerMetaPodInput, 'timing'> {
  readonly timing: ContainerMetaTiming;
  /** Latest time an event carried (or a timer implied), ms since the epoch; 0 before the first. */
  clockMs: number;
  /** The pod as last observed, with this actor's own annotation write applied while observations are older than it. */
  pod: MetaPodView | null;
  /** The annotation this actor last wrote and the resourceVersion the write returned, until an observation catches up. */
  written: { readonly value: string; readonly resourceVersion: string } | null;
  /** An observation that calls for a sync arrived while a pass was running. */
  dirty: boolean;
  /** The runtime read the pass is making (or made last). */
  reading: ReadPodRuntimeInput | null;
  /** The runtime's containers at the last read. */
  runtime: readonly RuntimeContainerView[] | null;
  plan: SyncPlan | null;
  /** IDs of containers this actor stopped (or found stopped) for a stale hash: never killed again. Pruned to IDs the pod still shows. */
  restarted: readonly string[];
  /** Stopped containers the kubelet has not replaced yet (the pod status still shows their IDs). */
  awaiting: readonly RestartTarget[];
  /** Consecutive failed effects, for the backoff. */
  failures: number;
  /** The last effect error, for logs and replay ('' when none). */
  lastError: string;
}
